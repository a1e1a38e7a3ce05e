"""The scratch database the bench scripts (bench_backtest.py, bench_console.py) build their rows in.

A throwaway SQLite file in its own directory under var/ (deleted afterwards unless `keep`), or
$BENCH_DATABASE_URL: an empty scratch database the caller created; it is never dropped, and its
rows are left. $DATABASE_URL is ignored (the bench stack passes its own database in it), and so
is $REDIS_URL: the scripts run with the embedded cache, channel layer and eager Celery.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@contextmanager
def scratch_database(prefix: str, keep: bool = False) -> Iterator[None]:
    """Point Django at the scratch database, set Django up, migrate it; remove it on the way out.

    `prefix` names the temporary directory under var/ (e.g. "bench-console-")."""
    scratch = None
    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    else:
        (ROOT / "var").mkdir(exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=prefix, dir=ROOT / "var")) / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}"
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsite.settings")
    os.environ.pop("REDIS_URL", None)
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        yield
    finally:
        if scratch is not None and not keep:
            shutil.rmtree(scratch.parent)
