"""Users from the command line: roles, restricted access, passwords checked by Django's
validators, deactivation, TOTP set-up; every change audited, never a password."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from tests.cli_runner import vigil

GOOD = "correct horse battery staple 42"


def _audit_text():
    from vigil.cases.models import AuditEvent

    return json.dumps(
        [[e.actor, e.action, e.target, e.detail] for e in AuditEvent.objects.order_by("id")],
        ensure_ascii=False,
    )


def test_add_user_with_a_generated_password(registry):
    from vigil.cases import roles, users

    user, password = users.add_user("leyla", "editor", email="leyla@example.org", by="root")
    assert password and len(password) >= 20
    assert user.check_password(password)
    assert roles.roles_of(user) == {"editor"}
    assert not user.has_perm("cases.view_restricted")
    assert password not in _audit_text()
    from vigil.cases.models import AuditEvent

    event = AuditEvent.objects.get(action="user-add")
    assert (event.actor, event.target) == ("root", "user:leyla")
    assert event.detail == {
        "role": "editor",
        "email": "leyla@example.org",
        "restricted": False,
        "password": "generated",
    }


def test_add_user_with_a_given_password_and_restricted_access(registry):
    from vigil.cases import users

    user, generated = users.add_user("rauf", "viewer", password=GOOD, restricted=True)
    assert generated is None
    assert user.check_password(GOOD)
    assert user.has_perm("cases.view_restricted")
    assert GOOD not in _audit_text()


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short1", "too short"),
        ("123456789012345", "entirely numeric"),
        ("password1234", "too common"),
    ],
)
def test_weak_passwords_are_refused(registry, password, problem):
    from django.contrib.auth import get_user_model

    from vigil.cases import users
    from vigil.errors import InputError

    with pytest.raises(InputError, match=problem) as caught:
        users.add_user("weak", "viewer", password=password)
    assert "\n" not in str(caught.value)
    assert password not in str(caught.value)
    assert not get_user_model().objects.filter(username="weak").exists()


def test_bad_role_duplicate_and_unknown_users(registry):
    from vigil.cases import users
    from vigil.errors import InputError

    with pytest.raises(InputError, match=r"^role: expected viewer, editor, admin") as bad:
        users.add_user("x", "superuser")
    assert bad.value.param == "role"
    users.add_user("x", "viewer")
    with pytest.raises(InputError, match="exists already"):
        users.add_user("x", "viewer")
    with pytest.raises(InputError, match="no user 'nobody'"):
        users.set_role("nobody", "admin")
    with pytest.raises(InputError, match=r"^email: not an e-mail") as bad:
        users.add_user("y", "viewer", email="not-an-address")
    assert bad.value.param == "email"


def test_roles_restricted_and_deactivation(registry):
    from vigil.cases import roles, users
    from vigil.cases.models import AuditEvent

    users.add_user("nigar", "viewer")
    user = users.set_role("nigar", "admin", by="root")
    assert roles.roles_of(user) == {"admin"}
    users.grant_restricted("nigar")
    from django.contrib.auth import get_user_model

    fresh = get_user_model().objects.get(username="nigar")
    assert fresh.has_perm("cases.view_restricted")
    users.revoke_restricted("nigar")
    fresh = get_user_model().objects.get(username="nigar")
    assert not fresh.has_perm("cases.view_restricted")
    users.deactivate("nigar")
    fresh = get_user_model().objects.get(username="nigar")
    assert not fresh.is_active
    assert roles.roles_of(fresh) == set()  # an inactive user has no role
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "detail"))
    assert actions[1:] == [
        ("user-role", {"before": ["viewer"], "after": ["admin"]}),
        ("user-restricted", {"before": False, "after": True}),
        ("user-restricted", {"before": True, "after": False}),
        ("user-deactivate", {"before": True, "after": False}),
    ]


def test_list_users(registry):
    from vigil.cases import users

    users.add_user("b-editor", "editor", restricted=True)
    users.add_user("a-viewer", "viewer")
    users.deactivate("a-viewer")
    frame = users.list_users()
    assert list(frame.columns) == [
        "username",
        "roles",
        "restricted",
        "active",
        "has_totp",
        "last_login",
    ]
    assert frame.to_dict(orient="records") == [
        {
            "username": "a-viewer",
            "roles": "viewer",
            "restricted": False,
            "active": False,
            "has_totp": False,
            "last_login": "",
        },
        {
            "username": "b-editor",
            "roles": "editor",
            "restricted": True,
            "active": True,
            "has_totp": False,
            "last_login": "",
        },
    ]


def test_totp_setup_gives_an_otpauth_url_with_issuer_vigil(registry):
    from vigil.cases import users

    users.add_user("emin", "editor")
    device, url = users.totp_setup("emin")
    parts = urlsplit(url)
    assert parts.scheme == "otpauth" and parts.netloc == "totp"
    assert unquote(parts.path) == "/Vigil:emin"
    query = parse_qs(parts.query)
    assert query["issuer"] == ["Vigil"]
    secret = query["secret"][0]
    assert not device.confirmed
    assert secret not in _audit_text()
    # Again: the unconfirmed device is replaced, not piled up.
    device2, url2 = users.totp_setup("emin")
    from django_otp.plugins.otp_totp.models import TOTPDevice

    assert list(TOTPDevice.objects.filter(user__username="emin")) == [device2]
    assert url2 != url
    # Once confirmed, the user counts as having a second factor.
    device2.confirmed = True
    device2.save()
    assert users.list_users().loc[0, "has_totp"]


# -- the commands ----------------------------------------------------------------------


def test_cli_user_commands(capsys, registry, mounted):
    from django.contrib.auth import get_user_model

    from vigil.cases import roles

    run = vigil(capsys, "cases", "user", "add", "samir", "--role", "editor", "--as", "root")
    assert run.code == 0, run.err
    password = run.out.split("Password (shown once, give it over a safe channel): ")[1].split()[0]
    user = get_user_model().objects.get(username="samir")
    assert user.check_password(password)
    assert password not in _audit_text()

    assert vigil(capsys, "cases", "user", "role", "samir", "viewer").code == 0
    assert vigil(capsys, "cases", "user", "restricted", "samir", "--grant").code == 0
    run = vigil(capsys, "cases", "user", "list", "--format", "json")
    assert run.code == 0, run.err
    (row,) = json.loads(run.out)
    assert (row["username"], row["roles"], row["restricted"], row["active"]) == (
        "samir",
        "viewer",
        True,
        True,
    )
    assert vigil(capsys, "cases", "user", "restricted", "samir", "--revoke").code == 0
    run = vigil(capsys, "cases", "user", "totp", "samir")
    assert run.code == 0, run.err
    assert run.out.strip().splitlines()[-1].startswith("otpauth://totp/Vigil%3Asamir?")
    run = vigil(capsys, "cases", "user", "totp", "samir", "--qr")
    assert "otpauth://" in run.out and len(run.out.splitlines()) > 10  # the QR code drawn
    assert vigil(capsys, "cases", "user", "deactivate", "samir").code == 0
    user.refresh_from_db()
    assert not user.is_active and roles.roles_of(user) == set()
    assert '"root", "user-add"' in _audit_text()


def test_cli_password_from_stdin_and_errors(capsys, registry, mounted, monkeypatch):
    import io

    from django.contrib.auth import get_user_model

    monkeypatch.setattr("sys.stdin", io.StringIO(GOOD + "\n"))
    run = vigil(capsys, "cases", "user", "add", "aysel", "--role", "viewer", "--password-stdin")
    assert run.code == 0, run.err
    assert "Password" not in run.out
    assert get_user_model().objects.get(username="aysel").check_password(GOOD)

    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    run = vigil(capsys, "cases", "user", "add", "kamal", "--role", "viewer", "--password-stdin")
    assert run.code == 1
    assert run.err.startswith("Error: password refused:") and run.err.count("\n") == 1
    assert "short" not in run.err.replace("too short", "")

    run = vigil(capsys, "cases", "user", "add", "kamal", "--role", "boss")
    assert run.code == 2  # refused by the parser, which lists the roles
    assert "'boss' is not one of 'viewer', 'editor', 'admin'" in " ".join(
        run.err.replace("│", " ").split()
    )
    run = vigil(capsys, "cases", "user", "role", "aysel", "boss")
    assert run.code == 2 and "'viewer', 'editor', 'admin'" in " ".join(
        run.err.replace("│", " ").split()
    )
    run = vigil(capsys, "cases", "user", "add", "kamal", "--role", "Viewer", "--email", "nope")
    assert (run.code, run.err) == (1, "Error: --email: not an e-mail address: 'nope'\n")
    run = vigil(capsys, "cases", "user", "restricted", "aysel")
    assert run.code == 1 and "--grant or --revoke" in run.err
    run = vigil(capsys, "cases", "user", "role", "ghost", "admin")
    assert run.code == 1 and "no user 'ghost'" in run.err


def test_cli_backup_and_restore(capsys, tmp_path, transactional_db, sample, mounted):
    from vigil.cases.models import Person

    path = tmp_path / "b.backup"
    run = vigil(capsys, "cases", "backup", path, "--as", "root", "--format", "json")
    assert run.code == 0, run.err
    assert (
        json.loads(run.out)["sha256"]
        == json.loads((tmp_path / "b.backup.json").read_text())["sha256"]
    )
    Person.objects.create(ref="P77")
    run = vigil(capsys, "cases", "restore", path)
    assert run.code == 1 and "--force" in run.err and run.err.count("\n") == 1
    run = vigil(capsys, "cases", "restore", path, "--force", "--as", "root")
    assert run.code == 0, run.err
    assert not Person.objects.filter(ref="P77").exists()
    run = vigil(capsys, "cases", "restore", tmp_path / "missing", "--force")
    assert run.code == 1 and "no such file" in run.err
