"""The JSON API (django-ninja; OpenAPI at /api/docs): read-only territory figures.

Field names are those of the CLI's JSON output. Every endpoint answers JSON, or CSV
with ``?format=csv`` or ``Accept: text/csv`` (:mod:`vigil.web.render`). Every query
parameter an endpoint reads is declared in its query schema, so the OpenAPI document is
the whole contract (tests/web/test_openapi.py checks it). Errors are the site's one
body, ``{"error": {"parameter": …, "message": …}}``, with the status of
:mod:`vigil.web.errors`: 400 for a bad parameter, 404 for data that do not exist,
503 when there is no store; never a 500 for a user's mistake. Responses carry an ETag
and Last-Modified derived from the store's content version and are cached in memory
until the store changes (a conditional request gets a 304).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable
from typing import Any, cast

import pandas as pd
import shapely
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render as django_render
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from ninja import NinjaAPI, Query, Router, Schema
from ninja.openapi.docs import Swagger
from pydantic import Field
from shapely.geometry import mapping

from vigil import __version__
from vigil import periods as P
from vigil.dates import parse_date, parse_optional_date
from vigil.errors import InputError, NoDataError
from vigil.i18n import gettext as _
from vigil.territory import series as series_mod
from vigil.territory.api import change_frame
from vigil.territory.results import Change
from vigil.web import cache as web_cache
from vigil.web import errors, render, territory


class SiteSwagger(Swagger):
    """/api/docs inside the site's own page (web/api_docs.html: language, viewport, skip
    link, header, footer) instead of django-ninja's bare one; deep links off, as they
    nest a link inside each operation's button (axe-core: nested-interactive)."""

    template = "web/api_docs.html"

    def __init__(self) -> None:
        super().__init__(settings={"deepLinking": False})

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        context = {"swagger_settings": json.dumps(settings), "section": "api"}
        return django_render(request, self.template, context)


api = NinjaAPI(
    docs=SiteSwagger(),
    title="Vigil API",
    version=__version__,
    description="Read-only figures from Vigil's territory store and the cases registry. "
    "Field names as in the CLI's JSON output; add ?format=csv (or send Accept: text/csv) "
    'for CSV. Every error is {"error": {"parameter": …, "message": …}}.',
    urls_namespace="api",
    # GET and HEAD only, the documentation pages too (every endpoint is a GET)
    docs_decorator=require_safe,
)
errors.install(api)
router = Router(tags=["territory"])

LEVELS = ("oblast", "raion", "hromada")
METRICS = ("gained", "lost", "net")


# -- how parameters and answers are declared (shared with vigil.web.cases_api) ----------
def param(
    default: Any = None,
    description: str = "",
    *,
    alias: str | None = None,
    kind: str = "string",
    fmt: str | None = None,
    enum: tuple[str, ...] | None = None,
) -> Any:
    """A query parameter as OpenAPI shows it: one plain type (``kind``: string, number,
    integer, boolean), optionally a ``format`` (date) or an ``enum``. Values are checked
    by the view, so its errors are the site's (``date: expected a date as YYYY-MM-DD …``)."""

    def schema(out: dict[str, Any]) -> None:
        out.pop("anyOf", None)
        out["type"] = kind
        if fmt:
            out["format"] = fmt
        if enum:
            out["enum"] = list(enum)

    return Field(default, alias=alias, description=description, json_schema_extra=schema)


def date_param(description: str, *, alias: str | None = None, required: bool = False) -> Any:
    return param(... if required else None, description, alias=alias, fmt="date")


class FormatQuery(Schema):
    """``format``: every data endpoint answers JSON or CSV."""

    fmt: str | None = param(
        None, render.FORMAT_DESCRIPTION, alias="format", enum=tuple(render.Format)
    )


def responses(out: Any, *codes: int) -> dict[int, Any]:
    """The responses an operation declares: ``out`` on 200, the error body on 400 and
    404 (and on ``codes``)."""
    return {200: out, 400: errors.ErrorOut, 404: errors.ErrorOut} | {
        code: errors.ErrorOut for code in codes
    }


#: The CSV variant of a 200 answer, in the OpenAPI document.
WITH_CSV = {"responses": {200: {"content": render.CSV_CONTENT}}}


def _key_part(value: Any) -> Any:
    return value.model_dump() if isinstance(value, Schema) else value


def cached(fn: Callable[..., Any]) -> Callable[..., HttpResponse]:
    """Serve ``fn``'s JSON-able result as JSON or CSV, cached per store version and
    request (path, the declared parameters, format), with ETag and Last-Modified."""

    @functools.wraps(fn)
    def view(request: HttpRequest, params: FormatQuery, **kwargs: Any) -> HttpResponse:
        as_csv = render.wants_csv(request, params.fmt)
        version = territory.version()
        asked = sorted((k, _key_part(v)) for k, v in {"params": params, **kwargs}.items())
        key = web_cache.key("api", (version.tag, request.path, asked, as_csv))
        body, content_type = web_cache.memo(
            key, lambda: render.body(fn(request, params, **kwargs), as_csv)
        )
        response = HttpResponse(body, content_type=content_type)
        response["ETag"] = f'"{key.split(":", 1)[1][:24]}"'
        response["Last-Modified"] = http_date(version.modified.timestamp())
        response["Cache-Control"] = "public, max-age=60"
        response["Vary"] = "Accept"
        return response

    return view


# -- parameters -----------------------------------------------------------------------
def _in_data(day: dt.date, param: str) -> dt.date:
    """404 when ``day`` is before the first snapshot (nothing stands for it)."""
    dates = territory.store().dates()
    if not dates:
        raise NoDataError(_("the territory store holds no snapshot"))
    if day < dates[0]:
        # Translators: both are ISO dates (2026-12-02).
        raise NoDataError(
            _("%(day)s is before the first snapshot (%(first)s)") % {"day": day, "first": dates[0]},
            param=param,
        )
    return day


def _ordered(a: dt.date, b: dt.date) -> None:
    """The API's check that ``to`` is not before ``from`` (the error names ``to``)."""
    if b < a:
        # Translators: "from" is the name of a query parameter; both are ISO dates.
        raise InputError(
            _("%(to)s is before from (%(from)s)") % {"to": b, "from": a}, param="date_to"
        )


def _one_of(value: str, param: str, allowed: tuple[str, ...], expected: str) -> str:
    if value not in allowed:
        raise InputError(
            _("expected %(expected)s, got %(value)r") % {"expected": expected, "value": value},
            param=param,
        )
    return value


def _simplify(value: float | None) -> float:
    if value is None:
        return 0.0
    if not 0 <= value <= 0.1:
        raise InputError(_("expected degrees between 0 and 0.1"), param="simplify")
    return value


def _has_regions() -> None:
    if not territory.store().has_geography():
        # Translators: the command stays as it is.
        raise NoDataError(
            _("no regions in this store (vigil territory geography import)"), param="level"
        )


def _geometry(geom: Any, tolerance: float) -> dict[str, Any]:
    if tolerance:
        geom = shapely.simplify(geom, tolerance, preserve_topology=True)
    return mapping(shapely.set_precision(geom, 1e-6) if tolerance else geom)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    # the stubs key records by Hashable; these frames' column names are all str
    return cast("list[dict[str, Any]]", frame.to_dict(orient="records"))


# -- what the endpoints answer -----------------------------------------------------------
class SnapshotsOut(Schema):
    source: str
    kind: str
    first: str | None
    last: str | None
    snapshots: int
    missing_days: int
    gaps: str
    repaired: int
    last_area_km2: float | None
    dates: list[str] = Field(description="Every snapshot date (YYYY-MM-DD), ascending.")


class AreaOut(Schema):
    source: str
    date: str
    snapshot_date: str
    gap: bool
    controlled_km2: float
    grey_km2: float | None
    with_grey: bool
    area_km2: float = Field(description="Geodesic km² (WGS84) of the area held.")
    geometry: dict[str, Any] | None = Field(None, description="GeoJSON, with geometry=true.")


class FragmentOut(Schema):
    """One connected piece of the gained or lost area, placed as
    :func:`vigil.territory.locate.describe` places it (the CLI and the brief too)."""

    direction: str = Field(description="gained or lost.")
    area_km2: float = Field(description="Geodesic km² (WGS84).")
    redraw: str | None = Field(
        None, description="Why the fragment is a redraw, not a change ('' when it is not)."
    )
    description: str | None = Field(
        None, description="One line: '+44.8 km² 5 km NNW of Prechystivka, Volnovakha Raion, …'."
    )
    oblast: str | None = None
    oblast_name: str | None = None
    raion: str | None = None
    raion_name: str | None = None
    hromada: str | None = None
    hromada_name: str | None = None
    place: str | None = Field(None, description="The nearest located settlement.")
    place_uk: str | None = None
    place_code: str | None = None
    distance_km: float | None = Field(None, description="From the place, geodesic km.")
    bearing: str | None = Field(None, description="From the place, on a 16-point compass.")
    lon: float | None = Field(None, description="The fragment's point (on its surface).")
    lat: float | None = None
    bbox: list[float] | None = Field(None, description="The fragment's W, S, E, N.")


class ChangeOut(Schema):
    source: str
    kind: str
    date_from: str
    date_to: str
    snapshot_from: str
    snapshot_to: str
    gap: bool
    area_from_km2: float
    area_to_km2: float
    gained_km2: float
    lost_km2: float
    net_km2: float
    gained_fragments: int
    lost_fragments: int
    redraws_excluded: bool | None = Field(
        None, description="Whether gained, lost and net leave out the redraws (never here)."
    )
    gained_redraw_km2: float | None = Field(
        None, description="Gained km² in fragments flagged as the source's redraws."
    )
    lost_redraw_km2: float | None = Field(
        None, description="Lost km² in fragments flagged as the source's redraws."
    )
    redraw_reasons: str | None = Field(None, description="The reasons flagged, comma-separated.")
    geometry: dict[str, Any] | None = Field(
        None,
        description="With geometry=true: a GeoJSON FeatureCollection of the fragments, "
        "largest first, each with the properties of a `fragments` item.",
    )
    fragments: list[FragmentOut] | None = Field(
        None,
        description="Without geometry (JSON only): the fragments, largest first (the `top` "
        "largest with top=N), with where they lie, as `vigil territory change` lists them.",
    )


class PeriodOut(Schema):
    period_start: str
    period_end: str
    snapshot_start: str | None
    snapshot_end: str | None
    gained_km2: float | None
    lost_km2: float | None
    net_km2: float | None
    area_km2: float | None
    gap: bool
    complete: bool


class RecordOut(Schema):
    """A complete period and how its ``metric`` ranks: against the trailing year ending
    with it (52 weeks, 12 months) and against every period since the data begin."""

    period_start: str = Field(description="First day of the period (YYYY-MM-DD).")
    period_end: str = Field(description="First day of the next period: [start, end).")
    value: float | None = Field(description="The period's metric, km² (net: signed).")
    larger_before: str | None = Field(
        description="Start of the last earlier period with a larger value (the previous "
        "larger period); null when none was larger since the data begin."
    )
    larger_value: float | None = Field(description="That period's value, km².")
    rank_in_year: int | None = Field(
        description="Rank in the trailing year ending with this period (1 = largest; "
        "ties share a rank)."
    )
    periods_in_year: int | None = Field(
        description="Periods in that window (52 weeks or 12 months once the data cover it)."
    )
    year_covered: bool = Field(description="Whether the data cover the whole trailing year.")
    metric: str = Field(description="What is ranked: gained, lost or net.")
    gained_km2: float | None = Field(None, description="The period's gained area, km².")
    lost_km2: float | None = Field(None, description="The period's lost area, km².")
    net_km2: float | None = Field(None, description="The period's net change, km².")
    window_start: str | None = Field(
        None, description="Start of the first period of the trailing-year window."
    )
    rank_in_data: int | None = Field(
        None, description="Rank among all complete periods since the data begin, up to this one."
    )
    periods_in_data: int | None = Field(
        None, description="Complete periods since the data begin, this one included."
    )
    data_start: str | None = Field(None, description="Start of the data's first complete period.")
    larger_end: str | None = Field(None, description="End of the previous larger period.")
    largest_since: str | None = Field(
        None,
        description="The period is the largest since this day: the end of the previous "
        "larger period, or data_start when none was larger.",
    )
    record: bool | None = Field(
        None, description="True when no earlier period since the data begin was larger."
    )
    tied_before: str | None = Field(
        None, description="Start of the last period since larger_before with the same value."
    )


class RegionOut(Schema):
    """On a date: area_km2, controlled_km2, controlled_pct, grey_km2, snapshot_date;
    between two dates: gained_km2, lost_km2, net_km2, snapshot_from, snapshot_to."""

    code: str
    name_en: str
    name_uk: str
    oblast: str | None = None
    raion: str | None = None


class FeatureCollectionOut(Schema):
    type: str
    features: list[dict[str, Any]]


class SettlementOut(Schema):
    code: str
    name_uk: str
    name_en: str
    category: str | None
    hromada: str | None
    raion: str | None
    oblast: str | None
    lon: float
    lat: float
    from_status: str
    to_status: str
    since: str | None
    transitions: int
    snapshot_from: str
    snapshot_to: str


# -- endpoints ------------------------------------------------------------------------
GREY = "Add the grey (unknown-status) zone to the area held."
GEOMETRY = "Include the geometry (GeoJSON, WGS84)."
SIMPLIFY = "Simplify the geometry by this many degrees (0 to 0.1)."
FREQ = "Period: day, week, month or year."


class AreaQuery(FormatQuery):
    date: str = date_param("The latest snapshot on or before this date.", required=True)
    grey: bool = param(False, GREY, kind="boolean")
    geometry: bool = param(False, GEOMETRY, kind="boolean")
    simplify: float | None = param(None, SIMPLIFY, kind="number")


class ChangeQuery(FormatQuery):
    date_from: str = date_param("Earlier date.", alias="from", required=True)
    date_to: str = date_param("Later date.", alias="to", required=True)
    grey: bool = param(False, GREY, kind="boolean")
    geometry: bool = param(False, GEOMETRY, kind="boolean")
    simplify: float | None = param(None, SIMPLIFY, kind="number")
    redraws: bool = param(
        True,
        "Flag the fragments the source redrew rather than gained or lost (vigil.territory."
        "redraws); the figures stay raw, the flagged km² are given beside them.",
        kind="boolean",
    )
    top: int | None = param(
        None, "List only the N largest fragments (default: all; 0: none).", kind="integer"
    )


class SeriesQuery(FormatQuery):
    freq: str = param("week", FREQ, enum=tuple(P.Freq))
    date_from: str | None = date_param("First period: the one holding this date.", alias="from")
    date_to: str | None = date_param("Last period: the one holding this date.", alias="to")


class RecordsQuery(FormatQuery):
    freq: str = param("week", FREQ, enum=tuple(P.Freq))
    metric: str = param("gained", "What to rank: gained, lost or net km².", enum=METRICS)
    last: int | None = param(None, "Only the last N periods.", kind="integer")
    period: str | None = param(
        None,
        "Only the period holding this date (YYYY-MM-DD, any day of it or its start; "
        "YYYY-MM for a month with freq=month): one row. 400 when the date is outside the "
        "data or its period is not complete.",
    )


class RegionsQuery(FormatQuery):
    level: str = param("oblast", "Region level.", enum=LEVELS)
    date: str | None = date_param("Held area on this date (default: the latest snapshot).")
    date_from: str | None = date_param("Change from this date (with to).", alias="from")
    date_to: str | None = date_param("Change to this date (with from).", alias="to")


class BoundariesQuery(FormatQuery):
    level: str = param("oblast", "Region level.", enum=LEVELS)
    simplify: float | None = param(0.01, SIMPLIFY, kind="number")


class SettlementsQuery(FormatQuery):
    date_from: str = date_param("Earlier date.", alias="from", required=True)
    date_to: str = date_param("Later date.", alias="to", required=True)


@router.get(
    "/snapshots",
    summary="Sources, their snapshot dates and gaps",
    response=responses(list[SnapshotsOut], 503),
    openapi_extra=WITH_CSV,
)
@cached
def snapshots(request: HttpRequest, params: Query[FormatQuery]) -> list[dict[str, Any]]:
    t = territory.store()
    rows = _records(t.snapshots())
    for row in rows:
        row["dates"] = [d.isoformat() for d in t.dates(row["source"], kind=row["kind"])]
    return rows


@router.get(
    "/area",
    summary="Controlled area on a date (geodesic km²)",
    response=responses(AreaOut, 503),
    openapi_extra=WITH_CSV,
)
@cached
def area(request: HttpRequest, params: Query[AreaQuery]) -> dict[str, Any]:
    t = territory.store()
    day = _in_data(parse_date(params.date, "date"), "date")
    record = t.area(day, with_grey=params.grey).record()
    if params.geometry:
        record["geometry"] = _geometry(
            t.geometry(day, with_grey=params.grey), _simplify(params.simplify)
        )
    return record


@router.get(
    "/change",
    summary="Gained, lost and net area between two dates",
    response=responses(ChangeOut, 503),
    openapi_extra=WITH_CSV,
)
@cached
def change(request: HttpRequest, params: Query[ChangeQuery]) -> dict[str, Any]:
    t = territory.store()
    a = _in_data(parse_date(params.date_from, "date_from"), "date_from")
    b = parse_date(params.date_to, "date_to")
    _ordered(a, b)
    if params.top is not None and params.top < 0:
        raise InputError(_("expected a number of fragments ≥ 0"), param="top")
    tolerance = _simplify(params.simplify)

    def compute() -> tuple[Change, pd.DataFrame]:
        result = t.change(a, b, with_grey=params.grey, redraws=params.redraws)
        # placed as the CLI and the brief place them (Territory.locate_fragments)
        return result, t.locate_fragments(result) if t.has_geography() else result.fragments

    # one overlay, flagging and placing for every zoom's simplification and format
    asked = (territory.version().tag, a, b, params.grey, params.redraws)
    result, located = web_cache.memo(web_cache.key("change", asked), compute)
    record = result.summary()
    located = located.head(params.top) if params.top is not None else located
    points = shapely.point_on_surface(located.geometry.to_numpy())
    bounds = shapely.bounds(located.geometry.to_numpy()).round(6)
    located = located.assign(
        lon=shapely.get_x(points).round(6),
        lat=shapely.get_y(points).round(6),
        bbox=pd.Series([list(b) for b in bounds], index=located.index, dtype=object),
    )
    if params.geometry:
        frame = change_frame(result, located)
        if tolerance:
            frame["geometry"] = shapely.simplify(frame.geometry.values, tolerance)
        record["geometry"] = json.loads(frame.to_json(drop_id=True))
    elif not render.wants_csv(request, params.fmt):
        record["fragments"] = _records(located.drop(columns=["geometry", "kept"], errors="ignore"))
    return record


@router.get(
    "/series",
    summary="Gained, lost, net and area per day, week, month or year",
    response=responses(list[PeriodOut], 503),
    openapi_extra=WITH_CSV,
)
@cached
def series(request: HttpRequest, params: Query[SeriesQuery]) -> list[dict[str, Any]]:
    t = territory.store()
    start = parse_optional_date(params.date_from, "date_from")
    end = parse_optional_date(params.date_to, "date_to")
    if start and end:
        _ordered(start, end)
    if end and end < t.dates()[0]:
        _in_data(end, "date_to")
    return _records(t.series(P.freq(params.freq).value, date_from=start, date_to=end))


@router.get(
    "/records",
    summary="Records: the largest gain (loss, net) since …",
    response=responses(list[RecordOut], 503),
    openapi_extra=WITH_CSV,
)
@cached
def records(request: HttpRequest, params: Query[RecordsQuery]) -> list[dict[str, Any]]:
    # Translators: gained, lost and net are values to type; keep them.
    _one_of(params.metric, "metric", METRICS, _("gained, lost or net"))
    if params.last is not None and params.last < 1:
        raise InputError(_("expected a positive number of periods"), param="last")
    freq = P.freq(params.freq)
    t = territory.store()
    table = t.series(freq.value)
    frame = series_mod.record_details(table, freq, params.metric)
    if params.period is not None:
        if params.last is not None:
            # Translators: "last" and "period" are query parameter names; keep them.
            raise InputError(_("give last or period, not both"), param="last")
        day = _period_day(params.period, freq)
        at = series_mod.find_period(table, freq, day, "period", data_end=t.dates()[-1])
        return _records(frame.iloc[[at]])
    return _records(frame.tail(params.last) if params.last else frame)


def _period_day(value: str, freq: P.Freq) -> dt.date:
    """A ``period`` parameter as a day: a date, or ``YYYY-MM`` (the 1st) for months."""
    text = value.strip()
    if len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit():
        if freq is not P.Freq.MONTH:
            # Translators: %(text)s is a month as typed (2026-12); keep freq=%(freq)s as it is.
            raise InputError(
                _("%(text)s names a month: give a date (YYYY-MM-DD) with freq=%(freq)s")
                % {"text": text, "freq": freq.value},
                param="period",
            )
        return parse_date(f"{text}-01", "period")
    return parse_date(text, "period")


@router.get(
    "/regions",
    summary="Per oblast, raion or hromada: held area on a date or change",
    response=responses(list[RegionOut], 503),
    openapi_extra=WITH_CSV,
)
@cached
def regions(request: HttpRequest, params: Query[RegionsQuery]) -> list[dict[str, Any]]:
    # Translators: oblast, raion and hromada are values to type; keep them.
    level = _one_of(params.level, "level", LEVELS, _("oblast, raion or hromada"))
    t = territory.store()
    _has_regions()
    a = parse_optional_date(params.date_from, "date_from")
    b = parse_optional_date(params.date_to, "date_to")
    if a or b:
        if not (a and b):
            missing, other = ("date_to", "from") if a else ("date_from", "to")
            # Translators: %(other)s, "from" and "to" are query parameter names; keep them.
            raise InputError(
                _("required with %(other)s (from and to go together)") % {"other": other},
                param=missing,
            )
        _ordered(a, b)
        return _records(t.regions(level, date_from=_in_data(a, "date_from"), date_to=b))
    day = _in_data(parse_date(params.date, "date") if params.date else t.dates()[-1], "date")
    return _records(t.regions(level, date=day))


@router.get(
    "/boundaries",
    summary="Region boundaries as GeoJSON (the offline base map)",
    response=responses(FeatureCollectionOut, 503),
)
@cached
def boundaries(request: HttpRequest, params: Query[BoundariesQuery]) -> dict[str, Any]:
    level = _one_of(params.level, "level", LEVELS, _("oblast, raion or hromada"))
    t = territory.store()
    _has_regions()
    frame = t.store.regions(level)
    tolerance = _simplify(params.simplify)
    features = [
        {
            "type": "Feature",
            "properties": {k: row[k] for k in ("code", "name", "name_en") if k in row},
            "geometry": _geometry(row["geometry"], tolerance),
        }
        for row in frame.to_dict(orient="records")
    ]
    return {"type": "FeatureCollection", "features": features}


@router.get(
    "/settlements",
    summary="Settlements that changed hands between two dates",
    response=responses(list[SettlementOut], 503),
    openapi_extra=WITH_CSV,
)
@cached
def settlements(request: HttpRequest, params: Query[SettlementsQuery]) -> list[dict[str, Any]]:
    t = territory.store()
    a = _in_data(parse_date(params.date_from, "date_from"), "date_from")
    b = parse_date(params.date_to, "date_to")
    _ordered(a, b)
    if not t.has_geography():
        raise NoDataError(_("no settlement gazetteer in this store"))
    table, _coverage = t.settlement_changes(a, b)
    return _records(table.drop(columns=[c for c in ("geometry",) if c in table]))


# -- compare: two sources (vigil.web.compare_api; imported here, once the names it uses
# are defined, so that its routes are on the router before the router is mounted)
from vigil.web.compare_api import add_routes as _add_compare_routes  # noqa: E402

_add_compare_routes(router)

# -- the map's context: base map, place labels, change fragments (vigil.web.map_api)
from vigil.web.map_api import add_routes as _add_map_routes  # noqa: E402

_add_map_routes(router)

api.add_router("/territory/", router)
