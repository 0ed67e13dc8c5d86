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
from dataclasses import dataclass, field

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from vigil.territory.geodesy import SEGMENT_DEG

TILE_DEG = 0.25  # edge of a tile, degrees


@dataclass(frozen=True)
class Tiles:
    """Pieces of one geometry: tile indices (ix, iy), pieces, their hashes and WKB."""

    ix: NDArray[np.int64]
    iy: NDArray[np.int64]
    pieces: NDArray[np.object_]
    hashes: list[bytes]
    wkbs: list[bytes] = field(default_factory=list)  # 2D WKB of each piece, hashed


def piece_hash(wkb: bytes) -> bytes:
    """A 16-byte content hash of a piece's WKB."""
    return hashlib.blake2b(wkb, digest_size=16).digest()


def cut(geometry: BaseGeometry, size: float = TILE_DEG) -> Tiles:
    """Cut a (multi)polygon into non-empty, normalised pieces on a ``size``° grid.

    A cell wholly inside the geometry becomes its box without clipping; only cells
    the boundary crosses are clipped, with GEOS's linear rectangle clipper, each
    against the polygons whose envelopes meet it rather than the whole map (the
    clipper treats polygons one by one, so the piece is the same). (A two-level
    coarse/fine variant was measured slower: its Python loop costs more than the
    clipping it saves.)

    Which cells are inside, crossed or outside is decided by GEOS's exact predicates
    (``contains_properly``, ``intersects``) only for the cells the boundary may touch:
    those meeting the bounding box, widened by 1e-9°, of a boundary segment. A cell
    clear of the boundary lies wholly inside or wholly outside (it is connected and
    does not meet the boundary), and so does a run of such cells along a row: one
    point-in-polygon test at a cell centre decides the run. The pieces are the ones
    testing every cell of the bounding box gives (about 3,400 cells for a DeepState
    map, about 300 of them near the line), for a fraction of the predicate calls.
    A whole cell's piece depends on the cell alone, so it is finished (segmentized,
    normalised, WKB, hash) once per process and reused (:data:`_WHOLE`). Measured on
    the raw archive's maps (controlled, grey, their union; serial): 62 ms a day for
    the plain cut, 26 ms for this one, the same pieces byte for byte.
    """
    none = np.array([], dtype=np.int64)
    if geometry.is_empty:
        return Tiles(none, none, np.array([], dtype=object), [], [])
    x0, y0, x1, y1 = geometry.bounds
    col0, row0 = int(np.floor(x0 / size)), int(np.floor(y0 / size))
    cols = np.arange(col0, int(np.floor(x1 / size)) + 1)
    rows = np.arange(row0, int(np.floor(y1 / size)) + 1)
    ix, iy = (a.ravel() for a in np.meshgrid(cols, rows))
    parts = shapely.get_parts(geometry)
    if not (shapely.get_type_id(parts) == _POLYGON).all():  # e.g. a GeometryCollection
        return _cut_every_cell(geometry, ix, iy, size)
    near = _near_boundary(parts, (col0, row0), (len(cols), len(rows)), size).ravel()
    inside = np.zeros(len(ix), dtype=bool)
    touch = np.zeros(len(ix), dtype=bool)
    shapely.prepare(geometry)
    try:
        test = np.flatnonzero(near)
        boxes = _boxes(ix[test], iy[test], size)
        inside[test] = shapely.contains_properly(geometry, boxes)
        touch[test] = shapely.intersects(geometry, boxes)
        clear = ~near
        starts = clear & np.concatenate([[True], near[:-1] | (ix[1:] == col0)])
        run = np.cumsum(starts) - 1  # the run of clear cells along a row each belongs to
        first = np.flatnonzero(starts)
        status = shapely.contains_xy(geometry, (ix[first] + 0.5) * size, (iy[first] + 0.5) * size)
        inside[clear] = touch[clear] = status[run[clear]]
    finally:
        shapely.destroy_prepared(geometry)
    edge = np.flatnonzero(touch & ~inside)
    clipped = _clip_each(
        _local_parts(geometry, parts, ix[edge], iy[edge], size), ix[edge], iy[edge], size
    )
    ok = shapely.area(clipped) > 0
    crossed = _finish(ix[edge[ok]], iy[edge[ok]], clipped[ok])
    whole = _whole_cells(ix[inside], iy[inside], size)
    # Both in the order of the cells (row by row), as the plain cut gives them.
    order = np.argsort(np.concatenate([edge[ok], np.flatnonzero(inside)]), kind="stable")
    return Tiles(
        np.concatenate([crossed.ix, whole.ix])[order],
        np.concatenate([crossed.iy, whole.iy])[order],
        np.concatenate([crossed.pieces, whole.pieces])[order],
        [(crossed.hashes + whole.hashes)[k] for k in order],
        [(crossed.wkbs + whole.wkbs)[k] for k in order],
    )


#: Finished pieces of whole cells, by (ix, iy, size): the same cells lie inside the
#: map day after day (about 220 of a DeepState map's 300 pieces), and a whole cell's
#: piece depends on nothing else. At most _WHOLE_MAX cells (about 1 MB each 1,000).
_WHOLE: dict[tuple[int, int, float], tuple[BaseGeometry, bytes, bytes]] = {}
_WHOLE_MAX = 50_000


def _whole_cells(ix: NDArray, iy: NDArray, size: float) -> Tiles:
    """The pieces of cells wholly inside a geometry: their boxes, finished as any piece
    (segmentized, normalised, WKB, hash), from :data:`_WHOLE` when made before."""
    if len(_WHOLE) + len(ix) > _WHOLE_MAX:
        _WHOLE.clear()
    keys = [(x, y, size) for x, y in zip(ix.tolist(), iy.tolist(), strict=True)]
    new = [k for k, key in enumerate(keys) if key not in _WHOLE]
    if new:
        made = _finish(ix[new], iy[new], _boxes(ix[new], iy[new], size))
        for k, piece, h, w in zip(new, made.pieces, made.hashes, made.wkbs, strict=True):
            _WHOLE[keys[k]] = (piece, h, w)
    found = [_WHOLE[key] for key in keys]
    pieces = np.empty(len(found), dtype=object)
    pieces[:] = [f[0] for f in found]
    return Tiles(
        ix.astype(np.int64),
        iy.astype(np.int64),
        pieces,
        [f[1] for f in found],
        [f[2] for f in found],
    )


_POLYGON = 3  # shapely.GeometryType.POLYGON
_MARGIN = 1e-9  # degrees (0.1 mm) added around boundary segments: rounding never hides a cell


def _boxes(ix: NDArray, iy: NDArray, size: float) -> NDArray[np.object_]:
    return np.asarray(shapely.box(ix * size, iy * size, (ix + 1) * size, (iy + 1) * size))


def _near_boundary(
    parts: NDArray[np.object_], origin: tuple[int, int], shape: tuple[int, int], size: float
) -> NDArray[np.bool_]:
    """(rows, cols) mask of the cells meeting the bounding box of a boundary segment.

    A superset of the cells the boundary touches. Segments of the stored maps are at
    most ``SEGMENT_DEG`` long, so each box spans at most two columns and two rows;
    a longer one marks every cell of its box (still a superset).
    """
    (col0, row0), (ncols, nrows) = origin, shape
    xy, ring = shapely.get_coordinates(shapely.get_rings(parts), return_index=True)
    same = ring[1:] == ring[:-1]  # consecutive positions of one ring: a segment
    a, b = xy[:-1][same], xy[1:][same]
    lo = np.floor((np.minimum(a, b) - _MARGIN) / size).astype(np.int64) - (col0, row0)
    hi = np.floor((np.maximum(a, b) + _MARGIN) / size).astype(np.int64) - (col0, row0)
    lo = np.maximum(lo, 0)
    hi = np.minimum(hi, (ncols - 1, nrows - 1))
    near = np.zeros((nrows, ncols), dtype=bool)
    short = ((hi - lo) <= 1).all(axis=1)
    for cx in (lo[short, 0], hi[short, 0]):
        for cy in (lo[short, 1], hi[short, 1]):
            near[cy, cx] = True
    for (c0, r0), (c1, r1) in zip(lo[~short].tolist(), hi[~short].tolist(), strict=True):
        near[r0 : r1 + 1, c0 : c1 + 1] = True
    return near


def _local_parts(
    geometry: BaseGeometry, parts: NDArray[np.object_], ix: NDArray, iy: NDArray, size: float
) -> NDArray[np.object_]:
    """For each cell, the polygons of ``parts`` whose envelopes meet it (closed boxes),
    in their order in ``geometry``: a Polygon, a MultiPolygon, or ``geometry`` itself."""
    b = shapely.bounds(parts)
    hit = (
        (b[:, 0] <= ((ix + 1) * size)[:, None])
        & (b[:, 2] >= (ix * size)[:, None])
        & (b[:, 1] <= ((iy + 1) * size)[:, None])
        & (b[:, 3] >= (iy * size)[:, None])
    )
    made: dict[bytes, object] = {}
    out = np.empty(len(ix), dtype=object)
    for k, row in enumerate(hit):
        key = row.tobytes()
        if key not in made:
            chosen = np.flatnonzero(row)
            if len(chosen) in (0, len(parts)):
                made[key] = geometry
            elif len(chosen) == 1:
                made[key] = parts[chosen[0]]
            else:
                made[key] = shapely.multipolygons(parts[chosen])
        out[k] = made[key]
    return out


def _cut_every_cell(geometry: BaseGeometry, ix: NDArray, iy: NDArray, size: float) -> Tiles:
    """The plain cut: GEOS predicates on every cell, each crossed cell clipped from
    the whole geometry (for inputs that are not (multi)polygons)."""
    boxes = _boxes(ix, iy, size)
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
    return _finish(ix[keep], iy[keep], pieces[keep])


def _finish(ix: NDArray, iy: NDArray, pieces: NDArray[np.object_]) -> Tiles:
    # The rectangle clipper redraws an edge lying on a cell side corner to corner,
    # dropping its points; put them back so pieces keep straight lon/lat edges.
    pieces = shapely.normalize(shapely.segmentize(pieces, SEGMENT_DEG))
    wkbs: list[bytes] = list(shapely.to_wkb(pieces, output_dimension=2)) if len(pieces) else []
    return Tiles(
        ix.astype(np.int64), iy.astype(np.int64), pieces, [piece_hash(w) for w in wkbs], wkbs
    )


def _clip_each(
    geoms: NDArray[np.object_], ix: NDArray, iy: NDArray, size: float
) -> NDArray[np.object_]:
    """Clip geoms[i] to cell (ix[i], iy[i]); keep only polygonal, valid results.

    GEOS's rectangle clipper is fast but does not promise valid output; an invalid
    piece would make later overlays silently wrong, so any such piece is repaired.
    """
    # shapely.lib.clip_by_rect is the ufunc behind shapely.clip_by_rect, whose checks
    # of scalar arguments cost a quarter of the call here; the rectangle is one scalar
    # each time, so the ufunc is called per cell.
    clip = shapely.lib.clip_by_rect
    out = np.array(
        [
            clip(g, float(x * size), float(y * size), float((x + 1) * size), float((y + 1) * size))
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
