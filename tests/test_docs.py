"""Docs that cannot go stale: the README's examples run, every command is documented."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import typer.main

from tests.conftest import REPO, copy_store
from vigil.cases.cli import app as cases_app
from vigil.cli import app, main
from vigil.territory.cli import app as territory_app

README = (REPO / "README.md").read_text(encoding="utf-8")


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def _console_examples() -> list[tuple[str, list[str]]]:
    """Every ``$ command`` of the console blocks with the lines shown under it (its
    expected output; usually none)."""
    examples: list[tuple[str, list[str]]] = []
    for block in _blocks("console"):
        shown: list[str] | None = None  # the output of the block's last command
        for line in block.splitlines():
            if line.startswith("$ "):
                shown = []
                examples.append((line[2:].strip(), shown))
            elif shown is not None and line.strip():
                shown.append(line)
    return examples


def _console_commands() -> list[str]:
    return [command for command, _ in _console_examples()]


def _expected(command: str) -> list[str]:
    return dict(_console_examples())[command]


def _commands_of(sub_app: typer.Typer) -> list[str]:
    group = typer.main.get_group(sub_app)
    names = []
    for name, cmd in group.commands.items():
        sub = getattr(cmd, "commands", None)
        names.extend(f"{name} {s}" for s in sub) if sub else names.append(name)
    return sorted(names)


def _territory_commands() -> list[str]:
    return _commands_of(territory_app)


def _run_readme_lines(lines: list[str], capsys) -> None:
    """Run each line as the README shows it. A line shown with ``Error: …`` under it
    must fail with exactly that message; a line shown with other output must print
    each of those lines (spaces aside); any other line must succeed."""
    for line in lines:
        argv = shlex.split(line)
        assert argv[0] == "vigil", line
        with pytest.raises(SystemExit) as exit_:
            main(argv[1:])
        captured = capsys.readouterr()
        expected = _expected(line)
        if expected and expected[0].startswith("Error: "):
            assert exit_.value.code == 1, f"{line}: should fail\n{captured.out}"
            assert captured.err.splitlines() == expected, line
            continue
        assert exit_.value.code in (0, None), f"{line}\n{captured.err}"
        assert "Error" not in captured.err, line
        shown = [" ".join(out.split()) for out in captured.out.splitlines()]
        for want in expected:
            assert " ".join(want.split()) in shown, f"{line}: no line {want!r} in\n{captured.out}"


def test_every_cases_command_has_help_and_a_readme_example(capsys):
    commands = _commands_of(cases_app)
    assert {"import", "export", "find", "merge", "list", "show", "timeline"} <= set(commands)
    assert {"hearings", "releases", "diff-release", "stats", "duplicates"} <= set(commands)
    documented = " ".join(_blocks("console") + _blocks("text"))
    for name in commands:
        assert f"vigil cases {name}" in documented, f"README has no example of cases {name}"
        with pytest.raises(SystemExit) as exit_:
            main(["cases", *name.split(), "--help"])
        assert exit_.value.code == 0
        out = capsys.readouterr().out
        assert "Usage:" in out and len(out.splitlines()) > 5, f"cases {name} --help is empty"


@pytest.mark.django_db
def test_cases_readme_examples_run_in_order(tmp_path: Path, monkeypatch, capsys):
    """Every `$ vigil cases …` line of the README, in order, then the cases Python
    block, on the test database (DATABASE_URL is already the test's)."""
    from vigil.cases import setup

    setup()
    (tmp_path / "data").symlink_to(REPO / "data")
    (tmp_path / "demo").mkdir()
    monkeypatch.chdir(tmp_path)
    commands = _console_commands()
    assert "export DATABASE_URL=demo/cases.sqlite" in commands
    cases = [c for c in commands if c.startswith("vigil cases ")]
    assert len(cases) > 15
    _run_readme_lines(cases, capsys)
    assert (tmp_path / "held.png").stat().st_size > 1000
    assert (tmp_path / "public.xlsx").read_bytes()[:2] == b"PK"
    (python,) = [b for b in _blocks("python") if "vigil.cases" in b]
    namespace: dict[str, object] = {}
    exec(compile(python, "README.md", "exec"), namespace)  # our own README
    assert namespace["hits"].iloc[0]["ref"] == "VRW-001"
    assert namespace["chain"].postponements == 4
    assert str(namespace["chain"].next_hearing) == "2026-12-02"


def test_every_territory_command_has_help_and_a_readme_example(capsys):
    commands = _territory_commands()
    assert {"ingest", "fetch", "area", "change", "series", "records", "brief"} <= set(commands)
    documented = " ".join(_blocks("console") + _blocks("text"))
    for name in commands:
        assert f"vigil territory {name}" in documented, f"README has no example of {name}"
        with pytest.raises(SystemExit) as exit_:
            main(["territory", *name.split(), "--help"])
        assert exit_.value.code == 0
        out = capsys.readouterr().out
        assert "Usage:" in out and len(out.splitlines()) > 5, f"{name} --help is empty"
    group = typer.main.get_group(app)
    assert "territory" in group.list_commands(None)


@pytest.mark.slow
def test_readme_examples_run_in_order(tmp_path: Path, monkeypatch, capsys, daily_geo_store):
    """Run every `$ vigil …` line of the README, then its Python block, as a user would
    from the repository root after `make demo` (data/ linked in, the store under demo/
    already holding the archive and the shipped geography, as `make demo` leaves it: the
    README's ingest and geography import then find their files unchanged; fresh imports
    are tested in tests/territory)."""
    (tmp_path / "data").symlink_to(REPO / "data")
    (tmp_path / "demo").mkdir()
    copy_store(daily_geo_store, tmp_path / "demo" / "vigil.sqlite")
    monkeypatch.chdir(tmp_path)
    commands = _console_commands()
    assert commands[0] == "export VIGIL_STORE=demo/vigil.sqlite"
    monkeypatch.setenv("VIGIL_STORE", "demo/vigil.sqlite")
    _run_readme_lines(
        [c for c in commands if c.startswith(("vigil territory ", "vigil check "))], capsys
    )
    for out in ("weekly.png", "week-map.png", "brief.html", "snapshots.gpkg", "change.parquet"):
        assert (tmp_path / out).stat().st_size > 1000, out
    (python,) = [b for b in _blocks("python") if "vigil.territory" in b]
    namespace: dict[str, object] = {}
    exec(compile(python, "README.md", "exec"), namespace)  # our own README
    assert 190 < namespace["week"].gained_km2 < 200  # published: 196.1 km² (see method.md)
    assert namespace["record"].rank_in_year == 1


def test_check_has_help_and_readme_examples(capsys):
    shown = [c for c in _console_commands() if c.startswith("vigil check ")]
    shown += [" ".join(a) for a in _unrun_examples() if a[:2] == ["vigil", "check"]]
    assert len(shown) >= 3, shown
    with pytest.raises(SystemExit) as exit_:
        main(["check", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for option in ("--as-of", "--file", "--source", "--format", "--store", "--database"):
        assert option in out, option
    assert (REPO / "docs" / "claims.md").exists()


def test_serve_has_help_and_a_readme_example(capsys):
    assert "vigil serve" in " ".join(_blocks("text") + _blocks("console"))
    with pytest.raises(SystemExit) as exit_:
        main(["serve", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "--store" in out and "--port" in out
    for shot in re.findall(r"\((docs/screenshots/[^)]+\.png)\)", README):
        assert (REPO / shot).stat().st_size > 10_000, shot


#: A test named in a document: `tests/…/file.py::test_name`, or `::test_name` after one.
TEST_REF = re.compile(r"`((?:[\w/]+\.py)?)::(\w+)")


@pytest.mark.parametrize("doc", ["docs/security.md", "docs/backups.md"])
def test_every_test_a_security_document_names_exists(doc):
    """docs/security.md states only what a test checks, naming the test: a renamed or
    removed test must not leave a claim behind with nothing under it."""
    text = (REPO / doc).read_text(encoding="utf-8")
    named, current = [], None
    for path, name in TEST_REF.findall(text):
        current = path or current
        named.append((current, name))
    bare = re.findall(r"`(test_\w+)`", text)
    assert named or bare, f"{doc} names no test"
    missing = []
    for path, name in named:
        found = [p for p in (REPO / "tests").rglob(Path(path).name) if str(p).endswith(path)]
        if not any(re.search(rf"^def {name}\(", f.read_text(), re.M) for f in found):
            missing.append(f"{path}::{name}")
    everything = "".join(p.read_text() for p in (REPO / "tests").rglob("test_*.py"))
    missing += [name for name in bare if not re.search(rf"^def {name}\(", everything, re.M)]
    assert not missing, f"{doc} names tests that do not exist: {missing}"


def test_readme_says_how_to_run_vigil_after_make_demo():
    """`make demo` installs into .venv, which a fresh shell does not have on PATH: the
    README says to activate it or call the script by its path, and that path is the
    Makefile's."""
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert "VENV := .venv" in makefile and "BIN := $(VENV)/bin" in makefile
    assert "source .venv/bin/activate" in README and ".venv/bin/vigil" in README
    assert "make test-fast" in README and "\ntest-fast:" in makefile


def _unrun_examples() -> list[list[str]]:
    """The `vigil …` lines of the README's text blocks, as argv (a leading VAR=value and
    a trailing # comment dropped): commands that need the reader's own files, a server,
    the network or a passphrase, so they are shown, not run."""
    lines = []
    for block in _blocks("text"):
        for line in block.splitlines():
            argv = shlex.split(line, comments=True)
            while argv and "=" in argv[0] and not argv[0].startswith("-"):
                argv = argv[1:]  # DATABASE_URL=… vigil serve
            if argv and argv[0] == "vigil":
                lines.append(argv)
    return lines


def test_every_option_a_readme_example_uses_is_a_documented_one():
    """Each option of every example, run or only shown, is one its command (or a group
    above it) lists in its --help: not a hidden alias kept for old scripts, so that
    renaming an option cannot leave the README behind."""
    from vigil.cli import command

    shown = _unrun_examples()
    assert len(shown) > 15
    run = [shlex.split(c) for c in _console_commands() if c.startswith("vigil ")]
    for argv in run + shown:
        cmd, options = command(), {"--help"}
        for word in argv[1:]:
            options |= {
                o
                for p in cmd.params
                if not getattr(p, "hidden", False)
                for o in (*p.opts, *p.secondary_opts)
            }
            if word.startswith("-"):
                assert word.split("=")[0] in options, f"{shlex.join(argv)}: no {word}"
            elif hasattr(cmd, "list_commands") and word in cmd.list_commands(None):
                cmd = cmd.get_command(None, word)
        # a group is a command only when it runs by itself (`vigil watch`)
        runs = getattr(cmd, "invoke_without_command", False)
        assert runs or not hasattr(cmd, "list_commands"), f"{shlex.join(argv)}: not a command"
