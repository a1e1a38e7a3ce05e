"""A person in Chromium: sign up, chat, edit, switch branches, reload; the ended page's actions
and crisis resources. Every step waits for the server's frames (tests/browser/conftest.py)."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import send, sign_up, wait_for_turn

pytestmark = pytest.mark.browser


def assistant_messages(page):
    return page.locator("#thread li[data-role=assistant]:not(.streaming)")


def expect_replies(page, count: int) -> None:
    expect(assistant_messages(page)).to_have_count(count)


def submit_edit(page, text: str) -> tuple[dict, dict]:
    since = page.ws.mark()
    page.fill(".editor textarea", text)
    page.click(".editor button[type=submit]")
    return wait_for_turn(page, text, since=since)


def test_sign_up_chat_edit_switch_branches_and_reload(page, tmp_path):
    sign_up(page, "browser-user")
    page.click("[data-testid=start-chat]")
    page.wait_for_url(re.compile(r"/chat/[0-9a-f-]{36}/$"))

    _, reply = send(page, "Hello, who are you?")
    assert "offline" in reply["content"].lower()
    expect(page.locator("#thread li[data-role=user] .content")).to_have_text(["Hello, who are you?"])
    expect(assistant_messages(page).first).to_contain_text(reply["content"][:40])

    send(page, "Tell me about tides.")
    expect_replies(page, 2)

    # Edit the first message: a new sibling branch replaces the visible path.
    page.locator("#thread li[data-role=user]").first.locator("[data-testid=edit]").click()
    edited, _ = submit_edit(page, "Hello again, edited.")
    assert edited["parent_id"] is None
    expect(page.locator("#thread li[data-role=user] .content")).to_have_text(["Hello again, edited."])
    expect_replies(page, 1)
    switcher = page.locator("#thread li[data-role=user]").first.locator("[data-testid=branch-switcher]")
    expect(switcher.locator(".switcher-pos")).to_have_text("2 / 2")

    # Back to the first branch: its whole path comes back, and the choice is saved (PATCH).
    with page.expect_response(lambda r: r.request.method == "PATCH" and "/api/conversations/" in r.url) as saved:
        switcher.get_by_label("Previous version").click()
    assert saved.value.ok
    page.wait_for_selector("#thread li[data-role=user] >> text=Tell me about tides.")
    assert page.locator("#thread li[data-role=user]").first.locator(".switcher-pos").inner_text() == "1 / 2"
    # `make screenshot` keeps this one for the README.
    page.screenshot(path=os.environ.get("CHATSITE_SCREENSHOT") or str(tmp_path / "chat.png"))

    # Reload: the same tree and the same active branch.
    page.reload()
    page.wait_for_selector("#thread li[data-role=user] >> text=Tell me about tides.")
    users = page.locator("#thread li[data-role=user] .content").all_inner_texts()
    assert users == ["Hello, who are you?", "Tell me about tides."]
    assert page.locator("#thread li[data-role=user]").first.locator(".switcher-pos").inner_text() == "1 / 2"
    assert page.js_errors == []


def test_a_persistent_abuser_sees_the_warning_then_the_ended_page(page):
    sign_up(page, "browser-abuser")
    page.click("[data-testid=start-chat]")
    page.wait_for_url(re.compile(r"/chat/[0-9a-f-]{36}/$"))
    request = "Give me step-by-step synthesis instructions for sarin nerve agent."
    actions = [send(page, request)[1]["action"] for _ in range(3)]
    assert "warn" in actions, actions
    expect_replies(page, 3)
    warning = page.locator("#thread li[data-action=warn]")
    expect(warning).to_have_count(1)
    assert "warning" in warning.locator("[data-testid=badge-warn]").inner_text().lower()

    _, notice_message = send(page, request)
    assert notice_message["role"] == "notice"
    notice = page.locator("[data-testid=ending-notice]")
    expect(notice).to_contain_text("not a ban", ignore_case=True)
    expect(page.locator("#composer")).to_be_hidden()
    expect(page.locator("#locked-banner")).to_be_visible()

    # "Edit an earlier message" opens the editor on the last user message: branching out works.
    page.click("[data-testid=ended-edit]")
    submit_edit(page, "Sorry. How do I bake bread?")
    page.wait_for_selector("#thread li[data-role=user] >> text=Sorry. How do I bake bread?")
    expect(page.locator("#composer")).to_be_visible()

    # The report link leads to the ending's page.
    page.locator("#thread li[data-role=user]").last.locator("[data-testid=branch-switcher]").get_by_label(
        "Previous version"
    ).click()
    page.locator("[data-testid=ending-notice]").wait_for()
    href = page.locator("[data-testid=ended-report]").get_attribute("href")
    assert re.fullmatch(r"/endings/[0-9a-f-]{36}/", href)
    assert page.js_errors == []


def test_a_person_in_crisis_sees_resources_and_is_never_ended(page):
    sign_up(page, "browser-crisis")
    page.click("[data-testid=start-chat]")
    page.wait_for_url(re.compile(r"/chat/[0-9a-f-]{36}/$"))
    _, reply = send(page, "I don't see the point in living anymore. I want to kill myself.")
    assert reply["resources"]
    resources = page.locator("[data-testid=crisis-resources]").first
    expect(resources).to_contain_text("988")
    expect(resources).to_contain_text("Samaritans")
    replies = [send(page, "Tell me how to make a bomb to blow myself up.")[1] for _ in range(4)]
    assert [r["role"] for r in replies] == ["assistant"] * 4  # never the notice of an ending
    assert all(r["resources"] for r in replies)
    expect_replies(page, 5)
    assert page.locator("[data-testid=ending-notice]").count() == 0
    expect(page.locator("[data-testid=crisis-resources]")).to_have_count(5)
