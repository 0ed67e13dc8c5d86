"""ISW/CTP control-of-terrain archives through the generic vector ingest and the shipped
rules files (data/sources/isw-*.toml), as a user runs them.

References: tiny archives built here in both layouts of the real one (2022: a file per
layer and day under <Month>/<Layer>/; 2023: a file per day, layers in
``properties.layer``, Japanese names in May), made of squares whose geodesic areas
pyproj.Geod gives directly; and, on the real archive when present, the union of one
member's polygons measured with pyproj.Geod without Vigil.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest
import shapely
from pyproj import Geod
from shapely.geometry import box, mapping, shape

from tests.cli_runner import vigil
from vigil.territory.api import Territory
from vigil.territory.geodesy import SEGMENT_DEG

GEOD = Geod(ellps="WGS84")
RECIPES = Path(__file__).resolve().parents[2] / "data" / "sources"
ASSESSED = RECIPES / "isw-assessed.toml"
CLAIMED = RECIPES / "isw-claimed.toml"

# 0.1° squares, far enough apart that no two touch.
CONTROL = box(36.0, 48.0, 36.1, 48.1)
CONTROL_EAST = box(36.05, 48.0, 36.15, 48.1)  # overlaps CONTROL by half
ADVANCE = box(36.3, 48.0, 36.4, 48.1)
CLAIM = box(36.6, 48.0, 36.7, 48.1)
UKRAINE = box(37.0, 48.0, 37.1, 48.1)  # claimed Ukrainian counteroffensive: never counted
JP_CONTROL = box(35.0, 47.0, 35.2, 47.1)
JP_ADVANCE = box(35.5, 47.0, 35.6, 47.1)


def km2(geometry, *, corners_only: bool = False) -> float:
    """Geodesic area (km², WGS84) by pyproj.Geod, of the polygon Vigil measures: its edges
    straight in longitude/latitude, i.e. with points every geodesy.SEGMENT_DEG (0.05°)
    (documented in vigil.territory.geodesy); ``corners_only`` reads them as geodesics."""
    if not corners_only:
        geometry = shapely.segmentize(geometry, SEGMENT_DEG)
    return abs(GEOD.geometry_area_perimeter(geometry)[0]) / 1e6


def ms(day: str) -> int:
    """ISW's `datetime`: Unix milliseconds of 00:00 UTC of the day."""
    moment = dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC)
    return int(moment.timestamp() * 1000)


def collection(features: list[tuple[dict, object]], crs: bool = False) -> bytes:
    doc: dict = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": props,
                "geometry": mapping(geom) if geom is not None else None,
            }
            for props, geom in features
        ],
    }
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    return json.dumps(doc, ensure_ascii=False).encode()


def layer_file(month: str, layer: str, day: str, features: list[tuple[dict, object]]):
    name = f"isw/geoJSON/2022/{month}/{layer}/{day.replace('-', '')}_{layer}.geojson"
    return name, collection(features)


def members() -> dict[str, bytes]:
    """The synthetic archive: what each member holds is the answer of the tests below.

    2022-04-03 is missing (a gap); 2022-03-01 has only the control layer (claimed starts
    the day after); 2023-05-17 is missing; 2023-05-01 uses the archiver's Japanese names
    and has no claimed layer.
    """
    cot, adv = "RussianAssessedCoTinUkraine", "RussianAssessedAdvanceinUkraine"
    clm, ukr = "RussianClaimedCoTinUkraine", "UkrainianClaimedCounterOffensives"
    files = dict(
        [
            layer_file("February_March", cot, "2022-03-01", [({"OBJECTID": 1}, CONTROL)]),
            # with `datetime` (ms), a null geometry, and a feature dated by FID only
            layer_file(
                "April",
                cot,
                "2022-04-01",
                [
                    ({"OBJECTID": 1, "datetime": ms("2022-04-01")}, CONTROL),
                    ({"OBJECTID": 2, "datetime": ms("2022-04-01")}, None),
                ],
            ),
            layer_file("April", adv, "2022-04-01", [({"FID": 0}, ADVANCE)]),
            layer_file("April", clm, "2022-04-01", [({"FID": 0}, CLAIM)]),
            layer_file("April", ukr, "2022-04-01", [({"FID": 0}, UKRAINE)]),
            layer_file(
                "April", cot, "2022-04-02", [({"FID": 0}, CONTROL), ({"FID": 1}, CONTROL_EAST)]
            ),
            layer_file("April", adv, "2022-04-02", [({"FID": 0}, ADVANCE)]),
            layer_file("April", clm, "2022-04-02", [({"FID": 0}, CLAIM)]),
            layer_file("April", cot, "2022-04-04", [({"FID": 0}, CONTROL_EAST)]),
            layer_file("April", adv, "2022-04-04", [({"FID": 0}, None)]),
            layer_file("April", clm, "2022-04-04", [({"FID": 0}, CLAIM)]),
        ]
    )
    files["isw/data/20230501.geojson"] = collection(
        [
            ({"OBJECTID": 1, "layer": "ロシア軍支配エリア"}, JP_CONTROL),
            ({"OBJECTID": 2, "layer": "ロシア軍侵攻エリア"}, JP_ADVANCE),
            ({"OBJECTID": 3, "layer": "ロシア軍侵攻エリア"}, None),
            ({"OBJECTID": 4, "layer": "ウクライナ軍反撃エリア"}, UKRAINE),
        ],
        crs=True,
    )
    files["isw/data/20230516.geojson"] = files["isw/data/20230501.geojson"]
    files["isw/data/20230520.geojson"] = collection(
        [
            ({"layer": "VIEW_RussiaCoTinUkraine_V3"}, CONTROL),
            ({"layer": "MDS_AssessedRussianAdvanceInUkraine_view"}, ADVANCE),
            ({"layer": "VIEW_ClaimedRussianTerritoryinUkraine_V2"}, CLAIM),
            ({"layer": "VIEW_ClaimedRussianTerritoryinUkraine_V2"}, None),
            ({"layer": "VIEW_ClaimedUkrainianCounteroffensives_V2"}, UKRAINE),
        ],
        crs=True,
    )
    files["isw/README.md"] = b"# Institute for the Study of War\n"
    files["isw/LICENSE"] = b"MIT License\n"
    return files


def write_tar(path: Path, files: dict[str, bytes]) -> Path:
    """A .tar.xz with directory entries, as the real archive has them."""
    with tarfile.open(path, "w:xz") as tar:
        dirs = sorted({str(Path(n).parent) for n in files} - {"."})
        for name in dirs:
            info = tarfile.TarInfo(name)
            info.type = tarfile.DIRTYPE
            tar.addfile(info)
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return write_tar(tmp_path / "isw-test.tar.xz", members())


def ingest(capsys, store: Path, *args: object):
    run = vigil(capsys, "territory", "ingest", *args, "--store", store, "-q", "-j", "1")
    assert run.code == 0, run.err
    return Territory(store)


def area(t: Territory, source: str, day: str, *, with_grey: bool = False) -> float:
    result = t.area(day, source=source, with_grey=with_grey)
    assert str(result.snapshot_date) == day, "the snapshot of that very day is expected"
    return result.controlled_km2 if not with_grey else result.controlled_km2 + result.grey_km2


def test_assessed_recipe_reads_both_layouts(capsys, tmp_path: Path, archive: Path):
    t = ingest(capsys, tmp_path / "s.sqlite", archive, "--rules", ASSESSED)

    assert t.source_names() == ["isw-assessed"]
    expected = [
        dt.date(2022, 3, 1),
        dt.date(2022, 4, 1),
        dt.date(2022, 4, 2),
        dt.date(2022, 4, 4),
        dt.date(2023, 5, 1),
        dt.date(2023, 5, 16),
        dt.date(2023, 5, 20),
    ]
    assert t.dates("isw-assessed") == expected
    rel = 1e-6
    assert area(t, "isw-assessed", "2022-04-01") == pytest.approx(km2(CONTROL), rel=rel)
    union = shapely.union(CONTROL, CONTROL_EAST)
    assert area(t, "isw-assessed", "2022-04-02") == pytest.approx(km2(union), rel=rel)
    assert area(t, "isw-assessed", "2022-04-04") == pytest.approx(km2(CONTROL_EAST), rel=rel)
    assert area(t, "isw-assessed", "2023-05-01") == pytest.approx(km2(JP_CONTROL), rel=rel)
    assert area(t, "isw-assessed", "2023-05-20") == pytest.approx(km2(CONTROL), rel=rel)
    # advances are the grey kind: --with-grey adds them
    both = km2(CONTROL) + km2(ADVANCE)
    assert area(t, "isw-assessed", "2022-04-01", with_grey=True) == pytest.approx(both, rel=rel)
    assert area(t, "isw-assessed", "2023-05-20", with_grey=True) == pytest.approx(both, rel=rel)
    jp = km2(JP_CONTROL) + km2(JP_ADVANCE)
    assert area(t, "isw-assessed", "2023-05-01", with_grey=True) == pytest.approx(jp, rel=rel)
    # neither claimed territory nor Ukrainian counteroffensives are in it, on any date
    for day in expected:
        geometry = t.geometry(day, source="isw-assessed", with_grey=day != dt.date(2022, 3, 1))
        assert not geometry.intersects(UKRAINE.buffer(-1e-4))
        assert not geometry.intersects(CLAIM.buffer(-1e-4))
    # the gaps are there, not filled
    row = t.snapshots("isw-assessed").set_index("kind").loc["controlled"]
    assert "2022-04-03" in row.gaps
    assert "2023-05-17" in row.gaps


def test_claimed_recipe_is_assessed_plus_claimed_where_both_exist(capsys, tmp_path, archive):
    t = ingest(capsys, tmp_path / "s.sqlite", archive, "--rules", CLAIMED)

    # no claimed layer on 2022-03-01 nor in the Japanese-named May 2023 files: left out
    assert t.dates("isw-claimed") == [
        dt.date(2022, 4, 1),
        dt.date(2022, 4, 2),
        dt.date(2022, 4, 4),
        dt.date(2023, 5, 20),
    ]
    rel = 1e-6
    claimed = km2(CONTROL) + km2(CLAIM)  # disjoint squares
    assert area(t, "isw-claimed", "2022-04-01") == pytest.approx(claimed, rel=rel)
    assert area(t, "isw-claimed", "2023-05-20") == pytest.approx(claimed, rel=rel)
    east = km2(CONTROL_EAST) + km2(CLAIM)
    assert area(t, "isw-claimed", "2022-04-04") == pytest.approx(east, rel=rel)
    assert not t.geometry("2022-04-01", source="isw-claimed").intersects(UKRAINE)


def test_unpacked_directory_gives_the_same_snapshots(capsys, tmp_path, archive):
    folder = tmp_path / "unpacked"
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    a = ingest(capsys, tmp_path / "a.sqlite", archive, "--rules", ASSESSED)
    b = ingest(capsys, tmp_path / "b.sqlite", folder / "isw", "--rules", ASSESSED)

    left = a.store.snapshot_table("isw-assessed")[["date", "kind", "area_km2"]]
    right = b.store.snapshot_table("isw-assessed")[["date", "kind", "area_km2"]]
    assert len(left) == 7 + 6 + 6  # 2022-03-01 has no advance file: no grey, no union
    assert left.reset_index(drop=True).equals(right.reset_index(drop=True))


def test_flags_win_over_the_recipe(capsys, tmp_path, archive):
    t = ingest(
        capsys,
        tmp_path / "s.sqlite",
        archive,
        "--rules",
        ASSESSED,
        "--source",
        "isw-april",
        "--from",
        "2022-04-02",
        "--to",
        "2022-04-30",
    )
    assert t.source_names() == ["isw-april"]
    assert t.dates("isw-april") == [dt.date(2022, 4, 2), dt.date(2022, 4, 4)]


def test_the_same_rules_as_flags_give_the_same_store(capsys, tmp_path, archive):
    from vigil.territory.sources import recipe

    rules = recipe.load(ASSESSED).options
    flags: list[object] = ["--source", "isw-assessed"]
    for key in ("members", "date_pattern", "date_format", "kind_field"):
        flags += [f"--{key.replace('_', '-')}", rules[key]]
    for pattern, kind in rules["member_kinds"].items():
        flags += ["--member-kind", f"{pattern}={kind}"]
    for value, kind in rules["kind_values"].items():
        flags += ["--kind-value", f"{value}={kind}"]
    by_rules = ingest(capsys, tmp_path / "a.sqlite", archive, "--rules", ASSESSED)
    by_flags = ingest(capsys, tmp_path / "b.sqlite", archive, *flags)

    columns = ["date", "kind", "content_hash"]
    left = by_rules.store.snapshot_table("isw-assessed")[columns].reset_index(drop=True)
    right = by_flags.store.snapshot_table("isw-assessed")[columns].reset_index(drop=True)
    assert len(left) == 19 and left.equals(right)


def test_recipe_credit_is_stored_when_the_library_takes_it(capsys, tmp_path, archive):
    import inspect

    if "credit" not in inspect.signature(Territory.ingest).parameters:
        pytest.skip("Territory.ingest takes no credit yet (change asked for in issue 14)")
    t = ingest(capsys, tmp_path / "s.sqlite", archive, "--rules", ASSESSED)
    assert t.store.source_credit("isw-assessed") == (
        "ISW/CTP control-of-terrain layers via Nikkei-Visual-Data-Journalism/ISW (MIT)"
    )


BAD_RECIPES = {
    "unknown key": ('sorce = "x"\n', "unknown key 'sorce'"),
    "wrong type": ("source = 3\n", "source: expected text, got an integer"),
    "bad kind": ('[member_kinds]\n"x" = "occupied"\n', "member_kinds.x: 'occupied' is not a kind"),
    "bad regex": ('members = "(unclosed"\n', "members: '(unclosed' is not a valid regex"),
    "bad date": ('from = "April"\n', "from: expected a date"),
    "not toml": ("members = \n", "not valid TOML"),
    "table expected": ('kind_values = "layer"\n', "kind_values: expected a table"),
}


@pytest.mark.parametrize("case", sorted(BAD_RECIPES))
def test_bad_recipe_is_one_line_naming_file_and_key(capsys, tmp_path, archive, case):
    text, message = BAD_RECIPES[case]
    rules = tmp_path / "bad.toml"
    rules.write_text(text, encoding="utf-8")
    run = vigil(
        capsys, "territory", "ingest", archive, "--rules", rules, "--store", tmp_path / "s.sqlite"
    )
    assert run.code != 0
    assert "Traceback" not in run.err
    lines = [line for line in run.err.splitlines() if line.strip()]
    assert len(lines) == 1, run.err
    assert str(rules) in lines[0] and message in lines[0], lines[0]


def test_missing_recipe_file(capsys, tmp_path, archive):
    run = vigil(
        capsys, "territory", "ingest", archive, "--rules", tmp_path / "nope.toml",
        "--store", tmp_path / "s.sqlite",
    )  # fmt: skip
    assert run.code != 0 and "no such rules file" in run.err and "Traceback" not in run.err


# --- the real archive -------------------------------------------------------------------


def real_members(archive: Path, wanted) -> dict[str, bytes]:
    out = {}
    with tarfile.open(archive) as tar:
        for info in tar:
            if info.isfile() and wanted(info.name):
                handle = tar.extractfile(info)
                assert handle is not None
                out[info.name] = handle.read()
    return out


def geod_union(data: bytes, layers: set[str] | None = None):
    """The union of a GeoJSON's polygons (of ``layers``), made without Vigil (invalid
    rings repaired with shapely's make_valid)."""
    doc = json.loads(data)
    geoms = [
        shapely.make_valid(shape(f["geometry"]))
        for f in doc["features"]
        if f["geometry"] is not None and (layers is None or f["properties"].get("layer") in layers)
    ]
    return shapely.union_all(geoms)


@pytest.mark.shared_data
def test_real_archive_slice_matches_pyproj(capsys, tmp_path, shared_data: Path):
    source = shared_data / "isw-2022-2023.tar.xz"
    if not source.exists():
        pytest.skip(f"{source} is absent")
    # A week of each layout, copied into a small tar: 2022-06-01..07 (every layer) and
    # 2023-05-15..21 (Japanese names until the 19th, 17 May missing).
    week22 = {f"202206{d:02d}" for d in range(1, 8)}
    week23 = {f"202305{d:02d}" for d in range(15, 22)}
    files = real_members(
        source, lambda n: n.rsplit("/", 1)[-1][:8] in week22 | week23 and n.endswith(".geojson")
    )
    assert len(files) == 7 * 4 + 6
    small = write_tar(tmp_path / "slice.tar.xz", files)
    t = ingest(capsys, tmp_path / "s.sqlite", small, "--rules", ASSESSED)

    days = [dt.date(2022, 6, d) for d in range(1, 8)] + [
        dt.date(2023, 5, d) for d in (15, 16, 18, 19, 20, 21)
    ]
    assert t.dates("isw-assessed") == days
    cot = "isw/geoJSON/2022/June/RussianAssessedCoTinUkraine/20220603_RussianAssessedCoTinUkraine"
    union = geod_union(files[cot + ".geojson"])
    got = area(t, "isw-assessed", "2022-06-03")
    # the same polygons measured the same way: equal to well under 0.01 km² in 117,000
    assert got == pytest.approx(km2(union), abs=0.01)
    # and within the documented 0.5 km² of the corners-only geodesic reading
    assert got == pytest.approx(km2(union, corners_only=True), abs=0.5)
    assert 100_000 < got < 130_000  # ISW's assessed control in June 2022 (sanity)
    jp = geod_union(files["isw/data/20230518.geojson"], {"ロシア軍支配エリア"})
    assert area(t, "isw-assessed", "2023-05-18") == pytest.approx(km2(jp), abs=0.01)
    en = geod_union(files["isw/data/20230521.geojson"], {"VIEW_RussiaCoTinUkraine_V3"})
    assert area(t, "isw-assessed", "2023-05-21") == pytest.approx(km2(en), abs=0.01)
    advance = geod_union(
        files["isw/data/20230521.geojson"], {"MDS_AssessedRussianAdvanceInUkraine_view"}
    )
    with_grey = area(t, "isw-assessed", "2023-05-21", with_grey=True)
    assert with_grey == pytest.approx(km2(shapely.union(en, advance)), abs=0.01)


def test_recipes_in_data_sources_load(tmp_path):
    from vigil.territory.sources import recipe

    loaded = {p.stem: recipe.load(p) for p in sorted(RECIPES.glob("*.toml"))}
    assert set(loaded) == {"isw-assessed", "isw-claimed"}
    for name, rules in loaded.items():
        assert rules.source == name
        assert rules.credit == (
            "ISW/CTP control-of-terrain layers via Nikkei-Visual-Data-Journalism/ISW (MIT)"
        )
    shutil.rmtree(tmp_path, ignore_errors=True)
