"""The dates of the held-counts series come from the one period engine (vigil.periods);
they must be exactly what the pandas date ranges they replace gave (``W-MON``, ``MS``,
``YS``, ``D``), ``date_to`` included, on any span."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.cases.stats import GroupBy, dates, group_by
from vigil.errors import InputError
from vigil.periods import Freq

# What cases/stats.py used before the one period engine (kept here as the reference).
PANDAS_FREQ = {Freq.DAY: "D", Freq.WEEK: "W-MON", Freq.MONTH: "MS", Freq.YEAR: "YS"}
LONGEST = {Freq.DAY: 120, Freq.WEEK: 800, Freq.MONTH: 3000, Freq.YEAR: 12000}


def pandas_dates(date_from: dt.date, date_to: dt.date, freq: Freq) -> list[dt.date]:
    out = [d.date() for d in pd.date_range(date_from, date_to, freq=PANDAS_FREQ[freq])]
    if not out or out[-1] != date_to:
        out.append(date_to)
    return out


@st.composite
def spans(draw):
    freq = draw(st.sampled_from(list(Freq)))
    start = draw(st.dates(dt.date(1900, 1, 1), dt.date(2090, 12, 31)))
    length = draw(st.integers(0, LONGEST[freq]))
    return start, start + dt.timedelta(days=length), freq


@settings(max_examples=400, deadline=None)
@given(spans())
def test_dates_are_the_pandas_date_range(span):
    start, end, freq = span
    assert dates(start, end, freq) == pandas_dates(start, end, freq)
    assert dates(start, end, freq.value) == dates(start, end, freq)  # "week" or Freq.WEEK


@pytest.mark.parametrize(
    ("start", "end", "freq", "expected"),
    [
        # a Monday start is itself a week start; a Sunday end is added as the last date
        ("2024-10-21", "2024-11-03", "week", ["2024-10-21", "2024-10-28", "2024-11-03"]),
        # no period starts inside: the end alone
        ("2024-02-02", "2024-02-28", "month", ["2024-02-28"]),
        ("2024-03-01", "2024-03-01", "month", ["2024-03-01"]),
        ("2023-12-31", "2025-01-01", "year", ["2024-01-01", "2025-01-01"]),
        ("2024-02-28", "2024-03-01", "day", ["2024-02-28", "2024-02-29", "2024-03-01"]),
    ],
)
def test_dates_known_answers(start, end, freq, expected):
    d = dt.date.fromisoformat
    assert dates(d(start), d(end), freq) == [d(x) for x in expected]


def test_errors_name_the_library_parameter():
    with pytest.raises(InputError) as bad:
        dates(dt.date(2026, 2, 1), dt.date(2026, 1, 1), "month")
    assert bad.value.param == "date_from"
    assert str(bad.value) == "date_from: the start 2026-02-01 is after the end 2026-01-01"
    with pytest.raises(InputError) as bad:
        dates(dt.date(2026, 1, 1), dt.date(2026, 2, 1), "fortnight")
    assert bad.value.param == "freq" and "expected one of day, week, month, year" in str(bad.value)
    with pytest.raises(InputError) as bad:
        group_by("colour")
    assert str(bad.value) == "by: expected one of none, organisation, charge, status, got 'colour'"
    assert group_by("Organisation") is GroupBy.ORGANISATION


def test_held_reads_and_checks_its_dates(sample):
    from vigil.cases.levels import Level
    from vigil.cases.stats import held

    as_dates = held(
        Level.PUBLIC, date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 6, 1), freq="month"
    )
    as_text = held(Level.PUBLIC, date_from="2026-01-01", date_to="2026-06-01", freq=Freq.MONTH)
    assert as_dates.equals(as_text)
    assert [d.date().isoformat() for d in as_text["date"]] == [f"2026-0{m}-01" for m in range(1, 7)]
    for kwargs, param in (
        ({"date_from": "2026-13-01"}, "date_from"),
        ({"date_to": "1 June"}, "date_to"),
        ({"on": "2026-06"}, "on"),
        ({"date_from": "2026-06-02", "date_to": "2026-06-01"}, "date_from"),
        ({"freq": "hour"}, "freq"),
        ({"by": "colour"}, "by"),
    ):
        with pytest.raises(InputError) as bad:
            held(Level.PUBLIC, **kwargs)
        assert bad.value.param == param, kwargs
