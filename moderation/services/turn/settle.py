"""Stage 5, settle: store what the turn produced, under the conversation lock, exactly once.

- `settle_whole()`: an instant reply. The classification, the decision (and a crisis flag) and
  the reply land in ONE transaction (conversations.services.assistant_reply_store), which checks
  under the lock that the message is still unanswered and not closed.
- `settle_ending()`: the decision ends the branch. Classification, decision and the notice with
  its statement of reasons land in one transaction (moderation.services.endings).
- `store_moderation()`: a reply that must stream. Classification and decision are stored first,
  so a retry after a crash streams from the same decision; `settle_streamed()` then finishes the
  reply.
- `judge_model_end()`: the language model's end request, honoured only when the policy's
  preconditions hold; either way it is recorded on the decision.
- `store_rail()`: the output rail withheld the reply (moderation.rails): a RailEvent and a
  moderators' flag land in the reply's transaction. Never a strike (the user did not write it).

A unique constraint that fires (another run stored this turn's rows first) raises IntegrityError
and rolls back everything of ours but our own classification, which is kept (one per backend:
moderators see every verdict); the pipeline then goes on from what the other run stored.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from conversations import services as conversation_services
from conversations import sql
from conversations.models import Conversation, Message
from moderation import policy
from moderation.models import Classification, Decision, Flag, RailEvent
from moderation.services import endings
from moderation.services.turn.answer import Answer
from moderation.services.turn.decide import newly_in_crisis
from moderation.services.turn.load import Turn

# A model may not end the chat in the reply that warns, asks for confirmation or supports a person
# in crisis: the user first gets the chance to stop.
NO_MODEL_END_IN_THE_SAME_REPLY = ("warn", "confirm_end", "crisis_support")


def settle_whole(
    turn: Turn, classification: Classification | None, decision: Decision, answer: Answer, settings_
) -> Message | None:
    """Store an instant reply with the turn's moderation rows; None when the message was answered
    or closed meanwhile (nothing is written). Raises IntegrityError on a race (see the module)."""
    if decision.pk is None and answer.end_request is not None:
        decision.model_end_request = model_end_record(decision, answer.end_request, settings_)
    reply = conversation_services.assistant_reply_store(
        conversation_id=turn.message.conversation_id,
        user_message_id=turn.message.id,
        content=answer.text,
        action=decision.action,
        resources=answer.resources,
        on_stored=lambda reply: (  # same transaction
            store_moderation(turn, classification, decision),
            store_rail(turn, decision, reply, answer, settings_, streamed=False),
        ),
    )
    if reply is not None and answer.end_request is not None:
        judge_model_end(decision, reply, answer.end_request, settings_)
    return reply


def settle_ending(turn: Turn, classification: Classification | None, decision: Decision):
    """End the branch at the user message; the moderation rows land with the notice."""
    return endings.ending_create(
        decision=decision,
        anchor_id=turn.message.id,
        reason=decision.end_reason or "persistent_harm",
        on_locked=lambda: store_moderation(turn, classification, decision),  # same transaction
    )


def settle_streamed(turn: Turn, decision: Decision, slot: Message, answer: Answer, settings_) -> Message | None:
    """Finish the streamed reply in `slot` (None when it was finished meanwhile), then judge the
    model's end request."""
    with transaction.atomic():
        reply = conversation_services.assistant_reply_finish(
            message_id=slot.id,
            content=answer.text,
            action=decision.action,
            resources=answer.resources,
            failed=answer.failed,
            stopped=answer.stopped,
        )
        if reply is not None:
            store_rail(turn, decision, reply, answer, settings_, streamed=True)
    if reply is not None and answer.end_request is not None:
        judge_model_end(decision, reply, answer.end_request, settings_)
    return reply


def store_moderation(turn: Turn, classification: Classification | None, decision: Decision) -> None:
    """INSERT the classification (when not stored yet), the decision (when not stored yet) and,
    when this turn switched the branch into crisis mode, a high-priority flag for moderators.
    Runs inside the caller's transaction (a reply's or an ending's), or wrapped in one."""
    if decision.pk is not None:
        return
    if classification is not None and classification.pk is None:
        sql.insert(classification)
    decision.classification = classification
    sql.insert(decision)
    if newly_in_crisis(turn, decision):
        _flag_crisis(turn, decision)


def store_rail(turn: Turn, decision: Decision, reply: Message, answer: Answer, settings_, *, streamed: bool) -> None:
    """When the output rail withheld `reply`: its RailEvent and an open `rail` flag for
    moderators (one per reply: the database says so). Runs inside the reply's transaction.
    `streamed`: checked text went to the user's screen before the trip (an instant reply shows
    nothing before it is whole)."""
    trip = answer.rail
    if trip is None:
        return
    sql.insert(
        RailEvent(
            message_id=reply.id,
            decision_id=decision.pk,
            category=trip.category,
            severity=trip.severity,
            threshold=getattr(settings_, "rail_severity", 0),
            scores=trip.scores,
            signals=list(trip.signals),
            backend=trip.backend[:32],
            backend_version=trip.version[:64],
            offset=trip.offset,
            window_start=trip.window_start,
            shown_chars=trip.shown if streamed else 0,
            checks=min(trip.checks, 32767),
            withheld=trip.withheld,
        )
    )
    owner_id = Conversation.objects.only("owner_id").get(id=turn.message.conversation_id).owner_id
    Flag.objects.create(
        kind=Flag.Kind.RAIL,
        priority=2,
        user_id=owner_id,
        conversation_id=turn.message.conversation_id,
        message_id=reply.id,
        detail={"category": trip.category, "severity": trip.severity, "reason": "output_rail"},
    )


def keep_classification(classification: Classification) -> None:
    """Store our fresh classification on its own after a race rolled the turn's transaction back
    (moderators see every backend's verdict). Idempotent: one row per message and backend."""
    classification.pk = None
    try:
        with transaction.atomic():
            sql.insert(classification)
    except IntegrityError:
        pass  # this backend's verdict was stored by the other run: it stands


def model_end_record(decision: Decision, end_request, settings_) -> dict:
    """What the decision records about the model's end request: {reason, accepted, code}."""
    accepted, code = policy.accept_model_end(policy.BranchState.from_dict(decision.state), settings_)
    if accepted and decision.action in NO_MODEL_END_IN_THE_SAME_REPLY:
        accepted, code = False, f"same_turn_as_{decision.action}"
    return {"reason": end_request.reason[:500], "accepted": accepted, "code": code}


def judge_model_end(decision: Decision, reply: Message, end_request, settings_) -> None:
    """Record the model's end request on the decision and, when accepted, end the branch after the
    reply it came with (an ending of reason `model_request`)."""
    record = decision.model_end_request or model_end_record(decision, end_request, settings_)
    if decision.model_end_request is None:
        Decision.objects.filter(pk=decision.pk).update(model_end_request=record)
        decision.model_end_request = record
    if record["accepted"]:
        endings.ending_create(decision=decision, anchor_id=reply.id, reason="model_request")


def _flag_crisis(turn: Turn, decision: Decision) -> None:
    """One open crisis flag per conversation (a database constraint): a second one is skipped."""
    owner_id = Conversation.objects.only("owner_id").get(id=turn.message.conversation_id).owner_id
    try:
        with transaction.atomic():
            Flag.objects.create(
                kind=Flag.Kind.CRISIS,
                priority=3,
                user_id=owner_id,
                conversation_id=turn.message.conversation_id,
                message_id=turn.message.id,
                detail={"category": decision.category, "reason": decision.reason},
            )
    except IntegrityError:
        pass
