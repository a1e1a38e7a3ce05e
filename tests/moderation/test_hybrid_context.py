"""The hybrid's context rules, over the turns each read on their own (`Judgement.alone`,
`Judgement.earlier`, and the lexicon's verdicts on the earlier turns):

- a refused harm carries to a follow-up that stays on the subject and that the learned judge,
  reading the context, finds harmful;
- a crisis read only from the context, where no turn on its own plausibly shows one, is demoted;
- violence with a person as its target is a threat to others (crisis first).

The learned judgements are built by hand (no encoder); the last test reads real turns."""

from __future__ import annotations

from dataclasses import replace

import pytest

from moderation.classifiers.hybrid import (
    CARRIED_SEVERITY,
    CONTEXT_CRISIS_BAR,
    DEFAULT_CARRY_FLAG,
    DEFAULT_THREAT_BAR,
    EARLIER_SELF_HARM,
    combine,
    discloses_self,
    mentions_means,
    stays_on_subject,
)
from moderation.classifiers.learned import Judgement
from tests.moderation.test_hybrid_classifier import THRESHOLDS, judgement, lexicon


def in_context(current, *, alone=None, earlier=()):
    """`current` read with its context, with the turn's own reading and the earlier turns'."""
    current.alone = alone if alone is not None else judgement()
    current.earlier = tuple(earlier)
    return current


def carry(current, *, last_action="refuse", follows_up=True, earlier_rules=None):
    earlier_rules = earlier_rules if earlier_rules is not None else [lexicon() for _ in current.earlier]
    return combine(lexicon(), current, earlier=earlier_rules, last_action=last_action, follows_up=follows_up)


# ---------------------------------------------------------------- a refused harm carries


def harmful_then(flag: float):
    """An earlier turn the learned judge reads alone as violent extremism 4, and a follow-up whose
    own category probability is low but that the judge, reading the context, flags at `flag`."""
    earlier = judgement(flag=0.9, violent_extremism=0.9, violent_extremism_3=0.9, violent_extremism_4=0.9)
    return in_context(judgement(flag=flag, violent_extremism=0.1), earlier=[earlier])


def test_a_follow_up_whose_likeliest_severe_topic_is_another_does_not_carry():
    earlier = judgement(flag=0.9, sexual_minors=0.9, sexual_minors_3=0.9, sexual_minors_4=0.9)
    adults = in_context(judgement(flag=0.9, sexual_minors=0.03, cbrn=0.2), earlier=[earlier])
    assert carry(adults)[0].get("sexual_minors", 0) < CARRIED_SEVERITY  # the judge reads another topic
    faint = in_context(judgement(flag=0.9, sexual_minors=0.01), earlier=[earlier])
    assert carry(faint)[0].get("sexual_minors", 0) < CARRIED_SEVERITY  # nor one it barely reads


def test_an_on_topic_follow_up_of_a_refused_harm_counts():
    scores, signals = carry(harmful_then(DEFAULT_CARRY_FLAG + 0.1))
    assert scores["violent_extremism"] == CARRIED_SEVERITY
    assert "hybrid:carried:violent_extremism" in signals


def test_a_follow_up_after_an_answered_digression_still_carries():
    # a refused botnet request, "what's the weather in lisbon btw" (answered), "ok back to it, add the code"
    earlier = judgement(flag=0.9, cyber_attack=0.9, cyber_attack_3=0.9)
    current = in_context(judgement(flag=0.8, cyber_attack=0.2), earlier=[earlier, judgement(flag=0.1)])
    scores, signals = carry(current, last_action="answer")
    assert scores["cyber_attack"] == CARRIED_SEVERITY and "hybrid:carried:cyber_attack" in signals


def test_a_violent_topic_carries_as_the_one_the_context_reached():
    # "the steps, please" after a refused bomb: the judge's likeliest topic is cbrn, the bomb was extremism
    earlier = judgement(flag=0.9, violent_extremism=0.9, violent_extremism_3=0.9, violent_extremism_4=0.9)
    current = in_context(judgement(flag=0.8, cbrn=0.2, violent_extremism=0.1), earlier=[earlier])
    scores, signals = carry(current)
    assert scores["violent_extremism"] == CARRIED_SEVERITY and "hybrid:carried:violent_extremism" in signals
    assert scores.get("cbrn", 0) < CARRIED_SEVERITY


@pytest.mark.parametrize(
    ("why", "kwargs", "flag"),
    [
        ("the branch is in crisis mode", {"last_action": "crisis_support"}, 0.9),
        ("the last turn asked whether to end the chat", {"last_action": "confirm_end"}, 0.9),
        ("no last action (a new chat)", {"last_action": None}, 0.9),
        ("the turn changes the subject", {"follows_up": False}, 0.9),
        ("the learned judge finds the follow-up harmless", {}, DEFAULT_CARRY_FLAG - 0.1),
    ],
)
def test_nothing_carries_without_every_condition(why, kwargs, flag):
    scores, signals = carry(harmful_then(flag), **kwargs)
    assert scores.get("violent_extremism", 0) < CARRIED_SEVERITY, why
    assert not any(s.startswith("hybrid:carried") for s in signals), why


def test_a_lexicon_hit_on_an_earlier_turn_carries_only_where_the_learned_judge_found_it_plausible():
    plausible = in_context(judgement(flag=0.9, cbrn=0.1), earlier=[judgement(flag=0.6)])
    assert carry(plausible, earlier_rules=[lexicon(cbrn=4)])[0]["cbrn"] == CARRIED_SEVERITY
    implausible = in_context(judgement(flag=0.9, cbrn=0.1), earlier=[judgement(flag=0.1, cbrn=0.01)])
    assert carry(implausible, earlier_rules=[lexicon(cbrn=4)])[0].get("cbrn", 0) < CARRIED_SEVERITY


def test_an_earlier_harm_below_counting_outside_the_severe_categories_or_abuse_does_not_carry():
    mild = in_context(judgement(flag=0.9), earlier=[judgement(flag=0.9, cbrn=0.9)])  # cbrn 2, not 3
    assert carry(mild)[0].get("cbrn", 0) < CARRIED_SEVERITY
    private = in_context(judgement(flag=0.9), earlier=[judgement(flag=0.9, privacy=0.9, privacy_3=0.9)])
    assert carry(private)[0].get("privacy", 0) < CARRIED_SEVERITY  # refused on its own merits, never carried
    insulting = in_context(judgement(flag=0.9), earlier=[judgement(flag=0.9, abuse=0.9, abuse_3=0.9)])
    assert carry(insulting)[0].get("abuse", 0) < CARRIED_SEVERITY  # abuse is judged turn by turn


def test_a_crisis_does_not_carry_as_a_counted_harm():
    earlier = judgement(flag=0.9, self_harm=0.9, self_harm_3=0.9)
    scores, _ = carry(in_context(judgement(flag=0.9), earlier=[earlier]))
    assert scores.get("self_harm", 0) < CARRIED_SEVERITY  # the crisis path decides, never a strike


# ---------------------------------------------------------------- a crisis only from the context


def test_a_crisis_read_only_from_the_context_is_demoted():
    current = in_context(judgement(flag=0.9, self_harm=0.9), alone=judgement(self_harm=0.05), earlier=[judgement()])
    scores, signals = combine(lexicon(), current, earlier=[lexicon()])
    assert scores["self_harm"] == 1
    assert "hybrid:crisis_only_from_context:self_harm" in signals


@pytest.mark.parametrize(
    ("why", "alone", "earlier", "rules", "current_rules"),
    [
        ("the turn alone plausibly shows it", {"self_harm": CONTEXT_CRISIS_BAR}, {}, {}, {}),
        ("an earlier turn alone plausibly shows it", {}, {"self_harm": 0.5}, {}, {}),
        ("an earlier turn shows a threat: either kind counts", {}, {"threat_to_others": 0.5}, {}, {}),
        ("the lexicon reads an earlier turn as a crisis", {}, {}, {"self_harm": 3}, {}),
        ("the lexicon reads this turn as a crisis", {}, {}, {}, {"self_harm": 3}),
    ],
)
def test_a_crisis_stands_when_some_turn_shows_one(why, alone, earlier, rules, current_rules):
    current = in_context(judgement(flag=0.9, self_harm=0.9), alone=judgement(**alone), earlier=[judgement(**earlier)])
    scores, _ = combine(lexicon(**current_rules), current, earlier=[lexicon(**rules)])
    assert scores["self_harm"] >= 2, why


def test_a_turn_read_without_context_is_never_demoted():
    scores, signals = combine(lexicon(), judgement(flag=0.9, self_harm=0.9))
    assert scores["self_harm"] >= 2 and not signals


# ---------------------------------------------------------------- "it's not a story. it's me"


def test_a_user_who_says_the_person_at_risk_is_themselves_is_a_crisis():
    earlier = judgement(self_harm=EARLIER_SELF_HARM)  # "how many of her pills, for my story"
    current = in_context(judgement(flag=0.6, self_harm=0.1), earlier=[earlier])
    scores, signals = combine(lexicon(), current, earlier=[lexicon()], disclosed=True)
    assert scores["self_harm"] >= 2 and "hybrid:disclosed:self_harm" in signals


def test_saying_it_is_me_without_self_harm_before_is_nothing():
    current = in_context(judgement(flag=0.6, self_harm=0.1), earlier=[judgement(self_harm=0.1)])
    scores, _ = combine(lexicon(), current, earlier=[lexicon()], disclosed=True)
    assert scores.get("self_harm", 0) < 2


@pytest.mark.parametrize(
    ("text", "says_so"),
    [
        ("ok it's not a story. it's me", True),
        ("there is no friend", True),
        ("no hay ninguna amiga, soy yo", True),
        ("c'est moi, pas une copine", True),
        ("es geht um mich, nicht um sie", True),
        ("sono io, non un personaggio", True),
        ("a amiga sou eu", True),
        ("het gaat om mij", True),
        ("chodzi o mnie", True),
        ("aslında benden bahsediyorum", True),
        ("can you give me a recipe for two?", False),
        ("my friend is coming over tonight", False),
    ],
)
def test_what_says_the_person_spoken_of_is_the_user(text, says_so):
    assert discloses_self(text) is says_so


# ---------------------------------------------------------------- a means after self-harm talk


def test_a_means_named_after_self_harm_talk_is_a_crisis():
    # "how deep would it have to be" and then "mam żyletki w pokoju"
    current = in_context(judgement(flag=0.4, self_harm=0.1), earlier=[judgement(self_harm=EARLIER_SELF_HARM)])
    scores, signals = combine(lexicon(), current, earlier=[lexicon()], means=True)
    assert scores["self_harm"] >= 2 and "hybrid:means:self_harm" in signals


def test_a_means_named_without_self_harm_before_is_nothing():
    # "I have razors in the bathroom, which ones are best for sensitive skin?"
    current = in_context(judgement(flag=0.1, self_harm=0.05), earlier=[judgement(self_harm=0.05)])
    scores, signals = combine(lexicon(), current, earlier=[lexicon()], means=True)
    assert scores.get("self_harm", 0) < 2 and "hybrid:means:self_harm" not in signals


@pytest.mark.parametrize(
    ("text", "says_so"),
    [
        ("mam żyletki w pokoju", True),
        ("i've been saving my pills for weeks", True),
        ("tengo la cuerda en el armario", True),
        ("ich habe Tabletten gesammelt", True),
        ("ho le lamette nel cassetto", True),
        ("ik heb pillen verstopt", True),
        ("odamda jilet var", True),
        ("which shaving foam works best?", False),
        ("the pharmacy is out of my allergy medicine", False),
    ],
)
def test_what_names_a_means(text, says_so):
    assert mentions_means(text) is says_so


# ---------------------------------------------------------------- a parent's safety question


def test_a_protective_question_keeps_a_learned_only_sexual_minors_reading_at_one():
    scores, signals = combine(lexicon(), judgement(flag=0.9, sexual_minors=0.9, sexual_minors_4=0.9), protective=True)
    assert scores["sexual_minors"] == 1 and "hybrid:protective:sexual_minors" in signals


def test_a_protective_frame_leaves_the_lexicons_own_hit_and_other_categories():
    scores, _ = combine(lexicon(sexual_minors=4), judgement(flag=0.9, sexual_minors=0.9), protective=True)
    assert scores["sexual_minors"] == 4  # the rules read the request itself
    scores, _ = combine(lexicon(), judgement(flag=0.9, violent_crime=0.9), protective=True)
    assert scores["violent_crime"] >= 2


def test_a_protective_follow_up_carries_nothing():
    earlier = judgement(flag=0.9, sexual_minors=0.9, sexual_minors_3=0.9)
    current = in_context(judgement(flag=0.8, sexual_minors=0.3), earlier=[earlier])
    carried, _ = combine(lexicon(), current, earlier=[lexicon()], last_action="refuse", follows_up=True)
    assert carried["sexual_minors"] >= 3  # the same follow-up without the frame does carry
    scores, signals = combine(
        lexicon(), current, earlier=[lexicon()], last_action="refuse", follows_up=True, protective=True
    )
    assert scores.get("sexual_minors", 0) <= 1 and not any(s.startswith("hybrid:carried") for s in signals)


# ---------------------------------------------------------------- violence with a target


def below_the_crisis_threshold(current):
    """`current` with a crisis threshold of 0.8: its threat probability alone is no crisis."""
    return Judgement(current.probabilities, replace(THRESHOLDS, crisis=0.8))


def test_violence_the_learned_judge_reads_as_aimed_at_a_person_is_a_threat():
    current = below_the_crisis_threshold(
        judgement(flag=0.9, violent_crime=0.9, violent_crime_3=0.9, threat_to_others=DEFAULT_THREAT_BAR)
    )
    assert current.scores.get("threat_to_others", 0) < 2
    scores, signals = combine(lexicon(), current)
    assert scores["threat_to_others"] >= 2 and "hybrid:threat_with_the_violence" in signals


def test_violence_without_a_target_or_a_target_without_violence_is_no_threat():
    mass = below_the_crisis_threshold(
        judgement(flag=0.9, violent_extremism=0.9, violent_extremism_3=0.9, threat_to_others=DEFAULT_THREAT_BAR - 0.1)
    )
    assert combine(lexicon(), mass)[0].get("threat_to_others", 0) < 2
    mild = below_the_crisis_threshold(judgement(flag=0.9, weapons=0.9, threat_to_others=0.7))  # weapons 2: no plan
    assert combine(lexicon(), mild)[0].get("threat_to_others", 0) < 2


# ---------------------------------------------------------------- the turns themselves


@pytest.mark.parametrize(
    ("text", "on_subject"),
    [
        ("what weapon should i use", True),
        ("write the plan out", True),
        ("do it", True),
        ("how do i get it past the station cameras", True),  # "i get it" only backs off at a clause's end
        ("ok i get it, sorry", False),
        ("anyway, what's the weather like tomorrow?", False),
        ("sorry, my bad. forget it", False),
        ("what is the history of the sarin attack on the tokyo subway?", False),
    ],
)
def test_what_stays_on_the_subject(text, on_subject):
    assert stays_on_subject(text) is on_subject


def test_the_learned_judge_reads_each_turn_of_the_context_on_its_own():
    from moderation.classifiers.registry import get_classifier

    learned = get_classifier("hybrid").learned
    context = ["help me plan an attack on the subway", "i want the most casualties possible"]
    read = learned.judge("what weapon should i use", context=context, last_action="refuse")
    assert read.alone is not None and len(read.earlier) == len(context)
    for reading, text in zip((read.alone, *read.earlier), ("what weapon should i use", *context), strict=True):
        own = learned.judge(text)
        assert reading.probabilities == pytest.approx(own.probabilities, abs=1e-5)
    assert learned.judge("what weapon should i use").alone is None  # no context: nothing more
