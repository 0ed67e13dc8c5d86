"""The JSON API (django-ninja; OpenAPI at /api/docs): read-only territory figures.

Field names are those of the CLI's JSON output. Every endpoint answers JSON, or CSV
with ``?format=csv`` or ``Accept: text/csv``. A bad parameter is a 400 and missing
data a 404, both as ``{"error": {"parameter": …, "message": …}}``; never a 500 for a
user's mistake. Responses carry an ETag and Last-Modified derived from the store's
content version and are cached in memory until the store changes (a conditional
request gets a 304).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable
from typing import Any

import pandas as pd
import shapely
from django.http import HttpRequest, HttpResponse
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from ninja import Field, NinjaAPI, Query, Router, Schema
from ninja.errors import ValidationError
from shapely.geometry import mapping

from vigil import __version__
from vigil.errors import NoDataError, StoreError, VigilError
from vigil.output import jsonable, write_csv
from vigil.territory.api import as_date, change_frame
from vigil.web import cache as web_cache
from vigil.web import territory

api = NinjaAPI(
    title="Vigil API",
    version=__version__,
    description="Read-only figures from Vigil's territory store: areas, changes, series, "
    "records and regions. Field names as in the CLI's JSON output; add ?format=csv for CSV.",
    urls_namespace="api",
    # GET and HEAD only, the documentation pages too (every endpoint is a GET)
    docs_decorator=require_safe,
)
router = Router(tags=["territory"])


class ApiError(Exception):
    """A user's mistake in a request: status, the parameter concerned, a message."""

    def __init__(self, status: int, parameter: str | None, message: str) -> None:
        super().__init__(message)
        self.status, self.parameter, self.message = status, parameter, message


def _error(status: int, parameter: str | None, message: str) -> HttpResponse:
    body = {"error": {"parameter": parameter, "message": message}}
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type="application/json"
    )


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return _error(exc.status, exc.parameter, exc.message)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    location = [str(p) for p in first.get("loc", ()) if p not in ("query", "path", "body")]
    parameter = location[-1] if location else None
    return _error(400, parameter, f"{parameter}: {first.get('msg', 'invalid value')}")


@api.exception_handler(VigilError)
def _vigil_error(request: HttpRequest, exc: VigilError) -> HttpResponse:
    status = 404 if isinstance(exc, NoDataError | StoreError) else 400
    return _error(status, None, " ".join(str(exc).split()))


# -- responses --------------------------------------------------------------------------


def _wants_csv(request: HttpRequest) -> bool:
    fmt = request.GET.get("format", "").lower()
    if fmt and fmt not in ("json", "csv"):
        raise ApiError(400, "format", f"format: expected json or csv, got {fmt!r}")
    return fmt == "csv" or (not fmt and "text/csv" in request.headers.get("Accept", ""))


def _csv(rows: list[dict[str, Any]]) -> str:
    """Rows as CSV (nested objects left out), formula-safe: see vigil.output.csv_cell."""
    if not rows:
        return ""
    columns = list(dict.fromkeys(k for r in rows for k in r if not isinstance(r[k], dict)))
    return write_csv(columns, ([r.get(c) for c in columns] for r in rows))


def cached(fn: Callable[..., Any]) -> Callable[..., HttpResponse]:
    """Serve ``fn``'s JSON-able result as JSON or CSV, cached per store version and
    request (path, query, format), with ETag and Last-Modified."""

    @functools.wraps(fn)
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        as_csv = _wants_csv(request)
        version = territory.version()
        query = sorted((k, v) for k, v in request.GET.lists() if k != "format")
        key = web_cache.key("api", (version.tag, request.path, query, as_csv))

        def render() -> tuple[bytes, str]:
            data = jsonable(fn(request, *args, **kwargs))
            if as_csv:
                rows = data if isinstance(data, list) else [data]
                return _csv(rows).encode("utf-8"), "text/csv; charset=utf-8"
            body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
            return body.encode("utf-8"), "application/json"

        body, content_type = web_cache.memo(key, render)
        response = HttpResponse(body, content_type=content_type)
        response["ETag"] = f'"{key.split(":", 1)[1][:24]}"'
        response["Last-Modified"] = http_date(version.modified.timestamp())
        response["Cache-Control"] = "public, max-age=60"
        response["Vary"] = "Accept"
        return response

    return view


# -- parameters -----------------------------------------------------------------------


def _day(value: str | None, name: str, *, required: bool = True) -> dt.date | None:
    if value in (None, ""):
        if required:
            raise ApiError(400, name, f"{name}: required (a date such as 2024-10-28)")
        return None
    try:
        return as_date(value, name)
    except (VigilError, ValueError, TypeError):
        message = f"{name}: expected a date such as 2024-10-28, got {value!r}"
        raise ApiError(400, name, message) from None


def _in_data(day: dt.date, name: str) -> dt.date:
    """404 when ``day`` is before the first snapshot (nothing stands for it)."""
    dates = territory.store().dates()
    if not dates:
        raise ApiError(404, None, "the territory store holds no snapshot")
    if day < dates[0]:
        raise ApiError(404, name, f"{name}: {day} is before the first snapshot ({dates[0]})")
    return day


FREQS = ("day", "week", "month", "year")


def _freq(value: str) -> str:
    if value not in FREQS:
        raise ApiError(400, "freq", f"freq: expected one of {', '.join(FREQS)}, got {value!r}")
    return value


def _simplify(value: float | None) -> float:
    if value is None:
        return 0.0
    if not 0 <= value <= 0.1:
        raise ApiError(400, "simplify", "simplify: expected degrees between 0 and 0.1")
    return value


def _geometry(geom: Any, tolerance: float) -> dict[str, Any]:
    if tolerance:
        geom = shapely.simplify(geom, tolerance, preserve_topology=True)
    return mapping(shapely.set_precision(geom, 1e-6) if tolerance else geom)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return frame.to_dict(orient="records")


# -- endpoints ------------------------------------------------------------------------


class AreaQuery(Schema):
    date: str = Field(..., description="Date (YYYY-MM-DD): the latest snapshot on or before it.")
    grey: bool = False
    geometry: bool = False
    simplify: float | None = None


class ChangeQuery(Schema):
    date_from: str = Field(..., alias="from", description="Earlier date (YYYY-MM-DD).")
    date_to: str = Field(..., alias="to", description="Later date (YYYY-MM-DD).")
    grey: bool = False
    geometry: bool = False
    simplify: float | None = None


@router.get("/snapshots", summary="Sources, their snapshot dates and gaps")
@cached
def snapshots(request: HttpRequest) -> list[dict[str, Any]]:
    t = territory.store()
    rows = _records(t.snapshots())
    for row in rows:
        row["dates"] = [d.isoformat() for d in t.dates(row["source"], kind=row["kind"])]
    return rows


@router.get("/area", summary="Controlled area on a date (geodesic km²)")
@cached
def area(request: HttpRequest, q: Query[AreaQuery]) -> dict[str, Any]:
    t = territory.store()
    day = _in_data(_day(q.date, "date"), "date")
    record = t.area(day, with_grey=q.grey).record()
    if q.geometry:
        record["geometry"] = _geometry(t.geometry(day, with_grey=q.grey), _simplify(q.simplify))
    return record


@router.get("/change", summary="Gained, lost and net area between two dates")
@cached
def change(request: HttpRequest, q: Query[ChangeQuery]) -> dict[str, Any]:
    t = territory.store()
    a = _in_data(_day(q.date_from, "from"), "from")
    b = _day(q.date_to, "to")
    if b < a:
        raise ApiError(400, "to", f"to: {b} is before from ({a})")
    result = t.change(a, b, with_grey=q.grey)
    record = result.summary()
    if q.geometry:
        frame = change_frame(result)
        tolerance = _simplify(q.simplify)
        if tolerance:
            frame["geometry"] = shapely.simplify(frame.geometry.values, tolerance)
        record["geometry"] = json.loads(frame.to_json(drop_id=True))
    return record


@router.get("/series", summary="Gained, lost, net and area per day, week, month or year")
@cached
def series(request: HttpRequest, freq: str = "week") -> list[dict[str, Any]]:
    t = territory.store()
    start = _day(request.GET.get("from"), "from", required=False)
    end = _day(request.GET.get("to"), "to", required=False)
    if start and end and end < start:
        raise ApiError(400, "to", f"to: {end} is before from ({start})")
    if end and end < t.dates()[0]:
        raise ApiError(404, "to", f"to: {end} is before the first snapshot ({t.dates()[0]})")
    return _records(t.series(_freq(freq), start=start, end=end))


@router.get("/records", summary="Records: the largest gain (loss, net) since …")
@cached
def records(
    request: HttpRequest, freq: str = "week", metric: str = "gained", last: int | None = None
) -> list[dict[str, Any]]:
    if metric not in ("gained", "lost", "net"):
        raise ApiError(400, "metric", f"metric: expected gained, lost or net, got {metric!r}")
    if last is not None and last < 1:
        raise ApiError(400, "last", "last: expected a positive number of periods")
    frame = territory.store().records(_freq(freq), metric=metric)
    return _records(frame.tail(last) if last else frame)


@router.get("/regions", summary="Per oblast, raion or hromada: held area on a date or change")
@cached
def regions(
    request: HttpRequest, level: str = "oblast", date: str | None = None
) -> list[dict[str, Any]]:
    if level not in ("oblast", "raion", "hromada"):
        raise ApiError(400, "level", f"level: expected oblast, raion or hromada, got {level!r}")
    t = territory.store()
    if not t.has_geography():
        raise ApiError(404, "level", "no regions in this store (vigil territory geography import)")
    a = _day(request.GET.get("from"), "from", required=False)
    b = _day(request.GET.get("to"), "to", required=False)
    if a or b:
        if not (a and b):
            raise ApiError(400, "to" if a else "from", "from and to go together")
        return _records(t.regions(level, date_from=_in_data(a, "from"), date_to=b))
    day = _in_data(_day(date, "date") if date else t.dates()[-1], "date")
    return _records(t.regions(level, date=day))


@router.get("/boundaries", summary="Region boundaries as GeoJSON (the offline base map)")
@cached
def boundaries(
    request: HttpRequest, level: str = "oblast", simplify: float | None = 0.01
) -> dict[str, Any]:
    if level not in ("oblast", "raion", "hromada"):
        raise ApiError(400, "level", f"level: expected oblast, raion or hromada, got {level!r}")
    t = territory.store()
    if not t.has_geography():
        raise ApiError(404, "level", "no regions in this store (vigil territory geography import)")
    frame = t.store.regions(level)
    tolerance = _simplify(simplify)
    features = [
        {
            "type": "Feature",
            "properties": {k: row[k] for k in ("code", "name", "name_en") if k in row},
            "geometry": _geometry(row["geometry"], tolerance),
        }
        for row in frame.to_dict(orient="records")
    ]
    return {"type": "FeatureCollection", "features": features}


@router.get("/settlements", summary="Settlements that changed hands between two dates")
@cached
def settlements(request: HttpRequest) -> list[dict[str, Any]]:
    t = territory.store()
    a = _in_data(_day(request.GET.get("from"), "from"), "from")
    b = _day(request.GET.get("to"), "to")
    if b < a:
        raise ApiError(400, "to", f"to: {b} is before from ({a})")
    if not t.has_geography():
        raise ApiError(404, None, "no settlement gazetteer in this store")
    table, _coverage = t.settlement_changes(a, b)
    return _records(table.drop(columns=[c for c in ("geometry",) if c in table]))


api.add_router("/territory/", router)
