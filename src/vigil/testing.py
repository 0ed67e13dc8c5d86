"""Helpers for testing code that uses Vigil, and for Vigil's own tests.

Two kinds of helper:

- **Comparisons with a stated tolerance** and a failure message that says what
  differed and by how much: :func:`assert_km2_close` for one figure,
  :func:`assert_frames_close` for DataFrames (it names the first differing rows).
- **Synthetic maps with known answers**: :func:`square` and :func:`rectangle` build
  lon/lat boxes, :func:`write_daily` and :func:`write_daily_archive` write them the
  way DeepState daily files are published (``deepstatemap_data_YYYYMMDD.geojson``,
  one FeatureCollection per day), so they can be ingested like the real data.

Dates of synthetic daily files: every helper here takes **map dates**, the Kyiv date of
the map a file holds, which is the date Vigil stores a snapshot under and answers for.
DeepState publishes the map of day D in the file named D + 1 day
(:data:`PUBLICATION_LAG`), so the helpers name each file by the day after its map, as
published: ``write_daily(folder, {"2024-10-20": geom})`` writes
``deepstatemap_data_20241021.geojson``, which Vigil stores as the snapshot of
2024-10-20. The lag is stated here on its own (not imported from the reader), so a
reader that dated files differently would fail the tests that use these helpers.

The independent reference for an area is :func:`geod_area_km2`: pyproj's
``Geod.geometry_area_perimeter`` on the WGS84 ellipsoid, after orienting every
polygon (exterior counter-clockwise, holes clockwise; pyproj needs that to subtract
holes). It shares only pyproj with :mod:`vigil.territory.geodesy`, none of its ring
bookkeeping.

Units: areas in km², lengths in km, coordinates in degrees (WGS84 longitude, latitude).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import sqlite3
import tarfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import Geod
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

GEOD = Geod(ellps="WGS84")

#: DeepState's daily file named D holds the map of Kyiv date D - 1 day (measured against
#: the raw archive: docs/method.md, "The daily archive's files are dated one day late").
#: Kept apart from the reader's own constant (``vigil.territory.sources.DAILY_MAP_LAG``)
#: on purpose: see the module doc.
PUBLICATION_LAG = dt.timedelta(days=1)

DateKey = dt.date | str
DailyContent = BaseGeometry | bytes

__all__ = [
    "GEOD",
    "PUBLICATION_LAG",
    "assert_frames_close",
    "assert_km2_close",
    "daily_file_name",
    "daily_geojson",
    "dump_store",
    "geod_area_km2",
    "geod_length_km",
    "rectangle",
    "square",
    "write_daily",
    "write_daily_archive",
]


# -- comparisons -----------------------------------------------------------------------
def _tolerance(expected: float, rel: float, abs_: float) -> float:
    return max(rel * abs(expected), abs_)


def assert_km2_close(
    actual: float, expected: float, *, rel: float = 1e-4, abs_km2: float = 0.0, what: str = ""
) -> None:
    """Assert ``|actual - expected| <= max(rel * |expected|, abs_km2)`` (km²).

    The default is a relative tolerance of 0.01 %. NaN never passes. The message
    gives both values, their difference and the tolerance, and ``what`` was compared.
    """
    actual, expected = float(actual), float(expected)
    tol = _tolerance(expected, rel, abs_km2)
    diff = actual - expected
    if not abs(diff) <= tol:  # written this way so that NaN fails
        label = f"{what}: " if what else ""
        raise AssertionError(
            f"{label}got {actual:.6f} km², expected {expected:.6f} km²; "
            f"difference {diff:+.6g} km² exceeds the tolerance {tol:.3g} km² "
            f"(max of rel={rel:g} × |expected| and abs={abs_km2:g})"
        )


def assert_frames_close(
    actual: pd.DataFrame,
    expected: pd.DataFrame,
    columns: Sequence[str] | None = None,
    *,
    rel: float = 1e-4,
    abs: float = 0.0,
    show: int = 5,
) -> None:
    """Assert two frames agree row by row on ``columns`` (default: all of ``expected``'s).

    Numeric columns agree when ``|a - e| <= max(rel * |e|, abs)`` (NaN matches NaN);
    other columns (dates, booleans, text) must be equal (NaT/None/NaN match each other).
    Rows are compared by position. On failure the message lists the first ``show``
    differing cells with their row, both values and the difference.
    """
    cols = list(expected.columns if columns is None else columns)
    missing = [c for c in cols if c not in actual.columns or c not in expected.columns]
    if missing:
        raise AssertionError(f"column(s) missing: {missing}")
    if len(actual) != len(expected):
        raise AssertionError(f"row counts differ: actual {len(actual)}, expected {len(expected)}")
    problems: list[tuple[int, str, object, object, str]] = []
    for col in cols:
        a = actual[col].reset_index(drop=True)
        e = expected[col].reset_index(drop=True)
        numeric = pd.api.types.is_numeric_dtype(e) and not pd.api.types.is_bool_dtype(e)
        if numeric and pd.api.types.is_numeric_dtype(a) and not pd.api.types.is_bool_dtype(a):
            av, ev = a.to_numpy(dtype=float), e.to_numpy(dtype=float)
            tol = np.maximum(rel * np.abs(ev), abs)
            both_nan = np.isnan(av) & np.isnan(ev)
            bad = ~((np.abs(av - ev) <= tol) | both_nan)
            for i in np.flatnonzero(bad):
                x, y = float(av[i]), float(ev[i])
                problems.append((int(i), col, x, y, f"diff {x - y:+.6g}"))
        else:
            for row, (x, y) in enumerate(zip(a, e, strict=True)):
                if not (_missing(x) and _missing(y)) and x != y:
                    problems.append((row, col, x, y, "not equal"))
    if problems:
        problems.sort(key=lambda p: (p[0], cols.index(p[1])))
        lines = [
            f"  row {i}, {col}: actual {x!r}, expected {y!r} ({note})"
            for i, col, x, y, note in problems[:show]
        ]
        more = f"\n  … and {len(problems) - show} more" if len(problems) > show else ""
        raise AssertionError(
            f"{len(problems)} cell(s) differ (rel={rel:g}, abs={abs:g}):\n"
            + "\n".join(lines)
            + more
        )


def _missing(value: Any) -> bool:  # any cell of a frame, which pd.isna takes
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


# -- independent references ------------------------------------------------------------
def _polygons(geom: BaseGeometry) -> list[Polygon]:
    """Every non-empty Polygon inside ``geom`` (multi-geometries and collections opened)."""
    if geom is None or geom.is_empty:
        return []
    if isinstance(geom, Polygon):
        return [geom]
    if hasattr(geom, "geoms"):
        return [p for part in geom.geoms for p in _polygons(part)]
    return []


def geod_area_km2(geom: BaseGeometry, *, straight_edges: bool = False) -> float:
    """Geodesic area (km², WGS84) of the polygonal parts of ``geom``, by pyproj alone.

    Each polygon is oriented (exterior counter-clockwise, holes clockwise) before
    ``Geod.geometry_area_perimeter``, which then subtracts the holes. Lines and points
    count 0. This is the independent reference for :func:`vigil.territory.geodesy.area_km2`;
    pyproj documents its area as accurate to round-off (GeographicLib, Karney 2013).

    ``straight_edges``: read edges as straight lines in lon/lat, as GeoJSON defines them
    (RFC 7946) and as the store measures snapshots, by adding points every 0.001°
    (~100 m; there the straight line and the geodesic part by about a millimetre).
    Without it, each edge is the geodesic between its two vertices.
    """
    if straight_edges:
        geom = shapely.segmentize(geom, 0.001)
    return sum(GEOD.geometry_area_perimeter(orient(p, 1.0))[0] for p in _polygons(geom)) / 1e6


def geod_length_km(geom: BaseGeometry) -> float:
    """Geodesic length (km, WGS84) by pyproj alone: lines as drawn, every polygon ring
    (holes included) once, points 0."""
    if geom is None or geom.is_empty:
        return 0.0
    kind = geom.geom_type
    if isinstance(geom, Polygon):
        rings = [geom.exterior, *geom.interiors]
        return sum(GEOD.geometry_length(r) for r in rings) / 1e3
    if kind in ("LineString", "LinearRing"):
        return GEOD.geometry_length(geom) / 1e3
    if hasattr(geom, "geoms"):
        return sum(geod_length_km(g) for g in geom.geoms)
    return 0.0


# -- synthetic maps --------------------------------------------------------------------
def rectangle(
    west: float, south: float, east: float, north: float, *, step_deg: float | None = None
) -> Polygon:
    """A lon/lat box (degrees), counter-clockwise from its south-west corner.

    With ``step_deg`` every edge gets a vertex at least every ``step_deg`` degrees,
    spaced evenly from the corners. Edges are geodesics between vertices, so a long
    east-west edge bows away from its parallel; densifying keeps the shape close to
    the lon/lat box and makes the tile cut (which adds vertices on grid lines) change
    areas by a negligible amount (≈1e-5 km² per 0.01° segment cut at 48°N).
    """
    if east <= west or north <= south:
        raise ValueError("rectangle: need west < east and south < north")
    if step_deg is None:
        return Polygon([(west, south), (east, south), (east, north), (west, north)])
    nx = max(1, math.ceil((east - west) / step_deg - 1e-9))
    ny = max(1, math.ceil((north - south) / step_deg - 1e-9))
    xs, ys = np.linspace(west, east, nx + 1), np.linspace(south, north, ny + 1)
    ring = (
        [(x, south) for x in xs[:-1]]
        + [(east, y) for y in ys[:-1]]
        + [(x, north) for x in xs[:0:-1]]
        + [(west, y) for y in ys[:0:-1]]
    )
    return Polygon(ring)


def square(lon: float, lat: float, size_deg: float, *, step_deg: float | None = None) -> Polygon:
    """A ``size_deg`` × ``size_deg`` lon/lat box whose south-west corner is (lon, lat).

    Not a metric square: at 48°N a 0.1° square is about 11.1 km north-south by 7.4 km
    east-west (≈83 km²). See :func:`rectangle` for ``step_deg``.
    """
    return rectangle(lon, lat, lon + size_deg, lat + size_deg, step_deg=step_deg)


def _as_date(value: DateKey) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def daily_file_name(date: DateKey) -> str:
    """The published name of the daily file holding the map of ``date`` (a map date):
    ``deepstatemap_data_YYYYMMDD.geojson`` of the next day, ``date`` +
    :data:`PUBLICATION_LAG`. E.g. the map of 2024-10-20 is in
    ``deepstatemap_data_20241021.geojson``."""
    return f"deepstatemap_data_{_as_date(date) + PUBLICATION_LAG:%Y%m%d}.geojson"


def daily_geojson(geometry: BaseGeometry, name: str = "deepstatemap_data") -> bytes:
    """A FeatureCollection with one feature holding ``geometry``, laid out like the
    published daily files (CRS84 axis order, empty ``properties``)."""
    collection = {
        "type": "FeatureCollection",
        "name": name,
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": json.loads(shapely.to_geojson(geometry)),
            }
        ],
    }
    return json.dumps(collection).encode()


def _content(date: DateKey, content: DailyContent) -> bytes:
    if isinstance(content, bytes | bytearray):
        return bytes(content)  # verbatim: lets a test write a corrupt file
    return daily_geojson(content, daily_file_name(date).removesuffix(".geojson"))


def write_daily(directory: str | Path, maps: Mapping[DateKey, DailyContent]) -> list[Path]:
    """Write one daily file per map date into ``directory`` (created if needed).

    ``maps`` maps a map date (``date`` or ``"YYYY-MM-DD"``: the date Vigil will store
    the snapshot under) to a shapely geometry, or to raw bytes written verbatim (e.g. a
    corrupt file). Each file is named as DeepState publishes it, by the next day
    (:func:`daily_file_name`). Returns the paths written.
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for date, content in maps.items():
        path = folder / daily_file_name(date)
        path.write_bytes(_content(date, content))
        out.append(path)
    return out


def write_daily_archive(path: str | Path, maps: Mapping[DateKey, DailyContent]) -> Path:
    """Write a ``.tar.xz`` like the published daily archive: members
    ``data/deepstatemap_data_YYYYMMDD.geojson``, in the order of ``maps`` (so a test
    can put a corrupt file in the middle). Keys are map dates and members are named by
    the next day, values as for :func:`write_daily`."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(target, mode="w:xz") as tar:
        for date, content in maps.items():
            data = _content(date, content)
            info = tarfile.TarInfo(f"data/{daily_file_name(date)}")
            info.size = len(data)
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
    return target


# -- stores ----------------------------------------------------------------------------
def dump_store(path: str | Path) -> dict[str, list[tuple]]:
    """Every row of every table of an SQLite file, sorted, keyed by table name.

    Read through a fresh read-only connection, so it sees exactly what was committed.
    Two equal dumps mean the stores hold the same data (the file bytes may differ).
    """
    db = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)
    try:
        names = [
            r[0]
            for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        ]
        return {n: sorted(db.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}
    finally:
        db.close()
