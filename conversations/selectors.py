"""Reads and access checks. Another user's objects answer exactly like missing ones."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db.models import QuerySet

from conversations.exceptions import NotFound
from conversations.models import Conversation, Ending, Message


def parse_uuid(value: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise NotFound() from None


def conversation_get_for_user(*, user, conversation_id: object) -> Conversation:
    """The conversation if `user` owns it; NotFound for missing, malformed and foreign ids alike."""
    if not getattr(user, "is_authenticated", False):
        raise NotFound()
    conversation_uuid = parse_uuid(conversation_id)
    try:
        return Conversation.objects.get(id=conversation_uuid, owner_id=user.pk)
    except Conversation.DoesNotExist:
        raise NotFound() from None


def conversation_list_for_user(*, user) -> QuerySet[Conversation]:
    return Conversation.objects.filter(owner_id=user.pk).order_by("-updated_at", "-created_at")


def message_payload(message: Message) -> dict:
    return {
        "id": str(message.id),
        "parent_id": str(message.parent_id) if message.parent_id else None,
        "role": message.role,
        "content": message.content,
        "client_id": str(message.client_id) if message.client_id else None,
        "status": message.status,
        "action": message.action or None,
        "resources": message.resources or [],
        "created_at": message.created_at.isoformat(),
    }


def ending_payload(ending: Ending) -> dict:
    return {
        "id": str(ending.id),
        "notice_id": str(ending.notice_id),
        "reason": ending.reason,
        "category": ending.category or None,
        "statement": ending.statement,
        "created_at": ending.created_at.isoformat(),
        "reopened_at": ending.reopened_at.isoformat() if ending.reopened_at else None,
    }


def conversation_state(*, conversation: Conversation) -> dict:
    """The whole tree, the endings and the active leaf (the `conversation.state` payload)."""
    messages = list(conversation.messages.all())
    endings = list(conversation.endings.all().order_by("created_at"))
    return {
        "conversation_id": str(conversation.id),
        "title": conversation.title,
        "messages": [message_payload(m) for m in messages],
        "endings": [ending_payload(e) for e in endings],
        "active_leaf_id": str(conversation.active_leaf_id) if conversation.active_leaf_id else None,
    }


def branch_path(messages: Iterable[Message], leaf_id: uuid.UUID) -> list[Message]:
    """The path root -> leaf among `messages` (all messages of one conversation)."""
    by_id = {m.id: m for m in messages}
    path: list[Message] = []
    current = by_id.get(leaf_id)
    while current is not None:
        path.append(current)
        current = by_id.get(current.parent_id) if current.parent_id else None
    path.reverse()
    return path


def branch_of(message: Message) -> list[Message]:
    """The branch root -> `message` from the database, in one query."""
    messages = Message.objects.filter(conversation_id=message.conversation_id).only(
        "id", "parent_id", "role", "content", "status", "action", "created_at", "conversation_id"
    )
    return branch_path(messages, message.id)
