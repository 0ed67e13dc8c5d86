"""Start-up of the `vigil` command against a bare ``python -c "import typer"``.

    .venv/bin/python benchmarks/startup.py            # after `make demo`
    .venv/bin/python benchmarks/startup.py -n 11 --ingest

Every figure is the minimum wall time of N fresh processes (default 9): the minimum
is the least disturbed run on a shared machine. The CPU time (user + system) of that
child is printed too: on a busy machine it moves far less than wall time. The target
(issue 12) is each command within 0.3 s of the baseline. ``--ingest`` also times
re-ingesting the unchanged daily archive into a copy of the demo store (the
content-hash shortcut: target under 1 s).
Benchmarks inform, they do not gate: the exit status is 0 unless a command fails.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
VIGIL = str(BIN / "vigil")
STORE = REPO / "demo/vigil.sqlite"
CASES = REPO / "demo/cases.sqlite"
DAILY = REPO / "data/demo/deepstate-daily-2024-07-08_2026-08-22.tar.xz"
TARGET_S = 0.3

BASELINE = ("python -c 'import typer'", [sys.executable, "-c", "import typer"])
COMMANDS = [
    ("vigil --version", [VIGIL, "--version"]),
    ("vigil --help", [VIGIL, "--help"]),
    ("vigil territory area", [VIGIL, "territory", "area", "--store", STORE, "2025-01-01"]),
    ("vigil cases find", [VIGIL, "cases", "--database", CASES, "find", "Karimli"]),
    (
        "vigil territory series --last 4",
        [VIGIL, "territory", "series", "--store", STORE, "--freq", "week", "--last", "4"],
    ),
]


def best_of(argv: list, n: int) -> tuple[float, float]:
    """(minimum wall time, minimum CPU time) of ``n`` fresh runs of ``argv`` (output
    discarded); a failing command raises RuntimeError with its last line of stderr."""
    walls, cpus = [], []
    for _ in range(n):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        done = subprocess.run([str(a) for a in argv], capture_output=True, text=True)
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
            raise RuntimeError(f"exit {done.returncode}: {last}")
    return min(walls), min(cpus)


def bench_startup(n: int) -> int:
    base, base_cpu = best_of(BASELINE[1], n)
    print(f"Start-up, min of {n} fresh processes (target: within {TARGET_S} s of the baseline)")
    print(f"  {BASELINE[0]:<34} {base:6.3f} s   (baseline)            cpu {base_cpu:6.3f} s")
    failed = 0
    for label, argv in COMMANDS:
        try:
            t, cpu = best_of(argv, n)
        except RuntimeError as exc:
            print(f"  {label:<34} FAILED {exc}")
            failed += 1
            continue
        verdict = "ok" if t - base <= TARGET_S else "MISS"
        print(
            f"  {label:<34} {t:6.3f} s   +{t - base:5.3f} s  ×{t / base:4.1f}  {verdict:<4}"
            f"  cpu {cpu:6.3f} s (+{cpu - base_cpu:5.3f})"
        )
    return failed


def bench_unchanged_ingest(n: int) -> None:
    """Re-ingest the daily archive the demo store already holds, into a copy of it."""
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "vigil.sqlite"
        shutil.copy(STORE, store)
        argv = [VIGIL, "territory", "ingest", "--store", store, DAILY]
        first, first_cpu = best_of(argv, 1)  # records the hash if the store predates it
        t, cpu = best_of(argv, n)
        out = subprocess.run([str(a) for a in argv], capture_output=True, text=True).stdout
    print(f"Unchanged ingest of {DAILY.name} (target: under 1 s)")
    print(f"  first re-ingest {first:6.3f} s (cpu {first_cpu:.3f} s)")
    print(f"  then, min of {n}: {t:6.3f} s (cpu {cpu:.3f} s)")
    print("  says: " + " / ".join(line.strip() for line in out.splitlines() if line.strip()))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=9, help="runs per command (default 9)")
    ap.add_argument("--ingest", action="store_true", help="also time an unchanged ingest")
    args = ap.parse_args(argv)
    for path in (STORE, CASES):
        if not path.exists():
            print(f"{path} is missing: run `make demo` first", file=sys.stderr)
            return 1
    failed = bench_startup(max(args.n, 1))
    if args.ingest:
        bench_unchanged_ingest(max(args.n // 3, 1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
