"""Exports: the registry as interchange tables (JSON, CSV, XLSX) at a reader's level.

:func:`document` reads every table through :mod:`vigil.cases.policy`: only the rows
the reader may see (``policy.visible``: a row above the level, or one that needs a
record the reader may not see, is left out), with every column above the level left
out (``policy.redact_row``). The writers only format what :func:`document` returns, so
no writer can leak what it was not given.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any

from vigil.cases import policy
from vigil.cases.levels import Level
from vigil.cases.policy import Who
from vigil.cases.schema import TABLES, Column, Table
from vigil.errors import InputError

Document = dict[str, list[dict[str, Any]]]

FORMAT_VERSION = 1


class ExportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


def _level_label(value: int) -> str:
    return Level(value).label


def _date(value: Any) -> str | None:
    return str(value) if value else None


def document(level: Who) -> Document:
    """Every table as ``level`` (a reader or a level) may see it, rows in a stable order
    (by ref or natural key).

    Rows come from :func:`vigil.cases.policy.visible`, so a row is kept when its own
    ``visibility`` is at most the level and every record it needs (person,
    organisation, case, release) is visible: an event of a hidden person would reveal
    the person. Optional pointers to hidden records (a source, the person a record was
    merged into, the event a correction withdraws) are blanked and hidden records are
    dropped from lists (sources). Records are followed by database id, not by ref, so
    a record without a ref is hidden like any other.
    """
    from vigil.cases import models as m

    who = policy.as_actor(level)
    raw = _raw_tables(m, who)
    kept = {name: {row[_ID] for row in rows} for name, rows in raw.items()}
    out: Document = {}
    for table in TABLES:
        shown = []
        for row in raw[table.name]:
            row = _hide_optional(row, kept)
            if "visibility" in row:
                row["visibility"] = _level_label(row["visibility"])
            shown.append(policy.redact_row(table.name, row, who.level))
        out[table.name] = shown
    return out


# Private keys of a raw row (never a column, so redact_row drops them).
_ID = "_id"  # the row's database id
_OPTIONAL = "_optional"  # {column: (table, id)}: pointers blanked when hidden
_LISTS = "_lists"  # {column: [(table, id, value)]}: list items dropped when hidden


def _hide_optional(row: dict[str, Any], kept: dict[str, set[int]]) -> dict[str, Any]:
    row = dict(row)
    for column, (target, target_id) in row[_OPTIONAL].items():
        if target_id is not None and target_id not in kept[target]:
            row[column] = None  # an optional pointer: hide it, keep the row
    for column, items in row[_LISTS].items():
        row[column] = sorted(
            value for target, target_id, value in items if target_id in kept[target] and value
        )
    return row


_TEXT_KEYS = ("ref", "country", "code", "article", "role")


def _ordered(qs: Any, *fields: str) -> Any:
    """``qs.order_by(fields)`` in code-point order on every engine: PostgreSQL sorts
    text by the database's locale (``P-2`` after ``p-10`` under en_US), SQLite by code
    point, and an export must be the same bytes on both. Dates are fixed-width digits
    and ids are numbers: only the text keys need the "C" collation."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return qs.order_by(*fields)
    from django.db.models import F
    from django.db.models.functions import Collate

    return qs.order_by(
        *(Collate(F(f), "C") if f.split("__")[-1] in _TEXT_KEYS else f for f in fields)
    )


def _raw_tables(m: Any, who: policy.Actor) -> dict[str, list[dict[str, Any]]]:
    """Every row ``who`` may see of every table, as plain values (refs, not ids), with
    the private keys :func:`document` follows to blank optional pointers."""

    def seen(model: Any) -> Any:
        return policy.visible(model, who)

    person = dict(m.Person.objects.values_list("id", "ref"))
    org = dict(m.Organisation.objects.values_list("id", "ref"))
    case = dict(m.Case.objects.values_list("id", "ref"))
    source = dict(m.Source.objects.values_list("id", "ref"))
    release = dict(m.ListRelease.objects.values_list("id", "ref"))
    court = dict(m.Court.objects.values_list("id", "name"))
    article = {a.id: f"{a.code} {a.article}" for a in m.LegalArticle.objects.all()}

    def many(through: Any, owner: str, other: str, names: dict[int, Any]) -> dict[int, list]:
        out: dict[int, list[tuple[int, Any]]] = {}
        for owner_id, other_id in through.objects.values_list(owner, other):
            out.setdefault(owner_id, []).append((other_id, names[other_id]))
        return out

    def sources_of(links: dict[int, list], owner_id: int) -> list[tuple[str, int, Any]]:
        return [("sources", i, ref) for i, ref in links.get(owner_id, [])]

    def names_of(links: dict[int, list], owner_id: int) -> list[str]:
        return sorted(v for _, v in links.get(owner_id, []) if v)

    def row(
        id_: int,
        values: dict[str, Any],
        optional: dict[str, tuple[str, int | None]] | None = None,
        lists: dict[str, list[tuple[str, int, Any]]] | None = None,
    ) -> dict[str, Any]:
        values[_ID] = id_
        values[_OPTIONAL] = optional or {}
        values[_LISTS] = lists or {}
        return values

    case_courts = many(m.Case.courts.through, "case_id", "court_id", court)
    case_articles = many(m.Case.articles.through, "case_id", "legalarticle_id", article)
    case_sources = many(m.Case.sources.through, "case_id", "source_id", source)
    event_sources = many(m.StatusEvent.sources.through, "statusevent_id", "source_id", source)
    hearing_sources = many(m.Hearing.sources.through, "hearing_id", "source_id", source)
    events = list(_ordered(seen(m.StatusEvent), "person__ref", "person_id", "date", "id"))
    event_key = {
        e.id: [person[e.person_id], e.kind, _date(e.date), case.get(e.case_id)] for e in events
    }

    t: dict[str, list[dict[str, Any]]] = {}
    t["sources"] = [
        row(
            s.id,
            {
                "ref": s.ref,
                "title": s.title,
                "url": s.url,
                "file_name": s.file_name,
                "sha256": s.sha256,
                "publisher": s.publisher,
                "published": _date(s.published),
                "reliability": s.reliability,
                "notes": s.notes,
                "visibility": s.visibility,
            },
        )
        for s in _ordered(seen(m.Source), "ref", "id")
    ]
    t["organisations"] = [
        row(
            o.id,
            {
                "ref": o.ref,
                "name": o.name,
                "short_name": o.short_name,
                "kind": o.kind,
                "country": o.country,
                "notes": o.notes,
                "visibility": o.visibility,
            },
        )
        for o in _ordered(seen(m.Organisation), "ref", "id")
    ]
    t["people"] = [
        row(
            p.id,
            {
                "ref": p.ref,
                "sex": p.sex,
                "birth_date": _date(p.birth_date),
                "occupation": p.occupation,
                "photo": p.photo,
                "notes": p.notes,
                "contacts": p.contacts,
                "visibility": p.visibility,
                "field_visibility": dict(sorted((p.field_visibility or {}).items())),
                "merged_into": person.get(p.merged_into_id),
            },
            optional={"merged_into": ("people", p.merged_into_id)},
        )
        for p in _ordered(seen(m.Person), "ref", "id")
    ]
    t["names"] = [
        row(
            n.id,
            {
                "person": person[n.person_id],
                "name": n.name,
                "language": n.language,
                "kind": n.kind,
                "visibility": n.visibility,
            },
        )
        for n in _ordered(seen(m.PersonName), "person__ref", "person_id", "id")
    ]
    t["affiliations"] = [
        row(
            a.id,
            {
                "person": person[a.person_id],
                "organisation": org[a.organisation_id],
                "role": a.role,
                "start": _date(a.start),
                "end": _date(a.end),
                "visibility": a.visibility,
            },
        )
        for a in _ordered(seen(m.Affiliation), "person__ref", "person_id", "start", "id")
    ]
    t["articles"] = [
        row(a.id, {"country": a.country, "code": a.code, "article": a.article, "title": a.title})
        for a in _ordered(seen(m.LegalArticle), "country", "code", "article")
    ]
    t["cases"] = [
        row(
            c.id,
            {
                "ref": c.ref,
                "number": c.number,
                "title": c.title,
                "kind": c.kind,
                "country": c.country,
                "courts": names_of(case_courts, c.id),
                "articles": names_of(case_articles, c.id),
                "opened": _date(c.opened),
                "summary": c.summary,
                "lawyer_notes": c.lawyer_notes,
                "sources": [],
                "visibility": c.visibility,
                "field_visibility": dict(sorted((c.field_visibility or {}).items())),
            },
            lists={"sources": sources_of(case_sources, c.id)},
        )
        for c in _ordered(seen(m.Case), "ref", "id")
    ]
    t["participants"] = [
        row(
            p.id,
            {
                "case": case[p.case_id],
                "person": person[p.person_id],
                "role": p.role,
                "visibility": p.visibility,
            },
        )
        for p in _ordered(
            seen(m.CaseParticipant), "case__ref", "case_id", "person__ref", "person_id", "role"
        )
    ]
    # An event or sentence of a hidden case is left out, not blanked: its natural key
    # names the case, and with the case blanked it would be another record on re-import.
    t["events"] = [
        row(
            e.id,
            {
                "person": person[e.person_id],
                "kind": e.kind,
                "date": _date(e.date),
                "case": case.get(e.case_id),
                "place": e.place,
                "facility": e.facility,
                "notes": e.notes,
                "sources": [],
                "withdraws": event_key.get(e.withdraws_id),
                "visibility": e.visibility,
            },
            optional={"withdraws": ("events", e.withdraws_id)},
            lists={"sources": sources_of(event_sources, e.id)},
        )
        for e in events
    ]
    t["hearings"] = [
        row(
            h.id,
            {
                "case": case[h.case_id],
                "date": _date(h.date),
                "kind": h.kind,
                "court": court.get(h.court_id),
                "outcome": h.outcome,
                "postponement_reason": h.postponement_reason,
                "next_date": _date(h.next_date),
                "notes": h.notes,
                "sources": [],
                "visibility": h.visibility,
            },
            lists={"sources": sources_of(hearing_sources, h.id)},
        )
        for h in _ordered(seen(m.Hearing), "case__ref", "case_id", "date", "id")
    ]
    t["sentences"] = [
        row(
            s.id,
            {
                "person": person[s.person_id],
                "case": case.get(s.case_id),
                "term": s.term,
                "term_months": s.term_months,
                "regime": s.regime,
                "start": _date(s.start),
                "expected_release": _date(s.expected_release),
                "visibility": s.visibility,
            },
        )
        for s in _ordered(seen(m.Sentence), "person__ref", "person_id", "start", "id")
    ]
    t["designations"] = [
        row(
            d.id,
            {
                "person": person[d.person_id],
                "organisation": org[d.organisation_id],
                "criteria": d.criteria,
                "since": _date(d.since),
                "until": _date(d.until),
                "source": source.get(d.source_id),
                "visibility": d.visibility,
            },
            optional={"source": ("sources", d.source_id)},
        )
        for d in _ordered(seen(m.Designation), "person__ref", "person_id", "since", "id")
    ]
    t["releases"] = [
        row(
            r.id,
            {
                "ref": r.ref,
                "organisation": org[r.organisation_id],
                "title": r.title,
                "published": _date(r.published),
                "source": source.get(r.source_id),
                "visibility": r.visibility,
            },
            optional={"source": ("sources", r.source_id)},
        )
        for r in _ordered(seen(m.ListRelease), "ref", "id")
    ]
    t["entries"] = [
        row(
            e.id,
            {
                "release": release[e.release_id],
                "person": person[e.person_id],
                "position": e.position,
                "category": e.category,
                "visibility": e.visibility,
            },
        )
        for e in _ordered(
            seen(m.ListEntry),
            "release__ref",
            "release_id",
            "position",
            "person__ref",
            "person_id",
        )
    ]
    return t


# -- writers -------------------------------------------------------------------


def _flat(column: Column, value: Any) -> Any:
    """A value as one spreadsheet cell: lists joined by "; ", mappings as JSON."""
    if value is None:
        return ""
    if column.kind == "list":
        return "; ".join(value)
    if column.kind == "json":
        return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""
    return value


def _header(table: Table, rows: list[dict[str, Any]], level: Level) -> list[Column]:
    """The columns a sheet shows: those any row holds; for a table without rows, the
    columns a reader at ``level`` would see by default."""
    if rows:
        return [c for c in table.columns if any(c.name in r for r in rows)]
    shown = set(policy.columns_shown(table.name, level, table.names))
    return [c for c in table.columns if c.name in shown]


def _flat_rows(doc: Document, level: Level) -> dict[str, tuple[list[str], list[list[Any]]]]:
    out = {}
    for table in TABLES:
        rows = doc.get(table.name, [])
        shown = _header(table, rows, level)
        out[table.name] = (
            [c.name for c in shown],
            [[_flat(c, r.get(c.name)) for c in shown] for r in rows],
        )
    return out


def write_json(doc: Document, level: Level) -> bytes:
    payload = {"vigil_cases": FORMAT_VERSION, "level": Level.parse(level).label, **doc}
    return (json.dumps(payload, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _csv_bytes(header: list[str], rows: list[list[Any]]) -> bytes:
    """UTF-8 CSV, formula-safe: a text cell starting with = + - @ tab, CR or ' gets a
    ' in front (vigil.output.csv_cell), which the importer takes off again."""
    from vigil.output import write_csv

    return write_csv(header, rows).encode("utf-8")


# A fixed time stamp for the members of a zip, so the same registry gives the same bytes.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def write_csv_zip(doc: Document, level: Level) -> bytes:
    """One UTF-8 CSV per table, in a zip (one file to hand over); the same document
    gives the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, (header, rows) in _flat_rows(doc, Level.parse(level)).items():
            info = zipfile.ZipInfo(f"{name}.csv", date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, _csv_bytes(header, rows))
        # The level travels with the tables, so a re-import of a public export knows
        # which columns it never saw (and leaves them alone).
        archive.comment = f"vigil_cases {FORMAT_VERSION} level={Level.parse(level).label}".encode()
    return buffer.getvalue()


def write_csv_table(doc: Document, table: str, level: Level = Level.RESTRICTED) -> bytes:
    """One table as UTF-8 CSV (``level`` only chooses the header of an empty table)."""
    header, rows = _flat_rows(doc, Level.parse(level))[table]
    return _csv_bytes(header, rows)


def _xlsx_cell(value: Any) -> Any:
    """A value openpyxl writes as it is: text without the control characters XML 1.0
    cannot hold (each becomes U+FFFD, so a bad byte in a note cannot stop an export)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return value


def write_xlsx(doc: Document, level: Level) -> bytes:
    """One sheet per table; every cell is text or a number (no formulas: a name that
    starts with "=" is written as text, so a spreadsheet never evaluates it)."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    level = Level.parse(level)
    book = Workbook()
    book.remove(book.active)
    for name, (header, rows) in _flat_rows(doc, level).items():
        sheet = book.create_sheet(name)
        sheet.append(header)
        for row in rows:
            sheet.append([_xlsx_cell(v) for v in row])
            for cell in sheet[sheet.max_row]:
                if cell.data_type == "f" or (
                    isinstance(cell.value, str) and cell.value.startswith("=")
                ):
                    cell.data_type = "s"
    book.properties.title = f"Vigil cases export ({level.label})"
    # The same registry gives the same bytes: fixed document dates (openpyxl's save()
    # would stamp the present moment) and fixed member time stamps.
    book.properties.created = book.properties.modified = dt.datetime(*_ZIP_TIME)
    saved = io.BytesIO()
    with zipfile.ZipFile(saved, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).save()
    return _restamp(saved.getvalue())


def _restamp(data: bytes) -> bytes:
    """``data`` (a zip) with every member's time stamp set to :data:`_ZIP_TIME`."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, source.read(member.filename))
    return buffer.getvalue()


WRITERS: dict[ExportFormat, Callable[[Document, Level], bytes]] = {
    ExportFormat.JSON: write_json,
    ExportFormat.CSV: write_csv_zip,
    ExportFormat.XLSX: write_xlsx,
}


def export(level: Who, fmt: ExportFormat | str, table: str | None = None) -> bytes:
    """The registry as ``level`` (a reader or a level) may see it, in ``fmt`` (CSV: a
    zip of tables, or one ``table``)."""
    who = policy.as_actor(level)
    level = who.level
    try:
        fmt = ExportFormat(str(fmt).lower())
    except ValueError:
        names = ", ".join(f.value for f in ExportFormat)
        raise InputError(f"--format: expected one of {names}, got {fmt!r}") from None
    if table is not None and fmt is not ExportFormat.CSV:
        raise InputError("--table: only with --format csv (JSON and XLSX hold all tables)")
    doc = document(who)
    if table is not None:
        if table not in doc:
            raise InputError(f"--table: expected one of {', '.join(doc)}, got {table!r}")
        return write_csv_table(doc, table, level)
    return WRITERS[fmt](doc, level)


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
