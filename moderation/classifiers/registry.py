"""Backends by short name -> dotted path, loaded lazily (settings.CLASSIFIER_BACKENDS may add more)."""

from __future__ import annotations

import threading
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from moderation.classifiers.base import Classifier

BUILTIN = {
    "hybrid": "moderation.classifiers.hybrid.HybridClassifier",
    "hybrid-output": "moderation.classifiers.hybrid.OutputHybridClassifier",
    "learned": "moderation.classifiers.learned.LearnedClassifier",
    "offline": "moderation.classifiers.offline.OfflineClassifier",
    "anthropic": "moderation.classifiers.anthropic.AnthropicClassifier",
    "cascade": "moderation.classifiers.cascade.CascadeClassifier",
    "fake": "moderation.classifiers.fake.FakeClassifier",
}


def backend_paths() -> dict[str, str]:
    return {**BUILTIN, **getattr(settings, "CLASSIFIER_BACKENDS", {})}


def get_classifier(name: str | None = None) -> Classifier:
    """The configured backend (settings.CLASSIFIER_BACKEND) or the one named. Instances are cached
    per process: backends are stateless apart from compiled rules and HTTP clients."""
    name = name or settings.CLASSIFIER_BACKEND
    paths = backend_paths()
    if name not in paths:
        raise KeyError(f"unknown classifier backend {name!r}; known: {', '.join(sorted(paths))}")
    with _building:  # one instance per process, also when the warm-up thread and a message race
        return _instance(paths[name])


_building = threading.RLock()  # re-entrant: the output rail's backend is built from the user's


@cache
def _instance(path: str) -> Classifier:
    return import_string(path)()
