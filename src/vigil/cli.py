"""The `vigil` command: mounts the territory and cases commands (serve comes later).

Errors raised as VigilError are printed on one line (``Error: …``) with exit code 1;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys

import typer

from vigil import __version__
from vigil.cases.cli import app as cases_app
from vigil.errors import VigilError
from vigil.territory.cli import app as territory_app

app = typer.Typer(
    name="vigil",
    help="Vigil: exact, reproducible figures on war and repression.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(territory_app, name="territory")
app.add_typer(cases_app, name="cases")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"vigil {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Vigil: exact, reproducible figures on war and repression."""


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``vigil`` console script."""
    try:
        app(args=argv, prog_name="vigil")
    except VigilError as exc:
        message = " ".join(str(exc).split())  # one line, whatever the message held
        sys.stderr.write(f"Error: {message}\n")  # plain write: a rich console would wrap it
        sys.exit(exc.exit_code)


if __name__ == "__main__":  # pragma: no cover
    main()
