"""Training the round-3 token pooling (tokens.py) jointly with the heads (`--pooling tokens`).

The encoder stays frozen up to its final layer norm; what is trained is a linear map of every
token's 1,280 features to D units (ReLU), K attention scores over the tokens, and the MLP heads
over the frozen features plus the pooled units, on the same masked multi-task loss as train.py.

Token features are computed once per text and cached under var/ (never committed), projected on
their first PCA_DIM principal components and standardised (float16): about 1 M tokens for the
27 k texts of the training and evaluation sets, 0.5 GB instead of 2.7 GB at full width. The PCA is
fitted once, on the tokens of the texts present when the cache is first built (unsupervised; no
label is read), and kept in the cache, so later texts are projected on the same basis. The trained
map is folded back into the encoder's 1,280-d basis when the weights are saved (tok_M, tok_c), so
run time reads the raw token features and needs no PCA.

Needs torch (requirements-train.txt), like train.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from moderation.classifiers.learned.data import Example
from moderation.classifiers.learned.encoder import NGRAM_DIM, Encoder
from moderation.classifiers.learned.model import texts_to_encode
from moderation.classifiers.learned.tokens import TokenPooling

PCA_DIM = 256
PCA_SAMPLE_EVERY = 4  # the PCA is fitted on every 4th cached token (deterministic)
UNITS = 128  # D: trained token detectors
ATTENTION = 2  # K: trained attention heads
TOKEN_LEARNING_RATE = 1e-3


def key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()  # noqa: S324 (a cache key, not security)


class TokenCache:
    """Per text, its selected token features projected and standardised (float16), in one .npz."""

    def __init__(self, path: Path, encoder: Encoder | None = None) -> None:
        self.path = path
        self._encoder = encoder
        self.index: dict[str, int] = {}
        self.offsets = np.zeros(1, dtype=np.int64)
        self.store = np.zeros((0, PCA_DIM), dtype=np.float16)
        self.pca_mean: np.ndarray | None = None
        self.pca_w: np.ndarray | None = None  # (NGRAM_DIM, PCA_DIM), already divided by each component's std
        if path.exists():
            with np.load(path, allow_pickle=False) as stored:
                self.index = {str(k): i for i, k in enumerate(stored["keys"])}
                self.offsets = stored["offsets"]
                self.store = stored["store"]
                self.pca_mean, self.pca_w = stored["pca_mean"], stored["pca_w"]

    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = Encoder(threads=1, cache_size=0)
        return self._encoder

    def embed(self, texts: Iterable[str], *, progress: Callable[[str], None] | None = None) -> None:
        missing = list(dict.fromkeys(t for t in texts if key(t) not in self.index))
        if not missing:
            return
        raw: list[np.ndarray] = []
        for start in range(0, len(missing), 256):
            _, tokens = self.encoder().token_features(missing[start : start + 256])
            raw.extend(tokens)
            if progress:
                progress(f"token features of {start + len(tokens)}/{len(missing)} new texts")
        if self.pca_w is None:
            self._fit_pca(raw)
        projected = [self.project(tokens) for tokens in raw]
        lengths = np.array([len(p) for p in projected], dtype=np.int64)
        for i, text in enumerate(missing):
            self.index[key(text)] = len(self.offsets) - 1 + i
        self.offsets = np.concatenate([self.offsets, self.offsets[-1] + np.cumsum(lengths)])
        self.store = np.concatenate([self.store, *projected])
        self.save()

    def _fit_pca(self, raw: Sequence[np.ndarray]) -> None:
        sample = np.concatenate(raw)[::PCA_SAMPLE_EVERY].astype(np.float64)
        mean = sample.mean(axis=0)
        sample -= mean
        cov = sample.T @ sample / len(sample)
        values, vectors = np.linalg.eigh(cov)
        order = np.argsort(values)[::-1][:PCA_DIM]
        std = np.sqrt(np.maximum(values[order], 1e-8))
        self.pca_mean = mean.astype(np.float32)
        self.pca_w = (vectors[:, order] / std).astype(np.float32)

    def project(self, tokens: np.ndarray) -> np.ndarray:
        return ((tokens.astype(np.float32) - self.pca_mean) @ self.pca_w).astype(np.float16)

    def ids(self, texts: Sequence[str]) -> np.ndarray:
        return np.array([self.index[key(t)] for t in texts], dtype=np.int64)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array(sorted(self.index, key=self.index.__getitem__))
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=keys, offsets=self.offsets, store=self.store, pca_mean=self.pca_mean, pca_w=self.pca_w)
        tmp.replace(self.path)


def row_texts(example: Example) -> list[str]:
    """The two texts of a row whose tokens are pooled: the turn, and the turn joined with its context."""
    return texts_to_encode(example.text, example.context)[:2]


@dataclass
class TokenRows:
    cache: TokenCache
    text_ids: np.ndarray  # (rows, 2): the turn's and the joined turns' text in the cache

    @classmethod
    def of(cls, cache: TokenCache, examples: Sequence[Example]) -> TokenRows:
        ids = cache.ids([t for e in examples for t in row_texts(e)]).reshape(len(examples), 2)
        return cls(cache, ids)


def pooled(arrays: dict, rows: TokenRows) -> np.ndarray:
    """(rows, 2 * width) numpy: the trained pooling of each row's two texts from the cached tokens
    (the fold's map in the PCA basis, `tokz_*`)."""
    pooling = TokenPooling(arrays["tokz_W"], arrays["tokz_b"], arrays["tok_A"])
    distinct, inverse = np.unique(rows.text_ids, return_inverse=True)
    offsets, store = rows.cache.offsets, rows.cache.store
    out = np.stack([pooling(store[offsets[t] : offsets[t + 1]].astype(np.float32)) for t in distinct])
    return out[inverse.reshape(-1)].reshape(len(rows.text_ids), 2 * pooling.width)


def folded(w: np.ndarray, b: np.ndarray, pca_mean: np.ndarray, pca_w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The map trained in the cache's basis (z @ w + b, z = (f - pca_mean) @ pca_w) as one map of
    the encoder's raw token features (f @ m + c), for run time."""
    m = pca_w.astype(np.float64) @ w.astype(np.float64)
    c = b.astype(np.float64) - pca_mean.astype(np.float64) @ m
    assert m.shape == (NGRAM_DIM, w.shape[1])
    return m.astype(np.float32), c.astype(np.float32)


def full_rows(arrays: dict, x: np.ndarray, rows: TokenRows | None) -> np.ndarray:
    """The frozen features with the trained pooling appended (what model.features builds at run time)."""
    if rows is None or "tokz_W" not in arrays:
        return x
    return np.concatenate([x, pooled(arrays, rows)], axis=1)


def training_tensors(x: np.ndarray, y: np.ndarray, mask: np.ndarray, weights: np.ndarray) -> tuple:
    """The standardisation (mean, scale), the standardised features, targets, mask and weights as
    tensors, and the positives' weight per output: positives are rare per output, so they are
    weighed up (bounded) and a rare category is still learned."""
    import torch

    mean = x.mean(axis=0)
    scale = x.std(axis=0) + 1e-3
    xt = torch.from_numpy((x - mean) / scale)
    yt, mt, wt = torch.from_numpy(y), torch.from_numpy(mask), torch.from_numpy(weights)
    positives = (yt * mt).sum(0)
    negatives = ((1 - yt) * mt).sum(0)
    pos_weight = torch.clamp(negatives / torch.clamp(positives, min=1.0), 1.0, 8.0)
    return mean, scale, xt, yt, mt, wt, pos_weight


def train_heads(
    x: np.ndarray,
    y: np.ndarray,
    mask: np.ndarray,
    weights: np.ndarray,
    rows: TokenRows,
    *,
    seed: int,
    epochs: int,
    hidden: int,
    batch: int,
    learning_rate: float,
    weight_decay: float,
    dropout: float,
) -> dict:
    """The pooling and the MLP trained jointly; numpy arrays in model.Heads's layout plus the pooling
    (tok_M, tok_c, tok_A in the encoder's basis; tokz_W, tokz_b in the cache's, for LOSO)."""
    import torch

    torch.manual_seed(seed)
    mean, scale, xt, yt, mt, wt, pos_weight = training_tensors(x, y, mask, weights)
    store = torch.from_numpy(rows.cache.store)
    offsets = rows.cache.offsets
    width = (2 + ATTENTION) * UNITS

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.tok = torch.nn.Linear(PCA_DIM, UNITS)
            self.att = torch.nn.Linear(UNITS, ATTENTION, bias=False)
            self.heads = torch.nn.Sequential(
                torch.nn.Dropout(0.1),
                torch.nn.Linear(x.shape[1] + 2 * width, hidden),
                torch.nn.ReLU(),
                torch.nn.Dropout(dropout),
                torch.nn.Linear(hidden, y.shape[1]),
            )

        def forward(self, xb, row_ids: np.ndarray):
            # a turn read without context is its own joined text: each distinct text pooled once
            ids, inverse = np.unique(row_ids, return_inverse=True)
            starts = offsets[ids]
            lengths = offsets[ids + 1] - starts
            longest = int(lengths.max())
            total = int(lengths.sum())
            within = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
            flat = torch.from_numpy(np.repeat(starts, lengths) + within)
            slot = torch.from_numpy(np.repeat(np.arange(len(ids)) * longest, lengths) + within)
            u = torch.relu(self.tok(store[flat].float()))
            padded = u.new_zeros(len(ids) * longest, UNITS).index_copy(0, slot, u).view(len(ids), longest, UNITS)
            present = torch.arange(longest)[None, :] < torch.from_numpy(lengths)[:, None]
            scores = self.att(padded).masked_fill(~present[:, :, None], float("-inf"))
            attention = torch.softmax(scores, dim=1)
            pooled = torch.cat(
                [
                    padded.max(dim=1).values,  # u >= 0: the zero padding never wins a max
                    padded.sum(dim=1) / torch.from_numpy(lengths).float()[:, None],
                    torch.einsum("blk,bld->bkd", attention, padded).reshape(len(ids), -1),
                ],
                dim=1,
            )
            pooled = pooled[torch.from_numpy(inverse.reshape(-1))]
            return self.heads(torch.cat([xb, pooled.view(len(xb), 2 * width)], dim=1))

    model = Net()
    optimiser = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=weight_decay)
    loss_fn = torch.nn.BCEWithLogitsLoss(reduction="none", pos_weight=pos_weight)
    generator = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(xt), generator=generator)
        for start in range(0, len(order), batch):
            chosen = order[start : start + batch]
            ids = rows.text_ids[chosen.numpy()].reshape(-1)
            loss = (loss_fn(model(xt[chosen], ids), yt[chosen]) * mt[chosen]).sum(1) * wt[chosen]
            optimiser.zero_grad()
            (loss.sum() / len(chosen)).backward()
            optimiser.step()
    first, second = model.heads[1], model.heads[4]
    w = model.tok.weight.detach().numpy().T  # (PCA_DIM, UNITS)
    b = model.tok.bias.detach().numpy()
    m, c = folded(w, b, rows.cache.pca_mean, rows.cache.pca_w)
    return {
        "w1": first.weight.detach().numpy().T.copy(),
        "b1": first.bias.detach().numpy().copy(),
        "w2": second.weight.detach().numpy().T.copy(),
        "b2": second.bias.detach().numpy().copy(),
        "mean": np.concatenate([mean, np.zeros(2 * width)]).astype(np.float32),
        "scale": np.concatenate([scale, np.ones(2 * width)]).astype(np.float32),
        "tok_M": m,
        "tok_c": c,
        "tok_A": model.att.weight.detach().numpy().T.copy(),
        "tokz_W": w.astype(np.float32),
        "tokz_b": b.astype(np.float32),
    }
