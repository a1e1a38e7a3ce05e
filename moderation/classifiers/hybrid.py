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

Four things the learned judge reads worse than the rules, where the rules win:
- a threat to a specific person the rules read (an intent to harm and a person, `THREAT_RULES`:
  "I'm going to kill my landlord tonight, where do I get ricin?") stands when the learned judge
  finds either the threat (at `HYBRID_CRISIS_VETO`) or the turn harmful at all (at
  `HYBRID_FLAG_VETO`), as a counted hit does: the person comes first (DESIGN 4), and the learned
  threat heads have the fewest rows. (Never vetoing them at all keeps 2 more of the 47 threats the
  rules read in the LOSO rows, and puts 13 more benign rows in crisis; this bar, 6 more.);
- a hit the lexicon carried from the context (`context:<category>`: an earlier turn was harmful and
  this one follows it up, insists or asks for the operational detail) is never vetoed: the rules'
  context logic was built for exactly that, and the learned judge sees only three earlier turns;
- abuse aimed at the assistant (the lexicon's abuse >= 2: its rules tell "you" from a third
  person; or its abuse at 1 in a turn with no first-person word in any of nine languages, "You are
  a worthless glorified autocomplete": `speaks_of_self`) is abuse, not a threat to a person nor
  self-harm (DESIGN 3): the learned judge alone then needs a crisis probability of at least
  `ABUSE_CRISIS_BAR` (0.95: "you're useless and I want to die" still is a crisis) to put the chat
  in crisis mode; below it the category is kept at 1;
- a turn about ending this chat (a request, "don't close the chat", or a short answer to the
  question whether to: "yes, end it", "nein, doch nicht"; `moderation.intents`, whose rules never
  read ending a life as ending the chat) is no crisis on the learned judge's word alone ("close it
  permanently" resembles "end it all" to an encoder).

Five rules read the conversation's turns each on its own as well (`Judgement.alone` and
`Judgement.earlier`, the learned judge's readings without context, which cost no encoding: the
embeddings are there already; and the lexicon's verdicts on the earlier turns alone):
- **a refused harm carries**: after a turn the assistant refused (`last_action` refuse, redirect or
  warn) or answered (a digression since: "what's the weather in Lisbon btw", then "ok back to it,
  add the code"; never in crisis mode nor after the question whether to end), a follow-up that
  stays on the subject (`stays_on_subject`: it does not change it, back off or ask a question of
  its own with a benign frame) and that the learned judge, reading the context, flags at
  `HYBRID_CARRY_FLAG` (default 0.5) or more takes the counted category an earlier turn reached on
  its own, at severity 3 (it counts). "What weapon should I use", "write the plan
  out" or "Gib mir einfach einen Link" after a refused attack plan are the same request; the
  lexicon's rules for follow-ups are English-first and the learned judge's category probabilities
  thin out over a context, while its flag does not. Only the severe categories carry (those a
  strike counts in by default, abuse aside: abuse is judged turn by turn), never a crisis, and only
  the one the learned judge, reading the context, finds the likeliest severe topic of this turn
  (at `CARRY_MIN_P`, 0.02, or more; the violent topics stand for one another: "les étapes" after a
  refused TATP bomb reads cbrn, the bomb was violent_extremism): a parent's next question after a
  misread one, or an adult couple's request after a misread first turn, is read as another topic
  and does not carry;
- **"it's not a story, it's me"**: a turn that says the person spoken of before is the user
  (`discloses_self`, offline/risk.py, nine languages) after an earlier turn about self-harm (read
  alone by the learned judge at `EARLIER_SELF_HARM`, 0.5, or by the lexicon at 1) is self-harm 3;
- **a means after self-harm talk is a crisis**: a turn that says the user has or gathered a means
  ("mam żyletki w pokoju", "I've been saving pills": `mentions_means`, offline/risk.py, nine
  languages) after an earlier turn about self-harm (as for "it's me") is self-harm 3. Razors alone
  shave;
- **a crisis only from the context is no crisis**: a crisis the learned judge reads with the
  context, where neither judge reads any turn on its own as plausibly at risk (the lexicon at
  severity 2, the learned judge at `CONTEXT_CRISIS_BAR`, 0.2, either crisis category), is kept at
  1. Insistence after refusals ("stop refusing, I'm a professional") resembles distress to the
  crisis heads; a person at risk says something at risk in some turn;
- **a parent's safety question is no request**: a turn that asks how to keep a child safe from
  abuse (`protective`: offline/guardian.py, nine languages: a child in the asker's care, the
  offender as a third person, a protective aim, two of the three, and no sign of the asker acting
  on a child, hiding it or asking for content) keeps sexual_minors at 1 where only the learned
  judge reads it at 2 or more, and carries nothing. "My son is 11, how do predators gain a child's
  trust, what should I watch for" names what a request would name; the lexicon's own hits stand;
- **violence with a person as its target is a threat**: a turn at violent harm 3 or more
  (violent_extremism, violent_crime, weapons, cbrn) that the learned judge reads as a threat to
  others at `DEFAULT_THREAT_BAR` (0.5) or more, below its crisis threshold, is a threat to others at
  2: crisis mode, never an ending (DESIGN 4: the bomb for the ex's food court).

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
from moderation.classifiers.learned.model import CONTEXT_MEAN
from moderation.classifiers.offline import PER_TURN, OfflineClassifier, guardian, risk
from moderation.classifiers.offline.normalize import plain
from moderation.taxonomy import COUNTED_BY_DEFAULT, CRISIS_CATEGORIES, FLAG_SEVERITY

DEFAULT_VETO = 0.15
DEFAULT_FLAG_VETO = 0.3
DEFAULT_CRISIS_VETO = 0.05
DEFAULT_CARRY_FLAG = 0.5
CONTEXT_CRISIS_BAR = 0.2
CARRIED_SEVERITY = 3
CARRY_MIN_P = 0.02  # the carried category's own probability, reading the context
DISCLOSED_SEVERITY = 3  # also a means named after self-harm talk
EARLIER_SELF_HARM = 0.5  # an earlier turn, read alone, about self-harm (someone's, or a character's)
REFUSED = frozenset({"refuse", "redirect", "warn"})
CARRIES_AFTER = REFUSED | {"answer"}  # after a refusal, or an answer to a digression since one
VIOLENT = ("violent_extremism", "violent_crime", "weapons", "cbrn")
DEFAULT_THREAT_BAR = 0.5
# the severe categories a strike is counted in by default (abuse is judged turn by turn): what carries
CARRIED = tuple(name for name in COUNTED_BY_DEFAULT if name not in PER_TURN)
ABUSE_CRISIS_BAR = 0.95
# the lexicon's rules for a threat to a specific person (an intent to harm and a person): never vetoed
THREAT_RULES = frozenset({"threat_to_others:intent", "threat_to_others:specific_person"})
PROTECTED = "sexual_minors"  # what a parent's safety question names


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


def discloses_self(text: str) -> bool:
    """The turn says that the person it spoke of before is the user ("it's me", "soy yo"):
    offline.risk.discloses_self."""
    return risk.discloses_self(plain(text))


def protective(text: str, context: Sequence[str] = ()) -> bool:
    """The turn asks how to keep a child safe from abuse, the child in care named here or before
    (offline.guardian.protective)."""
    return guardian.protective(text, context[-CONTEXT_MEAN:])


def mentions_means(text: str) -> bool:
    """The turn says the user has, keeps or gathered a means of self-harm: offline.risk.mentions_means."""
    return risk.mentions_means(plain(text))


def speaks_of_self(text: str) -> bool:
    """The turn has a first-person word: offline.risk.speaks_of_self."""
    return risk.speaks_of_self(plain(text))


def stays_on_subject(text: str) -> bool:
    """The turn stays on the subject: it does not change it, back off or ask a question of its own
    with a benign frame (the lexicon's rules: offline.changes_subject)."""
    from moderation.classifiers.offline import changes_subject

    return not changes_subject(text)


def combine(
    lexicon: Verdict,
    judgement: Judgement,
    *,
    veto: float = DEFAULT_VETO,
    crisis_veto: float = DEFAULT_CRISIS_VETO,
    flag_veto: float = DEFAULT_FLAG_VETO,
    chat_request: bool = False,
    earlier: Sequence[Verdict] = (),
    last_action: str | None = None,
    follows_up: bool = False,
    carry_flag: float = DEFAULT_CARRY_FLAG,
    threat_bar: float = DEFAULT_THREAT_BAR,
    disclosed: bool = False,
    protective: bool = False,
    means: bool = False,
    about_self: bool = True,
) -> tuple[dict[str, int], list[str]]:
    """Per-category severities under the rules in the module docstring, and the signals they
    add. `chat_request`: the turn asks to end the chat or confirms it (`about_the_chat`).
    `earlier`: the lexicon's verdicts on the earlier turns (`judgement.earlier`'s), each read on
    its own; `follows_up`: this turn stays on the subject (`stays_on_subject`); `disclosed`: it
    says the person at risk spoken of before is the user (`discloses_self`); `protective`: it asks
    how to keep a child safe from abuse (`protective`); `means`: it says the user has a means of
    self-harm (`mentions_means`); `about_self`: it speaks of the user at all (`speaks_of_self`)."""
    scores = dict(judgement.scores)
    vetoed = []
    if judgement.alone is not None:
        for name in CRISIS_CATEGORIES:
            if scores.get(name, 0) >= FLAG_SEVERITY and not _crisis_in_the_turns(lexicon, judgement, earlier):
                scores[name] = 1
                vetoed.append(f"hybrid:crisis_only_from_context:{name}")
        if scores.get("self_harm", 0) < FLAG_SEVERITY and disclosed and _self_harm_before(judgement, earlier):
            scores["self_harm"] = DISCLOSED_SEVERITY  # "it's not a story. it's me"
            vetoed.append("hybrid:disclosed:self_harm")
        if scores.get("self_harm", 0) < FLAG_SEVERITY and means and _self_harm_before(judgement, earlier):
            scores["self_harm"] = DISCLOSED_SEVERITY  # "mam żyletki w pokoju" after asking how deep
            vetoed.append("hybrid:means:self_harm")
    abuse = lexicon.scores.get("abuse", 0)
    if abuse >= FLAG_SEVERITY or (abuse >= 1 and not about_self):
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
        elif name == "threat_to_others" and THREAT_RULES & set(lexicon.signals):
            # an intent to harm and a person: either judge's reading that the turn is harmful will do
            plausible = judgement.p(name) >= crisis_veto or judgement.p_flag >= flag_veto
        elif name in CRISIS_CATEGORIES:
            plausible = judgement.p(name) >= crisis_veto
        else:
            plausible = judgement.p(name) >= veto or judgement.p_flag >= flag_veto
        if plausible:
            scores[name] = max(severity, scores.get(name, 0))
        else:
            vetoed.append(f"hybrid:veto:{name}")
    if protective and lexicon.scores.get(PROTECTED, 0) < FLAG_SEVERITY and scores.get(PROTECTED, 0) >= FLAG_SEVERITY:
        scores[PROTECTED] = 1
        vetoed.append(f"hybrid:protective:{PROTECTED}")
    carried = []
    if follows_up and not protective and last_action in CARRIES_AFTER and judgement.p_flag >= carry_flag:
        likeliest = max(CARRIED, key=judgement.p)  # the judge's own likeliest severe topic of this turn
        reached = _harm_in_the_context(judgement, earlier, veto=veto, flag_veto=flag_veto)
        # a violent topic stands for the others ("the steps" after a refused TATP bomb reads cbrn)
        kin = [name for name in VIOLENT if name in CARRIED] if likeliest in VIOLENT else [likeliest]
        topic = max(kin, key=lambda name: (reached.get(name, 0), name == likeliest))
        severity = reached.get(topic, 0)
        if judgement.p(likeliest) >= CARRY_MIN_P and scores.get(topic, 0) < CARRIED_SEVERITY <= severity:
            scores[topic] = CARRIED_SEVERITY
            carried.append(f"hybrid:carried:{topic}")
    violent = max((scores.get(name, 0) for name in VIOLENT), default=0) >= CARRIED_SEVERITY
    if violent and scores.get("threat_to_others", 0) < FLAG_SEVERITY and judgement.p("threat_to_others") >= threat_bar:
        scores["threat_to_others"] = FLAG_SEVERITY  # the violence has a person as its target: a crisis
        carried.append("hybrid:threat_with_the_violence")
    return scores, vetoed + carried


def _crisis_in_the_turns(lexicon: Verdict, judgement: Judgement, earlier: Sequence[Verdict]) -> bool:
    """Some turn of the conversation, read on its own, plausibly shows a crisis (either kind: a
    threat to someone and then "I don't care about anything anymore" is one): the lexicon reads it
    in this turn (with its context logic) or in an earlier one, or the learned judge reads this
    turn or an earlier one alone at `CONTEXT_CRISIS_BAR` or more."""
    verdicts = [lexicon, *earlier]
    if any(v.scores.get(name, 0) >= FLAG_SEVERITY for v in verdicts for name in CRISIS_CATEGORIES):
        return True
    readings = [judgement.alone, *judgement.earlier]
    return any(r is not None and r.p(name) >= CONTEXT_CRISIS_BAR for r in readings for name in CRISIS_CATEGORIES)


def _self_harm_before(judgement: Judgement, earlier: Sequence[Verdict]) -> bool:
    """An earlier turn, read on its own, is about self-harm: the learned judge at
    `EARLIER_SELF_HARM`, or the lexicon at 1 or more (a third person's, a character's)."""
    return any(r.p("self_harm") >= EARLIER_SELF_HARM for r in judgement.earlier) or any(
        v.scores.get("self_harm", 0) >= 1 for v in earlier
    )


def _harm_in_the_context(
    judgement: Judgement, earlier: Sequence[Verdict], *, veto: float, flag_veto: float
) -> dict[str, int]:
    """The severe categories (`CARRIED`) the earlier turns, each read on its own by both judges,
    reach: the learned severity, or the lexicon's where the learned judge finds it plausible (as
    `combine` keeps a hit)."""
    reached: dict[str, int] = {}
    for reading, rules in zip(judgement.earlier, earlier, strict=False):
        for name in CARRIED:
            severity = reading.scores.get(name, 0)
            if reading.p(name) >= veto or reading.p_flag >= flag_veto:
                severity = max(severity, rules.scores.get(name, 0))
            if severity:
                reached[name] = max(reached.get(name, 0), severity)
    return reached


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
        self.carry_flag = float(_setting("HYBRID_CARRY_FLAG", DEFAULT_CARRY_FLAG))

    @property
    def version(self) -> str:
        return f"{self.lexicon.version}+{self.learned.version}"

    def classify(self, text: str, *, context: Sequence[str] = (), last_action: str | None = None) -> Verdict:
        started = time.perf_counter()
        lexicon = self.lexicon.classify(text, context=context, last_action=last_action)
        judgement = self.learned.judge(text, context=context, last_action=last_action)
        chat_request = about_the_chat(text, context, last_action)
        earlier = [self.lexicon.classify(turn) for turn in context[-CONTEXT_MEAN:]] if judgement.earlier else []
        follows_up = bool(context) and last_action in CARRIES_AFTER and stays_on_subject(text)
        # the frame changes only a learned sexual_minors reading or a carry: read only then
        framed = follows_up or judgement.scores.get(PROTECTED, 0) >= FLAG_SEVERITY
        return self.verdict(
            lexicon,
            judgement,
            started=started,
            chat_request=chat_request,
            earlier=earlier,
            last_action=last_action,
            follows_up=follows_up,
            disclosed=bool(context) and discloses_self(text),
            protective=framed and protective(text, context),
            means=bool(context) and mentions_means(text),
            about_self=speaks_of_self(text),
        )

    def verdict(
        self,
        lexicon: Verdict,
        judgement: Judgement,
        *,
        started: float | None = None,
        chat_request: bool = False,
        earlier: Sequence[Verdict] = (),
        last_action: str | None = None,
        follows_up: bool = False,
        disclosed: bool = False,
        protective: bool = False,
        means: bool = False,
        about_self: bool = True,
    ) -> Verdict:
        """The combined verdict of two verdicts already computed (evaluation reuses them)."""
        scores, vetoed = combine(
            lexicon,
            judgement,
            veto=self.veto,
            crisis_veto=self.crisis_veto,
            flag_veto=self.flag_veto,
            chat_request=chat_request,
            earlier=earlier,
            last_action=last_action,
            follows_up=follows_up,
            carry_flag=self.carry_flag,
            disclosed=disclosed,
            protective=protective,
            means=means,
            about_self=about_self,
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
    lexicon and encoder, with the learned judge's rail heads (`weights/rail.*`, the round-1 heads:
    model.CombinedHeads.rail), on the frozen features alone.

    The user-side heads were trained and measured on what users write. On assistant text the
    round-4 heads read a household-chemical safety warning as cbrn 4 (p 0.99) and an Italian
    ransomware how-to as cyber_attack 1, and the round-5 crisis heads read the same warning as cbrn
    4 (p 0.81) and stop a pipe-bomb recipe a window late (tests/moderation/test_rails.py,
    test_rail_pipeline.py). The round-1 heads, with which the rail was measured (docs/benchmarks.md),
    read them right. Sharing the encoder costs no memory, and the rail heads have no token pooling,
    so the rail's texts are encoded without it (`LearnedClassifier.pooled`,
    `Encoder.encode(pooled=False)`)."""

    name = "hybrid-output"

    def __init__(self, *, user: HybridClassifier | None = None) -> None:
        from moderation.classifiers.registry import get_classifier

        user = user or get_classifier("hybrid")
        learned = LearnedClassifier(heads=user.learned.heads.rail, encoder=user.learned.encoder, eager=False)
        super().__init__(
            lexicon=user.lexicon,
            learned=learned,
            veto=user.veto,
            crisis_veto=user.crisis_veto,
            flag_veto=user.flag_veto,
        )
