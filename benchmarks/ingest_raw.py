"""The raw DeepState archive ingest: the current code against a naive baseline, one run.

    .venv/bin/python benchmarks/ingest_raw.py [--repeat 2] [--jobs N] [--archive PATH]

Each ingest is a fresh process (``--child``) writing a store in a temporary directory,
timed as a whole (wall, and CPU of the process and its workers). Runs alternate
(current, naive, current, naive…) so that a busy machine slows both alike; best and
median of ``--repeat`` runs are printed. Target: ≤ 45 s wall for the current code
(issue 14; 65 s before it, on an idle 2-core machine).

The naive baseline is the same ingest with the prepare shortcuts switched off: the
tile cut tests every cell of a map's bounding box with GEOS predicates and clips each
crossed cell from the whole map (``tiles._cut_every_cell``, the cut before issue 14),
and no preparation is reused (``prepare._RECENT_SIZE = 0``). The reader is the same in
both: it merges an unchanged day once and hands days to the workers while it reads.

After the runs the stores are compared: every (kind, date) must have the same content
hash and the same tile index in both, else the script says so. Exit status 0: the
benchmarks inform, they do not gate.
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RAW = REPO.parent / "shared/data/deepstate-raw-2022-04-03_2025-08-03.tar.xz"
TARGET_S = 45.0
MODES = ("current", "naive")


def child(mode: str, archive: Path, store: Path, jobs: int | None) -> None:
    """Ingest ``archive`` into ``store`` in this process; print a JSON line of timings."""
    from vigil.territory import open_store

    if mode == "naive":
        import numpy as np

        from vigil.territory import prepare, tiles

        def cut_every_cell(geometry: Any, size: float = tiles.TILE_DEG) -> tiles.Tiles:
            if geometry.is_empty:
                none = np.array([], dtype=np.int64)
                return tiles.Tiles(none, none, np.array([], dtype=object), [], [])
            x0, y0, x1, y1 = geometry.bounds
            cols = np.arange(int(np.floor(x0 / size)), int(np.floor(x1 / size)) + 1)
            rows = np.arange(int(np.floor(y0 / size)), int(np.floor(y1 / size)) + 1)
            ix, iy = (a.ravel() for a in np.meshgrid(cols, rows))
            return tiles._cut_every_cell(geometry, ix, iy, size)

        tiles.cut = cut_every_cell  # workers are forked: they inherit both patches
        prepare._RECENT_SIZE = 0
    t0, c0 = time.perf_counter(), time.process_time()
    t = open_store(store, create=True)
    report = t.ingest([archive], format="deepstate-raw", jobs=jobs)
    t.close()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        json.dumps(
            {
                "wall": wall,
                "cpu_main": cpu,
                "cpu_workers": kids.ru_utime + kids.ru_stime,
                "rss_main_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "added": report.added,
                "pre_2022": report.counts.get("pre-2022 snapshots", 0),
                "merges_reused": report.counts.get("merges reused", 0),
            }
        )
    )


def run(mode: str, archive: Path, store: Path, jobs: int | None) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", mode, "--store", str(store)]
    cmd += ["--archive", str(archive)] + (["--jobs", str(jobs)] if jobs else [])
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{mode} ingest failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def stored(store: Path) -> dict[tuple[str, str], tuple[str, bytes]]:
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT kind, date, content_hash, tiles FROM snapshots").fetchall()
    return {(kind, day): (digest, bytes(tiles)) for kind, day, digest, tiles in rows}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=2, help="runs of each (default 2)")
    ap.add_argument("--jobs", type=int, help="ingest worker processes (default: the library's)")
    ap.add_argument("--archive", type=Path, default=RAW)
    ap.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child, args.archive, args.store, args.jobs)
        return 0
    if not args.archive.exists():
        print(f"{args.archive}: not found; nothing to measure")
        return 0
    results: dict[str, list[dict[str, Any]]] = {mode: [] for mode in MODES}
    with tempfile.TemporaryDirectory(prefix="vigil-bench-raw-") as name:
        stores = {mode: Path(name) / f"{mode}.sqlite" for mode in MODES}
        for k in range(args.repeat):
            for mode in MODES:
                stores[mode].unlink(missing_ok=True)
                r = run(mode, args.archive, stores[mode], args.jobs)
                results[mode].append(r)
                print(
                    f"  run {k + 1} {mode:<8} {r['wall']:6.1f} s wall, CPU {r['cpu_main']:5.1f} s"
                    f" main + {r['cpu_workers']:5.1f} s workers; peak RSS of the main process"
                    f" {r['rss_main_mib']:.0f} MiB",
                    flush=True,
                )
        a, b = stored(stores["current"]), stored(stores["naive"])
    differ = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
    print(f"\nraw ingest of {args.archive.name} (jobs: {args.jobs or 'default'})")
    print(f"{'':<10}{'best':>9}{'median':>9}   target")
    for mode in MODES:
        walls = [r["wall"] for r in results[mode]]
        target = f"≤ {TARGET_S:g} s" if mode == "current" else "—"
        mark = ""
        if mode == "current":
            mark = "  PASS" if statistics.median(walls) <= TARGET_S else "  *** MISS ***"
        print(f"{mode:<10}{min(walls):8.1f}s{statistics.median(walls):8.1f}s   {target}{mark}")
    ratio = statistics.median(r["wall"] for r in results["naive"]) / statistics.median(
        r["wall"] for r in results["current"]
    )
    last = results["current"][-1]
    print(f"naive / current (median wall): {ratio:.2f}×")
    print(
        f"snapshots stored: {last['added']}, of which PRE_2022: {last['pre_2022']}; "
        f"merges reused by the reader: {last['merges_reused']}"
    )
    if differ:
        print(f"*** the two stores differ in {len(differ)} snapshot(s), first {differ[:3]} ***")
    else:
        print(f"stores identical: {len(a)} snapshots, same content hashes and tile indexes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
