"""`vigil territory …` tested the way a user calls it.

Most tests call ``vigil.cli.main([...])`` in-process (output captured with capsys);
a few run the installed ``vigil`` console script in a subprocess. Two data sets:

- a synthetic map of five daily files with hand-computed geodesic answers (boxes on
  the 0.25° tile grid, so tile cutting adds no vertex): ``SNAPSHOTS`` below;
- the real bundled DeepState daily archive (769 files), ingested once per session.

Figures are cross-checked between commands (CSV = JSON = table = library = brief).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import MultiPolygon, box, mapping
from shapely.geometry.base import BaseGeometry

from tests.cli_runner import Run, vigil
from vigil.cli import main
from vigil.territory.api import Territory

GEOD = Geod(ellps="WGS84")
TOL_KM2 = 1e-3  # hand-computed vs stored areas (tiles add no vertex to these boxes)
VIGIL = Path(sys.executable).with_name("vigil")  # the installed console script

# --- the synthetic map -----------------------------------------------------------------
# The maps: at the end of Sundays 13, 20, 27 October and 3 November, and of Wednesday
# 23 October. A week (Monday to Sunday) runs from the map of the Sunday before it to the
# map of its own Sunday (docs/method.md, "Periods"): the week of Monday 21 October is
# the maps of 20 → 27 October, so these maps give three whole weeks, without gaps.
D13, D20, D23, D27, N03 = (
    dt.date(2024, 10, 13),
    dt.date(2024, 10, 20),
    dt.date(2024, 10, 23),
    dt.date(2024, 10, 27),
    dt.date(2024, 11, 3),
)
# The weeks those maps measure, by their Mondays: [W14, W21), [W21, W28), [W28, W04).
W14, W21, W28, W04 = (dt.date(2024, 10, 14) + dt.timedelta(weeks=k) for k in range(4))
WEST_STRIP = box(37.0, 47.0, 37.05, 47.2)  # lost between the maps of the 20th and 27th
ISLAND = box(37.5, 47.5, 37.6, 47.6)  # gained between the maps of the 20th and 27th
SLIVER = box(37.7, 47.7, 37.701, 47.701)  # gained too: ~0.008 km², a sliver
SNAPSHOTS: dict[dt.date, BaseGeometry] = {
    D13: box(37.0, 47.0, 37.1, 47.2),
    D20: box(37.0, 47.0, 37.2, 47.2),
    D23: box(37.02, 47.0, 37.2, 47.2),
    D27: MultiPolygon([box(37.05, 47.0, 37.2, 47.2), ISLAND, SLIVER]),
    N03: MultiPolygon([box(37.05, 47.0, 37.22, 47.2), ISLAND, SLIVER]),
}
MISSING_DAYS = (N03 - D13).days + 1 - len(SNAPSHOTS)


def km2(geom: BaseGeometry) -> float:
    """Geodesic area (WGS84) in km², the reference for every figure below, with edges
    straight in lon/lat as GeoJSON reads them (points every 0.001°, ~100 m)."""
    return abs(GEOD.geometry_area_perimeter(shapely.segmentize(geom, 0.001))[0]) / 1e6


GAINED_WEEK_21 = km2(ISLAND) + km2(SLIVER)
LOST_WEEK_21 = km2(WEST_STRIP)
WEEKLY_GAINED = [
    km2(box(37.1, 47.0, 37.2, 47.2)),  # week of the 14th
    GAINED_WEEK_21,  # week of the 21st
    km2(box(37.2, 47.0, 37.22, 47.2)),  # week of the 28th
]
WEEKLY_LOST = [0.0, LOST_WEEK_21, 0.0]


def daily_name(day: dt.date) -> str:
    """The published name of the file holding the map of ``day``: DeepState names it by
    the next day (docs/method.md, "Snapshot for a date"), and Vigil stores it under ``day``.
    Every date in this module is a map date."""
    return f"deepstatemap_data_{day + dt.timedelta(days=1):%Y%m%d}.geojson"


def write_daily(folder: Path, day: dt.date, geom: BaseGeometry) -> Path:
    """One DeepState daily file holding the map of ``day`` (named by the next day): a
    CRS84 FeatureCollection with one (Multi)Polygon."""
    folder.mkdir(parents=True, exist_ok=True)
    collection = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "features": [{"type": "Feature", "properties": {}, "geometry": mapping(geom)}],
    }
    path = folder / daily_name(day)
    path.write_text(json.dumps(collection), encoding="utf-8")
    return path


def write_map(folder: Path, snapshots: dict[dt.date, BaseGeometry] = SNAPSHOTS) -> Path:
    for day, geom in snapshots.items():
        write_daily(folder, day, geom)
    return folder


# --- running the CLI -----------------------------------------------------------------


def ok(capsys: pytest.CaptureFixture[str], *args: object) -> Run:
    """``vigil ARGS`` that must succeed."""
    run = vigil(capsys, *args)
    assert run.code == 0, f"vigil {' '.join(map(str, args))} failed:\n{run.err}"
    assert "Traceback" not in run.err
    return run


def as_json(capsys: pytest.CaptureFixture[str], *args: object):
    return json.loads(ok(capsys, *args, "--format", "json").out)


def as_csv(capsys: pytest.CaptureFixture[str], *args: object) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(ok(capsys, *args, "--format", "csv").out)))


def quiet_main(*args: object) -> str:
    """``vigil ARGS`` for fixtures (no capsys there): must exit 0; returns stdout."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main([str(a) for a in args])
        except SystemExit as exc:
            assert not exc.code, err.getvalue()
    return out.getvalue()


def script(*args: object, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The installed console script, as a user runs it."""
    if not VIGIL.exists():
        pytest.skip(f"console script not installed: {VIGIL}")
    return subprocess.run(
        [str(VIGIL), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def close(a: float, b: float, tol: float = TOL_KM2) -> bool:
    return abs(a - b) <= tol


# --- fixtures --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def map_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic daily files (read-only: copy before changing)."""
    return write_map(tmp_path_factory.mktemp("map") / "daily")


@pytest.fixture(scope="module")
def base_store(tmp_path_factory: pytest.TempPathFactory, map_dir: Path) -> Path:
    store = tmp_path_factory.mktemp("store") / "synthetic.sqlite"
    quiet_main("territory", "ingest", map_dir, "--store", store, "--quiet")
    return store


@pytest.fixture
def store(tmp_path: Path, base_store: Path) -> Path:
    """A private copy of the synthetic store (safe to change)."""
    return Path(shutil.copy(base_store, tmp_path / "store.sqlite"))


@pytest.fixture(scope="session")
def real_store(daily_store: Path) -> Path:
    """The real daily archive, ingested once per session (tests/conftest.py); read only."""
    return daily_store


# --- help and version ------------------------------------------------------------------
COMMANDS = [
    [],
    ["territory"],
    ["territory", "chart"],
    *(
        ["territory", c]
        for c in ("ingest", "fetch", "snapshots", "area", "change", "series", "records")
    ),
    *(["territory", c] for c in ("brief", "export")),
    ["territory", "chart", "series"],
    ["territory", "chart", "change"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "vigil")
def test_every_command_has_help(capsys, command):
    run = ok(capsys, *command, "--help")
    assert "Usage" in run.out
    assert run.err == ""


def test_territory_help_lists_every_command(capsys):
    out = ok(capsys, "territory", "-h").out
    for name in ("ingest", "fetch", "snapshots", "area", "change", "series", "records"):
        assert name in out
    for name in ("chart", "brief", "export"):
        assert name in out


def test_console_script_help_and_version():
    helped = script("--help")
    assert helped.returncode == 0, helped.stderr
    assert "territory" in helped.stdout
    version = script("--version")
    assert version.returncode == 0
    assert re.fullmatch(r"vigil \d+\.\d+\.\d+\S*\n", version.stdout)


# --- ingest ----------------------------------------------------------------------------
def test_ingest_report_counts_added_then_unchanged_then_replaced(capsys, tmp_path, map_dir):
    folder = Path(shutil.copytree(map_dir, tmp_path / "daily"))
    store = tmp_path / "s.sqlite"

    first = ok(capsys, "territory", "ingest", folder, "--store", store).out
    assert "deepstate-daily (deepstate-daily): 5 added, 0 replaced, 0 unchanged" in first
    assert f"{D13} … {N03}" in first
    assert "read: files 5" in first

    again = ok(capsys, "territory", "ingest", folder, "--store", store).out
    assert "0 added, 0 replaced, 5 unchanged" in again
    assert "replaced (content changed)" not in again

    write_daily(folder, D23, box(37.03, 47.0, 37.2, 47.2))  # redrawn
    write_daily(folder, dt.date(2024, 11, 5), SNAPSHOTS[N03])  # new day
    changed = ok(capsys, "territory", "ingest", folder, "--store", store).out
    assert "1 added, 1 replaced, 4 unchanged" in changed
    assert "replaced (content changed): controlled 2024-10-23" in changed

    with Territory(store) as t:
        assert t.dates() == [*SNAPSHOTS, dt.date(2024, 11, 5)]
        assert close(t.area(D23).controlled_km2, km2(box(37.03, 47.0, 37.2, 47.2)))
        assert len(t.store.ingests()) == 3


def test_ingest_of_an_archive_equals_ingest_of_its_files(capsys, tmp_path, map_dir, base_store):
    import tarfile

    archive = tmp_path / "daily.tar.xz"
    with tarfile.open(archive, "w:xz") as tar:
        tar.add(map_dir, arcname="data")
    store = tmp_path / "a.sqlite"
    out = ok(capsys, "territory", "ingest", archive, "--store", store).out
    assert "5 added" in out
    from_files = as_json(capsys, "territory", "snapshots", "--store", base_store)
    from_archive = as_json(capsys, "territory", "snapshots", "--store", store)
    assert from_archive == from_files


def test_unchanged_input_is_not_read_again_unless_forced(capsys, tmp_path, map_dir):
    store = tmp_path / "f.sqlite"
    ok(capsys, "territory", "ingest", map_dir, "--store", store, "-q")
    again = ok(capsys, "territory", "ingest", map_dir, "--store", store).out
    assert "0 added, 0 replaced, 5 unchanged" in again
    assert "nothing was re-read" in again and "read: files" not in again
    forced = ok(capsys, "territory", "ingest", map_dir, "--store", store, "--force").out
    assert "0 added, 0 replaced, 5 unchanged" in forced
    assert "read: files 5" in forced


def test_quiet_ingest_prints_nothing(capsys, tmp_path, map_dir):
    store = tmp_path / "q.sqlite"
    run = ok(capsys, "territory", "ingest", map_dir, "--store", store, "--quiet")
    assert (run.out, run.err) == ("", "")
    run = ok(capsys, "territory", "ingest", map_dir, "--store", store, "-q")
    assert (run.out, run.err) == ("", "")
    with Territory(store) as t:
        assert t.dates() == list(SNAPSHOTS)


# --- where the store is ----------------------------------------------------------------
def test_store_flag_beats_env_var_beats_default(capsys, tmp_path, map_dir, monkeypatch):
    home = Path(os.environ["VIGIL_HOME"])  # set per test by conftest
    default = home / "territory.sqlite"
    from_env = tmp_path / "env.sqlite"
    from_flag = tmp_path / "flag.sqlite"

    ok(capsys, "territory", "ingest", map_dir, "--source", "home-src", "-q")
    assert default.exists()

    monkeypatch.setenv("VIGIL_STORE", str(from_env))
    ok(capsys, "territory", "ingest", map_dir, "--source", "env-src", "-q")
    ok(capsys, "territory", "ingest", map_dir, "--source", "flag-src", "--store", from_flag, "-q")

    def held(*args: object) -> list[str]:
        return [row["source"] for row in as_json(capsys, "territory", "snapshots", *args)]

    assert held() == ["env-src"]  # env beats the default
    assert held("--store", from_flag) == ["flag-src"]  # the flag beats env
    monkeypatch.delenv("VIGIL_STORE")
    assert held() == ["home-src"]  # the default: $VIGIL_HOME/territory.sqlite
    assert held("--store", from_env) == ["env-src"]
    area = as_json(capsys, "territory", "area", str(D20))
    assert area["source"] == "home-src"


# --- several sources -------------------------------------------------------------------
@pytest.fixture
def two_sources(capsys, tmp_path, map_dir) -> Path:
    store = tmp_path / "two.sqlite"
    ok(capsys, "territory", "ingest", map_dir, "--store", store, "--source", "alpha", "-q")
    ok(capsys, "territory", "ingest", map_dir, "--store", store, "--source", "beta", "-q")
    return store


QUESTIONS = {
    "area": ["area", str(D27)],
    "change": ["change", str(D20), str(D27)],
    "series": ["series"],
    "records": ["records"],
}


@pytest.mark.parametrize("question", QUESTIONS)
def test_source_is_needed_only_when_several_are_held(capsys, two_sources, base_store, question):
    args = ["territory", *QUESTIONS[question]]
    run = vigil(capsys, *args, "--store", two_sources)
    assert run.code == 1
    assert run.err == "Error: --source: the store holds several sources (alpha, beta); name one\n"

    alpha = as_json(capsys, *args, "--store", two_sources, "--source", "alpha")
    beta = as_json(capsys, *args, "--store", two_sources, "--source", "beta")
    single = as_json(capsys, *args, "--store", base_store)  # one source: no --source
    if question in ("area", "change"):
        assert alpha.pop("source") == "alpha"
        assert beta.pop("source") == "beta"
        single.pop("source")
        # the archive each figure came from: the source itself, none being joined
        for answer, name in ((alpha, "alpha"), (beta, "beta"), (single, "deepstate-daily")):
            for key in [k for k in answer if k.startswith("archive")]:
                assert answer.pop(key) == name, key
    assert alpha == beta == single


def test_snapshots_lists_every_source(capsys, two_sources):
    rows = as_json(capsys, "territory", "snapshots", "--store", two_sources)
    assert [r["source"] for r in rows] == ["alpha", "beta"]
    only = as_json(capsys, "territory", "snapshots", "--store", two_sources, "--source", "beta")
    assert [r["source"] for r in only] == ["beta"]


# --- snapshots -------------------------------------------------------------------------
def test_snapshots_in_every_format(capsys, base_store):
    (row,) = as_json(capsys, "territory", "snapshots", "--store", base_store)
    assert row["source"] == "deepstate-daily"
    assert row["kind"] == "controlled"
    assert (row["first"], row["last"]) == (str(D13), str(N03))
    assert row["snapshots"] == len(SNAPSHOTS)
    assert row["missing_days"] == MISSING_DAYS
    assert row["gaps"].startswith("2024-10-14…2024-10-19, 2024-10-21…2024-10-22")
    assert close(row["last_area_km2"], km2(SNAPSHOTS[N03]))

    (csv_row,) = as_csv(capsys, "territory", "snapshots", "--store", base_store)
    assert csv_row["first"] == row["first"]
    assert int(csv_row["snapshots"]) == row["snapshots"]
    assert float(csv_row["last_area_km2"]) == row["last_area_km2"]

    table = ok(capsys, "territory", "snapshots", "--store", base_store).out
    assert "Snapshots held" in table
    assert f"{row['last_area_km2']:,.2f}" in table

    with Territory(base_store) as t:
        (lib,) = t.snapshots().to_dict(orient="records")
    assert lib["last_area_km2"] == row["last_area_km2"]
    assert (str(lib["first"]), str(lib["last"]), lib["gaps"]) == (
        row["first"],
        row["last"],
        row["gaps"],
    )


def test_output_file_holds_what_stdout_would(capsys, tmp_path, base_store):
    target = tmp_path / "snapshots.json"
    run = ok(capsys, "territory", "snapshots", "--store", base_store, "-f", "json", "-o", target)
    assert run.out == ""
    assert json.loads(target.read_text()) == as_json(
        capsys, "territory", "snapshots", "--store", base_store
    )


# --- area ------------------------------------------------------------------------------
def test_area_in_every_format_agrees_with_the_hand_computed_figure(capsys, base_store):
    args = ("territory", "area", str(D27), "--store", base_store)
    record = as_json(capsys, *args)
    assert record["date"] == record["snapshot_date"] == str(D27)
    assert record["gap"] is False
    assert record["grey_km2"] is None
    assert record["with_grey"] is False
    assert close(record["area_km2"], km2(SNAPSHOTS[D27]))
    assert record["controlled_km2"] == record["area_km2"]

    (row,) = as_csv(capsys, *args)
    assert float(row["area_km2"]) == record["area_km2"]
    assert row["snapshot_date"] == str(D27)

    table = ok(capsys, *args).out
    assert f"Area on {D27}" in table
    assert f"{record['area_km2']:,.2f}" in table

    with Territory(base_store) as t:
        assert t.area(D27).area_km2 == record["area_km2"]


def test_area_on_a_day_without_snapshot_uses_the_one_before_and_says_so(capsys, base_store):
    run = ok(capsys, "territory", "area", "2024-10-22", "--store", base_store, "-f", "json")
    record = json.loads(run.out)
    assert record["snapshot_date"] == str(D20)
    assert record["gap"] is True
    assert close(record["area_km2"], km2(SNAPSHOTS[D20]))
    assert run.err == (
        f"note: the snapshot used is from {D20}, before 2024-10-22"
        " (no snapshot on the date asked)\n"
    )


# --- change ----------------------------------------------------------------------------
def test_change_json_has_the_hand_computed_figures(capsys, base_store):
    summary = as_json(capsys, "territory", "change", str(D20), str(D27), "--store", base_store)
    assert (summary["snapshot_from"], summary["snapshot_to"]) == (str(D20), str(D27))
    assert summary["gap"] is False
    assert close(summary["gained_km2"], GAINED_WEEK_21)
    assert close(summary["lost_km2"], LOST_WEEK_21)
    assert close(summary["net_km2"], km2(SNAPSHOTS[D27]) - km2(SNAPSHOTS[D20]))
    assert close(summary["net_km2"], summary["gained_km2"] - summary["lost_km2"])
    assert (summary["gained_fragments"], summary["lost_fragments"]) == (2, 1)
    frags = summary["fragments"]
    assert [f["direction"] for f in frags] == ["lost", "gained", "gained"]  # largest first
    assert close(frags[0]["area_km2"], km2(WEST_STRIP))
    assert close(frags[1]["area_km2"], km2(ISLAND))
    assert close(frags[2]["area_km2"], km2(SLIVER), 1e-6)
    assert "min_fragment_km2" not in summary  # no filter: raw figures only


def test_change_csv_json_table_and_library_agree(capsys, base_store):
    args = ("territory", "change", str(D20), str(D27), "--store", base_store)
    summary = as_json(capsys, *args)
    rows = as_csv(capsys, *args)
    assert len(rows) == 3  # one per fragment, the summary repeated on each
    for row in rows:
        for key in ("gained_km2", "lost_km2", "net_km2", "area_from_km2", "area_to_km2"):
            assert float(row[key]) == pytest.approx(summary[key], rel=1e-12)
        assert row["snapshot_from"] == summary["snapshot_from"]
    by_direction = pd.DataFrame(rows).astype({"area_km2": float}).groupby("direction").area_km2
    assert by_direction.sum()["gained"] == pytest.approx(summary["gained_km2"], abs=1e-6)
    assert by_direction.sum()["lost"] == pytest.approx(summary["lost_km2"], abs=1e-6)

    table = ok(capsys, *args).out
    assert f"Change {D20} → {D27}" in table
    for key in ("gained_km2", "lost_km2", "net_km2"):
        assert f"{summary[key]:,.2f}" in table
    assert "Largest 3 fragments" in table

    with Territory(base_store) as t:
        result = t.change(D20, D27)
    assert result.gained_km2 == summary["gained_km2"]
    assert result.lost_km2 == summary["lost_km2"]


def test_change_top_limits_the_fragments_listed(capsys, base_store):
    args = ("territory", "change", str(D20), str(D27), "--store", base_store, "--top", "1")
    summary = as_json(capsys, *args)
    assert len(summary["fragments"]) == 1
    assert summary["gained_fragments"] + summary["lost_fragments"] == 3
    assert "Largest 1 fragments" in ok(capsys, *args).out


def test_change_geojson_is_a_feature_collection_whose_fragments_sum_up(
    capsys, tmp_path, base_store
):
    args = ("territory", "change", str(D20), str(D27), "--store", base_store)
    summary = as_json(capsys, *args)
    stdout = json.loads(ok(capsys, *args, "-f", "geojson").out)
    target = tmp_path / "change.geojson"
    ok(capsys, *args, "-f", "geojson", "-o", target)
    collection = json.loads(target.read_text())
    assert collection == stdout
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == 3
    assert all(f["type"] == "Feature" for f in collection["features"])

    frame = gpd.read_file(target)
    assert frame.crs.to_epsg() == 4326
    # GDAL reads ISO date strings back as dates: compare their first ten characters
    assert {str(d)[:10] for d in frame.snapshot_from} == {str(D20)}
    assert {str(d)[:10] for d in frame.snapshot_to} == {str(D27)}
    for direction in ("gained", "lost"):
        part = frame[frame.direction == direction]
        total = summary[f"{direction}_km2"]
        assert part.area_km2.sum() == pytest.approx(total, abs=1e-6)
        assert sum(km2(g) for g in part.geometry) == pytest.approx(total, abs=TOL_KM2)


def test_change_sliver_filter_reports_both_figures(capsys, base_store):
    args = ("territory", "change", str(D20), str(D27), "--store", base_store)
    raw = as_json(capsys, *args)
    filtered = as_json(capsys, *args, "--min-fragment-km2", "0.1")
    assert filtered["gained_km2"] == raw["gained_km2"]  # raw figures stay
    assert filtered["min_fragment_km2"] == 0.1
    assert close(filtered["gained_filtered_km2"], km2(ISLAND))
    assert close(filtered["lost_filtered_km2"], LOST_WEEK_21)
    kept = [f["kept"] for f in filtered["fragments"]]
    assert kept == [True, True, False]  # the sliver is the one dropped


def test_change_over_a_gap_names_the_snapshots_used(capsys, base_store):
    run = ok(capsys, "territory", "change", "2024-10-22", "2024-10-29", "--store", base_store)
    assert f"snapshots used: {D20} and {D27}" in run.err
    summary = as_json(
        capsys, "territory", "change", "2024-10-22", "2024-10-29", "--store", base_store
    )
    assert summary["gap"] is True
    assert close(summary["gained_km2"], GAINED_WEEK_21)


# --- series ----------------------------------------------------------------------------
def test_series_weekly_figures_in_every_format(capsys, base_store):
    rows = as_json(capsys, "territory", "series", "--store", base_store)
    assert [r["period_start"] for r in rows] == [str(W14), str(W21), str(W28)]
    assert [r["period_end"] for r in rows] == [str(W21), str(W28), str(W04)]
    # each week from the map of the Sunday before it to the map of its own Sunday
    assert [r["snapshot_start"] for r in rows] == [str(D13), str(D20), str(D27)]
    assert [r["snapshot_end"] for r in rows] == [str(D20), str(D27), str(N03)]
    for row, gained, lost in zip(rows, WEEKLY_GAINED, WEEKLY_LOST, strict=True):
        assert close(row["gained_km2"], gained)
        assert close(row["lost_km2"], lost)
        assert row["complete"] is True
        assert row["gap"] is False

    csv_rows = as_csv(capsys, "territory", "series", "--store", base_store)
    assert [r["period_start"] for r in csv_rows] == [r["period_start"] for r in rows]
    for c, j in zip(csv_rows, rows, strict=True):
        for key in ("gained_km2", "lost_km2", "net_km2", "area_km2"):
            assert float(c[key]) == pytest.approx(j[key], rel=1e-12)
        assert c["gap"] == str(j["gap"])

    table = ok(capsys, "territory", "series", "--store", base_store).out
    assert "Weekly change (km², geodesic)" in table
    assert f"{rows[1]['gained_km2']:,.2f}" in table

    with Territory(base_store) as t:
        frame = t.series("week")
    assert list(frame.gained_km2) == [r["gained_km2"] for r in rows]


def test_series_and_change_give_the_same_week(capsys, base_store):
    rows = as_json(capsys, "territory", "series", "--store", base_store)
    week = as_json(capsys, "territory", "change", str(D20), str(D27), "--store", base_store)
    assert rows[1]["gained_km2"] == pytest.approx(week["gained_km2"], abs=1e-9)
    assert rows[1]["lost_km2"] == pytest.approx(week["lost_km2"], abs=1e-9)
    assert rows[1]["net_km2"] == pytest.approx(week["net_km2"], abs=1e-9)


def test_series_last_keeps_the_last_periods(capsys, base_store):
    full = as_json(capsys, "territory", "series", "--store", base_store)
    assert as_json(capsys, "territory", "series", "--store", base_store, "--last", "2") == full[-2:]
    assert as_json(capsys, "territory", "series", "--store", base_store, "--last", "9") == full


def test_series_daily_and_with_a_sliver_filter(capsys, base_store):
    daily = as_json(capsys, "territory", "series", "--store", base_store, "--freq", "day")
    assert len(daily) == (N03 - D13).days
    assert sum(r["gained_km2"] for r in daily) >= sum(WEEKLY_GAINED) - TOL_KM2
    filtered = as_json(
        capsys, "territory", "series", "--store", base_store, "--min-fragment-km2", "0.1"
    )
    assert close(filtered[1]["gained_filtered_km2"], km2(ISLAND))
    assert close(filtered[1]["gained_km2"], GAINED_WEEK_21)


def test_daily_series_title_says_daily(capsys, base_store):
    table = ok(capsys, "territory", "series", "--store", base_store, "--freq", "day").out
    assert "Daily change" in table


# --- records ---------------------------------------------------------------------------
def test_records_in_every_format_agree_with_series(capsys, base_store):
    rows = as_json(capsys, "territory", "records", "--store", base_store)
    assert [r["value"] for r in rows] == pytest.approx(WEEKLY_GAINED, abs=TOL_KM2)
    assert [r["rank_in_year"] for r in rows] == [1, 2, 3]  # each week smaller than the last
    assert rows[2]["larger_before"] == str(W21)
    assert rows[2]["larger_value"] == rows[1]["value"]
    series = as_json(capsys, "territory", "series", "--store", base_store)
    assert [r["value"] for r in rows] == [s["gained_km2"] for s in series]

    csv_rows = as_csv(capsys, "territory", "records", "--store", base_store)
    for c, j in zip(csv_rows, rows, strict=True):
        assert float(c["value"]) == pytest.approx(j["value"], rel=1e-12)
        assert int(c["rank_in_year"]) == j["rank_in_year"]
        assert c["larger_before"] == (j["larger_before"] or "")

    lost = as_json(capsys, "territory", "records", "--store", base_store, "--metric", "lost")
    assert [r["value"] for r in lost] == pytest.approx(WEEKLY_LOST, abs=TOL_KM2)


def test_records_for_one_period_prints_a_sentence(capsys, base_store):
    out = ok(capsys, "territory", "records", "--store", base_store, "--period", "2024-10-23").out
    sentence = out.strip().splitlines()[-1]
    assert sentence.startswith(f"{GAINED_WEEK_21:,.1f} km² gained in the week of {W21}")
    # the week just before was larger: "less than" it, never "the largest since" it
    assert f"less than the week of {W14}" in sentence
    assert "largest" not in sentence


def test_monthly_records_on_less_than_a_month_of_data(capsys, base_store):
    run = vigil(capsys, "territory", "records", "--store", base_store, "--freq", "month")
    assert "Traceback" not in run.err
    assert run.code == 0
    assert "Monthly gained records" in run.out


# --- charts ----------------------------------------------------------------------------
def is_png(path: Path) -> bool:
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 1000


def test_chart_series_writes_a_png(capsys, tmp_path, base_store):
    target = tmp_path / "weekly.png"
    run = ok(capsys, "territory", "chart", "series", "--store", base_store, "-o", target)
    assert run.out == f"wrote {target}\n"
    assert is_png(target)


def test_chart_change_writes_a_png(capsys, tmp_path, base_store):
    target = tmp_path / "change.png"
    run = ok(
        capsys, "territory", "chart", "change", str(D20), str(D27),
        "--store", base_store, "-o", target,
    )  # fmt: skip
    assert run.out == f"wrote {target}\n"
    assert is_png(target)


# --- export ----------------------------------------------------------------------------
def read_back(path: Path) -> gpd.GeoDataFrame:
    return gpd.read_parquet(path) if path.suffix == ".parquet" else gpd.read_file(path)


@pytest.mark.parametrize("suffix", ["gpkg", "geojson", "parquet"])
def test_export_snapshots_reads_back(capsys, tmp_path, base_store, suffix):
    target = tmp_path / f"snapshots.{suffix}"
    run = ok(
        capsys, "territory", "export", target, "--store", base_store,
        "--from", str(D20), "--to", str(D27),
    )  # fmt: skip
    assert run.out == f"wrote 3 feature(s) to {target}\n"
    frame = read_back(target)
    assert frame.crs.to_epsg() == 4326
    assert len(frame) == 3
    assert [str(d)[:10] for d in frame.date] == [str(D20), str(D23), str(D27)]
    assert set(frame.source) == {"deepstate-daily"}
    assert set(frame.kind) == {"controlled"}
    for day, area, geom in zip(frame.date, frame.area_km2, frame.geometry, strict=True):
        expected = km2(SNAPSHOTS[dt.date.fromisoformat(str(day)[:10])])
        assert close(area, expected)
        assert close(km2(geom), expected)


@pytest.mark.parametrize("suffix", ["gpkg", "geojson", "parquet"])
def test_export_change_reads_back_and_sums_to_change(capsys, tmp_path, base_store, suffix):
    summary = as_json(capsys, "territory", "change", str(D20), str(D27), "--store", base_store)
    target = tmp_path / f"change.{suffix}"
    ok(
        capsys, "territory", "export", target, "--store", base_store,
        "--what", "change", "--from", str(D20), "--to", str(D27),
    )  # fmt: skip
    frame = read_back(target)
    assert frame.crs.to_epsg() == 4326
    assert len(frame) == summary["gained_fragments"] + summary["lost_fragments"]
    for direction in ("gained", "lost"):
        part = frame[frame.direction == direction]
        assert part.area_km2.sum() == pytest.approx(summary[f"{direction}_km2"], abs=1e-6)


@pytest.mark.filterwarnings("ignore:.*extension:RuntimeWarning")  # GDAL: not a .gpkg name
def test_export_format_flag_beats_the_suffix(capsys, tmp_path, base_store):
    target = tmp_path / "snapshots.data"
    ok(capsys, "territory", "export", target, "--store", base_store, "--format", "gpkg")
    assert len(gpd.read_file(target)) == len(SNAPSHOTS)


# --- one vocabulary: --from/--to, -o, --format and choices ---------------------------------


def test_change_from_to_flags_equal_the_positional_dates(capsys, base_store):
    words = ("territory", "change", str(D20), str(D27), "--store", base_store)
    flags = ("territory", "change", "--from", str(D20), "--to", str(D27), "--store", base_store)
    mixed = ("territory", "change", str(D20), "--to", str(D27), "--store", base_store)
    for fmt in ("json", "csv", "geojson", "table"):
        by_words = ok(capsys, *words, "--format", fmt)
        assert ok(capsys, *flags, "--format", fmt) == by_words
        assert ok(capsys, *mixed, "--format", fmt) == by_words
    assert close(as_json(capsys, *flags)["gained_km2"], GAINED_WEEK_21)


def test_chart_change_takes_from_to_too(capsys, tmp_path, base_store):
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    ok(capsys, "territory", "chart", "change", D20, D27, "--store", base_store, "-o", a)
    args = ("territory", "chart", "change", "--from", D20, "--to", D27, "--store", base_store)
    ok(capsys, *args, "-o", b)
    assert is_png(b) and b.stat().st_size == a.stat().st_size


def test_area_date_as_word_or_flag(capsys, base_store):
    word = ok(capsys, "territory", "area", D27, "--store", base_store, "-f", "json")
    flag = ok(capsys, "territory", "area", "--date", D27, "--store", base_store, "-f", "json")
    assert flag == word
    assert close(json.loads(flag.out)["area_km2"], km2(SNAPSHOTS[D27]))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["change", D20, D27, "--from", D13],
            f"--from: given twice, as FROM ({D20}) and as --from ({D13})",
        ),
        (
            ["change", D20, D27, "--to", N03],
            f"--to: given twice, as TO ({D27}) and as --to ({N03})",
        ),
        (["change", "--from", D20], "--to: missing; give TO or --to"),
        (["change"], "--from: missing; give FROM or --from"),
        (["chart", "change", D20, "--from", D20, "-o", "x.png"], "--from: given twice"),
        (
            ["area", D20, "--date", D27],
            f"--date: given twice, as DATE ({D20}) and as --date ({D27})",
        ),
        (["area"], "--date: missing; give DATE or --date"),
    ],
    ids=["from twice", "to twice", "no to", "no dates", "chart", "area twice", "area none"],
)
def test_a_date_given_twice_or_not_at_all_is_one_line_naming_the_flag(
    capsys, base_store, args, message
):
    run = vigil(capsys, "territory", *args, "--store", base_store)
    assert run.code == 2  # a usage error, as the parser's own
    assert run.out == ""
    assert run.err.startswith(f"Error: {message}")
    assert run.err.count("\n") == 1, run.err


@pytest.mark.parametrize(
    "args",
    [
        ["series", "--from", "2024-13-01"],
        ["series", "--from", "21/10/2024"],
        ["change", "--from", "2024-10-32", "--to", str(D27)],
        ["change", "2024-10-32", str(D27)],
        ["chart", "series", "--from", "yesterday", "-o", "never.png"],
    ],
    ids=["series month 13", "series d/m/y", "change flag", "change word", "chart series"],
)
def test_a_bad_date_is_named_by_its_flag(capsys, base_store, args):
    """The library names its parameter (date_from); the CLI shows it as --from."""
    run = vigil(capsys, "territory", *args, "--store", base_store)
    bad = args[args.index("--from") + 1] if "--from" in args else args[1]
    assert (run.code, run.out) == (1, "")
    assert run.err == f"Error: --from: expected a date as YYYY-MM-DD, got {bad!r}\n"


def test_a_start_after_the_end_is_named_by_its_flag(capsys, base_store):
    run = vigil(capsys, "territory", "series", "--from", N03, "--to", D13, "--store", base_store)
    assert run.code == 1
    assert run.err == f"Error: --from: the start {N03} is after the end {D13}\n"


CHOICES = {  # option → (a command taking it, its choices)
    "--format": (["area", str(D27)], ["table", "csv", "json"]),
    "--freq": (["series"], ["day", "week", "month", "year"]),
    "--week-start": (["series"], ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
    "--metric": (["records"], ["gained", "lost", "net"]),
    "--level": (["regions", "--date", str(D27)], ["oblast", "raion", "hromada"]),
}


@pytest.mark.parametrize("option", CHOICES)
def test_a_bad_choice_is_refused_by_the_parser_with_the_choices(
    capsys, monkeypatch, base_store, option
):
    monkeypatch.setenv("COLUMNS", "200")  # help on one line per option
    command, choices = CHOICES[option]
    run = vigil(capsys, "territory", *command, option, "fortnight", "--store", base_store)
    assert run.code == 2
    assert run.out == ""
    assert f"'{option}'" in run.err and "'fortnight'" in run.err
    listed = re.findall(r"'([a-z]+)'", run.err.split("is not one of", 1)[1])
    assert listed == choices
    # the same choices in --help, and upper case is accepted
    helped = ok(capsys, "territory", *command[:1], "--help").out
    assert "|".join(choices) in helped
    assert vigil(capsys, "territory", *command, option, choices[-1].upper(), "--store", base_store,
                 "-f", "json").code != 2  # fmt: skip


def test_geojson_is_a_format_of_change_and_frontline_only(capsys, monkeypatch, base_store):
    monkeypatch.setenv("COLUMNS", "200")
    run = vigil(capsys, "territory", "series", "--format", "geojson", "--store", base_store)
    assert run.code == 2
    assert "'table', 'csv', 'json'" in run.err
    assert "table|csv|json|geojson" in ok(capsys, "territory", "change", "--help").out


@pytest.mark.parametrize(
    "args",
    [
        ["snapshots"],
        ["area", str(D27)],
        ["change", str(D20), str(D27)],
        ["change", "--from", str(D20), "--to", str(D27)],
        ["series"],
        ["series", "--freq", "day", "--last", "3"],
        ["records", "--metric", "net"],
    ],
    ids=lambda a: " ".join(a),
)
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_output_file_holds_what_stdout_shows(capsys, tmp_path, base_store, args, fmt):
    target = tmp_path / f"out.{fmt}"
    shown = ok(capsys, "territory", *args, "--store", base_store, "--format", fmt).out
    run = ok(capsys, "territory", *args, "--store", base_store, "--format", fmt, "-o", target)
    assert run.out == ""
    assert target.read_text(encoding="utf-8") == shown
    assert len(shown) > 20


@pytest.mark.parametrize("args", [["area", str(D27)], ["change", str(D20), str(D27)]])
def test_a_table_is_not_written_to_a_file(capsys, tmp_path, base_store, args):
    target = tmp_path / "table.txt"
    run = vigil(capsys, "territory", *args, "--store", base_store, "-o", target)
    assert (run.code, run.out) == (1, "")
    assert run.err == "Error: --output needs --format csv or json\n"
    assert not target.exists()


def test_export_file_as_word_or_output_flag(capsys, tmp_path, base_store):
    a, b = tmp_path / "a.geojson", tmp_path / "b.geojson"
    ok(capsys, "territory", "export", a, "--store", base_store)
    ok(capsys, "territory", "export", "-o", b, "--store", base_store)
    written = [json.loads(p.read_text()) for p in (a, b)]
    assert [w.pop("name") for w in written] == ["a", "b"]  # GDAL names the layer by the file
    assert written[0] == written[1]
    run = vigil(capsys, "territory", "export", a, "-o", b, "--store", base_store)
    assert run.code == 2
    assert run.err == f"Error: --output: given twice, as FILE ({a}) and as --output ({b})\n"


def test_ingest_input_format_and_the_old_format_flag(capsys, monkeypatch, tmp_path, map_dir):
    monkeypatch.setenv("COLUMNS", "200")  # the parser's error on one line
    store = tmp_path / "s.sqlite"
    run = ok(capsys, "territory", "ingest", map_dir, "--store", store,
             "--input-format", "deepstate-daily")  # fmt: skip
    assert "5 added" in run.out
    old = ok(
        capsys, "territory", "ingest", map_dir, "--store", store, "--format", "deepstate-daily"
    )
    assert "5 unchanged" in old.out
    assert old.err == "note: ingest --format is now --input-format\n"
    assert "--input-format" in ok(capsys, "territory", "ingest", "--help").out
    assert "--format" not in ok(capsys, "territory", "ingest", "--help").out.replace(
        "--input-format", ""
    )
    bad = vigil(capsys, "territory", "ingest", map_dir, "--store", store, "--input-format", "shp")
    assert bad.code == 2
    assert "'auto', 'deepstate-daily', 'deepstate-raw', 'vector'" in bad.err


def test_help_says_what_a_value_is(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    helped = ok(capsys, "territory", "change", "--help").out
    assert "<km²>" in helped and "<n>" in helped
    for line in helped.splitlines():
        if "--with-grey" in line or "--min-fragment-km2" in line:
            assert "<bool>" not in line and "<float>" not in line, line


def test_importing_the_territory_commands_leaves_the_numerical_stack_alone():
    """`vigil territory …` must start fast: the commands import pandas, numpy, shapely,
    geopandas and matplotlib only when they draw or compute (a fresh interpreter)."""
    code = (
        "import sys, vigil.territory.cli;"
        "print(sorted(m for m in ('pandas', 'numpy', 'shapely', 'geopandas', 'matplotlib',"
        " 'rich', 'pyproj') if m in sys.modules))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert run.stdout == "[]\n", run.stdout


# --- the console script ----------------------------------------------------------------
def test_console_script_ingest_then_area_round_trip(tmp_path, map_dir):
    env = {**os.environ, "VIGIL_HOME": str(tmp_path / "home")}
    env.pop("VIGIL_STORE", None)
    store = tmp_path / "script.sqlite"
    ingest = script("territory", "ingest", map_dir, "--store", store, env=env)
    assert ingest.returncode == 0, ingest.stderr
    assert "5 added, 0 replaced, 0 unchanged" in ingest.stdout
    area = script("territory", "area", str(D27), "--store", store, "-f", "json", env=env)
    assert area.returncode == 0, area.stderr
    assert close(json.loads(area.stdout)["area_km2"], km2(SNAPSHOTS[D27]))


def test_console_script_error_is_one_line_and_exit_1(tmp_path):
    env = {**os.environ, "VIGIL_HOME": str(tmp_path / "home")}
    env.pop("VIGIL_STORE", None)
    missing = tmp_path / "missing.sqlite"
    run = script("territory", "area", "2024-10-21", "--store", missing, env=env)
    assert run.returncode == 1
    assert run.stdout == ""
    assert run.stderr == f"Error: {missing}: no store here (run `vigil territory ingest` first)\n"
    assert not missing.exists()


# --- the real DeepState daily archive --------------------------------------------------
def test_real_week_of_21_october_2024(capsys, real_store):
    """The published figure for the week of 21–28 October 2024 is ≈196 km² gained.

    It was measured on the daily files named 21 and 28 October, which hold the maps of
    20 and 27 October (the raw archive gives the same 196.29 km² for 20→27: see
    test_reference.py and docs/method.md, "Snapshot for a date"); Vigil dates snapshots by
    their map."""
    week = as_json(capsys, "territory", "change", "2024-10-20", "2024-10-27", "--store", real_store)
    assert (week["snapshot_from"], week["snapshot_to"]) == ("2024-10-20", "2024-10-27")
    assert week["gained_km2"] == pytest.approx(196.3, abs=0.1)
    # net comes from whole areas, gained/lost from tile pieces: a few thousandths apart at most
    assert week["net_km2"] == pytest.approx(week["gained_km2"] - week["lost_km2"], abs=0.01)


def test_real_records_for_the_week_of_21_october_2024(capsys, real_store):
    """Vigil's week of Monday 21 October 2024 runs from the map of Sunday 20 to that of
    Sunday 27 (docs/method.md, "Periods"): the published week, ≈196.3 km² gained."""
    args = ("territory", "records", "--store", real_store, "--period", "2024-10-21")
    (row,) = as_json(capsys, *args)
    week = as_json(capsys, "territory", "change", "2024-10-20", "2024-10-27", "--store", real_store)
    assert (week["snapshot_from"], week["snapshot_to"]) == ("2024-10-20", "2024-10-27")
    assert (row["period_start"], row["period_end"]) == ("2024-10-21", "2024-10-28")
    assert row["rank_in_year"] == 1
    assert row["larger_before"] is None
    assert row["value"] == pytest.approx(week["gained_km2"], abs=1e-9)
    assert row["value"] == pytest.approx(196.29, abs=0.01)

    out = ok(capsys, *args).out
    sentence = out.strip().splitlines()[-1]
    assert sentence == (
        f"{week['gained_km2']:,.1f} km² gained in the week of 2024-10-21: the largest weekly"
        f" gain in the {row['periods_in_year']} weeks of data since 2024-07-08."
    )


def test_real_series_last(capsys, real_store):
    full = as_json(capsys, "territory", "series", "--store", real_store)
    last = as_json(capsys, "territory", "series", "--store", real_store, "--last", "4")
    assert last == full[-4:]
    assert len(full) > 100  # two years of weeks
    assert all(r["complete"] for r in full)
    csv_last = as_csv(capsys, "territory", "series", "--store", real_store, "--last", "4")
    assert [r["period_start"] for r in csv_last] == [r["period_start"] for r in last]


def _fmt(x: float, signed: bool = False) -> str:
    return f"{x:+,.1f} km²" if signed else f"{x:,.1f} km²"


@pytest.fixture(scope="module")
def real_figures(real_store: Path) -> dict:
    """What `change` and `area` say about the periods a brief dated on the last day covers."""

    def ask(*args: object):
        return json.loads(quiet_main("territory", *args, "--store", real_store, "-f", "json"))

    (held,) = ask("snapshots")
    as_of = dt.date.fromisoformat(held["last"])
    # The last map, 21 August 2026, is a Friday in mid-month: the current week and month
    # are unfinished, so the brief covers the ones before them.
    assert as_of.weekday() == 4 and as_of.day == 21
    day = dt.timedelta(days=1)
    week_end = as_of - dt.timedelta(days=as_of.weekday())  # the Monday on or before
    month_end = as_of.replace(day=1)
    month_start = (month_end - day).replace(day=1)
    # A period [start, end) runs from the map of start - 1 day to the map of end - 1 day;
    # the year to date from the map of 31 December to the map of ``as_of``.
    return {
        "week": ask("change", week_end - dt.timedelta(days=7) - day, week_end - day),
        "month": ask("change", month_start - day, month_end - day),
        "ytd": ask("change", as_of.replace(month=1, day=1) - day, as_of),
        "area": ask("area", as_of),
    }


@pytest.mark.parametrize("suffix", ["md", "html"])
def test_real_brief_has_the_figures_of_change(capsys, tmp_path, real_store, real_figures, suffix):
    target = tmp_path / f"brief.{suffix}"
    run = ok(capsys, "territory", "brief", "--store", real_store, "-o", target)
    assert run.out == f"wrote {target}\n"
    text = target.read_text(encoding="utf-8")

    week = real_figures["week"]
    assert (
        f"From {week['date_from']} to {week['date_to']}, the Russian-controlled area changed by"
        f" a net {_fmt(week['net_km2'], signed=True)}: {_fmt(week['gained_km2'])} gained and"
        f" {_fmt(week['lost_km2'])} lost, according to DeepStateMap snapshots of"
        f" {week['snapshot_from']} and {week['snapshot_to']}."
    ) in text
    for key in ("month", "ytd"):
        c = real_figures[key]
        assert (
            f"{_fmt(c['gained_km2'])} gained, {_fmt(c['lost_km2'])} lost, net"
            f" {_fmt(c['net_km2'], signed=True)} (snapshots of {c['snapshot_from']} and"
            f" {c['snapshot_to']})"
        ) in text
    area = real_figures["area"]
    assert f"On {area['date']}, {_fmt(area['area_km2'])} was under Russian control" in text
    assert "DeepStateMap data via cyterat/deepstate-map-data (GPL-3.0)" in text

    for chart in ("weekly", "monthly", "week-map"):
        assert is_png(tmp_path / f"brief-{chart}.png")
    if suffix == "md":
        assert "![Weekly area gained and lost" in text
        assert "(brief-weekly.png)" in text
    else:
        assert text.startswith("<!DOCTYPE html>")
        assert text.count('<img src="data:image/png;base64,') == 3


def test_brief_on_less_than_a_month_of_data(capsys, tmp_path, base_store):
    target = tmp_path / "short.md"
    run = vigil(capsys, "territory", "brief", "--store", base_store, "-o", target)
    assert "Traceback" not in run.err
    assert run.code == 0
    assert "Traceback" not in target.read_text(encoding="utf-8")
    # As of Saturday 2 November the week of 28 October is unfinished (its last day is
    # the 3rd): the last complete week is that of 21 October, the maps of 20 → 27 October.
    saturday = tmp_path / "saturday.md"
    ok(capsys, "territory", "brief", "--store", base_store, "-o", saturday, "--as-of", "2024-11-02")
    text = saturday.read_text(encoding="utf-8")
    assert f"From {D20} to {D27}, the Russian-controlled area changed" in text
    assert f"{_fmt(GAINED_WEEK_21)} gained and {_fmt(LOST_WEEK_21)} lost" in text
    assert f"snapshots of {D20} and {D27}." in text
