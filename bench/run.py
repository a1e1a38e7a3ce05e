"""`make bench` (`python -m bench.run`): start the distributed stack, run every bench, write the
results between the markers of docs/benchmarks.md, stop everything it started.

Phases: services and bench database -> stack -> load (a) chatsite and echo -> load (b) chatsite
and echo -> idle ramp on one server process -> stack down -> offline classifier -> backtest and
console scripts when present -> report. `--quick` shortens every phase (make bench-quick)."""

# ruff: noqa: S603 (the bench starts fixed local commands: the project's own tools)

from __future__ import annotations

import argparse
import asyncio
import json
import shlex
import signal
import sys
import time
from datetime import UTC, datetime

from bench import extras, load, report
from bench.idle import idle_ramp
from bench.stack import (
    DB_NAME,
    LOG_DIR,
    REDIS_DB,
    Config,
    Stack,
    database_drop,
    database_recreate,
    ensure_services,
    log,
    raise_nofile,
)

USERS_SCRIPT = """
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
User = get_user_model()
hashed = make_password({password!r})
names = [f"bench-{{i:04d}}" for i in range({count})]
have = set(User.objects.filter(username__in=names).values_list("username", flat=True))
User.objects.bulk_create([User(username=n, password=hashed) for n in names if n not in have])
"""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="short phases (about a minute of load)")
    p.add_argument("--users", type=int, default=20)
    p.add_argument("--rate", type=float, default=1.0, help="messages per second per user in load (a)")
    p.add_argument("--duration-a", type=float, default=30.0)
    p.add_argument("--duration-b", type=float, default=20.0)
    p.add_argument("--idle", type=int, default=2000, help="idle sockets on one server process (0: skip)")
    p.add_argument("--servers", type=int, default=2)
    p.add_argument("--server", choices=("uvicorn", "daphne"), default="uvicorn")
    # Chosen by measurement (docs/benchmarks.md): threads x4 beat solo and prefork x2 on 2 cores.
    p.add_argument("--classify-pool", default="threads")
    p.add_argument("--classify-concurrency", type=int, default=4)
    p.add_argument("--reply-pool", default="threads")
    p.add_argument("--reply-concurrency", type=int, default=4)
    p.add_argument("--combined-worker", action="store_true", help="one worker process on both queues")
    p.add_argument("--conn-max-age", type=int, default=600, help="DB_CONN_MAX_AGE for every process")
    p.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="extra environment")
    p.add_argument("--only", default="", help="comma list of phases: a,b,idle,classifier,scripts")
    p.add_argument("--no-echo", action="store_true", help="skip the echo baseline (experiments only)")
    p.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    p.add_argument("--label", default="", help="a name for this run in var/bench/runs.jsonl")
    p.add_argument("--profile", default="", metavar="DIR", help="py-spy record every server and worker during load (b)")
    p.add_argument("--keep-db", action="store_true", help="leave the bench database for inspection")
    args = p.parse_args(argv)
    if args.quick:  # shorter phases, unless given explicitly
        given = set(argv if argv is not None else sys.argv[1:])
        if "--duration-a" not in given:
            args.duration_a = 10.0
        if "--duration-b" not in given:
            args.duration_b = 8.0
        if "--idle" not in given:
            args.idle = min(args.idle, 500)
    return args


def config_of(args: argparse.Namespace) -> Config:
    return Config(
        servers=args.servers,
        server=args.server,
        classify_pool=args.classify_pool,
        classify_concurrency=args.classify_concurrency,
        reply_pool=args.reply_pool,
        reply_concurrency=args.reply_concurrency,
        combined_worker=args.combined_worker,
        conn_max_age=args.conn_max_age,
        extra_env=dict(item.split("=", 1) for item in args.env),
    )


def _terminate(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


async def run_loads(args, stack: Stack, phases: set[str], results: dict) -> None:
    base_urls = [f"http://127.0.0.1:{p}" for p in stack.ports]
    names = [f"bench-{i:04d}" for i in range(args.users)]
    log(f"logging in {len(names)} users through the form over {len(base_urls)} server(s)")
    sessions = await load.sessions_open(base_urls, names)

    async def fresh_conversations() -> list:
        ids = await asyncio.gather(*(asyncio.to_thread(load.conversation_create, s) for s in sessions))
        for session, conversation_id in zip(sessions, ids, strict=True):
            session.conversation_id = conversation_id
        return sessions

    if "a" in phases:
        results["load_a"] = {}
        for echo in (False, True) if not args.no_echo else (False,):
            label = "echo" if echo else "chatsite"
            log(f"load (a) {label}: {args.users} users x {args.rate:g} msg/s for {args.duration_a:g} s")
            cpu = {}
            r = await load.steady_rate(
                await fresh_conversations(),
                echo=echo,
                rate=args.rate,
                duration=args.duration_a,
                progress=log,
                on_start=lambda cpu=cpu: cpu.update(stack.cpu_seconds()),
            )
            results["load_a"][label] = {**r.as_dict(), "cpu_ms_per_msg": _cpu_per_message(stack, cpu, r)}
            _print_result(r)
    if "b" in phases:
        results["load_b"] = {}
        for echo in (False, True) if not args.no_echo else (False,):
            label = "echo" if echo else "chatsite"
            log(f"load (b) {label}: {args.users} users, next send on answer, {args.duration_b:g} s")
            if args.profile and not echo:
                profilers = profile_start(stack, args.profile, args.duration_b)
            cpu = {}
            r = await load.as_fast_as_answered(
                await fresh_conversations(),
                echo=echo,
                duration=args.duration_b,
                progress=log,
                on_start=lambda cpu=cpu: cpu.update(stack.cpu_seconds()),
            )
            results["load_b"][label] = {**r.as_dict(), "cpu_ms_per_msg": _cpu_per_message(stack, cpu, r)}
            _print_result(r)
            if args.profile and not echo:
                for profiler in profilers:
                    profiler.wait(timeout=60)
                log(f"  profiles in {args.profile}/")
    if "idle" in phases and args.idle:
        log(f"idle ramp: {args.idle} chat sockets on one server process (port {stack.ports[0]})")
        one_server = [s for s in sessions if s.base_url.endswith(str(stack.ports[0]))]
        if not one_server:
            one_server = await asyncio.gather(*(asyncio.to_thread(load.login, base_urls[0], n) for n in names))
        for session in one_server:
            session.conversation_id = await asyncio.to_thread(load.conversation_create, session)
        results["idle"] = await idle_ramp(one_server, server_pid=stack.server_pids()[0], target=args.idle, progress=log)
        results["idle_server"] = f"{stack.config.server}, pid RSS from /proc/<pid>/status"
        log(f"  idle: {json.dumps(results['idle'])}")


def profile_start(stack: Stack, directory: str, duration: float) -> list:
    """py-spy on every server and worker (with prefork children), collapsed stacks per process."""
    import subprocess
    from pathlib import Path

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    pids = {f"server-{port}": pid for port, pid in zip(stack.ports, stack.server_pids(), strict=True)}
    pids.update(stack.worker_pids())
    spy = str(Path(sys.executable).parent / "py-spy")
    return [
        subprocess.Popen(
            [
                spy,
                "record",
                "--subprocesses",
                "--gil",
                "-r",
                "200",
                "-d",
                str(int(duration) + 3),
                "-p",
                str(pid),
                "-f",
                "raw",
                "-o",
                str(out / f"{name}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name, pid in pids.items()
    ]


def _cpu_per_message(stack: Stack, before: dict, r: load.Result) -> dict:
    """CPU milliseconds per answered message, by role, over the measured part of a load."""
    after = stack.cpu_seconds()
    answered = max(1, len(r.completed_ms))
    per = {k: round((after[k] - before[k]) * 1000 / answered, 2) for k in after}
    log(f"  CPU per answered message (ms): {per}")
    return per


def _print_result(r: load.Result) -> None:
    d = r.as_dict()
    c, a = d["completed"], d["created"]
    log(
        f"  {r.label}: sent {d['sent']}, unanswered {d['unanswered']}, errors {d['errors'] or 0}, "
        f"{d['throughput_per_s']} msg/s; created p50 {a['p50']:.1f} p99 {a['p99']:.1f} ms; "
        f"completed p50 {c['p50']:.1f} p95 {c['p95']:.1f} p99 {c['p99']:.1f} max {c['max']:.1f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    phases = set(filter(None, args.only.split(","))) or {"a", "b", "idle", "classifier", "scripts"}
    signal.signal(signal.SIGTERM, _terminate)
    raise_nofile()
    started = time.perf_counter()
    command = "make bench" + (f" BENCH_ARGS={shlex.quote(' '.join(sys.argv[1:]))}" if len(sys.argv) > 1 else "")
    results: dict = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command,
        "machine": report.machine(),
        "versions": report.versions(),
    }
    config = config_of(args)
    results["stack"] = config.describe()
    results["classifier_backend"] = config.extra_env.get("CLASSIFIER_BACKEND", "hybrid")
    stack = Stack(config)
    log(f"phase: services (PostgreSQL, Redis db {REDIS_DB}), bench database {DB_NAME}; logs in {LOG_DIR}")
    ensure_services()
    database_recreate()
    try:
        log("phase: migrate and users")
        stack.manage("migrate", "--noinput", "-v", "0")
        stack.manage("shell", "-c", USERS_SCRIPT.format(password=load.PASSWORD, count=max(args.users, 20)))
        if phases & {"a", "b", "idle"}:
            log(f"phase: stack ({config.describe()})")
            stack.start()
            try:
                asyncio.run(run_loads(args, stack, phases, results), debug=False)
            except Exception as error:  # report what was measured, with the failure
                log(f"load phases failed: {error!r} (see {LOG_DIR}/)")
                results.setdefault("errors", []).append(f"load phases: {error!r}")
            finally:
                log("phase: stack down")
                stack.close()
        env = stack.env()
        if "classifier" in phases:
            log("phase: offline classifier")
            try:
                results["classifier"] = extras.classifier(env, log)
            except Exception as error:
                results.setdefault("errors", []).append(f"classifier: {error!r}")
        if "scripts" in phases:
            log("phase: backtest and console scripts")
            # Each on an empty PostgreSQL database of its own (the bench database holds the
            # load phases' users and conversations).
            for key, script in (("backtest", "bench_backtest.py"), ("console", "bench_console.py")):
                scratch = f"{DB_NAME}_{key}"
                try:
                    url = database_recreate(scratch)
                    results[key] = extras.optional_script(script, {**env, "BENCH_DATABASE_URL": url}, log)
                finally:
                    database_drop(scratch)
    except KeyboardInterrupt:
        log("interrupted: stopping everything")
        return 130
    finally:
        stack.close()
        if not args.keep_db:
            database_drop()
    results["elapsed_s"] = time.perf_counter() - started
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    with open(LOG_DIR / "runs.jsonl", "a") as handle:
        handle.write(json.dumps({"label": args.label, "args": vars(args), **results}, default=str) + "\n")
    if not args.no_write:
        path = report.write(results)
        log(f"results written to {path.relative_to(path.parent.parent)}")
    print(report.render(results), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
