"""The offline responder and the assistant's fixed texts. Pure: no database, no network."""

from __future__ import annotations

import pytest

from conversations.responders import texts
from conversations.responders.base import ACTIONS, CrisisResource, Delta, EndRequest, ReplyRequest, Turn, collect
from conversations.responders.offline import OfflineResponder, word_chunks

RESOURCES = (
    CrisisResource(name="Test Lifeline", contact="Call 000 111", url="https://lifeline.example", region="Testland"),
    CrisisResource(name="Text Helpers", contact="Text HI to 123", url="", region="Elsewhere"),
)
HISTORY = (Turn(role="user", content="hello"),)


def reply(action: str, **kwargs):
    request = ReplyRequest(history=HISTORY, action=action, **kwargs)
    return list(OfflineResponder().reply(request))


@pytest.mark.parametrize("action", [a for a in ACTIONS if a != "end"])
def test_every_action_streams_non_empty_text_in_several_chunks(action):
    chunks = reply(action, category="Cyber attack", resources=RESOURCES)
    assert all(isinstance(chunk, Delta) and chunk.text for chunk in chunks)
    assert len(chunks) >= 3
    assert collect(chunks).text.strip()


def test_end_yields_nothing():
    assert reply("end", category="Cyber attack") == []


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("crisis_mode", [False, True])
def test_it_never_asks_to_end(action, crisis_mode):
    assert not any(isinstance(c, EndRequest) for c in reply(action, crisis_mode=crisis_mode, resources=RESOURCES))


def test_chunks_join_back_to_the_exact_text():
    text = "One two three four five six seven.\n\nEight, nine ten."
    chunks = word_chunks(text)
    assert "".join(chunks) == text
    assert len(chunks) == 3


def test_replies_are_deterministic():
    assert reply("redirect", category="CBRN weapons") == reply("redirect", category="CBRN weapons")


@pytest.mark.parametrize(
    ("action", "crisis_mode"),
    [("crisis_support", False), ("crisis_support", True), ("refuse", True), ("redirect", True), ("answer", True)],
)
def test_crisis_replies_leave_the_resources_to_the_card(action, crisis_mode):
    """The resources appear once, as the page's card (stored with the reply), never as text too."""
    text = collect(reply(action, crisis_mode=crisis_mode, resources=RESOURCES)).text
    for resource in RESOURCES:
        assert resource.name not in text and resource.contact not in text
    assert "lifeline.example" not in text
    if action != "crisis_support":
        assert text.endswith(texts.crisis_footer())


def test_crisis_support_opens_with_a_caring_paragraph_the_card_follows():
    opening, rest = texts.crisis_support(resources=RESOURCES).split("\n\n", 1)
    assert "glad you told me" in opening and "below" in opening
    assert "emergency number" in rest


def test_replies_outside_crisis_mode_carry_no_resources():
    text = collect(reply("refuse", resources=RESOURCES)).text
    assert "Test Lifeline" not in text and texts.crisis_footer() not in text


def test_a_threat_to_others_gets_support_that_does_not_assume_self_harm():
    text = texts.crisis_support(resources=RESOURCES, category_label="Threat to others")
    assert "hurt" in text and "glad you told me" not in text


def test_warn_says_one_more_such_request_ends_this_chat_and_is_not_a_ban():
    text = collect(reply("warn", category="Cyber attack")).text
    assert "one more" in text and "will be ended" in text
    assert "ban" in text and "new chat" in text


def test_redirect_offers_a_safe_direction_for_the_category():
    cyber = texts.redirect(category_label="Cyber attack")
    cbrn = texts.redirect(category_label="CBRN weapons")
    assert "defensive security" in cyber
    assert cyber != cbrn


def test_refusals_name_the_category_and_accept_raw_names():
    assert "Cyber attack" in texts.refuse(category_label="Cyber attack")
    assert "cyber attack" in texts.refuse(category_label="cyber_attack")


def test_confirm_end_says_what_ending_means_without_contradicting_the_notice():
    text = texts.confirm_end()
    assert "nothing more can be added" in text and "new chat" in text and '"yes"' in text
    # The notice offers editing an earlier message, so the prompt must not say "can't be continued".
    assert "can't be continued" not in text and "edit an earlier message" in text


def test_the_offline_answer_is_honest_that_no_model_is_configured():
    assert "no language model is configured" in collect(reply("answer")).text


def test_a_cautious_answer_when_classification_failed():
    text = collect(reply("answer", cautious=True)).text
    assert "safety check couldn't run" in text
    assert text != collect(reply("answer")).text


@pytest.mark.parametrize("reason", ["persistent_harm", "abuse", "model_request"])
def test_the_statement_of_reasons_explains_and_offers_a_way_forward(reason):
    text = texts.end_statement(reason=reason, category_label="CBRN weapons", refusals=4)
    assert "CBRN weapons" in text
    assert "4" in text
    assert "automatically" in text
    assert "not a ban" in text
    assert "new chat" in text
    assert "Edit" in text or "edit" in text
    assert "unexpected" in text


def test_a_user_requested_ending_is_not_called_a_sanction():
    text = texts.end_statement(reason="user_request", category_label=None, refusals=0)
    assert "You asked" in text and "new chat" in text and "ban" in text


def test_a_manual_ending_does_not_claim_to_be_automatic():
    text = texts.end_statement(reason="persistent_harm", category_label="Hate", refusals=2, decided_automatically=False)
    assert "automatically" not in text and "moderation team" in text


def test_the_fixed_texts_accept_a_request_like_the_anthropic_responder_passes():
    request = ReplyRequest(history=HISTORY, action="warn", category="Cyber attack")
    assert texts.warn(request) == texts.warn(category_label="Cyber attack")
    assert texts.confirm_end(request)
