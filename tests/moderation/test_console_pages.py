"""Styled 403, 404 and 500 pages with a way back, and a favicon on every page."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.staticfiles import finders
from django.test import RequestFactory
from django.views import defaults

pytestmark = pytest.mark.django_db

FAVICON = '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'


def test_the_403_page_is_styled_and_leads_back(client, chat_user):
    client.force_login(chat_user)
    response = client.get("/moderation/")
    assert response.status_code == 403
    page = response.content.decode()
    assert 'data-testid="error-403"' in page and 'href="/chat/" data-testid="way-back"' in page
    assert "/static/css/site.css" in page and FAVICON in page
    assert "Back to the console" not in page  # not a staff member


def test_the_404_page_is_styled_and_leads_back_to_the_console_for_staff(client, moderator):
    client.force_login(moderator)
    response = client.get(f"/moderation/cases/{uuid.uuid4()}/")
    assert response.status_code == 404
    page = response.content.decode()
    assert 'data-testid="error-404"' in page and 'data-testid="way-back"' in page
    assert 'href="/moderation/">Back to the console' in page and FAVICON in page


def test_the_500_page_renders_without_a_request_context_and_leads_back(rf: RequestFactory):
    response = defaults.server_error(rf.get("/anything/"))
    assert response.status_code == 500
    page = response.content.decode()
    assert 'data-testid="error-500"' in page and 'href="/chat/" data-testid="way-back"' in page
    assert FAVICON in page and "/static/css/site.css" in page


@pytest.mark.parametrize("url", ["/accounts/login/", "/moderation/", "/moderation/metrics/"])
def test_every_page_names_a_favicon_that_exists(client, moderator, url):
    if url.startswith("/moderation/"):
        client.force_login(moderator)
    assert FAVICON in client.get(url).content.decode()
    assert finders.find("favicon.svg") is not None
