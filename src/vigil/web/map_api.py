"""The map's context in the JSON API (mounted on the territory router by
:mod:`vigil.web.api`): the offline base map and the place labels.

``GET /api/territory/basemap``
    The countries around Ukraine (Natural Earth 1:110m, public domain; made by
    ``scripts/make_basemap.py``, provenance in ``vigil/data/README.md``) as a
    GeoJSON FeatureCollection. Ukraine itself is the store's oblasts
    (``/boundaries``), which the map draws over it.

``GET /api/territory/places?zoom=Z&bbox=W,S,E,N``
    The labels to write at zoom Z inside the box, most important first: oblast names
    at low zoom, then cities, settlements (selyshche) and villages as the zoom grows,
    from the store's gazetteer (located places only: the others have no point of
    their own). Labels are thinned for Z over the whole country, then cut to the box,
    so a label does not come and go as the map pans.

How places are ranked and thinned (decisions; the gazetteer has no population):

- **Tiers** (``TIERS``): oblast names (zoom 4-7; Kyiv and Sevastopol, regions of
  their own that the gazetteer gives no point, are named as cities at their region's
  label point), then the oblast and raion centres among the cities (from zoom 6),
  other cities (category M, from 7), settlements (X, from 9), villages (C, from 10).
  A centre is the city whose Ukrainian name is the stem of its oblast's or raion's
  adjective (Покровськ, Покровський район; Київ,
  Київська область); within a tier, oblast centres come first, then the centres of
  their hromadas (the settlement numbered 001 of its hromada in the KATOTTH code),
  then the code's order.
- **Thinning**: in that order, a label is kept when its box (estimated from the
  name's length at the map's font size, in Web Mercator pixels at zoom Z) overlaps no
  label kept before it. The client draws exactly these, so the map has no overlaps
  to resolve.
"""

# No ``from __future__ import annotations``: django-ninja reads the views' parameter
# types through vigil.web.api.cached's wrapper (see vigil.web.compare_api).
import math
import re
from typing import Any, cast

import numpy as np
import pandas as pd
import shapely
from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

import vigil.basemap
from vigil import i18n
from vigil.errors import InputError
from vigil.i18n import gettext as _
from vigil.territory import placenames
from vigil.web import cache as web_cache
from vigil.web import render, territory
from vigil.web.api import (
    WITH_CSV,
    FeatureCollectionOut,
    FormatQuery,
    cached,
    param,
    responses,
)

#: Labels: (tier, kind, first zoom, last zoom). Lower tiers are more important.
TIERS = {
    "oblast": (0, "oblast", 4, 7),
    "centre": (1, "city", 6, 20),
    "city": (2, "city", 7, 20),
    "settlement": (3, "settlement", 9, 20),
    "village": (4, "village", 10, 20),
}
MIN_ZOOM, MAX_ZOOM = 0, 20
DEFAULT_LIMIT, MAX_LIMIT = 400, 2000
CITY_REGION_KM2 = 2000.0  # a region this small, not an oblast by name, is a city (Kyiv)
SHORT_NAMES = {"Autonomous Republic of Crimea": "Crimea"}
# The label's box in CSS pixels (static/web/vigil.css: .place-label 12px, .oblast-label
# 12px capitals, letter-spaced): width per character, padding, height.
CHAR_PX = {"oblast": 9.0, "city": 7.0, "settlement": 6.5, "village": 6.0}
PAD_PX, HEIGHT_PX, DOT_PX = 8.0, 18.0, 6.0
TILE_PX = 256.0
BBOX = "The box to label, as W,S,E,N in degrees (default: everywhere)."
ZOOM = "The map's zoom level (0 to 20, as Leaflet counts): fewer, larger places below."
LIMIT = f"At most this many labels, the most important (default {DEFAULT_LIMIT})."


class PlacesQuery(FormatQuery):
    zoom: int = param(..., ZOOM, kind="integer")
    bbox: str | None = param(None, BBOX)
    limit: int = param(DEFAULT_LIMIT, LIMIT, kind="integer")


class PlaceOut(Schema):
    """One label: its name, what it is and where to write it."""

    name: str = Field(description="English name (Ukrainian when the gazetteer has none).")
    name_uk: str
    kind: str = Field(description="oblast, city, settlement or village.")
    code: str = Field(description="ISO 3166-2 code of an oblast, KATOTTH code of a place.")
    category: str | None = Field(description="KATOTTH category: M, X or C (None: oblast).")
    centre: bool = Field(description="An oblast or raion centre.")
    lon: float
    lat: float
    rank: int = Field(description="0 is the most important label of the answer.")


def add_routes(router: Router) -> None:
    """Add the map-context operations to the territory ``router``."""
    router.get(
        "/basemap",
        summary="The countries around Ukraine (the offline base map), GeoJSON",
        description="As CSV: one row per country (name, iso_a3, role), without shapes.",
        response=responses(FeatureCollectionOut),
        openapi_extra=WITH_CSV,
    )(cached(basemap))
    router.get(
        "/places",
        summary="Place labels for a zoom level and box, most important first",
        response=responses(list[PlaceOut], 503),
        openapi_extra=WITH_CSV,
    )(cached(places))


# -- the base map ---------------------------------------------------------------------------
basemap_collection = vigil.basemap.collection  # the shipped base map, read once


def basemap(request: HttpRequest, params: Query[FormatQuery]) -> Any:
    collection = basemap_collection()
    if render.wants_csv(request, params.fmt):
        return [f["properties"] for f in collection["features"]]
    return collection


# -- place labels ---------------------------------------------------------------------------
def places(request: HttpRequest, params: Query[PlacesQuery]) -> list[dict[str, Any]]:
    zoom = params.zoom
    if not MIN_ZOOM <= zoom <= MAX_ZOOM:
        raise InputError(
            _("expected a zoom from %(min)s to %(max)s, got %(value)s")
            % {"min": MIN_ZOOM, "max": MAX_ZOOM, "value": zoom},
            param="zoom",
        )
    if not 1 <= params.limit <= MAX_LIMIT:
        raise InputError(
            _("expected 1 to %(max)s, got %(value)s") % {"max": MAX_LIMIT, "value": params.limit},
            param="limit",
        )
    box = parse_bbox(params.bbox)
    tag = territory.version().tag
    labels = web_cache.memo(
        web_cache.key("places", (tag, zoom)), lambda: thinned(_candidates(tag), zoom)
    )
    if box is not None:
        w, s, e, n = box
        labels = [p for p in labels if w <= p["lon"] <= e and s <= p["lat"] <= n]
    return [dict(p, rank=i) for i, p in enumerate(labels[: params.limit])]


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    """``W,S,E,N`` in degrees, or None when not given; an InputError naming bbox."""
    if text is None or text == "":
        return None
    parts = text.split(",")
    try:
        w, s, e, n = (float(p) for p in parts)
    except ValueError:
        # Translators: W,S,E,N (west, south, east, north) shows the order to type; keep it.
        raise InputError(
            _("expected four numbers W,S,E,N (degrees), got %(value)r") % {"value": text},
            param="bbox",
        ) from None
    if not all(math.isfinite(v) for v in (w, s, e, n)):
        raise InputError(
            _("expected finite degrees, got %(value)r") % {"value": text}, param="bbox"
        )
    if not (-90 <= s < n <= 90):
        raise InputError(
            _("expected south < north within ±90°, got %(value)r") % {"value": text}, param="bbox"
        )
    if not w < e:
        raise InputError(_("expected west < east, got %(value)r") % {"value": text}, param="bbox")
    return w, s, e, n


# (store version, language) -> candidates(): the labels carry the reader's names
_CANDIDATES: dict[tuple[str, str], list[dict[str, Any]]] = {}


def _candidates(tag: str) -> list[dict[str, Any]]:
    key = (tag, i18n.active())
    if key not in _CANDIDATES:
        if any(t != tag for t, _lang in _CANDIDATES):
            _CANDIDATES.clear()  # one store, one current version
        _CANDIDATES[key] = candidates()
    return _CANDIDATES[key]


def _stem(name: str) -> str:
    """A place name's stem for matching the adjective of its region (Київ → Киї)."""
    name = name.strip().lower()
    return name[:-1] if len(name) > 3 else name


def _centre_of(adjective: str, names: pd.Series) -> Any:
    """The index of the place whose name's stem begins ``adjective`` (longest wins)."""
    adjective = adjective.strip().lower()
    if not adjective or names.empty:
        return None
    stems = names.map(_stem)
    hits = stems[[bool(s) and adjective.startswith(s) for s in stems]]
    return None if hits.empty else hits.str.len().idxmax()


def candidates() -> list[dict[str, Any]]:
    """Every label the store can give, in order of importance (before thinning), named
    in the reader's language (:mod:`vigil.territory.placenames`: Ukrainian names for
    uk, Russian where the gazetteer has them for ru, English for en and az)."""
    lang = i18n.active()
    store = territory.store().store
    out: list[dict[str, Any]] = []
    oblasts = store.regions("oblast") if store.has_regions("oblast") else pd.DataFrame()
    cities_apart: list[dict[str, Any]] = []  # Kyiv and Sevastopol: cities, not oblasts
    for row in _rows(oblasts):
        point = _label_point(shapely.simplify(row["geometry"], 0.01))
        name = row["name_en"] or row["name_uk"]
        code, name_uk = row["code"], row["name_uk"]
        if not name.endswith(("Oblast", "Crimea")) and row["area_km2"] < CITY_REGION_KM2:
            shown = placenames.region_name(row, lang) if lang in ("uk", "ru") else name
            label = _label(shown, name_uk, "centre", code, None, True, point.x, point.y)
            cities_apart.append(label)
            continue
        if lang in ("uk", "ru"):  # "Донецька область" -> "Донецька"
            local = placenames.region_name(row, lang)
            short = re.sub(r"^Автономн\w+ Республ\w+ ", "", re.sub(r"\s+область$", "", local))
        else:
            short = SHORT_NAMES.get(name, re.sub(r"\s+Oblast$", "", name))
        out.append(_label(short, name_uk, "oblast", code, None, False, point.x, point.y))
    out.sort(key=lambda p: -_area(oblasts, p["code"]))  # larger oblasts first
    out += cities_apart
    if not store.has_settlements():
        return out
    s = store.settlements()
    s = s[(s["located"] == 1) & s["lon"].notna() & s["lat"].notna()].copy()
    s["name"] = [placenames.settlement_name(r, lang) for r in _rows(s)]
    cities = s[s["category"] == "M"]
    centres: dict[Any, int] = {}  # index -> 0 oblast centre, 1 raion centre
    for level, by in (("raion", "raion"), ("oblast", "oblast")):
        if not store.has_regions(level):
            continue
        for code, name_uk in store.db.execute(
            "SELECT code, name_uk FROM regions WHERE level = ?", (level,)
        ):
            adjective = name_uk.split()[0] if name_uk else ""
            found = _centre_of(adjective, cities.loc[cities[by] == code, "name_uk"])
            if found is not None:
                centres[found] = 0 if level == "oblast" else min(centres.get(found, 1), 1)
    s["centre"] = s.index.map(lambda i: centres.get(i, 2))
    s["hromada_centre"] = s["code"].str.slice(9, 12) == "001"
    s["tier"] = s["category"].map({"M": 2, "X": 3, "C": 4, "K": 4}).fillna(4).astype(int)
    s.loc[s["centre"] < 2, "tier"] = 1
    s = s.sort_values(
        ["tier", "centre", "hromada_centre", "code"], ascending=[True, True, False, True]
    )
    kinds = {1: "centre", 2: "city", 3: "settlement", 4: "village"}
    for row in _rows(s):
        out.append(
            _label(
                row["name"],
                row["name_uk"],
                kinds[row["tier"]],
                row["code"],
                row["category"],
                row["centre"] < 2,
                float(row["lon"]),
                float(row["lat"]),
            )
        )
    # the tiers in order (the cities apart from the oblasts join the centres)
    return sorted(out, key=lambda p: TIERS[p["_tier"]][0])


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return cast("list[dict[str, Any]]", frame.to_dict(orient="records"))


def _area(frame: pd.DataFrame, code: str) -> float:
    return float(frame.loc[frame["code"] == code, "area_km2"].iloc[0])


def _label_point(geom: Any) -> Any:
    """Where to write a region's name: the pole of inaccessibility of its largest part
    (inside it, far from its edges), to 0.01°."""
    parts = shapely.get_parts(geom)
    largest = max(parts, key=lambda g: g.area)
    from shapely.ops import polylabel

    return polylabel(largest, tolerance=0.01)


def _label(
    name: str,
    name_uk: str,
    tier_name: str,
    code: str,
    category: str | None,
    centre: bool,
    lon: float,
    lat: float,
) -> dict[str, Any]:
    _, kind, first, last = TIERS[tier_name]
    return {
        "_tier": tier_name,
        "name": name,
        "name_uk": name_uk,
        "kind": kind,
        "code": code,
        "category": category,
        "centre": centre,
        "lon": round(lon, 5),
        "lat": round(lat, 5),
        "_first": first,
        "_last": last,
    }


def pixels(lon: np.ndarray, lat: np.ndarray, zoom: int) -> tuple[np.ndarray, np.ndarray]:
    """Web Mercator pixel coordinates at ``zoom`` (256-pixel tiles, as Leaflet)."""
    scale = TILE_PX * 2.0**zoom
    x = (np.asarray(lon) + 180.0) / 360.0 * scale
    phi = np.radians(np.clip(np.asarray(lat), -85.0511, 85.0511))
    y = (1.0 - np.log(np.tan(phi) + 1.0 / np.cos(phi)) / math.pi) / 2.0 * scale
    return x, y


def label_box(kind: str, name: str, x: float, y: float) -> tuple[float, float, float, float]:
    """The box a label takes (x0, y0, x1, y1 in pixels): an oblast's name centred on its
    point; a place's dot at its point with the name to its right."""
    width = CHAR_PX[kind] * len(name) + PAD_PX
    half = HEIGHT_PX / 2
    if kind == "oblast":
        return x - width / 2, y - half, x + width / 2, y + half
    return x - DOT_PX / 2, y - half, x + DOT_PX + width, y + half


def thinned(labels: list[dict[str, Any]], zoom: int) -> list[dict[str, Any]]:
    """The labels shown at ``zoom``, in order, none overlapping an earlier one."""
    shown = [p for p in labels if p["_first"] <= zoom <= p["_last"]]
    if not shown:
        return []
    xs, ys = pixels(np.array([p["lon"] for p in shown]), np.array([p["lat"] for p in shown]), zoom)
    cell = 64.0
    grid: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}
    kept = []
    for p, x, y in zip(shown, xs, ys, strict=True):
        box = label_box(p["kind"], p["name"], float(x), float(y))
        keys = [
            (i, j)
            for i in range(int(box[0] // cell), int(box[2] // cell) + 1)
            for j in range(int(box[1] // cell), int(box[3] // cell) + 1)
        ]
        if any(_overlap(box, other) for k in keys for other in grid.get(k, ())):
            continue
        for k in keys:
            grid.setdefault(k, []).append(box)
        kept.append({k: v for k, v in p.items() if not k.startswith("_")})
    return kept


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
