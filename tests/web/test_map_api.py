"""The map's context in the API: the offline base map, place labels by zoom and the
change's fragments with their place descriptions (vigil.web.map_api, the change
endpoint of vigil.web.api).

A synthetic store whose answers are known by construction: two "oblasts" side by side,
a gazetteer of a few places (one without a location of its own), and three maps. From
day 1 to day 2 the controlled block gains a strip at its front line (a change) and a
small square beyond the country's edge, far behind the front (a redraw by the
behind-line rule of vigil.territory.redraws).
"""

from __future__ import annotations

import json
import lzma
import math
from pathlib import Path

import numpy as np
import pytest
import shapely
from django.test import Client
from shapely.geometry import shape

from vigil.territory import open_store
from vigil.territory.geography import SHIPPED_FILES, shipped_folder
from vigil.testing import assert_km2_close, geod_area_km2, rectangle, write_daily_archive

WEST = ("UA-14", "Західна область", "West Oblast", rectangle(35.0, 45.0, 38.0, 50.0))
EAST = ("UA-09", "Східна область", "East Oblast", rectangle(38.0, 45.0, 41.0, 50.0))
A = rectangle(37.0, 45.0, 41.0, 50.0, step_deg=0.1)  # the front line: x = 37
GAIN = rectangle(36.8, 47.0, 37.0, 47.2, step_deg=0.05)  # taken at the front
REDRAW = rectangle(40.95, 44.9, 41.05, 45.0, step_deg=0.05)  # beyond the edge, far behind
B = shapely.union_all([A, GAIN, REDRAW])
DAYS = {"2025-03-03": A, "2025-03-10": B, "2025-03-17": B}
# code, name_uk, name_en, category, lon, lat, located
PLACES = [
    ("UA14000000010000001", "Альфа", "Alpha", "M", 37.5, 47.5, 1),
    ("UA14000000010000002", "Бета", "Beta", "X", 36.5, 47.3, 1),
    ("UA14000000010000003", "Гамма", "Gamma", "C", 36.7, 47.05, 1),
    ("UA14000000010000004", "Дельта", "Delta", "C", 36.9, 47.1, 0),  # no point of its own
    ("UA09000000010000005", "Епсилон", "Epsilon", "C", 39.0, 46.0, 1),
    ("UA09000000010000006", "Зета", "Zeta", "C", 39.001, 46.0, 1),  # 0.001° from Epsilon
    ("UA09000000010000007", "Ета", "Eta", "M", 40.5, 45.2, 1),
]


@pytest.fixture(scope="session")
def map_store(tmp_path_factory) -> Path:
    return build_map_store(tmp_path_factory.mktemp("map-store"))


def build_map_store(folder: Path) -> Path:
    """The synthetic store in ``folder`` (also served by tests/web/test_map_browser.py)."""
    archive = write_daily_archive(folder / "daily.tar.xz", DAYS)
    oblasts = folder / "oblasts.geojson"
    features = [
        {
            "type": "Feature",
            "properties": {"iso3166_2": code, "name_uk": uk, "name_en": en},
            "geometry": shapely.geometry.mapping(geom),
        }
        for code, uk, en, geom in (WEST, EAST)
    ]
    oblasts.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    places = folder / "settlements.csv"
    lines = ["katotth,name_uk,name_en,category_katotth,oblast_iso,lon,lat,coord_is_settlement"]
    for code, uk, en, cat, lon, lat, located in PLACES:
        oblast = "UA-14" if code.startswith("UA14") else "UA-09"
        lines.append(f"{code},{uk},{en},{cat},{oblast},{lon},{lat},{located}")
    places.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path = folder / "territory.sqlite"
    with open_store(path, create=True) as t:
        t.ingest([archive], jobs=1)
        t.import_geography(oblasts, "oblast")
        t.import_geography(places, "settlement")
    return path


@pytest.fixture
def client(map_store, settings) -> Client:
    settings.VIGIL_STORE = str(map_store)
    return Client()


def _json(response):
    assert response.status_code == 200, response.content[:300]
    return json.loads(response.content)


def _pixels(lon: float, lat: float, zoom: int) -> tuple[float, float]:
    """Web Mercator pixels at ``zoom`` (Leaflet's: 256-pixel tiles), written out here."""
    scale = 256 * 2**zoom
    x = (lon + 180) / 360 * scale
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * scale
    return x, y


# -- place labels ---------------------------------------------------------------------------
def places(client, **params):
    return _json(client.get("/api/territory/places", params))


def test_places_thin_out_as_the_map_zooms_out(client):
    names = {z: [p["name"] for p in places(client, zoom=z)] for z in (4, 5, 7, 9, 10, 20)}
    # the oblasts' names only, below 6; their points are 3° apart: 34 px at zoom 4, too
    # close for two names of 4 capitals (one is left), 68 px at zoom 5 (both)
    assert len(names[4]) == 1 and names[4][0] in ("East", "West")
    assert sorted(names[5]) == ["East", "West"]
    # cities come in at 7, settlements (X) at 9, villages (C) at 10
    assert {"Alpha", "Eta"} <= set(names[7]) and "Beta" not in names[7]
    assert "Beta" in names[9] and "Gamma" not in names[9]
    assert "Gamma" in names[10]
    # Epsilon and Zeta lie 0.001° apart: less than a pixel at zoom 10, one label; at
    # zoom 20 (745 px apart) both
    assert len({"Epsilon", "Zeta"} & set(names[10])) == 1
    assert {"Epsilon", "Zeta"} <= set(names[20])
    # a place without a point of its own is never written on the map
    assert all("Delta" not in n for n in names.values())
    # the more important come first: a city before any settlement or village
    kinds = [p["kind"] for p in places(client, zoom=10)]
    assert kinds.index("city") < min(kinds.index(k) for k in ("settlement", "village"))


@pytest.mark.parametrize("zoom", [6, 9, 10, 12])
def test_labels_never_overlap(client, zoom):
    """No two labels' boxes overlap, even shrunk to the least a 12 px name takes (5 px a
    character, 16 px high; the map's are larger): nothing for the browser to sort out."""
    shown = places(client, zoom=zoom)
    boxes = []
    for p in shown:
        x, y = _pixels(p["lon"], p["lat"], zoom)
        width = 5 * len(p["name"])
        boxes.append(
            (x - width / 2, y - 8, x + width / 2, y + 8)
            if p["kind"] == "oblast"
            else (x, y - 8, x + width, y + 8)
        )
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)


def test_bbox_and_limit_cut_the_same_labels(client):
    everywhere = places(client, zoom=10)
    box = (36.0, 46.9, 38.0, 48.0)
    inside = places(client, zoom=10, bbox=",".join(map(str, box)))
    w, s, e, n = box
    expected = [p["name"] for p in everywhere if w <= p["lon"] <= e and s <= p["lat"] <= n]
    assert [p["name"] for p in inside] == expected and {"Alpha", "Gamma"} <= set(expected)
    assert "Eta" not in expected  # 40.5 °E: outside
    assert [p["name"] for p in places(client, zoom=10, limit=2)] == [
        p["name"] for p in everywhere[:2]
    ]
    assert [p["rank"] for p in inside] == list(range(len(inside)))


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({}, "zoom"),
        ({"zoom": "far"}, "zoom"),
        ({"zoom": "99"}, "zoom"),
        ({"zoom": "-1"}, "zoom"),
        ({"zoom": "8", "bbox": "1,2,3"}, "bbox"),
        ({"zoom": "8", "bbox": "a,b,c,d"}, "bbox"),
        ({"zoom": "8", "bbox": "40,45,36,48"}, "bbox"),  # west of east
        ({"zoom": "8", "bbox": "36,48,40,45"}, "bbox"),  # south of north
        ({"zoom": "8", "bbox": "36,45,40,nan"}, "bbox"),
        ({"zoom": "8", "limit": "0"}, "limit"),
        ({"zoom": "8", "format": "xml"}, "format"),
    ],
)
def test_bad_place_parameters_are_named(client, params, parameter):
    response = client.get("/api/territory/places", params)
    assert response.status_code == 400
    error = json.loads(response.content)["error"]
    assert error["parameter"] == parameter
    assert error["message"].startswith(f"{parameter}: ") and "\n" not in error["message"]


# -- the base map ---------------------------------------------------------------------------
def test_basemap_is_valid_geojson_around_ukraine(client):
    response = client.get("/api/territory/basemap")
    collection = _json(response)
    assert len(response.content) < 100_000  # commit-sized, fetched once per page
    assert collection["type"] == "FeatureCollection"
    by_iso = {}
    for feature in collection["features"]:
        assert feature["type"] == "Feature"
        geom = shape(feature["geometry"])
        assert geom.geom_type in ("Polygon", "MultiPolygon") and geom.is_valid and not geom.is_empty
        by_iso[feature["properties"]["iso_a3"]] = (feature["properties"]["role"], geom)
    neighbours = {"RUS", "BLR", "POL", "SVK", "HUN", "ROU", "MDA"}
    assert neighbours <= set(by_iso) and by_iso["UKR"][0] == "ukraine"
    assert all(by_iso[iso][0] == "abroad" for iso in neighbours)
    # no other country inside Ukraine: the shipped oblasts (shrunk by 0.05°, more than
    # the neighbours reach under their outline) meet no foreign land; Crimea is not
    # drawn as Russia's
    with lzma.open(shipped_folder() / SHIPPED_FILES["oblast"], "rt") as f:
        oblasts = [shape(feat["geometry"]) for feat in json.load(f)["features"]]
    simple = shapely.simplify([shapely.make_valid(g) for g in oblasts], 0.005)  # ≪ 0.05°
    inner = shapely.union_all(simple).buffer(-0.05)
    abroad = shapely.union_all([g for role, g in by_iso.values() if role == "abroad"])
    assert shapely.intersection(abroad, inner).area < 1e-6
    assert not abroad.contains(shapely.Point(34.10, 44.95))  # Simferopol
    assert abroad.contains(shapely.Point(30.52, 50.45 + 2.5))  # Belarus, north of Kyiv
    # the Sea of Azov off Mariupol is sea, not land of any country
    assert not abroad.contains(shapely.Point(37.6, 46.9))
    # as CSV: the countries' table, one row each, without shapes
    table = client.get("/api/territory/basemap", {"format": "csv"}).content.decode()
    rows = table.splitlines()
    assert rows[0] == "name,iso_a3,role" and len(rows) == 1 + len(collection["features"])


def test_basemap_is_what_the_script_makes():
    """The shipped file is reproducible: scripts/make_basemap.py over its inputs."""
    import importlib.util

    script = Path(__file__).resolve().parents[2] / "scripts" / "make_basemap.py"
    spec = importlib.util.spec_from_file_location("make_basemap", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not module.NE.exists():
        pytest.skip(f"Natural Earth's countries not found at {module.NE}")
    made = module.build(module.NE, module.OBLASTS)
    shipped = json.loads(module.OUT.read_text(encoding="utf-8"))
    assert json.loads(json.dumps(made)) == shipped


# -- the change's fragments -------------------------------------------------------------------
WEEK = {"from": "2025-03-03", "to": "2025-03-10"}


def _located(store: Path, a: str, b: str):
    with open_store(store) as t:
        change = t.change(a, b, redraws=True)
        return change, t.locate_fragments(change)


def test_change_fragments_carry_the_cli_descriptions(client, map_store):
    data = _json(client.get("/api/territory/change", {**WEEK, "geometry": 1}))
    _, located = _located(map_store, "2025-03-03", "2025-03-10")
    features = data["geometry"]["features"]
    got = [f["properties"]["description"] for f in features]
    assert got == list(located["description"])  # same words, same order: largest first
    areas = [f["properties"]["area_km2"] for f in features]
    assert areas == sorted(areas, reverse=True)
    # the fragments add up to the figure, and it to the rectangles' geodesic areas
    directions = [f["properties"]["direction"] for f in features]
    gained = sum(a for d, a in zip(directions, areas, strict=True) if d == "gained")
    assert abs(gained - data["gained_km2"]) < 0.005
    assert_km2_close(
        data["gained_km2"],
        geod_area_km2(GAIN, straight_edges=True) + geod_area_km2(REDRAW, straight_edges=True),
        rel=1e-4,
    )
    front = next(f["properties"] for f in features if f["properties"]["redraw"] == "")
    assert front["oblast"] == "UA-14" and front["oblast_name"] == "West Oblast"
    assert front["place"] == "Gamma"  # Delta is nearer but has no point of its own
    bbox = front["bbox"]
    assert bbox == pytest.approx([36.8, 47.0, 37.0, 47.2], abs=1e-6)
    assert shapely.Point(front["lon"], front["lat"]).within(GAIN.buffer(1e-9))


def test_fragments_without_geometry(client, map_store):
    data = _json(client.get("/api/territory/change", {"from": "2025-03-03", "to": "2025-03-10"}))
    _, located = _located(map_store, "2025-03-03", "2025-03-10")
    assert "geometry" not in data or data["geometry"] is None
    assert [f["description"] for f in data["fragments"]] == list(located["description"])
    for direction in ("gained", "lost"):
        total = sum(f["area_km2"] for f in data["fragments"] if f["direction"] == direction)
        assert abs(total - data[f"{direction}_km2"]) < 0.005
    top = _json(
        client.get("/api/territory/change", {"from": "2025-03-03", "to": "2025-03-10", "top": 1})
    )
    assert top["fragments"] == data["fragments"][:1]
    csv = client.get("/api/territory/change", {**WEEK, "format": "csv"})
    assert csv.status_code == 200
    assert "fragments" not in csv.content.decode().splitlines()[0].split(",")  # one row


def test_redraw_fragments_are_flagged_apart(client):
    data = _json(client.get("/api/territory/change", {**WEEK, "geometry": 1}))
    flagged = [f["properties"] for f in data["geometry"]["features"] if f["properties"]["redraw"]]
    assert [p["redraw"] for p in flagged] == ["behind-line"]
    assert_km2_close(flagged[0]["area_km2"], geod_area_km2(REDRAW, straight_edges=True), rel=1e-4)
    assert data["gained_redraw_km2"] == pytest.approx(flagged[0]["area_km2"], abs=1e-9)
    assert data["redraw_reasons"] == "behind-line" and data["redraws_excluded"] is False
    # the figures stay raw: the redraw is inside gained_km2 (checked above); without
    # flagging, no redraw column is filled
    plain = _json(
        client.get(
            "/api/territory/change",
            {"from": "2025-03-03", "to": "2025-03-10", "geometry": 1, "redraws": "false"},
        )
    )
    assert all(not f["properties"].get("redraw") for f in plain["geometry"]["features"])
    assert plain["gained_km2"] == pytest.approx(data["gained_km2"], rel=1e-12)


@pytest.mark.parametrize(
    ("params", "parameter"),
    [({"top": "-1"}, "top"), ({"top": "some"}, "top"), ({"redraws": "maybe"}, "redraws")],
)
def test_bad_change_parameters_are_named(client, params, parameter):
    response = client.get(
        "/api/territory/change", {"from": "2025-03-03", "to": "2025-03-10", **params}
    )
    assert response.status_code == 400
    error = json.loads(response.content)["error"]
    assert error["parameter"] == parameter and error["message"].startswith(f"{parameter}: ")


def test_openapi_documents_the_map_context(client):
    spec = _json(client.get("/api/openapi.json"))
    for path in ("/api/territory/basemap", "/api/territory/places"):
        assert path in spec["paths"]
    params = {p["name"] for p in spec["paths"]["/api/territory/places"]["get"]["parameters"]}
    assert {"zoom", "bbox", "limit"} <= params
    change = {p["name"] for p in spec["paths"]["/api/territory/change"]["get"]["parameters"]}
    assert {"top", "redraws"} <= change
    schemas = spec["components"]["schemas"]
    assert "fragments" in schemas["ChangeOut"]["properties"]
    assert "description" in schemas["FragmentOut"]["properties"]


@pytest.mark.slow
def test_the_issue_example_on_the_demo(web_store, settings):
    """The issue's own words: the week of 21-28 October 2024 (maps of 20 and 27
    October) has "+44.8 km² 5 km NNW of Prechystivka, Volnovakha Raion"."""
    settings.VIGIL_STORE = str(web_store)
    data = _json(
        Client().get("/api/territory/change", {"from": "2024-10-20", "to": "2024-10-27", "top": 3})
    )
    first = data["fragments"][0]
    assert first["description"].startswith("+44.8 km² 5 km NNW of Prechystivka, Volnovakha Raion")
    assert np.isclose(first["area_km2"], 44.8, atol=0.05)
