"""`vigil watch`: one run for cron or a systemd timer, or ``--every`` to loop.

Exit codes a scheduler understands: 0 the run went through (whatever it found), 1 the
run failed (nothing published, store as it was, one alert raised), 2 a bad command line
or configuration file, 75 (EX_TEMPFAIL) another run holds the lock.
"""

from __future__ import annotations

import contextlib
import re
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from vigil import i18n
from vigil.cases.cli import LevelOpt
from vigil.cases.levels import LevelName
from vigil.cli_options import FormatOpt, OutputFormat, OutputOpt
from vigil.errors import VigilError
from vigil.i18n import gettext as _

if TYPE_CHECKING:
    from vigil.watch.config import Config
    from vigil.watch.run import RunReport

HELP = "Fetch new maps, recompute, alert and publish: one run for cron or systemd, or --every."

app = typer.Typer(
    name="watch",
    help=HELP,
    epilog=(
        "Exit codes: 0 ran (whatever it found); 1 the run failed (nothing published, the"
        " store as it was, one alert raised); 2 bad command line or configuration; 75"
        " another run holds the lock (<store>.watch.lock). `vigil watch rules` prints the"
        " effective configuration; docs/watch.md has the unit files."
    ),
    invoke_without_command=True,
    no_args_is_help=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="The TOML file of rules and channels (default: the documented defaults).",
        metavar="<file>",
    ),
]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_every(value: str) -> float:
    """``30m``, ``1h``, ``6h``, ``1h30m``, ``90s``, ``1d`` as seconds (at least 60)."""
    text = value.strip().lower().replace(" ", "")
    parts = re.findall(r"(\d+(?:\.\d+)?)([smhd])", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise typer.BadParameter(
            _("expected a duration like 30m, 1h or 6h, got %(value)s") % {"value": repr(value)},
            param_hint="--every",
        )
    seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if seconds < 60:
        raise typer.BadParameter(
            _("expected at least 1 minute, got %(value)s") % {"value": repr(value)},
            param_hint="--every",
        )
    return seconds


def _load(
    config: Path | None, database: str | None, store: Path | None, *, migrate: bool = True
) -> Config:
    """The configuration, once Django is set up: the rules' settings live beside Django
    models (and a run needs the database anyway)."""
    from vigil.watch import config as cfg

    _setup(database, migrate=migrate)
    return cfg.load(config).with_paths(store=store, database=database)


def _setup(database: str | None, *, migrate: bool = True) -> None:
    """Django for the watch's models, speaking the command's language (vigil --lang, the
    locale): Django is set up after the root command chose it."""
    from vigil.cases import db

    db.setup(database, migrate=migrate)
    i18n.activate(i18n.active())


@app.callback()
def watch(
    ctx: typer.Context,
    config: ConfigOpt = None,
    store: Annotated[
        Path | None,
        typer.Option(
            help="Territory store (default: $VIGIL_STORE, else the per-user store).",
            metavar="<file>",
        ),
    ] = None,
    database: Annotated[
        str | None,
        typer.Option(
            help="Cases database, a URL or a SQLite file (default: $DATABASE_URL).",
            metavar="<url>",
        ),
    ] = None,
    every: Annotated[
        str | None,
        typer.Option(
            "--every",
            help="Loop: run now, then at every slot (30m, 1h, 6h, aligned to UTC) until"
            " Ctrl-C or SIGTERM, which stop between runs.",
            metavar="<duration>",
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Show what would be published; store, alerts, cache unchanged."
        ),
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option("--quiet", "-q", help="Print nothing unless the run fails (for cron)."),
    ] = False,
) -> None:
    """Fetch new maps, recompute, alert and publish: one run for cron or systemd, or --every.

    One run: take the lock, fetch the days upstream published (again the last
    lookback_days, for late and replaced days), ingest, evaluate the rules, record each
    alert once, publish. Exit codes: 0 ran, 1 the run failed (nothing published, store as
    it was, one alert raised), 2 bad command line or configuration, 75 another run holds
    the lock. `vigil watch rules` prints the effective configuration.
    """
    if ctx.invoked_subcommand is not None:
        return
    seconds = parse_every(every) if every is not None else None
    from vigil.watch import run as runner
    from vigil.watch.config import ConfigError

    conf = _load(config, database, store)
    _check_channels(conf, ConfigError)
    if seconds is not None:
        raise typer.Exit(
            runner.run_every(
                conf,
                seconds,
                dry_run=dry_run,
                quiet=quiet,
                on_report=lambda r: _show(r, quiet=quiet),
                on_error=lambda message: _error(message),
            )
        )
    with _terminate_as_interrupt():
        report = runner.run_once(conf, dry_run=dry_run, quiet=quiet)
    _show(report, quiet=quiet)
    raise typer.Exit(report.exit_code)


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (systemctl stop, a timeout) stops one run as Ctrl-C does: both
    transactions roll back and the Run row says it was interrupted."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _check_channels(conf: Config, error: type[VigilError]) -> None:
    """A channel no run could publish with (a webhook without its secret) is a bad
    configuration: exit 2 before anything is fetched."""
    from vigil.watch import publish

    try:
        publish.check(conf.publish)
    except VigilError as exc:
        where = f"{conf.path}: " if conf.path else ""
        raise error(f"{where}{exc}") from None


def _show(report: RunReport, *, quiet: bool) -> None:
    from vigil.output import console

    if not report.ok:
        _error(report.summary())
        return
    if quiet:
        return
    out = console()
    if report.dry_run:
        for line in report.would_publish():
            out.print(line)
    out.print(report.summary())


def _error(message: str) -> None:
    message = " ".join(message.split())
    # one line: a log or cron's mail reads it whole
    sys.stderr.write(_("Error: %(message)s") % {"message": message} + "\n")
    sys.stderr.flush()


@app.command()
def rules(config: ConfigOpt = None) -> None:
    """Print the effective configuration as TOML: the file's values over the defaults."""
    from vigil.watch import config as cfg

    conf = _load(config, None, None, migrate=False)
    typer.echo(cfg.dumps(conf), nl=False)


# -- what was found ----------------------------------------------------------------------
DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database",
        metavar="<url>",
        help="Cases database, a URL or a SQLite file (default: $DATABASE_URL).",
    ),
]


@app.command("alerts")
def list_alerts(
    database: DatabaseOpt = None,
    level: LevelOpt = LevelName.PUBLIC,
    topic: Annotated[
        str | None, typer.Option(help="territory, cases or system.", metavar="<topic>")
    ] = None,
    kind: Annotated[
        str | None, typer.Option(help="A rule: week_gain, record, release…", metavar="<kind>")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Made on or after this date.", metavar="<date>")
    ] = None,
    superseded: Annotated[
        bool, typer.Option("--superseded", help="Also the alerts a correction replaced.")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 50,
    format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """The alerts stored, newest first, as a reader at --level may read them (the rule of
    the site's /alerts/ page, its feeds and the webhook)."""
    import pandas as pd

    from vigil.dates import parse_date
    from vigil.output import emit_frame

    _setup(database)  # before the models are imported
    from vigil.watch import alerts
    from vigil.watch.models import Alert, Topic

    qs = Alert.objects.all()
    if topic is not None:
        if topic not in Topic.values:
            raise typer.BadParameter(
                _("expected one of %(choices)s, got %(value)s")
                % {"choices": ", ".join(Topic.values), "value": repr(topic)},
                param_hint="--topic",
            )
        qs = qs.filter(topic=topic)
    if kind is not None:
        qs = qs.filter(kind=kind)
    if since is not None:
        qs = qs.filter(created__date__gte=parse_date(since, "since"))
    if not superseded:
        qs = qs.filter(current=True)
    found = alerts.visible(level.level, qs.order_by("-created", "-id"))[:limit]
    rows = [
        {
            "id": a.pk,
            "created": a.created.strftime("%Y-%m-%d %H:%M"),
            "topic": a.topic,
            "kind": a.kind,
            "title": a.title,
            "current": a.current,
            "corrects": a.supersedes_id,
            "resolved": a.resolved.strftime("%Y-%m-%d %H:%M") if a.resolved else "",
            "command": a.command,
        }
        for a in found
    ]
    columns = ["id", "created", "topic", "kind", "title", "current", "corrects", "resolved"]
    frame = pd.DataFrame(rows, columns=[*columns, "command"])
    if format is OutputFormat.TABLE and output is None:
        frame = frame[columns]  # the commands are long: in CSV and JSON
    # Translators: %(level)s is a reader's level (public, internal, restricted)
    title = _("Alerts (%(level)s reader)") % {"level": level.value}
    emit_frame(frame, format, title=title, path=output)


@app.command()
def runs(
    database: DatabaseOpt = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 20,
    format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """The last runs: when, what they fetched, ingested and alerted, how long, and why a
    failed one failed (for the operator: the traceback is in the database's Run.detail)."""
    import pandas as pd

    from vigil.output import emit_frame

    _setup(database)  # before the models are imported
    from vigil.watch.models import Run

    rows = [
        {
            "id": r.pk,
            "started": r.started.strftime("%Y-%m-%d %H:%M:%S"),
            "status": r.status,
            "source": r.source,
            "downloaded": r.downloaded,
            "ingested": r.ingested,
            "alerts": r.alerts,
            "seconds": round(r.seconds, 1) if r.seconds is not None else None,
            "error": r.error,
        }
        for r in Run.objects.order_by("-started", "-id")[:limit]
    ]
    frame = pd.DataFrame(rows, columns=list(rows[0]) if rows else ["id", "started", "status"])
    emit_frame(frame, format, title=_("vigil watch runs"), path=output)
