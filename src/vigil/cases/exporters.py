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
from vigil.cases.schema import COURTS, MANY, TABLE, TABLES, Column, Table
from vigil.choices import not_one_of
from vigil.errors import InputError
from vigil.i18n import gettext as _

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
    the private keys :func:`document` follows to blank optional pointers.

    Walks the columns of :mod:`vigil.cases.schema`: one ``values()`` query per table
    (the rows :func:`vigil.cases.policy.visible` gives), one per many-to-many relation
    and one per table that others name; no query per row."""
    names = {
        t.name: _names(getattr(m, t.model), t.named_by) for t in (*TABLES, COURTS) if t.named_by
    }
    out: dict[str, list[dict[str, Any]]] = {}
    for table in TABLES:
        model = getattr(m, table.model)
        needed = {fk for fk, _nullable in policy.REQUIRED.get(table.model, ())}
        cells = [_cell(model, table, c, names, needed) for c in table.columns]
        rows = _ordered(policy.visible(model, who), *table.order).values(
            "id", *(c.field for c in table.columns if c.read not in MANY)
        )
        out[table.name] = [_row(record, cells) for record in rows]
    # A correction names the event it withdraws by that event's natural key, as the
    # export writes it (only a visible event has one: a hidden one is blanked).
    for table in TABLES:
        for c in table.columns:
            if c.read == "withdraws":
                key = {r[_ID]: [r[k] for k in TABLE[c.target].key] for r in out[c.target]}
                for r in out[table.name]:
                    r[c.name] = key.get(r[c.name])
    return out


# A cell writer: (the record's values, the row's optional pointers, the row's lists)
# -> the cell's value.
Cell = tuple[str, Callable[[dict[str, Any], dict[str, Any], dict[str, Any]], Any]]


def _names(model: Any, named_by: tuple[str, ...]) -> dict[int, Any]:
    """How other tables name each record of ``model``: its ref, a court's name, an
    article's "code article"."""
    if len(named_by) == 1:
        return dict(model.objects.values_list("id", named_by[0]))
    return {i: " ".join(rest) for i, *rest in model.objects.values_list("id", *named_by)}


def _links(model: Any, relation: str, names: dict[int, Any]) -> dict[int, list]:
    """``{owner id: [(other id, its name)]}`` for a many-to-many ``relation``."""
    rel = model._meta.get_field(relation)
    through = getattr(model, relation).through
    src, dst = f"{rel.m2m_field_name()}_id", f"{rel.m2m_reverse_field_name()}_id"
    out: dict[int, list[tuple[int, Any]]] = {}
    for owner_id, other_id in through.objects.values_list(src, dst):
        out.setdefault(owner_id, []).append((other_id, names[other_id]))
    return out


def _cell(
    model: Any, table: Table, column: Column, names: dict[str, dict[int, Any]], needed: set[str]
) -> Cell:
    """How ``column`` is written (see :data:`vigil.cases.schema.READS`)."""
    name, field, read = column.name, column.field, column.read
    if read in ("text", "vocab", "int", "level"):
        return name, lambda r, opt, lists: r[field]
    if read == "date":
        return name, lambda r, opt, lists: _date(r[field])
    if read == "overrides":
        return name, lambda r, opt, lists: dict(sorted((r[field] or {}).items()))
    if read == "withdraws":  # the withdrawn event's key, filled in by _raw_tables

        def pointer(r: dict[str, Any], opt: dict[str, Any], lists: dict[str, Any]) -> Any:
            opt[name] = (column.target, r[field])
            return r[field]

        return name, pointer
    if read in ("ref", "court"):
        targets = names[column.target]
        if name in needed or read == "court":
            return name, lambda r, opt, lists: targets.get(r[field])

        def optional(r: dict[str, Any], opt: dict[str, Any], lists: dict[str, Any]) -> Any:
            opt[name] = (column.target, r[field])  # blanked when hidden
            return targets.get(r[field])

        return name, optional
    links = _links(model, field, names[column.target])
    if read == "sources":  # dropped when hidden

        def hidden_dropped(r: dict[str, Any], opt: dict[str, Any], lists: dict[str, Any]) -> Any:
            lists[name] = [(column.target, i, ref) for i, ref in links.get(r["id"], [])]
            return []

        return name, hidden_dropped
    return name, lambda r, opt, lists: sorted(v for _, v in links.get(r["id"], []) if v)


def _row(record: dict[str, Any], cells: list[Cell]) -> dict[str, Any]:
    optional: dict[str, Any] = {}
    lists: dict[str, Any] = {}
    row = {name: write(record, optional, lists) for name, write in cells}
    row[_ID] = record["id"]
    row[_OPTIONAL] = optional
    row[_LISTS] = lists
    return row


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
    book.remove(book.worksheets[0])  # the empty sheet a new workbook starts with
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
        raise not_one_of(fmt, (f.value for f in ExportFormat), "format") from None
    if table is not None and fmt is not ExportFormat.CSV:
        raise InputError(
            _(
                "a single table is written as CSV only, not %(format)s (JSON and XLSX hold "
                "all tables)"
            )
            % {"format": fmt.value},
            param="table",
        )
    if table is not None and table not in TABLE:
        raise not_one_of(table, TABLE, "table")
    doc = document(who)
    if table is not None:
        return write_csv_table(doc, table, level)
    return WRITERS[fmt](doc, level)


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
