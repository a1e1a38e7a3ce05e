"""The queue (open work first, urgent first), the export's rows, bulk selections, moderators."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Case, CharField, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Cast
from django.utils import timezone

from conversations.models import Ending
from moderation.models import CaseClaim, Feedback, Flag, Review
from moderation.selectors.common import VERDICTS, day_start, latest_verdict

# Queue urgency: higher first (DESIGN 8: feedback and crisis flags on top).
URGENCY_CRISIS = 4
URGENCY_FEEDBACK = 3
URGENCY_REPEAT = 2
URGENCY_UNREVIEWED = 1
URGENCY_DONE = 0


@dataclass(frozen=True)
class QueueFilters:
    """The queue shows open work unless `handled` (or a review filter that asks for handled
    endings): endings without a verdict or with an undecided report, and open flags."""

    kind: str = ""  # "", "endings", "flags"
    reason: str = ""
    category: str = ""
    review: str = ""  # "", "unreviewed", "upheld", "overturned"
    feedback: str = ""  # "", "yes", "no"
    date_from: date | None = None
    date_to: date | None = None
    handled: bool = False

    @property
    def open_only(self) -> bool:
        return not self.handled and self.review not in ("upheld", "overturned")

    def as_dict(self) -> dict:
        return {
            key: value.isoformat() if isinstance(value, date) else value
            for key, value in self.__dict__.items()
            if value
        }


def endings_annotated(*, verdict: bool = True) -> QuerySet[Ending]:
    """Endings with `has_verdict`, `has_feedback`, `open_feedback` (EXISTS, cheap to filter and sort
    on) and, unless `verdict=False`, the latest `verdict` (a sorted subquery: for display)."""
    endings = Ending.objects.annotate(
        has_verdict=Exists(Review.objects.filter(ending=OuterRef("pk"), verdict__in=VERDICTS)),
        has_feedback=Exists(Feedback.objects.filter(ending=OuterRef("pk"))),
        open_feedback=Exists(Feedback.objects.filter(ending=OuterRef("pk"), status__in=Feedback.UNDECIDED)),
    )
    return endings.annotate(verdict=latest_verdict()) if verdict else endings


def endings_filtered(filters: QueueFilters, *, verdict: bool = True) -> QuerySet[Ending]:
    endings = endings_annotated(verdict=verdict or filters.review in ("upheld", "overturned"))
    if filters.open_only:
        endings = endings.filter(Q(has_verdict=False, reopened_at__isnull=True) | Q(open_feedback=True))
    if filters.reason:
        endings = endings.filter(reason=filters.reason)
    if filters.category:
        endings = endings.filter(category=filters.category)
    if filters.review == "unreviewed":
        endings = endings.filter(has_verdict=False, reopened_at__isnull=True)
    elif filters.review == "upheld":
        endings = endings.filter(verdict=Review.Verdict.UPHELD)
    elif filters.review == "overturned":
        endings = endings.filter(Q(verdict=Review.Verdict.OVERTURNED) | Q(reopened_at__isnull=False))
    if filters.feedback == "yes":
        endings = endings.filter(has_feedback=True)
    elif filters.feedback == "no":
        endings = endings.filter(has_feedback=False)
    if filters.date_from:
        endings = endings.filter(created_at__gte=day_start(filters.date_from))
    if filters.date_to:
        endings = endings.filter(created_at__lt=day_start(filters.date_to + timedelta(days=1)))
    return endings


def _flags_filtered(filters: QueueFilters) -> QuerySet[Flag] | None:
    """Flags match the category and date filters; filters that only endings have exclude them,
    except `unreviewed`, which for flags means open."""
    if filters.kind == "endings" or filters.reason or filters.feedback or filters.review in ("upheld", "overturned"):
        return None
    flags = Flag.objects.all()
    if filters.review == "unreviewed" or filters.open_only:
        flags = flags.filter(status=Flag.Status.OPEN)
    if filters.category:
        flags = flags.filter(detail__category=filters.category)
    if filters.date_from:
        flags = flags.filter(created_at__gte=day_start(filters.date_from))
    if filters.date_to:
        flags = flags.filter(created_at__lt=day_start(filters.date_to + timedelta(days=1)))
    return flags


def queue_rows(filters: QueueFilters):
    """One ordered query over endings and flags: (kind, item id, urgency, created_at)."""
    ending_rows = None
    if filters.kind != "flags":
        ending_rows = (
            endings_filtered(filters, verdict=False)
            .annotate(
                row_kind=Value("ending", output_field=CharField()),
                row_item=Cast("id", output_field=CharField()),
                urgency=Case(
                    When(open_feedback=True, then=Value(URGENCY_FEEDBACK)),
                    When(Q(has_verdict=False, reopened_at__isnull=True), then=Value(URGENCY_UNREVIEWED)),
                    default=Value(URGENCY_DONE),
                    output_field=IntegerField(),
                ),
            )
            .values_list("row_kind", "row_item", "urgency", "created_at")
            .order_by()
        )
    flags = _flags_filtered(filters)
    flag_rows = None
    if flags is not None:
        flag_rows = (
            flags.annotate(
                row_kind=Value("flag", output_field=CharField()),
                row_item=Cast("id", output_field=CharField()),
                urgency=Case(
                    When(Q(status=Flag.Status.OPEN, kind=Flag.Kind.CRISIS), then=Value(URGENCY_CRISIS)),
                    When(status=Flag.Status.OPEN, then=Value(URGENCY_REPEAT)),
                    default=Value(URGENCY_DONE),
                    output_field=IntegerField(),
                ),
            )
            .values_list("row_kind", "row_item", "urgency", "created_at")
            .order_by()
        )
    if ending_rows is not None and flag_rows is not None:
        rows = ending_rows.union(flag_rows, all=True)
    else:
        rows = ending_rows if ending_rows is not None else flag_rows
    return rows.order_by("-urgency", "-created_at")


@dataclass
class QueueItem:
    kind: str
    urgency: int
    created_at: datetime
    ending: Ending | None = None
    flag: Flag | None = None

    @property
    def claim(self) -> CaseClaim | None:
        if self.ending is None:
            return None
        claim = getattr(self.ending, "claim", None)
        if claim is not None and claim.expires_at > timezone.now():
            return claim
        return None


def queue_items(page_rows) -> list[QueueItem]:
    """The endings and flags of one page of `queue_rows`, in two queries."""
    ending_ids = [uuid.UUID(item) for kind, item, _u, _c in page_rows if kind == "ending"]
    flag_ids = [int(item) for kind, item, _u, _c in page_rows if kind == "flag"]
    endings = {
        e.id: e
        for e in endings_annotated().filter(id__in=ending_ids).select_related("conversation__owner", "claim__moderator")
    }
    flags = {f.id: f for f in Flag.objects.filter(id__in=flag_ids).select_related("user", "resolved_by")}
    items = []
    for kind, item, urgency, created_at in page_rows:
        if kind == "ending":
            ending = endings.get(uuid.UUID(item))
            if ending is not None:
                items.append(QueueItem(kind, urgency, created_at, ending=ending))
        else:
            flag = flags.get(int(item))
            if flag is not None:
                items.append(QueueItem(kind, urgency, created_at, flag=flag))
    return items


def moderators() -> list:
    """Active users who may review (through a group, their own permissions, or as superusers),
    for assignment and the audit log's moderator filter. One query."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    permission = Permission.objects.filter(content_type__app_label="moderation", codename="review_endings")
    return list(
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(groups__permissions__in=Subquery(permission.values("pk")))
            | Q(user_permissions__in=Subquery(permission.values("pk")))
        )
        .distinct()
        .order_by("username")
        .only("id", "username")
    )


def flag_get(flag_id: int) -> Flag | None:
    return Flag.objects.select_related("user").filter(pk=flag_id).first()


def bulk_selection(*, ending_ids: list, flag_ids: list) -> tuple[list[Ending], list[Flag]]:
    """The selected rows for a bulk action's confirm page, in two queries (the ids are capped)."""
    endings = list(
        endings_annotated()
        .filter(id__in=ending_ids)
        .select_related("conversation__owner", "claim__moderator")
        .order_by("-created_at")
    )
    flags = list(Flag.objects.filter(id__in=flag_ids).select_related("user").order_by("-created_at"))
    return endings, flags


def feedback_for_endings(ending_ids: list) -> dict:
    grouped: dict = defaultdict(list)
    for item in Feedback.objects.filter(ending_id__in=ending_ids).order_by("created_at"):
        grouped[item.ending_id].append(item)
    return grouped
