"""Both databases: the suite runs on the engine ``DATABASE_URL`` names, and what the
registry relies on (text ordering of partial dates, exact Unicode, append-only
records, transactions, migrations) behaves the same on SQLite and PostgreSQL.

``make test`` runs these once on SQLite and once more on a throwaway PostgreSQL
server (``scripts/with-postgres``); the PostgreSQL-only tests are skipped on SQLite.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import sys
import threading
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.cases.conftest import ENGINE, URL

only_postgres = pytest.mark.skipif(
    ENGINE != "postgresql", reason="needs DATABASE_URL=postgres://… (make test's PostgreSQL pass)"
)


def _person(ref: str = "p-1"):
    from vigil.cases.models import Person

    return Person.objects.create(ref=ref)


def _event(person, date: str, kind: str = "detained", **extra):
    from vigil.cases.models import StatusEvent

    return StatusEvent.objects.create(person=person, kind=kind, date=date, **extra)


# -- the engine -----------------------------------------------------------------------


def test_the_suite_runs_on_the_engine_database_url_names(registry):
    from django.db import connection

    assert connection.vendor == ENGINE
    with connection.cursor() as cursor:
        if ENGINE == "postgresql":
            cursor.execute(
                "SELECT version(), current_database(), current_setting('server_encoding')"
            )
            version, name, encoding = cursor.fetchone()
            assert version.startswith("PostgreSQL")
            assert encoding == "UTF8"
            # pytest-django's own database, never the one DATABASE_URL names.
            assert name == connection.settings_dict["NAME"]
            assert name.startswith("test_")
        else:
            cursor.execute("SELECT sqlite_version()")
            assert cursor.fetchone()[0]


# -- partial dates: text ordering and comparisons in the database ----------------------

# In chronological order as docs/cases.md defines it: by earliest day, then coarser
# before finer, then before < exact < approximate < after.
CHRONOLOGICAL = [
    "0999-01-01",
    "1990",
    "before 2023-12-31",
    "2023-12-31",
    "before 2024",
    "2024",
    "c. 2024",
    "after 2024",
    "2024-01",
    "2024-01-01",
    "before 2024-06",
    "2024-06",
    "c. 2024-06",
    "after 2024-06",
    "2024-06-01",
    "2024-06-03",
    "c. 2024-06-03",
    "before 2024-06-15",
    "2024-06-15",
    "after 2024-06-15",
    "2024-06-16",
    "2024-10",
    "2024-10-01",
    "2024-12-31",
    "2025",
]


@pytest.fixture
def dated_events(registry):
    """One event per date of CHRONOLOGICAL, entered in shuffled order."""
    person = _person()
    shuffled = CHRONOLOGICAL[:]
    random.Random(5).shuffle(shuffled)
    return [_event(person, date) for date in shuffled]


def test_partial_dates_sort_chronologically_in_the_database(dated_events):
    from vigil.cases.dates import PartialDate
    from vigil.cases.models import StatusEvent

    got = [str(e.date) for e in StatusEvent.objects.order_by("date", "id")]
    assert got == [str(PartialDate.parse(d)) for d in CHRONOLOGICAL]
    # The model's default ordering and a descending sort agree.
    assert [str(e.date) for e in StatusEvent.objects.all()] == got
    assert [str(e.date) for e in StatusEvent.objects.order_by("-date")] == got[::-1]


@pytest.mark.parametrize(
    "day",
    [
        dt.date(1989, 12, 31),
        dt.date(2023, 12, 31),
        dt.date(2024, 1, 1),
        dt.date(2024, 6, 1),
        dt.date(2024, 6, 14),
        dt.date(2024, 6, 15),
        dt.date(2024, 12, 31),
        dt.date(2030, 1, 1),
    ],
)
def test_partial_date_comparisons_in_the_database(dated_events, day):
    from vigil.cases.dates import PartialDate, before, on_or_before
    from vigil.cases.models import StatusEvent

    earliest = {d: PartialDate.parse(d).earliest for d in CHRONOLOGICAL}

    def dates(qs):
        return sorted(str(e.date) for e in qs)

    def expect(keep):
        return sorted(str(PartialDate.parse(d)) for d in CHRONOLOGICAL if keep(earliest[d]))

    events = StatusEvent.objects
    assert dates(events.filter(date__lte=on_or_before(day))) == expect(lambda e: e <= day)
    assert dates(events.filter(date__lte=before(day))) == expect(lambda e: e < day)
    assert dates(events.filter(date__gt=on_or_before(day))) == expect(lambda e: e > day)
    month_start = day.replace(day=1)
    assert dates(
        events.filter(date__gt=before(month_start), date__lte=on_or_before(day))
    ) == expect(lambda e: month_start <= e <= day)


@only_postgres
@pytest.mark.parametrize("collation", ["en-x-icu", "und-x-icu", "az-x-icu", "C"])
def test_partial_dates_do_not_depend_on_the_collation(dated_events, collation):
    """A team's PostgreSQL may use a language collation (en_US.UTF-8, ICU) instead of
    C: the stored text is fixed-width digits with separators at fixed places, so every
    collation orders and compares it as the bytes do."""
    from django.db import connection
    from django.db.models import F, Value
    from django.db.models.functions import Collate

    from vigil.cases.dates import on_or_before
    from vigil.cases.models import StatusEvent

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_collation WHERE collname = %s", [collation])
        if cursor.fetchone() is None:
            pytest.skip(f"this server has no collation {collation!r}")
    plain = [e.pk for e in StatusEvent.objects.order_by("date", "id")]
    collated = StatusEvent.objects.annotate(d=Collate(F("date"), collation))
    assert [e.pk for e in collated.order_by("d", "id")] == plain
    bound = Collate(Value(on_or_before(dt.date(2024, 6, 15))), collation)
    assert {e.pk for e in collated.filter(d__lte=bound)} == {
        e.pk for e in StatusEvent.objects.filter(date__lte=on_or_before(dt.date(2024, 6, 15)))
    }


# -- Unicode: names come back byte for byte ----------------------------------------------

NAMES = [
    "Gülşən Ağayeva-Işıqlı",  # Azerbaijani Latin: ə ğ ş ı, fictional
    "İSMAYIL ŞƏKƏRLİ",  # capitals: İ with a dot, Ə, Ş
    "ısmayıl şəkərli",  # dotless ı in lower case
    "Гюльшен Агаева",  # Russian Cyrillic
    "Ёлкин Щукин-Объёмный",  # ё щ ъ
    unicodedata.normalize("NFD", "Gülşən Ağayeva-Işıqlı"),  # decomposed: g + U+0306…
    unicodedata.normalize("NFD", "Ёлкин Щукин-Объёмный"),
    "Nərgiz\u00a0Quliyeva 🕊",  # no-break space and a character outside the BMP
]


def test_names_survive_the_database_byte_for_byte(registry):
    from django.db import connection

    from vigil.cases.models import PersonName

    assert NAMES[0] != NAMES[5]  # the NFD form really is different text
    person = _person()
    rows = [PersonName.objects.create(person=person, name=n, language="az-Latn") for n in NAMES]
    for row, name in zip(rows, NAMES, strict=True):
        back = PersonName.objects.get(pk=row.pk).name
        assert back.encode("utf-8") == name.encode("utf-8")
    # Exact lookups are byte-exact on both engines: NFC does not find NFD or back.
    assert [r.name for r in PersonName.objects.filter(name=NAMES[0])] == [NAMES[0]]
    assert [r.name for r in PersonName.objects.filter(name=NAMES[5])] == [NAMES[5]]
    # The database stores UTF-8 and counts its bytes the way Python does.
    length = "octet_length(name)" if ENGINE == "postgresql" else "length(CAST(name AS BLOB))"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {length} FROM cases_personname ORDER BY id")
        stored = dict(cursor.fetchall())
    assert [stored[r.pk] for r in rows] == [len(n.encode("utf-8")) for n in NAMES]


def test_case_and_accent_insensitive_matching_goes_through_the_folded_key(registry):
    """The databases disagree on upper/lower case outside ASCII (SQLite folds ASCII
    only; PostgreSQL follows its locale), so matching never relies on them: it looks
    up the folded key, which is the same on both."""
    from vigil.cases.models import PersonName
    from vigil.cases.names import fold

    person = _person()
    for name in NAMES[:3] + NAMES[5:6]:
        PersonName.objects.create(person=person, name=name)
    for query in ("GÜLŞƏN AĞAYEVA-IŞIQLI", "Gulshan Aghayeva Isiqli", NAMES[5].upper()):
        found = {n.name for n in PersonName.objects.filter(key=fold(query))}
        assert found == {NAMES[0], NAMES[5]}, query
    found = {n.name for n in PersonName.objects.filter(key=fold("Ismayil Shakarli"))}
    assert found == {NAMES[1], NAMES[2]}
    # ASCII case-insensitive lookups do work the same on both engines.
    PersonName.objects.create(person=person, name="Anna Example")
    assert PersonName.objects.filter(name__iexact="ANNA EXAMPLE").count() == 1


# -- append-only records ---------------------------------------------------------------


def test_status_events_are_append_only(registry):
    from vigil.cases.models import StatusEvent

    person = _person()
    event = _event(person, "2024-06-03", notes="as first reported")
    event.notes = "edited"
    with pytest.raises(PermissionError, match="append-only"):
        event.save()
    with pytest.raises(PermissionError, match="append-only"):
        event.delete()
    assert StatusEvent.objects.get(pk=event.pk).notes == "as first reported"
    # A correction is a new event that withdraws the old one; both stay on record.
    fix = _event(person, "2024-06-04", notes="date corrected", withdraws=event)
    assert StatusEvent.objects.filter(person=person).count() == 2
    assert list(StatusEvent.objects.get(pk=event.pk).corrections.all()) == [fix]
    # The transaction is still usable after the refused writes (PostgreSQL aborts a
    # transaction on a failed statement; the guard refuses before any SQL is sent).
    assert StatusEvent.objects.count() == 2


def test_audit_events_are_append_only(registry):
    from vigil.cases import audit
    from vigil.cases.models import AuditEvent

    event = audit.record("import", "file:people.csv", {"created": 3}, by="tester")
    event.detail = {"created": 0}
    with pytest.raises(PermissionError, match="append-only"):
        event.save()
    with pytest.raises(PermissionError, match="append-only"):
        event.delete()
    back = AuditEvent.objects.get(pk=event.pk)
    assert (back.actor, back.action, back.detail) == ("tester", "import", {"created": 3})


# -- transactions ------------------------------------------------------------------------


def _counts():
    from vigil.cases.models import AuditEvent, Person, PersonName, StatusEvent

    return {m.__name__: m.objects.count() for m in (Person, PersonName, StatusEvent, AuditEvent)}


def test_an_exception_inside_atomic_leaves_nothing_behind(registry):
    from django.db import transaction

    from vigil.cases import audit
    from vigil.cases.models import PersonName

    _person("kept")
    before = _counts()
    with pytest.raises(RuntimeError, match="row 3"), transaction.atomic():
        person = _person("p-new")
        PersonName.objects.create(person=person, name="Гюльшен Агаева")
        _event(person, "2024-06")
        audit.record("import", "file:x.csv", by="tester")
        raise RuntimeError("row 3: bad date")
    assert _counts() == before


def test_a_failed_statement_in_a_savepoint_does_not_poison_the_import(registry):
    """A duplicate row fails inside its own savepoint; the rest of the transaction
    goes on (on PostgreSQL, without the savepoint every later statement would fail)."""
    from django.db import IntegrityError, transaction

    from vigil.cases.models import PersonName

    person = _person()
    with transaction.atomic():
        PersonName.objects.create(person=person, name="Ёлкин", kind="primary")
        with pytest.raises(IntegrityError), transaction.atomic():
            PersonName.objects.create(person=person, name="Ёлкин", kind="primary")
        PersonName.objects.create(person=person, name="Yolkin", kind="transliteration")
    assert sorted(PersonName.objects.values_list("name", flat=True)) == ["Yolkin", "Ёлкин"]


@only_postgres
@pytest.mark.django_db(transaction=True)
def test_uncommitted_and_rolled_back_writes_are_invisible_to_another_connection(registry):
    """Two connections at once: a writer's rows are invisible to a reader until it
    commits, and a writer that fails leaves nothing."""
    from django.db import connection, transaction

    from vigil.cases.models import Person

    inserted, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def writer(ref: str, fail: bool) -> None:
        try:
            with transaction.atomic():
                _person(ref)
                inserted.set()
                assert release.wait(10)
                if fail:
                    raise RuntimeError("writer fails")
        except RuntimeError:
            pass
        except BaseException as exc:  # reported to the main thread
            errors.append(exc)
        finally:
            connection.close()

    for ref, fail in (("rolled-back", True), ("committed", False)):
        inserted.clear()
        release.clear()
        thread = threading.Thread(target=writer, args=(ref, fail))
        thread.start()
        assert inserted.wait(10)
        assert not Person.objects.filter(ref=ref).exists()  # not committed yet
        release.set()
        thread.join(10)
        assert not thread.is_alive()
    assert not errors
    assert sorted(Person.objects.values_list("ref", flat=True)) == ["committed"]


# -- migrations ------------------------------------------------------------------------


def test_the_models_need_no_new_migration(registry):
    from django.core.management import call_command

    try:
        call_command("makemigrations", "--check", "--dry-run", verbosity=1)
    except SystemExit as exc:  # makemigrations --check exits 1 when one is missing
        pytest.fail(f"a model change has no migration (makemigrations --check: {exc.code})")


_FROM_ZERO = """
import json
from vigil.cases import setup
setup()  # an empty database is migrated on first use
from django.core.management import call_command
from django.db import connection
def cases_tables():
    return sorted(t for t in connection.introspection.table_names() if t.startswith("cases_"))
first = cases_tables()
call_command("migrate", "--check", verbosity=0)  # exits 1 if one is left unapplied
call_command("migrate", "cases", "zero", verbosity=0)
after_zero = cases_tables()
call_command("migrate", verbosity=0)
print(json.dumps({"vendor": connection.vendor, "first": first, "after_zero": after_zero,
                  "again": cases_tables()}))
"""


@pytest.fixture
def empty_database(registry, tmp_path: Path):
    """The URL of a database with no tables: a new file, or a new PostgreSQL database
    on the same server as the test database (dropped afterwards)."""
    if ENGINE != "postgresql":
        yield f"sqlite:///{tmp_path / 'fresh' / 'cases.sqlite'}"
        return
    from django.db import connection

    name = f"vigil_fromzero_{os.getpid()}"
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")
    try:
        yield urlsplit(URL)._replace(path=f"/{name}").geturl()
    finally:
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_migrations_apply_to_an_empty_database_and_back(empty_database):
    env = {**os.environ, "DATABASE_URL": empty_database}
    done = subprocess.run(
        [sys.executable, "-c", _FROM_ZERO],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["vendor"] == ENGINE
    assert {"cases_person", "cases_statusevent", "cases_auditevent"} <= set(result["first"])
    assert result["after_zero"] == []
    assert result["again"] == result["first"]
