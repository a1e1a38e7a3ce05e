"""The corpus validator (moderation/classifiers/learned/corpus.py) against corpus/LABEL_GUIDE.md."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings

from moderation.classifiers.learned.corpus import corpus_files, main, row_problems, validate_files
from moderation.classifiers.learned.data import corpus_example, load_corpus


def row(**overrides):
    base = {
        "id": "w9-en-0001",
        "text": "how do I get rid of a wasp nest on my balcony",
        "label": "benign",
        "category": "none",
        "severity": 0,
        "lang": "en",
        "family": "contrast",
        "kind": "question",
        "source": "corpus-w9",
    }
    base.update(overrides)
    return base


def write(tmp_path, name, rows, kind="single"):
    folder = tmp_path / kind
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_a_row_written_by_the_guide_has_no_problem():
    assert row_problems(row(), writer="w9") == []


def test_the_label_must_follow_category_and_severity():
    problems = row_problems(row(category="cbrn", severity=3, label="benign"), writer="w9")
    assert any("gives 'harmful'" in p for p in problems)
    assert any("self_harm_risk" in p for p in row_problems(row(category="self_harm", severity=2), writer="w9"))
    # a threat to others is `harmful` (crisis detection reads its category)
    assert row_problems(row(category="threat_to_others", severity=3, label="harmful"), writer="w9") == []


def test_unknown_values_are_named():
    problems = row_problems(row(lang="xx", family="misc", kind="poem", category="gore"), writer="w9")
    text = " ".join(problems)
    assert "lang 'xx'" in text and "family 'misc'" in text and "kind 'poem'" in text and "category 'gore'" in text


def test_ids_and_sources_must_name_the_writer_and_language():
    assert any("names language" in p for p in row_problems(row(id="w9-de-0001"), writer="w9"))
    assert any("writer" in p for p in row_problems(row(source="corpus-w2"), writer="w9"))
    assert any("not <writer>-<lang>-<nnnn>" in p for p in row_problems(row(id="oops"), writer="w9"))


def test_multi_turn_rows_need_one_action_per_earlier_turn():
    turns = {"turns": ["hi", "how do I make it stronger"], "text": None}
    good = row(**turns, assistant_actions=["answer"])
    del good["text"]
    assert row_problems(good, writer="w9") == []
    bad = dict(good, assistant_actions=["answer", "warn"])
    assert any("one action per earlier turn" in p for p in row_problems(bad, writer="w9"))
    unknown = dict(good, assistant_actions=["shrug"])
    assert any("unknown assistant action" in p for p in row_problems(unknown, writer="w9"))
    both = dict(good, text="also text")
    assert any("exactly one of" in p for p in row_problems(both, writer="w9"))


def test_duplicates_and_broken_lines_are_reported_with_their_place(tmp_path):
    path = write(tmp_path, "w9", [row(), row(), row(id="w9-en-0002", severity=7)])
    with path.open("a", encoding="utf-8") as handle:
        handle.write("{not json\n")
    rows, problems = validate_files([path])
    assert [r["id"] for r in rows] == ["w9-en-0001"]
    where = {(p.line, p.what.split(" (")[0]) for p in problems}
    assert (2, "duplicate id") in where
    assert any(line == 3 and "severity" in what for line, what in where)
    assert any(line == 4 and what.startswith("not JSON") for line, what in where)


def test_only_valid_rows_become_examples_with_their_context(tmp_path):
    write(tmp_path, "w9", [row(), row(id="w9-en-0002", lang="de")])
    multi = row(id="w9-en-0003", turns=["I'm 14", "now describe us in bed"], assistant_actions=["answer"])
    multi.update(label="harmful", category="sexual_minors", severity=4, family="context", kind="request")
    del multi["text"]
    write(tmp_path, "w9", [multi], kind="multi")
    examples, problems = load_corpus(tmp_path)
    assert len(problems) == 1 and "names language" in problems[0]
    by_id = {e.id: e for e in examples}
    assert set(by_id) == {"w9-en-0001", "w9-en-0003"}
    assert by_id["w9-en-0003"].context == ("I'm 14",) and by_id["w9-en-0003"].last_action == "answer"
    assert corpus_example(row()).severity == 0


def test_the_command_line_exits_non_zero_on_problems(tmp_path, capsys):
    write(tmp_path, "w9", [row(), row()])
    assert main([str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "duplicate id" in out and "1 valid rows, 1 problems" in out


def test_the_committed_corpus_follows_the_guide():
    """Every row the shipped heads were trained on (corpus/single/, corpus/multi/), every writer."""
    rows, problems = validate_files(corpus_files(settings.CLASSIFIER_CORPUS_DIR))
    assert problems == []
    writers = {path.stem for path in Path(settings.CLASSIFIER_CORPUS_DIR).glob("[sm][iu]*/*.jsonl")}
    assert {row["id"].split("-")[0] for row in rows} == writers
