"""Geodesic areas and lengths (vigil.territory.geodesy) against independent references.

References: a spherical closed formula for a lon/lat box (approximate, ±1 %), known
lengths of a degree of latitude, and pyproj's ``Geod`` applied directly to each
geometry (``vigil.testing.geod_area_km2``: polygons oriented first so holes are
subtracted; lengths summed ring by ring). Tolerance for the pyproj comparisons: 0.01 %.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from shapely.geometry import (
    GeometryCollection,
    LineString,
    MultiLineString,
    MultiPoint,
    MultiPolygon,
    Point,
    Polygon,
)

from vigil.territory.geodesy import area_km2, length_km
from vigil.testing import GEOD, assert_km2_close, geod_area_km2, geod_length_km, square

REL = 1e-4  # 0.01 %
AUTHALIC_KM = 6371.0072  # radius of the sphere with the WGS84 ellipsoid's area


def sphere_box_km2(west: float, south: float, east: float, north: float) -> float:
    """Area of a lon/lat box on the authalic sphere: R² Δλ (sin φ₁ − sin φ₀)."""
    dlon = math.radians(east - west)
    return AUTHALIC_KM**2 * dlon * (math.sin(math.radians(north)) - math.sin(math.radians(south)))


def one(geometry) -> float:
    values = area_km2(geometry)
    assert values.shape == (1,)
    return float(values[0])


# --- approximate figures first ----------------------------------------------------------


def test_one_degree_box_near_sphere_formula():
    # The ellipsoid differs from the authalic sphere locally by well under 1 %.
    ours = one(square(36.0, 48.0, 1.0, step_deg=0.01))
    assert_km2_close(ours, sphere_box_km2(36.0, 48.0, 37.0, 49.0), rel=0.01, what="1° box")


def test_degree_of_latitude_is_about_111_km():
    # Meridian arc of 1° at 48°N: 111.2 km (M(φ)·π/180 on WGS84: 111.21 km).
    ours = float(length_km(LineString([(36.0, 47.5), (36.0, 48.5)]))[0])
    assert ours == pytest.approx(111.21, rel=0.001)


# --- areas against pyproj.Geod -----------------------------------------------------------

HOLED = Polygon(
    square(36.0, 48.0, 0.5).exterior.coords,
    [square(36.1, 48.1, 0.2).exterior.coords[::-1]],
)
CASES = {
    "square": square(36.0, 48.0, 0.1),
    "polygon with hole": HOLED,
    "hole given counter-clockwise": Polygon(
        square(36.0, 48.0, 0.5).exterior.coords, [square(36.1, 48.1, 0.2).exterior.coords]
    ),
    "multipolygon": MultiPolygon([square(36.0, 48.0, 0.1), square(37.0, 47.0, 0.3), HOLED]),
    "clockwise exterior": Polygon(square(36.0, 48.0, 0.1).exterior.coords[::-1]),
    "irregular": Polygon([(35.2, 47.1), (36.9, 46.8), (37.4, 47.9), (36.1, 48.6), (35.5, 48.0)]),
    "tiny (~0.002 km²)": square(36.0, 48.0, 0.0005),
    "large (~1000 km)": square(30.0, 44.0, 12.0, step_deg=0.5),
}


@pytest.mark.parametrize("geometry", CASES.values(), ids=CASES.keys())
def test_area_matches_pyproj_geod(geometry):
    assert_km2_close(one(geometry), geod_area_km2(geometry), rel=REL, what="area vs Geod")


def test_hole_is_subtracted():
    # Independent of orientation handling: exterior and hole measured as separate polygons.
    outer, hole = square(36.0, 48.0, 0.5), square(36.1, 48.1, 0.2)
    expected = geod_area_km2(outer) - geod_area_km2(hole)
    assert_km2_close(one(HOLED), expected, rel=REL, what="polygon with hole")
    assert_km2_close(one(CASES["hole given counter-clockwise"]), expected, rel=REL)


def test_multipolygon_is_sum_of_parts():
    parts = list(CASES["multipolygon"].geoms)
    assert_km2_close(
        one(CASES["multipolygon"]), sum(geod_area_km2(p) for p in parts), rel=REL, what="multi"
    )


def test_orientation_and_start_vertex_do_not_matter():
    ring = list(CASES["irregular"].exterior.coords)[:-1]
    rotated = Polygon(ring[2:] + ring[:2])
    reversed_ = Polygon(ring[::-1])
    base = one(CASES["irregular"])
    assert one(rotated) == pytest.approx(base, rel=1e-12)
    assert one(reversed_) == pytest.approx(base, rel=1e-12)
    assert base > 0


def test_bow_tie_after_make_valid():
    # A self-intersecting "bow tie" crossing at its centre (36.5, 48.5); make_valid
    # splits it into two triangles, which are built here by hand.
    bow_tie = Polygon([(36.0, 48.0), (37.0, 49.0), (37.0, 48.0), (36.0, 49.0)])
    assert not bow_tie.is_valid
    repaired = shapely.make_valid(bow_tie)
    triangles = [
        Polygon([(36.0, 48.0), (36.5, 48.5), (36.0, 49.0)]),
        Polygon([(37.0, 48.0), (37.0, 49.0), (36.5, 48.5)]),
    ]
    expected = sum(geod_area_km2(t) for t in triangles)
    assert_km2_close(one(repaired), expected, rel=REL, what="repaired bow tie")
    # Approximately: half of the 1° box.
    assert_km2_close(one(repaired), sphere_box_km2(36, 48, 37, 49) / 2, rel=0.01)


def test_tiny_and_large_are_in_the_expected_range():
    tiny = one(CASES["tiny (~0.002 km²)"])
    assert 0.001 < tiny < 0.01
    large = one(CASES["large (~1000 km)"])
    assert_km2_close(large, sphere_box_km2(30, 44, 42, 56), rel=0.01, what="12° box")


EMPTY_OR_NOT_POLYGONAL = [
    Polygon(),
    MultiPolygon(),
    GeometryCollection(),
    Point(36, 48),
    MultiPoint([(36, 48), (37, 49)]),
    LineString([(36, 48), (37, 49), (36, 49), (36, 48)]),  # a closed line has no area
]


@pytest.mark.parametrize("geometry", EMPTY_OR_NOT_POLYGONAL, ids=lambda g: g.wkt[:30])
def test_empty_and_non_polygonal_have_zero_area(geometry):
    assert one(geometry) == 0.0


def test_area_is_vectorised_over_arrays():
    geoms = [
        square(36.0, 48.0, 0.1),
        Point(1, 1),
        HOLED,
        Polygon(),
        CASES["multipolygon"],
        CASES["tiny (~0.002 km²)"],
    ]
    expected = [geod_area_km2(g) for g in geoms]
    for given in (geoms, np.array(geoms, dtype=object)):
        got = area_km2(given)
        assert got.shape == (len(geoms),)
        for i, (a, e) in enumerate(zip(got, expected, strict=True)):
            assert_km2_close(a, e, rel=REL, abs_km2=1e-12, what=f"element {i}")
    assert area_km2([]).shape == (0,)


def test_collection_of_polygons_counts_its_polygons():
    geom = GeometryCollection([square(36.0, 48.0, 0.1), Point(0, 0), square(37.0, 48.0, 0.1)])
    assert_km2_close(one(geom), geod_area_km2(geom), rel=REL, what="collection")


def test_collection_holding_a_multipolygon_counts_its_area():
    geom = GeometryCollection([MultiPolygon([square(36.0, 48.0, 0.1), square(37.0, 48.0, 0.1)])])
    assert_km2_close(one(geom), geod_area_km2(geom), rel=REL, what="GC(MultiPolygon)")


# --- lengths against pyproj.Geod ---------------------------------------------------------

LINES = {
    "segment": LineString([(36.0, 48.0), (37.0, 48.5)]),
    "polyline": LineString([(35.0, 47.0), (35.5, 47.2), (36.3, 46.9), (37.0, 48.1)]),
    "multiline": MultiLineString([[(36, 48), (36.2, 48.3)], [(37, 47), (37.5, 47), (38, 47.4)]]),
    "long": LineString([(22.0, 44.0), (40.0, 52.0)]),
}


@pytest.mark.parametrize("line", LINES.values(), ids=LINES.keys())
def test_line_length_matches_geod(line):
    ours = float(length_km(line)[0])
    assert ours == pytest.approx(GEOD.geometry_length(line) / 1e3, rel=REL)


def test_polygon_length_is_its_boundary_with_hole_rings():
    ours = float(length_km(HOLED)[0])
    rings = [HOLED.exterior, *HOLED.interiors]
    expected = sum(GEOD.geometry_length(r) for r in rings) / 1e3
    assert ours == pytest.approx(expected, rel=REL)
    # Approximately: 2 × (0.5° of meridian ≈ 55.6 km + 0.5° of parallel at 48°N ≈ 37.3 km)
    # for the exterior plus the same for the 0.2° hole.
    assert ours == pytest.approx(2 * (55.6 + 37.3) + 2 * (22.2 + 14.9), rel=0.01)


def test_length_of_multipolygon_and_arrays():
    geoms = [CASES["multipolygon"], LINES["polyline"], Point(36, 48), Polygon(), HOLED]
    got = length_km(np.array(geoms, dtype=object))
    assert got.shape == (len(geoms),)
    expected = [geod_length_km(g) for g in geoms]
    assert got == pytest.approx(expected, rel=REL)
    assert length_km([Point(1, 1), MultiPoint([(0, 0), (1, 1)])]).tolist() == [0.0, 0.0]


def test_length_of_collection_holding_a_holed_polygon():
    ours = float(length_km(GeometryCollection([HOLED]))[0])
    assert ours == pytest.approx(geod_length_km(HOLED), rel=REL)
