"""The tile cut (vigil.territory.tiles): pieces partition the geometry exactly.

Checked on hand-made shapes with known cells and on the first snapshot of the bundled
daily archive (2024-07-08, read here with tarfile + json + shapely, not through Vigil):
the union of the pieces is the geometry, pieces do not overlap and each lies in its
cell, whole cells are plain boxes, and equal content gives equal hashes.

Areas: the pieces' geodesic areas sum to the area of the uncut geometry up to the
effect of the vertices the cut inserts on grid lines. Those vertices lie on the
straight lon/lat segment, not on the geodesic between the original vertices, so the
sum moves by a hair; the test measures that difference on the real map and bounds it.
"""

from __future__ import annotations

import json
import tarfile

import numpy as np
import pytest
import shapely
from shapely.geometry import GeometryCollection, LineString, MultiPolygon, Point, Polygon

from vigil.territory import tiles
from vigil.territory.geodesy import SEGMENT_DEG, area_km2
from vigil.territory.prepare import clean
from vigil.testing import assert_km2_close, geod_area_km2, rectangle, square

S = tiles.TILE_DEG


def cell(ix: int, iy: int, size: float = S) -> Polygon:
    return shapely.box(ix * size, iy * size, (ix + 1) * size, (iy + 1) * size)


def full_cell(ix: int, iy: int, size: float = S) -> Polygon:
    """A cell as a piece: its box with points every SEGMENT_DEG along its sides."""
    return shapely.normalize(shapely.segmentize(cell(ix, iy, size), SEGMENT_DEG))


def assert_partition(geometry, cut: tiles.Tiles, size: float = S) -> None:
    """The pieces of ``cut`` partition ``geometry`` (planar lon/lat checks)."""
    pieces = cut.pieces
    n = len(pieces)
    assert len(cut.ix) == len(cut.iy) == len(cut.hashes) == n
    keys = list(zip(cut.ix.tolist(), cut.iy.tolist(), strict=True))
    assert len(set(keys)) == n, "one piece per cell"
    assert shapely.is_valid(pieces).all(), "every piece is valid"
    assert not shapely.is_empty(pieces).any()
    assert np.isin(shapely.get_type_id(pieces), (3, 6)).all(), "pieces are polygonal"
    assert (shapely.area(pieces) > 0).all()
    # Each piece lies in its cell.
    cells = np.array([cell(x, y, size) for x, y in keys], dtype=object)
    assert shapely.covers(cells, pieces).all(), "a piece pokes out of its cell"
    # No overlap: the areas of the pieces add up to the area of their union.
    union = shapely.union_all(pieces)
    total = shapely.area(pieces).sum()
    assert total == pytest.approx(union.area, rel=1e-9)
    # Their union is the geometry: the symmetric difference has no area.
    assert shapely.symmetric_difference(union, geometry).area <= 1e-9 * geometry.area
    # A cell lying wholly inside the geometry (not touching its boundary) is a plain box.
    for k in range(n):
        if shapely.contains_properly(geometry, cells[k]):
            assert shapely.equals_exact(pieces[k], full_cell(*keys[k], size), 0.0)


SHAPES = {
    "one cell exactly": square(36.0, 48.0, S),
    "square across cells": square(36.1, 48.1, 0.8),
    "square with hole": Polygon(
        square(36.1, 48.1, 0.8).exterior.coords, [square(36.3, 48.3, 0.4).exterior.coords]
    ),
    "multipolygon": MultiPolygon([square(36.1, 48.1, 0.3), square(37.6, 47.05, 0.02)]),
    "irregular": Polygon([(35.2, 47.1), (36.9, 46.8), (37.4, 47.9), (36.1, 48.6), (35.5, 48.0)]),
    "southern/western hemisphere": square(-0.3, -0.3, 0.55),
}


@pytest.mark.parametrize("geometry", SHAPES.values(), ids=SHAPES.keys())
def test_pieces_partition_the_geometry(geometry):
    assert_partition(geometry, tiles.cut(geometry))


def test_cells_of_an_exact_cell_and_of_a_square_across_cells():
    # Known by construction: a square equal to one cell is that cell alone (its
    # neighbours touch it along an edge only and get no piece).
    one = tiles.cut(square(36.0, 48.0, S))
    assert list(zip(one.ix, one.iy, strict=True)) == [(144, 192)]
    assert shapely.equals_exact(one.pieces[0], full_cell(144, 192), 0.0)
    # 36.1..36.9 × 48.1..48.9 spans cells 144..147 × 192..195 (16 cells); the 4 cells
    # 36.25..36.75 × 48.25..48.75 lie wholly inside and are full boxes.
    cut = tiles.cut(SHAPES["square across cells"])
    assert sorted(zip(cut.ix.tolist(), cut.iy.tolist(), strict=True)) == [
        (x, y) for x in range(144, 148) for y in range(192, 196)
    ]
    full = [
        (x, y)
        for x, y, p in zip(cut.ix.tolist(), cut.iy.tolist(), cut.pieces, strict=True)
        if shapely.equals_exact(p, full_cell(x, y), 0.0)
    ]
    assert sorted(full) == [(145, 193), (145, 194), (146, 193), (146, 194)]


def test_cells_inside_a_hole_get_no_piece():
    # The hole 36.2..36.8 × 48.2..48.8 swallows the cells 36.25..36.75 × 48.25..48.75.
    holed = Polygon(
        square(36.0, 48.0, 1.0).exterior.coords, [square(36.2, 48.2, 0.6).exterior.coords]
    )
    cut = tiles.cut(holed)
    keys = set(zip(cut.ix.tolist(), cut.iy.tolist(), strict=True))
    assert len(keys) == 16 - 4
    assert keys.isdisjoint({(145, 193), (145, 194), (146, 193), (146, 194)})
    assert_partition(holed, cut)


def test_empty_geometry_has_no_pieces():
    cut = tiles.cut(MultiPolygon())
    assert len(cut.pieces) == len(cut.ix) == len(cut.hashes) == 0


def test_other_grid_sizes():
    geometry = SHAPES["irregular"]
    for size in (0.1, 0.5, 1.0):
        assert_partition(geometry, tiles.cut(geometry, size), size)


# --- hashes ------------------------------------------------------------------------------


def by_cell(cut: tiles.Tiles) -> dict[tuple[int, int], bytes]:
    return dict(zip(zip(cut.ix.tolist(), cut.iy.tolist(), strict=True), cut.hashes, strict=True))


def test_equal_content_gives_equal_hashes():
    # The store cuts geometries after prepare.clean (which normalises them), so the same
    # area drawn from another start vertex or in the other direction is cut identically.
    # (Uncut, a reversed ring can give grid crossings that differ in the last bit: the
    # design accepts unequal hashes for equal shapes, never the reverse.)
    ring = list(SHAPES["irregular"].exterior.coords)[:-1]
    variants = [Polygon(ring), Polygon(ring[::-1]), Polygon(ring[3:] + ring[:3])]
    hashes = [by_cell(tiles.cut(clean(g)[0])) for g in variants]
    assert hashes[0] == hashes[1] == hashes[2]
    assert len(set(hashes[0].values())) == len(hashes[0]), "different pieces, different hashes"


def test_a_local_change_changes_only_its_cells_hashes():
    base = SHAPES["square across cells"]
    bump = square(36.88, 48.4, 0.05)  # pokes east out of the square, within cell (147, 193)
    changed = shapely.union(base, bump)
    before, after = by_cell(tiles.cut(base)), by_cell(tiles.cut(changed))
    assert before.keys() == after.keys()
    differing = {k for k in before if before[k] != after[k]}
    assert differing == {(147, 193)}


def test_hash_is_of_the_piece_wkb():
    cut = tiles.cut(SHAPES["multipolygon"])
    for piece, digest in zip(cut.pieces, cut.hashes, strict=True):
        assert digest == tiles.piece_hash(shapely.to_wkb(piece, output_dimension=2))
        assert len(digest) == 16


def test_polygonal_keeps_only_areas():
    poly = square(36.0, 48.0, 0.1)
    mixed = GeometryCollection([poly, LineString([(36.2, 48), (36.3, 48)]), Point(36, 48)])
    assert shapely.equals(tiles.polygonal(mixed), poly)
    assert tiles.polygonal(LineString([(0, 0), (1, 1)])).is_empty
    assert tiles.polygonal(poly) is poly


# --- areas of pieces ---------------------------------------------------------------------


def test_box_pieces_sum_to_the_area_of_the_box_as_stored():
    # The store measures a snapshot with points every SEGMENT_DEG along its straight
    # lon/lat edges (prepare.clean); cutting that geometry must not move its area:
    # every cut vertex lies on a segment of at most 0.05°, where the straight line and the
    # geodesic part by under a metre (observed: 5e-5 km² on this 13,327 km² box).
    box = clean(rectangle(35.55, 47.55, 36.95, 48.7))[0]
    cut = tiles.cut(box)
    assert len(cut.pieces) == 6 * 5
    total = area_km2(cut.pieces).sum()
    assert_km2_close(total, geod_area_km2(box), abs_km2=1e-3, rel=0, what="pieces")


def test_an_edge_on_a_grid_line_keeps_its_points():
    # GEOS's rectangle clipper redraws an edge lying on a cell side corner to corner;
    # the cut puts the points back, so a 1° box on grid lines keeps its area when cut.
    box = clean(square(36.0, 48.0, 1.0))[0]
    cut = tiles.cut(box)
    assert len(cut.pieces) == 16
    assert_km2_close(area_km2(cut.pieces).sum(), geod_area_km2(box), rel=1e-9, what="pieces")
    # Reading the edges as straight lon/lat lines (GeoJSON) rather than as single
    # geodesics between the corners moves a 1° box's area by its bulge: 0.1–20 km².
    moved = geod_area_km2(box) - geod_area_km2(square(36.0, 48.0, 1.0))
    assert 0.1 < abs(moved) < 20, f"{moved=} km² for a 1° box (~8,200 km²)"
    assert_km2_close(
        geod_area_km2(box), geod_area_km2(square(36.0, 48.0, 1.0), straight_edges=True), rel=1e-6
    )


# --- the real map ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def first_snapshot(daily_archive):
    """The 2024-07-08 map, read with tarfile + json + shapely (not Vigil's reader)."""
    with tarfile.open(daily_archive) as tar:
        member = tar.getmember("data/deepstatemap_data_20240708.geojson")
        raw = json.loads(tar.extractfile(member).read())
    parts = [shapely.geometry.shape(f["geometry"]) for f in raw["features"]]
    geometry = shapely.union_all(parts)
    assert geometry.is_valid and geometry.geom_type == "MultiPolygon"
    return geometry


def test_real_map_pieces_partition_it(first_snapshot):
    cut = tiles.cut(first_snapshot)
    assert 250 < len(cut.pieces) < 400  # ~110,000 km² at ~400 km² per cell, plus edges
    assert_partition(first_snapshot, cut)


def test_real_map_piece_areas_sum_to_its_area(first_snapshot):
    """The 2024-07-08 map as stored (cleaned): its pieces add up to its area to within
    0.01 km² (observed: 0.0004 km² out of ~109,361 km², from vertices the cut inserts on
    segments of at most 0.05°)."""
    stored = clean(first_snapshot)[0]
    cut = tiles.cut(stored)
    whole = geod_area_km2(stored)
    assert 100_000 < whole < 120_000  # approximate: ~110,000 km² in July 2024
    pieces = area_km2(cut.pieces).sum()
    assert_km2_close(pieces, whole, abs_km2=0.01, rel=0, what="pieces vs whole")
    # and the stored reading is within 0.0005 % of the corners-only geodesic reading
    assert_km2_close(whole, geod_area_km2(first_snapshot), rel=5e-6, what="stored vs corners")
