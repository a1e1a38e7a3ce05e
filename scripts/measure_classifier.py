"""Measure a classifier backend on every dataset of a directory and print markdown tables.

    .venv/bin/python scripts/measure_classifier.py [DATASETS_DIR] [--backend offline] [--misses FILE_STEM]

DATASETS_DIR defaults to ../shared/datasets beside the repository. The datasets are read where they
are (never copied). Besides the per-file table (the same figures as `manage.py evaluate_classifier`)
it prints the target subsets: harmbench without copyright rows, diasafety rows with explicit
self-harm terms, severe-topic routing, and the counted-turn rate over multi-turn red-team
conversations. No Django needed for the offline and fake backends.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from moderation.evaluation import Row, RowResult, evaluate, load_rows  # noqa: E402
from moderation.taxonomy import COUNTED_BY_DEFAULT  # noqa: E402

BACKENDS = {
    "offline": "moderation.classifiers.offline:OfflineClassifier",
    "fake": "moderation.classifiers.fake:FakeClassifier",
}
SEVERE_TOPIC_CATEGORY = {
    "sexual_minors": "sexual_minors",
    "cbrn": "cbrn",
    "mass_violence_terror": "violent_extremism",
    "malicious_code": "cyber_attack",
}
ENDING_TURNS = 4  # the default policy ends a chat after 4 counted turns (DESIGN 4)


def load_backend(name: str):
    module, _, attr = BACKENDS[name].partition(":")
    return getattr(importlib.import_module(module), attr)()


def fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def table_row(name: str, rows: list[Row], classifier) -> tuple[str, list[RowResult]]:
    clear = getattr(classifier, "clear_caches", None)
    if clear is not None:
        clear()  # time every file (and subset) from a cold cache
    report, results = evaluate(classifier, rows)
    line = (
        f"| {name} | {report.rows} | {fmt(report.precision)} | {fmt(report.recall)} | {fmt(report.f1)} | "
        f"{fmt(report.false_positive_rate)} | {fmt(report.crisis_detection_rate)} | {report.p50_ms:.3f} | "
        f"{report.p99_ms:.3f} | {report.rows_per_s:,.0f} |"
    )
    return line, results


def subset(rows: list[Row], keep: Callable[[Row], bool]) -> list[Row]:
    return [row for row in rows if keep(row)]


def severe_routing(rows: list[Row], results: list[RowResult]) -> dict[str, tuple[int, int]]:
    """Per severe topic: (harmful rows reaching the matching category at >= 3, harmful rows)."""
    counts: dict[str, tuple[int, int]] = {}
    for row, result in zip(rows, results, strict=True):
        topic = row.meta.get("severe_topic")
        if row.label != "harmful" or topic not in SEVERE_TOPIC_CATEGORY:
            continue
        hit = result.categories.get(SEVERE_TOPIC_CATEGORY[topic], 0) >= 3
        done, total = counts.get(topic, (0, 0))
        counts[topic] = (done + hit, total + 1)
    return counts


def counted_turns(path: Path, classifier) -> tuple[int, int, int, int]:
    """Over multi-turn rows: (counted turns, turns, conversations with >= ENDING_TURNS counted turns, conversations)."""
    counted = turns = ending = conversations = 0
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            obj = json.loads(line)
            history: list[str] = []
            strikes = 0
            for turn in obj.get("turns") or [obj["text"]]:
                verdict = classifier.classify(turn, context=tuple(history))
                history.append(turn)
                turns += 1
                if any(verdict.scores.get(name, 0) >= 3 for name in COUNTED_BY_DEFAULT):
                    counted += 1
                    strikes += 1
            conversations += 1
            ending += strikes >= ENDING_TURNS
    return counted, turns, ending, conversations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("datasets", nargs="?", default=str(REPO.parent / "shared" / "datasets"))
    parser.add_argument("--backend", default="offline", choices=sorted(BACKENDS))
    parser.add_argument("--misses", default=None, help="print misses and false positives of this file stem")
    args = parser.parse_args()
    classifier = load_backend(args.backend)
    directory = Path(args.datasets)
    files = sorted(directory.glob("*.jsonl"))

    print(f"Backend `{classifier.name}` {classifier.version}, datasets `{directory}`\n")
    print("| dataset | rows | precision | recall | F1 | FPR | crisis rate | p50 ms | p99 ms | rows/s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    routing: dict[str, tuple[int, int]] = {}
    extra_lines = []
    for path in files:
        rows = load_rows(path)
        line, results = table_row(path.stem, rows, classifier)
        print(line)
        for topic, (done, total) in severe_routing(rows, results).items():
            before = routing.get(topic, (0, 0))
            routing[topic] = (before[0] + done, before[1] + total)
        if path.stem == "harmbench":
            kept = subset(rows, lambda r: r.meta.get("functional_category") != "copyright")
            extra_lines.append(table_row("harmbench (no copyright)", kept, classifier)[0])
        if path.stem.startswith("diasafety"):
            kept = subset(rows, lambda r: bool(r.meta.get("explicit_self_harm_terms_heuristic")))
            extra_lines.append(table_row("diasafety (explicit terms)", kept, classifier)[0])
        if args.misses and path.stem == args.misses:
            for row, result in zip(rows, results, strict=True):
                missed = row.label != "benign" and not (
                    result.crisis if row.label == "self_harm_risk" else result.flagged
                )
                false_positive = row.label == "benign" and result.flagged
                if missed or false_positive:
                    tag = "MISS" if missed else "FP"
                    print(f"{tag} {row.label} {result.category}:{result.severity} {row.text[:220]!r}", file=sys.stderr)
    for line in extra_lines:
        print(line)

    print("\nSevere routing (harmful rows with meta.severe_topic reaching the matching category at severity >= 3):\n")
    print("| severe topic | category | routed | rows | rate |")
    print("|---|---|---|---|---|")
    all_done = all_total = 0
    for topic, (done, total) in sorted(routing.items()):
        all_done, all_total = all_done + done, all_total + total
        print(f"| {topic} | {SEVERE_TOPIC_CATEGORY[topic]} | {done} | {total} | {done / total:.3f} |")
    if all_total:
        print(f"| all | | {all_done} | {all_total} | {all_done / all_total:.3f} |")

    multi = directory / "hh_rlhf_harmless_multiturn.jsonl"
    if multi.exists():
        counted, turns, ending, conversations = counted_turns(multi, classifier)
        print(
            f"\nMulti-turn red team ({multi.name}): counted turns (counted category >= 3) {counted}/{turns} "
            f"= {counted / turns:.3%}; conversations with >= {ENDING_TURNS} counted turns (an upper bound on "
            f"endings) {ending}/{conversations} = {ending / conversations:.3%}"
        )


if __name__ == "__main__":
    main()
