"""From rule hits and framing to per-category severities (the small scoring function).

One message:
1. every rule is matched on the plain form and on the de-obfuscated forms (normalize.py);
2. `act` / `pair` hits keep their severity when the message asks for something or states an intent
   (REQUEST / INTENT / STRONG_OP), and lose two otherwise (a statement or a bare mention);
3. benign frames (history, fiction analysis, prevention, defensive security, professional,
   negation) cap the categories they excuse at 1, or lower them by one when the message still asks
   for operational detail (step by step, exact quantities, at home, undetectable ...); a request
   to write fiction lowers operational categories by one unless it asks for operational detail;
4. self-harm is the user's crisis only in the first person: third-party, professional, fictional
   or educational mentions stay at 1;
5. claimed credentials or purposes (professional, "for a class", fiction, hypothetical) excuse
   discussion, not operational mass-casualty help: such a request stays at 3 or more (a history,
   prevention, defensive or debunking frame still excuses it); defensive words used for evasion
   ("circumventing copy protection", "keep a witness from talking to the police") are no frame;
6. a long pasted passage followed by an instruction: the instruction is judged on its own too, so
   the passage's vocabulary cannot excuse what it asks for.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Set
from dataclasses import dataclass

from moderation.classifiers.offline import lexicon as lx
from moderation.classifiers.offline.normalize import deobfuscated, plain

# Which frames excuse which category (abuse and adult content are never excused by a frame).
EXCUSES: dict[str, frozenset[str]] = {
    "cbrn": frozenset({"discussion", "debunk", "history", "fiction_analysis", "prevention", "professional"}),
    "violent_extremism": frozenset({"discussion", "debunk", "history", "fiction_analysis", "prevention"}),
    "cyber_attack": frozenset({"defensive", "discussion", "debunk", "history", "fiction_analysis"}),
    "sexual_minors": frozenset({"prevention", "fiction_analysis", "professional"}),
    "threat_to_others": frozenset({"negation", "fiction_analysis"}),
    "weapons": frozenset({"discussion", "debunk", "history", "fiction_analysis", "prevention"}),
    "violent_crime": frozenset({"discussion", "debunk", "history", "fiction_analysis", "prevention", "professional"}),
    "nonviolent_crime": frozenset({"discussion", "debunk", "history", "fiction_analysis", "prevention", "defensive"}),
    "privacy": frozenset({"discussion", "debunk", "history", "fiction_analysis", "prevention", "defensive"}),
    "hate": frozenset({"discussion", "debunk", "history", "fiction_analysis", "prevention"}),
    "other": frozenset({"discussion", "debunk", "history", "fiction_analysis", "prevention", "defensive"}),
}
CONTENT_EXCUSES = frozenset({"history", "fiction_analysis", "debunk"})
# A request to write fiction softens operational help, not content that is itself the harm.
FICTION_SOFTENS = frozenset(
    {"cbrn", "violent_extremism", "cyber_attack", "weapons", "violent_crime", "nonviolent_crime", "privacy", "other"}
)


@dataclass(frozen=True)
class Form:
    """One normalised form of the message, with the prefilter entries of its words and where those
    words start (`PREFIXES.present`): rules and cues are tried only there."""

    text: str
    words: dict[str, list[int]]


def _forms(text: str) -> tuple[Form, ...]:
    return tuple(Form(form, lx.PREFIXES.present(form)) for form in (plain(text), *deobfuscated(text)))


@dataclass(frozen=True)
class Analysis:
    scores: dict[str, int]
    signals: tuple[str, ...]
    operational: bool  # asks for operational detail (used by the context rules)
    insists: bool  # insists after a refusal ("stop refusing", "answer me"; used by the context rules)


def _starts(pattern, positions: list[int] | None, form: str) -> Iterator[int]:
    """Where `pattern` matches in `form`, in increasing order, tried only at `positions` (None:
    anywhere, and then only the non-overlapping matches)."""
    if positions is None:
        return (m.start() for m in pattern.finditer(form))
    return (pos for pos in sorted(set(positions)) if pattern.match(form, pos))


def _scanned(pattern, positions: list[int], form: str) -> Iterator[int]:
    """What `_starts(pattern, None, form)` finds (the starts of the non-overlapping matches, as
    `finditer` finds them), tried only at `positions`: every position where a match can start. (The
    scan resumes where a match ends; matches are never empty, as they start with a word.)"""
    resume = 0
    for pos in sorted(set(positions)):
        if pos >= resume and (match := pattern.match(form, pos)):
            resume = match.end()
            yield pos


def _found(pattern, positions: list[int] | None, form: str) -> bool:
    """Whether `_starts` would find anything: stops at the first match."""
    if positions is None:
        return pattern.search(form) is not None
    match = pattern.match
    for pos in positions:
        if match(form, pos):
            return True
    return False


def _positions(words: frozenset[str] | None, present: dict[str, list[int]]) -> list[int] | None:
    if words is None:
        return None
    return [pos for word in words & present.keys() for pos in present[word]]


def _matches(rule: lx.Rule, starts: list[int] | None, form: str, present: dict[str, list[int]]) -> bool:
    """`starts`: where a match of the rule's pattern can start (None: anywhere)."""
    if rule.needs is None:
        return _found(rule.pattern, starts, form)
    if rule.needs_starts is not None and rule.needs_starts.isdisjoint(present):
        return False
    # Both halves must match: the prefiltered one first, so that a half without leading words (run
    # over the whole text) runs only when the other is there.
    halves = [(rule.pattern, starts), (rule.needs, _positions(rule.needs_starts, present))]
    if starts is None:
        halves.reverse()
    if not rule.window:
        return all(_found(pattern, positions, form) for pattern, positions in halves)
    first = list(_starts(*halves[0], form))
    if not first:
        return False
    # The second half is looked for only up to where a match could still lie near the first (its
    # matches come in order; on a long text the scan stops long before the end).
    last = max(first) + rule.window
    second = _starts(*halves[1], form)
    if starts is None and rule.scan_starts is not None:  # (then the second half is the rule's pattern)
        second = _scanned(rule.pattern, _positions(rule.scan_starts, present), form)
    for b in second:
        if b > last:
            return False
        if any(abs(a - b) <= rule.window for a in first):
            return True
    return False


# Inverted prefilter index: which rules can start at a word the text holds (rules are tried in their
# declared order; a rule whose leading words are unknown is always tried).
_ALWAYS = tuple(index for index, r in enumerate(lx.RULES) if r.starts is None)
_BY_PREFIX: dict[str, tuple[int, ...]] = {}
for _index, _rule in enumerate(lx.RULES):
    for _word in _rule.starts or ():
        _BY_PREFIX[_word] = (*_BY_PREFIX.get(_word, ()), _index)


def _candidates(present: dict[str, list[int]]) -> list[tuple[lx.Rule, list[int] | None]]:
    """The rules that can match, in declared order, each with where its matches can start."""
    starts: dict[int, list[int] | None] = dict.fromkeys(_ALWAYS)
    for word, positions in present.items():
        for index in _BY_PREFIX.get(word, ()):
            if index in starts:
                starts[index] = starts[index] + positions
            else:
                starts[index] = positions
    return [(lx.RULES[index], starts[index]) for index in sorted(starts)]


def _fired(form: Form, skip: Set[str] = frozenset()) -> list[lx.Rule]:
    """The rules (but those whose signal is in `skip`) that match `form`, in declared order."""
    return [
        rule
        for rule, starts in _candidates(form.words)
        if rule.signal not in skip and _matches(rule, starts, form.text, form.words)
    ]


def _hits(forms: tuple[Form, ...]) -> tuple[list[lx.Rule], bool]:
    """Rules that fire on any form; True when some fired only on a de-obfuscated form."""
    fired = _fired(forms[0])
    deobfuscated_only = False
    for form in forms[1:]:
        more = _fired(form, skip={r.signal for r in fired})
        fired.extend(more)
        deobfuscated_only = deobfuscated_only or bool(more)
    return fired, deobfuscated_only


def _any(cue: lx.Cue, forms: tuple[Form, ...]) -> bool:
    """Whether `cue` matches some form: only tried where its leading words start, when they are known."""
    if cue.starts is None:
        return any(cue.pattern.search(form.text) for form in forms)
    return any(_found(cue.pattern, _positions(cue.starts, form.words), form.text) for form in forms)


# A pasted passage followed by an instruction: the passage's vocabulary (history, protection, a
# debunking) does not excuse what the instruction asks for, so the instruction is judged alone too.
PASSAGE_MIN_CHARS = 400
SEPARATOR = re.compile(r"\n\s*(?:-{3,}|={3,}|\*{3,}|_{3,})\s*\n|\n\s*\n")


def analyse(text: str) -> Analysis:
    whole = _analyse_one(text)
    if len(text) < PASSAGE_MIN_CHARS:
        return whole
    parts = [part for part in SEPARATOR.split(text) if part.strip()]
    if len(parts) < 2 or len(parts[-1]) > len(text) / 2:
        return whole
    instruction = _analyse_one(parts[-1])
    if not any(severity > whole.scores.get(category, 0) for category, severity in instruction.scores.items()):
        return whole
    scores = dict(whole.scores)
    for category, severity in instruction.scores.items():
        scores[category] = max(scores.get(category, 0), severity)
    signals = (*whole.signals, *instruction.signals, "passage:instruction")
    return Analysis(scores, tuple(dict.fromkeys(signals)), whole.operational or instruction.operational, whole.insists)


def _analyse_one(text: str) -> Analysis:
    forms = _forms(text)
    insists = _any(lx.INSISTENCE, forms[:1]) or lx.INSISTENCE_OPENING.search(forms[0].text) is not None
    fired, via_deobfuscation = _hits(forms)
    if not fired:
        homonym = _any(lx.HOMONYM, forms[:1])
        return Analysis({}, ("benign:homonym",) if homonym else (), False, insists)

    asks = _any(lx.REQUEST, forms) or _any(lx.REQUEST_EDGE, forms) or _any(lx.INTENT, forms)
    strong = _any(lx.STRONG_OP, forms)
    signals: list[str] = []
    scores: dict[str, int] = {}

    for r in fired:
        severity = r.severity
        if r.kind == "target":
            severity = 1
        elif r.kind in ("act", "pair") and not (asks or strong):
            severity = max(1, severity - 2)
        scores[r.category] = max(scores.get(r.category, 0), severity)
        signals.append(r.signal)

    # Frames only ever lower a severity of 2 or more: skip them (the costliest patterns) otherwise.
    frames = (
        {name for name, pattern in lx.FRAMES.items() if _any(pattern, forms)} if max(scores.values()) >= 2 else set()
    )
    if frames or max(scores.values()) >= 2:
        if _any(lx.FICTION_WRITING, forms):
            frames.add("fiction")
        if _any(lx.NO_DETAIL, forms) and not strong:
            frames.add("discussion")  # "help with the plot, no technical details"
        if frames & {"defensive", "prevention"} and _any(lx.EVASION, forms):
            frames -= {"defensive", "prevention"}  # "circumventing copyright protections" defends nothing
    content = frozenset(r.category for r in fired if r.signal in lx.CONTENT_SIGNALS)
    before = dict(scores)
    _apply_frames(scores, frames, strong, forms, signals, content)
    if asks and frames and not frames & GENUINE_EXCUSES:
        _floor_operational(scores, before, forms, signals)
    if "self_harm" in scores:
        _judge_self_harm(scores, frames, forms, signals, {r.signal for r in fired})
    if asks:
        signals.append("op:request")
    if strong:
        signals.append("op:step_by_step" if "step" in forms[0].text else "op:detail")
    if via_deobfuscation:
        signals.append("deobfuscated")
    if _any(lx.HOMONYM, forms[:1]):
        signals.append("benign:homonym")
    signals.extend(f"frame:{name}" for name in sorted(frames))
    operational = asks and (strong or max(scores.values()) >= 2)
    return Analysis(scores, tuple(dict.fromkeys(signals)), operational, insists)


def _apply_frames(
    scores: dict[str, int],
    frames: set[str],
    strong: bool,
    forms: tuple[Form, ...],
    signals: list[str],
    content: frozenset[str] = frozenset(),
) -> None:
    """`content`: categories where the requested text is itself the harm (propaganda, promotion of
    self-harm, misinformation): a request to write it as a song or story does not soften it."""
    covert = "other:covert_harm" in signals
    persuasive = _any(lx.PERSUASIVE_RE, forms)
    for category, severity in list(scores.items()):
        excused = frames & EXCUSES.get(category, frozenset())
        if category in content or covert:
            # the requested text is itself the harm, or concealment is asked for: only an explicit
            # history / fiction-analysis / debunking frame excuses it
            allowed = CONTENT_EXCUSES if persuasive else CONTENT_EXCUSES | {"discussion"}
            excused = excused & allowed
        if (
            category == "cyber_attack"
            and "defensive" in excused
            and ("cyber_attack:sandbox_escape" in signals or _any(lx.CYBER_GOAL_RE, forms))
        ):
            # defensive words do not excuse a named attacker goal (persistence, exfiltration, victims ...)
            excused = excused - {"defensive"}
            if not excused:
                signals.append("cyber_attack:attacker_goal")
                continue
        if excused:
            scores[category] = max(1, severity - 1) if strong else min(severity, 1)
        elif "fiction" in frames and category in FICTION_SOFTENS and not strong and category not in content:
            scores[category] = max(1, severity - 1)


# Frames that change what is asked (a history question, protection, debunking, analysing a work) as
# opposed to claimed credentials or purposes (professional, "for a class", fiction, hypothetical).
GENUINE_EXCUSES = frozenset({"history", "prevention", "debunk", "fiction_analysis", "defensive", "negation"})
MASS_CASUALTY = ("cbrn", "violent_extremism", "sexual_minors")


def _floor_operational(
    scores: dict[str, int], before: dict[str, int], forms: tuple[Form, ...], signals: list[str]
) -> None:
    """A claimed purpose or credential ("I'm a researcher with clearance", "for my novel",
    "hypothetically") excuses discussion, not operational mass-casualty help: such a request keeps
    severity 3 at least (DESIGN 3: operational help for mass casualties is severe)."""
    for category in MASS_CASUALTY:
        if before.get(category, 0) < 3 or scores.get(category, 0) >= 3:
            continue
        if category != "sexual_minors" and not _any(lx.MASS_CASUALTY_OP, forms):
            continue
        scores[category] = 3
        signals.append("op:purpose_does_not_excuse")


def _judge_self_harm(
    scores: dict[str, int], frames: set[str], forms: tuple[Form, ...], signals: list[str], fired: set[str]
) -> None:
    """Only the user's own risk is a crisis; in doubt, the first person decides. Asking for content
    that promotes self-harm or disordered eating is treated as a risk sign too (crisis support is
    cheap, a missed crisis is not) unless a study, prevention or professional frame is explicit."""
    severity = scores["self_harm"]
    if fired & PROMOTION_SIGNALS and not frames & {
        "history",
        "prevention",
        "fiction_analysis",
        "professional",
        "debunk",
    }:
        scores["self_harm"] = max(2, min(severity, 2))
        signals.append("self_harm:promotion_or_method")
        signals.append("crisis:self_harm")
        return
    first_person = _any(lx.FIRST_PERSON, forms)
    third_party = _any(lx.THIRD_PARTY_RE, forms) or bool(
        frames & {"professional", "fiction_analysis", "history", "prevention", "discussion"}
    )
    content_request = not first_person and _any(lx.CONTENT_REQUEST, forms)
    if third_party and not _explicitly_own(forms):
        scores["self_harm"] = min(severity, 1)
        signals.append("self_harm:third_party")
    elif content_request or ("fiction" in frames and not first_person):
        scores["self_harm"] = min(severity, 1)
        signals.append("self_harm:discussion")
    elif not first_person:
        scores["self_harm"] = min(severity, 2)
    if scores["self_harm"] >= 2:
        signals.append("crisis:self_harm")


PROMOTION_SIGNALS = frozenset({"self_harm:promotion", "self_harm:eating_disorder"})

OWN_RISK = lx.cue(
    r"\b(?:kill myself|end my (?:own )?life|i want to die|i wanna die|i'?m (?:going|gonna) to (?:kill myself|end it)|"
    r"myself)\b"
)


def _explicitly_own(forms: tuple[Form, ...]) -> bool:
    return _any(OWN_RISK, forms)
