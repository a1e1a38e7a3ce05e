"""When do the sender's own frames arrive? One message over one socket; prints, in ms after the
send, the arrival of `message.created`, the first and last `assistant.delta` and
`assistant.completed`, and how many deltas came (docs/benchmarks.md, "Issue 15").

    python -m bench.stream_arrival BASE_URL SESSIONID CONVERSATION_ID

Against a server started with a streaming responder (e.g. the tests' slowed fake:
RESPONDER=streaming RESPONDERS_JSON='{"streaming": "tests.fakes.slow_backends.StreamingResponder"}').
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid

import websockets


async def measure(base_url: str, session_id: str, conversation_id: str) -> dict:
    url = base_url.replace("http://", "ws://") + f"/ws/conversations/{conversation_id}/"
    headers = {"Cookie": f"sessionid={session_id}", "Origin": base_url}
    arrivals: list[tuple[str, float]] = []
    async with websockets.connect(url, additional_headers=headers) as socket:
        started = time.perf_counter()
        frame = {"type": "message.send", "client_id": str(uuid.uuid4()), "parent_id": None, "content": "hello"}
        await socket.send(json.dumps(frame))
        while not arrivals or arrivals[-1][0] != "assistant.completed":
            received = json.loads(await asyncio.wait_for(socket.recv(), 60))
            arrivals.append((received["type"], time.perf_counter() - started))
    deltas = [at for kind, at in arrivals if kind == "assistant.delta"]
    created = next(at for kind, at in arrivals if kind == "message.created")
    return {
        "created_ms": round(created * 1000, 1),
        "first_delta_ms": round(deltas[0] * 1000, 1) if deltas else None,
        "last_delta_ms": round(deltas[-1] * 1000, 1) if deltas else None,
        "completed_ms": round(arrivals[-1][1] * 1000, 1),
        "deltas": len(deltas),
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(measure(*sys.argv[1:4]))))
