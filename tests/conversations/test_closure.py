"""The closed-message rule (DESIGN 5, conversations.closure): while an ending holds, its ended turn
and every descendant of it take no child and no reply, whatever the shape of the tree."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from conversations import closure, selectors, services
from conversations.exceptions import Locked
from conversations.models import Ending, Message
from tests.factories import conversation, post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_pipeline(settings):
    """The tree is built by hand here: no classification or reply runs on commit."""
    settings.CONVERSATIONS_MESSAGE_POSTED_HOOK = ""


def end_at(anchor, reason="persistent_harm"):
    return services.conversation_end(anchor_id=anchor.id, reason=reason, statement="ended", category="cbrn")


def reply(message, text="ok"):
    started = services.assistant_reply_start(user_message_id=message.id)
    return services.assistant_reply_finish(message_id=started.id, content=text, action="answer")


def test_a_message_posted_under_the_ended_turn_before_the_ending_landed_takes_no_child(user):
    """The reproduction of the issue: U5 went under U4 while U4's ending was landing; U6 under U5
    used to be accepted (and answered), continuing the ended branch without an edit."""
    conv = conversation(user)
    u4 = post(user, conv, "severe request")
    u5 = post(user, conv, "and again", parent=u4)
    ending = end_at(u4)
    assert ending.ended_turn_id == u4.id
    with pytest.raises(Locked):
        post(user, conv, "continuing the ended branch", parent=u5)
    with pytest.raises(Locked):
        post(user, conv, "beside the notice", parent=u4)
    with pytest.raises(Locked):
        post(user, conv, "after the notice", parent=ending.notice)
    assert not Message.objects.filter(parent=u5).exists()
    assert Message.objects.filter(parent=u4).count() == 2  # u5 and the notice, nothing since


def test_messages_chained_under_each_other_while_the_ending_landed_are_all_closed(user):
    conv = conversation(user)
    u4 = post(user, conv, "severe request")
    u5 = post(user, conv, "one", parent=u4)
    u6 = post(user, conv, "two", parent=u5)
    end_at(u4)
    assert closure.closed_among([u4.id, u5.id, u6.id]) == {u4.id, u5.id, u6.id}
    for message in (u5, u6):
        assert services.assistant_reply_start(user_message_id=message.id) is None
        assert (
            services.assistant_reply_store(
                conversation_id=conv.id, user_message_id=message.id, content="x", action="answer"
            )
            is None
        )
    assert not Message.objects.filter(parent__in=[u5, u6]).exclude(role="user").exists()


def test_editing_above_the_ended_turn_is_never_closed_by_it(user):
    conv = conversation(user)
    u1 = post(user, conv, "hello")
    a1 = reply(u1)
    u2 = post(user, conv, "severe request", parent=a1)
    end_at(u2)
    edited = post(user, conv, "an edit of the ended turn", parent=a1)  # a sibling of u2
    assert not closure.message_is_closed(edited.id)
    assert post(user, conv, "and on from the edit", parent=edited).parent_id == edited.id
    assert post(user, conv, "a new root").parent_id is None


def test_a_reopened_ending_opens_everything_it_closed(user):
    conv = conversation(user)
    u4 = post(user, conv, "severe request")
    u5 = post(user, conv, "racing", parent=u4)
    ending = end_at(u4)
    services.ending_reopen(ending_id=ending.id, by=None)
    assert closure.closed_among([u4.id, u5.id, ending.notice_id]) == set()
    assert post(user, conv, "continued after the review", parent=ending.notice).parent_id == ending.notice_id
    assert services.assistant_reply_start(user_message_id=u5.id) is not None


def test_an_ending_the_model_asked_for_closes_the_user_turn_it_answered(user):
    conv = conversation(user)
    u1 = post(user, conv, "abusive message")
    a1 = reply(u1)
    ending = end_at(a1, reason="model_request")
    assert ending.ended_turn_id == u1.id
    assert ending.notice.parent_id == a1.id
    with pytest.raises(Locked):
        post(user, conv, "beside the reply the model ended", parent=u1)
    with pytest.raises(Locked):
        post(user, conv, "under the ended reply", parent=a1)


def test_a_closed_message_gets_no_second_ending(user):
    conv = conversation(user)
    u4 = post(user, conv, "severe request")
    u5 = post(user, conv, "racing", parent=u4)
    end_at(u4)
    assert end_at(u5) is None
    assert Ending.objects.filter(conversation=conv).count() == 1


def test_the_sweeper_skips_every_closed_message_and_keeps_the_open_ones(user, settings):
    settings.SWEEP_GRACE_SECONDS = 0
    conv = conversation(user)
    u4 = post(user, conv, "severe request")
    u5 = post(user, conv, "racing", parent=u4)
    u6 = post(user, conv, "racing again", parent=u5)
    end_at(u4)
    other = post(user, conversation(user), "unanswered elsewhere")
    swept = selectors.unanswered_user_messages(older_than=timedelta(0))
    assert other.id in swept
    assert not {u4.id, u5.id, u6.id} & set(swept)


# --- The rule on random trees -------------------------------------------------------------------

# An operation: ("post", index of the parent among the messages so far or None), ("end", index),
# ("reopen", index of an ending so far), ("reply", index).
operations = st.lists(
    st.one_of(
        st.tuples(st.just("post"), st.none() | st.integers(0, 40)),
        st.tuples(st.just("end"), st.integers(0, 40)),
        st.tuples(st.just("reopen"), st.integers(0, 10)),
        st.tuples(st.just("reply"), st.integers(0, 40)),
    ),
    min_size=1,
    max_size=25,
)


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_no_message_ever_gets_a_stored_child_once_it_is_closed(user, ops):
    conv = conversation(user)
    messages: list[Message] = []
    endings: list[Ending] = []

    def expected_closed() -> set:
        """The rule, read off the tree as this test built it."""
        parent_of = {m.id: m.parent_id for m in Message.objects.filter(conversation=conv)}
        holding = [e.ended_turn_id for e in Ending.objects.filter(conversation=conv, reopened_at__isnull=True)]
        return closure.closed_in_tree(parent_of, holding)

    for op, index in ops:
        closed = expected_closed()
        target = messages[index % len(messages)] if messages and index is not None else None
        if op == "post":
            if target is None and index is not None:
                continue
            parent_closed = target is not None and target.id in closed
            try:
                messages.append(post(user, conv, "text", parent=target))
                assert not parent_closed, "a child was stored under a closed message"
            except Locked:
                assert parent_closed, "an open message refused a child"
        elif op == "end" and target is not None and target.role != Message.Role.NOTICE:
            ending = end_at(target, reason="model_request" if target.role == Message.Role.ASSISTANT else "abuse")
            if ending is not None and ending not in endings:
                assert target.id not in closed
                endings.append(ending)
                messages.append(ending.notice)
        elif op == "reopen" and endings:
            services.ending_reopen(ending_id=endings[index % len(endings)].id, by=None)
        elif op == "reply" and target is not None and target.role == Message.Role.USER:
            started = services.assistant_reply_start(user_message_id=target.id)
            if target.id in closed:
                assert started is None, "a closed message got a reply"
            elif started is not None:
                messages.append(services.assistant_reply_finish(message_id=started.id, content="ok", action="answer"))
        # The SQL form of the rule agrees with the in-memory one on the whole tree.
        all_ids = list(Message.objects.filter(conversation=conv).values_list("id", flat=True))
        assert closure.closed_among(all_ids) == expected_closed()
