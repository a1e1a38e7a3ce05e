"""`manage.py evaluate_classifier FILE.jsonl [--backend NAME] [--json] [--output OUT.jsonl]` (DESIGN 7).

Besides DESIGN 7's figures it reports them per source and per language, and the issue-16 figures
(`by_source`, `by_language`, `figures` in `--json`; tables in the text output). This runs the
shipped backend on the file: for the learned backends that is an in-sample figure on any file they
were trained on. Leave-one-source-out figures: `make eval` (scripts/measure_classifier.py).
"""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from moderation.classifiers.base import ClassifierError
from moderation.classifiers.registry import get_classifier
from moderation.evaluation import RowError, breakdown, evaluate, format_breakdown, format_report, load_rows

PROGRESS_MIN_ROWS = 200  # below this a run is instant and a bar is noise


class Command(BaseCommand):
    help = "Measure a classifier backend on labelled rows (harmful | benign | self_harm_risk)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="JSONL rows {id, text | turns, label}")
        parser.add_argument("--backend", default=None, help="backend name (default: settings.CLASSIFIER_BACKEND)")
        parser.add_argument("--json", action="store_true", help="print exactly one JSON object")
        parser.add_argument("--output", default=None, help="write one JSON line per row to this file")

    def handle(self, *args, **options):
        try:
            rows = load_rows(options["file"])
            classifier = get_classifier(options["backend"])
        except (OSError, RowError, KeyError) as error:
            raise CommandError(str(error)) from None

        show_progress = not options["json"] and sys.stderr.isatty() and len(rows) >= PROGRESS_MIN_ROWS

        def wrap(results):
            if not show_progress:
                return results
            from tqdm import tqdm

            return tqdm(results, total=len(rows), file=sys.stderr, unit="row", desc=classifier.name)

        try:
            report, results = evaluate(classifier, rows, wrap=wrap)
        except ClassifierError as error:
            raise CommandError(f"backend {classifier.name!r} failed: {error}") from None

        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as handle:
                for result in results:
                    handle.write(json.dumps(result.as_line(), ensure_ascii=False) + "\n")

        from moderation.classifiers.learned.data import CONTRAST_SETS, REQUEST_SETS, set_of

        sources = {row.source for row in rows}
        details = breakdown(
            rows,
            results,
            contrast_sources=frozenset(s for s in sources if set_of(s) in CONTRAST_SETS),
            request_sources=frozenset(s for s in sources if set_of(s) in REQUEST_SETS),
        )
        if options["json"]:
            self.stdout.write(json.dumps({**report.as_json(), **details}))
        else:
            self.stdout.write(f"backend {classifier.name} {classifier.version} on {options['file']}")
            self.stdout.write(format_report(report))
            self.stdout.write(format_breakdown(details))
