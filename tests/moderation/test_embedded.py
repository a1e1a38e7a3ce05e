"""The embedded default's turn runner (moderation.embedded) and the in-process sweeper's use of it."""

from __future__ import annotations

import asyncio
import threading
from contextlib import contextmanager

import pytest

from conversations import events
from moderation import embedded, pipeline, sweeper
from tests.factories import conversation, post

WAIT = 10


def test_turns_of_one_conversation_run_in_order_and_others_do_not_wait_for_them():
    runner = embedded.OrderedRunner(threads=2)
    release, order, other_done = threading.Event(), [], threading.Event()
    runner.submit("a", lambda: (release.wait(WAIT), order.append(1)))
    runner.submit("a", lambda: order.append(2))
    runner.submit("b", other_done.set)
    assert other_done.wait(WAIT), "a turn of another conversation waited for the first one"
    assert order == []
    release.set()
    done = threading.Event()
    runner.submit("a", done.set)
    assert done.wait(WAIT)
    assert order == [1, 2]


def test_a_caller_without_a_server_loop_sends_through_the_last_one_seen(monkeypatch):
    """The sweeper's thread has no ASGI loop: its turns' events must still reach the sockets,
    which wait on the server's loop (the in-memory channel layer)."""
    server_loop = asyncio.new_event_loop()
    used, done = [], threading.Event()

    @contextmanager
    def recording(loop):
        used.append(loop)
        yield

    monkeypatch.setattr(events, "sending_through", recording)
    runner = embedded.OrderedRunner(threads=1)
    monkeypatch.setattr(events, "server_loop", lambda: server_loop)
    runner.submit("a", lambda: None)
    monkeypatch.setattr(events, "server_loop", lambda: None)
    runner.submit("b", done.set)
    assert done.wait(WAIT)
    assert used == [server_loop, server_loop]
    server_loop.close()


@pytest.mark.django_db(transaction=True)  # sweep_once closes old connections, as its thread does
def test_the_in_process_sweeper_hands_each_lost_message_to_the_posting_hook(user, settings, monkeypatch):
    settings.CONVERSATIONS_MESSAGE_POSTED_HOOK = ""
    settings.SWEEP_GRACE_SECONDS = 0
    message = post(user, conversation(user), "How do I bake bread?")
    handed = []
    monkeypatch.setattr(pipeline, "on_user_message_posted", handed.append)
    assert sweeper.sweep_once() == 1
    assert handed == [message.id]
