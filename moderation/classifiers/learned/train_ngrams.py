"""Training the heads' n-gram half (ngrams.py, round 9, `train_classifier --ngrams`).

A linear map of a row's hashed character n-grams to every output (BUCKETS x len(OUTPUTS)), on the
same masked multi-task loss, targets, positives' weights and source weights as the MLP (train.py),
trained on the same rows of each fold. Its logits, times WEIGHT, are added to the MLP's before the
Platt calibration and the thresholds are fitted on the sum (out of fold, as for the MLP alone).
WEIGHT is part of the saved map (`ng_W`, `ng_b`), so run time adds the two.

Sparse: a batch touches only the columns of its n-grams (torch's EmbeddingBag with sparse
gradients, SparseAdam), and the L2 penalty is on the columns touched, so a fold trains in about a
minute here instead of the five a dense update of the 11 M weights took.
Needs torch (requirements-train.txt).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from moderation.classifiers.learned import ngrams
from moderation.classifiers.learned.data import Example
from moderation.classifiers.learned.model import Gram, turn_grams

EPOCHS = 8
BATCH = 256
LEARNING_RATE = 1e-2
L2 = 1e-5
# the n-gram logits' weight in the sum (measured out of source, docs/benchmarks_classifier.md "Round 9")
WEIGHT = 1.0

Rows = Sequence[Gram]


def rows_of(examples: Sequence[Example]) -> list[Gram]:
    """Each example's n-gram row, as run time builds it (model.turn_grams)."""
    return [turn_grams(e.text, e.context) for e in examples]


def _bag(rows: Rows, chosen: np.ndarray):
    import torch

    ids = [rows[i][0] for i in chosen]
    offsets = np.cumsum([0] + [len(a) for a in ids[:-1]])
    return (
        torch.from_numpy(np.concatenate(ids)),
        torch.from_numpy(offsets),
        torch.from_numpy(np.concatenate([rows[i][1] for i in chosen])),
    )


def train(
    rows: Rows, y: np.ndarray, mask: np.ndarray, weights: np.ndarray, keep: np.ndarray, *, seed: int
) -> dict[str, np.ndarray]:
    """`ng_W` and `ng_b` (already times WEIGHT) trained on the rows where `keep` holds."""
    import torch

    from moderation.classifiers.learned.train_tokens import training_tensors

    torch.manual_seed(seed)
    chosen_rows = np.flatnonzero(keep)
    _, _, _, yt, mt, wt, pos_weight = training_tensors(
        np.zeros((len(chosen_rows), 1), dtype=np.float32), y[keep], mask[keep], weights[keep]
    )
    bag = torch.nn.EmbeddingBag(ngrams.BUCKETS, y.shape[1], mode="sum", sparse=True)
    torch.nn.init.zeros_(bag.weight)
    bias = torch.nn.Parameter(torch.zeros(y.shape[1]))
    sparse_opt = torch.optim.SparseAdam([bag.weight], lr=LEARNING_RATE)
    bias_opt = torch.optim.Adam([bias], lr=LEARNING_RATE)
    loss_fn = torch.nn.BCEWithLogitsLoss(reduction="none", pos_weight=pos_weight)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(EPOCHS):
        order = torch.randperm(len(chosen_rows), generator=generator).numpy()
        for start in range(0, len(order), BATCH):
            batch = order[start : start + BATCH]
            ids, offsets, row_weights = _bag(rows, chosen_rows[batch])
            out = bag(ids, offsets, per_sample_weights=row_weights) + bias
            loss = ((loss_fn(out, yt[batch]) * mt[batch]).sum(1) * wt[batch]).sum() / len(batch)
            touched = torch.nn.functional.embedding(torch.unique(ids), bag.weight, sparse=True)
            loss = loss + L2 * (touched**2).sum()
            sparse_opt.zero_grad()
            bias_opt.zero_grad()
            loss.backward()
            sparse_opt.step()
            bias_opt.step()
    return {
        "ng_W": (WEIGHT * bag.weight.detach().numpy()).astype(np.float32),
        "ng_b": (WEIGHT * bias.detach().numpy()).astype(np.float32),
    }
