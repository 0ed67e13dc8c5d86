"""Fragments located: regions, nearest settlement, distance, bearing, description.

References are independent of ``vigil.territory.locate``: distances and azimuths come
from ``pyproj.Geod`` called directly on the expected points (or by brute force over
every place), positions are built with ``Geod.fwd`` at a known distance and azimuth,
and region answers from hand-built boxes with the answer known by construction.
"""

from __future__ import annotations

import datetime as dt
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import Polygon, box

from vigil.territory import open_store
from vigil.territory.locate import (
    DESCRIBE_COLUMNS,
    Gazetteer,
    compass,
    describe,
    description,
)
from vigil.territory.regions import locate
from vigil.testing import daily_file_name

GEOD = Geod(ellps="WGS84")
HOME = (37.0, 48.0)  # lon, lat of the reference place "Home"


# -- builders --------------------------------------------------------------------------------
def places(*rows: tuple) -> pd.DataFrame:
    """A gazetteer frame as ``Store.settlements()`` returns it, from
    (code, name_en, category, lon, lat, located) tuples."""
    return pd.DataFrame(
        {
            "code": [r[0] for r in rows],
            "name_uk": [f"{r[1]}-uk" for r in rows],
            "name_en": [r[1] for r in rows],
            "category": [r[2] for r in rows],
            "lon": [r[3] for r in rows],
            "lat": [r[4] for r in rows],
            "located": [r[5] for r in rows],
        }
    )


def regions_frame(*rows: tuple[str, str, object]) -> pd.DataFrame:
    """A regions frame as ``Store.regions(level)`` returns it, from (code, name, geometry)."""
    return pd.DataFrame(
        {
            "code": [c for c, _, _ in rows],
            "name_en": [n for _, n, _ in rows],
            "name_uk": [f"{n}-uk" for _, n, _ in rows],
            "oblast": [c for c, _, _ in rows],
            "geometry": [g for _, _, g in rows],
        }
    )


def fragments(*rows: tuple[str, object]) -> pd.DataFrame:
    """A ``Change.fragments`` frame from (direction, geometry) pairs (areas planar, unused)."""
    geoms = [g for _, g in rows]
    c = shapely.centroid(np.array(geoms, dtype=object)) if geoms else np.array([])
    return pd.DataFrame(
        {
            "direction": [d for d, _ in rows],
            "area_km2": [round(float(shapely.area(g)) * 1e4, 3) for g in geoms],
            "centroid_lon": shapely.get_x(c) if geoms else [],
            "centroid_lat": shapely.get_y(c) if geoms else [],
            "kept": [True] * len(rows),
            "geometry": geoms,
        }
    )


def square_at(lon: float, lat: float, half: float = 0.002) -> Polygon:
    return box(lon - half, lat - half, lon + half, lat + half)


def offset(origin: tuple[float, float], azimuth: float, km: float) -> tuple[float, float]:
    lon, lat, _ = GEOD.fwd(origin[0], origin[1], azimuth, km * 1e3)
    return float(lon), float(lat)


@pytest.fixture
def synthetic_regions() -> dict[str, pd.DataFrame]:
    """Two oblasts side by side split at 37.5°E; one raion and one hromada around Home."""
    return {
        "oblast": regions_frame(
            ("UA-01", "West Oblast", box(36.0, 47.0, 37.5, 49.0)),
            ("UA-02", "East Oblast", box(37.5, 47.0, 39.0, 49.0)),
        ),
        "raion": regions_frame(("R1", "Home Raion", box(36.5, 47.5, 37.5, 48.5))),
        "hromada": regions_frame(("H1", "Home Hromada", box(36.8, 47.8, 37.2, 48.2))),
    }


# -- compass ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "azimuth, expected",
    [
        (0, "N"), (11.24, "N"), (11.26, "NNE"), (-11.24, "N"), (348.76, "N"),
        (348.74, "NNW"), (45, "NE"), (90, "E"), (180, "S"), (-180, "S"),
        (225, "SW"), (-135, "SW"), (236.24, "SW"), (236.26, "WSW"), (360, "N"), (720.5, "N"),
    ],
)  # fmt: skip
def test_compass_boundaries(azimuth, expected):
    assert compass([azimuth])[0] == expected


def test_compass_centres_in_order():
    names = list(compass(np.arange(16) * 22.5))
    assert names == [
        "N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE",
        "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW",
    ]  # fmt: skip


# -- nearest place ---------------------------------------------------------------------------
def test_fragment_south_west_of_a_place(synthetic_regions):
    at = offset(HOME, 225, 5.0)  # 5 km SW of Home
    gaz = places(
        ("P1", "Home", "C", *HOME, 1),
        ("P2", "Farville", "M", *offset(HOME, 0, 30.0), 1),
        ("P3", "Eastville", "C", *offset(HOME, 90, 12.0), 1),
    )
    frag = square_at(*at)
    out = describe(fragments(("gained", frag)), synthetic_regions, gaz).iloc[0]
    point = shapely.point_on_surface(frag)
    fwd, _, metres = GEOD.inv(HOME[0], HOME[1], point.x, point.y)
    assert out["place"] == "Home" and out["place_uk"] == "Home-uk" and out["place_code"] == "P1"
    assert out["distance_km"] == pytest.approx(metres / 1e3, rel=1e-3)
    assert out["distance_km"] == pytest.approx(5.0, abs=0.2)  # the square's centre, 5 km off
    assert out["bearing"] == "SW" and fwd % 360 == pytest.approx(225, abs=2)
    assert (out["oblast"], out["raion"], out["hromada"]) == ("UA-01", "R1", "H1")
    assert (out["oblast_name"], out["raion_name"]) == ("West Oblast", "Home Raion")
    assert out["hromada_name"] == "Home Hromada"
    assert (
        out["description"] == f"+{out['area_km2']:.1f} km² 5 km SW of Home, Home Raion, West Oblast"
    )


def test_unlocated_settlements_are_never_chosen(synthetic_regions):
    at = offset(HOME, 45, 3.0)
    gaz = places(
        ("P1", "Home", "C", *HOME, 1),
        ("U1", "Hromada-centre", "M", *at, 0),  # exactly on the fragment, but not located
        ("U2", "Nowhere", "M", np.nan, np.nan, 1),  # no coordinates at all
    )
    out = describe(fragments(("gained", square_at(*at))), synthetic_regions, gaz).iloc[0]
    assert out["place_code"] == "P1"
    assert out["bearing"] == "NE"
    assert Gazetteer(gaz).nearest(*at)["place_code"].tolist() == ["P1"]


def test_nearest_matches_brute_force_geodesic():
    rng = np.random.default_rng(4)
    n = 3000
    lon, lat = rng.uniform(22.5, 40.0, n), rng.uniform(44.5, 52.3, n)
    gaz = places(*[(f"S{i:05d}", f"S{i}", "C", lon[i], lat[i], 1) for i in range(n)])
    qlon, qlat = rng.uniform(22.5, 40.0, 200), rng.uniform(44.5, 52.3, 200)
    got = Gazetteer(gaz).nearest(qlon, qlat)
    # brute force: every query against every place, geodesic
    ql, qa = np.repeat(qlon, n), np.repeat(qlat, n)
    fwd, _, m = GEOD.inv(np.tile(lon, 200), np.tile(lat, 200), ql, qa)
    m, fwd = m.reshape(200, n), fwd.reshape(200, n)
    best = m.argmin(axis=1)
    assert got["place_code"].tolist() == [f"S{i:05d}" for i in best]
    np.testing.assert_allclose(got["distance_km"], m.min(axis=1) / 1e3, rtol=1e-9)
    np.testing.assert_allclose(got["azimuth"], np.mod(fwd[np.arange(200), best], 360), atol=1e-9)


def test_geodesic_decides_where_the_projection_would_not():
    # Near the western edge (≈ 650 km from the projection centre) the equal-area
    # projection stretches north-south and shrinks east-west distances by ~0.13 %:
    # there the place 10.02 km W looks nearer than the one 10 km N.
    q = (22.6, 48.4)
    gaz = places(
        ("A", "North", "C", *offset(q, 0, 10.0), 1), ("B", "West", "C", *offset(q, 270, 10.02), 1)
    )
    got = Gazetteer(gaz).nearest(*q).iloc[0]
    assert got["place_code"] == "A" and got["bearing"] == "S"
    assert got["distance_km"] == pytest.approx(10.0, rel=1e-9)


def test_places_sharing_a_point_prefer_the_larger():
    gaz = places(("A1", "Village", "C", *HOME, 1), ("B1", "Town", "M", *HOME, 1))
    assert Gazetteer(gaz).nearest(HOME[0] + 0.01, HOME[1]).loc[0, "place"] == "Town"


def test_english_name_falls_back_to_ukrainian(synthetic_regions):
    gaz = places(("P1", "Home", "C", *HOME, 1))
    gaz.loc[0, "name_en"] = None
    out = describe(
        fragments(("gained", square_at(*offset(HOME, 180, 2.0)))), synthetic_regions, gaz
    )
    assert out.loc[0, "place"] == "Home-uk"
    assert out.loc[0, "description"].endswith("2 km S of Home-uk, Home Raion, West Oblast")


# -- which point, which region ---------------------------------------------------------------
def test_fragment_spanning_two_oblasts_goes_to_its_representative_point(synthetic_regions):
    # Most of the area is in West (a 0.45° × 0.6° block); a tall arm reaches into East.
    # GEOS puts the point on the surface on the envelope's middle latitude (48.0), which
    # only the eastern arm crosses: the fragment is described as in East Oblast, even
    # though West holds the larger share. Region and place then name the same spot.
    frag = shapely.union_all(
        [
            box(37.0, 47.0, 37.45, 47.6),  # West: 0.27 deg²
            box(37.45, 47.0, 37.7, 47.05),  # connector across 37.5°E
            box(37.6, 47.0, 37.7, 49.0),  # East arm: 0.2 deg²
        ]
    )
    point = shapely.point_on_surface(frag)
    assert frag.contains(point) and point.x > 37.5  # premise of the test
    assert locate([frag], synthetic_regions["oblast"], by="area").loc[0, "code"] == "UA-01"
    gaz = places(("P1", "Home", "C", *HOME, 1), ("P2", "Eastville", "C", 37.65, 48.05, 1))
    out = describe(fragments(("gained", frag)), synthetic_regions, gaz).iloc[0]
    assert out["oblast"] == "UA-02" and out["oblast_name"] == "East Oblast"
    assert out["raion"] is None and out["hromada"] is None  # the arm is outside both
    assert out["place"] == "Eastville"
    assert out["description"].endswith("of Eastville, East Oblast")


def test_crescent_uses_a_point_inside_not_the_centroid(synthetic_regions):
    # A U-shaped fragment around Home: its centroid is in the hollow, on Home itself.
    u = shapely.union_all(
        [box(36.9, 47.9, 36.92, 48.1), box(37.08, 47.9, 37.1, 48.1), box(36.9, 47.9, 37.1, 47.92)]
    )
    assert not u.contains(u.centroid)
    gaz = places(("P1", "Home", "C", *HOME, 1))
    out = describe(fragments(("lost", u)), synthetic_regions, gaz).iloc[0]
    point = shapely.point_on_surface(u)
    assert u.contains(point)
    _, _, metres = GEOD.inv(HOME[0], HOME[1], point.x, point.y)
    assert out["distance_km"] == pytest.approx(metres / 1e3, rel=1e-9)
    assert out["distance_km"] > 5  # the centroid would say 0 km ("at Home")
    assert out["description"].startswith("−")


def test_outside_every_region_gets_none(synthetic_regions):
    at = offset((40.0, 46.0), 270, 8.0)  # east of both oblasts
    gaz = places(("P9", "Border", "M", 40.0, 46.0, 1))
    out = describe(fragments(("lost", square_at(*at, 0.02))), synthetic_regions, gaz).iloc[0]
    for col in ("oblast", "oblast_name", "raion", "raion_name", "hromada", "hromada_name"):
        assert out[col] is None, col
    area = out["area_km2"]
    assert out["description"] == f"−{area:.1f} km² 8 km W of Border"


def test_missing_levels_and_empty_gazetteer(synthetic_regions):
    regions = {"oblast": synthetic_regions["oblast"]}  # no raion or hromada imported
    gaz = places(("U1", "Home", "C", *HOME, 0))  # nothing located
    out = describe(fragments(("gained", square_at(*HOME))), regions, gaz).iloc[0]
    assert out["raion"] is None and out["hromada_name"] is None and out["oblast"] == "UA-01"
    assert out["place"] is None and np.isnan(out["distance_km"]) and out["bearing"] is None
    assert out["description"] == f"+{out['area_km2']:.1f} km² in West Oblast"


def test_no_fragments_gives_the_columns():
    out = describe(fragments(), {}, places(("P1", "Home", "C", *HOME, 1)))
    assert len(out) == 0
    assert set(DESCRIBE_COLUMNS) <= set(out.columns)


def test_rows_keep_their_order_and_extra_columns(synthetic_regions):
    gaz = places(("P1", "Home", "C", *HOME, 1), ("P2", "Farville", "C", 38.5, 48.5, 1))
    frags = fragments(("gained", square_at(38.5, 48.52)), ("lost", square_at(*HOME)))
    out = describe(frags, synthetic_regions, gaz)
    assert out["place"].tolist() == ["Farville", "Home"]
    assert out["oblast"].tolist() == ["UA-02", "UA-01"]
    assert list(out.columns[: len(frags.columns)]) == list(frags.columns)


# -- larger places ---------------------------------------------------------------------------
def test_prefer_town_within_radius_and_min_category(synthetic_regions):
    at = offset(HOME, 180, 1.5)
    city = offset(at, 0, 8.0)  # 8 km N of the fragment (Home is 1.5 km N of it)
    far_city = offset(at, 90, 15.0)
    gaz = places(
        ("P1", "Home", "C", *HOME, 1),
        ("M1", "Citytown", "M", *city, 1),
        ("M2", "Bigcity", "M", *far_city, 1),
        ("X1", "Smalltown", "X", *offset(at, 270, 4.0), 1),
    )
    frag = fragments(("gained", square_at(*at)))
    assert describe(frag, synthetic_regions, gaz).loc[0, "place"] == "Home"  # default: nearest
    out = describe(frag, synthetic_regions, gaz, prefer_town_km=10).iloc[0]
    assert out["place"] == "Citytown" and out["bearing"] == "S"
    assert out["distance_km"] == pytest.approx(8.0, abs=0.2)
    assert describe(frag, synthetic_regions, gaz, prefer_town_km=5).loc[0, "place"] == "Home"
    assert describe(frag, synthetic_regions, gaz, min_category="X").loc[0, "place"] == "Smalltown"
    assert describe(frag, synthetic_regions, gaz, min_category="M").loc[0, "place"] == "Citytown"
    with pytest.raises(ValueError, match="min_category"):
        Gazetteer(gaz, min_category="Z")


# -- wording ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args, expected",
    [
        (("gained", 12.34, "Pokrovsk", 4.2, "SW", "Pokrovsk Raion", "Donetsk Oblast"),
         "+12.3 km² 4 km SW of Pokrovsk, Pokrovsk Raion, Donetsk Oblast"),
        (("lost", 0.25, "Pokrovsk", 0.99, "N", None, "Donetsk Oblast"),
         "−0.2 km² at Pokrovsk, Donetsk Oblast"),
        (("gained", 0.0042, "Hryshyne", 1.0, "E", None, None), "+0.0042 km² 1 km E of Hryshyne"),
        (("gained", 3.0, "X", 12.5, "NNW", "R", None), "+3.0 km² 13 km NNW of X, R"),
        (("gained", 3.0, None, None, None, None, None), "+3.0 km²"),
        (("gained", 3.0, None, float("nan"), None, "R", "O"), "+3.0 km² in R, O"),
    ],
)  # fmt: skip
def test_description_wording(args, expected):
    assert description(*args) == expected


# -- real data -------------------------------------------------------------------------------
# The published week of 21–28 October 2024 (≈196 km² gained), measured on the daily files
# named 21 and 28 October: they hold the maps of 20 and 27 October, the dates Vigil stores
# them under (docs/method.md, "Snapshot for a date").
WEEK = ("2024-10-20", "2024-10-27")


@pytest.fixture(scope="module")
def territory(tmp_path_factory: pytest.TempPathFactory, daily_archive: Path):
    """A store with the two daily files of the week of 21 October 2024 from the bundled
    archive (a change uses only its two snapshots, so the rest of the archive would
    only cost time: 14 s to ingest it all) and the shipped geography. The files holding
    the maps of WEEK are named by the next day (vigil.testing.daily_file_name)."""
    tmp = tmp_path_factory.mktemp("locate")
    names = {daily_file_name(d) for d in WEEK}
    files = []
    with tarfile.open(daily_archive) as archive:
        for member in archive:
            if Path(member.name).name in names:
                archive.extract(member, tmp, filter="data")
                files.append(tmp / member.name)
                if len(files) == len(names):
                    break
    assert len(files) == 2, f"{names} not in {daily_archive}"
    t = open_store(tmp / "vigil.sqlite", create=True)
    t.ingest(files)
    t.import_geography(None, "")
    yield t
    t.close()


@pytest.mark.slow
def test_week_of_21_october_2024_on_real_data(territory, capsys):
    change = territory.change(*WEEK)
    assert (change.snapshot_from, change.snapshot_to) == tuple(map(dt.date.fromisoformat, WEEK))
    assert change.gained_km2 == pytest.approx(196, abs=2)  # published: ≈196 km²
    regions = {level: territory.store.regions(level) for level in ("oblast", "raion", "hromada")}
    settlements = territory.store.settlements()
    gaz = Gazetteer(settlements)
    near = gaz.nearest(change.fragments.centroid_lon, change.fragments.centroid_lat)
    assert len(gaz) == int((settlements["located"] == 1).sum()) == 19535
    assert len(near) == len(change.fragments) and near["place"].notna().all()

    out = describe(change.fragments, regions, gaz)
    gained = out[out["direction"] == "gained"].sort_values("area_km2", ascending=False)
    top = gained.iloc[0]
    assert top["area_km2"] > 10
    assert top["oblast"] == "UA-14" and top["oblast_name"] == "Donetsk Oblast"
    assert top["distance_km"] < 10
    assert top["raion_name"] and top["hromada_name"]
    # The named place is the true geodesic nearest of all located places.
    point = shapely.point_on_surface(top["geometry"])
    located = settlements[settlements["located"] == 1]
    _, _, m = GEOD.inv(
        located["lon"].to_numpy(), located["lat"].to_numpy(),
        np.full(len(located), point.x), np.full(len(located), point.y),
    )  # fmt: skip
    assert top["place_code"] == located["code"].iloc[int(m.argmin())]
    assert top["distance_km"] == pytest.approx(m.min() / 1e3, rel=1e-9)
    assert top["description"].endswith("Donetsk Oblast")
    with capsys.disabled():
        print(f"\nfive largest fragments, {WEEK[0]} → {WEEK[1]}:")
        for text in out.sort_values("area_km2", ascending=False)["description"].head(5):
            print("  ", text)
