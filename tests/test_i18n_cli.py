"""The CLI in the user's language: ``--lang``, else the locale; tables and messages
translated and formatted for the language, CSV and JSON the same in every language, the
weekly brief written in the language asked for. Called the way a user calls it.

Expected words come from the catalogues (``vigil.i18n``) and must differ from the
English, so output left in English fails."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.cli_runner import vigil
from vigil import i18n

DAY = "2026-08-01"


def _said(lang: str, english: str, context: str | None = None) -> str:
    with i18n.override(lang):
        said = i18n.pgettext(context, english) if context else i18n.gettext(english)
    assert said != english, f"{english!r} has no {lang} translation"
    return said


def test_an_unknown_language_is_refused_in_one_line(capsys):
    run = vigil(capsys, "--lang", "de", "territory", "area")
    assert run.code == 2
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    assert "--lang" in lines[0] and all(code in lines[0] for code in ("en", "az", "uk", "ru"))


@pytest.mark.parametrize("how", ["flag", "locale"])
def test_an_error_speaks_the_chosen_language(capsys, monkeypatch, tmp_path, how):
    missing = tmp_path / "none.sqlite"
    if how == "flag":
        run = vigil(capsys, "--lang", "uk", "territory", "area", "--store", missing, "--date", DAY)
    else:
        monkeypatch.setenv("LANGUAGE", "")
        monkeypatch.setenv("LC_ALL", "")
        monkeypatch.setenv("LANG", "uk_UA.UTF-8")
        run = vigil(capsys, "territory", "area", "--store", missing, "--date", DAY)
    assert run.code == 1
    prefix = _said("uk", "Error: %(message)s").split("%(message)s")[0]
    assert run.err.startswith(prefix), run.err
    assert "Traceback" not in run.err
    # the next command in the same process, without --lang, is English again
    monkeypatch.setenv("LANGUAGE", "en")
    again = vigil(capsys, "territory", "area", "--store", missing, "--date", DAY)
    assert again.err.startswith("Error: "), again.err


def test_tables_follow_the_language_and_machine_formats_do_not(capsys, daily_store):
    args = ("territory", "series", "--store", daily_store, "--freq", "week", "--last", "4")
    english = vigil(capsys, *args)
    assert english.code == 0, english.err
    same = vigil(capsys, "--lang", "en", *args)
    assert same.out == english.out  # --lang en is today's output, byte for byte
    uk = vigil(capsys, "--lang", "uk", *args)
    assert uk.code == 0, uk.err
    # a total area of six digits: grouped with a no-break space, decimal comma
    assert re.search(r"\d{3}\u00a0\d{3},\d", uk.out), uk.out
    assert not re.search(r"\d{3},\d{3}\.\d", uk.out)
    az = vigil(capsys, "--lang", "az", *args)
    assert re.search(r"\d{3}\.\d{3},\d", az.out), az.out
    for fmt in ("csv", "json"):
        plain = vigil(capsys, *args, "--format", fmt)
        assert plain.code == 0, plain.err
        for lang in ("uk", "ru", "az"):
            assert vigil(capsys, "--lang", lang, *args, "--format", fmt).out == plain.out, (
                lang,
                fmt,
            )


def test_the_brief_is_written_in_the_language_asked_for(capsys, daily_geo_store, tmp_path):
    out = {}
    for lang in ("en", "uk", "az", "ru"):
        path = tmp_path / f"brief-{lang}.md"
        run = vigil(
            capsys, "territory", "brief", "--store", daily_geo_store, "--lang", lang, "-o", path
        )
        assert run.code == 0, run.err
        out[lang] = path.read_text(encoding="utf-8")
    assert "km²" in out["en"] and "км²" not in out["en"]
    assert "км²" in out["uk"] and "км²" in out["ru"]
    with i18n.override("uk"):
        months = [i18n.month_year(f"2026-{m:02d}-01").split()[0] for m in range(1, 13)]
        genitive = [i18n.day_month(f"2026-{m:02d}-15").split()[1] for m in range(1, 13)]
    assert any(m in out["uk"] for m in months + genitive), out["uk"][:500]
    for lang in ("uk", "az", "ru"):
        assert out[lang] != out["en"]
        # the sentences are the catalogue's: the English words of the brief are gone
        for english in ("Occupied area", "Largest"):
            assert english not in out[lang], (lang, english)
    # --lang on the brief wins over the global one
    path = tmp_path / "brief-ru-over-uk.md"
    run = vigil(
        capsys, "--lang", "uk", "territory", "brief", "--store", daily_geo_store,
        "--lang", "ru", "-o", path,
    )  # fmt: skip
    assert run.code == 0, run.err
    # (the same brief but for the names of its chart files, which follow the output's)
    assert path.read_text(encoding="utf-8").replace("brief-ru-over-uk", "brief-ru") == out["ru"]


def test_the_html_brief_says_its_language(capsys, daily_geo_store, tmp_path: Path):
    path = tmp_path / "brief.html"
    run = vigil(
        capsys, "territory", "brief", "--store", daily_geo_store, "--lang", "az", "-o", path
    )
    assert run.code == 0, run.err
    assert '<html lang="az">' in path.read_text(encoding="utf-8")
