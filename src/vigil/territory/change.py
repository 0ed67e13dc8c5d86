"""Overlay of two snapshots: gained, lost and their fragments (pure: no I/O).

Definitions (docs/method.md): between snapshots A (earlier) and B (later),
gained = B \\ A, lost = A \\ B, net = area(B) - area(A) = gained - lost.

Both snapshots arrive cut into tile pieces (vigil.territory.tiles). Only tiles whose
pieces differ are overlaid, each as one element of a vectorised shapely call; where a
tile is absent on one side the other side's piece is the whole difference. Gained
and lost pieces are then merged across tile edges into connected fragments.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

from vigil.territory import geodesy

EMPTY = shapely.Polygon()
TileKey = tuple[int, int]


@dataclass(frozen=True)
class PieceDiff:
    """The differing tiles of two snapshots, aligned: ``a[i]`` and ``b[i]`` share a tile."""

    a: NDArray[np.object_]
    b: NDArray[np.object_]


@dataclass(frozen=True)
class Overlay:
    """Gained and lost pieces of one pair, with their geodesic areas in km²."""

    gained: NDArray[np.object_]
    lost: NDArray[np.object_]
    gained_area: NDArray[np.float64]
    lost_area: NDArray[np.float64]

    @property
    def gained_km2(self) -> float:
        return float(self.gained_area.sum())

    @property
    def lost_km2(self) -> float:
        return float(self.lost_area.sum())


def dirty_tiles(a: Mapping[TileKey, bytes], b: Mapping[TileKey, bytes]) -> list[TileKey]:
    """Tiles whose piece hashes differ (present on one side only counts as differing)."""
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


def align(
    keys: list[TileKey],
    a: Mapping[TileKey, bytes],
    b: Mapping[TileKey, bytes],
    pieces: Mapping[bytes, BaseGeometry],
) -> PieceDiff:
    """Look up the pieces of the ``keys`` tiles on both sides (empty where absent)."""
    return PieceDiff(
        a=np.array([pieces[a[k]] if k in a else EMPTY for k in keys], dtype=object),
        b=np.array([pieces[b[k]] if k in b else EMPTY for k in keys], dtype=object),
    )


def overlay(diff: PieceDiff) -> Overlay:
    """Gained (B \\ A) and lost (A \\ B) pieces, tile by tile, vectorised."""
    a_empty = shapely.is_empty(diff.a)
    b_empty = shapely.is_empty(diff.b)
    both = ~a_empty & ~b_empty
    # numpy's stubs take no plain object as an array-like; np.where broadcasts it as 0-d.
    gained = np.where(a_empty, diff.b, EMPTY).astype(object)  # type: ignore[call-overload]
    lost = np.where(b_empty, diff.a, EMPTY).astype(object)  # type: ignore[call-overload]
    if both.any():
        gained[both] = shapely.difference(diff.b[both], diff.a[both])
        lost[both] = shapely.difference(diff.a[both], diff.b[both])
    return Overlay(gained, lost, geodesy.area_km2(gained), geodesy.area_km2(lost))


def whole(a: BaseGeometry, b: BaseGeometry) -> Overlay:
    """Gained and lost from the two whole geometries (one piece each side)."""
    gained = np.array([shapely.difference(b, a)], dtype=object)
    lost = np.array([shapely.difference(a, b)], dtype=object)
    return Overlay(gained, lost, geodesy.area_km2(gained), geodesy.area_km2(lost))


def fragments(pieces: NDArray[np.object_]) -> NDArray[np.object_]:
    """Merge pieces across tile edges into connected polygons (largest first)."""
    pieces = pieces[~shapely.is_empty(pieces)]
    if not len(pieces):
        return np.array([], dtype=object)
    merged = pieces[0] if len(pieces) == 1 else shapely.union_all(pieces)
    parts = shapely.get_parts(merged)
    parts = parts[(shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)]
    return parts


def fragment_table(
    gained: NDArray[np.object_],
    lost: NDArray[np.object_],
    *,
    min_km2: float | None = None,
    min_width_km: float | None = None,
) -> pd.DataFrame:
    """One row per fragment: direction, area_km2, centroid_lon/lat, kept, geometry.

    ``kept`` is False for a sliver: area below ``min_km2`` or narrower than
    ``min_width_km`` everywhere (an inward buffer of half the width leaves nothing,
    measured in a Lambert azimuthal equal-area projection centred on the fragments).
    """
    geoms = np.concatenate([gained, lost]).astype(object)
    direction = ["gained"] * len(gained) + ["lost"] * len(lost)
    areas = geodesy.area_km2(geoms) if len(geoms) else np.array([])
    cent = shapely.centroid(geoms) if len(geoms) else np.array([], dtype=object)
    kept = np.ones(len(geoms), dtype=bool)
    if min_km2 is not None:
        kept &= areas >= min_km2
    if min_width_km is not None and len(geoms):
        kept &= wide_enough(geoms, min_width_km)
    table = pd.DataFrame(
        {
            "direction": direction,
            "area_km2": areas,
            "centroid_lon": shapely.get_x(cent) if len(geoms) else [],
            "centroid_lat": shapely.get_y(cent) if len(geoms) else [],
            "kept": kept,
            "geometry": geoms,
        }
    )
    return table.sort_values("area_km2", ascending=False, ignore_index=True)


def wide_enough(geoms: NDArray[np.object_], width_km: float) -> NDArray[np.bool_]:
    """True where a polygon is at least ``width_km`` wide somewhere."""
    lon, lat = shapely.get_coordinates(geoms).mean(axis=0)
    laea = CRS.from_proj4(f"+proj=laea +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m")
    to_m = Transformer.from_crs("EPSG:4326", laea, always_xy=True)
    metric = shapely.transform(geoms, lambda xy: np.column_stack(to_m.transform(*xy.T)))
    return ~shapely.is_empty(shapely.buffer(metric, -width_km * 500.0))


def as_multipolygon(parts: NDArray[np.object_]) -> BaseGeometry:
    if not len(parts):
        return shapely.MultiPolygon()
    multi = shapely.multipolygons(parts)
    assert isinstance(multi, BaseGeometry)  # a 1-d array without indices makes one geometry
    return multi
