"""Redraws: gained or lost fragments that a source redrew, not advances (pure: no I/O).

A map source sometimes redraws areas it already showed: it merges one layer into
another, redraws a coast or a border, or moves the outline of the areas held before
24 February 2022. The overlay of two snapshots (``vigil.territory.change``) cannot tell
such a fragment from an advance; :func:`flag` gives each fragment of a change the
reasons it is a redraw ("" when none):

``pre-2022``
    At least ``pre_2022_share`` of the fragment lies in the areas the source draws as
    held before 24 February 2022 (DeepState's ORDLO, Crimea and Tuzla layers). Those
    layers are part of the controlled area, so an unchanged pre-2022 layer can never
    meet a gained or lost fragment: a fragment there means the layer itself was
    redrawn (measured: the Crimea layer grew by 790 km² on 2022-09-19).
``seam``
    At least ``seam_share`` of the fragment lies where the two archives of a joined
    source differ, when A and B come from different archives.
``reclassified``
    The raw map turned a grey (unknown-status) area into a controlled one wholesale:
    the gained area that was grey at A totals at least ``reclassified_min_km2`` in this
    change, and the grey zone shrank by at least ``grey_shrink_share`` of that total
    (it was absorbed, not pushed forward). Every gained fragment at least
    ``grey_share`` grey at A is flagged. Losses into the grey zone are never flagged:
    DeepState draws a retreat first as grey (September 2022: 1,921 km² of controlled
    area turned grey in the week of the Kharkiv counter-offensive, a real loss).
``behind-line``
    The fragment lies farther than ``far_km`` from the line of contact on both dates,
    and within ``far_km`` of the controlled area of the other date (A for a gained
    fragment, B for a lost one): a coast, border or rear-area redraw, or an island
    drawn far from any fighting; not a first bridgehead over the border with Russia,
    which has no line of contact near it yet but lies across open ground. A gap the
    map left unshaded inside the controlled area counts as line of contact (its edge is
    boundary like any other), so filling it in is not caught here (the Crimea redraw of
    September 2022 filled such a gap; the pre-2022 rule catches it).

Several reasons are joined with "," in the priority order of :data:`REASONS`, so the
first one is the main reason.

The line of contact is defined as in ``vigil.territory.regions.frontline``: the
controlled area's boundary inside Ukraine, without the parts within
``border_buffer_km`` of Ukraine's border and coast (the outline of the union of the
oblasts). It is built only near the fragments: only the boundary segments meeting the
fragments' bounding boxes grown by ``far_km`` (found with a spatial index) are
projected, tested against the outline and measured, so a week of 2024-2025 costs a few
hundredths of a second.

Distances are measured in an azimuthal equidistant projection centred on the centre of
the country's bounding box (WGS84 ellipsoid). Distances from the centre are exact;
others err by at most 1 − (d/R)/sin(d/R), under 0.4 % within 900 km of the centre, and
every point of Ukraine lies within about 700 km of it: under 80 m on a 20 km threshold.
Shares of area are geodesic km² (``geodesy.area_km2``) over the fragment's
``area_km2``. Geometries are WGS84 longitude/latitude.
"""

from __future__ import annotations

import datetime as dt
import math
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

from vigil.errors import InputError
from vigil.i18n import gettext as _
from vigil.territory import geodesy
from vigil.territory.regions import fill_slivers

if TYPE_CHECKING:
    from vigil.territory.api import Territory
    from vigil.territory.results import Change

PRE_2022 = "pre-2022"
SEAM = "seam"
RECLASSIFIED = "reclassified"
BEHIND_LINE = "behind-line"

#: Reason id -> what it means, in priority order (the first reason of a fragment is its
#: main one).
REASONS: dict[str, str] = {
    PRE_2022: "in the areas the source draws as held before 24 February 2022",
    SEAM: "where the two archives of a joined source differ",
    RECLASSIFIED: "grey (unknown-status) area turned controlled wholesale: a layer reclassified",
    BEHIND_LINE: "far behind the line of contact on both dates",
}

_POLYGON = 3
_KM_PER_DEG_LAT = 110.57  # the shortest degree of latitude on WGS84 (at the equator)
_KM_PER_DEG_LON = 111.33  # a degree of longitude at the equator; times cos(latitude)
_HOLE_KM2 = 1.0  # holes of the oblast union smaller than this are gaps, not outline
#: Longest piece (m) the line of contact is cut into before the border buffer is applied.
PIECE_M = 250.0


@dataclass(frozen=True)
class RedrawRules:
    """Thresholds of the redraw rules (measured on the DeepState raw archive 2022-2025:
    ``scripts/redraw_census.py``, docs/method.md "Redraws").

    ``far_km``: a fragment farther than this from the line of contact at A and at B,
    and within it of the controlled area, is behind the line. Every advance and retreat
    touches the line of one of its dates (distance 0). Measured on the weekly changes
    2022-2025 (buffer 2 km), the km² flagged behind the line per year for 10 / 20 /
    40 km: gained 2022 541 / 482 / 389, 2023 55 / 54 / 13, 2024 3 / 3 / 3, 2025
    2 / 0 / 0; lost 2023 362 / 332 / 255. 20 km: the middle, and no 2024-2025 week
    moves by more than 1 km² of gains.

    ``border_buffer_km``: boundary within this distance of Ukraine's border or coast is
    not line of contact. 2 km, not the 5 km of the front-line length: the front can run
    within 5 km of the border (Sumy, May 2025: a salient 2-5 km deep, whose 67.6 km²
    advance in the week of 19 May was flagged with 5 km and is not with 2), while
    DeepState's coasts still read as coast with 2 km (the 2023 Kherson coast redraws:
    332 km² flagged with 2 km, 56 km² with 1 km).

    ``pre_2022_share`` / ``seam_share``: the share of a fragment's area inside the
    pre-2022 areas / the seam that makes it a redraw (0.5: mostly inside).

    ``grey_share``: the share of a gained fragment that must have been grey at A for
    it to be part of a reclassification (0.5: mostly grey).

    ``reclassified_min_km2``: the grey-to-controlled total of a change that makes it a
    reclassification. Measured weekly: April 2022 converted 3,438 and 2,788 km² a week,
    every other week of 2022-2025 at most 492 km² (2024-2025 at most 142); daily: the
    April 2022 steps 3,284, 1,929 and 1,555 km², every other day at most 564 km² (2024-
    2025 at most 76). 1,000 km² lies in both gaps.

    ``grey_shrink_share``: the grey zone must also shrink from A to B by at least this
    share of the converted total. A front moving through a grey band converts grey area
    every week but the band is redrawn ahead of it (2024-2025: the grey zone stays near
    1,000 km² while ~100 km² a week turn controlled); a reclassified layer leaves no
    grey behind (April 2022: 6,479 → 3,312 → 812 km²).
    """

    far_km: float = 20.0
    border_buffer_km: float = 2.0
    pre_2022_share: float = 0.5
    seam_share: float = 0.5
    grey_share: float = 0.5
    reclassified_min_km2: float = 1000.0
    grey_shrink_share: float = 0.5

    def __post_init__(self) -> None:
        for name in ("far_km", "border_buffer_km", "reclassified_min_km2"):
            value = getattr(self, name)
            if not (value >= 0 and math.isfinite(value)):
                raise InputError(
                    _("expected a number ≥ 0, got %(value)s") % {"value": value}, param=name
                )
        for name in ("pre_2022_share", "seam_share", "grey_share", "grey_shrink_share"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise InputError(
                    _("expected a share between 0 and 1, got %(value)s") % {"value": value},
                    param=name,
                )


@dataclass(frozen=True)
class RedrawContext:
    """What the rules look at besides the fragments (WGS84 geometries).

    ``pre_2022``: the areas drawn as held before 24 February 2022, at A and at B (their
    union); None when the source has no such layer (the criterion is then skipped).
    ``controlled_a`` / ``controlled_b``: the geometries the change was computed from.
    ``grey_a`` / ``grey_b``: the unknown-status zone at A and B (None: the source has
    none, or the change already includes it). ``country``: Ukraine's outline (union of
    the oblasts), for the line of contact (None: criterion skipped). ``seam``: where
    the two archives of a joined source differ, when A and B come from different ones.
    """

    pre_2022: BaseGeometry | None
    controlled_a: BaseGeometry
    controlled_b: BaseGeometry
    grey_a: BaseGeometry | None
    grey_b: BaseGeometry | None
    country: BaseGeometry | None
    seam: BaseGeometry | None = None


def flag(
    fragments: pd.DataFrame, ctx: RedrawContext, rules: RedrawRules = RedrawRules()
) -> pd.Series:
    """The redraw reasons of each fragment ("" when it is not a redraw).

    ``fragments``: a table as ``change.fragment_table`` makes it (direction, area_km2,
    geometry, …). Returns a string Series on its index: reason ids of :data:`REASONS`
    joined with "," in priority order.
    """
    hits = flags(fragments, ctx, rules)
    return reasons(hits, fragments.index)


def flags(
    fragments: pd.DataFrame, ctx: RedrawContext, rules: RedrawRules = RedrawRules()
) -> dict[str, NDArray[np.bool_]]:
    """Each available rule's verdict per fragment (rules whose input is None are absent)."""
    _check_fragments(fragments)
    geoms = np.asarray(fragments["geometry"].to_numpy(), dtype=object)
    area = fragments["area_km2"].to_numpy(dtype=float)
    gained = (fragments["direction"] == "gained").to_numpy()
    hits: dict[str, NDArray[np.bool_]] = {}
    if ctx.pre_2022 is not None:
        hits[PRE_2022] = share_inside(geoms, ctx.pre_2022, area) >= _at_least(rules.pre_2022_share)
    if ctx.seam is not None:
        hits[SEAM] = share_inside(geoms, ctx.seam, area) >= _at_least(rules.seam_share)
    if ctx.grey_a is not None and ctx.grey_b is not None:
        hits[RECLASSIFIED] = reclassified(geoms, area, gained, ctx.grey_a, ctx.grey_b, rules)
    if ctx.country is not None:
        hits[BEHIND_LINE] = behind_line(geoms, gained, ctx, rules)
    return hits


def reasons(hits: dict[str, NDArray[np.bool_]], index: pd.Index) -> pd.Series:
    """Join per-rule verdicts into one reason string per row, in priority order."""
    out = np.full(len(index), "", dtype=object)
    for rid in REASONS:
        hit = hits.get(rid)
        if hit is None or not hit.any():
            continue
        out[hit] = np.where(out[hit] == "", rid, out[hit] + "," + rid)
    return pd.Series(out, index=index, dtype=object, name="redraw")


def label(reason: str) -> str:
    """The human label of a reason string ("pre-2022,behind-line" → both labels)."""
    return "; ".join(REASONS[r] for r in reason.split(",") if r)


def _at_least(share: float) -> float:
    # shares are ratios of two geodesic sums: allow for their rounding at 100 %
    return share - 1e-9


def _check_fragments(fragments: pd.DataFrame) -> None:
    missing = [c for c in ("direction", "area_km2", "geometry") if c not in fragments]
    if missing:
        # Translators: the words in brackets and %(columns)s are column names; keep them.
        raise InputError(
            _("expected a fragment table (direction, area_km2, geometry); missing %(columns)s")
            % {"columns": ", ".join(missing)},
            param="fragments",
        )


# -- shares of area ----------------------------------------------------------------------
def share_inside(
    geoms: NDArray[np.object_], region: BaseGeometry, area_km2: NDArray[np.float64] | None = None
) -> NDArray[np.float64]:
    """The share (0-1) of each geometry's geodesic area that lies inside ``region``.

    Only the geometries meeting ``region`` (prepared) are intersected. ``area_km2``:
    the geometries' own geodesic areas, computed when not given. A geometry of zero
    area has share 0.
    """
    geoms = np.asarray(geoms, dtype=object)
    inside = inside_km2(geoms, region)
    if area_km2 is None:
        area_km2 = geodesy.area_km2(geoms) if len(geoms) else np.zeros(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(area_km2 > 0, inside / np.where(area_km2 > 0, area_km2, 1.0), 0.0)


def inside_km2(geoms: NDArray[np.object_], region: BaseGeometry) -> NDArray[np.float64]:
    """Geodesic km² of each geometry inside ``region``."""
    out = np.zeros(len(geoms))
    if not len(geoms) or region.is_empty:
        return out
    meets = np.flatnonzero(_intersects(region, geoms))
    if len(meets):
        out[meets] = geodesy.area_km2(shapely.intersection(geoms[meets], region))
    return out


def _intersects(region: BaseGeometry, geoms: NDArray[np.object_]) -> NDArray[np.bool_]:
    """``shapely.intersects`` with ``region`` prepared for the call (left as found: a
    geometry the caller prepared stays prepared)."""
    if shapely.is_prepared(region):
        return np.asarray(shapely.intersects(region, geoms))
    shapely.prepare(region)
    try:
        return np.asarray(shapely.intersects(region, geoms))
    finally:
        shapely.destroy_prepared(region)


def reclassified(
    geoms: NDArray[np.object_],
    area_km2: NDArray[np.float64],
    gained: NDArray[np.bool_],
    grey_a: BaseGeometry,
    grey_b: BaseGeometry,
    rules: RedrawRules = RedrawRules(),
) -> NDArray[np.bool_]:
    """Gained fragments that are part of a wholesale grey-to-controlled reclassification.

    The change converts ``C`` = the gained area (km²) that was grey at A. When ``C`` ≥
    ``reclassified_min_km2`` and the grey zone shrank from A to B by at least
    ``grey_shrink_share`` × ``C``, every gained fragment at least ``grey_share`` grey at
    A is flagged; otherwise none is.
    """
    out = np.zeros(len(geoms), dtype=bool)
    if not gained.any():
        return out
    grey_km2 = np.zeros(len(geoms))
    grey_km2[gained] = inside_km2(geoms[gained], grey_a)
    converted = float(grey_km2.sum())
    shrink = float(geodesy.area_km2(grey_a)[0] - geodesy.area_km2(grey_b)[0])
    if converted < rules.reclassified_min_km2 or shrink < rules.grey_shrink_share * converted:
        return out
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(area_km2 > 0, grey_km2 / np.where(area_km2 > 0, area_km2, 1.0), 0.0)
    return gained & (share >= _at_least(rules.grey_share))


# -- distance to the line of contact -----------------------------------------------------
@dataclass(frozen=True)
class Distances:
    """Distances (km) from fragments to one snapshot's controlled area, up to ``far_km``
    (``inf`` beyond): ``line_km`` to its line of contact, ``edge_km`` to the area itself
    (0 inside or touching it; else to its boundary, border and coast included)."""

    line_km: NDArray[np.float64]
    edge_km: NDArray[np.float64]


def distances_km(
    geoms: NDArray[np.object_],
    controlled: BaseGeometry,
    country: BaseGeometry,
    far_km: float,
    border_buffer_km: float = 2.0,
) -> Distances:
    """Distances from each geometry to the line of contact of ``controlled`` and to
    ``controlled`` itself.

    Exact (to the projection's error, see the module docstring) up to ``far_km``;
    ``inf`` where none lies within ``far_km``: both are built only from the boundary
    segments inside the geometries' bounding boxes grown by ``far_km``.
    """
    geoms = np.asarray(geoms, dtype=object)
    near = _Near(geoms, Outline.of(country), far_km)
    return near.distances(controlled, border_buffer_km)


def line_distance_km(
    geoms: NDArray[np.object_],
    controlled: BaseGeometry,
    country: BaseGeometry,
    far_km: float,
    border_buffer_km: float = 2.0,
) -> NDArray[np.float64]:
    """Distance (km) from each geometry to the line of contact of ``controlled``, up to
    ``far_km`` (``inf`` beyond); see :func:`distances_km`."""
    return distances_km(geoms, controlled, country, far_km, border_buffer_km).line_km


def behind_line(
    geoms: NDArray[np.object_],
    gained: NDArray[np.bool_],
    ctx: RedrawContext,
    rules: RedrawRules = RedrawRules(),
) -> NDArray[np.bool_]:
    """Fragments farther than ``far_km`` from the line of contact at A and at B, and
    within ``far_km`` of the controlled area of the other date (A for a gained
    fragment, B for a lost one): on the controlled side of the line, not a new area
    across open ground (a first bridgehead over the border with Russia is an advance
    even when no line of contact is drawn near it yet). ``ctx.country`` must be set.
    """
    assert ctx.country is not None
    far = rules.far_km
    near = _Near(np.asarray(geoms, dtype=object), Outline.of(ctx.country), far)
    at_a = near.distances(ctx.controlled_a, rules.border_buffer_km)
    at_b = near.distances(ctx.controlled_b, rules.border_buffer_km)
    beside = np.where(gained, at_a.edge_km, at_b.edge_km) <= far
    return (at_a.line_km > far) & (at_b.line_km > far) & beside


class _Near:
    """Fragments prepared for distance queries: projected once, with their bounding
    boxes grown by ``far_km`` (degrees) in a spatial index."""

    def __init__(self, geoms: NDArray[np.object_], outline: Outline, far_km: float) -> None:
        self.geoms = geoms
        self.outline = outline
        self.far_km = far_km
        self.geoms_m = outline.project(geoms) if len(geoms) else geoms
        self.boxes = shapely.STRtree(_grown_boxes(geoms, far_km)) if len(geoms) else None

    def distances(self, controlled: BaseGeometry, border_buffer_km: float) -> Distances:
        n = len(self.geoms)
        line, edge = np.full(n, np.inf), np.full(n, np.inf)
        if not n or controlled.is_empty or self.boxes is None:
            return Distances(line, edge)
        edges = _segments(shapely.boundary(controlled))
        if len(edges):
            edges = edges[np.unique(self.boxes.query(edges)[0])]  # bounding boxes meet
        edges_m, line_m = self.outline.line_of_contact(edges, border_buffer_km)
        for found, out in ((edges_m, edge), (line_m, line)):
            if len(found):
                (which, _), dist = shapely.STRtree(found).query_nearest(
                    self.geoms_m,
                    max_distance=self.far_km * 1e3,
                    return_distance=True,
                    all_matches=False,
                )
                np.minimum.at(out, which, dist / 1e3)
        edge[_intersects(controlled, self.geoms)] = 0.0  # inside or touching
        return Distances(line, edge)


def _grown_boxes(geoms: NDArray[np.object_], far_km: float) -> NDArray[np.object_]:
    """The geometries' bounding boxes grown by at least ``far_km`` (degrees).

    A degree of latitude is never shorter than 110.57 km, one of longitude never
    shorter than 111.33 km × cos(the box's largest |latitude|); 2 % more for safety.
    """
    b = shapely.bounds(geoms)
    b = b[np.isfinite(b).all(axis=1)]
    dlat = 1.02 * far_km / _KM_PER_DEG_LAT
    lat = np.minimum(np.maximum(np.abs(b[:, 1]), np.abs(b[:, 3])) + dlat, 89.0)
    dlon = 1.02 * far_km / (_KM_PER_DEG_LON * np.cos(np.radians(lat)))
    return np.asarray(shapely.box(b[:, 0] - dlon, b[:, 1] - dlat, b[:, 2] + dlon, b[:, 3] + dlat))


def _segments(lines: BaseGeometry | NDArray[np.object_]) -> NDArray[np.object_]:
    """Every two-point segment of (an array of) line geometries (other parts ignored)."""
    parts = shapely.get_parts(lines)
    while len(parts) and (shapely.get_type_id(parts) >= 4).any():
        parts = shapely.get_parts(parts)
    parts = parts[np.isin(shapely.get_type_id(parts), (1, 2)) & ~shapely.is_empty(parts)]
    if not len(parts):
        return np.empty(0, dtype=object)
    coords, of = shapely.get_coordinates(parts, return_index=True)
    same = of[1:] == of[:-1]
    pairs = np.stack([coords[:-1][same], coords[1:][same]], axis=1)
    return np.asarray(shapely.linestrings(pairs))


class Outline:
    """Ukraine's outline prepared once: projected, cut into segments, indexed.

    ``Outline.of(country)`` returns the one prepared for that very geometry object (a
    few are kept, each with a reference to its geometry so that its id stays its own):
    a series flags hundreds of changes with one outline (built in about 1.5 s).
    """

    _cache: ClassVar[dict[int, tuple[BaseGeometry, Outline]]] = {}
    _CACHE_SIZE: ClassVar[int] = 4

    def __init__(self, country: BaseGeometry) -> None:
        country = fill_slivers(country, _HOLE_KM2)
        c = country.envelope.centroid
        aeqd = CRS.from_proj4(f"+proj=aeqd +lat_0={c.y} +lon_0={c.x} +datum=WGS84 +units=m")
        self._to_m = Transformer.from_crs("EPSG:4326", aeqd, always_xy=True)
        self.country_m = self.project(country)
        shapely.prepare(self.country_m)
        self.segments = _segments(shapely.boundary(self.country_m))
        self.tree = shapely.STRtree(self.segments)

    @classmethod
    def of(cls, country: BaseGeometry) -> Outline:
        hit = cls._cache.get(id(country))
        if hit is not None and hit[0] is country:
            return hit[1]
        outline = cls(country)
        if len(cls._cache) >= cls._CACHE_SIZE:
            cls._cache.pop(next(iter(cls._cache)))
        cls._cache[id(country)] = (country, outline)
        return outline

    def project(self, geoms: Any) -> Any:
        """WGS84 geometry (or array) to metres in the equidistant projection."""
        to_m: Callable[..., Any] = self._to_m.transform
        return shapely.transform(geoms, lambda xy: np.column_stack(to_m(*xy.T)))

    def line_of_contact(
        self, edges: NDArray[np.object_], border_buffer_km: float
    ) -> tuple[NDArray[np.object_], NDArray[np.object_]]:
        """(boundary, line of contact) of a controlled area, as segments in metres, from
        its boundary ``edges`` (WGS84 segments).

        The edges are densified (points every ``geodesy.SEGMENT_DEG`` along straight
        lon/lat edges) and projected; the line of contact is their part inside the
        country whose segments do not come within ``border_buffer_km`` of its outline.
        Segments crossing the outline are cut into pieces of at most ``PIECE_M``, of
        which those inside are kept; the segments near the outline
        (found with its spatial index, one vectorised query) are cut into pieces of at
        most ``PIECE_M`` and tested again, and the pieces within the buffer dropped.
        Dropping whole pieces instead of cutting the line at the buffer's edge removes at
        most ``PIECE_M`` more line at each end: distances to the line are exact to within
        that. (Cutting with the buffered outline, as ``regions.FrontlineMeter`` does for
        lengths, cost 2.3 s per change near the coast.)
        """
        empty = np.empty(0, dtype=object)
        if not len(edges):
            return empty, empty
        dense = shapely.segmentize(edges, geodesy.SEGMENT_DEG)
        edges_m = _segments(self.project(dense))
        # drawn over the sea or Russia: not line. Segments crossing the outline are cut
        # into pieces, of which those inside are kept (a piece crossing it lies within
        # PIECE_M of the outline, inside any buffer of at least that).
        inside = shapely.covers(self.country_m, edges_m)
        crossing = ~inside & shapely.intersects(self.country_m, edges_m)
        cut = _segments(shapely.segmentize(edges_m[crossing], PIECE_M))
        cut = cut[shapely.covers(self.country_m, cut)] if len(cut) else cut
        segments = np.concatenate([edges_m[inside], cut])
        if border_buffer_km <= 0 or not len(segments):
            return edges_m, segments
        # the segments (≤ SEGMENT_DEG long) that come near the outline are cut into pieces
        # and tested again; the others are kept whole
        buffer_m = border_buffer_km * 1e3
        near = self._near_outline(segments, buffer_m)
        pieces = _segments(shapely.segmentize(segments[near], PIECE_M))
        pieces = pieces[~self._near_outline(pieces, buffer_m)] if len(pieces) else pieces
        return edges_m, np.concatenate([segments[~near], pieces])

    def _near_outline(self, lines: NDArray[np.object_], distance_m: float) -> NDArray[np.bool_]:
        """Which ``lines`` (metres) come within ``distance_m`` of the outline."""
        out = np.zeros(len(lines), dtype=bool)
        if len(lines):
            # the nearest outline segment within reach, one per line (all pairs cost 25x more)
            (hit, _) = self.tree.query_nearest(lines, max_distance=distance_m, all_matches=False)
            out[hit] = True
        return out


# -- a context from a store --------------------------------------------------------------
_COUNTRY: weakref.WeakKeyDictionary[Any, BaseGeometry] = weakref.WeakKeyDictionary()


def country_of(t: Territory) -> BaseGeometry | None:
    """Ukraine's outline for a store: the union of its oblasts (None without oblasts);
    computed once per open Territory (about 1.5 s)."""
    if t in _COUNTRY:
        return _COUNTRY[t]
    if not t.store.has_regions("oblast"):
        return None
    country = shapely.union_all(t.store.regions("oblast").geometry.to_numpy())
    assert isinstance(country, BaseGeometry)
    _COUNTRY[t] = country
    return country


def context_for(t: Territory, change: Change) -> RedrawContext:
    """The context of ``change`` (from ``t.change``), from the store behind ``t``.

    pre_2022: the union of the source's ``pre-2022`` snapshots standing for A and B
    (None when the source has none). grey: the ``grey`` snapshots of A and B, unless
    the change already includes the grey zone. country: the union of the oblasts (None
    without geography). seam: when A and B come from different parts of a joined
    source, the symmetric difference of the two parts' maps on the last date of A's
    part and B's part both cover (the last date of the earlier-ending one).
    """
    return context_between(t, change.source, change.kind, change.snapshot_from, change.snapshot_to)


def context_between(
    t: Territory, src: str, kind: str, snapshot_from: dt.date, snapshot_to: dt.date
) -> RedrawContext:
    """:func:`context_for` the change of ``src`` (``kind``) between two snapshot dates."""
    from vigil import periods as P
    from vigil.territory.sources.base import CONTROLLED_GREY, Kind

    store = t.store
    row_a = store.snapshot(src, kind, snapshot_from)
    row_b = store.snapshot(src, kind, snapshot_to)
    grey_a = grey_b = None
    found_a = store.find(src, Kind.GREY, snapshot_from)
    found_b = store.find(src, Kind.GREY, snapshot_to)
    if kind != CONTROLLED_GREY and found_a is not None and found_b is not None:
        grey_a, grey_b = store.geometry(found_a.id), store.geometry(found_b.id)
    pre_2022 = None
    pre_dates = store.dates(src, Kind.PRE_2022)
    if pre_dates:
        found = [
            d
            for d in (
                P.snapshot_for(snapshot_from, pre_dates),
                P.snapshot_for(snapshot_to, pre_dates),
            )
            if d is not None
        ]
        shapes = [_geometry_on(t, src, Kind.PRE_2022, d) for d in sorted(set(found))]
        pre_2022 = shapely.union_all(shapes) if shapes else None
    seam = None
    if row_a.source != row_b.source:
        seam = _seam(t, row_a.source, row_b.source, kind)
    return RedrawContext(
        pre_2022=pre_2022,
        controlled_a=store.geometry(row_a.id),
        controlled_b=store.geometry(row_b.id),
        grey_a=grey_a,
        grey_b=grey_b,
        country=country_of(t),
        seam=seam,
    )


def _geometry_on(t: Territory, source: str, kind: str, day: Any) -> BaseGeometry:
    return t.store.geometry(t.store.snapshot(source, kind, day).id)


def _seam(t: Territory, part_a: str, part_b: str, kind: str) -> BaseGeometry | None:
    """Where two archives differ: their maps compared on the last date both cover."""
    from vigil import periods as P

    dates_a, dates_b = t.store.dates(part_a, kind), t.store.dates(part_b, kind)
    if not dates_a or not dates_b:
        return None
    day = min(dates_a[-1], dates_b[-1])
    da, db = P.snapshot_for(day, dates_a), P.snapshot_for(day, dates_b)
    if da is None or db is None:
        return None
    ga = _geometry_on(t, part_a, kind, da)
    gb = _geometry_on(t, part_b, kind, db)
    return shapely.symmetric_difference(ga, gb)
