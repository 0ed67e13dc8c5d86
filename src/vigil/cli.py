"""The `vigil` command: mounts the territory and cases commands, and `vigil serve`.

The two command families are imported only when their name is on the command line
(:class:`LazyGroup`), so that ``vigil --version`` pays for neither (issue 12; figures
in docs/performance.md).

Errors raised as VigilError are printed on one line (``Error: …``) with exit code 1,
a command line the parser refuses on one line with exit code 2; anything else is a
bug and keeps its traceback.
"""

from __future__ import annotations

import contextvars
import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from difflib import get_close_matches
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from vigil import __version__, i18n
from vigil.errors import VigilError
from vigil.i18n import gettext as _

#: Subcommand → (module holding its Typer ``app``, its one-line help for ``vigil --help``).
#: The help is written here so that listing the commands imports neither; a test checks
#: that it is the sub-app's own help.
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "territory": (
        "vigil.territory.cli",
        "Front-line control maps: ingest them, then ask for areas, changes, series and records.",
    ),
    "cases": (
        "vigil.cases.cli",
        "The registry of political prisoners: cases, hearings, status, published lists.",
    ),
    "check": (
        "vigil.claims.cli",
        "Check a sentence about territory or political prisoners against the data.",
    ),
    "watch": (
        "vigil.watch.cli",
        "Fetch new maps, recompute, alert and publish: one run for cron or systemd, or --every.",
    ),
}


class LazyGroup(TyperGroup):
    """A typer group whose ``LAZY_COMMANDS`` are imported on first use.

    Resolving a name (running it, or completing it) imports its module and builds its
    click group once; formatting ``vigil --help`` lists them by the help above without
    importing anything."""

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *(n for n in LAZY_COMMANDS if n not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands or cmd_name not in LAZY_COMMANDS:
            return super().get_command(ctx, cmd_name)
        module, help_text = LAZY_COMMANDS[cmd_name]
        if self._listing:  # only its name and help are shown
            return TyperGroup(name=cmd_name, help=help_text)
        sub_app = importlib.import_module(module).app
        # a module of one command and no callback (vigil check) is that command itself
        single = len(sub_app.registered_commands) == 1 and sub_app.registered_callback is None
        sub = typer.main.get_command(sub_app) if single else typer.main.get_group(sub_app)
        sub.name = cmd_name
        self.commands[cmd_name] = sub
        return sub

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """As typer's, whose "Did you mean" looks only at the loaded commands."""
        try:
            return super().resolve_command(ctx, args)
        except typer.core._click.exceptions.UsageError as exc:
            if args and "Did you mean" not in exc.message:
                matches = get_close_matches(args[0], self.list_commands(ctx))
                if matches:
                    names = ", ".join(f"{m!r}" for m in matches)
                    # Translators: %(error)s is the parser's message, %(names)s command names
                    exc.message = _("%(error)s. Did you mean %(names)s?") % {
                        "error": exc.message.rstrip("."),
                        "names": names,
                    }
            raise

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    name="vigil",
    cls=LazyGroup,
    help="Vigil: exact, reproducible figures on war and repression.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Lang(StrEnum):
    """The languages Vigil speaks (:data:`vigil.i18n.LANGUAGES`; a test may check them)."""

    EN = "en"
    AZ = "az"
    UK = "uk"
    RU = "ru"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"vigil {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
    lang: Lang | None = typer.Option(
        None,
        "--lang",
        case_sensitive=False,
        help="Language of the messages and tables (default: from LANGUAGE, LC_ALL,"
        " LC_MESSAGES, LANG; else English). CSV and JSON are the same in every language.",
        show_default=False,
    ),
) -> None:
    """Vigil: exact, reproducible figures on war and repression."""
    # (vigil.i18n.activate imports no Django: `vigil --version` and the territory
    # commands stay cheap to start; a command that sets Django up tells it then)
    i18n.activate(lang.value if lang is not None else i18n.from_environment())


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
        raise VigilError(_("--port: expected 1–65535, got %(port)s") % {"port": port})
    path = web.prepare(store, debug=debug)
    typer.echo(
        _("Vigil on %(url)s (store %(store)s); API docs at /api/docs. Ctrl-C stops.")
        % {"url": f"http://{host}:{port}/", "store": path}
    )
    # The site speaks each reader's language (chosen per request): the requests run in
    # waitress's worker threads, which start with a fresh context, so the language
    # activated above for this message does not reach them.
    web.serve(host, port, store=path, threads=threads)


#: What `pip install 'vigil[web]'` brings (the cases registry and the site are one
#: Django project); the territory engine needs none of it.
WEB_EXTRA = frozenset(
    [
        "django",
        "ninja",
        "whitenoise",
        "waitress",
        "django_otp",
        "axes",
        "qrcode",
        "openpyxl",
        "unidecode",
        "rapidfuzz",
        "pyrage",
        "dj_database_url",
        "argon2",
    ]
)


@contextmanager
def web_extra_needed(what: str) -> Iterator[None]:
    """Turn the import error of a missing web-extra package into one line that says
    what to install (a plain `pip install vigil` has the territory engine only)."""
    try:
        yield
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in WEB_EXTRA:
            raise
        raise VigilError(
            # Translators: %(what)s is a command (vigil cases), %(module)s a Python package
            _(
                "%(what)s needs the web extra (%(module)s is not installed):"
                " pip install 'vigil[web]'"
            )
            % {"what": what, "module": exc.name}
        ) from None


@cache
def command() -> Any:
    """The click command typer builds from ``app`` (built once per process: building it
    inspects every command's signature, a quarter of a second on a busy machine)."""
    return typer.main.get_command(app)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``vigil`` console script.

    Every mistake is one line on stderr: a library error (:class:`VigilError`) as
    ``Error: …`` with exit code 1, its parameter shown as the flag; a command line the
    parser refuses (unknown option, a value not among an enum's choices, a missing
    argument) as ``Error: …`` with the parser's exit code 2. Help asked for, or a
    group called bare, prints the help as typer does.
    """
    args = sys.argv[1:] if argv is None else list(argv)
    # The language set for this command (--lang, else the locale) stays in this run's
    # own context: a caller running several commands in one process (the tests) starts
    # each from its own environment.
    contextvars.copy_context().run(_main, args)


def _main(args: list[str]) -> None:
    # the locale's language, until --lang says otherwise: for a command line refused
    # before the root callback could read it
    i18n.activate(i18n.from_environment())
    try:
        with web_extra_needed(" ".join(["vigil", *args[:1]])):
            code = command().main(args=args, prog_name="vigil", standalone_mode=False)
    except VigilError as exc:
        _fail(cli_message(exc, args), exc.exit_code)
    except typer.TyperException as exc:  # click's own exceptions, which typer vendors
        if not _is_usage_error(exc):
            _show_as_typer(exc)
        where = getattr(getattr(exc, "ctx", None), "command_path", "vigil")
        # typer checks values through pydantic, whose messages start "Value error, "
        said = exc.format_message().replace("Value error, ", "")
        # Translators: %(error)s is the parser's message, %(command)s e.g. "vigil cases list"
        _fail(
            _("%(error)s (see: %(command)s --help)") % {"error": said, "command": where},
            exc.exit_code,
        )
    # as click's standalone mode does: always exit, with typer.Exit's code if one was given
    sys.exit(code if isinstance(code, int) else 0)


def _is_usage_error(exc: Exception) -> bool:
    """A refused command line, not help shown because a group was called bare."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    return "UsageError" in names and "NoArgsIsHelpError" not in names


def _show_as_typer(exc: Any) -> None:
    """What typer prints in standalone mode (help for a bare group, Abort)."""
    from typer import rich_utils

    rich_utils.rich_format_error(exc)
    sys.exit(exc.exit_code)


def _fail(message: str, code: int) -> None:
    message = " ".join(message.split())  # one line, whatever the message held
    # Translators: the one line of every error the command line prints
    line = _("Error: %(message)s") % {"message": message}
    sys.stderr.write(line + "\n")  # plain write: a rich console would wrap it
    sys.exit(code)


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
