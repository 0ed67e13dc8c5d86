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
from pathlib import Path
from typing import TYPE_CHECKING

from vigil import periods as P
from vigil.choices import choice
from vigil.dates import DateLike, check_order, parse_optional_date

if TYPE_CHECKING:  # pandas and Django are imported by the functions that use them
    import pandas as pd

    from vigil.cases.policy import Who


class GroupBy(StrEnum):
    NONE = "none"
    ORGANISATION = "organisation"
    CHARGE = "charge"
    STATUS = "status"


def group_by(value: GroupBy | str) -> GroupBy:
    """``value`` as a :class:`GroupBy` (``"organisation"`` or ``GroupBy.ORGANISATION``)."""
    return choice(GroupBy, value, "by")


def dates(date_from: dt.date, date_to: dt.date, freq: P.Freq | str) -> list[dt.date]:
    """The dates of a series from ``date_from`` to ``date_to`` (both included): the
    period starts of ``freq`` within them (every day; Mondays; first days of months;
    1 January), then ``date_to`` itself, always (:func:`vigil.periods.starts_within`)."""
    f = P.freq(freq)
    check_order(date_from, date_to)
    out = P.starts_within(date_from, date_to, f)
    if not out or out[-1] != date_to:
        out.append(date_to)
    return out


def held(
    level: Who,
    *,
    date_from: DateLike | None = None,
    date_to: DateLike | None = None,
    freq: P.Freq | str = P.Freq.MONTH,
    by: GroupBy | str = GroupBy.NONE,
    on: DateLike | None = None,
) -> pd.DataFrame:
    """A wide table: one row per date, a column ``all`` and one per group.

    ``on`` alone gives one date. Without ``date_from``, the series begins with the
    first event on record; ``date_to`` defaults to today. Dates are days
    (``YYYY-MM-DD`` or ``datetime.date``, :func:`vigil.dates.parse_date`).
    """
    import pandas as pd

    from vigil.cases.status import events_frame, status_series
    from vigil.cases.vocab import DEPRIVED

    group = group_by(by)
    f = P.freq(freq)
    first = parse_optional_date(date_from, "date_from")
    last = parse_optional_date(date_to, "date_to")
    day = parse_optional_date(on, "on")
    events = events_frame(level)
    if day is not None:
        days = [day]
    else:
        last = last or dt.date.today()
        if first is None:
            if events.empty:
                return pd.DataFrame(columns=["date", "all"])
            first = events["day"].min().date()
        days = dates(first, last, f)
    status = status_series(events, days)
    deprived = status[status["custody"].isin([c.value for c in DEPRIVED])]
    out = deprived.groupby("date").size().rename("all").to_frame()
    if group is GroupBy.STATUS:
        wide = deprived.groupby(["date", "custody"]).size().unstack(fill_value=0)
        out = out.join(wide)
    elif group is not GroupBy.NONE:
        groups = _groups(level, group)
        joined = deprived.merge(groups, on="person_id")
        if group is GroupBy.ORGANISATION:
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
    import pandas as pd

    from vigil.cases import policy, registry
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


def chart(frame: pd.DataFrame, path: str | Path, title: str = "People held") -> None:
    """A line chart of the counts (PNG or SVG by the file's suffix)."""
    import matplotlib
    import pandas as pd

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
