"""vigil.claims.periods: period phrases, dates and datelines, resolved by hand.

The expected days are written as literals worked out on a calendar: 2024-10-28 is a
Monday, 2024-10-30 a Wednesday, 2024-11-02 a Saturday, 2024-11-03 a Sunday, 2024 is a
leap year. dateparser (not used by the code under test) serves as an independent check
of the single days.
"""

from __future__ import annotations

import datetime as dt

import dateparser  # type: ignore[import-untyped]
import pytest

from vigil.claims.model import Lang, PeriodMention
from vigil.claims.periods import find_dates, find_periods, publication_date

EN, RU, UK, AZ = Lang.EN, Lang.RU, Lang.UK, Lang.AZ
D = dt.date

MON_28 = D(2024, 10, 28)
WED_30 = D(2024, 10, 30)
SAT_02 = D(2024, 11, 2)
SUN_03 = D(2024, 11, 3)


def _days(iso: str) -> D:
    return D.fromisoformat(iso)


def _one(text: str, lang: Lang, anchor: D) -> PeriodMention:
    ps = find_periods(text, lang, anchor)
    for p in ps:
        assert text[p.span.start : p.span.end] == p.span.text
        assert p.anchor == anchor
        for r in p.readings:
            assert r.start < r.end
    assert len(ps) == 1, [(p.span.text, p.readings) for p in ps]
    return ps[0]


def _ranges(p: PeriodMention) -> list[tuple[str, str]]:
    return [(r.start.isoformat(), r.end.isoformat()) for r in p.readings]


# ---------------------------------------------------------------------------------------
# Weeks

LAST_WEEK = [
    ("Last week alone, Russian forces seized an additional 200 square kilometers", EN, "Last week"),
    ("Over the past week Russia advanced", EN, "Over the past week"),
    ("Russia advanced over the week", EN, "over the week"),
    ("За тиждень окупанти просунулися на 196 км²", UK, "За тиждень"),
    ("За минулий тиждень окупанти просунулися на 196 км²", UK, "За минулий тиждень"),
    ("За неделю российские войска заняли 200 кв. км", RU, "За неделю"),
    ("На прошлой неделе российские войска заняли 200 кв. км", RU, "На прошлой неделе"),
    ("Rusiya qoşunları ötən həftə 200 kv. km-dən çox ərazini ələ keçirib", AZ, "ötən həftə"),
    ("Keçən həftə 150 kv. km", AZ, "Keçən həftə"),
]


@pytest.mark.parametrize(("text", "lang", "span"), LAST_WEEK)
def test_last_week_on_a_wednesday(text: str, lang: Lang, span: str) -> None:
    p = _one(text, lang, WED_30)
    assert p.span.text == span
    assert p.kind == "period"
    assert _ranges(p) == [
        ("2024-10-21", "2024-10-28"),  # Monday→Monday, the last complete week
        ("2024-10-20", "2024-10-27"),  # Sunday→Sunday
        ("2024-10-23", "2024-10-30"),  # trailing 7 days
    ]
    assert [(r.freq, r.week_start) for r in p.readings] == [
        ("week", "mon"),
        ("week", "sun"),
        (None, None),
    ]


def test_last_week_on_a_monday_is_the_week_that_just_ended() -> None:
    p = _one("Last week Russia took 200 km²", EN, MON_28)
    # the trailing 7 days coincide with the Monday week and are not repeated
    assert _ranges(p) == [("2024-10-21", "2024-10-28"), ("2024-10-20", "2024-10-27")]
    assert p.readings[0].label == "week Monday→Monday"


def test_last_week_on_a_sunday() -> None:
    p = _one("Last week Russia took 200 km²", EN, SUN_03)
    assert _ranges(p) == [("2024-10-21", "2024-10-28"), ("2024-10-27", "2024-11-03")]


def test_this_week_on_a_wednesday_runs_to_the_anchor() -> None:
    p = _one("This week Russia took 80 km²", EN, WED_30)
    assert _ranges(p) == [
        ("2024-10-28", "2024-10-30"),
        ("2024-10-28", "2024-11-04"),
        ("2024-10-27", "2024-10-30"),
    ]
    assert p.readings[1].freq == "week" and p.readings[1].week_start == "mon"
    assert p.readings[0].freq is None  # partial: not a calendar period of the engine


def test_this_week_on_a_monday_is_the_anchor_day() -> None:
    p = _one("на этой неделе", RU, MON_28)
    assert _ranges(p) == [
        ("2024-10-28", "2024-10-29"),
        ("2024-10-28", "2024-11-04"),
        ("2024-10-27", "2024-10-28"),
    ]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("over the past 7 days", EN),
        ("in the last seven days", EN),
        ("за последние 7 дней", RU),
        ("за останні 7 днів", UK),
        ("son 7 gündə", AZ),
    ],
)
def test_trailing_seven_days_first(text: str, lang: Lang) -> None:
    p = _one(text, lang, WED_30)
    assert _ranges(p) == [
        ("2024-10-23", "2024-10-30"),
        ("2024-10-21", "2024-10-28"),
        ("2024-10-20", "2024-10-27"),
    ]


@pytest.mark.parametrize(
    ("anchor", "expected"),
    [
        (MON_28, ("2024-10-26", "2024-10-28")),
        (WED_30, ("2024-10-26", "2024-10-28")),
        (SAT_02, ("2024-10-26", "2024-10-28")),  # the weekend just begun is not "last"
        (SUN_03, ("2024-11-02", "2024-11-03")),  # Saturday, up to the anchor
    ],
)
def test_last_weekend(anchor: D, expected: tuple[str, str]) -> None:
    assert _ranges(_one("Over the weekend Russia took 30 km²", EN, anchor)) == [expected]


# ---------------------------------------------------------------------------------------
# Months


@pytest.mark.parametrize(
    ("text", "lang", "span"),
    [
        ("In October, Russia seized more than 500 km²", EN, "In October"),
        ("В октябре российские войска заняли более 500 кв. км", RU, "В октябре"),
        ("У жовтні окупанти захопили понад 500 км²", UK, "У жовтні"),
        ("oktyabr ayında 500 kvadrat kilometr", AZ, "oktyabr ayında"),
    ],
)
def test_month_without_year(text: str, lang: Lang, span: str) -> None:
    # after the month: the calendar month only
    p = _one(text, lang, D(2024, 11, 5))
    assert p.span.text == span
    assert _ranges(p) == [("2024-10-01", "2024-11-01")]
    assert p.readings[0].freq == "month"
    # inside the month: to date first, then the whole month
    p = _one(text, lang, MON_28)
    assert _ranges(p) == [("2024-10-01", "2024-10-28"), ("2024-10-01", "2024-11-01")]
    # before October has begun: last year's
    p = _one(text, lang, D(2024, 9, 30))
    assert _ranges(p) == [("2023-10-01", "2023-11-01")]


def test_month_with_year() -> None:
    p = _one("in October 2023 Russia took 300 km²", EN, D(2024, 11, 5))
    assert _ranges(p) == [("2023-10-01", "2023-11-01")]
    p = _one("в октябре 2023 года", RU, D(2024, 11, 5))
    assert _ranges(p) == [("2023-10-01", "2023-11-01")]
    p = _one("2023-cü ilin oktyabr ayında", AZ, D(2024, 11, 5))
    assert _ranges(p) == [("2023-10-01", "2023-11-01")]


def test_december_ends_at_new_year_and_february_in_a_leap_year() -> None:
    assert _ranges(_one("in December 2024", EN, D(2025, 3, 1))) == [("2024-12-01", "2025-01-01")]
    assert _ranges(_one("у лютому", UK, D(2024, 3, 10))) == [("2024-02-01", "2024-03-01")]
    assert _ranges(_one("in February", EN, D(2025, 1, 10))) == [("2024-02-01", "2024-03-01")]


def test_may_the_verb_is_not_a_month() -> None:
    assert find_periods("Russian forces may advance further.", EN, WED_30) == []
    assert _ranges(_one("in May Russia took 400 km²", EN, WED_30)) == [("2024-05-01", "2024-06-01")]


@pytest.mark.parametrize(
    ("text", "lang"),
    [("last month", EN), ("в прошлом месяце", RU), ("минулого місяця", UK), ("ötən ay", AZ)],
)
def test_last_month_across_new_year(text: str, lang: Lang) -> None:
    assert _ranges(_one(text, lang, D(2025, 1, 15))) == [("2024-12-01", "2025-01-01")]


def test_past_month_adds_trailing_30_days() -> None:
    p = _one("over the past month", EN, D(2024, 3, 31))
    assert _ranges(p) == [("2024-02-01", "2024-03-01"), ("2024-03-01", "2024-03-31")]
    assert [r.freq for r in p.readings] == ["month", None]
    p = _one("за месяц", RU, D(2024, 3, 31))
    assert _ranges(p) == [("2024-02-01", "2024-03-01"), ("2024-03-01", "2024-03-31")]


def test_this_month() -> None:
    p = _one("this month", EN, WED_30)
    assert _ranges(p) == [("2024-10-01", "2024-10-30"), ("2024-10-01", "2024-11-01")]


def test_trailing_months_clamp_the_day() -> None:
    p = _one("за последние 3 месяца", RU, D(2024, 5, 31))
    assert _ranges(p) == [("2024-02-29", "2024-05-31")]


# ---------------------------------------------------------------------------------------
# Years


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("since the start of the year", EN),
        ("с начала года", RU),
        ("з початку року", UK),
        ("ilin əvvəlindən", AZ),
    ],
)
def test_since_start_of_year(text: str, lang: Lang) -> None:
    p = _one(text, lang, WED_30)
    assert _ranges(p) == [("2024-01-01", "2024-10-30")]
    # on New Year's Day: the anchor day itself
    assert _ranges(_one(text, lang, D(2025, 1, 1))) == [("2025-01-01", "2025-01-02")]


def test_past_year_is_trailing_first() -> None:
    p = _one("a record for any single week this past year", EN, WED_30)
    assert p.span.text == "this past year"
    assert _ranges(p) == [("2023-10-30", "2024-10-30"), ("2023-01-01", "2024-01-01")]
    assert [r.freq for r in p.readings] == [None, "year"]


def test_past_year_on_a_leap_day() -> None:
    p = _one("over the past year", EN, D(2024, 2, 29))
    assert p.readings[0].start == D(2023, 2, 28)


def test_last_year_is_calendar_first() -> None:
    p = _one("в прошлом году", RU, WED_30)
    assert _ranges(p) == [("2023-01-01", "2024-01-01"), ("2023-10-30", "2024-10-30")]


def test_past_12_months_is_trailing_only() -> None:
    assert _ranges(_one("over the past 12 months", EN, WED_30)) == [("2023-10-30", "2024-10-30")]


def test_in_a_year_for_the_list() -> None:
    p = _one("The list grew from 303 to 392 names in a year.", EN, D(2026, 12, 2))
    assert p.span.text == "in a year"
    assert p.readings[0].start == D(2025, 12, 2) and p.readings[0].end == D(2026, 12, 2)


@pytest.mark.parametrize(
    ("text", "lang"),
    [("in 2024", EN), ("в 2024 году", RU), ("у 2024 році", UK), ("2024-cü ildə", AZ)],
)
def test_calendar_year(text: str, lang: Lang) -> None:
    assert _ranges(_one(text, lang, D(2025, 3, 1))) == [("2024-01-01", "2025-01-01")]
    assert _ranges(_one(text, lang, WED_30)) == [
        ("2024-01-01", "2024-10-30"),
        ("2024-01-01", "2025-01-01"),
    ]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("in the first half of 2024", EN, ("2024-01-01", "2024-07-01")),
        ("в первом полугодии 2024 года", RU, ("2024-01-01", "2024-07-01")),
        ("у першому півріччі 2024 року", UK, ("2024-01-01", "2024-07-01")),
        ("in the third quarter of 2024", EN, ("2024-07-01", "2024-10-01")),
        ("в третьем квартале 2024 года", RU, ("2024-07-01", "2024-10-01")),
    ],
)
def test_half_and_quarter(text: str, lang: Lang, expected: tuple[str, str]) -> None:
    assert _ranges(_one(text, lang, D(2025, 3, 1))) == [expected]


def test_second_half_without_year_in_progress() -> None:
    p = _one("in the second half", EN, WED_30)
    assert _ranges(p) == [("2024-07-01", "2024-10-30"), ("2024-07-01", "2025-01-01")]


# ---------------------------------------------------------------------------------------
# Since, ranges, days


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("since 1 September", EN),
        ("since September 1", EN),
        ("с 1 сентября", RU),
        ("з 1 вересня", UK),
        ("1 sentyabrdan", AZ),
    ],
)
def test_since_a_day(text: str, lang: Lang) -> None:
    assert _ranges(_one(text, lang, WED_30)) == [("2024-09-01", "2024-10-30")]
    # before 1 September of the anchor's year: the previous one
    assert _ranges(_one(text, lang, D(2024, 8, 15))) == [("2023-09-01", "2024-08-15")]


def test_since_a_month_a_year_and_the_invasion() -> None:
    assert _ranges(_one("since October", EN, WED_30)) == [("2024-10-01", "2024-10-30")]
    assert _ranges(_one("с 2022 года", RU, WED_30)) == [("2022-01-01", "2024-10-30")]
    p = _one("since the start of the full-scale invasion", EN, WED_30)
    assert _ranges(p) == [("2022-02-24", "2024-10-30")]
    p = _one("з початку повномасштабного вторгнення", UK, WED_30)
    assert _ranges(p) == [("2022-02-24", "2024-10-30")]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("from 1 to 15 November", EN),
        ("1–15 November", EN),
        ("с 1 по 15 ноября", RU),
        ("з 1 по 15 листопада", UK),
    ],
)
def test_day_range_includes_both_days(text: str, lang: Lang) -> None:
    p = _one(text, lang, D(2024, 11, 20))
    assert p.span.text == text
    # the days 1…15 included, then the change from the map of the 1st to that of the 15th
    assert _ranges(p) == [("2024-11-01", "2024-11-16"), ("2024-11-02", "2024-11-16")]
    # before 1 November: last year's
    assert _ranges(_one(text, lang, WED_30))[0] == ("2023-11-01", "2023-11-16")


@pytest.mark.parametrize("text", ["between October 21 and 28", "between 21 and 28 October"])
def test_between_adds_end_excluded_week(text: str) -> None:
    p = _one(text, EN, WED_30)
    assert _ranges(p) == [
        ("2024-10-21", "2024-10-29"),  # both days included
        ("2024-10-22", "2024-10-29"),  # the map of the 21st to the map of the 28th
        ("2024-10-21", "2024-10-28"),  # the end day excluded: the Monday week
    ]
    assert (p.readings[2].freq, p.readings[2].week_start) == ("week", "mon")


def test_range_across_months_and_years() -> None:
    p = _one("from 28 October to 3 November", EN, D(2024, 11, 5))
    assert _ranges(p)[0] == ("2024-10-28", "2024-11-04")
    p = _one("from 28 December to 3 January", EN, D(2025, 1, 10))
    assert _ranges(p)[0] == ("2024-12-28", "2025-01-04")


def test_a_range_of_full_dates() -> None:
    p = _one("from January 1, 2023 to January 1, 2026", EN, D(2026, 1, 3))
    assert _ranges(p) == [("2023-01-01", "2026-01-02"), ("2023-01-02", "2026-01-02")]
    p = _one("с 1 января 2025 года по 1 января 2026 года", RU, D(2026, 1, 3))
    assert _ranges(p)[1] == ("2025-01-02", "2026-01-02")
    # "in the week from Oct. 20 to Oct. 27" is the range, not "the week" before the anchor
    (p,) = find_periods("in the week from Oct. 20 to Oct. 27", EN, D(2024, 10, 29))
    assert p.span.text == "from Oct. 20 to Oct. 27"
    assert _ranges(p)[1] == ("2024-10-21", "2024-10-28")


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("in a day", EN),
        ("over the past day", EN),
        ("in the past 24 hours", EN),
        ("yesterday", EN),
        ("за сутки", RU),
        ("за минувшие сутки", RU),
        ("за добу", UK),
        ("son sutkada", AZ),
    ],
)
def test_a_day(text: str, lang: Lang) -> None:
    p = _one(text, lang, WED_30)
    assert _ranges(p) == [("2024-10-29", "2024-10-30")]
    assert p.readings[0].freq == "day"


def test_a_single_date_is_a_day_period() -> None:
    p = _one("On 24 October Russia captured 30 km²", EN, WED_30)
    assert p.kind == "day"
    assert p.span.text == "24 October"
    assert _ranges(p) == [("2024-10-24", "2024-10-25")]


def test_until_a_date_is_not_a_period() -> None:
    assert find_periods("postponed until December 2", EN, WED_30) == []
    assert find_periods("Суд відклав засідання до 2 грудня", UK, WED_30) == []
    assert find_periods("məhkəmə 2 dekabra qədər təxirə salınıb", AZ, WED_30) == []


def test_two_mentions_in_the_brief_sentence() -> None:
    text = (
        "Last week alone, Russian forces seized an additional 200 square kilometers – a "
        "record for any single week this past year."
    )
    ps = find_periods(text, EN, WED_30)
    assert [p.span.text for p in ps] == ["Last week", "this past year"]
    for p in ps:
        assert text[p.span.start : p.span.end] == p.span.text


@pytest.mark.parametrize(
    "text",
    ["Su-25 jets were seen.", "AXCP activists", "200 square kilometres", "The year 2024 was hard."],
)
def test_no_period(text: str) -> None:
    assert find_periods(text, EN, WED_30) == []


# ---------------------------------------------------------------------------------------
# Dates


@pytest.mark.parametrize(
    ("anchor", "expected"),
    [
        (D(2026, 11, 20), D(2026, 12, 2)),
        (D(2026, 12, 2), D(2026, 12, 2)),  # the anchor day itself counts as "on or after"
        (D(2026, 12, 5), D(2026, 12, 2)),  # a year ahead is too far: the day just past
        (D(2026, 5, 1), D(2026, 12, 2)),  # 215 days ahead: still the next one
    ],
)
def test_until_date_year(anchor: D, expected: D) -> None:
    text = "The orchestrated trial against him has been postponed until December 2."
    ds = find_dates(text, EN, anchor)
    assert len(ds) == 1
    assert ds[0].span.text == "December 2"
    assert text[ds[0].span.start : ds[0].span.end] == "December 2"
    assert ds[0].date == expected
    assert ds[0].year_given is False


def test_until_reaches_into_next_year() -> None:
    (d,) = find_dates("adjourned until March 2", EN, D(2026, 8, 20))
    assert d.date == D(2027, 3, 2)


def test_no_cue_takes_the_nearest() -> None:
    # 2025-12-02 is 181 days before 2026-06-01, 2026-12-02 is 184 days after it
    (d,) = find_dates("On 2 December the court met.", EN, D(2026, 6, 1))
    assert d.date == D(2025, 12, 2)
    (d,) = find_dates("On 2 December the court met.", EN, D(2026, 6, 5))
    assert d.date == D(2026, 12, 2)


def test_since_takes_the_past() -> None:
    (d,) = find_dates("since 1 September", EN, D(2024, 8, 15))
    assert d.date == D(2023, 9, 1)


@pytest.mark.parametrize(
    ("text", "anchor", "span", "expected"),
    [
        # forward: 2026-11-01 is 184 days ahead (the nearest would be 2025-11-01, 181 back)
        ("Məhkəmə 1 noyabra qədər təxirə salınıb", D(2026, 5, 1), "1 noyabra", D(2026, 11, 1)),
        ("İclas noyabrın 1-dək təxirə salınıb", D(2026, 5, 1), "noyabrın 1-dək", D(2026, 11, 1)),
        # backward: 2025-11-01 (190 days back) although 2026-11-01 is nearer (175 ahead)
        ("1 noyabrdan bəri həbsdədir", D(2026, 5, 10), "1 noyabrdan", D(2025, 11, 1)),
        # no direction: the nearest
        ("noyabrın 1-də iclas olacaq", D(2026, 5, 10), "noyabrın 1-də", D(2026, 11, 1)),
    ],
)
def test_azerbaijani_suffixes_give_the_direction(
    text: str, anchor: D, span: str, expected: D
) -> None:
    (d,) = find_dates(text, AZ, anchor)
    assert (d.span.text, d.date, d.year_given) == (span, expected, False)
    assert text[d.span.start : d.span.end] == span


def test_leap_day() -> None:
    (d,) = find_dates("on 29 February", EN, D(2025, 3, 10))
    assert d.date == D(2024, 2, 29)


@pytest.mark.parametrize(
    ("text", "lang", "span", "expected", "given"),
    [
        ("Суд отложил заседание до 2 декабря.", RU, "2 декабря", D(2026, 12, 2), False),
        ("Суд відклав засідання до 2 грудня.", UK, "2 грудня", D(2026, 12, 2), False),
        ("Məhkəmə 2 dekabra qədər təxirə salınıb.", AZ, "2 dekabra", D(2026, 12, 2), False),
        ("Növbəti iclas 2 dekabr tarixində olacaq.", AZ, "2 dekabr", D(2026, 12, 2), False),
        ("The hearing is on December 2, 2027.", EN, "December 2, 2027", D(2027, 12, 2), True),
        ("The hearing is on 2 December 2027.", EN, "2 December 2027", D(2027, 12, 2), True),
        (
            "Заседание назначено на 2 декабря 2027 года.",
            RU,
            "2 декабря 2027 года",
            D(2027, 12, 2),
            True,
        ),
        ("Засідання 02.12.2027.", UK, "02.12.2027", D(2027, 12, 2), True),
        ("Hearing: 2027-12-02", EN, "2027-12-02", D(2027, 12, 2), True),
        ("on the 2nd of December", EN, "2nd of December", D(2026, 12, 2), False),
    ],
)
def test_dates(text: str, lang: Lang, span: str, expected: D, given: bool) -> None:
    ds = find_dates(text, lang, D(2026, 11, 20))
    assert [(d.span.text, d.date, d.year_given) for d in ds] == [(span, expected, given)]
    assert text[ds[0].span.start : ds[0].span.end] == span


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("until December 2", EN),
        ("до 2 декабря", RU),
        ("до 2 грудня", UK),
        ("2 dekabra qədər", AZ),
        ("until 15 January", EN),
        ("до 15 січня", UK),
    ],
)
def test_dates_agree_with_dateparser(text: str, lang: Lang) -> None:
    anchor = D(2026, 11, 20)
    (d,) = find_dates(text, lang, anchor)
    settings = {
        "RELATIVE_BASE": dt.datetime(anchor.year, anchor.month, anchor.day),
        "PREFER_DATES_FROM": "future",
    }
    # dateparser on the span only (az: without the case suffix it does not know)
    span = d.span.text.removesuffix("a") if lang is AZ else d.span.text
    other = dateparser.parse(span, languages=[lang.value], settings=settings)
    assert other is not None
    assert d.date == other.date()


@pytest.mark.parametrize(
    "text",
    [
        "Russia took 200 km² in 2024.",
        "Su-25 and F-16",
        "Article 318, part 2",
        "at 12:30",
    ],
)
def test_no_dates(text: str) -> None:
    assert find_dates(text, EN, WED_30) == []


# ---------------------------------------------------------------------------------------
# Publication date


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "(Reuters, 28 October 2024) Russian forces seized 200 km² last week.",
            EN,
            D(2024, 10, 28),
        ),
        ("Kyiv, 28.10.2024 — Russian troops advanced.", EN, D(2024, 10, 28)),
        ("Published: 2024-10-28\nRussian forces seized 200 km².", EN, D(2024, 10, 28)),
        ("КИЕВ, 28 октября 2024 — Российские войска заняли 200 кв. км.", RU, D(2024, 10, 28)),
        ("Опубліковано: 28.10.2024 10:15\nОкупанти просунулися.", UK, D(2024, 10, 28)),
        ("Bakı, 28 oktyabr 2024-cü il — Rusiya qoşunları", AZ, D(2024, 10, 28)),
        ("Text first.\nDate: October 28, 2024\nMore.", EN, D(2024, 10, 28)),
    ],
)
def test_publication_date(text: str, lang: Lang, expected: D) -> None:
    assert publication_date(text, lang) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Russia invaded on 24 February 2022 — and has kept advancing.",
        "On 28 October 2024 Russia took 200 km².",
        "KYIV, Oct 28 (Reuters) - Russian forces",  # no year: not taken
        "The law (adopted 28 October 2024) says",
        "Russian forces seized 200 km² last week.",
    ],
)
def test_no_publication_date(text: str) -> None:
    assert publication_date(text, EN) is None


@pytest.mark.parametrize(
    ("text", "lang", "words"),
    [
        ("Before the full-scale invasion, Russia held 7% of Ukraine", Lang.EN,
         "Before the full-scale invasion"),
        ("prior to February 24 the occupied area was smaller", Lang.EN, "prior to February 24"),
        ("From 2014 to February 24, 2022, Russia held Crimea", Lang.EN,
         "From 2014 to February 24, 2022"),
        ("до начала полномасштабного вторжения Россия контролировала 7%", Lang.RU,
         "до начала полномасштабного вторжения"),
        ("до початку повномасштабного вторгнення окупанти контролювали 7%", Lang.UK,
         "до початку повномасштабного вторгнення"),
        ("müharibədən əvvəl Rusiya 7 faizə nəzarət edirdi", Lang.AZ, "müharibədən əvvəl"),
    ],
)  # fmt: skip
def test_before_the_invasion_is_its_eve(text: str, lang: Lang, words: str) -> None:
    # whatever the anchor, the day is 23 February 2022 (the invasion began on the 24th)
    p = _one(text, lang, D(2026, 3, 1))
    assert (p.span.text, p.kind) == (words, "day")
    assert _ranges(p) == [("2022-02-23", "2022-02-24")]


def test_a_year_during_protyahom() -> None:
    p = _one("протягом 2023 року окупанти зайняли", Lang.UK, D(2024, 5, 1))
    assert _ranges(p)[0] == ("2023-01-01", "2024-01-01")


@pytest.mark.parametrize(
    ("text", "lang", "words"),
    [
        ("минулий тиждень став для окупантів найгіршим", Lang.UK, "минулий тиждень"),
        ("прошлая неделя стала рекордной", Lang.RU, "прошлая неделя"),
    ],
)
def test_last_week_as_the_subject(text: str, lang: Lang, words: str) -> None:
    # Wednesday 2024-10-30: the last complete Monday→Monday week is 21→28 October
    p = _one(text, lang, D(2024, 10, 30))
    assert p.span.text == words
    assert _ranges(p)[0] == ("2024-10-21", "2024-10-28")


def test_a_year_at_the_end_of_a_sentence() -> None:
    # the full stop after "2023" ends the sentence; it is not a decimal or a date
    p = _one("Russia captured 500 km² in 2023.", Lang.EN, D(2024, 5, 1))
    assert _ranges(p)[0] == ("2023-01-01", "2024-01-01")


def test_a_day_range_with_a_minus_sign() -> None:
    p = _one("(3−9 марта) ВС РФ заняли", Lang.RU, D(2025, 3, 10))
    assert _ranges(p)[0] == ("2025-03-03", "2025-03-10")
