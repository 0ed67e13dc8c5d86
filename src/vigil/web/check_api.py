"""``/api/check``: a sentence about territory or political prisoners → verdicts.

Mounted by :mod:`vigil.web.urls` with ``api.add_router("", router)``, so the path is
``/api/check`` (no trailing slash, like every other operation of the API).

- ``POST /api/check`` with a JSON body ``{"text": …, "as_of": "YYYY-MM-DD", "source": …}``
  (``text`` required, 1 to 2,000 characters; the others optional): the page's
  interactive use, and any client whose sentence is too long for an address;
- ``GET /api/check?text=…&as_of=…&source=…``: the same answer for the same question.
  Kept beside the POST because every other endpoint of the API is a GET: a check can
  be cited as an address (``curl``, a spreadsheet's WEBSERVICE, a link in an article),
  shared caches may keep it (``public, max-age=60`` for the public), and a conditional
  request gets a 304 (ETag from the body, by Django's ConditionalGetMiddleware). It
  changes nothing, so it is safe as a GET.

The answer is :func:`vigil.claims.render.report_record`, the one shape of a report (the
CLI's ``vigil check --format json``), declared field by field in :class:`CheckOut`;
``?format=csv`` gives the rows of ``vigil check --file`` (:data:`~vigil.claims.render.
CSV_COLUMNS`, one row per claim). ``<``, ``>`` and ``&`` in the JSON are written as
``\\u003c`` … (the text echoes what the client sent). Errors are the site's one body
(:mod:`vigil.web.errors`): 400 for an empty or too long ``text`` or a bad ``as_of``
(naming the field), 404 for a ``source`` the store does not hold, 503 when a claim
about territory needs the store and there is none.

**Who reads the registry.** Names in the sentence are matched, and case claims ruled,
at the level of the request's reader (:func:`vigil.web.cases_views.reader_level`, the
same actor as every registry page and the cases API): the public for anyone not signed
in; a signed-in team member sees what their role allows, and the site's middleware then
makes the answer ``private, no-store``.

**One Checker per thread.** A :class:`~vigil.claims.Checker` keeps the gazetteer and the
figures it computed between sentences, so a second check is warm. The site runs on
waitress threads, and each thread already has its own handle on the store
(:func:`vigil.web.territory.store`: one SQLite connection per thread); each thread gets
its own Checker around that handle (:func:`checker`), keyed by the store's path, its
content version and the source. No lock: a Checker's caches are plain dictionaries
filled lazily, and the reader (``Checker.who``) is set per request, both safe only
without sharing; a lock would also make every check wait for a slow one. The price is
one warm-up (and one gazetteer in memory) per thread. A new ingest changes the content
version, and the next check in each thread builds a new Checker.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any

import pydantic
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.errors import ValidationError
from pydantic import Field

from vigil.claims import Checker
from vigil.claims.model import Label, Lang, Report
from vigil.claims.render import CSV_COLUMNS, csv_rows, report_record
from vigil.dates import parse_optional_date
from vigil.errors import InputError, StoreError
from vigil.i18n import gettext as _
from vigil.i18n import integer
from vigil.web import render, territory
from vigil.web.api import WITH_CSV, FormatQuery, date_param, param, responses

router = Router(tags=["check"])

#: The longest text one check takes, in characters (a paragraph: claims are checked a
#: sentence or a few at a time; the limit bounds the work of one request).
MAX_CHARS = 2000

#: The largest body ``POST /api/check`` reads, in bytes: 2,000 characters written as JSON
#: escapes (``\u0430``, 6 bytes each) and the other fields fit many times over.
MAX_BODY = 64 * 1024

TEXT = (
    "The sentence to check (a few at most): 1 to 2,000 characters, in English, Russian, "
    "Ukrainian or Azerbaijani."
)
AS_OF = (
    "The day relative dates ('last week', 'on 2 December') are read against; default: "
    "a publication date in the text, else today."
)
SOURCE = "The territory source to rule on (default: the store's default, deepstate when joined)."


def _text_schema(out: dict[str, Any]) -> None:
    out.pop("anyOf", None)
    out.update(type="string", minLength=1, maxLength=MAX_CHARS)


# -- what the endpoint reads --------------------------------------------------------------
class CheckIn(Schema):
    """The body of ``POST /api/check``."""

    text: str = Field(..., description=TEXT, json_schema_extra=_text_schema)
    as_of: str | None = date_param(AS_OF)
    source: str | None = param(None, SOURCE)


class CheckQuery(FormatQuery):
    """The query of ``GET /api/check`` (and ``format`` for both)."""

    text: str = Field(..., description=TEXT, json_schema_extra=_text_schema)
    as_of: str | None = date_param(AS_OF)
    source: str | None = param(None, SOURCE)


# -- what it answers (vigil.claims.render.report_record, field by field) -----------------
class SpanOut(Schema):
    """Characters ``text[start:end]`` of the text as sent (code points, not bytes)."""

    start: int
    end: int
    text: str


class ClaimOut(Schema):
    """The claim as parsed (vigil.claims.model.TerritoryClaim or CaseClaim): ``kind``
    says which; its other fields are the dataclass's (actor, measure, quantity, period,
    comparison, place for territory; type, matches, quantities, date, period for a
    case), with dates as YYYY-MM-DD."""

    kind: str = Field(description="territory or case.")
    span: SpanOut = Field(description="The words the claim rests on, first to last.")


class ToleranceOut(Schema):
    """The true values under which the claim's figure holds."""

    low: float | None
    high: float | None
    why: str = Field(description="In words: \"'200' is written to the hundred: 150 ≤ x < 250\".")
    low_open: bool
    high_open: bool


class FigureOut(Schema):
    """One reading's figure: km² for territory claims, people or names for the registry."""

    reading: str
    value: float | None
    holds: bool | None = Field(description="Whether the claim's tolerance holds for value.")
    data: dict[str, Any] = Field(description="The data used: source, snapshots, registry keys.")
    comparison: str | None
    comparison_holds: bool | None


class VerdictOut(Schema):
    claim: ClaimOut
    label: Label
    summary: str = Field(description="The ruling in one sentence.")
    tolerance: ToleranceOut | None
    figures: list[FigureOut] = Field(description="The reading ruled on first, then the others.")
    caveats: list[str]
    needed: str | None = Field(description="When it cannot be checked: the data that would decide.")
    evidence: str | None = Field(
        description="A path on this site that shows the evidence (the map, a registry page)."
    )


class CheckOut(Schema):
    """A report: the text, its language, the day dates were read against (and why that
    day), one verdict per claim, and a message when there is no claim to check."""

    text: str
    lang: Lang
    anchor: str = Field(description="YYYY-MM-DD.", json_schema_extra={"format": "date"})
    anchor_basis: str = Field(description='"--as-of", "publication date in the text" or "today".')
    verdicts: list[VerdictOut]
    unparsed: list[str] = Field(description="Numbers that look like claims but were not read.")
    message: str | None


# -- the Checker of this thread ----------------------------------------------------------
_local = threading.local()


def checker(source: str | None = None) -> Checker:
    """This thread's :class:`~vigil.claims.Checker` for the configured store
    (``settings.VIGIL_STORE``) and ``source``, built around the thread's store handle.

    Without a store a fresh Checker is made for each call (it opens the store when a
    claim needs it, which then answers 503; a sentence about the registry needs none),
    so that a store that appears later is used at once. A ``source`` the store does not
    hold is refused here (404 naming ``source``), before any Checker is kept for it.
    """
    try:
        handle = territory.store()
        tag = territory.version().tag
    except StoreError:
        return Checker(Path(settings.VIGIL_STORE), source=source)
    if source is not None:
        handle.resolve_source(source)  # NoDataError (param="source") when not held
    key = (str(settings.VIGIL_STORE), tag, source)
    kept: dict[tuple[str, str, str | None], Checker] | None = getattr(_local, "checkers", None)
    if kept is None or any(k[:2] != key[:2] for k in kept):
        kept = {}  # another store or a new version: what was computed is stale
        _local.checkers = kept
    found = kept.get(key)
    if found is None:
        found = kept[key] = Checker(handle, source=source)
    return found


def reader(request: HttpRequest) -> Any:
    """The actor the registry is read as: the request's (public when not signed in)."""
    from vigil.web.cases_views import reader_level

    return reader_level(request)


def checked_text(text: str) -> str:
    """``text`` as sent (spans are offsets into it, so it is not trimmed), at most
    :data:`MAX_CHARS` characters; an empty or blank text is refused by the Checker."""
    if len(text) > MAX_CHARS:
        raise InputError(
            _("expected at most %(max)s characters, got %(n)s")
            % {"max": integer(MAX_CHARS), "n": integer(len(text))},
            param="text",
        )
    return text


def run_check(
    request: HttpRequest, text: str, as_of: str | None = None, source: str | None = None
) -> Report:
    """Check ``text`` as the request's reader: the one path of the API and the page.

    ``as_of``: YYYY-MM-DD or blank (InputError naming ``as_of`` otherwise); ``source``:
    a source the store holds, or blank for its default."""
    text = checked_text(text)
    day: dt.date | None = parse_optional_date(as_of, "as_of")
    check = checker(source or None)
    check.who = reader(request)  # this thread's Checker: no other request sees it
    return check.check(text, day)


def csv_records(report: Report) -> list[dict[str, Any]]:
    """The report as the rows of ``vigil check --file`` (one per claim), as records."""
    return [dict(zip(CSV_COLUMNS, row, strict=True)) for row in csv_rows("1", report)]


def _respond(request: HttpRequest, report: Report, fmt: str | None) -> HttpResponse:
    as_csv = render.wants_csv(request, fmt)
    data = csv_records(report) if as_csv else report_record(report)
    content, content_type = render.body(data, as_csv, escape_markup=True)
    response = HttpResponse(content, content_type=content_type)
    response["Vary"] = "Accept, Cookie"  # the reader's level depends on the session
    return response


# -- the operations --------------------------------------------------------------------
SUMMARY = "Check a sentence: its claims about territory or the registry, each with a verdict"


def _body(request: HttpRequest) -> CheckIn:
    """The JSON body, read here rather than by django-ninja: its refusal of a body that
    is not JSON is not the site's error body. A field that does not validate is
    django-ninja's ValidationError, which the API answers with the site's body naming
    the field (vigil.web.errors.install)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:  # refused before reading it
        raise InputError(
            _("expected a body of at most %(max)s KiB, got %(n)s bytes")
            % {"max": MAX_BODY // 1024, "n": integer(length)}
        )
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        # Translators: {"text": "…"} is JSON to send as it is; keep it.
        raise InputError(_('expected a JSON object as the body: {"text": "…"}'))
    try:
        return CheckIn.model_validate(data)
    except pydantic.ValidationError as exc:
        # ninja's ValidationError takes pydantic's error details as plain dicts
        raise ValidationError([dict(e) for e in exc.errors()]) from None


#: The body in the OpenAPI document, declared by hand (django-ninja declares only a body
#: it reads itself).
BODY = {
    "content": {"application/json": {"schema": CheckIn.model_json_schema()}},
    "required": True,
}


@router.post(
    "/check",
    summary=SUMMARY,
    response=responses(CheckOut, 503),
    openapi_extra={**WITH_CSV, "requestBody": BODY},
    url_name="check",
)
def check_post(request: HttpRequest, params: Query[FormatQuery]) -> HttpResponse:
    payload = _body(request)
    report = run_check(request, payload.text, payload.as_of, payload.source)
    response = _respond(request, report, params.fmt)
    response["Cache-Control"] = "no-store"
    return response


@router.get(
    "/check",
    summary=SUMMARY + " (as an address)",
    response=responses(CheckOut, 503),
    openapi_extra=WITH_CSV,
    url_name="check",
)
def check_get(request: HttpRequest, params: Query[CheckQuery]) -> HttpResponse:
    report = run_check(request, params.text, params.as_of, params.source)
    response = _respond(request, report, params.fmt)
    # for the public only: the site's middleware makes a signed-in reader's private
    response["Cache-Control"] = "public, max-age=60"
    return response
