"""Benchmark of the comparison of two sources (issue 14), with a naive baseline.

    .venv/bin/python benchmarks/compare.py --store STORE [--sources A,B] [--repeat N]
        [--from DATE --to DATE] [--land-only]

Default sources: an ``isw-…`` source against ``deepstate-raw`` when the store holds
both (the ISW overlap), else ``deepstate-raw,deepstate-daily`` (their 13 months of
overlap). Prints, for each measurement, best and median of ``--repeat`` runs, the naive
baseline measured in the same run on the same data, and the ratio (baseline / ours,
medians). Exits 0: benchmarks inform, they do not gate.

Ours: :func:`vigil.territory.compare.compare` (weekly: each source's series from its
stored tile index, the maps at each period end cut into 0.25° tiles and overlaid where
the tiles differ), on a fresh :class:`Territory` each run (nothing cached).

Naive: for each period, the four whole geometries (A and B at the start and the end)
already in memory (loading is charged to neither), ``shapely.difference`` both ways
between each source's start and end maps and between A's and B's end maps, and
``pyproj.Geod.geometry_area_perimeter`` of each oriented result and of each end map
(with ``--land-only`` every map first intersected with the union of the oblasts). The
two must agree: the largest difference between their figures is printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from common import geod_km2, timed

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))


def default_sources(names: list[str]) -> str:
    isw = [n for n in names if n.startswith("isw")]
    if "deepstate-raw" in names and isw:
        return f"deepstate-raw,{isw[0]}"
    if {"deepstate-raw", "deepstate-daily"} <= set(names):
        return "deepstate-raw,deepstate-daily"
    sys.exit(f"name two sources with --sources (the store holds: {', '.join(names)})")


def naive(
    periods: Any, geoms: dict[tuple[str, Any], Any], a: str, b: str, land: Any
) -> list[dict[str, float]]:
    """The comparison's figures by whole-geometry overlays, period by period."""
    if land is not None:
        geoms = {k: shapely.intersection(g, land) for k, g in geoms.items()}
    out = []
    for r in periods.itertuples():
        row: dict[str, float] = {}
        for s, name in (("a", a), ("b", b)):
            start = geoms[(name, getattr(r, f"snapshot_start_{s}"))]
            end = geoms[(name, getattr(r, f"snapshot_end_{s}"))]
            row[f"gained_{s}_km2"] = geod_km2(shapely.difference(end, start))
            row[f"lost_{s}_km2"] = geod_km2(shapely.difference(start, end))
            row[f"area_{s}_km2"] = geod_km2(end)
        end_a, end_b = geoms[(a, r.snapshot_end_a)], geoms[(b, r.snapshot_end_b)]
        row["a_only_km2"] = geod_km2(shapely.difference(end_a, end_b))
        row["b_only_km2"] = geod_km2(shapely.difference(end_b, end_a))
        out.append(row)
    return out


def main() -> None:
    from vigil.territory import compare as C
    from vigil.territory.api import Territory

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", default=os.environ.get("VIGIL_STORE"), required=False)
    parser.add_argument("--sources")
    parser.add_argument("--from", dest="date_from")
    parser.add_argument("--to", dest="date_to")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--land-only", action="store_true")
    args = parser.parse_args()
    if not args.store or not Path(args.store).exists():
        sys.exit("give --store, a store holding the two sources (or set VIGIL_STORE)")
    with Territory(args.store) as t:
        pair = args.sources or default_sources(t.source_names())

    def ours() -> Any:
        with Territory(args.store) as t:
            return C.compare(
                t, pair, date_from=args.date_from, date_to=args.date_to, land_only=args.land_only
            )

    times, result = timed(ours, args.repeat)
    p = result.periods
    a, b = result.source_a, result.source_b
    with Territory(args.store) as t:
        wanted = {(a, d) for d in [*p.snapshot_start_a, *p.snapshot_end_a]}
        wanted |= {(b, d) for d in [*p.snapshot_start_b, *p.snapshot_end_b]}
        geoms = {(s, d): t.geometry(d, source=s) for s, d in wanted}
        land = None
        if args.land_only:
            land = shapely.union_all(t._regions("oblast").geometry.to_numpy())
        lag_times, lag = timed(lambda: C.best_lag(t, pair, land_only=args.land_only), 1)
    base_times, base = timed(lambda: naive(p, geoms, a, b, land), args.repeat)
    worst = 0.0
    for mine, theirs in zip(p.to_dict(orient="records"), base, strict=True):
        for key, value in theirs.items():
            worst = max(worst, abs(float(mine[key]) - value))
    med, base_med = statistics.median(times), statistics.median(base_times)
    clip = ", land only" if args.land_only else ""
    print(f"comparison {a} vs {b}{clip}: {len(p)} weeks ({p.period_start.min()} to")
    print(f"  {p.period_end.max()}), {len(geoms)} maps; {len(result.left_out)} weeks left out")
    print(f"{'':<28} {'best':>9} {'median':>9} {'n':>3}")
    print(f"{'ours (compare, weekly)':<28} {min(times):8.2f}s {med:8.2f}s {len(times):3d}")
    print(f"{'naive (whole overlays)':<28} {min(base_times):8.2f}s {base_med:8.2f}s"
          f" {len(base_times):3d}")  # fmt: skip
    print(f"ratio (naive / ours, medians): {base_med / med:.1f}×")
    print(f"largest difference between the two, any figure: {worst:.4f} km²")
    print(f"best lag ({lag_times[0]:.2f} s, stored areas): {lag.sentence()}")
    sums = np.array([r["a_only_km2"] + r["b_only_km2"] for r in base])
    print(f"symmetric difference at the period ends: median {np.median(sums):.1f} km²")


if __name__ == "__main__":
    main()
