"""Metrics that read at a glance: the period selector says what the page shows, labels in words
(never a raw code or "None"), date labels inside the chart, time to review and time to decide a
report as p50 and p90."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from conversations.models import Ending
from moderation.models import Feedback
from moderation.selectors import percentile
from moderation.services import reviews
from moderation.views import charts
from tests.moderation.test_console_support import build_ending

pytestmark = pytest.mark.django_db

CHAR_PX = 6.2  # a generous average advance for 10 px system-ui digits and letters


def test_the_period_selector_shows_the_period_the_page_shows(client, moderator):
    client.force_login(moderator)
    page = client.get("/moderation/metrics/").content.decode()
    assert re.search(r'<option value="30" selected>the last 30 days</option>', page)
    assert 'data-testid="period">30 days:' in page
    page = client.get("/moderation/metrics/?days=7").content.decode()
    assert re.search(r'<option value="7" selected>the last 7 days</option>', page)
    assert 'data-testid="period">7 days:' in page


def test_the_period_ends_today_and_counts_its_days_inclusively(client, chat_user, moderator):
    old, recent = build_ending(chat_user), build_ending(chat_user)
    today = timezone.localdate()
    Ending.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=7))
    Ending.objects.filter(pk=recent.pk).update(created_at=timezone.now() - timedelta(days=6))
    client.force_login(moderator)
    m = client.get("/moderation/metrics/?days=7").context["m"]
    assert (m.start, m.end, len(m.days)) == (today - timedelta(days=6), today, 7)
    assert m.endings == 1


def test_user_requested_endings_read_as_no_harm_category_never_none(client, chat_user, moderator):
    build_ending(chat_user)
    user_request = build_ending(chat_user, reason="user_request")
    Ending.objects.filter(pk=user_request.pk).update(category="")
    client.force_login(moderator)
    page = client.get("/moderation/metrics/").content.decode()
    assert "No harm category (1)" in page and "CBRN weapons (1)" in page
    assert "The user&#x27;s request (1)" in page and "Persistent harmful requests (1)" in page
    assert "None (" not in page and "user_request" not in page and "persistent harm" not in page


@pytest.mark.parametrize("days", [7, 30, 90, 365])
def test_every_date_label_fits_inside_the_chart_and_none_overlap(days):
    start = date(2026, 11, 2)
    period = [start + timedelta(days=n) for n in range(days)]
    chart = charts.stacked_bars(period, {"abuse": {period[-1]: 1}}, {"abuse": "Abuse"})
    labels = chart.x_labels
    assert labels[0]["text"] == "Nov 2" and labels[-1]["text"] == charts.date_label(period[-1])
    spans = []
    for label in labels:
        half = len(label["text"]) * CHAR_PX / 2
        spans.append((label["x"] - half, label["x"] + half))
        assert label["x"] - half >= 0 and label["x"] + half <= chart.width, label
    for (_, right), (left, _) in itertools.pairwise(spans):
        assert right <= left, labels
    assert 2 <= len(labels) <= charts.LABEL_SLOTS + 2


def test_the_december_label_is_not_cut_to_dec_0():
    days = [date(2026, 11, 2) + timedelta(days=n) for n in range(30)]
    chart = charts.stacked_bars(days, {"abuse": {days[-1]: 1}}, {"abuse": "Abuse"})
    assert chart.x_labels[-1]["text"] == "Dec 1"
    assert chart.x_labels[-1]["x"] + len("Dec 1") * CHAR_PX / 2 <= chart.width


@pytest.mark.parametrize(
    "values, fraction, expected",
    [([], 0.5, None), ([5.0], 0.9, 5.0), ([1.0, 2.0, 3.0, 4.0], 0.5, 2.5), ([0.0, 10.0], 0.9, 9.0)],
)
def test_percentiles_interpolate_like_postgresql(values, fraction, expected):
    assert percentile(values, fraction) == expected


def test_time_to_review_and_time_to_decide_reports_are_p50_and_p90(client, chat_user, moderator):
    """Waits of 10, 20, 30 and 40 minutes from the ending to its first verdict; reports decided
    after 5 and 15 minutes. PERCENTILE_CONT: p50 25 min / p90 37 min; p50 10 min / p90 14 min."""
    endings = [build_ending(chat_user) for _ in range(5)]
    for number, ending in enumerate(endings[:4], start=1):
        # A note is not a verdict: it does not stop the clock.
        reviews.review_create(ending_id=ending.id, moderator=moderator, verdict="note", note="look later")
        verdict = reviews.review_create(
            ending_id=ending.id, moderator=moderator, verdict="upheld", reason="repeated_harm"
        )
        # Reviews are immutable, so the ending moves back: its first verdict came number * 10 minutes later.
        Ending.objects.filter(pk=ending.pk).update(created_at=verdict.created_at - timedelta(minutes=number * 10))
    for minutes, ending in zip((5, 15), endings[:2], strict=True):
        feedback = Feedback.objects.create(ending=ending, user=chat_user, kind="unexpected")
        Feedback.objects.filter(pk=feedback.pk).update(
            status="reviewed",
            created_at=timezone.now() - timedelta(minutes=minutes),
            decided_at=timezone.now(),
        )
    Feedback.objects.create(ending=endings[4], user=chat_user, kind="unexpected")  # still open
    client.force_login(moderator)
    response = client.get("/moderation/metrics/")
    m = response.context["m"]
    assert m.review_wait.count == 4
    assert m.review_wait.p50 == pytest.approx(25 * 60, abs=2)
    assert m.review_wait.p90 == pytest.approx(37 * 60, abs=2)
    assert (m.reports, m.reports_decided, m.decision_wait.count) == (3, 2, 2)
    assert m.decision_wait.p50 == pytest.approx(10 * 60, abs=2)
    assert m.decision_wait.p90 == pytest.approx(14 * 60, abs=2)
    page = response.content.decode()
    review_row = page[page.index('data-testid="review-wait"') :].split("</tr>")[0]
    assert "25 min" in review_row and "37 min" in review_row
    decision_row = page[page.index('data-testid="decision-wait"') :].split("</tr>")[0]
    assert "10 min" in decision_row and "14 min" in decision_row and "2 of 3 reports decided" in decision_row


def test_waits_read_as_a_dash_when_nothing_was_reviewed(client, moderator):
    client.force_login(moderator)
    page = client.get("/moderation/metrics/").content.decode()
    review_row = page[page.index('data-testid="review-wait"') :].split("</tr>")[0]
    assert review_row.count("—") == 2
