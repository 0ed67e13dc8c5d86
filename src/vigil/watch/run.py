"""One `vigil watch` run: lock, fetch, ingest, evaluate the rules, record, publish.

**All or nothing.** A run either keeps everything it did or nothing of it:

1. *Lock*: ``fcntl.flock`` on ``<store>.watch.lock``, not waiting; another run holding
   it is :class:`LockHeld` (exit code 75, EX_TEMPFAIL: a scheduler tries again later).
   The lock goes with the process, so a run killed with -9 leaves no stale lock.
2. *Run row* (:class:`~vigil.watch.models.Run`) marked running.
3. *Fetch* the daily files of [file day of the newest stored map − ``lookback_days`` …
   today] (a day published late or replaced upstream inside that window is fetched
   again; conditional requests make the unchanged ones cheap). A :class:`FetchError`
   leaves the store untouched, raises ONE "fetch failed" alert (internal) while the
   failure lasts, and fails the run; the next fetch that works resolves it.
4. *Ingest* the window's files inside the store's held transaction
   (:meth:`vigil.territory.api.Territory.held`): nothing is committed yet.
5. *Evaluate* the territory rules and the registry rules.
6. *Record* the candidates (:func:`vigil.watch.alerts.record`) in one Django transaction.
7. *Commit* the store's transaction, as the last thing inside the Django one: a store
   that cannot commit (disk full) takes the alerts back with it.
8. *Publish* the new and corrected alerts (:func:`vigil.watch.publish.publish`).

Any error in 3–7 rolls back the store and the alerts: nothing is published, the run is
marked failed with a one-line error (the traceback of an unexpected error in
``Run.detail``), and one "run failed" alert is raised while failures last.

**The window left open** lies between the store's COMMIT and Django's, which follow each
other at once: a process killed there (power cut, kill -9) leaves the new maps stored
and their alerts not recorded. It heals itself: the next run has nothing new to ingest
but evaluates the same lookback window, so it records those alerts then and publishes
them. (The other order would leave alerts recorded whose publishing was lost.)

**Dry run**: everything runs on a scratch copy of the download cache, inside a store
transaction and a Django transaction that are both rolled back at the end; the rules'
alerts go to :func:`~vigil.watch.publish.publish` with ``dry_run`` (nothing sent or
written), and the report says what would have been published, where. Only the lock
file is written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vigil import i18n
from vigil.errors import FetchError, VigilError
from vigil.i18n import gettext as _

if TYPE_CHECKING:
    from rich.progress import Progress

    from vigil.territory.api import IngestReport, Territory
    from vigil.territory.sources.fetch import FetchResult
    from vigil.watch.alerts import Candidate
    from vigil.watch.config import Config
    from vigil.watch.models import Alert, Run
    from vigil.watch.publish import PublishReport

#: Exit codes (the spec's; EX_TEMPFAIL from sysexits.h).
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 75
#: Condition kinds: raised once while they last, resolved by the next success.
FETCH_FAILED, RUN_FAILED = "fetch_failed", "run_failed"
STAGES = ("fetch", "ingest", "rules", "record", "commit", "publish")


class LockHeld(VigilError):
    """Another run holds the lock: nothing was done; try again later (exit code 75)."""

    exit_code = EXIT_LOCKED


class _DryRun(Exception):
    """Raised at the end of a dry run's held block: the store rolls everything back."""


def lock_path(store: Path) -> Path:
    """The lock file of the runs over ``store``: beside it, ``<store>.watch.lock``."""
    return store.with_name(store.name + ".watch.lock")


@contextlib.contextmanager
def lock(store: Path) -> Iterator[Path]:
    """Hold the run lock of ``store`` for the block, or raise :class:`LockHeld` at once.

    The holder writes its pid and start time into the file, for the message another run
    shows. The file stays (deleting it would let two runs lock two different files); the
    lock itself is the kernel's and ends with the process, however it ends."""
    path = lock_path(store)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise VigilError(
            _("cannot open the lock file %(file)s: %(error)s")
            % {"file": path, "error": exc.strerror or exc}
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "unknown"
            raise LockHeld(
                # Translators: %(holder)s says which process holds it ("pid 12, started …").
                _(
                    "another vigil watch run holds the lock %(file)s (%(holder)s); nothing was "
                    "done, try again later"
                )
                % {"file": path, "holder": holder}
            ) from None
        since = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, started {since}\n".encode(), 0)
        yield path
    finally:
        os.close(fd)  # releases the lock


@dataclass
class RunReport:
    """What one run did (or, dry, would do): counts, alerts, publishing, time per stage."""

    source: str
    started: dt.datetime
    dry_run: bool = False
    status: str = "running"  # ok or failed at the end
    run_id: int | None = None
    window: tuple[dt.date, dt.date] | None = None
    downloaded: int = 0
    unchanged: int = 0
    missing: int = 0
    added: int = 0
    replaced: int = 0
    new: list[Alert] = field(default_factory=list)
    corrections: list[tuple[Alert, Alert]] = field(default_factory=list)
    unchanged_alerts: int = 0
    candidates: int = 0  # what the rules evaluated (alerts or not)
    condition: Alert | None = None  # the fetch/run failed alert this run raised
    published: PublishReport | None = None
    stages: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    stage: str = ""  # where it failed
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.ok else EXIT_FAILED

    @property
    def ingested(self) -> int:
        """Snapshots added or replaced."""
        return self.added + self.replaced

    @property
    def alerts(self) -> list[Alert]:
        return self.new + [new for _, new in self.corrections]

    def published_counts(self) -> dict[str, int]:
        """Alerts sent per channel (webhook, email), and files or pages refreshed."""
        out: dict[str, int] = {}
        if self.published is None:
            return out
        for o in self.published.outcomes:
            if o.ok:
                n = len(o.alerts) if o.channel in ("webhook", "email") else 1
                out[o.channel] = out.get(o.channel, 0) + n
        return out

    def summary(self) -> str:
        """One line for the log: what was fetched, ingested, alerted, published."""
        head = f"{'dry run' if self.dry_run else f'run {self.run_id}'} {self.source}"
        if not self.ok:
            error = self.error.removeprefix(f"{self.stage}: ")  # said once
            return f"{head} FAILED at {self.stage}: {error} ({self.seconds:.1f} s)"
        parts = [
            f"downloaded {self.downloaded} (unchanged {self.unchanged}, missing {self.missing})",
            f"ingested {self.ingested}",
            f"alerts {len(self.new)} new, {len(self.corrections)} corrected",
        ]
        counts = self.published_counts()
        verb = "would publish" if self.dry_run else "published"
        shown = ", ".join(f"{k} {v}" for k, v in counts.items()) or "nothing"
        errors = len(self.published.errors) if self.published is not None else 0
        parts.append(
            f"{verb} {shown}" + (f" ({errors} failed, retried next run)" if errors else "")
        )
        return f"{head}: " + "; ".join(parts) + f"; {self.seconds:.1f} s"

    def detail(self) -> dict[str, Any]:
        """What ``Run.detail`` keeps (JSON)."""
        return {
            "dry_run": self.dry_run,
            "window": [d.isoformat() for d in self.window] if self.window else None,
            "fetch": {
                "downloaded": self.downloaded,
                "unchanged": self.unchanged,
                "missing": self.missing,
            },
            "ingest": {"added": self.added, "replaced": self.replaced},
            "alerts": {
                "new": [a.key for a in self.new],
                "corrections": [new.key for _, new in self.corrections],
                "unchanged": self.unchanged_alerts,
                "evaluated": self.candidates,
            },
            "publish": self.published.as_dict() if self.published is not None else None,
            "stages": {k: round(v, 4) for k, v in self.stages.items()},
            "stage": self.stage,
        }

    def would_publish(self) -> list[str]:
        """A dry run's alerts (corrections with the figures they replace), then what each
        channel would send to whom."""
        lines: list[str] = []
        old_of = {id(new): old for old, new in self.corrections}
        public = {id(a) for a in self.published.alerts} if self.published is not None else set()
        for a in self.alerts:
            hidden = id(a) not in public
            old = old_of.get(id(a))
            if old is None:
                if hidden:
                    lines.append(
                        _("new: %(title)s [not public: sent nowhere]") % {"title": a.title}
                    )
                else:
                    lines.append(_("new: %(title)s") % {"title": a.title})
            else:
                said = {"pk": old.pk, "old": old.title, "title": a.title}
                if hidden:
                    lines.append(
                        _(
                            "correction of alert %(pk)s (%(old)s): %(title)s "
                            "[not public: sent nowhere]"
                        )
                        % said
                    )
                else:
                    lines.append(_("correction of alert %(pk)s (%(old)s): %(title)s") % said)
                was, now = _differing(old.figures, a.figures)
                lines.append(
                    "    "
                    + _("was %(before)s; now %(after)s")
                    % {"before": _figures(was), "after": _figures(now)}
                )
            lines.append(
                "    "
                # Translators: %(figures)s is a command or an API address that gives them.
                + _("key %(key)s; figures: %(figures)s")
                % {"key": a.key, "figures": a.command or a.api or "-"}
            )
        if not self.alerts:
            lines.append(_("no new or corrected alert"))
        if self.published is not None:
            lines += self.published.lines()
        return lines


def _differing(old: dict[str, Any], new: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The figures a correction changed, before and after (a figure gone shows as -)."""
    keys = [k for k in dict.fromkeys([*old, *new]) if old.get(k) != new.get(k)]
    return {k: old.get(k, "-") for k in keys}, {k: new.get(k, "-") for k in keys}


def _figures(figures: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in figures.items()) or "-"


class _Clock:
    """Seconds per stage, in the order run."""

    def __init__(self, report: RunReport) -> None:
        self.report = report

    @contextlib.contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        self.report.stage = stage
        started = time.perf_counter()
        try:
            yield
        finally:
            took = time.perf_counter() - started
            self.report.stages[stage] = self.report.stages.get(stage, 0.0) + took


def run_once(
    config: Config,
    *,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    quiet: bool = False,
) -> RunReport:
    """One run (see the module's docstring). Returns the report; a failed run is a report
    with ``status == "failed"`` (exit code 1), not an exception. Raises :class:`LockHeld`
    when another run holds the lock, and :class:`VigilError` when the databases cannot be
    opened at all (nothing was done)."""
    from vigil.cases import db

    db.setup(config.database)
    from django.db import transaction
    from django.utils import timezone

    now = now or timezone.now()
    with lock(config.store_path()):
        if not dry_run:
            return _run(config, now, dry_run=False, quiet=quiet)
        with transaction.atomic():  # a dry run keeps nothing: not even its Run row
            report = _run(config, now, dry_run=True, quiet=quiet)
            transaction.set_rollback(True)
        report.run_id = None
        return report


def _run(config: Config, now: dt.datetime, *, dry_run: bool, quiet: bool) -> RunReport:
    from vigil.output import progress
    from vigil.territory.api import Territory
    from vigil.watch.models import Run, RunStatus

    source = config.watch.source
    started = time.perf_counter()
    report = RunReport(source=source, started=now, dry_run=dry_run)
    run = Run.objects.create(started=now, source=source, status=RunStatus.RUNNING)
    report.run_id = run.pk
    clock = _Clock(report)
    tb = ""
    try:
        with progress(quiet) as bar:
            t = Territory(config.store_path(), create=True)
            try:
                _stages(config, t, run, report, clock, now, dry_run=dry_run, bar=bar)
            finally:
                t.close()
        report.status = "ok"
    except _Failed as failed:
        report.status, report.error = "failed", failed.message
        tb = failed.tb
    except Exception as exc:  # the store cannot be opened (not a store, newer schema…)
        report.stage = report.stage or "open"
        report.status, report.error = "failed", f"{report.stage}: {_one_line(exc)}"
        tb = "" if isinstance(exc, VigilError) else traceback.format_exc()
        report.condition = _condition(RUN_FAILED, source, report.error, run, now)
    except BaseException as exc:  # Ctrl-C, SIGTERM: rolled back; say so, then stop
        report.status = "failed"
        report.error = f"{report.stage or 'start'}: interrupted ({type(exc).__name__})"
        _finish(run, report, now, started, traceback.format_exc())
        raise
    _finish(run, report, now, started, tb)
    if report.ok and not dry_run:
        from vigil.watch import alerts

        alerts.resolve_conditions(RUN_FAILED, source, now=now)
    return report


class _Failed(Exception):
    """A run that failed: its one-line message and, for an unexpected error, the trace."""

    def __init__(self, message: str, tb: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.tb = tb


def _stages(
    config: Config,
    t: Territory,
    run: Run,
    report: RunReport,
    clock: _Clock,
    now: dt.datetime,
    *,
    dry_run: bool,
    bar: Progress | None,
) -> None:
    from django.db import transaction
    from django.utils import timezone

    from vigil.watch import alerts, case_rules, publish, territory_rules

    source = config.watch.source
    today = now.astimezone(dt.UTC).date()
    # 3. fetch: outside any transaction; the cache only ever holds whole, checked files
    try:
        with clock("fetch"):
            result = _fetch(config, t, report, today, dry_run=dry_run, bar=bar)
    except FetchError as exc:
        t.store.discard_if_new()
        message = f"fetch: {_one_line(exc)}"
        report.condition = _condition(FETCH_FAILED, source, message, run, now)
        raise _Failed(message) from None
    except Exception as exc:
        t.store.discard_if_new()
        message = f"fetch: {_one_line(exc)}"
        report.condition = _condition(RUN_FAILED, source, message, run, now)
        raise _Failed(message, traceback.format_exc()) from None
    if not dry_run:
        alerts.resolve_conditions(FETCH_FAILED, source, now=now)

    task = bar.add_task(_("Ingesting"), total=None, item="") if bar is not None else None

    def say(what: str) -> None:
        if bar is not None and task is not None:
            bar.update(task, description=what)

    # 4–7: one store transaction, one Django transaction; any error undoes both
    recorded = None
    try:
        with contextlib.suppress(_DryRun), contextlib.ExitStack() as held:
            held.enter_context(t.held())
            with clock("ingest"):
                ingest = _ingest(t, result, source, bar, task)
                if ingest is not None:
                    report.added, report.replaced = ingest.added, len(ingest.replaced)
            say(_("Evaluating the rules"))
            # alerts are stored once and shown to every reader as published: their
            # words are English whatever the language of the run (docs/i18n.md)
            held.enter_context(i18n.override("en"))
            with clock("rules"):
                candidates: list[Candidate] = territory_rules.evaluate(
                    t,
                    config.territory,
                    source=source,
                    now=now,
                    lookback_days=config.watch.lookback_days,
                )
                # a settlement alert whose change moved to another day (a replaced map)
                candidates += territory_rules.withdrawals(
                    t,
                    config.territory,
                    candidates,
                    source=source,
                    lookback_days=config.watch.lookback_days,
                )
                # the registry's days are the site's (TIME_ZONE), not UTC's
                candidates += case_rules.evaluate(
                    config.cases, today=timezone.localtime(now).date()
                )
                report.candidates = len(candidates)
            say(_("Recording the alerts"))
            with transaction.atomic():
                # a quiet spell the rules no longer find (a newer map came) has ended
                quiet = [c.key for c in candidates if c.kind == "stale"]
                alerts.resolve_conditions("stale", source, now=now, keep=quiet)
                with clock("record"):
                    recorded = alerts.record(candidates, run=run, now=now)
                    # the deliveries they are owed, in the same transaction (an outbox)
                    publish.claim(recorded.alerts, config.publish)
                if not dry_run:
                    # the store commits last thing inside the Django transaction: a
                    # store that cannot commit rolls the alerts back with it
                    with clock("commit"):
                        held.close()
            if dry_run:
                raise _DryRun  # the store rolls back; the caller's Django transaction too
    except Exception as exc:
        message = f"{report.stage}: {_one_line(exc)}"
        report.added = report.replaced = 0
        report.condition = _condition(RUN_FAILED, source, message, run, now)
        raise _Failed(message, traceback.format_exc()) from None
    assert recorded is not None
    report.new, report.corrections = list(recorded.new), list(recorded.corrections)
    report.unchanged_alerts = recorded.unchanged
    # 8. publish: after the commit; a channel that fails is retried by the next run
    say(_("Publishing"))
    try:
        with clock("publish"):
            report.published = publish.publish(
                recorded.alerts,
                config.publish,
                base_url=config.watch.public_url,
                store=config.store_path(),
                new_maps=report.ingested > 0,
                dry_run=dry_run,
                now=now,
            )
    except Exception as exc:
        message = f"publish: {_one_line(exc)} (the alerts are stored; not sent)"
        report.condition = _condition(RUN_FAILED, source, message, run, now)
        raise _Failed(message, traceback.format_exc()) from None


def _fetch(
    config: Config,
    t: Territory,
    report: RunReport,
    today: dt.date,
    *,
    dry_run: bool,
    bar: Progress | None,
) -> FetchResult:
    """Fetch the window's files into the cache (a dry run: into a scratch copy of it)."""
    from vigil.territory.sources import DAILY_MAP_LAG
    from vigil.territory.sources import fetch as fetcher
    from vigil.territory.sources.base import Kind

    source = config.watch.source
    held = t.store.dates(source, Kind.CONTROLLED) if source in t.source_names() else []
    if held:  # the newest map's file, lookback_days before it, and on to today
        first = held[-1] + DAILY_MAP_LAG - dt.timedelta(days=config.watch.lookback_days)
    else:
        first = config.watch.first_day
    first = min(first, today)
    report.window = (first, today)
    task = (
        bar.add_task(_("Fetching"), total=(today - first).days + 1, item="")
        if bar is not None
        else None
    )

    def tick(day: dt.date, status: str) -> None:
        if bar is not None and task is not None:
            bar.update(task, advance=1, item=f"{day} {status}")

    template = config.watch.url_template or fetcher.DEFAULT_URL_TEMPLATE
    cache = config.cache_path()
    with _scratch(cache, first, today) if dry_run else contextlib.nullcontext(cache) as where:
        result = fetcher.fetch_daily(
            first, today, url_template=template, cache=where, on_progress=tick
        )
        report.downloaded = len(result.downloaded)
        report.unchanged = len(result.unchanged)
        report.missing = len(result.missing)
    return result  # a dry run's scratch copy is removed when the run ends (_finish)


@contextlib.contextmanager
def _scratch(cache: Path, first: dt.date, last: dt.date) -> Iterator[Path]:
    """A temporary copy of the cache's files for ``first``..``last`` and of its
    validators (hard links where possible: the fetcher replaces files, never edits
    them), so that a dry run fetches as a run would and leaves the cache as it was."""
    from vigil.territory.sources import fetch as fetcher

    where = Path(tempfile.mkdtemp(prefix="vigil-watch-dry-"))
    _SCRATCH.append(where)
    names = [fetcher.META_NAME] + [
        fetcher.file_name(first + dt.timedelta(days=n)) for n in range((last - first).days + 1)
    ]
    for name in names:
        src = cache / name
        if src.is_file():
            try:
                os.link(src, where / name)
            except OSError:
                shutil.copy2(src, where / name)
    yield where


#: Scratch caches of dry runs in this process, removed when the run ends.
_SCRATCH: list[Path] = []


def _ingest(
    t: Territory, result: FetchResult, source: str, bar: Progress | None, task: Any
) -> IngestReport | None:
    """Ingest every file of the window (not only the downloaded ones: a file fetched by
    a run that failed later is in the cache, unchanged, and not yet in the store). The
    same files as the last ingest are recognised by their hashes and not read again."""
    files = list(result.files)
    if not files:
        return None

    def tick(done: int, label: str) -> None:
        if bar is not None:
            bar.update(task, completed=done, total=len(files), item=label)

    return t.ingest(files, format="deepstate-daily", source=source, progress=tick)


def _condition(kind: str, source: str, message: str, run: Run, now: dt.datetime) -> Alert | None:
    """Raise the condition ``kind`` (once while it lasts); the alert, or None when one
    was open already. Internal: operators read it, the public channels never send it."""
    from vigil.cases.levels import Level
    from vigil.watch import alerts

    what = "Fetching new maps" if kind == FETCH_FAILED else "A vigil watch run"
    candidate = alerts.Candidate(
        key=f"system:{kind}:{source}",
        topic="system",
        kind=kind,
        title=f"{what} failed ({source}): {message}"[:480],
        body=(
            f"{message}\n\nThe store was left as it was and nothing was published. This"
            " alert is raised once; the next run that succeeds resolves it. Run"
            " `vigil watch --dry-run` to see the failure again."
        ),
        figures={"stage": message.split(":", 1)[0]},
        source=source,
        command="vigil watch --dry-run",
        level=Level.INTERNAL,
    )
    try:
        return alerts.raise_condition(candidate, run=run, now=now)
    except Exception as exc:  # the database itself failing: the run's error says it all
        import logging

        logging.getLogger(__name__).error("cannot record the %s alert: %s", kind, exc)
        return None


def _finish(run: Run, report: RunReport, now: dt.datetime, started: float, tb: str) -> None:
    """Mark the Run row done (or failed, with the error and, for a crash, the trace)."""
    from vigil.watch.models import RunStatus

    for where in _SCRATCH:
        shutil.rmtree(where, ignore_errors=True)
    _SCRATCH.clear()
    report.seconds = time.perf_counter() - started
    report.stages["total"] = report.seconds
    run.finished = now + dt.timedelta(seconds=report.seconds)
    run.status = RunStatus.OK if report.ok else RunStatus.FAILED
    run.downloaded = report.downloaded
    run.ingested = report.ingested
    run.alerts = len(report.alerts)
    run.error = report.error
    run.seconds = report.seconds
    run.detail = {**report.detail(), **({"traceback": tb} if tb else {})}
    run.save()


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


# -- the loop -------------------------------------------------------------------------------


def next_slot(now: float, every: float) -> float:
    """The next multiple of ``every`` seconds since the epoch after ``now`` (UTC): runs of
    ``--every 6h`` start at 00:00, 06:00, 12:00 and 18:00 UTC whenever it was started."""
    return (int(now // every) + 1) * every


def _release_connections() -> None:
    """Close the database connection between runs of the loop: a PostgreSQL server may
    drop a connection idle for hours, and the next run would fail on it."""
    from django.db import close_old_connections, connection

    if not connection.in_atomic_block:  # (a test's transaction is left alone)
        close_old_connections()


def _wait(stop: Any, seconds: float) -> None:
    """Sleep ``seconds`` unless ``stop`` (a threading.Event) is set first (tests replace it)."""
    stop.wait(max(0.0, seconds))


def run_every(
    config: Config,
    every: float,
    *,
    dry_run: bool = False,
    quiet: bool = False,
    on_report: Callable[[RunReport], None] | None = None,
    on_error: Callable[[str], None] | None = None,
) -> int:
    """Run now, then at every slot of ``every`` seconds (:func:`next_slot`), until SIGINT
    or SIGTERM: the first one stops the loop between runs (a run under way finishes); a
    second Ctrl-C interrupts the run, which then rolls back. A failed run, or a lock held
    by a run started by cron, does not stop the loop. Returns the exit code, 0."""
    import signal
    import threading

    stop = threading.Event()

    def handler(signum: int, frame: Any) -> None:
        if stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        stop.set()

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stop.is_set():
            try:
                report = run_once(config, dry_run=dry_run, quiet=quiet)
            except VigilError as exc:  # the lock, a database that does not answer
                if on_error is not None:
                    on_error(_one_line(exc))
            else:
                if on_report is not None:
                    on_report(report)
            if stop.is_set():
                break
            _release_connections()
            _wait(stop, next_slot(time.time(), every) - time.time())
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
    return EXIT_OK
