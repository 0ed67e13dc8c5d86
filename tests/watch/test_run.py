"""`vigil watch` runs as a scheduler calls it (the CLI, in-process), over simulated days.

Upstream is a directory standing in for DeepState's GitHub repository: tiny synthetic
squares written as daily files (vigil.testing.write_daily: a map of day D in the file
named D + 1). The clock is simulated by replacing django.utils.timezone.now, which
`vigil watch` reads once per run. Checked: new days are ingested and alerted once; a run
with nothing new changes nothing; a late day and a day replaced upstream correct the
week's alert visibly; a corrupt, truncated or unreachable upstream and a crash after the
ingest leave the store as it was, publish nothing and raise ONE alert; a held lock is
exit code 75; a dry run writes nothing; the unit files name a command the CLI accepts.
"""

from __future__ import annotations

import configparser
import datetime as dt
import hashlib
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from django.utils import timezone

from tests.cli_runner import Run as CliRun
from tests.cli_runner import vigil
from vigil.cases.levels import Level
from vigil.testing import daily_file_name, daily_geojson, dump_store, square, write_daily
from vigil.watch import run as runner
from vigil.watch.models import Alert, Delivery, Run

REPO = Path(__file__).resolve().parents[2]
SOURCE = "deepstate-daily"
FIRST = dt.date(2026, 8, 2)  # a Sunday: the map the week of 3–9 August starts from
LATE = dt.date(2026, 8, 9)  # the Sunday closing that week: published late
WEEK1 = f"territory:week_gain:{SOURCE}:2026-08-03"
WEEK2 = f"territory:week_gain:{SOURCE}:2026-08-10"


def grown(day: dt.date) -> Any:
    """The area held on ``day``: a square growing 0.02° a side a day (≈ 80–200 km² a day)."""
    return square(37.0, 48.0, 0.1 + 0.02 * (day - FIRST).days)


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def at(day: dt.date, hour: int = 6) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class World:
    """Upstream, the store, the cache and the configuration file of one test."""

    root: Path
    upstream: Path
    store: Path
    cache: Path
    conf: Path
    monkeypatch: pytest.MonkeyPatch

    def configure(self, extra: str = "", url_template: str | None = None) -> None:
        template = str(self.upstream) if url_template is None else url_template
        self.conf.write_text(
            f"[watch]\nurl_template = {json.dumps(template)}\nfirst_day = 2026-08-01\n{extra}"
        )

    def publish(self, dates: list[dt.date], geometry: Any = grown) -> None:
        write_daily(self.upstream, {d: geometry(d) for d in dates})

    def watch(self, capsys: pytest.CaptureFixture[str], now: dt.datetime, *args: Any) -> CliRun:
        with self.monkeypatch.context() as m:
            m.setattr(timezone, "now", lambda: now)
            return vigil(capsys, "watch", "--config", self.conf, "--store", self.store, *args)

    def dump(self) -> dict[str, list[tuple]]:
        return dump_store(self.store)

    def cache_files(self) -> dict[str, str]:
        return {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(self.cache.rglob("*"))
            if p.is_file()
        }


@pytest.fixture
def world(registry: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv("VIGIL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("VIGIL_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("VIGIL_STORE", raising=False)
    upstream = tmp_path / "upstream"
    upstream.mkdir()
    w = World(
        tmp_path,
        upstream,
        tmp_path / "territory.sqlite",
        tmp_path / "cache",
        tmp_path / "watch.toml",
        monkeypatch,
    )
    w.configure()
    return w


def alert_rows() -> list[tuple]:
    return list(
        Alert.objects.order_by("id").values_list("id", "key", "fingerprint", "current", "resolved")
    )


def current(key: str) -> Alert:
    return Alert.objects.get(key=key, current=True)


def one_line_error(result: CliRun) -> None:
    assert result.err.startswith("Error: ") and result.err.count("\n") == 1, result.err
    assert "Traceback" not in result.err


def said(result: CliRun) -> tuple[int, int]:
    """(new, corrected) as the run's summary line says them."""
    m = re.search(r"alerts (\d+) new, (\d+) corrected", result.out)
    assert m, result.out
    return int(m.group(1)), int(m.group(2))


def made_by_last_run() -> tuple[set[str], set[str]]:
    """Keys of the alerts the last run made: (new events, corrections)."""
    run = Run.objects.order_by("-id").first()
    made = list(Alert.objects.filter(run=run))
    return {a.key for a in made if a.supersedes_id is None}, {
        a.key for a in made if a.supersedes_id is not None
    }


def check_summary(result: CliRun) -> tuple[set[str], set[str]]:
    """The summary's counts are the alerts stored; the keys of what the run made."""
    new, corrected = made_by_last_run()
    assert said(result) == (len(new), len(corrected)), result.out
    return new, corrected


def figures_by_command(capsys: pytest.CaptureFixture[str], alert: Alert, store: Path) -> dict:
    """The alert's own command, run as a user would, in JSON."""
    args = shlex.split(alert.command)
    assert args[:3] == ["vigil", "territory", "change"], alert.command
    result = vigil(capsys, *args[1:], "--store", store, "--format", "json")
    assert result.code == 0, result.err
    return json.loads(result.out)


# -- runs over simulated days ----------------------------------------------------------------


def test_runs_over_simulated_days_alert_once_and_correct_visibly(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    # run 1: ten days of maps, the Sunday 9 August missing (it comes late)
    world.publish([d for d in days(FIRST, dt.date(2026, 8, 11)) if d != LATE])
    r1 = world.watch(capsys, at(dt.date(2026, 8, 12)))
    assert r1.code == 0, r1.err
    assert "ingested 9" in r1.out, r1.out
    new, corrected = check_summary(r1)
    assert WEEK1 in new and not corrected
    week = current(WEEK1)
    assert week.snapshots == ["2026-08-02", "2026-08-08"]  # the nearest map to the Sunday
    shown = figures_by_command(capsys, week, world.store)
    assert week.figures["gained_km2"] == round(shown["gained_km2"], 1) > 50
    first_run = Run.objects.get()
    assert first_run.status == "ok" and first_run.ingested == 9 and first_run.alerts == len(new)
    assert set(first_run.detail["stages"]) >= {"fetch", "ingest", "rules", "record", "publish"}

    # run 2, an hour later, nothing new upstream: nothing changes, nothing alerts
    rows, snapshots = alert_rows(), world.dump()["snapshots"]
    r2 = world.watch(capsys, at(dt.date(2026, 8, 12), 7))
    assert r2.code == 0, r2.err
    assert "downloaded 0" in r2.out and "ingested 0" in r2.out
    assert "alerts 0 new, 0 corrected" in r2.out
    assert alert_rows() == rows and world.dump()["snapshots"] == snapshots

    # new days arrive, closing the week of 10–16 August: ingested, alerted
    world.publish(days(dt.date(2026, 8, 12), dt.date(2026, 8, 16)))
    r3 = world.watch(capsys, at(dt.date(2026, 8, 17)))
    assert r3.code == 0, r3.err
    assert "downloaded 5" in r3.out and "ingested 5" in r3.out, r3.out
    new, _ = check_summary(r3)
    assert WEEK2 in new and WEEK1 not in new
    second = current(WEEK2)
    assert second.snapshots == ["2026-08-08", "2026-08-16"]
    assert current(WEEK1).pk == week.pk  # untouched

    # the late Sunday arrives: ingested, and the week's figure corrected by a new alert
    world.publish([LATE])
    r4 = world.watch(capsys, at(dt.date(2026, 8, 17), 7))
    assert r4.code == 0, r4.err
    assert "downloaded 1" in r4.out and "ingested 1" in r4.out, r4.out
    fixed = current(WEEK1)
    assert fixed.pk != week.pk and fixed.supersedes_id == week.pk
    week.refresh_from_db()
    assert not week.current  # the old alert stays, marked
    assert fixed.snapshots == ["2026-08-02", "2026-08-09"]
    assert fixed.figures["gained_km2"] > week.figures["gained_km2"]
    assert fixed.figures["gained_km2"] == round(
        figures_by_command(capsys, fixed, world.store)["gained_km2"], 1
    )
    # week two started from the map of the 8th; it starts from the 9th now: corrected too
    assert current(WEEK2).supersedes_id == second.pk
    _, corrected = check_summary(r4)
    assert {WEEK1, WEEK2} <= corrected

    # a day replaced upstream (the 16th redrawn larger): the second week corrected again
    before = current(WEEK2)
    world.publish([dt.date(2026, 8, 16)], lambda d: square(37.0, 48.0, 0.5))
    r5 = world.watch(capsys, at(dt.date(2026, 8, 17), 8))
    assert r5.code == 0, r5.err
    assert "downloaded 1" in r5.out and "ingested 1" in r5.out, r5.out
    after = current(WEEK2)
    assert after.supersedes_id == before.pk
    assert after.figures["gained_km2"] == round(
        figures_by_command(capsys, after, world.store)["gained_km2"], 1
    )
    assert after.figures["gained_km2"] > before.figures["gained_km2"]
    _, corrected = check_summary(r5)
    assert WEEK2 in corrected and WEEK1 not in corrected
    # every event once: one current alert per key, its history behind it
    assert Alert.objects.filter(key=WEEK1).count() == 2
    assert Alert.objects.filter(key=WEEK2).count() == 3
    assert not Alert.objects.filter(topic="system").exists()
    assert set(Run.objects.values_list("status", flat=True)) == {"ok"}


def test_a_quiet_spell_alerts_once_and_ends_when_a_map_comes(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """The stale rule through runs: one open alert per quiet spell, kept open while the
    spell lasts, closed (not deleted) by the run that brings a newer map."""
    world.publish(days(FIRST, dt.date(2026, 8, 11)))  # newest map: of the 11th

    def quiet() -> list[tuple[str, bool]]:
        rows = Alert.objects.filter(kind="stale").order_by("id")
        return [(a.key, a.resolved is None) for a in rows]

    assert world.watch(capsys, at(dt.date(2026, 8, 12))).code == 0
    assert quiet() == []  # out on the 11th or 12th: not late yet
    assert world.watch(capsys, at(dt.date(2026, 8, 20))).code == 0
    spell = f"territory:stale:{SOURCE}:2026-08-11"
    assert quiet() == [(spell, True)]
    assert world.watch(capsys, at(dt.date(2026, 8, 21))).code == 0
    assert quiet() == [(spell, True)]  # the same spell: no second alert, still open
    # two maps come, then nothing again: the first spell ends, a second one opens
    world.publish(days(dt.date(2026, 8, 12), dt.date(2026, 8, 13)))
    assert world.watch(capsys, at(dt.date(2026, 8, 21), 7)).code == 0
    second = f"territory:stale:{SOURCE}:2026-08-13"
    assert quiet() == [(spell, False), (second, True)]
    world.publish(days(dt.date(2026, 8, 14), dt.date(2026, 8, 21)))
    assert world.watch(capsys, at(dt.date(2026, 8, 21), 8)).code == 0
    assert quiet() == [(spell, False), (second, False)]


# -- failures: store unchanged, nothing published, ONE alert ---------------------------------


def _break(world: World, how: str) -> None:
    """Make the next run's fetch fail: ``how`` the upstream is broken."""
    name = daily_file_name(LATE)
    if how == "corrupt":
        (world.upstream / name).write_bytes(b"<html>rate limited</html>")
    elif how == "truncated":
        whole = daily_geojson(grown(LATE))
        (world.upstream / name).write_bytes(whole[: len(whole) // 2])
    elif how == "missing directory":
        world.configure(url_template=str(world.root / "unmounted"))
    elif how == "closed port":
        port = closed_port()
        world.configure(
            url_template=f"http://127.0.0.1:{port}/deepstatemap_data_{{date:%Y%m%d}}.geojson"
        )
    else:  # pragma: no cover
        raise AssertionError(how)


def _repair(world: World) -> None:
    world.configure()
    world.publish([LATE])


@pytest.mark.parametrize("how", ["corrupt", "truncated", "missing directory", "closed port"])
def test_a_failed_fetch_changes_nothing_and_alerts_once(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    world.publish(days(FIRST, dt.date(2026, 8, 8)))
    assert world.watch(capsys, at(dt.date(2026, 8, 9))).code == 0
    store, rows = world.dump(), alert_rows()
    published: list[Any] = []
    monkeypatch.setattr("vigil.watch.publish.publish", lambda *a, **k: published.append(a))

    _break(world, how)
    for hour in (6, 7):  # two failing runs
        result = world.watch(capsys, at(dt.date(2026, 8, 10), hour))
        assert result.code == 1, (result.out, result.err)
        one_line_error(result)
        assert "FAILED at fetch: " in result.err and "fetch: fetch:" not in result.err
        assert world.dump() == store  # the store exactly as it was
    assert published == []
    failed = list(Alert.objects.filter(kind=runner.FETCH_FAILED))
    assert len(failed) == 1, "one alert while the failure lasts, not one per run"
    alert = failed[0]
    assert alert.topic == "system" and alert.visibility == Level.INTERNAL
    assert alert.source == SOURCE and alert.resolved is None
    assert [a for a in alert_rows() if a[0] != alert.pk] == rows
    runs = list(Run.objects.order_by("id"))
    assert [r.status for r in runs] == ["ok", "failed", "failed"]
    assert runs[-1].error.startswith("fetch: ")

    monkeypatch.undo()
    _repair(world)
    result = world.watch(capsys, at(dt.date(2026, 8, 10), 8))
    assert result.code == 0, result.err
    assert "ingested 1" in result.out
    alert.refresh_from_db()
    assert alert.resolved is not None  # the condition ended
    assert Alert.objects.filter(kind=runner.FETCH_FAILED).count() == 1


def _failing_record(real: Any) -> Any:
    def record(candidates: Any, **kwargs: Any) -> Any:
        candidates = list(candidates)
        if any(c.topic != "system" for c in candidates):
            raise RuntimeError("disk on fire while recording")
        return real(candidates, **kwargs)  # the run_failed alert itself can be stored

    return record


@pytest.mark.parametrize("where", ["territory_rules", "case_rules", "record"])
def test_a_crash_after_the_ingest_rolls_everything_back(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    world.publish(days(FIRST, dt.date(2026, 8, 8)))
    assert world.watch(capsys, at(dt.date(2026, 8, 9))).code == 0
    store, rows = world.dump(), alert_rows()
    world.publish(days(LATE, dt.date(2026, 8, 11)))  # new days, and a week to alert
    published: list[Any] = []
    monkeypatch.setattr("vigil.watch.publish.publish", lambda *a, **k: published.append(a))

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug in the rules")

    if where == "record":
        from vigil.watch import alerts

        monkeypatch.setattr(alerts, "record", _failing_record(alerts.record))
    else:
        monkeypatch.setattr(f"vigil.watch.{where}.evaluate", boom)

    result = world.watch(capsys, at(dt.date(2026, 8, 12)))
    assert result.code == 1, (result.out, result.err)
    one_line_error(result)
    assert world.dump() == store  # the ingest of three days rolled back
    assert published == []
    made = [a for a in alert_rows() if a not in rows]
    assert len(made) == 1
    alert = Alert.objects.get(pk=made[0][0])
    assert alert.kind == runner.RUN_FAILED and alert.visibility == Level.INTERNAL
    assert not Alert.objects.filter(key=WEEK1).exists()
    run = Run.objects.order_by("-id").first()
    assert run is not None
    stage = "record" if where == "record" else "rules"
    assert run.status == "failed" and run.error.startswith(f"{stage}: ")
    assert "RuntimeError" in run.detail["traceback"]

    monkeypatch.undo()
    result = world.watch(capsys, at(dt.date(2026, 8, 12), 7))
    assert result.code == 0, result.err
    assert "ingested 3" in result.out and current(WEEK1)
    alert.refresh_from_db()
    assert alert.resolved is not None


def test_a_store_that_cannot_commit_takes_the_alerts_back(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store commits inside the Django transaction that recorded the alerts: when it
    cannot (disk full), the alerts go too, and the next run makes them again."""
    from vigil.errors import StoreError
    from vigil.territory.store import Store

    world.publish(days(FIRST, dt.date(2026, 8, 8)))
    assert world.watch(capsys, at(dt.date(2026, 8, 9))).code == 0
    store, rows = world.dump(), alert_rows()
    world.publish(days(LATE, dt.date(2026, 8, 11)))

    def disk_full(self: Store) -> None:
        self._rollback()
        raise StoreError(f"{self.path}: cannot commit (database or disk is full)")

    monkeypatch.setattr(Store, "_commit", disk_full)
    result = world.watch(capsys, at(dt.date(2026, 8, 12)))
    assert result.code == 1, (result.out, result.err)
    one_line_error(result)
    assert "FAILED at commit" in result.err
    assert world.dump() == store
    assert [r for r in alert_rows() if r not in rows] == list(
        Alert.objects.filter(kind=runner.RUN_FAILED).values_list(
            "id", "key", "fingerprint", "current", "resolved"
        )
    )
    assert not Alert.objects.filter(key=WEEK1).exists()
    monkeypatch.undo()
    assert world.watch(capsys, at(dt.date(2026, 8, 12), 7)).code == 0
    assert current(WEEK1)


def test_an_interrupted_run_rolls_back_and_says_so(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C, or SIGTERM in a single run (the CLI turns it into the same), mid-run."""
    from vigil.watch import config

    world.publish(days(FIRST, dt.date(2026, 8, 8)))
    assert world.watch(capsys, at(dt.date(2026, 8, 9))).code == 0
    store = world.dump()
    world.publish(days(LATE, dt.date(2026, 8, 11)))

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr("vigil.watch.territory_rules.evaluate", interrupted)
    conf = config.load(world.conf).with_paths(store=world.store)
    with pytest.raises(KeyboardInterrupt):
        runner.run_once(conf, now=at(dt.date(2026, 8, 12)), quiet=True)
    assert world.dump() == store
    run = Run.objects.order_by("-id").first()
    assert run is not None and run.status == "failed"
    assert run.error == "rules: interrupted (KeyboardInterrupt)"


def test_a_file_that_is_no_store_fails_the_run_in_one_line(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.store.write_text("not a database")
    world.publish(days(FIRST, dt.date(2026, 8, 8)))
    result = world.watch(capsys, at(dt.date(2026, 8, 9)))
    assert result.code == 1
    one_line_error(result)
    assert "not a Vigil store" in result.err
    assert world.store.read_text() == "not a database"
    assert Alert.objects.get().kind == runner.RUN_FAILED


class _Receiver(BaseHTTPRequestHandler):
    """A webhook receiver: keeps every request's headers and body."""

    got: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.got.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:  # quiet
        pass


def test_alerts_go_out_once_and_a_failed_run_sends_nothing(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run and the real webhook channel together, with a receiver on this machine."""
    from vigil.watch import publish

    got: list[tuple[dict[str, str], bytes]] = []
    handler = type("Receiver", (_Receiver,), {"got": got})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("VIGIL_WEBHOOK_SECRET", "k3y")
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        world.configure(f'[publish.webhook]\nurl = "{url}"\n')
        world.publish(days(FIRST, LATE))
        r1 = world.watch(capsys, at(dt.date(2026, 8, 10)))
        assert r1.code == 0, r1.err
        assert len(got) == 1
        headers, body = got[0]
        stamp = headers["X-Vigil-Timestamp"]
        assert publish.verify("k3y", stamp, body, headers["X-Vigil-Signature"], now=int(stamp))
        sent = [a["key"] for a in json.loads(body)["alerts"]]
        assert WEEK1 in sent and len(sent) == len(set(sent))
        assert f"published webhook {len(sent)}" in r1.out, r1.out

        assert world.watch(capsys, at(dt.date(2026, 8, 10), 7)).code == 0
        assert len(got) == 1  # nothing new: nothing sent

        world.publish(days(dt.date(2026, 8, 10), dt.date(2026, 8, 16)))
        with monkeypatch.context() as m:
            m.setattr("vigil.watch.case_rules.evaluate", lambda *a, **k: 1 / 0)
            assert world.watch(capsys, at(dt.date(2026, 8, 17))).code == 1
        assert len(got) == 1  # a failed run publishes nothing

        r4 = world.watch(capsys, at(dt.date(2026, 8, 17), 7))
        assert r4.code == 0, r4.err
        assert len(got) == 2
        again = [a["key"] for a in json.loads(got[1][1])["alerts"]]
        assert WEEK2 in again and WEEK1 not in again  # each alert sent once

        # a run that dies while publishing keeps its alerts (they are true): the
        # deliveries they are owed were stored with them, so the next run sends them
        world.publish(days(dt.date(2026, 8, 17), dt.date(2026, 8, 23)))
        with monkeypatch.context() as m:
            m.setattr("vigil.watch.publish.publish", lambda *a, **k: 1 / 0)
            assert world.watch(capsys, at(dt.date(2026, 8, 24))).code == 1
        assert len(got) == 2
        week3 = f"territory:week_gain:{SOURCE}:2026-08-17"
        assert Alert.objects.filter(key=week3, current=True).exists()
        assert world.watch(capsys, at(dt.date(2026, 8, 24), 7)).code == 0
        assert len(got) == 3
        late = [a["key"] for a in json.loads(got[2][1])["alerts"]]
        assert week3 in late and WEEK2 not in late
        assert world.watch(capsys, at(dt.date(2026, 8, 24), 8)).code == 0
        assert len(got) == 3  # sent once
    finally:
        server.shutdown()
        server.server_close()


# -- the lock ------------------------------------------------------------------------------


def test_a_run_holding_the_lock_makes_the_next_exit_75(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.publish(days(FIRST, dt.date(2026, 8, 8)))
    lock = runner.lock_path(world.store)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            "f = open(sys.argv[1], 'w')\n"
            "fcntl.flock(f, fcntl.LOCK_EX)\n"
            "f.write(f'pid {os.getpid()}, started just now'); f.flush()\n"
            "print('held', flush=True)\n"
            "time.sleep(120)\n",
            str(lock),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        result = world.watch(capsys, at(dt.date(2026, 8, 9)))
        assert result.code == 75, (result.out, result.err)
        one_line_error(result)
        assert str(lock) in result.err and f"pid {holder.pid}" in result.err
        assert not Run.objects.exists() and not world.store.exists()  # nothing was done
    finally:
        holder.kill()
        holder.wait()
    # the lock went with its process: no stale lock to clear by hand
    assert world.watch(capsys, at(dt.date(2026, 8, 9))).code == 0


# -- dry run ----------------------------------------------------------------------------------


def test_a_dry_run_writes_nothing_and_shows_what_would_be_published(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    world.publish([d for d in days(FIRST, dt.date(2026, 8, 11)) if d != LATE])
    assert world.watch(capsys, at(dt.date(2026, 8, 12))).code == 0
    old = current(WEEK1)
    world.publish([LATE])  # the next run would correct the week
    monkeypatch.setenv("VIGIL_WEBHOOK_SECRET", "s3cret")
    hook = f"http://127.0.0.1:{closed_port()}/hook"
    world.configure(f'[publish.webhook]\nurl = "{hook}"\n')
    store, rows, cache = world.dump(), alert_rows(), world.cache_files()
    runs = list(Run.objects.values_list("id", "status"))

    result = world.watch(capsys, at(dt.date(2026, 8, 12), 7), "--dry-run")
    assert result.code == 0, result.err
    assert world.dump() == store and alert_rows() == rows and world.cache_files() == cache
    assert list(Run.objects.values_list("id", "status")) == runs
    assert not Delivery.objects.exists()
    out = result.out
    assert f"correction of alert {old.pk}" in out
    assert f"was gained_km2 {old.figures['gained_km2']}" in out
    assert re.search(rf"webhook: 1 alert\(s\) {re.escape(hook)}: would", out), out
    assert "dry run" in out and "ingested 1" in out and "1 corrected" in out

    # the run itself does what the dry run said
    world.configure()
    real = world.watch(capsys, at(dt.date(2026, 8, 12), 8))
    assert real.code == 0, real.err
    fixed = current(WEEK1)
    assert fixed.supersedes_id == old.pk
    assert f"now gained_km2 {fixed.figures['gained_km2']}" in out
    assert fixed.title in out


def test_a_dry_run_on_no_store_leaves_no_store(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.publish(days(FIRST, dt.date(2026, 8, 9)))
    result = world.watch(capsys, at(dt.date(2026, 8, 10)), "--dry-run")
    assert result.code == 0, result.err
    assert "new: " in result.out and "ingested 8" in result.out
    assert not world.store.exists() and not Alert.objects.exists() and not Run.objects.exists()
    assert world.cache_files() == {}


# -- the loop -------------------------------------------------------------------------------


def test_every_loops_past_a_failed_run_and_stops_on_sigterm_between_runs(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    reports = iter(["failed", "ok", "ok"])
    calls: list[bool] = []
    waits: list[float] = []

    def fake_run(
        config: Any, *, now: Any = None, dry_run: bool = False, quiet: bool = False
    ) -> runner.RunReport:
        calls.append(dry_run)
        status = next(reports)
        if len(calls) == 2:
            os.kill(os.getpid(), signal.SIGTERM)  # systemctl stop, during the second run
        report = runner.RunReport(
            source=SOURCE, started=at(FIRST), status=status, run_id=len(calls)
        )
        if status == "failed":
            report.stage, report.error = "fetch", "cannot reach upstream"
        return report

    monkeypatch.setattr(runner, "run_once", fake_run)
    monkeypatch.setattr(runner, "_wait", lambda stop, seconds: waits.append(seconds))
    result = world.watch(capsys, at(FIRST), "--every", "30m")
    assert result.code == 0, result.err
    assert len(calls) == 2, "the loop went on after the failed run and stopped after the second"
    assert len(waits) == 1 and 0 < waits[0] <= 1800
    assert "run 1 deepstate-daily FAILED at fetch: cannot reach upstream" in result.err
    assert "run 2 deepstate-daily: downloaded 0" in result.out
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # restored


def test_next_slot_is_aligned_to_utc() -> None:
    six = 6 * 3600
    t = dt.datetime(2026, 8, 9, 7, 30, tzinfo=dt.UTC).timestamp()
    assert dt.datetime.fromtimestamp(runner.next_slot(t, six), dt.UTC).hour == 12
    assert runner.next_slot(t, 1800) - t == 1800  # on a slot: the next one


@pytest.mark.parametrize("value", ["10s", "1x", "often", "0m"])
def test_a_bad_every_is_exit_2(
    world: World, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    result = world.watch(capsys, at(FIRST), "--every", value)
    assert result.code == 2 and "--every" in result.err
    one_line_error(result)


# -- deployment files ---------------------------------------------------------------------------


def _flags_of(words: list[str]) -> list[str]:
    return [w for w in words if w.startswith("-")]


def _watch_help(capsys: pytest.CaptureFixture[str]) -> str:
    result = vigil(capsys, "watch", "--help")
    assert result.code == 0, result.err
    return result.out


def test_the_unit_files_parse_and_name_a_command_the_cli_accepts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    deploy = REPO / "deploy"
    service = configparser.ConfigParser(strict=False, interpolation=None)
    service.optionxform = str  # type: ignore[assignment,method-assign]
    service.read(deploy / "vigil-watch.service")
    s = service["Service"]
    assert s["Type"] == "oneshot" and s["User"] == "vigil"
    assert s["Environment"].startswith("VIGIL_HOME=")
    assert s["NoNewPrivileges"] == "true" and s["ProtectSystem"] == "strict"
    assert s["PrivateTmp"] == "true" and s["ReadWritePaths"]
    words = shlex.split(s["ExecStart"])
    assert words[0].endswith("/bin/vigil") and words[1] == "watch"
    assert "75" in s["SuccessExitStatus"].split()  # a held lock is no failure of the unit

    timer = configparser.ConfigParser(strict=False, interpolation=None)
    timer.optionxform = str  # type: ignore[assignment,method-assign]
    timer.read(deploy / "vigil-watch.timer")
    t = timer["Timer"]
    assert t["OnCalendar"] == "hourly" and t["Persistent"] == "true" and t["RandomizedDelaySec"]

    cron = [
        line
        for line in (deploy / "crontab.example").read_text().splitlines()
        if line.strip() and not line.startswith("#") and "=" not in line.split()[0]
    ]
    assert cron, "no crontab line"
    help_text = _watch_help(capsys)
    for command in [words, *(shlex.split(line)[5:] for line in cron)]:
        assert command[0].endswith("/bin/vigil") and command[1] == "watch", command
        assert "flock" not in command
        for flag in _flags_of(command):
            assert re.search(rf"{re.escape(flag)}\b", help_text), (
                f"{flag} not in vigil watch --help"
            )
