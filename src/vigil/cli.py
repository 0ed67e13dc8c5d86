"""The `vigil` command: mounts the territory and cases commands, and `vigil serve`.

Errors raised as VigilError are printed on one line (``Error: …``) with exit code 1;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path
from typing import Any

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


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (0.0.0.0: all)."),
    port: int = typer.Option(8000, help="Port to listen on."),
    store: Path | None = typer.Option(
        None,
        "--store",
        envvar="VIGIL_STORE",
        show_envvar=False,
        help="Territory store to serve (default: $VIGIL_STORE, else the per-user store).",
    ),
    threads: int = typer.Option(8, help="Worker threads."),
    debug: bool = typer.Option(False, "--debug", help="Django debug pages (never in public)."),
) -> None:
    """Serve the web site: map, figures and the JSON API (OpenAPI at /api/docs)."""
    from vigil.web import serve as web

    if not 0 < port < 65536:
        raise VigilError(f"--port: expected 1–65535, got {port}")
    path = web.prepare(store, debug=debug)
    typer.echo(
        f"Vigil on http://{host}:{port}/ (store {path}); API docs at /api/docs. Ctrl-C stops."
    )
    web.serve(host, port, store=path, threads=threads)


@cache
def command() -> Any:
    """The click command typer builds from ``app`` (built once per process: building it
    inspects every command's signature, a quarter of a second on a busy machine)."""
    return typer.main.get_command(app)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``vigil`` console script."""
    try:
        command()(args=argv, prog_name="vigil")
    except VigilError as exc:
        message = " ".join(str(exc).split())  # one line, whatever the message held
        sys.stderr.write(f"Error: {message}\n")  # plain write: a rich console would wrap it
        sys.exit(exc.exit_code)


if __name__ == "__main__":  # pragma: no cover
    main()
