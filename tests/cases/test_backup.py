"""Backups: a round trip loses nothing (the registry at restricted level and the audit
trail are the same before and after), a registry holding data is not overwritten
without --force, and a damaged or foreign file is refused before anything is touched.

The tests run on the engine ``DATABASE_URL`` names (SQLite by default; PostgreSQL in
the ``scripts/with-postgres`` pass), on committed data (``transactional_db``): a
backup sees only what is committed.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat

import pytest

URL = os.environ.get("DATABASE_URL", "")
ENGINE = "postgresql" if URL.startswith(("postgres://", "postgresql://", "pgsql://")) else "sqlite"
only_postgres = pytest.mark.skipif(
    ENGINE != "postgresql",
    reason="needs DATABASE_URL=postgres://… (scripts/with-postgres; pg_dump/pg_restore)",
)
only_sqlite = pytest.mark.skipif(
    ENGINE != "sqlite", reason="SQLite only (DATABASE_URL is not SQLite)"
)


@pytest.fixture
def trail(transactional_db, sample):
    """The sample registry, committed, with an audit trail (an import, a restricted
    reading, an export)."""
    from vigil.cases import audit, registry
    from vigil.cases.levels import Level

    audit.record("import", "people.csv", {"rows": 6, "refs": ["P1", "P2"]}, by="alice")
    registry.show("P1", Level.RESTRICTED, actor="bob")
    audit.record("export", "out.json", {"level": "public", "format": "json"}, by="alice")
    return sample


def _document():
    from vigil.cases import exporters
    from vigil.cases.levels import Level

    return json.dumps(exporters.document(Level.RESTRICTED), sort_keys=True, default=str)


def _audit_rows():
    from vigil.cases.models import AuditEvent

    return [
        (e.id, e.at.isoformat(), e.actor, e.action, e.target, e.detail)
        for e in AuditEvent.objects.order_by("id")
    ]


def _change_everything(people):
    """Add, edit and delete what may be added, edited and deleted (events and audit
    events only grow)."""
    from vigil.cases import audit
    from vigil.cases import models as m

    extra = m.Person.objects.create(ref="P99", notes="added after the backup")
    m.PersonName.objects.create(person=extra, name="Yeni Şəxs", language="az-Latn", kind="primary")
    m.StatusEvent.objects.create(person=people["P2"], kind="released", date="2026-11-01")
    p1 = m.Person.objects.get(ref="P1")
    p1.contacts = "CHANGED"
    p1.save()
    m.ListEntry.objects.filter(release__ref="R2").delete()
    m.Hearing.objects.filter(outcome="scheduled").delete()
    audit.record("merge", "person:P5", {"kept": "P1"}, by="carol")


def test_round_trip_over_a_changed_registry_loses_nothing(tmp_path, trail):
    from vigil.cases.backup import backup, restore
    from vigil.cases.models import AuditEvent

    document, rows = _document(), _audit_rows()
    report = backup(tmp_path / "registry.backup", actor="admin")
    assert report.counts["cases_person"] == 6
    assert report.counts["cases_auditevent"] == len(rows)

    _change_everything(trail)
    assert _document() != document

    restored = restore(tmp_path / "registry.backup", force=True, actor="admin")
    assert _document() == document
    after = _audit_rows()
    assert after[:-1] == rows  # the backup event was after the snapshot: not in it
    last = AuditEvent.objects.order_by("-id").first()
    assert (last.action, last.actor) == ("restore", "admin")
    assert last.detail["sha256"] == report.sha256
    assert last.detail["forced"] is True
    assert last.detail["replaced"]["cases_person"] == 7
    assert restored.counts == report.counts


def test_restore_into_an_empty_database_needs_no_force(tmp_path, trail):
    from django.core.management import call_command

    from vigil.cases.backup import backup, registry_counts, restore

    document, rows = _document(), _audit_rows()
    backup(tmp_path / "b")
    call_command("flush", verbosity=0, interactive=False)  # a new, empty database
    assert not any(registry_counts().values())
    restore(tmp_path / "b")
    assert _document() == document
    assert _audit_rows()[:-1] == rows


def test_backup_is_private_atomic_and_described_by_its_manifest(tmp_path, trail):
    from vigil.cases.backup import backup
    from vigil.cases.models import AuditEvent

    path = tmp_path / "b.backup"
    report = backup(path)
    manifest = json.loads((tmp_path / "b.backup.json").read_text())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "b.backup.json").stat().st_mode) == 0o600
    assert manifest["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest() == report.sha256
    assert manifest["engine"] == ENGINE
    assert manifest["bytes"] == path.stat().st_size
    assert manifest["counts"]["cases_statusevent"] == 11
    assert "0003_roles" in manifest["migrations"]["cases"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.backup", "b.backup.json"]
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == "backup"
    assert event.detail["sha256"] == report.sha256
    assert event.detail["counts"]["cases_person"] == 6
    # Backing up again replaces the file, whole.
    backup(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.backup", "b.backup.json"]


def test_restore_refuses_a_registry_holding_data_without_force(tmp_path, trail):
    from vigil.cases.backup import backup, restore
    from vigil.errors import StoreError

    backup(tmp_path / "b")
    _change_everything(trail)
    document, rows = _document(), _audit_rows()
    with pytest.raises(StoreError, match=r"not empty .*--force"):
        restore(tmp_path / "b")
    assert (_document(), _audit_rows()) == (document, rows)


@pytest.mark.parametrize("damage", ["flip", "truncate", "manifest", "no-manifest", "not-json"])
def test_a_damaged_backup_is_refused_and_nothing_changes(tmp_path, trail, damage):
    from vigil.cases.backup import backup, restore
    from vigil.errors import InputError

    path = tmp_path / "b"
    backup(path)
    _change_everything(trail)
    document, rows = _document(), _audit_rows()
    data = bytearray(path.read_bytes())
    manifest = tmp_path / "b.json"
    if damage == "flip":
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
    elif damage == "truncate":
        path.write_bytes(bytes(data[: len(data) // 2]))
    elif damage == "manifest":
        meta = json.loads(manifest.read_text())
        meta["format"] = "something-else"
        manifest.write_text(json.dumps(meta))
    elif damage == "no-manifest":
        manifest.unlink()
    else:
        manifest.write_text("{not json")
    with pytest.raises(InputError) as caught:
        restore(path, force=True)
    assert "\n" not in str(caught.value)
    assert (_document(), _audit_rows()) == (document, rows)


def test_missing_file_and_foreign_files_are_one_line_errors(tmp_path, registry, transactional_db):
    from vigil.cases.backup import restore
    from vigil.errors import InputError

    with pytest.raises(InputError, match="no such file"):
        restore(tmp_path / "nothing")
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    with pytest.raises(InputError, match="not a Vigil backup"):
        restore(other)


def test_a_backup_of_the_other_engine_is_refused(tmp_path, registry, transactional_db):
    from vigil.cases.backup import FORMAT, restore
    from vigil.errors import InputError

    other = "postgresql" if ENGINE == "sqlite" else "sqlite"
    payload = b"PGDMP\x01\x0f" if other == "postgresql" else b"SQLite format 3\x00" + b"\0" * 84
    path = tmp_path / "other.backup"
    path.write_bytes(payload)
    manifest = {
        "format": FORMAT,
        "version": 1,
        "engine": other,
        "sha256": hashlib.sha256(payload).hexdigest(),
        "bytes": len(payload),
        "counts": {},
    }
    (tmp_path / "other.backup.json").write_text(json.dumps(manifest))
    name = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    with pytest.raises(InputError, match=f"a {name[other]} backup; .* is {name[ENGINE]}"):
        restore(path)


def test_a_backup_from_a_newer_vigil_is_refused(tmp_path, registry, transactional_db):
    from vigil.cases.backup import backup, restore
    from vigil.errors import InputError

    path = tmp_path / "b"
    backup(path)
    manifest = json.loads((tmp_path / "b.json").read_text())
    manifest["migrations"]["cases"].append("9999_from_the_future")
    (tmp_path / "b.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError, match="newer Vigil"):
        restore(path, force=True)


def test_backup_refuses_a_directory_and_a_missing_directory(tmp_path, registry, transactional_db):
    from vigil.cases.backup import backup
    from vigil.errors import InputError

    with pytest.raises(InputError, match="is a directory"):
        backup(tmp_path)
    with pytest.raises(InputError, match="no such directory"):
        backup(tmp_path / "missing" / "b")


# -- per engine ------------------------------------------------------------------------


@only_sqlite
def test_sqlite_backup_is_a_plain_sqlite_database(tmp_path, trail):
    from vigil.cases.backup import backup

    path = tmp_path / "b.sqlite"
    report = backup(path)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT count(*) FROM cases_person").fetchone() == (6,)
        assert db.execute("SELECT contacts FROM cases_person WHERE ref = 'P1'").fetchone() == (
            "SECRET-CONTACT of P1",
        )
    assert report.engine == "sqlite"


@only_sqlite
def test_sqlite_backup_refuses_inside_a_transaction(tmp_path, registry):
    from vigil.cases.backup import backup
    from vigil.errors import StoreError

    with pytest.raises(StoreError, match="inside a transaction"):
        backup(tmp_path / "b")


@only_sqlite
def test_cli_round_trip_on_a_sqlite_file(tmp_path):
    """The whole thing in another process, on a database file (not the test database)."""
    import subprocess
    import sys

    db = tmp_path / "cases.sqlite"
    script = f"""
import json, sys
from vigil.cases import setup
setup({str(db)!r})
from vigil.cases import models as m, audit
from vigil.cases.backup import backup, restore
m.Person.objects.create(ref="P1", contacts="secret")
audit.record("import", "x", {{"rows": 1}}, by="a")
backup({str(tmp_path / "b.sqlite")!r})
m.Person.objects.create(ref="P2")
restore({str(tmp_path / "b.sqlite")!r}, force=True)
print(json.dumps([list(m.Person.objects.values_list("ref", "contacts")),
                  list(m.AuditEvent.objects.values_list("action", flat=True))]))
"""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    env["VIGIL_HOME"] = str(tmp_path / "home")
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    people, actions = json.loads(done.stdout.splitlines()[-1])
    assert people == [["P1", "secret"]]
    assert actions == ["import", "restore"]


@only_postgres
def test_postgres_backup_is_a_pg_dump_archive_of_the_server_version(tmp_path, trail):
    from django.db import connection

    from vigil.cases.backup import _tool_major, backup, find_pg_tool

    report = backup(tmp_path / "b.dump")
    assert (tmp_path / "b.dump").read_bytes()[:5] == b"PGDMP"
    assert report.engine == "postgresql"
    assert _tool_major(find_pg_tool("pg_dump")) == connection.pg_version // 10000


@only_postgres
def test_postgres_without_pg_dump_is_a_one_line_error(
    tmp_path, registry, transactional_db, monkeypatch
):
    from vigil.cases import backup as b
    from vigil.errors import StoreError

    monkeypatch.setattr(b.os, "access", lambda *a, **k: False)
    with pytest.raises(StoreError, match=r"pg_dump for PostgreSQL .* not found"):
        b.backup(tmp_path / "b.dump")
    assert not (tmp_path / "b.dump").exists()
    assert list(tmp_path.iterdir()) == []


def test_postgres_password_is_passed_in_the_environment(monkeypatch):
    from django.db import connection

    from vigil.cases import backup as b

    monkeypatch.setitem(connection.settings_dict, "PASSWORD", "s3cret-pass")
    seen = {}

    def fake_run(command, **kwargs):
        seen["command"], seen["env"] = command, kwargs["env"]

        class Done:
            returncode, stdout, stderr = 0, "", ""

        return Done()

    monkeypatch.setattr(b.subprocess, "run", fake_run)
    b._run(["pg_dump", "--format=custom"], "pg_dump")
    assert seen["env"]["PGPASSWORD"] == "s3cret-pass"
    assert not any("s3cret" in part for part in seen["command"])
