"""The idle ramp: open N authenticated chat sockets against ONE server process, measure its memory
per connection (VmRSS before and after) and check that it still answers while they are open."""

from __future__ import annotations

import asyncio
import json
import time

from websockets.exceptions import ConnectionClosed

from bench.load import Session, percentile, ws_connect
from bench.stack import rss_kib

BATCH = 100
CONCURRENT_HANDSHAKES = 50


async def idle_ramp(sessions: list[Session], *, server_pid: int, target: int, progress) -> dict:
    """`sessions` all point at the one server; sockets are spread over their conversations."""
    rss_before = rss_kib(server_pid)
    sockets = []
    failures = 0
    gate = asyncio.Semaphore(CONCURRENT_HANDSHAKES)
    started = time.perf_counter()

    async def one(index: int):
        nonlocal failures
        session = sessions[index % len(sessions)]
        async with gate:
            try:
                return await ws_connect(session, f"/ws/conversations/{session.conversation_id}/")
            except Exception:
                failures += 1
                return None

    try:
        for first in range(0, target, BATCH):
            batch = await asyncio.gather(*(one(i) for i in range(first, min(target, first + BATCH))))
            sockets.extend(ws for ws in batch if ws is not None)
            if (first + BATCH) % 500 == 0 or first + BATCH >= target:
                progress(
                    f"  idle ramp: {len(sockets)} open, {failures} failed, "
                    f"server RSS {rss_kib(server_pid) / 1024:.0f} MiB"
                )
        ramp_s = time.perf_counter() - started
        await asyncio.sleep(3)
        rss_after = rss_kib(server_pid)
        sync_ms = await _sample_sync(sockets[:: max(1, len(sockets) // 50)])
        open_now = sum(1 for ws in sockets if ws.state.name == "OPEN")
        return {
            "target": target,
            "open": open_now,
            "failed": failures,
            "ramp_s": round(ramp_s, 1),
            "rss_before_mib": round(rss_before / 1024, 1),
            "rss_after_mib": round(rss_after / 1024, 1),
            "kib_per_connection": round((rss_after - rss_before) / max(1, open_now), 1),
            "sync_p50_ms": percentile(sync_ms, 50),
            "sync_max_ms": max(sync_ms) if sync_ms else float("nan"),
            "sync_samples": len(sync_ms),
        }
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)


async def _sample_sync(sockets) -> list[float]:
    """A `sync` round trip on a sample of the idle sockets, one after another: the process still
    serves every socket while holding all of them."""
    timings = []
    for ws in sockets:
        started = time.perf_counter()
        try:
            await ws.send(json.dumps({"type": "sync"}))
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
                if frame.get("type") == "conversation.state":
                    timings.append((time.perf_counter() - started) * 1000)
                    break
        except (TimeoutError, ConnectionClosed):
            continue  # counted as not open below
    return timings
