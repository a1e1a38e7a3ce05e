"""The learned judge at run time: features -> a small MLP -> calibrated probabilities -> severities.

Features of a judged turn (`features`, the same code at training and at run time):
- the encoder's embedding and max-pooled n-gram features of the turn (encoder.py);
- the same of the last two earlier user turns joined with it (a payload split over turns, a
  crescendo, an age stated earlier, all read together); the turn's own without context;
- the mean embedding of the earlier turns (up to three), zero without context;
- the assistant's last action (one-hot: none, answer, refuse, redirect, warn, crisis_support,
  confirm_end): insistence after a warning reads differently from a first question.

Outputs (each a sigmoid, calibrated by Platt scaling on out-of-source predictions at training
time): `flag` (any category at severity >= 2), and per category `>= 2`, `>= 3`, `>= 4`.
Severities come from the calibrated probabilities and the thresholds stored with the weights
(`severities`). Pure numpy: the weights are float16 in `weights/model.npz`, the thresholds and
calibration in `weights/model.json`.

Several head sets (round 4 on, `load_heads`): when `weights/crisis.npz` and `crisis.json` are
there, the crisis outputs (self_harm and threat_to_others at every level) and the crisis threshold
come from those heads, everything else from `model.*` (`CombinedHeads`). Both read the same feature
row: the crisis heads its first FEATURES columns (the frozen features), the others all of it. The
output rail reads assistant text with `rail.*` (round 5), frozen features too.

An n-gram half (round 9, ngrams.py): heads saved with `ng_W` also read the turn's hashed character
n-grams (`turn_grams`), a linear map whose logits are added to the MLP's before calibration.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from moderation.classifiers.learned import ngrams
from moderation.classifiers.learned.encoder import DIM, WIDTH
from moderation.classifiers.learned.tokens import TokenPooling
from moderation.taxonomy import NAMES

Gram = tuple[np.ndarray, np.ndarray]  # a row's n-gram bucket ids and weights (ngrams.row)
WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
ACTIONS = ("answer", "refuse", "redirect", "warn", "crisis_support", "confirm_end")
CONTEXT_JOINED = 2  # earlier turns joined with the judged one
CONTEXT_MEAN = 3  # earlier turns averaged
LEVELS = (2, 3, 4)
OUTPUTS = ("flag", *(f"{name}>={level}" for name in NAMES for level in LEVELS))
FEATURES = 2 * WIDTH + DIM + 1 + len(ACTIONS)
CRISIS = ("self_harm", "threat_to_others")
CRISIS_COLUMNS = [OUTPUTS.index(f"{name}>={level}") for name in CRISIS for level in LEVELS]


GRAMS_MIN_WORDS = 4  # a turn read alone needs this many words for its n-grams to be read (turn_grams)
MAX_CHARS = 1200  # a longer text is read as its first and last 600 characters (the encoder's cost is linear)


def clipped(text: str) -> str:
    """What the encoder reads of a text: all of it, or its head and tail (a pasted passage's
    instruction comes before or after it; the lexicon still reads every character)."""
    if len(text) <= MAX_CHARS:
        return text
    half = MAX_CHARS // 2
    return f"{text[:half]} … {text[-half:]}"


def joined_text(text: str, context: Sequence[str]) -> str:
    return " \n ".join([*context[-CONTEXT_JOINED:], text])


def texts_to_encode(text: str, context: Sequence[str]) -> list[str]:
    """The texts whose embeddings `features` needs: the turn, the joined turns, the earlier turns."""
    earlier = [clipped(turn) for turn in context[-CONTEXT_MEAN:]]
    return [clipped(text), clipped(joined_text(text, context)) if context else clipped(text), *earlier]


def turn_grams(text: str, context: Sequence[str]) -> Gram:
    """The turn's hashed character n-grams (ngrams.py): the turn, and the turn joined with its
    context when there is one, each read as the encoder reads it. A turn of fewer than
    GRAMS_MIN_WORDS words read without context has none: a few characters' n-grams, scaled to unit
    length, weigh as much as a paragraph's, and everyday one-liners ("make it shorter", "slaap
    lekker", "tşk") were flagged on one or two of them (MODEL_CARD.md, round 9)."""
    if not context and len(text.split()) < GRAMS_MIN_WORDS:
        return ngrams.EMPTY
    return ngrams.turn_row(clipped(text), clipped(joined_text(text, context)) if context else None)


def features(embeddings: np.ndarray, *, has_context: bool, last_action: str | None) -> np.ndarray:
    """One feature row from the embeddings of `texts_to_encode` (in that order). Embeddings wider
    than WIDTH carry the trained token pooling (tokens.py): the turn's and the joined turns' are
    appended after the FEATURES frozen ones."""
    extra = embeddings.shape[1] - WIDTH
    row = np.zeros(FEATURES + 2 * extra, dtype=np.float32)
    row[:WIDTH] = embeddings[0, :WIDTH]
    row[WIDTH : 2 * WIDTH] = embeddings[1, :WIDTH]
    if extra:
        row[FEATURES : FEATURES + extra] = embeddings[0, WIDTH:]
        row[FEATURES + extra :] = embeddings[1, WIDTH:]
    at = 2 * WIDTH
    if has_context and len(embeddings) > 2:
        row[at : at + DIM] = embeddings[2:, :DIM].mean(axis=0)
    row[at + DIM] = 1.0 if has_context else 0.0
    if last_action in ACTIONS:
        row[at + DIM + 1 + ACTIONS.index(last_action)] = 1.0
    return row


@dataclass(frozen=True)
class Thresholds:
    flag: float  # a turn is flagged at p(flag) >= this (its top category then reaches 2)
    level2: float  # a category reaches 2 at p(category >= 2) >= this, unless `per_category` says
    level3: float
    level4: float
    crisis: float  # self_harm / threat_to_others reach 2 at p >= this (recall first)
    per_category: Mapping[str, float] = field(default_factory=dict)  # level-2 thresholds by category
    level3_per_category: Mapping[str, float] = field(default_factory=dict)  # level-3 thresholds by category

    def level2_for(self, name: str) -> float:
        if name in CRISIS:
            return self.crisis
        return self.per_category.get(name, self.level2)

    def level3_for(self, name: str) -> float:
        return self.level3_per_category.get(name, self.level3)

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {k: getattr(self, k) for k in ("flag", "level2", "level3", "level4", "crisis")}
        out["per_category"] = dict(self.per_category)
        if self.level3_per_category:
            out["level3_per_category"] = dict(self.level3_per_category)
        return out

    @classmethod
    def from_json(cls, obj: Mapping[str, object]) -> Thresholds:
        scalars = {name: float(obj[name]) for name in ("flag", "level2", "level3", "level4", "crisis")}  # type: ignore[arg-type]
        per_category = {str(k): float(v) for k, v in dict(obj.get("per_category") or {}).items()}  # type: ignore[call-overload]
        level3 = {str(k): float(v) for k, v in dict(obj.get("level3_per_category") or {}).items()}  # type: ignore[call-overload]
        return cls(**scalars, per_category=per_category, level3_per_category=level3)


class Heads:
    """The trained MLP (one hidden layer) and its calibration."""

    def __init__(self, arrays: Mapping[str, np.ndarray], meta: Mapping[str, object]) -> None:
        self.w1 = np.asarray(arrays["w1"], dtype=np.float32)
        self.b1 = np.asarray(arrays["b1"], dtype=np.float32)
        self.w2 = np.asarray(arrays["w2"], dtype=np.float32)
        self.b2 = np.asarray(arrays["b2"], dtype=np.float32)
        self.mean = np.asarray(arrays["mean"], dtype=np.float32)
        self.scale = np.asarray(arrays["scale"], dtype=np.float32)
        self.platt_a = np.asarray(arrays["platt_a"], dtype=np.float32)
        self.platt_b = np.asarray(arrays["platt_b"], dtype=np.float32)
        self.thresholds = Thresholds.from_json(meta["thresholds"])  # type: ignore[arg-type]
        self.version = str(meta["version"])
        self.meta = meta
        # round 3 (`--pooling tokens`): the trained token pooling the encoder applies (tokens.py)
        self.pooling = TokenPooling.from_arrays(arrays)
        # round 9 (`--ngrams`): the n-gram half, its logits added to the MLP's (ngrams.py); kept in
        # float16 as saved (22 MB in memory; a row reads only its own n-grams' columns)
        self.ng_w = np.asarray(arrays["ng_W"]) if "ng_W" in arrays else None
        self.ng_b = np.asarray(arrays["ng_b"], dtype=np.float32) if "ng_W" in arrays else None

    @classmethod
    def load(cls, directory: str | Path = WEIGHTS_DIR, name: str = "model") -> Heads:
        directory = Path(directory)
        with np.load(directory / f"{name}.npz", allow_pickle=False) as arrays:
            loaded = {key: arrays[key] for key in arrays.files}
        meta = json.loads((directory / f"{name}.json").read_text(encoding="utf-8"))
        return cls(loaded, meta)

    @property
    def width(self) -> int:
        """The feature row's length these heads read."""
        return len(self.mean)

    @property
    def rail(self) -> Heads:
        """The heads the output rail reads assistant text with (of one set: these)."""
        return self

    @property
    def reads_grams(self) -> bool:
        """The heads have an n-gram half (round 9): each row's n-grams (`turn_grams`) are read too."""
        return self.ng_w is not None

    def logits(self, rows: np.ndarray, grams: Sequence[Gram] | None = None) -> np.ndarray:
        """Rows wider than these heads read (token-pooled features appended) are read by their
        first `width` columns: heads trained on the frozen features alone read those. `grams`:
        each row's n-grams, which heads with an n-gram half need (and others ignore)."""
        rows = rows[:, : self.width]
        hidden = (rows - self.mean) / self.scale @ self.w1 + self.b1
        np.maximum(hidden, 0.0, out=hidden)
        z = hidden @ self.w2 + self.b2
        if self.ng_w is not None:
            if grams is None or len(grams) != len(rows):
                raise ValueError("these heads read each row's n-grams (model.turn_grams)")
            z += ngrams.logits(self.ng_w, grams) + self.ng_b
        return z

    def probabilities(self, rows: np.ndarray, grams: Sequence[Gram] | None = None) -> np.ndarray:
        """(n, len(OUTPUTS)) calibrated probabilities."""
        z = self.platt_a * self.logits(rows, grams) + self.platt_b
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


class CombinedHeads:
    """`main`'s probabilities, with the crisis outputs from `crisis` (heads on the frozen features
    alone, no token pooling): the round-4 heads read what a text asks better, frozen heads who is at
    risk (docs/benchmarks_classifier.md, "Round 5"). `rail`: the heads the output rail reads
    assistant text with (frozen features alone too), when not the crisis heads."""

    def __init__(self, main: Heads, crisis: Heads, rail: Heads | None = None) -> None:
        for name, heads in (("crisis", crisis), ("rail", rail)):
            if heads is None:
                continue
            if heads.pooling is not None or heads.width > main.width:
                raise ValueError(f"the {name} heads must read the frozen features only")
            if list(heads.meta.get("outputs", OUTPUTS)) != list(OUTPUTS):
                raise ValueError(f"the {name} heads were trained on other outputs")
        self.main = main
        self.crisis = crisis
        self._rail = rail
        self.thresholds = replace(main.thresholds, crisis=crisis.thresholds.crisis)
        self.version = f"{main.version}+{crisis.version}"
        self.meta = main.meta
        self.pooling = main.pooling

    @property
    def rail(self) -> Heads:
        """The heads the output rail reads assistant text with: `rail.*`, else the crisis heads."""
        return self._rail or self.crisis

    @property
    def reads_grams(self) -> bool:
        return self.main.reads_grams or self.crisis.reads_grams

    def probabilities(self, rows: np.ndarray, grams: Sequence[Gram] | None = None) -> np.ndarray:
        p = self.main.probabilities(rows, grams)
        p[:, CRISIS_COLUMNS] = self.crisis.probabilities(rows, grams)[:, CRISIS_COLUMNS]
        return p


def loso_line(
    example_id: str, source: str, probabilities: Sequence[float], thresholds: Thresholds
) -> dict[str, object]:
    """One row of a `train_classifier --loso` file (what `read_loso` reads)."""
    return {
        "id": example_id,
        "source": source,
        "p": [round(float(p), 5) for p in probabilities],
        "thresholds": thresholds.as_json(),
    }


def read_loso(path: str | Path) -> dict[str, dict]:
    """A `train_classifier --loso` file's rows by example id."""
    with Path(path).open(encoding="utf-8") as handle:
        return {row["id"]: row for row in map(json.loads, handle)}


def combined_loso_row(row: Mapping[str, object], crisis_row: Mapping[str, object]) -> dict[str, object]:
    """What `CombinedHeads` makes of one `train_classifier --loso` row, from the two head sets' rows
    (each out of its own fold, so the combination is too)."""
    p = list(row["p"])  # type: ignore[call-overload]
    for j in CRISIS_COLUMNS:
        p[j] = crisis_row["p"][j]  # type: ignore[index]
    thresholds = {**row["thresholds"], "crisis": crisis_row["thresholds"]["crisis"]}  # type: ignore[dict-item, index]
    return {**row, "p": p, "thresholds": thresholds}


def load_heads(directory: str | Path = WEIGHTS_DIR) -> Heads | CombinedHeads:
    """The heads in `directory`: `model.*`, combined with `crisis.*` (and `rail.*`) when there."""
    directory = Path(directory)
    main = Heads.load(directory)
    if not (directory / "crisis.npz").exists():
        return main
    rail = Heads.load(directory, "rail") if (directory / "rail.npz").exists() else None
    return CombinedHeads(main, Heads.load(directory, "crisis"), rail)


def severities(probabilities: np.ndarray, thresholds: Thresholds) -> dict[str, int]:
    """Per-category severities (0-4) of one row of calibrated probabilities.

    A category reaches 2 when its own `>= 2` probability passes its own threshold (each category
    has one, fitted so that benign look-alikes of that category stay below it; the crisis ones
    share a recall-first one), then 3 and 4 when those levels pass theirs. A turn flagged as a
    whole but with no category past its threshold gives its most likely non-crisis category 2
    (refused, never counted).
    A probability of at least half the level-2 threshold gives 1 (edgy, answered).
    """
    p = dict(zip(OUTPUTS, probabilities.tolist(), strict=True))
    scores: dict[str, int] = {}
    for name in NAMES:
        p2 = p[f"{name}>=2"]
        bar = thresholds.level2_for(name)
        if p2 >= bar:
            severity = 2
            if p[f"{name}>=3"] >= thresholds.level3_for(name):
                severity = 3
                if p[f"{name}>=4"] >= thresholds.level4:
                    severity = 4
        elif p2 >= bar / 2:
            severity = 1
        else:
            continue
        scores[name] = severity
    if p["flag"] >= thresholds.flag and max(scores.values(), default=0) < 2:
        # crisis is decided by its own threshold alone: the fallback never names a crisis category
        top = max((name for name in NAMES if name not in CRISIS), key=lambda name: p[f"{name}>=2"])
        scores[top] = 2
    return scores
