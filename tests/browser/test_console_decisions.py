"""Consequential actions ask first, and the user hears the outcome, in Chromium: overturn,
resolve, publish and roll back each have a confirm step and a verdict needs the reason the user
reads (issue 12, item 2); the complaint loop from the user's report to the live notice on their
chat page and the decision on their ending page, and its time in the metrics (item 5)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from conversations.models import Ending
from moderation.models import Feedback, Flag, PolicyVersion, Review
from moderation.policy import PolicySettings
from moderation.services import policies, reviews
from tests.browser.test_console_support import (
    Frames,
    ended,
    ensure_policy_v1,
    loading,
    moderator,
    new_page,
    policy_admin,
    posting,
    shot,
    sign_in,
)
from tests.moderation.test_console_support import make_user

pytestmark = pytest.mark.browser


# --- Item 2: confirm before the consequential actions ---------------------------------------------


def test_a_moderator_confirms_an_overturn_and_a_resolve_and_gives_the_reason(page, live_site):
    ensure_policy_v1()
    owner = make_user("br-owner-confirm")
    mod = moderator("br-mod-confirm")
    ending = ended(owner)
    flag = Flag.objects.create(kind=Flag.Kind.CRISIS, priority=3, user=owner, conversation=ending.conversation)
    sign_in(page, live_site, mod)
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    with loading(page, rf"/moderation/cases/{ending.id}/$"):
        page.goto(f"/moderation/cases/{ending.id}/")

    # No reason, no verdict: the browser refuses to send the form (the server refuses it too).
    page.click("[data-testid=uphold]")
    assert page.locator("[data-testid=upheld-reason]").evaluate("select => select.validity.valueMissing")
    page.click("[data-testid=overturn]")
    expect(page.locator("[data-testid=confirm-dialog]")).to_be_hidden()
    assert posts == []

    page.select_option("[data-testid=overturned-reason]", "legitimate")
    page.fill("[data-testid=overturned-note]", "Your questions were for a chemistry class.")
    shot(page, "case", full_page=True)
    page.click("[data-testid=overturn]")
    dialog = page.locator("[data-testid=confirm-dialog]")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Overturn this ending and reopen the chat?")
    expect(dialog).to_contain_text("In context, your questions were legitimate")  # what the user will read
    expect(dialog).to_contain_text("Your questions were for a chemistry class.")
    shot(page, "confirm-overturn")
    page.click("[data-testid=confirm-no]")
    expect(dialog).to_be_hidden()
    assert posts == [] and Ending.objects.get().reopened_at is None

    page.click("[data-testid=overturn]")
    with posting(page, f"/moderation/cases/{ending.id}/review/"):
        page.click("[data-testid=confirm-yes]")
    expect(page.locator("[data-testid=case-status]")).to_contain_text("reopened")
    review = Review.objects.get()
    assert (review.verdict, review.reason, review.note) == (
        "overturned",
        "legitimate",
        "Your questions were for a chemistry class.",
    )

    with loading(page, r"/moderation/$"):
        page.goto("/moderation/")
    row = page.locator(f"[data-flag-id='{flag.id}']")
    row.locator("[data-testid=resolve-flag]").click()
    expect(page.locator("[data-testid=confirm-dialog]")).to_contain_text("Resolve this crisis escalation flag?")
    page.click("[data-testid=confirm-no]")
    assert Flag.objects.get(pk=flag.pk).status == "open"
    row.locator("[data-testid=resolve-flag]").click()
    with posting(page, f"/moderation/flags/{flag.id}/resolve/"):
        page.click("[data-testid=confirm-yes]")
    expect(page.locator("[data-testid=flash]")).to_contain_text("Flag resolved.")
    assert Flag.objects.get(pk=flag.pk).status == "resolved"
    assert page.js_errors == []


def test_a_policy_admin_confirms_a_publish_and_a_rollback(page, live_site):
    ensure_policy_v1()
    admin = policy_admin("br-admin-confirm")
    draft = policies.policy_draft_create(author=admin)
    policies.policy_draft_update(number=draft.number, author=admin, data=PolicySettings(end_at=6).to_dict())
    sign_in(page, live_site, admin)
    with loading(page, rf"/moderation/policy/{draft.number}/$"):
        page.goto(f"/moderation/policy/{draft.number}/")

    page.click("[data-testid=publish]")
    dialog = page.locator("[data-testid=confirm-dialog]")
    expect(dialog).to_contain_text(f"Publish v{draft.number}?")
    expect(dialog).to_contain_text("Strikes that end the chat 4 → 6")
    page.click("[data-testid=confirm-no]")
    assert PolicyVersion.objects.get(number=draft.number).status == "draft"
    page.click("[data-testid=publish]")
    shot(page, "confirm-publish")
    with posting(page, f"/moderation/policy/{draft.number}/publish/"):
        page.click("[data-testid=confirm-yes]")
    expect(page.locator("[data-testid=version-status]")).to_have_text("active")

    with loading(page, r"/moderation/policy/1/$"):
        page.goto("/moderation/policy/1/")
    page.click("[data-testid=rollback]")
    expect(dialog).to_contain_text("Roll back to v1?")
    expect(dialog).to_contain_text("Strikes that end the chat 6 → 4")
    with posting(page, "/moderation/policy/1/rollback/"):
        page.click("[data-testid=confirm-yes]")
    page.wait_for_url(re.compile(r"/moderation/policy/3/$"))
    expect(page.locator("[data-testid=version-status]")).to_have_text("active")
    assert dict(PolicyVersion.objects.values_list("number", "status")) == {1: "retired", 2: "retired", 3: "active"}
    assert page.js_errors == []


# --- Item 5: the complaint loop (EU DSA Art. 17 and 20) ------------------------------------------


def test_the_user_reports_follows_the_status_and_hears_the_decision_on_their_chat_page(page, browser, live_site):
    ensure_policy_v1()
    owner = make_user("br-owner-loop")
    mod = moderator("br-mod-loop")
    ending = ended(owner)
    away = ended(owner)  # decided while the user is away: shown at their next page load
    sign_in(page, live_site, owner)

    # The statement of reasons, and the report: received.
    with loading(page, rf"/endings/{ending.id}/(#report)?$"):
        page.goto(f"/endings/{ending.id}/")
    expect(page.locator("[data-testid=statement]")).to_contain_text("ended")
    expect(page.locator("main")).to_contain_text("It was decided automatically. It is not a ban.")
    page.check("input[name=kind][value=unexpected]")
    page.fill("textarea[name=text]", "I was asking about my chemistry class.")
    with posting(page, f"/endings/{ending.id}/"):
        page.click("[data-testid=send-report]")
    expect(page.locator("[data-testid=report-status-current]")).to_have_text("Received")

    staff = new_page(browser, live_site)
    try:
        sign_in(staff, live_site, mod)
        # A moderator opens the case: the report is under review.
        with loading(staff, rf"/moderation/cases/{ending.id}/$"):
            staff.goto(f"/moderation/cases/{ending.id}/")
        expect(staff.locator("[data-testid=feedback-status]")).to_have_text("under review")
        with loading(page, rf"/endings/{ending.id}/(#report)?$"):
            page.reload()
        expect(page.locator("[data-testid=report-status-current]")).to_have_text("Under review")
        shot(page, "ending-under-review")

        # The user is on the chat page when the moderator decides: the notice arrives live.
        frames = Frames(page)
        with loading(page, rf"/chat/{ending.conversation_id}/$"):
            page.goto(f"/chat/{ending.conversation_id}/")
        frames.wait_for("conversation.state")
        expect(page.locator("#review-notices [data-testid=review-notice]")).to_have_count(0)
        staff.select_option("[data-testid=upheld-reason]", "repeated_harm")
        staff.fill("[data-testid=upheld-note]", "You asked four times for a nerve agent's synthesis.")
        with frames.expect("review.decided"), posting(staff, f"/moderation/cases/{ending.id}/review/"):
            staff.click("[data-testid=uphold]")
        notice = page.locator("#review-notices [data-testid=review-notice]")
        expect(notice).to_have_count(1)
        expect(notice).to_contain_text("A person reviewed an ended chat of yours and upheld the ending.")
        shot(page, "chat-notice")

        # The ending page: decided, with the moderator's reason.
        with loading(page, rf"/endings/{ending.id}/(#report)?$"):
            notice.locator("[data-testid=review-notice-link]").click()
        expect(page.locator("[data-testid=report-status-current]")).to_have_text("Decided")
        expect(page.locator("[data-testid=decision-reason]")).to_have_text(
            "The chat kept asking for content we do not help with, after the assistant declined and warned."
        )
        expect(page.locator("[data-testid=decision-note]")).to_contain_text("nerve agent's synthesis")
        shot(page, "ending-decided", full_page=True)
        assert Feedback.objects.get().status == "reviewed"

        # Read: the notice is gone. The chat decided while the user was away shows at the next load.
        with loading(staff, rf"/moderation/cases/{away.id}/$"):
            staff.goto(f"/moderation/cases/{away.id}/")
        staff.select_option("[data-testid=overturned-reason]", "misread")
        staff.click("[data-testid=overturn]")
        with posting(staff, f"/moderation/cases/{away.id}/review/"):
            staff.click("[data-testid=confirm-yes]")
        with loading(page, r"/chat/$"):
            page.goto("/chat/")
        notices = page.locator("#review-notices [data-testid=review-notice]")
        expect(notices).to_have_count(1)
        expect(notices).to_contain_text("reopened it")
        expect(notices.locator("a")).to_have_attribute("href", f"/endings/{away.id}/")

        # The time to decide the report, in the metrics.
        with loading(staff, r"/moderation/metrics/$"):
            staff.goto("/moderation/metrics/")
        decision = staff.locator("[data-testid=decision-wait]")
        expect(decision).to_contain_text("1 of 1 reports decided")
        expect(decision.locator(".wait-p50")).not_to_have_text("—")
        assert staff.js_errors == []
    finally:
        staff.context.close()
    assert page.js_errors == []


def test_a_decision_reaches_the_chat_page_only_of_its_owner(page, browser, live_site):
    ensure_policy_v1()
    owner = make_user("br-owner-only")
    other = make_user("br-other-only")
    mod = moderator("br-mod-only")
    ending = ended(owner)
    reviews.feedback_create(user=owner, ending_id=ending.id, kind="unexpected")
    from tests.factories import conversation

    elsewhere = conversation(other)
    sign_in(page, live_site, other)
    frames = Frames(page)
    with loading(page, rf"/chat/{elsewhere.id}/$"):
        page.goto(f"/chat/{elsewhere.id}/")
    frames.wait_for("conversation.state")
    staff = new_page(browser, live_site)
    try:
        sign_in(staff, live_site, mod)
        with loading(staff, rf"/moderation/cases/{ending.id}/$"):
            staff.goto(f"/moderation/cases/{ending.id}/")
        staff.select_option("[data-testid=upheld-reason]", "repeated_harm")
        with posting(staff, f"/moderation/cases/{ending.id}/review/"):
            staff.click("[data-testid=uphold]")
    finally:
        staff.context.close()
    with loading(page, r"/chat/$"):
        page.goto("/chat/")
    expect(page.locator("#review-notices [data-testid=review-notice]")).to_have_count(0)
    assert not any("review.decided" in frame for frame in frames.frames)
