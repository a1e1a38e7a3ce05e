"""The HTTP API (DESIGN 6) and the pages: session auth, CSRF, JSON in and out, 404 for foreign."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client

from conversations.models import Conversation, Message
from tests.factories import conversation, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for():
    def make(user, enforce_csrf=False):
        client = Client(enforce_csrf_checks=enforce_csrf)
        client.force_login(user)
        return client

    return make


def test_creating_a_conversation_returns_201_with_its_id(user, client_for):
    response = client_for(user).post("/api/conversations/", data="{}", content_type="application/json")
    assert response.status_code == 201
    conv = Conversation.objects.get(id=response.json()["id"])
    assert conv.owner == user


def test_listing_shows_only_my_conversations_newest_first(user, other_user, client_for):
    older = conversation(user, "older")
    newer = conversation(user, "newer")
    conversation(other_user, "not mine")
    post(user, newer, "bump")
    data = client_for(user).get("/api/conversations/").json()
    assert [c["id"] for c in data["results"]] == [str(newer.id), str(older.id)]
    assert data["count"] == 2


def test_the_conversation_payload_is_the_state(user, client_for):
    conv = conversation(user)
    first = post(user, conv, "one")
    data = client_for(user).get(f"/api/conversations/{conv.id}/").json()
    assert data["messages"][0]["id"] == str(first.id)
    assert data["active_leaf_id"] == str(first.id)
    assert data["endings"] == []


@pytest.mark.parametrize("path", ["/api/conversations/{id}/", "/api/conversations/{id}/messages/"])
def test_another_users_conversation_answers_404_like_a_missing_one(user, other_user, client_for, path):
    conv = conversation(user)
    client = client_for(other_user)
    body = json.dumps({"client_id": str(uuid.uuid4()), "parent_id": None, "content": "hi"})

    def call(conversation_id):
        url = path.format(id=conversation_id)
        if url.endswith("messages/"):
            return client.post(url, data=body, content_type="application/json")
        return client.get(url)

    foreign, missing = call(conv.id), call(uuid.uuid4())
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    assert not Message.objects.exists()


def test_anonymous_api_calls_get_401(user):
    client = Client()
    assert client.get("/api/conversations/").status_code == 401
    assert client.post("/api/conversations/", data="{}", content_type="application/json").status_code == 401


def test_unsafe_methods_need_a_csrf_token(user, client_for):
    client = client_for(user, enforce_csrf=True)
    assert client.post("/api/conversations/", data="{}", content_type="application/json").status_code == 403
    client.get("/chat/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post("/api/conversations/", data="{}", content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201


def test_posting_a_message_over_http_is_idempotent(user, client_for):
    conv = conversation(user)
    client = client_for(user)
    body = json.dumps({"client_id": str(uuid.uuid4()), "parent_id": None, "content": "hi"})
    first = client.post(f"/api/conversations/{conv.id}/messages/", data=body, content_type="application/json")
    again = client.post(f"/api/conversations/{conv.id}/messages/", data=body, content_type="application/json")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["message"]["id"] == again.json()["message"]["id"]
    assert Message.objects.filter(role="user").count() == 1


def test_posting_into_an_ended_branch_over_http_is_locked(user, client_for):
    from conversations import services

    conv = conversation(user)
    first = post(user, conv, "hi")
    ending = services.conversation_end(anchor_id=first.id, reason="user_request", statement="ended")
    body = json.dumps({"client_id": str(uuid.uuid4()), "parent_id": str(ending.notice_id), "content": "more"})
    response = client_for(user).post(
        f"/api/conversations/{conv.id}/messages/", data=body, content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "locked"


@pytest.mark.parametrize("body", ["not json", "[1]", '{"content": "hi"}'])
def test_malformed_bodies_are_400(user, client_for, body):
    conv = conversation(user)
    response = client_for(user).post(
        f"/api/conversations/{conv.id}/messages/", data=body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_switching_branches_is_remembered(user, client_for):
    conv = conversation(user)
    first = post(user, conv, "one")
    a = post(user, conv, "a", parent=first)
    post(user, conv, "b", parent=first)
    client = client_for(user)
    response = client.patch(
        f"/api/conversations/{conv.id}/",
        data=json.dumps({"active_leaf_id": str(a.id)}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["active_leaf_id"] == str(a.id)


def test_the_chat_page_needs_login_and_escapes_user_text(user, client_for):
    assert Client().get("/chat/").status_code == 302
    conv = conversation(user)
    post(user, conv, "<script>alert(1)</script>")
    page = client_for(user).get(f"/chat/{conv.id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "Content-Security-Policy" in page.headers


def test_another_users_chat_page_is_404(user, other_user, client_for):
    conv = conversation(user)
    assert client_for(other_user).get(f"/chat/{conv.id}/").status_code == 404


def test_signup_logs_in_and_lands_on_the_chat(db):
    client = Client()
    response = client.post(
        "/accounts/signup/",
        {"username": "newbie", "password1": "a-long-pass-phrase-9", "password2": "a-long-pass-phrase-9"},
    )
    assert response.status_code == 302
    assert client.get("/chat/").status_code == 200


def test_failed_login_attempts_lock_that_username_from_that_address(user, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    client = Client()
    codes = [client.post("/accounts/login/", {"username": "alice", "password": "wrong"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]  # the third failure locks
    # Even the right password is refused while locked.
    assert client.post("/accounts/login/", {"username": "alice", "password": "pw-alice-123"}).status_code == 429
