"""Incidents: events counted by heads ("258 detained at the rally of 5 March").

Groups record protest detentions, raids and searches as events with a head count, not
(only) as people. An incident has a partial date, a place, a kind, an organiser, the
number detained, sources, and optionally the people of the registry who were there
(``incident_people``). They are imported and exported like every other table
(``vigil.cases.schema``); this module lists them and counts them by month or place,
for a reader, through :mod:`vigil.cases.policy`.

Counting by month places an incident in the month of its date; one dated by its year
alone has no month and is counted in a row of its own (``2026, month unknown``): the
earliest-day rule of the filters would put it in January, a count must not.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from vigil.cases import policy
from vigil.cases.dates import before, on_or_before
from vigil.cases.policy import Who
from vigil.choices import choice
from vigil.dates import DateLike, check_order, parse_optional_date

#: The columns of :func:`listing`.
COLUMNS = ("ref", "date", "place", "country", "kind", "organiser", "detained", "people")


class CountBy(StrEnum):
    MONTH = "month"
    PLACE = "place"


def _visible(who: Who, date_from: DateLike | None, date_to: DateLike | None) -> list[Any]:
    """Visible incidents whose earliest day is within the dates (both included)."""
    from vigil.cases.models import Incident

    start = parse_optional_date(date_from, "date_from")
    end = parse_optional_date(date_to, "date_to")
    if start and end:
        check_order(start, end)
    rows = policy.visible(Incident, who)
    if start is not None:  # stored dates sort by their earliest day: bounds on the text
        rows = rows.exclude(date__lte=before(start))
    if end is not None:
        rows = rows.filter(date__lte=on_or_before(end))
    return list(rows.order_by("date", "ref", "id"))


def listing(
    who: Who, *, date_from: DateLike | None = None, date_to: DateLike | None = None
) -> list[dict[str, Any]]:
    """Every visible incident, by date: :data:`COLUMNS` (``people``: the refs of the
    visible people linked to it, separated by '; ')."""
    from vigil.cases.models import IncidentPerson

    incidents = _visible(who, date_from, date_to)
    people: dict[int, list[str]] = {}
    links = policy.visible(IncidentPerson, who).filter(incident__in=incidents)
    for incident_id, ref in links.order_by("person__ref").values_list("incident_id", "person__ref"):
        people.setdefault(incident_id, []).append(ref or "")
    return [
        {
            "ref": i.ref or "",
            "date": str(i.date),
            "place": i.place,
            "country": i.country,
            "kind": i.kind,
            "organiser": i.organiser,
            "detained": i.detained,
            "people": "; ".join(people.get(i.pk, [])),
        }
        for i in incidents
    ]


def counts(
    who: Who,
    by: CountBy | str = CountBy.MONTH,
    *,
    date_from: DateLike | None = None,
    date_to: DateLike | None = None,
) -> list[dict[str, Any]]:
    """Incidents and people detained per month (``YYYY-MM``, in order) or per place
    (most detained first), of the incidents ``who`` may see. ``detained`` sums the head
    counts given; ``without_count`` says how many incidents gave none."""
    key_name = choice(CountBy, by, "by")
    out: dict[str, dict[str, Any]] = {}
    for i in _visible(who, date_from, date_to):
        if key_name is CountBy.PLACE:
            key = i.place or "(no place)"
        elif i.date.month is None:
            key = f"{i.date.year}, month unknown"
        else:
            key = f"{i.date.year}-{i.date.month:02d}"
        row = out.setdefault(
            key, {str(key_name): key, "incidents": 0, "detained": 0, "without_count": 0}
        )
        row["incidents"] += 1
        if i.detained is None:
            row["without_count"] += 1
        else:
            row["detained"] += i.detained
    rows = list(out.values())
    if key_name is CountBy.PLACE:
        rows.sort(key=lambda r: (-r["detained"], -r["incidents"], r["place"]))
    else:
        rows.sort(key=lambda r: _month_order(r["month"]))
    return rows


def _month_order(key: str) -> tuple[int, int]:
    """``2026-03`` before ``2026, month unknown`` before ``2027-01``."""
    year, _, rest = key.partition("-") if "-" in key[:5] else (key[:4], "", "")
    return int(year), int(rest) if rest.isdigit() else 13
