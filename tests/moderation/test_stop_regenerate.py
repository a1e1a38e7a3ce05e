"""Stop and regenerate (issue 15), through the one turn pipeline: a stopped stream keeps its partial
text as the reply (status `stopped`); a regenerate is a sibling reply to the same user message,
written from the turn's stored classification and decision (never a second strike), refused for
anything but an open assistant reply, and counted against the message rate limit."""

from __future__ import annotations

import uuid

import pytest

from conversations import services
from conversations.exceptions import Invalid, Locked, NotFound, RateLimited
from conversations.models import Conversation, Message
from conversations.responders.base import Delta
from moderation import rails, tasks
from moderation.models import Classification, Decision
from moderation.services.turn import answer
from tests.factories import conversation, post

pytestmark = pytest.mark.django_db(transaction=True)

HARM = "[sev:3:cbrn] give me the synthesis route"
CALM = "what's a good pasta recipe?"


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(username="alice")


def replies_of(message: Message) -> list[Message]:
    return list(Message.objects.filter(parent_id=message.id).exclude(role=Message.Role.USER).order_by("attempt"))


class StoppedMidway:
    """Streams ten words; after the third the user presses Stop (through the service, as the
    socket does). Records whether its stream was closed."""

    name = "stopped-midway"
    inline = False
    closed = False
    user = None

    def reply(self, request):
        try:
            for index in range(10):
                if index == 3:
                    slot = Message.objects.get(role=Message.Role.ASSISTANT, status=Message.Status.STREAMING)
                    answer_ = services.reply_stop(
                        user=type(self).user, conversation_id=slot.conversation_id, message_id=str(slot.id)
                    )
                    assert answer_.status == "stopping"
                yield Delta(f"w{index} ")
        finally:
            type(self).closed = True


@pytest.fixture
def stopping_responder(settings, monkeypatch, user):
    settings.RESPONDERS = {"stopped-midway": "tests.moderation.test_stop_regenerate.StoppedMidway"}
    settings.RESPONDER = "stopped-midway"
    monkeypatch.setattr(answer, "DELTA_FLUSH_SECONDS", 0)  # every chunk is a flush, so a stop check
    StoppedMidway.closed, StoppedMidway.user = False, user
    return StoppedMidway


# --- stop -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("rail_on", [False, True], ids=["rail off", "rail on"])
def test_a_stopped_stream_keeps_the_partial_text_as_a_stopped_reply(
    user, stopping_responder, sent_events, monkeypatch, rail_on
):
    if not rail_on:
        monkeypatch.setattr(rails.Rail, "for_policy", classmethod(lambda cls, s: cls(severity=4, enabled=False)))
    conv = conversation(user)
    message = post(user, conv, CALM)
    [reply] = replies_of(message)
    assert reply.status == Message.Status.STOPPED
    if rail_on:
        # The output rail holds text back until it has checked it: the stop came before the
        # first check, so the user saw nothing and the reply keeps nothing (never unchecked text).
        assert reply.content == ""
    else:
        assert reply.content == "w0 w1 w2 "  # the words streamed before the stop, none after
    assert reply.action == "answer"
    assert stopping_responder.closed, "the responder's stream was closed"
    deltas = [p["delta"] for kind, p in sent_events if kind == "assistant.delta"]
    assert "".join(deltas) == reply.content  # what the user saw is what is kept
    completed = [p for kind, p in sent_events if kind == "assistant.completed"]
    assert [c["message"]["status"] for c in completed] == ["stopped"]
    assert completed[0]["message"]["content"] == reply.content
    assert Decision.objects.filter(message=message).count() == 1
    assert Conversation.objects.get(id=conv.id).active_leaf_id == reply.id
    assert not services.reply_stop_requested(reply.id), "the flag is cleared with the reply"


def test_a_message_sent_under_a_stopped_reply_is_answered(user, stopping_responder, settings):
    conv = conversation(user)
    message = post(user, conv, CALM)
    [stopped] = replies_of(message)
    settings.RESPONDER = "offline"
    follow_up = post(user, conv, "and another thing", parent=stopped)
    assert [r.status for r in replies_of(follow_up)] == ["complete"]


def test_stopping_an_instant_reply_is_a_no_op_that_says_so(user):
    conv = conversation(user)
    [reply] = replies_of(post(user, conv, CALM))
    stop = services.reply_stop(user=user, conversation_id=conv.id, message_id=str(reply.id))
    assert (stop.message_id, stop.status) == (str(reply.id), "complete")
    assert not services.reply_stop_requested(reply.id)
    reply.refresh_from_db()
    assert reply.status == Message.Status.COMPLETE


@pytest.mark.parametrize("which", ["user message", "foreign", "missing", "malformed", "not text"])
def test_stop_refuses_anything_but_a_reply_of_the_users_conversation(user, other_user, which):
    conv = conversation(user)
    message = post(user, conv, CALM)
    theirs = conversation(other_user)
    [their_reply] = replies_of(post(other_user, theirs, CALM))
    case = {
        "user message": (conv.id, str(message.id), Invalid),
        "foreign": (conv.id, str(their_reply.id), NotFound),  # another user's reply, by id
        "missing": (conv.id, str(uuid.uuid4()), NotFound),
        "malformed": (conv.id, "not-a-uuid", NotFound),
        "not text": (conv.id, 12, Invalid),
    }[which]
    before = list(Message.objects.values_list("id", "status", "content"))
    with pytest.raises(case[2]):
        services.reply_stop(user=user, conversation_id=case[0], message_id=case[1])
    assert list(Message.objects.values_list("id", "status", "content")) == before
    assert not services.reply_stop_requested(their_reply.id)


# --- regenerate -----------------------------------------------------------------------------------


def test_regenerate_makes_a_sibling_reply_from_the_stored_decision(user, sent_events):
    conv = conversation(user)
    message = post(user, conv, CALM)
    [first] = replies_of(message)
    classifications = Classification.objects.filter(message=message).count()
    decision = Decision.objects.get(message=message)
    sent_events.clear()

    slot = services.reply_regenerate(user=user, conversation_id=conv.id, message_id=str(first.id))

    replies = replies_of(message)
    assert [r.id for r in replies] == [first.id, slot.id]
    assert [r.attempt for r in replies] == [0, 1]
    second = replies[1]
    assert second.status == Message.Status.COMPLETE and second.action == "answer" and second.content
    assert Classification.objects.filter(message=message).count() == classifications  # not classified again
    assert list(Decision.objects.filter(message=message).values_list("id", flat=True)) == [decision.id]
    assert Conversation.objects.get(id=conv.id).active_leaf_id == second.id
    kinds = [kind for kind, _ in sent_events]
    assert kinds[0] == "message.created" and sent_events[0][1]["message"]["status"] == "streaming"
    assert sent_events[0][1]["message"]["id"] == str(slot.id)
    assert kinds[-1] == "assistant.completed" and sent_events[-1][1]["message"]["id"] == str(slot.id)


def test_regenerating_a_refusal_refuses_again_without_a_second_strike(user):
    conv = conversation(user)
    message = post(user, conv, HARM)
    [first] = replies_of(message)
    decision = Decision.objects.get(message=message)
    assert first.action in ("refuse", "redirect", "warn")
    services.reply_regenerate(user=user, conversation_id=conv.id, message_id=str(first.id))
    services.reply_regenerate(user=user, conversation_id=conv.id, message_id=str(first.id))
    replies = replies_of(message)
    assert [r.action for r in replies] == [first.action] * 3
    assert [r.attempt for r in replies] == [0, 1, 2]
    assert Decision.objects.filter(message=message).count() == 1
    assert Decision.objects.get(message=message).strikes_after == decision.strikes_after
    # The next harmful turn counts one strike more than the first, as without the regenerates.
    follow_up = post(user, conv, HARM, parent=replies[-1])
    assert Decision.objects.get(message=follow_up).strikes_after == decision.strikes_after + 1


def test_regenerate_is_refused_while_a_reply_of_the_message_streams(user, settings):
    conv = conversation(user)
    message = post(user, conv, CALM)
    [first] = replies_of(message)
    settings.CONVERSATIONS_MESSAGE_POSTED_HOOK = ""  # the regenerated reply stays streaming
    slot = services.reply_regenerate(user=user, conversation_id=conv.id, message_id=str(first.id))
    assert slot.status == Message.Status.STREAMING
    with pytest.raises(Invalid):
        services.reply_regenerate(user=user, conversation_id=conv.id, message_id=str(first.id))
    assert len(replies_of(message)) == 2
    # The turn that was queued for it (the hook: here run by hand) writes that slot, once.
    tasks.classify_message(str(message.id))
    tasks.classify_message(str(message.id))
    assert [r.status for r in replies_of(message)] == ["complete", "complete"]


def test_regenerate_respects_an_ending_that_closes_the_turn(user):
    conv = conversation(user)
    message = post(user, conv, CALM)
    [reply] = replies_of(message)
    services.conversation_end(anchor_id=reply.id, reason="model_request", statement="The assistant ended this chat.")
    before = Message.objects.count()
    with pytest.raises(Locked):
        services.reply_regenerate(user=user, conversation_id=conv.id, message_id=str(reply.id))
    notice = Message.objects.get(role=Message.Role.NOTICE)
    with pytest.raises(Locked):
        services.reply_regenerate(user=user, conversation_id=conv.id, message_id=str(notice.id))
    assert Message.objects.count() == before


@pytest.mark.parametrize("which", ["user message", "foreign", "missing", "malformed", "not text"])
def test_regenerate_refuses_anything_but_an_assistant_reply_of_the_users_conversation(user, other_user, which):
    conv = conversation(user)
    message = post(user, conv, CALM)
    theirs = conversation(other_user)
    [their_reply] = replies_of(post(other_user, theirs, CALM))
    case = {
        "user message": (str(message.id), Invalid),
        "foreign": (str(their_reply.id), NotFound),
        "missing": (str(uuid.uuid4()), NotFound),
        "malformed": ("not-a-uuid", NotFound),
        "not text": (None, Invalid),
    }[which]
    before = Message.objects.count()
    with pytest.raises(case[1]):
        services.reply_regenerate(user=user, conversation_id=conv.id, message_id=case[0])
    assert Message.objects.count() == before


def test_regenerate_counts_against_the_message_rate_limit(user, settings):
    settings.CHAT_RATE_LIMIT = (2, 60)
    conv = conversation(user)
    message = post(user, conv, CALM)
    [reply] = replies_of(message)
    services.reply_regenerate(user=user, conversation_id=conv.id, message_id=str(reply.id))
    with pytest.raises(RateLimited):
        services.reply_regenerate(user=user, conversation_id=conv.id, message_id=str(reply.id))
    assert len(replies_of(message)) == 2
