"""Parse and verdict accuracy of the checker on a labelled set of sentences.

The labelled set (data/claims/sentences.jsonl; docs/claims.md "Evaluation") holds real
published sentences, each with the claims a reader finds in it and the verdict the
data gives under the method's default reading, with the reason. Its labels are not the
checker's output: they were set from a human reading of each sentence and the figures
the territory engine or the registry gives for that reading
(scripts/label_claims.py), so the checker can be wrong about them.

A sentence is **parsed right** when the checker finds exactly the expected claims (a
sentence with none: no claim) and, for each, the same actor, measure, value, unit,
hedge, comparison, place, and a period reading equal to the expected period (any of
its readings: the labels name one reading, the checker lists every reasonable one).
Its **verdict is right** when the sentence's verdict, the least favourable of its
claims' (:func:`sentence_verdict`; "cannot be checked" only when no claim could be
checked), is the expected one ("no claim": the checker finds none).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vigil.claims.model import CaseClaim, Claim, TerritoryClaim

NO_CLAIM = "no claim"


def split(ident: str) -> str:
    """``dev`` or ``test``: a third of the sentences (by a hash of the id, stable) are
    held out. The parser's rules were tuned looking at the dev sentences only after the
    first measurement (docs/claims.md "Evaluation"); the test third says how well they
    carry over to sentences nobody tuned them on."""
    import hashlib

    return "test" if hashlib.sha256(ident.encode()).digest()[0] % 3 == 0 else "dev"


@dataclass(frozen=True)
class Outcome:
    """One sentence: what was expected, what the checker said, and where they differ."""

    id: str
    lang: str
    text: str
    expected_verdict: str
    verdict: str
    parse_ok: bool
    verdict_ok: bool
    differences: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class Evaluation:
    outcomes: tuple[Outcome, ...]
    #: language (and "split: dev", "split: test") → (sentences, parsed right, verdict right)
    by_lang: dict[str, tuple[int, int, int]] = field(default_factory=dict)

    @property
    def parse_accuracy(self) -> float:
        return sum(o.parse_ok for o in self.outcomes) / len(self.outcomes)

    @property
    def verdict_accuracy(self) -> float:
        return sum(o.verdict_ok for o in self.outcomes) / len(self.outcomes)


def load(path: str | Path) -> list[dict[str, Any]]:
    """The labelled sentences of a JSON-lines file."""
    text = Path(path).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def evaluate(rows: Iterable[Mapping[str, Any]], check: Any) -> Evaluation:
    """Run ``check(text, as_of)`` (a :meth:`vigil.claims.Checker.check`) on every row
    and compare with its labels."""
    outcomes = []
    for row in rows:
        report = check(row["text"], row.get("as_of") or row.get("published"))
        claims = [v.claim for v in report.verdicts]
        outcomes.append(compare(row, claims, [str(v.label) for v in report.verdicts]))
    return _tally(outcomes)


def evaluate_parse(rows: Iterable[Mapping[str, Any]], parse: Any) -> Evaluation:
    """As :func:`evaluate` with ``parse(text, as_of)`` (a :meth:`Checker.parse`): the
    parse only, no figures (every verdict counts as wrong)."""
    outcomes = []
    for row in rows:
        parsed = parse(row["text"], row.get("as_of") or row.get("published"))
        outcomes.append(compare(row, list(parsed.claims), None))
    return _tally(outcomes)


def _tally(outcomes: list[Outcome]) -> Evaluation:
    by_lang: dict[str, tuple[int, int, int]] = {}
    for o in outcomes:
        for key in (o.lang, f"split: {split(o.id)}"):
            n, p, v = by_lang.get(key, (0, 0, 0))
            by_lang[key] = (n + 1, p + o.parse_ok, v + o.verdict_ok)
    return Evaluation(tuple(outcomes), by_lang)


def compare(row: Mapping[str, Any], claims: list[Claim], labels: list[str] | None) -> Outcome:
    """One labelled sentence against the claims the checker found and their labels
    (``None``: not ruled on)."""
    expected = row["expected"]
    wanted: list[Mapping[str, Any]] = list(expected.get("claims") or [])
    differences: list[str] = []
    matched: list[int | None] = []
    free = list(range(len(claims)))
    for want in wanted:
        i = _match(want, claims, free)
        matched.append(i)
        if i is None:
            differences.append(f"missed {_describe(want)}")
            continue
        free.remove(i)
        differences += _fields(want, claims[i])
    differences += [f"extra claim {claims[i].span.text!r}" for i in free]
    verdict = sentence_verdict(labels) if labels is not None else "(not ruled)"
    expected_verdict = str(expected.get("verdict", NO_CLAIM))
    return Outcome(
        id=str(row["id"]),
        lang=str(row.get("lang", "")),
        text=str(row["text"]),
        expected_verdict=expected_verdict,
        verdict=verdict,
        parse_ok=not differences,
        verdict_ok=verdict == expected_verdict,
        differences=tuple(differences),
        reason=str(expected.get("reason", "")),
    )


#: From the least favourable verdict to the most: a sentence's verdict is the least
#: favourable of its checkable claims' ("cannot be checked" only when none is).
ORDER = ("not supported", "misleading", "supported with caveats", "supported")


def sentence_verdict(labels: list[str]) -> str:
    """The verdict on a whole sentence from its claims' labels (the labelled set's rule)."""
    if not labels:
        return NO_CLAIM
    checked = [lab for lab in labels if lab in ORDER]
    return min(checked, key=ORDER.index) if checked else labels[0]


def _match(want: Mapping[str, Any], claims: list[Claim], free: list[int]) -> int | None:
    """The first free parsed claim that is the expected one: same kind and the same
    number (or settlement, or case type)."""
    for i in free:
        c = claims[i]
        if want.get("kind", "territory") == "case":
            if isinstance(c, CaseClaim) and c.type == want.get("type"):
                return i
            continue
        if not isinstance(c, TerritoryClaim):
            continue
        if want.get("settlement"):
            if c.settlement_captured:
                return i
            continue
        if c.quantity is not None and _same(c.quantity.value, want.get("value")):
            return i
        if c.quantity is None and want.get("value") is None and not c.settlement_captured:
            return i  # a comparison without a figure: "the fastest pace since …"
    return None


def _fields(want: Mapping[str, Any], claim: Claim) -> list[str]:
    out: list[str] = []
    if isinstance(claim, CaseClaim):
        values = sorted(float(v) for v in want.get("values") or [])
        got = sorted(q.value for q in claim.quantities)
        if values and [round(v, 6) for v in values] != [round(v, 6) for v in got]:
            out.append(f"values {got} ≠ {values}")
        if want.get("date") and (claim.date is None or claim.date.date.isoformat() != want["date"]):
            out.append(f"date {claim.date.date if claim.date else None} ≠ {want['date']}")
        return out
    assert isinstance(claim, TerritoryClaim)
    for name, value in (("actor", str(claim.actor)), ("measure", str(claim.measure))):
        if want.get(name) and value != want[name]:
            out.append(f"{name} {value} ≠ {want[name]}")
    q = claim.quantity
    if q is not None:
        if want.get("unit") and str(q.unit) != want["unit"]:
            out.append(f"unit {q.unit} ≠ {want['unit']}")
        if want.get("hedge") and str(q.hedge) != want["hedge"]:
            out.append(f"hedge {q.hedge} ≠ {want['hedge']}")
    comparison = claim.comparison.kind if claim.comparison else None
    if comparison != want.get("comparison"):
        out.append(f"comparison {comparison} ≠ {want.get('comparison')}")
    place = claim.place.code if claim.place is not None and not claim.settlement_captured else None
    if want.get("place") and place != want["place"]:
        out.append(f"place {place} ≠ {want['place']}")
    period = want.get("period")
    if period:
        readings = {
            (r.start.isoformat(), r.end.isoformat())
            for r in (claim.period.readings if claim.period else ())
        }
        if (period[0], period[1]) not in readings:
            shown = sorted(readings)[:3] or "none"
            out.append(f"period {shown} lacks {period[0]}→{period[1]}")
    return out


def _same(a: float, b: Any) -> bool:
    return b is not None and abs(float(a) - float(b)) < 1e-6


def _describe(want: Mapping[str, Any]) -> str:
    if want.get("kind") == "case":
        return f"case claim {want.get('type')}"
    if want.get("settlement"):
        return f"settlement {want['settlement']}"
    return f"{want.get('measure')} {want.get('value')} {want.get('unit')}"


def markdown(result: Evaluation, *, when: dt.date | None = None) -> str:
    """The accuracy table and every sentence the checker gets wrong (docs/claims.md)."""
    lines = [
        "| language, split | sentences | parsed right | verdict right |",
        "|---|---|---|---|",
    ]
    for lang, (n, p, v) in sorted(
        result.by_lang.items(), key=lambda kv: (kv[0].startswith("split"), kv[0])
    ):
        lines.append(f"| {lang} | {n} | {p} ({100 * p / n:.0f} %) | {v} ({100 * v / n:.0f} %) |")
    n = len(result.outcomes)
    p = sum(o.parse_ok for o in result.outcomes)
    v = sum(o.verdict_ok for o in result.outcomes)
    lines.append(f"| **all** | {n} | {p} ({100 * p / n:.1f} %) | {v} ({100 * v / n:.1f} %) |")
    wrong = [o for o in result.outcomes if not (o.parse_ok and o.verdict_ok)]
    lines += ["", f"Sentences it gets wrong ({len(wrong)}):", ""]
    lines += [
        "| id | split | sentence | expected | checker | what differs |",
        "|---|---|---|---|---|---|",
    ]
    for o in wrong:
        text = o.text if len(o.text) <= 160 else o.text[:157] + "…"
        diff = "; ".join(o.differences) or "verdict only"
        cells = [o.id, split(o.id), text, o.expected_verdict, o.verdict, diff]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"
