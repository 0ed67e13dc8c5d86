"""Exports: the registry as interchange tables (JSON, CSV, XLSX) at a reader's level.

:func:`document` reads every table from the database and passes each row through
:mod:`vigil.cases.visibility`: rows above the level, rows pointing at records the
reader may not see, and columns above the level are left out. The writers only
format what :func:`document` returns, so no writer can leak what it was not given.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any

from vigil.cases.levels import Level
from vigil.cases.schema import TABLES, Column
from vigil.cases.visibility import redact_row
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


def document(level: Level) -> Document:
    """Every table at ``level``, rows in a stable order (by ref or natural key)."""
    from vigil.cases import models as m

    level = Level.parse(level)
    raw = _raw_tables(m)
    seen: dict[str, set[str]] = {}
    out: Document = {}
    for table in TABLES:
        rows = []
        for row in raw[table.name]:
            if "visibility" in row and Level(row["visibility"]) > level:
                continue
            if not _references_visible(table.name, row, seen):
                continue
            row = _prune_lists(row, seen)
            if "visibility" in row:
                row["visibility"] = _level_label(row["visibility"])
            rows.append(redact_row(table.name, row, level))
        if "ref" in table.names:
            seen[table.name] = {r["ref"] for r in rows}
        out[table.name] = rows
    return out


# Which table each reference column points into.
_POINTS_TO = {
    "person": "people",
    "organisation": "organisations",
    "case": "cases",
    "release": "releases",
    "source": "sources",
    "merged_into": "people",
}
_LISTS_OF = {"sources": "sources"}


def _references_visible(table: str, row: dict[str, Any], seen: dict[str, set[str]]) -> bool:
    for column, target in _POINTS_TO.items():
        value = row.get(column)
        if value and target in seen and value not in seen[target]:
            if column in ("source", "merged_into"):
                row[column] = None  # an optional pointer: hide it, keep the row
                continue
            return False
    return True


def _prune_lists(row: dict[str, Any], seen: dict[str, set[str]]) -> dict[str, Any]:
    for column, target in _LISTS_OF.items():
        if isinstance(row.get(column), list) and target in seen:
            row[column] = [v for v in row[column] if v in seen[target]]
    return row


def _raw_tables(m: Any) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table as plain values (refs, not ids); no filtering here."""
    person = dict(m.Person.objects.values_list("id", "ref"))
    org = dict(m.Organisation.objects.values_list("id", "ref"))
    case = dict(m.Case.objects.values_list("id", "ref"))
    source = dict(m.Source.objects.values_list("id", "ref"))
    release = dict(m.ListRelease.objects.values_list("id", "ref"))
    court = dict(m.Court.objects.values_list("id", "name"))
    article = {a.id: f"{a.code} {a.article}" for a in m.LegalArticle.objects.all()}

    def many(through: Any, owner: str, other: str, names: dict[int, str]) -> dict[int, list]:
        out: dict[int, list[str]] = {}
        for owner_id, other_id in through.objects.values_list(owner, other):
            out.setdefault(owner_id, []).append(names[other_id])
        return {k: sorted(v) for k, v in out.items()}

    case_courts = many(m.Case.courts.through, "case_id", "court_id", court)
    case_articles = many(m.Case.articles.through, "case_id", "legalarticle_id", article)
    case_sources = many(m.Case.sources.through, "case_id", "source_id", source)
    event_sources = many(m.StatusEvent.sources.through, "statusevent_id", "source_id", source)
    hearing_sources = many(m.Hearing.sources.through, "hearing_id", "source_id", source)
    events = list(m.StatusEvent.objects.order_by("person__ref", "date", "id"))
    event_key = {
        e.id: [person[e.person_id], e.kind, _date(e.date), case.get(e.case_id)] for e in events
    }

    t: dict[str, list[dict[str, Any]]] = {}
    t["sources"] = [
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
        }
        for s in m.Source.objects.order_by("ref")
    ]
    t["organisations"] = [
        {
            "ref": o.ref,
            "name": o.name,
            "short_name": o.short_name,
            "kind": o.kind,
            "country": o.country,
            "notes": o.notes,
            "visibility": o.visibility,
        }
        for o in m.Organisation.objects.order_by("ref")
    ]
    t["people"] = [
        {
            "ref": p.ref,
            "sex": p.sex,
            "birth_date": _date(p.birth_date),
            "occupation": p.occupation,
            "photo": p.photo,
            "notes": p.notes,
            "contacts": p.contacts,
            "visibility": p.visibility,
            "field_visibility": dict(sorted(p.field_visibility.items())),
            "merged_into": person.get(p.merged_into_id),
        }
        for p in m.Person.objects.order_by("ref")
    ]
    t["names"] = [
        {
            "person": person[n.person_id],
            "name": n.name,
            "language": n.language,
            "kind": n.kind,
            "visibility": n.visibility,
        }
        for n in m.PersonName.objects.order_by("person__ref", "id")
    ]
    t["affiliations"] = [
        {
            "person": person[a.person_id],
            "organisation": org[a.organisation_id],
            "role": a.role,
            "start": _date(a.start),
            "end": _date(a.end),
            "visibility": a.visibility,
        }
        for a in m.Affiliation.objects.order_by("person__ref", "start", "id")
    ]
    t["articles"] = [
        {"country": a.country, "code": a.code, "article": a.article, "title": a.title}
        for a in m.LegalArticle.objects.order_by("country", "code", "article")
    ]
    t["cases"] = [
        {
            "ref": c.ref,
            "number": c.number,
            "title": c.title,
            "kind": c.kind,
            "country": c.country,
            "courts": case_courts.get(c.id, []),
            "articles": case_articles.get(c.id, []),
            "opened": _date(c.opened),
            "summary": c.summary,
            "lawyer_notes": c.lawyer_notes,
            "sources": case_sources.get(c.id, []),
            "visibility": c.visibility,
            "field_visibility": dict(sorted(c.field_visibility.items())),
        }
        for c in m.Case.objects.order_by("ref")
    ]
    t["participants"] = [
        {
            "case": case[p.case_id],
            "person": person[p.person_id],
            "role": p.role,
            "visibility": p.visibility,
        }
        for p in m.CaseParticipant.objects.order_by("case__ref", "person__ref", "role")
    ]
    t["events"] = [
        {
            "person": person[e.person_id],
            "kind": e.kind,
            "date": _date(e.date),
            "case": case.get(e.case_id),
            "place": e.place,
            "facility": e.facility,
            "notes": e.notes,
            "sources": event_sources.get(e.id, []),
            "withdraws": event_key.get(e.withdraws_id),
            "visibility": e.visibility,
        }
        for e in events
    ]
    t["hearings"] = [
        {
            "case": case[h.case_id],
            "date": _date(h.date),
            "kind": h.kind,
            "court": court.get(h.court_id),
            "outcome": h.outcome,
            "postponement_reason": h.postponement_reason,
            "next_date": _date(h.next_date),
            "notes": h.notes,
            "sources": hearing_sources.get(h.id, []),
            "visibility": h.visibility,
        }
        for h in m.Hearing.objects.order_by("case__ref", "date", "id")
    ]
    t["sentences"] = [
        {
            "person": person[s.person_id],
            "case": case.get(s.case_id),
            "term": s.term,
            "term_months": s.term_months,
            "regime": s.regime,
            "start": _date(s.start),
            "expected_release": _date(s.expected_release),
            "visibility": s.visibility,
        }
        for s in m.Sentence.objects.order_by("person__ref", "start", "id")
    ]
    t["designations"] = [
        {
            "person": person[d.person_id],
            "organisation": org[d.organisation_id],
            "criteria": d.criteria,
            "since": _date(d.since),
            "until": _date(d.until),
            "source": source.get(d.source_id),
            "visibility": d.visibility,
        }
        for d in m.Designation.objects.order_by("person__ref", "since", "id")
    ]
    t["releases"] = [
        {
            "ref": r.ref,
            "organisation": org[r.organisation_id],
            "title": r.title,
            "published": _date(r.published),
            "source": source.get(r.source_id),
            "visibility": r.visibility,
        }
        for r in m.ListRelease.objects.order_by("ref")
    ]
    t["entries"] = [
        {
            "release": release[e.release_id],
            "person": person[e.person_id],
            "position": e.position,
            "category": e.category,
            "visibility": e.visibility,
        }
        for e in m.ListEntry.objects.order_by("release__ref", "position", "person__ref")
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


def _flat_rows(doc: Document) -> dict[str, tuple[list[str], list[list[Any]]]]:
    out = {}
    for table in TABLES:
        rows = doc.get(table.name, [])
        shown = [c for c in table.columns if any(c.name in r for r in rows)] or (
            list(table.columns) if not rows else []
        )
        out[table.name] = (
            [c.name for c in shown],
            [[_flat(c, r.get(c.name)) for c in shown] for r in rows],
        )
    return out


def write_json(doc: Document, level: Level) -> bytes:
    payload = {"vigil_cases": FORMAT_VERSION, "level": Level(level).label, **doc}
    return (json.dumps(payload, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def write_csv_zip(doc: Document, level: Level) -> bytes:
    """One UTF-8 CSV per table, in a zip (one file to hand over)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, (header, rows) in _flat_rows(doc).items():
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
            archive.writestr(f"{name}.csv", text.getvalue().encode("utf-8"))
    return buffer.getvalue()


def write_csv_table(doc: Document, table: str) -> bytes:
    header, rows = _flat_rows(doc)[table]
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8")


def write_xlsx(doc: Document, level: Level) -> bytes:
    """One sheet per table; every cell is text or a number (no formulas: a name that
    starts with "=" is written as text, so a spreadsheet never evaluates it)."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, (header, rows) in _flat_rows(doc).items():
        sheet = book.create_sheet(name)
        sheet.append(header)
        for row in rows:
            sheet.append(row)
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
    book.properties.title = f"Vigil cases export ({Level(level).label})"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


WRITERS: dict[ExportFormat, Callable[[Document, Level], bytes]] = {
    ExportFormat.JSON: write_json,
    ExportFormat.CSV: write_csv_zip,
    ExportFormat.XLSX: write_xlsx,
}


def export(level: Level, fmt: ExportFormat, table: str | None = None) -> bytes:
    """The registry at ``level`` in ``fmt`` (CSV: a zip of tables, or one ``table``)."""
    doc = document(level)
    if table is not None:
        if fmt is not ExportFormat.CSV:
            raise InputError("--table: only with --format csv (JSON and XLSX hold all tables)")
        if table not in doc:
            raise InputError(f"--table: expected one of {', '.join(doc)}, got {table!r}")
        return write_csv_table(doc, table)
    return WRITERS[fmt](doc, level)


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
