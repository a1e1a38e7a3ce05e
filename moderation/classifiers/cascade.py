"""Offline rules first, the LLM only where it is worth its cost, one combined verdict.

When the LLM is asked (bounded cost: most traffic is clearly benign and never leaves the process):
- the offline verdict's severity lies in settings CASCADE_LLM_BAND, inclusive (default (1, 4):
  anything the rules found at all, from "edgy" to "severe", is checked; a clean 0 is not), or
- any offline signal starts with one of settings CASCADE_LLM_SIGNALS (default: "deobfuscat",
  "context", "injection"): obfuscated text, a request split over turns, or an attempt to address
  the classifier are exactly what keyword rules judge worst, whatever severity they gave.

How the verdicts combine, per category:
- the LLM's severity wins in general: it reads context and tells "kill the process" from a
  threat, and false endings are the worst failure after missed crisis support; except
- crisis categories (self_harm, threat_to_others): max(offline, LLM), since a missed crisis is
  the worst failure of all;
- when either side saw an injection attempt: max(offline, LLM) for every category, since a
  model that may have been manipulated must not lower what the rules found.

The LLM failing (timeout, outage, malformed output, not configured) never fails the cascade: the
offline verdict is returned with the signal `llm_unavailable` and the error in `extra`. The offline
classifier's own errors propagate. `extra` always holds {"offline": {...}, "llm": {...} | None,
"llm_error": str | None, "llm_called": bool}. Never touches the database.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from moderation.classifiers.base import Classifier, ClassifierError, Verdict
from moderation.taxonomy import CRISIS_CATEGORIES

DEFAULT_BAND = (1, 4)
DEFAULT_SIGNALS = ("deobfuscat", "context", "injection")
INJECTION_MARKERS = ("injection_attempt", "llm:injection_attempt")
LLM_UNAVAILABLE = "llm_unavailable"


def _setting(name: str, default: Any) -> Any:
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        return getattr(settings, name, default)
    except ImproperlyConfigured:
        return default


def verdict_dict(verdict: Verdict) -> dict[str, object]:
    """A JSON-ready summary of a verdict, for `extra` (and so for the console)."""
    return {
        "backend": verdict.backend,
        "version": verdict.version,
        "severity": verdict.severity,
        "category": verdict.category,
        "scores": dict(verdict.scores),
        "signals": list(verdict.signals),
        "rationale": verdict.rationale,
        "latency_ms": round(verdict.latency_ms, 3),
    }


def combine(offline: Verdict, llm: Verdict) -> dict[str, int]:
    """Per-category severities under the rule in the module docstring."""
    manipulated = any(s in INJECTION_MARKERS for s in (*offline.signals, *llm.signals))
    names = {*offline.scores, *llm.scores}
    combined = {}
    for name in names:
        offline_severity, llm_severity = offline.scores.get(name, 0), llm.scores.get(name, 0)
        if manipulated or name in CRISIS_CATEGORIES:
            combined[name] = max(offline_severity, llm_severity)
        else:
            combined[name] = llm_severity
    return combined


class CascadeClassifier:
    name = "cascade"

    def __init__(
        self,
        *,
        offline: Classifier | None = None,
        llm: Classifier | None = None,
        band: tuple[int, int] | None = None,
        signals: Sequence[str] | None = None,
    ) -> None:
        if offline is None:
            from moderation.classifiers.offline import OfflineClassifier

            offline = OfflineClassifier()
        if llm is None:
            from moderation.classifiers.anthropic import AnthropicClassifier

            llm = AnthropicClassifier()
        self.offline = offline
        self.llm = llm
        low, high = band if band is not None else tuple(_setting("CASCADE_LLM_BAND", DEFAULT_BAND))
        self.band = (int(low), int(high))
        self.signals = tuple(signals if signals is not None else _setting("CASCADE_LLM_SIGNALS", DEFAULT_SIGNALS))

    @property
    def version(self) -> str:
        return f"{self.offline.name}:{self.offline.version}+{self.llm.name}:{self.llm.version}"

    def needs_llm(self, verdict: Verdict) -> bool:
        low, high = self.band
        if low <= verdict.severity <= high:
            return True
        return any(signal.startswith(prefix) for signal in verdict.signals for prefix in self.signals)

    def classify(self, text: str, *, context: Sequence[str] = ()) -> Verdict:
        started = time.perf_counter()
        offline = self.offline.classify(text, context=context)
        extra: dict[str, object] = {
            "offline": verdict_dict(offline),
            "llm": None,
            "llm_error": None,
            "llm_called": False,
        }
        if not self.needs_llm(offline):
            return self._verdict(offline.scores, offline.signals, offline.rationale, started, extra)

        extra["llm_called"] = True
        try:
            llm = self.llm.classify(text, context=context)
        except ClassifierError as exc:
            extra["llm_error"] = f"{'transient' if exc.transient else 'permanent'}: {exc}"
            return self._verdict(offline.scores, (*offline.signals, LLM_UNAVAILABLE), offline.rationale, started, extra)
        extra["llm"] = verdict_dict(llm)
        signals = (*offline.signals, *llm.signals)
        return self._verdict(combine(offline, llm), signals, llm.rationale or offline.rationale, started, extra)

    def _verdict(
        self, scores: Any, signals: Sequence[str], rationale: str, started: float, extra: dict[str, object]
    ) -> Verdict:
        return Verdict.from_scores(
            scores,
            signals=tuple(dict.fromkeys(signals)),
            backend=self.name,
            version=self.version,
            latency_ms=(time.perf_counter() - started) * 1000,
            rationale=rationale,
            extra=extra,
        )
