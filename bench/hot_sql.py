"""What each hand-written statement of the per-message path buys over its ORM twin.

    .venv/bin/python -m bench.hot_sql [--rounds 300] [--turns 20]

On a scratch PostgreSQL database of its own (created and dropped; BENCH_DB_NAME picks its name),
in this one process, with no server or worker: for every named function that holds hand-written
SQL (conversations/sql.py, conversations/services.py, conversations/closure.py and the turn
window in moderation/services/turn/load.py), the same work through the ORM, each timed over the
same rows. Figures: CPU microseconds of this process per call (Python: building, compiling and
reading the queries) and wall microseconds per call (adds the round trips to PostgreSQL), medians
of `--rounds` calls, and the statements each side sends. Everything written is rolled back.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = "postgres://postgres@127.0.0.1:5432"
DB_NAME = os.environ.get("BENCH_DB_NAME", "chatsite_bench") + "_hot_sql"


def setup() -> None:
    import psycopg

    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    os.environ.update(
        DATABASE_URL=f"{PG_URL}/{DB_NAME}",
        SECRET_KEY="bench-only-not-secret",
        DJANGO_SETTINGS_MODULE="chatsite.settings",
        CONVERSATIONS_MESSAGE_POSTED_HOOK="",  # rows are built by hand: no pipeline runs
        EMBEDDED_SWEEP_SECONDS="0",
    )
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def teardown() -> None:
    from django.db import connections

    connections.close_all()
    import psycopg

    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def measure(fn, rounds: int) -> tuple[float, float, int]:
    """(median CPU us, median wall us, statements) of `fn()` over `rounds` calls."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(5):
        fn()
    cpu, wall = [], []
    for _ in range(rounds):
        c, w = time.process_time(), time.perf_counter()
        fn()
        cpu.append((time.process_time() - c) * 1e6)
        wall.append((time.perf_counter() - w) * 1e6)
    with CaptureQueriesContext(connection) as queries:
        fn()
    return statistics.median(cpu), statistics.median(wall), len(queries)


def isolated(fn, rounds: int) -> tuple[float, float, int]:
    """`measure(fn)` in a savepoint rolled back afterwards: every case starts from the same rows."""
    from django.db import transaction

    with transaction.atomic():
        result = measure(fn, rounds)
        transaction.set_rollback(True)
    return result


def build(turns: int):
    """A user, a conversation of `turns` answered turns on one branch, an ended side branch."""
    from django.contrib.auth import get_user_model

    from conversations import services
    from conversations.models import Message

    user = get_user_model().objects.create_user(username=f"hot-sql-{uuid.uuid4().hex[:8]}")
    conv = services.conversation_create(owner=user)
    leaf = None
    for i in range(turns):
        message = services.message_post(
            user=user,
            conversation_id=conv.id,
            content=f"turn {i}",
            client_id=uuid.uuid4(),
            parent_id=leaf.id if leaf else None,
        ).message
        leaf = services.assistant_reply_store(
            conversation_id=conv.id, user_message_id=message.id, content="ok", action="answer"
        )
    side = services.message_post(
        user=user, conversation_id=conv.id, content="side", client_id=uuid.uuid4(), parent_id=leaf.parent_id
    ).message
    services.conversation_end(anchor_id=side.id, reason="persistent_harm", statement="ended")
    return user, conv, leaf, Message.objects.filter(conversation=conv, role="user").order_by("-created_at")[1]


def cases(user, conv, leaf, last_user):
    """(name, hand-written, ORM twin) triples. Each pair does the same reads and writes."""
    from django.db.models import Case, Exists, OuterRef, Value, When
    from django.utils import timezone

    from conversations import closure, services, sql
    from conversations.models import Conversation, Ending, Message
    from moderation.models import Classification, Decision
    from moderation.services.turn import load

    conversation_id = conv.id
    message_ids = list(Message.objects.filter(conversation=conv).values_list("id", flat=True))

    def post_lock_sql():
        services.conversation_lock_for_post(conversation_id, user, Message(id=uuid.uuid4(), content="hello there"))

    def post_lock_orm():
        Conversation.objects.filter(id=conversation_id, owner_id=user.pk).update(
            active_leaf_id=leaf.id,
            updated_at=timezone.now(),
            title=Case(When(title="", then=Value("hello there")), default="title"),
        )

    def post_checks_sql():
        services.post_checks(conversation_id=conversation_id, client_id=uuid.uuid4(), parent_id=leaf.id)

    def post_checks_orm():
        Message.objects.filter(conversation_id=conversation_id, client_id=uuid.uuid4()).values_list("id").first()
        Message.objects.filter(conversation_id=conversation_id, id=leaf.id).exists()
        closure.message_is_closed(leaf.id)

    def insert_sql():
        sql.insert(Message(conversation_id=conversation_id, parent_id=leaf.id, role="user", content="x"))
        sql.insert(Classification(message_id=leaf.id, backend=f"b{uuid.uuid4().hex[:8]}", severity=0, category="none"))

    def insert_orm():
        Message(conversation_id=conversation_id, parent_id=leaf.id, role="user", content="x").save(force_insert=True)
        Classification(message_id=leaf.id, backend=f"b{uuid.uuid4().hex[:8]}", severity=0, category="none").save(
            force_insert=True
        )

    def reply_lock_sql():
        services.conversation_lock_for_reply(conversation_id, last_user.id, Message(id=leaf.id))

    def reply_lock_orm():
        Conversation.objects.filter(id=conversation_id).update(
            active_leaf_id=Case(When(active_leaf_id=last_user.id, then=Value(leaf.id)), default="active_leaf_id"),
            updated_at=Case(When(active_leaf_id=last_user.id, then=Value(timezone.now())), default="updated_at"),
        )

    def reply_checks_sql():
        services.reply_checks(conversation_id=conversation_id, user_message_id=last_user.id)

    def reply_checks_orm():
        replies = Message.objects.filter(parent_id=OuterRef("pk")).exclude(role="user")
        waiting = Message.objects.filter(parent_id=OuterRef("pk"), role="user")
        Message.objects.filter(id=last_user.id, conversation_id=conversation_id, role="user").annotate(
            answered=Exists(replies), waiting=Exists(waiting)
        ).values_list("answered", "waiting").first()
        closure.message_is_closed(last_user.id)

    def window_sql():
        load.turn_window(message_id=last_user.id, depth=load.TURN_WINDOW - 1)

    def window_orm():
        # What the step-by-step path read: the whole conversation to walk the branch, then the
        # branch's decisions, the message's classification, reply and closed check.
        messages = {m.id: m for m in Message.objects.filter(conversation_id=conversation_id)}
        path, current = [], messages.get(last_user.id)
        while current is not None:
            path.append(current)
            current = messages.get(current.parent_id)
        list(Decision.objects.filter(message_id__in=[m.id for m in path if m.role == "user"]))
        Classification.objects.filter(message_id=last_user.id).exists()
        Message.objects.filter(parent_id=last_user.id).exclude(role="user").values_list("id", "status").first()
        closure.message_is_closed(last_user.id)

    def closed_sql():
        closure.closed_among(message_ids)

    def closed_orm():
        # The rule walked level by level: one query per level of the ended subtrees.
        holding = list(
            Ending.objects.filter(conversation_id=conversation_id, reopened_at__isnull=True).values_list(
                "ended_turn_id", flat=True
            )
        )
        closed, frontier = set(holding), list(holding)
        while frontier:
            frontier = list(Message.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
            closed.update(frontier)
        return closed & set(message_ids)

    return [
        ("message_post: lock (+ active leaf, title)", post_lock_sql, post_lock_orm),
        ("message_post: checks (resend, parent, closed)", post_checks_sql, post_checks_orm),
        ("sql.insert: a message and a classification", insert_sql, insert_orm),
        ("assistant_reply_store: lock (+ active leaf)", reply_lock_sql, reply_lock_orm),
        ("assistant_reply_store: checks (answered, closed, waiting)", reply_checks_sql, reply_checks_orm),
        ("turn window (24 messages of a 2 x turns branch)", window_sql, window_orm),
        ("closure.closed_among (every message of the conversation)", closed_sql, closed_orm),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--turns", type=int, default=20)
    args = parser.parse_args()
    setup()
    try:
        from django.db import transaction

        rows = []
        with transaction.atomic():
            user, conv, leaf, last_user = build(args.turns)
            for name, handwritten, orm in cases(user, conv, leaf, last_user):
                rows.append((name, isolated(handwritten, args.rounds), isolated(orm, args.rounds)))
            transaction.set_rollback(True)
    finally:
        teardown()
    print(f"`python -m bench.hot_sql --rounds {args.rounds} --turns {args.turns}` (PostgreSQL, in process)\n")
    print("| statement | hand-written CPU / wall us (statements) | ORM twin CPU / wall us (statements) |")
    print("|---|---|---|")
    for name, (c1, w1, q1), (c2, w2, q2) in rows:
        print(f"| {name} | {c1:.0f} / {w1:.0f} ({q1}) | {c2:.0f} / {w2:.0f} ({q2}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
