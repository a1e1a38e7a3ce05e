"""The embedded default's in-process sweeper (moderation/sweeper.py): no celery beat there, so the
server process sweeps unanswered messages itself."""

from __future__ import annotations

import time

import pytest

from conversations import selectors
from conversations.models import Message
from moderation import sweeper
from tests.factories import conversation, post

pytestmark = pytest.mark.django_db(transaction=True)


def unanswered(message: Message) -> bool:
    return not Message.objects.filter(parent_id=message.id).exclude(role=Message.Role.USER).exists()


@pytest.fixture
def lost_message(user, settings):
    """A user message whose in-process task never ran (as when the eager task failed)."""
    settings.CONVERSATIONS_MESSAGE_POSTED_HOOK = ""
    settings.SWEEP_GRACE_SECONDS = 0
    message = post(user, conversation(user), "How do I bake bread?")
    settings.CONVERSATIONS_MESSAGE_POSTED_HOOK = "moderation.pipeline.on_user_message_posted"
    assert unanswered(message)
    return message


def test_one_sweep_answers_a_message_left_without_a_reply(lost_message):
    assert sweeper.sweep_once() == 1
    assert not unanswered(lost_message)
    assert sweeper.sweep_once() == 0  # nothing left: the next sweep does nothing


def test_a_failing_sweep_is_logged_and_never_raises(lost_message, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("database unavailable")

    monkeypatch.setattr(selectors, "unanswered_user_messages", broken)
    assert sweeper.sweep_once() == 0
    assert "in-process sweep failed" in caplog.text
    assert unanswered(lost_message)


def test_the_timer_thread_sweeps_on_its_interval_and_starts_once(lost_message):
    thread = sweeper.start_in_process(0.05)
    try:
        assert sweeper.start_in_process(0.05) is thread
        deadline = time.monotonic() + 10
        while unanswered(lost_message) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not unanswered(lost_message)
    finally:
        thread.stop.set()
        thread.join(5)
    assert not thread.is_alive()
