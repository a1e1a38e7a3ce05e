"""Responders by short name -> dotted path (settings.RESPONDER picks one), loaded lazily."""

from __future__ import annotations

import threading
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

BUILTIN = {
    "offline": "conversations.responders.offline.OfflineResponder",
    "anthropic": "conversations.responders.anthropic.AnthropicResponder",
    "local": "conversations.responders.local.LocalModelResponder",  # opt-in: requirements-local-model.txt
}


def get_responder(name: str | None = None):
    """The configured responder (settings.RESPONDER) or the one named; one instance per process."""
    paths = {**BUILTIN, **getattr(settings, "RESPONDERS", {})}
    name = name or settings.RESPONDER
    if name not in paths:
        raise KeyError(f"unknown responder {name!r}; known: {', '.join(sorted(paths))}")
    with _building:  # one instance per process, also when the server's warm-up and a turn race
        return _instance(paths[name])


_building = threading.RLock()


@cache
def _instance(path: str):
    return import_string(path)()
