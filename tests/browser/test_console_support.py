"""Helpers for the console's browser tests (imported by them; holds no tests itself).

Every wait is on the server: a response to the request a click makes (`posting`, `loading`), a
navigation, or a websocket frame; never a sleep. With CHATSITE_CONSOLE_SCREENSHOTS=<dir> the
tests also save the screenshots of docs/console.md there."""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from pathlib import Path

from django.test import Client

from moderation.models import PolicyVersion
from moderation.policy import PolicySettings
from tests.moderation.test_console_support import make_user, staff_group

SCREENSHOTS = os.environ.get("CHATSITE_CONSOLE_SCREENSHOTS", "")


def ensure_policy_v1() -> None:
    PolicyVersion.objects.get_or_create(
        number=1, defaults={"settings": PolicySettings().to_dict(), "status": PolicyVersion.Status.ACTIVE}
    )


def moderator(username: str):
    user = make_user(username)
    user.groups.add(staff_group("Moderators", "review_endings"))
    return user


def policy_admin(username: str):
    user = make_user(username)
    user.groups.add(staff_group("Policy admins", "review_endings", "tune_policy"))
    return user


def sign_in(page, live_site: str, user) -> None:
    """A session for `user` in this browser context (made by Django's test client, no form)."""
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_site}])


def new_page(browser, live_site: str):
    """A second browser (another person) beside the `page` fixture's, with the same checks."""
    context = browser.new_context(base_url=live_site, viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.js_errors = []
    page.on("pageerror", lambda error: page.js_errors.append(str(error)))
    return page


@contextmanager
def posting(page, path_part: str, status: int | None = None):
    """Wait for the server's answer to the POST (to a URL containing `path_part`) that the block
    makes, then for the document it leads to (the redirect's target or the answer itself) to have
    replaced this one, even when its URL is the same: the old document carries a marker that the
    new one does not."""
    page.evaluate("window.__beforePost = true")
    with page.expect_response(lambda r: r.request.method == "POST" and path_part in r.url) as answer:
        yield answer
    response = answer.value
    assert response.status < 500, response.status
    if status is not None:
        assert response.status == status, response.status
    page.wait_for_function("() => window.__beforePost === undefined")
    page.wait_for_load_state("load")


@contextmanager
def loading(page, pattern: str, status: int | None = None):
    """Wait for the navigation to a URL matching `pattern` (a regular expression) to load."""
    with page.expect_navigation(url=re.compile(pattern)) as navigation:
        yield navigation
    if status is not None:
        assert navigation.value.status == status, navigation.value.status


def shot(page, name: str, locator=None, full_page: bool = False) -> None:
    """Save docs/console-<name>.png when screenshots were asked for."""
    if not SCREENSHOTS:
        return
    target = Path(SCREENSHOTS) / f"console-{name}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    if locator is not None:
        locator.screenshot(path=str(target))
    else:
        page.screenshot(path=str(target), full_page=full_page)


def bad_responses(page) -> list[str]:
    """Start recording every response of 400 and above of this page (a list, filled as it goes)."""
    seen: list[str] = []
    page.on("response", lambda r: seen.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return seen


class Frames:
    """Every websocket frame the page receives, from the first one (registered before the page
    opens its socket), so a test can wait for a frame that may already have arrived."""

    def __init__(self, page) -> None:
        self.page = page
        self.frames: list[str] = []
        self.sockets: list = []
        page.on("websocket", self._opened)

    def _opened(self, socket) -> None:
        self.sockets.append(socket)
        socket.on("framereceived", lambda payload: self.frames.append(str(payload)))

    def wait_for(self, event_type: str) -> str:
        """The first frame of `event_type`; waits for the socket to deliver it if it has not yet.
        (The sync API dispatches events only inside its calls, so nothing slips in between.)"""
        marker = f'"type": "{event_type}"'
        for frame in self.frames:
            if marker in frame:
                return frame
        if not self.sockets:
            self.page.wait_for_event("websocket")  # the handler above records it first
            for frame in self.frames:
                if marker in frame:
                    return frame
        return str(self.sockets[-1].wait_for_event("framereceived", predicate=lambda payload: marker in str(payload)))

    def expect(self, event_type: str):
        """Context manager: wait for the next frame of `event_type` that the block causes."""
        marker = f'"type": "{event_type}"'
        return self.sockets[-1].expect_event("framereceived", predicate=lambda payload: marker in str(payload))


def ended(owner, **kwargs):
    """An ending built row by row (tests/moderation/test_console_support.build_ending) without
    the pipeline: the posted-message hook is off while it is built, so no classification races
    the stored one."""
    from django.test import override_settings

    from tests.moderation.test_console_support import build_ending

    with override_settings(CONVERSATIONS_MESSAGE_POSTED_HOOK=""):
        return build_ending(owner, **kwargs)
