"""`vigil territory geography import`, `regions` and `frontline` as a user calls them.

A synthetic country of two square oblasts, a controlled rectangle whose share of each is
known by construction, and one day's change; areas are checked against pyproj.Geod."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import box

from tests.cli_runner import vigil
from vigil.testing import assert_km2_close, geod_area_km2, write_daily

WEST = box(36.0, 48.0, 36.5, 48.5)  # oblast ZZ-W
EAST = box(36.5, 48.0, 37.0, 48.5)  # oblast ZZ-E
D1, D2 = dt.date(2025, 3, 3), dt.date(2025, 3, 4)
# Day 1 straddles the two oblasts; day 2 takes a further strip in the east only.
DAY1 = box(36.3, 48.1, 36.7, 48.4)
DAY2 = box(36.3, 48.1, 36.8, 48.4)


@pytest.fixture
def store(tmp_path: Path, capsys) -> Path:
    folder, path = tmp_path / "maps", tmp_path / "store.sqlite"
    write_daily(folder, {D1: DAY1, D2: DAY2})
    assert vigil(capsys, "territory", "ingest", folder, "--store", path).code == 0
    regions = gpd.GeoDataFrame(
        {"iso": ["ZZ-W", "ZZ-E"], "name": ["Захід", "Схід"], "name_en": ["West", "East"]},
        geometry=[WEST, EAST],
        crs="EPSG:4326",
    )
    regions.to_file(tmp_path / "oblasts.gpkg")
    run = vigil(
        capsys, "territory", "geography", "import", tmp_path / "oblasts.gpkg", "--level",
        "oblast", "--code-field", "iso", "--name-field", "name", "--store", path,
    )  # fmt: skip
    assert run.code == 0, run.err
    assert "oblast: 2 rows" in run.out
    return path


def as_json(capsys, *args) -> list[dict]:
    run = vigil(capsys, *args, "--format", "json")
    assert run.code == 0, run.err
    return json.loads(run.out)


def test_regions_on_a_date_split_the_controlled_area_by_oblast(capsys, store):
    rows = {r["code"]: r for r in as_json(capsys, "territory", "regions", "--date", D1,
                                          "--store", store)}  # fmt: skip
    for code, oblast in (("ZZ-W", WEST), ("ZZ-E", EAST)):
        expected = geod_area_km2(DAY1.intersection(oblast), straight_edges=True)
        assert_km2_close(rows[code]["controlled_km2"], expected, rel=1e-6, what=code)
        share = 100 * expected / geod_area_km2(oblast, straight_edges=True)
        assert rows[code]["controlled_pct"] == pytest.approx(share, rel=1e-6)
        assert rows[code]["snapshot_date"] == str(D1)


def test_regions_between_two_dates_put_the_gain_where_it_happened(capsys, store):
    rows = as_json(capsys, "territory", "regions", "--from", D1, "--to", D2, "--store", store)
    assert [r["code"] for r in rows] == ["ZZ-E"]  # only regions that changed, by net
    strip = geod_area_km2(box(36.7, 48.1, 36.8, 48.4), straight_edges=True)
    assert_km2_close(rows[0]["gained_km2"], strip, rel=1e-6, what="east gain")
    assert rows[0]["lost_km2"] == 0


def test_frontline_leaves_out_the_border_and_gives_the_line(capsys, store, tmp_path):
    # The controlled rectangle lies inside the country, more than 5 km from its outline
    # on every side, so the whole boundary is the line of contact.
    out = tmp_path / "line.geojson"
    run = vigil(capsys, "territory", "frontline", "--date", D1, "--store", store,
                "--format", "geojson", "-o", out)  # fmt: skip
    assert run.code == 0, run.err
    (feature,) = json.loads(out.read_text())["features"]
    line = shapely.geometry.shape(feature["geometry"])
    expected = shapely.segmentize(DAY1.boundary, 0.001)
    from pyproj import Geod

    assert feature["properties"]["length_km"] == pytest.approx(
        Geod(ellps="WGS84").geometry_length(expected) / 1000, rel=1e-3
    )
    assert line.length == pytest.approx(DAY1.boundary.length, rel=1e-6)


@pytest.mark.parametrize(
    "args, code, needle",
    [
        (["regions", "--date", "2025-03-03", "--level", "raion"], 1, "no raion boundaries"),
        (["regions", "--level", "oblast"], 1, "--date"),
        (["geography", "import"], 2, "--shipped"),
        (["geography", "import", "x.gpkg"], 2, "--level: missing"),
        (["geography", "import", "x.gpkg", "--level", "oblast", "--lat-field", "y"], 2,
         "--lat-field: not for --level oblast"),
        (["frontline", "--date", "2025-03-03", "--buffer-km", "-1"], 1, "--buffer-km"),
    ],
)  # fmt: skip
def test_bad_region_questions_are_one_line(capsys, store, args, code, needle):
    """Exit 1: the question has no answer; exit 2: the command line is wrong (as the
    parser's own errors)."""
    run = vigil(capsys, "territory", *args, "--store", store)
    assert run.code == code
    assert run.err.startswith("Error: ") and len(run.err.splitlines()) == 1, run.err
    assert needle in run.err


@pytest.mark.parametrize(
    "args",
    [
        ["regions", "--date", "2025-03-03", "--level", "country"],
        ["geography", "import", "x.gpkg", "--level", "country"],
    ],
)
def test_a_level_is_one_of_the_listed_choices(capsys, monkeypatch, store, args):
    monkeypatch.setenv("COLUMNS", "200")
    run = vigil(capsys, "territory", *args, "--store", store)
    assert run.code == 2
    assert "'--level'" in run.err and "'country' is not one of 'oblast', 'raion', 'hromada'" in (
        run.err
    )


def test_series_for_one_region_and_with_the_front_line(capsys, store):
    rows = as_json(capsys, "territory", "series", "--freq", "day", "--region", "ZZ-E",
                   "--store", store)  # fmt: skip
    (row,) = rows  # one complete day: D1 -> D2
    assert row["region"].startswith("ZZ-E")
    strip = geod_area_km2(box(36.7, 48.1, 36.8, 48.4), straight_edges=True)
    assert_km2_close(row["gained_km2"], strip, rel=1e-6, what="east gain")
    held = geod_area_km2(DAY2.intersection(EAST), straight_edges=True)
    assert_km2_close(row["area_km2"], held, rel=1e-6, what="east area")
    # by name (any spelling the gazetteer's key folds together) gives the same row
    assert as_json(capsys, "territory", "series", "--freq", "day", "--region", "east",
                   "--store", store) == rows  # fmt: skip
    (line,) = as_json(capsys, "territory", "series", "--freq", "day", "--metric",
                      "frontline_km", "--store", store)  # fmt: skip
    from pyproj import Geod

    expected = Geod(ellps="WGS84").geometry_length(shapely.segmentize(DAY2.boundary, 0.001))
    assert line["frontline_km"] == pytest.approx(expected / 1000, rel=1e-3)
    assert line["frontline_buffer_km"] == 5.0


@pytest.fixture
def with_places(tmp_path: Path, capsys, store) -> Path:
    """The store plus a gazetteer: one place taken on D2, one held since D1, one far
    behind the lines, and one with only a hromada point (never read from the map)."""
    rows = [
        # code, name_uk, name_en, lon, lat, located
        ("P1", "Східне", "Skhidne", 36.75, 48.25, 1),
        ("P2", "Середнє", "Serednie", 36.5, 48.25, 1),
        ("P3", "Далеке", "Daleke", 36.1, 48.45, 1),
        ("P4", "Примарне", "Prymarne", 36.75, 48.26, 0),
    ]
    csv = tmp_path / "places.csv"
    csv.write_text(
        "katotth,name_uk,name_en,lon,lat,located,oblast\n"
        + "".join(f"{c},{u},{e},{x},{y},{k},ZZ-E\n" for c, u, e, x, y, k in rows),
        encoding="utf-8",
    )
    run = vigil(
        capsys, "territory", "geography", "import", csv, "--level", "settlement",
        "--located-field", "located", "--oblast-field", "oblast", "--store", store,
    )  # fmt: skip
    assert run.code == 0, run.err
    return store


def test_settlements_that_changed_hands_and_a_timeline(capsys, with_places):
    run = vigil(capsys, "territory", "settlements", "--from", D1, "--to", D2,
                "--store", with_places, "--format", "json")  # fmt: skip
    assert run.code == 0, run.err
    payload = json.loads(run.out)
    (row,) = payload["settlements"]  # P4 lies in the strip too, but has no location
    assert (row["code"], row["from_status"], row["to_status"]) == ("P1", "free", "controlled")
    assert row["since"] == str(D2)
    assert payload["coverage"] == ["the gazetteer locates 3 of 4 settlements in ZZ-E (75 %)"]
    run = vigil(capsys, "territory", "settlement", "Skhidne", "--store", with_places,
                "--format", "json")  # fmt: skip
    runs = json.loads(run.out)["timeline"]
    assert [(r["status"], r["first_snapshot"]) for r in runs] == [
        ("free", str(D1)),
        ("controlled", str(D2)),
    ]
    # any spelling: the Ukrainian name finds the same place
    again = vigil(capsys, "territory", "settlement", "східне", "--store", with_places, "-f", "json")
    assert json.loads(again.out)["settlement"]["code"] == "P1"
    unlocated = vigil(capsys, "territory", "settlement", "Prymarne", "--store", with_places)
    assert unlocated.code == 1 and "no location of its own" in unlocated.err


def test_change_fragments_are_placed_when_geography_is_loaded(capsys, with_places):
    run = vigil(capsys, "territory", "change", D1, D2, "--store", with_places, "-f", "json")
    (fragment,) = json.loads(run.out)["fragments"]
    # the strip 36.7–36.8 × 48.1–48.4 gained on D2; Skhidne (36.75, 48.25) lies in it and
    # is the nearest located place to the strip's representative point
    from pyproj import Geod

    from vigil.territory import open_store

    with open_store(with_places) as t:
        (strip,) = t.change(D1, D2).fragments.geometry
    assert shapely.equals(strip, box(36.7, 48.1, 36.8, 48.4))
    point = shapely.point_on_surface(strip)  # the point a fragment is placed by
    _, _, metres = Geod(ellps="WGS84").inv(36.75, 48.25, point.x, point.y)
    assert fragment["oblast"] == "ZZ-E"
    assert fragment["place"] == "Skhidne"
    assert fragment["distance_km"] == pytest.approx(metres / 1000, rel=1e-3)
    assert fragment["description"].startswith("+")
    assert "of Skhidne" in fragment["description"] or "at Skhidne" in fragment["description"]
