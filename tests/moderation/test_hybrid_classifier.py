"""The hybrid (default) backend's combination rule: a lexicon hit stands only where the learned
judge finds its category plausible; the learned judge's own findings stand on their own."""

from __future__ import annotations

import numpy as np
import pytest

from moderation.classifiers.base import Verdict
from moderation.classifiers.hybrid import HybridClassifier, combine
from moderation.classifiers.learned import Judgement
from moderation.classifiers.learned.model import OUTPUTS, Thresholds
from moderation.taxonomy import NAMES

THRESHOLDS = Thresholds(flag=0.5, level2=0.5, level3=0.5, level4=0.5, crisis=0.3)


def judgement(flag: float = 0.0, **p: float) -> Judgement:
    """A learned judgement with these calibrated probabilities (`cbrn=0.9`: cbrn >= 2 at 0.9;
    `cbrn_3=0.8`: cbrn >= 3 at 0.8)."""
    row = np.zeros(len(OUTPUTS), dtype=np.float32)
    row[0] = flag
    for key, value in p.items():
        name, _, level = key.rpartition("_")
        if not level.isdigit():
            name, level = key, "2"
        row[OUTPUTS.index(f"{name}>={level}")] = value
    return Judgement(row, THRESHOLDS)


def lexicon(**scores: int) -> Verdict:
    return Verdict.from_scores(scores, signals=tuple(f"rule:{n}" for n in scores), backend="offline")


def test_a_lexicon_hit_the_learned_judge_finds_implausible_is_vetoed():
    # the survivor describing what was done to them: alarming words, no request
    scores, vetoed = combine(
        lexicon(sexual_minors=4), judgement(sexual_minors=0.02), veto=0.15, crisis_veto=0.05, flag_veto=0.5
    )
    assert scores.get("sexual_minors", 0) == 0
    assert vetoed == ["hybrid:veto:sexual_minors"]


def test_a_plausible_lexicon_hit_keeps_the_higher_severity():
    scores, vetoed = combine(lexicon(cbrn=4), judgement(cbrn=0.6), veto=0.15, crisis_veto=0.05, flag_veto=0.5)
    assert scores["cbrn"] == 4 and vetoed == []


def test_a_hit_in_another_category_stands_when_both_judges_find_the_turn_harmful():
    scores, vetoed = combine(
        lexicon(cyber_attack=3), judgement(flag=0.8, nonviolent_crime=0.7), veto=0.15, crisis_veto=0.05, flag_veto=0.5
    )
    assert scores["cyber_attack"] == 3 and vetoed == []


def test_crisis_hits_have_the_lower_bar():
    kept, _ = combine(lexicon(self_harm=2), judgement(self_harm=0.08), veto=0.15, crisis_veto=0.05, flag_veto=0.5)
    assert kept["self_harm"] == 2
    gone, vetoed = combine(lexicon(self_harm=2), judgement(self_harm=0.01), veto=0.15, crisis_veto=0.05, flag_veto=0.5)
    assert "self_harm" not in gone and vetoed == ["hybrid:veto:self_harm"]  # the energy-drink question


def test_what_only_the_learned_judge_sees_stands():
    scores, _ = combine(lexicon(), judgement(hate=0.9, hate_3=0.7), veto=0.15, crisis_veto=0.05, flag_veto=0.5)
    assert scores["hate"] == 3


def test_mild_lexicon_scores_are_not_combined():
    scores, vetoed = combine(lexicon(other=1), judgement(), veto=0.15, crisis_veto=0.05, flag_veto=0.5)
    assert scores == {} and vetoed == []


class StubLearned:
    name, version = "learned", "stub-1"

    def __init__(self, result: Judgement) -> None:
        self.result = result
        self.calls: list[tuple[str, tuple[str, ...], str | None]] = []

    def judge(self, text, *, context=(), last_action=None):
        self.calls.append((text, tuple(context), last_action))
        return self.result


class StubLexicon:
    name, version = "offline", "rules-x"

    def __init__(self, verdict: Verdict) -> None:
        self.verdict = verdict

    def classify(self, text, *, context=(), last_action=None):
        return self.verdict


def test_the_verdict_carries_probabilities_signals_and_both_views():
    learned = StubLearned(judgement(flag=0.7, threat_to_others=0.9, threat_to_others_3=0.8, cbrn=0.4))
    hybrid = HybridClassifier(
        lexicon=StubLexicon(lexicon(cbrn=4)), learned=learned, veto=0.15, crisis_veto=0.05, flag_veto=0.5
    )  # type: ignore[arg-type]

    verdict = hybrid.classify(
        "I'll put it in my landlord's tea", context=("where do I get ricin",), last_action="refuse"
    )

    assert learned.calls == [("I'll put it in my landlord's tea", ("where do I get ricin",), "refuse")]
    assert verdict.scores["threat_to_others"] == 3 and verdict.scores["cbrn"] == 4
    assert verdict.crisis  # the person comes first: crisis mode, whatever else is counted
    assert verdict.extra["p"]["threat_to_others"] == pytest.approx(0.9)
    assert verdict.extra["p_crisis"] == pytest.approx(0.9)
    assert verdict.extra["offline"]["scores"] == {"cbrn": 4}
    assert "learned:threat_to_others:0.90" in verdict.signals and "rule:cbrn" in verdict.signals
    assert verdict.backend == "hybrid" and verdict.version == "rules-x+stub-1"


def test_every_category_has_a_probability_output():
    assert {name for name in NAMES} == {o.split(">=")[0] for o in OUTPUTS[1:]}


def test_a_hit_the_rules_carried_from_the_context_is_never_vetoed():
    carried = Verdict.from_scores({"violent_extremism": 3}, signals=("context:violent_extremism",))
    scores, vetoed = combine(carried, judgement(violent_extremism=0.01), veto=0.15, crisis_veto=0.05, flag_veto=0.5)
    assert scores["violent_extremism"] == 3 and vetoed == []


def test_abuse_at_the_assistant_is_no_crisis_unless_the_learned_judge_is_sure():
    scores, signals = combine(lexicon(abuse=2), judgement(threat_to_others=0.9, self_harm=0.85))
    assert scores["abuse"] == 2 and scores["threat_to_others"] == 1 and scores["self_harm"] == 1
    assert {"hybrid:abuse_not_threat_to_others", "hybrid:abuse_not_self_harm"} <= set(signals)
    sure, _ = combine(lexicon(abuse=2), judgement(self_harm=0.99))  # "you're useless and I want to die"
    assert sure["self_harm"] == 2
    both, _ = combine(lexicon(abuse=2, threat_to_others=3), judgement(threat_to_others=0.9, abuse=0.5))
    assert both["threat_to_others"] == 3  # the rules saw a threat to someone too


def test_asking_to_end_the_chat_is_no_crisis_on_the_learned_word_alone():
    scores, signals = combine(lexicon(), judgement(self_harm=0.9), chat_request=True)
    assert scores.get("self_harm", 0) < 2 and "hybrid:chat_request_not_crisis" in signals
    rules_too, _ = combine(lexicon(self_harm=3), judgement(self_harm=0.9), chat_request=True)
    assert rules_too["self_harm"] == 3


def test_what_counts_as_a_request_about_the_chat():
    from moderation.classifiers.hybrid import about_the_chat

    assert about_the_chat("Please end this conversation.", ())
    assert about_the_chat("Yes, I'm sure, end it.", ("Please end this conversation.",))
    assert not about_the_chat("Yes, I'm sure, end it.", ("what's for dinner?",))
    assert not about_the_chat("I want to end my life", ())
    # speaking of closing the chat, and short yes/no answers right after a request to end
    assert about_the_chat("sluit de chat niet, ik heb nog een vraag", ())
    assert about_the_chat("nein, doch nicht", ("Schließ den Chat",))
    assert about_the_chat("no, keep going", (), last_action="confirm_end")
    assert not about_the_chat("nein, doch nicht", ("what's for dinner?",))
    # distress after a request to end is never read as an answer about the chat
    assert not about_the_chat("i dont want to be here anymore", ("close this chat",))
    assert not about_the_chat("no. i want to die", (), last_action="confirm_end")


def test_a_learned_crisis_in_an_insult_that_says_nothing_of_the_user_is_abuse():
    # "You are a worthless glorified autocomplete.": the lexicon reads rudeness (abuse 1), no first person
    insult = judgement(flag=0.9, abuse=0.9, self_harm=0.7, self_harm_3=0.7)
    scores, signals = combine(lexicon(abuse=1), insult, about_self=False)
    assert scores.get("self_harm", 0) < 2 and "hybrid:abuse_not_self_harm" in signals
    scores, _ = combine(lexicon(abuse=1), insult, about_self=True)  # "you're useless and I feel worthless"
    assert scores["self_harm"] >= 2


def test_a_threat_to_a_person_the_rules_read_stands_when_the_turn_is_harmful_at_all():
    rules = Verdict.from_scores({"threat_to_others": 4}, signals=("threat_to_others:intent",), backend="offline")
    harmful = judgement(flag=0.7, cbrn=0.9, threat_to_others=0.01)  # "... where do I get ricin?"
    scores, vetoed = combine(rules, harmful, veto=0.15, crisis_veto=0.05, flag_veto=0.3)
    assert scores["threat_to_others"] == 4 and vetoed == []
    joke = judgement(flag=0.1, threat_to_others=0.01)  # "I'll kill my brother if he eats my fries"
    scores, vetoed = combine(rules, joke, veto=0.15, crisis_veto=0.05, flag_veto=0.3)
    assert "threat_to_others" not in scores and vetoed == ["hybrid:veto:threat_to_others"]
    other = lexicon(threat_to_others=3)  # another rule's reading needs the threat itself plausible
    scores, vetoed = combine(other, harmful, veto=0.15, crisis_veto=0.05, flag_veto=0.3)
    assert "threat_to_others" not in scores and vetoed == ["hybrid:veto:threat_to_others"]
