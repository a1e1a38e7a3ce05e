"""Pages that read at a glance, in Chromium: the metrics (issue 12, item 7: the period the
selector says, labels in words, date labels inside the chart, time to review p50/p90) and the
403, 404 and 500 pages with a way back, and the favicon (item 8)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from playwright.sync_api import expect

from conversations.models import Ending
from moderation.services import reviews
from tests.browser.test_console_support import (
    bad_responses,
    ended,
    ensure_policy_v1,
    loading,
    moderator,
    policy_admin,
    shot,
    sign_in,
)
from tests.moderation.test_console_support import make_user

pytestmark = pytest.mark.browser

# The right edge of every date label of every chart, and the chart's own width (SVG units).
LABEL_EDGES = """() => [...document.querySelectorAll("svg.chart-svg")].map((svg) => ({
  width: svg.viewBox.baseVal.width,
  left: Math.min(...[...svg.querySelectorAll("text.xlabel")].map((t) => t.getBBox().x)),
  right: Math.max(...[...svg.querySelectorAll("text.xlabel")].map((t) => t.getBBox().x + t.getBBox().width)),
  last: [...svg.querySelectorAll("text.xlabel")].pop().textContent,
}))"""


def test_a_policy_admin_reads_the_metrics_at_a_glance(page, live_site):
    ensure_policy_v1()
    owner = make_user("br-owner-metrics")
    admin = policy_admin("br-admin-metrics")
    harmful = [ended(owner) for _ in range(3)]
    asked = ended(owner, reason="user_request")
    Ending.objects.filter(pk=asked.pk).update(category="")
    for minutes, ending in zip((10, 30), harmful, strict=False):
        verdict = reviews.review_create(ending_id=ending.id, moderator=admin, verdict="upheld", reason="repeated_harm")
        Ending.objects.filter(pk=ending.pk).update(created_at=verdict.created_at - timedelta(minutes=minutes))
    sign_in(page, live_site, admin)
    errors = bad_responses(page)

    with loading(page, r"/moderation/metrics/$", status=200):
        page.goto("/moderation/metrics/")
    expect(page.locator("#id_days")).to_have_value("30")
    expect(page.locator("[data-testid=period]")).to_contain_text("30 days:")
    legends = page.locator(".legend").all_inner_texts()
    text = " ".join(legends)
    assert "No harm category (1)" in text and "CBRN weapons (3)" in text
    assert "The user's request (1)" in text and "Persistent harmful requests (3)" in text
    assert "None" not in text and "_" not in text
    for chart in page.evaluate(LABEL_EDGES):
        assert chart["left"] >= 0 and chart["right"] <= chart["width"], chart
        assert not chart["last"].endswith(" 0"), chart
    review = page.locator("[data-testid=review-wait]")
    expect(review.locator(".wait-p50")).to_have_text("20 min")
    expect(review.locator(".wait-p90")).to_have_text("28 min")
    shot(page, "metrics", full_page=True)

    with loading(page, r"days=7", status=200):
        page.select_option("#id_days", "7")
        page.click("button:has-text('Show')")
    expect(page.locator("#id_days")).to_have_value("7")
    expect(page.locator("[data-testid=period]")).to_contain_text("7 days:")
    for chart in page.evaluate(LABEL_EDGES):
        assert chart["right"] <= chart["width"], chart
    assert errors == []
    assert page.js_errors == []


def test_error_pages_are_styled_and_lead_back_and_every_page_has_a_favicon(page, live_site):
    ensure_policy_v1()
    user = make_user("br-chatter-errors")
    mod = moderator("br-mod-errors")
    errors = bad_responses(page)

    sign_in(page, live_site, user)
    with loading(page, r"/moderation/$", status=403):
        page.goto("/moderation/")
    card = page.locator("[data-testid=error-403]")
    expect(card).to_contain_text("You cannot open this page")
    assert card.evaluate("node => getComputedStyle(node).borderTopLeftRadius") != "0px"  # the card is styled
    shot(page, "403")
    with loading(page, r"/chat/$", status=200):
        page.click("[data-testid=way-back]")

    sign_in(page, live_site, mod)
    with loading(page, r"/moderation/cases/", status=404):
        page.goto("/moderation/cases/00000000-0000-0000-0000-000000000000/")
    expect(page.locator("[data-testid=error-404]")).to_contain_text("There is nothing here")
    with loading(page, r"/moderation/$", status=200):
        page.click("text=Back to the console")

    # The 500 page is rendered by Django without a request; shown here as the server would send it.
    page.set_content(render_to_string("500.html"))
    page.wait_for_load_state("load")
    expect(page.locator("[data-testid=error-500]")).to_contain_text("Something went wrong on our side")
    with loading(page, r"/chat/$", status=200):
        page.click("[data-testid=way-back]")

    icon = page.locator("link[rel=icon]").get_attribute("href")
    answer = page.request.get(icon)
    assert answer.status == 200 and answer.headers["content-type"].startswith("image/svg+xml")
    # Expected answers only: the 403 and the 404 themselves, never a missing favicon or stylesheet.
    assert [line for line in errors if "/moderation/" not in line] == [], errors
    assert len(errors) == 2, errors
    assert page.js_errors == []
