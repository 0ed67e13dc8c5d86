"""Packaging: the version is declared once, the changelog names it, `import vigil` is
light, and the extras split the territory engine from the web stack."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib import metadata

import pytest

import vigil
from tests.conftest import REPO

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]

#: What the cases registry and the web site import and the territory engine does not.
WEB_STACK = {"django", "ninja", "whitenoise", "waitress", "django_otp", "axes", "pyrage"}


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~;\[ ]", r, maxsplit=1)[0].lower() for r in requirements}


def test_the_version_is_declared_once():
    assert "version" not in PROJECT and "version" in PROJECT["dynamic"]
    dynamic = PYPROJECT["tool"]["setuptools"]["dynamic"]["version"]
    assert dynamic == {"attr": "vigil.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", vigil.__version__)
    assert metadata.version("vigil") == vigil.__version__  # the installed metadata agrees


def test_the_changelog_has_the_version_and_an_unreleased_section():
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in changelog
    assert re.search(
        rf"^## \[{re.escape(vigil.__version__)}\] - \d{{4}}-\d\d-\d\d$", changelog, re.M
    )


def test_the_licence_is_an_spdx_expression_with_a_setuptools_that_reads_it():
    assert PROJECT["license"] == "GPL-3.0-or-later"
    assert PROJECT["license-files"] == ["LICENSE"] and (REPO / "LICENSE").exists()
    (setuptools,) = [r for r in PYPROJECT["build-system"]["requires"] if "setuptools" in r]
    floor = tuple(int(x) for x in re.search(r">=([\d.]+)", setuptools).group(1).split("."))
    assert floor >= (77,), "PEP 639 license expressions need setuptools >= 77"


def test_the_core_install_has_no_web_stack_and_the_extras_do():
    core = _names(PROJECT["dependencies"])
    extras = PROJECT["optional-dependencies"]
    assert not core & {"django", "django-ninja", "psycopg", "waitress", "whitenoise"}
    assert {"shapely", "pyproj", "typer", "pandas", "matplotlib"} <= core
    assert {"django", "django-ninja", "dj-database-url", "argon2-cffi"} <= _names(extras["web"])
    assert "psycopg" in _names(extras["postgres"])
    assert {"pytest-xdist", "django-stubs", "pandas-stubs"} <= _names(extras["dev"])
    assert set(extras["all"]) == {"vigil[web,postgres]"}


def test_import_vigil_is_light():
    """`import vigil` (for `vigil.__version__`) imports nothing of the CLI, the
    territory engine or the web stack."""
    heavy = WEB_STACK | {"typer", "pandas", "numpy", "shapely", "matplotlib", "pyproj"}
    loaded = "{m.split('.')[0] for m in sys.modules}"
    code = f"import sys, vigil; print(sorted({loaded} & {heavy!r}))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


def test_the_territory_cli_runs_without_the_web_stack():
    """`pip install vigil` (no extras): the territory commands work and never import the
    web stack; simulated by refusing to import it."""
    code = f"""
import sys
class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {sorted(WEB_STACK)!r}:
            raise ModuleNotFoundError(name, name=name)
sys.meta_path.insert(0, Refuse())
from vigil.cli import main
main(sys.argv[1:])
"""
    run = subprocess.run(
        [sys.executable, "-c", code, "territory", "snapshots", "--store", "/nonexistent/v.sqlite"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1
    assert run.stderr == (
        "Error: /nonexistent/v.sqlite: no store here (run `vigil territory ingest` first)\n"
    )


@pytest.mark.parametrize("command", [["cases", "list"], ["cases", "find", "Ali"]])
def test_the_web_commands_without_the_web_stack_say_what_to_install(command):
    """Without the web extra, `vigil cases …` answers one line naming the
    extra to install, not a traceback (simulated by refusing to import the web stack)."""
    code = f"""
import sys
class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {sorted(WEB_STACK)!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
sys.meta_path.insert(0, Refuse())
from vigil.cli import main
main(sys.argv[1:])
"""
    run = subprocess.run([sys.executable, "-c", code, *command], capture_output=True, text=True)
    assert run.returncode == 1, run.stderr
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("Error: vigil "), run.stderr
    assert "needs the web extra" in run.stderr and "pip install 'vigil[web]'" in run.stderr
