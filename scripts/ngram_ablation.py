"""The n-gram half's own contribution (round 9), on the same heads: a LOSO file with and without it.

    PYTHONPATH=. python scripts/ngram_ablation.py LOSO OUT_DIR [--datasets DIR] [--corpus DIR]

LOSO is a `train_classifier --shipped --loso` file (the heads without an n-gram half). The n-gram
half (train_ngrams.py) is trained once per grouped fold (train.grouped_folds, as the main heads'
recipe) and scores the rows of its held-out fold; the rows of never-trained sources are scored by
one trained on every row. Two LOSO files are written to OUT_DIR, both calibrated the same way (one
Platt fit and one set of thresholds over every trainable row, train.calibrate), so that only the
n-gram logits differ between them:
- `without.jsonl`: the LOSO file's logits;
- `with.jsonl`: those plus the n-gram half's (train_ngrams.WEIGHT).
The crisis outputs and threshold are the LOSO file's, untouched (the crisis heads read no n-grams).
Score both with scripts/measure_classifier.py --loso. Needs requirements-train.txt (torch).
About 7 minutes here (2 shared cores).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("loso")
    parser.add_argument("out")
    parser.add_argument("--datasets", default=str(REPO.parent / "shared" / "datasets"))
    parser.add_argument("--corpus", default=str(REPO / "corpus"))
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsite.settings")
    import django

    django.setup()
    import torch

    from moderation.classifiers.learned import data, ngrams, train, train_ngrams
    from moderation.classifiers.learned.model import CRISIS_COLUMNS, loso_line, read_loso

    torch.set_num_threads(1)
    corpus, _ = data.load_corpus(args.corpus)
    examples = data.load_shared(args.datasets) + corpus
    training = train.training_set(examples)
    y, mask = train.target_matrix(training)
    weights = train.source_weights(training)
    rows = train_ngrams.rows_of(training)
    fold_of = train.grouped_folds({e.source for e in training})
    groups = np.array([fold_of[e.source] for e in training])
    scored = np.array([fold_of.get(e.source, "") for e in examples])
    example_rows = train_ngrams.rows_of(examples)
    z = np.zeros((len(examples), len(y[0])), dtype=np.float32)
    for k, fold in enumerate([*sorted(set(groups)), ""]):
        keep = groups != fold  # the last: every row, for the sources never trained on
        arrays = train_ngrams.train(rows, y, mask, weights, keep, seed=train.SEED + k + 1)
        chosen = np.flatnonzero(scored == fold)
        z[chosen] = ngrams.logits(arrays["ng_W"], [example_rows[i] for i in chosen]) + arrays["ng_b"]
        print(f"fold {fold or '(every row)'}: {len(chosen)} rows scored", flush=True)

    loso = read_loso(args.loso)
    kept = [i for i, e in enumerate(examples) if e.id in loso]
    p = np.clip(np.array([loso[examples[i].id]["p"] for i in kept]), 1e-6, 1 - 1e-6)
    base = np.log(p / (1 - p))
    trainable = [j for j, i in enumerate(kept) if examples[i].trainable]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, logits in (("without", base), ("with", base + z[kept])):
        a, b, thresholds = train.calibrate(logits[trainable], [examples[kept[j]] for j in trainable])
        q = 1.0 / (1.0 + np.exp(-np.clip(a * logits + b, -30, 30)))
        q[:, CRISIS_COLUMNS] = p[:, CRISIS_COLUMNS]
        with (out / f"{name}.jsonl").open("w", encoding="utf-8") as handle:
            for j, i in enumerate(kept):
                line = loso_line(examples[i].id, examples[i].source, q[j], thresholds)
                line["thresholds"]["crisis"] = loso[examples[i].id]["thresholds"]["crisis"]
                handle.write(json.dumps(line) + "\n")
        print(f"{out / name}.jsonl: {len(kept)} rows")


if __name__ == "__main__":
    main()
