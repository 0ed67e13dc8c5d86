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

import datetime as dt
import hashlib
import json
import sys
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from vigil.errors import InputError
from vigil.output import OutputFormat, console, emit_frame, emit_record, output_format
from vigil.output import table as rich_table

app = typer.Typer(
    help="The registry of political prisoners: cases, hearings, status, published lists.",
    no_args_is_help=True,
)

LevelOpt = Annotated[
    str,
    typer.Option(
        "--level",
        "-l",
        envvar="VIGIL_LEVEL",
        help="Reader's level: public, internal or restricted (default $VIGIL_LEVEL or public).",
        show_envvar=False,
    ),
]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")]
OutOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
]
WriteLevelOpt = Annotated[
    str,
    typer.Option(
        "--level",
        "-l",
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


def _open(level: str | None = None):
    """Configure Django and the schema; return the reader's level."""
    from vigil.cases import setup
    from vigil.cases.levels import Level

    parsed = Level.parse(level or "public", "--level") if level is not None else None
    setup(_database)
    return parsed


def _busy(message: str, quiet: bool = False) -> AbstractContextManager[object]:
    """A spinner on stderr while long work runs; nothing when not a terminal or quiet."""
    if quiet or not sys.stderr.isatty():
        return nullcontext()
    return console(stderr=True).status(message)


def _day(value: str | None, flag: str) -> dt.date | None:
    from vigil.cases.dates import parse_day

    return parse_day(value, flag) if value else None


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
    level: WriteLevelOpt = "restricted",
    actor: ActorOpt = None,
    format: FormatOpt = "table",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only problems.")] = False,
) -> None:
    """Import people, cases, hearings, lists… in one transaction (all rows or none)."""
    from vigil.cases.importers import import_file
    from vigil.cases.policy import Actor

    fmt = output_format(format)
    who = Actor.operator_at(_open(level), name=actor)
    with _busy(f"Importing {file.name}…", quiet):
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
        emit_frame(frame, fmt)
    else:
        counts = _import_counts(frame)
        if not quiet and not counts.empty:
            done = "imported" if report.committed else "nothing written"
            title = f"{file.name}: " + ("dry run, nothing written" if dry_run else done)
            emit_frame(counts, fmt, title=title)
        if report.problems:
            problems = pd.DataFrame(
                [(p.table, p.row, p.column, p.problem) for p in report.problems],
                columns=["table", "row", "column", "problem"],
            )
            console(stderr=True).print(rich_table(problems, "Rejected rows"))
    if report.problems and not skip_invalid:
        raise InputError(
            f"{file}: {len(report.problems)} problem(s) in the rows listed above; "
            "nothing was imported (fix them, or --skip-invalid)"
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
        str, typer.Option("--level", "-l", help="public, internal or restricted (required).")
    ],
    format: Annotated[str, typer.Option("--format", "-f", help="json, csv or xlsx.")] = "json",
    output: OutOpt = None,
    table: Annotated[
        str | None, typer.Option("--table", help="CSV: only this table (e.g. people), as text.")
    ] = None,
    actor: ActorOpt = None,
) -> None:
    """Export the registry at a reader's level: nothing above it ever leaves."""
    from vigil.cases import audit
    from vigil.cases.exporters import ExportFormat, export

    reader = _open(level)
    try:
        fmt = ExportFormat(format.lower())
    except ValueError:
        raise InputError(f"--format: expected json, csv or xlsx, got {format!r}") from None
    binary = fmt is ExportFormat.XLSX or (fmt is ExportFormat.CSV and table is None)
    if binary and output is None:
        raise InputError(f"--format {fmt}: give a file with --output (the export is binary)")
    with _busy(f"Exporting at level {reader.label}…"):
        data = export(reader, fmt, table)
    if output is None:
        sys.stdout.write(data.decode("utf-8"))
    else:
        try:
            output.write_bytes(data)
        except OSError as exc:
            raise InputError(f"{output}: cannot write ({exc.strerror})") from None
    detail = {
        "level": reader.label,
        "format": str(fmt),
        "table": table,
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
    }
    audit.record("export", str(output or "stdout"), detail, by=actor)
    if output is not None:
        console(stderr=True).print(f"{reader.label} export written to {output} ({len(data):,} B)")


@app.command()
def find(
    name: Annotated[str, typer.Argument(help="A name in any script or spelling.")],
    limit: Annotated[int, typer.Option(help="At most this many people.")] = 10,
    level: LevelOpt = "public",
    format: FormatOpt = "table",
) -> None:
    """Find people by name across scripts and spellings (Əli Kərimli = Али Керимли)."""
    from vigil.cases import registry

    fmt = output_format(format)
    reader = _open(level)
    frame = registry.find(name, reader, limit=limit)
    if frame.empty and fmt is OutputFormat.TABLE:
        console().print(f"No person matches {name!r}.")
        return
    emit_frame(frame, fmt, title=f"People matching {name!r}")


@app.command()
def duplicates(
    threshold: Annotated[float, typer.Option(help="Lowest similarity to propose (0–100).")] = 90,
    level: LevelOpt = "public",
    format: FormatOpt = "table",
) -> None:
    """Propose pairs of records that may be the same person (merge with `merge`)."""
    from vigil.cases.merge import duplicates as find_duplicates

    fmt = output_format(format)
    reader = _open(level)
    frame = find_duplicates(reader, threshold)
    caption = "Merge with: vigil cases merge KEEP DROP" if len(frame) else None
    emit_frame(frame, fmt, title="Possible duplicates", caption=caption)


@app.command()
def merge(
    keep: Annotated[str, typer.Argument(help="The person to keep (ref).")],
    drop: Annotated[str, typer.Argument(help="The duplicate, merged into KEEP (ref).")],
    level: WriteLevelOpt = "restricted",
    actor: ActorOpt = None,
    format: FormatOpt = "table",
) -> None:
    """Merge a duplicate into a person; history is kept and the old ref still resolves."""
    from vigil.cases.merge import merge as do_merge
    from vigil.cases.policy import Actor

    fmt = output_format(format)
    who = Actor.operator_at(_open(level), name=actor)
    result = do_merge(keep, drop, actor=who)
    record = {
        "kept": result["kept"],
        "merged": result["merged"],
        **{f"moved_{k}": v for k, v in result["moved"].items()},
        "filled": ", ".join(result["filled"]),
    }
    emit_record(record, fmt, title="Merged")


@app.command("list")
def list_(
    on: OnOpt = None,
    status: Annotated[
        str | None,
        typer.Option(help="held, house_arrest, deprived, free, dead, or an event kind."),
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
    level: LevelOpt = "public",
    format: FormatOpt = "table",
    output: OutOpt = None,
) -> None:
    """List people with their status on a date, filtered."""
    from vigil.cases import registry

    fmt = output_format(format)
    reader = _open(level)
    day = _day(on, "--on") or dt.date.today()
    frame = registry.list_people(
        reader,
        on=day,
        status=status,
        organisation_key=organisation,
        charge=charge,
        designation=designation,
        release_key=release,
    )
    emit_frame(frame, fmt, title=f"{len(frame)} people (status on {day})", path=output)


@app.command()
def show(
    person: Annotated[str, typer.Argument(help="Ref or name.")],
    level: LevelOpt = "public",
    actor: ActorOpt = None,
    format: FormatOpt = "table",
) -> None:
    """Everything on one person at your level (restricted reads are audited)."""
    from vigil.cases import registry

    fmt = output_format(format)
    reader = _open(level)
    record = registry.show(person, reader, actor=actor)
    if fmt is OutputFormat.JSON:
        emit_record(record, fmt)
        return
    flat = {k: v for k, v in record.items() if not isinstance(v, list | dict)}
    flat["names"] = "; ".join(
        f"{n['name']} ({n['language'] or '?'}, {n['kind']})" for n in record["names"]
    )
    status = record.get("status")
    flat["status"] = f"{status['kind']} since {status['since']}" if status else ""
    for key in ("organisations", "cases", "sentences", "designations", "lists"):
        flat[key] = "; ".join(", ".join(str(v) for v in item.values() if v) for item in record[key])
    if record.get("merged_from"):
        flat["merged_from"] = ", ".join(record["merged_from"])
    emit_record(flat, fmt, title=record["name"])


@app.command()
def timeline(
    person: Annotated[str, typer.Argument(help="Ref or name.")],
    level: LevelOpt = "public",
    format: FormatOpt = "table",
) -> None:
    """A person's detention timeline (status events in order)."""
    from vigil.cases import registry

    fmt = output_format(format)
    reader = _open(level)
    found = registry.person(person, reader)
    frame = registry.timeline(found.ref, reader)
    emit_frame(frame, fmt, title=f"Timeline of {found.name} ({found.ref})")


@app.command()
def hearings(
    case: Annotated[str, typer.Argument(help="Case ref or number.")],
    on: Annotated[
        str | None, typer.Option("--on", help="Count as of this day (default today).")
    ] = None,
    level: LevelOpt = "public",
    format: FormatOpt = "table",
) -> None:
    """The hearings of a case and its chain of postponements."""
    from vigil.cases.hearings import chain

    fmt = output_format(format)
    reader = _open(level)
    result = chain(case, reader, _day(on, "--on"))
    if fmt is OutputFormat.JSON:
        record = result.record()
        record["hearings"] = result.hearings.to_dict(orient="records")
        emit_record(record, fmt)
        return
    if fmt is OutputFormat.CSV:
        emit_frame(result.hearings, fmt)
        return
    emit_frame(result.hearings, fmt, title=f"Hearings of {result.title} ({result.case})")
    console().print(f"{result.title}: {result.summary}.")


@app.command()
def releases(
    organisation: Annotated[str, typer.Argument(help="Publishing organisation (ref or name).")],
    level: LevelOpt = "public",
    format: FormatOpt = "table",
) -> None:
    """The list releases an organisation published, with their size and changes."""
    from vigil.cases.releases import releases as list_releases

    fmt = output_format(format)
    reader = _open(level)
    emit_frame(list_releases(organisation, reader), fmt, title=f"Lists published by {organisation}")


@app.command("diff-release")
def diff_release(
    a: Annotated[str, typer.Argument(help="Earlier release (ref or ORG@DATE).")],
    b: Annotated[str, typer.Argument(help="Later release (ref or ORG@DATE).")],
    level: LevelOpt = "public",
    format: FormatOpt = "table",
) -> None:
    """Who was added to and removed from a list between two releases, and why."""
    from vigil.cases.releases import diff

    fmt = output_format(format)
    reader = _open(level)
    frame = diff(a, b, reader)
    added = int((frame["change"] == "added").sum())
    removed = int((frame["change"] == "removed").sum())
    emit_frame(frame, fmt, title=f"{a} → {b}: {added} added, {removed} removed")


@app.command()
def stats(
    on: Annotated[str | None, typer.Option("--on", help="Only this day.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day (default today).")] = None,
    freq: Annotated[str, typer.Option("--freq", help="day, week, month or year.")] = "month",
    by: Annotated[str, typer.Option("--by", help="none, organisation, charge or status.")] = "none",
    chart: Annotated[
        Path | None, typer.Option("--chart", help="Also draw the counts (PNG or SVG).")
    ] = None,
    level: LevelOpt = "public",
    format: FormatOpt = "table",
    output: OutOpt = None,
) -> None:
    """How many people were held (custody or house arrest) on each date, by group."""
    from vigil.cases import stats as cases_stats

    fmt = output_format(format)
    reader = _open(level)
    try:
        group = cases_stats.GroupBy(by.lower())
    except ValueError:
        raise InputError(
            f"--by: expected none, organisation, charge or status, got {by!r}"
        ) from None
    frame = cases_stats.held(
        reader,
        start=_day(start, "--from"),
        end=_day(end, "--to"),
        freq=freq,
        by=group,
        on=_day(on, "--on"),
    )
    if chart is not None:
        cases_stats.chart(frame, chart)
    emit_frame(frame, fmt, title="People held", path=output)
    if chart is not None:
        console(stderr=True).print(f"Chart written to {chart}")


@app.command("audit")
def audit_(
    last: Annotated[int, typer.Option("--last", help="The last N events.")] = 20,
    action: Annotated[str | None, typer.Option(help="Only this action (import, merge…).")] = None,
    format: FormatOpt = "table",
) -> None:
    """The audit trail: who imported, merged, exported or read restricted data, when."""
    fmt = output_format(format)
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
    emit_frame(frame.iloc[::-1], fmt, title="Audit trail")


# Administration (backups, users) lives in its own module; mounted last so that its
# commands come after the registry's in --help.
from vigil.cases.cli_admin import mount  # noqa: E402

mount(app)
