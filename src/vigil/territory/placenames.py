"""Place names in the reader's language, in the form a sentence needs.

The gazetteer carries each settlement's Ukrainian name (``name_uk``), its English
(romanised) name (``name_en``) and, for oblasts and raions, a Russian one
(``name_ru``). Which is shown:

=========  ==========================================  ==============================
language   settlement                                   raion, oblast
=========  ==========================================  ==============================
en         name_en (else the romanisation, else uk)    name_en
uk         name_uk                                      name_uk
ru         name_ru when the gazetteer has one, else     name_ru, else name_uk
           name_uk (Ukrainian toponyms are official;
           the shipped gazetteer has no Russian names
           of settlements)
az         name_en: Latin script, as Azerbaijani        name_en
           media write Ukrainian places
=========  ==========================================  ==============================

Ukrainian sentences put a place after "від" (from) or "біля" (near), which take the
genitive: "5 км на ПнПнЗ від Пречистівки". :func:`genitive_uk` declines the name word
by word with pymorphy3's Ukrainian dictionary (the standard morphological analyser for
Ukrainian and Russian): for each word the nominative reading most likely to be a place
(a noun or adjective, not a personal name) is put in the genitive, its capitals kept
("Велика Новосілка" → "Великої Новосілки", "Часів Яр" → "Часового Яру"). Russian and
Azerbaijani sentences are written by their translators so that the name stays in the
nominative ("от н. п. Пречистівка", "Prechystivka yaşayış məntəqəsindən").
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from vigil import i18n

_PERSONAL = frozenset({"Surn", "Name", "Patr"})


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def settlement_name(names: Mapping[Any, Any], lang: str | None = None) -> str:
    """A settlement's name for readers of ``lang`` (default: the active language), from
    a gazetteer row's ``name_uk``, ``name_en``, ``name_translit``, ``name_ru``."""
    lang = lang or i18n.active()
    order = {
        "uk": ("name_uk", "name_en", "name_translit"),
        "ru": ("name_ru", "name_uk", "name_en", "name_translit"),
    }.get(lang, ("name_en", "name_translit", "name_uk"))
    for key in order:
        if text := _text(names.get(key)):
            return text
    return ""


def region_name(names: Mapping[Any, Any], lang: str | None = None) -> str:
    """An oblast's, raion's or hromada's name for readers of ``lang``."""
    lang = lang or i18n.active()
    order = {
        "uk": ("name_uk", "name_en"),
        "ru": ("name_ru", "name_uk", "name_en"),
    }.get(lang, ("name_en", "name_uk"))
    for key in order:
        if text := _text(names.get(key)):
            return text
    return ""


def of_form(name: str, lang: str | None = None) -> str:
    """``name`` as it stands after "of"/"від"/"from" in ``lang``: the genitive in
    Ukrainian, unchanged in the other languages (their sentences keep the nominative)."""
    if (lang or i18n.active()) == "uk" and name:
        return genitive_uk(name)
    return name


@functools.cache
def _analyser() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="uk")


@functools.lru_cache(maxsize=20_000)
def genitive_uk(name: str) -> str:
    """A Ukrainian place name in the genitive: "Пречистівка" → "Пречистівки",
    "Покровськ" → "Покровська", "Часів Яр" → "Часового Яру". Words the dictionary
    cannot put in the genitive (abbreviations, numbers, Latin) stay as written."""
    return " ".join(
        "-".join(_genitive_word(part) for part in word.split("-")) for word in name.split(" ")
    )


_APOSTROPHES = "\u2019\u02bc"  # ’ ʼ: the dictionary writes the apostrophe as '


def _genitive_word(word: str) -> str:
    mark = next((a for a in _APOSTROPHES if a in word), None)
    if mark:
        return _genitive_word(word.replace(mark, "'")).replace("'", mark)
    if not word or not any(c.isalpha() for c in word) or not _is_cyrillic(word):
        return word
    parses = [
        p
        for p in _analyser().parse(word)
        if "nomn" in p.tag or (p.tag.POS == "ADJF" and p.tag.case is None)
    ]
    if not parses:
        return word

    def likely_a_place(p: Any) -> float:
        grammemes = set(p.tag.grammemes)
        return (
            2 * (p.tag.POS in ("NOUN", "ADJF"))
            - 3 * bool(_PERSONAL & grammemes)
            - ("anim" in grammemes)
            + p.score
        )

    best = max(parses, key=likely_a_place)
    form = best.inflect({"gent"})
    if form is None:
        return word
    out = form.word
    # the dictionary's forms are lower case: keep the capitals where the name has them
    return "".join(
        c.upper() if i < len(word) and word[i].isupper() else c for i, c in enumerate(out)
    )


def _is_cyrillic(word: str) -> bool:
    return all(("\u0400" <= c <= "\u04ff") or not c.isalpha() for c in word)
