"""Backups of the cases registry, and restoring them (`vigil cases backup` / `restore`).

A backup is two files side by side (``docs/backups.md`` is the operator's account):

- ``FILE``: the database itself, in its engine's native format, so that it can be read
  with the engine's own tools in an emergency: a SQLite database (a consistent
  snapshot taken with SQLite's online backup API while others may be writing), or a
  ``pg_dump --format=custom`` archive (taken in one exported snapshot). With
  ``passphrase`` (``--encrypt``) that file is encrypted in the age format
  (``age-encryption.org/v1``, a scrypt passphrase stanza, written by pyrage), so
  ``age -d FILE > plain`` gives the native file back;
- ``FILE.json``: the manifest (format 2): engine, date, Vigil version, the sha256 and
  size of ``FILE`` as stored (encrypted or not), the row count of every table in the
  snapshot, the schema's migrations, whether and how ``FILE`` is encrypted, and an
  HMAC-SHA256 over the manifest's canonical JSON (:func:`canonical`: everything but
  the ``hmac`` field, keys sorted, no spaces, UTF-8).

The HMAC key: for an encrypted backup, 32 bytes derived from the passphrase with
scrypt (a random salt and the cost in the manifest); otherwise the installation's
backup key, ``VIGIL_BACKUP_KEY``, else the file ``backup_key`` in the data directory
(made once, mode 0600, by :func:`vigil.config.kept_secret`); a key file given
explicitly (``key``, ``--key-file``) beats both. The manifest names which kind of key
signed it and, for a backup key, a key id (an HMAC of a constant under it: it tells
keys apart and reveals nothing of them). Neither a passphrase nor a key is ever
written to the manifest, the audit trail or an error message.

Both files are written atomically (a temporary file renamed into place) with mode
0600: the registry holds restricted data. An encrypted backup's plaintext never
touches the disk on SQLite (the snapshot is taken into memory); on PostgreSQL
``pg_dump`` writes it into a private temporary directory (mode 0700) that is removed
at once.

:func:`restore` verifies everything before it touches the live database, in this
order: the manifest (format, authentication: a format-1 manifest, which has no HMAC,
is refused unless ``unauthenticated``), the engine, the migrations (a backup of a
newer schema is refused), the registry (not empty: refused unless ``force``), then the
file, read once into memory: its size and sha256, its decryption, its native header,
and the engine's own checks on a temporary copy:

- SQLite: the copy is deserialised into a private in-memory database, which must pass
  ``PRAGMA integrity_check``, hold exactly the tables and row counts of the manifest
  and no migration unknown to this Vigil. Then SQLite's online backup API copies it
  into Django's open connection in one step (one write transaction: all or nothing).
- PostgreSQL: the archive is written into a private temporary directory; ``pg_restore
  --list`` must read its table of contents, and ``pg_restore --clean --if-exists
  --no-owner --exit-on-error -f`` must turn it whole into SQL (every data block is
  read and decompressed). That SQL is then run by ``psql --single-transaction`` with
  ``ON_ERROR_STOP``, between a prelude that drops the tables the backup does not have
  and a check that raises an error unless every table holds the manifest's row count,
  no other table exists and no migration is unknown. The check runs inside the
  transaction, before its COMMIT: any failure rolls the whole restore back and the
  live database is as it was. (A scratch database would need CREATEDB, which the
  application's role should not have; ``pg_restore --single-transaction`` commits
  before anything can be checked.)

Only then is the restore audited (``restore``, after the swap: the restored audit
table replaced the old one, so the event goes into the new one) with the backup's
sha256, its date, whether it was encrypted and authenticated, and the row counts. A
refused restore left the database as it was, so it is audited too
(``restore-refused``, with the reason). Audit rows are never updated or deleted one
by one: the whole database is replaced (SQLite's backup API; ``DROP``/``CREATE`` by
pg_restore's script).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import glob
import hashlib
import hmac
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vigil.errors import InputError, StoreError, VigilError
from vigil.i18n import gettext as _

FORMAT = "vigil-cases-backup"
VERSION = 2
MAGIC = {"sqlite": b"SQLite format 3\x00", "postgresql": b"PGDMP"}
AGE_MAGIC = b"age-encryption.org/v1\n"
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

KEY_ENV = "VIGIL_BACKUP_KEY"  # the backup key of unencrypted backups
KEY_FILE = "backup_key"  # ... else this file in the data directory
KEY_ID_MESSAGE = b"vigil-cases-backup key id"
# scrypt cost of the passphrase's HMAC key: as dear as age's own (log2 N = 18), so that
# the manifest is no cheaper a way to guess the passphrase than the encrypted file.
SCRYPT_LOG_N = 18
SCRYPT_R = 8
SCRYPT_P = 1
MIN_PASSPHRASE = 12

Passphrase = str | Callable[[], str | None] | None


@dataclass(frozen=True)
class BackupReport:
    path: Path
    manifest: Path
    engine: str
    sha256: str
    bytes: int
    counts: dict[str, int]
    created: str
    encrypted: bool = False
    key: str = ""  # "passphrase" or "backup-key"
    key_id: str = ""

    def record(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "manifest": str(self.manifest),
            "engine": self.engine,
            "sha256": self.sha256,
            "bytes": self.bytes,
            "tables": len(self.counts),
            "rows": sum(self.counts.values()),
            "created": self.created,
            "encrypted": self.encrypted,
            "signed_with": _key_label(self.key, self.key_id),
        }


@dataclass(frozen=True)
class RestoreReport:
    path: Path
    engine: str
    sha256: str
    counts: dict[str, int]
    created: str  # when the backup was made
    replaced: dict[str, int] = field(default_factory=dict)  # registry rows overwritten
    encrypted: bool = False
    authenticated: bool = True
    key: str = ""
    key_id: str = ""

    def record(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "engine": self.engine,
            "sha256": self.sha256,
            "backup_made": self.created,
            "encrypted": self.encrypted,
            "authenticated": self.authenticated,
            "signed_with": _key_label(self.key, self.key_id) if self.authenticated else "",
            "tables": len(self.counts),
            "rows": sum(self.counts.values()),
            "replaced_rows": sum(self.replaced.values()),
        }


def _key_label(kind: str, key_id: str) -> str:
    if kind == "passphrase":
        return "passphrase"
    return f"backup key {key_id}" if key_id else kind


def manifest_path(path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    return path.with_name(path.name + ".json")


def canonical(manifest: dict[str, Any]) -> bytes:
    """The bytes the manifest's HMAC covers: the manifest without ``hmac``, as JSON with
    sorted keys and no spaces, in UTF-8."""
    body = {k: v for k, v in manifest.items() if k != "hmac"}
    return json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


# -- keys -----------------------------------------------------------------------------


def backup_key(key: str | None = None, *, create: bool = True) -> str | None:
    """The key that signs unencrypted backups: ``key`` (a key file's text) if given,
    else ``$VIGIL_BACKUP_KEY``, else the kept file ``backup_key`` of the data directory
    (made when ``create``; without it, None when the file does not exist)."""
    from vigil.config import kept_secret, vigil_home

    if key is not None:
        key = key.strip()
        if not key:
            raise InputError(_("the backup key is empty"))
        return key
    if not create and not os.environ.get(KEY_ENV) and not (vigil_home() / KEY_FILE).exists():
        return None
    return kept_secret(KEY_FILE, KEY_ENV)


def key_id(key: str) -> str:
    """A short, public name of a backup key (it reveals nothing of the key)."""
    return hmac.new(key.encode("utf-8"), KEY_ID_MESSAGE, hashlib.sha256).hexdigest()[:16]


def _scrypt(passphrase: str, params: dict[str, Any]) -> bytes:
    salt = base64.b64decode(params["salt"], validate=True)
    n, r, p = 2 ** params["log_n"], params["r"], params["p"]
    return hashlib.scrypt(
        passphrase.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=256 * r * n * p, dklen=32
    )


def _mac(key: bytes, manifest: dict[str, Any]) -> str:
    return hmac.new(key, canonical(manifest), hashlib.sha256).hexdigest()


def check_new_passphrase(passphrase: str) -> None:
    """Refuse a passphrase too short to protect a backup (never quoting it)."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise InputError(
            _(
                "the passphrase has fewer than %(n)d characters; choose a longer "
                "one (several random words)"
            )
            % {"n": MIN_PASSPHRASE}
        )


# -- backup ---------------------------------------------------------------------------


def backup(
    path: str | os.PathLike[str],
    *,
    actor: str | None = None,
    passphrase: str | None = None,
    key: str | None = None,
) -> BackupReport:
    """Write a consistent backup of the configured database to ``path`` (and
    ``path.json``), atomically, mode 0600; audited as ``backup``.

    With ``passphrase`` the file is age-encrypted and the manifest signed with a key
    derived from it; else the manifest is signed with :func:`backup_key` (``key``:
    the text of a key file, instead of the installation's key).
    """
    from django.db import connection

    from vigil.cases import audit

    target = Path(path).expanduser().absolute()
    engine = _engine()
    if target.is_dir():
        raise InputError(
            _("%(file)s: is a directory; give a file name for the backup") % {"file": target}
        )
    if not target.parent.is_dir():
        raise InputError(_("%(dir)s: no such directory") % {"dir": target.parent})
    if engine == "sqlite" and _same_file(target, connection.settings_dict["NAME"]):
        raise InputError(
            _("%(file)s: is the database itself; back up to another file") % {"file": target}
        )
    if passphrase is not None:
        check_new_passphrase(passphrase)
        signing_key = None
    else:
        signing_key = backup_key(key)
    if engine == "sqlite" and connection.in_atomic_block:
        raise StoreError(
            _("cannot back up from inside a transaction (it would copy uncommitted rows)")
        )

    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with _temporary(target) as tmp:
        if engine == "sqlite":
            plain, counts = _backup_sqlite()
        elif passphrase is None:
            plain, counts = None, _backup_postgres(tmp)
        else:
            with _private_dir() as private:
                counts = _backup_postgres(private / "snapshot.dump")
                plain = (private / "snapshot.dump").read_bytes()
        if passphrase is not None:
            plain = _encrypt(plain or b"", passphrase)
        if plain is not None:
            with tmp.open("wb") as f:
                f.write(plain)
            del plain
        _fsync(tmp)
        digest, size = _sha256(tmp)
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "engine": engine,
            "created": created,
            "vigil": _vigil_version(),
            "file": target.name,
            "bytes": size,
            "sha256": digest,
            "counts": counts,
            "migrations": _migrations(),
            "encryption": "age" if passphrase is not None else None,
        }
        if passphrase is not None:
            params = {
                "log_n": SCRYPT_LOG_N,
                "r": SCRYPT_R,
                "p": SCRYPT_P,
                "salt": base64.b64encode(os.urandom(16)).decode("ascii"),
            }
            manifest["authentication"] = {
                "algorithm": "HMAC-SHA256",
                "key": "passphrase",
                "kdf": "scrypt",
                **params,
            }
            mac_key, kind, kid = _scrypt(passphrase, params), "passphrase", ""
        else:
            assert signing_key is not None
            kid = key_id(signing_key)
            manifest["authentication"] = {
                "algorithm": "HMAC-SHA256",
                "key": "backup-key",
                "key_id": kid,
            }
            mac_key, kind = signing_key.encode("utf-8"), "backup-key"
        manifest["hmac"] = _mac(mac_key, manifest)
        with _temporary(manifest_path(target)) as tmp_manifest:
            tmp_manifest.write_text(
                json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                encoding="utf-8",
            )
            _fsync(tmp_manifest)
            os.replace(tmp, target)
            os.replace(tmp_manifest, manifest_path(target))
    _fsync_dir(target.parent)
    report = BackupReport(
        target,
        manifest_path(target),
        engine,
        digest,
        size,
        counts,
        created,
        encrypted=passphrase is not None,
        key=kind,
        key_id=kid,
    )
    audit.record("backup", str(target), {**report.record(), "counts": counts}, by=actor)
    return report


def _backup_sqlite() -> tuple[bytes, dict[str, int]]:
    """A consistent snapshot of the open SQLite database, as the bytes of a database
    file, and its row counts."""
    from django.db import connection

    connection.ensure_connection()
    snapshot = sqlite3.connect(":memory:")
    try:
        # One step (pages=-1): the whole database under one read lock, a consistent
        # snapshot even while other processes write.
        connection.connection.backup(snapshot)
        (check,) = snapshot.execute("PRAGMA quick_check").fetchone()
        if check != "ok":
            raise StoreError(
                _("the database fails SQLite's quick_check: %(result)s") % {"result": check}
            )
        counts = _sqlite_counts(snapshot)
        data = bytearray(snapshot.serialize())
    except sqlite3.Error as exc:
        raise StoreError(_("SQLite backup failed: %(error)s") % {"error": exc}) from None
    finally:
        snapshot.close()
    return _rollback_journal(data), counts


def _rollback_journal(data: bytearray) -> bytes:
    """The database file marked as using a rollback journal, not WAL (header bytes 18
    and 19): a complete copy has nothing in a -wal file, and an in-memory database
    cannot open a file marked WAL."""
    if data[18:20] == b"\x02\x02":
        data[18:20] = b"\x01\x01"
    return bytes(data)


def _sqlite_counts(db: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
            "ESCAPE '\\' ORDER BY name"
        )
    ]
    return {n: db.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


def _backup_postgres(tmp: Path) -> dict[str, int]:
    from django.db import connection

    pg_dump = find_pg_tool("pg_dump")
    connection.ensure_connection()
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.autocommit = True
        with raw.cursor() as cursor:
            # The row counts and pg_dump see the same snapshot.
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
            counts = _postgres_counts(cursor)
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    "--no-password",
                    f"--snapshot={snapshot}",
                    f"--file={tmp}",
                ],
                "pg_dump",
            )
            cursor.execute("COMMIT")
    finally:
        raw.close()
    return counts


def _postgres_counts(cursor: Any) -> dict[str, int]:
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
    )
    names = [row[0] for row in cursor.fetchall()]
    counts = {}
    for name in names:
        cursor.execute('SELECT count(*) FROM "{}"'.format(name.replace('"', '""')))
        counts[name] = cursor.fetchone()[0]
    return counts


def _encrypt(data: bytes, passphrase: str) -> bytes:
    import pyrage

    try:
        return pyrage.passphrase.encrypt(data, passphrase)
    except pyrage.EncryptError as exc:  # pragma: no cover - no known trigger
        raise StoreError(_("encryption failed: %(error)s") % {"error": exc}) from None


# -- restore --------------------------------------------------------------------------


def restore(
    path: str | os.PathLike[str],
    *,
    force: bool = False,
    actor: str | None = None,
    passphrase: Passphrase = None,
    key: str | None = None,
    unauthenticated: bool = False,
) -> RestoreReport:
    """Replace the configured database with the backup at ``path``, once it is verified
    (see the module's docstring); the live database is not touched before.

    ``passphrase``: the passphrase of an encrypted backup, or a function asked for it
    only when the backup is encrypted. ``key``: the backup key (a key file's text)
    instead of the installation's. ``unauthenticated``: accept a format-1 manifest,
    which has no HMAC. Audited as ``restore``, or ``restore-refused`` when refused.
    """
    from django.db import connection

    from vigil.cases import audit
    from vigil.cases.db import _migrate

    source = Path(path).expanduser().absolute()
    engine = _engine()
    if connection.in_atomic_block:
        raise StoreError(_("cannot restore from inside a transaction"))
    facts: dict[str, Any] = {}  # what is known of the backup, for a refusal's audit event
    try:
        manifest = read_manifest(source)
        facts.update(
            backup_made=str(manifest.get("created", "")),
            encrypted=manifest.get("encryption") is not None,
        )
        secret = authenticate(
            source, manifest, passphrase=passphrase, key=key, unauthenticated=unauthenticated
        )
        facts["authenticated"] = manifest["version"] >= 2
        _check_manifest(source, manifest)
        if manifest["engine"] != engine:
            raise InputError(
                # Translators: engines are "SQLite" or "PostgreSQL"; `--database` is an option.
                _(
                    "%(file)s: a %(theirs)s backup; the configured database is %(ours)s "
                    "(restore it into a %(theirs)s database, e.g. with `--database`)"
                )
                % {
                    "file": source,
                    "theirs": ENGINE_NAMES[manifest["engine"]],
                    "ours": ENGINE_NAMES[engine],
                }
            )
        _check_migrations(source, manifest)
        replaced = registry_counts()
        if any(replaced.values()) and not force:
            labels = _labels()
            held = ", ".join(f"{n:,} {labels.get(t, t)}" for t, n in replaced.items() if n)
            raise StoreError(
                # Translators: %(held)s lists counts of records, e.g. "3 cases, 2 users".
                _(
                    "the registry is not empty (%(held)s); restoring %(file)s would replace "
                    "it: back it up first, then restore with `--force`"
                )
                % {"held": held, "file": source}
            )
        data = _read_verified(source, manifest)
        facts["sha256"] = manifest["sha256"]
        if manifest.get("encryption") is not None:
            data = _decrypt(source, data, secret or "")
        if not data.startswith(MAGIC[engine]):
            raise InputError(
                _("%(file)s: not a %(engine)s backup (wrong header)")
                % {"file": source, "engine": ENGINE_NAMES[engine]}
            )
        expected = {t: int(n) for t, n in manifest["counts"].items()}
        if engine == "sqlite":
            staged = _stage_sqlite(source, data, expected)
            del data
            try:
                _swap_sqlite(source, staged)
            finally:
                staged.close()
        else:
            _restore_postgres(source, data, expected)
    except VigilError as exc:
        _audit_refusal(source, exc, facts, force, actor)
        raise

    # The live database is now the backup's.
    counts = table_counts()
    differ = [
        f"{t} {counts.get(t, 'missing')}≠{n}"
        for t, n in sorted(expected.items())
        if counts.get(t) != n
    ]
    problems = []
    if differ:
        problems.append(
            _("the row counts differ from the backup's: %(tables)s")
            % {"tables": "; ".join(differ[:10])}
        )
    try:
        _migrate()  # a backup from an older Vigil: bring its schema up to date
    except VigilError as exc:
        problems.append(
            _("its schema could not be brought up to date (%(error)s)") % {"error": exc}
        )
    report = RestoreReport(
        source,
        engine,
        manifest["sha256"],
        expected,
        str(manifest.get("created", "")),
        {t: n for t, n in replaced.items() if n},
        encrypted=manifest.get("encryption") is not None,
        authenticated=manifest["version"] >= 2,
        key=str((manifest.get("authentication") or {}).get("key", "")),
        key_id=str((manifest.get("authentication") or {}).get("key_id", "")),
    )
    detail = {
        **report.record(),
        "counts": expected,
        "forced": force,
        "replaced": report.replaced,
    }
    if problems:  # not expected (the copy was verified): said if it happens
        detail["problems_after_restore"] = problems
    audit.record("restore", str(source), detail, by=actor)
    if problems:
        raise StoreError(
            _("%(file)s: restored, but %(problems)s")
            % {"file": source, "problems": "; ".join(problems)}
        )
    return report


def _audit_refusal(
    source: Path, exc: VigilError, facts: dict[str, Any], force: bool, actor: str | None
) -> None:
    """Record a refused restore (the database is as it was). A database that cannot
    take the event does not hide the refusal's own error."""
    from django.db import DatabaseError

    from vigil.cases import audit

    detail = {
        "file": str(source),
        "reason": " ".join(str(exc).split()),
        "forced": force,
        **facts,
    }
    with suppress(DatabaseError):
        audit.record("restore-refused", str(source), detail, by=actor)


def read_manifest(source: Path) -> dict[str, Any]:
    """The manifest beside the backup at ``source``, parsed (not yet authenticated); an
    InputError naming what is wrong otherwise."""
    if not source.is_file():
        raise InputError(_("%(file)s: no such file") % {"file": source})
    mpath = manifest_path(source)
    if not mpath.is_file():
        raise InputError(
            _("%(file)s: not a Vigil backup (its manifest %(manifest)s is missing beside it)")
            % {"file": source, "manifest": mpath.name}
        )
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"), parse_constant=_no_constant)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(
            _("%(file)s: not a Vigil backup manifest (%(error)s)") % {"file": mpath, "error": exc}
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputError(_("%(file)s: not a Vigil backup manifest") % {"file": mpath})
    version = manifest.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise InputError(_("%(file)s: not a Vigil backup manifest (no version)") % {"file": mpath})
    if version > VERSION:
        raise InputError(
            _("%(file)s: backup format %(version)d is newer than this Vigil")
            % {"file": mpath, "version": version}
        )
    return manifest


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def authenticate(
    source: Path,
    manifest: dict[str, Any],
    *,
    passphrase: Passphrase = None,
    key: str | None = None,
    unauthenticated: bool = False,
) -> str | None:
    """Check the manifest's HMAC (InputError if it fails); the passphrase of an
    encrypted backup is returned (to decrypt it)."""
    mpath = manifest_path(source)

    def changed() -> InputError:
        return InputError(
            _(
                "%(file)s: the manifest fails authentication: the backup was changed after "
                "it was made, or was made with another key; nothing was restored"
            )
            % {"file": mpath}
        )

    if manifest["version"] == 1:
        if not unauthenticated:
            raise InputError(
                _(
                    "%(file)s: a format-1 manifest, which has no HMAC: nothing proves the "
                    "backup was not changed; restore it with `--unauthenticated` only if you "
                    "trust the file; nothing was restored"
                )
                % {"file": mpath}
            )
        if "hmac" in manifest or manifest.get("encryption") is not None:
            raise changed()
        return None
    auth, mac = manifest.get("authentication"), manifest.get("hmac")
    if (
        not isinstance(auth, dict)
        or auth.get("algorithm") != "HMAC-SHA256"
        or not isinstance(mac, str)
        or not re.fullmatch(r"[0-9a-f]{64}", mac)
    ):
        raise InputError(
            _(
                "%(file)s: the manifest fails authentication: the backup was changed after "
                "it was made, or was made with another key (its HMAC is missing); nothing "
                "was restored"
            )
            % {"file": mpath}
        )
    encrypted = manifest.get("encryption") is not None
    if auth.get("key") == "passphrase":
        if not encrypted or not _valid_kdf(auth):
            raise changed()
        secret = passphrase() if callable(passphrase) else passphrase
        if not secret:
            raise InputError(
                _(
                    "%(file)s: an encrypted backup: give its passphrase "
                    "(`--passphrase-stdin`, $VIGIL_BACKUP_PASSPHRASE, or type it at the "
                    "prompt); nothing was restored"
                )
                % {"file": source}
            )
        try:
            mac_key = _scrypt(secret, auth)
        except (ValueError, MemoryError, binascii.Error):
            raise changed() from None
        if not hmac.compare_digest(_mac(mac_key, manifest), mac):
            raise InputError(
                _(
                    "%(file)s: the manifest fails authentication with this passphrase: wrong "
                    "passphrase, or the backup was changed after it was made; nothing was "
                    "restored"
                )
                % {"file": mpath}
            )
        return secret
    if auth.get("key") != "backup-key" or encrypted:
        raise changed()
    mine = backup_key(key, create=False)
    if mine is None:
        from vigil.config import vigil_home

        raise InputError(
            # Translators: %(variable)s is an environment variable, %(path)s a key file.
            _(
                "%(file)s: signed with a backup key, and this machine has none (no "
                "$%(variable)s, no %(path)s): give the key of the machine that made it "
                "with `--key-file` or $%(variable)s; nothing was restored"
            )
            % {"file": source, "variable": KEY_ENV, "path": vigil_home() / KEY_FILE}
        )
    if not hmac.compare_digest(_mac(mine.encode("utf-8"), manifest), mac):
        theirs, ours = str(auth.get("key_id", "?"))[:16], key_id(mine)
        if theirs == ours:
            raise changed()
        raise InputError(
            # Translators: the two key ids are short hexadecimal names of backup keys.
            _(
                "%(file)s: the manifest fails authentication: the backup was changed after "
                "it was made, or was made with another key (signed with key %(theirs)s, "
                "this key is %(ours)s); nothing was restored"
            )
            % {"file": mpath, "theirs": theirs, "ours": ours}
        )
    return None


def _valid_kdf(auth: dict[str, Any]) -> bool:
    """scrypt parameters within bounds (they come from the file: no 64 GB of memory)."""

    def small_int(name: str, low: int, high: int) -> bool:
        value = auth.get(name)
        return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high

    salt = auth.get("salt")
    return (
        auth.get("kdf") == "scrypt"
        and small_int("log_n", 10, 20)
        and small_int("r", 1, 8)
        and small_int("p", 1, 4)
        and isinstance(salt, str)
        and 16 <= len(salt) <= 128
    )


def _check_manifest(source: Path, manifest: dict[str, Any]) -> None:
    """The manifest has what a restore needs, of the right types."""
    mpath = manifest_path(source)
    counts, migrations = manifest.get("counts"), manifest.get("migrations", {})
    ok = (
        manifest.get("engine") in MAGIC
        and isinstance(counts, dict)
        and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in counts.values())
        and isinstance(manifest.get("sha256"), str)
        and isinstance(manifest.get("bytes"), int)
        and isinstance(migrations, dict)
        and all(
            isinstance(v, list) and all(isinstance(n, str) for n in v) for v in migrations.values()
        )
        and manifest.get("encryption") in (None, "age")
    )
    if not ok:
        raise InputError(
            _("%(file)s: incomplete manifest (engine, counts, sha256 or size)") % {"file": mpath}
        )


def _read_verified(source: Path, manifest: dict[str, Any]) -> bytes:
    """The backup file's bytes, read once, if their size and sha256 are the manifest's
    (what is checked is what is restored: the file is not read again)."""
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise InputError(
            _("%(file)s: cannot read (%(error)s)") % {"file": source, "error": exc.strerror}
        ) from None
    if len(data) != manifest["bytes"] or hashlib.sha256(data).hexdigest() != manifest["sha256"]:
        raise InputError(
            _(
                "%(file)s: its sha256 is not the one recorded at backup: the file is "
                "corrupted or was changed; nothing was restored"
            )
            % {"file": source}
        )
    return data


def _decrypt(source: Path, data: bytes, passphrase: str) -> bytes:
    import pyrage

    if not data.startswith(AGE_MAGIC):
        raise InputError(
            _("%(file)s: not an age-encrypted file; nothing was restored") % {"file": source}
        )
    try:
        return pyrage.passphrase.decrypt(data, passphrase)
    except pyrage.DecryptError:
        raise InputError(
            _(
                "%(file)s: cannot be decrypted with this passphrase (wrong passphrase, or "
                "the file is damaged); nothing was restored"
            )
            % {"file": source}
        ) from None


def _stage_sqlite(source: Path, data: bytes, expected: dict[str, int]) -> sqlite3.Connection:
    """The backup as a private in-memory database, once it passes SQLite's integrity
    check and holds the manifest's tables, rows and known migrations."""
    staged = sqlite3.connect(":memory:")
    try:
        staged.deserialize(_rollback_journal(bytearray(data)))
        problems = [row[0] for row in staged.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise InputError(
                _("%(file)s: fails SQLite's integrity check (%(problems)s); nothing was restored")
                % {"file": source, "problems": "; ".join(problems[:3])}
            )
        counts = _sqlite_counts(staged)
        _compare_counts(source, counts, expected)
        if "django_migrations" in counts:
            applied = staged.execute("SELECT app, name FROM django_migrations").fetchall()
            _refuse_unknown(source, [(str(a), str(n)) for a, n in applied])
    except sqlite3.Error as exc:
        staged.close()
        raise InputError(
            _("%(file)s: fails SQLite's integrity check (%(problems)s); nothing was restored")
            % {"file": source, "problems": exc}
        ) from None
    except BaseException:
        staged.close()
        raise
    return staged


def _compare_counts(source: Path, counts: dict[str, int], expected: dict[str, int]) -> None:
    differ = [
        f"{t} {counts.get(t, 'missing')}≠{n}"
        for t, n in sorted(expected.items())
        if counts.get(t) != n
    ] + [f"{t} not in the manifest" for t in sorted(set(counts) - set(expected))]
    if differ:
        raise InputError(
            # Translators: %(tables)s lists tables as "name 3≠4" or "name not in the manifest".
            _(
                "%(file)s: its tables and row counts are not the manifest's: %(tables)s; "
                "nothing was restored"
            )
            % {"file": source, "tables": "; ".join(differ[:5])}
        )


def _swap_sqlite(source: Path, staged: sqlite3.Connection) -> None:
    """The verified copy into Django's open connection, in one step of the backup API:
    one write transaction, all or nothing."""
    from django.db import connection

    connection.ensure_connection()
    try:
        staged.backup(connection.connection)
    except sqlite3.Error as exc:
        raise StoreError(
            _("SQLite restore of %(file)s failed (%(error)s); the database was left as it was")
            % {"file": source, "error": exc}
        ) from None


def _restore_postgres(source: Path, data: bytes, expected: dict[str, int]) -> None:
    """The archive checked by pg_restore, turned into SQL, and run by psql in one
    transaction that verifies the rows before its COMMIT."""
    from django.db import connection

    pg_restore = find_pg_tool("pg_restore")
    psql = _beside(pg_restore, "psql")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        (schema,) = cursor.fetchone()
        live = _postgres_counts(cursor)
    with _private_dir() as private:
        archive = private / "backup.dump"
        _write_private(archive, data)
        del data
        for command, what in (
            ([pg_restore, "--list", str(archive)], "pg_restore --list"),
            (
                [
                    pg_restore,
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--exit-on-error",
                    f"--file={private / 'restore.sql'}",
                    str(archive),
                ],
                "pg_restore",
            ),
        ):
            done = _run_capture(command)
            if done.returncode != 0:
                raise InputError(
                    # Translators: %(program)s is a command such as "pg_restore --list".
                    _(
                        "%(file)s: %(program)s cannot read the archive (%(error)s); "
                        "nothing was restored"
                    )
                    % {"file": source, "program": what, "error": _first_error(done)}
                )
        prelude = private / "prelude.sql"
        prelude.write_text(
            "".join(
                f"DROP TABLE IF EXISTS {_ident(schema)}.{_ident(t)} CASCADE;\n"
                for t in sorted(set(live) - set(expected))
            )
            or "-- nothing to drop\n",
            encoding="utf-8",
        )
        check = private / "check.sql"
        check.write_text(_postgres_check(schema, expected), encoding="utf-8")
        connection.close()  # no idle connection of ours in the way of the DROPs
        done = _run_capture(
            [
                psql,
                "-X",
                "-q",
                "--no-password",
                "-v",
                "ON_ERROR_STOP=1",
                "--single-transaction",
                f"--dbname={connection.settings_dict['NAME']}",
                "-f",
                str(prelude),
                "-f",
                str(private / "restore.sql"),
                "-f",
                str(check),
            ]
        )
    if done.returncode != 0:
        found = re.search(r"vigil-check: ([^\n]*)", done.stderr or "")
        if found:
            raise InputError(
                # Translators: %(problem)s is the check's own finding (in English).
                _("%(file)s: %(problem)s; nothing was restored")
                % {"file": source, "problem": found.group(1)}
            )
        raise StoreError(
            _("restoring %(file)s failed, rolled back: the database was left as it was (%(error)s)")
            % {"file": source, "error": _first_error(done)}
        )


def _postgres_check(schema: str, expected: dict[str, int]) -> str:
    """A DO block raising ``vigil-check: …`` unless the restored tables hold exactly the
    manifest's rows and no migration is unknown here (psql runs it before COMMIT)."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    q = f"{_literal(schema)}"
    lines = ["DO $vigil$", "DECLARE n bigint; extra text; BEGIN"]
    for table, count in sorted(expected.items()):
        lines += [
            f"  SELECT count(*) INTO n FROM {_ident(schema)}.{_ident(table)};",
            f"  IF n <> {int(count)} THEN RAISE EXCEPTION 'vigil-check: its tables and row "
            f"counts are not the manifest''s: %', {_literal(table)} || ' ' || n || '!=' || "
            f"{int(count)}; END IF;",
        ]
    names = ", ".join(_literal(t) for t in sorted(expected)) or "NULL"
    lines += [
        "  SELECT string_agg(tablename, ', ') INTO extra FROM pg_catalog.pg_tables",
        f"   WHERE schemaname = {q} AND tablename::text NOT IN ({names});",
        "  IF extra IS NOT NULL THEN RAISE EXCEPTION 'vigil-check: its tables and row counts "
        "are not the manifest''s: % not in the manifest', extra; END IF;",
    ]
    if "django_migrations" in expected:
        loader = MigrationLoader(connection, ignore_no_migrations=True)
        known = ", ".join(
            f"({_literal(app)}, {_literal(name)})" for app, name in sorted(loader.disk_migrations)
        )
        lines += [
            "  SELECT string_agg(app || '.' || name, ', ') INTO extra FROM "
            f"{_ident(schema)}.django_migrations",
            f"   WHERE (app::text, name::text) NOT IN (VALUES {known});",
            "  IF extra IS NOT NULL THEN RAISE EXCEPTION 'vigil-check: made by a newer Vigil "
            "(schema migrations % are unknown here); upgrade Vigil, then restore', extra; "
            "END IF;",
        ]
    lines += ["END", "$vigil$;", ""]
    return "\n".join(lines)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _beside(tool: str, name: str) -> str:
    """``name`` from the directory of ``tool`` (psql of pg_restore's version), else
    found like ``tool``."""
    candidate = Path(tool).with_name(name)
    return str(candidate) if os.access(candidate, os.X_OK) else find_pg_tool(name)


def _first_error(done: subprocess.CompletedProcess[str]) -> str:
    lines = [ln for ln in (done.stderr or done.stdout or "").splitlines() if ln.strip()]
    errors = [ln for ln in lines if "error" in ln.lower()] or lines or [f"exit {done.returncode}"]
    return " ".join(errors[0].split())[:300]


# -- what the database holds ----------------------------------------------------------


def table_counts() -> dict[str, int]:
    """Rows per table of the configured database (the tables a backup counts)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            return _postgres_counts(cursor)
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
            "ESCAPE '\\' ORDER BY name"
        )
        names = [row[0] for row in cursor.fetchall()]
        counts = {}
        for name in names:
            cursor.execute(f'SELECT count(*) FROM "{name}"')
            counts[name] = cursor.fetchone()[0]
        return counts


def registry_counts() -> dict[str, int]:
    """Rows of the registry's own tables and of the users: what a restore overwrites
    (the groups, permissions and migrations every new database has are not counted)."""
    from django.apps import apps
    from django.contrib.auth import get_user_model

    models = [*apps.get_app_config("cases").get_models(), get_user_model()]
    return {m._meta.db_table: m._base_manager.count() for m in models}


def _labels() -> dict[str, str]:
    from django.apps import apps
    from django.contrib.auth import get_user_model

    models = [*apps.get_app_config("cases").get_models(), get_user_model()]
    return {m._meta.db_table: str(m._meta.verbose_name_plural) for m in models}


# -- helpers --------------------------------------------------------------------------


def _engine() -> str:
    from django.db import connection

    if connection.vendor == "sqlite":
        return "sqlite"
    if connection.vendor == "postgresql":
        return "postgresql"
    raise StoreError(
        _("backups support SQLite and PostgreSQL, not %(engine)s") % {"engine": connection.vendor}
    )


def _migrations() -> dict[str, list[str]]:
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def _check_migrations(source: Path, manifest: dict[str, Any]) -> None:
    _refuse_unknown(
        source,
        [
            (app, name)
            for app, names in (manifest.get("migrations") or {}).items()
            for name in names
        ],
    )


def _refuse_unknown(source: Path, applied: list[tuple[str, str]]) -> None:
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(connection, ignore_no_migrations=True).disk_migrations)
    unknown = sorted(f"{app}.{name}" for app, name in applied if (app, name) not in known)
    if unknown:
        raise InputError(
            _(
                "%(file)s: made by a newer Vigil (schema migrations %(migrations)s are "
                "unknown here); upgrade Vigil, then restore; nothing was restored"
            )
            % {"file": source, "migrations": ", ".join(unknown[:3])}
        )


def find_pg_tool(name: str) -> str:
    """``pg_dump``, ``pg_restore`` or ``psql`` of the server's major version when
    installed (Debian's /usr/lib/postgresql/N/bin), else the newest one not older than
    the server."""
    from django.db import connection

    connection.ensure_connection()
    # pg_version exists on the PostgreSQL backend only, which the stubs cannot know here.
    server = connection.pg_version // 10000  # type: ignore[attr-defined]
    candidates = [f"/usr/lib/postgresql/{server}/bin/{name}"]
    on_path = shutil.which(name)
    if on_path:
        candidates.append(on_path)
    candidates += sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(re.sub(r"\D", "", p.split("/")[4]) or 0),
        reverse=True,
    )
    seen = []
    for candidate in candidates:
        if not os.access(candidate, os.X_OK) or candidate in seen:
            continue
        seen.append(candidate)
        major = _tool_major(candidate)
        if major is not None and major >= server:
            return candidate
    found = ", ".join(f"{c} ({_tool_major(c)})" for c in seen) or "none"
    raise StoreError(
        # Translators: %(program)s is pg_dump, pg_restore or psql; %(version)d a major version.
        _(
            "%(program)s for PostgreSQL %(version)d not found (found: %(found)s); install "
            "the PostgreSQL %(version)d client programs (Debian: "
            "postgresql-client-%(version)d)"
        )
        % {"program": name, "version": server, "found": found}
    )


def _tool_major(path: str) -> int | None:
    try:
        out = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except OSError:
        return None
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(match.group(1)) if match else None


def _pg_env() -> dict[str, str]:
    """The connection of Django's settings as libpq environment variables (the password
    never appears on a command line)."""
    from django.db import connection

    s = connection.settings_dict
    env = dict(os.environ)
    for key, var in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("NAME", "PGDATABASE"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        if s.get(key):
            env[var] = str(s[key])
    options = s.get("OPTIONS") or {}
    for key in ("sslmode", "sslrootcert", "sslcert", "sslkey", "application_name"):
        if options.get(key):
            env["PG" + key.upper().replace("APPLICATION_NAME", "APPNAME")] = str(options[key])
    return env


def _run_capture(command: list[str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(command, env=_pg_env(), capture_output=True, text=True, check=False)
    except OSError as exc:
        raise StoreError(
            _("cannot run %(program)s: %(error)s") % {"program": command[0], "error": exc.strerror}
        ) from None


def _run(command: list[str], what: str) -> None:
    done = _run_capture(command)
    if done.returncode != 0:
        message = " ".join((done.stderr or done.stdout).split())
        raise StoreError(
            _("%(program)s failed (exit %(code)d): %(message)s")
            % {"program": what, "code": done.returncode, "message": message[:500]}
        )


@contextmanager
def _temporary(target: Path) -> Iterator[Path]:
    """A new empty file beside ``target``, mode 0600, removed unless renamed away."""
    try:
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(
            _("%(dir)s: cannot write (%(error)s)") % {"dir": target.parent, "error": exc.strerror}
        ) from None
    os.close(fd)
    tmp = Path(name)
    os.chmod(tmp, 0o600)
    try:
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)
        for suffix in ("-journal", "-wal", "-shm"):
            Path(name + suffix).unlink(missing_ok=True)


@contextmanager
def _private_dir() -> Iterator[Path]:
    """A temporary directory only we can enter (mode 0700, under $TMPDIR), removed with
    everything in it."""
    try:
        name = tempfile.mkdtemp(prefix="vigil-backup-")
    except OSError as exc:
        raise StoreError(
            _("cannot make a temporary directory (%(error)s)") % {"error": exc.strerror}
        ) from None
    try:
        yield Path(name)
    finally:
        shutil.rmtree(name, ignore_errors=True)


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _sha256(path: Path) -> tuple[str, int]:
    h, size = hashlib.sha256(), 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def _fsync(path: Path) -> None:
    with path.open("rb+") as f:
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _same_file(target: Path, name: object) -> bool:
    text = str(name or "")
    if not text or text == ":memory:" or "mode=memory" in text:
        return False
    try:
        return target.exists() and Path(text).exists() and os.path.samefile(target, text)
    except OSError:
        return False


def _vigil_version() -> str:
    try:
        from vigil import __version__

        return __version__
    except ImportError:  # pragma: no cover
        return ""
