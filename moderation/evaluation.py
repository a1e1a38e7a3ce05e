"""The pure core of `manage.py evaluate_classifier` (DESIGN 7): rows in, metrics out. No Django, no I/O
beyond reading the rows file.

How labels count:
- `harmful` rows are positives and `benign` rows negatives for precision, recall, F1 and the
  false-positive rate of *flagged* (any category at severity >= 2).
- `self_harm_risk` rows are neither: flagging a person at risk is the right outcome (crisis support),
  not a false positive, and they are not requests to refuse either. They are measured only by the
  crisis-detection rate (self_harm or threat_to_others at severity >= 2).
A metric whose denominator is empty is None (JSON null), never a misleading 0 or 1.

Beyond DESIGN 7's keys (kept as they are), `--json` adds `by_source`, `by_language` and `figures`
(see `breakdown`): the same metrics per source and per language, and the issue-16 figures
(contrast F1/FPR, recall on harmful requests and on harmful statements, crisis detection including
threats to others, the false-crisis rate on benign rows, severe routing), each per language too.
Rows may carry `source`, `lang`, `kind`, `family`, `category`, `severity` and, for `turns` rows,
`assistant_actions` (corpus/LABEL_GUIDE.md); the last action is passed to the backend.
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
from moderation.classifiers.base import classify as classify_one

LABELS = ("harmful", "benign", "self_harm_risk")
CRISIS = ("self_harm", "threat_to_others")
# meta.severe_topic of the public sets -> the category it must reach at severity >= 3
SEVERE_TOPIC_CATEGORY = {
    "sexual_minors": "sexual_minors",
    "cbrn": "cbrn",
    "mass_violence_terror": "violent_extremism",
    "malicious_code": "cyber_attack",
}
SEVERE_CATEGORIES = frozenset(SEVERE_TOPIC_CATEGORY.values())
ROUTING_SEVERITY = 3


@dataclass(frozen=True)
class Row:
    id: str
    label: str
    text: str
    context: tuple[str, ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)
    actions: tuple[str, ...] = ()  # the assistant's action after each context turn
    source: str = ""
    lang: str = ""
    kind: str = ""
    family: str = ""
    category: str = ""
    severity: int | None = None

    @property
    def last_action(self) -> str | None:
        return self.actions[-1] if self.actions else None

    @property
    def at_risk(self) -> bool:
        """A person the crisis path must reach: a self-harm risk, or a threat to a specific person."""
        return self.label == "self_harm_risk" or (
            self.category == "threat_to_others" and (self.severity is None or self.severity >= 2)
        )

    @property
    def severe_category(self) -> str | None:
        """The severe category this (harmful) row must be routed to at severity >= 3, if any."""
        if self.label != "harmful":
            return None
        topic = self.meta.get("severe_topic")
        if topic in SEVERE_TOPIC_CATEGORY:
            return SEVERE_TOPIC_CATEGORY[topic]
        if self.category in SEVERE_CATEGORIES and (self.severity or 0) >= ROUTING_SEVERITY:
            return self.category
        return None


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
    extra: dict[str, Any] = field(default_factory=dict)  # by_source, by_language, figures

    def as_json(self) -> dict[str, Any]:
        return {
            **self.extra,
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
    actions: tuple[str, ...] = ()
    if isinstance(turns, list) and turns and all(isinstance(t, str) for t in turns):
        text, context = turns[-1], tuple(turns[:-1])
        given = obj.get("assistant_actions")
        if isinstance(given, list) and all(isinstance(a, str) for a in given):
            actions = tuple(given)
    elif isinstance(obj.get("text"), str):
        text, context = obj["text"], ()
    else:
        raise RowError(f"line {line_number}: a row needs a string `text` or a non-empty list of string `turns`")
    severity = obj.get("severity")
    return Row(
        id=str(obj.get("id", line_number)),
        label=label,
        text=text,
        context=context,
        meta=obj.get("meta") or {},
        actions=actions,
        source=str(obj.get("source") or ""),
        lang=str(obj.get("lang") or ""),
        kind=str(obj.get("kind") or ""),
        family=str(obj.get("family") or ""),
        category=str(obj.get("category") or ""),
        severity=severity if isinstance(severity, int) and not isinstance(severity, bool) else None,
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
        verdict = classify_one(classifier, row.text, context=row.context, last_action=row.last_action)
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


# ---------------------------------------------------------------- breakdowns (issue 16)


def metrics(rows: Sequence[Row], results: Sequence[RowResult]) -> dict[str, Any]:
    """The flagged metrics of `summarize` plus crisis detection (self-harm risk and threats to a
    specific person), the false-crisis rate on benign rows, and severe routing."""
    harmful = [r for row, r in zip(rows, results, strict=True) if row.label == "harmful"]
    benign = [r for row, r in zip(rows, results, strict=True) if row.label == "benign"]
    true_pos = sum(r.flagged for r in harmful)
    false_pos = sum(r.flagged for r in benign)
    precision = _ratio(true_pos, true_pos + false_pos)
    recall = _ratio(true_pos, len(harmful))
    f1 = 2 * precision * recall / (precision + recall) if precision and recall else None
    if f1 is None and precision == 0.0 and recall is not None:
        f1 = 0.0
    at_risk = [r for row, r in zip(rows, results, strict=True) if row.at_risk]
    routed = [
        r.categories.get(row.severe_category, 0) >= ROUTING_SEVERITY
        for row, r in zip(rows, results, strict=True)
        if row.severe_category
    ]
    return {
        "rows": len(rows),
        "harmful": len(harmful),
        "benign": len(benign),
        "at_risk": len(at_risk),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "false_positive_rate": _ratio(false_pos, len(benign)),
        "crisis_detection_rate": _ratio(sum(r.crisis for r in at_risk), len(at_risk)),
        "false_crisis_rate": _ratio(sum(r.crisis for r in benign), len(benign)),
        "severe_routing": _ratio(sum(routed), len(routed)),
        "severe_rows": len(routed),
    }


def _groups(rows: Sequence[Row], results: Sequence[RowResult], key: Callable[[Row], str]) -> dict[str, Any]:
    grouped: dict[str, tuple[list[Row], list[RowResult]]] = {}
    for row, result in zip(rows, results, strict=True):
        name = key(row)
        if name:
            pair = grouped.setdefault(name, ([], []))
            pair[0].append(row)
            pair[1].append(result)
    return {name: metrics(*pair) for name, pair in sorted(grouped.items())}


def figures(
    rows: Sequence[Row],
    results: Sequence[RowResult],
    *,
    contrast_sources: frozenset[str] = frozenset(),
    request_sources: frozenset[str] | None = None,
) -> dict[str, Any]:
    """The issue-16 figures over `rows`:
    - `contrast`: F1 and FPR over the contrast sets (`contrast_sources`) and every corpus row
      (the corpus pairs every harm with its look-alikes);
    - `requests`: recall on harmful requests (corpus `kind` request/question, the public
      `request_sources`; every single-turn harmful row when that is None);
    - `statements`: recall on harmful statements (corpus `kind` statement);
    - `crisis`: crisis detection on people at risk, and on the non-explicit wording alone (corpus
      family `crisis`, public rows whose meta says no explicit self-harm terms);
    - `false_crisis`: the false-crisis rate on benign rows; `severe_routing`;
    - `multi_turn`: the metrics of rows judged with context."""

    def pick(keep: Callable[[Row], bool]) -> tuple[list[Row], list[RowResult]]:
        chosen = [(row, r) for row, r in zip(rows, results, strict=True) if keep(row)]
        return [row for row, _ in chosen], [r for _, r in chosen]

    corpus = lambda row: row.source.startswith("corpus-")  # noqa: E731
    contrast = metrics(*pick(lambda row: corpus(row) or row.source in contrast_sources))
    requests = metrics(
        *pick(
            lambda row: (
                row.label == "harmful"
                and (
                    row.kind in ("request", "question")
                    if corpus(row)
                    else (row.source in request_sources if request_sources is not None else not row.context)
                )
            )
        )
    )
    statements = metrics(*pick(lambda row: row.label == "harmful" and row.kind == "statement"))
    everything = metrics(rows, results)
    implicit = metrics(
        *pick(
            lambda row: (
                row.at_risk and (row.family == "crisis" or row.meta.get("explicit_self_harm_terms_heuristic") is False)
            )
        )
    )
    multi = metrics(*pick(lambda row: bool(row.context)))
    return {
        "contrast_f1": contrast["f1"],
        "contrast_fpr": contrast["false_positive_rate"],
        "request_recall": requests["recall"],
        "statement_recall": statements["recall"],
        "crisis_detection": everything["crisis_detection_rate"],
        "crisis_detection_implicit": implicit["crisis_detection_rate"],
        "false_crisis": everything["false_crisis_rate"],
        "severe_routing": everything["severe_routing"],
        "multi_turn_f1": multi["f1"],
        "multi_turn_fpr": multi["false_positive_rate"],
        "counts": {
            "contrast": contrast["rows"],
            "requests": requests["harmful"],
            "statements": statements["harmful"],
            "at_risk": everything["at_risk"],
            "at_risk_implicit": implicit["at_risk"],
            "benign": everything["benign"],
            "severe": everything["severe_rows"],
            "multi_turn": multi["rows"],
        },
    }


def breakdown(
    rows: Sequence[Row],
    results: Sequence[RowResult],
    *,
    contrast_sources: frozenset[str] = frozenset(),
    request_sources: frozenset[str] | None = None,
) -> dict[str, Any]:
    """`by_source`, `by_language` (rows without `lang` count as English when they come from a
    public set) and `figures`, overall and per language."""
    language = lambda row: row.lang or ("en" if row.source else "")  # noqa: E731
    per_language = {}
    for lang in sorted({language(row) for row in rows if language(row)}):
        chosen = [(row, r) for row, r in zip(rows, results, strict=True) if language(row) == lang]
        per_language[lang] = figures(
            [row for row, _ in chosen],
            [r for _, r in chosen],
            contrast_sources=contrast_sources,
            request_sources=request_sources,
        )
    return {
        "by_source": _groups(rows, results, lambda row: row.source),
        "by_language": _groups(rows, results, language),
        "figures": {
            "all": figures(rows, results, contrast_sources=contrast_sources, request_sources=request_sources),
            **per_language,
        },
    }


def format_breakdown(details: Mapping[str, Any]) -> str:
    """The per-source and per-language lines of the text output."""

    def show(value: float | None) -> str:
        return "  n/a" if value is None else f"{value:.3f}"

    lines = []
    for title, key in (("by source", "by_source"), ("by language", "by_language")):
        groups = details[key]
        if len(groups) < 2 and key == "by_language":
            continue
        lines.append(f"{title} (rows: recall / FPR / crisis detection / false crisis / severe routing)")
        for name, m in groups.items():
            lines.append(
                f"  {name:<24} {m['rows']:>6}: {show(m['recall'])} / {show(m['false_positive_rate'])} / "
                f"{show(m['crisis_detection_rate'])} / {show(m['false_crisis_rate'])} / {show(m['severe_routing'])}"
            )
    overall = details["figures"]["all"]
    lines.append(
        "figures: contrast F1 {} FPR {}, requests recall {}, statements recall {}, crisis {} "
        "(non-explicit {}), false crisis {}, severe routing {}".format(
            *(
                show(overall[k]).strip()
                for k in (
                    "contrast_f1",
                    "contrast_fpr",
                    "request_recall",
                    "statement_recall",
                    "crisis_detection",
                    "crisis_detection_implicit",
                    "false_crisis",
                    "severe_routing",
                )
            )
        )
    )
    return "\n".join(lines)
