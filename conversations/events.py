"""Realtime events (DESIGN 6): typed payloads sent to the channel group "conversation.<id>".

Events of a transaction are published only on commit, so no socket sees a message that was rolled
back. Streaming deltas are sent at once (they are not stored until the reply completes).
Every frame is serialised once, here, and forwarded as text by every consumer.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from contextlib import contextmanager

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction
from redis.exceptions import ConnectionError as RedisConnectionError

from conversations.models import group_name

log = logging.getLogger(__name__)


def frame(event_type: str, conversation_id, **payload) -> str:
    return json.dumps({"type": event_type, "conversation_id": str(conversation_id), **payload})


GROUP_SEND_TIMEOUT = 10.0
_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


def _events_loop() -> asyncio.AbstractEventLoop:
    """This process' long-lived event loop for sends from plain threads (Celery workers).

    `async_to_sync` from a thread without an event loop builds a new loop and a new thread for
    every call, and channels-redis then opens a new Redis connection for that loop: most of the
    cost of a delta. One loop per process keeps one connection pool."""
    global _loop
    with _loop_lock:
        if _loop is None or _loop.is_closed():
            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, name="channel-layer-events", daemon=True).start()
        return _loop


_bound = threading.local()


def server_loop() -> asyncio.AbstractEventLoop | None:
    """The ASGI server's event loop when called under sync_to_async (a consumer's database
    thread), else None."""
    return getattr(SyncToAsync.threadlocal, "main_event_loop", None)


@contextmanager
def sending_through(loop: asyncio.AbstractEventLoop | None):
    """Within it, this thread's sends to the in-memory channel layer go through `loop` (the
    server's, which its readers wait on): for turns run on background threads of the server
    process (moderation.embedded). None changes nothing."""
    previous = getattr(_bound, "loop", None)
    _bound.loop = loop
    try:
        yield
    finally:
        _bound.loop = previous


def _group_send(layer, group: str, message: dict) -> None:
    bound = getattr(_bound, "loop", None)
    if bound is not None and bound.is_running() and isinstance(layer, InMemoryChannelLayer):
        asyncio.run_coroutine_threadsafe(layer.group_send(group, message), bound).result(GROUP_SEND_TIMEOUT)
        return
    in_server_thread = getattr(SyncToAsync.threadlocal, "main_event_loop", None) is not None
    if in_server_thread or isinstance(layer, InMemoryChannelLayer):
        # Under sync_to_async (a consumer, an ASGI view) the server's own loop serves the layer;
        # the in-memory layer must stay on the loop of its readers.
        async_to_sync(layer.group_send)(group, message)
        return
    asyncio.run_coroutine_threadsafe(layer.group_send(group, message), _events_loop()).result(GROUP_SEND_TIMEOUT)


def _group_send_retrying(layer, group: str, message: dict) -> None:
    """A connection that a process kept across a Redis restart fails at its next use ("Connection
    closed by server") and is dropped from the pool: one more try goes out on a fresh one. Seen
    under load: a worker's first reply after a restart was stored but never reached the sockets."""
    try:
        _group_send(layer, group, message)
    except RedisConnectionError:
        _group_send(layer, group, message)


def send_now(conversation_id, event_type: str, **payload) -> None:
    """Send one event to every socket of the conversation. Never raises: realtime delivery is
    best effort (a socket that misses an event catches up with `sync`)."""
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "chat.event", "text": frame(event_type, conversation_id, **payload)}
    try:
        _group_send_retrying(layer, group_name(conversation_id), message)
    except Exception:  # a channel layer outage must not fail the write that already committed
        log.warning("event %s for conversation %s not delivered", event_type, conversation_id, exc_info=True)


def publish_on_commit(conversation_id, event_type: str, **payload) -> None:
    transaction.on_commit(lambda: send_now(conversation_id, event_type, **payload))


def send_to_user(user_id, event_type: str, **payload) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        _group_send_retrying(layer, f"user.{user_id}", {"type": "user.event", "event": event_type, **payload})
    except Exception:
        log.warning("user event %s for user %s not delivered", event_type, user_id, exc_info=True)


def publish_closing_on_commit(conversation_id, event_type: str, close_code: int = 4404, **payload) -> None:
    """Like `publish_on_commit`, and every socket of the conversation then closes with
    `close_code` (the conversation is gone for its owner)."""

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        message = {"type": "chat.closing", "text": frame(event_type, conversation_id, **payload), "code": close_code}
        try:
            _group_send(layer, group_name(conversation_id), message)
        except Exception:
            log.warning("event %s for conversation %s not delivered", event_type, conversation_id, exc_info=True)

    transaction.on_commit(send)
