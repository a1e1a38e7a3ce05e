"""The hook conversations calls on commit whenever a user message's turn should run (DESIGN 1):
a new message, a message that waited and moved under the reply above it, a regenerate."""

from __future__ import annotations


def on_user_message_posted(message_id) -> None:
    from moderation.tasks import classify_message

    classify_message.delay(str(message_id))
