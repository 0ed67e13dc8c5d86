"""The comparison chart (PNG/SVG): two sources' net change per period, their difference
and the difference of their areas, each in a panel of its own. Pure rendering of a
:class:`vigil.territory.compare.Comparison`, in the house style of
:mod:`vigil.territory.render` (object API, no pyplot, header with title, sources, dates
and method, legend band, credit strip).

Colours are :mod:`vigil.palette`'s second-series pair: source A blue and source B orange
(Okabe & Ito), told apart by marker as well (circle, square); both differences B − A
are grey. No panel has a second y-axis: the differences of net change and of area are
of different sizes and meanings, so each has its own axis, symmetric about zero.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from vigil import palette
from vigil.errors import InputError
from vigil.i18n import gettext as _
from vigil.i18n import ngettext, pgettext

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from vigil.territory.compare import Comparison


def chart_compare(
    comparison: Comparison,
    path: str | os.PathLike[str],
    *,
    credit: str = "",
    title: str | None = None,
    dpi: int = 150,
    credits: tuple[str, str] | None = None,
    names: tuple[str, str] | None = None,
) -> Path:
    """Draw ``comparison.periods`` as a PNG (or SVG/PDF by suffix) and return its path.

    See :func:`compare_figure`.
    """
    from vigil.territory.render import _save

    fig = compare_figure(
        comparison, credit=credit, title=title, dpi=dpi, credits=credits, names=names
    )
    return _save(fig, Path(path))


def compare_figure(
    comparison: Comparison,
    *,
    credit: str = "",
    title: str | None = None,
    dpi: int = 150,
    credits: tuple[str, str] | None = None,
    names: tuple[str, str] | None = None,
) -> Figure:
    """The comparison chart as a matplotlib Figure.

    Top: each source's net change per period (km², geodesic), A and B as lines with
    markers. Middle: the difference of net change, B − A, as bars. Bottom: the
    difference of area at each period end, B − A, as a line. The sources are named as
    readers know them: ``names``, else read from each one's credit (``credits``, as
    ``Store.source_credit`` gives them) by :func:`vigil.territory.render.source_name`;
    two sources of one name are told apart by their ids.
    """
    import numpy as np
    import pandas as pd
    from matplotlib import dates as mdates
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    from vigil.territory.render import (
        HEADER_IN,
        _axis_number,
        _credit,
        _date_axis,
        _figure,
        _header,
        _legend_below,
        _unit_text,
        day_span,
        human_date,
        method_line,
        source_name,
    )

    df = comparison.periods.reset_index(drop=True)
    if df.empty:
        raise InputError(_("the comparison holds no period: nothing to chart"), param="sources")
    ids = (comparison.source_a, comparison.source_b)
    if names is None:
        got = credits or ("", "")
        names = (source_name(ids[0], got[0]), source_name(ids[1], got[1]))
        if names[0] == names[1]:
            # Translators: %(name)s is a source's name, %(id)s its identifier in the store.
            names = (
                _("%(name)s (%(id)s)") % {"name": names[0], "id": ids[0]},
                _("%(name)s (%(id)s)") % {"name": names[1], "id": ids[1]},
            )
    a, b = names
    unit = comparison.freq
    start = pd.to_datetime(df["period_start"])
    end = pd.to_datetime(df["period_end"])
    x = mdates.date2num((start + (end - start) / 2).to_numpy())
    width = (end - start).dt.days.to_numpy(dtype=float) * 0.8

    header_in = HEADER_IN + 0.2  # a fourth line: the maps of each source
    fig = _figure((10, 7.2), dpi, header_in=header_in)
    top, middle, bottom = fig.subplots(3, 1, sharex=True, height_ratios=(3, 1.7, 1.4))
    small = len(df) < 60
    handles = []
    for col, name, colour, marker in (
        ("net_a_km2", a, palette.SOURCE_A, "o"),
        ("net_b_km2", b, palette.SOURCE_B, "s"),
    ):
        (line,) = top.plot(
            x,
            df[col].to_numpy(dtype=float),
            color=colour,
            lw=1.2,
            marker=marker,
            markersize=3.5 if small else 2,
            label=_unit_text("cmp_legend_net", unit) % {"source": name},
        )
        handles.append(line)
    top.axhline(0, color=palette.TEXT, lw=0.8, zorder=1)
    bars = middle.bar(
        x, df["net_diff_km2"].to_numpy(dtype=float), width, color=palette.SOURCE_DIFF, lw=0,
        # Translators: %(a)s and %(b)s are two data sources' names.
        label=_("Difference of net change, %(b)s − %(a)s") % {"a": a, "b": b},
    )  # fmt: skip
    middle.axhline(0, color=palette.TEXT, lw=0.8, zorder=1)
    area_diff = df["area_diff_km2"].to_numpy(dtype=float)
    (area_line,) = bottom.plot(
        mdates.date2num(end.to_numpy()),
        area_diff,
        color=palette.SOURCE_DIFF,
        lw=1.4,
        label=_unit_text("cmp_legend_area", unit) % {"a": a, "b": b},
    )
    bottom.axhline(0, color=palette.TEXT, lw=0.8, zorder=1)
    handles += [bars, area_line]
    signed = FuncFormatter(lambda v, _pos: _axis_number(v, signed=True))
    for ax in (top, middle, bottom):
        ax.yaxis.set_major_formatter(signed)
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="y", color=palette.GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        ax.set_ylabel(pgettext("unit", "km²"))
    for ax in (middle, bottom):
        ax.yaxis.set_major_locator(MaxNLocator(4, symmetric=True))
    top.set_title(_unit_text("cmp_panel_net", unit), loc="left", fontsize=9, color=palette.TEXT)
    middle.set_title(
        _unit_text("cmp_panel_diff", unit) % {"a": a, "b": b},
        loc="left",
        fontsize=9,
        color=palette.TEXT,
    )
    bottom.set_title(
        _unit_text("cmp_panel_area", unit) % {"a": a, "b": b},
        loc="left",
        fontsize=9,
        color=palette.TEXT,
    )
    # the difference panels symmetric about 0, so that a positive and a negative
    # difference of one size look alike
    for ax, values in ((middle, df["net_diff_km2"]), (bottom, df["area_diff_km2"])):
        reach = float(np.nanmax(np.abs(values.to_numpy(dtype=float)))) if len(values) else 0.0
        ax.set_ylim(-(reach or 1.0) * 1.1, (reach or 1.0) * 1.1)
    for ax in (top, middle):
        ax.tick_params(axis="x", which="both", bottom=False, labelbottom=False)
    _date_axis(bottom, start, unit, end)
    bottom.set_xlim(x.min() - width.max(), x.max() + width.max())
    fig.align_ylabels([top, middle, bottom])

    if title is None:
        title = _unit_text("cmp_title", unit)
    first, last = start.min().date(), end.max().date()
    n = len(df)
    # Translators: %(source)s is a data source's name, %(first)s and %(last)s dates.
    snaps = [
        _("%(source)s maps of %(first)s to %(last)s")
        % {
            "source": name,
            "first": human_date(df[f"snapshot_start_{s}"].min()),
            "last": human_date(df[f"snapshot_end_{s}"].max()),
        }
        for name, s in ((a, "a"), (b, "b"))
    ]
    # Translators: %(a)s and %(b)s are two data sources' names, %(periods)s a count such
    # as "12 weeks", %(days)s the days they cover.
    subtitle = _("%(a)s and %(b)s · %(periods)s, %(days)s") % {
        "a": a,
        "b": b,
        "periods": _count_periods(unit, n),
        "days": day_span(first, last - pd.Timedelta(days=1)),
    }
    sentences = [method_line(unit, first)]
    if comparison.land_only:
        sentences.append(_("Both maps clipped to the oblasts (land only)."))
    gaps = int(np.sum(df["gap"].astype(bool)))
    if gaps:
        sentences.append(_gap_sentence(unit, gaps))
    method = " ".join(sentences)
    # Translators: the two "maps of … to …" phrases of a comparison chart, in order.
    more = _("%(first)s; %(second)s.") % {"first": snaps[0], "second": snaps[1]}
    _header(fig, title, subtitle, method, more)
    _legend_below(fig, handles, ncols=2, header_in=header_in)
    _credit(fig, credit)
    return fig


def _count_periods(unit: str, n: int) -> str:
    from vigil.territory.render import _count_periods as count

    if unit not in ("day", "week", "month", "year"):
        return f"{n} {unit}{'s' if n != 1 else ''}"
    return count(unit, n)


def _gap_sentence(unit: str, n: int) -> str:
    """ "3 weeks use a snapshot older than the date it stands for." """
    if unit == "day":
        text = ngettext(
            "%(n)d day uses a snapshot older than the date it stands for.",
            "%(n)d days use a snapshot older than the date they stand for.",
            n,
        )
    elif unit == "month":
        text = ngettext(
            "%(n)d month uses a snapshot older than the date it stands for.",
            "%(n)d months use a snapshot older than the date they stand for.",
            n,
        )
    elif unit == "year":
        text = ngettext(
            "%(n)d year uses a snapshot older than the date it stands for.",
            "%(n)d years use a snapshot older than the date they stand for.",
            n,
        )
    else:
        text = ngettext(
            "%(n)d week uses a snapshot older than the date it stands for.",
            "%(n)d weeks use a snapshot older than the date they stand for.",
            n,
        )
    return text % {"n": n}
