"""The territory alert rules of `vigil watch`: what changed on the maps worth telling.

:func:`evaluate` reads one source of a territory store through the library
(:class:`vigil.territory.api.Territory`) and returns :class:`~vigil.watch.alerts.Candidate`
alerts; :func:`vigil.watch.alerts.record` stores each event once. Five rules, each with
a settings dataclass whose defaults are the documented ones (config.py only reads the
``[rules.*]`` tables of the TOML file into them):

``week_gain`` / ``month_gain``
    Every complete week (Monday to Sunday: from the map of the Sunday before to the map
    of its Sunday, vigil.periods / vigil.territory.series) or calendar month whose last
    day lies in the last ``lookback_days`` days up to the newest map. Its gained km²
    (rounded to 0.1, as shown) above ``threshold_km2`` is an alert.
``record``
    The same complete periods ranked in their trailing year (52 weeks, 12 months) by
    ``metric``: a rank at most ``max_rank`` is an alert, once the data cover the whole
    trailing year (a "largest in 5 weeks of data" is no record).
``settlement``
    A settlement of the gazetteer (categories ``categories``) whose status (free, grey,
    controlled) differs between two consecutive maps whose later one lies in the
    lookback: one alert per settlement and map. No gazetteer in the store: no alert.
``redraw``
    A day (map against the map before it) in the lookback whose fragments flagged as
    the source's redraws (vigil.territory.redraws) add up to ``min_km2`` or more.
``stale``
    No map newer than the newest came in the ``hours`` after the newest was out (the
    end of its day, plus the source's publication lag): one alert per quiet spell (its
    key names the newest map).

Every period or day evaluated yields a candidate, alerts or not (``notable``), so that
a day replaced upstream which moves a figure below its threshold still supersedes the
alert made on the old figure. The figures of a candidate are rounded to what its text
shows: a change smaller than that never supersedes anything.

A settlement's change is an event of its day only: when a replaced map moves or removes
it, :func:`withdrawals` (called after :func:`evaluate`, with the alerts table at hand)
gives the corrections of the alerts that no longer hold.

Each candidate names how to get its figures again: a ``vigil territory`` command, an
``/api/territory/…`` call and a page of the site. The API answers for the site's own
store and its default source; the command names the source.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from vigil import periods as P
from vigil.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from vigil.territory.api import Territory
    from vigil.watch.alerts import Candidate

TOPIC = "territory"
DAY = dt.timedelta(days=1)
#: Periods the record rule ranks (those the figures page shows a record box for).
RECORD_PERIODS = ("week", "month")
METRICS = ("gained", "lost", "net")
#: A status in the words of an alert.
STATUS_WORDS = {
    "controlled": "Russian-controlled",
    "grey": "of unknown status (the grey zone)",
    "free": "not Russian-controlled",
}
WHERE_SHOWN = 3  # fragments an alert places in words ("4 km SW of Pokrovsk, …")


# -- settings ----------------------------------------------------------------------------
def _number(value: float, name: str, *, positive: bool = False) -> float:
    """``value`` as a finite float ≥ 0 (> 0 with ``positive``), else InputError naming
    the setting."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"expected a number, got {value!r}", param=name) from None
    if not math.isfinite(number) or number < 0 or (positive and number == 0):
        bound = "> 0" if positive else "≥ 0"
        raise InputError(f"expected a number {bound}, got {value!r}", param=name)
    return number


@dataclass(frozen=True)
class WeekGain:
    """Alert when a complete week's gained km² exceeds ``threshold_km2``."""

    enabled: bool = True
    threshold_km2: float = 50.0

    def __post_init__(self) -> None:
        _number(self.threshold_km2, "rules.week_gain.threshold_km2")


@dataclass(frozen=True)
class MonthGain:
    """Alert when a complete calendar month's gained km² exceeds ``threshold_km2``."""

    enabled: bool = True
    threshold_km2: float = 150.0

    def __post_init__(self) -> None:
        _number(self.threshold_km2, "rules.month_gain.threshold_km2")


@dataclass(frozen=True)
class Record:
    """Alert when a complete period ranks at most ``max_rank`` in its trailing year by
    ``metric`` (gained, lost or net km²)."""

    enabled: bool = True
    periods: tuple[str, ...] = RECORD_PERIODS
    metric: str = "gained"
    max_rank: int = 1

    def __post_init__(self) -> None:
        periods = (self.periods,) if isinstance(self.periods, str) else tuple(self.periods)
        for p in periods:
            if p not in RECORD_PERIODS:
                raise InputError(
                    f"expected {' or '.join(RECORD_PERIODS)}, got {p!r}",
                    param="rules.record.periods",
                )
        object.__setattr__(self, "periods", tuple(dict.fromkeys(periods)))
        if self.metric not in METRICS:
            raise InputError(
                f"expected {', '.join(METRICS)}, got {self.metric!r}", param="rules.record.metric"
            )
        if (
            isinstance(self.max_rank, bool)
            or not isinstance(self.max_rank, int)
            or self.max_rank < 1
        ):
            raise InputError(
                f"expected a whole number ≥ 1, got {self.max_rank!r}", param="rules.record.max_rank"
            )


@dataclass(frozen=True)
class Settlement:
    """Alert when a settlement of one of ``categories`` (KATOTTH: M city, K city of
    special status, T urban-type settlement (editions before 2024), X selyshche, C
    village; empty: every category) changes status between two consecutive maps.

    ``min_population``: kept for gazetteers with a population column; the store's
    gazetteer has none (vigil.territory.store.SETTLEMENT_COLUMNS, the shipped file
    neither), so only 0 is accepted, rather than a filter that silently does nothing.
    """

    enabled: bool = True
    categories: tuple[str, ...] = ("M", "K", "T", "X")
    min_population: int = 0

    def __post_init__(self) -> None:
        from vigil.territory.store import SETTLEMENT_COLUMNS

        cats = (self.categories,) if isinstance(self.categories, str) else tuple(self.categories)
        clean = []
        for c in cats:
            if not isinstance(c, str) or not c.strip():
                raise InputError(
                    f"expected category letters such as M, X, C; got {c!r}",
                    param="rules.settlement.categories",
                )
            clean.append(c.strip().upper())
        object.__setattr__(self, "categories", tuple(dict.fromkeys(clean)))
        _number(self.min_population, "rules.settlement.min_population")
        if self.min_population and "population" not in SETTLEMENT_COLUMNS:
            raise InputError(
                "the store's settlement gazetteer has no population column; use 0 and"
                " choose settlements by category",
                param="rules.settlement.min_population",
            )


@dataclass(frozen=True)
class Redraw:
    """Alert when a day's fragments flagged as the source's redraws reach ``min_km2``."""

    enabled: bool = True
    min_km2: float = 1.0

    def __post_init__(self) -> None:
        _number(self.min_km2, "rules.redraw.min_km2")


@dataclass(frozen=True)
class Stale:
    """Alert when no newer map came in the ``hours`` after the newest one was out."""

    enabled: bool = True
    hours: float = 48.0

    def __post_init__(self) -> None:
        _number(self.hours, "rules.stale.hours", positive=True)


@dataclass(frozen=True)
class Settings:
    """The territory rules (``[rules.week_gain]`` … ``[rules.stale]``)."""

    week_gain: WeekGain = field(default_factory=WeekGain)
    month_gain: MonthGain = field(default_factory=MonthGain)
    record: Record = field(default_factory=Record)
    settlement: Settlement = field(default_factory=Settlement)
    redraw: Redraw = field(default_factory=Redraw)
    stale: Stale = field(default_factory=Stale)


# -- evaluation --------------------------------------------------------------------------
@dataclass(frozen=True)
class _Context:
    t: Territory
    source: str
    name: str  # the source as readers know it ("DeepStateMap")
    newest: dt.date
    first_day: dt.date  # the first day of the lookback (the last ``lookback_days`` days)


def evaluate(
    t: Territory,
    settings: Settings,
    *,
    source: str,
    now: dt.datetime,
    lookback_days: int = 14,
) -> list[Candidate]:
    """The candidates of every enabled rule for ``source``, over the periods and days
    whose last day lies in the last ``lookback_days`` days up to the newest map (so that a
    late or replaced day is evaluated again and can supersede). A source the store does
    not hold (yet) gives no candidate."""
    if isinstance(lookback_days, bool) or not isinstance(lookback_days, int) or lookback_days < 1:
        raise InputError(
            f"expected a whole number ≥ 1, got {lookback_days!r}", param="lookback_days"
        )
    if source not in t.source_names():
        return []
    dates = t.dates(source)
    if not dates:
        return []
    from vigil.territory.render import source_name

    newest = dates[-1]
    ctx = _Context(
        t,
        source,
        source_name(source, t.store.source_credit(source)),
        newest,
        newest - dt.timedelta(days=lookback_days - 1),
    )
    out: list[Candidate] = []
    out += _periods(ctx, settings)
    if settings.settlement.enabled:
        out += settlement_candidates(ctx, settings.settlement, dates)
    if settings.redraw.enabled:
        out += redraw_candidates(ctx, settings.redraw)
    if settings.stale.enabled:
        out += stale_candidates(ctx, settings.stale, now)
    return out


def _periods(ctx: _Context, settings: Settings) -> list[Candidate]:
    """week_gain, month_gain and record, from one series per period length."""
    from vigil.territory import series as S

    out: list[Candidate] = []
    gains: dict[str, WeekGain | MonthGain] = {
        "week": settings.week_gain,
        "month": settings.month_gain,
    }
    for unit in ("week", "month"):
        gain = gains[unit]
        ranked = settings.record.enabled and unit in settings.record.periods
        if not gain.enabled and not ranked:
            continue
        freq = P.freq(unit)
        # records rank a period among all those before it: the whole series then
        table = ctx.t.series(freq, source=ctx.source, date_from=None if ranked else ctx.first_day)
        done = table[table["complete"].astype(bool)] if len(table) else table
        recent = [r for _, r in done.iterrows() if _day(r["period_end"]) - DAY >= ctx.first_day]
        if gain.enabled:
            out += [gain_candidate(ctx, unit, r, gain.threshold_km2, where=_where) for r in recent]
        if ranked and len(done):
            details = S.record_details(table, freq, settings.record.metric)
            starts = {_day(r["period_start"]) for r in recent}
            by_start = {
                _day(d["period_start"]): (d, r) for (_, d), (_, r) in _paired(details, done)
            }
            out += [
                record_candidate(ctx, unit, settings.record, *by_start[s])
                for s in sorted(starts)
                if s in by_start
            ]
    return out


def _paired(
    details: pd.DataFrame, done: pd.DataFrame
) -> Iterable[tuple[tuple[Any, pd.Series], tuple[Any, pd.Series]]]:
    """Rows of record_details with their series rows (both are the complete periods, in
    order)."""
    return zip(details.iterrows(), done.iterrows(), strict=True)


# -- week_gain, month_gain -----------------------------------------------------------------
def gain_candidate(
    ctx: _Context,
    unit: str,
    row: pd.Series,
    threshold_km2: float,
    *,
    where: Any = None,
) -> Candidate:
    """One complete period's gain: notable above ``threshold_km2`` (as shown, 0.1 km²)."""
    from vigil.territory.render import fmt_date, fmt_km2, method_line

    start, end = _day(row["period_start"]), _day(row["period_end"])
    a, b = _day(row["snapshot_start"]), _day(row["snapshot_end"])
    gained, lost, net = (_km2(row[c]) for c in ("gained_km2", "lost_km2", "net_km2"))
    notable = gained > threshold_km2
    when = period_words(unit, start, end)
    title = f"Russian forces gained {fmt_km2(gained)} in {when} ({ctx.name})"
    body = [
        f"From the map of {fmt_date(a)} to the map of {fmt_date(b)}, the Russian-controlled"
        f" area changed by a net {fmt_km2(net, signed=True)}: {fmt_km2(gained)} gained and"
        f" {fmt_km2(lost)} lost, according to {ctx.name} snapshots of {fmt_date(a)} and"
        f" {fmt_date(b)}.",
    ]
    if bool(row.get("gap", False)):
        body.append(
            f"Not every day has its own map: the maps used are those of {fmt_date(a)} and"
            f" {fmt_date(b)}, the latest on or before {fmt_date(start - DAY)} and"
            f" {fmt_date(end - DAY)}."
        )
    if notable and where is not None:
        body += where(ctx, a, b)
    body.append(method_line(unit, start))
    kind = f"{unit}_gain"
    return _candidate(
        key=f"{TOPIC}:{kind}:{ctx.source}:{start.isoformat()}",
        topic=TOPIC,
        kind=kind,
        title=title,
        body="\n\n".join(body),
        figures={
            "gained_km2": gained,
            "lost_km2": lost,
            "net_km2": net,
            "period": unit,
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
            "snapshots": [a.isoformat(), b.isoformat()],
        },
        source=ctx.source,
        snapshots=(a.isoformat(), b.isoformat()),
        period_start=start,
        period_end=end,
        event_date=end - DAY,
        command=change_command(ctx.source, a, b),
        api=change_api(a, b),
        link=figures_link(unit, start),
        notable=notable,
    )


def _where(ctx: _Context, a: dt.date, b: dt.date) -> list[str]:
    """The largest gained fragments between two maps in the words of the CLI, the API
    and the brief (Territory.locate_fragments); nothing without geography."""
    if not ctx.t.has_geography():
        return []
    change = ctx.t.change(a, b, source=ctx.source)
    frags = ctx.t.locate_fragments(change)
    if frags.empty or "description" not in frags:
        return []
    gained = frags[frags["direction"] == "gained"].sort_values(
        "area_km2", ascending=False, kind="stable"
    )
    lines = [str(d) for d in gained["description"].head(WHERE_SHOWN)]
    return [f"Largest gains: {'; '.join(lines)}."] if lines else []


# -- record --------------------------------------------------------------------------------
def record_candidate(
    ctx: _Context, unit: str, rule: Record, details: pd.Series, row: pd.Series
) -> Candidate:
    """One complete period ranked in its trailing year: notable at rank ≤ ``max_rank``
    once the data cover the trailing year."""
    from vigil.territory.render import fmt_km2, method_line, records_sentence

    start, end = _day(details["period_start"]), _day(details["period_end"])
    a, b = _day(row["snapshot_start"]), _day(row["snapshot_end"])
    metric = rule.metric
    value = _km2(details["value"])
    rank = int(details["rank_in_year"])
    n = int(details["periods_in_year"])
    covered = bool(details["year_covered"])
    larger = _optional_day(details["larger_before"])
    larger_value = None if larger is None else _km2(details["larger_value"])
    notable = covered and rank <= rule.max_rank
    noun = f"{_ADJECTIVE[unit]} {_NOUN[metric]}"
    amount = fmt_km2(value, signed=metric == "net")
    when = period_words(unit, start, end)
    if rank == 1 and larger is not None:
        head = f"Largest {noun} since {_phrase(larger, unit)}"
    elif rank == 1:
        head = f"Largest {noun} in all the data"
    else:
        head = f"{noun[0].upper()}{noun[1:]} ranked {rank} of {n} {unit}s in the trailing year"
    sentence = records_sentence(
        details, metric, unit, data_first=_optional_day(details.get("data_start"))
    )
    kind = "record"
    return _candidate(
        key=f"{TOPIC}:{kind}:{ctx.source}:{unit}:{metric}:{start.isoformat()}",
        topic=TOPIC,
        kind=kind,
        title=f"{head}: {amount} in {when} ({ctx.name})",
        body="\n\n".join([sentence, method_line(unit, start)]),
        figures={
            "metric": metric,
            "period": unit,
            "period_start": start.isoformat(),
            "value_km2": value,
            "rank_in_year": rank,
            "periods_in_year": n,
            "year_covered": covered,
            "larger_before": larger.isoformat() if larger else None,
            "larger_value_km2": larger_value,
            "snapshots": [a.isoformat(), b.isoformat()],
        },
        source=ctx.source,
        snapshots=(a.isoformat(), b.isoformat()),
        period_start=start,
        period_end=end,
        event_date=end - DAY,
        command=_command(
            "records", ctx.source, "--freq", unit, "--metric", metric, "--period", start
        ),
        api=_api("records", freq=unit, metric=metric, period=start.isoformat()),
        link=figures_link(unit, start, metric),
        notable=notable,
    )


_ADJECTIVE = {"week": "weekly", "month": "monthly"}
_NOUN = {"gained": "gain", "lost": "loss", "net": "net change"}


def _phrase(day: dt.date, unit: str) -> str:
    from vigil.territory.render import MONTHS, fmt_date

    return (
        f"{MONTHS[day.month - 1]} {day.year}" if unit == "month" else f"the week of {fmt_date(day)}"
    )


# -- settlement ----------------------------------------------------------------------------
def settlement_candidates(
    ctx: _Context, rule: Settlement, dates: Sequence[dt.date]
) -> list[Candidate]:
    """One candidate per settlement of the chosen categories whose status differs
    between a map of the lookback and the map before it. A store without a gazetteer
    gives none (the rule needs `vigil territory geography import --shipped`)."""
    if not ctx.t.store.has_settlements():
        return []
    pairs = [(a, b) for a, b in itertools.pairwise(dates) if b >= ctx.first_day]
    out: list[Candidate] = []
    names: dict[str, dict[str, str]] | None = None
    for a, b in pairs:
        if _same_map(ctx, a, b):
            continue
        changed, _coverage = ctx.t.settlement_changes(a, b, source=ctx.source)
        if rule.categories and len(changed) and "category" in changed:
            wanted = changed["category"].fillna("").astype(str).str.upper().isin(rule.categories)
            changed = changed[wanted]
        if not len(changed):
            continue
        if names is None:
            names = _region_names(ctx.t)
        out += [_settlement(ctx, a, b, r, names) for _, r in changed.iterrows()]
    return out


def _same_map(ctx: _Context, a: dt.date, b: dt.date) -> bool:
    """Whether the maps of ``a`` and ``b`` are the same (by content): nothing changed."""
    from vigil.territory.sources.base import Kind

    store = ctx.t.store
    return bool(
        store.snapshot(ctx.source, Kind.CONTROLLED, a).content_hash
        == store.snapshot(ctx.source, Kind.CONTROLLED, b).content_hash
        and not store.dates(ctx.source, Kind.GREY)
    )


def _region_names(t: Territory) -> dict[str, dict[str, str]]:
    """{level: {code: English name (Ukrainian when none)}} for oblasts and raions."""
    out: dict[str, dict[str, str]] = {}
    for level in ("oblast", "raion"):
        frame = t.store.regions(level)
        out[level] = (
            {
                str(r["code"]): str(r["name_en"] or r["name_uk"] or r["code"])
                for _, r in frame.iterrows()
            }
            if len(frame)
            else {}
        )
    return out


def _settlement(
    ctx: _Context, a: dt.date, b: dt.date, r: pd.Series, names: dict[str, dict[str, str]]
) -> Candidate:
    from vigil.territory.render import fmt_date, human_date

    code = str(r["code"])
    uk, en = _text(r.get("name_uk")), _text(r.get("name_en"))
    label = f"{en} ({uk})" if en and uk and en != uk else (en or uk or code)
    raion_code, oblast_code = _text(r.get("raion")), _text(r.get("oblast"))
    raion = names.get("raion", {}).get(raion_code, "")
    oblast = names.get("oblast", {}).get(oblast_code, oblast_code)
    place = ", ".join(p for p in (raion, oblast) if p)
    before, after = str(r["from_status"]), str(r["to_status"])
    title = (
        f"{label}{', ' + oblast if oblast else ''}: {before} → {after} on the map of"
        f" {human_date(b)} ({ctx.name})"
    )
    body = (
        f"{label}{' (' + place + ')' if place else ''}, KATOTTH {code}, is shown as"
        f" {STATUS_WORDS.get(after, after)} on the {ctx.name} map of {fmt_date(b)}, the"
        f" first map to show it so; on the map before, of {fmt_date(a)}, it was"
        f" {STATUS_WORDS.get(before, before)}.\n\nA settlement's status is read at the"
        " gazetteer's point for it: \"controlled\" means the map's controlled area covers"
        " that point, not the whole settlement."
    )
    kind = "settlement"
    return _candidate(
        key=f"{TOPIC}:{kind}:{ctx.source}:{code}:{b.isoformat()}",
        topic=TOPIC,
        kind=kind,
        title=title,
        body=body,
        figures={
            "code": code,
            "name_uk": uk,
            "name_en": en,
            "category": _text(r.get("category")),
            "raion": raion_code,
            "oblast": oblast_code,
            "from_status": before,
            "to_status": after,
            "date": b.isoformat(),
            "snapshots": [a.isoformat(), b.isoformat()],
        },
        source=ctx.source,
        snapshots=(a.isoformat(), b.isoformat()),
        period_start=a + DAY,
        period_end=b + DAY,
        event_date=b,
        command=_command("settlements", ctx.source, "--from", a, "--to", b),
        api=_api("settlements", **{"from": a.isoformat(), "to": b.isoformat()}),
        link=map_link(a, b),
    )


def withdrawals(
    t: Territory,
    settings: Settings,
    candidates: Iterable[Candidate],
    *,
    source: str,
    lookback_days: int = 14,
) -> list[Candidate]:
    """Corrections of settlement alerts whose change the maps no longer show.

    A week or a day is evaluated every run, so a replaced map corrects its alert
    through the candidate of that period; a settlement's change is an event only when
    it happens, so when a replaced map moves or removes it, no candidate has the old
    key. For every current settlement alert of ``source`` whose map lies in the lookback
    and whose key is not among ``candidates`` (those :func:`evaluate` just gave), this
    gives a not-notable candidate with the same key and ``withdrawn: true`` in its
    figures, which :func:`vigil.watch.alerts.record` stores as a correction (once: the
    next run finds the same figures). Nothing when the rule is off, the store has no
    gazetteer, or the alert's category is no longer one the rule watches (a changed
    setting is not a changed map). Reads the alerts table (Django set up)."""
    from vigil.watch.models import Alert

    rule = settings.settlement
    if not rule.enabled or source not in t.source_names() or not t.store.has_settlements():
        return []
    dates = t.dates(source)
    if not dates:
        return []
    first_day = dates[-1] - dt.timedelta(days=lookback_days - 1)
    from vigil.territory.render import source_name

    name = source_name(source, t.store.source_credit(source))
    made = {c.key for c in candidates}
    out = []
    for alert in Alert.objects.filter(
        kind="settlement", source=source, current=True, event_date__gte=first_day
    ):
        figures = dict(alert.figures)
        category = str(figures.get("category", "")).upper()
        if alert.key in made or figures.get("withdrawn"):
            continue
        if rule.categories and category not in rule.categories:
            continue
        out.append(_withdrawal(alert, figures, name))
    return out


def _withdrawal(alert: Any, figures: dict[str, Any], name: str) -> Candidate:
    from vigil.territory.render import human_date

    day = alert.event_date
    label = figures.get("name_en") or figures.get("name_uk") or figures.get("code", "")
    return _candidate(
        key=alert.key,
        topic=TOPIC,
        kind=alert.kind,
        title=(
            f"Withdrawn: {label} is no longer shown changing status on the map of"
            f" {human_date(day)} ({name})"
        ),
        body=(
            f'The earlier alert "{alert.title}" no longer holds: a map was replaced'
            " upstream, and the maps now held do not show this change on that day (a"
            " change on another day is alerted on its own)."
        ),
        figures={**figures, "withdrawn": True},
        source=alert.source,
        snapshots=tuple(alert.snapshots),
        period_start=alert.period_start,
        period_end=alert.period_end,
        event_date=day,
        command=alert.command,
        api=alert.api,
        link=alert.link,
        notable=False,
    )


# -- redraw --------------------------------------------------------------------------------
def redraw_candidates(ctx: _Context, rule: Redraw) -> list[Candidate]:
    """One candidate per day of the lookback (its map against the one before): notable
    when the fragments flagged as redraws add up to ``min_km2`` (as shown) or more."""
    from vigil.territory import redraws as R
    from vigil.territory.render import fmt_date, fmt_km2, human_date

    table = ctx.t.series("day", source=ctx.source, date_from=ctx.first_day, redraws=True)
    out = []
    for _, row in table.iterrows():
        if not bool(row["complete"]):
            continue
        day = _day(row["period_start"])
        a, b = _day(row["snapshot_start"]), _day(row["snapshot_end"])
        if a == b:
            continue  # no map of its own: the day's change is another day's
        gained, lost = _km2(row["gained_redraw_km2"]), _km2(row["lost_redraw_km2"])
        reasons = [r.strip() for r in str(row["redraw_reasons"] or "").split(",") if r.strip()]
        total = _km2(gained + lost)
        words = "; ".join(R.REASONS.get(r, r) for r in reasons)
        kind = "redraw"
        out.append(
            _candidate(
                key=f"{TOPIC}:{kind}:{ctx.source}:{day.isoformat()}",
                topic=TOPIC,
                kind=kind,
                title=(
                    f"{ctx.name} redrew {fmt_km2(total)} on the map of {human_date(b)}"
                    f"{' (' + words + ')' if words else ''}"
                ),
                body=(
                    f"Between the maps of {fmt_date(a)} and {fmt_date(b)}, {fmt_km2(gained)} of"
                    f" the gained area and {fmt_km2(lost)} of the lost area lie in fragments"
                    f" flagged as the source's redraws, not advances or withdrawals"
                    f"{': ' + words if words else ''}. The day's gained and lost figures"
                    " include them; `--exclude-redraws` leaves them out (docs/method.md,"
                    " Redraws)."
                ),
                figures={
                    "gained_redraw_km2": gained,
                    "lost_redraw_km2": lost,
                    "reasons": reasons,
                    "date": b.isoformat(),
                    "snapshots": [a.isoformat(), b.isoformat()],
                },
                source=ctx.source,
                snapshots=(a.isoformat(), b.isoformat()),
                period_start=day,
                period_end=day + DAY,
                event_date=b,
                command=change_command(ctx.source, a, b),
                api=change_api(a, b),
                link=map_link(a, b),
                notable=total >= rule.min_km2 and total > 0,
            )
        )
    return out


# -- stale ---------------------------------------------------------------------------------
def published_by(t: Territory, source: str, newest: dt.date) -> dt.datetime:
    """When the map of ``newest`` was out at the latest, the time a source's silence is
    counted from: the end of the map's day (its date + 1 day, 00:00 UTC), plus the
    source's publication lag (a DeepState daily file holds the map of the day before
    it, vigil.territory.sources.DAILY_MAP_LAG: the map of D is in the file of D + 1,
    out by the end of that day). A joined source is read by its last part."""
    from vigil.territory.sources import DAILY_MAP_LAG

    fmt = t.store.source_format(source)
    parts = t.store.parts(source)
    if parts:
        fmt = t.store.source_format(parts[-1].name)
    lag = DAILY_MAP_LAG if fmt == "deepstate-daily" else dt.timedelta(0)
    return dt.datetime.combine(newest + DAY, dt.time(), tzinfo=dt.UTC) + lag


def stale_candidates(ctx: _Context, rule: Stale, now: dt.datetime) -> list[Candidate]:
    """One candidate when no map newer than the newest has come for more than ``hours``
    since that one was out (:func:`published_by`); its key names the newest map, so a
    quiet spell alerts once, and the next spell (after a new map) again."""
    from vigil.territory.render import human_date

    now = now if now.tzinfo is not None else now.replace(tzinfo=dt.UTC)
    since = published_by(ctx.t, ctx.source, ctx.newest)
    late = (now - since).total_seconds() / 3600
    if late <= rule.hours:
        return []
    kind = "stale"
    return [
        _candidate(
            key=f"{TOPIC}:{kind}:{ctx.source}:{ctx.newest.isoformat()}",
            topic=TOPIC,
            kind=kind,
            title=(
                f"{ctx.name}: no new map for {_hours(late)}; the newest is of"
                f" {human_date(ctx.newest)}"
            ),
            body=(
                f"The newest {ctx.name} map ({ctx.source}), of {ctx.newest.isoformat()}, was"
                f" out by {since:%Y-%m-%d %H:%M} UTC at the latest; no newer map has come in"
                f" the {_hours(late)} since, more than the {rule.hours:g} hours allowed."
                " Figures for the days after it are not available yet."
            ),
            figures={"newest_map": ctx.newest.isoformat(), "source": ctx.source},
            source=ctx.source,
            snapshots=(ctx.newest.isoformat(),),
            event_date=ctx.newest,
            command=_command("sources"),
            api="/api/territory/snapshots",
            link="/",
        )
    ]


def _hours(hours: float) -> str:
    """'30 hours'; past three days, the days too: '2,613 hours (108 days)'."""
    text = f"{hours:,.0f} hours"
    return f"{text} ({hours // 24:,.0f} days)" if hours >= 72 else text


# -- how to reproduce ----------------------------------------------------------------------
def period_words(unit: str, start: dt.date, end: dt.date) -> str:
    """'the week of 10–16 August 2026', 'August 2026' (the days whose changes it holds)."""
    from vigil.territory.render import MONTHS, day_span

    if unit == "month":
        return f"{MONTHS[start.month - 1]} {start.year}"
    return f"the {unit} of {day_span(start, end - DAY)}"


def _command(name: str, source: str | None = None, *args: object) -> str:
    words = ["vigil", "territory", name]
    if source is not None:
        words += ["--source", source]
    words += [a.isoformat() if isinstance(a, dt.date) else str(a) for a in args]
    return shlex.join(words)


def change_command(source: str, a: dt.date, b: dt.date) -> str:
    """The command giving the change between the maps of ``a`` and ``b``."""
    return _command("change", source, "--from", a, "--to", b)


def _api(name: str, **query: str) -> str:
    return f"/api/territory/{name}?{urlencode(query)}"


def change_api(a: dt.date, b: dt.date) -> str:
    return _api("change", **{"from": a.isoformat(), "to": b.isoformat()})


def figures_link(unit: str, start: dt.date, metric: str = "gained") -> str:
    """The figures page with the period's record box (``week=`` a date, ``month=`` YYYY-MM)."""
    query = {"week": start.isoformat()} if unit == "week" else {"month": start.strftime("%Y-%m")}
    if metric != "gained":
        query["metric"] = metric
    return f"/figures/?{urlencode(query)}"


def map_link(a: dt.date, b: dt.date) -> str:
    """The map page's change view between the maps of ``a`` and ``b``."""
    return f"/?{urlencode({'from': a.isoformat(), 'to': b.isoformat()})}"


def _candidate(**fields: Any) -> Candidate:
    # imported here: alerts imports the Django models, and the settings dataclasses
    # above are read (config.py) before Django is set up
    from vigil.watch.alerts import Candidate

    return Candidate(**fields)


# -- values --------------------------------------------------------------------------------
def _km2(value: object) -> float:
    """km² as shown (0.1), never -0.0."""
    return round(float(value), 1) + 0.0  # type: ignore[arg-type]


def _day(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    import pandas as pd

    return pd.Timestamp(str(value)).date()


def _optional_day(value: object) -> dt.date | None:
    import pandas as pd

    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    return _day(value)


def _text(value: object) -> str:
    import pandas as pd

    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).strip()
