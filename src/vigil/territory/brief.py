"""Assemble what a written brief shows (the rendering is vigil.territory.render).

The brief is dated ``as_of`` (default: the last snapshot) and covers the last
complete week and month before it, the year to date, records and trailing series.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from vigil import periods as P
from vigil.dates import parse_date
from vigil.errors import NoDataError
from vigil.i18n import gettext as _
from vigil.territory.api import DateLike, Territory
from vigil.territory.render import MapPlaces
from vigil.territory.results import BriefData, Change
from vigil.territory.series import BEFORE, period_start_before


def brief_data(
    t: Territory,
    *,
    as_of: DateLike | None = None,
    source: str | None = None,
    week_start: str = "mon",
    weeks: int = 12,
    months: int = 13,
) -> BriefData:
    """Collect the figures of a brief dated ``as_of`` for one source."""
    src = t.resolve_source(source)
    dates = t.dates(src)
    day = parse_date(as_of, "as_of") if as_of is not None else dates[-1]
    ws = P.weekday_index(week_start)
    # the last complete week and month end where the current ones begin: the week that
    # ends on ``day`` (a Sunday) is complete with the map of ``day``
    week_end = P.floor(day + BEFORE, P.Freq.WEEK, ws)
    week_start_day = period_start_before(week_end, P.Freq.WEEK)
    month_end = P.floor(day + BEFORE, P.Freq.MONTH)
    month_start = period_start_before(month_end, P.Freq.MONTH)
    year_start = P.floor(day, P.Freq.YEAR)
    first = dates[0]
    if week_end <= first or month_end <= first:
        # Translators: %(date)s and %(first)s are ISO dates, %(source)s a source's identifier.
        raise NoDataError(
            _(
                "a brief as of %(date)s needs a complete week and part of a finished month of"
                " data before it; %(source)s begins on %(first)s"
            )
            % {"date": day, "source": src, "first": first},
            param="as_of",
        )
    # a period of days runs from the map of the day before it to the map of its last day
    # (vigil.territory.series); the year to date ends with the map of ``day``
    last_week = t.change(max(week_start_day - BEFORE, first), week_end - BEFORE, source=src)
    last_month = t.change(max(month_start - BEFORE, first), month_end - BEFORE, source=src)
    ytd = t.change(max(year_start - BEFORE, first), day, source=src)
    weekly = t.series(
        P.Freq.WEEK,
        date_from=period_start_before(week_end, P.Freq.WEEK, weeks),
        date_to=week_end,
        week_start=ws,
        source=src,
    )
    monthly = t.series(
        P.Freq.MONTH,
        date_from=period_start_before(month_end, P.Freq.MONTH, months),
        date_to=month_end,
        source=src,
    )
    week_record = _record(t, "week", week_start_day, ws, src)
    places = map_places(t, last_week)
    month_record = _record(t, "month", month_start, ws, src)
    return BriefData(
        source=src,
        as_of=day,
        area=t.area(day, source=src),
        last_week=last_week,
        last_month=last_month,
        year_to_date=ytd,
        weekly=weekly,
        monthly=monthly,
        week_record=week_record,
        month_record=month_record,
        data_first=first,
        data_last=dates[-1],
        credit=t.store.source_credit(src),
        extra={
            "week_before_geometry": t.geometry(last_week.snapshot_from, source=src),
            "regions_week": _regions_week(t, last_week),
            **({"week_map_places": places} if places is not None else {}),
            **_settlements_week(t, last_week),
        },
    )


def map_places(t: Territory, change: Change) -> MapPlaces | None:
    """What a map of ``change`` can name (:class:`vigil.territory.render.MapPlaces`): its
    fragments located as the CLI, the API and the brief locate them
    (``Territory.locate_fragments``), the gazetteer and the oblast boundaries; None when
    the store holds no geography (the map is then drawn without names).

    For ``render.chart_change_map(change, before, path, places=map_places(t, change))``.
    """
    if not t.has_geography():
        return None
    return MapPlaces(
        fragments=t.locate_fragments(change),
        settlements=t.store.settlements(),
        oblasts=t.store.regions("oblast"),
    )


def _regions_week(t: Territory, week: Change) -> pd.DataFrame | None:
    """Last week's change per oblast, when the store holds oblast boundaries."""
    from vigil.territory.regions import region_change

    oblasts = t.store.regions("oblast")
    if oblasts.empty:
        return None
    return region_change(oblasts, week.gained, week.lost, stored=True)


def _settlements_week(t: Territory, week: Change) -> dict[str, object]:
    """Settlements that changed status last week, and the gazetteer's coverage of their
    oblasts, when the store holds a gazetteer."""
    from vigil.territory.settlements import coverage_sentence

    if not t.store.has_settlements():
        return {}
    changed, cover = t.settlement_changes(week.snapshot_from, week.snapshot_to, source=week.source)
    notes = [coverage_sentence(r) for r in cover.to_dict(orient="records")]
    return {"settlements_week": changed, "settlements_coverage": notes}


def _record(
    t: Territory, freq: str, period: dt.date, week_start: int, source: str
) -> pd.Series | None:
    """The records row of one period, or None when the data do not cover it whole."""
    try:
        return t.records(freq, period=period, week_start=week_start, source=source).iloc[0]
    except NoDataError:
        return None
