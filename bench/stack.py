"""The distributed stack on this machine: PostgreSQL, Redis, the bench database, N ASGI server
processes and one Celery worker per queue. Every process is started in its own process group and
killed with it (`Stack.close`), so nothing outlives the bench."""

# ruff: noqa: S603, S607 (the bench starts fixed local commands: the project's own tools)

from __future__ import annotations

import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
LOG_DIR = ROOT / "var" / "bench"
# Several engineers share the machine: BENCH_DB_NAME, BENCH_REDIS_DB and BENCH_FIRST_PORT keep
# concurrent benches apart (the bench drops its database and flushes its Redis database).
DB_NAME = os.environ.get("BENCH_DB_NAME", "chatsite_bench")
PG_URL = "postgres://postgres@127.0.0.1:5432"
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "14"))
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"
FIRST_PORT = int(os.environ.get("BENCH_FIRST_PORT", "8101"))


def log(line: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {line}", flush=True)


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def ensure_services() -> None:
    """PostgreSQL and Redis up (started if down), the bench's Redis database empty."""
    if not port_open(5432):
        log("PostgreSQL is down: starting it")
        version = sorted(os.listdir("/etc/postgresql"))[-1]
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=True)
        _wait(lambda: port_open(5432), "PostgreSQL", 30)
    if not port_open(6379):
        log("Redis is down: starting it")
        subprocess.run(
            [
                "redis-server",
                "--daemonize",
                "yes",
                "--bind",
                "127.0.0.1",
                "--port",
                "6379",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            check=True,
        )
        _wait(lambda: port_open(6379), "Redis", 15)
    redis_flush()


def redis_flush() -> None:
    """Empty the bench's own Redis database (never any other)."""
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def _wait(ready, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.2)
    raise TimeoutError(f"{what} not ready after {timeout:.0f}s")


def database_url() -> str:
    return f"{PG_URL}/{DB_NAME}"


def database_recreate(name: str = DB_NAME) -> str:
    """An empty database `name`; returns its URL."""
    import psycopg

    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return f"{PG_URL}/{name}"


def database_drop(name: str = DB_NAME) -> None:
    import psycopg

    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@dataclass
class Config:
    servers: int = 2
    server: str = "uvicorn"  # or daphne
    classify_pool: str = "threads"
    classify_concurrency: int = 4
    reply_pool: str = "threads"
    reply_concurrency: int = 4
    combined_worker: bool = False  # one worker process consuming both queues
    conn_max_age: int = 600
    extra_env: dict = field(default_factory=dict)

    def describe(self) -> str:
        workers = (
            f"1 worker -Q classify,reply pool={self.classify_pool} c={self.classify_concurrency}"
            if self.combined_worker
            else f"classify pool={self.classify_pool} c={self.classify_concurrency}, "
            f"reply pool={self.reply_pool} c={self.reply_concurrency}"
        )
        return f"{self.servers} x {self.server}; {workers}; DB_CONN_MAX_AGE={self.conn_max_age}"


def _preexec() -> None:
    raise_nofile()


class Stack:
    def __init__(self, config: Config):
        self.config = config
        self.processes: dict[str, subprocess.Popen] = {}
        self.ports = [FIRST_PORT + i for i in range(config.servers)]
        LOG_DIR.mkdir(parents=True, exist_ok=True)

    def env(self, **extra: str) -> dict:
        origins = ",".join(f"http://127.0.0.1:{p}" for p in range(FIRST_PORT, FIRST_PORT + 20))
        env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}}
        env.update(
            DATABASE_URL=database_url(),
            REDIS_URL=REDIS_URL,
            SECRET_KEY="bench-only-not-secret",
            DJANGO_DEBUG="0",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            CSRF_TRUSTED_ORIGINS=origins,
            CHAT_RATE_LIMIT="100000/60",
            CHAT_SYNC_RATE_LIMIT="100000/60",
            CHAT_MAX_SOCKETS_PER_USER="0",  # the idle ramp holds 2,000 sockets for a few users
            LOGIN_FAILURE_LIMIT="100000",
            LOGIN_ADDRESS_FAILURE_LIMIT="100000",
            SIGNUP_RATE_LIMIT="100000/60",
            CLASSIFIER_BACKEND="hybrid",  # the default backend (issue 16); --env overrides it
            RESPONDER="offline",
            DB_CONN_MAX_AGE=str(self.config.conn_max_age),
            CHATSITE_BENCH_ECHO="1",
            LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
        )
        env.pop("ANTHROPIC_API_KEY", None)
        env.update(self.config.extra_env)
        env.update(extra)
        return env

    def manage(self, *args: str, timeout: float = 300, capture: bool = False) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env(),
            check=True,
            timeout=timeout,
            capture_output=capture,
            text=True,
        )

    def spawn(self, name: str, argv: list[str], **env: str) -> subprocess.Popen:
        logfile = open(LOG_DIR / f"{name}.log", "ab")
        process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=self.env(**env),
            stdout=logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killed with its children
            preexec_fn=_preexec,
        )
        logfile.close()
        self.processes[name] = process
        return process

    def server_argv(self, port: int) -> list[str]:
        if self.config.server == "daphne":
            return [
                str(VENV_BIN / "daphne"),
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "--ping-interval",
                "20",
                "chatsite.asgi:application",
            ]
        return [
            str(VENV_BIN / "uvicorn"),
            "chatsite.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--ws",
            "websockets",
            "--no-access-log",
            "--log-level",
            "warning",
            "--ws-max-size",
            str(64 * 1024 + 1024),
            "--lifespan",
            "off",
        ]

    def worker_argv(self, queues: str, pool: str, concurrency: int) -> list[str]:
        return [
            str(VENV_BIN / "celery"),
            "-A",
            "chatsite",
            "worker",
            "-Q",
            queues,
            "-n",
            f"{queues.replace(',', '-')}@bench",
            "--pool",
            pool,
            "--concurrency",
            str(concurrency),
            "-l",
            os.environ.get("BENCH_WORKER_LOGLEVEL", "warning"),
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]

    def start(self) -> None:
        c = self.config
        for port in self.ports:
            self.spawn(f"server-{port}", self.server_argv(port))
        if c.combined_worker:
            self.spawn("worker", self.worker_argv("classify,reply", c.classify_pool, c.classify_concurrency))
        else:
            self.spawn("worker-classify", self.worker_argv("classify", c.classify_pool, c.classify_concurrency))
            self.spawn("worker-reply", self.worker_argv("reply", c.reply_pool, c.reply_concurrency))
        deadline = time.monotonic() + 60
        for port in self.ports:
            while not port_open(port):
                self._check_alive()
                if time.monotonic() > deadline:
                    raise TimeoutError(f"server on {port} did not start")
                time.sleep(0.2)
        self._wait_workers(deadline)
        log(f"stack up: {c.describe()} (logs in {LOG_DIR.relative_to(ROOT)}/)")

    def _wait_workers(self, deadline: float) -> None:
        """A worker is ready once it has registered its consumer on the queue's Redis list."""
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        queues = ["classify", "reply"]
        while time.monotonic() < deadline:
            self._check_alive()
            bindings = {b.decode().split("\x06\x16")[0] for b in client.smembers("_kombu.binding.classify")}
            bindings |= {b.decode().split("\x06\x16")[0] for b in client.smembers("_kombu.binding.reply")}
            if bindings >= set(queues):
                time.sleep(1.0)  # consumers attach right after binding
                return
            time.sleep(0.2)
        log("workers: queue bindings not seen; continuing")

    def _check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}; see {LOG_DIR / (name + '.log')}")

    def server_pids(self) -> list[int]:
        return [self.processes[f"server-{p}"].pid for p in self.ports]

    def worker_pids(self) -> dict[str, int]:
        return {n: p.pid for n, p in self.processes.items() if n.startswith("worker")}

    def cpu_seconds(self) -> dict[str, float]:
        """CPU used so far by the servers, the workers, this process (the load client) and the
        PostgreSQL backends serving the bench database (other databases' backends, the cluster's
        own processes and Redis, which other users of the machine share, are not counted)."""
        servers = sum(tree_cpu_seconds(pid) for pid in self.server_pids())
        workers = sum(tree_cpu_seconds(pid) for pid in self.worker_pids().values())
        client = sum(os.times()[:2])  # this process only: its children are the servers and workers
        return {"servers": servers, "workers": workers, "client": client, "postgres": postgres_cpu_seconds(DB_NAME)}

    def close(self) -> None:
        for process in self.processes.values():
            _kill_group(process, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in self.processes.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _kill_group(process, signal.SIGKILL)
                process.wait()
        # Prefork children die with their group; make sure no straggler is left in any group.
        for process in self.processes.values():
            _kill_group(process, signal.SIGKILL)
        self.processes.clear()


def _kill_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def tree_rss_kib(pid: int) -> int:
    """RSS of a process and its children (prefork pools)."""
    total = rss_kib(pid)
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        for child in children.read_text().split():
            try:
                total += tree_rss_kib(int(child))
            except (FileNotFoundError, ProcessLookupError):
                pass
    return total


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its live children (prefork pools), in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        for child in children.read_text().split():
            total += tree_cpu_seconds(int(child))
    return total


def postgres_cpu_seconds(database: str) -> float:
    """User + system CPU time of the PostgreSQL backends connected to `database` (their process
    title reads "postgres: CLUSTER: USER DATABASE ...", or without the cluster). A backend that
    closed since the last call takes its time with it: the stack keeps its connections
    (DB_CONN_MAX_AGE), so few do under load."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            words = (entry / "cmdline").read_bytes().split(b"\0")[0].split()
            if words[:1] == [b"postgres:"] and database.encode() in words[2:4]:
                total += tree_cpu_seconds(int(entry.name))
        except OSError:
            continue
    return total


def have(binary: str) -> bool:
    return shutil.which(binary) is not None or (VENV_BIN / binary).exists()
