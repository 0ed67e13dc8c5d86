"""A claims report as a record (JSON), Markdown, a terminal view and CSV rows.

One shape for every front end: :func:`report_record` is what ``vigil check --format
json`` prints and what ``POST /api/check`` returns; the Markdown, the terminal view, the
CSV rows of ``vigil check --file`` and the web page are all read off it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from typing import Any

from vigil.claims.model import (
    CaseClaim,
    Claim,
    Figure,
    Label,
    Report,
    TerritoryClaim,
    Verdict,
)
from vigil.i18n import gettext as _
from vigil.i18n import pgettext_lazy
from vigil.output import jsonable

#: The verdict labels as a person reads them (the record and CSV keep ``str(label)``).
LABEL_SHOWN = {
    Label.SUPPORTED: pgettext_lazy("verdict", "Supported"),
    Label.CAVEATS: pgettext_lazy("verdict", "Supported with caveats"),
    Label.MISLEADING: pgettext_lazy("verdict", "Misleading"),
    Label.NOT_SUPPORTED: pgettext_lazy("verdict", "Not supported"),
    Label.CANNOT_CHECK: pgettext_lazy("verdict", "Cannot be checked"),
}


def label_shown(label: Label | str) -> str:
    """A verdict's label for people: "Supported with caveats" (translated)."""
    try:
        return str(LABEL_SHOWN[Label(label)])
    except (ValueError, KeyError):
        return str(label).capitalize()


#: Columns of ``vigil check --file``'s CSV: one row per claim (a sentence without a
#: claim gets one row with an empty label and the message).
CSV_COLUMNS = (
    "id",
    "text",
    "anchor",
    "anchor_basis",
    "claim",
    "claim_kind",
    "label",
    "summary",
    "reading",
    "value",
    "tolerance",
    "alternatives",
    "caveats",
    "needed",
    "data",
    "evidence",
)


def claim_record(claim: Claim) -> dict[str, Any]:
    """The parsed claim, JSON-able (spans as start/end/text)."""
    out = jsonable(dataclasses.asdict(claim))
    out["kind"] = claim.kind
    return out


def figure_record(figure: Figure) -> dict[str, Any]:
    return jsonable(dataclasses.asdict(figure))


def verdict_record(verdict: Verdict) -> dict[str, Any]:
    tol = verdict.tolerance
    return {
        "claim": claim_record(verdict.claim),
        "label": str(verdict.label),
        "summary": verdict.summary,
        "tolerance": None if tol is None else jsonable(dataclasses.asdict(tol)),
        "figures": [figure_record(f) for f in verdict.figures],
        "caveats": list(verdict.caveats),
        "needed": verdict.needed,
        "evidence": verdict.evidence,
    }


def report_record(report: Report) -> dict[str, Any]:
    """Everything a report says, JSON-able: the text, its language and anchor, each
    verdict with its claim, figures and caveats, and the message when there is none."""
    p = report.parsed
    return {
        "text": p.text,
        "lang": str(p.lang),
        "anchor": p.anchor.isoformat(),
        "anchor_basis": p.anchor_basis,
        "verdicts": [verdict_record(v) for v in report.verdicts],
        "unparsed": list(p.unparsed),
        "message": report.message,
    }


def report_json(report: Report) -> str:
    return json.dumps(report_record(report), indent=2, ensure_ascii=False) + "\n"


def describe_claim(claim: Claim) -> str:
    """A claim in a few words: "russia gained 200 km² (about) · week Monday→Monday…"."""
    if isinstance(claim, TerritoryClaim):
        bits = [str(claim.actor), str(claim.measure)]
        if claim.quantity is not None:
            q = claim.quantity
            hedge = "" if q.hedge == "exact" else f"{q.hedge} "
            bits.append(f"{hedge}{q.value:g} {q.unit}")
        if claim.place is not None:
            bits.append(f"in {claim.place.name}")
        if claim.settlement_captured:
            bits.append("(settlement taken)")
        if claim.period is not None and claim.period.readings:
            r = claim.period.readings[0]
            bits.append(f"{r.start}→{r.end}")
        if claim.comparison is not None:
            bits.append(f"[{claim.comparison.kind}]")
        return " ".join(bits)
    assert isinstance(claim, CaseClaim)
    names = ", ".join(m.name for m in claim.matches) or "no registry match"
    bits = [claim.type.replace("_", " "), f"({names})"]
    bits += [f"{q.value:g}" for q in claim.quantities]
    if claim.date is not None:
        bits.append(claim.date.date.isoformat())
    return " ".join(bits)


def figure_line(f: Figure) -> str:
    value = "—" if f.value is None else f"{f.value:,.2f}"
    marks = {True: "✓", False: "✗", None: "·"}
    # the figure's mark, then the comparison's when the claim makes one
    mark = marks[f.holds] + (marks[f.comparison_holds] if f.comparison else "")
    extra = f"; {f.comparison}" if f.comparison else ""
    return f"{mark} {f.reading}: {value}{extra}"


def markdown(report: Report) -> str:
    """The report as Markdown: the sentence with the claims in bold, then one section
    per verdict (label, summary, tolerance, readings, caveats, data)."""
    p = report.parsed
    lines = [f"> {highlight(p.text, (v.claim for v in report.verdicts), '**', '**')}", ""]
    lines.append(
        # Translators: %(basis)s says where the date came from: "--as-of", "today", ...
        _("Language: %(lang)s; dates read against %(anchor)s (%(basis)s).")
        % {"lang": p.lang, "anchor": p.anchor, "basis": p.anchor_basis}
    )
    lines.append("")
    if report.message:
        lines += [report.message, ""]
    for n, v in enumerate(report.verdicts, 1):
        lines.append(f"## {n}. {label_shown(v.label)}: “{v.claim.span.text}”")
        lines.append("")
        lines.append(v.summary)
        lines.append("")
        if v.tolerance is not None:
            lines.append("- " + _("Tolerance: %(why)s") % {"why": v.tolerance.why})
        for f in v.figures:
            lines.append(f"- {figure_line(f)}")
        for c in v.caveats:
            lines.append("- " + _("Caveat: %(caveat)s") % {"caveat": c})
        if v.needed:
            lines.append("- " + _("Needed to decide: %(needed)s") % {"needed": v.needed})
        if v.evidence:
            lines.append("- " + _("Evidence: %(evidence)s") % {"evidence": v.evidence})
        lines.append("")
    return "\n".join(lines)


def highlight(text: str, claims: Iterable[Claim], before: str, after: str) -> str:
    """``text`` with each claim's span wrapped in ``before``/``after`` (overlapping
    spans merged)."""
    spans = sorted((c.span.start, c.span.end) for c in claims)
    merged: list[list[int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    out, at = [], 0
    for s, e in merged:
        out += [text[at:s], before, text[s:e], after]
        at = e
    out.append(text[at:])
    return "".join(out)


def csv_rows(ident: str, report: Report) -> list[list[Any]]:
    """``vigil check --file`` rows for one sentence (see :data:`CSV_COLUMNS`)."""
    p = report.parsed
    head = [ident, p.text, p.anchor.isoformat(), p.anchor_basis]
    if not report.verdicts:
        return [[*head, "", "", "", report.message or "", "", "", "", "", "", "", "", ""]]
    rows = []
    for v in report.verdicts:
        first = v.figures[0] if v.figures else None
        rows.append(
            [
                *head,
                v.claim.span.text,
                v.claim.kind,
                str(v.label),
                v.summary,
                first.reading if first else "",
                "" if first is None or first.value is None else round(first.value, 2),
                v.tolerance.why if v.tolerance else "",
                " | ".join(figure_line(f) for f in v.figures[1:]),
                " | ".join(v.caveats),
                v.needed or "",
                json.dumps(jsonable(first.data) if first else {}, ensure_ascii=False),
                v.evidence or "",
            ]
        )
    return rows
