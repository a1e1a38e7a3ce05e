"""python manage.py backtest --policy-version N [--since DATE]: replay stored history under a
policy version and report the endings it would add or remove (DESIGN 7)."""

from __future__ import annotations

from datetime import date, datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from moderation import backtest
from moderation.models import PolicyVersion
from moderation.policy import PolicySettings, PolicySettingsError


class Command(BaseCommand):
    help = "Replay stored history under a policy version; print the endings it would add or remove."

    def add_arguments(self, parser):
        parser.add_argument("--policy-version", type=int, required=True, dest="number")
        parser.add_argument("--since", type=date.fromisoformat, default=None, help="YYYY-MM-DD: chats created since")
        parser.add_argument("--limit", type=int, default=50, help="endings listed per side (default 50)")

    def handle(self, *args, number: int, since: date | None, limit: int, **options):
        version = PolicyVersion.objects.filter(number=number).first()
        if version is None:
            raise CommandError(f"There is no policy version {number}.")
        try:
            settings = PolicySettings.from_dict(version.settings)
        except PolicySettingsError as error:
            raise CommandError(f"Version {number} has invalid settings: {error}") from None
        since_at = timezone.make_aware(datetime.combine(since, time.min)) if since else None
        result = backtest.backtest(settings, since=since_at)
        out = self.stdout.write
        out(
            f"Policy v{number} ({version.status}) over {result.conversations} conversations, "
            f"{result.user_turns} user turns{f' since {since}' if since else ''}: "
            f"{result.actual_endings} actual endings, {result.draft_endings} under this version, "
            f"{result.kept} kept, {len(result.added)} added, {len(result.removed)} removed ({result.seconds:.2f} s)"
        )
        for title, changes in (("Added", result.added), ("Removed", result.removed)):
            out(f"{title} ({len(changes)}):")
            for change in changes[:limit]:
                ending = f" ending {change.ending_id}" if change.ending_id else ""
                reopened = " (was overturned)" if change.reopened else ""
                out(
                    f"  conversation {change.conversation_id} turn {change.turn} {change.reason}"
                    f"{f' {change.category}' if change.category else ''}{ending}{reopened}"
                )
            if len(changes) > limit:
                out(f"  ... and {len(changes) - limit} more")
