"""The web's one renderer of data: JSON or CSV, chosen by ``?format=json|csv`` or
``Accept: text/csv``; used by both API routers and by the pages' CSV downloads.

Every CSV goes through :func:`vigil.output.write_csv` (cells that could start a
spreadsheet formula get a ``'`` in front: :func:`vigil.output.csv_cell`), as the CLI's.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

import pandas as pd
from django.http import HttpRequest, HttpResponse

from vigil.errors import InputError
from vigil.i18n import gettext as _
from vigil.output import frame_csv, jsonable, write_csv

CSV_TYPE = "text/csv; charset=utf-8"
JSON_TYPE = "application/json"


class Format(StrEnum):
    """What a data endpoint answers: ``json`` (the default) or ``csv``."""

    JSON = "json"
    CSV = "csv"


#: How the API declares ``format`` (an enum in the OpenAPI document; the value is
#: checked here, case-insensitively, so the error is the site's one body).
FORMAT_DESCRIPTION = "json (the default) or csv; Accept: text/csv also gives CSV."
FORMAT_SCHEMA = {"enum": [f.value for f in Format]}

#: The OpenAPI response of an endpoint that offers CSV besides JSON.
CSV_CONTENT = {CSV_TYPE.split(";")[0]: {"schema": {"type": "string"}}}


def wants_csv(request: HttpRequest, fmt: str | None) -> bool:
    """Whether to answer CSV: ``fmt`` (the ``format`` parameter) says csv, or it is
    not given and the client accepts ``text/csv``."""
    value = (fmt or "").lower()
    if value and value not in tuple(Format):
        raise InputError(
            _("expected json or csv, got %(value)s") % {"value": repr(value)}, param="format"
        )
    return value == Format.CSV or (not value and "text/csv" in request.headers.get("Accept", ""))


def rows_csv(rows: list[dict[str, Any]]) -> str:
    """Records as CSV: the columns in order of first appearance, nested objects left
    out (a geometry, a chain of hearings), formula-safe."""
    if not rows:
        return ""
    columns = list(dict.fromkeys(k for r in rows for k in r if not isinstance(r[k], dict)))
    return write_csv(columns, ([r.get(c) for c in columns] for r in rows))


def table_csv(frame: pd.DataFrame) -> str:
    """A DataFrame as CSV the way the CLI writes it (ISO dates, full precision, NaN as
    an empty cell, formula-safe): :func:`vigil.output.frame_csv`."""
    return frame_csv(frame)


def json_text(data: Any, *, escape_markup: bool = False) -> str:
    """Compact JSON, UTF-8 text as is; ``escape_markup`` writes ``<``, ``>`` and ``&``
    as ``\\u003c`` … so that no answer carries markup, whatever a name holds."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if escape_markup:
        text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text


def body(data: Any, as_csv: bool, *, escape_markup: bool = False) -> tuple[bytes, str]:
    """``data`` (records or one record; made JSON-able) as CSV or JSON bytes, with
    their content type."""
    data = jsonable(data)
    if as_csv:
        return rows_csv(data if isinstance(data, list) else [data]).encode("utf-8"), CSV_TYPE
    return json_text(data, escape_markup=escape_markup).encode("utf-8"), JSON_TYPE


def respond(
    request: HttpRequest, data: Any, fmt: str | None, *, escape_markup: bool = False
) -> HttpResponse:
    """``data`` as the response the request asks for (JSON or CSV)."""
    content, content_type = body(data, wants_csv(request, fmt), escape_markup=escape_markup)
    return HttpResponse(content, content_type=content_type)


def csv_download(text: str, filename: str, *, inline: bool = False) -> HttpResponse:
    """A CSV file for download (``attachment``, or ``inline`` to show in the browser)."""
    response = HttpResponse(text, content_type=CSV_TYPE)
    kind = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{kind}; filename="{filename}"'
    return response
