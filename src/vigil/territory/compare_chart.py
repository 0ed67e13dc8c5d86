"""The comparison chart (PNG): two sources' net change per period on one axis, and their
difference below it. Pure rendering of a :class:`vigil.territory.compare.Comparison`, in
the house style of :mod:`vigil.territory.render` (object API, no pyplot, credit strip).

Colours: source A blue and source B orange (Okabe & Ito, distinguishable with the
common colour-vision deficiencies), told apart by marker as well (circle, square);
the difference B − A is grey bars.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from vigil.errors import InputError

if TYPE_CHECKING:
    from vigil.territory.compare import Comparison

A_COLOUR = "#0072B2"
B_COLOUR = "#E69F00"
DIFF_COLOUR = "#666666"


def chart_compare(
    comparison: Comparison,
    path: str | os.PathLike[str],
    *,
    credit: str = "",
    title: str | None = None,
    dpi: int = 150,
) -> Path:
    """Draw ``comparison.periods`` as a PNG (or SVG/PDF by suffix) and return its path.

    Top: each source's net change per period (km², geodesic), A and B as lines with
    markers. Bottom: the difference of net change, B − A, as bars, and the difference
    of area at each period end (B − A) as a line on the right axis.
    """
    import numpy as np
    import pandas as pd
    from matplotlib import dates as mdates
    from matplotlib.ticker import FuncFormatter

    from vigil.territory.render import (
        CREDIT_COLOUR,
        _credit,
        _date_axis,
        _figure,
        _save,
        fmt_date,
    )

    df = comparison.periods.reset_index(drop=True)
    if df.empty:
        raise InputError("the comparison holds no period: nothing to chart", param="sources")
    a, b, unit = comparison.source_a, comparison.source_b, comparison.freq
    start = pd.to_datetime(df["period_start"])
    end = pd.to_datetime(df["period_end"])
    x = mdates.date2num((start + (end - start) / 2).to_numpy())
    width = (end - start).dt.days.to_numpy(dtype=float) * 0.8

    fig = _figure((10, 6.4), dpi)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    small = len(df) < 60
    for col, name, colour, marker in (
        ("net_a_km2", a, A_COLOUR, "o"),
        ("net_b_km2", b, B_COLOUR, "s"),
    ):
        top.plot(
            x,
            df[col].to_numpy(dtype=float),
            color=colour,
            lw=1.2,
            marker=marker,
            markersize=3.5 if small else 2,
            label=f"{name}: net change per {unit}",
        )
    top.axhline(0, color="#333333", lw=0.8, zorder=1)
    bottom.bar(x, df["net_diff_km2"].to_numpy(dtype=float), width, color=DIFF_COLOUR, lw=0,
               label=f"Net change: {b} − {a}")  # fmt: skip
    bottom.axhline(0, color="#333333", lw=0.8, zorder=1)
    right = bottom.twinx()
    label = f"Area at the period end: {b} − {a} (right)"
    area_diff = df["area_diff_km2"].to_numpy(dtype=float)
    right.plot(mdates.date2num(end.to_numpy()), area_diff, color="#6a3d9a", lw=1.4, label=label)
    signed = FuncFormatter(lambda v, _: f"{v:+,.0f}" if v else "0")
    for ax in (top, bottom, right):
        ax.yaxis.set_major_formatter(signed)
        ax.spines["top"].set_visible(False)
    for ax in (top, bottom):
        ax.grid(axis="y", color="#e5e5e5", linewidth=0.6)
        ax.set_axisbelow(True)
    top.set_ylabel(f"km² per {unit}")
    bottom.set_ylabel(f"{b} − {a}, km²")
    right.set_ylabel("Area difference, km²", color="#6a3d9a")
    right.tick_params(axis="y", colors="#6a3d9a")
    # both bottom axes symmetric about 0, so that their zeros are one line
    for ax, values in ((bottom, df["net_diff_km2"]), (right, df["area_diff_km2"])):
        reach = float(np.nanmax(np.abs(values.to_numpy(dtype=float)))) if len(values) else 0.0
        ax.set_ylim(-(reach or 1.0) * 1.1, (reach or 1.0) * 1.1)
    _date_axis(bottom, start, unit)
    bottom.set_xlim(x.min() - width.max(), x.max() + width.max())
    top.legend(loc="upper left", fontsize=8.5, frameon=False)
    handles = bottom.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    bottom.legend(handles=handles, loc="upper left", fontsize=8.5, frameon=False)

    clip = "; both maps clipped to the oblasts (land only)" if comparison.land_only else ""
    if title is None:
        title = (
            f"Net change per {unit}: {a} and {b}, "
            f"{fmt_date(start.min().date())} to {fmt_date(end.max().date())}"
        )
    fig.suptitle(title, x=0.01, ha="left", fontsize=13, fontweight="bold")
    snaps = [
        f"{name} snapshots {fmt_date(df[f'snapshot_start_{s}'].min())}"
        f" to {fmt_date(df[f'snapshot_end_{s}'].max())}"
        for name, s in ((a, "a"), (b, "b"))
    ]
    gaps = int(np.sum(df["gap"].astype(bool)))
    gap_note = f"; {gaps} period(s) use a snapshot older than its date" if gaps else ""
    top.set_title(
        f"Geodesic areas{clip}{gap_note}\n{'; '.join(snaps)}",
        loc="left",
        fontsize=9,
        color=CREDIT_COLOUR,
    )
    _credit(fig, credit)
    return _save(fig, Path(path))
