"""The per-message path's statements (conversations/sql.py): how many a post takes, whatever the
branch length; on PostgreSQL, that they are prepared once per connection, and that their errors
are still Django's (the turn's race handling catches django.db.IntegrityError).

The turn's own count is pinned in tests/moderation/test_turn.py (ONE_PASS_MAX_QUERIES)."""

from __future__ import annotations

import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from conversations import services, sql
from conversations.models import Message
from moderation.services.turn import load
from tests.factories import conversation, post

pytestmark = pytest.mark.django_db

# BEGIN (a savepoint inside a test's transaction), the conversation lock (+ active leaf, title),
# one SELECT of the checks (resend, parent, closed), INSERT, COMMIT (its release).
POST_QUERIES = 5

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")


def _post_queries(user, conv, parent) -> tuple[int, Message]:
    with CaptureQueriesContext(connection) as queries:
        message = post(user, conv, "what's a good pasta recipe?", parent=parent)
    return len(queries), message


def test_a_post_takes_a_fixed_number_of_statements_whatever_the_branch_length(user, settings):
    settings.CONVERSATIONS_MESSAGE_POSTED_HOOK = ""  # the post alone (the turn is counted apart)
    conv = conversation(user)
    counts, leaf = [], None
    for _ in range(30):
        count, leaf = _post_queries(user, conv, leaf)
        counts.append(count)
    assert counts == [POST_QUERIES] * 30, counts


def test_a_resend_takes_no_write(user, settings):
    settings.CONVERSATIONS_MESSAGE_POSTED_HOOK = ""
    conv = conversation(user)
    client_id = uuid.uuid4()
    first = services.message_post(user=user, conversation_id=conv.id, content="hi", client_id=client_id, parent_id=None)
    with CaptureQueriesContext(connection) as queries:
        again = services.message_post(
            user=user, conversation_id=conv.id, content="hi", client_id=client_id, parent_id=None
        )
    assert not again.created and again.message.id == first.message.id
    assert not any(q["sql"].lstrip().upper().startswith("INSERT") for q in queries.captured_queries)


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@on_postgresql
def test_the_per_message_statements_are_prepared_once_per_connection(user, settings):
    settings.CONVERSATIONS_MESSAGE_POSTED_HOOK = ""
    assert settings.DB_PREPARED_STATEMENTS
    conv = conversation(user)
    leaf = None
    for _ in range(8):  # psycopg prepares a statement (and parameter types) after 5 runs on a connection
        leaf = post(user, conv, "hello", parent=leaf)
        load.turn_load(message_id=leaf.id)
    prepared = _prepared()
    assert any("WITH RECURSIVE branch" in statement for statement in prepared), prepared  # the turn's window
    assert any(statement.lstrip().startswith("UPDATE") for statement in prepared), prepared  # the post's lock
    assert any(statement.lstrip().startswith("INSERT") for statement in prepared), prepared
    # What they read is what the ORM reads.
    window = load.turn_load(message_id=leaf.id)
    assert [m.id for m in window.path] == list(
        Message.objects.filter(conversation=conv).order_by("created_at").values_list("id", flat=True)
    )


@on_postgresql
def test_with_prepared_statements_off_nothing_is_prepared(user, settings):
    settings.CONVERSATIONS_MESSAGE_POSTED_HOOK = ""
    settings.DB_PREPARED_STATEMENTS = False
    with sql.cursor() as rows:
        assert type(rows.cursor) is type(connection.cursor().cursor)  # the ORM's client-side binding
    before = set(_prepared())
    conv = conversation(user)
    leaf = None
    for _ in range(6):
        leaf = post(user, conv, "hello", parent=leaf)
        load.turn_load(message_id=leaf.id)
    assert set(_prepared()) == before


@pytest.mark.parametrize("prepared", [True, False])
def test_a_duplicate_row_raises_djangos_integrity_error(user, settings, prepared):
    """The turn's race handling (moderation.services.turn) relies on it."""
    settings.CONVERSATIONS_MESSAGE_POSTED_HOOK = ""
    settings.DB_PREPARED_STATEMENTS = prepared
    message = post(user, conversation(user), "hello")
    with pytest.raises(IntegrityError), transaction.atomic():
        sql.insert(Message(id=message.id, conversation_id=message.conversation_id, role="user", content="x"))
    assert Message.objects.filter(id=message.id).get().content == "hello"
