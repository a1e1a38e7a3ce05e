"""What the black-box probes of issue 13 broke, one section per item, at the application layer
(Django's test client and WebsocketCommunicator on the real ASGI application). The items that live
in the server layer (frames, Origin, sockets across processes, HTTPS headers) are also driven
through real Daphne and uvicorn processes in test_servers.py."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from unittest import mock

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.backends import ModelBackend
from django.test import Client

from chatsite.asgi import application
from conversations import ratelimit, services
from conversations.inputs import parse_json
from conversations.models import Conversation, Message
from moderation.forms import PolicyDraftForm
from moderation.policy import PolicySettings, PolicySettingsError
from tests.communicator import Communicator
from tests.factories import conversation

HOST = b"127.0.0.1:8000"
ORIGIN = b"http://127.0.0.1:8000"
DEEP = "[" * 50_000 + "]" * 50_000  # RecursionError in json.loads, and 100 kB: over the frame limit too
DEEP_SMALL = "[" * 5_000 + "]" * 5_000  # under the frame limit, still far deeper than any input


@pytest.fixture
def fast_passwords(settings):
    """The default hasher costs ~0.5 s per attempt; these tests make dozens."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def alice(django_user_model, fast_passwords):
    return django_user_model.objects.create_user(username="alice", password="pw-alice-123")


@pytest.fixture
def password_checks():
    """How many times the password backend ran (each run is a password hash in production)."""
    calls = []
    original = ModelBackend.authenticate

    def counting(self, request, username=None, password=None, **kwargs):
        calls.append(username)
        return original(self, request, username=username, password=password, **kwargs)

    with mock.patch.object(ModelBackend, "authenticate", counting):
        yield calls


def login(address: str, username: str, password: str, path: str = "/accounts/login/") -> int:
    return Client(REMOTE_ADDR=address).post(path, {"username": username, "password": password}).status_code


# --- 1. nobody can lock a chosen user out of login -----------------------------------------------


@pytest.mark.django_db
def test_ten_wrong_passwords_from_ten_addresses_leave_the_user_able_to_log_in(alice):
    """The probe: ten failures from ten addresses used to lock alice out for everyone for 5 minutes."""
    assert [login(f"10.0.0.{n}", "alice", "wrong") for n in range(10)] == [200] * 10
    assert login("10.0.0.99", "alice", "pw-alice-123") == 302
    # A slow drip (one failure per address) keeps nobody out either.
    assert [login(f"10.0.1.{n}", "alice", "wrong") for n in range(20)] == [200] * 20
    assert login("10.0.0.99", "alice", "pw-alice-123") == 302


@pytest.mark.django_db
def test_successful_logins_are_never_counted(alice):
    assert [login("10.0.2.1", "alice", "pw-alice-123") for _ in range(35)] == [302] * 35


@pytest.mark.django_db
def test_the_pair_limit_locks_only_that_username_from_that_address_and_skips_the_hashing(
    alice, django_user_model, settings, password_checks
):
    settings.LOGIN_FAILURE_LIMIT = 5
    django_user_model.objects.create_user(username="bob", password="pw-bob-123")
    assert [login("10.0.3.1", "alice", "wrong") for _ in range(5)] == [200] * 4 + [429]
    assert len(password_checks) == 5
    # Locked: refused before the password backend runs (no hashing to burn CPU on).
    assert [login("10.0.3.1", "alice", "pw-alice-123") for _ in range(10)] == [429] * 10
    assert len(password_checks) == 5
    # The same address may still log in as someone else; alice may from elsewhere.
    assert login("10.0.3.1", "bob", "pw-bob-123") == 302
    assert login("10.0.3.2", "alice", "pw-alice-123") == 302


@pytest.mark.django_db
def test_the_address_limit_stops_one_address_spraying_many_usernames(alice, settings, password_checks):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 30
    codes = [login("10.0.4.1", f"user{n}", "guess") for n in range(30)]
    assert codes == [200] * 29 + [429]
    assert login("10.0.4.1", "alice", "pw-alice-123") == 429
    assert len(password_checks) == 30
    assert login("10.0.4.2", "alice", "pw-alice-123") == 302


@pytest.mark.django_db
def test_a_lockout_ends_after_the_lockout_period(alice, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    settings.LOGIN_LOCKOUT_SECONDS = 1
    assert [login("10.0.5.1", "alice", "wrong") for _ in range(2)] == [200, 429]
    assert login("10.0.5.1", "alice", "pw-alice-123") == 429
    time.sleep(1.2)
    assert login("10.0.5.1", "alice", "pw-alice-123") == 302


# --- 2. /admin/login/ is limited the same way ------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_login_is_locked_after_the_failure_limit_and_stops_hashing(
    django_user_model, fast_passwords, password_checks
):
    """The probe: 15 wrong attempts at /admin/login/ gave 15 x 200, each ~0.6 s of PBKDF2."""
    django_user_model.objects.create_superuser(username="root", password="pw-root-123")
    codes = [login("10.0.6.1", "root", "wrong", path="/admin/login/") for _ in range(15)]
    assert codes == [200] * 4 + [429] * 11
    assert len(password_checks) == 5
    assert login("10.0.6.1", "root", "pw-root-123", path="/admin/login/") == 429
    assert login("10.0.6.2", "root", "pw-root-123", path="/admin/login/") == 302


# --- 3. deeply nested JSON answers invalid / 400 everywhere ------------------------------------------


async def open_socket(user, conv_id):
    client = await sync_to_async(Client)()
    await sync_to_async(client.force_login)(user)
    headers = [
        (b"host", HOST),
        (b"origin", ORIGIN),
        (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
    ]
    communicator = Communicator(application, f"/ws/conversations/{conv_id}/", headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def next_frame(communicator, timeout: float = 5) -> dict:
    return json.loads(await communicator.receive_from(timeout=timeout))


@pytest.mark.django_db(transaction=True)
async def test_deeply_nested_frames_answer_invalid_and_the_socket_stays_open(user, settings):
    settings.CHAT_MAX_FRAME_BYTES = 1_000_000  # the depth is refused, not the size
    conv = await sync_to_async(conversation)(user)
    communicator = await open_socket(user, conv.id)
    frames = [
        DEEP,
        "[" * 200_000,
        '{"type": "sync", "pad": ' + DEEP_SMALL + "}",
        f'{{"type": "message.send", "client_id": "{uuid.uuid4()}", "parent_id": null, "content": {DEEP}}}',
    ]
    for raw in frames:
        await communicator.send_to(text_data=raw)
        answer = await next_frame(communicator)
        assert (answer["type"], answer["code"]) == ("error", "invalid"), answer
        assert "nests deeper" in answer["detail"]
    await communicator.send_json_to({"type": "sync"})
    assert (await next_frame(communicator))["type"] == "conversation.state"
    assert await sync_to_async(Message.objects.count)() == 0
    await communicator.disconnect()


@pytest.mark.django_db
def test_deeply_nested_bodies_answer_400_on_every_json_endpoint(user):
    client = Client()
    client.force_login(user)
    conv = conversation(user)
    for method, url in [
        ("post", "/api/conversations/"),
        ("patch", f"/api/conversations/{conv.id}/"),
        ("post", f"/api/conversations/{conv.id}/messages/"),
    ]:
        for body in (DEEP_SMALL, "[" * 60_000, '{"title": ' + DEEP_SMALL + "}"):
            response = getattr(client, method)(url, body, content_type="application/json")
            assert response.status_code == 400, (method, url, response.status_code)
            assert response.json()["error"]["code"] == "invalid"
        # Over the size limit it is refused for its size, before any parsing.
        response = getattr(client, method)(url, DEEP, content_type="application/json")
        assert (response.status_code, response.json()["error"]["code"]) == (413, "too_long")
    assert Conversation.objects.count() == 1 and Message.objects.count() == 0


def test_the_policy_forms_resources_field_refuses_deep_json_as_a_field_error():
    data = {**PolicyDraftForm.initial_for(PolicySettings()), "counted_categories": ["cbrn"]}
    for raw in (DEEP_SMALL, "[" * 60_000, "[" + DEEP_SMALL + "]"):
        form = PolicyDraftForm(data={**data, "crisis_resources": raw})
        assert not form.is_valid()
        assert "nests deeper" in form.errors["crisis_resources"][0]


def test_a_models_deeply_nested_tool_input_gives_no_reason_instead_of_a_crash():
    from conversations.responders.anthropic import _end_reason

    assert _end_reason('{"reason": ' + DEEP + "}") == ""
    assert _end_reason('{"reason": "abusive"}') == "abusive"


def test_the_parser_counts_depth_outside_strings_only():
    assert parse_json(json.dumps({"content": "[" * 10_000}), max_bytes=100_000)["content"] == "[" * 10_000
    nested: list = []
    for _ in range(15):
        nested = [nested]
    assert parse_json(json.dumps(nested), max_bytes=1000) == nested  # 16 levels: allowed


# --- 4. NUL and unpaired surrogates are refused alike on SQLite and PostgreSQL ----------------------------

UNSTORABLE = ["\ud800", "a\udfffb", "nul\x00inside"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("text", UNSTORABLE, ids=["high-surrogate", "low-surrogate", "nul"])
async def test_a_message_with_nul_or_a_lone_surrogate_is_refused_invalid_with_its_client_id(user, text):
    conv = await sync_to_async(conversation)(user)
    communicator = await open_socket(user, conv.id)
    client_id = str(uuid.uuid4())
    # json.dumps escapes them (\\ud800, \\u0000): exactly what a hostile client sends.
    await communicator.send_to(
        text_data=json.dumps({"type": "message.send", "client_id": client_id, "parent_id": None, "content": text})
    )
    answer = await next_frame(communicator)
    assert (answer["type"], answer["code"], answer.get("client_id")) == ("error", "invalid", client_id), answer
    assert await sync_to_async(Message.objects.count)() == 0
    await communicator.disconnect()


@pytest.mark.django_db
@pytest.mark.parametrize("text", UNSTORABLE, ids=["high-surrogate", "low-surrogate", "nul"])
def test_titles_and_messages_with_nul_or_a_lone_surrogate_answer_400_over_http(user, text):
    client = Client()
    client.force_login(user)
    conv = conversation(user, title="kept")
    attempts = [
        ("post", "/api/conversations/", {"title": text}),
        ("patch", f"/api/conversations/{conv.id}/", {"title": text}),
        (
            "post",
            f"/api/conversations/{conv.id}/messages/",
            {"client_id": str(uuid.uuid4()), "parent_id": None, "content": text},
        ),
    ]
    for method, url, body in attempts:
        response = getattr(client, method)(url, json.dumps(body), content_type="application/json")
        assert response.status_code == 400, (url, response.status_code)
        assert response.json()["error"]["code"] == "invalid"
    conv.refresh_from_db()
    assert conv.title == "kept"
    assert Conversation.objects.count() == 1 and Message.objects.count() == 0


@pytest.mark.django_db
def test_the_services_refuse_unstorable_text_whatever_the_edge(user):
    from conversations.exceptions import Invalid

    conv = conversation(user)
    for text in UNSTORABLE:
        with pytest.raises(Invalid):
            services.conversation_create(owner=user, title=text)
        with pytest.raises(Invalid):
            services.conversation_rename(user=user, conversation_id=conv.id, title=text)
    assert Conversation.objects.count() == 1


# --- 7. a cap on sockets per user, a rate limit on sync ---------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_sockets_over_the_per_user_cap_are_closed_with_4429_and_a_closed_one_frees_a_slot(
    user, other_user, settings
):
    settings.CHAT_MAX_SOCKETS_PER_USER = 3
    conv = await sync_to_async(conversation)(user)
    sockets = [await open_socket(user, conv.id) for _ in range(3)]
    refused = await open_socket(user, conv.id)
    answer = await next_frame(refused)
    assert (answer["type"], answer["code"]) == ("error", "rate_limited")
    assert await refused.receive_output(timeout=5) == {"type": "websocket.close", "code": 4429}
    # Someone else is not affected.
    other = await open_socket(other_user, (await sync_to_async(conversation)(other_user)).id)
    await other.send_json_to({"type": "sync"})
    assert (await next_frame(other))["type"] == "conversation.state"
    # Closing one frees its slot.
    await sockets.pop().disconnect()
    sockets.append(await open_socket(user, conv.id))
    await sockets[-1].send_json_to({"type": "sync"})
    assert (await next_frame(sockets[-1]))["type"] == "conversation.state"
    for communicator in [*sockets, other]:
        await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_sync_frames_over_the_rate_limit_answer_rate_limited_and_messages_still_go_through(user, settings):
    settings.CHAT_SYNC_RATE_LIMIT = (3, 60)
    conv = await sync_to_async(conversation)(user)
    communicator = await open_socket(user, conv.id)
    answers = []
    for _ in range(5):
        await communicator.send_json_to({"type": "sync"})
        answers.append(await next_frame(communicator))
    assert [a["type"] for a in answers] == ["conversation.state"] * 3 + ["error"] * 2
    assert answers[3]["code"] == "rate_limited" and answers[3]["retry_after"] > 0
    await communicator.send_json_to(
        {"type": "message.send", "client_id": str(uuid.uuid4()), "parent_id": None, "content": "hi"}
    )
    assert (await next_frame(communicator))["type"] == "message.created"
    await communicator.disconnect()


@pytest.mark.parametrize("backend", ["locmem", "redis"])
def test_the_registry_of_open_sockets_forgets_a_dead_process_unless_refreshed(backend, settings, request):
    if backend == "redis":
        url = request.getfixturevalue("require_redis")
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    user_id = f"registry-test-{uuid.uuid4().hex}"  # a key of its own: the shared Redis is never flushed
    now = time.time()
    with mock.patch("conversations.ratelimit.time.time", return_value=now):
        assert all(ratelimit.socket_claim(user_id=user_id, socket_id=f"s{n}", limit=2) for n in range(2))
        assert not ratelimit.socket_claim(user_id=user_id, socket_id="s2", limit=2)
    # s0's process refreshes its socket; s1's process died without closing it.
    with mock.patch("conversations.ratelimit.time.time", return_value=now + ratelimit.SOCKET_TTL - 1):
        ratelimit.socket_refresh(sockets=[("s0", user_id)])
        assert not ratelimit.socket_claim(user_id=user_id, socket_id="s2", limit=2)
    with mock.patch("conversations.ratelimit.time.time", return_value=now + ratelimit.SOCKET_TTL + 1):
        assert ratelimit.socket_claim(user_id=user_id, socket_id="s2", limit=2)  # s1 lapsed, s0 did not
        assert not ratelimit.socket_claim(user_id=user_id, socket_id="s3", limit=2)
        ratelimit.socket_release(user_id=user_id, socket_id="s0")
        assert ratelimit.socket_claim(user_id=user_id, socket_id="s3", limit=2)


@pytest.mark.django_db(transaction=True)
async def test_each_server_process_refreshes_the_entries_of_its_open_sockets_until_they_close(user, monkeypatch):
    from conversations import consumers

    refreshed: list[list] = []
    registry = consumers._OpenSockets()  # this test's own (sockets other tests left open stay out)
    monkeypatch.setattr(consumers, "_open_sockets", registry)
    monkeypatch.setattr(ratelimit, "SOCKET_REFRESH_SECONDS", 0.05)
    monkeypatch.setattr(ratelimit, "socket_refresh", lambda *, sockets: refreshed.append(sorted(sockets)))
    conv = await sync_to_async(conversation)(user)
    sockets = [await open_socket(user, conv.id) for _ in range(2)]
    deadline = time.monotonic() + 10
    while not any(len(batch) == 2 for batch in refreshed):  # one batch for both sockets
        assert time.monotonic() < deadline, refreshed
        await asyncio.sleep(0.05)
    assert all(user_id == user.pk for batch in refreshed for _, user_id in batch)
    for communicator in sockets:
        await communicator.disconnect()
    assert registry.users == {} and registry.task is None  # the refresher stopped with the last one


# --- 9. found while making the suites deterministic ---------------------------------------------------------


def test_an_event_is_sent_again_once_when_a_kept_redis_connection_was_closed(caplog):
    """Under load, a worker's first reply after a Redis restart was stored but its event lost:
    the pooled connection was dead. One more try goes out on a fresh connection."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    from conversations import events

    attempts = []

    def flaky(layer, group, message):
        attempts.append(group)
        if len(attempts) == 1:
            raise RedisConnectionError("Connection closed by server.")

    with mock.patch.object(events, "_group_send", flaky):
        events.send_now(uuid.uuid4(), "assistant.completed", message={})
    assert len(attempts) == 2 and "not delivered" not in caplog.text
    attempts.clear()
    with mock.patch.object(events, "_group_send", side_effect=RedisConnectionError("down")) as down:
        events.send_now(uuid.uuid4(), "assistant.completed", message={})  # never raises
    assert down.call_count == 2 and "not delivered" in caplog.text


# --- 8. headers, settings, resource limits, errors that carry the client_id -------------------------------


@pytest.mark.django_db
def test_the_api_and_the_chat_pages_are_private_and_never_stored(user):
    client = Client()
    client.force_login(user)
    conv = conversation(user)
    for url in ("/chat/", f"/chat/{conv.id}/", "/api/conversations/", f"/api/conversations/{conv.id}/", "/moderation/"):
        response = client.get(url)
        assert response["Cache-Control"] == "private, no-store", url
    static = client.get("/static/conversations/chat.js")
    assert static.status_code == 200 and "no-store" not in static.get("Cache-Control", "")


def test_crisis_resources_have_length_limits():
    base = dict(PolicySettings().to_dict()["crisis_resources"][0])
    for key, too_long in (("name", 121), ("contact", 201), ("url", 501), ("region", 81)):
        value = "https://example.org/" + "x" * too_long if key == "url" else "x" * too_long
        with pytest.raises(PolicySettingsError) as error:
            PolicySettings.from_dict({"crisis_resources": [{**base, key: value}]})
        assert f"{key} is limited to" in error.value.errors["crisis_resources"]
    with pytest.raises(PolicySettingsError) as error:
        PolicySettings.from_dict({"crisis_resources": [base] * 51})
    assert "At most 50" in error.value.errors["crisis_resources"]
    with pytest.raises(PolicySettingsError):
        PolicySettings.from_dict({"crisis_resources": [{**base, "name": "Help\x00line"}]})
    assert PolicySettings.from_dict({"crisis_resources": [base] * 50})


def test_the_policy_form_shows_a_too_long_resource_as_a_field_error():
    resources = PolicySettings().to_dict()["crisis_resources"]
    resources[0]["name"] = "x" * 5000
    data = {**PolicyDraftForm.initial_for(PolicySettings()), "counted_categories": ["cbrn"]}
    form = PolicyDraftForm(data={**data, "crisis_resources": json.dumps(resources)})
    assert not form.is_valid()
    assert "name is limited to 120 characters" in form.errors["crisis_resources"][0]


@pytest.mark.django_db(transaction=True)
async def test_an_unexpected_error_on_the_socket_carries_the_client_id(user, caplog):
    conv = await sync_to_async(conversation)(user)
    communicator = await open_socket(user, conv.id)
    client_id = str(uuid.uuid4())
    with mock.patch("conversations.consumers.services.message_post", side_effect=RuntimeError("boom")):
        await communicator.send_json_to(
            {"type": "message.send", "client_id": client_id, "parent_id": None, "content": "hi"}
        )
        answer = await next_frame(communicator)
    assert (answer["type"], answer["code"], answer.get("client_id")) == ("error", "unavailable", client_id)
    await communicator.disconnect()
    await asyncio.sleep(0)
