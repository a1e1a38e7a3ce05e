"""System checks for what the hand-written SQL of `conversations.sql` needs from the database."""

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
