"""The territory alert rules (vigil.watch.territory_rules) on a synthetic store whose
answers are known by construction.

The map (DeepState daily files, ingested as the real ones are): a band at 48°N, 0.1°
high, whose east edge advances; a block held throughout across the border of the one
oblast imported (so that the line of contact is known); from REDRAW_DAY, an island
east of that block, outside the country: a gain far behind the line, which the redraw
rules flag (vigil.territory.redraws, "behind-line").

- Weekly maps on the Sundays from 2025-06-29 to 2026-07-26 (a year of weeks for the
  records), the band gaining 5 … 16 km² a week, 70 km² in the week of 5 January 2026
  and 30 km² in each of the four weeks ending 5 … 26 July 2026;
- then a map every day up to Sunday 9 August 2026 (the newest): 60 km² over the week of
  27 July – 2 August, 40 km² over the week of 3–9 August, plus the island (about 8 km²)
  on 5 August.

Expected figures are measured independently of Vigil: shapely's difference of the
geometries written, measured with pyproj (vigil.testing.geod_area_km2); the snapshot
standing for each period end is found here by the rule stated on its own (the map of
the day before a period's first day, the map of its last day). Alerts show km² to
0.1, so a figure matches when it lies within 0.05 km² (the rounding) + 0.001 km² of
the measure. Ranks are counted by brute force over the measured weekly values.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import shlex
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pytest
from shapely import union_all
from shapely.geometry import Point

from tests.cli_runner import vigil
from tests.conftest import copy_store
from vigil.errors import InputError
from vigil.territory import open_store
from vigil.testing import geod_area_km2, rectangle, write_daily
from vigil.watch import territory_rules as TR

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

    from vigil.watch.alerts import Candidate

SOURCE = "deepstate-daily"  # the name an ingest of daily files gives
NAME = "DeepStateMap"  # the name readers know it by (its credit)
WEST, SOUTH, NORTH = 36.0, 48.02, 48.12
STEP = 0.01
COUNTRY = rectangle(35.0, 47.0, 38.0, 49.5, step_deg=0.05)
BLOCK = rectangle(37.5, 48.5, 38.5, 49.0, step_deg=STEP)
ISLAND = rectangle(38.5, 48.6, 38.52, 48.65, step_deg=STEP)
DAY = dt.timedelta(days=1)
FIRST_SUNDAY = dt.date(2025, 6, 29)
SUNDAYS = [FIRST_SUNDAY + dt.timedelta(weeks=i) for i in range(57)]  # … 2026-07-26
DAILY = [dt.date(2026, 7, 27) + dt.timedelta(days=i) for i in range(14)]  # … 2026-08-09
NEWEST = DAILY[-1]
REDRAW_DAY = dt.date(2026, 8, 5)
BIG_WEEK = dt.date(2026, 1, 11)  # the Sunday ending the week of 5 January 2026
JULY_WEEKS = {dt.date(2026, 7, d) for d in (5, 12, 19, 26)}
TOL = 0.05 + 0.001  # km²: shown to 0.1, measured independently


def band(east: float) -> BaseGeometry:
    return rectangle(WEST, SOUTH, east, NORTH, step_deg=STEP)


def km2_per_degree() -> float:
    return geod_area_km2(rectangle(36.0, SOUTH, 37.0, NORTH, step_deg=STEP))


def week_gain(i: int) -> float:
    """The band's design gain (km²) in the week ending SUNDAYS[i]."""
    if SUNDAYS[i] == BIG_WEEK:
        return 70.0
    if SUNDAYS[i] in JULY_WEEKS:
        return 30.0
    return 5 + 0.5 * ((7 * i) % 23)


def design() -> dict[dt.date, float]:
    """{map date: the band's east edge}."""
    per = km2_per_degree()
    gained, edges = 0.0, {}
    for i, sunday in enumerate(SUNDAYS):
        gained += week_gain(i) if i else 0.0
        edges[sunday] = WEST + 0.05 + gained / per
    for day in DAILY:
        gained += 60 / 7 if day <= dt.date(2026, 8, 2) else 40 / 7
        edges[day] = WEST + 0.05 + gained / per
    return edges


EDGES = design()


def the_map(day: dt.date, edge: float | None = None) -> BaseGeometry:
    parts = [band(EDGES[day] if edge is None else edge), BLOCK]
    if day >= REDRAW_DAY:
        parts.append(ISLAND)
    return union_all(parts)


MAPS = {day: the_map(day) for day in EDGES}


def gained(a: BaseGeometry, b: BaseGeometry) -> float:
    """km² in map ``b`` and not in map ``a`` (pyproj)."""
    return geod_area_km2(b.difference(a))


def lost(a: BaseGeometry, b: BaseGeometry) -> float:
    return geod_area_km2(a.difference(b))


def standing_for(day: dt.date, dates: Iterable[dt.date]) -> dt.date:
    """The latest map dated on or before ``day``."""
    return max(d for d in dates if d <= day)


def close(got: float, expected: float) -> bool:
    return abs(got - expected) <= TOL


# -- settlements of the tiny gazetteer ----------------------------------------------------
def between(a: dt.date, b: dt.date) -> float:
    return (EDGES[a] + EDGES[b]) / 2


TOWN = ("S1", "Тестове", "Testove", "M", 48.07, between(dt.date(2026, 8, 5), dt.date(2026, 8, 6)))
VILLAGE = ("S2", "Село", "Selo", "C", 48.07, between(dt.date(2026, 8, 7), dt.date(2026, 8, 8)))
FAR = ("S3", "Далеке", "Daleke", "X", 47.5, 35.5)
GAZETTEER = (TOWN, VILLAGE, FAR)


def write_gazetteer(path: Path) -> Path:
    rows = [
        "katotth,name_uk,name_en,name_translit,category_katotth,lat,lon,coord_is_settlement,"
        "hromada_katotth,raion_katotth,oblast_iso"
    ]
    rows += [
        f"{c},{uk},{en},{en},{cat},{lat},{lon},1,H1,R1,UA-14"
        for c, uk, en, cat, lat, lon in GAZETTEER
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def first_map_showing(
    lon: float, lat: float, maps: Mapping[dt.date, BaseGeometry] = MAPS
) -> tuple[dt.date, dt.date]:
    """(map before, first map) where the point becomes covered, from the maps written."""
    dates = sorted(maps)
    for a, b in itertools.pairwise(dates):
        if not maps[a].covers(Point(lon, lat)) and maps[b].covers(Point(lon, lat)):
            return a, b
    raise AssertionError("the point is never taken")


# -- the store ----------------------------------------------------------------------------
def ingest(path: Path, folder: Path, maps: Mapping[Any, BaseGeometry]) -> None:
    write_daily(folder, maps)
    with open_store(path, create=True) as t:
        t.ingest([folder], jobs=1)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic store with one oblast and the tiny gazetteer (read only)."""
    folder = tmp_path_factory.mktemp("territory-rules")
    path = folder / "store.sqlite"
    ingest(path, folder / "maps", MAPS)
    oblast = gpd.GeoDataFrame(
        {
            "iso3166_2": ["UA-14"],
            "name_uk": ["Тестова"],
            "name_en": ["Test Oblast"],
            "name_ru": [""],
        },
        geometry=[COUNTRY],
        crs="EPSG:4326",
    )
    oblast.to_file(folder / "oblast.geojson", engine="pyogrio")
    with open_store(path) as t:
        t.import_geography(folder / "oblast.geojson", "oblast")
        t.import_geography(write_gazetteer(folder / "places.csv"), "settlement")
    return path


@pytest.fixture
def store(base: Path, tmp_path: Path) -> Path:
    """A copy of the synthetic store, for a test that changes it."""
    return copy_store(base, tmp_path / "copy.sqlite")


NOW = dt.datetime(2026, 8, 10, 12, tzinfo=dt.UTC)


def run(
    path: Path, settings: TR.Settings | None = None, now: dt.datetime = NOW, **kw: Any
) -> list[Candidate]:
    with open_store(path) as t:
        return TR.evaluate(t, settings or TR.Settings(), source=SOURCE, now=now, **kw)


def by_key(candidates: Iterable[Candidate]) -> dict[str, Candidate]:
    return {c.key: c for c in candidates}


OFF = {
    "week_gain": TR.WeekGain(enabled=False),
    "month_gain": TR.MonthGain(enabled=False),
    "record": TR.Record(enabled=False),
    "settlement": TR.Settlement(enabled=False),
    "redraw": TR.Redraw(enabled=False),
    "stale": TR.Stale(enabled=False),
}


def only(**rules: Any) -> TR.Settings:
    """Settings with only ``rules`` enabled (a test evaluates what it checks)."""
    return TR.Settings(**{**OFF, **rules})


@pytest.fixture(scope="module")
def default_run(base: Path) -> dict[str, Candidate]:
    """Every rule with its defaults on the synthetic store, evaluated once."""
    return by_key(run(base))


# -- week_gain, month_gain ---------------------------------------------------------------
def expected_period(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date, float, float]:
    a = standing_for(start - DAY, MAPS)
    b = standing_for(end - DAY, MAPS)
    return a, b, gained(MAPS[a], MAPS[b]), lost(MAPS[a], MAPS[b])


def test_week_and_month_gains_against_pyproj(default_run: dict[str, Candidate]) -> None:
    got = default_run
    weeks = [dt.date(2026, 7, 27), dt.date(2026, 8, 3)]  # the complete weeks of the lookback
    for start in weeks:
        c = got[f"territory:week_gain:{SOURCE}:{start}"]
        a, b, g, lo = expected_period(start, start + 7 * DAY)
        assert (c.period_start, c.period_end) == (start, start + 7 * DAY)
        assert c.snapshots == (a.isoformat(), b.isoformat())
        assert close(c.figures["gained_km2"], g), (c.figures, g)
        assert close(c.figures["lost_km2"], lo)
        assert close(c.figures["net_km2"], g - lo)
        assert c.figures["snapshots"] == [a.isoformat(), b.isoformat()]
        assert c.notable is (round(g, 1) > 50.0)
        assert c.command == f"vigil territory change --source {SOURCE} --from {a} --to {b}"
        assert c.api == f"/api/territory/change?from={a}&to={b}"
        assert c.link == f"/figures/?week={start}"
    first = got[f"territory:week_gain:{SOURCE}:2026-07-27"]
    assert first.notable and not got[f"territory:week_gain:{SOURCE}:2026-08-03"].notable
    assert first.title == (
        f"Russian forces gained {first.figures['gained_km2']:.1f} km² in the week of"
        f" 27 July – 2 August 2026 ({NAME})"
    )
    assert "Largest gains: +" in first.body  # placed in words: geography is imported
    # the week of 20-26 July ends before the lookback; August is not complete
    assert f"territory:week_gain:{SOURCE}:2026-07-20" not in got
    assert not any(k.startswith(f"territory:month_gain:{SOURCE}:2026-08") for k in got)
    july = got[f"territory:month_gain:{SOURCE}:2026-07-01"]
    a, b, g, _ = expected_period(dt.date(2026, 7, 1), dt.date(2026, 8, 1))
    assert (a, b) == (dt.date(2026, 6, 28), dt.date(2026, 7, 31))
    assert close(july.figures["gained_km2"], g) and july.notable is (round(g, 1) > 150)
    assert july.notable and july.link == "/figures/?month=2026-07"
    assert july.title.startswith("Russian forces gained") and "in July 2026" in july.title


@pytest.mark.parametrize("above", [True, False])
def test_the_threshold_is_crossed_at_the_shown_figure(base: Path, above: bool) -> None:
    start = dt.date(2026, 8, 3)
    _, _, g, _ = expected_period(start, start + 7 * DAY)
    shown = round(g, 1)
    threshold = shown - 0.1 if above else shown  # "above": strictly more than it
    settings = only(week_gain=TR.WeekGain(threshold_km2=threshold))
    c = by_key(run(base, settings, lookback_days=7))[f"territory:week_gain:{SOURCE}:{start}"]
    assert c.notable is above


def test_a_shorter_lookback_evaluates_fewer_periods(base: Path) -> None:
    keys = by_key(
        run(base, only(week_gain=TR.WeekGain(), month_gain=TR.MonthGain()), lookback_days=3)
    )
    assert f"territory:week_gain:{SOURCE}:2026-08-03" in keys
    assert f"territory:week_gain:{SOURCE}:2026-07-27" not in keys  # ends 7 days before
    assert f"territory:month_gain:{SOURCE}:2026-07-01" not in keys


def replace_day(path: Path, folder: Path, day: dt.date, like: dt.date) -> None:
    """Upstream replaces the map of ``day`` by one whose band edge is that of ``like``."""
    with open_store(path) as t:
        report = t.ingest([_one(folder, day, the_map(day, EDGES[like]))], jobs=1)
    assert report.replaced, "the day was not replaced"


def _one(folder: Path, day: dt.date, geometry: BaseGeometry) -> Path:
    folder.mkdir(exist_ok=True)
    write_daily(folder, {day: geometry})
    return folder


def test_a_replaced_day_supersedes_and_below_the_threshold_still_corrects(
    store: Path, tmp_path: Path, db: None
) -> None:
    from vigil.watch import alerts

    key1 = f"territory:week_gain:{SOURCE}:2026-07-27"
    key2 = f"territory:week_gain:{SOURCE}:2026-08-03"
    gains = only(week_gain=TR.WeekGain())
    first = alerts.record(run(store, gains))
    assert key1 in {a.key for a in first.new} and key2 not in {a.key for a in first.new}
    old = alerts.Alert.objects.get(key=key1, current=True)

    # the map of Sunday 2 August (the end of one week, the start of the next) is
    # replaced upstream by one a day behind: both weeks change
    sunday = dt.date(2026, 8, 2)
    replace_day(store, tmp_path / "r1", sunday, dt.date(2026, 8, 1))
    maps = {**MAPS, sunday: the_map(sunday, EDGES[dt.date(2026, 8, 1)])}
    again = by_key(run(store, gains))
    g1 = gained(maps[dt.date(2026, 7, 26)], maps[sunday])
    g2 = gained(maps[sunday], maps[dt.date(2026, 8, 9)])
    assert close(again[key1].figures["gained_km2"], g1) and round(g1, 1) > 50
    assert close(again[key2].figures["gained_km2"], g2) and round(g2, 1) > 50  # crossed
    assert again[key1].fingerprint != old.fingerprint
    second = alerts.record(again.values())
    assert [(o.pk, n.key) for o, n in second.corrections] == [(old.pk, key1)]
    assert key2 in {a.key for a in second.new}  # the next week now passes the threshold
    fixed = alerts.Alert.objects.get(key=key1, current=True)
    assert (
        fixed.supersedes_id == old.pk
        and fixed.figures["gained_km2"] == again[key1].figures["gained_km2"]
    )

    # replaced again, two days behind: the week falls under the threshold, and the
    # not-notable figure still supersedes the alert made on the old one
    replace_day(store, tmp_path / "r2", sunday, dt.date(2026, 7, 31))
    g1 = gained(MAPS[dt.date(2026, 7, 26)], the_map(sunday, EDGES[dt.date(2026, 7, 31)]))
    third_candidates = by_key(run(store, gains))
    below = third_candidates[key1]
    assert close(below.figures["gained_km2"], g1) and round(g1, 1) <= 50 and not below.notable
    third = alerts.record(third_candidates.values())
    assert [(o.pk, n.key) for o, n in third.corrections if n.key == key1] == [(fixed.pk, key1)]
    # and a fourth run with nothing new stores nothing
    fourth = alerts.record(run(store, gains))
    assert fourth.new == [] and fourth.corrections == []


# -- record ------------------------------------------------------------------------------
def measured_weeks() -> list[tuple[dt.date, float]]:
    """(week start, gained km²) of every complete week of the data, measured here."""
    dates = sorted(MAPS)
    out = []
    start = FIRST_SUNDAY + DAY
    while start + 6 * DAY <= NEWEST:
        a, b = standing_for(start - DAY, dates), standing_for(start + 6 * DAY, dates)
        out.append((start, gained(MAPS[a], MAPS[b])))
        start += 7 * DAY
    return out


def brute_rank(values: list[tuple[dt.date, float]], i: int, window: int) -> tuple[int, int]:
    year = [v for _, v in values[max(0, i - window + 1) : i + 1]]
    return 1 + sum(v > values[i][1] for v in year), len(year)


@pytest.mark.parametrize("max_rank", [1, 2])
def test_record_ranks_the_week_in_its_trailing_year(base: Path, max_rank: int) -> None:
    weeks = measured_weeks()
    i = [s for s, _ in weeks].index(dt.date(2026, 7, 27))
    rank, n = brute_rank(weeks, i, 52)
    larger = [s for s, v in weeks[:i] if v > weeks[i][1]][-1]
    settings = only(record=TR.Record(periods=("week",), max_rank=max_rank))
    got = by_key(run(base, settings))
    c = got[f"territory:record:{SOURCE}:week:gained:2026-07-27"]
    assert (c.figures["rank_in_year"], c.figures["periods_in_year"]) == (rank, n) == (2, 52)
    assert c.figures["larger_before"] == larger.isoformat() == "2026-01-05"
    assert close(c.figures["value_km2"], weeks[i][1])
    assert c.notable is (rank <= max_rank)
    assert "the largest weekly gain since the week of 2026-01-05" in c.body
    assert c.title.startswith("Weekly gain ranked 2 of 52 weeks in the trailing year")
    assert c.link == "/figures/?week=2026-07-27" and "period=2026-07-27" in c.api
    assert not any(k.startswith(f"territory:record:{SOURCE}:month") for k in got)


def test_the_month_record_and_a_short_history_is_no_record(
    default_run: dict[str, Candidate], tmp_path: Path
) -> None:
    got = default_run
    july = got[f"territory:record:{SOURCE}:month:gained:2026-07-01"]
    assert july.figures["rank_in_year"] == 1 and july.figures["year_covered"]
    assert july.figures["larger_before"] is None and july.notable
    assert july.title.startswith("Largest monthly gain in all the data")
    # the same week ranked among few weeks of data (the data then begin in July 2026)
    short = only(record=TR.Record(periods=("week",)))
    cut = {d: m for d, m in MAPS.items() if d >= dt.date(2026, 7, 12)}  # 4 weeks of data
    path = tmp_path / "short.sqlite"
    ingest(path, tmp_path / "short-maps", cut)
    c = by_key(run(path, short))[f"territory:record:{SOURCE}:week:gained:2026-07-27"]
    assert c.figures["rank_in_year"] == 1 and not c.figures["year_covered"]
    assert not c.notable  # the largest of 3 weeks of data is no record


# -- settlement --------------------------------------------------------------------------
def test_a_settlement_changing_hands(base: Path, default_run: dict[str, Candidate]) -> None:
    got = [c for c in default_run.values() if c.kind == "settlement"]
    code, uk, en, _, lat, lon = TOWN
    a, b = first_map_showing(lon, lat)
    assert [c.key for c in got] == [f"territory:settlement:{SOURCE}:{code}:{b}"]  # not the village
    c = got[0]
    assert (c.figures["from_status"], c.figures["to_status"]) == ("free", "controlled")
    assert c.figures["date"] == b.isoformat() and c.snapshots == (a.isoformat(), b.isoformat())
    assert (c.figures["name_uk"], c.figures["name_en"], c.figures["oblast"]) == (uk, en, "UA-14")
    assert (
        c.title
        == f"{en} ({uk}), Test Oblast: free → controlled on the map of 6 August 2026 ({NAME})"
    )
    assert c.link == f"/?from={a}&to={b}" and c.event_date == b
    every = only(settlement=TR.Settlement(categories=()))
    codes = {
        c.figures["code"]: c.figures["date"] for c in run(base, every) if c.kind == "settlement"
    }
    v_code, *_, v_lat, v_lon = VILLAGE
    assert codes == {code: b.isoformat(), v_code: first_map_showing(v_lon, v_lat)[1].isoformat()}


def test_a_replaced_map_moves_a_settlement_change_and_withdraws_the_old_alert(
    store: Path, tmp_path: Path, db: None
) -> None:
    from vigil.watch import alerts

    settings = only(settlement=TR.Settlement())
    code, *_, lat, lon = TOWN
    _, b = first_map_showing(lon, lat)
    first = alerts.record(run(store, settings))
    assert [a.key for a in first.new] == [f"territory:settlement:{SOURCE}:{code}:{b}"]
    # upstream redraws the map of that day as the day before: the town falls a day later
    replace_day(store, tmp_path / "r", b, b - DAY)
    _, later = first_map_showing(lon, lat, {**MAPS, b: the_map(b, EDGES[b - DAY])})
    assert later == b + DAY
    found = run(store, settings)
    with open_store(store) as t:
        gone = TR.withdrawals(t, settings, found, source=SOURCE)
    assert [c.key for c in found] == [f"territory:settlement:{SOURCE}:{code}:{later}"]
    assert [c.key for c in gone] == [f"territory:settlement:{SOURCE}:{code}:{b}"]
    assert gone[0].figures["withdrawn"] is True and not gone[0].notable
    second = alerts.record([*found, *gone])
    assert [a.key for a in second.new] == [found[0].key]
    assert [(o.key, n.figures["withdrawn"]) for o, n in second.corrections] == [(gone[0].key, True)]
    # the next run finds the same: nothing new, nothing withdrawn twice
    with open_store(store) as t:
        again = TR.withdrawals(t, settings, found, source=SOURCE)
    assert again == []
    third = alerts.record([*run(store, settings), *again])
    assert third.new == [] and third.corrections == []


def test_no_gazetteer_no_settlement_alert(tmp_path: Path) -> None:
    path = tmp_path / "bare.sqlite"
    ingest(path, tmp_path / "maps", {d: MAPS[d] for d in DAILY[-4:]})
    got = run(path, TR.Settings(record=TR.Record(enabled=False)))  # every other rule
    assert [c for c in got if c.kind == "settlement"] == []
    assert any(c.kind == "redraw" for c in got)  # the other rules ran


# -- redraw ------------------------------------------------------------------------------
def test_a_redraw_far_behind_the_line(base: Path, default_run: dict[str, Candidate]) -> None:
    got = [c for c in default_run.values() if c.kind == "redraw"]
    days = [d for d in DAILY if d >= NEWEST - 13 * DAY]
    assert [c.period_start for c in got] == days  # every day of the lookback, once
    notable = [c for c in got if c.notable]
    assert [c.key for c in notable] == [f"territory:redraw:{SOURCE}:{REDRAW_DAY}"]
    c = notable[0]
    assert close(c.figures["gained_redraw_km2"], geod_area_km2(ISLAND))
    assert c.figures["lost_redraw_km2"] == 0.0 and c.figures["reasons"] == ["behind-line"]
    assert c.snapshots == ((REDRAW_DAY - DAY).isoformat(), REDRAW_DAY.isoformat())
    assert "far behind the line of contact" in c.title
    over = only(redraw=TR.Redraw(min_km2=round(geod_area_km2(ISLAND), 1) + 0.1))
    assert not any(c.notable for c in run(base, over) if c.kind == "redraw")


# -- stale -------------------------------------------------------------------------------
# The file of day D holds the map of D - 1 (docs/method.md): the newest map, of 9 August,
# came in the file of 10 August, a day that ends at 2026-08-11 00:00 UTC.
PUBLISHED_BY = dt.datetime(2026, 8, 11, tzinfo=dt.UTC)


def stale(path: Path, now: dt.datetime, hours: float = 48) -> list[Candidate]:
    return run(path, only(stale=TR.Stale(hours=hours)), now=now)


def test_stale_once_per_quiet_spell(store: Path, tmp_path: Path, db: None) -> None:
    from vigil.watch import alerts

    limit = PUBLISHED_BY + dt.timedelta(hours=48)
    assert stale(store, limit - dt.timedelta(minutes=1)) == []
    (c,) = stale(store, limit + dt.timedelta(minutes=1))
    assert c.key == f"territory:stale:{SOURCE}:{NEWEST}" and c.notable and c.kind == "stale"
    assert c.topic == "territory" and int(c.level) == int(alerts.Level.PUBLIC)
    assert len(alerts.record([c]).new) == 1
    later = stale(store, limit + dt.timedelta(hours=30))  # still quiet: the same event
    assert alerts.record(later).unchanged == 1
    assert stale(store, limit - dt.timedelta(minutes=30), hours=47) != []  # hours is read
    # a new map ends the spell; the next quiet spell is another event
    nxt = NEWEST + DAY
    with open_store(store) as t:
        t.ingest([_one(tmp_path / "new", nxt, MAPS[NEWEST])], jobs=1)
    assert stale(store, limit + dt.timedelta(hours=12)) == []
    (again,) = stale(store, limit + dt.timedelta(days=2))
    assert again.key == f"territory:stale:{SOURCE}:{nxt}"
    assert len(alerts.record([again]).new) == 1


# -- reproducible: the command gives the figures ------------------------------------------
def cli_json(capsys: pytest.CaptureFixture[str], path: Path, command: str) -> Any:
    words = shlex.split(command)
    assert words[:2] == ["vigil", "territory"]
    result = vigil(capsys, *words[1:], "--store", path, "--format", "json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_each_command_gives_the_alert_figures(
    base: Path, default_run: dict[str, Candidate], capsys: pytest.CaptureFixture[str]
) -> None:
    got = default_run
    week = got[f"territory:week_gain:{SOURCE}:2026-07-27"]
    out = cli_json(capsys, base, week.command)
    assert [out["snapshot_from"], out["snapshot_to"]] == list(week.snapshots)
    for name in ("gained_km2", "lost_km2", "net_km2"):
        assert round(out[name], 1) == week.figures[name]

    record = got[f"territory:record:{SOURCE}:week:gained:2026-07-27"]
    (row,) = cli_json(capsys, base, record.command)
    assert round(row["value"], 1) == record.figures["value_km2"]
    assert (row["rank_in_year"], row["periods_in_year"]) == (2, 52)
    assert str(row["larger_before"])[:10] == record.figures["larger_before"]

    (place,) = [c for c in got.values() if c.kind == "settlement"]
    found = cli_json(capsys, base, place.command)["settlements"]
    assert [(r["code"], r["from_status"], r["to_status"], str(r["since"])[:10]) for r in found] == [
        (place.figures["code"], "free", "controlled", place.figures["date"])
    ]

    redraw = got[f"territory:redraw:{SOURCE}:{REDRAW_DAY}"]
    out = cli_json(capsys, base, redraw.command)
    assert round(out["gained_redraw_km2"], 1) == redraw.figures["gained_redraw_km2"]
    assert out["redraw_reasons"] == ", ".join(redraw.figures["reasons"])


# -- settings ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("make", "param"),
    [
        (lambda: TR.WeekGain(threshold_km2=-1), "rules.week_gain.threshold_km2"),
        (lambda: TR.MonthGain(threshold_km2=float("nan")), "rules.month_gain.threshold_km2"),
        (lambda: TR.Record(periods=("year",)), "rules.record.periods"),
        (lambda: TR.Record(metric="area"), "rules.record.metric"),
        (lambda: TR.Record(max_rank=0), "rules.record.max_rank"),
        (lambda: TR.Settlement(min_population=1000), "rules.settlement.min_population"),
        (lambda: TR.Settlement(categories=("",)), "rules.settlement.categories"),
        (
            lambda: TR.Redraw(min_km2="x"),  # type: ignore[arg-type]
            "rules.redraw.min_km2",
        ),
        (lambda: TR.Stale(hours=0), "rules.stale.hours"),
    ],
)
def test_bad_settings_name_the_key(make: Callable[[], object], param: str) -> None:
    with pytest.raises(InputError) as caught:
        make()
    assert caught.value.param == param


def test_settings_defaults() -> None:
    s = TR.Settings()
    assert (s.week_gain.threshold_km2, s.month_gain.threshold_km2) == (50.0, 150.0)
    assert (s.record.periods, s.record.metric, s.record.max_rank) == (
        ("week", "month"),
        "gained",
        1,
    )
    assert s.settlement.categories == ("M", "K", "T", "X") and s.settlement.min_population == 0
    assert (s.redraw.min_km2, s.stale.hours) == (1.0, 48.0)
    assert TR.Settlement(categories=("m", " x")).categories == ("M", "X")


def test_a_source_not_in_the_store_gives_nothing(base: Path) -> None:
    with open_store(base) as t:
        assert TR.evaluate(t, TR.Settings(), source="nowhere", now=NOW) == []
