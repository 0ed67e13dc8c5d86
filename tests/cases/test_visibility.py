"""Visibility: no export at level L ever contains a field above L.

The property test builds random registries: every record gets a random visibility,
people and cases random ``field_visibility`` overrides (moving any field up or down,
a restricted field down to public included), and every text field a sentinel such as
``SNT-R-000042`` whose letter is the lowest reader level that may see it. That level
is worked out here, independently of :mod:`vigil.cases.visibility`, from the rules:

* a record is visible when its own level is at most L and every record it must point
  to (person, organisation, case, release) is visible;
* a field is visible when its record is and its level (the schema default, or the
  record's override) is at most L;
* an optional pointer (a source, ``merged_into``, ``withdraws``) to a hidden record is
  blanked; hidden sources are dropped from ``sources`` lists.

Then every export level and every format (the document, JSON, the CSV zip, XLSX) is
searched, raw bytes and unpacked members alike: a sentinel above L must be absent and
every sentinel at or below L present, so the test fails both ways. The rows
themselves are checked too: the right rows, the right columns, no reference to a
hidden record.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cases.conftest import ENGINE
from vigil.cases.levels import Level
from vigil.cases.schema import OVERRIDABLE, TABLE, TABLES
from vigil.errors import InputError

P, INT, R = Level.PUBLIC, Level.INTERNAL, Level.RESTRICTED
LETTER = {P: "P", INT: "I", R: "R"}
LEVEL_OF_LETTER = {v: k for k, v in LETTER.items()}
SENTINEL = re.compile(rb"SNT-([PIR])-(\d{6})")
LEVELS = st.sampled_from([P, INT, R])
# How an override may be written in the database: a label (as the importer writes
# it) or a number.
OVERRIDE_VALUES = st.sampled_from(["public", "internal", "restricted", 0, 1, 2])

HYPOTHESIS = settings(
    max_examples=75,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# -- a random registry, described as plain data ------------------------------------


@st.composite
def registries(draw) -> dict[str, Any]:
    """Indices and levels only; :func:`build` turns them into rows and sentinels."""

    def some(n: int) -> st.SearchStrategy[list[int]]:
        return st.lists(st.integers(0, n - 1), unique=True, max_size=3) if n else st.just([])

    def maybe(n: int) -> st.SearchStrategy[int | None]:
        return st.none() | st.integers(0, n - 1) if n else st.none()

    def overrides(table: str):
        return st.dictionaries(st.sampled_from(OVERRIDABLE[table]), OVERRIDE_VALUES, max_size=4)

    n_sources = draw(st.integers(0, 3))
    n_orgs = draw(st.integers(1, 3))
    n_people = draw(st.integers(1, 4))
    n_cases = draw(st.integers(0, 3))
    spec: dict[str, Any] = {
        "sources": draw(st.lists(LEVELS, min_size=n_sources, max_size=n_sources)),
        "orgs": draw(st.lists(LEVELS, min_size=n_orgs, max_size=n_orgs)),
    }
    spec["people"] = [
        {"level": draw(LEVELS), "overrides": draw(overrides("people")), "merged_into": m}
        for m in (
            draw(st.none() | st.integers(0, n_people - 1).filter(lambda j, i=i: j != i))
            if n_people > 1
            else None
            for i in range(n_people)
        )
    ]
    spec["names"] = draw(st.lists(st.tuples(st.integers(0, n_people - 1), LEVELS), max_size=6))
    spec["affiliations"] = draw(
        st.lists(
            st.tuples(st.integers(0, n_people - 1), st.integers(0, n_orgs - 1), LEVELS),
            max_size=3,
        )
    )
    spec["cases"] = [
        {
            "level": draw(LEVELS),
            "overrides": draw(overrides("cases")),
            "sources": draw(some(n_sources)),
            "article": draw(st.booleans()),
        }
        for _ in range(n_cases)
    ]
    spec["participants"] = (
        draw(
            st.lists(
                st.tuples(
                    st.integers(0, n_cases - 1),
                    st.integers(0, n_people - 1),
                    st.sampled_from(["defendant", "lawyer", "witness"]),
                    LEVELS,
                ),
                max_size=4,
                unique_by=lambda t: t[:3],
            )
        )
        if n_cases
        else []
    )
    events = []
    withdrawn: set[int] = set()
    for i in range(draw(st.integers(0, 6))):
        candidates = [j for j in range(i) if j not in withdrawn]
        target = draw(st.none() | st.sampled_from(candidates)) if candidates else None
        if target is not None:
            withdrawn.add(target)
        events.append(
            {
                "person": draw(st.integers(0, n_people - 1)),
                "case": draw(maybe(n_cases)),
                "level": draw(LEVELS),
                "sources": draw(some(n_sources)),
                "withdraws": target,
            }
        )
    spec["events"] = events
    spec["hearings"] = (
        draw(
            st.lists(
                st.tuples(st.integers(0, n_cases - 1), LEVELS, some(n_sources), st.booleans()),
                max_size=4,
            )
        )
        if n_cases
        else []
    )
    spec["sentences"] = draw(
        st.lists(st.tuples(st.integers(0, n_people - 1), maybe(n_cases), LEVELS), max_size=3)
    )
    spec["designations"] = draw(
        st.lists(
            st.tuples(
                st.integers(0, n_people - 1), st.integers(0, n_orgs - 1), maybe(n_sources), LEVELS
            ),
            max_size=3,
        )
    )
    n_releases = draw(st.integers(0, 2))
    spec["releases"] = [
        (draw(st.integers(0, n_orgs - 1)), draw(maybe(n_sources)), draw(LEVELS))
        for _ in range(n_releases)
    ]
    spec["entries"] = (
        draw(
            st.lists(
                st.tuples(st.integers(0, n_releases - 1), st.integers(0, n_people - 1), LEVELS),
                max_size=5,
                unique_by=lambda t: t[:2],
            )
        )
        if n_releases
        else []
    )
    n_incidents = draw(st.integers(0, 2))
    spec["incidents"] = [(draw(LEVELS), draw(some(n_sources))) for _ in range(n_incidents)]
    spec["incident_people"] = (
        draw(
            st.lists(
                st.tuples(st.integers(0, n_incidents - 1), st.integers(0, n_people - 1), LEVELS),
                max_size=3,
                unique_by=lambda t: t[:2],
            )
        )
        if n_incidents
        else []
    )
    return spec


# -- the expected result, worked out from the rules --------------------------------


@dataclass
class Expected:
    """What the reference model says about the registry it built."""

    sentinels: dict[str, Level] = field(default_factory=dict)  # text -> lowest reader
    rows: dict[str, list[tuple[Level, Any, dict[str, Level]]]] = field(default_factory=dict)
    # per table: (row's level, identity, {column: level}) for every row in the database
    counter: itertools.count = field(default_factory=itertools.count)

    def sentinel(self, level: Level) -> str:
        text = f"SNT-{LETTER[level]}-{next(self.counter):06d}"
        self.sentinels[text] = level
        return text

    def visible_sentinels(self, level: Level) -> set[str]:
        return {s for s, lv in self.sentinels.items() if lv <= level}

    def row(self, table: str, level: Level, identity: Any, overrides=None) -> dict[str, Level]:
        """Register a row; return the level of each of its columns (for sentinels)."""
        columns = {}
        for column in TABLE[table].columns:
            own = column.level
            if overrides and column.name in overrides:
                own = Level.parse(overrides[column.name])
            if column.name == "field_visibility":
                own = R  # shown to restricted readers only
            columns[column.name] = max(level, own)
        self.rows.setdefault(table, []).append((level, identity, columns))
        return columns


def lowest(*levels: Level) -> Level:
    return max(levels)


def build(spec: dict[str, Any]) -> Expected:
    """Create the registry of ``spec`` in the database; return what each reader sees."""
    from vigil.cases import models as m

    ex = Expected()
    s = ex.sentinel

    # sources
    source_level: list[Level] = []
    sources = []
    for level in spec["sources"]:
        ref = s(level)
        col = ex.row("sources", level, ref)
        sources.append(
            m.Source.objects.create(
                ref=ref,
                title=s(col["title"]),
                url=f"https://example.org/{s(col['url'])}",
                file_name=s(col["file_name"]),
                sha256=s(col["sha256"]),
                publisher=s(col["publisher"]),
                published="2024-06",
                notes=s(col["notes"]),
                visibility=level,
            )
        )
        source_level.append(level)

    # organisations
    org_level: list[Level] = []
    orgs = []
    for level in spec["orgs"]:
        ref = s(level)
        col = ex.row("organisations", level, ref)
        orgs.append(
            m.Organisation.objects.create(
                ref=ref,
                name=s(col["name"]),
                short_name=s(col["short_name"]),
                kind="party",
                country="AZ",
                notes=s(col["notes"]),
                visibility=level,
            )
        )
        org_level.append(level)

    # people (merged_into is set once everyone exists)
    person_level: list[Level] = []
    people = []
    for i, p in enumerate(spec["people"]):
        level = p["level"]
        ref = s(level)
        col = ex.row("people", level, ref, p["overrides"])
        people.append(
            m.Person.objects.create(
                ref=ref,
                sex="female",
                birth_date=f"{1950 + i}-05",
                occupation=s(col["occupation"]),
                photo=s(col["photo"]),
                notes=s(col["notes"]),
                contacts=s(col["contacts"]),
                visibility=level,
                field_visibility=p["overrides"],
            )
        )
        person_level.append(level)
    for person, p in zip(people, spec["people"], strict=True):
        if p["merged_into"] is not None:
            person.merged_into = people[p["merged_into"]]
            person.save()

    for pi, level in spec["names"]:
        row_level = lowest(level, person_level[pi])
        name = s(row_level)
        col = ex.row("names", row_level, name)
        m.PersonName.objects.create(
            person=people[pi], name=name, language=s(col["language"]), kind="alias",
            visibility=level,
        )  # fmt: skip

    for pi, oi, level in spec["affiliations"]:
        row_level = lowest(level, person_level[pi], org_level[oi])
        role = s(row_level)
        ex.row("affiliations", row_level, role)
        m.Affiliation.objects.create(
            person=people[pi], organisation=orgs[oi], role=role, start="2020", visibility=level
        )

    # one legal article (public reference data, exported at every level)
    code, number, title = s(P), s(P), s(P)
    ex.row("articles", P, title)
    article = m.LegalArticle.objects.create(country="AZ", code=code, article=number, title=title)

    # cases, each with its own court (named in the case and in some of its hearings)
    case_level: list[Level] = []
    cases = []
    court_uses: list[list[Level]] = []
    for c in spec["cases"]:
        level = c["level"]
        ref = s(level)
        col = ex.row("cases", level, ref, c["overrides"])
        case = m.Case.objects.create(
            ref=ref,
            number=s(col["number"]),
            title=s(col["title"]),
            kind="criminal",
            country="AZ",
            opened="c. 2023",
            summary=s(col["summary"]),
            lawyer_notes=s(col["lawyer_notes"]),
            visibility=level,
            field_visibility=c["overrides"],
        )
        case.sources.set([sources[i] for i in c["sources"]])
        if c["article"]:
            case.articles.add(article)
        cases.append(case)
        case_level.append(level)
        court_uses.append([col["courts"]])

    for ci, pi, role, level in spec["participants"]:
        row_level = lowest(level, case_level[ci], person_level[pi])
        ex.row("participants", row_level, (cases[ci].ref, people[pi].ref, role))
        m.CaseParticipant.objects.create(
            case=cases[ci], person=people[pi], role=role, visibility=level
        )

    events = []
    event_level: list[Level] = []
    for e in spec["events"]:
        parents = [person_level[e["person"]]]
        if e["case"] is not None:
            parents.append(case_level[e["case"]])
        row_level = lowest(e["level"], *parents)
        place = s(row_level)
        col = ex.row("events", row_level, place)
        event = m.StatusEvent.objects.create(
            person=people[e["person"]],
            case=cases[e["case"]] if e["case"] is not None else None,
            kind="arrested",
            date="2024-06-03",
            place=place,
            facility=s(col["facility"]),
            notes=s(col["notes"]),
            withdraws=events[e["withdraws"]] if e["withdraws"] is not None else None,
            visibility=e["level"],
        )
        event.sources.set([sources[i] for i in e["sources"]])
        events.append(event)
        event_level.append(row_level)

    hearing_courts = []
    for k, (ci, level, source_ids, with_court) in enumerate(spec["hearings"]):
        row_level = lowest(level, case_level[ci])
        kind = s(row_level)
        col = ex.row("hearings", row_level, kind)
        hearing = m.Hearing.objects.create(
            case=cases[ci],
            date=f"2024-{k % 12 + 1:02d}",
            kind=kind,
            outcome="postponed",
            postponement_reason=s(col["postponement_reason"]),
            next_date="2024-12-02",
            notes=s(col["notes"]),
            visibility=level,
        )
        hearing.sources.set([sources[i] for i in source_ids])
        if with_court:
            court_uses[ci].append(col["court"])
            hearing_courts.append((hearing, ci))

    # a court's name is seen by whoever sees it in a case or in a hearing
    courts = [m.Court.objects.create(name=s(min(uses))) for uses in court_uses]
    for case, court in zip(cases, courts, strict=True):
        case.courts.add(court)
    for hearing, ci in hearing_courts:
        hearing.court = courts[ci]
        hearing.save()

    for pi, ci, level in spec["sentences"]:
        parents = [person_level[pi]] + ([case_level[ci]] if ci is not None else [])
        row_level = lowest(level, *parents)
        term = s(row_level)
        col = ex.row("sentences", row_level, term)
        m.Sentence.objects.create(
            person=people[pi],
            case=cases[ci] if ci is not None else None,
            term=term,
            term_months=90,
            regime=s(col["regime"]),
            start="2024-06-03",
            visibility=level,
        )

    for k, (pi, oi, si, level) in enumerate(spec["designations"]):
        row_level = lowest(level, person_level[pi], org_level[oi])
        criteria = s(row_level)
        ex.row("designations", row_level, criteria)
        m.Designation.objects.create(
            person=people[pi],
            organisation=orgs[oi],
            criteria=criteria,
            since=f"{2000 + k}",
            source=sources[si] if si is not None else None,
            visibility=level,
        )

    releases = []
    release_level: list[Level] = []
    for oi, si, level in spec["releases"]:
        row_level = lowest(level, org_level[oi])
        ref = s(row_level)
        col = ex.row("releases", row_level, ref)
        releases.append(
            m.ListRelease.objects.create(
                organisation=orgs[oi],
                ref=ref,
                title=s(col["title"]),
                published="2024-06",
                source=sources[si] if si is not None else None,
                visibility=level,
            )
        )
        release_level.append(row_level)

    for k, (ri, pi, level) in enumerate(spec["entries"]):
        row_level = lowest(level, release_level[ri], person_level[pi])
        category = s(row_level)
        ex.row("entries", row_level, category)
        m.ListEntry.objects.create(
            release=releases[ri], person=people[pi], position=k + 1, category=category,
            visibility=level,
        )  # fmt: skip

    incidents = []
    incident_level: list[Level] = []
    for k, (level, source_ids) in enumerate(spec["incidents"]):
        ref = s(level)
        col = ex.row("incidents", level, ref)
        incident = m.Incident.objects.create(
            ref=ref,
            date=f"2026-03-{k + 1:02d}",
            place=s(col["place"]),
            country="XV",
            kind="protest_detention",
            organiser=s(col["organiser"]),
            detained=258,
            summary=s(col["summary"]),
            notes=s(col["notes"]),
            visibility=level,
        )
        incident.sources.set([sources[i] for i in source_ids])
        incidents.append(incident)
        incident_level.append(level)

    for ii, pi, level in spec["incident_people"]:
        row_level = lowest(level, incident_level[ii], person_level[pi])
        ex.row("incident_people", row_level, (incidents[ii].ref, people[pi].ref))
        m.IncidentPerson.objects.create(incident=incidents[ii], person=people[pi], visibility=level)
    return ex


# -- checks ------------------------------------------------------------------------

IDENTITY = {
    "sources": "ref",
    "organisations": "ref",
    "people": "ref",
    "names": "name",
    "affiliations": "role",
    "articles": "title",
    "cases": "ref",
    "events": "place",
    "hearings": "kind",
    "sentences": "term",
    "designations": "criteria",
    "releases": "ref",
    "entries": "category",
    "incidents": "ref",
}
POINTERS = {  # column -> the table it points into
    "person": "people",
    "organisation": "organisations",
    "case": "cases",
    "release": "releases",
    "source": "sources",
    "merged_into": "people",
    "incident": "incidents",
}


def _identity(table: str, row: dict[str, Any]) -> Any:
    if table == "participants":
        return (row["case"], row["person"], row["role"])
    if table == "incident_people":
        return (row["incident"], row["person"])
    return row[IDENTITY[table]]


def found_sentinels(data: bytes) -> dict[str, Level]:
    return {
        m.group(0).decode(): LEVEL_OF_LETTER[m.group(1).decode()] for m in SENTINEL.finditer(data)
    }


def assert_sentinels(ex: Expected, level: Level, data: bytes, where: str) -> None:
    found = found_sentinels(data)
    above = sorted(s for s, lv in found.items() if lv > level)
    assert not above, f"{where} at {level.label}: leaked {above}"
    missing = sorted(ex.visible_sentinels(level) - set(found))
    assert not missing, f"{where} at {level.label}: missing {missing}"
    unknown = sorted(set(found) - set(ex.sentinels))
    assert not unknown, f"{where}: sentinels nobody wrote {unknown}"


def check_document(ex: Expected, level: Level, doc: dict[str, list[dict[str, Any]]]) -> None:
    assert list(doc) == [t.name for t in TABLES]
    visible_refs = {
        table: {row["ref"] for row in doc[table]}
        for table in ("sources", "organisations", "people", "cases", "releases", "incidents")
    }
    visible_events = {(r["person"], r["kind"], r["date"], r["case"]) for r in doc["events"]}
    for table in TABLES:
        expected = {
            identity: columns
            for row_level, identity, columns in ex.rows.get(table.name, [])
            if row_level <= level
        }
        rows = doc[table.name]
        got = [_identity(table.name, row) for row in rows]
        assert len(got) == len(set(got)), f"{table.name}: a row twice"
        assert set(got) == set(expected), f"{table.name} at {level.label}: wrong rows"
        for row in rows:
            columns = expected[_identity(table.name, row)]
            shown = {c for c, lv in columns.items() if lv <= level}
            assert set(row) == shown, (table.name, level.label, sorted(set(row) ^ shown))
            if level < R:
                assert "field_visibility" not in row
            # no row points to a record the reader may not see
            for column, target in POINTERS.items():
                if row.get(column) is not None:
                    assert row[column] in visible_refs[target], (table.name, column)
            for ref in row.get("sources") or []:
                assert ref in visible_refs["sources"], (table.name, "sources")
            if row.get("withdraws") is not None:
                assert tuple(row["withdraws"]) in visible_events
            if "visibility" in row:
                assert Level.parse(row["visibility"]) <= level


def unpack(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def check_csv_zip(ex: Expected, level: Level, doc, data: bytes) -> None:
    assert_sentinels(ex, level, data + b"".join(unpack(data).values()), "csv")
    members = unpack(data)
    assert sorted(members) == sorted(f"{t.name}.csv" for t in TABLES)
    for table in TABLES:
        rows = list(csv.reader(io.StringIO(members[f"{table.name}.csv"].decode("utf-8"))))
        header, body = rows[0], rows[1:]
        assert len(body) == len(doc[table.name])
        assert set(header) <= {c for r in doc[table.name] for c in r} or not body
        if level < R:
            assert "field_visibility" not in header
        if table.name == "people" and level == P:
            assert "contacts" not in header or any("contacts" in r for r in doc["people"])


def check_xlsx(ex: Expected, level: Level, doc, data: bytes) -> None:
    from openpyxl import load_workbook

    members = unpack(data)
    assert_sentinels(ex, level, data + b"".join(members.values()), "xlsx")
    book = load_workbook(io.BytesIO(data), read_only=True)
    assert book.sheetnames == [t.name for t in TABLES]
    for table in TABLES:
        rows = list(book[table.name].iter_rows(values_only=True))
        header = rows[0] if rows else ()
        assert len(rows) - 1 == len(doc[table.name])
        if level < R:
            assert "field_visibility" not in header
    book.close()


def check_everything(ex: Expected) -> None:
    """The document at each level, then each file format written from it. The writers
    are functions of the document alone (no query): the PostgreSQL pass, which checks
    the queries, leaves them to the SQLite pass, where they take two thirds of the time."""
    from vigil.cases.exporters import document, write_csv_zip, write_json, write_xlsx

    for level in Level:
        doc = document(level)
        check_document(ex, level, doc)
        assert_sentinels(ex, level, json.dumps(doc, ensure_ascii=False).encode(), "document")
        if ENGINE != "sqlite":
            continue
        data = write_json(doc, level)
        assert_sentinels(ex, level, data, "json")
        payload = json.loads(data)
        assert payload.pop("level") == level.label
        payload.pop("vigil_cases")
        assert payload == doc
        check_csv_zip(ex, level, doc, write_csv_zip(doc, level))
        check_xlsx(ex, level, doc, write_xlsx(doc, level))


@pytest.fixture
def rollback(registry):
    """Each hypothesis example in a savepoint rolled back at its end: rows would
    otherwise persist from one example to the next within the test."""
    from django.db import transaction

    class Savepoint:
        def __enter__(self):
            self.atomic = transaction.atomic()
            self.atomic.__enter__()

        def __exit__(self, *exc):
            transaction.set_rollback(True)
            return self.atomic.__exit__(*exc)

    return Savepoint


@HYPOTHESIS
@given(spec=registries())
def test_no_export_at_level_l_contains_a_field_above_l(rollback, spec):
    from vigil.cases import models as m

    with rollback():
        assert not m.Person.objects.exists()  # each example starts empty
        check_everything(build(spec))


# -- the cases the property found (or could find): one example each ---------------


def _person(ref, level=P, **fields):
    from vigil.cases.models import Person

    return Person.objects.create(ref=ref, visibility=level, **fields)


def test_a_merged_record_does_not_name_a_hidden_person(registry):
    from vigil.cases.exporters import document

    hidden = _person("SNT-R-000001", R)
    _person("p-public", merged_into=hidden)
    public = document(P)["people"]
    assert public == [
        {"ref": "p-public", "sex": "", "occupation": "", "photo": "",
         "visibility": "public", "merged_into": None}
    ]  # fmt: skip
    assert document(R)["people"][1]["merged_into"] == "SNT-R-000001"


def test_a_person_without_a_ref_is_still_hidden(registry):
    from vigil.cases.exporters import document
    from vigil.cases.models import PersonName, StatusEvent

    hidden = _person(None, R)
    PersonName.objects.create(person=hidden, name="Hidden Name")
    StatusEvent.objects.create(person=hidden, kind="arrested", date="2024")
    for level in (P, INT):
        doc = document(level)
        assert doc["people"] == doc["names"] == doc["events"] == []
    assert [n["name"] for n in document(R)["names"]] == ["Hidden Name"]


def test_a_correction_does_not_reveal_a_hidden_event(registry):
    from vigil.cases.exporters import document
    from vigil.cases.models import Case, StatusEvent

    person = _person("p1")
    case = Case.objects.create(ref="case-secret", visibility=R)
    wrong = StatusEvent.objects.create(
        person=person, kind="arrested", date="2024-06-01", case=case, visibility=R
    )
    StatusEvent.objects.create(person=person, kind="detained", date="2024-06-02", withdraws=wrong)
    (event,) = document(P)["events"]
    assert event["withdraws"] is None
    assert "case-secret" not in json.dumps(document(INT))
    withdraws = [e["withdraws"] for e in document(R)["events"] if e["withdraws"]]
    assert withdraws == [["p1", "arrested", "2024-06-01", "case-secret"]]


def test_a_restricted_field_lowered_to_public_is_public(registry):
    from vigil.cases.exporters import document

    _person("p1", contacts="call the family", notes="note", field_visibility={
        "contacts": "public", "occupation": "restricted"}, occupation="journalist")  # fmt: skip
    (row,) = document(P)["people"]
    assert row["contacts"] == "call the family"
    assert "occupation" not in row and "notes" not in row and "field_visibility" not in row
    (row,) = document(R)["people"]
    assert row["occupation"] == "journalist"
    assert row["field_visibility"] == {"contacts": "public", "occupation": "restricted"}


def test_an_event_of_a_hidden_case_is_left_out(registry):
    from vigil.cases.exporters import document
    from vigil.cases.models import Case, Sentence, StatusEvent

    person = _person("p1")
    case = Case.objects.create(ref="c1", visibility=INT)
    StatusEvent.objects.create(person=person, kind="arrested", date="2024", case=case)
    Sentence.objects.create(person=person, case=case, term="5 years")
    assert document(P)["events"] == document(P)["sentences"] == []
    assert len(document(INT)["events"]) == len(document(INT)["sentences"]) == 1


def test_a_malformed_override_stops_the_export(registry):
    from vigil.cases.exporters import document

    _person("p1", field_visibility={"contacts": "everyone"})
    with pytest.raises(InputError, match="field_visibility"):
        document(P)


def test_append_only_rows_cannot_be_changed_one_by_one_or_in_bulk(registry):
    """Instances refuse delete(); so do querysets (update, delete, bulk_update), and the
    person or case an event belongs to cannot be deleted from under it."""
    from django.db.models import ProtectedError

    from vigil.cases.models import AuditEvent, Person, StatusEvent

    event = StatusEvent.objects.create(person=_person("p1"), kind="arrested", date="2024")
    audit = AuditEvent.objects.create(actor="t", action="test")
    for row in (event, audit):
        with pytest.raises(PermissionError):
            row.delete()
    for model in (StatusEvent, AuditEvent):
        with pytest.raises(PermissionError):
            model.objects.all().delete()
        with pytest.raises(PermissionError):
            model.objects.filter(id__gt=0).update(id=1)
    with pytest.raises(PermissionError):
        StatusEvent.objects.all().repoint(kind="released")  # only the person may move
    with pytest.raises(ProtectedError):
        Person.objects.filter(ref="p1").delete()
    assert StatusEvent.objects.count() == 1 and AuditEvent.objects.count() == 1


# -- the helpers of vigil.cases.visibility ------------------------------------------


def test_field_level_defaults_and_overrides():
    from vigil.cases.policy import field_level

    assert field_level("people", "contacts") is R
    assert field_level("people", "notes") is INT
    assert field_level("people", "ref") is P
    assert field_level("cases", "lawyer_notes") is R
    assert field_level("people", "contacts", {"contacts": "public"}) is P
    assert field_level("people", "occupation", {"occupation": 2}) is R
    # only the overridable fields move: a ref stays where every other row can see it
    assert field_level("people", "ref", {"ref": "restricted"}) is P
    with pytest.raises(InputError, match=r"people\.field_visibility\.contacts"):
        field_level("people", "contacts", {"contacts": "secret"})
    with pytest.raises(InputError, match="mapping"):
        field_level("people", "contacts", ["contacts"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, {}),
        ("", {}),
        ({}, {}),
        ("null", {}),
        ("{}", {}),
        ('{"contacts": "public"}', {"contacts": "public"}),
        ({"notes": 2, "contacts": "Public"}, {"contacts": "public", "notes": "restricted"}),
        ("notes=public; contacts = internal", {"contacts": "internal", "notes": "public"}),
    ],
)
def test_parse_overrides(value, expected):
    from vigil.cases.policy import parse_overrides

    assert parse_overrides("people", value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('{"shoe_size": "public"}', "not a field of people"),
        ('{"ref": "public"}', "not a field of people"),
        ('{"contacts": "secret"}', "expected one of public, internal, restricted"),
        ("[1, 2]", "expected a mapping"),
        ("contacts", "expected JSON or"),
    ],
)
def test_parse_overrides_rejects(value, message):
    from vigil.cases.policy import parse_overrides

    with pytest.raises(InputError, match=message):
        parse_overrides("people", value)


def test_redact_row_leaves_columns_out():
    from vigil.cases.policy import redact_row

    row = {"ref": "p1", "notes": "n", "contacts": "c", "visibility": "public",
           "field_visibility": {"notes": "restricted"}}  # fmt: skip
    assert redact_row("people", row, P) == {"ref": "p1", "visibility": "public"}
    assert redact_row("people", row, INT) == {"ref": "p1", "visibility": "public"}
    assert redact_row("people", row, R) == row
    assert redact_row("events", {"place": "x", "notes": "y"}, P) == {"place": "x"}


def test_visible_refs():
    from vigil.cases.policy import visible_refs

    rows = [{"ref": "a", "visibility": 0}, {"ref": "b", "visibility": "internal"}]
    assert visible_refs(rows, P) == {"a"}
    assert visible_refs(rows, INT) == {"a", "b"}
