"""Shared fixtures: where the reference data lives, and small stores."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# The reference data sits beside the repository (../shared/data), read-only.
SHARED_DATA = Path(os.environ.get("VIGIL_SHARED_DATA", REPO.parent / "shared" / "data"))
DAILY_ARCHIVE = SHARED_DATA / "deepstate-daily-2024-07-08_2026-08-22.tar.xz"
RAW_ARCHIVE = SHARED_DATA / "deepstate-raw-2022-04-03_2025-08-03.tar.xz"
DEMO_ARCHIVE = REPO / "data" / "demo" / "deepstate-daily-2024-07-08_2026-08-22.tar.xz"


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"reference data not found: {path} (see ../shared/data/README.md)")
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The ../shared/data directory; skips the test when it is absent."""
    return _need(SHARED_DATA)


@pytest.fixture(scope="session")
def raw_archive() -> Path:
    """The raw DeepState archive (1,359 snapshots); skips when absent."""
    return _need(RAW_ARCHIVE)


@pytest.fixture(scope="session")
def daily_archive() -> Path:
    """The daily DeepState archive: the bundled demo copy (always in the repository)."""
    return _need(DEMO_ARCHIVE)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """No test touches the user's real data directory or store."""
    home = tmp_path_factory.mktemp("vigil-home")
    monkeypatch.setenv("VIGIL_HOME", str(home))
    monkeypatch.delenv("VIGIL_STORE", raising=False)
    monkeypatch.delenv("VIGIL_CACHE", raising=False)


@pytest.fixture(scope="session", autouse=True)
def _flush_past_append_only():
    """pytest-django empties the database after a transactional test with ``flush``
    (DELETE on SQLite), which the registry's append-only triggers refuse
    (vigil.cases.appendonly): drop them for the flush and put them back after."""
    from django.core.management.commands import flush

    original = flush.Command.handle

    def handle(self, **options):
        from django.db import connections

        from vigil.cases import appendonly

        connection = connections[options.get("database") or "default"]
        appendonly.uninstall(connection)
        try:
            return original(self, **options)
        finally:
            appendonly.install(connection)

    flush.Command.handle = handle
    yield
    flush.Command.handle = original
