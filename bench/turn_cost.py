"""The worker's cost of one turn, without servers or network: CPU and wall per `classify_message`
(offline classifier and responder, eager, the active policy cached as on the stack) on a scratch
PostgreSQL database, over N fresh turns spread on 20 conversations (the first tenth skipped).

    cd TREE && /path/to/.venv/bin/python /path/to/bench/turn_cost.py DBNAME N

It runs the code of the tree it is started in (the current directory), so the same script times
two checkouts in alternation (docs/benchmarks.md, issue 14).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import uuid

PG = "postgres://postgres@127.0.0.1:5432"
TEXTS = ("how do I sort a list in Python?", "what's a good pasta recipe?", "tell me about the Roman empire", "thanks!")


def database(name: str, *, create: bool) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if create:
            conn.execute(f"CREATE DATABASE {name}")


def setup(name: str) -> None:
    os.environ.update(
        DATABASE_URL=f"{PG}/{name}",
        SECRET_KEY="bench-only-not-secret",
        DJANGO_SETTINGS_MODULE="chatsite.settings",
        CONVERSATIONS_MESSAGE_POSTED_HOOK="",  # the script runs each turn itself
        EMBEDDED_SWEEP_SECONDS="0",
        CLASSIFIER_BACKEND="offline",
        RESPONDER="offline",
        POLICY_CACHE_SECONDS="2",
        DB_CONN_MAX_AGE="600",
        CHAT_RATE_LIMIT="100000/60",
    )
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, os.getcwd())
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def measure(turns: int) -> tuple[list[float], list[float]]:
    from django.contrib.auth import get_user_model

    from conversations import services
    from conversations.models import Message
    from moderation import tasks
    from moderation.classifiers.registry import get_classifier

    get_classifier("offline").classify("warm up the lexicons")
    user = get_user_model().objects.create_user(username="turn-cost")
    conversations = [services.conversation_create(owner=user) for _ in range(20)]
    leaves: dict = {c.id: None for c in conversations}
    cpu, wall = [], []
    for i in range(turns):
        conversation = conversations[i % len(conversations)]
        message = services.message_post(
            user=user,
            conversation_id=conversation.id,
            content=TEXTS[i % len(TEXTS)],
            client_id=uuid.uuid4(),
            parent_id=leaves[conversation.id],
        ).message
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        tasks.classify_message(str(message.id))
        cpu.append((time.process_time() - cpu_start) * 1000)
        wall.append((time.perf_counter() - wall_start) * 1000)
        leaves[conversation.id] = Message.objects.filter(parent_id=message.id).values_list("id", flat=True).get()
    return cpu, wall


def main() -> int:
    name, turns = sys.argv[1], int(sys.argv[2])
    database(name, create=True)
    try:
        setup(name)
        cpu, wall = measure(turns)
    finally:
        from django.db import connections

        connections.close_all()
        database(name, create=False)
    skip = turns // 10
    print(
        f"{os.getcwd()}: CPU median {statistics.median(cpu[skip:]):.3f} ms, "
        f"wall median {statistics.median(wall[skip:]):.3f} ms per turn (n={turns - skip})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
