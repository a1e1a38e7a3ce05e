"""Reads and access checks. Another user's objects answer exactly like missing ones."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_supported_language_variant

from conversations import closure
from conversations.exceptions import NotFound
from conversations.models import Conversation, Ending, Message, UserPreference


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
        return Conversation.objects.get(id=conversation_uuid, owner_id=user.pk, deleted_at__isnull=True)
    except Conversation.DoesNotExist:
        raise NotFound() from None


def conversation_list_for_user(*, user, query: str = "") -> QuerySet[Conversation]:
    """The user's conversations (not deleted), newest first, titles containing `query` when given,
    each annotated with `ended` (its active leaf is the notice of an ending that holds) and
    `reopened` (a moderator reopened one of its endings)."""
    conversations = Conversation.objects.filter(owner_id=user.pk, deleted_at__isnull=True)
    if query.strip():
        conversations = conversations.filter(title__icontains=query.strip())
    return conversations.annotate(
        ended=Exists(holding_endings().filter(notice_id=OuterRef("active_leaf_id"))),
        reopened=Exists(Ending.objects.filter(conversation_id=OuterRef("pk"), reopened_at__isnull=False)),
    ).order_by("-updated_at", "-created_at")


# --- Languages -------------------------------------------------------------------------------


def language_supported(code: object) -> str | None:
    """The code of settings.LANGUAGES that `code` names ("pt-BR" -> "pt"), or None."""
    if not isinstance(code, str) or not code or len(code) > 16:
        return None
    try:
        return get_supported_language_variant(code.strip().lower())
    except LookupError:
        return None


def preference_of(*, user) -> UserPreference | None:
    return UserPreference.objects.filter(user_id=user.pk).first()


def conversation_language(conversation_id) -> str:
    """The language its owner reads: their setting, else what their browser last asked for, else
    the site's default. One query; for workers, which answer outside any request."""
    row = (
        UserPreference.objects.filter(user_id=Conversation.objects.filter(id=conversation_id).values("owner_id")[:1])
        .values_list("language", "browser_language")
        .first()
    )
    return preferred_language(*(row or ()))


def preferred_language(*codes: object) -> str:
    """The first of `codes` (a preference's setting, then its browser's language) that names a
    language of the chat, else the site's default. The rule of `conversation_language`, for a
    caller that read the preference with its own query (the turn's load)."""
    for code in codes:
        supported = language_supported(code)
        if supported:
            return supported
    return settings.LANGUAGE_CODE


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
        "language": ending.language or None,
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


def holding_endings():
    """Endings that still hold (not reopened by a moderator)."""
    return Ending.objects.filter(reopened_at__isnull=True)


def unanswered_user_messages(*, older_than: timedelta, limit: int = 500) -> list[uuid.UUID]:
    """User messages older than `older_than` with no reply (assistant message or notice), or with
    a reply still `streaming` that old: the sweeper re-queues their turns. Closed messages
    (conversations.closure) are skipped; more candidates are read than returned, so that closed
    ones do not crowd out the rest."""
    cutoff = timezone.now() - older_than
    replies = Message.objects.filter(parent_id=OuterRef("pk")).exclude(role=Message.Role.USER)
    stuck_streaming = Message.objects.filter(
        parent_id=OuterRef("pk"), role=Message.Role.ASSISTANT, status=Message.Status.STREAMING, created_at__lt=cutoff
    )
    candidates = list(
        Message.objects.filter(role=Message.Role.USER, created_at__lt=cutoff)
        .filter(Q(~Exists(replies)) | Q(Exists(stuck_streaming)))
        .order_by("created_at")
        .values_list("id", flat=True)[: limit * 2]
    )
    closed = closure.closed_among(candidates)
    return [message_id for message_id in candidates if message_id not in closed][:limit]
