"""The web's one error body and one status mapping, for both API routers and for the
pages' data files (charts, CSV downloads).

Every error the site answers in JSON has one shape::

    {"error": {"parameter": "from", "message": "from: expected a date as YYYY-MM-DD, …"}}

``parameter`` is the query (or path) parameter the error is about, or ``null``; the
message then starts with that name. A :class:`~vigil.errors.VigilError` carries the
*library* parameter (``date_from``); :data:`QUERY_NAMES` turns it into the query
parameter (``from``), as the CLI turns it into a flag (``--from``).

The status follows the error's class (:func:`status`), the first match in this order:

==============================  ======  ==========================================
``NotFound``                     404    no such record, or one the reader may not see
``InputError``                   400    a parameter is not what was expected
``NoDataError``                  404    the data hold nothing that answers (e.g. a date
                                        before the first snapshot)
``StoreError``                   503    no store, or one that cannot be read: the site
                                        is not ready (as the HTML pages say)
``Forbidden``                    403    the reader's role does not allow it
``FetchError``                   502    a download the server made failed
any other ``VigilError``         400    a request the library refused
==============================  ======  ==========================================

The HTML pages keep their own error pages (a page with the message, 400; the
"unavailable" page, 503); their data files (``.csv``, ``.png``) answer this body.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Schema

from vigil.errors import (
    FetchError,
    Forbidden,
    InputError,
    NoDataError,
    NotFound,
    StoreError,
    VigilError,
)
from vigil.i18n import gettext as _
from vigil.i18n import pgettext

#: Library parameter → the query parameter that carries it (the rest keep their name).
QUERY_NAMES = {"date_from": "from", "date_to": "to", "with_grey": "grey"}

#: Error class → HTTP status; the first class the error is an instance of wins.
STATUSES: tuple[tuple[type[VigilError], int], ...] = (
    (NotFound, 404),
    (InputError, 400),
    (NoDataError, 404),
    (StoreError, 503),
    (Forbidden, 403),
    (FetchError, 502),
    (VigilError, 400),
)


class ErrorDetail(Schema):
    parameter: str | None = None
    message: str


class ErrorOut(Schema):
    """The one error body of the site's JSON: ``{"error": {"parameter", "message"}}``."""

    error: ErrorDetail


#: The responses every API operation declares besides its 200.
ERRORS: dict[int, Any] = {400: ErrorOut, 404: ErrorOut, 503: ErrorOut}


def status(exc: VigilError) -> int:
    """The HTTP status of a VigilError (see the table above)."""
    return next(code for cls, code in STATUSES if isinstance(exc, cls))


def query_name(param: str | None) -> str | None:
    """The query parameter that carries the library parameter ``param``."""
    return None if param is None else QUERY_NAMES.get(param, param)


def one_line(text: str) -> str:
    return " ".join(text.split())


def body(parameter: str | None, message: str) -> dict[str, Any]:
    return {"error": {"parameter": parameter, "message": message}}


def error_response(status_code: int, parameter: str | None, message: str) -> HttpResponse:
    """The one error body, as a response (JSON, UTF-8 text as is)."""
    text = json.dumps(body(parameter, one_line(message)), ensure_ascii=False)
    return HttpResponse(text, status=status_code, content_type="application/json")


def vigil_error_response(exc: VigilError) -> HttpResponse:
    """A VigilError as the one error body, its parameter named as in the query."""
    name = query_name(exc.param)
    message = exc.named(name) if name is not None else str(exc)
    return error_response(status(exc), name, message)


def validation_error_response(errors: list[dict[str, Any]]) -> HttpResponse:
    """django-ninja's validation errors (a missing or mistyped parameter) as the one
    body, naming the first parameter concerned: 400."""
    first = errors[0] if errors else {}
    location = [str(p) for p in first.get("loc", ()) if p not in ("query", "path", "body")]
    parameter = location[-1] if location else None
    # Translators: a query parameter was not given.
    required = pgettext("parameter", "required")
    detail = required if first.get("type") == "missing" else first.get("msg") or _("invalid value")
    return error_response(400, parameter, f"{parameter}: {detail}")


def install(api: Any) -> None:
    """Answer every VigilError and validation error of ``api`` with the one body."""
    from ninja.errors import ValidationError

    def on_vigil_error(request: HttpRequest, exc: VigilError) -> HttpResponse:
        return vigil_error_response(exc)

    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return validation_error_response(list(exc.errors))

    api.add_exception_handler(VigilError, on_vigil_error)
    api.add_exception_handler(ValidationError, on_validation_error)
