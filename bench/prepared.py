"""PostgreSQL and Python CPU per call of the per-message path's read statements, prepared or not.

    DB_PREPARED_STATEMENTS=0 .venv/bin/python -m bench.prepared [--calls 1500]
    DB_PREPARED_STATEMENTS=1 .venv/bin/python -m bench.prepared [--calls 1500]

On a scratch PostgreSQL database of its own (created and dropped; BENCH_DB_NAME picks its name),
in this one process: a 12-turn conversation is built through the services, then each statement is
called N times; Python CPU is this process's, PostgreSQL CPU is its backend's (/proc/<pid>/stat,
10 ms ticks: use a thousand calls or more). docs/benchmarks_classifier.md has the figures."""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid

from bench import turn_cost


def backend_cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1500)
    args = parser.parse_args()
    name = os.environ.get("BENCH_DB_NAME", "chatsite_bench") + "_prepared"
    turn_cost.database(name, create=True)
    try:
        turn_cost.setup(name)
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.db import connection

        from conversations import services
        from conversations.models import Message
        from moderation import tasks
        from moderation.services.turn import load

        user = get_user_model().objects.create_user(username="prepared")
        conv = services.conversation_create(owner=user)
        leaf = message = None
        for _ in range(12):
            posted = services.message_post(
                user=user, conversation_id=conv.id, content="how do I sort?", client_id=uuid.uuid4(), parent_id=leaf
            )
            message = posted.message
            tasks.classify_message(str(message.id))
            leaf = Message.objects.filter(parent_id=message.id).values_list("id", flat=True).get()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        cases = {
            "the turn's window": lambda: load.turn_window(message_id=message.id, depth=load.TURN_WINDOW - 1),
            "the post's checks": lambda: services.post_checks(
                conversation_id=conv.id, client_id=uuid.uuid4(), parent_id=leaf
            ),
            "the reply's checks": lambda: services.reply_checks(conversation_id=conv.id, user_message_id=message.id),
        }
        print(f"DB_PREPARED_STATEMENTS={int(settings.DB_PREPARED_STATEMENTS)}, {args.calls} calls each\n")
        print("| statement | PostgreSQL us per call | Python us per call |")
        print("|---|---|---|")
        for label, call in cases.items():
            for _ in range(20):  # past psycopg's prepare threshold
                call()
            pg_start, py_start = backend_cpu_seconds(pid), time.process_time()
            for _ in range(args.calls):
                call()
            python_us = (time.process_time() - py_start) * 1e6 / args.calls
            postgres_us = (backend_cpu_seconds(pid) - pg_start) * 1e6 / args.calls
            print(f"| {label} | {postgres_us:.0f} | {python_us:.0f} |")
    finally:
        from django.db import connections

        connections.close_all()
        turn_cost.database(name, create=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
