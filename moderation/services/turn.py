"""One user turn in one pass: load -> classify -> decide -> answer, with the fewest round trips.

The step-by-step functions of `pipeline` (classification_run, decision_make, reply_generate) each
load the branch again and write in their own transactions; they stay the general path and handle
every unusual case. This module is the common case, measured in docs/benchmarks.md:

1. `turn_load()`: one query (a recursive CTE) returns the last TURN_WINDOW messages of the branch
   ending at the user message, each with its decision's state, plus whether the message already
   has a classification or a decision. Nothing else is read.
2. The caller classifies (the Celery task owns retries and fallbacks), then `turn_settle()`
   decides in memory and, when the responder answers at once (`inline`, the offline one), writes
   the classification, the decision and the whole reply in ONE transaction under the conversation
   lock (conversations.services.assistant_reply_store), and sends one `assistant.completed`.
   With a streaming responder it writes classification and decision together and the caller
   queues the reply task.

Anything else (work already begun, an undecided earlier turn, an ending, a branch newly in
crisis mode) goes back to the general path, which is idempotent: the result is the same rows.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from enum import Enum
from functools import cache

from django.conf import settings
from django.db import IntegrityError, transaction

from conversations import closure, sql
from conversations import selectors as conversation_selectors
from conversations import services as conversation_services
from conversations.models import Message
from conversations.responders import get_responder
from conversations.responders.base import Delta, EndRequest, ReplyRequest
from moderation import policy, taxonomy
from moderation.classifiers.base import Verdict
from moderation.models import Classification, Decision
from moderation.services import pipeline

# Messages of the branch read for a turn: the classifier's context (CLASSIFIER_CONTEXT_TURNS user
# turns), the branch state (carried by the nearest decided user turn) and an inline responder's
# history. A turn whose window holds no decided earlier user turn goes the general way.
TURN_WINDOW = 24


@dataclass(frozen=True)
class BranchMessage:
    """A message of the window, as the pipeline's helpers read it (no model instance per row)."""

    id: uuid.UUID
    parent_id: uuid.UUID | None
    role: str
    content: str
    conversation_id: uuid.UUID


@dataclass
class Turn:
    message: BranchMessage
    path: list[BranchMessage]  # oldest first, the user message last; at most TURN_WINDOW long
    decisions: dict  # message id -> Decision-like (`.state`) for the decided user turns of `path`
    truncated: bool  # the window starts below the root
    classified: bool  # the user message has a classification already
    decided: bool  # ... or a decision
    closed: bool  # an ending that holds closed the message: nothing answers it (conversations.closure)

    @property
    def fresh(self) -> bool:
        """Nothing stored yet for this message, and the branch state is fully known."""
        if self.classified or self.decided or self.closed:
            return False
        earlier_users = [m.id for m in self.path[:-1] if m.role == Message.Role.USER]
        if any(message_id not in self.decisions for message_id in earlier_users):
            return False  # a quick double send: the general path decides the earlier turn first
        return not (self.truncated and not earlier_users)


class Outcome(Enum):
    ANSWERED = "answered"  # classification, decision and reply stored; nothing left to do
    REPLY_QUEUED = "reply"  # classification and decision stored; the reply task must run
    GENERAL = "general"  # hand over to the general path (pipeline + tasks)


@dataclass(frozen=True)
class _DecisionState:
    state: dict


@cache
def _sql() -> str:
    message = Message._meta.db_table
    decision = Decision._meta.db_table
    classification = Classification._meta.db_table
    closed = closure.closed_messages_cte(f"(SELECT conversation_id FROM {message} WHERE id = %s)")  # noqa: S608
    return f"""
        WITH RECURSIVE branch(id, depth) AS (
            SELECT id, 0 FROM {message} WHERE id = %s
            UNION ALL
            SELECT m.parent_id, b.depth + 1 FROM {message} m JOIN branch b ON m.id = b.id
            WHERE m.parent_id IS NOT NULL AND b.depth < %s
        ), {closed}
        SELECT m.id, m.parent_id, m.role, m.content, m.conversation_id,
               d.state AS decision_state, d.id AS decision_id,
               CASE WHEN b.depth = 0 THEN
                   (SELECT COUNT(*) FROM {classification} c WHERE c.message_id = m.id) ELSE 0 END AS n_classified,
               CASE WHEN b.depth = 0 THEN
                   (SELECT COUNT(*) FROM {closure.CTE_NAME} x WHERE x.id = m.id) ELSE 0 END AS n_closed
        FROM branch b JOIN {message} m ON m.id = b.id
        LEFT JOIN {decision} d ON d.message_id = m.id
        ORDER BY b.depth DESC
    """  # noqa: S608 (names from model metadata, values as parameters)


def turn_load(*, message_id) -> Turn | None:
    """The turn of user message `message_id` in one query; None for unknown or non-user ids."""
    try:
        leaf_id = uuid.UUID(str(message_id))
    except ValueError:
        return None
    leaf = sql.param(Message, "id", leaf_id)
    rows = sql.fetchall(_sql(), [leaf, TURN_WINDOW - 1, leaf])
    path = [BranchMessage(sql.as_uuid(r[0]), sql.as_uuid(r[1]), r[2], r[3], sql.as_uuid(r[4])) for r in rows]
    if not path or path[-1].id != leaf_id or path[-1].role != Message.Role.USER:
        return None
    decisions = {}
    for message, row in zip(path[:-1], rows, strict=False):
        decision_state, decision_id = row[5], row[6]
        if decision_id is not None and message.role == Message.Role.USER:
            state = json.loads(decision_state) if isinstance(decision_state, (str, bytes)) else decision_state
            decisions[message.id] = _DecisionState(state)
    last = rows[-1]
    return Turn(
        message=path[-1],
        path=path,
        decisions=decisions,
        truncated=path[0].parent_id is not None,
        classified=bool(last[7]),
        decided=last[6] is not None,
        closed=bool(last[8]),
    )


def turn_settle(turn: Turn, verdict: Verdict | None, *, backend: str, fallback_from: str = "") -> Outcome:
    """Decide `turn` from `verdict` (None: every classifier failed) and store what follows; see the
    module docstring. Never writes half a turn: on a race with another run it stores nothing and
    answers GENERAL."""
    state = pipeline._state_before(turn.path, turn.decisions)
    version, settings_ = pipeline._policy_active()
    decided = policy.decide(state, policy.TurnInput.from_verdict(verdict, turn.message.content), settings_)
    classification = None
    if verdict is not None:
        classification = pipeline.classification_row(
            message_id=turn.message.id, verdict=verdict, backend=backend, fallback_from=fallback_from
        )
    if decided.action == "end" or (decided.crisis_mode and not state.crisis_mode):
        # Endings (statement, audit, flags) and a crisis flag are the general path's work.
        if verdict is not None:
            pipeline.classification_store(
                message=turn.message, verdict=verdict, backend=backend, fallback_from=fallback_from
            )
        return Outcome.GENERAL
    decision = pipeline.decision_row(
        message_id=turn.message.id, decided=decided, classification=classification, version=version
    )
    responder = get_responder()

    def store_moderation() -> None:
        if classification is not None:
            decision.classification = sql.insert(classification)
        sql.insert(decision)

    try:
        if not getattr(responder, "inline", False):
            with transaction.atomic():
                store_moderation()
            return Outcome.REPLY_QUEUED
        text, end_request = _whole_reply(responder, turn, decided, settings_)
        resources = [r.as_dict() for r in _resources_for(decided, settings_)]
        reply = conversation_services.assistant_reply_store(
            conversation_id=turn.message.conversation_id,
            user_message_id=turn.message.id,
            content=text,
            action=decided.action,
            resources=resources,
            on_locked=store_moderation,
        )
    except IntegrityError:  # another run stored this turn's classification or decision first
        if verdict is not None:  # keep ours (idempotent per backend): moderators see every verdict
            pipeline.classification_store(
                message=turn.message, verdict=verdict, backend=backend, fallback_from=fallback_from
            )
        return Outcome.GENERAL
    if reply is None:  # the message has a reply or a notice already
        return Outcome.ANSWERED
    if end_request is not None:
        pipeline._model_end(decision, reply, end_request, settings_)
    return Outcome.ANSWERED


def _resources_for(decided: policy.Decision, settings_: policy.PolicySettings):
    if decided.crisis_mode or decided.action == "crisis_support":
        return pipeline._resources(settings_)
    return ()


def _whole_reply(responder, turn: Turn, decided: policy.Decision, settings_) -> tuple[str, EndRequest | None]:
    request = ReplyRequest(
        history=pipeline._history(turn.path),
        action=decided.action,
        category=taxonomy.label(decided.category) if decided.category else None,
        strikes=decided.strikes_after,
        crisis_mode=decided.crisis_mode,
        resources=_resources_for(decided, settings_),
        allow_end_tool=not decided.crisis_mode,
        cautious=decided.reason == "classification_failed",
        language=conversation_selectors.conversation_language(turn.message.conversation_id),
    )
    parts, end_request = [], None
    for chunk in responder.reply(request):
        if isinstance(chunk, Delta):
            parts.append(chunk.text)
        elif isinstance(chunk, EndRequest):
            end_request = chunk
    return "".join(parts), end_request


def user_context(turn: Turn) -> list[str]:
    """The classifier's context: the branch's previous user turns. When the window is cut short
    of CLASSIFIER_CONTEXT_TURNS of them, the whole branch is read (one more query)."""
    wanted = settings.CLASSIFIER_CONTEXT_TURNS
    earlier = sum(1 for m in turn.path[:-1] if m.role == Message.Role.USER)
    path = turn.path if not turn.truncated or earlier >= wanted else pipeline._branch_to(turn.message.id)
    return pipeline._user_context(turn.message, path)
