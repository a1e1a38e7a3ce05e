"""Chat management: the list (dates, ended/reopened markers, search by title), rename with a live
event, and delete: a soft delete that is gone for the owner everywhere (list, page, API, socket)
and kept for moderators until the retention period ends, then purged."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from conversations import services
from conversations.exceptions import NotFound
from conversations.models import Conversation, Ending, Message
from tests.conversations.test_consumers import open_socket, receive_until
from tests.factories import conversation, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(user):
    client = Client()
    client.force_login(user)
    return client


def end(message):
    return services.conversation_end(anchor_id=message.id, reason="user_request", statement="Ended.")


# --- The list --------------------------------------------------------------------------------


def test_the_list_marks_ended_and_reopened_chats_and_searches_titles(user, owner_client):
    plain = conversation(user, title="Bread recipes")
    ended = conversation(user, title="Ended talk")
    end(post(user, ended, "end it"))
    reopened = conversation(user, title="Reopened talk")
    services.ending_reopen(ending_id=end(post(user, reopened, "end it")).id, by=None)

    rows = {r["title"]: r for r in owner_client.get("/api/conversations/").json()["results"]}
    assert (rows["Bread recipes"]["ended"], rows["Bread recipes"]["reopened"]) == (False, False)
    assert (rows["Ended talk"]["ended"], rows["Ended talk"]["reopened"]) == (True, False)
    assert (rows["Reopened talk"]["ended"], rows["Reopened talk"]["reopened"]) == (False, True)

    found = owner_client.get("/api/conversations/?q=TALK").json()["results"]
    assert {r["id"] for r in found} == {str(ended.id), str(reopened.id)}
    assert str(plain.id) not in json.dumps(found)

    page = owner_client.get("/chat/").content.decode()
    assert page.count('data-testid="marker-ended"') == 1 and page.count('data-testid="marker-reopened"') == 1
    assert "<time datetime=" in page


def test_a_search_longer_than_the_limit_is_refused(owner_client):
    response = owner_client.get("/api/conversations/?q=" + "x" * 201)
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"


# --- Rename ------------------------------------------------------------------------------------


def test_renaming_normalises_the_title_and_an_unchanged_title_writes_nothing(user, django_capture_on_commit_callbacks):
    conv = conversation(user, title="Old")
    with django_capture_on_commit_callbacks() as callbacks:
        services.conversation_rename(user=user, conversation_id=conv.id, title="  New \n title ")
    assert Conversation.objects.get(id=conv.id).title == "New title"
    assert len(callbacks) == 1  # conversation.renamed
    with django_capture_on_commit_callbacks() as callbacks:
        services.conversation_rename(user=user, conversation_id=conv.id, title="New title")
    assert callbacks == []


@pytest.mark.django_db(transaction=True)
async def test_a_rename_reaches_every_open_socket_of_the_chat(user):
    conv = await sync_to_async(conversation)(user, title="Before")
    socket, connected, _ = await open_socket(conv.id, user)
    assert connected
    await sync_to_async(services.conversation_rename)(user=user, conversation_id=conv.id, title="After")
    frame, _ = await receive_until(socket, "conversation.renamed")
    assert frame["title"] == "After" and frame["conversation_id"] == str(conv.id)
    await socket.disconnect()


# --- Delete ------------------------------------------------------------------------------------


def test_a_deleted_chat_is_gone_for_its_owner_everywhere(user, owner_client):
    conv = conversation(user, title="To delete")
    post(user, conv, "hello")
    messages = Message.objects.filter(conversation=conv).count()
    response = owner_client.delete(f"/api/conversations/{conv.id}/")
    assert response.status_code == 204

    assert str(conv.id) not in owner_client.get("/api/conversations/").content.decode()
    assert "To delete" not in owner_client.get("/chat/").content.decode()
    assert owner_client.get(f"/chat/{conv.id}/").status_code == 404
    assert owner_client.get(f"/api/conversations/{conv.id}/").status_code == 404
    assert owner_client.patch(f"/api/conversations/{conv.id}/", {"title": "x"}, "application/json").status_code == 404
    sent = owner_client.post(
        f"/api/conversations/{conv.id}/messages/",
        {"client_id": "6f1b0c1e-4c7e-4d0a-9d0a-6a4f3c3b2a10", "parent_id": None, "content": "still here?"},
        "application/json",
    )
    assert sent.status_code == 404
    assert Message.objects.filter(conversation=conv).count() == messages  # nothing landed; rows kept
    assert owner_client.delete(f"/api/conversations/{conv.id}/").status_code == 404  # a second delete


def test_the_ending_page_of_a_deleted_chat_is_gone_for_its_owner(user, owner_client):
    conv = conversation(user)
    ending = end(post(user, conv, "end it"))
    assert owner_client.get(f"/endings/{ending.id}/").status_code == 200
    services.conversation_delete(user=user, conversation_id=conv.id)
    assert owner_client.get(f"/endings/{ending.id}/").status_code == 404


def test_deleting_someone_elses_chat_answers_like_a_missing_one_and_writes_nothing(user, other_user):
    conv = conversation(user)
    with pytest.raises(NotFound):
        services.conversation_delete(user=other_user, conversation_id=conv.id)
    assert Conversation.objects.get(id=conv.id).deleted_at is None


@pytest.mark.django_db(transaction=True)
async def test_deleting_closes_the_chats_open_sockets_and_refuses_new_ones(user):
    conv = await sync_to_async(conversation)(user)
    socket, connected, _ = await open_socket(conv.id, user)
    assert connected
    await sync_to_async(services.conversation_delete)(user=user, conversation_id=conv.id)
    frame, _ = await receive_until(socket, "conversation.deleted")
    assert frame["conversation_id"] == str(conv.id)
    assert (await socket.receive_output(timeout=5))["type"] == "websocket.close"

    again, connected, _ = await open_socket(conv.id, user)
    assert connected  # accepted, then refused like a missing conversation
    refused = json.loads(await again.receive_from(timeout=5))
    assert refused["type"] == "error" and refused["code"] == "not_found"


def test_moderators_keep_a_deleted_chat_until_the_retention_period_ends(user, settings):
    settings.CHAT_DELETED_RETENTION_DAYS = 30
    plain = conversation(user, title="plain")
    post(user, plain, "plain text")
    ended = conversation(user, title="ended title")
    ending = end(post(user, ended, "ended text"))
    for conv in (plain, ended):
        services.conversation_delete(user=user, conversation_id=conv.id)

    assert services.conversation_purge_deleted() == services.Purged(deleted=0, erased=0)  # within retention
    assert Conversation.objects.filter(id__in=[plain.id, ended.id]).count() == 2

    later = timezone.now() + timedelta(days=31)
    assert services.conversation_purge_deleted(now=later) == services.Purged(deleted=1, erased=1)
    assert not Conversation.objects.filter(id=plain.id).exists()
    assert not Message.objects.filter(conversation_id=plain.id).exists()
    # The ended one keeps its moderation record (reviews and audit are append-only) but no text.
    kept = Conversation.objects.get(id=ended.id)
    assert kept.title == "" and set(Message.objects.filter(conversation=kept).values_list("content", flat=True)) == {""}
    assert Ending.objects.get(id=ending.id).statement == "Ended."
    assert services.conversation_purge_deleted(now=later) == services.Purged(deleted=0, erased=0)  # idempotent


def test_the_purge_command_runs_the_service(user, capsys):
    conv = conversation(user)
    services.conversation_delete(user=user, conversation_id=conv.id)
    Conversation.objects.filter(id=conv.id).update(deleted_at=timezone.now() - timedelta(days=400))
    call_command("purge_deleted_conversations")
    assert "1 conversations deleted" in capsys.readouterr().out
    assert not Conversation.objects.filter(id=conv.id).exists()


def test_a_deleted_chat_takes_no_message_even_through_the_service(user):
    """The pages and the socket refuse a deleted chat before posting; the service refuses it too,
    exactly like a missing conversation."""
    import uuid as uuid_module

    conv = conversation(user)
    services.conversation_delete(user=user, conversation_id=conv.id)
    with pytest.raises(NotFound):
        services.message_post(
            user=user, conversation_id=conv.id, content="hello", client_id=uuid_module.uuid4(), parent_id=None
        )
    assert not Message.objects.filter(conversation=conv).exists()
