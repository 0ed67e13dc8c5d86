"""Benchmarks for regions, settlements and the front line (issue 4), with naive baselines.

Prints, for each measurement, best and median of n runs, the target, the naive baseline
measured in the same run and the ratio. Exits 0: benchmarks inform, they do not gate.

    .venv/bin/python benchmarks/regions.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry.polygon import orient

from common import timed

REPO = Path(__file__).resolve().parents[1]
ARCHIVE = REPO / "data" / "demo" / "deepstate-daily-2024-07-08_2026-08-22.tar.xz"
GEOD = Geod(ellps="WGS84")


def geod_km2(geom) -> float:
    """Naive: pyproj.Geod area of every polygon part, oriented."""
    parts = shapely.get_parts(geom)
    polys = [p for p in parts if p.geom_type == "Polygon"]
    return sum(abs(GEOD.geometry_area_perimeter(orient(p))[0]) for p in polys) / 1e6


def naive_region_areas(regions, controlled) -> np.ndarray:
    """Naive: one shapely intersection and one Geod area per region, in a Python loop."""
    return np.array([geod_km2(shapely.intersection(g, controlled)) for g in regions.geometry])


def row(name, target, times, base=None) -> str:
    best, med = min(times), statistics.median(times)
    ratio = f"{statistics.median(base) / med:5.1f}×" if base else "    —"
    base_txt = f"{statistics.median(base):8.2f} s" if base else "         —"
    ok = "PASS" if target is None or med <= target else "*** MISS ***"
    tgt = f"≤ {target:g} s" if target is not None else "—"
    return (
        f"{name:<52} {tgt:>8} {best:8.3f} s {med:8.3f} s {len(times):3d} {base_txt} {ratio}  {ok}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "src"))
    from vigil.territory import open_store

    with tempfile.TemporaryDirectory() as tmp:
        t = open_store(Path(tmp) / "bench.sqlite", create=True)
        t0 = time.perf_counter()
        t.ingest([ARCHIVE], jobs=None)
        print(f"setup: ingest {time.perf_counter() - t0:.1f} s", end="; ")
        t0 = time.perf_counter()
        t.import_geography(None, "")
        print(f"shipped geography {time.perf_counter() - t0:.1f} s")
        day = "2026-01-01"
        hromadas = t.store.regions("hromada")
        controlled = t.geometry(day)
        lines = []
        times, ours = timed(lambda: t.regions("hromada", date=day), args.repeat)
        base, naive = timed(lambda: naive_region_areas(hromadas, controlled), 1)
        worst = float(np.max(np.abs(ours.controlled_km2.to_numpy() - naive)))
        lines.append(row("hromadas on 2026-01-01 (1,466 regions)", 2.0, times, base))
        oblasts = t.store.regions("oblast")
        times, _ = timed(lambda: t.regions("oblast", date=day), args.repeat)
        base, _ = timed(lambda: naive_region_areas(oblasts, controlled), 1)
        lines.append(row("oblasts on 2026-01-01 (27 regions)", None, times, base))
        times, series = timed(lambda: t.series("week", region="UA-14"), 1)
        lines.append(row(f"weekly series of Donetsk oblast ({len(series)} weeks)", 30.0, times))
        times, _ = timed(lambda: t.settlement_changes("2024-10-21", "2024-10-28"), args.repeat)
        lines.append(row("settlements changed, one week", 1.0, times))
        times, _ = timed(lambda: t.settlement_changes("2024-07-08", "2026-08-22"), args.repeat)
        lines.append(row("settlements changed, whole archive (769 snapshots)", 1.0, times))
        times, _ = timed(lambda: t.frontline("2024-08-20"), args.repeat)
        lines.append(row("front line on 2024-08-20 (5 km buffer)", None, times))
        t.close()
    print(
        f"{'measurement':<52} {'target':>8} {'best':>10} {'median':>10} {'n':>3}"
        f" {'naive':>10} ratio"
    )
    print("\n".join(lines))
    print(f"agreement with the naive loop: largest |ours − naive| over hromadas {worst:.4f} km²")
    print("(naive: per-region shapely.intersection + pyproj.Geod area in a Python loop)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
