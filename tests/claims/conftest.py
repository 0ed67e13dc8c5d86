"""Fixtures of the claims tests: the demo registry, and the whole DeepState history."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import DEMO_ARCHIVE, RAW_ARCHIVE, _need, _run_wide

DEMO_CASES = Path(__file__).resolve().parents[2] / "data" / "cases-demo"


@pytest.fixture
def demo_registry(db: object) -> Iterator[object]:
    """The demo cases registry (data/cases-demo) in the test database."""
    from vigil.cases import setup
    from vigil.cases.importers import import_file

    setup()
    assert import_file(DEMO_CASES / "prisoners.csv", DEMO_CASES / "prisoners.mapping.toml").ok
    assert import_file(DEMO_CASES / "registry.json").ok
    yield db


@pytest.fixture(scope="session")
def history_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """DeepState's raw archive joined with the bundled daily one (``deepstate``,
    2022-04-03 … 2026-08-21) and the shipped geography: the store the labelled set's
    verdicts were set on, without ISW (docs/claims.md "Evaluation"). About 90 s to build,
    once per run; skips when ../shared/data is absent. Read it, never write it."""
    from vigil.territory import open_store

    raw = _need(RAW_ARCHIVE)
    with _run_wide(tmp_path_factory, "history-store") as folder:
        path = folder / "history.sqlite"
        if not path.exists():
            building = folder / "building.sqlite"
            with open_store(building, create=True) as t:
                t.ingest([raw])
                t.ingest([DEMO_ARCHIVE])
                t.import_geography(None, "")
            building.rename(path)
    return path
