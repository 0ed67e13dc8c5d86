"""Importing into the cases registry: interchange documents and flat spreadsheets.

::

    from vigil.cases.importers import import_file
    report = import_file("prisoners.csv", "prisoners.mapping.toml", dry_run=True)
    print(report.frame())

Two kinds of input:

- **An interchange document**, as :mod:`vigil.cases.exporters` writes it: JSON (an
  object with ``"vigil_cases"``), an XLSX workbook with one sheet per table, a zip of
  CSVs (one per table), or one table's CSV (named ``<table>.csv``, or with a mapping
  saying ``table = "events"``). Columns and natural keys are those of
  :mod:`vigil.cases.schema`; loading an export into an empty database and exporting
  again gives the same document.
- **A flat sheet** (CSV, XLSX, or a JSON list of objects), one person per row, read
  through a mapping file (:mod:`vigil.cases.importers.mapping`,
  :mod:`vigil.cases.importers.flat`).

Every value goes through the model vocabularies; a value that does not fit is a
:class:`RowProblem` (row, column, problem), not a crash. The import is one
transaction: if any row is rejected nothing is written, unless ``skip_invalid`` (then
the valid rows are). A dry run does everything, then rolls back. Re-importing a file
changes nothing (every row "unchanged"). Problems with the whole file (missing,
unreadable, over the size limits, a mapping that does not fit it) raise
:class:`~vigil.errors.InputError` with one line naming the file.

When an export was made below the restricted level (the JSON's ``level``, the XLSX
title, the zip comment of a zip of CSVs), columns that level could not see are
treated as absent, so re-importing a public export never blanks a restricted field.

The import acts for an actor (:class:`vigil.cases.policy.Actor`: the web's editor, or
the command line's operator at its ``--level``) and sees the registry as the policy
lets it (see :mod:`vigil.cases.importers.engine`). Every record it creates or changes
is an audit event with its values (or its changes, before and after), every value
above internal masked; a summary event holds the file's sha256 and the counts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping as MappingABC
from dataclasses import replace
from pathlib import Path
from typing import Any

from vigil.cases import policy
from vigil.cases.importers import reading
from vigil.cases.importers.engine import InRow, Loader
from vigil.cases.importers.flat import FlatReader
from vigil.cases.importers.mapping import IGNORE, Mapping
from vigil.cases.importers.mapping import load as load_mapping
from vigil.cases.importers.refs import REF_PREFIX, new_ref
from vigil.cases.importers.report import ImportReport, RowOutcome, RowProblem
from vigil.cases.levels import Level
from vigil.cases.policy import Actor
from vigil.cases.schema import TABLE
from vigil.errors import InputError
from vigil.i18n import gettext as _

__all__ = [
    "REF_PREFIX",
    "ImportReport",
    "Mapping",
    "RowOutcome",
    "RowProblem",
    "import_file",
    "load_mapping",
    "new_ref",
]

MappingArg = str | Path | Mapping | MappingABC[str, Any] | None


def import_file(
    path: str | Path,
    mapping: MappingArg = None,
    *,
    dry_run: bool = False,
    encoding: str | None = None,
    actor: Actor | str | None = None,
    skip_invalid: bool = False,
) -> ImportReport:
    """Import ``path`` into the registry (one transaction) and say what happened.

    ``mapping``: a TOML file (or its parsed dict) for a flat sheet or a single table.
    ``encoding``: the text encoding of a CSV/JSON file in a legacy encoding (default
    UTF-8, with or without a BOM). ``actor``: who imports (an
    :class:`~vigil.cases.policy.Actor`; a name or nothing is the operator at the
    restricted level, as on the command line). ``skip_invalid``: write the valid rows;
    a bad cell of an ``optional`` column (by default every column but those that say
    which record a row is or who may read it) is then left out and reported
    (:attr:`RowProblem.dropped`), its row kept.
    """
    _ensure_django()
    from django.db import transaction

    from vigil.cases import audit
    from vigil.cases import models as m

    who = policy.acting(actor)
    policy.require_edit(who)

    path = Path(path)
    spec = load_mapping(mapping) if mapping is not None else None
    data = reading.read_bytes(path)
    contents = reading.read(
        path,
        data,
        encoding=encoding or (spec.encoding if spec else None),
        delimiter=spec.delimiter if spec else None,
        sheet=spec.sheet if spec else None,
        records=spec.records if spec else None,
    )
    sha256 = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        loader = Loader(_level(contents, path), who, drop_cells=skip_invalid)
        rows, ignored = _rows(contents, spec, loader, path)
        loader.plan(rows)
        loader.write()
        problems = sorted(_placed(loader.problems, contents), key=lambda p: (p.file, p.row))
        commit = not dry_run and (not problems or skip_invalid)
        report = ImportReport(
            file=path.name,
            sha256=sha256,
            dry_run=dry_run,
            committed=commit,
            outcomes=loader.outcomes(),
            problems=problems,
            ignored_columns=ignored,
        )
        if commit:
            detail = {"sha256": sha256, "counts": report.counts, "level": who.level.label}
            summary = audit.record("import", target=path.name, detail=detail, by=who)
            # one event per record, pointing at the summary (file, sha256, counts)
            m.AuditEvent.objects.bulk_create(loader.audit_events(summary.pk))
        else:
            transaction.set_rollback(True)
    return report


def _ensure_django() -> None:
    from django.apps import apps

    if not apps.ready:
        from vigil.cases import setup

        setup()


def _level(contents: reading.Contents, path: Path) -> Level | None:
    if contents.level is None:
        return None
    try:
        return Level.parse(contents.level, "level")
    except InputError as exc:
        raise InputError(f"{path.name}: {exc}") from None


def _rows(
    contents: reading.Contents, spec: Mapping | None, loader: Loader, path: Path
) -> tuple[dict[str, list[InRow]], tuple[str, ...]]:
    """The file's rows in interchange form, and the columns left out."""
    if contents.kind in ("document", "zip"):
        if spec is not None:
            raise InputError(
                _(
                    "%(file)s: an interchange document needs no mapping (%(mapping)s is for "
                    "a flat sheet or a single table)"
                )
                % {"file": path.name, "mapping": spec.origin}
            )
        return _interchange(contents.sheets), ()
    if spec is None:
        return _unmapped(contents, path), ()
    sheet = contents.sheets[0]
    spec.check_header(sheet.header, sheet.origin)
    ignored = tuple(h for h in sheet.header if h not in spec.columns or spec.columns[h] == IGNORE)
    if spec.format == "people":
        flat = FlatReader(sheet, spec, loader.is_ref, drop_cells=loader.drop_cells)
        rows = flat.rows()
        loader.reject_groups(p for p in flat.problems if not p.dropped)
        loader.problems.extend(p for p in flat.problems if p.dropped)
        return rows, ignored
    assert spec.table is not None  # a "table" mapping names its table (mapping.parse checks)
    return {spec.table: list(_table_rows(sheet, spec))}, tuple(
        h for h in ignored if h not in TABLE[spec.table].names
    )


def _placed(problems: list[RowProblem], contents: reading.Contents) -> list[RowProblem]:
    """Problems with the place of their record in a nested JSON file."""
    where = {s.origin: s.where for s in contents.sheets if s.where}
    if not where:
        return problems
    return [replace(p, where=where.get(p.file, {}).get(p.row, "")) for p in problems]


def _unmapped(contents: reading.Contents, path: Path) -> dict[str, list[InRow]]:
    """A workbook of interchange sheets, or one table's CSV named after the table."""
    unknown = [s.name for s in contents.sheets if s.name not in TABLE]
    if contents.kind == "xlsx" and unknown:
        raise InputError(
            _(
                "%(file)s: sheet %(sheet)r is not a table of the interchange format "
                "(%(tables)s); for a flat sheet give a mapping (`--mapping FILE`)"
            )
            % {"file": path.name, "sheet": unknown[0], "tables": ", ".join(TABLE)}
        )
    if unknown:
        if contents.kind == "csv":
            message = _(
                "%(file)s: a CSV needs a mapping (`--mapping FILE`), unless it is one table "
                "of the interchange format named after it (%(files)s)"
            )
        else:
            message = _(
                "%(file)s: a JSON list needs a mapping (`--mapping FILE`), unless it is one "
                "table of the interchange format named after it (%(files)s)"
            )
        raise InputError(
            message % {"file": path.name, "files": ", ".join(f"{t}.csv" for t in TABLE)}
        )
    return _interchange(contents.sheets)


def _interchange(sheets: tuple[reading.Sheet, ...]) -> dict[str, list[InRow]]:
    out: dict[str, list[InRow]] = {}
    for sheet in sheets:
        table = TABLE.get(sheet.name)
        if table is None:
            raise InputError(
                _("%(file)s: unknown table %(table)r (expected one of %(tables)s)")
                % {"file": sheet.origin, "table": sheet.name, "tables": ", ".join(TABLE)}
            )
        _check_columns(sheet, table.name)
        out.setdefault(table.name, []).extend(
            InRow(sheet.origin, table.name, number, values) for number, values in sheet.rows
        )
    return out


def _check_columns(sheet: reading.Sheet, table: str) -> None:
    from vigil.cases.importers.engine import SPEC

    names = TABLE[table].names
    for column in sheet.header:
        if column not in names:
            raise InputError(
                _('%(file)s: unknown column "%(column)s" of %(table)s (expected: %(columns)s)')
                % {
                    "file": sheet.origin,
                    "column": column,
                    "table": table,
                    "columns": ", ".join(names),
                }
            )
    if table in REF_PREFIX or not sheet.rows:
        return
    for column in TABLE[table].key:
        if SPEC[table][column].required and column not in sheet.header:
            raise InputError(
                _('%(file)s: the column "%(column)s" of %(table)s is missing')
                % {"file": sheet.origin, "column": column, "table": table}
            )


def _table_rows(sheet: reading.Sheet, spec: Mapping) -> list[InRow]:
    """One interchange table under the user's own column names and words."""
    assert spec.table is not None
    names = TABLE[spec.table].names
    target = {h: spec.columns.get(h, h if h in names else None) for h in sheet.header}
    present = {t for t in target.values() if t and t != IGNORE}
    from vigil.cases.importers.engine import SPEC

    missing = [
        c
        for c in TABLE[spec.table].key
        if SPEC[spec.table][c].required and c not in present and c not in spec.defaults
    ]
    if missing:
        raise InputError(
            _(
                "%(file)s: no column for %(column)s (name it so, or map a column to it in "
                "%(mapping)s)"
            )
            % {
                "file": sheet.origin,
                "column": f"{spec.table}.{missing[0]}",
                "mapping": spec.origin,
            }
        )
    rows = []
    for number, cells in sheet.rows:
        values: dict[str, Any] = {}
        origin: dict[str, str] = {}
        for column, raw in cells.items():
            name = target.get(column)
            if name and name != IGNORE:
                values[name], origin[name] = spec.word(column, raw), column
        for name, default in spec.defaults.items():
            if values.get(name) in (None, ""):
                values[name], origin[name] = default, f"[defaults] {name}"
        rows.append(InRow(sheet.origin, spec.table, number, values, origin))
    return rows
