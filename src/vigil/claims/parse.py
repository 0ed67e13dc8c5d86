"""A sentence → the claims it makes (no language model, no network).

The readers of numbers and periods (:mod:`vigil.claims.numbers`,
:mod:`vigil.claims.periods`), of places (:mod:`vigil.claims.places`) and of registry
claims (:mod:`vigil.claims.cases`) find their pieces with spans; this module puts a
territory claim together around each area quantity:

- **actor**: who gained. Words for Russia's forces ("Russian forces", "окупанти",
  "ВС РФ", "Rusiya qoşunları") or Ukraine's ("Ukrainian troops", "ЗСУ", "ВСУ"); a
  verb of liberation ("liberated", "звільнили", "освободили", "azad edib") makes it
  Ukraine. With no actor word the sentence is read as about Russia's advance (the
  reporting this serves), and the claim says so in ``notes`` via the verdict's caveats.
- **measure**: a verb of taking (seized, captured, occupied, advanced, захопили,
  заняли, ələ keçirib) → gained; of losing → lost; "net" → net; of holding
  (controls, holds, контролирует, nəzarətində) or a share of Ukraine ("18 %") → held.
- **period**: the period phrase nearest the quantity, outside any comparison; for
  "held", a date the sentence names, else the anchor.
- **comparison**: "a record (for any single week this past year)", "the largest since
  …", "the fastest pace since …", "doubled", "three times more than in …", in the four
  languages (:data:`_COMPARISONS`).
- **place**: an oblast named in the sentence (:func:`~vigil.claims.places.find_oblasts`).

A settlement's capture without a figure ("Russian forces captured the village of
Novohrodivka") is a claim too, when the gazetteer knows the place.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from vigil.claims import numbers, periods, places
from vigil.claims.model import (
    Actor,
    CaseClaim,
    Claim,
    Comparison,
    Hedge,
    Lang,
    Measure,
    Parsed,
    PeriodMention,
    Place,
    Quantity,
    Span,
    TerritoryClaim,
    Unit,
)

_F = re.IGNORECASE | re.UNICODE


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in parts), _F)


#: Words naming Russia's side (the forces, the state, "the occupiers").
_RUSSIA = _rx(
    r"\brussia\w*|\bkremlin|\bmoscow\w*|\boccupiers?\b|\binvaders?\b",
    r"\bросси\w*|\bрф\b|\bоккупант\w*|\bзахватчик\w*|\bвс рф\b",
    r"\bросі\w*|\bрос\.|\bокупант\w*|\bворог\w*|\bрашист\w*|\bагресор\w*",
    r"\brusiya\w*|\brus\b|\brus ordu\w*|\bişğalçı\w*",
)
#: Words naming Ukraine's forces (the country's name alone is usually a place).
_UKRAINE = _rx(
    r"\bukrain\w*\s+(?:forces|troops|army|military|soldiers|defenders|units|advances?)",
    r"\bthe\s+ukrainians\b|\bукраинцы\b|\bукраїнці\b|\bkyiv\b(?=\W+(?:has|had)\b)",
    r"\bkyiv'?s?\s+(?:forces|troops)|\bafu\b",
    r"\bвсу\b|\bукраинск\w*\s+(?:войск\w*|арми\w*|военн\w*|сил\w*|подразделени\w*)",
    r"\bзсу\b|\bсили оборони\b|\bсил оборони\b",
    r"\bукраїнськ\w*\s+(?:війсь\w*|арм\w*|сил\w*|захисник\w*)",
    r"\bukrayna\w*\s+(?:ordu\w*|qüvvə\w*|hərbç\w*)|\bukraynalı\w*",
)
_LIBERATED = _rx(
    r"\bliberat\w*|\brecaptur\w*|\bretook|\bretaken|\bregain\w*|\breclaim\w*|\bfreed\b",
    r"\bосвобод\w*|\bвернул\w*|\bотбил\w*",
    r"\bзвільни\w*|\bзвільне\w*|\bповерну\w*|\bвідби\w*|\bдеокупув\w*",
    r"\bazad\s+e[td]\w*|\bazad\s+olun\w*|\bgeri\s+al\w*|\bgeri\s+qaytar\w*",
)
_GAINED = _rx(
    r"\bseiz\w*|\bcaptur\w*|\btook\b|\btaken?\b|\bgain\w*|\badvanc\w*|\bconquer\w*|\bgrabb?\w*",
    r"\boverr[au]n\b|\boccupied\b(?!\s+(?:territor|area|land|part))|\bcreep\w*",
    r"\bзахват\w*|\bзахвати\w*|\bзаня\w*|\bоккупир\w*|\bпродвин\w*|\bвзял\w*|\bприраст\w*|\bотхват\w*",
    r"\bзахопи\w*|\bзахопле\w*|\bокупува\w*|\bпросуну\w*|\bпросува\w*|\bвзяли\b|\bвзяв\b|\bзайня\w*",
    r"\bələ\s+keçir\w*|\bişğal\s+e[td]\w*|\birəlilə\w*|\bnəzarətə\s+götür\w*|\bzəbt\s+e[td]\w*",
    r"\bnəzarət\s+altına\s+al\w*|\bnəzarətinə\s+keç\w*",
)
_LOST = _rx(
    r"\blost\b|\blos(?:e|es|ing)\b", r"\bпотерял\w*|\bутратил\w*", r"\bвтрати\w*", r"\bitir\w*"
)
_NET = _rx(r"\bnet\b", r"\bчист\w*\s+(?:прирост|приріст)", r"\bxalis\b")
_HELD = _rx(
    r"\bcontrol(?:s|led|ling)?\b|\bhold(?:s|ing)?\b|\boccup(?:y|ies|ying)\b|\boccupied\s+(?:territor|area|land|part)\w*",
    r"\bконтролир\w*|\bподконтрольн\w*|\bудержива\w*|\bоккупированн\w*",
    r"\bконтролю\w*|\bпідконтрольн\w*|\bутриму\w*|\bокупован\w*",
    r"\bnəzarət(?:ində|də|dədir|ində\w*)\b|\bişğal\s+altında\w*|\bnəzarət\s+edir\w*",
    r"\bəlindədir\b|\bəlində\b",
    r"\bunder\s+(?:\w+\s+){0,2}(?:occupation|control)\b|\bremains?\s+(?:fully\s+)?occupied",
    r"\bпод\s+(?:\w+\s+){0,2}(?:контролем|оккупацией)|\bпід\s+(?:\w+\s+){0,2}(?:контролем|окупацією)",
)
#: "In total, Russia has seized 116,165 sq km": a total with no period is an area held.
_TOTAL = _rx(
    r"\bin\s+total\b|\bin\s+all\b|\baltogether\b|\btotal\s+(?:of|area)\b",
    r"\bвсего\b|\bв\s+общей\s+сложности\b|\bзагалом\b|\bусього\b|\bвсього\b",
    r"\bümumilikdə\b|\bcəmi\b",
)
#: Words that end a sub-clause inside a sentence: "the Russian army took 713 km², while
#: the Ukrainians reclaimed 79" holds two actors.
_SUBCLAUSE = _rx(
    r",\s*(?:while|whereas|but)\b|\s(?:while|whereas)\s",
    r",\s*(?:тогда\s+как|в\s+то\s+время\s+как|а|но)\s",
    r",\s*(?:тоді\s+як|а|але)\s",
    r"\sisə\s|,\s*amma\s",
)
#: A word for Russia that is the object, not the actor: "from Russian occupation",
#: "від окупантів", "Rusiyanın işğalından".
_FROM = re.compile(r"(?:\bfrom|\bот|\bиз|\bиз-под|\bвід|\bз-під)\s+(?:\w+\s+)?$", _F)

#: Comparisons: kind, pattern. ``since`` and the window are read from the text after
#: the match (the next 40 characters), the reference period likewise.
_COMPARISONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "fastest",
        _rx(
            r"\bfastest\s+(?:pace|rate|advance\w*|gains?)",
            r"\bсамы\w*\s+быстр\w*|\bнаибол\w*\s+быстр\w*|\bрекордн\w*\s+темп\w*",
            r"\bнайшвидш\w*|\bрекордн\w*\s+темп\w*",
            r"\bən\s+sürətli\w*",
        ),
    ),
    (
        "slowest",
        _rx(
            r"\bslowest\s+(?:pace|rate)",
            r"\bсамы\w*\s+медлен\w*",
            r"\bнайповільн\w*",
            r"\bən\s+yavaş\w*",
        ),
    ),
    (
        "largest_since",
        _rx(
            r"\b(?:largest|biggest|greatest|highest|most|largest\s+single)\b[^.;]{0,40}?\bsince\b",
            r"\b(?:крупнейш|наибольш|максимальн|самы\w*\s+больш)\w*[^.;]{0,40}?\bс\s",
            r"\b(?:найбільш|максимальн)\w*[^.;]{0,40}?\bз\s",
            r"\b\w+(?:dan|dən)\s+bəri\s+ən\s+(?:böyük|çox)\w*",
        ),
    ),
    (
        "smallest_since",
        _rx(
            r"\b(?:smallest|lowest|least)\b[^.;]{0,40}?\bsince\b",
            r"\bнаименьш\w*[^.;]{0,40}?\bс\s",
            r"\bнайменш\w*[^.;]{0,40}?\bз\s",
        ),
    ),
    (
        "record",
        _rx(r"\brecord\w*", r"\bрекорд\w*", r"\bрекорд\w*", r"\brekord\w*"),
    ),
    (
        "multiple",
        _rx(
            r"\bdoubled?\b|\btwice\s+(?:as|the)\b|\b(?:two|three|four|2|3|4)\s+times\b|\btripled\b",
            r"\bвдвое\b|\bудвои\w*|\bвтрое\b|\bв\s+(?:два|три|2|3)\s+раза\b",
            r"\bвдвічі\b|\bподвої\w*|\bвтричі\b|\bу\s+(?:два|три|2|3)\s+рази\b",
            r"\b(?:iki|üç|2|3)\s+dəfə\b|\bikiqat\w*",
        ),
    ),
)
_FACTORS = {
    "two": 2,
    "2": 2,
    "twice": 2,
    "doubled": 2,
    "вдвое": 2,
    "удво": 2,
    "вдвічі": 2,
    "подвої": 2,
}
_FACTORS |= {
    "три": 3,
    "three": 3,
    "3": 3,
    "tripled": 3,
    "втрое": 3,
    "втричі": 3,
    "üç": 3,
    "iki": 2,
    "ikiqat": 2,
}
_FACTORS |= {"four": 4, "4": 4, "два": 2}
#: Windows of a record ("for any single week this past year", "since the invasion").
_WINDOW_YEAR = _rx(
    r"\b(?:this\s+|the\s+)?past\s+(?:year|12\s+months)|\bin\s+a\s+year|\bthis\s+year",
    r"\bза\s+(?:последний\s+)?год\b|\bза\s+(?:последние\s+)?12\s+месяц\w*|\bв\s+этом\s+году",
    r"\bза\s+(?:останній\s+)?рік\b|\bза\s+(?:останні\s+)?12\s+місяц\w*|\bцього\s+року",
    r"\bson\s+bir\s+il\w*|\bbu\s+il\w*",
)
_WINDOW_WAR = _rx(
    r"\bsince\s+the\s+(?:start|beginning)\s+of\s+the\s+(?:full[- ]scale\s+)?(?:war|invasion)",
    r"\bsince\s+(?:the\s+)?(?:full[- ]scale\s+)?invasion",
    r"\bс\s+начала\s+(?:полномасштабн\w*\s+)?(?:войн\w*|вторжени\w*)",
    r"\bз\s+початку\s+(?:повномасштабн\w*\s+)?(?:війни|вторгнення)",
    r"\bmüharibənin\s+əvvəlindən|\bişğalın\s+əvvəlindən",
)
#: Settlement captures: a verb and a settlement word before a gazetteer name.
_SETTLEMENT_WORD = _rx(
    r"\b(?:village|town|city|settlement|hamlet)\s+of\b|\bvillage\b|\btown\b",
    r"\bсел[оа]\b|\bпос[её]л\w*|\bгород\w*|\bн\.\s*п\.|\bпгт\b",
    r"\bсел[оа]\b|\bселищ\w*|\bмісто\b|\bміста\b|\bсмт\b|\bн\.\s*п\.",
    r"\bkənd\w*|\bqəsəbə\w*|\bşəhər\w*",
)

#: Azerbaijani names the kind of place after its name: "Sokil kəndini", "Sudja şəhərinə".
_SETTLEMENT_AFTER = re.compile(r"\s*(?:kənd|qəsəbə|şəhər|yaşayış\s+məntəqə)\w*", _F)

#: Ukraine's area for shares of it, km² (State Statistics Service of Ukraine,
#: 603,628 km² with Crimea). One constant: the ruler reads it from here.
UKRAINE_KM2 = 603_628.0

AREA_UNITS = (Unit.KM2, Unit.MI2, Unit.HA, Unit.PERCENT)


@dataclass(frozen=True)
class _Context:
    text: str
    lang: Lang
    anchor: dt.date


def parse(
    text: str,
    *,
    as_of: dt.date | None = None,
    today: dt.date | None = None,
    gazetteer: Callable[[], places.Gazetteer | None] | None = None,
    cases_finder: Callable[[str, Lang, dt.date], Sequence[CaseClaim]] | None = None,
) -> Parsed:
    """Read ``text``: its language, anchor date and claims.

    The anchor (the day "last week" is counted back from) is ``as_of`` when given,
    else a publication date the text gives itself (a dateline), else ``today``
    (default: the system's date). ``gazetteer()`` gives the settlements to look names
    up in (called only when the sentence speaks of taking a settlement: building it
    costs 0.3 s). ``cases_finder(text, lang, anchor)`` returns the registry claims
    (:func:`vigil.claims.cases.find` bound to an actor); None skips them.
    """
    lang = numbers.detect_lang(text)
    if as_of is not None:
        anchor, basis = as_of, "--as-of"
    else:
        published = periods.publication_date(text, lang)
        if published is not None:
            anchor, basis = published, "publication date in the text"
        else:
            anchor, basis = today or dt.date.today(), "today"
    ctx = _Context(text, lang, anchor)
    quantities = numbers.find_quantities(text, lang)
    mentions = periods.find_periods(text, lang, anchor)
    comparisons = _comparisons(ctx)
    oblasts = places.find_oblasts(text)
    claims: list[Claim] = []
    for q in quantities:
        if q.unit in AREA_UNITS:
            claims.append(_territory_claim(ctx, q, mentions, comparisons, oblasts))
    if not claims:
        claims.extend(_comparison_claims(ctx, mentions, comparisons, oblasts))
    if (
        not claims
        and _SETTLEMENT_WORD.search(text)
        and (_GAINED.search(text) or _LIBERATED.search(text))
    ):
        claims.extend(_settlement_claims(ctx, mentions, gazetteer() if gazetteer else None))
    if cases_finder is not None:
        found = cases_finder(text, lang, anchor)
        claims.extend(c for c in found if not _overlaps_area(c, claims))
    unparsed = tuple(
        q.span.text for q in quantities if q.unit not in AREA_UNITS and not _used(q, claims)
    )
    claims.sort(key=lambda c: c.span.start)
    return Parsed(text, lang, anchor, basis, tuple(claims), unparsed)


def _territory_claim(
    ctx: _Context,
    q: Quantity,
    mentions: list[PeriodMention],
    comparisons: list[Comparison],
    oblasts: list[Place],
) -> TerritoryClaim:
    clause = _clause(ctx.text, q.span)
    sub = _subclause(ctx.text, q.span, clause)
    actor, measure = _read_actor_measure(ctx.text, q, sub, clause)
    inside = [c.span for c in comparisons]
    own = [m for m in mentions if not any(_within(m.span, s) for s in inside)]
    period = _nearest(own, q.span, clause)
    if period is None and measure is Measure.GAINED and _TOTAL.search(ctx.text[sub[0] : sub[1]]):
        measure = Measure.HELD  # "in total, Russia has seized 116,165 sq km"
    comparison = _nearest_comparison(comparisons, q.span)
    place = _nearest_place(oblasts, q.span)
    spans = [q.span] + [x.span for x in (period, comparison, place) if x is not None]
    start, end = min(s.start for s in spans), max(s.end for s in spans)
    return TerritoryClaim(
        span=Span(start, end, ctx.text[start:end]),
        actor=actor,
        measure=measure,
        quantity=q,
        period=period,
        comparison=comparison,
        place=place,
    )


def _read_actor_measure(
    text: str, q: Quantity, sub: tuple[int, int], clause: tuple[int, int]
) -> tuple[Actor, Measure]:
    """Actor and measure from the quantity's sub-clause; what it lacks (no verb, no
    actor word) from the whole sentence."""
    words = text[sub[0] : sub[1]]
    at = q.span.start - sub[0]
    if _RUSSIA.search(words) or _UKRAINE.search(words) or _LIBERATED.search(words):
        actor, measure = _actor_measure(words, q, at)
    else:
        actor, measure = _actor_measure(text[clause[0] : clause[1]], q, q.span.start - clause[0])
    if not any(p.search(words) for p in (_NET, _LIBERATED, _GAINED, _LOST, _HELD)):
        _, measure = _actor_measure(text[clause[0] : clause[1]], q, q.span.start - clause[0])
    return actor, measure


def _subclause(text: str, span: Span, clause: tuple[int, int]) -> tuple[int, int]:
    """The part of the sentence ``clause`` around ``span`` between sub-clause breaks
    (", while", ", а", " isə "…)."""
    start, end = clause
    for m in _SUBCLAUSE.finditer(text, clause[0], clause[1]):
        if m.end() <= span.start:
            start = max(start, m.end())
        elif m.start() >= span.end:
            end = min(end, m.start())
    return start, end


def _actor_measure(words: str, q: Quantity, at: int = 0) -> tuple[Actor, Measure]:
    """Who gained and what is measured, from ``words`` (the quantity's sub-clause, or
    its sentence); ``at``: where the quantity starts in ``words``."""
    liberated = _LIBERATED.search(words) is not None
    actor = _actor(words, at, liberated)
    if _NET.search(words):
        return actor, Measure.NET
    if liberated or _GAINED.search(words):
        return actor, Measure.GAINED
    if _LOST.search(words):
        return actor, Measure.LOST
    if _HELD.search(words) or q.unit == Unit.PERCENT:
        return actor, Measure.HELD
    return actor, Measure.GAINED


def _actor(words: str, at: int, liberated: bool) -> Actor:
    """The actor named nearest before the quantity (else nearest after it): in "the
    Russian army took 713 km²" and in Azerbaijani's subject-first "Ukrayna ordusu 37
    kv. km … Rusiyanın işğalından azad edib" alike. A word for Russia after "from" or
    with an ablative ending ("işğalından") is what was liberated from, not the actor.
    With no actor word: Ukraine after a verb of liberation, else Russia."""
    found: list[tuple[Actor, int, int]] = []
    for actor, pattern in ((Actor.RUSSIA, _RUSSIA), (Actor.UKRAINE, _UKRAINE)):
        for m in pattern.finditer(words):
            if actor is Actor.RUSSIA and (
                _FROM.search(words[: m.start()])
                or re.match(r"\w*(?:dan|dən)\b", m.group(0))
                or re.match(r"\s+\w*(?:dan|dən)\b", words[m.end() :])
            ):
                continue
            found.append((actor, m.start(), m.end()))
    if not found:
        return Actor.UKRAINE if liberated else Actor.RUSSIA
    before = [f for f in found if f[1] < at]
    if before:
        return max(before, key=lambda f: f[1])[0]
    return min(found, key=lambda f: f[1])[0]


def _comparisons(ctx: _Context) -> list[Comparison]:
    out: list[Comparison] = []
    for kind, pattern in _COMPARISONS:
        for m in pattern.finditer(ctx.text):
            if any(c.span.start <= m.start() < c.span.end for c in out):
                continue
            out.append(_comparison(ctx, kind, m))
    return sorted(out, key=lambda c: c.span.start)


def _comparison(ctx: _Context, kind: str, m: re.Match[str]) -> Comparison:
    """The comparison at ``m``, with its window, ``since`` date or factor and
    reference period read from the words that follow (up to the clause's end)."""
    tail_end = _clause(ctx.text, Span(m.start(), m.end(), m.group(0)))[1]
    tail = ctx.text[m.end() : tail_end]
    end = m.end()
    window = None
    since = None
    reference = None
    factor = None
    war = _WINDOW_WAR.search(tail)
    year = _WINDOW_YEAR.search(tail)
    if kind in ("largest_since", "smallest_since", "fastest", "slowest"):
        # "since November 2022", "с ноября 2022 года", "2022-ci ilin noyabrından bəri"
        head = ctx.text[max(0, m.start() - 40) : m.start()] if ctx.lang == Lang.AZ else ""
        found = periods.find_periods(tail, ctx.lang, ctx.anchor)
        starts = [r.start for mention in found for r in mention.readings[:1]]
        if war is not None:
            window, end = "war", m.end() + war.end()
        elif starts:
            since = starts[0]
            end = tail_end
        elif head:
            found = periods.find_periods(head, ctx.lang, ctx.anchor)
            since = found[0].readings[0].start if found else None
    if kind == "record":
        if year is not None:
            window, end = "year", m.end() + year.end()
        elif war is not None:
            window, end = "war", m.end() + war.end()
        else:
            window = "war"
    if kind == "multiple":
        word = m.group(0).lower()
        factor = next((f for k, f in _FACTORS.items() if k in word), 2)
        found = periods.find_periods(tail, ctx.lang, ctx.anchor)
        if found:
            reference = found[0]
            end = m.end() + reference.span.end
            reference = _shift(reference, m.end())
    return Comparison(
        kind=kind,
        span=Span(m.start(), end, ctx.text[m.start() : end]),
        window=window,
        since=since,
        factor=factor,
        reference=reference,
    )


def _shift(mention: PeriodMention, offset: int) -> PeriodMention:
    from dataclasses import replace

    s = mention.span
    return replace(mention, span=Span(s.start + offset, s.end + offset, s.text))


def _comparison_claims(
    ctx: _Context,
    mentions: list[PeriodMention],
    comparisons: list[Comparison],
    oblasts: list[Place],
) -> list[TerritoryClaim]:
    """A comparison about an advance with no figure: "Russian troops advanced in
    September at their fastest pace since March 2022" (the comparison is the claim)."""
    out = []
    for comp in comparisons:
        clause = _clause(ctx.text, comp.span)
        words = ctx.text[clause[0] : clause[1]]
        if not (_GAINED.search(words) or _LIBERATED.search(words) or _LOST.search(words)):
            continue
        actor, measure = _actor_measure(words, _NO_QUANTITY, comp.span.start - clause[0])
        if measure is Measure.HELD:
            continue
        own = [m for m in mentions if not _within(m.span, comp.span)]
        period = _nearest(own, comp.span, clause)
        place = _nearest_place(oblasts, comp.span)
        spans = [comp.span] + [x.span for x in (period, place) if x is not None]
        start, end = min(x.start for x in spans), max(x.end for x in spans)
        out.append(
            TerritoryClaim(
                span=Span(start, end, ctx.text[start:end]),
                actor=actor,
                measure=measure,
                quantity=None,
                period=period,
                comparison=comp,
                place=place,
            )
        )
    return out[:1]


def _settlement_claims(
    ctx: _Context, mentions: list[PeriodMention], gazetteer: places.Gazetteer | None
) -> list[TerritoryClaim]:
    out = []
    for place in places.find_settlements(ctx.text, gazetteer):
        before = ctx.text[max(0, place.span.start - 40) : place.span.start]
        after = ctx.text[place.span.end : place.span.end + 30]
        named = _SETTLEMENT_WORD.search(before.split(",")[-1]) or _SETTLEMENT_AFTER.match(after)
        verb = re.search(r"(?:\w+\W+){0,2}$", before)
        taken = verb is not None and (_GAINED.search(verb[0]) or _LIBERATED.search(verb[0]))
        if not (named or taken):
            continue  # "north-west of Donetsk city": a place named, not the one taken
        clause = _clause(ctx.text, place.span)
        actor, _ = _actor_measure(ctx.text[clause[0] : clause[1]], _NO_QUANTITY)
        period = _nearest(mentions, place.span, clause)
        spans = [place.span] + ([period.span] if period else [])
        start, end = min(s.start for s in spans), max(s.end for s in spans)
        out.append(
            TerritoryClaim(
                span=Span(start, end, ctx.text[start:end]),
                actor=actor,
                measure=Measure.GAINED,
                quantity=None,
                period=period,
                place=place,
                settlement_captured=True,
            )
        )
    return out


_NO_QUANTITY = Quantity(0.0, Unit.KM2, Hedge.EXACT, 1.0, Span(0, 0, ""))


def _clause(text: str, span: Span) -> tuple[int, int]:
    """The sentence around ``span``: from the previous full stop (or semicolon, or
    ellipsis) to the next one."""
    stops = [m.end() for m in re.finditer(r"(?:[.;!?…]|\.\.\.)(?=\s|$)", text)]
    start = max((s for s in stops if s <= span.start), default=0)
    end = min((s for s in stops if s > span.end), default=len(text))
    return start, end


def _within(a: Span, b: Span) -> bool:
    return b.start <= a.start and a.end <= b.end


def _distance(a: Span, b: Span) -> int:
    return max(0, b.start - a.end, a.start - b.end)


def _nearest(
    mentions: list[PeriodMention], span: Span, clause: tuple[int, int]
) -> PeriodMention | None:
    inside = [m for m in mentions if clause[0] <= m.span.start < clause[1]] or mentions
    return min(inside, key=lambda m: _distance(m.span, span), default=None)


def _nearest_comparison(comparisons: list[Comparison], span: Span) -> Comparison | None:
    return min(comparisons, key=lambda c: _distance(c.span, span), default=None)


def _nearest_place(found: list[Place], span: Span) -> Place | None:
    return min(found, key=lambda p: _distance(p.span, span), default=None)


def _used(q: Quantity, claims: list[Claim]) -> bool:
    for c in claims:
        if isinstance(c, CaseClaim) and any(x.span == q.span for x in c.quantities):
            return True
    return False


def _overlaps_area(claim: CaseClaim, claims: list[Claim]) -> bool:
    """A registry claim whose numbers are a territory claim's area (never both)."""
    areas = [c.quantity.span for c in claims if isinstance(c, TerritoryClaim) and c.quantity]
    return any(q.span in areas for q in claim.quantities)
