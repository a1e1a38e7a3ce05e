"""Validate corpus rows against corpus/LABEL_GUIDE.md: schema, label consistent with category and
severity, unique ids, languages, families, kinds, assistant actions.

    .venv/bin/python -m moderation.classifiers.learned.corpus [CORPUS_DIR]

prints one line per problem (`path:line id: what`) and the counts per language and label, and
exits 1 when a problem was found. `train_classifier` trains only on the valid rows and reports the
others.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moderation.taxonomy import NAMES, NONE

CATEGORIES = frozenset(NAMES) | {NONE}
LANGS = frozenset({"en", "es", "fr", "de", "it", "pt", "nl", "pl", "tr", "mix"})
FAMILIES = frozenset(
    {
        "vocab",
        "statement",
        "other_kinds",
        "framing",
        "obfuscation",
        "crisis",
        "contrast",
        "context",
        "direct",
        "everyday",
    }
)
KINDS = frozenset({"request", "statement", "question", "disclosure"})
ACTIONS = frozenset({"answer", "refuse", "redirect", "warn", "crisis_support", "confirm_end"})


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    id: str | None
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} {self.id or '-'}: {self.what}"


def expected_label(category: str, severity: int) -> str:
    if severity >= 2 and category == "self_harm":
        return "self_harm_risk"
    if severity >= 2 and category != NONE:
        return "harmful"
    return "benign"


def row_problems(row: Mapping[str, Any], *, writer: str | None = None) -> list[str]:
    """What is wrong with one row (empty: nothing). `writer`: the file's name, which the id and
    source must carry."""
    problems = []
    text, turns = row.get("text"), row.get("turns")
    if isinstance(text, str) == isinstance(turns, list):
        problems.append("needs exactly one of `text` or `turns`")
    if isinstance(text, str) and not text.strip():
        problems.append("empty text")
    if isinstance(turns, list):
        if not turns or not all(isinstance(turn, str) and turn.strip() for turn in turns):
            problems.append("`turns` must be a non-empty list of non-empty strings")
        actions = row.get("assistant_actions")
        if actions is not None:
            if not isinstance(actions, list) or len(actions) != len(turns) - 1:
                problems.append("`assistant_actions` needs one action per earlier turn")
            elif not set(actions) <= ACTIONS:
                problems.append(f"unknown assistant action in {sorted(set(actions) - ACTIONS)}")
    category, severity = row.get("category"), row.get("severity")
    if category not in CATEGORIES:
        problems.append(f"unknown category {category!r}")
    if not isinstance(severity, int) or isinstance(severity, bool) or not 0 <= severity <= 4:
        problems.append(f"severity must be 0-4, got {severity!r}")
    elif category in CATEGORIES:
        if category == NONE and severity > 0:
            problems.append("category `none` needs severity 0")
        wanted = expected_label(category, severity)
        if row.get("label") != wanted:
            problems.append(f"label {row.get('label')!r} but {category} at {severity} gives {wanted!r}")
        if category == "sexual_minors" and severity in (2, 3):
            problems.append("sexual_minors is always 4 when harmful (guide), got 2-3")
    if row.get("lang") not in LANGS:
        problems.append(f"unknown lang {row.get('lang')!r}")
    if row.get("family") not in FAMILIES:
        problems.append(f"unknown family {row.get('family')!r}")
    if row.get("kind") not in KINDS:
        problems.append(f"unknown kind {row.get('kind')!r}")
    source = str(row.get("source", ""))
    if not source.startswith("corpus-"):
        problems.append(f"source must be corpus-<writer>, got {source!r}")
    elif writer and source != f"corpus-{writer}":
        problems.append(f"source {source!r} in the file of writer {writer!r}")
    row_id = str(row.get("id", ""))
    parts = row_id.split("-")
    if len(parts) < 3 or not parts[-1].isdigit():
        problems.append(f"id {row_id!r} is not <writer>-<lang>-<nnnn>")
    elif parts[-2] != row.get("lang"):
        problems.append(f"id {row_id!r} names language {parts[-2]!r} but lang is {row.get('lang')!r}")
    return problems


def validate_files(paths: Iterable[Path]) -> tuple[list[dict[str, Any]], list[Problem]]:
    """The valid rows of every file, and every problem (a duplicate id invalidates its later rows)."""
    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for path in paths:
        writer = Path(path).stem
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as error:
                    problems.append(Problem(str(path), number, None, f"not JSON ({error.msg})"))
                    continue
                if not isinstance(row, dict):
                    problems.append(Problem(str(path), number, None, "not a JSON object"))
                    continue
                row_id = row.get("id")
                found = row_problems(row, writer=writer)
                if isinstance(row_id, str) and row_id in seen:
                    found.append(f"duplicate id (first at {seen[row_id]})")
                elif isinstance(row_id, str):
                    seen[row_id] = f"{path}:{number}"
                if found:
                    problems.extend(Problem(str(path), number, row_id, what) for what in found)
                else:
                    rows.append(row)
    return rows, problems


def counts(rows: Iterable[Mapping[str, Any]]) -> Counter[tuple[str, str]]:
    return Counter((row["lang"], row["label"]) for row in rows)


def corpus_files(directory: str | Path) -> list[Path]:
    root = Path(directory)
    return sorted([*root.glob("single/*.jsonl"), *root.glob("multi/*.jsonl")])


def main(argv: list[str]) -> int:
    directory = argv[0] if argv else "corpus"
    rows, problems = validate_files(corpus_files(directory))
    for problem in problems:
        print(problem)
    table = counts(rows)
    print("lang  harmful  benign  self_harm_risk")
    for lang in sorted({lang for lang, _ in table}):
        print(f"{lang:<5} {table[lang, 'harmful']:>7} {table[lang, 'benign']:>7} {table[lang, 'self_harm_risk']:>7}")
    print(f"{len(rows)} valid rows, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
