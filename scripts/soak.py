"""Soak test: the distributed stack under mixed load for a long while; memory, connections and
Redis keys must reach a plateau (DESIGN 9, "nothing lost" over time).

    .venv/bin/python scripts/soak.py [--minutes 10] [--servers 2] [--chatty 16] [--idle 200]

It starts its own stack: a PostgreSQL database `chatsite_soak` on the shared server (created and
dropped), Redis database 12 on the shared Redis (emptied before and after: never another one),
N Daphne processes and one Celery worker per queue (`classify` with the sweeper's beat, `reply`),
offline classifier and responder. The load mixes idle sockets, chatty users (a message every ~2 s,
waiting for the reply), edits (a sibling branch from an earlier message), reconnects (close,
reconnect, `sync`, resend what was not acknowledged) and HTTP reads and PATCHes.

Every `--every` seconds (10) it samples the RSS of each process (workers with their pool
children), the TCP connections established to the servers, PostgreSQL's connections to the soak
database and Redis DBSIZE. At the end each series must plateau: the mean of the last third within
10% of the middle third's (with a small absolute floor, so that a count of 5 does not fail on one
connection). It then checks that every user message was answered, writes `docs/soak.md` and exits
non-zero when anything failed. All traffic stays on 127.0.0.1.
"""

# Fixed local commands (psql, daphne, celery), constant SQL identifiers and URLs to 127.0.0.1 only.
# ruff: noqa: S603, S607, S608, S310
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DB_NAME = "chatsite_soak"
ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
REDIS_URL = "redis://127.0.0.1:6379/12"
LOG_DIR = ROOT / "var" / "soak"
SECRET_KEY = os.environ.get("SECRET_KEY") or secrets.token_urlsafe(40)  # one for every process
# Plateau tolerance: relative, with an absolute floor per kind of series.
RELATIVE = 0.10
FLOORS = {"rss_mib": 3.0, "connections": 4.0, "keys": 25.0}


def log(line: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {line}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"nothing listening on {port}")


# --- the stack ------------------------------------------------------------------------------------


@dataclass
class Proc:
    name: str
    process: subprocess.Popen
    port: int | None = None


@dataclass
class Stack:
    procs: list[Proc] = field(default_factory=list)

    @property
    def ports(self) -> list[int]:
        return [p.port for p in self.procs if p.port]

    def close(self) -> None:
        for proc in self.procs:  # only the process groups this script started
            if proc.process.poll() is None:
                os.killpg(proc.process.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.process.pid, signal.SIGKILL)


def env(**extra: str) -> dict:
    base = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}}
    base.update(
        SECRET_KEY=SECRET_KEY,
        DJANGO_DEBUG="0",
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=REDIS_URL,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        CSRF_TRUSTED_ORIGINS="http://127.0.0.1",
        CHAT_RATE_LIMIT="100000/60",
        CHAT_SYNC_RATE_LIMIT="100000/60",
        CHAT_MAX_SOCKETS_PER_USER="0",  # idle tabs share a few users
        CLASSIFIER_BACKEND="offline",
        RESPONDER="offline",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    base.update(extra)
    return base


def psql(sql: str) -> None:
    subprocess.run(["psql", ADMIN_URL, "-v", "ON_ERROR_STOP=1", "-qtAc", sql], check=True, capture_output=True)


def redis_client():
    import redis

    return redis.Redis.from_url(REDIS_URL)


def start(name: str, args: list[str], stack: Stack, port: int | None = None, **extra: str) -> None:
    out = open(LOG_DIR / f"{name}.log", "ab")
    process = subprocess.Popen(
        args, cwd=ROOT, env=env(**extra), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    out.close()
    stack.procs.append(Proc(name, process, port))


def build_stack(servers: int) -> Stack:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    for old in LOG_DIR.glob("*.log"):
        old.unlink()
    psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    psql(f"CREATE DATABASE {DB_NAME}")
    redis_client().flushdb()  # database 12 only: the soak's own
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env(), check=True)
    stack = Stack()
    for i in range(servers):
        port = free_port()
        start(
            f"daphne-{i}",
            [str(VENV_BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "chatsite.asgi:application"],
            stack,
            port=port,
        )
    celery = [
        str(VENV_BIN / "celery"),
        "-A",
        "chatsite",
        "worker",
        "-l",
        "warning",
        "--concurrency",
        "2",
        "--without-gossip",
        "--without-mingle",
    ]
    start(
        "worker-classify",
        [*celery, "-Q", "classify", "-n", "classify@%h", "-B", "-s", str(LOG_DIR / "beat-schedule")],
        stack,
    )
    start("worker-reply", [*celery, "-Q", "reply", "-n", "reply@%h"], stack)
    for port in stack.ports:
        wait_for_port(port)
    return stack


def tear_down(stack: Stack) -> None:
    stack.close()
    try:
        redis_client().flushdb()
    finally:
        psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


# --- users (through Django, on the soak database) ----------------------------------------------------


def setup_django() -> None:
    os.environ.update(
        {
            k: v
            for k, v in env().items()
            if k in {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DJANGO_DEBUG", "ALLOWED_HOSTS"}
        }
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = "chatsite.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def make_users(count: int) -> list[tuple[str, str]]:
    """(session cookie, conversation id) per user."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from conversations import services

    users = []
    for i in range(count):
        user = get_user_model().objects.create_user(f"soak-{i}")
        client = Client()
        client.force_login(user)
        conv = services.conversation_create(owner=user, title=f"soak {i}")
        users.append((client.cookies["sessionid"].value, str(conv.id)))
    return users


def unanswered_count() -> int:
    from django.db.models import Exists, OuterRef

    from conversations.models import Message

    replies = Message.objects.filter(parent_id=OuterRef("pk")).exclude(role="user").exclude(status="streaming")
    return Message.objects.filter(role="user").exclude(Exists(replies)).count()


def user_message_count() -> int:
    from conversations.models import Message

    return Message.objects.filter(role="user").count()


# --- sampling ---------------------------------------------------------------------------------------


def rss_mib(pid: int) -> float:
    """RSS of a process and its children (a worker's pool), in MiB."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def established_to(ports: list[int]) -> int:
    wanted = {f"{port:04X}" for port in ports}
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if parts[3] == "01" and parts[1].rsplit(":", 1)[1] in wanted:
                count += 1
    return count


def pg_connections() -> int:
    out = subprocess.run(
        ["psql", ADMIN_URL, "-qtAc", f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{DB_NAME}'"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip())


def sample(stack: Stack) -> dict[str, float]:
    row: dict[str, float] = {}
    for proc in stack.procs:
        row[f"rss_mib:{proc.name}"] = round(rss_mib(proc.process.pid), 1)
    row["connections:websocket+http"] = established_to(stack.ports)
    row["connections:postgres"] = pg_connections()
    row["keys:redis_db12"] = redis_client().dbsize()
    return row


# --- load -------------------------------------------------------------------------------------------


@dataclass
class Counters:
    sent: int = 0
    completed: int = 0
    edits: int = 0
    reconnects: int = 0
    http: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)


class Chatty:
    def __init__(self, base: str, cookie: str, conversation_id: str, counters: Counters, rng: random.Random):
        self.base, self.cookie, self.conversation_id = base, cookie, conversation_id
        self.url = base.replace("http://", "ws://") + f"/ws/conversations/{conversation_id}/"
        self.counters, self.rng = counters, rng
        self.socket = None
        self.pending: dict[str, dict] = {}
        self.leaf: str | None = None
        self.user_messages: list[tuple[str, str | None]] = []  # (id, parent id)

    async def connect(self) -> None:
        import websockets

        self.socket = await websockets.connect(
            self.url, additional_headers={"Cookie": f"sessionid={self.cookie}", "Origin": self.base}, open_timeout=10
        )
        await self.socket.send(json.dumps({"type": "sync"}))
        for frame in self.pending.values():
            await self.socket.send(json.dumps(frame))

    async def run(self, deadline: float) -> None:
        import websockets

        while time.monotonic() < deadline:
            try:
                if self.socket is None:
                    await self.connect()
                roll = self.rng.random()
                if roll < 0.04:
                    self.counters.reconnects += 1
                    await self.socket.close()
                    self.socket = None
                    continue
                if roll < 0.10:
                    await self.http_round()
                parent = self.leaf
                if roll > 0.90 and self.user_messages:  # edit: a sibling of an earlier message
                    parent = self.rng.choice(self.user_messages)[1]
                    self.counters.edits += 1
                await self.exchange(parent)
                await asyncio.sleep(self.rng.uniform(1.0, 3.0))
            except (TimeoutError, OSError, websockets.WebSocketException) as error:
                self.counters.errors[type(error).__name__] = self.counters.errors.get(type(error).__name__, 0) + 1
                self.socket = None
                await asyncio.sleep(1)

    async def exchange(self, parent: str | None) -> None:
        client_id = str(uuid.uuid4())
        frame = {
            "type": "message.send",
            "client_id": client_id,
            "parent_id": parent,
            "content": f"soak question {self.rng.randrange(10**6)}: explain how tides work",
        }
        self.pending[client_id] = frame
        started = time.perf_counter()
        await self.socket.send(json.dumps(frame))
        self.counters.sent += 1
        my_id = None
        while True:
            event = json.loads(await asyncio.wait_for(self.socket.recv(), timeout=30))
            kind = event["type"]
            if kind == "message.created" and event["message"].get("client_id") == client_id:
                my_id = event["message"]["id"]
                self.pending.pop(client_id, None)
                self.user_messages.append((my_id, parent))
            elif kind == "assistant.completed" and my_id and event["message"]["parent_id"] == my_id:
                self.counters.completed += 1
                self.counters.latencies_ms.append((time.perf_counter() - started) * 1000)
                self.leaf = event["message"]["id"]
                return
            elif kind == "conversation.ended":
                self.leaf = None
                return
            elif kind == "error":
                code = event.get("code", "?")
                self.counters.errors[code] = self.counters.errors.get(code, 0) + 1
                if event.get("client_id") == client_id:
                    self.pending.pop(client_id, None)
                    self.leaf = None
                    return

    async def http_round(self) -> None:
        """GET the state and PATCH the active leaf over HTTP (session + CSRF)."""
        import urllib.request

        token = secrets.token_hex(16)
        headers = {
            "Cookie": f"sessionid={self.cookie}; csrftoken={token}",
            "X-CSRFToken": token,
            "Origin": self.base,
            "Content-Type": "application/json",
        }
        url = f"{self.base}/api/conversations/{self.conversation_id}/"

        def call() -> None:
            urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10).read()
            if self.leaf:
                body = json.dumps({"active_leaf_id": self.leaf}).encode()
                request = urllib.request.Request(url, data=body, headers=headers, method="PATCH")
                urllib.request.urlopen(request, timeout=10).read()

        await asyncio.to_thread(call)
        self.counters.http += 1


async def idle_socket(
    base: str, cookie: str, conversation_id: str, deadline: float, counters: Counters, delay: float
) -> None:
    """An open tab nobody types in. Started after `delay` (the sockets ramp up instead of storming
    the servers' listen backlog at once); reconnects with backoff when dropped."""
    import websockets

    await asyncio.sleep(delay)
    url = base.replace("http://", "ws://") + f"/ws/conversations/{conversation_id}/"
    backoff = 1.0
    while time.monotonic() < deadline:
        try:
            async with websockets.connect(
                url, additional_headers={"Cookie": f"sessionid={cookie}", "Origin": base}, open_timeout=30
            ) as sock:
                backoff = 1.0
                await sock.send(json.dumps({"type": "sync"}))
                while time.monotonic() < deadline:
                    try:
                        await asyncio.wait_for(sock.recv(), timeout=max(0.1, min(5, deadline - time.monotonic())))
                    except TimeoutError:
                        pass
        except (TimeoutError, OSError, websockets.WebSocketException) as error:
            counters.errors[f"idle:{type(error).__name__}"] = counters.errors.get(f"idle:{type(error).__name__}", 0) + 1
            await asyncio.sleep(backoff * random.uniform(0.5, 1.5))
            backoff = min(backoff * 2, 15.0)


async def drive(stack: Stack, users, idle: int, seconds: float, every: float, samples: list) -> Counters:
    counters = Counters()
    bases = [f"http://127.0.0.1:{port}" for port in stack.ports]
    deadline = time.monotonic() + seconds
    chatty_users = users[: len(users) // 2] or users
    idle_users = users[len(users) // 2 :] or users
    tasks = [
        asyncio.create_task(Chatty(bases[i % len(bases)], cookie, conv, counters, random.Random(i)).run(deadline))
        for i, (cookie, conv) in enumerate(chatty_users)
    ]
    for i in range(idle):
        cookie, conv = idle_users[i % len(idle_users)]
        ramp = min(30.0, seconds / 6) * i / max(1, idle)
        tasks.append(asyncio.create_task(idle_socket(bases[i % len(bases)], cookie, conv, deadline, counters, ramp)))

    async def sampler() -> None:
        started = time.monotonic()
        while time.monotonic() + every <= deadline + 0.5:
            await asyncio.sleep(every)
            row = await asyncio.to_thread(sample, stack)
            row["t_s"] = round(time.monotonic() - started)
            samples.append(row)
            log(
                f"t={row['t_s']:>4}s sent={counters.sent} completed={counters.completed} "
                f"sockets={row['connections:websocket+http']} pg={row['connections:postgres']} "
                f"keys={row['keys:redis_db12']} rss={sum(v for k, v in row.items() if k.startswith('rss')):.0f} MiB"
            )

    tasks.append(asyncio.create_task(sampler()))
    await asyncio.gather(*tasks)
    return counters


# --- verdicts and report ----------------------------------------------------------------------------


def plateau(values: list[float], floor: float) -> tuple[float, float, float, bool]:
    third = len(values) // 3
    middle = values[third : 2 * third]
    last = values[2 * third :]
    middle_mean, last_mean = statistics.fmean(middle), statistics.fmean(last)
    change = (last_mean - middle_mean) / middle_mean if middle_mean else 0.0
    ok = last_mean - middle_mean <= max(RELATIVE * middle_mean, floor)
    return middle_mean, last_mean, change, ok


def report(samples: list[dict], counters: Counters, args, unanswered: int, messages: int, wall_s: float) -> bool:
    metrics = [k for k in samples[0] if k != "t_s"]
    lines = [
        "# Soak run",
        "",
        f"Generated by `scripts/soak.py` (`make soak`) on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: "
        f"{args.minutes:g} min of mixed load on {args.servers} Daphne process(es) and one Celery worker per queue "
        f"(PostgreSQL, Redis db 12, offline classifier and responder), {args.chatty} chatty users, {args.idle} idle "
        f"sockets, a sample every {args.every:g} s ({len(samples)} samples).",
        "",
        "A series passes when the mean of its last third is at most 10% above the mean of its middle third "
        "(absolute floors: 3 MiB RSS, 4 connections, 25 keys), i.e. it has reached a plateau instead of growing.",
        "",
        "| series | first | middle third (mean) | last third (mean) | max | change | plateau |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    all_ok = True
    for name in metrics:
        values = [row[name] for row in samples]
        kind = name.split(":", 1)[0]
        middle_mean, last_mean, change, ok = plateau(values, FLOORS[kind])
        all_ok &= ok
        lines.append(
            f"| {name} | {values[0]:g} | {middle_mean:.1f} | {last_mean:.1f} | {max(values):g} | "
            f"{change:+.1%} | {'yes' if ok else '**NO**'} |"
        )
    lat = sorted(counters.latencies_ms) or [0.0]
    p50 = lat[len(lat) // 2]
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    answered_ok = unanswered == 0
    all_ok &= answered_ok
    lines += [
        "",
        "Load: "
        f"{counters.sent} messages sent over websockets ({counters.sent / wall_s:.1f}/s), {counters.completed} replies "
        f"received, {counters.edits} edits, {counters.reconnects} reconnects, {counters.http} HTTP rounds "
        f"(GET state + PATCH active leaf); send -> completed p50 {p50:.0f} ms, p99 {p99:.0f} ms; "
        f"client-side errors: {json.dumps(counters.errors, sort_keys=True) if counters.errors else 'none'}.",
        "",
        f"Nothing lost: {messages} user messages stored, {unanswered} without a reply after the load "
        f"({'pass' if answered_ok else '**FAIL**'}).",
        "",
        f"Verdict: **{'pass' if all_ok else 'FAIL'}**.",
        "",
    ]
    Path(args.output).write_text("\n".join(lines))
    log(f"wrote {args.output}: {'pass' if all_ok else 'FAIL'}")
    return all_ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--chatty", type=int, default=16, help="users sending messages")
    parser.add_argument("--idle", type=int, default=200, help="idle websockets")
    parser.add_argument("--every", type=float, default=10.0, help="seconds between samples")
    parser.add_argument("--output", default=str(ROOT / "docs" / "soak.md"))
    args = parser.parse_args()
    seconds = args.minutes * 60
    if seconds / args.every < 6:
        parser.error("at least six samples are needed: lengthen --minutes or shorten --every")

    log(f"starting the stack ({args.servers} servers, a worker per queue) on {DB_NAME} and {REDIS_URL}")
    stack = build_stack(args.servers)
    try:
        setup_django()
        users = make_users(args.chatty * 2)
        samples: list[dict] = []
        started = time.monotonic()
        counters = asyncio.run(drive(stack, users, args.idle, seconds, args.every, samples))
        wall = time.monotonic() - started
        deadline = time.monotonic() + 60
        while unanswered_count() and time.monotonic() < deadline:  # let the queues drain
            time.sleep(1)
        ok = report(samples, counters, args, unanswered_count(), user_message_count(), wall)
    finally:
        from django.db import connections

        connections.close_all()
        tear_down(stack)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
