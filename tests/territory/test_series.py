"""Series and records (Territory.series / Territory.records) on a synthetic map whose
weekly changes are known by construction.

The rule under test (docs/method.md, "Periods"): a snapshot dated D holds the map at
the end of day D, and a period of days [start, end) runs from the map standing for day
start - 1 (the state when the period begins) to the map standing for day end - 1 (its
last day). The map standing for a day is the latest one dated on or before it.

The map is two bands at 48°N, 0.1° high. Band A's east edge advances during each week
(Monday to Sunday) by a width chosen to gain G[k] km² (5, 10, 3, 12, 7, 40, then values
up to 19, and 30 in week 58); band B's east edge retreats in a few weeks (losses L[k]).
Snapshots are dated on the Sundays before each Monday from 2024-01-01 (the first is
Sunday 2023-12-31): the map at the end of a Sunday is the state when the next week
begins and when the week before ends. Except:

- the Sunday ending week 19 is missing; a snapshot on the Saturday before stands for
  it (band A there has gained half of week 19's gain), so weeks 19 and 20 are gaps;
- a Wednesday after the last Sunday makes an unfinished, partial week;
- on the Mondays of weeks 3, 5 and 40 there is a map too, with a quarter of that week's
  gain already made (MONDAY_MAPS): it lies inside the week and changes nothing of it,
  but a rule that began a week with the map of its first day would see it.

Expected values are measured independently: the strip between two edge positions,
drawn by hand and measured with pyproj (vigil.testing.geod_area_km2), for the
snapshots that the rule picks (found here by a plain search, one day before each
period boundary: ``BEFORE``). Records are checked against the hand-known answers of
the first weeks and against a brute-force loop over the expected values. Tolerance:
1e-4 km².
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import MultiPolygon

from vigil import periods as P
from vigil.errors import VigilError
from vigil.territory import open_store
from vigil.territory import series as S
from vigil.territory.results import RECORD_COLUMNS, SERIES_COLUMNS
from vigil.testing import assert_frames_close, geod_area_km2, rectangle, write_daily

TOL = 1e-4
WEST = 36.02
A_SOUTH, A_NORTH = 48.02, 48.12
B_SOUTH, B_NORTH = 48.32, 48.42
N_WEEKS = 60
GAP_WEEK = 20  # the Sunday before its Monday has no snapshot
# 1 … 19.2 km² in steps of 0.35: no two weeks within a trailing year are near-equal (ties
# would be decided by round-off).
FILLER = [1 + 0.35 * ((7 * i) % 53) for i in range(N_WEEKS)]
G = [5.0, 10.0, 3.0, 12.0, 7.0, 40.0, *FILLER[6:58], 30.0, 4.0]
L = {2: 4.0, 10: 1.0, 30: 6.0, 58: 2.0}  # losses in band B, km²
PARTIAL_GAIN = 6.0
MONDAY_MAPS = {3: 0.25, 5: 0.25, 40: 0.25}  # week: the part of its gain made on Monday
MONDAYS = [dt.date(2024, 1, 1) + dt.timedelta(weeks=k) for k in range(N_WEEKS + 1)]
# A period boundary falls between two days: the map of the day before it stands for it
# (stated here on its own, not imported from vigil.territory.series).
BEFORE = dt.timedelta(days=1)
# The map at the end of the Sunday before each Monday: week k runs from SUNDAYS[k] to
# SUNDAYS[k + 1].
SUNDAYS = [monday - BEFORE for monday in MONDAYS]


def band(south, north, east):
    return rectangle(WEST, south, east, north, step_deg=0.01)


def km2_per_degree(south, north):
    return geod_area_km2(rectangle(36.0, south, 37.0, north, step_deg=0.01))


def build():
    """{date: (east edge of A, east edge of B)} for every snapshot."""
    per_a, per_b = km2_per_degree(A_SOUTH, A_NORTH), km2_per_degree(B_SOUTH, B_NORTH)
    a, b = WEST + 0.05, WEST + 0.8
    edges = {}
    for k, sunday in enumerate(SUNDAYS):
        if k == GAP_WEEK:  # the Saturday before: half of the previous week's gain
            edges[sunday - dt.timedelta(days=1)] = (a - 0.5 * G[k - 1] / per_a, b)
        else:
            edges[sunday] = (a, b)
        if k in MONDAY_MAPS:
            edges[MONDAYS[k]] = (a + MONDAY_MAPS[k] * G[k] / per_a, b)
        if k < N_WEEKS:
            a += G[k] / per_a
            b -= L.get(k, 0.0) / per_b
    edges[MONDAYS[-1] + dt.timedelta(days=2)] = (a + PARTIAL_GAIN / per_a, b)
    assert len(G) == N_WEEKS
    return dict(sorted(edges.items()))


EDGES = build()
DATES = list(EDGES)


def geometry(date):
    a, b = EDGES[date]
    return MultiPolygon([band(A_SOUTH, A_NORTH, a), band(B_SOUTH, B_NORTH, b)])


def standing_for(day):
    """The snapshot for a date: the latest one on or before it (plain search)."""
    return max(d for d in DATES if d <= day)


def expected_row(start, end, snap_end=None):
    """Expected gained / lost / net of the period [start, end): between the snapshots
    standing for the day before ``start`` and for its last day, ``end`` - 1 day."""
    sa, sb = standing_for(start - BEFORE), snap_end or standing_for(end - BEFORE)
    gap = snap_end is None and (sa < start - BEFORE or sb < end - BEFORE)
    (a0, b0), (a1, b1) = EDGES[sa], EDGES[sb]
    gained = geod_area_km2(rectangle(a0, A_SOUTH, a1, A_NORTH, step_deg=0.01)) if a1 > a0 else 0
    lost = geod_area_km2(rectangle(b1, B_SOUTH, b0, B_NORTH, step_deg=0.01)) if b1 < b0 else 0
    return {
        "period_start": start,
        "period_end": end,
        "snapshot_start": sa,
        "snapshot_end": sb,
        "gained_km2": gained,
        "lost_km2": lost,
        "net_km2": geod_area_km2(geometry(sb)) - geod_area_km2(geometry(sa)),
        "area_km2": geod_area_km2(geometry(sb)),
        "gap": gap,
    }


@pytest.fixture(scope="module")
def territory(tmp_path_factory):
    folder = tmp_path_factory.mktemp("series-maps")
    write_daily(folder, {d: geometry(d) for d in DATES})
    t = open_store(folder / "store.sqlite", create=True)
    report = t.ingest([folder], jobs=1)
    assert report.added == len(DATES) == N_WEEKS + 2 + len(MONDAY_MAPS)
    yield t
    t.close()


@pytest.fixture(scope="module")
def weekly(territory):
    return territory.series("week")


# --- the construction itself -----------------------------------------------------------------


def test_constructed_gains_are_what_was_asked():
    # Approximately first: the measured strips are the target gains to 0.1 %.
    for k in (0, 1, 2, 3, 4, 5, 58):
        row = expected_row(MONDAYS[k], MONDAYS[k + 1])
        assert row["gained_km2"] == pytest.approx(G[k], rel=1e-3), k
    assert expected_row(MONDAYS[2], MONDAYS[3])["lost_km2"] == pytest.approx(4.0, rel=1e-3)


# --- weekly series ---------------------------------------------------------------------------


def test_weekly_series_matches_the_construction(weekly):
    assert list(weekly.columns) == SERIES_COLUMNS
    assert len(weekly) == N_WEEKS  # the unfinished week is left out
    expected = pd.DataFrame([expected_row(s, s + dt.timedelta(weeks=1)) for s in MONDAYS[:-1]])
    assert_frames_close(
        weekly, expected, ["period_start", "period_end", "snapshot_start", "snapshot_end", "gap"]
    )
    assert_frames_close(
        weekly, expected, ["gained_km2", "lost_km2", "net_km2", "area_km2"], rel=1e-9, abs=TOL
    )
    assert weekly.complete.all()


def test_gained_minus_lost_is_net(weekly):
    diff = weekly.gained_km2 - weekly.lost_km2 - weekly.net_km2
    assert np.abs(diff).max() < TOL


def test_gap_week_flags_and_snapshot_dates(weekly):
    saturday = SUNDAYS[GAP_WEEK] - dt.timedelta(days=1)
    before = weekly[weekly.period_start == MONDAYS[GAP_WEEK - 1]].iloc[0]
    during = weekly[weekly.period_start == MONDAYS[GAP_WEEK]].iloc[0]
    # Week 19 ends with the map of Saturday (a day short of its last day, Sunday); week
    # 20 begins with it (a day older than the state when it begins).
    assert (before.snapshot_start, before.snapshot_end, before.gap) == (
        SUNDAYS[GAP_WEEK - 1],
        saturday,
        True,
    )
    assert (during.snapshot_start, during.snapshot_end, during.gap) == (
        saturday,
        SUNDAYS[GAP_WEEK + 1],
        True,
    )
    # Known by construction: the Saturday had half of week 19's gain.
    assert before.gained_km2 == pytest.approx(0.5 * G[GAP_WEEK - 1], rel=1e-3)
    assert during.gained_km2 == pytest.approx(0.5 * G[GAP_WEEK - 1] + G[GAP_WEEK], rel=1e-3)
    assert weekly.gap.sum() == 2


def test_partial_week(territory, weekly):
    with_partial = territory.series("week", partial=True)
    assert len(with_partial) == N_WEEKS + 1
    assert_frames_close(with_partial.iloc[:-1], weekly, rel=0, abs=0)
    last = with_partial.iloc[-1]
    wednesday = MONDAYS[-1] + dt.timedelta(days=2)
    assert (last.period_start, last.period_end) == (MONDAYS[-1], MONDAYS[-1] + dt.timedelta(7))
    # from the map of the Sunday before it to the last map, Wednesday's
    assert (last.snapshot_start, last.snapshot_end) == (SUNDAYS[-1], wednesday)
    assert (bool(last.complete), bool(last.gap)) == (False, False)
    assert last.gained_km2 == pytest.approx(PARTIAL_GAIN, rel=1e-3)
    exp = expected_row(MONDAYS[-1], MONDAYS[-1] + dt.timedelta(7), snap_end=wednesday)
    assert last.gained_km2 == pytest.approx(exp["gained_km2"], abs=TOL)


def test_start_and_end_select_periods(territory):
    part = territory.series("week", date_from="2024-01-17", date_to="2024-02-05")
    assert list(part.period_start) == [MONDAYS[2], MONDAYS[3], MONDAYS[4]]  # end excluded
    before_data = territory.series("week", date_from="2023-12-01", date_to="2024-01-10")
    # Earlier weeks skipped: the week of 25 December 2023 would begin with the map of the
    # 24th, and the first map is the 31st's (the last day of that week).
    assert list(before_data.period_start) == [MONDAYS[0], MONDAYS[1]]
    assert before_data.snapshot_start[0] == SUNDAYS[0] == DATES[0]
    # Only the unfinished week starts in the window: no row, but the columns are there.
    empty = territory.series("week", date_from=MONDAYS[-1])
    assert empty.empty and list(empty.columns) == SERIES_COLUMNS
    assert len(territory.series("week", date_from=MONDAYS[-1], partial=True)) == 1
    with pytest.raises(VigilError, match="after the end") as raised:
        territory.series("week", date_from="2030-01-01")  # after the data's end
    assert raised.value.param == "date_from"  # the library names its parameter, not a flag


def test_sunday_weeks(territory, weekly):
    sundays = territory.series("week", week_start="sun")
    assert all(s.isoweekday() == 7 for s in sundays.period_start)
    # A Sunday week begins with the map of a Saturday, stood for by the Sunday before it
    # (6 days older, or the Monday map after it: a gap), and ends with the map of the next
    # Saturday, stood for by its own first day; so it measures the same pair of
    # snapshots as the Monday week before it, except around the missing Sunday and the
    # Monday maps.
    assert sundays.gap.all()
    # The first Sunday (the first map's day) has no map of the day before: skipped.
    assert sundays.period_start[0] == SUNDAYS[1]
    assert (sundays.snapshot_start[0], sundays.snapshot_end[0]) == (SUNDAYS[0], SUNDAYS[1])
    by_pair = {(r.snapshot_start, r.snapshot_end): r.gained_km2 for r in weekly.itertuples()}
    for row in sundays.itertuples():
        exp = expected_row(row.period_start, row.period_end)
        assert (row.snapshot_start, row.snapshot_end) == (
            exp["snapshot_start"],
            exp["snapshot_end"],
        )
        assert row.gained_km2 == pytest.approx(exp["gained_km2"], abs=TOL)
        if (row.snapshot_start, row.snapshot_end) in by_pair:
            assert row.gained_km2 == pytest.approx(by_pair[row.snapshot_start, row.snapshot_end])


def test_daily_series(territory):
    # Day D is map(D) - map(D - 1). Maps are weekly here, so a Sunday carries its whole
    # week's change and the other days none; a day is a gap unless both maps are its own
    # and the day before's (never, with maps a week apart).
    first = SUNDAYS[1] - dt.timedelta(days=2)  # a Friday
    days = territory.series("day", date_from=first, date_to=MONDAYS[3])
    starts = [first + dt.timedelta(days=i) for i in range((MONDAYS[3] - first).days)]
    assert list(days.period_start) == starts
    expected = pd.DataFrame([expected_row(s, s + dt.timedelta(days=1)) for s in starts])
    assert_frames_close(days, expected, ["snapshot_start", "snapshot_end", "gap"])
    assert_frames_close(days, expected, ["gained_km2", "lost_km2", "net_km2"], rel=1e-9, abs=TOL)
    sunday = days[days.period_start == SUNDAYS[2]].iloc[0]
    assert (sunday.snapshot_start, sunday.snapshot_end) == (SUNDAYS[1], SUNDAYS[2])
    assert sunday.gained_km2 == pytest.approx(G[1], rel=1e-3)
    monday = days[days.period_start == MONDAYS[2]].iloc[0]
    assert monday.snapshot_start == monday.snapshot_end == SUNDAYS[2]
    assert days.gap.all()


def test_monthly_series(territory):
    monthly = territory.series("month")
    starts = [dt.date(2024, m, 1) for m in range(2, 13)] + [dt.date(2025, 1, 1)]
    # January 2024 begins with the first map (31 December 2023); the data end in late
    # February 2025, before its last day.
    assert list(monthly.period_start) == [dt.date(2024, 1, 1), *starts]
    expected = pd.DataFrame(
        [expected_row(s, P.next_start(s, P.Freq.MONTH)) for s in monthly.period_start]
    )
    assert_frames_close(monthly, expected, ["snapshot_start", "snapshot_end", "gap"])
    assert monthly.snapshot_start[0] == dt.date(2023, 12, 31)
    assert_frames_close(monthly, expected, ["gained_km2", "lost_km2", "net_km2"], rel=1e-9, abs=TOL)
    # A month is measured from its two snapshots, never by summing weeks (here equal,
    # since band A only grows and band B only shrinks).
    assert monthly.gained_km2.sum() == pytest.approx(
        expected_row(MONDAYS[0], dt.date(2025, 2, 1))["gained_km2"], abs=TOL
    )


def test_sliver_filter_columns(territory):
    filtered = territory.series(
        "week", date_from="2024-01-01", date_to="2024-02-01", min_fragment_km2=8
    )
    assert {"gained_filtered_km2", "lost_filtered_km2"} <= set(filtered.columns)
    # Weekly gains 5, 10, 3, 12, 7: each week's gain is one strip, kept when ≥ 8 km².
    kept = [g if g >= 8 else 0 for g in G[:5]]
    assert filtered.gained_filtered_km2.to_numpy() == pytest.approx(kept, rel=1e-3)


# --- records -----------------------------------------------------------------------------------


def brute_force_records(values, starts, window):
    """Records by the definitions, written as plainly as possible."""
    rows = []
    for i, v in enumerate(values):
        larger = [j for j in range(i) if values[j] > v]
        year = values[max(0, i - window + 1) : i + 1]
        rows.append(
            {
                "period_start": starts[i],
                "value": v,
                "larger_before": starts[larger[-1]] if larger else pd.NaT,
                "larger_value": values[larger[-1]] if larger else np.nan,
                "rank_in_year": 1 + sum(1 for x in year if x > v),
                "periods_in_year": len(year),
                "year_covered": len(year) == window,
            }
        )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def gained_records(territory):
    return territory.records("week", metric="gained")


def test_records_known_by_construction(gained_records):
    r = gained_records.set_index("period_start")
    assert list(gained_records.columns) == [*RECORD_COLUMNS, "metric"]

    def at(k):
        return r.loc[MONDAYS[k]]

    # 5, 10, 3, 12, 7, 40 …
    assert pd.isna(at(0).larger_before) and at(0).rank_in_year == 1
    assert pd.isna(at(1).larger_before) and at(1).rank_in_year == 1
    assert at(2).larger_before == MONDAYS[1] and at(2).rank_in_year == 3
    assert at(2).larger_value == pytest.approx(10, rel=1e-3)
    assert pd.isna(at(3).larger_before) and at(3).rank_in_year == 1
    assert at(4).larger_before == MONDAYS[3] and at(4).rank_in_year == 3
    assert at(4).periods_in_year == 5 and not at(4).year_covered
    assert pd.isna(at(5).larger_before) and at(5).rank_in_year == 1
    # Week 58 (30 km²): the largest of the trailing 52 weeks (weeks 7-58), but not
    # since week 5 (40 km²), which has just left the window.
    assert at(58).rank_in_year == 1
    assert at(58).larger_before == MONDAYS[5]
    assert at(58).larger_value == pytest.approx(40, rel=1e-3)
    assert at(58).periods_in_year == 52 and at(58).year_covered
    assert at(57).year_covered and not at(50).year_covered


@pytest.mark.parametrize("metric", ["gained", "lost", "net"])
def test_records_match_brute_force(territory, metric):
    rec = territory.records("week", metric=metric)
    column = {"gained": "gained_km2", "lost": "lost_km2", "net": "net_km2"}[metric]
    expected_values = [expected_row(s, s + dt.timedelta(weeks=1))[column] for s in MONDAYS[:-1]]
    expected = brute_force_records(expected_values, MONDAYS[:-1], 52)
    assert (rec.metric == metric).all()
    assert_frames_close(rec, expected, ["value"], rel=1e-9, abs=TOL)
    assert_frames_close(
        rec,
        expected,
        ["period_start", "larger_before", "rank_in_year", "periods_in_year", "year_covered"],
    )


def test_records_for_one_period(territory):
    one = territory.records("week", period="2024-01-24")  # a Wednesday in week 3
    assert len(one) == 1 and one.period_start[0] == MONDAYS[3]
    assert one.value[0] == pytest.approx(12, rel=1e-3) and one.rank_in_year[0] == 1


def test_records_refuse_a_period_without_data(territory):
    from vigil.errors import NoDataError

    with pytest.raises(NoDataError, match=r"^period: no complete week with data holds 2030-01-01"):
        territory.records("week", period="2030-01-01")


# --- pure functions on hand-made inputs ----------------------------------------------------------


def hand_series(values):
    starts = [dt.date(2024, 1, 1) + dt.timedelta(weeks=i) for i in range(len(values))]
    return pd.DataFrame(
        {
            "period_start": starts,
            "period_end": [s + dt.timedelta(weeks=1) for s in starts],
            "gained_km2": values,
            "lost_km2": [0.0] * len(values),
            "net_km2": values,
            "complete": [True] * len(values),
        }
    )


def test_records_ties_are_not_larger():
    rec = S.records(hand_series([5.0, 7.0, 7.0, 6.0]), P.Freq.WEEK)
    assert list(rec.rank_in_year) == [1, 1, 1, 3]
    assert pd.isna(rec.larger_before[2])  # an equal earlier week is not a larger one
    assert rec.larger_before[3] == dt.date(2024, 1, 15)  # the last larger: the 3rd week


def test_records_skip_incomplete_periods_and_check_the_metric():
    frame = hand_series([5.0, 7.0, 9.0])
    frame.loc[2, "complete"] = False
    assert len(S.records(frame, P.Freq.WEEK)) == 2
    with pytest.raises(VigilError, match="expected one of gained, lost, net, got 'area'") as e:
        S.records(frame, P.Freq.WEEK, metric="area")
    assert e.value.param == "metric"


def test_monthly_records_window_is_twelve():
    values = [float(v) for v in (3, 9, 1, 2, 4, 5, 6, 7, 1, 2, 3, 4, 8, 2)]
    rec = S.records(hand_series(values), P.Freq.MONTH)
    # Month 12 (8): its trailing twelve are months 1-12; 9 (month 1) is among them.
    assert rec.rank_in_year[12] == 2 and rec.periods_in_year[12] == 12 and rec.year_covered[12]
    # Month 13 (2): months 2-13 hold seven larger values (4, 5, 6, 7, 3, 4, 8).
    assert rec.rank_in_year[13] == 8
    assert rec.larger_before[13] == rec.period_start[12]


def test_plan_directly():
    d = dt.date
    # Monday 14, Sunday 20, Wednesday 23, Sunday 27, Wednesday 30 October; Monday 4 November
    dates = [d(2024, 10, 14), d(2024, 10, 20), d(2024, 10, 23), d(2024, 10, 27)]
    dates += [d(2024, 10, 30), d(2024, 11, 4)]
    plan = S.plan(P.Freq.WEEK, dates, start=dates[0], end=d(2024, 11, 6), partial=True)
    got = [(p.start, p.snap_a, p.snap_b, p.complete) for p in plan]
    assert got == [
        # the week of 14 Oct would begin with the map of the 13th: none, so skipped
        # although a map of its first day exists
        (d(2024, 10, 21), d(2024, 10, 20), d(2024, 10, 27), True),  # Sunday → Sunday
        # its last day, Sunday 3 November, is stood for by the 30th; the data pass it
        (d(2024, 10, 28), d(2024, 10, 27), d(2024, 10, 30), True),
        (d(2024, 11, 4), d(2024, 10, 30), d(2024, 11, 4), False),  # unfinished: up to the last
    ]
    complete_only = S.plan(P.Freq.WEEK, dates, start=dates[0], end=d(2024, 11, 6))
    assert [p.start for p in complete_only] == [d(2024, 10, 21), d(2024, 10, 28)]


def test_plan_a_period_is_complete_on_its_last_day():
    d = dt.date
    week = dict(start=d(2024, 10, 28), end=d(2024, 11, 4))
    # the week of Monday 28 October ends with the map of Sunday 3 November
    assert S.plan(P.Freq.WEEK, [d(2024, 10, 27), d(2024, 11, 2)], **week) == []
    done = S.plan(P.Freq.WEEK, [d(2024, 10, 27), d(2024, 11, 3)], **week)
    assert [(p.snap_a, p.snap_b, p.complete) for p in done] == [
        (d(2024, 10, 27), d(2024, 11, 3), True)
    ]
    # November 2024: the maps of 31 October → 30 November, complete on the 30th
    month = dict(start=d(2024, 11, 1), end=d(2024, 12, 1))
    dates = [d(2024, 10, 30), d(2024, 10, 31), d(2024, 11, 1), d(2024, 11, 30)]
    done = S.plan(P.Freq.MONTH, dates, **month)
    assert [(p.snap_a, p.snap_b, p.complete) for p in done] == [
        (d(2024, 10, 31), d(2024, 11, 30), True)
    ]
    assert S.plan(P.Freq.MONTH, [*dates[:-1], d(2024, 11, 29)], **month) == []


def test_plan_a_day_is_its_map_minus_the_day_before():
    d = dt.date
    dates = [d(2024, 10, 20), d(2024, 10, 21), d(2024, 10, 23)]
    plan = S.plan(P.Freq.DAY, dates, start=dates[0], end=d(2024, 10, 24))
    got = [(p.start, p.snap_a, p.snap_b) for p in plan]
    assert got == [
        # 20 October has no map of the 19th: skipped
        (d(2024, 10, 21), d(2024, 10, 20), d(2024, 10, 21)),
        (d(2024, 10, 22), d(2024, 10, 21), d(2024, 10, 21)),  # no map of the 22nd: none
        (d(2024, 10, 23), d(2024, 10, 21), d(2024, 10, 23)),  # from the 21st, a day older
    ]


# --- the comparison helpers used above can fail -------------------------------------------


def test_assert_frames_close_reports_the_first_differences():
    from vigil.testing import assert_frames_close as close

    frame = pd.DataFrame(
        {
            "value": [1.0, 2.0, np.nan, 4.0],
            "larger_before": [pd.NaT, dt.date(2024, 1, 1), pd.NaT, dt.date(2024, 1, 8)],
            "year_covered": [False, False, True, True],
        }
    )
    close(frame, frame.copy(), rel=0, abs=0)
    other = frame.copy()
    other.loc[1, "value"] = 2.001
    other.loc[3, "larger_before"] = dt.date(2024, 1, 15)
    close(frame, other, ["value"], rel=1e-3)  # within 0.1 %
    with pytest.raises(AssertionError, match=r"row 1, value: actual 2.0, expected 2.001") as err:
        close(frame, other, rel=1e-4)
    assert "row 3, larger_before" in str(err.value) and "2 cell(s) differ" in str(err.value)
    with pytest.raises(AssertionError, match="row counts differ"):
        close(frame, frame.iloc[:2])
    with pytest.raises(AssertionError, match="missing"):
        close(frame, frame.assign(extra=1))


def test_assert_km2_close_states_values_and_tolerance():
    from vigil.testing import assert_km2_close

    assert_km2_close(196.29, 196.1, abs_km2=1.0, rel=0)
    with pytest.raises(AssertionError, match=r"week: got 196.290000 km², expected 196.100000"):
        assert_km2_close(196.29, 196.1, abs_km2=0.1, rel=0, what="week")
    with pytest.raises(AssertionError, match=r"tolerance 0\.1 km"):
        assert_km2_close(196.29, 196.1, abs_km2=0.1, rel=0)
    with pytest.raises(AssertionError):
        assert_km2_close(float("nan"), 1.0, abs_km2=1e9)


@pytest.mark.parametrize("freq", list(P.Freq))
def test_period_start_before_undoes_the_engines_next_start(freq):
    """Round trip over two years of periods: the start before each period's end is its
    start, and n steps back lands on the start n periods earlier (vigil.periods)."""
    for week_start in (0, 6):
        chain = [
            s for s, _ in P.periods(dt.date(2023, 12, 1), dt.date(2026, 1, 1), freq, week_start)
        ]
        for i, s in enumerate(chain[1:], 1):
            assert S.period_start_before(s, freq) == chain[i - 1]
            assert S.period_start_before(s, freq, min(i, 5)) == chain[i - min(i, 5)]
        assert S.period_start_before(chain[-1], freq, 0) == chain[-1]


def test_period_start_before_against_the_calendar():
    monday = dt.date(2024, 10, 28)
    assert S.period_start_before(monday, P.Freq.WEEK, 12) == monday - dt.timedelta(weeks=12)
    # months of 31, 30, 29 (leap February) and 28 days, and across a new year
    assert S.period_start_before(dt.date(2024, 3, 1), P.Freq.MONTH) == dt.date(2024, 2, 1)
    assert S.period_start_before(dt.date(2025, 3, 1), P.Freq.MONTH, 13) == dt.date(2024, 2, 1)
    assert S.period_start_before(dt.date(2024, 1, 1), P.Freq.YEAR, 2) == dt.date(2022, 1, 1)
    assert S.period_start_before(dt.date(2024, 3, 1), P.Freq.DAY) == dt.date(2024, 2, 29)
