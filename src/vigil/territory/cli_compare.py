"""`vigil territory compare` and `vigil territory chart compare`: two sources side by side.

Thin commands over :mod:`vigil.territory.compare` (no geometry here). Mounted by
``vigil.territory.cli`` with :func:`register`; imports only typer and the option types
at start-up, the library and the renderers inside the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

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
from vigil.i18n import gettext as _
from vigil.i18n import ngettext
from vigil.periods import Freq, Weekday

if TYPE_CHECKING:
    from vigil.territory.compare import Comparison, Disagreement, Lag

StoreOpt = TerritoryStoreOpt
SourcesOpt = Annotated[
    str,
    typer.Option(
        "--sources",
        help="The two sources to compare, as A,B (differences are B − A).",
        metavar="<a,b>",
        show_default=False,
    ),
]
OnOpt = Annotated[
    str | None,
    typer.Option(
        "--on",
        help="Where the two maps disagree on this date, by oblast (instead of periods).",
        metavar="<date>",
        show_default=False,
    ),
]
LandOnlyOpt = Annotated[
    bool,
    typer.Option(
        "--land-only",
        help="Clip both maps to the oblasts (Ukraine's land within its borders) first.",
        metavar="",
    ),
]
MaxStaleOpt = Annotated[
    int,
    typer.Option(
        "--max-stale-days",
        min=0,
        help="Leave out periods where a snapshot used is older than this many days.",
        metavar="<n>",
    ),
]

# Columns of the terminal table (the CSV and JSON carry all of COMPARE_COLUMNS).
_TABLE_COLUMNS = [
    "period_start", "snapshot_end_a", "snapshot_end_b", "area_a_km2", "area_b_km2",
    "area_diff_km2", "net_a_km2", "net_b_km2", "net_diff_km2", "a_only_km2", "b_only_km2",
]  # fmt: skip


def register(app: typer.Typer, chart_app: typer.Typer) -> None:
    """Add ``compare`` to ``app`` (vigil territory) and ``compare`` to ``chart_app``
    (once: registering again changes nothing)."""
    for group, fn in ((app, compare), (chart_app, chart_compare)):
        if not any(c.name == "compare" for c in group.registered_commands):
            group.command("compare")(fn)


def compare(
    sources: SourcesOpt,
    store: StoreOpt = None,
    freq: FreqOpt = Freq.WEEK,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    week_start: WeekStartOpt = Weekday.MON,
    on: OnOpt = None,
    land_only: LandOnlyOpt = False,
    max_stale_days: MaxStaleOpt = 3,
    format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Compare two sources: areas, changes and their difference per period, where their
    maps disagree (by oblast, with --on), and the day lag that best aligns them.

    Periods run over the dates both sources cover, from --from up to, not including,
    --to. Every row names the snapshot of each source it used.
    """
    from vigil.territory import compare as C
    from vigil.territory.api import Territory

    with Territory(store) as t:
        if on is not None:
            if date_from is not None or date_to is not None:
                from vigil.territory.cli import UsageError

                raise UsageError(_("--on: give either --on, or --from/--to, not both"))
            result = C.disagreement(t, sources, on, land_only=land_only)
            _emit_disagreement(result, format, output)
            return
        comparison = C.compare(
            t,
            sources,
            freq=freq,
            date_from=date_from,
            date_to=date_to,
            week_start=week_start,
            land_only=land_only,
            max_stale_days=max_stale_days,
        )
        lag = C.best_lag(t, sources, date_from=date_from, date_to=date_to, land_only=land_only)
    _emit_comparison(comparison, lag, format, output, quiet)


def _emit_comparison(
    c: Comparison, lag: Lag, format: OutputFormat, output: Path | None, quiet: bool
) -> None:
    from vigil.output import console, emit_frame, emit_record
    from vigil.territory.compare import yearly_summary

    years = yearly_summary(c.periods)
    if format is OutputFormat.JSON:
        payload = {
            **c.record(),
            "periods": c.periods.to_dict(orient="records"),
            "by_year": years.to_dict(orient="records"),
            "lag": {**lag.best(), "table": lag.table.to_dict(orient="records")},
        }
        emit_record(payload, format, path=output)
    elif format is OutputFormat.CSV:
        emit_frame(c.periods, format, path=output)
    else:
        if output is not None:
            from vigil.errors import InputError

            raise InputError(_("--output needs --format csv or json"))
        emit_frame(c.periods[_TABLE_COLUMNS], format, title=_comparison_title(c))
        emit_frame(years, format, title=_("Per year: medians of the differences (km²)"))
        console().print(lag.sentence())
    if not quiet and c.left_out:
        console(stderr=True).print(_left_out_note(c))


def _comparison_title(c: Comparison) -> str:
    """``B − A, per week (km², geodesic)``: one whole title per period length."""
    values = {"a": c.source_a, "b": c.source_b}
    # Translators: %(b)s and %(a)s are source names (the difference is B − A)
    titles = {
        (False, "day"): _("%(b)s − %(a)s, per day (km², geodesic)"),
        (False, "week"): _("%(b)s − %(a)s, per week (km², geodesic)"),
        (False, "month"): _("%(b)s − %(a)s, per month (km², geodesic)"),
        (False, "year"): _("%(b)s − %(a)s, per year (km², geodesic)"),
        (True, "day"): _("%(b)s − %(a)s, per day (km², geodesic, land only)"),
        (True, "week"): _("%(b)s − %(a)s, per week (km², geodesic, land only)"),
        (True, "month"): _("%(b)s − %(a)s, per month (km², geodesic, land only)"),
        (True, "year"): _("%(b)s − %(a)s, per year (km², geodesic, land only)"),
    }
    return titles[(bool(c.land_only), str(c.freq))] % values


def _left_out_note(c: Comparison) -> str:
    """The periods left out for stale snapshots, as a note."""
    n = len(c.left_out)
    values = {
        "n": n,
        "days": c.max_stale_days,
        "first": c.left_out[0],
        "last": c.left_out[-1],
    }
    # Translators: %(first)s and %(last)s are ISO dates; %(days)s a number of days
    notes = {
        "day": ngettext(
            "note: %(n)d day(s) left out, where a snapshot used is more than %(days)s days"
            " older than the date it stands for (first: %(first)s, last: %(last)s)",
            "note: %(n)d day(s) left out, where a snapshot used is more than %(days)s days"
            " older than the date it stands for (first: %(first)s, last: %(last)s)",
            n,
        ),
        "week": ngettext(
            "note: %(n)d week(s) left out, where a snapshot used is more than %(days)s days"
            " older than the date it stands for (first: %(first)s, last: %(last)s)",
            "note: %(n)d week(s) left out, where a snapshot used is more than %(days)s days"
            " older than the date it stands for (first: %(first)s, last: %(last)s)",
            n,
        ),
        "month": ngettext(
            "note: %(n)d month(s) left out, where a snapshot used is more than %(days)s days"
            " older than the date it stands for (first: %(first)s, last: %(last)s)",
            "note: %(n)d month(s) left out, where a snapshot used is more than %(days)s days"
            " older than the date it stands for (first: %(first)s, last: %(last)s)",
            n,
        ),
        "year": ngettext(
            "note: %(n)d year(s) left out, where a snapshot used is more than %(days)s days"
            " older than the date it stands for (first: %(first)s, last: %(last)s)",
            "note: %(n)d year(s) left out, where a snapshot used is more than %(days)s days"
            " older than the date it stands for (first: %(first)s, last: %(last)s)",
            n,
        ),
    }
    return notes[str(c.freq)] % values


def _emit_disagreement(d: Disagreement, format: OutputFormat, output: Path | None) -> None:
    from vigil.output import emit_frame, emit_record

    if format is OutputFormat.JSON:
        payload = {**d.record(), "by_region": d.by_region.to_dict(orient="records")}
        emit_record(payload, format, path=output)
    elif format is OutputFormat.CSV:
        keys = ("source_a", "source_b", "date", "snapshot_a", "snapshot_b", "land_only")
        # record() is typed dict[str, object]; these values are scalars, one column each
        constants = cast("dict[str, Any]", {k: d.record()[k] for k in keys})
        emit_frame(d.by_region.assign(**constants), format, path=output)
    else:
        if output is not None:
            from vigil.errors import InputError

            raise InputError(_("--output needs --format csv or json"))
        values = {"a": d.source_a, "b": d.source_b, "date": d.date}
        # Translators: %(a)s and %(b)s are source names, %(date)s an ISO date
        emit_record(d.record(), format, title=_("%(a)s and %(b)s on %(date)s") % values)
        emit_frame(
            d.by_region,
            format,
            title=_("Where they disagree, by oblast (km²): only %(a)s, only %(b)s") % values,
        )


def chart_compare(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="PNG file to write.", metavar="<file>")
    ],
    sources: SourcesOpt,
    store: StoreOpt = None,
    freq: FreqOpt = Freq.WEEK,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    land_only: LandOnlyOpt = False,
    max_stale_days: MaxStaleOpt = 3,
) -> None:
    """Both sources' net change per period on one axis, and their difference (PNG)."""
    from vigil.errors import VigilError
    from vigil.output import console
    from vigil.territory import compare as C
    from vigil.territory.api import Territory
    from vigil.territory.compare_chart import chart_compare as draw

    if output.suffix.lower() != ".png":
        raise VigilError(_("%(path)s: expected a .png file name") % {"path": output})
    with Territory(store) as t:
        c = C.compare(
            t,
            sources,
            freq=freq,
            date_from=date_from,
            date_to=date_to,
            land_only=land_only,
            max_stale_days=max_stale_days,
        )
        credits = [t.store.source_credit(s) for s in (c.source_a, c.source_b)]
    draw(
        c,
        output,
        credit="; ".join(dict.fromkeys(x for x in credits if x)),
        credits=(credits[0], credits[1]),
    )
    console().print(_("wrote %(path)s") % {"path": output})
