"""Browser tests: Playwright driving Debian's Chromium against the site served by Daphne in a
subprocess (the embedded stack: in-process pipeline) on the test database.

Waiting (the suite runs on a loaded machine, beside other test runs): a test waits for the
server's event, never for a sleep or the DOM alone when such an event exists. `page.ws` records
every websocket frame the page sends and receives; `wait_for_turn` returns once the server has
stored a sent message (its `message.created`) and answered it (`assistant.completed`, or the
notice of an ending); `wait_for_row` waits for a row another process stores; a click that saves
in the background is wrapped in `page.expect_response`. DOM assertions after those use
Playwright's `expect`, which retries (up to EXPECT_TIMEOUT) while the page renders the event.
"""

from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager

import pytest

from tests import servers

pytestmark = pytest.mark.browser

PAGE_TIMEOUT = 30_000  # ms: navigation and locator actions
EXPECT_TIMEOUT = 30_000  # ms: Playwright's `expect` (its default, 5 s, is too short under load)
EVENT_TIMEOUT = 60.0  # s: a frame or a row from the server

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_site(django_db_setup, django_db_blocker):
    """The site at a base URL, served by a real ASGI server process for the whole session."""
    with django_db_blocker.unblock():
        with servers.asgi_server() as (base_url, _process):
            yield base_url


@pytest.fixture(scope="module")
def browser(require_chromium_session, live_site):
    """Chromium for one test module. Playwright's sync API keeps an event loop running in this
    thread, so Django's async-safety check is lifted while (and only while) it runs."""
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=require_chromium_session, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def require_chromium_session():
    import shutil

    from tests.conftest import CHROMIUM, require

    path = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    require(path is not None, f"Chromium not found at {CHROMIUM}")
    try:
        import playwright  # noqa: F401
    except ImportError:
        require(False, "the playwright package is not installed")
    return path


DESKTOP = {"viewport": {"width": 1280, "height": 860}}
MOBILE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
LOOKS = {
    "desktop-light": {**DESKTOP, "color_scheme": "light"},
    "desktop-dark": {**DESKTOP, "color_scheme": "dark"},
    "mobile-light": {**MOBILE, "color_scheme": "light"},
    "mobile-dark": {**MOBILE, "color_scheme": "dark"},
}


@contextmanager
def new_page(browser, base_url: str, **options):
    """A page in a context of its own (desktop size unless `options` say otherwise), its page
    errors in `page.js_errors` and its websocket frames in `page.ws`; the context closes after."""
    from playwright.sync_api import expect

    expect.set_options(timeout=EXPECT_TIMEOUT)
    context = browser.new_context(base_url=base_url, **{**DESKTOP, **options})
    try:
        page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT)
        page.js_errors = []
        page.on("pageerror", lambda error: page.js_errors.append(str(error)))
        page.ws = SocketLog(page)
        yield page
    finally:
        context.close()


@pytest.fixture
def page(browser, live_site, transactional_db):
    with new_page(browser, live_site) as page:
        yield page


class SocketLog:
    """Every JSON frame the page's websockets (all of them: a reload opens a new one) sent and
    received, in order."""

    def __init__(self, page) -> None:
        self.page = page
        self.sent: list[dict] = []
        self.received: list[dict] = []
        page.on("websocket", self._watch)

    def _watch(self, websocket) -> None:
        websocket.on("framesent", lambda payload: self.sent.append(_frame(payload)))
        websocket.on("framereceived", lambda payload: self.received.append(_frame(payload)))

    def mark(self) -> tuple[int, int]:
        """Where the log stands now: pass it as `since` to wait only for what comes after."""
        return len(self.sent), len(self.received)

    def wait_for(self, predicate, *, since=(0, 0), sent: bool = False, what: str = "a frame") -> dict:
        """The first frame after `since` (received, or sent) that matches `predicate`."""
        frames = self.sent if sent else self.received
        index = since[0] if sent else since[1]
        deadline = time.monotonic() + EVENT_TIMEOUT
        while True:
            while index < len(frames):
                if predicate(frames[index]):
                    return frames[index]
                index += 1
            if time.monotonic() > deadline:
                seen = [f.get("type") for f in self.received[since[1] :]]
                raise AssertionError(f"no {what} within {EVENT_TIMEOUT} s; received since: {seen}")
            self.page.wait_for_timeout(20)  # hands control to Playwright, which records new frames


def _frame(payload) -> dict:
    try:
        value = json.loads(payload)
    except (TypeError, ValueError):
        return {"type": None, "raw": payload}
    return value if isinstance(value, dict) else {"type": None, "raw": value}


def wait_for_turn(page, content: str, *, since) -> tuple[dict, dict]:
    """After an action that sends `content` (the composer, the editor): the user message as the
    server stored it (its `message.created`) and the reply, an `assistant.completed` message or
    the notice of an ending (once its `conversation.ended` arrived too)."""
    sent = page.ws.wait_for(
        lambda f: f.get("type") == "message.send" and f.get("content") == content,
        since=since,
        sent=True,
        what=f"message.send of {content!r}",
    )
    created = page.ws.wait_for(
        lambda f: f.get("type") == "message.created" and f["message"].get("client_id") == sent["client_id"],
        since=since,
        what=f"message.created for {content!r}",
    )
    message_id = created["message"]["id"]
    reply = page.ws.wait_for(
        lambda f: (
            f.get("type") in ("assistant.completed", "message.created")
            and f["message"]["role"] != "user"
            and f["message"].get("parent_id") == message_id
        ),
        since=since,
        what=f"the reply to {content!r}",
    )["message"]
    if reply["role"] == "notice":
        page.ws.wait_for(
            lambda f: f.get("type") == "conversation.ended" and f["ending"]["notice_id"] == reply["id"],
            since=since,
            what="conversation.ended",
        )
    return created["message"], reply


def send(page, text: str) -> tuple[dict, dict]:
    """Type `text` into the composer and press Enter; returns as `wait_for_turn` does."""
    since = page.ws.mark()
    page.fill("#composer-input", text)
    page.press("#composer-input", "Enter")
    return wait_for_turn(page, text, since=since)


def wait_for_row(query, *, what: str = "the row"):
    """The first truthy value of `query()` (a database read), polled until EVENT_TIMEOUT: for rows
    that another process (the server) stores with no event this test can observe."""
    deadline = time.monotonic() + EVENT_TIMEOUT
    while True:
        value = query()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} was not stored within {EVENT_TIMEOUT} s")
        time.sleep(0.05)


def sign_up(page, username: str, password: str = "a-long-pass-phrase-9") -> None:
    page.goto("/accounts/signup/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password1]", password)
    page.fill("input[name=password2]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/chat/")


def log_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/chat/**")
