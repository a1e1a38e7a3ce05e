"""pytest fixtures for the fake Anthropic server. Use them in a test module with
`fake_anthropic = fixtures.fake_anthropic` (after `from tests.fakes import fixtures`), or list
this module in `pytest_plugins` of the root conftest."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.anthropic_server import FakeAnthropic


@pytest.fixture
def fake_anthropic() -> Iterator[FakeAnthropic]:
    """A fresh fake Messages API on an ephemeral localhost port: `.base_url`, `.requests`,
    `.script(...)`. Stopped (and any hanging request released) after the test."""
    fake = FakeAnthropic().start()
    try:
        yield fake
    finally:
        fake.stop()
