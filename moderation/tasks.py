"""Celery interfaces to the services. Tasks take ids, re-fetch, exit quietly on stale work and call
one service; every service they call is idempotent, so late acknowledgement (a redelivery after a
worker died) never duplicates anything. Services never queue tasks: the caller of a service (a
task, the posting hook, a view) queues what comes next."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings

from conversations import selectors as conversation_selectors
from moderation.classifiers.base import ClassifierError
from moderation.services import policies, turn

log = logging.getLogger(__name__)

CLASSIFY_MAX_RETRIES = 3


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, soft_time_limit=60, time_limit=90)
def classify_message(self, message_id: str) -> None:
    """Run the user message's turn (moderation.services.turn): classify, decide and, when the
    responder answers at once, answer in this task; a reply that streams goes to the `reply`
    queue. A transient classifier error is retried with exponential backoff; after the last retry
    (or a permanent error) the offline backend classifies instead."""
    may_retry = not self.request.is_eager and self.request.retries < CLASSIFY_MAX_RETRIES
    try:
        outcome = turn.turn_run(message_id=message_id, may_retry=may_retry)
    except ClassifierError as error:  # transient, with a retry left
        raise self.retry(exc=error, countdown=2 ** (self.request.retries + 1)) from error
    if outcome is turn.Outcome.REPLY_QUEUED:
        reply_to_message.delay(message_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=150, time_limit=180)
def reply_to_message(message_id: str) -> None:
    """Stream the reply of a decided turn (the same pipeline; its stored rows are reused)."""
    turn.turn_run(message_id=message_id, stream=True)


def requeue_unanswered(requeue) -> int:
    """Hand every user message left without a reply past the grace period (a lost task, a broker
    restart) to `requeue(message_id)`; the number handed on."""
    grace = timedelta(seconds=settings.SWEEP_GRACE_SECONDS)
    stuck = conversation_selectors.unanswered_user_messages(older_than=grace)
    for message_id in stuck:
        requeue(message_id)
    if stuck:
        log.warning("sweeper re-queued %d unanswered messages", len(stuck))
    return len(stuck)


@shared_task(acks_late=True)
def sweep_unanswered() -> int:
    """Re-queue user messages left without a reply on the classify queue."""
    return requeue_unanswered(lambda message_id: classify_message.delay(str(message_id)))


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def run_backtest(backtest_id: int) -> None:
    """Replay stored history under a policy version (console: policy -> backtest)."""
    policies.backtest_run(backtest_id=backtest_id)
