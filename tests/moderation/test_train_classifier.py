"""Training pieces that need no torch: what each row teaches (masked targets), the source weights,
the thresholds fitted on out-of-source probabilities, and that augmentation never borrows text
from another source."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from moderation.classifiers.learned.data import Example
from moderation.classifiers.learned.model import OUTPUTS, severities

train = pytest.importorskip("moderation.classifiers.learned.train")


def example(i: int, *, source="corpus-w1", label="benign", category="none", severity=0, context=()) -> Example:
    return Example(
        id=f"{source}-{i}",
        source=source,
        text=f"text {source} {i}",
        label=label,
        category=category,
        severity=severity,
        context=context,
    )


def column(name: str) -> int:
    return OUTPUTS.index(name)


def test_a_public_row_without_a_category_teaches_only_the_flag():
    row = Example(id="a", source="advbench", text="x", label="harmful", category="unknown", severity=None)
    y, mask = train.target_matrix([row])
    assert y[0, 0] == 1 and mask[0, 0] == 1
    assert mask[0, 1:].sum() == 0


def test_a_corpus_row_teaches_its_levels_and_the_other_categories_low():
    row = example(1, label="harmful", category="cbrn", severity=3)
    y, mask = train.target_matrix([row])
    assert (y[0, column("cbrn>=2")], y[0, column("cbrn>=3")], y[0, column("cbrn>=4")]) == (1, 1, 0)
    assert mask[0, column("cbrn>=4")] == 1
    assert y[0, column("hate>=2")] == 0 and mask[0, column("hate>=2")] == 1


def test_beside_a_crisis_category_the_others_are_unknown():
    row = example(1, label="harmful", category="threat_to_others", severity=4)
    y, mask = train.target_matrix([row])
    assert y[0, column("threat_to_others>=4")] == 1
    assert mask[0, column("cbrn>=2")] == 0  # "poison my landlord with ricin": cbrn too, maybe


def test_a_public_severe_topic_row_is_at_least_3_and_nothing_more_is_known():
    row = Example(id="h", source="harmbench", text="x", label="harmful", category="cbrn", severity=3)
    y, mask = train.target_matrix([row])
    assert y[0, column("cbrn>=3")] == 1 and mask[0, column("cbrn>=4")] == 0


def test_big_sources_weigh_as_the_square_root_of_their_size():
    rows = [example(i, source="big") for i in range(100)] + [example(i, source="small") for i in range(4)]
    weights = train.source_weights(rows)
    big, small = weights[:100].sum(), weights[100:].sum()
    assert big / small == pytest.approx(np.sqrt(100) / np.sqrt(4))


def test_thresholds_keep_out_of_source_false_alarms_within_their_targets():
    rng = np.random.default_rng(0)
    rows, probabilities = [], []
    for i in range(2000):
        benign = i % 2 == 0
        row = np.zeros(len(OUTPUTS), dtype=np.float32)
        # security look-alikes score high on cyber_attack, everything else low
        row[column("cyber_attack>=2")] = rng.uniform(0.5, 0.9) if benign and i % 4 == 0 else rng.uniform(0, 0.3)
        row[column("hate>=2")] = rng.uniform(0, 0.3) if benign else rng.uniform(0.2, 1.0)
        row[column("self_harm>=2")] = rng.uniform(0, 0.6)
        row[0] = max(row[column("hate>=2")], 0.1)
        probabilities.append(row)
        rows.append(example(i, label="benign" if benign else "harmful", category="none" if benign else "hate"))
    p = np.stack(probabilities)
    t = train.choose_thresholds(p, rows)

    benign = [i for i, r in enumerate(rows) if r.label == "benign"]
    flagged = sum(max(severities(p[i], t).values(), default=0) >= 2 for i in benign) / len(benign)
    crisis = sum(severities(p[i], t).get("self_harm", 0) >= 2 for i in benign) / len(benign)
    assert flagged <= train.TARGET_FPR + 0.005
    assert crisis <= train.TARGET_FALSE_CRISIS + 0.005
    assert t.per_category["cyber_attack"] > t.per_category["hate"]  # each category its own bar
    recalled = sum(max(severities(p[i], t).values(), default=0) >= 2 for i in range(len(rows)) if i % 2) / 1000
    assert recalled > 0.5


def test_augmentation_borrows_context_from_the_same_source_only():
    rows = [example(i, source=s) for s in ("corpus-w1", "corpus-w2") for i in range(50)]
    extra = train.augmented(rows)
    assert extra, "some single turns are seen again with a context"
    texts = {r.text: r.source for r in rows}
    for row in extra:
        assert row.id.endswith("+ctx") and row.label == "benign"
        assert all(texts[turn] == row.source for turn in row.context)
        assert len(row.actions) == len(row.context)


def test_level_3_thresholds_are_fitted_per_category_out_of_source(monkeypatch):
    """Severity 3 (what counts towards an ending, what routes a severe category) under-read by a
    calibrated probability gets a lower bar where that reads the out-of-source rows better; a
    category with too few rows keeps 0.5. Off by default (LEVEL3_BETA 0: measured no gain)."""
    rng = np.random.default_rng(1)
    rows, probabilities = [], []
    for i in range(400):
        severe = i % 2 == 0
        row = np.zeros(len(OUTPUTS), dtype=np.float32)
        row[0] = row[column("cbrn>=2")] = 0.95
        row[column("cbrn>=3")] = rng.uniform(0.3, 0.45) if severe else rng.uniform(0.0, 0.2)
        probabilities.append(row)
        rows.append(example(i, label="harmful", category="cbrn", severity=3 if severe else 2))
    p = np.stack(probabilities)
    assert train.level3_thresholds(p, rows, {"cbrn": 0.5}) == {}  # off: 0.5 everywhere
    monkeypatch.setattr(train, "LEVEL3_BETA", 1.0)
    level3 = train.level3_thresholds(p, rows, {"cbrn": 0.5, "hate": 0.5})
    assert 0.2 < level3["cbrn"] <= 0.3
    assert "hate" not in level3  # no row reaches 2 in hate
    t = replace(train.choose_thresholds(p, rows), level3_per_category=level3)
    assert severities(p[0], t)["cbrn"] == 3 and severities(p[1], t)["cbrn"] == 2
    assert train.Thresholds.from_json(t.as_json()) == t


def test_an_unknown_writer_is_a_clear_error_before_any_training(tmp_path):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match=r"--writers: unknown \['w99'\]"):
        call_command("train_classifier", "--writers", "w1,w99", "--datasets", str(tmp_path))


def test_rows_of_writers_left_out_are_scored_by_the_shipped_heads(monkeypatch):
    # the left-out writers' rows are in no fold: the heads trained without them score them
    trained_rows = [example(i, source="corpus-w1") for i in range(3)]
    left_out = [example(i, source="corpus-w5") for i in range(2)]
    x = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)

    arrays = {
        "w1": np.zeros((4, 2), np.float32),
        "b1": np.zeros(2, np.float32),
        "w2": np.zeros((2, len(OUTPUTS)), np.float32),
        "mean": np.zeros(4, np.float32),
        "scale": np.ones(4, np.float32),
        "platt_a": np.ones(len(OUTPUTS), np.float32),
    }
    fold = {**arrays, "b2": np.full(len(OUTPUTS), -2.0, np.float32)}
    final = {**arrays, "b2": np.full(len(OUTPUTS), 2.0, np.float32), "platt_b": np.zeros(len(OUTPUTS), np.float32)}
    thresholds = train.choose_thresholds(np.zeros((3, len(OUTPUTS))), trained_rows)
    training = train.Training(
        train.Fitted(final, thresholds), np.zeros((3, len(OUTPUTS))), {"corpus-w1": fold}, trained_rows
    )
    monkeypatch.setattr(train, "feature_matrix", lambda cache, rows: x[: len(rows)])
    # Calibration is not what this tests (and scikit-learn is a training dependency only): identity.
    monkeypatch.setattr(
        train,
        "platt",
        lambda logits, y, mask: (np.ones(logits.shape[1], np.float32), np.zeros(logits.shape[1], np.float32)),
    )
    out = train.loso(training, trained_rows + left_out, object())
    assert set(out) == {e.id for e in trained_rows + left_out}
    assert all(out[e.id][0][0] > 0.8 for e in left_out)  # the shipped heads (bias +2)
    assert all(out[e.id][0][0] < 0.5 for e in trained_rows)  # their fold's heads (bias -2)
