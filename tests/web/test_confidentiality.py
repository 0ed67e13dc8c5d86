"""The findings of the confidentiality review (issue 11), each as a regression test.

Each test replays the attack the review made on the old main and checks that it now
fails: nothing above the attacker's level is shown, written, or copied into the audit
trail. The broad properties (every read path, every write path) are in
``test_read_walk.py`` and ``test_write_walk.py``; these pin the exact findings.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from tests.web.test_editors import make_user, sign_in
from tests.web.test_editors import sample as sample
from vigil.cases.levels import Level

pytestmark = [pytest.mark.django_db]

P, INT, R = Level.PUBLIC, Level.INTERNAL, Level.RESTRICTED


def signed_in(name: str, role: str, *, restricted: bool = False) -> Client:
    client = Client()
    assert sign_in(client, make_user(name, role, restricted=restricted)).status_code == 302
    return client


def audit_text() -> str:
    """Everything the audit table holds, as stored (raw SQL: what an admin with
    database access or a backup would read)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT actor, action, target, detail FROM cases_auditevent")
        return json.dumps(cursor.fetchall(), ensure_ascii=False)


def upload(client: Client, doc: dict, name: str = "attack.json") -> tuple:
    data = SimpleUploadedFile(name, json.dumps(doc).encode(), "application/json")
    dry = client.post("/editors/import/", {"file": data})
    token = client.session.get("editors_import", {}).get("token", "")
    done = client.post("/editors/import/confirm/", {"token": token}) if token else None
    return dry, done


# -- the web import ignored the importer's level --------------------------------------


def test_an_internal_editor_cannot_publish_restricted_data_through_the_import(sample):
    """The review's upload: make restricted P9 public, and P1's contacts public."""
    from vigil.cases.models import Person

    editor = signed_in("edna", "editor")
    doc = {
        "vigil_cases": 1,
        "people": [
            {"ref": "P9", "visibility": "public"},
            {"ref": "P1", "field_visibility": {"contacts": "public"}},
        ],
    }
    dry, done = upload(editor, doc)
    # the dry run says nothing of P9 but that its ref is taken (it said "unchanged")
    text = dry.content.decode()
    assert "&#x27;P9&#x27; is already in use" in text
    assert "only a restricted editor moves fields between levels" in text
    from vigil.cases.importers import import_file
    from vigil.cases.policy import Actor

    path = Path(tempfile.mkdtemp()) / "attack.json"
    path.write_text(json.dumps(doc))
    report = import_file(path, dry_run=True, actor=Actor.operator_at(INT, "edna"))
    assert [(o.key, o.action) for o in report.outcomes] == [("P9", "reject"), ("P1", "reject")]
    assert Person.objects.get(ref="P9").visibility == R
    assert Person.objects.get(ref="P1").field_visibility == {}
    # and the public API still shows neither
    anonymous = Client()
    assert anonymous.get("/api/cases/people/P9").status_code == 404
    assert b"SECRET-CONTACT" not in anonymous.get("/api/cases/people/P1").content
    assert done is None or b"SECRET-CONTACT" not in done.content


def test_the_import_of_a_restricted_value_by_an_internal_editor_is_refused(sample):
    from vigil.cases.models import Person

    editor = signed_in("edna", "editor")
    doc = {"vigil_cases": 1, "people": [{"ref": "P1", "contacts": "+994 50 000 00 00"}]}
    dry, _done = upload(editor, doc)
    assert "a restricted field: above your level (internal)" in dry.content.decode()
    assert Person.objects.get(ref="P1").contacts == "SECRET-CONTACT of P1"


def test_each_record_an_import_changes_is_in_the_audit_trail(sample):
    """The audit row held only counts: now one event per record, before and after."""
    from vigil.cases.models import AuditEvent

    editor = signed_in("edna", "editor")
    doc = {
        "vigil_cases": 1,
        "people": [{"ref": "P1", "occupation": "poet"}, {"ref": "P200", "sex": "female"}],
        "names": [{"person": "P200", "name": "Yeni Şəxs", "kind": "primary"}],
    }
    upload(editor, doc)
    update = AuditEvent.objects.get(action="import-update", target="person:P1")
    assert update.actor == "edna"
    assert update.detail["changes"]["occupation"] == {"before": "", "after": "poet"}
    create = AuditEvent.objects.get(action="import-create", target="person:P200")
    assert create.detail["after"]["sex"] == "female"
    # the person's rows (names, events…) are in its event, each with its values
    (name,) = create.detail["rows"]["names"]
    assert name == {
        "action": "create",
        "after": {"person": "P200", "name": "Yeni Şəxs", "kind": "primary"},
    }


# -- merges published fields restricted by override -------------------------------------


def test_a_merge_keeps_each_moved_value_at_its_level(sample):
    """P5's occupation, photo, notes and contacts are restricted by override; merged into
    public P1, they stay restricted there: nobody below restricted reads them."""
    from vigil.cases import merge, registry
    from vigil.cases import models as m

    p5 = m.Person.objects.create(
        ref="P5",
        occupation="SECRET-OCCUPATION",
        photo="SECRET-PHOTO",
        notes="SECRET-NOTES",
        field_visibility={"occupation": "restricted", "photo": "restricted", "notes": "restricted"},
    )
    m.PersonName.objects.create(person=p5, name="Ali Kerimli", language="en")
    p1 = m.Person.objects.get(ref="P1")
    p1.notes = ""
    p1.save()
    merge.merge("P1", "P5", actor="operator")
    for level in (P, INT):
        shown = json.dumps(registry.show("P1", level), ensure_ascii=False)
        assert "SECRET-" not in shown, level
    assert registry.show("P1", R)["occupation"] == "SECRET-OCCUPATION"
    assert Client().get("/api/cases/people/P1").content.count(b"SECRET") == 0


def test_a_merge_of_a_restricted_person_does_not_publish_their_events(sample):
    from vigil.cases import merge, registry
    from vigil.cases import models as m

    p9 = m.Person.objects.get(ref="P9")
    m.StatusEvent.objects.create(
        person=p9, kind="released", date="2026-01-02", place="SECRET-PLACE"
    )
    merge.merge("P1", "P9", actor="operator")
    assert "SECRET-PLACE" not in registry.timeline("P1", P).to_csv()
    assert "SECRET-PLACE" in registry.timeline("P1", R).to_csv()
    assert m.StatusEvent.objects.get(place="SECRET-PLACE").visibility == R


def test_merging_two_people_with_the_same_designation_collapses_it(sample):
    """It answered 500 (the unique designation clashed)."""
    from vigil.cases import models as m

    p5 = m.Person.objects.create(ref="P5")
    m.PersonName.objects.create(person=p5, name="Ali Kerimli", language="en")
    vrw = m.Organisation.objects.get(ref="VRW")
    for p in (m.Person.objects.get(ref="P1"), p5):
        m.Designation.objects.create(person=p, organisation=vrw, since="2024")
    editor = signed_in("edna", "editor")
    response = editor.post("/editors/duplicates/merge/", {"keep": "P1", "drop": "P5"})
    assert response.status_code == 302, response.content[:500]
    assert m.Designation.objects.filter(person__ref="P1").count() == 1
    event = m.AuditEvent.objects.get(action="merge")
    assert event.detail["collapsed"]["designations"]


def test_merged_from_never_names_a_person_the_reader_may_not_see(sample):
    from vigil.cases import merge, registry

    merge.merge("P1", "P9", actor="operator")
    assert "merged_from" not in registry.show("P1", P)
    assert "P9" not in Client().get("/api/cases/people/P1").content.decode()
    assert registry.show("P1", R)["merged_from"] == ["P9"]


# -- the audit trail stored restricted values in clear ------------------------------------


def test_the_audit_trail_never_holds_a_restricted_value(sample):
    """Create, update, merge, events, hearings and releases with restricted values, by
    the web and the library: the audit table (raw SQL) holds none of them, yet says
    what changed (a keyed hash differs)."""
    from vigil.cases import edits, merge, policy
    from vigil.cases import models as m

    operator = policy.Actor.operator_at(name="op")
    person = edits.save_person(
        operator,
        fields={"contacts": "RSECRET-1", "notes": "internal note"},
        names=[edits.NameEdit(name="Yeni Şəxs")],
    )
    edits.save_person(operator, person.ref, fields={"contacts": "RSECRET-2"})
    hidden = edits.save_person(
        operator, visibility="restricted", fields={"occupation": "RSECRET-3"},
        names=[edits.NameEdit(name="RSECRET-NAME")],
    )  # fmt: skip
    edits.add_event(operator, hidden.ref, kind="arrested", date="2026-01-01", place="RSECRET-4")
    edits.add_hearing(operator, "C1", date="2026-12-24", kind="RSECRET-5", visibility="restricted")
    release = edits.create_release(
        operator,
        organisation="VRW",
        published="2026-11",
        title="RSECRET-6",
        visibility="restricted",
        people=["P1"],
    )
    merge.merge("P1", person.ref, actor=operator)
    rita = signed_in("rita", "editor", restricted=True)
    rita.post(
        f"/editors/releases/{release.ref}/edit/",
        {"title": "RSECRET-7", "published": "2026-11", "visibility": "2", "people": "P1"},
    )
    text = audit_text()
    assert "RSECRET" not in text and "SECRET-CONTACT" not in text
    assert "internal note" in text  # internal values are kept in clear
    update = m.AuditEvent.objects.get(action="update", target=f"person:{person.ref}")
    contacts = update.detail["changes"]["contacts"]
    assert contacts["before"] != contacts["after"]
    assert m.AuditEvent.objects.filter(action="create", target__startswith="person:[restricted:")


def test_an_admin_without_the_restricted_permission_reads_the_whole_trail_safely(sample):
    from vigil.cases import edits, policy

    edits.save_person(
        policy.Actor.operator_at(name="op"),
        "P1",
        fields={"contacts": "RSECRET-NEW"},
    )
    admin = signed_in("ada", "admin")
    for url in ("/editors/audit/", "/editors/audit/?format=csv"):
        response = admin.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert response.status_code == 200 and b"person:P1" in body
        assert b"RSECRET" not in body and b"SECRET-CONTACT" not in body


# -- case field overrides were ignored in several places ---------------------------------


@pytest.fixture
def hidden_case_fields(sample):
    """C1's title and number restricted by override (the case itself public)."""
    from vigil.cases import models as m

    c1 = m.Case.objects.get(ref="C1")
    c1.title, c1.number = "SECRET-TITLE", "SECRET-NUMBER"
    c1.field_visibility = {"title": "restricted", "number": "restricted"}
    c1.save()
    return c1


def test_hidden_case_fields_stay_hidden_everywhere(hidden_case_fields):
    from vigil.cases import hearings, registry

    anonymous, editor = Client(), signed_in("edna", "editor")
    for client, urls in (
        (anonymous, ["/prisoners/P1/", "/api/cases/people/P1", "/cases/C1/"]),
        (anonymous, ["/api/cases/cases/C1", "/api/cases/cases/C1/hearings"]),
        (editor, ["/editors/cases/", "/editors/people/P1/", "/editors/cases/C1/"]),
    ):
        for url in urls:
            response = client.get(url)
            # the public case page answered 500 when title and number were both hidden
            assert response.status_code == 200, url
            assert b"SECRET-" not in response.content, url
    assert registry.show("P1", INT)["cases"] == [{"case": "C1", "role": "defendant"}]
    assert hearings.chain("C1", INT).title == "C1"
    assert hearings.chain("C1", R).title == "SECRET-TITLE"


def test_a_case_is_found_by_number_only_by_readers_who_may_see_the_number(hidden_case_fields):
    from vigil.cases import registry
    from vigil.errors import NotFound

    with pytest.raises(NotFound):
        registry.case("SECRET-NUMBER", INT)
    assert registry.case("SECRET-NUMBER", R).ref == "C1"


# -- grants ----------------------------------------------------------------------------------


def test_nobody_grants_the_restricted_permission_to_themselves(sample):
    """An admin could grant it to themselves; now only another holder grants it."""
    from django.contrib.auth.models import User

    from vigil.cases import users
    from vigil.cases.models import AuditEvent
    from vigil.cases.policy import Actor
    from vigil.errors import Forbidden

    def holds(name: str) -> bool:
        return User.objects.get(username=name).has_perm("cases.view_restricted")

    make_user("vera", "viewer")
    ada, hana = signed_in("ada", "admin"), signed_in("hana", "admin", restricted=True)
    ada.post("/editors/users/ada/restricted/", {"grant": "1"})  # to oneself
    ada.post("/editors/users/vera/restricted/", {"grant": "1"})  # without holding it
    assert not holds("ada") and not holds("vera")
    hana.post("/editors/users/ada/restricted/", {"grant": "1"})  # another holder may
    assert holds("ada")
    granted = AuditEvent.objects.filter(action="user-restricted")
    assert [(e.actor, e.target, e.detail["after"]) for e in granted] == [("hana", "user:ada", True)]
    # the library refuses it too, whoever calls it
    with pytest.raises(Forbidden):
        users.grant_restricted("vera", by=Actor(level=INT, name="x", is_admin=True, user_id=1))


# -- outputs ---------------------------------------------------------------------------------


def test_a_right_to_left_override_in_a_name_is_isolated(sample):
    from vigil.cases import models as m

    m.PersonName.objects.create(
        person=sample["p1"], name="\u202eevil\u202c name", language="en", kind="alias"
    )
    for url in ("/prisoners/P1/", "/prisoners/?q=evil"):
        html = Client().get(url).content.decode()
        assert "<bdi>\u202eevil\u202c name</bdi>" in html or (
            '<bdi lang="en">\u202eevil\u202c name</bdi>' in html
        ), url


# -- collisions with hidden facts ------------------------------------------------------------


def test_adding_a_name_or_hearing_equal_to_a_hidden_one_answers_as_for_a_new_one(sample):
    from vigil.cases import models as m

    p1, c1 = sample["p1"], sample["c1"]
    m.PersonName.objects.create(
        person=p1, name="Gizli Ad", language="az", kind="alias", visibility=2
    )
    m.Hearing.objects.create(case=c1, date="2026-12-24", kind="appeal", visibility=2)
    editor = signed_in("edna", "editor")
    before = m.PersonName.objects.filter(visibility=2).count()
    response = editor.post(
        "/editors/cases/C1/hearings/", {"date": "2026-12-24", "kind": "appeal", "visibility": "0"}
    )
    assert response.status_code == 302
    message = list(editor.get("/editors/cases/C1/").context["messages"])
    assert [str(x) for x in message] == ["Hearing on 2026-12-24 added."]
    assert m.Hearing.objects.filter(case=c1, date="2026-12-24", kind="appeal").count() == 2
    assert m.PersonName.objects.filter(visibility=2).count() == before
