"""Incidents counted by heads: listing, counts by month and place, visibility, and the
command line. A small registry whose answers are known by construction."""

from __future__ import annotations

import json

import pytest

from tests.cli_runner import vigil
from vigil.cases.levels import Level
from vigil.errors import InputError

P, INT, R = Level.PUBLIC, Level.INTERNAL, Level.RESTRICTED


@pytest.fixture
def incidents(registry):
    """I1 5 Mar 2026 square 258 detained (public; P1 public and P9 restricted linked),
    I2 19 Mar 2026 square 41, I3 Aug 2026 town, no count, I4 2026 (year only) town 7,
    I5 2 Oct 2026 square 3 (internal)."""
    from vigil.cases import models as m

    p1 = m.Person.objects.create(ref="P1")
    p9 = m.Person.objects.create(ref="P9", visibility=R)
    rows = [
        ("I1", "2026-03-05", "Square", 258, P),
        ("I2", "2026-03-19", "Square", 41, P),
        ("I3", "2026-08", "Town", None, P),
        ("I4", "2026", "Town", 7, P),
        ("I5", "2026-10-02", "Square", 3, INT),
    ]
    made = {
        ref: m.Incident.objects.create(
            ref=ref, date=date, place=place, kind="protest_detention", detained=n, visibility=v
        )
        for ref, date, place, n, v in rows
    }
    m.IncidentPerson.objects.create(incident=made["I1"], person=p1)
    m.IncidentPerson.objects.create(incident=made["I1"], person=p9)
    return made


def test_counts_by_month_keep_a_year_alone_apart(incidents):
    from vigil.cases.incidents import counts

    assert counts(P, "month") == [
        {"month": "2026-03", "incidents": 2, "detained": 299, "without_count": 0},
        {"month": "2026-08", "incidents": 1, "detained": 0, "without_count": 1},
        {"month": "2026, month unknown", "incidents": 1, "detained": 7, "without_count": 0},
    ]
    internal = {r["month"]: r for r in counts(INT, "month")}
    assert internal["2026-10"]["detained"] == 3  # the internal incident, for internal only


def test_counts_by_place_most_detained_first(incidents):
    from vigil.cases.incidents import counts

    assert [(r["place"], r["incidents"], r["detained"]) for r in counts(P, "place")] == [
        ("Square", 2, 299),
        ("Town", 2, 7),
    ]
    assert counts(INT, "place")[0] == {
        "place": "Square", "incidents": 3, "detained": 302, "without_count": 0
    }  # fmt: skip


def test_dates_filter_by_the_earliest_day(incidents):
    from vigil.cases.incidents import counts, listing

    march = listing(P, date_from="2026-03-10", date_to="2026-12-31")
    assert [r["ref"] for r in march] == ["I2", "I3"]  # I4 ("2026") starts on 1 January
    assert sum(r["incidents"] for r in counts(P, "place", date_to="2026-03-31")) == 3
    with pytest.raises(InputError, match=r"^date_from: the start 2026-05-01 is after"):
        counts(P, date_from="2026-05-01", date_to="2026-04-01")
    with pytest.raises(InputError, match=r"^by: expected one of month, place"):
        counts(P, "kind")


def test_the_people_of_an_incident_are_those_the_reader_may_see(incidents):
    from vigil.cases.incidents import listing

    people = {lv: {r["ref"]: r["people"] for r in listing(lv)} for lv in (P, INT, R)}
    assert people[P]["I1"] == people[INT]["I1"] == "P1"
    assert people[R]["I1"] == "P1; P9"
    assert "I5" not in people[P] and "I5" in people[INT]


def test_exports_hold_incidents_at_their_level_only(incidents):
    from vigil.cases.exporters import document

    public = document(P)
    assert [i["ref"] for i in public["incidents"]] == ["I4", "I1", "I2", "I3"]
    assert "notes" not in public["incidents"][0]  # the team's notes are internal
    assert [(r["incident"], r["person"]) for r in public["incident_people"]] == [("I1", "P1")]
    restricted = document(R)
    assert len(restricted["incidents"]) == 5 and len(restricted["incident_people"]) == 2


def test_cli_lists_and_counts(incidents, capsys):
    run = vigil(capsys, "cases", "incidents", "--by", "month", "-f", "json")
    assert run.code == 0, run.err
    assert json.loads(run.out)[0] == {
        "month": "2026-03", "incidents": 2, "detained": 299, "without_count": 0
    }  # fmt: skip
    table = vigil(capsys, "cases", "incidents", "--level", "internal")
    assert table.code == 0 and "I5" in table.out and "P1; P9" not in table.out
    none = vigil(capsys, "cases", "incidents", "--from", "2027-01-01")
    assert none.code == 0 and "No incident" in none.out
    bad = vigil(capsys, "cases", "incidents", "--from", "2026-05-01", "--to", "2026-04-01")
    assert bad.code == 1 and bad.err.startswith("Error: --from: the start 2026-05-01")


def test_the_public_page_counts_and_lists_what_the_reader_may_see(incidents, client):
    page = client.get("/prisoners/incidents/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "2026, month unknown" in html and ">299<" in html  # the two March rallies
    assert "2026-10-02" not in html  # the internal incident
    assert "P9" not in html and "P1" in html  # a restricted person is not named
    bad = client.get("/prisoners/incidents/", {"from": "2026-05-01", "to": "2026-04-01"})
    assert (
        bad.status_code == 400 and "the start 2026-05-01 is after the end" in bad.content.decode()
    )
    api = client.get("/api/cases/incidents/counts", {"by": "place", "format": "json"})
    assert api.status_code == 200 and api.json()[0]["detained"] == 299
    assert client.get("/api/cases/incidents", {"from": "x"}).json()["error"]["parameter"] == "from"


def test_a_merge_moves_the_links_to_incidents(incidents):
    """P2, a duplicate of P1 linked to I1 (which P1 already is) and to I2, merged into
    P1: the I2 link moves, the I1 link collapses; the export keeps one link per pair."""
    from vigil.cases import models as m
    from vigil.cases.exporters import document
    from vigil.cases.merge import merge

    p2 = m.Person.objects.create(ref="P2")
    m.IncidentPerson.objects.create(incident=incidents["I1"], person=p2)
    m.IncidentPerson.objects.create(incident=incidents["I2"], person=p2)
    result = merge("P1", "P2")
    assert result["moved"]["incidents"] == 1
    links = [(r["incident"], r["person"]) for r in document(R)["incident_people"]]
    assert sorted(links) == [("I1", "P1"), ("I1", "P2"), ("I1", "P9"), ("I2", "P1")]
    assert len(links) == len(set(links))
