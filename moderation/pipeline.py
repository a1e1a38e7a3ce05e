"""The hook conversations calls on commit whenever a user message's turn should run (DESIGN 1):
a new message, a message that waited and moved under the reply above it, a regenerate.

Distributed, it queues the turn on Celery. In the embedded default (eager Celery) the turn runs
on a background thread of the server process, in order per conversation (moderation.embedded),
so that the socket's handler returns at once and its events stream as they are made."""

from __future__ import annotations

from django.conf import settings


def on_user_message_posted(message_id) -> None:
    from moderation.tasks import classify_message

    threads = settings.EMBEDDED_TURN_THREADS
    if not (settings.CELERY_TASK_ALWAYS_EAGER and threads > 0):
        classify_message.delay(str(message_id))
        return
    from conversations.models import Message
    from moderation import embedded

    conversation_id = Message.objects.filter(id=message_id).values_list("conversation_id", flat=True).first()
    embedded.runner(threads).submit(conversation_id, lambda: classify_message.delay(str(message_id)))
