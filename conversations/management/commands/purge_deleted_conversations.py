"""Purge conversations their owners deleted more than CHAT_DELETED_RETENTION_DAYS ago (celery beat
runs the same service hourly when distributed; run this from cron in the embedded default)."""

from django.core.management.base import BaseCommand

from conversations import services


class Command(BaseCommand):
    help = "Purge conversations deleted longer ago than CHAT_DELETED_RETENTION_DAYS."

    def handle(self, *args, **options) -> None:
        purged = services.conversation_purge_deleted()
        self.stdout.write(f"{purged.deleted} conversations deleted, {purged.erased} erased (kept for moderation).")
