"""Status derived from the timeline: what each person's latest event says, on a date.

The status is never stored; it is the latest visible event (by its partial date's
earliest day, then by entry order) on or before the date asked, among the events no
visible correction withdraws (:func:`vigil.cases.policy.current_events`). Computed for
many people at once from one query.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pandas as pd
from django.db.models import CharField, ExpressionWrapper, F

from vigil.cases import policy
from vigil.cases.policy import Who
from vigil.cases.vocab import CUSTODY

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from vigil.cases.models import StatusEvent

_CUSTODY = {kind: custody.value for kind, custody in CUSTODY.items()}


def _visible_events(level: Who) -> QuerySet[StatusEvent]:
    """Visible, non-withdrawn events of people not merged into another."""
    return policy.current_events(level).filter(person__merged_into__isnull=True)


def latest_on(level: Who, on: dt.date) -> pd.DataFrame:
    """Each person's latest visible, non-withdrawn event on or before ``on``, indexed
    by person_id (kind, custody, stored). One windowed query: the database keeps one
    row per person instead of sending every event."""
    from django.db.models import Window
    from django.db.models.functions import RowNumber

    from vigil.cases.dates import on_or_before

    qs = (
        _visible_events(level)
        .filter(date__lte=on_or_before(on))
        .annotate(
            stored=ExpressionWrapper(F("date"), output_field=CharField()),
            rank=Window(
                RowNumber(),
                partition_by=[F("person_id")],
                order_by=[F("date").desc(), F("id").desc()],
            ),
        )
        .filter(rank=1)
    )
    rows = list(qs.values_list("person_id", "kind", "stored"))
    frame = pd.DataFrame(rows, columns=["person_id", "kind", "stored"]).set_index("person_id")
    frame["custody"] = frame["kind"].map(_CUSTODY).astype(object)
    return frame


def events_frame(level: Who, person_ids: list[int] | None = None) -> pd.DataFrame:
    """Visible, non-withdrawn events: person_id, id, kind, custody, stored (the
    partial date's sortable text, see :func:`dates_of`), day (its earliest day,
    datetime64), case_id; sorted by person, stored date, id."""
    qs = _visible_events(level)
    if person_ids is not None:
        qs = qs.filter(person_id__in=person_ids)
    # The stored text as text: parsing 30,000 PartialDates would cost more than the query.
    raw = ExpressionWrapper(F("date"), output_field=CharField())
    rows = list(qs.annotate(stored=raw).values_list("person_id", "id", "kind", "stored", "case_id"))
    frame = pd.DataFrame(rows, columns=["person_id", "id", "kind", "stored", "case_id"])
    frame["custody"] = frame["kind"].map(_CUSTODY).astype(object)
    # Earliest day: "2024-06-00.1" → 2024-06-01 (unknown month or day → the first).
    first = frame["stored"].str.slice(0, 10).str.replace("-00", "-01", regex=False)
    frame["day"] = pd.to_datetime(first, format="%Y-%m-%d").astype("datetime64[ns]")
    frame = frame.sort_values(["person_id", "stored", "id"], kind="stable")
    return frame.reset_index(drop=True)


_PREFIX = {"0": "before ", "1": "", "2": "c. ", "3": "after "}


def date_texts(stored: pd.Series) -> pd.Series:
    """``str(PartialDate)`` of each stored text, vectorised: "2024-06-00.2" → "c. 2024-06"."""
    if stored.empty:
        return stored.astype(object)
    text = stored.astype(str)
    month, day = text.str.slice(5, 7), text.str.slice(8, 10)
    iso = (
        text.str.slice(0, 4)
        + ("-" + month).where(month != "00", "")
        + ("-" + day).where(day != "00", "")
    )
    return text.str.slice(11, 12).map(_PREFIX) + iso


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
        [events["person_id"].unique(), pd.to_datetime(sorted(dates)).astype("datetime64[ns]")],
        names=["person_id", "day"],
    ).to_frame(index=False)
    right = events.sort_values(["day", "stored", "id"])[["person_id", "day", "custody", "kind"]]
    # merge_asof keeps the last row of equal days: right is sorted by stored text and id.
    merged = pd.merge_asof(
        grid.sort_values("day"), right, on="day", by="person_id", direction="backward"
    )
    merged = merged.dropna(subset=["custody"])
    return merged.rename(columns={"day": "date"})[["date", "person_id", "custody", "kind"]]
