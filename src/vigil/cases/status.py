"""Status derived from the timeline: what each person's latest event says, on a date.

The status is never stored; it is the latest visible event (by its partial date's
earliest day, then by entry order) on or before the date asked, among the events no
other event withdraws. Computed for many people at once from one query.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from vigil.cases.levels import Level
from vigil.cases.vocab import CUSTODY


def events_frame(level: Level, person_ids: list[int] | None = None) -> pd.DataFrame:
    """Visible, non-withdrawn events: person_id, id, kind, custody, date (PartialDate),
    day (its earliest day, datetime64), case_id; sorted by person, day, stored date, id."""
    from vigil.cases.models import StatusEvent

    withdrawn = StatusEvent.objects.filter(withdraws__isnull=False).values("withdraws_id")
    qs = StatusEvent.objects.filter(
        visibility__lte=level,
        person__visibility__lte=level,
        person__merged_into__isnull=True,
    ).exclude(id__in=withdrawn)
    if person_ids is not None:
        qs = qs.filter(person_id__in=person_ids)
    rows = list(qs.values_list("person_id", "id", "kind", "date", "case_id"))
    frame = pd.DataFrame(rows, columns=["person_id", "id", "kind", "date", "case_id"])
    frame["custody"] = frame["kind"].map(lambda k: CUSTODY[k].value).astype(object)
    frame["stored"] = frame["date"].map(lambda d: d.stored()).astype(object)
    frame["day"] = pd.to_datetime(frame["date"].map(lambda d: d.earliest))
    return frame.sort_values(["person_id", "stored", "id"], kind="stable").reset_index(drop=True)


def status_on(events: pd.DataFrame, on: dt.date) -> pd.DataFrame:
    """Each person's latest event on or before ``on`` (one row per person with one)."""
    upto = events[events["day"] <= pd.Timestamp(on)]
    return upto.groupby("person_id", sort=False).tail(1).set_index("person_id")


def status_series(events: pd.DataFrame, dates: list[dt.date]) -> pd.DataFrame:
    """For every (person, date): the custody after the latest event on or before it.

    Returns columns date, person_id, custody, kind; people with no event yet on a date
    are left out. One merge_asof over all people and dates.
    """
    if events.empty or not dates:
        return pd.DataFrame(columns=["date", "person_id", "custody", "kind"])
    grid = pd.MultiIndex.from_product(
        [events["person_id"].unique(), pd.to_datetime(sorted(dates))], names=["person_id", "day"]
    ).to_frame(index=False)
    right = events.sort_values(["day", "stored", "id"])[["person_id", "day", "custody", "kind"]]
    # merge_asof keeps the last row of equal days: right is sorted by stored text and id.
    merged = pd.merge_asof(
        grid.sort_values("day"), right, on="day", by="person_id", direction="backward"
    )
    merged = merged.dropna(subset=["custody"])
    return merged.rename(columns={"day": "date"})[["date", "person_id", "custody", "kind"]]
