"""Stop, regenerate and the quick double send (issue 15) in Chromium, at desktop size and on a
phone, light and dark. Stop and the double send run against a server of their own with a slowed
streaming responder (tests/fakes/slow_backends.StreamingResponder, the embedded default as
`make run` starts it); regenerate against the session's site (the offline responder).

No sleeps: every wait is on a server event (a websocket frame recorded by SocketLog) or on a
file the test itself writes to release the held stream (the gate)."""

from __future__ import annotations

import json
import os
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import expect

from conversations.models import Message
from tests import servers
from tests.browser.conftest import EVENT_TIMEOUT, LOOKS, new_page
from tests.factories import conversation

pytestmark = pytest.mark.browser


SCREENSHOTS = os.environ.get("CHATSITE_SCREENSHOT_DIR")


def screenshot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / name))


@pytest.fixture(scope="module")
def streaming_site(django_db_setup, django_db_blocker, tmp_path_factory):
    """The embedded stack served by its own Daphne process, with a slow streaming responder:
    long enough (2,000 words) that a stop always comes before its end; one socket per user."""
    gates = tmp_path_factory.mktemp("gates")
    env = {
        "RESPONDER": "streaming",
        "RESPONDERS_JSON": json.dumps({"streaming": "tests.fakes.slow_backends.StreamingResponder"}),
        "STREAM_GATE_DIR": str(gates),
        "STREAM_CHUNKS": "2000",
        "STREAM_CHUNK_SECONDS": "0.02",
        "EMBEDDED_SWEEP_SECONDS": "0",
        "CHAT_MAX_SOCKETS_PER_USER": "1",  # one page per person; a second one is refused with 4429
    }
    with django_db_blocker.unblock():
        with servers.asgi_server(**env) as (base_url, _process):
            yield base_url, gates


@pytest.fixture
def person(django_user_model):
    return django_user_model.objects.create_user(f"person-{uuid.uuid4().hex[:8]}", password="a-long-pass-phrase-9")


@pytest.fixture
def chat_page(browser, transactional_db):
    """`chat_page(base_url, look, user)`: a logged-in page with its websocket frames recorded."""
    with ExitStack() as pages:

        def make(base_url: str, look: str, user):
            page = pages.enter_context(new_page(browser, base_url, **LOOKS[look]))
            client = Client()
            client.force_login(user)
            page.context.add_cookies(
                [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}]
            )
            return page

        yield make


def open_chat(page, conv) -> None:
    since = page.ws.mark()
    page.goto(f"/chat/{conv.id}/")
    page.ws.wait_for(lambda f: f.get("type") == "conversation.state", since=since, what="conversation.state")


def wait_closed(page, socket) -> None:
    """Until the server closed `socket` (it may have closed before a listener could be added)."""
    deadline = time.monotonic() + EVENT_TIMEOUT
    while not socket.is_closed():
        assert time.monotonic() < deadline, "the server did not close the socket"
        page.wait_for_timeout(20)  # hands control to Playwright, which records the close


def type_and_send(page, text: str) -> None:
    page.fill("#composer-input", text)
    page.press("#composer-input", "Enter")


def created_for(page, content: str, *, since) -> dict:
    sent = page.ws.wait_for(
        lambda f: f.get("type") == "message.send" and f.get("content") == content, since=since, sent=True
    )
    return page.ws.wait_for(
        lambda f: f.get("type") == "message.created" and f["message"].get("client_id") == sent["client_id"],
        since=since,
        what=f"message.created of {content!r}",
    )["message"]


def completed_for(page, parent_id: str, *, since) -> dict:
    return page.ws.wait_for(
        lambda f: f.get("type") == "assistant.completed" and f["message"]["parent_id"] == parent_id,
        since=since,
        what="assistant.completed",
    )["message"]


@pytest.mark.parametrize("look", ["desktop-light", "mobile-dark"])
def test_stop_ends_the_stream_and_keeps_the_partial_reply_marked_stopped(chat_page, streaming_site, person, look):
    base_url, _gates = streaming_site
    conv = conversation(person)
    page = chat_page(base_url, look, person)
    open_chat(page, conv)
    since = page.ws.mark()
    type_and_send(page, "tell me a long story")
    message = created_for(page, "tell me a long story", since=since)
    first = page.ws.wait_for(
        lambda f: f.get("type") == "assistant.delta" and f["parent_id"] == message["id"], since=since, what="a delta"
    )
    reply = page.locator(f'li[data-id="{first["message_id"]}"]')
    stop = reply.get_by_test_id("stop")
    expect(stop).to_be_visible()
    screenshot(page, f"streaming-{look}.png")
    stop.click()
    page.ws.wait_for(
        lambda f: f.get("type") == "reply.stop" and f["message_id"] == first["message_id"], since=since, sent=True
    )
    stopping = page.ws.wait_for(lambda f: f.get("type") == "reply.stopping", since=since, what="reply.stopping")
    assert stopping["status"] == "stopping"
    done = completed_for(page, message["id"], since=since)
    assert done["status"] == "stopped"
    assert done["content"] and not done["content"].rstrip().endswith("word1999")
    expect(reply.get_by_test_id("stopped")).to_be_visible()
    expect(reply.get_by_test_id("stop")).to_have_count(0)
    expect(reply.locator(".content")).to_contain_text(done["content"].split()[-1])
    expect(reply.get_by_test_id("regenerate")).to_be_visible()  # the last reply may be written again
    screenshot(page, f"stopped-{look}.png")
    stored = Message.objects.get(id=done["id"])
    assert (stored.status, stored.content) == ("stopped", done["content"])
    assert page.js_errors == []


@pytest.mark.parametrize("look", ["desktop-dark", "mobile-light"])
def test_regenerate_adds_a_version_of_the_reply_shown_in_the_branch_switcher(chat_page, live_site, person, look):
    conv = conversation(person)
    page = chat_page(live_site, look, person)
    open_chat(page, conv)
    since = page.ws.mark()
    type_and_send(page, "hello there")
    message = created_for(page, "hello there", since=since)
    first = completed_for(page, message["id"], since=since)
    first_node = page.locator(f'li[data-id="{first["id"]}"]')
    expect(first_node.get_by_test_id("regenerate")).to_be_visible()

    since = page.ws.mark()
    first_node.get_by_test_id("regenerate").click()
    page.ws.wait_for(lambda f: f.get("type") == "reply.regenerate", since=since, sent=True)
    slot = page.ws.wait_for(
        lambda f: f.get("type") == "message.created" and f["message"]["role"] == "assistant", since=since
    )["message"]
    assert slot["parent_id"] == message["id"] and slot["status"] == "streaming"
    second = completed_for(page, message["id"], since=since)
    assert second["id"] == slot["id"] and second["status"] == "complete"

    second_node = page.locator(f'li[data-id="{second["id"]}"]')
    switcher = second_node.get_by_test_id("branch-switcher")
    expect(switcher).to_contain_text("2 / 2")
    expect(page.locator(f'li[data-id="{first["id"]}"]')).to_have_count(0)  # one version in view
    screenshot(page, f"regenerated-{look}.png")
    with page.expect_response(lambda r: r.request.method == "PATCH"):
        switcher.get_by_label("Previous version").click()
    expect(page.locator(f'li[data-id="{first["id"]}"]').get_by_test_id("branch-switcher")).to_contain_text("1 / 2")
    replies = list(Message.objects.filter(parent_id=message["id"]).order_by("attempt").values_list("id", "attempt"))
    assert [(str(i), a) for i, a in replies] == [(first["id"], 0), (second["id"], 1)]
    assert page.js_errors == []


@pytest.mark.parametrize("look", ["desktop-light", "mobile-dark"])
def test_a_message_sent_before_the_previous_is_answered_goes_under_it_never_beside_it(
    chat_page, streaming_site, person, look
):
    base_url, gates = streaming_site
    conv = conversation(person)
    page = chat_page(base_url, look, person)
    open_chat(page, conv)
    gate = f"g{uuid.uuid4().hex[:8]}"
    first_text, second_text = f"[gate:{gate}] [words:5] first", "[words:5] second, right away"
    since = page.ws.mark()
    # Both sends in one task of the page: the second is typed before the first is acknowledged.
    page.evaluate(
        """([a, b]) => {
            const input = document.getElementById("composer-input");
            const form = document.getElementById("composer");
            input.value = a; form.requestSubmit();
            input.value = b; form.requestSubmit();
        }""",
        [first_text, second_text],
    )
    first = created_for(page, first_text, since=since)
    second = created_for(page, second_text, since=since)
    sent_second = page.ws.wait_for(
        lambda f: f.get("type") == "message.send" and f.get("content") == second_text, since=since, sent=True
    )
    assert sent_second["parent_id"] == first["id"], "the second waited for the first's id and went under it"
    page.ws.wait_for(lambda f: f.get("type") == "assistant.delta" and f["parent_id"] == first["id"], since=since)
    expect(page.get_by_test_id("typing")).to_be_visible()  # the second still waits for its answer
    (gates / f"gate-{gate}").touch()  # release the first reply
    first_reply = completed_for(page, first["id"], since=since)
    moved = page.ws.wait_for(
        lambda f: f.get("type") == "message.moved" and f["message"]["id"] == second["id"], since=since
    )["message"]
    assert moved["parent_id"] == first_reply["id"]
    second_reply = completed_for(page, second["id"], since=since)

    shown = [first["id"], first_reply["id"], second["id"], second_reply["id"]]
    expect(page.locator(f'li[data-id="{second_reply["id"]}"]')).to_be_visible()
    ids = page.locator("#thread > li[data-id]").evaluate_all("nodes => nodes.map(n => n.dataset.id)")
    assert ids == shown
    expect(page.get_by_test_id("typing")).to_have_count(0)
    expect(page.get_by_test_id("branch-switcher")).to_have_count(0)
    stored = Message.objects.get(id=second["id"])
    assert stored.parent_id == uuid.UUID(first_reply["id"])
    assert Message.objects.filter(conversation_id=conv.id, role="user", parent_id=None).count() == 1
    assert page.js_errors == []


@pytest.mark.parametrize("look", ["desktop-dark", "mobile-light"])
def test_a_socket_refused_for_too_many_connections_says_so_and_stops_reconnecting(
    chat_page, streaming_site, person, look
):
    base_url, _gates = streaming_site
    conv = conversation(person)
    first = chat_page(base_url, look, person)
    open_chat(first, conv)  # holds the person's one socket
    second = chat_page(base_url, look, person)
    with second.expect_websocket() as socket_info:
        second.goto(f"/chat/{conv.id}/")
    socket = socket_info.value
    refused = second.ws.wait_for(lambda f: f.get("type") == "error", what="the refusal")
    assert refused["code"] == "rate_limited"
    wait_closed(second, socket)
    status = second.locator("#status")
    expect(status).to_contain_text("Too many chat windows are open")
    expect(status).not_to_contain_text("Reconnecting")
    # From the 4429 on, the page never connects again. (Before it, a close the browser saw as
    # abnormal, under load, may be retried once: that retry is refused with 4429 in turn.)
    syncs_at_refusal = sum(f.get("type") == "sync" for f in second.ws.sent)
    # The first page still works: its socket was never touched.
    since = first.ws.mark()
    type_and_send(first, "[words:3] still here")
    message = created_for(first, "[words:3] still here", since=since)
    completed_for(first, message["id"], since=since)
    assert sum(f.get("type") == "sync" for f in second.ws.sent) == syncs_at_refusal, "the refused page reconnected"
    assert second.js_errors == []
