"""The hearings calendar (vigil.cases.calendar): the scheduled hearings a reader may see,
exact days only, by date, each with only the fields that reader may see.

The expectations are written by hand from the registry :func:`build` makes (which
hearing each reader sees, in which order, under which name), not worked out by a second
filter: the one rule of who sees what is vigil.cases.policy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest

from vigil.cases.levels import Level
from vigil.errors import InputError

P, INT, R = Level.PUBLIC, Level.INTERNAL, Level.RESTRICTED
DAY = dt.date(2026, 12, 1)

#: Values no public reader may ever be shown: each sits in a field or a record above public.
HIDDEN = (
    "SNT-TITLE",  # CH's title: internal field
    "SNT-NUMBER",  # CH's number: restricted field
    "SNT-INTERNAL-CASE",  # CI: an internal case (its title)
    "SNT-CI-NUM",  # CI's number
    "CISNT",  # CI's ref
    "SNT-CLOSED-COURT",  # the court of an internal hearing only
    "SNT-KIND",  # the kind of an internal hearing only
    "Rauf Sentinel",  # a restricted person's name (public participation)
    "Bahar Sentinel",  # a public person in an internal participation
    "Nazim Sentinel",  # an internal name of a public person
    "Leyla Sentinel",  # a person on a list through an internal entry only
    "Sona Sentinel",  # a person on an internal list release
)


@dataclass
class Registry:
    """What :func:`build` made: records by a short label."""

    hearings: dict[str, Any] = field(default_factory=dict)
    cases: dict[str, Any] = field(default_factory=dict)
    people: dict[str, Any] = field(default_factory=dict)
    releases: dict[str, Any] = field(default_factory=dict)
    orgs: dict[str, Any] = field(default_factory=dict)


def build() -> Registry:
    """A small registry with records at every level (the labels are the hearings' keys).

    Case CA "Trial of the Four" (public; Baku Court), defendants: PA Anar Quliyev
    (public; a transliteration entered before his primary name), PB Bahar (public person,
    internal participation), PR Rauf (restricted person, public participation), PN
    (public person whose only name is internal). Hearings of CA: held 2026-09-01,
    postponed 2026-10-01 and 2026-11-01, scheduled 2026-11-20 (passed, no outcome),
    2026-12-02 (public), 2026-12-20 (internal; court SNT-CLOSED-COURT), 2027-01 (month
    only), c. 2026-12-10 (approximate).
    Case CH (public; title internal, number restricted): scheduled 2026-12-04.
    Case CI (internal): a public hearing 2026-12-03 (hidden by its case).
    VRW lists: L1 2026-06 (PA, PB, PR), L2 2026-10-15 (PA, PN; Leyla through an
    internal entry), L3 2026-11 internal (Sona).
    """
    from vigil.cases import models as m

    out = Registry()

    def person(label: str, *names: tuple[str, str, int], level: int = 0) -> Any:
        p = m.Person.objects.create(ref=label, visibility=level)
        for name, kind, name_level in names:
            m.PersonName.objects.create(person=p, name=name, kind=kind, visibility=name_level)
        out.people[label] = p
        return p

    pa = person("PA", ("Anar Guliyev", "transliteration", 0), ("Anar Quliyev", "primary", 0))
    pb = person("PB", ("Bahar Sentinel", "primary", 0))
    pr = person("PR", ("Rauf Sentinel", "primary", 0), level=2)
    pn = person("PN", ("Nazim Sentinel", "primary", 1))
    pl = person("PL", ("Leyla Sentinel", "primary", 0))
    ps = person("PS", ("Sona Sentinel", "primary", 0))
    baku = m.Court.objects.create(name="Baku Court", city="Baku")
    closed = m.Court.objects.create(name="SNT-CLOSED-COURT")

    ca = m.Case.objects.create(ref="CA", number="1-1/2026", title="Trial of the Four")
    ca.courts.add(baku)
    ch = m.Case.objects.create(
        ref="CH",
        number="SNT-NUMBER",
        title="SNT-TITLE",
        field_visibility={"title": "internal", "number": "restricted"},
    )
    ci = m.Case.objects.create(
        ref="CISNT", number="SNT-CI-NUM", title="SNT-INTERNAL-CASE", visibility=1
    )
    out.cases = {"CA": ca, "CH": ch, "CI": ci}
    for p, level in ((pa, 0), (pb, 1), (pr, 0), (pn, 0)):
        m.CaseParticipant.objects.create(case=ca, person=p, role="defendant", visibility=level)
    m.CaseParticipant.objects.create(case=ca, person=pl, role="witness")

    def hearing(label: str, case: Any, date: str, outcome: str = "scheduled", **kw: Any) -> None:
        kw.setdefault("kind", "trial")
        out.hearings[label] = m.Hearing.objects.create(case=case, date=date, outcome=outcome, **kw)

    hearing("held", ca, "2026-09-01", "held")
    hearing("oct", ca, "2026-10-01", "postponed", next_date="2026-11-01")
    hearing("nov1", ca, "2026-11-01", "postponed", next_date="2026-11-20")
    hearing("nov20", ca, "2026-11-20")
    hearing("dec2", ca, "2026-12-02")
    hearing("dec20", ca, "2026-12-20", court=closed, kind="SNT-KIND", visibility=1)
    hearing("month", ca, "2027-01", kind="appeal")
    hearing("approx", ca, "c. 2026-12-10", kind="verdict reading")
    hearing("ch", ch, "2026-12-04", court=baku)
    hearing("ci", ci, "2026-12-03")

    vrw = m.Organisation.objects.create(
        ref="VRW", name="Veloria Rights Watch", short_name="VRW", kind="ngo"
    )
    out.orgs["VRW"] = vrw
    l1 = m.ListRelease.objects.create(ref="L1", organisation=vrw, published="2026-06")
    l2 = m.ListRelease.objects.create(ref="L2", organisation=vrw, published="2026-10-15")
    l3 = m.ListRelease.objects.create(ref="L3", organisation=vrw, published="2026-11", visibility=1)
    out.releases = {"L1": l1, "L2": l2, "L3": l3}
    for rel, people in ((l1, (pa, pb, pr)), (l2, (pa, pn)), (l3, (ps,))):
        for i, p in enumerate(people, 1):
            m.ListEntry.objects.create(release=rel, person=p, position=i)
    m.ListEntry.objects.create(release=l2, person=pl, position=9, visibility=1)
    return out


def ids(reg: Registry, *labels: str) -> list[int]:
    return [reg.hearings[label].pk for label in labels]


def strings(value: Any) -> list[str]:
    """Every string in ``value`` (dataclasses, mappings, sequences), recursively."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in strings(k) + strings(v)]
    if isinstance(value, list | tuple | set | frozenset):
        return [s for v in value for s in strings(v)]
    if hasattr(value, "__dataclass_fields__"):
        return [s for name in value.__dataclass_fields__ for s in strings(getattr(value, name))]
    return [str(value)] if value is not None else []


@pytest.fixture
def reg(registry: Any) -> Registry:
    return build()


# -- which hearings, in which order -----------------------------------------------------------


def test_upcoming_lists_the_visible_scheduled_exact_days_by_date(reg: Registry) -> None:
    from vigil.cases.calendar import upcoming

    assert [u.hearing_id for u in upcoming(P, start=DAY)] == ids(reg, "dec2", "ch")
    # internal readers also see the internal hearing and the internal case's
    assert [u.hearing_id for u in upcoming(INT, start=DAY)] == ids(reg, "dec2", "ci", "ch", "dec20")
    # start is included, start + days is not
    assert [u.hearing_id for u in upcoming(P, start=DAY, days=3)] == ids(reg, "dec2")
    assert [u.hearing_id for u in upcoming(P, start=DAY, days=4)] == ids(reg, "dec2", "ch")
    assert [u.hearing_id for u in upcoming(P, start=dt.date(2026, 12, 2))] == ids(reg, "dec2", "ch")
    assert upcoming(P, start=dt.date(2026, 12, 3), days=1) == []
    assert upcoming(P, start=DAY, days=0) == []
    days = [u.day for u in upcoming(INT, start=DAY)]
    assert days == sorted(days)


def test_a_hearing_with_an_outcome_is_off_the_calendar(reg: Registry) -> None:
    from vigil.cases.calendar import upcoming

    h = reg.hearings["dec2"]
    h.outcome = "postponed"
    h.save()
    assert [u.hearing_id for u in upcoming(P, start=DAY)] == ids(reg, "ch")


def test_month_only_and_qualified_dates_are_listed_apart(reg: Registry) -> None:
    from vigil.cases.calendar import overdue, undated, upcoming

    listed = {u.hearing_id for u in upcoming(R, start=dt.date(2026, 1, 1))}
    listed |= {u.hearing_id for u in overdue(R, today=dt.date(2027, 6, 1))}
    assert not listed & set(ids(reg, "month", "approx"))
    assert [u.hearing_id for u in undated(P, DAY)] == ids(reg, "approx", "month")
    # January's month-only hearing is still ahead on 31 January, not on 1 February
    assert [u.hearing_id for u in undated(P, dt.date(2027, 1, 31))] == ids(reg, "month")
    assert undated(P, dt.date(2027, 2, 1)) == []
    assert [u.date.human() for u in undated(P, DAY)] == ["c. 10 December 2026", "January 2027"]


def test_overdue_hearings_passed_the_grace_days_without_an_outcome(reg: Registry) -> None:
    from vigil.cases.calendar import overdue

    # 20 November + 1 day of grace: overdue from 22 November on
    assert overdue(P, today=dt.date(2026, 11, 21), grace_days=1) == []
    assert [u.hearing_id for u in overdue(P, today=dt.date(2026, 11, 22), grace_days=1)] == ids(
        reg, "nov20"
    )
    assert [u.hearing_id for u in overdue(P, today=dt.date(2026, 11, 21), grace_days=0)] == ids(
        reg, "nov20"
    )
    late = overdue(P, today=dt.date(2027, 1, 10), grace_days=1)
    assert [u.hearing_id for u in late] == ids(reg, "nov20", "dec2", "ch")
    assert [u.hearing_id for u in overdue(INT, today=dt.date(2027, 1, 10))] == ids(
        reg, "nov20", "dec2", "ci", "ch", "dec20"
    )
    with pytest.raises(InputError, match="grace_days"):
        overdue(P, today=DAY, grace_days=-1)
    with pytest.raises(InputError, match="days"):
        from vigil.cases.calendar import upcoming

        upcoming(P, start=DAY, days=-1)


# -- what each item shows ----------------------------------------------------------------------


def test_an_item_shows_the_case_court_defendants_and_chain(reg: Registry) -> None:
    from vigil.cases.calendar import upcoming

    first = upcoming(P, start=DAY)[0]
    assert first.day == dt.date(2026, 12, 2) and first.kind == "trial"
    assert first.case_ref == "CA" and first.case_name == "Trial of the Four"
    assert first.case_number == "1-1/2026" and first.case_kind == "criminal"
    assert first.court == "Baku Court"  # the case's only court: the hearing names none
    # PA by his primary name; PN by ref (her only name is internal); not PB, not PR
    assert [(d.ref, d.name) for d in first.defendants] == [("PA", "Anar Quliyev"), ("PN", "PN")]
    assert first.chain == "postponed twice since October 2026; next hearing 2 December 2026"
    assert first.title == "Hearing of Trial of the Four on 2 December 2026"
    assert first.link == "/cases/CA/"
    assert "Anar Quliyev" in first.summary and "Baku Court" in first.summary
    assert first.record()["case"] == "CA"
    inside = upcoming(INT, start=DAY)[0]
    assert [d.ref for d in inside.defendants] == ["PA", "PB", "PN"]
    assert dict((d.ref, d.name) for d in inside.defendants)["PN"] == "Nazim Sentinel"


def test_a_hidden_title_or_number_names_the_case_by_its_ref(reg: Registry) -> None:
    from vigil.cases.calendar import upcoming

    public = {u.hearing_id: u for u in upcoming(P, start=DAY)}
    ch = public[reg.hearings["ch"].pk]
    assert ch.case_title == "" and ch.case_number == "" and ch.case_name == "CH"
    assert ch.title == "Hearing of CH on 4 December 2026"
    internal = {u.hearing_id: u for u in upcoming(INT, start=DAY)}[reg.hearings["ch"].pk]
    assert internal.case_name == "SNT-TITLE" and internal.case_number == ""
    restricted = {u.hearing_id: u for u in upcoming(R, start=DAY)}[reg.hearings["ch"].pk]
    assert restricted.case_number == "SNT-NUMBER"
    # a case with no ref and nothing visible to name it by
    case = reg.cases["CH"]
    case.ref = None
    case.save()
    nameless = {u.hearing_id: u for u in upcoming(P, start=DAY)}[reg.hearings["ch"].pk]
    assert nameless.case_name == "a case" and nameless.link == "" and nameless.chain == ""


def test_no_hidden_value_reaches_a_public_item(reg: Registry) -> None:
    from vigil.cases.calendar import overdue, undated, upcoming

    items = [
        *upcoming(P, start=dt.date(2026, 1, 1)),
        *overdue(P, today=dt.date(2027, 6, 1), grace_days=0),
        *undated(P, dt.date(2026, 1, 1)),
    ]
    assert items
    text = "\n".join(strings(items) + [u.summary + u.title for u in items])
    found = [h for h in HIDDEN if h in text]
    assert found == []
    # and the check can fail: an internal reader is shown some of them
    inside = upcoming(INT, start=dt.date(2026, 1, 1))
    assert "SNT-TITLE" in "\n".join(strings(inside) + [u.summary for u in inside])


def test_refs_name_what_an_item_shows(reg: Registry) -> None:
    from vigil.cases.calendar import upcoming

    first = upcoming(P, start=DAY)[0]
    refs: dict[tuple[str, int], set[str]] = {}
    for m, pk, cols in first.refs:
        refs.setdefault((m, pk), set()).update(cols)
    assert {"ref", "title", "kind", "courts"} <= refs[("Case", reg.cases["CA"].pk)]
    assert ("Person", reg.people["PA"].pk) in refs
    assert ("Person", reg.people["PR"].pk) not in refs  # not shown
    assert ("Hearing", reg.hearings["dec20"].pk) not in refs
    ch = next(u for u in upcoming(P, start=DAY) if u.case_ref == "CH")
    assert {c for m, _, cols in ch.refs if m == "Case" for c in cols} == {"ref", "kind"}
    assert {"title", "number"} <= refs[("Case", reg.cases["CA"].pk)]
