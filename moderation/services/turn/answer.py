"""Stage 4, answer: the responder turns the decision into the assistant's reply.

`answer_whole()` collects the reply of a responder that answers at once (the offline one: no
deltas, stored in one transaction by the settle stage). `answer_streamed()` streams a language
model's reply to the conversation's sockets into the reply slot claimed for it, in deltas
coalesced by time, and returns the text when the stream ends.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from conversations import services as conversation_services
from conversations.models import Message
from conversations.responders import texts
from conversations.responders.base import (
    CrisisResource,
    Delta,
    EndRequest,
    ReplyRequest,
    ResponderUnavailable,
    Turn,
)
from moderation import policy, rails, taxonomy
from moderation.models import Decision
from moderation.services.turn import load

log = logging.getLogger(__name__)

# Deltas go to the sockets at most every DELTA_FLUSH_SECONDS (the first at once): a model's stream
# stays smooth without one channel-layer message per token (at most ~20 a second).
DELTA_FLUSH_SECONDS = 0.05


@dataclass(frozen=True)
class Answer:
    text: str
    resources: list[dict]  # crisis resources shown with the reply
    end_request: EndRequest | None = None  # the model asked to end the chat (the settle stage judges it)
    failed: bool = False  # the responder was unavailable: `text` says so
    stopped: bool = False  # the user stopped the stream: `text` is what was streamed until then
    rail: rails.Trip | None = None  # the output rail stopped the reply: `text` is the refusal


def reply_request(turn: load.Turn, decision: Decision, settings_: policy.PolicySettings) -> ReplyRequest:
    return ReplyRequest(
        history=tuple(
            Turn(role=m.role, content=m.content, action=m.action if m.role == Message.Role.ASSISTANT else "")
            for m in turn.path
            if m.role in (Message.Role.USER, Message.Role.ASSISTANT) and m.content
        ),
        action=decision.action,
        category=taxonomy.label(decision.category) if decision.category else None,
        strikes=decision.strikes_after,
        crisis_mode=decision.crisis_mode,
        resources=resources_for(decision, settings_),
        allow_end_tool=not decision.crisis_mode,
        cautious=decision.reason == "classification_failed",
        language=turn.language,
    )


def resources_for(decision: Decision, settings_: policy.PolicySettings) -> tuple[CrisisResource, ...]:
    """The crisis resources a reply carries: every reply in crisis mode, and crisis support."""
    if not (decision.crisis_mode or decision.action == "crisis_support"):
        return ()
    return tuple(
        CrisisResource(
            name=r.get("name", ""), contact=r.get("contact", ""), url=r.get("url", ""), region=r.get("region", "")
        )
        for r in settings_.crisis_resources
    )


def answer_whole(turn: load.Turn, decision: Decision, responder, settings_) -> Answer:
    """The whole reply of an instant responder."""
    request = reply_request(turn, decision, settings_)
    parts, end_request = [], None
    rail = rails.Rail.for_policy(settings_)
    for chunk in rail.guard(responder.reply(request)):
        if isinstance(chunk, Delta):
            parts.append(chunk.text)
        elif isinstance(chunk, EndRequest):
            end_request = chunk
    return railed(rail, request, Answer("".join(parts), [r.as_dict() for r in request.resources], end_request))


def answer_streamed(turn: load.Turn, decision: Decision, responder, slot: Message, settings_) -> Answer:
    """Stream the reply into `slot` (an assistant message in `streaming` state): every delta goes to
    the conversation's sockets as it comes (coalesced by time); the text is returned, not stored.
    At each flush the user's stop (`reply.stop`) is checked: the responder's stream is then closed
    and the text sent so far is the answer (`stopped`)."""
    request = reply_request(turn, decision, settings_)
    resources = [r.as_dict() for r in request.resources]
    parts: list[str] = []
    pending, end_request, flushed_at, stopped = "", None, None, False
    rail = rails.Rail.for_policy(settings_)
    chunks = rail.guard(responder.reply(request))  # only text the rail has checked comes out
    try:
        for chunk in chunks:
            if isinstance(chunk, EndRequest):
                end_request = chunk
                continue
            parts.append(chunk.text)
            pending += chunk.text
            if flushed_at is None or time.monotonic() - flushed_at >= DELTA_FLUSH_SECONDS:
                if conversation_services.reply_stop_requested(slot.id):
                    stopped = True
                    break
                conversation_services.assistant_delta(message=slot, delta=pending)
                pending, flushed_at = "", time.monotonic()
        if pending and not stopped:
            conversation_services.assistant_delta(message=slot, delta=pending)
    except ResponderUnavailable:
        log.warning("responder unavailable for message %s", turn.message.id)
        return Answer(texts.unavailable(), resources, failed=True)
    finally:
        chunks.close()  # a stopped stream: the guard closes the responder's request
    text = "".join(parts)
    if stopped:  # the reply is what the user saw: the text not yet sent is dropped
        return Answer(text[: len(text) - len(pending)], resources, stopped=True)
    return railed(rail, request, Answer(text, resources, end_request))


def railed(rail: rails.Rail, request: ReplyRequest, answer: Answer) -> Answer:
    """The answer, or the refusal that replaces it when the output rail stopped the reply (its
    text, partial or whole, is never stored as the reply nor left on the user's screen: the
    completed event carries the refusal; a model's end request in it is dropped)."""
    if rail.trip is None:
        return answer
    trip = rail.trip
    log.info("output rail withheld a reply (%s/%s at %d chars)", trip.category, trip.severity, trip.offset)
    return Answer(texts.withheld_for(request), answer.resources, rail=rail.trip)
