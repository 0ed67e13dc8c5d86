"""Source readers, one module per input kind, and format detection.

Each reader yields :class:`~vigil.territory.sources.base.Snapshot` values:
- ``deepstate-daily``: cyterat/deepstate-map-data daily files (controlled area only);
- ``deepstate-raw``: raw DeepStateMap snapshots with all their layers, classified;
- ``vector``: any vector file GDAL reads, with dates from a field or the file name.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from vigil.errors import InputError
from vigil.territory.sources.base import Kind, Snapshot, SourceReport
from vigil.territory.sources.files import is_archive, iter_members

FORMATS = ("deepstate-daily", "deepstate-raw", "vector")

CREDITS = {
    "deepstate-daily": "DeepStateMap data via cyterat/deepstate-map-data (GPL-3.0)",
    "deepstate-raw": "DeepStateMap snapshots via DanielRose2310/deepstatemaps-history",
    "vector": "",
}

__all__ = ["FORMATS", "Kind", "Snapshot", "SourceReport", "default_source", "detect", "read"]


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
        raise InputError(
            f"{first}: cannot tell the format from its contents; pass --format"
            " deepstate-daily|deepstate-raw|vector"
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
    raise InputError(f"--format: expected auto or one of {', '.join(FORMATS)}, got {format!r}")


def _no_options(format: str, options: dict[str, Any]) -> None:
    given = sorted(k for k, v in options.items() if v not in (None, {}, False))
    if given:
        flags = ", ".join("--" + k.replace("_", "-") for k in given)
        raise InputError(f"{flags}: only for --format vector, not {format}")
