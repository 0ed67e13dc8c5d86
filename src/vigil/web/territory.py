"""The territory store as the web site sees it: read-only, one handle per thread, and
a content version for HTTP caching (ETag, Last-Modified, the response cache key)."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from vigil.errors import StoreError
from vigil.i18n import gettext as _
from vigil.territory import open_store
from vigil.territory.api import Territory

_local = threading.local()


def store() -> Territory:
    """This thread's handle on the configured store (``settings.VIGIL_STORE``)."""
    path = Path(settings.VIGIL_STORE)
    current: Territory | None = getattr(_local, "territory", None)
    if current is None or getattr(_local, "path", None) != path:
        if not path.exists():
            raise StoreError(
                # Translators: %(path)s is a file's path; VIGIL_STORE and the command stay.
                _("%(path)s: no territory store (set VIGIL_STORE, or run `vigil territory ingest`)")
                % {"path": path}
            )
        current = open_store(path)
        _local.territory, _local.path = current, path
    return current


@dataclass(frozen=True)
class Version:
    """What identifies the store's content: changes with every ingest or import."""

    tag: str  # for ETag and cache keys
    modified: dt.datetime  # for Last-Modified (the last ingest or import)


_versions: dict[tuple, Version] = {}


def _stat(path: Path) -> tuple:
    """What changes when the store is written: the file's and its journal's stamps."""
    out: list[tuple[int, int] | None] = []  # (mtime in ns, size); None: no such file
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")):
        try:
            s = p.stat()
            out.append((s.st_mtime_ns, s.st_size))
        except FileNotFoundError:
            out.append(None)
    return (str(path), *out)


def version() -> Version:
    """The store's content version; read from the store only when its files changed
    (a stat instead of three queries on every request)."""
    key = _stat(Path(settings.VIGIL_STORE))
    known = _versions.get(key)
    if known is None:
        known = _read_version()
        _versions.clear()  # one store, one current version
        _versions[key] = known
    return known


def _read_version() -> Version:
    db = store().store.db
    ingest = db.execute("SELECT max(id), max(finished_at), count(*) FROM ingests").fetchone()
    geo = db.execute("SELECT max(id), count(*) FROM geography_imports").fetchone()
    snaps = db.execute("SELECT count(*), max(id) FROM snapshots").fetchone()
    raw = f"{ingest}|{geo}|{snaps}|{settings.VIGIL_STORE}"
    tag = hashlib.sha256(raw.encode()).hexdigest()[:20]
    stamp = ingest[1] or "1970-01-01T00:00:00+00:00"
    modified = dt.datetime.fromisoformat(stamp)
    if modified.tzinfo is None:
        modified = modified.replace(tzinfo=dt.UTC)
    return Version(tag, modified)
