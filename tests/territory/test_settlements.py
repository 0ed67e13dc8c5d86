"""Settlements against control maps: status, changes between snapshots, timelines, coverage.

Two kinds of check:

- synthetic maps with known answers: boxes with points inside, outside, on a boundary
  (covered-by rule), on the edge shared by the controlled area and the grey zone, in the
  grey zone only, and unlocated points that must never be tested; five daily maps built
  from a plan of statuses per settlement (a fall on day 3, a capture and retaking, a
  back-and-forth), so every answer of ``changes`` and ``timeline`` is read off the plan;
  coverage against a hand count;
- the bundled daily DeepState archive with the shipped geography (``daily_geo_store`` of
  tests/conftest.py, built once per run): Pokrovsk's transition to controlled, and the
  settlements that changed over the week of 21–28 October 2024, cross-checked with
  ``shapely.covers`` alone.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point

from vigil.territory import open_store
from vigil.territory import settlements as S
from vigil.territory.geography import find_settlements

# --- status on one snapshot -------------------------------------------------------------

# Controlled: the box [37.0, 37.1] x [48.0, 48.1]; grey: the box east of it, sharing the
# edge lon = 37.1.
CONTROLLED = shapely.box(37.0, 48.0, 37.1, 48.1)
GREY = shapely.box(37.1, 48.0, 37.2, 48.1)

POINTS = pd.DataFrame(
    [
        # code, lon, lat, located, expected status
        ("inside", 37.05, 48.05, 1, S.CONTROLLED),
        ("on-west-edge", 37.0, 48.05, 1, S.CONTROLLED),
        ("on-corner", 37.0, 48.0, 1, S.CONTROLLED),
        ("on-shared-edge", 37.1, 48.05, 1, S.CONTROLLED),  # controlled wins over grey
        ("grey-only", 37.15, 48.05, 1, S.GREY),
        ("on-grey-east-edge", 37.2, 48.05, 1, S.GREY),
        ("outside", 37.3, 48.05, 1, S.FREE),
        ("just-outside", 37.0 - 1e-9, 48.05, 1, S.FREE),
        ("unlocated-inside", 37.05, 48.05, 0, S.UNLOCATED),  # a hromada point: never tested
        ("located-no-coords", np.nan, np.nan, 1, S.UNLOCATED),
    ],
    columns=["code", "lon", "lat", "located", "expected"],
)


def test_status_at_points_inside_outside_on_boundary_grey_unlocated() -> None:
    got = S.status_at(POINTS, CONTROLLED, GREY)
    assert dict(zip(POINTS["code"], got, strict=True)) == dict(
        zip(POINTS["code"], POINTS["expected"], strict=True)
    )


def test_boundary_rule_is_covered_by_not_contains() -> None:
    # The rule matters: shapely's contains_xy leaves the boundary point out.
    on_edge = POINTS[POINTS["code"] == "on-west-edge"]
    assert not shapely.contains_xy(CONTROLLED, 37.0, 48.05)
    assert S.status_at(on_edge, CONTROLLED).tolist() == [S.CONTROLLED]
    # Without a controlled area, a point on the grey zone's boundary is grey.
    assert S.status_at(on_edge, None, shapely.box(36.9, 48.0, 37.0, 48.1)).tolist() == [S.GREY]


def test_status_without_grey_or_controlled() -> None:
    by_code = POINTS.set_index("code")
    no_grey = dict(zip(POINTS["code"], S.status_at(POINTS, CONTROLLED), strict=True))
    assert no_grey["grey-only"] == S.FREE
    assert no_grey["inside"] == S.CONTROLLED
    nothing = S.status_at(POINTS, None, None)
    located = by_code["expected"] != S.UNLOCATED
    assert (nothing[located.to_numpy()] == S.FREE).all()
    empty = S.status_at(POINTS, shapely.Polygon(), shapely.Polygon())
    assert (empty == nothing).all()


def test_status_at_ignores_index_and_keeps_row_order() -> None:
    shuffled = POINTS.sample(frac=1, random_state=1).set_index(pd.Index(range(100, 110)))
    got = S.status_at(shuffled, CONTROLLED, GREY)
    assert got.tolist() == shuffled["expected"].tolist()


def test_status_at_answers_the_whole_gazetteer_as_covers_does() -> None:
    # 19,535 located points against a ragged polygon of 5,000 vertices (the DeepState maps
    # have at most ≈4,500): ≈0.015 s measured idle, with GEOS's prepared point test, which
    # grows with the vertex count (≈0.05 s at 20,000 vertices, ≈0.26 s at 100,000). Not
    # timed here: a timed assertion fails on a busy machine (0.27 s seen at load 12).
    rng = np.random.default_rng(7)
    angles = np.linspace(0, 2 * np.pi, 5_000, endpoint=False)
    radius = 3 + 0.3 * rng.random(angles.size)
    ragged = shapely.Polygon(np.c_[35 + radius * np.cos(angles), 48 + radius * np.sin(angles)])
    n = 19_535
    frame = pd.DataFrame(
        {"lon": rng.uniform(30, 40, n), "lat": rng.uniform(44, 52, n), "located": 1}
    )
    reference = shapely.from_wkb(shapely.to_wkb(ragged))  # a copy: `ragged` stays unprepared
    shapely.prepare(reference)
    expected = shapely.covers(reference, shapely.points(frame["lon"], frame["lat"]))
    got = S.status_at(frame, ragged)
    assert ((got == S.CONTROLLED) == expected).all()
    assert 0 < expected.sum() < n  # both answers occur


# --- five daily maps built from a plan ------------------------------------------------------

DAYS = [dt.date(2024, 10, d) for d in range(21, 26)]  # A = DAYS[0], B = DAYS[-1]
C, G, F = S.CONTROLLED, S.GREY, S.FREE
PLAN = {
    # settlement: status on each of the five days (the maps are drawn from this)
    "falls-day-3": [F, F, C, C, C],
    "via-grey": [F, G, G, C, C],  # free -> controlled; since = day 4, 2 transitions
    "captured-retaken": [F, C, C, F, F],  # changes and changes back: not listed
    "back-and-forth": [F, C, F, C, C],  # since = day 4 (the run lasting to B), 3 transitions
    "greyed": [F, F, F, F, G],
    "retaken": [C, C, F, F, F],
    "always-controlled": [C, C, C, C, C],
    "always-free": [F, F, F, F, F],
}


def plan_settlements() -> pd.DataFrame:
    names = list(PLAN)
    frame = pd.DataFrame(
        {
            "code": [f"UA14{i:015d}" for i in range(len(names))],
            "name_en": names,
            "oblast": "UA-14",
            "lon": [36.0 + 0.5 * i for i in range(len(names))],
            "lat": 48.0,
            "located": 1,
        }
    )
    # An unlocated settlement whose hromada point lies in the middle of "falls-day-3":
    # it must never appear, whatever the maps say.
    ghost = {"code": "UA14999", "name_en": "ghost", "oblast": "UA-14", "lon": 36.0,
             "lat": 48.0, "located": 0}  # fmt: skip
    return pd.concat([frame, pd.DataFrame([ghost])], ignore_index=True)


def plan_maps() -> list[S.MapSnapshot]:
    """One (date, controlled, grey) per day: a 0.1° box around each settlement whose plan
    says controlled (or grey) that day."""
    frame = plan_settlements().iloc[: len(PLAN)]
    maps = []
    for day, date in enumerate(DAYS):
        boxes = {C: [], G: []}
        for name, lon, lat in zip(frame["name_en"], frame["lon"], frame["lat"], strict=True):
            status = PLAN[name][day]
            if status in boxes:
                boxes[status].append(shapely.box(lon - 0.05, lat - 0.05, lon + 0.05, lat + 0.05))
        maps.append(S.MapSnapshot(date, shapely.union_all(boxes[C]), shapely.union_all(boxes[G])))
    return maps


def plan_changes() -> pd.DataFrame:
    frame, maps = plan_settlements(), plan_maps()
    before = S.status_at(frame, maps[0].controlled, maps[0].grey)
    after = S.status_at(frame, maps[-1].controlled, maps[-1].grey)
    return S.changes(frame, before, after, (m for m in maps[1:]))  # a one-pass generator


def test_status_reproduces_the_plan_every_day() -> None:
    frame = plan_settlements()
    for day, m in enumerate(plan_maps()):
        got = S.status_at(frame, m.controlled, m.grey)
        assert got.tolist() == [PLAN[n][day] for n in PLAN] + [S.UNLOCATED]


def test_changes_lists_settlements_whose_status_differs_between_a_and_b() -> None:
    got = plan_changes().set_index("name_en")
    assert sorted(got.index) == ["back-and-forth", "falls-day-3", "greyed", "retaken", "via-grey"]
    assert "captured-retaken" not in got.index  # changed and changed back: not listed
    assert "ghost" not in got.index
    expected = {
        # name: from, to, since, transitions
        "falls-day-3": (F, C, DAYS[2], 1),  # since = the first snapshot in the new status
        "via-grey": (F, C, DAYS[3], 2),
        "back-and-forth": (F, C, DAYS[3], 3),
        "greyed": (F, G, DAYS[4], 1),
        "retaken": (C, F, DAYS[2], 1),
    }
    for name, (from_status, to_status, since, transitions) in expected.items():
        row = got.loc[name]
        assert (row.from_status, row.to_status, row.since, row.transitions) == (
            from_status,
            to_status,
            since,
            transitions,
        ), name


def test_changes_sorted_by_since_and_carries_gazetteer_columns() -> None:
    got = plan_changes()
    assert list(got.columns) == [
        "code", "name_en", "oblast", "lon", "lat",
        "from_status", "to_status", "since", "transitions",
    ]  # fmt: skip
    assert list(got["since"]) == sorted(got["since"])


def test_changes_accepts_snapshot_a_in_the_stream() -> None:
    frame, maps = plan_settlements(), plan_maps()
    before = S.status_at(frame, maps[0].controlled, maps[0].grey)
    after = S.status_at(frame, maps[-1].controlled, maps[-1].grey)
    with_a = S.changes(frame, before, after, maps)
    pd.testing.assert_frame_equal(with_a, plan_changes())


def test_changes_with_no_change_is_empty() -> None:
    frame, maps = plan_settlements(), plan_maps()
    same = S.status_at(frame, maps[0].controlled, maps[0].grey)
    got = S.changes(frame, same, same, maps[1:1])
    assert got.empty
    assert "since" in got.columns


def test_changes_rejects_inconsistent_input() -> None:
    frame, maps = plan_settlements(), plan_maps()
    before = S.status_at(frame, maps[0].controlled, maps[0].grey)
    after = S.status_at(frame, maps[-1].controlled, maps[-1].grey)
    with pytest.raises(ValueError, match="not those at B"):
        S.changes(frame, before, after, maps[1:3])  # stops before B
    with pytest.raises(ValueError, match="out of order"):
        S.changes(frame, before, after, maps[::-1])
    with pytest.raises(ValueError, match="statuses"):
        S.changes(frame, before[:-1], after, maps[1:])


def test_timeline_shows_capture_and_retaking() -> None:
    frame = plan_settlements().set_index("name_en")
    row = frame.loc["captured-retaken"]
    got = S.timeline(row.lon, row.lat, plan_maps())
    expected = pd.DataFrame(
        {
            "status": [F, C, F],
            "first_snapshot": [DAYS[0], DAYS[1], DAYS[3]],
            "last_snapshot": [DAYS[0], DAYS[2], DAYS[4]],
            "snapshots": [1, 2, 2],
        }
    )
    pd.testing.assert_frame_equal(got, expected)


@pytest.mark.parametrize("name", list(PLAN))
def test_timeline_runs_expand_to_the_plan(name: str) -> None:
    row = plan_settlements().set_index("name_en").loc[name]
    got = S.timeline(row.lon, row.lat, (m for m in plan_maps()))
    expanded = [s for s, n in zip(got["status"], got["snapshots"], strict=True) for _ in range(n)]
    assert expanded == PLAN[name]
    assert got["snapshots"].sum() == len(DAYS)
    assert (got["status"] != got["status"].shift()).all()  # runs are maximal


def test_timeline_edge_cases() -> None:
    empty = S.timeline(37.0, 48.0, [])
    assert list(empty.columns) == S.TIMELINE_COLUMNS and empty.empty
    on_edge = S.timeline(37.0, 48.05, [(DAYS[0], CONTROLLED, None), (DAYS[1], None, GREY)])
    assert on_edge["status"].tolist() == [C, F]  # covered-by, as in status_at
    with pytest.raises(ValueError, match="out of order"):
        S.timeline(37.0, 48.0, [(DAYS[1], None, None), (DAYS[0], None, None)])


# --- coverage -------------------------------------------------------------------------------


def test_coverage_against_a_hand_count() -> None:
    frame = pd.DataFrame(
        {
            "oblast": ["UA-14", "UA14", "UA-14", "UA-14", "UA-09", "UA-09", "UA-23"],
            "lon": [37.0, 37.1, 37.2, np.nan, 39.0, 39.1, 35.0],
            "lat": [48.0, 48.1, 48.2, np.nan, 48.5, 48.6, 47.5],
            "located": [1, 1, 0, 1, 1, 0, 0],
        }
    )
    # By hand: UA-14 has 4 rows, 2 located (the NaN-coordinate row is not);
    # UA-09 2 rows, 1 located; UA-23 1 row, none; UA-65 none at all.
    got = S.coverage(frame, ["UA-14", "UA09", "UA-65", "ua-14"])
    expected = pd.DataFrame(
        {
            "oblast": ["UA-14", "UA-09", "UA-65"],
            "settlements": [4, 2, 0],
            "located": [2, 1, 0],
            "located_pct": [50.0, 50.0, np.nan],
        }
    )
    pd.testing.assert_frame_equal(got, expected)
    every = S.coverage(frame)
    assert every["oblast"].tolist() == ["UA-09", "UA-14", "UA-23"]
    assert every["settlements"].sum() == len(frame)
    assert S.coverage_sentence(got.iloc[0], "Donetsk oblast") == (
        "the gazetteer locates 2 of 4 settlements in Donetsk oblast (50 %)"
    )
    assert S.coverage_sentence(got.iloc[2]) == "the gazetteer lists no settlements in UA-65"


# --- real data: the bundled daily DeepState archive -----------------------------------------


@pytest.fixture(scope="module")
def territory(daily_geo_store: Path):
    t = open_store(daily_geo_store)
    yield t
    t.close()


class Maps:
    """The daily archive's controlled maps by date (no grey kind in it)."""

    def __init__(self, territory) -> None:
        self.store = territory.store
        self.source = territory.resolve_source()
        self.dates = self.store.dates(self.source, "controlled")

    def geometry(self, date: dt.date):
        return self.store.geometry(self.store.snapshot(self.source, "controlled", date).id)

    def stream(self, after: dt.date | None = None, until: dt.date | None = None):
        for date in self.dates:
            if (after is None or date > after) and (until is None or date <= until):
                yield S.MapSnapshot(date, self.geometry(date), None)


@pytest.mark.slow
def test_pokrovsk_falls_in_2025(territory) -> None:
    maps, gazetteer = Maps(territory), territory.store.settlements()
    pokrovsk = find_settlements(gazetteer, "Pokrovsk", oblast="UA-14").iloc[0]
    assert pokrovsk["name_uk"] == "Покровськ" and pokrovsk["located"] == 1
    one = gazetteer[gazetteer["code"] == pokrovsk["code"]]
    assert S.status_at(one, maps.geometry(dt.date(2024, 8, 1))).tolist() == [S.FREE]
    assert S.status_at(one, maps.geometry(dt.date(2026, 1, 1))).tolist() == [S.CONTROLLED]

    runs = S.timeline(pokrovsk["lon"], pokrovsk["lat"], maps.stream())
    assert runs["snapshots"].sum() == len(maps.dates)
    fell = runs[runs["status"] == S.CONTROLLED]["first_snapshot"]
    assert len(fell) >= 1
    # DeepState showed Pokrovsk taken in late 2025 (this archive: 2025-11-20).
    assert fell.iloc[0].year == 2025
    assert runs.iloc[0]["status"] == S.FREE

    a, b = dt.date(2024, 8, 1), dt.date(2026, 1, 1)
    everything = S.changes(
        one, S.status_at(one, maps.geometry(a)), S.status_at(one, maps.geometry(b)),
        maps.stream(a, b),
    )  # fmt: skip
    assert everything["since"].tolist() == [fell.iloc[-1]]


@pytest.mark.slow
def test_week_of_21_to_28_october_2024(territory) -> None:
    maps, gazetteer = Maps(territory), territory.store.settlements()
    a, b = dt.date(2024, 10, 21), dt.date(2024, 10, 28)
    ga, gb = maps.geometry(a), maps.geometry(b)
    before, after = S.status_at(gazetteer, ga), S.status_at(gazetteer, gb)
    got = S.changes(gazetteer, before, after, maps.stream(a, b))

    # Independent count: shapely.covers on the located points, A against B.
    located = gazetteer[gazetteer["located"] == 1]
    points = shapely.points(located["lon"], located["lat"])
    moved = shapely.covers(ga, points) != shapely.covers(gb, points)
    assert sorted(got["code"]) == sorted(located["code"][moved])
    assert 3 <= len(got) <= 30  # DeepState's ≈196 km² week around Selydove and Hirnyk
    assert (got["from_status"] == S.FREE).all() and (got["to_status"] == S.CONTROLLED).all()

    # Selydove, by hand: free on A and on the day before `since`, controlled from `since`.
    selydove = got[got["name_en"] == "Selydove"]
    assert len(selydove) == 1
    since = selydove["since"].iloc[0]
    assert a < since <= b
    point = Point(selydove["lon"].iloc[0], selydove["lat"].iloc[0])
    previous = maps.dates[maps.dates.index(since) - 1]
    assert not maps.geometry(a).covers(point) and not maps.geometry(previous).covers(point)
    assert all(maps.geometry(d).covers(point) for d in maps.dates if since <= d <= b)

    cov = S.coverage(gazetteer, got["oblast"].unique())
    donetsk = cov.set_index("oblast").loc["UA-14"]
    hand = gazetteer[gazetteer["oblast"] == "UA-14"]
    assert (donetsk["settlements"], donetsk["located"]) == (len(hand), (hand["located"] == 1).sum())
