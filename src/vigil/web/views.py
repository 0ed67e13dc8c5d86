"""The site's pages: the map, the figures (charts, their data, records) and the brief.

Views only check the query, call the library (through :mod:`vigil.web.pages`) and
render. A bad query parameter never makes a 500: the page renders with a message
naming the parameter (status 400) and the defaults in its place; charts and data
files answer the site's one JSON error body (:mod:`vigil.web.errors`), and the data
files are written by the one CSV renderer (:mod:`vigil.web.render`). Nothing on a
page is inline (the CSP forbids inline script and style): the map's state travels in a
``<script type="application/json">`` block, which is data, never executed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import get_script_prefix, path
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from vigil.errors import InputError, NoDataError, VigilError
from vigil.i18n import gettext as _
from vigil.i18n import gettext_lazy
from vigil.territory.api import Territory
from vigil.territory.render import fmt_km2, source_name
from vigil.web import errors, pages, territory
from vigil.web import render as web_render
from vigil.web.pages import Problem

ERROR_STATUS = 400  # a page rendered with a rejected parameter


def _unavailable(request: HttpRequest, exc: VigilError, section: str) -> HttpResponse:
    """The page when there is no store (or nothing in it) to show: a message, 503."""
    context = {"section": section, "message": " ".join(str(exc).split())}
    return render(request, "web/unavailable.html", context, status=503)


def _base(t: Territory) -> dict[str, Any]:
    """What every page shows: the source, its credit and the span of the data."""
    src = t.resolve_source()
    dates = t.dates(src)
    credit = t.store.source_credit(src)
    return {
        "source": src,
        "source_name": source_name(src, credit),  # as readers know it: "DeepStateMap"
        "credit": credit,
        "first": dates[0],
        "last": dates[-1],
    }


def _status(problems: list[Problem]) -> int:
    return ERROR_STATUS if problems else 200


# -- the map -------------------------------------------------------------------------------
@require_safe
def map_page(request: HttpRequest) -> HttpResponse:
    """The controlled area on a date (or the change between two) over a base map."""
    try:
        t = territory.store()
        base = _base(t)
        dates = t.dates()
        has_grey = t.area(dates[-1]).grey_km2 is not None
        state, problems = pages.map_state(request.GET, dates, has_grey)
        area = t.area(state.date, with_grey=state.grey)
        has_geography = t.has_geography()
    except VigilError as exc:
        return _unavailable(request, exc, "map")
    index = max(i for i, d in enumerate(dates) if d <= state.date)
    config = {
        "dates": [d.isoformat() for d in dates],
        "source": base["source"],
        "credit": base["credit"],
        "has_grey": has_grey,
        "has_geography": has_geography,
        "api_root": f"{get_script_prefix()}api/territory/",
        "tile_url": settings.VIGIL_TILE_URL,
        "tile_attribution": settings.VIGIL_TILE_ATTRIBUTION,
        "state": state.as_json(),
    }
    context = {
        **base,
        "section": "map",
        "state": state,
        "problems": problems,
        "config": config,
        "area": area,
        "area_text": fmt_km2(area.area_km2),
        "slider_index": index,
        "slider_max": len(dates) - 1,
        "has_grey": has_grey,
        "has_geography": has_geography,
        "layers": {name: name in state.layers for name in pages.LAYERS},
    }
    return render(request, "web/map.html", context, status=_status(problems))


# -- the figures ---------------------------------------------------------------------------
@require_safe
def figures_page(request: HttpRequest) -> HttpResponse:
    """Was this week (month) a record, and since when? Record boxes for the periods the
    reader chose (``week``, ``month``, ``period``; else the last complete ones of the
    range ``from``–``to``), weekly and monthly charts (SVG, PNG, CSV), the largest
    weekly gains, and the latest brief."""
    problems: list[Problem] = []
    try:
        t = territory.store()
        base = _base(t)
        try:
            asked = pages.span(request.GET, base["first"], base["last"])
        except InputError as exc:
            problems.append(Problem.of(exc))
            asked = pages.Span()
        picked, bad = pages.chosen(request.GET)
        problems += bad
        boxes, bad = pages.records_boxes(t, asked, picked)
        problems += bad
        charts = [
            _figure(t, name, _chart_asked(asked, picked, boxes, freq, base["first"]))
            for name, freq in (("weekly", "week"), ("monthly", "month"))
        ]
        largest, data_start = pages.largest_gains(t)
    except VigilError as exc:
        return _unavailable(request, exc, "figures")
    context = {
        **base,
        "section": "figures",
        "problems": problems,
        "asked": asked,
        "picked": picked,
        "metrics": pages.METRIC_NAMES,
        "boxes": boxes,
        "week_box": next((b for b in boxes if b.freq == "week"), None),
        "month_box": next((b for b in boxes if b.freq == "month"), None),
        "charts": charts,
        "largest": largest,
        "data_start": data_start,
    }
    return render(request, "web/figures.html", context, status=_status(problems))


def _chart_asked(
    asked: pages.Span,
    picked: pages.Chosen,
    boxes: list[pages.RecordBox],
    freq: str,
    data_first: dt.date,
) -> pages.Span:
    """The span a chart shows: the range asked for; without one, a chosen week's
    trailing year (the weekly chart's default span, ending with that week)."""
    if asked.start or asked.end or freq != "week" or picked.week is None:
        return asked
    box = next((b for b in boxes if b.freq == "week"), None)
    if box is None:
        return asked
    first = box.start - dt.timedelta(weeks=pages.WEEKS_SHOWN - 1)
    return pages.Span(max(first, data_first), box.end - dt.timedelta(days=1))


_TITLES = {
    "weekly": (gettext_lazy("Weekly change"), "week"),
    "monthly": (gettext_lazy("Monthly change"), "month"),
}


def _figure(t: Territory, name: str, asked: pages.Span) -> dict[str, Any]:
    """One chart of the figures page: its title, query, alt text and data rows."""
    title, freq = _TITLES[name]
    where = pages.chart_span(t, freq, asked)
    frame = pages.series(t, freq, where)
    rows = pages.table_rows(frame)
    if rows:
        last = rows[-1]
        values = {
            "start": rows[0]["start"],
            "end": last["end"],
            "gained": last["gained"],
            "lost": last["lost"],
            "net": last["net"],
            "area": last["area"],
        }
        alt = (
            # Translators: the chart's text alternative; %(start)s and %(end)s are ISO dates,
            # the other placeholders figures in km².
            _(
                "Bar chart of the Russian-controlled area gained (bars up) and lost (bars down) "
                "per week in km², with the net change, %(start)s to %(end)s. "
                "Last week shown: %(gained)s km² gained, %(lost)s km² lost, "
                "net %(net)s km²; controlled area %(area)s km²."
            )
            if freq == "week"
            # Translators: the chart's text alternative; %(start)s and %(end)s are ISO dates,
            # the other placeholders figures in km².
            else _(
                "Bar chart of the Russian-controlled area gained (bars up) and lost (bars down) "
                "per month in km², with the net change, %(start)s to %(end)s. "
                "Last month shown: %(gained)s km² gained, %(lost)s km² lost, "
                "net %(net)s km²; controlled area %(area)s km²."
            )
        ) % values
    else:
        alt = (
            _("No complete week in the data between these dates.")
            if freq == "week"
            else _("No complete month in the data between these dates.")
        )
    query = where.query()
    return {
        "name": name,
        "title": str(title),
        "freq": freq,
        "query": query,
        # the chart drawn for a phone (<picture> serves it below 52rem)
        "narrow_query": f"{query}&layout=narrow" if query else "layout=narrow",
        "alt": alt,
        "rows": rows,
    }


def _chart_response(
    data: bytes | str, content_type: str, parts: tuple[object, ...]
) -> HttpResponse:
    return _cache_headers(HttpResponse(data, content_type=content_type), parts)


def _cache_headers(response: HttpResponse, parts: tuple[object, ...]) -> HttpResponse:
    """ETag and Last-Modified from the store's version, public for 5 minutes."""
    response["ETag"] = pages.etag(parts)
    response["Last-Modified"] = http_date(territory.version().modified.timestamp())
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_safe
def chart(request: HttpRequest, name: str, ext: str) -> HttpResponse:
    """A chart as PNG or SVG: weekly, monthly, series (?freq=) or change (?from=&to=)."""
    if name not in pages.CHARTS or ext not in pages.FORMATS:
        return errors.error_response(
            404, "name", _("no chart %(name)s") % {"name": f"{name}.{ext}"}
        )
    try:
        data = pages.chart(territory.store(), name, ext, request.GET)
    except VigilError as exc:
        return errors.vigil_error_response(exc)
    query = sorted(request.GET.items())
    response = _chart_response(data, pages.FORMATS[ext], ("chart", name, ext, query))
    response["Content-Disposition"] = f'inline; filename="vigil-{name}.{ext}"'
    return response


@require_safe
def chart_data(request: HttpRequest, name: str) -> HttpResponse:
    """The CSV of a series chart (same name and parameters), as the CLI writes it."""
    if name not in pages.DATA:
        return errors.error_response(
            404, "name", _("no data named %(name)s") % {"name": f"{name}.csv"}
        )
    try:
        text = pages.chart_data(territory.store(), name, request.GET)
    except VigilError as exc:
        return errors.vigil_error_response(exc)
    query = sorted(request.GET.items())
    return _cache_headers(web_render.csv_download(text, f"vigil-{name}.csv"), ("data", name, query))


# -- the brief -----------------------------------------------------------------------------
@require_safe
def brief_page(request: HttpRequest) -> HttpResponse:
    """The latest brief (or ?as_of=) as a page; ?download=html gives the standalone file."""
    problems: list[Problem] = []
    try:
        t = territory.store()
        base = _base(t)
        as_of: dt.date | None = None
        if request.GET.get("as_of"):
            try:
                as_of = pages.date_in_data(
                    request.GET["as_of"], "as_of", base["first"], base["last"]
                )
            except InputError as exc:
                problems.append(Problem.of(exc))
        download = request.GET.get("download", "")
        if download and download != "html":
            message = _("expected html, got %(value)s") % {"value": repr(download)}
            problems.append(Problem("download", f"download: {message}"))
        elif download and not problems:
            try:
                return _brief_download(t, as_of)
            except NoDataError as exc:  # too little data before as_of: say so on the page
                problems.append(Problem("as_of", " ".join(str(exc).split())))
        brief, missing = None, ""
        try:
            brief = pages.brief(t, as_of)
        except NoDataError as exc:
            missing = " ".join(str(exc).split())
            if as_of is not None:  # the date asked for is too early for a brief
                problems.append(Problem("as_of", missing))
    except VigilError as exc:
        return _unavailable(request, exc, "brief")
    context = {
        **base,
        "section": "brief",
        "problems": problems,
        "brief": brief,
        "missing": missing,
    }
    return render(request, "web/brief.html", context, status=_status(problems))


def _brief_download(t: Territory, as_of: dt.date | None) -> HttpResponse:
    data = pages.brief_file(t, as_of)
    day = as_of or t.dates()[-1]
    response = _chart_response(data, "text/html; charset=utf-8", ("brief-file", as_of))
    response["Content-Disposition"] = f'attachment; filename="vigil-brief-{day}.html"'
    return response


# The lead's vigil.web.urls adds these after the API's.
urlpatterns = [
    path("", map_page, name="map"),
    path("figures/", figures_page, name="figures"),
    path("figures/brief/", brief_page, name="brief"),
    path("figures/chart/<slug:name>.<slug:ext>", chart, name="chart"),
    path("figures/data/<slug:name>.csv", chart_data, name="chart-data"),
]
