"""The edges against hostile clients: CSRF on every unsafe method of every URL, the websocket Origin
check, sessions that end (expiry, deletion, logout) closing sockets, oversized and malformed
frames (property-based), and per-user rate limits on messages (HTTP and websocket together) and
on login and signup attempts."""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from chatsite.asgi import application
from conversations.models import Message
from tests.communicator import Communicator
from tests.factories import conversation

HOST = b"127.0.0.1:8000"
ORIGIN = b"http://127.0.0.1:8000"
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


# --- CSRF -------------------------------------------------------------------------------------


def every_url() -> list[str]:
    """One concrete URL per pattern of the whole URLconf (console and admin included), with
    placeholder values for the converters."""
    fillers = {"uuid": str(uuid.uuid4()), "int": "1", "str": "x", "slug": "x", "path": "x"}
    urls: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = str(pattern.pattern)
            if getattr(pattern.pattern, "regex", None) is not None and not hasattr(pattern.pattern, "converters"):
                route = _regex_to_path(route)
                if route is None:
                    continue
            else:
                route = re.sub(r"<(?:(\w+):)?\w+>", lambda m: fillers[m.group(1) or "str"], route)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + route)
            elif isinstance(pattern, URLPattern):
                urls.append("/" + prefix + route)

    walk(get_resolver().url_patterns, "")
    return sorted(set(urls))


def _regex_to_path(regex: str) -> str | None:
    """A literal regex route (`^admin/$`) as a path; None when it has groups we cannot fill."""
    text = regex.lstrip("^").rstrip("$").replace("\\Z", "")
    if "(" in text or "[" in text or "*" in text or "+" in text:
        return None
    return text.replace("\\", "")


def test_the_url_walk_finds_the_pages_api_console_and_admin():
    urls = every_url()
    for expected in ("/accounts/login/", "/api/conversations/", "/chat/new/", "/moderation/", "/admin/"):
        assert expected in urls
    assert len(urls) > 30


@pytest.mark.django_db
def test_every_unsafe_method_on_every_url_without_a_csrf_token_is_refused(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)  # a superuser passes every permission check: only CSRF stands
    before = Message.objects.count()
    refused = []
    for url in every_url():
        for method in UNSAFE_METHODS:
            response = client.generic(method, url, "{}", content_type="application/json")
            refused.append((method, url, response.status_code))
    accepted = [(m, u, s) for m, u, s in refused if s != 403]
    assert accepted == []
    assert Message.objects.count() == before


@pytest.mark.django_db
def test_the_same_request_with_the_token_passes_the_csrf_check(user):
    """The control for the test above: the refusal is CSRF's, not something else's."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/chat/")  # sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    response = client.post("/api/conversations/", "{}", content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201
    refused = client.post("/api/conversations/", "{}", content_type="application/json")
    assert refused.status_code == 403


@pytest.mark.django_db
def test_a_login_form_posted_from_another_site_is_refused(user):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "alice", "password": "pw-alice-123"})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


# --- websocket Origin ------------------------------------------------------------------------


def _cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


async def open_socket(conversation_id, cookie: str | None, origin: bytes | None = ORIGIN, host: bytes = HOST):
    headers = [(b"host", host)]
    if origin is not None:
        headers.append((b"origin", origin))
    if cookie is not None:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    communicator = Communicator(application, f"/ws/conversations/{conversation_id}/", headers=headers)
    connected, code = await communicator.connect()
    return communicator, connected, code


FOREIGN_ORIGINS = [
    None,
    b"https://evil.example",
    b"null",
    b"http://127.0.0.1.evil.example",
    b"http://evil.example#127.0.0.1",
    b"http://localhost:8000@evil.example",
    b"http://localhost.evil.example:8000",
    b"http://xn--lcalhost-8za.example",
    b"file://",
    b"",
    # The right host on another port or scheme is another origin (another app on the same machine).
    b"http://127.0.0.1:9999",
    b"https://127.0.0.1:8000",
    b"http://127.0.0.1",
    b"http://localhost",
    b"https://localhost:8443",
]


@pytest.mark.django_db(transaction=True)
async def test_a_socket_from_a_foreign_origin_is_refused_at_the_handshake(user):
    conv = await sync_to_async(conversation)(user)
    cookie = await sync_to_async(_cookie)(user)
    outcomes = {}
    for origin in FOREIGN_ORIGINS:
        communicator, connected, _ = await open_socket(conv.id, cookie, origin=origin)
        outcomes[origin] = connected
        await communicator.disconnect()
    assert outcomes == dict.fromkeys(FOREIGN_ORIGINS, False)
    # The site's own origin, and one of CSRF_TRUSTED_ORIGINS (another name of the same site).
    for origin in (b"http://127.0.0.1:8000", b"http://localhost:8000"):
        communicator, connected, _ = await open_socket(conv.id, cookie, origin=origin)
        assert connected, origin
        await communicator.disconnect()


# --- sessions that end ------------------------------------------------------------------------


def _frame(content: str = "hello", parent_id=None) -> dict:
    return {"type": "message.send", "client_id": str(uuid.uuid4()), "parent_id": parent_id, "content": content}


async def expect_closed(communicator, code: int, timeout: float = 3) -> None:
    while True:
        output = await communicator.receive_output(timeout=timeout)
        if output["type"] == "websocket.close":
            assert output.get("code") == code, output
            return


@pytest.mark.django_db(transaction=True)
async def test_an_expired_session_closes_the_socket_at_the_next_send_and_writes_nothing(user, settings):
    settings.SESSION_COOKIE_AGE = 1
    conv = await sync_to_async(conversation)(user)
    cookie = await sync_to_async(_cookie)(user)
    communicator, connected, _ = await open_socket(conv.id, cookie)
    assert connected
    await asyncio.sleep(1.5)  # the session expires while the socket stays open
    await communicator.send_json_to(_frame())
    await expect_closed(communicator, 4403)
    assert await sync_to_async(Message.objects.count)() == 0


@pytest.mark.django_db(transaction=True)
async def test_a_deleted_session_closes_the_socket_at_the_next_send(user):
    conv = await sync_to_async(conversation)(user)
    cookie = await sync_to_async(_cookie)(user)
    communicator, connected, _ = await open_socket(conv.id, cookie)
    assert connected

    def delete_session():
        Session.objects.filter(session_key=cookie).delete()
        cache.clear()  # cached_db: the cached copy goes with it (as at expiry)

    await sync_to_async(delete_session)()
    await communicator.send_json_to(_frame())
    await expect_closed(communicator, 4403)
    assert await sync_to_async(Message.objects.count)() == 0


@pytest.mark.django_db(transaction=True)
async def test_logging_out_closes_every_socket_of_that_session_at_once_and_no_other(user, other_user):
    convs = [await sync_to_async(conversation)(user) for _ in range(2)]
    other_conv = await sync_to_async(conversation)(other_user)

    def logged_in_client(u):
        client = Client()
        client.force_login(u)
        return client

    browser = await sync_to_async(logged_in_client)(user)
    phone_cookie = await sync_to_async(_cookie)(user)  # the same user on a second device
    cookie = browser.cookies["sessionid"].value
    tabs = [(await open_socket(c.id, cookie))[0] for c in convs]
    phone, _, _ = await open_socket(convs[0].id, phone_cookie)
    bystander, _, _ = await open_socket(other_conv.id, await sync_to_async(_cookie)(other_user))

    response = await sync_to_async(browser.post)("/accounts/logout/")
    assert response.status_code == 302
    for tab in tabs:  # closed without sending anything
        await expect_closed(tab, 4403)
    for still_open in (phone, bystander):
        await still_open.send_json_to({"type": "sync"})
        state = json.loads(await still_open.receive_from())
        assert state["type"] == "conversation.state"
        await still_open.disconnect()


# --- frames -----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "raw",
    [
        "x" * (64 * 1024 + 1),
        json.dumps({"type": "sync", "pad": "x" * 70_000}),
        # 16,400 four-byte characters: under the limit in characters, over it in bytes.
        json.dumps({**_frame("😀" * 16_400)}, ensure_ascii=False),
    ],
    ids=["text", "json", "multibyte"],
)
async def test_an_oversized_frame_is_answered_too_long_the_socket_closed_and_nothing_written(user, raw):
    assert len(raw.encode()) > 64 * 1024
    conv = await sync_to_async(conversation)(user)
    communicator, _, _ = await open_socket(conv.id, await sync_to_async(_cookie)(user))
    await communicator.send_to(text_data=raw)
    frame = json.loads(await communicator.receive_from())
    assert frame["type"] == "error" and frame["code"] == "too_long"
    close = await communicator.receive_output()
    assert close == {"type": "websocket.close", "code": 4413}
    assert await sync_to_async(Message.objects.count)() == 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
not_a_uuid = st.one_of(json_values.filter(lambda v: not _is_uuid(v)))
bad_content = st.one_of(
    st.none(),
    st.integers(),
    st.booleans(),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
    st.sampled_from(["", " ", "\n\t ", "\u00a0"]),
    st.text(max_size=20).map(lambda t: t + "\x00"),
    st.just("x" * 8001),
)


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return isinstance(value, str)


def _send(client_id, parent_id, content) -> dict:
    return {"type": "message.send", "client_id": client_id, "parent_id": parent_id, "content": content}


malformed_sends = st.one_of(
    # a good client_id and parent, bad content
    st.builds(_send, st.uuids().map(str), st.none(), bad_content),
    # a bad client_id, anything else
    st.builds(_send, not_a_uuid, st.none() | st.uuids().map(str), st.text(min_size=1, max_size=20)),
    # a bad or unknown parent
    st.builds(
        _send,
        st.uuids().map(str),
        not_a_uuid.filter(lambda v: v is not None) | st.uuids().map(str),
        st.text(min_size=1, max_size=20).filter(str.strip),
    ),
)
other_objects = st.dictionaries(st.text(max_size=10), json_values, max_size=5).filter(
    lambda d: d.get("type") not in ("sync", "message.send")
)
random_frames = st.one_of(
    st.text(max_size=200).map(lambda t: ("text", t)),
    json_values.map(lambda v: ("json", json.dumps(v))),
    other_objects.map(lambda d: ("json", json.dumps(d))),
    malformed_sends.map(lambda d: ("json", json.dumps(d))),
    st.binary(max_size=50).map(lambda b: ("bytes", b)),
)


def _is_valid_frame(kind: str, raw) -> bool:
    if kind != "text":
        return False
    try:
        value = json.loads(raw)
    except ValueError:
        return False
    return isinstance(value, dict) and value.get("type") in ("sync", "message.send")


@pytest.mark.django_db(transaction=True)
@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(frames=st.lists(random_frames, min_size=1, max_size=8))
def test_malformed_frames_get_an_error_never_crash_the_consumer_and_write_nothing(user, frames):
    frames = [(kind, raw) for kind, raw in frames if not _is_valid_frame(kind, raw)]
    conv = conversation(user)
    cookie = _cookie(user)
    before = (Message.objects.count(), conv.title)

    async def run():
        communicator, connected, _ = await open_socket(conv.id, cookie)
        assert connected
        for kind, raw in frames:
            key = "bytes" if kind == "bytes" else "text"
            await communicator.send_input({"type": "websocket.receive", key: raw})  # empty frames too
            answer = json.loads(
                await communicator.receive_from(timeout=30)
            )  # the server's answer, however loaded the machine
            assert answer["type"] == "error", (raw, answer)
            assert answer["code"] in ("invalid", "too_long", "not_found"), (raw, answer)
            assert answer["conversation_id"] == str(conv.id)
        # Still alive and still the same conversation.
        await communicator.send_json_to({"type": "sync"})
        state = json.loads(await communicator.receive_from(timeout=5))
        assert state["type"] == "conversation.state" and state["messages"] == []
        assert await communicator.receive_nothing(timeout=0.05)
        await communicator.disconnect()

    async_to_sync(run)()
    conv.refresh_from_db()
    assert (Message.objects.count(), conv.title) == before


# --- rate limits --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_the_message_rate_limit_counts_http_and_websocket_together_per_user(user, other_user, settings):
    settings.CHAT_RATE_LIMIT = (5, 60)
    conv = await sync_to_async(conversation)(user)

    def http_client(u):
        client = Client()
        client.force_login(u)
        return client

    http = await sync_to_async(http_client)(user)
    url = f"/api/conversations/{conv.id}/messages/"

    def http_send(client_id=None):
        body = _frame("over http")
        if client_id:
            body["client_id"] = client_id
        return http.post(url, json.dumps(body), content_type="application/json")

    first = await sync_to_async(http_send)()
    assert first.status_code == 201
    for _ in range(2):
        assert (await sync_to_async(http_send)()).status_code == 201
    # A resend of an accepted message is answered and not counted.
    resend = await sync_to_async(http_send)(first.json()["message"]["client_id"])
    assert resend.status_code == 200
    communicator, _, _ = await open_socket(conv.id, browser_cookie := http.cookies["sessionid"].value)
    assert browser_cookie
    codes = []
    for _ in range(3):
        frame = _frame("over the socket")
        await communicator.send_json_to(frame)
        while True:
            answer = json.loads(
                await communicator.receive_from(timeout=30)
            )  # the server's answer, however loaded the machine
            if (
                answer.get("client_id") == frame["client_id"]
                or answer.get("message", {}).get("client_id") == frame["client_id"]
            ):
                codes.append(answer.get("code") or answer["type"])
                if answer["type"] == "error":
                    assert answer["retry_after"] > 0
                break
    assert codes == ["message.created", "message.created", "rate_limited"]
    limited = await sync_to_async(http_send)()
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert limited.json()["error"]["code"] == "rate_limited"
    assert await sync_to_async(Message.objects.filter(role="user").count)() == 5
    await communicator.disconnect()

    # Another user has their own budget.
    other_conv = await sync_to_async(conversation)(other_user)
    other_http = await sync_to_async(http_client)(other_user)
    response = await sync_to_async(other_http.post)(
        f"/api/conversations/{other_conv.id}/messages/", json.dumps(_frame()), content_type="application/json"
    )
    assert response.status_code == 201


@pytest.mark.django_db
def test_failed_logins_lock_a_username_only_from_the_address_that_failed(user, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    attacker = Client(REMOTE_ADDR="10.0.0.1")
    codes = [
        attacker.post("/accounts/login/", {"username": "alice", "password": "wrong"}).status_code for _ in range(4)
    ]
    assert codes == [200, 200, 429, 429]
    response = attacker.post("/accounts/login/", {"username": "alice", "password": "pw-alice-123"})
    assert response.status_code == 429
    assert "_auth_user_id" not in attacker.session
    # Alice, from her own address, is not locked out of her account.
    alice = Client(REMOTE_ADDR="10.0.0.2")
    assert alice.post("/accounts/login/", {"username": "ALICE ", "password": "wrong"}).status_code == 200
    assert alice.post("/accounts/login/", {"username": "alice", "password": "pw-alice-123"}).status_code == 302


@pytest.mark.django_db
def test_failed_logins_are_limited_per_address_across_usernames(user, other_user, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    client = Client(REMOTE_ADDR="10.1.1.1")
    codes = [
        client.post("/accounts/login/", {"username": name, "password": "x"}).status_code
        for name in ("bob", "carol", "dave")
    ]
    assert codes == [200, 200, 429]
    response = client.post("/accounts/login/", {"username": "alice", "password": "pw-alice-123"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # Someone else, elsewhere, is not locked out of their account.
    response = Client(REMOTE_ADDR="10.2.2.2").post(
        "/accounts/login/", {"username": "mallory", "password": "pw-mallory-123"}
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_signups_are_limited_per_address(settings):
    settings.SIGNUP_RATE_LIMIT = (2, 3600)
    client = Client(REMOTE_ADDR="10.3.3.3")
    statuses = []
    for n in range(3):
        client.logout()
        statuses.append(
            client.post(
                "/accounts/signup/",
                {"username": f"new{n}", "password1": "a-long-pass-phrase-9", "password2": "a-long-pass-phrase-9"},
            ).status_code
        )
    assert statuses == [302, 302, 429]


def test_the_fixed_window_counter_allows_exactly_the_limit():
    from conversations import ratelimit

    key = f"test:{time.time_ns()}"
    results = [ratelimit.hit(key, limit=3, window=3600) for _ in range(5)]
    assert results[:3] == [0, 0, 0]
    assert all(r > 0 for r in results[3:])


def test_the_counter_on_redis_takes_one_round_trip_and_expires_with_its_window(settings, require_redis):
    from django.core.cache import caches

    from conversations import ratelimit

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": require_redis}}
    cache = caches["default"]
    key = f"test:{time.time_ns()}"
    results = [ratelimit.hit(key, limit=2, window=3600) for _ in range(4)]
    assert results[:2] == [0, 0]
    assert all(0 < r <= 3600 for r in results[2:])
    now = int(time.time())
    full_key = cache.make_and_validate_key(f"rl:{key}:{now - now % 3600}")
    client = cache._cache.get_client(full_key)
    assert int(client.get(full_key)) == 4
    assert 0 < client.ttl(full_key) <= 3601
    client.delete(full_key)
