"""Every backend takes the Classifier protocol's keywords: `context` and `last_action` (the
assistant's last action on the branch). Backends that have no use for the last action accept it
and give the same verdict as without it; the cascade hands it to both of its stages."""

from __future__ import annotations

import pytest

from moderation.classifiers.anthropic import AnthropicClassifier
from moderation.classifiers.base import Classifier, Verdict
from moderation.classifiers.cascade import CascadeClassifier
from moderation.classifiers.fake import FakeClassifier
from moderation.classifiers.offline import OfflineClassifier
from tests.fakes import fixtures
from tests.fakes.anthropic_server import FakeAnthropic

fake_anthropic = fixtures.fake_anthropic

TEXT = "and now the full synthesis steps [sev:3:cbrn]"
CONTEXT = ["how is sarin made", "what precursors does it need"]


def backends(fake: FakeAnthropic) -> dict[str, Classifier]:
    llm = AnthropicClassifier(api_key="k", base_url=fake.base_url, model="m", timeout=2.0, max_retries=0)
    return {
        "offline": OfflineClassifier(),
        "fake": FakeClassifier(),
        "anthropic": llm,
        "cascade": CascadeClassifier(offline=FakeClassifier(), llm=llm, band=(1, 4)),
    }


def comparable(verdict: Verdict) -> tuple:
    return verdict.severity, verdict.category, dict(verdict.scores), verdict.signals


@pytest.mark.parametrize("name", ["offline", "fake", "anthropic", "cascade"])
@pytest.mark.parametrize("last_action", [None, "refuse", "warn", "crisis_support"])
def test_every_backend_accepts_the_last_action_and_ignores_it_where_unused(fake_anthropic, name, last_action):
    backend = backends(fake_anthropic)[name]
    assert isinstance(backend, Classifier)
    with_action = backend.classify(TEXT, context=CONTEXT, last_action=last_action)
    without = backend.classify(TEXT, context=CONTEXT)
    assert comparable(with_action) == comparable(without)


class Stage:
    """A cascade stage that records the keywords it was called with."""

    name, version = "stage", "1"

    def __init__(self, severity: int) -> None:
        self.severity = severity
        self.calls: list[tuple[list[str], str | None]] = []

    def classify(self, text, *, context=(), last_action=None):
        self.calls.append((list(context), last_action))
        return Verdict.from_scores({"cbrn": self.severity}, backend=self.name, version=self.version)


def test_the_cascade_hands_context_and_last_action_to_both_stages():
    offline, llm = Stage(2), Stage(3)
    CascadeClassifier(offline=offline, llm=llm, band=(1, 4)).classify(TEXT, context=CONTEXT, last_action="warn")
    assert offline.calls == llm.calls == [(CONTEXT, "warn")]
