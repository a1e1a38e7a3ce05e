"""The websocket edge (DESIGN 6): authenticate, authorise through a selector, parse the frame, call
one service, translate errors. No business rules and no ORM in `async def`."""

from __future__ import annotations

import json
import logging
from importlib import import_module

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from conversations import selectors, services
from conversations.exceptions import ChatError, Invalid, NotFound, TooLong
from conversations.models import group_name

log = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404
CLOSE_SESSION_ENDED = 4403
CLOSE_TOO_BIG = 1009


def _in_db_thread(function):
    """`database_sync_to_async` on the shared thread pool: Channels' default (thread sensitive)
    runs every socket's database work of a process on ONE thread, one call after the other, so
    a busy process queued its sockets' messages there. The frames of one socket stay in order
    (the consumer awaits each), and the conversation row lock orders writes across sockets."""
    return database_sync_to_async(function, thread_sensitive=False)


def _state(user, conversation_id) -> dict:
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


class ConversationConsumer(AsyncWebsocketConsumer):
    conversation_id: str | None = None

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
            conversation = await _in_db_thread(selectors.conversation_get_for_user)(user=user, conversation_id=raw_id)
        except NotFound as error:
            # Missing and foreign conversations are refused the same way.
            await self.accept()
            await self._send_error(error)
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.conversation_id = str(conversation.id)
        self.user_group = f"user.{user.pk}"
        await self.channel_layer.group_add(group_name(self.conversation_id), self.channel_name)
        await self.channel_layer.group_add(self.user_group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.conversation_id:
            await self.channel_layer.group_discard(group_name(self.conversation_id), self.channel_name)
            await self.channel_layer.group_discard(self.user_group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.conversation_id is None:
            return
        if text_data is None:
            await self._send_error(Invalid("Frames must be JSON text."))
            return
        if _frame_bytes(text_data) > settings.CHAT_MAX_FRAME_BYTES:
            await self._send_error(TooLong(f"Frames are limited to {settings.CHAT_MAX_FRAME_BYTES:,} bytes."))
            await self.close(code=CLOSE_TOO_BIG)
            return
        try:
            frame = json.loads(text_data)
        except ValueError:
            await self._send_error(Invalid("The frame is not valid JSON."))
            return
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            await self._send_error(Invalid('A frame is a JSON object with a "type".'))
            return
        handler = {"message.send": self._message_send, "sync": self._send_state}.get(frame["type"])
        if handler is None:
            await self._send_error(Invalid("Unknown frame type; expected message.send or sync."))
            return
        try:
            await handler(frame)
        except ChatError as error:
            await self._send_error(error)
        except Exception:
            log.exception("frame of type %s failed on conversation %s", frame["type"], self.conversation_id)
            await self._send_error(ChatError("Something went wrong on our side; please retry."), code="unavailable")

    async def _message_send(self, frame: dict) -> None:
        alive, resend = await _in_db_thread(_post_if_alive)(self.scope, self.conversation_id, frame)
        if not alive:
            await self.close(code=CLOSE_SESSION_ENDED)
            return
        if resend is not None:
            await self._send("message.created", **resend)

    async def _send_state(self, frame: dict) -> None:
        state = await _in_db_thread(_state)(self.scope["user"], self.conversation_id)
        await self._send("conversation.state", **{k: v for k, v in state.items() if k != "conversation_id"})

    async def _send(self, event_type: str, **payload) -> None:
        await self.send(text_data=json.dumps({"type": event_type, "conversation_id": self.conversation_id, **payload}))

    async def _send_error(self, error: ChatError, code: str | None = None) -> None:
        payload = error.as_payload()
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


def _frame_bytes(text: str) -> int:
    """The frame's size in bytes (the limit is in bytes; a character takes up to four). Encoding
    is skipped when the character count alone decides."""
    if len(text) * 4 <= settings.CHAT_MAX_FRAME_BYTES or len(text) > settings.CHAT_MAX_FRAME_BYTES:
        return len(text)
    return len(text.encode("utf-8", "surrogatepass"))


def _session_alive(scope) -> bool:
    """The session behind this socket still exists, has not expired and still belongs to the
    socket's user (a logout or an expiry closes the socket at its next frame)."""
    session = scope.get("session")
    if session is None or not session.session_key:
        return False
    engine = import_module(settings.SESSION_ENGINE)
    data = engine.SessionStore(session_key=session.session_key).load()
    return data.get("_auth_user_id") == str(scope["user"].pk)
