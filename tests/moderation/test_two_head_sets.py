"""Head sets (model.CombinedHeads): the crisis outputs and the crisis threshold from one set,
which reads the frozen features only, everything else from the other, and the output rail's own
set; the same combination on stored LOSO rows; and what `train_classifier` accepts as crisis and
rail heads. No torch needed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from moderation.classifiers.learned.model import (
    CRISIS_COLUMNS,
    OUTPUTS,
    CombinedHeads,
    Heads,
    combined_loso_row,
    load_heads,
    severities,
)

N = len(OUTPUTS)


def heads(width: int, bias: float, *, crisis_threshold: float = 0.5, pooling: bool = False, version="v") -> Heads:
    """Heads whose every output is sigmoid(bias + the row's first feature)."""
    w1 = np.zeros((width, 1), np.float32)
    w1[0, 0] = 1.0
    arrays = {
        "w1": w1,
        "b1": np.full(1, 10.0, np.float32),  # keeps the hidden unit positive: it is 10 + x0
        "w2": np.ones((1, N), np.float32),
        "b2": np.full(N, bias - 10.0, np.float32),
        "mean": np.zeros(width, np.float32),
        "scale": np.ones(width, np.float32),
        "platt_a": np.ones(N, np.float32),
        "platt_b": np.zeros(N, np.float32),
    }
    if pooling:
        arrays |= {"tok_M": np.zeros((4, 2)), "tok_c": np.zeros(2), "tok_A": np.zeros((2, 1))}
    thresholds = {"flag": 0.5, "level2": 0.5, "level3": 0.5, "level4": 0.5, "crisis": crisis_threshold}
    return Heads(arrays, {"thresholds": thresholds, "version": version, "outputs": list(OUTPUTS)})


def test_crisis_outputs_come_from_the_crisis_heads_reading_the_frozen_columns_only():
    main, crisis = heads(6, -3.0, version="main"), heads(4, 3.0, crisis_threshold=0.9, version="crisis")
    combined = CombinedHeads(main, crisis)
    rows = np.zeros((2, 6), np.float32)
    rows[1, 4:] = 50.0  # beyond the crisis heads' width: must not reach them
    p = combined.probabilities(rows)
    assert p.shape == (2, N)
    others = [j for j in range(N) if j not in CRISIS_COLUMNS]
    np.testing.assert_allclose(p[:, others], main.probabilities(rows)[:, others])
    np.testing.assert_allclose(p[:, CRISIS_COLUMNS], crisis.probabilities(rows[:, :4])[:, CRISIS_COLUMNS])
    assert p[0, CRISIS_COLUMNS].min() > 0.9 and p[0, others].max() < 0.1
    assert combined.thresholds.crisis == 0.9 and combined.thresholds.flag == main.thresholds.flag
    assert combined.version == "main+crisis"
    scores = severities(p[0], combined.thresholds)
    assert scores["self_harm"] >= 2 and scores["threat_to_others"] >= 2 and "cbrn" not in scores


def test_crisis_heads_with_a_token_pooling_or_wider_rows_are_refused():
    with pytest.raises(ValueError, match="frozen features only"):
        CombinedHeads(heads(6, 0.0), heads(4, 0.0, pooling=True))
    with pytest.raises(ValueError, match="frozen features only"):
        CombinedHeads(heads(4, 0.0), heads(6, 0.0))


def save(directory, h: Heads, name: str, **extra: np.ndarray) -> None:
    arrays = {k: getattr(h, k) for k in ("w1", "b1", "w2", "b2", "mean", "scale", "platt_a", "platt_b")}
    np.savez(directory / f"{name}.npz", **arrays, **extra)
    (directory / f"{name}.json").write_text(json.dumps(dict(h.meta)), encoding="utf-8")


def test_a_weights_directory_with_crisis_files_loads_both_sets(tmp_path):
    save(tmp_path, heads(6, -3.0, version="main"), "model")
    assert isinstance(load_heads(tmp_path), Heads)
    save(tmp_path, heads(4, 3.0, version="crisis"), "crisis")
    loaded = load_heads(tmp_path)
    assert isinstance(loaded, CombinedHeads) and loaded.version == "main+crisis"
    assert loaded.rail is loaded.crisis  # no rail files: the rail reads the crisis heads


def test_rail_files_give_the_rail_its_own_heads_and_change_nothing_else(tmp_path):
    save(tmp_path, heads(6, -3.0, version="main"), "model")
    save(tmp_path, heads(4, 3.0, version="crisis"), "crisis")
    save(tmp_path, heads(4, -1.0, version="rail"), "rail")
    loaded = load_heads(tmp_path)
    assert loaded.rail.version == "rail" and loaded.rail is not loaded.crisis
    assert loaded.version == "main+crisis"
    rows = np.zeros((1, 6), np.float32)
    np.testing.assert_allclose(loaded.rail.probabilities(rows), heads(4, -1.0).probabilities(rows[:, :4]))
    np.testing.assert_allclose(
        loaded.probabilities(rows), CombinedHeads(heads(6, -3.0), heads(4, 3.0)).probabilities(rows)
    )
    with pytest.raises(ValueError, match="rail heads must read the frozen features only"):
        CombinedHeads(heads(6, 0.0), heads(4, 0.0), heads(4, 0.0, pooling=True))


def test_a_stored_loso_row_is_combined_as_the_run_time_does():
    rest = {"id": "a", "source": "s", "p": [0.1] * N, "thresholds": {"flag": 0.5, "crisis": 0.3}}
    crisis = {"id": "a", "source": "s", "p": [0.8] * N, "thresholds": {"flag": 0.9, "crisis": 0.7}}
    out = combined_loso_row(rest, crisis)
    assert [out["p"][j] for j in CRISIS_COLUMNS] == [0.8] * len(CRISIS_COLUMNS)
    assert sum(out["p"]) == pytest.approx(0.1 * (N - len(CRISIS_COLUMNS)) + 0.8 * len(CRISIS_COLUMNS))
    assert out["thresholds"] == {"flag": 0.5, "crisis": 0.7}
    assert rest["p"] == [0.1] * N  # the input row is left as it was


def test_the_committed_weights_are_three_sets_trained_by_the_shipped_recipes():
    # `train_classifier --shipped` must reproduce what is committed: shipping heads trained some
    # other way without moving the recipe (or the reverse) fails here
    from moderation.management.commands.train_classifier import (
        DEFAULT_FALSE_CRISIS,
        SHIPPED_CRISIS,
        SHIPPED_MAIN,
        SHIPPED_RAIL,
    )

    shipped = load_heads()
    assert isinstance(shipped, CombinedHeads)
    assert shipped.rail is not shipped.crisis
    for part, recipe in ((shipped.main, SHIPPED_MAIN), (shipped.crisis, SHIPPED_CRISIS), (shipped.rail, SHIPPED_RAIL)):
        meta = part.meta
        writers = {s.removeprefix("corpus-") for s in meta["training_sources"] if s.startswith("corpus-")}
        expected = writers if recipe["writers"] == "all" else set(recipe["writers"].split(","))
        assert writers == expected
        assert (meta.get("pooling", "max"), meta.get("folds", "source")) == (recipe["pooling"], recipe["folds"])
        assert meta["version"] == recipe["model_version"]
        assert meta.get("ngrams", False) == recipe["ngrams"] == part.reads_grams  # round 9's n-gram half
        assert meta["threads"] == recipe["threads"]  # torch's sums, so the weights, depend on it
        if "false_crisis" in recipe:  # heads trained before the option record the default rate
            assert meta.get("false_crisis", DEFAULT_FALSE_CRISIS) == recipe["false_crisis"]
    corpus_writers = {path.stem for path in Path(settings.CLASSIFIER_CORPUS_DIR).glob("[sm][iu]*/*.jsonl")}
    for part in (shipped.main, shipped.crisis):
        trained = {s.removeprefix("corpus-") for s in part.meta["training_sources"] if "corpus-" in s}
        assert corpus_writers == trained, "the user-side heads are trained on every writer"
    assert shipped.main.meta["crisis_heads"] == shipped.crisis.version
    assert shipped.main.meta["rail_heads"] == shipped.rail.version


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--crisis-loso", "x.jsonl"], "--crisis-loso combines"),
        (["--crisis-heads", "/nonexistent/heads"], "no heads there"),
        (["--shipped", "--crisis-heads", "x"], "--shipped trains its own crisis and rail heads"),
        (["--shipped", "--rail-heads", "x"], "--shipped trains its own crisis and rail heads"),
        (["--shipped", "--false-crisis", "0.03"], "the recipes fix the false-crisis rate"),
        (["--rail-heads", "/nonexistent/heads"], "no heads there"),
        (["--false-crisis", "0.7"], "a rate between 0 and 0.5"),
    ],
)
def test_bad_crisis_options_are_clear_errors_before_any_training(args, message, tmp_path):
    with pytest.raises(CommandError, match=message):
        call_command("train_classifier", *args, "--datasets", str(tmp_path))


def test_crisis_heads_with_a_token_pooling_are_a_clear_error(tmp_path):
    save(tmp_path, heads(4, 0.0), "model", tok_M=np.zeros((4, 2)), tok_c=np.zeros(2), tok_A=np.zeros((2, 1)))
    with pytest.raises(CommandError, match="not frozen features only"):
        call_command("train_classifier", "--crisis-heads", str(tmp_path), "--datasets", str(tmp_path))


def test_the_output_rail_reads_assistant_text_with_its_own_heads_and_the_same_encoder():
    from moderation.classifiers.hybrid import OutputHybridClassifier
    from moderation.classifiers.registry import get_classifier
    from moderation.rails import rail_backend

    assert rail_backend() == "hybrid-output"
    user = get_classifier("hybrid")
    rail = get_classifier("hybrid-output")
    assert isinstance(rail, OutputHybridClassifier)
    assert rail.learned.heads is user.learned.heads.rail and rail.learned.heads is not user.learned.heads.crisis
    assert rail.learned.encoder is user.learned.encoder and rail.lexicon is user.lexicon
    verdict = rail.classify("Never mix bleach and ammonia: it releases toxic chloramine gas.")
    assert verdict.backend == "hybrid-output" and "use-m3-mlp-1" in verdict.version
