"""A reply whose event was lost on an open socket still reaches the page (chat.js, overdue sync).

Realtime delivery is best effort: an event published while a server re-subscribes to Redis after a
restart is lost to the sockets it serves, which stay open and never reconnect (so never `sync`).
Here the test itself loses the event: Playwright routes the page's websocket and drops the first
`assistant.completed` the server sends. The page, awaiting its reply and hearing nothing for
CHAT_OVERDUE_SYNC_SECONDS, must ask for the state and show the reply. Every wait is on a frame
the route saw, never a sleep."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from django.test import Client
from playwright.sync_api import expect

from tests import servers
from tests.browser.conftest import EVENT_TIMEOUT, EXPECT_TIMEOUT
from tests.factories import conversation

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def overdue_site(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with servers.asgi_server(CHAT_OVERDUE_SYNC_SECONDS="1", EMBEDDED_SWEEP_SECONDS="0") as (base_url, _):
            yield base_url


class LossyRoute:
    """Forwards every frame both ways, except the first `assistant.completed` to the page."""

    def __init__(self) -> None:
        self.to_server: list[dict] = []
        self.to_page: list[dict] = []
        self.dropped: list[dict] = []

    def __call__(self, ws) -> None:
        server = ws.connect_to_server()

        def upstream(message) -> None:
            self.to_server.append(json.loads(message))
            server.send(message)

        def downstream(message) -> None:
            frame = json.loads(message)
            if frame.get("type") == "assistant.completed" and not self.dropped:
                self.dropped.append(frame)
                return
            self.to_page.append(frame)
            ws.send(message)

        ws.on_message(upstream)
        server.on_message(downstream)

    def wait(self, page, condition, what: str):
        deadline = time.monotonic() + EVENT_TIMEOUT
        while not (found := condition()):
            assert time.monotonic() < deadline, f"no {what} within {EVENT_TIMEOUT} s"
            page.wait_for_timeout(20)  # hands control to Playwright, which runs the route's handlers
        return found


def test_a_reply_whose_event_was_lost_is_fetched_and_shown(browser, overdue_site, transactional_db, django_user_model):
    expect.set_options(timeout=EXPECT_TIMEOUT)
    user = django_user_model.objects.create_user(f"overdue-{uuid.uuid4().hex[:8]}", password="a-long-pass-phrase-9")
    conv = conversation(user)
    client = Client()
    client.force_login(user)
    context = browser.new_context(base_url=overdue_site, viewport={"width": 1280, "height": 860})
    try:
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": overdue_site}])
        route = LossyRoute()
        page = context.new_page()
        page.route_web_socket("**/ws/conversations/**", route)
        page.goto(f"/chat/{conv.id}/")
        route.wait(page, lambda: any(f.get("type") == "conversation.state" for f in route.to_page), "state")
        syncs_before = sum(f.get("type") == "sync" for f in route.to_server)

        page.fill("#composer-input", "What is a good name for a cat?")
        page.press("#composer-input", "Enter")
        [lost] = route.wait(page, lambda: route.dropped, "assistant.completed from the server")
        reply = lost["message"]

        route.wait(
            page, lambda: sum(f.get("type") == "sync" for f in route.to_server) > syncs_before, "sync from the page"
        )
        state = route.wait(
            page,
            lambda: [
                f
                for f in route.to_page
                if f.get("type") == "conversation.state" and any(m["id"] == reply["id"] for m in f["messages"])
            ],
            "a state holding the reply",
        )
        assert state
        shown = page.locator(f'#thread li[data-id="{reply["id"]}"]')
        expect(shown).to_be_visible()
        expect(page.get_by_test_id("typing")).to_have_count(0)
    finally:
        context.close()
