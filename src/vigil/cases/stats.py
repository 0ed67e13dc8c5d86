"""Counts over time: how many people were held on each date, overall or by group.

"Held" means deprived of liberty on that date: the latest event on or before it
leaves the person in custody or under house arrest (see :mod:`vigil.cases.vocab`).
Grouped by organisation, a person counts once in each organisation they belong to on
that date (affiliations without dates count throughout); by charge, once per article
of the cases they are a defendant in; the ``all`` row counts each person once.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import pandas as pd

from vigil.cases import policy, registry
from vigil.cases.policy import Who
from vigil.cases.status import events_frame, status_series
from vigil.cases.vocab import DEPRIVED
from vigil.errors import InputError


class GroupBy(StrEnum):
    NONE = "none"
    ORGANISATION = "organisation"
    CHARGE = "charge"
    STATUS = "status"


FREQS = {"day": "D", "week": "W-MON", "month": "MS", "year": "YS"}


def dates(start: dt.date, end: dt.date, freq: str) -> list[dt.date]:
    """Dates from ``start`` to ``end`` (inclusive) at ``freq``: day, week (Mondays),
    month or year (first days); ``end`` itself is always included."""
    if freq not in FREQS:
        raise InputError(f"--freq: expected one of {', '.join(FREQS)}, got {freq!r}")
    if end < start:
        raise InputError(f"--from {start} is after --to {end}")
    out = [d.date() for d in pd.date_range(start, end, freq=FREQS[freq])]
    if not out or out[-1] != end:
        out.append(end)
    return out


def held(
    level: Who,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    freq: str = "month",
    by: GroupBy = GroupBy.NONE,
    on: dt.date | None = None,
) -> pd.DataFrame:
    """A wide table: one row per date, a column ``all`` and one per group.

    ``on`` alone gives one date. Without ``start``, the series begins with the first
    event on record; ``end`` defaults to today.
    """
    events = events_frame(level)
    if on is not None:
        days = [on]
    else:
        end = end or dt.date.today()
        if start is None:
            if events.empty:
                return pd.DataFrame(columns=["date", "all"])
            start = events["day"].min().date()
        days = dates(start, end, freq)
    status = status_series(events, days)
    deprived = status[status["custody"].isin([c.value for c in DEPRIVED])]
    out = deprived.groupby("date").size().rename("all").to_frame()
    if by is GroupBy.STATUS:
        wide = deprived.groupby(["date", "custody"]).size().unstack(fill_value=0)
        out = out.join(wide)
    elif by is not GroupBy.NONE:
        groups = _groups(level, by)
        joined = deprived.merge(groups, on="person_id")
        if by is GroupBy.ORGANISATION:
            joined = joined[
                (joined["start"].isna() | (joined["start"] <= joined["date"]))
                & (joined["end"].isna() | (joined["end"] > joined["date"]))
            ]
        wide = joined.groupby(["date", "group"])["person_id"].nunique().unstack(fill_value=0)
        out = out.join(wide)
    out = out.reindex(pd.to_datetime(days), fill_value=0).fillna(0).astype(int)
    out.index.name = "date"
    return out.reset_index()


def _groups(level: Who, by: GroupBy) -> pd.DataFrame:
    """person_id → group label (with the affiliation's dates for organisations)."""
    from vigil.cases.models import Affiliation

    if by is GroupBy.ORGANISATION:
        rows = [
            (
                a.person_id,
                a.organisation.short_name or a.organisation.name,
                pd.Timestamp(a.start.earliest) if a.start else pd.NaT,
                pd.Timestamp(a.end.earliest) if a.end else pd.NaT,
            )
            for a in policy.visible(Affiliation, level).select_related("organisation")
        ]
        return pd.DataFrame(rows, columns=["person_id", "group", "start", "end"])
    charges = registry.charges_by_person(level)
    rows2 = [(pid, art.strip()) for pid, arts in charges.items() for art in arts.split(",")]
    return pd.DataFrame(rows2, columns=["person_id", "group"])


def chart(frame: pd.DataFrame, path, title: str = "People held") -> None:
    """A line chart of the counts (PNG or SVG by the file's suffix)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4.5), dpi=120)
    x = pd.to_datetime(frame["date"])
    for column in frame.columns.drop("date"):
        style = {"linewidth": 2.5, "color": "black"} if column == "all" else {"linewidth": 1.5}
        ax.step(x, frame[column], where="post", label=str(column), **style)
    ax.set_title(title)
    ax.set_ylabel("people held (custody or house arrest)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    if len(frame.columns) > 2:
        ax.legend(loc="upper left", fontsize="small", frameon=False)
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
