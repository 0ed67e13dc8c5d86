"""Territory by region: controlled area per oblast / raion / hromada, change per region,
which region a fragment lies in, and the length of the front line (pure: no I/O).

Every area is measured as snapshot areas are (docs/method.md): the region geometry is
repaired and given points every ``geodesy.SEGMENT_DEG`` along its straight lon/lat
edges (as ``prepare.clean`` does), then measured geodesically on the WGS84 ellipsoid
(``geodesy.area_km2``), in km². Geometries are WGS84 longitude/latitude.

``regions`` is a frame as ``Store.regions(level)`` returns it: ``code``, ``name_uk``,
``name_en``, ``oblast`` (… optional) and a shapely ``geometry`` column.

How overlap is computed (vectorised, shapely 2): the controlled geometry is prepared
once and each region is classified as wholly inside it (its controlled area is its
own area), disjoint from it (0) or crossing its boundary. Only the crossing regions
are overlaid, and not against the whole controlled map: the map is first cut into
0.25° tile pieces (``tiles.cut``), an STRtree pairs each crossing region with the
pieces it meets, and one ``shapely.intersection`` call over those pairs gives the
overlap, whose geodesic areas are summed per region. Pieces are disjoint, so the sum
is the area of the region's overlap with the whole map.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike, NDArray
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

from vigil.territory import geodesy, tiles
from vigil.territory.prepare import clean

LABELS = ["code", "name_en", "name_uk", "oblast"]
_POLYGON = 3
_POLYGONAL = (3, 6)
# Holes in ``country`` smaller than this are gaps between oblast polygons, not outline.
SLIVER_HOLE_KM2 = 1.0


# -- region geometry ---------------------------------------------------------------------
def clean_regions(geometries: ArrayLike) -> NDArray[np.object_]:
    """Region geometries repaired and densified exactly as snapshots are at ingest.

    Valid inputs take the vectorised path (2-D, points every ``SEGMENT_DEG`` on straight
    edges, normalised), which gives the same shape as ``prepare.clean``; invalid ones
    go through ``prepare.clean`` itself (``make_valid``, polygonal parts only).
    """
    geoms = np.asarray(geometries, dtype=object).copy()
    if not len(geoms):
        return geoms
    valid = shapely.is_valid(geoms) & np.isin(shapely.get_type_id(geoms), _POLYGONAL)
    out = np.empty(len(geoms), dtype=object)
    ok = shapely.force_2d(geoms[valid])
    out[valid] = shapely.normalize(shapely.segmentize(ok, geodesy.SEGMENT_DEG))
    for i in np.flatnonzero(~valid):
        out[i] = clean(geoms[i])[0]
    return out


def _labels(regions: pd.DataFrame) -> pd.DataFrame:
    cols = {c: regions[c].to_numpy() if c in regions else None for c in LABELS}
    return pd.DataFrame(cols, index=range(len(regions)))


def overlap_km2(
    region_geoms: NDArray[np.object_],
    geometry: BaseGeometry | None,
    region_area: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """Geodesic area (km²) of each region's overlap with ``geometry`` (a (multi)polygon).

    ``region_geoms`` should already be cleaned (``clean_regions``); ``region_area`` is
    their geodesic area, computed when not given. A region wholly inside ``geometry``
    counts its own area; a disjoint one 0; only regions crossing the boundary are
    intersected, against the 0.25° pieces of ``geometry`` they meet.
    """
    n = len(region_geoms)
    result = np.zeros(n)
    if geometry is None or geometry.is_empty or not n:
        return result
    if region_area is None:
        region_area = geodesy.area_km2(region_geoms)
    meets, inside = _meets_and_inside(geometry, region_geoms)
    result[inside] = region_area[inside]
    crossing = np.flatnonzero(meets & ~inside)
    if not len(crossing):
        return result
    pieces = tiles.cut(geometry).pieces
    tree = shapely.STRtree(pieces)
    which, piece = tree.query(region_geoms[crossing], predicate="intersects")
    if len(which):
        # few large regions (oblasts): pieces inside kept whole, the rest cut against the
        # region clipped to each piece (see `within`); many small ones: one vectorised call
        if len(crossing) <= 32:
            parts = np.empty(len(which), dtype=object)
            for k in range(len(crossing)):
                mine = which == k
                parts[mine] = within(pieces[piece[mine]], region_geoms[crossing[k]])
        else:
            parts = shapely.intersection(region_geoms[crossing][which], pieces[piece])
        area = geodesy.area_km2(parts)
        result[crossing] += np.bincount(which, weights=area, minlength=len(crossing))
    return result


def _cleaned(regions: pd.DataFrame, stored: bool) -> tuple[NDArray[np.object_], NDArray]:
    """Region geometries cleaned as snapshots are, and their geodesic areas (km²)."""
    if stored:
        return regions["geometry"].to_numpy(), regions["area_km2"].to_numpy(dtype=float)
    geoms = clean_regions(regions["geometry"].to_numpy())
    return geoms, geodesy.area_km2(geoms) if len(geoms) else np.zeros(0)


def _meets_and_inside(
    container: BaseGeometry, geoms: NDArray[np.object_]
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Which ``geoms`` intersect ``container``, and which lie wholly inside it (prepared)."""
    shapely.prepare(container)
    try:
        meets = shapely.intersects(container, geoms)
        inside = meets & shapely.contains(container, geoms)
    finally:
        shapely.destroy_prepared(container)
    return meets, inside


def within(pieces: NDArray[np.object_], region: BaseGeometry) -> NDArray[np.object_]:
    """The parts of ``pieces`` inside ``region`` (a large polygon): pieces wholly inside
    are kept as they are, those outside become empty, and only those the region's
    boundary crosses are intersected, each with the region clipped to its bounds (a
    few hundred vertices instead of an oblast's tens of thousands)."""
    out = np.array([shapely.Polygon()] * len(pieces), dtype=object)
    if not len(pieces) or region.is_empty:
        return out
    meets, inside = _meets_and_inside(region, pieces)
    out[inside] = pieces[inside]
    crossing = np.flatnonzero(meets & ~inside)
    if len(crossing):
        bounds = shapely.bounds(pieces[crossing])
        local = np.array([shapely.clip_by_rect(region, *b) for b in bounds], dtype=object)
        local = shapely.make_valid(local)  # the fast clipper may return invalid rings
        out[crossing] = shapely.intersection(pieces[crossing], local)
    return out


# -- 1. controlled area per region -------------------------------------------------------
def region_areas(
    regions: pd.DataFrame,
    controlled: BaseGeometry,
    grey: BaseGeometry | None = None,
    *,
    stored: bool = False,
) -> pd.DataFrame:
    """Controlled (and grey) area per region, km², geodesic.

    Columns: code, name_en, name_uk, oblast, area_km2 (the region's own geodesic area,
    measured here as snapshots are), controlled_km2, controlled_pct (0-100), grey_km2
    (NaN when ``grey`` is None). Rows keep the order of ``regions``.

    ``controlled`` and ``grey`` are WGS84 (multi)polygons as the store holds them
    (already densified at ingest). Region areas are those of the region polygons,
    which for oblasts are land only: the parts of ``controlled`` drawn over the sea
    or outside Ukraine fall in no region. ``stored``: the regions come from the store,
    already cleaned and measured at import (``area_km2``), so neither is redone.
    """
    geoms, area = _cleaned(regions, stored)
    ctl = overlap_km2(geoms, controlled, area)
    grey_km2 = overlap_km2(geoms, grey, area) if grey is not None else np.full(len(geoms), np.nan)
    out = _labels(regions)
    out["area_km2"] = area
    out["controlled_km2"] = ctl
    with np.errstate(invalid="ignore", divide="ignore"):
        out["controlled_pct"] = np.where(area > 0, 100.0 * ctl / area, np.nan)
    out["grey_km2"] = grey_km2
    return out


# -- 2. change per region ----------------------------------------------------------------
def region_change(
    regions: pd.DataFrame,
    gained: BaseGeometry,
    lost: BaseGeometry,
    *,
    include_zero: bool = False,
    stored: bool = False,
) -> pd.DataFrame:
    """Gained, lost and net km² (geodesic) within each region, net descending.

    ``gained`` and ``lost`` are the two sides of a change (``Change.gained``/``.lost``).
    net_km2 = gained_km2 − lost_km2 within the region. Regions where both are zero are
    left out unless ``include_zero``. Change drawn outside every region (sea, Russia)
    is in no row; when the regions tile the country, the column sums are the national
    gained/lost inside it.
    """
    geoms, area = _cleaned(regions, stored)
    out = _labels(regions)
    out["gained_km2"] = overlap_km2(geoms, gained, area)
    out["lost_km2"] = overlap_km2(geoms, lost, area)
    out["net_km2"] = out["gained_km2"] - out["lost_km2"]
    if not include_zero:
        out = out[(out["gained_km2"] > 0) | (out["lost_km2"] > 0)]
    return out.sort_values("net_km2", ascending=False, kind="stable", ignore_index=True)


# -- 3. which region a fragment lies in --------------------------------------------------
def locate(geometries: ArrayLike, regions: pd.DataFrame, *, by: str = "point") -> pd.DataFrame:
    """The region each geometry (a point or a fragment) lies in.

    ``by="point"``: the region containing the geometry's representative point (a point
    guaranteed inside a polygon; the point itself for points). A point on a shared
    boundary goes to the first region in ``regions`` order.
    ``by="area"``: the region holding the largest share of the geometry's area
    (planar shares in lon/lat: a ranking, not a measure).

    Returns one row per input, in input order: code, name_en, name_uk, oblast (None
    where no region holds it) and ``share`` (the fraction of the area in that region;
    NaN for ``by="point"``).
    """
    geoms = np.atleast_1d(np.asarray(geometries, dtype=object))
    region_geoms = np.asarray(regions["geometry"].to_numpy(), dtype=object)
    tree = shapely.STRtree(region_geoms)
    found = np.full(len(geoms), -1)
    share = np.full(len(geoms), np.nan)
    if by == "point":
        points = shapely.point_on_surface(geoms)
        which, reg = tree.query(points, predicate="intersects")
        order = np.lexsort((reg, which))  # by input, then region order
        which, reg = which[order], reg[order]
        first: NDArray[np.intp] | list[int] = (
            np.flatnonzero(np.r_[True, which[1:] != which[:-1]]) if len(which) else []
        )
        found[which[first]] = reg[first]
    elif by == "area":
        which, reg = tree.query(geoms, predicate="intersects")
        if len(which):
            part = shapely.area(shapely.intersection(geoms[which], region_geoms[reg]))
            total = shapely.area(geoms)[which]
            frac = np.divide(part, total, out=np.zeros_like(part), where=total > 0)
            order = np.lexsort((-frac, which))  # by input, largest share first
            which, reg, frac = which[order], reg[order], frac[order]
            first = np.flatnonzero(np.r_[True, which[1:] != which[:-1]])
            found[which[first]] = reg[first]
            share[which[first]] = frac[first]
    else:
        raise ValueError(f"by must be 'point' or 'area', not {by!r}")
    labels = _labels(regions)
    out = pd.DataFrame({c: [None] * len(geoms) for c in LABELS}, dtype=object)
    hit = found >= 0
    for c in LABELS:
        out.loc[hit, c] = labels[c].to_numpy()[found[hit]]
    out["share"] = share
    return out


# -- 4. front line -----------------------------------------------------------------------
def frontline(
    controlled: BaseGeometry, country: BaseGeometry, *, buffer_km: float = 5.0
) -> tuple[BaseGeometry, float]:
    """The line of contact and its geodesic length in km.

    The line is the boundary of ``controlled`` inside ``country``, without the parts
    within ``buffer_km`` of the country's outline (``country`` is the union of the
    oblast polygons, land only, so its outline is the international border plus the
    coast). Controlled areas drawn up to the border or along the coast then add no
    front line, whether they stop exactly on the border or a little short of or beyond
    it; boundary drawn outside the country (over the sea or in Russia) is not front
    line either. Holes in ``country`` under ``SLIVER_HOLE_KM2`` (gaps between oblast
    polygons left by their union) are filled first. Returns a WGS84 (Multi)LineString
    and its geodesic length (``geodesy.length_km``).

    Why a projection: a buffer is a distance, and distances in degrees are not
    distances (a degree of longitude is ~72 km at 49°N, of latitude ~111 km). The
    buffer is therefore taken in a Lambert azimuthal equal-area projection centred on
    the country: its scale errs by 1 − cos(d/2R), under 0.3 % within 900 km of the
    centre (all of Ukraine is within ~700 km), i.e. under 30 m on a 10 km buffer.
    Only the cut is made there; the line keeps its WGS84 vertices (plus those where
    it is cut) and is measured geodesically. Both inputs are densified to
    ``SEGMENT_DEG`` first, so in the projection they follow their straight lon/lat
    edges (GeoJSON's reading).
    """
    lines = _frontlines(controlled, country, [buffer_km])
    return lines[0]


def frontline_sensitivity(
    controlled: BaseGeometry, country: BaseGeometry, buffers_km: ArrayLike = (1, 2, 5, 10)
) -> pd.DataFrame:
    """Front-line length (km, geodesic) for each buffer: columns buffer_km, length_km."""
    buffers = [float(b) for b in np.atleast_1d(buffers_km)]
    lines = _frontlines(controlled, country, buffers)
    return pd.DataFrame({"buffer_km": buffers, "length_km": [km for _, km in lines]})


def _frontlines(
    controlled: BaseGeometry, country: BaseGeometry, buffers_km: list[float]
) -> list[tuple[BaseGeometry, float]]:
    """Front lines for several buffers, sharing the projection and the boundary."""
    if any(b < 0 for b in buffers_km):
        raise ValueError("buffer_km must be ≥ 0")
    if controlled.is_empty or country.is_empty:
        return [(shapely.MultiLineString(), 0.0) for _ in buffers_km]
    return FrontlineMeter(country).lines(controlled, buffers_km)


class FrontlineMeter:
    """The country's outline prepared once (projection, segments, spatial index), so
    that many snapshots can be measured quickly (a front-line series)."""

    def __init__(self, country: BaseGeometry) -> None:
        country = fill_slivers(country)
        self.to_m, self.to_deg = _laea(country)
        self.country_m = _project(country, self.to_m)
        # Buffering the whole outline (~110,000 vertices for Ukraine) costs seconds; only
        # the outline segments within the buffer distance of the line can cut it, so
        # only those are buffered. The result is the same line.
        self.segments = _segments(shapely.boundary(self.country_m))
        self.tree = shapely.STRtree(self.segments)
        # buffer -> (outline segments buffered so far, their buffer). Consecutive
        # snapshots need nearly the same segments, so a series buffers a few times, not
        # once a snapshot; extra segments far from a line leave its difference unchanged.
        self._zones: dict[float, tuple[frozenset[int], BaseGeometry]] = {}

    def lines(
        self, controlled: BaseGeometry, buffers_km: list[float]
    ) -> list[tuple[BaseGeometry, float]]:
        """(line, geodesic km) for each buffer."""
        if controlled.is_empty:
            return [(shapely.MultiLineString(), 0.0) for _ in buffers_km]
        edge_m = _project(shapely.segmentize(controlled.boundary, geodesy.SEGMENT_DEG), self.to_m)
        # the country clipped to the line's surroundings first: the overlay then works on
        # a few thousand vertices of outline instead of ~110,000
        x0, y0, x1, y1 = edge_m.bounds
        near_country = shapely.clip_by_rect(self.country_m, x0 - 1, y0 - 1, x1 + 1, y1 + 1)
        inside = shapely.intersection(edge_m, near_country)  # drawn over sea/Russia: out
        out = []
        for b in buffers_km:
            line_m = inside
            if b > 0:
                near = self.tree.query(inside, predicate="dwithin", distance=b * 1e3 * 1.001)
                if len(near):
                    line_m = shapely.difference(inside, self._zone(b, near))
            line = _lines_only(_project(line_m, self.to_deg))
            out.append((line, float(geodesy.length_km(line)[0])))
        return out

    def _zone(self, buffer_km: float, near: NDArray[np.intp]) -> BaseGeometry:
        """The buffer of (at least) the ``near`` outline segments, reused when it covers them."""
        have, zone = self._zones.get(buffer_km, (frozenset(), None))
        if zone is None or not have.issuperset(near.tolist()):
            have = have | frozenset(near.tolist())
            picked = self.segments[sorted(have)]
            grown = shapely.buffer(
                shapely.line_merge(shapely.multilinestrings(picked)), buffer_km * 1e3
            )
            assert isinstance(grown, BaseGeometry)  # one geometry in, one out
            zone = grown
            self._zones[buffer_km] = (have, zone)
        return zone


def fill_slivers(country: BaseGeometry, max_km2: float = SLIVER_HOLE_KM2) -> BaseGeometry:
    """``country`` without holes smaller than ``max_km2`` (geodesic).

    A union of oblast polygons keeps the tiny gaps between neighbours as holes (15 of
    them, all under 0.02 km², along the Crimea-Sevastopol line in the shipped data);
    their rings are not the country's outline and must not cut the front line.
    """
    parts = shapely.get_parts(shapely.segmentize(country, geodesy.SEGMENT_DEG))
    parts = parts[shapely.get_type_id(parts) == _POLYGON]
    kept = []
    for poly in parts:
        holes = np.array([shapely.Polygon(r) for r in poly.interiors], dtype=object)
        big = holes[geodesy.area_km2(holes) >= max_km2] if len(holes) else holes
        kept.append(shapely.Polygon(poly.exterior, [h.exterior for h in big]))
    return shapely.multipolygons(kept) if kept else shapely.MultiPolygon()


def _segments(lines: BaseGeometry) -> NDArray[np.object_]:
    """Every two-point segment of a (multi)linestring."""
    coords, of = shapely.get_coordinates(shapely.get_parts(lines), return_index=True)
    same = of[1:] == of[:-1]
    # An array of segments (asarray keeps it as it is; the stubs also allow one geometry).
    return np.asarray(shapely.linestrings(np.stack([coords[:-1][same], coords[1:][same]], axis=1)))


def _laea(country: BaseGeometry) -> tuple[Transformer, Transformer]:
    c = country.envelope.centroid
    laea = CRS.from_proj4(f"+proj=laea +lat_0={c.y} +lon_0={c.x} +datum=WGS84 +units=m")
    return (
        Transformer.from_crs("EPSG:4326", laea, always_xy=True),
        Transformer.from_crs(laea, "EPSG:4326", always_xy=True),
    )


def _project(geom: BaseGeometry, transformer: Transformer) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: np.column_stack(transformer.transform(*xy.T)))


def _lines_only(geom: BaseGeometry) -> BaseGeometry:
    """Merge the linear parts of an overlay result into a (Multi)LineString."""
    parts = shapely.get_parts(geom)
    while len(parts) and (shapely.get_type_id(parts) >= 4).any():
        parts = shapely.get_parts(parts)
    lines = parts[np.isin(shapely.get_type_id(parts), (1, 2)) & ~shapely.is_empty(parts)]
    if not len(lines):
        return shapely.MultiLineString()
    merged = shapely.line_merge(shapely.multilinestrings(lines))
    assert isinstance(merged, BaseGeometry)  # one geometry in, one out
    return merged
