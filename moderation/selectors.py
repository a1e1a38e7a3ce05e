"""Reads for the staff console and the user's ending page. Every page is a fixed number of queries
whatever the data size (asserted in tests/moderation/test_console_queries.py)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, TruncDate
from django.utils import timezone

from conversations.exceptions import NotFound
from conversations.models import Ending, Message
from moderation.models import (
    AuditEvent,
    Backtest,
    CaseClaim,
    Classification,
    Decision,
    Feedback,
    Flag,
    PolicyVersion,
    Review,
    ReviewNotice,
)

HIDE_SEVERITY = 2  # user text at or above this severity is hidden until a moderator reveals it
VERDICTS = (Review.Verdict.UPHELD, Review.Verdict.OVERTURNED)
MAX_TREE_DEPTH_CLASS = 8

# Queue urgency: higher first (DESIGN 8: feedback and crisis flags on top).
URGENCY_CRISIS = 4
URGENCY_FEEDBACK = 3
URGENCY_REPEAT = 2
URGENCY_UNREVIEWED = 1
URGENCY_DONE = 0


# --- The user's ending page --------------------------------------------------------------------


def ending_get_for_owner(*, user, ending_id: object) -> Ending:
    """The ending if `user` owns its conversation; NotFound for missing, malformed and foreign ids."""
    if not getattr(user, "is_authenticated", False):
        raise NotFound()
    try:
        ending_uuid = uuid.UUID(str(ending_id))
    except (TypeError, ValueError, AttributeError):
        raise NotFound() from None
    ending = (
        Ending.objects.select_related("conversation").filter(id=ending_uuid, conversation__owner_id=user.pk).first()
    )
    if ending is None:
        raise NotFound()
    return ending


@dataclass
class EndingOutcome:
    """What the user's ending page says about review: their report and its status (received,
    under review, decided), and the decision with the moderator's reason once there is one."""

    feedback: Feedback | None
    status: str | None  # Feedback.Status value of the report, None without a report
    decision: Review | None  # the verdict the user reads (upheld or overturned), or None
    reopened: bool

    @property
    def verdict(self) -> str | None:
        if self.reopened:
            return Review.Verdict.OVERTURNED
        return self.decision.verdict if self.decision is not None else None


def ending_outcome(*, ending: Ending, user) -> EndingOutcome:
    """Two queries: the user's report (with the review that decided it), the latest verdict."""
    feedback = Feedback.objects.select_related("decision").filter(ending=ending, user=user).first()
    decision = feedback.decision if feedback is not None and feedback.decision_id else None
    if decision is None:
        decision = Review.objects.filter(ending=ending, verdict__in=VERDICTS).order_by("-created_at", "-id").first()
    return EndingOutcome(
        feedback=feedback,
        status=feedback.status if feedback is not None else None,
        decision=decision,
        reopened=ending.reopened_at is not None,
    )


def review_notices_unseen(*, user, limit: int = 5) -> list[ReviewNotice]:
    """The user's unread notices of decisions, newest first (one query)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        ReviewNotice.objects.filter(user_id=user.pk, seen_at__isnull=True)
        .select_related("review", "ending")
        .order_by("-created_at", "-id")[:limit]
    )


# --- Queue -------------------------------------------------------------------------------------


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


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def _latest_verdict():
    return Subquery(
        Review.objects.filter(ending=OuterRef("pk"), verdict__in=VERDICTS)
        .order_by("-created_at", "-id")
        .values("verdict")[:1]
    )


def endings_annotated(*, verdict: bool = True) -> QuerySet[Ending]:
    """Endings with `has_verdict`, `has_feedback`, `open_feedback` (EXISTS, cheap to filter and sort
    on) and, unless `verdict=False`, the latest `verdict` (a sorted subquery: for display)."""
    endings = Ending.objects.annotate(
        has_verdict=Exists(Review.objects.filter(ending=OuterRef("pk"), verdict__in=VERDICTS)),
        has_feedback=Exists(Feedback.objects.filter(ending=OuterRef("pk"))),
        open_feedback=Exists(Feedback.objects.filter(ending=OuterRef("pk"), status__in=Feedback.UNDECIDED)),
    )
    return endings.annotate(verdict=_latest_verdict()) if verdict else endings


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
        endings = endings.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        endings = endings.filter(created_at__lt=_day_start(filters.date_to + timedelta(days=1)))
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
        flags = flags.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        flags = flags.filter(created_at__lt=_day_start(filters.date_to + timedelta(days=1)))
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


# --- Case page ---------------------------------------------------------------------------------


@dataclass
class TreeRow:
    message: Message
    depth: int
    fork: bool  # the first message of an alternative branch (an edit)
    on_case_branch: bool
    after_case: bool  # created after the case's ending, off its branch: a possible edit-to-evade
    ending: Ending | None  # set on notices
    classifications: list = field(default_factory=list)
    decision: Decision | None = None
    hidden_label: str = ""  # "category/severity" when the text is hidden from this viewer
    revealed: bool = False

    @property
    def depth_class(self) -> str:
        return f"depth-{min(self.depth, MAX_TREE_DEPTH_CLASS)}"


@dataclass
class CaseView:
    ending: Ending
    rows: list[TreeRow]
    endings: list[Ending]
    feedback: list[Feedback]
    reviews: list[Review]
    flags: list[Flag]
    claim: CaseClaim | None
    verdict: str | None
    branches_after: int


def case_detail(*, ending_id, viewer) -> CaseView:
    """Everything the case page shows, in nine queries whatever the size of the tree."""
    ending = Ending.objects.select_related("conversation__owner", "reopened_by").filter(id=ending_id).first()
    if ending is None:
        raise NotFound()
    conversation_id = ending.conversation_id
    messages, classifications, decisions, endings, revealed = _tree_data(conversation_id, viewer)
    feedback = list(Feedback.objects.filter(ending=ending).select_related("user").order_by("created_at"))
    reviews = list(Review.objects.filter(ending=ending).select_related("moderator").order_by("created_at", "id"))
    flags = list(
        Flag.objects.filter(conversation_id=conversation_id).select_related("resolved_by").order_by("-created_at")
    )
    claim = CaseClaim.objects.select_related("moderator").filter(ending=ending, expires_at__gt=timezone.now()).first()
    rows = _tree_rows(messages, ending, endings, classifications, decisions, revealed)
    verdict = next((r.verdict for r in reversed(reviews) if r.verdict in VERDICTS), None)
    return CaseView(
        ending=ending,
        rows=rows,
        endings=endings,
        feedback=feedback,
        reviews=reviews,
        flags=flags,
        claim=claim,
        verdict=verdict,
        branches_after=sum(1 for row in rows if row.fork and row.after_case),
    )


def _tree_data(conversation_id, viewer) -> tuple:
    """Messages, classifications, decisions, endings and this viewer's reveals: five queries."""
    messages = list(Message.objects.filter(conversation_id=conversation_id).order_by("created_at", "id"))
    classifications = defaultdict(list)
    for row in Classification.objects.filter(message__conversation_id=conversation_id).order_by("backend"):
        classifications[row.message_id].append(row)
    decisions = {d.message_id: d for d in Decision.objects.filter(message__conversation_id=conversation_id)}
    endings = list(Ending.objects.filter(conversation_id=conversation_id).order_by("created_at"))
    revealed = set(
        AuditEvent.objects.filter(
            actor_id=viewer.pk, action="content.reveal", data__conversation_id=str(conversation_id)
        ).values_list("target_id", flat=True)
    )
    return messages, classifications, decisions, endings, revealed


@dataclass
class ConversationView:
    conversation: object
    rows: list[TreeRow]
    endings: list[Ending]
    anchor_id: str


def conversation_detail(*, conversation_id, viewer, anchor_id: str = "") -> ConversationView:
    """A conversation's tree without a case (e.g. where a draft policy would add an ending)."""
    from conversations.models import Conversation

    conversation = Conversation.objects.select_related("owner").filter(id=conversation_id).first()
    if conversation is None:
        raise NotFound()
    messages, classifications, decisions, endings, revealed = _tree_data(conversation_id, viewer)
    rows = _tree_rows(messages, None, endings, classifications, decisions, revealed)
    return ConversationView(conversation=conversation, rows=rows, endings=endings, anchor_id=anchor_id)


def _tree_rows(messages, case_ending, endings, classifications, decisions, revealed) -> list[TreeRow]:
    """Depth-first rows of the tree. A linear run stays at one depth; the alternatives at a fork
    (edits) are indented one step, so branches stand out without a staircase."""
    by_id = {m.id: m for m in messages}
    children = defaultdict(list)
    for message in messages:
        children[message.parent_id].append(message)
    case_path = set()
    current = by_id.get(case_ending.notice_id) if case_ending is not None else None
    while current is not None:
        case_path.add(current.id)
        current = by_id.get(current.parent_id) if current.parent_id else None
    ending_by_notice = {e.notice_id: e for e in endings}
    rows: list[TreeRow] = []
    roots = children[None]
    stack = [(m, 1 if len(roots) > 1 else 0, len(roots) > 1) for m in reversed(roots)]
    while stack:
        message, depth, fork = stack.pop()
        verdicts = classifications.get(message.id, [])
        severity = max((c.severity for c in verdicts), default=0)
        hidden_label = ""
        is_revealed = str(message.id) in revealed
        if message.role == Message.Role.USER and severity >= HIDE_SEVERITY and not is_revealed:
            top = max(verdicts, key=lambda c: c.severity)
            hidden_label = f"{top.category}/{top.severity}"
        rows.append(
            TreeRow(
                message=message,
                depth=depth,
                fork=fork,
                on_case_branch=message.id in case_path,
                after_case=case_ending is not None
                and message.id not in case_path
                and message.created_at > case_ending.created_at,
                ending=ending_by_notice.get(message.id),
                classifications=verdicts,
                decision=decisions.get(message.id),
                hidden_label=hidden_label,
                revealed=is_revealed and severity >= HIDE_SEVERITY,
            )
        )
        kids = children.get(message.id, [])
        branching = len(kids) > 1
        for kid in reversed(kids):
            stack.append((kid, depth + 1 if branching else depth, branching))
    return rows


# --- Metrics -----------------------------------------------------------------------------------


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
    since, until = _day_start(start), _day_start(end + timedelta(days=1))
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
        verdict=_latest_verdict(), has_feedback=Exists(Feedback.objects.filter(ending=OuterRef("pk")))
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


# --- Audit log, policy ------------------------------------------------------------------------


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
        events = events.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        events = events.filter(created_at__lt=_day_start(filters.date_to + timedelta(days=1)))
    return events


def policy_versions() -> list[PolicyVersion]:
    return list(PolicyVersion.objects.select_related("author").order_by("-number"))


def policy_version_get(number: int) -> PolicyVersion:
    version = PolicyVersion.objects.select_related("author").filter(number=number).first()
    if version is None:
        raise NotFound()
    return version


def backtests_of(version: PolicyVersion, limit: int = 10) -> list[Backtest]:
    return list(version.backtests.select_related("requested_by").order_by("-created_at", "-id")[:limit])


def backtest_get(backtest_id: int) -> Backtest:
    run = Backtest.objects.select_related("policy_version", "requested_by").filter(pk=backtest_id).first()
    if run is None:
        raise NotFound()
    return run


def feedback_for_endings(ending_ids: list) -> dict:
    grouped: dict = defaultdict(list)
    for item in Feedback.objects.filter(ending_id__in=ending_ids).order_by("created_at"):
        grouped[item.ending_id].append(item)
    return grouped
