"""System checks: what the hand-written SQL of `conversations.sql` needs from the database, and
the optional packages of the local model when it is configured."""

from __future__ import annotations

import sqlite3

from django.core.checks import Error, register
from django.db import connections


@register("database")
def sqlite_has_returning(app_configs=None, databases=None, **kwargs) -> list[Error]:
    """INSERT/UPDATE ... RETURNING came with SQLite 3.35 (PostgreSQL has always had it)."""
    errors = []
    for alias in databases or ():
        if connections[alias].vendor == "sqlite" and sqlite3.sqlite_version_info < (3, 35):
            errors.append(
                Error(
                    f"SQLite {sqlite3.sqlite_version} lacks RETURNING; chatsite needs 3.35 or later.",
                    hint="Use a Python built against a newer SQLite, or PostgreSQL (DATABASE_URL).",
                    id="conversations.E001",
                )
            )
    return errors


@register()
def local_model_installed(app_configs=None, **kwargs) -> list[Error]:
    """RESPONDER=local needs two optional packages; say so at startup (`migrate`, `check`), with
    the install command, instead of at the first reply."""
    from django.conf import settings

    if settings.RESPONDER != "local":
        return []
    from conversations.responders import local

    missing = local.missing_packages()
    if getattr(settings, "LOCAL_MODEL_PATH", ""):
        missing = [name for name in missing if name != local.MODEL_PACKAGE]
    if not missing:
        return []
    return [
        Error(
            f"RESPONDER=local needs the package(s) {', '.join(missing)}, which are not installed.",
            hint=local.INSTALL_HINT,
            id="conversations.E002",
        )
    ]
