"""Turn what a reader yields into what the store keeps (pure: no I/O).

One place repairs geometry (``make_valid``), keeps only polygonal parts, computes
the geodesic area, the content hash and the tile pieces. It runs in worker
processes during an ingest, so everything it returns is plain, picklable data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

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
    if len(polys) > 1 and not shapely.is_valid(shapely.multipolygons(polys)):
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
    geom, repaired, dropped = clean(snapshot.geometry)
    return _prepared(snapshot, str(snapshot.kind), geom, repaired, dropped)


def prepare_group(group: Sequence[Snapshot]) -> list[Prepared]:
    """Prepare the snapshots of one date; add the controlled+grey union when both exist."""
    out = [prepare(s) for s in group]
    by_kind = {p.kind: (s, p) for s, p in zip(group, out, strict=True)}
    if Kind.CONTROLLED in by_kind and Kind.GREY in by_kind:
        snap, _ = by_kind[Kind.CONTROLLED]
        geoms = [shapely.from_wkb(by_kind[k][1].wkb) for k in (Kind.CONTROLLED, Kind.GREY)]
        union = shapely.union_all(geoms)
        geom, _, _ = clean(union)
        repaired = any(by_kind[k][1].repaired for k in (Kind.CONTROLLED, Kind.GREY))
        out.append(_prepared(snap, CONTROLLED_GREY, geom, repaired, 0))
    return out


def _prepared(
    snapshot: Snapshot, kind: str, geom: BaseGeometry, repaired: bool, dropped: int
) -> Prepared:
    wkb = shapely.to_wkb(geom, output_dimension=2)
    cut = tiles.cut(geom)
    piece_wkbs: Iterable[bytes] = (
        shapely.to_wkb(cut.pieces, output_dimension=2) if len(cut.pieces) else []
    )
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
            for x, y, h, w in zip(cut.ix, cut.iy, cut.hashes, piece_wkbs, strict=True)
        ],
    )
