"""Faults on the real services (DESIGN 9, "nothing lost"): a Celery worker killed with SIGKILL in the
middle of classifying or replying, Redis restarted under load, the ASGI server restarted, and
PostgreSQL "restarted".

Every test runs its own redis-server on a free port (so it may kill and restart it without
touching the shared Redis), Daphne and Celery worker processes on the pytest-django test database
(PostgreSQL), and clients that behave like `static/conversations/chat.js`: on a closed socket they
reconnect, `sync`, and resend every message not yet acknowledged by `message.created`, with the
same `client_id`.

PostgreSQL restart: stopping the shared server would hurt every other user of it, so the fault is
simulated the way the application sees a restart: `pg_terminate_backend()` on every connection of
the test database except this test's own (each server/worker backend gets "terminating connection
due to administrator command" in the middle of whatever it was doing, and must reconnect).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis.asyncio as aioredis
import websockets
from django.test import Client

from conversations.models import Ending, Message, group_name
from moderation.models import Classification, Decision
from tests import servers
from tests.conftest import require
from tests.factories import conversation

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

VISIBILITY_TIMEOUT = 4  # seconds before kombu hands an unacknowledged message to another worker
SLOW_BACKENDS = {
    "CLASSIFIER_BACKENDS_JSON": json.dumps({"slow": "tests.fakes.slow_backends.SlowClassifier"}),
    "RESPONDERS_JSON": json.dumps({"slow": "tests.fakes.slow_backends.SlowResponder"}),
}


# --- processes ------------------------------------------------------------------------------


class OwnRedis:
    """A redis-server of our own on a free port, with no persistence: a restart loses every key
    (queued tasks, channel layer state, cache), the worst case for the application."""

    def __init__(self, log_path: Path) -> None:
        self.port = servers.free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        servers.wait_for_port(self.port, self.process, timeout=10)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def own_redis(require_redis, tmp_path):
    require(shutil.which("redis-server") is not None, "redis-server binary not installed")
    redis = OwnRedis(tmp_path / "redis.log")
    redis.start()
    yield redis
    redis.kill()


def start_worker(redis_url: str, log_path: Path, **extra: str) -> subprocess.Popen:
    """A worker in its own session, so that SIGKILL reaches the main process and its pool children
    at once (a machine or container dying), never anything else."""
    return servers.start_worker(
        redis_url,
        log_path,
        new_session=True,
        heartbeat=False,
        CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
        **SLOW_BACKENDS,
        **extra,
    )


def kill_group(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def stop_group(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            kill_group(process)


@contextmanager
def daphne(redis_url: str, log_path: Path, port: int | None = None):
    with servers.asgi_server(port=port, redis_url=redis_url, log_path=log_path) as (base_url, process):
        yield base_url, process


def run_sweeper(redis_url: str, log_path: Path) -> int:
    """`moderation.tasks.sweep_unanswered` in a process configured like a deployment (its `.delay`
    goes to the real broker), with the grace period shortened to none."""
    code = "import django; django.setup()\nimport moderation.tasks as tasks\nprint(tasks.sweep_unanswered())\n"
    env = servers.process_env(None, redis_url, DJANGO_SETTINGS_MODULE="chatsite.settings", SWEEP_GRACE_SECONDS="0")
    with open(log_path, "ab") as log:
        out = subprocess.run(
            [sys.executable, "-c", code],
            cwd=servers.ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=log,
            timeout=60,
            check=True,
        )
    return int(out.stdout.decode().strip().splitlines()[-1])


def cookie_for(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def wait_until(predicate, *, timeout: float, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


# --- invariants -----------------------------------------------------------------------------


def unanswered(conversation_ids) -> list:
    """User messages of these conversations without a finished reply (assistant or notice)."""
    missing = []
    for message in Message.objects.filter(conversation_id__in=conversation_ids, role="user"):
        replies = list(Message.objects.filter(parent=message).exclude(role="user"))
        if not replies or replies[0].status == "streaming":
            if not _closed_beside_an_ending(message):
                missing.append(message.id)
    return missing


def _closed_beside_an_ending(message) -> bool:
    return Message.objects.filter(parent_id=message.parent_id, role="notice").exists() if message.parent_id else False


def assert_exactly_once(conversation_ids) -> None:
    """One reply and one decision per user message, one classification per backend, nothing
    after a locked notice, every notice backed by an ending."""
    for message in Message.objects.filter(conversation_id__in=conversation_ids, role="user"):
        replies = Message.objects.filter(parent=message).exclude(role="user")
        assert replies.count() <= 1, f"{replies.count()} replies to {message.id}"
        assert Decision.objects.filter(message=message).count() <= 1
        backends = list(Classification.objects.filter(message=message).values_list("backend", flat=True))
        assert len(backends) == len(set(backends)), backends
    for notice in Message.objects.filter(conversation_id__in=conversation_ids, role="notice"):
        ending = Ending.objects.get(notice=notice)
        if ending.reopened_at is None:
            assert not Message.objects.filter(parent=notice).exists(), "a message landed after an ending"
            assert (
                not Message.objects.filter(parent_id=notice.parent_id)
                .exclude(id=notice.id)
                .exclude(role="user")
                .exists()
            )


# --- a client that behaves like chat.js ----------------------------------------------------------


class ChatClient:
    """Sends messages as new roots; on a closed socket reconnects with backoff, syncs and resends
    every unacknowledged message with its client_id. Records what the server accepted."""

    def __init__(self, base_url: str, cookie: str, conversation_id) -> None:
        self.url = base_url.replace("http://", "ws://") + f"/ws/conversations/{conversation_id}/"
        self.headers = {"Cookie": f"sessionid={cookie}", "Origin": base_url}
        self.socket = None
        self.sent: dict[str, str] = {}  # client_id -> content
        self.accepted: set[str] = set()
        self.outages = 0  # closed sockets and failed handshakes
        self.errors: list[dict] = []
        self.frames: list[dict] = []

    async def ensure_connected(self, *, deadline: float) -> bool:
        if self.socket is not None:
            return True
        delay = 0.2
        while time.monotonic() < deadline:
            try:
                self.socket = await websockets.connect(self.url, additional_headers=self.headers, open_timeout=3)
                await self.socket.send(json.dumps({"type": "sync"}))
                for client_id in self.pending():
                    await self._transmit(client_id)
                return True
            except (TimeoutError, OSError, websockets.WebSocketException):
                self.socket = None
                self.outages += 1
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
        return False

    def pending(self) -> list[str]:
        return [client_id for client_id in self.sent if client_id not in self.accepted]

    async def _transmit(self, client_id: str) -> None:
        frame = {"type": "message.send", "client_id": client_id, "parent_id": None, "content": self.sent[client_id]}
        await self.socket.send(json.dumps(frame))

    async def send_new(self, content: str) -> None:
        client_id = str(uuid.uuid4())
        self.sent[client_id] = content
        try:
            await self._transmit(client_id)
        except websockets.WebSocketException:
            await self._lost()

    async def pump(self, seconds: float) -> None:
        """Read frames for up to `seconds`; note acknowledgements, errors and closures."""
        deadline = time.monotonic() + seconds
        while self.socket is not None and time.monotonic() < deadline:
            try:
                raw = await asyncio.wait_for(self.socket.recv(), timeout=max(0.01, deadline - time.monotonic()))
            except TimeoutError:
                return
            except websockets.WebSocketException:
                await self._lost()
                return
            frame = json.loads(raw)
            self.frames.append(frame)
            if frame["type"] == "message.created" and frame["message"].get("client_id") in self.sent:
                self.accepted.add(frame["message"]["client_id"])
            elif frame["type"] == "error":
                self.errors.append(frame)
                if frame.get("client_id") and frame["code"] == "unavailable":
                    # chat.js puts the text back for the user; this client retries by itself.
                    await asyncio.sleep(0.2)
                    try:
                        await self._transmit(frame["client_id"])
                    except websockets.WebSocketException:
                        await self._lost()
                        return

    async def _lost(self) -> None:
        self.outages += 1
        socket, self.socket = self.socket, None
        if socket is not None:
            try:
                await socket.close()
            except Exception:
                pass

    async def settle(self, seconds: float) -> None:
        """Keep reconnecting and resending until everything sent is accepted (or time is up)."""
        deadline = time.monotonic() + seconds
        while self.pending() and time.monotonic() < deadline:
            if await self.ensure_connected(deadline=deadline):
                await self.pump(0.5)
                if self.pending() and self.socket is not None:
                    for client_id in self.pending():
                        await self._transmit(client_id)

    async def state(self) -> dict:
        await self.ensure_connected(deadline=time.monotonic() + 10)
        await self.socket.send(json.dumps({"type": "sync"}))
        while True:
            frame = json.loads(await asyncio.wait_for(self.socket.recv(), timeout=10))
            if frame["type"] == "conversation.state":
                return frame

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()
            self.socket = None


async def drive_load(clients: list[ChatClient], *, seconds: float, every: float, fault=None) -> None:
    """Each client sends a new message every `every` seconds for `seconds`; `fault` (a coroutine
    function) runs concurrently."""

    async def one(client: ChatClient, index: int) -> None:
        deadline = time.monotonic() + seconds
        n = 0
        while time.monotonic() < deadline:
            if await client.ensure_connected(deadline=deadline):
                await client.send_new(f"load message {index}.{n}: how do I sort a list in Python?")
                n += 1
                await client.pump(every)

    tasks = [one(client, i) for i, client in enumerate(clients)]
    if fault is not None:
        tasks.append(fault())
    await asyncio.gather(*tasks)


def assert_nothing_lost(clients: list[ChatClient], conversation_ids) -> None:
    for client in clients:
        assert not client.pending(), f"never accepted: {client.pending()}"
        for client_id in client.sent:
            assert Message.objects.filter(client_id=client_id).count() == 1, client_id
    sent = sum(len(c.sent) for c in clients)
    assert Message.objects.filter(conversation_id__in=conversation_ids, role="user").count() == sent


def answer_everything(redis_url: str, conversation_ids, logs: Path, *, timeout: float = 90) -> int:
    """Wait for every user message to be answered, running the sweeper every few seconds for the
    messages whose task was lost. Returns how many times the sweeper re-queued something."""
    requeued = 0
    deadline = time.monotonic() + timeout
    next_sweep = time.monotonic() + 3
    while time.monotonic() < deadline:
        missing = unanswered(conversation_ids)
        if not missing:
            return requeued
        if time.monotonic() >= next_sweep:
            requeued += run_sweeper(redis_url, logs / "sweeper.log")
            next_sweep = time.monotonic() + 5
        time.sleep(0.3)
    raise AssertionError(f"{len(unanswered(conversation_ids))} user messages never answered")


# --- 1. a worker killed in the middle of the work -------------------------------------------------


@pytest.mark.parametrize("stage", ["classify", "reply"])
def test_a_worker_killed_mid_work_answers_the_message_exactly_once_after_a_restart(
    stage, require_postgres, own_redis, user, tmp_path
):
    markers = tmp_path / "markers"
    markers.mkdir()
    backends = {"CLASSIFIER_BACKEND": "slow", "RESPONDER": "slow", "FAULT_MARKER_DIR": str(markers)}
    worker = start_worker(
        own_redis.url, tmp_path / "worker1.log", FAULT_SLOW_SECONDS="60", FAULT_SLOW_STAGES=stage, **backends
    )
    conv = conversation(user)
    cookie = cookie_for(user)
    try:
        with daphne(own_redis.url, tmp_path / "server.log") as (base_url, _):

            async def send() -> ChatClient:
                client = ChatClient(base_url, cookie, conv.id)
                await client.ensure_connected(deadline=time.monotonic() + 10)
                await client.send_new("Please explain how binary search works.")
                await client.settle(60)  # until the server's message.created, however loaded the machine
                await client.close()
                return client

            client = asyncio.run(send())
            assert len(client.accepted) == 1
            wait_until(lambda: list(markers.glob(f"{stage}-*")), timeout=30, what=f"the worker inside {stage}")
            kill_group(worker)  # SIGKILL to the main process and its pool children at once
    finally:
        kill_group(worker)

    user_message = Message.objects.get(conversation=conv, role="user")
    if stage == "reply":
        assert Message.objects.get(parent=user_message).status == "streaming"  # cut in the middle
    else:
        assert not Classification.objects.filter(message=user_message).exists()
    assert not Message.objects.filter(parent=user_message, status="complete").exists()

    # A new worker (fast this time) gets the unacknowledged task again: acks_late +
    # reject_on_worker_lost. kombu restores unacknowledged messages older than the visibility
    # timeout when a worker starts, then only every tenth restore tick (~100 s), so the new worker
    # starts once the message is past it, as it would be after any real restart delay.
    # No sweeper runs in this test.
    time.sleep(VISIBILITY_TIMEOUT + 1.5)
    worker = start_worker(own_redis.url, tmp_path / "worker2.log", FAULT_SLOW_SECONDS="0", **backends)
    try:
        wait_until(
            lambda: Message.objects.filter(parent=user_message, status="complete").exists(),
            timeout=60,
            what="the reply after the restart",
        )
        time.sleep(2)  # a duplicate delivery, if any, would land now
    finally:
        stop_group(worker)

    replies = list(Message.objects.filter(parent=user_message))
    assert len(replies) == 1 and replies[0].role == "assistant" and replies[0].status == "complete"
    assert replies[0].content.count(replies[0].content[:20]) == 1  # the cut stream was reset, not appended to
    assert Decision.objects.filter(message=user_message).count() == 1
    assert list(Classification.objects.filter(message=user_message).values_list("backend", flat=True)) == ["slow"]
    entries = sorted(markers.glob(f"{stage}-*"))
    assert len({path.name.split("-")[1] for path in entries}) == 2, "the task ran again in the new worker"


# --- 2. Redis restarted under load ----------------------------------------------------------------


def test_redis_restarted_under_load_loses_no_accepted_message_and_the_sweeper_answers_the_rest(
    require_postgres, own_redis, django_user_model, tmp_path
):
    users = [
        django_user_model.objects.create_user(username=f"redis-fault-{i}", password="pw-x-12345") for i in range(3)
    ]
    convs = [conversation(u) for u in users]
    cookies = [cookie_for(u) for u in users]
    conversation_ids = [c.id for c in convs]
    worker = start_worker(own_redis.url, tmp_path / "worker.log")
    try:
        with daphne(own_redis.url, tmp_path / "server.log") as (base_url, _):
            clients = [ChatClient(base_url, cookie, c.id) for cookie, c in zip(cookies, convs, strict=True)]

            async def restart_redis() -> None:
                await asyncio.sleep(2.5)
                own_redis.kill()
                await asyncio.sleep(2.0)
                own_redis.start()  # same port, empty: queued tasks, groups and cache are gone

            async def scenario() -> None:
                await drive_load(clients, seconds=9, every=0.25, fault=restart_redis)
                await asyncio.gather(*(client.settle(30) for client in clients))

            asyncio.run(scenario())
            # kombu 5.7 crashes the worker when the broker vanishes while it holds unacknowledged
            # messages ("Unrecoverable error: AttributeError: 'NoneType' object has no attribute
            # 'hostname'" in restore_unacked). Deployments run workers under a supervisor that
            # restarts them (systemd Restart=always, a container restart policy); so does this test.
            if worker.poll() is not None:
                print(f"the worker exited with {worker.returncode} when Redis went away: restarted")
                worker = start_worker(own_redis.url, tmp_path / "worker-restarted.log")
            assert sum(c.outages for c in clients) + sum(len(c.errors) for c in clients) > 0, "no client saw the outage"
            for client in clients:
                assert {e["code"] for e in client.errors} <= {"unavailable"}, client.errors
            assert_nothing_lost(clients, conversation_ids)
            answer_everything(own_redis.url, conversation_ids, tmp_path)
            states = run_async(clients, _states(clients))
    finally:
        stop_group(worker)
    assert_exactly_once(conversation_ids)
    for client, state in zip(clients, states, strict=True):
        synced = {m["client_id"] for m in state["messages"] if m["role"] == "user"}
        assert synced == set(client.sent)


async def _states(clients: list[ChatClient]) -> list[dict]:
    states = [await client.state() for client in clients]
    for client in clients:
        await client.close()
    return states


def run_async(clients: list[ChatClient], coroutine):
    """Run one phase in a fresh event loop. A socket belongs to the loop that opened it, so the
    clients reconnect (and resend what is pending), as a browser would after a reload."""
    for client in clients:
        client.socket = None
    return asyncio.run(coroutine)


# --- 3. the ASGI server restarted -----------------------------------------------------------------


def _tree(state: dict) -> tuple:
    return (
        sorted((m["id"], m["parent_id"], m["role"], m["content"], m["status"]) for m in state["messages"]),
        sorted(e["id"] for e in state["endings"]),
        state["active_leaf_id"],
    )


def test_after_the_asgi_server_restarts_a_client_reconnects_and_sync_shows_the_same_tree(
    require_postgres, own_redis, user, tmp_path
):
    conv = conversation(user)
    cookie = cookie_for(user)
    port = servers.free_port()
    worker = start_worker(own_redis.url, tmp_path / "worker.log")
    try:
        with daphne(own_redis.url, tmp_path / "server1.log", port=port) as (base_url, process):
            client = ChatClient(base_url, cookie, conv.id)

            async def send_two() -> None:
                await client.ensure_connected(deadline=time.monotonic() + 10)
                for text in ("First question about tea.", "Second question about coffee."):
                    await client.send_new(text)
                    await client.pump(1)
                await client.settle(60)
                assert not client.pending(), "the server never stored them"

            run_async([client], send_two())
            wait_until(lambda: not unanswered([conv.id]), timeout=30, what="the replies")

            async def stop_the_server() -> tuple[dict, bool]:
                state = await client.state()
                await asyncio.to_thread(servers.stop, process)
                return state, await _socket_is_closed(client)

            state_before, closed = run_async([client], stop_the_server())
            assert closed, "the socket outlived its server"
        with daphne(own_redis.url, tmp_path / "server2.log", port=port) as (base_url, _):

            async def after() -> dict:
                state = await client.state()  # reconnects first
                await client.send_new("A third question, after the restart.")
                await client.settle(60)
                assert not client.pending(), "the restarted server never stored it"
                await client.close()
                return state

            state_after = run_async([client], after())
            wait_until(lambda: not unanswered([conv.id]), timeout=30, what="the reply after the restart")
    finally:
        stop_group(worker)
    assert len(state_before["messages"]) == 4
    assert _tree(state_after) == _tree(state_before)
    assert Message.objects.filter(conversation=conv).count() == 6
    assert_exactly_once([conv.id])


async def _socket_is_closed(client: ChatClient) -> bool:
    try:
        await asyncio.wait_for(client.socket.recv(), timeout=5)
    except websockets.ConnectionClosed:
        client.socket = None
        return True
    return False


REPLY = "#thread li[data-role=assistant]:not(.streaming)"


def test_a_browser_reloading_after_the_server_restarts_shows_the_same_conversation(
    require_postgres, require_chromium, own_redis, user, tmp_path
):
    from tests.browser.conftest import CHROMIUM_ARGS, EXPECT_TIMEOUT, PAGE_TIMEOUT, SocketLog, send

    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        require(False, "the playwright package is not installed")
    conv = conversation(user)
    cookie = cookie_for(user)
    port = servers.free_port()
    worker = start_worker(own_redis.url, tmp_path / "worker.log")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs a loop in this thread
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=require_chromium, args=CHROMIUM_ARGS)
            context = browser.new_context(base_url=f"http://127.0.0.1:{port}")
            context.add_cookies([{"name": "sessionid", "value": cookie, "url": f"http://127.0.0.1:{port}"}])
            page = context.new_page()
            page.set_default_timeout(PAGE_TIMEOUT)
            page.ws = SocketLog(page)
            with daphne(own_redis.url, tmp_path / "server1.log", port=port):
                page.goto(f"/chat/{conv.id}/")
                _, reply = send(page, "What is the capital of France?")  # stored and answered by the server
                expect(page.locator(REPLY)).to_contain_text(reply["content"][:30], timeout=EXPECT_TIMEOUT)
                before = page.inner_text("#thread")
            with daphne(own_redis.url, tmp_path / "server2.log", port=port):
                since = page.ws.mark()
                page.reload()
                # The reloaded page is served from the database; its socket's `sync` answer is the
                # server's word that it is connected and has nothing to add.
                page.ws.wait_for(lambda f: f.get("type") == "conversation.state", since=since, what="the sync")
                expect(page.locator(REPLY)).to_contain_text(reply["content"][:30], timeout=EXPECT_TIMEOUT)
                after = page.inner_text("#thread")
                errors = page.locator("#composer-error").inner_text()
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        stop_group(worker)
    assert "What is the capital of France?" in before
    assert after == before
    assert errors == ""


# --- 4. PostgreSQL "restarted" --------------------------------------------------------------------


APP_NAME = "chatsite-fault-app"  # the application_name of the server's and worker's connections


def app_database_url() -> str:
    return f"{servers.test_database_url()}?application_name={APP_NAME}"


def terminate_app_backends() -> int:
    """What a PostgreSQL restart looks like to the application: every connection of the server
    and worker processes is cut ("terminating connection due to administrator command"). They are
    told apart by their application_name, so this test process's own connections (its threads'
    too, which later tests reuse) are left alone."""
    import psycopg

    with psycopg.connect(servers.test_database_url(), autocommit=True) as admin:
        row = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            [APP_NAME],
        ).fetchone()
    return row[0]


def test_postgres_connections_cut_under_load_give_clean_errors_and_keep_the_invariants(
    require_postgres, own_redis, django_user_model, tmp_path
):
    users = [django_user_model.objects.create_user(username=f"pg-fault-{i}", password="pw-x-12345") for i in range(3)]
    convs = [conversation(u) for u in users]
    cookies = [cookie_for(u) for u in users]
    conversation_ids = [c.id for c in convs]
    terminated: list[int] = []
    # DB_CONN_MAX_AGE keeps connections open between requests, as a tuned deployment would: the
    # cut then hits idle persistent connections too (CONN_HEALTH_CHECKS must notice them).
    app_env = {"DB_CONN_MAX_AGE": "60", "DATABASE_URL": app_database_url()}
    worker = start_worker(own_redis.url, tmp_path / "worker.log", CLASSIFIER_BACKEND="fake", **app_env)
    try:
        with servers.asgi_server(redis_url=own_redis.url, log_path=tmp_path / "server.log", **app_env) as (
            base_url,
            _,
        ):
            clients = [ChatClient(base_url, cookie, c.id) for cookie, c in zip(cookies, convs, strict=True)]

            async def cut_connections() -> None:
                for _ in range(4):
                    await asyncio.sleep(1.5)
                    terminated.append(await asyncio.to_thread(terminate_app_backends))

            async def scenario() -> None:
                await drive_load(clients, seconds=8, every=0.2, fault=cut_connections)
                await asyncio.gather(*(client.settle(30) for client in clients))

            run_async(clients, scenario())
            assert sum(terminated) > 0, "no backend was terminated: the fault did not happen"
            for client in clients:
                assert {e["code"] for e in client.errors} <= {"unavailable"}, client.errors
            assert_nothing_lost(clients, conversation_ids)
            answer_everything(own_redis.url, conversation_ids, tmp_path)

            # The locking invariant after the cuts: an abusive branch still ends once, and nothing
            # lands after the notice.
            abusive = ChatClient(base_url, cookies[0], convs[0].id)
            run_async([abusive], _drive_to_an_ending(abusive))
            answer_everything(own_redis.url, conversation_ids, tmp_path)
    finally:
        stop_group(worker)
    assert_exactly_once(conversation_ids)
    assert Ending.objects.filter(conversation=convs[0]).count() == 1


async def _drive_to_an_ending(client: ChatClient) -> None:
    await client.ensure_connected(deadline=time.monotonic() + 10)
    parent = None
    for turn in range(8):
        client_id = str(uuid.uuid4())
        client.sent[client_id] = f"[sev:4:cbrn] turn {turn}"
        await client.socket.send(
            json.dumps(
                {"type": "message.send", "client_id": client_id, "parent_id": parent, "content": client.sent[client_id]}
            )
        )
        deadline = time.monotonic() + 30
        sent_id = None
        while time.monotonic() < deadline:
            frame = json.loads(await asyncio.wait_for(client.socket.recv(), timeout=30))
            if frame["type"] == "message.created" and frame["message"]["client_id"] == client_id:
                sent_id = frame["message"]["id"]
            elif frame["type"] == "assistant.completed" and sent_id and frame["message"]["parent_id"] == sent_id:
                parent = frame["message"]["id"]
                break
            if frame["type"] == "conversation.ended":
                # A message racing the ending is refused: never appended after the notice.
                late = str(uuid.uuid4())
                await client.socket.send(
                    json.dumps(
                        {
                            "type": "message.send",
                            "client_id": late,
                            "parent_id": frame["ending"]["notice_id"],
                            "content": "one more",
                        }
                    )
                )
                while True:
                    answer = json.loads(await asyncio.wait_for(client.socket.recv(), timeout=10))
                    if answer["type"] == "error" and answer.get("client_id") == late:
                        assert answer["code"] == "locked"
                        await client.close()
                        return
        else:
            raise AssertionError("no reply within 30 s")
    raise AssertionError("the abusive branch was never ended")


# --- 2b. A socket that stays open through a Redis restart keeps receiving events -------------------


STALL_SECONDS = 15  # stored but unanswered this long: the task may have died with the broker


async def _send_until_completed(
    socket, content: str, *, timeout: float, supervise=lambda: None, on_stall=None
) -> list[dict]:
    """Send one message (resending the same client_id while the server answers `unavailable`)
    and return the frames up to its `assistant.completed`; `supervise()` runs every second, and
    `on_stall()` (in a thread) whenever the stored message has waited STALL_SECONDS for its reply."""
    client_id = str(uuid.uuid4())
    frame = json.dumps({"type": "message.send", "client_id": client_id, "parent_id": None, "content": content})
    deadline = time.monotonic() + timeout
    frames: list[dict] = []
    await socket.send(frame)
    created_id = None
    waiting_since = None
    while time.monotonic() < deadline:
        supervise()
        if on_stall is not None and waiting_since is not None and time.monotonic() - waiting_since > STALL_SECONDS:
            await asyncio.to_thread(on_stall)
            waiting_since = time.monotonic()
        try:
            received = json.loads(await asyncio.wait_for(socket.recv(), timeout=1.0))
        except TimeoutError:
            if created_id is None:
                await socket.send(frame)  # nothing yet: the post may have met the outage
            continue
        frames.append(received)
        if received["type"] == "error" and received.get("client_id") == client_id:
            await asyncio.sleep(0.5)
            await socket.send(frame)
        elif received["type"] == "message.created" and received["message"]["client_id"] == client_id:
            created_id = received["message"]["id"]
            waiting_since = time.monotonic()
        elif received["type"] == "assistant.completed" and received["message"]["parent_id"] == created_id:
            return frames
    raise AssertionError(f"no reply to {content!r} within {timeout}s: {frames}")


def test_a_socket_open_through_a_redis_restart_still_receives_the_events_of_new_messages(
    require_postgres, own_redis, django_user_model, tmp_path
):
    """The channel layer's subscriptions come back by themselves: the browser that never noticed
    the outage (its socket stayed open) still sees `message.created` and `assistant.completed`."""
    user = django_user_model.objects.create_user(username="redis-blip", password="pw-x-12345")
    conv = conversation(user)
    worker = start_worker(own_redis.url, tmp_path / "worker.log")
    try:
        with daphne(own_redis.url, tmp_path / "server.log") as (base_url, _):
            ws_url = base_url.replace("http://", "ws://") + f"/ws/conversations/{conv.id}/"
            headers = {"Cookie": f"sessionid={cookie_for(user)}", "Origin": base_url}

            def supervise() -> None:
                """What systemd's Restart=always does: kombu may crash a worker when Redis goes
                away (see the test above)."""
                nonlocal worker
                if worker.poll() is not None:
                    worker = start_worker(own_redis.url, tmp_path / f"worker-{time.monotonic_ns()}.log")

            async def scenario() -> tuple[list[dict], list[dict]]:
                async with websockets.connect(ws_url, additional_headers=headers, open_timeout=10) as socket:
                    before = await _send_until_completed(socket, "Hello before the blip", timeout=30)
                    own_redis.kill()
                    await asyncio.sleep(1.0)
                    own_redis.start()  # empty: subscriptions, queues and cache are gone
                    # What this test claims is that the subscription comes back by itself. An
                    # event published in the second or so before it does is lost to an open
                    # socket (delivery is best effort; `sync` catches up): sending before the
                    # server has subscribed again raced it, and failed 2 of 9 runs under stress.
                    await _wait_until_subscribed(own_redis.url, group_name(conv.id), timeout=60)
                    # A classify task queued while the worker was losing the broker can be lost
                    # with it (kombu); the sweeper answers such messages, as in production.
                    after = await _send_until_completed(
                        socket,
                        "Hello after the blip",
                        timeout=120,
                        supervise=supervise,
                        on_stall=lambda: run_sweeper(own_redis.url, tmp_path / "sweeper.log"),
                    )
                    assert socket.close_code is None, "the socket stayed open all along"
                    return before, after

            try:
                before, after = asyncio.run(scenario())
            except AssertionError as error:
                # Under `stress --cpu 2` it still failed once in three runs after the sweeper and
                # the event retry went in (the message stored, its reply never seen on the socket),
                # with no logs left to say why: the processes' logs now go with the failure, since
                # pytest's temporary directories are soon rotated away on a shared machine.
                raise AssertionError(f"{error}\n{_log_tails(tmp_path)}") from None
    finally:
        stop_group(worker)
    for frames in (before, after):
        types = [f["type"] for f in frames]
        assert "message.created" in types and types[-1] == "assistant.completed", types


async def _wait_until_subscribed(redis_url: str, group: str, *, timeout: float) -> None:
    """Wait until some server process subscribes to the group's Pub/Sub channel on this Redis."""
    client = aioredis.Redis.from_url(redis_url)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            try:
                channels = await client.pubsub_channels(f"*{group}*")
            except aioredis.ConnectionError:
                channels = []
            if channels:
                return
            await asyncio.sleep(0.1)
    finally:
        await client.aclose()
    raise AssertionError(f"no server subscribed to {group} again within {timeout}s of Redis coming back")


def _log_tails(directory: Path, lines: int = 40) -> str:
    parts = []
    for path in sorted(directory.glob("*.log")):
        tail = path.read_text(errors="replace").splitlines()[-lines:]
        parts.append(f"--- {path.name} (last {len(tail)} lines) ---\n" + "\n".join(tail))
    return "\n".join(parts)
