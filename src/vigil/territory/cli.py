"""`vigil territory …`: thin commands over vigil.territory (no geometry, no SQL here).

Each command opens the store, makes one library call and renders the result.
Shared options are defined once as Annotated types below.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from vigil.errors import InputError, VigilError
from vigil.output import (
    OutputFormat,
    console,
    emit_frame,
    emit_record,
    write_text,
)
from vigil.output import output_format as _output_format
from vigil.territory.api import Territory, as_date, change_frame
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

# -- shared options ----------------------------------------------------------------------
StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store",
        envvar="VIGIL_STORE",
        help="Territory store (SQLite). Default: $VIGIL_STORE, else the per-user data dir.",
        show_envvar=False,
    ),
]
SourceOpt = Annotated[
    str | None,
    typer.Option("--source", help="Source to query; needed only when the store holds several."),
]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")]
GeoFormatOpt = Annotated[str, typer.Option("--format", "-f", help="table, csv, json or geojson.")]
OutOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
]
GreyOpt = Annotated[
    bool, typer.Option("--with-grey", help="Add the unknown-status (grey) zone to the area.")
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
MinKm2Opt = Annotated[
    float | None,
    typer.Option(
        "--min-fragment-km2",
        help="Sliver filter: also report figures without fragments smaller than this (km²).",
    ),
]
MinWidthOpt = Annotated[
    float | None,
    typer.Option(
        "--min-width-km", help="Sliver filter: also drop fragments narrower than this (km)."
    ),
]
FreqOpt = Annotated[str, typer.Option("--freq", help="Period: day, week, month or year.")]
WeekStartOpt = Annotated[str, typer.Option("--week-start", help="First day of a week (mon … sun).")]


def _open(store: Path | None, *, create: bool = False) -> Territory:
    return Territory(store, create=create)


@contextmanager
def _progress(quiet: bool, label: str) -> Iterator[Progress | None]:
    """A rich progress display on stderr, or nothing when quiet or not a terminal."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[item]}"),
        TimeElapsedColumn(),
        console=console(stderr=True),
        transient=True,
    ) as bar:
        yield bar


def _pairs(values: list[str], flag: str) -> dict[str, Kind]:
    out: dict[str, Kind] = {}
    for value in values:
        key, sep, kind = value.rpartition("=")
        if not sep or not key:
            raise InputError(f"{flag}: expected NAME=KIND, got {value!r}")
        try:
            out[key] = Kind(kind.strip().lower())
        except ValueError:
            raise InputError(f"{flag}: kind must be controlled or grey, got {kind!r}") from None
    return out


# -- ingest ------------------------------------------------------------------------------
@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files, directories or archives.")],
    store: StoreOpt = None,
    format: Annotated[
        str, typer.Option("--format", help="auto, deepstate-daily, deepstate-raw or vector.")
    ] = "auto",
    source: Annotated[
        str | None, typer.Option("--source", help="Name the data under this source.")
    ] = None,
    date_field: Annotated[
        str | None, typer.Option(help="vector: attribute holding each feature's date.")
    ] = None,
    date_pattern: Annotated[
        str | None,
        typer.Option(help=r"vector: regex on the file name with a (?P<date>…) group."),
    ] = None,
    date_format: Annotated[
        str | None, typer.Option(help="vector: strptime format of the date (default ISO).")
    ] = None,
    where: Annotated[
        str | None, typer.Option(help="vector: OGR SQL filter, e.g. \"status = 'occupied'\".")
    ] = None,
    layer: Annotated[str | None, typer.Option(help="vector: the layer to read.")] = None,
    layer_kind: Annotated[
        list[str] | None,
        typer.Option(help="vector: LAYER=controlled|grey (repeatable); other layers skipped."),
    ] = None,
    kind_field: Annotated[
        str | None, typer.Option(help="vector: attribute whose value decides the kind.")
    ] = None,
    kind_value: Annotated[
        list[str] | None,
        typer.Option(help="vector: VALUE=controlled|grey for --kind-field (repeatable)."),
    ] = None,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", help="Worker processes (default: cores).")
    ] = None,
    quiet: QuietOpt = False,
) -> None:
    """Ingest maps into the store: one transaction; re-ingesting the same data changes nothing."""
    options = {
        "date_field": date_field,
        "date_pattern": date_pattern,
        "date_format": date_format,
        "where": where,
        "layer": layer,
        "layer_kinds": _pairs(layer_kind or [], "--layer-kind") or None,
        "kind_field": kind_field,
        "kind_values": _pairs(kind_value or [], "--kind-value") or None,
    }
    if format == "auto" and any(options.values()):
        format = "vector"  # vector options say what the input is
    with _open(store, create=True) as t, _progress(quiet, "Ingesting") as bar:
        task = bar.add_task("Ingesting", total=None, item="") if bar else None

        def tick(n: int, label: str) -> None:
            if bar is not None and task is not None:
                bar.update(task, completed=n, item=label)

        report = t.ingest(paths, format=format, source=source, jobs=jobs, progress=tick, **options)
    if not quiet:
        _print_ingest(report)


def _print_ingest(report) -> None:
    out = console()
    span = f"{report.first} … {report.last}" if report.first else "nothing"
    out.print(
        f"[bold]{report.source}[/] ({report.format}): {report.added} added,"
        f" {len(report.replaced)} replaced, {report.unchanged} unchanged — {span}"
        f" in {report.seconds:.1f} s"
    )
    if report.replaced:
        out.print("replaced (content changed): " + ", ".join(report.replaced))
    if report.repaired or report.dropped_parts:
        out.print(
            f"repaired {report.repaired} invalid geometr{'y' if report.repaired == 1 else 'ies'};"
            f" dropped {report.dropped_parts} non-polygonal part(s)"
        )
    if report.counts:
        out.print("read: " + ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items())))
    for note in report.notes:
        out.print(f"note: {note}", markup=False)


# -- fetch -------------------------------------------------------------------------------
@app.command()
def fetch(
    store: StoreOpt = None,
    start: Annotated[
        str | None,
        typer.Option("--from", help="First day (default: the day after the last one stored)."),
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day (default: today).")] = None,
    url_template: Annotated[
        str | None,
        typer.Option(help="URL with a {date:%Y%m%d} field. Default: cyterat/deepstate-map-data."),
    ] = None,
    cache: Annotated[Path | None, typer.Option(help="Download cache directory.")] = None,
    source: Annotated[str, typer.Option("--source")] = "deepstate-daily",
    no_ingest: Annotated[
        bool, typer.Option("--no-ingest", help="Only download, do not ingest.")
    ] = False,
    quiet: QuietOpt = False,
) -> None:
    """Download new DeepState daily files (cached, conditional, with retries) and ingest them."""
    from vigil.territory.sources import fetch as fetcher

    with _open(store, create=True) as t:
        if start is not None:
            first = as_date(start, "--from")
        else:
            held = t.store.dates(source, Kind.CONTROLLED) if source in t.source_names() else []
            first = held[-1] + dt.timedelta(days=1) if held else dt.date(2024, 7, 8)
        last = as_date(end, "--to") if end is not None else dt.date.today()
        if first > last:
            if not quiet:
                console().print(
                    f"{source} is up to date (last day stored: {first - dt.timedelta(1)})"
                )
            return
        with _progress(quiet, "Downloading") as bar:
            task = (
                bar.add_task("Downloading", total=(last - first).days + 1, item="") if bar else None
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
                f"downloaded {len(result.downloaded)}, unchanged {len(result.unchanged)},"
                f" missing upstream {len(result.missing)} (cache: {result.cache})"
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
    format: FormatOpt = "table",
    output: OutOpt = None,
) -> None:
    """Sources, kinds, dates held and gaps."""
    fmt = _output_format(format)
    with _open(store) as t:
        frame = t.snapshots(source)
    emit_frame(frame, fmt, title="Snapshots held", path=output)


# -- questions ---------------------------------------------------------------------------
@app.command()
def area(
    date: Annotated[str, typer.Argument(help="Date (YYYY-MM-DD).")],
    store: StoreOpt = None,
    source: SourceOpt = None,
    with_grey: GreyOpt = False,
    format: FormatOpt = "table",
) -> None:
    """Controlled area on a date (geodesic km²), from the latest snapshot on or before it."""
    fmt = _output_format(format)
    with _open(store) as t:
        result = t.area(date, source=source, with_grey=with_grey)
    emit_record(result.record(), fmt, title=f"Area on {result.date}")
    _warn_gap(result.gap, f"the snapshot used is from {result.snapshot_date}, before {result.date}")


@app.command()
def change(
    date_from: Annotated[str, typer.Argument(metavar="FROM", help="Earlier date (YYYY-MM-DD).")],
    date_to: Annotated[str, typer.Argument(metavar="TO", help="Later date (YYYY-MM-DD).")],
    store: StoreOpt = None,
    source: SourceOpt = None,
    with_grey: GreyOpt = False,
    min_fragment_km2: MinKm2Opt = None,
    min_width_km: MinWidthOpt = None,
    top: Annotated[int, typer.Option(help="How many of the largest fragments to list.")] = 10,
    format: GeoFormatOpt = "table",
    output: OutOpt = None,
) -> None:
    """Gained, lost and net area between two dates, with the snapshots used and fragments."""
    fmt = _geo_format(format)
    _non_negative(top, "--top")
    with _open(store) as t:
        result = t.change(
            date_from,
            date_to,
            source=source,
            with_grey=with_grey,
            min_fragment_km2=min_fragment_km2,
            min_width_km=min_width_km,
        )
        # with reference geography loaded, every fragment is placed ("4 km SW of …")
        located = t.locate_fragments(result) if t.has_geography() else result.fragments
    summary = result.summary()
    frags = located.drop(columns="geometry")
    if fmt == "geojson":
        frame = change_frame(result, located)
        write_text(frame.to_json(drop_id=True, ensure_ascii=False) + "\n", output)
    elif fmt == "json":
        payload = dict(summary, fragments=frags.head(top).to_dict(orient="records"))
        emit_record(payload, OutputFormat.JSON, path=output)
    elif fmt == "csv":
        emit_frame(
            frags.assign(**{k: v for k, v in summary.items() if k != "kind"}),
            OutputFormat.CSV,
            path=output,
        )
    else:
        emit_record(
            summary, OutputFormat.TABLE, title=f"Change {result.date_from} → {result.date_to}"
        )
        if len(frags):
            shown = ["direction", "area_km2", "kept", "description", "hromada_name"]
            brief = frags[shown] if "description" in frags else frags
            emit_frame(
                brief.head(top),
                OutputFormat.TABLE,
                title=f"Largest {min(top, len(frags))} fragments",
            )
    _warn_gap(
        result.gap,
        f"snapshots used: {result.snapshot_from} and {result.snapshot_to}"
        f" for {result.date_from} and {result.date_to}",
    )


@app.command()
def series(
    store: StoreOpt = None,
    source: SourceOpt = None,
    freq: FreqOpt = "week",
    start: Annotated[str | None, typer.Option("--from", help="First date (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="End date, exclusive.")] = None,
    week_start: WeekStartOpt = "mon",
    last: Annotated[int | None, typer.Option("--last", help="Only the last N periods.")] = None,
    partial: Annotated[
        bool, typer.Option("--partial", help="Include the unfinished current period.")
    ] = False,
    with_grey: GreyOpt = False,
    min_fragment_km2: MinKm2Opt = None,
    min_width_km: MinWidthOpt = None,
    region: Annotated[
        str | None,
        typer.Option(help="Only this oblast, raion or hromada (code such as UA-14, or name)."),
    ] = None,
    metric: Annotated[
        str, typer.Option(help="change (default) or frontline_km (adds the line of contact).")
    ] = "change",
    buffer_km: Annotated[
        float, typer.Option(help="frontline_km: buffer around border and coast (km).")
    ] = 5.0,
    format: FormatOpt = "table",
    output: OutOpt = None,
) -> None:
    """One row per day, week, month or year: gained, lost, net and area, with snapshots used."""
    fmt = _output_format(format)
    _non_negative(last, "--last")
    if metric not in ("change", "frontline_km"):
        raise VigilError(f"--metric: expected change or frontline_km, got {metric!r}")
    with _open(store) as t:
        frame = t.series(
            freq,
            start=start,
            end=end,
            week_start=week_start,
            source=source,
            with_grey=with_grey,
            partial=partial,
            min_fragment_km2=min_fragment_km2,
            min_width_km=min_width_km,
            region=region,
            frontline_buffer_km=buffer_km if metric == "frontline_km" else None,
        )
    if last is not None:
        frame = frame.tail(last).reset_index(drop=True)
    emit_frame(
        frame, fmt, title=f"{_ADJECTIVE.get(freq, freq)} change (km², geodesic)", path=output
    )


@app.command()
def records(
    store: StoreOpt = None,
    source: SourceOpt = None,
    freq: Annotated[str, typer.Option("--freq", help="day, week, month or year.")] = "week",
    metric: Annotated[str, typer.Option(help="gained, lost or net.")] = "gained",
    period: Annotated[
        str | None, typer.Option(help="Only the period containing this date.")
    ] = None,
    week_start: WeekStartOpt = "mon",
    last: Annotated[int | None, typer.Option("--last", help="Only the last N periods.")] = None,
    with_grey: GreyOpt = False,
    format: FormatOpt = "table",
    output: OutOpt = None,
) -> None:
    """Each period's value, the last larger one before it, and its rank in the trailing year."""
    from vigil.territory.render import records_sentence

    if metric not in ("gained", "lost", "net"):
        raise VigilError(f"--metric: expected gained, lost or net, got {metric!r}")
    fmt = _output_format(format)
    _non_negative(last, "--last")
    with _open(store) as t:
        frame = t.records(
            freq,
            metric=metric,
            period=period,
            week_start=week_start,
            source=source,
            with_grey=with_grey,
        )
    if last is not None:
        frame = frame.tail(last).reset_index(drop=True)
    title = f"{_ADJECTIVE.get(freq, freq)} {metric} records (km²)"
    emit_frame(frame, fmt, title=title, path=output)
    if period is not None and fmt is OutputFormat.TABLE and len(frame):
        console().print(records_sentence(frame.iloc[0], metric, freq), markup=False)


# -- regions and the front line ------------------------------------------------------------
@geography_app.command("import")
def geography_import(
    path: Annotated[
        Path | None, typer.Argument(help="Vector file (or CSV for settlements); .xz/.gz too.")
    ] = None,
    store: StoreOpt = None,
    level: Annotated[str | None, typer.Option(help="oblast, raion, hromada or settlement.")] = None,
    shipped: Annotated[
        bool, typer.Option("--shipped", help="Load the files shipped in data/geography/.")
    ] = False,
    code_field: Annotated[str | None, typer.Option(help="Field with the code.")] = None,
    name_field: Annotated[str | None, typer.Option(help="Field with the Ukrainian name.")] = None,
    name_en_field: Annotated[str | None, typer.Option(help="Field with the English name.")] = None,
    name_ru_field: Annotated[str | None, typer.Option(help="Field with the Russian name.")] = None,
    oblast_field: Annotated[str | None, typer.Option(help="Field with the oblast code.")] = None,
    parent_field: Annotated[
        str | None, typer.Option(help="Regions: field with the enclosing region's code.")
    ] = None,
    layer: Annotated[str | None, typer.Option(help="Layer of a multi-layer file.")] = None,
    lat_field: Annotated[str | None, typer.Option(help="Settlements: latitude field.")] = None,
    lon_field: Annotated[str | None, typer.Option(help="Settlements: longitude field.")] = None,
    located_field: Annotated[
        str | None,
        typer.Option(help="Settlements: 1 where the point is the settlement's own location."),
    ] = None,
) -> None:
    """Import boundaries or a settlement gazetteer (replaces that level, one transaction)."""
    if shipped == (path is not None):
        raise VigilError("give a FILE with --level, or --shipped")
    if path is not None and level is None:
        raise VigilError("--level: expected oblast, raion, hromada or settlement")
    given = {
        "code_field": code_field,
        "name_field": name_field,
        "name_en_field": name_en_field,
        "name_ru_field": name_ru_field,
        "oblast_field": oblast_field,
        "layer": layer,
    }
    only = (
        {"lat_field": lat_field, "lon_field": lon_field, "located_field": located_field}
        if level == "settlement"
        else {"parent_field": parent_field}
    )
    wrong = [k for k, v in (_other_level_flags(level, locals())).items() if v is not None]
    if wrong:
        flags = ", ".join("--" + k.replace("_", "-") for k in wrong)
        raise VigilError(f"{flags}: not for --level {level}")
    mapping = {k: v for k, v in {**given, **only}.items() if v is not None}
    with _open(store, create=True) as t:
        counts = t.import_geography(path, level or "", **mapping)
    console().print(", ".join(f"{name}: {n:,} rows" for name, n in counts.items()))


def _other_level_flags(level: str | None, values: dict[str, object]) -> dict[str, object]:
    """The flags that belong to the other kind of import than ``level``."""
    if level == "settlement":
        return {"parent_field": values["parent_field"]}
    return {k: values[k] for k in ("lat_field", "lon_field", "located_field")}


@app.command()
def regions(
    store: StoreOpt = None,
    source: SourceOpt = None,
    level: Annotated[str, typer.Option(help="oblast, raion or hromada.")] = "oblast",
    date: Annotated[str | None, typer.Option("--date", help="Areas on this date.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="Change from this date…")] = None,
    end: Annotated[str | None, typer.Option("--to", help="…to this date.")] = None,
    format: FormatOpt = "table",
    output: OutOpt = None,
) -> None:
    """Per region: area, controlled km² and % on a date; or gained, lost, net between two."""
    fmt = _output_format(format)
    with _open(store) as t:
        frame = t.regions(level, date=date, date_from=start, date_to=end, source=source)
    frame = frame.drop(columns=[c for c in ("geometry",) if c in frame.columns])
    emit_frame(frame, fmt, title=f"By {level} (km², geodesic)", path=output)


@app.command()
def frontline(
    date: Annotated[str, typer.Option("--date", help="Date (YYYY-MM-DD).")],
    store: StoreOpt = None,
    source: SourceOpt = None,
    buffer_km: Annotated[
        float,
        typer.Option(help="Leave out the boundary within this distance of border and coast."),
    ] = 5.0,
    format: GeoFormatOpt = "table",
    output: OutOpt = None,
) -> None:
    """Length of the line of contact (geodesic km), or the line itself as GeoJSON."""
    import geopandas as gpd

    fmt = _geo_format(format)
    with _open(store) as t:
        line, km, used = t.frontline(date, buffer_km=buffer_km, source=source)
    record = {"date": as_date(date), "snapshot_date": used, "buffer_km": buffer_km, "length_km": km}
    if fmt == "geojson":
        frame = gpd.GeoDataFrame([record], geometry=[line], crs="EPSG:4326")
        write_text(frame.to_json(drop_id=True, default=str) + "\n", output)
    else:
        emit_record(record, _output_format(fmt), title="Line of contact", path=output)


@app.command()
def settlements(
    start: Annotated[str, typer.Option("--from", help="Earlier date (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="Later date (YYYY-MM-DD).")],
    store: StoreOpt = None,
    source: SourceOpt = None,
    format: FormatOpt = "table",
    output: OutOpt = None,
) -> None:
    """Settlements whose status (free, grey, controlled) changed between two dates."""
    from vigil.territory.settlements import coverage_sentence

    fmt = _output_format(format)
    with _open(store) as t:
        changed, cover = t.settlement_changes(start, end, source=source)
    notes = [coverage_sentence(r) for r in cover.to_dict(orient="records")]
    if fmt is OutputFormat.JSON:
        payload = {"settlements": changed.to_dict(orient="records"), "coverage": notes}
        emit_record(payload, fmt, path=output)
    else:
        caption = "Only settlements with their own coordinates are read from the map: " + (
            "; ".join(notes)
        )
        shown = changed
        if fmt is OutputFormat.TABLE:
            cols = ["name_uk", "name_en", "oblast", "from_status", "to_status", "since"]
            shown = changed[[*cols, "transitions"]] if len(changed) else changed
        emit_frame(shown, fmt, title="Settlements whose status changed", path=output)
        console(stderr=fmt is not OutputFormat.TABLE).print(caption, markup=False)


@app.command()
def settlement(
    name: Annotated[str, typer.Argument(help="Name in Ukrainian, English or transliterated.")],
    store: StoreOpt = None,
    source: SourceOpt = None,
    oblast: Annotated[str | None, typer.Option(help="Only in this oblast (e.g. UA-14).")] = None,
    format: FormatOpt = "table",
    output: OutOpt = None,
) -> None:
    """One settlement's status across every snapshot in the store (runs of equal status)."""
    from vigil.territory.settlements import coverage_sentence

    fmt = _output_format(format)
    with _open(store) as t:
        row, runs, cover = t.settlement_timeline(name, oblast=oblast, source=source)
    title = f"{row.name_uk} / {row.name_en} ({row.code}, {row.oblast})"
    note = coverage_sentence(cover.iloc[0]) if len(cover) else ""
    if fmt is OutputFormat.JSON:
        place = {k: row[k] for k in ("code", "name_uk", "name_en", "oblast", "lon", "lat")}
        payload = {"settlement": place, "timeline": runs.to_dict(orient="records"), "note": note}
        emit_record(payload, fmt, path=output)
    else:
        emit_frame(runs, fmt, title=title, path=output)
        console(stderr=fmt is not OutputFormat.TABLE).print(note, markup=False)


# -- charts, brief, export ---------------------------------------------------------------
@chart_app.command("series")
def chart_series(
    output: Annotated[Path, typer.Option("--output", "-o", help="PNG file to write.")],
    store: StoreOpt = None,
    source: SourceOpt = None,
    freq: FreqOpt = "week",
    start: Annotated[str | None, typer.Option("--from")] = None,
    end: Annotated[str | None, typer.Option("--to")] = None,
    week_start: WeekStartOpt = "mon",
    with_grey: GreyOpt = False,
) -> None:
    """Gains and losses per period as bars, the controlled area as a line."""
    from vigil.territory import render

    _png(output)
    with _open(store) as t:
        src = t.resolve_source(source)
        frame = t.series(
            freq, start=start, end=end, week_start=week_start, source=src, with_grey=with_grey
        )
        credit = t.store.source_credit(src)
    render.chart_series(frame, output, credit=credit)
    console().print(f"wrote {output}")


@chart_app.command("change")
def chart_change(
    date_from: Annotated[str, typer.Argument(metavar="FROM")],
    date_to: Annotated[str, typer.Argument(metavar="TO")],
    output: Annotated[Path, typer.Option("--output", "-o", help="PNG file to write.")],
    store: StoreOpt = None,
    source: SourceOpt = None,
    with_grey: GreyOpt = False,
) -> None:
    """A map of one change: gained and lost over the earlier extent."""
    from vigil.territory import render

    _png(output)
    with _open(store) as t:
        src = t.resolve_source(source)
        result = t.change(date_from, date_to, source=src, with_grey=with_grey)
        before = t.geometry(result.snapshot_from, source=src, with_grey=with_grey)
        credit = t.store.source_credit(src)
    render.chart_change_map(result, before, output, credit=credit)
    console().print(f"wrote {output}")


@app.command()
def brief(
    output: Annotated[Path, typer.Option("--output", "-o", help="FILE.md or FILE.html.")],
    store: StoreOpt = None,
    source: SourceOpt = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date of the brief (default: last snapshot).")
    ] = None,
    week_start: WeekStartOpt = "mon",
) -> None:
    """A written brief: last week, last month, year to date, records, charts, method, credit."""
    from vigil.territory import render
    from vigil.territory.brief import brief_data

    with _open(store) as t:
        data = brief_data(t, as_of=as_of, source=source, week_start=week_start)
    path = render.write_brief(data, output)
    console().print(f"wrote {path}")


@app.command()
def export(
    output: Annotated[Path, typer.Argument(help="File to write (.gpkg, .geojson, .parquet).")],
    store: StoreOpt = None,
    source: SourceOpt = None,
    what: Annotated[
        str, typer.Option(help="snapshots (in --from/--to) or change (between --from and --to).")
    ] = "snapshots",
    start: Annotated[str | None, typer.Option("--from")] = None,
    end: Annotated[str | None, typer.Option("--to")] = None,
    format: Annotated[
        str | None, typer.Option("--format", help="gpkg, geojson or parquet (default: by suffix).")
    ] = None,
    with_grey: GreyOpt = False,
    grey: Annotated[
        bool, typer.Option("--grey", help="snapshots: include the grey-zone layer too.")
    ] = False,
) -> None:
    """Export snapshots or a change as GeoPackage, GeoJSON or GeoParquet (EPSG:4326)."""
    fmt = (format or output.suffix.lstrip(".")).lower()
    fmt = {"json": "geojson", "geoparquet": "parquet"}.get(fmt, fmt)
    if fmt not in ("gpkg", "geojson", "parquet"):
        raise VigilError(f"--format: expected gpkg, geojson or parquet, got {fmt or output.name!r}")
    if not output.parent.is_dir():
        raise VigilError(f"{output}: cannot write: the folder {output.parent} does not exist")
    with _open(store) as t:
        if what == "change":
            if start is None or end is None:
                raise VigilError("--what change needs --from and --to")
            frame = change_frame(t.change(start, end, source=source, with_grey=with_grey))
        elif what == "snapshots":
            kinds = [Kind.CONTROLLED, Kind.GREY] if grey else [Kind.CONTROLLED]
            frame = t.snapshots_frame(source=source, start=start, end=end, kinds=kinds)
        else:
            raise VigilError(f"--what: expected snapshots or change, got {what!r}")
    from pyogrio.errors import DataSourceError

    try:
        if fmt == "parquet":
            frame.to_parquet(output)
        else:
            if output.exists():
                output.unlink()
            frame.to_file(output, driver={"gpkg": "GPKG", "geojson": "GeoJSON"}[fmt])
    except (OSError, DataSourceError) as exc:
        raise VigilError(f"{output}: cannot write ({exc})") from None
    console().print(f"wrote {len(frame)} feature(s) to {output}")


_ADJECTIVE = {"day": "Daily", "week": "Weekly", "month": "Monthly", "year": "Yearly"}


def _geo_format(value: str) -> str:
    fmt = value.lower()
    if fmt not in ("table", "csv", "json", "geojson"):
        raise VigilError(f"--format: expected table, csv, json or geojson, got {value!r}")
    return fmt


def _non_negative(value: int | None, flag: str) -> None:
    if value is not None and value < 0:
        raise VigilError(f"{flag}: expected a number ≥ 0, got {value}")


def _png(path: Path) -> None:
    if path.suffix.lower() != ".png":
        raise VigilError(f"{path}: expected a .png file name")


def _warn_gap(gap: bool, detail: str) -> None:
    if gap:
        console(stderr=True).print(f"note: {detail} (no snapshot on the date asked)", markup=False)
