"""One continuous DeepState timeline: dates by map, sources joined at a seam (issue 14).

Known answers by construction: tiny raw snapshots (one a day, 22:00 Kyiv) and daily
files whose squares are chosen so that each figure is the geodesic area of a known
shape (vigil.testing.geod_area_km2, pyproj alone), compared with what Vigil reports.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import sqlite3
import tarfile
from pathlib import Path

import pytest
import shapely
from shapely.geometry import Polygon, mapping

from tests.cli_runner import vigil
from vigil.errors import InputError, NoDataError
from vigil.territory.api import JOINED_DEEPSTATE, Territory
from vigil.testing import assert_km2_close, geod_area_km2, square, write_daily_archive

KYIV_EVENING = dt.time(19, 0)  # UTC: 22:00 in Kyiv in summer, the day's last snapshot
FRONT = square(37.0, 47.0, 0.2)  # the occupied area on the first day
TUZLA = square(36.5, 45.25, 0.05)  # drawn by the raw maps only (as in the real archives)
GREY = square(37.3, 47.0, 0.05)


def grown(days: int) -> Polygon:
    """The occupied area ``days`` after the first day: 0.01° wider per day."""
    return square(37.0, 47.0, 0.2 + 0.01 * days) if days else FRONT


def _tar(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:xz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _collection(*features: tuple[str | None, Polygon]) -> bytes:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": {"name": n} if n else {}, "geometry": mapping(g)}
                for n, g in features
            ],
        }
    ).encode()


DAY0 = dt.date(2024, 7, 1)


def raw_archive(tmp_path: Path, days: range) -> Path:
    """One raw snapshot per Kyiv day ``DAY0 + i``: occupied ``grown(i)``, Tuzla, grey."""
    members = {}
    for i in days:
        moment = dt.datetime.combine(DAY0 + dt.timedelta(days=i), KYIV_EVENING, tzinfo=dt.UTC)
        members[f"geojsons/{int(moment.timestamp())}.geojson"] = _collection(
            ("Окуповано /// Occupied /// geoJSON.status.occupied", grown(i)),
            ("Острів Тузла /// Occupied Tuzla Island", TUZLA),
            ("Статус невідомий /// Unknown status /// geoJSON.status.unknown", GREY),
        )
    return _tar(tmp_path / "raw.tar.xz", members)


def daily_archive(tmp_path: Path, days: range) -> Path:
    """The daily files of the same maps (no Tuzla, no grey), as cyterat/deepstate-map-data
    publishes them: the file of day D holds the map of D-1 (vigil.testing's contract)."""
    maps = {DAY0 + dt.timedelta(days=i): grown(i) for i in days}
    return write_daily_archive(tmp_path / "daily.tar.xz", maps)


@pytest.fixture
def joined(tmp_path: Path) -> Territory:
    """Raw maps of days 0-13, daily files of the maps of days 5-19: joined at day 13."""
    store = tmp_path / "t.sqlite"
    with Territory(store, create=True) as t:
        t.ingest([raw_archive(tmp_path, range(14))], jobs=1)
        report = t.ingest([daily_archive(tmp_path, range(5, 20))], jobs=1)
    assert any(n.startswith(f"{JOINED_DEEPSTATE}: deepstate-raw up to") for n in report.notes)
    t = Territory(store)
    yield t
    t.close()


def km2(geom: shapely.Geometry) -> float:
    """The independent area: pyproj alone, edges straight in lon/lat as the store reads them."""
    return geod_area_km2(geom, straight_edges=True)


def day(i: int) -> dt.date:
    return DAY0 + dt.timedelta(days=i)


def test_a_daily_file_is_dated_by_its_map(tmp_path: Path) -> None:
    with Territory(tmp_path / "t.sqlite", create=True) as t:
        t.ingest([daily_archive(tmp_path, range(3))], jobs=1)
        assert t.dates() == [day(0), day(1), day(2)]  # files of days 1, 2, 3
        assert_km2_close(t.area(day(2)).controlled_km2, km2(grown(2)))
        assert t.store.source_dating("deepstate-daily").startswith("map date")


def test_a_store_dated_by_file_name_is_redated_whole(tmp_path: Path) -> None:
    store = tmp_path / "t.sqlite"
    archive = daily_archive(tmp_path, range(3))
    with Territory(store, create=True) as t:
        t.ingest([archive], jobs=1)
    # what a store ingested before schema 5 held: file dates, dating 'file date'
    db = sqlite3.connect(store)
    db.execute("UPDATE snapshots SET date = date(date, '+101 day')")
    db.execute("UPDATE snapshots SET date = date(date, '-100 day')")
    db.execute("UPDATE sources SET dating = 'file date'")
    # and the fingerprint of that ingest, with the dates it gave: the same archive must
    # still be read again, to re-date it
    for key, given in db.execute(
        "SELECT fingerprint, snapshots FROM input_fingerprints"
    ).fetchall():
        shifted = [
            [kind, (dt.date.fromisoformat(d) + dt.timedelta(days=1)).isoformat(), h]
            for kind, d, h in json.loads(given)
        ]
        db.execute(
            "UPDATE input_fingerprints SET snapshots = ? WHERE fingerprint = ?",
            (json.dumps(shifted), key),
        )
    db.commit()
    db.close()
    with Territory(store) as t:
        assert t.dates() == [day(1), day(2), day(3)]
        report = t.ingest([archive], jobs=1)
        assert t.dates() == [day(0), day(1), day(2)]
        assert_km2_close(t.area(day(0)).controlled_km2, km2(grown(0)))
    assert report.added == 3
    assert any("3 snapshots held under another date convention" in n for n in report.notes)


def test_the_join_reads_each_date_from_its_archive(joined: Territory) -> None:
    t = joined
    assert t.resolve_source() == JOINED_DEEPSTATE  # its parts are not offered by default
    assert t.dates() == [day(i) for i in range(20)]
    early, late = t.area(day(3)), t.area(day(15))
    assert (early.archive, late.archive) == ("deepstate-raw", "deepstate-daily")
    assert_km2_close(early.controlled_km2, km2(shapely.union(grown(3), TUZLA)))
    assert_km2_close(late.controlled_km2, km2(grown(15)))
    # a part is still there by name
    assert_km2_close(t.area(day(7), source="deepstate-daily").controlled_km2, km2(grown(7)))


def test_a_change_across_the_seam_names_both_archives(joined: Territory) -> None:
    change = joined.change(day(11), day(16))
    assert (change.archive_from, change.archive_to) == ("deepstate-raw", "deepstate-daily")
    assert_km2_close(change.gained_km2, km2(grown(16).difference(grown(11))))
    assert_km2_close(change.lost_km2, km2(TUZLA))  # the seam's step, not a loss


def test_the_seam_is_measured(joined: Territory) -> None:
    (raw, daily) = joined.store.parts(JOINED_DEEPSTATE)
    assert (raw.name, raw.until, daily.name, daily.until) == (
        "deepstate-raw",
        day(13),
        "deepstate-daily",
        None,
    )
    seam = raw.seam
    assert seam is not None and daily.seam is None
    assert_km2_close(seam["step_km2"], -km2(TUZLA))
    assert_km2_close(seam["only_from_km2"], km2(TUZLA))
    assert seam["only_to_km2"] == pytest.approx(0, abs=1e-6)
    assert seam["largest"][0]["only_in"] == "deepstate-raw"
    assert seam["overlap_days"] == 9  # maps of days 5-13 in both
    assert_km2_close(seam["area_diff_median_km2"], -km2(TUZLA))
    assert seam["weekly_net_diff_median_km2"] == pytest.approx(0, abs=1e-6)


def test_a_series_spans_the_seam(joined: Territory) -> None:
    series = joined.series("day", date_from=day(0), date_to=day(19))
    # a day is the map of the day before → its own map: day 0 has no day before
    assert list(series.period_start) == [day(i) for i in range(1, 19)]
    at_seam = series[series.period_start == day(14)].iloc[0]  # maps of days 13 → 14
    assert (at_seam.archive_start, at_seam.archive_end) == ("deepstate-raw", "deepstate-daily")
    assert_km2_close(at_seam.net_km2, km2(grown(14)) - km2(shapely.union(grown(13), TUZLA)))
    later = series[series.period_start == day(15)].iloc[0]
    assert_km2_close(later.gained_km2, km2(grown(15).difference(grown(14))))


def test_the_grey_zone_ends_with_the_archive_that_has_it(joined: Territory) -> None:
    assert_km2_close(joined.area(day(4), with_grey=True).grey_km2, km2(GREY))
    with pytest.raises(NoDataError, match="deepstate-daily, which stands for 2024-07-15"):
        joined.area(day(14), with_grey=True)


def test_join_by_hand_and_its_errors(joined: Territory) -> None:
    parts = joined.join("mine", ["deepstate-raw", "deepstate-daily"], until=[day(6)])
    assert parts[0].until == day(6)
    assert joined.area(day(7), source="mine").archive == "deepstate-daily"
    with pytest.raises(InputError, match="at least two"):
        joined.join("x", ["deepstate-raw"])
    with pytest.raises(InputError, match="is itself joined"):
        joined.join("x", ["mine", "deepstate-daily"])
    with pytest.raises(NoDataError, match="'nope' is not in this store"):
        joined.join("x", ["deepstate-raw", "nope"])
    with pytest.raises(InputError, match="expected 1 dates"):
        joined.join("x", ["deepstate-raw", "deepstate-daily"], until=[day(1), day(2)])


def test_sources_and_join_from_the_cli(
    joined: Territory, capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(joined.store.path)
    run = vigil(capsys, "territory", "sources", "--store", store, "--format", "json")
    assert run.code == 0, run.err
    rows = {r["source"]: r for r in json.loads(run.out)}
    assert set(rows) == {"deepstate", "deepstate-raw", "deepstate-daily"}
    assert rows["deepstate"]["parts"] == "deepstate-raw until 2024-07-14, then deepstate-daily"
    assert rows["deepstate"]["snapshots"] == 20 and rows["deepstate-daily"]["first"] == "2024-07-06"
    assert rows["deepstate"]["kinds"].startswith("controlled, grey (until 2024-07-14)")
    assert rows["deepstate-daily"]["dating"].startswith("map date: the file of day D")
    table = vigil(capsys, "territory", "sources", "--store", store)
    assert table.code == 0 and "step" in table.out
    run = vigil(capsys, "territory", "join", "later", "deepstate-raw", "deepstate-daily",
                "--until", "2024-07-08", "--store", store)  # fmt: skip
    assert run.code == 0, run.err
    assert "later: deepstate-raw until 2024-07-08" in run.out
    bad = vigil(capsys, "territory", "join", "x", "deepstate-raw", "--store", store)
    assert bad.code != 0 and "at least two" in bad.err and "Traceback" not in bad.err


def test_a_joined_source_takes_no_ingest(
    joined: Territory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(joined.store.path)
    other = tmp_path / "other"
    other.mkdir()
    archive = daily_archive(other, range(2))
    before = joined.store.snapshot_table()
    run = vigil(capsys, "territory", "ingest", archive, "--source", "deepstate", "--store", store)
    assert run.code != 0 and "joined from other sources (deepstate-raw," in run.err, run
    assert "Traceback" not in run.err
    after = joined.store.snapshot_table()
    assert before.equals(after)


# --- redraws: the seam's step is flagged, and figures come with and without it ---------
def test_the_seam_step_is_a_flagged_fragment(joined: Territory) -> None:
    plain = joined.change(day(11), day(16))
    flagged = joined.change(day(11), day(16), redraws=True)
    frags = flagged.fragments
    (tuzla,) = frags[frags.direction == "lost"].itertuples()
    assert "seam" in tuzla.redraw.split(",")
    assert (frags[frags.direction == "gained"].redraw == "").all()  # the advance is not
    assert_km2_close(flagged.lost_redraw_km2, km2(TUZLA))
    assert flagged.gained_redraw_km2 == 0
    assert flagged.lost_km2 == plain.lost_km2 and flagged.net_km2 == plain.net_km2
    excluded = joined.change(day(11), day(16), exclude_redraws=True)
    assert excluded.lost_km2 == pytest.approx(0, abs=1e-6)
    assert_km2_close(excluded.net_km2, km2(grown(16)) - km2(grown(11)))
    summary = excluded.summary()
    assert summary["redraws_excluded"] is True
    assert summary["redraw_reasons"].split(", ") == sorted(tuzla.redraw.split(","))
    # within one archive nothing is a seam
    inside = joined.change(day(1), day(5), redraws=True)
    assert inside.gained_redraw_km2 == 0 and inside.lost_redraw_km2 == 0


def test_series_and_records_with_and_without_redraws(joined: Territory) -> None:
    both = joined.series("day", date_from=day(1), date_to=day(19), redraws=True)
    out = joined.series("day", date_from=day(1), date_to=day(19), exclude_redraws=True)
    at_seam = both.period_start == day(14)  # the map of day 13 (raw) → day 14 (daily)
    assert_km2_close(both.lost_redraw_km2[at_seam].item(), km2(TUZLA))
    assert (both.lost_redraw_km2[~at_seam] == 0).all()
    assert out.lost_km2[at_seam].item() == pytest.approx(0, abs=1e-6)
    assert out.net_km2.to_numpy() == pytest.approx(
        (both.net_km2 - both.gained_redraw_km2 + both.lost_redraw_km2).to_numpy()
    )
    # the seam day is the largest daily loss in the data only because of the seam
    records = joined.records("day", metric="lost", redraws=True)
    row = records[records.period_start == day(14)].iloc[0]
    assert row.value > 0 and row.rank_in_year == 1 and row.depends_on_redraw
    assert row.alt_value == pytest.approx(0, abs=1e-6)
    assert not records[records.period_start != day(14)].depends_on_redraw.any()
    gains = joined.records("day", metric="gained", redraws=True)
    assert not gains.depends_on_redraw.any()


def test_the_records_sentence_says_a_record_rests_on_a_redraw(
    joined: Territory, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["territory", "records", "--freq", "day", "--metric", "lost", "--store"]
    run = vigil(capsys, *args, joined.store.path, "--period", day(14))
    assert run.code == 0, run.err
    assert "flagged as the source's redraws" in run.out
    excluded = vigil(capsys, *args, joined.store.path, "--period", day(14), "--exclude-redraws")
    assert excluded.code == 0 and "with them the value is" in excluded.out
    none = vigil(capsys, *args, joined.store.path, "--period", day(14), "--no-redraws")
    assert none.code == 0 and "redraw" not in none.out


def test_the_joined_history_is_the_default_beside_another_source(
    joined: Territory, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    joined.ingest([daily_archive(other, range(3))], source="elsewhere", jobs=1)
    assert joined.resolve_source() == JOINED_DEEPSTATE
    assert joined.resolve_source("elsewhere") == "elsewhere"


# --- regions and settlements across the seam -------------------------------------------
def test_regions_and_settlements_across_the_seam(
    joined: Territory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One oblast around every map; settlements: one reached by the daily maps after the
    seam, one in the raw maps' grey square (which the daily maps do not draw), one on
    Tuzla (drawn by the raw maps only)."""
    import geopandas as gpd

    store = joined.store.path
    gpd.GeoDataFrame(
        {"iso": ["ZZ-1"], "name": ["Тест"]}, geometry=[square(36.0, 45.0, 3.0)], crs="EPSG:4326"
    ).to_file(tmp_path / "oblast.gpkg")
    oblast = tmp_path / "oblast.gpkg"
    run = vigil(capsys, "territory", "geography", "import", oblast, "--level", "oblast",
                "--code-field", "iso", "--name-field", "name", "--store", store)  # fmt: skip
    assert run.code == 0, run.err
    inside = shapely.Point(37.0 + 0.2 + 0.01 * 14.5, 47.1)  # in grown(15), not grown(11)
    grey = GREY.centroid
    tuzla = TUZLA.centroid
    rows = [("S1", inside), ("S2", grey), ("S3", tuzla)]
    (tmp_path / "places.csv").write_text(
        "katotth,name_uk,lon,lat,located,oblast\n"
        + "".join(f"{c},{c},{p.x},{p.y},1,ZZ-1\n" for c, p in rows),
        encoding="utf-8",
    )
    run = vigil(capsys, "territory", "geography", "import", tmp_path / "places.csv", "--level",
                "settlement", "--located-field", "located", "--oblast-field", "oblast",
                "--store", store)  # fmt: skip
    assert run.code == 0, run.err
    with Territory(store) as t:
        regions = t.regions("oblast", date_from=day(11), date_to=day(16))
        (row,) = regions.to_dict(orient="records")
        assert (row["archive_from"], row["archive_to"]) == ("deepstate-raw", "deepstate-daily")
        assert_km2_close(row["gained_km2"], km2(grown(16).difference(grown(11))))
        assert_km2_close(row["lost_km2"], km2(TUZLA))  # the seam's step, in this oblast
        changed, _ = t.settlement_changes(day(11), day(16))
    by_code = {r["code"]: r for r in changed.to_dict(orient="records")}
    assert by_code["S1"]["to_status"] == "controlled"
    assert by_code["S1"]["since"] == day(15)
    # the grey village is read without a grey zone on both sides of the seam: free (not
    # grey) at day 11 in the raw maps, controlled once the occupied area reaches it
    s2 = by_code["S2"]
    assert (s2["from_status"], s2["to_status"], s2["since"]) == ("free", "controlled", day(13))
    assert by_code["S3"]["from_status"] == "controlled"  # Tuzla: the seam's own step
