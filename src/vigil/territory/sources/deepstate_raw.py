"""Read raw DeepStateMap snapshots: one multi-layer GeoJSON file per instant.

Each input file is named by the unix timestamp (UTC) at which the map was saved,
e.g. ``1662846587.geojson``, and holds a FeatureCollection of every layer of the map:
polygons (occupied, ORDLO, Crimea, grey zone, liberated, satire…), GeometryCollections
of polygons, and Points (units and places, which are not territory). Layers are told
apart by ``properties.name`` only; :mod:`vigil.territory.sources.layers` classifies
the names.

Method (see docs and ``../shared/data/README.md``):

- A snapshot's date is its local date in Kyiv (``Europe/Kyiv``). When a day has
  several snapshots the last one of the day wins; the others are still parsed so that
  every layer name of every snapshot is checked.
- For each chosen day two :class:`Snapshot` values are yielded: ``CONTROLLED``, the
  union of the controlled-class polygons (occupied + ORDLO + Crimea + Tuzla), and
  ``GREY``, the union of the unknown-status polygons (possibly empty). Liberated and
  out-of-scope layers, points and lines are never counted.
- Z values are dropped; each polygon that GEOS finds invalid is repaired with
  ``shapely.make_valid`` before the union (counted as ``repaired``).
- Any layer name no rule classifies makes the whole read fail with
  :class:`UnknownLayerError` listing every such name. Nothing is yielded before all
  inputs have been read, so an error never leaves half an ingest behind.

Cost, measured on the whole 2022–2025 archive (1,359 files, 634 MB of JSON) on an idle
2-core machine: about 19 s and 31 s of CPU, peak RSS about 0.5 GB. A first pass lists
member names (about 1 s: decompression only); the second parses every member with
:mod:`json` in the calling thread (about 13 s of CPU) while one worker thread builds,
repairs and merges the chosen days with vectorised shapely 2 calls (about 15 s), in
batches of days so that it seldom needs the GIL (GEOS runs without it). The merged
geometries (two per day) are held until the end, so that nothing is yielded before
every layer name has been checked.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from shapely.errors import GEOSException
from shapely.geometry.base import BaseGeometry

from vigil.errors import InputError, UnknownLayerError
from vigil.territory.sources.base import Kind, Snapshot, SourceReport
from vigil.territory.sources.files import Member, iter_members
from vigil.territory.sources.layers import LayerClass, classify

DEFAULT_SOURCE = "deepstate-raw"
KYIV = ZoneInfo("Europe/Kyiv")

_NAME = re.compile(r"(\d{10})\.geojson", re.IGNORECASE)
_EXPECTED = "a file named by the unix timestamp of the snapshot, e.g. 1662846587.geojson"
_MIN_RING = 4  # positions in a closed ring (GeoJSON, RFC 7946 §3.1.6)
_KINDS = {LayerClass.CONTROLLED: Kind.CONTROLLED, LayerClass.GREY: Kind.GREY}
_POLYGON = shapely.GeometryType.POLYGON
_BATCH = 32  # chosen days merged per worker call (see _merge_days)


def looks_like(name: str) -> bool:
    """Whether a file name is a raw snapshot's: ``<10-digit unix timestamp>.geojson``."""
    return _NAME.fullmatch(name) is not None


def kyiv_date(timestamp: int) -> dt.date:
    """The local date in Kyiv of a unix timestamp (DST handled by ``zoneinfo``)."""
    return dt.datetime.fromtimestamp(timestamp, KYIV).date()


def read(paths: Iterable[str | os.PathLike[str]], report: SourceReport) -> Iterator[Snapshot]:
    """Yield the CONTROLLED and GREY snapshot of every day found in ``paths``, by date.

    ``paths`` are archives, directories or single files (see
    :func:`~vigil.territory.sources.files.iter_members`); they are read twice (a cheap
    listing, then the content), never unpacked to disk. Fills ``report.counts`` with
    ``snapshots read``, ``snapshots chosen``, ``days with several snapshots``,
    ``rule:<id>`` (polygon features each rule matched, in every snapshot), ``points
    skipped``, ``lines skipped`` and ``repaired``.

    Raises :class:`InputError` for a badly named file or a member that is not a GeoJSON
    FeatureCollection, and :class:`UnknownLayerError` (after reading everything, before
    yielding anything) when a polygon layer name matches no rule.
    """
    paths = list(paths)
    chosen = _choose_last_of_day(_list_timestamps(paths), report)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vigil-deepstate-raw")
    try:
        scan = _Scan(report, chosen, pool)
        for member in iter_members(paths, looks_like):
            scan.add(member)
        if scan.unknown:
            raise UnknownLayerError(sorted(scan.unknown), scan.unknown_origin())
        scan.flush()
        done = sorted(scan.merged(), key=lambda item: item[0].day)
        report.count("snapshots chosen", len(done))
        report.count("repaired", sum(merged.repaired for _, merged in done))
        for day, merged in done:
            for kind in (Kind.CONTROLLED, Kind.GREY):
                yield Snapshot(day.day, kind, merged.geometry[kind], day.origin, day.taken_at)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _timestamp(member: Member) -> int:
    found = _NAME.fullmatch(member.name)
    if found is None:
        raise InputError(f"{member.origin}: not a raw DeepState snapshot; expected {_EXPECTED}")
    return int(found.group(1))


def _list_timestamps(paths: list[str | os.PathLike[str]]) -> list[int]:
    """First pass: the timestamps of every snapshot in ``paths``, without reading them.

    Archive and directory members are seen through the ``accept`` callback, which
    records each name and declines it (so no member is extracted); a single file named
    on the command line is yielded without that check and must look like a snapshot.
    """
    names: list[str] = []

    def record(name: str) -> bool:
        if looks_like(name):
            names.append(name)
        return False

    stamps = [_timestamp(member) for member in iter_members(paths, record)]
    stamps += [int(_NAME.fullmatch(name).group(1)) for name in names]  # type: ignore[union-attr]
    if not stamps:
        shown = ", ".join(str(p) for p in paths)
        raise InputError(f"{shown}: no raw DeepState snapshots found; expected {_EXPECTED}")
    return stamps


def _choose_last_of_day(stamps: list[int], report: SourceReport) -> dict[int, dt.date]:
    """The last snapshot of each Kyiv day: {timestamp: date}. Notes days with several."""
    by_day: dict[dt.date, set[int]] = defaultdict(set)
    for stamp in stamps:
        by_day[kyiv_date(stamp)].add(stamp)
    several = sum(1 for day_stamps in by_day.values() if len(day_stamps) > 1)
    unused = sum(len(day_stamps) - 1 for day_stamps in by_day.values())
    report.count("days with several snapshots", several)
    if several:
        report.note(
            f"{several} of {len(by_day)} days have several snapshots: the last of each day "
            f"(Kyiv time) is used; the {unused} earlier ones were only checked for layer names."
        )
    return {max(day_stamps): day for day, day_stamps in by_day.items()}


@dataclass(frozen=True)
class _Merged:
    geometry: dict[Kind, BaseGeometry]
    repaired: int


@dataclass
class _Rings:
    """Polygons of one class, flattened for vectorised construction."""

    coords: list[np.ndarray] = field(default_factory=list)
    ring_sizes: list[int] = field(default_factory=list)
    rings_per_polygon: list[int] = field(default_factory=list)
    dropped: int = 0

    def add(self, polygon: list[Any], origin: str) -> None:
        """Add one GeoJSON polygon (a list of rings); rings under 4 positions are dropped."""
        kept = 0
        for k, ring in enumerate(polygon):
            xy = _xy(ring, origin)
            if len(xy) < _MIN_RING:
                self.dropped += 1
                if k == 0:  # no shell, no polygon: its holes go too
                    self.dropped += len(polygon) - 1
                    return
                continue
            self.coords.append(xy)
            self.ring_sizes.append(len(xy))
            kept += 1
        if kept:
            self.rings_per_polygon.append(kept)


@dataclass(frozen=True)
class _Day:
    """A chosen snapshot whose polygons wait to be merged."""

    day: dt.date
    origin: str
    taken_at: dt.datetime
    rings: dict[Kind, _Rings]


def _xy(ring: Any, origin: str) -> np.ndarray:
    """A GeoJSON ring's positions as an (n, 2) float array; Z (and M) dropped."""
    try:
        try:
            arr = np.asarray(ring, dtype=float)
        except ValueError:  # positions of mixed dimension: some with Z, some without
            arr = np.asarray([p[:2] for p in ring], dtype=float)
    except (ValueError, TypeError) as exc:
        raise InputError(f"{origin}: a polygon ring is not a list of [lon, lat] positions") from exc
    if arr.size == 0:
        return np.empty((0, 2))
    if arr.ndim != 2 or arr.shape[1] < 2:
        raise InputError(f"{origin}: a polygon ring is not a list of [lon, lat] positions")
    return arr[:, :2]


def _merge_days(days: list[dict[Kind, _Rings]]) -> list[_Merged | GEOSException]:
    """Merge a batch of days (in the worker thread); a day GEOS cannot merge gets its error.

    Why batches: ``json.loads`` in the main thread holds the GIL for a whole file, and
    the worker must get the GIL back after every shapely call. A batch makes about ten
    calls for all its days instead of ten per day.
    """
    merged: list[_Merged | GEOSException] = []
    try:
        merged.extend(_merge_groups(days))
    except GEOSException:
        for day in days:  # find the day at fault
            try:
                merged.extend(_merge_groups([day]))
            except GEOSException as exc:
                merged.append(exc)
    return merged


def _merge_groups(days: list[dict[Kind, _Rings]]) -> list[_Merged]:
    """Build, repair (``make_valid`` per polygon) and union every (day, kind) at once."""
    kinds = (Kind.CONTROLLED, Kind.GREY)
    groups = [day[kind] for day in days for kind in kinds]
    polygons, group_of = _polygons(groups)
    invalid = ~shapely.is_valid(polygons)
    repaired = np.bincount(group_of[invalid], minlength=len(groups))
    if invalid.any():
        fixed, fixed_of = shapely.get_parts(
            shapely.make_valid(polygons[invalid]), return_index=True
        )
        keep = shapely.get_type_id(fixed) == _POLYGON
        polygons = np.concatenate([polygons[~invalid], fixed[keep]])
        group_of = np.concatenate([group_of[~invalid], group_of[invalid][fixed_of[keep]]])
    # One row per group, padded with None (which union_all ignores): one GEOS call.
    counts = np.bincount(group_of, minlength=len(groups))
    table = np.full((len(groups), max(1, int(counts.max(initial=0)))), None, dtype=object)
    order = np.argsort(group_of, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    column = np.arange(len(order)) - np.repeat(starts, counts)
    table[group_of[order], column] = polygons[order]
    unions = shapely.union_all(table, axis=1)
    parts, part_of = shapely.get_parts(unions, return_index=True)
    keep = shapely.get_type_id(parts) == _POLYGON
    merged = np.array([shapely.MultiPolygon()] * len(groups), dtype=object)
    shapely.multipolygons(parts[keep], indices=part_of[keep], out=merged)
    return [
        _Merged(
            {kind: merged[2 * i + k] for k, kind in enumerate(kinds)},
            int(repaired[2 * i] + repaired[2 * i + 1]),
        )
        for i in range(len(days))
    ]


def _polygons(groups: list[_Rings]) -> tuple[np.ndarray, np.ndarray]:
    """Every polygon of the groups, and the index of the group each belongs to."""
    per_group = [len(g.rings_per_polygon) for g in groups]
    group_of = np.repeat(np.arange(len(groups)), per_group)
    if not group_of.size:
        return np.empty(0, dtype=object), group_of
    coords = np.concatenate([c for g in groups for c in g.coords])
    ring_sizes = [n for g in groups for n in g.ring_sizes]
    rings_per_polygon = [n for g in groups for n in g.rings_per_polygon]
    ring_index = np.repeat(np.arange(len(ring_sizes)), ring_sizes)
    # With ``indices`` both constructors return arrays (asarray returns them as they are;
    # it tells the type checker what the stubs' "geometry or array" leaves open).
    linear = np.asarray(shapely.linearrings(coords, indices=ring_index))
    polygon_index = np.repeat(np.arange(len(rings_per_polygon)), rings_per_polygon)
    return np.asarray(shapely.polygons(linear, indices=polygon_index)), group_of


class _Scan:
    """Second pass: parse every member, classify its layers, queue the chosen days."""

    def __init__(
        self, report: SourceReport, chosen: dict[int, dt.date], pool: ThreadPoolExecutor
    ) -> None:
        self.report = report
        self.chosen = chosen
        self.pool = pool
        self.seen: set[int] = set()
        self.pending: list[_Day] = []
        self.batches: list[tuple[list[_Day], Future[list[_Merged | GEOSException]]]] = []
        self.unknown: set[str] = set()
        self.unknown_in: list[str] = []

    def add(self, member: Member) -> None:
        stamp = _timestamp(member)
        if stamp in self.seen:
            self.report.count("duplicate snapshots skipped")
            return
        self.seen.add(stamp)
        day = kyiv_date(stamp)
        features = _features(member)
        self.report.count("snapshots read")
        wanted = stamp in self.chosen and not self.unknown
        parts = {Kind.CONTROLLED: _Rings(), Kind.GREY: _Rings()} if wanted else None
        tally: Counter[str] = Counter()
        unknown: set[str] = set()
        for feature in features:
            polygons = _polygons_of(feature, tally, member.origin)
            if not polygons:
                continue
            name = _name_of(feature)
            match = classify(name, day)
            if match is None:
                unknown.add(name or "<no name>")
                continue
            tally[f"rule:{match.rule_id}"] += 1
            kind = _KINDS.get(match.layer_class)
            if parts is not None and kind is not None:
                for polygon in polygons:
                    parts[kind].add(polygon, member.origin)
        self.report.counts.update(tally)
        if unknown:
            self.unknown |= unknown
            self.unknown_in.append(member.origin)
        elif parts is not None and not self.unknown:
            dropped = sum(r.dropped for r in parts.values())
            if dropped:
                self.report.count("degenerate rings dropped", dropped)
            taken_at = dt.datetime.fromtimestamp(stamp, dt.UTC)
            self.pending.append(_Day(day, member.origin, taken_at, parts))
            if len(self.pending) >= _BATCH:
                self.flush()

    def flush(self) -> None:
        """Hand the pending days to the worker thread."""
        if self.pending:
            rings = [d.rings for d in self.pending]
            self.batches.append((self.pending, self.pool.submit(_merge_days, rings)))
            self.pending = []

    def merged(self) -> Iterator[tuple[_Day, _Merged]]:
        """Each chosen day with its merged geometry, as the worker finishes them."""
        for days, future in self.batches:
            for day, merged in zip(days, future.result(), strict=True):
                if isinstance(merged, GEOSException):
                    raise InputError(f"{day.origin}: polygons cannot be merged ({merged})")
                yield day, merged

    def unknown_origin(self) -> str:
        first = self.unknown_in[0] if self.unknown_in else ""
        more = len(self.unknown_in) - 1
        return f"{first} and {more} other snapshot(s)" if more > 0 else first


def _polygons_of(feature: Any, tally: Counter[str], origin: str) -> list[Any]:
    """The GeoJSON polygons (lists of rings) of a feature; tallies what is skipped."""
    geometry = feature.get("geometry") if isinstance(feature, dict) else None
    if geometry is None:
        tally["features without geometry"] += 1
        return []
    if geometry.get("type") == "Point":  # the common case: 3 features in 4
        tally["points skipped"] += 1
        return []
    polygons: list[Any] = []
    stack = [geometry]
    while stack:
        geom = stack.pop()
        kind = geom.get("type") if isinstance(geom, dict) else None
        if kind == "Polygon":
            polygons.append(geom.get("coordinates") or [])
        elif kind == "MultiPolygon":
            polygons.extend(geom.get("coordinates") or [])
        elif kind == "GeometryCollection":
            stack.extend(reversed(geom.get("geometries") or []))
        elif kind in ("Point", "MultiPoint"):
            tally["points skipped"] += 1
        elif kind in ("LineString", "MultiLineString"):
            tally["lines skipped"] += 1
        else:
            raise InputError(f"{origin}: a feature has an unknown geometry type {kind!r}")
    return polygons


def _features(member: Member) -> list[Any]:
    """The features of a member, which must be a GeoJSON FeatureCollection."""
    try:
        doc = json.loads(member.read())
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{member.origin}: not valid JSON ({exc.msg} at line {exc.lineno}, column "
            f"{exc.colno}); expected a GeoJSON FeatureCollection"
        ) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{member.origin}: not UTF-8 text ({exc.reason})") from exc
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        raise InputError(f"{member.origin}: expected a GeoJSON FeatureCollection with features")
    return features


def _name_of(feature: dict[str, Any]) -> str | None:
    properties = feature.get("properties")
    name = properties.get("name") if isinstance(properties, dict) else None
    return name if isinstance(name, str) else None
