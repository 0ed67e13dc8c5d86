"""Cost of one `vigil watch` run on the bundled daily archive, with a naive baseline.

    .venv/bin/python benchmarks/watch.py [--repeat N] [--lookback DAYS]

The bundled archive (data/demo/deepstate-daily-2024-07-08_2026-08-22.tar.xz, 770 daily
files) is unpacked into a directory that stands in for DeepState's GitHub repository; a
store is built holding every map but the last one (setup, not charged to any run). Then,
each in a fresh process as cron or systemd starts it:

1. **a new day**: upstream has one file the store lacks; the run fetches the lookback
   window (15 files, copied into an empty cache), ingests it, evaluates every rule,
   records the alerts;
2. **nothing new** (the usual hourly run), ``--repeat`` times: the same window, every
   file unchanged (its hash), nothing ingested, the rules evaluated again;
3. **the naive baseline**, measured in the same run on the same data: what a cron job
   without `vigil watch` would do, re-ingest the whole archive into a new store and
   recompute the same rules (same settings, same clock).

Printed per scenario: seconds per stage inside the run, the process's wall time
(interpreter and imports included: what a scheduler pays), and peak memory (ru_maxrss of
the process and of its ingest workers). Ratios are naive / watch. Exits 0: benchmarks
inform, they do not gate.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
DAILY = REPO / "data" / "demo" / "deepstate-daily-2024-07-08_2026-08-22.tar.xz"
SOURCE = "deepstate-daily"


def peak_mib() -> float:
    """Largest resident set of this process or of any child it waited for (MiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024  # KiB on Linux


# -- the children: one scenario each, printing JSON --------------------------------------------


def child_setup(store: Path, upstream: Path) -> dict[str, Any]:
    """The store with every map but the last; the cases database migrated."""
    from vigil.cases import setup
    from vigil.territory.api import Territory

    setup()
    files = sorted(upstream.glob("deepstatemap_data_*.geojson"))
    started = time.perf_counter()
    with Territory(store, create=True) as t:
        t.ingest(files[:-1], format="deepstate-daily", source=SOURCE)
    return {"seconds": time.perf_counter() - started, "files": len(files) - 1}


def child_run(conf: Path, store: Path, now: dt.datetime) -> dict[str, Any]:
    from vigil.cases import setup

    setup()
    from vigil.watch import config, run

    c = config.load(conf).with_paths(store=store)
    report = run.run_once(c, now=now, quiet=True)
    return {
        "status": report.status,
        "error": report.error,
        "summary": report.summary(),
        "stages": report.stages,
        "seconds": report.seconds,
    }


def child_naive(conf: Path, store: Path, upstream: Path, now: dt.datetime) -> dict[str, Any]:
    """Re-ingest everything into a new store, then compute the same rules."""
    from vigil.cases import setup

    setup()
    from vigil.territory.api import Territory
    from vigil.watch import case_rules, config, territory_rules

    c = config.load(conf)
    files = sorted(upstream.glob("deepstatemap_data_*.geojson"))
    stages: dict[str, float] = {}
    started = time.perf_counter()
    with Territory(store, create=True) as t:
        t.ingest(files, format="deepstate-daily", source=SOURCE, force=True)
        stages["ingest"] = time.perf_counter() - started
        mark = time.perf_counter()
        candidates = territory_rules.evaluate(
            t, c.territory, source=SOURCE, now=now, lookback_days=c.watch.lookback_days
        )
        candidates += case_rules.evaluate(c.cases, today=now.date())
        stages["rules"] = time.perf_counter() - mark
    stages["total"] = time.perf_counter() - started
    return {"stages": stages, "seconds": stages["total"], "candidates": len(candidates)}


def child(argv: list[str]) -> None:
    p = argparse.ArgumentParser()
    p.add_argument("what")
    p.add_argument("--conf", type=Path)
    p.add_argument("--store", type=Path)
    p.add_argument("--upstream", type=Path)
    p.add_argument("--now")
    a = p.parse_args(argv)
    now = dt.datetime.fromisoformat(a.now) if a.now else dt.datetime.now(dt.UTC)
    if a.what == "setup":
        out = child_setup(a.store, a.upstream)
    elif a.what == "run":
        out = child_run(a.conf, a.store, now)
    else:
        out = child_naive(a.conf, a.store, a.upstream, now)
    out["peak_mib"] = peak_mib()
    print(json.dumps(out))


# -- the parent ---------------------------------------------------------------------------------


def spawn(env: dict[str, str], *args: str) -> dict[str, Any]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"child {args[0]} failed:\n{done.stderr[-3000:]}")
    out: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    out["wall"] = wall
    return out


def show(name: str, result: dict[str, Any]) -> None:
    stages = ", ".join(f"{k} {v:.2f}" for k, v in result.get("stages", {}).items())
    print(
        f"{name:<22} in-run {result['seconds']:7.2f} s   process {result['wall']:7.2f} s"
        f"   peak {result['peak_mib']:6.0f} MiB   ({stages})"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3, help="runs with nothing new (default 3)")
    p.add_argument("--lookback", type=int, default=14, help="lookback_days (default 14)")
    p.add_argument("--keep", type=Path, help="work in this directory and keep it")
    a = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="vigil-bench-watch-") as tmp:
        root = Path(tmp)
        if a.keep:
            root = a.keep
            root.mkdir(parents=True, exist_ok=True)
        upstream = root / "upstream"
        upstream.mkdir(exist_ok=True)
        with tarfile.open(DAILY) as tar:
            for m in tar.getmembers():
                if m.isfile() and m.name.endswith(".geojson"):
                    m.name = Path(m.name).name
                    tar.extract(m, upstream, filter="data")
        files = sorted(upstream.glob("*.geojson"))
        last = dt.datetime.strptime(files[-1].name[18:26], "%Y%m%d").date()
        now = dt.datetime(last.year, last.month, last.day, 6, tzinfo=dt.UTC).isoformat()
        conf = root / "watch.toml"
        conf.write_text(f'[watch]\nurl_template = "{upstream}"\nlookback_days = {a.lookback}\n')
        env = {
            **os.environ,
            "VIGIL_HOME": str(root / "home"),
            "VIGIL_CACHE": str(root / "cache"),
        }
        env.pop("VIGIL_STORE", None)
        env.pop("DATABASE_URL", None)
        store = root / "territory.sqlite"
        print(f"vigil watch on {DAILY.name}: {len(files)} daily files, now {now}")
        setup = spawn(env, "setup", "--store", str(store), "--upstream", str(upstream))
        print(f"setup: store of {setup['files']} maps in {setup['seconds']:.1f} s (not charged)")

        common = ["--conf", str(conf), "--store", str(store), "--now", now]
        new_day = spawn(env, "run", *common)
        show("a new day", new_day)
        print(f"    {new_day['summary']}")
        idle = [spawn(env, "run", *common) for _ in range(max(1, a.repeat))]
        for n, r in enumerate(idle, 1):
            show(f"nothing new #{n}", r)
        print(f"    {idle[-1]['summary']}")
        naive = spawn(
            env,
            "naive",
            "--conf",
            str(conf),
            "--store",
            str(root / "naive.sqlite"),
            "--upstream",
            str(upstream),
            "--now",
            now,
        )
        show("naive: re-ingest all", naive)

        idle_run = statistics.median(r["seconds"] for r in idle)
        idle_wall = statistics.median(r["wall"] for r in idle)
        print()
        print(
            f"naive / nothing new: {naive['seconds'] / idle_run:6.1f}x in-run,"
            f" {naive['wall'] / idle_wall:6.1f}x process (medians of {len(idle)})"
        )
        print(
            f"naive / a new day:   {naive['seconds'] / new_day['seconds']:6.1f}x in-run,"
            f" {naive['wall'] / new_day['wall']:6.1f}x process"
        )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
    else:
        main()
