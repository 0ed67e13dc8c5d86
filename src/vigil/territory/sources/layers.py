"""Classify raw DeepState layer names: one ordered table of explicit rules.

A raw DeepStateMap snapshot holds dozens of polygon layers whose ``properties.name``
says what they show. The names are hand-typed and messy (see the census in
``../shared/data/README.md``): three generations of format (``"<uk>"``,
``"<uk> /// <en>"``, ``"<uk> /// <en> /// geoJSON.status.<key>"``), non-breaking
spaces, trailing newlines, dates ("Звільнено 25.03 /// Liberated 25.03"), typos
("Contensed"), free text from spring 2022, and about 70 names whose Ukrainian part
lost a letter to U+FFFD replacement characters.

Each name is first normalised (:func:`normalise`), then the rules of :data:`RULES`
are tried **in order** and the first that matches decides the class. A rule holds
up to three regular expressions, each searched in one part of the normalised name:
``uk`` in the Ukrainian part (always first), ``en`` in the English part and ``key``
in the ``geojson.…`` status key.

A damaged name (U+FFFD where the source broke a letter) is classified only if every
way of filling in the broken letter(s) gives the same rule: the true letter is among
the fillings, so the answer cannot be wrong, only unknown. In practice the intact
English part or status key decides ("Окуп\ufffdвано /// Occupied" is occupied whatever
the lost letter was), and a lost letter outside the Ukrainian stems is harmless
("Звільнен\ufffd 01.04" is liberated); a name whose meaning hangs on the lost letter
is unknown, which is loud.

Order matters and is deliberate: the out-of-scope layers come first because the
satirical ones are literally named "occupied" ("Окуповані території Латвії"); the
named controlled layers (Crimea, ORDLO, Tuzla) next; then liberated and grey; the
generic "occupied" rules last. A name no rule matches is *unknown*: :func:`classify`
returns None and the reader refuses the input (``UnknownLayerError``) rather than
guessing. To support a new name, add a rule here and a row to
``tests/territory/test_layers.py``.

The fill colours DeepState used (red ``#a52714`` occupied, grey ``#bcaaa4``/``#bdbdbd``
unknown, green ``#0f9d58``/blue ``#0288d1`` liberated, pink ``#ff5252`` satire) were
used to check the free-text rules of 2022, but classification is by name only: the
colours are not consistent across years (ORDLO was black, then ``#880e4f``, which is
also the 2022 colour of Transnistria).
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

DAMAGE = "\ufffd"
"""The replacement character that marks a letter lost in the source's encoding."""


class LayerClass(StrEnum):
    """What a raw layer shows, for Vigil's purposes.

    ``CONTROLLED`` counts in the controlled area, ``GREY`` in the unknown-status zone;
    ``LIBERATED`` and ``OUT_OF_SCOPE`` (outside Ukraine, satire, labels, roads, unnamed
    shapes) are never counted.
    """

    CONTROLLED = "controlled"
    GREY = "grey"
    LIBERATED = "liberated"
    OUT_OF_SCOPE = "out_of_scope"


class Match(NamedTuple):
    """The class a name falls in and the id of the rule that decided it."""

    layer_class: LayerClass
    rule_id: str


@dataclass(frozen=True)
class Rule:
    """One classification rule.

    ``uk``, ``en`` and ``key`` are regular expressions searched (``re.search``) in the
    normalised Ukrainian part, English part and status key; the rule matches when any
    of them does. ``before``: the rule applies only to snapshots dated before that day
    (and never to an undated name). ``why`` says why the rule exists and where its
    class comes from.
    """

    id: str
    layer_class: LayerClass
    uk: str | None = None
    en: str | None = None
    key: str | None = None
    before: dt.date | None = None
    why: str = ""

    @functools.cached_property
    def _patterns(self) -> tuple[re.Pattern[str] | None, ...]:
        return tuple(re.compile(p) if p else None for p in (self.uk, self.en, self.key))

    def matches(self, uk: str | None, en: str | None, key: str | None) -> bool:
        """Whether any of the rule's patterns is found in its part of a name."""
        return any(
            pattern is not None and text is not None and pattern.search(text) is not None
            for pattern, text in zip(self._patterns, (uk, en, key), strict=True)
        )


C, G, L, X = (
    LayerClass.CONTROLLED,
    LayerClass.GREY,
    LayerClass.LIBERATED,
    LayerClass.OUT_OF_SCOPE,
)

RULES: tuple[Rule, ...] = (
    # --- Out of scope. First, because the satirical layers are named "occupied". ---
    Rule("transnistria", X, uk=r"придністров", en=r"transnistria", key=r"\.transnistria\b",
         why="Russian-held Transnistria, Moldova: outside Ukraine's borders."),
    Rule("abkhazia", X, uk=r"абхазі", en=r"abkhazia", key=r"\.abkhazia\b",
         why="Russian-held Abkhazia, Georgia: outside Ukraine's borders."),
    Rule("tskhinvali", X, uk=r"цхінвал", en=r"tskhinval", key=r"\.tskhinvali",
         why="Russian-held Tskhinvali district, Georgia: outside Ukraine's borders."),
    Rule("ichkeria", X, uk=r"ічкері", en=r"ichkeria", key=r"\.ichkeria\b",
         why="Satirical 'temporarily occupied Republic of Ichkeria' (Chechnya, Russia)."),
    Rule("karelia", X, uk=r"карелі", en=r"karelia", key=r"\.karelia\b",
         why="Satirical 'temporarily occupied Karelia' over Russia."),
    Rule("petsamo", X, uk=r"петсамо", en=r"petsamo", key=r"\.petsamo\b",
         why="Satirical 'occupied Petsamo' (Pechengsky district, Russia)."),
    Rule("salla", X, uk=r"\bсалла\b", en=r"\bsalla\b", key=r"\.salla\b",
         why="Satirical 'occupied Salla' over Russia."),
    Rule("pechory", X, uk=r"печорськ", en=r"pechorsk", key=r"\.pechorsky",
         why="Satirical 'occupied Pechorsky district (Saatse Boot)' over Russia."),
    Rule("latvia", X, uk=r"латві", en=r"latvia", key=r"\.latvia\b",
         why="Satirical 'occupied/annexed territories of Latvia' (Pytalovo, Russia)."),
    Rule("estonia", X, uk=r"естоні", en=r"estonia", key=r"\.estonia\b",
         why="Satirical 'occupied/annexed territories of Estonia' (Ivangorod, Russia)."),
    Rule("east_prussia", X, uk=r"прусс?і", en=r"prussia", key=r"\.prussia\b",
         why="Satirical 'temporarily occupied East Prussia' (Kaliningrad oblast, Russia); "
             "the Ukrainian name is also spelled 'Прусія'."),
    Rule("kurils", X, uk=r"курил", en=r"kuril", key=r"\.kuril",
         why="Satirical 'occupied Southern Kuril islands' (Russia/Japan)."),
    Rule("wagner_mutiny", X, uk=r"вагнер", en=r"wagner",
         why="'Under the control of Wagner rebels': the 2023-06-24 mutiny, drawn over "
             "Rostov and Voronezh oblasts of Russia, not territory in Ukraine."),
    Rule("belgorod_joke", X, uk=r"^вологі мрії",
         why="'One admin's wet dreams': a one-off joke polygon over Belgorod, Russia "
             "(2022-04-15)."),
    Rule("snake_island_occupied", C, uk=r"^зміїний", en=r"snake island", key=r"zmiinyi",
         before=dt.date(2022, 6, 30),
         why="Russia held Snake Island until 30 June 2022; DeepState drew its layer red "
             "(occupied) in every snapshot before 2022-06-30 09:19 UTC, then grey, blue "
             "and green."),
    Rule("snake_island_label", X, uk=r"^зміїний", en=r"snake island", key=r"zmiinyi",
         why="From 30 June 2022 Snake Island's layer is a label marking the island (drawn "
             "green), not a front-line area."),
    Rule("road", X, uk=r"^дорога\b",
         why="'Дорога Тростянець-Суми' (spring 2022) marks a road, not an area's status."),
    Rule("unnamed_polygon", X, uk=r"^багатокутник$",
         why="'Багатокутник N' is Google My Maps' default name ('Polygon N') of a shape "
             "nobody named; it says nothing about status, and one is drawn over Somalia. "
             "Note: a few were drawn in the occupied red or unknown grey in April 2022 "
             "(see the ingest report's rule counts)."),
    # --- Controlled: the named layers held since 2014. ---
    Rule("crimea", C, uk=r"^(?:окупований )?крим$", en=r"\bcrimea\b", key=r"\.crimea\b",
         why="Occupied Crimea ('Крим' before May 2022)."),
    Rule("ordlo", C, uk=r"^ордло$", en=r"\bcadr\b|\bcalr\b", key=r"\.ordlo\b",
         why="ORDLO / CADR and CALR: the parts of Donetsk and Luhansk oblasts held since "
             "2014."),
    Rule("tuzla", C, uk=r"тузла", en=r"tuzla", key=r"\.tuzla\b",
         why="Tuzla island in the Kerch Strait, occupied with Crimea since 2014."),
    # --- Liberated: retaken by Ukraine. Before the generic 'occupied' rules. ---
    Rule("liberated", L, uk=r"^звільн", en=r"^(?:liberated|taken back|recaptured)\b",
         key=r"status\.dismissed",
         why="'Звільнено' (liberated), often dated; English 'Liberated', 'Taken back' or "
             "'Recaptured'; status key 'dismissed'."),
    Rule("liberated_bare_date", L, uk=r"^\{date\}$",
         why="'24.03': a spring-2022 liberated layer named only by its date (drawn green/"
             "blue in Chernihiv oblast; renamed 'Звільнено 24.03 /// Liberated 24.03' in "
             "May 2022)."),
    Rule("liberated_reportedly", L, uk=r"^начебто звільнено",
         why="'Начебто звільнено 26.03. … Треба уточнення' ('reportedly liberated, needs "
             "confirmation', 2022-04-03): drawn in the liberated blue, not grey."),
    Rule("recaptured_city", L, uk=r"відбиті у орків", en=r"recaptured territor",
         why="'Сєвєродонецьк. Території, відбиті у орків' (territories recaptured, June "
             "2022)."),
    Rule("enemy_pushed_back", L, uk=r"^ворога відкинуто", en=r"enemy was pushed back",
         why="'Ворога відкинуто' (the enemy was pushed back), June 2022."),
    Rule("ukrainian_control", L, uk=r"^під контролем зсу",
         why="'Під контролем ЗСУ' (under the control of the Armed Forces of Ukraine)."),
    Rule("orcs_absent", L, uk=r"^орки відсутні",
         why="'Орки відсутні' (no Russian troops present), spring 2022."),
    # --- Grey: unknown status, contested. ---
    Rule("contested", G, uk=r"^під питанням",
         en=r"^(?:contested|contensed|contenesed|in doubt|under question)\b",
         why="'Під питанням' (in question), translated 'Contested' with the typos "
             "'Contensed'/'Contenesed', or 'In doubt'/'Under question' (2022)."),
    Rule("unknown_status", G, uk=r"^статус невідомий", en=r"^unknown status\b",
         key=r"status\.unknown",
         why="'Статус невідомий' (unknown status): the grey zone from September 2022."),
    Rule("situation_unknown", G, uk=r"^ситуація невідома", en=r"situation is unknown",
         why="'Ситуація невідома' (situation unknown), 2022."),
    Rule("grey_area", G, uk=r"^сіра зона", en=r"^gr[ae]y area\b",
         why="'Сіра зона' (grey area), 2022."),
    Rule("unverified", G,
         uk=r"^(?:нам достеменно невідомо|невідомо точно|невідомо чи зайшли|немає інфо"
            r"|треба уточнення)",
         why="Spring-2022 free text for 'we do not know': 'Нам достеменно невідомо, що тут', "
             "'Невідомо точно при вихід', 'Невідомо чи зайшли орки', 'Немає інфо', 'Треба "
             "уточнення'. Drawn grey (a few, briefly, red or blue)."),
    Rule("reported_withdrawal", G,
         uk=r"^повідомляється,? про (?:відхід|відсутність|відстуність) орків",
         why="'Повідомляється про відхід/відстуність [sic] орків' (a withdrawal is "
             "reported, 2022-04/05): unconfirmed, and drawn grey, not as liberated."),
    Rule("presence_unconfirmed", G, uk=r"^фактично контролюється ворогом, але немає",
         why="'Фактично контролюється ворогом, але немає інформації про його перебування "
             "тут' (April 2022): drawn grey by DeepState, so counted with the grey zone, "
             "not the controlled area."),
    # --- Controlled: generic occupied, last. ---
    Rule("occupied", C, uk=r"(?<!де)окупован", en=r"(?<!de-)(?<!un)\boccupied\b|under occupation",
         key=r"status\.occupied",
         why="'Окуповано' (occupied) and its spring-2022 variants ('Ізюм. Окуповано', "
             "'Сєвєродонецьк. Території, що окуповано', 'Окуповані Циркуни'). The look-"
             "behinds keep a future 'деокуповано'/'de-occupied' from matching."),
    Rule("occupied_by_enemy", C, uk=r"зайняті ворогом",
         why="'Рубіжне. Території зайняті ворогом' (territories taken by the enemy), 2022."),
    Rule("captured", C, uk=r"^захоплено",
         why="'Захоплено' (captured), May 2022."),
)  # fmt: skip

_CUTOVERS: tuple[dt.date, ...] = tuple(sorted({r.before for r in RULES if r.before}))

_SEPARATOR = re.compile(r"/{2,}")
_TEMPLATE = re.compile(r"\{\{.*?\}\}", re.DOTALL)
_DATE_ONLY = re.compile(r"\d{1,2}[./]\d{1,2}(?:[./]\d{2,4})?")
_DIGITS = re.compile(r"\d+")
_LONE_PUNCTUATION = re.compile(r"(?<!\S)[^\w\s]+(?!\S)")
_SPACE = re.compile(r"\s+")
_DAMAGE_RUN = re.compile(DAMAGE + "+")
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff]")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'", "\u2018": "'"})
_EDGES = " .,;:-\u2013\u2014"
_KEY_PREFIX = "geojson."
DATE_PLACEHOLDER = "{date}"
# What a broken character may have been: a Ukrainian (or Russian) letter, a space
# (U+00A0 is two bytes too) or punctuation. A name with more broken characters than
# _MAX_HOLES is left unknown rather than tried 43**n ways.
_FILLS = "абвгґдеєжзиіїйклмнопрстуфхцчшщьюяёыэъ '-.,"
_MAX_HOLES = 2


def _normalise_part(part: str) -> str:
    part = _SPACE.sub(" ", part).strip()
    if _DATE_ONLY.fullmatch(part):
        return DATE_PLACEHOLDER
    part = _DIGITS.sub("", part)
    part = _LONE_PUNCTUATION.sub("", part)
    return _SPACE.sub(" ", part).strip(_EDGES)


@functools.lru_cache(maxsize=4096)
def normalise(name: str) -> str:
    """The comparable form of a layer name: its parts joined by ``" /// "``.

    NFC, case-folded; U+00A0 and all other whitespace (newlines included) collapsed to
    one space; ``{{at:…}}`` templates, digits and dates removed, with the punctuation
    they leave behind; a part that is nothing but a date becomes ``{date}``; a run of
    U+FFFD (one broken letter) becomes a single U+FFFD; empty parts dropped. ``//`` and
    ``///`` both separate parts.
    """
    text = unicodedata.normalize("NFC", name).casefold().translate(_APOSTROPHES)
    text = _INVISIBLE.sub("", _TEMPLATE.sub("", text))
    text = _DAMAGE_RUN.sub(DAMAGE, text)
    parts = (_normalise_part(p) for p in _SEPARATOR.split(text))
    return " /// ".join(p for p in parts if p)


def _roles(normalised: str) -> tuple[str | None, str | None, str | None]:
    """Split a normalised name into its (Ukrainian, English, status key) parts."""
    key = None
    texts = []
    for part in normalised.split(" /// ") if normalised else ():
        if part.startswith(_KEY_PREFIX) and key is None:
            key = part
        else:
            texts.append(part)
    uk = texts[0] if texts else None
    en = " /// ".join(texts[1:]) or None
    return uk, en, key


def _era(on: dt.date | None) -> int:
    """How many rule cutover dates lie on or before ``on`` (all of them when undated)."""
    return len(_CUTOVERS) if on is None else bisect.bisect_right(_CUTOVERS, on)


def classify(name: str | None, on: dt.date | None = None) -> Match | None:
    """The class of a raw layer name and the id of the rule that decided it, or None.

    ``on`` is the date of the snapshot the name comes from; rules limited in time
    (``Rule.before``) apply only to dated names. Raises nothing: an unknown, empty or
    missing name gives None.
    """
    if not name:
        return None
    return _classify(name, _era(on))


@functools.lru_cache(maxsize=8192)
def _classify(name: str, era: int) -> Match | None:
    text = normalise(name)
    holes = text.count(DAMAGE)
    if holes == 0:
        return _first_match(text, era)
    if holes > _MAX_HOLES:
        return None
    pieces = text.split(DAMAGE)
    found = set()
    for letters in itertools.product(_FILLS, repeat=holes):
        filled = "".join(p + c for p, c in zip(pieces, (*letters, ""), strict=True))
        found.add(_first_match(filled, era))
        if len(found) > 1:
            return None
    (only,) = found
    return only


def _first_match(normalised: str, era: int) -> Match | None:
    uk, en, key = _roles(normalised)
    for rule in RULES:
        if rule.before is not None and era > _CUTOVERS.index(rule.before):
            continue
        if rule.matches(uk, en, key):
            return Match(rule.layer_class, rule.id)
    return None
