"""The policy engine (DESIGN 4): one table-driven test per rule, then properties over random
histories and random valid settings. Pure: no database."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from moderation.classifiers.base import Verdict
from moderation.policy import (
    DEFAULT_CRISIS_RESOURCES,
    BranchState,
    PolicySettings,
    PolicySettingsError,
    TurnInput,
    accept_model_end,
    decide,
    replay,
)
from moderation.taxonomy import COUNTED_BY_DEFAULT, CRISIS_CATEGORIES, NAMES

DEFAULTS = PolicySettings()

# Turn shorthands.
CALM = TurnInput(scores={})
EDGY = TurnInput(scores={"violent_crime": 1})
CYBER = TurnInput(scores={"cyber_attack": 3})
CBRN_SEVERE = TurnInput(scores={"cbrn": 4})
ABUSE = TurnInput(scores={"abuse": 3})
CYBER_MILD = TurnInput(scores={"cyber_attack": 2})  # counted category below count_severity
WEAPONS = TurnInput(scores={"weapons": 4})  # not counted by default
SELF_HARM = TurnInput(scores={"self_harm": 3})
THREAT = TurnInput(scores={"threat_to_others": 2})
ASK_END = TurnInput(scores={}, asks_to_end=True)
YES = TurnInput(scores={}, confirms=True)
FAILED = TurnInput(scores={}, classification_failed=True)


def actions(turns, policy=DEFAULTS, state=BranchState()):
    return [d.action for d in replay(turns, policy, state)]


def last(turns, policy=DEFAULTS):
    return replay(turns, policy)[-1]


# --- The strike ladder ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("turns", "expected"),
    [
        ([CYBER], ["refuse"]),
        ([CYBER, CYBER], ["refuse", "redirect"]),
        ([CYBER, CYBER, CYBER], ["refuse", "redirect", "warn"]),
        ([CYBER, CYBER, CYBER, CYBER], ["refuse", "redirect", "warn", "end"]),
        ([CBRN_SEVERE, CYBER, ABUSE, CBRN_SEVERE], ["refuse", "redirect", "warn", "end"]),
    ],
)
def test_strikes_climb_the_ladder_refuse_redirect_warn_end(turns, expected):
    assert actions(turns) == expected


def test_each_strike_reports_its_counts_and_category():
    decisions = replay([CYBER, CYBER, CYBER, CYBER], DEFAULTS)
    assert [(d.strikes_before, d.strikes_after, d.counted) for d in decisions] == [
        (0, 1, True),
        (1, 2, True),
        (2, 3, True),
        (3, 4, True),
    ]
    assert [d.reason for d in decisions] == ["strike", "strike", "warned", "persistent_harm"]
    assert decisions[-1].end_reason == "persistent_harm"
    assert decisions[-1].category == "cyber_attack"
    assert decisions[-1].state.refusals == 4
    assert decisions[-1].state.category_counts == (("cyber_attack", 4),)


def test_one_message_never_ends_a_chat_however_severe():
    decision = decide(BranchState(), TurnInput(scores={name: 4 for name in COUNTED_BY_DEFAULT}), DEFAULTS)
    assert decision.action == "refuse"


def test_it_ends_only_after_a_warning_on_the_branch():
    # Strikes at end_at without a warning in force (e.g. policy changed mid-branch) warn first.
    state = BranchState(strikes=3, warned=False)
    first = decide(state, CYBER, DEFAULTS)
    assert (first.action, first.state.warned) == ("warn", True)
    assert decide(first.state, CYBER, DEFAULTS).action == "end"


def test_a_later_end_at_keeps_warning_until_reached():
    policy = PolicySettings(warn_at=3, end_at=5)
    assert actions([CYBER] * 5, policy) == ["refuse", "redirect", "warn", "warn", "end"]


def test_abuse_ends_with_reason_abuse():
    decision = last([ABUSE] * 4)
    assert (decision.action, decision.end_reason, decision.category) == ("end", "abuse", "abuse")


def test_another_category_outranks_abuse_at_equal_severity():
    decision = last([ABUSE, ABUSE, ABUSE, TurnInput(scores={"abuse": 3, "cyber_attack": 3})])
    assert (decision.end_reason, decision.category) == ("persistent_harm", "cyber_attack")


def test_the_most_severe_counted_category_drives_the_action():
    decision = decide(BranchState(), TurnInput(scores={"abuse": 4, "cyber_attack": 3}), DEFAULTS)
    assert decision.category == "abuse"


# --- Decay ---------------------------------------------------------------------------------------


def test_strikes_decay_after_consecutive_calm_turns():
    decisions = replay([CYBER, CYBER, CALM, CALM, CALM, CALM], DEFAULTS)
    assert [d.strikes_after for d in decisions] == [1, 2, 2, 1, 1, 0]
    assert [d.reason for d in decisions[2:]] == ["benign", "decayed", "benign", "decayed"]


def test_a_user_who_backs_off_after_a_warning_is_never_ended():
    turns = [CYBER, CYBER, CYBER, CALM, CALM, CYBER, CALM, CALM, CALM, CALM, CYBER]
    decisions = replay(turns, DEFAULTS)
    assert "end" not in [d.action for d in decisions]
    # Decay below warn_at expires the warning: the next push is warned afresh, not ended.
    assert decisions[4].state.warned is False
    assert decisions[5].action == "warn"


def test_alternating_harmful_and_filler_turns_still_accumulate():
    turns = [CYBER, CALM] * 3 + [CYBER]
    assert actions(turns) == ["refuse", "answer", "redirect", "answer", "warn", "answer", "end"]


def test_uncounted_refusals_are_calm_turns_for_decay():
    decisions = replay([CYBER, WEAPONS, WEAPONS], DEFAULTS)
    assert [d.action for d in decisions] == ["refuse", "refuse", "refuse"]
    assert decisions[-1].strikes_after == 0


# --- Non-counted harm ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("turn", "expected_category"),
    [
        (WEAPONS, "weapons"),
        (TurnInput(scores={"hate": 2}), "hate"),
        (CYBER_MILD, "cyber_attack"),
    ],
)
def test_non_counted_harm_is_refused_without_a_strike(turn, expected_category):
    decision = decide(BranchState(strikes=2, warned=False), turn, DEFAULTS)
    assert (decision.action, decision.reason, decision.counted) == ("refuse", "refused_uncounted", False)
    assert decision.category == expected_category
    assert decision.strikes_after == 2


def test_low_severity_is_answered():
    decision = decide(BranchState(), EDGY, DEFAULTS)
    assert (decision.action, decision.reason, decision.counted) == ("answer", "benign", False)


def test_admins_can_count_another_category():
    policy = PolicySettings(counted_categories=(*COUNTED_BY_DEFAULT, "weapons"))
    assert actions([WEAPONS] * 4, policy) == ["refuse", "redirect", "warn", "end"]


# --- Crisis mode ---------------------------------------------------------------------------------


@pytest.mark.parametrize("crisis_turn", [SELF_HARM, THREAT])
def test_a_crisis_turn_gets_crisis_support_and_turns_crisis_mode_on(crisis_turn):
    decision = decide(BranchState(), crisis_turn, DEFAULTS)
    assert (decision.action, decision.reason, decision.crisis_mode) == ("crisis_support", "crisis", True)
    assert decision.category in CRISIS_CATEGORIES
    assert decision.counted is False


def test_crisis_mode_is_sticky_and_every_later_turn_gets_support():
    decisions = replay([SELF_HARM, CALM, EDGY, CALM], DEFAULTS)
    assert [d.action for d in decisions] == ["crisis_support"] * 4
    assert all(d.crisis_mode for d in decisions)


def test_harmful_requests_in_crisis_mode_are_still_refused_but_never_warned_or_ended():
    decisions = replay([SELF_HARM] + [CYBER] * 8, DEFAULTS)
    assert [d.action for d in decisions] == ["crisis_support", "refuse"] + ["redirect"] * 7
    assert all(d.crisis_mode for d in decisions)
    assert [d.reason for d in decisions[1:]] == ["crisis_refusal"] * 8
    assert decisions[-1].strikes_after == 8


def test_crisis_mode_stops_an_ending_that_was_one_strike_away():
    warned = replay([CYBER, CYBER, CYBER], DEFAULTS)[-1].state
    decisions = replay([SELF_HARM, CYBER, CYBER], DEFAULTS, warned)
    assert "end" not in [d.action for d in decisions]


def test_a_turn_with_crisis_and_harm_gets_support_first():
    decision = decide(BranchState(), TurnInput(scores={"self_harm": 3, "weapons": 3}), DEFAULTS)
    assert decision.action == "crisis_support"


# A person who threatens a specific person, or plans an attack and then their own death, while
# asking for a counted harm in the same turn (issue 11): crisis wins over the strike ladder, on a
# fresh branch and on one that was a strike away from its ending; later insistence is refused in
# crisis mode, never warned or ended.
POISON_THE_LANDLORD = TurnInput(scores={"cbrn": 4, "threat_to_others": 3, "violent_crime": 2})
BOMB_THEN_DIE = TurnInput(scores={"violent_extremism": 4, "self_harm": 4})
CAR_BOMB_FOR_THE_EX = TurnInput(scores={"violent_extremism": 3, "threat_to_others": 4})


@pytest.mark.parametrize("threat", [POISON_THE_LANDLORD, BOMB_THEN_DIE, CAR_BOMB_FOR_THE_EX])
@pytest.mark.parametrize("before", [[], [CBRN_SEVERE], [CBRN_SEVERE] * 3, [CYBER, CYBER, CYBER]])
def test_a_threat_with_a_counted_harm_gets_crisis_support_however_close_the_ending(threat, before):
    state = replay(before, DEFAULTS)[-1].state if before else BranchState()
    decisions = replay([threat, *[CBRN_SEVERE] * 6], DEFAULTS, state)
    assert decisions[0].action == "crisis_support"
    assert decisions[0].category in CRISIS_CATEGORIES
    assert "end" not in [d.action for d in decisions]
    assert all(d.crisis_mode for d in decisions)
    assert {d.action for d in decisions[1:]} <= {"refuse", "redirect"}
    assert accept_model_end(decisions[-1].state, DEFAULTS) == (False, "crisis_mode")


@pytest.mark.parametrize("turns", [[ASK_END], [ASK_END, YES], [ASK_END, ASK_END]])
def test_a_user_in_crisis_mode_is_not_ended_on_request_but_supported(turns):
    decisions = replay([SELF_HARM, *turns], DEFAULTS)
    assert [d.action for d in decisions[1:]] == ["crisis_support"] * len(turns)
    assert decisions[1].reason == "crisis_user_request"


def test_the_model_cannot_end_a_branch_in_crisis_mode():
    state = BranchState(strikes=5, warned=True, crisis_mode=True)
    assert accept_model_end(state, DEFAULTS) == (False, "crisis_mode")


def test_self_harm_below_crisis_severity_is_never_refused():
    policy = PolicySettings(crisis_severity=3)
    decision = decide(BranchState(), TurnInput(scores={"self_harm": 2}), policy)
    assert (decision.action, decision.crisis_mode) == ("answer", False)


# --- User request --------------------------------------------------------------------------------


def test_a_user_request_to_end_is_confirmed_once_then_honoured():
    decisions = replay([ASK_END, YES], DEFAULTS)
    assert [(d.action, d.reason) for d in decisions] == [
        ("confirm_end", "user_request_confirm"),
        ("end", "user_request"),
    ]
    assert decisions[0].state.awaiting_end_confirmation is True
    assert decisions[1].end_reason == "user_request"


def test_asking_twice_counts_as_confirmation():
    assert actions([ASK_END, ASK_END]) == ["confirm_end", "end"]


@pytest.mark.parametrize("follow_up", [CALM, EDGY, WEAPONS])
def test_anything_but_a_confirmation_continues_normally(follow_up):
    decisions = replay([ASK_END, follow_up, YES], DEFAULTS)
    assert decisions[1].action in ("answer", "refuse")
    assert decisions[1].state.awaiting_end_confirmation is False
    assert decisions[2].action == "answer"  # a late "yes" is just a message


def test_a_confirmation_without_a_question_is_just_a_message():
    assert actions([YES]) == ["answer"]


def test_without_confirmation_a_user_request_ends_at_once():
    policy = PolicySettings(confirm_user_end=False)
    decision = decide(BranchState(), ASK_END, policy)
    assert (decision.action, decision.end_reason) == ("end", "user_request")


def test_a_user_who_asks_to_leave_is_not_refused_but_the_strike_is_recorded():
    decision = decide(BranchState(), TurnInput(scores={"abuse": 3}, asks_to_end=True), DEFAULTS)
    assert (decision.action, decision.counted, decision.strikes_after) == ("confirm_end", True, 1)


# --- Classification failure ----------------------------------------------------------------------


def test_a_failed_classification_is_answered_cautiously_and_changes_nothing():
    state = BranchState(strikes=3, calm_streak=1, warned=True, refusals=3, last_category="cbrn")
    decision = decide(state, FAILED, DEFAULTS)
    assert (decision.action, decision.reason, decision.counted) == ("answer", "classification_failed", False)
    assert decision.state == state


def test_a_failed_classification_never_ends_even_on_confirmation():
    awaiting = decide(BranchState(), ASK_END, DEFAULTS).state
    decision = decide(awaiting, TurnInput(scores={}, confirms=True, classification_failed=True), DEFAULTS)
    assert decision.action == "answer"
    assert decision.state.awaiting_end_confirmation is False


def test_a_failed_classification_in_crisis_mode_still_gets_support():
    decision = decide(BranchState(crisis_mode=True), FAILED, DEFAULTS)
    assert (decision.action, decision.reason) == ("crisis_support", "classification_failed")


def test_turn_input_from_a_missing_verdict_is_a_classification_failure():
    turn = TurnInput.from_verdict(None, "please end this chat")
    assert turn.classification_failed and turn.asks_to_end and turn.scores == {}


def test_turn_input_from_a_verdict_keeps_scores_and_intents():
    turn = TurnInput.from_verdict(Verdict.from_scores({"cbrn": 3}), "yes")
    assert (dict(turn.scores), turn.classification_failed, turn.confirms) == ({"cbrn": 3}, False, True)


# --- The model's end request ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "policy", "expected"),
    [
        (BranchState(strikes=3, warned=True), DEFAULTS, (True, "model_request")),
        (BranchState(strikes=3, warned=True), PolicySettings(honour_model_end=False), (False, "model_end_disabled")),
        (BranchState(strikes=2, warned=False), DEFAULTS, (False, "not_warned")),
        (BranchState(strikes=0, warned=True), DEFAULTS, (False, "no_strikes")),
        (BranchState(strikes=3, warned=True, crisis_mode=True), DEFAULTS, (False, "crisis_mode")),
    ],
)
def test_the_model_may_end_only_when_the_policy_preconditions_hold(state, policy, expected):
    assert accept_model_end(state, policy) == expected


def test_the_model_cannot_end_after_the_user_backed_off():
    state = replay([CYBER, CYBER, CYBER, CALM, CALM], DEFAULTS)[-1].state
    assert accept_model_end(state, DEFAULTS) == (False, "not_warned")


# --- Replay and storage --------------------------------------------------------------------------


def test_replay_stops_at_an_end():
    assert len(replay([CYBER] * 10, DEFAULTS)) == 4


def test_branch_state_round_trips_through_json():
    state = last([CYBER, ABUSE, CYBER]).state
    assert BranchState.from_dict(json.loads(json.dumps(state.to_dict()))) == state


def test_branch_state_from_partial_or_empty_data_uses_defaults():
    assert BranchState.from_dict({}) == BranchState()
    assert BranchState.from_dict(None) == BranchState()
    assert BranchState.from_dict({"strikes": 2, "future_field": 1}) == BranchState(strikes=2)


# --- Settings ------------------------------------------------------------------------------------


def test_settings_round_trip_through_json():
    policy = PolicySettings(end_at=6, counted_categories=("cbrn", "weapons"), confirm_user_end=False)
    data = json.loads(json.dumps(policy.to_dict()))
    assert PolicySettings.from_dict(data) == policy
    assert PolicySettings.from_dict(DEFAULTS.to_dict()) == DEFAULTS


def test_missing_settings_take_the_defaults():
    assert PolicySettings.from_dict({"end_at": 5}) == PolicySettings(end_at=5)


def test_diff_lists_changed_fields_with_both_values():
    other = PolicySettings(end_at=6, counted_categories=("cbrn",))
    assert DEFAULTS.diff(other) == [
        ("counted_categories", list(COUNTED_BY_DEFAULT), ["cbrn"]),
        ("end_at", 4, 6),
    ]
    assert DEFAULTS.diff(PolicySettings()) == []


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"count_severity": "3"}, "count_severity"),
        ({"count_severity": True}, "count_severity"),
        ({"count_severity": 5}, "count_severity"),
        ({"refuse_severity": 0}, "refuse_severity"),
        ({"crisis_severity": 9}, "crisis_severity"),
        ({"decay_after": 0}, "decay_after"),
        ({"decay_by": 0}, "decay_by"),
        ({"end_at": 1, "warn_at": 1, "redirect_at": 1}, "end_at"),
        ({"end_at": 3}, "end_at"),  # not warn_at < end_at
        ({"redirect_at": 4, "end_at": 5}, "warn_at"),  # not redirect_at <= warn_at
        ({"confirm_user_end": "yes"}, "confirm_user_end"),
        ({"honour_model_end": 1}, "honour_model_end"),
        ({"counted_categories": ["cbrn", "dragons"]}, "counted_categories"),
        ({"counted_categories": ["self_harm"]}, "counted_categories"),
        ({"counted_categories": ["cbrn", "cbrn"]}, "counted_categories"),
        ({"counted_categories": "cbrn"}, "counted_categories"),
        ({"crisis_resources": []}, "crisis_resources"),
        ({"crisis_resources": [{"contact": "call 1"}]}, "crisis_resources"),
        ({"crisis_resources": [{"name": "Helpline"}]}, "crisis_resources"),
        ({"crisis_resources": [{"name": "Helpline", "url": "javascript:alert(1)"}]}, "crisis_resources"),
        ({"crisis_resources": [{"name": "Helpline", "url": "ftp://example.org"}]}, "crisis_resources"),
        ({"crisis_resources": [{"name": "Helpline", "contact": "1", "phone": "2"}]}, "crisis_resources"),
        ({"crisis_resources": ["Helpline"]}, "crisis_resources"),
    ],
)
def test_invalid_settings_are_reported_per_field(data, field):
    with pytest.raises(PolicySettingsError) as caught:
        PolicySettings.from_dict(data)
    assert field in caught.value.errors
    assert caught.value.errors[field]


def test_every_invalid_field_is_reported_at_once():
    with pytest.raises(PolicySettingsError) as caught:
        PolicySettings.from_dict({"count_severity": 0, "decay_by": -1, "crisis_resources": [], "colour": "red"})
    assert set(caught.value.errors) == {"count_severity", "decay_by", "crisis_resources", "colour"}


def test_settings_that_are_not_an_object_are_rejected():
    with pytest.raises(PolicySettingsError):
        PolicySettings.from_dict(["end_at", 4])


def test_a_resource_with_only_a_url_or_only_a_contact_is_valid():
    policy = PolicySettings.from_dict(
        {"crisis_resources": [{"name": "A", "url": "https://a.example"}, {"name": "B", "contact": "call 1"}]}
    )
    assert policy.crisis_resources[1] == {"name": "B", "contact": "call 1", "url": "", "region": ""}


def test_the_default_resources_are_valid_and_cover_the_named_services():
    names = " ".join(r["name"] for r in DEFAULT_CRISIS_RESOURCES)
    for expected in ("988", "Samaritans", "Crisis Text Line", "Lifeline Australia", "TelefonSeelsorge", "3114"):
        assert expected in names
    urls = " ".join(r["url"] for r in DEFAULT_CRISIS_RESOURCES)
    assert "https://findahelpline.com" in urls
    assert PolicySettings.from_dict({"crisis_resources": list(DEFAULT_CRISIS_RESOURCES)}) == DEFAULTS


# --- Properties ----------------------------------------------------------------------------------

COUNTABLE = tuple(name for name in NAMES if name not in CRISIS_CATEGORIES)


@st.composite
def valid_settings(draw):
    redirect_at = draw(st.integers(1, 4))
    warn_at = draw(st.integers(redirect_at, 5))
    end_at = draw(st.integers(max(2, warn_at + 1), 7))
    return PolicySettings(
        count_severity=draw(st.integers(1, 4)),
        counted_categories=tuple(draw(st.lists(st.sampled_from(COUNTABLE), unique=True, max_size=6))),
        refuse_severity=draw(st.integers(1, 4)),
        redirect_at=redirect_at,
        warn_at=warn_at,
        end_at=end_at,
        decay_after=draw(st.integers(1, 4)),
        decay_by=draw(st.integers(1, 3)),
        crisis_severity=draw(st.integers(1, 4)),
        confirm_user_end=draw(st.booleans()),
        honour_model_end=draw(st.booleans()),
    )


scores = st.dictionaries(st.sampled_from(NAMES), st.integers(0, 4), max_size=3)
turns = st.builds(
    TurnInput,
    scores=scores,
    classification_failed=st.sampled_from([False, False, False, False, True]),
    asks_to_end=st.booleans(),
    confirms=st.booleans(),
)
histories = st.lists(turns, max_size=30)
PROPERTY = hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _is_counted(turn: TurnInput, policy: PolicySettings) -> bool:
    return not turn.classification_failed and any(
        turn.scores.get(name, 0) >= policy.count_severity for name in policy.counted_categories
    )


@PROPERTY
@given(valid_settings(), turns)
def test_property_the_first_message_never_ends_a_policy_ended_chat(policy, turn):
    decision = decide(BranchState(), turn, policy)
    assert decision.action != "end" or decision.end_reason == "user_request"


@PROPERTY
@given(valid_settings(), histories)
def test_property_a_policy_ending_always_follows_a_warning_on_the_branch(policy, history):
    decisions = replay(history, policy)
    for index, decision in enumerate(decisions):
        if decision.action == "end" and decision.end_reason != "user_request":
            assert "warn" in [d.action for d in decisions[:index]]
            assert decisions[index - 1].state.warned


@PROPERTY
@given(valid_settings(), histories)
def test_property_crisis_mode_never_ends_and_never_warns(policy, history):
    for decision in replay(history, policy):
        if decision.crisis_mode:
            assert decision.action not in ("end", "warn", "confirm_end")
            assert decision.state.crisis_mode


@PROPERTY
@given(valid_settings(), histories)
def test_property_strikes_are_never_negative_and_move_by_one_strike_or_a_decay(policy, history):
    for decision in replay(history, policy):
        assert decision.strikes_after >= 0
        if decision.counted:
            assert decision.strikes_after == decision.strikes_before + 1
        else:
            assert decision.strikes_before - policy.decay_by <= decision.strikes_after <= decision.strikes_before


calm_turns = st.builds(
    TurnInput,
    scores=st.dictionaries(st.sampled_from(NAMES), st.integers(0, 4), max_size=3),
    classification_failed=st.just(False),
)


@PROPERTY
@given(valid_settings(), histories, st.data())
def test_property_backing_off_after_any_history_never_ends_and_clears_strikes(policy, history, data):
    decisions = replay(history, policy)
    if decisions and decisions[-1].action == "end":
        return
    state = decisions[-1].state if decisions else BranchState()
    needed = policy.decay_after * state.strikes
    suffix = data.draw(
        st.lists(calm_turns, min_size=needed, max_size=needed + 5).map(
            lambda ts: [t for t in ts if not _is_counted(t, policy)]
        )
    )
    suffix += [TurnInput(scores={})] * (needed - len(suffix))  # keep the suffix long enough
    after = replay(suffix, policy, state)
    assert "end" not in [d.action for d in after]
    if after:
        assert after[-1].strikes_after == 0


@PROPERTY
@given(st.sampled_from(COUNTED_BY_DEFAULT), st.integers(3, 4), st.sampled_from([CALM, EDGY, WEAPONS]))
def test_property_alternating_harm_and_filler_ends_with_the_defaults(category, severity, filler):
    harmful = TurnInput(scores={category: severity})
    decisions = replay([harmful, filler] * 10, DEFAULTS)
    assert decisions[-1].action == "end"
    assert len(decisions) == 2 * DEFAULTS.end_at - 1


@PROPERTY
@given(valid_settings(), histories)
def test_property_replay_stops_at_the_first_end(policy, history):
    decisions = replay(history, policy)
    ends = [i for i, d in enumerate(decisions) if d.action == "end"]
    assert ends in ([], [len(decisions) - 1])


@PROPERTY
@given(valid_settings())
def test_property_valid_settings_round_trip(policy):
    assert PolicySettings.from_dict(json.loads(json.dumps(policy.to_dict()))) == policy
    assert policy.diff(policy) == []
