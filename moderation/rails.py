"""The output rail: a check on what the assistant says, as it streams, for every responder.

`Rail.guard(chunks)` wraps a responder's chunk stream. It reads the reply as it grows and classifies
it at check points, never per token:

- a check is due once `first_step` (then `step`) new characters have come, at the last sentence
  end before `max_step` new characters, or at `max_step` wherever the text stands (a large chunk
  is read in several checks); and once more at the end;
- each check classifies a *window*, the last `window` characters up to the check point (extended
  back to a sentence start, at most a quarter window more), not the whole text: the cost of a
  check is bounded, and a reply's cost grows linearly with its length. Consecutive windows
  overlap by at least `window - max_step` characters (240 by default), so harm written across
  the point where one check stopped is read whole by the next one, up to that length;
- text is released to the caller only once a check has passed it (the user never sees what no
  check has read); an `EndRequest` passes after the last check.

The window is judged as assistant text: what matters is whether the assistant *gives* harmful
content. The classifier was trained on users' requests, so a refusal that names what it refuses
("I can't help with making a bomb") reads like the request. Sentences that decline (in the nine
languages: `REFUSAL`) and the project's own fixed sentences (`known_sentences`: refusals,
warnings, crisis support in every language) are therefore left out of what is classified; the
rest must reach `severity` (a PolicySettings field, default 3: clearly harmful) in a category of
`RAIL_CATEGORIES` to trip, and with the default backend the lexicon must have seen the category
too, or the learned judge alone be sure of it (`supported`). The crisis categories are not among
them: a supportive reply to a person at risk talks about self-harm by design. Abuse is not
either: it means abuse aimed at the assistant.

When a check trips, the guard stops: it closes the responder's iterator (the model's stream is
cut) and yields nothing more; `rail.trip` says what fired, where, and holds the text read so far
(stored for moderators only, hidden until revealed). The caller replaces the reply with a refusal
in the user's language (moderation.services.turn.answer) and the settle stage records it.

The classifier is `settings.RAIL_CLASSIFIER_BACKEND` (default `hybrid-output`: the default backend
with the learned judge's frozen heads, hybrid.OutputHybridClassifier; local, 5-12 ms a check here:
docs/benchmarks.md).
A check whose classifier fails falls back to the lexicon (`offline`); if that fails too, the text
passes (logged: the reply is not withheld for a broken classifier).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache

from conversations.responders.base import Chunk, Delta, EndRequest
from moderation.classifiers.base import ClassifierError, Verdict
from moderation.classifiers.registry import get_classifier
from moderation.taxonomy import CRISIS_CATEGORIES, NAMES

log = logging.getLogger(__name__)

RAIL_CATEGORIES: tuple[str, ...] = tuple(name for name in NAMES if name not in CRISIS_CATEGORIES and name != "abuse")
FALLBACK_BACKEND = "offline"
DEFAULT_BACKEND = "hybrid-output"  # hybrid.OutputHybridClassifier: the default backend on assistant text

FIRST_STEP = 80  # the first check comes early: the user waits for nothing longer than that
STEP = 200  # then a check after at least this many new characters, at a sentence end
MAX_STEP = 400  # ... or after this many, wherever the text stands
WINDOW = 640  # what one check reads: the last this-many characters, from a sentence start
LEARNED_ALONE = 0.8  # the learned judge's p(category >= 2) that trips without the lexicon (`supported`)
WITHHELD_MAX_CHARS = 8000  # what is kept for moderators of a withheld reply

SENTENCE_END = re.compile(r"[.!?;:。！？\n](?=\s|$)|\n")
# A sentence that declines or points elsewhere, in the nine languages (the project's own refusals
# among them): left out of what the rail classifies. Only whole sentences of at most
# REFUSAL_MAX_CHARS go: "I can't help with that, but here is how: ..." is split at the colon.
REFUSAL_MAX_CHARS = 300
REFUSAL = re.compile(
    r"\b(?:"
    # English
    r"(?:i|we)\s*(?:can['’]?t|cannot|can\s+not|won['’]?t|will\s+not|am\s+not\s+able\s+to|'m\s+not\s+able\s+to"
    r"|am\s+unable\s+to|'m\s+unable\s+to|must\s+decline|do\s*n['’]?t|don['’]?t|never)\s+"
    r"(?:help|assist|provide|give|share|write|create|explain|describe|support|do\s+that|go\s+into|continue)"
    r"|falls\s+under|which\s+i\s+don['’]?t\s+help|i['’]?m\s+not\s+going\s+to|i\s+won['’]?t\s+respond"
    r"|i['’]?d\s+like\s+to\s+keep\s+this\s+conversation\s+respectful"
    # Spanish, Portuguese, Italian
    r"|no\s+puedo|no\s+voy\s+a|con\s+la\s+que\s+no\s+ayudo|entra\s+en\s+la\s+categor[ií]a"
    r"|n[ãa]o\s+posso|n[ãa]o\s+vou|se\s+enquadra\s+em|n[ãa]o\s+ajudo"
    r"|non\s+posso|rientra\s+nella\s+categoria|non\s+do\s+aiuto"
    # French
    r"|je\s+ne\s+(?:peux|vais|pourrai)\s+pas|rel[èe]ve\s+de\s+la\s+cat[ée]gorie|je\s+n['’]aide\s+pas"
    # German, Dutch
    r"|kann\s+ich\s+nicht|ich\s+kann\s+(?:dir\s+|ihnen\s+)?nicht|werde\s+ich\s+nicht|helfe\s+ich\s+nicht"
    r"|f[äa]llt\s+unter|kan\s+ik\s+niet|ik\s+kan\s+niet|valt\s+onder|help\s+ik\s+niet"
    # Polish, Turkish
    r"|nie\s+mog[ęe]|nie\s+pomagam|nale[żz]y\s+do\s+kategorii"
    r")"
    r"|yard[ıi]m\s+edemem|yard[ıi]mc[ıi]\s+olamam|yard[ıi]m\s+etmedi[ğg]im|kategorisine\s+giriyor",
    re.IGNORECASE,
)
SENTENCE_SPLIT = re.compile(r"(?<=[.!?;:。！？])\s+|\n+")


def sentences(text: str) -> list[str]:
    return [sentence.strip() for sentence in SENTENCE_SPLIT.split(text) if sentence.strip()]


def assistant_view(window: str) -> str:
    """What the rail classifies of a window: its sentences less those that decline, and less the
    project's own fixed sentences (`known_sentences`: they carry no harm, and the classifier,
    trained on users' requests, misreads some of their translations)."""
    known = known_sentences()
    kept = [
        sentence
        for sentence in sentences(window)
        if sentence not in known and not (len(sentence) <= REFUSAL_MAX_CHARS and REFUSAL.search(sentence))
    ]
    return " ".join(kept)


@cache
def known_sentences() -> frozenset[str]:
    """Every sentence of the assistant's fixed texts (conversations.responders.texts), in every
    shipped language, for every category label: refusals, redirections, warnings, crisis
    support, the end confirmation, the offline answers, the crisis footer, the withheld notice."""
    from django.conf import settings
    from django.utils.translation import override

    from conversations.responders import texts

    labels = (None, *texts.CATEGORY_LABELS)
    found: set[str] = set()
    for language, _name in settings.LANGUAGES:
        with override(language):
            fixed = [texts.offline_answer(), texts.cautious_answer(), texts.confirm_end(), texts.withheld()]
            fixed += [texts.crisis_footer(), texts.unavailable(), *texts.confirm_end_answers().values()]
            for label in labels:
                for action in (texts.refuse, texts.redirect, texts.warn, texts.crisis_support):
                    fixed.append(action(category_label=label))
        for text in fixed:
            found.update(sentences(text))
    return frozenset(found)


@dataclass(frozen=True)
class Trip:
    """What the rail saw when it stopped a reply. `offset`: characters of the reply read when it
    tripped (the end of the window); `shown`: characters released to the user before it."""

    category: str
    severity: int
    scores: dict
    signals: tuple[str, ...]
    backend: str
    version: str
    offset: int
    window_start: int
    shown: int
    checks: int
    withheld: str  # the reply as read so far (moderators only)


@dataclass
class Rail:
    """One reply's check. `severity`: the lowest that trips (1-4); `enabled`: False passes
    everything through unread. Use once per reply."""

    severity: int = 3
    enabled: bool = True
    backend: str = ""  # "" = settings.RAIL_CLASSIFIER_BACKEND
    categories: tuple[str, ...] = RAIL_CATEGORIES
    first_step: int = FIRST_STEP
    step: int = STEP
    max_step: int = MAX_STEP
    window: int = WINDOW
    trip: Trip | None = None
    checks: int = 0
    classify_seconds: float = 0.0
    text: str = field(default="", repr=False)
    checked: int = 0  # characters up to which the last check read
    released: int = 0  # characters yielded to the caller

    @classmethod
    def for_policy(cls, settings_) -> Rail:
        """The rail the active policy asks for (`rail_severity`; 0 turns it off)."""
        severity = int(getattr(settings_, "rail_severity", 3))
        return cls(severity=severity or 4, enabled=severity > 0)

    def guard(self, chunks: Iterator[Chunk]) -> Iterator[Chunk]:
        """Yield `chunks` with text held back until checked; stop (closing `chunks`) on a trip."""
        source = iter(chunks)
        ends: list[EndRequest] = []  # passed on after the text they came with has been checked
        try:
            for chunk in source:
                if not self.enabled:
                    yield chunk
                    continue
                if isinstance(chunk, EndRequest):
                    ends.append(chunk)
                    continue
                self.text += chunk.text
                while (cut := self.due()) is not None:
                    if self.check(cut):
                        return
                    yield from self.release()
            if self.enabled and len(self.text) > self.checked:
                if self.check(len(self.text)):
                    return
                yield from self.release()
            yield from ends
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    def due(self) -> int | None:
        """Where the next check should read up to, if one is due now: the last sentence end between
        `least` and `max_step` characters past the last check, else `max_step` past it once the
        text is that long. Never further, so a large chunk is read in several checks."""
        unchecked = len(self.text) - self.checked
        least = self.first_step if self.checks == 0 else self.step
        if unchecked < least:
            return None
        most = self.checked + max(self.max_step, least)
        ends = [m.end() for m in SENTENCE_END.finditer(self.text, self.checked + least, min(len(self.text), most))]
        if ends:
            return ends[-1]
        return most if len(self.text) >= most else None

    def release(self) -> Iterator[Delta]:
        if self.checked > self.released:
            text, self.released = self.text[self.released : self.checked], self.checked
            yield Delta(text)

    def window_start(self, end: int) -> int:
        """The last `window` characters up to `end`, extended back to the sentence start before
        them (at most a quarter window more): never shorter, so the overlap holds."""
        start = max(0, end - self.window)
        if start == 0:
            return 0
        ends = [m.end() for m in SENTENCE_END.finditer(self.text, max(0, start - self.window // 4), start)]
        return ends[-1] if ends else start

    def check(self, end: int) -> bool:
        """Classify the window ending at `end`; True (and `trip` set) when it trips."""
        start = self.window_start(end)
        self.checked = end
        self.checks += 1
        view = assistant_view(self.text[start:end])
        if not view.strip():
            return False
        verdict = self.verdict(view)
        if verdict is None:
            return False
        hits = {
            name: sev
            for name, sev in verdict.scores.items()
            if name in self.categories and sev >= self.severity and supported(verdict, name)
        }
        if not hits:
            return False
        category = max(hits, key=lambda name: hits[name])
        self.trip = Trip(
            category=category,
            severity=hits[category],
            scores=dict(verdict.scores),
            signals=tuple(verdict.signals)[:20],
            backend=verdict.backend,
            version=verdict.version,
            offset=end,
            window_start=start,
            shown=self.released,
            checks=self.checks,
            withheld=self.text[:end][:WITHHELD_MAX_CHARS],
        )
        return True

    def verdict(self, text: str) -> Verdict | None:
        started = time.perf_counter()
        backend = self.backend or rail_backend()
        try:
            try:
                return get_classifier(backend).classify(text)
            except ClassifierError:
                if backend == FALLBACK_BACKEND:
                    raise
                log.warning("rail classifier %s failed; falling back to %s", backend, FALLBACK_BACKEND)
                return get_classifier(FALLBACK_BACKEND).classify(text)
        except ClassifierError:
            log.exception("rail classifiers failed: the text passes unchecked")
            return None
        finally:
            self.classify_seconds += time.perf_counter() - started


def supported(verdict: Verdict, category: str) -> bool:
    """A hybrid verdict's category counts for the rail when the lexicon saw it too (any severity)
    or the learned judge alone is sure (`LEARNED_ALONE`): on assistant text, which it was not
    trained on, the learned judge alone sometimes reads harm into plain prose ("when you look at
    tide pools" at p 0.72). Other backends' verdicts stand as they are."""
    extra = verdict.extra or {}
    probabilities, lexicon = extra.get("p"), extra.get("offline")
    if not isinstance(probabilities, Mapping) or not isinstance(lexicon, Mapping):
        return True
    if lexicon.get("scores", {}).get(category, 0) >= 1:
        return True
    return float(probabilities.get(category, 0.0)) >= LEARNED_ALONE


def rail_backend() -> str:
    from django.conf import settings

    return getattr(settings, "RAIL_CLASSIFIER_BACKEND", DEFAULT_BACKEND) or DEFAULT_BACKEND
