"""Fixed-window rate limits on the shared cache (Redis when distributed), so every server process
sees the same counts."""

from __future__ import annotations

import time

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache


def hit(key: str, *, limit: int, window: int) -> int:
    """Count one hit against `key`; return 0 when allowed, else the seconds until the window ends."""
    now = int(time.time())
    window_start = now - now % window
    bucket = f"rl:{key}:{window_start}"
    cache = caches["default"]
    count = _count_redis(cache, bucket, window) if isinstance(cache, RedisCache) else _count(cache, bucket, window)
    if count > limit:
        return max(1, window_start + window - now)
    return 0


def _count_redis(cache: RedisCache, bucket: str, window: int) -> int:
    """INCR and EXPIRE in one round trip (Django's cache API takes two or three: add, exists,
    incr). The key is built by the cache, so prefixes and versions still apply."""
    full_key = cache.make_and_validate_key(bucket)
    client = cache._cache.get_client(full_key, write=True)
    pipe = client.pipeline(transaction=False)
    pipe.incr(full_key)
    pipe.expire(full_key, window + 1, nx=True)
    count, _ = pipe.execute()
    return int(count)


def _count(cache, bucket: str, window: int) -> int:
    if cache.add(bucket, 1, timeout=window + 1):
        return 1
    try:
        return cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.add(bucket, 1, timeout=window + 1)
        return 1
