"""The hook conversations calls on commit for every new user message (DESIGN 1)."""

from __future__ import annotations


def on_user_message_posted(message_id) -> None:
    from moderation.tasks import classify_message

    classify_message.delay(str(message_id))
