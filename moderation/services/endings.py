"""Automatic endings: the statement of reasons, the strike trace, the audit row, the repeat-endings
flag (never a ban). The pipeline ends a branch through `ending_create()`; the conversation tree is
written by conversations.services.conversation_end."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from conversations import selectors as conversation_selectors
from conversations import services as conversation_services
from conversations.models import Conversation, Ending, Message
from conversations.responders import texts
from moderation import policy, taxonomy
from moderation.models import Decision, Flag
from moderation.services.audit import audit_record

REPEAT_ENDINGS_WINDOW = timedelta(days=7)
REPEAT_ENDINGS_THRESHOLD = 3


def ending_create(*, decision: Decision, anchor_id, reason: str, on_locked=None) -> Ending | None:
    """End the branch at `anchor_id` (the user message, or the assistant reply a model asked to
    end) with a statement of reasons; audit it as an automatic ending and raise a repeat-endings
    flag when one user is ended often. `decision` is the user turn's decision, stored or not yet
    (then `on_locked` stores it, under the conversation lock, with the ending). Returns None when
    the anchor was answered or closed meanwhile (nothing is written)."""
    state = policy.BranchState.from_dict(decision.state)
    category = decision.category or state.last_category or ""
    language = conversation_selectors.conversation_language(decision.message.conversation_id)
    statement = texts.end_statement(
        reason=reason,
        category_label=taxonomy.label(category) if category else None,
        refusals=state.refusals,
        language=language,
    )

    def audit(ending: Ending) -> None:
        audit_record(
            actor=None,
            action="ending.automatic",
            target=ending,
            reason=reason,
            category=category,
            conversation_id=str(ending.conversation_id),
            policy_version=decision.policy_version,
        )
        _flag_repeat_endings(ending)

    return conversation_services.conversation_end(
        anchor_id=anchor_id,
        reason=reason,
        statement=statement,
        category=category,
        policy_version=decision.policy_version,
        strike_trace=strike_trace(decision),
        on_locked=on_locked,
        on_created=audit,
        language=language,
    )


def strike_trace(decision: Decision) -> list[dict]:
    """The decisions of the branch up to this one, oldest first (this one included, stored or not)."""
    message = Message.objects.only("id", "conversation_id").get(id=decision.message_id)
    path_ids = {m.id for m in conversation_selectors.branch_of(message)}
    fields = ("message_id", "action", "strikes_before", "strikes_after", "counted", "category")
    rows = [
        row
        for row in Decision.objects.filter(message__conversation_id=message.conversation_id)
        .order_by("created_at")
        .values(*fields)
        if row["message_id"] in path_ids
    ]
    if decision.pk is None:
        rows.append({name: getattr(decision, name) for name in fields})
    return [{**row, "message_id": str(row["message_id"])} for row in rows]


def _flag_repeat_endings(ending: Ending) -> None:
    owner_id = Conversation.objects.only("owner_id").get(id=ending.conversation_id).owner_id
    since = timezone.now() - REPEAT_ENDINGS_WINDOW
    count = Ending.objects.filter(conversation__owner_id=owner_id, created_at__gte=since).count()
    if count >= REPEAT_ENDINGS_THRESHOLD:
        already = Flag.objects.filter(kind=Flag.Kind.REPEAT_ENDINGS, user_id=owner_id, status=Flag.Status.OPEN).exists()
        if not already:
            Flag.objects.create(
                kind=Flag.Kind.REPEAT_ENDINGS,
                priority=2,
                user_id=owner_id,
                conversation_id=ending.conversation_id,
                message_id=ending.notice_id,
                detail={"endings_in_window": count, "window_days": REPEAT_ENDINGS_WINDOW.days},
            )
