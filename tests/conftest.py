"""Shared fixtures. Service-backed tests (PostgreSQL, Redis, a Celery worker, Chromium) skip with
a visible reason when the service is absent, and fail instead when CI=true."""

from __future__ import annotations

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.utils import translation

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
TEST_REDIS_URL = os.environ.get("CHATSITE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def require(condition: bool, reason: str) -> None:
    """Skip (with the reason shown in the summary) when a service is missing; in CI, fail."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI requires this service: {reason}", pytrace=False)
    pytest.skip(reason)


def uses_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


@pytest.fixture
def require_postgres():
    require(uses_postgres(), "PostgreSQL not configured (set DATABASE_URL=postgres://...)")


@pytest.fixture
def require_redis():
    require(_reachable(TEST_REDIS_URL, 6379), f"Redis not reachable at {TEST_REDIS_URL}")
    return TEST_REDIS_URL


@pytest.fixture
def require_chromium():
    require(os.path.exists(CHROMIUM) or shutil.which("chromium") is not None, f"Chromium not found at {CHROMIUM}")
    return CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")


@pytest.fixture(autouse=True)
def _isolated_settings(settings):
    """Unit, service and consumer tests run the pipeline in-process (eager Celery, in-memory
    channel layer, local cache), whatever the environment says; integration tests start their
    own server and worker processes on the real services."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.EMBEDDED_TURN_THREADS = 0  # the turn runs in the posting thread: tests see its result at once
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.CLASSIFIER_BACKEND = "fake"  # deterministic markers; pipeline tests choose "offline" explicitly
    settings.RESPONDER = "offline"
    settings.CHAT_RATE_LIMIT = (1000, 60)
    from django.core.cache import cache

    cache.clear()
    # A test's request or service may activate the user's language in this thread (the locale
    # middleware, a worker writing a reply): none leaks into the next test.
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(username="alice", password="pw-alice-123")


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user(username="mallory", password="pw-mallory-123")
