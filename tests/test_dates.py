"""The one date parser (vigil.dates) and the one period engine's helpers (vigil.periods).

The parser is checked against the standard library's calendar (every day of a leap and
a common year round-trips; impossible days are refused), and the period starts against
pandas' own calendar offsets over random spans (the engine replaced them in the cases
registry's counts: the two must agree day for day).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil import periods as P
from vigil.dates import check_order, parse_date, parse_optional_date
from vigil.errors import InputError, VigilError


def test_every_day_of_two_years_round_trips():
    day, seen = dt.date(2023, 1, 1), 0
    while day < dt.date(2025, 1, 1):
        assert parse_date(day.isoformat()) == day
        assert parse_date(f"  {day.isoformat()}\n") == day
        day += dt.timedelta(days=1)
        seen += 1
    assert seen == 365 + 366


@pytest.mark.parametrize(
    "value",
    ["2024-13-01", "2023-02-29", "2024-06-31", "20240603", "2024-W23-1", "2024-6-3", "", "x", 7],
)
def test_anything_but_a_day_is_refused_naming_the_parameter(value):
    with pytest.raises(InputError) as caught:
        parse_date(value, "date_from")
    assert caught.value.param == "date_from"
    assert str(caught.value) == f"date_from: expected a date as YYYY-MM-DD, got {value!r}"
    assert caught.value.named("--from") == (f"--from: expected a date as YYYY-MM-DD, got {value!r}")


def test_dates_and_datetimes_pass_through():
    assert parse_date(dt.date(2024, 2, 29)) == dt.date(2024, 2, 29)
    assert parse_date(dt.datetime(2024, 2, 29, 23, 59)) == dt.date(2024, 2, 29)
    assert parse_optional_date(None) is None
    assert parse_optional_date("  ") is None
    assert parse_optional_date("2024-02-29", "on") == dt.date(2024, 2, 29)


def test_order_check_names_the_start():
    check_order(dt.date(2024, 1, 1), dt.date(2024, 1, 1))
    with pytest.raises(InputError) as caught:
        check_order(dt.date(2024, 1, 2), dt.date(2024, 1, 1))
    assert caught.value.param == "date_from"
    assert "2024-01-02" in str(caught.value) and "2024-01-01" in str(caught.value)


def test_an_error_without_a_parameter_reads_as_its_message():
    error = VigilError("no snapshot on or before 2020-01-01")
    assert str(error) == error.detail == "no snapshot on or before 2020-01-01"
    assert error.named("--on") == str(error)


PANDAS = {P.Freq.DAY: "D", P.Freq.WEEK: "W-MON", P.Freq.MONTH: "MS", P.Freq.YEAR: "YS"}


@settings(max_examples=300, deadline=None)
@given(
    start=st.dates(dt.date(2019, 1, 1), dt.date(2027, 12, 31)),
    days=st.integers(0, 800),
    freq=st.sampled_from(list(P.Freq)),
)
def test_period_starts_match_pandas_calendar_offsets(start, days, freq):
    end = start + dt.timedelta(days=days)
    expected = [d.date() for d in pd.date_range(start, end, freq=PANDAS[freq])]
    assert P.starts_within(start, end, freq) == expected


@pytest.mark.parametrize("value", ["week", "WEEK", " week ", P.Freq.WEEK])
def test_freq_accepts_names_and_members(value):
    assert P.freq(value) is P.Freq.WEEK


def test_freq_and_weekday_errors_name_the_library_parameter():
    with pytest.raises(InputError, match=r"^freq: expected one of day, week, month, year"):
        P.freq("fortnight")
    with pytest.raises(InputError, match=r"^week_start: expected one of mon"):
        P.weekday_index("someday")
    assert [P.weekday_index(w) for w in P.Weekday] == list(range(7))
    assert P.weekday_index(3) == 3


def test_a_long_closed_set_is_counted_not_listed():
    """Up to 30 allowed values are listed; more are counted (an organisation filter on a
    large registry would print hundreds). One wording for the CLI, library and API."""
    from vigil.choices import LISTED_AT_MOST, not_one_of

    few = [f"v{i}" for i in range(LISTED_AT_MOST)]
    assert str(not_one_of("x", few, "p")) == f"p: expected one of {', '.join(few)}, got 'x'"
    many = [*few, "one more"]
    assert str(not_one_of("x", iter(many), "p")) == "p: expected one of 31 values, got 'x'"
