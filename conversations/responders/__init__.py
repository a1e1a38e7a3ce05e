"""Responders by short name -> dotted path (settings.RESPONDER picks one), loaded lazily."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

BUILTIN = {
    "offline": "conversations.responders.offline.OfflineResponder",
    "anthropic": "conversations.responders.anthropic.AnthropicResponder",
}


@cache
def get_responder(name: str | None = None):
    name = name or settings.RESPONDER
    paths = {**BUILTIN, **getattr(settings, "RESPONDERS", {})}
    if name not in paths:
        raise KeyError(f"unknown responder {name!r}; known: {', '.join(sorted(paths))}")
    return import_string(paths[name])()
