"""Bench-only baseline: a bare Channels consumer whose reply goes through a channels-redis group.

Routed only when CHATSITE_BENCH_ECHO=1 (see chatsite/routing.py), at `/ws/bench/echo/`. It speaks
just enough of the chat protocol for the same load tool to drive it: a `message.send` frame is
answered, through one `group_send` to the socket's own group, with a `message.created` and an
`assistant.completed` frame. No database, no session check, no Celery: the floor under the
real pipeline on the same server, Redis and machine.
"""

from __future__ import annotations

import json
import os
import uuid

from channels.generic.websocket import AsyncWebsocketConsumer
from django.urls import path
from django.utils import timezone

ENV_FLAG = "CHATSITE_BENCH_ECHO"


class EchoConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.group = f"bench.echo.{uuid.uuid4().hex}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        frame = json.loads(text_data or "{}")
        if frame.get("type") != "message.send":
            return
        await self.channel_layer.group_send(
            self.group,
            {
                "type": "echo.reply",
                "client_id": frame.get("client_id"),
                "parent_id": frame.get("parent_id"),
                "content": frame.get("content", ""),
            },
        )

    async def echo_reply(self, event: dict) -> None:
        created_at = timezone.now().isoformat()
        user_id, reply_id = str(uuid.uuid4()), str(uuid.uuid4())
        user_message = {
            "id": user_id,
            "parent_id": event["parent_id"],
            "role": "user",
            "content": event["content"],
            "client_id": event["client_id"],
            "created_at": created_at,
        }
        reply = {
            "id": reply_id,
            "parent_id": user_id,
            "role": "assistant",
            "content": event["content"],
            "client_id": None,
            "created_at": created_at,
        }
        await self.send(
            text_data=json.dumps({"type": "message.created", "conversation_id": "echo", "message": user_message})
        )
        await self.send(
            text_data=json.dumps(
                {"type": "assistant.completed", "conversation_id": "echo", "message": reply, "action": "answer"}
            )
        )


def websocket_urlpatterns() -> list:
    """The echo route when the bench asked for it, else nothing."""
    if os.environ.get(ENV_FLAG) != "1":
        return []
    return [path("ws/bench/echo/", EchoConsumer.as_asgi())]
