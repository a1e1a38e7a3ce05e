"""The agreement arithmetic of scripts/corpus_agreement.py, on hand-made labellings, and the round-3
sample it drew (reproducible from the seed, blind output without the first labels)."""

from __future__ import annotations

import importlib.util
import json
import math
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("corpus_agreement", ROOT / "scripts" / "corpus_agreement.py")
ca = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ca)


def test_perfect_agreement_gives_kappa_one():
    a = ["harmful", "benign", "self_harm_risk", "benign", "harmful"]
    assert ca.agreement(a, list(a)) == 1.0
    assert ca.cohen_kappa(a, list(a)) == pytest.approx(1.0)


def test_known_two_by_two_gives_known_kappa():
    # 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no: p_o = 35/50 = 0.7; marginals 25/50 and 30/50 yes,
    # so p_e = 0.5*0.6 + 0.5*0.4 = 0.5 and kappa = (0.7 - 0.5) / 0.5 = 0.4.
    a = ["y"] * 20 + ["y"] * 5 + ["n"] * 10 + ["n"] * 15
    b = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    assert ca.agreement(a, b) == pytest.approx(0.7)
    assert ca.cohen_kappa(a, b) == pytest.approx(0.4)


def test_kappa_is_zero_at_chance_and_negative_below_it():
    # Independent marginals reproduced exactly: agreement equals chance.
    a = ["y", "y", "n", "n"]
    b = ["y", "n", "y", "n"]
    assert ca.cohen_kappa(a, b) == pytest.approx(0.0)
    # Systematic disagreement.
    assert ca.cohen_kappa(["y", "n", "y", "n"], ["n", "y", "n", "y"]) == pytest.approx(-1.0)


def test_kappa_with_one_value_throughout():
    assert ca.cohen_kappa(["benign"] * 4, ["benign"] * 4) == 1.0


def test_lengths_must_match():
    with pytest.raises(ValueError):
        ca.agreement(["a"], ["a", "b"])
    with pytest.raises(ValueError):
        ca.cohen_kappa([], [])


def test_label_rule_follows_the_guide():
    assert ca.label_of("self_harm", 2) == "self_harm_risk"
    assert ca.label_of("self_harm", 1) == "benign"
    assert ca.label_of("threat_to_others", 3) == "harmful"
    assert ca.label_of("hate", 2) == "harmful"
    assert ca.label_of("cbrn", 1) == "benign"
    assert ca.label_of("none", 0) == "benign"


def _row(cat, sev):
    return {"category": cat, "severity": sev}


def test_measures_on_a_hand_made_pair():
    first = [
        _row("cyber_attack", 3),  # strike for the first labeller
        _row("self_harm", 3),
        _row("none", 0),
        _row("hate", 2),
    ]
    second = [
        _row("privacy", 3),  # not counted: strike disagrees, category disagrees, label agrees
        _row("self_harm", 1),  # label, flagged, crisis disagree; severity two steps apart
        _row("none", 0),
        _row("hate", 3),  # severity one step apart
    ]
    got = {name: (n, agr, kappa) for name, n, agr, kappa in ca.measures(first, second)}
    n, agr, _ = got["label (harmful / benign / self_harm_risk)"]
    assert (n, agr) == (4, 0.75)
    n, agr, _ = got["category, where both labels are not benign"]
    assert (n, agr) == (2, 0.5)  # rows 0 and 3 only
    n, agr, kappa = got["severity, exact"]
    assert (n, agr) == (4, 0.5)
    n, agr, kappa = got["severity, within one step"]
    assert agr == 0.75 and kappa is None
    n, agr, _ = got["a strike (counted category at >= 3)"]
    assert agr == 0.75
    n, agr, kappa = got["crisis (self_harm or threat_to_others at >= 2)"]
    assert agr == 0.75
    # one crisis row for the first labeller, none for the second: chance agreement 0.75, kappa 0
    assert kappa == pytest.approx(0.0)


def test_round3_sample_is_reproducible_and_stratified():
    committed = ca.read_ids(ca.DEFAULT_IDS)
    drawn = ca.draw_sample(ca.DEFAULT_WRITERS, ca.DEFAULT_SEED, ca.DEFAULT_PER_STRATUM, ca.DEFAULT_MULTI_PER_STRATUM)
    assert drawn == committed
    assert len(set(drawn)) == len(drawn)
    rows = ca.rows_by_id(ca.DEFAULT_WRITERS)
    strata = Counter((i.split("-")[0], rows[i]["lang"]) for i in drawn)
    assert set(strata) == {(w, lang) for w in ca.DEFAULT_WRITERS for lang in ca.LANGS}
    assert all(k <= ca.DEFAULT_PER_STRATUM for k in strata.values())
    assert any("turns" in rows[i] for i in drawn) and any("text" in rows[i] for i in drawn)


def test_blind_file_hides_the_first_labels(tmp_path):
    out = tmp_path / "blind.jsonl"
    assert ca.main(["blind", "--blind", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == len(ca.read_ids(ca.DEFAULT_IDS))
    for r in rows:
        assert set(r) <= set(ca.BLIND_FIELDS)
        assert not {"label", "category", "severity", "family", "kind", "source"} & set(r)


def test_committed_second_labels_follow_the_label_rule():
    second = ca.read_jsonl(ca.DEFAULT_SECOND)
    assert {r["id"] for r in second} == set(ca.read_ids(ca.DEFAULT_IDS))
    for r in second:
        assert r["label"] == ca.label_of(r["category"], r["severity"])
    # report runs and its measures are proper proportions
    rows = ca.rows_by_id(ca.DEFAULT_WRITERS)
    by_id = {r["id"]: r for r in second}
    ids = ca.read_ids(ca.DEFAULT_IDS)
    for _name, n, agr, _kappa in ca.measures([rows[i] for i in ids], [by_id[i] for i in ids]):
        assert n > 0 and 0.0 <= agr <= 1.0 and not math.isnan(agr)
