"""Append-only in the database (vigil.cases.appendonly), tested with raw SQL on SQLite
and, in make test's second pass, on PostgreSQL: the audit trail refuses every UPDATE
and DELETE, the timeline every DELETE and any change of the fact, whoever sends them;
what the library does on purpose (a merge re-points and raises a level, a correction
is set once after insert) still works."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, InternalError, connection, transaction

from vigil.cases.levels import Level

INT = Level.INTERNAL


@pytest.fixture
def rows_of(registry):
    """Two people, an event each (one internal), an audit row."""
    from vigil.cases import audit
    from vigil.cases import models as m

    p1 = m.Person.objects.create(ref="P1")
    p2 = m.Person.objects.create(ref="P2")
    e1 = m.StatusEvent.objects.create(person=p1, kind="arrested", date="2025-11-01")
    e2 = m.StatusEvent.objects.create(person=p2, kind="arrested", date="2025-11-02", visibility=1)
    audit.record("test", "x", {})
    return {"p1": p1, "p2": p2, "e1": e1, "e2": e2}


def _rows() -> list:
    out = []
    with connection.cursor() as cursor:
        for table in ("cases_auditevent", "cases_statusevent"):
            cursor.execute(f"SELECT * FROM {table} ORDER BY id")
            out.append(cursor.fetchall())
    return out


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE cases_auditevent SET actor = 'nobody'",
        "UPDATE cases_auditevent SET detail = '{}'",
        "DELETE FROM cases_auditevent",
        "UPDATE cases_statusevent SET place = 'elsewhere'",
        "UPDATE cases_statusevent SET notes = 'rewritten'",
        "UPDATE cases_statusevent SET date = '2020-01-01.1'",
        "UPDATE cases_statusevent SET kind = 'released'",
        "UPDATE cases_statusevent SET visibility = 0 WHERE visibility > 0",
        "DELETE FROM cases_statusevent",
    ],
)
def test_append_only_is_enforced_by_the_database(rows_of, sql):
    """ "Audit rows can be deleted with SQL (append-only lives only in the ORM)"."""
    before = _rows()
    with (
        pytest.raises((IntegrityError, InternalError)),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert _rows() == before


def test_a_correction_withdraws_one_event_once(rows_of):
    from vigil.cases import models as m

    fix = m.StatusEvent.objects.create(
        person=rows_of["p1"], kind="detained", date="2025-11-01", withdraws=rows_of["e1"]
    )
    with (
        pytest.raises((IntegrityError, InternalError)),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE cases_statusevent SET withdraws_id = %s WHERE id = %s",
            [rows_of["e2"].pk, fix.pk],
        )
    assert m.StatusEvent.objects.get(pk=fix.pk).withdraws_id == rows_of["e1"].pk


def test_the_database_allows_what_the_library_does_on_purpose(rows_of):
    """A merge re-points and raises; a correction is set once, after insert."""
    from vigil.cases import models as m

    e1 = rows_of["e1"]
    m.StatusEvent.objects.filter(pk=e1.pk).raise_level(INT)
    m.StatusEvent.objects.filter(pk=e1.pk).repoint(person=rows_of["p2"])
    fix = m.StatusEvent.objects.create(person=rows_of["p2"], kind="detained", date="2025-11-01")
    m.StatusEvent.objects.bulk_update([m.StatusEvent(pk=fix.pk, withdraws=e1)], ["withdraws"])
    e1 = m.StatusEvent.objects.get(pk=e1.pk)
    assert (e1.visibility, e1.person_id) == (INT, rows_of["p2"].pk)
    assert m.StatusEvent.objects.get(pk=fix.pk).withdraws_id == e1.pk


def test_the_triggers_are_there_after_every_migration(registry):
    """SQLite drops a table's triggers when a migration rebuilds it: migrate puts them
    back (post_migrate), so they are there whatever migrations ran."""
    from django.core.management import call_command

    from vigil.cases import appendonly

    assert appendonly.installed(connection) >= appendonly.expected(connection)
    appendonly.uninstall(connection)
    assert not appendonly.installed(connection) & appendonly.expected(connection)
    call_command("migrate", verbosity=0, interactive=False)
    assert appendonly.installed(connection) >= appendonly.expected(connection)
