"""Every console URL refuses everyone without the permission: the URLs are enumerated from the
URLconf, so a new one cannot be forgotten."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, reverse

from moderation import urls as console_urls
from moderation.models import Backtest, Flag
from tests.moderation.test_console_support import build_ending

pytestmark = pytest.mark.django_db

PATTERNS = [p for p in console_urls.urlpatterns if isinstance(p, URLPattern)]
ROLES = ["anonymous", "chat_user", "moderator", "policy_admin"]


def needs(pattern: URLPattern) -> str:
    """What the issue asks for, independent of how views are decorated."""
    return "tune_policy" if str(pattern.pattern).startswith("policy/") else "review_endings"


@pytest.fixture
def objects(chat_user, active_policy):
    ending = build_ending(chat_user)
    flag = Flag.objects.create(kind=Flag.Kind.CRISIS, priority=3, user=chat_user, conversation=ending.conversation)
    run = Backtest.objects.create(policy_version=active_policy)
    return {
        "ending_id": ending.id,
        "conversation_id": ending.conversation_id,
        "flag_id": flag.id,
        "number": active_policy.number,
        "backtest_id": run.pk,
    }


def url_for(pattern: URLPattern, objects: dict) -> str:
    converters = pattern.pattern.converters
    return reverse(f"moderation:{pattern.name}", kwargs={name: objects[name] for name in converters})


def test_every_console_url_is_walked_and_guarded():
    assert len(PATTERNS) >= 15
    for pattern in PATTERNS:
        assert getattr(pattern.callback, "console_permission", None) == needs(pattern), pattern.name


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("pattern", PATTERNS, ids=[p.name for p in PATTERNS])
def test_console_url_access(client, objects, request, pattern, role):
    url = url_for(pattern, objects)
    assert url.startswith("/moderation/")
    user = None if role == "anonymous" else request.getfixturevalue(role)
    if user is not None:
        client.force_login(user)
    allowed = user is not None and user.has_perm(f"moderation.{needs(pattern)}")
    if role == "anonymous":
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302
            assert response["Location"].startswith("/accounts/login/?next=")
    elif not allowed:
        assert client.get(url).status_code == 403
        assert client.post(url).status_code == 403
    else:
        response = client.get(url)
        assert response.status_code in (200, 302, 405), (url, response.status_code)
        if response.status_code == 302:
            assert not response["Location"].startswith("/accounts/login/")
        if response.status_code == 405:
            assert "POST" in response["Allow"]


def test_moderators_may_review_but_not_tune(moderator, policy_admin):
    assert moderator.has_perm("moderation.review_endings")
    assert not moderator.has_perm("moderation.tune_policy")
    assert policy_admin.has_perm("moderation.tune_policy")
