"""The queue shows open work by default; filters fail loudly (an error beside the field, nothing
applied), and so do the export and the backtest; the queue speaks in labels, not codes."""

from __future__ import annotations

import csv
import io

import pytest

from moderation.models import AuditEvent, Backtest, Flag
from moderation.services import reviews
from tests.moderation.test_console_support import build_ending

pytestmark = pytest.mark.django_db


def listed(client, query: str = "") -> list[str]:
    items = client.get(f"/moderation/{query}").context["items"]
    return [f"ending:{i.ending.id}" if i.ending else f"flag:{i.flag.id}" for i in items]


def test_the_default_queue_shows_open_work_and_a_toggle_shows_handled_items(client, chat_user, moderator):
    upheld, overturned, unreviewed, reported_after_uphold = (build_ending(chat_user) for _ in range(4))
    for ending in (upheld, reported_after_uphold):
        reviews.review_create(ending_id=ending.id, moderator=moderator, verdict="upheld", reason="repeated_harm")
    reviews.review_create(ending_id=overturned.id, moderator=moderator, verdict="overturned", reason="misread")
    reviews.feedback_create(user=chat_user, ending_id=reported_after_uphold.id, kind="unexpected")
    open_flag = Flag.objects.create(kind=Flag.Kind.CRISIS, priority=3, user=chat_user)
    resolved_flag = Flag.objects.create(
        kind=Flag.Kind.CRISIS, priority=3, user=chat_user, conversation=upheld.conversation
    )
    reviews.flag_resolve(flag_id=resolved_flag.id, moderator=moderator)
    client.force_login(moderator)
    default = listed(client)
    assert set(default) == {
        f"flag:{open_flag.id}",
        f"ending:{reported_after_uphold.id}",  # a new report reopens the work
        f"ending:{unreviewed.id}",
        *[f"flag:{f.id}" for f in Flag.objects.filter(kind="repeat_endings")],
    }
    everything = listed(client, "?handled=on")
    assert {f"ending:{upheld.id}", f"ending:{overturned.id}", f"flag:{resolved_flag.id}"} <= set(everything)
    page = client.get("/moderation/").content.decode()
    assert 'name="handled"' in page and "Open work only" in page


@pytest.mark.parametrize(
    "query, field",
    [
        ("?date_from=2026-13-45", "date_from"),
        ("?date_to=yesterday", "date_to"),
        ("?reason=persistent_harm&category=made-up", "category"),
        ("?kind=everything", "kind"),
        ("?review=maybe&feedback=yes", "review"),
        ("?date_from=2026-05-02&date_to=2026-05-01", "date_to"),
    ],
)
def test_an_invalid_filter_shows_its_error_beside_the_field_and_applies_nothing(
    client, chat_user, moderator, query, field
):
    build_ending(chat_user)
    client.force_login(moderator)
    response = client.get(f"/moderation/{query}")
    assert response.status_code == 400
    assert response.context["items"] == []
    page = response.content.decode()
    assert f'data-testid="error-{field}"' in page
    assert 'data-testid="filter-errors"' in page
    assert 'data-testid="export"' not in page  # no export link for filters that do not hold
    assert 'data-testid="queue-ending"' not in page


@pytest.mark.parametrize("query", ["?date_from=2026-13-45", "?feedback=yes&date_to=not-a-date", "?category=x"])
def test_the_export_refuses_invalid_filters_instead_of_exporting_everything(client, chat_user, moderator, query):
    build_ending(chat_user)
    client.force_login(moderator)
    response = client.get(f"/moderation/export.csv{query}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert "Nothing was exported" in response.content.decode()
    assert not AuditEvent.objects.filter(action="cases.export").exists()


def test_the_export_follows_the_queue_open_work_by_default(client, chat_user, moderator):
    handled, open_case = build_ending(chat_user), build_ending(chat_user)
    reviews.review_create(ending_id=handled.id, moderator=moderator, verdict="upheld", reason="repeated_harm")
    client.force_login(moderator)

    def exported(query=""):
        rows = list(csv.reader(io.StringIO(client.get(f"/moderation/export.csv{query}").content.decode())))
        return {row[0] for row in rows[1:]}

    assert exported() == {str(open_case.id)}
    assert exported("?handled=on") == {str(open_case.id), str(handled.id)}


def test_a_backtest_with_an_invalid_date_is_refused_beside_the_field(client, active_policy, policy_admin):
    client.force_login(policy_admin)
    for since in ("not-a-date", "2026-02-30", "2999-01-01"):
        response = client.post(f"/moderation/policy/{active_policy.number}/backtest/", {"since": since})
        assert response.status_code == 400
        assert 'data-testid="error-since"' in response.content.decode()
    assert not Backtest.objects.exists()
    assert not AuditEvent.objects.filter(action="policy.backtest").exists()
    response = client.post(f"/moderation/policy/{active_policy.number}/backtest/", {"since": ""})
    assert response.status_code == 302 and Backtest.objects.get().since is None


@pytest.mark.parametrize(
    "query, field",
    [
        ("?actor=nobody-like-this", "actor"),
        ("?action=DROP TABLE", "action"),
        ("?target=bogus:1", "target"),
        ("?date_from=2026-00-10", "date_from"),
    ],
)
def test_an_invalid_audit_filter_shows_its_error_and_lists_nothing(client, chat_user, moderator, query, field):
    build_ending(chat_user)
    client.force_login(moderator)
    response = client.get(f"/moderation/audit/{query}")
    assert response.status_code == 400
    assert response.context["rows"] == []
    assert f'data-testid="error-{field}"' in response.content.decode()


def test_metrics_refuse_an_unknown_period(client, moderator):
    client.force_login(moderator)
    response = client.get("/moderation/metrics/?days=12")
    assert response.status_code == 400
    assert 'data-testid="error-days"' in response.content.decode()
    assert "m" not in response.context


def test_the_queue_shows_labels_not_codes(client, chat_user, moderator):
    build_ending(chat_user)
    Flag.objects.create(kind=Flag.Kind.CRISIS, priority=3, user=chat_user, detail={"category": "self_harm"})
    client.force_login(moderator)
    page = client.get("/moderation/").content.decode()
    table = page[page.index('data-testid="queue"') :]
    assert "Persistent harmful requests · CBRN weapons" in table and "Self-harm risk" in table
    for code in ("persistent_harm", ">cbrn<", "self_harm<", " cbrn ", "· cbrn"):
        assert code not in table
