"""Start-up: the commands that need no numbers, no maps and no Django import none of them.

Checked deterministically, not timed: a fresh interpreter runs the command in-process
and reports which heavy modules ended up in ``sys.modules``. The timings themselves are
in benchmarks/startup.py (issue 12: within 0.3 s of ``python -c "import typer"``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from vigil.territory import open_store
from vigil.testing import rectangle, write_daily

HEAVY = ("django", "pandas", "numpy", "matplotlib", "geopandas", "shapely", "pyproj")

RUNNER = f"""
import json, sys
from vigil.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code or 0
else:
    code = 0
heavy = {HEAVY!r}
print(json.dumps({{"code": code, "loaded": [m for m in heavy if m in sys.modules]}}))
"""


def loaded_by(*args: object) -> list[str]:
    """The heavy modules a fresh ``vigil ARGS`` imports (its exit code must be 0)."""
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, *map(str, args)],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["code"] == 0, done.stderr
    return result["loaded"]


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("startup")
    days = folder / "days"
    write_daily(days, {"2024-10-21": rectangle(37.0, 47.0, 37.2, 47.2)})
    path = folder / "store.sqlite"
    with open_store(path, create=True) as t:
        t.ingest([days], jobs=1)
    return path


def test_importing_the_cli_imports_nothing_heavy():
    code = f"import sys, vigil.cli; print([m for m in {HEAVY!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("args", [["--version"], ["--help"]], ids=" ".join)
def test_the_root_commands_import_nothing_heavy(args):
    assert loaded_by(*args) == []


def test_the_root_help_lists_both_families_without_importing_them():
    out = subprocess.run(
        [sys.executable, "-m", "vigil.cli", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "territory" in out and "cases" in out


def test_the_root_help_texts_are_the_families_own():
    """The root keeps each family's one-line help so that listing them imports neither;
    this test fails when one of them changes its help and the root does not follow."""
    import importlib

    from vigil.cli import LAZY_COMMANDS

    for name, (module, help_text) in LAZY_COMMANDS.items():
        app = importlib.import_module(module).app
        assert app.info.help == help_text, name


def test_territory_area_reads_stored_figures_only(store):
    """The area on a date is a stored figure: no numerical or geometry library loads."""
    assert loaded_by("territory", "area", "--store", store, "2024-10-21") == []


def test_cases_find_imports_django_but_no_numbers(tmp_path):
    """A name search needs the ORM, not pandas or numpy (vigil.cases.search)."""
    demo = Path(__file__).resolve().parents[1] / "data" / "cases-demo"
    database = tmp_path / "cases.sqlite"
    vigil = [sys.executable, "-m", "vigil.cli", "cases", "--database", database]
    mapping = demo / "prisoners.mapping.toml"
    subprocess.run(
        [*vigil, "import", "-q", demo / "prisoners.csv", "-m", mapping],
        capture_output=True,
        check=True,
    )
    assert loaded_by("cases", "--database", database, "find", "Gulbeyli") == ["django"]
