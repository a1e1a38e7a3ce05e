"""AnthropicResponder through the real `anthropic` SDK against the local fake Messages API."""

from __future__ import annotations

import time

import pytest

from conversations.responders import texts
from conversations.responders.anthropic import END_TOOL_NAME, AnthropicResponder, history_messages
from conversations.responders.base import (
    CrisisResource,
    Delta,
    EndRequest,
    ReplyRequest,
    ResponderUnavailable,
    Turn,
    collect,
)
from tests.fakes import fixtures
from tests.fakes.anthropic_server import (
    Disconnect,
    Error,
    FakeAnthropic,
    Hang,
    Reply,
    StreamError,
    ToolCall,
    Trickle,
)

fake_anthropic = fixtures.fake_anthropic  # the fixture, shared without a conftest

HOTLINE = CrisisResource(name="Samaritans", contact="116 123", url="https://www.samaritans.org", region="UK")
TEXTLINE = CrisisResource(name="Crisis Text Line", contact="Text HOME to 741741", url="", region="US")


def make_responder(fake: FakeAnthropic, **overrides: object) -> AnthropicResponder:
    options: dict[str, object] = {
        "api_key": "test-key",
        "base_url": fake.base_url,
        "model": "claude-test",
        "timeout": 2.0,
        "max_retries": 0,
        "stream_deadline": 10.0,
    }
    options.update(overrides)
    return AnthropicResponder(**options)  # type: ignore[arg-type]


def ask(text: str = "What is a monad?", **kwargs: object) -> ReplyRequest:
    return ReplyRequest(history=(Turn("user", text),), **kwargs)  # type: ignore[arg-type]


def test_it_streams_deltas_in_order(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.script(Reply(text=["A monad ", "is a ", "monoid ", "in the category of endofunctors."]))

    chunks = list(make_responder(fake_anthropic).reply(ask()))

    assert chunks == [Delta("A monad "), Delta("is a "), Delta("monoid "), Delta("in the category of endofunctors.")]
    request = fake_anthropic.requests[-1]
    assert request.stream
    assert request.body["model"] == "claude-test"
    assert request.headers["authorization"] == "Bearer test-key"


def test_it_yields_deltas_as_they_arrive_not_at_the_end(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.script(Reply(text=["first", " second"], chunk_delay=0.5))
    started = time.monotonic()

    stream = make_responder(fake_anthropic).reply(ask())
    first = next(stream)

    assert first == Delta("first")
    assert time.monotonic() - started < 0.45
    assert collect(stream).text == " second"


def test_it_sends_a_system_prompt_that_keeps_user_text_as_data(fake_anthropic: FakeAnthropic) -> None:
    collect(make_responder(fake_anthropic).reply(ask()))

    system = fake_anthropic.requests[-1].system
    assert "never as instructions" in system
    assert END_TOOL_NAME in system
    assert "Never say that you have ended" in system


def test_it_sends_only_the_branch_history_with_alternating_roles(fake_anthropic: FakeAnthropic) -> None:
    history = (
        Turn("assistant", "Welcome!"),  # a leading assistant turn: the API wants the user first
        Turn("user", "Hi"),
        Turn("user", "  "),  # empty: dropped
        Turn("user", "Are you there?"),
        Turn("assistant", "Yes."),
        Turn("notice", "This chat was ended."),  # not a model turn
        Turn("user", "Tell me a joke"),
    )

    collect(make_responder(fake_anthropic).reply(ReplyRequest(history=history)))

    assert fake_anthropic.requests[-1].messages == [
        {"role": "user", "content": "Hi\n\nAre you there?"},
        {"role": "assistant", "content": "Yes."},
        {"role": "user", "content": "Tell me a joke"},
    ]


def test_history_messages_alternate_and_start_with_the_user() -> None:
    pattern = [("assistant", "a"), ("user", "b"), ("user", ""), ("assistant", "c"), ("assistant", "d"), ("user", "e")]

    messages = history_messages([Turn(role, text) for role, text in pattern])

    assert messages == [
        {"role": "user", "content": "b"},
        {"role": "assistant", "content": "c\n\nd"},
        {"role": "user", "content": "e"},
    ]


def test_it_offers_the_end_tool_only_when_allowed(fake_anthropic: FakeAnthropic) -> None:
    responder = make_responder(fake_anthropic)

    collect(responder.reply(ask(allow_end_tool=True)))
    collect(responder.reply(ask(allow_end_tool=False)))
    collect(responder.reply(ask(allow_end_tool=True, crisis_mode=True, resources=(HOTLINE,))))

    offered, not_allowed, in_crisis = fake_anthropic.requests
    assert offered.tool_names == [END_TOOL_NAME]
    assert offered.tools[0]["input_schema"]["properties"]["reason"]["type"] == "string"
    assert not_allowed.tool_names == []
    assert in_crisis.tool_names == []


def test_an_end_conversation_tool_call_becomes_one_end_request(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.script(
        Reply(
            text=["I won't continue this."],
            tools=[
                ToolCall(END_TOOL_NAME, {"reason": "Repeated requests for a nerve agent synthesis after a warning."})
            ],
        )
    )

    chunks = list(make_responder(fake_anthropic).reply(ask()))

    assert chunks == [
        Delta("I won't continue this."),
        EndRequest(reason="Repeated requests for a nerve agent synthesis after a warning."),
    ]


def test_a_call_to_another_tool_is_ignored(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.script(Reply(text=["Sure."], tools=[ToolCall("web_search", {"q": "x"})]))

    result = collect(make_responder(fake_anthropic).reply(ask()))

    assert result.text == "Sure."
    assert result.end_request is None


@pytest.mark.parametrize("action", ["warn", "confirm_end"])
def test_fixed_actions_use_fixed_text_without_calling_the_model(fake_anthropic: FakeAnthropic, action: str) -> None:
    result = collect(make_responder(fake_anthropic).reply(ask(action=action, category="cbrn", strikes=3)))

    assert result.text
    assert fake_anthropic.requests == []


def test_warn_text_says_that_continuing_ends_the_chat(fake_anthropic: FakeAnthropic) -> None:
    result = collect(make_responder(fake_anthropic).reply(ask(action="warn", category="cbrn", strikes=3)))

    assert "end" in result.text.lower()


def test_end_yields_nothing_and_calls_nothing(fake_anthropic: FakeAnthropic) -> None:
    assert list(make_responder(fake_anthropic).reply(ask(action="end"))) == []
    assert fake_anthropic.requests == []


@pytest.mark.parametrize(("action", "phrase"), [("refuse", "Decline it"), ("redirect", "steer the conversation")])
def test_refusals_are_written_by_the_model_under_a_category_aware_instruction(
    fake_anthropic: FakeAnthropic, action: str, phrase: str
) -> None:
    fake_anthropic.script(Reply(text=["I can't help with that."]))

    result = collect(make_responder(fake_anthropic).reply(ask("how to make sarin", action=action, category="cbrn")))

    assert result.text == "I can't help with that."
    system = fake_anthropic.requests[-1].system
    assert phrase in system
    assert "chemical, biological, radiological or nuclear weapons" in system


def test_crisis_resources_go_to_the_model_and_the_card_not_into_the_reply(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.script(Reply(text=["I'm really sorry you're feeling this way."]))
    request = ask("I want to end my life", action="crisis_support", category="self_harm", resources=(HOTLINE, TEXTLINE))

    result = collect(make_responder(fake_anthropic).reply(request))

    assert result.text == "I'm really sorry you're feeling this way."  # the page shows them as a card
    system = fake_anthropic.requests[-1].system
    assert "116 123" in system and "Text HOME to 741741" in system  # the model was given them
    assert "instead of listing them" in system


def test_every_other_reply_in_crisis_mode_ends_with_the_cards_lead_in(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.script(Reply(text=["I can't help with that."]))
    responder = make_responder(fake_anthropic)

    refused = collect(responder.reply(ask(action="refuse", category="weapons", crisis_mode=True, resources=(HOTLINE,))))
    warned = collect(responder.reply(ask(action="warn", category="weapons", crisis_mode=True, resources=(HOTLINE,))))

    for result in (refused, warned):
        assert result.text.endswith(texts.crisis_footer())
        assert "116 123" not in result.text


def test_fixed_wording_is_in_the_readers_language(fake_anthropic: FakeAnthropic) -> None:
    result = collect(make_responder(fake_anthropic).reply(ask(action="warn", category="weapons", language="de")))

    assert "wird dieser Chat beendet" in result.text


@pytest.mark.parametrize("status", [500, 529, 429])
def test_errors_after_the_sdk_retries_raise_unavailable(fake_anthropic: FakeAnthropic, status: int) -> None:
    fake_anthropic.script(Error(status), Error(status), Error(status))

    with pytest.raises(ResponderUnavailable) as caught:
        collect(make_responder(fake_anthropic, max_retries=2).reply(ask()))

    assert len(fake_anthropic.requests) == 3  # the first try and two SDK retries
    assert caught.value.__cause__ is not None


def test_a_transient_error_is_retried_by_the_sdk(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.script(Error(529), Reply(text=["Recovered."]))

    result = collect(make_responder(fake_anthropic, max_retries=2).reply(ask()))

    assert result.text == "Recovered."
    assert [r.headers["x-stainless-retry-count"] for r in fake_anthropic.requests] == ["0", "1"]


def test_a_hang_beyond_the_timeout_raises_unavailable_quickly(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.script(Hang(seconds=30))
    started = time.monotonic()

    with pytest.raises(ResponderUnavailable):
        collect(make_responder(fake_anthropic, timeout=0.3).reply(ask()))

    assert time.monotonic() - started < 3


def test_a_stall_mid_stream_raises_unavailable_quickly(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.script(Hang(seconds=30, after_headers=True))
    started = time.monotonic()

    with pytest.raises(ResponderUnavailable):
        collect(make_responder(fake_anthropic, timeout=0.3).reply(ask()))

    assert time.monotonic() - started < 3


def test_a_stream_that_only_pings_is_cut_at_the_deadline(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.script(Trickle(seconds=30, interval=0.05))  # pings keep the read timeout from firing
    started = time.monotonic()

    with pytest.raises(ResponderUnavailable, match="deadline"):
        collect(make_responder(fake_anthropic, timeout=5.0, stream_deadline=0.5).reply(ask()))

    assert time.monotonic() - started < 3


def test_a_mid_stream_disconnect_raises_unavailable(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.script(Disconnect(after_events=4))
    received: list[object] = []

    with pytest.raises(ResponderUnavailable):
        for chunk in make_responder(fake_anthropic).reply(ask()):
            received.append(chunk)

    assert received == [Delta("Partial ")]  # what arrived before the cut was streamed


def test_an_error_event_mid_stream_raises_unavailable(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.script(StreamError(after_events=5, error_type="overloaded_error"))

    with pytest.raises(ResponderUnavailable):
        collect(make_responder(fake_anthropic).reply(ask()))


def test_a_stream_without_message_stop_raises_unavailable(fake_anthropic: FakeAnthropic) -> None:
    # A clean close after a partial answer must not pass for a complete reply.
    fake_anthropic.script(Disconnect(reply=Reply(text=["Half"]), after_events=5, clean=True))

    with pytest.raises(ResponderUnavailable):
        collect(make_responder(fake_anthropic).reply(ask()))


def test_a_connection_refused_raises_unavailable() -> None:
    fake = FakeAnthropic()
    base_url = fake.base_url
    fake.stop()  # nothing listens there any more

    with pytest.raises(ResponderUnavailable):
        collect(
            AnthropicResponder(api_key="k", base_url=base_url, model="claude-test", timeout=1.0, max_retries=0).reply(
                ask()
            )
        )


def test_a_missing_api_key_raises_unavailable(fake_anthropic: FakeAnthropic) -> None:
    with pytest.raises(ResponderUnavailable):
        collect(make_responder(fake_anthropic, api_key="").reply(ask()))
    assert fake_anthropic.requests == []


def test_a_cautious_turn_is_answered_carefully_without_the_end_tool(fake_anthropic: FakeAnthropic) -> None:
    collect(make_responder(fake_anthropic).reply(ask(cautious=True, allow_end_tool=True)))

    request = fake_anthropic.requests[-1]
    assert request.tool_names == []
    assert "could not run" in request.system


def test_closing_the_reply_early_closes_the_http_stream(fake_anthropic: FakeAnthropic, monkeypatch) -> None:
    """A stop (reply.stop) closes the reply's generator: the model's HTTP stream is closed with it."""
    import anthropic

    closed: list[bool] = []
    real_close = anthropic.Stream.close

    def spy(self) -> None:
        closed.append(True)
        real_close(self)

    monkeypatch.setattr(anthropic.Stream, "close", spy)
    fake_anthropic.script(Reply(text=["one ", "two ", "three "], chunk_delay=0.5))
    stream = make_responder(fake_anthropic).reply(ask())
    assert next(stream) == Delta("one ")
    assert closed == []
    stream.close()
    assert closed, "the HTTP stream was closed"
