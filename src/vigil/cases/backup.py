"""Backups of the cases registry, and restoring them (`vigil cases backup` / `restore`).

A backup is two files side by side:

- ``FILE``: the database itself, in its engine's native format, so that it can be read
  with the engine's own tools in an emergency: a SQLite database (a consistent
  snapshot taken with SQLite's online backup API while others may be writing), or a
  ``pg_dump --format=custom`` archive (taken in one exported snapshot);
- ``FILE.json``: the manifest: engine, date, Vigil version, the sha256 and size of
  ``FILE``, the row count of every table in the snapshot and the schema's migrations.

Both are written atomically (a temporary file renamed into place) with mode 0600: the
registry holds restricted data. :func:`restore` checks the manifest and the sha256
before it touches anything, refuses to overwrite a registry that holds data unless
``force``, restores (SQLite: the backup API into the open database, in one step;
PostgreSQL: ``pg_restore --clean --if-exists --no-owner --single-transaction``), and
checks that every table has the rows counted at backup. Both are audit events; the
``restore`` event is written after the restore, which replaced the audit table with
the one in the backup (the ``backup`` event of a backup is therefore not inside it).
"""

from __future__ import annotations

import datetime as dt
import glob
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from vigil.errors import InputError, StoreError

FORMAT = "vigil-cases-backup"
VERSION = 1
MAGIC = {"sqlite": b"SQLite format 3\x00", "postgresql": b"PGDMP"}
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@dataclass(frozen=True)
class BackupReport:
    path: Path
    manifest: Path
    engine: str
    sha256: str
    bytes: int
    counts: dict[str, int]
    created: str

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
        }


@dataclass(frozen=True)
class RestoreReport:
    path: Path
    engine: str
    sha256: str
    counts: dict[str, int]
    created: str  # when the backup was made
    replaced: dict[str, int] = field(default_factory=dict)  # registry rows overwritten

    def record(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "engine": self.engine,
            "sha256": self.sha256,
            "backup_made": self.created,
            "tables": len(self.counts),
            "rows": sum(self.counts.values()),
            "replaced_rows": sum(self.replaced.values()),
        }


def manifest_path(path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    return path.with_name(path.name + ".json")


# -- backup ---------------------------------------------------------------------------


def backup(path: str | os.PathLike[str], *, actor: str | None = None) -> BackupReport:
    """Write a consistent backup of the configured database to ``path`` (and
    ``path.json``), atomically, mode 0600; audited as ``backup``."""
    from django.db import connection

    from vigil.cases import audit

    target = Path(path).expanduser().absolute()
    engine = _engine()
    if target.is_dir():
        raise InputError(f"{target}: is a directory; give a file name for the backup")
    if not target.parent.is_dir():
        raise InputError(f"{target.parent}: no such directory")
    if engine == "sqlite" and _same_file(target, connection.settings_dict["NAME"]):
        raise InputError(f"{target}: is the database itself; back up to another file")

    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with _temporary(target) as tmp:
        counts = _backup_sqlite(tmp) if engine == "sqlite" else _backup_postgres(tmp)
        _fsync(tmp)
        digest, size = _sha256(tmp)
        manifest = {
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
        }
        with _temporary(manifest_path(target)) as tmp_manifest:
            tmp_manifest.write_text(
                json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
            )
            _fsync(tmp_manifest)
            os.replace(tmp, target)
            os.replace(tmp_manifest, manifest_path(target))
    _fsync_dir(target.parent)
    report = BackupReport(target, manifest_path(target), engine, digest, size, counts, created)
    audit.record("backup", str(target), {**report.record(), "counts": counts}, by=actor)
    return report


def _backup_sqlite(tmp: Path) -> dict[str, int]:
    from django.db import connection

    if connection.in_atomic_block:
        raise StoreError(
            "cannot back up from inside a transaction (it would copy uncommitted rows)"
        )
    connection.ensure_connection()
    snapshot = sqlite3.connect(tmp)
    try:
        # One step (pages=-1): the whole database under one read lock, a consistent
        # snapshot even while other processes write.
        connection.connection.backup(snapshot)
        (check,) = snapshot.execute("PRAGMA quick_check").fetchone()
        if check != "ok":
            raise StoreError(f"the database fails SQLite's quick_check: {check}")
        return _sqlite_counts(snapshot)
    except sqlite3.Error as exc:
        raise StoreError(f"SQLite backup failed: {exc}") from None
    finally:
        snapshot.close()


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


# -- restore --------------------------------------------------------------------------


def restore(
    path: str | os.PathLike[str], *, force: bool = False, actor: str | None = None
) -> RestoreReport:
    """Replace the configured database with the backup at ``path``.

    Checks the manifest, sha256, format and engine first; refuses a registry holding
    data unless ``force``; verifies the row counts afterwards; audited as ``restore``.
    """
    from django.db import connection

    from vigil.cases import audit
    from vigil.cases.db import _migrate

    source = Path(path).expanduser().absolute()
    manifest = read_manifest(source)
    engine = _engine()
    if manifest["engine"] != engine:
        raise InputError(
            f"{source}: a {ENGINE_NAMES.get(manifest['engine'], manifest['engine'])} backup; "
            f"the configured database is {ENGINE_NAMES[engine]} (restore it into a "
            f"{ENGINE_NAMES.get(manifest['engine'], '')} database, e.g. with --database)"
        )
    _check_migrations(source, manifest)
    replaced = registry_counts()
    if any(replaced.values()) and not force:
        labels = _labels()
        held = ", ".join(f"{n:,} {labels.get(t, t)}" for t, n in replaced.items() if n)
        raise StoreError(
            f"the registry is not empty ({held}); restoring would replace it: back it up "
            "first, then restore with --force"
        )
    if connection.in_atomic_block:
        raise StoreError("cannot restore from inside a transaction")

    if engine == "sqlite":
        _restore_sqlite(source)
        counts = table_counts()
    else:
        _restore_postgres(source)
        counts = table_counts()
    expected = {t: int(n) for t, n in manifest["counts"].items()}
    differ = [
        f"{t} {counts.get(t, 'missing')}≠{n}"
        for t, n in sorted(expected.items())
        if counts.get(t) != n
    ]
    if differ:
        raise StoreError(
            f"{source}: restored, but the row counts differ from the backup's: "
            + "; ".join(differ[:10])
        )
    _migrate()  # a backup from an older Vigil: bring its schema up to date
    report = RestoreReport(
        source,
        engine,
        manifest["sha256"],
        expected,
        manifest.get("created", ""),
        {t: n for t, n in replaced.items() if n},
    )
    audit.record(
        "restore",
        str(source),
        {**report.record(), "forced": force, "replaced": report.replaced},
        by=actor,
    )
    return report


def read_manifest(source: Path) -> dict[str, Any]:
    """The manifest of the backup at ``source``, once the file matches it (sha256,
    size, format); else an InputError naming what is wrong."""
    if not source.is_file():
        raise InputError(f"{source}: no such file")
    mpath = manifest_path(source)
    if not mpath.is_file():
        raise InputError(
            f"{source}: not a Vigil backup (its manifest {mpath.name} is missing beside it)"
        )
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{mpath}: not a Vigil backup manifest ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputError(f"{mpath}: not a Vigil backup manifest")
    if manifest.get("version", 0) > VERSION:
        raise InputError(
            f"{mpath}: backup format {manifest.get('version')} is newer than this Vigil"
        )
    if manifest.get("engine") not in MAGIC or not isinstance(manifest.get("counts"), dict):
        raise InputError(f"{mpath}: incomplete manifest (engine or counts missing)")
    digest, size = _sha256(source)
    if digest != manifest.get("sha256") or size != manifest.get("bytes"):
        raise InputError(
            f"{source}: its sha256 is not the one recorded at backup: the file is corrupted "
            "or was changed; nothing was restored"
        )
    with source.open("rb") as f:
        head = f.read(16)
    if not head.startswith(MAGIC[manifest["engine"]]):
        raise InputError(f"{source}: not a {ENGINE_NAMES[manifest['engine']]} backup")
    return manifest


def _restore_sqlite(source: Path) -> None:
    from django.db import connection

    connection.ensure_connection()
    backup_db = sqlite3.connect(f"file:{quote(str(source))}?mode=ro", uri=True)
    try:
        backup_db.backup(connection.connection)  # one step: all or nothing
    except sqlite3.Error as exc:
        raise StoreError(f"SQLite restore failed: {exc}") from None
    finally:
        backup_db.close()


def _restore_postgres(source: Path) -> None:
    from django.db import connection

    pg_restore = find_pg_tool("pg_restore")
    connection.close()  # no idle connection of ours in the way of the DROPs
    _run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--no-password",
            f"--dbname={connection.settings_dict['NAME']}",
            str(source),
        ],
        "pg_restore",
    )


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
    raise StoreError(f"backups support SQLite and PostgreSQL, not {connection.vendor}")


def _migrations() -> dict[str, list[str]]:
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def _check_migrations(source: Path, manifest: dict[str, Any]) -> None:
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(connection, ignore_no_migrations=True).disk_migrations)
    unknown = [
        f"{app}.{name}"
        for app, names in (manifest.get("migrations") or {}).items()
        for name in names
        if (app, name) not in known
    ]
    if unknown:
        raise InputError(
            f"{source}: made by a newer Vigil (schema migrations {', '.join(unknown[:3])} "
            "are unknown here); upgrade Vigil, then restore"
        )


def find_pg_tool(name: str) -> str:
    """``pg_dump`` or ``pg_restore`` of the server's major version when installed
    (Debian's /usr/lib/postgresql/N/bin), else the newest one not older than the server."""
    from django.db import connection

    connection.ensure_connection()
    server = connection.pg_version // 10000
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
        f"{name} for PostgreSQL {server} not found (found: {found}); install the PostgreSQL "
        f"{server} client programs (Debian: postgresql-client-{server})"
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


def _run(command: list[str], what: str) -> None:
    try:
        done = subprocess.run(command, env=_pg_env(), capture_output=True, text=True, check=False)
    except OSError as exc:
        raise StoreError(f"cannot run {command[0]}: {exc.strerror}") from None
    if done.returncode != 0:
        message = " ".join((done.stderr or done.stdout).split())
        raise StoreError(f"{what} failed (exit {done.returncode}): {message[:500]}")


@contextmanager
def _temporary(target: Path) -> Iterator[Path]:
    """A new empty file beside ``target``, mode 0600, removed unless renamed away."""
    try:
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"{target.parent}: cannot write ({exc.strerror})") from None
    os.close(fd)
    tmp = Path(name)
    os.chmod(tmp, 0o600)
    try:
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)
        for suffix in ("-journal", "-wal", "-shm"):
            Path(name + suffix).unlink(missing_ok=True)


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
