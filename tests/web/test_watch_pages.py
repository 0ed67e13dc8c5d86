"""The site's side of ``vigil watch`` (vigil.web.watch_views, vigil.web.watch_api): the
alerts page, the Atom feeds, the hearings page, the iCalendar feed and the JSON API,
with Django's test client on a registry and alerts built here.

Alerts are made with :func:`vigil.watch.alerts.record` from candidates built here, at
the public and internal levels and resting on registry records that are public,
restricted, or public with a restricted column. Which alert a reader may see is worked
out here from how each was built (not by calling the rule); every hidden value holds
``HIDDENMARK``, so that a leak is a byte search. Feeds are parsed with
``xml.etree`` and the calendar with ``icalendar``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from typing import Any

import icalendar
import pytest
from django.core.cache import cache
from django.test import Client

from tests.web.conftest import page_body
from tests.web.test_editors import make_user, sign_in
from vigil.cases.levels import Level
from vigil.watch import alerts
from vigil.watch.alerts import Candidate

pytestmark = [pytest.mark.django_db, pytest.mark.urls("vigil.web.urls")]

HIDDEN = "HIDDENMARK"
FUTURE = dt.date(2099, 3, 10)  # hearings still ahead whenever the tests run
LATER = dt.date(2099, 4, 21)
NOW = dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC)
ATOM = "{http://www.w3.org/2005/Atom}"
P, INT, R = Level.PUBLIC, Level.INTERNAL, Level.RESTRICTED
ALERT_ID = re.compile(r'<article class="alert[^"]*" id="alert-(\d+)"')


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


# -- the registry and the alerts ----------------------------------------------------------
@pytest.fixture
def reg(db) -> dict[str, Any]:
    """C1 public (a court, a defendant, a hearing on FUTURE); C2 public with its title
    restricted (a hearing on FUTURE); C9 restricted (a hearing on FUTURE); in C1 also a
    restricted hearing and an internal one."""
    from vigil.cases import models as m

    court = m.Court.objects.create(name="Velora Grave Crimes Court")
    c1 = m.Case.objects.create(ref="C1", number="1-101/2099", title="The UFC case")
    c1.courts.add(court)
    c2 = m.Case.objects.create(
        ref="C2", title=f"{HIDDEN} title of C2", field_visibility={"title": "restricted"}
    )
    c9 = m.Case.objects.create(ref="C9", title=f"{HIDDEN} case C9", visibility=R)
    p1 = m.Person.objects.create(ref="P1")
    m.PersonName.objects.create(person=p1, name="Əli Kərimli", language="az-Latn")
    m.CaseParticipant.objects.create(case=c1, person=p1, role="defendant")
    h = m.Hearing.objects.create
    return {
        "c1": c1,
        "c2": c2,
        "c9": c9,
        "h1": h(case=c1, date=FUTURE.isoformat(), court=court, kind="trial"),
        "h2": h(case=c2, date=FUTURE.isoformat(), kind="appeal"),
        "h9": h(case=c9, date=FUTURE.isoformat(), kind=f"{HIDDEN} kind"),
        "hr": h(case=c1, date="2099-05-02", kind=f"{HIDDEN} restricted", visibility=R),
        "hi": h(case=c1, date="2099-05-03", kind=f"{HIDDEN} internal", visibility=INT),
    }


def week(gained: float) -> Candidate:
    return Candidate(
        key="territory:week_gain:demo:2099-02-02",
        topic="territory",
        kind="week_gain",
        title=f"{gained} km² gained in the week of 2 February",
        body="The largest weekly gain since June.",
        figures={"gained_km2": gained, "rank": 1},
        source="demo",
        snapshots=("2099-02-02", "2099-02-09"),
        period_start=dt.date(2099, 2, 2),
        period_end=dt.date(2099, 2, 9),
        command="vigil territory change --source demo --from 2099-02-02 --to 2099-02-09",
        api="/api/territory/change?from=2099-02-02&to=2099-02-09&source=demo",
        link="/figures/?week=2099-02-02",
    )


def soon(key: str, hearing: Any, case: Any, title: str, columns=("title",)) -> Candidate:
    return Candidate(
        key=f"cases:hearing_soon:hearing:{key}",
        topic="cases",
        kind="hearing_soon",
        title=title,
        figures={"date": FUTURE.isoformat()},
        event_date=FUTURE,
        link=f"/cases/{case.ref}/",
        refs=(("Hearing", hearing.pk, ("date", "court")), ("Case", case.pk, tuple(columns))),
    )


@pytest.fixture
def made(reg) -> dict[str, Any]:
    """The alerts, by name, and who may see each (worked out from how they were made):
    week (territory, corrected by week2), soon1 (a public hearing of C1), failed
    (internal), soon9 (a hearing of restricted C9), title2 (C2's restricted title),
    soonr (a restricted hearing of public C1)."""
    week1 = alerts.record([week(212.4)], now=NOW).new[0]
    week2 = alerts.record([week(198.0)], now=NOW + dt.timedelta(hours=2)).corrections[0][1]
    records = alerts.record(
        [
            soon("1", reg["h1"], reg["c1"], "Hearing of The UFC case on 10 March 2099"),
            soon("9", reg["h9"], reg["c9"], f"Hearing of {HIDDEN} case C9"),
            soon("2", reg["h2"], reg["c2"], f"Hearing of {HIDDEN} title of C2"),
            soon("r", reg["hr"], reg["c1"], f"{HIDDEN} restricted hearing", columns=("ref",)),
        ],
        now=NOW + dt.timedelta(hours=1),
    ).new
    failed = alerts.raise_condition(
        Candidate(
            key="system:fetch_failed:demo",
            topic="system",
            kind="fetch_failed",
            title=f"Fetch failed: {HIDDEN} connection refused",
            source="demo",
            level=INT,
        ),
        now=NOW + dt.timedelta(hours=3),
    )
    soon1, soon9, title2, soonr = records
    return {
        "week1": week1,
        "week2": week2,
        "soon1": soon1,
        "soon9": soon9,
        "title2": title2,
        "soonr": soonr,
        "failed": failed,
        P: {week1.pk, week2.pk, soon1.pk},
        INT: {week1.pk, week2.pk, soon1.pk, failed.pk},
        R: {week1.pk, week2.pk, soon1.pk, failed.pk, soon9.pk, title2.pk, soonr.pk},
    }


@pytest.fixture
def editor(reg) -> Client:
    client = Client()
    assert sign_in(client, make_user("ed", "editor")).status_code == 302
    return client


@pytest.fixture
def keeper(reg) -> Client:
    """An editor with the restricted permission."""
    client = Client()
    assert sign_in(client, make_user("rk", "editor", restricted=True)).status_code == 302
    return client


def ids_on_page(html: str) -> set[int]:
    return {int(x) for x in ALERT_ID.findall(html)}


def atom(data: bytes) -> list[dict[str, str]]:
    root = ET.fromstring(data)
    assert root.tag == f"{ATOM}feed"
    out = []
    for e in root.findall(f"{ATOM}entry"):
        link = e.find(f"{ATOM}link")
        out.append(
            {
                "id": e.findtext(f"{ATOM}id") or "",
                "title": e.findtext(f"{ATOM}title") or "",
                "updated": e.findtext(f"{ATOM}updated") or "",
                "summary": e.findtext(f"{ATOM}summary") or "",
                "link": link.get("href", "") if link is not None else "",
            }
        )
    return out


def events(data: bytes) -> list[Any]:
    return [c for c in icalendar.Calendar.from_ical(data).walk("VEVENT")]


# -- the alerts page ------------------------------------------------------------------------
def test_the_page_shows_exactly_the_alerts_its_reader_may_see(made, editor, keeper):
    for client, level in ((Client(), P), (editor, INT), (keeper, R)):
        r = client.get("/alerts/")
        assert r.status_code == 200
        assert ids_on_page(r.content.decode()) == made[level], level
    public = Client().get("/alerts/")
    assert HIDDEN.encode() not in public.content
    assert "private" not in public.get("Cache-Control", "")
    assert "private" in editor.get("/alerts/")["Cache-Control"]  # internal alerts on it


def test_a_correction_says_what_it_corrects_and_the_old_alert_stays_marked(made):
    html = Client().get("/alerts/").content.decode()
    new = html.split(f'id="alert-{made["week2"].pk}"')[1].split("</article>")[0]
    old = html.split(f'id="alert-{made["week1"].pk}"')[1].split("</article>")[0]
    assert "Corrected on 30 November 2026" in new
    assert f'href="/alerts/{made["week1"].pk}/"' in new
    assert "212.4 km² gained" in new and "212.4" in new  # was: the old figure
    assert "Superseded" in old and f'href="/alerts/{made["week2"].pk}/"' in old
    assert "Corrected" not in old
    # newest first: the correction above the alert it corrects
    assert html.index(f'id="alert-{made["week2"].pk}"') < html.index(
        f'id="alert-{made["week1"].pk}"'
    )


def test_an_alert_shows_its_figures_and_how_to_reproduce_them(made):
    html = Client().get(f"/alerts/{made['week2'].pk}/").content.decode()
    assert "<dt>gained km2</dt><dd>198</dd>" in html
    assert "vigil territory change --source demo --from 2099-02-02 --to 2099-02-09" in html
    api = "http://testserver/api/territory/change?from=2099-02-02&amp;to=2099-02-09&amp;source=demo"
    assert f'href="{api}"' in html
    assert 'href="http://testserver/figures/?week=2099-02-02"' in html
    assert "2099-02-02 to 2099-02-08" in html  # the period, its end shown inclusive


def test_filters_and_a_bad_filter(made):
    html = Client().get("/alerts/?topic=cases").content.decode()
    assert ids_on_page(html) == {made["soon1"].pk}
    html = Client().get("/alerts/?kind=week_gain").content.decode()
    assert ids_on_page(html) == {made["week1"].pk, made["week2"].pk}
    bad = Client().get("/alerts/?kind=fetch_failed")  # not a kind the public can see
    assert bad.status_code == 400
    assert b'data-parameter="kind"' in bad.content and HIDDEN.encode() not in bad.content
    assert bad.content == Client().get("/alerts/?kind=no_such_kind").content.replace(
        b"no_such_kind", b"fetch_failed"
    )
    assert Client().get("/alerts/?topic=weather").status_code == 400
    assert Client().get("/alerts/?page=9").status_code == 400


def test_a_hidden_alert_is_the_same_404_as_an_unknown_one(made):
    hidden = Client().get(f"/alerts/{made['failed'].pk}/")
    unknown = Client().get("/alerts/999999/")
    assert hidden.status_code == unknown.status_code == 404
    assert page_body(hidden.content) == page_body(unknown.content)


def test_a_record_made_restricted_later_hides_its_alert(made, reg):
    reg["c1"].visibility = R
    reg["c1"].save()
    html = Client().get("/alerts/").content.decode()
    assert ids_on_page(html) == {made["week1"].pk, made["week2"].pk}


# -- the Atom feeds -------------------------------------------------------------------------
def test_the_feeds_hold_one_entry_per_public_alert_with_stable_ids(made, editor):
    internal = Candidate(
        key="territory:stale:demo", topic="territory", kind="stale", title=HIDDEN, level=INT
    )
    alerts.record([internal], now=NOW)
    territory = Client().get("/alerts/territory.atom")
    assert territory.status_code == 200
    assert territory["Content-Type"].startswith("application/atom+xml")
    assert territory["Cache-Control"] == "public, max-age=300"
    entries = atom(territory.content)
    assert len(entries) == 2
    assert {e["link"] for e in entries} == {
        f"http://testserver/alerts/{made[n].pk}/" for n in ("week1", "week2")
    }
    assert len({e["id"] for e in entries}) == 2
    correction = next(e for e in entries if e["link"].endswith(f"/{made['week2'].pk}/"))
    assert correction["title"].startswith("Correction: ")
    assert "was “212.4 km² gained" in correction["summary"]
    cases = atom(Client().get("/alerts/cases.atom").content)
    assert [e["link"] for e in cases] == [f"http://testserver/alerts/{made['soon1'].pk}/"]
    # a team member asking gets the public feed: no internal alert in a shared copy
    assert atom(editor.get("/alerts/territory.atom").content) == entries
    for path in ("/alerts/territory.atom", "/alerts/cases.atom"):
        assert HIDDEN.encode() not in editor.get(path).content
    # a further correction is a new entry; the others keep their ids
    alerts.record([week(205.0)], now=NOW + dt.timedelta(days=1))
    again = atom(Client().get("/alerts/territory.atom").content)
    assert len(again) == 3 and {e["id"] for e in entries} < {e["id"] for e in again}


# -- the API -----------------------------------------------------------------------------------
def test_the_api_answers_the_visible_alerts_with_filters(made, editor):
    body = Client().get("/api/alerts").json()
    assert {a["id"] for a in body["items"]} == made[P] and body["count"] == 3
    assert {a["id"] for a in editor.get("/api/alerts").json()["items"]} == made[INT]
    week2 = next(a for a in body["items"] if a["id"] == made["week2"].pk)
    assert week2 == alerts.as_json(made["week2"], "http://testserver") | {"current": True}
    assert week2["supersedes"]["id"] == made["week1"].pk
    current = Client().get("/api/alerts?current_only=1").json()["items"]
    assert {a["id"] for a in current} == made[P] - {made["week1"].pk}
    assert Client().get("/api/alerts?topic=cases").json()["count"] == 1
    assert Client().get("/api/alerts?since=2026-12-01").json()["count"] == 0
    paged = Client().get("/api/alerts?limit=1&offset=1").json()
    assert paged["count"] == 3 and len(paged["items"]) == 1
    assert paged["items"][0]["id"] == body["items"][1]["id"]
    for bad in ("limit=0", "offset=-1", "topic=weather", "since=yesterday", "current_only=2"):
        r = Client().get(f"/api/alerts?{bad}")
        assert r.status_code == 400, bad
        assert r.json()["error"]["parameter"] == bad.split("=")[0]
    one = Client().get(f"/api/alerts/{made['soon1'].pk}")
    assert one.status_code == 200 and one.json()["title"].startswith("Hearing of The UFC")
    hidden = Client().get(f"/api/alerts/{made['soon9'].pk}")
    unknown = Client().get("/api/alerts/999999")
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json()["error"]["parameter"] == unknown.json()["error"]["parameter"]


def test_the_api_documents_its_operations():
    doc = Client().get("/api/openapi.json").json()
    for route in ("/api/alerts", "/api/alerts/{alert_id}", "/api/hearings/upcoming"):
        operation = doc["paths"][route]["get"]
        assert operation["summary"] and operation["description"], route


# -- hearings ---------------------------------------------------------------------------------
def test_the_hearings_page_lists_the_public_hearings_by_date(made, reg, editor):
    html = Client().get("/hearings/").content.decode()
    assert html.count('<li id="hearing-') == 2
    assert f'id="hearing-{reg["h1"].pk}"' in html and f'id="hearing-{reg["h2"].pk}"' in html
    assert 'href="/cases/C1/"' in html and "Velora Grave Crimes Court" in html
    assert "Əli Kərimli" in html and HIDDEN not in html
    assert html.count('<h2 id="day-') == 1  # both on one date
    internal = editor.get("/hearings/").content.decode()
    assert f'id="hearing-{reg["hi"].pk}"' in internal  # the reader's own level


def test_the_calendar_has_stable_uids_and_a_postponement_updates_its_event(made, reg):
    from vigil.cases import edits, policy

    first = Client().get("/hearings/calendar.ics")
    assert first.status_code == 200
    assert first["Content-Type"] == "text/calendar; charset=utf-8"
    assert first["Cache-Control"] == "public, max-age=300"
    cal = icalendar.Calendar.from_ical(first.content)
    assert str(cal["X-WR-CALNAME"]) == "Vigil: upcoming public hearings"
    evs = {str(e["UID"]): e for e in events(first.content)}
    h1 = f"hearing-{reg['h1'].pk}@testserver"
    assert set(evs) == {h1, f"hearing-{reg['h2'].pk}@testserver"}
    assert evs[h1].decoded("DTSTART") == FUTURE  # all day: a date, not a time
    assert str(evs[h1]["LOCATION"]) == "Velora Grave Crimes Court"
    assert str(evs[h1]["URL"]) == "http://testserver/cases/C1/"
    assert int(evs[h1]["SEQUENCE"]) == 0 and "DTSTAMP" in evs[h1]
    assert {str(e["UID"]) for e in events(Client().get("/hearings/calendar.ics").content)} == set(
        evs
    )
    feed = atom(Client().get("/hearings/feed.atom").content)
    assert len(feed) == 2
    operator = policy.Actor.operator_at(name="test")
    edits.postpone_hearing(operator, reg["h1"].pk, reason="judge ill", next_date=LATER)
    moved = {str(e["UID"]): e for e in events(Client().get("/hearings/calendar.ics").content)}
    assert set(moved) == set(evs)  # the same event, not a second one
    assert moved[h1].decoded("DTSTART") == LATER
    assert int(moved[h1]["SEQUENCE"]) == 1
    assert "LAST-MODIFIED" in moved[h1]
    again = atom(Client().get("/hearings/feed.atom").content)
    assert {e["id"] for e in again} == {e["id"] for e in feed}
    assert again != feed  # the entry changed (title's date, updated)
    api = Client().get("/api/hearings/upcoming").json()
    assert {(h["uid"], h["sequence"]) for h in api} == {
        (h1, 1),
        (f"hearing-{reg['h2'].pk}@testserver", 0),
    }


def test_no_hidden_hearing_or_field_appears_anywhere(made, reg, editor):
    for path in (
        "/alerts/",
        "/alerts/territory.atom",
        "/alerts/cases.atom",
        "/hearings/",
        "/hearings/feed.atom",
        "/hearings/calendar.ics",
        "/api/alerts",
        "/api/alerts?topic=system",
        "/api/hearings/upcoming",
    ):
        body = Client().get(path).content
        assert HIDDEN.encode() not in body, path
        assert b"C9" not in body, path
    for path in ("/alerts/cases.atom", "/hearings/feed.atom", "/hearings/calendar.ics"):
        assert HIDDEN.encode() not in editor.get(path).content, path
    # C2's title is restricted: its hearing is named by its ref
    ics = Client().get("/hearings/calendar.ics").content.decode()
    assert "SUMMARY:Hearing: C2" in ics


def test_the_calendar_is_valid_json_free_and_sorted(made, reg):
    api = Client().get("/api/hearings/upcoming?days=0").json()
    assert api == []
    api = Client().get("/api/hearings/upcoming?start=2099-03-10&days=1").json()
    assert [h["hearing_id"] for h in api] == sorted([reg["h1"].pk, reg["h2"].pk])
    assert Client().get("/api/hearings/upcoming?days=-1").status_code == 400
    assert json.loads(Client().get("/api/hearings/upcoming?start=nope").content)["error"]


def test_a_correction_of_a_hidden_alert_names_nothing_of_it(made, reg):
    old = alerts.record(
        [soon("x", reg["h9"], reg["c9"], f"Hearing of {HIDDEN} case C9, again")], now=NOW
    ).new[0]
    fixed = soon("x", reg["h1"], reg["c1"], "Hearing of The UFC case, corrected")
    fixed = Candidate(**{**fixed.__dict__, "figures": {"date": LATER.isoformat()}})
    new = alerts.record([fixed], now=NOW + dt.timedelta(hours=5)).corrections[0][1]
    assert new.supersedes_id == old.pk
    page = Client().get(f"/alerts/{new.pk}/").content.decode()
    assert "replaces an earlier alert" in page and f"/alerts/{old.pk}/" not in page
    api = Client().get(f"/api/alerts/{new.pk}").json()
    assert api["supersedes"] == {"id": None, "title": None, "figures": None, "created": None}
    for path in ("/alerts/", "/alerts/cases.atom", "/api/alerts"):
        assert HIDDEN.encode() not in Client().get(path).content, path


def test_the_api_answers_csv_too(made, reg):
    import csv
    import io

    rows = list(
        csv.DictReader(io.StringIO(Client().get("/api/alerts?format=csv").content.decode()))
    )
    assert {int(r["id"]) for r in rows} == made[P]
    week2 = next(r for r in rows if int(r["id"]) == made["week2"].pk)
    assert json.loads(week2["figures"]) == {"gained_km2": 198.0, "rank": 1}
    assert week2["supersedes"] == str(made["week1"].pk)
    assert week2["reproduce_command"].startswith("vigil territory change")
    one = Client().get(f"/api/alerts/{made['soon1'].pk}?format=csv").content.decode()
    assert one.splitlines()[1].startswith(str(made["soon1"].pk))
    hearings = Client().get("/api/hearings/upcoming?format=csv").content.decode()
    assert "Əli Kərimli" in hearings and HIDDEN not in hearings
