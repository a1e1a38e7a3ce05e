import json

import pytest

from moderation.classifiers.fake import FakeClassifier
from moderation.evaluation import RowError, evaluate, load_rows, parse_row, percentile


def write_rows(tmp_path, rows):
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


ROWS = [
    {"id": "h1", "text": "bad [sev:3:cbrn]", "label": "harmful"},
    {"id": "h2", "text": "bad but missed", "label": "harmful"},
    {"id": "b1", "text": "fine", "label": "benign"},
    {"id": "b2", "text": "fine but flagged [sev:2:hate]", "label": "benign"},
    {"id": "s1", "text": "at risk [sev:2:self_harm]", "label": "self_harm_risk"},
    {"id": "s2", "text": "at risk, missed", "label": "self_harm_risk"},
]


def test_it_computes_flagged_metrics_without_self_harm_rows(tmp_path):
    report, _ = evaluate(FakeClassifier(), load_rows(write_rows(tmp_path, ROWS)))
    assert report.rows == 6
    assert report.precision == 0.5 and report.recall == 0.5 and report.f1 == 0.5
    assert report.false_positive_rate == 0.5
    assert report.crisis_detection_rate == 0.5


def test_it_counts_categories_by_label(tmp_path):
    report, _ = evaluate(FakeClassifier(), load_rows(write_rows(tmp_path, ROWS)))
    assert report.by_category["cbrn"] == {"flagged": 1, "harmful": 1, "benign": 0, "self_harm_risk": 0}
    assert report.by_category["self_harm"]["self_harm_risk"] == 1
    assert set(report.as_json()) == {
        "rows",
        "precision",
        "recall",
        "f1",
        "false_positive_rate",
        "crisis_detection_rate",
        "p50_ms",
        "p99_ms",
        "rows_per_s",
        "by_category",
    }


def test_undefined_metrics_are_none(tmp_path):
    report, _ = evaluate(FakeClassifier(), load_rows(write_rows(tmp_path, ROWS[:1])))
    assert report.false_positive_rate is None and report.crisis_detection_rate is None


def test_turns_rows_judge_the_last_turn_with_context():
    row = parse_row({"id": "m", "turns": ["first", "second", "third"], "label": "harmful"})
    assert row.text == "third" and row.context == ("first", "second")


def test_output_lines_have_the_documented_shape(tmp_path):
    _, results = evaluate(FakeClassifier(), load_rows(write_rows(tmp_path, ROWS[:1])))
    assert results[0].as_line() == {
        "id": "h1",
        "label": "harmful",
        "flagged": True,
        "crisis": False,
        "severity": 3,
        "category": "cbrn",
        "categories": {"cbrn": 3},
    }


@pytest.mark.parametrize("obj", [{"id": 1, "text": "x", "label": "maybe"}, {"id": 1, "label": "benign"}])
def test_invalid_rows_are_refused(obj):
    with pytest.raises(RowError):
        parse_row(obj)


def test_percentile_uses_nearest_rank():
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.0
    assert percentile([float(i) for i in range(1, 101)], 0.99) == 99.0
    assert percentile([], 0.5) == 0.0
