"""Character n-grams of a turn, hashed: the learned judge's second view of the text (round 9).

The sentence encoder says what a text is about, in a space shared by its sixteen languages; it
reads words it has seen in training, whole. Character n-grams read the spelling itself: the stems
of an inflected language ("wirusa", "virüsü", "zatruć"), a misspelling or a leetspeak variant that
keeps most of its letters, a compound ("Sprengstoffgürtel"). A linear map of them (`ng_W`, one
column per output) is trained here with the heads, and its logits are added to the MLP's before
calibration (model.Heads): the heads' "wide" half.

What is read: the text lower-cased with runs of whitespace as one space, each word padded with a
space on both sides, and every n-gram of 2 to 5 characters within a word (scikit-learn's
`char_wb`). Each n-gram is hashed (CRC-32 of its UTF-8 bytes, the view's seed first) into
BUCKETS columns; the counts are damped (1 + log count) and the row scaled to unit length. The turn
and the turn joined with its context are two views, hashed with different seeds into the same
columns. A text longer than MAX_CHARS is read as its head and tail, as the encoder reads it.

No library does this without pulling scikit-learn and SciPy into the run time; the whole of it is
the function below, shared by training and run time so that they cannot drift apart.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

BUCKETS = 2**18
SIZES = (2, 3, 4, 5)
TURN, JOINED = b"t", b"j"  # the views' seeds
EMPTY = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))  # a row with no n-grams


def grams(text: str, seed: bytes) -> Counter[int]:
    """Hashed n-gram counts of one text (one view)."""
    counts: Counter[int] = Counter()
    start_value = zlib.crc32(seed)  # each n-gram's CRC continues from the seed's
    for word in text.lower().split():
        padded = f" {word} "
        for size in SIZES:
            if size > len(padded):
                break
            for start in range(len(padded) - size + 1):
                counts[zlib.crc32(padded[start : start + size].encode("utf-8"), start_value)] += 1
    return counts


def row(views: Sequence[tuple[str, bytes]]) -> tuple[np.ndarray, np.ndarray]:
    """The (bucket ids, weights) of one feature row from its views' texts: damped counts, summed
    over the views where they share a bucket, scaled to unit length."""
    total: Counter[int] = Counter()
    for text, seed in views:
        for gram, count in grams(text, seed).items():
            total[gram % BUCKETS] += 1.0 + float(np.log(count))
    if not total:
        return EMPTY
    ids = np.fromiter(total.keys(), dtype=np.int64, count=len(total))
    weights = np.fromiter(total.values(), dtype=np.float32, count=len(total))
    return ids, weights / np.float32(np.linalg.norm(weights))


@lru_cache(maxsize=2048)
def turn_row(text: str, joined: str | None) -> tuple[np.ndarray, np.ndarray]:
    """A turn's row: its own n-grams, and those of the turn joined with its context when there is one
    (model.joined_text; both already clipped as the encoder reads them). Recent rows are kept: a
    branch's earlier turns are read again, alone, with every new message (never modify a row)."""
    return row([(text, TURN)] + ([(joined, JOINED)] if joined is not None else []))


def logits(w: np.ndarray, rows: Sequence[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """(len(rows), outputs): each row's weighted sum of the columns of `w` (BUCKETS x outputs)."""
    out = np.zeros((len(rows), w.shape[1]), dtype=np.float32)
    for i, (ids, weights) in enumerate(rows):
        if len(ids):
            out[i] = weights @ w[ids].astype(np.float32)
    return out
