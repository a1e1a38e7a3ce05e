"""Stage 2, classify: the configured backend's verdict on the user message, as an unsaved row.

The backend gets the branch's previous user turns (`context`) and the assistant's last action on
the branch (`last_action`). A transient failure is raised for the task to retry while it has
retries left; after that (or on a permanent failure) the offline backend stands in; if it fails
too, there is no verdict and the turn is decided as unclassified (answered cautiously, never
counted).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, replace

from django.conf import settings

from conversations.models import Message
from moderation.classifiers.base import ClassifierError, Verdict
from moderation.classifiers.registry import get_classifier
from moderation.models import Classification
from moderation.services.turn.load import Turn

log = logging.getLogger(__name__)

FALLBACK_BACKEND = "offline"


def classify(turn: Turn, *, may_retry: bool) -> Classification | None:
    """The verdict on `turn` as an unsaved Classification, or None when every backend failed.
    Raises ClassifierError on a transient failure when `may_retry` (the task retries)."""
    backend = settings.CLASSIFIER_BACKEND
    context = user_context(turn)
    try:
        verdict = classify_timed(backend, turn.message.content, context, turn.last_action)
        return classification_row(message_id=turn.message.id, verdict=verdict, backend=backend)
    except ClassifierError as error:
        if error.transient and may_retry:
            raise
        log.warning("classifier %s failed for message %s; falling back to offline", backend, turn.message.id)
    if backend == FALLBACK_BACKEND:
        return None
    try:
        verdict = classify_timed(FALLBACK_BACKEND, turn.message.content, context, turn.last_action)
    except ClassifierError:
        log.exception("offline classifier failed for message %s", turn.message.id)
        return None
    return classification_row(
        message_id=turn.message.id, verdict=verdict, backend=FALLBACK_BACKEND, fallback_from=backend
    )


def user_context(turn: Turn) -> list[str]:
    """The branch's previous user turns, oldest first, at most CLASSIFIER_CONTEXT_TURNS."""
    wanted = settings.CLASSIFIER_CONTEXT_TURNS
    previous = [m.content for m in turn.path[:-1] if m.role == Message.Role.USER]
    return previous[-wanted:] if wanted else []


def classify_timed(backend: str, text: str, context: Sequence[str], last_action: str | None = None) -> Verdict:
    """The backend's verdict, with its latency measured here when the backend does not report it.
    Raises ClassifierError from the backend."""
    started = time.perf_counter()
    verdict = get_classifier(backend).classify(text, context=context, last_action=last_action)
    if verdict.latency_ms:
        return verdict
    return replace(verdict, latency_ms=(time.perf_counter() - started) * 1000)


def classification_row(*, message_id, verdict: Verdict, backend: str, fallback_from: str = "") -> Classification:
    """The (unsaved) row for a verdict."""
    extra = dict(verdict.extra or {})
    if fallback_from:
        extra["fallback_from"] = fallback_from
    return Classification(
        message_id=message_id,
        backend=backend,
        backend_version=verdict.version,
        severity=verdict.severity,
        category=verdict.category,
        scores=dict(verdict.scores),
        signals=list(verdict.signals),
        rationale=verdict.rationale[:2000],
        extra=_jsonable(extra),
        latency_ms=verdict.latency_ms,
    )


def verdict_of(classification: Classification) -> Verdict:
    """A stored (or unsaved) classification back as the backend's verdict."""
    return Verdict(
        severity=classification.severity,
        category=classification.category,
        scores=classification.scores,
        signals=tuple(classification.signals),
        backend=classification.backend,
        version=classification.backend_version,
        latency_ms=classification.latency_ms,
        rationale=classification.rationale,
    )


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if hasattr(value, "__dataclass_fields__"):
        return _jsonable(asdict(value))
    return str(value)
