"""Loaded as a plugin (-p tests.pytest_env) before Django is set up: tests never need a real secret."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-not-secret")
os.environ.pop("REDIS_URL", None)
# No timer thread sweeping the test database behind the tests' backs (tests call the sweep).
os.environ.setdefault(
    "EMBEDDED_SWEEP_SECONDS", "0"
)  # unit tests run eager and in memory; integration tests start their own stack
# Nor a thread building the default classifier when a test imports chatsite.asgi.
os.environ.setdefault("EMBEDDED_WARM_CLASSIFIER", "0")
