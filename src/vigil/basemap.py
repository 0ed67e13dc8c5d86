"""The offline base map shared by the web map and the change maps: Natural Earth's
countries around Ukraine (``vigil/data/basemap.geojson``, made by
``scripts/make_basemap.py``; provenance in ``vigil/data/README.md``)."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any


@functools.cache
def collection() -> dict[str, Any]:
    """The base map as a GeoJSON FeatureCollection (read once; do not modify)."""
    text = resources.files("vigil").joinpath("data/basemap.geojson").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def abroad() -> list[Any]:
    """The neighbouring countries' land as shapely geometries (``role == "abroad"``)."""
    import shapely

    return [
        shapely.geometry.shape(f["geometry"])
        for f in collection()["features"]
        if f["properties"].get("role") == "abroad"
    ]
