"""Exports: every format readable, multilingual text byte for byte, no formulas in
XLSX, ``field_visibility`` only for restricted readers, a stable order."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
import zipfile

import pytest

from vigil.cases.levels import Level
from vigil.cases.schema import TABLES
from vigil.errors import InputError

P, INT, R = Level.PUBLIC, Level.INTERNAL, Level.RESTRICTED

AZ = "Əli Kərimli"
RU = "Али Керимли"
NFD = unicodedata.normalize("NFD", "Şəhla Ağaçlı")  # decomposed ş, ğ, ç (and ı)
FORMULA = '=HYPERLINK("https://example.org","click")'


@pytest.fixture
def sample(registry):
    """A small fictional registry: two people, a party, a case, a hearing, a list."""
    from vigil.cases import models as m

    source = m.Source.objects.create(ref="s1", title="Qərar", visibility=P)
    hidden_source = m.Source.objects.create(ref="s2", title="unpublished", visibility=R)
    party = m.Organisation.objects.create(ref="party", name="Azadlıq Partiyası", kind="party")
    ali = m.Person.objects.create(
        ref="p1",
        occupation="jurnalist",
        notes="qeyd",
        contacts="+994 00 000 00 00",
        birth_date="c. 1970",
        field_visibility={"occupation": "internal"},
    )
    other = m.Person.objects.create(ref="p2", visibility=P)
    for name, language in ((AZ, "az-Latn"), (RU, "ru-Cyrl"), ("Ali Karimli", "en")):
        m.PersonName.objects.create(person=ali, name=name, language=language, kind="alias")
    m.PersonName.objects.create(person=other, name=NFD, language="az-Latn")
    m.PersonName.objects.create(person=other, name=FORMULA, language="en", kind="alias")
    m.Affiliation.objects.create(person=ali, organisation=party, role="sədr", start="1990")
    article = m.LegalArticle.objects.create(
        country="AZ", code="Cinayət Məcəlləsi", article="283.1", title="nifrət"
    )
    court = m.Court.objects.create(name="Bakı Ağır Cinayətlər Məhkəməsi")
    case = m.Case.objects.create(
        ref="c1", number="1(101)-123/2024", title="İş", lawyer_notes="vəkil qeydi",
        field_visibility={"summary": "restricted"}, summary="xülasə",
    )  # fmt: skip
    case.courts.add(court)
    case.articles.add(article)
    case.sources.add(source, hidden_source)
    m.CaseParticipant.objects.create(case=case, person=ali, role="defendant")
    m.StatusEvent.objects.create(
        person=ali, kind="arrested", date="2024-06-03", case=case, place="Bakı"
    )
    m.StatusEvent.objects.create(person=ali, kind="detained", date="2024-06", place="Bakı")
    m.Hearing.objects.create(
        case=case, date="2024-11-05", outcome="postponed", postponement_reason="hakim xəstədir",
        next_date="2024-12-02", court=court,
    )  # fmt: skip
    m.Sentence.objects.create(person=ali, case=case, term="7 il", term_months=84)
    m.Designation.objects.create(
        person=ali, organisation=party, criteria="PACE 2012", since="2024-07", source=source
    )
    release = m.ListRelease.objects.create(
        organisation=party, ref="list-2024-06", title="Siyahı", published="2024-06"
    )
    m.ListEntry.objects.create(release=release, person=ali, position=1)
    m.ListEntry.objects.create(release=release, person=other, position=2)
    return registry


def _unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _csv_tables(data: bytes) -> dict[str, list[dict[str, str]]]:
    return {
        name.removesuffix(".csv"): list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
        for name, body in _unzip(data).items()
    }


def _xlsx_tables(data: bytes) -> dict[str, list[tuple]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


# -- every format readable -----------------------------------------------------------


@pytest.mark.parametrize("level", list(Level))
def test_every_format_is_readable(sample, level):
    from vigil.cases.exporters import document, export

    doc = document(level)
    payload = json.loads(export(level, "json"))
    assert payload["vigil_cases"] == 1 and payload["level"] == level.label
    assert {name: payload[name] for name in doc} == doc

    tables = _csv_tables(export(level, "csv"))
    assert list(tables) == [t.name for t in TABLES]
    for name, rows in doc.items():
        assert len(tables[name]) == len(rows)

    sheets = _xlsx_tables(export(level, "xlsx"))
    assert list(sheets) == [t.name for t in TABLES]
    for name, rows in doc.items():
        assert len(sheets[name]) == len(rows) + 1  # the header
    people = sheets["people"]
    assert people[0][0] == "ref" and [r[0] for r in people[1:]] == ["p1", "p2"]


def test_values_in_each_format(sample):
    from vigil.cases.exporters import export

    (case,) = json.loads(export(R, "json"))["cases"]
    assert case["courts"] == ["Bakı Ağır Cinayətlər Məhkəməsi"]
    assert case["articles"] == ["Cinayət Məcəlləsi 283.1"]
    assert case["sources"] == ["s1", "s2"]
    (case,) = _csv_tables(export(R, "csv"))["cases"]
    assert case["sources"] == "s1; s2"
    assert json.loads(case["field_visibility"]) == {"summary": "restricted"}
    (public,) = _csv_tables(export(P, "csv"))["cases"]
    assert public["sources"] == "s1"  # the restricted source is not named
    (sentence,) = _xlsx_tables(export(P, "xlsx"))["sentences"][1:]
    assert 84 in sentence  # numbers stay numbers
    events = json.loads(export(P, "json"))["events"]
    assert [e["date"] for e in events] == ["2024-06", "2024-06-03"]  # partial dates sort


# -- multilingual text ---------------------------------------------------------------


@pytest.mark.parametrize("text", [AZ, RU, NFD, "Bakı Ağır Cinayətlər Məhkəməsi", "hakim xəstədir"])
def test_utf8_byte_for_byte(sample, text):
    from vigil.cases.exporters import export

    raw = text.encode("utf-8")
    assert raw in export(R, "json")
    members = _unzip(export(R, "csv"))
    assert any(raw in body for body in members.values())
    values = {v for rows in _xlsx_tables(export(R, "xlsx")).values() for r in rows for v in r}
    assert text in values


def test_nfd_is_not_normalised(sample):
    from vigil.cases.exporters import export

    nfc = unicodedata.normalize("NFC", NFD).encode("utf-8")
    assert unicodedata.normalize("NFC", NFD) != NFD
    for fmt in ("json", "csv"):
        data = export(P, fmt)
        body = data if fmt == "json" else _unzip(data)["names.csv"]
        assert NFD.encode("utf-8") in body and nfc not in body
    names = {r[1] for r in _xlsx_tables(export(P, "xlsx"))["names"][1:]}
    assert NFD in names


def test_json_is_not_ascii_escaped(sample):
    from vigil.cases.exporters import export

    data = export(P, "json")
    assert b"\\u0" not in data
    data.decode("utf-8")  # strict


# -- formulas ------------------------------------------------------------------------


def test_a_name_starting_with_equals_is_text_in_xlsx(sample):
    from openpyxl import load_workbook

    from vigil.cases.exporters import export

    data = export(P, "xlsx")
    sheet = load_workbook(io.BytesIO(data))["names"]
    cells = [row[1] for row in sheet.iter_rows(min_row=2)]
    (formula,) = [c for c in cells if str(c.value).startswith("=")]
    assert formula.value == FORMULA
    assert formula.data_type == "s"
    xml = _unzip(data)
    assert all(b"<f>" not in body and b"<f " not in body for body in xml.values())


def test_control_characters_do_not_stop_an_xlsx_export(registry):
    from vigil.cases import models as m
    from vigil.cases.exporters import export

    person = m.Person.objects.create(ref="p1")
    m.PersonName.objects.create(person=person, name="Bad\x01Name\x1b")
    names = _xlsx_tables(export(P, "xlsx"))["names"]
    assert names[1][1] == "Bad\ufffdName\ufffd"
    assert json.loads(export(P, "json"))["names"][0]["name"] == "Bad\x01Name\x1b"


# -- levels --------------------------------------------------------------------------


@pytest.mark.parametrize("level", [P, INT])
def test_field_visibility_is_absent_below_restricted(sample, level):
    from vigil.cases.exporters import export

    payload = json.loads(export(level, "json"))
    for table in ("people", "cases"):
        assert all("field_visibility" not in row for row in payload[table])
    for name, body in _unzip(export(level, "csv")).items():
        assert b"field_visibility" not in body, name
    for name, rows in _xlsx_tables(export(level, "xlsx")).items():
        assert "field_visibility" not in rows[0], name


def test_field_visibility_is_shown_to_restricted_readers(sample):
    from vigil.cases.exporters import export

    people = json.loads(export(R, "json"))["people"]
    assert people[0]["field_visibility"] == {"occupation": "internal"}
    assert people[1]["field_visibility"] == {}


def test_levels_in_a_worked_example(sample):
    from vigil.cases.exporters import document

    public, internal, restricted = (document(level) for level in Level)
    p1 = public["people"][0]
    assert "occupation" not in p1 and "notes" not in p1 and "contacts" not in p1
    assert "birth_date" not in p1
    assert internal["people"][0]["occupation"] == "jurnalist"
    assert "contacts" not in internal["people"][0]
    assert restricted["people"][0]["contacts"] == "+994 00 000 00 00"
    assert [s["ref"] for s in public["sources"]] == ["s1"]
    assert "summary" not in internal["cases"][0] and "lawyer_notes" not in internal["cases"][0]
    assert restricted["cases"][0]["summary"] == "xülasə"


@pytest.mark.parametrize("level", list(Level))
def test_an_empty_registry_exports_headers_at_the_level(registry, level):
    from vigil.cases.exporters import export

    payload = json.loads(export(level, "json"))
    assert all(payload[t.name] == [] for t in TABLES)
    header = _unzip(export(level, "csv"))["people.csv"].decode().splitlines()[0].split(",")
    assert ("contacts" in header) == (level == R)
    assert ("notes" in header) == (level >= INT)
    assert ("field_visibility" in header) == (level == R)
    assert "ref" in header
    sheets = _xlsx_tables(export(level, "xlsx"))
    assert [list(sheets[t.name][0]) for t in TABLES] == [
        _unzip(export(level, "csv"))[f"{t.name}.csv"].decode().splitlines()[0].split(",")
        for t in TABLES
    ]


# -- stability -----------------------------------------------------------------------


@pytest.mark.parametrize("level", list(Level))
def test_two_exports_are_equal(sample, level):
    from vigil.cases.exporters import export

    assert export(level, "json") == export(level, "json")
    # zips carry fixed time stamps and the XLSX fixed document dates: same bytes
    for fmt in ("csv", "xlsx"):
        data = export(level, fmt)
        assert data == export(level, fmt)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    core = _unzip(export(level, "xlsx"))["docProps/core.xml"]
    assert b"1980-01-01T00:00:00Z" in core and f"({level.label})".encode() in core


def test_order_does_not_depend_on_insertion(registry):
    from vigil.cases import models as m
    from vigil.cases.exporters import export

    for ref in ("p3", "p1", "p2"):
        person = m.Person.objects.create(ref=ref)
        for date in ("2024-06-03", "2023", "before 2024-06"):
            m.StatusEvent.objects.create(person=person, kind="detained", date=date)
    payload = json.loads(export(P, "json"))
    assert [p["ref"] for p in payload["people"]] == ["p1", "p2", "p3"]
    assert [(e["person"], e["date"]) for e in payload["events"][:3]] == [
        ("p1", "2023"), ("p1", "before 2024-06"), ("p1", "2024-06-03")
    ]  # fmt: skip


# -- export(level, fmt, table=…) -----------------------------------------------------


def test_export_one_table(sample):
    from vigil.cases.exporters import ExportFormat, export

    one = export(P, ExportFormat.CSV, table="names")
    assert one == _unzip(export(P, "csv"))["names.csv"]
    assert one.splitlines()[0] == b"person,name,language,kind,visibility"
    assert export("public", "CSV", table="people") == export(P, ExportFormat.CSV, table="people")


def test_export_rejects_bad_requests(sample):
    from vigil.cases.exporters import export

    # Library errors speak of values and name the library parameter (the CLI shows
    # it as its flag): never "--format" to a notebook user.
    with pytest.raises(InputError, match="CSV only, not json") as bad:
        export(P, "json", table="people")
    assert bad.value.param == "table" and "--" not in str(bad.value)
    with pytest.raises(InputError, match="expected one of sources, organisations") as bad:
        export(P, "csv", table="prisoners")
    assert bad.value.param == "table" and "'prisoners'" in str(bad.value)
    with pytest.raises(InputError, match="expected one of json, csv, xlsx, got 'pdf'") as bad:
        export(P, "pdf")
    assert str(bad.value).startswith("format: ") and bad.value.param == "format"
    with pytest.raises(InputError, match="level"):
        export("secret", "json")


def test_export_errors_name_the_flag_on_the_command_line(sample, capsys):
    """The CLI turns the library's parameter into its own flag."""
    from tests.cli_runner import vigil

    run = vigil(capsys, "cases", "export", "--level", "public", "--table", "people", "-f", "json")
    assert run.code != 0 and "Traceback" not in run.err
    assert "--table: a single table is written as CSV only, not json" in run.err, run.err
    run = vigil(capsys, "cases", "export", "--level", "public", "--table", "prisoners", "-f", "csv")
    assert run.code != 0 and "--table: expected one of sources, organisations" in run.err, run.err


def test_write_creates_the_folder(tmp_path, sample):
    from vigil.cases.exporters import export, write

    path = tmp_path / "out" / "registry.json"
    write(path, export(P, "json"))
    assert json.loads(path.read_text(encoding="utf-8"))["level"] == "public"


def test_rows_come_in_code_point_order_on_every_engine(registry):
    """PostgreSQL under a locale collation sorts "P-2" after "p-10"; an export must
    be the same bytes whatever the database's locale, so refs sort by code point."""
    from vigil.cases import models as m
    from vigil.cases.exporters import document

    refs = ["p-10", "P-2", "ab", "Zed", "a_b", "P00010", "P00002", "Ə-1"]
    for ref in refs:
        m.Person.objects.create(ref=ref)
    assert [r["ref"] for r in document(Level.PUBLIC)["people"]] == sorted(refs)
