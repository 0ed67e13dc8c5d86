"""List releases in the editors' area: the list of releases a user may read, and an
editor's edit of a release (fields, entries added and removed, hidden entries kept)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.web.test_editors import audit, make_user, sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.web.editors_urls")]


@pytest.fixture
def lists():
    """VRW: public June list (P1, P9 restricted person, P2, P3 in a restricted entry,
    P4 internal person) and public July list (P1, P5); internal August list; a
    restricted December list (only restricted readers see it)."""
    from vigil.cases import models as m

    def person(ref, visibility=0):
        p = m.Person.objects.create(ref=ref, visibility=visibility)
        m.PersonName.objects.create(person=p, name=f"Name {ref}", language="az-Latn")
        return p

    people = {r: person(r) for r in ("P1", "P2", "P3", "P5", "P6")}
    people["P4"] = person("P4", 1)
    people["P9"] = person("P9", 2)
    vrw = m.Organisation.objects.create(ref="VRW", name="Veloria Rights Watch", kind="ngo")

    def release(ref, title, published, visibility=0, entries=()):
        r = m.ListRelease.objects.create(
            organisation=vrw, ref=ref, title=title, published=published, visibility=visibility
        )
        for position, (pref, category, vis) in enumerate(entries, 1):
            m.ListEntry.objects.create(
                release=r,
                person=people[pref],
                position=position,
                category=category,
                visibility=vis,
            )
        return r

    june = release(
        "L1",
        "June list",
        "2026-06",
        entries=[
            ("P1", "journalists", 0),
            ("P9", "secret", 0),
            ("P2", "activists", 0),
            ("P3", "hidden", 2),
            ("P4", "internal", 0),
        ],
    )
    july = release("L2", "July list", "2026-07", entries=[("P1", "", 0), ("P5", "", 0)])
    august = release("L3", "August list", "2026-08", visibility=1)
    december = release("L9", "Secret list", "2026-12", visibility=2)
    return {"june": june, "july": july, "august": august, "december": december, **people}


def client_for(name: str, role: str, **kw) -> Client:
    user = make_user(name, role, device=role != "viewer", **kw)
    client = Client()
    assert sign_in(client, user).status_code == 302
    return client


@pytest.fixture
def editor_client(lists) -> Client:
    return client_for("edna", "editor")


def post_data(**fields) -> dict:
    data = {
        "organisation": "VRW",
        "title": "June list",
        "published": "2026-06",
        "visibility": "0",
        "people": "P1\nP2\nP4",
    }
    data.update(fields)
    return data


def entries(release) -> list[tuple]:
    return [
        (e.person.ref, e.position, e.category, e.visibility)
        for e in release.entries.select_related("person").order_by("position", "id")
    ]


def test_list_shows_visible_releases_only(lists):
    viewer = client_for("vera", "viewer")
    page = viewer.get("/editors/releases/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "June list" in body and "July list" in body and "August list" in body
    assert "Secret list" not in body
    assert "/editors/releases/L1/edit/" not in body  # viewers cannot edit
    assert "Lists</a>" in body

    editor = client_for("edna", "editor")
    body = editor.get("/editors/releases/").content.decode()
    assert "/editors/releases/L1/edit/" in body and "Secret list" not in body
    # June: P1, P2, P4 visible at internal (P9 and P3's entry are restricted)
    assert "<td>3</td>" in body
    # July against June: P5 added; P2, P4 removed
    assert "+1 / −2" in body
    assert "/api/cases/releases/diff?a=L1&amp;b=L2" in body

    restricted = client_for("rita", "editor", restricted=True)
    body = restricted.get("/editors/releases/").content.decode()
    assert "Secret list" in body and "<td>5</td>" in body


def test_edit_prefilled(editor_client, lists):
    page = editor_client.get("/editors/releases/L1/edit/")
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["people"] == "P1\nP2\nP4"
    assert form.initial["title"] == "June list"
    assert form.initial["published"] == "2026-06"
    # the CSRF token is random letters and digits: it may spell "P9" (a flake, once)
    shown = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", page.content)
    assert b"P9" not in shown and b"P3" not in shown
    # visibility up to the editor's level only
    assert [v for v, _ in form.fields["visibility"].choices] == [0, 1]


def test_save_adds_removes_and_updates(editor_client, lists):
    response = editor_client.post(
        "/editors/releases/L1/edit/",
        post_data(title="June list (revised)", published="2026-06-15", people="P2\nP5\nP1"),
    )
    assert response.status_code == 302, response.content[:800]
    june = lists["june"]
    june.refresh_from_db()
    assert june.title == "June list (revised)" and str(june.published) == "2026-06-15"
    assert june.visibility == 0
    # P2 and P1 keep their categories; P4 removed; P5 added; P9 (restricted person,
    # position 2) and P3 (restricted entry, position 4) untouched in their places
    assert entries(june) == [
        ("P2", 1, "activists", 0),
        ("P9", 2, "secret", 0),
        ("P5", 3, "", 0),
        ("P3", 4, "hidden", 2),
        ("P1", 5, "journalists", 0),
    ]
    event = audit("update", "release:L1")[0]
    assert event.actor == "edna"
    changes = event.detail["changes"]
    # the trail lists every entry; those above internal as keyed hashes, in place
    masked = [e for e in changes["entries"]["before"] if e.startswith("[restricted:")]
    assert len(masked) == 2 and masked == [
        e for e in changes["entries"]["after"] if e.startswith("[restricted:")
    ]
    shown = {k: [e for e in v if e not in masked] for k, v in changes["entries"].items()}
    assert shown == {"before": ["P1", "P2", "P4"], "after": ["P2", "P5", "P1"]}
    assert changes["title"] == {"before": "June list", "after": "June list (revised)"}
    assert event.detail["added"] == ["P5"] and event.detail["removed"] == ["P4"]
    assert "P9" not in str(event.detail) and "P3" not in str(event.detail)


def test_hidden_entries_survive_emptying(editor_client, lists):
    response = editor_client.post(
        "/editors/releases/L1/edit/", post_data(visibility="1", people="")
    )
    assert response.status_code == 302
    june = lists["june"]
    june.refresh_from_db()
    assert june.visibility == 1
    assert entries(june) == [("P9", 2, "secret", 0), ("P3", 4, "hidden", 2)]


def test_restricted_editor_sees_and_edits_everything(lists):
    client = client_for("rita", "editor", restricted=True)
    page = client.get("/editors/releases/L1/edit/")
    assert page.context["form"].initial["people"] == "P1\nP9\nP2\nP3\nP4"
    response = client.post("/editors/releases/L9/edit/", post_data(title="Secret", people="P9"))
    assert response.status_code == 302
    assert entries(lists["december"]) == [("P9", 1, "", 0)]


def test_viewer_forbidden(lists):
    viewer = client_for("vera", "viewer")
    assert viewer.get("/editors/releases/L1/edit/").status_code == 403
    assert viewer.post("/editors/releases/L1/edit/", post_data(people="P1")).status_code == 403
    assert len(entries(lists["june"])) == 5
    assert not audit("update")


def test_release_above_level_is_404(editor_client, lists):
    assert editor_client.get("/editors/releases/L9/edit/").status_code == 404
    assert editor_client.post("/editors/releases/L9/edit/", post_data()).status_code == 404
    assert editor_client.get("/editors/releases/NOPE/edit/").status_code == 404
    lists["december"].refresh_from_db()
    assert lists["december"].title == "Secret list"


@pytest.mark.parametrize(
    ("people", "message"),
    [
        ("P1\nP404", "line 2: no person &#x27;P404&#x27;"),
        ("P1\nP9", "line 2: no person &#x27;P9&#x27;"),  # above the editor's level
        ("P1\nP1", "line 2: &#x27;P1&#x27; is in the list twice"),
    ],
)
def test_bad_ref_changes_nothing(editor_client, lists, people, message):
    before = entries(lists["june"])
    response = editor_client.post(
        "/editors/releases/L1/edit/", post_data(title="Changed", people=people)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    june = lists["june"]
    june.refresh_from_db()
    assert june.title == "June list" and entries(june) == before
    assert not audit("update")


def test_duplicate_title_and_date_is_an_error(editor_client, lists):
    response = editor_client.post(
        "/editors/releases/L1/edit/", post_data(title="July list", published="2026-07")
    )
    assert response.status_code == 200 and b"already has a list" in response.content
    lists["june"].refresh_from_db()
    assert lists["june"].title == "June list" and len(entries(lists["june"])) == 5


def test_csrf_enforced(editor_client, lists):
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = editor_client.cookies
    assert strict.get("/editors/releases/L1/edit/").status_code == 200
    response = strict.post("/editors/releases/L1/edit/", post_data(title="CSRF"))
    assert response.status_code == 403
    lists["june"].refresh_from_db()
    assert lists["june"].title == "June list" and len(entries(lists["june"])) == 5
    assert not audit("update")
