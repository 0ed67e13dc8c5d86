"""Rendering of territory results: number formats, charts (PNG/SVG) and the written brief.

Pure rendering: every function takes values (series and records DataFrames, ``Change``,
``BriefData``, shapely geometries) and returns strings, a Figure or writes one file.
Nothing here opens the store or computes an area: the figures shown are the ones given,
in km² (geodesic, WGS84), and dates are calendar dates.

Charts use matplotlib's object API (``matplotlib.figure.Figure``, Agg canvas) and never
``pyplot``, so they need no screen, leave no global state and are safe in a web worker.

Colours are :mod:`vigil.palette`'s, the one scheme of the web map and every chart:
gained vermillion, lost blue (hatched on maps, so the two never rely on hue alone), held
area grey, net change black (Okabe & Ito, safe for the common colour-vision
deficiencies). Every chart carries a title, a subtitle with the source as readers know
it (:func:`source_name`) and the dates, a method line and the credit; time axes always
show the year; the bars of a series have one y-axis, never a twin.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import html
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Protocol, SupportsFloat, SupportsInt, TypeGuard, overload

import numpy as np
import pandas as pd
import shapely
from matplotlib import dates as mdates
from matplotlib import rc_context
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.patheffects import withStroke
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.transforms import Bbox
from shapely import affinity
from shapely.geometry.base import BaseGeometry

from vigil import basemap, i18n, palette
from vigil import periods as P
from vigil.errors import InputError
from vigil.i18n import gettext as _
from vigil.i18n import ngettext, pgettext
from vigil.territory.results import BriefData, Change
from vigil.territory.series import period_start_before

KM_PER_DEGREE = 111.32  # length of one degree of latitude (and of longitude at the equator)
_DAY = dt.timedelta(days=1)  # a period's map is that of the day before it
_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _english() -> bool:
    """True when the active language is English: the English output is kept as it was
    (``1,234.5 km²`` with a normal space, ``24 August 2026``)."""
    return i18n.active() == "en"


def _babel_locale() -> str:
    return "en_GB" if _english() else i18n.active()


class _Names(Sequence[str]):
    """Month or weekday names in the active language (stand-alone, nominative):
    ``MONTHS[11]`` is "December" in English, "грудень" in Ukrainian."""

    def __init__(self, english: tuple[str, ...], kind: str) -> None:
        self._english = english
        self._kind = kind

    def _names(self) -> tuple[str, ...]:
        if _english():
            return self._english
        from babel.dates import get_day_names, get_month_names

        if self._kind == "months":
            names = get_month_names("wide", context="stand-alone", locale=_babel_locale())
            return tuple(names[m] for m in range(1, 13))
        days = get_day_names("wide", context="stand-alone", locale=_babel_locale())
        return tuple(days[d] for d in range(7))

    def __len__(self) -> int:
        return len(self._english)

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[str]: ...

    def __getitem__(self, i: int | slice) -> str | Sequence[str]:
        return self._names()[i]

    def __repr__(self) -> str:
        return repr(list(self._names()))


MONTHS: Sequence[str] = _Names(_MONTHS_EN, "months")
WEEKDAYS: Sequence[str] = _Names(_WEEKDAYS_EN, "weekdays")


# --------------------------------------------------------------------------- formatters


def fmt_km2(x: float | None, signed: bool = False) -> str:
    """``110,465.8 km²``; with ``signed``, ``+196.2 km²`` / ``-3.0 km²`` (zero unsigned).

    One decimal, thousands separators; ``n/a`` for None or NaN. In another language
    than English, :func:`vigil.i18n.km2` (``110 465,8 км²``).
    """
    if not _english():
        return i18n.km2(float(x) if _is_number(x) else None, signed=signed)
    return f"{fmt_number(float(x), signed=signed)} km²" if _is_number(x) else "n/a"


def fmt_number(x: float | None, signed: bool = False) -> str:
    """A km² figure without its unit (for tables): ``1,234.5``, ``+12.0``, ``n/a``
    (``1 234,5`` in Ukrainian: :func:`vigil.i18n.number`)."""
    if not _english():
        return i18n.number(float(x) if _is_number(x) else None, 1, signed=signed)
    if not _is_number(x):
        return "n/a"
    v = round(float(x), 1) + 0.0  # + 0.0 turns -0.0 into 0.0
    if signed and v != 0:
        return f"{v:+,.1f}"
    return f"{v:,.1f}"


def _axis_number(v: float, signed: bool = False) -> str:
    """A chart's tick label, no decimals: ``+1,200`` / ``1,200`` (``+1 200`` in uk)."""
    if _english():
        return (f"{v:+,.0f}" if v else "0") if signed else f"{v:,.0f}"
    if signed and not v:
        return "0"
    return i18n.number(v, 0, signed=signed)


def fmt_date(d: dt.date | dt.datetime | pd.Timestamp | str | None) -> str:
    """ISO date, ``2024-10-21`` (times are dropped); ``n/a`` for None or NaT."""
    day = _as_date(d)
    return day.isoformat() if day is not None else _("n/a")


def records_sentence(
    row: pd.Series, metric: str, freq: str, *, data_first: dt.date | None = None
) -> str:
    """One sentence on how a period's value ranks (a row of a records DataFrame).

    ``metric`` is ``gained``, ``lost`` or ``net`` (``_km2`` suffixes are accepted);
    ``freq`` is ``week`` or ``month`` (``weekly``, ``W``, ``monthly``, ``MS`` … too).
    ``data_first`` is the first date of the data; when omitted it is estimated from
    the number of periods in the trailing year. A period is called the largest "in the
    trailing year" only when ``year_covered`` is true; otherwise the sentence says how
    many periods of data it was compared with, and since when. The word "record" is
    used only for the largest value of all data covering more than a year.
    """
    unit = _freq_unit(freq)
    kind = _metric_kind(metric)
    start = _as_date(row.get("period_start"))
    value = row.get("value")
    when = _period_phrase(start, unit)
    if not _is_number(value):
        return _no_figure(kind, when)
    value = float(value)

    larger = _as_date(row.get("larger_before"))
    rank = _as_int(row.get("rank_in_year"))
    n = _as_int(row.get("periods_in_year"))
    covered = bool(row.get("year_covered")) if _present(row.get("year_covered")) else False
    since = data_first or _estimate_first(start, unit, n)
    since_txt = fmt_date(since)
    largest = _largest(unit, kind)

    clauses: list[str] = []
    if larger is not None:
        larger_value = row.get("larger_value")
        shown = (
            fmt_km2(float(larger_value), signed=kind == "net") if _is_number(larger_value) else ""
        )
        period = _period_phrase(larger, unit)
        if start is not None and larger == period_start_before(start, P.Freq(unit)):
            # "the largest since last week" says nothing: say it was smaller instead
            if shown:
                # Translators: a clause of a ranking sentence; %(period)s is e.g. "the week
                # of 2024-10-21" or "September 2024", %(area)s that period's figure in km².
                clauses.append(
                    _("less than %(period)s (%(area)s)") % {"period": period, "area": shown}
                )
            else:
                # Translators: a clause of a ranking sentence; %(period)s is e.g. "the week
                # of 2024-10-21" or "September 2024".
                clauses.append(_("less than %(period)s") % {"period": period})
        elif shown:
            # Translators: a clause of a ranking sentence; %(largest)s is e.g. "the largest
            # weekly gain", %(period)s "the week of 2024-10-21", %(area)s its figure in km².
            clauses.append(
                _("%(largest)s since %(period)s (%(area)s)")
                % {"largest": largest, "period": period, "area": shown}
            )
        else:
            clauses.append(
                _("%(largest)s since %(period)s") % {"largest": largest, "period": period}
            )
    elif covered:
        # n counts the trailing year only: the start of all the data is known only when
        # the caller gives it (an estimate from n would name the trailing year's start)
        if data_first:
            # Translators: %(largest)s is e.g. "the largest weekly gain", %(date)s an ISO date.
            clauses.append(
                _("%(largest)s in all the data since %(date)s, a record")
                % {"largest": largest, "date": fmt_date(data_first)}
            )
        else:
            clauses.append(
                _("%(largest)s in all the data since the data begin, a record")
                % {"largest": largest}
            )
    elif n is not None:
        clauses.append(_largest_in_data(unit, n) % {"largest": largest, "n": n, "date": since_txt})
        rank = None  # the clause above already says it
    if rank is not None and n is not None:
        if covered:
            top = rank == 1 and larger is not None
            clauses.append(_rank_in_year(unit, n, top) % {"rank": rank, "n": n})
        else:
            clauses.append(_rank_in_data(unit, n) % {"rank": rank, "n": n, "date": since_txt})
    return _figure_sentence(kind, value, when, clauses)


def _no_figure(kind: str, when: str) -> str:
    """ "No gained figure for the week of 2024-10-21." """
    # Translators: %(period)s is e.g. "the week of 2024-10-21" or "September 2024".
    if kind == "gained":
        return _("No gained figure for %(period)s.") % {"period": when}
    if kind == "lost":
        return _("No lost figure for %(period)s.") % {"period": when}
    if kind == "net":
        return _("No net figure for %(period)s.") % {"period": when}
    # Translators: %(metric)s is the name of a figure (an identifier), %(period)s a period.
    return _("No %(metric)s figure for %(period)s.") % {"metric": kind, "period": when}


def _figure_sentence(kind: str, value: float, when: str, clauses: list[str]) -> str:
    """The records sentence: the figure, the period and the ranking clauses, whole."""
    # Translators: the separator between the clauses of a ranking sentence.
    ranking = pgettext("list separator", ", ").join(clauses)
    fill = {"period": when, "ranking": ranking}
    if kind == "gained":
        fill["area"] = fmt_km2(value)
        if clauses:
            # Translators: %(area)s is a figure in km², %(period)s e.g. "the week of
            # 2024-10-21", %(ranking)s clauses such as "the largest weekly gain since …".
            return _("%(area)s gained in %(period)s: %(ranking)s.") % fill
        return _("%(area)s gained in %(period)s.") % fill
    if kind == "lost":
        fill["area"] = fmt_km2(value)
        if clauses:
            return _("%(area)s lost in %(period)s: %(ranking)s.") % fill
        return _("%(area)s lost in %(period)s.") % fill
    if kind == "net":
        fill["area"] = fmt_km2(value, signed=True)
        if clauses:
            return _("a net change of %(area)s in %(period)s: %(ranking)s.") % fill
        return _("a net change of %(area)s in %(period)s.") % fill
    fill.update(area=fmt_km2(value), metric=kind)
    if clauses:
        # Translators: %(metric)s is the name of a figure (an identifier).
        return _("%(area)s (%(metric)s) in %(period)s: %(ranking)s.") % fill
    return _("%(area)s (%(metric)s) in %(period)s.") % fill


def _largest(unit: str, kind: str) -> str:
    """ "the largest weekly gain": a noun phrase that starts clauses of ranking sentences."""
    phrases = {
        ("day", "gained"): _("the largest daily gain"),
        ("day", "lost"): _("the largest daily loss"),
        ("day", "net"): _("the largest daily net change"),
        ("week", "gained"): _("the largest weekly gain"),
        ("week", "lost"): _("the largest weekly loss"),
        ("week", "net"): _("the largest weekly net change"),
        ("month", "gained"): _("the largest monthly gain"),
        ("month", "lost"): _("the largest monthly loss"),
        ("month", "net"): _("the largest monthly net change"),
        ("year", "gained"): _("the largest yearly gain"),
        ("year", "lost"): _("the largest yearly loss"),
        ("year", "net"): _("the largest yearly net change"),
    }
    if (unit, kind) in phrases:
        return phrases[(unit, kind)]
    # Translators: %(adjective)s is "daily", "weekly" …, %(metric)s a figure's identifier.
    return _("the largest %(adjective)s %(metric)s") % {
        "adjective": _ADJECTIVE.get(unit, unit),
        "metric": kind,
    }


def _largest_in_data(unit: str, n: int) -> str:
    """The clause "%(largest)s in the %(n)d weeks of data since %(date)s", untranslated
    placeholders left for the caller."""
    # Translators: %(largest)s is e.g. "the largest weekly gain", %(date)s an ISO date.
    if unit == "day":
        return ngettext(
            "%(largest)s in the %(n)d day of data since %(date)s",
            "%(largest)s in the %(n)d days of data since %(date)s",
            n,
        )
    if unit == "month":
        return ngettext(
            "%(largest)s in the %(n)d month of data since %(date)s",
            "%(largest)s in the %(n)d months of data since %(date)s",
            n,
        )
    if unit == "year":
        return ngettext(
            "%(largest)s in the %(n)d year of data since %(date)s",
            "%(largest)s in the %(n)d years of data since %(date)s",
            n,
        )
    return ngettext(
        "%(largest)s in the %(n)d week of data since %(date)s",
        "%(largest)s in the %(n)d weeks of data since %(date)s",
        n,
    )


def _rank_in_year(unit: str, n: int, top: bool) -> str:
    """The clause "rank %(rank)d of %(n)d weeks in the trailing year" (with "(the largest
    in the trailing year)" when ``top``)."""
    if top:
        if unit == "day":
            return ngettext(
                "rank %(rank)d of %(n)d day in the trailing year"
                " (the largest in the trailing year)",
                "rank %(rank)d of %(n)d days in the trailing year"
                " (the largest in the trailing year)",
                n,
            )
        if unit == "month":
            return ngettext(
                "rank %(rank)d of %(n)d month in the trailing year"
                " (the largest in the trailing year)",
                "rank %(rank)d of %(n)d months in the trailing year"
                " (the largest in the trailing year)",
                n,
            )
        if unit == "year":
            return ngettext(
                "rank %(rank)d of %(n)d year in the trailing year"
                " (the largest in the trailing year)",
                "rank %(rank)d of %(n)d years in the trailing year"
                " (the largest in the trailing year)",
                n,
            )
        return ngettext(
            "rank %(rank)d of %(n)d week in the trailing year (the largest in the trailing year)",
            "rank %(rank)d of %(n)d weeks in the trailing year (the largest in the trailing year)",
            n,
        )
    if unit == "day":
        return ngettext(
            "rank %(rank)d of %(n)d day in the trailing year",
            "rank %(rank)d of %(n)d days in the trailing year",
            n,
        )
    if unit == "month":
        return ngettext(
            "rank %(rank)d of %(n)d month in the trailing year",
            "rank %(rank)d of %(n)d months in the trailing year",
            n,
        )
    if unit == "year":
        return ngettext(
            "rank %(rank)d of %(n)d year in the trailing year",
            "rank %(rank)d of %(n)d years in the trailing year",
            n,
        )
    return ngettext(
        "rank %(rank)d of %(n)d week in the trailing year",
        "rank %(rank)d of %(n)d weeks in the trailing year",
        n,
    )


def _rank_in_data(unit: str, n: int) -> str:
    """The clause "rank %(rank)d of the %(n)d weeks of data since %(date)s (the data do
    not cover a full year)"."""
    # Translators: %(date)s is an ISO date.
    if unit == "day":
        return ngettext(
            "rank %(rank)d of the %(n)d day of data since %(date)s"
            " (the data do not cover a full year)",
            "rank %(rank)d of the %(n)d days of data since %(date)s"
            " (the data do not cover a full year)",
            n,
        )
    if unit == "month":
        return ngettext(
            "rank %(rank)d of the %(n)d month of data since %(date)s"
            " (the data do not cover a full year)",
            "rank %(rank)d of the %(n)d months of data since %(date)s"
            " (the data do not cover a full year)",
            n,
        )
    if unit == "year":
        return ngettext(
            "rank %(rank)d of the %(n)d year of data since %(date)s"
            " (the data do not cover a full year)",
            "rank %(rank)d of the %(n)d years of data since %(date)s"
            " (the data do not cover a full year)",
            n,
        )
    return ngettext(
        "rank %(rank)d of the %(n)d week of data since %(date)s"
        " (the data do not cover a full year)",
        "rank %(rank)d of the %(n)d weeks of data since %(date)s"
        " (the data do not cover a full year)",
        n,
    )


_ADJECTIVE = {"day": "daily", "week": "weekly", "month": "monthly", "year": "yearly"}
_NOUN = {"gained": "gain", "lost": "loss", "net": "net change"}


# --------------------------------------------------------------------------- names


def source_name(source: str, credit: str = "") -> str:
    """The name readers know a source by, for titles: "DeepStateMap", never the store's
    internal id ("deepstate-daily") when the credit says more.

    Read from the source's credit (``Store.source_credit``; for the shipped formats,
    ``vigil.territory.sources.CREDITS`` when the store holds none): the words before
    " via " or a parenthesis, less trailing words without a capital letter or digit
    ("DeepStateMap data via …" is "DeepStateMap", "ISW/CTP control-of-terrain layers
    via …" is "ISW/CTP"). Without a credit it is ``source`` itself, the name its user
    chose.
    """
    from vigil.territory.sources import CREDITS

    text = (credit or "").strip() or CREDITS.get(source, "")
    text = re.sub(r"^(source|data)\s*:\s*", "", text, flags=re.I)
    head = re.split(r"\s+via\s+|\s*[(;:,]", text, maxsplit=1)[0]
    words = head.split()
    while words and not any(c.isupper() or c.isdigit() for c in words[-1]):
        words.pop()
    return " ".join(words) or source


def human_date(d: dt.date | pd.Timestamp | str | None) -> str:
    """``24 August 2026``: a date for readers (titles); ``n/a`` when missing."""
    day = _as_date(d)
    if not _english():
        return i18n.long_date(day)
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}" if day is not None else "n/a"


def day_span(first: dt.date, last: dt.date, joiner: str = "–") -> str:
    """Days ``first`` to ``last`` (both included) for readers, the shared parts said once:
    ``24–30 August 2026``, ``28 September – 4 October 2026``,
    ``29 December 2025 – 4 January 2026``; one day is ``24 August 2026``.
    ``joiner=" to "`` writes ``from``-style spans (``1 May to 1 June 2026``)."""
    if not _english():
        return i18n.day_span(first, last)
    if first == last:
        return human_date(first)
    gap = joiner if joiner != "–" else " – "
    if first.year != last.year:
        return f"{human_date(first)}{gap}{human_date(last)}"
    if first.month != last.month:
        return f"{first.day} {_MONTHS_EN[first.month - 1]}{gap}{human_date(last)}"
    return f"{first.day}{joiner}{human_date(last)}"


def method_line(unit: str, first_day: dt.date | None = None) -> str:
    """The method in one line, for charts: geodesic km² and what a period is (a week
    runs from the map of the day before it to the map of its last day)."""
    areas = _("Areas are geodesic (WGS84 ellipsoid), in km².")
    if unit == "week":
        wd = first_day.weekday() if first_day is not None else 0
        rule = _week_rule(wd)
    elif unit == "month":
        rule = _("A month runs from the map of the last day before it to the map of its last day.")
    elif unit == "year":
        rule = _("A year runs from the map of 31 December before it to the map of its last day.")
    elif unit == "day":
        rule = _("A day is its map compared with the map of the day before.")
    else:
        rule = _("A period runs from the map of the day before it to the map of its last day.")
    # Translators: two sentences of a chart's method line, in order.
    return _("%(areas)s %(rule)s") % {"areas": areas, "rule": rule}


def _week_rule(wd: int) -> str:
    """ "A week runs Monday to Sunday: from the map of the Sunday before it to the map of
    its Sunday." for weeks that start on weekday ``wd`` (0 is Monday)."""
    # Translators: %(first)s and %(last)s are weekday names (the week's first and last
    # day), e.g. "A week runs Monday to Sunday: from the map of the Sunday before it to
    # the map of its Sunday."
    return _(
        "A week runs %(first)s to %(last)s: from the map of the %(last)s before it"
        " to the map of its %(last)s."
    ) % {"first": WEEKDAYS[wd], "last": WEEKDAYS[(wd - 1) % 7]}


def _unit_text(key: str, unit: str) -> str:
    """A chart's text that names its period (``unit``: day, week, month, year or
    period), each a whole msgid so that a translator sees the sentence."""
    texts: dict[tuple[str, str], Callable[[], str]] = {
        # Translators: a chart's axis label.
        ("ylabel", "day"): lambda: _("km² per day"),
        # Translators: a chart's axis label.
        ("ylabel", "week"): lambda: _("km² per week"),
        # Translators: a chart's axis label.
        ("ylabel", "month"): lambda: _("km² per month"),
        # Translators: a chart's axis label.
        ("ylabel", "year"): lambda: _("km² per year"),
        # Translators: a chart's axis label.
        ("ylabel", "period"): lambda: _("km² per period"),
        ("panel_bars", "day"): lambda: _("Gained (up) and lost (down) per day, and the net change"),
        ("panel_bars", "week"): lambda: _(
            "Gained (up) and lost (down) per week, and the net change"
        ),
        ("panel_bars", "month"): lambda: _(
            "Gained (up) and lost (down) per month, and the net change"
        ),
        ("panel_bars", "year"): lambda: _(
            "Gained (up) and lost (down) per year, and the net change"
        ),
        ("panel_bars", "period"): lambda: _(
            "Gained (up) and lost (down) per period, and the net change"
        ),
        ("panel_area", "day"): lambda: _(
            "Controlled area at the end of each day (its axis does not start at zero)"
        ),
        ("panel_area", "week"): lambda: _(
            "Controlled area at the end of each week (its axis does not start at zero)"
        ),
        ("panel_area", "month"): lambda: _(
            "Controlled area at the end of each month (its axis does not start at zero)"
        ),
        ("panel_area", "year"): lambda: _(
            "Controlled area at the end of each year (its axis does not start at zero)"
        ),
        ("panel_area", "period"): lambda: _(
            "Controlled area at the end of each period (its axis does not start at zero)"
        ),
        ("title", "day"): lambda: _("Russian-controlled area in Ukraine: gained and lost per day"),
        ("title", "week"): lambda: _(
            "Russian-controlled area in Ukraine: gained and lost per week"
        ),
        ("title", "month"): lambda: _(
            "Russian-controlled area in Ukraine: gained and lost per month"
        ),
        ("title", "year"): lambda: _(
            "Russian-controlled area in Ukraine: gained and lost per year"
        ),
        ("title", "period"): lambda: _(
            "Russian-controlled area in Ukraine: gained and lost per period"
        ),
        ("legend_gained", "day"): lambda: _("Gained per day"),
        ("legend_gained", "week"): lambda: _("Gained per week"),
        ("legend_gained", "month"): lambda: _("Gained per month"),
        ("legend_gained", "year"): lambda: _("Gained per year"),
        ("legend_gained", "period"): lambda: _("Gained per period"),
        ("legend_lost", "day"): lambda: _("Lost per day"),
        ("legend_lost", "week"): lambda: _("Lost per week"),
        ("legend_lost", "month"): lambda: _("Lost per month"),
        ("legend_lost", "year"): lambda: _("Lost per year"),
        ("legend_lost", "period"): lambda: _("Lost per period"),
        ("legend_incomplete", "day"): lambda: _("Incomplete: the data end before the day does"),
        ("legend_incomplete", "week"): lambda: _("Incomplete: the data end before the week does"),
        ("legend_incomplete", "month"): lambda: _("Incomplete: the data end before the month does"),
        ("legend_incomplete", "year"): lambda: _("Incomplete: the data end before the year does"),
        ("legend_incomplete", "period"): lambda: _(
            "Incomplete: the data end before the period does"
        ),
        # Translators: %(source)s is a data source's name.
        ("cmp_legend_net", "day"): lambda: _("%(source)s: net change per day"),
        # Translators: %(source)s is a data source's name.
        ("cmp_legend_net", "week"): lambda: _("%(source)s: net change per week"),
        # Translators: %(source)s is a data source's name.
        ("cmp_legend_net", "month"): lambda: _("%(source)s: net change per month"),
        # Translators: %(source)s is a data source's name.
        ("cmp_legend_net", "year"): lambda: _("%(source)s: net change per year"),
        # Translators: %(source)s is a data source's name.
        ("cmp_legend_net", "period"): lambda: _("%(source)s: net change per period"),
        # Translators: %(a)s and %(b)s are two data sources' names.
        ("cmp_legend_area", "day"): lambda: _(
            "Difference of area at each day's end, %(b)s − %(a)s"
        ),
        # Translators: %(a)s and %(b)s are two data sources' names.
        ("cmp_legend_area", "week"): lambda: _(
            "Difference of area at each week's end, %(b)s − %(a)s"
        ),
        # Translators: %(a)s and %(b)s are two data sources' names.
        ("cmp_legend_area", "month"): lambda: _(
            "Difference of area at each month's end, %(b)s − %(a)s"
        ),
        # Translators: %(a)s and %(b)s are two data sources' names.
        ("cmp_legend_area", "year"): lambda: _(
            "Difference of area at each year's end, %(b)s − %(a)s"
        ),
        # Translators: %(a)s and %(b)s are two data sources' names.
        ("cmp_legend_area", "period"): lambda: _(
            "Difference of area at each period's end, %(b)s − %(a)s"
        ),
        ("cmp_panel_net", "day"): lambda: _("Net change per day"),
        ("cmp_panel_net", "week"): lambda: _("Net change per week"),
        ("cmp_panel_net", "month"): lambda: _("Net change per month"),
        ("cmp_panel_net", "year"): lambda: _("Net change per year"),
        ("cmp_panel_net", "period"): lambda: _("Net change per period"),
        # Translators: %(a)s and %(b)s are two data sources' names.
        ("cmp_panel_diff", "day"): lambda: _("Difference of net change per day, %(b)s − %(a)s"),
        # Translators: %(a)s and %(b)s are two data sources' names.
        ("cmp_panel_diff", "week"): lambda: _("Difference of net change per week, %(b)s − %(a)s"),
        # Translators: %(a)s and %(b)s are two data sources' names.
        ("cmp_panel_diff", "month"): lambda: _("Difference of net change per month, %(b)s − %(a)s"),
        # Translators: %(a)s and %(b)s are two data sources' names.
        ("cmp_panel_diff", "year"): lambda: _("Difference of net change per year, %(b)s − %(a)s"),
        # Translators: %(a)s and %(b)s are two data sources' names.
        ("cmp_panel_diff", "period"): lambda: _(
            "Difference of net change per period, %(b)s − %(a)s"
        ),
        # Translators: %(a)s and %(b)s are two data sources' names.
        ("cmp_panel_area", "day"): lambda: _(
            "Difference of controlled area at each day's end, %(b)s − %(a)s"
        ),
        # Translators: %(a)s and %(b)s are two data sources' names.
        ("cmp_panel_area", "week"): lambda: _(
            "Difference of controlled area at each week's end, %(b)s − %(a)s"
        ),
        # Translators: %(a)s and %(b)s are two data sources' names.
        ("cmp_panel_area", "month"): lambda: _(
            "Difference of controlled area at each month's end, %(b)s − %(a)s"
        ),
        # Translators: %(a)s and %(b)s are two data sources' names.
        ("cmp_panel_area", "year"): lambda: _(
            "Difference of controlled area at each year's end, %(b)s − %(a)s"
        ),
        # Translators: %(a)s and %(b)s are two data sources' names.
        ("cmp_panel_area", "period"): lambda: _(
            "Difference of controlled area at each period's end, %(b)s − %(a)s"
        ),
        ("cmp_title", "day"): lambda: _(
            "Russian-controlled area in Ukraine: net change per day, two sources"
        ),
        ("cmp_title", "week"): lambda: _(
            "Russian-controlled area in Ukraine: net change per week, two sources"
        ),
        ("cmp_title", "month"): lambda: _(
            "Russian-controlled area in Ukraine: net change per month, two sources"
        ),
        ("cmp_title", "year"): lambda: _(
            "Russian-controlled area in Ukraine: net change per year, two sources"
        ),
        ("cmp_title", "period"): lambda: _(
            "Russian-controlled area in Ukraine: net change per period, two sources"
        ),
    }
    return texts.get((key, unit), texts[(key, "period")])()


def _count_periods(unit: str, n: int) -> str:
    """ "12 weeks", "1 month": a chart's count of periods, for its subtitle."""
    if unit == "day":
        return ngettext("%(n)d day", "%(n)d days", n) % {"n": n}
    if unit == "week":
        return ngettext("%(n)d week", "%(n)d weeks", n) % {"n": n}
    if unit == "month":
        return ngettext("%(n)d month", "%(n)d months", n) % {"n": n}
    if unit == "year":
        return ngettext("%(n)d year", "%(n)d years", n) % {"n": n}
    if unit == "period":
        return ngettext("%(n)d period", "%(n)d periods", n) % {"n": n}
    return ngettext("%(n)d period", "%(n)d periods", n) % {"n": n}


# --------------------------------------------------------------------------- charts
# Layout of every chart: a header of fixed height (title, subtitle, method line), the
# plot, the legend, and a strip at the bottom for the credit. All colours come from
# vigil.palette, the scheme the web map uses too.

HEADER_IN = 0.92  # inches above the plot for the three header lines
CREDIT_IN = 0.3  # inches below it for the credit
GEOGRAPHY_CREDIT = (
    "Boundaries and places: © OpenStreetMap contributors (ODbL), GeoNames (CC BY 4.0), KATOTTH"
)
BASEMAP_CREDIT = "Countries: Natural Earth"


def _geography_credit(credit: str) -> str:
    """The geography credit in the active language (the default one is translated; a
    credit given by a caller is shown as given)."""
    if credit == GEOGRAPHY_CREDIT:
        return _(
            "Boundaries and places: © OpenStreetMap contributors (ODbL), GeoNames (CC BY 4.0),"
            " KATOTTH"
        )
    return credit


def _basemap_credit() -> str:
    return _("Countries: Natural Earth")


LAYOUTS = ("desktop", "narrow")  # chart_series(layout=…): for a wide screen, for a phone
NARROW_WIDTH_IN = 4.8  # the narrow chart's width: 345.6 pt, shown about 358 CSS px wide
NARROW_PLOT_IN = 3.9  # its two panels with their ticks, titles and axis labels
NARROW_MIN_PT = 9.0  # its smallest text (9.3 CSS px when shown 358 px wide)


def chart_series(
    series: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    title: str | None = None,
    credit: str = "",
    dpi: int = 150,
    source: str = "",
    layout: str = "desktop",
) -> Path:
    """Draw a series (SERIES_COLUMNS) as a PNG (SVG or PDF by suffix); return its path.

    See :func:`series_figure` for what is drawn; ``source`` is the source's name for
    readers (default: read from ``credit`` by :func:`source_name`); ``layout`` is
    ``"desktop"`` (10 × 5.6 in) or ``"narrow"`` (4.8 in wide, composed for a phone).
    """
    fig = series_figure(series, title=title, credit=credit, dpi=dpi, source=source, layout=layout)
    return _save(fig, Path(path))


def series_figure(
    series: pd.DataFrame,
    *,
    title: str | None = None,
    credit: str = "",
    dpi: int = 150,
    source: str = "",
    layout: str = "desktop",
) -> Figure:
    """The chart of a series (SERIES_COLUMNS) as a matplotlib Figure.

    Top panel, the only axis of the bars: gained area per period is a vermillion bar
    above zero, lost area a blue bar below zero, net change a black marker on a thin
    line, all in km². Periods with a snapshot gap are hatched ``///`` and periods the
    data do not yet cover completely are dotted and lighter; the legend explains both.
    Bottom panel, on its own axis (which does not start at zero, and says so): the
    controlled area at each period's end. The two are never drawn on twin axes, which
    would suggest a link between the bars and the level of the line.

    The header says what, where and when (source for readers, dates, snapshots) and
    how (geodesic km², the period's definition); the credit is at the bottom.

    ``layout="narrow"`` draws the same chart for a phone: 4.8 in wide and as tall as
    its text needs, the title, subtitle, method line, panel titles and credit wrapped
    to the width (measured with the renderer's text extents), fewer date and value
    ticks, the legend in rows, and no text under 9 pt, so that shown 358 CSS px wide
    (a 390 px screen less its margins) its smallest text is 9.3 CSS px.
    """
    if series is None or len(series) == 0:
        raise InputError(_("series is empty: nothing to chart"))
    if layout not in LAYOUTS:
        # Translators: %(choices)s lists the layouts (identifiers), %(got)s the value given.
        raise InputError(
            _("expected one of %(choices)s, got %(got)s")
            % {"choices": ", ".join(LAYOUTS), "got": repr(layout)},
            param="layout",
        )
    narrow = layout == "narrow"
    df = series.reset_index(drop=True)
    start = pd.to_datetime(df["period_start"])
    end = pd.to_datetime(df["period_end"])
    days = (end - start).dt.days.to_numpy(dtype=float)
    unit = _freq_of(start, end)
    x = mdates.date2num((start + (end - start) / 2).to_numpy())
    width = days * (0.8 if len(df) < 60 else 0.9)
    gained = pd.to_numeric(df["gained_km2"], errors="coerce").to_numpy(dtype=float)
    lost = pd.to_numeric(df["lost_km2"], errors="coerce").to_numpy(dtype=float)
    net = pd.to_numeric(df["net_km2"], errors="coerce").to_numpy(dtype=float)
    area = pd.to_numeric(df["area_km2"], errors="coerce").to_numpy(dtype=float)
    gap = _bool_column(df, "gap", default=False)
    incomplete = ~_bool_column(df, "complete", default=True)

    fig = _figure((NARROW_WIDTH_IN, NARROW_PLOT_IN), dpi) if narrow else _figure((10, 5.6), dpi)
    ax, ax_area = fig.subplots(2, 1, sharex=True, height_ratios=(3.2, 1))
    panel = 9.0  # the panel titles' size, in points
    wrap_panel = (lambda text: text) if not narrow else _wrapper(fig, NARROW_WIDTH_IN - 0.95, panel)

    bars_g = ax.bar(x, np.nan_to_num(gained), width, color=palette.GAINED, linewidth=0)
    bars_l = ax.bar(x, -np.nan_to_num(lost), width, color=palette.LOST, linewidth=0)
    for name, bars in (("gained", bars_g), ("lost", bars_l)):
        for i, (patch, is_gap, is_inc) in enumerate(
            zip(bars.patches, gap, incomplete, strict=True)
        ):
            patch.set_gid(f"bar-{name}-{i}")
            if is_gap or is_inc:
                patch.set_alpha(0.45)
                patch.set_hatch("///" if is_gap else "...")
                patch.set_edgecolor(palette.TEXT)
                patch.set_linewidth(0)
    ax.axhline(0, color=palette.TEXT, linewidth=0.8, zorder=1)
    ax.plot(
        x,
        net,
        color=palette.NET,
        linewidth=0.8,
        marker="o",
        markersize=3.2 if len(df) < 60 else 2,
        zorder=3,
        gid="net-line",
    )
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _axis_number(v, signed=True)))
    ax.set_ylabel(_unit_text("ylabel", unit))
    ax.set_title(
        wrap_panel(_unit_text("panel_bars", unit)),
        loc="left",
        fontsize=panel,
        color=palette.TEXT,
    )

    # The area line starts at the first period's start (area at its end minus its net
    # change) so it spans the same dates as the bars.
    line_x = np.r_[mdates.date2num(start.iloc[0]), mdates.date2num(end.to_numpy())]
    line_y = np.r_[area[0] - net[0], area]
    ax_area.plot(line_x, line_y, color=palette.HELD_EDGE, linewidth=1.6, gid="area-line")
    ax_area.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _axis_number(v)))
    ax_area.yaxis.set_major_locator(MaxNLocator(3))
    # Translators: an axis label, the unit of area.
    ax_area.set_ylabel(pgettext("unit", "km²"))
    ax_area.set_title(
        wrap_panel(_unit_text("panel_area", unit)),
        loc="left",
        fontsize=panel,
        color=palette.TEXT,
    )
    _date_axis(ax_area, start, unit, end, narrow=narrow)
    if narrow:
        ax.yaxis.set_major_locator(MaxNLocator(4))
        for a in (ax, ax_area):
            a.tick_params(labelsize=NARROW_MIN_PT)
            a.yaxis.label.set_size(NARROW_MIN_PT)
    fig.align_ylabels([ax, ax_area])
    ax.set_xlim(mdates.date2num(start.min()) - 1, mdates.date2num(end.max()) + 1)
    for a in (ax, ax_area):
        a.grid(axis="y", color=palette.GRID, linewidth=0.6)
        a.set_axisbelow(True)
        a.spines[["top", "right"]].set_visible(False)
    ax.tick_params(axis="x", which="both", bottom=False, labelbottom=False)

    first, last = _as_date(start.min()), _as_date(end.max())
    snap_first = _as_date(pd.to_datetime(df["snapshot_start"]).min())
    snap_last = _as_date(pd.to_datetime(df["snapshot_end"]).max())
    if title is None:
        title = _unit_text("title", unit)
    name = source or source_name("", credit)
    assert first is not None and last is not None
    n = len(df)
    periods = f"{n} periods" if unit == "period" and _english() else _count_periods(unit, n)
    subtitle = " · ".join(
        p
        for p in (
            name,
            # Translators: %(periods)s is a count such as "12 weeks", %(days)s the days
            # they cover, e.g. "1 September – 24 November 2026".
            _("%(periods)s, %(days)s") % {"periods": periods, "days": day_span(first, last - _DAY)},
            # Translators: %(first)s and %(last)s are dates, e.g. "1 September 2026".
            _("maps of %(first)s to %(last)s")
            % {"first": human_date(snap_first), "last": human_date(snap_last)},
        )
        if p
    )
    method = method_line(unit, first)
    if not narrow:
        _header(fig, title, subtitle, method)

    handles: list[Artist] = [
        Patch(color=palette.GAINED, label=_unit_text("legend_gained", unit)),
        Patch(color=palette.LOST, label=_unit_text("legend_lost", unit)),
        Line2D(
            [], [], color=palette.NET, marker="o", markersize=3.5, lw=0.8, label=_("Net change")
        ),
        Line2D([], [], color=palette.HELD_EDGE, lw=1.6, label=_("Controlled area (lower panel)")),
    ]
    if gap.any():
        handles.append(
            Patch(
                facecolor=palette.HELD,
                edgecolor=palette.TEXT,
                hatch="///",
                lw=0,
                label=_("Snapshot gap: a snapshot older than the date it stands for"),
            )
        )
    if incomplete.any():
        handles.append(
            Patch(
                facecolor=palette.HELD,
                edgecolor=palette.TEXT,
                hatch="...",
                lw=0,
                label=_unit_text("legend_incomplete", unit),
            )
        )
    if narrow:
        _narrow_layout(fig, title, subtitle, method, handles, credit)
    else:
        _legend_below(fig, handles, ncols=3)
        _credit(fig, credit)
    return fig


@dataclass(frozen=True)
class MapPlaces:
    """The geography a change map names, built from a store by
    :func:`vigil.territory.brief.map_places` (or by hand, for tests).

    ``fragments``: the change's fragments located by :func:`vigil.territory.locate.describe`
    (``place``, ``place_code``, ``area_km2``, ``kept``…): the largest ones' nearest
    settlements are labelled by the very name the CLI, the API and the brief give.
    ``settlements``: the gazetteer (``Store.settlements()``: code, name_en, name_uk,
    category, lon, lat, located); cities (category M) in view are labelled too.
    ``oblasts``: the oblast boundaries (``Store.regions("oblast")``), drawn as lines,
    their union as Ukraine's land and border, named when a large part is in view.
    """

    fragments: pd.DataFrame | None = None
    settlements: pd.DataFrame | None = None
    oblasts: pd.DataFrame | None = None
    credit: str = GEOGRAPHY_CREDIT
    max_change_labels: int = 6
    max_town_labels: int = 12

    @cached_property
    def outline(self) -> BaseGeometry:
        """The country for the locator: the oblasts simplified (about 2 km) and joined,
        without the slivers simplifying opens between them (exteriors only)."""
        geoms = np.asarray(_oblast_geometries(self), dtype=object)
        if not len(geoms):
            return shapely.Polygon()
        joined = shapely.union_all(shapely.simplify(geoms, 0.02, preserve_topology=False))
        parts = shapely.get_parts(joined)
        shells = np.asarray(shapely.polygons(shapely.get_exterior_ring(parts)), dtype=object)
        return shapely.MultiPolygon(list(shells))


def chart_change_map(
    change: Change,
    before: BaseGeometry,
    path: str | os.PathLike[str],
    *,
    credit: str = "",
    context_km: float = 30,
    dpi: int = 150,
    places: MapPlaces | None = None,
    source: str = "",
) -> Path:
    """Draw a map of one change as a PNG (SVG or PDF by suffix) and return its path.

    See :func:`change_map_figure`; ``places`` adds oblast lines, place names and
    Ukraine in the locator, ``source`` is the source's name for readers (default: read
    from ``credit``).
    """
    fig = change_map_figure(
        change, before, credit=credit, context_km=context_km, dpi=dpi, places=places,
        source=source,
    )  # fmt: skip
    return _save(fig, Path(path))


def change_map_figure(
    change: Change,
    before: BaseGeometry,
    *,
    credit: str = "",
    context_km: float = 30,
    dpi: int = 150,
    places: MapPlaces | None = None,
    source: str = "",
) -> Figure:
    """A map of one change as a matplotlib Figure.

    ``before`` is the controlled geometry at ``change.snapshot_from`` (WGS84 lon/lat),
    drawn grey; gained area is vermillion, lost area hatched blue, each also outlined
    so that fragments smaller than a pixel still show. The view is the bounds of the
    change (of the fragments kept by the sliver filter, when one was used) plus
    ``context_km`` on each side, or the whole of ``before`` when nothing changed.
    Longitude is stretched by 1/cos(mean latitude) so shapes are true to scale; the
    scale bar is approximate (spherical, at the mean latitude).

    With ``places`` (:class:`MapPlaces`): Ukraine's land and border and the oblast
    lines under the areas; the nearest settlements of the largest fragments, then the
    cities in view (nearest the change first), then the oblasts' names, each placed
    where it overlaps no other label (a greedy test, four positions a point) and
    haloed in white; and a locator of all Ukraine with the box of the main map.
    """
    gained, lost = change.gained, change.lost
    view = _change_bounds(change)
    if view is None:
        view = None if before is None or before.is_empty else before.bounds
    if view is None:
        raise InputError(_("nothing to map: no change and no controlled area"))
    lat0 = (view[1] + view[3]) / 2
    cos0 = max(math.cos(math.radians(lat0)), 0.05)
    x0, y0, x1, y1 = _map_view(view, cos0, context_km)
    ratio = (x1 - x0) * cos0 / (y1 - y0)  # width / height on the page

    # Fixed layout in inches (no layout engine): the axes box has exactly the view's
    # page ratio, so the aspect correction leaves no blank band.
    width, left, right, top, bottom = 8.0, 0.8, 0.2, HEADER_IN + 0.1, 1.45
    aw = width - left - right
    ah = aw / ratio
    height = ah + top + bottom
    fig = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(fig)  # a renderer, to measure the labels
    ax = fig.add_axes((left / width, bottom / height, aw / width, ah / height))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(1 / cos0, adjustable="box")  # a degree of longitude is cos(lat) as long
    # Only the part of a large extent that shows is drawn (a country-sized polygon has
    # hundreds of thousands of vertices); the clip box is a little larger than the view.
    dx, dy = (x1 - x0) * 0.05, (y1 - y0) * 0.05
    clip = (x0 - dx, y0 - dy, x1 + dx, y1 + dy)
    oblasts = shapely.clip_by_rect(np.asarray(_oblast_geometries(places), dtype=object), *clip)
    oblasts = oblasts[~shapely.is_empty(oblasts)]
    # the oblasts tile the country (a coverage): their union in view is its land
    country = _land(oblasts) if len(oblasts) else None
    # the sea under everything; Ukraine's land (the oblasts, else Natural Earth's
    # Ukraine); the area held; then the neighbouring countries over it, so that a held
    # polygon drawn a little past the border never colours Russia's own land as held.
    # The base map's neighbours reach a little under Ukraine's outline (so no sea shows
    # between them at any scale): that part is cut off first.
    ax.set_facecolor(palette.SEA)
    base = _basemap()
    ukraine = country
    if ukraine is None:
        ukraine = shapely.clip_by_rect(base.ukraine, *clip)
    abroad = shapely.clip_by_rect(base.abroad, *clip)
    abroad = shapely.difference(abroad, ukraine)
    in_view = ~shapely.is_empty(abroad)
    abroad_names, abroad = base.names[in_view], abroad[in_view]
    _add_geometry(ax, ukraine, palette.LAND, "none", 0, gid="ukraine")
    if before is not None and not before.is_empty:
        held = shapely.clip_by_rect(before, *clip)
        _add_geometry(ax, held, palette.HELD, palette.HELD_EDGE, 0.5, gid="held")
    if len(abroad):
        _add_geometry(ax, shapely.union_all(abroad), palette.LAND_ABROAD, "none", 0, gid="abroad")
        _add_lines(ax, shapely.boundary(abroad), palette.BORDER, 0.6)
    if gained is not None and not gained.is_empty:
        part = shapely.clip_by_rect(gained, *clip)
        _add_geometry(ax, part, palette.GAINED, palette.GAINED, 0.8, gid="gained")
    if lost is not None and not lost.is_empty:
        part = shapely.clip_by_rect(lost, *clip)
        _add_geometry(ax, part, _LOST_FILL, palette.LOST, 0.8, hatch="////", gid="lost")
    if country is not None:
        _add_lines(ax, shapely.boundary(oblasts), palette.OBLAST_LINE, 0.6, (0, (4, 2)))
        _add_lines(ax, shapely.boundary(country), palette.BORDER, 1.0)

    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _degrees(v, "E", "W")))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _degrees(v, "N", "S")))
    ax.tick_params(labelsize=8, colors=palette.CREDIT)
    for spine in ax.spines.values():
        spine.set_color(palette.OBLAST_LINE)
    obstacles = [_scale_bar(ax, cos0)]
    inset: Axes | None = None
    extent = places.outline if places is not None and country is not None else base.ukraine
    if extent is not None and not extent.is_empty:
        changed = shapely.union_all([g for g in (gained, lost) if g is not None])
        inset = _locator(
            fig, ax, extent, changed, (x0, y0, x1, y1), cos0, held=before, abroad=base.abroad
        )
        if inset is not None:
            obstacles.append(inset.get_window_extent())
    labels = _labels_wanted(places, change, (x0, y0, x1, y1)) if places is not None else []
    covered = [ax.transData.inverted().transform(b.get_points()) for b in obstacles]
    labels += _country_labels(
        abroad_names, abroad, (x0, y0, x1, y1), cos0, [shapely.box(*c[0], *c[1]) for c in covered]
    )
    _label_places(ax, labels, obstacles)

    a, b = human_date(change.snapshot_from), human_date(change.snapshot_to)
    # Translators: %(days)s is a span of days, e.g. "1 May to 1 June 2026".
    title = _("Russian-controlled area in Ukraine: change from %(days)s") % {
        "days": day_span(change.date_from, change.date_to, " to ")
    }
    name = source or source_name("", credit)
    # Translators: figures in km², e.g. "net +12.0 km²: 20.0 km² gained, 8.0 km² lost".
    figures = _("net %(net)s: %(gained)s gained, %(lost)s lost") % {
        "net": fmt_km2(change.net_km2, signed=True),
        "gained": fmt_km2(change.gained_km2),
        "lost": fmt_km2(change.lost_km2),
    }
    if change.gap:
        # Translators: %(first)s and %(last)s are dates, e.g. "1 May 2026".
        maps = _("maps of %(first)s and %(last)s (a snapshot older than the date asked)") % {
            "first": a,
            "last": b,
        }
    else:
        maps = _("maps of %(first)s and %(last)s") % {"first": a, "last": b}
    subtitle = " · ".join(p for p in (name, figures, maps) if p)
    if places is not None and places.fragments is not None and len(places.fragments):
        method = _(
            "Areas are geodesic (WGS84 ellipsoid), in km². Labels: the settlement nearest"
            " each of the largest changes, and cities."
        )
    else:
        method = _("Areas are geodesic (WGS84 ellipsoid), in km².")
    _header(fig, title, subtitle, method)
    handles: list[Artist] = [
        Patch(
            facecolor=palette.HELD,
            edgecolor=palette.HELD_EDGE,
            lw=0.5,
            # Translators: %(date)s is a date, %(area)s a figure in km².
            label=_("Controlled on %(date)s: %(area)s")
            % {"date": a, "area": fmt_km2(change.area_from_km2)},
        ),
        Patch(
            color=palette.GAINED,
            # Translators: %(date)s is a date, %(area)s a figure in km².
            label=_("Gained by %(date)s: %(area)s")
            % {"date": b, "area": fmt_km2(change.gained_km2)},
        ),
        Patch(
            facecolor=_LOST_FILL,
            edgecolor=palette.LOST,
            hatch="////",
            lw=0.8,
            # Translators: %(date)s is a date, %(area)s a figure in km².
            label=_("Lost by %(date)s: %(area)s") % {"date": b, "area": fmt_km2(change.lost_km2)},
        ),
    ]
    if country is not None:
        handles.append(
            Line2D([], [], color=palette.OBLAST_LINE, lw=0.6, ls=(0, (4, 2)), label=_("Oblast"))
        )
    if len(abroad):
        others = (
            _("Russia and other countries") if "Russia" in abroad_names else _("Other countries")
        )
        if len(abroad_names) == 1:
            others = str(abroad_names[0])
        handles.append(
            Patch(facecolor=palette.LAND_ABROAD, edgecolor=palette.BORDER, lw=0.5, label=others)
        )
    fig.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.1 / width, (bottom - 0.35) / height),
        ncols=2,
        fontsize=9,
        frameon=False,
        borderaxespad=0,
        handlelength=1.6,
    )
    geography = " · ".join(
        c
        for c in (
            _geography_credit(places.credit) if places is not None else "",
            _basemap_credit() if len(abroad) or inset is not None else "",
        )
        if c
    )
    _credit(fig, f"{credit}\n{geography}")
    return fig


_LOST_FILL = (*to_rgb(palette.LOST), 0.22)  # a light wash of the lost blue, under its hatch


def _land(pieces: np.ndarray) -> BaseGeometry:
    """The union of polygons that tile an area without overlapping (the oblasts): a
    coverage union, six times faster than a general one, which is the fallback."""
    try:
        return shapely.coverage_union_all(pieces)
    except shapely.errors.GEOSException:
        return shapely.union_all(pieces)


@dataclass(frozen=True)
class _Basemap:
    names: np.ndarray  # the neighbouring countries' names (Natural Earth's NAME)
    abroad: np.ndarray  # their land, cut to Ukraine's oblast outline (shapely, lon/lat)
    ukraine: BaseGeometry  # Natural Earth's Ukraine, with the slivers between it and them


@functools.cache
def _basemap() -> _Basemap:
    """The shipped base map (:mod:`vigil.basemap`) as shapely arrays, read once.

    Natural Earth's Ukraine (1:110m) does not quite meet the neighbours, which are cut
    to the oblast outline: the small gaps between them (under 0.5 square degrees,
    touching both) are added to it, so a map drawn without oblasts shows no sea along
    a land border."""
    feats = basemap.collection()["features"]
    out = [f for f in feats if f["properties"].get("role") == "abroad"]
    names = np.asarray([str(f["properties"].get("name", "")) for f in out], dtype=object)
    abroad = np.asarray([shapely.geometry.shape(f["geometry"]) for f in out], dtype=object)
    ua = [
        shapely.geometry.shape(f["geometry"])
        for f in feats
        if f["properties"].get("role") == "ukraine"
    ]
    ukraine = shapely.union_all(ua) if ua else shapely.Polygon()
    if not ukraine.is_empty and len(abroad):
        others = shapely.union_all(abroad)
        frame = shapely.box(*ukraine.bounds).buffer(0.5)
        gaps = shapely.get_parts(shapely.difference(frame, shapely.union(ukraine, others)))
        small = gaps[
            (shapely.area(gaps) < 0.5)
            & shapely.intersects(gaps, ukraine)
            & shapely.intersects(gaps, others)
        ]
        ukraine = shapely.union_all([ukraine, *small])
    return _Basemap(names, abroad, ukraine)


def _country_labels(
    names: np.ndarray,
    land: np.ndarray,
    view: tuple[float, float, float, float],
    cos0: float,
    covered: Iterable[BaseGeometry] = (),
) -> list[_Label]:
    """The neighbouring countries' names, each at the point of its land in view (less
    what the ``covered`` boxes, the locator and scale bar, hide) farthest from its
    edges (the largest part's), when that part covers at least 4 % of the view; the
    label must then fit inside the land (checked when it is placed)."""
    x0, y0, x1, y1 = view
    area = (x1 - x0) * (y1 - y0)
    boxes = list(covered)
    hidden = shapely.union_all(boxes) if boxes else None
    out: list[_Label] = []
    for name, geom in zip(names, land, strict=True):
        part = shapely.clip_by_rect(geom, *view)
        if hidden is not None:
            part = shapely.difference(part, hidden)
        if part.is_empty:
            continue
        parts = shapely.get_parts(part)
        big = parts[int(np.argmax(shapely.area(parts)))]
        if big.area < 0.04 * area:
            continue
        # in page proportions (longitude shrunk by cos0), so "farthest" means on paper
        page = affinity.scale(big, xfact=cos0, yfact=1.0, origin=(0, 0))
        centre = shapely.maximum_inscribed_circle(page, 0.002 * (y1 - y0))
        c = shapely.get_point(centre, 0)
        out.append(_Label(str(name), c.x / cos0, c.y, "country", within=big))
    return out


def _oblast_geometries(places: MapPlaces | None) -> list[BaseGeometry]:
    if places is None or places.oblasts is None or places.oblasts.empty:
        return []
    return [g for g in places.oblasts["geometry"] if g is not None and not g.is_empty]


@dataclass
class _Label:
    text: str
    lon: float
    lat: float
    kind: str  # "change" (a fragment's nearest place), "town", "region" or "country"
    within: BaseGeometry | None = None  # the label must lie inside it (a country's land)


def _labels_wanted(
    places: MapPlaces, change: Change, view: tuple[float, float, float, float]
) -> list[_Label]:
    """The labels to try, most important first: the nearest settlements of the largest
    fragments, then the cities in view (nearest the change first), then the oblasts."""
    x0, y0, x1, y1 = view
    mx, my = (x1 - x0) * 0.02, (y1 - y0) * 0.02

    def inside(lon: float, lat: float) -> bool:
        return x0 + mx <= lon <= x1 - mx and y0 + my <= lat <= y1 - my

    out: list[_Label] = []
    used: set[str] = set()
    s = places.settlements
    coords: dict[str, tuple[float, float, str]] = {}
    if s is not None and len(s):
        ok = np.isfinite(pd.to_numeric(s["lon"], errors="coerce").to_numpy(float))
        if "located" in s:
            ok &= pd.to_numeric(s["located"], errors="coerce").fillna(0).to_numpy() == 1
        s = s.loc[ok]
        frags = places.fragments
        wanted = s
        if frags is not None and "place_code" in frags:
            wanted = s.loc[s["code"].isin(frags["place_code"].dropna())]
        coords = {
            str(c): (float(lo), float(la), str(cat))
            for c, lo, la, cat in zip(
                wanted["code"], wanted["lon"], wanted["lat"], wanted["category"], strict=True
            )
        }
    frags = places.fragments
    if frags is not None and len(frags) and "place" in frags:
        if "kept" in frags:
            frags = frags.loc[frags["kept"].astype(bool)]
        frags = frags.sort_values("area_km2", ascending=False, kind="stable")
        for place, code in zip(frags["place"], frags["place_code"], strict=True):
            if len(out) >= places.max_change_labels:
                break
            if not _present(place) or not _present(code) or str(code) in used:
                continue
            if str(code) not in coords:
                continue
            lon, lat, cat = coords[str(code)]
            if inside(lon, lat):
                used.add(str(code))
                out.append(_Label(str(place), lon, lat, "town" if cat == "M" else "change"))
    if s is not None and len(s):
        towns = s.loc[(s["category"] == "M") & ~s["code"].astype(str).isin(used)]
        t_lon = towns["lon"].to_numpy(float)
        t_lat = towns["lat"].to_numpy(float)
        keep = (t_lon >= x0 + mx) & (t_lon <= x1 - mx) & (t_lat >= y0 + my) & (t_lat <= y1 - my)
        towns, t_lon, t_lat = towns.loc[keep], t_lon[keep], t_lat[keep]
        if len(towns):
            seeds = [(lb.lon, lb.lat) for lb in out] or [_change_point(change, view)]
            order = _spread(t_lon, t_lat, seeds, places.max_town_labels)
            en = towns["name_en"]
            names = en.where(en.notna() & (en != ""), towns["name_uk"]).to_numpy(object)
            for i in order:
                out.append(_Label(str(names[i]), float(t_lon[i]), float(t_lat[i]), "town"))
    ob = places.oblasts
    if ob is not None and len(ob):
        box = shapely.box(x0, y0, x1, y1)
        for name_en, name_uk, geom in zip(
            ob["name_en"], ob["name_uk"], ob["geometry"], strict=True
        ):
            part = shapely.clip_by_rect(geom, x0, y0, x1, y1)
            if part.is_empty or part.area < 0.12 * box.area:
                continue
            p = shapely.point_on_surface(part)
            name = name_en if _present(name_en) and name_en else name_uk
            out.append(_Label(str(name), p.x, p.y, "region"))
    return out


def _spread(
    lon: np.ndarray, lat: np.ndarray, seeds: list[tuple[float, float]], n: int
) -> list[int]:
    """Up to ``n`` of the points: first the third nearest the seeds (the places named
    for the changes), then each time the one farthest from every point chosen and
    every seed (greedy max-min), so that cities name the surroundings of the change
    and the whole view, not one corner of it."""
    cos0 = math.cos(math.radians(float(np.mean(lat)))) if len(lat) else 1.0

    def dist_to(x: float, y: float) -> np.ndarray:
        return np.hypot((lon - x) * cos0, lat - y)

    nearest = np.minimum.reduce([dist_to(x, y) for x, y in seeds])
    order = [int(i) for i in np.argsort(nearest, kind="stable")[: max(1, n // 3)]]
    for i in order:
        nearest = np.minimum(nearest, dist_to(lon[i], lat[i]))
    while len(order) < min(n, len(lon)):
        i = int(np.argmax(nearest))
        if nearest[i] <= 0:
            break
        order.append(i)
        nearest = np.minimum(nearest, dist_to(lon[i], lat[i]))
    return order


def _change_point(change: Change, view: tuple[float, float, float, float]) -> tuple[float, float]:
    """Where the change is: the largest fragment's point, else the view's centre."""
    frags = change.fragments
    if frags is not None and len(frags) and "geometry" in frags:
        big = frags.sort_values("area_km2", ascending=False, kind="stable")["geometry"].iloc[0]
        if big is not None and not big.is_empty:
            p = shapely.point_on_surface(big)
            return p.x, p.y
    return (view[0] + view[2]) / 2, (view[1] + view[3]) / 2


_LABEL_STYLE = {
    "change": {"fontsize": 8.5, "fontweight": "normal", "fontstyle": "normal"},
    "town": {"fontsize": 9.5, "fontweight": "bold", "fontstyle": "normal"},
    "region": {"fontsize": 9, "fontweight": "normal", "fontstyle": "italic"},
    "country": {"fontsize": 10.5, "fontweight": "normal", "fontstyle": "italic"},
}
# Where a label goes beside its point (offset in points, alignment), in order of preference.
_POSITIONS = (
    ((4, 1), "left", "bottom"),
    ((-4, 1), "right", "bottom"),
    ((4, -1), "left", "top"),
    ((-4, -1), "right", "top"),
)


def _label_places(ax: Axes, labels: list[_Label], obstacles: list[Bbox]) -> list[str]:
    """Label the places (of :func:`_labels_wanted`, then :func:`_country_labels`)
    greedily: each at the first of four positions beside its point where it stays
    inside the map and clear of the labels placed before it (and of the scale bar and
    locator); an area's name (oblast, country) centred on its point, a country's only
    if it lies inside its land. A label that fits nowhere is left out. Returns the
    texts placed, in order."""
    fig = ax.get_figure()
    assert isinstance(fig, Figure)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    frame = ax.get_window_extent(renderer)
    taken = [b.padded(2) for b in obstacles]
    halo = [withStroke(linewidth=2.6, foreground=palette.LABEL_HALO)]
    placed: list[str] = []
    to_data = ax.transData.inverted()
    for label in labels:
        style = _LABEL_STYLE[label.kind]
        area = label.kind in ("region", "country")
        positions = _POSITIONS if not area else (((0, 0), "center", "center"),)
        point = None
        if not area:
            point = ax.transData.transform((label.lon, label.lat))
            dot = Bbox.from_extents(*(point - 2.5), *(point + 2.5))
            if any(dot.overlaps(t) for t in taken):
                continue
        for offset, ha, va in positions:
            text = ax.annotate(
                label.text,
                (label.lon, label.lat),
                xytext=offset,
                textcoords="offset points",
                ha=ha,
                va=va,
                color=palette.LABEL if label.kind in ("change", "town") else palette.CREDIT,
                path_effects=halo,
                zorder=7,
                gid=f"label-{label.kind}",
                **style,  # type: ignore[arg-type]
            )
            box = text.get_window_extent(renderer)
            fits = frame.contains(box.x0, box.y0) and frame.contains(box.x1, box.y1)
            if fits and label.within is not None:
                corners = to_data.transform([(box.x0, box.y0), (box.x1, box.y1)])
                fits = label.within.contains(shapely.box(*corners[0], *corners[1]))
            if fits and not any(box.overlaps(t) for t in taken):
                taken.append(box.padded(2))
                if point is not None:
                    taken.append(dot)
                    ax.plot(
                        label.lon,
                        label.lat,
                        marker="s" if label.kind == "town" else "o",
                        markersize=4 if label.kind == "town" else 3,
                        color=palette.LABEL,
                        markeredgecolor=palette.LABEL_HALO,
                        markeredgewidth=0.6,
                        zorder=7,
                    )
                placed.append(label.text)
                break
            text.remove()
    return placed


def _locator(
    fig: Figure,
    ax: Axes,
    extent: BaseGeometry,
    changed: BaseGeometry,
    view: tuple[float, float, float, float],
    cos0: float,
    *,
    held: BaseGeometry | None = None,
    abroad: np.ndarray | None = None,
) -> Axes | None:
    """A small map in a corner: ``extent`` (Ukraine: the oblasts' outline, else Natural
    Earth's), simplified, on the sea with the neighbouring countries (``abroad``)
    around it, ``held`` (the controlled area) over it, and a black box where the main
    map looks, so a reader sees where the change is. The corner is the one hiding the
    least change (then the least of ``extent``). None when the main map already shows
    all of ``extent``."""
    ex0, ey0, ex1, ey1 = extent.bounds
    vx0, vy0, vx1, vy1 = view
    if vx0 <= ex0 and vy0 <= ey0 and vx1 >= ex1 and vy1 >= ey1:
        return None  # the main map already shows it all
    box_ax = ax.get_position()
    w = box_ax.width * 0.28
    h = w * fig.get_figwidth() / fig.get_figheight() * (ey1 - ey0) / ((ex1 - ex0) * cos0)
    # the data rectangle of a corner: the inset, its margin to the edge and as much again
    fx = (w + 0.02) / box_ax.width * (vx1 - vx0)
    fy = (h + 0.02) / box_ax.height * (vy1 - vy0)
    corners = {  # figure position -> the data rectangle it covers
        (box_ax.x1 - w - 0.01, box_ax.y1 - h - 0.01): (vx1 - fx, vy1 - fy, vx1, vy1),
        (box_ax.x0 + 0.01, box_ax.y1 - h - 0.01): (vx0, vy1 - fy, vx0 + fx, vy1),
        (box_ax.x1 - w - 0.01, box_ax.y0 + 0.01): (vx1 - fx, vy0, vx1, vy0 + fy),
        (box_ax.x0 + 0.01, box_ax.y0 + 0.01): (vx0, vy0, vx0 + fx, vy0 + fy),
    }

    pieces = shapely.get_parts(changed) if changed is not None else np.array([])
    scale_corner = (vx0, vy0, vx0 + fx, vy0 + fy)  # where the scale bar is

    def hidden(rect: tuple) -> tuple[int, float, bool, float]:
        cell = shapely.box(*rect)
        return (
            int(np.count_nonzero(shapely.intersects(pieces, cell))),  # any fragment hidden
            shapely.intersection(changed, cell).area,
            rect == scale_corner,
            shapely.intersection(extent, cell).area,
        )

    (px, py), _rect = min(corners.items(), key=lambda kv: hidden(kv[1]))
    inset = fig.add_axes((px, py, w, h))
    tolerance = (ex1 - ex0) / 400

    def simple(geom: BaseGeometry) -> BaseGeometry:  # only drawn an inch or two wide
        return shapely.simplify(geom, tolerance, preserve_topology=False)

    if abroad is not None and len(abroad):
        # under Ukraine, which hides the strip by which they reach under its outline
        around = shapely.clip_by_rect(abroad, ex0 - 1, ey0 - 1, ex1 + 1, ey1 + 1)
        around = around[~shapely.is_empty(around)]
        if len(around):
            land = simple(shapely.union_all(around))
            _add_geometry(inset, land, palette.LAND_ABROAD, palette.BORDER, 0.3, gid="abroad")
    _add_geometry(inset, simple(extent), palette.LAND, palette.BORDER, 0.4, gid="ukraine")
    if held is not None and not held.is_empty:
        clipped = shapely.clip_by_rect(held, ex0, ey0, ex1, ey1)
        _add_geometry(inset, simple(clipped), palette.HELD, "none", 0, gid="held")
    inset.add_patch(
        PathPatch(
            MplPath([(vx0, vy0), (vx1, vy0), (vx1, vy1), (vx0, vy1), (vx0, vy0)]),
            fill=False,
            edgecolor=palette.NET,
            lw=1.2,
        )
    )
    inset.set_xlim(ex0, ex1)
    inset.set_ylim(ey0, ey1)
    inset.set_aspect(1 / cos0, adjustable="box")
    inset.set_xticks([])
    inset.set_yticks([])
    inset.set_facecolor(palette.SEA)
    for spine in inset.spines.values():
        spine.set_color(palette.OBLAST_LINE)
    return inset


def _date_axis(
    ax: Axes, start: pd.Series, unit: str, end: pd.Series | None = None, *, narrow: bool = False
) -> list[str]:
    """Date ticks that always carry the year: on the first tick and on the first tick
    of each new year ("21 Oct 2024", "28 Oct" … "6 Jan 2025"; "Oct 2024", "Nov" …).

    Weeks of up to 30 are ticked at their starts (at most 10 ticks); longer series at
    month starts (every 1, 2, 3, 6 or 12 months, at most 12 intervals), beyond twelve
    years at year starts (at most 10). ``narrow``: at most 4 weeks, 4 month intervals
    (beyond four years, year starts) and 5 years. Returns the labels."""
    week_ticks, month_steps, year_ticks = (4, 4, 5) if narrow else (10, 12, 10)
    starts = [pd.Timestamp(s) for s in start]
    first = min(starts)
    last = pd.Timestamp(max(end)) if end is not None and len(end) else max(starts)
    ticks: list[pd.Timestamp]
    if unit == "week" and len(starts) <= 30:
        step = math.ceil(len(starts) / week_ticks)
        ticks, kind = sorted(starts)[::step], "day"
    else:
        months = (last.year - first.year) * 12 + last.month - first.month
        if months > 12 * month_steps:
            every = math.ceil((last.year - first.year + 1) / year_ticks)
            years = range(first.year + (first.month > 1 or first.day > 1), last.year + 1)
            ticks = [pd.Timestamp(y, 1, 1) for y in years if y % every == 0]
            kind = "year"
        else:
            every = next(m for m in (1, 2, 3, 6, 12) if months / m <= month_steps)
            month = pd.Timestamp(first.year, first.month, 1)
            if month < first:
                month += pd.DateOffset(months=1)
            ticks = []
            while month <= last:
                if (month.month - 1) % every == 0:
                    ticks.append(month)
                month += pd.DateOffset(months=1)
            kind = "month"
        if not ticks:  # a span too short for a month start: its first day
            ticks, kind = [first], "day"
    labels: list[str] = []
    year = None
    for t in ticks:
        if kind == "year":
            labels.append(str(t.year))
            continue
        label = _tick_label(t, kind)
        labels.append(label if t.year == year else f"{label} {t.year}")
        year = t.year
    ax.set_xticks(mdates.date2num(ticks), labels)
    return labels


def _tick_label(t: pd.Timestamp, kind: str) -> str:
    """A date tick without its year: "21 Oct" (kind "day") or "Oct" (kind "month");
    the language's abbreviations (CLDR) in another language than English."""
    if _english():
        return (
            f"{t.day} {_MONTHS_EN[t.month - 1][:3]}"
            if kind == "day"
            else _MONTHS_EN[t.month - 1][:3]
        )
    from babel.dates import format_date

    return format_date(t.date(), "d MMM" if kind == "day" else "LLL", locale=_babel_locale())


def _map_view(
    bounds: tuple[float, float, float, float], cos0: float, context_km: float
) -> tuple[float, float, float, float]:
    """``bounds`` plus ``context_km`` each side, widened to a page ratio between 4:5 and 3:2."""
    pad_lat = context_km / KM_PER_DEGREE
    pad_lon = pad_lat / cos0
    x0, y0 = bounds[0] - pad_lon, bounds[1] - pad_lat
    x1, y1 = bounds[2] + pad_lon, bounds[3] + pad_lat
    w, h = (x1 - x0) * cos0, y1 - y0  # in degrees of latitude
    if w < 0.8 * h:
        extra = (0.8 * h - w) / cos0 / 2
        x0, x1 = x0 - extra, x1 + extra
    elif w > 1.5 * h:
        extra = (w / 1.5 - h) / 2
        y0, y1 = y0 - extra, y1 + extra
    return x0, y0, x1, y1


def _change_bounds(change: Change) -> tuple[float, float, float, float] | None:
    """Bounds of what changed: the kept fragments under a sliver filter, else all of it."""
    frags = change.fragments
    if change.filtered and frags is not None and len(frags) and "geometry" in frags:
        kept = frags.loc[frags["kept"].astype(bool), "geometry"].to_numpy()
        if len(kept):
            b = shapely.bounds(np.asarray(kept, dtype=object))
            return (
                float(np.nanmin(b[:, 0])),
                float(np.nanmin(b[:, 1])),
                float(np.nanmax(b[:, 2])),
                float(np.nanmax(b[:, 3])),
            )
    parts = [g for g in (change.gained, change.lost) if g is not None and not g.is_empty]
    if not parts:
        return None
    return shapely.union_all(parts).bounds if len(parts) > 1 else parts[0].bounds


def _add_geometry(
    ax: Axes,
    geom: BaseGeometry,
    face: str | tuple[float, ...],
    edge: str,
    lw: float,
    *,
    hatch: str | None = None,
    gid: str | None = None,
) -> None:
    """Add the polygonal parts of ``geom`` as one compound patch (holes left open).

    Exteriors are oriented counter-clockwise and holes clockwise, so matplotlib's
    non-zero fill rule leaves the holes empty. A ``hatch`` is drawn in the edge colour.
    """
    parts = shapely.get_parts(shapely.get_parts(np.asarray([geom], dtype=object)))
    polys = parts[shapely.get_type_id(parts) == 3]
    if len(polys) == 0:
        return
    rings = shapely.get_rings(shapely.orient_polygons(polys))
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    if len(coords) == 0:
        return
    codes = np.full(len(coords), MplPath.LINETO, dtype=np.uint8)
    first = np.r_[True, ring_of[1:] != ring_of[:-1]]
    last = np.r_[ring_of[1:] != ring_of[:-1], True]
    codes[first] = MplPath.MOVETO
    codes[last] = MplPath.CLOSEPOLY
    patch = PathPatch(
        MplPath(coords, codes), facecolor=face, edgecolor=edge, linewidth=lw, hatch=hatch
    )
    if gid is not None:
        patch.set_gid(gid)
    ax.add_patch(patch)


def _add_lines(
    ax: Axes, lines: BaseGeometry | np.ndarray, colour: str, lw: float, style: object = "-"
) -> None:
    """Add the line parts of ``lines`` (a geometry or an array of them) as one collection."""
    parts = shapely.get_parts(np.atleast_1d(np.asarray(lines, dtype=object)))
    parts = shapely.get_parts(parts)  # multi-parts inside collections
    parts = parts[np.isin(shapely.get_type_id(parts), (1, 2))]
    if len(parts) == 0:
        return
    segments = [shapely.get_coordinates(p) for p in parts]
    ax.add_collection(
        LineCollection(segments, colors=colour, linewidths=lw, linestyles=style, zorder=4),
        autolim=False,
    )


def _scale_bar(ax: Axes, cos0: float) -> Bbox:
    """An approximate scale bar in km, about a fifth of the map's width, lower left.
    Returns the box it covers on the page (display units), for the labels to avoid."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    width_km = (x1 - x0) * KM_PER_DEGREE * cos0
    km = _nice_length(width_km / 5)
    length = km / (KM_PER_DEGREE * cos0)
    bx, by = x0 + 0.04 * (x1 - x0), y0 + 0.05 * (y1 - y0)
    halo = [withStroke(linewidth=5, foreground="white")]
    ax.plot(
        [bx, bx + length],
        [by, by],
        color=palette.TEXT,
        lw=3,
        solid_capstyle="butt",
        zorder=8,
        path_effects=halo,
    )
    if _english():
        label = f"{km:,.0f} km" if km >= 1 else f"{km:g} km"
    else:
        label = i18n.km(km, 0 if km >= 1 else len(f"{km:g}".partition(".")[2]))
    ax.text(
        bx + length / 2,
        by + 0.012 * (y1 - y0),
        label,
        ha="center",
        va="bottom",
        fontsize=9,
        zorder=8,
        color=palette.TEXT,
        path_effects=[withStroke(linewidth=3, foreground="white")],
    )
    corners = ax.transData.transform([(bx, by - 0.01 * (y1 - y0)), (bx + length, by)])
    (px0, py0), (px1, _y) = corners
    # the label above the bar is about 14 points high
    top = ax.transData.transform((bx, by + 0.012 * (y1 - y0)))[1] + 14 * ax.figure.dpi / 72
    return Bbox.from_extents(px0, py0, px1, top)


def _nice_length(target_km: float) -> float:
    """The largest of 1, 2, 5 × 10ⁿ km not above ``target_km``."""
    if target_km <= 0 or not math.isfinite(target_km):
        return 1.0
    exp = math.floor(math.log10(target_km))
    for m in (5, 2, 1):
        if m * 10**exp <= target_km:
            return float(m * 10**exp)
    return float(10**exp)


def _degrees(v: float, pos: str, neg: str) -> str:
    if _english():
        return f"{abs(v):.1f}°{pos if v >= 0 else neg}"
    return f"{i18n.number(abs(v), 1).replace(chr(0xA0), '')}°{_compass(pos if v >= 0 else neg)}"


def _compass(letter: str) -> str:
    """A compass point's letter after a degree (E, W, N, S) in the active language."""
    # Translators: compass letters after a longitude or latitude, e.g. 37.5°E.
    points = {
        "E": pgettext("compass", "E"),
        "W": pgettext("compass", "W"),
        "N": pgettext("compass", "N"),
        "S": pgettext("compass", "S"),
    }
    return points.get(letter, letter)


def _figure(size: tuple[float, float], dpi: int, *, header_in: float = HEADER_IN) -> Figure:
    """A figure whose constrained layout leaves a band at the top for the header
    (:func:`_header`, ``header_in`` inches) and a strip at the bottom for the credit
    (:func:`_credit`)."""
    strip = CREDIT_IN / size[1]
    top = header_in / size[1]
    layout = ConstrainedLayoutEngine(rect=(0, strip, 1, 1 - strip - top))
    return Figure(figsize=size, dpi=dpi, layout=layout)


def _legend_below(
    fig: Figure, handles: list[Artist], ncols: int, *, header_in: float = HEADER_IN
) -> None:
    """The legend in a band of its own under the plot, above the credit strip: the
    constrained layout is told to leave the band free, so nothing overlaps it."""
    width, height = fig.get_figwidth(), fig.get_figheight()
    rows = math.ceil(len(handles) / ncols)
    band = rows * 0.2 + 0.1  # inches
    fig.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0.08 / width, (CREDIT_IN + 0.02) / height),
        ncols=ncols,
        fontsize=8.5,
        frameon=False,
        borderaxespad=0,
    )
    engine = fig.get_layout_engine()
    if isinstance(engine, ConstrainedLayoutEngine):
        bottom = (CREDIT_IN + band) / height
        engine.set(rect=(0, bottom, 1, 1 - bottom - header_in / height))


def _header(fig: Figure, title: str, subtitle: str, method: str, more: str = "") -> None:
    """Title (bold), subtitle (source, dates), method line and an optional fourth line,
    left-aligned at the top, at fixed distances in inches so that every chart reads the
    same (the fourth line needs a header of ``HEADER_IN + 0.2`` inches)."""
    height = fig.get_figheight()
    x = 0.12 / fig.get_figwidth()
    for offset, text, style in (
        (0.1, title, {"fontsize": 13, "fontweight": "bold", "color": palette.TEXT}),
        (0.42, subtitle, {"fontsize": 9.5, "color": palette.TEXT}),
        (0.63, method, {"fontsize": 8.5, "color": palette.CREDIT}),
        (0.83, more, {"fontsize": 8.5, "color": palette.CREDIT}),
    ):
        if text:
            fig.text(x, 1 - offset / height, text, ha="left", va="top", **style)  # type: ignore[arg-type]


def _credit(fig: Figure, credit: str) -> None:
    """The source credit in the bottom-right corner (in the strip ``_figure`` leaves);
    a second line (after a newline) goes below the first, in the same corner."""
    first, _sep, more = credit.strip().partition("\n")
    text = _credit_line(first)
    if more.strip():
        text = f"{text}\n{more.strip()}"
    fig.text(
        1 - 0.12 / fig.get_figwidth(),
        0.04 / fig.get_figheight(),
        text,
        ha="right",
        va="bottom",
        fontsize=8,
        color=palette.CREDIT,
        linespacing=1.3,
    )


def _credit_line(credit: str) -> str:
    """ "Source: <credit> · Chart: Vigil" (a credit that starts with "Source" or "Data"
    is shown as it is)."""
    text = credit.strip()
    if not text:
        return _("Chart: Vigil")
    if text.lower().startswith(("source", "data")):
        # Translators: %(credit)s is a data source's credit line, as given by its publisher.
        return _("%(credit)s · Chart: Vigil") % {"credit": text}
    # Translators: %(credit)s is a data source's credit line, as given by its publisher.
    return _("Source: %(credit)s · Chart: Vigil") % {"credit": text}


def _renderer(fig: Figure) -> RendererAgg:
    """The Agg renderer of ``fig`` (its canvas made Agg if it is not), to measure text."""
    canvas = fig.canvas
    if not isinstance(canvas, FigureCanvasAgg):
        canvas = FigureCanvasAgg(fig)
    return canvas.get_renderer()


def _text_in(fig: Figure, text: Text) -> Bbox:
    """A text's extent in inches (from the figure's lower left corner)."""
    return text.get_window_extent(_renderer(fig)).transformed(fig.dpi_scale_trans.inverted())


def _wrapper(
    fig: Figure, width_in: float, size: float, weight: str = "normal"
) -> Callable[[str], str]:
    """A function that wraps a text into lines no wider than ``width_in`` inches at
    ``size`` points, as the renderer measures them. Parts joined by " · " are kept
    whole where they fit (a part per line rather than a part split across two)."""
    probe = Text(0, 0, "", fontsize=size, fontweight=weight, figure=fig)

    def fits(line: str) -> bool:
        probe.set_text(line)
        return bool(_text_in(fig, probe).width <= width_in)

    def words(text: str) -> list[str]:
        lines: list[str] = []
        for word in text.split():
            if lines and fits(f"{lines[-1]} {word}"):
                lines[-1] = f"{lines[-1]} {word}"
            else:
                lines.append(word)
        return lines

    def wrap(text: str) -> str:
        lines: list[str] = []
        for part in (p.strip() for p in text.split(" · ")):
            if lines and fits(f"{lines[-1]} · {part}"):
                lines[-1] = f"{lines[-1]} · {part}"
            else:
                lines += words(part)
        return "\n".join(lines)

    return wrap


def _narrow_layout(
    fig: Figure,
    title: str,
    subtitle: str,
    method: str,
    handles: list[Artist],
    credit: str,
) -> None:
    """The header, legend and credit of a narrow chart, and its height: each text
    wrapped to the width, stacked top to bottom (header, the panels, the legend in rows
    of two, or of one where two do not fit, the credit), the figure made as tall as
    they need and the constrained layout told where the panels go."""
    width = fig.get_figwidth()
    margin = 0.12  # inches, left and right
    text_width = width - 2 * margin
    header: list[tuple[str, dict[str, object]]] = [
        (title, {"fontsize": 12, "fontweight": "bold", "color": palette.TEXT}),
        (subtitle, {"fontsize": 9.5, "color": palette.TEXT}),
        (method, {"fontsize": NARROW_MIN_PT, "color": palette.CREDIT}),
    ]
    texts: list[tuple[Text, float]] = []  # a text and its top, inches from the top
    top = 0.1
    for text, style in header:
        if not text:
            continue
        size, weight = float(style["fontsize"]), str(style.get("fontweight", "normal"))  # type: ignore[arg-type]
        wrapped = _wrapper(fig, text_width, size, weight)(text)
        t = fig.text(margin / width, 1, wrapped, ha="left", va="top", linespacing=1.25, **style)  # type: ignore[arg-type]
        texts.append((t, top))
        top += _text_in(fig, t).height + 0.07
    header_in = top + 0.05

    first, _sep, more = credit.strip().partition("\n")
    line = _credit_line(first)
    wrap = _wrapper(fig, text_width, NARROW_MIN_PT)
    credit_text = "\n".join(wrap(p) for p in (line, more.strip()) if p)
    foot = fig.text(
        margin / width,
        0,
        credit_text,
        ha="left",
        va="bottom",
        fontsize=NARROW_MIN_PT,
        color=palette.CREDIT,
        linespacing=1.25,
    )
    credit_in = _text_in(fig, foot).height + 0.12

    legend = None
    for ncols in (2, 1):
        if legend is not None:
            legend.remove()
        legend = fig.legend(
            handles=handles,
            loc="lower left",
            ncols=ncols,
            fontsize=NARROW_MIN_PT,
            frameon=False,
            borderaxespad=0,
            handlelength=1.6,
            columnspacing=1.0,
        )
        if _text_in(fig, legend).width <= text_width:  # type: ignore[arg-type]
            break
    assert legend is not None
    legend_in = _text_in(fig, legend).height + 0.15  # type: ignore[arg-type]

    height = header_in + NARROW_PLOT_IN + legend_in + credit_in
    fig.set_figheight(height)
    for t, offset in texts:
        t.set_y(1 - offset / height)
    foot.set_y(0.04 / height)
    legend.set_bbox_to_anchor((margin / width, credit_in / height), transform=fig.transFigure)
    engine = fig.get_layout_engine()
    if isinstance(engine, ConstrainedLayoutEngine):
        bottom = (credit_in + legend_in) / height
        right = 1 - margin / width  # the last bar and date clear of the edge
        engine.set(rect=(0, bottom, right, 1 - bottom - header_in / height))


def _save(fig: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    # The file's suffix chooses the format (PNG unless .svg or .pdf): the web site
    # offers every chart as vectors too. SVG keeps its text as text (editable, and
    # sharp at any size), with fixed ids and no date so the same chart is the same file.
    fmt = path.suffix.lower().lstrip(".")
    fmt = fmt if fmt in ("png", "svg", "pdf") else "png"
    metadata = {"Date": None} if fmt in ("svg", "pdf") else None
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "vigil"}):
        fig.savefig(path, format=fmt, facecolor="white", metadata=metadata)
    return path


def _freq_of(start: pd.Series, end: pd.Series) -> str:
    """What a series' rows are: the period (vigil.periods.Freq) that runs from each row's
    start to its end, or "period" when rows are of no one calendar length."""
    spans = {(_as_date(s), _as_date(e)) for s, e in zip(start, end, strict=True)}
    for freq in P.Freq:
        if all(s is not None and P.next_start(s, freq) == e for s, e in spans):
            return freq.value
    return "period"


# --------------------------------------------------------------------------- the brief
# The brief is built once as a list of blocks, then written as Markdown or HTML, so the
# two formats always say the same thing.


@dataclass(frozen=True)
class _Heading:
    text: str
    level: int = 2


@dataclass(frozen=True)
class _Para:
    text: str
    style: str = ""  # "" | "lead" (the headline sentence) | "note" (a warning) | "small"


@dataclass(frozen=True)
class _Bullets:
    items: list[str]


@dataclass(frozen=True)
class _Table:
    header: list[str]
    rows: list[list[str]]
    numeric: list[bool] = field(default_factory=list)
    label: str = "Table"  # what the table is, for the scroll box a screen reader names


@dataclass(frozen=True)
class _Image:
    path: Path
    alt: str


_CHART_ALT = {
    "weekly": "Weekly area gained and lost, km², with the controlled area in a panel below",
    "monthly": "Monthly area gained and lost, km², with the controlled area in a panel below",
    "map": (
        "Map of last week's change: gained in vermillion, lost in hatched blue, the area"
        " held before in grey, with the nearest places named"
    ),
}


def _chart_alt(key: str) -> str:
    """The text alternative of a brief's chart, in the active language."""
    if key == "weekly":
        return _("Weekly area gained and lost, km², with the controlled area in a panel below")
    if key == "monthly":
        return _("Monthly area gained and lost, km², with the controlled area in a panel below")
    if key == "map":
        return _(
            "Map of last week's change: gained in vermillion, lost in hatched blue, the area"
            " held before in grey, with the nearest places named"
        )
    return _CHART_ALT.get(key, key)


def brief_markdown(data: BriefData, charts: Mapping[str, Path]) -> str:
    """The brief as Markdown; charts are linked by the paths given (keep them relative)."""
    out: list[str] = []
    for block in _brief_blocks(data, charts):
        if isinstance(block, _Heading):
            out.append(f"{'#' * block.level} {_md(block.text)}")
        elif isinstance(block, _Para):
            text = _md(block.text)
            if block.style == "lead":
                text = f"**{text}**"
            elif block.style == "note":
                # Translators: the label of a warning in the brief ("Note: the latest …").
                text = f"> **{_md(_('Note:'))}** {text}"
            elif block.style == "small":
                text = f"*{text}*"
            out.append(text)
        elif isinstance(block, _Bullets):
            out.append("\n".join(f"- {_md(item)}" for item in block.items))
        elif isinstance(block, _Table):
            out.append(_md_table(block))
        elif isinstance(block, _Image):
            out.append(f"![{_md(block.alt)}]({Path(block.path).as_posix().replace(' ', '%20')})")
    return "\n\n".join(out) + "\n"


def brief_html(data: BriefData, charts: Mapping[str, Path]) -> str:
    """The brief as one self-contained HTML page: inline CSS, charts as base64 data URIs.

    Every piece of text is escaped, so a source name or credit cannot inject markup.
    """
    blocks = _brief_blocks(data, charts)
    title = next((b.text for b in blocks if isinstance(b, _Heading) and b.level == 1), _("Brief"))
    body: list[str] = []
    for block in blocks:
        if isinstance(block, _Heading):
            body.append(f"<h{block.level}>{_h(block.text)}</h{block.level}>")
        elif isinstance(block, _Para):
            cls = f' class="{block.style}"' if block.style else ""
            prefix = f"<strong>{_h(_('Note:'))}</strong> " if block.style == "note" else ""
            body.append(f"<p{cls}>{prefix}{_h(block.text)}</p>")
        elif isinstance(block, _Bullets):
            items = "".join(f"<li>{_h(item)}</li>" for item in block.items)
            body.append(f"<ul>{items}</ul>")
        elif isinstance(block, _Table):
            body.append(_html_table(block))
        elif isinstance(block, _Image):
            png = base64.b64encode(Path(block.path).read_bytes()).decode("ascii")
            body.append(
                f'<figure><img src="data:image/png;base64,{png}" alt="{_h(block.alt)}">'
                f"<figcaption>{_h(block.alt)}</figcaption></figure>"
            )
    return (
        f'<!DOCTYPE html>\n<html lang="{_h(i18n.active())}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_h(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )


def write_brief(
    data: BriefData,
    path: str | os.PathLike[str],
    *,
    chart_dir: str | os.PathLike[str] | None = None,
    dpi: int = 150,
) -> Path:
    """Draw the brief's charts and write the brief: Markdown for .md, HTML for .html/.htm.

    Charts go to ``chart_dir`` (default: the brief's folder) as ``<stem>-weekly.png``,
    ``<stem>-monthly.png`` and ``<stem>-week-map.png``; the map is drawn only when
    ``data.extra["week_before_geometry"]`` holds the controlled geometry at the start
    of last week, with place names and oblast lines when ``data.extra["week_map_places"]``
    holds a :class:`MapPlaces`. Markdown links the charts by relative path; HTML embeds
    them.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".md", ".html", ".htm"):
        # Translators: %(path)s is a file name.
        raise InputError(_("%(path)s: expected a .md or .html file name") % {"path": path})
    folder = Path(chart_dir) if chart_dir is not None else path.parent
    folder.mkdir(parents=True, exist_ok=True)
    stem = path.stem
    charts: dict[str, Path] = {}
    name = brief_source_name(data)
    for key in ("weekly", "monthly"):
        frame = getattr(data, key)
        if frame is not None and len(frame):
            charts[key] = chart_series(
                frame, folder / f"{stem}-{key}.png", credit=data.credit, dpi=dpi, source=name
            )
    before = data.extra.get("week_before_geometry")
    places = data.extra.get("week_map_places")
    if isinstance(before, BaseGeometry):
        charts["map"] = chart_change_map(
            data.last_week,
            before,
            folder / f"{stem}-week-map.png",
            credit=data.credit,
            dpi=dpi,
            places=places if isinstance(places, MapPlaces) else None,
            source=name,
        )
    if suffix == ".md":
        base = path.parent.resolve()
        rel = {k: _relative(p, base) for k, p in charts.items()}
        text = brief_markdown(data, rel)
    else:
        text = brief_html(data, charts)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _relative(path: Path, base: Path) -> Path:
    """``path`` relative to ``base`` when possible (not across Windows drives)."""
    try:
        return Path(os.path.relpath(path.resolve(), base))
    except ValueError:
        return path.resolve()


def brief_source_name(data: BriefData) -> str:
    """The brief's source as readers know it (:func:`source_name`: "DeepStateMap")."""
    return source_name(data.source, data.credit)


def brief_title(data: BriefData) -> str:
    """The brief's title for readers: "Russian-controlled territory in Ukraine, week of
    24–30 August 2026 (DeepStateMap)", the source by the name readers know, never the
    store's id. The days are those whose changes the week holds (from the map of the
    day before the first to the map of the last); a span that is not a whole week (the
    data begin inside it) is given without "week of"."""
    week = data.last_week
    first, last = week.date_from + _DAY, week.date_to
    span = day_span(first, last) if last >= first else human_date(last)
    fill = {"days": span, "source": brief_source_name(data)}
    if (last - first).days == 6:
        # Translators: the brief's title; %(days)s is e.g. "24–30 August 2026", %(source)s
        # the data source's name.
        return _("Russian-controlled territory in Ukraine, week of %(days)s (%(source)s)") % fill
    return _("Russian-controlled territory in Ukraine, %(days)s (%(source)s)") % fill


def _brief_blocks(data: BriefData, charts: Mapping[str, Path]) -> list[object]:
    week = data.last_week
    name = brief_source_name(data)
    blocks: list[object] = [
        _Heading(brief_title(data), 1),
        _Para(
            # Translators: %(date)s, %(first)s and %(last)s are ISO dates, %(source)s a
            # data source's name.
            _("Vigil brief, %(date)s. Data: %(source)s snapshots from %(first)s to %(last)s.")
            % {
                "date": fmt_date(data.as_of),
                "source": name,
                "first": fmt_date(data.data_first),
                "last": fmt_date(data.data_last),
            },
            "small",
        ),
        _Para(_headline(week, name), "lead"),
    ]
    blocks += [_Para(note, "note") for note in _gap_notes(week, data)]
    record = _record_text(data.week_record, "week", data)
    if record:
        blocks.append(_Para(record))

    # the year to date runs from the map of 31 December; data that begin later in the
    # year give a shorter span, which must not be called the year to date
    whole_year = data.year_to_date.date_from <= dt.date(data.as_of.year - 1, 12, 31)
    if whole_year:
        blocks.append(_Heading(_("Last month and year to date")))
        # Translators: %(first)s and %(last)s are ISO dates.
        span_label = _("Year to date (%(first)s to %(last)s)")
    else:
        blocks.append(_Heading(_("Last month and since the data begin")))
        # Translators: %(first)s and %(last)s are ISO dates.
        span_label = _("Since the data begin (%(first)s to %(last)s)")
    ytd = data.year_to_date
    span_label %= {"first": fmt_date(ytd.date_from), "last": fmt_date(ytd.date_to)}
    month_label = _month_label(data.last_month)
    items = [
        _change_line(month_label, data.last_month),
        _change_line(span_label, data.year_to_date),
    ]
    blocks.append(_Bullets(items))
    blocks += [
        _Para(n, "note")
        for c in (data.last_month, data.year_to_date)
        if c.gap
        for n in _change_gap_notes(c)
    ]
    record = _record_text(data.month_record, "month", data)
    if record:
        blocks.append(_Para(record))

    blocks.append(_Heading(_("Controlled area")))
    blocks.append(_Para(_area_text(data)))

    regions = data.extra.get("regions_week")
    where = _regions_table(regions if isinstance(regions, pd.DataFrame) else None)
    if where is not None:
        blocks += [_Heading(_("Where, last week")), where]
        blocks.append(
            _Para(_("Areas in km², by oblast (OpenStreetMap boundaries, land only)."), "small")
        )

    largest = _largest_changes(data.extra.get("week_map_places"))
    if largest:
        blocks += [_Heading(_("Largest changes, last week")), _Bullets(largest)]

    places = data.extra.get("settlements_week")
    if isinstance(places, pd.DataFrame):
        coverage = data.extra.get("settlements_coverage")
        blocks += _settlement_blocks(places, coverage if isinstance(coverage, list) else [])

    table = _weeks_table(data.weekly, 12)
    if table is not None:
        weeks = len(table.rows)
        blocks += [
            _Heading(ngettext("Last %(n)d week", "Last %(n)d weeks", weeks) % {"n": weeks}),
            table,
        ]
        blocks.append(
            _Para(
                _(
                    "Areas in km². Each week runs from the map of the Sunday before it to the"
                    " map of its Sunday; a gap means a snapshot older than the date it stands"
                    " for."
                ),
                "small",
            )
        )

    if charts:
        blocks.append(_Heading(_("Charts")))
        order = [k for k in ("weekly", "monthly", "map") if k in charts]
        order += [k for k in charts if k not in order]
        blocks += [_Image(Path(charts[k]), _chart_alt(k)) for k in order]

    blocks += [_Heading(_("Method")), _Bullets(_method_items(data))]
    # Translators: %(credit)s is the data source's credit line, as its publisher gives it.
    source_line = (
        _("Data: %(credit)s") % {"credit": data.credit}
        if data.credit
        # Translators: %(source)s is the data source's name.
        else _("Data: %(source)s.") % {"source": name}
    )
    blocks += [
        _Heading(_("Source")),
        _Para(source_line),
        _Para(
            # Translators: %(source)s is the source's identifier in Vigil's store.
            _(
                "Figures computed with Vigil, an open-source territory monitor (source"
                " %(source)s in its store)."
            )
            % {"source": data.source},
            "small",
        ),
    ]
    return blocks


def _headline(week: Change, source: str) -> str:
    # Translators: the brief's headline; %(first)s, %(last)s, %(snap_first)s and
    # %(snap_last)s are ISO dates, %(net)s, %(gained)s and %(lost)s figures in km²,
    # %(source)s the data source's name.
    return _(
        "From %(first)s to %(last)s, the Russian-controlled area changed by a net %(net)s:"
        " %(gained)s gained and %(lost)s lost, according to %(source)s snapshots of"
        " %(snap_first)s and %(snap_last)s."
    ) % {
        "first": fmt_date(week.date_from),
        "last": fmt_date(week.date_to),
        "net": fmt_km2(week.net_km2, signed=True),
        "gained": fmt_km2(week.gained_km2),
        "lost": fmt_km2(week.lost_km2),
        "source": source,
        "snap_first": fmt_date(week.snapshot_from),
        "snap_last": fmt_date(week.snapshot_to),
    }


def _gap_notes(week: Change, data: BriefData) -> list[str]:
    notes = _change_gap_notes(week)
    if data.data_last < data.as_of and week.snapshot_to >= week.date_to:
        days = (data.as_of - data.data_last).days
        # Translators: a note; %(last)s and %(date)s are ISO dates.
        notes.append(
            ngettext(
                "the data end on %(last)s, %(n)d day before %(date)s.",
                "the data end on %(last)s, %(n)d days before %(date)s.",
                days,
            )
            % {"last": fmt_date(data.data_last), "n": days, "date": fmt_date(data.as_of)}
        )
    return notes


def _change_gap_notes(change: Change) -> list[str]:
    notes = []
    if change.snapshot_to < change.date_to:
        days = (change.date_to - change.snapshot_to).days
        # Translators: a note; %(snapshot)s and %(date)s are ISO dates.
        notes.append(
            ngettext(
                "the latest snapshot is from %(snapshot)s, %(n)d day before the date asked"
                " (%(date)s).",
                "the latest snapshot is from %(snapshot)s, %(n)d days before the date asked"
                " (%(date)s).",
                days,
            )
            % {
                "snapshot": fmt_date(change.snapshot_to),
                "n": days,
                "date": fmt_date(change.date_to),
            }
        )
    if change.snapshot_from < change.date_from:
        days = (change.date_from - change.snapshot_from).days
        # Translators: a note; %(date)s and %(snapshot)s are ISO dates.
        notes.append(
            ngettext(
                "the snapshot used for %(date)s is from %(snapshot)s, %(n)d day earlier.",
                "the snapshot used for %(date)s is from %(snapshot)s, %(n)d days earlier.",
                days,
            )
            % {
                "date": fmt_date(change.date_from),
                "snapshot": fmt_date(change.snapshot_from),
                "n": days,
            }
        )
    return notes


def _record_text(row: pd.Series | None, unit: str, data: BriefData) -> str:
    if row is None or len(row) == 0 or "value" not in row:
        return ""
    metric = str(data.extra.get("record_metric", "gained"))
    # the first period of data is estimated from the row, as the CLI does: the first
    # map (data_first) is the state when that period begins, not its first day
    return records_sentence(row, metric, unit)


LARGEST_SHOWN = 5  # fragments the brief names, largest first


def _largest_changes(places: object) -> list[str]:
    """The largest fragments of last week in the words the CLI, the API and the web map
    use (``description``, :func:`vigil.territory.locate.describe`), largest first, and
    what the rest add up to."""
    frags = getattr(places, "fragments", None)
    if not isinstance(frags, pd.DataFrame) or frags.empty or "description" not in frags:
        return []
    frags = frags.sort_values("area_km2", ascending=False, kind="stable")
    lines = [str(d) for d in frags["description"].head(LARGEST_SHOWN)]
    rest = frags.iloc[LARGEST_SHOWN:]
    if len(rest):
        # Translators: the last line of a list of fragments; %(area)s is a figure in km².
        lines.append(
            ngettext(
                "and %(n)d smaller fragment, %(area)s in all",
                "and %(n)d smaller fragments, %(area)s in all",
                len(rest),
            )
            % {"n": len(rest), "area": fmt_km2(float(rest["area_km2"].sum()))}
        )
    return lines


def _change_line(label: str, c: Change) -> str:
    # Translators: %(period)s is e.g. "September 2024, 2024-08-31 to 2024-09-30",
    # %(gained)s, %(lost)s and %(net)s figures in km², %(first)s and %(last)s ISO dates.
    return _(
        "%(period)s: %(gained)s gained, %(lost)s lost, net %(net)s (snapshots of %(first)s"
        " and %(last)s)"
    ) % {
        "period": label,
        "gained": fmt_km2(c.gained_km2),
        "lost": fmt_km2(c.lost_km2),
        "net": fmt_km2(c.net_km2, signed=True),
        "first": fmt_date(c.snapshot_from),
        "last": fmt_date(c.snapshot_to),
    }


def _month_label(c: Change) -> str:
    """'September 2024, …' when the change is a calendar month: the maps of the day
    before its 1st to its last day (vigil.territory.series)."""
    a, b = c.date_from + _DAY, c.date_to + _DAY
    whole = a == P.floor(a, P.Freq.MONTH) and b == P.next_start(a, P.Freq.MONTH)
    fill = {"first": fmt_date(c.date_from), "last": fmt_date(c.date_to)}
    if whole:
        fill["month"] = _month_year(a)
        # Translators: %(month)s is e.g. "September 2024", %(first)s and %(last)s ISO dates.
        return _("%(month)s, %(first)s to %(last)s") % fill
    # Translators: %(first)s and %(last)s are ISO dates.
    return _("Last month, %(first)s to %(last)s") % fill


def _area_text(data: BriefData) -> str:
    a = data.area
    # Translators: %(date)s and %(snapshot)s are ISO dates, %(area)s a figure in km².
    sentences = [
        _("On %(date)s, %(area)s was under Russian control (snapshot of %(snapshot)s).")
        % {
            "date": fmt_date(a.date),
            "area": fmt_km2(a.controlled_km2),
            "snapshot": fmt_date(a.snapshot_date),
        }
    ]
    if a.gap:
        days = (a.date - a.snapshot_date).days
        sentences.append(
            ngettext(
                "The snapshot is %(n)d day older than the date asked.",
                "The snapshot is %(n)d days older than the date asked.",
                days,
            )
            % {"n": days}
        )
    if a.grey_km2 is not None:
        if a.with_grey:
            # Translators: %(grey)s and %(total)s are figures in km².
            sentences.append(
                _(
                    "A further %(grey)s is of unknown status (the grey zone); with it, the"
                    " figure is %(total)s."
                )
                % {"grey": fmt_km2(a.grey_km2), "total": fmt_km2(a.area_km2)}
            )
        else:
            # Translators: %(grey)s is a figure in km².
            sentences.append(
                _("A further %(grey)s is of unknown status (the grey zone) and is not included.")
                % {"grey": fmt_km2(a.grey_km2)}
            )
    return " ".join(sentences)


def settlement_status(status: object) -> str:
    """A settlement's status (``controlled``, ``free``, ``grey``, ``unlocated``) for
    readers: the stored word in English, its translation otherwise."""
    labels = {
        "controlled": pgettext("settlement status", "controlled"),
        "free": pgettext("settlement status", "free"),
        "grey": pgettext("settlement status", "grey"),
        "unlocated": pgettext("settlement status", "unlocated"),
    }
    return labels.get(str(status), str(status))


def _settlement_blocks(changed: pd.DataFrame, coverage: list[str]) -> list[object]:
    """Settlements whose status changed last week, with the gazetteer's coverage."""
    from vigil.territory import placenames

    blocks: list[object] = [_Heading(_("Settlements that changed hands, last week"))]
    if len(changed):
        n = len(changed)
        blocks.append(
            _Para(
                ngettext(
                    "%(n)d settlement changed hands last week.",
                    "%(n)d settlements changed hands last week.",
                    n,
                )
                % {"n": n}
            )
        )
        rows = [
            [
                placenames.settlement_name(r.to_dict())
                or str(r.get("name_en") or r.get("name_uk")),
                str(r.get("name_uk") or ""),
                str(r.get("oblast") or ""),
                f"{settlement_status(r['from_status'])} → {settlement_status(r['to_status'])}",
                fmt_date(r["since"]),
            ]
            for _i, r in changed.iterrows()
        ]
        blocks.append(
            _Table(
                [_("Settlement"), _("Name (uk)"), _("Oblast"), _("Status"), _("Since")],
                rows,
                label=_("Settlements that changed hands"),
            )
        )
    else:
        blocks.append(_Para(_("No located settlement changed status.")))
    if coverage:
        # Translators: %(coverage)s is a list of sentences on each oblast's gazetteer,
        # joined by "; ".
        text = _(
            "Only settlements with their own coordinates are read from the map: %(coverage)s."
        ) % {"coverage": "; ".join(coverage)}
        blocks.append(_Para(text, "small"))
    return blocks


def _regions_table(frame: pd.DataFrame | None) -> _Table | None:
    """Gained, lost and net per region (rows of vigil.territory.regions.region_change)."""
    if frame is None or len(frame) == 0:
        return None
    from vigil.territory import placenames

    rows = [
        [
            placenames.region_name(r.to_dict()) or str(r.get("code")),
            fmt_number(r["gained_km2"]),
            fmt_number(r["lost_km2"]),
            fmt_number(r["net_km2"], signed=True),
        ]
        for _i, r in frame.iterrows()
    ]
    return _Table(
        [_("Region"), _("Gained"), _("Lost"), _("Net")],
        rows,
        [False, True, True, True],
        _("Change by oblast"),
    )


def _weeks_table(weekly: pd.DataFrame | None, n: int) -> _Table | None:
    if weekly is None or len(weekly) == 0:
        return None
    rows = []
    for _i, r in weekly.tail(n).iterrows():
        notes = []
        if _present(r.get("gap")) and bool(r.get("gap")):
            # Translators: a table cell: the week's snapshot is older than its date.
            notes.append(pgettext("brief table note", "gap"))
        if _present(r.get("complete")) and not bool(r.get("complete")):
            # Translators: a table cell: the data end before the week does.
            notes.append(pgettext("brief table note", "incomplete"))
        rows.append(
            [
                # Translators: a table cell; %(first)s and %(last)s are ISO dates.
                _("%(first)s to %(last)s")
                % {"first": fmt_date(r["period_start"]), "last": fmt_date(r["period_end"])},
                f"{fmt_date(r['snapshot_start'])}, {fmt_date(r['snapshot_end'])}",
                fmt_number(r["gained_km2"]),
                fmt_number(r["lost_km2"]),
                fmt_number(r["net_km2"], signed=True),
                fmt_number(r["area_km2"]),
                pgettext("list separator", ", ").join(notes),
            ]
        )
    header = [
        _("Week"),
        _("Snapshots used"),
        _("Gained"),
        _("Lost"),
        _("Net"),
        # Translators: a table header: the area controlled at the week's end, in km².
        pgettext("area", "Controlled"),
        _("Note"),
    ]
    numeric = [False, False, True, True, True, True, False]
    return _Table(header, rows, numeric, _("Week by week"))


def _method_items(data: BriefData) -> list[str]:
    wd = 0
    if data.weekly is not None and len(data.weekly):
        first = _as_date(data.weekly["period_start"].iloc[0])
        if first is not None:
            wd = first.weekday()
    weekday, eve = WEEKDAYS[wd], WEEKDAYS[(wd - 1) % 7]
    items = [
        _(
            "Areas are geodesic, on the WGS84 ellipsoid (pyproj.Geod), in km²; never a planar"
            " area in a map projection."
        ),
        _(
            "Controlled area: the union of the source's Russian-controlled layers; the grey"
            " zone of unknown status is reported separately."
        ),
        _(
            "Change between snapshots A and B: gained = area(B \\ A), lost = area(A \\ B),"
            " net = area(B) − area(A). It is computed from the two snapshots, never by summing"
            " daily changes, so advances and withdrawals in between cancel out."
        ),
        # Translators: %(first)s and %(last)s are weekday names (the week's first and last
        # day).
        _(
            "A week runs %(first)s to %(last)s: from the map of the %(last)s before it to the"
            " map of its %(last)s. A month runs from the map of the last day before it to the"
            " map of its last day; the year to date from the map of 31 December."
        )
        % {"first": weekday, "last": eve},
        _(
            "The snapshot for a date is the latest one on or before it; a snapshot older than"
            " its date is flagged as a gap."
        ),
        _(
            "Rankings compare a period with the periods that start in the twelve months before"
            " it; where the data cover less than a year, the number of periods compared is"
            " given."
        ),
    ]
    c = data.last_week
    if c.filtered:
        size = c.min_fragment_km2 is not None
        width = c.min_width_km is not None
        fill = {
            "size": f"{c.min_fragment_km2:g}" if size else "",
            "width": f"{c.min_width_km:g}" if width else "",
            "gained": fmt_km2(c.gained_filtered_km2),
            "lost": fmt_km2(c.lost_filtered_km2),
        }
        if not _english():
            if c.min_fragment_km2 is not None:
                fill["size"] = i18n.number(c.min_fragment_km2, _decimals(c.min_fragment_km2))
            if c.min_width_km is not None:
                fill["width"] = i18n.number(c.min_width_km, _decimals(c.min_width_km))
        # Translators: %(size)s is a number of km², %(width)s a number of km, %(gained)s
        # and %(lost)s figures in km².
        if size and width:
            text = _(
                "Figures are raw. With the sliver filter (fragments smaller than %(size)s km²"
                " or narrower than %(width)s km dropped), last week's figures are %(gained)s"
                " gained and %(lost)s lost."
            )
        elif size:
            text = _(
                "Figures are raw. With the sliver filter (fragments smaller than %(size)s km²"
                " dropped), last week's figures are %(gained)s gained and %(lost)s lost."
            )
        elif width:
            text = _(
                "Figures are raw. With the sliver filter (fragments narrower than %(width)s km"
                " dropped), last week's figures are %(gained)s gained and %(lost)s lost."
            )
        else:
            text = _(
                "Figures are raw. With the sliver filter (fragments  dropped), last week's"
                " figures are %(gained)s gained and %(lost)s lost."
            )
        items.append(text % fill)
    else:
        items.append(
            _(
                "Figures are raw: every fragment of gain or loss counts, including the slivers"
                " left when a line is redrawn (no sliver filter)."
            )
        )
    return items


def _decimals(x: float) -> int:
    """The decimals ``format(x, "g")`` shows (0.05 → 2)."""
    return len(f"{x:g}".partition(".")[2])


def _md(text: str, cell: bool = False) -> str:
    """Escape the Markdown syntax plain text could trigger (links, emphasis, raw HTML).

    Kept minimal so the raw Markdown still reads well: a backslash is doubled only
    before punctuation (where it would escape it), ``#`` only at the start, and ``|``
    only in table cells.
    """
    out = re.sub(r"\\(?=[!-/:-@\[-`{-~])", r"\\\\", text)
    out = re.sub(r"([`*_\[\]<>])", r"\\\1", out)
    if cell:
        out = out.replace("|", "\\|")
    if out.startswith("#"):
        out = "\\" + out
    return out


def _md_table(t: _Table) -> str:
    numeric = t.numeric or [False] * len(t.header)
    lines = [
        "| " + " | ".join(_md(h, cell=True) for h in t.header) + " |",
        "| " + " | ".join("---:" if n else "---" for n in numeric) + " |",
    ]
    lines += ["| " + " | ".join(_md(c, cell=True) for c in row) + " |" for row in t.rows]
    return "\n".join(lines)


def _h(text: str) -> str:
    return html.escape(str(text), quote=True)


def _html_table(t: _Table) -> str:
    numeric = t.numeric or [False] * len(t.header)

    def cells(row: Iterable[str], tag: str) -> str:
        return "".join(
            f'<{tag} class="num">{_h(c)}</{tag}>' if n else f"<{tag}>{_h(c)}</{tag}>"
            for c, n in zip(row, numeric, strict=False)
        )

    body = "".join(f"<tr>{cells(r, 'td')}</tr>" for r in t.rows)
    table = f"<table><thead><tr>{cells(t.header, 'th')}</tr></thead><tbody>{body}</tbody></table>"
    # a box that scrolls sideways on a phone, the table inside keeping its semantics;
    # focusable so that a keyboard can scroll it (axe-core: scrollable-region-focusable)
    return (
        f'<div class="table-scroll" tabindex="0" role="region" aria-label="{_h(t.label)}">'
        f"{table}</div>"
    )


_CSS = """
body{margin:0;background:#fafafa;color:#1a1a1a;
font:16px/1.5 -apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:52rem;margin:0 auto;padding:1.5rem;background:#fff}
h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0}
h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
p.lead{font-size:1.15rem;font-weight:600}
p.note{background:#fff4e5;border-left:4px solid #e08a00;padding:.5rem .75rem}
p.small{font-size:.85rem;color:#555}
table{border-collapse:collapse;width:100%;font-size:.85rem;font-variant-numeric:tabular-nums}
.table-scroll{overflow-x:auto;max-width:100%}
th,td{padding:.3rem .45rem;border-bottom:1px solid #e5e5e5;text-align:left;vertical-align:top}
th{background:#f3f3f3}
.num{text-align:right;white-space:nowrap}
figure{margin:1.25rem 0}
img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.85rem;color:#555}
"""


# --------------------------------------------------------------------------- helpers


def _present(v: object) -> bool:
    if v is None:
        return False
    try:
        # pd.isna takes any object at runtime; its stubs list only typed overloads
        return not bool(pd.isna(v))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return True


class _Real(SupportsFloat, SupportsInt, Protocol):
    """A number float() and int() both take: Python, numpy and decimal numbers."""


def _is_number(v: object) -> TypeGuard[_Real]:
    """True for a finite number (not a bool, None or NaN)."""
    if v is None or isinstance(v, bool):
        return False
    try:
        # any object is tried: what float() refuses is not a number (caught below)
        return math.isfinite(float(v))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _as_int(v: object) -> int | None:
    return int(v) if _is_number(v) else None


def _as_date(v: object) -> dt.date | None:
    if not _present(v):
        return None
    if isinstance(v, pd.Timestamp | dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, np.datetime64 | str):
        return pd.Timestamp(v).date()
    raise TypeError(f"not a date: {v!r}")


def _bool_column(df: pd.DataFrame, name: str, default: bool) -> np.ndarray:
    if name not in df:
        return np.full(len(df), default)
    return np.array([bool(v) if _present(v) else default for v in df[name]], dtype=bool)


def _days(delta: dt.timedelta) -> str:
    return f"{delta.days} day{'s' if delta.days != 1 else ''}"


def _freq_unit(freq: str) -> str:
    """The period a caller names (``week``, ``weekly``, ``W``, ``monthly``, ``MS`` …):
    one of vigil.periods.Freq's values. Only the word is read here; the periods'
    boundaries are vigil.periods' alone."""
    f = str(freq).strip().lower()
    if f in ("d", "day", "daily", "days"):
        return P.Freq.DAY.value
    if f.startswith("w"):
        return P.Freq.WEEK.value
    if f.startswith("m"):
        return P.Freq.MONTH.value
    if f.startswith(("y", "a")):
        return P.Freq.YEAR.value
    raise ValueError(f"unknown frequency {freq!r}: expected week or month")


def _metric_kind(metric: str) -> str:
    m = str(metric).lower().removesuffix("_km2").removesuffix("_filtered")
    m = m.removesuffix("_km2")
    return {"gain": "gained", "loss": "lost", "net_change": "net"}.get(m, m)


def _period_phrase(d: dt.date | None, unit: str) -> str:
    """A period for a sentence: "the week of 2024-10-21", "September 2024", "2024"."""
    if d is None:
        unknown = {
            "day": _("an unknown day"),
            "week": _("an unknown week"),
            "month": _("an unknown month"),
            "year": _("an unknown year"),
        }
        return unknown.get(unit, _("an unknown period"))
    if unit == "month":
        return _month_year(d)
    if unit == "year":
        return str(d.year)
    if unit == "day":
        return fmt_date(d)
    # Translators: %(date)s is the ISO date of the week's first day.
    return _("the week of %(date)s") % {"date": fmt_date(d)}


def _month_year(d: dt.date) -> str:
    """ "September 2024" (:func:`vigil.i18n.month_year` in another language)."""
    if _english():
        return f"{_MONTHS_EN[d.month - 1]} {d.year}"
    return i18n.month_year(d)


def _estimate_first(start: dt.date | None, unit: str, n: int | None) -> dt.date | None:
    """First period start of the data, from the count of periods up to ``start``."""
    if start is None or n is None:
        return None
    return period_start_before(start, P.Freq(unit), n - 1)
