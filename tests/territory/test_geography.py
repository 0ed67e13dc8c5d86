"""Reference geography: importing boundaries and gazetteers, and finding settlements by name.

Three kinds of check:

- synthetic files under tmp_path (GeoJSON, GeoPackage, CSV, compressed copies) with known
  answers: areas against pyproj alone (vigil.testing.geod_area_km2 with straight edges,
  0.01 %), field mapping, and every bad input raising InputError that names the problem
  while the store's tables stay exactly as they were (vigil.testing.dump_store);
- the shipped files in data/geography/: the counts and oblast areas that
  data/geography/README.md states (areas within 0.05 %);
- name keys and search on real gazetteer rows (Pokrovsk, UA14160210010099403).
"""

from __future__ import annotations

import gzip
import lzma
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, Point

from vigil.errors import InputError
from vigil.territory import geography as G
from vigil.territory.store import Store
from vigil.testing import assert_km2_close, dump_store, geod_area_km2, square

# Two 0.1° boxes at 48°N (≈83 km² each) and one 0.2° box at 47°N.
SQUARES = {
    "A1": square(37.0, 48.0, 0.1),
    "A2": square(37.1, 48.0, 0.1),
    "B1": square(35.0, 47.0, 0.2),
}


def regions_frame(**extra: list) -> gpd.GeoDataFrame:
    data = {
        "katotth": list(SQUARES),
        "name_uk": ["Перша", "Друга", "Третя"],
        "name_en": ["First", "Second", "Third"],
        "oblast_iso": ["UA-14", "UA14", "UA-44"],
        "raion_katotth": ["R1", "R1", "R2"],
        **extra,
    }
    return gpd.GeoDataFrame(data, geometry=list(SQUARES.values()), crs="EPSG:4326")


def write(frame: gpd.GeoDataFrame, path: Path) -> Path:
    frame.to_file(path, engine="pyogrio")
    return path


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store(tmp_path / "s.sqlite") as s:
        yield s


def unchanged(store: Store, call, match: str) -> None:
    """``call()`` raises InputError matching ``match`` and leaves every table as it was."""
    before = dump_store(store.path)
    with pytest.raises(InputError, match=match):
        call()
    assert dump_store(store.path) == before


# --- regions: synthetic ---------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".geojson.xz", ".geojson.gz"])
def test_region_areas_match_pyproj(store: Store, tmp_path: Path, suffix: str) -> None:
    plain = write(regions_frame(), tmp_path / ("r.gpkg" if suffix == ".gpkg" else "r.geojson"))
    path = plain
    if suffix.endswith((".xz", ".gz")):
        opener = lzma.open if suffix.endswith(".xz") else gzip.open
        path = tmp_path / f"r{suffix}"
        with opener(path, "wb") as fh:
            fh.write(plain.read_bytes())
        plain.unlink()
    assert G.import_regions(store, path, "hromada") == 3
    got = store.regions("hromada").set_index("code")
    for code, geom in SQUARES.items():
        assert_km2_close(
            got.loc[code, "area_km2"], geod_area_km2(geom, straight_edges=True), what=code
        )
        # the stored geometry is the same box (segmented), not a different shape
        assert shapely.equals(got.loc[code, "geometry"], geom)
    assert 80 < got.loc["A1", "area_km2"] < 85  # 0.1° × 0.1° at 48°N
    assert got.loc["A1", "parent"] == "R1"
    assert store.geography_imports().iloc[-1].tolist()[:2] == ["hromada", str(path)]


def test_region_reprojected_from_utm(store: Store, tmp_path: Path) -> None:
    frame = regions_frame().to_crs("EPSG:32637")
    path = write(frame, tmp_path / "utm.gpkg")
    G.import_regions(store, path, "hromada")
    got = store.regions("hromada").set_index("code")
    lon, lat = got.loc["A1", "geometry"].centroid.coords[0]
    assert abs(lon - 37.05) < 1e-3 and abs(lat - 48.05) < 1e-3
    # UTM edges are straight in metres, not in degrees: areas agree within 0.01 %
    assert_km2_close(got.loc["A1", "area_km2"], geod_area_km2(SQUARES["A1"]), rel=1e-4)


def test_region_field_flags_and_oblast_codes(store: Store, tmp_path: Path) -> None:
    frame = regions_frame(id=["x1", "x2", "x3"], nm=["a", "b", "c"], ru=["р1", "р2", "р3"])
    frame["obl"] = ["UA14000000000091971", "UA44", "Donetsk"]
    path = write(frame, tmp_path / "own.geojson")
    G.import_regions(
        store, path, "raion", code_field="id", name_field="nm", name_en_field="name_uk",
        name_ru_field="ru", oblast_field="obl", parent_field="obl",
    )  # fmt: skip
    got = store.regions("raion").set_index("code")
    assert got.loc["x1"].tolist()[:6] == ["raion", "a", "Перша", "р1", "UA-14", "UA-14"]
    # KATOTTH prefixes become ISO 3166-2 (Luhansk: KATOTTH 44, ISO 09); other text stays
    assert got.loc["x2", "oblast"] == "UA-09"
    assert got.loc["x3", "oblast"] == "Donetsk"


def test_oblast_level_code_is_its_own_oblast(store: Store, tmp_path: Path) -> None:
    frame = regions_frame(iso3166_2=["UA-14", "UA-09", "UA-23"], name_ru=["а", "б", "в"])
    G.import_regions(store, write(frame, tmp_path / "o.geojson"), "oblast")
    got = store.regions("oblast")
    assert got["code"].tolist() == got["oblast"].tolist() == ["UA-09", "UA-14", "UA-23"]
    assert (got["parent"] == "").all()


def test_optional_default_field_absent_is_empty(store: Store, tmp_path: Path) -> None:
    frame = regions_frame().drop(columns=["name_en"])  # no name_en, no name_ru
    G.import_regions(store, write(frame, tmp_path / "h.geojson"), "hromada")
    got = store.regions("hromada")
    assert (got["name_en"] == "").all() and (got["name_ru"] == "").all()


def test_region_missing_field(store: Store, tmp_path: Path) -> None:
    path = write(regions_frame(), tmp_path / "r.geojson")
    G.import_regions(store, path, "hromada")
    unchanged(
        store,
        lambda: G.import_regions(store, path, "hromada", code_field="KOD"),
        r"r\.geojson: no field 'KOD' \(for the code\); its fields: 'katotth', 'name_uk'",
    )
    # an optional field named explicitly must exist too
    unchanged(
        store,
        lambda: G.import_regions(store, path, "hromada", name_ru_field="nazva"),
        r"no field 'nazva' \(for the name ru\)",
    )
    # the oblast level's default code field
    unchanged(store, lambda: G.import_regions(store, path, "oblast"), r"no field 'iso3166_2'")


def test_region_duplicate_code(store: Store, tmp_path: Path) -> None:
    G.import_regions(store, write(regions_frame(), tmp_path / "ok.geojson"), "hromada")
    frame = regions_frame()
    frame["katotth"] = ["A1", "A2", "A1"]
    path = write(frame, tmp_path / "dup.geojson")
    unchanged(
        store,
        lambda: G.import_regions(store, path, "hromada"),
        r"dup\.geojson: duplicate code 'A1' in field 'katotth' \(features 1, 3\)",
    )


def test_region_not_polygonal(store: Store, tmp_path: Path) -> None:
    G.import_regions(store, write(regions_frame(), tmp_path / "ok.geojson"), "hromada")
    frame = regions_frame()
    frame.loc[1, "geometry"] = LineString([(37, 48), (37.1, 48.1)])
    path = write(frame, tmp_path / "line.geojson")
    unchanged(
        store,
        lambda: G.import_regions(store, path, "hromada"),
        r"line\.geojson: feature 2: a LineString, expected a Polygon or MultiPolygon",
    )


def test_region_bad_level_layer_and_file(store: Store, tmp_path: Path) -> None:
    path = write(regions_frame(), tmp_path / "r.gpkg")
    with pytest.raises(InputError, match="level: expected one of oblast, raion, hromada"):
        G.import_regions(store, path, "district")
    with pytest.raises(InputError, match="no layer 'x'; its layers: 'r'"):
        G.import_regions(store, path, "hromada", layer="x")
    with pytest.raises(InputError, match="no such file"):
        G.import_regions(store, tmp_path / "none.geojson", "hromada")
    junk = tmp_path / "junk.geojson.xz"
    junk.write_bytes(b"not xz at all")
    with pytest.raises(InputError, match=r"junk\.geojson\.xz: cannot decompress"):
        G.import_regions(store, junk, "hromada")
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    with pytest.raises(InputError, match=r"broken\.geojson: cannot read features \(.+\)"):
        G.import_regions(store, broken, "hromada")
    with pytest.raises(InputError, match=r"holds no features"):
        G.import_regions(store, write(regions_frame().iloc[:0], tmp_path / "e.gpkg"), "hromada")


def test_region_repaired_bowtie_and_multipolygon(store: Store, tmp_path: Path) -> None:
    bowtie = shapely.Polygon([(30, 50), (30.1, 50.1), (30.1, 50), (30, 50.1)])
    multi = MultiPolygon([SQUARES["A1"], square(37.3, 48.0, 0.1)])
    frame = regions_frame()
    frame.loc[0, "geometry"] = bowtie
    frame.loc[1, "geometry"] = multi
    G.import_regions(store, write(frame, tmp_path / "fix.geojson"), "hromada")
    got = store.regions("hromada").set_index("code")
    repaired = shapely.make_valid(bowtie)
    assert_km2_close(got.loc["A1", "area_km2"], geod_area_km2(repaired, straight_edges=True))
    assert_km2_close(got.loc["A2", "area_km2"], geod_area_km2(multi, straight_edges=True))
    assert got.loc["A1", "geometry"].is_valid


# --- settlements: synthetic -----------------------------------------------------------------

CSV_HEADER = (
    "katotth,name_uk,name_en,name_translit,category_katotth,lat,lon,coord_is_settlement,"
    "hromada_katotth,raion_katotth,oblast_iso\n"
)
CSV_ROWS = [
    "S1,Покровськ,Pokrovsk,Pokrovsk,M,48.2822,37.1758,1,H1,R1,UA-14\n",
    "S2,Вільне,Vilne,Vilne,C,48.03,34.53,0,H2,R2,UA-12\n",
    "S3,Щастя,Shchastia,Shchastia,M,,,,H3,R3,UA-44\n",
]


def write_csv(tmp_path: Path, rows: list[str] = CSV_ROWS, name: str = "g.csv", **kw) -> Path:
    path = tmp_path / name
    text = CSV_HEADER + "".join(rows)
    data = text.encode(kw.get("encoding", "utf-8"))
    if name.endswith(".xz"):
        data = lzma.compress(data)
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("name", ["g.csv", "g.csv.xz"])
def test_settlements_csv(store: Store, tmp_path: Path, name: str) -> None:
    assert G.import_settlements(store, write_csv(tmp_path, name=name)) == 3
    got = store.settlements().set_index("code")
    assert got.loc["S1", ["name_uk", "category", "hromada", "oblast", "located"]].tolist() == [
        "Покровськ", "M", "H1", "UA-14", 1,
    ]  # fmt: skip
    assert (got.loc["S1", "lon"], got.loc["S1", "lat"]) == (37.1758, 48.2822)
    assert got.loc["S2", "located"] == 0  # a hromada point, not the settlement's own
    # no coordinates: kept, unlocated; the KATOTTH digits 44 become Luhansk's ISO code
    assert got.loc["S3", "located"] == 0 and pd.isna(got.loc["S3", "lat"])
    assert got.loc["S3", "oblast"] == "UA-09"


def test_settlements_field_flags_semicolons_no_located_field(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "own.csv"
    path.write_text(
        "id;nazva;ru;y;x\n1;Покровськ;Красноармейск;48.28;37.18\n2;Щастя;Счастье;;\n",
        encoding="utf-8",
    )
    G.import_settlements(
        store, path, code_field="id", name_field="nazva", name_ru_field="ru",
        lat_field="y", lon_field="x",
    )  # fmt: skip
    got = store.settlements().set_index("code")
    assert got.loc["1", "name_ru"] == "Красноармейск"
    # no located field: a row with coordinates counts as located, one without does not
    assert got["located"].tolist() == [1, 0]
    assert (got["name_en"] == "").all()
    # None: the file's located field is not used
    G.import_settlements(store, write_csv(tmp_path), located_field=None)
    assert store.settlements()["located"].tolist() == [1, 1, 0]


def test_settlements_from_points(store: Store, tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"katotth": [1416, 1417], "name_uk": ["Покровськ", "Мирноград"]},
        geometry=[Point(37.1758, 48.2822), None],
        crs="EPSG:4326",
    ).to_crs("EPSG:3857")
    G.import_settlements(store, write(frame, tmp_path / "p.gpkg"))
    got = store.settlements().set_index("code")
    assert abs(got.loc["1416", "lon"] - 37.1758) < 1e-9
    assert abs(got.loc["1416", "lat"] - 48.2822) < 1e-9
    assert got["located"].tolist() == [1, 0]

    lines = frame.assign(geometry=[LineString([(0, 0), (1, 1)])] * 2)
    path = write(lines, tmp_path / "l.gpkg")
    unchanged(
        store,
        lambda: G.import_settlements(store, path),
        r"feature 1: a LineString, expected a Point",
    )


@pytest.mark.parametrize(
    ("row", "match"),
    [
        ("S4,Х,X,X,C,91.5,37.0,1,H,R,UA-14\n", r"line 5: latitude 91.5 is out of range"),
        ("S4,Х,X,X,C,48.0,-181,1,H,R,UA-14\n", r"line 5: longitude -181 is out of range"),
        ("S4,Х,X,X,C,48,2a,1,H,R,UA-14\n", r"line 5: field 'lon': '2a' is not a number"),
        ("S4,Х,X,X,C,48.0,,1,H,R,UA-14\n", r"line 5: has only one of 'lat' and 'lon'"),
        ("S4,Х,X,X,C,48,37,maybe,H,R,UA-14\n", r"line 5: field 'coord_is_settlement': 'maybe'"),
        (
            "S1,Х,X,X,C,48,37,1,H,R,UA-14\n",
            r"duplicate code 'S1' in field 'katotth' \(lines 2, 5\)",
        ),
        (",Х,X,X,C,48,37,1,H,R,UA-14\n", r"line 5: field 'katotth' is empty"),
        ("S4,,X,X,C,48,37,1,H,R,UA-14\n", r"line 5: field 'name_uk' is empty"),
    ],
)
def test_settlements_bad_rows(store: Store, tmp_path: Path, row: str, match: str) -> None:
    G.import_settlements(store, write_csv(tmp_path))
    path = write_csv(tmp_path, [*CSV_ROWS, row], name="bad.csv")
    unchanged(store, lambda: G.import_settlements(store, path), match)


def test_settlements_not_utf8(store: Store, tmp_path: Path) -> None:
    G.import_settlements(store, write_csv(tmp_path))
    path = write_csv(tmp_path, name="cp.csv", encoding="cp1251")
    unchanged(
        store,
        lambda: G.import_settlements(store, path),
        r"cp\.csv: line 2: byte 0x\w\w is not UTF-8 \(expected UTF-8 text",
    )


def test_settlements_missing_field(store: Store, tmp_path: Path) -> None:
    G.import_settlements(store, write_csv(tmp_path))
    path = write_csv(tmp_path)
    unchanged(
        store,
        lambda: G.import_settlements(store, path, lat_field="latitude"),
        r"g\.csv: no field 'latitude' \(for the lat\); its fields: 'katotth', 'name_uk'",
    )
    unchanged(
        store,
        lambda: G.import_settlements(store, path, oblast_field="obl"),
        r"no field 'obl' \(for the oblast\)",
    )


def test_settlement_defaults_match_signature() -> None:
    import inspect

    params = inspect.signature(G.import_settlements).parameters
    for role, default in G.SETTLEMENT_DEFAULTS.items():
        name = "translit_field" if role == "name_translit" else f"{role}_field"
        assert params[name].default == default, role


# --- oblast codes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("UA-14", "UA-14"),
        ("UA14", "UA-14"),
        ("ua14000000000091971", "UA-14"),
        ("UA-44", "UA-09"),  # Luhansk: KATOTTH 44, ISO 09
        ("UA01", "UA-43"),  # Crimea
        ("UA-73", "UA-77"),  # Chernivtsi
        ("UA80", "UA-30"),  # Kyiv city
        ("UA85000000000065278", "UA-40"),  # Sevastopol
        ("UA14020000000013572", "UA14020000000013572"),  # a raion code is not an oblast
        ("UA-99", "UA-99"),
        ("Donetsk", "Donetsk"),
        (None, ""),
    ],
)
def test_oblast_iso(value: str | None, iso: str) -> None:
    assert G.oblast_iso(value) == iso


# --- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Покровськ", "Pokrovsk"),  # Ukrainian Cyrillic vs KMU / English
        ("Pokrovs'k", "Pokrovsk"),  # apostrophe for the soft sign
        ("Pokrovsʹk", "POKROVSK"),  # prime; case
        ("Покровск", "Pokrovsk"),  # Russian Cyrillic
        ("Слов’янськ", "Slovyansk"),  # apostrophe, я vs ya
        ("Словʼянськ", "Sloviansk"),  # modifier-letter apostrophe; KMU ia
        ("Запоріжжя", "Zaporizhzhya"),  # я vs ya
        ("Авдіївка", "Avdiyivka"),  # ї vs yi
        ("Ясинувата", "Yasynuvata"),  # word-initial я: KMU ya
        ("Єнакієве", "Yenakiieve"),  # word-initial є: KMU ye
        ("Красний Лиман", "Krasnyy Lyman"),  # -ий vs -yy; space
        ("Горловка", "Gorlovka"),  # Russian г read as h, Latin g folded to h
        ("Згурівка", "Zghurivka"),  # зг -> zgh (KMU)
        ("Kyïv", "Київ"),  # diacritic
        ("Čornobyl'", "Чорнобиль"),  # scholarly č
        ("Часів Яр", "Chasiv-Yar"),  # hyphen vs space
    ],
)
def test_name_key_converges(a: str, b: str) -> None:
    assert G.name_key(a) == G.name_key(b) != ""


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Харків", "Гарків"),  # no kh -> h fold
        ("Згурівка", "Журівка"),  # зг is not ж
        ("Kharkiv", "Kharkov"),  # Ukrainian and Russian vowels stay apart
        ("Броварі", "Бровари"),  # і and и stay apart (a y -> i fold would merge 60 more
        ("Lysychansk", "Lisichansk"),  # name pairs of the gazetteer), so Russian-style i≠y
        ("Покровськ", "Покровське"),
        ("Покровськ", "Красноармійськ"),
    ],
)
def test_name_key_keeps_apart(a: str, b: str) -> None:
    assert G.name_key(a) != G.name_key(b)


def test_name_key_values() -> None:
    assert G.name_key("Щастя") == "shchastia"
    assert G.name_key("Хмельницький") == "khmelnytskyi".replace("yi", "i")
    assert G.name_key(None) == G.name_key(float("nan")) == G.name_key(" - ") == ""


def test_find_settlements_synthetic_ranks_and_ru() -> None:
    frame = pd.DataFrame(
        {
            "code": ["a", "b", "c", "d"],
            "name_uk": ["Покровське", "Покровськ", "Мирноград", "Родинське"],
            "name_en": ["Pokrovske", "Pokrovsk", "Myrnohrad", "Rodynske"],
            "name_translit": ["Pokrovske", "Pokrovsk", "Myrnohrad", "Rodynske"],
            "name_ru": ["", "Красноармейск", "Димитров", ""],
            "category": ["C", "M", "M", "M"],
            "oblast": ["UA-12", "UA-14", "UA-14", "UA-14"],
        }
    )
    got = G.find_settlements(frame, "pokrovsk")
    assert got["code"].tolist() == ["b", "a"]
    assert got["match_type"].tolist() == ["exact", "prefix"]
    assert got["match"].tolist() == ["name_uk", "name_uk"]
    old = G.find_settlements(frame, "Krasnoarmeisk")  # the Russian former name, in Latin
    assert old["code"].tolist() == ["b"] and old["match"].tolist() == ["name_ru"]
    # Russian и reads y (as Ukrainian и): "Dymytrov" finds Димитров, Russian-style
    # "Dimitrov" does not (no y -> i fold: it would merge и and і, see test below)
    assert G.find_settlements(frame, "Dymytrov")["code"].tolist() == ["c"]
    assert G.find_settlements(frame, "Dimitrov").empty
    assert G.find_settlements(frame, "Pokrovsk", oblast="UA12")["code"].tolist() == ["a"]
    assert G.find_settlements(frame, "Kramatorsk").empty
    with pytest.raises(InputError, match="no letters"):
        G.find_settlements(frame, "''")


# --- the shipped files ----------------------------------------------------------------------

# data/geography/README.md (and ../shared/data/ukraine-admin/README.md), km²
README_OBLAST_KM2 = {
    "UA-14": 26_527.8,  # Donetsk
    "UA-09": 26_684.7,  # Luhansk
    "UA-23": 27_261.2,  # Zaporizhzhia
    "UA-65": 27_402.2,  # Kherson
    "UA-43": 26_085.1,  # Crimea
    "UA-40": 907.7,  # Sevastopol
    "UA-30": 821.7,  # Kyiv city
}


# --- an unchanged import is not read again ---------------------------------------------


def _imports(store: Store) -> int:
    return store.db.execute("SELECT count(*) FROM geography_imports").fetchone()[0]


def test_the_same_file_again_is_not_read_and_says_so(store: Store, tmp_path: Path) -> None:
    path = write(regions_frame(), tmp_path / "r.geojson")
    first = G.import_level(store, path, "hromada", oblast_field="oblast_iso")
    assert dict(first) == {"hromada": 3} and first.unchanged == []
    before, logged = dump_store(store.path), _imports(store)
    again = G.import_level(store, path, "hromada", oblast_field="oblast_iso")
    assert dict(again) == {"hromada": 3} and again.unchanged == ["hromada"]
    assert dump_store(store.path) == before and _imports(store) == logged  # nothing written
    # read again: forced; other bytes; another field mapping; the rows gone meanwhile
    assert (
        G.import_level(store, path, "hromada", force=True, oblast_field="oblast_iso").unchanged
        == []
    )
    assert G.import_level(store, path, "hromada").unchanged == []  # mapping differs
    assert G.import_level(store, path, "hromada").unchanged == ["hromada"]
    frame = regions_frame()
    frame.loc[0, "name_uk"] = "Інша"
    write(frame, path)
    assert G.import_level(store, path, "hromada").unchanged == []
    assert store.regions("hromada").set_index("code").loc["A1", "name_uk"] == "Інша"
    store.db.execute("DELETE FROM regions WHERE code = 'A2'")
    assert G.import_level(store, path, "hromada").unchanged == []
    assert len(store.regions("hromada")) == 3
    assert _imports(store) == logged + 4  # forced, remapped, changed, made whole


def test_an_unchanged_level_is_per_level(store: Store, tmp_path: Path) -> None:
    """The same file as another level, or a gazetteer beside it, is its own import."""
    path = write(regions_frame(), tmp_path / "r.geojson")
    assert G.import_level(store, path, "raion").unchanged == []
    assert G.import_level(store, path, "hromada").unchanged == []
    assert G.import_level(store, path, "raion").unchanged == ["raion"]
    gazetteer = write_csv(tmp_path)
    assert G.import_level(store, gazetteer, "settlement").unchanged == []
    assert G.import_level(store, gazetteer, "settlement").unchanged == ["settlement"]


def test_a_shapefile_is_read_again_when_a_companion_changes(store: Store, tmp_path: Path) -> None:
    frame = regions_frame()[["katotth", "name_uk", "name_en", "geometry"]]  # 10-letter names
    path = write(frame, tmp_path / "r.shp")
    assert G.import_level(store, path, "hromada").unchanged == []
    assert G.import_level(store, path, "hromada").unchanged == ["hromada"]
    shp = path.read_bytes()
    frame.loc[1, "name_en"] = "Changed"  # lives in r.dbf, not in r.shp
    write(frame, path)
    assert path.read_bytes() == shp
    assert G.import_level(store, path, "hromada").unchanged == []
    assert store.regions("hromada").set_index("code").loc["A2", "name_en"] == "Changed"


def test_cli_says_unchanged_and_force_reads_again(tmp_path: Path, capsys) -> None:
    from tests.cli_runner import vigil

    path = write(regions_frame(), tmp_path / "r.geojson")
    args = ["territory", "geography", "import", path, "--level", "raion"]
    args += ["--store", tmp_path / "s.sqlite"]
    assert vigil(capsys, *args).out.strip() == "raion: 3 rows"
    assert vigil(capsys, *args).out.strip() == "raion: 3 rows (unchanged)"
    assert vigil(capsys, *args, "--force").out.strip() == "raion: 3 rows"


@pytest.fixture(scope="module")
def shipped(daily_geo_store: Path) -> Iterator[tuple[Store, dict[str, int]]]:
    """The shipped files as imported once per run (tests/conftest.py daily_geo_store:
    `import_geography` of the shipped files, what `make demo` does), read only; the
    counts are what the store holds of each level."""
    if not (G.shipped_folder() / "oblasts.geojson.xz").exists():
        pytest.skip("data/geography/ not present")
    store = Store(daily_geo_store)
    counts = {level: len(store.regions(level)) for level in ("oblast", "raion", "hromada")}
    counts["settlement"] = len(store.settlements())
    yield store, counts
    store.close()


def test_shipped_counts(shipped) -> None:
    store, counts = shipped
    assert counts == {"oblast": 27, "raion": 136, "hromada": 1466, "settlement": 29703}
    settlements = store.settlements()
    assert len(settlements) == 29_703
    assert settlements["located"].sum() == 19_535  # coord_is_settlement == 1
    assert settlements["lat"].isna().sum() == 1_081
    donetsk = settlements[settlements["oblast"] == "UA-14"]
    assert len(donetsk) == 1_298 and donetsk["located"].sum() == 144 + 476
    # every settlement, raion and hromada names an oblast that is in the oblast layer
    oblasts = set(store.regions("oblast")["code"])
    assert set(settlements["oblast"]) == oblasts
    assert set(store.regions("raion")["oblast"]) <= oblasts
    assert set(store.regions("hromada")["oblast"]) <= oblasts


def test_shipped_oblast_areas(shipped) -> None:
    store = shipped[0]
    oblasts = store.regions("oblast").set_index("code")
    for code, km2 in README_OBLAST_KM2.items():
        assert_km2_close(oblasts.loc[code, "area_km2"], km2, rel=5e-4, what=code)
    assert_km2_close(oblasts["area_km2"].sum(), 603_424.8, rel=5e-4, what="sum of oblasts")
    assert oblasts.loc["UA-14", "name_en"] == "Donetsk Oblast"
    raions = store.regions("raion")
    assert_km2_close(raions["area_km2"].sum(), 601_695.6, rel=5e-4, what="sum of raions")
    hromadas = store.regions("hromada")
    assert_km2_close(hromadas["area_km2"].sum(), 569_698, rel=5e-4, what="sum of hromadas")
    bakhmut = hromadas.set_index("code").loc["UA14020010000088496"]
    assert bakhmut["parent"] == "UA14020000000013572" and bakhmut["oblast"] == "UA-14"


def test_shipped_find_pokrovsk(shipped) -> None:
    settlements = shipped[0].settlements()
    for spelling in ("Pokrovsk", "Покровськ", "Pokrovs'k", "pokrovsʹk", "Покровск"):
        got = G.find_settlements(settlements, spelling)
        exact = got[got["match_type"] == "exact"]
        assert exact["code"].tolist() == ["UA14160210010099403"], spelling
        assert got.iloc[0]["oblast"] == "UA-14"
        # the villages called Pokrovske (many oblasts) come after, as prefix matches
        assert (got["match_type"].iloc[1:] == "prefix").all()
        assert set(got["name_uk"].iloc[1:]) <= {"Покровське", "Покровська Багачка"}
    assert got["oblast"].nunique() > 5
    in_donetsk = G.find_settlements(settlements, "Pokrovske", oblast="UA-14")
    assert in_donetsk["code"].str.startswith("UA14").all() and len(in_donetsk) == 2
    zaporizhzhia = G.find_settlements(settlements, "Pokrovske", oblast="UA-23")
    assert zaporizhzhia["code"].tolist() == ["UA23100270120082719"]
    assert G.find_settlements(settlements, "Pokrovsk", oblast="UA-46").empty  # Lviv: none
    assert G.find_settlements(settlements, "Pokrovskyi Zavod").empty
    assert np.all(G.find_settlements(settlements, "Bakhmut")["name_uk"].str.startswith("Бахмут"))
