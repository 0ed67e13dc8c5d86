"""`vigil cases …` as a user calls it (in-process, on the pytest-django database)."""

from __future__ import annotations

import json

import pytest

from tests.cases.conftest import engine_independent
from tests.cli_runner import vigil


def _json(run):
    assert run.code == 0, run.err
    return json.loads(run.out)


def test_find_in_three_scripts(sample, capsys):
    for query in ("Əli Kərimli", "Ali Karimli", "Али Керимли"):
        rows = _json(vigil(capsys, "cases", "find", query, "-f", "json"))
        assert {r["ref"] for r in rows} == {"P1", "P5"}, query
    table = vigil(capsys, "cases", "find", "Ali Karimli")
    assert table.code == 0 and "Əli Kərimli" in table.out
    none = vigil(capsys, "cases", "find", "Zzyzx")
    assert none.code == 0 and "No person matches" in none.out


def test_list_with_filters(sample, capsys):
    rows = _json(
        vigil(capsys, "cases", "list", "--on", "2026-06-01", "--status", "held", "-f", "json")
    )
    assert sorted(r["ref"] for r in rows) == ["P1", "P2", "P3"]
    rows = _json(
        vigil(
            capsys,
            "cases",
            "list",
            "--on",
            "2026-06-01",
            "--org",
            "UFC",
            "-l",
            "internal",
            "-f",
            "json",
        )
    )
    assert sorted(r["ref"] for r in rows) == ["P1", "P2", "P4"]
    csv = vigil(capsys, "cases", "list", "--charge", "283.1", "-f", "csv")
    assert csv.code == 0 and csv.out.splitlines()[0].startswith("ref,name,status")
    assert len(csv.out.splitlines()) == 3


def test_level_from_environment(sample, capsys, monkeypatch):
    assert "P4" not in {r["ref"] for r in _json(vigil(capsys, "cases", "list", "-f", "json"))}
    monkeypatch.setenv("VIGIL_LEVEL", "internal")
    assert "P4" in {r["ref"] for r in _json(vigil(capsys, "cases", "list", "-f", "json"))}


def test_show_and_timeline(sample, capsys):
    public = _json(vigil(capsys, "cases", "show", "P1", "-f", "json"))
    assert "contacts" not in public and public["status"]["kind"] == "arrested"
    restricted = _json(
        vigil(capsys, "cases", "show", "P1", "-l", "restricted", "--as", "ann", "-f", "json")
    )
    assert restricted["contacts"] == "SECRET-CONTACT of P1"
    table = vigil(capsys, "cases", "show", "Tofiq Yaqublu")
    assert table.code == 0 and "sentenced since 2026-05" in table.out
    timeline = _json(vigil(capsys, "cases", "timeline", "P3", "-l", "internal", "-f", "json"))
    assert [e["withdrawn"] for e in timeline] == [False, True, False, False]
    audit = _json(vigil(capsys, "cases", "audit", "-f", "json"))
    assert [(a["actor"], a["action"]) for a in audit] == [("ann", "view-restricted")]


def test_hearings_prints_the_chain(sample, capsys):
    run = vigil(capsys, "cases", "hearings", "C1", "--on", "2026-11-25")
    assert run.code == 0, run.err
    assert "postponed 3 times and adjourned once since August 2026" in run.out
    assert "next hearing 2 December 2026" in run.out
    data = _json(vigil(capsys, "cases", "hearings", "C1", "--on", "2026-11-25", "-f", "json"))
    assert data["postponements"] == 3 and len(data["hearings"]) == 6


def test_releases_and_diff(sample, capsys):
    rows = _json(vigil(capsys, "cases", "releases", "VRW", "-f", "json"))
    assert [r["entries"] for r in rows] == [4, 2]
    run = vigil(capsys, "cases", "diff-release", "R1", "R2")
    assert run.code == 0 and "0 added, 2 removed" in run.out
    rows = _json(vigil(capsys, "cases", "diff-release", "VRW@2026-06", "R2", "-f", "json"))
    assert {r["ref"]: r["reason"] for r in rows} == {"P3": "released", "P6": "reclassified"}


def test_stats_with_chart(sample, capsys, tmp_path):
    chart = tmp_path / "held.png"
    run = vigil(
        capsys,
        "cases",
        "stats",
        "--from",
        "2025-11-01",
        "--to",
        "2026-11-01",
        "--by",
        "organisation",
        "--chart",
        chart,
        "-f",
        "csv",
    )
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert lines[0] == "date,all,UFC" and len(lines) == 14
    assert lines[6] == "2026-04-01,4,2"
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    one = _json(vigil(capsys, "cases", "stats", "--on", "2026-04-01", "-f", "json"))
    assert one == [{"date": "2026-04-01", "all": 4}]


def test_duplicates_and_merge(sample, capsys):
    pairs = _json(vigil(capsys, "cases", "duplicates", "-f", "json"))
    assert [(p["ref_a"], p["ref_b"]) for p in pairs] == [("P1", "P5")]
    merged = _json(vigil(capsys, "cases", "merge", "P1", "P5", "--as", "ed", "-f", "json"))
    assert merged["kept"] == "P1" and merged["merged"] == "P5"
    assert _json(vigil(capsys, "cases", "duplicates", "-f", "json")) == []
    again = vigil(capsys, "cases", "merge", "P1", "P5")
    assert (
        again.code == 1
        and again.err.startswith("Error: ")
        and "already merged into P1" in again.err
    )


def test_export_levels(sample, capsys, tmp_path):
    public = _json(vigil(capsys, "cases", "export", "--level", "public"))
    text = json.dumps(public, ensure_ascii=False)
    assert "SECRET-CONTACT" not in text and "INTERNAL-NOTE" not in text and "Gizli" not in text
    internal = _json(vigil(capsys, "cases", "export", "--level", "internal"))
    assert "INTERNAL-NOTE" in json.dumps(internal, ensure_ascii=False)
    out = tmp_path / "all.xlsx"
    run = vigil(capsys, "cases", "export", "-l", "restricted", "-f", "xlsx", "-o", out)
    assert run.code == 0 and out.read_bytes()[:2] == b"PK"
    audit = _json(vigil(capsys, "cases", "audit", "--action", "export", "-f", "json"))
    assert [a["detail"]["level"] for a in audit] == ["public", "internal", "restricted"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("export", "--level", "public", "-f", "xlsx"), "give a file with --output"),
        (("show", "P404"), "no person matches 'P404'"),
        (("show", "P4"), "no person matches 'P4'"),  # internal: not there for the public
        (("hearings", "C9"), "no case with ref or number 'C9'"),
        (("releases", "Nobody"), "no organisation"),
        (("diff-release", "R1", "R9"), "no list release 'R9'"),
        (("list", "-o", "people.csv"), "--output needs --format csv or json"),
    ],
)
def test_bad_input_is_one_line(sample, capsys, args, message):
    run = vigil(capsys, "cases", *args)
    assert run.code == 1
    assert run.err.startswith("Error: ") and run.err.count("\n") == 1, run.err
    assert message in run.err, run.err


# A library error names its parameter (``param="date_from"``); the command line shows
# the flag of the command that took it. Checked word for word.
@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("list", "--on", "2024-13-01"), "--on: expected a date as YYYY-MM-DD, got '2024-13-01'"),
        (("list", "--on", "03.06.2024"), "--on: expected a date as YYYY-MM-DD, got '03.06.2024'"),
        (
            ("hearings", "C1", "--on", "tomorrow"),
            "--on: expected a date as YYYY-MM-DD, got 'tomorrow'",
        ),
        (("stats", "--on", "2026-06"), "--on: expected a date as YYYY-MM-DD, got '2026-06'"),
        (("stats", "--from", "2026-1-5"), "--from: expected a date as YYYY-MM-DD, got '2026-1-5'"),
        (("stats", "--to", "20260101"), "--to: expected a date as YYYY-MM-DD, got '20260101'"),
        (
            ("stats", "--from", "2026-05-01", "--to", "2026-01-01"),
            "--from: the start 2026-05-01 is after the end 2026-01-01",
        ),
        (("list", "--charge", "999.9"), "--charge: no legal article '999.9' in the registry"),
        (("find", "!!"), "NAME: '!!' has no letters to match"),
    ],
)
def test_library_errors_name_the_flag(sample, capsys, args, error):
    run = vigil(capsys, "cases", *args)
    assert (run.code, run.err) == (1, f"Error: {error}\n")


def _plain(text: str) -> str:
    """A parser error as words: without rich's box and line breaks."""
    return " ".join(text.replace("│", " ").replace("╭", " ").replace("╰", " ").split())


# Choices are enums: the parser refuses a wrong one before any work, listing them.
@pytest.mark.parametrize(
    ("args", "flag", "choices"),
    [
        (("stats", "--freq", "fortnight"), "'--freq'", "'day', 'week', 'month', 'year'"),
        (("stats", "--by", "colour"), "'--by'", "'none', 'organisation', 'charge', 'status'"),
        (("list", "-f", "html"), "'--format' / '-f'", "'table', 'csv', 'json'"),
        (("find", "x", "--format", "xml"), "'--format' / '-f'", "'table', 'csv', 'json'"),
        (("list", "--level", "secret"), "'--level' / '-l'", "'public', 'internal', 'restricted'"),
        (("export", "--level", "secret"), "'--level' / '-l'", "'public', 'internal', 'restricted'"),
        (
            ("export", "--level", "public", "-f", "pdf"),
            "'--format' / '-f'",
            "'json', 'csv', 'xlsx'",
        ),
        (("list", "--status", "asleep"), "'--status'", "'deprived', 'held', 'house_arrest'"),
        (("merge", "P1", "P5", "-l", "top"), "'--level' / '-l'", "'public', 'internal'"),
        (("audit", "-f", "yaml"), "'--format' / '-f'", "'table', 'csv', 'json'"),
    ],
)
def test_a_wrong_choice_is_a_parser_error(sample, capsys, args, flag, choices):
    run = vigil(capsys, "cases", *args)
    assert run.code == 2, run
    err = _plain(run.err)
    assert f"Invalid value for {flag}" in err and choices in err, err
    assert "Traceback" not in run.err


def test_missing_required_level(sample, capsys):
    run = vigil(capsys, "cases", "export")
    assert run.code == 2 and "Missing option '--level'" in _plain(run.err)


def test_level_from_the_environment_is_checked(sample, capsys, monkeypatch):
    monkeypatch.setenv("VIGIL_LEVEL", "secret")
    run = vigil(capsys, "cases", "list")
    assert run.code == 2 and "'public', 'internal', 'restricted'" in _plain(run.err)


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        (
            "list",
            ["deprived, held, house_arrest, free, dead, detained,", "public|internal|restricted"],
        ),
        ("stats", ["--from", "--to", "day|week|month|year", "none|organisation|charge|status"]),
        ("export", ["json|csv|xlsx", "--output"]),
        ("find", ["table|csv|json", "--output", "NAME"]),
    ],
)
def test_help_lists_the_choices(capsys, monkeypatch, command, shown):
    monkeypatch.setenv("COLUMNS", "200")  # rich's help: no word cut by a line break
    run = vigil(capsys, "cases", command, "--help")
    assert run.code == 0
    text = _plain(run.out)
    for word in shown:
        assert word in text, (word, text)


def test_every_printing_command_takes_output_and_format(capsys):
    """One vocabulary: every command that prints a result takes -o/--output and
    --format table|csv|json (export: its own --format, the file written)."""
    import typer.main

    from vigil.cases import cli

    group = typer.main.get_command(cli.app)
    quiet = {"user add", "user role", "user restricted", "user password", "user deactivate"}
    quiet |= {"user totp"}  # messages, not results
    seen = []
    for name, command in group.commands.items():
        subs = getattr(command, "commands", None) or {name: command}
        for sub_name, sub in subs.items():
            full = name if sub is command else f"{name} {sub_name}"
            if full in quiet:
                continue
            opts = {o: p for p in sub.params for o in getattr(p, "opts", [])}
            assert "-o" in opts and "--output" in opts, full
            fmt = opts["--format"]
            expected = {"export": ["json", "csv", "xlsx"], "extract": ["csv", "xlsx"]}.get(
                full, ["table", "csv", "json"]
            )
            assert [str(getattr(v, "value", v)) for v in fmt.type.choices] == expected, full
            seen.append(full)
    assert {"find", "list", "stats", "show", "audit", "user list", "backup"} <= set(seen)


def test_output_writes_what_stdout_would_show(sample, capsys, tmp_path):
    for args in (
        ("list", "--on", "2026-06-01"),
        ("find", "Ali Karimli"),
        ("stats", "--from", "2026-01-01", "--to", "2026-04-01"),
        ("show", "P1"),
        ("timeline", "P3"),
        ("hearings", "C1", "--on", "2026-11-25"),
        ("releases", "VRW"),
        ("diff-release", "R1", "R2"),
        ("duplicates",),
    ):
        for fmt in ("csv", "json"):
            shown = vigil(capsys, "cases", *args, "--format", fmt)
            assert shown.code == 0 and shown.out, (args, shown.err)
            path = tmp_path / f"{args[0]}.{fmt}"
            written = vigil(capsys, "cases", *args, "--format", fmt, "-o", path)
            assert (written.code, written.out) == (0, ""), (args, written.err)
            assert path.read_text(encoding="utf-8") == shown.out, args


def test_stats_from_to(sample, capsys):
    rows = _json(
        vigil(
            capsys,
            "cases",
            "stats",
            "--from",
            "2026-01-07",
            "--to",
            "2026-02-01",
            "--freq",
            "WEEK",
            "-f",
            "json",
        )
    )
    # Mondays within the span, then the last day itself
    assert [r["date"] for r in rows] == ["2026-01-12", "2026-01-19", "2026-01-26", "2026-02-01"]


def test_choices_match_the_library():
    """The enums the command line declares (cheap to import) are the library's lists."""
    from vigil.cases import exporters, roles
    from vigil.cases.cli import ExportFormat, StatusFilter
    from vigil.cases.cli_admin import Role
    from vigil.cases.levels import Level, LevelName
    from vigil.cases.vocab import Custody, StatusKind

    assert list(StatusFilter) == list(
        dict.fromkeys(["deprived", *Custody.values, *StatusKind.values])
    )
    assert list(ExportFormat) == list(exporters.ExportFormat)
    assert tuple(Role) == roles.ROLES
    assert [n.level for n in LevelName] == list(Level)
    assert [str(n) for n in LevelName] == Level.labels


def test_importing_the_commands_is_cheap():
    """`import vigil.cases.cli` (every `vigil cases …` command) imports neither Django
    nor pandas nor the renderers: the commands do, when they run. A fresh interpreter:
    this process has imported them all already."""
    import subprocess
    import sys

    heavy = ["django", "django.db.models", "pandas", "numpy", "vigil.output", "rapidfuzz"]
    code = (
        "import sys, vigil.cases.cli, vigil.cases.cli_admin; "
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert (done.returncode, done.stdout.strip()) == (0, "[]"), done.stderr


# -- import through the CLI --------------------------------------------------------------

DEMO = __import__("pathlib").Path(__file__).resolve().parents[2] / "data" / "cases-demo"


def _table_counts() -> dict[str, int]:
    from vigil.cases import models as m

    return {
        model.__name__: model.objects.count()
        for model in (m.Person, m.PersonName, m.StatusEvent, m.Case, m.Hearing, m.ListEntry)
    }


def test_import_demo_dry_run_then_real_then_again(registry, capsys):
    sheet = DEMO / "prisoners.csv"
    mapping = DEMO / "prisoners.mapping.toml"
    dry = _json(vigil(capsys, "cases", "import", sheet, "-m", mapping, "--dry-run", "-f", "json"))
    assert {r["action"] for r in dry} == {"create", "unchanged"}
    assert _table_counts()["Person"] == 0  # a dry run writes nothing
    real = vigil(capsys, "cases", "import", sheet, "--mapping", mapping)
    assert real.code == 0, real.err
    assert "prisoners.csv: imported" in real.out
    created = _table_counts()
    assert created["Person"] == 13
    assert vigil(capsys, "cases", "import", DEMO / "registry.json", "-q").code == 0
    after = _table_counts()
    again = _json(vigil(capsys, "cases", "import", DEMO / "registry.json", "-f", "json"))
    assert {r["action"] for r in again} == {"unchanged"}
    assert _table_counts() == after
    names = {r["name"] for r in _json(vigil(capsys, "cases", "list", "-f", "json"))}
    assert {"Rəşad Gülbəyli", "Nigar Üzeyirqızı", "Günay Ağayarlı"} <= names


def test_import_bad_rows_reports_and_writes_nothing(registry, capsys, tmp_path):
    sheet = tmp_path / "sheet.csv"
    text = (DEMO / "prisoners.csv").read_text(encoding="utf-8").splitlines()
    text[1] = text[1].replace("01.06.2026", "31.06.2026")  # row 2: no 31 June
    text[5] = text[5].replace("kişi", "unknown-sex")  # row 6
    sheet.write_text("\n".join(text) + "\n", encoding="utf-8")
    run = vigil(capsys, "cases", "import", sheet, "-m", DEMO / "prisoners.mapping.toml")
    assert run.code == 1
    assert "Problems" in run.err and "Tarix" in run.err and "Cins" in run.err
    assert "row rejected" in run.err
    assert "nothing written" in run.out and "imported" not in run.out
    assert run.err.strip().splitlines()[-1].startswith("Error: ")
    assert "nothing was imported" in run.err
    assert _table_counts()["Person"] == 0
    skip = vigil(
        capsys, "cases", "import", sheet, "-m", DEMO / "prisoners.mapping.toml", "--skip-invalid"
    )
    # Rows 4, 6, 8, 9 share the AVB-2026 case that row 2 defines (and that was rejected
    # with it): they are rejected too, and say why; 13 - 5 people remain.
    assert skip.code == 0 and _table_counts()["Person"] == 8
    assert "refers to the case of row 2 (cases), which was rejected" in skip.err


def test_import_legacy_encoding(registry, capsys, tmp_path):
    legacy = tmp_path / "people.csv"
    legacy.write_bytes(b"ref,sex\nP1,male\n" + b"P2," + "женский".encode("cp1251"))
    run = vigil(capsys, "cases", "import", legacy)
    assert run.code == 1 and "--encoding" in run.err and "Traceback" not in run.err
    mapping = tmp_path / "m.toml"
    mapping.write_text('table = "people"\n[values.sex]\n"женский" = "female"\n', encoding="utf-8")
    ok = vigil(capsys, "cases", "import", legacy, "-m", mapping, "--encoding", "cp1251")
    assert ok.code == 0, ok.err
    from vigil.cases.models import Person

    assert Person.objects.get(ref="P2").sex == "female"


def test_import_missing_file_is_one_line(registry, capsys, tmp_path):
    run = vigil(capsys, "cases", "import", tmp_path / "nope.csv")
    assert run.code == 1 and run.err.startswith("Error: ") and "nope.csv" in run.err
    assert len(run.err.strip().splitlines()) == 1


def _cold(env: dict[str, str], *args: str) -> str:
    """``vigil cases ARGS`` in a new process with ``env``; its stdout (exit 0 asserted)."""
    import subprocess
    import sys
    from pathlib import Path

    vigil_bin = str(Path(sys.executable).with_name("vigil"))
    done = subprocess.run([vigil_bin, "cases", *args], env=env, capture_output=True, text=True)
    assert done.returncode == 0, (args, done.stderr[-2000:])
    return done.stdout


@pytest.fixture(scope="module")
def cold_env(tmp_path_factory) -> dict[str, str]:
    """The environment of a user's shell whose DATABASE_URL names a SQLite file holding
    the demo registry, imported by two cold `vigil cases import` processes."""
    import os

    folder = tmp_path_factory.mktemp("cold")
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{folder / 'cases.sqlite'}",
        DJANGO_SETTINGS_MODULE="vigil.web.settings",
        VIGIL_HOME=str(folder / "home"),
    )
    _cold(
        env, "import", "-q", str(DEMO / "prisoners.csv"), "-m", str(DEMO / "prisoners.mapping.toml")
    )
    _cold(env, "import", "-q", str(DEMO / "registry.json"))
    return env


@engine_independent
@pytest.mark.parametrize(
    "args",
    [
        ("audit", "-f", "json"),
        ("find", "Rashad"),
        ("list", "--on", "2026-11-25"),
        ("show", "VRW-001"),
        ("timeline", "VRW-004"),
        ("hearings", "AVB-2026", "--on", "2026-11-25"),
        ("releases", "VRW"),
        ("diff-release", "R-VRW-2026-06", "R-VRW-2026-10"),
        ("stats", "--on", "2026-11-25"),
        ("duplicates",),
        ("export", "--level", "public"),
        ("user", "list"),
    ],
    ids=" ".join,
)
def test_every_query_command_in_a_fresh_process(cold_env, args):
    """In-process tests run with Django already set up by pytest-django; a user's
    `vigil cases …` starts cold. Each read command must set Django up itself (one
    process per command, on a database two cold imports made)."""
    assert _cold(cold_env, *args).strip(), args


def test_start_up_skips_the_migration_plan_when_nothing_is_new(registry, monkeypatch):
    """`setup()` builds Django's migration plan (0.1–0.2 s) only when a migration file is
    not recorded as applied; the shortcut is checked against Django's own loader and
    executor (the independent answer)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.db.migrations.loader import MigrationLoader

    from vigil.cases import db

    def plan() -> list:
        executor = MigrationExecutor(connection)
        return executor.migration_plan(executor.loader.graph.leaf_nodes())

    assert db._migration_files() == set(MigrationLoader(None).disk_migrations)
    assert plan() == [] and db._up_to_date()
    migrated: list[bool] = []
    monkeypatch.setattr(db, "_migrate", lambda: migrated.append(True))
    monkeypatch.setattr(db, "_MIGRATED", set())
    db.setup()
    assert migrated == []  # up to date: no plan, no migrate

    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(name) FROM django_migrations WHERE app = 'cases'")
        (newest,) = cursor.fetchone()
        cursor.execute("DELETE FROM django_migrations WHERE app = 'cases' AND name = %s", [newest])
    assert [m.name for m, _ in plan()] == [newest]
    assert not db._up_to_date()
    monkeypatch.setattr(db, "_MIGRATED", set())
    db.setup()
    assert migrated == [True]  # one file not applied: Django decides


# -- extract: a list published as a document --------------------------------------------


def test_extract_writes_a_review_sheet_that_imports(registry, capsys, tmp_path, monkeypatch):
    """The demo list as published (HTML): three prisoners under two headings, the
    lawyers left out; the sheet imports with the review mapping, dates in words read."""
    import csv

    from vigil.cases.models import Person, StatusEvent

    monkeypatch.chdir(tmp_path)
    run = vigil(capsys, "cases", "extract", DEMO / "published-list.html")
    assert run.code == 0, run.err
    sheet = tmp_path / "published-list.review.csv"
    assert "3 entries in 2 categories" in run.err and str(sheet.name) in run.err
    assert 'numbered items under "Vəkillər" skipped' in run.err
    rows = list(csv.DictReader(sheet.read_text(encoding="utf-8-sig").splitlines()))
    assert [r["name"] for r in rows] == [
        "Nərmin Səfərova Elçin qızı",
        "Kamran Quliyev",
        "Orxan Əhmədli Vüqar oğlu",
    ]
    assert [r["category"] for r in rows] == ["Jurnalistlər", "Jurnalistlər", "Siyasi fəallar"]
    assert rows[1]["alias_1"] == "Kamran Gulu" and rows[1]["date_of_arrest"] == "2 dekabr 2025"
    mapping = DEMO / "review.mapping.toml"
    done = vigil(capsys, "cases", "import", sheet, "-m", mapping)
    assert done.code == 0, done.err
    assert Person.objects.count() == 3
    from vigil.cases.dates import PartialDate

    dates = sorted(StatusEvent.objects.values_list("date", flat=True))
    # 14 mart 2025, 2 dekabr 2025¹ (the footnote mark dropped), iyul 2026: a month
    assert dates == [PartialDate(2025, 3, 14), PartialDate(2025, 12, 2), PartialDate(2026, 7)]


def test_extract_never_overwrites_a_sheet_and_names_bad_files(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sheet = tmp_path / "corrected.csv"
    sheet.write_text("corrected by hand\n", encoding="utf-8")
    run = vigil(capsys, "cases", "extract", DEMO / "published-list.html", "-o", sheet)
    assert run.code == 1 and "exists" in run.err and "--force" in run.err
    assert sheet.read_text(encoding="utf-8") == "corrected by hand\n"
    forced = vigil(
        capsys, "cases", "extract", DEMO / "published-list.html", "-o", sheet, "--force", "-q"
    )
    assert (
        forced.code == 0 and forced.err == "" and "Nərmin" in sheet.read_text(encoding="utf-8-sig")
    )
    xlsx = vigil(
        capsys, "cases", "extract", DEMO / "published-list.html", "-o", tmp_path / "s.xlsx", "-q"
    )
    assert xlsx.code == 0 and (tmp_path / "s.xlsx").read_bytes()[:2] == b"PK"
    wrong = vigil(
        capsys, "cases", "extract", DEMO / "published-list.html", "-o", "s.csv", "-f", "xlsx"
    )
    assert wrong.code == 1 and "*.xlsx" in wrong.err
    for bad, says in (("list.doc", "save it as .docx"), ("missing.pdf", "no such file")):
        if bad.endswith(".doc"):
            (tmp_path / bad).write_bytes(b"\xd0\xcf\x11\xe0")
        failed = vigil(capsys, "cases", "extract", tmp_path / bad)
        assert failed.code == 1 and says in failed.err, failed.err
        assert len(failed.err.strip().splitlines()) == 1 and "Traceback" not in failed.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corrected.csv", "list.doc", "s.xlsx"]


def test_extract_prints_a_file_name_as_written(capsys, tmp_path, monkeypatch):
    """Rich markup in a file name ("[b]", "[i]") is printed, not interpreted."""
    import shutil

    monkeypatch.chdir(tmp_path)
    source = tmp_path / "list [b]x[i].html"
    shutil.copy(DEMO / "published-list.html", source)
    run = vigil(capsys, "cases", "extract", source, "-o", "s.csv")
    assert run.code == 0, run.err
    assert run.err.startswith("list [b]x[i].html: 3 entries")


def test_names_that_look_like_markup_are_printed_as_written(registry, capsys):
    """A name or a query holding "[/]" or "[b]" is data: the table shows it as it is
    (rich would read it as markup: bold, or an error that ended the command)."""
    from vigil.cases.models import Person, PersonName

    person = Person.objects.create(ref="M1")
    PersonName.objects.create(person=person, name="Ali [/] Karimli [b]", language="en")
    for args in (("find", "Ali Karimli"), ("find", "Ali [/] Karimli"), ("list",), ("show", "M1")):
        run = vigil(capsys, "cases", *args)
        assert run.code == 0, (args, run.err)
        assert "Ali [/] Karimli [b]" in run.out, (args, run.out)
