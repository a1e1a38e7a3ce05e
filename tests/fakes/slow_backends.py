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
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from conversations.responders.base import Chunk, ReplyRequest
from conversations.responders.offline import OfflineResponder
from moderation.classifiers.offline import OfflineClassifier

_calls = itertools.count(1)


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
