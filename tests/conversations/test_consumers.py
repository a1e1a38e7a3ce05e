"""The websocket edge with WebsocketCommunicator on the real ASGI application (auth, Origin
check, routing) and the in-process pipeline."""

from __future__ import annotations

import json
import uuid

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from chatsite.asgi import application
from conversations.models import Message
from conversations.responders.offline import OfflineResponder
from tests.communicator import Communicator
from tests.factories import conversation

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

ORIGIN = b"http://127.0.0.1:8000"


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


async def open_socket(conversation_id, user=None, origin=ORIGIN):
    headers = [(b"host", b"127.0.0.1:8000")]
    if origin is not None:
        headers.append((b"origin", origin))
    if user is not None:
        cookie = await sync_to_async(session_cookie)(user)
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    communicator = Communicator(application, f"/ws/conversations/{conversation_id}/", headers=headers)
    connected, code = await communicator.connect()
    return communicator, connected, code


async def receive_until(communicator, event_type, timeout=5):
    seen = []
    while True:
        frame = json.loads(await communicator.receive_from(timeout=timeout))
        seen.append(frame)
        if frame["type"] == event_type:
            return frame, seen


async def count_messages():
    return await sync_to_async(Message.objects.count)()


async def test_an_anonymous_socket_is_refused(user):
    conv = await sync_to_async(conversation)(user)
    _, connected, _ = await open_socket(conv.id)
    assert not connected


async def test_a_foreign_origin_is_refused(user):
    conv = await sync_to_async(conversation)(user)
    _, connected, _ = await open_socket(conv.id, user, origin=b"https://evil.example")
    assert not connected
    _, connected, _ = await open_socket(conv.id, user, origin=None)
    assert not connected


async def test_another_users_conversation_is_refused_exactly_like_a_missing_one(user, other_user):
    conv = await sync_to_async(conversation)(user)
    answers = []
    for conversation_id in (conv.id, uuid.uuid4(), "not-a-uuid"):
        communicator, connected, _ = await open_socket(conversation_id, other_user)
        assert connected
        frame = json.loads(await communicator.receive_from())
        close = await communicator.receive_output()
        answers.append((frame["code"], frame["detail"], close["code"]))
    assert answers[0] == answers[1] == answers[2] == ("not_found", answers[0][1], 4404)


class StreamedOfflineResponder(OfflineResponder):
    """The offline texts, streamed from the reply queue like a language model's."""

    inline = False


async def _send_and_collect(user, content="Hello!"):
    conv = await sync_to_async(conversation)(user)
    communicator, connected, _ = await open_socket(conv.id, user)
    assert connected
    client_id = str(uuid.uuid4())
    await communicator.send_json_to(
        {"type": "message.send", "client_id": client_id, "parent_id": None, "content": content}
    )
    created, _ = await receive_until(communicator, "message.created")
    assert created["message"]["client_id"] == client_id
    assert created["message"]["content"] == content
    assert created["conversation_id"] == str(conv.id)
    completed, seen = await receive_until(communicator, "assistant.completed")
    assert completed["message"]["parent_id"] == created["message"]["id"]
    assert completed["action"] == "answer"
    assert completed["message"]["status"] == "complete"
    await communicator.disconnect()
    return completed, [f["delta"] for f in seen if f["type"] == "assistant.delta"]


async def test_an_instant_reply_arrives_whole_without_deltas(user):
    completed, deltas = await _send_and_collect(user)
    assert completed["message"]["content"].strip()
    assert deltas == []


async def test_a_streaming_responder_sends_deltas_that_add_up_to_the_reply(user, settings):
    settings.RESPONDERS = {"streamed": "tests.conversations.test_consumers.StreamedOfflineResponder"}
    settings.RESPONDER = "streamed"
    completed, deltas = await _send_and_collect(user)
    assert deltas, "the reply is streamed"
    assert "".join(deltas) == completed["message"]["content"]


async def test_a_resend_after_reconnect_is_answered_but_never_duplicated(user):
    conv = await sync_to_async(conversation)(user)
    frame = {"type": "message.send", "client_id": str(uuid.uuid4()), "parent_id": None, "content": "Once"}
    first, _, _ = await open_socket(conv.id, user)
    await first.send_json_to(frame)
    await receive_until(first, "assistant.completed")
    await first.disconnect()
    second, _, _ = await open_socket(conv.id, user)
    await second.send_json_to(frame)
    again, _ = await receive_until(second, "message.created")
    assert again["message"]["client_id"] == frame["client_id"]
    assert await sync_to_async(Message.objects.filter(role="user").count)() == 1
    await second.disconnect()


async def test_sync_returns_the_whole_tree(user):
    conv = await sync_to_async(conversation)(user)
    communicator, _, _ = await open_socket(conv.id, user)
    await communicator.send_json_to(
        {"type": "message.send", "client_id": str(uuid.uuid4()), "parent_id": None, "content": "one"}
    )
    await receive_until(communicator, "assistant.completed")
    await communicator.send_json_to({"type": "sync"})
    state, _ = await receive_until(communicator, "conversation.state")
    assert [m["role"] for m in state["messages"]] == ["user", "assistant"]
    assert state["active_leaf_id"] == state["messages"][1]["id"]
    assert state["endings"] == []
    await communicator.disconnect()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json", "invalid"),
        ("[1, 2]", "invalid"),
        ('{"no": "type"}', "invalid"),
        ('{"type": "bogus"}', "invalid"),
        ('{"type": "message.send"}', "invalid"),
        ('{"type": "message.send", "client_id": "x", "parent_id": null, "content": "hi"}', "invalid"),
        (
            json.dumps({"type": "message.send", "client_id": str(uuid.uuid4()), "parent_id": "nope", "content": "hi"}),
            "invalid",
        ),
        (
            json.dumps({"type": "message.send", "client_id": str(uuid.uuid4()), "parent_id": None, "content": 5}),
            "invalid",
        ),
        (
            json.dumps(
                {
                    "type": "message.send",
                    "client_id": str(uuid.uuid4()),
                    "parent_id": str(uuid.uuid4()),
                    "content": "hi",
                }
            ),
            "not_found",
        ),
        (
            json.dumps(
                {"type": "message.send", "client_id": str(uuid.uuid4()), "parent_id": None, "content": "x" * 8001}
            ),
            "too_long",
        ),
    ],
)
async def test_malformed_frames_get_an_error_and_write_nothing(user, raw, code):
    conv = await sync_to_async(conversation)(user)
    communicator, _, _ = await open_socket(conv.id, user)
    await communicator.send_to(text_data=raw)
    frame = json.loads(await communicator.receive_from())
    assert frame["type"] == "error"
    assert frame["code"] == code
    assert await count_messages() == 0
    # The socket is still usable after a bad frame.
    await communicator.send_json_to({"type": "sync"})
    state, _ = await receive_until(communicator, "conversation.state")
    assert state["messages"] == []
    await communicator.disconnect()


async def test_an_oversized_frame_is_answered_and_the_socket_closed(user, settings):
    settings.CHAT_MAX_FRAME_BYTES = 1024
    conv = await sync_to_async(conversation)(user)
    communicator, _, _ = await open_socket(conv.id, user)
    await communicator.send_to(text_data=json.dumps({"type": "sync", "pad": "x" * 2000}))
    frame = json.loads(await communicator.receive_from())
    assert frame["code"] == "too_long"
    close = await communicator.receive_output()
    assert close == {"type": "websocket.close", "code": 4413}
    assert await count_messages() == 0


async def test_binary_frames_are_invalid(user):
    conv = await sync_to_async(conversation)(user)
    communicator, _, _ = await open_socket(conv.id, user)
    await communicator.send_to(bytes_data=b"\x00\x01")
    frame = json.loads(await communicator.receive_from())
    assert frame["code"] == "invalid"
    await communicator.disconnect()


async def test_a_message_into_an_ended_branch_gets_locked(user):
    from conversations import services

    conv = await sync_to_async(conversation)(user)
    communicator, _, _ = await open_socket(conv.id, user)
    await communicator.send_json_to(
        {"type": "message.send", "client_id": str(uuid.uuid4()), "parent_id": None, "content": "hi"}
    )
    await receive_until(communicator, "message.created")
    completed, _ = await receive_until(communicator, "assistant.completed")
    ending = await sync_to_async(services.conversation_end)(
        anchor_id=completed["message"]["id"], reason="user_request", statement="Ended at your request."
    )
    ended, _ = await receive_until(communicator, "conversation.ended")
    assert ended["ending"]["notice_id"] == str(ending.notice_id)
    client_id = str(uuid.uuid4())
    await communicator.send_json_to(
        {"type": "message.send", "client_id": client_id, "parent_id": str(ending.notice_id), "content": "more"}
    )
    error, _ = await receive_until(communicator, "error")
    assert error["code"] == "locked"
    assert error["client_id"] == client_id
    assert await sync_to_async(Message.objects.filter(role="user").count)() == 1
    await communicator.disconnect()


async def test_the_rate_limit_answers_rate_limited(user, settings):
    settings.CHAT_RATE_LIMIT = (1, 60)
    conv = await sync_to_async(conversation)(user)
    communicator, _, _ = await open_socket(conv.id, user)
    await communicator.send_json_to(
        {"type": "message.send", "client_id": str(uuid.uuid4()), "parent_id": None, "content": "one"}
    )
    await receive_until(communicator, "assistant.completed")
    await communicator.send_json_to(
        {"type": "message.send", "client_id": str(uuid.uuid4()), "parent_id": None, "content": "two"}
    )
    error, _ = await receive_until(communicator, "error")
    assert error["code"] == "rate_limited"
    assert error["retry_after"] > 0
    await communicator.disconnect()


async def test_logging_out_closes_the_socket_at_its_next_frame(user):
    conv = await sync_to_async(conversation)(user)
    communicator, _, _ = await open_socket(conv.id, user)
    from django.contrib.sessions.models import Session

    await sync_to_async(Session.objects.all().delete)()
    from django.core.cache import cache

    await sync_to_async(cache.clear)()
    await communicator.send_json_to(
        {"type": "message.send", "client_id": str(uuid.uuid4()), "parent_id": None, "content": "hi"}
    )
    close = await communicator.receive_output()
    assert close["type"] == "websocket.close" and close["code"] == 4403
    assert await count_messages() == 0


# --- reply.stop and reply.regenerate (issue 15) --------------------------------------------------


async def _answered(user):
    """A conversation with one answered turn, and a socket on it."""
    conv = await sync_to_async(conversation)(user)
    communicator, connected, _ = await open_socket(conv.id, user)
    assert connected
    await communicator.send_json_to(
        {"type": "message.send", "client_id": str(uuid.uuid4()), "parent_id": None, "content": "Hello!"}
    )
    completed, _ = await receive_until(communicator, "assistant.completed")
    return conv, communicator, completed["message"]


async def test_stopping_an_instant_reply_answers_that_it_is_complete_and_changes_nothing(user):
    conv, communicator, reply = await _answered(user)
    await communicator.send_json_to({"type": "reply.stop", "message_id": reply["id"]})
    answer, _ = await receive_until(communicator, "reply.stopping")
    assert (answer["message_id"], answer["status"], answer["conversation_id"]) == (
        reply["id"],
        "complete",
        str(conv.id),
    )
    stored = await sync_to_async(Message.objects.get)(id=reply["id"])
    assert (stored.status, stored.content) == ("complete", reply["content"])
    await communicator.disconnect()


async def test_regenerate_announces_the_new_sibling_and_streams_it_to_completion(user):
    _conv, communicator, reply = await _answered(user)
    await communicator.send_json_to({"type": "reply.regenerate", "message_id": reply["id"]})
    created, _ = await receive_until(communicator, "message.created")
    slot = created["message"]
    assert (slot["role"], slot["status"], slot["parent_id"]) == ("assistant", "streaming", reply["parent_id"])
    assert slot["id"] != reply["id"]
    completed, _ = await receive_until(communicator, "assistant.completed")
    assert completed["message"]["id"] == slot["id"]
    assert completed["message"]["status"] == "complete"
    siblings = await sync_to_async(lambda: Message.objects.filter(parent_id=reply["parent_id"]).count())()
    assert siblings == 2
    await communicator.disconnect()


@pytest.mark.parametrize("frame_type", ["reply.stop", "reply.regenerate"])
@pytest.mark.parametrize(
    ("which", "code"),
    [
        ("user", "invalid"),
        ("missing", "not_found"),
        ("malformed", "not_found"),
        ("number", "invalid"),
        ("absent", "invalid"),
    ],
)
async def test_bad_reply_frames_get_an_error_naming_the_frame_and_write_nothing(user, frame_type, which, code):
    _conv, communicator, reply = await _answered(user)
    message_id = {
        "user": reply["parent_id"],
        "missing": str(uuid.uuid4()),
        "malformed": "not-a-uuid",
        "number": 7,
        "absent": None,
    }[which]
    frame = {"type": frame_type} if which == "absent" else {"type": frame_type, "message_id": message_id}
    before = await count_messages()
    await communicator.send_json_to(frame)
    error, _ = await receive_until(communicator, "error")
    assert (error["code"], error["frame"]) == (code, frame_type)
    assert error.get("message_id") == (message_id if isinstance(message_id, str) else None)
    assert await count_messages() == before
    stored = await sync_to_async(Message.objects.get)(id=reply["id"])
    assert stored.status == "complete"
    await communicator.disconnect()


async def test_another_users_reply_cannot_be_stopped_or_regenerated_through_ones_own_socket(user, other_user):
    _, theirs, their_reply = await _answered(other_user)
    await theirs.disconnect()
    _, mine, _ = await _answered(user)
    before = await count_messages()
    for frame_type in ("reply.stop", "reply.regenerate"):
        await mine.send_json_to({"type": frame_type, "message_id": their_reply["id"]})
        error, _ = await receive_until(mine, "error")
        assert error["code"] == "not_found"
    assert await count_messages() == before
    await mine.disconnect()
