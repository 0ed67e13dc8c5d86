"""The comparison of two sources in the JSON API (mounted on the territory router by
:mod:`vigil.web.api`): ``/api/territory/compare`` (per period, or by oblast on one
date with ``on``), ``/compare/lag`` and ``/compare/map`` (the two maps' disagreement
as GeoJSON, for the web map's "compare with" view). Figures and field names are those
of :mod:`vigil.territory.compare` and of ``vigil territory compare --format json``.
"""

# No ``from __future__ import annotations``: django-ninja reads the views' parameter
# types through vigil.web.api.cached's wrapper, whose globals are that module's, so the
# annotations must be objects, not names to look up there.
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from vigil import periods as P
from vigil.dates import parse_date, parse_optional_date
from vigil.errors import InputError
from vigil.i18n import gettext as _
from vigil.territory import compare as C
from vigil.web import territory
from vigil.web.api import (
    FREQ,
    SIMPLIFY,
    WITH_CSV,
    FormatQuery,
    _geometry,
    _ordered,
    _records,
    _simplify,
    cached,
    date_param,
    param,
    responses,
)

SOURCES = "The two sources to compare, as A,B (every difference is B − A)."
LAND_ONLY = "Clip both maps to the oblasts (Ukraine's land within its borders) first."


class CompareQuery(FormatQuery):
    sources: str = param(..., SOURCES)
    date_from: str | None = date_param("First period: the one holding this date.", alias="from")
    date_to: str | None = date_param("Periods start before this date.", alias="to")
    freq: str = param("week", FREQ, enum=tuple(P.Freq))
    on: str | None = date_param("Instead of periods: where the maps disagree on this date.")
    land_only: bool = param(False, LAND_ONLY, kind="boolean")


class LagQuery(FormatQuery):
    sources: str = param(..., SOURCES)
    date_from: str | None = date_param("First day of A's daily changes.", alias="from")
    date_to: str | None = date_param("Last day of A's daily changes.", alias="to")
    land_only: bool = param(False, LAND_ONLY, kind="boolean")


class CompareMapQuery(FormatQuery):
    sources: str = param(..., SOURCES)
    date: str = date_param("Each source's latest snapshot on or before this date.", required=True)
    land_only: bool = param(False, LAND_ONLY, kind="boolean")
    simplify: float | None = param(None, SIMPLIFY, kind="number")


class CompareOut(Schema):
    """Per period (without ``on``): every column of vigil.territory.compare.COMPARE_COLUMNS
    (snapshots, areas, gained, lost and net of each source, their differences B − A,
    a_only_km2 and b_only_km2 at the period end). By oblast (with ``on``): code, name_en,
    name_uk, a_only_km2, b_only_km2, diff_km2, and the date and snapshots used."""

    source_a: str
    source_b: str
    a_only_km2: float = Field(description="Geodesic km² drawn by A only.")
    b_only_km2: float = Field(description="Geodesic km² drawn by B only.")


class CompareMapOut(Schema):
    """One of three shapes: ``b_map`` (B's whole map), ``a_only`` and ``b_only``."""

    role: str = Field(description="b_map, a_only or b_only.")
    source: str
    snapshot_date: str
    area_km2: float = Field(description="Geodesic km² of the shape.")
    geometry: dict[str, Any] | None = Field(None, description="GeoJSON geometry (WGS84).")


class LagOut(Schema):
    source_a: str
    source_b: str
    lag_days: int = Field(description="B shows a change this many days after A (< 0: before).")
    days: int = Field(description="Days compared at this lag.")
    median_abs_diff_km2: float | None
    mean_abs_diff_km2: float | None
    correlation: float | None
    best: bool = Field(description="The lag that best aligns the two (see criterion).")
    criterion: str


def add_routes(router: Router) -> None:
    """Add the comparison's operations to the territory ``router``."""
    router.get(
        "/compare",
        summary="Two sources compared per period, or by oblast on one date (on)",
        response=responses(list[CompareOut], 503),
        openapi_extra=WITH_CSV,
    )(cached(compare))
    router.get(
        "/compare/lag",
        summary="The day lag that best aligns two sources' daily changes",
        response=responses(list[LagOut], 503),
        openapi_extra=WITH_CSV,
    )(cached(lag))
    router.get(
        "/compare/map",
        summary="Where two sources' maps disagree on a date, with the geometries (GeoJSON)",
        response=responses(list[CompareMapOut], 503),
        openapi_extra=WITH_CSV,
    )(cached(compare_map))


def compare(request: HttpRequest, params: Query[CompareQuery]) -> list[dict[str, Any]]:
    t = territory.store()
    if params.on is not None:
        if params.date_from is not None or params.date_to is not None:
            # Translators: on, from and to are query parameter names; keep them.
            raise InputError(_("give either on, or from and to"), param="on")
        d = C.disagreement(
            t, params.sources, parse_date(params.on, "on"), land_only=params.land_only
        )
        keys = ("source_a", "source_b", "date", "snapshot_a", "snapshot_b", "land_only")
        record = d.record()
        return [{**{k: record[k] for k in keys}, **row} for row in _records(d.by_region)]
    start = parse_optional_date(params.date_from, "date_from")
    end = parse_optional_date(params.date_to, "date_to")
    if start and end:
        _ordered(start, end)
    c = C.compare(
        t,
        params.sources,
        freq=P.freq(params.freq),
        date_from=start,
        date_to=end,
        land_only=params.land_only,
    )
    return _records(c.periods)


def lag(request: HttpRequest, params: Query[LagQuery]) -> list[dict[str, Any]]:
    start = parse_optional_date(params.date_from, "date_from")
    end = parse_optional_date(params.date_to, "date_to")
    if start and end:
        _ordered(start, end)
    result = C.best_lag(
        territory.store(), params.sources, date_from=start, date_to=end, land_only=params.land_only
    )
    rows = _records(result.table)
    for row in rows:
        row.update(
            source_a=result.source_a,
            source_b=result.source_b,
            best=row["lag_days"] == result.best_days,
            criterion=result.criterion,
        )
    return rows


def compare_map(request: HttpRequest, params: Query[CompareMapQuery]) -> list[dict[str, Any]]:
    t = territory.store()
    d = C.disagreement(
        t, params.sources, parse_date(params.date, "date"), land_only=params.land_only
    )
    tolerance = _simplify(params.simplify)
    b_map = t.geometry(d.snapshot_b, source=d.source_b)
    return [
        _shape("b_map", d.source_b, d.snapshot_b, d.area_b_km2, b_map, tolerance),
        _shape("a_only", d.source_a, d.snapshot_a, d.a_only_km2, d.a_only, tolerance),
        _shape("b_only", d.source_b, d.snapshot_b, d.b_only_km2, d.b_only, tolerance),
    ]


def _shape(
    role: str, source: str, snapshot: Any, km2: float, geom: Any, tolerance: float
) -> dict[str, Any]:
    """One row of /compare/map (CSV leaves the geometry out, as every nested object)."""
    return {
        "role": role,
        "source": source,
        "snapshot_date": snapshot.isoformat(),
        "area_km2": km2,
        "geometry": _geometry(geom, tolerance),
    }
