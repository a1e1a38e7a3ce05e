"""Start the project's own processes (ASGI server, Celery worker) against the test database, for
browser and integration tests. Each process gets the environment a deployment would give it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_url() -> str:
    """The URL of the test database that pytest-django created (the processes must use it)."""
    params = connection.settings_dict
    if connection.vendor == "postgresql":
        user = params.get("USER") or "postgres"
        password = params.get("PASSWORD") or ""
        auth = f"{user}:{password}@" if password else f"{user}@"
        return f"postgres://{auth}{params.get('HOST') or '127.0.0.1'}:{params.get('PORT') or 5432}/{params['NAME']}"
    return f"sqlite:///{params['NAME']}"


def process_env(port: int | None = None, redis_url: str | None = None, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        SECRET_KEY="test-only-not-secret",
        DJANGO_DEBUG="0",
        DATABASE_URL=test_database_url(),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        CSRF_TRUSTED_ORIGINS=f"http://127.0.0.1:{port}" if port else "http://127.0.0.1",
        CHAT_RATE_LIMIT="1000/60",
        CHAT_SYNC_RATE_LIMIT="100000/60",
        CHAT_MAX_SOCKETS_PER_USER="1000",
        LOGIN_FAILURE_LIMIT="1000",
        LOGIN_ADDRESS_FAILURE_LIMIT="1000",
        SIGNUP_RATE_LIMIT="1000/60",
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="WARNING",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listening on {port} after {timeout}s")


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


SERVERS = ("daphne", "uvicorn")


def server_command(server: str, port: int) -> list[str]:
    """`make run`'s Daphne, or uvicorn as docs/deployment.md runs it (its own log lines at
    warning, as the application's are in tests)."""
    if server == "daphne":
        return [str(VENV_BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "chatsite.asgi:application"]
    if server == "uvicorn":
        return [
            str(VENV_BIN / "uvicorn"),
            "chatsite.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--ws",
            "websockets",
            "--ws-max-size",
            "66560",
            "--lifespan",
            "off",
            "--no-access-log",
            "--log-level",
            "warning",
        ]
    raise ValueError(f"unknown server {server!r}")


@contextmanager
def asgi_server(
    port: int | None = None,
    redis_url: str | None = None,
    log_path: Path | None = None,
    *,
    server: str = "daphne",
    **extra,
):
    port = port or free_port()
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL
    process = subprocess.Popen(
        server_command(server, port),
        cwd=ROOT,
        env=process_env(port, redis_url, **extra),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}", process
    finally:
        stop(process)
        if log_path:
            log.close()


def start_worker(
    redis_url: str,
    log_path: Path | None = None,
    queues: str = "classify,reply",
    *,
    new_session: bool = False,
    heartbeat: bool = True,
    **extra,
) -> subprocess.Popen:
    """A Celery worker (prefork x2) on the test database. `new_session`: in a process group of its
    own, so that SIGKILL to the group reaches the main process and its pool children at once."""
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL
    command = [
        str(VENV_BIN / "celery"),
        "-A",
        "chatsite",
        "worker",
        "-Q",
        queues,
        "-l",
        "info",
        "--concurrency",
        "2",
        "--pool",
        "prefork",
        "--without-gossip",
        "--without-mingle",
    ]
    if not heartbeat:
        command.append("--without-heartbeat")
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=process_env(None, redis_url, **extra),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=new_session,
    )
    if log is not subprocess.DEVNULL:
        log.close()
    return process
