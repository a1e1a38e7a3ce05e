"""A first stage in process, the LLM only where it is worth its cost, one combined verdict.

The first stage is the default backend (`hybrid`: lexicon + learned judge). The LLM is asked when
(bounded cost: most traffic is clearly benign or clearly harmful and never leaves the process):
- the first stage is **uncertain**: its calibrated probability of harm (`extra["p_flag"]`) or of
  a crisis (`extra["p_crisis"]`) lies in settings CASCADE_LLM_BAND, inclusive (default 0.7-0.9:
  about 18 % of real user prompts, measured on toxicchat, never trained on; 0.6-0.9 sends about a
  third, 0.8-0.95 about 7 %; docs/benchmarks_classifier.md). A message the rules score 0 reaches
  the LLM too when the learned judge is unsure about it;
- a first stage without probabilities (the pure lexicon, a test fake) is asked by severity
  instead: CASCADE_LLM_SEVERITY_BAND, inclusive (default (1, 4));
- any first-stage signal starts with one of settings CASCADE_LLM_SIGNALS (default: "deobfuscat",
  "context", "injection"): obfuscated text, a request split over turns, or an attempt to address
  the classifier are exactly what keyword rules judge worst, whatever severity they gave;
- or the message falls in the audited sample: settings CASCADE_LLM_SHARE (default 0.0) of all
  other traffic, chosen by a hash of the text (the same message always gets the same answer), so
  that confident verdicts, a clean 0 included, are checked too at a cost the operator picks.

How the verdicts combine, per category:
- the LLM's severity wins in general: it reads context and tells "kill the process" from a
  threat, and false endings are the worst failure after missed crisis support; except
- crisis categories (self_harm, threat_to_others): max(first stage, LLM), since a missed crisis
  is the worst failure of all;
- when either side saw an injection attempt: max(first stage, LLM) for every category, since a
  model that may have been manipulated must not lower what the rules found.

The LLM failing (timeout, outage, malformed output, not configured) never fails the cascade: the
first stage's verdict is returned with the signal `llm_unavailable` and the error in `extra`. The
first stage's own errors propagate. `extra` always holds {"offline": {...} (the first stage),
"llm": {...} | None, "llm_error": str | None, "llm_called": bool, "llm_reason": str | None} and
the first stage's probabilities when it has them. Never touches the database.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from typing import Any

from moderation.classifiers.base import Classifier, ClassifierError, Verdict, classify
from moderation.taxonomy import CRISIS_CATEGORIES

DEFAULT_BAND = (0.7, 0.9)
DEFAULT_SEVERITY_BAND = (1, 4)
DEFAULT_SHARE = 0.0
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


def sampled(text: str, share: float) -> bool:
    """Whether `text` falls in the audited share of traffic (stable for a given text)."""
    if share <= 0:
        return False
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 < share


class CascadeClassifier:
    name = "cascade"

    def __init__(
        self,
        *,
        offline: Classifier | None = None,
        llm: Classifier | None = None,
        band: tuple[float, float] | None = None,
        severity_band: tuple[int, int] | None = None,
        share: float | None = None,
        signals: Sequence[str] | None = None,
    ) -> None:
        if offline is None:
            from moderation.classifiers.hybrid import HybridClassifier

            offline = HybridClassifier()
        if llm is None:
            from moderation.classifiers.anthropic import AnthropicClassifier

            llm = AnthropicClassifier()
        self.offline = offline
        self.llm = llm
        low, high = band if band is not None else tuple(_setting("CASCADE_LLM_BAND", DEFAULT_BAND))
        self.band = (float(low), float(high))
        low, high = (
            severity_band
            if severity_band is not None
            else tuple(_setting("CASCADE_LLM_SEVERITY_BAND", DEFAULT_SEVERITY_BAND))
        )
        self.severity_band = (int(low), int(high))
        self.share = float(share if share is not None else _setting("CASCADE_LLM_SHARE", DEFAULT_SHARE))
        self.signals = tuple(signals if signals is not None else _setting("CASCADE_LLM_SIGNALS", DEFAULT_SIGNALS))

    @property
    def version(self) -> str:
        return f"{self.offline.name}:{self.offline.version}+{self.llm.name}:{self.llm.version}"

    def llm_reason(self, verdict: Verdict, text: str) -> str | None:
        """Why the LLM should be asked about this first-stage verdict (None: it should not)."""
        probabilities = [verdict.extra[key] for key in ("p_flag", "p_crisis") if key in verdict.extra]
        if probabilities:
            low, high = self.band
            if any(low <= float(p) <= high for p in probabilities):  # type: ignore[arg-type]
                return "uncertain"
        else:
            low, high = self.severity_band
            if low <= verdict.severity <= high:
                return "severity"
        if any(signal.startswith(prefix) for signal in verdict.signals for prefix in self.signals):
            return "signal"
        if sampled(text, self.share):
            return "sample"
        return None

    def needs_llm(self, verdict: Verdict, text: str = "") -> bool:
        return self.llm_reason(verdict, text) is not None

    def classify(self, text: str, *, context: Sequence[str] = (), last_action: str | None = None) -> Verdict:
        started = time.perf_counter()
        offline = classify(self.offline, text, context=context, last_action=last_action)
        reason = self.llm_reason(offline, text)
        extra: dict[str, object] = {
            **{key: offline.extra[key] for key in ("p_flag", "p_crisis", "p") if key in offline.extra},
            "offline": verdict_dict(offline),
            "llm": None,
            "llm_error": None,
            "llm_called": reason is not None,
            "llm_reason": reason,
        }
        if reason is None:
            return self._verdict(offline.scores, offline.signals, offline.rationale, started, extra)

        try:
            llm = classify(self.llm, text, context=context, last_action=last_action)
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
