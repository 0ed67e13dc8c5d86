"""Tile decomposition of a geometry: the key to fast overlays between snapshots.

Consecutive maps of a front line differ only along the line. Each snapshot is cut
once, at ingest, into pieces on a fixed longitude/latitude grid (``TILE_DEG``); a
piece is identified by a hash of its normalised WKB. Two snapshots then differ only
in tiles whose hashes differ, and an overlay needs to look at those tiles alone
(typically a dozen out of ~300 for a week). Equal hashes imply equal geometry; the
converse need not hold, which only costs a little extra work, never a wrong answer.

Cutting inserts a vertex where an edge crosses a grid line. On the ellipsoid that
vertex lies on the straight lon/lat segment, not exactly on the geodesic, so an area
summed over pieces can differ from the area of the uncut polygon by a hair: for the
DeepState maps, at most a few thousandths of a km² per change (docs/method.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from vigil.territory.geodesy import SEGMENT_DEG

TILE_DEG = 0.25  # edge of a tile, degrees


@dataclass(frozen=True)
class Tiles:
    """Pieces of one geometry: tile indices (ix, iy), pieces and their hashes."""

    ix: NDArray[np.int64]
    iy: NDArray[np.int64]
    pieces: NDArray[np.object_]
    hashes: list[bytes]


def piece_hash(wkb: bytes) -> bytes:
    """A 16-byte content hash of a piece's WKB."""
    return hashlib.blake2b(wkb, digest_size=16).digest()


def cut(geometry: BaseGeometry, size: float = TILE_DEG) -> Tiles:
    """Cut a (multi)polygon into non-empty, normalised pieces on a ``size``° grid.

    A cell wholly inside the geometry becomes its box without clipping; only cells
    the boundary crosses are clipped, with GEOS's linear rectangle clipper. (A
    two-level coarse/fine variant was measured slower: its Python loop costs more
    than the clipping it saves.)
    """
    none = np.array([], dtype=np.int64)
    if geometry.is_empty:
        return Tiles(none, none, np.array([], dtype=object), [])
    x0, y0, x1, y1 = geometry.bounds
    cols = np.arange(int(np.floor(x0 / size)), int(np.floor(x1 / size)) + 1)
    rows = np.arange(int(np.floor(y0 / size)), int(np.floor(y1 / size)) + 1)
    ix, iy = (a.ravel() for a in np.meshgrid(cols, rows))
    boxes = shapely.box(ix * size, iy * size, (ix + 1) * size, (iy + 1) * size)
    shapely.prepare(geometry)
    try:
        inside = shapely.contains_properly(geometry, boxes)
        touch = shapely.intersects(geometry, boxes)
    finally:
        shapely.destroy_prepared(geometry)
    edge = touch & ~inside
    pieces = boxes.copy()
    pieces[edge] = _clip_each(np.full(edge.sum(), geometry, dtype=object), ix[edge], iy[edge], size)
    keep = touch & (shapely.area(pieces) > 0)
    # The rectangle clipper redraws an edge lying on a cell side corner to corner,
    # dropping its points; put them back so pieces keep straight lon/lat edges.
    pieces = shapely.segmentize(pieces[keep], SEGMENT_DEG)
    ix, iy, pieces = ix[keep], iy[keep], shapely.normalize(pieces)
    wkbs: Iterable[bytes] = shapely.to_wkb(pieces, output_dimension=2) if len(pieces) else []
    return Tiles(ix.astype(np.int64), iy.astype(np.int64), pieces, [piece_hash(w) for w in wkbs])


def _clip_each(
    geoms: NDArray[np.object_], ix: NDArray, iy: NDArray, size: float
) -> NDArray[np.object_]:
    """Clip geoms[i] to cell (ix[i], iy[i]); keep only polygonal, valid results.

    GEOS's rectangle clipper is fast but does not promise valid output; an invalid
    piece would make later overlays silently wrong, so any such piece is repaired.
    """
    out = np.array(
        [
            shapely.clip_by_rect(g, x * size, y * size, (x + 1) * size, (y + 1) * size)
            for g, x, y in zip(geoms, ix.tolist(), iy.tolist(), strict=True)
        ],
        dtype=object,
    )
    broken = ~shapely.is_valid(out)
    if broken.any():
        out[broken] = shapely.make_valid(out[broken])
    odd = ~np.isin(shapely.get_type_id(out), (3, 6)) & ~shapely.is_empty(out)
    for i in np.flatnonzero(odd):
        out[i] = polygonal(out[i])
    return out


def polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Only the polygonal parts of ``geom`` (clipping can leave lines and points)."""
    if shapely.get_type_id(geom) in (3, 6) or geom.is_empty:
        return geom
    parts = shapely.get_parts(geom)
    polys = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
    return shapely.union_all(polys) if len(polys) else shapely.MultiPolygon()
