"""The territory store: idempotent ingest, replacement, clean-up, and all-or-nothing writes.

Synthetic daily files (vigil.testing.write_daily / write_daily_archive) are ingested
into a store under tmp_path. "Unchanged" is checked on the SQLite file itself: a dump
of every row of every table (vigil.testing.dump_store), read through a separate
read-only connection, before and after. Areas are checked against pyproj
(vigil.testing.geod_area_km2) within 1e-9 relative (the stored area is computed on
the whole geometry, so only float round-off separates the two).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon

from vigil.errors import InputError, StoreError
from vigil.territory import open_store
from vigil.territory import sources as sources_mod
from vigil.territory.store import SCHEMA_VERSION
from vigil.testing import (
    assert_km2_close,
    dump_store,
    geod_area_km2,
    rectangle,
    write_daily,
    write_daily_archive,
)

DAYS = [dt.date(2024, 10, 21) + dt.timedelta(days=i) for i in range(6)]


def shape(i: int) -> Polygon:
    """Day i: a 0.6° box (several cells) whose east edge advances 0.01° a day."""
    return rectangle(35.92, 47.92, 36.52 + 0.01 * i, 48.52, step_deg=0.01)


MAPS = {d: shape(i) for i, d in enumerate(DAYS)}
FIRST, REST = dict(list(MAPS.items())[:3]), dict(list(MAPS.items())[3:])


@pytest.fixture
def path(tmp_path):
    return tmp_path / "store.sqlite"


@pytest.fixture
def seeded(tmp_path, path):
    """A store holding the first three days; returns (Territory, dump of its rows)."""
    folder = tmp_path / "first"
    write_daily(folder, FIRST)
    t = open_store(path, create=True)
    t.ingest([folder], jobs=1)
    yield t, dump_store(path)
    t.close()


def referenced_hashes(db: sqlite3.Connection) -> set[bytes]:
    """Piece hashes the snapshots' tile indexes refer to, decoded by hand: records of
    24 bytes (ix int32, iy int32, 16-byte hash)."""
    used = set()
    for (blob,) in db.execute("SELECT tiles FROM snapshots"):
        assert len(blob) % 24 == 0
        used.update(blob[k + 8 : k + 24] for k in range(0, len(blob), 24))
    return used


# --- what an ingest stores -----------------------------------------------------------------


def test_ingest_stores_every_day_with_its_area(seeded, path):
    t, _ = seeded
    assert t.dates() == list(FIRST)
    table = t.store.snapshot_table()
    for row in table.itertuples():
        assert_km2_close(row.area_km2, geod_area_km2(FIRST[row.date]), rel=1e-9, what=row.date)
    # The stored geometry is the input shape (normalised).
    for d, geom in FIRST.items():
        assert shapely.equals(t.geometry(d), geom)
    db = sqlite3.connect(path)
    stored = {r[0] for r in db.execute("SELECT hash FROM tile_pieces")}
    assert stored == referenced_hashes(db), "every piece referenced, every reference stored"
    db.close()


def test_the_ingest_log_keeps_what_the_reader_counted(seeded, tmp_path):
    t, _ = seeded
    folder = tmp_path / "rest"
    write_daily(folder, REST)
    t.ingest([folder], jobs=1)
    log = t.store.ingests()
    assert list(log.inputs.map(json.loads)) == [[str(tmp_path / "first")], [str(folder)]]
    second = json.loads(log.report.iloc[-1])
    assert second["counts"] == {"files": len(REST)}  # filled while reading, saved after
    assert second["added"] == len(REST) and second["unchanged"] == 0


def test_overlapping_features_count_once_and_a_bow_tie_is_repaired(path, tmp_path):
    # A file with three features: two overlapping squares and a self-intersecting
    # "bow tie" (two triangles meeting at 36.55, 48.55). Controlled area = their union.
    a, b = rectangle(36.1, 48.1, 36.2, 48.2), rectangle(36.15, 48.1, 36.25, 48.2)
    bow_tie = Polygon([(36.5, 48.5), (36.6, 48.6), (36.6, 48.5), (36.5, 48.6)])
    triangles = [
        Polygon([(36.5, 48.5), (36.55, 48.55), (36.5, 48.6)]),
        Polygon([(36.6, 48.5), (36.6, 48.6), (36.55, 48.55)]),
    ]
    features = [
        {"type": "Feature", "properties": {}, "geometry": json.loads(shapely.to_geojson(g))}
        for g in (a, b, bow_tie)
    ]
    folder = tmp_path / "odd"
    write_daily(
        folder, {DAYS[0]: json.dumps({"type": "FeatureCollection", "features": features}).encode()}
    )
    with open_store(path, create=True) as t:
        report = t.ingest([folder], jobs=1)
        assert report.repaired == 1
        # Snapshots are measured with straight lon/lat edges (GeoJSON's reading).
        union = rectangle(36.1, 48.1, 36.25, 48.2)
        expected = sum(geod_area_km2(p, straight_edges=True) for p in [union, *triangles])
        assert_km2_close(t.area(DAYS[0]).controlled_km2, expected, rel=1e-7, what="union")


def test_archive_and_directory_give_the_same_snapshots(tmp_path):
    folder = tmp_path / "dir"
    write_daily(folder, MAPS)
    archive = write_daily_archive(tmp_path / "maps.tar.xz", MAPS)
    results = []
    for name, inputs in (("a", [folder]), ("b", [archive])):
        with open_store(tmp_path / f"{name}.sqlite", create=True) as t:
            report = t.ingest(inputs, jobs=1)
            assert (report.added, report.first, report.last) == (6, DAYS[0], DAYS[-1])
            assert report.format == "deepstate-daily"
            results.append(t.store.snapshot_table()[["date", "content_hash", "area_km2"]])
    assert results[0].equals(results[1])


def test_parallel_ingest_stores_the_same(tmp_path):
    folder = tmp_path / "dir"
    write_daily(folder, MAPS)
    dumps = []
    for jobs in (1, 2):
        p = tmp_path / f"jobs{jobs}.sqlite"
        with open_store(p, create=True) as t:
            t.ingest([folder], jobs=jobs)
        d = dump_store(p)
        dumps.append((d["snapshots"], d["tile_pieces"]))
    assert dumps[0] == dumps[1]


def test_opening_a_missing_store_without_create(tmp_path):
    with pytest.raises(StoreError, match="no store here"):
        open_store(tmp_path / "absent.sqlite")


def test_a_file_that_is_not_a_store(tmp_path):
    bogus = tmp_path / "bogus.sqlite"
    bogus.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a Vigil store"):
        open_store(bogus)


# --- re-ingest -----------------------------------------------------------------------------


def test_reingesting_the_same_data_changes_nothing(seeded, tmp_path, path):
    t, before = seeded
    again = tmp_path / "again"
    write_daily(again, FIRST)
    report = t.ingest([again], jobs=1)
    assert (report.added, report.replaced, report.unchanged) == (0, [], 3)
    after = dump_store(path)
    for table in ("meta", "sources", "snapshots", "tile_pieces"):
        assert after[table] == before[table], f"{table} changed"
    assert len(after["ingests"]) == len(before["ingests"]) + 1, "the ingest itself is logged"


def test_a_changed_day_is_replaced_and_reported(seeded, tmp_path, path):
    t, before = seeded
    changed = dict(FIRST)
    day = DAYS[1]
    changed[day] = MultiPolygon([shape(1), rectangle(36.7, 48.03, 36.8, 48.13, step_deg=0.01)])
    folder = tmp_path / "changed"
    write_daily(folder, changed)
    report = t.ingest([folder], jobs=1)
    assert (report.added, report.unchanged) == (0, 2)
    assert report.replaced == [f"controlled {day}"]
    assert_km2_close(t.area(day).controlled_km2, geod_area_km2(changed[day]), rel=1e-9)
    after = dump_store(path)
    old_rows = {r[3]: r for r in before["snapshots"]}  # keyed by date
    new_rows = {r[3]: r for r in after["snapshots"]}
    assert old_rows.keys() == new_rows.keys()
    for d in FIRST:
        if d == day:
            assert new_rows[d.isoformat()][5] != old_rows[d.isoformat()][5]  # content_hash
        else:
            assert new_rows[d.isoformat()] == old_rows[d.isoformat()]
    # The change now shows the new island as gained on the 22nd and lost on the 23rd.
    island = geod_area_km2(rectangle(36.7, 48.03, 36.8, 48.13, step_deg=0.01))
    assert t.change(DAYS[1], DAYS[2]).lost_km2 == pytest.approx(island, abs=1e-4)


def test_orphan_pieces_are_removed_after_a_replacement(seeded, tmp_path, path):
    t, before = seeded
    old_pieces = {r[0] for r in before["tile_pieces"]}
    changed = dict(FIRST)
    changed[DAYS[2]] = shape(0)  # day 2 now equals day 0: its own edge pieces are orphans
    folder = tmp_path / "changed"
    write_daily(folder, changed)
    t.ingest([folder], jobs=1)
    db = sqlite3.connect(path)
    stored = {r[0] for r in db.execute("SELECT hash FROM tile_pieces")}
    used = referenced_hashes(db)
    db.close()
    assert stored == used, "no orphan piece and no dangling reference"
    assert stored < old_pieces, "the pieces only the old day 2 had are gone"
    # Pieces still shared with other days survive: every change still computes.
    assert t.change(DAYS[0], DAYS[2]).gained_km2 == 0.0
    strip = rectangle(36.52, 47.92, 36.53, 48.52, step_deg=0.01)
    assert_km2_close(t.change(DAYS[1], DAYS[2]).lost_km2, geod_area_km2(strip), abs_km2=1e-4)


def test_replacing_with_pieces_shared_by_other_days_keeps_them(seeded, tmp_path, path):
    t, _ = seeded
    changed = {DAYS[1]: shape(2)}  # day 1 becomes day 2: all its pieces exist already
    folder = tmp_path / "changed"
    write_daily(folder, changed)
    report = t.ingest([folder], jobs=1)
    assert report.replaced == [f"controlled {DAYS[1]}"]
    db = sqlite3.connect(path)
    assert {r[0] for r in db.execute("SELECT hash FROM tile_pieces")} == referenced_hashes(db)
    db.close()
    assert t.change(DAYS[1], DAYS[2]).gained_km2 == 0.0
    assert t.change(DAYS[0], DAYS[2]).gained_km2 > 0


# --- all or nothing --------------------------------------------------------------------------


def changed_and_new(tmp_path):
    """A directory with the three known days (day 1 changed) and three new days."""
    maps = dict(FIRST) | REST
    maps[DAYS[1]] = MultiPolygon([shape(1), rectangle(36.7, 48.03, 36.8, 48.13, step_deg=0.01)])
    folder = tmp_path / "next"
    write_daily(folder, maps)
    return folder


@pytest.mark.parametrize("jobs", [1, 2])
def test_ctrl_c_from_a_progress_callback_rolls_back(seeded, tmp_path, path, jobs):
    t, before = seeded
    calls = []

    def progress(n: int, label: str) -> None:
        calls.append(label)
        if n == 4:  # after the replaced day and a new day went through
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        t.ingest([changed_and_new(tmp_path)], jobs=jobs, progress=progress)
    assert len(calls) == 4
    assert dump_store(path) == before
    # The store is not left locked or confused: the same ingest then succeeds.
    report = t.ingest([changed_and_new(tmp_path)], jobs=jobs)
    assert (report.added, len(report.replaced), report.unchanged) == (3, 1, 2)


@pytest.mark.parametrize("jobs", [1, 2])
def test_ctrl_c_inside_the_input_iterator_rolls_back(seeded, tmp_path, path, monkeypatch, jobs):
    t, before = seeded
    real_read = sources_mod.read

    def interrupted(*args, **kwargs):
        for n, snapshot in enumerate(real_read(*args, **kwargs), 1):
            if n == 5:
                raise KeyboardInterrupt
            yield snapshot

    monkeypatch.setattr(sources_mod, "read", interrupted)
    with pytest.raises(KeyboardInterrupt):
        t.ingest([changed_and_new(tmp_path)], jobs=jobs)
    assert dump_store(path) == before
    monkeypatch.undo()
    assert t.ingest([changed_and_new(tmp_path)], jobs=jobs).added == 3


def test_a_corrupt_file_in_the_middle_of_an_archive_rolls_back(seeded, tmp_path, path):
    t, before = seeded
    maps = dict(REST)
    maps[DAYS[1]] = shape(5)  # a replacement before the corrupt member…
    bad_day = dt.date(2024, 11, 1)
    members = {
        DAYS[3]: maps[DAYS[3]],
        DAYS[1]: maps[DAYS[1]],
        bad_day: b'{"type": "FeatureCollection", "features": [{"type": "Fea',
        DAYS[4]: maps[DAYS[4]],
        DAYS[5]: maps[DAYS[5]],
    }
    archive = write_daily_archive(tmp_path / "bad.tar.xz", members)
    # the map of 1 November is published in the file named 2 November
    with pytest.raises(InputError, match=r"deepstatemap_data_20241102\.geojson: not valid GeoJSON"):
        t.ingest([archive], jobs=1)
    assert dump_store(path) == before


def test_a_failed_first_ingest_leaves_no_store_behind(tmp_path):
    target = tmp_path / "new" / "store.sqlite"
    archive = write_daily_archive(tmp_path / "bad.tar.xz", {DAYS[0]: shape(0), DAYS[1]: b"{"})
    t = open_store(target, create=True)
    with pytest.raises(InputError, match="not valid GeoJSON"):
        t.ingest([archive], jobs=1)
    t.close()
    assert not target.exists()
    with pytest.raises(StoreError, match="no store here"):
        open_store(target)


def test_a_truncated_archive_rolls_back(seeded, tmp_path, path):
    t, before = seeded
    archive = write_daily_archive(tmp_path / "full.tar.xz", REST)
    cut = tmp_path / "cut.tar.xz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(InputError, match="not a readable archive"):
        t.ingest([cut], jobs=1)
    assert dump_store(path) == before


def test_a_second_file_for_a_date_rolls_back(seeded, tmp_path, path):
    t, before = seeded
    one, two = tmp_path / "one", tmp_path / "two"
    write_daily(one, REST)
    write_daily(two, {DAYS[4]: shape(0)})
    # the map of DAYS[4] = 25 October is published as the file of 26 October; the message
    # names the file and the date in its name
    with pytest.raises(
        InputError, match=r"deepstatemap_data_20241026\.geojson: a second file for 2024-10-26"
    ):
        t.ingest([one, two], jobs=1)
    assert dump_store(path) == before


def test_tile_index_decodes_to_the_cut_cells(seeded):
    # The packed index and the pieces table agree with a fresh cut of the stored shape.
    from vigil.territory import tiles
    from vigil.territory.prepare import clean

    t, _ = seeded
    row = t.store.snapshot("deepstate-daily", "controlled", DAYS[0])
    index = t.store.tile_index(row.id)
    cut = tiles.cut(clean(FIRST[DAYS[0]])[0])
    assert index == dict(
        zip(zip(cut.ix.tolist(), cut.iy.tolist(), strict=True), cut.hashes, strict=True)
    )
    pieces = t.store.pieces(index.values())
    total = sum(geod_area_km2(p) for p in pieces.values())
    assert_km2_close(total, geod_area_km2(FIRST[DAYS[0]]), rel=1e-6, what="pieces")
    assert np.isclose(total, row.area_km2, rtol=1e-6)


def after_columns(path, table: str) -> list[tuple]:
    db = sqlite3.connect(path)
    try:
        return db.execute(f"PRAGMA table_info({table})").fetchall()
    finally:
        db.close()


def test_a_version_1_store_is_upgraded_in_place_keeping_its_snapshots(seeded, path):
    """Schema 2 added the reference geography; a store written before it opens, gains
    the new tables and keeps every snapshot row. The store is taken back to schema 1 by
    undoing every later migration (5: sources.dating and source_parts; 3 and 4: the
    fingerprints; 2: the geography)."""
    t, before = seeded
    t.close()
    db = sqlite3.connect(path)
    db.execute("DROP TABLE source_parts")
    db.execute("ALTER TABLE sources DROP COLUMN dating")
    db.execute("DROP TABLE regions")
    db.execute("DROP TABLE settlements")
    db.execute("DROP TABLE geography_imports")
    db.execute("DROP TABLE input_fingerprints")
    db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    db.commit()
    db.close()
    with open_store(path) as upgraded:
        assert upgraded.dates() == list(FIRST)
        assert upgraded.store.regions("oblast").empty
    after = dump_store(path)
    assert after["snapshots"] == before["snapshots"]
    assert dict(after["meta"])["schema_version"] == str(SCHEMA_VERSION)
    # schema 4's column is there: geography imports record what they read
    assert any(c[1] == "fingerprint" for c in after_columns(path, "geography_imports"))
    # schema 5: a daily source stored before it was dated by file name, and says so
    # (the next ingest stores it again under map dates)
    assert [r[:2] for r in after["sources"]] == [(1, "deepstate-daily")]
    assert any(c[1] == "dating" for c in after_columns(path, "sources"))
    assert after["source_parts"] == []
    with open_store(path) as upgraded:
        assert upgraded.store.source_dating("deepstate-daily") == "file date"


def test_a_store_from_a_newer_vigil_is_refused(path, seeded):
    t, _ = seeded
    t.close()
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="schema 99 is newer"):
        open_store(path)


# -- unchanged input is not read again ------------------------------------------------------
@pytest.fixture
def reads(monkeypatch):
    """Counts the snapshots the readers yield (0: nothing was read)."""
    counter = {"snapshots": 0}
    real = sources_mod.read

    def counting(*args, **kwargs):
        for snap in real(*args, **kwargs):
            counter["snapshots"] += 1
            yield snap

    monkeypatch.setattr(sources_mod, "read", counting)
    return counter


@pytest.fixture
def archived(tmp_path, path):
    """A store holding an archive of the six days; returns (Territory, archive path)."""
    archive = write_daily_archive(tmp_path / "daily.tar.xz", MAPS)
    t = open_store(path, create=True)
    t.ingest([archive], jobs=1)
    yield t, archive
    t.close()


def test_an_unchanged_archive_is_not_read_again(archived, path, reads):
    t, archive = archived
    before = dump_store(path)
    report = t.ingest([archive], jobs=1)
    assert reads["snapshots"] == 0
    assert report.skipped
    assert (report.added, report.replaced, report.unchanged) == (0, [], len(MAPS))
    assert (report.first, report.last) == (DAYS[0], DAYS[-1])
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()  # as sha256sum says
    assert report.notes == [
        f"unchanged since the last ingest (daily.tar.xz sha256 {digest}); nothing was re-read"
    ]
    after = dump_store(path)
    for table in ("meta", "sources", "snapshots", "tile_pieces", "input_fingerprints"):
        assert after[table] == before[table], f"{table} changed"
    assert len(after["ingests"]) == len(before["ingests"]) + 1, "the ingest itself is logged"


def test_force_reads_an_unchanged_archive(archived, reads):
    t, archive = archived
    report = t.ingest([archive], jobs=1, force=True)
    assert reads["snapshots"] == len(MAPS)
    assert not report.skipped
    assert (report.added, report.replaced, report.unchanged) == (0, [], len(MAPS))


def test_one_byte_changed_reads_the_file_again(tmp_path, path, reads):
    (daily,) = write_daily(tmp_path / "one", {DAYS[0]: MAPS[DAYS[0]]})
    with open_store(path, create=True) as t:
        t.ingest([daily], jobs=1)
        reads["snapshots"] = 0
        assert t.ingest([daily], jobs=1).skipped and reads["snapshots"] == 0
        data = daily.read_bytes()
        space = data.index(b" ")
        daily.write_bytes(data[:space] + b"\n" + data[space + 1 :])  # same map, one byte
        report = t.ingest([daily], jobs=1)
        assert reads["snapshots"] == 1 and not report.skipped
        assert (report.added, report.replaced, report.unchanged) == (0, [], 1)


def test_a_changed_member_reads_the_archive_again(archived, tmp_path, reads):
    t, archive = archived
    changed = dict(MAPS)
    changed[DAYS[2]] = shape(9)
    write_daily_archive(archive, changed)  # same name, one day different
    report = t.ingest([archive], jobs=1)
    assert reads["snapshots"] == len(MAPS)
    assert not report.skipped
    assert report.replaced == [f"controlled {DAYS[2]}"]


def test_a_day_replaced_by_another_ingest_makes_the_archive_read_again(archived, tmp_path, reads):
    t, archive = archived
    other = tmp_path / "fix"
    write_daily(other, {DAYS[2]: shape(9)})  # another input replaces one day
    assert t.ingest([other], jobs=1).replaced == [f"controlled {DAYS[2]}"]
    reads["snapshots"] = 0
    report = t.ingest([archive], jobs=1)  # the archive itself is unchanged
    assert reads["snapshots"] == len(MAPS)
    assert not report.skipped
    assert report.replaced == [f"controlled {DAYS[2]}"]  # the archive's day is back
    assert_km2_close(t.area(DAYS[2]).controlled_km2, geod_area_km2(MAPS[DAYS[2]]), rel=1e-9)
    reads["snapshots"] = 0
    assert t.ingest([archive], jobs=1).skipped and reads["snapshots"] == 0


def test_a_day_changed_behind_the_store_s_back_is_not_skipped(archived, path, reads):
    """The check compares every recorded content hash with the store, whatever wrote it."""
    t, archive = archived
    t.store.db.execute("UPDATE snapshots SET content_hash = 'x' WHERE date = ?", (str(DAYS[4]),))
    report = t.ingest([archive], jobs=1)
    assert reads["snapshots"] == len(MAPS) and not report.skipped


def test_days_added_by_another_input_keep_the_archive_unchanged(archived, tmp_path, reads):
    t, archive = archived
    later = tmp_path / "later"
    write_daily(later, {DAYS[-1] + dt.timedelta(days=1): shape(7)})
    assert t.ingest([later], jobs=1).added == 1
    reads["snapshots"] = 0
    report = t.ingest([archive], jobs=1)
    assert report.skipped and reads["snapshots"] == 0
    assert report.unchanged == len(MAPS)


def test_a_directory_is_hashed_file_by_file(tmp_path, path, reads):
    folder = tmp_path / "days"
    write_daily(folder, FIRST)
    with open_store(path, create=True) as t:
        t.ingest([folder], jobs=1)
        reads["snapshots"] = 0
        assert t.ingest([folder], jobs=1).skipped and reads["snapshots"] == 0
        write_daily(folder, {DAYS[3]: shape(3)})  # one more file in the directory
        report = t.ingest([folder], jobs=1)
        assert not report.skipped and reads["snapshots"] == 4
        assert (report.added, report.unchanged) == (1, 3)


def test_the_same_bytes_under_another_format_or_source_are_read(archived, reads):
    t, archive = archived
    report = t.ingest([archive], jobs=1, source="copy")
    assert not report.skipped and report.added == len(MAPS)
    assert reads["snapshots"] == len(MAPS)


# --- a held transaction (vigil watch: ingest, compute, commit all or nothing) ---------------


def answers(t) -> dict[str, object]:
    """What a reader of the store is told: each snapshot's tile index (through the
    cache), the snapshots table, the stored areas and a change."""
    source = t.resolve_source()
    ids = [int(i) for i in t.store.snapshot_table().id]
    return {
        "tiles": {i: t.store.tile_index(i) for i in ids},
        "snapshots": t.snapshots().to_dict(orient="records"),
        "table": t.store.snapshot_table().to_dict(orient="records"),
        "areas": t.store.areas(source, "controlled"),
        "change": round(t.change(DAYS[0], t.dates()[-1]).gained_km2, 9),
        "dates": t.dates(),
    }


class Crash(Exception):
    """vigil watch failing after its ingest (say, while storing its alerts)."""


def test_held_rolls_back_an_ingest_and_what_followed_it(seeded, tmp_path, path):
    t, before = seeded
    old = answers(t)  # warms the caches with the committed snapshots
    with pytest.raises(Crash), t.held():
        report = t.ingest([changed_and_new(tmp_path)], jobs=1)
        assert (report.added, len(report.replaced)) == (3, 1)
        # reads on the same connection see the uncommitted snapshots
        assert t.dates() == DAYS
        inside = answers(t)
        assert inside["change"] != old["change"]
        raise Crash
    assert dump_store(path) == before
    assert answers(t) == old  # the caches forgot the rolled-back snapshots
    assert not t.store.is_held


def test_caches_do_not_answer_for_rolled_back_snapshots_whose_ids_come_back(seeded, tmp_path, path):
    """SQLite gives a rolled-back snapshot's id to the next one stored: a tile index kept
    from inside the held block would then describe another map."""
    t, _ = seeded
    with pytest.raises(Crash), t.held():
        t.ingest([changed_and_new(tmp_path)], jobs=1)
        for day in DAYS[1:]:  # caches the tile index of every snapshot
            t.change(DAYS[0], day)
        ids_inside = set(t.store.snapshot_table().id)
        raise Crash
    other = tmp_path / "other"
    write_daily(other, {d: shape(5 - i) for i, d in enumerate(DAYS[3:])})
    t.ingest([other], jobs=1)
    assert ids_inside & set(t.store.snapshot_table().id) - {1, 2, 3}, "ids reused"
    with open_store(path) as fresh:
        assert answers(t) == answers(fresh)


def test_held_commits_at_its_end(seeded, tmp_path, path):
    t, before = seeded
    with t.held():
        t.ingest([changed_and_new(tmp_path)], jobs=1)
        assert dump_store(path) == before  # nothing committed yet
    after = dump_store(path)
    assert after != before
    with open_store(path) as fresh:
        assert fresh.dates() == DAYS
        assert answers(fresh) == answers(t)
    # the same as the ingest outside a held transaction
    plain = tmp_path / "plain.sqlite"
    with open_store(plain, create=True) as p:
        p.ingest([tmp_path / "first"], jobs=1)
        p.ingest([changed_and_new(tmp_path)], jobs=1)
        assert dump_store(plain)["snapshots"] == after["snapshots"]


def test_another_connection_sees_nothing_until_the_commit(seeded, tmp_path, path):
    t, _ = seeded
    other = sqlite3.connect(path)
    count = "SELECT count(*) FROM snapshots"
    try:
        with t.held():
            t.ingest([changed_and_new(tmp_path)], jobs=1)
            assert t.store.db.execute(count).fetchone() == (6,)
            assert other.execute(count).fetchone() == (3,)
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("PRAGMA busy_timeout = 0")
                other.execute("BEGIN IMMEDIATE")  # a writer waits for the held block
        assert other.execute(count).fetchone() == (6,)
    finally:
        other.close()


def bad_archive(tmp_path):
    """A replacement of DAYS[1] and a new day, then a corrupt member: the ingest fails
    after writing two snapshots."""
    members = {
        DAYS[1]: shape(5),
        DAYS[3]: shape(3),
        dt.date(2024, 11, 1): b'{"type": "FeatureCollection", "features": [{"type": "Fea',
    }
    return write_daily_archive(tmp_path / "bad.tar.xz", members)


def test_a_failed_ingest_caught_inside_held_undoes_only_itself(seeded, tmp_path, path):
    t, before = seeded
    rest = tmp_path / "rest"
    write_daily(rest, REST)
    with t.held():
        t.ingest([rest], jobs=1)
        with pytest.raises(InputError, match="not valid GeoJSON"):
            t.ingest([bad_archive(tmp_path)], jobs=1)
        assert t.dates() == DAYS
    after = dump_store(path)
    assert len(after["ingests"]) == len(before["ingests"]) + 1  # the failed one left no row
    # exactly what ingesting `rest` alone gives
    plain = tmp_path / "plain.sqlite"
    with open_store(plain, create=True) as p:
        p.ingest([tmp_path / "first"], jobs=1)
        p.ingest([rest], jobs=1)
        assert dump_store(plain)["snapshots"] == after["snapshots"]
        assert dump_store(plain)["tile_pieces"] == after["tile_pieces"]


def test_a_failed_ingest_leaving_held_undoes_everything(seeded, tmp_path, path):
    t, before = seeded
    rest = tmp_path / "rest"
    write_daily(rest, REST)
    with pytest.raises(InputError, match="not valid GeoJSON"), t.held():
        t.ingest([rest], jobs=1)
        t.ingest([bad_archive(tmp_path)], jobs=1)
    assert dump_store(path) == before
    assert t.dates() == list(FIRST)


def test_a_join_rolled_back_is_forgotten(seeded, tmp_path):
    t, _ = seeded
    other = tmp_path / "other"
    write_daily(other, REST)
    t.ingest([other], jobs=1, source="later")
    with pytest.raises(Crash), t.held():
        t.join("both", ["deepstate-daily", "later"])
        assert [p.name for p in t.store.parts("both")] == ["deepstate-daily", "later"]
        raise Crash
    assert t.store.parts("both") == []
    assert "both" not in t.source_names()


def test_territory_caches_are_cleared_on_rollback(seeded):
    t, _ = seeded
    with pytest.raises(Crash), t.held():
        t._places = t._frontline_meter = object()  # as built from geography imported here
        raise Crash
    assert t._places is None and t._frontline_meter is None


def test_a_new_store_rolled_back_is_removed_like_a_failed_first_ingest(tmp_path):
    target = tmp_path / "new.sqlite"
    folder = tmp_path / "first"
    write_daily(folder, FIRST)
    t = open_store(target, create=True)
    with pytest.raises(Crash), t.held():
        t.ingest([folder], jobs=1)
        raise Crash
    t.close()
    assert not target.exists()


def test_a_failed_ingest_inside_held_does_not_close_a_new_store(tmp_path):
    target = tmp_path / "new.sqlite"
    folder = tmp_path / "first"
    write_daily(folder, FIRST)
    with open_store(target, create=True) as t:
        with t.held():
            with pytest.raises(InputError):
                t.ingest([bad_archive(tmp_path)], jobs=1)
            t.ingest([folder], jobs=1)
        assert not t.store.created
    with open_store(target) as t:
        assert t.dates() == list(FIRST)


def test_held_is_not_reentrant(seeded):
    t, _ = seeded
    with t.held(), pytest.raises(StoreError, match="already open"), t.held():
        pass


def test_a_transaction_ended_behind_held_s_back_stores_nothing(seeded, tmp_path, path):
    """A library that calls rollback() on the connection (pandas does, after a failed
    query) must not leave the rest of the block to commit on its own."""
    t, before = seeded
    with pytest.raises(StoreError, match="ended from outside"), t.held():
        t.store.db.rollback()
        t.ingest([changed_and_new(tmp_path)], jobs=1)
    assert dump_store(path) == before


def test_an_ingest_is_kept_or_undone_with_the_join_it_refreshes(
    seeded, tmp_path, path, monkeypatch
):
    """The write and the join after it are one transaction (a savepoint when held): a
    failure in the join leaves no half ingest behind."""
    t, before = seeded

    def broken(*args, **kwargs):
        raise Crash

    monkeypatch.setattr(t, "_join_deepstate", broken)
    with pytest.raises(Crash):
        t.ingest([changed_and_new(tmp_path)], jobs=1)
    assert dump_store(path) == before
    with t.held():
        with pytest.raises(Crash):
            t.ingest([changed_and_new(tmp_path)], jobs=1)
        assert t.dates() == list(FIRST)
    assert dump_store(path) == before


def test_a_writer_meeting_a_held_store_gets_one_line(seeded, tmp_path, path):
    t, _ = seeded
    with t.held(), open_store(path) as other:
        other.store.db.execute("PRAGMA busy_timeout = 0")
        with pytest.raises(StoreError, match="another process is writing to the store"):
            other.ingest([changed_and_new(tmp_path)], jobs=1)
