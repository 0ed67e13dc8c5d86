"""Two sources of one store compared (vigil.territory.compare, `vigil territory compare`).

Synthetic sources whose answers are known by construction:
- ``shifted``: A is a rectangle, B the same rectangle moved 0.1° east and reaching 0.1°
  north of the country, so A only, B only and the part outside every oblast are
  rectangles whose geodesic areas pyproj gives on its own;
- ``lagged``: A grows by strips of different widths day after day and B shows A's map
  two days late, so the best lag is +2 days with a median difference of 0.
The figures are checked against brute-force shapely overlays of the input rectangles,
measured with pyproj.Geod (vigil.testing.geod_area_km2), never against Vigil itself.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from tests.cli_runner import vigil
from vigil.errors import InputError, NoDataError
from vigil.territory import compare as C
from vigil.territory import open_store
from vigil.testing import assert_km2_close, geod_area_km2, rectangle, write_daily

STEP = 0.01  # vertices on every edge: straight lon/lat edges, as the store reads them
# (with a vertex only every 0.05°, the store's densification, an east-west geodesic edge
# bows ~0.3 m off its parallel at 48.5°N: ~0.007 km² over 0.5°, above the tolerances here)
WEST = rectangle(36.0, 48.0, 36.5, 48.5, step_deg=STEP)  # oblast ZZ-W
EAST = rectangle(36.5, 48.0, 37.0, 48.5, step_deg=STEP)  # oblast ZZ-E
LAND = shapely.union_all([WEST, EAST])
DAY0 = dt.date(2025, 3, 3)  # a Monday (file dates; the store may date a file a day earlier)
DAYS = [DAY0 + dt.timedelta(days=i) for i in range(30)]
# Strip widths (degrees) A gains day by day: all different, so only one lag aligns them.
WIDTHS = [0.002 * ((i * 7) % 11 + 1) for i in range(len(DAYS))]


def a_map(i: int) -> shapely.Polygon:
    return rectangle(36.1, 48.1, 36.3 + sum(WIDTHS[: i + 1]), 48.3, step_deg=STEP)


SHIFT_A = rectangle(36.1, 48.1, 36.4, 48.4, step_deg=STEP)
SHIFT_B = rectangle(36.2, 48.1, 36.6, 48.6, step_deg=STEP)  # 0.1° further east and north


def km2(geom) -> float:
    return geod_area_km2(geom, straight_edges=True)


def ingest(t, tmp_path: Path, source: str, maps: dict) -> None:
    folder = tmp_path / source
    write_daily(folder, maps)
    t.ingest([folder], source=source)


@pytest.fixture
def oblasts(tmp_path: Path) -> Path:
    frame = gpd.GeoDataFrame(
        {"iso": ["ZZ-W", "ZZ-E"], "name": ["Захід", "Схід"], "name_en": ["West", "East"]},
        geometry=[WEST, EAST],
        crs="EPSG:4326",
    )
    path = tmp_path / "oblasts.gpkg"
    frame.to_file(path)
    return path


@pytest.fixture
def lagged(tmp_path: Path, oblasts: Path) -> Path:
    """``alpha`` holds a_map(i) on day i; ``beta`` holds a_map(i - 2) on day i."""
    path = tmp_path / "lagged.sqlite"
    with open_store(path, create=True) as t:
        ingest(t, tmp_path, "alpha", {d: a_map(i) for i, d in enumerate(DAYS)})
        ingest(t, tmp_path, "beta", {d: a_map(i - 2) for i, d in enumerate(DAYS) if i >= 2})
        t.import_geography(oblasts, "oblast", code_field="iso", name_field="name")
    return path


@pytest.fixture
def shifted(tmp_path: Path, oblasts: Path) -> Path:
    """``alpha`` holds SHIFT_A and ``beta`` SHIFT_B on the same three days."""
    path = tmp_path / "shifted.sqlite"
    with open_store(path, create=True) as t:
        ingest(t, tmp_path, "alpha", {d: SHIFT_A for d in DAYS[:3]})
        ingest(t, tmp_path, "beta", {d: SHIFT_B for d in DAYS[:3]})
        t.import_geography(oblasts, "oblast", code_field="iso", name_field="name")
    return path


@pytest.fixture(autouse=True)
def _commands():
    """Mount the commands as vigil.territory.cli will (idempotent), and rebuild the
    cached click command so that `vigil territory compare` is seen."""
    import vigil.cli
    from vigil.territory import cli
    from vigil.territory.cli_compare import register

    register(cli.app, cli.chart_app)
    vigil.cli.command.cache_clear()
    yield
    vigil.cli.command.cache_clear()


# -- where the maps disagree ------------------------------------------------------------------
def test_disagreement_by_oblast_matches_a_brute_force_overlay(shifted):
    with open_store(shifted) as t:
        on = t.dates("alpha")[1]
        d = C.disagreement(t, "alpha,beta", on)
    a_only, b_only = SHIFT_A.difference(SHIFT_B), SHIFT_B.difference(SHIFT_A)
    assert_km2_close(d.a_only_km2, km2(a_only), rel=1e-6, what="A only")
    assert_km2_close(d.b_only_km2, km2(b_only), rel=1e-6, what="B only")
    assert_km2_close(d.area_a_km2, km2(SHIFT_A), rel=1e-6, what="area A")
    assert_km2_close(d.area_b_km2, km2(SHIFT_B), rel=1e-6, what="area B")
    assert (d.snapshot_a, d.snapshot_b) == (on, on)
    rows = d.by_region.set_index("code")
    # The split by oblast cuts along the oblasts' edges on the 0.25° tile grid, where the
    # store puts a vertex every 0.05° (vigil.territory.tiles): an edge there bows ~0.3 m
    # off the straight lon/lat line, measured here as 0.0043 km² along the 0.5° of the
    # 48.5°N oblast edge. Hence an absolute tolerance of 0.01 km² (a relative one of
    # 1e-6 catches the split when it is not broken into tile-grid slivers).
    for code, oblast in (("ZZ-W", WEST), ("ZZ-E", EAST)):
        for col, geom in (("a_only_km2", a_only), ("b_only_km2", b_only)):
            expected = km2(geom.intersection(oblast))
            got = float(rows.loc[code, col]) if code in rows.index else 0.0
            assert_km2_close(got, expected, rel=1e-6, abs_km2=0.01, what=f"{code} {col}")
    # B reaches 0.1° north of the country: that strip is in no oblast
    assert_km2_close(
        float(rows.loc[C.OUTSIDE_CODE, "b_only_km2"]),
        km2(b_only.difference(LAND)),
        rel=1e-6,
        abs_km2=0.01,
        what="outside",
    )
    diff = rows.b_only_km2 - rows.a_only_km2
    assert (rows.diff_km2 - diff).abs().max() < 1e-9


def test_land_only_clips_both_maps_to_the_oblasts(shifted):
    with open_store(shifted) as t:
        d = C.disagreement(t, "alpha,beta", t.dates("alpha")[0], land_only=True)
    # clipped along the 48.5°N edge, on the tile grid: 0.01 km² (see the test above)
    land_b = km2(SHIFT_B.intersection(LAND))
    assert_km2_close(d.area_b_km2, land_b, rel=1e-6, abs_km2=0.01, what="land B")
    expected = km2(SHIFT_B.difference(SHIFT_A).intersection(LAND))
    assert_km2_close(d.b_only_km2, expected, rel=1e-6, abs_km2=0.01, what="land B only")
    assert d.b_only_km2 < km2(SHIFT_B.difference(SHIFT_A)) - 100  # the strip outside is gone
    assert C.OUTSIDE_CODE not in set(d.by_region.code)


# -- period by period -------------------------------------------------------------------------
def test_weekly_comparison_against_each_series_and_a_brute_force_overlay(lagged):
    with open_store(lagged) as t:
        c = C.compare(t, ["alpha", "beta"], freq="week")
        sa, sb = t.series("week", source="alpha"), t.series("week", source="beta")
        dates_a = t.dates("alpha")
    p = c.periods
    assert list(p.columns) == C.COMPARE_COLUMNS
    assert len(p) >= 2
    for s, frame in (("a", sa), ("b", sb)):
        mine = frame.set_index("period_start")
        for r in p.itertuples():
            other = mine.loc[r.period_start]
            assert getattr(r, f"snapshot_end_{s}") == other.snapshot_end
            for m in ("gained", "lost", "net", "area"):
                assert getattr(r, f"{m}_{s}_km2") == pytest.approx(other[f"{m}_km2"], abs=1e-9)
    assert ((p.net_b_km2 - p.net_a_km2) - p.net_diff_km2).abs().max() < 1e-9
    # at a period end B shows A's map of two days before: A only is the strips between
    for r in p.itertuples():
        i = dates_a.index(r.snapshot_end_a)
        expected = km2(a_map(i).difference(a_map(i - 2)))
        assert_km2_close(r.a_only_km2, expected, rel=1e-6, what=f"A only at {r.period_end}")
        assert r.b_only_km2 == pytest.approx(0, abs=1e-6)
        assert_km2_close(r.area_a_km2, km2(a_map(i)), rel=1e-6, what="area A")
        assert_km2_close(-r.area_diff_km2, expected, rel=1e-5, what="area difference")


def test_periods_with_an_old_snapshot_are_left_out(tmp_path, oblasts):
    path = tmp_path / "holes.sqlite"
    with open_store(path, create=True) as t:
        ingest(t, tmp_path, "alpha", {d: a_map(i) for i, d in enumerate(DAYS)})
        held = [0, 1, 2, 3, 4, 5, 6, 7, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29]  # a 12-day hole
        ingest(t, tmp_path, "beta", {DAYS[i]: a_map(i) for i in held})
        c = C.compare(t, "alpha,beta", freq="week")
        loose = C.compare(t, "alpha,beta", freq="week", max_stale_days=30)
    assert len(c.left_out) >= 1
    assert (c.periods.stale_days <= 3).all()
    assert len(loose.periods) == len(c.periods) + len(c.left_out)


# -- lag --------------------------------------------------------------------------------------
def test_best_lag_is_the_two_days_built_in(lagged):
    with open_store(lagged) as t:
        lag = C.best_lag(t, "alpha,beta")
        back = C.best_lag(t, "beta,alpha")
    assert lag.best_days == 2
    assert back.best_days == -2
    row = lag.table.set_index("lag_days").loc[2]
    assert row.median_abs_diff_km2 == pytest.approx(0, abs=1e-6)
    assert row.correlation == pytest.approx(1, abs=1e-9)
    assert lag.table.set_index("lag_days").loc[0].median_abs_diff_km2 > 1  # not aligned
    assert "+2 days" in lag.sentence()
    assert lag.clear and lag.margin == pytest.approx(1, abs=1e-6)


def test_a_lag_that_does_not_stand_out_is_said_so(tmp_path):
    """Both grow by the same strip every day: every lag aligns them as well."""
    path = tmp_path / "even.sqlite"
    even = [rectangle(36.1, 48.1, 36.3 + 0.01 * (i + 1), 48.3, step_deg=STEP) for i in range(12)]
    with open_store(path, create=True) as t:
        ingest(t, tmp_path, "alpha", {d: even[i] for i, d in enumerate(DAYS[:12])})
        ingest(t, tmp_path, "beta", {d: even[i - 1] for i, d in enumerate(DAYS[:12]) if i})
        lag = C.best_lag(t, "alpha,beta")
    assert not lag.clear and lag.margin is not None and lag.margin < 0.01
    assert "No lag stands out" in lag.sentence()


# -- bad input --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sources", "error", "says"),
    [
        ("alpha", InputError, "expected two sources"),
        ("alpha,alpha", InputError, "two different sources"),
        ("alpha,gamma", NoDataError, "'gamma' is not in this store"),
    ],
)
def test_bad_sources(lagged, sources, error, says):
    with open_store(lagged) as t, pytest.raises(error, match=says) as caught:
        C.compare(t, sources)
    assert caught.value.param == "sources"


def test_sources_without_a_common_date(tmp_path):
    path = tmp_path / "apart.sqlite"
    with open_store(path, create=True) as t:
        ingest(t, tmp_path, "alpha", {d: a_map(i) for i, d in enumerate(DAYS[:3])})
        ingest(t, tmp_path, "beta", {d: a_map(0) for d in DAYS[10:12]})
        with pytest.raises(NoDataError, match="no dates in common"):
            C.compare(t, "alpha,beta")


def test_a_span_outside_the_overlap(lagged):
    with open_store(lagged) as t, pytest.raises(NoDataError, match="no complete week from"):
        C.compare(t, "alpha,beta", date_from="2024-01-01", date_to="2024-02-01")


# -- the command, as a user calls it ----------------------------------------------------------
def test_cli_compare_json_names_the_snapshots(capsys, lagged):
    run = vigil(capsys, "territory", "compare", "--sources", "alpha,beta", "--store", lagged,
                "--format", "json")  # fmt: skip
    assert run.code == 0, run.err
    data = json.loads(run.out)
    assert (data["source_a"], data["source_b"]) == ("alpha", "beta")
    assert data["lag"]["lag_days"] == 2
    row = data["periods"][0]
    for key in ("snapshot_start_a", "snapshot_end_a", "snapshot_start_b", "snapshot_end_b"):
        assert row[key]
    assert data["by_year"][0]["periods"] == len(data["periods"])


def test_cli_compare_on_a_date_and_csv(capsys, shifted, tmp_path):
    out = tmp_path / "by-oblast.csv"
    run = vigil(capsys, "territory", "compare", "--sources", "alpha,beta", "--on", DAYS[2],
                "--store", shifted, "--format", "csv", "-o", out)  # fmt: skip
    assert run.code == 0, run.err
    lines = out.read_text().splitlines()
    assert lines[0].startswith("code,name_en,name_uk,a_only_km2,b_only_km2,diff_km2,source_a")
    assert {line.split(",")[0] for line in lines[1:]} == {"ZZ-W", "ZZ-E", "outside"}
    table = vigil(capsys, "territory", "compare", "--sources", "alpha,beta", "--on", DAYS[2],
                  "--store", shifted)  # fmt: skip
    assert table.code == 0, table.err
    assert "Where they disagree" in table.out


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--sources", "alpha"], "--sources: expected two sources as A,B, got 1 (alpha)"),
        (["--sources", "alpha,gamma"], "--sources: 'gamma' is not in this store"),
        (["--sources", "alpha,beta", "--from", "2025-13-01"], "--from: expected"),
        (["--sources", "alpha,beta", "--on", "2025-03-04", "--from", "2025-03-03"], "--on"),
    ],
)
def test_cli_bad_input_is_one_line(capsys, lagged, args, says):
    run = vigil(capsys, "territory", "compare", *args, "--store", lagged)
    assert run.code != 0
    assert run.err.startswith("Error: ") and run.err.count("\n") == 1, run.err
    assert says in run.err


def test_cli_no_common_dates_is_one_line(capsys, tmp_path):
    path = tmp_path / "apart.sqlite"
    with open_store(path, create=True) as t:
        ingest(t, tmp_path, "alpha", {d: a_map(0) for d in DAYS[:2]})
        ingest(t, tmp_path, "beta", {d: a_map(0) for d in DAYS[10:12]})
    run = vigil(capsys, "territory", "compare", "--sources", "alpha,beta", "--store", path)
    assert run.code == 1
    assert run.err.count("\n") == 1 and "no dates in common" in run.err, run.err


def test_cli_chart_compare_writes_a_png(capsys, lagged, tmp_path):
    out = tmp_path / "compare.png"
    run = vigil(capsys, "territory", "chart", "compare", "--sources", "alpha,beta",
                "--store", lagged, "-o", out)  # fmt: skip
    assert run.code == 0, run.err
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = vigil(capsys, "territory", "chart", "compare", "--sources", "alpha,beta",
                "--store", lagged, "-o", tmp_path / "x.jpg")  # fmt: skip
    assert bad.code == 1 and "expected a .png" in bad.err
