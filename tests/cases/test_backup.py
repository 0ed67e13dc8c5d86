"""Backups: a round trip loses nothing (the registry at restricted level and the audit
trail are the same before and after), plain or encrypted; a backup is verified whole
(signed manifest, sha256, decryption, the engine's integrity check, row counts,
schema) before the live database is touched; and a damaged, tampered, foreign,
wrongly-keyed or newer backup is refused with one line, the live database left as it
was: every row of every table, the audit trail included, is compared before and after
(a refusal adds exactly one ``restore-refused`` audit event, nothing else).

The tests run on the engine ``DATABASE_URL`` names (SQLite by default; PostgreSQL in
the ``scripts/with-postgres`` pass), on committed data (``transactional_db``): a
backup sees only what is committed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import os
import shutil
import sqlite3
import stat
from collections import Counter
from pathlib import Path

import pytest

from tests.cases.conftest import ENGINE
from tests.cli_runner import vigil

only_postgres = pytest.mark.skipif(
    ENGINE != "postgresql",
    reason="needs DATABASE_URL=postgres://… (scripts/with-postgres; pg_dump/pg_restore)",
)
only_sqlite = pytest.mark.skipif(
    ENGINE != "sqlite", reason="SQLite only (DATABASE_URL is not SQLite)"
)
AUDIT = "cases_auditevent"
PASSPHRASE = "correct horse battery staple 42"
NATIVE = {"sqlite": b"SQLite format 3\x00", "postgresql": b"PGDMP"}


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


@pytest.fixture
def cheap_kdf(monkeypatch):
    """scrypt at log2 N = 14 instead of 18 for the passphrase's HMAC key (the cost is
    written in the manifest, and restore uses the manifest's): age's own scrypt still
    costs its full price."""
    from vigil.cases import backup as b

    monkeypatch.setattr(b, "SCRYPT_LOG_N", 14)


# -- helpers --------------------------------------------------------------------------


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


def _all_rows():
    """Every row of every table of the live database (as text, sorted per table)."""
    from django.db import connection

    rows = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute('SELECT * FROM "{}"'.format(table.replace('"', '""')))
            rows[table] = sorted(tuple(repr(v) for v in row) for row in cursor.fetchall())
    return rows


def _refused_and_untouched(before, caught):
    """The error is one line, and the live database holds exactly the rows it held
    before, in every table, plus one ``restore-refused`` audit event giving the reason.
    Returns the rows now (the next ``before``)."""
    from vigil.cases.models import AuditEvent

    message = str(caught.value)
    assert "\n" not in message
    after = _all_rows()
    assert set(after) == set(before)
    for table in before:
        if table != AUDIT:
            assert after[table] == before[table], table
    assert not Counter(before[AUDIT]) - Counter(after[AUDIT])  # no audit row changed or gone
    assert sum((Counter(after[AUDIT]) - Counter(before[AUDIT])).values()) == 1
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == "restore-refused"
    assert event.detail["reason"] == " ".join(message.split())
    for secret in filter(None, [PASSPHRASE, _existing_key()]):
        assert secret not in message and secret not in json.dumps(event.detail)
    return after


def _existing_key():
    """The backup key in effect, if there is one (without making one)."""
    from vigil.config import vigil_home

    kept = vigil_home() / "backup_key"
    return os.environ.get("VIGIL_BACKUP_KEY") or (kept.read_text().strip() if kept.exists() else "")


def _key():
    """This installation's backup key (made on first use, as backup() does)."""
    from vigil.config import kept_secret

    return kept_secret("backup_key", "VIGIL_BACKUP_KEY")


def _canonical(manifest):
    """The bytes the HMAC covers, computed as docs/backups.md says (not with Vigil's
    own function)."""
    body = {k: v for k, v in manifest.items() if k != "hmac"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _manifest(path):
    return json.loads(path.with_name(path.name + ".json").read_text())


def _rewrite(path, manifest, *, sign):
    """Write ``manifest`` beside ``path``; with ``sign``, signed with this installation's
    key, as someone holding the key could."""
    if sign:
        manifest["hmac"] = hmac.new(_key().encode(), _canonical(manifest), "sha256").hexdigest()
    path.with_name(path.name + ".json").write_text(json.dumps(manifest))


def _describe_file(path, manifest):
    """The manifest made to describe the file as it is now (size and sha256)."""
    data = path.read_bytes()
    manifest["bytes"], manifest["sha256"] = len(data), hashlib.sha256(data).hexdigest()
    return manifest


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


# -- round trips ----------------------------------------------------------------------


def test_round_trip_over_a_changed_registry_loses_nothing(tmp_path, trail):
    from vigil.cases.backup import backup, restore
    from vigil.cases.models import AuditEvent

    document, rows = _document(), _audit_rows()
    report = backup(tmp_path / "registry.backup", actor="admin")
    assert report.counts["cases_person"] == 6
    assert report.counts["cases_auditevent"] == len(rows)

    _change_everything(trail)
    assert _document() != document

    def ask():
        raise AssertionError("a passphrase was asked for a backup that is not encrypted")

    restored = restore(tmp_path / "registry.backup", force=True, actor="admin", passphrase=ask)
    assert _document() == document
    after = _audit_rows()
    assert after[:-1] == rows  # the backup event was after the snapshot: not in it
    last = AuditEvent.objects.order_by("-id").first()
    assert (last.action, last.actor) == ("restore", "admin")
    assert last.detail["sha256"] == report.sha256
    assert last.detail["backup_made"] == report.created
    assert last.detail["encrypted"] is False
    assert last.detail["authenticated"] is True
    assert last.detail["counts"] == report.counts
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


def test_backup_is_private_atomic_and_described_by_its_signed_manifest(tmp_path, trail):
    from vigil.cases.backup import backup
    from vigil.cases.models import AuditEvent

    path = tmp_path / "b.backup"
    report = backup(path)
    manifest = json.loads((tmp_path / "b.backup.json").read_text())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "b.backup.json").stat().st_mode) == 0o600
    assert manifest["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest() == report.sha256
    assert manifest["engine"] == ENGINE
    assert manifest["version"] == 2
    assert manifest["encryption"] is None
    assert manifest["bytes"] == path.stat().st_size
    assert manifest["counts"]["cases_statusevent"] == 11
    assert "0003_roles" in manifest["migrations"]["cases"]
    assert path.read_bytes().startswith(NATIVE[ENGINE])
    # Signed with this installation's key, kept (mode 0600) in the data directory.
    key_file = Path(os.environ["VIGIL_HOME"]) / "backup_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert manifest["authentication"] == {
        "algorithm": "HMAC-SHA256",
        "key": "backup-key",
        "key_id": hmac.new(key.encode(), b"vigil-cases-backup key id", "sha256").hexdigest()[:16],
    }
    assert manifest["hmac"] == hmac.new(key.encode(), _canonical(manifest), "sha256").hexdigest()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.backup", "b.backup.json"]
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == "backup"
    assert event.detail["sha256"] == report.sha256
    assert event.detail["counts"]["cases_person"] == 6
    assert event.detail["encrypted"] is False
    assert event.detail["signed_with"] == f"backup key {manifest['authentication']['key_id']}"
    assert key not in json.dumps(event.detail) and key not in json.dumps(manifest)
    # Backing up again replaces the file, whole.
    backup(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.backup", "b.backup.json"]


def test_encrypted_backup_is_an_age_file_that_restores_only_with_its_passphrase(
    tmp_path, trail, cheap_kdf
):
    from vigil.cases.backup import backup, restore
    from vigil.cases.models import AuditEvent
    from vigil.errors import InputError

    document = _document()
    path = tmp_path / "b.age"
    report = backup(path, passphrase=PASSPHRASE)
    data = path.read_bytes()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert report.encrypted
    # The age format: `age -d` gives the native file back.
    assert data.startswith(b"age-encryption.org/v1\n-> scrypt ")
    assert _age_decrypt(path, PASSPHRASE).startswith(NATIVE[ENGINE])
    # The manifest: signed with a key derived from the passphrase by scrypt.
    manifest = _manifest(path)
    assert manifest["encryption"] == "age"
    assert manifest["sha256"] == hashlib.sha256(data).hexdigest()
    auth = manifest["authentication"]
    assert (auth["key"], auth["kdf"], auth["r"], auth["p"]) == ("passphrase", "scrypt", 8, 1)
    n = 2 ** auth["log_n"]
    derived = hashlib.scrypt(
        PASSPHRASE.encode(), salt=base64.b64decode(auth["salt"]), n=n, r=8, p=1, dklen=32
    )
    assert manifest["hmac"] == hmac.new(derived, _canonical(manifest), "sha256").hexdigest()
    assert PASSPHRASE not in json.dumps(manifest)

    _change_everything(trail)
    before = _all_rows()
    with pytest.raises(InputError, match="an encrypted backup: give its passphrase") as caught:
        restore(path, force=True)
    before = _refused_and_untouched(before, caught)
    with pytest.raises(InputError, match="wrong passphrase") as caught:
        restore(path, force=True, passphrase="not the passphrase at all")
    before = _refused_and_untouched(before, caught)

    asked = []
    restored = restore(path, force=True, passphrase=lambda: asked.append(1) or PASSPHRASE)
    assert asked == [1]
    assert _document() == document
    last = AuditEvent.objects.order_by("-id").first()
    assert last.action == "restore"
    assert last.detail["encrypted"] is True
    assert last.detail["sha256"] == report.sha256
    assert last.detail["backup_made"] == report.created
    assert last.detail["counts"] == restored.counts == report.counts
    assert PASSPHRASE not in json.dumps([e.detail for e in AuditEvent.objects.all()])


def _age_decrypt(path, passphrase):
    """What an operator would do in an emergency: ``age -d``, the passphrase typed at
    its prompt (a terminal: age reads it from nowhere else), when the age tool is
    installed; else pyrage, the implementation of the same format Vigil uses."""
    age = shutil.which("age")
    if age is None:
        import pyrage

        return pyrage.passphrase.decrypt(path.read_bytes(), passphrase)
    import pty
    import select

    out = path.with_name(path.name + ".plain")
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.execv(age, [age, "--decrypt", "--output", str(out), str(path)])
        finally:
            os._exit(127)
    seen = b""
    try:
        while b"passphrase" not in seen.lower():
            assert select.select([fd], [], [], 30)[0], seen
            seen += os.read(fd, 1024)
        os.write(fd, passphrase.encode() + b"\n")
        while select.select([fd], [], [], 60)[0]:
            try:
                if not os.read(fd, 1024):
                    break
            except OSError:  # the child is gone
                break
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert status == 0, seen
    data = out.read_bytes()
    out.unlink()
    return data


def test_the_passphrase_key_costs_what_age_costs(registry):
    from vigil.cases import backup as b

    assert (b.SCRYPT_LOG_N, b.SCRYPT_R, b.SCRYPT_P) == (18, 8, 1)


def test_a_short_passphrase_is_refused_and_nothing_is_written(tmp_path, registry, transactional_db):
    from vigil.cases.backup import backup
    from vigil.errors import InputError

    with pytest.raises(InputError, match="fewer than 12 characters") as caught:
        backup(tmp_path / "b", passphrase="short")
    assert "short" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []


# -- refusals: the live database is left as it was ------------------------------------


def test_restore_refuses_a_registry_holding_data_without_force(tmp_path, trail):
    from vigil.cases.backup import backup, restore
    from vigil.errors import StoreError

    backup(tmp_path / "b")
    _change_everything(trail)
    before = _all_rows()
    with pytest.raises(StoreError, match=r"not empty .*--force") as caught:
        restore(tmp_path / "b")
    _refused_and_untouched(before, caught)


@pytest.mark.parametrize("damage", ["flip", "truncate", "manifest", "no-manifest", "not-json"])
def test_a_damaged_backup_is_refused_and_nothing_changes(tmp_path, trail, damage):
    from vigil.cases.backup import backup, restore
    from vigil.errors import InputError

    path = tmp_path / "b"
    backup(path)
    _change_everything(trail)
    before = _all_rows()
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
    expected = {"flip": "sha256", "truncate": "sha256"}.get(damage, "not a Vigil backup")
    with pytest.raises(InputError, match=expected) as caught:
        restore(path, force=True)
    _refused_and_untouched(before, caught)


@pytest.mark.parametrize("tamper", ["counts", "sha256-and-file", "hmac-removed", "format-1"])
def test_a_tampered_manifest_is_refused(tmp_path, trail, tamper):
    from vigil.cases.backup import backup, restore
    from vigil.errors import InputError

    path = tmp_path / "b"
    backup(path)
    _change_everything(trail)
    before = _all_rows()
    manifest = _manifest(path)
    if tamper == "counts":
        manifest["counts"]["cases_person"] += 1
    elif tamper == "sha256-and-file":
        path.write_bytes(path.read_bytes() + b"\0" * 1024)
        _describe_file(path, manifest)
    elif tamper == "hmac-removed":
        del manifest["hmac"]
    else:  # passed off as a backup of the old, unsigned format
        for name in ("hmac", "authentication", "encryption"):
            del manifest[name]
        manifest["version"] = 1
    _rewrite(path, manifest, sign=False)
    expected = {
        "counts": "fails authentication: the backup was changed .* or was made with another key",
        "sha256-and-file": "fails authentication: the backup was changed",
        "hmac-removed": "fails authentication: .*its HMAC is missing",
        "format-1": "format-1 manifest, which has no HMAC: .*--unauthenticated",
    }[tamper]
    with pytest.raises(InputError, match=expected) as caught:
        restore(path, force=True)
    before = _refused_and_untouched(before, caught)
    if tamper != "format-1":  # --unauthenticated accepts no format-2 manifest without HMAC
        with pytest.raises(InputError, match="fails authentication") as caught:
            restore(path, force=True, unauthenticated=True)
        _refused_and_untouched(before, caught)


def test_a_backup_signed_with_another_key_is_refused(tmp_path, trail, monkeypatch):
    from vigil.cases.backup import backup, key_id, restore
    from vigil.errors import InputError

    monkeypatch.setenv("VIGIL_BACKUP_KEY", "the key of the machine that made it")
    backup(tmp_path / "b")
    monkeypatch.setenv("VIGIL_BACKUP_KEY", "another key altogether")
    _change_everything(trail)
    before = _all_rows()
    with pytest.raises(InputError, match="or was made with another key") as caught:
        restore(tmp_path / "b", force=True)
    theirs, ours = key_id("the key of the machine that made it"), key_id("another key altogether")
    assert f"signed with key {theirs}, this key is {ours}" in str(caught.value)
    _refused_and_untouched(before, caught)


def test_restore_on_another_machine_needs_that_machines_key(tmp_path, trail, monkeypatch):
    from vigil.cases.backup import backup, restore
    from vigil.errors import InputError

    document = _document()
    backup(tmp_path / "b")  # signed with this installation's kept key
    kept = _key()
    other_home = tmp_path / "other-machine"
    monkeypatch.setenv("VIGIL_HOME", str(other_home))
    _change_everything(trail)
    before = _all_rows()
    with pytest.raises(InputError, match=r"this machine has none .*--key-file") as caught:
        restore(tmp_path / "b", force=True)
    _refused_and_untouched(before, caught)
    assert not (other_home / "backup_key").exists()  # a restore makes no key

    restore(tmp_path / "b", force=True, key=kept + "\n")  # the text of a key file
    assert _document() == document
    _change_everything(trail)
    monkeypatch.setenv("VIGIL_BACKUP_KEY", kept)
    restore(tmp_path / "b", force=True)
    assert _document() == document


@pytest.mark.parametrize("damage", ["corrupt", "truncated"])
def test_a_signed_backup_whose_content_is_damaged_fails_the_engines_check(tmp_path, trail, damage):
    """The manifest is signed again with the right key after the damage, as someone
    holding the key could (or as if a disk had corrupted the database before the backup
    was signed): the sha256 matches, and the engine's own check refuses the file."""
    from vigil.cases.backup import backup, restore
    from vigil.errors import InputError

    path = tmp_path / "b"
    backup(path)
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif ENGINE == "sqlite":
        _corrupt_an_index_entry(path)
    else:
        _corrupt_a_data_block(path)
    expected = {
        ("sqlite", "corrupt"): r"fails SQLite's integrity check \(row \d+ missing from index",
        ("sqlite", "truncated"): r"fails SQLite's integrity check",
        ("postgresql", "corrupt"): r"pg_restore cannot read the archive \(.*uncompress",
        ("postgresql", "truncated"): r"pg_restore --list cannot read the archive",
    }[ENGINE, damage]
    _rewrite(path, _describe_file(path, _manifest(path)), sign=True)
    _change_everything(trail)
    before = _all_rows()
    with pytest.raises(InputError, match=expected) as caught:
        restore(path, force=True)
    _refused_and_untouched(before, caught)


def _corrupt_an_index_entry(path):
    """Change the rowid a cell of an index points to: every table keeps its rows (the
    counts are right), but the index no longer matches its table."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    (page_size,) = db.execute("PRAGMA page_size").fetchone()
    (root,) = db.execute(
        "SELECT rootpage FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cases_person' "
        "ORDER BY name LIMIT 1"
    ).fetchone()
    db.close()
    data = bytearray(path.read_bytes())
    page = (root - 1) * page_size
    assert data[page] == 0x0A  # a leaf index page
    cell = page + int.from_bytes(data[page + 8 : page + 10], "big")
    size, width = _varint(data, cell)
    data[cell + width + size - 1] ^= 0x40  # the last byte of the record: the rowid
    path.write_bytes(bytes(data))


def _corrupt_a_data_block(path):
    """Flip a byte in the middle of the largest zlib-compressed table data of a pg_dump
    archive (a byte of its table of contents could change a name and still restore)."""
    import zlib

    data = bytearray(path.read_bytes())
    best = (0, 0, 0)  # (decompressed size, start, compressed size)
    at = data.find(b"\x78\x9c")
    while at != -1:
        inflate = zlib.decompressobj()
        try:
            size = len(inflate.decompress(bytes(data[at:])))
        except zlib.error:
            size = 0
        if inflate.eof and size > best[0]:
            best = (size, at, len(data) - at - len(inflate.unused_data))
        at = data.find(b"\x78\x9c", at + 1)
    size, start, length = best
    assert size > 1000
    data[start + length // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _varint(data, at):
    value = 0
    for i in range(9):
        byte = data[at + i]
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, i + 1
    return value, 9


@pytest.mark.parametrize("lie", ["count", "table"])
def test_signed_counts_that_differ_from_the_data_are_refused(tmp_path, trail, lie):
    """Checked on the temporary copy (SQLite) or inside the restore's transaction before
    its COMMIT (PostgreSQL, after the tables were dropped and created again)."""
    from vigil.cases.backup import backup, restore
    from vigil.errors import InputError

    path = tmp_path / "b"
    backup(path)
    manifest = _manifest(path)
    if lie == "count":
        manifest["counts"]["cases_person"] += 1
    else:
        del manifest["counts"]["cases_hearing"]
    _rewrite(path, manifest, sign=True)
    _change_everything(trail)
    before = _all_rows()
    expected = "cases_person 6(≠|!=)7" if lie == "count" else "cases_hearing not in the manifest"
    with pytest.raises(InputError, match=f"row counts are not the manifest's: .*{expected}") as c:
        restore(path, force=True)
    _refused_and_untouched(before, c)


@pytest.mark.parametrize("where", ["manifest", "content"])
def test_a_backup_from_a_newer_vigil_is_refused(tmp_path, trail, where):
    """A database whose schema has a migration this Vigil does not know: seen in the
    manifest, or (the manifest re-signed without it) in the backup's own
    django_migrations table."""
    from django.db import connection

    from vigil.cases.backup import backup, restore
    from vigil.errors import InputError

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) VALUES (%s, %s, %s)",
            ["cases", "9999_from_the_future", "2030-01-01 00:00:00+00:00"],
        )
    path = tmp_path / "b"
    backup(path)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE name = '9999_from_the_future'")
    if where == "content":
        manifest = _manifest(path)
        manifest["migrations"]["cases"].remove("9999_from_the_future")
        _rewrite(path, manifest, sign=True)
    _change_everything(trail)
    before = _all_rows()
    with pytest.raises(InputError, match=r"newer Vigil .*cases\.9999_from_the_future") as caught:
        restore(path, force=True)
    _refused_and_untouched(before, caught)


def test_a_format_1_backup_is_restored_only_with_unauthenticated(tmp_path, trail):
    from vigil.cases.backup import backup, restore
    from vigil.cases.models import AuditEvent
    from vigil.errors import InputError

    document = _document()
    path = tmp_path / "b"
    backup(path)
    manifest = _manifest(path)
    for name in ("hmac", "authentication", "encryption"):
        del manifest[name]
    manifest["version"] = 1
    _rewrite(path, manifest, sign=False)
    _change_everything(trail)
    before = _all_rows()
    with pytest.raises(InputError, match="`--unauthenticated` only if you trust") as caught:
        restore(path, force=True)
    before = _refused_and_untouched(before, caught)
    # Accepted unsigned, but still checked: a file that changed since is refused.
    data = path.read_bytes()
    path.write_bytes(data[:-1024])
    with pytest.raises(InputError, match="sha256") as caught:
        restore(path, force=True, unauthenticated=True)
    _refused_and_untouched(before, caught)
    path.write_bytes(data)
    restore(path, force=True, unauthenticated=True)
    assert _document() == document
    last = AuditEvent.objects.order_by("-id").first()
    assert (last.action, last.detail["authenticated"]) == ("restore", False)


def test_restore_refuses_inside_a_transaction(tmp_path, registry):
    from vigil.cases.backup import restore
    from vigil.cases.models import AuditEvent
    from vigil.errors import StoreError

    with pytest.raises(StoreError, match="inside a transaction"):
        restore(tmp_path / "b")
    assert not AuditEvent.objects.exists()


def test_missing_file_and_foreign_files_are_one_line_errors(tmp_path, registry, transactional_db):
    from vigil.cases.backup import restore
    from vigil.errors import InputError

    before = _all_rows()
    with pytest.raises(InputError, match="no such file") as caught:
        restore(tmp_path / "nothing")
    before = _refused_and_untouched(before, caught)
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    with pytest.raises(InputError, match="not a Vigil backup") as caught:
        restore(other)
    _refused_and_untouched(before, caught)


def test_a_backup_of_the_other_engine_is_refused(tmp_path, registry, transactional_db):
    from vigil.cases.backup import FORMAT, restore
    from vigil.errors import InputError

    other = "postgresql" if ENGINE == "sqlite" else "sqlite"
    payload = b"PGDMP\x01\x0f" if other == "postgresql" else b"SQLite format 3\x00" + b"\0" * 84
    path = tmp_path / "other.backup"
    path.write_bytes(payload)
    manifest = {
        "format": FORMAT,
        "version": 2,
        "engine": other,
        "sha256": hashlib.sha256(payload).hexdigest(),
        "bytes": len(payload),
        "counts": {},
        "migrations": {},
        "encryption": None,
        "authentication": {"algorithm": "HMAC-SHA256", "key": "backup-key", "key_id": ""},
    }
    _rewrite(path, manifest, sign=True)
    name = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    before = _all_rows()
    with pytest.raises(InputError, match=f"a {name[other]} backup; .* is {name[ENGINE]}") as c:
        restore(path)
    _refused_and_untouched(before, c)


def test_backup_refuses_a_directory_and_a_missing_directory(tmp_path, registry, transactional_db):
    from vigil.cases.backup import backup
    from vigil.errors import InputError

    with pytest.raises(InputError, match="is a directory"):
        backup(tmp_path)
    with pytest.raises(InputError, match="no such directory"):
        backup(tmp_path / "missing" / "b")


# -- the command line -----------------------------------------------------------------


def test_cli_encrypted_backup_and_restore(capsys, tmp_path, trail, mounted, monkeypatch, cheap_kdf):
    path = tmp_path / "b.age"
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSPHRASE + "\n"))
    run = vigil(
        capsys, "cases", "backup", path, "--encrypt", "--passphrase-stdin", "--format", "json"
    )
    assert run.code == 0, run.err
    assert json.loads(run.out)["encrypted"] is True
    assert path.read_bytes().startswith(b"age-encryption.org/v1\n")
    assert PASSPHRASE not in run.out + run.err + json.dumps(_manifest(path))
    document = _document()
    _change_everything(trail)
    before = _all_rows()

    # A passphrase is never an argument.
    run = vigil(capsys, "cases", "backup", tmp_path / "x", "--encrypt", "--passphrase", "p")
    assert run.code == 2 and not (tmp_path / "x").exists()
    # Encrypted: without a passphrase (stdin is not a terminal), or with a wrong one.
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    run = vigil(capsys, "cases", "restore", path, "--force")
    assert run.code == 1 and run.err.count("\n") == 1 and "needs a passphrase" in run.err
    monkeypatch.setattr("sys.stdin", io.StringIO("not the passphrase at all\n"))
    run = vigil(capsys, "cases", "restore", path, "--force", "--passphrase-stdin")
    assert run.code == 1 and run.err.count("\n") == 1, run.err
    assert run.err.startswith("Error: ") and "wrong passphrase" in run.err
    after = _all_rows()
    assert {t: r for t, r in after.items() if t != AUDIT} == {
        t: r for t, r in before.items() if t != AUDIT
    }
    assert not Counter(before[AUDIT]) - Counter(after[AUDIT])

    monkeypatch.setenv("VIGIL_BACKUP_PASSPHRASE", PASSPHRASE)
    run = vigil(capsys, "cases", "restore", path, "--force", "--as", "root")
    assert run.code == 0, run.err
    assert _document() == document


def test_cli_restore_with_a_key_file_and_refusals_in_one_line(
    capsys, tmp_path, trail, mounted, monkeypatch
):
    from vigil.cases.backup import key_id

    path = tmp_path / "b.backup"
    monkeypatch.setenv("VIGIL_BACKUP_PASSPHRASE", PASSPHRASE)
    run = vigil(capsys, "cases", "backup", path, "--as", "root")
    assert run.code == 0, run.err
    assert "VIGIL_BACKUP_PASSPHRASE is set but --encrypt is not" in run.err
    assert _manifest(path)["encryption"] is None
    monkeypatch.delenv("VIGIL_BACKUP_PASSPHRASE")
    key_file = tmp_path / "backup_key"
    key_file.write_text(_key())
    document = _document()
    monkeypatch.setenv("VIGIL_HOME", str(tmp_path / "other-machine"))
    _change_everything(trail)

    run = vigil(capsys, "cases", "restore", path, "--force")
    assert run.code == 1 and run.err.count("\n") == 1 and "--key-file" in run.err
    manifest = _manifest(path)
    manifest["counts"]["cases_person"] = 0
    _rewrite(path, manifest, sign=False)
    run = vigil(capsys, "cases", "restore", path, "--force", "--key-file", key_file)
    assert run.code == 1 and run.err.count("\n") == 1 and "fails authentication" in run.err
    manifest["counts"]["cases_person"] = 6
    _rewrite(path, manifest, sign=False)  # the original manifest, signature and all
    run = vigil(capsys, "cases", "restore", path, "--force", "--key-file", key_file)
    assert run.code == 0, run.err
    assert _document() == document
    run = vigil(capsys, "cases", "restore", path, "--force", "--key-file", tmp_path / "none")
    assert run.code == 1 and "--key-file" in run.err and "no such file" in run.err
    # A backup signed with a key file.
    other_key = tmp_path / "other_key"
    other_key.write_text("a key for the off-site copies\n")
    run = vigil(capsys, "cases", "backup", tmp_path / "c", "--key-file", other_key)
    assert run.code == 0, run.err
    assert _manifest(tmp_path / "c")["authentication"]["key_id"] == key_id(
        "a key for the off-site copies"
    )
    run = vigil(capsys, "cases", "restore", tmp_path / "c", "--force", "--key-file", other_key)
    assert run.code == 0, run.err


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
