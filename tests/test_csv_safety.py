"""CSV that a spreadsheet cannot turn into formulas (issue 11, "CSV injection").

Every CSV writer of Vigil puts a ``'`` in front of a text cell that starts with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return (OWASP), and in front of a text cell
that starts with ``'``; numbers are never touched. The importer takes the quote off
again in every CSV it reads, so an interchange export re-imports to the same bytes,
while a cell such as ``'abc`` from someone else's sheet is kept as it is. XLSX needs no
prefix: every cell is written as text.

The writers are checked as a user meets them: the CLI (``vigil cases list``,
``vigil territory regions``), the JSON API's ``?format=csv`` and the registry's exports,
each parsed back with Python's ``csv`` reader (what a spreadsheet sees in each cell).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.cli_runner import vigil
from vigil.output import csv_cell, csv_row, csv_uncell, frame_csv, write_csv

# What a spreadsheet would evaluate (or, for tab and CR, strip and then evaluate).
PAYLOADS = ['=HYPERLINK("http://x","y")', "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1"]
ORDINARY = ["Əli Kərimli", "Али Керимли", "a=b", "1+1", "C++", "x-1", "", " =1 (leading space)"]


def parse(text: str) -> list[list[str]]:
    """The cells a spreadsheet gets from a CSV text."""
    return list(csv.reader(io.StringIO(text, newline="")))


def column(text: str, name: str) -> list[str]:
    header, *rows = parse(text)
    i = header.index(name)
    return [r[i] for r in rows]


# -- the function ------------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_formula_start_gets_one_quote(payload):
    assert csv_cell(payload) == "'" + payload
    assert csv_uncell(csv_cell(payload)) == payload


@pytest.mark.parametrize("value", [-5, -1.5, 0, 3, 2.25, True, False, None, *ORDINARY])
def test_numbers_and_ordinary_text_are_untouched(value):
    assert csv_cell(value) is value
    if isinstance(value, str):
        assert csv_uncell(value) == value


def test_csv_row_makes_a_new_list():
    row = [-5, "=1", "x"]
    assert csv_row(row) == [-5, "'=1", "x"] and row == [-5, "=1", "x"]


@pytest.mark.parametrize(
    ("text", "written"),
    [("'abc", "''abc"), ("'", "''"), ("''", "'''"), ("'=1", "''=1"), ("-", "'-")],
)
def test_a_leading_quote_is_doubled_so_the_round_trip_is_exact(text, written):
    assert csv_cell(text) == written
    assert csv_uncell(written) == text


@pytest.mark.parametrize("text", ["'abc", "'5", "'", "' =1", "abc", "", "x'=1"])
def test_uncell_leaves_a_quote_it_did_not_write(text):
    assert csv_uncell(text) == text


@given(st.text())
def test_uncell_inverts_cell_for_any_text(text):
    assert csv_uncell(csv_cell(text)) == text


@given(st.text())
def test_no_cell_starts_like_a_formula(text):
    assert not csv_cell(text).startswith(("=", "+", "-", "@", "\t", "\r"))


# -- the writers, one by one --------------------------------------------------------------


def test_write_csv_neutralises_cells_and_header():
    text = write_csv(["ref", *PAYLOADS], [["P1", *PAYLOADS], ["P2", -5, 1.5, None, 0, "", "ok"]])
    header, first, second = parse(text)
    assert header == ["ref", *("'" + p for p in PAYLOADS)]
    assert first == ["P1", *("'" + p for p in PAYLOADS)]
    assert second == ["P2", "-5", "1.5", "", "0", "", "ok"]
    assert text.endswith("\n") and "\r\n" not in text


def test_frame_csv_neutralises_cells_and_column_names_and_keeps_numbers():
    frame = pd.DataFrame(
        {
            "name": [*PAYLOADS, *ORDINARY],
            "=group": range(len(PAYLOADS) + len(ORDINARY)),
            "net_km2": [-5.25] * (len(PAYLOADS) + len(ORDINARY)),
        }
    )
    frame["date"] = pd.Timestamp("2026-06-01")
    text = frame_csv(frame)
    header, *rows = parse(text)
    assert header == ["name", "'=group", "net_km2", "date"]
    assert [r[0] for r in rows] == ["'" + p for p in PAYLOADS] + ORDINARY
    assert {r[2] for r in rows} == {"-5.25"} and {r[3] for r in rows} == {"2026-06-01"}


def test_api_csv_neutralises_and_otherwise_writes_what_dictwriter_wrote():
    from vigil.web.render import rows_csv as _csv

    rows = [{"code": "ZZ-W", "name": p, "net_km2": -5.5, "nested": {"a": 1}} for p in PAYLOADS]
    assert column(_csv(rows), "name") == ["'" + p for p in PAYLOADS]
    assert set(column(_csv(rows), "net_km2")) == {"-5.5"}
    plain = [{"a": "x", "b": -1, "c": None}, {"a": "Əli", "d": 2.5}]
    old = io.StringIO()
    writer = csv.DictWriter(old, ["a", "b", "c", "d"], extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(plain)
    assert _csv(plain) == old.getvalue()
    assert _csv([]) == ""


def test_exporters_csv_bytes_neutralises_text_but_not_numbers():
    from vigil.cases.exporters import _csv_bytes

    data = _csv_bytes(["name", "position"], [[p, -5] for p in PAYLOADS])
    rows = parse(data.decode("utf-8"))[1:]
    assert rows == [["'" + p, "-5"] for p in PAYLOADS]


def test_a_carriage_return_inside_a_cell_is_quoted():
    """Python 3.11's csv leaves a bare CR unquoted when lines end in LF; every reader
    would end the row there, and "x\r=1" would put "=1" at the start of a row."""
    text = write_csv(["a", "b"], [["x\r=1", "\r=1"], ["c\r\nd", 5]])
    assert parse(text) == [["a", "b"], ["x\r=1", "'\r=1"], ["c\r\nd", "5"]]
    assert text.count("\n") == 4 and text.endswith("\n")  # 3 lines and one LF in a cell
    assert write_csv(["a"], [["b"]], lineterminator="\r\n") == "a\r\nb\r\n"


def test_csv_lines_streams_what_write_csv_writes():
    from vigil.output import csv_lines

    rows = [["P1", "=1"], ["P2", -1]]
    lines = list(csv_lines(["ref", "@x"], iter(rows), lineterminator="\r\n"))
    assert lines == ["ref,'@x\r\n", "P1,'=1\r\n", "P2,-1\r\n"]
    assert "".join(lines) == write_csv(["ref", "@x"], rows, lineterminator="\r\n")


# -- the CLI ---------------------------------------------------------------------------------


@pytest.fixture
def registry(db):
    from vigil.cases import setup

    setup()
    return db


def add_person(ref: str, name: str, **fields: Any) -> Any:
    from vigil.cases import models as m

    person = m.Person.objects.create(ref=ref, **fields)
    m.PersonName.objects.create(person=person, name=name, language="en", kind="primary")
    m.StatusEvent.objects.create(person=person, kind="arrested", date="2026-01-10")
    return person


def test_cli_cases_list_csv(registry, capsys):
    names = [*PAYLOADS, "Ali Hasanov"]
    for i, name in enumerate(names):
        add_person(f"P{i + 1}", name)
    run = vigil(capsys, "cases", "list", "--on", "2026-06-01", "--format", "csv")
    assert run.code == 0, run.err
    got = dict(zip(column(run.out, "ref"), column(run.out, "name"), strict=True))
    assert got == {f"P{i + 1}": csv_cell(n) for i, n in enumerate(names)}
    assert got["P7"] == "Ali Hasanov" and got["P1"] == "'" + PAYLOADS[0]
    assert set(column(run.out, "since")) == {"2026-01-10"}


D1, D2, D3 = dt.date(2025, 3, 3), dt.date(2025, 3, 4), dt.date(2025, 3, 5)


def test_cli_territory_regions_csv(tmp_path: Path, capsys):
    """Region names come from a user's boundary file; a net loss stays a number."""
    import geopandas as gpd
    from shapely.geometry import box

    from vigil.testing import write_daily

    west, east = box(36.0, 48.0, 36.5, 48.5), box(36.5, 48.0, 37.0, 48.5)
    small, large = box(36.3, 48.1, 36.7, 48.4), box(36.3, 48.1, 36.8, 48.4)
    folder, store = tmp_path / "maps", tmp_path / "store.sqlite"
    write_daily(folder, {D1: small, D2: large, D3: small})
    assert vigil(capsys, "territory", "ingest", folder, "--store", store).code == 0
    gpd.GeoDataFrame(
        {"iso": ["ZZ-W", "ZZ-E"], "name": [PAYLOADS[0], "-1+2"], "name_en": ["@SUM(A1)", "+1"]},
        geometry=[west, east],
        crs="EPSG:4326",
    ).to_file(tmp_path / "oblasts.gpkg")
    run = vigil(
        capsys, "territory", "geography", "import", tmp_path / "oblasts.gpkg", "--level",
        "oblast", "--code-field", "iso", "--name-field", "name", "--name-en-field", "name_en",
        "--store", store,
    )  # fmt: skip
    assert run.code == 0, run.err

    run = vigil(capsys, "territory", "regions", "--date", D1, "--store", store, "-f", "csv")
    assert run.code == 0, run.err
    cells = [c for row in parse(run.out) for c in row]
    for payload in (PAYLOADS[0], "-1+2", "@SUM(A1)", "+1"):
        assert payload not in cells and "'" + payload in cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells)
    assert set(column(run.out, "code")) == {"ZZ-W", "ZZ-E"}

    run = vigil(capsys, "territory", "regions", "--from", D2, "--to", D3, "--store", store,
                "-f", "csv")  # fmt: skip
    assert run.code == 0, run.err
    (net,) = column(run.out, "net_km2")
    assert net.startswith("-") and float(net) < 0  # a number: no quote


# -- the API ---------------------------------------------------------------------------------


@pytest.mark.urls("tests.web.cases_urls")
@pytest.mark.parametrize("how", ["query", "accept"])
def test_api_cases_people_csv(registry, how):
    from django.core.cache import cache
    from django.test import Client

    cache.clear()
    names = [*PAYLOADS, "Ali Hasanov"]
    for i, name in enumerate(names):
        add_person(f"P{i + 1}", name)
    client = Client()
    if how == "query":
        response = client.get("/api/cases/people?format=csv&on=2026-06-01")
    else:
        response = client.get("/api/cases/people?on=2026-06-01", HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    got = dict(zip(column(text, "ref"), column(text, "name"), strict=True))
    assert got == {f"P{i + 1}": csv_cell(n) for i, n in enumerate(names)}
    assert got["P1"] == '\'=HYPERLINK("http://x","y")' and got["P7"] == "Ali Hasanov"
    cache.clear()


# -- exports and re-imports ----------------------------------------------------------------

ROUND_TRIP_NAMES = [
    *(p for p in PAYLOADS if not p.startswith(("\t", "\r"))),
    *["=1+1", "'", "'abc", "'=1+1", "''=x", "-", "+994 12 000", "'5"],
]
NOTES = "=1+1\r=2+2\r\n\t=3"  # a bare CR, a CRLF and a tab inside
CONTACTS = "+994 12\r=1+1"  # a bare CR alone (no LF to make csv quote the field)


def _unzip(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {n: archive.read(n).decode("utf-8") for n in archive.namelist()}


def _build_names() -> None:
    from vigil.cases import models as m

    person = add_person(
        "P1", "Ali Hasanov", occupation="=cmd|' /C calc'!A0", notes=NOTES, contacts=CONTACTS
    )
    for name in ROUND_TRIP_NAMES:
        m.PersonName.objects.create(person=person, name=name, language="en", kind="alias")


class _Rollback(Exception):
    pass


def test_csv_export_neutralises_names_and_notes(registry):
    from vigil.cases.exporters import export
    from vigil.cases.levels import Level

    _build_names()
    members = _unzip(export(Level.RESTRICTED, "csv"))
    names = column(members["names.csv"], "name")
    assert set(names) == {csv_cell(n) for n in ["Ali Hasanov", *ROUND_TRIP_NAMES]}
    assert {"'=1+1", "''abc", "''=1+1", "'''=x", "'-", "'+994 12 000", "''5", "''"} <= set(names)
    assert column(members["people.csv"], "occupation") == ["'=cmd|' /C calc'!A0"]
    assert column(members["people.csv"], "contacts") == ["'" + CONTACTS]  # one cell
    assert column(members["people.csv"], "notes") == ["'" + NOTES]
    one = export(Level.RESTRICTED, "csv", table="names").decode("utf-8")
    assert one == members["names.csv"]


@pytest.mark.parametrize("table", [None, "names"])
def test_csv_round_trip_into_an_empty_database_is_byte_identical(registry, tmp_path, table):
    """export → import into an empty registry → export: the same bytes (a zip of every
    table, or names.csv alone after its person is imported from the zip)."""
    from django.db import transaction

    from vigil.cases import models as m
    from vigil.cases.exporters import export
    from vigil.cases.importers import import_file
    from vigil.cases.levels import Level

    R = Level.RESTRICTED
    try:
        with transaction.atomic():
            _build_names()
            whole = export(R, "csv")
            before = whole if table is None else export(R, "csv", table=table)
            raise _Rollback
    except _Rollback:
        pass
    assert not m.Person.objects.exists() and not m.PersonName.objects.exists()

    if table is None:
        report = import_file(_write(tmp_path, "registry.zip", whole))
    else:  # the person first (from a zip without names.csv), then the one table
        people = {k: v for k, v in _unzip(whole).items() if k in ("people.csv",)}
        assert import_file(_write(tmp_path, "people.zip", _zip(people))).ok
        report = import_file(_write(tmp_path, f"{table}.csv", before))
    assert report.ok, report.problems
    after = export(R, "csv") if table is None else export(R, "csv", table=table)
    assert after == before
    stored = set(m.PersonName.objects.values_list("name", flat=True))
    assert stored == {"Ali Hasanov", *ROUND_TRIP_NAMES}
    p1 = m.Person.objects.get(ref="P1")
    assert (p1.occupation, p1.notes, p1.contacts) == ("=cmd|' /C calc'!A0", NOTES, CONTACTS)


def test_a_quote_in_someone_elses_flat_csv_is_kept(registry, tmp_path):
    from vigil.cases import models as m
    from vigil.cases.importers import import_file

    mapping = {"format": "people", "columns": {"ID": "person.ref", "Ad": "name:en"}}
    rows = [["ID", "Ad"], ["X1", "'abc"], ["X2", "'5"], ["X3", "'=1+1"]]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    report = import_file(_write(tmp_path, "sheet.csv", buffer.getvalue()), mapping)
    assert report.ok, report.problems
    names = dict(m.PersonName.objects.values_list("person__ref", "name"))
    # '=1+1 is Vigil's own escape of =1+1 (documented in docs/cases.md)
    assert names == {"X1": "'abc", "X2": "'5", "X3": "=1+1"}


def test_xlsx_cells_are_text_and_never_unquoted(registry, tmp_path):
    """XLSX needs no prefix: "=1+1" is a text cell (openpyxl reads data_type "s"), no
    cell is written with a quote, and a re-import takes no quote off ("'=x")."""
    from django.db import transaction
    from openpyxl import load_workbook

    from vigil.cases import models as m
    from vigil.cases.exporters import document, write_xlsx
    from vigil.cases.importers import import_file
    from vigil.cases.levels import Level

    R = Level.RESTRICTED
    # (no "\r=1": XML reads a bare CR back as LF, a limit of XLSX, not of this rule)
    texts = ["=1+1", *(p for p in PAYLOADS if p != "\r=1"), "'=x", "'abc"]
    try:
        with transaction.atomic():
            person = add_person("P1", "Ali Hasanov")
            for text in texts:
                m.PersonName.objects.create(person=person, name=text, language="en", kind="alias")
            data = write_xlsx(document(R), R)
            raise _Rollback
    except _Rollback:
        pass
    sheet = load_workbook(io.BytesIO(data))["names"]
    at = [c.value for c in sheet[1]].index("name")
    cells = {row[at].value: row[at] for row in sheet.iter_rows(min_row=2)}
    assert set(cells) == {"Ali Hasanov", *texts}  # as they are: no quote added
    assert {text: cells[text].data_type for text in texts} == {text: "s" for text in texts}

    assert import_file(_write(tmp_path, "registry.xlsx", data)).ok
    stored = set(m.PersonName.objects.values_list("name", flat=True))
    assert stored == {"Ali Hasanov", *(t.strip() for t in texts)}  # the importer trims
    assert {"'=x", "'abc", "=1+1"} <= stored


def _write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()
