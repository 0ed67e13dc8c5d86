"""Append-only enforced by the database, not only by the ORM.

The audit trail (``cases_auditevent``) refuses every UPDATE and DELETE; the timeline
(``cases_statusevent``) refuses DELETE and any change of the fact itself (kind, date,
place, facility, notes, case, time recorded), allowing only what the library does on
purpose: a merge re-points an event to the person kept (``person_id``) and may raise,
never lower, its level; a correction's ``withdraws_id`` is set once, just after insert.

SQLite: triggers raising ``ABORT``. PostgreSQL: one PL/pgSQL trigger function raising
SQLSTATE 23001 (``restrict_violation``). Both reach Django as an ``IntegrityError``. They are
created by migration ``0004`` and again after every ``migrate`` (``CREATE … IF NOT
EXISTS`` / ``DROP … IF EXISTS``): SQLite drops a table's triggers when a later
migration rebuilds the table, and this puts them back.

What this does not stop: the owner of the database can drop the triggers (docs
postgresql.md: run the site as a role that does not own the tables).
"""

from __future__ import annotations

from typing import Any

TABLES = ("cases_auditevent", "cases_statusevent")
FACT = ("kind", "date", "place", "facility", "notes", "case_id", "recorded")

_SQLITE = [
    "CREATE TRIGGER IF NOT EXISTS cases_auditevent_no_update BEFORE UPDATE ON cases_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'cases_auditevent is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS cases_auditevent_no_delete BEFORE DELETE ON cases_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'cases_auditevent is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS cases_statusevent_no_delete BEFORE DELETE ON cases_statusevent "
    "BEGIN SELECT RAISE(ABORT, 'cases_statusevent is append-only'); END",
    f"CREATE TRIGGER IF NOT EXISTS cases_statusevent_no_edit BEFORE UPDATE OF {', '.join(FACT)}, "
    "id ON cases_statusevent "
    "BEGIN SELECT RAISE(ABORT, 'cases_statusevent is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS cases_statusevent_no_lowering BEFORE UPDATE OF visibility "
    "ON cases_statusevent WHEN NEW.visibility < OLD.visibility "
    "BEGIN SELECT RAISE(ABORT, 'cases_statusevent: a level is raised, never lowered'); END",
    "CREATE TRIGGER IF NOT EXISTS cases_statusevent_withdraws_once BEFORE UPDATE OF "
    "withdraws_id ON cases_statusevent WHEN OLD.withdraws_id IS NOT NULL "
    "AND NEW.withdraws_id IS NOT OLD.withdraws_id "
    "BEGIN SELECT RAISE(ABORT, 'cases_statusevent: a correction withdraws one event'); END",
]
_SQLITE_NAMES = [s.split()[5] for s in _SQLITE]

_FACT_OLD = ", ".join(f"OLD.{c}" for c in ("id", *FACT))
_FACT_NEW = ", ".join(f"NEW.{c}" for c in ("id", *FACT))
_POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION cases_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR TG_TABLE_NAME = 'cases_auditevent' THEN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
  END IF;
  IF ({_FACT_NEW}) IS DISTINCT FROM ({_FACT_OLD}) THEN
    RAISE EXCEPTION 'cases_statusevent is append-only' USING ERRCODE = 'restrict_violation';
  END IF;
  IF NEW.visibility < OLD.visibility THEN
    RAISE EXCEPTION 'cases_statusevent: a level is raised, never lowered'
      USING ERRCODE = 'restrict_violation';
  END IF;
  IF OLD.withdraws_id IS NOT NULL AND NEW.withdraws_id IS DISTINCT FROM OLD.withdraws_id THEN
    RAISE EXCEPTION 'cases_statusevent: a correction withdraws one event'
      USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END $$""",
    *(
        statement
        for table in TABLES
        for statement in (
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION cases_append_only()",
        )
    ),
]


def install(connection: Any) -> None:
    """Create (or re-create) the triggers on ``connection``'s database."""
    statements = _POSTGRES if connection.vendor == "postgresql" else _SQLITE
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def uninstall(connection: Any) -> None:
    """Drop the triggers (for a test database that must be emptied between tests)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in TABLES:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        else:
            for name in _SQLITE_NAMES:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def installed(connection: Any) -> set[str]:
    """Names of the append-only triggers present (for tests and `vigil cases check`)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE 'cases_%'"
            )
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {row[0] for row in cursor.fetchall()}


def expected(connection: Any) -> set[str]:
    if connection.vendor == "postgresql":
        return {f"{t}_append_only" for t in TABLES}
    return set(_SQLITE_NAMES)


def _after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    from django.db import connections

    connection = connections[using]
    tables = set(connection.introspection.table_names())
    if set(TABLES) <= tables:
        install(connection)


def _install_migration(apps: Any, schema_editor: Any) -> None:
    install(schema_editor.connection)


def _uninstall_migration(apps: Any, schema_editor: Any) -> None:
    uninstall(schema_editor.connection)
