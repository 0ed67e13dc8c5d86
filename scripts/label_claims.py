"""Compute the expected verdicts of the claims checker's evaluation set.

    python scripts/label_claims.py --store S \
        [--in data/claims/corpus.jsonl] [--out data/claims/sentences.jsonl] \
        [--labels data/claims/labels.toml]

Reads the collected sentences (JSON lines: id, lang, text, url, outlet, published,
attributed_to, and a human ``reading``) and the hand decisions of ``labels.toml`` (one
table per sentence kept: its expected claims, and for claims the maps cannot decide, the
verdict and reason by hand). For every territory claim it measures the figures on the
store with :mod:`vigil.territory` only — never :mod:`vigil.claims`, so that the labels do
not depend on the checker they evaluate — and applies the verdict rule of
docs/claims.md ("Evaluation set"):

- tolerance from the sentence's own precision (a bare "200" is 150 ≤ x < 250, never
  narrower than ±0.5 % of the value: "116,165" is ±580.83; "about"
  the wider of that and ±10 %; "almost" v − max(half-step, 10 %) ≤ x < v; "more than"
  x > v; "at least" x ≥ v; "up to" x ≤ v; "less than" x < v);
- the default reading first (DeepState, the period as the method reads it — a period
  [s, e) runs from the map standing for s − 1 to the map of e − 1 —, the claim's own
  measure), then the alternatives: the other readings of an ambiguous period phrase
  (week Sunday→Sunday, trailing 7 days), net for gained and gained for net, ISW's
  assessed control where it covers the period, and the figure without fragments flagged
  as redraws;
- supported / supported with caveats / misleading / not supported as described in the
  docs; "cannot be checked" and "no claim" come from the labels.

Units: areas in km² (geodesic, WGS84, as the territory engine gives them), a claim's
figure is compared in the claim's own unit (km², mi², ha, %). Ukraine's area is
603,628 km²; an oblast's is ``area_km2`` of data/geography/oblasts.geojson.xz.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import lzma
import math
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vigil.territory import open_store
from vigil.territory.api import Territory

UKRAINE_KM2 = 603_628.0
KM2_PER_UNIT = {"km2": 1.0, "mi2": 2.589988110336, "ha": 0.01}
DEEPSTATE = "deepstate"
ISW = "isw-assessed"
ONE_DAY = dt.timedelta(days=1)
ROOT = Path(__file__).resolve().parent.parent
OBLASTS = ROOT / "data" / "geography" / "oblasts.geojson.xz"
VERDICTS = (
    "supported",
    "supported with caveats",
    "misleading",
    "not supported",
    "cannot be checked",
    "no claim",
)
# The sentence's verdict when its claims differ: the least favourable checkable one.
SEVERITY = {
    "not supported": 0,
    "misleading": 1,
    "supported with caveats": 2,
    "supported": 3,
    "cannot be checked": 4,
}


def day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def fmt(x: float | None, unit: str = "km2") -> str:
    """A figure in words: km² to two decimals, % to three."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if unit == "percent":
        return f"{x:.3f} %"
    if unit == "mi2":
        return f"{x:,.2f} sq mi"
    if unit == "ha":
        return f"{x:,.0f} ha"
    return f"{x:,.2f} km²"


def step_of(value: float) -> float:
    """The place value of the last significant digit of ``value`` as written ("200" →
    100, "196" → 1, "196.1" → 0.1, "3,200" → 100). Labels give ``step`` where the
    number was written otherwise ("1.5 thousand" → 100, "five thousand" → 1000)."""
    text = repr(float(value))
    if "e" in text:
        text = f"{value:.10f}".rstrip("0")
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    if frac:
        return 10.0 ** -len(frac)
    digits = whole.lstrip("-")
    zeros = len(digits) - len(digits.rstrip("0"))
    return 10.0 ** min(zeros, len(digits) - 1) if digits != "0" else 1.0


@dataclass(frozen=True)
class Tolerance:
    """The range of true values for which a figure holds, in the claim's unit."""

    low: float | None
    high: float | None
    low_open: bool
    high_open: bool
    why: str

    def holds(self, x: float) -> bool:
        if self.low is not None and (x < self.low or (self.low_open and x == self.low)):
            return False
        return not (
            self.high is not None and (x > self.high or (self.high_open and x == self.high))
        )


# A floor on the half-width of a bare number's tolerance, relative to the value: two
# measurements of one map differ by up to 0.5 % (the method's rule, docs/claims.md
# "Tolerance"; written here again, not imported, so that the labels do not depend on the
# checker). ``--min-rel-tol`` changes it to measure how many verdicts turn on it.
MIN_REL_TOL = 0.005


def tolerance(value: float, hedge: str, step: float) -> Tolerance:
    """The verdict rule's tolerance for ``value`` written to ``step`` under ``hedge``."""
    half = max(step / 2, MIN_REL_TOL * abs(value))
    if hedge == "exact":
        return Tolerance(
            value - half, value + half, False, True, f"{value:g} written to {step:g}: ±{half:g}"
        )
    if hedge == "about":
        w = max(half, 0.1 * abs(value))
        return Tolerance(value - w, value + w, False, True, f"about {value:g}: ±{w:g}")
    if hedge == "more than":
        return Tolerance(value, None, True, True, f"more than {value:g}")
    if hedge == "at least":
        return Tolerance(value, None, False, True, f"at least {value:g}")
    if hedge == "up to":
        return Tolerance(None, value, False, False, f"up to {value:g}")
    if hedge == "less than":
        return Tolerance(None, value, False, True, f"less than {value:g}")
    if hedge == "almost":
        w = max(half, 0.1 * abs(value))
        return Tolerance(
            value - w, value, False, True, f"almost {value:g}: [{value - w:g}, {value:g})"
        )
    raise SystemExit(f"unknown hedge {hedge!r}")


@dataclass
class Reading:
    """One reading's figure of a claim."""

    label: str
    kind: str  # default, period, measure, source, redraw
    value: float | None  # in the claim's unit
    km2: float | None
    holds: bool | None = None
    comparison: str | None = None
    comparison_holds: bool | None = None


@dataclass
class Context:
    """The store and what is computed once per run."""

    t: Territory
    sources: set[str]
    oblast_km2: dict[str, float]
    series_cache: dict[tuple[str, str, str], Any] = field(default_factory=dict)
    first: dict[str, dt.date] = field(default_factory=dict)
    last: dict[str, dt.date] = field(default_factory=dict)

    def covers(self, source: str, a: dt.date, b: dt.date) -> bool:
        """Whether ``source`` holds a map for both ends: snapshots standing for ``a`` and
        ``b`` (the latest on or before each) that are no more than 3 days older."""
        if source not in self.sources:
            return False
        dates = self.t.dates(source)
        for d in (a, b):
            found = [x for x in dates if x <= d]
            if not found or (d - found[-1]).days > 3:
                return False
        return True

    def series(self, freq: str, week_start: str = "mon", source: str = DEEPSTATE) -> Any:
        key = (freq, week_start, source)
        if key not in self.series_cache:
            self.series_cache[key] = self.t.series(freq, week_start=week_start, source=source)
        return self.series_cache[key]


def load_oblast_areas() -> dict[str, float]:
    with lzma.open(OBLASTS) as f:
        data = json.load(f)
    return {
        f["properties"]["iso3166_2"]: float(f["properties"]["area_km2"]) for f in data["features"]
    }


def denominator(ctx: Context, claim: dict[str, Any]) -> float:
    """km² that 100 % stands for: Ukraine, or the oblast the claim names."""
    place = claim.get("place")
    if place and place.startswith("UA-"):
        return ctx.oblast_km2[place]
    return UKRAINE_KM2


def to_unit(ctx: Context, claim: dict[str, Any], km2: float) -> float:
    unit = claim["unit"]
    if unit == "percent":
        return 100.0 * km2 / denominator(ctx, claim)
    return km2 / KM2_PER_UNIT[unit]


# -- figures -------------------------------------------------------------------------
def change_km2(
    ctx: Context,
    claim: dict[str, Any],
    start: dt.date,
    end: dt.date,
    *,
    source: str = DEEPSTATE,
    measure: str | None = None,
    exclude_redraws: bool = False,
) -> tuple[float, str]:
    """The claim's measure over [start, end): maps of start − 1 → end − 1 (km²), and the
    maps used in words. Russia's gained/lost/net; Ukraine's gained is Russia's lost."""
    measure = measure or claim["measure"]
    a, b = start - ONE_DAY, end - ONE_DAY
    place = claim.get("place")
    if place and place.startswith("UA-") and not exclude_redraws:
        rows = ctx.t.regions("oblast", date_from=a, date_to=b, source=source)
        row = rows[rows.code == place].iloc[0]
        g, lost, used = (
            float(row.gained_km2),
            float(row.lost_km2),
            (row.snapshot_from, row.snapshot_to),
        )
    else:
        c = ctx.t.change(a, b, source=source, exclude_redraws=exclude_redraws)
        g, lost, used = c.gained_km2, c.lost_km2, (c.snapshot_from, c.snapshot_to)
    if claim["actor"] == "ukraine":
        g, lost = lost, g
    value = {"gained": g, "lost": lost, "net": g - lost}[measure]
    return value, f"maps {used[0]}→{used[1]}"


def held_km2(
    ctx: Context, claim: dict[str, Any], date: dt.date, source: str = DEEPSTATE
) -> tuple[float, str]:
    """Area held on ``date`` (km²): Russia's controlled area (occupied + ORDLO + Crimea),
    or Ukraine's = the whole (Ukraine or the oblast) less it."""
    place = claim.get("place")
    if place and place.startswith("UA-"):
        rows = ctx.t.regions("oblast", date=date, source=source)
        row = rows[rows.code == place].iloc[0]
        controlled, used = float(row.controlled_km2), row.snapshot_date
    else:
        a = ctx.t.area(date, source=source)
        controlled, used = a.controlled_km2, a.snapshot_date
    if claim["actor"] == "ukraine":
        controlled = denominator(ctx, claim) - controlled
    return controlled, f"map of {used}"


def period_readings(
    claim: dict[str, Any], anchor: dt.date | None
) -> list[tuple[str, dt.date, dt.date]]:
    """The alternative periods of an ambiguous phrase (``ptype``) and those the labels
    name (``alt_periods``), each [start, end)."""
    s, e = (day(x) for x in claim["period"])
    assert s is not None and e is not None
    out: list[tuple[str, dt.date, dt.date]] = []
    if claim.get("ptype") == "week":
        out.append(("week Sunday→Sunday", s - ONE_DAY, e - ONE_DAY))
        if anchor is not None:
            out.append(("trailing 7 days", anchor - 7 * ONE_DAY, anchor))
    for label, a, b in claim.get("alt_periods", []):
        out.append((label, day(a), day(b)))  # type: ignore[arg-type]
    return out


# -- comparisons ---------------------------------------------------------------------
def freq_of(start: dt.date, end: dt.date) -> str:
    days = (end - start).days
    if days <= 8:
        return "week"
    if days <= 40:
        return "month"
    return "year"


def compare(
    ctx: Context,
    claim: dict[str, Any],
    start: dt.date,
    end: dt.date,
    km2: float,
    *,
    week_start: str = "mon",
    source: str = DEEPSTATE,
    measure: str | None = None,
) -> tuple[str, bool] | None:
    """Whether the claim's comparison holds for ``km2`` over [start, end), from the
    series of its kind of period (weeks or months), and the figures in words."""
    comp = claim.get("comparison")
    if not comp:
        return None
    kind = comp["kind"]
    metric = f"{measure or claim['measure']}_km2"
    if claim["actor"] == "ukraine" and metric == "gained_km2":
        metric = "lost_km2"
    freq = comp.get("freq") or freq_of(start, end)
    if freq == "day":
        # days of the trailing year only: a whole daily series would overlay every map
        table = ctx.t.series(
            "day", date_from=start - dt.timedelta(days=366), date_to=end, source=source
        )
    else:
        table = ctx.series(freq, week_start, source)
    table = table[table.complete]
    earlier = table[table.period_start < start]
    if kind == "multiple":
        refs = comp["reference"]
        refs = [refs] if isinstance(refs[0], str) else refs
        ref = 0.0
        for a, b in refs:
            v, _ = change_km2(ctx, claim, day(a), day(b), source=source, measure=measure)  # type: ignore[arg-type]
            ref += v
        ref_text = " + ".join(f"{a}→{b}" for a, b in refs)
        if "pct_change" in comp:
            pct = float(comp["pct_change"])
            change = 100.0 * (km2 - ref) / ref
            tol = tolerance(
                pct, comp.get("hedge", "exact"), float(comp.get("step", step_of(abs(pct))))
            )
            ok = tol.holds(change)
            return (f"{change:+.1f} % vs {ref_text} ({fmt(ref)}; {tol.why})", ok)
        direction = comp.get("direction", "more")
        ratio = km2 / ref if direction == "more" else ref / km2
        factor = float(comp["factor"])
        tol = tolerance(
            factor, comp.get("hedge", "exact"), float(comp.get("step", step_of(factor)))
        )
        ok = tol.holds(ratio)
        return (f"{direction} by a factor {ratio:.2f} vs {ref_text} ({fmt(ref)}; {tol.why})", ok)
    if kind in ("record", "largest_since", "fastest"):
        since = day(comp.get("since"))
        window = comp.get("window")
        if kind == "record" and window == "calendar-year":
            since = dt.date(start.year, 1, 1) - ONE_DAY
            rows = earlier[earlier.period_start > since]
        elif kind == "record":
            since = start - dt.timedelta(days=365)
            rows = earlier[earlier.period_start >= since]
        elif since is None:
            rows = earlier
        else:
            rows = earlier[earlier.period_start > since]
        larger = rows[rows[metric] >= km2]
        last_larger = (
            earlier[earlier[metric] >= km2].period_start.max()
            if len(earlier[earlier[metric] >= km2])
            else None
        )
        rank = int((rows[metric] >= km2).sum()) + 1
        ok = larger.empty
        what = f"since {since}" if since else "in the data"
        text = (
            f"rank {rank} of {len(rows) + 1} {freq}s {what};"
            f" last larger {freq} before it: {last_larger or 'none in the data'}"
        )
        if ok and kind != "record" and since is not None and earlier.period_start.min() > since:
            text += f" (the data begin {earlier.period_start.min()})"
        return text, ok
    if kind in ("smallest_since", "slowest"):
        since = day(comp["since"])
        rows = earlier[earlier.period_start > since]
        smaller = rows[rows[metric] <= km2]
        named = earlier[earlier.period_start == since]
        ref_text = (
            f"; the {freq} of {since}: {fmt(float(named[metric].iloc[0]))}" if len(named) else ""
        )
        ok = smaller.empty
        lower = ", ".join(
            f"{r.period_start} {fmt(getattr(r, metric))}" for r in smaller.itertuples()
        )
        text = (
            f"{'no' if ok else len(smaller)} {freq}(s) after {since} smaller"
            + (f" ({lower})" if lower else "")
            + ref_text
        )
        return text, ok
    raise SystemExit(f"unknown comparison {kind!r}")


# -- one claim -----------------------------------------------------------------------
def rule_claim(
    ctx: Context, claim: dict[str, Any], anchor: dt.date | None
) -> tuple[str, float | None, str]:
    """(verdict, figure under the default reading, reason) of one territory claim whose
    verdict the labels leave to the figures."""
    if claim.get("settlement"):
        return rule_settlement(ctx, claim)
    has_value = claim.get("value") is not None
    tol = None
    if has_value:
        step = float(claim.get("step") or step_of(float(claim["value"])))
        tol = tolerance(float(claim["value"]), claim["hedge"], step)
    readings: list[Reading] = []
    unit = claim.get("unit") or "km2"
    if claim["measure"] == "held":
        date = day(claim["date"])
        assert date is not None
        if not ctx.covers(DEEPSTATE, date, date):
            return no_deepstate(ctx, claim, date, date, tol)
        km2, used = held_km2(ctx, claim, date)
        readings.append(Reading(f"DeepState, {used}", "default", None, km2))
        for other in claim.get("alt_dates", []):
            k, u = held_km2(ctx, claim, day(other))  # type: ignore[arg-type]
            readings.append(Reading(f"DeepState, {u}", "period", None, k))
        if ctx.covers(ISW, date, date):
            k, u = held_km2(ctx, claim, date, source=ISW)
            readings.append(
                Reading(
                    f"ISW assessed, {u}", "source", to_unit(ctx, claim, k) if has_value else None, k
                )
            )
    else:
        s, e = (day(x) for x in claim["period"])
        assert s is not None and e is not None
        if not ctx.covers(DEEPSTATE, s - ONE_DAY, e - ONE_DAY):
            return no_deepstate(ctx, claim, s - ONE_DAY, e - ONE_DAY, tol)
        km2, used = change_km2(ctx, claim, s, e)
        r = Reading(f"DeepState, {claim['measure']}, [{s}, {e}) ({used})", "default", None, km2)
        readings.append(r)
        for label, a, b in period_readings(claim, anchor):
            k, u = change_km2(ctx, claim, a, b)
            rr = Reading(
                f"DeepState, {claim['measure']}, {label} [{a}, {b}) ({u})", "period", None, k
            )
            c = compare(ctx, claim, a, b, k, week_start="sun" if "Sunday" in label else "mon")
            if c:
                rr.comparison, rr.comparison_holds = c
            readings.append(rr)
        other = {"gained": "net", "net": "gained"}.get(claim["measure"])
        if other:
            k, u = change_km2(ctx, claim, s, e, measure=other)
            rr = Reading(f"DeepState, {other}, [{s}, {e}) ({u})", "measure", None, k)
            c = compare(ctx, claim, s, e, k, measure=other)
            if c:
                rr.comparison, rr.comparison_holds = c
            readings.append(rr)
        if ctx.covers(ISW, s - ONE_DAY, e - ONE_DAY):
            k, u = change_km2(ctx, claim, s, e, source=ISW)
            readings.append(
                Reading(f"ISW assessed, {claim['measure']}, [{s}, {e}) ({u})", "source", None, k)
            )
        if not claim.get("place") and s.year <= 2024:
            # redraw fragments: flagged only in 2022–2024 (none since, docs/method.md)
            k, u = change_km2(ctx, claim, s, e, exclude_redraws=True)
            rr = Reading(f"DeepState without redraw fragments ({u})", "redraw", None, k)
            c = compare(ctx, claim, s, e, k)
            if c:
                rr.comparison, rr.comparison_holds = c
            readings.append(rr)
        c = compare(ctx, claim, s, e, km2)
        if c:
            r.comparison, r.comparison_holds = c
    for rd in readings:
        if rd.km2 is not None and has_value:
            rd.value = to_unit(ctx, claim, rd.km2)
            rd.holds = tol.holds(rd.value) if tol else None
    return decide(claim, readings, tol, unit)


def no_deepstate(
    ctx: Context, claim: dict[str, Any], a: dt.date, b: dt.date, tol: Tolerance | None
) -> tuple[str, float | None, str]:
    """DeepState holds no map for ``a`` or ``b``: ISW's assessed control decides when it
    covers both; otherwise the claim cannot be checked."""
    if not ctx.covers(ISW, a, b):
        return (
            "cannot be checked",
            None,
            f"No DeepState map stands for {a} and {b} (DeepState: 2022-04-03 → 2026-08-21)"
            f" and ISW's assessed control does not cover them either.",
        )
    extra: list[Reading] = []
    if claim["measure"] == "held":
        km2, used = held_km2(ctx, claim, a, source=ISW)
        label = f"ISW assessed, {used}"
        for other in claim.get("alt_dates", []):
            d = day(other)
            if d is not None and ctx.covers(DEEPSTATE, d, d):
                k, u = held_km2(ctx, claim, d)
                extra.append(Reading(f"DeepState, {u}", "period", None, k))
    else:
        s, e = (day(x) for x in claim["period"])
        km2, used = change_km2(ctx, claim, s, e, source=ISW)  # type: ignore[arg-type]
        label = f"ISW assessed, {claim['measure']}, [{s}, {e}) ({used})"
    r = Reading(label + " (DeepState has no map of that date)", "default", None, km2)
    unit = claim.get("unit") or "km2"
    for rd in [r, *extra]:
        if tol is not None:
            rd.value = to_unit(ctx, claim, rd.km2)  # type: ignore[arg-type]
            rd.holds = tol.holds(rd.value)
    return decide(claim, [r, *extra], tol, unit)


def decide(
    claim: dict[str, Any], readings: list[Reading], tol: Tolerance | None, unit: str
) -> tuple[str, float | None, str]:
    """The verdict rule over the readings (the default first)."""
    d = readings[0]
    q = lambda r: r.holds is not False  # noqa: E731 — no figure claimed: nothing to fail
    cmp_ok = lambda r: r.comparison_holds is not False  # noqa: E731
    redraw = [r for r in readings if r.kind == "redraw"]
    periods = [r for r in readings if r.kind == "period"]
    alts = readings[1:]
    has_value = tol is not None
    if q(d) and cmp_ok(d):
        if (
            redraw
            and (not q(redraw[0]) or not cmp_ok(redraw[0]))
            and (has_value or d.comparison_holds)
        ):
            verdict = "misleading"
        elif any(not (q(r) and cmp_ok(r)) for r in periods):
            verdict = "supported with caveats"
        else:
            verdict = "supported"
    elif any(q(r) and cmp_ok(r) for r in alts):
        verdict = "supported with caveats"
    elif has_value and any(q(r) for r in readings if r.kind != "redraw"):
        verdict = "misleading"  # the figure holds somewhere, the comparison nowhere it does
    else:
        verdict = "not supported"
    figure_unit = "percent" if unit == "percent" else "km2"
    figure = d.value if unit == "percent" else d.km2
    parts = []
    for r in readings:
        shown = (
            fmt(r.km2)
            if unit == "km2" or r.value is None
            else f"{fmt(r.value, unit)} ({fmt(r.km2)})"
        )
        mark = "" if r.holds is None else (" ✓" if r.holds else " ✗")
        text = f"{r.label}: {shown}{mark}"
        if r.comparison:
            text += f"; {r.comparison} {'✓' if r.comparison_holds else '✗'}"
        parts.append(text)
    head = f"Tolerance {tol.why}. " if tol else ""
    reason = head + " | ".join(parts) + "."
    if verdict == "not supported" and tol is not None and claim.get("value"):
        # how far the nearest reading is from the claimed value, for the report
        v = float(claim["value"])
        near = min(
            (abs(r.value - v) / abs(v) for r in readings if r.value is not None), default=None
        )
        if near is not None and near < 0.02:
            reason += f" Near miss: the nearest reading is {100 * near:.2f} % from {v:g}."
    return (
        verdict,
        (round(figure, 3 if figure_unit == "percent" else 2) if figure is not None else None),
        reason,
    )


def rule_settlement(ctx: Context, claim: dict[str, Any]) -> tuple[str, float | None, str]:
    """A settlement captured (Russia) or liberated (Ukraine) by ``date``: its status on
    DeepState's map standing for the date (the gazetteer's point in the controlled area,
    the grey zone, or neither). Supported when the map agrees on the date; with caveats
    when it agrees only within the 14 days after (or shows it grey); not supported
    otherwise. The labels name the gazetteer row (``code``) where the name is ambiguous;
    a row without a location of its own cannot be read from a map."""
    from vigil.territory import settlements as S
    from vigil.territory.geography import find_settlements

    date = day(claim["date"])
    assert date is not None
    gazetteer = ctx.t._gazetteer()
    if claim.get("code"):
        found = gazetteer[gazetteer.code == claim["code"]]
    else:
        found = find_settlements(gazetteer, claim["settlement"], oblast=claim.get("oblast"))
    if found.empty:
        return "cannot be checked", None, f"{claim['settlement']}: not in the gazetteer."
    row = found.iloc[0]
    name = f"{row.name_en} ({row.name_uk}, {row.code})"
    if len(found) > 1 and not claim.get("code"):
        name += f", the first of {len(found)} of that name in {claim.get('oblast')}"
    if not int(row.located):
        return (
            "cannot be checked",
            None,
            f"{name}: the gazetteer has only its hromada's point, not its own location.",
        )
    maps = ctx.t._maps(DEEPSTATE, date - dt.timedelta(days=120), date + dt.timedelta(days=30))
    runs = S.timeline(float(row.lon), float(row.lat), maps)

    def status(d: dt.date) -> str:
        hit = runs[(runs.first_snapshot <= d)]
        return str(hit.iloc[-1].status) if len(hit) else "no data"

    want = "controlled" if claim["actor"] == "russia" else "free"
    now, later = status(date), status(date + dt.timedelta(days=14))
    history = "; ".join(
        f"{r.status} {r.first_snapshot}→{r.last_snapshot}" for r in runs.itertuples()
    )
    if now == "no data":
        return "cannot be checked", None, f"{name}: no DeepState map on {date}."
    if now == want:
        verdict = "supported"
    elif later == want or now == "grey":
        verdict = "supported with caveats"
    else:
        verdict = "not supported"
    reason = (
        f"DeepState, {name} on {date}: {now}; 14 days later: {later}."
        f" Maps from {date - dt.timedelta(days=120)} to {date + dt.timedelta(days=30)}: {history}."
    )
    return verdict, None, reason


# -- output --------------------------------------------------------------------------
def expected_claim(claim: dict[str, Any]) -> dict[str, Any]:
    """The claim as the checker should parse it (the output schema)."""
    comp = claim.get("comparison")
    hedge = claim.get("hedge")
    return {
        "kind": claim.get("kind", "territory"),
        "actor": claim.get("actor"),
        "measure": claim.get("measure"),
        "value": claim.get("value"),
        "unit": claim.get("unit"),
        "hedge": ("more than" if hedge == "over" else hedge)
        if claim.get("value") is not None
        else None,
        "period": claim.get("period"),
        "date": claim.get("date"),
        "comparison": comp["kind"] if comp else None,
        "place": claim.get("place"),
        "settlement": claim.get("settlement"),
    }


def label_one(ctx: Context, row: dict[str, Any], label: dict[str, Any]) -> dict[str, Any]:
    claims = label.get("claims", [])
    anchor = day(label.get("as_of") or row.get("published"))
    results = []
    for claim in claims:
        if claim.get("kind", "territory") != "territory":
            continue
        if "verdict" in claim:
            results.append((claim["verdict"], claim.get("figure"), claim["reason"]))
        else:
            results.append(rule_claim(ctx, claim, anchor))
    if "verdict" in label:
        verdict, figure = label["verdict"], label.get("figure")
        reason = label["reason"]
        if results and label.get("append_figures", True):
            reason += " [" + " || ".join(r[2] for r in results) + "]"
    elif not claims:
        verdict, figure, reason = (
            "no claim",
            None,
            label.get("reason", "No territorial claim the maps can check."),
        )
    else:
        worst = min(results, key=lambda r: SEVERITY[r[0]])
        verdict, figure = worst[0], results[0][1]
        if len(results) == 1:
            reason = results[0][2]
        else:  # each claim's own verdict first, so the sentence's can be traced
            reason = " || ".join(f"[claim {i}: {r[0]}] {r[2]}" for i, r in enumerate(results, 1))
        if label.get("reason"):
            reason = label["reason"] + " " + reason
    if verdict not in VERDICTS:
        raise SystemExit(f"{row['id']}: unknown verdict {verdict!r}")
    out = {
        "id": row["id"],
        "lang": row["lang"],
        "text": row["text"],
        "url": row.get("url"),
        "outlet": row.get("outlet"),
        "published": row.get("published"),
        "attributed_to": row.get("attributed_to"),
        "as_of": label.get("as_of") or row.get("published"),
        "expected": {
            "claims": [expected_claim(c) for c in claims],
            "verdict": verdict,
            "figure": figure,
            "reason": reason,
        },
    }
    if label.get("note"):
        out["expected"]["note"] = label["note"]
    return out


def case_record(sid: str, label: dict[str, Any]) -> dict[str, Any]:
    """A sentence about the demo cases registry (data/cases-demo), labelled by hand: read
    as of 2026-12-01 by a public reader; its claims are ``kind = "case"``."""
    if label["verdict"] not in VERDICTS:
        raise SystemExit(f"{sid}: unknown verdict {label['verdict']!r}")
    return {
        "id": sid,
        "lang": label["lang"],
        "text": label["text"],
        "url": None,
        "outlet": "demo cases registry (data/cases-demo)",
        "published": None,
        "attributed_to": None,
        "as_of": label.get("as_of", "2026-12-01"),
        "expected": {
            "claims": [
                {
                    "kind": "case",
                    "type": c["type"],
                    "names": c.get("names", []),
                    "values": c.get("values", []),
                    "hedge": c.get("hedge"),
                    "date": c.get("date"),
                }
                for c in label["claims"]
            ],
            "verdict": label["verdict"],
            "figure": None,
            "reason": label["reason"],
        },
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--store", required=True, help="territory store (DeepState joined, ISW assessed)"
    )
    ap.add_argument(
        "--in", dest="inp", default=str(ROOT / "data" / "claims" / "corpus.jsonl"),
        help="the corpus, JSON lines",
    )  # fmt: skip
    ap.add_argument(
        "--out", default=str(ROOT / "data" / "claims" / "sentences.jsonl"),
        help="the labelled set, JSON lines",
    )  # fmt: skip
    ap.add_argument("--labels", default=str(ROOT / "data" / "claims" / "labels.toml"))
    ap.add_argument("--only", help="comma-separated ids (for checking a few)")
    ap.add_argument(
        "--min-rel-tol",
        type=float,
        default=0.005,
        help="the floor of a bare number's tolerance, as a share of it (default 0.005)",
    )
    args = ap.parse_args(argv)
    global MIN_REL_TOL
    MIN_REL_TOL = args.min_rel_tol
    labels = tomllib.loads(Path(args.labels).read_text(encoding="utf-8"))
    rows = {
        r["id"]: r for r in map(json.loads, Path(args.inp).read_text(encoding="utf-8").splitlines())
    }
    cases = labels.pop("cases", {})  # sentences about the demo cases registry, by hand
    t = open_store(args.store)
    ctx = Context(t, set(t.source_names()), load_oblast_areas())
    if ISW not in ctx.sources:
        print(f"warning: {ISW} is not in the store; ISW readings are left out", file=sys.stderr)
    wanted = set(args.only.split(",")) if args.only else None
    out = []
    for sid in sorted(labels):
        label = labels[sid]
        if "drop" in label or (wanted and sid not in wanted):
            continue
        if sid not in rows:
            raise SystemExit(f"{sid}: in the labels, not in the corpus")
        out.append(label_one(ctx, rows[sid], label))
        print(sid, out[-1]["expected"]["verdict"], file=sys.stderr)
    for sid in sorted(cases):
        if not wanted or sid in wanted:
            out.append(case_record(sid, cases[sid]))
    out.sort(key=lambda r: r["id"])
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in out)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text, encoding="utf-8")
    print(f"{len(out)} sentences written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
