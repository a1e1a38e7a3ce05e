"""Periodic work of the conversations app (celery beat runs it when distributed)."""

from __future__ import annotations

from celery import shared_task

from conversations import services


@shared_task(acks_late=True, ignore_result=True)
def purge_deleted_conversations() -> None:
    services.conversation_purge_deleted()
