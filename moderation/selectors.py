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

from conversations import closure
from conversations.exceptions import NotFound
from conversations.models import Ending, Message
from moderation import taxonomy
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
    """The ending if `user` owns its conversation (not deleted); NotFound for missing, malformed and
    foreign ids, and for the endings of a deleted conversation."""
    if not getattr(user, "is_authenticated", False):
        raise NotFound()
    try:
        ending_uuid = uuid.UUID(str(ending_id))
    except (TypeError, ValueError, AttributeError):
        raise NotFound() from None
    ending = (
        Ending.objects.select_related("conversation")
        .filter(id=ending_uuid, conversation__owner_id=user.pk, conversation__deleted_at__isnull=True)
        .first()
    )
    if ending is None:
        raise NotFound()
    return ending


def ending_outcome(ending: Ending) -> str | None:
    """`reopened`, `upheld` or None (not reviewed yet) for the user's page."""
    if ending.reopened_at is not None:
        return "reopened"
    verdict = (
        Review.objects.filter(ending=ending, verdict__in=VERDICTS)
        .order_by("-created_at", "-id")
        .values_list("verdict", flat=True)
        .first()
    )
    return "upheld" if verdict == Review.Verdict.UPHELD else None


def feedback_of(*, user, ending: Ending) -> Feedback | None:
    return Feedback.objects.filter(ending=ending, user=user).first()


# --- Queue -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    kind: str = ""  # "", "endings", "flags"
    reason: str = ""
    category: str = ""
    review: str = ""  # "", "unreviewed", "upheld", "overturned"
    feedback: str = ""  # "", "yes", "no"
    date_from: date | None = None
    date_to: date | None = None

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


def endings_annotated() -> QuerySet[Ending]:
    return Ending.objects.annotate(
        verdict=_latest_verdict(),
        has_feedback=Exists(Feedback.objects.filter(ending=OuterRef("pk"))),
        open_feedback=Exists(Feedback.objects.filter(ending=OuterRef("pk"), status=Feedback.Status.OPEN)),
    )


def endings_filtered(filters: QueueFilters) -> QuerySet[Ending]:
    endings = endings_annotated()
    if filters.reason:
        endings = endings.filter(reason=filters.reason)
    if filters.category:
        endings = endings.filter(category=filters.category)
    if filters.review == "unreviewed":
        endings = endings.filter(verdict__isnull=True, reopened_at__isnull=True)
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
    if filters.review == "unreviewed":
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
            endings_filtered(filters)
            .annotate(
                row_kind=Value("ending", output_field=CharField()),
                row_item=Cast("id", output_field=CharField()),
                urgency=Case(
                    When(open_feedback=True, then=Value(URGENCY_FEEDBACK)),
                    When(Q(verdict__isnull=True, reopened_at__isnull=True), then=Value(URGENCY_UNREVIEWED)),
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
    closed: bool = False  # a user message an ending that holds closed before it was answered

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
    holding = [e.ended_turn_id for e in endings if e.reopened_at is None]
    closed = closure.closed_in_tree({m.id: m.parent_id for m in messages}, holding) - set(holding)
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
                closed=message.role == Message.Role.USER and message.id in closed,
            )
        )
        kids = children.get(message.id, [])
        branching = len(kids) > 1
        for kid in reversed(kids):
            stack.append((kid, depth + 1 if branching else depth, branching))
    return rows


# --- Metrics -----------------------------------------------------------------------------------


@dataclass
class Metrics:
    start: date
    end: date
    days: list[date]
    by_reason: dict  # reason -> {day: count}
    by_category: dict  # category -> {day: count}
    crisis_by_day: dict  # day -> count
    endings: int
    with_feedback: int
    reviewed: int
    overturned: int
    crisis_flags: int
    median_review_seconds: float | None

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


def median_review_seconds(endings: QuerySet[Ending]) -> float | None:
    """Median time from an ending to its first verdict, in one query: PERCENTILE_CONT on
    PostgreSQL; elsewhere the waits are fetched in that one query and the median taken here."""
    waits = endings.annotate(first_verdict=_first_verdict_at()).filter(first_verdict__isnull=False)
    if connection.vendor == "postgresql":
        from django.db.models import Aggregate, FloatField
        from django.db.models.functions import Extract

        class Median(Aggregate):
            function = "PERCENTILE_CONT"
            template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
            output_field = FloatField()

        wait = ExpressionWrapper(F("first_verdict") - F("created_at"), output_field=DurationField())
        value = waits.annotate(wait=wait).aggregate(median=Median(Extract("wait", "epoch")))["median"]
        return float(value) if value is not None else None
    pairs = waits.values_list("created_at", "first_verdict")
    seconds = sorted((reviewed - created).total_seconds() for created, reviewed in pairs)
    if not seconds:
        return None
    middle = len(seconds) // 2
    return seconds[middle] if len(seconds) % 2 else (seconds[middle - 1] + seconds[middle]) / 2


def metrics(*, start: date, end: date) -> Metrics:
    """Six queries over [start, end] (days, inclusive) whatever the data size."""
    since, until = _day_start(start), _day_start(end + timedelta(days=1))
    endings = Ending.objects.filter(created_at__gte=since, created_at__lt=until)
    by_reason: dict = defaultdict(dict)
    for row in endings.annotate(day=TruncDate("created_at")).values("day", "reason").annotate(n=Count("id")).order_by():
        by_reason[row["reason"]][row["day"]] = row["n"]
    by_category: dict = defaultdict(dict)
    for row in (
        endings.annotate(day=TruncDate("created_at")).values("day", "category").annotate(n=Count("id")).order_by()
    ):
        by_category[row["category"] or taxonomy.NONE][row["day"]] = row["n"]
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
        median_review_seconds=median_review_seconds(endings),
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
