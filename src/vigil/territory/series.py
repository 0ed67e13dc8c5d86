"""Series and records built from periods and overlays (pure: no I/O).

A series row is the change between the snapshot standing for a period's start and
the one standing for its end, computed from those two snapshots (never by summing
daily changes, where advances and withdrawals in between would cancel).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from vigil import periods as P
from vigil.choices import not_one_of
from vigil.territory import change as overlay_mod
from vigil.territory.results import RECORD_COLUMNS, SERIES_COLUMNS


@dataclass(frozen=True)
class PlannedPeriod:
    """A period and the snapshots that stand for its ends."""

    start: dt.date
    end: dt.date
    snap_a: dt.date
    snap_b: dt.date
    complete: bool


def plan(
    freq: P.Freq,
    dates: Sequence[dt.date],
    *,
    start: dt.date,
    end: dt.date,
    week_start: int = 0,
    partial: bool = False,
) -> list[PlannedPeriod]:
    """Periods of ``freq`` starting in [floor(start), end) that the data can answer.

    A period is complete when the data reach its end (a snapshot dated on or after
    it exists). An unfinished period is measured up to the last snapshot and kept
    only when ``partial``. Periods starting before the first snapshot are skipped.
    """
    last = dates[-1]
    out = []
    for s, e in P.periods(start, end, freq, week_start):
        a = P.snapshot_for(s, dates)
        if a is None:
            continue
        complete = last >= e
        if not complete and (not partial or s > last):
            continue
        b = P.snapshot_for(min(e, last), dates)
        assert b is not None
        out.append(PlannedPeriod(s, e, a, b, complete))
    return out


def period_start_before(
    start: dt.date, freq: P.Freq, n: int = 1, week_start: int | None = None
) -> dt.date:
    """The start of the period ``n`` periods before the one starting on ``start``.

    ``start`` is a period start; a week starts on its weekday unless ``week_start``
    (0 = Monday) says otherwise. Each step is the floor of the day before, so months
    and years keep their calendar lengths.
    """
    ws = start.weekday() if week_start is None else week_start
    for _ in range(n):
        start = P.floor(start - dt.timedelta(days=1), freq, ws)
    return start


def table(
    planned: Sequence[PlannedPeriod],
    overlays: Sequence[overlay_mod.Overlay],
    areas: Mapping[dt.date, float],
    *,
    min_fragment_km2: float | None = None,
    min_width_km: float | None = None,
) -> pd.DataFrame:
    """The series DataFrame (SERIES_COLUMNS, plus filtered columns with a filter)."""
    rows = []
    for p, o in zip(planned, overlays, strict=True):
        row = {
            "period_start": p.start,
            "period_end": p.end,
            "snapshot_start": p.snap_a,
            "snapshot_end": p.snap_b,
            "gained_km2": o.gained_km2,
            "lost_km2": o.lost_km2,
            "net_km2": areas[p.snap_b] - areas[p.snap_a],
            "area_km2": areas[p.snap_b],
            "gap": p.snap_a < p.start or (p.complete and p.snap_b < p.end),
            "complete": p.complete,
        }
        if min_fragment_km2 is not None or min_width_km is not None:
            frags = overlay_mod.fragment_table(
                overlay_mod.fragments(o.gained),
                overlay_mod.fragments(o.lost),
                min_km2=min_fragment_km2,
                min_width_km=min_width_km,
            )
            kept = frags[frags.kept]
            row["gained_filtered_km2"] = float(kept.area_km2[kept.direction == "gained"].sum())
            row["lost_filtered_km2"] = float(kept.area_km2[kept.direction == "lost"].sum())
        rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    return frame


METRICS = {"gained": "gained_km2", "lost": "lost_km2", "net": "net_km2"}


def records(series: pd.DataFrame, freq: P.Freq, metric: str = "gained") -> pd.DataFrame:
    """For each complete period: its value, the last earlier larger value and its date,
    and its rank among the periods of the trailing year (RECORD_COLUMNS).

    "Largest since X" means no period between X and this one had a larger value.
    """
    if metric not in METRICS:
        raise not_one_of(metric, METRICS, "metric")
    metric = str(metric)  # an enum member is written as its value
    done = series.loc[series["complete"].astype(bool)].reset_index(drop=True)
    values = done[METRICS[metric]].to_numpy(dtype=float)
    window = P.trailing_year_count(freq)
    larger_before, larger_value, rank, count = [], [], [], []
    for i, v in enumerate(values):
        earlier = np.flatnonzero(values[:i] > v)
        if len(earlier):
            j = earlier[-1]
            larger_before.append(done.period_start[j])
            larger_value.append(values[j])
        else:
            larger_before.append(pd.NaT)
            larger_value.append(np.nan)
        year = values[max(0, i - window + 1) : i + 1]
        rank.append(int((year > v).sum()) + 1)
        count.append(len(year))
    out = pd.DataFrame(
        {
            "period_start": done.period_start,
            "period_end": done.period_end,
            "value": values,
            "larger_before": larger_before,
            "larger_value": larger_value,
            "rank_in_year": rank,
            "periods_in_year": count,
            "year_covered": [c == window for c in count],
        },
        columns=RECORD_COLUMNS,
    )
    out["metric"] = metric
    return out
