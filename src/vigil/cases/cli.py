"""`vigil cases …`: thin commands over the cases registry (no SQL here).

Each command configures Django once (``--database`` beats ``DATABASE_URL`` beats the
default SQLite file), makes one library call at the reader's ``--level`` and renders
the result. ``--level`` defaults to ``$VIGIL_LEVEL``, else ``public``: a command shows
internal or restricted data only when asked to.

Whoever can open the database can read all of it, so the command line acts as the
*operator* (:meth:`vigil.cases.policy.Actor.operator_at`); ``import`` and ``merge``
change the registry at ``--level`` (default ``restricted``): with ``--level internal``
they see and change nothing above internal, as an internal editor on the site would.
"""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager, nullcontext
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from vigil import i18n
from vigil.cases.levels import Level, LevelName
from vigil.cases.stats import GroupBy
from vigil.cli_options import FormatOpt, FromOpt, OutputFormat, OutputOpt, QuietOpt, ToOpt
from vigil.errors import InputError
from vigil.i18n import gettext as _
from vigil.i18n import ngettext, pgettext
from vigil.periods import Freq

if TYPE_CHECKING:
    import datetime as dt

    import pandas as pd

# Importing this module must stay cheap (every `vigil cases …` command does, and builds
# its options from the enums above): pandas, Django and the renderers (vigil.output) are
# imported inside the commands that use them.

app = typer.Typer(
    help="The registry of political prisoners: cases, hearings, status, published lists.",
    no_args_is_help=True,
)


class StatusFilter(StrEnum):
    """``list --status``: a custody (``deprived`` is held or house arrest) or an event
    kind (:class:`vigil.cases.vocab.Custody`, :class:`vigil.cases.vocab.StatusKind`;
    a test checks this list against them)."""

    DEPRIVED = "deprived"
    HELD = "held"
    HOUSE_ARREST = "house_arrest"
    FREE = "free"
    DEAD = "dead"
    DETAINED = "detained"
    ARRESTED = "arrested"
    RELEASED_PENDING_TRIAL = "released_pending_trial"
    CONVICTED = "convicted"
    SENTENCED = "sentenced"
    TRANSFERRED = "transferred"
    RELEASED = "released"
    PARDONED = "pardoned"
    AMNESTIED = "amnestied"
    ACQUITTED = "acquitted"
    SENTENCE_SERVED = "sentence_served"
    EXILED = "exiled"
    DIED_IN_CUSTODY = "died_in_custody"
    DIED = "died"


class ExportFormat(StrEnum):
    """``export --format``: the interchange file written (not a printed table), the
    values of :class:`vigil.cases.exporters.ExportFormat` (a test checks them)."""

    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


class SheetFormat(StrEnum):
    """``extract --format``: the review sheet written."""

    CSV = "csv"
    XLSX = "xlsx"


LevelOpt = Annotated[
    LevelName,
    typer.Option(
        "--level",
        "-l",
        envvar="VIGIL_LEVEL",
        case_sensitive=False,
        help="Reader's level (default $VIGIL_LEVEL or public).",
        show_envvar=False,
    ),
]
WriteLevelOpt = Annotated[
    LevelName,
    typer.Option(
        "--level",
        "-l",
        case_sensitive=False,
        help="Act at this level: nothing above it is read or changed (default restricted).",
    ),
]
ActorOpt = Annotated[
    str | None,
    typer.Option("--as", help="Who is acting, for the audit trail (default $VIGIL_ACTOR or user)."),
]
OnOpt = Annotated[
    str | None, typer.Option("--on", help="Status on this day (YYYY-MM-DD; default today).")
]

_database: str | None = None


@app.callback()
def cases(
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            help="Database URL (postgres://…) or SQLite file. Default: $DATABASE_URL, "
            "else cases.sqlite in the Vigil data directory.",
        ),
    ] = None,
) -> None:
    """The registry of political prisoners: cases, hearings, status, published lists."""
    global _database
    _database = database


def _open(level: LevelName | None = None) -> Level:
    """Configure Django and the schema; return the reader's level (public when none)."""
    from vigil.cases import setup

    setup(_database)
    # Django is set up only now: give it the command's language (vigil --lang, the locale)
    i18n.activate(i18n.active())
    return Level.parse(str(level or LevelName.PUBLIC))


def _printable(fmt: OutputFormat, output: Path | None) -> OutputFormat:
    """``fmt``, checked against ``output`` before any work is done (a table goes to the
    terminal; a file gets CSV or JSON)."""
    if output is not None and fmt is OutputFormat.TABLE:
        raise InputError(_("--output needs --format csv or json"))
    return fmt


def _busy(message: str, quiet: bool = False) -> AbstractContextManager[object]:
    """A spinner on stderr while long work runs; nothing when not a terminal or quiet."""
    if quiet or not sys.stderr.isatty():
        return nullcontext()
    from vigil.output import console

    return console(stderr=True).status(message)


def _day(value: str | None, param: str) -> dt.date | None:
    """An exact day from an option (``param``: the option's name, for the error)."""
    from vigil.dates import parse_optional_date

    return parse_optional_date(value, param)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="CSV, XLSX, JSON, or a zip of CSVs.")],
    mapping: Annotated[
        Path | None, typer.Option("--mapping", "-m", help="TOML file mapping columns and words.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would change; write nothing.")
    ] = False,
    encoding: Annotated[
        str | None, typer.Option("--encoding", help="Text encoding of a legacy file (cp1251…).")
    ] = None,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Import the valid rows, report the others.")
    ] = False,
    level: WriteLevelOpt = LevelName.RESTRICTED,
    actor: ActorOpt = None,
    format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only problems.")] = False,
) -> None:
    """Import people, cases, hearings, lists… in one transaction (all rows or none).
    The input's kind is read from its name (.csv, .xlsx, .json, .zip); --format is
    the report's."""
    import pandas as pd

    from vigil.cases.importers import import_file
    from vigil.cases.policy import Actor
    from vigil.output import console, emit_frame
    from vigil.output import table as rich_table

    fmt = _printable(format, output)
    who = Actor.operator_at(_open(level), name=actor)
    with _busy(_("Importing %(file)s…") % {"file": file.name}, quiet):
        report = import_file(
            file,
            mapping,
            dry_run=dry_run,
            encoding=encoding,
            actor=who,
            skip_invalid=skip_invalid,
        )
    frame = report.frame()
    if fmt is not OutputFormat.TABLE:
        emit_frame(frame, fmt, path=output)
    else:
        counts = _import_counts(frame)
        if not quiet and not counts.empty:
            if dry_run:
                title = _("%(file)s: dry run, nothing written")
            elif report.committed:
                title = _("%(file)s: imported")
            else:
                title = _("%(file)s: nothing written")
            emit_frame(counts, fmt, title=title % {"file": file.name})
        if report.problems:
            problems = pd.DataFrame(
                [
                    (
                        p.table,
                        f"{p.row} ({p.where})" if p.where else str(p.row),
                        p.column,
                        pgettext("import outcome", "cell left out")
                        if p.dropped
                        else pgettext("import outcome", "row rejected"),
                        p.problem,
                    )
                    for p in report.problems
                ],
                columns=["table", "row", "column", "outcome", "problem"],
            )
            console(stderr=True).print(rich_table(problems, _("Problems")))
    if report.problems and not skip_invalid:
        n = len(report.problems)
        raise InputError(
            ngettext(
                "%(file)s: %(n)d problem(s) in the rows listed above; "
                "nothing was imported (fix them, or --skip-invalid)",
                "%(file)s: %(n)d problems in the rows listed above; "
                "nothing was imported (fix them, or --skip-invalid)",
                n,
            )
            % {"file": file, "n": n}
        )


def _import_counts(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame
    counts = frame.groupby(["table", "action"]).size().unstack(fill_value=0)
    for action in ("create", "update", "unchanged", "reject"):
        if action not in counts:
            counts[action] = 0
    return counts[["create", "update", "unchanged", "reject"]].reset_index()


@app.command()
def export(
    level: Annotated[
        LevelName,
        typer.Option("--level", "-l", case_sensitive=False, help="Reader's level (required)."),
    ],
    format: Annotated[
        ExportFormat,
        typer.Option(
            "--format", "-f", case_sensitive=False, help="The file written (csv: a zip of tables)."
        ),
    ] = ExportFormat.JSON,
    output: OutputOpt = None,
    table: Annotated[
        str | None, typer.Option("--table", help="CSV: only this table (e.g. people), as text.")
    ] = None,
    actor: ActorOpt = None,
) -> None:
    """Export the registry at a reader's level: nothing above it ever leaves."""
    import hashlib

    from vigil.cases import audit
    from vigil.cases import exporters as ex
    from vigil.output import console

    reader = _open(level)
    fmt = ex.ExportFormat(format.value)
    binary = fmt is ex.ExportFormat.XLSX or (fmt is ex.ExportFormat.CSV and table is None)
    if binary and output is None:
        raise InputError(
            _("--format %(format)s: give a file with --output (the export is binary)")
            % {"format": fmt}
        )
    # Translators: %(level)s is a reader's level (public, internal, restricted)
    with _busy(_("Exporting at level %(level)s…") % {"level": reader.label}):
        data = ex.export(reader, fmt, table)
    if output is None:
        sys.stdout.write(data.decode("utf-8"))
    else:
        try:
            output.write_bytes(data)
        except OSError as exc:
            raise InputError(
                _("%(path)s: cannot write (%(reason)s)") % {"path": output, "reason": exc.strerror}
            ) from None
    detail = {
        "level": reader.label,
        "format": str(fmt),
        "table": table,
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
    }
    audit.record("export", str(output or "stdout"), detail, by=actor)
    if output is not None:
        size = f"{len(data):,}" if i18n.active() == "en" else i18n.integer(len(data))
        # Translators: %(level)s is a reader's level, %(size)s a number of bytes
        console(stderr=True).print(
            _("%(level)s export written to %(path)s (%(size)s B)")
            % {"level": reader.label, "path": output, "size": size}
        )


@app.command()
def extract(
    file: Annotated[
        Path, typer.Argument(help="The published list: .pdf, .docx, .html/.htm or .txt.")
    ],
    format: Annotated[
        SheetFormat | None,
        typer.Option(
            "--format",
            "-f",
            case_sensitive=False,
            help="The review sheet written (default: the suffix of --output, else csv).",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="The review sheet (default: the stem of FILE + .review.csv, in this folder).",
            metavar="<file>",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite an existing sheet.", metavar="")
    ] = False,
    quiet: QuietOpt = False,
) -> None:
    """Extract the numbered entries of a list published as a document into a review
    sheet; correct it, then `vigil cases import SHEET -m data/cases-demo/review.mapping.toml`.

    Reads no database and writes nothing but the sheet. An existing sheet (perhaps
    already corrected) is never overwritten without --force."""
    from vigil.cases.extract import extract as find_entries
    from vigil.cases.extract import write_review
    from vigil.output import console

    if format is None:
        by_suffix = output is not None and output.suffix.lower() == ".xlsx"
        format = SheetFormat.XLSX if by_suffix else SheetFormat.CSV
    if output is None:
        output = Path(f"{file.stem}.review.{format}")
    elif output.suffix.lower() != f".{format}":
        raise InputError(
            _("%(name)s: the sheet is written as %(format)s: name it *.%(format)s")
            % {"name": output.name, "format": format}
        )
    if output.exists() and not force:
        raise InputError(
            _("%(path)s: exists (a corrected sheet?); give --force to overwrite it")
            % {"path": output}
        )
    with _busy(_("Reading %(file)s…") % {"file": file.name}, quiet):
        found = find_entries(file)
    write_review(found, output)
    if not quiet:
        err = console(stderr=True)
        # Translators: %(summary)s says what was found ("212 entries, numbered 1–212")
        line = _("%(summary)s; review sheet written to %(path)s") % {
            "summary": found.summary(),
            "path": output,
        }
        err.print(line, soft_wrap=True)
        for note in found.problems:
            err.print("  " + _("note: %(note)s") % {"note": note}, soft_wrap=True)


@app.command()
def find(
    query: Annotated[str, typer.Argument(metavar="NAME", help="A name in any script or spelling.")],
    limit: Annotated[int, typer.Option(help="At most this many people.")] = 10,
    level: LevelOpt = LevelName.PUBLIC,
    format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """Find people by name across scripts and spellings (Əli Kərimli = Али Керимли)."""
    from vigil.cases import search  # not registry: no pandas for a name search
    from vigil.output import console, emit_rows

    fmt = _printable(format, output)
    reader = _open(level)
    rows = search.find(query, reader, limit=limit)
    if not rows and fmt is OutputFormat.TABLE:
        console().print(_("No person matches %(query)s.") % {"query": repr(query)})
        return
    title = _("People matching %(query)s") % {"query": repr(query)}
    emit_rows(rows, search.COLUMNS, fmt, title=title, path=output)


@app.command()
def duplicates(
    threshold: Annotated[float, typer.Option(help="Lowest similarity to propose (0–100).")] = 90,
    level: LevelOpt = LevelName.PUBLIC,
    format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """Propose pairs of records that may be the same person (merge with `merge`)."""
    from vigil.cases.merge import duplicates as find_duplicates
    from vigil.output import emit_frame

    fmt = _printable(format, output)
    reader = _open(level)
    frame = find_duplicates(reader, threshold)
    caption = _("Merge with: vigil cases merge KEEP DROP") if len(frame) else None
    emit_frame(frame, fmt, title=_("Possible duplicates"), caption=caption, path=output)


@app.command()
def merge(
    keep: Annotated[str, typer.Argument(help="The person to keep (ref).")],
    drop: Annotated[str, typer.Argument(help="The duplicate, merged into KEEP (ref).")],
    level: WriteLevelOpt = LevelName.RESTRICTED,
    actor: ActorOpt = None,
    format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """Merge a duplicate into a person; history is kept and the old ref still resolves."""
    from vigil.cases.merge import merge as do_merge
    from vigil.cases.policy import Actor
    from vigil.output import emit_record

    fmt = _printable(format, output)
    who = Actor.operator_at(_open(level), name=actor)
    result = do_merge(keep, drop, actor=who)
    record = {
        "kept": result["kept"],
        "merged": result["merged"],
        **{f"moved_{k}": v for k, v in result["moved"].items()},
        "filled": ", ".join(result["filled"]),
    }
    emit_record(record, fmt, title=_("Merged"), path=output)


@app.command("list")
def list_(
    on: OnOpt = None,
    status: Annotated[
        StatusFilter | None,
        typer.Option(
            case_sensitive=False,
            metavar="STATUS",
            help="A custody (deprived: held or house arrest) or an event kind: "
            + ", ".join(StatusFilter)
            + ".",
            show_default=False,
        ),
    ] = None,
    organisation: Annotated[
        str | None, typer.Option("--organisation", "--org", help="Member of (ref or name).")
    ] = None,
    charge: Annotated[
        str | None,
        typer.Option(help="Defendant under this article (283.1 or 'Criminal Code 283.1')."),
    ] = None,
    designation: Annotated[
        str | None, typer.Option(help="Designated a political prisoner by (organisation).")
    ] = None,
    release: Annotated[
        str | None, typer.Option(help="On this list release (ref or ORG@DATE).")
    ] = None,
    level: LevelOpt = LevelName.PUBLIC,
    format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """List people with their status on a date, filtered."""
    import datetime as dt

    from vigil.cases import registry
    from vigil.output import emit_frame

    fmt = _printable(format, output)
    reader = _open(level)
    day = _day(on, "on") or dt.date.today()
    frame = registry.list_people(
        reader,
        on=day,
        status=status,
        organisation_key=organisation,
        charge=charge,
        designation=designation,
        release_key=release,
    )
    n = len(frame)
    # Translators: %(date)s is an ISO date
    title = ngettext("%(n)d people (status on %(date)s)", "%(n)d people (status on %(date)s)", n)
    emit_frame(frame, fmt, title=title % {"n": n, "date": day}, path=output)


@app.command()
def show(
    person: Annotated[str, typer.Argument(help="Ref or name.")],
    level: LevelOpt = LevelName.PUBLIC,
    actor: ActorOpt = None,
    format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """Everything on one person at your level (restricted reads are audited)."""
    from vigil.cases import registry
    from vigil.output import emit_record

    fmt = _printable(format, output)
    reader = _open(level)
    record = registry.show(person, reader, actor=actor)
    if fmt is OutputFormat.JSON:
        emit_record(record, fmt, path=output)
        return
    flat = {k: v for k, v in record.items() if not isinstance(v, list | dict)}
    flat["names"] = "; ".join(
        f"{n['name']} ({n['language'] or '?'}, {n['kind']})" for n in record["names"]
    )
    status = record.get("status")
    # Translators: %(status)s is a status kind (held, sentenced…), %(date)s an ISO date
    since = _("%(status)s since %(date)s")
    flat["status"] = since % {"status": status["kind"], "date": status["since"]} if status else ""
    for key in ("organisations", "cases", "sentences", "designations", "lists"):
        flat[key] = "; ".join(", ".join(str(v) for v in item.values() if v) for item in record[key])
    if record.get("merged_from"):
        flat["merged_from"] = ", ".join(record["merged_from"])
    emit_record(flat, fmt, title=record["name"], path=output)


@app.command()
def timeline(
    person: Annotated[str, typer.Argument(help="Ref or name.")],
    level: LevelOpt = LevelName.PUBLIC,
    format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """A person's detention timeline (status events in order)."""
    from vigil.cases import registry
    from vigil.output import emit_frame

    fmt = _printable(format, output)
    reader = _open(level)
    found = registry.person(person, reader)
    frame = registry.timeline(found.ref, reader)
    title = _("Timeline of %(name)s (%(ref)s)") % {"name": found.name, "ref": found.ref}
    emit_frame(frame, fmt, title=title, path=output)


@app.command()
def hearings(
    case: Annotated[str, typer.Argument(help="Case ref or number.")],
    on: Annotated[
        str | None, typer.Option("--on", help="Count as of this day (default today).")
    ] = None,
    level: LevelOpt = LevelName.PUBLIC,
    format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """The hearings of a case and its chain of postponements."""
    from vigil.cases.hearings import chain
    from vigil.output import console, emit_frame, emit_record

    fmt = _printable(format, output)
    reader = _open(level)
    result = chain(case, reader, _day(on, "on"))
    if fmt is OutputFormat.JSON:
        record = result.record()
        record["hearings"] = result.hearings.to_dict(orient="records")
        emit_record(record, fmt, path=output)
        return
    if fmt is OutputFormat.CSV:
        emit_frame(result.hearings, fmt, path=output)
        return
    title = _("Hearings of %(title)s (%(case)s)") % {"title": result.title, "case": result.case}
    emit_frame(result.hearings, fmt, title=title)
    # Translators: %(title)s is a case's title, %(summary)s its chain of postponements
    console().print(
        _("%(title)s: %(summary)s.") % {"title": result.title, "summary": result.summary}
    )


@app.command()
def releases(
    organisation: Annotated[str, typer.Argument(help="Publishing organisation (ref or name).")],
    level: LevelOpt = LevelName.PUBLIC,
    format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """The list releases an organisation published, with their size and changes."""
    from vigil.cases.releases import releases as list_releases
    from vigil.output import emit_frame

    fmt = _printable(format, output)
    reader = _open(level)
    frame = list_releases(organisation, reader)
    title = _("Lists published by %(organisation)s") % {"organisation": organisation}
    emit_frame(frame, fmt, title=title, path=output)


@app.command("diff-release")
def diff_release(
    a: Annotated[str, typer.Argument(help="Earlier release (ref or ORG@DATE).")],
    b: Annotated[str, typer.Argument(help="Later release (ref or ORG@DATE).")],
    level: LevelOpt = LevelName.PUBLIC,
    format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """Who was added to and removed from a list between two releases, and why."""
    from vigil.cases.releases import diff
    from vigil.output import emit_frame

    fmt = _printable(format, output)
    reader = _open(level)
    frame = diff(a, b, reader)
    added = int((frame["change"] == "added").sum())
    removed = int((frame["change"] == "removed").sum())
    # Translators: %(a)s and %(b)s are list releases (ORG@DATE)
    title = _("%(a)s → %(b)s: %(added)d added, %(removed)d removed") % {
        "a": a,
        "b": b,
        "added": added,
        "removed": removed,
    }
    emit_frame(frame, fmt, title=title, path=output)


@app.command()
def stats(
    on: Annotated[str | None, typer.Option("--on", help="Only this day (YYYY-MM-DD).")] = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    freq: Annotated[
        Freq, typer.Option("--freq", case_sensitive=False, help="Dates of the series.")
    ] = Freq.MONTH,
    by: Annotated[
        GroupBy, typer.Option("--by", case_sensitive=False, help="A column per group.")
    ] = GroupBy.NONE,
    chart: Annotated[
        Path | None, typer.Option("--chart", help="Also draw the counts (PNG or SVG).")
    ] = None,
    level: LevelOpt = LevelName.PUBLIC,
    format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """How many political prisoners were held on each date (defendants, listed or
    designated people in custody or under house arrest), by group:
    the period starts from --from (default: the first event) to --to (default: today),
    and --to itself; or --on alone."""
    from vigil.cases import stats as cases_stats
    from vigil.output import console, emit_frame

    fmt = _printable(format, output)
    reader = _open(level)
    frame = cases_stats.held(reader, date_from=date_from, date_to=date_to, freq=freq, by=by, on=on)
    if chart is not None:
        cases_stats.chart(frame, chart)
    emit_frame(frame, fmt, title=str(cases_stats.WHAT), path=output)
    if chart is not None:
        console(stderr=True).print(_("Chart written to %(path)s") % {"path": chart})


class IncidentCount(StrEnum):
    """``incidents --by``: list them, or count them by month or place."""

    NONE = "none"
    MONTH = "month"
    PLACE = "place"


@app.command()
def incidents(
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    by: Annotated[
        IncidentCount,
        typer.Option("--by", case_sensitive=False, help="Count by month or place."),
    ] = IncidentCount.NONE,
    level: LevelOpt = LevelName.PUBLIC,
    format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """Incidents counted by heads (detentions at a protest, raids, searches): each one,
    or per month or place the incidents and the people detained."""
    from vigil.cases import incidents as inc
    from vigil.output import console, emit_rows

    fmt = _printable(format, output)
    reader = _open(level)
    if by is IncidentCount.NONE:
        rows = inc.listing(reader, date_from=date_from, date_to=date_to)
        columns: tuple[str, ...] = inc.COLUMNS
        title = _("Incidents")
    else:
        rows = inc.counts(reader, by.value, date_from=date_from, date_to=date_to)
        columns = (by.value, "incidents", "detained", "without_count")
        title = _("Incidents by month") if by is IncidentCount.MONTH else _("Incidents by place")
    if not rows and fmt is OutputFormat.TABLE:
        console().print(_("No incident in the registry for these dates."))
        return
    emit_rows(rows, columns, fmt, title=title, path=output)


@app.command("audit")
def audit_(
    last: Annotated[int, typer.Option("--last", help="The last N events.")] = 20,
    action: Annotated[str | None, typer.Option(help="Only this action (import, merge…).")] = None,
    format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """The audit trail: who imported, merged, exported or read restricted data, when."""
    import json

    import pandas as pd

    from vigil.output import emit_frame

    fmt = _printable(format, output)
    _open()
    from vigil.cases import audit
    from vigil.cases.policy import Actor

    events = audit.events(Actor.operator_at())
    if action:
        events = events.filter(action=action)
    rows = [
        {
            "at": e.at.isoformat(timespec="seconds"),
            "actor": e.actor,
            "action": e.action,
            "target": e.target,
            "detail": json.dumps(e.detail, ensure_ascii=False)
            if fmt is not OutputFormat.JSON
            else e.detail,
        }
        for e in events[: max(last, 0)]
    ]
    frame = pd.DataFrame(rows, columns=["at", "actor", "action", "target", "detail"])
    if fmt is OutputFormat.TABLE:
        frame["detail"] = frame["detail"].str.slice(0, 80)
    emit_frame(frame.iloc[::-1], fmt, title=_("Audit trail"), path=output)


# Administration (backups, users) lives in its own module; mounted last so that its
# commands come after the registry's in --help.
from vigil.cases.cli_admin import mount  # noqa: E402

mount(app)
