"""Turns of the embedded default, off the socket's handler (issue 15).

Without Redis, Celery runs tasks eagerly: in the thread that queues them. The posting hook runs on
commit of `message_post`, inside the websocket consumer's handler, and Channels hands a consumer
its next message (its channel-layer events too) only when the handler returns. So the sender's
own socket got its `message.created`, every `assistant.delta` and the reply together, at the end
of the whole turn, and a `reply.stop` from that socket could not even be read while the reply
streamed.

Here the hook hands the turn to a small pool of background threads of the server process
(EMBEDDED_TURN_THREADS, 0: run inline as before): the handler returns at once, and the turns of
one conversation run one after the other, in the order they were queued (a message that waited
and moved under a reply is queued by that reply's turn, so after it). The events a turn sends go
through the server's own event loop, which serves the in-memory channel layer.

Errors are logged and left to the sweeper (it re-queues unanswered messages, `EMBEDDED_SWEEP_SECONDS`).
At shutdown the interpreter waits for the threads (concurrent.futures), so a reply under way is
finished; a process killed outright leaves it to the sweeper of the next start.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.db import close_old_connections

from conversations import events

log = logging.getLogger(__name__)


class OrderedRunner:
    """Runs callables on `threads` threads; those of one key one after the other, in order."""

    def __init__(self, threads: int) -> None:
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="embedded-turn")
        self._lock = threading.Lock()
        self._queues: dict[object, deque] = {}
        self._server_loop = None  # the last ASGI loop seen: for callers that have none (the sweeper)

    def submit(self, key, function: Callable[[], object]) -> None:
        loop = events.server_loop()  # the caller's ASGI loop, when called under sync_to_async
        with self._lock:
            if loop is None:
                loop = self._server_loop
            else:
                self._server_loop = loop
            queue = self._queues.get(key)
            if queue is not None:  # a thread drains this key already: it will run this one next
                queue.append((function, loop))
                return
            self._queues[key] = deque([(function, loop)])
        self._executor.submit(self._drain, key)

    def _drain(self, key) -> None:
        while True:
            with self._lock:
                queue = self._queues[key]
                if not queue:
                    del self._queues[key]
                    return
                function, loop = queue.popleft()
            _run(function, loop)


def _run(function, loop) -> None:
    close_old_connections()
    try:
        with events.sending_through(loop):
            function()
    except Exception:
        log.exception("an embedded turn failed; the sweeper retries it")
    finally:
        close_old_connections()


_runner: OrderedRunner | None = None
_runner_lock = threading.Lock()


def runner(threads: int) -> OrderedRunner:
    """This process' runner (made at the first use)."""
    global _runner
    with _runner_lock:
        if _runner is None:
            _runner = OrderedRunner(threads)
        return _runner


def warm_in_background() -> threading.Thread:
    """Build the classifier, and load the responder's model if it has one (`warm`: RESPONDER=local),
    on a thread of their own when the server starts (a worker builds the classifier at start,
    chatsite/celery.py). The embedded default has no worker: without this the first user's message
    waited for the lexicons and the learned model to load, about 1.8 s of CPU, and with the local
    model for that model too. The server takes connections meanwhile; a message that comes first
    waits for the same build."""
    from django.conf import settings

    from conversations.responders import get_responder
    from moderation.classifiers.registry import get_classifier

    def build() -> None:
        try:
            get_classifier(settings.CLASSIFIER_BACKEND)
        except Exception:  # the first message builds it again and reports the error to its turn
            log.exception("the classifier could not be built at start")
        try:
            warm = getattr(get_responder(), "warm", None)
            if warm is not None:
                warm()
        except Exception:  # the first reply loads it again (the turn reports "unavailable")
            log.exception("the responder could not be loaded at start")

    thread = threading.Thread(target=build, name="embedded-warm", daemon=True)
    thread.start()
    return thread
