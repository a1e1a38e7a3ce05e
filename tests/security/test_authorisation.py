"""The authorisation matrix over every non-console page, API endpoint and socket, for five kinds of
requester: anonymous, the owner, another user, a moderator and a policy admin.

The rule (DESIGN 6, STYLE "access_* helpers"): another user's object answers exactly like a
missing one: same status, same body, and nothing written. Moderators and policy admins read
users' conversations only through the console (its own permission walk lives in
tests/moderation/test_console*.py); on the user-facing URLs they are just other users.

The URLconf is enumerated, so a new URL without a row in MATRIX fails `test_every_url_is_in_the_matrix`.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from chatsite.asgi import application
from conversations import services
from conversations.models import Conversation, Ending, Message
from tests.communicator import Communicator
from tests.factories import conversation, post

ROLES = ("anonymous", "owner", "other", "moderator", "policy_admin")
NON_OWNERS = ("other", "moderator", "policy_admin")
SKIPPED_NAMESPACES = {"admin", "moderation"}  # Django admin (below) and the console (its own walk)


@dataclass(frozen=True)
class Row:
    """How one URL is reached. `target` names the owned object in its kwargs (None: no object);
    `anonymous` is what an anonymous request gets; `methods` are those the matrix sends."""

    methods: tuple[str, ...]
    target: str | None = None
    anonymous: str = "login"  # "login": redirect to the login page; "401": JSON 401; "public": allowed
    api: bool = False


MATRIX: dict[str, Row] = {
    "home": Row(("GET",), anonymous="public"),
    "login": Row(("GET",), anonymous="public"),
    "signup": Row(("GET",), anonymous="public"),
    "logout": Row(("POST",), anonymous="public"),
    "chat": Row(("GET",)),
    "conversation_new": Row(("POST",)),
    "conversation": Row(("GET",), target="conversation"),
    "api_conversations": Row(("GET", "POST"), anonymous="401", api=True),
    "api_conversation": Row(("GET", "PATCH", "DELETE"), target="conversation", anonymous="401", api=True),
    "api_messages": Row(("POST",), target="conversation", anonymous="401", api=True),
    "ending": Row(("GET", "POST"), target="ending"),
    "settings": Row(("GET", "POST")),
    "javascript-catalog": Row(("GET",), anonymous="public"),
}


def url_names() -> dict[str, str]:
    """name -> route of every URL outside the skipped namespaces."""
    found: dict[str, str] = {}

    def walk(patterns, prefix: str, namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern), pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and namespace not in SKIPPED_NAMESPACES:
                assert pattern.name, f"unnamed URL {prefix}{pattern.pattern}: name it and add it to MATRIX"
                found[pattern.name] = prefix + str(pattern.pattern)

    walk(get_resolver().url_patterns, "", None)
    return found


def test_every_url_is_in_the_matrix():
    names = url_names()
    assert set(names) - set(MATRIX) == set(), "new URLs: add them to MATRIX"
    assert set(MATRIX) - set(names) == set(), "MATRIX lists URLs that no longer exist"


# --- the world ----------------------------------------------------------------------------------


def console_group(name: str, *codenames: str) -> Group:
    """The console's groups (migration 0002); created again here because a transactional test's
    flush empties the table that the data migration filled."""
    group, _ = Group.objects.get_or_create(name=name)
    group.permissions.add(*Permission.objects.filter(content_type__app_label="moderation", codename__in=codenames))
    return group


def make_users(user_model, prefix: str) -> dict:
    """Users with unusable passwords (no slow hashing; the tests log in with force_login)."""
    users = {role: user_model.objects.create_user(f"{prefix}{role}") for role in ("owner", *NON_OWNERS)}
    users["moderator"].groups.add(console_group("Moderators", "review_endings"))
    users["policy_admin"].groups.add(console_group("Policy admins", "review_endings", "tune_policy"))
    assert users["moderator"].has_perm("moderation.review_endings")
    return users


@pytest.fixture
def world(django_user_model):
    users = make_users(django_user_model, "")
    for name in NON_OWNERS:  # each has a conversation of their own, so lists are never empty
        conversation(users[name], title=f"{name} own chat")
    conv = conversation(users["owner"], title="owner secret title")
    first = post(users["owner"], conv, "owner secret text")
    ended = post(users["owner"], conv, "owner second text", parent=first)
    ending = services.conversation_end(anchor_id=ended.id, reason="persistent_harm", statement="Ended for a test.")
    conv.refresh_from_db()
    return {"users": users, "conversation": conv, "ending": ending, "message": first}


def client_for(world, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world["users"][role])
    return client


def body_for(name: str, method: str, world) -> tuple[str, str] | tuple[None, None]:
    if method == "GET":
        return None, None
    if name == "api_messages":
        return json.dumps(
            {"client_id": str(uuid.uuid4()), "parent_id": str(world["message"].id), "content": "hijack"}
        ), "application/json"
    if name == "api_conversation":
        return json.dumps({"title": "hijacked", "active_leaf_id": str(world["message"].id)}), "application/json"
    if name == "ending":
        return "kind=unexpected&text=hijack", "application/x-www-form-urlencoded"
    if name == "api_conversations":
        return json.dumps({"title": "mine"}), "application/json"
    return "", "application/x-www-form-urlencoded"


def request(client: Client, method: str, url: str, body, content_type):
    if method == "GET":
        return client.get(url)
    return client.generic(method, url, body or "", content_type=content_type)


def url_of(name: str, world, object_id=None) -> str:
    row = MATRIX[name]
    if row.target is None:
        return reverse(name)
    kwarg = {"conversation": "conversation_id", "ending": "ending_id"}[row.target]
    return reverse(name, kwargs={kwarg: object_id if object_id is not None else world[row.target].id})


def normalised(response) -> str:
    """The body with what differs between any two requests (CSRF tokens) blanked."""
    text = response.content.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value=""', text)
    return text


def snapshot() -> tuple:
    return (
        sorted(Conversation.objects.values_list("id", "title", "active_leaf_id", "deleted_at")),
        Message.objects.count(),
        Ending.objects.count(),
        sorted(Ending.objects.values_list("id", "reopened_at")),
        _feedback_count(),
    )


def _feedback_count() -> int:
    from moderation.models import Feedback

    return Feedback.objects.count()


OBJECT_CASES = [(name, method) for name, row in MATRIX.items() if row.target for method in row.methods]
ALL_CASES = [(name, method) for name, row in MATRIX.items() for method in row.methods]


# --- another user's object answers exactly like a missing one -----------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", NON_OWNERS)
@pytest.mark.parametrize(("name", "method"), OBJECT_CASES)
def test_another_users_object_answers_exactly_like_a_missing_one_and_writes_nothing(world, role, name, method):
    client = client_for(world, role)
    body, content_type = body_for(name, method, world)
    before = snapshot()
    foreign = request(client, method, url_of(name, world), body, content_type)
    missing = request(client, method, url_of(name, world, uuid.uuid4()), body, content_type)
    assert foreign.status_code == missing.status_code == 404
    assert normalised(foreign) == normalised(missing)
    assert {k: v for k, v in foreign.headers.items() if k != "Set-Cookie"} == {
        k: v for k, v in missing.headers.items() if k != "Set-Cookie"
    }
    assert snapshot() == before
    assert "owner secret" not in foreign.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("name", [n for n, row in MATRIX.items() if row.target == "conversation" and row.api])
def test_a_malformed_id_answers_like_a_missing_one_on_the_api(world, name):
    client = client_for(world, "other")
    method = MATRIX[name].methods[-1]
    body, content_type = body_for(name, method, world)
    malformed_url = url_of(name, world, "not-a-uuid")
    malformed = request(client, method, malformed_url, body, content_type)
    missing = request(client, method, url_of(name, world, uuid.uuid4()), body, content_type)
    assert malformed.status_code == missing.status_code == 404
    assert malformed.content == missing.content


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method"), OBJECT_CASES)
def test_the_owner_reaches_their_own_object(world, name, method):
    client = client_for(world, "owner")
    body, content_type = body_for(name, method, world)
    response = request(client, method, url_of(name, world), body, content_type)
    assert response.status_code in (200, 201, 204, 302), response.content[:300]
    if response.status_code == 302:  # the feedback form redirects back to the ending page
        assert response.url.startswith(url_of(name, world))


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method"), ALL_CASES)
def test_anonymous_requests_get_the_login_page_or_401_and_write_nothing(world, name, method):
    row = MATRIX[name]
    client = client_for(world, "anonymous")
    body, content_type = body_for(name, method, world)
    before = snapshot()
    response = request(client, method, url_of(name, world), body, content_type)
    if row.anonymous == "public":
        assert response.status_code in (200, 302)
        return
    if row.anonymous == "401":
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthenticated"
    else:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    assert snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize("role", NON_OWNERS)
@pytest.mark.parametrize("path", ["/chat/", "/api/conversations/"])
def test_lists_show_only_the_requesters_own_conversations(world, role, path):
    response = client_for(world, role).get(path)
    assert response.status_code == 200
    text = response.content.decode()
    assert str(world["conversation"].id) not in text
    assert "owner secret" not in text
    assert f"{role} own chat" in text


@pytest.mark.django_db
@pytest.mark.parametrize("role", NON_OWNERS)
def test_creating_a_conversation_makes_it_the_requesters(world, role):
    client = client_for(world, role)
    created = client.post("/api/conversations/", "{}", content_type="application/json").json()
    assert Conversation.objects.get(id=created["id"]).owner == world["users"][role]
    response = client.post(reverse("conversation_new"))
    new_id = response.url.rstrip("/").rsplit("/", 1)[-1]
    assert Conversation.objects.get(id=new_id).owner == world["users"][role]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonymous", "owner", "other", "moderator", "policy_admin"])
def test_django_admin_is_for_superusers_only(world, role):
    response = client_for(world, role).get("/admin/conversations/message/")
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


# --- sockets ------------------------------------------------------------------------------------

ORIGIN = b"http://127.0.0.1:8000"


def _cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


async def open_socket(path: str, user=None):
    headers = [(b"host", b"127.0.0.1:8000"), (b"origin", ORIGIN)]
    if user is not None:
        headers.append((b"cookie", f"sessionid={await sync_to_async(_cookie)(user)}".encode()))
    communicator = Communicator(application, path, headers=headers)
    connected, code = await communicator.connect()
    return communicator, connected, code


async def refusal(communicator) -> tuple:
    frame = json.loads(await communicator.receive_from())
    close = await communicator.receive_output()
    return frame["type"], frame["code"], frame["detail"], close["type"], close.get("code")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", NON_OWNERS)
async def test_another_users_socket_is_refused_exactly_like_a_missing_one(role):
    world_ = await sync_to_async(_socket_world)()
    user = world_[role]
    answers = []
    for conversation_id in (world_["conversation"].id, uuid.uuid4(), "not-a-uuid"):
        communicator, connected, _ = await open_socket(f"/ws/conversations/{conversation_id}/", user)
        assert connected
        answers.append(await refusal(communicator))
        await communicator.disconnect()
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][1] == "not_found" and answers[0][4] == 4404


@pytest.mark.django_db(transaction=True)
async def test_the_owner_socket_is_accepted_and_an_anonymous_one_refused():
    world_ = await sync_to_async(_socket_world)()
    path = f"/ws/conversations/{world_['conversation'].id}/"
    communicator, connected, _ = await open_socket(path, world_["owner"])
    assert connected
    await communicator.send_to(text_data=json.dumps({"type": "sync"}))
    state = json.loads(await communicator.receive_from())
    assert state["type"] == "conversation.state" and state["messages"][0]["content"] == "secret"
    await communicator.disconnect()
    _, connected, _ = await open_socket(path)
    assert not connected


@pytest.mark.django_db(transaction=True)
async def test_an_unknown_socket_path_is_refused():
    world_ = await sync_to_async(_socket_world)()
    for path in ("/ws/", "/ws/conversations/", "/ws/anything/else/"):
        with pytest.raises(ValueError, match="No route found"):
            await open_socket(path, world_["owner"])


def _socket_world() -> dict:
    from django.contrib.auth import get_user_model

    users = make_users(get_user_model(), "sock-")
    conv = conversation(users["owner"])
    post(users["owner"], conv, "secret")
    return {**users, "conversation": conv}
