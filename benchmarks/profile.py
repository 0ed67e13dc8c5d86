"""Where the time goes: stage-by-stage timings behind docs/performance.md.

    .venv/bin/python benchmarks/profile.py queries [--store PATH]   # change and series stages
    .venv/bin/python benchmarks/profile.py tiles [--store PATH]     # tile-sum area error
    .venv/bin/python benchmarks/profile.py raw [--every 10]         # raw reader and prepare

``benchmarks/run.py`` measures against the targets; this script explains the figures.
It calls library internals (private names included) to time each stage, so it may
need updating when they change. Without ``--store`` it ingests the daily demo archive
into a temporary store first (about 7 s). Timings are serial (one thread) unless said.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import io
import itertools
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import shapely

REPO = Path(__file__).resolve().parents[1]
DAILY = REPO / "data/demo/deepstate-daily-2024-07-08_2026-08-22.tar.xz"
RAW = REPO.parent / "shared/data/deepstate-raw-2022-04-03_2025-08-03.tar.xz"


def best(fn: Callable[[], Any], n: int = 5) -> tuple[float, Any]:
    """Best of ``n`` wall times (seconds) and the last value."""
    times, value = [], None
    for _ in range(n):
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    return min(times), value


def open_or_build(path: Path | None, tmp: Path) -> Any:
    from vigil.territory import open_store

    if path is not None:
        return open_store(path)
    t = open_store(tmp / "daily.sqlite", create=True)
    print(f"(ingesting {DAILY.name} into a temporary store…)")
    t.ingest([DAILY], format="deepstate-daily")
    return t


# -- queries ---------------------------------------------------------------------------
def queries(t: Any) -> None:
    from vigil import periods as P
    from vigil.territory import change as C
    from vigil.territory import geodesy
    from vigil.territory import series as S

    st, src = t.store, t.resolve_source()
    dates = st.dates(src, "controlled")
    plan = S.plan(P.Freq.WEEK, dates, start=dates[0], end=dates[-1] + dt.timedelta(days=1))
    rows = {d: st.snapshot(src, "controlled", d) for p in plan for d in (p.snap_a, p.snap_b)}
    ids = [(rows[p.snap_a].id, rows[p.snap_b].id) for p in plan]
    stage: collections.Counter[str] = collections.Counter()

    def tick(name: str, fn: Callable[[], Any]) -> Any:
        t0 = time.perf_counter()
        value = fn()
        stage[name] += time.perf_counter() - t0
        return value

    keys, wanted = [], set()
    for a, b in ids:
        ia, ib = tick(
            "tile index (SQLite + unpack)", lambda a=a, b=b: (st.tile_index(a), st.tile_index(b))
        )
        dirty = tick("dirty tiles", lambda ia=ia, ib=ib: C.dirty_tiles(ia, ib))
        keys.append((dirty, ia, ib))
        wanted.update(ia[k] for k in dirty if k in ia)
        wanted.update(ib[k] for k in dirty if k in ib)
    pieces = tick("load pieces (SQLite + WKB)", lambda: st.pieces(wanted))
    diffs = tick("align", lambda: [C.align(d, ia, ib, pieces) for d, ia, ib in keys])
    a = np.concatenate([d.a for d in diffs])
    b = np.concatenate([d.b for d in diffs])
    n_diff, (gained, lost) = best(lambda: (shapely.difference(b, a), shapely.difference(a, b)), 3)
    stage["2 × difference (GEOS)"] = n_diff
    stage["geodesic areas of results"] = best(
        lambda: (geodesy.area_km2(gained), geodesy.area_km2(lost)), 3
    )[0]
    total = sum(stage.values())
    verts = shapely.get_num_coordinates(np.concatenate([a, b])).mean()
    print(f"weekly series: {len(ids)} pairs, {len(a)} dirty tiles, {len(wanted)} pieces loaded,")
    print(f"  {verts:.0f} vertices per dirty piece; serial stages:")
    for name, s in stage.items():
        print(f"    {name:<32} {s * 1e3:8.1f} ms  {100 * s / total:5.1f} %")
    inter = best(lambda: shapely.intersection(a, b), 3)[0]
    print(f"  alternative: 1 × intersection      {inter * 1e3:8.1f} ms  (gained = area(b) -")
    print("    area(a∩b), lost = area(a) - area(a∩b): half the GEOS work when only areas")
    print("    are asked for, as in a series without a sliver filter)")
    whole = best(lambda: t.series("week"), 3)[0]
    print(f"  Territory.series('week') as shipped (2 threads): {whole * 1e3:.1f} ms")

    print()
    last = dates[-1]
    for a_day, b_day in ((dates[0], last), (last - dt.timedelta(days=7), last)):
        sa, sb = st.snapshot(src, "controlled", a_day), st.snapshot(src, "controlled", b_day)
        ia, ib = st.tile_index(sa.id), st.tile_index(sb.id)
        n_dirty = len(C.dirty_tiles(ia, ib))
        ov_s, ov = best(lambda sa=sa, sb=sb: t._overlay(sa.id, sb.id))
        fr_s, (fg, fl) = best(lambda ov=ov: (C.fragments(ov.gained), C.fragments(ov.lost)))
        tb_s, _ = best(lambda fg=fg, fl=fl: C.fragment_table(fg, fl))
        ch_s, _ = best(lambda a_day=a_day, b_day=b_day: t.change(a_day, b_day))
        g = ov.gained[~shapely.is_empty(ov.gained)]
        cov_s, _ = best(lambda g=g: shapely.coverage_union_all(g))
        uni_s, _ = best(lambda g=g: shapely.union_all(g))
        ga, gb = t.geometry(a_day), t.geometry(b_day)
        naive_s, _ = best(
            lambda ga=ga, gb=gb: (shapely.difference(gb, ga), shapely.difference(ga, gb))
        )
        valid = bool(shapely.coverage_is_valid(g))
        print(f"change {a_day} → {b_day}: {n_dirty} of {len(ia.keys() | ib.keys())} tiles dirty")
        print(f"    overlay of dirty tiles (+ areas) {ov_s * 1e3:8.1f} ms")
        print(f"    merge pieces into fragments      {fr_s * 1e3:8.1f} ms  (union_all)")
        print(f"    fragment table (areas, centroids) {tb_s * 1e3:7.1f} ms")
        print(f"    Territory.change as shipped      {ch_s * 1e3:8.1f} ms")
        print(f"    whole-geometry 2 × difference    {naive_s * 1e3:8.1f} ms  (no merge needed)")
        print(
            f"    gained pieces: union_all {uni_s * 1e3:.1f} ms vs coverage_union_all"
            f" {cov_s * 1e3:.1f} ms (valid coverage: {valid})"
        )


# -- tile-sum area error ---------------------------------------------------------------
def tile_error(t: Any, every: int = 30) -> None:
    from pyproj import Geod

    from vigil.territory import geodesy, tiles

    geod = Geod(ellps="WGS84")
    st, src = t.store, t.resolve_source()
    errors = []
    for d in st.dates(src, "controlled")[::every]:
        row = st.snapshot(src, "controlled", d)
        pieces = st.pieces(st.tile_index(row.id).values())
        total = geodesy.area_km2(np.array(list(pieces.values()), dtype=object)).sum()
        errors.append((total - row.area_km2, d))
    errors.sort(key=lambda e: -abs(e[0]))
    print(f"sum of tile-piece areas − whole-snapshot area, {len(errors)} snapshots sampled:")
    print("  worst: " + ", ".join(f"{e:+.4f} km² ({d})" for e, d in errors[:3]))
    worst_day = errors[0][1]
    geom = t.geometry(worst_day)
    longest = []
    for ring in shapely.get_rings(shapely.get_parts(geom)):
        xy = shapely.get_coordinates(ring)
        _, _, dist = geod.inv(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1])
        i = int(np.argmax(dist))
        p, q = (tuple(round(float(v), 3) for v in xy[j]) for j in (i, i + 1))
        longest.append((float(dist[i]) / 1e3, p, q))
    longest.sort(reverse=True)
    print(
        "  longest edges of that snapshot: "
        + "; ".join(f"{k:.1f} km {p}→{q}" for k, p, q in longest[:3])
    )
    whole = geodesy.area_km2(geom)[0]
    for km in (1, 2, 5, 10):
        dense = densify(geom, km, geod)
        cut = tiles.cut(dense)
        err = geodesy.area_km2(cut.pieces).sum() - whole
        before, after = shapely.get_num_coordinates(geom), shapely.get_num_coordinates(dense)
        print(
            f"  densified along geodesics to ≤ {km:>2} km edges: {before} → {after} vertices,"
            f" tile-sum error {err:+.5f} km²"
        )


def densify(geom: Any, max_km: float, geod: Any) -> Any:
    """Insert points on the geodesic of every edge longer than ``max_km`` (area unchanged)."""

    def ring(xy: np.ndarray) -> np.ndarray:
        out = [xy[0]]
        for p, q in itertools.pairwise(xy):
            _, _, d = geod.inv(p[0], p[1], q[0], q[1])
            n = int(d // (max_km * 1e3))
            if n >= 1:
                out.extend(geod.npts(p[0], p[1], q[0], q[1], n))
            out.append(q)
        return np.array(out)

    polys = [
        shapely.Polygon(
            ring(np.asarray(p.exterior.coords)), [ring(np.asarray(h.coords)) for h in p.interiors]
        )
        for p in shapely.get_parts(geom)
    ]
    return shapely.MultiPolygon(polys)


# -- raw reader and prepare ------------------------------------------------------------
def raw(every: int, tmp: Path) -> None:
    from vigil.territory import geodesy, prepare, sources, tiles
    from vigil.territory.api import _group_by_date
    from vigil.territory.sources import deepstate_raw as R

    sample = tmp / "raw-sample.tar"
    size = 0
    with tarfile.open(RAW) as src, tarfile.open(sample, "w") as out:
        n = 0
        for m in src:
            if not m.isfile():
                continue
            n += 1
            if n % every == 0:
                data = src.extractfile(m).read()  # type: ignore[union-attr]
                size += len(data)
                out.addfile(m, io.BytesIO(data))
    print(f"raw sample: every {every}th of {n} members, {size / 1e6:.0f} MB of JSON")

    # Time the reader's merge worker when its entry point is recognisable (private API).
    hook = next((n for n in ("_merge_days", "_merge") if hasattr(R, n)), None)
    merge_s = 0.0
    original = getattr(R, hook) if hook else None

    def timed_merge(*args: Any, **kwargs: Any) -> Any:
        nonlocal merge_s
        t0 = time.perf_counter()
        try:
            return original(*args, **kwargs)  # type: ignore[misc]
        finally:
            merge_s += time.perf_counter() - t0

    if hook:
        setattr(R, hook, timed_merge)
    try:
        report = sources.SourceReport()
        t0, c0 = time.perf_counter(), time.process_time()
        snaps = list(sources.read("deepstate-raw", [sample], report))
        read_s, read_cpu = time.perf_counter() - t0, time.process_time() - c0
    finally:
        if hook:
            setattr(R, hook, original)
    days = len(snaps) // 2
    import json

    with tarfile.open(sample) as tar:
        blobs = [tar.extractfile(m).read() for m in tar if m.isfile()]  # type: ignore[union-attr]
    json_s = best(lambda: [json.loads(b) for b in blobs], 1)[0]
    print(f"  reader: {read_s:.2f} s wall, {read_cpu:.2f} s CPU for {days} days")
    print(f"    json.loads of the sample alone   {json_s:.2f} s")
    if hook:
        print(f"    merge worker busy ({hook})   {merge_s:.2f} s")

    groups = list(_group_by_date(iter(snaps)))
    stage: collections.Counter[str] = collections.Counter()
    for g in groups:
        for s in g:
            t0 = time.perf_counter()
            clean, _, _ = prepare.clean(s.geometry)
            t1 = time.perf_counter()
            geodesy.area_km2(clean)
            t2 = time.perf_counter()
            tiles.cut(clean)
            t3 = time.perf_counter()
            stage[f"{s.kind}: clean"] += t1 - t0
            stage[f"{s.kind}: area"] += t2 - t1
            stage[f"{s.kind}: tile cut"] += t3 - t2
        if len(g) == 2:
            t0 = time.perf_counter()
            union = shapely.union_all([g[0].geometry, g[1].geometry])
            t1 = time.perf_counter()
            clean, _, _ = prepare.clean(union)
            geodesy.area_km2(clean)
            t2 = time.perf_counter()
            tiles.cut(clean)
            t3 = time.perf_counter()
            stage["controlled+grey: union"] += t1 - t0
            stage["controlled+grey: clean + area"] += t2 - t1
            stage["controlled+grey: tile cut"] += t3 - t2
    whole_s = best(lambda: [prepare.prepare_group(g) for g in groups], 1)[0]
    print(f"  prepare_group: {whole_s / len(groups) * 1e3:.1f} ms per day (serial); stages:")
    for name, s in stage.items():
        print(f"    {name:<32} {s / len(groups) * 1e3:6.1f} ms/day")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=("queries", "tiles", "raw"))
    ap.add_argument("--store", type=Path, help="an existing store (default: build one)")
    ap.add_argument("--every", type=int, default=10, help="raw: sample every Nth member")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="vigil-profile-") as name:
        tmp = Path(name)
        if args.what == "raw":
            if not RAW.exists():
                print(f"{RAW}: not found")
                return 0
            raw(args.every, tmp)
            return 0
        t = open_or_build(args.store, tmp)
        (queries if args.what == "queries" else tile_error)(t)
        t.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
