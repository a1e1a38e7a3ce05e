"""The offline harm classifier: hand-written rules, pure Python, no network, no model.

See lexicon.py (what is looked for), normalize.py (de-obfuscation) and scoring.py (how hits and
framing become severities). This module adds the branch context: a short follow-up to a harmful
turn ("What quantities?") is judged in the context's category, a change of subject is not.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from moderation.classifiers.base import Verdict
from moderation.classifiers.offline import lexicon as lx
from moderation.classifiers.offline.normalize import plain
from moderation.classifiers.offline.scoring import Analysis, analyse

CONTEXT_TURNS = 3  # how many previous user turns can carry into the newest one
FOLLOW_UP_MAX_WORDS = 30  # longer messages stand on their own


class OfflineClassifier:
    name = "offline"
    version = "rules-2.0"

    def classify(self, text: str, *, context: Sequence[str] = ()) -> Verdict:
        started = time.perf_counter()
        current = analyse(text)
        scores = dict(current.scores)
        signals = list(current.signals)
        if context:
            self._carry_context(text, current, context[-CONTEXT_TURNS:], scores, signals)
        return Verdict.from_scores(
            scores,
            signals=tuple(dict.fromkeys(signals)),
            backend=self.name,
            version=self.version,
            latency_ms=(time.perf_counter() - started) * 1000,
        )

    @staticmethod
    def _carry_context(
        text: str, current: Analysis, context: Sequence[str], scores: dict[str, int], signals: list[str]
    ) -> None:
        """A short follow-up inherits the harmful categories of the turns before it: at the context's
        severity when it asks for operational detail itself, one lower otherwise. A change of subject
        inherits nothing; crisis categories always carry (a person at risk stays at risk)."""
        normalised = plain(text)
        if lx.TOPIC_SHIFT.search(normalised) or len(normalised.split()) > FOLLOW_UP_MAX_WORDS:
            return
        if not lx.FOLLOW_UP.search(normalised):
            return
        earlier: dict[str, int] = {}
        for turn in context:
            for category, severity in analyse(turn).scores.items():
                earlier[category] = max(earlier.get(category, 0), severity)
        # The request may be split: judge the recent turns and this one together too.
        joined = analyse(" \n ".join([*context[-2:], text])).scores
        operational = bool(lx.OPERATIONAL_FOLLOW_UP.search(normalised)) or current.operational
        for category, severity in earlier.items():
            if severity < 2:
                continue
            carried = severity if operational else severity - 1
            carried = max(carried, min(joined.get(category, 0), severity))
            if carried > scores.get(category, 0):
                scores[category] = carried
                signals.append(f"context:{category}")


__all__ = ["OfflineClassifier"]
