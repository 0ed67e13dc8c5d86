"""Partial dates: reading every accepted form, writing them back, and ordering them the
same way in Python, as stored text and in the database (``ORDER BY``, ``<=``)."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vigil.cases.dates import (
    PartialDate,
    Precision,
    Qualifier,
    before,
    on_or_before,
    parse_day,
)
from vigil.errors import InputError

B, E, A, X = Qualifier.BEFORE, Qualifier.EXACT, Qualifier.APPROXIMATE, Qualifier.AFTER


# -- reading ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024", PartialDate(2024)),
        ("2024-06", PartialDate(2024, 6)),
        ("2024-06-03", PartialDate(2024, 6, 3)),
        ("2024-6-3", PartialDate(2024, 6, 3)),
        ("03.06.2024", PartialDate(2024, 6, 3)),
        ("3.6.2024", PartialDate(2024, 6, 3)),
        ("c. 2024", PartialDate(2024, qualifier=A)),
        ("c.2024", PartialDate(2024, qualifier=A)),
        ("ca. 2024-06", PartialDate(2024, 6, qualifier=A)),
        ("circa 2024", PartialDate(2024, qualifier=A)),
        ("about 2024-06", PartialDate(2024, 6, qualifier=A)),
        ("About 2024-06", PartialDate(2024, 6, qualifier=A)),
        ("~2024", PartialDate(2024, qualifier=A)),
        ("2024-06~", PartialDate(2024, 6, qualifier=A)),
        ("2024-06-03?", PartialDate(2024, 6, 3, qualifier=A)),
        ("before 2024-06-03", PartialDate(2024, 6, 3, qualifier=B)),
        ("Before 03.06.2024", PartialDate(2024, 6, 3, qualifier=B)),
        ("< 2024", PartialDate(2024, qualifier=B)),
        ("after 2024", PartialDate(2024, qualifier=X)),
        ("since 2024-06", PartialDate(2024, 6, qualifier=X)),
        ("> 2024-06", PartialDate(2024, 6, qualifier=X)),
        ("before 2024?", PartialDate(2024, qualifier=B)),  # the bound stays
        ("  2024-06  ", PartialDate(2024, 6)),
        ("2024-06-03 10:00", PartialDate(2024, 6, 3)),
        ("2024-06-03T10:00:00Z", PartialDate(2024, 6, 3)),
        ("03.06.2024 10:00", PartialDate(2024, 6, 3)),
        ("2024-06-00.1", PartialDate(2024, 6)),
        ("2024-00-00.0", PartialDate(2024, qualifier=B)),
        ("2024-06-03.2", PartialDate(2024, 6, 3, qualifier=A)),
        ("2024-06-03.3", PartialDate(2024, 6, 3, qualifier=X)),
        (2024, PartialDate(2024)),
        (dt.date(2024, 6, 3), PartialDate(2024, 6, 3)),
        (dt.datetime(2024, 6, 3, 23, 59), PartialDate(2024, 6, 3)),
    ],
)
def test_parse_accepted_forms(text, expected):
    assert PartialDate.parse(text) == expected


def test_parse_empty_and_none():
    assert PartialDate.parse(None) is None
    assert PartialDate.parse("") is None
    assert PartialDate.parse("   ") is None


def test_parse_passes_a_partial_date_through():
    date = PartialDate(2024, 6, qualifier=A)
    assert PartialDate.parse(date) is date


@pytest.mark.parametrize(
    "bad",
    [
        "2024-13",
        "2024-00",
        "2024-06-00",
        "2024-02-30",
        "2023-02-29",
        "2024-06-31",
        "31.02.2024",
        "June",
        "June 2024 2025",
        "24",
        "2024/06/03",
        "before",
        "c.",
        "2024-13-00.1",  # the stored form is checked too
        "2024-00-05.1",
        "yesterday",
    ],
)
def test_parse_rejects_with_the_field_name(bad):
    with pytest.raises(InputError) as error:
        PartialDate.parse(bad, "birth_date")
    message = str(error.value)
    assert message.startswith("birth_date: "), message
    assert len(message) > len("birth_date: ") + 10


# -- dates written in words -----------------------------------------------------
# The month names below are written out here, apart from the tables of the module, so a
# wrong or missing form in those tables fails a test.

ENGLISH = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]  # fmt: skip
ENGLISH_SHORT = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                 "Nov", "Dec"]  # fmt: skip
RUSSIAN = ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август",
           "сентябрь", "октябрь", "ноябрь", "декабрь"]  # fmt: skip
RUSSIAN_OF = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
              "сентября", "октября", "ноября", "декабря"]  # fmt: skip
RUSSIAN_IN = ["январе", "феврале", "марте", "апреле", "мае", "июне", "июле", "августе",
              "сентябре", "октябре", "ноябре", "декабре"]  # fmt: skip
UKRAINIAN = ["січень", "лютий", "березень", "квітень", "травень", "червень", "липень",
             "серпень", "вересень", "жовтень", "листопад", "грудень"]  # fmt: skip
UKRAINIAN_OF = ["січня", "лютого", "березня", "квітня", "травня", "червня", "липня",
                "серпня", "вересня", "жовтня", "листопада", "грудня"]  # fmt: skip
UKRAINIAN_IN = ["січні", "лютому", "березні", "квітні", "травні", "червні", "липні",
                "серпні", "вересні", "жовтні", "листопаді", "грудні"]  # fmt: skip
AZERBAIJANI = ["yanvar", "fevral", "mart", "aprel", "may", "iyun", "iyul", "avqust",
               "sentyabr", "oktyabr", "noyabr", "dekabr"]  # fmt: skip
AZERBAIJANI_OF = ["yanvarın", "fevralın", "martın", "aprelin", "mayın", "iyunun",
                  "iyulun", "avqustun", "sentyabrın", "oktyabrın", "noyabrın",
                  "dekabrın"]  # fmt: skip
AZERBAIJANI_OF_ASCII = ["yanvarin", "fevralin", "martin", "aprelin", "mayin", "iyunun",
                        "iyulun", "avqustun", "sentyabrin", "oktyabrin", "noyabrin",
                        "dekabrin"]  # fmt: skip
AZERBAIJANI_IN = ["yanvarda", "fevralda", "martda", "apreldə", "mayda", "iyunda", "iyulda",
                  "avqustda", "sentyabrda", "oktyabrda", "noyabrda", "dekabrda"]  # fmt: skip
# The day given to each month below: 31 where the month has it, else its last day, so
# a month read as its neighbour often gives an impossible date, not a silent shift.
LAST_2023 = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

MONTH_NAMES = {
    "english": ENGLISH,
    "english, lower case": [n.lower() for n in ENGLISH],
    "english, upper case": [n.upper() for n in ENGLISH],
    "english, short": ENGLISH_SHORT,
    "english, short with a dot": [f"{n}." for n in ENGLISH_SHORT],
    "russian": RUSSIAN,
    "russian, upper case": [n.upper() for n in RUSSIAN],
    "russian, genitive": RUSSIAN_OF,
    "ukrainian": UKRAINIAN,
    "ukrainian, genitive": UKRAINIAN_OF,
    "azerbaijani": AZERBAIJANI,
    "azerbaijani, capitalised": [n.capitalize() for n in AZERBAIJANI],
    "azerbaijani, upper case": [n.upper() for n in AZERBAIJANI],
}


@pytest.mark.parametrize("month", range(1, 13))
@pytest.mark.parametrize("names", MONTH_NAMES.values(), ids=MONTH_NAMES.keys())
def test_every_month_name_gives_its_month(names, month):
    name = names[month - 1]
    day = LAST_2023[month - 1]
    assert PartialDate.parse(f"{day} {name} 2023") == PartialDate(2023, month, day)
    assert PartialDate.parse(f"{name} 2023") == PartialDate(2023, month)


@pytest.mark.parametrize("month", range(1, 13))
def test_every_month_in_its_other_forms(month):
    i = month - 1
    day = LAST_2023[i]
    expected, whole = PartialDate(2023, month), PartialDate(2023, month, day)
    assert PartialDate.parse(f"в {RUSSIAN_IN[i]} 2023 года") == expected
    assert PartialDate.parse(f"у {UKRAINIAN_IN[i]} 2023 року") == expected
    assert PartialDate.parse(f"2023-cü ilin {AZERBAIJANI_IN[i]}") == expected
    assert PartialDate.parse(f"2023-cü il {AZERBAIJANI_OF[i]} {day}-i") == whole
    assert PartialDate.parse(f"2023-cu il {AZERBAIJANI_OF_ASCII[i]} {day}") == whole
    assert PartialDate.parse(f"{ENGLISH[i]} {day}, 2023") == whole


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # English
        ("22 November 2013", (2013, 11, 22)),
        ("November 22, 2013", (2013, 11, 22)),
        ("November 22 2013", (2013, 11, 22)),
        ("July 23rd, 2014", (2014, 7, 23)),
        ("1st of March 2020", (2020, 3, 1)),
        ("the 1st of March, 2020", (2020, 3, 1)),
        ("on 2nd June 2021", (2021, 6, 2)),
        ("Nov. 22, 2013", (2013, 11, 22)),
        ("22nd November, 2013", (2013, 11, 22)),
        ("4th  July   1999", (1999, 7, 4)),
        ("22\u00a0November\u00a02013", (2013, 11, 22)),  # no-break spaces
        ("Sept 2019", (2019, 9, None)),
        ("Sept. 30, 2019", (2019, 9, 30)),
        ("March 2020", (2020, 3, None)),
        ("in March 2020", (2020, 3, None)),
        ("MARCH 2020", (2020, 3, None)),
        ("2013 November 22", (2013, 11, 22)),
        ("29 February 2024", (2024, 2, 29)),
        # Russian
        ("22 ноября 2013", (2013, 11, 22)),
        ("22 ноября 2013 г.", (2013, 11, 22)),
        ("22 ноября 2013г.", (2013, 11, 22)),
        ("22 ноября 2013 года", (2013, 11, 22)),
        ("22-го ноября 2013 года", (2013, 11, 22)),
        ("1 мая 2012 г", (2012, 5, 1)),
        ("ноябрь 2013", (2013, 11, None)),
        ("Ноябрь 2013 г.", (2013, 11, None)),
        ("в ноябре 2013 года", (2013, 11, None)),
        ("22 нояб. 2013", (2013, 11, 22)),
        ("3 сент. 2019 г.", (2019, 9, 3)),
        ("в 2013 году", (2013, None, None)),
        ("2013 г.", (2013, None, None)),
        ("22.XI.2013", (2013, 11, 22)),
        ("1.IV.2020", (2020, 4, 1)),
        ("22 XI 2013", (2013, 11, 22)),
        # Ukrainian
        ("22 листопада 2013", (2013, 11, 22)),
        ("22 листопада 2013 р.", (2013, 11, 22)),
        ("22 листопада 2013 року", (2013, 11, 22)),
        ("листопад 2013", (2013, 11, None)),
        ("у листопаді 2013 р.", (2013, 11, None)),
        ("1 лютого 2022 р.", (2022, 2, 1)),
        ("2013 року", (2013, None, None)),
        # Azerbaijani
        ("22 noyabr 2013", (2013, 11, 22)),
        ("22 noyabr 2013-cü il", (2013, 11, 22)),
        ("22 noyabr 2013-cu il", (2013, 11, 22)),
        ("22 noyabr 2013-ci il", (2013, 11, 22)),
        ("22 Noyabr 2013-cü ildə", (2013, 11, 22)),
        ("2013-cü il 22 noyabr", (2013, 11, 22)),
        ("2013-cü il noyabrın 22-si", (2013, 11, 22)),
        ("2013-cü ilin noyabrında", (2013, 11, None)),
        ("noyabr 2013", (2013, 11, None)),
        ("İyun 2019", (2019, 6, None)),
        ("IYUL 2019", (2019, 7, None)),
        ("5 avgust 2015", (2015, 8, 5)),
        ("2014-cü il", (2014, None, None)),
        # numeric forms that leave no doubt
        ("06.2024", (2024, 6, None)),
        ("13/04/2024", (2024, 4, 13)),  # 13 is no month: 13 April
        ("04/13/2024", (2024, 4, 13)),  # the United States order, as plain
        ("05/05/2024", (2024, 5, 5)),  # both readings are the same day
        ("13-04-2024", (2024, 4, 13)),
        # the word "year" after a numeric date
        ("22.11.2013 г.", (2013, 11, 22)),
        ("22.11.2013г", (2013, 11, 22)),
        ("22.11.2013 года", (2013, 11, 22)),
        ("22.11.2013 р.", (2013, 11, 22)),
        ("22.11.2013-cü il", (2013, 11, 22)),
        ("11.2013 г.", (2013, 11, None)),
    ],
)
def test_written_dates(text, expected):
    year, month, day = expected
    assert PartialDate.parse(text) == PartialDate(year, month, day)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # superscript footnote marks are never part of a date
        ("22 November 2013¹", (2013, 11, 22)),
        ("22 November 2013²³", (2013, 11, 22)),
        ("22.11.2013²", (2013, 11, 22)),
        ("2013-11-22⁴", (2013, 11, 22)),
        ("22 ноября 2013 г.¹", (2013, 11, 22)),
        ("March 2020¹", (2020, 3, None)),
        ("2019⁵", (2019, None, None)),
        ("22 November 2013 [3]", (2013, 11, 22)),
        ("22 November 2013*", (2013, 11, 22)),
        # a plain footnote number run on after the year of a written date
        ("22 November 20131", (2013, 11, 22)),
        ("November 22, 201312", (2013, 11, 22)),
        ("March 20207", (2020, 3, None)),
        ("22 noyabr 20133", (2013, 11, 22)),
        ("22 ноября 2013 г.1", (2013, 11, 22)),
    ],
)
def test_footnotes_are_dropped(text, expected):
    year, month, day = expected
    assert PartialDate.parse(text) == PartialDate(year, month, day)


@pytest.mark.parametrize(
    "bad",
    [
        "20131",  # no month in words: five digits are no year
        "2013-11-201",
        "22.11.20132",  # a numeric date: the digits might be a typo, not a footnote
        "22 November 2013123",  # three digits: too many for a footnote
        "22 November 201",  # a year has four digits
        "22 November 13",
        "November 221, 2013",
        "22 November 2013 1",
        "2013 г.1",  # no month: nothing to split
        "22 ноября",  # no year
        "ноябрь",
        "22 23 November 2013",
        "22-23 November 2013",
        "November 2013 22",
        "22 2013 November",
        "22 Novembre 2013",  # French is not read
        "22 Nov 2013 to 2014",
        "mid-November 2013",
        "early 2014",
        "on 2013",
        "22 XIII 2013",
        "22.11.2013 гг.",
        "22.11.2013 year",
        "22.11.13 г.",
    ],
)
def test_written_forms_refused(bad):
    with pytest.raises(InputError) as error:
        PartialDate.parse(bad, "arrested")
    message = str(error.value)
    assert message.startswith("arrested: expected a date such as 2024-06-03, 3 June 2024")
    assert repr(bad) in message


@pytest.mark.parametrize(
    ("text", "readings"),
    [
        ("03/04/2024", "3 April or 4 March 2024"),
        ("3/4/2024", "3 April or 4 March 2024"),
        ("12/11/2013", "12 November or 11 December 2013"),
        ("03-04-2024", "3 April or 4 March 2024"),
        ("before 03/04/2024", "3 April or 4 March 2024"),
        ("03/04/2024 г.", "3 April or 4 March 2024"),
    ],
)
def test_day_month_order_is_never_guessed(text, readings):
    with pytest.raises(InputError) as error:
        PartialDate.parse(text, "arrested")
    message = str(error.value)
    assert message.startswith("arrested: the order of day and month")
    assert "ambiguous" in message
    assert readings in message


@pytest.mark.parametrize(
    "bad",
    [
        "31 November 2013",
        "November 31, 2013",
        "31 ноября 2013 г.",
        "31 листопада 2013",
        "31 noyabr 2013-cü il",
        "29 February 2023",
        "30 fevral 2024",
        "0 March 2020",
        "32 March 2020",
        "31.XI.2013",
        "00.2024",
        "13.2024",
        "31/11/2013",
        "13/14/2024",
        "00/05/2024",
        "05/00/2024",
        "before 31 November 2013",
    ],
)
def test_impossible_written_dates_are_refused(bad):
    with pytest.raises(InputError) as error:
        PartialDate.parse(bad, "arrested")
    message = str(error.value)
    assert message.startswith("arrested: "), message
    assert "expected a date such as" not in message  # it says what is wrong instead


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("before 22 November 2013", PartialDate(2013, 11, 22, qualifier=B)),
        ("c. March 2020", PartialDate(2020, 3, qualifier=A)),
        ("about 1 May 2012", PartialDate(2012, 5, 1, qualifier=A)),
        ("before\u00a0May 2012", PartialDate(2012, 5, qualifier=B)),
        ("around May 2012", PartialDate(2012, 5, qualifier=A)),
        ("after July 23rd, 2014", PartialDate(2014, 7, 23, qualifier=X)),
        ("22 November 2013?", PartialDate(2013, 11, 22, qualifier=A)),
        ("около 2013 г.", PartialDate(2013, qualifier=A)),
        ("примерно в ноябре 2013", PartialDate(2013, 11, qualifier=A)),
        ("до 22 ноября 2013", PartialDate(2013, 11, 22, qualifier=B)),
        ("после 22 ноября 2013 г.", PartialDate(2013, 11, 22, qualifier=X)),
        ("с мая 2012", PartialDate(2012, 5, qualifier=X)),
        ("близько 2013 р.", PartialDate(2013, qualifier=A)),
        ("після 22 листопада 2013", PartialDate(2013, 11, 22, qualifier=X)),
        ("до листопада 2013", PartialDate(2013, 11, qualifier=B)),
        ("з 2013 року", PartialDate(2013, qualifier=X)),
        ("təxminən 2013-cü il", PartialDate(2013, qualifier=A)),
        ("Təxminən noyabr 2013", PartialDate(2013, 11, qualifier=A)),
        ("texminen noyabr 2013", PartialDate(2013, 11, qualifier=A)),
    ],
)
def test_qualifiers_before_written_dates(text, expected):
    assert PartialDate.parse(text) == expected


def _az_year(year: int) -> str:
    """2013-cü: the Azerbaijani ordinal ending follows the last vowel of the number's
    last spoken word; the grammar takes any of the four, as people write them."""
    return f"{year}-{['ci', 'cı', 'cu', 'cü'][year % 4]}"


_ORDINAL = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}


@settings(max_examples=150, deadline=None)
@given(st.dates(dt.date(1000, 1, 1), dt.date(9999, 12, 31)), st.integers(0, 11))
def test_renderings_in_four_languages_read_back(day, form):
    y, m, d = day.year, day.month, day.day
    i = m - 1
    whole = [
        f"{d} {ENGLISH[i]} {y}",
        f"{ENGLISH[i]} {d}, {y}",
        f"{d}{_ORDINAL.get(d, 'th')} of {ENGLISH[i]} {y}",
        f"{ENGLISH_SHORT[i]}. {d}, {y}",
        f"{d} {RUSSIAN_OF[i]} {y} г.",
        f"{d:02d} {RUSSIAN_OF[i].upper()} {y} года",
        f"{d} {UKRAINIAN_OF[i]} {y} р.",
        f"{d} {UKRAINIAN_OF[i]} {y} року",
        f"{d} {AZERBAIJANI[i]} {_az_year(y)} il",
        f"{_az_year(y)} il {d} {AZERBAIJANI[i]}",
        f"{_az_year(y)} il {AZERBAIJANI_OF[i]} {d}-si",
        f"{d} {AZERBAIJANI[i].capitalize()} {y}",
    ][form]
    months = [
        f"{ENGLISH[i]} {y}",
        f"in {ENGLISH_SHORT[i]} {y}",
        f"{RUSSIAN[i]} {y}",
        f"в {RUSSIAN_IN[i]} {y} года",
        f"{UKRAINIAN[i].capitalize()} {y} р.",
        f"у {UKRAINIAN_IN[i]} {y}",
        f"{AZERBAIJANI[i]} {y}",
        f"{_az_year(y)} ilin {AZERBAIJANI_IN[i]}",
        f"{ENGLISH[i].upper()} {y}",
        f"{RUSSIAN[i].capitalize()} {y} г.",
        f"{UKRAINIAN_OF[i]} {y}",  # "(of) November 2013", as in "з листопада 2013"
        f"{AZERBAIJANI[i].upper()} {y}",
    ][form]
    assert PartialDate.parse(whole) == PartialDate(y, m, d), whole
    assert PartialDate.parse(months) == PartialDate(y, m), months
    assert PartialDate.parse(f"{whole}¹") == PartialDate(y, m, d)
    if whole[-1].isdigit():  # a footnote number run on after the year
        assert PartialDate.parse(f"{whole}{form + 1}") == PartialDate(y, m, d)


def test_leap_day_is_a_day():
    assert PartialDate.parse("2024-02-29").latest == dt.date(2024, 2, 29)


def test_constructor_checks():
    with pytest.raises(InputError):
        PartialDate(2024, None, 3)
    for month, day in ((0, None), (13, None), (6, 0), (6, 31)):
        with pytest.raises(InputError):
            PartialDate(2024, month, day)


# -- writing ---------------------------------------------------------------------

SAMPLES = [PartialDate(2024), PartialDate(2024, 6), PartialDate(2024, 6, 3)]


@pytest.mark.parametrize("qualifier", list(Qualifier))
@pytest.mark.parametrize("base", SAMPLES, ids=["year", "month", "day"])
def test_str_round_trips_for_every_precision_and_qualifier(base, qualifier):
    date = PartialDate(base.year, base.month, base.day, qualifier)
    assert PartialDate.parse(str(date)) == date
    assert PartialDate.parse(date.stored()) == date
    assert len(date.stored()) == 12
    assert PartialDate.parse(date.human()) == date  # "before 3 June 2024" reads back


def test_str_forms():
    assert str(PartialDate(2024, 6, 3)) == "2024-06-03"
    assert str(PartialDate(2024, 6, qualifier=A)) == "c. 2024-06"
    assert str(PartialDate(2024, qualifier=B)) == "before 2024"
    assert str(PartialDate(2024, 6, 3, qualifier=X)) == "after 2024-06-03"
    assert PartialDate(2024, 6, 3).human() == "3 June 2024"
    assert PartialDate(2024, 6, qualifier=B).human() == "before June 2024"


def test_precision_earliest_latest():
    assert PartialDate(2024).precision is Precision.YEAR
    assert PartialDate(2024, 2).precision is Precision.MONTH
    assert PartialDate(2024, 2, 3).precision is Precision.DAY
    assert PartialDate(2024).earliest == dt.date(2024, 1, 1)
    assert PartialDate(2024).latest == dt.date(2024, 12, 31)
    assert PartialDate(2024, 2).latest == dt.date(2024, 2, 29)
    assert PartialDate(2023, 2).latest == dt.date(2023, 2, 28)


def test_parse_day():
    assert parse_day("2024-06-03") == dt.date(2024, 6, 3)
    for bad in ("2024-06", "c. 2024-06-03", "", "June"):
        with pytest.raises(InputError, match=r"^on: "):
            parse_day(bad, "on")


# -- ordering --------------------------------------------------------------------


@st.composite
def partial_dates(draw, years=st.integers(1990, 2030)):
    year = draw(years)
    precision = draw(st.sampled_from(list(Precision)))
    month = day = None
    if precision is not Precision.YEAR:
        month = draw(st.integers(1, 12))
    if precision is Precision.DAY:
        last = calendar.monthrange(year, month)[1]
        day = draw(st.integers(1, last))
    return PartialDate(year, month, day, draw(st.sampled_from(list(Qualifier))))


def _key(date: PartialDate) -> tuple:
    """The documented order: earliest day; then coarser first; then before, exact,
    approximate, after."""
    rank = {Precision.YEAR: 0, Precision.MONTH: 1, Precision.DAY: 2}
    order = [B, E, A, X]
    return (date.earliest, rank[date.precision], order.index(date.qualifier))


@given(st.lists(partial_dates(years=st.integers(1, 9999)), max_size=30))
def test_python_order_is_the_stored_text_order_and_the_documented_order(dates):
    by_python = sorted(dates)
    assert [d.stored() for d in by_python] == sorted(d.stored() for d in dates)
    assert [_key(d) for d in by_python] == sorted(_key(d) for d in dates)


@given(partial_dates(), partial_dates())
def test_comparisons_agree(a, b):
    assert (a < b) == (a.stored() < b.stored()) == (_key(a) < _key(b))
    assert (a <= b) == (a.stored() <= b.stored())
    assert (a > b) == (b < a)
    assert (a >= b) == (b <= a)
    assert (a == b) == (a.stored() == b.stored())


def test_a_worked_order():
    texts = ["2024-06-03", "2024", "before 2024-06", "2024-06", "c. 2024-06", "after 2024"]
    ordered = [str(d) for d in sorted(PartialDate.parse(t) for t in texts)]
    assert ordered == ["2024", "after 2024", "before 2024-06", "2024-06", "c. 2024-06",
                       "2024-06-03"]  # fmt: skip


# -- the database ----------------------------------------------------------------

DB_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _store(dates: list[PartialDate]) -> None:
    # Rows persist across hypothesis examples; events are append-only (the queryset
    # refuses delete(), the database's triggers too), so the test clears them below
    # both guards.
    from django.db import connection

    from vigil.cases import appendonly
    from vigil.cases.models import Person, StatusEvent

    appendonly.uninstall(connection)
    try:
        StatusEvent.objects.all()._raw_delete(StatusEvent.objects.db)
    finally:
        appendonly.install(connection)
    Person.objects.all().delete()
    person = Person.objects.create(ref="p1")
    StatusEvent.objects.bulk_create(
        [StatusEvent(person=person, kind="detained", date=d) for d in dates]
    )


@DB_SETTINGS
@given(dates=st.lists(partial_dates(), min_size=1, max_size=25))
def test_database_order_is_python_order(registry, dates):
    from vigil.cases.models import StatusEvent

    _store(dates)
    from_db = list(StatusEvent.objects.order_by("date", "id").values_list("date", flat=True))
    assert all(isinstance(d, PartialDate) for d in from_db)
    assert from_db == sorted(dates)
    descending = list(StatusEvent.objects.order_by("-date").values_list("date", flat=True))
    assert [d.stored() for d in descending] == sorted((d.stored() for d in dates), reverse=True)


@DB_SETTINGS
@given(dates=st.lists(partial_dates(), min_size=1, max_size=20), pivot=partial_dates())
def test_database_comparisons_are_python_comparisons(registry, dates, pivot):
    from vigil.cases.models import StatusEvent

    _store(dates)
    q = StatusEvent.objects
    assert sorted(q.filter(date__lt=pivot).values_list("date", flat=True)) == sorted(
        d for d in dates if d < pivot
    )
    assert sorted(q.filter(date__gte=pivot).values_list("date", flat=True)) == sorted(
        d for d in dates if d >= pivot
    )


@DB_SETTINGS
@given(
    dates=st.lists(partial_dates(), min_size=1, max_size=20),
    day=st.dates(dt.date(1989, 12, 1), dt.date(2031, 1, 31)),
)
def test_on_or_before_and_before_follow_the_earliest_day(registry, dates, day):
    from vigil.cases.models import StatusEvent

    _store(dates)

    def stored(queryset) -> list[str]:
        return sorted(d.stored() for d in queryset.values_list("date", flat=True))

    by_db = stored(StatusEvent.objects.filter(date__lte=on_or_before(day)))
    assert by_db == sorted(d.stored() for d in dates if d.earliest <= day)
    by_db = stored(StatusEvent.objects.filter(date__lte=before(day)))
    assert by_db == sorted(d.stored() for d in dates if d.earliest < day)
    by_db = stored(StatusEvent.objects.filter(date__gt=on_or_before(day)))
    assert by_db == sorted(d.stored() for d in dates if d.earliest > day)


@given(partial_dates(), st.dates(dt.date(1989, 12, 1), dt.date(2031, 1, 31)))
def test_bounds_in_python(date, day):
    assert (date.stored() <= on_or_before(day)) == (date.earliest <= day)
    assert (date.stored() <= before(day)) == (date.earliest < day)


def test_the_query_rule(registry):
    """An event dated "2024-06" counts as happened by 2024-06-15, and so does
    "before 2024-06"; "after 2024-06" too (its earliest day is 1 June); "2024-06-16"
    does not."""
    dates = [PartialDate.parse(t) for t in ("2024-06", "before 2024-06", "after 2024-06",
                                            "c. 2024-06", "2024-06-16", "2024-07")]  # fmt: skip
    _store(dates)
    from vigil.cases.models import StatusEvent

    found = StatusEvent.objects.filter(date__lte=on_or_before(dt.date(2024, 6, 15)))
    assert sorted(str(d) for d in found.values_list("date", flat=True)) == sorted(
        ["2024-06", "before 2024-06", "after 2024-06", "c. 2024-06"]
    )
    assert not StatusEvent.objects.filter(date__lte=before(dt.date(2024, 6, 1))).exists()


def test_bound_at_the_first_day():
    assert before(dt.date.min) < PartialDate(1).stored()
    assert on_or_before(dt.date.min) > PartialDate(1).stored()


def test_hearing_dates_sort_in_the_database(registry):
    from vigil.cases.models import Case, Hearing

    case = Case.objects.create(ref="c1")
    texts = ["2024-12-02", "2024-10", "c. 2024-09", "2024-09-30", "after 2024-09"]
    for text in texts:
        Hearing.objects.create(case=case, date=text, kind=text)
    ordered = [str(d) for d in Hearing.objects.order_by("date").values_list("date", flat=True)]
    assert ordered == ["c. 2024-09", "after 2024-09", "2024-09-30", "2024-10", "2024-12-02"]
    assert str(Hearing.objects.get(kind="c. 2024-09").date) == "c. 2024-09"
