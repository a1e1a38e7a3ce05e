"""The audit log renders every row it holds, whatever wrote it: the regression of the permanent
500 after a CSV export (a row with target "ending" and no id), checked by exporting and then
opening every page and every filter of the log. It is filterable by moderator."""

from __future__ import annotations

import pytest

from moderation.forms import AUDIT_ACTIONS
from moderation.models import AuditEvent, Flag
from moderation.services import policies, reviews
from moderation.services.audit import audit_record
from moderation.views import reports
from tests.moderation.test_console_support import build_ending

pytestmark = pytest.mark.django_db


def every_filter(moderator, ending) -> list[str]:
    """One query per value each filter can take on this data, and the combinations of them."""
    day = ending.created_at.date().isoformat()
    queries = [
        "",
        f"?actor={moderator.username}",
        "?actor=system",
        f"?target=ending:{ending.id}",
        f"?target={ending.id}",
    ]
    queries += [f"?action={name}" for name in sorted(AUDIT_ACTIONS)]
    queries += [f"?action={name.split('.')[0]}." for name in sorted(AUDIT_ACTIONS)]
    queries += ["?target=ending", f"?date_from={day}", f"?date_to={day}", f"?date_from={day}&date_to={day}"]
    queries += [f"?actor={moderator.username}&action=cases.export&date_from={day}"]
    return queries


def test_after_an_export_every_audit_page_and_filter_renders(client, chat_user, moderator, policy_admin, active_policy):
    ending = build_ending(chat_user)
    reviews.feedback_create(user=chat_user, ending_id=ending.id, kind="unexpected")
    client.force_login(moderator)
    assert client.get("/moderation/export.csv").status_code == 200
    assert client.get("/moderation/export.csv?handled=on&feedback=yes").status_code == 200
    # Rows as older code wrote them, which the log must still render: an export with target
    # "ending" and no id, and a target id that is not a case's.
    audit_record(actor=moderator, action="cases.export", target_type="ending", filters={}, rows=0)
    audit_record(actor=moderator, action="case.view", target_type="ending", target_id="not-a-uuid")
    flag = Flag.objects.create(kind=Flag.Kind.CRISIS, priority=3, user=chat_user, conversation=ending.conversation)
    reviews.flag_resolve(flag_id=flag.id, moderator=moderator)
    client.get(f"/moderation/cases/{ending.id}/")
    client.get(f"/moderation/conversations/{ending.conversation_id}/")
    reviews.content_reveal(ending_id=ending.id, message_id=ending.notice.parent_id, moderator=moderator)
    reviews.review_create(ending_id=ending.id, moderator=moderator, verdict="overturned", reason="misread")
    draft = policies.policy_draft_create(author=policy_admin)
    policies.policy_publish(number=draft.number, actor=policy_admin)
    recorded = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"cases.export", "case.view", "conversation.view", "flag.resolve", "policy.publish"} <= recorded

    saved = reports.AUDIT_PAGE_SIZE
    reports.AUDIT_PAGE_SIZE = 3  # several pages from a handful of rows
    try:
        first = client.get("/moderation/audit/")
        assert first.status_code == 200
        pages = first.context["page"].paginator.num_pages
        assert pages >= 4
        for number in range(1, pages + 1):
            response = client.get(f"/moderation/audit/?page={number}")
            assert response.status_code == 200, number
        for query in every_filter(moderator, ending):
            response = client.get(f"/moderation/audit/{query}")
            assert response.status_code == 200, query
            for number in range(2, response.context["page"].paginator.num_pages + 1):
                joiner = "&" if query else "?"
                assert client.get(f"/moderation/audit/{query}{joiner}page={number}").status_code == 200, (query, number)
    finally:
        reports.AUDIT_PAGE_SIZE = saved


def test_rows_without_a_target_show_plainly_and_targets_link_to_their_pages(client, chat_user, moderator):
    ending = build_ending(chat_user)
    client.force_login(moderator)
    client.get("/moderation/export.csv")
    audit_record(actor=moderator, action="cases.export", target_type="ending", filters={}, rows=0)
    page = client.get("/moderation/audit/?action=cases.export").content.decode()
    assert page.count('data-action="cases.export"') == 2
    assert "/moderation/cases//" not in page
    page = client.get("/moderation/audit/?actor=system").content.decode()
    assert f'href="/moderation/cases/{ending.id}/"' in page


def test_the_export_row_names_no_target(client, chat_user, moderator):
    build_ending(chat_user)
    client.force_login(moderator)
    client.get("/moderation/export.csv")
    event = AuditEvent.objects.get(action="cases.export")
    assert (event.target_type, event.target_id) == ("", "")


def test_the_log_filters_by_moderator_and_suggests_the_moderators(client, chat_user, moderator, second_moderator):
    ending = build_ending(chat_user)
    client.force_login(moderator)
    client.get(f"/moderation/cases/{ending.id}/")
    client.force_login(second_moderator)
    client.get(f"/moderation/cases/{ending.id}/")
    client.get(f"/moderation/cases/{ending.id}/")
    response = client.get(f"/moderation/audit/?actor={second_moderator.username}&action=case.view")
    assert [row.event.actor for row in response.context["rows"]] == [second_moderator, second_moderator]
    page = response.content.decode()
    assert '<datalist id="audit-actors">' in page
    assert f'<option value="{moderator.username}">' in page and f'<option value="{second_moderator.username}">' in page
