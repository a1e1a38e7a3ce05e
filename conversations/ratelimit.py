"""Fixed-window rate limits on the shared cache (Redis when distributed), so every server process
sees the same counts."""

from __future__ import annotations

import time

from django.core.cache import cache


def hit(key: str, *, limit: int, window: int) -> int:
    """Count one hit against `key`; return 0 when allowed, else the seconds until the window ends."""
    now = int(time.time())
    window_start = now - now % window
    bucket = f"rl:{key}:{window_start}"
    if cache.add(bucket, 1, timeout=window + 1):
        count = 1
    else:
        try:
            count = cache.incr(bucket)
        except ValueError:  # expired between add and incr
            cache.add(bucket, 1, timeout=window + 1)
            count = 1
    if count > limit:
        return max(1, window_start + window - now)
    return 0
