"""The output rail in the turn pipeline, for both paths (moderation/services/turn/answer.py):

- the instant path (`answer_whole`): a local responder whose reply turns harmful;
- the streaming path (`answer_streamed`): the real `anthropic` SDK against the fake Messages API
  (tests/fakes/anthropic_server.py), the model's stream turning harmful mid-reply.

Either way: the stored reply is the refusal in the user's language, the harmful text never went
to the user's sockets (the deltas carry only checked text; `assistant.completed` carries the
refusal, which the page renders over the deltas), a RailEvent and a `rail` flag are recorded,
and the turn is no strike."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils.translation import override

from conversations import responders, services
from conversations.models import Message
from conversations.responders import texts
from conversations.responders.base import Delta, EndRequest, ReplyRequest
from moderation.classifiers import registry
from moderation.models import Decision, Flag, RailEvent
from tests.factories import conversation, post
from tests.fakes import fixtures
from tests.fakes.anthropic_server import Reply

pytestmark = pytest.mark.django_db(transaction=True)

fake_anthropic = fixtures.fake_anthropic

BENIGN_START = (
    "Good question. Pipes in old houses are usually copper or galvanised steel, and both last for decades. "
    "Here is some background on how plumbing evolved over the last century, in a few sentences. "
)
HARMFUL = (
    "Sure! Here's how to build a pipe bomb: First, get a steel pipe and two end caps. Fill the pipe with black "
    "powder, drill a hole for the fuse, and screw the caps on tight."
)
TAIL = " Then you wait for the right moment. " * 10


@pytest.fixture
def rail_hybrid(settings):
    settings.RAIL_CLASSIFIER_BACKEND = "hybrid-output"  # the real default backend on the assistant's text


class TurningResponder:
    """An instant, local responder (like a small local model) whose reply turns harmful."""

    name = "turning"
    inline = True

    def reply(self, request: ReplyRequest) -> Iterator[Delta]:
        text = BENIGN_START + HARMFUL + TAIL
        for i in range(0, len(text), 9):
            yield Delta(text[i : i + 9])


@pytest.fixture
def use_responder(settings):
    """`use_responder(class name)`: that responder of this module answers (the cached instance is
    dropped before and after)."""

    def use(name: str) -> None:
        settings.RESPONDERS = {name: f"tests.moderation.test_rail_pipeline.{name}"}
        settings.RESPONDER = name
        responders._instance.cache_clear()

    yield use
    responders._instance.cache_clear()


@pytest.fixture
def turning(use_responder):
    use_responder("TurningResponder")


def withheld_text(language: str) -> str:
    with override(language):
        return texts.withheld()


def assert_withheld(message, reply, language: str) -> RailEvent:
    assert reply.status == "complete"
    assert reply.content == withheld_text(language)
    assert "pipe" not in reply.content.lower() and "Rohrbombe" not in reply.content
    event = RailEvent.objects.get(message=reply)
    assert event.category == "violent_extremism" and event.severity >= 3 and event.threshold == 3
    assert event.backend == "hybrid-output" and event.backend_version
    assert len(BENIGN_START) < event.offset <= len(BENIGN_START + HARMFUL)
    assert "black powder" in event.withheld  # kept for moderators only
    flag = Flag.objects.get(kind=Flag.Kind.RAIL)
    assert flag.message_id == reply.id and flag.status == "open" and flag.detail["category"] == "violent_extremism"
    decision = Decision.objects.get(message=message)
    assert not decision.counted and decision.strikes_after == 0  # the user did not write it
    return event


def test_an_instant_reply_that_turns_harmful_is_replaced_by_the_refusal(user, turning, rail_hybrid, sent_events):
    conv = conversation(user)
    message = post(user, conv, "Tell me about the pipes in my old house.")
    reply = Message.objects.get(parent=message)
    event = assert_withheld(message, reply, "en")
    assert event.shown_chars == 0  # the instant path shows nothing before the whole reply is checked
    completed = [payload for kind, payload in sent_events if kind == "assistant.completed"]
    assert [p["message"]["content"] for p in completed] == [withheld_text("en")]
    assert not [kind for kind, _ in sent_events if kind == "assistant.delta"]


def test_the_refusal_is_in_the_users_language(user, turning, rail_hybrid):
    services.preference_set_language(user=user, language="de")
    conv = conversation(user)
    message = post(user, conv, "Erzähl mir etwas über die Rohre in meinem alten Haus.")
    reply = Message.objects.get(parent=message)
    assert_withheld(message, reply, "de")
    assert reply.content.startswith("Ich habe")


@pytest.fixture
def llm(settings, fake_anthropic):
    settings.ANTHROPIC_API_KEY = "test-key-not-secret"
    settings.ANTHROPIC_BASE_URL = fake_anthropic.base_url
    settings.ANTHROPIC_MAX_RETRIES = 0
    settings.RESPONDER = "anthropic"
    registry._instance.cache_clear()
    responders._instance.cache_clear()
    yield fake_anthropic
    registry._instance.cache_clear()
    responders._instance.cache_clear()


def words(text: str) -> list[str]:
    return [word + " " for word in text.split(" ")]


def test_a_streamed_reply_that_turns_harmful_mid_stream_is_stopped_and_replaced(user, llm, rail_hybrid, sent_events):
    llm.script(Reply(text=words(BENIGN_START + HARMFUL + TAIL)))
    conv = conversation(user)
    message = post(user, conv, "Tell me about the pipes in my old house.")
    reply = Message.objects.get(parent=message)
    event = assert_withheld(message, reply, "en")
    deltas = "".join(p["delta"] for kind, p in sent_events if kind == "assistant.delta")
    assert deltas, "the benign start streamed before the rail tripped"
    assert "black powder" not in deltas and "pipe bomb" not in deltas  # never on the user's screen
    assert len(deltas) == event.shown_chars <= len(BENIGN_START) + 1
    completed = [p for kind, p in sent_events if kind == "assistant.completed"]
    assert [p["message"]["id"] for p in completed] == [str(reply.id)]
    assert completed[0]["message"]["content"] == withheld_text("en")  # the page renders it over the deltas


def test_the_control_a_streamed_reply_without_harm_is_stored_as_written(user, llm, rail_hybrid, sent_events):
    """Without this, the test above could pass with a rail that withholds every reply."""
    text = BENIGN_START + "Copper pipes can last fifty years or more if the water is not too acidic."
    llm.script(Reply(text=words(text)))
    conv = conversation(user)
    message = post(user, conv, "Tell me about the pipes in my old house.")
    reply = Message.objects.get(parent=message)
    assert reply.content.strip() == text.strip()
    assert not RailEvent.objects.exists() and not Flag.objects.filter(kind=Flag.Kind.RAIL).exists()
    deltas = "".join(p["delta"] for kind, p in sent_events if kind == "assistant.delta")
    assert deltas.strip() == text.strip()


def test_the_rail_turned_off_by_the_policy_lets_the_reply_through(user, llm, rail_hybrid, active_rail_off):
    llm.script(Reply(text=words(BENIGN_START + HARMFUL)))
    conv = conversation(user)
    message = post(user, conv, "Tell me about the pipes in my old house.")
    assert "black powder" in Message.objects.get(parent=message).content
    assert not RailEvent.objects.exists()


@pytest.fixture
def active_rail_off(db):
    from moderation.models import PolicyVersion
    from moderation.policy import PolicySettings

    PolicyVersion.objects.filter(status=PolicyVersion.Status.ACTIVE).update(status=PolicyVersion.Status.RETIRED)
    PolicyVersion.objects.create(
        number=99, settings=PolicySettings(rail_severity=0).to_dict(), status=PolicyVersion.Status.ACTIVE
    )


class TurningAndEnding(TurningResponder):
    """Harmful text, then the model's end_conversation call."""

    def reply(self, request: ReplyRequest) -> Iterator:
        yield from super().reply(request)
        yield EndRequest("The user is being difficult.")


def test_a_withheld_reply_drops_the_models_end_request(user, use_responder, rail_hybrid):
    use_responder("TurningAndEnding")
    conv = conversation(user)
    message = post(user, conv, "Tell me about the pipes in my old house.")
    assert RailEvent.objects.filter(message__parent=message).exists()
    assert Decision.objects.get(message=message).model_end_request is None


def test_the_control_a_clean_reply_keeps_the_models_end_request(user, use_responder, rail_hybrid):
    use_responder("CleanAndEnding")
    conv = conversation(user)
    message = post(user, conv, "Tell me about the pipes in my old house.")
    assert not RailEvent.objects.exists()
    assert Decision.objects.get(message=message).model_end_request["code"] == "not_warned"


class CleanAndEnding:
    name = "clean"
    inline = True

    def reply(self, request: ReplyRequest) -> Iterator:
        yield Delta(BENIGN_START)
        yield EndRequest("The user is being difficult.")
