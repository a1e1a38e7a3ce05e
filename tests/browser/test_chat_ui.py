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
import time
import uuid
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.utils import translation
from playwright.sync_api import expect

from conversations import services
from conversations.models import Message
from conversations.responders import texts
from tests.browser.conftest import LOOKS
from tests.factories import conversation, post

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SCREENSHOTS = os.environ.get("CHATSITE_SCREENSHOT_DIR")
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
    """Open a chat page; returns its websocket once the server answered `sync` (so the socket is
    in the conversation's group, and an event the test causes next reaches it).

    The page's socket may get its state before `expect_websocket` hands it over, so the frames are
    recorded from the moment the socket exists. (This used to call `expect_event` outside a `with`,
    which waits for nothing: under load a watcher tab was not yet subscribed when the other tab
    renamed the chat, and missed the event.)"""
    frames: list[str] = []

    def record(socket) -> None:
        socket.on("framereceived", lambda payload: frames.append(str(payload)))

    page.on("websocket", record)
    with page.expect_websocket() as socket_info:
        page.goto(f"/chat/{conv.id}/")
    socket = socket_info.value
    deadline = time.monotonic() + 60
    while not any('"conversation.state"' in frame for frame in frames):
        assert time.monotonic() < deadline, "no conversation.state within 60 s"
        page.wait_for_timeout(20)  # hands control to Playwright, which records the frames
    page.remove_listener("websocket", record)
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
    live = page.locator("[data-testid=live-thread]")  # the live region around the thread's list
    assert live.get_attribute("role") == "log" and live.get_attribute("aria-live") == "polite"
    assert live.locator("ol#thread").count() == 1

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


# --- Crisis and ending UX --------------------------------------------------------------------------


@pytest.mark.parametrize("look", TWO_LOOKS)
def test_crisis_resources_appear_once_as_a_card_after_the_opening_with_tappable_links(open_page, person, look):
    conv = conversation(person)
    page = open_page(look, person, locale="de-DE")  # Accept-Language: German, in Germany
    socket = open_chat(page, conv)
    send(page, socket, "Ich will nicht mehr leben. I want to kill myself.")
    reply = page.locator("#thread li[data-action=crisis_support]")
    card = reply.locator("[data-testid=crisis-resources]")
    expect(card).to_have_count(1)
    # After the caring opening paragraph, before the rest of the reply.
    assert card.evaluate("c => c.previousElementSibling && c.previousElementSibling.tagName") == "P"
    assert card.evaluate("c => !!c.nextElementSibling")
    opening = reply.locator(".markdown > p").first.inner_text()
    assert "froh" in opening  # the reply is in the user's language
    # The numbers are in the card only, and they are links.
    text_outside = reply.locator(".markdown").evaluate(
        "m => [...m.children].filter(n => !n.matches('[data-testid=crisis-resources]')).map(n => n.textContent).join(' ')"
    )
    assert "988" not in text_outside and "116 123" not in text_outside
    assert card.locator("a[href='tel:988']").count() >= 1 and card.locator("a[href='sms:988']").count() >= 1
    assert card.locator("a[href^='sms:741741'][href*='body=HOME']").count() == 1
    # Ordered by the user's region: Germany's service first.
    assert card.locator("li").first.get_attribute("data-region") == "Germany"
    if look.startswith("desktop"):
        reply.evaluate("node => node.scrollIntoView({block: 'start'})")
        screenshot(page, "screenshot-crisis.png")
    assert page.js_errors == []


@pytest.mark.parametrize("look", TWO_LOOKS)
def test_the_end_confirmation_offers_buttons_that_send_what_a_typed_answer_would(open_page, person, look):
    conv = conversation(person)
    page = open_page(look, person)
    socket = open_chat(page, conv)
    send(page, socket, "Please end this conversation.")
    confirm = page.locator("#thread li[data-action=confirm_end]").last
    assert "can't be continued" not in confirm.inner_text()
    with translation.override("en"):
        answers = texts.confirm_end_answers()

    # "Keep chatting" sends the words a person would type, and the chat goes on.
    with socket.expect_event("framesent", lambda data: json.loads(data).get("content") == answers["keep"]):
        with socket.expect_event("framereceived", frame_of("assistant.completed")):
            confirm.locator("[data-testid=confirm-end-keep]").click()
    expect(page.locator("[data-testid=confirm-end]")).to_have_count(0)
    assert page.locator("[data-testid=ending-notice]").count() == 0

    send(page, socket, "Please end this conversation.")
    with socket.expect_event("framesent", lambda data: json.loads(data).get("content") == answers["end"]):
        with socket.expect_event("framereceived", frame_of("conversation.ended")):
            page.locator("#thread li[data-action=confirm_end]").last.locator("[data-testid=confirm-end-yes]").click()
    notice = page.locator("[data-testid=ending-notice]")
    expect(notice.locator(".notice-title")).to_have_text("This chat has ended")
    expect(page.locator("#composer")).to_be_hidden()
    expect(page.locator("#sidebar li.current [data-testid=marker-ended]")).to_have_count(1)
    if look.startswith("desktop"):
        screenshot(page, "screenshot-ended.png")
    assert page.js_errors == []


def test_a_reopened_chat_says_so_instead_of_ended(open_page, person):
    conv = conversation(person, title="Reopened one")
    message = post(person, conv, "end it please")
    Message.objects.filter(parent=message).delete()
    ending = services.conversation_end(anchor_id=message.id, reason="persistent_harm", statement="Ended for a test.")
    services.ending_reopen(ending_id=ending.id, by=None)
    page = open_page("mobile-light", person)
    open_chat(page, conv)
    notice = page.locator("[data-testid=ending-notice]")
    expect(notice.locator(".notice-title")).to_have_text("This chat was reopened")
    assert "This chat has ended" not in notice.inner_text()
    expect(page.locator("#composer")).to_be_visible()
    page.click("[data-testid=drawer-toggle]")
    expect(page.locator("#sidebar li.current [data-testid=marker-reopened]")).to_be_visible()
    assert page.js_errors == []


# --- Chat management -------------------------------------------------------------------------------


@pytest.mark.parametrize("look", TWO_LOOKS)
def test_rename_updates_every_open_tab_search_filters_and_delete_asks_first(open_page, person, look):
    conv = conversation(person, title="Tides and moons")
    other = conversation(person, title="Bread")
    page = open_page(look, person)
    socket = open_chat(page, conv)
    watcher = open_page(look, person)
    watching = open_chat(watcher, conv)

    with watching.expect_event("framereceived", frame_of("conversation.renamed")):
        page.click("[data-testid=rename]")
        page.fill("[data-testid=rename-input]", "Ocean tides")
        with page.expect_response(lambda r: r.request.method == "PATCH" and r.status == 200):
            page.click("[data-testid=rename-save]")
    expect(page.locator("[data-testid=chat-title]")).to_have_text("Ocean tides")
    expect(watcher.locator("[data-testid=chat-title]")).to_have_text("Ocean tides")
    assert watcher.title().startswith("Ocean tides")
    expect(watcher.locator(f"#sidebar li[data-id='{conv.id}'] .conversation-title")).to_have_text("Ocean tides")
    assert page.locator(f"#sidebar li[data-id='{conv.id}'] time").text_content().strip()  # a date

    if look.startswith("mobile"):
        page.click("[data-testid=drawer-toggle]")
    with page.expect_response(lambda r: "/api/conversations/?q=bre" in r.url):
        page.fill("[data-testid=chat-search]", "bre")
    expect(page.locator("#conversation-list li")).to_have_count(1)
    expect(page.locator(f"#conversation-list li[data-id='{other.id}']")).to_be_visible()
    if look.startswith("mobile"):
        page.keyboard.press("Escape")
        expect(page.locator("#sidebar")).not_to_be_in_viewport()

    page.click("[data-testid=delete]")
    dialog = page.locator("[data-testid=delete-dialog]")
    expect(dialog).to_be_visible()
    page.click("[data-testid=delete-cancel]")  # nothing is deleted without confirming
    expect(dialog).to_be_hidden()
    with watching.expect_event("framereceived", frame_of("conversation.deleted")):
        page.click("[data-testid=delete]")
        with page.expect_response(lambda r: r.request.method == "DELETE" and r.status == 204):
            page.click("[data-testid=delete-confirm]")
    page.wait_for_url("**/chat/")
    assert page.locator(f"#conversation-list li[data-id='{conv.id}']").count() == 0
    expect(watcher.locator("#status")).to_have_text("This chat was deleted.")
    expect(watcher.locator("#composer")).to_be_hidden()
    assert socket is not None and page.js_errors == [] and watcher.js_errors == []


# --- Mobile and theme ----------------------------------------------------------------------------


def test_small_screens_get_a_drawer_with_the_chat_list_and_new_chat(open_page, person):
    conv = conversation(person, title="A chat on the phone")
    page = open_page("mobile-light", person)
    open_chat(page, conv)
    sidebar = page.locator("#sidebar")
    expect(sidebar).not_to_be_in_viewport()
    toggle = page.locator("[data-testid=drawer-toggle]")
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    expect(sidebar).to_be_in_viewport()
    assert toggle.get_attribute("aria-expanded") == "true"
    expect(sidebar.locator("[data-testid=new-chat]")).to_be_visible()
    expect(sidebar.locator(f"li[data-id='{conv.id}']")).to_be_visible()
    page.click("#drawer-backdrop", position={"x": 380, "y": 400})
    expect(sidebar).not_to_be_in_viewport()
    assert no_sideways_scroll(page)

    desktop = open_page("desktop-light", person)
    open_chat(desktop, conv)
    expect(desktop.locator("[data-testid=drawer-toggle]")).to_be_hidden()
    expect(desktop.locator("#sidebar")).to_be_in_viewport()


@pytest.mark.parametrize(
    ("look", "first", "second"), [("desktop-light", "dark", "light"), ("mobile-dark", "light", "dark")]
)
def test_the_theme_follows_the_system_until_toggled_and_the_choice_is_remembered(
    open_page, person, look, first, second
):
    conv = conversation(person)
    page = open_page(look, person)
    open_chat(page, conv)
    background = "getComputedStyle(document.body).backgroundColor"
    system = page.evaluate(background)
    toggle = page.locator("[data-testid=theme-toggle]")
    assert toggle.get_attribute("aria-pressed") == str(second == "dark").lower()
    toggle.click()
    expect(page.locator("html")).to_have_attribute("data-theme", first)
    assert page.evaluate(background) != system
    assert toggle.get_attribute("aria-pressed") == str(first == "dark").lower()
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-theme", first)  # remembered
    assert page.evaluate(background) != system


def test_the_console_queue_fits_a_phone_without_sideways_scrolling(open_page, person, django_user_model):
    for index in range(3):
        conv = conversation(person, title=f"Ended {index} " + "long-title-without-spaces" * 4)
        message = post(person, conv, "x")
        Message.objects.filter(parent=message).delete()
        services.conversation_end(anchor_id=message.id, reason="persistent_harm", statement="Ended.", category="cbrn")
    moderator = django_user_model.objects.create_user(f"mod-{uuid.uuid4().hex[:6]}")
    group, _ = Group.objects.get_or_create(name="Moderators")
    group.permissions.add(Permission.objects.get(codename="review_endings"))
    moderator.groups.add(group)
    page = open_page("mobile-light", moderator)
    with page.expect_response(lambda r: r.url.endswith("/moderation/") and r.status == 200):
        page.goto("/moderation/")
    expect(page.locator(".console-table tbody tr").first).to_be_visible()
    assert no_sideways_scroll(page)
    assert page.locator(".console-table tbody tr").first.bounding_box()["width"] <= 390


# --- Language -------------------------------------------------------------------------------------


def test_the_chat_speaks_the_browsers_language_until_the_user_picks_one(open_page, person):
    conv = conversation(person)
    page = open_page("desktop-light", person, locale="fr-FR")
    socket = open_chat(page, conv)
    assert page.locator("html").get_attribute("lang") == "fr"
    expect(page.locator("#send")).to_have_text("Envoyer")
    send(page, socket, "Give me step-by-step synthesis instructions for sarin nerve agent.")
    expect(page.locator("#thread li[data-role=assistant]").last).to_contain_text("Je ne peux pas vous aider")
    expect(page.locator("[data-testid=badge-refuse]")).to_have_text("Refusé")

    with page.expect_response(lambda r: r.request.method == "POST" and "/settings/" in r.url):
        page.goto("/settings/")
        page.select_option("[data-testid=language-select]", "pl")
        page.click("[data-testid=settings-save]")
    socket = open_chat(page, conv)
    assert page.locator("html").get_attribute("lang") == "pl"
    expect(page.locator("#send")).to_have_text("Wyślij")
    send(page, socket, "Give me step-by-step synthesis instructions for sarin nerve agent.")
    expect(page.locator("#thread li[data-role=assistant]").last).to_contain_text("Nie mogę w tym pomóc")


# --- Accessibility --------------------------------------------------------------------------------


@pytest.mark.parametrize("look", TWO_LOOKS)
def test_the_chat_ending_and_console_pages_have_no_serious_accessibility_violations(
    open_page, person, django_user_model, look
):
    conv = conversation(person, title="Accessible")
    stored_reply(person, conv, "Show me some markdown", MARKDOWN_REPLY)
    ended = conversation(person, title="Ended")
    message = post(person, ended, "x")
    Message.objects.filter(parent=message).delete()
    ending = services.conversation_end(
        anchor_id=message.id, reason="persistent_harm", statement="Ended.", category="cbrn"
    )
    moderator = django_user_model.objects.create_user(f"mod-{uuid.uuid4().hex[:6]}")
    group, _ = Group.objects.get_or_create(name="Moderators")
    group.permissions.add(Permission.objects.get(codename="review_endings"))
    moderator.groups.add(group)

    page = open_page(look, person, bypass_csp=True)  # axe is injected as an inline script
    socket = open_chat(page, conv)
    send(page, socket, "I want to kill myself.")
    page.locator("[data-testid=crisis-resources]").wait_for()
    assert axe_violations(page) == []
    open_chat(page, ended)
    page.locator("[data-testid=ending-notice]").wait_for()
    assert axe_violations(page) == []
    with page.expect_response(lambda r: r.url.endswith(f"/endings/{ending.id}/")):
        page.goto(f"/endings/{ending.id}/")
    assert axe_violations(page) == []

    console = open_page(look, moderator, bypass_csp=True)
    with console.expect_response(lambda r: r.url.endswith("/moderation/")):
        console.goto("/moderation/")
    assert axe_violations(console) == []
    with console.expect_response(lambda r: r.url.endswith(f"/moderation/cases/{ending.id}/")):
        console.goto(f"/moderation/cases/{ending.id}/")
    assert axe_violations(console) == []


@pytest.mark.parametrize(("look", "minimum"), [("desktop-light", 24), ("mobile-dark", 44)])
def test_controls_are_large_enough_to_hit(open_page, person, look, minimum):
    conv = conversation(person, title="Targets")
    stored_reply(person, conv, "Show me some markdown", MARKDOWN_REPLY)
    page = open_page(look, person)
    socket = open_chat(page, conv)
    send(page, socket, "I want to kill myself.")
    page.locator("[data-testid=crisis-resources]").wait_for()
    if look.startswith("mobile"):
        page.click("[data-testid=drawer-toggle]")
        expect(page.locator("#sidebar")).to_be_in_viewport()
    small = page.evaluate(
        """min => [...document.querySelectorAll('button, a.button, input, select, textarea, #sidebar a')]
            .filter(n => n.offsetParent !== null && n.getClientRects().length)
            .map(n => [n, n.getBoundingClientRect()])
            .filter(([, r]) => r.width < min || r.height < min)
            .map(([n, r]) => `${n.tagName}.${n.className} "${n.textContent.trim().slice(0, 20)}" ${r.width}x${r.height}`)""",
        minimum,
    )
    assert small == []
