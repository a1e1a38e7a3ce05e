"""The classifier protocol: text (+ the branch's previous user turns and the assistant's last action)
in, a Verdict out.

Backends never touch the database; they are pure functions of their input (plus, for the LLM
backends, a network call). They are named by dotted path in settings and loaded lazily by
`moderation.classifiers.registry`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from moderation.taxonomy import CRISIS_CATEGORIES, CRISIS_SEVERITY, FLAG_SEVERITY, NONE


class ClassifierError(Exception):
    """A backend could not produce a verdict. `transient` errors (timeouts, 429, 5xx) may be retried."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class Verdict:
    """What a backend concluded about one user message.

    `scores` maps every category that fired to its severity (0-4); categories absent are 0.
    `signals` are short, non-sensitive identifiers of what fired (rule names, "context:cbrn",
    "llm:rationale ...") shown to moderators; never the raw message text.
    """

    severity: int
    category: str
    scores: Mapping[str, int]
    signals: tuple[str, ...] = ()
    backend: str = ""
    version: str = ""
    latency_ms: float = 0.0
    rationale: str = ""
    extra: Mapping[str, object] = field(default_factory=dict)

    @classmethod
    def from_scores(cls, scores: Mapping[str, int], **kwargs: object) -> Verdict:
        kept = {name: int(sev) for name, sev in scores.items() if int(sev) > 0}
        if kept:
            category = max(kept, key=lambda name: (kept[name], name in CRISIS_CATEGORIES))
            severity = kept[category]
        else:
            category, severity = NONE, 0
        return cls(severity=severity, category=category, scores=kept, **kwargs)  # type: ignore[arg-type]

    @property
    def flagged(self) -> bool:
        return self.severity >= FLAG_SEVERITY

    @property
    def crisis(self) -> bool:
        return any(self.scores.get(name, 0) >= CRISIS_SEVERITY for name in CRISIS_CATEGORIES)


@runtime_checkable
class Classifier(Protocol):
    name: str
    version: str

    def classify(self, text: str, *, context: Sequence[str] = (), last_action: str | None = None) -> Verdict:
        """Judge `text`, the newest user turn. `context` holds the branch's previous user turns,
        oldest first, so that a request split over several innocent-looking turns is seen.
        `last_action` is the assistant's action after the previous user turn (`answer`, `refuse`,
        `redirect`, `warn`, `crisis_support`, `confirm_end`) or None (first turn, or unknown):
        insisting after a warning reads differently from a first question. Backends that cannot
        use it ignore it. Raises ClassifierError."""
        ...


def classify(
    classifier: Classifier, text: str, *, context: Sequence[str] = (), last_action: str | None = None
) -> Verdict:
    """`classifier.classify`, passing `last_action` only when there is one, so that a backend
    written before the keyword existed (a plug-in, a test double) keeps working."""
    if last_action is None:
        return classifier.classify(text, context=context)
    return classifier.classify(text, context=context, last_action=last_action)
