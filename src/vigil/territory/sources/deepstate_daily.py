"""DeepState daily files: one FeatureCollection of the controlled area per day.

File names carry the date the file was made: ``deepstatemap_data_YYYYMMDD.geojson``
(the layout of cyterat/deepstate-map-data). Occupied, ORDLO and Crimea are already
merged, so every file is one CONTROLLED snapshot; there is no grey zone in this source.

Dating (the method's rule: a snapshot's date is the Kyiv date of the map it holds): the
file of day D holds the map DeepState showed on Kyiv date D−1, so it is stored under
D−1 (:data:`MAP_LAG`). Measured against the raw archive over their 13 months of overlap,
the weekly changes agree to the km² at this shift and differ by a median 8.6 km² without
it (docs/method.md, "Dates"; ``scripts/measure_daily_offset.py``).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Iterator

import shapely
from shapely.errors import GEOSException
from shapely.geometry.base import BaseGeometry

from vigil.errors import InputError
from vigil.i18n import gettext as _
from vigil.territory.sources import DAILY_MAP_LAG
from vigil.territory.sources.base import Kind, Snapshot, SourceReport
from vigil.territory.sources.files import iter_members

DEFAULT_SOURCE = "deepstate-daily"
CREDIT = "DeepStateMap data via cyterat/deepstate-map-data (GPL-3.0)"
NAME = re.compile(r"deepstatemap_data_(\d{8})\.geojson$")
#: The file made on day D holds the map of Kyiv date D - MAP_LAG.
MAP_LAG = DAILY_MAP_LAG


def looks_like(name: str) -> bool:
    """True for a daily file name (``deepstatemap_data_YYYYMMDD.geojson``)."""
    return NAME.search(name) is not None


def date_from_name(name: str, origin: str) -> dt.date:
    match = NAME.search(name)
    if match is None:
        # Translators: the file name pattern stays as it is.
        raise InputError(
            _("%(origin)s: expected a file named deepstatemap_data_YYYYMMDD.geojson")
            % {"origin": origin}
        )
    try:
        return dt.datetime.strptime(match.group(1), "%Y%m%d").date()
    except ValueError:
        raise InputError(
            _("%(origin)s: invalid date %(value)r in the file name (expected YYYYMMDD)")
            % {"origin": origin, "value": match.group(1)}
        ) from None


def parse(data: bytes, origin: str) -> BaseGeometry:
    """The union-ready geometry of one daily file (a GeometryCollection of its features)."""
    try:
        geom = shapely.from_geojson(data)
    except (GEOSException, ValueError, UnicodeDecodeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        # Translators: %(reason)s is the reader's own message, in English.
        raise InputError(
            _("%(origin)s: not valid GeoJSON (%(reason)s)") % {"origin": origin, "reason": first}
        ) from None
    types = shapely.get_type_id(shapely.get_parts(geom))
    if len(types) and not ((types == 3) | (types == 6)).any():
        found = shapely.get_parts(geom)[0].geom_type
        # Translators: %(type)s is a geometry type name (Point, LineString), keep it.
        raise InputError(
            _("%(origin)s: expected (Multi)Polygons, found %(type)ss only")
            % {"origin": origin, "type": found}
        )
    return geom


def read(paths: Iterable[str | os.PathLike[str]], report: SourceReport) -> Iterator[Snapshot]:
    """Yield one CONTROLLED snapshot per daily file, dated by its map (name - 1 day)."""
    seen: dict[dt.date, str] = {}
    for member in iter_members(paths, accept=lambda n: n.lower().endswith(".geojson")):
        date = date_from_name(member.name, member.origin)
        if date in seen:
            # Translators: the dates are ISO dates; %(first)s is the first file's name.
            raise InputError(
                _("%(origin)s: a second file for %(date)s (the map of %(map)s; first: %(first)s)")
                % {
                    "origin": member.origin,
                    "date": date,
                    "map": date - MAP_LAG,
                    "first": seen[date],
                }
            )
        seen[date] = member.origin
        geom = parse(member.read(), member.origin)
        report.count("files")
        if geom.is_empty:
            report.count("empty files")
        yield Snapshot(
            date=date - MAP_LAG, kind=Kind.CONTROLLED, geometry=geom, origin=member.origin
        )
