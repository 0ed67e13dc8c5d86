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


def cache_dir() -> Path:
    """Where downloads are cached (``VIGIL_CACHE`` overrides ``<home>/cache``)."""
    env = os.environ.get("VIGIL_CACHE")
    if env:
        return Path(env).expanduser()
    return vigil_home() / "cache"
