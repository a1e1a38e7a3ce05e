"""The audit log, newest first, filtered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q, QuerySet

from moderation.models import AuditEvent
from moderation.selectors.common import day_start


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""
    action: str = ""
    target: str = ""
    date_from: date | None = None
    date_to: date | None = None


def audit_events(filters: AuditFilters) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.select_related("actor").order_by("-created_at", "-id")
    if filters.actor == "system":
        events = events.filter(actor__isnull=True)
    elif filters.actor:
        events = events.filter(actor__username=filters.actor)
    if filters.action:
        events = events.filter(action__startswith=filters.action)
    if filters.target:
        target_type, _, target_id = filters.target.partition(":")
        if target_id:
            events = events.filter(target_type=target_type, target_id=target_id)
        else:
            events = events.filter(Q(target_id=filters.target) | Q(target_type=filters.target))
    if filters.date_from:
        events = events.filter(created_at__gte=day_start(filters.date_from))
    if filters.date_to:
        events = events.filter(created_at__lt=day_start(filters.date_to + timedelta(days=1)))
    return events
