"""DESIGN 5 under real concurrency on PostgreSQL: a message racing an ending lands before the
notice or is refused with `locked`, never after; a reply racing an ending is never written after
the notice."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from django.db import connection

from conversations import closure, services
from conversations.exceptions import Locked
from conversations.models import Ending, Message
from tests.factories import conversation, post

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROUNDS = 1000
# On a loaded machine 1000 rounds can take many minutes: past this budget a test stops early,
# provided the race has hit both of its outcomes (the invariants are checked on every round).
TIME_BUDGET_SECONDS = 150


def race(first, second):
    """Run both callables at the same instant in two threads (each with its own connection)."""
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def run(index, fn):
        try:
            barrier.wait(timeout=10)
            results[index] = ("ok", fn())
        except Exception as error:  # the outcome is judged by the caller
            results[index] = ("error", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_a_message_racing_an_ending_lands_before_the_notice_or_is_locked(require_postgres, user, settings):
    settings.CONVERSATIONS_MESSAGE_POSTED_HOOK = ""
    settings.CHAT_RATE_LIMIT = (10**9, 60)
    outcomes = {"landed_before": 0, "locked": 0}
    started = time.monotonic()
    for _ in range(ROUNDS):
        if time.monotonic() - started > TIME_BUDGET_SECONDS and min(outcomes.values()) > 0:
            break
        conv = conversation(user)
        leaf = post(user, conv, "hello")
        posted, ended = race(
            lambda: services.message_post(
                user=user, conversation_id=conv.id, content="racing", client_id=uuid.uuid4(), parent_id=leaf.id
            ),
            lambda: services.conversation_end(anchor_id=leaf.id, reason="persistent_harm", statement="ended"),
        )
        assert ended[0] == "ok", ended
        ending = Ending.objects.get(conversation=conv)
        if posted[0] == "ok":
            message = posted[1].message
            assert message.created_at < ending.notice.created_at
            assert message.parent_id == leaf.id
            outcomes["landed_before"] += 1
        else:
            assert isinstance(posted[1], Locked), posted
            outcomes["locked"] += 1
        assert not Message.objects.filter(parent_id=ending.notice_id).exists()
    # Nothing anywhere follows a notice whose ending stands.
    assert not Message.objects.filter(parent__role="notice", parent__ending__reopened_at__isnull=True).exists()
    assert outcomes["locked"] > 0, "the race never hit the locked side: the test is not racing"
    print(f"{sum(outcomes.values())} rounds: {outcomes}")


def test_a_reply_racing_an_ending_is_never_written_beside_the_notice(require_postgres, user, settings):
    settings.CONVERSATIONS_MESSAGE_POSTED_HOOK = ""
    settings.CHAT_RATE_LIMIT = (10**9, 60)
    started = time.monotonic()
    seen = set()
    for _ in range(ROUNDS // 4):
        if time.monotonic() - started > TIME_BUDGET_SECONDS and seen == {"notice", "assistant"}:
            break
        conv = conversation(user)
        message = post(user, conv, "hello")
        replied, ended = race(
            lambda: services.assistant_reply_start(user_message_id=message.id),
            lambda: services.conversation_end(anchor_id=message.id, reason="persistent_harm", statement="ended"),
        )
        assert replied[0] == "ok" and ended[0] == "ok", (replied, ended)
        replies = list(Message.objects.filter(parent=message).exclude(role="user"))
        assert len(replies) == 1, "exactly one of the reply or the notice answers the message"
        seen.add(replies[0].role)
        if replies[0].role == "notice":
            assert replied[1] is None
        else:
            assert ended[1] is None


def test_messages_racing_an_ending_under_the_ended_turn_are_closed_with_it(require_postgres, user, settings):
    """Issue 11.1's interleaving: U5 went under U4 before U4's ending; U6 under U5 races the
    ending. Whichever wins, U4, U5 and U6 are closed afterwards: no child, no reply, ever."""
    settings.CONVERSATIONS_MESSAGE_POSTED_HOOK = ""
    settings.CHAT_RATE_LIMIT = (10**9, 60)
    for _ in range(ROUNDS // 4):
        conv = conversation(user)
        u4 = post(user, conv, "severe")
        u5 = post(user, conv, "racing", parent=u4)
        posted, ended = race(
            lambda: services.message_post(
                user=user, conversation_id=conv.id, content="racing too", client_id=uuid.uuid4(), parent_id=u5.id
            ),
            lambda: services.conversation_end(anchor_id=u4.id, reason="persistent_harm", statement="ended"),
        )
        assert ended[0] == "ok" and ended[1] is not None, ended
        racing = [u4, u5]
        if posted[0] == "ok":
            racing.append(posted[1].message)
        else:
            assert isinstance(posted[1], Locked), posted
        for message in racing:
            with pytest.raises(Locked):
                post(user, conv, "after the ending", parent=message)
            assert services.assistant_reply_start(user_message_id=message.id) is None
        assert closure.closed_among([m.id for m in racing]) == {m.id for m in racing}
        assert not Message.objects.filter(parent__in=racing[1:]).exclude(role="user").exists()
