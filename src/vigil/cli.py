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
        message = " ".join(cli_message(exc, sys.argv[1:] if argv is None else argv).split())
        sys.stderr.write(f"Error: {message}\n")  # plain write: a rich console would wrap it
        sys.exit(exc.exit_code)


def cli_message(exc: VigilError, argv: list[str]) -> str:
    """The error as the command line says it: a library parameter (``exc.param``,
    e.g. ``date_from``) becomes the flag of the command that took it (``--from``); a
    parameter the command does not have keeps its library name."""
    if exc.param is None:
        return str(exc)
    flag = flags_of(argv).get(exc.param)
    return exc.named(flag) if flag else str(exc)


def flags_of(argv: list[str]) -> dict[str, str]:
    """Library parameter name → how the leaf command of ``argv`` spells it (its longest
    flag, or the metavar of an argument). Duck-typed over click's objects, which typer
    vendors privately."""
    cmd: Any = command()
    try:
        ctx = cmd.make_context("vigil", list(argv), resilient_parsing=True)
        while hasattr(cmd, "resolve_command") and _rest(ctx):
            name, sub, rest = cmd.resolve_command(ctx, _rest(ctx))
            if sub is None:
                break
            cmd, ctx = sub, sub.make_context(name or "", rest, parent=ctx, resilient_parsing=True)
    except Exception:  # a hint for a message: never fail the error itself
        return {}
    out: dict[str, str] = {}
    for param in getattr(cmd, "params", []):
        if not param.name:
            continue
        if param.param_type_name == "option":
            out[param.name] = max(param.opts, key=len)
        else:
            out[param.name] = (param.metavar or param.name).upper()
    return out


def _rest(ctx: Any) -> list[str]:
    """The words a group's context left for its subcommand (click keeps the
    subcommand's name apart, under a name that changed between versions)."""
    protected = getattr(ctx, "_protected_args", None) or getattr(ctx, "protected_args", [])
    return [*protected, *ctx.args]


if __name__ == "__main__":  # pragma: no cover
    main()
