"""Rendering results for the terminal: tables (rich), CSV and JSON.

One place decides how a DataFrame or a record is shown, so every command formats
alike: dates as ISO, km² with two decimals in tables (full precision in CSV/JSON),
booleans as yes/no in tables.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from vigil.errors import VigilError


class OutputFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


def output_format(value: str) -> OutputFormat:
    """``--format`` checked: table, csv or json (one plain error line otherwise)."""
    try:
        return OutputFormat(value.lower())
    except ValueError:
        raise VigilError(f"--format: expected table, csv or json, got {value!r}") from None


def console(stderr: bool = False) -> Console:
    """A console; when not a terminal, wide enough that tables never wrap."""
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else 200
    return Console(file=stream, width=width, soft_wrap=False, highlight=False)


def jsonable(value: Any) -> Any:
    """Dates to ISO strings, numpy scalars to Python, NaN/NaT to None."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        return None if math.isnan(value) else float(value)
    if isinstance(value, StrEnum):
        return str(value)
    return value


def cell(value: Any, column: str = "") -> str:
    """How one value looks in a table."""
    value = jsonable(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if column.endswith("_km2") or column in ("value", "larger_value"):
            return f"{value:,.2f}"
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10000 else str(value)
    return str(value)


def table(frame: pd.DataFrame, title: str | None = None, caption: str | None = None) -> Table:
    out = Table(title=title, caption=caption, caption_justify="left")
    for col in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[col]) and frame[col].dtype != bool
        out.add_column(col, justify="right" if numeric else "left")
    for row in frame.itertuples(index=False):
        out.add_row(*(cell(v, c) for v, c in zip(row, frame.columns, strict=True)))
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
        text = frame.map(lambda v: jsonable(v)).to_csv(index=False)
    elif fmt is OutputFormat.JSON:
        text = json.dumps(jsonable(frame.to_dict(orient="records")), indent=2, ensure_ascii=False)
        text += "\n"
    else:
        raise VigilError("--output needs --format csv or json")
    write_text(text, path)


def emit_record(
    record: dict[str, Any], fmt: OutputFormat, *, title: str | None = None, path: Path | None = None
) -> None:
    """Print one record: a two-column table, a one-row CSV or a JSON object."""
    if fmt is OutputFormat.JSON:
        write_text(json.dumps(jsonable(record), indent=2, ensure_ascii=False) + "\n", path)
    elif fmt is OutputFormat.CSV:
        emit_frame(pd.DataFrame([record]), fmt, path=path)
    else:
        frame = pd.DataFrame(
            {"field": list(record), "value": [cell(v, k) for k, v in record.items()]}
        )
        console().print(table(frame, title))


def write_text(text: str, path: Path | None) -> None:
    if path is None:
        sys.stdout.write(text)
        return
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise VigilError(f"{path}: cannot write ({exc.strerror})") from None
