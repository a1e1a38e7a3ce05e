"""Benchmark: console pages with 10,000 endings (server time per page, query count).

    .venv/bin/python scripts/bench_console.py [--endings 10000] [--runs 20]

Uses a throwaway SQLite database under var/ (deleted afterwards), or $BENCH_DATABASE_URL (an
empty scratch database you created; its rows are left). Requests go through Django's test client
(the whole middleware stack and template rendering, no network). Baselines in the same run: the
queue with no data, and a bare `SELECT 1`.
"""

from __future__ import annotations

import argparse
import statistics
import time

from _scratch_db import scratch_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endings", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with scratch_database("bench-console-"):
        run(args.endings, args.runs)


def timed(client, url: str, runs: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm caches (session, permissions, templates)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(samples), max(samples), len(queries)


def client_host() -> str:
    """A Host header the settings accept. The test client sends "testserver", which the default
    ALLOWED_HOSTS (and the bench stack's "127.0.0.1,localhost") reject with a 400; then the first
    name ALLOWED_HOSTS allows is used instead."""
    from django.conf import settings
    from django.http.request import validate_host

    if validate_host("testserver", settings.ALLOWED_HOSTS):
        return "testserver"
    for pattern in settings.ALLOWED_HOSTS:
        name = pattern.lstrip(".")
        if name and name != "*" and validate_host(name, settings.ALLOWED_HOSTS):
            return name
    return "testserver"


def run(endings: int, runs: int) -> None:
    from django.contrib.auth.models import Group, Permission
    from django.db import connection, transaction
    from django.test import Client

    from conversations.models import Conversation, Ending, Message
    from moderation.models import Feedback, Flag

    User = __import__("django.contrib.auth", fromlist=["get_user_model"]).get_user_model()
    moderator = User.objects.create_user(username="bench-mod", password="x")
    group, _ = Group.objects.get_or_create(name="Moderators")
    group.permissions.add(Permission.objects.get(codename="review_endings"))
    moderator.groups.add(group)
    owner = User.objects.create_user(username="bench-owner", password="x")
    client = Client(HTTP_HOST=client_host())
    client.force_login(moderator)

    rows = []

    def record(label, url):
        median, worst, queries = timed(client, url, runs)
        rows.append((label, median, worst, queries))

    round_trips = []
    for _ in range(runs * 10):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        round_trips.append((time.perf_counter() - started) * 1000)
    rows.append(("baseline: SELECT 1 (one round trip)", statistics.median(round_trips), max(round_trips), 1))
    record("baseline: empty queue", "/moderation/")

    started = time.perf_counter()
    conversations, messages, ending_rows, feedback, flags = [], [], [], [], []
    for number in range(endings):
        conv = Conversation(owner=owner, title="bench")
        user_message = Message(conversation=conv, role="user", content="[sev:3:cbrn] bench")
        notice = Message(conversation=conv, parent=user_message, role="notice", content="ended")
        ending = Ending(
            conversation=conv,
            notice=notice,
            ended_turn=user_message,
            reason="persistent_harm" if number % 5 else "abuse",
            category="cbrn" if number % 5 else "abuse",
            statement="ended",
            policy_version=1,
        )
        conversations.append(conv)
        messages += [user_message, notice]
        ending_rows.append(ending)
        if number % 10 == 0:
            feedback.append(Feedback(ending=ending, user=owner, kind="unexpected", text="why?"))
        if number % 50 == 0:
            flags.append(Flag(kind="repeat_endings", priority=2, user=owner, message=notice))
    with transaction.atomic():
        Conversation.objects.bulk_create(conversations, batch_size=2000)
        Message.objects.bulk_create([m for m in messages if m.role == "user"], batch_size=2000)
        Message.objects.bulk_create([m for m in messages if m.role == "notice"], batch_size=2000)
        Ending.objects.bulk_create(ending_rows, batch_size=2000)
        Feedback.objects.bulk_create(feedback, batch_size=2000)
        Flag.objects.bulk_create(flags, batch_size=2000)
    print(
        f"built {endings:,} endings, {len(feedback):,} feedback, {len(flags):,} flags "
        f"in {time.perf_counter() - started:.1f} s ({connection.vendor})"
    )

    record(f"queue, page 1 ({endings:,} endings)", "/moderation/")
    record("queue, page 200", "/moderation/?page=200")
    record("queue, filtered: abuse + feedback", "/moderation/?reason=abuse&feedback=yes")
    record("case page", f"/moderation/cases/{ending_rows[0].id}/")
    record("metrics, 30 days", "/moderation/metrics/")
    record("audit log, page 1", "/moderation/audit/")

    print("\n| page | median ms | max ms | queries |\n|---|---:|---:|---:|")
    for label, median, worst, queries in rows:
        print(f"| {label} | {median:.2f} | {worst:.2f} | {queries} |")


if __name__ == "__main__":
    main()
