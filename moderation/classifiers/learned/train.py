"""Training the learned judge: frozen encoder features (computed once, cached under var/), a small
MLP trained with a masked multi-task loss, Platt calibration and thresholds fitted on
out-of-source predictions, and leave-one-source-out (LOSO) evaluation.

Why this shape: the encoder is frozen, so its features are computed once per text and cached on
disk; a fold is then only head training (about 15 s of CPU). One training per held-out source
gives out-of-source logits for every trainable row; those, never in-source fit, are what the
Platt calibration and the thresholds are fitted on:
- the shipped heads (trained on every trainable row) are calibrated on all of them;
- a held-out source's LOSO figures use its fold's heads, calibrated on the out-of-source logits
  of the *other* sources only, so none of its own rows shapes the calibration or the thresholds
  it is scored with. (The other folds' heads did see it in training: a weak, second-order
  dependence, accepted to keep LOSO at one training per source instead of one per pair.)

Training needs torch (requirements-train.txt); run time needs only numpy and the encoder.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from moderation.classifiers.learned import ngrams
from moderation.classifiers.learned.data import Example, severity_bounds
from moderation.classifiers.learned.encoder import WIDTH, Encoder
from moderation.classifiers.learned.model import (
    CRISIS,
    FEATURES,
    LEVELS,
    OUTPUTS,
    Heads,
    Thresholds,
    features,
    texts_to_encode,
)
from moderation.taxonomy import NAMES

SEED = 16
HIDDEN = 128
EPOCHS = 12
BATCH = 256
LEARNING_RATE = 1e-3
WEIGHT_DECAY = 1e-4
DROPOUT = 0.3
AUGMENT_SHARE = 0.35  # single turns also seen after a context drawn from their own source
TARGET_FPR = 0.05  # flag threshold: out-of-source false-positive rate on benign rows
TARGET_FALSE_CRISIS = 0.015  # crisis threshold: out-of-source false-crisis rate on benign rows
LEVEL3_BETA = (
    0.0  # level-3 thresholds per category: the F-beta best out of source; 0: a fixed 0.5 (MODEL_CARD: measured no gain)
)
LEVEL3_GRID = tuple(round(0.2 + 0.05 * i, 2) for i in range(11))  # 0.2 ... 0.7
LEVEL3_MIN_ROWS = 30
THREADS = 1  # torch threads (`train_classifier --threads`)


# ---------------------------------------------------------------- features


class FeatureCache:
    """Embeddings by text hash, kept in one .npz file under var/ (never committed)."""

    def __init__(self, path: Path, encoder: Encoder | None = None) -> None:
        self.path = path
        self._encoder = encoder
        self._index: dict[str, int] = {}
        self._vectors: list[np.ndarray] = []
        if path.exists():
            with np.load(path, allow_pickle=False) as stored:
                keys, vectors = stored["keys"], stored["vectors"]
            self._index = {str(key): i for i, key in enumerate(keys)}
            self._vectors = list(vectors)
        self._dirty = False

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()  # noqa: S324 (a cache key, not security)

    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = Encoder(threads=1, cache_size=0)
        return self._encoder

    def embed(self, texts: Iterable[str], *, progress: Callable[[str], None] | None = None) -> None:
        missing = list(dict.fromkeys(t for t in texts if self.key(t) not in self._index))
        for start in range(0, len(missing), 256):
            chunk = missing[start : start + 256]
            vectors = self.encoder().encode(chunk)
            for text, vector in zip(chunk, vectors, strict=True):
                self._index[self.key(text)] = len(self._vectors)
                self._vectors.append(vector.astype(np.float32))
            self._dirty = True
            if progress:
                progress(f"encoded {start + len(chunk)}/{len(missing)} new texts")
            if (start // 256) % 8 == 7:
                self.save()  # an interrupted run keeps what it computed

    def get(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._vectors[self._index[self.key(t)]] for t in texts])

    def save(self) -> None:
        if not self._dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array(sorted(self._index, key=self._index.__getitem__))
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=keys, vectors=np.stack(self._vectors) if self._vectors else np.zeros((0, WIDTH)))
        tmp.replace(self.path)
        self._dirty = False


def augmented(examples: Sequence[Example], *, seed: int = SEED) -> list[Example]:
    """Single turns seen again after one or two earlier turns of their own source (so no text of
    a held-out source leaks into a fold), with the action the assistant would have taken. The
    label stays: a message that stands on its own does not inherit its context. Deterministic."""
    rng = random.Random(seed)
    by_source: dict[str, list[Example]] = {}
    for example in examples:
        by_source.setdefault(example.source, []).append(example)
    extra = []
    for example in examples:
        if example.context or rng.random() >= AUGMENT_SHARE:
            continue
        pool = by_source[example.source]
        earlier = [rng.choice(pool) for _ in range(rng.choice((1, 2)))]
        earlier = [e for e in earlier if e.id != example.id and not e.context]
        if not earlier:
            continue
        actions = tuple("answer" if e.label == "benign" else "refuse" for e in earlier)
        extra.append(
            replace(
                example,
                id=f"{example.id}+ctx",
                context=tuple(e.text for e in earlier),
                actions=actions,
                meta={**example.meta, "augmented": True},
            )
        )
    return extra


def feature_matrix(cache: FeatureCache, examples: Sequence[Example]) -> np.ndarray:
    rows = np.empty((len(examples), FEATURES), dtype=np.float32)
    for i, example in enumerate(examples):
        embeddings = cache.get(texts_to_encode(example.text, example.context))
        rows[i] = features(embeddings, has_context=bool(example.context), last_action=example.last_action)
    return rows


def all_texts(examples: Iterable[Example]) -> list[str]:
    return [text for example in examples for text in texts_to_encode(example.text, example.context)]


# ---------------------------------------------------------------- targets


def target_matrix(examples: Sequence[Example]) -> tuple[np.ndarray, np.ndarray]:
    """(targets, mask), both (n, len(OUTPUTS)); mask 0 where the target is unknown."""
    y = np.zeros((len(examples), len(OUTPUTS)), dtype=np.float32)
    mask = np.zeros_like(y)
    for i, example in enumerate(examples):
        y[i, 0], mask[i, 0] = (0.0 if example.label == "benign" else 1.0), 1.0
        bounds = severity_bounds(example)
        column = 1
        for name in NAMES:
            low, high = bounds[name]
            for level in LEVELS:
                if low >= level:
                    y[i, column], mask[i, column] = 1.0, 1.0
                elif high < level:
                    mask[i, column] = 1.0
                column += 1
    return y, mask


def source_weights(examples: Sequence[Example]) -> np.ndarray:
    """Each source weighs as the square root of its size: a big set does not drown the others."""
    sizes = Counter(example.source for example in examples)
    weights = np.array([1.0 / np.sqrt(sizes[e.source]) for e in examples], dtype=np.float32)
    return weights * (len(weights) / weights.sum())


# ---------------------------------------------------------------- heads


@dataclass
class Fitted:
    arrays: dict[str, np.ndarray]
    thresholds: Thresholds

    def heads(self, version: str = "fold") -> Heads:
        return Heads(self.arrays, {"thresholds": self.thresholds.as_json(), "version": version})


def train_heads(x: np.ndarray, y: np.ndarray, mask: np.ndarray, weights: np.ndarray, *, seed: int = SEED) -> dict:
    """The MLP's raw weights (no calibration yet) as numpy arrays."""
    import torch

    from moderation.classifiers.learned.train_tokens import training_tensors

    torch.manual_seed(seed)
    mean, scale, xt, yt, mt, wt, pos_weight = training_tensors(x, y, mask, weights)
    model = torch.nn.Sequential(
        torch.nn.Dropout(0.1),
        torch.nn.Linear(x.shape[1], HIDDEN),
        torch.nn.ReLU(),
        torch.nn.Dropout(DROPOUT),
        torch.nn.Linear(HIDDEN, y.shape[1]),
    )
    optimiser = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
    loss_fn = torch.nn.BCEWithLogitsLoss(reduction="none", pos_weight=pos_weight)
    generator = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(EPOCHS):
        order = torch.randperm(len(xt), generator=generator)
        for start in range(0, len(order), BATCH):
            batch = order[start : start + BATCH]
            loss = (loss_fn(model(xt[batch]), yt[batch]) * mt[batch]).sum(1) * wt[batch]
            optimiser.zero_grad()
            (loss.sum() / len(batch)).backward()
            optimiser.step()
    first, second = model[1], model[4]
    return {
        "w1": first.weight.detach().numpy().T.copy(),
        "b1": first.bias.detach().numpy().copy(),
        "w2": second.weight.detach().numpy().T.copy(),
        "b2": second.bias.detach().numpy().copy(),
        "mean": mean.astype(np.float32),
        "scale": scale.astype(np.float32),
    }


def _raw_logits(arrays: dict, x: np.ndarray, grams=None) -> np.ndarray:
    """Uncalibrated logits; with the n-gram half's (`ng_W`, train_ngrams.py) added when trained."""
    hidden = np.maximum((x - arrays["mean"]) / arrays["scale"] @ arrays["w1"] + arrays["b1"], 0.0)
    z = hidden @ arrays["w2"] + arrays["b2"]
    if "ng_W" in arrays:
        z += ngrams.logits(arrays["ng_W"], grams) + arrays["ng_b"]
    return z


def platt(logits: np.ndarray, y: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per output: a, b so that sigmoid(a * logit + b) is calibrated on the masked targets."""
    from sklearn.linear_model import LogisticRegression

    a = np.ones(logits.shape[1], dtype=np.float32)
    b = np.zeros(logits.shape[1], dtype=np.float32)
    for j in range(logits.shape[1]):
        keep = mask[:, j] > 0
        labels = y[keep, j]
        if keep.sum() < 20 or labels.min() == labels.max():
            continue
        fit = LogisticRegression(C=10.0).fit(logits[keep, j : j + 1], labels)
        a[j], b[j] = max(float(fit.coef_[0, 0]), 1e-3), float(fit.intercept_[0])
    return a, b


def too_short(example: Example) -> bool:
    from moderation.classifiers.learned import CRISIS_MIN_WORDS, word_count

    return not example.context and word_count(example.text) < CRISIS_MIN_WORDS


def choose_thresholds(probabilities: np.ndarray, examples: Sequence[Example]) -> Thresholds:
    """Thresholds from out-of-source probabilities, recall first within bounded false alarms:
    - crisis: the lowest threshold whose false-crisis rate on benign rows is <= TARGET_FALSE_CRISIS;
    - every other category, and `flag`: the same quantile of that output's benign distribution
      (each category's benign look-alikes score differently: security questions look like
      cyber attacks far more than cooking looks like anything), the quantile found by bisection
      so that the benign rows flagged by any of them (or by crisis) stay <= TARGET_FPR.
    The same decision as `model.severities`, vectorised."""
    benign = probabilities[[i for i, e in enumerate(examples) if e.label == "benign"]]
    names = [name for name in NAMES if name not in CRISIS]
    if not len(benign):
        return Thresholds(flag=0.5, level2=0.5, level3=0.5, level4=0.5, crisis=0.5)
    crisis_p = benign[:, [OUTPUTS.index(f"{name}>=2") for name in CRISIS]].max(axis=1)
    # a turn too short to read alone is no crisis on the judge's word (learned.Judgement): the
    # threshold is fitted on the decision made at run time
    crisis_p[[too_short(e) for e in examples if e.label == "benign"]] = 0.0
    crisis = float(np.clip(np.quantile(crisis_p, 1 - TARGET_FALSE_CRISIS), 0.05, 0.99))
    columns = [0, *(OUTPUTS.index(f"{name}>=2") for name in names)]
    scores = benign[:, columns]

    def at(share: float) -> np.ndarray:
        return np.clip(np.quantile(scores, 1 - share, axis=0), 0.05, 0.99)

    def flagged(bars: np.ndarray) -> float:
        return float(((scores >= bars).any(axis=1) | (crisis_p >= crisis)).mean())

    low, high = 0.0, TARGET_FPR
    for _ in range(30):
        middle = (low + high) / 2
        low, high = (middle, high) if flagged(at(middle)) <= TARGET_FPR else (low, middle)
    bars = at(low)
    per_category = {name: round(float(bar), 4) for name, bar in zip(names, bars[1:], strict=True)}
    return Thresholds(
        flag=round(float(bars[0]), 4),
        level2=round(float(np.median(bars[1:])), 4),
        level3=0.5,
        level4=0.5,
        crisis=round(crisis, 4),
        per_category=per_category,
        level3_per_category=level3_thresholds(probabilities, examples, per_category),
    )


def level3_thresholds(
    probabilities: np.ndarray, examples: Sequence[Example], level2: dict[str, float]
) -> dict[str, float]:
    """Per non-crisis category, the level-3 threshold of LEVEL3_GRID with the best F-beta of
    `>= 3` among the out-of-source rows that reach 2 in that category (benign rows that reach it
    included: a look-alike counted at 3 is the false ending to avoid). Severity 3 is what counts
    towards an ending and what routes a severe category; a fixed 0.5 on a calibrated probability
    under-reads it where positives are few (the costs are not symmetric). A category with fewer
    than LEVEL3_MIN_ROWS such rows, or one class only, keeps 0.5. LEVEL3_BETA 0: 0.5 everywhere."""
    if not LEVEL3_BETA:
        return {}
    y, mask = target_matrix(examples)
    beta2 = LEVEL3_BETA**2
    out: dict[str, float] = {}
    for name, bar in level2.items():
        two, three = OUTPUTS.index(f"{name}>=2"), OUTPUTS.index(f"{name}>=3")
        keep = (mask[:, three] > 0) & (probabilities[:, two] >= bar)
        labels, scores = y[keep, three] > 0, probabilities[keep, three]
        if keep.sum() < LEVEL3_MIN_ROWS or labels.all() or not labels.any():
            continue

        def fbeta(t: float, labels=labels, scores=scores) -> float:
            predicted = scores >= t
            tp = float((predicted & labels).sum())
            return (
                (1 + beta2)
                * tp
                / ((1 + beta2) * tp + beta2 * float((labels & ~predicted).sum()) + float((predicted & ~labels).sum()))
            )

        out[name] = max(LEVEL3_GRID, key=lambda t: (fbeta(t), t))  # ties: the higher (fewer counted turns)
    return out


def calibrate(logits: np.ndarray, examples: Sequence[Example]) -> tuple[np.ndarray, np.ndarray, Thresholds]:
    """Platt parameters and thresholds from out-of-source logits."""
    y, mask = target_matrix(examples)
    a, b = platt(logits, y, mask)
    calibrated = 1.0 / (1.0 + np.exp(-np.clip(a * logits + b, -30, 30)))
    return a, b, choose_thresholds(calibrated, examples)


@dataclass
class Training:
    """The shipped heads and the leave-one-source-out folds behind them."""

    final: Fitted
    fold_logits: np.ndarray  # per training row: logits of the fold that held its source out
    fold_arrays: dict[str, dict]  # fold -> that fold's raw heads
    examples: list[Example]
    fold_of: dict[str, str] = field(default_factory=dict)  # source -> its fold (itself unless grouped)
    tokens: object = None  # train_tokens.TokenCache when the token pooling is trained
    grams: bool = False  # the n-gram half is trained (train_ngrams.py)


# LOSO folds grouped (`--folds grouped`): a fold per kind of shared set, and the corpus writers in
# CORPUS_GROUPS groups (round robin over their sorted names), so a training costs 1 + 3 + 3 folds
# instead of one per source; harsher than one source out (a whole kind is held out at once).
CORPUS_GROUPS = 3
SET_GROUPS = {
    "advbench": "requests",
    "harmbench": "requests",
    "simplesafetytests": "requests",
    "jbb_behaviors": "contrast",
    "coconot": "contrast",
    "cyberseceval": "contrast",
    "diasafety": "crisis",
}


def grouped_folds(sources: Iterable[str]) -> dict[str, str]:
    sources = sorted(set(sources))
    writers = [s for s in sources if s.startswith("corpus-")]
    out = {w: f"corpus-group{i % CORPUS_GROUPS + 1}" for i, w in enumerate(writers)}
    out.update({s: SET_GROUPS.get(s, s) for s in sources if s not in out})
    return out


def train_all(
    x: np.ndarray,
    examples: Sequence[Example],
    *,
    seed: int = SEED,
    log: Callable[[str], None] = print,
    fold_of: dict[str, str] | None = None,
    tokens=None,
    grams: bool = False,
) -> Training:
    """One training per fold (a source, or a group of sources: `grouped_folds`, held out), then the
    shipped heads on every row, calibrated on the out-of-fold logits. `tokens` (a
    train_tokens.TokenCache): train the token pooling with the heads (round 3). `grams`: train
    the n-gram half on the same rows (round 9, train_ngrams.py)."""
    import torch

    torch.set_num_threads(THREADS)  # the machine is shared; one core each by default
    y, mask = target_matrix(examples)
    weights = source_weights(examples)
    sources = np.array([e.source for e in examples])
    fold_of = dict(fold_of or {source: source for source in set(sources)})
    groups = np.array([fold_of[s] for s in sources])
    rows = None
    if tokens is not None:
        from moderation.classifiers.learned import train_tokens

        rows = train_tokens.TokenRows.of(tokens, examples)

    gram_rows = None
    if grams:
        from moderation.classifiers.learned import train_ngrams

        gram_rows = train_ngrams.rows_of(examples)

    def fit(keep: np.ndarray, seed: int) -> dict:
        arrays = fit_mlp(keep, seed)
        if gram_rows is not None:
            arrays.update(train_ngrams.train(gram_rows, y, mask, weights, keep, seed=seed))
        return arrays

    def fit_mlp(keep: np.ndarray, seed: int) -> dict:
        if rows is None:
            return train_heads(x[keep], y[keep], mask[keep], weights[keep], seed=seed)
        return train_tokens.train_heads(
            x[keep],
            y[keep],
            mask[keep],
            weights[keep],
            train_tokens.TokenRows(tokens, rows.text_ids[keep]),
            seed=seed,
            epochs=EPOCHS,
            hidden=HIDDEN,
            batch=BATCH,
            learning_rate=LEARNING_RATE,
            weight_decay=WEIGHT_DECAY,
            dropout=DROPOUT,
        )

    def raw(arrays: dict, keep: np.ndarray) -> np.ndarray:
        kept_grams = [gram_rows[i] for i in np.flatnonzero(keep)] if gram_rows is not None else None
        if rows is None:
            return _raw_logits(arrays, x[keep], kept_grams)
        part = train_tokens.TokenRows(tokens, rows.text_ids[keep])
        return _raw_logits(arrays, train_tokens.full_rows(arrays, x[keep], part), kept_grams)

    logits = np.zeros_like(y)
    folds: dict[str, dict] = {}
    for k, fold in enumerate(sorted(set(groups))):
        started = time.perf_counter()
        held = groups == fold
        arrays = fit(~held, seed + k + 1)
        logits[held] = raw(arrays, held)
        folds[fold] = arrays
        log(f"  fold without {fold}: {int(held.sum())} rows held out, {time.perf_counter() - started:.0f} s")
    a, b, thresholds = calibrate(logits, examples)
    started = time.perf_counter()
    arrays = fit(np.ones(len(examples), dtype=bool), seed)
    log(f"  shipped training: {time.perf_counter() - started:.0f} s")
    arrays["platt_a"], arrays["platt_b"] = a, b
    log(f"  thresholds {thresholds}")
    return Training(Fitted(arrays, thresholds), logits, folds, list(examples), fold_of, tokens, grams)


# ---------------------------------------------------------------- the whole procedure


def training_set(examples: Sequence[Example], *, seed: int = SEED) -> list[Example]:
    base = [e for e in examples if e.trainable]
    return base + augmented(base, seed=seed)


def save(fitted: Fitted, directory: Path, *, version: str, info: dict) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    # tokz_*: the token map in the training cache's basis, for LOSO only (run time reads tok_*)
    arrays = {name: value.astype(np.float16) for name, value in fitted.arrays.items() if not name.startswith("tokz_")}
    np.savez_compressed(directory / "model.npz", **arrays)
    meta = {"version": version, "thresholds": fitted.thresholds.as_json(), "outputs": list(OUTPUTS), **info}
    (directory / "model.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def loso(
    training: Training, examples: Sequence[Example], cache: FeatureCache
) -> dict[str, tuple[np.ndarray, Thresholds]]:
    """Per example id: calibrated probabilities and thresholds from heads that never saw its
    source (see the module docstring); the rows of never-trained sources (and of corpus writers
    left out of the training) are scored by the shipped heads, which never saw them either."""
    fold_of = training.fold_of or {e.source: e.source for e in training.examples}
    groups = np.array([fold_of[e.source] for e in training.examples])

    def matrix(arrays: dict, chosen: Sequence[Example]) -> np.ndarray:
        x = feature_matrix(cache, chosen)
        if training.tokens is None:
            return x
        from moderation.classifiers.learned import train_tokens

        return train_tokens.full_rows(arrays, x, train_tokens.TokenRows.of(training.tokens, chosen))

    def grams(chosen: Sequence[Example]):
        if not training.grams:
            return None
        from moderation.classifiers.learned.train_ngrams import rows_of

        return rows_of(chosen)

    out: dict[str, tuple[np.ndarray, Thresholds]] = {}
    for fold, arrays in training.fold_arrays.items():
        others = groups != fold
        a, b, thresholds = calibrate(
            training.fold_logits[others], [e for e, k in zip(training.examples, others, strict=True) if k]
        )
        fitted = Fitted({**arrays, "platt_a": a, "platt_b": b}, thresholds)
        held = [e for e in examples if fold_of.get(e.source) == fold]
        if held:
            for example, row in zip(held, fitted.heads().probabilities(matrix(arrays, held), grams(held)), strict=True):
                out[example.id] = (row, thresholds)
    rest = [e for e in examples if e.id not in out]  # every trained source has its fold
    if rest:
        heads = training.final.heads()
        for example, row in zip(
            rest, heads.probabilities(matrix(training.final.arrays, rest), grams(rest)), strict=True
        ):
            out[example.id] = (row, training.final.thresholds)
    return out
