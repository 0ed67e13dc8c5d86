"""Periods and dates in a sentence, resolved against an anchor day.

The anchor is the day the text speaks from (its publication date, ``--as-of``, or
today). Every period is a half-open range of days ``[start, end)``; the calendar rules
are the period engine's (:mod:`vigil.periods`: weeks Monday→Monday, calendar months and
years), which this module calls rather than repeats.

**Relative periods end at the anchor, excluded.** "the past week", "this month", "since
1 September" stop at ``[…, anchor)``: the map of a day is published the day after (the
archive holds the map of D in the file of D+1), so a text written on the anchor day
cannot know that day's changes. A "to date" period that would be empty (this week on a
Monday) takes the anchor day itself, ``[anchor, anchor + 1)``.

**Weeks.** A week phrase carries three readings, the method's first (readings that name
the same days are given once: on a Monday the trailing 7 days are the Monday week):

- "last week", "past week", "over the week", "за неделю", "за тиждень", "за минулий
  тиждень", "ötən/keçən həftə": the last *complete* Monday→Monday week before the
  anchor, then the last complete Sunday→Sunday week, then the trailing 7 days
  ``[anchor − 7, anchor)``. On Monday 2024-10-28 "last week" is 2024-10-21→28 (the week
  that ended that morning); on Wednesday 2024-10-30 it is still 2024-10-21→28 (the week
  in progress is "this week"); the Sunday→Sunday reading is 2024-10-20→27 on both days.
- "this week", "на этой неделе", "цього тижня", "bu həftə": the Monday→Monday week
  containing the anchor, to date (on Wed 2024-10-30: 2024-10-28→30), then the whole
  calendar week (2024-10-28→11-04), then its Sunday→Sunday counterpart, to date.
- "over the past 7 days", "за последние 7 дней", "son 7 gündə": the trailing days first.
- "last weekend", "over the weekend", "на выходных", "на вихідних", "həftəsonu": the most
  recent Saturday before the anchor to the Monday after it (or to the anchor when that
  comes first).

**Months.** "in October" / "в октябре" / "у жовтні" / "oktyabr ayında" without a year is
the most recent October that has begun on the anchor: on 2024-11-05 October 2024, on
2024-10-28 October 2024 (the month in progress), on 2024-09-30 October 2023. When the
anchor falls inside the month the first reading is the month to date ``[1 October,
anchor)`` and the second the calendar month, since the text cannot know the rest. "this
month": month to date, then the calendar month. "last month": the previous calendar
month; "over the past month", "за последний месяц", "за місяць": the previous calendar
month, then the trailing 30 days.

**Years.** "in 2024", "в 2024 году", "2024-cü ildə": the calendar year (to date first
when the anchor is inside it). "this year": year to date, then the calendar year.
"since the start of the year", "с начала года", "з початку року", "ilin əvvəlindən":
``[1 January, anchor)``. "the past year", "this past year", "за последний год": the
trailing 12 months ``[anchor − 1 year, anchor)``, then the previous calendar year; "last
year", "в прошлом году", "минулого року", "ötən il": the previous calendar year first;
"over the past 12 months": trailing only. "in the first half of 2024" → 2024-01-01→07-01
(quarters likewise).

**Since, ranges, days.** "since 1 September" → ``[1 September, anchor)`` (the most recent
1 September on or before the anchor when the year is not given); "since October",
"since 2022", "since the start of the full-scale invasion" (2022-02-24). "from 1 to 15
November" / "с 1 по 15 ноября" → ``[1 Nov, 16 Nov)`` (the days named, both included);
"between October 21 and 28" reads the same, then with the end day excluded (``[21,
28)``, a Monday→Monday week when it is one). "in a day", "over the past day", "за
сутки", "за добу", "yesterday" → ``[anchor − 1, anchor)``. A single date that is not
part of another phrase and not after "until/since/до/з…" ("on 1 May", "2 декабря") is
a period of ``kind="day"``.

**Dates** (:func:`find_dates`): "until December 2", "on 2 December", "2 декабря", "до 2
грудня", "2 dekabr", "dekabrın 2-dək", "December 2, 2026", "02.12.2026", "2026-12-02".
A day without a year takes one from the anchor by the words around it:

- after a word looking forward ("until", "till", "to", "by", "postponed", "adjourned",
  "до", "на", "по"; az "2 dekabra qədər", "dekabrın 2-dək"): the first such day on or after the
  anchor when it is at most 8 months ahead ("postponed until December 2" in a text of
  2026-11-20 or of 2026-12-02 → 2026-12-02; "until March 2" on 2026-08-20 → 2027-03-02);
  otherwise the most recent one before (a text of 2026-12-05 saying "until December 2"
  speaks of 2026-12-02, just past, not of a postponement by a year);
- after a word looking back ("since", "from", "after", "с", "з", "від", "після"; az
  "1 sentyabrdan"): the most recent on or before the anchor;
- otherwise the one nearest the anchor (ties to the past).

``year_given`` is False when the year was inferred. English month-first dates
("December 2") are read with English month names only ("в октябре 15 человек" is not a
date).

Numeric dates are read day-first (28.10.2024) or ISO (2024-10-28); slashed dates are
ambiguous between the US and the rest and are not read.

Patterns of every one of the four languages are tried whatever ``lang`` says, plus
English month names in every language (a sentence may quote another); ``lang`` chooses
which month names are read. :mod:`dateparser` is not called at run time: one call
costs about 2 ms warm (0.3 s cold) and guesses years by its own rule; the tests use it
as an independent check of the days read here.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass

from vigil.claims.model import DateMention, Lang, PeriodMention, PeriodReading, Span
from vigil.claims.numbers import (
    AZ_MONTHS,
    fold_apostrophes,
    month_of,
    month_regex,
    words_value,
)
from vigil.periods import Freq, floor, next_start

FULL_SCALE_INVASION = dt.date(2022, 2, 24)
_DAY = dt.timedelta(days=1)

# ---------------------------------------------------------------------------------------
# Readings


def _r(
    label: str, start: dt.date, end: dt.date, freq: str | None = None, week_start: str | None = None
) -> PeriodReading:
    return PeriodReading(label, start, end, freq, week_start)


def _unique(readings: list[PeriodReading]) -> tuple[PeriodReading, ...]:
    """The readings without repeats of the same days (the first kept), empty ones dropped."""
    seen: set[tuple[dt.date, dt.date]] = set()
    out = []
    for r in readings:
        if r.end > r.start and (r.start, r.end) not in seen:
            seen.add((r.start, r.end))
            out.append(r)
    return tuple(out)


def _to_date_end(start: dt.date, anchor: dt.date) -> dt.date:
    """The end of a period running from ``start`` to the anchor (module docstring)."""
    return anchor if anchor > start else start + _DAY


def last_week(anchor: dt.date) -> list[PeriodReading]:
    """ "last week": the last complete Mon→Mon week, Sun→Sun week, trailing 7 days."""
    mon = floor(anchor, Freq.WEEK, 0)
    sun = floor(anchor, Freq.WEEK, 6)
    week = dt.timedelta(days=7)
    return [
        _r("week Monday→Monday", mon - week, mon, "week", "mon"),
        _r("week Sunday→Sunday", sun - week, sun, "week", "sun"),
        _r("trailing 7 days", anchor - week, anchor),
    ]


def this_week(anchor: dt.date) -> list[PeriodReading]:
    """ "this week": the Mon→Mon week containing the anchor to date, whole, Sun→Sun."""
    mon = floor(anchor, Freq.WEEK, 0)
    sun = floor(anchor, Freq.WEEK, 6)
    return [
        _r("week Monday→Monday to date", mon, _to_date_end(mon, anchor)),
        _r("week Monday→Monday", mon, next_start(mon, Freq.WEEK), "week", "mon"),
        _r("week Sunday→Sunday to date", sun, _to_date_end(sun, anchor)),
    ]


def trailing_days(anchor: dt.date, n: int) -> list[PeriodReading]:
    """The ``n`` days before the anchor (a 7-day span also reads as last week)."""
    out = [_r(f"trailing {n} days", anchor - dt.timedelta(days=n), anchor)]
    if n == 1:
        out[0] = _r("day before the anchor", anchor - _DAY, anchor, "day")
    if n == 7:
        out += last_week(anchor)[:2]
    return out


def _weekend(anchor: dt.date) -> list[PeriodReading]:
    back = (anchor.weekday() - 5) % 7 or 7
    sat = anchor - dt.timedelta(days=back)
    return [_r("weekend", sat, min(sat + 2 * _DAY, anchor))]


def month_readings(year: int, month: int, anchor: dt.date) -> list[PeriodReading]:
    """A calendar month; to date first when the anchor is inside it."""
    start = dt.date(year, month, 1)
    end = next_start(start, Freq.MONTH)
    whole = _r("calendar month", start, end, "month")
    if start <= anchor < end:
        return [_r("calendar month to date", start, _to_date_end(start, anchor)), whole]
    return [whole]


def _recent_month(month: int, anchor: dt.date) -> int:
    """The year of the most recent ``month`` that has begun on the anchor."""
    return anchor.year if month <= anchor.month else anchor.year - 1


def _add_months(d: dt.date, k: int) -> dt.date:
    y, m = divmod(d.month - 1 + k, 12)
    y += d.year
    m += 1
    last = (next_start(dt.date(y, m, 1), Freq.MONTH) - _DAY).day
    return dt.date(y, m, min(d.day, last))


def year_readings(year: int, anchor: dt.date) -> list[PeriodReading]:
    """A calendar year; to date first when the anchor is inside it."""
    start = dt.date(year, 1, 1)
    whole = _r("calendar year", start, dt.date(year + 1, 1, 1), "year")
    if start <= anchor < whole.end:
        return [_r("calendar year to date", start, _to_date_end(start, anchor)), whole]
    return [whole]


def _trailing_year(anchor: dt.date) -> PeriodReading:
    return _r("trailing 12 months", _add_months(anchor, -12), anchor)


def _since(start: dt.date, anchor: dt.date) -> list[PeriodReading]:
    return [_r("since the date", start, _to_date_end(start, anchor))]


# ---------------------------------------------------------------------------------------
# Patterns

_SMALL = {
    "a": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "fourteen": 14,
    "thirty": 30,
}


def _count(word: str | None) -> int | None:
    """A small count written in digits or words (any of the four languages)."""
    if not word:
        return 1
    w = word.strip().lower()
    if w.isdigit():
        return int(w)
    if w in _SMALL:
        return _SMALL[w]
    for lang in Lang:
        v = words_value(w, lang)
        if v is not None:
            return v
    return None


_N = r"(?P<n>\d{1,3}|[^\W\d_]{2,12})"
_Y = r"(?P<y>(?:19|20)\d\d)"
_YEAR_TAIL = r"(?:\s*(?:года|году|г\.|року|р\.|рік|-?(?:c[iıuü]|[iıuü]nc[iıuü])\s+il\w*))?"


class _Match:
    """A match whose groups read as text ("" when absent), the alternatives of one
    pattern sharing names (``d1__2`` reads as ``d1``: the first that took part)."""

    def __init__(self, m: re.Match[str]) -> None:
        self._m = m
        self._groups: dict[str, str] = {}
        for name, value in m.groupdict().items():
            base = name.split("__")[0]
            if not self._groups.get(base):
                self._groups[base] = value or ""

    def group(self, name: str | int = 0) -> str:
        if isinstance(name, int):
            return self._m.group(name) or ""
        return self._groups.get(name, "")

    def start(self) -> int:
        return self._m.start()

    def end(self) -> int:
        return self._m.end()


Resolver = Callable[[_Match, dt.date, Lang], list[PeriodReading] | None]


@dataclass(frozen=True)
class _Rule:
    name: str
    pattern: str  # {M}: a month name (group "mon"), {D1} {D2} days, {N} a count, {Y} a year
    resolve: Resolver


def _month_in(m: _Match, lang: Lang) -> int | None:
    word = m.group("mon")
    mm = month_regex(lang).fullmatch(word)
    return month_of(mm) if mm else None


def _res_month(m: _Match, a: dt.date, lang: Lang) -> list[PeriodReading] | None:
    month = _month_in(m, lang)
    if month is None:
        return None
    if month == 5 and lang is Lang.EN and not m.group("y") and not m.group("pre"):
        return None  # "may" is a verb unless "in May" or "May 2024"
    year = int(m.group("y")) if m.group("y") else _recent_month(month, a)
    return month_readings(year, month, a)


def _res_since_month(m: _Match, a: dt.date, lang: Lang) -> list[PeriodReading] | None:
    month = _month_in(m, lang)
    if month is None:
        return None
    year = int(m.group("y")) if m.group("y") else _recent_month(month, a)
    return _since(dt.date(year, month, 1), a)


def _day_of(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _recent_day(month: int, day: int, a: dt.date) -> dt.date | None:
    d = _day_of(a.year, month, day)
    if d is None or d > a:
        d = _day_of(a.year - 1, month, day)
    return d


def _res_since_day(m: _Match, a: dt.date, lang: Lang) -> list[PeriodReading] | None:
    month = _month_in(m, lang)
    if month is None:
        return None
    day = int(m.group("d1"))
    d = _day_of(int(m.group("y")), month, day) if m.group("y") else _recent_day(month, day, a)
    return _since(d, a) if d else None


def _res_range(m: _Match, a: dt.date, lang: Lang) -> list[PeriodReading] | None:
    month = _month_in(m, lang)
    if month is None:
        return None
    d1, d2 = int(m.group("d1")), int(m.group("d2"))
    month1 = month
    if m.group("mon1"):
        mm = month_regex(lang).fullmatch(m.group("mon1"))
        if mm is None:
            return None
        month1 = month_of(mm)
    if m.group("y"):  # the year written belongs to the end
        year2 = int(m.group("y") or 0)
        year1 = year2 - 1 if month1 > month else year2
    else:
        start = _recent_day(month1, d1, a)
        if start is None:
            return None
        year1 = start.year
        year2 = year1 + 1 if month1 > month else year1
    start_d, end_d = _day_of(year1, month1, d1), _day_of(year2, month, d2)
    if start_d is None or end_d is None or end_d < start_d:
        return None
    out = _range_readings(start_d, end_d)
    kind = (m.group("kind") or m.group("kind2") or "").lower()
    if kind in ("between", "між", "між", "между", "поміж"):
        week = start_d.weekday() == 0 and (end_d - start_d).days == 7
        out.append(
            _r(
                "end day excluded",
                start_d,
                end_d,
                "week" if week else None,
                "mon" if week else None,
            )
        )
    return out


_HALF_WORDS = {"first": 1, "перв": 1, "перш": 1, "birinci": 1, "second": 2, "втор": 2, "друг": 2}
_QUARTER_WORDS = {**_HALF_WORDS, "ikinci": 2, "third": 3, "трет": 3, "üçüncü": 3}
_QUARTER_WORDS |= {"fourth": 4, "четв": 4, "dördüncü": 4}
_HALF_WORDS |= {"ikinci": 2}


def _res_half(m: _Match, a: dt.date, lang: Lang) -> list[PeriodReading] | None:
    """ "the first half of 2024", "в третьем квартале": a calendar half-year or quarter
    (the most recent that has begun when no year is given)."""
    word = (m.group("part") or m.group("part2") or "").lower()
    quarter = bool(re.search(r"quarter|квартал", m.group(0) or "", re.IGNORECASE))
    table = _QUARTER_WORDS if quarter else _HALF_WORDS
    part = next((v for k, v in table.items() if word.startswith(k)), None)
    if part is None:
        return None
    months = 3 if quarter else 6
    year = int(m.group("y") or 0) or a.year
    if not m.group("y") and dt.date(year, 1 + (part - 1) * months, 1) > a:
        year -= 1
    start = dt.date(year, 1 + (part - 1) * months, 1)
    end = _add_months(start, months)
    label = f"calendar {'quarter' if quarter else 'half-year'}"
    out = [_r(label, start, end)]
    if start <= a < end:
        out.insert(0, _r(f"{label} to date", start, _to_date_end(start, a)))
    return out


def _fixed(fn: Callable[[dt.date], list[PeriodReading]]) -> Resolver:
    return lambda m, a, lang: fn(a)


def _res_trailing(unit: str) -> Resolver:
    def resolve(m: _Match, a: dt.date, lang: Lang) -> list[PeriodReading] | None:
        n = _count(m.group("n"))
        if n is None or n <= 0 or n > 3650:
            return None
        if unit == "day":
            return trailing_days(a, n)
        if unit == "week":
            out = [_r(f"trailing {n} weeks", a - dt.timedelta(days=7 * n), a)]
            if n == 1:
                return last_week(a)
            mon = floor(a, Freq.WEEK, 0)
            out.append(_r(f"{n} weeks Monday→Monday", mon - dt.timedelta(days=7 * n), mon))
            return out
        if unit == "month":
            if n == 1:
                return [
                    _r(
                        "calendar month",
                        _add_months(a.replace(day=1), -1),
                        a.replace(day=1),
                        "month",
                    ),
                    _r("trailing 30 days", a - dt.timedelta(days=30), a),
                ]
            return [_r(f"trailing {n} months", _add_months(a, -n), a)]
        if n == 1:
            return [_trailing_year(a), *year_readings(a.year - 1, a)]
        return [_r(f"trailing {n} years", _add_months(a, -12 * n), a)]

    return resolve


def _last_month(a: dt.date) -> list[PeriodReading]:
    first = a.replace(day=1)
    return [_r("calendar month", _add_months(first, -1), first, "month")]


def _this_month(a: dt.date) -> list[PeriodReading]:
    return month_readings(a.year, a.month, a)


def _this_year(a: dt.date) -> list[PeriodReading]:
    return year_readings(a.year, a)


def _last_year(a: dt.date) -> list[PeriodReading]:
    return [*year_readings(a.year - 1, a), _trailing_year(a)]


def _past_year(a: dt.date) -> list[PeriodReading]:
    return [_trailing_year(a), *year_readings(a.year - 1, a)]


def _year_start(a: dt.date) -> list[PeriodReading]:
    return _since(dt.date(a.year, 1, 1), a)


def _day(a: dt.date) -> list[PeriodReading]:
    return trailing_days(a, 1)


def _range_readings(first: dt.date, last: dt.date) -> list[PeriodReading]:
    """ "From D1 to D2": the days D1…D2 both included, then the change from the map of D1
    to the map of D2 (the period [D1 + 1, D2 + 1): how a map-by-map analysis such as
    "in the week from Oct. 20 to Oct. 27" counts)."""
    return [
        _r("the days named", first, last + _DAY),
        _r("from the map of the first day to that of the last", first + _DAY, last + _DAY),
    ]


def _res_year(m: _Match, a: dt.date, lang: Lang) -> list[PeriodReading] | None:
    return year_readings(int(m.group("y")), a)


def _res_since_year(m: _Match, a: dt.date, lang: Lang) -> list[PeriodReading] | None:
    return _since(dt.date(int(m.group("y")), 1, 1), a)


def _invasion(a: dt.date) -> list[PeriodReading]:
    return _since(FULL_SCALE_INVASION, a)


_PAST = r"(?:the\s+)?(?:past|last|previous|preceding)"
_RULES: tuple[_Rule, ...] = (
    _Rule(
        "trailing",
        rf"(?:(?:over|in|during|for)\s+)?(?:the\s+)?(?:past|last|previous)\s+{_N}\s+(?P<u>days?)"
        r"|за\s+(?:последние|прошедшие|минувшие|останні|минулі)\s+"
        + _N
        + r"\s+(?:дн\w+|сут\w+|днів|дні)"
        r"|son\s+" + _N + r"\s+gün\w*",
        _res_trailing("day"),
    ),
    _Rule(
        "trailing weeks",
        rf"(?:(?:over|in|during|for)\s+)?(?:the\s+)?(?:past|last|previous)\s+{_N}\s+weeks"
        r"|за\s+(?:последние|прошедшие|останні|минулі)\s+" + _N + r"\s+(?:недел\w+|тижн\w+)"
        r"|son\s+" + _N + r"\s+həftə\w*",
        _res_trailing("week"),
    ),
    _Rule(
        "trailing months",
        rf"(?:(?:over|in|during|for)\s+)?(?:the\s+)?(?:past|last|previous)\s+{_N}\s+months"
        r"|за\s+(?:последние|прошедшие|останні|минулі)\s+" + _N + r"\s+(?:месяц\w*|місяц\w*)"
        r"|son\s+" + _N + r"\s+ay\w*",
        _res_trailing("month"),
    ),
    _Rule(
        "trailing years",
        rf"(?:(?:over|in|during|for)\s+)?(?:the\s+)?(?:past|last|previous)\s+{_N}\s+years"
        r"|за\s+(?:последние|прошедшие|останні|минулі)\s+" + _N + r"\s+(?:лет|год\w*|рок\w*)",
        _res_trailing("year"),
    ),
    _Rule(
        "last week",
        rf"(?:(?:over|in|during|for)\s+)?{_PAST}\s+week(?!\w)"
        r"|(?:over|in|during)\s+the\s+week(?!\s+(?:from|of|between|to|ending)\b)"
        r"|this\s+past\s+week|(?:за|на)\s+(?:прошл\w+|прошедш\w+|минувш\w+|последн\w+)\s+недел\w+"
        r"|(?:in|over|within)\s+a\s+week|за\s+неделю|за\s+тиждень|за\s+(?:минулий|останній|попередній)\s+тиждень"
        r"|(?:на\s+)?минулого\s+тижня|на\s+минулому\s+тижні|(?:ötən|keçən|son)\s+(?:bir\s+)?həftə\w*"
        # the week as the subject: "минулий тиждень став…", "прошлая неделя стала…"
        r"|минулий\s+тиждень|(?:прошлая|прошедшая|минувшая)\s+неделя",
        _fixed(last_week),
    ),
    _Rule(
        "this week",
        r"this\s+week|на\s+этой\s+неделе|с\s+начала\s+недели|цього\s+тижня|на\s+цьому\s+тижні"
        r"|з\s+початку\s+тижня|bu\s+həftə\w*",
        _fixed(this_week),
    ),
    _Rule(
        "weekend",
        r"(?:over\s+|during\s+)?(?:the\s+|last\s+|this\s+past\s+)weekend"
        r"|(?:на|за)\s+(?:прошедших\s+|минувших\s+)?выходн\w+|(?:на|за)\s+(?:минулих\s+)?вихідн\w+"
        r"|həftəsonu\w*|həftə\s+sonu\w*",
        _fixed(_weekend),
    ),
    _Rule(
        "day",
        r"(?:in|over|during)\s+(?:a|one|the\s+past|the\s+last|the\s+previous)\s+day(?!\w)"
        r"|(?:in|over|during)\s+the\s+(?:past|last)\s+24\s+hours|yesterday"
        r"|за\s+(?:минувшие\s+|прошедшие\s+|последние\s+)?сутки|за\s+(?:минулу\s+|останню\s+)?добу"
        r"|вчера|вчора|son\s+(?:bir\s+)?sutka\w*|ötən\s+sutka\w*|bir\s+gündə|dünən",
        _fixed(_day),
    ),
    _Rule(
        "past month",
        r"(?:(?:over|in|during|for)\s+)?(?:the\s+)?past\s+month(?!\w)|over\s+the\s+last\s+month"
        r"|за\s+(?:последний|прошедший|минувший)\s+месяц|за\s+месяц|за\s+(?:останній)\s+місяць"
        r"|за\s+місяць|son\s+bir\s+ayda|son\s+ayda"
        r"|(?:in|over|within)\s+(?:a|one)\s+(?:single\s+)?month(?!\w)"
        r"|(?:over|during)\s+the\s+course\s+of\s+the\s+month|за\s+один\s+(?:месяц|місяць)"
        r"|bir\s+ay\s+ərzində|bir\s+ayda",
        _res_trailing("month"),
    ),
    _Rule(
        "last month",
        r"last\s+month|the\s+previous\s+month|в\s+прошлом\s+месяце|за\s+прошлый\s+месяц"
        r"|минулого\s+місяця|у\s+минулому\s+місяці|за\s+минулий\s+місяць|(?:ötən|keçən)\s+ay\w*",
        _fixed(_last_month),
    ),
    _Rule(
        "this month",
        r"this\s+month|so\s+far\s+this\s+month|в\s+этом\s+месяце|с\s+начала\s+(?:этого\s+)?месяца"
        r"|цього\s+місяця|у\s+цьому\s+місяці|з\s+початку\s+(?:цього\s+)?місяця|bu\s+ay\w*"
        r"|ayın\s+əvvəlindən",
        _fixed(_this_month),
    ),
    _Rule(
        "year start",
        r"since\s+the\s+(?:start|beginning)\s+of\s+(?:the|this)\s+year|so\s+far\s+this\s+year"
        r"|year[\s-]to[\s-]date|с\s+начала\s+(?:этого\s+|текущего\s+)?года"
        r"|з\s+початку\s+(?:цього\s+|поточного\s+)?року|(?:bu\s+)?ilin\s+əvvəlindən",
        _fixed(_year_start),
    ),
    _Rule(
        "this year",
        r"this\s+year|в\s+этом\s+году|в\s+текущем\s+году|цього\s+року|у\s+цьому\s+році|bu\s+il\w*",
        _fixed(_this_year),
    ),
    _Rule(
        "past year",
        r"(?:(?:over|in|during|for)\s+)?(?:this|the)\s+(?:past|last)\s+year"
        r"|за\s+(?:последний|прошедший|минувший)\s+год|за\s+год(?!\w)|за\s+останній\s+рік"
        r"|за\s+рік|son\s+bir\s+ild\w*|son\s+ild\w*|(?:in|over|within)\s+a\s+year"
        r"|(?:in|over|within)\s+(?:the\s+)?(?:past|last)\s+twelve\s+months|bir\s+ild[əa]",
        _fixed(_past_year),
    ),
    _Rule(
        "last year",
        r"last\s+year|the\s+previous\s+year|в\s+прошлом\s+году|за\s+прошлый\s+год"
        r"|минулого\s+року|у\s+минулому\s+році|за\s+минулий\s+рік|(?:ötən|keçən)\s+il\w*",
        _fixed(_last_year),
    ),
    _Rule(
        "invasion",
        r"since\s+the\s+(?:start|beginning)\s+of\s+(?:the\s+)?(?:full[\s-]scale\s+)?(?:invasion|war)"
        r"|с\s+начала\s+(?:полномасштабного\s+)?(?:вторжения|войны)"
        r"|з\s+початку\s+(?:повномасштабного\s+)?(?:вторгнення|війни)"
        r"|(?:genişmiqyaslı\s+)?(?:işğalın|müharibənin)\s+(?:başlanğıcından|əvvəlindən)",
        _fixed(_invasion),
    ),
    _Rule(
        "half",
        r"(?:in\s+|during\s+)?the\s+(?P<part>first|second|third|fourth)\s+(?:half|quarter)"
        rf"(?:\s+of\s+{_Y})?"
        r"|(?:в|у)\s+(?P<part2>перв\w+|втор\w+|трет\w+|четв\w+|перш\w+|друг\w+)\s+"
        rf"(?:полугоди\w+|півріччі|квартал\w*)(?:\s+{_Y}{_YEAR_TAIL})?",
        _res_half,
    ),
    _Rule(
        "range",
        r"(?P<kind>from|between|с|з|із|від|між|между|от)\s+(?P<d1>\d{1,2})(?:-?(?:го|е|st|nd|rd|th))?"
        r"(?:\s+(?P<mon1>{M}))?\s+(?:to|and|по|до|і|и|та|-|–|—)\s+"
        r"(?P<d2>\d{1,2})(?:-?(?:го|е|st|nd|rd|th))?\s+(?P<mon>{M})(?:,?\s+{Y}" + _YEAR_TAIL + ")?"
        r"|(?P<kind2>from|between)?\s*(?P<mon>{M})\s+(?P<d1>\d{1,2})(?:st|nd|rd|th)?"
        r"\s*(?:to|and|-|–|—)\s*(?P<d2>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+{Y})?",
        _res_range,
    ),
    _Rule(
        "range dash",
        # any dash, the minus sign (U+2212) included: "3−9 марта"
        r"(?<![\d.])(?P<d1>\d{1,2})\s*[-–—−]\s*(?P<d2>\d{1,2})\s+(?P<mon>{M})(?:,?\s+{Y}"
        + _YEAR_TAIL
        + ")?",
        _res_range,
    ),
    _Rule(
        "since day",
        r"(?:since|from|с|со|з|із|від|начиная\s+с|починаючи\s+з)\s+(?P<d1>\d{1,2})(?:-?(?:го|е|st|nd|rd|th))?"
        r"\s+(?:of\s+)?(?P<mon>{M})(?:,?\s+{Y}" + _YEAR_TAIL + ")?"
        r"|since\s+(?P<mon>{M})\s+(?P<d1>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+{Y})?"
        r"|(?P<d1>\d{1,2})\s+(?P<mon>{M})(?:\s+{Y}" + _YEAR_TAIL + r")?(?<=[dt][əa]n)",
        _res_since_day,
    ),
    _Rule(
        "since month",
        r"(?:since|from|с|со|з|із|від)\s+(?P<mon>{M})(?:\s+{Y}" + _YEAR_TAIL + ")?(?!\\s*\\d)",
        _res_since_month,
    ),
    _Rule(
        "since year",
        r"(?:since(?:\s+the\s+(?:start|beginning)\s+of)?|с(?:\s+начала)?|з(?:\s+початку)?|із|від)\s+"
        + _Y
        + _YEAR_TAIL
        + r"(?!\s*[-–]\s*\d|\.\d|\d)|"
        + _Y
        + r"-?(?:c[iıuü])\s+il(?:d[əa]n|in\s+əvvəlindən)",
        _res_since_year,
    ),
    _Rule(
        "year",
        r"(?:in|during|for|throughout|в|во|у|за|в\s+течение|на\s+протяжении|протягом|впродовж)\s+"
        + _Y
        + _YEAR_TAIL
        + r"(?!\s*[-–]\s*\d|\.\d|\d)"  # "in 2024." ends a sentence; "2024.10" does not
        r"|" + _Y + r"-?(?:c[iıuü])\s+ild[əa]|" + _Y + r"\s+ild[əa]",
        _res_year,
    ),
    _Rule(
        "month",
        r"(?P<pre>(?:in|during|for|of|throughout|в|во|у|за|в\s+течение|протягом)\s+)?"
        r"(?<!\d\s)(?<!\d)(?<!го\s)(?<!(?:st|nd|rd|th)\sof\s)(?P<mon>{M})(?:\s+{Y}"
        + _YEAR_TAIL
        + r")?(?!\s*\d)"
        r"(?:\s+ay(?:ında|ı\s+ərzində|ı))?"
        r"|{Y}-?(?:c[iıuü])\s+ilin\s+(?P<mon>{M})(?:\s+ay(?:ında|ı\s+ərzində|ı))?",
        _res_month,
    ),
)


def _dedupe_groups(pattern: str) -> str:
    """Alternatives of one rule share group names: rename repeats ``d1`` → ``d1_2`` …"""
    seen: dict[str, int] = {}

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        seen[name] = seen.get(name, 0) + 1
        return f"(?P<{name}" + (f"__{seen[name]}" if seen[name] > 1 else "") + ">"

    return re.sub(r"\(\?P<(\w+)>", sub, pattern)


@functools.cache
def _compiled(lang: Lang) -> tuple[tuple[_Rule, re.Pattern[str]], ...]:
    month = month_regex(lang).pattern
    # the month alternation without its named groups and word guards
    month = re.sub(r"\(\?P<m\d+>", "(?:", month)
    out = []
    for rule in _RULES:
        p = rule.pattern.replace("{M}", month).replace("{Y}", _Y)
        p = _dedupe_groups(p)
        out.append((rule, re.compile(rf"(?<![\w-])(?:{p})(?![\w])", re.IGNORECASE)))
    return tuple(out)


# ---------------------------------------------------------------------------------------
# Dates

_ORD = r"(?:-?(?:го|е|ое|st|nd|rd|th|c[iıuü]|[iıuü]nc[iıuü]))?"
_DATE_PATTERNS = (
    # 2 December 2026, 2-го декабря, 2 dekabr 2026-cı il, 2nd of December
    r"(?<![\d.,])(?P<d>\d{1,2})"
    + _ORD
    + r"\s+(?:of\s+)?(?P<mon>{M})(?:,?\s+{Y}"
    + _YEAR_TAIL
    + ")?",
    # December 2, 2026; December 2nd (English month names only: {E})
    r"(?P<mon>{E})\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?(?![\d:])(?:,?\s+{Y})?",
    # 2026-cı il 2 dekabr
    _Y + r"-?(?:c[iıuü])\s+il(?:in)?\s+(?P<d>\d{1,2})\s+(?P<mon>{M})",
    # az: the month in the genitive, then the day with its suffix ("dekabrın 2-dək")
    r"(?P<mon>{G})\s+(?P<d>\d{1,2})(?:\s*-\s*[a-zəğıöüşç]+)?",
    # 02.12.2026, 2026-12-02
    r"(?<![\d.])(?P<d>\d{1,2})\.(?P<mn>\d{1,2})\.{Y}(?!\d)(?!\.\d)",
    r"(?<![\d-]){Y}-(?P<mn>\d{2})-(?P<d>\d{2})(?![\d-])",
)

_FORWARD_REACH = 243  # days: how far ahead "until <day>" may reach (8 months)
_FORWARD = re.compile(
    r"(?:until|till|til|to|by|before|through|adjourned|postponed|rescheduled|next|"
    r"до|на|по|аж\s+до|відкладено\s+до)\s*$",
    re.IGNORECASE,
)
# Azerbaijani marks the direction on the date itself: "2 dekabra qədər", "dekabrın
# 2-dək" (until), "1 sentyabrdan" (since). ``_AZ_FORWARD`` is tried on the date and what
# follows it, ``_AZ_BACKWARD`` on the date's end.
_AZ_FORWARD = re.compile(r"d[aə]k(?!\w)|^\s*qədər(?!\w)", re.IGNORECASE)
_AZ_BACKWARD = re.compile(r"[dt][aə]n$", re.IGNORECASE)
_BACKWARD = re.compile(r"(?:since|from|after|с|со|з|із|від|после|після)\s*$", re.IGNORECASE)


@functools.cache
def _date_regex(lang: Lang) -> re.Pattern[str]:
    month = re.sub(r"\(\?P<m\d+>", "(?:", month_regex(lang).pattern)
    en = re.sub(r"\(\?P<m\d+>", "(?:", month_regex(Lang.EN).pattern)
    # az genitive month names; a pattern that never matches in the other languages
    gen = "(?:" + "|".join(AZ_MONTHS) + ")(?:[ıiuü]n)" if lang is Lang.AZ else "(?!x)x"
    alts = "|".join(
        p.replace("{M}", month).replace("{E}", en).replace("{G}", gen).replace("{Y}", _Y)
        for p in _DATE_PATTERNS
    )
    return re.compile(rf"(?<![\w])(?:{_dedupe_groups(alts)})(?![\w])", re.IGNORECASE)


def _resolve_date(
    m: _Match, lang: Lang, anchor: dt.date, before: str, after: str
) -> tuple[dt.date, bool] | None:
    """The day a date match names; ``before``/``after``: the text around it."""
    day = int(m.group("d") or 0)
    if m.group("mn"):
        month = int(m.group("mn"))
    else:
        mm = month_regex(lang).fullmatch(m.group("mon") or "")
        if mm is None:
            return None
        month = month_of(mm)
    if m.group("y"):
        d = _day_of(int(m.group("y")), month, day)
        return (d, True) if d else None
    candidates = [
        d for y in (anchor.year - 1, anchor.year, anchor.year + 1) if (d := _day_of(y, month, day))
    ]
    if not candidates:
        return None
    matched = m.group(0)
    forward = _FORWARD.search(before) or (
        lang is Lang.AZ and (_AZ_FORWARD.search(matched) or _AZ_FORWARD.match(after))
    )
    backward = _BACKWARD.search(before) or (lang is Lang.AZ and _AZ_BACKWARD.search(matched))
    if forward:
        on_after = [d for d in candidates if d >= anchor]
        if on_after and (min(on_after) - anchor).days <= _FORWARD_REACH:
            return min(on_after), False
        on_before = [d for d in candidates if d < anchor]
        return (max(on_before), False) if on_before else None
    if backward:
        on_before = [d for d in candidates if d <= anchor]
        return (max(on_before), False) if on_before else None
    return min(candidates, key=lambda d: (abs((d - anchor).days), d)), False


def _date_matches(t: str, lang: Lang, anchor: dt.date) -> list[tuple[_Match, dt.date, bool, str]]:
    out = []
    for raw in _date_regex(lang).finditer(t):
        m = _Match(raw)
        before = t[max(0, m.start() - 30) : m.start()]
        after = t[m.end() : m.end() + 12]
        got = _resolve_date(m, lang, anchor, before, after)
        if got:
            out.append((m, got[0], got[1], before))
    return out


def find_dates(text: str, lang: Lang, anchor: dt.date) -> list[DateMention]:
    """Single days ``text`` names, in text order, with spans into ``text``.

    A day without a year takes it from ``anchor`` (module docstring: forward-looking
    words take the next such day, backward-looking the most recent, else the nearest).
    """
    t = fold_apostrophes(text)
    return [
        DateMention(Span(m.start(), m.end(), text[m.start() : m.end()]), d, given)
        for m, d, given, _ in _date_matches(t, lang, anchor)
    ]


# ---------------------------------------------------------------------------------------
# Periods

_NOT_A_DAY_PERIOD = re.compile(
    r"(?:until|till|to|by|before|after|since|from|adjourned|postponed|до|на|по|с|со|з|із|від|"
    r"после|після|and|и|і|та)\s*$",
    re.IGNORECASE,
)


#: "Before the full-scale invasion": the state on the day before it, 2022-02-23 (a day
#: mention; the maps start on 24 February 2022, so the ruler cannot check it). "Before
#: 24 February" with no year, and "from 2014 to 24 February 2022", are the same day:
#: in reporting on this war "до 24 лютого" is the invasion's shorthand.
_BEFORE_INVASION = re.compile(
    "|".join(
        f"(?:{p})"
        for p in (
            r"\b(?:before|prior\s+to|until|till|up\s+to)\s+(?:the\s+(?:start|beginning|outbreak)"
            r"\s+of\s+)?(?:the\s+|russia'?s\s+)?(?:full[\s-]scale\s+)?(?:invasion|war)\b",
            r"\b(?:before|prior\s+to|until)\s+(?:february|feb\.?)\s+2[34](?:th)?\b(?:,?\s+2022)?",
            r"\b(?:before|prior\s+to|until)\s+2[34](?:th)?\s+(?:of\s+)?february\b(?:,?\s+2022)?",
            r"\b(?:from|since)\s+2014\s+(?:to|until|till)\s+(?:february|feb\.?)\s+24,?\s+2022",
            r"(?<!\w)до\s+(?:начала\s+)?(?:полномасштабного\s+)?(?:вторжения|войны)(?!\w)",
            r"(?<!\w)до\s+(?:початку\s+)?(?:повномасштабного\s+)?(?:вторгнення|війни)(?!\w)",
            r"(?<!\w)до\s+2[34](?:-го)?\s+(?:февраля|лютого)(?:\s+2022(?:\s*(?:года|г\.|року|р\.))?)?",
            r"(?<!\w)(?:с|з)\s+2014\s+(?:года\s+|року\s+)?(?:до|по)\s+24\s+(?:февраля|лютого)\s+2022"
            r"(?:\s*(?:года|г\.|року|р\.))?",
            r"\b(?:(?:genişmiqyaslı\s+)?(?:müharibədən|işğaldan|müharibənin\s+başlanmasından|"
            r"işğalın\s+başlanmasından))\s+(?:əvvəl|öncə)\b",
        )
    ),
    re.IGNORECASE,
)
BEFORE_INVASION_DAY = FULL_SCALE_INVASION - dt.timedelta(days=1)


def find_periods(text: str, lang: Lang, anchor: dt.date) -> list[PeriodMention]:
    """The period phrases of ``text`` resolved against ``anchor``, in text order.

    Where phrases overlap the longest wins ("since 1 September" over "1 September").
    Each mention holds every reasonable reading, the method's first (module docstring).
    """
    t = fold_apostrophes(text)
    cands: list[tuple[int, int, tuple[PeriodReading, ...], str]] = []
    for rule, rx in _compiled(lang):
        for raw in rx.finditer(t):
            readings = rule.resolve(_Match(raw), anchor, lang)
            if readings:
                got = _unique(readings)
                if got:
                    cands.append((raw.start(), raw.end(), got, "period"))
    for m, d, _, before in _date_matches(t, lang, anchor):
        after = t[m.end() - 6 : m.end() + 12] if lang is Lang.AZ else ""
        if not _NOT_A_DAY_PERIOD.search(before) and not re.search(r"qədər|d[əa]k(?!\w)", after):
            cands.append((m.start(), m.end(), (_r("the day", d, d + _DAY, "day"),), "day"))
    cands += _date_ranges(t, lang, anchor)
    for eve in _BEFORE_INVASION.finditer(t):
        day = BEFORE_INVASION_DAY
        reading = _r("the day before the full-scale invasion", day, day + _DAY)
        cands.append((eve.start(), eve.end(), (reading,), "day"))
    cands.sort(key=lambda c: (c[0], -(c[1] - c[0])))
    out: list[PeriodMention] = []
    taken: list[tuple[int, int]] = []
    for start, end, chosen, kind in sorted(cands, key=lambda c: -(c[1] - c[0])):
        if any(start < e and s < end for s, e in taken):
            continue
        taken.append((start, end))
        # the span without the spaces a pattern may have taken at its edges
        s, e = start, end
        while s < e and t[s].isspace():
            s += 1
        while e > s and t[e - 1].isspace():
            e -= 1
        out.append(PeriodMention(Span(s, e, text[s:e]), chosen, anchor, kind))
    out.sort(key=lambda p: p.span.start)
    return out


_RANGE_FROM = re.compile(r"(?:from|between|с|со|з|із|від|между|між)\s*$", re.IGNORECASE)
_RANGE_TO = re.compile(r"^\s*(?:to|and|until|till|through|по|до|і|и|та|[-–—])\s*$", re.IGNORECASE)


def _date_ranges(
    t: str, lang: Lang, anchor: dt.date
) -> list[tuple[int, int, tuple[PeriodReading, ...], str]]:
    """ "From January 1, 2023 to January 1, 2026": two full dates joined by "to"/"до"
    after "from"/"between"/"с"/"від" (the rules above take the shorter forms)."""
    dates = _date_matches(t, lang, anchor)
    out = []
    for (m1, d1, _, before), (m2, d2, _, _) in itertools.pairwise(dates):
        if (
            d2 < d1
            or not _RANGE_FROM.search(before)
            or not _RANGE_TO.match(t[m1.end() : m2.start()])
        ):
            continue
        start = m1.start() - len(before) + _RANGE_FROM.search(before).start()  # type: ignore[union-attr]
        got = _unique(_range_readings(d1, d2))
        out.append((start, m2.end(), got, "period"))
    return out


# ---------------------------------------------------------------------------------------
# Publication date

_PUB_LABEL = (
    r"(?:published|posted|date|updated|опубликовано|дата\s+публикации|опубліковано|"
    r"дата\s+публікації|дата|dərc\s+(?:olunub|edilib|olunma\s+tarixi)|tarix)\s*:\s*"
)


@functools.cache
def _pub_regexes(lang: Lang) -> tuple[re.Pattern[str], ...]:
    month = re.sub(r"\(\?P<m\d+>", "(?:", month_regex(lang).pattern)
    # only dates that give their year
    dates = [
        r"(?P<d>\d{1,2})" + _ORD + r"\s+(?P<mon>{M}),?\s+{Y}" + _YEAR_TAIL,
        r"(?P<mon>{M})\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+{Y}",
        r"(?P<d>\d{1,2})\.(?P<mn>\d{1,2})\.{Y}",
        r"{Y}-(?P<mn>\d{2})-(?P<d>\d{2})",
    ]
    date = "(?:" + "|".join(f"(?:{d})" for d in dates) + ")"
    date = date.replace("{M}", month).replace("{Y}", _Y)
    pats = [
        _PUB_LABEL + date,  # Published: 2024-10-28
        r"\(\s*[^()\d]{2,40},\s*" + date + r"\s*\)",  # (Reuters, 28 October 2024)
        r"^\s*(?:[^\W\d][^,.\n\d]{1,40},\s*)?"
        + date
        + r"\s*(?:\([^()]{1,30}\))?\s*[—–-]",  # Kyiv, 28.10.2024 —
    ]
    return tuple(re.compile(_dedupe_groups(p), re.IGNORECASE | re.MULTILINE) for p in pats)


def publication_date(text: str, lang: Lang) -> dt.date | None:
    """The date the text gives as its own: a dateline ("Kyiv, 28.10.2024 —"), a source
    and date in brackets ("(Reuters, 28 October 2024)"), or a label ("Published:
    2024-10-28", "Опубликовано: 28.10.2024"). Only dates with a year are taken; None
    when the text gives none (the caller then uses ``--as-of`` or today)."""
    t = fold_apostrophes(text)
    found: list[tuple[int, dt.date]] = []
    for rx in _pub_regexes(lang):
        for raw in rx.finditer(t):
            m = _Match(raw)
            if m.group("mn"):
                month: int | None = int(m.group("mn") or 0)
            else:
                mm = month_regex(lang).fullmatch(m.group("mon") or "")
                month = month_of(mm) if mm else None
            d = _day_of(int(m.group("y") or 0), month, int(m.group("d") or 0)) if month else None
            if d:
                found.append((raw.start(), d))
                break
    return min(found)[1] if found else None
