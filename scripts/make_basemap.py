"""Make the web map's offline base map: the countries around Ukraine as GeoJSON.

    python scripts/make_basemap.py [--countries SHP] [--oblasts GEOJSON] [--out FILE]

Reads Natural Earth's 1:110m countries (public domain; a copy ships in pyogrio's test
fixtures, ``pyogrio/tests/fixtures/naturalearth_lowres``), keeps the countries meeting
a box around Ukraine (BOX), clips them to it and writes ``src/vigil/data/
basemap.geojson``: one feature per country, ``{"name", "iso_a3", "role"}``, where role
is ``abroad`` for a neighbour and ``ukraine`` for Natural Earth's own Ukraine (drawn
only by a store without oblasts; otherwise the store's oblasts are Ukraine).

The web map draws the store's oblasts (OpenStreetMap, data/geography) over the
countries, so the state border is the oblast outline at every zoom. At 1:110m Natural
Earth's borders lie up to ~10 km from the real ones, which would leave slivers of sea
colour between a neighbour and Ukraine: each neighbour therefore gets the strip of
land within FILL_DEG of Natural Earth's land border with Ukraine, and loses what lies
inside Ukraine's outline (simplified by SIMPLIFY_DEG) shrunk by UNDER_DEG, so it
reaches under the oblasts, which hide it, and never stops short of them. Natural
Earth's coarse coasts would also put land in the sea off Ukraine's coast (its Crimea
is a part of Russia's polygon; its Russian Azov coast cuts across the sea off
Mariupol): parts of a neighbour inside Ukraine's borders are dropped, and so is any
land within COAST_SEA_DEG of Ukraine's coast (its outline farther than COAST_GAP_DEG
from a land border). The strip is cut to the neighbour's side (it keeps
only what is nearer to that neighbour than to any other). Coordinates are rounded to
0.001° (≈100 m, far below the 1:110m source's accuracy).
"""

from __future__ import annotations

import argparse
import json
import lzma
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

REPO = Path(__file__).resolve().parents[1]
NE = (
    REPO
    / ".venv/lib/python3.11/site-packages/pyogrio/tests/fixtures/naturalearth_lowres"
    / "naturalearth_lowres.shp"
)
OBLASTS = REPO / "data/geography/oblasts.geojson.xz"
OUT = REPO / "src/vigil/data/basemap.geojson"
BOX = (5.0, 35.0, 55.0, 62.0)  # W, S, E, N: what the map shows down to zoom 4
FILL_DEG = 0.15  # the strip along NE's land border given to the neighbour
UNDER_DEG = 0.03  # how far a neighbour reaches under Ukraine's outline (> SIMPLIFY_DEG)
SIMPLIFY_DEG = 0.02  # Ukraine's outline for the cut (hidden under the oblasts anyway)
COAST_GAP_DEG = 0.3  # outline farther than this from a land border is coast
COAST_SEA_DEG = 0.3  # the sea kept clear of other countries' land along that coast
GRID = 0.001  # coordinate rounding (degrees)


def ukraine_outline(path: Path) -> BaseGeometry:
    with lzma.open(path, "rt", encoding="utf-8") as f:
        collection = json.load(f)
    shapes = [shapely.make_valid(shape(feat["geometry"])) for feat in collection["features"]]
    outline = shapely.simplify(shapely.union_all(shapes), SIMPLIFY_DEG)
    assert isinstance(outline, BaseGeometry)
    return outline


# Natural Earth writes -99 where a country's ISO code is disputed or was not filled in
# (France and Norway, for their overseas parts; Kosovo has a user-assigned code)
ISO_FIXES = {"France": "FRA", "Norway": "NOR", "Kosovo": "XKX"}


def _iso(name: str, iso: str) -> str:
    """The country's ISO 3166-1 alpha-3 code, or "" when it has none."""
    if str(iso) != "-99":
        return str(iso)
    return ISO_FIXES.get(str(name), "")


def build(countries: Path, oblasts: Path) -> dict[str, Any]:
    frame = pyogrio.read_dataframe(countries)
    box = shapely.box(*BOX)
    frame = frame[frame.geometry.intersects(box)].reset_index(drop=True)
    geoms = np.asarray([shapely.make_valid(g) for g in frame.geometry], dtype=object)
    is_ukraine = (frame["iso_a3"] == "UKR").to_numpy()
    (ne_ukraine,) = geoms[is_ukraine]
    ukraine = ukraine_outline(oblasts)
    under = ukraine.buffer(-UNDER_DEG, quad_segs=2)
    others = geoms[~is_ukraine]
    features = []
    land_border = shapely.union_all(
        [shapely.intersection(ne_ukraine.boundary, g.boundary) for g in others]
    )
    # Ukraine's coast (its outline away from any land border) and the sea along it,
    # where Natural Earth's coarse coasts of the neighbours must not draw land
    coast = shapely.difference(ukraine.boundary, land_border.buffer(COAST_GAP_DEG, quad_segs=2))
    sea = shapely.difference(coast.buffer(COAST_SEA_DEG, quad_segs=2), ukraine)
    sea = shapely.difference(sea, land_border.buffer(FILL_DEG, quad_segs=2))
    for name, iso, geom in zip(
        frame["name"][~is_ukraine], frame["iso_a3"][~is_ukraine], others, strict=True
    ):
        # parts lying in Ukraine's recognised borders (Natural Earth gives Crimea to
        # Russia): the oblasts draw them
        parts = [p for p in shapely.get_parts(geom) if not ukraine.contains(p.point_on_surface())]
        if not parts:
            continue
        geom = shapely.union_all(parts)
        border = shapely.intersection(ne_ukraine.boundary, geom.boundary)
        if not border.is_empty and border.length > 0:
            strip = border.buffer(FILL_DEG, quad_segs=2)
            # only this neighbour's side: nearer to it than to every other country
            rest = [g for g in others if g is not geom]
            if rest:
                strip = strip.difference(shapely.union_all(rest))
            geom = shapely.union(geom, strip.difference(ne_ukraine.buffer(-FILL_DEG, quad_segs=2)))
        geom = shapely.difference(shapely.difference(geom, under), sea)
        geom = shapely.intersection(geom, box)
        if geom.is_empty:
            continue
        features.append((name, iso, "abroad", geom))
    features.append(("Ukraine", "UKR", "ukraine", shapely.intersection(ne_ukraine, box)))
    out = []
    for name, iso, role, geom in features:
        geom = shapely.set_precision(geom, GRID)
        geom = shapely.make_valid(geom)
        polys = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon" and g.area > 0]
        if not polys:
            continue
        geom = shapely.multipolygons(polys) if len(polys) > 1 else polys[0]
        out.append(
            {
                "type": "Feature",
                "properties": {"name": str(name), "iso_a3": _iso(name, iso), "role": role},
                "geometry": mapping(geom),
            }
        )
    return {
        "type": "FeatureCollection",
        "name": "basemap",
        "source": "Natural Earth 1:110m countries (public domain), clipped by "
        "scripts/make_basemap.py",
        "bbox": list(BOX),
        "features": out,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--countries", type=Path, default=NE, help="Natural Earth countries")
    parser.add_argument("--oblasts", type=Path, default=OBLASTS, help="the shipped oblasts")
    parser.add_argument("--out", type=Path, default=OUT, help="the GeoJSON to write")
    args = parser.parse_args()
    collection = build(args.countries, args.oblasts)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    args.out.write_text(text + "\n", encoding="utf-8")
    print(f"{args.out}: {len(collection['features'])} countries, {len(text) / 1024:.0f} KB")


if __name__ == "__main__":
    main()
