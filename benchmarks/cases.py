"""Benchmarks of the cases registry (issue 5), with naive baselines measured in the run.

    .venv/bin/python benchmarks/cases.py [--people 10000] [--repeat 5] [--database URL]

A synthetic registry (fictional names in Azerbaijani Latin, Cyrillic and English; 3
status events per person; a party per person) is written as an interchange JSON
document and imported with ``vigil.cases.importers.import_file`` into a fresh SQLite
file (or the ``--database`` given, which must be empty). Then ``list`` (status on a
date for everyone) and ``find`` are timed. Targets (issue 5): import of 10,000 people
with 30,000 events ≤ 30 s; list and find ≤ 0.2 s.

Naive baselines, same data, same run: import with one ORM ``create`` per record
(measured on the first 1,000 people in its own database, scaled ×N/1,000); list with
one query per person for the latest event; find with ``names.similarity`` called in a
Python loop over every name. Exits 0: benchmarks inform, they do not gate.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
from pathlib import Path

from common import timed

REPO = Path(__file__).resolve().parents[1]

SYLLABLES = [
    "ə",
    "li",
    "kə",
    "rim",
    "to",
    "fiq",
    "ya",
    "qub",
    "xə",
    "di",
    "cə",
    "is",
    "ma",
    "yıl",
    "ov",
    "ğa",
    "şa",
    "hin",
    "ço",
    "bən",
    "ül",
    "nur",
    "ər",
    "san",
    "mur",
    "ad",
]
CYR = {
    "ə": "а",
    "ı": "ы",
    "ğ": "г",
    "ş": "ш",
    "ç": "ч",
    "ö": "ё",
    "ü": "ю",
    "x": "х",
    "q": "г",
    "c": "дж",
    "y": "й",
    "a": "а",
    "b": "б",
    "d": "д",
    "e": "е",
    "f": "ф",
    "g": "г",
    "h": "х",
    "i": "и",
    "k": "к",
    "l": "л",
    "m": "м",
    "n": "н",
    "o": "о",
    "p": "п",
    "r": "р",
    "s": "с",
    "t": "т",
    "u": "у",
    "v": "в",
    "z": "з",
}
EN = {
    "ə": "a",
    "ı": "i",
    "ğ": "gh",
    "ş": "sh",
    "ç": "ch",
    "ö": "o",
    "ü": "u",
    "x": "kh",
    "q": "g",
    "c": "j",
}
KINDS = ["detained", "arrested", "sentenced", "transferred", "released", "house_arrest"]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def _script(name: str, table: dict[str, str]) -> str:
    out = "".join(table.get(ch.lower(), ch.lower()) for ch in name)
    return " ".join(w.capitalize() for w in out.split())


def document(n: int, seed: int = 42) -> dict:
    """An interchange document: n people, 3 names and 3 events each, 5 parties."""
    rng = random.Random(seed)
    orgs = [
        {"ref": f"O{i}", "name": f"Party {i}", "kind": "party", "visibility": "public"}
        for i in range(5)
    ]
    people, names, affiliations, events = [], [], [], []
    start = dt.date(2020, 1, 1)
    for i in range(n):
        ref = f"P{i:05d}"
        az = f"{_word(rng)} {_word(rng)}"
        people.append({"ref": ref, "sex": rng.choice(["male", "female"]), "visibility": "public"})
        names += [
            {"person": ref, "name": az, "language": "az-Latn", "kind": "primary"},
            {
                "person": ref,
                "name": _script(az, CYR),
                "language": "ru-Cyrl",
                "kind": "transliteration",
            },
            {"person": ref, "name": _script(az, EN), "language": "en", "kind": "transliteration"},
        ]
        affiliations.append({"person": ref, "organisation": f"O{i % 5}", "role": "member"})
        day = start + dt.timedelta(days=rng.randint(0, 1500))
        for kind in rng.sample(KINDS, 3):
            day += dt.timedelta(days=rng.randint(1, 200))
            events.append({"person": ref, "kind": kind, "date": day.isoformat()})
    for row in names + affiliations + events:
        row["visibility"] = "public"
    return {
        "vigil_cases": 1,
        "level": "restricted",
        "organisations": orgs,
        "people": people,
        "names": names,
        "affiliations": affiliations,
        "events": events,
    }


#: Issue 13's "today": this benchmark at ec72948 (before the name matching, the
#: duplicate finder and the importer's mappings changed), run in a `git worktree` with
#: this checkout's virtualenv on the 2-core reference machine, 2026-12-02, one run
#: before the run after. (The issue quotes 6.2 s and 8.2 s, the figures of 2026-11-25,
#: when the same machine ran about twice as fast: docs/performance.md.) Printed beside
#: the run for comparison; the ratio column stays against the naive baseline.
BEFORE_ISSUE_13 = {"import": 20.0, "duplicates": 11.6}


def row(name: str, target: float | None, times: list[float], base: float | None = None) -> str:
    best, med = min(times), statistics.median(times)
    ratio = f"{base / med:6.1f}×" if base else "     —"
    base_txt = f"{base:9.3f} s" if base else "          —"
    ok = "PASS" if target is None or med <= target else "*** MISS ***"
    tgt = f"≤ {target:g} s" if target is not None else "—"
    return (
        f"{name:<44} {tgt:>8} {best:8.3f} s {med:8.3f} s {len(times):3d} {base_txt} {ratio}  {ok}"
    )


def naive_import(doc: dict, limit: int) -> None:
    """One ORM create per record, in one transaction (what a first version would do)."""
    from django.db import transaction

    from vigil.cases import models as m

    with transaction.atomic():
        orgs = {
            o["ref"]: m.Organisation.objects.create(ref=o["ref"], name=o["name"], kind=o["kind"])
            for o in doc["organisations"]
        }
        people = {}
        for p in doc["people"][:limit]:
            people[p["ref"]] = m.Person.objects.create(ref=p["ref"], sex=p["sex"])
        for n in doc["names"]:
            if n["person"] in people:
                m.PersonName.objects.create(
                    person=people[n["person"]],
                    name=n["name"],
                    language=n["language"],
                    kind=n["kind"],
                )
        for a in doc["affiliations"]:
            if a["person"] in people:
                m.Affiliation.objects.create(
                    person=people[a["person"]], organisation=orgs[a["organisation"]], role=a["role"]
                )
        for e in doc["events"]:
            if e["person"] in people:
                m.StatusEvent.objects.create(
                    person=people[e["person"]], kind=e["kind"], date=e["date"]
                )
        transaction.set_rollback(True)  # leave the benchmark database as it was


def naive_list(on: dt.date) -> dict[int, str]:
    """One query per person for the latest event on or before ``on``."""
    from vigil.cases import models as m
    from vigil.cases.dates import on_or_before

    out = {}
    for p in m.Person.objects.all():
        e = p.events.filter(date__lte=on_or_before(on)).order_by("-date", "-id").first()
        out[p.id] = e.kind if e else ""
    return out


def naive_find(query: str) -> list[tuple[float, str]]:
    from vigil.cases import models as m
    from vigil.cases.names import similarity

    scores = [
        (similarity(query, n.name), n.person.ref)
        for n in m.PersonName.objects.select_related("person")
    ]
    return sorted((s, r) for s, r in scores if s >= 80)[::-1][:10]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database", help="An empty database URL (default: a temp SQLite file).")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "src"))
    with tempfile.TemporaryDirectory() as tmp:
        from vigil.cases import Level, setup

        setup(args.database or str(Path(tmp) / "bench.sqlite"))
        from vigil.cases import registry
        from vigil.cases.importers import import_file

        doc = document(args.people)
        path = Path(tmp) / "registry.json"
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        n_events = len(doc["events"])
        lines = []
        sample = min(1000, args.people)
        base_times, _ = timed(lambda: naive_import(doc, sample), 1)
        naive_import_s = base_times[0] * args.people / sample
        times, report = timed(lambda: import_file(path), 1)
        assert report.ok, report.problems[:3]
        import_s = statistics.median(times)
        lines.append(
            row(f"import {args.people:,} people, {n_events:,} events", 30.0, times, naive_import_s)
        )
        times, again = timed(lambda: import_file(path), 1)
        lines.append(row("re-import of the same file (all unchanged)", None, times))
        on = dt.date(2024, 6, 1)
        times, listed = timed(lambda: registry.list_people(Level.PUBLIC, on=on), args.repeat)
        base, naive = timed(lambda: naive_list(on), 1)
        lines.append(row(f"list: status of {len(listed):,} people on {on}", 0.2, times, base[0]))
        got = dict(zip(listed["ref"], listed["status"], strict=True))
        from vigil.cases.models import Person

        refs = dict(Person.objects.values_list("id", "ref"))
        agree = sum(got[refs[pid]] == kind for pid, kind in naive.items())
        query = doc["names"][3 * 4321 % len(doc["names"])]["name"]
        times, found = timed(lambda: registry.find(query, Level.PUBLIC), args.repeat)
        base, naive_hits = timed(lambda: naive_find(query), 1)
        lines.append(row(f"find {query!r} among {len(doc['names']):,} names", 0.2, times, base[0]))
        from vigil.cases.merge import duplicates

        times, pairs = timed(lambda: duplicates(Level.PUBLIC), 1)
        duplicates_s = statistics.median(times)
        lines.append(
            row(f"duplicates among {args.people:,} people ({len(pairs)} pairs)", None, times)
        )
        unchanged = sum(r.action == "unchanged" for r in again.outcomes)
    head = f"{'measurement':<44} {'target':>8} {'best':>10} {'median':>10} {'n':>3}"
    print(f"{head} {'naive':>11}  ratio")
    print("\n".join(lines))
    print(f"re-import: {unchanged:,} rows unchanged of {len(again.outcomes):,}")
    print(f"list agrees with the naive per-person query for {agree:,} of {len(naive):,} people")
    print(f"find: best match {found.iloc[0]['ref']} (naive loop: {naive_hits[0][1]})")
    print(f"(naive import measured on {sample:,} people and scaled ×{args.people / sample:g})")
    if args.people == 10_000:
        for what, seconds in (("import", import_s), ("duplicates", duplicates_s)):
            before = BEFORE_ISSUE_13[what]
            print(f"{what}: {seconds:.1f} s now, {before:.1f} s before issue 13 (ec72948)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
