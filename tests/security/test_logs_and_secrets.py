"""Message text is never logged (STYLE: it is hostile and personal; log ids), no secret is in the
repository, and the defaults are safe (DEBUG off, SECRET_KEY required without DEBUG)."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from chatsite.asgi import application
from conversations import responders
from conversations.models import Message
from moderation.classifiers import registry
from tests.communicator import Communicator
from tests.factories import conversation
from tests.fakes import fixtures

ROOT = Path(__file__).resolve().parents[2]
fake_anthropic = fixtures.fake_anthropic


def marker() -> str:
    return f"zq{uuid.uuid4().hex}qz"


def assert_not_logged(secret: str, records: list[logging.LogRecord]) -> None:
    """Neither in the formatted message nor in a traceback of any record."""
    formatter = logging.Formatter("%(name)s %(message)s")
    for record in records:
        text = formatter.format(record)
        assert secret not in text, f"message text logged by {record.name}: {text[:300]}"


@pytest.fixture
def debug_logs(caplog):
    """Every logger at DEBUG, as an operator setting LOG_LEVEL=DEBUG would have them (the loggers
    that settings.LOGGING pins higher keep their own level, as in production)."""
    caplog.set_level(logging.DEBUG)
    return caplog


class BrokenResponder:
    name = "broken"

    def reply(self, request):
        from conversations.responders.base import ResponderUnavailable

        raise ResponderUnavailable(f"upstream said no to: {request.history[-1].content}")
        yield  # pragma: no cover


@pytest.fixture
def fresh_backends():
    registry._instance.cache_clear()
    responders._instance.cache_clear()
    yield
    registry._instance.cache_clear()
    responders._instance.cache_clear()


def _cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


async def _socket_exchange(user, conv, frames: list[dict], until: str = "assistant.completed") -> list[dict]:
    cookie = await sync_to_async(_cookie)(user)
    headers = [
        (b"host", b"127.0.0.1:8000"),
        (b"origin", b"http://127.0.0.1:8000"),
        (b"cookie", f"sessionid={cookie}".encode()),
    ]
    communicator = Communicator(application, f"/ws/conversations/{conv.id}/", headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    seen = []
    for frame in frames:
        await communicator.send_json_to(frame)
        while True:
            answer = json.loads(await communicator.receive_from(timeout=30))
            seen.append(answer)
            if answer["type"] in (until, "error", "conversation.ended"):
                break
    await communicator.disconnect()
    return seen


def _send(content: str, parent_id=None) -> dict:
    return {"type": "message.send", "client_id": str(uuid.uuid4()), "parent_id": parent_id, "content": content}


@pytest.mark.django_db(transaction=True)
async def test_the_eager_pipeline_never_logs_message_text_on_any_path(user, settings, debug_logs, fresh_backends):
    secret = marker()
    settings.RESPONDERS = {"broken": "tests.security.test_logs_and_secrets.BrokenResponder"}
    conv = await sync_to_async(conversation)(user)
    frames = await _socket_exchange(
        user,
        conv,
        [
            _send(f"hello {secret}"),  # the normal path
            _send(f"[fail:transient] {secret}"),  # classifier failure -> offline fallback
            _send(f"[fail:permanent] [sev:4:cbrn] {secret}"),
            _send(f"{secret} " + "x" * 9000),  # too long
            _send(f"{secret}", parent_id=str(uuid.uuid4())),  # unknown parent
        ],
    )
    settings.RESPONDER = "broken"
    frames += await _socket_exchange(user, conv, [_send(f"the assistant is down {secret}")], until="error")
    assert [f["code"] for f in frames if f["type"] == "error"] == ["too_long", "not_found", "unavailable"]
    assert await sync_to_async(Message.objects.filter(content__contains=secret).count)() == 4
    assert_not_logged(secret, debug_logs.records)
    assert any(r.name.startswith(("moderation", "conversations")) for r in debug_logs.records), (
        "the failure paths logged nothing: this test would not see a leak"
    )


@pytest.mark.django_db(transaction=True)
async def test_the_llm_classifier_and_responder_never_log_message_text(
    user, settings, debug_logs, fake_anthropic, fresh_backends
):
    from tests.fakes.anthropic_server import Error

    secret = marker()
    settings.ANTHROPIC_API_KEY = "test-key-not-secret"
    settings.ANTHROPIC_BASE_URL = fake_anthropic.base_url
    settings.ANTHROPIC_MAX_RETRIES = 1
    settings.CLASSIFIER_MAX_RETRIES = 1
    settings.CLASSIFIER_BACKEND = "anthropic"
    settings.RESPONDER = "anthropic"
    conv = await sync_to_async(conversation)(user)
    frames = await _socket_exchange(user, conv, [_send(f"What is a monad? {secret}")])
    assert frames[-1]["type"] == "assistant.completed"
    fake_anthropic.script(Error(500), Error(500), Error(500), Error(500), Error(500), Error(500))
    frames = await _socket_exchange(user, conv, [_send(f"Again, with errors: {secret}")], until="error")
    assert secret in fake_anthropic.requests[0].message_text(-1)  # it did go to the model
    assert len(fake_anthropic.requests) >= 3
    assert_not_logged(secret, debug_logs.records)


def test_the_sdk_loggers_are_pinned_above_debug():
    """The anthropic SDK logs whole request bodies at DEBUG (`Request options: ...`)."""
    for name in ("anthropic", "httpx", "httpx2", "httpcore"):
        assert logging.getLogger(name).getEffectiveLevel() >= logging.WARNING, name


# --- through a real worker and server (their log files) ---------------------------------------------


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_and_server_never_log_message_text(require_postgres, own_redis, user, tmp_path):
    from tests import servers
    from tests.integration.test_faults import ChatClient, run_async, start_worker, stop_group, unanswered, wait_until

    secret = marker()
    conv = conversation(user)
    cookie = _cookie(user)
    worker = start_worker(own_redis.url, tmp_path / "worker.log", LOG_LEVEL="DEBUG", CLASSIFIER_BACKEND="fake")
    try:
        with servers.asgi_server(redis_url=own_redis.url, log_path=tmp_path / "server.log", LOG_LEVEL="DEBUG") as (
            base_url,
            _,
        ):
            client = ChatClient(base_url, cookie, conv.id)

            async def talk():
                await client.ensure_connected(deadline=time.monotonic() + 10)
                for text in (
                    f"hello {secret}",
                    f"[fail:transient] {secret}",
                    f"[sev:4:cbrn] {secret}",
                    "x" * 9000 + secret,
                ):
                    await client.send_new(text)
                    await client.pump(0.5)
                # Until the server has answered every send: three stored (message.created), the
                # oversized one refused (too_long); the pumps above may end before on a busy machine.
                deadline = time.monotonic() + 60
                while len(client.accepted) < 3 or not any(e["code"] == "too_long" for e in client.errors):
                    assert time.monotonic() < deadline, (client.accepted, client.errors)
                    await client.pump(0.5)
                await client.close()

            run_async([client], talk())
            wait_until(lambda: not unanswered([conv.id]), timeout=60, what="the replies")
    finally:
        stop_group(worker)
    assert Message.objects.filter(content__contains=secret).count() == 3
    for name in ("worker.log", "server.log"):
        text = (tmp_path / name).read_text(errors="replace")
        assert text, f"{name} is empty: this test would not see a leak"
        assert secret not in text, f"message text in {name}"


@pytest.fixture
def own_redis(require_redis, tmp_path):
    from tests.integration.test_faults import OwnRedis

    redis = OwnRedis(tmp_path / "redis.log")
    redis.start()
    yield redis
    redis.kill()


# --- no secret in the repository -------------------------------------------------------------------

# Built from pieces so that this file does not match itself.
SECRET_PATTERNS = {
    "Anthropic API key": re.compile("sk-" + r"ant-[A-Za-z0-9_\-]{8,}"),
    "OpenAI-style key": re.compile(r"\bsk-" + r"(?:proj-)?[A-Za-z0-9]{32,}"),
    "private key": re.compile("-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?" + "PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\bAKIA" + r"[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_" + r"[A-Za-z0-9]{36}\b"),
    "Slack token": re.compile(r"\bxox[abprs]-" + r"[A-Za-z0-9-]{10,}"),
    "SECRET_KEY literal": re.compile(r"""SECRET_KEY\s*[=:]\s*["']""" + r"""([^"'\s]{4,})["']"""),
    "API key literal": re.compile(r"""ANTHROPIC_API_KEY\s*[=:]\s*["']""" + r"""([^"'\s]{12,})["']"""),
}
# Literal keys allowed: labelled dummies ("...not-secret", for tests and benchmarks) and the
# debug-only fallback (refused without DEBUG, see below).
ALLOWED_LITERALS = {"insecure-debug-only-key"}


def allowed(value: str) -> bool:
    return value in ALLOWED_LITERALS or value.endswith("not-secret")


def repository_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    return [ROOT / name for name in listed if name and (ROOT / name).is_file()]


def find_secrets(files: list[Path]) -> list[str]:
    found = []
    for path in files:
        try:
            text = path.read_text()
        except (UnicodeDecodeError, OSError):
            continue  # binary (screenshots)
        for label, pattern in SECRET_PATTERNS.items():
            for match in pattern.finditer(text):
                value = match.group(1) if pattern.groups else match.group(0)
                if not allowed(value):
                    name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
                    found.append(f"{name}: {label}")
    return found


def test_no_secret_is_committed_to_the_repository():
    files = repository_files()
    assert any(p.name == "settings.py" for p in files)
    assert find_secrets(files) == []


def test_the_secret_scan_finds_planted_secrets(tmp_path):
    """The control: each pattern catches what it is meant to."""
    planted = tmp_path / "leak.py"
    planted.write_text(
        "SECRET_KEY" + ' = "django-insecure-abc123def456"\n'
        "key = '" + "sk-" + "ant-api03-AbCdEfGhIjKlMnOp'\n"
        "-----BEGIN " + "OPENSSH PRIVATE KEY-----\n"
        "ANTHROPIC_API_KEY" + ' = "abcdefghijklmnopqrstu"\n'
        "SECRET_KEY" + ' = "bench-only-not-secret"\n'  # a labelled dummy: allowed
    )
    labels = {line.split(": ", 1)[1] for line in find_secrets([planted])}
    assert labels == {"SECRET_KEY literal", "Anthropic API key", "private key", "API key literal"}


# --- safe defaults ---------------------------------------------------------------------------------


def settings_in_a_fresh_process(env: dict) -> subprocess.CompletedProcess:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_HTTPONLY, s.X_FRAME_OPTIONS, s.SECURE_CONTENT_TYPE_NOSNIFF, "
        "s.CSRF_COOKIE_HTTPONLY, s.SECRET_KEY == 'insecure-debug-only-key')"
    )
    base = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DJANGO_DEBUG", "DATABASE_URL", "REDIS_URL"}}
    base["DJANGO_SETTINGS_MODULE"] = "chatsite.settings"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=60
    )


def test_debug_is_off_by_default():
    result = settings_in_a_fresh_process({"SECRET_KEY": "a-real-deployment-key"})
    assert result.returncode == 0, result.stderr
    debug, httponly, frame_options, nosniff, _csrf_httponly, debug_key = result.stdout.split()
    assert (debug, httponly, frame_options, nosniff, debug_key) == ("False", "True", "DENY", "True", "False")


def test_a_secret_key_is_required_when_not_debugging():
    result = settings_in_a_fresh_process({})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_the_debug_only_key_is_used_only_with_debug_on():
    result = settings_in_a_fresh_process({"DJANGO_DEBUG": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "True" and result.stdout.split()[-1] == "True"


def test_debug_must_be_a_real_boolean():
    result = settings_in_a_fresh_process({"DJANGO_DEBUG": "maybe", "SECRET_KEY": "k"})
    assert result.returncode != 0 and "DJANGO_DEBUG must be a boolean" in result.stderr
