"""Read territory from any vector file GDAL reads: GeoJSON, GeoPackage, Shapefile, KML/KMZ.

GeoParquet too: through GDAL when its Parquet driver is built in, else through
``geopandas.read_parquet`` (pyarrow). One file gives one :class:`Snapshot` per
(date, kind): the union of its polygonal features of that date and kind, in WGS84
longitude/latitude, without Z.

How each part is decided:

- **Date**: from an attribute (``date_field``) or from the file name (``date_pattern``,
  a regex with a named group ``date``, or groups ``year``, ``month``, ``day``). String
  values are ISO 8601 unless ``date_format`` (``strptime``) says otherwise. A
  timezone-aware value is dated in Kyiv local time (the method's rule) and, when every
  feature of a snapshot carries one, the latest becomes ``taken_at``.
- **Selection**: ``where`` is an OGR SQL WHERE clause handed to GDAL (for GeoParquet read
  without GDAL, it is evaluated by GDAL on an in-memory FlatGeobuf copy, so the dialect
  is the same).
- **Kind**: by layer (``layer_kinds``: unlisted layers are skipped and counted), by
  attribute (``kind_field`` + ``kind_values``: unmapped values are skipped and counted),
  else ``kind`` for every feature.
- **Geometry**: reprojected to EPSG:4326 with x = longitude; a file without CRS is taken
  as WGS84 (with a note) unless its coordinates cannot be degrees. Points and lines are
  skipped and counted; invalid polygons are repaired with ``make_valid`` before the union
  (an invalid input can make the union fail) and counted as ``repaired``.

Counts written to the report: ``files read``, ``layers read``, ``layers skipped (not in
layer_kinds)``, ``features read``, ``features skipped: no geometry``, ``features
skipped: not polygonal``, ``features skipped: kind not mapped``, ``non-polygonal parts
dropped``, ``repaired``, ``snapshots``.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import unicodedata
import zipfile
from collections.abc import Hashable, Iterable, Iterator
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
from vigil.territory.sources.base import Kind, Snapshot, SourceReport

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
    where: str | None = None,
    layer: str | None = None,
    layer_kinds: dict[str, Kind] | None = None,
    kind: Kind = Kind.CONTROLLED,
    kind_field: str | None = None,
    kind_values: dict[str, Kind] | None = None,
) -> Iterator[Snapshot]:
    """Yield one Snapshot per (date, kind) per file (and layer) of vector ``paths``.

    Geometries are WGS84 longitude/latitude unions of the selected polygonal features;
    no area is computed here. Raises :class:`InputError` for contradictory options, a
    missing or unreadable file, a missing layer or field, or a date that cannot be read
    (naming the file, feature and value). Options are checked at the call; files are
    read lazily, one at a time, as the snapshots are consumed.
    """
    dating = _Dating.build(date_field, date_pattern, date_format)
    kinds = _Kinds.build(kind, layer, layer_kinds, kind_field, kind_values)
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    return _read(paths, report, dating, kinds, layer, where)


def _read(
    paths: Iterable[str | os.PathLike[str]],
    report: SourceReport,
    dating: _Dating,
    kinds: _Kinds,
    layer: str | None,
    where: str | None,
) -> Iterator[Snapshot]:
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise InputError(f"{path}: no such file or directory")
        file_date = dating.from_name(path)
        dataset = _open(path)
        report.count("files read")
        for name, origin, layer_kind in _layers(dataset, layer, kinds, report):
            frame = dataset.read(name, origin, dating.fields + kinds.fields, where)
            report.count("layers read")
            yield from _snapshots(frame, origin, dating, file_date, kinds, layer_kind, report)


# --- options -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Dating:
    """Where dates come from: one attribute, or the file name."""

    field: str | None
    pattern: re.Pattern[str] | None
    format: str | None

    @classmethod
    def build(cls, field: str | None, pattern: str | None, fmt: str | None) -> _Dating:
        if (field is None) == (pattern is None):
            raise InputError(
                "vector files: give exactly one of date_field (an attribute holding the "
                "date) or date_pattern (a regex on the file name)"
            )
        if pattern is None:
            return cls(field, None, fmt)
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            raise InputError(f"date_pattern {pattern!r} is not a valid regex: {exc}") from exc
        groups = set(compiled.groupindex)
        if "date" not in groups and not {"year", "month", "day"} <= groups:
            raise InputError(
                f"date_pattern {pattern!r} needs a named group 'date' "
                "or the groups 'year', 'month' and 'day'"
            )
        return cls(None, compiled, fmt)

    @property
    def fields(self) -> tuple[str, ...]:
        return (self.field,) if self.field else ()

    def from_name(self, path: Path) -> dt.date | None:
        if self.pattern is None:
            return None
        match = self.pattern.search(path.name)
        if match is None:
            raise InputError(
                f"{path}: file name does not match date_pattern {self.pattern.pattern!r}"
            )
        groups = match.groupdict()
        try:
            if groups.get("date") is not None:
                return _parse_text(groups["date"], self.format)[0]
            return dt.date(int(groups["year"]), int(groups["month"]), int(groups["day"]))
        except (TypeError, ValueError) as exc:
            raise InputError(
                f"{path}: the date {match.group(0)!r} in the file name is not a date "
                f"({_expected(self.format)})"
            ) from exc


@dataclass(frozen=True)
class _Kinds:
    """How features get their kind: per layer, per attribute value, or one for all."""

    default: Kind
    by_layer: dict[str, Kind] | None
    field: str | None
    by_value: dict[str, Kind] | None

    @classmethod
    def build(
        cls,
        default: Kind,
        layer: str | None,
        by_layer: dict[str, Kind] | None,
        field: str | None,
        by_value: dict[str, Kind] | None,
    ) -> _Kinds:
        if by_layer is not None and layer is not None:
            raise InputError("vector files: give layer or layer_kinds, not both")
        if by_layer is not None and field is not None:
            raise InputError("vector files: give layer_kinds or kind_field, not both")
        if (field is None) != (by_value is None):
            raise InputError("vector files: kind_field and kind_values go together")
        return cls(
            _as_kind(default, "kind"),
            _kind_map(by_layer, "layer_kinds"),
            field,
            _kind_map(by_value, "kind_values"),
        )

    @property
    def fields(self) -> tuple[str, ...]:
        return (self.field,) if self.field else ()


def _as_kind(value: Any, option: str) -> Kind:
    try:
        return Kind(value)
    except ValueError as exc:
        allowed = ", ".join(k.value for k in Kind)
        raise InputError(f"{option}: {value!r} is not a kind (expected {allowed})") from exc


def _kind_map(mapping: dict[str, Kind] | None, option: str) -> dict[str, Kind] | None:
    if mapping is None:
        return None
    return {str(key): _as_kind(value, option) for key, value in mapping.items()}


# --- datasets --------------------------------------------------------------------------


class _Dataset:
    """One file opened for reading: its layer names and a reader for one layer."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def layers(self) -> list[str]:
        raise NotImplementedError

    def read(
        self, layer: str, origin: str, fields: tuple[str, ...], where: str | None
    ) -> gpd.GeoDataFrame:
        """The features of ``layer`` matching ``where``, indexed by FID (or row number)."""
        raise NotImplementedError


class _GdalDataset(_Dataset):
    """A file GDAL opens: ``target`` is the name handed to GDAL (maybe a /vsizip/ path)."""

    def __init__(self, path: Path, target: str) -> None:
        super().__init__(path)
        self.target = target

    def layers(self) -> list[str]:
        try:
            listed = pyogrio.list_layers(self.target)
        except _GDAL_ERRORS as exc:
            raise InputError(f"{self.path}: not a readable vector file ({_line(exc)})") from exc
        # Tables without geometry (a GeoPackage's layer_styles, attribute tables) hold no
        # territory; they are not layers for our purposes.
        return [str(name) for name, geometry_type in listed if geometry_type is not None]

    def read(
        self, layer: str, origin: str, fields: tuple[str, ...], where: str | None
    ) -> gpd.GeoDataFrame:
        try:
            present = set(pyogrio.read_info(self.target, layer=layer)["fields"])
        except _GDAL_ERRORS as exc:
            raise InputError(f"{origin}: not a readable vector layer ({_line(exc)})") from exc
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
            clause = f" with where {where!r}" if where else ""
            raise InputError(f"{origin}: cannot read features{clause} ({_line(exc)})") from exc


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
            raise InputError(f"{self.path}: not a readable GeoParquet file ({_line(exc)})") from exc
        frame = frame.reset_index(drop=True)
        _require_fields(fields, set(frame.columns), origin)
        if where:
            frame = frame.iloc[_rows_matching(frame, where, origin)]
        return frame


def _open(path: Path) -> _Dataset:
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES and "Parquet" not in _drivers():
        return _ParquetDataset(path)
    if suffix == ".kmz":
        return _GdalDataset(path, _kmz_target(path))
    return _GdalDataset(path, str(path))


@cache
def _drivers() -> frozenset[str]:
    """The OGR drivers this pyogrio's GDAL has (read by the name we use)."""
    return frozenset(pyogrio.list_drivers())


def _kmz_target(path: Path) -> str:
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
        raise InputError(f"{path}: not a readable KMZ (zip) file ({_line(exc)})") from exc
    if not kmls:
        raise InputError(f"{path}: KMZ holds no .kml document")
    if len(kmls) == 1:
        return f"/vsizip/{path}/{kmls[0]}"
    if "LIBKML" not in _drivers():
        raise InputError(
            f"{path}: a KMZ of {len(kmls)} KML files needs GDAL's LIBKML driver, "
            "which this installation lacks; unzip it and read the KML files"
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
        raise InputError(f"{origin}: cannot apply where {where!r} ({_line(exc)})") from exc
    return np.sort(hits[_ROW].to_numpy(dtype=np.int64))


def _layers(
    dataset: _Dataset, layer: str | None, kinds: _Kinds, report: SourceReport
) -> Iterator[tuple[str, str, Kind | None]]:
    """(layer name, origin, kind of the whole layer or None) for each layer to read."""
    path = dataset.path
    available = dataset.layers()
    shown = ", ".join(repr(n) for n in available) or "none"
    if kinds.by_layer is not None:
        chosen = [n for n in available if n in kinds.by_layer]
        if not chosen:
            raise InputError(
                f"{path}: none of the layer_kinds layers "
                f"({', '.join(repr(n) for n in kinds.by_layer)}) is in the file; "
                f"its layers: {shown}"
            )
        missing = [n for n in kinds.by_layer if n not in available]
        if missing:
            report.note(f"{path}: layer(s) {', '.join(map(repr, missing))} not in the file")
        report.count("layers skipped (not in layer_kinds)", len(available) - len(chosen))
        for name in chosen:
            yield name, f"{path}:{name}", kinds.by_layer[name]
    elif layer is not None:
        if layer not in available:
            raise InputError(f"{path}: no layer {layer!r}; its layers: {shown}")
        yield layer, f"{path}:{layer}", None
    elif len(available) == 1:
        yield available[0], str(path), None
    elif not available:
        raise InputError(f"{path}: no layer with geometry")
    else:
        # Reading every layer as one kind could count liberated or grey areas as
        # controlled; the user must say which layers mean what.
        raise InputError(
            f"{path}: has {len(available)} layers ({shown}); choose one with layer "
            "or give each its kind with layer_kinds"
        )


def _require_fields(fields: tuple[str, ...], present: set[str], origin: str) -> None:
    for name in fields:
        if name not in present:
            shown = ", ".join(repr(f) for f in sorted(present)) or "none"
            raise InputError(f"{origin}: no field {name!r}; its fields: {shown}")


# --- features to snapshots -------------------------------------------------------------


def _snapshots(
    frame: gpd.GeoDataFrame,
    origin: str,
    dating: _Dating,
    file_date: dt.date | None,
    kinds: _Kinds,
    layer_kind: Kind | None,
    report: SourceReport,
) -> Iterator[Snapshot]:
    report.count("features read", len(frame))
    geoms = _polygonal(shapely.force_2d(frame.geometry.to_numpy()), report)
    has_geometry = ~shapely.is_missing(geoms)
    frame, geoms = frame[has_geometry], geoms[has_geometry]
    kind_of = _feature_kinds(frame, origin, kinds, layer_kind, report)
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
    groups = pd.DataFrame({"date": dates, "kind": kind_of.astype(str)}).groupby(
        ["date", "kind"], sort=True
    )
    for key, rows in groups.indices.items():
        # Grouped by two columns, every key is a (date, kind) pair.
        date, kind_name = cast(tuple[dt.date, str], key)
        stamps = instants[rows]
        taken_at = max(stamps) if all(s is not None for s in stamps) else None
        report.count("snapshots")
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
) -> np.ndarray:
    """The Kind of each feature, or None (counted) for a value kind_values does not map."""
    if kinds.field is None or kinds.by_value is None:
        return np.full(len(frame), layer_kind or kinds.default, dtype=object)
    keys = [None if _missing(v) else str(v) for v in frame[kinds.field].tolist()]
    out = np.array([kinds.by_value.get(k) if k is not None else None for k in keys], object)
    unmapped = sorted({repr(k) for k, kind in zip(keys, out, strict=True) if kind is None})
    if unmapped:
        count = int(sum(kind is None for kind in out))
        report.count("features skipped: kind not mapped", count)
        more = f" (and {len(unmapped) - 10} more)" if len(unmapped) > 10 else ""
        report.note(
            f"{origin}: {count} feature(s) skipped: {kinds.field} value(s) "
            f"{', '.join(unmapped[:10])}{more} not in kind_values"
        )
    return out


def _to_wgs84(geoms: np.ndarray, crs: CRS | None, origin: str, report: SourceReport) -> np.ndarray:
    """Geometries in EPSG:4326 with x = longitude, y = latitude."""
    if crs is None:
        xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
        if xmin < -180 or xmax > 180 or ymin < -90 or ymax > 90:
            raise InputError(
                f"{origin}: has no CRS and its coordinates are not degrees "
                f"(bounds {xmin:.0f}, {ymin:.0f}, {xmax:.0f}, {ymax:.0f}); "
                "give the file its CRS (e.g. a .prj next to a Shapefile)"
            )
        report.note(f"{origin}: no CRS; assumed WGS84 longitude/latitude")
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
                shown = "empty" if key is None else f"{value!r} is not a date"
                raise InputError(
                    f"{origin}: feature {fid}: field {field!r}: {shown} "
                    f"(expected {_expected(dating.format)})"
                ) from exc
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
    return f"a date in format {fmt!r}" if fmt else "an ISO 8601 date such as 2024-10-21"


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
