"""Reference geography: import boundaries and a settlement gazetteer, find settlements by name.

Three jobs, each a library call the CLI (`vigil territory geography import`) wraps 1:1:

- :func:`import_regions` reads oblast, raion or hromada polygons from any vector file
  pyogrio reads (also ``.xz``/``.gz``/``.bz2``-compressed), reprojects them to WGS84
  longitude/latitude, repairs and segments them with :func:`prepare.clean` (so a region is
  measured exactly as a snapshot is) and stores their geodesic areas (km², WGS84).
- :func:`import_settlements` reads a gazetteer: a CSV with lat/lon columns (UTF-8,
  optionally compressed) or a vector file of points.
- :func:`import_shipped` loads the four files in the repository's ``data/geography/``.
- :func:`import_level` is either import, skipped when the level's last import read the
  same bytes the same way (nothing to do: the level is reported unchanged).

Every import replaces its level in one transaction; any bad input raises
:class:`InputError` (naming the file, the row or field, and what was expected) before the
store is touched.

Oblast codes are normalised to ISO 3166-2 (``UA-14``) wherever a field holds an oblast:
a KATOTTH prefix (``UA14``), a full KATOTTH oblast code (``UA14000000000091971``) or the
KATOTTH digits written like an ISO code (``UA-44``) all become the ISO code. The digits
agree for 22 oblasts and differ for five (``KATOTTH_TO_ISO``); the shipped settlement file's
``oblast_iso`` column uses the KATOTTH digits for those five (``UA-44`` for Luhansk,
whose ISO code is ``UA-09``), so without this the gazetteer would not join the boundaries.
The two code sets do not collide, so the mapping is unambiguous.

:func:`name_key` and :func:`find_settlements` match names across spellings
(Ukrainian or Russian Cyrillic, KMU-2010 or common English transliteration, apostrophes,
hyphens); see :func:`name_key` for every rule.
"""

from __future__ import annotations

import bz2
import glob
import gzip
import io
import lzma
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.errors
import shapely
from pyproj import CRS

from vigil.errors import InputError
from vigil.i18n import gettext as _
from vigil.i18n import ngettext, pgettext
from vigil.territory import geodesy
from vigil.territory.prepare import clean
from vigil.territory.sources.vector import GDAL_ERRORS
from vigil.territory.store import SETTLEMENT_COLUMNS, Store

LEVELS = ("oblast", "raion", "hromada")
WGS84 = CRS.from_epsg(4326)

# Default field names per level: those of the shipped files (data/geography/README.md).
# ``oblast: None`` at the oblast level means "the region's own code".
REGION_DEFAULTS: dict[str, dict[str, str | None]] = {
    "oblast": {
        "code": "iso3166_2", "name": "name_uk", "name_en": "name_en", "name_ru": "name_ru",
        "oblast": None, "parent": None,
    },
    "raion": {
        "code": "katotth", "name": "name_uk", "name_en": "name_en", "name_ru": "name_ru",
        "oblast": "oblast_iso", "parent": "oblast_iso",
    },
    "hromada": {
        "code": "katotth", "name": "name_uk", "name_en": "name_en", "name_ru": "name_ru",
        "oblast": "oblast_iso", "parent": "raion_katotth",
    },
}  # fmt: skip

# The settlement fields' defaults (those of import_settlements' signature, by role): an
# optional field may be absent from a file under these names.
SETTLEMENT_DEFAULTS: dict[str, str | None] = {
    "code": "katotth", "name": "name_uk", "name_en": "name_en", "name_translit": "name_translit",
    "name_ru": None, "located": "coord_is_settlement", "category": "category_katotth",
    "hromada": "hromada_katotth", "raion": "raion_katotth", "oblast": "oblast_iso",
    "lat": "lat", "lon": "lon",
}  # fmt: skip

SHIPPED_FILES = {
    "oblast": "oblasts.geojson.xz",
    "raion": "raions.geojson.xz",
    "hromada": "hromadas.geojson.xz",
    "settlement": "settlements_full.csv.xz",
}

# The five oblasts whose KATOTTH digits differ from their ISO 3166-2 code; the other 22
# (05, 07, 12, 14, 18, 21, 23, 26, 32, 35, 46, 48, 51, 53, 56, 59, 61, 63, 65, 68, 71, 74)
# use the same digits in both. Source: data/geography/oblasts.geojson.xz (iso3166_2 and
# katotth_prefix of every feature).
KATOTTH_TO_ISO = {"01": "43", "44": "09", "73": "77", "80": "30", "85": "40"}
ISO_DIGITS = frozenset(
    {
        "05", "07", "09", "12", "14", "18", "21", "23", "26", "30", "32", "35", "40", "43",
        "46", "48", "51", "53", "56", "59", "61", "63", "65", "68", "71", "74", "77",
    }
)  # fmt: skip
_OBLAST_CODE = re.compile(r"^UA-?(\d{2})(\d{15})?$")

_COMPRESSED: dict[str, Callable[[Path, Literal["rb"]], io.BufferedIOBase]] = {
    ".xz": lzma.open,
    ".gz": gzip.open,
    ".bz2": bz2.open,
}
_CSV_SUFFIXES = (".csv", ".tsv", ".txt")
_ONE_LAYER = frozenset({".geojson", ".json", ".geojsonl", ".geojsons", ".fgb", ".shp"})
_GDAL_ERRORS = GDAL_ERRORS
_TRUE = frozenset({"1", "true", "yes", "y", "t"})
_FALSE = frozenset({"0", "false", "no", "n", "f", ""})


# --- regions ------------------------------------------------------------------------------


def import_regions(
    store: Store,
    path: str | os.PathLike[str],
    level: str,
    *,
    code_field: str | None = None,
    name_field: str | None = None,
    name_en_field: str | None = None,
    name_ru_field: str | None = None,
    oblast_field: str | None = None,
    parent_field: str | None = None,
    layer: str | None = None,
    fingerprint: str | None = None,
) -> int:
    """Replace the regions of ``level`` (oblast, raion or hromada) with the polygons of
    ``path``; returns the number of regions stored.

    A field left None takes the level's default (``REGION_DEFAULTS``, the shipped files'
    names). The code and name fields must exist; an optional field (English or Russian
    name, oblast, parent) whose *default* name is absent from the file is left empty, one
    named explicitly must exist. Geometry is reprojected to EPSG:4326 (a file without a CRS
    is read as WGS84 if its coordinates are degrees), repaired and segmented by
    :func:`prepare.clean`, and measured geodesically on WGS84 (``area_km2``, km²).

    Raises :class:`InputError` for an unknown level, an unreadable file, a missing layer or
    field, an empty or duplicate code, and a feature that is not a (multi)polygon.
    """
    if level not in LEVELS:
        raise InputError(
            _("level: expected one of %(levels)s, got %(value)r")
            % {"levels": ", ".join(LEVELS), "value": level}
        )
    path = Path(path)
    defaults = REGION_DEFAULTS[level]
    given = {
        "code": code_field,
        "name": name_field,
        "name_en": name_en_field,
        "name_ru": name_ru_field,
        "oblast": oblast_field,
        "parent": parent_field,
    }
    frame, origin = _read_vector(path, layer)
    present = [str(c) for c in frame.columns if c != "geometry"]
    fields = _resolve_fields(given, defaults, present, origin, required=("code", "name"))
    if frame.empty:
        raise InputError(_("%(origin)s: holds no features") % {"origin": origin})
    geoms = _polygons_wgs84(frame, origin)
    out = pd.DataFrame({"code": _texts(frame, fields["code"])})
    _check_codes(out["code"], origin, fields["code"], "feature")
    for column in ("name", "name_en", "name_ru", "oblast", "parent"):
        out[column] = _texts(frame, fields[column])
    out = out.rename(columns={"name": "name_uk"})
    if level == "oblast":
        out["code"] = out["code"].map(oblast_iso)
        _check_codes(out["code"], origin, fields["code"], "feature")
        if not fields["oblast"]:
            out["oblast"] = out["code"]
    out["oblast"] = out["oblast"].map(oblast_iso)
    if level == "raion":
        out["parent"] = out["parent"].map(oblast_iso)  # a raion's parent is its oblast
    cleaned = np.array([clean(g)[0] for g in geoms], dtype=object)
    out["area_km2"] = geodesy.area_km2(cleaned)
    out["geometry"] = cleaned
    return store.replace_regions(level, out, source=str(path), fingerprint=fingerprint)


def _polygons_wgs84(frame: gpd.GeoDataFrame, origin: str) -> np.ndarray:
    """The features' geometries in WGS84 lon/lat; raises on a missing or non-polygonal one."""
    geoms = frame.geometry.to_numpy()
    types = shapely.get_type_id(geoms)  # -1 for None
    bad = np.flatnonzero(~np.isin(types, (3, 6)) | shapely.is_empty(geoms))
    if len(bad):
        i = int(bad[0])
        values = {"origin": origin, "i": i + 1, "more": len(bad) - 1}
        if geoms[i] is None:
            message = _(
                "%(origin)s: feature %(i)d: no geometry, expected a Polygon or MultiPolygon"
            )
            more = ngettext(
                "%(origin)s: feature %(i)d: no geometry, expected a Polygon or MultiPolygon"
                " (%(more)d more such features)",
                "%(origin)s: feature %(i)d: no geometry, expected a Polygon or MultiPolygon"
                " (%(more)d more such features)",
                len(bad) - 1,
            )
        else:
            values["type"] = geoms[i].geom_type
            # Translators: %(type)s is a geometry type name (Point, LineString), keep it.
            message = _("%(origin)s: feature %(i)d: a %(type)s, expected a Polygon or MultiPolygon")
            more = ngettext(
                "%(origin)s: feature %(i)d: a %(type)s, expected a Polygon or MultiPolygon"
                " (%(more)d more such features)",
                "%(origin)s: feature %(i)d: a %(type)s, expected a Polygon or MultiPolygon"
                " (%(more)d more such features)",
                len(bad) - 1,
            )
        raise InputError((more if len(bad) > 1 else message) % values)
    return _to_wgs84(geoms, frame.crs, origin)


def _to_wgs84(geoms: np.ndarray, crs: Any, origin: str) -> np.ndarray:
    if crs is None:
        xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
        if xmin < -180 or xmax > 180 or ymin < -90 or ymax > 90:
            # Translators: %(bounds)s is four numbers (xmin, ymin, xmax, ymax).
            raise InputError(
                _(
                    "%(origin)s: has no CRS and its coordinates are not degrees"
                    " (bounds %(bounds)s); give the file its CRS"
                )
                % {
                    "origin": origin,
                    "bounds": f"{xmin:.0f}, {ymin:.0f}, {xmax:.0f}, {ymax:.0f}",
                }
            )
        return geoms
    if CRS(crs).equals(WGS84, ignore_axis_order=True):
        return geoms  # pyogrio gives x = longitude
    return gpd.GeoSeries(geoms, crs=crs).to_crs(WGS84).to_numpy()


def _check_codes(codes: pd.Series, origin: str, field: str | None, unit: str) -> None:
    empty = np.flatnonzero((codes == "").to_numpy())
    if len(empty):
        raise InputError(
            _("%(origin)s: %(where)s: field %(field)r is empty (expected a code)")
            % {"origin": origin, "where": _at(unit, int(empty[0])), "field": field}
        )
    dup = codes.duplicated(keep=False).to_numpy()
    if dup.any():
        first = codes[dup].iloc[0]
        where = np.flatnonzero((codes == first).to_numpy())
        rows = ", ".join(str(_position(unit, int(i))) for i in where[:5])
        n = int(codes.duplicated().sum())
        values = {"origin": origin, "code": first, "field": field, "rows": rows, "n": n}
        if unit == "line":
            # Translators: %(rows)s lists CSV line numbers; English keeps "duplicate(s)".
            message = ngettext(
                "%(origin)s: duplicate code %(code)r in field %(field)r (lines %(rows)s);"
                " %(n)d duplicate(s) in all; codes must be unique",
                "%(origin)s: duplicate code %(code)r in field %(field)r (lines %(rows)s);"
                " %(n)d duplicate(s) in all; codes must be unique",
                n,
            )
        else:
            # Translators: %(rows)s lists feature numbers; English keeps "duplicate(s)".
            message = ngettext(
                "%(origin)s: duplicate code %(code)r in field %(field)r (features %(rows)s);"
                " %(n)d duplicate(s) in all; codes must be unique",
                "%(origin)s: duplicate code %(code)r in field %(field)r (features %(rows)s);"
                " %(n)d duplicate(s) in all; codes must be unique",
                n,
            )
        raise InputError(message % values)


def _at(unit: str, i: int) -> str:
    """ "line 3" of a CSV file or "feature 3" of a vector file, for an error message."""
    # Translators: a place in a file named in an error: "line 3" of a CSV file.
    if unit == "line":
        return _("line %(n)d") % {"n": _position(unit, i)}
    # Translators: a place in a file named in an error: "feature 3" of a vector file.
    return _("feature %(n)d") % {"n": _position(unit, i)}


def _position(unit: str, i: int) -> int:
    """1-based feature number, or the CSV line number (the header is line 1)."""
    return i + 2 if unit == "line" else i + 1


# --- settlements --------------------------------------------------------------------------


def import_settlements(
    store: Store,
    path: str | os.PathLike[str],
    *,
    code_field: str = "katotth",
    name_field: str = "name_uk",
    name_en_field: str | None = "name_en",
    translit_field: str | None = "name_translit",
    name_ru_field: str | None = None,
    lat_field: str = "lat",
    lon_field: str = "lon",
    located_field: str | None = "coord_is_settlement",
    category_field: str | None = "category_katotth",
    hromada_field: str | None = "hromada_katotth",
    raion_field: str | None = "raion_katotth",
    oblast_field: str | None = "oblast_iso",
    layer: str | None = None,
    fingerprint: str | None = None,
) -> int:
    """Replace the settlement gazetteer with ``path``; returns the number of settlements.

    ``path`` is a CSV (``.csv``/``.tsv``/``.txt``, optionally ``.xz``/``.gz``/``.bz2``;
    UTF-8; comma, semicolon or tab separated) with latitude/longitude columns in WGS84
    degrees, or any vector file of points (reprojected to WGS84; ``lat_field`` and
    ``lon_field`` are then unused). The code and name fields must exist, and the lat/lon
    fields of a CSV. Every other field may be absent under its default name (it is left
    empty) but must exist when named explicitly; None means the file has no such field.

    ``located`` says the point is the settlement's own location (safe to test against a
    control map): from ``located_field`` (1/0, true/false, yes/no; empty is 0), or, when
    the file has no such field, 1 for every row with coordinates. A row without
    coordinates is kept with ``located = 0``.

    Raises :class:`InputError` naming the file, the line (CSV) or feature and the field for
    text that is not UTF-8, a missing field, an empty or duplicate code, an empty name,
    coordinates that are not numbers, a latitude outside ±90 or a longitude outside ±180,
    one coordinate without the other, a ``located`` value that is not a yes/no, and a
    feature that is not a point.
    """
    path = Path(path)
    given = {
        "code": code_field,
        "name": name_field,
        "name_en": name_en_field,
        "name_translit": translit_field,
        "name_ru": name_ru_field,
        "located": located_field,
        "category": category_field,
        "hromada": hromada_field,
        "raion": raion_field,
        "oblast": oblast_field,
        "lat": lat_field,
        "lon": lon_field,
    }
    defaults = SETTLEMENT_DEFAULTS
    if _is_csv(path):
        frame, unit = _read_csv(path), "line"
        fields = _resolve_fields(
            given, defaults, list(frame.columns), str(path), required=("code", "name", "lat", "lon")
        )
        lon, lat = _coordinates(frame, fields, str(path))
    else:
        frame, unit = _read_vector(path, layer)[0], "feature"
        given.update(lat=None, lon=None)
        fields = _resolve_fields(
            given, defaults, list(frame.columns), str(path), required=("code", "name")
        )
        lon, lat = _point_coordinates(frame, str(path))
    fields.update({role: None for role, name in given.items() if name is None})  # unused
    origin = str(path)
    _check_range(lat, lon, origin, unit)
    out = pd.DataFrame({"code": _texts(frame, fields["code"])})
    _check_codes(out["code"], origin, fields["code"], unit)
    names = _texts(frame, fields["name"])
    empty = np.flatnonzero((names == "").to_numpy())
    if len(empty):
        raise InputError(
            _("%(origin)s: %(where)s: field %(field)r is empty (expected the settlement's name)")
            % {"origin": origin, "where": _at(unit, int(empty[0])), "field": fields["name"]}
        )
    out["name_uk"] = names
    for column in ("name_en", "name_translit", "name_ru", "category", "hromada", "raion"):
        out[column] = _texts(frame, fields[column])
    out["oblast"] = _texts(frame, fields["oblast"]).map(oblast_iso)
    has_point = ~np.isnan(lat)
    out["lon"], out["lat"] = lon, lat  # NaN where there is no point: stored as NULL
    if fields["located"]:
        flag = _located_flags(frame, fields["located"], origin, unit)
        out["located"] = (flag & has_point).astype(int)
    else:
        out["located"] = has_point.astype(int)
    return store.replace_settlements(
        out[SETTLEMENT_COLUMNS], source=str(path), fingerprint=fingerprint
    )


def _is_csv(path: Path) -> bool:
    name = path.name.lower()
    for suffix in _COMPRESSED:
        name = name.removesuffix(suffix)
    return name.endswith(_CSV_SUFFIXES)


def _read_csv(path: Path) -> pd.DataFrame:
    """Every cell as text ('' when empty); raises on a missing file or non-UTF-8 bytes."""
    opener = _COMPRESSED.get(path.suffix.lower(), open)
    try:
        with opener(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError as exc:
        raise InputError(_("%(path)s: no such file") % {"path": path}) from exc
    except (OSError, lzma.LZMAError, EOFError) as exc:
        # Translators: %(reason)s is the system's own message, in English.
        raise InputError(
            _("%(path)s: cannot read (%(reason)s)") % {"path": path, "reason": _line(exc)}
        ) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        # Translators: %(byte)s is a byte in hexadecimal (0xe9).
        raise InputError(
            _(
                "%(path)s: line %(line)d: byte %(byte)s is not UTF-8"
                " (expected UTF-8 text; re-save the file as UTF-8)"
            )
            % {"path": path, "line": line, "byte": f"0x{raw[exc.start]:02x}"}
        ) from exc
    header = text.split("\n", 1)[0]
    sep = max((",", ";", "\t"), key=header.count)

    try:
        return pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_filter=False
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(
            _("%(path)s: not a readable CSV (%(reason)s)") % {"path": path, "reason": _line(exc)}
        ) from exc


def _coordinates(
    frame: pd.DataFrame, fields: dict[str, str | None], origin: str
) -> tuple[np.ndarray, np.ndarray]:
    """(lon, lat) as floats, NaN where both are empty."""
    out = []
    for key in ("lon", "lat"):
        column = frame[fields[key]].str.strip()
        values = pd.to_numeric(column.where(column != ""), errors="coerce").to_numpy(float)
        bad = np.flatnonzero(np.isnan(values) & (column != "").to_numpy())
        if len(bad):
            i = int(bad[0])
            raise InputError(
                _(
                    "%(origin)s: line %(line)d: field %(field)r: %(value)r is not a number"
                    " (expected decimal degrees, WGS84)"
                )
                % {"origin": origin, "line": i + 2, "field": fields[key], "value": column.iloc[i]}
            )
        out.append(values)
    lon, lat = out
    half = np.flatnonzero(np.isnan(lon) != np.isnan(lat))
    if len(half):
        # Translators: %(lat)r and %(lon)r are the names of the two coordinate fields.
        raise InputError(
            _(
                "%(origin)s: line %(line)d: has only one of %(lat)r and %(lon)r"
                " (expected both or neither)"
            )
            % {
                "origin": origin,
                "line": int(half[0]) + 2,
                "lat": fields["lat"],
                "lon": fields["lon"],
            }
        )
    return lon, lat


def _read_vector(path: Path, layer: str | None) -> tuple[gpd.GeoDataFrame, str]:
    """Every feature and field of one layer of ``path``, and the origin to name in errors."""
    with _readable(path) as target:
        name = _choose_layer(path, target, layer)
        origin = f"{path}:{name}" if layer else str(path)
        try:
            return pyogrio.read_dataframe(target, layer=name, force_2d=True), origin
        except _GDAL_ERRORS as exc:
            raise InputError(
                _("%(origin)s: cannot read features (%(reason)s)")
                % {"origin": origin, "reason": _line(exc)}
            ) from exc


def _point_coordinates(frame: gpd.GeoDataFrame, origin: str) -> tuple[np.ndarray, np.ndarray]:
    geoms = frame.geometry.to_numpy()
    types = shapely.get_type_id(geoms)
    bad = np.flatnonzero((types != 0) & (types != -1))
    if len(bad):
        i = int(bad[0])
        # Translators: %(type)s is a geometry type name (Polygon, LineString), keep it.
        raise InputError(
            _(
                "%(origin)s: feature %(i)d: a %(type)s, expected a Point"
                " (a settlement gazetteer holds points)"
            )
            % {"origin": origin, "i": i + 1, "type": geoms[i].geom_type}
        )
    has = (types == 0) & ~shapely.is_empty(geoms)
    lon = np.full(len(geoms), np.nan)
    lat = np.full(len(geoms), np.nan)
    if has.any():
        points = _to_wgs84(geoms[has], frame.crs, origin)
        lon[has], lat[has] = shapely.get_x(points), shapely.get_y(points)
    return lon, lat


def _check_range(lat: np.ndarray, lon: np.ndarray, origin: str, unit: str) -> None:
    messages = (
        # Translators: %(where)s is "line 3" or "feature 3"; %(value)s a number of degrees.
        _("%(origin)s: %(where)s: latitude %(value)s is out of range (expected -90 to 90 degrees)"),
        _(
            "%(origin)s: %(where)s: longitude %(value)s is out of range"
            " (expected -180 to 180 degrees)"
        ),
    )
    for values, message, limit in ((lat, messages[0], 90), (lon, messages[1], 180)):
        bad = np.flatnonzero(np.abs(values) > limit)
        if len(bad):
            i = int(bad[0])
            raise InputError(
                message % {"origin": origin, "where": _at(unit, i), "value": f"{values[i]:g}"}
            )


def _located_flags(frame: pd.DataFrame, field: str, origin: str, unit: str) -> np.ndarray:
    text = frame[field].map(_text).str.strip().str.lower()
    text = text.str.replace(r"\.0$", "", regex=True)  # 1.0 from a numeric column
    bad = np.flatnonzero(~text.isin(_TRUE | _FALSE).to_numpy())
    if len(bad):
        i = int(bad[0])
        # Translators: 1, 0, true, false, yes and no are values to type, keep them.
        raise InputError(
            _(
                "%(origin)s: %(where)s: field %(field)r: %(value)r"
                " (expected 1 or 0, true or false, yes or no)"
            )
            % {"origin": origin, "where": _at(unit, i), "field": field, "value": text.iloc[i]}
        )
    return text.isin(_TRUE).to_numpy()


# --- shipped files ------------------------------------------------------------------------


def shipped_folder() -> Path:
    """The repository's ``data/geography`` (beside ``src/``; absent from a wheel install)."""
    return Path(__file__).resolve().parents[3] / "data" / "geography"


def import_shipped(
    store: Store, folder: str | os.PathLike[str] | None = None, *, force: bool = False
) -> Imported:
    """Import the four shipped files (oblasts, raions, hromadas, settlements) from ``folder``
    (default :func:`shipped_folder`) with :func:`import_level`; returns rows per level."""
    folder = Path(folder) if folder is not None else shipped_folder()
    missing = [n for n in SHIPPED_FILES.values() if not (folder / n).is_file()]
    if missing:
        raise InputError(
            _(
                "%(folder)s: the shipped geography is missing (%(files)s); it comes with a"
                " checkout of the Vigil repository (data/geography/), or import your own files"
            )
            % {"folder": folder, "files": ", ".join(missing)}
        )
    out = Imported()
    for level in (*LEVELS, "settlement"):
        got = import_level(store, folder / SHIPPED_FILES[level], level, force=force)
        out.update(got)
        out.unchanged += got.unchanged
    return out


class Imported(dict[str, int]):
    """Rows held per level after an import, and which levels were ``unchanged`` (the
    same file, read the same way, as the level's last import: not read again)."""

    def __init__(self) -> None:
        super().__init__()
        self.unchanged: list[str] = []


def import_level(
    store: Store,
    path: str | os.PathLike[str],
    level: str,
    *,
    force: bool = False,
    **mapping: Any,
) -> Imported:
    """:func:`import_regions` (``level`` oblast, raion or hromada) or
    :func:`import_settlements` (``settlement``) of ``path`` with the field ``mapping``,
    unless the level's last import read the same bytes the same way (same file name
    and content, a shapefile's companion files included, same mapping, same Vigil
    version): then nothing is read and the level is reported unchanged. ``force`` reads
    it anyway."""
    if level != "settlement" and level not in LEVELS:
        # Translators: %(levels)s lists values to type (oblast, raion, hromada); so is
        # "settlement" here: keep it.
        raise InputError(
            _("expected %(levels)s or settlement, got %(value)r")
            % {"levels": ", ".join(LEVELS), "value": level},
            param="level",
        )
    key = fingerprint(path, level, mapping)
    out = Imported()
    held = None if force or key is None else store.unchanged_geography(level, key)
    if held is not None:
        out[level] = held
        out.unchanged.append(level)
    elif level == "settlement":
        out[level] = import_settlements(store, path, fingerprint=key, **mapping)
    else:
        out[level] = import_regions(store, path, level, fingerprint=key, **mapping)
    return out


def fingerprint(path: str | os.PathLike[str], level: str, mapping: dict[str, Any]) -> str | None:
    """What a geography import reads, by content (see :func:`import_level`); None when
    the file cannot be read (the import then gives its own error)."""
    from vigil.territory.sources import fingerprint as input_fingerprint

    path = Path(path)
    paths = [path]
    if path.suffix.lower() == ".shp":  # its .dbf, .prj, .shx… are part of what is read
        paths += sorted(p for p in path.parent.glob(f"{glob.escape(path.stem)}.*") if p != path)
    seen = input_fingerprint(f"geography:{level}", None, paths, mapping)
    return seen.key if seen is not None else None


# --- names --------------------------------------------------------------------------------

# Ukrainian and Russian Cyrillic -> Latin, one letter at a time: KMU-2010 (the official
# Ukrainian romanisation, as in the gazetteer's name_translit) without its word-initial
# variants (є, ї, й, ю, я are written ye, yi, y, yu, ya at the start of a word; the folds
# below make both forms meet). Russian-only letters: ы -> y, э -> e, ё -> io, ъ -> ''.
# Both languages' г -> h (Ukrainian reading), so a Russian name in Cyrillic and in Latin
# meet through the g -> h fold.
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie",
    "ж": "zh", "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l",
    "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "iu",
    "я": "ia", "ы": "y", "э": "e", "ё": "io", "ъ": "",
}  # fmt: skip
_TRANSLATE = str.maketrans(
    {
        **{ord(k): v for k, v in _CYRILLIC.items()},
        # Scholarly Latin letters whose plain-letter reading is a digraph (ISO 9 / scientific).
        ord("č"): "ch", ord("š"): "sh", ord("ž"): "zh", ord("ŝ"): "shch",
    }
)  # fmt: skip
# Removed before anything else: apostrophes (Ukrainian ʼ ’ ', the soft-sign primes ʹ ′ ´ `),
# hyphens and dashes, dots and whitespace. "Pokrovs'k" -> "pokrovsk".
_SEPARATORS = re.compile(r"[\s'’‘ʼʹ′´`\-‐‑–—.,]+")


def name_key(text: object) -> str:
    """A spelling-independent key for a place name (pure; '' for an empty or missing name).

    Rules, in order (each tested in tests/territory/test_geography.py):

    1. NFKC, then case-fold.
    2. ``зг`` -> ``zgh`` (KMU-2010 writes it so; letter by letter it would read ``zh``, ж).
    3. Cyrillic -> Latin by ``_CYRILLIC``; č š ž ŝ -> ch sh zh shch.
    4. Latin diacritics dropped (NFKD, combining marks removed): "Kyïv" -> "kyiv".
    5. Separators removed: apostrophes and primes, hyphens, dots, spaces.
    6. Folds, so that common English spellings meet the transliteration:

       - ``g`` -> ``h``: Russian-style "Gorlovka" meets "Горловка" (both read г as h).
         Cost: ґ (rare) meets г.
       - ``yy`` -> ``yi``: "Krasnyy" meets KMU "Krasnyi" (-ий).
       - ``yi`` -> ``i`` and ``y`` + a, e, o, u -> ``i`` + vowel: KMU's word-initial
         "Yasynuvata", "Yenakiieve" and English "Avdiyivka", "Zaporizhzhya" meet the
         letter-by-letter ia/ie/i/iu of я/є/ї/ю. Cost: и + vowel meets і + vowel.

    No ``kh`` -> ``h`` fold: х and г are different letters and names differ by them only
    (Хорошеве, Горошеве). No ``y`` -> ``i`` fold: it would merge и and і, and on the
    shipped gazetteer the distinct Ukrainian names sharing a key would grow from 44 pairs
    to over 100 (Бровари, Броварі); so Russian-style "Lisichansk" does not meet
    "Lysychansk". No fold of Russian and Ukrainian vowels either ("Kharkov" does not meet
    "Kharkiv"): for those the gazetteer needs the other name (``name_ru``). The 44 pairs
    that do share a key differ by ь or an apostrophe only (Будків, Будьків), which KMU-2010
    drops too; :func:`find_settlements` returns every exact match.
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    s = unicodedata.normalize("NFKC", str(text)).casefold()
    s = s.replace("зг", "zgh").translate(_TRANSLATE)
    s = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
    s = _SEPARATORS.sub("", s)
    s = s.replace("g", "h").replace("yy", "yi").replace("yi", "i")
    return re.sub(r"y(?=[aeou])", "i", s)


NAME_FIELDS = ("name_uk", "name_en", "name_translit", "name_ru")


def find_settlements(
    frame: pd.DataFrame, query: str, *, oblast: str | None = None, limit: int | None = None
) -> pd.DataFrame:
    """Gazetteer rows whose name matches ``query`` in any spelling (see :func:`name_key`).

    ``frame`` is a gazetteer (:meth:`Store.settlements`). Each of its names (``name_uk``,
    ``name_en``, ``name_translit``, ``name_ru``, where present) is compared by key: rows
    whose key equals the query's come first (``match_type`` "exact"), then rows where a
    key starts with it ("prefix"); within each, cities (category M, K) before towns (X)
    before villages, then by oblast and code. ``match`` names the field that matched (the
    first in the order above). ``oblast`` keeps one oblast (any code form
    :func:`oblast_iso` reads, e.g. "UA-14"). An empty result is an empty frame with the
    same columns.
    """
    key = name_key(query)
    if not key:
        raise InputError(_("settlement name: %(query)r has no letters to match") % {"query": query})
    rows = frame
    if oblast is not None:
        rows = rows[rows["oblast"].map(oblast_iso) == oblast_iso(oblast.strip().upper())]
    best_rank = np.full(len(rows), 9)
    best_field = np.full(len(rows), "", dtype=object)
    for field in NAME_FIELDS:
        if field not in rows.columns:
            continue
        keys = _keys(rows[field])
        rank = np.where(keys == key, 0, np.where(keys.str.startswith(key), 1, 9))
        better = rank < best_rank
        best_rank = np.where(better, rank, best_rank)
        best_field = np.where(better, field, best_field)
    hit = best_rank < 9
    out = rows[hit].copy()
    out["match"] = best_field[hit]
    out["match_type"] = np.where(best_rank[hit] == 0, "exact", "prefix")
    category = out["category"] if "category" in out.columns else pd.Series("", index=out.index)
    out["_rank"] = best_rank[hit]
    out["_cat"] = category.map({"M": 0, "K": 0, "X": 1}).fillna(2)
    out = out.sort_values(["_rank", "_cat", "oblast", "code"], kind="stable")
    out = out.drop(columns=["_rank", "_cat"]).reset_index(drop=True)
    return out.head(limit) if limit is not None else out


def _keys(names: pd.Series) -> pd.Series:
    """name_key of each name, computed once per distinct name."""
    distinct = pd.unique(names.fillna(""))
    lookup = {n: name_key(n) for n in distinct}
    return names.fillna("").map(lookup)


# --- shared helpers -----------------------------------------------------------------------


def oblast_iso(value: object) -> str:
    """An oblast code as ISO 3166-2 (``UA-14``) when it is one in any KATOTTH or ISO form;
    any other text unchanged ('' for empty)."""
    text = _text(value)
    m = _OBLAST_CODE.match(text.upper())
    if not m:
        return text
    digits = m.group(1)
    if m.group(2) is not None and not m.group(2).startswith("000000000"):
        return text  # a full KATOTTH code of a raion, hromada or settlement: not an oblast
    if digits in KATOTTH_TO_ISO:
        digits = KATOTTH_TO_ISO[digits]
    return f"UA-{digits}" if digits in ISO_DIGITS else text


def _text(value: object) -> str:
    """A cell as text: '' for missing, integral floats without '.0'."""
    if value is None:
        return ""
    if isinstance(value, float | np.floating):
        if np.isnan(value):
            return ""
        if float(value).is_integer():
            return str(int(value))
    return str(value).strip()


def _texts(frame: pd.DataFrame, field: str | None) -> pd.Series:
    if not field:
        return pd.Series("", index=frame.index, dtype=object)
    column = frame[field]
    if column.dtype == object and column.map(lambda v: type(v) is str).all():
        return column.str.strip()
    return column.map(_text).astype(object)


def _resolve_fields(
    given: dict[str, str | None],
    defaults: dict[str, str | None],
    present: list[str],
    origin: str,
    *,
    required: tuple[str, ...],
) -> dict[str, str | None]:
    """Field name per role. A required role, or one named explicitly (not its default),
    must be present; an optional role absent under its default name maps to None."""
    out: dict[str, str | None] = {}
    for role, name in given.items():
        chosen = name if name is not None else defaults.get(role)
        explicit = name is not None and name != defaults.get(role)
        if chosen is None:
            out[role] = None
        elif chosen in present:
            out[role] = chosen
        elif role in required or explicit:
            shown = ", ".join(repr(f) for f in present) or pgettext("fields", "none")
            # Translators: %(role)s is what the field holds (code, name, name en, lat).
            raise InputError(
                _("%(origin)s: no field %(field)r (for the %(role)s); its fields: %(fields)s")
                % {
                    "origin": origin,
                    "field": chosen,
                    "role": role.replace("_", " "),
                    "fields": shown,
                }
            )
        else:
            out[role] = None
    return out


@contextmanager
def _readable(path: Path) -> Iterator[str]:
    """A name GDAL can open for ``path``: the path itself, or a decompressed temporary copy
    of a ``.xz``/``.gz``/``.bz2`` file (keeping the inner suffix for driver detection)."""
    if not path.exists():
        raise InputError(_("%(path)s: no such file") % {"path": path})
    opener = _COMPRESSED.get(path.suffix.lower())
    if opener is None:
        yield str(path)
        return
    with tempfile.TemporaryDirectory(prefix="vigil-geo-") as tmp:
        inner = Path(tmp) / path.stem
        try:
            with opener(path, "rb") as src, open(inner, "wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
        except (OSError, lzma.LZMAError, EOFError) as exc:
            raise InputError(
                _("%(path)s: cannot decompress (%(reason)s)") % {"path": path, "reason": _line(exc)}
            ) from exc
        yield str(inner)


def _choose_layer(path: Path, target: str, layer: str | None) -> str | None:
    """The layer to read: ``layer`` if it exists, else the only one with geometry. A format
    that holds one layer is not listed (opening a GeoJSON parses it: that costs a second)."""
    if layer is None and Path(target).suffix.lower() in _ONE_LAYER:
        return None
    try:
        listed = pyogrio.list_layers(target)
    except _GDAL_ERRORS as exc:
        raise InputError(
            _("%(path)s: not a readable vector file (%(reason)s)")
            % {"path": path, "reason": _line(exc)}
        ) from exc
    available = [str(name) for name, geometry_type in listed if geometry_type is not None]
    shown = ", ".join(repr(n) for n in available) or pgettext("layers", "none")
    if layer is not None:
        if layer not in available:
            raise InputError(
                _("%(path)s: no layer %(layer)r; its layers: %(layers)s")
                % {"path": path, "layer": layer, "layers": shown}
            )
        return layer
    if len(available) == 1:
        return available[0]
    if not available:
        raise InputError(_("%(path)s: no layer with geometry") % {"path": path})
    # Translators: "layer" is the name of the option that chooses one; keep it.
    raise InputError(
        ngettext(
            "%(path)s: has %(n)d layers (%(layers)s); choose one with layer",
            "%(path)s: has %(n)d layers (%(layers)s); choose one with layer",
            len(available),
        )
        % {"path": path, "n": len(available), "layers": shown}
    )


def _line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
