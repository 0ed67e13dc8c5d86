"""The editors' area used as an editor uses it: sign in with a TOTP code, enrol a
second factor, edit a person, postpone a hearing, correct an event, import a file
(dry run, then for real), and find each change in the audit trail."""

from __future__ import annotations

import json
import time

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.web.editors_urls")]

PASSWORD = "correct horse battery staple 42"


def code(device: TOTPDevice, steps: int = 0) -> str:
    """The device's TOTP code ``steps`` periods from now (each code works only once)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps * device.step
    return f"{totp.token():0{device.digits}d}"


def make_user(name: str, role: str, *, device: bool = True, restricted: bool = False) -> User:
    user = User.objects.create_user(name, password=PASSWORD)
    user.groups.add(Group.objects.get(name=role))
    if restricted:
        user.user_permissions.add(Permission.objects.get(codename="view_restricted"))
    if device:
        TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


def sign_in(client: Client, user: User, *, steps: int = 0) -> object:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    data = {"username": user.username, "password": PASSWORD}
    if device is not None:
        data["otp_token"] = code(device, steps)
    return client.post("/editors/login/", data)


@pytest.fixture
def sample():
    """P1 (public, with internal notes and restricted contacts), P4 (internal only),
    P9 (restricted record); case C1 (public) with a scheduled hearing, case C9 (internal)."""
    from vigil.cases import models as m

    def person(ref, name, visibility=0, **fields):
        p = m.Person.objects.create(ref=ref, visibility=visibility, **fields)
        m.PersonName.objects.create(person=p, name=name, language="az-Latn")
        return p

    p1 = person(
        "P1",
        "Əli Kərimli",
        notes="INTERNAL-NOTE of P1",
        contacts="SECRET-CONTACT of P1",
        birth_date="1970-03",
    )
    m.PersonName.objects.create(
        person=p1, name="Али Керимли", language="ru-Cyrl", kind="transliteration"
    )
    p4 = person("P4", "Internal Person", visibility=1)
    p9 = person("P9", "Restricted Person", visibility=2, contacts="SECRET-CONTACT of P9")
    c1 = m.Case.objects.create(
        ref="C1", number="1-2026", title="Case one", lawyer_notes="SECRET-LAWYER C1"
    )
    c9 = m.Case.objects.create(ref="C9", number="9-2026", title="Hidden case", visibility=1)
    m.CaseParticipant.objects.create(case=c1, person=p1, role="defendant")
    h = m.Hearing.objects.create(case=c1, date="2026-11-01", kind="trial")
    h9 = m.Hearing.objects.create(case=c9, date="2026-11-01", kind="trial")
    e1 = m.StatusEvent.objects.create(person=p1, kind="arrested", date="2025-11-01")
    e9 = m.StatusEvent.objects.create(person=p9, kind="arrested", date="2025-11-02")
    vrw = m.Organisation.objects.create(ref="VRW", name="Veloria Rights Watch", kind="ngo")
    return {
        "p1": p1,
        "p4": p4,
        "p9": p9,
        "c1": c1,
        "c9": c9,
        "hearing": h,
        "hearing9": h9,
        "event": e1,
        "event9": e9,
        "vrw": vrw,
    }


@pytest.fixture
def editor(sample) -> User:
    return make_user("edna", "editor")


@pytest.fixture
def editor_client(editor) -> Client:
    client = Client()
    response = sign_in(client, editor)
    assert response.status_code == 302, response.content[:500]
    return client


def audit(action: str | None = None, target: str | None = None) -> list:
    """Audit events of ``action`` on ``target``: a ref, or the ref a record belongs to
    (``hearing:C1`` finds ``hearing:C1#12``)."""
    from django.db.models import Q

    from vigil.cases.models import AuditEvent

    rows = AuditEvent.objects.all()
    if action:
        rows = rows.filter(action=action)
    if target:
        rows = rows.filter(Q(target=target) | Q(target__startswith=f"{target}#"))
    return list(rows)


# -- sign-in ---------------------------------------------------------------------------


def test_sign_in_with_totp(editor):
    client = Client()
    page = client.get("/editors/login/")
    assert page.status_code == 200 and b"otp_token" in page.content
    response = sign_in(client, editor)
    assert response.status_code == 302 and response["Location"] == "/editors/"
    dashboard = client.get("/editors/")
    assert dashboard.status_code == 200
    assert b"reads at level internal" in dashboard.content
    assert audit("sign-in", "user:edna")[0].detail == {"second_factor": True}
    # signing out is a POST, and ends the session
    assert client.get("/editors/logout/").status_code == 405
    assert client.post("/editors/logout/").status_code == 302
    assert client.get("/editors/").status_code == 302


def test_wrong_code_is_refused(editor):
    client = Client()
    response = client.post(
        "/editors/login/", {"username": "edna", "password": PASSWORD, "otp_token": "000000"}
    )
    assert response.status_code == 200 and b"Wrong user name, password or code" in response.content
    assert client.get("/editors/").status_code == 302  # not signed in


def test_enrolment(sample):
    user = make_user("newbie", "editor", device=False)
    client = Client()
    response = sign_in(client, user)
    assert response.status_code == 302 and response["Location"] == "/editors/enrol/"
    # password only: the area sends back to enrolment, edits are refused
    assert client.get("/editors/")["Location"] == "/editors/enrol/"
    page = client.get("/editors/enrol/")
    assert page.status_code == 200
    assert b"<svg" in page.content and b"otpauth://totp/" in page.content
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    bad = client.post(
        "/editors/enrol/", {"otp_token": "123456" if code(device) != "123456" else "654321"}
    )
    assert b"does not match" in bad.content
    device.refresh_from_db()
    device.throttling_failure_count = 0  # the failed try throttles the next one
    device.throttling_failure_timestamp = None
    device.save()
    done = client.post("/editors/enrol/", {"otp_token": code(device)})
    assert done.status_code == 302 and done["Location"] == "/editors/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/editors/").status_code == 200
    assert audit("enrol-totp", "user:newbie")
    # from now on the code is needed to sign in
    other = Client()
    response = other.post("/editors/login/", {"username": "newbie", "password": PASSWORD})
    assert response.status_code == 200
    assert sign_in(other, user, steps=1).status_code == 302


def test_viewer_signs_in_without_totp(sample):
    viewer = make_user("vera", "viewer", device=False)
    client = Client()
    assert sign_in(client, viewer)["Location"] == "/editors/"
    page = client.get("/editors/people/P1/")
    assert b"INTERNAL-NOTE of P1" in page.content
    assert b"SECRET-CONTACT" not in page.content
    assert b"Edit</a>" not in page.content


# -- editing -----------------------------------------------------------------------------


def person_post(**fields) -> dict:
    data = {
        "names-TOTAL_FORMS": "3",
        "names-INITIAL_FORMS": "0",
        "names-MIN_NUM_FORMS": "0",
        "names-MAX_NUM_FORMS": "50",
        "sex": "",
        "birth_date": "",
        "occupation": "",
        "photo": "",
        "notes": "",
        "visibility": "0",
    }
    data.update(fields)
    return data


def test_create_and_edit_person(editor_client, sample):
    from vigil.cases.models import Person

    response = editor_client.post(
        "/editors/people/new/",
        person_post(
            **{
                "names-0-name": "Tofiq Yaqublu",
                "names-0-language": "az-Latn",
                "names-0-kind": "primary",
                "names-1-name": "Тофиг Ягублу",
                "names-1-language": "ru-Cyrl",
                "names-1-kind": "transliteration",
                "sex": "male",
                "birth_date": "c. 1961",
                "occupation": "politician",
            }
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    person = Person.objects.get(names__name="Tofiq Yaqublu")
    assert person.ref and response["Location"] == f"/editors/people/{person.ref}/"
    assert sorted(person.names.values_list("language", flat=True)) == ["az-Latn", "ru-Cyrl"]
    assert str(person.birth_date) == "c. 1961"
    created = audit("create", f"person:{person.ref}")[0]
    assert created.actor == "edna" and "Тофиг Ягублу" in created.detail["names"]

    # edit P1: the form has no contacts field at the internal level
    p1 = sample["p1"]
    form = editor_client.get("/editors/people/P1/edit/")
    assert form.status_code == 200
    assert b"INTERNAL-NOTE of P1" in form.content and b"SECRET-CONTACT" not in form.content
    assert b'name="contacts"' not in form.content
    names = list(p1.names.all())
    data = person_post(
        **{
            "names-INITIAL_FORMS": "2",
            "names-0-id": str(names[0].id),
            "names-0-name": "Əli Kərimli",
            "names-0-language": "az-Latn",
            "names-0-kind": "primary",
            "names-1-id": str(names[1].id),
            "names-1-name": "Али Керимли",
            "names-1-language": "ru-Cyrl",
            "names-1-kind": "transliteration",
            "names-2-name": "Ali Karimli",
            "names-2-language": "en",
            "names-2-kind": "transliteration",
            "sex": "male",
            "birth_date": "1970-03",
            "occupation": "party chairman",
            "notes": "a new note",
            "contacts": "INJECTED",  # not a field at this level: ignored
        }
    )
    response = editor_client.post("/editors/people/P1/edit/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    p1.refresh_from_db()
    assert p1.occupation == "party chairman" and p1.notes == "a new note"
    assert p1.contacts == "SECRET-CONTACT of P1"  # untouched
    assert p1.names.count() == 3
    update = audit("update", "person:P1")[0].detail["changes"]
    assert update["occupation"] == {"before": "", "after": "party chairman"}
    assert update["notes"] == {"before": "INTERNAL-NOTE of P1", "after": "a new note"}
    assert update["names"]["after"][-1] == "Ali Karimli"
    assert "contacts" not in update


def test_restricted_user_edits_contacts_and_overrides(sample):
    from vigil.cases.models import Person

    user = make_user("rita", "editor", restricted=True)
    client = Client()
    sign_in(client, user)
    page = client.get("/editors/people/P1/")
    assert b"SECRET-CONTACT of P1" in page.content
    assert audit("view-restricted", "person:P1")[0].actor == "rita"
    names = list(sample["p1"].names.all())
    data = person_post(
        **{
            "names-TOTAL_FORMS": "2",
            "names-INITIAL_FORMS": "2",
            "names-0-id": str(names[0].id),
            "names-0-name": names[0].name,
            "names-0-language": "az-Latn",
            "names-0-kind": "primary",
            "names-1-id": str(names[1].id),
            "names-1-name": names[1].name,
            "names-1-language": "ru-Cyrl",
            "names-1-kind": "transliteration",
            "birth_date": "1970-03",
            "notes": "INTERNAL-NOTE of P1",
            "contacts": "NEW-SECRET",
            "field_visibility": "birth_date=public",
        }
    )
    assert client.post("/editors/people/P1/edit/", data).status_code == 302
    p1 = Person.objects.get(ref="P1")
    assert p1.contacts == "NEW-SECRET" and p1.field_visibility == {"birth_date": "public"}
    detail = audit("update", "person:P1")[0].detail["changes"]
    # the trail says the contacts changed, never what they were or are: a keyed hash
    contacts = detail["contacts"]
    assert contacts["before"].startswith("[restricted:") and contacts["after"].startswith(
        "[restricted:"
    )
    assert contacts["before"] != contacts["after"]
    assert "NEW-SECRET" not in json.dumps(detail) and "SECRET-CONTACT" not in json.dumps(detail)
    # which fields a record hides is itself restricted: masked too, its change visible
    moved = detail["field_visibility"]
    assert moved["after"].startswith("[restricted:") and moved["before"] != moved["after"]


def test_case_edit(editor_client, sample):
    from vigil.cases.models import Case

    form = editor_client.get("/editors/cases/C1/edit/")
    assert b"SECRET-LAWYER" not in form.content
    data = {
        "number": "1-2026",
        "title": "Case one, renamed",
        "kind": "criminal",
        "country": "AZ",
        "opened": "2025-11",
        "summary": "summary",
        "visibility": "0",
        "lawyer_notes": "INJECTED",
    }
    assert editor_client.post("/editors/cases/C1/edit/", data).status_code == 302
    c1 = Case.objects.get(ref="C1")
    assert c1.title == "Case one, renamed" and c1.lawyer_notes == "SECRET-LAWYER C1"
    changes = audit("update", "case:C1")[0].detail["changes"]
    assert changes["title"]["after"] == "Case one, renamed"
    new = editor_client.post("/editors/cases/new/", {**data, "number": "2-2026"})
    assert new.status_code == 302
    assert Case.objects.filter(number="2-2026").exclude(ref=None).exists()


def test_postpone_a_hearing(editor_client, sample):
    from vigil.cases import hearings
    from vigil.cases.levels import Level
    from vigil.cases.models import Hearing

    page = editor_client.get("/editors/cases/C1/")
    assert b"Mark postponed" in page.content
    h = sample["hearing"]
    url = f"/editors/hearings/{h.pk}/postpone/"
    assert url.encode() in page.content  # first click opens the form in the page
    response = editor_client.post(url, {"reason": "the judge is ill", "next_date": "2026-12-02"})
    assert response.status_code == 302
    h.refresh_from_db()
    assert h.outcome == "postponed" and h.postponement_reason == "the judge is ill"
    assert str(h.next_date) == "2026-12-02"
    following = Hearing.objects.get(case=h.case, date="2026-12-02")
    assert following.outcome == "scheduled" and following.kind == "trial"
    import datetime as dt

    chain = hearings.chain("C1", Level.PUBLIC, as_of=dt.date(2026, 11, 15))
    assert chain.postponements == 1
    assert str(chain.next_hearing) == "2026-12-02"
    assert "next hearing 2 December 2026" in chain.summary
    detail = audit("postpone", "hearing:C1")[0].detail
    assert detail["changes"]["outcome"] == {"before": "scheduled", "after": "postponed"}
    assert detail["next_hearing"]["created"] is True
    # a postponed hearing cannot be postponed again
    again = editor_client.post(url, {"reason": "x", "next_date": "2027-01-01"})
    assert again.status_code == 302
    assert Hearing.objects.filter(case=h.case).count() == 2


def test_add_and_correct_an_event(editor_client, sample):
    from vigil.cases import registry
    from vigil.cases.levels import Level
    from vigil.cases.models import StatusEvent

    added = editor_client.post(
        "/editors/people/P1/events/",
        {
            "kind": "sentenced",
            "date": "2026-05",
            "case": "C1",
            "place": "Baku",
            "facility": "",
            "notes": "",
            "visibility": "0",
        },
    )
    assert added.status_code == 302
    event = StatusEvent.objects.get(person=sample["p1"], kind="sentenced")
    assert event.case == sample["c1"]
    assert audit("create", "event:P1")[0].detail["after"]["kind"] == "sentenced"
    form = editor_client.get(f"/editors/events/{event.pk}/correct/")
    assert form.status_code == 200 and b"Baku" in form.content
    fixed = editor_client.post(
        f"/editors/events/{event.pk}/correct/",
        {
            "kind": "sentenced",
            "date": "2026-05-20",
            "case": "C1",
            "place": "Baku",
            "facility": "",
            "notes": "date confirmed",
            "visibility": "0",
        },
    )
    assert fixed.status_code == 302
    event.refresh_from_db()  # the wrong event stays, withdrawn by the correction
    correction = StatusEvent.objects.get(withdraws=event)
    assert str(correction.date) == "2026-05-20"
    detail = audit("correct", "event:P1")[0].detail
    assert detail["withdraws"]["date"] == "2026-05" and detail["after"]["date"] == "2026-05-20"
    public = registry.timeline("P1", Level.PUBLIC)
    assert "2026-05" not in public["date"].tolist()
    page = editor_client.get("/editors/people/P1/")
    assert b"withdrawn" in page.content
    # an event is corrected once
    twice = editor_client.post(
        f"/editors/events/{event.pk}/correct/",
        {"kind": "sentenced", "date": "2026-05-21", "visibility": "0"},
    )
    assert twice.status_code == 302
    assert StatusEvent.objects.filter(person=sample["p1"]).count() == 3


def test_list_release(editor_client, sample):
    from vigil.cases.models import ListRelease

    response = editor_client.post(
        "/editors/releases/new/",
        {
            "organisation": "VRW",
            "title": "June list",
            "published": "2026-06",
            "people": "P1\nP4\n",
            "visibility": "0",
        },
    )
    assert response.status_code == 302
    release = ListRelease.objects.get(title="June list")
    assert [e.person.ref for e in release.entries.all()] == ["P1", "P4"]
    assert audit("create", f"release:{release.ref}")[0].detail["entries"] == ["P1", "P4"]
    bad = editor_client.post(
        "/editors/releases/new/",
        {
            "organisation": "VRW",
            "title": "Bad",
            "published": "2026-07",
            "people": "P9",
            "visibility": "0",
        },
    )
    assert bad.status_code == 200 and b"no person" in bad.content
    assert not ListRelease.objects.filter(title="Bad").exists()


PEOPLE_JSON = {
    "vigil_cases": 1,
    "people": [{"ref": "P100", "sex": "female", "visibility": "public"}],
    "names": [
        {
            "person": "P100",
            "name": "Xədicə İsmayılova",
            "language": "az-Latn",
            "kind": "primary",
            "visibility": "public",
        }
    ],
}


def test_import_dry_run_then_confirm(editor_client, sample):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from vigil.cases.models import Person

    upload = SimpleUploadedFile("people.json", json.dumps(PEOPLE_JSON).encode(), "application/json")
    dry = editor_client.post("/editors/import/", {"file": upload})
    assert dry.status_code == 200, dry.content.decode()[:3000]
    assert b"Dry run of people.json" in dry.content and b"P100" in dry.content
    assert not Person.objects.filter(ref="P100").exists()
    token = editor_client.session["editors_import"]["token"]
    done = editor_client.post("/editors/import/confirm/", {"token": token})
    assert done.status_code == 200
    assert Person.objects.filter(ref="P100").exists()
    entry = audit("import")[0]
    assert entry.actor == "edna" and entry.detail["counts"]["people"]["create"] >= 1
    created = audit("import-create", "person:P100")[0]
    assert created.actor == "edna" and created.detail["after"]["ref"] == "P100"
    # the upload is gone, the token spent
    again = editor_client.post("/editors/import/confirm/", {"token": token})
    assert again.status_code == 302
    assert Person.objects.filter(ref="P100").count() == 1


def test_extract_a_published_list_into_a_review_sheet(editor_client, sample):
    """The demo list as published (HTML) → a CSV review sheet download; nothing is
    written to the registry; the audit trail says who extracted which file."""
    import csv
    import hashlib
    from pathlib import Path

    from django.core.files.uploadedfile import SimpleUploadedFile

    from vigil.cases.models import Person

    demo = Path(__file__).resolve().parents[2] / "data" / "cases-demo" / "published-list.html"
    data = demo.read_bytes()
    people = Person.objects.count()
    form = editor_client.get("/editors/import/extract/")
    assert form.status_code == 200 and b'type="file"' in form.content
    got = editor_client.post(
        "/editors/import/extract/",
        {"file": SimpleUploadedFile("list.html", data, "text/html"), "format": "csv"},
    )
    assert got.status_code == 200, got.content.decode()[:2000]
    assert got["Content-Disposition"] == 'attachment; filename="list.review.csv"'
    rows = list(csv.DictReader(got.content.decode("utf-8-sig").splitlines()))
    assert [r["name"] for r in rows][:2] == ["Nərmin Səfərova Elçin qızı", "Kamran Quliyev"]
    assert len(rows) == 3 and Person.objects.count() == people
    (entry,) = audit("extract")
    assert entry.actor == "edna" and entry.target == "list.html"
    assert entry.detail["entries"] == 3
    assert entry.detail["sha256"] == hashlib.sha256(data).hexdigest()
    assert "Nərmin" not in json.dumps(entry.detail, ensure_ascii=False)  # no content


def test_extract_refuses_what_it_cannot_read_in_one_line(editor_client, sample):
    from django.core.files.uploadedfile import SimpleUploadedFile

    for name, data, says in (
        ("list.txt", b"Just a paragraph, no numbered entries.", "no numbered entries"),
        ("list.pdf", b"%PDF-1.4 truncated", "list.pdf"),
        ("list.exe", b"MZ", ".exe"),
    ):
        got = editor_client.post(
            "/editors/import/extract/", {"file": SimpleUploadedFile(name, data), "format": "csv"}
        )
        assert got.status_code == 400, name
        assert says in got.content.decode(), (name, got.content.decode()[-1500:])
        assert b"Traceback" not in got.content
    assert audit("extract") == []


def test_extract_needs_an_editor(sample):
    viewer = make_user("vic", "viewer")
    client = Client()
    sign_in(client, viewer)
    assert client.get("/editors/import/extract/").status_code in (302, 403)
    assert Client().get("/editors/import/extract/").status_code == 302  # to the sign-in


def test_audit_viewer(sample):
    admin = make_user("ada", "admin")
    editor = make_user("edna", "editor")
    client = Client()
    sign_in(client, editor)
    client.post(
        f"/editors/hearings/{sample['hearing'].pk}/postpone/",
        {"reason": "lawyer absent", "next_date": "2026-12-02"},
    )
    assert client.get("/editors/audit/").status_code == 403
    admin_client = Client()
    sign_in(admin_client, admin)
    page = admin_client.get("/editors/audit/", {"action": "postpone"})
    assert page.status_code == 200 and b"lawyer absent" in page.content
    assert b"sign-in" not in page.content.split(b"<tbody>")[1]  # the filter applies
    export = admin_client.get("/editors/audit/", {"format": "csv", "actor": "edna"})
    body = b"".join(export.streaming_content).decode()
    assert export["Content-Type"].startswith("text/csv")
    assert body.splitlines()[0] == "at,actor,action,target,detail"
    assert "postpone" in body and "ada" not in body.split("\n", 1)[1].split(",")[1]
    assert audit("export", "audit")[0].actor == "ada"
    # nothing on the site edits or deletes the trail
    assert admin_client.post("/editors/audit/").status_code == 405
