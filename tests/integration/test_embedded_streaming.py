"""Real streaming in the embedded default (issue 15, item 5), through a real Daphne process as
`make run` starts it (no Redis: eager Celery, in-memory channel layer) with a streaming responder
(tests/fakes/slow_backends.StreamingResponder).

Before the fix, the turn ran inside the socket's own handler, and Channels hands a consumer its
channel-layer events only between handlers: the sender got `message.created`, every delta and the
reply together at the end. These tests prove the order causally, without timings: the responder
holds its stream after its first words until the test opens a gate, and the test opens it only
once a delta reached it; a stop is sent after the first delta and must end the stream early."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
import websockets
from django.test import Client

from conversations.models import Message
from tests import servers
from tests.factories import conversation

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

FRAME_TIMEOUT = 20  # s; the gated responder gives up waiting after 30 s, so a held frame fails here first


@pytest.fixture
def embedded_site(tmp_path):
    env = {
        "RESPONDER": "streaming",
        "RESPONDERS_JSON": json.dumps({"streaming": "tests.fakes.slow_backends.StreamingResponder"}),
        "STREAM_GATE_DIR": str(tmp_path),
        "STREAM_CHUNKS": "400",
        "STREAM_CHUNK_SECONDS": "0.02",
        "EMBEDDED_SWEEP_SECONDS": "0",
        # The output rail lets text out only once it has checked it: at a sentence end past 80
        # characters, else at 400. These words have no sentence end, so the stream is held after
        # about 560 characters: past the first check, whose text must reach the socket meanwhile.
        "STREAM_GATE_AFTER": "80",
    }
    with servers.asgi_server(log_path=tmp_path / "daphne.log", **env) as (base_url, _process):
        yield base_url, tmp_path


def cookie_for(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


async def _frames_until(socket, predicate, seen: list[dict]) -> dict:
    while True:
        frame = json.loads(await asyncio.wait_for(socket.recv(), FRAME_TIMEOUT))
        seen.append(frame)
        if predicate(frame):
            return frame


def _socket(base_url: str, cookie: str, conversation_id):
    url = base_url.replace("http://", "ws://") + f"/ws/conversations/{conversation_id}/"
    return websockets.connect(url, additional_headers={"Cookie": f"sessionid={cookie}", "Origin": base_url})


def test_the_senders_own_socket_gets_its_message_then_each_delta_as_it_is_made(embedded_site, user):
    base_url, gate_dir = embedded_site
    conv = conversation(user)
    cookie = cookie_for(user)

    async def scenario() -> list[dict]:
        seen: list[dict] = []
        async with _socket(base_url, cookie, conv.id) as socket:
            client_id = str(uuid.uuid4())
            await socket.send(
                json.dumps({"type": "message.send", "client_id": client_id, "parent_id": None, "content": "[gate] hi"})
            )
            await _frames_until(socket, lambda f: f["type"] == "message.created", seen)
            first = await _frames_until(socket, lambda f: f["type"] in ("assistant.delta", "assistant.completed"), seen)
            assert first["type"] == "assistant.delta", "the first checked words arrive while the stream is held"
            (gate_dir / "gate").touch()  # only now may the responder go on
            await _frames_until(socket, lambda f: f["type"] == "assistant.completed", seen)
        return seen

    seen = asyncio.run(scenario())
    kinds = [f["type"] for f in seen if f["type"] != "conversation.state"]
    assert kinds[0] == "message.created" and seen[0]["message"]["client_id"]
    assert kinds[1] == "assistant.delta" and kinds[-1] == "assistant.completed"
    completed = seen[-1]["message"]
    deltas = "".join(f["delta"] for f in seen if f["type"] == "assistant.delta")
    assert deltas == completed["content"] == "".join(f"word{i} " for i in range(400))
    assert completed["status"] == "complete"


def test_stop_ends_the_stream_on_the_server_and_keeps_what_was_sent(embedded_site, user):
    base_url, gate_dir = embedded_site
    conv = conversation(user)
    cookie = cookie_for(user)

    async def scenario() -> tuple[list[dict], dict, dict]:
        seen: list[dict] = []
        async with _socket(base_url, cookie, conv.id) as socket:
            await socket.send(
                json.dumps(
                    {"type": "message.send", "client_id": str(uuid.uuid4()), "parent_id": None, "content": "hello"}
                )
            )
            delta = await _frames_until(socket, lambda f: f["type"] == "assistant.delta", seen)
            await socket.send(json.dumps({"type": "reply.stop", "message_id": delta["message_id"]}))
            stopping = await _frames_until(socket, lambda f: f["type"] == "reply.stopping", seen)
            completed = await _frames_until(socket, lambda f: f["type"] == "assistant.completed", seen)
        return seen, stopping, completed

    seen, stopping, completed = asyncio.run(scenario())
    reply = completed["message"]
    assert stopping["status"] == "stopping" and stopping["message_id"] == reply["id"]
    assert reply["status"] == "stopped"
    full = "".join(f"word{i} " for i in range(400))
    assert reply["content"] and full.startswith(reply["content"]) and reply["content"] != full
    assert "".join(f["delta"] for f in seen if f["type"] == "assistant.delta") == reply["content"]
    stored = Message.objects.get(id=reply["id"])
    assert (stored.status, stored.content) == ("stopped", reply["content"])
    assert list(gate_dir.glob("closed-*")), "the responder's stream was closed"
