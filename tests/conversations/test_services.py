"""The message tree, branching, idempotency and locking through the services."""

from __future__ import annotations

import uuid

import pytest

from conversations import selectors, services
from conversations.exceptions import Invalid, Locked, NotFound, RateLimited, TooLong
from conversations.models import Ending, Message
from tests.factories import conversation, post

pytestmark = pytest.mark.django_db


def end_at(anchor, reason="persistent_harm"):
    return services.conversation_end(anchor_id=anchor.id, reason=reason, statement="ended", category="cbrn")


def test_it_posts_a_root_message_and_makes_it_the_active_leaf(user):
    conv = conversation(user)
    message = post(user, conv, "hello there")
    conv.refresh_from_db()
    assert message.parent_id is None
    assert message.role == "user"
    assert conv.active_leaf_id == message.id
    assert conv.title == "hello there"


def test_a_resend_with_the_same_client_id_never_duplicates(user):
    conv = conversation(user)
    client_id = uuid.uuid4()
    first = services.message_post(user=user, conversation_id=conv.id, content="hi", client_id=client_id, parent_id=None)
    again = services.message_post(user=user, conversation_id=conv.id, content="hi", client_id=client_id, parent_id=None)
    assert first.created and not again.created
    assert again.message.id == first.message.id
    assert Message.objects.filter(conversation=conv).count() == 1


def test_editing_creates_a_sibling_branch_under_the_same_parent(user):
    conv = conversation(user)
    first = post(user, conv, "one")
    second = post(user, conv, "two", parent=first)
    edited = post(user, conv, "two, edited", parent=first)
    assert edited.parent_id == second.parent_id == first.id
    siblings = list(Message.objects.filter(parent=first).order_by("created_at"))
    assert siblings == [second, edited]
    assert [m.id for m in selectors.branch_of(edited)] == [first.id, edited.id]


def test_several_roots_are_allowed(user):
    conv = conversation(user)
    a = post(user, conv, "root a")
    b = post(user, conv, "root b")
    assert a.parent_id is None and b.parent_id is None


@pytest.mark.parametrize(
    ("content", "error"),
    [("", Invalid), ("   \n", Invalid), (None, Invalid), (123, Invalid), ("x" * 8001, TooLong), ("a\x00b", Invalid)],
)
def test_bad_content_is_refused_and_nothing_is_written(user, content, error):
    conv = conversation(user)
    with pytest.raises(error):
        services.message_post(
            user=user, conversation_id=conv.id, content=content, client_id=uuid.uuid4(), parent_id=None
        )
    assert not Message.objects.exists()


def test_the_size_limit_allows_exactly_the_limit(user, settings):
    settings.CHAT_MAX_MESSAGE_CHARS = 100
    conv = conversation(user)
    post(user, conv, "x" * 100)
    with pytest.raises(TooLong):
        post(user, conv, "x" * 101)


@pytest.mark.parametrize("client_id", [None, "not-a-uuid", 7, ""])
def test_a_missing_or_malformed_client_id_is_invalid(user, client_id):
    conv = conversation(user)
    with pytest.raises(Invalid):
        services.message_post(user=user, conversation_id=conv.id, content="hi", client_id=client_id, parent_id=None)
    assert not Message.objects.exists()


def test_another_users_conversation_answers_like_a_missing_one(user, other_user):
    conv = conversation(user)
    with pytest.raises(NotFound) as foreign:
        services.message_post(
            user=other_user, conversation_id=conv.id, content="hi", client_id=uuid.uuid4(), parent_id=None
        )
    with pytest.raises(NotFound) as missing:
        services.message_post(
            user=other_user, conversation_id=uuid.uuid4(), content="hi", client_id=uuid.uuid4(), parent_id=None
        )
    assert foreign.value.detail == missing.value.detail
    assert not Message.objects.exists()


def test_a_parent_from_another_conversation_is_not_found(user):
    conv, elsewhere = conversation(user), conversation(user)
    foreign_parent = post(user, elsewhere, "elsewhere")
    with pytest.raises(NotFound):
        post(user, conv, "hi", parent=foreign_parent)


def test_nothing_can_be_appended_after_a_notice(user):
    conv = conversation(user)
    first = post(user, conv, "one")
    ending = end_at(first)
    with pytest.raises(Locked):
        post(user, conv, "after the end", parent=ending.notice)
    with pytest.raises(Locked):  # nor beside the notice, continuing the ended branch without editing
        post(user, conv, "beside the end", parent=first)
    assert Message.objects.filter(conversation=conv).count() == 2


def test_editing_an_earlier_message_branches_out_of_an_ended_chat(user):
    conv = conversation(user)
    first = post(user, conv, "one")
    second = post(user, conv, "two", parent=first)
    end_at(second)
    retry = post(user, conv, "two, differently", parent=first)
    assert retry.parent_id == first.id
    fresh_root = post(user, conv, "a new start")
    assert fresh_root.parent_id is None


def test_ending_is_idempotent_and_sets_the_active_leaf(user):
    conv = conversation(user)
    first = post(user, conv, "one")
    ending = end_at(first)
    again = end_at(first)
    assert again.id == ending.id
    assert Ending.objects.count() == 1
    conv.refresh_from_db()
    assert conv.active_leaf_id == ending.notice_id


def test_a_reopened_branch_accepts_messages_again(user):
    conv = conversation(user)
    first = post(user, conv, "one")
    ending = end_at(first)
    services.ending_reopen(ending_id=ending.id, by=None)
    services.ending_reopen(ending_id=ending.id, by=None)  # idempotent
    after = post(user, conv, "continuing", parent=ending.notice)
    assert after.parent_id == ending.notice_id


def test_unknown_ending_reason_is_refused(user):
    conv = conversation(user)
    first = post(user, conv, "one")
    with pytest.raises(Invalid):
        services.conversation_end(anchor_id=first.id, reason="because", statement="x")
    assert not Ending.objects.exists()


def test_a_reply_is_claimed_once_and_never_written_after_an_ending(user):
    conv = conversation(user)
    first = post(user, conv, "one")
    reply = services.assistant_reply_start(user_message_id=first.id)
    assert reply is not None and reply.status == "streaming"
    # A redelivered task takes over the streaming reply instead of writing a second one.
    assert services.assistant_reply_start(user_message_id=first.id).id == reply.id
    services.assistant_reply_finish(message_id=reply.id, content="hello", action="answer")
    assert services.assistant_reply_start(user_message_id=first.id) is None
    assert services.assistant_reply_finish(message_id=reply.id, content="again", action="answer") is None
    reply.refresh_from_db()
    assert reply.content == "hello" and reply.status == "complete"

    second = post(user, conv, "two", parent=reply)
    end_at(second)
    assert services.assistant_reply_start(user_message_id=second.id) is None
    assert not Message.objects.filter(parent=second, role="assistant").exists()


def test_the_rate_limit_refuses_with_a_retry_delay(user, settings):
    settings.CHAT_RATE_LIMIT = (2, 60)
    conv = conversation(user)
    post(user, conv, "one")
    post(user, conv, "two")
    with pytest.raises(RateLimited) as error:
        post(user, conv, "three")
    assert error.value.retry_after > 0
    assert Message.objects.filter(conversation=conv).count() == 2


def test_active_leaf_can_be_set_only_to_a_message_of_the_conversation(user, other_user):
    conv = conversation(user)
    first = post(user, conv, "one")
    second = post(user, conv, "two", parent=first)
    services.conversation_set_active_leaf(user=user, conversation_id=conv.id, leaf_id=first.id)
    conv.refresh_from_db()
    assert conv.active_leaf_id == first.id
    with pytest.raises(NotFound):
        services.conversation_set_active_leaf(user=other_user, conversation_id=conv.id, leaf_id=second.id)
    with pytest.raises(NotFound):
        services.conversation_set_active_leaf(user=user, conversation_id=conv.id, leaf_id=uuid.uuid4())


def test_state_holds_the_whole_tree_endings_and_active_leaf(user):
    conv = conversation(user)
    first = post(user, conv, "one")
    post(user, conv, "two", parent=first)
    edited = post(user, conv, "two b", parent=first)
    ending = end_at(edited)
    conv.refresh_from_db()
    state = selectors.conversation_state(conversation=conv)
    assert len(state["messages"]) == 4
    assert state["active_leaf_id"] == str(ending.notice_id)
    assert state["endings"][0]["notice_id"] == str(ending.notice_id)
    assert {m["role"] for m in state["messages"]} == {"user", "notice"}


def test_an_old_sqlite_without_returning_is_reported_by_the_system_check(monkeypatch):
    import sqlite3

    from conversations import checks

    assert checks.sqlite_has_returning(databases=["default"]) == []
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 31, 1))
    errors = checks.sqlite_has_returning(databases=["default"])
    from django.db import connection

    assert [e.id for e in errors] == (["conversations.E001"] if connection.vendor == "sqlite" else [])


def test_a_message_under_a_message_that_raced_the_ending_is_locked(user, settings):
    """Issue 11.1: U5 was posted under U4 while U4's ending was landing; a child of U5 would
    continue the ended branch without an edit."""
    settings.CONVERSATIONS_MESSAGE_POSTED_HOOK = ""
    conv = conversation(user)
    u4 = post(user, conv, "severe request")
    u5 = post(user, conv, "racing the ending", parent=u4)
    end_at(u4)
    with pytest.raises(Locked):
        post(user, conv, "continuing the ended branch", parent=u5)
    assert services.assistant_reply_start(user_message_id=u5.id) is None
