"""Published lists of political prisoners and what changed between two of them.

A person removed between release A and release B is explained from the registry:
*released* (released, pardoned, amnestied, acquitted, sentence served, exiled) or
*died* when the timeline has such an event after A's date and on or before B's date
(the latest of B's period); *reclassified* when the publisher's designation of the
person ended in that window; otherwise *unexplained*.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from vigil.cases import policy, registry
from vigil.cases.dates import PartialDate
from vigil.cases.policy import Who
from vigil.cases.status import events_frame
from vigil.cases.vocab import Custody, RemovalReason

if TYPE_CHECKING:
    from vigil.cases.models import Designation, ListRelease


def releases(org_key: str, level: Who) -> pd.DataFrame:
    """The releases of an organisation with their size and change from the previous."""
    from vigil.cases.models import ListRelease

    org = registry.organisation(org_key, level)
    rows, previous = [], None
    for r in policy.visible(ListRelease.objects.filter(organisation=org), level).order_by(
        "published", "id"
    ):
        on_list = members(r, level)
        rows.append(
            {
                "ref": r.ref,
                "title": r.title,
                "published": str(r.published),
                "entries": len(on_list),
                "added": len(on_list - previous) if previous is not None else None,
                "removed": len(previous - on_list) if previous is not None else None,
            }
        )
        previous = on_list
    frame = pd.DataFrame(rows, columns=["ref", "title", "published", "entries", "added", "removed"])
    return frame.astype({"entries": "int64", "added": "Int64", "removed": "Int64"})


def members(rel: ListRelease, level: Who) -> set[int]:
    """Ids of the people on a release whom the reader may see there."""
    return set(_entries(rel, level))


def diff(a_key: str, b_key: str, level: Who) -> pd.DataFrame:
    """Who was added to and removed from a list between releases A and B, and why.

    Columns: change (added|removed), ref, name, reason, evidence (the event or
    designation that explains it, with its date), category_a, category_b.
    """
    from vigil.cases.models import Designation, Person

    a, b = registry.release(a_key, level), registry.release(b_key, level)
    if b.published < a.published:
        a, b = b, a
    in_a, in_b = _entries(a, level), _entries(b, level)
    added, removed = set(in_b) - set(in_a), set(in_a) - set(in_b)
    changed = {p for p in set(in_a) & set(in_b) if in_a[p] != in_b[p]}
    people = added | removed | changed
    names = registry.primary_names(level)
    refs = dict(Person.objects.filter(id__in=people).values_list("id", "ref"))
    events = events_frame(level, sorted(removed | added))
    lo, hi = a.published.earliest, b.published.latest
    window = events[(events["day"] > pd.Timestamp(lo)) & (events["day"] <= pd.Timestamp(hi))]
    ended = {
        d.person_id: d
        for d in policy.visible(Designation, level).filter(
            person_id__in=removed, organisation=b.organisation
        )
        if d.until and lo < d.until.earliest <= hi
    }
    rows: list[dict[str, Any]] = []
    for pid in sorted(people, key=lambda p: (names.get(p, ""), p)):
        mine = window[window["person_id"] == pid]
        if pid in added:
            change, reason = "added", ""
            evidence = _describe(mine.iloc[-1]) if len(mine) else ""
        elif pid in removed:
            change, (reason, evidence) = "removed", _why(mine, ended.get(pid))
        else:
            change, reason, evidence = "recategorised", RemovalReason.RECLASSIFIED.value, ""
        rows.append(
            {
                "change": change,
                "ref": refs.get(pid),
                "name": names.get(pid, ""),
                "reason": reason,
                "evidence": evidence,
                "category_a": in_a.get(pid, ""),
                "category_b": in_b.get(pid, ""),
            }
        )
    order = {"added": 0, "removed": 1, "recategorised": 2}
    rows.sort(key=lambda r: order[r["change"]])
    return pd.DataFrame(
        rows,
        columns=["change", "ref", "name", "reason", "evidence", "category_a", "category_b"],
    )


def _entries(rel: ListRelease, level: Who) -> dict[int, str]:
    return dict(policy.visible(rel.entries.all(), level).values_list("person_id", "category"))


def _describe(event: pd.Series) -> str:
    return f"{str(event['kind']).replace('_', ' ')} {PartialDate.parse(event['stored'])}"


def _why(events: pd.DataFrame, designation: Designation | None) -> tuple[str, str]:
    dead = events[events["custody"] == Custody.DEAD.value]
    if len(dead):
        return RemovalReason.DIED.value, _describe(dead.iloc[-1])
    free = events[events["custody"] == Custody.FREE.value]
    if len(free):
        return RemovalReason.RELEASED.value, _describe(free.iloc[-1])
    if designation is not None:
        return RemovalReason.RECLASSIFIED.value, f"designation ended {designation.until}"
    return RemovalReason.UNEXPLAINED.value, ""
