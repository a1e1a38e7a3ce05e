"""Issue 13's server-layer probes, through real server processes: Daphne (what `make run` serves)
and uvicorn (what docs/deployment.md runs), on the test database, with a real websocket client.
WebsocketCommunicator cannot catch these: the close code an oversized frame got was refused by
Daphne's websocket library (Autobahn sends only 1000 and 3000-4999), and the Origin check reads
the headers a real handshake carries."""

from __future__ import annotations

import asyncio
import json
import re
import time
import urllib.request
import uuid
from contextlib import ExitStack

import pytest
import websockets
from django.test import Client

from conversations.models import Message
from tests import servers
from tests.factories import conversation

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module", params=servers.SERVERS)
def served(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """One server process of each kind for the module, logging to a file the tests read."""
    log_path = tmp_path_factory.mktemp(request.param) / "server.log"
    with django_db_blocker.unblock():
        with servers.asgi_server(server=request.param, log_path=log_path) as (base_url, process):
            yield {"name": request.param, "base_url": base_url, "log": log_path, "process": process}


def cookie_for(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def ws_url(base_url: str, conversation_id) -> str:
    return base_url.replace("http://", "ws://") + f"/ws/conversations/{conversation_id}/"


async def receive_json(socket, timeout: float = 10) -> dict:
    return json.loads(await asyncio.wait_for(socket.recv(), timeout=timeout))


DAPHNE_ACCESS_LINE = re.compile(r'^\S+ - - \[[^\]]+\] "')  # one per request or socket, by Daphne itself


def log_lines(path) -> list[str]:
    """The application's log lines (Daphne's access log, one line per connection, left out)."""
    text = path.read_text(errors="replace") if path.exists() else ""
    return [line for line in text.splitlines() if not DAPHNE_ACCESS_LINE.match(line)]


def wait_for_log_lines(path, count: int, timeout: float = 5) -> list[str]:
    """The log once it has `count` lines (the server writes its line before it closes the socket,
    so this rarely waits), then a short pause to catch any extra line."""
    deadline = time.monotonic() + timeout
    while len(log_lines(path)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # a traceback, if any, would be written now
    return log_lines(path)


# --- 5. an oversized frame: a valid close code and one log line ----------------------------------------


def test_an_oversized_frame_gets_too_long_a_4413_close_and_one_log_line(served, user):
    conv = conversation(user)
    cookie = cookie_for(user)
    before = log_lines(served["log"])

    async def run():
        headers = {"Cookie": f"sessionid={cookie}", "Origin": served["base_url"]}
        async with websockets.connect(ws_url(served["base_url"], conv.id), additional_headers=headers) as socket:
            await socket.send(json.dumps({"type": "sync", "pad": "x" * 65_600}))  # over 64 KiB, under uvicorn's cap
            answer = await receive_json(socket)
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await receive_json(socket)
            return answer, closed.value.rcvd.code if closed.value.rcvd else None

    answer, close_code = asyncio.run(run())
    assert (answer["type"], answer["code"]) == ("error", "too_long")
    assert close_code == 4413  # before the fix: 1009 on uvicorn, and 1011 with a traceback on Daphne
    new = wait_for_log_lines(served["log"], len(before) + 1)[len(before) :]
    assert len(new) == 1, new
    assert "over the 65536-byte limit" in new[0] and "Traceback" not in "\n".join(new)
    assert Message.objects.count() == 0


def test_a_deeply_nested_frame_answers_invalid_and_logs_nothing(served, user):
    conv = conversation(user)
    cookie = cookie_for(user)
    before = log_lines(served["log"])

    async def run():
        headers = {"Cookie": f"sessionid={cookie}", "Origin": served["base_url"]}
        async with websockets.connect(ws_url(served["base_url"], conv.id), additional_headers=headers) as socket:
            await socket.send("[" * 30_000 + "]" * 30_000)
            answer = await receive_json(socket)
            await socket.send(json.dumps({"type": "sync"}))
            return answer, await receive_json(socket)

    answer, state = asyncio.run(run())
    assert (answer["type"], answer["code"]) == ("error", "invalid")  # before the fix: close 1011
    assert state["type"] == "conversation.state"
    assert wait_for_log_lines(served["log"], len(before)) == before


# --- 6. the websocket Origin check compares scheme, host and port -------------------------------------------


def test_a_socket_from_another_port_or_scheme_of_the_same_host_is_refused(served, user):
    """The probe: `http://127.0.0.1:9999` (any other app on the machine) and `https://...` could
    open a logged-in user's socket and `sync` their conversation."""
    conv = conversation(user)
    message = services_post(user, conv)
    cookie = cookie_for(user)
    port = served["base_url"].rsplit(":", 1)[1]

    async def attempt(origin: str):
        headers = {"Cookie": f"sessionid={cookie}", "Origin": origin}
        try:
            async with websockets.connect(ws_url(served["base_url"], conv.id), additional_headers=headers) as socket:
                await socket.send(json.dumps({"type": "sync"}))
                return await receive_json(socket)
        except websockets.InvalidStatus as refused:
            return refused.response.status_code

    foreign = [
        "http://127.0.0.1:9999",
        f"https://127.0.0.1:{port}",
        "http://127.0.0.1",
        f"http://localhost:{port}",  # another name, not in CSRF_TRUSTED_ORIGINS here
        f"http://127.0.0.1:{port}.evil.example",
        "null",
    ]
    outcomes = {origin: asyncio.run(attempt(origin)) for origin in foreign}
    # 403 from the application; Daphne's websocket library itself answers 400 to an Origin whose
    # port is not a number.
    assert all(outcomes[origin] in (400, 403) for origin in foreign), outcomes
    state = asyncio.run(attempt(served["base_url"]))  # the control: the site's own origin
    assert state["type"] == "conversation.state"
    assert str(message.id) in [m["id"] for m in state["messages"]]


def services_post(user, conv):
    from conversations import services

    return services.message_post(
        user=user, conversation_id=conv.id, content="private text", client_id=uuid.uuid4(), parent_id=None
    ).message


# --- 1 and 2. failed logins, through the server's async middleware chain ------------------------------------


@pytest.mark.parametrize("server", servers.SERVERS)
def test_failed_admin_logins_lock_the_pair_through_a_real_server(server, django_user_model, tmp_path):
    """The lockout page comes from axes' middleware, which runs its async branch under ASGI."""
    django_user_model.objects.create_superuser(username="root", password="pw-root-123")
    env = {"LOGIN_FAILURE_LIMIT": "3", "LOGIN_ADDRESS_FAILURE_LIMIT": "1000"}
    with servers.asgi_server(server=server, log_path=tmp_path / "server.log", **env) as (base_url, _):
        browser = FormBrowser(base_url)
        codes = [browser.post_form("/admin/login/", {"username": "root", "password": "wrong"}) for _ in range(4)]
        assert codes == [200, 200, 429, 429]  # before: 200 every time
        assert browser.post_form("/admin/login/", {"username": "root", "password": "pw-root-123"}) == 429
        # The pair (root, 127.0.0.1) is locked, not the address: another username still logs in.
        django_user_model.objects.create_user(username="bob", password="pw-bob-123")
        assert FormBrowser(base_url).post_form("/accounts/login/", {"username": "bob", "password": "pw-bob-123"}) == 302


class FormBrowser:
    """Just enough of a browser for Django's forms: a cookie jar, the CSRF token, no redirects."""

    def __init__(self, base_url: str) -> None:
        import http.cookiejar

        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(_NoRedirect, urllib.request.HTTPCookieProcessor(self.jar))

    def post_form(self, path: str, fields: dict) -> int:
        import urllib.parse

        page = self._open(urllib.request.Request(self.base_url + path))
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode()).group(1)
        body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token}).encode()
        return self._open(urllib.request.Request(self.base_url + path, data=body, method="POST")).status

    def _open(self, request):
        try:
            return self.opener.open(request, timeout=30)
        except urllib.error.HTTPError as response:
            return response


# --- 8. HTTPS settings from the environment -------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url: str, headers: dict | None = None):
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        return opener.open(urllib.request.Request(url, headers=headers or {}), timeout=10)
    except urllib.error.HTTPError as response:
        return response


def test_hsts_the_ssl_redirect_and_secure_cookies_come_from_the_environment(require_postgres_or_sqlite, tmp_path):
    env = {
        "SECURE_SSL_REDIRECT": "1",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
        "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
        "SESSION_COOKIE_SECURE": "1",
    }
    with servers.asgi_server(log_path=tmp_path / "server.log", **env) as (base_url, _):
        plain = fetch(f"{base_url}/accounts/login/")
        assert plain.status == 301
        assert plain.headers["Location"] == f"https://{base_url.removeprefix('http://')}/accounts/login/"
        secure = fetch(f"{base_url}/accounts/login/", {"X-Forwarded-Proto": "https"})
        assert secure.status == 200
        assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        cookies = secure.headers.get_all("Set-Cookie")
        assert cookies and all("; Secure" in cookie for cookie in cookies), cookies


@pytest.fixture
def require_postgres_or_sqlite():
    """Any database: the server process uses the test database whichever it is."""


# --- 7. the cap on sockets per user holds across server processes ---------------------------------------------


def test_the_socket_cap_counts_a_users_sockets_on_every_server_process(require_redis, user, tmp_path):
    import redis

    redis.Redis.from_url(require_redis).flushdb()  # this run's own Redis database
    conv = conversation(user)
    cookie = cookie_for(user)
    with ExitStack() as stack:
        urls = [
            stack.enter_context(
                servers.asgi_server(
                    server=name,
                    redis_url=require_redis,
                    log_path=tmp_path / f"{name}.log",
                    CHAT_MAX_SOCKETS_PER_USER="3",
                )
            )[0]
            for name in servers.SERVERS
        ]

        async def run():
            def connect(base_url):
                headers = {"Cookie": f"sessionid={cookie}", "Origin": base_url}
                return websockets.connect(ws_url(base_url, conv.id), additional_headers=headers)

            async def open_on(base_url):
                socket = await connect(base_url)
                await socket.send(json.dumps({"type": "sync"}))
                return socket, await receive_json(socket)

            async def refused_on(base_url):
                """Accepted, then (without being asked) an error frame and the close."""
                socket = await connect(base_url)
                answer = await receive_json(socket)
                with pytest.raises(websockets.ConnectionClosed) as closed:
                    await receive_json(socket)
                return answer.get("code"), closed.value.rcvd.code

            kept = []
            for base_url in (urls[0], urls[1], urls[0]):
                socket, answer = await open_on(base_url)
                assert answer["type"] == "conversation.state"
                kept.append(socket)
            outcomes = [await refused_on(base_url) for base_url in urls]  # the fourth, on either process
            await kept.pop().close()  # returns once the server has closed it too
            deadline = time.monotonic() + 10
            while True:  # the slot is freed by the server's disconnect handler, right after the close
                try:
                    socket, answer = await open_on(urls[1])
                except websockets.ConnectionClosed:
                    answer = None
                if answer is not None and answer["type"] == "conversation.state":
                    break
                assert time.monotonic() < deadline, "the closed socket's slot was never freed"
            kept.append(socket)
            for socket in kept:
                await socket.close()
            return outcomes, answer

        outcomes, after_close = asyncio.run(run())
    assert outcomes == [("rate_limited", 4429)] * 2
    assert after_close["type"] == "conversation.state"
