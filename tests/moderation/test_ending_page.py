"""The user's page about an ending: owner only, the statement, what to do next, one report."""

from __future__ import annotations

import re
import uuid

import pytest

from moderation.models import Feedback
from moderation.services import reviews
from tests.moderation.test_console_support import build_ending, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def ending(chat_user):
    return build_ending(chat_user)


def test_the_owner_sees_the_statement_and_what_to_do_next(client, chat_user, ending):
    client.force_login(chat_user)
    response = client.get(f"/endings/{ending.id}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "not a ban" in page.lower()
    assert 'action="/chat/new/"' in page
    assert f'href="/chat/{ending.conversation_id}/"' in page
    assert 'data-testid="report-form"' in page and "csrfmiddlewaretoken" in page
    assert 'data-testid="outcome"' not in page


def test_other_users_get_the_same_404_as_for_a_missing_ending(client, ending):
    client.force_login(make_user("stranger"))
    foreign = client.get(f"/endings/{ending.id}/")
    missing = client.get(f"/endings/{uuid.uuid4()}/")
    assert foreign.status_code == missing.status_code == 404
    token = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')  # masked anew per response
    assert token.sub(b"", foreign.content) == token.sub(b"", missing.content)
    assert client.post(f"/endings/{ending.id}/", {"kind": "unexpected"}).status_code == 404
    assert not Feedback.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, ending):
    response = client.get(f"/endings/{ending.id}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_report_is_stored_once_and_thanked(client, chat_user, ending):
    client.force_login(chat_user)
    response = client.post(f"/endings/{ending.id}/", {"kind": "unexpected", "text": "I asked about chemistry class"})
    assert response.status_code == 302
    client.post(f"/endings/{ending.id}/", {"kind": "other", "text": "again"})
    feedback = Feedback.objects.get()
    assert (feedback.kind, feedback.text, feedback.user) == ("unexpected", "I asked about chemistry class", chat_user)
    page = client.get(f"/endings/{ending.id}/").content.decode()
    assert "Thanks, a person will review this." in page
    assert 'data-testid="report-form"' not in page


def test_a_report_over_2000_characters_is_refused(client, chat_user, ending):
    client.force_login(chat_user)
    response = client.post(f"/endings/{ending.id}/", {"kind": "unexpected", "text": "x" * 2001})
    assert response.status_code == 400
    assert not Feedback.objects.exists()
    response = client.post(f"/endings/{ending.id}/", {"kind": "made-up"})
    assert response.status_code == 400


def test_the_report_form_needs_a_csrf_token(chat_user, ending):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(chat_user)
    assert client.post(f"/endings/{ending.id}/", {"kind": "unexpected"}).status_code == 403
    assert not Feedback.objects.exists()


def test_the_page_shows_the_review_outcome(client, chat_user, moderator, ending):
    client.force_login(chat_user)
    reviews.review_create(ending_id=ending.id, moderator=moderator, verdict="upheld", reason="repeated_harm")
    assert "Reviewed: upheld" in client.get(f"/endings/{ending.id}/").content.decode()
    other = build_ending(chat_user)
    reviews.review_create(ending_id=other.id, moderator=moderator, verdict="overturned", reason="misread")
    page = client.get(f"/endings/{other.id}/").content.decode()
    assert "Reopened" in page and "Continue the chat" in page
