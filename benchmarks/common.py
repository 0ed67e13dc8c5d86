"""What several benchmarks share: timing a call, and the naive geodesic area.

Imported by the benchmark scripts as ``common`` (they run as ``python benchmarks/X.py``,
so this folder is on ``sys.path``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import shapely
from pyproj import Geod
from shapely.geometry.polygon import orient

GEOD = Geod(ellps="WGS84")


def timed(fn: Callable[[], Any], n: int) -> tuple[list[float], Any]:
    """Call ``fn`` ``n`` times: the wall time of each call (s), and the last result."""
    times, result = [], None
    for _ in range(n):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return times, result


def geod_km2(geom: Any) -> float:
    """The naive baselines' area: pyproj.Geod area (km²) of every polygon part, oriented,
    with edges densified to 0.05° as the store reads them (straight lon/lat edges)."""
    parts = shapely.get_parts(shapely.segmentize(geom, 0.05))
    polys = [p for p in parts if p.geom_type == "Polygon"]
    return sum(abs(GEOD.geometry_area_perimeter(orient(p))[0]) for p in polys) / 1e6
