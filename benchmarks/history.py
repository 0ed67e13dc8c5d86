"""Benchmark of the continuous DeepState history (issue 14), with a naive baseline.

    make bench                    # part of it, when ../shared/data holds the raw archive
    .venv/bin/python benchmarks/history.py [--store S] [--repeat N] [--isw]

Builds a store holding DeepState's raw archive and the bundled daily archive (joined as
``deepstate`` by the ingest; ``--store`` reuses one), then times:

1. **The continuous weekly series, 2022–2026** (``Territory.series("week")`` on
   ``deepstate``: about 230 weeks across the seam) against the naive baseline, measured
   in the same run on the same snapshots: for each week, the two whole maps already in
   memory (loading charged to neither), ``shapely.difference`` both ways and
   ``pyproj.Geod.geometry_area_perimeter`` of each oriented result. The largest
   difference between their gained/lost figures is printed.
2. **The comparison** of two sources over their overlap: ``benchmarks/compare.py`` on the
   same store (DeepState raw vs daily; with ``--isw``, ISW/CTP's assessed control is
   ingested too, about 5 min, and compared with DeepState raw).

Prints best and median of ``--repeat`` runs and the ratio (naive / ours, medians).
Exits 0: benchmarks inform, they do not gate.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import shapely

from common import geod_km2

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
SHARED = REPO.parent / "shared" / "data"
RAW = SHARED / "deepstate-raw-2022-04-03_2025-08-03.tar.xz"
ISW = SHARED / "isw-2022-2023.tar.xz"
DAILY = REPO / "data" / "demo" / "deepstate-daily-2024-07-08_2026-08-22.tar.xz"


def vigil(*args: str) -> None:
    subprocess.run([str(Path(sys.executable).parent / "vigil"), *args], check=True)


def build(store: Path, isw: bool) -> None:
    vigil("territory", "ingest", "--quiet", "--store", str(store), str(RAW))
    vigil("territory", "ingest", "--quiet", "--store", str(store), str(DAILY))
    if isw:
        rules = REPO / "data" / "sources" / "isw-assessed.toml"
        vigil(
            "territory", "ingest", "--quiet", "--store", str(store), str(ISW), "--rules", str(rules)
        )


def weekly(store: Path, repeat: int) -> None:
    from vigil.territory.api import Territory
    from vigil.territory.sources.base import Kind

    times, table = [], None
    for _ in range(repeat):
        with Territory(store) as t:  # nothing cached between runs
            t0 = time.perf_counter()
            table = t.series("week", source="deepstate")
            times.append(time.perf_counter() - t0)
    assert table is not None
    with Territory(store) as t:
        maps = {
            d: t.store.geometry(t.store.snapshot("deepstate", Kind.CONTROLLED, d).id)
            for d in set(table.snapshot_start) | set(table.snapshot_end)
        }
    naive_times, worst = [], 0.0
    for _ in range(repeat):
        t0 = time.perf_counter()
        figures = [
            (
                geod_km2(shapely.difference(maps[b], maps[a])),
                geod_km2(shapely.difference(maps[a], maps[b])),
            )
            for a, b in zip(table.snapshot_start, table.snapshot_end, strict=True)
        ]
        naive_times.append(time.perf_counter() - t0)
    for (g, lo), row in zip(figures, table.itertuples(), strict=True):
        worst = max(worst, abs(g - row.gained_km2), abs(lo - row.lost_km2))
    first, last = table.period_start.iloc[0], table.period_start.iloc[-1]
    ours, base = statistics.median(times), statistics.median(naive_times)
    print(f"continuous weekly series, deepstate, {len(table)} weeks ({first} … {last}):")
    print(f"  vigil  best {min(times):.2f} s, median {ours:.2f} s")
    print(f"  naive  best {min(naive_times):.2f} s, median {base:.2f} s")
    print(f"  ratio  {base / ours:.1f}× faster; largest difference {worst:.4f} km²")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--isw", action="store_true", help="ingest and compare ISW too")
    args = parser.parse_args()
    if not RAW.exists() and args.store is None:
        print(f"history benchmark skipped: {RAW} not found (see ../shared/data/README.md)")
        return
    with tempfile.TemporaryDirectory(prefix="vigil-history-") as tmp:
        store = args.store or Path(tmp) / "history.sqlite"
        if args.store is None:
            t0 = time.perf_counter()
            build(store, args.isw)
            print(f"store built in {time.perf_counter() - t0:.0f} s ({dt.date.today()})")
        weekly(store, args.repeat)
        compare = [sys.executable, str(REPO / "benchmarks" / "compare.py"), "--store", str(store)]
        subprocess.run([*compare, "--repeat", str(args.repeat)], check=True)


if __name__ == "__main__":
    main()
