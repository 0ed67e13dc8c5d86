"""Who is counted as a political prisoner (issue 16): defendants, and people on a
published list or designated, in custody or under house arrest on the date; never a
lawyer, judge, witness or victim for taking part in a case, and nothing the reader may
not see. One rule (:func:`vigil.cases.stats.counted`) behind every count: the library,
``vigil cases stats``, the list's heading, its ``counted`` column and filter, the API
and the stats page. Unmerged duplicates are counted as the records they are, and said.

The registry is built here; the expected sets are written out by hand from it.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.core.cache import cache
from django.test import Client

from tests.cli_runner import vigil
from vigil.cases.levels import Level

P, INT, R = Level.PUBLIC, Level.INTERNAL, Level.RESTRICTED
DAY = dt.date(2026, 6, 15)

#: By construction (see ``people``): who is counted on DAY at each level.
COUNTED_PUBLIC = {"D-HELD", "D-DUP", "LISTED", "DESIGNATED"}
COUNTED_INTERNAL = COUNTED_PUBLIC | {"D-INTERNAL"}
COUNTED_RESTRICTED = COUNTED_INTERNAL | {"D-RESTRICTED"}
#: Monthly counts, public, by hand: D-FREE is held until 1 May; LISTED from 20 May.
SERIES_PUBLIC = {
    "2026-04-01": {"D-HELD", "D-DUP", "D-FREE", "DESIGNATED"},
    "2026-05-01": {"D-HELD", "D-DUP", "DESIGNATED"},
    "2026-06-01": {"D-HELD", "D-DUP", "DESIGNATED", "LISTED"},
    "2026-06-15": COUNTED_PUBLIC,
}


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def people(registry):
    """A case with people in every role, a list, a designation and a duplicate pair.

    - D-HELD Əli Kərimli, defendant, arrested 2026-03-01: counted.
    - D-DUP Али Керимли, defendant, arrested 2026-03-02: the same man entered twice in
      Russian (not merged): counted, and proposed as a duplicate of D-HELD.
    - D-FREE Tofiq Yaqublu, defendant, arrested 2026-02-01, released 2026-05-01.
    - LAWYER Kəmalə Dərəbəyli, the defence lawyer, detained 2026-06-10 for ten days.
    - WITNESS Vüqar Həsənli, a witness, himself in custody since 2026-01-01 (another
      matter): listed, not counted.
    - JUDGE and VICTIM with events of custody too: never counted.
    - D-INTERNAL Nigar Məmmədova: an internal participation (the public does not know
      she is a defendant), arrested 2026-04-01.
    - D-RESTRICTED Gizli Şəxs: a restricted person, defendant, arrested 2026-03-03.
    - LISTED Orxan Quliyev: on VRW's June list only, arrested 2026-05-20.
    - DESIGNATED Leyla Əliyeva: designated by VRW only, house arrest since 2026-02-10.
    - NO-EVENT Samir Nəsirli: a defendant with no event on record.
    """
    from vigil.cases import models as m

    def person(ref, name, lang="az-Latn", visibility=0):
        p = m.Person.objects.create(ref=ref, visibility=visibility)
        m.PersonName.objects.create(person=p, name=name, language=lang)
        return p

    def event(p, kind, date):
        m.StatusEvent.objects.create(person=p, kind=kind, date=date)

    vrw = m.Organisation.objects.create(
        ref="VRW", name="Veloria Rights Watch", short_name="VRW", kind="ngo"
    )
    case = m.Case.objects.create(ref="C1", number="1-1/2026", title="The AVB case")
    refs = {}
    for ref, name, lang, role, part_level, person_level in (
        ("D-HELD", "Əli Kərimli", "az-Latn", "defendant", 0, 0),
        ("D-DUP", "Али Керимли", "ru-Cyrl", "defendant", 0, 0),
        ("D-FREE", "Tofiq Yaqublu", "az-Latn", "defendant", 0, 0),
        ("LAWYER", "Kəmalə Dərəbəyli", "az-Latn", "lawyer", 0, 0),
        ("WITNESS", "Vüqar Həsənli", "az-Latn", "witness", 0, 0),
        ("JUDGE", "Aydın Sərtoğlu", "az-Latn", "judge", 0, 0),
        ("VICTIM", "Rauf Abbasov", "az-Latn", "victim", 0, 0),
        ("D-INTERNAL", "Nigar Məmmədova", "az-Latn", "defendant", 1, 0),
        ("D-RESTRICTED", "Gizli Şəxs", "az-Latn", "defendant", 0, 2),
        ("NO-EVENT", "Samir Nəsirli", "az-Latn", "defendant", 0, 0),
    ):
        p = person(ref, name, lang, person_level)
        m.CaseParticipant.objects.create(case=case, person=p, role=role, visibility=part_level)
        refs[ref] = p
    refs["LISTED"] = person("LISTED", "Orxan Quliyev")
    refs["DESIGNATED"] = person("DESIGNATED", "Leyla Əliyeva")
    event(refs["D-HELD"], "arrested", "2026-03-01")
    event(refs["D-DUP"], "arrested", "2026-03-02")
    event(refs["D-FREE"], "arrested", "2026-02-01")
    event(refs["D-FREE"], "released", "2026-05-01")
    event(refs["LAWYER"], "detained", "2026-06-10")
    event(refs["LAWYER"], "released", "2026-06-20")
    event(refs["WITNESS"], "arrested", "2026-01-01")
    event(refs["JUDGE"], "house_arrest", "2026-01-01")
    event(refs["VICTIM"], "detained", "2026-06-14")
    event(refs["D-INTERNAL"], "arrested", "2026-04-01")
    event(refs["D-RESTRICTED"], "arrested", "2026-03-03")
    event(refs["LISTED"], "arrested", "2026-05-20")
    event(refs["DESIGNATED"], "house_arrest", "2026-02-10")
    release = m.ListRelease.objects.create(
        ref="R-JUNE", organisation=vrw, title="June 2026", published="2026-06-01"
    )
    m.ListEntry.objects.create(release=release, person=refs["LISTED"], position=1)
    m.Designation.objects.create(
        person=refs["DESIGNATED"], organisation=vrw, criteria="PACE 2012", since="2026-02"
    )
    return refs


def _refs(level, ids):
    from vigil.cases.models import Person

    return set(Person.objects.filter(id__in=ids).values_list("ref", flat=True))


@pytest.mark.parametrize(
    ("level", "expected"),
    [(P, COUNTED_PUBLIC), (INT, COUNTED_INTERNAL), (R, COUNTED_RESTRICTED)],
)
def test_the_rule_counts_defendants_and_listed_people_held(people, level, expected):
    from vigil.cases import stats

    assert _refs(level, stats.counted_on(level, DAY)) == expected
    assert stats.held(level, on=DAY)["all"].tolist() == [len(expected)]


def test_no_role_but_defendant_gives_grounds(people):
    from vigil.cases import stats

    grounds = _refs(R, stats.grounds(R))
    assert {"LAWYER", "WITNESS", "JUDGE", "VICTIM"}.isdisjoint(grounds)
    assert {"D-HELD", "D-FREE", "NO-EVENT", "LISTED", "DESIGNATED"} <= grounds
    # the internal participation and the restricted person: grounds only for those who see them
    assert "D-INTERNAL" not in _refs(P, stats.grounds(P))
    assert "D-RESTRICTED" not in _refs(INT, stats.grounds(INT))


def test_the_series_counts_by_the_rule_on_every_date(people):
    from vigil.cases import stats

    frame = stats.held(P, date_from="2026-04-01", date_to="2026-06-15", freq="month")
    got = {d.date().isoformat(): n for d, n in zip(frame["date"], frame["all"], strict=True)}
    assert got == {day: len(who) for day, who in SERIES_PUBLIC.items()}
    # by status: the house arrest is DESIGNATED's alone; all the others are held
    status = stats.held(P, on=DAY, by="status")
    assert (status.loc[0, "held"], status.loc[0, "house_arrest"]) == (3, 1)


def test_unmerged_duplicates_are_counted_and_named(people):
    from vigil.cases import merge, stats

    counted = stats.counted_on(P, DAY)
    assert stats.possible_duplicates(P, counted) == [("D-HELD", "D-DUP")]
    merge.merge("D-HELD", "D-DUP", actor="ed")
    after = _refs(P, stats.counted_on(P, DAY))
    assert after == COUNTED_PUBLIC - {"D-DUP"}  # merged: one person, counted once
    assert stats.possible_duplicates(P, stats.counted_on(P, DAY)) == []


def test_the_cli_counts_by_the_rule(people, capsys):
    for level, expected in (("public", COUNTED_PUBLIC), ("restricted", COUNTED_RESTRICTED)):
        run = vigil(capsys, "cases", "stats", "--on", DAY, "-l", level, "-f", "json")
        assert run.code == 0, run.err
        assert json.loads(run.out) == [{"date": DAY.isoformat(), "all": len(expected)}]


# -- the site ----------------------------------------------------------------------------------
def _listed(body: str) -> set[str]:
    return set(re.findall(r'<th scope="row"><a href="/prisoners/([^"/]+)/"', body))


@pytest.mark.urls("tests.web.cases_urls")
def test_the_list_heading_counts_and_the_table_shows_roles(people):
    client = Client()
    body = client.get(f"/prisoners/?on={DAY}").content.decode()
    assert f"<strong>{len(COUNTED_PUBLIC)}</strong> political prisoners on 15 June 2026" in body
    # everyone visible is listed, with their role; the restricted person is not
    visible = set(people) - {"D-RESTRICTED"}
    assert _listed(body) == visible
    lawyer = re.search(r'href="/prisoners/LAWYER/".*?</tr>', body, re.S).group(0)
    assert "<td>lawyer</td>" in lawyer and "<td>no</td>" in lawyer
    internal = re.search(r'href="/prisoners/D-INTERNAL/".*?</tr>', body, re.S).group(0)
    assert "<td>—</td>" in internal  # the public does not know her role
    # the duplicate note names the pair
    assert "1 possible duplicate not merged" in body
    assert 'href="/prisoners/D-HELD/">D-HELD</a> and <a href="/prisoners/D-DUP/">D-DUP' in body
    # only the counted
    only = client.get(f"/prisoners/?on={DAY}&counted=1").content.decode()
    assert _listed(only) == COUNTED_PUBLIC
    lawyers = client.get("/prisoners/?role=lawyer").content.decode()
    assert _listed(lawyers) == {"LAWYER"}
    assert client.get("/prisoners/?role=janitor").status_code == 400


@pytest.mark.urls("tests.web.cases_urls")
def test_the_api_and_the_stats_page_count_by_the_rule(people):
    client = Client()
    rows = client.get(f"/api/cases/people?on={DAY}").json()
    assert {r["ref"] for r in rows if r["counted"]} == COUNTED_PUBLIC
    assert {r["ref"]: r["role"] for r in rows}["WITNESS"] == "witness"
    only = client.get(f"/api/cases/people?on={DAY}&counted=1").json()
    assert {r["ref"] for r in only} == COUNTED_PUBLIC
    stats = client.get(f"/api/cases/stats?on={DAY}").json()
    assert stats == [{"date": DAY.isoformat(), "all": len(COUNTED_PUBLIC)}]
    page = client.get(f"/prisoners/stats/?from=2026-04-01&to={DAY}&by=none").content.decode()
    assert f"On {DAY}: <strong>{len(COUNTED_PUBLIC)}</strong> political prisoners held" in page
    assert "D-HELD</a> and <a" in page  # the duplicate note


@pytest.mark.urls("tests.web.cases_urls")
def test_the_pages_show_roles(people):
    client = Client()
    case = client.get("/cases/C1/").content.decode()
    headings = re.findall(r'<h3 id="role-(\w+)">', case)
    assert headings == ["defendant", "lawyer", "judge", "witness", "victim"]
    lawyers = re.search(r'<ul class="cases-role cases-role-lawyer".*?</ul>', case, re.S).group(0)
    assert "Kəmalə Dərəbəyli" in lawyers and "Əli Kərimli" not in lawyers
    assert "Nigar Məmmədova" not in case and "Gizli" not in case  # hidden roles and people
    person = client.get("/prisoners/LAWYER/").content.decode()
    assert '<strong class="cases-role-label">Lawyer</strong> in' in person
    assert "Not counted as a political prisoner: neither a defendant" in person
    held = client.get("/prisoners/D-HELD/").content.decode()
    assert '<strong class="cases-role-label">Defendant</strong> in' in held
    assert "Counted as a political prisoner on" in held
