"""`vigil check` as a user calls it: one sentence, a file of them, and bad input."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from pyproj import Geod
from shapely.geometry.polygon import orient

from tests.cli_runner import vigil
from vigil.territory import open_store

SENTENCE = "За тиждень окупанти просунулися на 196 км²"
WEEK = ("2024-10-21", "2024-10-28")  # the week Monday→Monday before Monday 28 October
GEOD = Geod(ellps="WGS84")


def _gained_km2(store: Path, a: str, b: str) -> float:
    """Area of map(b) \\ map(a), by pyproj.Geod on the stored geometries (independent
    of the change engine)."""
    with open_store(store) as t:
        diff = t.geometry(b).difference(t.geometry(a))
    polys = getattr(diff, "geoms", [diff])
    return sum(abs(GEOD.geometry_area_perimeter(orient(p))[0]) for p in polys) / 1e6


def test_one_sentence_as_json(capsys: pytest.CaptureFixture[str], daily_store: Path) -> None:
    run = vigil(capsys, "check", SENTENCE, "--as-of", WEEK[1], "--store", daily_store, "-f", "json")
    assert run.code == 0, run.err
    report = json.loads(run.out)
    assert report["lang"] == "uk" and report["anchor"] == WEEK[1]
    (verdict,) = report["verdicts"]
    claim = verdict["claim"]
    assert SENTENCE[claim["span"]["start"] : claim["span"]["end"]] == claim["span"]["text"]
    first = verdict["figures"][0]
    # the week [21, 28) is measured from the map of the 20th to the map of the 27th
    expected = _gained_km2(daily_store, "2024-10-20", "2024-10-27")
    assert first["value"] == pytest.approx(expected, abs=0.01)
    # "196" is written to the unit, held to ±0.5 % (±0.98): 195.02 ≤ x < 196.98
    assert verdict["tolerance"]["low"] == 195.02 and verdict["tolerance"]["high"] == 196.98
    holds = 195.02 <= expected < 196.98
    assert first["holds"] is holds
    assert verdict["label"] in (
        ("supported", "supported with caveats") if holds else ("not supported", "misleading")
    )


def test_markdown_and_table(capsys: pytest.CaptureFixture[str], daily_store: Path) -> None:
    md = vigil(capsys, "check", SENTENCE, "--as-of", WEEK[1], "--store", daily_store, "-f", "md")
    assert md.code == 0, md.err
    assert md.out.startswith("> **") and "Tolerance:" in md.out
    table = vigil(capsys, "check", SENTENCE, "--as-of", WEEK[1], "--store", daily_store)
    assert table.code == 0, table.err
    assert "Tolerance" in table.out and "deepstate" in table.out


def test_a_file_of_sentences(
    capsys: pytest.CaptureFixture[str], daily_store: Path, tmp_path: Path
) -> None:
    src = tmp_path / "in.csv"
    with src.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "text", "as_of"])
        w.writerow(["a", SENTENCE, WEEK[1]])
        w.writerow(["b", "The weather was fine.", WEEK[1]])
        w.writerow(["c", "Russian forces seized 5,000 km² in October 2024", ""])
    out = tmp_path / "out.csv"
    run = vigil(capsys, "check", "--file", src, "--store", daily_store, "-o", out, "-q")
    assert run.code == 0, run.err
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    assert rows[1]["label"] == "" and rows[1]["summary"].startswith("no checkable claim")
    # October 2024 was about 500 km², nowhere near 5,000 (4,500 ≤ x < 5,500)
    assert rows[2]["label"] == "not supported"
    assert rows[2]["anchor_basis"] == "today"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check"], "give a sentence or --file"),
        (["check", "x", "--file", "f.csv"], "give a sentence or --file"),
        (["check", "  "], "expected a sentence"),
        (["check", SENTENCE, "--as-of", "28/10/2024"], "expected a date as YYYY-MM-DD"),
    ],
)
def test_bad_input_is_one_line(
    capsys: pytest.CaptureFixture[str], daily_store: Path, args: list[str], message: str
) -> None:
    run = vigil(capsys, *args, "--store", daily_store)
    assert run.code != 0
    assert message in run.err + run.out
    assert "Traceback" not in run.err


def test_a_bad_file_names_the_row(
    capsys: pytest.CaptureFixture[str], daily_store: Path, tmp_path: Path
) -> None:
    src = tmp_path / "in.csv"
    src.write_text("id,text\n1,Russian forces seized 10 km² last week\n2,\n", encoding="utf-8")
    run = vigil(capsys, "check", "--file", src, "--store", daily_store)
    assert run.code == 1
    assert f"{src}: row 3: field 'text' is empty" in run.err
    nocol = tmp_path / "nocol.csv"
    nocol.write_text("sentence\nx\n", encoding="utf-8")
    run = vigil(capsys, "check", "--file", nocol, "--store", daily_store)
    assert run.code == 1 and "expected a CSV with a 'text' column" in run.err
