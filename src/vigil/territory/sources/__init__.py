"""Source readers, one module per input kind, and format detection.

Each reader yields :class:`~vigil.territory.sources.base.Snapshot` values:
- ``deepstate-daily``: cyterat/deepstate-map-data daily files (controlled area only);
- ``deepstate-raw``: raw DeepStateMap snapshots with all their layers, classified;
- ``vector``: any vector file GDAL reads, with dates from a field or the file name; also
  files inside folders and .zip/.tar archives chosen by pattern, kinds by path, and a
  rules file (``--rules``, :mod:`vigil.territory.sources.recipe`) holding the options.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vigil.choices import not_one_of
from vigil.errors import InputError
from vigil.i18n import gettext as _
from vigil.territory.sources.base import Kind, Snapshot, SourceReport
from vigil.territory.sources.files import is_archive, iter_members

FORMATS = ("deepstate-daily", "deepstate-raw", "vector")

CREDITS = {
    "deepstate-daily": "DeepStateMap data via cyterat/deepstate-map-data (GPL-3.0)",
    "deepstate-raw": "DeepStateMap snapshots via DanielRose2310/deepstatemaps-history",
    "vector": "",
}

#: DeepState's daily file made on day D holds the map of Kyiv date D - DAILY_MAP_LAG
#: (docs/method.md, "The daily archive's files are dated one day late").
DAILY_MAP_LAG = dt.timedelta(days=1)

# What each reader's dates mean (stored per source; a source re-read under another
# convention is re-dated whole, see Store.write). The method's rule: a snapshot's date is
# the Kyiv date of the map it holds (docs/method.md, "Dates").
DATINGS = {
    "deepstate-daily": "map date: the file of day D holds the map of Kyiv date D-1",
    "deepstate-raw": "map date: the Kyiv date of the snapshot's timestamp, last of the day",
    "vector": "",
}

__all__ = [
    "DAILY_MAP_LAG",
    "DATINGS",
    "FORMATS",
    "Fingerprint",
    "Kind",
    "Snapshot",
    "SourceReport",
    "default_source",
    "detect",
    "fingerprint",
    "read",
]


def detect(paths: list[str | os.PathLike[str]]) -> str:
    """Guess the format from the first data file's name."""
    from vigil.territory.sources import deepstate_daily

    for member in iter_members(
        paths[:1], accept=lambda n: n.lower().endswith((".geojson", ".json"))
    ):
        if deepstate_daily.looks_like(member.name):
            return "deepstate-daily"
        from vigil.territory.sources import deepstate_raw

        if deepstate_raw.looks_like(member.name):
            return "deepstate-raw"
        break
    first = Path(paths[0])
    if first.is_dir() or is_archive(first):
        # Translators: %(formats)s lists format names to type; keep them.
        raise InputError(
            _("%(path)s: cannot tell the format from its contents; name it (%(formats)s)")
            % {"path": first, "formats": ", ".join(FORMATS)},
            param="format",
        )
    return "vector"


def default_source(format: str, paths: list[str | os.PathLike[str]]) -> str:
    """The source name an ingest uses when ``--source`` is not given."""
    if format == "vector":
        from vigil.territory.sources import vector

        return vector.default_source_name(Path(paths[0]))
    return format


def read(
    format: str,
    paths: Iterable[str | os.PathLike[str]],
    report: SourceReport,
    **options: Any,
) -> Iterator[Snapshot]:
    """Dispatch to the reader of ``format`` (options go to the vector reader only)."""
    if format == "deepstate-daily":
        from vigil.territory.sources import deepstate_daily

        _no_options(format, options)
        return deepstate_daily.read(paths, report)
    if format == "deepstate-raw":
        from vigil.territory.sources import deepstate_raw

        _no_options(format, options)
        return deepstate_raw.read(paths, report)
    if format == "vector":
        from vigil.territory.sources import vector

        return vector.read(paths, report=report, **options)
    raise not_one_of(format, FORMATS, "format")


@dataclass(frozen=True)
class Fingerprint:
    """What an ingest reads, by content: ``inputs`` holds (name, sha256) per path given
    (a file's own sha256; for a directory, the sha256 of its files' relative names and
    sha256s); ``key`` is the sha256 of those, the format and source asked for (``auto``
    and None included: detection and default names depend on the input alone), the
    reader options and the Vigil version: two ingests with one key read the same
    snapshots into the same source."""

    key: str
    inputs: tuple[tuple[str, str], ...]

    def shown(self) -> str:
        """The hashes a user can compare with ``sha256sum`` (one per input)."""
        return ", ".join(f"{name} sha256 {digest}" for name, digest in self.inputs)


def fingerprint(
    format: str,
    source: str | None,
    paths: Iterable[str | os.PathLike[str]],
    options: dict[str, Any],
) -> Fingerprint | None:
    """The :class:`Fingerprint` of an ingest of ``paths``, or None when a path cannot be
    hashed (missing, unreadable: the reader then gives its own error). A file's name
    is part of it (a vector reader may date a file by its name); where it lies is not.
    Computed before any reader module is imported (they import shapely)."""
    from vigil import __version__

    inputs = []
    try:
        for path in map(Path, paths):
            digest = _tree_sha256(path) if path.is_dir() else _file_sha256(path)
            inputs.append((path.name, digest))
    except OSError:
        return None
    doc = {
        "vigil": __version__,
        "format": format,
        "source": source,
        "options": options,
        "inputs": inputs,
    }
    key = hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()
    return Fingerprint(key, tuple(inputs))


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _tree_sha256(folder: Path) -> str:
    """Every file under ``folder`` (hidden ones too: conservative), by relative name."""
    lines = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            path = Path(root, name)
            lines.append(f"{path.relative_to(folder).as_posix()}\t{_file_sha256(path)}\n")
    return hashlib.sha256("".join(sorted(lines)).encode()).hexdigest()


def _no_options(format: str, options: dict[str, Any]) -> None:
    given = sorted(k for k, v in options.items() if v not in (None, {}, False))
    if given:
        # Translators: %(format)s is a format name (deepstate, deepstate-raw); %(others)s
        # names other options given, which are also only for the vector format.
        if len(given) > 1:
            message = _("only for the vector format, not %(format)s (nor %(others)s)")
        else:
            message = _("only for the vector format, not %(format)s")
        raise InputError(
            message % {"format": format, "others": ", ".join(given[1:])}, param=given[0]
        )
