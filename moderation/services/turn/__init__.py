"""One user turn, top to bottom: load -> classify -> decide -> answer -> settle.

`turn_run(message_id=...)` is the whole pipeline for a user message. The Celery tasks call it
(`moderation.tasks`: the classify queue, then the reply queue for a reply that streams); so do the
sweeper, a retry, a redelivery and a regenerate. Each stage lives in the module of its name:

1. load     (`load.py`)     the branch window and what is stored for the turn, in one query
2. classify (`classify.py`) the configured backend, with retries and the offline fallback
3. decide   (`decide.py`)   the pure policy on the branch state and the verdict
4. answer   (`answer.py`)   the responder: a whole reply at once, or streamed in deltas
5. settle   (`settle.py`)   classification, decision and reply (or ending) stored under the lock

Every case is a branch of this one function, never a second implementation:

- a first turn, any ordinary turn: straight through; an instant reply (the offline responder)
  is settled with the turn's classification and decision in one transaction;
- crisis mode: the policy decides it; settle raises the moderators' flag with the decision;
- an ending (statement of reasons, audit, repeat-endings flag): the decision is `end`, settle
  writes the notice with the moderation rows;
- a model end request: answer returns it, settle judges and records it, and may end the branch;
- a streaming responder: settle stores the moderation rows first, then the reply queue answers
  (`stream=True`) and streams deltas as they come;
- a retry, a redelivery, the sweeper: load tells what is stored; a stored classification or
  decision is reused, a finished reply ends the run, a reply left streaming is taken over;
- a regenerate (conversations.services.reply_regenerate claimed a sibling reply slot): load finds
  the turn decided with a reply in progress, so the stored decision is answered again into that
  slot, as for a slot taken over: never a second classification or strike;
- a stop (`reply.stop`): answer sees the flag between deltas, closes the responder's stream and
  returns the text sent so far; settle stores it with status `stopped`;
- an earlier turn still unanswered (a quick double send): load says the message waits; when the
  reply above it is stored it moves under that reply and its turn starts
  (conversations.services);
- a message closed by an ending (conversations.closure): load says so, and the lock-holding
  writes of settle check it again;
- a race with another run of the same turn: settle raises IntegrityError and the run goes on,
  once, from what the other one stored.

Services never queue tasks: `turn_run` returns an `Outcome`, and the task that called it queues
what comes next (the reply task for `REPLY_QUEUED`).
"""

from __future__ import annotations

from enum import Enum

from django.db import IntegrityError, transaction

from conversations import services as conversation_services
from conversations.responders import get_responder
from moderation.services.turn import answer, classify, decide, load, settle


class Outcome(Enum):
    IGNORED = "ignored"  # unknown id, or not a user message
    CLOSED = "closed"  # an ending holds over the message: nothing answers it
    WAITING = "waiting"  # the user message above it is not answered yet; its reply will start this turn
    DONE = "done"  # answered already (a retry, a redelivery, another run)
    ANSWERED = "answered"  # the reply is stored
    ENDED = "ended"  # the policy ended the branch: the notice is stored
    REPLY_QUEUED = "reply_queued"  # moderation stored; the reply must stream from the reply queue


def turn_run(*, message_id, stream: bool = False, may_retry: bool = False, _rerun: bool = False) -> Outcome:
    """Run the turn of user message `message_id` as far as this worker should.

    `stream`: this worker may stream a language model's reply (the reply queue); otherwise such a
    reply is handed on with REPLY_QUEUED. `may_retry`: a transient classifier error is raised
    (ClassifierError) for the task to retry instead of falling back. Idempotent: running it again,
    anywhere, stores nothing twice."""
    # 1. load
    turn = load.turn_load(message_id=message_id)
    if turn is None:
        return Outcome.IGNORED
    if turn.closed:
        return Outcome.CLOSED
    if turn.waiting:
        return Outcome.WAITING
    if turn.answered and turn.reply_in_progress is None:
        return Outcome.DONE
    version, settings_ = decide.policy_cached()

    fresh = False  # a classification made by this run (kept even if a race loses the turn)
    if turn.decided:  # an earlier run got this far: its decision stands (a retry never adds a strike)
        classification, decision = None, load.stored_decision(turn)
    else:
        # 2. classify (unless an earlier run stored the classification)
        fresh = not turn.classified
        classification = classify.classify(turn, may_retry=may_retry) if fresh else load.stored_classification(turn)
        # 3. decide
        decision = decide.decide(turn, classification, version, settings_)

    # 4. answer and 5. settle
    responder = get_responder()
    inline = getattr(responder, "inline", False)
    try:
        if decision.action == "end":
            ending = settle.settle_ending(turn, classification, decision)
            return Outcome.ENDED if ending is not None else Outcome.DONE
        if inline and turn.reply_in_progress is None:
            whole = answer.answer_whole(turn, decision, responder, settings_)
            reply = settle.settle_whole(turn, classification, decision, whole, settings_)
            return Outcome.ANSWERED if reply is not None else Outcome.DONE
        if decision.pk is None:  # stored before the reply streams: a retry answers the same decision
            with transaction.atomic():
                settle.store_moderation(turn, classification, decision)
    except IntegrityError:
        # Another run stored this turn's classification or decision first: ours was rolled back.
        if fresh and classification is not None:
            settle.keep_classification(classification)
        if _rerun:
            raise
        return turn_run(message_id=message_id, stream=stream, may_retry=may_retry, _rerun=True)
    if not (stream or inline):
        return Outcome.REPLY_QUEUED
    slot = conversation_services.assistant_reply_start(user_message_id=turn.message.id)
    if slot is None:
        return Outcome.DONE  # answered, or closed, while we classified
    streamed = answer.answer_streamed(turn, decision, responder, slot, settings_)
    settle.settle_streamed(turn, decision, slot, streamed, settings_)
    return Outcome.ANSWERED
