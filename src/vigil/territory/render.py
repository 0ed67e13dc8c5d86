"""Rendering of territory results: number formats, charts (PNG) and the written brief.

Pure rendering: every function takes values (series and records DataFrames, ``Change``,
``BriefData``, shapely geometries) and returns strings or writes one file. Nothing here
opens the store or computes an area: the figures shown are the ones given, in km²
(geodesic, WGS84), and dates are calendar dates.

Charts use matplotlib's object API (``matplotlib.figure.Figure``, Agg canvas) and never
``pyplot``, so they need no screen, leave no global state and are safe in a web worker.

Colours: gained is a strong red and lost a strong blue, the two ends of ColorBrewer's
RdYlBu diverging scheme, which stays distinguishable with the common colour-vision
deficiencies (red turns brownish-yellow, blue stays blue).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, SupportsFloat, SupportsInt, TypeGuard

import numpy as np
import pandas as pd
import shapely
from matplotlib import dates as mdates
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.patheffects import withStroke
from matplotlib.ticker import FuncFormatter
from shapely.geometry.base import BaseGeometry

from vigil import periods as P
from vigil.errors import InputError
from vigil.territory.results import BriefData, Change
from vigil.territory.series import period_start_before

GAINED_COLOUR = "#d7191c"  # RdYlBu red end
LOST_COLOUR = "#2c7bb6"  # RdYlBu blue end
NET_COLOUR = "#1a1a1a"
AREA_COLOUR = "#6a3d9a"  # purple: distinct from both bar colours
BEFORE_COLOUR = "#d9d9d9"
BEFORE_EDGE = "#8c8c8c"
CREDIT_COLOUR = "#555555"

KM_PER_DEGREE = 111.32  # length of one degree of latitude (and of longitude at the equator)
_DAY = dt.timedelta(days=1)  # a period's map is that of the day before it
MONTHS = [
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
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


# --------------------------------------------------------------------------- formatters


def fmt_km2(x: float | None, signed: bool = False) -> str:
    """``110,465.8 km²``; with ``signed``, ``+196.2 km²`` / ``-3.0 km²`` (zero unsigned).

    One decimal, thousands separators; ``n/a`` for None or NaN.
    """
    return f"{fmt_number(float(x), signed=signed)} km²" if _is_number(x) else "n/a"


def fmt_number(x: float | None, signed: bool = False) -> str:
    """A km² figure without its unit (for tables): ``1,234.5``, ``+12.0``, ``n/a``."""
    if not _is_number(x):
        return "n/a"
    v = round(float(x), 1) + 0.0  # + 0.0 turns -0.0 into 0.0
    if signed and v != 0:
        return f"{v:+,.1f}"
    return f"{v:,.1f}"


def fmt_date(d: dt.date | dt.datetime | pd.Timestamp | str | None) -> str:
    """ISO date, ``2024-10-21`` (times are dropped); ``n/a`` for None or NaT."""
    day = _as_date(d)
    return day.isoformat() if day is not None else "n/a"


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
        return f"No {kind} figure for {when}."
    value = float(value)
    what = {
        "gained": f"{fmt_km2(value)} gained",
        "lost": f"{fmt_km2(value)} lost",
        "net": f"a net change of {fmt_km2(value, signed=True)}",
    }.get(kind, f"{fmt_km2(value)} ({kind})")
    noun = f"{_ADJECTIVE[unit]} {_NOUN.get(kind, kind)}"
    plural = f"{unit}s"

    larger = _as_date(row.get("larger_before"))
    rank = _as_int(row.get("rank_in_year"))
    n = _as_int(row.get("periods_in_year"))
    covered = bool(row.get("year_covered")) if _present(row.get("year_covered")) else False
    since = data_first or _estimate_first(start, unit, n)
    since_txt = fmt_date(since)

    clauses: list[str] = []
    if larger is not None:
        larger_value = row.get("larger_value")
        shown = (
            f" ({fmt_km2(float(larger_value), signed=kind == 'net')})"
            if _is_number(larger_value)
            else ""
        )
        if start is not None and larger == period_start_before(start, P.Freq(unit)):
            # "the largest since last week" says nothing: say it was smaller instead
            clauses.append(f"less than {_period_phrase(larger, unit)}{shown}")
        else:
            clauses.append(f"the largest {noun} since {_period_phrase(larger, unit)}{shown}")
    elif covered:
        clauses.append(f"the largest {noun} in all the data since {since_txt}, a record")
    elif n is not None:
        clauses.append(f"the largest {noun} in the {n} {plural} of data since {since_txt}")
        rank = None  # the clause above already says it
    if rank is not None and n is not None:
        if covered:
            top = " (the largest in the trailing year)" if rank == 1 and larger is not None else ""
            clauses.append(f"rank {rank} of {n} {plural} in the trailing year{top}")
        else:
            clauses.append(
                f"rank {rank} of the {n} {plural} of data since {since_txt} "
                "(the data do not cover a full year)"
            )
    tail = f": {', '.join(clauses)}" if clauses else ""
    return f"{what} in {when}{tail}."


_ADJECTIVE = {"day": "daily", "week": "weekly", "month": "monthly", "year": "yearly"}
_NOUN = {"gained": "gain", "lost": "loss", "net": "net change"}


# --------------------------------------------------------------------------- charts


def chart_series(
    series: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    title: str | None = None,
    credit: str = "",
    dpi: int = 150,
) -> Path:
    """Draw a series (SERIES_COLUMNS) as a PNG and return its path.

    Gained area per period is a red bar above zero, lost area a blue bar below zero,
    net change a dark marker on a thin line, all in km² on the left axis; the
    controlled area at each period's end snapshot is a line on the right axis.
    Periods with a snapshot gap are hatched ``///`` and periods the data do not yet
    cover completely are dotted and lighter; the legend explains both.
    """
    if series is None or len(series) == 0:
        raise InputError("series is empty: nothing to chart")
    path = Path(path)
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

    fig = _figure((10, 5.6), dpi)
    ax = fig.add_subplot()
    ax2 = ax.twinx()  # drawn above ax: the area line stays visible over the bars

    bars_g = ax.bar(x, np.nan_to_num(gained), width, color=GAINED_COLOUR, linewidth=0)
    bars_l = ax.bar(x, -np.nan_to_num(lost), width, color=LOST_COLOUR, linewidth=0)
    for bars in (bars_g, bars_l):
        for patch, is_gap, is_inc in zip(bars.patches, gap, incomplete, strict=True):
            if is_gap or is_inc:
                patch.set_alpha(0.45)
                patch.set_hatch("///" if is_gap else "...")
                patch.set_edgecolor("#333333")
                patch.set_linewidth(0)
    ax.axhline(0, color="#333333", linewidth=0.8, zorder=1)
    ax.plot(
        x,
        net,
        color=NET_COLOUR,
        linewidth=0.8,
        marker="o",
        markersize=3.2 if len(df) < 60 else 2,
        zorder=3,
    )
    # The area line starts at the first period's start (area at its end minus its net
    # change) so it spans the same dates as the bars.
    line_x = np.r_[mdates.date2num(start.iloc[0]), mdates.date2num(end.to_numpy())]
    line_y = np.r_[area[0] - net[0], area]
    ax2.plot(
        line_x,
        line_y,
        color=AREA_COLOUR,
        linewidth=1.8,
        path_effects=[withStroke(linewidth=4, foreground="white")],
    )
    thousands = FuncFormatter(lambda v, _: f"{v:,.0f}")
    signed = FuncFormatter(lambda v, _: f"{v:+,.0f}" if v else "0")
    ax.yaxis.set_major_formatter(signed)
    ax2.yaxis.set_major_formatter(thousands)
    ax.set_ylabel(f"km² per {unit}: gained (up), lost (down)")
    ax2.set_ylabel("Controlled area, km²", color=AREA_COLOUR)
    ax2.tick_params(axis="y", colors=AREA_COLOUR)
    _date_axis(ax, start, unit)
    ax.set_xlim(mdates.date2num(start.min()) - 1, mdates.date2num(end.max()) + 1)
    ax.grid(axis="y", color="#e5e5e5", linewidth=0.6)
    ax.set_axisbelow(True)
    for a in (ax, ax2):
        a.spines["top"].set_visible(False)

    first, last = _as_date(start.min()), _as_date(end.max())
    snap_first = _as_date(pd.to_datetime(df["snapshot_start"]).min())
    snap_last = _as_date(pd.to_datetime(df["snapshot_end"]).max())
    if title is None:
        title = (
            f"Russian-controlled area gained and lost per {unit} (km²), "
            f"{fmt_date(first)} to {fmt_date(last)}"
        )
    fig.suptitle(title, x=0.01, ha="left", fontsize=13, fontweight="bold")
    weekday = WEEKDAYS[first.weekday()] if first else "Monday"
    rule = (
        f"weeks from {weekday}'s snapshot to the next {weekday}'s"
        if unit == "week"
        else f"{unit}s from the snapshot of the first day to that of the next {unit}"
    )
    ax.set_title(
        f"Geodesic areas; {rule}; snapshots {fmt_date(snap_first)} to {fmt_date(snap_last)}",
        loc="left",
        fontsize=9,
        color=CREDIT_COLOUR,
    )

    handles = [
        Patch(color=GAINED_COLOUR, label=f"Gained per {unit}"),
        Patch(color=LOST_COLOUR, label=f"Lost per {unit}"),
        Line2D([], [], color=NET_COLOUR, marker="o", markersize=3.5, lw=0.8, label="Net change"),
        Line2D([], [], color=AREA_COLOUR, lw=1.8, label="Controlled area (right axis)"),
    ]
    if gap.any():
        handles.append(
            Patch(
                facecolor="#bbbbbb",
                edgecolor="#333333",
                hatch="///",
                lw=0,
                label="Snapshot gap: a snapshot older than the date it stands for",
            )
        )
    if incomplete.any():
        handles.append(
            Patch(
                facecolor="#bbbbbb",
                edgecolor="#333333",
                hatch="...",
                lw=0,
                label=f"Incomplete: the data end before the {unit} does",
            )
        )
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0, -0.09),
        ncols=3,
        fontsize=8.5,
        frameon=False,
        borderaxespad=0,
    )
    _credit(fig, credit)
    return _save(fig, path)


def chart_change_map(
    change: Change,
    before: BaseGeometry,
    path: str | os.PathLike[str],
    *,
    credit: str = "",
    context_km: float = 30,
    dpi: int = 150,
) -> Path:
    """Draw a map of one change as a PNG and return its path.

    ``before`` is the controlled geometry at ``change.snapshot_from`` (WGS84 lon/lat),
    drawn light grey; gained area is red, lost area blue, each also outlined so that
    fragments smaller than a pixel still show. The view is the bounds of the change
    (of the fragments kept by the sliver filter, when one was used) plus ``context_km``
    on each side, or the whole of ``before`` when nothing changed. Longitude is
    stretched by 1/cos(mean latitude) so shapes are true to scale; the scale bar is
    approximate (spherical, at the mean latitude).
    """
    path = Path(path)
    gained, lost = change.gained, change.lost
    view = _change_bounds(change)
    if view is None:
        view = None if before is None or before.is_empty else before.bounds
    if view is None:
        raise InputError("nothing to map: no change and no controlled area")
    lat0 = (view[1] + view[3]) / 2
    cos0 = max(math.cos(math.radians(lat0)), 0.05)
    x0, y0, x1, y1 = _map_view(view, cos0, context_km)
    ratio = (x1 - x0) * cos0 / (y1 - y0)  # width / height on the page

    # Fixed layout in inches (no layout engine): the axes box has exactly the view's
    # page ratio, so the aspect correction leaves no blank band.
    width, left, right, top, bottom = 8.0, 0.8, 0.2, 0.85, 1.3
    aw = width - left - right
    ah = aw / ratio
    height = ah + top + bottom
    fig = Figure(figsize=(width, height), dpi=dpi)
    ax = fig.add_axes((left / width, bottom / height, aw / width, ah / height))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(1 / cos0, adjustable="box")  # a degree of longitude is cos(lat) as long
    # Only the part of a large extent that shows is drawn (a country-sized polygon has
    # hundreds of thousands of vertices); the clip box is a little larger than the view.
    dx, dy = (x1 - x0) * 0.05, (y1 - y0) * 0.05
    clip = (x0 - dx, y0 - dy, x1 + dx, y1 + dy)
    if before is not None and not before.is_empty:
        _add_geometry(ax, shapely.clip_by_rect(before, *clip), BEFORE_COLOUR, BEFORE_EDGE, 0.5)
    if gained is not None and not gained.is_empty:
        _add_geometry(ax, shapely.clip_by_rect(gained, *clip), GAINED_COLOUR, GAINED_COLOUR, 0.8)
    if lost is not None and not lost.is_empty:
        _add_geometry(ax, shapely.clip_by_rect(lost, *clip), LOST_COLOUR, LOST_COLOUR, 0.8)

    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _degrees(v, "E", "W")))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _degrees(v, "N", "S")))
    ax.tick_params(labelsize=8, colors=CREDIT_COLOUR)
    for spine in ax.spines.values():
        spine.set_color("#999999")
    ax.set_facecolor("white")
    _scale_bar(ax, cos0)
    if before is not None and not before.is_empty:
        changed = shapely.union_all([g for g in (gained, lost) if g is not None])
        _locator(fig, ax, before, changed, (x0, y0, x1, y1), cos0)

    a, b = fmt_date(change.snapshot_from), fmt_date(change.snapshot_to)
    fig.text(
        0.1 / width,
        1 - 0.12 / height,
        f"Russian-controlled area: change from {fmt_date(change.date_from)} "
        f"to {fmt_date(change.date_to)}",
        ha="left",
        va="top",
        fontsize=13,
        fontweight="bold",
    )
    subtitle = f"Net {fmt_km2(change.net_km2, signed=True)}; snapshots of {a} and {b}"
    if change.gap:
        subtitle += " (snapshot gap: older than the dates asked)"
    fig.text(
        0.1 / width,
        1 - 0.48 / height,
        subtitle,
        ha="left",
        va="top",
        fontsize=9.5,
        color=CREDIT_COLOUR,
    )
    handles = [
        Patch(
            facecolor=BEFORE_COLOUR,
            edgecolor=BEFORE_EDGE,
            lw=0.5,
            label=f"Controlled on {a}: {fmt_km2(change.area_from_km2)}",
        ),
        Patch(color=GAINED_COLOUR, label=f"Gained by {b}: {fmt_km2(change.gained_km2)}"),
        Patch(color=LOST_COLOUR, label=f"Lost by {b}: {fmt_km2(change.lost_km2)}"),
    ]
    fig.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.1 / width, (bottom - 0.3) / height),
        ncols=1,
        fontsize=9,
        frameon=False,
        borderaxespad=0,
        handlelength=1.6,
    )
    _credit(fig, credit)
    return _save(fig, path)


def _locator(
    fig: Figure,
    ax: Axes,
    extent: BaseGeometry,
    changed: BaseGeometry,
    view: tuple[float, float, float, float],
    cos0: float,
) -> None:
    """A small map in a corner: the whole controlled extent, simplified, and a red box
    where the main map looks, so a reader sees where on the front the change is. The
    corner is the one hiding the least change (then the least controlled area)."""
    ex0, ey0, ex1, ey1 = extent.bounds
    vx0, vy0, vx1, vy1 = view
    if vx0 <= ex0 and vy0 <= ey0 and vx1 >= ex1 and vy1 >= ey1:
        return  # the main map already shows it all
    box_ax = ax.get_position()
    w = box_ax.width * 0.28
    h = w * fig.get_figwidth() / fig.get_figheight() * (ey1 - ey0) / ((ex1 - ex0) * cos0)
    fx, fy = w / box_ax.width * (vx1 - vx0), h / box_ax.height * (vy1 - vy0)  # data units
    corners = {  # figure position -> the data rectangle it covers
        (box_ax.x1 - w - 0.01, box_ax.y1 - h - 0.01): (vx1 - fx, vy1 - fy, vx1, vy1),
        (box_ax.x0 + 0.01, box_ax.y1 - h - 0.01): (vx0, vy1 - fy, vx0 + fx, vy1),
        (box_ax.x1 - w - 0.01, box_ax.y0 + 0.01): (vx1 - fx, vy0, vx1, vy0 + fy),
        (box_ax.x0 + 0.01, box_ax.y0 + 0.01): (vx0, vy0, vx0 + fx, vy0 + fy),
    }

    def hidden(rect: tuple) -> tuple[float, float]:
        cell = shapely.box(*rect)
        return (shapely.intersection(changed, cell).area, shapely.intersection(extent, cell).area)

    (px, py), _ = min(corners.items(), key=lambda kv: hidden(kv[1]))
    inset = fig.add_axes((px, py, w, h))
    simple = shapely.simplify(extent, (ex1 - ex0) / 400)
    _add_geometry(inset, simple, BEFORE_COLOUR, BEFORE_EDGE, 0.3)
    inset.add_patch(
        PathPatch(
            MplPath([(vx0, vy0), (vx1, vy0), (vx1, vy1), (vx0, vy1), (vx0, vy0)]),
            fill=False,
            edgecolor=GAINED_COLOUR,
            lw=1.2,
        )
    )
    inset.set_xlim(ex0, ex1)
    inset.set_ylim(ey0, ey1)
    inset.set_aspect(1 / cos0, adjustable="box")
    inset.set_xticks([])
    inset.set_yticks([])
    inset.set_facecolor("white")
    for spine in inset.spines.values():
        spine.set_color("#999999")


def _date_axis(ax: Axes, start: pd.Series, unit: str) -> None:
    """Date ticks: period starts for up to 30 weeks ("21 Oct", with the year on the first and
    at each new year), months for monthly series, matplotlib's choice otherwise."""
    if unit == "week" and len(start) <= 30:
        step = math.ceil(len(start) / 10)
        ticks = list(start.iloc[::step])
        labels, year = [], None
        for t in ticks:
            label = f"{t.day} {MONTHS[t.month - 1][:3]}"
            labels.append(label if t.year == year else f"{label} {t.year}")
            year = t.year
        ax.set_xticks(mdates.date2num(ticks), labels)
        return
    locator: mdates.DateLocator
    if unit == "month":
        locator = mdates.MonthLocator(interval=max(1, math.ceil(len(start) / 12)))
    else:
        locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


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


def _add_geometry(ax: Axes, geom: BaseGeometry, face: str, edge: str, lw: float) -> None:
    """Add the polygonal parts of ``geom`` as one compound patch (holes left open).

    Exteriors are oriented counter-clockwise and holes clockwise, so matplotlib's
    non-zero fill rule leaves the holes empty.
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
    patch = PathPatch(MplPath(coords, codes), facecolor=face, edgecolor=edge, linewidth=lw)
    ax.add_patch(patch)


def _scale_bar(ax: Axes, cos0: float) -> None:
    """An approximate scale bar in km, about a fifth of the map's width, lower left."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    width_km = (x1 - x0) * KM_PER_DEGREE * cos0
    km = _nice_length(width_km / 5)
    length = km / (KM_PER_DEGREE * cos0)
    bx, by = x0 + 0.04 * (x1 - x0), y0 + 0.05 * (y1 - y0)
    halo = [withStroke(linewidth=5, foreground="white")]
    ax.plot(
        [bx, bx + length],
        [by, by],
        color="black",
        lw=3,
        solid_capstyle="butt",
        zorder=5,
        path_effects=halo,
    )
    label = f"{km:,.0f} km" if km >= 1 else f"{km:g} km"
    ax.text(
        bx + length / 2,
        by + 0.012 * (y1 - y0),
        label,
        ha="center",
        va="bottom",
        fontsize=9,
        zorder=5,
        path_effects=[withStroke(linewidth=3, foreground="white")],
    )


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
    return f"{abs(v):.1f}°{pos if v >= 0 else neg}"


def _figure(size: tuple[float, float], dpi: int) -> Figure:
    """A figure whose constrained layout leaves a strip at the bottom for the credit."""
    strip = 0.3 / size[1]  # 0.3 inch
    layout = ConstrainedLayoutEngine(rect=(0, strip, 1, 1 - strip))
    return Figure(figsize=size, dpi=dpi, layout=layout)


def _credit(fig: Figure, credit: str) -> None:
    """The source credit in the bottom-right corner (in the strip ``_figure`` leaves)."""
    text = credit.strip()
    if text and not text.lower().startswith(("source", "data")):
        text = f"Source: {text}"
    text = f"{text} · Chart: Vigil" if text else "Chart: Vigil"
    fig.text(0.99, 0.012, text, ha="right", va="bottom", fontsize=8, color=CREDIT_COLOUR)


def _save(fig: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    # The file's suffix chooses the format (PNG unless .svg or .pdf): the web site
    # offers every chart as vectors too.
    fmt = path.suffix.lower().lstrip(".")
    fig.savefig(path, format=fmt if fmt in ("png", "svg", "pdf") else "png", facecolor="white")
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


@dataclass(frozen=True)
class _Image:
    path: Path
    alt: str


_CHART_ALT = {
    "weekly": "Weekly area gained and lost, km², with the controlled area",
    "monthly": "Monthly area gained and lost, km², with the controlled area",
    "map": "Map of last week's change: gained in red, lost in blue",
}


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
                text = f"> **Note:** {text}"
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
    title = next((b.text for b in blocks if isinstance(b, _Heading) and b.level == 1), "Brief")
    body: list[str] = []
    for block in blocks:
        if isinstance(block, _Heading):
            body.append(f"<h{block.level}>{_h(block.text)}</h{block.level}>")
        elif isinstance(block, _Para):
            cls = f' class="{block.style}"' if block.style else ""
            prefix = "<strong>Note:</strong> " if block.style == "note" else ""
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
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
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
    of last week. Markdown links the charts by relative path; HTML embeds them.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".md", ".html", ".htm"):
        raise InputError(f"{path}: expected a .md or .html file name")
    folder = Path(chart_dir) if chart_dir is not None else path.parent
    folder.mkdir(parents=True, exist_ok=True)
    stem = path.stem
    charts: dict[str, Path] = {}
    if data.weekly is not None and len(data.weekly):
        charts["weekly"] = chart_series(
            data.weekly, folder / f"{stem}-weekly.png", credit=data.credit, dpi=dpi
        )
    if data.monthly is not None and len(data.monthly):
        charts["monthly"] = chart_series(
            data.monthly, folder / f"{stem}-monthly.png", credit=data.credit, dpi=dpi
        )
    before = data.extra.get("week_before_geometry")
    if isinstance(before, BaseGeometry):
        charts["map"] = chart_change_map(
            data.last_week, before, folder / f"{stem}-week-map.png", credit=data.credit, dpi=dpi
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


def _brief_blocks(data: BriefData, charts: Mapping[str, Path]) -> list[object]:
    week = data.last_week
    blocks: list[object] = [
        _Heading(f"{data.source}: Russian-controlled area, week to {fmt_date(week.date_to)}", 1),
        _Para(
            f"Vigil brief, {fmt_date(data.as_of)}. Data: {data.source} snapshots from "
            f"{fmt_date(data.data_first)} to {fmt_date(data.data_last)}.",
            "small",
        ),
        _Para(_headline(week, data.source), "lead"),
    ]
    blocks += [_Para(note, "note") for note in _gap_notes(week, data)]
    record = _record_text(data.week_record, "week", data)
    if record:
        blocks.append(_Para(record))

    blocks.append(_Heading("Last month and year to date"))
    month_label = _month_label(data.last_month)
    items = [
        _change_line(month_label, data.last_month),
        _change_line(f"Year to date ({_span(data.year_to_date)})", data.year_to_date),
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

    blocks.append(_Heading("Controlled area"))
    blocks.append(_Para(_area_text(data)))

    regions = data.extra.get("regions_week")
    where = _regions_table(regions if isinstance(regions, pd.DataFrame) else None)
    if where is not None:
        blocks += [_Heading("Where, last week"), where]
        blocks.append(
            _Para("Areas in km², by oblast (OpenStreetMap boundaries, land only).", "small")
        )

    places = data.extra.get("settlements_week")
    if isinstance(places, pd.DataFrame):
        coverage = data.extra.get("settlements_coverage")
        blocks += _settlement_blocks(places, coverage if isinstance(coverage, list) else [])

    table = _weeks_table(data.weekly, 12)
    if table is not None:
        blocks += [_Heading(f"Last {len(table.rows)} weeks"), table]
        blocks.append(
            _Para(
                "Areas in km². Each week runs from the map of the Sunday before it to the map of"
                " its Sunday; a gap means a snapshot older than the date it stands for.",
                "small",
            )
        )

    if charts:
        blocks.append(_Heading("Charts"))
        order = [k for k in ("weekly", "monthly", "map") if k in charts]
        order += [k for k in charts if k not in order]
        blocks += [_Image(Path(charts[k]), _CHART_ALT.get(k, k)) for k in order]

    blocks += [_Heading("Method"), _Bullets(_method_items(data))]
    blocks += [
        _Heading("Source"),
        _Para(f"Data: {data.credit}" if data.credit else f"Data: {data.source}."),
        _Para("Figures computed with Vigil, an open-source territory monitor.", "small"),
    ]
    return blocks


def _headline(week: Change, source: str) -> str:
    return (
        f"From {fmt_date(week.date_from)} to {fmt_date(week.date_to)}, the Russian-controlled "
        f"area changed by a net {fmt_km2(week.net_km2, signed=True)}: "
        f"{fmt_km2(week.gained_km2)} gained and {fmt_km2(week.lost_km2)} lost, according to "
        f"{source} snapshots of {fmt_date(week.snapshot_from)} and {fmt_date(week.snapshot_to)}."
    )


def _gap_notes(week: Change, data: BriefData) -> list[str]:
    notes = _change_gap_notes(week)
    if data.data_last < data.as_of and week.snapshot_to >= week.date_to:
        notes.append(
            f"the data end on {fmt_date(data.data_last)}, "
            f"{_days(data.as_of - data.data_last)} before {fmt_date(data.as_of)}."
        )
    return notes


def _change_gap_notes(change: Change) -> list[str]:
    notes = []
    if change.snapshot_to < change.date_to:
        notes.append(
            f"the latest snapshot is from {fmt_date(change.snapshot_to)}, "
            f"{_days(change.date_to - change.snapshot_to)} before the date asked "
            f"({fmt_date(change.date_to)})."
        )
    if change.snapshot_from < change.date_from:
        notes.append(
            f"the snapshot used for {fmt_date(change.date_from)} is from "
            f"{fmt_date(change.snapshot_from)}, "
            f"{_days(change.date_from - change.snapshot_from)} earlier."
        )
    return notes


def _record_text(row: pd.Series | None, unit: str, data: BriefData) -> str:
    if row is None or len(row) == 0 or "value" not in row:
        return ""
    metric = str(data.extra.get("record_metric", "gained"))
    # the first period of data is estimated from the row, as the CLI does: the first
    # map (data_first) is the state when that period begins, not its first day
    return records_sentence(row, metric, unit)


def _change_line(label: str, c: Change) -> str:
    return (
        f"{label}: {fmt_km2(c.gained_km2)} gained, {fmt_km2(c.lost_km2)} lost, net "
        f"{fmt_km2(c.net_km2, signed=True)} (snapshots of {fmt_date(c.snapshot_from)} "
        f"and {fmt_date(c.snapshot_to)})"
    )


def _month_label(c: Change) -> str:
    """'September 2024, …' when the change is a calendar month: the maps of the day
    before its 1st to its last day (vigil.territory.series)."""
    a, b = c.date_from + _DAY, c.date_to + _DAY
    whole = a == P.floor(a, P.Freq.MONTH) and b == P.next_start(a, P.Freq.MONTH)
    name = f"{MONTHS[a.month - 1]} {a.year}, " if whole else "Last month, "
    return f"{name}{_span(c)}"


def _span(c: Change) -> str:
    return f"{fmt_date(c.date_from)} to {fmt_date(c.date_to)}"


def _area_text(data: BriefData) -> str:
    a = data.area
    text = (
        f"On {fmt_date(a.date)}, {fmt_km2(a.controlled_km2)} was under Russian control "
        f"(snapshot of {fmt_date(a.snapshot_date)})."
    )
    if a.gap:
        text += f" The snapshot is {_days(a.date - a.snapshot_date)} older than the date asked."
    if a.grey_km2 is not None:
        if a.with_grey:
            text += (
                f" A further {fmt_km2(a.grey_km2)} is of unknown status (the grey zone); "
                f"with it, the figure is {fmt_km2(a.area_km2)}."
            )
        else:
            text += (
                f" A further {fmt_km2(a.grey_km2)} is of unknown status (the grey zone) "
                "and is not included."
            )
    return text


def _settlement_blocks(changed: pd.DataFrame, coverage: list[str]) -> list[object]:
    """Settlements whose status changed last week, with the gazetteer's coverage."""
    blocks: list[object] = [_Heading("Settlements that changed hands, last week")]
    if len(changed):
        rows = [
            [
                str(r.get("name_en") or r.get("name_uk")),
                str(r.get("name_uk") or ""),
                str(r.get("oblast") or ""),
                f"{r['from_status']} → {r['to_status']}",
                fmt_date(r["since"]),
            ]
            for _, r in changed.iterrows()
        ]
        blocks.append(_Table(["Settlement", "Name (uk)", "Oblast", "Status", "Since"], rows))
    else:
        blocks.append(_Para("No located settlement changed status."))
    if coverage:
        text = "Only settlements with their own coordinates are read from the map: "
        blocks.append(_Para(text + "; ".join(coverage) + ".", "small"))
    return blocks


def _regions_table(frame: pd.DataFrame | None) -> _Table | None:
    """Gained, lost and net per region (rows of vigil.territory.regions.region_change)."""
    if frame is None or len(frame) == 0:
        return None
    rows = [
        [
            str(r.get("name_en") or r.get("name_uk") or r.get("code")),
            fmt_number(r["gained_km2"]),
            fmt_number(r["lost_km2"]),
            fmt_number(r["net_km2"], signed=True),
        ]
        for _, r in frame.iterrows()
    ]
    return _Table(["Region", "Gained", "Lost", "Net"], rows, [False, True, True, True])


def _weeks_table(weekly: pd.DataFrame | None, n: int) -> _Table | None:
    if weekly is None or len(weekly) == 0:
        return None
    rows = []
    for _, r in weekly.tail(n).iterrows():
        notes = []
        if _present(r.get("gap")) and bool(r.get("gap")):
            notes.append("gap")
        if _present(r.get("complete")) and not bool(r.get("complete")):
            notes.append("incomplete")
        rows.append(
            [
                f"{fmt_date(r['period_start'])} to {fmt_date(r['period_end'])}",
                f"{fmt_date(r['snapshot_start'])}, {fmt_date(r['snapshot_end'])}",
                fmt_number(r["gained_km2"]),
                fmt_number(r["lost_km2"]),
                fmt_number(r["net_km2"], signed=True),
                fmt_number(r["area_km2"]),
                ", ".join(notes),
            ]
        )
    header = ["Week", "Snapshots used", "Gained", "Lost", "Net", "Controlled", "Note"]
    return _Table(header, rows, [False, False, True, True, True, True, False])


def _method_items(data: BriefData) -> list[str]:
    weekday = "Monday"
    if data.weekly is not None and len(data.weekly):
        first = _as_date(data.weekly["period_start"].iloc[0])
        if first is not None:
            weekday = WEEKDAYS[first.weekday()]
    items = [
        "Areas are geodesic, on the WGS84 ellipsoid (pyproj.Geod), in km²; never a planar "
        "area in a map projection.",
        "Controlled area: the union of the source's Russian-controlled layers; the grey "
        "zone of unknown status is reported separately.",
        "Change between snapshots A and B: gained = area(B \\ A), lost = area(A \\ B), "
        "net = area(B) − area(A). It is computed from the two snapshots, never by summing "
        "daily changes, so advances and withdrawals in between cancel out.",
        f"Weeks run from {weekday}'s snapshot to the next {weekday}'s; months from the 1st "
        "to the 1st of the next month; the year from 1 January.",
        "The snapshot for a date is the latest one on or before it; a snapshot older than "
        "its date is flagged as a gap.",
        "Rankings compare a period with the periods that start in the twelve months before "
        "it; where the data cover less than a year, the number of periods compared is given.",
    ]
    c = data.last_week
    if c.filtered:
        rules = []
        if c.min_fragment_km2 is not None:
            rules.append(f"smaller than {c.min_fragment_km2:g} km²")
        if c.min_width_km is not None:
            rules.append(f"narrower than {c.min_width_km:g} km")
        items.append(
            "Figures are raw. With the sliver filter (fragments "
            f"{' or '.join(rules)} dropped), last week's figures are "
            f"{fmt_km2(c.gained_filtered_km2)} gained and {fmt_km2(c.lost_filtered_km2)} lost."
        )
    else:
        items.append(
            "Figures are raw: every fragment of gain or loss counts, including the slivers "
            "left when a line is redrawn (no sliver filter)."
        )
    return items


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
    return f"<table><thead><tr>{cells(t.header, 'th')}</tr></thead><tbody>{body}</tbody></table>"


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
    if d is None:
        return f"an unknown {unit}"
    if unit == "month":
        return f"{MONTHS[d.month - 1]} {d.year}"
    if unit == "year":
        return str(d.year)
    if unit == "day":
        return fmt_date(d)
    return f"the {unit} of {fmt_date(d)}"


def _estimate_first(start: dt.date | None, unit: str, n: int | None) -> dt.date | None:
    """First period start of the data, from the count of periods up to ``start``."""
    if start is None or n is None:
        return None
    return period_start_before(start, P.Freq(unit), n - 1)
