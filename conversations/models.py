"""The conversation tree (DESIGN 2, 5). Only conversations.services writes these models."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class Conversation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations")
    title = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    active_leaf = models.ForeignKey("Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Set when the owner deletes the conversation: gone for them at once (list, pages, API,
    # sockets), kept for moderators until `conversation_purge_deleted` (see services).
    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "-updated_at"])]

    def __str__(self) -> str:
        return f"Conversation {self.id}"

    @property
    def group_name(self) -> str:
        return group_name(self.id)


def group_name(conversation_id: uuid.UUID | str) -> str:
    return f"conversation.{conversation_id}"


class Message(models.Model):
    class Role(models.TextChoices):
        USER = "user"
        ASSISTANT = "assistant"
        NOTICE = "notice"

    class Status(models.TextChoices):
        STREAMING = "streaming"
        COMPLETE = "complete"
        FAILED = "failed"
        STOPPED = "stopped"  # the user stopped the stream: the partial text is the reply

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    role = models.CharField(max_length=16, choices=Role.choices)
    content = models.TextField(blank=True)
    client_id = models.UUIDField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.COMPLETE)
    action = models.CharField(max_length=32, blank=True)
    # Crisis resources shown with a reply (so a reload shows them again).
    resources = models.JSONField(default=list, blank=True)
    # A reply's place among the replies to its user message: 0 for the turn's own reply, 1, 2, ...
    # for each regenerate (conversations.services.reply_regenerate), shown as sibling versions.
    attempt = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "client_id"],
                condition=Q(client_id__isnull=False),
                name="message_unique_client_id",
            ),
            # A message gets at most one reply (assistant message or notice) per attempt: a task
            # that runs twice can never write a second one; only a regenerate adds a sibling reply,
            # with the next attempt number, under the conversation lock.
            models.UniqueConstraint(
                fields=["parent", "attempt"], condition=~Q(role="user"), name="message_one_reply_per_attempt"
            ),
            # One reply of a message streams at a time (a regenerate waits for the stream to end).
            models.UniqueConstraint(
                fields=["parent"], condition=Q(role="assistant", status="streaming"), name="message_one_streaming_reply"
            ),
            models.CheckConstraint(condition=Q(role__in=["user", "assistant", "notice"]), name="message_role_valid"),
        ]
        indexes = [models.Index(fields=["conversation", "created_at"])]

    def __str__(self) -> str:
        return f"{self.role} message {self.id}"


class Ending(models.Model):
    class Reason(models.TextChoices):
        PERSISTENT_HARM = "persistent_harm"
        ABUSE = "abuse"
        USER_REQUEST = "user_request"
        MODEL_REQUEST = "model_request"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="endings")
    notice = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="ending")
    # The user message whose turn was ended (the notice's parent, or the user message above the
    # reply a model ended). While the ending holds, it and all its descendants are closed
    # (conversations.closure).
    ended_turn = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=32, choices=Reason.choices)
    category = models.CharField(max_length=32, blank=True)
    statement = models.TextField()
    # The language the statement was written in (a code of settings.LANGUAGES).
    language = models.CharField(max_length=16, blank=True, default="")
    policy_version = models.PositiveIntegerField(null=True, blank=True)
    strike_trace = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["reason", "-created_at"])]

    def __str__(self) -> str:
        return f"Ending {self.id} ({self.reason})"

    @property
    def is_locked(self) -> bool:
        return self.reopened_at is None


class UserPreference(models.Model):
    """A person's chat settings. `language` is their explicit choice (blank: follow the browser);
    `browser_language` is the language their browser last asked for (Accept-Language), so that
    replies written by a worker, outside any request, are in the language the person reads."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_preference")
    language = models.CharField(max_length=16, blank=True, default="")
    browser_language = models.CharField(max_length=16, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Preferences of user {self.user_id}"
