"""The sweeper without Celery beat, for the embedded default.

Distributed, `celery beat` runs `moderation.tasks.sweep_unanswered` every minute. The embedded
default has no beat and runs tasks in-process (eager): a reply that failed there (the database
was locked too long, the responder raised) would stay unanswered for good. So the ASGI server of
the embedded default runs the same sweep on a timer thread (`chatsite/asgi.py`,
`EMBEDDED_SWEEP_SECONDS`, 0 turns it off). It hands each message it finds to the posting hook, so
the turn runs like a new one: on the embedded runner's threads, in order with the conversation's
other turns, its events sent through the server's loop to the open sockets (moderation.embedded).
"""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections

log = logging.getLogger(__name__)

_started: threading.Thread | None = None
_lock = threading.Lock()


def sweep_once() -> int:
    """One sweep in this thread, with its own database connection handling; never raises."""
    from moderation.pipeline import on_user_message_posted
    from moderation.tasks import requeue_unanswered

    close_old_connections()
    try:
        return requeue_unanswered(on_user_message_posted)
    except Exception:
        log.exception("in-process sweep failed; the next one retries")
        return 0
    finally:
        close_old_connections()


def start_in_process(interval: float) -> threading.Thread:
    """Start the timer thread once per process (a second call returns the running one)."""
    global _started
    with _lock:
        if _started is None or not _started.is_alive():
            stop = threading.Event()

            def run() -> None:
                while not stop.wait(interval):
                    sweep_once()

            _started = threading.Thread(target=run, name="embedded-sweeper", daemon=True)
            _started.stop = stop
            _started.start()
        return _started
