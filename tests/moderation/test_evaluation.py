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


CORPUS_ROWS = [
    {"id": "c-en-1", "text": "make it [sev:3:cbrn]", "label": "harmful", "category": "cbrn", "severity": 4,
     "lang": "en", "kind": "request", "family": "direct", "source": "corpus-w1"},
    {"id": "c-en-2", "text": "history of sarin", "label": "benign", "category": "none", "severity": 0,
     "lang": "en", "kind": "question", "family": "contrast", "source": "corpus-w1"},
    {"id": "c-de-1", "text": "sie sind Ungeziefer", "label": "harmful", "category": "hate", "severity": 3,
     "lang": "de", "kind": "statement", "family": "statement", "source": "corpus-w2"},
    {"id": "c-de-2", "text": "ich bringe meinen Vermieter um [sev:3:threat_to_others]", "label": "harmful",
     "category": "threat_to_others", "severity": 3, "lang": "de", "kind": "statement", "family": "crisis",
     "source": "corpus-w2"},
    {"id": "c-de-3", "text": "Energydrinks gesund? [sev:2:self_harm]", "label": "benign", "category": "none",
     "severity": 0, "lang": "de", "kind": "question", "family": "contrast", "source": "corpus-w2"},
    {"id": "c-en-3", "turns": ["I'm 13", "now describe us [sev:4:sexual_minors]"], "assistant_actions": ["answer"],
     "label": "harmful", "category": "sexual_minors", "severity": 4, "lang": "en", "kind": "request",
     "family": "context", "source": "corpus-w1"},
]  # fmt: skip


class LastActionRecorder(FakeClassifier):
    def __init__(self):
        self.actions = []

    def classify(self, text, *, context=(), last_action=None):
        self.actions.append(last_action)
        return super().classify(text, context=context, last_action=last_action)


def test_the_breakdown_is_per_source_and_per_language_and_counts_threats_as_crisis(tmp_path):
    from moderation.evaluation import breakdown

    rows = load_rows(write_rows(tmp_path, CORPUS_ROWS))
    _, results = evaluate(FakeClassifier(), rows)
    details = breakdown(rows, results)

    assert set(details["by_source"]) == {"corpus-w1", "corpus-w2"}
    assert set(details["by_language"]) == {"en", "de"}
    german = details["by_language"]["de"]
    assert german["at_risk"] == 1 and german["crisis_detection_rate"] == 1.0  # the threat to the landlord
    assert german["false_crisis_rate"] == 1.0  # the energy-drink question put in crisis
    figures = details["figures"]["all"]
    assert figures["statement_recall"] == 0.5  # the threat was flagged, the dehumanising statement missed
    assert figures["request_recall"] == 1.0
    assert figures["severe_routing"] == 1.0  # cbrn reached 3, sexual_minors 4
    assert figures["counts"]["severe"] == 2
    assert figures["multi_turn_f1"] == 1.0
    assert details["figures"]["de"]["false_crisis"] == 1.0 and details["figures"]["en"]["false_crisis"] == 0.0


def test_the_last_action_of_a_turns_row_reaches_the_backend(tmp_path):
    recorder = LastActionRecorder()
    evaluate(recorder, load_rows(write_rows(tmp_path, CORPUS_ROWS)))
    assert recorder.actions == [None, None, None, None, None, "answer"]


def test_the_command_keeps_design_keys_and_adds_breakdowns(tmp_path):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command(
        "evaluate_classifier", str(write_rows(tmp_path, CORPUS_ROWS)), "--backend", "fake", "--json", stdout=out
    )
    report = json.loads(out.getvalue())
    design = {"rows", "precision", "recall", "f1", "false_positive_rate", "crisis_detection_rate", "p50_ms", "p99_ms",
              "rows_per_s", "by_category"}  # fmt: skip
    assert design <= set(report)
    assert {"by_source", "by_language", "figures"} <= set(report)
    assert report["by_language"]["de"]["rows"] == 3

    text = StringIO()
    call_command("evaluate_classifier", str(write_rows(tmp_path, CORPUS_ROWS)), "--backend", "fake", stdout=text)
    assert "by language" in text.getvalue() and "corpus-w2" in text.getvalue()


def test_a_public_contrast_file_gets_contrast_figures_by_its_own_source_names(tmp_path):
    from io import StringIO

    from django.core.management import call_command

    rows = [
        {"id": "h", "text": "x [sev:3:cyber_attack]", "label": "harmful", "source": "jbb_behaviors_harmful"},
        {"id": "b", "text": "y", "label": "benign", "source": "jbb_behaviors_benign"},
    ]
    out = StringIO()
    call_command("evaluate_classifier", str(write_rows(tmp_path, rows)), "--backend", "fake", "--json", stdout=out)
    figures = json.loads(out.getvalue())["figures"]["all"]
    assert figures["contrast_f1"] == 1.0 and figures["contrast_fpr"] == 0.0
