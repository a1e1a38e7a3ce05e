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


@pytest.fixture
def fresh_instances():
    """No classifier or responder built yet in this process, and none left behind."""
    from conversations import responders
    from moderation.classifiers import registry

    registry._instance.cache_clear()
    responders._instance.cache_clear()
    yield registry, responders
    registry._instance.cache_clear()
    responders._instance.cache_clear()


def warm_up() -> None:
    """Run the server's warm-up and wait for its thread to end."""
    thread = embedded.warm_in_background()
    thread.join(WAIT)
    assert not thread.is_alive()


def test_the_server_builds_the_classifier_before_the_first_message(settings, fresh_instances):
    """warm_in_background builds the configured backend on its own thread; the first message then
    finds it built (the registry's one instance per process) instead of building it."""
    registry, _ = fresh_instances
    settings.CLASSIFIER_BACKEND = "offline"
    warm_up()
    assert registry._instance.cache_info().misses == 1
    built = registry.get_classifier()
    assert registry._instance.cache_info().misses == 1, "the first message built the classifier again"
    assert type(built).__name__ == "OfflineClassifier"


def test_a_classifier_that_cannot_be_built_at_start_is_logged_not_raised(settings, caplog, fresh_instances):
    settings.CLASSIFIER_BACKEND = "no-such-backend"
    warm_up()
    assert "could not be built at start" in caplog.text


class WarmResponder:
    """A responder with a model to load (as RESPONDER=local's)."""

    warmed = 0

    def warm(self):
        type(self).warmed += 1


class BrokenResponder:
    def warm(self):
        raise RuntimeError("no model file")


def test_the_server_loads_the_responders_model_before_the_first_reply(settings, fresh_instances):
    """warm_in_background also loads the configured responder's model (`warm`), once, in the
    responder that turns then use."""
    _, responders = fresh_instances
    settings.CLASSIFIER_BACKEND = "offline"
    settings.RESPONDERS = {"warm": f"{__name__}.WarmResponder"}
    settings.RESPONDER = "warm"
    WarmResponder.warmed = 0
    warm_up()
    assert WarmResponder.warmed == 1
    assert responders.get_responder() is responders.get_responder()
    assert responders._instance.cache_info().misses == 1, "a turn made a second responder"


def test_a_responder_that_cannot_load_at_start_is_logged_not_raised(settings, caplog, fresh_instances):
    settings.CLASSIFIER_BACKEND = "offline"
    settings.RESPONDERS = {"broken": f"{__name__}.BrokenResponder"}
    settings.RESPONDER = "broken"
    warm_up()
    assert "the responder could not be loaded at start" in caplog.text
    assert "the classifier could not be built" not in caplog.text
