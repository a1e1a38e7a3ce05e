"""Every console page the issue added or changed takes a fixed number of queries whatever the
data size (the queue, metrics, audit log, export and case page are also counted beside their
own tests)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from moderation.models import Flag
from moderation.services import policies, reviews
from tests.moderation.test_console_support import build_ending, make_user

pytestmark = pytest.mark.django_db


def _world(owner, moderator, count: int) -> None:
    for number in range(count):
        ending = build_ending(owner)
        reviews.feedback_create(user=owner, ending_id=ending.id, kind="unexpected")
        if number % 2:
            reviews.review_create(ending_id=ending.id, moderator=moderator, verdict="upheld", reason="repeated_harm")
        if number % 3 == 0:
            reviews.case_claim(ending_id=ending.id, moderator=moderator)
        Flag.objects.create(kind=Flag.Kind.CRISIS, priority=3, user=owner, conversation=ending.conversation)
        reviews.case_view_record(ending_id=ending.id, moderator=moderator)


def _count(client, method: str, url: str, data=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, data or {})
        assert response.status_code == 200, (url, response.status_code)
    return len(queries)


def _requests(moderator_ids):
    """(method, url, data) of the pages under test, built from the current rows."""
    from conversations.models import Ending

    endings = list(Ending.objects.order_by("created_at").values_list("id", flat=True)[:5])
    flags = list(Flag.objects.order_by("created_at").values_list("id", flat=True)[:5])
    return [
        ("get", "/moderation/?handled=on", None),
        ("get", "/moderation/?date_from=2026-13-45", None),  # the invalid-filter page (400 is checked below)
        ("get", "/moderation/audit/?actor=mod-mia&action=case.", None),
        ("get", "/moderation/metrics/?days=365", None),
        ("post", "/moderation/bulk/", {"action": "uphold", "ending": [str(e) for e in endings]}),
        ("post", "/moderation/bulk/", {"action": "resolve", "flag": [str(f) for f in flags]}),
        ("post", "/moderation/bulk/", {"action": "assign", "ending": [str(e) for e in endings], "assignee": "mod-max"}),
        ("post", f"/moderation/cases/{endings[0]}/review/", {"verdict": "overturned", "reason": "misread"}),
        ("post", f"/moderation/flags/{flags[0]}/resolve/", {}),
    ]


def test_new_console_pages_take_the_same_number_of_queries_for_3_or_15_endings(
    client, moderator, second_moderator, active_policy
):
    owners = [make_user(f"owner{n}") for n in range(2)]
    _world(owners[0], moderator, 3)
    client.force_login(moderator)

    def measure():
        counts = []
        for method, url, data in _requests(None):
            if "date_from=2026-13-45" in url:
                with CaptureQueriesContext(connection) as queries:
                    assert client.get(url).status_code == 400
                counts.append(len(queries))
            else:
                counts.append(_count(client, method, url, data))
        return counts

    measure()  # warm the session and permission caches
    small = measure()
    _world(owners[1], moderator, 12)
    large = measure()
    assert small == large
    assert max(large) <= 14


def test_the_policy_confirm_pages_take_a_fixed_number_of_queries(client, active_policy, policy_admin):
    client.force_login(policy_admin)
    draft = policies.policy_draft_create(author=policy_admin)
    client.post(f"/moderation/policy/{draft.number}/publish/")
    small = _count(client, "post", f"/moderation/policy/{draft.number}/publish/")
    for _ in range(5):
        policies.policy_draft_create(author=policy_admin)
    assert _count(client, "post", f"/moderation/policy/{draft.number}/publish/") == small
