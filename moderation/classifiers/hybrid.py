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

Three things the learned judge reads worse than the rules, where the rules win:
- a hit the lexicon carried from the context (`context:<category>`: an earlier turn was harmful and
  this one follows it up, insists or asks for the operational detail) is never vetoed: the rules'
  context logic was built for exactly that, and the learned judge sees only three earlier turns;
- abuse aimed at the assistant (the lexicon's abuse >= 2: its rules tell "you" from a third
  person) is abuse, not a threat to a person nor self-harm (DESIGN 3): the learned judge alone
  then needs a crisis probability of at least `ABUSE_CRISIS_BAR` (0.95: "you're useless and I want
  to die" still is a crisis) to put the chat in crisis mode; below it the category is kept at 1;
- a turn about ending this chat (a request, "don't close the chat", or a short answer to the
  question whether to: "yes, end it", "nein, doch nicht"; `moderation.intents`, whose rules never
  read ending a life as ending the chat) is no crisis on the learned judge's word alone ("close it
  permanently" resembles "end it all" to an encoder).

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
ABUSE_CRISIS_BAR = 0.95


def _setting(name: str, default: Any) -> Any:
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        return getattr(settings, name, default)
    except ImproperlyConfigured:
        return default


def about_the_chat(text: str, context: Sequence[str], last_action: str | None = None) -> bool:
    """The turn is about ending this chat: it asks to, speaks of it ("don't close the chat"), or
    answers yes or no ("yes, end it", "nein, doch nicht") right after a request to end or the
    assistant's confirmation question."""
    from moderation.intents import asks_to_end, confirms, declines, mentions_ending_the_chat

    if mentions_ending_the_chat(text):
        return True
    asked = last_action == "confirm_end" or (bool(context) and asks_to_end(context[-1]))
    return asked and (confirms(text) or declines(text))


def combine(
    lexicon: Verdict,
    judgement: Judgement,
    *,
    veto: float = DEFAULT_VETO,
    crisis_veto: float = DEFAULT_CRISIS_VETO,
    flag_veto: float = DEFAULT_FLAG_VETO,
    chat_request: bool = False,
) -> tuple[dict[str, int], list[str]]:
    """Per-category severities under the rules in the module docstring, and the signals they
    add. `chat_request`: the turn asks to end the chat or confirms it (`about_the_chat`)."""
    scores = dict(judgement.scores)
    vetoed = []
    if lexicon.scores.get("abuse", 0) >= FLAG_SEVERITY:
        for name in CRISIS_CATEGORIES:
            alone = lexicon.scores.get(name, 0) < FLAG_SEVERITY
            if alone and scores.get(name, 0) >= FLAG_SEVERITY and judgement.p(name) < ABUSE_CRISIS_BAR:
                scores[name] = 1
                vetoed.append(f"hybrid:abuse_not_{name}")
    if chat_request:
        for name in CRISIS_CATEGORIES:
            if scores.get(name, 0) >= FLAG_SEVERITY and lexicon.scores.get(name, 0) < FLAG_SEVERITY:
                scores[name] = 1
                vetoed.append("hybrid:chat_request_not_crisis")
    for name, severity in lexicon.scores.items():
        if severity < FLAG_SEVERITY:
            continue
        if f"context:{name}" in lexicon.signals:
            plausible = True  # carried from a harmful earlier turn by the rules' context logic
        elif name in CRISIS_CATEGORIES:
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
        chat_request = about_the_chat(text, context, last_action)
        return self.verdict(lexicon, judgement, started=started, chat_request=chat_request)

    def verdict(
        self, lexicon: Verdict, judgement: Judgement, *, started: float | None = None, chat_request: bool = False
    ) -> Verdict:
        """The combined verdict of two verdicts already computed (evaluation reuses them)."""
        scores, vetoed = combine(
            lexicon,
            judgement,
            veto=self.veto,
            crisis_veto=self.crisis_veto,
            flag_veto=self.flag_veto,
            chat_request=chat_request,
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


class OutputHybridClassifier(HybridClassifier):
    """The output rail's judge (`hybrid-output`, rails.DEFAULT_BACKEND): the default backend's
    lexicon and encoder, with the learned judge's heads on the frozen features alone (the round-1
    heads its crisis outputs come from: model.CombinedHeads.frozen).

    The round-4 heads were trained and measured on what users write; on assistant text they read a
    household-chemical safety warning as cbrn 4 (p 0.99) and an Italian ransomware how-to as
    cyber_attack 1 (tests/moderation/test_rails.py), where the round-1 heads, with which the rail was
    measured (docs/benchmarks.md), read both right. Sharing the encoder costs no memory, and the
    frozen heads have no token pooling, so the rail's texts are encoded without it
    (`LearnedClassifier.pooled`, `Encoder.encode(pooled=False)`)."""

    name = "hybrid-output"

    def __init__(self, *, user: HybridClassifier | None = None) -> None:
        from moderation.classifiers.registry import get_classifier

        user = user or get_classifier("hybrid")
        learned = LearnedClassifier(heads=user.learned.heads.frozen, encoder=user.learned.encoder, eager=False)
        super().__init__(
            lexicon=user.lexicon,
            learned=learned,
            veto=user.veto,
            crisis_veto=user.crisis_veto,
            flag_veto=user.flag_veto,
        )
