"""Metrics: endings per day, rates, and waiting times as percentiles."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection
from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncDate

from conversations.models import Ending
from moderation.models import Feedback, Flag, Review
from moderation.selectors.common import VERDICTS, day_start, latest_verdict


@dataclass(frozen=True)
class Waits:
    """Percentiles of a wait in seconds (None when nothing was measured) and how many waits."""

    count: int
    p50: float | None
    p90: float | None


@dataclass
class Metrics:
    start: date
    end: date
    days: list[date]
    by_reason: dict  # reason -> {day: count}
    by_category: dict  # category ("" for none) -> {day: count}
    crisis_by_day: dict  # day -> count
    endings: int
    with_feedback: int
    reviewed: int
    overturned: int
    crisis_flags: int
    review_wait: Waits  # ending -> its first verdict
    reports: int  # reports received on these endings
    reports_decided: int
    decision_wait: Waits  # report -> the verdict that decided it (EU DSA Art. 20 complaint handling)

    @property
    def feedback_rate(self) -> float | None:
        return self.with_feedback / self.endings if self.endings else None

    @property
    def overturn_rate(self) -> float | None:
        return self.overturned / self.reviewed if self.reviewed else None


def _first_verdict_at():
    return Subquery(
        Review.objects.filter(ending=OuterRef("pk"), verdict__in=VERDICTS)
        .order_by()
        .values("ending")
        .annotate(first=Min("created_at"))
        .values("first")[:1]
    )


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Linear interpolation between the closest ranks, as PostgreSQL's PERCENTILE_CONT."""
    if not sorted_values:
        return None
    position = (len(sorted_values) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def wait_percentiles(rows: QuerySet, *, start: str, end: str) -> Waits:
    """p50 and p90 of `end - start` over `rows` (where both are set), in one query:
    PERCENTILE_CONT on PostgreSQL; elsewhere the waits come back in that one query."""
    rows = rows.filter(**{f"{start}__isnull": False, f"{end}__isnull": False})
    if connection.vendor == "postgresql":
        from django.db.models import Aggregate, FloatField
        from django.db.models.functions import Extract

        class Percentile(Aggregate):
            function = "PERCENTILE_CONT"
            template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
            output_field = FloatField()

        seconds = Extract(ExpressionWrapper(F(end) - F(start), output_field=DurationField()), "epoch")
        values = rows.aggregate(
            count=Count("pk"), p50=Percentile(seconds, fraction=0.5), p90=Percentile(seconds, fraction=0.9)
        )
        return Waits(values["count"], values["p50"], values["p90"])
    waits = sorted((finished - began).total_seconds() for began, finished in rows.values_list(start, end))
    return Waits(len(waits), percentile(waits, 0.5), percentile(waits, 0.9))


def metrics(*, start: date, end: date) -> Metrics:
    """Eight queries over [start, end] (days, inclusive) whatever the data size."""
    since, until = day_start(start), day_start(end + timedelta(days=1))
    endings = Ending.objects.filter(created_at__gte=since, created_at__lt=until)
    by_reason: dict = defaultdict(dict)
    for row in endings.annotate(day=TruncDate("created_at")).values("day", "reason").annotate(n=Count("id")).order_by():
        by_reason[row["reason"]][row["day"]] = row["n"]
    by_category: dict = defaultdict(dict)
    for row in (
        endings.annotate(day=TruncDate("created_at")).values("day", "category").annotate(n=Count("id")).order_by()
    ):
        by_category[row["category"] or ""][row["day"]] = row["n"]
    totals = endings.annotate(
        verdict=latest_verdict(), has_feedback=Exists(Feedback.objects.filter(ending=OuterRef("pk")))
    ).aggregate(
        total=Count("id"),
        with_feedback=Count("id", filter=Q(has_feedback=True)),
        reviewed=Count("id", filter=Q(verdict__isnull=False)),
        overturned=Count("id", filter=Q(verdict=Review.Verdict.OVERTURNED)),
    )
    crisis_by_day = {
        row["day"]: row["n"]
        for row in Flag.objects.filter(kind=Flag.Kind.CRISIS, created_at__gte=since, created_at__lt=until)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(n=Count("id"))
        .order_by()
    }
    reports = Feedback.objects.filter(ending__created_at__gte=since, ending__created_at__lt=until)
    report_totals = reports.aggregate(total=Count("id"), decided=Count("id", filter=Q(status=Feedback.Status.REVIEWED)))
    days = [start + timedelta(days=offset) for offset in range((end - start).days + 1)]
    return Metrics(
        start=start,
        end=end,
        days=days,
        by_reason=dict(by_reason),
        by_category=dict(by_category),
        crisis_by_day=crisis_by_day,
        endings=totals["total"],
        with_feedback=totals["with_feedback"],
        reviewed=totals["reviewed"],
        overturned=totals["overturned"],
        crisis_flags=sum(crisis_by_day.values()),
        review_wait=wait_percentiles(
            endings.annotate(first_verdict=_first_verdict_at()), start="created_at", end="first_verdict"
        ),
        reports=report_totals["total"],
        reports_decided=report_totals["decided"],
        decision_wait=wait_percentiles(reports, start="created_at", end="decided_at"),
    )
