"""The admin and editor pages of the editors' area: users (admins only), duplicates
and merges (editors), and the outcome of a scheduled hearing."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.cases.conftest import registry as registry
from tests.cases.conftest import sample as sample
from tests.web.test_editors import audit, make_user, sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.web.editors_urls")]


def signed_in(user: User) -> Client:
    client = Client()
    response = sign_in(client, user)
    assert response.status_code == 302, response.content[:500]
    return client


@pytest.fixture
def admin() -> User:
    return make_user("ada", "admin")


@pytest.fixture
def admin_client(admin) -> Client:
    return signed_in(admin)


# -- users ------------------------------------------------------------------------------


def test_admin_creates_a_user_who_signs_in(admin_client):
    form = admin_client.get("/editors/users/new/")
    assert form.status_code == 200 and b'name="username"' in form.content
    response = admin_client.post(
        "/editors/users/new/", {"username": "vic", "role": "viewer", "email": "vic@example.org"}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    password = re.search(rb"<code>([^<]+)</code>", response.content).group(1).decode()
    assert len(password) >= 20
    user = User.objects.get(username="vic")
    assert user.check_password(password) and password not in user.password
    # shown once: the list does not show it again
    listing = admin_client.get("/editors/users/")
    assert listing.status_code == 200 and b"vic" in listing.content
    assert password.encode() not in listing.content
    # the user signs in with it
    client = Client()
    answer = client.post("/editors/login/", {"username": "vic", "password": password})
    assert answer.status_code == 302 and answer["Location"] == "/editors/"
    # audited, by the admin, without the password
    (event,) = audit("user-add", "user:vic")
    assert event.actor == "ada" and event.detail["password"] == "generated"
    from vigil.cases.models import AuditEvent

    everything = json.dumps(list(AuditEvent.objects.values("detail", "target", "actor")))
    assert password not in everything


def test_new_user_refused_is_an_error(admin_client, admin):
    response = admin_client.post("/editors/users/new/", {"username": "ada", "role": "viewer"})
    assert response.status_code == 400 and b"exists already" in response.content
    assert User.objects.filter(username="ada").count() == 1


def test_role_restricted_deactivate_and_reset(admin_client):
    from vigil.cases import roles
    from vigil.cases.levels import Level
    from vigil.cases.policy import Actor

    vera = make_user("vera", "viewer", device=False)
    edna = make_user("edna", "editor")
    # role
    assert admin_client.post("/editors/users/vera/role/", {"role": "editor"}).status_code == 302
    assert roles.roles_of(User.objects.get(username="vera")) == {"editor"}
    assert audit("user-role", "user:vera")[0].detail == {"before": ["viewer"], "after": ["editor"]}
    admin_client.post("/editors/users/vera/role/", {"role": "viewer"})
    # restricted: an admin who does not hold the permission cannot give it
    assert Actor.for_user(User.objects.get(username="vera")).level == Level.INTERNAL
    admin_client.post("/editors/users/vera/restricted/", {"grant": "1"})
    assert Actor.for_user(User.objects.get(username="vera")).level == Level.INTERNAL
    assert audit("user-restricted", "user:vera") == []
    # another admin who holds it can, and can take it back; each change is audited
    holder = signed_in(make_user("hana", "admin", restricted=True))
    holder.post("/editors/users/vera/restricted/", {"grant": "1"})
    assert Actor.for_user(User.objects.get(username="vera")).level == Level.RESTRICTED
    admin_client.post("/editors/users/vera/restricted/", {"grant": "0"})
    assert Actor.for_user(User.objects.get(username="vera")).level == Level.INTERNAL
    events = audit("user-restricted", "user:vera")
    assert [(e.actor, e.detail["after"]) for e in events] == [("hana", True), ("ada", False)]
    # second factor reset: edna must enrol again
    assert admin_client.post("/editors/users/edna/reset-totp/").status_code == 302
    assert not TOTPDevice.objects.filter(user=edna).exists()
    (event,) = audit("user-totp-reset", "user:edna")
    assert event.actor == "ada" and event.detail["before"]["confirmed"] == 1
    answer = Client().post(
        "/editors/login/", {"username": "edna", "password": "correct horse battery staple 42"}
    )
    assert answer.status_code == 302 and answer["Location"] == "/editors/enrol/"
    # deactivation: vera cannot sign in any more
    assert admin_client.post("/editors/users/vera/deactivate/").status_code == 302
    assert not User.objects.get(username="vera").is_active
    assert audit("user-deactivate", "user:vera")[0].actor == "ada"
    assert sign_in(Client(), vera).status_code == 200  # the form again, not a redirect


def test_admin_cannot_deactivate_or_demote_themselves(admin_client, admin):
    response = admin_client.post("/editors/users/ada/deactivate/", follow=True)
    assert b"cannot deactivate yourself" in response.content
    response = admin_client.post("/editors/users/ada/role/", {"role": "viewer"}, follow=True)
    assert b"cannot demote yourself" in response.content
    admin.refresh_from_db()
    assert admin.is_active and admin.groups.filter(name="admin").exists()
    assert not audit("user-deactivate") and not audit("user-role")


USER_PAGES = ["/editors/users/", "/editors/users/new/"]
USER_POSTS = [
    ("/editors/users/new/", {"username": "mallory", "role": "admin"}),
    ("/editors/users/vera/role/", {"role": "admin"}),
    ("/editors/users/vera/restricted/", {"grant": "1"}),
    ("/editors/users/vera/deactivate/", {}),
    ("/editors/users/vera/reset-totp/", {}),
]


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_non_admins_get_403(role):
    vera = make_user("vera", "viewer", device=False)
    client = signed_in(make_user("someone", role, device=role != "viewer"))
    for url in USER_PAGES:
        assert client.get(url).status_code == 403, url
    for url, data in USER_POSTS:
        assert client.post(url, data).status_code == 403, url
    vera.refresh_from_db()
    assert vera.is_active and not User.objects.filter(username="mallory").exists()
    assert not vera.user_permissions.exists()
    assert set(vera.groups.values_list("name", flat=True)) == {"viewer"}
    # and the anonymous are sent to sign in
    assert Client().get("/editors/users/").status_code == 302


def test_users_csrf_enforced(admin_client):
    make_user("vera", "viewer", device=False)
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = admin_client.cookies
    assert strict.get("/editors/users/").status_code == 200
    for url, data in USER_POSTS:
        assert strict.post(url, data).status_code == 403, url
    assert User.objects.get(username="vera").is_active
    assert not User.objects.filter(username="mallory").exists()


def test_users_list_columns(admin_client):
    make_user("vera", "viewer", device=False, restricted=True)
    page = admin_client.get("/editors/users/").content.decode()
    row = re.search(r'<tr data-user="vera">(.*?)</tr>', page, re.S).group(1)
    assert "viewer" in row and "none" in row and "never" in row
    assert row.count("yes") == 2  # restricted, active
    assert 'href="/editors/users/"' in page  # the nav link for admins


# -- duplicates -------------------------------------------------------------------------


@pytest.fixture
def editor_client(sample) -> Client:
    return signed_in(make_user("edna", "editor"))


def test_duplicates_listed_and_merged(editor_client, sample):
    from vigil.cases import models as m

    listing = editor_client.get("/editors/duplicates/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "P1" in html and "P5" in html and "Merge B into A" in html
    confirm = editor_client.get("/editors/duplicates/merge/", {"keep": "P1", "drop": "P5"})
    assert confirm.status_code == 200
    assert "Əli Kərimli" in confirm.content.decode() and b"Ali Kerimli" in confirm.content
    assert b"INTERNAL-NOTE on P1" in confirm.content  # internal, the editor's level
    assert b"SECRET-CONTACT" not in confirm.content  # restricted, above it
    assert m.Person.objects.get(ref="P5").merged_into is None  # nothing merged yet
    response = editor_client.post("/editors/duplicates/merge/", {"keep": "P1", "drop": "P5"})
    assert response.status_code == 302 and response["Location"] == "/editors/people/P1/"
    assert m.Person.objects.get(ref="P5").merged_into.ref == "P1"
    (event,) = audit("merge", "person:P5")
    assert event.actor == "edna" and event.detail["kept"] == "person:P1"
    # merged: no longer proposed, and cannot be merged again
    after = editor_client.get("/editors/duplicates/").content.decode()
    assert "P5 merged into P1." in after  # the message, once
    assert "/editors/people/P5/" not in after.split("<tbody>")[1]
    again = editor_client.post("/editors/duplicates/merge/", {"keep": "P1", "drop": "P5"})
    assert again.status_code == 404


def test_duplicates_viewer_403(sample):
    from vigil.cases import models as m

    viewer = signed_in(make_user("vera", "viewer", device=False))
    assert viewer.get("/editors/duplicates/").status_code == 403
    assert viewer.get("/editors/duplicates/merge/?keep=P1&drop=P5").status_code == 403
    assert (
        viewer.post("/editors/duplicates/merge/", {"keep": "P1", "drop": "P5"}).status_code == 403
    )
    assert m.Person.objects.get(ref="P5").merged_into is None and not audit("merge")


def test_duplicates_above_level_404(editor_client, sample):
    from vigil.cases import models as m

    hidden = m.Person.objects.create(ref="P9", visibility=2)
    m.PersonName.objects.create(person=hidden, name="Ali Kerimli", language="en")
    # the ref as a word: a random CSRF token may hold the letters "P9"
    page = editor_client.get("/editors/duplicates/").content
    assert not re.search(rb"(?<![A-Za-z0-9])P9(?![A-Za-z0-9])", page)
    for keep, drop in [("P1", "P9"), ("P9", "P1"), ("P1", "NOPE")]:
        data = {"keep": keep, "drop": drop}
        assert editor_client.get("/editors/duplicates/merge/", data).status_code == 404
        assert editor_client.post("/editors/duplicates/merge/", data).status_code == 404
    hidden.refresh_from_db()
    assert hidden.merged_into is None and not audit("merge")
    assert m.Person.objects.get(ref="P1").merged_into is None


# -- hearing outcomes -------------------------------------------------------------------


def test_hearing_outcome(editor_client, sample):
    from vigil.cases import models as m

    hearing = m.Hearing.objects.get(case__ref="C1", outcome="scheduled")
    other = m.Hearing.objects.create(case=hearing.case, date="2027-01-15", kind="appeal")
    page = editor_client.get("/editors/cases/C1/")
    assert b"Record outcome" in page.content
    assert f"/editors/hearings/{hearing.pk}/outcome/".encode() in page.content
    response = editor_client.post(f"/editors/hearings/{hearing.pk}/outcome/", {"outcome": "held"})
    assert response.status_code == 302 and response["Location"] == "/editors/cases/C1/"
    hearing.refresh_from_db()
    assert hearing.outcome == "held"
    (event,) = audit("outcome", "hearing:C1")
    assert event.actor == "edna"
    assert event.detail["changes"]["outcome"] == {"before": "scheduled", "after": "held"}
    # only a scheduled hearing gets an outcome; only held, adjourned or verdict
    editor_client.post(f"/editors/hearings/{hearing.pk}/outcome/", {"outcome": "verdict"})
    editor_client.post(f"/editors/hearings/{other.pk}/outcome/", {"outcome": "postponed"})
    hearing.refresh_from_db()
    other.refresh_from_db()
    assert hearing.outcome == "held" and other.outcome == "scheduled"
    editor_client.post(f"/editors/hearings/{other.pk}/outcome/", {"outcome": "verdict"})
    other.refresh_from_db()
    assert other.outcome == "verdict" and len(audit("outcome")) == 2
    assert editor_client.get(f"/editors/hearings/{other.pk}/outcome/").status_code == 405


def test_hearing_outcome_viewer_403_and_hidden_404(editor_client, sample):
    from vigil.cases import models as m

    hearing = m.Hearing.objects.get(case__ref="C1", outcome="scheduled")
    viewer = signed_in(make_user("vera", "viewer", device=False))
    url = f"/editors/hearings/{hearing.pk}/outcome/"
    assert viewer.post(url, {"outcome": "held"}).status_code == 403
    assert b"Record outcome" not in viewer.get("/editors/cases/C1/").content
    secret = m.Case.objects.create(ref="C8", number="8", title="secret", visibility=2)
    hidden = m.Hearing.objects.create(case=secret, date="2026-12-01", kind="trial")
    assert (
        editor_client.post(
            f"/editors/hearings/{hidden.pk}/outcome/", {"outcome": "held"}
        ).status_code
        == 404
    )
    hearing.refresh_from_db()
    hidden.refresh_from_db()
    assert hearing.outcome == "scheduled" and hidden.outcome == "scheduled"
    assert not audit("outcome")
