"""Celery interfaces to the pipeline. Tasks take ids, re-fetch, exit quietly on stale work and call
services; every service they call is idempotent, so late acknowledgement (a redelivery after a
worker died) never duplicates anything."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings

from conversations.responders import get_responder
from moderation.classifiers.base import ClassifierError, Verdict
from moderation.services import pipeline, turn

log = logging.getLogger(__name__)

CLASSIFY_MAX_RETRIES = 3


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, soft_time_limit=60, time_limit=90)
def classify_message(self, message_id: str) -> None:
    """Classify, decide, then answer: in this task when the responder answers at once (one pass,
    `moderation.services.turn`), else through the `reply` queue. Transient backend errors are
    retried with exponential backoff; after the last retry (or a permanent error) the offline
    backend classifies instead; if that fails too, the decision is made without a verdict
    (answered cautiously, never counted)."""
    current = turn.turn_load(message_id=message_id)
    if current is None or current.closed:
        return  # unknown id, not a user message, or closed by an ending (nothing answers it)
    if not current.classified:
        verdict, backend, fallback_from = _classify(self, current)
        if current.fresh:
            outcome = turn.turn_settle(current, verdict, backend=backend, fallback_from=fallback_from)
            if outcome is turn.Outcome.ANSWERED:
                return
            if outcome is turn.Outcome.REPLY_QUEUED:
                reply_to_message.delay(message_id)
                return
        elif verdict is not None:
            pipeline.classification_store(
                message=current.message, verdict=verdict, backend=backend, fallback_from=fallback_from
            )
    # The general path: each step loads what it needs and is idempotent on its own.
    decision = pipeline.decision_make(message_id=message_id)
    if decision is None:
        return
    if getattr(get_responder(), "inline", False):
        pipeline.reply_generate(message_id=message_id)
    else:
        reply_to_message.delay(message_id)


def _classify(task, current: turn.Turn) -> tuple[Verdict | None, str, str]:
    """(verdict, backend, fallback_from) for a fresh turn, with the retry and fallback rules."""
    backend = settings.CLASSIFIER_BACKEND
    context = turn.user_context(current)
    try:
        return pipeline.classify_timed(backend, current.message.content, context), backend, ""
    except ClassifierError as error:
        if error.transient and not task.request.is_eager and task.request.retries < CLASSIFY_MAX_RETRIES:
            raise task.retry(exc=error, countdown=2 ** (task.request.retries + 1)) from error
        log.warning("classifier %s failed for message %s; falling back to offline", backend, current.message.id)
    if backend != "offline":
        try:
            return pipeline.classify_timed("offline", current.message.content, context), "offline", backend
        except ClassifierError:
            log.exception("offline classifier failed for message %s", current.message.id)
    return None, backend, ""


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
