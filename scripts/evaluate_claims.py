"""Parse and verdict accuracy of `vigil check` on the labelled set (docs/claims.md).

    .venv/bin/python scripts/evaluate_claims.py --store S [--database D] [-o report.md]

``--store``: a territory store holding DeepState's raw archive and the daily archive
(joined as ``deepstate``) with the shipped geography, as the labels were set on (see
docs/claims.md "Evaluation"); ``--database``: a cases database holding the demo
registry (default: a temporary one imported from data/cases-demo). Prints the accuracy
table and every sentence the checker gets wrong, in Markdown.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LABELLED = REPO / "data" / "claims" / "sentences.jsonl"
CASES = REPO / "data" / "cases-demo"


def demo_registry(path: Path) -> None:
    vigil = str(Path(sys.executable).parent / "vigil")
    db = [vigil, "cases", "--database", str(path)]
    mapping = str(CASES / "prisoners.mapping.toml")
    subprocess.run([*db, "import", "--quiet", str(CASES / "prisoners.csv"), "--mapping", mapping],
                   check=True)  # fmt: skip
    subprocess.run([*db, "import", "--quiet", str(CASES / "registry.json")], check=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--database", type=Path)
    ap.add_argument("--labels", type=Path, default=LABELLED)
    ap.add_argument("-o", "--output", type=Path)
    ap.add_argument("--split", choices=("dev", "test"), help="only this part of the set")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("VIGIL_HOME", tmp)
        database = args.database
        if database is None:
            database = Path(tmp) / "cases.sqlite"
            demo_registry(database)
        from vigil.claims import Checker
        from vigil.claims.evaluate import evaluate, load, markdown, split

        checker = Checker(args.store, database=str(database))
        rows = [r for r in load(args.labels) if args.split in (None, split(r["id"]))]
        result = evaluate(rows, checker.check)
        text = markdown(result)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
