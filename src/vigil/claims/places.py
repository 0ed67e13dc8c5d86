"""Places named in a sentence: oblasts by any of their names and forms, settlements
through the gazetteer.

Oblasts are few and their names in running text are not their gazetteer names:
"Donetsk region", "the Donetsk Oblast", "Донецкой области", "Донеччині", "на Харківщині",
"Donetsk vilayətində". So each oblast has a stem per script (the adjective's stem, which
the gazetteer's name starts with) and, in Ukrainian and Russian, the colloquial
"-щина" name; a stem counts only when a word for "region" follows it within two words,
or for the colloquial name on its own. Places outside Ukraine that reporting often
names (Kursk, Belgorod) are recognised too, so that a claim about them is answered
"cannot be checked" rather than ruled on Ukraine's figures.

Settlements are looked up in the store's gazetteer (``vigil territory geography
import``) with :func:`vigil.territory.geography.find_settlements`, which matches any
spelling; Russian and Ukrainian case endings are stripped first ("Покровска" →
"Покровск"), Azerbaijani letters folded and its case endings stripped ("Kuraxovoda"),
and a Russian-style spelling is tried last under :func:`loose_key` ("Курахово" →
Курахове).

Areas the maps do not delimit ("near Bakhmut", "на Покровському напрямку", "in the
south", "90 % of the city") are found by :func:`find_areas`: a claim about one cannot be
checked on Vigil's regions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from vigil.claims.model import Place, Span

#: ISO 3166-2 code → (English stem, Ukrainian stem, Russian stem, colloquial forms).
#: Stems are the start of the oblast's adjective in data/geography/oblasts.geojson.xz
#: (name_en, name_uk, name_ru); the colloquial forms are matched as word starts.
OBLASTS: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "UA-05": ("Vinnyts", "Вінниц", "Винниц", ("Вінниччин",)),
    "UA-07": ("Volyn", "Волин", "Волын", ("Волин",)),
    "UA-09": (
        "Luhansk",
        "Луганськ",
        "Луганск",
        ("Луганщин", "ЛНР", "LNR", "LPR", "Luhansk People"),
    ),
    "UA-12": (
        "Dnipropetrovsk",
        "Дніпропетровськ",
        "Днепропетровск",
        ("Дніпропетровщин", "Днепропетровщин", "Дніпровщин"),
    ),
    "UA-14": (
        "Donetsk",
        "Донецьк",
        "Донецк",
        ("Донеччин", "Донетчин", "ДНР", "DNR", "DPR", "Donetsk People", "Donetsk Xalq"),
    ),
    "UA-18": ("Zhytomyr", "Житомир", "Житомир", ("Житомирщин",)),
    "UA-21": ("Zakarpatt", "Закарпат", "Закарпат", ("Закарпатт",)),
    "UA-23": (
        "Zaporizh",
        "Запорізьк",
        "Запорожск",
        ("Запоріжжі", "Запоріжжя", "Запорожье", "Запорожья"),
    ),
    "UA-26": ("Ivano-Frankivsk", "Івано-Франківськ", "Ивано-Франковск", ("Прикарпатт",)),
    "UA-30": ("Kyiv city", "Київ", "Киев", ()),
    "UA-32": ("Kyiv", "Київськ", "Киевск", ("Київщин", "Киевщин")),
    "UA-35": ("Kirovohrad", "Кіровоградськ", "Кировоградск", ("Кіровоградщин",)),
    "UA-40": ("Sevastopol", "Севастопол", "Севастопол", ()),
    # "Crimea" alone is the peninsula (no city shares the name): no region word needed
    "UA-43": ("Crimea", "Крим", "Крым", ("Крим", "Крым", "Crimea", "Krım")),
    "UA-46": ("Lviv", "Львівськ", "Львовск", ("Львівщин",)),
    "UA-48": ("Mykolaiv", "Миколаївськ", "Николаевск", ("Миколаївщин", "Николаевщин")),
    "UA-51": ("Odes", "Одеськ", "Одесск", ("Одещин", "Одесчин")),
    "UA-53": ("Poltav", "Полтавськ", "Полтавск", ("Полтавщин",)),
    "UA-56": ("Rivne", "Рівненськ", "Ровненск", ("Рівненщин",)),
    "UA-59": ("Sumy", "Сумськ", "Сумск", ("Сумщин",)),
    "UA-61": ("Ternopil", "Тернопільськ", "Тернопольск", ("Тернопільщин",)),
    "UA-63": ("Kharkiv", "Харківськ", "Харьковск", ("Харківщин", "Харьковщин")),
    "UA-65": ("Kherson", "Херсонськ", "Херсонск", ("Херсонщин",)),
    "UA-68": ("Khmelnyts", "Хмельницьк", "Хмельницк", ("Хмельниччин",)),
    "UA-71": ("Cherkas", "Черкаськ", "Черкасск", ("Черкащин",)),
    "UA-74": ("Chernihiv", "Чернігівськ", "Черниговск", ("Чернігівщин", "Черниговщин")),
    "UA-77": ("Chernivts", "Чернівецьк", "Черновицк", ("Буковин",)),
}

#: Regions outside Ukraine that reporting on the front names; Vigil's maps do not
#: count them (layers outside Ukraine's internationally recognised borders are excluded).
ABROAD: dict[str, tuple[str, ...]] = {
    "RU-KRS": ("Kursk", "Курск", "Курськ", "Курщин", "Kursk"),
    "RU-BEL": ("Belgorod", "Бєлгород", "Белгород", "Бєлгородщин", "Belqorod"),
    "RU-BRY": ("Bryansk", "Брянск", "Брянськ", "Bryansk"),
}

_REGION_WORDS = (
    r"oblast|region|province|область|области|облас\w*|област\w*|обл\.|"
    r"регион\w*|регіон\w*|vilayət\w*"
)
_REGION_NEAR = re.compile(rf"^\W*(?:\w+\W+)?(?:{_REGION_WORDS})", re.IGNORECASE)


@dataclass(frozen=True)
class _Stem:
    code: str
    name: str
    pattern: re.Pattern[str]
    needs_region_word: bool


def _stems() -> list[_Stem]:
    out = []
    for code, (en, uk, ru, colloquial) in OBLASTS.items():
        name = f"{en} Oblast" if code not in ("UA-30", "UA-40", "UA-43") else en
        if code == "UA-43":
            name = "Autonomous Republic of Crimea"
        for stem in {en, uk, ru}:
            if code == "UA-30":
                continue  # the city is not an oblast: "Kyiv" alone is the oblast's stem
            out.append(_Stem(code, name, re.compile(rf"\b{re.escape(stem)}\w*", re.I), True))
        for form in colloquial:
            out.append(_Stem(code, name, re.compile(rf"\b{re.escape(form)}\w*", re.I), False))
    for code, forms in ABROAD.items():
        # "Kursk" alone is in Russia as well (the city, the front): no region word needed
        for form in forms:
            out.append(
                _Stem(code, f"{forms[0]} Oblast (Russia)", re.compile(rf"\b{form}\w*"), False)
            )
    return out


_STEMS = _stems()


_ADJECTIVE_REGION = re.compile(
    rf"([а-яёіїєґ]+(?:ьк|цьк|ск|цк)[а-яёіїєґ]+)\s+(?:{_REGION_WORDS})", re.IGNORECASE
)
_SHARED_REGION = re.compile(
    rf"\s*(?:,|та|і|и|й)\s*[а-яёіїєґ]+\s+(?:областей|областях|областям|{_REGION_WORDS})",
    re.IGNORECASE,
)
_CYRILLIC_WORD = re.compile(r"[а-яёіїєґ'’ʼ-]+", re.IGNORECASE)


def find_oblasts(text: str) -> list[Place]:
    """Oblasts (and regions abroad) named in ``text``, in order, without overlaps."""
    found: list[Place] = []
    taken: list[tuple[int, int]] = []
    # Cyrillic adjectives that a region word follows, and their case endings
    # ("Донецької області" → "ої"): for the ellipsis "10,6 % Донецької області, 2,1 %
    # Запорізької", an adjective after one of them with the same ending needs none
    heads = list(_ADJECTIVE_REGION.finditer(text))
    first = min((h.start() for h in heads), default=len(text))
    endings = {h.group(1)[-3:].lower() for h in heads}
    for stem in _STEMS:
        for m in stem.pattern.finditer(text):
            end = m.end()
            near = _REGION_NEAR.match(text[end:])
            if near is not None:
                end += near.end()
            elif stem.needs_region_word and not (
                _CYRILLIC_WORD.fullmatch(m.group(0))
                and (
                    (m.start() > first and m.group(0)[-3:].lower() in endings)
                    # "Харківської та Донецької областей": one region word for both
                    or _SHARED_REGION.match(text, end)
                )
            ):
                continue
            if any(m.start() < b and a < end for a, b in taken):
                continue
            taken.append((m.start(), end))
            level = "abroad" if stem.code.startswith("RU-") else "oblast"
            found.append(
                Place(stem.name, level, stem.code, Span(m.start(), end, text[m.start() : end]))
            )
    return sorted(found, key=lambda p: p.span.start)


#: Case endings stripped, longest first, before a gazetteer look-up of a Cyrillic word.
_ENDINGS = (
    "ого",
    "ому",
    "ом",
    "ой",
    "ою",
    "ей",
    "ем",
    "ів",
    "ах",
    "ях",
    "а",
    "у",
    "е",
    "і",
    "и",
    "ю",
    "я",
)
#: Capitalised words (one or two): Latin (with Azerbaijani capitals), Cyrillic.
_CAPITALISED = re.compile(r"\b[A-ZА-ЯЁІЇЄҐŞÇÖÜİƏĞ][\w'’ʼ-]+(?:[ -][A-ZА-ЯЁІЇЄҐŞÇÖÜİƏĞ][\w'’ʼ-]+)?")


class Gazetteer:
    """The store's settlements indexed by spelling-independent key (built once: about
    0.3 s for the 29,704 shipped settlements; a look-up is then a dict access).

    A key names the first settlement in the gazetteer's own order of preference:
    cities (category M, K) before towns (X) before villages, then by code, as
    :func:`vigil.territory.geography.find_settlements` orders its exact matches."""

    def __init__(self, frame: pd.DataFrame) -> None:
        from vigil.territory.geography import NAME_FIELDS, name_key

        category = (
            frame["category"] if "category" in frame.columns else pd.Series("", index=frame.index)
        )
        order = frame.assign(_cat=category.map({"M": 0, "K": 0, "X": 1}).fillna(2))
        order = order.sort_values(["_cat", "code"], kind="stable")
        self._rows: dict[str, tuple[str, str]] = {}
        self._loose: dict[str, tuple[str, str]] = {}
        for field in NAME_FIELDS:
            if field not in order.columns:
                continue
            for code, name, en in zip(
                order.code, order[field], order.get("name_en", order[field]), strict=True
            ):
                if isinstance(name, str) and name:
                    key = name_key(name)
                    if key and key not in self._rows:
                        self._rows[key] = (str(code), str(en or name))
                    loose = loose_key(key)
                    if loose and loose not in self._loose:
                        self._loose[loose] = (str(code), str(en or name))
        self._key = name_key

    def __len__(self) -> int:
        return len(self._rows)

    def find(self, name: str) -> tuple[str, str] | None:
        """(code, English name) of the settlement called ``name``, or None."""
        return self._rows.get(self._key(name))

    def find_loose(self, name: str) -> tuple[str, str] | None:
        """As :meth:`find`, for a Russian-style spelling of a Ukrainian name
        (:func:`loose_key`): tried only after every exact form failed."""
        return self._loose.get(loose_key(self._key(name)))


def loose_key(key: str) -> str:
    """A looser key (of a :func:`~vigil.territory.geography.name_key`) under which a
    Russian-style spelling meets the Ukrainian name it transliterates.

    The folds are the regular correspondences of Russian and Ukrainian place names, not
    spellings of particular places:

    - ``y`` → ``i``: Russian и/ы and Ukrainian и/і are read alike ("Ustinovka",
      "Ustynivka"); the exact key keeps them apart, this one is tried only after it.
    - final ``-ovka``/``-evka`` → ``-ivka``: Russian -овка/-евка is Ukrainian -івка/-ївка
      ("Ivanovka" → Ivanivka, "Novogeorgievka" → Novoheorhiivka); -еевка is -іївка
      ("Andreevka" → Andriivka, "Avdeevka" → Avdiivka).
    - final ``-ovo``/``-evo`` → ``-ove``/``-eve``: the Russian neuter of a possessive name
      is Ukrainian -ове/-еве ("Kurakhovo" → Kurakhove).
    - final ``-oe``/``-oie``/``-ee`` → ``-e``: the Russian neuter adjective -ое is
      Ukrainian -е ("Novovoznesenskoe" → Novovoznesenske, "Pivnichnoe" → Pivnichne).
    """
    s = key.replace("y", "i")
    if s.endswith("eevka"):
        return s[:-5] + "iivka"
    if s.endswith(("ovka", "evka")):
        return s[:-4] + "ivka"
    if s.endswith(("ovo", "evo")):
        return s[:-1] + "e"
    for ending in ("oie", "oe", "ee"):
        if s.endswith(ending) and len(s) > len(ending) + 2:
            return s[: -len(ending)] + "e"
    return s


#: Azerbaijani Latin letters → the Latin the name key reads (Azerbaijani spells the
#: Russian or Ukrainian sounds with its own letters): x = х (kh), ç = ч, ş = ш,
#: j = ж, c = дж, ğ and q = г (Azerbaijani writes Russian г as q: "Belqorod"), ı = ы, ə = е.
_AZ_FOLD = str.maketrans(
    {"x": "kh", "ç": "ch", "ş": "sh", "j": "zh", "c": "dzh", "ğ": "h", "q": "h", "ı": "y",
     "ə": "e", "X": "Kh", "Ç": "Ch", "Ş": "Sh", "J": "Zh", "C": "Dzh", "Q": "H", "Ə": "E"}
)  # fmt: skip
#: Azerbaijani case endings a name takes ("Kuraxovoda", "Sudjanı", "Avdiivkaya"),
#: longest first: ablative, genitive, locative, accusative, dative.
_AZ_ENDINGS = (
    "dan", "dən", "nın", "nin", "nun", "nün", "da", "də", "nı", "ni", "nu", "nü",
    "ya", "yə", "na", "nə", "ı", "i", "u", "ü", "a", "ə",
)  # fmt: skip


def find_settlements(text: str, gazetteer: Gazetteer | None, *, az: bool = False) -> list[Place]:
    """Settlements named in ``text``: capitalised words (one or two) the gazetteer
    knows in any spelling, trying Russian/Ukrainian case endings off ("Покровська" →
    "Покровськ", "Серебрянку" → "Серебрянка"), then Russian-style spellings
    (:func:`loose_key`). ``az``: the text is Azerbaijani (its letters folded, its case
    endings tried off: "Kuraxovoda" → "Kurakhovo"). Whole keys only: a prefix would
    turn common words into villages."""
    if gazetteer is None or not len(gazetteer):
        return []
    found = []
    for m in _CAPITALISED.finditer(text):
        # two capitalised words are one name ("Zelenyi Hai") or a name and another
        # capitalised word ("Respublikasının Şevçenko", "Сопич Сумської"): each alone then
        spans = [(m.start(), m.end())]
        parts = list(re.finditer(r"[^ ]+", m.group(0))) if " " in m.group(0) else []
        spans += [(m.start() + p.start(), m.start() + p.end()) for p in parts]
        for start, end in spans:
            hit = _look_up(gazetteer, text[start:end], az)
            if hit is not None:
                word = text[start:end]
                found.append(Place(hit[1], "settlement", hit[0], Span(start, end, word)))
                if (start, end) == (m.start(), m.end()):
                    break
    return found


def _look_up(gazetteer: Gazetteer, word: str, az: bool) -> tuple[str, str] | None:
    forms = _forms(word, az=az)
    hit = next((h for h in map(gazetteer.find, forms) if h is not None), None)
    if hit is None:
        hit = next((h for h in map(gazetteer.find_loose, forms) if h is not None), None)
    return hit


def _forms(word: str, *, az: bool = False) -> list[str]:
    """``word`` and its possible nominatives: Russian/Ukrainian case endings off, and
    for a feminine noun in -а the accusative/genitive/dative restored ("Серебрянку",
    "Серебрянки" → "Серебрянка"); in Azerbaijani, its letters folded and its case
    ending off."""
    forms = [word]
    if re.search(r"[а-яіїєґ]$", word, re.I):
        for ending in _ENDINGS:
            if word.lower().endswith(ending) and len(word) - len(ending) >= 4:
                stem = word[: -len(ending)]
                forms.append(stem)
                if ending in ("у", "и", "і", "ю", "ою", "ой", "ей", "е"):
                    forms.append(stem + ("я" if ending in ("ю", "ей") else "а"))
    elif az:
        folded = word.translate(_AZ_FOLD)
        forms.append(folded)
        for ending in _AZ_ENDINGS:
            if word.lower().endswith(ending) and len(word) - len(ending) >= 4:
                forms.append(word[: -len(ending)].translate(_AZ_FOLD))
    return forms


# --- Areas the maps do not delimit ---------------------------------------------------

#: A place name as it stands in running text: a capital, then a lower-case letter (so
#: that acronyms, "ВСУ", "ISW", are not names), one or two words or a hyphenated pair.
_N = (
    r"(?-i:[A-ZА-ЯЁІЇЄҐŞÇÖÜİƏĞ][a-zа-яёіїєґşçöüğıə'’ʼ][\w'’ʼ]*"
    r"(?:-[A-ZА-ЯЁІЇЄҐŞÇÖÜİƏĞ][\w'’ʼ]+)?"
    # a second word of the name, not the oblast's adjective after it ("Сватово Луганской")
    r"(?:\s+(?!\w*(?:ской|цкой|ської|цької|ській|цькій|ском|ськом)\b)"
    r"[A-ZА-ЯЁІЇЄҐ][a-zа-яёіїєґ][\w'’ʼ]*)?)"
)
#: A side of the whole country ("на сході України", "in the east of the country") is
#: not an area apart: a country's figure is the claim's when its gains lie there, so
#: these are left to the country's figure.
_NOT_COUNTRY = r"(?!\s+(?:of\s+(?:the\s+country|ukraine)|країни|україни|страны|украины)\b)"
_SIDE_EN = r"(?:south|north|east|west)(?:-?(?:east|west))?"
_SIDE_ADJ_EN = r"(?:southern|northern|eastern|western|central|south-?eastern|north-?eastern)"
#: Phrases naming an area with no boundary on the maps: the surroundings of a place
#: ("near X", "в районе X", "біля X", "X ətrafında"), a direction or front ("on the X
#: front", "на X-ском направлении", "X istiqamətində"), a side of the country ("in the
#: south", "на юге", "на півдні", "cənubda"), part of a city ("90 % of the city", "the
#: northern part of the town", "территории города"). Each is read as it is written.
_AREAS = re.compile(
    "|".join(
        f"(?:{p})"
        for p in (
            # English
            rf"\b(?:in\s+and\s+)?(?:near|around|outside|close\s+to|in\s+the\s+(?:area|vicinity)"
            rf"\s+of|on\s+the\s+outskirts\s+of)\s+(?:the\s+(?:city|town|village)\s+of\s+)?{_N}",
            rf"\b(?:on|along|at)\s+the\s+(?:{_N}|{_SIDE_ADJ_EN})\s+(?:front|direction|axis|sector)",
            rf"\bin\s+(?:the|its)\s+{_SIDE_EN}(?:ern\s+part)?(?:\s+and\s+(?:the\s+)?{_SIDE_EN})?\b"
            rf"{_NOT_COUNTRY}",
            rf"\bin\s+the\s+{_SIDE_ADJ_EN}\s+(?:region|part|areas?)\b(?!\s+of\s+{_N})",
            rf"\b(?:the\s+)?{_SIDE_ADJ_EN}\s+part\s+of\s+(?:the\s+)?(?:city|town|village)\b",
            r"(?<=%\s)of\s+the\s+(?:city|town)\b|\b(?:per\s?cent|percent)\s+of\s+the\s+(?:city|town)\b",
            # Russian
            rf"\b(?:в\s+районе|в\s+окрестност\w+|около|возле|вблизи|под)\s+"
            rf"(?:(?:города|села|пос[её]лка|пгт)\s+)?{_N}",
            rf"\bна\s+(?:{_N}|\w+(?:ском|цком))\s+(?:направлении|участке|фронте)",
            rf"\bна\s+направлении\s+{_N}",
            r"\bна\s+(?:юге|севере|востоке|западе|юго-востоке|северо-востоке|юго-западе)\b"
            rf"{_NOT_COUNTRY}",
            r"\bтерритори[ия]\s+города\b|\b\w+\s+част\w*\s+города\b",
            # Ukrainian
            rf"\b(?:(?:в|у)\s+районі|біля|поблизу|навколо|довкола|під)\s+"
            rf"(?:(?:міста|села|селища)\s+)?{_N}",
            r"\b(?:біля|поблизу|навколо)\s+(?:міста|села|селища)\b",
            rf"\bна\s+(?:{_N}|\w+(?:ському|цькому))\s+(?:напрямку|напрямі|ділянці|фронті)",
            rf"\bна\s+напрямку\s+{_N}",
            r"\bна\s+(?:півдні|півночі|сході|заході|південному\s+сході|північному\s+сході)\b"
            rf"{_NOT_COUNTRY}",
            r"\bтериторі[їя]\s+міста\b|\b\w+\s+частин\w*\s+міста\b",
            # Azerbaijani
            rf"{_N}\s+(?:istiqamətində|ətrafında|yaxınlığında|cəbhəsində|bölgəsində)\b",
            r"\b(?:cənub|şimal|şərq|qərb)(?:da|də|unda|ində|i)?\s+cəbhə\w*",
            r"(?<!ukraynanın\s)(?<!ölkənin\s)\b(?:cənub|şimal|şərq|qərb)(?:da|də|unda|ündə|ində)\b",
            r"\bşəhərin\s+\d+",
        )
    ),
    re.UNICODE | re.IGNORECASE,
)


def find_areas(text: str) -> list[Place]:
    """Areas the maps do not delimit, named in ``text`` (level ``area``, no code; the
    name is the phrase as written): a claim about one cannot be checked on Vigil's
    regions. The words are matched in any case, a name only with its capital ("под
    Бахмутом", not "под контролем")."""
    found: list[Place] = []
    for m in _AREAS.finditer(text):
        phrase = m.group(0)
        found.append(Place(phrase, "area", None, Span(m.start(), m.end(), phrase)))
    return found
