"""Shared fixtures: where the reference data lives, and small stores."""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# No deadline for any property test: how long an example takes is the benchmarks' job,
# never a test's. Hypothesis's default (200 ms) failed CI when the first example paid a
# lazy import (pypinyin, 0.3 s) on a loaded machine while the code was right.
settings.register_profile("vigil", deadline=None)
settings.load_profile("vigil")

# The suite reads English output: the CLI would otherwise follow the machine's locale
# (vigil.i18n.from_environment). Tests of other languages set their own.
os.environ["LANGUAGE"] = "en"

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


# --- the bundled daily archive, ingested once -----------------------------------------------
# Ingesting the 769 daily maps takes ~10 s idle (a minute on a busy machine); the suite
# used to do it six times. It is done once per run: under pytest-xdist the first worker
# to need a store builds it in the run's shared temporary directory while the others
# wait on a lock, then all read the same file (SQLite readers do not block each other).


@contextlib.contextmanager
def _run_wide(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[Path]:
    """A directory ``name`` shared by every xdist worker of this run (the session's own
    temporary directory without xdist), held under an exclusive lock while in use."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # pytest-N/, the run's directory above popen-gwK/
    folder = base / name
    folder.mkdir(exist_ok=True)
    with (base / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield folder
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def copy_store(source: Path, target: Path) -> Path:
    """A consistent copy of the SQLite store ``source`` at ``target`` (SQLite's backup
    API: safe while other processes read ``source``)."""
    with (
        contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)
    return target


@pytest.fixture(scope="session")
def daily_store(tmp_path_factory: pytest.TempPathFactory, daily_archive: Path) -> Path:
    """A store holding the bundled daily archive (769 snapshots, maps of 2024-07-07 …
    2026-08-21), ingested once per run with ``Territory.ingest``. Read it, never write it: a test
    that changes a store takes :func:`daily_store_copy`."""
    from vigil.territory import open_store

    with _run_wide(tmp_path_factory, "daily-store") as folder:
        path = folder / "daily.sqlite"
        if not path.exists():
            building = folder / "building.sqlite"
            with open_store(building, create=True) as t:
                report = t.ingest([daily_archive])
            assert (report.added, report.replaced, report.unchanged) == (769, [], 0)
            building.rename(path)  # closed: the WAL is checkpointed into the file
    return path


@pytest.fixture(scope="session")
def daily_geo_store(tmp_path_factory: pytest.TempPathFactory, daily_store: Path) -> Path:
    """:func:`daily_store` plus the shipped geography (oblasts, raions, hromadas and the
    settlement gazetteer): the store ``make demo`` builds. Read it, never write it."""
    from vigil.territory import open_store

    with _run_wide(tmp_path_factory, "daily-geo-store") as folder:
        path = folder / "daily-geo.sqlite"
        if not path.exists():
            building = copy_store(daily_store, folder / "building.sqlite")
            with open_store(building) as t:
                t.import_geography(None, "")
            building.rename(path)
    return path


@pytest.fixture
def daily_store_copy(tmp_path: Path, daily_store: Path) -> Path:
    """A private copy of :func:`daily_store` under ``tmp_path``, free to change."""
    return copy_store(daily_store, tmp_path / "daily.sqlite")


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
