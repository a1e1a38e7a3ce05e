"""Fixed-window rate limits, and the registry of open websockets per user, on the shared cache
(Redis when distributed), so every server process sees the same counts."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

# An open socket's registry entry lives this long unless refreshed; its process refreshes it
# every SOCKET_REFRESH_SECONDS (conversations.consumers), so the sockets of a process that died
# without closing them stop counting within SOCKET_TTL seconds.
SOCKET_TTL = 90
SOCKET_REFRESH_SECONDS = 30


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


# --- open sockets per user ------------------------------------------------------------------------

# One sorted set per user: member = socket id, score = when the entry expires. Drop the expired
# entries, count, add: atomically, so concurrent handshakes on several processes cannot all slip in.
_CLAIM = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[2]), ARGV[4])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]) + 1)
return 1
"""
_local_lock = threading.Lock()


def socket_claim(*, user_id, socket_id: str, limit: int) -> bool:
    """Register an open socket of `user_id`. False, with nothing registered, when the user already
    has `limit` open sockets (0: no limit)."""
    if limit <= 0:
        return True
    cache, key = _socket_key(user_id)
    now = time.time()
    if isinstance(cache, RedisCache):
        full_key = cache.make_and_validate_key(key)
        client = cache._cache.get_client(full_key, write=True)
        return bool(client.eval(_CLAIM, 1, full_key, now, SOCKET_TTL, limit, socket_id))
    with _local_lock:  # a cache of one process (the embedded default): exact within it
        entries = {sid: expiry for sid, expiry in cache.get(key, {}).items() if expiry > now}
        if len(entries) >= limit:
            return False
        entries[socket_id] = now + SOCKET_TTL
        cache.set(key, entries, timeout=SOCKET_TTL + 1)
        return True


def socket_release(*, user_id, socket_id: str) -> None:
    cache, key = _socket_key(user_id)
    if isinstance(cache, RedisCache):
        full_key = cache.make_and_validate_key(key)
        cache._cache.get_client(full_key, write=True).zrem(full_key, socket_id)
        return
    with _local_lock:
        entries = cache.get(key, {})
        if entries.pop(socket_id, None) is not None:
            cache.set(key, entries, timeout=SOCKET_TTL + 1)


def socket_refresh(*, sockets: Iterable[tuple[str, object]]) -> None:
    """Extend the entries of these (socket id, user id) pairs, still open, by SOCKET_TTL; one
    round trip for all of them. An entry that already lapsed is not brought back."""
    now = time.time()
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        pipe = None
        for socket_id, user_id in sockets:
            full_key = cache.make_and_validate_key(_socket_key(user_id)[1])
            if pipe is None:
                pipe = cache._cache.get_client(full_key, write=True).pipeline(transaction=False)
            pipe.zadd(full_key, {socket_id: now + SOCKET_TTL}, xx=True)
            pipe.expire(full_key, SOCKET_TTL + 1)
        if pipe is not None:
            pipe.execute()
        return
    with _local_lock:
        for socket_id, user_id in sockets:
            _, key = _socket_key(user_id)
            entries = cache.get(key, {})
            if socket_id in entries:
                entries[socket_id] = now + SOCKET_TTL
                cache.set(key, entries, timeout=SOCKET_TTL + 1)


def _socket_key(user_id) -> tuple:
    return caches["default"], f"ws-open:{user_id}"
