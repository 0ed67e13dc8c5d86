"""The attacks of issue 7 against the editors' area, each of which must fail safely:
nothing leaked in the answer, nothing changed in the database (row counts and the
records compared before and after)."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from tests.web.conftest import fresh_settings
from tests.web.test_editors import PASSWORD, code, make_user, sign_in
from tests.web.test_editors import sample as sample
from vigil.cases.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.web.editors_urls")]

SECRETS = (b"SECRET-CONTACT", b"SECRET-LAWYER", b"Restricted Person")
INTERNAL = (b"INTERNAL-NOTE", b"Internal Person", b"Hidden case")


#: Audit rows an attempt is expected to leave: failed sign-ins and lockouts are
#: recorded (tests/web/test_hardening.py checks them); anything else is a change.
ATTEMPTS = ("sign-in-failed", "lockout")


def counts() -> dict[str, int]:
    """Rows of every table of the registry (the audit trail included, less the record
    of failed attempts) and of users."""
    models = apps.get_app_config("cases").get_models()
    out = {m.__name__: m.objects.count() for m in models}
    out["AuditEvent"] = AuditEvent.objects.exclude(action__in=ATTEMPTS).count()
    out["User"] = User.objects.count()
    return out


def snapshot() -> tuple:
    from vigil.cases import models as m

    people = list(m.Person.objects.values().order_by("id"))
    names = list(m.PersonName.objects.values().order_by("id"))
    hearings = list(m.Hearing.objects.values().order_by("id"))
    cases = list(m.Case.objects.values().order_by("id"))
    return counts(), people, names, hearings, cases


def pages(sample) -> list[str]:
    """Every page of the editors' area, with the ids and refs of the sample."""
    return [
        "/editors/",
        "/editors/people/",
        "/editors/people/?q=restricted+person",  # echoed in lower case only
        "/editors/people/?q=Kerimli",
        "/editors/people/new/",
        "/editors/people/P1/",
        "/editors/people/P1/edit/",
        "/editors/people/P4/",
        "/editors/people/P9/",
        "/editors/people/P9/edit/",
        "/editors/cases/",
        "/editors/cases/new/",
        "/editors/cases/C1/",
        "/editors/cases/C1/edit/",
        "/editors/cases/C9/",
        f"/editors/events/{sample['event'].pk}/correct/",
        f"/editors/events/{sample['event9'].pk}/correct/",
        f"/editors/hearings/{sample['hearing'].pk}/postpone/",
        f"/editors/hearings/{sample['hearing9'].pk}/postpone/",
        "/editors/releases/new/",
        "/editors/import/",
        "/editors/audit/",
        "/editors/audit/?format=csv",
        "/editors/enrol/",
        "/editors/login/",
    ]


def body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def test_anonymous_sees_nothing(sample):
    client = Client()
    before = snapshot()
    for url in pages(sample):
        response = client.get(url)
        content = body(response)
        assert response.status_code in (200, 302), url
        if response.status_code == 302:
            assert response["Location"].startswith("/editors/login/"), url
        for secret in SECRETS + INTERNAL + (b"P1", b"Kerimli", "Kərimli".encode()):
            assert secret not in content, (url, secret)
    assert snapshot() == before


def test_viewer_never_sees_restricted_fields(sample):
    viewer = make_user("vera", "viewer", device=False)
    client = Client()
    sign_in(client, viewer)
    before = snapshot()
    for url in pages(sample):
        response = client.get(url)
        assert response.status_code in (200, 302, 403, 404), url
        for secret in SECRETS:
            assert secret not in body(response), (url, secret)
    # viewers read internal data, and change nothing: every form and POST is 403
    assert b"INTERNAL-NOTE of P1" in client.get("/editors/people/P1/").content
    for url in (
        "/editors/people/new/",
        "/editors/people/P1/edit/",
        "/editors/cases/C1/edit/",
        "/editors/releases/new/",
        "/editors/import/",
        "/editors/audit/",
    ):
        assert client.get(url).status_code == 403, url
    posts = {
        "/editors/people/P1/edit/": {"occupation": "hacked", "visibility": "0"},
        "/editors/people/P1/events/": {"kind": "released", "date": "2026-01", "visibility": "0"},
        f"/editors/hearings/{sample['hearing'].pk}/postpone/": {"reason": "x", "next_date": "2027"},
        "/editors/cases/C1/hearings/": {"date": "2027-01-01", "visibility": "0"},
        "/editors/cases/C1/edit/": {"title": "hacked", "kind": "criminal", "visibility": "0"},
        "/editors/releases/new/": {"organisation": "VRW", "published": "2026", "visibility": "0"},
        "/editors/import/confirm/": {"token": "x" * 32},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 403, url
    assert snapshot() == before


def test_editor_without_second_factor_cannot_edit(sample):
    from vigil.cases.models import AuditEvent

    editor = make_user("eve", "editor", device=False)
    holder = make_user("hal", "editor")
    client = Client()
    assert sign_in(client, editor)["Location"] == "/editors/enrol/"
    before = snapshot()
    for url in pages(sample):
        response = client.get(url)
        for secret in SECRETS + INTERNAL:
            assert secret not in body(response), (url, secret)
    for url, data in {
        "/editors/people/P1/edit/": {"occupation": "hacked", "visibility": "0"},
        f"/editors/hearings/{sample['hearing'].pk}/postpone/": {"reason": "x", "next_date": "2027"},
        "/editors/cases/C1/edit/": {"title": "hacked", "kind": "criminal", "visibility": "0"},
    }.items():
        response = client.post(url, data)
        assert response.status_code == 302 and response["Location"] == "/editors/enrol/", url
    after = snapshot()
    # the only new rows are the enrolment page's unconfirmed device (not a registry row)
    assert after == before
    assert not AuditEvent.objects.filter(actor="eve").exclude(action="sign-in").exists()

    # an editor who has a device but signs in with the password alone is refused
    other = Client()
    response = other.post("/editors/login/", {"username": "hal", "password": PASSWORD})
    assert response.status_code == 200 and b"Wrong user name, password or code" in response.content
    assert other.get("/editors/people/P1/").status_code == 302
    # a session made without the second factor (password only) does not verify either
    sneaky = Client()
    sneaky.force_login(holder)
    response = sneaky.post("/editors/people/P1/edit/", {"occupation": "hacked", "visibility": "0"})
    assert response.status_code == 302 and response["Location"].startswith("/editors/login/")
    assert snapshot() == before


def test_brute_force_locks_the_account(sample):
    editor = make_user("edna", "editor")
    client = Client()
    before = snapshot()
    for i in range(5):
        response = client.post(
            "/editors/login/",
            {"username": "edna", "password": f"wrong password {i}", "otp_token": "000000"},
        )
        # the fifth failure locks: its answer is already the lockout page
        assert response.status_code == (429 if i == 4 else 200), i
    # the right password and code no longer open the account
    response = sign_in(client, editor)
    assert response.status_code == 429
    assert b"locked" in response.content.lower()
    assert client.get("/editors/").status_code == 302
    assert "_auth_user_id" not in client.session
    assert snapshot() == before


def test_wrong_codes_count_towards_the_lockout(sample):
    editor = make_user("edna", "editor")
    client = Client()
    wrong = "111111" if code(editor.totpdevice_set.get()) != "111111" else "222222"
    for i in range(5):
        response = client.post(
            "/editors/login/", {"username": "edna", "password": PASSWORD, "otp_token": wrong}
        )
        assert response.status_code == (429 if i == 4 else 200), i
    assert sign_in(client, editor).status_code == 429


def test_csrf_is_required(sample):
    editor = make_user("edna", "editor")
    client = Client(enforce_csrf_checks=True)
    before = snapshot()
    response = client.post(
        "/editors/login/",
        {"username": "edna", "password": PASSWORD, "otp_token": code(editor.totpdevice_set.get())},
    )
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
    # signed in (elsewhere), a forged POST without the token changes nothing
    signed = Client()
    assert sign_in(signed, editor).status_code == 302
    client.cookies = signed.cookies
    before = snapshot()
    for url, data in {
        "/editors/people/P1/edit/": {"occupation": "hacked", "visibility": "0"},
        f"/editors/hearings/{sample['hearing'].pk}/postpone/": {"reason": "x", "next_date": "2027"},
        "/editors/logout/": {},
    }.items():
        assert client.post(url, data).status_code == 403, url
    assert snapshot() == before
    assert client.get("/editors/").status_code == 200  # still signed in: logout was refused


def test_idor_on_refs_and_ids(sample):
    from vigil.cases import models as m

    secret_case = m.Case.objects.create(ref="C7", title="Restricted case", visibility=2)
    secret_hearing = m.Hearing.objects.create(case=secret_case, date="2026-11-05", kind="trial")
    public_case_secret_hearing = m.Hearing.objects.create(
        case=sample["c1"], date="2026-11-06", kind="closed", visibility=2
    )
    editor = make_user("edna", "editor")
    client = Client()
    sign_in(client, editor)
    before = snapshot()
    for url in (
        "/editors/people/P9/",
        "/editors/people/P9/edit/",
        "/editors/people/NOPE/",
        "/editors/cases/C7/",
        "/editors/cases/C7/edit/",
        f"/editors/events/{sample['event9'].pk}/correct/",
        f"/editors/hearings/{secret_hearing.pk}/postpone/",
        f"/editors/hearings/{public_case_secret_hearing.pk}/postpone/",
        "/editors/hearings/999999/postpone/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"Restricted" not in response.content and b"SECRET" not in response.content
    for url, data in {
        "/editors/people/P9/edit/": {"occupation": "x", "visibility": "0"},
        "/editors/people/P9/events/": {"kind": "released", "date": "2026", "visibility": "0"},
        f"/editors/events/{sample['event9'].pk}/correct/": {
            "kind": "released",
            "date": "2026",
            "visibility": "0",
        },
        f"/editors/hearings/{secret_hearing.pk}/postpone/": {"reason": "x", "next_date": "2027"},
        "/editors/cases/C7/hearings/": {"date": "2027-01-01", "visibility": "0"},
        "/editors/cases/C7/edit/": {"title": "x", "kind": "criminal", "visibility": "0"},
    }.items():
        assert client.post(url, data).status_code == 404, url
    # a ref above the level cannot be reached through another form either
    response = client.post(
        "/editors/people/P1/events/",
        {"kind": "released", "date": "2026", "case": "C7", "visibility": "0"},
    )
    assert response.status_code == 400 and b"Restricted case" not in response.content
    response = client.post(
        "/editors/releases/new/",
        {"organisation": "VRW", "published": "2026", "people": "P9", "visibility": "0"},
    )
    assert b"Restricted Person" not in response.content
    # nor can an editor give a record a level above their own, or name another's name
    p1 = sample["p1"]
    foreign = sample["p9"].names.get()
    response = client.post(
        "/editors/people/P1/edit/",
        {
            "names-TOTAL_FORMS": "1",
            "names-INITIAL_FORMS": "1",
            "names-MIN_NUM_FORMS": "0",
            "names-MAX_NUM_FORMS": "50",
            "names-0-id": str(foreign.pk),
            "names-0-name": "stolen",
            "names-0-kind": "primary",
            "visibility": "2",
        },
    )
    assert response.status_code == 200
    foreign.refresh_from_db()
    p1.refresh_from_db()
    assert foreign.name == "Restricted Person" and p1.visibility == 0
    assert snapshot() == before


INJECTIONS = ('<script>alert("x")</script>', '"><img src=x onerror=alert(1)>')


def test_injection_is_escaped_everywhere(sample):
    from vigil.cases.models import Person

    editor = make_user("edna", "editor", restricted=True)
    admin = make_user("ada", "admin")
    client = Client()
    sign_in(client, editor)
    data = {
        "names-TOTAL_FORMS": "2",
        "names-INITIAL_FORMS": "0",
        "names-MIN_NUM_FORMS": "0",
        "names-MAX_NUM_FORMS": "50",
        "names-0-name": INJECTIONS[0],
        "names-0-language": '"><b>',
        "names-0-kind": "primary",
        "names-1-name": INJECTIONS[1],
        "names-1-kind": "alias",
        "occupation": INJECTIONS[1],
        "notes": INJECTIONS[0],
        "contacts": INJECTIONS[0],
        "visibility": "0",
    }
    response = client.post("/editors/people/new/", data)
    assert response.status_code == 302
    ref = Person.objects.exclude(ref__in=["P1", "P4", "P9"]).get().ref
    client.post(
        f"/editors/people/{ref}/events/",
        {"kind": "arrested", "date": "2026", "place": INJECTIONS[0], "visibility": "0"},
    )
    client.post(
        f"/editors/hearings/{sample['hearing'].pk}/postpone/",
        {"reason": INJECTIONS[0], "next_date": "2026-12-02"},
    )
    admin_client = Client()
    sign_in(admin_client, admin)
    urls = [
        f"/editors/people/{ref}/",
        f"/editors/people/{ref}/edit/",
        "/editors/people/",
        "/editors/people/?q=script+alert",
        "/editors/cases/C1/",
    ]
    for c, url in [(client, u) for u in urls] + [(admin_client, "/editors/audit/")]:
        content = c.get(url).content
        assert b"<script>alert" not in content, url
        assert b"<img src=x" not in content, url
        assert b"<b>" not in content, url
    page = client.get(f"/editors/people/{ref}/").content
    assert b"&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    audit_page = admin_client.get("/editors/audit/").content
    assert b"&lt;script&gt;" in audit_page


def upload(client: Client, name: str, data: bytes, mapping: bytes | None = None):
    files = {"file": SimpleUploadedFile(name, data)}
    if mapping is not None:
        files["mapping"] = SimpleUploadedFile("mapping.toml", mapping)
    return client.post("/editors/import/", files)


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("people.csv", "w", force_zip64=True) as member,
    ):
        chunk = b"0" * (1 << 20)
        for _ in range(210):  # 210 MB of zeros: a few hundred kB compressed
            member.write(chunk)
    return buffer.getvalue()


@pytest.mark.slow
def test_oversized_and_malformed_uploads(sample):
    from vigil.web.editors.views import UPLOADS

    editor = make_user("edna", "editor")
    client = Client()
    sign_in(client, editor)
    held = set(UPLOADS.iterdir()) if UPLOADS.is_dir() else set()
    before = snapshot()
    cases = {
        "oversized": ("big.csv", b"name\n" + b"x" * (11 * 1024 * 1024), "over the limit"),
        "garbage as csv": ("people.csv", bytes(range(256)) * 64, "not valid UTF-8"),
        "zip bomb": ("export.zip", zip_bomb(), "zip bomb"),
        "not a zip": ("export.zip", b"PK\x03\x04 broken", "cannot open it as a zip"),
        "fake xlsx": ("book.xlsx", b"hello", "not an XLSX workbook"),
        "wrong extension": ("tool.exe", b"MZ\x90\x00", "only csv, xlsx, json, zip"),
        "no extension": ("people", b"name\nX\n", "only csv, xlsx, json, zip"),
        "bad json": ("export.json", b"{not json", "export.json"),
        "empty": ("people.csv", b"", "empty"),
    }
    for what, (name, data, message) in cases.items():
        response = upload(client, name, data)
        assert response.status_code == 400, what
        assert message.encode() in response.content, (what, response.content[-3000:])
    bad_mapping = upload(client, "people.csv", b"name\nX\n", mapping=b"[[[ not toml")
    assert bad_mapping.status_code == 400 and b"not a TOML mapping" in bad_mapping.content
    assert "editors_import" not in client.session
    assert snapshot() == before
    assert (set(UPLOADS.iterdir()) if UPLOADS.is_dir() else set()) == held  # nothing left
    # a token that is not this session's imports nothing
    response = client.post("/editors/import/confirm/", {"token": "../../etc"})
    assert response.status_code == 302 and snapshot() == before


def test_session_cookie_flags(sample):
    editor = make_user("edna", "editor")
    client = Client()
    sign_in(client, editor)
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    csrf = client.cookies["csrftoken"]
    assert csrf["samesite"] == "Strict"
    with override_settings(SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True):
        secure = Client()
        sign_in(secure, editor, steps=1)
        assert secure.cookies["sessionid"]["secure"] is True
        assert secure.cookies["csrftoken"]["secure"] is True


@pytest.mark.parametrize(("https", "secure"), [("1", "True"), ("0", "False"), (None, "True")])
def test_vigil_https_sets_secure_cookies(https, secure, monkeypatch, tmp_path):
    s = fresh_settings(monkeypatch, tmp_path, **({} if https is None else {"VIGIL_HTTPS": https}))
    got = (s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY)
    assert got == (secure == "True", secure == "True", True)
    assert s.SESSION_COOKIE_SAMESITE == "Strict"


def test_security_headers_on_editors_pages(sample):
    response = Client().get("/editors/login/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert b"<script" not in response.content and b"style=" not in response.content


@override_settings(AXES_LOCKOUT_CALLABLE="vigil.web.editors.auth.lockout_response")
def test_lockout_page(sample):
    editor = make_user("edna", "editor")
    client = Client()
    for i in range(5):
        client.post("/editors/login/", {"username": "edna", "password": f"wrong {i}"})
    response = sign_in(client, editor)
    assert response.status_code == 429
    assert b"Sign-in locked" in response.content and b"edna" not in response.content


def test_production_hashes_passwords_with_argon2():
    """The suite hashes with MD5 for speed (tests/settings.py); the site itself with
    argon2 first, and only reads the older PBKDF2 hashes."""
    from django.contrib.auth.hashers import Argon2PasswordHasher

    from vigil.web import settings as production

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert all("MD5" not in h for h in production.PASSWORD_HASHERS)
    encoded = Argon2PasswordHasher().encode("correct horse battery staple", "saltsaltsalt")
    assert encoded.startswith("argon2$argon2id$")
