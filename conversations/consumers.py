"""The websocket edge (DESIGN 6): authenticate, authorise through a selector, parse the frame, call
one service, translate errors. No business rules and no ORM in `async def`."""

from __future__ import annotations

import asyncio
import json
import logging
from importlib import import_module

from asgiref.sync import sync_to_async
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from conversations import ratelimit, selectors, services
from conversations.exceptions import ChatError, Invalid, NotFound, RateLimited, TooLong
from conversations.inputs import parse_json, utf8_length
from conversations.models import group_name

log = logging.getLogger(__name__)

# Close codes from the private range 4000-4999, the only ones besides 1000 that every server
# sends: Autobahn (Daphne) refuses to send 1009 and closed with 1011 and a traceback instead.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_SESSION_ENDED = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_TOO_BIG = 4413  # a frame over CHAT_MAX_FRAME_BYTES (as HTTP 413)
CLOSE_TOO_MANY_SOCKETS = 4429  # the user already has CHAT_MAX_SOCKETS_PER_USER sockets open (as HTTP 429)


def _in_db_thread(function):
    """`database_sync_to_async` on the shared thread pool: Channels' default (thread sensitive)
    runs every socket's database work of a process on ONE thread, one call after the other, so
    a busy process queued its sockets' messages there. The frames of one socket stay in order
    (the consumer awaits each), and the conversation row lock orders writes across sockets."""
    return database_sync_to_async(function, thread_sensitive=False)


def _open(user, raw_conversation_id, socket_id: str):
    """The conversation (NotFound for a missing or foreign one, which claims nothing) and whether
    this socket fits under the user's cap of open sockets (then it is registered)."""
    conversation = selectors.conversation_get_for_user(user=user, conversation_id=raw_conversation_id)
    return conversation, ratelimit.socket_claim(
        user_id=user.pk, socket_id=socket_id, limit=settings.CHAT_MAX_SOCKETS_PER_USER
    )


def _state(user, conversation_id) -> dict:
    """The conversation's state, within the user's `sync` budget (CHAT_SYNC_RATE_LIMIT): a whole
    tree is the most expensive answer a frame can ask for."""
    limit, window = settings.CHAT_SYNC_RATE_LIMIT
    retry_after = ratelimit.hit(f"sync:{user.pk}", limit=limit, window=window)
    if retry_after:
        raise RateLimited(
            f"You can sync {limit} times every {window} seconds. Please wait {retry_after} s.", retry_after=retry_after
        )
    conversation = selectors.conversation_get_for_user(user=user, conversation_id=conversation_id)
    return selectors.conversation_state(conversation=conversation)


def _post(user, conversation_id, frame: dict) -> dict | None:
    """Post the message; return the `message.created` frame to send to this socket alone when the
    message already existed (a resend after reconnect is answered, never duplicated)."""
    posted = services.message_post(
        user=user,
        conversation_id=conversation_id,
        content=frame.get("content"),
        client_id=frame.get("client_id"),
        parent_id=frame.get("parent_id"),
    )
    if posted.created:
        return None
    return {"message": selectors.message_payload(posted.message)}


def _post_if_alive(scope, conversation_id, frame: dict) -> tuple[bool, dict | None]:
    """The session check and the post in one trip to the database thread: (False, None) when the
    session has ended (nothing is posted), else (True, `_post`'s answer)."""
    if not _session_alive(scope):
        return False, None
    return True, _post(scope["user"], conversation_id, frame)


def _stop_if_alive(scope, conversation_id, frame: dict) -> tuple[bool, dict | None]:
    """`reply.stop`: (False, None) when the session has ended, else (True, the `reply.stopping`
    payload: the reply's id and `stopping`, or its status when there is nothing to stop)."""
    if not _session_alive(scope):
        return False, None
    answer = services.reply_stop(
        user=scope["user"], conversation_id=conversation_id, message_id=frame.get("message_id")
    )
    return True, {"message_id": answer.message_id, "status": answer.status}


def _regenerate_if_alive(scope, conversation_id, frame: dict) -> tuple[bool, None]:
    """`reply.regenerate`: the new reply is announced to every socket (`message.created`)."""
    if not _session_alive(scope):
        return False, None
    services.reply_regenerate(user=scope["user"], conversation_id=conversation_id, message_id=frame.get("message_id"))
    return True, None


class ConversationConsumer(AsyncWebsocketConsumer):
    conversation_id: str | None = None
    socket_claimed = False

    async def dispatch(self, message: dict) -> None:
        """Channels' dispatch hops to the process' one sync thread to close stale database
        connections before EVERY handler, channel-layer events included (two per reply). All of
        this consumer's database work runs through `database_sync_to_async`, which does that in
        its own thread, so the hop is skipped (docs/benchmarks.md)."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        raw_id = self.scope["url_route"]["kwargs"]["conversation_id"]
        try:
            conversation, self.socket_claimed = await _in_db_thread(_open)(user, raw_id, self.channel_name)
        except NotFound as error:
            # Missing and foreign conversations are refused the same way.
            await self.accept()
            await self._send_error(error)
            await self.close(code=CLOSE_NOT_FOUND)
            return
        if not self.socket_claimed:
            limit = settings.CHAT_MAX_SOCKETS_PER_USER
            log.warning(
                "user %s is over the cap of %d open sockets: closed with %d", user.pk, limit, CLOSE_TOO_MANY_SOCKETS
            )
            await self.accept()
            await self._send_error(
                RateLimited(f"You have {limit} chat connections open. Close a tab or window, then reload this page.")
            )
            await self.close(code=CLOSE_TOO_MANY_SOCKETS)
            return
        _open_sockets.add(self.channel_name, user.pk)
        self.conversation_id = str(conversation.id)
        self.user_group = f"user.{user.pk}"
        await self.channel_layer.group_add(group_name(self.conversation_id), self.channel_name)
        await self.channel_layer.group_add(self.user_group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.socket_claimed:
            self.socket_claimed = False
            _open_sockets.discard(self.channel_name)
            await sync_to_async(ratelimit.socket_release, thread_sensitive=False)(
                user_id=self.scope["user"].pk, socket_id=self.channel_name
            )
        if self.conversation_id:
            await self.channel_layer.group_discard(group_name(self.conversation_id), self.channel_name)
            await self.channel_layer.group_discard(self.user_group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.conversation_id is None:
            return
        limit = settings.CHAT_MAX_FRAME_BYTES
        size = len(bytes_data) if text_data is None else utf8_length(text_data, limit=limit)
        if size > limit:
            # One line, ids only; the frame itself is never logged.
            log.warning(
                "frame of %d bytes over the %d-byte limit on conversation %s (user %s): closed with %d",
                size,
                limit,
                self.conversation_id,
                self.scope["user"].pk,
                CLOSE_TOO_BIG,
            )
            await self._send_error(TooLong(f"Frames are limited to {limit:,} bytes."))
            await self.close(code=CLOSE_TOO_BIG)
            return
        if text_data is None:
            await self._send_error(Invalid("Frames must be JSON text."))
            return
        try:
            frame = parse_json(text_data, max_bytes=limit, what="The frame")
        except ChatError as error:
            await self._send_error(error)
            return
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            await self._send_error(Invalid('A frame is a JSON object with a "type".'))
            return
        handler = {
            "message.send": self._message_send,
            "sync": self._send_state,
            "reply.stop": self._reply_stop,
            "reply.regenerate": self._reply_regenerate,
        }.get(frame["type"])
        if handler is None:
            await self._send_error(
                Invalid("Unknown frame type; expected message.send, sync, reply.stop or reply.regenerate.")
            )
            return
        try:
            await handler(frame)
        except ChatError as error:
            await self._send_error(error)
        except Exception:
            log.exception("frame of type %s failed on conversation %s", frame["type"], self.conversation_id)
            # With the frame's client_id, so the page puts the text back instead of "Sending..."
            client_id = frame.get("client_id")
            error = ChatError(
                "Something went wrong on our side; please retry.",
                client_id=client_id if isinstance(client_id, str) and len(client_id) <= 64 else None,
            )
            await self._send_error(error, code="unavailable")

    async def _message_send(self, frame: dict) -> None:
        alive, resend = await _in_db_thread(_post_if_alive)(self.scope, self.conversation_id, frame)
        if not alive:
            await self.close(code=CLOSE_SESSION_ENDED)
            return
        if resend is not None:
            await self._send("message.created", **resend)

    async def _reply_stop(self, frame: dict) -> None:
        alive, answer = await self._reply_frame(_stop_if_alive, frame)
        if alive and answer is not None:
            await self._send("reply.stopping", **answer)

    async def _reply_regenerate(self, frame: dict) -> None:
        await self._reply_frame(_regenerate_if_alive, frame)

    async def _reply_frame(self, function, frame: dict) -> tuple[bool, dict | None]:
        """Run a `reply.*` frame's service; its refusal is an `error` that names the frame's type
        and `message_id` (when it is short text), so the page knows which button it answers."""
        try:
            alive, answer = await _in_db_thread(function)(self.scope, self.conversation_id, frame)
        except ChatError as error:
            message_id = frame.get("message_id")
            extra = {"frame": frame["type"]}
            if isinstance(message_id, str) and len(message_id) <= 64:
                extra["message_id"] = message_id
            await self._send_error(error, **extra)
            return True, None
        if not alive:
            await self.close(code=CLOSE_SESSION_ENDED)
        return alive, answer

    async def _send_state(self, frame: dict) -> None:
        state = await _in_db_thread(_state)(self.scope["user"], self.conversation_id)
        await self._send("conversation.state", **{k: v for k, v in state.items() if k != "conversation_id"})

    async def _send(self, event_type: str, **payload) -> None:
        await self.send(text_data=json.dumps({"type": event_type, "conversation_id": self.conversation_id, **payload}))

    async def _send_error(self, error: ChatError, code: str | None = None, **extra) -> None:
        payload = {**error.as_payload(), **extra}
        if code:
            payload["code"] = code
        await self.send(text_data=json.dumps({"type": "error", "conversation_id": self.conversation_id, **payload}))

    # Channel layer events.
    async def chat_event(self, event: dict) -> None:
        await self.send(text_data=event["text"])

    async def chat_closing(self, event: dict) -> None:
        """The conversation is gone for its owner (deleted): tell the page, then close."""
        await self.send(text_data=event["text"])
        await self.close(code=event.get("code", CLOSE_NOT_FOUND))

    async def user_event(self, event: dict) -> None:
        if event.get("event") == "session.ended":
            session = self.scope.get("session")
            if event.get("session_key") in (None, getattr(session, "session_key", None)):
                await self.close(code=CLOSE_SESSION_ENDED)


class _OpenSockets:
    """The sockets this process has claimed under their users' caps. Their entries in the shared
    registry expire unless refreshed (ratelimit.SOCKET_TTL), so a process that dies without
    closing its sockets frees them by itself; one task per event loop refreshes them all in one
    batch every SOCKET_REFRESH_SECONDS, and stops when the last one closes."""

    def __init__(self) -> None:
        self.users: dict[str, int] = {}  # channel name -> user id
        self.task: asyncio.Task | None = None

    def add(self, socket_id: str, user_id: int) -> None:
        self.users[socket_id] = user_id
        loop = asyncio.get_running_loop()
        if self.task is None or self.task.done() or self.task.get_loop() is not loop:
            self.task = loop.create_task(self._refresh_forever())

    def discard(self, socket_id: str) -> None:
        self.users.pop(socket_id, None)
        if not self.users and self.task is not None:
            self.task.cancel()
            self.task = None

    async def _refresh_forever(self) -> None:
        refresh = sync_to_async(ratelimit.socket_refresh, thread_sensitive=False)
        while self.users:
            await asyncio.sleep(ratelimit.SOCKET_REFRESH_SECONDS)
            try:
                await refresh(sockets=list(self.users.items()))
            except Exception:  # the cache is down: retried at the next tick; entries may lapse
                log.warning("could not refresh %d open sockets in the registry", len(self.users), exc_info=True)


_open_sockets = _OpenSockets()


def _session_alive(scope) -> bool:
    """The session behind this socket still exists, has not expired and still belongs to the
    socket's user (a logout or an expiry closes the socket at its next frame)."""
    session = scope.get("session")
    if session is None or not session.session_key:
        return False
    engine = import_module(settings.SESSION_ENGINE)
    data = engine.SessionStore(session_key=session.session_key).load()
    return data.get("_auth_user_id") == str(scope["user"].pk)
