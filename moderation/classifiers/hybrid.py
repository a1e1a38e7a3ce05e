"""The default backend (`hybrid`): the lexicon (`offline`) and the learned judge (`learned`), one
verdict.

The lexicon stays the fast, explainable first stage: its rule names are the signals moderators
read. The learned judge reads what the rules cannot (other wordings, other languages, framing,
context) and gives calibrated probabilities. Per category:

- the learned severity stands on its own (a harm the rules have no word for);
- a lexicon hit (severity >= 2) is kept, at the higher of the two severities, only when the learned
  judge finds it plausible: its probability of that category at severity >= 2 is at least
  `HYBRID_VETO` (default 0.15), or (not for the crisis categories) its probability that the turn
  is harmful at all is at least `HYBRID_FLAG_VETO` (default 0.5: the two judges agree the turn is
  harmful and may disagree on the category). For the crisis categories the bar is
  `HYBRID_CRISIS_VETO` (default 0.05), since a missed crisis is the worst failure. Otherwise the
  hit is vetoed and the learned severity stands: the survivor describing childhood abuse, the
  trust-and-safety worker, the parent, the historian and the energy-drink question keep their
  alarming words without the strikes. A vetoed hit shows as the signal `hybrid:veto:<category>`.

`extra` holds `p_flag`, `p_crisis` and `p` (per category, calibrated probability of severity
>= 2), the lexicon's and the learned judge's own verdicts; the signals carry the probabilities
(`learned:<category>:<p>`). The cascade reads `p_flag`/`p_crisis` to decide whether to ask the LLM.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from moderation.classifiers.base import Verdict
from moderation.classifiers.learned import Judgement, LearnedClassifier
from moderation.classifiers.offline import OfflineClassifier
from moderation.taxonomy import CRISIS_CATEGORIES, FLAG_SEVERITY

DEFAULT_VETO = 0.15
DEFAULT_FLAG_VETO = 0.5
DEFAULT_CRISIS_VETO = 0.05


def _setting(name: str, default: Any) -> Any:
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        return getattr(settings, name, default)
    except ImproperlyConfigured:
        return default


def combine(
    lexicon: Verdict,
    judgement: Judgement,
    *,
    veto: float = DEFAULT_VETO,
    crisis_veto: float = DEFAULT_CRISIS_VETO,
    flag_veto: float = DEFAULT_FLAG_VETO,
) -> tuple[dict[str, int], list[str]]:
    """Per-category severities under the rule in the module docstring, and the veto signals."""
    scores = dict(judgement.scores)
    vetoed = []
    for name, severity in lexicon.scores.items():
        if severity < FLAG_SEVERITY:
            continue
        if name in CRISIS_CATEGORIES:
            plausible = judgement.p(name) >= crisis_veto
        else:
            plausible = judgement.p(name) >= veto or judgement.p_flag >= flag_veto
        if plausible:
            scores[name] = max(severity, scores.get(name, 0))
        else:
            vetoed.append(f"hybrid:veto:{name}")
    return scores, vetoed


class HybridClassifier:
    name = "hybrid"

    def __init__(
        self,
        *,
        lexicon: OfflineClassifier | None = None,
        learned: LearnedClassifier | None = None,
        veto: float | None = None,
        crisis_veto: float | None = None,
        flag_veto: float | None = None,
    ) -> None:
        self.lexicon = lexicon or OfflineClassifier()
        self.learned = learned or LearnedClassifier()
        self.veto = float(veto if veto is not None else _setting("HYBRID_VETO", DEFAULT_VETO))
        self.crisis_veto = float(
            crisis_veto if crisis_veto is not None else _setting("HYBRID_CRISIS_VETO", DEFAULT_CRISIS_VETO)
        )
        self.flag_veto = float(flag_veto if flag_veto is not None else _setting("HYBRID_FLAG_VETO", DEFAULT_FLAG_VETO))

    @property
    def version(self) -> str:
        return f"{self.lexicon.version}+{self.learned.version}"

    def classify(self, text: str, *, context: Sequence[str] = (), last_action: str | None = None) -> Verdict:
        started = time.perf_counter()
        lexicon = self.lexicon.classify(text, context=context, last_action=last_action)
        judgement = self.learned.judge(text, context=context, last_action=last_action)
        return self.verdict(lexicon, judgement, started=started)

    def verdict(self, lexicon: Verdict, judgement: Judgement, *, started: float | None = None) -> Verdict:
        """The combined verdict of two verdicts already computed (evaluation reuses them)."""
        scores, vetoed = combine(
            lexicon, judgement, veto=self.veto, crisis_veto=self.crisis_veto, flag_veto=self.flag_veto
        )
        learned = judgement.extra()
        extra = {
            "p_flag": learned["p_flag"],
            "p_crisis": learned["p_crisis"],
            "p": learned["p"],
            "offline": {"severity": lexicon.severity, "category": lexicon.category, "scores": dict(lexicon.scores)},
            "learned": {"scores": dict(judgement.scores), "obfuscated": judgement.obfuscated},
        }
        return Verdict.from_scores(
            scores,
            signals=tuple(dict.fromkeys((*lexicon.signals, *judgement.signals(), *vetoed))),
            backend=self.name,
            version=self.version,
            latency_ms=(time.perf_counter() - started) * 1000 if started is not None else 0.0,
            extra=extra,
        )


__all__ = ["HybridClassifier", "combine"]
