"""Realtime events (DESIGN 6): typed payloads sent to the channel group "conversation.<id>".

Events of a transaction are published only on commit, so no socket sees a message that was rolled
back. Streaming deltas are sent at once (they are not stored until the reply completes).
Every frame is serialised once, here, and forwarded as text by every consumer.
"""

from __future__ import annotations

import json
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from conversations.models import group_name

log = logging.getLogger(__name__)


def frame(event_type: str, conversation_id, **payload) -> str:
    return json.dumps({"type": event_type, "conversation_id": str(conversation_id), **payload})


def send_now(conversation_id, event_type: str, **payload) -> None:
    """Send one event to every socket of the conversation. Never raises: realtime delivery is
    best effort (a socket that misses an event catches up with `sync`)."""
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "chat.event", "text": frame(event_type, conversation_id, **payload)}
    try:
        async_to_sync(layer.group_send)(group_name(conversation_id), message)
    except Exception:  # a channel layer outage must not fail the write that already committed
        log.warning("event %s for conversation %s not delivered", event_type, conversation_id, exc_info=True)


def publish_on_commit(conversation_id, event_type: str, **payload) -> None:
    transaction.on_commit(lambda: send_now(conversation_id, event_type, **payload))


def send_to_user(user_id, event_type: str, **payload) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(f"user.{user_id}", {"type": "user.event", "event": event_type, **payload})
    except Exception:
        log.warning("user event %s for user %s not delivered", event_type, user_id, exc_info=True)
