"""Trained pooling over the encoder's token features (round 3, `--pooling tokens`).

The frozen encoder max-pools its 1,280-d n-gram features over a text: whether a phrase occurs
anywhere, in the encoder's own basis (trained for similarity: what a text is *about*). This module
adds a small layer trained here, with the heads: every token's features (after the encoder's
final layer norm) go through a trained linear map and a ReLU (D units, a detector per unit), and
are pooled three ways over the text: max (a phrase anywhere), mean (how much of the text), and K
trained attention heads (a softmax over tokens of a trained score: *which* tokens matter). The
result, (2 + K) * D numbers per text, is appended to the frozen features of the turn and of the
turn joined with its context (model.features).

Run time is numpy: one (tokens x 1,280) @ (1,280 x D) product per text, the same order of cost as
one of the encoder's own CNN layers. At training time the token features are cached projected on
their principal components (train_tokens.py); the map trained there is folded back into the
1,280-d basis here (`tok_M`, `tok_c`), so run time needs no PCA.

A text's tokens are read as its first TOKENS_HEAD and last TOKENS_TAIL (BOS and EOS included):
the same selection at training and at run time.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

TOKENS_HEAD = 64
TOKENS_TAIL = 64


def selected(n_tokens: int) -> np.ndarray:
    """The token positions a text is pooled over."""
    if n_tokens <= TOKENS_HEAD + TOKENS_TAIL:
        return np.arange(n_tokens)
    return np.concatenate([np.arange(TOKENS_HEAD), np.arange(n_tokens - TOKENS_TAIL, n_tokens)])


class TokenPooling:
    """u = relu(f @ M + c) per token; [max u, mean u, softmax(u @ A) attention-weighted u] per text."""

    def __init__(self, m: np.ndarray, c: np.ndarray, a: np.ndarray) -> None:
        self.m = np.asarray(m, dtype=np.float32)
        self.c = np.asarray(c, dtype=np.float32)
        self.a = np.asarray(a, dtype=np.float32)
        self.units = self.m.shape[1]
        self.heads = self.a.shape[1]
        self.width = (2 + self.heads) * self.units

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> TokenPooling | None:
        if "tok_M" not in arrays:
            return None
        return cls(arrays["tok_M"], arrays["tok_c"], arrays["tok_A"])

    def __call__(self, feats: np.ndarray) -> np.ndarray:
        """feats: (tokens, 1280) after the encoder's layer norm, already `selected`."""
        u = feats @ self.m
        u += self.c
        np.maximum(u, 0.0, out=u)
        s = u @ self.a  # (tokens, K)
        s -= s.max(axis=0, keepdims=True)
        np.exp(s, out=s)
        s /= s.sum(axis=0, keepdims=True)
        out = np.empty(self.width, dtype=np.float32)
        d = self.units
        out[:d] = u.max(axis=0)
        out[d : 2 * d] = u.mean(axis=0)
        out[2 * d :] = (s.T @ u).reshape(-1)
        return out
