"""`vigil cases …` as a user calls it (in-process, on the pytest-django database)."""

from __future__ import annotations

import json

import pytest

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
        (("export",), "Missing option '--level'"),
        (("export", "--level", "secret"), "--level: expected one of public, internal, restricted"),
        (("export", "--level", "public", "-f", "xlsx"), "give a file with --output"),
        (("export", "--level", "public", "-f", "pdf"), "--format: expected json, csv or xlsx"),
        (("list", "--on", "yesterday"), "--on: expected a date such as 2024-06-03"),
        (("list", "--status", "asleep"), "--status: expected one of"),
        (("list", "-f", "html"), "--format: expected table, csv or json"),
        (("show", "P404"), "no person matches 'P404'"),
        (("show", "P4"), "no person matches 'P4'"),  # internal: not there for the public
        (("hearings", "C9"), "no case with ref or number 'C9'"),
        (("releases", "Nobody"), "no organisation"),
        (("diff-release", "R1", "R9"), "no list release 'R9'"),
        (("stats", "--freq", "hour"), "--freq: expected one of"),
        (("stats", "--by", "colour"), "--by: expected none"),
        (("stats", "--from", "2026-05-01", "--to", "2026-01-01"), "is after"),
    ],
)
def test_bad_input_is_one_line(sample, capsys, args, message):
    run = vigil(capsys, "cases", *args)
    assert run.code != 0
    assert message in run.err, run.err
    assert "Traceback" not in run.err


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
    assert "Rejected rows" in run.err and "Tarix" in run.err and "Cins" in run.err
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


def test_every_query_command_in_a_fresh_process(tmp_path):
    """In-process tests run with Django already set up by pytest-django; a user's
    `vigil cases …` starts cold. Each read command must set Django up itself."""
    import os
    import subprocess
    import sys

    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{tmp_path / 'cases.sqlite'}",
        DJANGO_SETTINGS_MODULE="vigil.web.settings",
        VIGIL_HOME=str(tmp_path / "home"),
    )
    vigil_bin = str(__import__("pathlib").Path(sys.executable).with_name("vigil"))

    def run(*args: str) -> str:
        done = subprocess.run([vigil_bin, "cases", *args], env=env, capture_output=True, text=True)
        assert done.returncode == 0, (args, done.stderr[-2000:])
        return done.stdout

    run("import", "-q", str(DEMO / "prisoners.csv"), "-m", str(DEMO / "prisoners.mapping.toml"))
    run("import", "-q", str(DEMO / "registry.json"))
    for args in (
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
    ):
        assert run(*args).strip(), args
