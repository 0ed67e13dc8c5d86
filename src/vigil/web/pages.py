"""What the pages show, computed from the territory library: the checked query of a
page (its permalink state), series and records, charts drawn by
:mod:`vigil.territory.render` and the brief of :mod:`vigil.territory.brief`.

Everything costly is cached (Django's cache) under the store's content version
(:func:`vigil.web.territory.version`), so a new ingest is seen at once and a repeated
request costs a cache read. ``VIGIL_WEB_CACHE=0`` turns the cache off, as for the API.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

import pandas as pd

from vigil import i18n
from vigil import periods as P
from vigil.dates import parse_date
from vigil.errors import InputError, NoDataError, VigilError
from vigil.i18n import gettext as _
from vigil.i18n import gettext_lazy, ngettext, pgettext, pgettext_lazy
from vigil.output import jsonable
from vigil.territory import render
from vigil.territory import series as S
from vigil.territory.api import Territory
from vigil.territory.brief import map_places
from vigil.web import cache as web_cache
from vigil.web import territory
from vigil.web.render import table_csv

T = TypeVar("T")

LAYERS = ("regions", "settlements")  # the map's optional layers, in the order drawn
DEFAULT_LAYERS = ("regions",)
ZOOMS = (3, 18)  # Leaflet zoom levels a permalink may ask for
TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")
# Charts: a name in a URL and the series frequency it draws ("series" takes ?freq=).
CHARTS = {"weekly": "week", "monthly": "month", "series": None, "change": None}
DATA = {"weekly": "week", "monthly": "month", "series": None}
FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
WEEKS_SHOWN = 52  # the weekly chart's default span: the last year
DAILY_LIMIT_DAYS = 366  # a daily series longer than this is refused (one overlay a day)

# A query parameter a page or chart cannot use is an InputError whose ``param`` is the
# page's own parameter name ("from", "as_of"); ``str(error)`` starts with that name.


@dataclass(frozen=True)
class Problem:
    """A rejected query parameter, shown on the page (the page falls back to defaults)."""

    parameter: str
    message: str

    @classmethod
    def of(cls, exc: VigilError) -> Problem:
        """The problem an error states (``parameter`` empty when it names none)."""
        return cls(exc.param or "", " ".join(str(exc).split()))


# -- query parameters --------------------------------------------------------------------
def date_in_data(value: str, parameter: str, first: dt.date, last: dt.date) -> dt.date:
    """An ISO date (:func:`vigil.dates.parse_date`) within the store's data [first, last]."""
    day = parse_date(value, parameter)
    if not first <= day <= last:
        raise InputError(
            # Translators: ISO dates (2024-11-18).
            _("%(day)s is outside the data, which run from %(first)s to %(last)s")
            % {"day": day, "first": first, "last": last},
            param=parameter,
        )
    return day


def parse_bool(value: str, parameter: str) -> bool:
    key = value.strip().lower()
    if key in TRUE:
        return True
    if key in FALSE:
        return False
    raise InputError(
        _("expected true or false, got %(value)s") % {"value": repr(value)}, param=parameter
    )


def parse_layers(value: str) -> tuple[str, ...]:
    names = [n.strip().lower() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in LAYERS]
    if unknown:
        raise InputError(
            _("expected a comma-separated list of %(names)s, got %(got)s")
            % {"names": ", ".join(LAYERS), "got": ", ".join(map(repr, unknown))},
            param="layers",
        )
    return tuple(n for n in LAYERS if n in names)


def parse_number(value: str, parameter: str, low: float, high: float) -> float:
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not low <= number <= high:  # also false for NaN
        raise InputError(
            _("expected a number from %(low)s to %(high)s, got %(value)s")
            % {"low": f"{low:g}", "high": f"{high:g}", "value": repr(value)},
            param=parameter,
        )
    return number


@dataclass(frozen=True)
class MapState:
    """The map page's view, as its permalink gives it: the date shown; the change
    between ``date_from`` and ``date_to`` when both are set (the change view); the grey
    zone; optional layers; zoom and centre (None: fit Ukraine)."""

    date: dt.date
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    grey: bool = False
    layers: tuple[str, ...] = DEFAULT_LAYERS
    zoom: int | None = None
    lat: float | None = None
    lon: float | None = None

    @property
    def mode(self) -> str:
        return "change" if self.date_from and self.date_to else "area"

    def as_json(self) -> dict[str, Any]:
        out = jsonable(asdict(self))
        out["from"], out["to"] = out.pop("date_from"), out.pop("date_to")
        out["layers"] = list(self.layers)
        out["mode"] = self.mode
        return out


def map_state(
    query: Mapping[str, str], dates: list[dt.date], has_grey: bool
) -> tuple[MapState, list[Problem]]:
    """The map's state from a query string, and the parameters rejected (each falls back
    to its default, so a mangled permalink still shows a map)."""
    first, last = dates[0], dates[-1]
    problems: list[Problem] = []
    values: dict[str, Any] = {}

    def take(name: str, parse: Callable[[str], Any]) -> None:
        if name in query:
            try:
                values[name] = parse(query[name])
            except InputError as exc:
                problems.append(Problem.of(exc))

    take("date", lambda v: date_in_data(v, "date", first, last))
    take("from", lambda v: date_in_data(v, "from", first, last))
    take("to", lambda v: date_in_data(v, "to", first, last))
    take("grey", lambda v: parse_bool(v, "grey"))
    take("layers", parse_layers)
    take("zoom", lambda v: int(parse_number(v, "zoom", *ZOOMS)))
    take("lat", lambda v: parse_number(v, "lat", -85, 85))
    take("lon", lambda v: parse_number(v, "lon", -180, 180))

    a, b = values.get("from"), values.get("to")
    if (a is None) != (b is None) and not any(p.parameter in ("from", "to") for p in problems):
        missing = "to" if b is None else "from"
        problems.append(Problem(missing, _("from and to go together: give both, or neither")))
    if a is not None and b is not None and b < a:
        problems.append(Problem("to", "to: " + before_from(b, a)))
        a = b = None
    if a is None or b is None:
        a = b = None
    if values.get("grey") and not has_grey:
        problems.append(Problem("grey", "grey: " + _("this source has no grey-zone layer")))
        values["grey"] = False
    lat, lon = values.get("lat"), values.get("lon")
    if (lat is None) != (lon is None):
        problems.append(Problem("lat" if lat is None else "lon", _("lat and lon go together")))
        lat = lon = None
    state = MapState(
        date=values.get("date", b or last),
        date_from=a,
        date_to=b,
        grey=values.get("grey", False),
        layers=values.get("layers", DEFAULT_LAYERS),
        zoom=values.get("zoom"),
        lat=lat,
        lon=lon,
    )
    return state, problems


def before_from(day: dt.date, start: dt.date) -> str:
    """``2024-01-01 is before from (2024-02-01)``: a ``to`` earlier than ``from``."""
    # Translators: "from" is the name of a query parameter; both values are ISO dates.
    return _("%(day)s is before from (%(start)s)") % {"day": day, "start": start}


@dataclass(frozen=True)
class Span:
    """A date range asked for (None: the default end)."""

    start: dt.date | None = None
    end: dt.date | None = None

    def query(self) -> str:
        """As a query string: ``from=…&to=…`` (empty for the defaults)."""
        out = {}
        if self.start:
            out["from"] = self.start.isoformat()
        if self.end:
            out["to"] = self.end.isoformat()
        return urlencode(out)


def span(query: Mapping[str, str], first: dt.date, last: dt.date) -> Span:
    """``from``/``to`` of a query, checked (InputError on the first bad one)."""
    start = date_in_data(query["from"], "from", first, last) if query.get("from") else None
    end = date_in_data(query["to"], "to", first, last) if query.get("to") else None
    if start and end and end <= start:
        raise InputError(
            # Translators: "from" is the name of a query parameter; both values are ISO dates.
            _("%(end)s must be after from (%(start)s)") % {"end": end, "start": start},
            param="to",
        )
    return Span(start, end)


def parse_freq(value: str | None) -> str:
    """A frequency (day, week, month, year) by the one period engine."""
    return P.freq(value if value is not None else "").value


# -- the cache ---------------------------------------------------------------------------
def cached(parts: tuple[object, ...], compute: Callable[[], T]) -> T:
    """``compute()``, cached under the store's content version and ``parts``."""
    key = (territory.version().tag, i18n.active(), *parts)  # the text is in one language
    return web_cache.memo(web_cache.key("page", key), compute)


def etag(parts: tuple[object, ...]) -> str:
    raw = "|".join(map(str, (territory.version().tag, i18n.active(), *parts)))
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:24] + '"'


# -- series, records ---------------------------------------------------------------------
def series(t: Territory, freq: str, where: Span) -> pd.DataFrame:
    """``t.series(freq)`` over ``where`` (cached)."""
    return cached(
        ("series", freq, where), lambda: t.series(freq, date_from=where.start, date_to=where.end)
    )


def chart_span(t: Territory, freq: str, asked: Span) -> Span:
    """The span a chart or data file covers: as asked, else its default (weekly: the
    last year; a daily series: the last 90 days; others: all the data)."""
    if asked.start or asked.end:
        where = asked
    else:
        dates = t.dates()
        back = {"week": 7 * WEEKS_SHOWN, "day": 90}.get(freq)
        where = Span(max(dates[0], dates[-1] - dt.timedelta(days=back))) if back else Span()
    if freq == "day":
        dates = t.dates()
        days = ((where.end or dates[-1]) - (where.start or dates[0])).days
        if days > DAILY_LIMIT_DAYS:
            raise InputError(
                ngettext(
                    "freq=day: at most %(n)d day at once; narrow from and to",
                    "freq=day: at most %(n)d days at once; narrow from and to",
                    DAILY_LIMIT_DAYS,
                )
                % {"n": DAILY_LIMIT_DAYS},
                param="from",
            )
    return where


def chart_freq(name: str, query: Mapping[str, str], table: Mapping[str, str | None]) -> str:
    if name not in table:
        raise InputError(
            _("no chart or data named %(name)s (%(names)s)")
            % {"name": repr(name), "names": ", ".join(table)},
            param="name",
        )
    return table[name] or parse_freq(query.get("freq"))


METRIC_NAMES = ("gained", "lost", "net")
RECORD_FREQS = ("week", "month")
_MONTH = re.compile(r"\d{4}-\d{2}")
# What a record ranks, as a noun phrase ("the largest weekly gain since …").
_NOUNS = {
    ("week", "gained"): pgettext_lazy("record", "weekly gain"),
    ("week", "lost"): pgettext_lazy("record", "weekly loss"),
    ("week", "net"): pgettext_lazy("record", "weekly net change"),
    ("month", "gained"): pgettext_lazy("record", "monthly gain"),
    ("month", "lost"): pgettext_lazy("record", "monthly loss"),
    ("month", "net"): pgettext_lazy("record", "monthly net change"),
}
# What a window of periods is ranked by ("ranked by gain (km²)").
_RANKED_BY = {
    "gained": pgettext_lazy("ranked by", "gain"),
    "lost": pgettext_lazy("ranked by", "loss"),
    "net": pgettext_lazy("ranked by", "net change"),
}
# A series chart with nothing to draw, by its frequency.
NO_COMPLETE = {
    "day": gettext_lazy("no complete day in the data between these dates"),
    "week": gettext_lazy("no complete week in the data between these dates"),
    "month": gettext_lazy("no complete month in the data between these dates"),
    "year": gettext_lazy("no complete year in the data between these dates"),
}
TOP_SHOWN = 3  # the window table shows the top periods and the chosen one's neighbours
NEIGHBOURS = 2  # ranks either side of the chosen period


@dataclass(frozen=True)
class Chosen:
    """The periods a reader names on the figures page (``week``, ``month``: any day
    inside them; ``period``: ``YYYY-MM`` for a month, a date for a week) and the metric
    the record box ranks (``metric``, default gained). None: the last complete period
    within the chosen range."""

    week: dt.date | None = None
    month: dt.date | None = None
    metric: str = "gained"

    def day(self, freq: str) -> dt.date | None:
        return self.week if freq == "week" else self.month

    def params(self) -> dict[str, str]:
        out = {}
        if self.week:
            out["week"] = self.week.isoformat()
        if self.month:
            out["month"] = self.month.strftime("%Y-%m")
        if self.metric != "gained":
            out["metric"] = self.metric
        return out


def parse_month(value: str, parameter: str) -> dt.date:
    """``YYYY-MM`` (the 1st of that month) or any date of the month (``YYYY-MM-DD``)."""
    text = value.strip()
    if _MONTH.fullmatch(text):
        try:
            return dt.date(int(text[:4]), int(text[5:]), 1)
        except ValueError:
            pass
    else:
        try:
            return parse_date(text, parameter)
        except InputError:
            pass
    raise InputError(
        _("expected a month as YYYY-MM (or a date in it, YYYY-MM-DD), got %(value)s")
        % {"value": repr(value)},
        param=parameter,
    )


def chosen(query: Mapping[str, str]) -> tuple[Chosen, list[Problem]]:
    """The periods and metric a figures-page query names, and the parameters rejected
    (each falls back to its default). Whether the data hold the period is checked by
    :func:`record_box`."""
    problems: list[Problem] = []
    values: dict[str, Any] = {}

    def take(name: str, parse: Callable[[str], Any]) -> None:
        if query.get(name, "").strip():
            try:
                values[name] = parse(query[name])
            except InputError as exc:
                problems.append(Problem.of(exc))

    take("week", lambda v: parse_date(v, "week"))
    take("month", lambda v: parse_month(v, "month"))
    take("period", lambda v: parse_month(v, "period"))
    take("metric", lambda v: _metric(v, "metric"))
    if "period" in values:
        freq = "month" if _MONTH.fullmatch(query["period"].strip()) else "week"
        if freq in values:
            message = (
                # Translators: period, week and month are names of query parameters.
                _("give period or week, not both (week is used)")
                if freq == "week"
                # Translators: period, week and month are names of query parameters.
                else _("give period or month, not both (month is used)")
            )
            problems.append(Problem("period", "period: " + message))
        else:
            values[freq] = values["period"]
    return (
        Chosen(values.get("week"), values.get("month"), values.get("metric", "gained")),
        problems,
    )


def _metric(value: str, parameter: str) -> str:
    key = value.strip().lower()
    if key not in METRIC_NAMES:
        raise InputError(
            _("expected %(names)s, got %(value)s")
            % {"names": ", ".join(METRIC_NAMES), "value": repr(value)},
            param=parameter,
        )
    return key


@dataclass(frozen=True)
class RecordBox:
    """The figures page's answer to "was this week (month) a record, and since when?"
    for one period: the headline sentence for the chosen metric, every metric's value
    and ranks, the trailing year ranked around the period, and links to its neighbours."""

    freq: str
    start: dt.date
    end: dt.date  # the day after the period (the next period's start)
    title: str  # "Week of 2024-11-18" / "November 2024"
    period: str  # "2024-11-18 to 2024-11-25"
    why: str  # why this period: chosen, or the last complete one of the range
    metric: str
    head: str  # the value and since when it is the largest
    tail: str  # its ranks ("" for the first period of the data)
    figures: list[dict[str, str]]
    figures_caption: str
    window: list[dict[str, str]]  # the top periods, a gap, the chosen one's neighbours
    window_all: list[dict[str, str]]
    window_caption: str
    links: dict[str, str]  # previous, next, last: query strings


def records_boxes(
    t: Territory, asked: Span, picked: Chosen
) -> tuple[list[RecordBox], list[Problem]]:
    """A record box per frequency (week, month), for the period ``picked`` names or
    else the last complete one ending on or before the end of the range ``asked``; a
    named period the data do not hold is a problem, and the box shows the default."""
    boxes: list[RecordBox] = []
    problems: list[Problem] = []
    for freq in RECORD_FREQS:
        day = picked.day(freq)
        try:
            box = record_box(t, freq, asked, picked, day)
        except InputError as exc:
            problems.append(Problem.of(exc))
            box = record_box(t, freq, asked, picked, None)
        if box is not None:
            boxes.append(box)
    return boxes, problems


def default_period_day(t: Territory, freq: str, asked: Span) -> dt.date | None:
    """A day in the last complete period of ``freq`` whose last day is on or before the
    end of ``asked`` (default: the data's last day); None when there is none."""
    table = series(t, freq, Span())
    if table.empty:
        return None
    done = table[table.complete.astype(bool)]
    end = asked.end or t.dates()[-1]
    fit = done[[e - S.BEFORE <= end for e in done.period_end]]
    if fit.empty:
        return None
    return render_date(fit.period_start.iloc[-1])


def record_box(
    t: Territory, freq: str, asked: Span, picked: Chosen, day: dt.date | None
) -> RecordBox | None:
    """The record box of the ``freq`` period holding ``day`` (None: the default,
    :func:`default_period_day`). InputError naming ``week``/``month`` when the data do
    not hold that period complete; None when the data hold no complete period."""
    week = freq == "week"
    why = _("the week chosen") if week else _("the month chosen")
    if day is None:
        day = default_period_day(t, freq, asked)
        if day is None:
            return None
        if asked.end:
            why = (
                _("the last complete week up to %(day)s, the end of the range shown")
                if week
                else _("the last complete month up to %(day)s, the end of the range shown")
            ) % {"day": asked.end}
        else:
            why = (
                _("the last complete week of the data")
                if week
                else _("the last complete month of the data")
            )
    key = ("record-box", freq, day, picked.metric, asked, why)
    return cached(key, lambda: _record_box(t, freq, asked, picked, day, why))


def _record_box(
    t: Territory, freq: str, asked: Span, picked: Chosen, day: dt.date, why: str
) -> RecordBox:
    table = series(t, freq, Span())
    f = P.Freq(freq)
    last = t.dates()[-1]
    rec = S.period_record(table, f, picked.metric, day, freq, data_end=last)
    figures = []
    for metric in METRIC_NAMES:
        row = S.record_details(table, f, metric)
        row = row[row.period_start == rec.row.period_start].iloc[0]
        figures.append(
            {
                "metric": metric,
                "value": render.fmt_km2(row.value, signed=metric == "net"),
                "rank_year": _rank_text(row, freq, year=True),
                "rank_data": _rank_text(row, freq, year=False),
                "since": _since_text(row, freq, metric),
                "chosen": "yes" if metric == picked.metric else "",
            }
        )
    start, end = rec.period_start, rec.period_end
    ranked = cast("list[dict[str, Any]]", rec.window.to_dict(orient="records"))
    all_rows = [_window_row(r, freq, picked.metric) for r in ranked]
    chosen_rank = int(rec.row.rank_in_year)
    shown = [
        r
        for r in all_rows
        if int(r["rank"]) <= TOP_SHOWN or abs(int(r["rank"]) - chosen_rank) <= NEIGHBOURS
    ]
    compact: list[dict[str, str]] = []
    for r in shown:
        if compact and all_rows.index(r) > all_rows.index(compact[-1]) + 1:
            compact.append({"gap": "yes"})
        compact.append(r)
    n = int(rec.row.periods_in_year)
    week = freq == "week"
    # Translators: an ISO date, the Monday the week starts.
    title = _("Week of %(day)s") % {"day": start} if week else _month_name(start)
    covered = bool(rec.row.year_covered)
    if covered:
        figures_caption = _("%(title)s: each figure, its rank (1 = largest) and since when") % {
            "title": title
        }
    elif week:
        figures_caption = ngettext(
            "%(title)s: each figure, its rank (1 = largest) and since when; "
            "the trailing year holds only the %(n)d week since the data begin",
            "%(title)s: each figure, its rank (1 = largest) and since when; "
            "the trailing year holds only the %(n)d weeks since the data begin",
            n,
        ) % {"title": title, "n": n}
    else:
        figures_caption = ngettext(
            "%(title)s: each figure, its rank (1 = largest) and since when; "
            "the trailing year holds only the %(n)d month since the data begin",
            "%(title)s: each figure, its rank (1 = largest) and since when; "
            "the trailing year holds only the %(n)d months since the data begin",
            n,
        ) % {"title": title, "n": n}
    head, tail = record_parts(rec.row, freq, picked.metric)
    values = {"n": n, "end": end, "what": _RANKED_BY[picked.metric]}
    if covered and week:
        # Translators: %(end)s is an ISO date; %(what)s is gain, loss or net change.
        window_caption = ngettext(
            "The %(n)d week of the trailing year to %(end)s, ranked by %(what)s (km²)",
            "The %(n)d weeks of the trailing year to %(end)s, ranked by %(what)s (km²)",
            n,
        )
    elif covered:
        # Translators: %(end)s is an ISO date; %(what)s is gain, loss or net change.
        window_caption = ngettext(
            "The %(n)d month of the trailing year to %(end)s, ranked by %(what)s (km²)",
            "The %(n)d months of the trailing year to %(end)s, ranked by %(what)s (km²)",
            n,
        )
    elif week:
        # Translators: %(end)s is an ISO date; %(what)s is gain, loss or net change.
        window_caption = ngettext(
            "The %(n)d week since the data begin to %(end)s, ranked by %(what)s "
            "(km²; the data cover less than a year before it)",
            "The %(n)d weeks since the data begin to %(end)s, ranked by %(what)s "
            "(km²; the data cover less than a year before it)",
            n,
        )
    else:
        # Translators: %(end)s is an ISO date; %(what)s is gain, loss or net change.
        window_caption = ngettext(
            "The %(n)d month since the data begin to %(end)s, ranked by %(what)s "
            "(km²; the data cover less than a year before it)",
            "The %(n)d months since the data begin to %(end)s, ranked by %(what)s "
            "(km²; the data cover less than a year before it)",
            n,
        )
    window_caption %= values
    return RecordBox(
        freq=freq,
        start=start,
        end=end,
        title=title,
        period=period_text(start, end),
        why=why,
        metric=picked.metric,
        head=head,
        tail=tail,
        figures=figures,
        figures_caption=figures_caption,
        window=compact,
        window_all=all_rows,
        window_caption=window_caption,
        links=_neighbour_links(table, freq, start, asked, picked),
    )


def _neighbour_links(
    table: pd.DataFrame, freq: str, start: dt.date, asked: Span, picked: Chosen
) -> dict[str, str]:
    """Query strings of the figures page for the period before and after ``start`` (when
    the data hold them complete) and for the last complete one."""
    done = [render_date(d) for d in table[table.complete.astype(bool)].period_start]
    i = done.index(start)
    base = {k: v for k, v in (("from", asked.start), ("to", asked.end)) if v}

    def query(day: dt.date) -> str:
        params = {**{k: v.isoformat() for k, v in base.items()}, **picked.params()}
        params[freq] = day.isoformat() if freq == "week" else day.strftime("%Y-%m")
        return urlencode(params)

    links = {}
    if i > 0:
        links["previous"] = query(done[i - 1])
    if i + 1 < len(done):
        links["next"] = query(done[i + 1])
        links["last"] = query(done[-1])
    return links


def render_date(value: object) -> dt.date:
    """A period start of a series frame as a date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(str(value)).date()


def _month_name(day: dt.date) -> str:
    """``November 2024`` in the reader's language."""
    if i18n.active() == "en":
        return f"{render.MONTHS[day.month - 1]} {day.year}"
    return i18n.month_year(day)


def period_text(start: object, end: object) -> str:
    """``2024-11-18 to 2024-11-25``: a period by its ISO start and end."""
    # Translators: two ISO dates, a period's start and the day after it ends.
    return _("%(start)s to %(end)s") % {"start": start, "end": end}


def period_phrase(day: object, freq: str) -> str:
    """``the week of 2024-11-18`` / ``November 2024``."""
    d = render_date(day)
    # Translators: an ISO date, the Monday the week starts.
    return _("the week of %(day)s") % {"day": d} if freq == "week" else _month_name(d)


def _amount(value: Any, metric: str) -> str:
    return render.fmt_km2(float(value), signed=metric == "net")


def record_sentence(row: pd.Series, freq: str, metric: str) -> str:
    """How a period ranks, in one sentence (a row of S.record_details): its value; the
    last larger period ("the largest weekly gain since the week of 2024-11-18
    (235.0 km²)"), or "larger than any week since the data begin (…)"; its rank in the
    trailing year, or since the data begin when they cover less than a year before it.
    "Since the data begin" is said only of the whole data, never of a trailing window."""
    head, tail = record_parts(row, freq, metric)
    return f"{head}; {tail}." if tail else f"{head}."


def record_parts(row: pd.Series, freq: str, metric: str) -> tuple[str, str]:
    """:func:`record_sentence` in two parts: the value and since when it is the
    largest; its ranks ("" for the data's first period)."""
    amount = {"amount": _amount(row.value, metric)}
    what = {
        "gained": _("%(amount)s gained"),
        "lost": _("%(amount)s lost"),
        "net": _("a net change of %(amount)s"),
    }[metric] % amount
    when = period_phrase(row.period_start, freq)
    if int(row.periods_in_data) == 1:
        first = (
            # Translators: %(what)s: "196.3 km² gained"; %(when)s: "the week of 2024-11-18".
            _(
                "%(what)s in %(when)s: the first week of the data, "
                "with nothing earlier to compare it with"
            )
            if freq == "week"
            # Translators: %(what)s: "196.3 km² gained"; %(when)s: "the week of 2024-11-18".
            else _(
                "%(what)s in %(when)s: the first month of the data, "
                "with nothing earlier to compare it with"
            )
        )
        return first % {"what": what, "when": when}, ""
    ranks = [_rank_text(row, freq, year=True, long=True)]
    if bool(row.year_covered):
        ranks.append(_rank_text(row, freq, year=False, long=True))
    # Translators: %(what)s: "196.3 km² gained"; %(when)s: "the week of 2024-11-18";
    # %(since)s: since when it is the largest.
    head = _("%(what)s in %(when)s: %(since)s") % {
        "what": what,
        "when": when,
        "since": _since_text(row, freq, metric),
    }
    return head, "; ".join(ranks)


def _since_text(row: pd.Series, freq: str, metric: str, *, noun: str = "", first: str = "") -> str:
    """The "since when" part: what the last larger period was, or that none was."""
    week = freq == "week"
    noun = noun or str(_NOUNS[(freq, metric)])
    first = first or period_phrase(row.data_start, freq)
    tied = "" if pd.isna(row.tied_before) else period_phrase(row.tied_before, freq)
    if int(row.periods_in_data) == 1:
        return _("the first week of the data") if week else _("the first month of the data")
    if metric != "net" and round(float(row.value), 1) == 0:
        return (
            _("no gain to speak of (under 0.05 km²)")
            if metric == "gained"
            else _("no loss to speak of (under 0.05 km²)")
        )
    if pd.isna(row.larger_before):
        if tied:
            return (
                # Translators: %(first)s and %(tied)s are periods: "the week of 2024-11-18".
                _(
                    "as large as the largest week since the data begin (%(first)s), "
                    "equal to %(tied)s"
                )
                if week
                # Translators: %(first)s and %(tied)s are periods: "the week of 2024-11-18".
                else _(
                    "as large as the largest month since the data begin (%(first)s), "
                    "equal to %(tied)s"
                )
            ) % {"first": first, "tied": tied}
        return (
            # Translators: %(first)s and %(tied)s are periods: "the week of 2024-11-18".
            _("larger than any week since the data begin (%(first)s)")
            if week
            # Translators: %(first)s and %(tied)s are periods: "the week of 2024-11-18".
            else _("larger than any month since the data begin (%(first)s)")
        ) % {"first": first}
    larger = period_phrase(row.larger_before, freq)
    value = _amount(row.larger_value, metric)
    if render_date(row.larger_end) == render_date(row.period_start):
        text = (
            # Translators: %(period)s: "the week of 2024-11-18"; %(value)s: "196.3 km²".
            _("less than the week before (%(period)s: %(value)s)")
            if week
            # Translators: %(period)s: "the week of 2024-11-18"; %(value)s: "196.3 km²".
            else _("less than the month before (%(period)s: %(value)s)")
        ) % {"period": larger, "value": value}
    else:
        # Translators: %(noun)s: "weekly gain"; %(period)s: "the week of 2024-11-18";
        # %(value)s: "196.3 km²".
        text = _("the largest %(noun)s since %(period)s (%(value)s)") % {
            "noun": noun,
            "period": larger,
            "value": value,
        }
    # Translators: %(text)s: since when it is the largest; %(tied)s: a period.
    return _("%(text)s, equal to %(tied)s") % {"text": text, "tied": tied} if tied else text


def _rank_text(row: pd.Series, freq: str, *, year: bool, long: bool = False) -> str:
    """``rank 3 of the 52 weeks of the trailing year`` / ``… since the data begin``."""
    week = freq == "week"
    if year:
        rank, n = int(row.rank_in_year), int(row.periods_in_year)
    else:
        rank, n = int(row.rank_in_data), int(row.periods_in_data)
    values: dict[str, object] = {"rank": rank, "n": n}
    if not long:
        # Translators: a rank among periods: "3 of 52".
        return _("%(rank)d of %(n)d") % values
    if year and bool(row.year_covered):
        values.update(start=render_date(row.window_start), end=row.period_end)
        text = (
            # Translators: %(start)s and %(end)s are ISO dates.
            ngettext(
                "rank %(rank)d of the %(n)d week of the trailing year (%(start)s to %(end)s)",
                "rank %(rank)d of the %(n)d weeks of the trailing year (%(start)s to %(end)s)",
                n,
            )
            if week
            # Translators: %(start)s and %(end)s are ISO dates.
            else ngettext(
                "rank %(rank)d of the %(n)d month of the trailing year (%(start)s to %(end)s)",
                "rank %(rank)d of the %(n)d months of the trailing year (%(start)s to %(end)s)",
                n,
            )
        )
    elif year:
        text = (
            ngettext(
                "rank %(rank)d of the %(n)d week since the data begin "
                "(the data cover less than a year before it)",
                "rank %(rank)d of the %(n)d weeks since the data begin "
                "(the data cover less than a year before it)",
                n,
            )
            if week
            else ngettext(
                "rank %(rank)d of the %(n)d month since the data begin "
                "(the data cover less than a year before it)",
                "rank %(rank)d of the %(n)d months since the data begin "
                "(the data cover less than a year before it)",
                n,
            )
        )
    else:
        text = (
            ngettext(
                "rank %(rank)d of the %(n)d week since the data begin",
                "rank %(rank)d of the %(n)d weeks since the data begin",
                n,
            )
            if week
            else ngettext(
                "rank %(rank)d of the %(n)d month since the data begin",
                "rank %(rank)d of the %(n)d months since the data begin",
                n,
            )
        )
    return text % values


def _window_row(r: Mapping[str, Any], freq: str, metric: str) -> dict[str, str]:
    start, end = render_date(r["period_start"]), render_date(r["period_end"])
    return {
        "rank": str(int(r["rank"])),
        "period": period_text(start, end),
        "label": period_phrase(start, freq),
        "value": render.fmt_number(float(r["value"]), signed=metric == "net"),
        "chosen": "yes" if r["chosen"] else "",
    }


def largest_gains(t: Territory) -> tuple[list[dict[str, str]], dt.date | None]:
    """The ten largest weekly gains of all the data, and the first week's start."""
    table = series(t, "week", Span())
    done = table[table.complete.astype(bool)] if len(table) else table
    if done.empty:
        return [], None
    top = done.sort_values("gained_km2", ascending=False, kind="stable").head(10)
    return table_rows(top), render_date(done.period_start.iloc[0])


def table_rows(frame: pd.DataFrame) -> list[dict[str, str]]:
    """A series frame as display rows (period, gained, lost, net, area; km², 1 decimal)."""
    return [
        {
            "period": period_text(
                render.fmt_date(r["period_start"]), render.fmt_date(r["period_end"])
            ),
            "start": render.fmt_date(r["period_start"]),
            "end": render.fmt_date(r["period_end"]),
            "gained": render.fmt_number(r["gained_km2"]),
            "lost": render.fmt_number(r["lost_km2"]),
            "net": render.fmt_number(r["net_km2"], signed=True),
            "area": render.fmt_number(r["area_km2"]),
            "note": _note(r),
        }
        # records, not itertuples: the stubs type a tuple's fields as any pandas scalar
        for r in frame.to_dict(orient="records")
    ]


def _note(r: Mapping[Any, Any]) -> str:
    """What a table says of a period with a gap in the data, or one not complete."""
    if r["gap"]:
        return pgettext("series period", "gap")
    return pgettext("series period", "incomplete") if not r["complete"] else ""


# -- charts ------------------------------------------------------------------------------
def parse_layout(value: str | None) -> str:
    """A chart's ``layout``: ``desktop`` (the default) or ``narrow`` (drawn for a phone,
    :func:`vigil.territory.render.chart_series`)."""
    key = (value or "desktop").strip().lower()
    if key not in render.LAYOUTS:
        raise InputError(
            _("expected one of %(names)s, got %(value)s")
            % {"names": ", ".join(render.LAYOUTS), "value": repr(value)},
            param="layout",
        )
    return key


def chart(t: Territory, name: str, ext: str, query: Mapping[str, str]) -> bytes:
    """A chart's bytes (PNG or SVG): ``weekly``/``monthly``/``series`` (?freq=) draw a
    series (gained, lost, net, area), ``?layout=narrow`` composed for a phone; ``change``
    maps the change between ?from= and ?to= (default: the last week). Raises InputError
    or NoDataError."""
    if ext not in FORMATS:
        raise InputError(
            _("expected a .png or .svg chart, got .%(ext)s") % {"ext": ext}, param="ext"
        )
    layout = parse_layout(query.get("layout"))
    dates = t.dates()
    asked = span(query, dates[0], dates[-1])
    if name == "change":
        if layout != "desktop":
            raise InputError(
                _("the change map has no narrow layout: leave layout out"), param="layout"
            )
        a = asked.start or max(dates[0], (asked.end or dates[-1]) - dt.timedelta(days=7))
        b = asked.end or dates[-1]
        if b < a:
            raise InputError(before_from(b, a), param="to")
        return cached(("chart", name, ext, a, b), lambda: _change_chart(t, a, b, ext))
    freq = chart_freq(name, query, CHARTS)
    where = chart_span(t, freq, asked)
    return cached(
        ("chart", freq, ext, where, layout), lambda: _series_chart(t, freq, where, ext, layout)
    )


def chart_data(t: Territory, name: str, query: Mapping[str, str]) -> str:
    """The CSV of what a series chart draws (same name and parameters)."""
    dates = t.dates()
    asked = span(query, dates[0], dates[-1])
    freq = chart_freq(name, query, DATA)
    return table_csv(series(t, freq, chart_span(t, freq, asked)))


def _series_chart(t: Territory, freq: str, where: Span, ext: str, layout: str = "desktop") -> bytes:
    frame = series(t, freq, where)
    if frame.empty:
        raise NoDataError(str(NO_COMPLETE[freq]))
    credit = t.store.source_credit(t.resolve_source())
    return draw(lambda path: render.chart_series(frame, path, credit=credit, layout=layout), ext)


def _change_chart(t: Territory, a: dt.date, b: dt.date, ext: str) -> bytes:
    change = t.change(a, b)
    before = t.geometry(change.snapshot_from)
    credit = t.store.source_credit(change.source)
    places = map_places(t, change)  # names, oblast lines, as the CLI's change map
    return draw(
        lambda path: render.chart_change_map(change, before, path, credit=credit, places=places),
        ext,
    )


def draw(paint: Callable[[Path], object], ext: str) -> bytes:
    """The bytes of a chart ``paint`` writes to a file (PNG or SVG by ``ext``)."""
    with tempfile.TemporaryDirectory(prefix="vigil-chart-") as tmp:
        path = Path(tmp) / f"chart.{ext}"
        paint(path)
        return path.read_bytes()


# -- the brief ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Brief:
    """The latest brief for a page: its title, its body as HTML (markup by
    render.brief_html, every text escaped there; no style, no script), and the
    query strings of its charts (weekly, monthly, the week's change map)."""

    title: str
    as_of: dt.date
    body: str  # up to the method section: the charts go after it
    tail: str  # the method and the source
    charts: dict[str, dict[str, str]]


_MAIN = re.compile(r"<main>\s*(.*?)\s*</main>", re.S)
_H1 = re.compile(r"<h1>(.*?)</h1>\s*", re.S)


def brief(t: Territory, as_of: dt.date | None) -> Brief:
    return cached(("brief", as_of), lambda: _brief(t, as_of))


def _brief(t: Territory, as_of: dt.date | None) -> Brief:
    from vigil.territory.brief import brief_data

    data = brief_data(t, as_of=as_of)
    page = render.brief_html(data, {})  # no charts: the page shows ours, not data: URIs
    main = _MAIN.search(page)
    body = main.group(1) if main else ""
    heading = _H1.search(body)
    title = heading.group(1) if heading else _("Brief")
    body = _H1.sub("", body, count=1)
    # the method section's heading, as render.brief_html writes it in the reader's language
    for method in dict.fromkeys((f"<h2>{_('Method')}</h2>", "<h2>Method</h2>")):
        if method in body:
            break
    body, mark, tail = body.partition(method)
    week = data.last_week
    charts = {
        "weekly": _frame_span(data.weekly),
        "monthly": _frame_span(data.monthly),
        "change": _query(week.date_from.isoformat(), week.date_to.isoformat()),
    }
    return Brief(title, data.as_of, body, mark + tail, {k: v for k, v in charts.items() if v})


def brief_file(t: Territory, as_of: dt.date | None) -> bytes:
    """The brief as one self-contained HTML file (render.write_brief; for download)."""

    def write() -> bytes:
        from vigil.territory.brief import brief_data

        data = brief_data(t, as_of=as_of)
        with tempfile.TemporaryDirectory(prefix="vigil-brief-") as tmp:
            path = render.write_brief(data, Path(tmp) / "brief.html")
            return path.read_bytes()

    return cached(("brief-file", as_of), write)


def _frame_span(frame: pd.DataFrame | None) -> dict[str, str]:
    if frame is None or frame.empty:
        return {}
    return _query(
        render.fmt_date(frame.period_start.min()), render.fmt_date(frame.period_end.max())
    )


def _query(start: str, end: str) -> dict[str, str]:
    """from, to, and both as a query string (``qs``) for a template's links."""
    return {"from": start, "to": end, "qs": urlencode({"from": start, "to": end})}
