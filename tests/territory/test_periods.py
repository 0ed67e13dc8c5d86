"""Calendar arithmetic (vigil.periods) against the standard library's calendar.

References: ``date.isocalendar`` / ``date.fromisocalendar`` for ISO weeks,
``calendar.monthrange`` for month lengths (leap Februaries included), and a plain
"largest date not after D" search for the snapshot that stands for a date.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools

import pytest

from vigil import periods as P
from vigil.errors import VigilError

W, M, Y, D = P.Freq.WEEK, P.Freq.MONTH, P.Freq.YEAR, P.Freq.DAY
DAYS = [dt.date(2023, 12, 1) + dt.timedelta(days=i) for i in range(800)]  # 2023-12 … 2026-02


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# --- weeks -------------------------------------------------------------------------------


def test_week_of_21_october_2024():
    # The week of the published figure: Monday 21 October to Monday 28 October 2024.
    for day in range(21, 28):
        assert P.floor(dt.date(2024, 10, day), W) == d("2024-10-21")
    assert P.floor(d("2024-10-28"), W) == d("2024-10-28")
    assert P.next_start(d("2024-10-21"), W) == d("2024-10-28")


def test_weeks_are_iso_weeks():
    for day in DAYS:
        year, week, _ = day.isocalendar()
        assert P.floor(day, W) == dt.date.fromisocalendar(year, week, 1), day


def test_iso_week_across_new_year():
    # 2024-12-30 (Monday) begins ISO week 1 of 2025.
    assert P.floor(d("2025-01-01"), W) == d("2024-12-30")
    assert P.floor(d("2026-01-04"), W) == d("2025-12-29")  # a Sunday


def test_week_start_sunday():
    sunday = P.weekday_index("sun")
    for day in DAYS:
        start = P.floor(day, W, sunday)
        assert start.isoweekday() == 7 and 0 <= (day - start).days < 7, day
    assert P.floor(d("2024-10-26"), W, sunday) == d("2024-10-20")
    assert P.floor(d("2024-10-27"), W, sunday) == d("2024-10-27")
    assert P.periods(d("2024-10-23"), d("2024-11-04"), W, sunday) == [
        (d("2024-10-20"), d("2024-10-27")),
        (d("2024-10-27"), d("2024-11-03")),
        (d("2024-11-03"), d("2024-11-10")),
    ]


@pytest.mark.parametrize(
    ("name", "index"),
    [("mon", 0), ("Tue", 1), ("wednesday", 2), ("THU", 3), (" fri ", 4), ("sat", 5), ("sun", 6)],
)
def test_weekday_names(name, index):
    assert P.weekday_index(name) == index


@pytest.mark.parametrize("name", ["", "xyz", "s", "7"])
def test_bad_weekday_names(name):
    with pytest.raises(VigilError, match=r"^week_start: expected one of mon"):
        P.weekday_index(name)


@pytest.mark.parametrize("name", ["money", "sunshine", "wedge"])
def test_words_that_merely_start_like_a_weekday_are_refused(name):
    with pytest.raises(VigilError, match=r"^week_start: expected one of mon"):
        P.weekday_index(name)


# --- months and years --------------------------------------------------------------------


def test_months_end_on_the_first_of_the_next_month():
    for day in DAYS:
        start = P.floor(day, M)
        assert start == day.replace(day=1)
        length = calendar.monthrange(start.year, start.month)[1]
        assert P.next_start(start, M) == start + dt.timedelta(days=length), start


def test_february_of_a_leap_year_and_of_a_common_year():
    assert P.periods(d("2024-02-10"), d("2024-02-11"), M) == [(d("2024-02-01"), d("2024-03-01"))]
    assert P.next_start(d("2024-02-01"), M) - d("2024-02-01") == dt.timedelta(days=29)
    assert P.next_start(d("2025-02-01"), M) - d("2025-02-01") == dt.timedelta(days=28)
    assert P.next_start(d("2024-12-01"), M) == d("2025-01-01")
    assert P.floor(d("2024-02-29"), M) == d("2024-02-01")


def test_years():
    assert P.floor(d("2024-07-08"), Y) == d("2024-01-01")
    assert P.next_start(d("2024-01-01"), Y) == d("2025-01-01")
    assert P.periods(d("2024-07-08"), d("2026-08-22"), Y) == [
        (d("2024-01-01"), d("2025-01-01")),
        (d("2025-01-01"), d("2026-01-01")),
        (d("2026-01-01"), d("2027-01-01")),
    ]
    assert (P.next_start(d("2024-01-01"), Y) - d("2024-01-01")).days == 366


def test_days():
    assert P.floor(d("2024-10-23"), D) == d("2024-10-23")
    assert P.periods(d("2024-10-30"), d("2024-11-02"), D) == [
        (d("2024-10-30"), d("2024-10-31")),
        (d("2024-10-31"), d("2024-11-01")),
        (d("2024-11-01"), d("2024-11-02")),
    ]


@pytest.mark.parametrize("freq", list(P.Freq))
def test_periods_chain_without_gaps_or_overlaps(freq):
    start, end = d("2024-07-10"), d("2026-03-05")
    got = P.periods(start, end, freq)
    assert got[0][0] == P.floor(start, freq) <= start
    assert got[-1][0] < end <= got[-1][1]
    for (s0, e0), (s1, _) in itertools.pairwise(got):
        assert e0 == s1 and s0 < e0
    assert P.periods(end, start, freq) == []


def test_periods_of_november_2024():
    assert P.periods(d("2024-11-01"), d("2024-12-01"), M) == [(d("2024-11-01"), d("2024-12-01"))]
    assert P.periods(d("2024-11-15"), d("2024-12-01"), M) == [(d("2024-11-01"), d("2024-12-01"))]


def test_trailing_year_counts():
    assert [P.trailing_year_count(f) for f in (D, W, M, Y)] == [365, 52, 12, 1]


# --- snapshot for a date -----------------------------------------------------------------


def test_snapshot_for_is_the_latest_on_or_before():
    held = [d("2024-08-16"), d("2024-08-17"), d("2024-08-20"), d("2024-08-21")]  # 18-19 missing
    for day in (d("2024-08-15") + dt.timedelta(days=i) for i in range(10)):
        expected = max((h for h in held if h <= day), default=None)
        assert P.snapshot_for(day, held) == expected, day
    assert P.snapshot_for(d("2024-08-18"), held) == d("2024-08-17")
    assert P.snapshot_for(d("2024-08-20"), held) == d("2024-08-20")
    assert P.snapshot_for(d("2024-08-15"), held) is None
    assert P.snapshot_for(d("2030-01-01"), held) == d("2024-08-21")
    assert P.snapshot_for(d("2024-08-15"), []) is None
