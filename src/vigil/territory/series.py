"""Series and records built from periods and overlays (pure: no I/O).

A series row is the change over a period of days [start, end): from the map standing
for the end of the day before ``start`` to the map standing for the end of its last
day, ``end`` − 1 (a snapshot dated D holds the map at the end of Kyiv day D). The week
of Monday 21 October 2024 is thus the maps of Sunday 20 → Sunday 27: the changes made
on 21–27 October, as DeepState-based weekly figures are published. It is computed
from those two snapshots, never by summing daily changes (advances and withdrawals in
between would cancel).
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

#: A period's boundary falls between two days: the map of the day before stands for it.
BEFORE = dt.timedelta(days=1)


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

    A period [s, e) is measured from the snapshot standing for day s − 1 (the state
    when the period begins) to the one standing for day e − 1 (its last day). It is
    complete when the data reach its last day. An unfinished period is measured up to
    the last snapshot and kept only when ``partial``. Periods whose beginning no
    snapshot covers are skipped.
    """
    last = dates[-1]
    out = []
    for s, e in P.periods(start, end, freq, week_start):
        a = P.snapshot_for(s - BEFORE, dates)
        if a is None:
            continue
        complete = last >= e - BEFORE
        if not complete and (not partial or s > last):
            continue
        b = P.snapshot_for(min(e - BEFORE, last), dates)
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
            "gap": p.snap_a < p.start - BEFORE or (p.complete and p.snap_b < p.end - BEFORE),
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


_REDRAW_PART = {
    "gained": lambda t: t["gained_redraw_km2"],
    "lost": lambda t: t["lost_redraw_km2"],
    "net": lambda t: t["gained_redraw_km2"] - t["lost_redraw_km2"],
}


def without_redraws(series: pd.DataFrame) -> pd.DataFrame:
    """A copy of a flagged series (``gained_redraw_km2``, ``lost_redraw_km2``) whose
    gained, lost and net figures leave the flagged fragments out."""
    out = series.copy()
    out["gained_km2"] = series["gained_km2"] - series["gained_redraw_km2"]
    out["lost_km2"] = series["lost_km2"] - series["lost_redraw_km2"]
    out["net_km2"] = series["net_km2"] - series["gained_redraw_km2"] + series["lost_redraw_km2"]
    return out


def with_redraws(
    records_all: pd.DataFrame, series: pd.DataFrame, freq: P.Freq, metric: str, *, exclude: bool
) -> pd.DataFrame:
    """Records read both with and without the fragments flagged as redraws.

    ``records_all`` are the records of ``series`` (which carries ``gained_redraw_km2``
    and ``lost_redraw_km2``, flagged fragments included in its figures). The headline
    columns follow ``exclude``; ``alt_value``, ``alt_larger_before`` and
    ``alt_rank_in_year`` give the other reading, ``redraw_km2`` the flagged part of the
    value, and ``depends_on_redraw`` whether the record statement (the period it is
    the largest since, its rank in the trailing year) changes between the two.
    """
    done = series.loc[series["complete"].astype(bool)].reset_index(drop=True)
    part = _REDRAW_PART[str(metric)](done).to_numpy(dtype=float)
    records_clean = records(without_redraws(done), freq, metric)
    head, alt = (records_clean, records_all) if exclude else (records_all, records_clean)
    out = head.copy()
    out["redraws_excluded"] = exclude
    out["redraw_km2"] = part
    out["alt_value"] = alt["value"].to_numpy()
    out["alt_larger_before"] = alt["larger_before"].to_numpy()
    out["alt_rank_in_year"] = alt["rank_in_year"].to_numpy()
    same_since = pd.Series(  # as text: NaT equals NaT, and dates compare without inference
        head["larger_before"].astype(str).to_numpy() == alt["larger_before"].astype(str).to_numpy()
    )
    # ties count too: a value that only equals the others once its redraws are out
    # (0 km² among weeks of 0 km²) is no record
    window = P.trailing_year_count(freq)
    ties = _at_least_as_large(head["value"].to_numpy(dtype=float), window) != _at_least_as_large(
        alt["value"].to_numpy(dtype=float), window
    )
    out["depends_on_redraw"] = (part != 0) & (
        ~same_since.to_numpy() | (head["rank_in_year"] != alt["rank_in_year"]).to_numpy() | ties
    )
    return out


def _at_least_as_large(values: np.ndarray, window: int) -> np.ndarray:
    """For each value, how many values of its trailing window (itself included) are at
    least as large."""
    return np.array(
        [int((values[max(0, i - window + 1) : i + 1] >= v).sum()) for i, v in enumerate(values)]
    )
