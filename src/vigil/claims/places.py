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
"Покровск").
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
    "UA-43": ("Crimea", "Крим", "Крым", ("Крим", "Крым")),
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


def find_oblasts(text: str) -> list[Place]:
    """Oblasts (and regions abroad) named in ``text``, in order, without overlaps."""
    found: list[Place] = []
    taken: list[tuple[int, int]] = []
    for stem in _STEMS:
        for m in stem.pattern.finditer(text):
            end = m.end()
            near = _REGION_NEAR.match(text[end:])
            if near is not None:
                end += near.end()
            elif stem.needs_region_word:
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
_CAPITALISED = re.compile(r"\b[A-ZА-ЯІЇЄҐ][\w'’ʼ-]+(?:[ -][A-ZА-ЯІЇЄҐ][\w'’ʼ-]+)?")


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
        self._key = name_key

    def __len__(self) -> int:
        return len(self._rows)

    def find(self, name: str) -> tuple[str, str] | None:
        """(code, English name) of the settlement called ``name``, or None."""
        return self._rows.get(self._key(name))


def find_settlements(text: str, gazetteer: Gazetteer | None) -> list[Place]:
    """Settlements named in ``text``: capitalised words (one or two) the gazetteer
    knows in any spelling, trying Russian/Ukrainian case endings off ("Покровська" →
    "Покровськ"). Exact keys only: a prefix would turn common words into villages."""
    if gazetteer is None or not len(gazetteer):
        return []
    found = []
    for m in _CAPITALISED.finditer(text):
        word = m.group(0)
        for candidate in _forms(word):
            hit = gazetteer.find(candidate)
            if hit is not None:
                found.append(Place(hit[1], "settlement", hit[0], Span(m.start(), m.end(), word)))
                break
    return found


def _forms(word: str) -> list[str]:
    forms = [word]
    if re.search(r"[а-яіїєґ]$", word, re.I):
        for ending in _ENDINGS:
            if word.lower().endswith(ending) and len(word) - len(ending) >= 4:
                forms.append(word[: -len(ending)])
    return forms
