"""Imports: interchange round trips, flat sheets with a mapping, bad rows, limits.

The references are independent of the importer: records are built with the ORM and
read back with the ORM; round trips compare the exporter's own bytes (JSON) or
``document()`` dicts (XLSX, CSV zip) before and after; expected row numbers and
columns are those a user sees in the file written by the test.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import pytest

from vigil.cases import exporters
from vigil.cases.levels import Level
from vigil.errors import InputError

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "data" / "cases-demo"

NFD_NAME = unicodedata.normalize("NFD", "Şəhriyar Gülməmmədova")  # decomposed on purpose
NFC_NAME = "Əli Kərimli"


# -- helpers -------------------------------------------------------------------


def models():
    from vigil.cases import models as m

    return m


def counts() -> dict[str, int]:
    """Rows in every registry table (the audit trail apart)."""
    m = models()
    tables = [
        m.Source,
        m.Organisation,
        m.Person,
        m.PersonName,
        m.Affiliation,
        m.LegalArticle,
        m.Court,
        m.Case,
        m.CaseParticipant,
        m.StatusEvent,
        m.Hearing,
        m.Sentence,
        m.Designation,
        m.ListRelease,
        m.ListEntry,
        m.Case.courts.through,
        m.Case.articles.through,
        m.Case.sources.through,
        m.StatusEvent.sources.through,
        m.Hearing.sources.through,
    ]
    return {t.__name__: t.objects.count() for t in tables}


def wipe() -> None:
    """Empty the registry, as a fresh database would be. Append-only models refuse
    queryset updates and deletes, and so does the database (its triggers): this goes
    below both guards, dropping the triggers for the while (tests only)."""
    from django.db import connection

    from vigil.cases import appendonly

    appendonly.uninstall(connection)
    try:
        _wipe()
    finally:
        appendonly.install(connection)


def _wipe() -> None:
    from django.db.models import QuerySet

    m = models()
    QuerySet.update(m.StatusEvent.objects.all(), withdraws=None)
    m.Person.objects.update(merged_into=None)
    for model in (
        m.Case.courts.through,
        m.Case.articles.through,
        m.Case.sources.through,
        m.StatusEvent.sources.through,
        m.Hearing.sources.through,
        m.ListEntry,
        m.ListRelease,
        m.Designation,
        m.Sentence,
        m.Hearing,
        m.StatusEvent,
        m.CaseParticipant,
        m.Case,
        m.Court,
        m.LegalArticle,
        m.Affiliation,
        m.PersonName,
        m.Person,
        m.Organisation,
        m.Source,
        m.AuditEvent,
    ):
        model.objects.all()._raw_delete(model.objects.db)
    assert not any(counts().values())


def build_registry() -> None:
    """A small registry exercising every table, script, date form and level."""
    m = models()
    R = Level.RESTRICTED
    s1 = m.Source.objects.create(
        ref="S1",
        title="Court record",
        url="https://example.org/r/1",
        sha256="ab" * 32,
        publisher="Veloria Rights Watch",
        published="2026-06",
        reliability="confirmed",
        notes="scan in the office",
        visibility=Level.PUBLIC,
    )
    s2 = m.Source.objects.create(ref="S2", title="Lawyer's letter", visibility=R)
    party = m.Organisation.objects.create(
        ref="O1", name="Azad Vətəndaşlar Birliyi", short_name="AVB", kind="party", country="XV"
    )
    ngo = m.Organisation.objects.create(ref="O2", name="Veloria Rights Watch", kind="ngo")
    a = m.Person.objects.create(
        ref="P1",
        sex="male",
        birth_date="c. 1975",
        occupation="party chairman",
        notes="internal note",
        contacts="+000 wife",
        field_visibility={"occupation": "internal", "notes": "public"},
    )
    b = m.Person.objects.create(ref="P2", sex="female", birth_date="1990-03-04", contacts="x")
    c = m.Person.objects.create(ref="P3", birth_date="before 1980-05", visibility=R)
    dup = m.Person.objects.create(ref="P4", birth_date="1975~")
    dup.merged_into = a
    dup.save()
    for person, name, language, kind in (
        (a, NFC_NAME, "az-Latn", "primary"),
        (a, "Али Керимли", "ru-Cyrl", "transliteration"),
        (a, "Ali Karimli", "en", "transliteration"),
        (b, NFD_NAME, "az-Latn", "primary"),
        (b, "Шахрияр Гюльмамедова", "ru-Cyrl", "transliteration"),
        (c, "Ilkin Çağıroğlu", "az-Latn", "primary"),
        (dup, "Ali Kerimli", "en", "primary"),
        (dup, "Əli Kərimli", "az-Latn", "merged"),
    ):
        m.PersonName.objects.create(person=person, name=name, language=language, kind=kind)
    m.Affiliation.objects.create(person=a, organisation=party, role="chairman", start="1999")
    m.Affiliation.objects.create(person=c, organisation=party, start="c. 2001-02-03")
    m.Affiliation.objects.create(
        person=b, organisation=party, role="member", start="after 2010-01", end="2024-06-03"
    )
    art1 = m.LegalArticle.objects.create(
        country="XV", code="Criminal Code", article="283.1", title="incitement"
    )
    art2 = m.LegalArticle.objects.create(country="XV", code="Criminal Code", article="220")
    court = m.Court.objects.create(name="Bakı Ağır Cinayətlər Məhkəməsi")
    court2 = m.Court.objects.create(name="Appeal Court")
    case = m.Case.objects.create(
        ref="C1",
        number="1(101)-77/2026",
        title="The AVB case",
        country="XV",
        opened="2026-05-30",
        summary="=SUM(A1)",  # formula-looking text stays text
        lawyer_notes="meet Tuesday",
        field_visibility={"summary": "internal"},
    )
    case.courts.set([court, court2])
    case.articles.set([art1, art2])
    case.sources.set([s1, s2])
    m.CaseParticipant.objects.create(case=case, person=a, role="defendant")
    m.CaseParticipant.objects.create(case=case, person=b, role="defendant", visibility=R)
    wrong = m.StatusEvent.objects.create(person=a, kind="arrested", date="2026-06-01", case=case)
    fix = m.StatusEvent.objects.create(
        person=a, kind="arrested", date="2026-05-31", case=case, withdraws=wrong, notes="typo"
    )
    fix.sources.set([s1])
    m.StatusEvent.objects.create(person=a, kind="detained", date="2026-05-30", place="Bakı")
    m.StatusEvent.objects.create(person=b, kind="house_arrest", date="c. 2026-07", case=case)
    m.StatusEvent.objects.create(person=c, kind="detained", date="2025", visibility=R)
    for day, outcome, reason in (
        ("2026-08-05", "postponed", "judge ill"),
        ("2026-09-10", "postponed", "prosecutor absent"),
        ("2026-12-02", "scheduled", ""),
    ):
        h = m.Hearing.objects.create(
            case=case,
            date=day,
            kind="trial",
            court=court,
            outcome=outcome,
            postponement_reason=reason,
            next_date="2026-12-02" if outcome == "postponed" else None,
        )
        h.sources.set([s1])
    m.Sentence.objects.create(
        person=a,
        case=case,
        term="7 years",
        term_months=84,
        regime="general",
        start="2026-10",
        expected_release="before 2033-10-02",
    )
    m.Designation.objects.create(
        person=a, organisation=ngo, criteria="PACE 2012 definition", since="2026-06", source=s1
    )
    r1 = m.ListRelease.objects.create(
        ref="R1", organisation=ngo, title="June list", published="2026-06-15", source=s1
    )
    r2 = m.ListRelease.objects.create(ref="R2", organisation=ngo, published="2026-10")
    m.ListEntry.objects.create(release=r1, person=a, position=1, category="party")
    m.ListEntry.objects.create(release=r1, person=b, position=2)
    m.ListEntry.objects.create(release=r2, person=a, position=1)


def restricted() -> exporters.Document:
    return exporters.document(Level.RESTRICTED)


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def csv_text(rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def import_file(*args: Any, **kwargs: Any):
    from vigil.cases.importers import import_file as run

    return run(*args, **kwargs)


# -- round trips ---------------------------------------------------------------


def test_json_round_trip_is_byte_identical(registry, tmp_path):
    build_registry()
    before = exporters.write_json(restricted(), Level.RESTRICTED)
    sizes = counts()
    wipe()
    report = import_file(write(tmp_path, "registry.json", before))
    assert report.ok, report.problems
    assert report.committed
    assert exporters.write_json(restricted(), Level.RESTRICTED) == before
    assert counts() == sizes
    m = models()
    assert m.PersonName.objects.get(name=NFD_NAME).name == NFD_NAME  # still decomposed
    assert not m.PersonName.objects.filter(name=unicodedata.normalize("NFC", NFD_NAME))
    assert m.Person.objects.get(ref="P4").merged_into.ref == "P1"
    fix = m.StatusEvent.objects.get(withdraws__isnull=False)
    assert (str(fix.date), str(fix.withdraws.date)) == ("2026-05-31", "2026-06-01")
    assert m.Person.objects.get(ref="P1").field_visibility == {
        "notes": "public",
        "occupation": "internal",
    }


@pytest.mark.parametrize("writer", ["xlsx", "csv"])
def test_xlsx_and_csv_zip_round_trips(registry, tmp_path, writer):
    build_registry()
    doc = restricted()
    data = exporters.WRITERS[exporters.ExportFormat(writer)](doc, Level.RESTRICTED)
    wipe()
    report = import_file(write(tmp_path, f"registry.{'zip' if writer == 'csv' else writer}", data))
    assert report.ok, report.problems
    assert restricted() == doc
    if writer == "xlsx":  # a formula-looking text cell came back as text
        assert models().Case.objects.get(ref="C1").summary == "=SUM(A1)"


def test_reimport_of_an_export_changes_nothing(registry, tmp_path):
    build_registry()
    path = write(tmp_path, "registry.json", exporters.write_json(restricted(), Level.RESTRICTED))
    before, doc = counts(), restricted()
    report = import_file(path)
    assert report.ok
    assert {o.action for o in report.outcomes} == {"unchanged"}
    assert counts() == before and restricted() == doc


@pytest.mark.parametrize("suffix", ["xlsx", "zip"])
def test_public_export_never_blanks_what_it_could_not_see(registry, tmp_path, suffix):
    """Columns above the export's level were left out, not emptied: re-importing a
    public export keeps restricted contacts and internal notes (the level travels in
    the XLSX title and in the zip comment)."""
    build_registry()
    public = exporters.document(Level.PUBLIC)
    assert "contacts" not in public["people"][0] and "notes" in public["people"][0]
    writer = exporters.write_xlsx if suffix == "xlsx" else exporters.write_csv_zip
    data = writer(public, Level.PUBLIC)
    report = import_file(write(tmp_path, f"public.{suffix}", data))
    assert report.ok, report.problems
    p2 = models().Person.objects.get(ref="P2")
    assert p2.contacts == "x"  # the XLSX cell was empty: the column was above the level
    assert {o.action for o in report.outcomes} == {"unchanged"}


# -- flat sheets ---------------------------------------------------------------

MAPPING = {
    "format": "people",
    "columns": {
        "ID": "person.ref",
        "Ad Soyad": "name:az-Latn",
        "ФИО": "name:ru-Cyrl",
        "Name": "name:en",
        "Cins": "person.sex",
        "Doğum tarixi": "person.birth_date",
        "Partiya": "affiliation.organisation",
        "Status": "event.kind",
        "Tarix": "event.date",
        "Maddə": "case.articles",
        "İş nömrəsi": "case.number",
        "Ailə əlaqəsi": "person.contacts",
    },
    "values": {
        "Cins": {"kişi": "male", "qadın": "female"},
        "Status": {"həbs edilib": "arrested", "ev dustaqlığı": "house_arrest"},
    },
    "defaults": {"person.visibility": "internal", "case.country": "XV"},
}
HEADER = list(MAPPING["columns"])
ROWS = [
    [
        "",
        NFC_NAME,
        "Али Керимли",
        "Ali Karimli",
        "kişi",
        "03.06.1965",
        "Azad Vətəndaşlar Birliyi",
        "həbs edilib",
        "2026-06-01",
        "283.1; Criminal Code 220",
        "1(101)-77/2026",
        "wife +000",
    ],
    [
        "P-77",
        NFD_NAME,
        "",
        "",
        "qadın",
        "c. 1990",
        "Azad Vətəndaşlar Birliyi",
        "ev dustaqlığı",
        "2026-07",
        "283.1",
        "1(101)-77/2026",
        "",
    ],
]


def test_flat_csv_with_a_mapping(registry, tmp_path):
    path = write(tmp_path, "prisoners.csv", csv_text([HEADER, *ROWS]))
    report = import_file(path, MAPPING)
    assert report.ok, report.problems
    m = models()
    ali = m.PersonName.objects.get(name=NFC_NAME).person
    assert ali.ref == f"P{ali.pk:05d}"  # a generated ref
    assert (ali.sex, str(ali.birth_date), ali.contacts) == ("male", "1965-06-03", "wife +000")
    assert ali.visibility == Level.INTERNAL  # from [defaults]
    names = list(ali.names.order_by("id").values_list("name", "language", "kind"))
    assert names == [
        (NFC_NAME, "az-Latn", "primary"),
        ("Али Керимли", "ru-Cyrl", "transliteration"),
        ("Ali Karimli", "en", "transliteration"),
    ]
    second = m.Person.objects.get(ref="P-77")
    assert second.names.get().name == NFD_NAME and str(second.birth_date) == "c. 1990"
    party = m.Organisation.objects.get()
    assert (party.name, party.kind) == ("Azad Vətəndaşlar Birliyi", "other")
    assert m.Affiliation.objects.filter(organisation=party).count() == 2
    case = m.Case.objects.get()  # one case: both rows give the same number
    assert (case.number, case.country, case.ref) == ("1(101)-77/2026", "XV", f"C{case.pk:05d}")
    assert sorted(str(a) for a in case.articles.all()) == [
        "Criminal Code 220",
        "Criminal Code 283.1",
    ]
    assert set(case.participants.values_list("person__ref", "role")) == {
        (ali.ref, "defendant"),
        ("P-77", "defendant"),
    }
    events = {(e.person.ref, e.kind, str(e.date)) for e in m.StatusEvent.objects.all()}
    assert events == {(ali.ref, "arrested", "2026-06-01"), ("P-77", "house_arrest", "2026-07")}
    assert report.counts["people"]["create"] == 2
    assert report.counts["cases"] == {"create": 1, "update": 0, "unchanged": 1, "reject": 0}
    # Re-import: the person without an ID is found again by name and birth date.
    before = counts()
    again = import_file(path, MAPPING)
    assert again.ok and {o.action for o in again.outcomes} == {"unchanged"}
    assert counts() == before


def test_flat_person_without_ref_matches_name_and_birth_date(registry, tmp_path):
    header = ["Ad Soyad", "Doğum tarixi", "Cins"]
    mapping = {"format": "people", "columns": {h: MAPPING["columns"][h] for h in header}}
    import_file(write(tmp_path, "a.csv", csv_text([header, [NFC_NAME, "1965", "male"]])), mapping)
    rows = [
        ["Əli  Kərimli ", "1965", "female"],  # same folded name, same birth date: an update
        [NFC_NAME, "1966", "male"],  # another birth date: another person
    ]
    report = import_file(write(tmp_path, "b.csv", csv_text([header, *rows])), mapping)
    assert report.ok
    people = [o for o in report.outcomes if o.table == "people"]
    assert [(o.row, o.action, o.changed) for o in people] == [
        (2, "update", ("sex",)),
        (3, "create", ()),
    ]
    assert models().Person.objects.count() == 2


def test_flat_xlsx_with_a_sheet_name(registry, tmp_path):
    import datetime as dt

    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Notes"
    sheet = book.create_sheet("Prisoners")
    sheet.append([*HEADER, "Qeyd"])
    first = list(ROWS[0])
    first[5] = dt.datetime(1965, 6, 3)  # a real date cell
    sheet.append([*first, '=HYPERLINK("https://example.org")'])  # a formula cell
    sheet.append([*ROWS[1], "=1+2"])
    path = tmp_path / "prisoners.xlsx"
    book.save(path)
    mapping = {
        **MAPPING,
        "sheet": "Prisoners",
        "columns": {**MAPPING["columns"], "Qeyd": "person.notes"},
    }
    report = import_file(path, mapping)
    assert report.ok, report.problems
    m = models()
    ali = m.PersonName.objects.get(name=NFC_NAME).person
    assert str(ali.birth_date) == "1965-06-03"
    assert ali.notes == '=HYPERLINK("https://example.org")'  # the formula's text, not evaluated
    assert m.Person.objects.get(ref="P-77").notes == "=1+2"
    before = counts()
    again = import_file(path, mapping)
    assert again.ok and {o.action for o in again.outcomes} == {"unchanged"}
    assert counts() == before


def test_flat_import_round_trips_through_an_export(registry, tmp_path):
    import_file(write(tmp_path, "prisoners.csv", csv_text([HEADER, *ROWS])), MAPPING)
    doc = restricted()
    data = exporters.write_json(doc, Level.RESTRICTED)
    wipe()
    assert import_file(write(tmp_path, "export.json", data)).ok
    assert exporters.write_json(restricted(), Level.RESTRICTED) == data


def test_mapping_file_in_toml(registry, tmp_path):
    toml = (
        'format = "people"\n[columns]\n"ID" = "person.ref"\n"Ad Soyad" = "name:az-Latn"\n'
        '"Cins" = "person.sex"\n[values."Cins"]\n"kişi" = "male"\n'
    )
    mapping = write(tmp_path, "m.toml", toml)
    data = csv_text([["ID", "Ad Soyad", "Cins"], ["P1", NFC_NAME, "Kişi"]])  # case differs
    report = import_file(write(tmp_path, "p.csv", data), mapping)
    assert report.ok, report.problems
    assert models().Person.objects.get(ref="P1").sex == "male"


def test_single_table_csv_with_renamed_columns(registry, tmp_path):
    build_registry()
    mapping = {
        "table": "events",
        "columns": {"Şəxs": "person", "Status": "kind", "Tarix": "date"},
        "values": {"Status": {"azad edilib": "released"}},
    }
    data = csv_text(
        [["Şəxs", "Status", "Tarix", "place"], ["P2", "azad edilib", "01.10.2026", "Bakı"]]
    )
    report = import_file(write(tmp_path, "ev.csv", data), mapping)
    assert report.ok, report.problems
    event = models().StatusEvent.objects.get(person__ref="P2", kind="released")
    assert (str(event.date), event.place, event.case) == ("2026-10-01", "Bakı", None)
    # One table's CSV as exported needs no mapping when named after its table.
    table = exporters.write_csv_table(restricted(), "events")
    again = import_file(write(tmp_path, "events.csv", table))
    assert again.ok and {o.action for o in again.outcomes} == {"unchanged"}


# -- dry runs, refs, audit -----------------------------------------------------


def test_dry_run_reports_what_the_import_does_and_writes_nothing(registry, tmp_path):
    path = write(tmp_path, "prisoners.csv", csv_text([HEADER, *ROWS]))
    dry = import_file(path, MAPPING, dry_run=True)
    assert dry.dry_run and not dry.committed
    assert not any(counts().values())
    assert models().AuditEvent.objects.count() == 0
    real = import_file(path, MAPPING)
    assert real.committed
    assert dry.counts == real.counts
    assert [(o.table, o.row, o.action) for o in dry.outcomes] == [
        (o.table, o.row, o.action) for o in real.outcomes
    ]
    frame = real.frame()
    assert list(frame.columns) == ["table", "row", "action", "key", "changed", "problem"]
    assert len(frame) == len(real.outcomes)


def test_audit_records_one_import_with_its_hash(registry, tmp_path):
    import hashlib

    path = write(tmp_path, "prisoners.csv", csv_text([HEADER, *ROWS]))
    report = import_file(path, MAPPING, actor="tester")
    trail = models().AuditEvent.objects
    event = trail.get(action="import")
    assert (event.action, event.actor, event.target) == ("import", "tester", "prisoners.csv")
    assert event.detail["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert event.detail["counts"]["people"]["create"] == 2
    assert report.sha256 == event.detail["sha256"]
    # and one event per record of a ref table created, with its values (refs, dates…)
    # and, under "rows", those of its rows (names, events…)
    created = trail.filter(action="import-create")
    # ref tables, and rows that belong to no such record (legal articles)
    owners = ("people", "organisations", "cases", "sources", "releases", "articles")
    made = {table: c.get("create", 0) for table, c in report.counts.items()}
    assert created.count() == sum(n for t, n in made.items() if t in owners)
    rows = sum(len(r) for e in created for r in e.detail.get("rows", {}).values())
    assert rows == sum(n for t, n in made.items() if t not in owners)
    people = {e.target: e.detail for e in created if e.target.startswith("person:")}
    refs = models().Person.objects.values_list("ref", flat=True)
    assert sorted(people) == sorted(f"person:{ref}" for ref in refs)
    for detail in people.values():
        assert detail["import"] == event.pk  # the summary: file, sha256, counts
        assert detail["after"]["ref"] in refs


def test_audit_masks_a_list_that_names_a_restricted_source(registry, tmp_path):
    """A public case or event citing a restricted source: the audit trail keeps its
    list of sources masked, as the policy's own snapshot does for an edit (until the
    sources column was read from the schema, the importer compared the level of a
    single pointer only and wrote the restricted ref in clear)."""
    from vigil.cases import policy

    doc = {
        "vigil_cases": 1,
        "level": "restricted",
        "sources": [
            {"ref": "S-PUB", "title": "public", "visibility": "public"},
            {"ref": "S-SECRET", "title": "secret", "visibility": "restricted"},
        ],
        "people": [{"ref": "P1", "visibility": "public"}],
        "cases": [{"ref": "C1", "sources": ["S-PUB", "S-SECRET"], "visibility": "public"}],
        "events": [
            {"person": "P1", "kind": "arrested", "date": "2024-01-02", "sources": ["S-SECRET"]},
            {"person": "P1", "kind": "released", "date": "2024-02-03", "sources": ["S-PUB"]},
        ],
    }
    path = write(tmp_path, "doc.json", json.dumps(doc))
    assert import_file(path).ok
    m = models()
    case = m.AuditEvent.objects.get(action="import-create", target="case:C1").detail["after"]
    assert str(case["sources"]).startswith("[restricted:")
    assert case["sources"] == policy.snapshot(m.Case.objects.get(ref="C1"))["sources"]
    person = m.AuditEvent.objects.get(action="import-create", target="person:P1").detail
    arrested, released = person["rows"]["events"]
    assert str(arrested["after"]["sources"]).startswith("[restricted:")
    assert released["after"]["sources"] == ["S-PUB"]  # a public list stays readable
    assert "S-SECRET" not in json.dumps(list(m.AuditEvent.objects.values("detail")))


def test_a_row_citing_several_rejected_sources_names_the_first(registry, tmp_path):
    """The sources of a row are a set; the report names the first rejected one in
    file order, the same on every run (it named any of them before)."""
    bad = [{"ref": f"S{i}", "reliability": "rumour"} for i in range(1, 7)]
    doc = {
        "vigil_cases": 1,
        "sources": bad,
        "cases": [{"ref": "C1", "sources": [f"S{i}" for i in (5, 3, 6, 2, 4)]}],
    }
    path = write(tmp_path, "doc.json", json.dumps(doc))
    report = import_file(path, skip_invalid=True)
    (problem,) = [p for p in report.problems if p.table == "cases"]
    assert problem.problem == "refers to the source of row 2 (sources), which was rejected"


def test_generated_ref_steps_around_a_ref_the_file_uses(registry, tmp_path):
    """The first new person would get P<next id>, but the sheet's second row uses it."""
    m = models()
    probe = m.Person.objects.create()
    next_id = probe.pk + 1  # ids only grow, on SQLite (AUTOINCREMENT) and PostgreSQL
    probe.delete()
    wanted = f"P{next_id:05d}"
    mapping = {"format": "people", "columns": {"ID": "person.ref", "Ad Soyad": "name:az-Latn"}}
    data = csv_text([["ID", "Ad Soyad"], ["", NFC_NAME], [wanted, "Gülnarə Şükürova"]])
    report = import_file(write(tmp_path, "p.csv", data), mapping)
    assert report.ok
    first = m.PersonName.objects.get(name=NFC_NAME).person
    assert first.pk == next_id and first.ref == f"{wanted}-2"
    refs = {o.row: o.key for o in report.outcomes if o.table == "people"}
    assert refs == {2: f"{wanted}-2", 3: wanted}


def test_json_list_of_people_with_a_mapping(registry, tmp_path):
    rows = [{"Ad": NFC_NAME, "Tarix": "2026-05-30"}, {"Ad": "", "Tarix": "bad"}]
    mapping = {
        "format": "people",
        "columns": {"Ad": "name:az-Latn", "Tarix": "event.date"},
        "defaults": {"event.kind": "detained"},
    }
    report = import_file(write(tmp_path, "list.json", json.dumps(rows)), mapping)
    assert [(p.row, p.column) for p in report.problems] == [(2, "Ad")]  # JSON: index + 1
    assert counts()["Person"] == 0


def test_new_ref_avoids_refs_already_taken():
    from vigil.cases.importers import new_ref

    assert new_ref("people", 42) == "P00042"
    assert new_ref("releases", 7, {"R00007"}) == "R00007-2"
    assert new_ref("organisations", 123456) == "O123456"


# -- bad rows ------------------------------------------------------------------


def bad_sheet() -> list[list[str]]:
    rows = [list(r) for r in ROWS]
    unknown_word = [*ROWS[0]]
    unknown_word[0], unknown_word[4] = "P-3", "naməlum"  # row 4: not a sex
    bad_date = [*ROWS[0]]
    bad_date[0], bad_date[8] = "P-4", "32.13.2026"  # row 5: not a date
    no_name = [*ROWS[0]]
    no_name[0], no_name[1], no_name[2], no_name[3] = "P-5", "", "", ""  # row 6: no name
    return [HEADER, *rows, unknown_word, bad_date, no_name]


def test_bad_rows_are_reported_and_nothing_is_written(registry, tmp_path):
    build_registry()
    before = counts()
    report = import_file(write(tmp_path, "bad.csv", csv_text(bad_sheet())), MAPPING)
    assert not report.ok and not report.committed
    problems = {(p.table, p.row, p.column) for p in report.problems}
    assert problems == {
        ("people", 4, "Cins"),
        ("events", 5, "Tarix"),
        ("people", 6, "Ad Soyad"),
    }
    texts = {p.row: str(p) for p in report.problems}
    assert texts[4].startswith('bad.csv: row 4, column "Cins": expected one of female, male')
    assert "'naməlum'" in texts[4]
    assert 'row 5, column "Tarix": expected a date such as 2024-06-03' in texts[5]
    assert "needs a name" in texts[6]
    rejected = {(o.table, o.row) for o in report.outcomes if o.action == "reject"}
    assert ("names", 4) in rejected and ("people", 5) in rejected  # a flat row: all or nothing
    assert counts() == before
    assert models().AuditEvent.objects.count() == 0


def test_unknown_person_in_an_interchange_json_names_the_row(registry, tmp_path):
    build_registry()
    before = counts()
    doc = {
        "vigil_cases": 1,
        "events": [
            {"person": "P1", "kind": "released", "date": "2026-11-01"},
            {"person": "P404", "kind": "released", "date": "2026-11-01"},
        ],
    }
    report = import_file(write(tmp_path, "ev.json", json.dumps(doc)))
    [problem] = report.problems
    assert (problem.table, problem.row, problem.column) == ("events", 2, "person")
    assert "unknown person 'P404'" in problem.problem
    assert counts() == before


def test_text_the_databases_cannot_hold_is_a_row_problem(registry, tmp_path):
    doc = {
        "vigil_cases": 1,
        "people": [
            {"ref": "P1", "notes": "fine"},
            {"ref": "P2", "notes": "a\u0000b"},
            {"ref": "P3", "occupation": "x" * 301},
        ],
        "sentences": [{"person": "P1", "term_months": 99_999_999_999}],
    }
    report = import_file(write(tmp_path, "d.json", json.dumps(doc)))
    found = {(p.table, p.row, p.column): p.problem for p in report.problems}
    assert found == {
        ("people", 2, "notes"): "contains a NUL character (\\x00)",
        ("people", 3, "occupation"): "at most 300 characters, got 301",
        ("sentences", 1, "term_months"): "expected a whole number from 0 to 2147483647, "
        "got 99999999999",
    }
    assert not any(counts().values())


def test_skip_invalid_writes_the_valid_rows(registry, tmp_path):
    """--skip-invalid: a bad cell that does not say which record a row is (row 4's
    sex) is left out and reported, the person kept; a bad event date (row 5) or a
    missing name (row 6) still rejects its row (issue 13)."""
    report = import_file(
        write(tmp_path, "bad.csv", csv_text(bad_sheet())), MAPPING, skip_invalid=True
    )
    assert report.committed and not report.ok and len(report.problems) == 3
    dropped = [p for p in report.problems if p.dropped]
    assert [(p.row, p.column) for p in dropped] == [(4, "Cins")]
    m = models()
    assert sorted(m.Person.objects.values_list("ref", flat=True)) == sorted(
        [o.key for o in report.outcomes if o.table == "people" and o.action == "create"]
    )
    assert m.Person.objects.get(ref="P-3").sex == ""  # the cell left out, the person kept
    assert not m.Person.objects.filter(ref__in=["P-4", "P-5"]).exists()
    assert m.Person.objects.count() == 3 and m.StatusEvent.objects.count() == 3
    assert m.AuditEvent.objects.filter(action="import").count() == 1
    assert not m.AuditEvent.objects.filter(
        action="import-create", target__in=["person:P-4", "person:P-5"]
    ).exists()


def test_skip_invalid_rejects_the_row_when_the_mapping_says_no_cell_is_optional(registry, tmp_path):
    strict = {**MAPPING, "optional": False}
    report = import_file(
        write(tmp_path, "bad.csv", csv_text(bad_sheet())), strict, skip_invalid=True
    )
    assert report.committed and not any(p.dropped for p in report.problems)
    m = models()
    assert not m.Person.objects.filter(ref__in=["P-3", "P-4", "P-5"]).exists()
    assert m.Person.objects.count() == 2


def test_events_are_append_only(registry, tmp_path):
    build_registry()
    doc = restricted()
    event = next(e for e in doc["events"] if e["place"] == "Bakı")
    event["place"] = "Gəncə"
    before = counts()
    data = exporters.write_json(doc, Level.RESTRICTED)
    report = import_file(write(tmp_path, "changed.json", data))
    [problem] = report.problems
    assert problem.table == "events" and problem.column == "place"
    assert "append-only" in problem.problem and "withdraws" in problem.problem
    assert counts() == before
    assert models().StatusEvent.objects.get(kind="detained", person__ref="P1").place == "Bakı"


def test_an_update_is_reported_with_its_changed_fields(registry, tmp_path):
    build_registry()
    doc = restricted()
    doc["people"][1]["occupation"] = "jurnalist"
    report = import_file(write(tmp_path, "x.json", exporters.write_json(doc, Level.RESTRICTED)))
    [update] = [o for o in report.outcomes if o.action != "unchanged"]
    assert (update.table, update.row, update.key, update.action, update.changed) == (
        "people",
        2,
        "P2",
        "update",
        ("occupation",),
    )
    assert models().Person.objects.get(ref="P2").occupation == "jurnalist"


# -- encodings -----------------------------------------------------------------


def test_legacy_encoding_is_an_error_unless_named(registry, tmp_path):
    text = csv_text([["ID", "ФИО"], ["P1", "Али Керимли"], ["P2", "Шахрияр"]])
    path = write(tmp_path, "cp1251.csv", text.encode("cp1251"))
    mapping = {"format": "people", "columns": {"ID": "person.ref", "ФИО": "name:ru-Cyrl"}}
    with pytest.raises(InputError) as info:
        import_file(path, mapping)
    message = str(info.value)
    offset = text.encode("cp1251").index("Ф".encode("cp1251"))
    assert message.startswith("cp1251.csv: not valid UTF-8")
    assert f"at byte {offset}" in message and "--encoding cp1251" in message
    assert "\n" not in message
    with pytest.raises(InputError, match=r"line 1"):  # the header is already Cyrillic
        import_file(path, {"format": "people", "columns": {"ID": "person.ref"}})
    report = import_file(path, mapping, encoding="cp1251")
    assert report.ok
    assert models().Person.objects.get(ref="P1").names.get().name == "Али Керимли"
    turkish = csv_text([["ID", "Ad Soyad"], ["P9", "Gülnar Şükürova Ağa"]]).encode("cp1254")
    mapping = {"format": "people", "columns": {"ID": "person.ref", "Ad Soyad": "name:az-Latn"}}
    assert import_file(write(tmp_path, "tr.csv", turkish), mapping, encoding="cp1254").ok
    assert models().Person.objects.get(ref="P9").names.get().name == "Gülnar Şükürova Ağa"


def test_utf8_byte_order_mark_is_accepted(registry, tmp_path):
    text = csv_text([["ID", "Ad Soyad"], ["P1", "Gülnarə Şükürova"]])
    path = write(tmp_path, "bom.csv", b"\xef\xbb\xbf" + text.encode("utf-8"))
    mapping = {"format": "people", "columns": {"ID": "person.ref", "Ad Soyad": "name:az-Latn"}}
    assert import_file(path, mapping).ok
    assert models().PersonName.objects.get().name == "Gülnarə Şükürova"


def test_semicolon_csv_and_whitespace_are_handled(registry, tmp_path):
    text = "ID;Ad Soyad\nP1;  Əli Kərimli \n"
    mapping = {"format": "people", "columns": {"ID": "person.ref", "Ad Soyad": "name:az-Latn"}}
    assert import_file(write(tmp_path, "semi.csv", text), mapping).ok
    assert models().PersonName.objects.get().name == NFC_NAME


# -- whole-file errors and limits ----------------------------------------------


def one_line_error(*args: Any, **kwargs: Any) -> str:
    with pytest.raises(InputError) as info:
        import_file(*args, **kwargs)
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_whole_file_errors_name_the_file(registry, tmp_path):
    sheet = write(tmp_path, "p.csv", csv_text([HEADER, *ROWS]))
    assert one_line_error(tmp_path / "missing.csv", MAPPING).endswith("missing.csv: no such file")
    bad_target = {**MAPPING, "columns": {**MAPPING["columns"], "Cins": "person.gender"}}
    message = one_line_error(sheet, bad_target)
    assert message.startswith('mapping: [columns] "Cins" = "person.gender": unknown target')
    absent = {**MAPPING, "columns": {**MAPPING["columns"], "Həbsxana": "event.facility"}}
    assert '[columns] "Həbsxana": p.csv has no such column' in one_line_error(sheet, absent)
    assert "needs a mapping" in one_line_error(sheet)
    assert "not an XLSX workbook" in one_line_error(write(tmp_path, "x.xlsx", b"not a zip"))
    assert "not valid JSON (line 1" in one_line_error(write(tmp_path, "x.json", "{oops"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("prisoners.csv", "a,b\n1,2\n")
    message = one_line_error(write(tmp_path, "tables.zip", buffer.getvalue()))
    assert message.startswith("tables.zip/prisoners.csv: unknown table 'prisoners'")
    doc = {"vigil_cases": 1, "people": [{"ref": "P1", "gender": "male"}]}
    assert 'unknown column "gender" of people' in one_line_error(
        write(tmp_path, "d.json", json.dumps(doc))
    )
    no_key = {"table": "events", "columns": {"Şəxs": "person"}}
    events = write(tmp_path, "ev.csv", csv_text([["Şəxs", "kind"], ["P1", "detained"]]))
    assert "no column for events.date" in one_line_error(events, no_key)
    toml = write(tmp_path, "m.toml", 'format = "people"\n[columns\n')
    assert one_line_error(sheet, toml).startswith("m.toml: not valid TOML")
    assert not any(counts().values())


def test_oversized_file_is_refused_before_reading(registry, tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:
        handle.truncate(51 * 1024 * 1024)  # sparse: no disk used
    assert "over the import limit of 50 MB" in one_line_error(path, MAPPING)


def test_zip_bomb_is_refused(registry, tmp_path, monkeypatch):
    from vigil.cases.importers import reading

    monkeypatch.setattr(reading, "MAX_UNCOMPRESSED", 1024 * 1024)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("events.csv", b"person,kind,date\n" + b" " * (4 * 1024 * 1024))
    path = write(tmp_path, "bomb.zip", buffer.getvalue())
    assert path.stat().st_size < 100_000
    assert "zip bomb" in one_line_error(path)


def test_workbook_with_too_many_rows_is_refused(registry, tmp_path, monkeypatch):
    from openpyxl import Workbook

    from vigil.cases.importers import reading

    monkeypatch.setattr(reading, "MAX_ROWS", 5)
    book = Workbook()
    book.active.title = "events"
    book.active.append(["person", "kind", "date"])
    for _ in range(6):
        book.active.append(["P1", "detained", "2026"])
    book.save(tmp_path / "many.xlsx")
    assert "more than 5 rows" in one_line_error(tmp_path / "many.xlsx")


# -- the demo data set ---------------------------------------------------------


def test_demo_data_imports_cleanly_and_reimports_unchanged(registry):
    sheet, mapping = DEMO / "prisoners.csv", DEMO / "prisoners.mapping.toml"
    first = import_file(sheet, mapping)
    assert first.ok, first.problems
    second = import_file(DEMO / "registry.json")
    assert second.ok, second.problems
    m = models()
    assert m.Person.objects.count() == 16
    chain = m.Hearing.objects.filter(case__ref="AVB-2026", outcome="postponed", date__gte="2026-08")
    assert chain.count() == 4
    last = m.Hearing.objects.filter(case__ref="AVB-2026").order_by("date").last()
    assert (str(last.date), last.outcome) == ("2026-12-02", "scheduled")
    june, october = (
        set(m.ListEntry.objects.filter(release__ref=r).values_list("person__ref", flat=True))
        for r in ("R-VRW-2026-06", "R-VRW-2026-10")
    )
    assert june - october == {"VRW-004", "VRW-011", "VRW-012"}
    assert october - june == {"VRW-007", "VRW-008"}
    before, doc = counts(), restricted()
    for args in ((sheet, mapping), (DEMO / "registry.json",)):
        again = import_file(*args)
        assert again.ok and {o.action for o in again.outcomes} == {"unchanged"}
    assert counts() == before and restricted() == doc


def test_a_name_two_people_share_is_not_guessed(registry, tmp_path):
    m = models()
    for ref in ("A1", "A2"):  # namesakes, same birth date
        person = m.Person.objects.create(ref=ref, birth_date="1980")
        m.PersonName.objects.create(person=person, name=NFC_NAME)
    mapping = {
        "format": "people",
        "columns": {"Ad Soyad": "name:az-Latn", "Doğum": "person.birth_date", "Cins": "person.sex"},
    }
    data = csv_text([["Ad Soyad", "Doğum", "Cins"], ["Əli Kərimli", "1980", "male"]])
    report = import_file(write(tmp_path, "p.csv", data), mapping)
    [problem] = report.problems
    assert problem.row == 2 and "matches 2 people (A1, A2)" in problem.problem
    assert m.Person.objects.count() == 2
    assert set(m.Person.objects.values_list("sex", flat=True)) == {""}
