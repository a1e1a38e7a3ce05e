import os

from celery import Celery
from celery.signals import task_prerun, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsite.settings")

app = Celery("chatsite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _drop_broken_database_connections(task=None, **kwargs) -> None:
    """What Django does at each request, before each task: close a connection that errored (its
    server restarted, its backend was terminated) or outlived CONN_MAX_AGE; with CONN_HEALTH_CHECKS
    an idle one is checked before reuse. Without this, CELERY_DB_REUSE_MAX keeps a dead connection
    and every task of the worker fails until it is restarted. (Eager tasks run inside the caller's
    transaction: left alone.)"""
    if task is None or getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()


@worker_init.connect
def _load_backends(**kwargs) -> None:
    """Build the classifier (its lexicons compile on first use) and the responder when the worker
    starts, not in the first user's task; a prefork pool's children inherit them. A backend that
    cannot be built stops the worker here, loudly, instead of failing every task."""
    from django.conf import settings

    from conversations.responders import get_responder
    from moderation.classifiers.registry import get_classifier

    get_classifier(settings.CLASSIFIER_BACKEND)
    get_responder()
