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
- ``PRE_2022``, the union of the layers of the rules ``crimea``, ``ordlo`` and ``tuzla``
  (:data:`PRE_2022_RULES`: the areas held before 24 February 2022), is yielded on the
  first chosen day and then only on the days it changes: a day whose polygons hash
  like the previous day's (:meth:`_Rings.digest`) is skipped without building
  anything; otherwise its union is compared with the last one yielded (normalised
  WKB). On the 2022–2025 archive: 97 PRE_2022 snapshots for 1,145 days (51 in 2022,
  27 in 2023, 17 in 2024, 2 in 2025), 43,127–44,002 km².
- Z values are dropped; each polygon that GEOS finds invalid is repaired with
  ``shapely.make_valid`` before the union (counted as ``repaired``).
- Any layer name no rule classifies makes the read fail with :class:`UnknownLayerError`
  listing every such name, once every input has been read. Snapshots may have been
  yielded before that (see below); the store writes an ingest as one transaction, so
  the error rolls them back with the rest.

Order and cost. CONTROLLED and GREY are yielded day by day as soon as a day is merged,
in the order of the input (the archive is not sorted by date), so that the ingest's
workers prepare days while this reader is still parsing; PRE_2022 comes last, by date.
Each kind of each day is hashed before merging; a group of polygons already merged
for another day (an unchanged map) is not merged again (48 of 2,290 daily groups on
the 2022–2025 archive: 34 controlled, 14 grey). Measured on the whole archive (1,359
files, 634 MB of JSON): a first pass lists member names (about 1 s: decompression
only); the second parses every member with :mod:`json` in the calling thread (about
13 s of CPU on an idle 2-core machine) while one worker thread builds, repairs and
merges the chosen days with vectorised shapely 2 calls (about 15 s), in batches of
groups so that it seldom needs the GIL (GEOS runs without it). Merged geometries are
held until the end (for reuse and PRE_2022); the whole ingest's main process peaked
at 292 MiB (benchmarks/ingest_raw.py). With the preparation cheaper (issue 14), this
reader and the store's writing, in the ingest's main process, take about 45 % of the
ingest's CPU (59 s of 130 s on a loaded machine): the next limit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
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
import orjson
import shapely
from shapely.errors import GEOSException
from shapely.geometry.base import BaseGeometry

from vigil.errors import InputError, UnknownLayerError
from vigil.i18n import gettext as _
from vigil.territory.sources.base import Kind, Snapshot, SourceReport
from vigil.territory.sources.files import Member, iter_members
from vigil.territory.sources.layers import LayerClass, classify

DEFAULT_SOURCE = "deepstate-raw"
KYIV = ZoneInfo("Europe/Kyiv")

_NAME = re.compile(r"(\d{10})\.geojson", re.IGNORECASE)
_MIN_RING = 4  # positions in a closed ring (GeoJSON, RFC 7946 §3.1.6)
_KINDS = {LayerClass.CONTROLLED: Kind.CONTROLLED, LayerClass.GREY: Kind.GREY}
_DAILY = (Kind.CONTROLLED, Kind.GREY)  # yielded for every chosen day
_YIELDED = (*_DAILY, Kind.PRE_2022)
#: The rules (vigil.territory.sources.layers) whose layers make PRE_2022: the areas
#: held before 24 February 2022 (Crimea, ORDLO, Tuzla island).
PRE_2022_RULES = frozenset({"crimea", "ordlo", "tuzla"})
_POLYGON = shapely.GeometryType.POLYGON
_BATCH = 32  # chosen days merged per worker call (see _merge_days)


def looks_like(name: str) -> bool:
    """Whether a file name is a raw snapshot's: ``<10-digit unix timestamp>.geojson``."""
    return _NAME.fullmatch(name) is not None


def kyiv_date(timestamp: int) -> dt.date:
    """The local date in Kyiv of a unix timestamp (DST handled by ``zoneinfo``)."""
    return dt.datetime.fromtimestamp(timestamp, KYIV).date()


def read(paths: Iterable[str | os.PathLike[str]], report: SourceReport) -> Iterator[Snapshot]:
    """Yield the CONTROLLED and GREY snapshots of every day found in ``paths``, then the
    PRE_2022 snapshots of the days that area changed on, in date order.

    CONTROLLED and GREY come day by day (one after the other) as soon as a day is
    merged, in the order the input holds them (the DeepState archive is not sorted by
    date), while the input is still being read. PRE_2022 comes last: the union of the
    ``crimea``, ``ordlo`` and ``tuzla`` layers on the first chosen day, then on each
    chosen day whose union differs from the last one yielded.

    ``paths`` are archives, directories or single files (see
    :func:`~vigil.territory.sources.files.iter_members`); they are read twice (a cheap
    listing, then the content), never unpacked to disk. Fills ``report.counts`` with
    ``snapshots read``, ``snapshots chosen``, ``days with several snapshots``,
    ``rule:<id>`` (polygon features each rule matched, in every snapshot), ``points
    skipped``, ``lines skipped``, ``repaired``, ``merges reused`` (kinds of days whose
    polygons were those of a day already merged, so not merged twice) and ``pre-2022
    snapshots``.

    Raises :class:`InputError` for a badly named file or a member that is not a GeoJSON
    FeatureCollection, and :class:`UnknownLayerError` when a polygon layer name matches
    no rule, after reading everything (so it lists every such name). Once such a name
    is seen nothing more is yielded; what was yielded before belongs to an ingest that
    the error rolls back (the store writes one transaction).
    """
    paths = list(paths)
    chosen = _choose_last_of_day(_list_timestamps(paths), report)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vigil-deepstate-raw")
    try:
        scan = _Scan(report, chosen, pool)
        for member in iter_members(paths, looks_like):
            scan.add(member)
            yield from scan.ready(wait=False)
        if scan.unknown:
            raise UnknownLayerError(sorted(scan.unknown), scan.unknown_origin())
        scan.flush()
        yield from scan.ready(wait=True)
        report.count("snapshots chosen", len(scan.days))
        yield from scan.pre_2022()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _timestamp(member: Member) -> int:
    found = _NAME.fullmatch(member.name)
    if found is None:
        raise InputError(
            _(
                "%(origin)s: not a raw DeepState snapshot; expected a file named by the unix"
                " timestamp of the snapshot, e.g. 1662846587.geojson"
            )
            % {"origin": member.origin}
        )
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
        raise InputError(
            _(
                "%(paths)s: no raw DeepState snapshots found; expected a file named by the unix"
                " timestamp of the snapshot, e.g. 1662846587.geojson"
            )
            % {"paths": shown}
        )
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


_Key = tuple[Kind, bytes]  # a kind and the digest of its polygons' rings (_Rings.digest)


@dataclass(frozen=True)
class _Merged:
    """The union of one group of polygons, and how many of them were repaired."""

    geometry: BaseGeometry
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

    def digest(self) -> bytes:
        """A hash of the polygons (positions, ring sizes, rings per polygon, in order):
        equal digests mean equal inputs to the merge, hence equal merged geometry."""
        h = hashlib.blake2b(digest_size=20)
        for xy in self.coords:
            h.update(np.ascontiguousarray(xy).tobytes())
        h.update(b"|" + np.asarray(self.ring_sizes, dtype=np.int64).tobytes())
        h.update(b"|" + np.asarray(self.rings_per_polygon, dtype=np.int64).tobytes())
        return h.digest()


@dataclass(frozen=True)
class _Day:
    """A chosen snapshot: the digests of its polygons by kind (see :class:`_Rings`)."""

    day: dt.date
    origin: str
    taken_at: dt.datetime
    keys: dict[Kind, _Key]


def _xy(ring: Any, origin: str) -> np.ndarray:
    """A GeoJSON ring's positions as an (n, 2) float array; Z (and M) dropped."""
    try:
        try:
            arr = np.asarray(ring, dtype=float)
        except ValueError:  # positions of mixed dimension: some with Z, some without
            arr = np.asarray([p[:2] for p in ring], dtype=float)
    except (ValueError, TypeError) as exc:
        raise InputError(
            _("%(origin)s: a polygon ring is not a list of [lon, lat] positions")
            % {"origin": origin}
        ) from exc
    if arr.size == 0:
        return np.empty((0, 2))
    if arr.ndim != 2 or arr.shape[1] < 2:
        raise InputError(
            _("%(origin)s: a polygon ring is not a list of [lon, lat] positions")
            % {"origin": origin}
        )
    return arr[:, :2]


def _merge_batch(groups: list[_Rings]) -> list[_Merged | GEOSException]:
    """Merge a batch of groups (in the worker thread); a group GEOS cannot merge gets
    its error.

    Why batches: ``json.loads`` in the main thread holds the GIL for a whole file, and
    the worker must get the GIL back after every shapely call. A batch makes about ten
    calls for all its groups instead of ten per group.
    """
    merged: list[_Merged | GEOSException] = []
    try:
        merged.extend(_merge_groups(groups))
    except GEOSException:
        for group in groups:  # find the group at fault
            try:
                merged.extend(_merge_groups([group]))
            except GEOSException as exc:
                merged.append(exc)
    return merged


def _merge_groups(groups: list[_Rings]) -> list[_Merged]:
    """Build, repair (``make_valid`` per polygon) and union every group at once."""
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
    return [_Merged(merged[i], int(repaired[i])) for i in range(len(groups))]


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
    """Second pass: parse every member, classify its layers, merge the chosen days.

    Each chosen day's polygons are grouped by kind and hashed (:meth:`_Rings.digest`);
    a group whose digest was seen before (an unchanged map: 34 of the 1,145 raw days
    for the controlled area) is not merged again. New groups go to the worker thread
    in batches; :meth:`ready` hands back the days whose groups are all merged.
    """

    def __init__(
        self, report: SourceReport, chosen: dict[int, dt.date], pool: ThreadPoolExecutor
    ) -> None:
        self.report = report
        self.chosen = chosen
        self.pool = pool
        self.seen: set[int] = set()
        self.days: list[_Day] = []  # every chosen day read, in input order
        self.waiting: list[_Day] = []  # days not yielded yet
        self.queued: set[_Key] = set()
        self.pending: list[tuple[_Key, _Rings]] = []
        self.batches: list[tuple[list[_Key], Future[list[_Merged | GEOSException]]]] = []
        self.merged: dict[_Key, _Merged | GEOSException] = {}
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
        parts = {kind: _Rings() for kind in _YIELDED} if wanted else None
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
            if parts is None:
                continue
            kinds = [_KINDS[match.layer_class]] if match.layer_class in _KINDS else []
            if match.rule_id in PRE_2022_RULES:
                kinds.append(Kind.PRE_2022)
            for polygon in polygons:
                for kind in kinds:
                    parts[kind].add(polygon, member.origin)
        self.report.counts.update(tally)
        if unknown:
            self.unknown |= unknown
            self.unknown_in.append(member.origin)
        elif parts is not None and not self.unknown:
            # PRE_2022 rings are also in CONTROLLED: count dropped ones once.
            dropped = parts[Kind.CONTROLLED].dropped + parts[Kind.GREY].dropped
            if dropped:
                self.report.count("degenerate rings dropped", dropped)
            taken_at = dt.datetime.fromtimestamp(stamp, dt.UTC)
            keys = {kind: (kind, rings.digest()) for kind, rings in parts.items()}
            entry = _Day(day, member.origin, taken_at, keys)
            self.days.append(entry)
            self.waiting.append(entry)
            for kind, key in keys.items():
                if key in self.queued:
                    if kind is not Kind.PRE_2022:
                        self.report.count("merges reused")
                    continue
                self.queued.add(key)
                self.pending.append((key, parts[kind]))
            if len(self.pending) >= _BATCH:
                self.flush()

    def flush(self) -> None:
        """Hand the pending groups to the worker thread."""
        if self.pending:
            keys = [key for key, _ in self.pending]
            groups = [rings for _, rings in self.pending]
            self.batches.append((keys, self.pool.submit(_merge_batch, groups)))
            self.pending = []

    def ready(self, wait: bool) -> Iterator[Snapshot]:
        """CONTROLLED and GREY of each day whose groups are merged (all, when ``wait``)."""
        if self.unknown:
            return
        while self.batches and (wait or self.batches[0][1].done()):
            keys, future = self.batches.pop(0)
            self.merged.update(zip(keys, future.result(), strict=True))
        still: list[_Day] = []
        for day in self.waiting:
            if all(day.keys[kind] in self.merged for kind in _DAILY):
                yield from self._daily(day)
            else:
                still.append(day)
        self.waiting = still

    def _daily(self, day: _Day) -> Iterator[Snapshot]:
        repaired = 0
        for kind in _DAILY:
            merged = self._geometry(day, kind)
            repaired += merged.repaired
            yield Snapshot(day.day, kind, merged.geometry, day.origin, day.taken_at)
        self.report.count("repaired", repaired)

    def _geometry(self, day: _Day, kind: Kind) -> _Merged:
        merged = self.merged[day.keys[kind]]
        if isinstance(merged, GEOSException):
            # Translators: %(reason)s is the geometry library's own message, in English.
            raise InputError(
                _("%(origin)s: polygons cannot be merged (%(reason)s)")
                % {"origin": day.origin, "reason": merged}
            )
        return merged

    def pre_2022(self) -> Iterator[Snapshot]:
        """PRE_2022 on the first chosen day and each day its union changed, by date.

        Days are compared by digest first (equal polygons: no change, nothing to
        compare); a day whose digest differs is compared by its merged geometry
        (normalised WKB), so that redrawing the same area in another feature order
        yields nothing.
        """
        last_key: _Key | None = None
        last_wkb = b""
        count = 0
        for day in sorted(self.days, key=lambda d: d.day):
            key = day.keys[Kind.PRE_2022]
            if key == last_key:
                continue
            last_key = key
            geometry = self._geometry(day, Kind.PRE_2022).geometry
            wkb = shapely.to_wkb(shapely.normalize(geometry), output_dimension=2)
            if count and wkb == last_wkb:
                continue
            last_wkb = wkb
            count += 1
            yield Snapshot(day.day, Kind.PRE_2022, geometry, day.origin, day.taken_at)
        self.report.count("pre-2022 snapshots", count)

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
            raise InputError(
                _("%(origin)s: a feature has an unknown geometry type %(type)r")
                % {"origin": origin, "type": kind}
            )
    return polygons


def _features(member: Member) -> list[Any]:
    """The features of a member, which must be a GeoJSON FeatureCollection."""
    try:
        # orjson: a third of json's time on this archive (4.7 s against 14.5 s for the
        # 1,359 files, in the ingest's main process, which bounds its wall time)
        doc = orjson.loads(member.read())
    except json.JSONDecodeError as exc:  # orjson.JSONDecodeError is one
        # Translators: %(reason)s is the JSON reader's own message, in English.
        raise InputError(
            _(
                "%(origin)s: not valid JSON (%(reason)s at line %(line)d, column %(column)d);"
                " expected a GeoJSON FeatureCollection"
            )
            % {"origin": member.origin, "reason": exc.msg, "line": exc.lineno, "column": exc.colno}
        ) from exc
    except UnicodeDecodeError as exc:
        raise InputError(
            _("%(origin)s: not UTF-8 text (%(reason)s)")
            % {"origin": member.origin, "reason": exc.reason}
        ) from exc
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        raise InputError(
            _("%(origin)s: expected a GeoJSON FeatureCollection with features")
            % {"origin": member.origin}
        )
    return features


def _name_of(feature: dict[str, Any]) -> str | None:
    properties = feature.get("properties")
    name = properties.get("name") if isinstance(properties, dict) else None
    return name if isinstance(name, str) else None
