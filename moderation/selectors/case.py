"""The case page and the conversation page: the whole tree with classifications, decisions,
output-rail events, reports, reviews, flags and claims, in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from conversations import closure
from conversations.exceptions import NotFound
from conversations.models import Ending, Message
from moderation.models import AuditEvent, CaseClaim, Classification, Decision, Feedback, Flag, RailEvent, Review
from moderation.selectors.common import VERDICTS

HIDE_SEVERITY = 2  # user text at or above this severity is hidden until a moderator reveals it
MAX_TREE_DEPTH_CLASS = 8


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
    rail: RailEvent | None = None  # the output rail withheld this reply
    rail_revealed: bool = False  # this viewer revealed the withheld text

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
    messages, classifications, decisions, rails, endings, revealed = _tree_data(conversation_id, viewer)
    feedback = list(Feedback.objects.filter(ending=ending).select_related("user").order_by("created_at"))
    reviews = list(Review.objects.filter(ending=ending).select_related("moderator").order_by("created_at", "id"))
    flags = list(
        Flag.objects.filter(conversation_id=conversation_id).select_related("resolved_by").order_by("-created_at")
    )
    claim = CaseClaim.objects.select_related("moderator").filter(ending=ending, expires_at__gt=timezone.now()).first()
    rows = _tree_rows(messages, ending, endings, classifications, decisions, revealed, rails)
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
    """Messages (with their rail events, joined), classifications, decisions, endings and this
    viewer's reveals: five queries."""
    messages = list(
        Message.objects.filter(conversation_id=conversation_id)
        .select_related("rail_event")
        .order_by("created_at", "id")
    )
    classifications = defaultdict(list)
    for row in Classification.objects.filter(message__conversation_id=conversation_id).order_by("backend"):
        classifications[row.message_id].append(row)
    decisions = {d.message_id: d for d in Decision.objects.filter(message__conversation_id=conversation_id)}
    rails = {m.id: m.rail_event for m in messages if _rail_event(m) is not None}
    endings = list(Ending.objects.filter(conversation_id=conversation_id).order_by("created_at"))
    revealed = set(
        AuditEvent.objects.filter(
            actor_id=viewer.pk, action="content.reveal", data__conversation_id=str(conversation_id)
        ).values_list("target_id", flat=True)
    )
    return messages, classifications, decisions, rails, endings, revealed


def _rail_event(message: Message) -> RailEvent | None:
    try:
        return message.rail_event
    except RailEvent.DoesNotExist:
        return None


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
    messages, classifications, decisions, rails, endings, revealed = _tree_data(conversation_id, viewer)
    rows = _tree_rows(messages, None, endings, classifications, decisions, revealed, rails)
    return ConversationView(conversation=conversation, rows=rows, endings=endings, anchor_id=anchor_id)


def _tree_rows(messages, case_ending, endings, classifications, decisions, revealed, rails=None) -> list[TreeRow]:
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
    rails = rails or {}
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
                rail=rails.get(message.id),
                rail_revealed=message.id in rails and is_revealed,
            )
        )
        kids = children.get(message.id, [])
        branching = len(kids) > 1
        for kid in reversed(kids):
            stack.append((kid, depth + 1 if branching else depth, branching))
    return rows
