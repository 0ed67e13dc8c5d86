"""Paths and settings resolution: flags beat environment variables beat defaults."""

from __future__ import annotations

import os
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
