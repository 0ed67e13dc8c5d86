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
from vigil.errors import InputError
from vigil.i18n import gettext as _
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
    for _i in range(n):
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


# -- one period's record: "was it a record, and since when?" ------------------------------
#: Columns :func:`record_details` adds to RECORD_COLUMNS (and ``metric``).
DETAIL_COLUMNS = [
    "gained_km2",  # the period's figures, km²
    "lost_km2",
    "net_km2",
    "window_start",  # period_start of the first period of the trailing year counted
    "rank_in_data",  # 1 = largest of all complete periods up to this one (ties share)
    "periods_in_data",  # how many complete periods the data hold up to this one
    "data_start",  # period_start of the first complete period of the data
    "larger_end",  # period_end of larger_before, or NaT
    "largest_since",  # first day of the run of periods this one is the largest of
    "record",  # bool: no earlier period of the data was larger (and there is one)
    "tied_before",  # period_start of the last period since larger_before as large, or NaT
]


def record_details(series: pd.DataFrame, freq: P.Freq, metric: str = "gained") -> pd.DataFrame:
    """:func:`records` with what a reader asks next: the period's gained, lost and net
    km², where its trailing-year window begins, its rank among all the complete periods
    of the data up to it, and since when it is the largest (DETAIL_COLUMNS).

    ``largest_since`` is the day after the last larger period ends (``larger_end``), or
    ``data_start`` when no earlier period was larger (then ``record`` is True, unless it
    is the data's first period, which has nothing to be compared with). ``tied_before``
    is the last period in that run with exactly the same value (0 km² weeks tie often).
    """
    out = records(series, freq, metric)
    done = series.loc[series["complete"].astype(bool)].reset_index(drop=True)
    values = out["value"].to_numpy(dtype=float)
    starts = list(out["period_start"])
    ends = list(out["period_end"])
    window = P.trailing_year_count(freq)
    ends_by_start = dict(zip(starts, ends, strict=True))
    rank_all, window_start, larger_end, since, tied = [], [], [], [], []
    for i, v in enumerate(values):
        rank_all.append(int((values[:i] > v).sum()) + 1)
        window_start.append(starts[max(0, i - window + 1)])
        before = out["larger_before"].iloc[i]
        end = ends_by_start[before] if not pd.isna(before) else pd.NaT
        larger_end.append(end)
        since.append(starts[0] if pd.isna(before) else end)
        lo = 0 if pd.isna(before) else starts.index(before) + 1
        same = np.flatnonzero(values[lo:i] == v)
        tied.append(starts[lo + same[-1]] if len(same) else pd.NaT)
    for column in ("gained_km2", "lost_km2", "net_km2"):
        out[column] = done[column].to_numpy(dtype=float) if len(done) else []
    out["window_start"] = window_start
    out["rank_in_data"] = rank_all
    out["periods_in_data"] = np.arange(1, len(values) + 1)
    out["data_start"] = starts[0] if starts else pd.NaT
    out["larger_end"] = larger_end
    out["largest_since"] = since
    out["record"] = out["larger_before"].isna().to_numpy() & (out["periods_in_data"] > 1)
    out["tied_before"] = tied
    return out


def find_period(
    series: pd.DataFrame,
    freq: P.Freq,
    day: dt.date,
    param: str = "period",
    *,
    data_end: dt.date | None = None,
) -> int:
    """The position, among the complete periods of ``series`` (all of its data), of the
    period of ``freq`` that holds ``day``. InputError naming ``param`` when no complete
    period holds it: a day before the first complete period, after ``data_end`` (the
    last snapshot), or in a period the data have not finished."""
    noun = P.freq(freq).value
    done = series.loc[series["complete"].astype(bool)].reset_index(drop=True)
    if done.empty:
        # Translators: %(freq)s is one of the values day, week, month, year; dates are ISO.
        raise InputError(_("the data hold no complete %(freq)s yet") % {"freq": noun}, param=param)
    starts, ends = list(done["period_start"]), list(done["period_end"])
    for i, (s, e) in enumerate(zip(starts, ends, strict=True)):
        if s <= day < e:
            return i
    first, last = starts[0], ends[-1] - BEFORE
    if data_end is not None and day > data_end:
        raise InputError(
            _("%(day)s is after the data, which end on %(end)s") % {"day": day, "end": data_end},
            param=param,
        )
    if day < first:
        raise InputError(
            _(
                "%(day)s is before the first complete %(freq)s of the data,"
                " which begins on %(first)s"
            )
            % {"day": day, "freq": noun, "first": first},
            param=param,
        )
    if day > last:
        raise InputError(
            _(
                "the %(freq)s holding %(day)s is not complete:"
                " the last complete %(freq)s ends on %(last)s"
            )
            % {"freq": noun, "day": day, "last": last},
            param=param,
        )
    raise InputError(
        _("no complete %(freq)s of the data holds %(day)s") % {"freq": noun, "day": day},
        param=param,
    )


@dataclass(frozen=True)
class PeriodRecord:
    """How one complete period ranks (a row of :func:`record_details`) and its trailing
    year ranked: ``window`` has period_start, period_end, value and rank (largest
    first, ties sharing a rank, earlier periods first among equals) and ``chosen`` (the
    period itself)."""

    freq: str
    metric: str
    row: pd.Series
    window: pd.DataFrame

    @property
    def period_start(self) -> dt.date:
        return _day(self.row["period_start"])

    @property
    def period_end(self) -> dt.date:
        return _day(self.row["period_end"])


def period_record(
    series: pd.DataFrame,
    freq: P.Freq,
    metric: str,
    day: dt.date,
    param: str = "period",
    *,
    data_end: dt.date | None = None,
) -> PeriodRecord:
    """The record of the complete period holding ``day`` (InputError naming ``param``
    when there is none, :func:`find_period`), with its trailing year ranked."""
    f = P.freq(freq)
    i = find_period(series, f, day, param, data_end=data_end)
    details = record_details(series, f, metric)
    row = details.iloc[i]
    lo = max(0, i - P.trailing_year_count(f) + 1)
    part = details.iloc[lo : i + 1]
    values = part["value"].to_numpy(dtype=float)
    window = pd.DataFrame(
        {
            "period_start": part["period_start"].to_numpy(),
            "period_end": part["period_end"].to_numpy(),
            "value": values,
            "rank": [int((values > v).sum()) + 1 for v in values],
            "chosen": np.arange(lo, i + 1) == i,
        }
    )
    window = window.sort_values(["rank", "period_start"], kind="stable").reset_index(drop=True)
    return PeriodRecord(f.value, str(metric), row, window)


def _day(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else pd.Timestamp(str(value)).date()
