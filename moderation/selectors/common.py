"""What the console's selectors share: the verdicts that decide a case, day boundaries."""

from __future__ import annotations

from datetime import date, datetime, time

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from moderation.models import Review

VERDICTS = (Review.Verdict.UPHELD, Review.Verdict.OVERTURNED)


def day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def latest_verdict():
    return Subquery(
        Review.objects.filter(ending=OuterRef("pk"), verdict__in=VERDICTS)
        .order_by("-created_at", "-id")
        .values("verdict")[:1]
    )
