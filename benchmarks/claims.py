"""Benchmark of the claims checker (issue 15), with a naive baseline in the same run.

    make bench                    # part of it
    .venv/bin/python benchmarks/claims.py [--store S] [--database D] [--repeat N]

Builds (or reuses with ``--store``) a territory store of the bundled daily archive with
the shipped geography, and a cases database of the demo registry, then times:

1. **One sentence, warm**: a long-lived :class:`vigil.claims.Checker` (as ``vigil check
   --file`` and the web page keep one) checks "Last week alone, Russian forces seized an
   additional 200 square kilometers – a record for any single week this past year."
   (as of 2024-10-28) ``--repeat`` times after one warm-up; time per stage (parse,
   rule, render).
2. **The labelled set** (data/claims/sentences.jsonl, every sentence with its
   publication date as ``as_of``): one Checker for all; time per stage, total and per
   sentence.

Naive baseline: the same sentence through a new Checker each time (a script that opens
the store and computes every figure afresh: what calling ``vigil.claims.check`` in a
loop does). Prints best and median and the ratio (naive / warm, medians). Exits 0:
benchmarks inform, they do not gate.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
DAILY = REPO / "data" / "demo" / "deepstate-daily-2024-07-08_2026-08-22.tar.xz"
CASES = REPO / "data" / "cases-demo"
LABELLED = REPO / "data" / "claims" / "sentences.jsonl"
SENTENCE = (
    "Last week alone, Russian forces seized an additional 200 square kilometers – a record "
    "for any single week this past year."
)
AS_OF = "2024-10-28"


def vigil(*args: str) -> None:
    subprocess.run([str(Path(sys.executable).parent / "vigil"), *args], check=True)


def build(store: Path, database: Path) -> None:
    if not store.exists():
        vigil("territory", "ingest", "--quiet", "--store", str(store), str(DAILY))
        vigil("territory", "geography", "import", "--shipped", "--store", str(store))
    if not database.exists():
        db = ["cases", "--database", str(database)]
        vigil(*db, "import", "--quiet", str(CASES / "prisoners.csv"), "--mapping",
              str(CASES / "prisoners.mapping.toml"))  # fmt: skip
        vigil(*db, "import", "--quiet", str(CASES / "registry.json"))


class Stages:
    """Wall time per stage of a check (parse, rule, render), summed over calls."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def check(self, checker, text: str, as_of: str | None):  # type: ignore[no-untyped-def]
        from vigil.claims import render
        from vigil.claims.model import Report

        t0 = time.perf_counter()
        parsed = checker.parse(text, as_of)
        t1 = time.perf_counter()
        verdicts = tuple(checker.rule(c, parsed.anchor) for c in parsed.claims)
        t2 = time.perf_counter()
        render.report_record(Report(parsed, verdicts))
        t3 = time.perf_counter()
        self.seconds["parse"] += t1 - t0
        self.seconds["rule"] += t2 - t1
        self.seconds["render"] += t3 - t2
        return verdicts


def one_sentence(store: Path, database: Path, repeat: int) -> None:
    from vigil.claims import Checker

    checker = Checker(store, database=str(database))
    warm_up = Stages()
    t0 = time.perf_counter()
    warm_up.check(checker, SENTENCE, AS_OF)
    first = time.perf_counter() - t0
    stages = Stages()
    warm = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        verdicts = stages.check(checker, SENTENCE, AS_OF)
        warm.append(time.perf_counter() - t0)
    naive = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        Stages().check(Checker(store, database=str(database)), SENTENCE, AS_OF)
        naive.append(time.perf_counter() - t0)
    print(f"one sentence ({', '.join(str(v.label) for v in verdicts)}):")
    print(f"  first check in a new Checker: {first:.3f} s")
    print(
        f"  warm: best {min(warm):.3f} s, median {statistics.median(warm):.3f} s"
        f" (per stage, mean: {_per_stage(stages, repeat)})"
    )
    ratio = statistics.median(naive) / statistics.median(warm)
    print(
        f"  naive (a new Checker each time): best {min(naive):.3f} s, median "
        f"{statistics.median(naive):.3f} s; ratio {ratio:.1f}×"
    )


def labelled_set(store: Path, database: Path) -> None:
    from vigil.claims import Checker

    if not LABELLED.exists():
        print(f"labelled set: {LABELLED} is missing, skipped")
        return
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()]
    checker = Checker(store, database=str(database))
    stages = Stages()
    t0 = time.perf_counter()
    claims = 0
    for row in rows:
        claims += len(stages.check(checker, row["text"], row.get("published")))
    total = time.perf_counter() - t0
    print(
        f"labelled set: {len(rows)} sentences, {claims} claims in {total:.2f} s "
        f"({1000 * total / len(rows):.0f} ms a sentence; per stage: {_per_stage(stages, 1)})"
    )


def _per_stage(stages: Stages, n: int) -> str:
    return ", ".join(f"{k} {1000 * v / n:.1f} ms" for k, v in stages.seconds.items())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", type=Path, help="a store of the daily archive with geography")
    ap.add_argument("--database", type=Path, help="a cases database holding the demo registry")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("VIGIL_HOME", tmp)
        store = args.store or Path(tmp) / "daily.sqlite"
        database = args.database or Path(tmp) / "cases.sqlite"
        build(store, database)
        one_sentence(store, database, args.repeat)
        labelled_set(store, database)


if __name__ == "__main__":
    main()
