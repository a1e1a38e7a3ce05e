"""Malicious content against users' and moderators' browsers: a corpus of classic XSS payloads
stored as messages, a conversation title and a report, rendered in the chat page, the user's
ending page and the console's case page (revealed), in Chromium. No payload may run (no dialog,
no `window.__xss`, no CSP violation), none may become markup, and each must read back as text.
Every HTML page carries a Content-Security-Policy without inline script."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from playwright.sync_api import expect

from conversations import services
from conversations.models import Message
from tests.factories import conversation, post

RUN = "window.__xss=1;alert(1)"
PAYLOADS = [
    f"<script>{RUN}</script>",
    f'<img src=x onerror="{RUN}">',
    f"<svg onload={RUN}>",
    f"<svg><script>{RUN}</script></svg>",
    f'"><script>{RUN}</script>',
    f"'><img src=x onerror={RUN}>",
    f"</script><script>{RUN}</script>",
    f'<iframe srcdoc="<script>parent.{RUN}</script>"></iframe>',
    f'<a href="javascript:{RUN}">click me</a>',
    f"<details open ontoggle={RUN}>x</details>",
    f"<body onload={RUN}>",
    f"<input autofocus onfocus={RUN}>",
    f"<video><source onerror={RUN}></video>",
    f'<object data="javascript:{RUN}"></object>',
    '<base href="https://evil.example/">',
    f'<meta http-equiv="refresh" content="0;url=javascript:{RUN}">',
    f"<math><mtext><table><mglyph><style><img src=x onerror={RUN}>",
    f'<!--<img src="--><img src=x onerror={RUN}>',
    "{{ 7|add:7 }} {% now 'Y' %} ${7*7} #{7*7}",
    f"[click](javascript:{RUN}) ![x](x onerror={RUN})",
    f"\u2028\u2029</script><script>{RUN}</script>",
    f'<style>*{{background:url("javascript:{RUN}")}}</style>',
]
# Markdown-borne payloads, as a model might write them in a reply (rendered by markdown-it, then
# DOMPurify): links and images to dangerous schemes in every spelling, raw HTML in every block
# and inline context, fence info strings, reference links, autolinks, tables, images from outside.
MARKDOWN_PAYLOADS = [
    f"[click](javascript:{RUN})",
    f"[click](JaVaScRiPt:{RUN})",
    f"[click](%20javascript:{RUN})",
    f"[click](&#106;avascript:{RUN})",
    "[x](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox(1)) [y](file:///etc/passwd)",
    f"![x](javascript:{RUN})",
    "![tracker](https://evil.example/pixel.png) ![inline](data:image/png;base64,iVBORw0KGgo=)",
    f'![x](x" onerror="{RUN})',
    f"<img src=x onerror={RUN}>",
    f"**<svg onload={RUN}>**",
    f"> <iframe src=javascript:{RUN}></iframe>",
    f"```html\n<script>{RUN}</script>\n```",
    f'```js" onmouseover="{RUN}\ncode\n```',
    f"`<img src=x onerror={RUN}>`",
    f"| a |\n|---|\n| <script>{RUN}</script> |",
    f"[x][ref]\n\n[ref]: javascript:{RUN}",
    f"<javascript:{RUN}>",
    f'https://example.org/"><script>{RUN}</script>',
    f'<a href="javascript:{RUN}">x</a> <details open ontoggle={RUN}>',
    f"- [ ] <input autofocus onfocus={RUN}>\n- *<style>*{{background:url(javascript:{RUN})}}</style>*",
]
INJECTED = "img, svg, script:not([src]), iframe, object, video, input[autofocus], details[ontoggle], math, style, base, meta[http-equiv], a[href^=javascript]"
WATCH = (
    "window.__violations = [];"
    "document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective));"
)


# --- CSP on every HTML page -------------------------------------------------------------------------


def _filled_urls(values: dict[str, str]) -> list[str]:
    urls: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = str(pattern.pattern)
            if not hasattr(pattern.pattern, "converters"):
                continue  # regex routes (Django admin's catch-alls)
            route = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values.get(m.group(1), "x"), route)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + route)
            elif isinstance(pattern, URLPattern):
                urls.append("/" + prefix + route)

    walk(get_resolver().url_patterns, "")
    return sorted(set(urls))


@pytest.mark.django_db
def test_every_html_page_carries_a_content_security_policy_without_inline_script(admin_user, user):
    conv = conversation(user)
    message = post(user, conv, "hello")
    ending = services.conversation_end(anchor_id=message.id, reason="user_request", statement="Ended.")
    values = {"conversation_id": str(conv.id), "ending_id": str(ending.id), "number": "1", "object_id": "1"}
    seen_html = 0
    for who in (None, user, admin_user):
        client = Client()
        if who is not None:
            client.force_login(who)
        for url in [*_filled_urls(values), "/no/such/page/", f"/chat/{uuid.uuid4()}/"]:
            response = client.get(url)
            if not response.get("Content-Type", "").startswith("text/html"):
                continue
            seen_html += 1
            policy = response.get("Content-Security-Policy", "")
            assert policy, f"no CSP on {url} ({response.status_code})"
            directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
            assert directives["script-src"] == "'self'", url
            assert "unsafe-inline" not in policy and "unsafe-eval" not in policy and "*" not in policy
            assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
            assert directives["base-uri"] == "'self'"
    assert seen_html > 20


@pytest.mark.django_db
def test_the_csrf_failure_page_carries_the_policy_too(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/chat/new/")
    assert response.status_code == 403
    assert "script-src 'self'" in response["Content-Security-Policy"]


# --- the corpus in Chromium -------------------------------------------------------------------------


def _story(user) -> dict:
    """A conversation whose messages are the payloads (one branch), titled by the first one, ended,
    with a report whose text is a payload too, and one payload hidden from moderators (severity 4)."""
    conv = conversation(user)
    parent = None
    for payload in PAYLOADS:
        message = post(user, conv, payload, parent=parent)
        parent = Message.objects.get(parent=message)
    hidden = post(user, conv, f"[sev:4:cbrn] {PAYLOADS[1]}", parent=parent)
    reply = Message.objects.filter(parent=hidden).first()
    ending = services.conversation_end(
        anchor_id=(reply or hidden).id, reason="persistent_harm", statement="Ended for the XSS test."
    )
    from moderation.services import reviews

    reviews.feedback_create(user=user, ending_id=ending.id, kind="unexpected", text=PAYLOADS[2])
    return {"conversation": conv, "ending": ending, "hidden": hidden}


def _moderator(django_user_model):
    moderator = django_user_model.objects.create_user("xss-moderator")
    group, _ = Group.objects.get_or_create(name="Moderators")
    group.permissions.add(Permission.objects.get(codename="review_endings"))
    moderator.groups.add(group)
    return moderator


def _log_in(page, live_site, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_site}])


def _assert_inert(page, scope: str, expected_texts: list[str], dialogs: list[str]) -> None:
    # The one deliberate pause of the browser suites: it waits for the ABSENCE of an effect (a
    # handler that would fire if a payload had become markup), which no server event announces.
    # It cannot make the test fail on a slow machine, only let a late effect through.
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)
    assert dialogs == []
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.evaluate("window.__violations") == []
    assert page.locator(scope).locator(INJECTED).count() == 0
    assert page.locator("head base").count() == 0
    text = page.inner_text(scope)
    for expected in expected_texts:
        assert " ".join(expected.split()) in " ".join(text.split()), expected
    assert page.js_errors == []


def _open_watched(page, live_site, user, url: str, wait_for: str | None = None) -> list[str]:
    """Open `url` in Chromium as `user`, watched: every dialog is recorded (and dismissed) in the
    returned list, every CSP violation in `window.__violations`; then wait for `wait_for`."""
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.add_init_script(WATCH)
    _log_in(page, live_site, user)
    page.goto(url)
    if wait_for is not None:
        page.wait_for_selector(wait_for)
    return dialogs


@pytest.mark.browser
def test_no_payload_runs_or_becomes_markup_in_the_chat_page(page, live_site, user):
    story = _story(user)
    dialogs = _open_watched(page, live_site, user, f"/chat/{story['conversation'].id}/", "[data-testid=ending-notice]")
    _assert_inert(page, "#thread", PAYLOADS, dialogs)
    # The title (the first payload) in the sidebar and the document title stays text too.
    _assert_inert(page, ".sidebar", [PAYLOADS[0]], dialogs)
    assert PAYLOADS[0][:20] in page.title()


@pytest.mark.browser
def test_no_payload_runs_in_the_users_ending_page(page, live_site, user):
    story = _story(user)
    dialogs = _open_watched(page, live_site, user, f"/endings/{story['ending'].id}/")
    _assert_inert(page, "body", [PAYLOADS[2]], dialogs)


@pytest.mark.browser
def test_no_payload_runs_in_the_console_case_page_even_revealed(page, live_site, user, django_user_model):
    story = _story(user)
    moderator = _moderator(django_user_model)
    dialogs = _open_watched(
        page, live_site, moderator, f"/moderation/cases/{story['ending'].id}/", "[data-testid=tree]"
    )
    row = page.locator(f"[data-message-id='{story['hidden'].id}']")
    assert row.locator("[data-testid=hidden]").count() == 1  # severity 4: hidden until revealed
    with page.expect_response(lambda r: r.request.method == "POST" and "reveal" in r.url) as revealed:
        row.locator("[data-testid=reveal]").click()
    assert revealed.value.status < 400
    page.wait_for_selector(f"[data-message-id='{story['hidden'].id}'] [data-testid=text]")
    _assert_inert(page, "main", [*PAYLOADS, PAYLOADS[2]], dialogs)


def _markdown_story(user) -> object:
    """One assistant reply per markdown payload, on one branch."""
    conv = conversation(user, title="markdown payloads")
    parent = None
    for payload in MARKDOWN_PAYLOADS:
        message = post(user, conv, "say it", parent=parent)
        Message.objects.filter(parent=message).delete()  # the offline reply, replaced by the payload
        parent = services.assistant_reply_store(
            conversation_id=conv.id, user_message_id=message.id, content=payload, action="answer"
        )
    return conv


@pytest.mark.browser
def test_no_markdown_payload_in_a_reply_runs_links_anywhere_unsafe_or_loads_an_image(page, live_site, user):
    conv = _markdown_story(user)
    dialogs = _open_watched(page, live_site, user, f"/chat/{conv.id}/", "#thread li[data-role=assistant]")
    page.locator("#thread li[data-role=assistant]").nth(len(MARKDOWN_PAYLOADS) - 1).wait_for()
    # Links that survive point only at http(s) or mailto; nothing else became markup.
    hrefs = page.eval_on_selector_all("#thread a[href]", "links => links.map(a => a.getAttribute('href'))")
    assert all(re.match(r"^(https?:|mailto:)", href) for href in hrefs), hrefs
    assert page.locator("#thread [onerror], #thread [onload], #thread [onmouseover], #thread [ontoggle]").count() == 0
    assert page.evaluate("performance.getEntriesByType('resource').filter(e => e.initiatorType === 'img').length") == 0
    _assert_inert(page, "#thread", ["<script>", "<img src=x onerror="], dialogs)


@pytest.mark.browser
def test_no_markdown_payload_runs_while_it_streams_in_pieces(page, live_site, user):
    """Each payload is streamed as three deltas into the page's socket (the test serves it), so
    every half-parsed link, fence and tag is rendered on the way (each reply follows the previous
    one, so the whole chain is on the visible branch)."""
    conv = conversation(user)
    route = {}

    def serve(ws):
        route["ws"] = ws

        def on_message(data):
            if json.loads(data)["type"] == "sync":
                ws.send(
                    json.dumps(
                        {
                            "type": "conversation.state",
                            "conversation_id": str(conv.id),
                            "title": "",
                            "messages": [],
                            "endings": [],
                            "active_leaf_id": None,
                        }
                    )
                )
                for index, payload in enumerate(MARKDOWN_PAYLOADS):
                    third = max(1, len(payload) // 3)
                    for piece in (payload[:third], payload[third : 2 * third], payload[2 * third :]):
                        ws.send(
                            json.dumps(
                                {
                                    "type": "assistant.delta",
                                    "conversation_id": str(conv.id),
                                    "message_id": f"00000000-0000-4000-8000-{index:012d}",
                                    "parent_id": f"00000000-0000-4000-8000-{index - 1:012d}" if index else None,
                                    "delta": piece + " ",
                                }
                            )
                        )

        ws.on_message(on_message)

    page.route_web_socket(re.compile(r"/ws/conversations/"), serve)
    dialogs = _open_watched(page, live_site, user, f"/chat/{conv.id}/")
    last = f"00000000-0000-4000-8000-{len(MARKDOWN_PAYLOADS) - 1:012d}"
    page.locator(f"#thread li[data-id='{last}']").wait_for()
    expect(page.locator(f"#thread li[data-id='{last}']")).to_contain_text("background:url")
    hrefs = page.eval_on_selector_all("#thread a[href]", "links => links.map(a => a.getAttribute('href'))")
    assert all(re.match(r"^(https?:|mailto:)", href) for href in hrefs), hrefs
    _assert_inert(page, "#thread", [], dialogs)
