"""Paths and settings resolution: flags beat environment variables beat defaults."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import platformdirs

APP_NAME = "vigil"


def vigil_home() -> Path:
    """The per-user data directory (``VIGIL_HOME`` overrides the platform default)."""
    env = os.environ.get("VIGIL_HOME")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def resolve_store(path: str | os.PathLike[str] | None = None) -> Path:
    """The territory store to use: ``path`` if given, else ``VIGIL_STORE``, else the default.

    The default is ``territory.sqlite`` in :func:`vigil_home`.
    """
    if path:
        return Path(path).expanduser()
    env = os.environ.get("VIGIL_STORE")
    if env:
        return Path(env).expanduser()
    return vigil_home() / "territory.sqlite"


def database_url(url: str | None = None) -> str:
    """The cases database: ``url`` if given, else ``DATABASE_URL``, else a SQLite file.

    A plain path (``cases.sqlite``, ``~/vigil/cases.db``) is read as a SQLite file.
    The default is ``cases.sqlite`` in :func:`vigil_home`.
    """
    value = url or os.environ.get("DATABASE_URL") or str(vigil_home() / "cases.sqlite")
    if "://" not in value:
        value = "sqlite:///" + str(Path(value).expanduser().resolve())
    return value


def database_config(url: str | None = None) -> dict[str, object]:
    """Django's ``DATABASES['default']`` for :func:`database_url`."""
    import dj_database_url

    config = dict(dj_database_url.parse(database_url(url), conn_max_age=0))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Writers queue for the lock instead of failing half-way ("database is locked").
        config["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    return config


def cache_dir() -> Path:
    """Where downloads are cached (``VIGIL_CACHE`` overrides ``<home>/cache``)."""
    env = os.environ.get("VIGIL_CACHE")
    if env:
        return Path(env).expanduser()
    return vigil_home() / "cache"


def kept_secret(name: str, env: str) -> str:
    """A secret of this installation: ``$env`` when set, else a random value made once
    and kept (mode 0600) as ``name`` in the data directory (:func:`vigil_home`).

    Used for the web site's secret key and the audit trail's hashing key: neither may
    live in the database whose contents it protects.
    """
    value = os.environ.get(env)
    if value:
        return value
    path = vigil_home() / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()
