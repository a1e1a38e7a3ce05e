"""The websocket load tool: users log in through the real form, create conversations through the
HTTP API and talk over `/ws/conversations/<id>/` exactly like the browser does (session cookie,
Origin header, `message.send` frames, `client_id` correlation). The same code drives the bare echo
baseline at `/ws/bench/echo/`.

Latencies are measured from the moment a frame is handed to the socket to the arrival of the
`message.created` (correlated by `client_id`) and of the `assistant.completed` whose parent is that
message."""

from __future__ import annotations

import asyncio
import itertools
import json
import statistics
import time
import uuid
from dataclasses import dataclass, field

import httpx
from websockets.asyncio.client import connect

PASSWORD = "bench-password-Xy7!"
PROMPTS = (
    "How do I bake a sourdough bread with a crisp crust?",
    "Can you explain how photosynthesis works, simply?",
    "What is a good beginner routine for running 5 km?",
    "Summarise the causes of the French Revolution in a few lines.",
    "How do I reverse a linked list in Python?",
    "Suggest three names for a grey kitten.",
    "What is the difference between weather and climate?",
    "How should I prepare for a job interview as a nurse?",
)
REPLY_TIMEOUT = 15.0


@dataclass
class Session:
    base_url: str
    username: str
    cookies: dict
    conversation_id: str = ""

    @property
    def ws_base(self) -> str:
        return self.base_url.replace("http://", "ws://")

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())


def login(base_url: str, username: str) -> Session:
    """Log in through the form (CSRF from the cookie the page sets), like a browser."""
    with httpx.Client(base_url=base_url, timeout=30, follow_redirects=False) as client:
        client.get("/accounts/login/").raise_for_status()
        response = client.post(
            "/accounts/login/",
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": client.cookies["csrftoken"]},
        )
        if response.status_code != 302:
            raise RuntimeError(f"login of {username} answered {response.status_code}")
        return Session(base_url, username, dict(client.cookies.items()))


def conversation_create(session: Session) -> str:
    with httpx.Client(base_url=session.base_url, timeout=30, cookies=session.cookies) as client:
        response = client.post(
            "/api/conversations/",
            json={"title": "bench"},
            headers={"X-CSRFToken": session.cookies["csrftoken"], "Origin": session.base_url},
        )
        if response.status_code != 201:
            raise RuntimeError(f"conversation create answered {response.status_code}: {response.text[:200]}")
        return response.json()["id"]


async def sessions_open(base_urls: list[str], usernames: list[str]) -> list[Session]:
    """One session per user, spread round-robin over the servers, each with a new conversation."""

    def one(index: int, username: str) -> Session:
        session = login(base_urls[index % len(base_urls)], username)
        session.conversation_id = conversation_create(session)
        return session

    return list(await asyncio.gather(*(asyncio.to_thread(one, i, u) for i, u in enumerate(usernames))))


def ws_connect(session: Session, path: str):
    return connect(
        session.ws_base + path,
        origin=session.base_url,
        additional_headers={"Cookie": session.cookie_header()},
        compression=None,
        open_timeout=30,
        close_timeout=2,
        ping_interval=None,
        max_size=2**20,
    )


# --- Results -------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary(values_ms: list[float]) -> dict:
    return {
        "n": len(values_ms),
        "p50": percentile(values_ms, 50),
        "p95": percentile(values_ms, 95),
        "p99": percentile(values_ms, 99),
        "max": max(values_ms) if values_ms else float("nan"),
        "mean": statistics.fmean(values_ms) if values_ms else float("nan"),
    }


@dataclass
class Result:
    label: str
    target: str
    sent: int = 0
    created_ms: list[float] = field(default_factory=list)
    completed_ms: list[float] = field(default_factory=list)
    errors: dict = field(default_factory=dict)
    duration_s: float = 0.0
    completed_in_window: int = 0

    @property
    def unanswered(self) -> int:
        return self.sent - len(self.completed_ms)

    @property
    def throughput(self) -> float:
        return self.completed_in_window / self.duration_s if self.duration_s else 0.0

    def as_dict(self) -> dict:
        return {
            "label": self.label,
            "target": self.target,
            "sent": self.sent,
            "unanswered": self.unanswered,
            "errors": self.errors,
            "duration_s": round(self.duration_s, 2),
            "throughput_per_s": round(self.throughput, 1),
            "created": summary(self.created_ms),
            "completed": summary(self.completed_ms),
        }


# --- One user's socket ----------------------------------------------------------------------------


class UserSocket:
    """One websocket and the bookkeeping that correlates replies with sends."""

    def __init__(self, ws, result: Result):
        self.ws = ws
        self.result = result
        self.sent_at: dict[str, float] = {}
        self.by_message: dict[str, str] = {}  # user message id -> client_id
        self.waiters: dict[str, asyncio.Future] = {}
        self.parent_id: str | None = None
        self.window_end = float("inf")
        self.prompts = itertools.cycle(PROMPTS)
        self.reader = asyncio.create_task(self._read())

    async def send(self) -> asyncio.Future:
        client_id = str(uuid.uuid4())
        future = asyncio.get_running_loop().create_future()
        self.waiters[client_id] = future
        frame = json.dumps(
            {"type": "message.send", "client_id": client_id, "parent_id": self.parent_id, "content": next(self.prompts)}
        )
        self.sent_at[client_id] = time.perf_counter()
        self.result.sent += 1
        await self.ws.send(frame)
        return future

    async def _read(self) -> None:
        async for raw in self.ws:
            now = time.perf_counter()
            frame = json.loads(raw)
            kind = frame.get("type")
            if kind == "message.created":
                message = frame["message"]
                client_id = message.get("client_id")
                if client_id in self.sent_at:
                    self.by_message[message["id"]] = client_id
                    self.result.created_ms.append((now - self.sent_at[client_id]) * 1000)
            elif kind == "assistant.completed":
                message = frame["message"]
                client_id = self.by_message.pop(message.get("parent_id"), None)
                if client_id is None:
                    continue
                self.result.completed_ms.append((now - self.sent_at.pop(client_id)) * 1000)
                if now <= self.window_end:
                    self.result.completed_in_window += 1
                self.parent_id = message["id"] if message.get("role") == "assistant" else None
                waiter = self.waiters.pop(client_id, None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(now)
            elif kind == "error":
                code = frame.get("code", "?")
                self.result.errors[code] = self.result.errors.get(code, 0) + 1
                waiter = self.waiters.pop(frame.get("client_id") or "", None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(now)

    async def drain(self, timeout: float) -> None:
        pending = [f for f in self.waiters.values() if not f.done()]
        if pending:
            await asyncio.wait(pending, timeout=timeout)

    async def close(self) -> None:
        self.reader.cancel()
        await self.ws.close()


# --- Loads ----------------------------------------------------------------------------------------


async def _sockets(sessions: list[Session], echo: bool, result: Result) -> list[UserSocket]:
    async def one(session: Session) -> UserSocket:
        path = "/ws/bench/echo/" if echo else f"/ws/conversations/{session.conversation_id}/"
        ws = await ws_connect(session, path)
        return UserSocket(ws, result)

    return list(await asyncio.gather(*(one(s) for s in sessions)))


async def _warm_up(sockets: list[UserSocket], rounds: int = 3) -> None:
    for _ in range(rounds):
        futures = [await s.send() for s in sockets]
        await asyncio.wait(futures, timeout=REPLY_TIMEOUT)


async def steady_rate(
    sessions: list[Session], *, echo: bool, rate: float, duration: float, progress, on_start=None
) -> Result:
    """Load (a): every user sends `rate` messages a second, open loop, the users' starts spread
    evenly over the first period."""
    period = 1.0 / rate
    count = int(duration * rate)

    async def user(index: int, sock: UserSocket, start: float) -> None:
        offset = index * period / len(sessions)
        for k in range(count):
            delay = start + offset + k * period - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            await sock.send()

    return await _measured_load(
        sessions,
        echo=echo,
        target=f"{len(sessions)} users x {rate:g} msg/s, {duration:g} s",
        duration=duration,
        progress=progress,
        on_start=on_start,
        user=user,
        open_loop=True,
    )


async def as_fast_as_answered(
    sessions: list[Session], *, echo: bool, duration: float, progress, on_start=None
) -> Result:
    """Load (b): every user sends its next message as soon as the previous one is answered."""

    async def user(index: int, sock: UserSocket, start: float) -> None:
        end = start + duration
        while time.perf_counter() < end:
            future = await sock.send()
            done, _ = await asyncio.wait([future], timeout=REPLY_TIMEOUT)
            if not done:
                break

    return await _measured_load(
        sessions,
        echo=echo,
        target=f"{len(sessions)} users, closed loop, {duration:g} s",
        duration=duration,
        progress=progress,
        on_start=on_start,
        user=user,
        open_loop=False,
    )


async def _measured_load(
    sessions: list[Session], *, echo: bool, target: str, duration: float, progress, on_start, user, open_loop: bool
) -> Result:
    """What both loads share: one socket per session, a warm-up (into its own Result), then
    `user(index, socket, start)` for every socket at once, with a progress line every 5 s.

    Open loop: the sends are scheduled from 0.2 s ahead, the replies still owed when they are all
    sent are waited for (up to REPLY_TIMEOUT) and every answer counts towards the throughput.
    Closed loop: the window starts now and only the answers arriving within it count."""
    label = "echo" if echo else "chatsite"
    warm = Result(label, "warm-up")
    sockets = await _sockets(sessions, echo, warm)
    try:
        await _warm_up(sockets)
        if on_start is not None:
            on_start()  # the measured part begins
        result = Result(label, target)
        for s in sockets:
            s.result = result
        start = time.perf_counter() + (0.2 if open_loop else 0.0)
        if not open_loop:
            for s in sockets:
                s.window_end = start + duration
        ticker = asyncio.create_task(_progress(progress, result, start, duration))
        await asyncio.gather(*(user(i, s, start) for i, s in enumerate(sockets)))
        if open_loop:
            await asyncio.gather(*(s.drain(REPLY_TIMEOUT) for s in sockets))
        ticker.cancel()
        result.duration_s = duration
        if open_loop:
            result.completed_in_window = len(result.completed_ms)
        return result
    finally:
        await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)


async def _progress(progress, result: Result, start: float, duration: float) -> None:
    while True:
        await asyncio.sleep(5)
        elapsed = time.perf_counter() - start
        done = result.completed_ms
        recent = done[-200:]
        p50 = percentile(recent, 50) if recent else float("nan")
        progress(
            f"  {result.label}: {elapsed:4.0f}/{duration:g} s, sent {result.sent}, answered {len(done)}, "
            f"recent p50 {p50:.1f} ms"
        )
