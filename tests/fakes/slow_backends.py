"""Slow stand-ins for the classifier and the responder, so fault tests can kill a worker while it is
inside the work (tests only; registered in a worker through CLASSIFIER_BACKENDS_JSON and
RESPONDERS_JSON).

Environment, read at each call (the restarted worker gets different values):
- FAULT_SLOW_SECONDS: how long to stay inside classify()/reply() (default 0: no delay);
- FAULT_SLOW_STAGES: which of them are slow (default "classify,reply");
- FAULT_MARKER_DIR: a directory where a file `<stage>-<pid>-<n>` is created on entering, so the
  test knows the window is open before it kills the worker.

Neither touches the database; neither sees more than the offline backends do.
"""

from __future__ import annotations

import itertools
import os
import re
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from conversations.responders.base import Chunk, Delta, ReplyRequest
from conversations.responders.offline import OfflineResponder
from moderation.classifiers.offline import OfflineClassifier

_calls = itertools.count(1)
_GATE = re.compile(r"\[gate(?::(\w+))?\]")
_WORDS = re.compile(r"\[words:(\d+)\]")


def _enter(stage: str) -> float:
    marker_dir = os.environ.get("FAULT_MARKER_DIR")
    if marker_dir:
        Path(marker_dir, f"{stage}-{os.getpid()}-{next(_calls)}").touch()
    if stage not in os.environ.get("FAULT_SLOW_STAGES", "classify,reply").split(","):
        return 0.0
    return float(os.environ.get("FAULT_SLOW_SECONDS", "0") or 0)


class SlowClassifier:
    name = "slow"
    version = "slow-1"

    def __init__(self) -> None:
        self._inner = OfflineClassifier()

    def classify(self, text: str, *, context: Sequence[str] = (), last_action: str | None = None):
        delay = _enter("classify")
        time.sleep(delay)
        return self._inner.classify(text, context=context, last_action=last_action)


class SlowResponder:
    """The offline reply, with the delay between its first chunk and the rest (a stream cut in
    the middle when the worker dies)."""

    name = "slow"

    def __init__(self) -> None:
        self._inner = OfflineResponder()

    def reply(self, request: ReplyRequest) -> Iterator[Chunk]:
        delay = _enter("reply")
        for index, chunk in enumerate(self._inner.reply(request)):
            yield chunk
            if index == 0:
                time.sleep(delay)


class StreamingResponder:
    """A language model's stream, slowed down (tests only; `RESPONDERS_JSON`): STREAM_CHUNKS words
    (default 400) with STREAM_CHUNK_SECONDS between them (default 0.02), so a test can stop it
    long before its end. A reply to a message that contains "[gate]" (or "[gate:NAME]") waits
    after its first word (or word number STREAM_GATE_AFTER) until the file `gate` (`gate-NAME`) exists in STREAM_GATE_DIR (at most
    30 s): a test opens the gate only after it received that first word, which proves the word
    reached it before the stream ended. The stream's end, or its closing by a stop, is noted as
    the file `closed-<n>` there. "[words:N]" in the message makes the reply N words long."""

    name = "streaming"
    inline = False

    def reply(self, request: ReplyRequest) -> Iterator[Chunk]:
        gate_dir = os.environ.get("STREAM_GATE_DIR")
        match = _GATE.search(request.history[-1].content) if request.history else None
        gated = match is not None
        gate_name = f"gate-{match.group(1)}" if match and match.group(1) else "gate"
        words = _WORDS.search(request.history[-1].content) if request.history else None
        count = int(words.group(1)) if words else int(os.environ.get("STREAM_CHUNKS", "400"))
        pause = float(os.environ.get("STREAM_CHUNK_SECONDS", "0.02"))
        gate_after = int(os.environ.get("STREAM_GATE_AFTER", "0"))  # the word after which a gated stream waits
        try:
            for index in range(count):
                yield Delta(f"word{index} ")
                if gated and index == gate_after and gate_dir:
                    _wait_for(Path(gate_dir, gate_name), timeout=30)
                elif not gated:
                    time.sleep(pause)
        finally:
            if gate_dir:
                Path(gate_dir, f"closed-{next(_calls)}").touch()


def _wait_for(path: Path, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
