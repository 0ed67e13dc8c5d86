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
from vigil.i18n import gettext as _


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
                _("this process already uses the database %(current)s; cannot switch to %(wanted)s")
                % {"current": _describe(), "wanted": redact(wanted)}
            )
        os.environ["DATABASE_URL"] = wanted
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil.web.settings")
    if not apps.ready:
        django.setup()
    if migrate and _describe() not in _MIGRATED:
        if not _up_to_date():
            _migrate()
        _MIGRATED.add(_describe())


#: Databases this process has brought up to date (a second check would find nothing to
#: do, and costs a migration plan: 0.1–0.2 s per command in a long-lived process).
_MIGRATED: set[str] = set()


def _up_to_date() -> bool:
    """Whether every migration file of every installed app is recorded as applied: one
    query of ``django_migrations``, against the names of the files in each app's
    migrations package (listed, never imported). Then the migration plan is empty and
    the graph need not be built (a third of a command's start-up on a busy machine).
    Anything else (a new database, a file not yet applied, a squashed migration, whose
    own name Django does not record) answers False, and :func:`_migrate` decides."""
    from django.db import DatabaseError, connection

    wanted = _migration_files()
    if not wanted:
        return False
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT app, name FROM django_migrations")
            applied = set(cursor.fetchall())
    except DatabaseError:  # no table yet (a new database), or it does not answer
        return False
    return wanted <= applied


def _migration_files() -> set[tuple[str, str]]:
    """(app label, migration name) of every migration file of the installed apps, as
    Django's loader finds them (``MIGRATION_MODULES`` honoured; ``None`` there means
    no migrations), without importing the migrations."""
    import importlib
    import pkgutil

    from django.apps import apps
    from django.conf import settings

    out: set[tuple[str, str]] = set()
    overrides = getattr(settings, "MIGRATION_MODULES", {}) or {}
    for config in apps.get_app_configs():
        module_name = overrides.get(config.label, f"{config.name}.migrations")
        if module_name is None:
            continue
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue  # an app without migrations
        path = getattr(module, "__path__", None)
        if path is None:
            continue
        for info in pkgutil.iter_modules(path):
            if not info.ispkg and info.name[0] not in "_~":
                out.add((config.label, info.name))
    return out


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
        raise StoreError(
            _("cannot open the cases database %(database)s: %(error)s")
            % {"database": _describe(), "error": exc}
        ) from None


def _describe() -> str:
    from django.db import connection

    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return str(s["NAME"])
    return redact(f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}")
