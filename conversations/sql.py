"""The tools of the hand-written SQL on the per-message path, and its one INSERT.

Building and compiling querysets was the largest share of the server's and the worker's CPU per
message (py-spy, docs/benchmarks.md), so the few statements run for every message are written by
hand, each in a named function with its reason and figure: the post's and the reply's locks and
checks (conversations/services.py), the closed-message rule (conversations/closure.py), the turn's
window (moderation/services/turn/load.py) and `insert()` here. Everything else uses the ORM.

They stay portable between PostgreSQL and SQLite: `%s` parameters, values prepared by the model
fields themselves (UUIDs, JSON, datetimes), row locks only where the database has them (SQLite's
IMMEDIATE transactions serialise writers instead).

On PostgreSQL they run on a server-side binding cursor (`cursor()`): the values travel beside the
statement instead of being quoted into its text by Python, and psycopg prepares a statement once
its connection has run it `prepare_threshold` (5) times, so PostgreSQL stops parsing and planning
these few statements again for every message (settings.DB_PREPARED_STATEMENTS). The turn's window
then costs PostgreSQL about 250 us instead of 800, the post's and the reply's checks about 35 us
instead of 210-250 (docs/benchmarks.md).
"""

from __future__ import annotations

import uuid
from functools import cache

from django.conf import settings
from django.db import connection
from django.db.models import Model
from django.db.models.fields import AutoFieldMixin


def param(model: type[Model], field_name: str, value):
    """`value` as the database wants it for `model.field_name` (a UUID on SQLite is hex text)."""
    return model._meta.get_field(field_name).get_db_prep_save(value, connection)


def as_uuid(value) -> uuid.UUID | None:
    """A UUID column read by a raw cursor (PostgreSQL gives UUIDs, SQLite hex text)."""
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(str(value))


@cache
def _insert_sql(model: type[Model]) -> tuple[str, tuple, str]:
    """(INSERT statement, its fields, the auto primary key's attname or "") for `model`."""
    opts = model._meta
    auto_pk = opts.pk if isinstance(opts.pk, AutoFieldMixin) else None
    fields = tuple(f for f in opts.concrete_fields if f is not auto_pk)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    table = quote(opts.db_table)
    statement = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 (names from metadata)
    if auto_pk is not None:
        statement += f" RETURNING {quote(auto_pk.column)}"
    return statement, fields, auto_pk.attname if auto_pk else ""


def cursor():
    """A cursor for the hand-written statements: Django's own cursor wrapper (its error
    translation, query logging and thread checks, so tests count these statements too) around a
    psycopg server-side binding cursor on PostgreSQL; the connection's default cursor elsewhere or
    with settings.DB_PREPARED_STATEMENTS off (e.g. behind a PgBouncer in transaction mode that
    does not track prepared statements)."""
    if connection.vendor != "postgresql" or not settings.DB_PREPARED_STATEMENTS:
        return connection.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        raw = ServerBindingCursor(connection.connection)
    return connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)


def insert(instance: Model) -> Model:
    """INSERT an unsaved instance in one statement, as `save(force_insert=True)` would (field
    defaults, `auto_now_add`, an auto primary key read back with RETURNING, which PostgreSQL and
    SQLite >= 3.35 both have), without the ORM's per-call query building. No signals are sent:
    none are connected to the hot-path models.

    Four rows per user message (the message, the reply, the classification, the decision):
    a message and a classification take 255 us CPU here and 381 us through `save()`
    (`python -m bench.hot_sql`, docs/benchmarks.md), about 0.25 ms per user message."""
    statement, fields, auto_pk = _insert_sql(type(instance))
    params = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
    with cursor() as rows:
        rows.execute(statement, params)
        if auto_pk:
            setattr(instance, auto_pk, rows.fetchone()[0])
    instance._state.adding = False
    instance._state.db = connection.alias
    return instance


def fetchone(sql: str, params: list) -> tuple | None:
    with cursor() as rows:
        rows.execute(sql, params)
        return rows.fetchone()


def fetchall(sql: str, params: list) -> list[tuple]:
    with cursor() as rows:
        rows.execute(sql, params)
        return rows.fetchall()
