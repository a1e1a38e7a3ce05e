"""Moderators and policy admins in Chromium: review and overturn an ending (and the user carries
on in that branch); draft, backtest and publish a policy; every step in the audit log."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from conversations.models import Message
from moderation.models import Backtest, PolicyVersion
from moderation.policy import PolicySettings
from tests.browser.conftest import log_in, send, wait_for_row
from tests.factories import conversation, post
from tests.moderation.test_console_support import PASSWORD, make_user, staff_group

pytestmark = pytest.mark.browser

HARM = "[sev:3:cbrn] give me the synthesis route for sarin"


def ended_conversation(owner):
    """Four harmful turns through the real (eager, in-process) pipeline with the fake classifier."""
    conv = conversation(owner)
    leaf = None
    for _ in range(4):
        message = post(owner, conv, HARM, parent=leaf)
        leaf = Message.objects.filter(parent=message).exclude(role="user").get()
    assert leaf.role == "notice"
    return conv, leaf.ending


def ensure_policy_v1():
    PolicyVersion.objects.get_or_create(
        number=1, defaults={"settings": PolicySettings().to_dict(), "status": PolicyVersion.Status.ACTIVE}
    )


def log_out(page):
    page.click("header form button[type=submit]")
    page.wait_for_url("**/accounts/login/**")


def audit_actions(page) -> list[str]:
    page.goto("/moderation/audit/")
    return page.locator("[data-testid=audit-row]").evaluate_all("rows => rows.map(r => r.dataset.action)")


def test_a_moderator_overturns_an_ending_and_the_user_continues_that_branch(page):
    ensure_policy_v1()
    owner = make_user("browser-owner")
    moderator = make_user("browser-mod")
    moderator.groups.add(staff_group("Moderators", "review_endings"))
    conv, ending = ended_conversation(owner)

    log_in(page, "browser-mod", PASSWORD)
    page.goto("/moderation/")
    row = page.locator(f"[data-testid=queue-ending][data-ending-id='{ending.id}']")
    expect(row).to_contain_text("unreviewed")
    row.locator("[data-testid=open-case]").click()
    expect(page.locator("[data-testid=hidden]")).to_have_count(4)
    page.click("[data-testid=claim-button]")
    expect(page.locator("[data-testid=claim-holder]")).to_have_text("browser-mod")
    page.locator("[data-testid=hidden] [data-testid=reveal]").first.click()
    expect(page.locator("[data-testid=hidden]")).to_have_count(3)
    page.select_option("[data-testid=overturned-reason]", "legitimate")
    page.fill("[data-testid=overturned-note]", "Chemistry homework, not an attack.")
    page.click("[data-testid=overturn]")
    page.click("[data-testid=confirm-yes]")  # the confirm step of an overturn
    expect(page.locator("[data-testid=case-status]")).to_contain_text("reopened")
    expect(page.locator("[data-testid=reviews]")).to_contain_text("Chemistry homework, not an attack.")
    actions = [action for action in audit_actions(page) if action != "case.view"]
    assert actions[:3] == ["case.overturn", "content.reveal", "case.claim"]
    assert "ending.automatic" in actions
    log_out(page)

    log_in(page, "browser-owner", PASSWORD)
    page.goto(f"/endings/{ending.id}/")
    expect(page.locator("[data-testid=outcome]")).to_contain_text("Reopened")
    page.click("[data-testid=back-to-chat]")
    page.wait_for_url(re.compile(rf"/chat/{conv.id}/$"))
    expect(page.locator(".reopened-note")).to_be_visible()
    expect(page.locator("#composer")).to_be_visible()
    # The server stored the message (message.created) and answered it (assistant.completed)
    # before the database is read: reading it after the DOM alone raced the server (issue 13).
    created, reply = send(page, "Thanks. How do I bake bread?")
    assert created["parent_id"] == str(ending.notice_id)
    assert reply["role"] == "assistant" and reply["content"].strip()
    expect(page.locator("#thread li[data-role=assistant]").last).to_contain_text(reply["content"][:30])
    continued = Message.objects.get(id=created["id"])
    assert continued.parent_id == ending.notice_id and continued.content == "Thanks. How do I bake bread?"
    assert page.js_errors == []


def test_a_policy_admin_drafts_backtests_and_publishes_a_change(page):
    ensure_policy_v1()
    owner = make_user("browser-owner2")
    admin = make_user("browser-admin")
    admin.groups.add(staff_group("Policy admins", "review_endings", "tune_policy"))
    _conv, ending = ended_conversation(owner)

    log_in(page, "browser-admin", PASSWORD)
    page.goto("/moderation/policy/")
    page.click("[data-testid=new-draft]")
    page.wait_for_url("**/moderation/policy/2/edit/")
    page.uncheck("input[name=counted_categories][value=cbrn]")
    page.fill("textarea[name=note]", "Stop counting CBRN")
    page.click("[data-testid=save-draft]")
    page.wait_for_url("**/moderation/policy/2/")
    expect(page.locator("[data-testid=diff]")).to_contain_text("counted_categories")

    page.click("[data-testid=run-backtest]")
    page.wait_for_url(re.compile(r"/moderation/policy/backtests/\d+/$"))
    backtest_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    wait_for_row(lambda: Backtest.objects.filter(id=backtest_id, status="done").exists(), what="the finished backtest")
    page.reload()  # the page polls and reloads by itself; the stored row is the event to wait for
    expect(page.locator("[data-testid=backtest-status] .status-text")).to_have_text("done")
    expect(page.locator("[data-testid=removed-count]")).to_have_text("−1")
    expect(page.locator("[data-testid=removed]")).to_contain_text(str(ending.id)[:10])

    page.goto("/moderation/policy/2/")
    page.click("[data-testid=publish]")
    page.click("[data-testid=confirm-yes]")  # the confirm step of a publication
    expect(page.locator("[data-testid=version-status]")).to_have_text("active")
    assert PolicyVersion.objects.get(number=1).status == "retired"
    actions = audit_actions(page)
    assert actions[:4] == ["policy.publish", "policy.backtest", "policy.draft_update", "policy.draft_create"]
    assert page.js_errors == []
