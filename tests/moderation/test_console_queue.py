"""Queue ordering, filters, pagination, fixed query counts; metrics; audit log; CSV export."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from moderation.models import AuditEvent, Flag
from moderation.services import reviews
from moderation.views.cases import csv_safe
from tests.moderation.test_console_support import build_ending, make_user

pytestmark = pytest.mark.django_db


def queue_order(client, query: str = "") -> list[str]:
    """The queue rows as 'ending:<id>' / 'flag:<kind>' in page order."""
    items = client.get(f"/moderation/{query}").context["items"]
    return [f"ending:{i.ending.id}" if i.ending else f"flag:{i.flag.kind}" for i in items]


def test_crisis_flags_then_reported_endings_come_first(client, chat_user, moderator):
    reviewed = build_ending(chat_user)
    reviews.review_create(ending_id=reviewed.id, moderator=moderator, verdict="upheld", reason="repeated_harm")
    plain = build_ending(chat_user)
    reported = build_ending(chat_user)  # the third ending in a week also raises a repeat flag
    reviews.feedback_create(user=chat_user, ending_id=reported.id, kind="unexpected")
    Flag.objects.create(kind=Flag.Kind.CRISIS, priority=3, user=chat_user)
    client.force_login(moderator)
    assert queue_order(client, "?handled=on") == [
        "flag:crisis",
        f"ending:{reported.id}",
        "flag:repeat_endings",
        f"ending:{plain.id}",
        f"ending:{reviewed.id}",
    ]


def test_filters_by_reason_category_status_feedback_and_date(client, chat_user, moderator):
    abuse = build_ending(chat_user, text="[sev:3:abuse] you idiot", category="abuse", reason="abuse")
    cbrn = build_ending(chat_user)
    reviews.feedback_create(user=chat_user, ending_id=cbrn.id, kind="unexpected")
    reviews.review_create(ending_id=abuse.id, moderator=moderator, verdict="upheld", reason="repeated_harm")
    client.force_login(moderator)
    assert queue_order(client, "?reason=abuse&handled=on") == [f"ending:{abuse.id}"]
    assert queue_order(client, "?kind=endings&category=cbrn") == [f"ending:{cbrn.id}"]
    assert queue_order(client, "?review=upheld") == [f"ending:{abuse.id}"]
    assert queue_order(client, "?kind=endings&review=unreviewed") == [f"ending:{cbrn.id}"]
    assert queue_order(client, "?feedback=yes") == [f"ending:{cbrn.id}"]
    assert queue_order(client, "?feedback=no&handled=on") == [f"ending:{abuse.id}"]
    today = cbrn.created_at.date()
    assert len(queue_order(client, f"?kind=endings&date_from={today}&date_to={today}&handled=on")) == 2
    assert queue_order(client, f"?kind=endings&date_to={today.replace(year=today.year - 1)}") == []


def test_the_queue_paginates(client, chat_user, moderator):
    from moderation.views import cases

    for _ in range(3):
        build_ending(chat_user)
    client.force_login(moderator)
    cases.QUEUE_PAGE_SIZE, saved = 2, cases.QUEUE_PAGE_SIZE
    try:
        first = client.get("/moderation/?kind=endings")
        second = client.get("/moderation/?kind=endings&page=2")
    finally:
        cases.QUEUE_PAGE_SIZE = saved
    assert len(first.context["items"]) == 2 and len(second.context["items"]) == 1
    assert "page 1 of 2" in first.content.decode()


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _endings_with_everything(owner, moderator, count: int) -> None:
    for number in range(count):
        ending = build_ending(owner)
        if number % 2:
            reviews.feedback_create(user=owner, ending_id=ending.id, kind="unexpected")
        if number % 3 == 0:
            reviews.case_claim(ending_id=ending.id, moderator=moderator)
        Flag.objects.create(kind=Flag.Kind.CRISIS, priority=3, user=owner, conversation=ending.conversation)


@pytest.mark.parametrize(
    "url", ["/moderation/", "/moderation/metrics/", "/moderation/audit/", "/moderation/export.csv"]
)
def test_console_pages_take_the_same_number_of_queries_for_2_or_20_endings(client, moderator, url):
    owners = [make_user(f"owner{n}") for n in range(2)]
    _endings_with_everything(owners[0], moderator, 2)
    client.force_login(moderator)
    client.get(url)  # warm the session and permission caches
    small = _queries(client, url)
    _endings_with_everything(owners[1], moderator, 18)
    large = _queries(client, url)
    assert small == large
    assert large <= 12


def test_metrics_count_endings_feedback_overturns_crisis_flags_and_time_to_review(client, chat_user, moderator):
    endings = [build_ending(chat_user) for _ in range(4)]
    reviews.feedback_create(user=chat_user, ending_id=endings[0].id, kind="unexpected")
    reviews.review_create(ending_id=endings[0].id, moderator=moderator, verdict="overturned", reason="misread")
    reviews.review_create(ending_id=endings[1].id, moderator=moderator, verdict="upheld", reason="repeated_harm")
    Flag.objects.create(kind=Flag.Kind.CRISIS, priority=3, user=chat_user)
    client.force_login(moderator)
    response = client.get("/moderation/metrics/?days=7")
    m = response.context["m"]
    assert (m.endings, m.with_feedback, m.reviewed, m.overturned, m.crisis_flags) == (4, 1, 2, 1, 1)
    assert m.feedback_rate == 0.25 and m.overturn_rate == 0.5
    assert m.review_wait.count == 2 and 0 <= m.review_wait.p50 <= m.review_wait.p90
    page = response.content.decode()
    assert page.count("<svg") >= 4 and "<script>" not in page and "style=" not in page
    assert "Persistent harmful requests (4)" in page and "25.0 %" in page and "50.0 %" in page


def test_the_audit_log_filters_by_actor_action_target_and_date(client, chat_user, moderator):
    ending = build_ending(chat_user)
    reviews.case_claim(ending_id=ending.id, moderator=moderator)
    client.force_login(moderator)

    def listed(query):
        return [e.action for e in client.get(f"/moderation/audit/{query}").context["page"].object_list]

    assert listed("?actor=system") == ["ending.automatic"]
    assert listed("?actor=mod-mia") == ["case.claim"]
    assert listed("?action=case.") == ["case.claim"]
    assert sorted(listed(f"?target=ending:{ending.id}")) == ["case.claim", "ending.automatic"]
    today = ending.created_at.date()
    assert len(listed(f"?date_from={today}")) == 2
    assert listed(f"?date_to={today.replace(year=today.year - 1)}") == []


@pytest.mark.parametrize(
    "value, expected",
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("plain = text", "plain = text"),
        (None, ""),
    ],
)
def test_csv_cells_never_start_a_formula(value, expected):
    assert csv_safe(value) == expected


def test_the_export_neutralises_formulas_and_is_audited(client, chat_user, moderator):
    ending = build_ending(chat_user)
    reviews.feedback_create(user=chat_user, ending_id=ending.id, kind="unexpected", text="=cmd|'/c calc'!A1")
    client.force_login(moderator)
    response = client.get("/moderation/export.csv?feedback=yes")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "ending_id" and len(rows) == 2
    assert rows[1][rows[0].index("feedback_text")] == "'=cmd|'/c calc'!A1"
    assert all(not cell.startswith(("=", "+", "-", "@")) for cell in rows[1])
    event = AuditEvent.objects.get(action="cases.export")
    assert event.actor == moderator and event.data == {"filters": {"feedback": "yes"}, "rows": 1}
