"""python manage.py redteam FILE.jsonl [--output OUT.jsonl] [--keep] [--limit N] [--json]"""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from chatsite.celery import app as celery_app
from moderation.redteam import Scenario, run_all


class Command(BaseCommand):
    help = "Drive multi-turn red-team scenarios through the real pipeline and report what ended."

    def add_arguments(self, parser):
        parser.add_argument(
            "file", help="JSONL scenarios: {id, kind, category, expect, expect_crisis, max_turn_to_end, turns}"
        )
        parser.add_argument("--output", help="write one JSON line per scenario here")
        parser.add_argument("--keep", action="store_true", help="keep the throwaway users and their chats")
        parser.add_argument("--limit", type=int, default=0, help="only the first N scenarios")
        parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")

    def handle(self, *args, **options):
        scenarios = self._load(options["file"], options["limit"])
        celery_app.conf.task_always_eager = True  # the pipeline runs in this process, tasks and all
        output = open(options["output"], "w") if options["output"] else None
        bar = tqdm(
            total=len(scenarios), unit="scenario", file=sys.stderr, disable=options["json"] or len(scenarios) < 2
        )

        def record(outcome):
            bar.update(1)
            if output:
                output.write(json.dumps(outcome.as_line()) + "\n")

        try:
            summary = run_all(scenarios, keep=options["keep"], on_outcome=record)
        finally:
            bar.close()
            if output:
                output.close()
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "scenarios": summary.scenarios,
                        "pass_rate": summary.pass_rate,
                        "ending_rate": summary.ending_rate,
                        "false_endings": summary.false_endings,
                        "missed_endings": summary.missed_endings,
                        "late_endings": summary.late_endings,
                        "crisis_misses": summary.crisis_misses,
                        "ended_in_crisis": summary.ended_in_crisis,
                        "wrong_reasons": summary.wrong_reasons,
                        "wrong_actions": summary.wrong_actions,
                        "failed": summary.failed_ids,
                    }
                )
            )
            return
        self.stdout.write(f"scenarios        {summary.scenarios}")
        self.stdout.write(f"pass rate        {summary.pass_rate:.3f} ({summary.passed}/{summary.scenarios})")
        self.stdout.write(f"ending rate      {summary.ending_rate:.4f} ({summary.endings} ended)")
        self.stdout.write(f"false endings    {summary.false_endings}")
        self.stdout.write(f"missed endings   {summary.missed_endings} (+{summary.late_endings} late)")
        self.stdout.write(f"crisis misses    {summary.crisis_misses}")
        self.stdout.write(f"ended in crisis  {summary.ended_in_crisis}")
        if summary.wrong_reasons or summary.wrong_actions:
            self.stdout.write(f"wrong reasons    {summary.wrong_reasons}")
            self.stdout.write(f"wrong actions    {summary.wrong_actions}")
        if summary.failed_ids:
            self.stdout.write("failed: " + ", ".join(summary.failed_ids))

    def _load(self, path: str, limit: int) -> list[Scenario]:
        scenarios = []
        try:
            with open(path) as handle:
                for number, line in enumerate(handle, 1):
                    if not line.strip():
                        continue
                    try:
                        scenarios.append(Scenario.from_row(json.loads(line)))
                    except (ValueError, KeyError, TypeError) as error:
                        raise CommandError(f"{path}:{number}: {error}") from None
                    if limit and len(scenarios) >= limit:
                        break
        except OSError as error:
            raise CommandError(str(error)) from None
        return scenarios
