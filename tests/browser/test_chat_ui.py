"""The chat as people expect it, in Chromium, at desktop size and at 390x844 (touch), light and
dark: safe markdown with highlighted, copyable code, replies rendered progressively, the typing
indicator, the crisis card, the end-confirmation buttons, a reopened chat, rename, search, delete,
the navigation drawer, the theme toggle, the user's language, and accessibility (axe-core, the
live region, target sizes).

No sleeps: every wait is on a server event (a websocket frame, an HTTP response) or on a frame the
test itself injects through Playwright's websocket routing."""

from __future__ import annotations

import json
import os
import re
import uuid
from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import expect

from conversations import services
from conversations.models import Message
from tests.factories import conversation, post

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SCREENSHOTS = os.environ.get("CHATSITE_SCREENSHOT_DIR")
DESKTOP = {"viewport": {"width": 1280, "height": 860}}
MOBILE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
LOOKS = {
    "desktop-light": {**DESKTOP, "color_scheme": "light"},
    "desktop-dark": {**DESKTOP, "color_scheme": "dark"},
    "mobile-light": {**MOBILE, "color_scheme": "light"},
    "mobile-dark": {**MOBILE, "color_scheme": "dark"},
}
TWO_LOOKS = ["desktop-light", "mobile-dark"]

MARKDOWN_REPLY = """Here is **bold**, *italic* and `inline code`.

- first item
- second item

```python
def double(x):
    return x * 2  # twice
```

A [safe link](https://example.org/docs), a [script link](javascript:window.__xss=1), a \
[data link](data:text/html,<script>window.__xss=1</script>) and an image ![tracker](https://evil.example/pixel.png).

<b onclick="window.__xss=1">raw html</b>"""
CODE = "def double(x):\n    return x * 2  # twice"


@pytest.fixture
def open_page(browser, live_site, transactional_db):
    """`open_page(look, user, **context options)`: a logged-in page in a new context."""
    contexts = []

    def make(look: str, user=None, **options):
        context = browser.new_context(base_url=live_site, **{**LOOKS[look], **options})
        contexts.append(context)
        if user is not None:
            client = Client()
            client.force_login(user)
            context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_site}])
        page = context.new_page()
        page.set_default_timeout(15000)
        page.js_errors = []
        page.on("pageerror", lambda error: page.js_errors.append(str(error)))
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def person(django_user_model):
    return django_user_model.objects.create_user(f"person-{uuid.uuid4().hex[:8]}", password="a-long-pass-phrase-9")


def open_chat(page, conv):
    """Open a chat page; returns its websocket once the server answered `sync`."""
    with page.expect_websocket() as socket_info:
        page.goto(f"/chat/{conv.id}/")
    socket = socket_info.value
    socket.expect_event("framereceived", lambda data: '"conversation.state"' in data)
    return socket


def frame_of(event_type: str):
    return lambda data: json.loads(data)["type"] == event_type


def send(page, socket, text: str, until: str = "assistant.completed") -> None:
    with socket.expect_event("framereceived", frame_of(until)):
        page.fill("#composer-input", text)
        page.press("#composer-input", "Enter")


def stored_reply(user, conv, question: str, answer: str, **extra):
    message = post(user, conv, question)
    Message.objects.filter(parent=message).delete()  # the offline reply, if the pipeline wrote one
    return services.assistant_reply_store(
        conversation_id=conv.id,
        user_message_id=message.id,
        content=answer,
        action=extra.pop("action", "answer"),
        **extra,
    )


def screenshot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / name))


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")


def axe_violations(page, impacts=("serious", "critical")) -> list[str]:
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}" for v in result if v["impact"] in impacts]


# --- Markdown -------------------------------------------------------------------------------------


@pytest.mark.parametrize("look", TWO_LOOKS)
def test_replies_render_markdown_safely_with_highlighted_code_and_a_copy_button(open_page, person, look):
    conv = conversation(person, title="Markdown")
    stored_reply(person, conv, "Show me some markdown", MARKDOWN_REPLY)
    page = open_page(look, person, permissions=["clipboard-read", "clipboard-write"])
    page.add_init_script("window.__xss = undefined;")
    open_chat(page, conv)
    reply = page.locator("#thread li[data-role=assistant] .markdown")
    expect(reply.locator("strong")).to_have_text("bold")
    expect(reply.locator("ul > li")).to_have_count(2)
    expect(reply.locator("pre code .hljs-keyword").first).to_have_text("def")
    assert reply.locator("a[href='https://example.org/docs']").get_attribute("rel") == "noopener noreferrer nofollow"
    assert reply.locator("a[href^='javascript:'], a[href^='data:'], img, b, script").count() == 0
    assert reply.locator("a.image-link").get_attribute("href") == "https://evil.example/pixel.png"  # never loaded
    assert '<b onclick="window.__xss=1">raw html</b>' in reply.inner_text()
    assert page.evaluate("window.__xss") is None

    copy = reply.locator("[data-testid=copy-code]")
    copy.click()
    expect(copy).to_have_attribute("data-copied", "true")
    assert page.evaluate("navigator.clipboard.readText()") == CODE
    screenshot(page, "screenshot-markdown.png" if look.startswith("desktop") else "screenshot-mobile.png")
    assert page.js_errors == []


def test_a_streaming_reply_is_rendered_progressively_and_safely(open_page, person):
    """The page's socket is served by the test: `conversation.state`, then deltas that cut a
    fence, a bold run, a link and raw HTML anywhere; each partial text renders safely."""
    conv = conversation(person)
    page = open_page("desktop-dark", person)
    page.add_init_script("window.__xss = undefined;")
    message_id = str(uuid.uuid4())
    pieces = [
        "Some **bo",
        "ld** text <img src=x onerror=window.__xss=1> [x](java",
        "script:window.__xss=1)\n\n```js\nconst a",
        " = 1;\n```",
    ]

    def delta(index: int) -> str:
        return json.dumps(
            {
                "type": "assistant.delta",
                "conversation_id": str(conv.id),
                "message_id": message_id,
                "parent_id": None,
                "delta": pieces[index],
            }
        )

    route = {}

    def serve(ws):
        route["ws"] = ws

        def on_message(data):
            if json.loads(data)["type"] == "sync":
                state = {
                    "type": "conversation.state",
                    "conversation_id": str(conv.id),
                    "title": "",
                    "messages": [],
                    "endings": [],
                    "active_leaf_id": None,
                }
                ws.send(json.dumps(state))
                ws.send(delta(0))

        ws.on_message(on_message)

    page.route_web_socket(re.compile(r"/ws/conversations/"), serve)
    page.goto(f"/chat/{conv.id}/")
    node = page.locator(f"li[data-id='{message_id}']")
    for index in range(len(pieces)):
        if index:
            route["ws"].send(delta(index))
        expect(node.locator(".markdown")).to_contain_text(
            pieces[index].split("**")[-1].split("<")[0].split("[")[0].strip()[:4]
        )
        expect(node).to_have_attribute("aria-busy", "true")
        assert node.locator("img, script, a[href^='javascript:']").count() == 0
    expect(node.locator(".markdown strong")).to_have_text("bold")
    expect(node.locator("pre code")).to_have_text("const a = 1;")
    assert "<img src=x onerror=window.__xss=1>" in node.inner_text()
    assert page.evaluate("window.__xss") is None
    assert page.js_errors == []


# --- The typing indicator, the live region ---------------------------------------------------------


@pytest.mark.parametrize("look", TWO_LOOKS)
def test_the_typing_indicator_shows_until_the_reply_and_only_new_nodes_enter_the_live_region(open_page, person, look):
    conv = conversation(person)
    page = open_page(look, person)
    held, route = [], {"release": False}

    def on_route(ws):
        server = ws.connect_to_server()
        route["ws"] = ws

        def from_server(data):
            # Once the message is acknowledged, the reply (and any state that would carry it)
            # waits until the test has seen the indicator.
            kind = json.loads(data)["type"]
            if (
                route.get("acknowledged")
                and not route["release"]
                and kind.startswith(("assistant.", "conversation.state"))
            ):
                held.append(data)
                return
            route["acknowledged"] = route.get("acknowledged") or kind == "message.created"
            ws.send(data)

        server.on_message(from_server)

    page.route_web_socket(re.compile(r"/ws/conversations/"), on_route)
    page.goto(f"/chat/{conv.id}/")
    thread = page.locator("#thread")
    assert thread.get_attribute("role") == "log" and thread.get_attribute("aria-live") == "polite"

    page.fill("#composer-input", "Hello there")
    page.press("#composer-input", "Enter")
    page.locator("#thread li[data-role=user]:not(.pending)").wait_for()  # message.created arrived
    typing = page.locator("[data-testid=typing]")
    expect(typing).to_be_visible()
    assert typing.get_attribute("aria-label")
    page.evaluate("document.querySelector('#thread li[data-role=user]').__kept = true")
    route["release"] = True  # frames still to come pass straight through
    for data in held:
        route["ws"].send(data)
    expect(page.locator("#thread li[data-role=assistant]:not(.typing)")).to_have_count(1)
    expect(typing).to_have_count(0)
    assert page.evaluate("document.querySelector('#thread li[data-role=user]').__kept") is True
    assert page.js_errors == []
