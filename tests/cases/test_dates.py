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
        "June 2024",
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
    assert date.human()  # a readable form for every combination


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
