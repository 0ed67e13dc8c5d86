"""Reading import files into sheets of rows: size limits, encodings, containers.

Four containers: a CSV file, an XLSX workbook, a JSON file (an interchange document,
a list of objects, or the records at a path of any JSON: :func:`records_at`) and a zip
of CSV files (the interchange CSV export). Text is UTF-8 unless a byte-order mark says
UTF-8, UTF-16 LE or UTF-16 BE, or an ``encoding`` is named; invalid UTF-8, and UTF-16
without a mark, are an :class:`~vigil.errors.InputError` that says where and suggests
``--encoding``. A CSV row with more cells than the header (beyond empty ones) or fewer
(a file cut off in its last line) is refused with its row number.
Cell values are kept as given (no Unicode normalisation); XLSX cells that look like
formulas are read as their text, never evaluated. In every CSV (a flat file or a zip
member) one leading ``'`` is taken off a cell when ``=``, ``+``, ``-``, ``@``, a tab, a
carriage return or another ``'`` follows it: that is the prefix Vigil's CSV writers add
so that a spreadsheet never evaluates a cell (:func:`vigil.output.csv_cell`), and a
re-import gives back the text exactly. A cell such as ``'abc`` is kept as it is.

Limits (module constants, read at call time): files over :data:`MAX_BYTES`, zip or
XLSX members that unpack to more than :data:`MAX_UNCOMPRESSED` in total, and
workbooks with more than :data:`MAX_ROWS` rows in a sheet are refused.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vigil import i18n
from vigil.errors import InputError
from vigil.i18n import gettext as _
from vigil.i18n import ngettext
from vigil.output import csv_uncell

MAX_BYTES = 50 * 1024 * 1024
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_ROWS = 100_000

Row = tuple[int, dict[str, Any]]  # (row number as the user sees it, {column: value})


@dataclass(frozen=True)
class Sheet:
    """One table of an input file: a CSV, a workbook sheet, a JSON list."""

    origin: str  # for messages: "people.csv", "book.xlsx [Prisoners]", "export.zip/events.csv"
    name: str  # the sheet, member or table name
    header: tuple[str, ...]
    rows: tuple[Row, ...]
    where: dict[int, str] = field(default_factory=dict)  # row -> path in nested JSON


@dataclass(frozen=True)
class Contents:
    """What a file holds, before any mapping is applied."""

    kind: str  # "document" (JSON interchange), "zip", "xlsx", "csv", "rows" (a JSON list)
    sheets: tuple[Sheet, ...]
    level: str | None = None  # the level an interchange document was exported at


def read_bytes(path: Path) -> bytes:
    """The file's bytes, refusing a missing, unreadable or oversized file."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(_("%(file)s: no such file") % {"file": path}) from None
    except OSError as exc:
        raise InputError(
            _("%(file)s: cannot read it (%(error)s)") % {"file": path, "error": exc.strerror}
        ) from None
    if not path.is_file():
        raise InputError(_("%(file)s: not a file") % {"file": path})
    if size > MAX_BYTES:
        raise InputError(
            _(
                "%(file)s: %(size)s MB is over the import limit of %(limit)s MB; split it "
                "into smaller files"
            )
            % {
                "file": path.name,
                "size": i18n.number(size / 2**20, 1),
                "limit": i18n.number(MAX_BYTES / 2**20, 0),
            }
        )
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(
            _("%(file)s: cannot read it (%(error)s)") % {"file": path, "error": exc.strerror}
        ) from None


def decode(data: bytes, origin: str, encoding: str | None = None) -> str:
    """``data`` as text: the encoding its byte-order mark names (UTF-8, UTF-16 LE or
    BE), else UTF-8, or the named ``encoding``. UTF-16 without a mark is refused with a
    hint: its NUL bytes would otherwise read as valid, wrong, UTF-8."""
    if encoding and _codec(encoding, origin) != "utf-8":
        try:
            return data.decode(encoding).removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise InputError(
                _("%(origin)s: not valid %(encoding)s at byte %(start)s (line %(line)s)")
                % {"origin": origin, "encoding": encoding, "start": exc.start, "line": line}
            ) from None
    for bom, codec in _BOMS:
        if data.startswith(bom) and not encoding:
            try:
                return data[len(bom) :].decode(codec)
            except UnicodeDecodeError as exc:
                raise InputError(
                    _(
                        "%(origin)s: starts with a %(upper)s byte-order mark but is not "
                        "valid %(upper)s at byte %(byte)s"
                    )
                    % {"origin": origin, "upper": codec.upper(), "byte": exc.start + len(bom)}
                ) from None
    sample = data[:4096]
    if sample.count(0) * 10 > len(sample):  # ASCII text in UTF-16: every other byte NUL
        nul = sample.index(0)
        raise InputError(
            _(
                "%(origin)s: holds NUL bytes (byte %(nul)s): it looks like UTF-16 "
                "without a byte-order mark; name it, e.g. `--encoding utf-16-le` (or "
                "utf-16-be)"
            )
            % {"origin": origin, "nul": nul}
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            _(
                "%(origin)s: not valid UTF-8 at byte %(start)s (line %(line)s); if "
                "the file is in a legacy encoding, name it, e.g. `--encoding cp1251` "
                "(Cyrillic), cp1254 (Turkish, Azerbaijani Latin) or latin-1"
            )
            % {"origin": origin, "start": exc.start, "line": line}
        ) from None


#: Byte-order marks and their codecs (a UTF-8 mark is taken off by utf-8-sig).
_BOMS = ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def _codec(encoding: str, origin: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise InputError(
            _("%(origin)s: unknown encoding %(encoding)r")
            % {"origin": origin, "encoding": encoding}
        ) from None


# -- containers ------------------------------------------------------------------


def read(
    path: Path,
    data: bytes,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    records: str | None = None,
) -> Contents:
    """Open ``data`` (the bytes of ``path``) by its content and extension; in JSON,
    ``records`` is the path to the records (:func:`records_at`)."""
    name, suffix = path.name, path.suffix.lower()
    if suffix in (".xls", ".ods", ".numbers"):
        raise InputError(
            _("%(name)s: %(suffix)s workbooks are not read; save it as .xlsx or .csv")
            % {"name": name, "suffix": suffix}
        )
    if data[:4] == b"PK\x03\x04" or suffix in (".xlsx", ".zip"):
        archive = _zip(data, name)
        if "xl/workbook.xml" in archive.namelist():
            return _xlsx(data, name, sheet)
        if suffix == ".xlsx":
            raise InputError(
                _("%(name)s: not an XLSX workbook (a zip without xl/workbook.xml)") % {"name": name}
            )
        return _csv_zip(archive, name, encoding)
    text = decode(data, name, encoding)
    if suffix == ".json" or (suffix not in (".csv", ".tsv", ".txt") and text.lstrip()[:1] in "{["):
        return _json(text, name, records)
    if records is not None:
        raise InputError(
            _("%(name)s: records = %(records)r is for a JSON file")
            % {"name": name, "records": records}
        )
    return Contents("csv", (read_csv(text, name, Path(name).stem, delimiter),))


def _zip(data: bytes, name: str) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        if name.lower().endswith(".xlsx"):
            message = _("%(name)s: not an XLSX workbook (cannot open it as a zip)")
        else:
            message = _("%(name)s: not a zip archive (cannot open it as a zip)")
        raise InputError(message % {"name": name}) from None
    total = sum(info.file_size for info in archive.infolist())
    if total > MAX_UNCOMPRESSED:
        raise InputError(
            _(
                "%(name)s: unpacks to %(size)s MB, over the limit of %(limit)s MB (refused: "
                "it may be a zip bomb)"
            )
            % {
                "name": name,
                "size": i18n.number(total / 2**20, 0),
                "limit": i18n.number(MAX_UNCOMPRESSED / 2**20, 0),
            }
        )
    return archive


def _csv_zip(archive: zipfile.ZipFile, name: str, encoding: str | None) -> Contents:
    sheets = []
    for info in archive.infolist():
        member = info.filename
        if info.is_dir() or member.startswith("__MACOSX/"):
            continue
        if not member.lower().endswith(".csv"):
            raise InputError(
                _("%(name)s: %(member)s is not a CSV file (a zip holds one CSV per table)")
                % {"name": name, "member": member}
            )
        with archive.open(info) as handle:
            raw = handle.read(MAX_UNCOMPRESSED + 1)
        origin = f"{name}/{member}"
        sheets.append(read_csv(decode(raw, origin, encoding), origin, Path(member).stem))
    if not sheets:
        raise InputError(_("%(name)s: the zip holds no CSV file") % {"name": name})
    # exporters.write_csv_zip notes the level in the zip comment: "vigil_cases 1 level=public"
    comment = archive.comment.decode("utf-8", "replace")
    level = comment.split("level=", 1)[1].split()[0] if "level=" in comment else None
    return Contents("zip", tuple(sheets), level)


def _json(text: str, name: str, records: str | None = None) -> Contents:
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            _("%(name)s: not valid JSON (line %(lineno)s, column %(colno)s: %(msg)s)")
            % {"name": name, "lineno": exc.lineno, "colno": exc.colno, "msg": exc.msg}
        ) from None
    if records is not None:
        return Contents("rows", (records_at(payload, records, name),))
    if isinstance(payload, dict) and "vigil_cases" in payload:
        return _document(payload, name)
    if isinstance(payload, list) and all(isinstance(r, dict) for r in payload):
        header = tuple(dict.fromkeys(k for r in payload for k in r))
        rows = tuple((i + 1, dict(r)) for i, r in enumerate(payload))
        return Contents("rows", (Sheet(name, Path(name).stem, header, rows),))
    raise InputError(
        _(
            "%(name)s: expected a Vigil interchange document (an object with "
            '"vigil_cases") or a list of objects (one per row)'
        )
        % {"name": name}
    )


def _document(payload: dict[str, Any], name: str) -> Contents:
    from vigil.cases.exporters import FORMAT_VERSION

    version = payload.get("vigil_cases")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise InputError(
            _(
                "%(name)s: interchange format version %(version)r; this Vigil reads "
                "up to %(format_version)s (upgrade Vigil)"
            )
            % {"name": name, "version": version, "format_version": FORMAT_VERSION}
        )
    sheets = []
    for key, rows in payload.items():
        if key in ("vigil_cases", "level"):
            continue
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise InputError(
                _('%(name)s: "%(key)s" must be a list of objects (one per row)')
                % {"name": name, "key": key}
            )
        header = tuple(dict.fromkeys(k for r in rows for k in r))
        sheets.append(Sheet(name, key, header, tuple((i + 1, r) for i, r in enumerate(rows))))
    level = payload.get("level")
    return Contents("document", tuple(sheets), level if isinstance(level, str) else None)


def read_csv(text: str, origin: str, name: str, delimiter: str | None = None) -> Sheet:
    """A CSV text as a sheet; the delimiter (``,`` ``;`` or tab) is guessed from the
    header line unless given. Rows with every cell empty are skipped. A cell written
    formula-safe (``'=…``, ``''…``) is read without its prefix (:func:`csv_uncell`)."""
    first = text.split("\n", 1)[0]
    delimiter = delimiter or max(",;\t", key=first.count)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise InputError(
            _("%(origin)s: not a readable CSV file (%(error)s)") % {"origin": origin, "error": exc}
        ) from None
    if not records:
        raise InputError(
            _("%(origin)s: the file is empty (expected a header row)") % {"origin": origin}
        )
    # Undo the formula-safe prefix of Vigil's CSV writers (see the module docstring).
    records = [[csv_uncell(c) for c in record] for record in records]
    header = _header([c.strip() for c in records[0]], origin)
    rows = []
    for number, record in enumerate(records[1:], start=2):
        if not any(c.strip() for c in record):
            continue
        if len(record) > len(header) and any(c.strip() for c in record[len(header) :]):
            raise InputError(
                # English says "columns" even for 1 (as before); other languages use their forms.
                ngettext(
                    "%(origin)s: row %(number)s has %(cells)d cells but the header has "
                    "%(n)d columns",
                    "%(origin)s: row %(number)s has %(cells)d cells but the header has "
                    "%(n)d columns",
                    len(header),
                )
                % {"origin": origin, "number": number, "cells": len(record), "n": len(header)}
            )
        if len(record) < len(header) and any(header[len(record) :]):
            # A short row shifts nothing but loses its last cells: often a file cut off
            # in the middle of its last line. Reading it as empty cells would clear data.
            missing = next(h for h in header[len(record) :] if h)
            raise InputError(
                # English says "columns" even for 1 (as before); other languages use their forms.
                ngettext(
                    '%(origin)s: row %(number)s, column "%(missing)s": the row has %(cells)d '
                    "cells but the header has %(n)d columns (a truncated row?)",
                    '%(origin)s: row %(number)s, column "%(missing)s": the row has %(cells)d '
                    "cells but the header has %(n)d columns (a truncated row?)",
                    len(header),
                )
                % {
                    "origin": origin,
                    "number": number,
                    "missing": missing,
                    "cells": len(record),
                    "n": len(header),
                }
            )
        rows.append((number, {h: v for h, v in zip(header, record, strict=False) if h}))
    return Sheet(origin, name, tuple(h for h in header if h), tuple(rows))


def _header(cells: list[str], origin: str) -> list[str]:
    seen: set[str] = set()
    for cell in cells:
        if cell and cell in seen:
            raise InputError(
                _('%(origin)s: the column "%(cell)s" appears twice in the header')
                % {"origin": origin, "cell": cell}
            )
        seen.add(cell)
    return cells


_TITLE_LEVEL = re.compile(r"\((public|internal|restricted)\)")


def _xlsx(data: bytes, name: str, wanted: str | None) -> Contents:
    """Every sheet (or only ``wanted``) of a workbook, read-only; formulas as text."""
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise InputError(
            _("%(name)s: not a readable XLSX workbook (%(error)s)") % {"name": name, "error": exc}
        ) from None
    try:
        names = book.sheetnames
        if wanted is not None and wanted not in names:
            raise InputError(
                _('%(name)s: no sheet "%(wanted)s" (sheets: %(names)s)')
                % {"name": name, "wanted": wanted, "names": ", ".join(names)}
            )
        sheets = tuple(
            _xlsx_sheet(book[s], f"{name} [{s}]", s) for s in names if wanted in (None, s)
        )
        match = _TITLE_LEVEL.search(book.properties.title or "")
    finally:
        book.close()
    return Contents("xlsx", sheets, match.group(1) if match else None)


def _xlsx_sheet(sheet: Any, origin: str, name: str) -> Sheet:
    rows: list[Row] = []
    header: list[str] = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number > MAX_ROWS + 1:
            raise InputError(
                _("%(origin)s: more than %(n)s rows; split the workbook")
                % {"origin": origin, "n": i18n.integer(MAX_ROWS)}
            )
        if number == 1:
            header = _header([_cell_text(v) for v in values], origin)
            continue
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        rows.append((number, {h: v for h, v in zip(header, values, strict=False) if h}))
    return Sheet(origin, name, tuple(h for h in header if h), tuple(rows))


def _cell_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


# -- nested JSON -------------------------------------------------------------------

_STEP = re.compile(r"([^.\[\]]*)(\[\])?")


def records_at(payload: Any, path: str, name: str) -> Sheet:
    """The objects at ``path`` of a JSON document as rows, numbered from 1 in document
    order, with the fields of the objects that hold them.

    ``path`` is keys separated by dots, ``[]`` after a key (or alone, for a document
    that is a list) stepping into each item of a list: ``categories[].prisoners[]``.
    A record's own fields are its columns (a nested object's as ``detention.date``, a
    list of objects' as ``sources[].url``: a list of values, as is a list of text);
    each object on the way contributes its other fields under its path:
    ``categories[].title``, and the document's top object its text and number fields
    under ``$.``: ``$.published``. :attr:`Sheet.where` gives each row's place,
    ``categories[2].prisoners[5]`` (counting from 1)."""
    steps = _steps(path, name)
    rows: list[Row] = []
    where: dict[int, str] = {}
    top: dict[str, Any] = {}
    if isinstance(payload, dict):  # the document's own fields, such as its date
        top = {f"$.{k}": v for k, v in payload.items() if not isinstance(v, list | dict)}
    for record, inherited, place in _walk(payload, steps, 0, "", top, name, path):
        if not isinstance(record, dict):
            raise InputError(
                _("%(name)s: %(place)s is not an object (records = %(file)r)")
                % {"name": name, "place": place, "file": path}
            )
        number = len(rows) + 1
        rows.append((number, {**inherited, **_flatten(record, "")}))
        where[number] = place
    if not rows:
        raise InputError(_("%(name)s: no record at %(file)r") % {"name": name, "file": path})
    header = tuple(dict.fromkeys(k for _, r in rows for k in r))
    return Sheet(name, Path(name).stem, header, tuple(rows), where)


def _steps(path: str, name: str) -> list[tuple[str, bool]]:
    steps = []
    for part in path.split("."):
        match = _STEP.fullmatch(part)
        if match is None or not (match.group(1) or match.group(2)):
            raise InputError(
                _(
                    "%(name)s: records = %(file)r: expected keys and [] separated by "
                    'dots, such as "categories[].prisoners[]"'
                )
                % {"name": name, "file": path}
            )
        steps.append((match.group(1), bool(match.group(2))))
    if not steps[-1][1]:
        raise InputError(
            _("%(name)s: records = %(file)r must end in [] (a list of records)")
            % {"name": name, "file": path}
        )
    return steps


def _walk(
    node: Any,
    steps: list[tuple[str, bool]],
    i: int,
    place: str,
    inherited: dict[str, Any],
    name: str,
    path: str,
) -> Any:
    """Yield (record, fields of the objects above it, place) below ``node``."""
    if i == len(steps):
        yield node, inherited, place
        return
    key, many = steps[i]
    prefix = ".".join(f"{k}{'[]' if m else ''}" for k, m in steps[: i + 1])
    if key:
        if not isinstance(node, dict):
            if place:
                message = _("%(name)s: %(place)s is not an object with %(key)r")
            else:
                message = _("%(name)s: the document is not an object with %(key)r")
            raise InputError(message % {"name": name, "place": place, "key": key})
        if key not in node:
            return  # a group without this list holds no record
        node, place = node[key], f"{place}.{key}" if place else key
    if not many:
        yield from _walk(node, steps, i + 1, place, inherited, name, path)
        return
    if not isinstance(node, list):
        if place:
            message = _("%(name)s: %(place)s is not a list (records = %(records)r)")
        else:
            message = _("%(name)s: the document is not a list (records = %(records)r)")
        raise InputError(message % {"name": name, "place": place, "records": path})
    child = steps[i + 1][0] if i + 1 < len(steps) else None
    for n, item in enumerate(node, start=1):
        fields = dict(inherited)
        if child is not None and isinstance(item, dict):
            own = {k: v for k, v in item.items() if k != child}
            fields.update(_flatten(own, f"{prefix}."))
        yield from _walk(item, steps, i + 1, f"{place}[{n}]", fields, name, path)


def _flatten(record: dict[str, Any], prefix: str) -> dict[str, Any]:
    """A JSON object as columns: nested objects by dotted keys, lists of objects as
    lists of their fields' values (``sources[].url``)."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        column = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{column}."))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for item in value:
                for sub, v in _flatten(item, "").items():
                    out.setdefault(f"{column}[].{sub}", []).append(v)
        else:
            out[column] = value
    return out
