"""`vigil check`: rule on a sentence, or on a file of them (thin: parse, call, render).

    vigil check "Last week alone, Russian forces seized 200 square kilometers" --as-of 2024-10-28
    vigil check --file sentences.csv -o verdicts.csv

A file is a CSV with a ``text`` column (optional ``id`` and ``as_of`` or
``published`` columns) or plain text, one sentence a line; the output is CSV, one row
per claim (:data:`vigil.claims.render.CSV_COLUMNS`).
"""

from __future__ import annotations

import csv
import io
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from vigil.cli_options import OutputOpt, QuietOpt, TerritoryStoreOpt
from vigil.errors import InputError
from vigil.i18n import gettext as _
from vigil.i18n import pgettext

app = typer.Typer(
    name="check",
    help="Check a sentence about territory or political prisoners against the data.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class CheckFormat(StrEnum):
    """How ``vigil check`` prints its verdicts."""

    TABLE = "table"
    JSON = "json"
    MD = "md"
    CSV = "csv"


@app.command()
def check(
    text: Annotated[
        str | None,
        typer.Argument(
            metavar="TEXT",
            help="The sentence(s) to check, in English, Russian, Ukrainian or Azerbaijani.",
        ),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            metavar="<file>",
            help="Check every sentence of a CSV (column 'text'; optional 'id', 'as_of') or a "
            "text file (one a line); prints CSV.",
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="<date>",
            help="Read 'last week', 'in October'… against this day (YYYY-MM-DD). Default: "
            "a date the text gives as its own, else today.",
        ),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option("--source", help="Territory source ruled on first (default: the store's)."),
    ] = None,
    store: TerritoryStoreOpt = None,
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            help="Cases database (URL or SQLite file). Default: $DATABASE_URL, else the "
            "per-user cases.sqlite.",
        ),
    ] = None,
    level: Annotated[
        str,
        typer.Option(
            "--level",
            "-l",
            envvar="VIGIL_LEVEL",
            show_envvar=False,
            help="Reader's level for registry claims (default $VIGIL_LEVEL or public).",
        ),
    ] = "public",
    fmt: Annotated[
        CheckFormat | None,
        typer.Option(
            "--format",
            "-f",
            case_sensitive=False,
            help="Output format (default: table for a sentence, csv for --file).",
        ),
    ] = None,
    output: OutputOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Check a sentence about territory or political prisoners against the data.

    Prints one verdict per claim (supported, supported with caveats, misleading, not
    supported, cannot be checked) with the figures under every reading, the data used,
    the tolerance the sentence's own precision allows, and the caveats.
    """
    from vigil.claims import Checker

    if (text is None) == (file is None):
        raise InputError(_("give a sentence or --file, not both and not neither"), param="text")
    who = _level(level) if _needs_cases() else None
    checker = Checker(store, source=source, database=database, who=who)
    if file is not None:
        _batch(checker, file, as_of, fmt or CheckFormat.CSV, output, quiet)
        return
    assert text is not None
    report = checker.check(text, as_of)
    _print(report, fmt or CheckFormat.TABLE, output)


def _needs_cases() -> bool:
    try:
        import django  # noqa: F401
    except ImportError:
        return False
    return True


def _level(name: str) -> object:
    from vigil.cases.levels import Level

    try:
        return Level.parse(name)
    except (ValueError, KeyError) as exc:
        raise InputError(
            _("expected a level name, got %(value)s") % {"value": repr(name)}, param="level"
        ) from exc


def _print(report: object, fmt: CheckFormat, output: Path | None) -> None:
    from vigil.claims import render
    from vigil.claims.model import Report
    from vigil.output import write_csv, write_text

    assert isinstance(report, Report)
    if fmt is CheckFormat.JSON:
        write_text(render.report_json(report), output)
    elif fmt is CheckFormat.MD:
        write_text(render.markdown(report) + "\n", output)
    elif fmt is CheckFormat.CSV:
        write_text(write_csv(list(render.CSV_COLUMNS), render.csv_rows("1", report)), output)
    else:
        if output is not None:
            raise InputError(_("--output needs --format json, md or csv"), param="output")
        _terminal(report)


def _terminal(report: object) -> None:
    from rich.panel import Panel
    from rich.text import Text

    from vigil.claims import render
    from vigil.claims.model import Label, Report
    from vigil.output import console

    assert isinstance(report, Report)
    out = console()
    p = report.parsed
    sentence = Text(p.text)
    for v in report.verdicts:
        sentence.stylize("bold underline", v.claim.span.start, v.claim.span.end)
    out.print(sentence)
    # Translators: %(lang)s is a language code (uk), %(date)s an ISO date, %(basis)s why
    # that date (e.g. "the date the text gives")
    out.print(
        _("[%(lang)s; dates read against %(date)s, %(basis)s]")
        % {"lang": p.lang, "date": p.anchor, "basis": p.anchor_basis}
    )
    if report.message:
        out.print(report.message)
    colours = {
        Label.SUPPORTED: "green",
        Label.CAVEATS: "yellow",
        Label.MISLEADING: "magenta",
        Label.NOT_SUPPORTED: "red",
        Label.CANNOT_CHECK: "blue",
    }
    for v in report.verdicts:
        body = [v.summary]
        if v.tolerance is not None:
            body.append(_("Tolerance: %(why)s") % {"why": v.tolerance.why})
        body += [f"  {render.figure_line(f)}" for f in v.figures]
        body += [_("Caveat: %(caveat)s") % {"caveat": c} for c in v.caveats]
        if v.needed:
            body.append(_("Needed: %(needed)s") % {"needed": v.needed})
        if v.evidence:
            body.append(_("Evidence: %(evidence)s") % {"evidence": v.evidence})
        # Translators: %(verdict)s is the verdict in capitals, %(claim)s what was claimed
        title = _("%(verdict)s · %(claim)s") % {
            "verdict": _verdict(v.label).upper(),
            "claim": render.describe_claim(v.claim),
        }
        out.print(
            Panel("\n".join(body), title=title, title_align="left", border_style=colours[v.label])
        )


def _verdict(label: object) -> str:
    """A verdict's label in the reader's language (the label itself in JSON and CSV)."""
    from vigil.claims.model import Label

    words: dict[object, str] = {
        Label.SUPPORTED: pgettext("verdict", "supported"),
        Label.CAVEATS: pgettext("verdict", "supported with caveats"),
        Label.MISLEADING: pgettext("verdict", "misleading"),
        Label.NOT_SUPPORTED: pgettext("verdict", "not supported"),
        Label.CANNOT_CHECK: pgettext("verdict", "cannot be checked"),
    }
    return words.get(label, str(label))


def _batch(
    checker: object,
    file: Path,
    as_of: str | None,
    fmt: CheckFormat,
    output: Path | None,
    quiet: bool,
) -> None:
    """Check every sentence of ``file``; a sentence that cannot be read (an empty text, a
    bad date) is an error naming its row, before anything is printed."""
    from vigil.claims import Checker, render
    from vigil.output import jsonable, write_csv, write_text

    assert isinstance(checker, Checker)
    if fmt not in (CheckFormat.CSV, CheckFormat.JSON):
        raise InputError(_("--file prints csv or json"), param="format")
    from vigil.output import progress

    rows = _read_sentences(file, as_of)
    reports = []
    with progress(quiet) as bar:
        task = bar.add_task(_("Checking"), total=len(rows), item="") if bar else None
        for ident, text, day in rows:
            try:
                reports.append((ident, checker.check(text, day)))
            except InputError as exc:
                raise InputError(
                    # Translators: %(row)s is the row's id or number, %(error)s the problem
                    _("%(file)s: row %(row)s: %(error)s")
                    % {"file": file, "row": ident, "error": exc}
                ) from exc
            if bar is not None and task is not None:
                bar.update(task, advance=1, item=ident)
    if fmt is CheckFormat.JSON:
        import json

        records = [{"id": i, **render.report_record(r)} for i, r in reports]
        write_text(json.dumps(jsonable(records), indent=2, ensure_ascii=False) + "\n", output)
        return
    lines = [row for i, r in reports for row in render.csv_rows(i, r)]
    write_text(write_csv(list(render.CSV_COLUMNS), lines), output)


def _read_sentences(file: Path, as_of: str | None) -> list[tuple[str, str, str | None]]:
    """(id, text, as_of) of each sentence of a CSV with a ``text`` column, or of each
    non-empty line of a text file."""
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise InputError(
            _("%(path)s: cannot read (%(reason)s)") % {"path": file, "reason": exc.strerror}
        ) from exc
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            _("%(path)s: not UTF-8 text (%(reason)s)") % {"path": file, "reason": exc.reason}
        ) from exc
    if file.suffix.lower() != ".csv":
        lines = [line.strip() for line in content.splitlines()]
        return [(str(n), line, as_of) for n, line in enumerate(lines, 1) if line]
    reader = csv.DictReader(io.StringIO(content))
    if reader.fieldnames is None or "text" not in reader.fieldnames:
        raise InputError(_("%(path)s: expected a CSV with a 'text' column") % {"path": file})
    out = []
    for n, row in enumerate(reader, 2):
        text = (row.get("text") or "").strip()
        if not text:
            raise InputError(
                _("%(path)s: row %(row)s: field 'text' is empty; expected a sentence")
                % {"path": file, "row": n}
            )
        day = (row.get("as_of") or row.get("published") or "").strip() or as_of
        out.append(((row.get("id") or "").strip() or str(n), text, day))
    return out
