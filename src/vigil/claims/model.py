"""What the claims checker reads out of a sentence, and what it rules (frozen values).

A sentence goes through three stages, each a pure function of values:

1. **parse** (:mod:`vigil.claims.parse`): the text → :class:`Parsed`, the claims it
   makes, each with the spans of the words it rests on (character offsets into the
   text as given), quantities read with their hedge and precision, periods with every
   reasonable reading, places and registry names matched;
2. **rule** (:mod:`vigil.claims.territory`, :mod:`vigil.claims.cases`): one claim →
   one :class:`Verdict`, from figures the territory engine or the cases registry
   computes under each reading;
3. **render** (:mod:`vigil.claims.render`): table, JSON, Markdown.

Units: areas in km² (geodesic, WGS84, as the territory engine gives them); dates are
days, periods half-open ``[start, end)``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class Lang(StrEnum):
    EN = "en"
    RU = "ru"
    UK = "uk"
    AZ = "az"


@dataclass(frozen=True)
class Span:
    """Characters ``text[start:end]`` of the sentence as given (for highlighting)."""

    start: int
    end: int
    text: str


class Hedge(StrEnum):
    """How a quantity is qualified. ``EXACT`` is a bare number ("200 km²")."""

    EXACT = "exact"
    ABOUT = "about"  # about, around, roughly, some, approximately, ~, около, близько, təxminən
    MORE_THAN = "more than"  # more than, over, above, более, понад, çox
    AT_LEAST = "at least"  # at least, не менее, щонайменше, ən azı
    UP_TO = "up to"  # up to, до, сягає, qədər
    ALMOST = "almost"  # almost, nearly, close to, почти, майже, demək olar ki
    LESS_THAN = "less than"  # less than, under, менее, менше, az


class Unit(StrEnum):
    KM2 = "km2"
    MI2 = "mi2"  # square miles: 2.589988110336 km² each
    HA = "ha"  # hectares: 0.01 km² each
    PERCENT = "percent"  # of Ukraine's area (or of the area the sentence names)
    COUNT = "count"  # people, villages, names, activists


@dataclass(frozen=True)
class Quantity:
    """A number as written, with its unit, hedge and precision.

    ``value`` is the number in ``unit`` ("200" → 200.0, "1,5 тыс." → 1500.0, "two
    hundred" → 200.0). ``step`` is the rounding the writing implies: the place value of
    its last significant digit ("200" → 100, "196" → 1, "1.5 thousand" → 100, "3,200"
    → 100, "0.5" → 0.1); the verdict's tolerance is taken from it (a bare "200" stands
    for 150 ≤ x < 250). ``km2`` is the value in km² when ``unit`` is an area unit.
    """

    value: float
    unit: Unit
    hedge: Hedge
    step: float
    span: Span
    km2: float | None = None
    hedge_span: Span | None = None


class Actor(StrEnum):
    RUSSIA = "russia"
    UKRAINE = "ukraine"


class Measure(StrEnum):
    """What a territory claim measures.

    ``GAINED``: the area the actor took in the period (seized, captured, occupied,
    advanced by, gained); for Ukraine, the area it liberated (Russia's lost).
    ``LOST``: the area the actor lost. ``NET``: the change of the area held (net
    gain). ``HELD``: the area held on a date ("controls about 18 % of Ukraine").
    """

    GAINED = "gained"
    LOST = "lost"
    NET = "net"
    HELD = "held"


@dataclass(frozen=True)
class PeriodReading:
    """One way to read a period phrase, as a half-open range of days.

    ``label`` says which ("week Monday→Monday", "week Sunday→Sunday", "trailing 7
    days", "calendar month", "calendar year", "trailing 12 months", "since the date").
    ``freq`` is ``week``/``month``/``year`` when the reading is one of the territory
    engine's calendar periods (so records can rank it), else ``None``; ``week_start``
    names the first day of a week reading (``mon``/``sun``…).
    """

    label: str
    start: dt.date
    end: dt.date
    freq: str | None = None
    week_start: str | None = None


@dataclass(frozen=True)
class PeriodMention:
    """A phrase naming a period ("last week", "in October", "since the start of the
    year"), with every reasonable reading, the first being the method's default
    (docs/method.md: weeks Monday→Monday, calendar months and years)."""

    span: Span
    readings: tuple[PeriodReading, ...]
    anchor: dt.date  # the day relative phrases were resolved against
    kind: str = "period"  # "period" (a span of days) or "day" (one date: "on 1 May")


@dataclass(frozen=True)
class DateMention:
    """A single day the sentence names ("until December 2", "2 декабря", "on 5 May")."""

    span: Span
    date: dt.date
    year_given: bool  # False when the year was inferred from the anchor


@dataclass(frozen=True)
class Comparison:
    """A comparison the claim makes about its own figure.

    ``kind``: ``record`` (the largest in the trailing ``window``: "a record for any
    single week this past year"), ``largest_since`` (``since`` set, or ``None`` when the
    sentence gives no date: "the largest since 2022"), ``smallest_since``,
    ``multiple`` (``factor`` times a reference period: "doubled", "three times more
    than in September"), ``fastest`` ("the fastest pace since…", ``since`` as above),
    ``slowest``. ``reference`` is the period compared with, when named.
    """

    kind: str
    span: Span
    window: str | None = None  # "year", "month", "war" (since 24 Feb 2022)
    since: dt.date | None = None
    factor: float | None = None
    reference: PeriodMention | None = None


@dataclass(frozen=True)
class Place:
    """A place the claim is about, matched in the gazetteer (any script)."""

    name: str  # the gazetteer's name
    level: str  # oblast, raion, hromada, settlement
    code: str | None
    span: Span


@dataclass(frozen=True)
class TerritoryClaim:
    """A claim about area: held on a date, or gained/lost/net over a period, or a
    settlement's capture."""

    span: Span  # the words the claim rests on, from the first to the last
    actor: Actor
    measure: Measure
    quantity: Quantity | None  # None for "captured the village of X"
    period: PeriodMention | None  # None: the sentence names none (then the anchor's week)
    comparison: Comparison | None = None
    place: Place | None = None
    settlement_captured: bool = False
    kind: str = "territory"


@dataclass(frozen=True)
class RegistryMatch:
    """A name in the sentence matched to the cases registry (at the caller's level)."""

    key: str  # the registry's key of the person, organisation, case or list
    what: str  # person, organisation, case, list
    name: str  # as the registry writes it (at the caller's level)
    span: Span
    score: float  # 1.0 exact; lower for fuzzy or transliterated matches


@dataclass(frozen=True)
class CaseClaim:
    """A claim about the registry.

    ``type``: ``hearing_postponed`` (a case's hearing postponed until ``date``),
    ``count_held`` (``quantity`` people held / designated, of ``organisation`` when
    named, on ``date`` or now), ``list_change`` (a published list grew or shrank from
    ``quantities[0]`` to ``quantities[1]``, over ``period``).
    """

    span: Span
    type: str
    matches: tuple[RegistryMatch, ...] = ()
    quantities: tuple[Quantity, ...] = ()
    date: DateMention | None = None
    period: PeriodMention | None = None
    kind: str = "case"


Claim = TerritoryClaim | CaseClaim


@dataclass(frozen=True)
class Parsed:
    """A sentence read: its language, the day relative dates were resolved against
    (and why that day), and its claims. ``unparsed`` lists quantities or phrases that
    look like claims but could not be read as one, for the report."""

    text: str
    lang: Lang
    anchor: dt.date
    anchor_basis: str  # "--as-of", "publication date in the text", "today"
    claims: tuple[Claim, ...]
    unparsed: tuple[str, ...] = ()


class Label(StrEnum):
    SUPPORTED = "supported"
    CAVEATS = "supported with caveats"
    MISLEADING = "misleading"
    NOT_SUPPORTED = "not supported"
    CANNOT_CHECK = "cannot be checked"


@dataclass(frozen=True)
class Tolerance:
    """The range of true values under which the claim's figure holds.

    ``low``/``high`` bound the figure (``None``: unbounded); ``low_open``/``high_open``
    say whether a bound is excluded. ``why`` puts it in words ("'200' is written to the
    hundred: 150 ≤ x < 250")."""

    low: float | None
    high: float | None
    why: str
    low_open: bool = False
    high_open: bool = True

    def holds(self, x: float) -> bool:
        if self.low is not None and (x < self.low or (self.low_open and x == self.low)):
            return False
        return not (
            self.high is not None and (x > self.high or (self.high_open and x == self.high))
        )


@dataclass(frozen=True)
class Figure:
    """One reading's figure: the value and the data it rests on.

    ``reading`` names it ("deepstate, gained, week Monday→Monday 2024-10-21→28").
    ``data`` says what was used: source, archives, snapshot dates, list release,
    registry keys (JSON-able). ``holds``: whether the claim's tolerance holds for
    ``value``; ``comparison_holds``: whether its comparison does (``None`` if none).
    """

    reading: str
    value: float | None
    holds: bool | None
    data: dict[str, object] = field(default_factory=dict)
    comparison: str | None = None  # the comparison's figure in words
    comparison_holds: bool | None = None


@dataclass(frozen=True)
class Verdict:
    """The ruling on one claim: the label, the reading it rests on (the first figure),
    the others, the tolerance, caveats, and what data would decide when none could.
    ``evidence`` is a path on the web site that shows it (``/map/?…``, ``/cases/…``).
    """

    claim: Claim
    label: Label
    summary: str  # one sentence in words
    tolerance: Tolerance | None
    figures: tuple[Figure, ...]  # the chosen reading first, then the alternatives
    caveats: tuple[str, ...] = ()
    needed: str | None = None  # for CANNOT_CHECK: which data would decide
    evidence: str | None = None


@dataclass(frozen=True)
class Report:
    """Everything ``vigil check`` says of one text."""

    parsed: Parsed
    verdicts: tuple[Verdict, ...]
    message: str | None = None  # e.g. "no checkable claim: …"
