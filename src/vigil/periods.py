"""The one period engine: period boundaries and the snapshot that stands for a date.

Pure functions over dates, shared by territory series and records, the cases registry's
counts over time, the web pages and the charts. The rules (docs/method.md):
- the snapshot for a date D is the latest snapshot dated on or before D;
- a week runs from a Monday to the next Monday (``week_start`` changes the day),
  a month from the 1st to the next 1st, a year from 1 January to the next;
- a territory period of days [start, end) is measured from the snapshot for
  ``start`` − 1 day to the snapshot for ``end`` − 1 day (a snapshot dated D is the map at
  the end of day D; vigil.territory.series), so consecutive periods chain without gaps
  or double counting.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Sequence
from enum import StrEnum

from vigil.choices import choice, not_one_of

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FULL_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class Freq(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


class Weekday(StrEnum):
    """The first day of a week (``week_start``)."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


def freq(value: Freq | str) -> Freq:
    """``value`` as a :class:`Freq` (``"week"`` or ``Freq.WEEK``)."""
    return choice(Freq, value, "freq")


def weekday_index(name: str | int) -> int:
    """0 for 'mon' … 6 for 'sun' (also accepts full English names, and 0–6)."""
    if isinstance(name, int) and 0 <= name <= 6:
        return name
    key = str(name).strip().lower()
    for i, (short, full) in enumerate(zip(WEEKDAYS, FULL_WEEKDAYS, strict=True)):
        if key in (short, full):
            return i
    raise not_one_of(name, WEEKDAYS, "week_start")


def floor(date: dt.date, freq: Freq, week_start: int = 0) -> dt.date:
    """The start of the period containing ``date``."""
    if freq is Freq.DAY:
        return date
    if freq is Freq.WEEK:
        return date - dt.timedelta(days=(date.weekday() - week_start) % 7)
    if freq is Freq.MONTH:
        return date.replace(day=1)
    return date.replace(month=1, day=1)


def next_start(start: dt.date, freq: Freq) -> dt.date:
    """The start of the period after the one starting at ``start``."""
    if freq is Freq.DAY:
        return start + dt.timedelta(days=1)
    if freq is Freq.WEEK:
        return start + dt.timedelta(days=7)
    if freq is Freq.MONTH:
        return (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return start.replace(year=start.year + 1)


def periods(
    start: dt.date, end: dt.date, freq: Freq, week_start: int = 0
) -> list[tuple[dt.date, dt.date]]:
    """Periods [s, e) of ``freq`` whose start lies in [floor(start), end)."""
    out = []
    s = floor(start, freq, week_start)
    while s < end:
        e = next_start(s, freq)
        out.append((s, e))
        s = e
    return out


def starts_within(start: dt.date, end: dt.date, freq: Freq, week_start: int = 0) -> list[dt.date]:
    """The period starts that fall in [start, end] (both ends included)."""
    return [
        s for s, _ in periods(start, end + dt.timedelta(days=1), freq, week_start) if s >= start
    ]


def snapshot_for(date: dt.date, dates: Sequence[dt.date]) -> dt.date | None:
    """The latest of the sorted ``dates`` on or before ``date``, or None."""
    i = bisect.bisect_right(dates, date)
    return dates[i - 1] if i else None


def trailing_year_count(freq: Freq) -> int:
    """How many periods make up a trailing year (this period included)."""
    return {Freq.DAY: 365, Freq.WEEK: 52, Freq.MONTH: 12, Freq.YEAR: 1}[freq]
