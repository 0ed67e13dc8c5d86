"""Opening the cases database from the CLI or a notebook (no web server needed).

:func:`setup` configures Django once per process from ``DATABASE_URL`` (or the
``database`` argument, or the default SQLite file), checks that the database answers,
and applies any migration not yet applied, so a new file or an empty PostgreSQL
database is ready on first use.
"""

from __future__ import annotations

import os
import re

from vigil.config import database_url
from vigil.errors import StoreError


def redact(url: str) -> str:
    """``url`` without its password, for messages."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def setup(database: str | None = None, *, migrate: bool = True) -> None:
    """Configure Django for Vigil and bring the cases schema up to date (idempotent).

    ``database`` is a URL (``postgres://…``, ``sqlite:///…``) or a SQLite file path;
    without it ``DATABASE_URL`` or ``<VIGIL_HOME>/cases.sqlite`` is used. It only
    takes effect before Django is configured (once per process).
    """
    import django
    from django.apps import apps

    if database:
        wanted = database_url(database)
        if apps.ready and not _same_database(wanted):
            raise StoreError(
                f"this process already uses the database {_describe()}; "
                f"cannot switch to {redact(wanted)}"
            )
        os.environ["DATABASE_URL"] = wanted
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil.web.settings")
    if not apps.ready:
        django.setup()
    if migrate and _describe() not in _MIGRATED:
        _migrate()
        _MIGRATED.add(_describe())


#: Databases this process has brought up to date (a second check would find nothing to
#: do, and costs a migration plan: 0.1–0.2 s per command in a long-lived process).
_MIGRATED: set[str] = set()


def _same_database(url: str) -> bool:
    from django.db import connection

    from vigil.config import database_config

    wanted, current = database_config(url), connection.settings_dict
    keys = ("ENGINE", "NAME", "HOST", "PORT", "USER")
    return all(str(wanted.get(k) or "") == str(current.get(k) or "") for k in keys)


def _migrate() -> None:
    from django.core.management import call_command
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor

    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3") and str(s["NAME"]) not in ("", ":memory:"):
        from pathlib import Path

        name = Path(str(s["NAME"]))
        if "mode=memory" not in str(name):
            name.parent.mkdir(parents=True, exist_ok=True)
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            call_command("migrate", verbosity=0, interactive=False)
    except DatabaseError as exc:
        raise StoreError(f"cannot open the cases database {_describe()}: {exc}") from None


def _describe() -> str:
    from django.db import connection

    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return str(s["NAME"])
    return redact(f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}")
