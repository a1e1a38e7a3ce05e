"""Celery interfaces to the pipeline. Tasks take ids, re-fetch, exit quietly on stale work and call
services; every service they call is idempotent, so late acknowledgement (a redelivery after a
worker died) never duplicates anything."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings

from moderation.classifiers.base import ClassifierError
from moderation.services import pipeline

log = logging.getLogger(__name__)

CLASSIFY_MAX_RETRIES = 3



@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, soft_time_limit=60, time_limit=90)
def classify_message(self, message_id: str) -> None:
    """Classify, decide, then hand over to the `reply` queue. Transient backend errors are
    retried with exponential backoff; after the last retry (or a permanent error) the offline
    backend classifies instead; if that fails too, the decision is made without a verdict
    (answered cautiously, never counted)."""
    backend = settings.CLASSIFIER_BACKEND
    try:
        pipeline.classification_run(message_id=message_id, backend=backend)
    except ClassifierError as error:
        if error.transient and not self.request.is_eager and self.request.retries < CLASSIFY_MAX_RETRIES:
            raise self.retry(exc=error, countdown=2 ** (self.request.retries + 1)) from error
        log.warning("classifier %s failed for message %s; falling back to offline", backend, message_id)
        if backend != "offline":
            try:
                pipeline.classification_run(message_id=message_id, backend="offline", fallback_from=backend)
            except ClassifierError:
                log.exception("offline classifier failed for message %s", message_id)
    decision = pipeline.decision_make(message_id=message_id)
    if decision is not None:
        reply_to_message.delay(message_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=150, time_limit=180)
def reply_to_message(message_id: str) -> None:
    pipeline.reply_generate(message_id=message_id)


@shared_task(acks_late=True)
def sweep_unanswered() -> int:
    """Re-queue user messages left without a reply (a lost task, a broker restart)."""
    grace = timedelta(seconds=settings.SWEEP_GRACE_SECONDS)
    stuck = pipeline.unanswered_user_messages(older_than=grace)
    for message_id in stuck:
        classify_message.delay(str(message_id))
    if stuck:
        log.warning("sweeper re-queued %d unanswered messages", len(stuck))
    return len(stuck)


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def run_backtest(backtest_id: int) -> None:
    """Replay stored history under a policy version (console: policy -> backtest)."""
    from moderation.services.policies import backtest_run

    backtest_run(backtest_id=backtest_id)
