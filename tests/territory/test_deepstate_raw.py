"""The raw DeepState reader, on small synthetic archives with known answers.

Known answers: lon/lat boxes whose geodesic areas come from pyproj alone
(:func:`vigil.testing.geod_area_km2`), compared with :func:`vigil.territory.geodesy.area_km2`
on what the reader yields at 0.01 %. One test reads two days of the real archive.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping

from vigil.errors import InputError, UnknownLayerError
from vigil.territory.geodesy import area_km2
from vigil.territory.sources import deepstate_raw
from vigil.territory.sources.base import Kind, SourceReport
from vigil.testing import assert_km2_close, geod_area_km2, rectangle, square

UTC = dt.UTC


def stamp(iso_utc: str) -> int:
    return int(dt.datetime.fromisoformat(iso_utc).replace(tzinfo=UTC).timestamp())


def geometry(shape: Polygon, z: float | None = None) -> dict[str, Any]:
    """GeoJSON of a polygon, with a Z value on every position when ``z`` is given."""
    doc = json.loads(json.dumps(mapping(shape)))
    if z is not None:
        doc["coordinates"] = [[[x, y, z] for x, y in ring] for ring in doc["coordinates"]]
    return doc


def feature(name: str | None, geom: dict[str, Any] | Polygon) -> dict[str, Any]:
    if isinstance(geom, Polygon):
        geom = geometry(geom)
    return {"type": "Feature", "properties": {"name": name, "styleUrl": "#x"}, "geometry": geom}


def point(name: str, lon: float = 37.0, lat: float = 48.0) -> dict[str, Any]:
    return feature(name, {"type": "Point", "coordinates": [lon, lat, 0]})


def collection(*features: dict[str, Any]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def write_tar_xz(path: Path, members: dict[str, bytes]) -> Path:
    """A .tar.xz holding ``geojsons/<name>`` members, in the order given."""
    with tarfile.open(path, "w:xz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(f"geojsons/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


# --- the synthetic day: three snapshots, deliberately out of order in the archive ----------
EARLY = stamp("2024-06-01T08:00:00")  # 11:00 in Kyiv (UTC+3): not the day's last
LATE = stamp("2024-06-01T19:00:00")  # 22:00 in Kyiv: the snapshot of 1 June
NEXT = stamp("2024-06-01T22:30:00")  # 01:30 on 2 June in Kyiv: the snapshot of 2 June

OCCUPIED = square(37.0, 47.0, 0.2)
OCCUPIED_INSIDE = square(37.05, 47.05, 0.1)  # drawn twice: the union must not add it again
ORDLO = square(38.0, 47.5, 0.3)
CRIMEA = square(34.0, 45.0, 0.5)
CRIMEA_PART = square(35.0, 45.0, 0.2)
TUZLA = square(36.5, 45.25, 0.05)
# A bow-tie: invalid; make_valid splits it into two triangles meeting at (39.05, 46.05).
BOWTIE = Polygon([(39.0, 46.0), (39.1, 46.1), (39.1, 46.0), (39.0, 46.1)])
BOWTIE_FIXED = MultiPolygon(
    [
        Polygon([(39.0, 46.0), (39.05, 46.05), (39.0, 46.1)]),
        Polygon([(39.1, 46.0), (39.1, 46.1), (39.05, 46.05)]),
    ]
)
GREY_A = square(37.3, 47.0, 0.1)
GREY_B = square(37.5, 47.0, 0.1)
GREY_C = square(37.7, 47.0, 0.1)
LIBERATED = square(36.0, 47.0, 0.2)
LATVIA = square(27.6, 56.9, 0.3)  # satire named "occupied"
SNAKE = square(30.2, 45.25, 0.02)  # a label in 2024
EARLY_ONLY = square(30.0, 48.0, 0.2)  # only in the early snapshot: must not appear
NEXT_DAY = square(37.0, 47.0, 0.25)


CRIMEA_NAME = "Окупований Крим /// Occupied Crimea\xa0/// geoJSON.territories.crimea"


def late_snapshot() -> bytes:
    degenerate = {"type": "Polygon", "coordinates": [[[39.5, 46.0], [39.6, 46.0], [39.5, 46.0]]]}
    grey_collection = {
        "type": "GeometryCollection",
        "geometries": [
            geometry(GREY_B),
            geometry(GREY_C),
            {"type": "Point", "coordinates": [1, 2]},
        ],
    }
    crimea_collection = {
        "type": "GeometryCollection",
        "geometries": [geometry(CRIMEA, z=0.0), geometry(CRIMEA_PART)],
    }
    return collection(
        feature("Окуповано /// Occupied /// geoJSON.status.occupied\n", geometry(OCCUPIED, z=0)),
        feature("Окуповано /// Occupied\xa0/// geoJSON.status.occupied", OCCUPIED_INSIDE),
        feature("Окуповано /// Occupied", BOWTIE),
        feature("Окуповано", degenerate),
        feature("ОРДЛО /// CADR and CALR\xa0/// geoJSON.territories.ordlo", ORDLO),
        feature(CRIMEA_NAME, crimea_collection),
        feature("Острів Тузла /// Occupied Tuzla Island", TUZLA),
        feature("Статус невідомий /// Unknown status\xa0/// geoJSON.status.unknown\n", GREY_A),
        feature("Під питанням /// Contested", grey_collection),
        feature("Звільнено 25.03 /// Liberated 25.03", LIBERATED),
        feature("Окуповані території Латвії /// Occupied territories of Latvia\n", LATVIA),
        feature("Зміїний ///\xa0Snake Island /// geoJSON.zmiinyi_island", SNAKE),
        point("72 ОМБр"),  # units and places: never classified
        point("Бахмут"),
        feature("Лінія фронту", {"type": "LineString", "coordinates": [[37, 47], [38, 48]]}),
    )  # fmt: skip


@pytest.fixture
def day_archive(tmp_path: Path) -> Path:
    members = {
        f"{NEXT}.geojson": collection(feature("Окуповано /// Occupied", NEXT_DAY), point("x")),
        f"{LATE}.geojson": late_snapshot(),
        f"{EARLY}.geojson": collection(feature("Окуповано /// Occupied", EARLY_ONLY)),
    }
    return write_tar_xz(tmp_path / "raw.tar.xz", members)


def read_all(paths: list[Path]) -> tuple[dict[tuple[dt.date, Kind], Any], SourceReport]:
    report = SourceReport()
    snapshots = list(deepstate_raw.read(paths, report))
    by_key = {(s.date, s.kind): s for s in snapshots}
    assert len(by_key) == len(snapshots), "one snapshot per (date, kind)"
    return by_key, report


def test_the_last_snapshot_of_each_kyiv_day_wins(day_archive: Path) -> None:
    snapshots, report = read_all([day_archive])
    june1, june2 = dt.date(2024, 6, 1), dt.date(2024, 6, 2)
    # PRE_2022 on both days: 1 June has Crimea, ORDLO and Tuzla, 2 June has none.
    assert sorted(snapshots) == [
        (june1, Kind.CONTROLLED),
        (june1, Kind.GREY),
        (june1, Kind.PRE_2022),
        (june2, Kind.CONTROLLED),
        (june2, Kind.GREY),
        (june2, Kind.PRE_2022),
    ]
    assert snapshots[(june2, Kind.PRE_2022)].geometry.is_empty
    first = snapshots[(june1, Kind.CONTROLLED)]
    assert first.origin.endswith(f"geojsons/{LATE}.geojson")
    assert first.taken_at == dt.datetime(2024, 6, 1, 19, 0, tzinfo=UTC)
    assert not first.geometry.intersects(EARLY_ONLY)
    second = snapshots[(june2, Kind.CONTROLLED)]
    assert second.origin.endswith(f"geojsons/{NEXT}.geojson")
    assert second.taken_at == dt.datetime(2024, 6, 1, 22, 30, tzinfo=UTC)
    assert_km2_close(area_km2(second.geometry)[0], geod_area_km2(NEXT_DAY), what="2 June")
    assert snapshots[(june2, Kind.GREY)].geometry.is_empty
    assert report.counts["snapshots read"] == 3
    assert report.counts["snapshots chosen"] == 2
    assert report.counts["days with several snapshots"] == 1
    assert any("1 of 2 days" in note for note in report.notes)


def test_controlled_is_the_union_of_occupied_ordlo_crimea_and_tuzla(day_archive: Path) -> None:
    snapshots, _ = read_all([day_archive])
    controlled = snapshots[(dt.date(2024, 6, 1), Kind.CONTROLLED)].geometry
    # Figures first: pyproj on the hand-made shapes (OCCUPIED_INSIDE adds nothing).
    expected_km2 = sum(
        geod_area_km2(g) for g in (OCCUPIED, ORDLO, CRIMEA, CRIMEA_PART, TUZLA, BOWTIE_FIXED)
    )
    assert_km2_close(area_km2(controlled)[0], expected_km2, what="controlled, 1 June")
    # Then the geometry itself: nothing more, nothing less (liberated, satire, label out).
    expected = shapely.union_all([OCCUPIED, ORDLO, CRIMEA, CRIMEA_PART, TUZLA, BOWTIE_FIXED])
    assert geod_area_km2(controlled.symmetric_difference(expected)) < 1e-6
    assert controlled.is_valid
    assert not shapely.has_z(controlled)
    assert controlled.geom_type == "MultiPolygon"
    for excluded in (LIBERATED, LATVIA, SNAKE, GREY_A, GREY_B):
        assert not controlled.intersects(excluded)


def test_grey_is_separate_and_includes_geometry_collections(day_archive: Path) -> None:
    snapshots, _ = read_all([day_archive])
    grey = snapshots[(dt.date(2024, 6, 1), Kind.GREY)].geometry
    expected = sum(geod_area_km2(g) for g in (GREY_A, GREY_B, GREY_C))
    assert_km2_close(area_km2(grey)[0], expected, what="grey, 1 June")
    assert geod_area_km2(grey.symmetric_difference(MultiPolygon([GREY_A, GREY_B, GREY_C]))) < 1e-9


def test_report_counts_rules_points_lines_and_repairs(day_archive: Path) -> None:
    _, report = read_all([day_archive])
    counts = report.counts
    # Rules count polygon features in every snapshot read, chosen or not.
    assert counts["rule:occupied"] == 4 + 1 + 1  # late (incl. bow-tie, degenerate), next, early
    assert counts["rule:ordlo"] == counts["rule:crimea"] == counts["rule:tuzla"] == 1
    assert counts["rule:unknown_status"] == counts["rule:contested"] == 1
    assert counts["rule:liberated"] == counts["rule:latvia"] == 1
    assert counts["rule:snake_island_label"] == 1
    assert counts["points skipped"] == 2 + 1 + 1  # two features, one inside a collection, next
    assert counts["lines skipped"] == 1
    assert counts["repaired"] == 1
    assert counts["degenerate rings dropped"] == 1


def test_unknown_layers_fail_the_read_naming_every_one(tmp_path: Path) -> None:
    archive = write_tar_xz(
        tmp_path / "raw.tar.xz",
        {
            f"{LATE}.geojson": collection(
                feature("Окуповано /// Occupied", OCCUPIED),
                feature("Щось нове", GREY_A),
                feature(None, GREY_C),
            ),
            # Not the day's last snapshot, still checked.
            f"{EARLY}.geojson": collection(feature("Інша назва /// Other", GREY_B)),
            f"{NEXT}.geojson": collection(feature("Окуповано", NEXT_DAY), point("Unit name")),
        },
    )
    snapshots = deepstate_raw.read([archive], SourceReport())
    with pytest.raises(UnknownLayerError) as caught:
        next(snapshots)
    assert caught.value.names == ["<no name>", "Інша назва /// Other", "Щось нове"]
    assert "layers.py" in str(caught.value)


def test_positions_with_and_without_z_in_one_ring(tmp_path: Path) -> None:
    ring = [[x, y, 12.5] if k % 2 else [x, y] for k, (x, y) in enumerate(OCCUPIED.exterior.coords)]
    mixed = {"type": "Polygon", "coordinates": [ring]}
    archive = write_tar_xz(
        tmp_path / "raw.tar.xz", {f"{LATE}.geojson": collection(feature("Окуповано", mixed))}
    )
    (controlled, _grey, _pre_2022) = deepstate_raw.read([archive], SourceReport())
    assert not shapely.has_z(controlled.geometry)
    assert_km2_close(area_km2(controlled.geometry)[0], geod_area_km2(OCCUPIED))


@pytest.mark.parametrize(
    "ring",
    [[[37.0, 47.0], ["a", 47.0], [37.1, 47.1], [37.0, 47.0]], [[37.0], [37.1, 47.0, 0.0]], 5],
)
def test_malformed_positions_are_an_input_error(tmp_path: Path, ring: Any) -> None:
    bad = {"type": "Polygon", "coordinates": [ring]}
    archive = write_tar_xz(
        tmp_path / "raw.tar.xz", {f"{LATE}.geojson": collection(feature("Окуповано", bad))}
    )
    with pytest.raises(InputError, match=rf"{LATE}\.geojson: a polygon ring is not a list"):
        list(deepstate_raw.read([archive], SourceReport()))


def test_batches_of_one_day_give_the_same_snapshots(
    day_archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    together, _ = read_all([day_archive])
    monkeypatch.setattr(deepstate_raw, "_BATCH", 1)
    alone, _ = read_all([day_archive])
    assert sorted(alone) == sorted(together)
    for key, snapshot in together.items():
        assert alone[key].geometry.equals(snapshot.geometry), key
        assert alone[key].origin == snapshot.origin


def test_a_day_geos_cannot_merge_is_named(
    day_archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    merge = deepstate_raw._merge_groups

    def fail_on_next_day(groups):
        if any(len(g.coords) == 1 for g in groups):  # 2 June's controlled area
            raise shapely.errors.GEOSException("TopologyException: simulated")
        return merge(groups)

    monkeypatch.setattr(deepstate_raw, "_merge_groups", fail_on_next_day)
    with pytest.raises(InputError, match=rf"{NEXT}\.geojson: polygons cannot be merged"):
        list(deepstate_raw.read([day_archive], SourceReport()))


def test_a_corrupt_member_is_named(tmp_path: Path) -> None:
    archive = write_tar_xz(
        tmp_path / "raw.tar.xz",
        {
            f"{EARLY}.geojson": collection(feature("Окуповано", OCCUPIED)),
            f"{LATE}.geojson": b'{"type": "FeatureCollection", "features": [{"type": ',
        },
    )
    with pytest.raises(InputError, match=rf"raw\.tar\.xz:geojsons/{LATE}\.geojson: not valid JSON"):
        list(deepstate_raw.read([archive], SourceReport()))


def test_a_member_that_is_not_a_feature_collection_is_named(tmp_path: Path) -> None:
    archive = write_tar_xz(tmp_path / "raw.tar.xz", {f"{LATE}.geojson": b"[1, 2, 3]"})
    with pytest.raises(InputError, match=rf"{LATE}\.geojson: expected a GeoJSON FeatureCollection"):
        list(deepstate_raw.read([archive], SourceReport()))


def test_a_file_not_named_by_a_timestamp_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "snapshot.geojson"
    path.write_bytes(collection(feature("Окуповано", OCCUPIED)))
    with pytest.raises(InputError, match=r"snapshot\.geojson: .*unix timestamp"):
        list(deepstate_raw.read([path], SourceReport()))


def test_a_directory_reads_like_the_archive_and_duplicates_are_skipped(
    tmp_path: Path, day_archive: Path
) -> None:
    folder = tmp_path / "loose"
    folder.mkdir()
    (folder / f"{LATE}.geojson").write_bytes(late_snapshot())
    from_archive, _ = read_all([day_archive])
    from_both, report = read_all([day_archive, folder])
    assert report.counts["duplicate snapshots skipped"] == 1
    assert sorted(from_both) == sorted(from_archive)
    key = (dt.date(2024, 6, 1), Kind.CONTROLLED)
    assert from_both[key].geometry.equals(from_archive[key].geometry)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("1662846587.geojson", True),
        ("1662846587.GeoJSON", True),
        ("1662846587.json", False),
        ("166284658.geojson", False),
        ("deepstatemap_data_20240708.geojson", False),
        ("geojsons/1662846587.geojson", False),  # base names only
    ],
)
def test_looks_like(name: str, expected: bool) -> None:
    assert deepstate_raw.looks_like(name) is expected


@pytest.mark.parametrize(
    ("utc", "kyiv_day"),
    [
        ("2024-06-01T20:59:59", dt.date(2024, 6, 1)),  # summer, UTC+3: 23:59:59
        ("2024-06-01T21:00:00", dt.date(2024, 6, 2)),
        ("2024-01-15T21:59:59", dt.date(2024, 1, 15)),  # winter, UTC+2
        ("2024-01-15T22:00:00", dt.date(2024, 1, 16)),
        ("2024-03-30T22:30:00", dt.date(2024, 3, 31)),  # the night clocks go forward
    ],
)
def test_kyiv_date(utc: str, kyiv_day: dt.date) -> None:
    assert deepstate_raw.kyiv_date(stamp(utc)) == kyiv_day


# --- two days of the real archive -------------------------------------------------------
WEEK = (dt.date(2024, 10, 21), dt.date(2024, 10, 28))


@pytest.mark.shared_data
def test_real_week_of_october_2024(raw_archive: Path, daily_archive: Path, tmp_path: Path) -> None:
    """Read only the snapshots of 21 and 28 October 2024 (copied out of the archive).

    References: the published DeepState occupied area (Crimea and ORDLO included) of
    about 110,000–120,000 km² in 2024; the independent daily files of
    cyterat/deepstate-map-data for the same day; and the published gain for that week,
    ≈196 km² (see docs/GUIDE: periods).
    """
    with tarfile.open(raw_archive) as tar:
        for info in tar:
            base = info.name.rsplit("/", 1)[-1]
            if deepstate_raw.looks_like(base) and deepstate_raw.kyiv_date(int(base[:10])) in WEEK:
                (tmp_path / base).write_bytes(tar.extractfile(info).read())  # type: ignore[union-attr]
    snapshots, report = read_all([tmp_path])
    assert report.counts["snapshots chosen"] == 2
    before = snapshots[(WEEK[0], Kind.CONTROLLED)].geometry
    after = snapshots[(WEEK[1], Kind.CONTROLLED)].geometry
    area = area_km2(before)[0]
    assert 110_000 < area < 120_000

    daily = _daily_geometry(daily_archive, WEEK[0])
    # The daily files omit Tuzla island (4.4 km²); the rest differs by a few km² where
    # the two sources took different snapshots. 0.05 % ≈ 55 km².
    assert_km2_close(area, area_km2(daily)[0], rel=5e-4, what="raw vs daily, 2024-10-21")
    assert area_km2(daily.difference(before))[0] < 1.0

    gained = area_km2(after.difference(before))[0]
    assert 176 < gained < 216, f"gained {gained:.1f} km², published ≈196"
    grey = area_km2(snapshots[(WEEK[0], Kind.GREY)].geometry)[0]
    assert 100 < grey < 5_000

    # PRE_2022: Crimea (with Sevastopol about 26,900 km²) + ORDLO (about 16,800 km²) +
    # Tuzla, as DeepState draws them; inside the controlled area. On the first day it
    # is always yielded; on 28 October only if DeepState redrew those layers that week.
    pre = snapshots[(WEEK[0], Kind.PRE_2022)].geometry
    assert 40_000 < area_km2(pre)[0] < 47_000
    assert area_km2(pre.difference(before))[0] < 0.01
    assert report.counts["pre-2022 snapshots"] in (1, 2)


def _daily_geometry(archive: Path, day: dt.date) -> shapely.Geometry:
    wanted = f"deepstatemap_data_{day:%Y%m%d}.geojson"
    with tarfile.open(archive) as tar:
        for info in tar:
            if info.name.endswith(wanted):
                data = tar.extractfile(info).read()  # type: ignore[union-attr]
                parts = shapely.get_parts(shapely.from_geojson(data))
                return shapely.union_all(shapely.make_valid(parts))
    raise AssertionError(f"{wanted} not in {archive}")


# --- PRE_2022: the areas held before 24 February 2022, yielded when they change ----------
ORDLO_NAME = "ОРДЛО /// CADR and CALR\xa0/// geoJSON.territories.ordlo"
TUZLA_NAME = "Острів Тузла /// Occupied Tuzla Island"
ORDLO_WIDER = square(38.0, 47.5, 0.4)  # ORDLO redrawn on the third day, and kept
FOUR_DAYS = [stamp(f"2024-06-0{d}T12:00:00") for d in (1, 2, 3, 4)]  # 15:00 in Kyiv


def four_days(tmp_path: Path) -> Path:
    """Four days: the occupied area grows every day; ORDLO changes on day 3 only.

    Day 4 draws the same layers as day 3 in another order: other input to the merge
    (another digest), the same union, so no new PRE_2022 snapshot.
    """
    members = {}
    for k, when in enumerate(FOUR_DAYS):
        occupied = feature("Окуповано /// Occupied", square(37.0, 47.0, 0.2 + 0.01 * k))
        ordlo = feature(ORDLO_NAME, ORDLO if k < 2 else ORDLO_WIDER)
        crimea = feature(CRIMEA_NAME, CRIMEA)
        tuzla = feature(TUZLA_NAME, TUZLA)
        grey = feature("Статус невідомий /// Unknown status", GREY_A)
        layers = [occupied, ordlo, crimea, tuzla, grey]
        if k == 3:
            layers = [grey, tuzla, crimea, ordlo, occupied]
        members[f"{when}.geojson"] = collection(*layers)
    return write_tar_xz(tmp_path / "four.tar.xz", members)


def test_pre_2022_is_yielded_on_the_first_day_and_when_it_changes(tmp_path: Path) -> None:
    snapshots, report = read_all([four_days(tmp_path)])
    days = [dt.date(2024, 6, d) for d in (1, 2, 3, 4)]
    pre = {d: s for (d, kind), s in snapshots.items() if kind is Kind.PRE_2022}
    assert sorted(pre) == [days[0], days[2]]
    assert report.counts["pre-2022 snapshots"] == 2
    assert all((d, k) in snapshots for d in days for k in (Kind.CONTROLLED, Kind.GREY))
    for day, ordlo in ((days[0], ORDLO), (days[2], ORDLO_WIDER)):
        got = pre[day].geometry
        # Figures first (pyproj on the hand-made boxes, which do not overlap), then shape.
        expected_km2 = sum(geod_area_km2(g) for g in (CRIMEA, ordlo, TUZLA))
        assert_km2_close(area_km2(got)[0], expected_km2, what=f"pre-2022 on {day}")
        expected = shapely.union_all([CRIMEA, ordlo, TUZLA])
        assert geod_area_km2(got.symmetric_difference(expected)) < 1e-6
        assert pre[day].origin.endswith(f"{FOUR_DAYS[days.index(day)]}.geojson")
        # Neither the occupied layer nor the grey zone is in it.
        assert not got.intersects(square(37.0, 47.0, 0.2)) and not got.intersects(GREY_A)


def test_prepare_group_does_not_unite_pre_2022_with_grey(tmp_path: Path) -> None:
    from vigil.territory.prepare import prepare_group
    from vigil.territory.sources.base import CONTROLLED_GREY

    snapshots, _ = read_all([four_days(tmp_path)])
    day = dt.date(2024, 6, 1)
    group = [snapshots[(day, k)] for k in (Kind.CONTROLLED, Kind.GREY, Kind.PRE_2022)]
    prepared = {p.kind: p for p in prepare_group(group)}
    assert sorted(prepared) == sorted([Kind.CONTROLLED, Kind.GREY, Kind.PRE_2022, CONTROLLED_GREY])
    both = sum(geod_area_km2(g) for g in (square(37.0, 47.0, 0.2), ORDLO, CRIMEA, TUZLA, GREY_A))
    assert_km2_close(prepared[CONTROLLED_GREY].area_km2, both, what="controlled+grey")
    alone = prepare_group([snapshots[(day, Kind.PRE_2022)]])
    assert [p.kind for p in alone] == [Kind.PRE_2022]
    assert alone[0].content_hash == prepared[Kind.PRE_2022].content_hash


# --- the shortcuts change no stored byte -----------------------------------------------
def test_an_unchanged_day_is_not_merged_again_and_gives_the_same_geometry(
    tmp_path: Path,
) -> None:
    """Two days with the same map: the second reuses the first's merge (``merges
    reused``); each read alone (nothing to reuse) gives the same WKB."""
    same = late_snapshot()
    days = [stamp("2024-06-01T12:00:00"), stamp("2024-06-02T12:00:00")]
    both = write_tar_xz(tmp_path / "both.tar.xz", {f"{t}.geojson": same for t in days})
    together, report = read_all([both])
    assert report.counts["merges reused"] == 2  # controlled and grey of the second day
    for k, when in enumerate(days):
        alone_archive = write_tar_xz(tmp_path / f"alone{k}.tar.xz", {f"{when}.geojson": same})
        alone, alone_report = read_all([alone_archive])
        assert alone_report.counts["merges reused"] == 0
        day = deepstate_raw.kyiv_date(when)
        for kind in (Kind.CONTROLLED, Kind.GREY):
            assert together[(day, kind)].geometry.wkb == alone[(day, kind)].geometry.wkb
    assert report.counts["repaired"] == 2  # the bow-tie, on each day


def test_a_reused_preparation_stores_the_same_bytes(
    day_archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """prepare_group reuses a result for a geometry it prepared lately; the stored
    fields must be those of a fresh preparation, with the new day's date and origin."""
    from dataclasses import replace

    from vigil.territory import prepare

    snapshots, _ = read_all([day_archive])
    june1 = [snapshots[(dt.date(2024, 6, 1), k)] for k in (Kind.CONTROLLED, Kind.GREY)]
    later = dt.date(2024, 6, 9)
    again = [replace(s, date=later, origin="again.geojson") for s in june1]
    calls = []
    clean = prepare.clean
    monkeypatch.setattr(prepare, "clean", lambda g: calls.append(1) or clean(g))
    monkeypatch.setattr(prepare, "_RECENT", prepare.OrderedDict())
    first = prepare.prepare_group(june1)
    n_fresh = len(calls)
    reused = prepare.prepare_group(again)
    assert len(calls) == n_fresh, "the second group was prepared again"
    monkeypatch.setattr(prepare, "_RECENT_SIZE", 0)  # no reuse at all
    monkeypatch.setattr(prepare, "_RECENT", prepare.OrderedDict())
    fresh = prepare.prepare_group(again)
    assert len(calls) == 2 * n_fresh
    assert [p.kind for p in reused] == [p.kind for p in fresh] == [p.kind for p in first]
    for r, f in zip(reused, fresh, strict=True):
        assert r == f, r.kind
        assert (r.date, r.origin) == (later, "again.geojson")


TRICKY = {
    # edges on grid lines, a vertex on a cell corner, a hole, parts in separate cells
    "on grid lines": rectangle(36.0, 47.0, 36.5, 47.75, step_deg=0.05),
    "corner touch": MultiPolygon([square(36.0, 47.0, 0.25), square(36.25, 47.25, 0.25)]),
    "hole": Polygon(
        square(36.1, 47.1, 1.0).exterior.coords, [square(36.3, 47.3, 0.4).exterior.coords]
    ),
    "several parts": MultiPolygon([square(36.1, 47.1, 0.6), square(37.6, 47.05, 0.02), TUZLA]),
    "thin diagonal": Polygon([(35.0, 46.0), (36.9, 47.9), (36.91, 47.9), (35.01, 46.0)]),
    "two parts in a cell, one apart": MultiPolygon(
        [square(36.05, 47.05, 0.05), square(36.15, 47.15, 0.05), square(36.6, 47.6, 0.3)]
    ),
}


@pytest.mark.parametrize("shape", TRICKY.values(), ids=TRICKY.keys())
def test_the_tile_cut_gives_the_pieces_of_a_test_on_every_cell(shape: Polygon) -> None:
    """tiles.cut decides most cells without GEOS predicates and clips crossed cells
    against nearby polygons only; the plain cut (predicates on every cell, clipping the
    whole geometry) must give the very same pieces."""
    from vigil.territory import tiles
    from vigil.territory.prepare import clean

    for geometry in (shape, clean(shape)[0]):
        fast = tiles.cut(geometry)
        x0, y0, x1, y1 = geometry.bounds
        size = tiles.TILE_DEG
        cols = np.arange(int(np.floor(x0 / size)), int(np.floor(x1 / size)) + 1)
        rows = np.arange(int(np.floor(y0 / size)), int(np.floor(y1 / size)) + 1)
        ix, iy = (a.ravel() for a in np.meshgrid(cols, rows))
        plain = tiles._cut_every_cell(geometry, ix, iy, size)
        assert fast.ix.tolist() == plain.ix.tolist() and fast.iy.tolist() == plain.iy.tolist()
        assert fast.wkbs == plain.wkbs
        assert fast.hashes == plain.hashes
        assert len(fast.wkbs) > 1
        again = tiles.cut(geometry)  # whole cells now come from tiles._WHOLE
        assert again.wkbs == fast.wkbs and again.ix.tolist() == fast.ix.tolist()
