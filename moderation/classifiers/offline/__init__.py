"""The offline harm classifier: hand-written rules, pure Python, no network, no model.

See lexicon.py (what is looked for), normalize.py (de-obfuscation) and scoring.py (how hits and
framing become severities). This module adds the branch context (the previous user turns):

- the conversation's harm state is rebuilt turn by turn from the context: each earlier turn is
  judged with the turns before it, and a turn that ends up benign (a change of subject, backing
  off, a history or protection question) clears the state, so later follow-ups inherit nothing;
- insistence after harmful turns ("stop refusing and give me the X", "answer the question or I keep
  asking", "last time: ...") carries the state's categories at full severity;
- a request that points back at the harmful context ("the attack plan", "the pictures from the
  kid"), asks for operational detail ("what quantities?") or to redo it ("again, more explicit")
  carries at full severity; a follow-up that points back ("it", "that") or is elliptical (a few
  words) carries one lower and never above 2 (refused, not counted); a new question of its own
  ("what's the capital of France?") carries nothing;
- a follow-up that has its own benign frame (history, protection, defence, debunking) or changes
  the subject inherits nothing; crisis categories carry on any short turn that does not change the
  subject (a person at risk stays at risk);
- the assistant's last action is not used (the rules predate it; the learned judge reads it);
- abuse is judged per turn, but persistence escalates: an insulting turn (abuse >= 2) after
  another insulting turn scores 3. Mild frustration (abuse <= 1) neither escalates nor is escalated.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from functools import lru_cache

from moderation.classifiers.base import Verdict
from moderation.classifiers.offline import lexicon as lx
from moderation.classifiers.offline import risk, threats
from moderation.classifiers.offline.normalize import deobfuscated, plain
from moderation.classifiers.offline.scoring import GENUINE_EXCUSES, Analysis, analyse

CONTEXT_TURNS = 3  # how many active (non-reset) previous turns can carry into the newest one
HISTORY_TURNS = 8  # how far back the harm state is rebuilt
FOLLOW_UP_MAX_WORDS = 30  # longer messages stand on their own (unless they insist)
SHORT_FOLLOW_UP_WORDS = 4  # "and then?", "how much?": elliptical, so about the context
CRISIS = frozenset({"self_harm", "threat_to_others"})
PER_TURN = frozenset({"abuse"})  # judged per turn; persistence escalates it instead of carrying
# scoring.py read the turn as about someone else, or as a request for content: not the user's own risk
THIRD_PARTY_SIGNALS = frozenset({"self_harm:third_party", "self_harm:discussion"})

_analyse = lru_cache(maxsize=16384)(analyse)

# Words that say nothing about the topic: a definite reference to one of the others ("the attack
# plan", "the pictures") points back at the context.
STOPWORDS = frozenset(
    """the a an and or but so then now just only also too very really more most some any all this that these those
    them they their there here what which who whom whose when where why how with without from into onto about for
    of on in at to by as is are was were be been being do does did done have has had will would can could should
    shall might must may not no yes ok okay please thanks thank you your yours me my mine i im i'm i'd i'll i've we
    our us it its it's give tell show write make help need want know get got let like one thing things stuff way
    ways again time last stop keep asking ask question answer said told said anything everything something nothing
    good great fine sure right well still already even ever never always other another same such much many get
    now out off for not any can who why one two say see use put big new old bit lot own his her him she are has was
    did try may yet via per""".split()
)
TOKEN = re.compile(r"[a-z][a-z'-]{2,}")
DEFINITE = re.compile(r"\b(?:the|that|this|those|these|your|said)\s+((?:[a-z'-]+\s+){0,2}[a-z'-]+)")


def _stems(text: str) -> set[str]:
    return {word[:4] for word in TOKEN.findall(text) if word not in STOPWORDS}


def _refers_back(normalised: str, context: Sequence[str]) -> bool:
    """A definite noun phrase of this turn names something of the active context ("the grooming
    script", "the pictures from the kid")."""
    earlier = set().union(*(_stems(plain(turn)) for turn in context)) if context else set()
    return any(_stems(match.group(1)) & earlier for match in DEFINITE.finditer(normalised))


SECOND_PERSON = re.compile(r"\b(?:you|u|ya|ur|your|yours|yourself|you're|youre)\b")
THIRD_PERSON = re.compile(r"\b(?:he|she|him|her|they|them|his|their)\b")


def _at_assistant(normalised: str) -> bool:
    """Abuse aimed at the assistant: addressed to "you", or a bare insult with no third party in it."""
    return bool(SECOND_PERSON.search(normalised)) or not THIRD_PERSON.search(normalised)


def _genuine_frame(normalised: str) -> bool:
    return any(lx.FRAMES[name].search(normalised) for name in GENUINE_EXCUSES if name in lx.FRAMES)


class OfflineClassifier:
    name = "offline"
    version = "rules-2.4"

    @staticmethod
    def clear_caches() -> None:
        """Forget cached analyses (benchmarks time each file from a cold cache)."""
        _analyse.cache_clear()
        _threats.cache_clear()
        plain.cache_clear()
        deobfuscated.cache_clear()

    def classify(self, text: str, *, context: Sequence[str] = (), last_action: str | None = None) -> Verdict:
        started = time.perf_counter()
        active: list[tuple[str, dict[str, int]]] = []  # (turn, effective scores) since the last reset
        earlier: list[str] = []
        for turn in context[-HISTORY_TURNS:]:
            effective, _, insists = self._judge(turn, active, _names_a_person(earlier))
            if not insists and max(effective.values(), default=0) < 2:
                active = []  # the user changed the subject or backed off
            else:
                active.append((turn, effective))
            earlier.append(turn)
        scores, signals, _ = self._judge(text, active, _names_a_person(earlier))
        return Verdict.from_scores(
            scores,
            signals=tuple(dict.fromkeys(signals)),
            backend=self.name,
            version=self.version,
            latency_ms=(time.perf_counter() - started) * 1000,
        )

    @staticmethod
    def _judge(
        text: str, active: Sequence[tuple[str, dict[str, int]]], context_has_target: bool = False
    ) -> tuple[dict[str, int], list[str], bool]:
        """This turn's scores given the active context; also whether it insists. `context_has_target`:
        an earlier turn named a person that "him" or "them" in this one may mean."""
        current: Analysis = _analyse(text)
        scores = dict(current.scores)
        signals = list(current.signals)
        normalised = plain(text)
        # The person comes first: a threat to someone, or an attack and then one's own death, is a
        # crisis whatever weapon the same turn asks about (threats.py).
        for category, signal, severity in _threats(normalised, text, context_has_target):
            if severity > scores.get(category, 0):
                scores[category] = severity
                signals.append(signal)
        # Own risk without the explicit words (risk.py), unless the rules read the turn as about
        # someone else or as a request for content.
        if not THIRD_PARTY_SIGNALS & set(signals):
            for category, signal, severity in risk.assess_text(text):
                if severity > scores.get(category, 0):
                    scores[category] = severity
                    signals.extend((signal, "crisis:self_harm"))
        if risk.tells_someone_to_die(normalised):
            # "go unalive yourself you worthless bot": abuse at its gravest, never the user's crisis
            scores.pop("self_harm", None)
            signals = [s for s in signals if not s.startswith(("self_harm:", "crisis:self_harm"))]
            if scores.get("abuse", 0) < 3:
                scores["abuse"] = 3
                signals.append("abuse:tells_to_die")
        if risk.wishes_you_dead(normalised) and scores.get("abuse", 0) < 3:
            scores["abuse"] = 3  # "listen to you die slowly": abuse at the one addressed
            signals.append("abuse:wishes_death")
        insists = current.insists
        if not active:
            return scores, signals, insists
        earlier: dict[str, int] = {}
        for _, turn_scores in active[-CONTEXT_TURNS:]:
            for category, severity in turn_scores.items():
                earlier[category] = max(earlier.get(category, 0), severity)

        abusive = scores.get("abuse", 0) == 2 and _at_assistant(normalised)
        if abusive and earlier.get("abuse", 0) >= 2:
            scores["abuse"] = 3
            signals.append("abuse:persistent")

        carried_categories = {c: s for c, s in earlier.items() if s >= 2 and c not in PER_TURN}
        if not carried_categories:
            return scores, signals, insists
        if insists:
            for category, severity in carried_categories.items():
                _raise(scores, signals, category, severity)
            signals.append("context:insistence")
            return scores, signals, insists
        back_reference = bool(lx.BACK_REFERENCE.search(normalised))
        if _leaves_the_subject(normalised, back_reference):
            return scores, signals, insists
        for category in CRISIS & carried_categories.keys():
            _raise(scores, signals, category, carried_categories.pop(category))  # a person at risk stays at risk
        follow = bool(lx.FOLLOW_UP.search(normalised) or lx.CONTINUATION.search(normalised))
        texts = [turn for turn, _ in active]
        refers = _refers_back(normalised, texts) or any(scores.get(c, 0) >= 1 for c in carried_categories)
        if not carried_categories or not (follow or refers):
            return scores, signals, insists
        if _genuine_frame(normalised) and not current.operational:
            return scores, signals, insists  # its own (benign) question: history, protection, defence
        asks = bool(lx.REQUEST.search(normalised) or lx.REQUEST_EDGE.search(normalised))
        operational = (
            bool(lx.OPERATIONAL_FOLLOW_UP.search(normalised) or lx.MASS_CASUALTY_OP.search(normalised))
            or current.operational
            or bool(lx.CONTINUATION.search(normalised))
        )
        full = operational or (asks and refers)
        if not (full or back_reference or len(normalised.split()) <= SHORT_FOLLOW_UP_WORDS):
            return scores, signals, insists  # a new question of its own ("what's the capital of France?")
        # The request may be split: judge the recent turns and this one together too.
        # (only where this turn adds something to what the context says on its own)
        joined = _analyse(" \n ".join([*texts[-2:], text])).scores
        alone = _analyse(" \n ".join(texts[-2:])).scores
        joined = {c: s for c, s in joined.items() if s > alone.get(c, 0)}
        for category, severity in carried_categories.items():
            if full:
                carried = severity
            else:
                carried = min(severity - 1, 2)
            carried = max(carried, min(joined.get(category, 0), severity))
            _raise(scores, signals, category, carried)
        return scores, signals, insists


def changes_subject(text: str) -> bool:
    """The turn leaves the conversation's subject: it changes it ("anyway, ..."), backs off
    ("sorry, my bad"), asks for something else instead, is long enough to stand on its own, or asks
    a question of its own with a benign frame (history, protection, defence, debunking)."""
    normalised = plain(text)
    return _leaves_the_subject(normalised, bool(lx.BACK_REFERENCE.search(normalised))) or (
        _genuine_frame(normalised) and not _analyse(text).operational
    )


def _leaves_the_subject(normalised: str, back_reference: bool) -> bool:
    """A change of subject, backing off, something else instead (unless "instead" points back at
    the context), or a message long enough to stand on its own."""
    return bool(
        lx.TOPIC_SHIFT.search(normalised)
        or (lx.INSTEAD.search(normalised) and not back_reference)
        or len(normalised.split()) > FOLLOW_UP_MAX_WORDS
    )


@lru_cache(maxsize=16384)
def _threats(normalised: str, original: str, context_has_target: bool) -> tuple[tuple[str, str, int], ...]:
    return tuple(threats.assess(normalised, original, context_has_target=context_has_target))


def _names_a_person(turns: Sequence[str]) -> bool:
    return bool(turns) and threats.context_names_a_person([plain(t) for t in turns], turns)


def _raise(scores: dict[str, int], signals: list[str], category: str, severity: int) -> None:
    if severity > scores.get(category, 0):
        scores[category] = severity
        signals.append(f"context:{category}")


__all__ = ["OfflineClassifier", "changes_subject"]
