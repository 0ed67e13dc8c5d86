"""Rendering results for the terminal: tables (rich), CSV and JSON.

One place decides how a DataFrame or a record is shown, so every command formats
alike: dates as ISO, km² with two decimals in tables (full precision in CSV/JSON),
booleans as yes/no in tables.

It is also the one place that writes CSV safely for spreadsheets: every CSV Vigil
writes (the CLI, the JSON API, the registry's exports, the web's CSV downloads) goes
through :func:`csv_cell`, so a text cell such as ``=HYPERLINK(…)`` is never evaluated
as a formula when the file is opened in Excel or LibreOffice.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from vigil import i18n
from vigil.cli_options import OutputFormat  # defined beside the options that choose it
from vigil.errors import InputError, VigilError
from vigil.i18n import gettext as _
from vigil.i18n import pgettext

if TYPE_CHECKING:  # pandas costs over a second to import: only commands with frames pay it
    import pandas as pd
    from rich.progress import Progress


def console(stderr: bool = False) -> Console:
    """A console; when not a terminal, wide enough that tables never wrap. Markup is
    off: what is printed holds user data (names, notes, file names, queries), and rich
    would read "[b]" as bold and stop at "[/]" with an error. Style with Text objects
    (or ``markup=True`` and :func:`rich.markup.escape` on the data)."""
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else 200
    return Console(file=stream, width=width, soft_wrap=False, highlight=False, markup=False)


@contextmanager
def progress(quiet: bool = False) -> Iterator[Progress | None]:
    """A rich progress display on stderr (description, bar, n of N, the current item in
    the task field ``item``, time), or None when quiet or not on a terminal: every long
    command of Vigil shows its progress the same way."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[item]}"),
        TimeElapsedColumn(),
        console=console(stderr=True),
        transient=True,
    ) as bar:
        yield bar


def jsonable(value: Any) -> Any:
    """Dates to ISO strings, numpy scalars to Python, NaN/NaT to None."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    # A pandas or numpy value can only exist once its module was imported: look there
    # instead of importing them (this module stays cheap for commands without frames).
    pd, np = sys.modules.get("pandas"), sys.modules.get("numpy")
    if value is None or (pd is not None and (value is pd.NaT or value is pd.NA)):
        return None
    if pd is not None and isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if np is not None and isinstance(value, np.bool_):
        return bool(value)
    if np is not None and isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float) or (np is not None and isinstance(value, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, StrEnum):
        return str(value)
    return value


def cell(value: Any, column: str = "") -> str:
    """How one value looks in a table (numbers in the reader's format, except in
    English, which keeps the figures it always printed)."""
    value = jsonable(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return pgettext("table cell", "yes") if value else pgettext("table cell", "no")
    english = i18n.active() == "en"
    if isinstance(value, float):
        if column.endswith("_km2") or column in ("value", "larger_value"):
            return f"{value:,.2f}" if english else i18n.number(value, 2)
        if abs(value) >= 1000:
            return f"{value:,.1f}" if english else i18n.number(value, 1)
        text = f"{value:,.4g}"
        if english or "e" in text or "n" in text:  # 1e-05, inf, nan: as they are
            return text
        return i18n.number(value, len(text.partition(".")[2]))
    if isinstance(value, int):
        if abs(value) < 10000:
            return str(value)
        return f"{value:,}" if english else i18n.integer(value)
    return str(value)


# Column headers of the tables in the reader's language. The columns are named as in
# CSV and JSON (the data's own keys); an English table shows those names as they are,
# another language the label here (a column not listed keeps its name).
def _headers() -> dict[str, str]:
    """Column name → its label in the active language (built when asked: the labels
    are translated when a table is drawn, not when this module is imported)."""
    return {
        "field": pgettext("table column", "field"),
        "value": pgettext("table column", "value"),
        "date": pgettext("table column", "date"),
        "source": pgettext("table column", "source"),
        "kind": pgettext("table column", "kind"),
        "snapshot_date": pgettext("table column", "snapshot date"),
        "snapshot_from": pgettext("table column", "snapshot from"),
        "snapshot_to": pgettext("table column", "snapshot to"),
        "date_from": pgettext("table column", "from"),
        "date_to": pgettext("table column", "to"),
        "first": pgettext("table column", "first"),
        "last": pgettext("table column", "last"),
        "snapshots": pgettext("table column", "snapshots"),
        "gaps": pgettext("table column", "gaps"),
        "period_start": pgettext("table column", "period start"),
        "period_end": pgettext("table column", "period end"),
        "area_km2": pgettext("table column", "area (km²)"),
        "controlled_km2": pgettext("table column", "controlled (km²)"),
        "gained_km2": pgettext("table column", "gained (km²)"),
        "lost_km2": pgettext("table column", "lost (km²)"),
        "net_km2": pgettext("table column", "net (km²)"),
        "share_pct": pgettext("table column", "share (%)"),
        "direction": pgettext("table column", "direction"),
        "kept": pgettext("table column", "kept"),
        "redraw": pgettext("table column", "redraw"),
        "description": pgettext("table column", "description"),
        "hromada_name": pgettext("table column", "hromada"),
        "oblast": pgettext("table column", "oblast"),
        "name": pgettext("table column", "name"),
        "name_uk": pgettext("table column", "name (Ukrainian)"),
        "name_en": pgettext("table column", "name (English)"),
        "from_status": pgettext("table column", "status before"),
        "to_status": pgettext("table column", "status after"),
        "since": pgettext("table column", "since"),
        "status": pgettext("table column", "status"),
        "transitions": pgettext("table column", "changes"),
        "rank_in_year": pgettext("table column", "rank in the year"),
        "larger_value": pgettext("table column", "larger value"),
        "larger_before": pgettext("table column", "last larger"),
        "length_km": pgettext("table column", "length (km)"),
        "buffer_km": pgettext("table column", "buffer (km)"),
        "ref": pgettext("table column", "ref"),
        "table": pgettext("table column", "table"),
        "row": pgettext("table column", "row"),
        "column": pgettext("table column", "column"),
        "outcome": pgettext("table column", "outcome"),
        "problem": pgettext("table column", "problem"),
        "create": pgettext("table column", "created"),
        "update": pgettext("table column", "updated"),
        "unchanged": pgettext("table column", "unchanged"),
        "reject": pgettext("table column", "rejected"),
        "at": pgettext("table column", "at"),
        "actor": pgettext("table column", "actor"),
        "action": pgettext("table column", "action"),
        "target": pgettext("table column", "target"),
        "detail": pgettext("table column", "detail"),
        "id": pgettext("table column", "id"),
        "created": pgettext("table column", "created"),
        "topic": pgettext("table column", "topic"),
        "title": pgettext("table column", "title"),
        "current": pgettext("table column", "current"),
        "corrects": pgettext("table column", "corrects"),
        "resolved": pgettext("table column", "resolved"),
        "started": pgettext("table column", "started"),
        "downloaded": pgettext("table column", "downloaded"),
        "ingested": pgettext("table column", "ingested"),
        "alerts": pgettext("table column", "alerts"),
        "seconds": pgettext("table column", "seconds"),
        "error": pgettext("table column", "error"),
        "change": pgettext("table column", "change"),
        "incidents": pgettext("table column", "incidents"),
        "detained": pgettext("table column", "detained"),
        "without_count": pgettext("table column", "without a count"),
        "month": pgettext("table column", "month"),
        "place": pgettext("table column", "place"),
    }


def header(column: str) -> str:
    """How a column is headed in a table: its name in English, else its label."""
    if i18n.active() == "en":
        return column
    return _headers().get(column, column)


def table(frame: pd.DataFrame, title: str | None = None, caption: str | None = None) -> Table:
    import pandas as pd

    columns = [str(c) for c in frame.columns]
    numeric = [
        pd.api.types.is_numeric_dtype(frame[c]) and frame[c].dtype != bool for c in frame.columns
    ]
    return rows_table(columns, frame.itertuples(index=False), numeric, title, caption)


def rows_table(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    numeric: Sequence[bool],
    title: str | None = None,
    caption: str | None = None,
) -> Table:
    """A rich table of ``rows``; a ``numeric`` column is right-aligned."""
    out = Table(title=title, caption=caption, caption_justify="left")
    for col, right in zip(columns, numeric, strict=True):
        out.add_column(header(col), justify="right" if right else "left")
    for row in rows:
        out.add_row(*(cell(v, c) for v, c in zip(row, columns, strict=True)))
    return out


def emit_frame(
    frame: pd.DataFrame,
    fmt: OutputFormat,
    *,
    title: str | None = None,
    caption: str | None = None,
    path: Path | None = None,
) -> None:
    """Print (or write to ``path``) a DataFrame as a table, CSV or JSON records."""
    if fmt is OutputFormat.TABLE and path is None:
        console().print(table(frame, title, caption))
        return
    if fmt is OutputFormat.CSV:
        text = frame_csv(frame)
    else:
        text = _json_records(fmt, frame.to_dict(orient="records"))
    write_text(text, path)


def emit_rows(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    fmt: OutputFormat,
    *,
    title: str | None = None,
    caption: str | None = None,
    path: Path | None = None,
) -> None:
    """As :func:`emit_frame`, for rows (dicts with ``columns``) that are not a DataFrame,
    with the same output: a command that needs no pandas does not import it. A column
    whose values are all numbers (not booleans) is right-aligned in a table."""
    if fmt is OutputFormat.TABLE and path is None:
        numeric = [
            all(isinstance(r[c], int | float) and not isinstance(r[c], bool) for r in rows)
            and bool(rows)
            for c in columns
        ]
        values = ([r[c] for c in columns] for r in rows)
        console().print(rows_table(columns, values, numeric, title, caption))
        return
    if fmt is OutputFormat.CSV:
        text = write_csv(list(columns), ([jsonable(r[c]) for c in columns] for r in rows))
    else:
        text = _json_records(fmt, [{c: r[c] for c in columns} for r in rows])
    write_text(text, path)


def _json_records(fmt: OutputFormat, records: Sequence[Mapping[Any, Any]]) -> str:
    if fmt is not OutputFormat.JSON:
        raise InputError(_("a file is written as csv or json, not as a table"), param="output")
    return json.dumps(jsonable(records), indent=2, ensure_ascii=False) + "\n"


def emit_record(
    record: dict[str, Any], fmt: OutputFormat, *, title: str | None = None, path: Path | None = None
) -> None:
    """Print one record: a two-column table, a one-row CSV or a JSON object (as
    :func:`emit_frame` prints a one-row frame, without building one)."""
    if fmt is OutputFormat.JSON:
        write_text(json.dumps(jsonable(record), indent=2, ensure_ascii=False) + "\n", path)
    elif fmt is OutputFormat.CSV:
        write_text(
            write_csv([str(k) for k in record], [[jsonable(v) for v in record.values()]]), path
        )
    else:  # as before: a table goes to the terminal, whatever ``path`` says
        out = Table(title=title, caption=None, caption_justify="left")
        out.add_column(header("field"), justify="left")  # text columns, as table() sets them
        out.add_column(header("value"), justify="left")
        for k, v in record.items():
            out.add_row(str(k), cell(v, k))
        console().print(out)


# -- CSV safe for spreadsheets ------------------------------------------------------------

# OWASP's "CSV injection" advice: a spreadsheet reads a cell starting with one of these
# as a formula (or, for tab and carriage return, may drop them and read what follows).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# What csv_cell prefixes: the above, and a quote itself, so that csv_uncell can tell
# Vigil's prefix from a quote that was part of the text (the round trip is exact).
_PREFIXED = (*FORMULA_START, "'")


def csv_cell(value: Any) -> Any:
    """``value`` made safe for a CSV cell: a ``str`` starting with ``=``, ``+``, ``-``,
    ``@``, a tab, a carriage return or ``'`` gets a ``'`` in front (``=1+1`` is written
    ``'=1+1``, ``'abc`` is written ``''abc``); anything else, numbers included (``-5``
    stays a number), is returned unchanged. :func:`csv_uncell` reverses it."""
    if isinstance(value, str) and value.startswith(_PREFIXED):
        return "'" + value
    return value


def csv_uncell(text: str) -> str:
    """The inverse of :func:`csv_cell` for a cell read from a CSV file: one leading
    ``'`` is dropped when a character :func:`csv_cell` prefixes follows it (``'=1+1``
    is ``=1+1``, ``''abc`` is ``'abc``); any other text (``'abc``) is kept as it is."""
    if len(text) > 1 and text[0] == "'" and text[1] in _PREFIXED:
        return text[1:]
    return text


def csv_row(values: Iterable[Any]) -> list[Any]:
    """:func:`csv_cell` of each value: a row for a ``csv.writer`` (also a streaming one)."""
    return [csv_cell(v) for v in values]


class _Echo:
    """A file whose ``write`` returns the text: ``csv.writer(...).writerow`` gives a line."""

    def write(self, text: str) -> str:
        return text


def csv_lines(
    header: Sequence[Any], rows: Iterable[Sequence[Any]], *, lineterminator: str = "\n"
) -> Iterator[str]:
    """The lines of :func:`write_csv`, one at a time (for a streaming response)."""
    # csv quotes a field that holds a character of its line terminator; with "\r\n" that
    # is any CR or LF (with "\n" alone, Python 3.11 leaves a bare CR unquoted, and every
    # reader ends the row there: "\r=1" would become a row starting "=1"). Each line's
    # "\r\n" is then swapped for ``lineterminator``.
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield writer.writerow(csv_row(header))[:-2] + lineterminator
    for row in rows:
        yield writer.writerow(csv_row(row))[:-2] + lineterminator


def write_csv(
    header: Sequence[Any], rows: Iterable[Sequence[Any]], *, lineterminator: str = "\n"
) -> str:
    """A header and rows as CSV text, every cell (header included) through
    :func:`csv_cell`, so no text cell can start a formula. ``None`` is an empty cell;
    numbers are written as numbers; a field holding a CR or LF is quoted."""
    return "".join(csv_lines(header, rows, lineterminator=lineterminator))


def frame_csv(frame: pd.DataFrame, *, lineterminator: str = "\n") -> str:
    """A DataFrame as CSV the way the CLI writes it (ISO dates, full precision, NaN as
    an empty cell, no index) through :func:`write_csv`: column names included, since a
    column can be named after user data (an organisation in the stats by group)."""
    rows = ([jsonable(v) for v in row] for row in frame.itertuples(index=False, name=None))
    return write_csv([str(c) for c in frame.columns], rows, lineterminator=lineterminator)


def write_text(text: str, path: Path | None) -> None:
    if path is None:
        sys.stdout.write(text)
        return
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        # Translators: %(reason)s is the system's reason (No such file or directory)
        raise VigilError(
            _("%(path)s: cannot write (%(reason)s)") % {"path": path, "reason": exc.strerror}
        ) from None
