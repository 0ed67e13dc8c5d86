"""`vigil territory …`: thin commands over vigil.territory (no geometry, no SQL here).

Each command opens the store, makes one library call and renders the result. The
vocabulary is the one of every `vigil` command (vigil.cli_options): two dates are
``--from/--to``, printed output goes to ``-o/--output`` in ``--format table|csv|json``,
choices are enums listed in ``--help``. Python parameters carry the library's names
(``date_from``, ``week_start``, ``min_fragment_km2`` …), so an error the library raises
about one of them is shown by vigil.cli as this command's flag.

Start-up: only typer, the enums and the error classes are imported here. The library
(pandas, shapely), the renderers (rich, matplotlib) and geopandas are imported by the
commands that use them: ``vigil territory --help`` and argument errors stay instant.
"""

from __future__ import annotations

import datetime as dt
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from vigil import i18n
from vigil.cli_options import (
    FormatOpt,
    FreqOpt,
    FromOpt,
    OutputFormat,
    OutputOpt,
    QuietOpt,
    TerritoryStoreOpt,
    ToOpt,
    WeekStartOpt,
)
from vigil.errors import InputError, VigilError
from vigil.i18n import gettext as _
from vigil.i18n import ngettext
from vigil.periods import Freq, Weekday
from vigil.territory.cli_compare import register as register_compare

if TYPE_CHECKING:
    from vigil.territory.api import IngestReport, Territory
    from vigil.territory.sources.base import Kind

app = typer.Typer(
    help="Front-line control maps: ingest them, then ask for areas, changes, series and records.",
    no_args_is_help=True,
)
chart_app = typer.Typer(help="Draw charts (PNG).", no_args_is_help=True)
app.add_typer(chart_app, name="chart")
geography_app = typer.Typer(
    help="Reference geography: oblasts, raions, hromadas, settlements.", no_args_is_help=True
)
app.add_typer(geography_app, name="geography")


# -- choices -----------------------------------------------------------------------------
class GeoFormat(StrEnum):
    """Output of a command that can also print its geometry."""

    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    GEOJSON = "geojson"


class InputFormat(StrEnum):
    """What `ingest` reads (vigil.territory.sources.FORMATS, or detect it)."""

    AUTO = "auto"
    DEEPSTATE_DAILY = "deepstate-daily"
    DEEPSTATE_RAW = "deepstate-raw"
    VECTOR = "vector"


class ExportFormat(StrEnum):
    """File format of `export` (default: by the file's suffix)."""

    GPKG = "gpkg"
    GEOJSON = "geojson"
    PARQUET = "parquet"


class ExportWhat(StrEnum):
    SNAPSHOTS = "snapshots"
    CHANGE = "change"


class RegionLevel(StrEnum):
    OBLAST = "oblast"
    RAION = "raion"
    HROMADA = "hromada"


class GeographyLevel(StrEnum):
    OBLAST = "oblast"
    RAION = "raion"
    HROMADA = "hromada"
    SETTLEMENT = "settlement"


class BriefLang(StrEnum):
    """``brief --lang``: the languages of vigil.i18n (as ``vigil --lang``)."""

    EN = "en"
    AZ = "az"
    UK = "uk"
    RU = "ru"


class RecordMetric(StrEnum):
    GAINED = "gained"
    LOST = "lost"
    NET = "net"


class SeriesMetric(StrEnum):
    CHANGE = "change"
    FRONTLINE_KM = "frontline_km"


# -- shared options ----------------------------------------------------------------------
# Metavars say what a value is (<date>, <km²>, <n>); flags show none. Enums show their
# choices (<table|csv|json>) and refuse anything else in the parser, case-insensitively.
StoreOpt = TerritoryStoreOpt
SourceOpt = Annotated[
    str | None,
    typer.Option(
        "--source",
        help="Source to query; needed only when the store holds several.",
        metavar="<name>",
    ),
]
GeoFormatOpt = Annotated[
    GeoFormat, typer.Option("--format", "-f", case_sensitive=False, help="Output format.")
]
GreyOpt = Annotated[
    bool,
    typer.Option("--with-grey", help="Add the unknown-status (grey) zone to the area.", metavar=""),
]
ExcludeRedrawsOpt = Annotated[
    bool,
    typer.Option(
        "--exclude-redraws",
        help="Leave out fragments flagged as the source's redraws (docs/method.md, Redraws).",
        metavar="",
    ),
]


def _redraws_opt(default: bool) -> Any:
    return typer.Option(
        "--redraws/--no-redraws",
        help="Flag fragments the source redrew (layer reclassified, pre-2022 area, far"
        " behind the line, a seam) and give their km².",
    )


MinKm2Opt = Annotated[
    float | None,
    typer.Option(
        "--min-fragment-km2",
        help="Sliver filter: also report figures without fragments smaller than this (km²).",
        metavar="<km²>",
    ),
]
MinWidthOpt = Annotated[
    float | None,
    typer.Option(
        "--min-width-km",
        help="Sliver filter: also drop fragments narrower than this (km).",
        metavar="<km>",
    ),
]
LastOpt = Annotated[
    int | None,
    typer.Option("--last", min=0, help="Only the last N periods.", metavar="<n>"),
]
DateOpt = Annotated[
    str | None,
    typer.Option("--date", help="Date (YYYY-MM-DD).", metavar="<date>", show_default=False),
]
PngOpt = Annotated[
    Path, typer.Option("--output", "-o", help="PNG file to write.", metavar="<file>")
]
# Two dates given as words, the older form: `change 2024-10-21 2024-10-28`.
FromArg = Annotated[
    str | None,
    typer.Argument(
        metavar="FROM", help="Earlier date (YYYY-MM-DD); or --from.", show_default=False
    ),
]
ToArg = Annotated[
    str | None,
    typer.Argument(metavar="TO", help="Later date (YYYY-MM-DD); or --to.", show_default=False),
]


def _num(x: float, digits: int = 1) -> str:
    """A figure in a printed sentence: as always in English, else in the reader's format."""
    return f"{x:.{digits}f}" if i18n.active() == "en" else i18n.number(x, digits)


def _int(n: int) -> str:
    """A count in a printed sentence (``12,345`` in English)."""
    return f"{n:,}" if i18n.active() == "en" else i18n.integer(n)


class UsageError(InputError):
    """The command line itself is wrong (a value given twice or not at all): exit code 2,
    as for the parser's own errors, on one line."""

    exit_code = 2


def _either(word: str | None, flag: str | None, metavar: str, name: str) -> str:
    """The value given as the word ``metavar`` or as the option ``name``: exactly one."""
    if word is not None and flag is not None:
        # Translators: %(option)s is an option (--from), %(word)s its word form (FROM)
        message = _(
            "%(option)s: given twice, as %(word)s (%(word_value)s) and as %(option)s (%(value)s)"
        )
        raise UsageError(
            message % {"option": name, "word": metavar, "word_value": word, "value": flag}
        )
    if flag is not None:
        return flag
    if word is not None:
        return word
    raise UsageError(
        _("%(option)s: missing; give %(word)s or %(option)s") % {"option": name, "word": metavar}
    )


def _open(store: Path | None, *, create: bool = False) -> Territory:
    from vigil.territory.api import Territory

    return Territory(store, create=create)


def _pairs(values: list[str], flag: str) -> dict[str, Kind]:
    from vigil.territory.sources.base import Kind

    out: dict[str, Kind] = {}
    for value in values:
        key, sep, kind = value.rpartition("=")
        if not sep or not key:
            raise InputError(
                _("%(option)s: expected NAME=KIND, got %(value)s")
                % {"option": flag, "value": repr(value)}
            )
        try:
            out[key] = Kind(kind.strip().lower())
        except ValueError:
            raise InputError(
                # Translators: "controlled" and "grey" are the values to type, as they are
                _("%(option)s: kind must be controlled or grey, got %(value)s")
                % {"option": flag, "value": repr(kind)}
            ) from None
    return out


# -- ingest ------------------------------------------------------------------------------
@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files, directories or archives.")],
    store: StoreOpt = None,
    format: Annotated[
        InputFormat,
        typer.Option("--input-format", case_sensitive=False, help="What the files hold."),
    ] = InputFormat.AUTO,
    legacy_format: Annotated[
        InputFormat | None,
        typer.Option("--format", case_sensitive=False, hidden=True),  # deprecated: 0.1 name
    ] = None,
    source: Annotated[
        str | None,
        typer.Option("--source", help="Name the data under this source.", metavar="<name>"),
    ] = None,
    date_field: Annotated[
        str | None,
        typer.Option(help="vector: attribute holding each feature's date.", metavar="<field>"),
    ] = None,
    date_pattern: Annotated[
        str | None,
        typer.Option(
            help=r"vector: regex on the file name with a (?P<date>…) group.", metavar="<regex>"
        ),
    ] = None,
    date_format: Annotated[
        str | None,
        typer.Option(help="vector: strptime format of the date (default ISO).", metavar="<fmt>"),
    ] = None,
    where: Annotated[
        str | None,
        typer.Option(help="vector: OGR SQL filter, e.g. \"status = 'occupied'\".", metavar="<sql>"),
    ] = None,
    layer: Annotated[
        str | None, typer.Option(help="vector: the layer to read.", metavar="<name>")
    ] = None,
    layer_kind: Annotated[
        list[str] | None,
        typer.Option(
            help="vector: LAYER=controlled|grey (repeatable); other layers skipped.",
            metavar="<layer=kind>",
        ),
    ] = None,
    kind_field: Annotated[
        str | None,
        typer.Option(help="vector: attribute whose value decides the kind.", metavar="<field>"),
    ] = None,
    kind_value: Annotated[
        list[str] | None,
        typer.Option(
            help="vector: VALUE=controlled|grey for --kind-field (repeatable).",
            metavar="<value=kind>",
        ),
    ] = None,
    members: Annotated[
        str | None,
        typer.Option(
            help="vector: regex on the paths inside directories and archives; "
            "only the files it matches are read.",
            metavar="<regex>",
        ),
    ] = None,
    member_kind: Annotated[
        list[str] | None,
        typer.Option(
            help="vector: REGEX=controlled|grey on a file's path (repeatable); "
            "files it misses go by --kind-field.",
            metavar="<regex=kind>",
        ),
    ] = None,
    date_from: Annotated[
        str | None,
        typer.Option("--from", help="vector: first date to keep (YYYY-MM-DD).", metavar="<date>"),
    ] = None,
    date_to: Annotated[
        str | None,
        typer.Option("--to", help="vector: last date to keep (YYYY-MM-DD).", metavar="<date>"),
    ] = None,
    rules: Annotated[
        Path | None,
        typer.Option(
            "--rules",
            help="vector: TOML rules file with these options (and source, credit), "
            "e.g. data/sources/isw-assessed.toml; a flag given here wins over it.",
            metavar="<file>",
        ),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs", "-j", min=1, help="Worker processes (default: cores).", metavar="<n>"
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Read the files even if unchanged since the last ingest.", metavar=""
        ),
    ] = False,
    quiet: QuietOpt = False,
) -> None:
    """Ingest maps into the store: one transaction; re-ingesting the same data changes nothing.

    --rules FILE reads the vector options, source name and credit from a TOML file
    (shipped ones in data/sources/); a flag given on the command line wins over it.
    """
    from vigil.dates import parse_date

    if legacy_format is not None:
        # 0.1 called this --format; it is an input format, and --format names output
        # formats everywhere else. Kept, hidden, so that scheduled scripts keep working.
        sys.stderr.write(_("note: ingest --format is now --input-format") + "\n")
        if format is not InputFormat.AUTO and format is not legacy_format:
            raise UsageError(
                _("--input-format: given twice (%(value)s, and --format %(legacy)s)")
                % {"value": format, "legacy": legacy_format}
            )
        format = legacy_format
    options: dict[str, object] = {
        "date_field": date_field,
        "date_pattern": date_pattern,
        "date_format": date_format,
        "where": where,
        "layer": layer,
        "layer_kinds": _pairs(layer_kind or [], "--layer-kind") or None,
        "kind_field": kind_field,
        "kind_values": _pairs(kind_value or [], "--kind-value") or None,
    }
    newer = {
        "members": members,
        "member_kinds": _pairs(member_kind or [], "--member-kind") or None,
        "date_from": parse_date(date_from, "date_from") if date_from is not None else None,
        "date_to": parse_date(date_to, "date_to") if date_to is not None else None,
    }
    # Newer options join only when given: an ingest without them keeps the fingerprint
    # it had before they existed (an unchanged input is still recognised as such).
    options.update({k: v for k, v in newer.items() if v is not None})
    credit = None
    if rules is not None:
        from vigil.territory.sources.recipe import load as load_recipe

        recipe = load_recipe(rules)
        options = recipe.options_with(options)
        source = source or recipe.source
        credit = recipe.credit
    if format is InputFormat.AUTO and any(options.values()):
        format = InputFormat.VECTOR  # vector options say what the input is
    from vigil.output import progress

    with _open(store, create=True) as t, progress(quiet) as bar:
        task = bar.add_task(_("Ingesting"), total=None, item="") if bar else None

        def tick(n: int, label: str) -> None:
            if bar is not None and task is not None:
                bar.update(task, completed=n, item=label)

        report = t.ingest(
            paths,
            format=format.value,
            source=source,
            jobs=jobs,
            progress=tick,
            force=force,
            credit=credit,
            **options,
        )
    if not quiet:
        _print_ingest(report)


def _print_ingest(report: IngestReport) -> None:
    from rich.markup import escape

    from vigil.output import console

    out = console()
    values = {
        "source": f"[bold]{escape(report.source)}[/]",
        "format": report.format,
        "added": report.added,
        "replaced": len(report.replaced),
        "unchanged": report.unchanged,
        "first": report.first,
        "last": report.last,
        "seconds": _num(report.seconds),
    }
    if report.first:
        # Translators: %(source)s is a source's name (in bold), %(format)s its input
        # format, %(first)s and %(last)s ISO dates; keep the [bold]…[/] markup as it is
        line = _(
            "%(source)s (%(format)s): %(added)d added, %(replaced)d replaced,"
            " %(unchanged)d unchanged — %(first)s … %(last)s in %(seconds)s s"
        )
    else:
        # Translators: as above, when the files held no map at all
        line = _(
            "%(source)s (%(format)s): %(added)d added, %(replaced)d replaced,"
            " %(unchanged)d unchanged — nothing in %(seconds)s s"
        )
    # the source's name in bold; the name itself as written
    out.print(line % values, markup=True)
    if report.replaced:
        out.print(
            _("replaced (content changed): %(dates)s") % {"dates": ", ".join(report.replaced)}
        )
    if report.repaired or report.dropped_parts:
        repaired = ngettext(
            "repaired %(n)d invalid geometry", "repaired %(n)d invalid geometries", report.repaired
        ) % {"n": report.repaired}
        dropped = ngettext(
            "dropped %(n)d non-polygonal part(s)",
            "dropped %(n)d non-polygonal part(s)",
            report.dropped_parts,
        ) % {"n": report.dropped_parts}
        # Translators: two clauses, "repaired 2 invalid geometries" and "dropped 1 … part"
        out.print(_("%(repaired)s; %(dropped)s") % {"repaired": repaired, "dropped": dropped})
    if report.counts:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items()))
        # Translators: %(counts)s lists what the files held, "controlled 30, grey 2"
        out.print(_("read: %(counts)s") % {"counts": counts})
    for note in report.notes:
        out.print(_("note: %(note)s") % {"note": note})


# -- fetch -------------------------------------------------------------------------------
@app.command()
def fetch(
    store: StoreOpt = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    url_template: Annotated[
        str | None,
        typer.Option(
            help="URL with a {date:%Y%m%d} field, a file:// URL, or a local directory of daily"
            " files. Default: cyterat/deepstate-map-data.",
            metavar="<url>",
        ),
    ] = None,
    cache: Annotated[
        Path | None, typer.Option(help="Download cache directory.", metavar="<dir>")
    ] = None,
    source: Annotated[str, typer.Option("--source", metavar="<name>")] = "deepstate-daily",
    no_ingest: Annotated[
        bool, typer.Option("--no-ingest", help="Only download, do not ingest.", metavar="")
    ] = False,
    quiet: QuietOpt = False,
) -> None:
    """Download new DeepState daily files (cached, conditional, with retries) and ingest them.

    Files by the day they were made, from --from (default: the file after the last one
    stored) to --to (default: today). The file of day D holds the map of D−1 and is
    stored under D−1 (docs/method.md).
    """
    from vigil.dates import parse_date
    from vigil.output import console
    from vigil.territory.sources import DAILY_MAP_LAG
    from vigil.territory.sources import fetch as fetcher
    from vigil.territory.sources.base import Kind

    with _open(store, create=True) as t:
        if date_from is not None:
            first = parse_date(date_from, "date_from")
        else:
            held = t.store.dates(source, Kind.CONTROLLED) if source in t.source_names() else []
            # the file after the one holding the last map stored
            first = held[-1] + DAILY_MAP_LAG + dt.timedelta(days=1) if held else dt.date(2024, 7, 8)
        last = parse_date(date_to, "date_to") if date_to is not None else dt.date.today()
        if first > last:
            if not quiet:
                shown = first - DAILY_MAP_LAG - dt.timedelta(days=1)
                console().print(
                    _("%(source)s is up to date (last map stored: %(date)s)")
                    % {"source": source, "date": shown}
                )
            return
        from vigil.output import progress

        with progress(quiet) as bar:
            task = (
                bar.add_task(_("Downloading"), total=(last - first).days + 1, item="")
                if bar
                else None
            )

            def tick(day: dt.date, status: str) -> None:
                if bar is not None and task is not None:
                    bar.update(task, advance=1, item=f"{day} {status}")

            result = fetcher.fetch_daily(
                first,
                last,
                url_template=url_template or fetcher.DEFAULT_URL_TEMPLATE,
                cache=cache,
                on_progress=tick,
            )
        if not quiet:
            console().print(
                _(
                    "downloaded %(downloaded)d, unchanged %(unchanged)d,"
                    " missing upstream %(missing)d (cache: %(cache)s)"
                )
                % {
                    "downloaded": len(result.downloaded),
                    "unchanged": len(result.unchanged),
                    "missing": len(result.missing),
                    "cache": result.cache,
                }
            )
        if no_ingest or not result.files:
            return
        report = t.ingest(list(result.files), format="deepstate-daily", source=source)
        if not quiet:
            _print_ingest(report)


# -- what is stored ----------------------------------------------------------------------
@app.command()
def snapshots(
    store: StoreOpt = None,
    source: SourceOpt = None,
    format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """Sources, kinds, dates held and gaps."""
    from vigil.output import emit_frame

    with _open(store) as t:
        frame = t.snapshots(source)
    emit_frame(frame, format, title=_("Snapshots held"), path=output)


@app.command()
def sources(
    store: StoreOpt = None,
    format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """Each source: its dates, snapshot count, gaps, kinds, date convention, and for a
    joined source its parts and the measured step at each seam."""
    from vigil.output import emit_frame

    with _open(store) as t:
        frame = t.sources_table()
    if format is OutputFormat.TABLE:
        frame = frame.assign(
            seam=[_seam_line(s) for s in frame.seam], gaps=[_few(g) for g in frame.gaps]
        )
    emit_frame(frame, format, title=_("Sources"), path=output)


def _few(ranges: str, keep: int = 4) -> str:
    """The first ``keep`` of a comma-separated list of gaps, and how many more."""
    items = [r for r in ranges.split(", ") if r]
    shown = ", ".join(items[:keep])
    if len(items) <= keep:
        return shown
    n = len(items) - keep
    # Translators: %(gaps)s lists the first date ranges of the gaps
    more = ngettext(
        "%(gaps)s, … (%(n)d more; --format json lists all)",
        "%(gaps)s, … (%(n)d more; --format json lists all)",
        n,
    )
    return more % {"gaps": shown, "n": n}


def _seam_line(seams: list[dict[str, Any]] | None) -> str:
    """The seams of a joined source in a table cell (vigil.territory.api.describe_seam)."""
    from vigil.territory.api import describe_seam

    return "; ".join(describe_seam(s) for s in seams or [])


@app.command()
def join(
    name: Annotated[str, typer.Argument(help="The joined source's name.", show_default=False)],
    parts: Annotated[
        list[str], typer.Argument(help="Its parts, oldest first.", show_default=False)
    ],
    until: Annotated[
        list[str] | None,
        typer.Option(
            help="Last date each part but the last stands for (default: its last snapshot);"
            " once per seam.",
            metavar="<date>",
        ),
    ] = None,
    store: StoreOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Join sources into one timeline (DeepState's raw and daily archives are joined as
    `deepstate` by ingest): each date is read from the part standing for it."""
    from vigil.output import console

    with _open(store) as t:
        joined = t.join(name, parts, until=until or None)
    if not quiet:
        out = console()
        for part in joined:
            if part.seam is not None:
                # Translators: %(name)s the joined source, %(part)s one of its parts,
                # %(until)s an ISO date, %(seam)s the measured step at the seam
                line = _("%(name)s: %(part)s until %(until)s; %(seam)s")
                values = {"name": name, "part": part.name, "until": part.until}
                out.print(line % {**values, "seam": _seam_line([part.seam])})
        out.print(_("%(name)s: then %(part)s") % {"name": name, "part": joined[-1].name})


# -- questions ---------------------------------------------------------------------------
@app.command()
def area(
    day: Annotated[
        str | None,
        typer.Argument(metavar="DATE", help="Date (YYYY-MM-DD); or --date.", show_default=False),
    ] = None,
    date: DateOpt = None,
    store: StoreOpt = None,
    source: SourceOpt = None,
    with_grey: GreyOpt = False,
    format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """Controlled area on a date (geodesic km²), from the latest snapshot on or before it."""
    from vigil.output import emit_record

    when = _either(day, date, "DATE", "--date")
    _no_table_file(format, output)
    with _open(store) as t:
        result = t.area(when, source=source, with_grey=with_grey)
    title = _("Area on %(date)s") % {"date": result.date}
    emit_record(result.record(), format, title=title, path=output)
    if result.gap:
        _warn_gap(
            _("the snapshot used is from %(snapshot)s, before %(date)s")
            % {"snapshot": result.snapshot_date, "date": result.date}
        )


@app.command()
def change(
    word_from: FromArg = None,
    word_to: ToArg = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    store: StoreOpt = None,
    source: SourceOpt = None,
    with_grey: GreyOpt = False,
    redraws: Annotated[bool, _redraws_opt(True)] = True,
    exclude_redraws: ExcludeRedrawsOpt = False,
    min_fragment_km2: MinKm2Opt = None,
    min_width_km: MinWidthOpt = None,
    top: Annotated[
        int,
        typer.Option(min=0, help="How many of the largest fragments to list.", metavar="<n>"),
    ] = 10,
    format: GeoFormatOpt = GeoFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """Gained, lost and net area between two dates, with the snapshots used and fragments.

    The dates are given as FROM TO or as --from/--to.
    """
    from vigil.output import emit_frame, emit_record, write_text
    from vigil.territory.api import change_frame

    first = _either(word_from, date_from, "FROM", "--from")
    last = _either(word_to, date_to, "TO", "--to")
    _no_table_file(format, output)
    with _open(store) as t:
        result = t.change(
            first,
            last,
            source=source,
            with_grey=with_grey,
            min_fragment_km2=min_fragment_km2,
            min_width_km=min_width_km,
            redraws=redraws,
            exclude_redraws=exclude_redraws,
        )
        # with reference geography loaded, every fragment is placed ("4 km SW of …")
        located = t.locate_fragments(result) if t.has_geography() else result.fragments
    summary = result.summary()
    frags = located.drop(columns="geometry")
    if format is GeoFormat.GEOJSON:
        frame = change_frame(result, located)
        write_text(frame.to_json(drop_id=True, ensure_ascii=False) + "\n", output)
    elif format is GeoFormat.JSON:
        payload = dict(summary, fragments=frags.head(top).to_dict(orient="records"))
        emit_record(payload, OutputFormat.JSON, path=output)
    elif format is GeoFormat.CSV:
        # summary() is typed dict[str, object]; its values are scalars, one column each
        constants = cast("dict[str, Any]", {k: v for k, v in summary.items() if k != "kind"})
        emit_frame(
            frags.assign(**constants),
            OutputFormat.CSV,
            path=output,
        )
    else:
        emit_record(
            summary,
            OutputFormat.TABLE,
            title=_("Change %(from)s → %(to)s") % {"from": result.date_from, "to": result.date_to},
        )
        if len(frags):
            shown = ["direction", "area_km2", "kept", "redraw", "description", "hromada_name"]
            brief = frags[[c for c in shown if c in frags]] if "description" in frags else frags
            n = min(top, len(frags))
            # Translators: English keeps "fragments" for 1 too; give every plural form
            largest = ngettext("Largest %(n)d fragments", "Largest %(n)d fragments", n)
            emit_frame(brief.head(top), OutputFormat.TABLE, title=largest % {"n": n})
    if result.gap:
        _warn_gap(
            # Translators: four ISO dates: the snapshots used, then the dates asked for
            _("snapshots used: %(snapshot_from)s and %(snapshot_to)s for %(from)s and %(to)s")
            % {
                "snapshot_from": result.snapshot_from,
                "snapshot_to": result.snapshot_to,
                "from": result.date_from,
                "to": result.date_to,
            }
        )


def _series_title(freq: str) -> str:
    """The title of a series table (one whole title per period length, for translators)."""
    return {
        "day": _("Daily change (km², geodesic)"),
        "week": _("Weekly change (km², geodesic)"),
        "month": _("Monthly change (km², geodesic)"),
        "year": _("Yearly change (km², geodesic)"),
    }[freq]


def _records_title(freq: str, metric: str) -> str:
    """The title of a records table, per period length and metric."""
    return {
        ("day", "gained"): _("Daily gained records (km²)"),
        ("day", "lost"): _("Daily lost records (km²)"),
        ("day", "net"): _("Daily net records (km²)"),
        ("week", "gained"): _("Weekly gained records (km²)"),
        ("week", "lost"): _("Weekly lost records (km²)"),
        ("week", "net"): _("Weekly net records (km²)"),
        ("month", "gained"): _("Monthly gained records (km²)"),
        ("month", "lost"): _("Monthly lost records (km²)"),
        ("month", "net"): _("Monthly net records (km²)"),
        ("year", "gained"): _("Yearly gained records (km²)"),
        ("year", "lost"): _("Yearly lost records (km²)"),
        ("year", "net"): _("Yearly net records (km²)"),
    }[(freq, metric)]


@app.command()
def series(
    store: StoreOpt = None,
    source: SourceOpt = None,
    freq: FreqOpt = Freq.WEEK,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    week_start: WeekStartOpt = Weekday.MON,
    last: LastOpt = None,
    partial: Annotated[
        bool,
        typer.Option("--partial", help="Include the unfinished current period.", metavar=""),
    ] = False,
    with_grey: GreyOpt = False,
    redraws: Annotated[bool, _redraws_opt(False)] = False,
    exclude_redraws: ExcludeRedrawsOpt = False,
    min_fragment_km2: MinKm2Opt = None,
    min_width_km: MinWidthOpt = None,
    region: Annotated[
        str | None,
        typer.Option(
            help="Only this oblast, raion or hromada (code such as UA-14, or name).",
            metavar="<region>",
        ),
    ] = None,
    metric: Annotated[
        SeriesMetric,
        typer.Option(
            case_sensitive=False, help="frontline_km adds the length of the line of contact."
        ),
    ] = SeriesMetric.CHANGE,
    buffer_km: Annotated[
        float,
        typer.Option(help="frontline_km: buffer around border and coast (km).", metavar="<km>"),
    ] = 5.0,
    format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """One row per day, week, month or year: gained, lost, net and area, with snapshots used.

    The periods are those starting from --from (default: the first snapshot) up to,
    not including, --to (default: the day after the last snapshot).
    """
    from vigil.output import emit_frame

    with _open(store) as t:
        frame = t.series(
            freq,
            date_from=date_from,
            date_to=date_to,
            week_start=week_start,
            source=source,
            with_grey=with_grey,
            partial=partial,
            min_fragment_km2=min_fragment_km2,
            min_width_km=min_width_km,
            region=region,
            frontline_buffer_km=buffer_km if metric is SeriesMetric.FRONTLINE_KM else None,
            redraws=redraws,
            exclude_redraws=exclude_redraws,
        )
    if last is not None:
        frame = frame.tail(last).reset_index(drop=True)
    emit_frame(frame, format, title=_series_title(freq.value), path=output)


@app.command()
def records(
    store: StoreOpt = None,
    source: SourceOpt = None,
    freq: FreqOpt = Freq.WEEK,
    metric: Annotated[
        RecordMetric, typer.Option(case_sensitive=False, help="The figure ranked.")
    ] = RecordMetric.GAINED,
    period: Annotated[
        str | None,
        typer.Option(help="Only the period containing this date.", metavar="<date>"),
    ] = None,
    week_start: WeekStartOpt = Weekday.MON,
    last: LastOpt = None,
    with_grey: GreyOpt = False,
    redraws: Annotated[bool, _redraws_opt(True)] = True,
    exclude_redraws: ExcludeRedrawsOpt = False,
    format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """Each period's value, the last larger one before it, and its rank in the trailing year."""
    from vigil.output import console, emit_frame
    from vigil.territory.render import records_sentence

    with _open(store) as t:
        frame = t.records(
            freq,
            metric=metric.value,
            period=period,
            week_start=week_start,
            source=source,
            with_grey=with_grey,
            redraws=redraws,
            exclude_redraws=exclude_redraws,
        )
    if last is not None:
        frame = frame.tail(last).reset_index(drop=True)
    emit_frame(frame, format, title=_records_title(freq.value, metric.value), path=output)
    if period is not None and format is OutputFormat.TABLE and output is None and len(frame):
        import pandas as pd

        row = frame.iloc[0]
        sentence = records_sentence(row, metric.value, freq.value)
        if bool(row.get("depends_on_redraw", False)):
            since = row["alt_larger_before"]
            since_txt = (
                # Translators: %(date)s is an ISO date
                _("the largest since %(date)s") % {"date": since}
                if pd.notna(since)
                else _("none larger before")
            )
            values = {
                "redraw": _num(row["redraw_km2"]),
                "value": _num(row["alt_value"]),
                "since": since_txt,
                "rank": row["alt_rank_in_year"],
            }
            if not bool(row["redraws_excluded"]):
                # Translators: %(since)s is "the largest since 2024-10-21" or "none larger before"
                other = _(
                    "This rests on %(redraw)s km² flagged as the source's redraws: without"
                    " them the value is %(value)s km² (%(since)s), rank %(rank)s"
                    " (docs/method.md, Redraws)."
                )
            else:
                other = _(
                    "This rests on %(redraw)s km² flagged as the source's redraws: with"
                    " them the value is %(value)s km² (%(since)s), rank %(rank)s"
                    " (docs/method.md, Redraws)."
                )
            sentence += " " + other % values
        console().print(sentence)


# -- regions and the front line ------------------------------------------------------------
def _field(help: str) -> Any:
    return typer.Option(help=help, metavar="<field>")


@geography_app.command("import")
def geography_import(
    path: Annotated[
        Path | None,
        typer.Argument(metavar="FILE", help="Vector file (or CSV for settlements); .xz/.gz too."),
    ] = None,
    store: StoreOpt = None,
    level: Annotated[
        GeographyLevel | None,
        typer.Option(case_sensitive=False, help="What FILE holds.", show_default=False),
    ] = None,
    shipped: Annotated[
        bool,
        typer.Option("--shipped", help="Load the files shipped in data/geography/.", metavar=""),
    ] = False,
    code_field: Annotated[str | None, _field("Field with the code.")] = None,
    name_field: Annotated[str | None, _field("Field with the Ukrainian name.")] = None,
    name_en_field: Annotated[str | None, _field("Field with the English name.")] = None,
    name_ru_field: Annotated[str | None, _field("Field with the Russian name.")] = None,
    oblast_field: Annotated[str | None, _field("Field with the oblast code.")] = None,
    parent_field: Annotated[
        str | None, _field("Regions: field with the enclosing region's code.")
    ] = None,
    layer: Annotated[
        str | None, typer.Option(help="Layer of a multi-layer file.", metavar="<name>")
    ] = None,
    lat_field: Annotated[str | None, _field("Settlements: latitude field.")] = None,
    lon_field: Annotated[str | None, _field("Settlements: longitude field.")] = None,
    located_field: Annotated[
        str | None, _field("Settlements: 1 where the point is the settlement's own location.")
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Read the files even if unchanged since the last import.", metavar=""
        ),
    ] = False,
) -> None:
    """Import boundaries or a settlement gazetteer (replaces that level, one transaction).

    A level whose last import read the same file (same bytes, same fields) is not read
    again and is reported unchanged; --force reads it anyway."""
    from vigil.output import console

    if shipped == (path is not None):
        raise UsageError(_("give a FILE with --level, or --shipped"))
    if path is not None and level is None:
        raise UsageError(
            _("--level: missing; say what FILE holds (oblast, raion, hromada or settlement)")
        )
    given = {
        "code_field": code_field,
        "name_field": name_field,
        "name_en_field": name_en_field,
        "name_ru_field": name_ru_field,
        "oblast_field": oblast_field,
        "layer": layer,
    }
    settlement = level is GeographyLevel.SETTLEMENT
    only = (
        {"lat_field": lat_field, "lon_field": lon_field, "located_field": located_field}
        if settlement
        else {"parent_field": parent_field}
    )
    other = (
        {"parent_field": parent_field}
        if settlement
        else {"lat_field": lat_field, "lon_field": lon_field, "located_field": located_field}
    )
    wrong = [k for k, v in other.items() if v is not None]
    if wrong:
        flags = ", ".join("--" + k.replace("_", "-") for k in wrong)
        raise UsageError(
            _("%(options)s: not for --level %(level)s") % {"options": flags, "level": level}
        )
    mapping = {k: v for k, v in {**given, **only}.items() if v is not None}
    with _open(store, create=True) as t:
        counts = t.import_geography(path, level.value if level else "", force=force, **mapping)
    console().print(
        ", ".join(_rows_line(name, n, name in counts.unchanged) for name, n in counts.items())
    )


def _rows_line(name: str, n: int, unchanged: bool) -> str:
    """``oblast: 27 rows``, ``settlement: 28,412 rows (unchanged)``."""
    if unchanged:
        # Translators: %(name)s is a level (oblast, settlement), %(n)s a count
        text = ngettext("%(name)s: %(n)s rows (unchanged)", "%(name)s: %(n)s rows (unchanged)", n)
    else:
        text = ngettext("%(name)s: %(n)s rows", "%(name)s: %(n)s rows", n)
    return text % {"name": name, "n": _int(n)}


@app.command()
def regions(
    store: StoreOpt = None,
    source: SourceOpt = None,
    level: Annotated[
        RegionLevel, typer.Option(case_sensitive=False, help="Which regions.")
    ] = RegionLevel.OBLAST,
    date: DateOpt = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """Per region: area, controlled km² and % on a date; or gained, lost, net between two.

    Give --date, or --from and --to.
    """
    from vigil.output import emit_frame

    with _open(store) as t:
        frame = t.regions(
            level.value, date=date, date_from=date_from, date_to=date_to, source=source
        )
    frame = frame.drop(columns=[c for c in ("geometry",) if c in frame.columns])
    titles = {
        RegionLevel.OBLAST: _("By oblast (km², geodesic)"),
        RegionLevel.RAION: _("By raion (km², geodesic)"),
        RegionLevel.HROMADA: _("By hromada (km², geodesic)"),
    }
    emit_frame(frame, format, title=titles[level], path=output)


@app.command()
def frontline(
    date: Annotated[str, typer.Option("--date", help="Date (YYYY-MM-DD).", metavar="<date>")],
    store: StoreOpt = None,
    source: SourceOpt = None,
    buffer_km: Annotated[
        float,
        typer.Option(
            help="Leave out the boundary within this distance of border and coast.",
            metavar="<km>",
        ),
    ] = 5.0,
    format: GeoFormatOpt = GeoFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """Length of the line of contact (geodesic km), or the line itself as GeoJSON."""
    from vigil.dates import parse_date
    from vigil.output import emit_record, write_text

    _no_table_file(format, output)
    with _open(store) as t:
        line, km, used = t.frontline(date, buffer_km=buffer_km, source=source)
    record = {
        "date": parse_date(date, "date"),
        "snapshot_date": used,
        "buffer_km": buffer_km,
        "length_km": km,
    }
    if format is GeoFormat.GEOJSON:
        import geopandas as gpd

        frame = gpd.GeoDataFrame([record], geometry=[line], crs="EPSG:4326")
        write_text(frame.to_json(drop_id=True, default=str) + "\n", output)
    else:
        title = _("Line of contact")
        emit_record(record, OutputFormat(format.value), title=title, path=output)


@app.command()
def settlements(
    date_from: FromOpt,
    date_to: ToOpt,
    store: StoreOpt = None,
    source: SourceOpt = None,
    format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """Settlements whose status (free, grey, controlled) changed between --from and --to."""
    from vigil.output import console, emit_frame, emit_record
    from vigil.territory.settlements import coverage_sentence

    assert date_from is not None and date_to is not None  # required: typer asks for both
    with _open(store) as t:
        changed, cover = t.settlement_changes(date_from, date_to, source=source)
    notes = [coverage_sentence(r) for r in cover.to_dict(orient="records")]
    if format is OutputFormat.JSON:
        payload = {"settlements": changed.to_dict(orient="records"), "coverage": notes}
        emit_record(payload, format, path=output)
    else:
        # Translators: %(coverage)s says how many settlements are located, per oblast
        caption = _(
            "Only settlements with their own coordinates are read from the map: %(coverage)s"
        ) % {"coverage": "; ".join(notes)}
        shown = changed
        if format is OutputFormat.TABLE:
            cols = ["name_uk", "name_en", "oblast", "from_status", "to_status", "since"]
            shown = changed[[*cols, "transitions"]] if len(changed) else changed
        emit_frame(shown, format, title=_("Settlements whose status changed"), path=output)
        console(stderr=format is not OutputFormat.TABLE).print(caption)


@app.command()
def settlement(
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="Name in Ukrainian, English or transliterated.")
    ],
    store: StoreOpt = None,
    source: SourceOpt = None,
    oblast: Annotated[
        str | None, typer.Option(help="Only in this oblast (e.g. UA-14).", metavar="<code>")
    ] = None,
    format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """One settlement's status across every snapshot in the store (runs of equal status)."""
    from vigil.output import console, emit_frame, emit_record
    from vigil.territory.settlements import coverage_sentence

    with _open(store) as t:
        row, runs, cover = t.settlement_timeline(name, oblast=oblast, source=source)
    title = f"{row.name_uk} / {row.name_en} ({row.code}, {row.oblast})"
    note = coverage_sentence(cover.iloc[0]) if len(cover) else ""
    if format is OutputFormat.JSON:
        place = {k: row[k] for k in ("code", "name_uk", "name_en", "oblast", "lon", "lat")}
        payload = {"settlement": place, "timeline": runs.to_dict(orient="records"), "note": note}
        emit_record(payload, format, path=output)
    else:
        emit_frame(runs, format, title=title, path=output)
        console(stderr=format is not OutputFormat.TABLE).print(note)


# -- charts, brief, export ---------------------------------------------------------------
@chart_app.command("series")
def chart_series(
    output: PngOpt,
    store: StoreOpt = None,
    source: SourceOpt = None,
    freq: FreqOpt = Freq.WEEK,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    week_start: WeekStartOpt = Weekday.MON,
    with_grey: GreyOpt = False,
) -> None:
    """Gains and losses per period as bars, the controlled area as a line."""
    from vigil.output import console
    from vigil.territory import render

    _png(output)
    with _open(store) as t:
        src = t.resolve_source(source)
        frame = t.series(
            freq,
            date_from=date_from,
            date_to=date_to,
            week_start=week_start,
            source=src,
            with_grey=with_grey,
        )
        credit = t.store.source_credit(src)
    render.chart_series(frame, output, credit=credit)
    console().print(_("wrote %(path)s") % {"path": output})


@chart_app.command("change")
def chart_change(
    output: PngOpt,
    word_from: FromArg = None,
    word_to: ToArg = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    store: StoreOpt = None,
    source: SourceOpt = None,
    with_grey: GreyOpt = False,
) -> None:
    """A map of one change (FROM TO, or --from/--to): gained and lost over the earlier extent."""
    from vigil.output import console
    from vigil.territory import render
    from vigil.territory.brief import map_places

    first = _either(word_from, date_from, "FROM", "--from")
    last = _either(word_to, date_to, "TO", "--to")
    _png(output)
    with _open(store) as t:
        src = t.resolve_source(source)
        result = t.change(first, last, source=src, with_grey=with_grey)
        before = t.geometry(result.snapshot_from, source=src, with_grey=with_grey)
        credit = t.store.source_credit(src)
        places = map_places(t, result)
    render.chart_change_map(result, before, output, credit=credit, places=places)
    console().print(_("wrote %(path)s") % {"path": output})


@app.command()
def brief(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="FILE.md or FILE.html.", metavar="<file>")
    ],
    store: StoreOpt = None,
    source: SourceOpt = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="Date of the brief (default: last snapshot).", metavar="<date>"
        ),
    ] = None,
    week_start: WeekStartOpt = Weekday.MON,
    lang: Annotated[
        BriefLang | None,
        typer.Option(
            "--lang",
            case_sensitive=False,
            help="Language of the brief (default: vigil --lang, else the locale's).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """A written brief: last week, last month, year to date, records, charts, method, credit."""
    from vigil.output import console
    from vigil.territory import render
    from vigil.territory.brief import brief_data

    # the brief in its own language (words the data carries included); the line below
    # in the command's
    with i18n.override(lang.value if lang is not None else None):
        with _open(store) as t:
            data = brief_data(t, as_of=as_of, source=source, week_start=week_start)
        path = render.write_brief(data, output)
    console().print(_("wrote %(path)s") % {"path": path})


_EXPORT_SUFFIXES = {"json": ExportFormat.GEOJSON, "geoparquet": ExportFormat.PARQUET}


@app.command()
def export(
    file: Annotated[
        Path | None,
        typer.Argument(
            metavar="FILE",
            help="File to write (.gpkg, .geojson, .parquet); or -o.",
            show_default=False,
        ),
    ] = None,
    output: OutputOpt = None,
    store: StoreOpt = None,
    source: SourceOpt = None,
    what: Annotated[
        ExportWhat,
        typer.Option(
            case_sensitive=False,
            help="snapshots (in --from/--to) or change (between --from and --to).",
        ),
    ] = ExportWhat.SNAPSHOTS,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    format: Annotated[
        ExportFormat | None,
        typer.Option(
            "--format", "-f", case_sensitive=False, help="File format (default: by suffix)."
        ),
    ] = None,
    with_grey: GreyOpt = False,
    grey: Annotated[
        bool,
        typer.Option("--grey", help="snapshots: include the grey-zone layer too.", metavar=""),
    ] = False,
) -> None:
    """Export snapshots or a change as GeoPackage, GeoJSON or GeoParquet (EPSG:4326)."""
    from vigil.output import console

    target = Path(_either(_text(file), _text(output), "FILE", "--output"))
    fmt = format
    if fmt is None:
        suffix = target.suffix.lstrip(".").lower()
        fmt = _EXPORT_SUFFIXES.get(suffix) or next(
            (f for f in ExportFormat if f.value == suffix), None
        )
        if fmt is None:
            choices = ", ".join(f.value for f in ExportFormat)
            raise UsageError(
                # Translators: %(name)s a file name, %(suffix)s its suffix (quoted)
                _(
                    "--format: cannot tell the format of %(name)s from its suffix"
                    " %(suffix)s; expected one of %(choices)s"
                )
                % {
                    "name": repr(target.name),
                    "suffix": repr(target.suffix or _("(none)")),
                    "choices": choices,
                }
            )
    if not target.parent.is_dir():
        raise VigilError(
            _("%(path)s: cannot write: the folder %(folder)s does not exist")
            % {"path": target, "folder": target.parent}
        )
    with _open(store) as t:
        if what is ExportWhat.CHANGE:
            from vigil.territory.api import change_frame

            if date_from is None or date_to is None:
                raise UsageError(_("--what change needs --from and --to"))
            frame = change_frame(t.change(date_from, date_to, source=source, with_grey=with_grey))
        else:
            from vigil.territory.sources.base import Kind

            kinds = [Kind.CONTROLLED, Kind.GREY] if grey else [Kind.CONTROLLED]
            frame = t.snapshots_frame(
                source=source, date_from=date_from, date_to=date_to, kinds=kinds
            )
    from pyogrio.errors import DataSourceError

    try:
        if fmt is ExportFormat.PARQUET:
            frame.to_parquet(target)
        else:
            if target.exists():
                target.unlink()
            frame.to_file(target, driver={"gpkg": "GPKG", "geojson": "GeoJSON"}[fmt])
    except (OSError, DataSourceError) as exc:
        raise VigilError(
            _("%(path)s: cannot write (%(reason)s)") % {"path": target, "reason": exc}
        ) from None
    n = len(frame)
    console().print(
        ngettext("wrote %(n)d feature(s) to %(path)s", "wrote %(n)d feature(s) to %(path)s", n)
        % {"n": n, "path": target}
    )


def _text(path: Path | None) -> str | None:
    return None if path is None else str(path)


def _no_table_file(format: str, output: Path | None) -> None:
    """A table is for the terminal: with -o, ask for csv or json (as vigil.output does for
    frames) rather than print to the terminal what was meant for the file."""
    if output is not None and format == "table":
        raise InputError(_("--output needs --format csv or json"))  # as vigil.output says it


def _png(path: Path) -> None:
    if path.suffix.lower() != ".png":
        raise VigilError(_("%(path)s: expected a .png file name") % {"path": path})


def _warn_gap(detail: str) -> None:
    """A note on stderr that a date asked for has no snapshot of its own."""
    from vigil.output import console

    # Translators: %(detail)s names the snapshots used for the dates asked
    note = _("note: %(detail)s (no snapshot on the date asked)") % {"detail": detail}
    console(stderr=True).print(note)


# `compare` and `chart compare` (vigil.territory.cli_compare)
register_compare(app, chart_app)
