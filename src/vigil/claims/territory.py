"""Rule a territory claim: a parsed :class:`~vigil.claims.model.TerritoryClaim` → a
:class:`~vigil.claims.model.Verdict`, from the territory engine's figures.

Readings. A claim is read every reasonable way, the method's default first:

- each :class:`~vigil.claims.model.PeriodReading` of its period (weeks Monday→Monday
  first, then Sunday→Sunday, trailing days…);
- each measure the words may mean: Russia "gained" → gained (default), net; "net" →
  net; "lost" → lost. Ukraine's gains are Russia's ``lost`` (alternative: minus
  Russia's net), its net is minus Russia's net, its losses Russia's ``gained``;
- each source of the store that covers the period (the store's default source first;
  only the one named when ``source`` is given; a joined source's parts are archives
  of it, not sources of their own);
- with the fragments the source redrew (the engine's default figures) and, when any
  were flagged, without them.

A period ``[s, e)`` is measured as the engine's series measures it: from the map
standing for ``s − 1`` to the map standing for ``e − 1`` (``vigil.territory.series.
BEFORE``; docs/method.md, "Periods"). A reading is *not covered* when no snapshot
stands for ``s − 1`` or the data end before ``e − 1``; it is then no figure, and when no
reading is covered the verdict is CANNOT_CHECK naming the map that would decide.

The label comes from :func:`vigil.claims.verdict.decide` (the one place the rule
lives). Percentages are of :data:`UKRAINE_KM2` (of the region's own area when the
claim names an oblast, raion or hromada).

Comparisons ("a record for the past year", "the largest since", "doubled") are
evaluated for calendar readings only (``freq`` set), on the engine's own series and
ranking (:func:`vigil.territory.series.records`), memoised per Territory: weekly
series over the whole store are computed once per (source, week start) and reused by
every later sentence. Figures without redraw fragments are ranked on a redraw-flagged
series of only the window the comparison needs (the trailing year, or since the date
named), and only when the period itself has flagged km².
"""

from __future__ import annotations

import datetime as dt
import math
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from vigil import periods as P
from vigil.claims.model import (
    Actor,
    Comparison,
    Figure,
    Hedge,
    Label,
    Measure,
    PeriodReading,
    Place,
    Quantity,
    Span,
    TerritoryClaim,
    Tolerance,
    Unit,
    Verdict,
)
from vigil.claims.verdict import Decision, Outcome, decide, hedge_note, in_unit, tolerance
from vigil.errors import InputError, NoDataError, VigilError

if TYPE_CHECKING:
    import pandas as pd

    from vigil.territory.api import Territory
    from vigil.territory.results import Change

#: Ukraine's area, km², Crimea and Sevastopol included: the State Statistics Service of
#: Ukraine's figure (603,628 km²), the base of published "% of Ukraine" figures.
UKRAINE_KM2 = 603_628.0
#: "doubled", "three times": the ratio to the reference period holds within ±15 % of the
#: factor (2 → 1.7–2.3), a share of the figures' own noise (redraws, slivers) and of
#: the rounding such words imply.
MULTIPLE_SHARE = 0.15
#: The day the full-scale invasion began: "a record since the war began".
WAR_START = dt.date(2022, 2, 24)
REGION_LEVELS = ("oblast", "raion", "hromada")
GEOGRAPHY_NEEDED = "`vigil territory geography import --shipped`"


@dataclass(frozen=True)
class _Metric:
    """One way to read the measure: the engine's column and the sign that turns Russia's
    figure into the actor's (``net`` of Ukraine is minus Russia's)."""

    words: str  # "gained", "net", "lost"
    column: str  # the engine's metric: gained, lost, net
    sign: float


def metrics_for(actor: Actor, measure: Measure) -> list[_Metric]:
    """The readings of a measure, the default first (module docstring)."""
    if actor is Actor.RUSSIA:
        table = {
            Measure.GAINED: [_Metric("gained", "gained", 1.0), _Metric("net", "net", 1.0)],
            Measure.NET: [_Metric("net", "net", 1.0)],
            Measure.LOST: [_Metric("lost", "lost", 1.0)],
        }
    else:
        table = {
            Measure.GAINED: [
                _Metric("liberated (Russia's lost)", "lost", 1.0),
                _Metric("net (minus Russia's net)", "net", -1.0),
            ],
            Measure.NET: [_Metric("net (minus Russia's net)", "net", -1.0)],
            Measure.LOST: [_Metric("lost (Russia's gained)", "gained", 1.0)],
        }
    return table[measure]


@dataclass
class _Row:
    """One reading evaluated: the figure shown, the outcome ruled, its caveat."""

    figure: Figure
    outcome: Outcome
    evidence: str | None = None
    note: str | None = None  # hedge note or gap, said when this row is the basis
    words: str = ""  # the figure in words, for the summary


@dataclass
class _Missing:
    needed: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        if text not in self.needed:
            self.needed.append(text)


def _d(day: dt.date) -> str:
    return day.isoformat()


def _km2(x: float) -> str:
    return f"{x:,.2f} km²"


def _value_words(x: float, unit: Unit) -> str:
    return f"{x:.2f} %" if unit is Unit.PERCENT else _km2(x)


def _tol_words(tol: Tolerance) -> str:
    return tol.why.split(": ", 1)[-1] if ": " in tol.why else tol.why


class Ruler:
    """Rules claims against one Territory, keeping the figures it computed (series,
    changes) for the next sentence. Hold one per Territory (:func:`ruler_for`)."""

    def __init__(self, territory: Territory, *, source: str | None = None) -> None:
        self.t = territory
        self.source = source  # the source to read when a call names none
        self._changes: dict[tuple[str, dt.date, dt.date], Change] = {}
        self._series: dict[tuple[str, str, int], pd.DataFrame] = {}
        self._windows: dict[tuple[str, str, int, dt.date, dt.date, bool], pd.DataFrame] = {}
        self._dates: dict[str, list[dt.date]] = {}

    # -- data, memoised ------------------------------------------------------------------
    def dates(self, source: str) -> list[dt.date]:
        if source not in self._dates:
            self._dates[source] = self.t.dates(source)
        return self._dates[source]

    def change(self, source: str, snap_a: dt.date, snap_b: dt.date) -> Change:
        """The change between two snapshot dates, redraws flagged (both readings)."""
        key = (source, snap_a, snap_b)
        if key not in self._changes:
            self._changes[key] = self.t.change(snap_a, snap_b, source=source, redraws=True)
        return self._changes[key]

    def series(self, source: str, freq: str, week_start: int) -> pd.DataFrame:
        key = (source, freq, week_start)
        if key not in self._series:
            self._series[key] = self.t.series(freq, week_start=week_start, source=source)
        return self._series[key]

    def window_series(
        self, source: str, freq: str, week_start: int, lo: dt.date, hi: dt.date, *, redraws: bool
    ) -> pd.DataFrame:
        """The series of the periods starting in [lo, hi) (``redraws``: flagged)."""
        key = (source, freq, week_start, lo, hi, redraws)
        if key not in self._windows:
            self._windows[key] = self.t.series(
                freq,
                week_start=week_start,
                source=source,
                date_from=lo,
                date_to=hi,
                redraws=redraws,
            )
        return self._windows[key]

    def sources(self, source: str | None) -> tuple[list[str], str | None]:
        """(sources to read, default first; a caveat when the store names no default)."""
        if source is not None:
            return [self.t.resolve_source(source)], None
        parts = self.t.store.part_names()
        top = [n for n in self.t.source_names() if n not in parts]
        try:
            default = self.t.resolve_source(None)
        except InputError:  # several sources, none the default: read them all, sorted
            top.sort()
            return top, f"the store holds several sources; {top[0]} is read first"
        return [default, *sorted(n for n in top if n != default)], None

    # -- the ruling ------------------------------------------------------------------------
    def rule(
        self,
        claim: TerritoryClaim,
        *,
        source: str | None = None,
        anchor: dt.date | None = None,
    ) -> Verdict:
        """The verdict on ``claim`` (see the module docstring). ``anchor``: the day the
        sentence was resolved against, used when it names no period or date."""
        try:
            sources, note = self.sources(source if source is not None else self.source)
        except NoDataError as exc:
            return _cannot(claim, str(exc), "a territory store with snapshots")
        if claim.settlement_captured:
            return self._settlement(claim, sources, anchor)
        if claim.quantity is None and claim.comparison is None:
            return _cannot(claim, "the claim states no quantity: nothing to measure", None)
        # "advanced at their fastest pace since March 2022": no figure, only a
        # comparison; every figure holds and the comparison decides
        q = claim.quantity or Quantity(0.0, Unit.KM2, Hedge.AT_LEAST, 1.0, Span(0, 0, ""), 0.0)
        if q.unit is Unit.COUNT:
            return _cannot(
                claim, "a count is not an area: the territory store cannot check it", None
            )
        tol = tolerance(q)
        if claim.quantity is None:
            tol = Tolerance(None, None, "no figure is claimed: only the comparison is checked")
        place = claim.place
        if place is not None and place.level == "abroad":
            return _cannot(
                claim,
                f"{place.name} is outside Ukraine: Vigil's maps count only Ukraine's "
                "internationally recognised territory",
                f"a map of the area held in {place.name}",
                tol,
            )
        if place is not None and place.level == "area":
            return _cannot(
                claim,
                f"'{place.span.text}' is an area the maps do not delimit (not an oblast, "
                "raion or hromada)",
                f"a boundary for '{place.span.text}'",
                tol,
            )
        if (
            place is not None
            and place.level in REGION_LEVELS
            and not self.t.store.has_regions(place.level)
        ):
            return _cannot(
                claim,
                f"{place.name}: the store holds no {place.level} boundaries",
                GEOGRAPHY_NEEDED,
                tol,
            )
        if (
            place is not None
            and place.level in REGION_LEVELS
            and _region(self.t.store.regions(place.level), place) is None
        ):
            return _cannot(
                claim,
                f"no {place.level} {place.name!r} ({place.code or 'no code'}) in the store's"
                " geography",
                f"{place.level} boundaries holding {place.name}",
                tol,
            )
        caveats: list[str] = [note] if note else []
        missing = _Missing()
        if claim.measure is Measure.HELD:
            rows = self._held_rows(claim, q, tol, sources, anchor, caveats, missing)
        else:
            readings = self._readings(claim, anchor, caveats)
            if readings is None:
                return _cannot(
                    claim,
                    "the sentence names no period and no anchor date was given",
                    "the period the figure is for (or the date the sentence was written)",
                    tol,
                )
            rows = self._change_rows(claim, q, tol, readings, sources, missing)
        return _verdict(claim, tol, rows, caveats, missing, claim.comparison is not None)

    # -- readings ----------------------------------------------------------------------------
    def _readings(
        self, claim: TerritoryClaim, anchor: dt.date | None, caveats: list[str]
    ) -> tuple[PeriodReading, ...] | None:
        if claim.period is not None:
            return claim.period.readings
        if anchor is None:
            return None
        # The model's rule: no period named → the anchor's week. The last complete
        # Monday→Monday week before the anchor, then the 7 days up to it.
        monday = P.floor(anchor, P.Freq.WEEK, 0)
        caveats.append(f"the sentence names no period; read as the week before {_d(anchor)}")
        return (
            PeriodReading(
                "week Monday→Monday", monday - dt.timedelta(days=7), monday, "week", "mon"
            ),
            PeriodReading(
                "trailing 7 days", anchor - dt.timedelta(days=6), anchor + dt.timedelta(days=1)
            ),
        )

    def _covered(
        self, source: str, start: dt.date, end: dt.date, missing: _Missing
    ) -> tuple[dt.date, dt.date] | None:
        """The snapshots standing for ``start − 1`` and ``end − 1`` (the engine's rule,
        series.BEFORE), or None with what is missing noted."""
        from vigil.territory.series import BEFORE

        dates = self.dates(source)
        if not dates:
            missing.add(f"any {source} map")
            return None
        a = P.snapshot_for(start - BEFORE, dates)
        if a is None:
            missing.add(f"a {source} map on or before {_d(start - BEFORE)}")
            return None
        if dates[-1] < end - BEFORE:
            missing.add(f"a {source} map on or after {_d(end - BEFORE)}")
            return None
        b = P.snapshot_for(end - BEFORE, dates)
        assert b is not None
        return a, b

    def _change_rows(
        self,
        claim: TerritoryClaim,
        q: Quantity,
        tol: Tolerance,
        readings: Sequence[PeriodReading],
        sources: list[str],
        missing: _Missing,
    ) -> list[_Row]:
        from vigil.territory.series import BEFORE

        rows: list[_Row] = []
        for r in readings:
            for metric in metrics_for(claim.actor, claim.measure):
                for src in sources:
                    snaps = self._covered(src, r.start, r.end, missing)
                    if snaps is None:
                        continue
                    a, b = snaps
                    try:
                        if claim.place is not None and claim.place.level in REGION_LEVELS:
                            rows.append(self._region_row(claim, q, tol, r, metric, src, a, b))
                            continue
                        ch = self.change(src, a, b)
                    except VigilError as exc:  # a part of a join without the data, say
                        missing.add(f"{src}: {exc}")
                        continue
                    raw, part = _metric_of(ch, metric.column)
                    gap = a < r.start - BEFORE or b < r.end - BEFORE
                    for clean in (False, True) if part else (False,):
                        value = metric.sign * (raw - part if clean else raw)
                        rows.append(
                            self._period_row(
                                claim,
                                q,
                                tol,
                                r,
                                metric,
                                src,
                                ch,
                                value,
                                clean,
                                part,
                                gap,
                                metric.sign * (raw - part),
                            )
                        )
        return rows

    def _period_row(
        self,
        claim: TerritoryClaim,
        q: Quantity,
        tol: Tolerance,
        r: PeriodReading,
        metric: _Metric,
        src: str,
        ch: Change,
        value: float,
        clean: bool,
        part: float,
        gap: bool,
        clean_value: float,
    ) -> _Row:
        shown = _in_claim_unit(value, q)
        holds = tol.holds(shown)
        by_redraw = (
            not clean and bool(part) and holds and not tol.holds(_in_claim_unit(clean_value, q))
        )
        redraw_words = (
            "without redraw fragments"
            if clean
            else (f"with {_km2(abs(part))} flagged as redraws" if part else "no redraws flagged")
        )
        name = f"{src}, {metric.words}, {r.label} {_d(r.start)}→{_d(r.end)}, {redraw_words}"
        comp_words, comp_holds = self._comparison(
            claim.comparison, r, src, metric, value, clean, bool(part)
        )
        data: dict[str, object] = {
            "source": src,
            "archives": sorted({ch.archive_from or src, ch.archive_to or src}),
            "snapshot_from": _d(ch.snapshot_from),
            "snapshot_to": _d(ch.snapshot_to),
            "period_start": _d(r.start),
            "period_end": _d(r.end),
            "kind": ch.kind,
            "metric": metric.column,
            "sign": metric.sign,
            "value_km2": value,
            "redraws_excluded": clean,
            "redraw_flagged_km2": abs(part),
            "gap": gap,
        }
        if q.unit is Unit.PERCENT:
            data["percent_of_km2"] = UKRAINE_KM2
        figure = Figure(name, shown, holds, data, comp_words, comp_holds)
        note = hedge_note(q, shown)
        if gap:
            extra = (
                f"the maps used ({_d(ch.snapshot_from)}→{_d(ch.snapshot_to)}) do not fall on "
                "the period's ends: a map is missing"
            )
            note = f"{note}; {extra}" if note else extra
        words = (
            f"{_value_words(shown, q.unit)} {metric.words} in the {r.label} "
            f"{_span(r.start, r.end)} ({src}, maps {_d(ch.snapshot_from)}→"
            f"{_d(ch.snapshot_to)}{', without redraw fragments' if clean else ''})"
        )
        evidence = f"/?from={_d(ch.snapshot_from)}&to={_d(ch.snapshot_to)}"
        return _Row(figure, Outcome(holds, comp_holds, by_redraw), evidence, note, words)

    def _region_row(
        self,
        claim: TerritoryClaim,
        q: Quantity,
        tol: Tolerance,
        r: PeriodReading,
        metric: _Metric,
        src: str,
        a: dt.date,
        b: dt.date,
    ) -> _Row:
        place = claim.place
        assert place is not None
        frame = self.t.regions(place.level, date_from=a, date_to=b, source=src)
        row = _region(frame, place)
        raw = 0.0 if row is None else float(row[f"{metric.column}_km2"])
        value = metric.sign * raw
        if q.unit is Unit.PERCENT:
            areas = self.t.regions(place.level, date=b, source=src)
            whole = _region(areas, place)
            base = float(whole["area_km2"]) if whole is not None else math.nan
            shown = 100.0 * value / base
        else:
            shown = value
        holds = tol.holds(shown)
        name = f"{src}, {metric.words} in {place.name}, {r.label} {_d(r.start)}→{_d(r.end)}"
        data: dict[str, object] = {
            "source": src,
            "region": place.code or place.name,
            "level": place.level,
            "snapshot_from": _d(a),
            "snapshot_to": _d(b),
            "period_start": _d(r.start),
            "period_end": _d(r.end),
            "metric": metric.column,
            "value_km2": value,
            "redraws": "not flagged within regions",
        }
        comp = (
            ("not ranked within a region", None) if claim.comparison is not None else (None, None)
        )
        figure = Figure(name, shown, holds, data, comp[0], comp[1])
        words = (
            f"{_value_words(shown, q.unit)} {metric.words} in {place.name} in the {r.label} "
            f"{_span(r.start, r.end)} ({src}, maps {_d(a)}→{_d(b)})"
        )
        return _Row(
            figure,
            Outcome(holds, comp[1]),
            f"/?from={_d(a)}&to={_d(b)}",
            hedge_note(q, shown),
            words,
        )

    # -- comparisons -----------------------------------------------------------------------
    def _comparison(
        self,
        comp: Comparison | None,
        r: PeriodReading,
        src: str,
        metric: _Metric,
        value: float,
        clean: bool,
        flagged: bool,
    ) -> tuple[str | None, bool | None]:
        """(the comparison's figure in words, whether it holds; None: cannot tell)."""
        if comp is None:
            return None, None
        if comp.kind == "multiple":
            return self._multiple(comp, r, src, metric, value, clean)
        if r.freq is None:
            return f"a {r.label} cannot be ranked: only calendar periods are", None
        freq = P.freq(r.freq)
        ws = P.weekday_index(r.week_start or "mon")
        smallest = comp.kind in ("smallest_since", "slowest")
        since: dt.date | None
        if comp.kind == "record":
            since = {"war": WAR_START}.get(comp.window or "year")
            if comp.window == "month":
                since = r.start - dt.timedelta(days=31)
        elif comp.kind in ("largest_since", "smallest_since", "fastest", "slowest"):
            since = comp.since
        else:
            return f"comparison {comp.kind!r} is not checked", None
        # The method's default week (Monday) and months are ranked on the whole store's
        # series (kept for later sentences; "the largest since" reaches back to 2022);
        # other week starts, and figures without redraws, on only the window the
        # comparison needs: the trailing year, or since the date named.
        windowed = (clean and flagged) or (freq is P.Freq.WEEK and ws != 0)
        lo = None
        if windowed:
            from vigil.territory.series import period_start_before

            lo = period_start_before(r.start, freq, P.trailing_year_count(freq) - 1, ws)
            if since is not None:
                lo = min(lo, P.floor(since, freq, ws))
        rec = self._records(
            src, freq, ws, metric, smallest, clean=clean and flagged, lo=lo, hi=r.end
        )
        hit = rec[(rec.period_start == r.start) & (rec.period_end == r.end)]
        if hit.empty:
            return f"no complete {freq} {_d(r.start)}→{_d(r.end)} in the {src} series", None
        row: Any = hit.iloc[0]
        unit = str(freq)
        first = _as_day(rec.period_start.iloc[0])
        larger = _day_or_none(row.larger_before)
        more = "smaller" if smallest else "larger"
        if larger is None:
            read = "read" if windowed else "in the data"
            since_words = f"no {more} {unit} {read} since {_d(first)}"
        else:
            since_words = (
                f"the {'smallest' if smallest else 'largest'} since the {unit} of {_d(larger)}"
            )
        if comp.kind == "record" and since is None:  # the trailing year
            rank, n = int(row.rank_in_year), int(row.periods_in_year)
            words = f"rank {rank} of {n} {unit}s in the trailing year; {since_words}"
            if rank > 1:
                return words, False
            if not bool(row.year_covered):
                return words + f" (the data cover only {n} {unit}s of that year)", None
            return words, True
        if since is None:
            return since_words + " (the sentence names no date to compare with)", None
        if larger is None:
            if first <= since:
                return since_words, True
            return since_words + f"; the data do not reach back to {_d(since)}", None
        return since_words, bool(larger < since)

    def _records(
        self,
        src: str,
        freq: P.Freq,
        ws: int,
        metric: _Metric,
        flip: bool,
        *,
        clean: bool,
        lo: dt.date | None,
        hi: dt.date,
    ) -> pd.DataFrame:
        """The engine's records of the actor's metric (``flip``: ranked smallest first),
        with the flagged fragments (the whole store's series) or without them (a flagged
        series from ``lo``)."""
        from vigil.territory import series as S

        if lo is not None:
            frame = self.window_series(src, str(freq), ws, lo, hi, redraws=clean)
            if clean:
                frame = S.without_redraws(frame)
        else:
            frame = self.series(src, str(freq), ws)
        sign = metric.sign * (-1.0 if flip else 1.0)
        if sign < 0:
            frame = frame.copy()
            col = S.METRICS[metric.column]
            frame[col] = -frame[col]
        return S.records(frame, freq, metric.column)

    def _multiple(
        self,
        comp: Comparison,
        r: PeriodReading,
        src: str,
        metric: _Metric,
        value: float,
        clean: bool,
    ) -> tuple[str | None, bool | None]:
        from vigil.territory.series import period_start_before

        if comp.factor is None:
            return "no factor to compare with", None
        if comp.reference is not None and comp.reference.readings:
            ref = comp.reference.readings[0]
            ref_start, ref_end = ref.start, ref.end
        elif r.freq is not None:
            f = P.freq(r.freq)
            ref_start = period_start_before(r.start, f, 1, P.weekday_index(r.week_start or "mon"))
            ref_end = r.start
        else:
            return "no reference period to compare with", None
        missing = _Missing()
        snaps = self._covered(src, ref_start, ref_end, missing)
        if snaps is None:
            return f"the reference period is not covered: {missing.needed[0]}", None
        ch = self.change(src, *snaps)
        raw, part = _metric_of(ch, metric.column)
        ref_value = metric.sign * (raw - part if clean else raw)
        if ref_value <= 0:
            return f"the reference period {_span(ref_start, ref_end)} had {_km2(ref_value)}", None
        ratio = value / ref_value
        holds = abs(ratio / comp.factor - 1) <= MULTIPLE_SHARE
        return (
            f"{ratio:.2f} times the {_km2(ref_value)} of {_span(ref_start, ref_end)} "
            f"(holds within ±{MULTIPLE_SHARE:.0%} of {comp.factor:g})",
            holds,
        )

    # -- held ----------------------------------------------------------------------------------
    def _held_rows(
        self,
        claim: TerritoryClaim,
        q: Quantity,
        tol: Tolerance,
        sources: list[str],
        anchor: dt.date | None,
        caveats: list[str],
        missing: _Missing,
    ) -> list[_Row]:
        days: list[tuple[str, dt.date]] = []
        if claim.period is not None:
            for r in claim.period.readings:
                if claim.period.kind == "day":
                    days.append((r.label, r.start))
                else:  # the state at the period's end: the map of its last day
                    days.append((f"end of the {r.label}", r.end - dt.timedelta(days=1)))
        elif anchor is not None:
            days.append(("on the anchor date", anchor))
        else:
            last = self.dates(sources[0])
            if not last:
                missing.add(f"any {sources[0]} map")
                return []
            days.append(("on the latest map", last[-1]))
            caveats.append(f"the sentence names no date; read on the latest map ({_d(last[-1])})")
        rows = []
        for label, day in days:
            for src in sources:
                dates = self.dates(src)
                used = P.snapshot_for(day, dates)
                if used is None:
                    missing.add(f"a {src} map on or before {_d(day)}")
                    continue
                try:
                    rows.append(self._held_row(claim, q, tol, label, day, src, used))
                except VigilError as exc:
                    missing.add(f"{src}: {exc}")
        return rows

    def _held_row(
        self,
        claim: TerritoryClaim,
        q: Quantity,
        tol: Tolerance,
        label: str,
        day: dt.date,
        src: str,
        used: dt.date,
    ) -> _Row:
        place = claim.place
        if place is not None and place.level in REGION_LEVELS:
            row = _region(self.t.regions(place.level, date=day, source=src), place)
            whole = float(row["area_km2"]) if row is not None else math.nan
            russia = float(row["controlled_km2"]) if row is not None else math.nan
            where = place.name
        else:
            area = self.t.area(day, source=src)
            whole, russia, where = UKRAINE_KM2, area.controlled_km2, "Ukraine"
        km2 = russia if claim.actor is Actor.RUSSIA else whole - russia
        shown = 100.0 * km2 / whole if q.unit is Unit.PERCENT else km2
        holds = tol.holds(shown)
        who = "Russia" if claim.actor is Actor.RUSSIA else "Ukraine"
        name = f"{src}, held by {who} {label} {_d(day)} (map of {_d(used)})"
        data: dict[str, object] = {
            "source": src,
            "date": _d(day),
            "snapshot_date": _d(used),
            "held_km2": km2,
            "of_km2": whole,
            "of": where,
            "kind": "controlled",
        }
        if where == "Ukraine":
            data["of_source"] = "State Statistics Service of Ukraine (603,628 km², Crimea included)"
        figure = Figure(name, shown, holds, data)
        words = (
            f"{_value_words(shown, q.unit)} of {where} held by {who} on {_d(day)} "
            f"({src}, map of {_d(used)}; {_km2(km2)})"
        )
        note = hedge_note(q, shown)
        if (day - used).days > 7:
            late = f"the latest {src} map before {_d(day)} is of {_d(used)}"
            note = f"{note}; {late}" if note else late
        return _Row(figure, Outcome(holds), f"/?date={_d(used)}", note, words)

    # -- settlements ---------------------------------------------------------------------------
    def _settlement(
        self, claim: TerritoryClaim, sources: list[str], anchor: dt.date | None
    ) -> Verdict:
        place = claim.place
        if place is None:
            return _cannot(claim, "the claim names no settlement", None)
        if not self.t.store.has_settlements():
            return _cannot(claim, "the store holds no settlement gazetteer", GEOGRAPHY_NEEDED)
        to = "controlled" if claim.actor is Actor.RUSSIA else "free"
        readings = claim.period.readings if claim.period is not None else ()
        rows: list[_Row] = []
        missing = _Missing()
        for src in sources:
            try:
                found, runs, _ = self.t.settlement_timeline(place.name, source=src)
            except VigilError as exc:
                missing.add(str(exc))
                continue
            prev = list(runs.status.shift(1))
            changes = [
                (str(run.status), _as_day(run.first_snapshot))
                for run, before in zip(runs.itertuples(), prev, strict=True)
                if before is not None and isinstance(before, str) and run.status != before
            ]
            taken = [d for status, d in changes if status == to]
            history = "; ".join(f"{s} from {_d(d)}" for s, d in changes) or "no change of status"
            for r in readings or (None,):
                if r is None:
                    holds = str(runs.status.iloc[-1]) == to and bool(taken)
                    label = "now"
                else:
                    holds = any(r.start <= d < r.end for d in taken)
                    label = f"{r.label} {_d(r.start)}→{_d(r.end)}"
                    if self._covered(src, r.start, r.end, missing) is None:
                        continue
                data: dict[str, object] = {
                    "source": src,
                    "settlement": str(found.get("name_uk", place.name)),
                    "code": str(found.get("code", "")),
                    "changes": [[s, _d(d)] for s, d in changes],
                }
                fig = Figure(f"{src}, {place.name} {to}, {label}", None, holds, data)
                words = f"{place.name} per {src}: {history}"
                ev = f"/?date={_d(taken[-1])}" if taken else None
                rows.append(_Row(fig, Outcome(holds), ev, None, words))
        return _verdict(claim, None, rows, [], missing, False)


# -- helpers -------------------------------------------------------------------------------------
def _metric_of(ch: Change, column: str) -> tuple[float, float]:
    """(the engine's figure with flagged fragments, the flagged part of it), km²."""
    if column == "gained":
        return ch.gained_km2, ch.gained_redraw_km2
    if column == "lost":
        return ch.lost_km2, ch.lost_redraw_km2
    return ch.net_km2, ch.gained_redraw_km2 - ch.lost_redraw_km2


def _in_claim_unit(km2: float, q: Quantity) -> float:
    """A km² figure in the unit of the claim's tolerance (km², or % of Ukraine)."""
    return 100.0 * km2 / UKRAINE_KM2 if q.unit is Unit.PERCENT else km2


def _region(frame: pd.DataFrame, place: Place) -> Any:
    """The row of ``place`` (by code, else by name), or None when it has no row (a
    region where nothing changed is left out of a change table)."""
    if place.code:
        hit = frame[frame.code.astype(str).str.upper() == place.code.upper()]
    else:
        key = place.name.casefold()
        hit = frame[
            (frame.name_en.astype(str).str.casefold() == key)
            | (frame.name_uk.astype(str).str.casefold() == key)
        ]
    return None if hit.empty else hit.iloc[0]


def _as_day(x: Any) -> dt.date:
    """A date cell of a frame (date, datetime or Timestamp) as a date."""
    return x.date() if isinstance(x, dt.datetime) else x


def _day_or_none(x: Any) -> dt.date | None:
    """A date cell that may be NaT/None (``larger_before``) as a date or None."""
    import pandas as pd

    return None if x is None or bool(pd.isna(x)) else _as_day(x)


def _span(start: dt.date, end: dt.date) -> str:
    """'2024-10-21→28' style: the period's days as published, [start, end)."""
    return f"{_d(start)}→{_d(end)}"


def _cannot(
    claim: TerritoryClaim, why: str, needed: str | None, tol: Tolerance | None = None
) -> Verdict:
    return Verdict(
        claim=claim,
        label=Label.CANNOT_CHECK,
        summary=f"Cannot be checked: {why}.",
        tolerance=tol,
        figures=(),
        needed=needed,
    )


def _verdict(
    claim: TerritoryClaim,
    tol: Tolerance | None,
    rows: list[_Row],
    caveats: list[str],
    missing: _Missing,
    has_comparison: bool,
) -> Verdict:
    if not rows:
        needed = "; ".join(missing.needed) or None
        return Verdict(
            claim=claim,
            label=Label.CANNOT_CHECK,
            summary=f"Cannot be checked: no data cover the claim ({needed or 'no reading'}).",
            tolerance=tol,
            figures=(),
            caveats=tuple(caveats),
            needed=needed,
        )
    decision: Decision = decide(_outcomes(rows), has_comparison=has_comparison)
    basis = decision.basis if decision.basis is not None else 0
    ordered = [rows[basis], *(r for i, r in enumerate(rows) if i != basis)]
    head = ordered[0]
    out = list(caveats)
    if head.note:
        out.append(head.note)
    if basis != 0:
        first = rows[0]
        out.append(
            f"the default reading does not hold: {first.words}"
            + ("" if first.figure.holds else f", outside {_tol_words(tol)}" if tol else "")
            + (f"; {first.figure.comparison}" if first.figure.comparison_holds is False else "")
        )
    for r in ordered[1:]:
        # a reading that cannot evaluate the comparison (a trailing week) is no
        # disagreement; a figure or comparison that went the other way is
        a_comp, b_comp = r.figure.comparison_holds, head.figure.comparison_holds
        differs = (r.figure.holds != head.figure.holds) or (
            a_comp is not None and b_comp is not None and a_comp != b_comp
        )
        if differs and not (basis != 0 and r is rows[0]):
            state = "within tolerance" if r.figure.holds else "outside tolerance"
            if a_comp is not None and r.figure.comparison:
                state += f", comparison {'holds' if a_comp else 'fails'}: {r.figure.comparison}"
            out.append(f"under {r.figure.reading}: {_fig(r.figure, claim)}, {state}")
    if has_comparison and head.figure.comparison_holds is None and head.figure.comparison:
        out.append(f"comparison not checked: {head.figure.comparison}")
    for m in missing.needed:
        out.append(f"not covered: {m}")
    summary = _summary(decision, head, tol, claim)
    return Verdict(
        claim=claim,
        label=decision.label,
        summary=summary,
        tolerance=tol,
        figures=tuple(r.figure for r in ordered),
        caveats=tuple(out),
        needed=None,
        evidence=head.evidence,
    )


def _outcomes(rows: list[_Row]) -> list[Outcome]:
    """The rows' outcomes, each marked whether it may demote the default (rows[0]): only
    the other readings of the sentence's period, on the default's source and measure,
    with redraws as the map has them (verdict.Outcome.downgrades)."""

    def key(r: _Row) -> tuple[object, object]:
        return r.figure.data.get("source"), r.figure.data.get("metric")

    first = key(rows[0])
    return [
        replace(
            r.outcome,
            downgrades=key(r) == first and not r.figure.data.get("redraws_excluded"),
        )
        for r in rows
    ]


def _fig(f: Figure, claim: TerritoryClaim) -> str:
    if f.value is None:
        return "—"
    unit = claim.quantity.unit if claim.quantity is not None else Unit.KM2
    return _value_words(f.value, unit)


def _summary(decision: Decision, head: _Row, tol: Tolerance | None, claim: TerritoryClaim) -> str:
    label = str(decision.label)
    text = f"{label[0].upper()}{label[1:]}: {head.words}"
    if tol is not None and head.figure.holds is not None:
        text += f", {'within' if head.figure.holds else 'outside'} {_tol_words(tol)}"
        if claim.quantity is not None and claim.quantity.span.text:
            text += f" for '{claim.quantity.span.text}'"
    if head.figure.comparison:
        verdict = {True: "holds", False: "fails", None: "not checked"}[head.figure.comparison_holds]
        text += f"; comparison {verdict}: {head.figure.comparison}"
    if decision.label in (Label.MISLEADING, Label.CAVEATS):
        text += f" ({decision.reason})"
    return text + "."


# -- the public entry points -------------------------------------------------------------------
_RULERS: weakref.WeakKeyDictionary[Territory, Ruler] = weakref.WeakKeyDictionary()


def ruler_for(territory: Territory) -> Ruler:
    """The :class:`Ruler` kept for ``territory`` (its cache lives as long as it does)."""
    ruler = _RULERS.get(territory)
    if ruler is None:
        ruler = _RULERS[territory] = Ruler(territory)
    return ruler


def rule(
    claim: TerritoryClaim,
    territory: Territory,
    *,
    source: str | None = None,
    anchor: dt.date | None = None,
) -> Verdict:
    """The verdict on a territory claim, from ``territory``'s figures (module
    docstring). ``source``: read only that source (default: every source of the store,
    its default first). ``anchor``: the day the sentence was resolved against (used
    when it names no period or date). Figures are cached per Territory."""
    return ruler_for(territory).rule(claim, source=source, anchor=anchor)


__all__ = ["UKRAINE_KM2", "Ruler", "in_unit", "metrics_for", "rule", "ruler_for"]
