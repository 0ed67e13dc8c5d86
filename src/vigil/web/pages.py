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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import pandas as pd

from vigil import periods as P
from vigil.dates import parse_date
from vigil.errors import InputError, NoDataError, VigilError
from vigil.output import jsonable
from vigil.territory import render
from vigil.territory import series as S
from vigil.territory.api import Territory
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
            f"{day} is outside the data, which run from {first} to {last}", param=parameter
        )
    return day


def parse_bool(value: str, parameter: str) -> bool:
    key = value.strip().lower()
    if key in TRUE:
        return True
    if key in FALSE:
        return False
    raise InputError(f"expected true or false, got {value!r}", param=parameter)


def parse_layers(value: str) -> tuple[str, ...]:
    names = [n.strip().lower() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in LAYERS]
    if unknown:
        raise InputError(
            f"expected a comma-separated list of {', '.join(LAYERS)}, "
            f"got {', '.join(map(repr, unknown))}",
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
            f"expected a number from {low:g} to {high:g}, got {value!r}", param=parameter
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
        problems.append(Problem(missing, "from and to go together: give both, or neither"))
    if a is not None and b is not None and b < a:
        problems.append(Problem("to", f"to: {b} is before from ({a})"))
        a = b = None
    if a is None or b is None:
        a = b = None
    if values.get("grey") and not has_grey:
        problems.append(Problem("grey", "grey: this source has no grey-zone layer"))
        values["grey"] = False
    lat, lon = values.get("lat"), values.get("lon")
    if (lat is None) != (lon is None):
        problems.append(Problem("lat" if lat is None else "lon", "lat and lon go together"))
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
        raise InputError(f"{end} must be after from ({start})", param="to")
    return Span(start, end)


def parse_freq(value: str | None) -> str:
    """A frequency (day, week, month, year) by the one period engine."""
    return P.freq(value if value is not None else "").value


# -- the cache ---------------------------------------------------------------------------
def cached(parts: tuple[object, ...], compute: Callable[[], T]) -> T:
    """``compute()``, cached under the store's content version and ``parts``."""
    return web_cache.memo(web_cache.key("page", (territory.version().tag, *parts)), compute)


def etag(parts: tuple[object, ...]) -> str:
    raw = "|".join(map(str, (territory.version().tag, *parts)))
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
                f"freq=day: at most {DAILY_LIMIT_DAYS} days at once; narrow from and to",
                param="from",
            )
    return where


def chart_freq(name: str, query: Mapping[str, str], table: Mapping[str, str | None]) -> str:
    if name not in table:
        raise InputError(f"no chart or data named {name!r} ({', '.join(table)})", param="name")
    return table[name] or parse_freq(query.get("freq"))


@dataclass(frozen=True)
class RecordLine:
    label: str  # "Last complete week, gained (2024-10-21 to 2024-10-28)"
    sentence: str  # records_sentence()
    metric: str  # gained, lost or net


@dataclass(frozen=True)
class Records:
    """The figures page's records: sentences on the last complete week and month, and
    the largest weekly gains of all the data."""

    lines: list[RecordLine] = field(default_factory=list)
    largest: list[dict[str, str]] = field(default_factory=list)

    @property
    def headline(self) -> list[RecordLine]:
        """The gains of the last week and month: what a reader looks for first."""
        return [line for line in self.lines if line.metric == "gained"]


def records(t: Territory) -> Records:
    return cached(("records",), lambda: _records(t))


def _records(t: Territory) -> Records:
    lines: list[RecordLine] = []
    largest: list[dict[str, str]] = []
    for freq, noun in (("week", "week"), ("month", "month")):
        table = series(t, freq, Span())
        done = table[table.complete.astype(bool)] if len(table) else table
        if done.empty:
            continue
        for metric in ("gained", "lost", "net"):
            row = S.records(table, P.Freq(freq), metric).iloc[-1]
            label = (
                f"Last complete {noun}, {metric} "
                f"({render.fmt_date(row.period_start)} to {render.fmt_date(row.period_end)})"
            )
            sentence = render.records_sentence(row, metric, freq)
            lines.append(RecordLine(label, sentence, metric))
        if freq == "week":
            top = done.sort_values("gained_km2", ascending=False, kind="stable").head(10)
            largest = table_rows(top)
    return Records(lines, largest)


def table_rows(frame: pd.DataFrame) -> list[dict[str, str]]:
    """A series frame as display rows (period, gained, lost, net, area; km², 1 decimal)."""
    return [
        {
            "period": f"{render.fmt_date(r['period_start'])} to {render.fmt_date(r['period_end'])}",
            "gained": render.fmt_number(r["gained_km2"]),
            "lost": render.fmt_number(r["lost_km2"]),
            "net": render.fmt_number(r["net_km2"], signed=True),
            "area": render.fmt_number(r["area_km2"]),
            "note": "gap" if r["gap"] else ("incomplete" if not r["complete"] else ""),
        }
        # records, not itertuples: the stubs type a tuple's fields as any pandas scalar
        for r in frame.to_dict(orient="records")
    ]


# -- charts ------------------------------------------------------------------------------
def chart(t: Territory, name: str, ext: str, query: Mapping[str, str]) -> bytes:
    """A chart's bytes (PNG or SVG): ``weekly``/``monthly``/``series`` (?freq=) draw a
    series (gained, lost, net, area); ``change`` maps the change between ?from= and ?to=
    (default: the last week). Raises InputError or NoDataError."""
    if ext not in FORMATS:
        raise InputError(f"expected a .png or .svg chart, got .{ext}", param="ext")
    dates = t.dates()
    asked = span(query, dates[0], dates[-1])
    if name == "change":
        a = asked.start or max(dates[0], (asked.end or dates[-1]) - dt.timedelta(days=7))
        b = asked.end or dates[-1]
        if b < a:
            raise InputError(f"{b} is before from ({a})", param="to")
        return cached(("chart", name, ext, a, b), lambda: _change_chart(t, a, b, ext))
    freq = chart_freq(name, query, CHARTS)
    where = chart_span(t, freq, asked)
    return cached(("chart", freq, ext, where), lambda: _series_chart(t, freq, where, ext))


def chart_data(t: Territory, name: str, query: Mapping[str, str]) -> str:
    """The CSV of what a series chart draws (same name and parameters)."""
    dates = t.dates()
    asked = span(query, dates[0], dates[-1])
    freq = chart_freq(name, query, DATA)
    return table_csv(series(t, freq, chart_span(t, freq, asked)))


def _series_chart(t: Territory, freq: str, where: Span, ext: str) -> bytes:
    frame = series(t, freq, where)
    if frame.empty:
        raise NoDataError(f"no complete {freq} in the data between these dates")
    credit = t.store.source_credit(t.resolve_source())
    return draw(lambda path: render.chart_series(frame, path, credit=credit), ext)


def _change_chart(t: Territory, a: dt.date, b: dt.date, ext: str) -> bytes:
    change = t.change(a, b)
    before = t.geometry(change.snapshot_from)
    credit = t.store.source_credit(change.source)
    return draw(lambda path: render.chart_change_map(change, before, path, credit=credit), ext)


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
    title = heading.group(1) if heading else "Brief"
    body = _H1.sub("", body, count=1)
    body, mark, tail = body.partition("<h2>Method</h2>")
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
