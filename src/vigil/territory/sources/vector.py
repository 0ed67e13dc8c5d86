"""Read territory from any vector file GDAL reads: GeoJSON, GeoPackage, Shapefile, KML/KMZ.

GeoParquet too: through GDAL when its Parquet driver is built in, else through
``geopandas.read_parquet`` (pyarrow). The reader gives one :class:`Snapshot` per
(date, kind): the union of the selected polygonal features of that date and kind, over
every file read, in WGS84 longitude/latitude, without Z. Snapshots come out sorted by
date then kind, after every file is read (files may hold any dates, in any order).

How each part is decided:

- **Files**: each path is a vector file, or a directory or archive GDAL opens whole (a
  zipped Shapefile, a folder of Shapefiles). With ``members`` (a regex, ``re.search``
  on each member's path) directories and archives (.zip, .tar, .tar.gz/.tgz,
  .tar.xz/.txz, .tar.bz2) are walked instead, and only the members whose path matches
  are read, one file each (a Shapefile inside an archive is not: it needs its sibling
  files). A member's path is the path inside the archive; under a directory, the
  directory's name then the path inside it (an unpacked archive gives the same paths);
  for a file named directly, its path as given (``members`` applies to it too).
- **Date**: from an attribute (``date_field``) or from the file name (``date_pattern``,
  a regex searched in the file's base name, with a named group ``date``, or groups
  ``year``, ``month``, ``day``). String values are ISO 8601 unless ``date_format``
  (``strptime``) says otherwise. A timezone-aware value is dated in Kyiv local time
  (the method's rule) and, when every feature of a snapshot carries one, the latest
  becomes ``taken_at``. ``date_from`` / ``date_to`` (inclusive) keep the snapshots in
  that range; with ``date_pattern``, a file outside it is not even parsed.
- **Selection**: ``where`` is an OGR SQL WHERE clause handed to GDAL (for GeoParquet read
  without GDAL, it is evaluated by GDAL on an in-memory FlatGeobuf copy, so the dialect
  is the same).
- **Kind**, in this order: by member path (``member_kinds``: regex -> kind, searched in
  the member's path; a path matching patterns of two different kinds is an error),
  then by layer (``layer_kinds``: unlisted layers are skipped and counted), by
  attribute (``kind_field`` + ``kind_values``: unmapped values are skipped and counted,
  with one note per distinct set of unmapped values), else ``kind`` for every feature.
  With ``member_kinds``, a member its patterns miss is read by ``kind_field`` when one
  is given (so one rule set can read files of one layer each and files of all layers
  told apart by an attribute), else skipped and counted. A file dated by its name is
  the map of that date: a kind it can hold (its member or layer kind, else every kind
  of ``kind_values``) but shows no polygon of gives an *empty* snapshot, so that day's
  grey zone reads as empty, not missing. Options a user would write for a whole source
  live in a rules file (:mod:`vigil.territory.sources.recipe`).
- **Geometry**: reprojected to EPSG:4326 with x = longitude; a file without CRS is taken
  as WGS84 (with a note) unless its coordinates cannot be degrees. Points and lines are
  skipped and counted; invalid polygons are repaired with ``make_valid`` before the union
  (an invalid input can make the union fail) and counted as ``repaired``.

Counts written to the report: ``files read``, ``files skipped: outside dates``,
``files skipped: no member_kinds match``, ``layers read``, ``layers skipped (not in
layer_kinds)``, ``empty snapshots (kind held, no polygon)``, ``features read``,
``features skipped: no geometry``, ``features skipped: not polygonal``, ``features
skipped: kind not mapped``, ``features skipped: outside dates``, ``non-polygonal parts
dropped``, ``repaired``, ``snapshots``.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.errors
import shapely
from pyproj import CRS
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from vigil.errors import InputError
from vigil.i18n import gettext as _
from vigil.i18n import ngettext, pgettext
from vigil.territory.sources.base import Kind, Snapshot, SourceReport
from vigil.territory.sources.files import TAR_SUFFIXES, iter_member_paths

KYIV = ZoneInfo("Europe/Kyiv")
WGS84 = CRS.from_epsg(4326)
PARQUET_SUFFIXES = (".parquet", ".geoparquet")
# Suffixes stripped by default_source_name ("front.shp.zip" -> "front").
_VECTOR_SUFFIXES = (
    ".geojson",
    ".json",
    ".gpkg",
    ".shp",
    ".shz",
    ".kml",
    ".kmz",
    ".fgb",
    ".gml",
    ".parquet",
    ".geoparquet",
    ".zip",
)
_POLYGON, _MULTIPOLYGON, _COLLECTION = 3, 6, 7
# What GDAL (through pyogrio) raises for a file it cannot read: a user's mistake.
GDAL_ERRORS = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    pyogrio.errors.FeatureError,
    pyogrio.errors.FieldError,
    pyogrio.errors.GeometryError,
    pyogrio.errors.CRSError,
)
_GDAL_ERRORS = (*GDAL_ERRORS, ValueError)  # pyogrio raises ValueError for a bad WHERE
_ROW = "_vigil_row"


def default_source_name(path: str | os.PathLike[str]) -> str:
    """The source name a file gets when the user names none: its stem, slugified.

    Lower-case; every run of characters other than letters and digits (Unicode-aware, so
    Cyrillic names survive) becomes one hyphen. A vector suffix under an archive suffix
    goes too: ``Front Line_2024.shp.zip`` -> ``front-line-2024``.
    """
    name = Path(path).stem or Path(path).name
    inner, dot, suffix = name.rpartition(".")
    if dot and inner and f".{suffix.lower()}" in _VECTOR_SUFFIXES:
        name = inner
    text = unicodedata.normalize("NFKC", name).lower()
    slug = re.sub(r"[\W_]+", "-", text).strip("-")
    return slug or "vector"


def read(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    *,
    report: SourceReport,
    date_field: str | None = None,
    date_pattern: str | None = None,
    date_format: str | None = None,
    date_from: dt.date | str | None = None,
    date_to: dt.date | str | None = None,
    where: str | None = None,
    layer: str | None = None,
    layer_kinds: dict[str, Kind] | None = None,
    kind: Kind = Kind.CONTROLLED,
    kind_field: str | None = None,
    kind_values: dict[str, Kind] | None = None,
    members: str | None = None,
    member_kinds: dict[str, Kind] | None = None,
) -> Iterator[Snapshot]:
    """Yield one Snapshot per (date, kind) of vector ``paths``, sorted by date then kind.

    Geometries are WGS84 longitude/latitude unions of the selected polygonal features
    (over every file that holds that date and kind); no area is computed here. Raises
    :class:`InputError` for contradictory options, a missing or unreadable file, a
    missing layer or field, or a date that cannot be read (naming the file, feature and
    value). Options are checked at the call; the files are read when the first snapshot
    is asked for (all of them: a later file may hold an earlier date).
    """
    dating = _Dating.build(date_field, date_pattern, date_format, date_from, date_to)
    kinds = _Kinds.build(kind, layer, layer_kinds, kind_field, kind_values, member_kinds)
    chosen = _regex(members, "members")
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    return _read(paths, report, dating, kinds, layer, where, chosen)


def _read(
    paths: Iterable[str | os.PathLike[str]],
    report: SourceReport,
    dating: _Dating,
    kinds: _Kinds,
    layer: str | None,
    where: str | None,
    members: re.Pattern[str] | None,
) -> Iterator[Snapshot]:
    parts: dict[tuple[dt.date, str], list[Snapshot]] = {}
    noted: set[tuple[str, ...]] = set()
    for file in _files(paths, members):
        with file.opened() as path:
            file_date = dating.from_name(file.name, file.origin)
            if file_date is not None and not dating.keeps(file_date):
                report.count("files skipped: outside dates")
                continue
            member_kind = kinds.of_member(file.path, file.origin)
            if member_kind is None and kinds.by_member and kinds.field is None:
                report.count("files skipped: no member_kinds match")
                continue
            fields = dating.fields + (kinds.fields if member_kind is None else ())
            dataset = _open(path, file.origin)
            report.count("files read")
            for name, origin, layer_kind in _layers(dataset, layer, kinds, member_kind, report):
                frame = dataset.read(name, origin, fields, where)
                report.count("layers read")
                found = list(
                    _snapshots(frame, origin, dating, file_date, kinds, layer_kind, report, noted)
                )
                if file_date is not None:
                    found += _empty(file_date, kinds.held(layer_kind), found, origin, report)
                for snap in found:
                    parts.setdefault((snap.date, snap.kind.value), []).append(snap)
    for key in sorted(parts):
        report.count("snapshots")
        yield _merged(parts[key])


def _empty(
    date: dt.date, held: set[Kind], found: list[Snapshot], origin: str, report: SourceReport
) -> list[Snapshot]:
    """Empty snapshots for the kinds a file dated by its name can hold but did not.

    Such a file is the map of its date: a layer of it with no polygon that day (an empty
    file, only null geometries) means none of that kind, not "no map". Without them a
    day's grey zone would be missing rather than empty, and the controlled+grey union of
    that day could not be made.
    """
    missing = held - {s.kind for s in found}
    report.count("empty snapshots (kind held, no polygon)", len(missing))
    return [Snapshot(date, kind, MultiPolygon(), origin) for kind in sorted(missing)]


def _merged(snaps: list[Snapshot]) -> Snapshot:
    """One snapshot of a (date, kind) found in several files (or layers): their union."""
    if len(snaps) == 1:
        return snaps[0]
    stamps = [s.taken_at for s in snaps]
    return Snapshot(
        date=snaps[0].date,
        kind=snaps[0].kind,
        geometry=shapely.union_all([s.geometry for s in snaps]),
        origin=" + ".join(s.origin for s in snaps),
        taken_at=max(t for t in stamps if t is not None) if None not in stamps else None,
    )


@dataclass(frozen=True)
class _File:
    """One file to read: a path on disk, or an archive member written to a temporary file.

    ``path`` is the member path (what ``members`` and ``member_kinds`` are matched on),
    ``name`` the base name (what ``date_pattern`` is matched on), ``origin`` the label in
    messages and snapshots (``archive:member`` for a member).
    """

    path: str
    name: str
    origin: str
    disk: Path | None = None
    data: Callable[[], bytes] | None = None

    @contextmanager
    def opened(self) -> Iterator[Path]:
        if self.disk is not None:
            yield self.disk
            return
        assert self.data is not None
        # GDAL reads a real file named as the member (its suffix picks the driver, its
        # stem names a GeoJSON's layer), removed as soon as it is read.
        with tempfile.TemporaryDirectory(prefix="vigil-member-") as folder:
            target = Path(folder, self.name)
            target.write_bytes(self.data())
            yield target


def _files(
    paths: Iterable[str | os.PathLike[str]], members: re.Pattern[str] | None
) -> Iterator[_File]:
    if members is None:
        for raw in paths:
            path = Path(raw)
            if not path.exists():
                raise InputError(_("%(path)s: no such file or directory") % {"path": path})
            if path.is_file() and path.name.lower().endswith(TAR_SUFFIXES):
                # Translators: "members" is an option name; the regex stays as it is.
                raise InputError(
                    _(
                        "%(path)s: an archive of several files; choose the ones to read with"
                        " members (a regex on the paths inside it, e.g. '\\.geojson$')"
                    )
                    % {"path": path}
                )
            yield _File(path.as_posix(), path.name, str(path), disk=path)
        return
    for inner, member in iter_member_paths(paths, lambda p: members.search(p) is not None):
        if Path(member.origin).exists():  # a plain file: no copy needed
            yield _File(inner, member.name, member.origin, disk=Path(member.origin))
        else:
            yield _File(inner, member.name, member.origin, data=member.read)


def _regex(pattern: str | None, option: str) -> re.Pattern[str] | None:
    if pattern is None:
        return None
    try:
        return re.compile(pattern)
    except re.error as exc:
        # Translators: %(option)s is an option name; %(reason)s the regex compiler's message.
        raise InputError(
            _("%(option)s: %(pattern)r is not a valid regex: %(reason)s")
            % {"option": option, "pattern": pattern, "reason": exc}
        ) from exc


# --- options -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Dating:
    """Where dates come from (one attribute, or the file name) and which are kept."""

    field: str | None
    pattern: re.Pattern[str] | None
    format: str | None
    first: dt.date | None = None
    last: dt.date | None = None

    @classmethod
    def build(
        cls,
        field: str | None,
        pattern: str | None,
        fmt: str | None,
        first: dt.date | str | None = None,
        last: dt.date | str | None = None,
    ) -> _Dating:
        start, end = _bound(first, "date_from"), _bound(last, "date_to")
        if start is not None and end is not None and start > end:
            raise InputError(
                _("date_from %(start)s is after date_to %(end)s") % {"start": start, "end": end}
            )
        if (field is None) == (pattern is None):
            # Translators: date_field and date_pattern are option names; keep them.
            raise InputError(
                _(
                    "vector files: give exactly one of date_field (an attribute holding the"
                    " date) or date_pattern (a regex on the file name)"
                )
            )
        if pattern is None:
            return cls(field, None, fmt, start, end)
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            raise InputError(
                _("date_pattern %(pattern)r is not a valid regex: %(reason)s")
                % {"pattern": pattern, "reason": exc}
            ) from exc
        groups = set(compiled.groupindex)
        if "date" not in groups and not {"year", "month", "day"} <= groups:
            # Translators: the quoted group names are typed as they are; keep them.
            raise InputError(
                _(
                    "date_pattern %(pattern)r needs a named group 'date'"
                    " or the groups 'year', 'month' and 'day'"
                )
                % {"pattern": pattern}
            )
        return cls(None, compiled, fmt, start, end)

    @property
    def fields(self) -> tuple[str, ...]:
        return (self.field,) if self.field else ()

    def keeps(self, date: dt.date) -> bool:
        """Whether ``date`` lies in date_from..date_to (inclusive; open ends)."""
        return (self.first is None or date >= self.first) and (
            self.last is None or date <= self.last
        )

    def from_name(self, name: str, origin: str) -> dt.date | None:
        if self.pattern is None:
            return None
        match = self.pattern.search(name)
        if match is None:
            raise InputError(
                _("%(origin)s: file name does not match date_pattern %(pattern)r")
                % {"origin": origin, "pattern": self.pattern.pattern}
            )
        groups = match.groupdict()
        try:
            if groups.get("date") is not None:
                return _parse_text(groups["date"], self.format)[0]
            return dt.date(int(groups["year"]), int(groups["month"]), int(groups["day"]))
        except (TypeError, ValueError) as exc:
            # Translators: %(expected)s is "a date in format …" or "an ISO 8601 date …".
            raise InputError(
                _("%(origin)s: the date %(value)r in the file name is not a date (%(expected)s)")
                % {"origin": origin, "value": match.group(0), "expected": _expected(self.format)}
            ) from exc


def _bound(value: dt.date | str | None, option: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError(
            _("%(option)s: expected a date YYYY-MM-DD, got %(value)r")
            % {"option": option, "value": value}
        ) from None


@dataclass(frozen=True)
class _Kinds:
    """How features get their kind: per member path, layer, attribute value, or one for all."""

    default: Kind
    by_layer: dict[str, Kind] | None
    field: str | None
    by_value: dict[str, Kind] | None
    by_member: tuple[tuple[re.Pattern[str], Kind], ...] = ()

    @classmethod
    def build(
        cls,
        default: Kind,
        layer: str | None,
        by_layer: dict[str, Kind] | None,
        field: str | None,
        by_value: dict[str, Kind] | None,
        by_member: dict[str, Kind] | None = None,
    ) -> _Kinds:
        if by_member is not None and by_layer is not None:
            # Translators: the words with underscores and "layer" are option names.
            raise InputError(_("vector files: give member_kinds or layer_kinds, not both"))
        if by_layer is not None and layer is not None:
            raise InputError(_("vector files: give layer or layer_kinds, not both"))
        if by_layer is not None and field is not None:
            raise InputError(_("vector files: give layer_kinds or kind_field, not both"))
        if (field is None) != (by_value is None):
            raise InputError(_("vector files: kind_field and kind_values go together"))
        members = tuple(
            (cast(re.Pattern[str], _regex(pattern, "member_kinds")), kind)
            for pattern, kind in (_kind_map(by_member, "member_kinds") or {}).items()
        )
        return cls(
            _as_kind(default, "kind"),
            _kind_map(by_layer, "layer_kinds"),
            field,
            _kind_map(by_value, "kind_values"),
            members,
        )

    @property
    def fields(self) -> tuple[str, ...]:
        return (self.field,) if self.field else ()

    def held(self, layer_kind: Kind | None) -> set[Kind]:
        """The kinds a layer can give: its own kind, else every kind of kind_values."""
        if layer_kind is not None or self.field is None or self.by_value is None:
            return {layer_kind or self.default}
        return set(self.by_value.values())

    def of_member(self, path: str, origin: str) -> Kind | None:
        """The kind ``member_kinds`` gives a member path, or None when none matches."""
        hits = {kind: rx.pattern for rx, kind in self.by_member if rx.search(path)}
        if len(hits) > 1:
            shown = ", ".join(f"{p!r} ({k.value})" for k, p in hits.items())
            raise InputError(
                _("%(origin)s: member_kinds patterns of different kinds match: %(patterns)s")
                % {"origin": origin, "patterns": shown}
            )
        return next(iter(hits), None)


def _as_kind(value: Any, option: str) -> Kind:
    try:
        return Kind(value)
    except ValueError as exc:
        allowed = ", ".join(k.value for k in Kind)
        # Translators: %(allowed)s lists kinds to type; keep them.
        raise InputError(
            _("%(option)s: %(value)r is not a kind (expected %(allowed)s)")
            % {"option": option, "value": value, "allowed": allowed}
        ) from exc


def _kind_map(mapping: dict[str, Kind] | None, option: str) -> dict[str, Kind] | None:
    if mapping is None:
        return None
    return {str(key): _as_kind(value, option) for key, value in mapping.items()}


# --- datasets --------------------------------------------------------------------------


class _Dataset:
    """One file opened for reading: its layer names and a reader for one layer.

    ``path`` is where it lies on disk; ``label`` names it in messages (for an archive
    member, ``archive:member``, though it is read from a temporary copy).
    """

    def __init__(self, path: Path, label: str) -> None:
        self.path = path
        self.label = label

    def layers(self) -> list[str]:
        raise NotImplementedError

    def read(
        self, layer: str, origin: str, fields: tuple[str, ...], where: str | None
    ) -> gpd.GeoDataFrame:
        """The features of ``layer`` matching ``where``, indexed by FID (or row number)."""
        raise NotImplementedError


class _GdalDataset(_Dataset):
    """A file GDAL opens: ``target`` is the name handed to GDAL (maybe a /vsizip/ path)."""

    def __init__(self, path: Path, label: str, target: str) -> None:
        super().__init__(path, label)
        self.target = target

    def layers(self) -> list[str]:
        try:
            listed = pyogrio.list_layers(self.target)
        except _GDAL_ERRORS as exc:
            raise InputError(
                _("%(path)s: not a readable vector file (%(reason)s)")
                % {"path": self.label, "reason": _line(exc)}
            ) from exc
        # Tables without geometry (a GeoPackage's layer_styles, attribute tables) hold no
        # territory; they are not layers for our purposes.
        return [str(name) for name, geometry_type in listed if geometry_type is not None]

    def read(
        self, layer: str, origin: str, fields: tuple[str, ...], where: str | None
    ) -> gpd.GeoDataFrame:
        try:
            present = set(pyogrio.read_info(self.target, layer=layer)["fields"])
        except _GDAL_ERRORS as exc:
            raise InputError(
                _("%(origin)s: not a readable vector layer (%(reason)s)")
                % {"origin": origin, "reason": _line(exc)}
            ) from exc
        _require_fields(fields, present, origin)
        # Only the needed attributes are read, except with a WHERE clause: GDAL evaluates
        # an attribute filter on ignored fields as NULL for some drivers (a Shapefile then
        # silently matches nothing), so the clause must see every field.
        columns = None if where else list(fields)
        try:
            return pyogrio.read_dataframe(
                self.target,
                layer=layer,
                columns=columns,
                where=where,
                fid_as_index=True,
                force_2d=True,
            )
        except _GDAL_ERRORS as exc:
            values = {"origin": origin, "where": where, "reason": _line(exc)}
            if where:
                # Translators: "where" is an option name; %(where)r the filter given.
                raise InputError(
                    _("%(origin)s: cannot read features with where %(where)r (%(reason)s)") % values
                ) from exc
            raise InputError(_("%(origin)s: cannot read features (%(reason)s)") % values) from exc


class _ParquetDataset(_Dataset):
    """A GeoParquet file read by geopandas/pyarrow, for a GDAL without the Parquet driver.

    Its one layer is named after the file stem, as GDAL's Parquet driver names it, so
    ``layer``/``layer_kinds`` options mean the same either way.
    """

    def layers(self) -> list[str]:
        return [self.path.stem]

    def read(
        self, layer: str, origin: str, fields: tuple[str, ...], where: str | None
    ) -> gpd.GeoDataFrame:
        import pyarrow  # geopandas needs it for Parquet; imported here for its error type

        try:
            frame = gpd.read_parquet(self.path)
        except (ValueError, OSError, pyarrow.ArrowException) as exc:
            raise InputError(
                _("%(path)s: not a readable GeoParquet file (%(reason)s)")
                % {"path": self.label, "reason": _line(exc)}
            ) from exc
        frame = frame.reset_index(drop=True)
        _require_fields(fields, set(frame.columns), origin)
        if where:
            frame = frame.iloc[_rows_matching(frame, where, origin)]
        return frame


def _open(path: Path, label: str) -> _Dataset:
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES and "Parquet" not in _drivers():
        return _ParquetDataset(path, label)
    if suffix == ".kmz":
        return _GdalDataset(path, label, _kmz_target(path, label))
    return _GdalDataset(path, label, str(path))


@cache
def _drivers() -> frozenset[str]:
    """The OGR drivers this pyogrio's GDAL has (read by the name we use)."""
    return frozenset(pyogrio.list_drivers())


def _kmz_target(path: Path, label: str) -> str:
    """What GDAL should open for a KMZ.

    A KMZ holding one KML (a zipped KML, as Google Earth writes) is read through
    /vsizip/: LIBKML opening the .kmz itself loses ``<SchemaData>`` attributes whose
    ``schemaUrl`` points into the document (seen with GDAL 3.12), and the plain KML driver
    cannot open a .kmz at all. A KMZ of several KML files (doc.kml linking layers/*.kml,
    as LIBKML writes) needs LIBKML, which follows the links.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            kmls = [n for n in archive.namelist() if n.lower().endswith(".kml")]
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(
            _("%(path)s: not a readable KMZ (zip) file (%(reason)s)")
            % {"path": label, "reason": _line(exc)}
        ) from exc
    if not kmls:
        raise InputError(_("%(path)s: KMZ holds no .kml document") % {"path": label})
    if len(kmls) == 1:
        return f"/vsizip/{path}/{kmls[0]}"
    if "LIBKML" not in _drivers():
        raise InputError(
            ngettext(
                "%(path)s: a KMZ of %(n)d KML files needs GDAL's LIBKML driver,"
                " which this installation lacks; unzip it and read the KML files",
                "%(path)s: a KMZ of %(n)d KML files needs GDAL's LIBKML driver,"
                " which this installation lacks; unzip it and read the KML files",
                len(kmls),
            )
            % {"path": label, "n": len(kmls)}
        )
    return str(path)


def _rows_matching(frame: gpd.GeoDataFrame, where: str, origin: str) -> np.ndarray:
    """Row numbers of ``frame`` that GDAL's OGR SQL ``where`` selects.

    The frame goes through an in-memory FlatGeobuf (whose filter is OGR SQL, as for
    GeoJSON and Shapefile) with its row numbers, so the result indexes the original
    frame and its original column types are kept.
    """
    probe = frame.assign(**{_ROW: np.arange(len(frame))})
    buffer = io.BytesIO()
    try:
        pyogrio.write_dataframe(probe, buffer, driver="FlatGeobuf", layer="probe")
        # Every column is read: with only some, GDAL would see the others as NULL.
        hits = pyogrio.read_dataframe(buffer.getvalue(), where=where, read_geometry=False)
    except _GDAL_ERRORS as exc:
        raise InputError(
            _("%(origin)s: cannot apply where %(where)r (%(reason)s)")
            % {"origin": origin, "where": where, "reason": _line(exc)}
        ) from exc
    return np.sort(hits[_ROW].to_numpy(dtype=np.int64))


def _layers(
    dataset: _Dataset,
    layer: str | None,
    kinds: _Kinds,
    member_kind: Kind | None,
    report: SourceReport,
) -> Iterator[tuple[str, str, Kind | None]]:
    """(layer name, origin, kind of the whole layer or None) for each layer to read.

    ``member_kind`` is the kind member_kinds gave the whole file (None when it gave none).
    """
    path = dataset.label
    available = dataset.layers()
    shown = ", ".join(repr(n) for n in available) or pgettext("layers", "none")
    if kinds.by_layer is not None:
        chosen = [n for n in available if n in kinds.by_layer]
        if not chosen:
            raise InputError(
                _(
                    "%(path)s: none of the layer_kinds layers (%(wanted)s) is in the file;"
                    " its layers: %(layers)s"
                )
                % {
                    "path": path,
                    "wanted": ", ".join(repr(n) for n in kinds.by_layer),
                    "layers": shown,
                }
            )
        missing = [n for n in kinds.by_layer if n not in available]
        if missing:
            report.note(
                ngettext(
                    "%(path)s: layer(s) %(layers)s not in the file",
                    "%(path)s: layer(s) %(layers)s not in the file",
                    len(missing),
                )
                % {"path": path, "layers": ", ".join(map(repr, missing))}
            )
        report.count("layers skipped (not in layer_kinds)", len(available) - len(chosen))
        for name in chosen:
            yield name, f"{path}:{name}", kinds.by_layer[name]
    elif layer is not None:
        if layer not in available:
            raise InputError(
                _("%(path)s: no layer %(layer)r; its layers: %(layers)s")
                % {"path": path, "layer": layer, "layers": shown}
            )
        yield layer, f"{path}:{layer}", member_kind
    elif len(available) == 1:
        yield available[0], str(path), member_kind
    elif not available:
        raise InputError(_("%(path)s: no layer with geometry") % {"path": path})
    else:
        # Reading every layer as one kind could count liberated or grey areas as
        # controlled; the user must say which layers mean what.
        # Translators: "layer" and "layer_kinds" are option names; keep them.
        raise InputError(
            ngettext(
                "%(path)s: has %(n)d layers (%(layers)s); choose one with layer"
                " or give each its kind with layer_kinds",
                "%(path)s: has %(n)d layers (%(layers)s); choose one with layer"
                " or give each its kind with layer_kinds",
                len(available),
            )
            % {"path": path, "n": len(available), "layers": shown}
        )


def _require_fields(fields: tuple[str, ...], present: set[str], origin: str) -> None:
    for name in fields:
        if name not in present:
            shown = ", ".join(repr(f) for f in sorted(present)) or pgettext("fields", "none")
            raise InputError(
                _("%(origin)s: no field %(field)r; its fields: %(fields)s")
                % {"origin": origin, "field": name, "fields": shown}
            )


# --- features to snapshots -------------------------------------------------------------


def _snapshots(
    frame: gpd.GeoDataFrame,
    origin: str,
    dating: _Dating,
    file_date: dt.date | None,
    kinds: _Kinds,
    layer_kind: Kind | None,
    report: SourceReport,
    noted: set[tuple[str, ...]],
) -> Iterator[Snapshot]:
    """The (date, kind) unions of one layer's features (not yet counted as snapshots)."""
    report.count("features read", len(frame))
    geoms = _polygonal(shapely.force_2d(frame.geometry.to_numpy()), report)
    has_geometry = ~shapely.is_missing(geoms)
    frame, geoms = frame[has_geometry], geoms[has_geometry]
    kind_of = _feature_kinds(frame, origin, kinds, layer_kind, report, noted)
    has_kind = np.array([k is not None for k in kind_of], dtype=bool)
    frame, geoms, kind_of = frame[has_kind], geoms[has_kind], kind_of[has_kind]
    if not len(frame):
        return
    geoms = _to_wgs84(geoms, frame.crs, origin, report)
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        report.count("repaired", int(invalid.sum()))
        geoms[invalid] = shapely.make_valid(
            geoms[invalid], method="structure", keep_collapsed=False
        )
    if dating.field is None:
        dates = np.full(len(frame), file_date, dtype=object)
        instants = np.full(len(frame), None, dtype=object)
    else:
        dates, instants = _feature_dates(frame, origin, dating)
        kept = np.array([dating.keeps(d) for d in dates], dtype=bool)
        report.count("features skipped: outside dates", int((~kept).sum()))
        geoms, dates, instants, kind_of = geoms[kept], dates[kept], instants[kept], kind_of[kept]
        if not len(geoms):
            return
    groups = pd.DataFrame({"date": dates, "kind": kind_of.astype(str)}).groupby(
        ["date", "kind"], sort=True
    )
    for key, rows in groups.indices.items():
        # Grouped by two columns, every key is a (date, kind) pair.
        date, kind_name = cast(tuple[dt.date, str], key)
        stamps = instants[rows]
        taken_at = max(stamps) if all(s is not None for s in stamps) else None
        yield Snapshot(
            date=date,
            kind=Kind(kind_name),
            geometry=shapely.union_all(geoms[rows]),
            origin=origin,
            taken_at=taken_at,
        )


def _polygonal(geoms: np.ndarray, report: SourceReport) -> np.ndarray:
    """Polygonal geometry of each feature, or None (counted) when it has none.

    Polygons and multipolygons pass; a geometry collection (KML MultiGeometry) keeps its
    polygonal parts, and the parts it drops are counted.
    """
    out = geoms.astype(object, copy=True)
    types = shapely.get_type_id(geoms)
    missing = (types < 0) | shapely.is_empty(geoms)
    out[missing] = None
    report.count("features skipped: no geometry", int(missing.sum()))
    other = ~missing & ~np.isin(types, (_POLYGON, _MULTIPOLYGON, _COLLECTION))
    out[other] = None
    skipped = int(other.sum())
    for i in np.flatnonzero(~missing & (types == _COLLECTION)):
        polygons, dropped = _polygons_in(geoms[i])
        report.count("non-polygonal parts dropped", dropped)
        out[i] = MultiPolygon(polygons) if polygons else None
        skipped += not polygons
    report.count("features skipped: not polygonal", skipped)
    return out


def _polygons_in(geometry: BaseGeometry) -> tuple[list[Polygon], int]:
    """The polygons inside a (possibly nested) collection, and how many parts were not."""
    polygons: list[Polygon] = []
    dropped = 0
    for part in shapely.get_parts(geometry):
        type_id = shapely.get_type_id(part)
        if type_id == _POLYGON:
            polygons.append(part)
        elif type_id in (_MULTIPOLYGON, _COLLECTION):
            inner, inner_dropped = _polygons_in(part)
            polygons += inner
            dropped += inner_dropped
        elif not part.is_empty:
            dropped += 1
    return polygons, dropped


def _feature_kinds(
    frame: gpd.GeoDataFrame,
    origin: str,
    kinds: _Kinds,
    layer_kind: Kind | None,
    report: SourceReport,
    noted: set[tuple[str, ...]],
) -> np.ndarray:
    """The Kind of each feature, or None (counted) for a value kind_values does not map.

    A kind given to the whole layer (by member_kinds or layer_kinds) wins. The note on
    unmapped values is written once per distinct set of them (``noted``), naming the
    first file: a source of a hundred daily files would otherwise repeat it a hundred
    times.
    """
    if layer_kind is not None or kinds.field is None or kinds.by_value is None:
        return np.full(len(frame), layer_kind or kinds.default, dtype=object)
    keys = [None if _missing(v) else str(v) for v in frame[kinds.field].tolist()]
    out = np.array([kinds.by_value.get(k) if k is not None else None for k in keys], object)
    unmapped = sorted({repr(k) for k, kind in zip(keys, out, strict=True) if kind is None})
    if unmapped:
        count = int(sum(kind is None for kind in out))
        report.count("features skipped: kind not mapped", count)
        if tuple(unmapped) not in noted:
            noted.add(tuple(unmapped))
            shown = ", ".join(unmapped[:10])
            if len(unmapped) > 10:
                # Translators: after a list of values cut at 10; %(n)d is how many more.
                shown += _(" (and %(n)d more)") % {"n": len(unmapped) - 10}
            # Translators: %(field)s is an attribute name, %(values)s the values found;
            # "kind_values" is an option name. English keeps "(s)" in both forms.
            report.note(
                ngettext(
                    "%(origin)s: %(n)d feature(s) skipped: %(field)s value(s) %(values)s not in"
                    " kind_values (noted once; later files skipping the same values are only"
                    " counted)",
                    "%(origin)s: %(n)d feature(s) skipped: %(field)s value(s) %(values)s not in"
                    " kind_values (noted once; later files skipping the same values are only"
                    " counted)",
                    count,
                )
                % {"origin": origin, "n": count, "field": kinds.field, "values": shown}
            )
    return out


def _to_wgs84(geoms: np.ndarray, crs: CRS | None, origin: str, report: SourceReport) -> np.ndarray:
    """Geometries in EPSG:4326 with x = longitude, y = latitude."""
    if crs is None:
        xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
        if xmin < -180 or xmax > 180 or ymin < -90 or ymax > 90:
            # Translators: %(bounds)s is four numbers (xmin, ymin, xmax, ymax).
            raise InputError(
                _(
                    "%(origin)s: has no CRS and its coordinates are not degrees"
                    " (bounds %(bounds)s); give the file its CRS (e.g. a .prj next to a"
                    " Shapefile)"
                )
                % {
                    "origin": origin,
                    "bounds": f"{xmin:.0f}, {ymin:.0f}, {xmax:.0f}, {ymax:.0f}",
                }
            )
        report.note(_("%(origin)s: no CRS; assumed WGS84 longitude/latitude") % {"origin": origin})
        return geoms
    if CRS(crs).equals(WGS84, ignore_axis_order=True):
        return geoms  # pyogrio and geopandas already give x = longitude
    series = gpd.GeoSeries(geoms, crs=crs).to_crs(WGS84)  # always_xy: x = longitude
    return series.to_numpy()


def _feature_dates(
    frame: gpd.GeoDataFrame, origin: str, dating: _Dating
) -> tuple[np.ndarray, np.ndarray]:
    """The date and (when timezone-aware) the instant of each feature.

    Each distinct value is parsed once; a value that is not a date raises, naming the
    file, the feature (GDAL's FID, or the row number for GeoParquet) and the field.
    """
    field = dating.field
    assert field is not None
    parsed: dict[Hashable, tuple[dt.date, dt.datetime | None]] = {}
    dates = np.empty(len(frame), dtype=object)
    instants = np.empty(len(frame), dtype=object)
    for i, (fid, value) in enumerate(zip(frame.index, frame[field].tolist(), strict=True)):
        key = (type(value), value) if not _missing(value) else None
        if key not in parsed:
            try:
                parsed[key] = _parse_value(value, dating.format)
            except (TypeError, ValueError) as exc:
                values = {
                    "origin": origin,
                    "fid": fid,
                    "field": field,
                    "value": value,
                    "expected": _expected(dating.format),
                }
                # Translators: %(fid)s is a feature number; %(expected)s is "a date in
                # format …" or "an ISO 8601 date …".
                if key is None:
                    message = _(
                        "%(origin)s: feature %(fid)s: field %(field)r: empty"
                        " (expected %(expected)s)"
                    )
                else:
                    message = _(
                        "%(origin)s: feature %(fid)s: field %(field)r: %(value)r is not a date"
                        " (expected %(expected)s)"
                    )
                raise InputError(message % values) from exc
        dates[i], instants[i] = parsed[key]
    return dates, instants


def _parse_value(value: Any, fmt: str | None) -> tuple[dt.date, dt.datetime | None]:
    if _missing(value):
        raise ValueError("missing")
    if isinstance(value, dt.datetime):  # includes pandas.Timestamp
        return _date_of(pd.Timestamp(value).to_pydatetime())
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, np.datetime64):
        return _date_of(pd.Timestamp(value).to_pydatetime())
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return _parse_text(str(value), fmt)
    if isinstance(value, str):
        return _parse_text(value, fmt)
    raise TypeError(f"unsupported value type {type(value).__name__}")


def _parse_text(text: str, fmt: str | None) -> tuple[dt.date, dt.datetime | None]:
    text = text.strip()
    if fmt is not None:
        return _date_of(dt.datetime.strptime(text, fmt))
    if len(text) == 10:  # the common plain date, before the general datetime parser
        return dt.date.fromisoformat(text), None
    return _date_of(dt.datetime.fromisoformat(text))


def _date_of(moment: dt.datetime) -> tuple[dt.date, dt.datetime | None]:
    """Kyiv calendar date of an aware instant (and the instant); a naive one's own date."""
    if moment.tzinfo is None:
        return moment.date(), None
    return moment.astimezone(KYIV).date(), moment


def _expected(fmt: str | None) -> str:
    if fmt:
        # Translators: %(format)r is a date format such as '%d.%m.%Y'.
        return _("a date in format %(format)r") % {"format": fmt}
    return _("an ISO 8601 date such as 2024-10-21")


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _line(exc: BaseException) -> str:
    """An exception's message on one line (GDAL messages may span several)."""
    return " ".join(str(exc).split()) or type(exc).__name__
