"""Turn what a reader yields into what the store keeps (pure: no I/O).

One place repairs geometry (``make_valid``), keeps only polygonal parts, computes
the geodesic area, the content hash and the tile pieces. It runs in worker
processes during an ingest, so everything it returns is plain, picklable data.

Cost, raw DeepState archive (three geometries a day: controlled, grey and their
union), serial CPU per day on a loaded 2-core machine: about 93 ms before issue 14,
about 61 ms after (same bytes stored): the tile cut tests only the cells near the
boundary (:func:`vigil.territory.tiles.cut`), ``clean`` skips a second validity check
of an already valid MultiPolygon, the pieces are written to WKB once, and the union
reuses the cleaned geometries instead of reading their WKB back, with one binary
overlay (about 10 ms instead of 18). What remains is mostly GEOS (clipping crossed
cells, the union, segmentize/normalize) and the geodesic area (pyproj, one call per
ring).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from vigil.territory import geodesy, tiles
from vigil.territory.sources.base import CONTROLLED_GREY, Kind, Snapshot


@dataclass(frozen=True)
class Prepared:
    """A snapshot ready to store: canonical WKB, its sha256, area and tile pieces."""

    date: dt.date
    kind: str
    origin: str
    taken_at: dt.datetime | None
    wkb: bytes
    content_hash: str
    area_km2: float
    n_polygons: int
    n_vertices: int
    repaired: bool
    dropped_parts: int
    tiles: list[tuple[int, int, bytes, bytes]]  # ix, iy, piece hash, piece wkb


def clean(geometry: BaseGeometry) -> tuple[BaseGeometry, bool, int]:
    """Repair and normalise: returns (MultiPolygon, was_repaired, dropped_parts).

    Invalid input is repaired with ``make_valid`` (structure method: rings keep
    their role, collapsed parts vanish). Non-polygonal parts are dropped and counted.
    Z is dropped. Edges longer than ``geodesy.SEGMENT_DEG`` get collinear points.
    The result is normalised so equal areas give equal bytes.
    """
    geom = shapely.force_2d(geometry)
    repaired = not shapely.is_valid(geom)
    if repaired:
        geom = shapely.make_valid(geom, method="structure", keep_collapsed=False)
    parts = shapely.get_parts(geom)
    while len(parts) and (shapely.get_type_id(parts) == 7).any():  # nested collections
        parts = shapely.get_parts(parts)
    types = shapely.get_type_id(parts)
    polys = shapely.get_parts(parts[np.isin(types, (3, 6))])
    polys = polys[~shapely.is_empty(polys)]
    dropped = int((~np.isin(types, (3, 6))).sum())
    # A valid MultiPolygon's parts make a valid MultiPolygon again: only repaired output
    # and collections can hold overlapping parts (saves a second validity check).
    checked = not repaired and shapely.get_type_id(geom) == 6
    if len(polys) > 1 and not checked and not shapely.is_valid(shapely.multipolygons(polys)):
        merged = shapely.union_all(polys)  # overlapping parts: merge them
        polys = shapely.get_parts(merged)
        polys = polys[shapely.get_type_id(polys) == 3]
    multi = shapely.multipolygons(polys) if len(polys) else shapely.MultiPolygon()
    multi = shapely.segmentize(
        multi, geodesy.SEGMENT_DEG
    )  # collinear points: the shape is unchanged
    out = shapely.normalize(multi)
    assert isinstance(out, BaseGeometry)  # one geometry in, one out (the stubs allow arrays)
    return out, repaired, dropped


def prepare(snapshot: Snapshot) -> Prepared:
    """Repair, measure, hash and tile one snapshot."""
    return _prepare(snapshot)[0]


def prepare_group(group: Sequence[Snapshot]) -> list[Prepared]:
    """Prepare the snapshots of one date; add the controlled+grey union when both exist.

    Only ``CONTROLLED`` and ``GREY`` are united; any other kind (``PRE_2022``) is
    prepared on its own. A geometry equal (same WKB) to one this process prepared
    lately is not prepared again: its result is reused with this snapshot's date,
    origin and time (see :data:`_RECENT`).
    """
    done = [_prepare(s) for s in group]
    out = [p for p, _ in done]
    by_kind = {s.kind: (s, p, geom) for s, (p, geom) in zip(group, done, strict=True)}
    if Kind.CONTROLLED in by_kind and Kind.GREY in by_kind:
        snap, controlled, c_geom = by_kind[Kind.CONTROLLED]
        _, grey, g_geom = by_kind[Kind.GREY]
        repaired = controlled.repaired or grey.repaired
        key = (CONTROLLED_GREY, controlled.content_hash, grey.content_hash, repaired)
        hit = _recent(key, snap)
        if hit is None:
            # The cleaned geometries are what from_wkb(wkb) gives back: same bytes. A
            # binary union (one overlay) rather than union_all (a cascade over every
            # polygon): 45 % less time, and byte for byte the same result after clean
            # on each of the 1,145 days of the raw archive (benchmarks/ingest_raw.py
            # compares the stores).
            geom, _, _ = clean(shapely.union(c_geom, g_geom))
            hit = _remember(key, _prepared(snap, CONTROLLED_GREY, geom, repaired, 0))
        out.append(hit)
    return out


#: Results this process prepared lately, by what they were prepared from (kind and
#: sha256 of the input's WKB; for controlled+grey, the two inputs' content hashes).
#: Consecutive DeepState days are sometimes identical (34 of 1,145 raw days for the
#: controlled area); a hit skips the whole preparation of that geometry.
_RECENT: OrderedDict[tuple[object, ...], Prepared] = OrderedDict()
_RECENT_SIZE = 8


def _prepare(snapshot: Snapshot) -> tuple[Prepared, BaseGeometry]:
    """The prepared snapshot and its cleaned geometry (reused when seen lately)."""
    raw = shapely.to_wkb(snapshot.geometry, output_dimension=2)
    key = (str(snapshot.kind), hashlib.sha256(raw).digest())
    hit = _recent(key, snapshot)
    if hit is not None:
        return hit, shapely.from_wkb(hit.wkb)
    geom, repaired, dropped = clean(snapshot.geometry)
    return _remember(key, _prepared(snapshot, str(snapshot.kind), geom, repaired, dropped)), geom


def _recent(key: tuple[object, ...], snapshot: Snapshot) -> Prepared | None:
    found = _RECENT.get(key)
    if found is None:
        return None
    _RECENT.move_to_end(key)
    return replace(found, date=snapshot.date, origin=snapshot.origin, taken_at=snapshot.taken_at)


def _remember(key: tuple[object, ...], prepared: Prepared) -> Prepared:
    _RECENT[key] = prepared
    while len(_RECENT) > _RECENT_SIZE:
        _RECENT.popitem(last=False)
    return prepared


def _prepared(
    snapshot: Snapshot, kind: str, geom: BaseGeometry, repaired: bool, dropped: int
) -> Prepared:
    wkb = shapely.to_wkb(geom, output_dimension=2)
    cut = tiles.cut(geom)
    return Prepared(
        date=snapshot.date,
        kind=kind,
        origin=snapshot.origin,
        taken_at=snapshot.taken_at,
        wkb=wkb,
        content_hash=hashlib.sha256(wkb).hexdigest(),
        area_km2=float(geodesy.area_km2(geom)[0]),
        n_polygons=int(shapely.get_num_geometries(geom)),
        n_vertices=int(shapely.get_num_coordinates(geom)),
        repaired=repaired,
        dropped_parts=dropped,
        tiles=[
            (int(x), int(y), h, w)
            for x, y, h, w in zip(
                cut.ix.tolist(), cut.iy.tolist(), cut.hashes, cut.wkbs, strict=True
            )
        ],
    )
