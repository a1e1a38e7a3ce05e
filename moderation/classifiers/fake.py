"""A deterministic backend for tests: the message says what it should score.

Markers (any number, anywhere in the text):
- `[sev:N:category]` scores `category` at severity N (0-4); the highest marker per category wins.
- `[fail:transient]` / `[fail:permanent]` raise ClassifierError with that `transient` flag.
Text without markers scores 0. Context and the last action are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from moderation.classifiers.base import ClassifierError, Verdict
from moderation.taxonomy import BY_NAME

SEVERITY_MARKER = re.compile(r"\[sev:([0-4]):([a-z_]+)\]")
FAILURE_MARKER = re.compile(r"\[fail:(transient|permanent)\]")


class FakeClassifier:
    name = "fake"
    version = "fake-1"

    def classify(self, text: str, *, context: Sequence[str] = (), last_action: str | None = None) -> Verdict:
        failure = FAILURE_MARKER.search(text)
        if failure:
            raise ClassifierError(f"fake {failure.group(1)} failure", transient=failure.group(1) == "transient")
        scores: dict[str, int] = {}
        signals: list[str] = []
        for severity, category in SEVERITY_MARKER.findall(text):
            if category not in BY_NAME:
                raise ClassifierError(f"fake marker names unknown category {category!r}", transient=False)
            scores[category] = max(scores.get(category, 0), int(severity))
            signals.append(f"fake:{category}:{severity}")
        return Verdict.from_scores(scores, signals=tuple(signals), backend=self.name, version=self.version)
