"""The pure core of `manage.py evaluate_classifier` (DESIGN 7): rows in, metrics out. No Django, no I/O
beyond reading the rows file.

How labels count:
- `harmful` rows are positives and `benign` rows negatives for precision, recall, F1 and the
  false-positive rate of *flagged* (any category at severity >= 2).
- `self_harm_risk` rows are neither: flagging a person at risk is the right outcome (crisis support),
  not a false positive, and they are not requests to refuse either. They are measured only by the
  crisis-detection rate (self_harm or threat_to_others at severity >= 2).
A metric whose denominator is empty is None (JSON null), never a misleading 0 or 1.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moderation.classifiers.base import Classifier

LABELS = ("harmful", "benign", "self_harm_risk")


@dataclass(frozen=True)
class Row:
    id: str
    label: str
    text: str
    context: tuple[str, ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RowResult:
    id: str
    label: str
    flagged: bool
    crisis: bool
    severity: int
    category: str
    categories: Mapping[str, int]
    latency_ms: float

    def as_line(self) -> dict[str, Any]:
        """The `--output` line: {"id","label","flagged","crisis","severity","category","categories"}."""
        return {
            "id": self.id,
            "label": self.label,
            "flagged": self.flagged,
            "crisis": self.crisis,
            "severity": self.severity,
            "category": self.category,
            "categories": dict(self.categories),
        }


@dataclass(frozen=True)
class Report:
    rows: int
    precision: float | None
    recall: float | None
    f1: float | None
    false_positive_rate: float | None
    crisis_detection_rate: float | None
    p50_ms: float
    p99_ms: float
    rows_per_s: float
    by_category: dict[str, dict[str, int]]

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "false_positive_rate": self.false_positive_rate,
            "crisis_detection_rate": self.crisis_detection_rate,
            "p50_ms": self.p50_ms,
            "p99_ms": self.p99_ms,
            "rows_per_s": self.rows_per_s,
            "by_category": self.by_category,
        }


class RowError(ValueError):
    """A line of the rows file is not a valid evaluation row."""


def parse_row(obj: Mapping[str, Any], *, line_number: int = 0) -> Row:
    """A row has `text`, or `turns` (user turns, oldest first: the last is judged, the rest are context)."""
    label = obj.get("label")
    if label not in LABELS:
        raise RowError(f"line {line_number}: label must be one of {', '.join(LABELS)}, got {label!r}")
    turns = obj.get("turns")
    if isinstance(turns, list) and turns and all(isinstance(t, str) for t in turns):
        text, context = turns[-1], tuple(turns[:-1])
    elif isinstance(obj.get("text"), str):
        text, context = obj["text"], ()
    else:
        raise RowError(f"line {line_number}: a row needs a string `text` or a non-empty list of string `turns`")
    return Row(
        id=str(obj.get("id", line_number)),
        label=label,
        text=text,
        context=context,
        meta=obj.get("meta") or {},
    )


def load_rows(path: str | Path) -> list[Row]:
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as error:
                    raise RowError(f"line {number}: not JSON ({error.msg})") from None
                rows.append(parse_row(obj, line_number=number))
    return rows


def classify_rows(classifier: Classifier, rows: Iterable[Row]) -> Iterator[RowResult]:
    """Classify lazily (so a caller can show progress); latency is measured around `classify` only."""
    for row in rows:
        started = time.perf_counter()
        verdict = classifier.classify(row.text, context=row.context)
        latency_ms = (time.perf_counter() - started) * 1000
        yield RowResult(
            id=row.id,
            label=row.label,
            flagged=verdict.flagged,
            crisis=verdict.crisis,
            severity=verdict.severity,
            category=verdict.category,
            categories=dict(verdict.scores),
            latency_ms=latency_ms,
        )


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def count_by_category(results: Iterable[RowResult]) -> dict[str, dict[str, int]]:
    """For every category that reached severity >= 2 somewhere: how many rows of each label it flagged."""
    counts: dict[str, dict[str, int]] = {}
    for result in results:
        for name, severity in result.categories.items():
            if severity >= 2:
                per_label = counts.setdefault(name, dict.fromkeys(("flagged", *LABELS), 0))
                per_label["flagged"] += 1
                per_label[result.label] += 1
    return dict(sorted(counts.items()))


def summarize(results: Sequence[RowResult], *, elapsed_s: float) -> Report:
    harmful = [r for r in results if r.label == "harmful"]
    benign = [r for r in results if r.label == "benign"]
    at_risk = [r for r in results if r.label == "self_harm_risk"]
    true_pos = sum(r.flagged for r in harmful)
    false_pos = sum(r.flagged for r in benign)
    precision = _ratio(true_pos, true_pos + false_pos)
    recall = _ratio(true_pos, len(harmful))
    f1 = 2 * precision * recall / (precision + recall) if precision and recall else None
    if f1 is None and precision == 0.0 and recall is not None:
        f1 = 0.0
    latencies = [r.latency_ms for r in results]
    return Report(
        rows=len(results),
        precision=precision,
        recall=recall,
        f1=f1,
        false_positive_rate=_ratio(false_pos, len(benign)),
        crisis_detection_rate=_ratio(sum(r.crisis for r in at_risk), len(at_risk)),
        p50_ms=round(percentile(latencies, 0.50), 4),
        p99_ms=round(percentile(latencies, 0.99), 4),
        rows_per_s=round(len(results) / elapsed_s, 1) if elapsed_s > 0 else 0.0,
        by_category=count_by_category(results),
    )


def evaluate(
    classifier: Classifier,
    rows: Sequence[Row],
    *,
    wrap: Callable[[Iterator[RowResult]], Iterable[RowResult]] = lambda results: results,
) -> tuple[Report, list[RowResult]]:
    """Classify every row and summarise. `wrap` lets the command add a progress bar."""
    started = time.perf_counter()
    results = list(wrap(classify_rows(classifier, rows)))
    return summarize(results, elapsed_s=time.perf_counter() - started), results


def format_report(report: Report) -> str:
    """The human-readable summary printed without --json."""

    def show(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.3f}"

    lines = [
        f"rows                   {report.rows}",
        f"precision              {show(report.precision)}",
        f"recall                 {show(report.recall)}",
        f"f1                     {show(report.f1)}",
        f"false_positive_rate    {show(report.false_positive_rate)}",
        f"crisis_detection_rate  {show(report.crisis_detection_rate)}",
        f"latency p50 / p99 ms   {report.p50_ms:.3f} / {report.p99_ms:.3f}",
        f"rows_per_s             {report.rows_per_s:.1f}",
        "by_category (rows at severity >= 2: flagged / harmful / benign / self_harm_risk)",
    ]
    for name, counts in report.by_category.items():
        lines.append(
            f"  {name:<18} {counts['flagged']:>6} / {counts['harmful']:>6} / {counts['benign']:>6} / "
            f"{counts['self_harm_risk']:>6}"
        )
    return "\n".join(lines)
