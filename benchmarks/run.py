"""Vigil benchmarks: ingest and query timings against the targets, with a naive baseline.

    make bench                              # full run (raw archive too when it exists)
    .venv/bin/python benchmarks/run.py --quick
    .venv/bin/python benchmarks/run.py --no-raw --json results.json

Speed is checked here, never by timed assertions in tests. Every figure is repeated
(best and median of N are printed; the median decides PASS/MISS) because the machine
may be shared. The naive baseline is measured in the same run on the same data: for
each pair of snapshots, ``shapely.difference`` of the two whole geometries both ways
and ``pyproj.Geod.geometry_area_perimeter`` of each (oriented) result, with the two
geometries already loaded in memory (no file parsing charged to it).

Ingests run in a child process (``--child``) so their peak memory can be measured:
the parent samples the proportional set size (PSS, shared pages split fairly) of the
child and all its worker processes every 50 ms and also reads the child's
``ru_maxrss`` (the largest single process of the tree). Stores live in a temporary
directory that is removed at the end. The exit status is always 0: benchmarks inform,
they do not gate; misses are printed prominently.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DAILY = REPO / "data/demo/deepstate-daily-2024-07-08_2026-08-22.tar.xz"
RAW = REPO.parent / "shared/data/deepstate-raw-2022-04-03_2025-08-03.tar.xz"
RAW_READER = "vigil.territory.sources.deepstate_raw"
GIB = 1024**3
MIB = 1024**2

# (label, from, to); None means the first / last snapshot in the store.
PAIRS = [
    ("day", "2024-10-27", "2024-10-28"),
    ("week", "2024-10-21", "2024-10-28"),
    ("month", "2024-10-01", "2024-11-01"),
    ("year", "2025-01-01", "2026-01-01"),
    ("full range", None, None),
]
RAW_PAIRS = [*PAIRS[:3], ("year", "2024-01-01", "2025-01-01"), PAIRS[4]]


# -- results -------------------------------------------------------------------------
@dataclass
class Row:
    """One measurement: our samples, optional baseline samples and the target."""

    name: str
    samples: list[float]
    unit: str = "s"  # "s" or "B" (bytes)
    limit: float | None = None  # target: median must be <= limit
    baseline: list[float] | None = None
    min_ratio: float | None = None  # target: baseline / ours (medians) >= min_ratio
    note: str = ""
    skipped: str = ""  # reason, when the measurement could not be made
    binding: bool = True  # False: the target is shown for reference, not judged
    cpu: list[float] | None = None  # CPU seconds per sample (all threads / processes)
    checks: list[str] = field(default_factory=list)

    @property
    def best(self) -> float:
        return min(self.samples)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def ratio(self, stat: Callable[[list[float]], float] = statistics.median) -> float | None:
        if not self.baseline or not self.samples:
            return None
        return stat(self.baseline) / stat(self.samples)

    def status(self) -> str:
        """PASS, MISS, MISS* (best meets the target, the median does not) or info."""
        if self.skipped:
            return "SKIPPED"
        if self.limit is None and self.min_ratio is None:
            return "info"
        if self._meets(statistics.median):
            status = "PASS"
        else:
            status = "MISS*" if self._meets(min) else "MISS"
        return status if self.binding else f"({status.lower()})"

    def _meets(self, stat: Callable[[list[float]], float]) -> bool:
        ok = True
        if self.limit is not None:
            ok &= stat(self.samples) <= self.limit
        if self.min_ratio is not None:
            r = self.ratio(stat)
            ok &= r is not None and r >= self.min_ratio
        return ok

    def target(self) -> str:
        parts = []
        if self.limit is not None:
            parts.append("≤ " + fmt(self.limit, self.unit))
        if self.min_ratio is not None:
            parts.append(f"≥ {self.min_ratio:g}× base")
        return ", ".join(parts) or "—"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "unit": self.unit,
            "samples": self.samples,
            "best": self.best if self.samples else None,
            "median": self.median if self.samples else None,
            "baseline": self.baseline,
            "cpu": self.cpu,
            "ratio_median": self.ratio(),
            "ratio_best": self.ratio(min),
            "target": self.target(),
            "status": self.status(),
            "note": self.note,
            "skipped": self.skipped,
        }


def fmt(value: float | None, unit: str = "s") -> str:
    if value is None:
        return "—"
    if unit == "B":
        return f"{value / GIB:.2f} GiB" if value >= GIB else f"{value / MIB:.0f} MiB"
    if value < 1:
        return f"{value * 1e3:.1f} ms"
    return f"{value:.2f} s"


def print_table(rows: list[Row]) -> None:
    head = ("measurement", "target", "best", "median", "n", "cpu (med)", "base (med)", "ratio")
    head = (*head, "status")
    lines = []
    for r in rows:
        if r.skipped:
            skipped = f"SKIPPED ({r.skipped})"
            lines.append((r.name, r.target(), "—", "—", "0", "—", "—", "—", skipped))
            continue
        ratio = r.ratio()
        lines.append(
            (
                r.name,
                r.target(),
                fmt(r.best, r.unit),
                fmt(r.median, r.unit),
                str(len(r.samples)),
                fmt(statistics.median(r.cpu)) if r.cpu else "—",
                fmt(statistics.median(r.baseline), r.unit) if r.baseline else "—",
                f"{ratio:.1f}×" if ratio is not None else "—",
                r.status(),
            )
        )
    widths = [max(len(x[i]) for x in [head, *lines]) for i in range(len(head) - 1)]
    rule = "-" * (sum(widths) + 2 * len(widths) + 14)
    print(rule)
    print("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=False)) + "  " + head[-1])
    print(rule)
    for x in lines:
        pairs = enumerate(zip(x, widths, strict=False))
        cells = [c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in pairs]
        status = x[-1]
        if status.startswith("MISS"):
            status = f"*** {status} ***"
        print("  ".join(cells) + "  " + status)
    print(rule)
    notes = [(r.name, r.note) for r in rows if r.note]
    for name, note in notes:
        print(f"  {name}: {note}")


# -- child processes and memory ------------------------------------------------------
def child_main(spec: dict[str, Any]) -> None:
    """Run one ingest (or, with op "read", only the reader) and print timings as JSON.

    Runs in a separate process so that the parent can measure its memory.
    """
    if spec.get("op") == "read":
        child_read(spec)
        return
    started = time.perf_counter()
    from vigil.territory import open_store

    imported = time.perf_counter()
    t = open_store(spec["store"], create=True)
    opened = time.perf_counter()
    cpu0 = cpu_seconds()
    report = t.ingest(spec["paths"], format=spec["format"], jobs=spec.get("jobs"))
    ingested = time.perf_counter()
    cpu1 = cpu_seconds()
    t.close()
    closed = time.perf_counter()
    out = {
        "import": imported - started,
        "open": opened - imported,
        "ingest": ingested - opened,
        "close": closed - ingested,
        "cpu": cpu1 - cpu0,
        "added": report.added,
        "unchanged": report.unchanged,
        "replaced": len(report.replaced),
        "repaired": report.repaired,
        "first": str(report.first),
        "last": str(report.last),
        "counts": dict(report.counts),
    }
    print(json.dumps(out))


def child_read(spec: dict[str, Any]) -> None:
    """Iterate a reader without preparing or storing anything: the reader's own cost."""
    from vigil.territory import sources

    report = sources.SourceReport()
    t0, cpu0 = time.perf_counter(), cpu_seconds()
    snaps = sources.read(spec["format"], spec["paths"], report)
    first = next(snaps, None)
    t1 = time.perf_counter()
    n = (first is not None) + sum(1 for _ in snaps)
    t2 = time.perf_counter()
    out = {"first": t1 - t0, "read": t2 - t0, "snapshots": n, "cpu": cpu_seconds() - cpu0}
    print(json.dumps(out))


def _tree(pid: int) -> list[int]:
    """pid and all its descendants (via /proc/<pid>/task/<tid>/children)."""
    out, stack = [], [pid]
    while stack:
        p = stack.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    stack.extend(int(c) for c in fh.read().split())
        except OSError:
            continue
    return out


def _pss(pid: int) -> int:
    """Proportional set size of a process in bytes (RSS when smaps_rollup is unreadable)."""
    for path, key in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            with open(path) as fh:
                for line in fh:
                    if line.startswith(key):
                        return int(line.split()[1]) * 1024
        except OSError:
            continue
    return 0


@dataclass
class ChildResult:
    ok: bool
    wall: float
    data: dict[str, Any]
    peak_tree_pss: int
    max_rss: int  # largest single process of the tree, bytes
    error: str = ""


def run_child(spec: dict[str, Any], timeout: float, work: Path) -> ChildResult:
    """Run ``spec`` in a child process; sample its tree's memory until it exits."""
    out_path, err_path = work / "child.out", work / "child.err"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, __file__, "--child", json.dumps(spec)], stdout=out, stderr=err
        )
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, sum(_pss(p) for p in _tree(proc.pid)))
                done.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
            done.set()
            sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
    stdout = out_path.read_text(errors="replace").strip().splitlines()
    stderr = err_path.read_text(errors="replace").strip().splitlines()
    max_rss = usage.ru_maxrss * 1024  # KiB on Linux
    if proc.returncode != 0:
        why = f"timed out after {timeout:.0f} s" if proc.returncode < 0 else ""
        last = next((ln for ln in reversed(stderr) if ln.strip()), f"exit {proc.returncode}")
        return ChildResult(False, wall, {}, peak, max_rss, why or last.strip()[:200])
    return ChildResult(True, wall, json.loads(stdout[-1]), peak, max_rss)


# -- the naive baseline --------------------------------------------------------------
def naive_change(a: Any, b: Any) -> tuple[float, float]:
    """Gained and lost km² by overlaying the two whole geometries (the baseline)."""
    import shapely

    gained = shapely.difference(b, a)
    lost = shapely.difference(a, b)
    return geod_area_km2(gained), geod_area_km2(lost)


def geod_area_km2(geom: Any) -> float:
    import shapely
    from pyproj import Geod

    geod = _GEOD.setdefault("wgs84", Geod(ellps="WGS84"))
    if hasattr(shapely, "orient_polygons"):  # shapely >= 2.1
        oriented = shapely.orient_polygons(geom)
    else:  # pragma: no cover
        from shapely.geometry.polygon import orient

        parts = [orient(p) for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
        oriented = shapely.MultiPolygon(parts)
    return abs(geod.geometry_area_perimeter(oriented)[0]) / 1e6


_GEOD: dict[str, Any] = {}


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    value = fn()
    return time.perf_counter() - t0, value


def repeat(fn: Callable[[], Any], n: int) -> tuple[list[float], list[float], Any]:
    """Wall times and CPU times (all threads of this process) of ``n`` calls."""
    walls, cpus, value = [], [], None
    for _ in range(n):
        c0 = time.process_time()
        s, value = timed(fn)
        cpus.append(time.process_time() - c0)
        walls.append(s)
    return walls, cpus, value


def cpu_seconds() -> float:
    """User + system CPU time of this process and its waited-for children."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


# -- the benchmarks ------------------------------------------------------------------
@dataclass
class Plan:
    ingest_runs: int
    incremental_runs: int
    change_runs: int
    series_runs: int
    baseline_series_runs: int
    phases: bool
    raw: bool
    raw_timeout: float
    jobs: int | None


def machine_info() -> list[str]:
    import sqlite3

    import numpy
    import pyproj
    import shapely

    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover
        affinity = os.cpu_count()
    model = ""
    try:
        with open("/proc/cpuinfo") as fh:
            model = next((ln.split(":", 1)[1].strip() for ln in fh if "model name" in ln), "")
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            kb = int(next(ln for ln in fh if ln.startswith("MemTotal")).split()[1])
            mem = f"{kb / 1024**2:.1f} GiB RAM"
    except (OSError, StopIteration):
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return [
        f"date        {dt.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"machine     {platform.platform()}; {os.cpu_count()} cores ({affinity} usable);"
        f" {model}; {mem}",
        f"load avg    {load} (1, 5, 15 min) at start",
        f"python      {platform.python_version()} ({platform.python_implementation()})",
        f"libraries   shapely {shapely.__version__} (GEOS {shapely.geos_version_string}),"
        f" pyproj {pyproj.__version__} (PROJ {pyproj.proj_version_str}),"
        f" numpy {numpy.__version__}, SQLite {sqlite3.sqlite_version}",
    ]


def bench_full_ingest(plan: Plan, tmp: Path, rows: list[Row]) -> Path:
    """Ingest the whole daily archive into fresh stores; return one store for queries."""
    times, peaks, rss, wall, cpu = [], [], [], [], []
    store = tmp / "full0.sqlite"
    for i in range(plan.ingest_runs):
        spec = {
            "store": str(tmp / f"full{i}.sqlite"),
            "paths": [str(DAILY)],
            "format": "deepstate-daily",
            "jobs": plan.jobs,
        }
        res = run_child(spec, 600, tmp)
        if not res.ok:
            raise SystemExit(f"daily ingest failed: {res.error}")
        times.append(res.data["ingest"])
        cpu.append(res.data["cpu"])
        wall.append(res.wall)
        peaks.append(res.peak_tree_pss)
        rss.append(res.max_rss)
        print(f"  ingest run {i + 1}: {fmt(res.data['ingest'])} ({res.data['added']} snapshots)")
        if i:
            (tmp / f"full{i}.sqlite").unlink()
    size = store.stat().st_size
    rows.append(
        Row(
            "ingest daily archive (769 files)",
            times,
            limit=10.0,
            cpu=cpu,
            note=f"library call (Territory.ingest, jobs={plan.jobs or 'default'}); process "
            f"wall incl. imports: median {fmt(statistics.median(wall))}; store "
            f"{size / MIB:.0f} MiB",
        )
    )
    rows.append(Row("  peak memory, process tree (PSS)", peaks, unit="B"))
    rows.append(Row("  peak memory, largest process (maxrss)", rss, unit="B"))
    return store


def bench_incremental(plan: Plan, tmp: Path, rows: list[Row]) -> None:
    """Ingest the archive minus its last day, then time ingesting the last day alone."""
    src = tmp / "daily"
    with tarfile.open(DAILY) as tar:
        members = [m for m in tar.getmembers() if m.isfile() and m.name.endswith(".geojson")]
        kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(src, members=members, **kwargs)
    files = sorted(src.rglob("*.geojson"), key=lambda p: p.name)
    last = files[-1]
    day_dir = tmp / "lastday"
    day_dir.mkdir()
    last = last.rename(day_dir / last.name)
    base = tmp / "base.sqlite"
    res = run_child(
        {"store": str(base), "paths": [str(src)], "format": "deepstate-daily", "jobs": plan.jobs},
        600,
        tmp,
    )
    if not res.ok:
        raise SystemExit(f"base ingest failed: {res.error}")
    print(f"  base store: {res.data['added']} snapshots up to {res.data['last']}")
    lib, walls, cpu = [], [], []
    for i in range(plan.incremental_runs):
        store = tmp / f"inc{i}.sqlite"
        shutil.copy(base, store)
        res = run_child(
            {"store": str(store), "paths": [str(last)], "format": "deepstate-daily"}, 120, tmp
        )
        if not res.ok:
            raise SystemExit(f"incremental ingest failed: {res.error}")
        lib.append(res.data["open"] + res.data["ingest"] + res.data["close"])
        cpu.append(res.data["cpu"])
        store.unlink()
    rows.append(
        Row(
            f"incremental ingest of 1 day ({last.name[-16:-8]})",
            lib,
            limit=1.0,
            cpu=cpu,
            note="open + ingest + close of a store holding the 768 earlier days",
        )
    )
    vigil = Path(sys.executable).with_name("vigil")
    if vigil.exists():
        for i in range(plan.incremental_runs):
            store = tmp / f"cli{i}.sqlite"
            shutil.copy(base, store)
            cmd = [str(vigil), "territory", "ingest", "--store", str(store), "-q", str(last)]
            seconds, proc = timed(lambda c=cmd: subprocess.run(c, capture_output=True))
            if proc.returncode != 0:
                break
            walls.append(seconds)
            store.unlink()
        if walls:
            rows.append(
                Row(
                    "  same via the CLI (process wall, incl. imports)",
                    walls,
                    note="`vigil territory ingest` end to end: Python start-up and imports"
                    " included",
                )
            )
    shutil.rmtree(src)


def resolve_pairs(t: Any, pairs: list) -> list[tuple[str, str, str]]:
    dates = t.dates()
    return [(label, a or str(dates[0]), b or str(dates[-1])) for label, a, b in pairs]


def bench_changes(
    plan: Plan,
    store: Path,
    rows: list[Row],
    pairs: list = PAIRS,
    prefix: str = "",
    binding: bool = True,
) -> list[str]:
    """Each pair: cold first call, warm calls, and the naive baseline."""
    from vigil.territory import open_store

    agreement = []
    warm = open_store(store)
    warm.change(*resolve_pairs(warm, pairs)[1][1:])  # the "first query" that warms the store
    for label, a, b in resolve_pairs(warm, pairs):
        cold = []
        for _ in range(min(3, plan.change_runs)):
            fresh = open_store(store)
            cold.append(timed(lambda f=fresh, a=a, b=b: f.change(a, b))[0])
            fresh.close()
        warm.change(a, b)
        ours, cpu, result = repeat(lambda a=a, b=b: warm.change(a, b), plan.change_runs)
        ga = warm.geometry(result.snapshot_from)
        gb = warm.geometry(result.snapshot_to)
        base, _, (g, lo) = repeat(lambda ga=ga, gb=gb: naive_change(ga, gb), plan.change_runs)
        span = f"{result.snapshot_from}→{result.snapshot_to}"
        rows.append(
            Row(
                f"{prefix}change, {label} ({span})",
                ours,
                limit=0.100,
                baseline=base,
                binding=binding,
                cpu=cpu,
            )
        )
        rows.append(Row("  cold first call (fresh store object)", cold))
        agreement.append(
            f"  {prefix}{label:<11} gained {result.gained_km2:10.3f} km² (naive {g:10.3f}, diff "
            f"{result.gained_km2 - g:+.4f}); lost {result.lost_km2:8.3f} km² (naive {lo:8.3f},"
            f" diff {result.lost_km2 - lo:+.4f})"
        )
    warm.close()
    return agreement


def bench_series(
    plan: Plan, store: Path, rows: list[Row], prefix: str = "", binding: bool = True
) -> list[str]:
    """Weekly (target) and monthly (info) series, warm and cold, against the baseline."""
    from vigil.territory import open_store

    notes = []
    for freq, limit, ratio in (("week", 1.0, 5.0), ("month", None, None)):
        cold = []
        for _ in range(min(2, plan.series_runs)):
            fresh = open_store(store)
            cold.append(timed(lambda f=fresh, q=freq: f.series(q))[0])
            fresh.close()
        t = open_store(store)
        t.series(freq)  # warm
        ours, cpu, table = repeat(lambda t=t, q=freq: t.series(q), plan.series_runs)
        dates = sorted(set(table.snapshot_start) | set(table.snapshot_end))
        geoms = {d: t.geometry(d) for d in dates}  # loaded before timing: not charged
        pairs = list(zip(table.snapshot_start, table.snapshot_end, strict=True))

        def naive(pairs: list = pairs, geoms: dict = geoms) -> list[tuple[float, float]]:
            return [naive_change(geoms[a], geoms[b]) for a, b in pairs]

        base, _, values = repeat(naive, plan.baseline_series_runs)
        t.close()
        rows.append(
            Row(
                f"{prefix}series {freq} ({len(table)} periods)",
                ours,
                limit=limit,
                baseline=base,
                min_ratio=ratio,
                binding=binding,
                cpu=cpu,
            )
        )
        rows.append(Row("  cold first call (fresh store object)", cold))
        diff_g = max(abs(x - g) for x, (g, _) in zip(table.gained_km2, values, strict=True))
        diff_l = max(abs(x - lo) for x, (_, lo) in zip(table.lost_km2, values, strict=True))
        notes.append(
            f"  {prefix}series {freq}: largest |ours − naive| over {len(table)} periods: gained "
            f"{diff_g:.4f} km², lost {diff_l:.4f} km²"
        )
    return notes


def bench_phases(tmp: Path) -> list[str]:
    """Serial, single-process breakdown of the daily ingest: where the time goes."""
    import hashlib

    import shapely

    from vigil.territory import geodesy, prepare, tiles
    from vigil.territory.sources import deepstate_daily
    from vigil.territory.sources.base import Kind, Snapshot
    from vigil.territory.sources.files import iter_members
    from vigil.territory.store import Store

    phase = dict.fromkeys(("read", "parse", "clean", "area", "tile cut", "wkb+hash"), 0.0)
    snaps = []
    members = iter_members([DAILY], accept=lambda n: n.endswith(".geojson"))
    while True:
        s, member = timed(lambda: next(members, None))
        phase["read"] += s
        if member is None:
            break
        s, geom = timed(lambda m=member: deepstate_daily.parse(m.read(), m.origin))
        phase["parse"] += s
        date = deepstate_daily.date_from_name(member.name, member.origin)
        snaps.append(Snapshot(date, Kind.CONTROLLED, geom, member.origin))
        s, (clean, _, _) = timed(lambda g=geom: prepare.clean(g))
        phase["clean"] += s
        phase["area"] += timed(lambda g=clean: geodesy.area_km2(g))[0]
        s, cut = timed(lambda g=clean: tiles.cut(g))
        phase["tile cut"] += s
        phase["wkb+hash"] += timed(
            lambda g=clean, c=cut: (
                hashlib.sha256(shapely.to_wkb(g, output_dimension=2)).hexdigest(),
                shapely.to_wkb(c.pieces, output_dimension=2),
            )
        )[0]
    prep_s, prepared = timed(lambda: [p for s in snaps for p in prepare.prepare_group([s])])
    with Store(tmp / "phases.sqlite") as store:
        write_s, _ = timed(
            lambda: store.write(
                prepared, source="bench", format="deepstate-daily", credit="", inputs=[]
            )
        )
    import pickle

    pickle_s, blob = timed(lambda: pickle.dumps(prepared, protocol=pickle.HIGHEST_PROTOCOL))
    snaps_blob = pickle.dumps(snaps, protocol=pickle.HIGHEST_PROTOCOL)
    n_tiles = sum(len(p.tiles) for p in prepared)
    n_coords = sum(int(shapely.get_num_coordinates(s.geometry)) for s in snaps)
    total = sum(phase.values())
    lines = [
        f"  serial, one process, {len(snaps)} files ({n_coords / len(snaps):.0f} vertices and"
        f" {n_tiles / len(snaps):.0f} tiles per snapshot on average):"
    ]
    for name, s in phase.items():
        lines.append(f"    {name:<22} {s:6.2f} s  {100 * s / total:5.1f} %")
    lines += [
        f"    {'sum of the above':<22} {total:6.2f} s",
        f"    {'prepare_group (check)':<22} {prep_s:6.2f} s  (clean+area+cut+wkb as ingest runs"
        " them)",
        f"    {'SQLite write':<22} {write_s:6.2f} s  (Store.write of all prepared snapshots,"
        " one transaction)",
        f"    {'pickle results':<22} {pickle_s:6.2f} s  ({len(blob) / MIB:.0f} MiB of Prepared"
        f" sent back by workers; {len(snaps_blob) / MIB:.0f} MiB of Snapshots sent to them)",
        f"    serial estimate        {phase['read'] + phase['parse'] + prep_s + write_s:6.2f} s"
        " (read + parse + prepare + write)",
    ]
    return lines


def bench_raw(plan: Plan, tmp: Path, rows: list[Row]) -> str:
    """Ingest the raw archive in a child process; returns a one-line summary."""
    name = "ingest raw archive (1,359 snapshots)"

    def skip(reason: str) -> str:
        rows.append(Row(name, [], limit=90.0, skipped=reason))
        return f"raw: skipped ({reason})"

    if not RAW.exists():
        return skip(f"{RAW} not found")
    if importlib.util.find_spec(RAW_READER) is None:
        return skip(f"reader {RAW_READER} not present")
    spec = {
        "store": str(tmp / "raw.sqlite"),
        "paths": [str(RAW)],
        "format": "deepstate-raw",
        "jobs": plan.jobs,
    }
    res = run_child(spec, plan.raw_timeout, tmp)
    if not res.ok:
        return skip(f"reader failed: {res.error}")
    d = res.data
    rows.append(
        Row(
            name,
            [d["ingest"]],
            limit=90.0,
            cpu=[d["cpu"]],
            note=f"{d['added']} snapshots stored ({d['first']} … {d['last']}), "
            f"process wall incl. imports {fmt(res.wall)}",
        )
    )
    rows.append(Row("  peak memory, process tree (PSS)", [res.peak_tree_pss], "B", 1.5 * GIB))
    rows.append(Row("  peak memory, largest process (maxrss)", [res.max_rss], "B"))
    counts = d.get("counts", {})
    shown = {k: v for k, v in counts.items() if not k.startswith("rule:")}
    lines = [f"raw: {d['added']} snapshots stored; reader counts {shown}"]
    if plan.phases:
        read = run_child({"op": "read", **spec}, plan.raw_timeout, tmp)
        if read.ok:
            r = read.data
            lines.append(
                f"raw reader alone (no prepare, no store): {fmt(r['read'])} wall,"
                f" {fmt(r['cpu'])} CPU for"
                f" {r['snapshots']} snapshots, first one after {fmt(r['first'])};"
                f" peak memory {fmt(read.peak_tree_pss, 'B')} (PSS),"
                f" leaving {fmt(d['ingest'] - r['read'])} of the ingest to prepare + write"
            )
        else:
            lines.append(f"raw reader alone: failed ({read.error})")
    raw_store = Path(spec["store"])
    if raw_store.exists():
        print("      queries on the raw store (for reference; targets bind the daily store)")
        lines += ["Agreement with the naive baseline, raw store:"]
        lines += bench_changes(plan, raw_store, rows, RAW_PAIRS, "raw: ", binding=False)
        lines += bench_series(plan, raw_store, rows, "raw: ", binding=False)
    return "\n".join(lines)


def bench_daily(plan: Plan, tmp: Path, rows: list[Row]) -> list[str]:
    """Steps 1-4: the daily archive's ingests and the queries on its store."""
    print(f"[1/5] full ingest of {DAILY.name} ×{plan.ingest_runs}")
    store = bench_full_ingest(plan, tmp, rows)
    print(f"[2/5] incremental ingest ×{plan.incremental_runs}")
    bench_incremental(plan, tmp, rows)
    print(f"[3/5] change pairs ×{plan.change_runs} (and the naive baseline)")
    extra = ["Agreement with the naive baseline (tiles add vertices on grid lines):"]
    extra += bench_changes(plan, store, rows)
    print(f"[4/5] series ×{plan.series_runs} (baseline ×{plan.baseline_series_runs})")
    return extra + bench_series(plan, store, rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats, no phases, no raw")
    ap.add_argument(
        "--raw",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="ingest the raw archive too (default: on when it exists, off with --quick)",
    )
    ap.add_argument("--raw-timeout", type=float, default=900, help="seconds (default 900)")
    ap.add_argument(
        "--phases",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="serial breakdown of the daily ingest (default: on, off with --quick)",
    )
    ap.add_argument("--raw-only", action="store_true", help="only the raw archive part")
    ap.add_argument("--repeat", type=int, help="override every repeat count")
    ap.add_argument("--jobs", type=int, help="ingest worker processes (default: the library's)")
    ap.add_argument("--json", type=Path, help="also write the results to this JSON file")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child_main(json.loads(args.child))
        return 0

    n = args.repeat
    plan = Plan(
        ingest_runs=n or (1 if args.quick else 3),
        incremental_runs=n or (3 if args.quick else 7),
        change_runs=n or (5 if args.quick else 15),
        series_runs=n or (2 if args.quick else 5),
        baseline_series_runs=n or (1 if args.quick else 3),
        phases=args.phases if args.phases is not None else not args.quick,
        raw=args.raw if args.raw is not None else (RAW.exists() and not args.quick),
        raw_timeout=args.raw_timeout,
        jobs=args.jobs,
    )
    print("Vigil benchmarks" + (" (quick)" if args.quick else ""))
    info = machine_info()
    print("\n".join(info))
    print()
    rows: list[Row] = []
    extra: list[str] = []
    with tempfile.TemporaryDirectory(prefix="vigil-bench-") as name:
        tmp = Path(name)
        if not args.raw_only:
            extra += bench_daily(plan, tmp, rows)
        if plan.phases and not args.raw_only:
            print("      ingest phases (serial)")
            extra += ["", "Where daily-ingest time goes:", *bench_phases(tmp)]
        if plan.raw or args.raw_only:
            print(f"[5/5] raw archive ingest ({RAW.name})")
            extra += ["", bench_raw(plan, tmp, rows)]
        else:
            reason = "--no-raw" if args.raw is False else "--quick" if args.quick else "absent"
            if not RAW.exists():
                reason = f"{RAW} not found"
            rows.append(Row("ingest raw archive (1,359 snapshots)", [], limit=90.0, skipped=reason))
            extra += ["", f"raw: skipped ({reason})"]
    print()
    print_table(rows)
    print(
        "  cpu = user+sys CPU seconds of the measured call, all threads and worker processes;"
        "\n  on an otherwise idle machine wall ≈ cpu / cores kept busy, so a wall time far"
        "\n  above cpu / 2 means the call waited for cores other work was using."
    )
    print("\n".join(extra))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nload avg at end: {load}")
    missed = [r.name.strip() for r in rows if r.binding and r.status().startswith("MISS")]
    if missed:
        print("\n" + "!" * 72)
        print(f"!!! MISSED TARGETS ({len(missed)}): " + "; ".join(missed))
        print("!!! (MISS* = the best run meets the target but the median does not: noise?)")
        print("!!! (lower-case (miss) rows are for reference only and not counted)")
        print("!" * 72)
    else:
        print("\nAll targets met.")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"machine": info, "rows": [r.as_dict() for r in rows], "notes": extra},
                indent=2,
                default=str,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
