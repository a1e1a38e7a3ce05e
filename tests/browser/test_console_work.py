"""A moderator's and a policy admin's daily work in Chromium: the audit log after an export
(issue 12, item 1), bulk actions, keyboard navigation and the open-work queue (item 3), filters
that fail loudly (item 4), and every case view in the audit log, filtered by moderator (item 6)."""

from __future__ import annotations

import csv
import re

import pytest
from playwright.sync_api import expect

from conversations.models import Ending
from moderation.models import Backtest, CaseClaim, Flag, Review
from moderation.services import reviews
from tests.browser.test_console_support import (
    bad_responses,
    ended,
    ensure_policy_v1,
    loading,
    moderator,
    policy_admin,
    posting,
    shot,
    sign_in,
)
from tests.moderation.test_console_support import make_user

pytestmark = pytest.mark.browser


# --- Item 1: an audit log that renders every row -------------------------------------------------


def test_after_an_export_the_audit_log_opens_on_every_page_and_filter(page, live_site):
    ensure_policy_v1()
    owner = make_user("br-owner-audit")
    mod = moderator("br-mod-audit")
    endings = [ended(owner) for _ in range(3)]
    for _ in range(20):  # more than one page of the log (50 rows a page)
        for ending in endings:
            reviews.case_view_record(ending_id=ending.id, moderator=mod)
    sign_in(page, live_site, mod)
    errors = bad_responses(page)

    with loading(page, r"/moderation/$", status=200):
        page.goto("/moderation/")
    with page.expect_download() as download:
        page.click("[data-testid=export]")
    with open(download.value.path(), encoding="utf-8", newline="") as exported_file:
        exported = list(csv.reader(exported_file))
    assert exported[0][0] == "ending_id" and len(exported) == 4

    with loading(page, r"/moderation/audit/$", status=200):
        page.goto("/moderation/audit/")
    first = page.locator("[data-testid=audit-row]").first
    expect(first).to_have_attribute("data-action", "cases.export")
    expect(first.locator("td").nth(3)).to_have_text("—")  # no target: shown plainly
    shot(page, "audit")
    number = 1
    while page.locator("a[rel=next]").count():
        number += 1
        with loading(page, rf"page={number}", status=200):
            page.click("a[rel=next]")
    assert number >= 2

    with loading(page, r"/moderation/audit/\?", status=200):
        page.goto("/moderation/audit/")
        page.fill("#id_actor", mod.username)
        page.fill("#id_action", "cases.export")
        page.click("[data-testid=apply-filters]")
    expect(page.locator("[data-testid=audit-row]")).to_have_count(1)
    options = page.locator("#audit-actions option").evaluate_all("options => options.map(o => o.value)")
    for action in [*options, "case.", "policy.", "ending."]:
        with loading(page, r"/moderation/audit/\?action=", status=200):
            page.goto(f"/moderation/audit/?action={action}")
    assert errors == []
    assert page.js_errors == []


# --- Item 3: bulk actions, keyboard, open work by default -----------------------------------------


def test_a_moderator_upholds_resolves_and_assigns_in_bulk(page, live_site):
    ensure_policy_v1()
    owner = make_user("br-owner-bulk")
    mod = moderator("br-mod-bulk")
    colleague = moderator("br-mod-colleague")
    handled = ended(owner)
    reviews.review_create(ending_id=handled.id, moderator=mod, verdict="upheld", reason="repeated_harm")
    first, second, third = (ended(owner) for _ in range(3))
    flags = [Flag.objects.create(kind=Flag.Kind.CRISIS, priority=3, user=owner) for _ in range(2)]
    sign_in(page, live_site, mod)

    with loading(page, r"/moderation/$"):
        page.goto("/moderation/")
    expect(page.locator(f"[data-ending-id='{handled.id}']")).to_have_count(0)  # open work only
    with loading(page, r"handled=on"):
        page.check("#id_handled")
        page.click("[data-testid=apply-filters]")
    expect(page.locator(f"[data-ending-id='{handled.id}']")).to_have_count(1)
    with loading(page, r"/moderation/$"):
        page.goto("/moderation/")

    for ending in (first, second):
        page.check(f"[data-ending-id='{ending.id}'] [data-kb-select]")
    expect(page.locator("[data-testid=selected-count]")).to_have_text("2")
    with posting(page, "/moderation/bulk/", status=200):
        page.click("[data-testid=bulk-uphold]")
    expect(page.locator("[data-testid=confirm-bulk-uphold] h1")).to_have_text("Uphold 2 endings?")
    page.select_option("[data-testid=bulk-reason]", "repeated_harm")
    page.fill("[data-testid=bulk-note]", "Four requests for a nerve agent.")
    shot(page, "bulk-confirm")
    with posting(page, "/moderation/bulk/"):
        page.click("[data-testid=confirm-submit]")
    expect(page.locator("[data-testid=flash]")).to_contain_text("Upheld 2.")
    assert set(Review.objects.filter(verdict="upheld", reason="repeated_harm").values_list("ending_id", flat=True)) == {
        handled.id,
        first.id,
        second.id,
    }

    for flag in flags:
        page.check(f"[data-flag-id='{flag.id}'] [data-kb-select]")
    with posting(page, "/moderation/bulk/", status=200):
        page.click("[data-testid=bulk-resolve]")
    with posting(page, "/moderation/bulk/"):
        page.click("[data-testid=confirm-submit]")
    expect(page.locator("[data-testid=flash]")).to_contain_text("Resolved 2.")
    assert set(Flag.objects.filter(kind="crisis").values_list("status", flat=True)) == {"resolved"}

    page.check(f"[data-ending-id='{third.id}'] [data-kb-select]")
    page.select_option("[data-testid=bulk-assignee]", colleague.username)
    with posting(page, "/moderation/bulk/", status=200):
        page.click("[data-testid=bulk-assign]")
    with posting(page, "/moderation/bulk/"):
        page.click("[data-testid=confirm-submit]")
    expect(page.locator("[data-testid=flash]")).to_contain_text(f"Assigned to {colleague.username}: 1.")
    expect(page.locator(f"[data-ending-id='{third.id}'] [data-testid=claimed-by]")).to_have_text(
        f"assigned to {colleague.username}"
    )
    assert CaseClaim.objects.get(ending=third).assigned_by == mod
    assert page.js_errors == []


def test_a_moderator_works_the_queue_and_a_case_from_the_keyboard(page, live_site):
    ensure_policy_v1()
    owner = make_user("br-owner-keys")
    mod = moderator("br-mod-keys")
    endings = [ended(owner) for _ in range(3)]  # newest first in the queue
    for flag in Flag.objects.all():  # the third ending raised a repeated-endings flag: not in the way
        reviews.flag_resolve(flag_id=flag.id, moderator=mod)
    queue_order = [e.id for e in sorted(endings, key=lambda e: e.created_at, reverse=True)]
    sign_in(page, live_site, mod)
    with loading(page, r"/moderation/$"):
        page.goto("/moderation/")

    page.keyboard.press("?")
    expect(page.locator("[data-testid=kb-help]")).to_be_visible()
    expect(page.locator("[data-testid=kb-help]")).to_contain_text("select the row for a bulk action")
    shot(page, "keyboard-help")
    page.keyboard.press("Escape")
    expect(page.locator("[data-testid=kb-help]")).to_be_hidden()

    rows = page.locator("[data-testid=queue-ending]")
    page.keyboard.press("j")
    expect(rows.nth(0)).to_have_class(re.compile("kb-current"))
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(re.compile("kb-current"))
    page.keyboard.press("x")
    expect(page.locator("[data-testid=selected-count]")).to_have_text("1")
    page.keyboard.press("k")
    expect(rows.nth(0)).to_have_class(re.compile("kb-current"))
    shot(page, "queue")
    with posting(page, f"/moderation/cases/{queue_order[0]}/claim/"):
        page.keyboard.press("c")  # claim without leaving the queue
    expect(rows.nth(0).locator("[data-testid=claimed-by]")).to_have_text(f"claimed by {mod.username}")

    page.keyboard.press("j")
    with loading(page, rf"/moderation/cases/{queue_order[0]}/$"):
        page.keyboard.press("o")
    expect(page.locator("[data-testid=next-case]")).to_be_visible()
    expect(page.locator("[data-testid=prev-case]")).to_be_hidden()  # the first case of the queue page
    with loading(page, rf"/moderation/cases/{queue_order[1]}/$"):
        page.keyboard.press("j")
    with loading(page, rf"/moderation/cases/{queue_order[0]}/$"):
        page.keyboard.press("k")

    page.keyboard.press("u")
    expect(page.locator("[data-testid=upheld-reason]")).to_be_focused()
    page.keyboard.press("ArrowDown")  # the first reason
    with posting(page, f"/moderation/cases/{queue_order[0]}/review/"):
        page.keyboard.press("Enter")
    expect(page.locator("[data-testid=case-status]")).to_have_text("upheld")

    page.keyboard.press("o")
    expect(page.locator("[data-testid=overturned-reason]")).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator("[data-testid=confirm-dialog]")).to_be_visible()
    expect(page.locator("[data-testid=confirm-yes]")).to_be_focused()
    with posting(page, f"/moderation/cases/{queue_order[0]}/review/"):
        page.keyboard.press("Enter")
    expect(page.locator("[data-testid=case-status]")).to_contain_text("reopened")
    assert Ending.objects.get(id=queue_order[0]).reopened_at is not None

    with loading(page, r"/moderation/$"):
        page.keyboard.press("q")
    assert page.js_errors == []


# --- Item 4: filters that fail loudly ------------------------------------------------------------


def test_invalid_filters_show_an_error_beside_the_field_and_apply_nothing(page, live_site):
    ensure_policy_v1()
    owner = make_user("br-owner-filters")
    admin = policy_admin("br-admin-filters")
    ended(owner)
    sign_in(page, live_site, admin)

    with loading(page, r"/moderation/\?", status=400):
        page.goto("/moderation/?reason=abuse&date_from=2026-13-45")
    field = page.locator(".filter[data-field=date_from]")
    expect(field.locator("[data-testid=error-date_from]")).to_have_text("Enter a valid date.")
    expect(page.locator("[data-testid=filter-errors]")).to_be_visible()
    expect(page.locator("[data-testid=queue-ending]")).to_have_count(0)
    expect(page.locator("[data-testid=queue-empty]")).to_have_text("Fix the filters above to see the queue.")
    expect(page.locator("[data-testid=export]")).to_have_count(0)
    expect(field.locator(".sent-value")).to_have_text("You sent “2026-13-45”.")
    shot(page, "filter-error")
    export = page.request.get("/moderation/export.csv?reason=abuse&date_from=2026-13-45")
    assert export.status == 400 and "Nothing was exported" in export.text()

    with loading(page, r"/moderation/audit/\?", status=400):
        page.goto("/moderation/audit/?actor=nobody-at-all")
    expect(page.locator("[data-testid=error-actor]")).to_have_text("Nobody has that username.")
    expect(page.locator("[data-testid=audit-row]")).to_have_count(0)

    with loading(page, r"/moderation/policy/1/$"):
        page.goto("/moderation/policy/1/")
    since = page.locator("#id_since")
    since.evaluate("input => { input.type = 'text'; }")  # what a crafted request can send
    since.fill("not-a-date")
    with posting(page, "/moderation/policy/1/backtest/", status=400):
        page.click("[data-testid=run-backtest]")
    expect(page.locator("[data-testid=error-since]")).to_have_text("Enter a valid date.")
    assert not Backtest.objects.exists()
    assert page.js_errors == []


# --- Item 6: every case view is audited; the log filters by moderator ----------------------------


def test_every_case_view_is_in_the_audit_log_and_the_log_filters_by_moderator(page, browser, live_site):
    from tests.browser.test_console_support import new_page

    ensure_policy_v1()
    owner = make_user("br-owner-views")
    mod = moderator("br-mod-views")
    admin = policy_admin("br-admin-views")
    ending = ended(owner)
    Flag.objects.create(kind=Flag.Kind.CRISIS, priority=3, user=owner, conversation=ending.conversation)

    sign_in(page, live_site, mod)
    with loading(page, rf"/moderation/cases/{ending.id}/$"):
        page.goto(f"/moderation/cases/{ending.id}/")  # low-severity or not: every view is recorded
    expect(page.locator("[data-testid=next-case]")).to_be_hidden()  # no queue page behind it
    with loading(page, r"/moderation/$"):
        page.goto("/moderation/")
    with loading(page, rf"/moderation/conversations/{ending.conversation_id}/"):
        page.click("[data-testid=queue-flag] a[data-kb-open]")

    auditor = new_page(browser, live_site)
    try:
        sign_in(auditor, live_site, admin)
        with loading(auditor, r"/moderation/audit/$"):
            auditor.goto("/moderation/audit/")
        with loading(auditor, r"/moderation/audit/\?actor="):
            auditor.fill("#id_actor", mod.username)
            auditor.click("[data-testid=apply-filters]")
        rows = auditor.locator("[data-testid=audit-row]")
        expect(rows).to_have_count(2)
        assert rows.evaluate_all("rows => rows.map(r => r.dataset.action)") == ["conversation.view", "case.view"]
        expect(rows.nth(1).locator("td").nth(1)).to_have_text(mod.username)
        expect(rows.nth(1).locator(f"a[href='/moderation/cases/{ending.id}/']")).to_be_visible()
        assert auditor.js_errors == []
    finally:
        auditor.context.close()
    assert page.js_errors == []
