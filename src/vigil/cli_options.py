"""The options every `vigil` command spells the same way, defined once.

One vocabulary (docs and issue 12): two dates are ``--from``/``--to`` (library
parameters ``date_from``/``date_to``; the API's ``from``/``to``); printed output goes to
``-o/--output`` in ``--format table|csv|json``; choices are enums, so ``--help`` lists
them and a wrong value is refused by the parser with the choices. Input formats are
named by another option (``--input-format``), never ``--format``.

Only typer and the enums are imported here: the commands stay cheap to start.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from vigil.periods import Freq, Weekday


class OutputFormat(StrEnum):
    """How a command prints its result."""

    TABLE = "table"
    CSV = "csv"
    JSON = "json"


FormatOpt = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", case_sensitive=False, help="Output format."),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", metavar="<file>", help="Write to this file instead of stdout."),
]
FromOpt = Annotated[
    str | None,
    typer.Option("--from", metavar="<date>", help="First date (YYYY-MM-DD).", show_default=False),
]
ToOpt = Annotated[
    str | None,
    typer.Option("--to", metavar="<date>", help="Last date (YYYY-MM-DD).", show_default=False),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", metavar="", help="No progress display.")]
# The territory commands' store and period length (vigil.territory.cli, cli_compare).
TerritoryStoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store",
        envvar="VIGIL_STORE",
        help="Territory store (SQLite). Default: $VIGIL_STORE, else the per-user data dir.",
        show_envvar=False,
        metavar="<file>",
    ),
]
FreqOpt = Annotated[Freq, typer.Option("--freq", case_sensitive=False, help="Length of a period.")]
WeekStartOpt = Annotated[
    Weekday, typer.Option("--week-start", case_sensitive=False, help="First day of a week.")
]
