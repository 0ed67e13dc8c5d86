"""Finding people by name, without pandas: the registry's ``find`` and the CLI's
``vigil cases find`` start in the time Django takes, not Django's plus pandas' (issue 12).

Rows are plain dicts in a fixed column order (:data:`COLUMNS`);
:func:`vigil.cases.registry.find` gives the same rows as a DataFrame.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from rapidfuzz import fuzz, process

from vigil.cases import name_parts, policy
from vigil.cases.names import fold, skeleton
from vigil.cases.policy import Who
from vigil.errors import InputError
from vigil.i18n import gettext as _

#: A name scoring at least this (0–100: :func:`score`, name_parts.query_score) matches.
FIND_THRESHOLD = 80.0
#: The columns of a match: the person's ref and display name, the name that matched,
#: its language and the score (100: the same folded name or the same parts in another
#: order; 95: the same skeleton, or a Chinese name's pinyin).
COLUMNS = ("ref", "name", "matched", "language", "score")


def visible_names(level: Who) -> Any:
    """Visible names of visible, unmerged people (a PersonName queryset)."""
    from vigil.cases.models import PersonName

    return policy.visible(PersonName, level).filter(person__merged_into__isnull=True)


def score(folded: str, skel: str, key: str, name_skeleton: str) -> float:
    """How well a folded query (and its consonant skeleton) matches one folded name
    ``key`` (with its skeleton): the token-sort ratio; for a one-word query also 0.9 of
    the token-set ratio (a surname or a given name alone); 95 for the same skeleton."""
    value = fuzz.token_sort_ratio(folded, key)
    if len(folded.split()) == 1:
        value = max(value, fuzz.token_set_ratio(folded, key) * 0.9)
    if skel and name_skeleton == skel:
        value = max(value, 95.0)
    return float(value)


def _near_words(query: tuple[name_parts.Spelling, ...], words: list[str]) -> set[str]:
    """Folded words of the registry that may match a part of the query: a cut, in
    rapidfuzz's C loop, that keeps every word :func:`name_parts.part_match` can accept
    (a ratio of 70 at least), so that only the names holding one are read part by
    part."""
    near: set[str] = set()
    for spelling in query:
        # A query in Chinese characters meets Latin names by its pinyin, folded as keys are.
        pinyin = {fold(syllables) for syllables in spelling.syllables}
        for part in {*spelling.parts, spelling.patronymic, *pinyin} - {""}:
            hits = process.extract(part, words, scorer=fuzz.ratio, score_cutoff=70, limit=None)
            near.update(hit[0] for hit in hits)
    return near


_NEXT = "\x00"  # between two names' words in one list (fold never writes it)


def _holding(tokens: list[str], near: set[str]) -> set[int]:
    """The positions of the names (separated by ``_NEXT`` in ``tokens``) that hold a
    word of ``near``."""
    if not near:
        return set()
    found: set[int] = set()
    row = 0
    for word in tokens:
        if word == _NEXT:
            row += 1
        elif word in near:
            found.add(row)
    return found


def _may_match_han(
    query: tuple[name_parts.Spelling, ...], folded: str, name: str, key: str
) -> bool:
    """Whether a Chinese name may match the query, judged on the stored key (the folded
    Unidecode pinyin) before reading the name with pypinyin."""
    if any(s.han and any(ch in name for ch in s.han) for s in query):
        return True
    run = folded.replace(" ", "")
    return bool(run) and fuzz.partial_ratio(run, key.replace(" ", "")) >= 60


def find(query: str, level: Who, limit: int = 10) -> list[dict[str, Any]]:
    """People whose names match ``query`` in any script or spelling, best first, at
    most ``limit``: one row per person (its best-matching name), ties by the order the
    people were recorded in.

    A name scores the better of :func:`score` (the folded names alike) and
    :func:`vigil.cases.name_parts.query_score` (every part of the query is a part of
    the name, in any order; patronymics apart; aliases in brackets; Chinese by
    characters or pinyin)."""
    text = str(query).strip()
    folded = fold(text)
    if not folded and not name_parts.is_han(text):
        raise InputError(_("%(query)r has no letters to match") % {"query": query}, param="query")
    skel = skeleton(text)
    read = name_parts.parse(text)
    fields = ("person_id", "person__ref", "name", "language", "key", "skeleton", "kind")
    names = list(visible_names(level).values_list(*fields))
    chinese = name_parts.han_rows([row[2] for row in names])
    # Every folded word, a separator between names: one list, not one per name.
    tokens = f" {_NEXT} ".join(row[4] for row in names).split()
    near = _near_words(read, list(set(tokens) - {_NEXT}))
    holding = _holding(tokens, near)
    best: dict[int, tuple[float, tuple[Any, ...]]] = {}
    primary: dict[int, str] = {}  # each person's first primary name
    first: dict[int, str] = {}  # and first name of any kind
    for i, row in enumerate(names):
        person_id, name, key = row[0], row[2], row[4]
        first.setdefault(person_id, name)
        if row[6] == "primary":
            primary.setdefault(person_id, name)
        han = i in chinese
        # A Chinese name's key and skeleton are Unidecode's syllables, equal for
        # homophones and lossy once folded: name_parts reads it (characters, pinyin).
        value = 0.0 if han else score(folded, skel, key, row[5])
        if value < 100 and (_may_match_han(read, folded, name, key) if han else i in holding):
            value = max(value, name_parts.query_score(read, name_parts.parse_stored(name, key)))
        if value >= FIND_THRESHOLD and (person_id not in best or value > best[person_id][0]):
            best[person_id] = (value, row)  # the first of equal scores stays
    ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[0]))[:limit]
    return [
        {
            "ref": row[1],
            "name": primary.get(person_id, first[person_id]),
            "matched": row[2],
            "language": row[3],
            "score": round(value, 1),
        }
        for person_id, (value, row) in ranked
    ]


# -- organisations ------------------------------------------------------------------------
#: The columns of an organisation found: its ref, name and short name, the name or
#: abbreviation that matched, and the score (100: the same name or abbreviation once
#: folded; 97: the initials of its name).
ORGANISATION_COLUMNS = ("ref", "name", "short_name", "matched", "score")
#: Sounds that abbreviations in two scripts write with different letters once folded:
#: H (İHMM, folded x inside a word, g at its start) and Х or Г; Azerbaijani C and
#: Cyrillic Ц/Ч (fold: j, c).
_ABBREVIATION_LETTERS = str.maketrans({"j": "c", "x": "g"})
_WORD = re.compile(r"\w+", re.UNICODE)
#: Short words an abbreviation usually leaves out (English, Russian, Belarusian,
#: Ukrainian, Azerbaijani): "Centre for Civil Liberties" is CCL.
_SMALL_WORDS = frozenset(
    {"of", "for", "the", "and", "in", "on", "и", "в", "на", "по", "і", "й", "ў", "та", "və"}
)


def abbreviation(text: str) -> str:
    """An abbreviation as plain letters, the same in any script: its letters folded as
    one word (:func:`vigil.cases.names.fold`: ХПГ and KhPG are ``xpg``), then H, Х
    and Г alike, Azerbaijani C and Cyrillic Ц/Ч alike. "İHMM", "ИХММ" and "IHMM" are
    one; so are "АВБ" and "AVB", "ХПГ" and "KHPG"."""
    letters = "".join(ch for ch in unicodedata.normalize("NFC", str(text)) if ch.isalpha())
    return fold(letters).replace(" ", "").translate(_ABBREVIATION_LETTERS)


def initials(name: str) -> list[str]:
    """The abbreviations a name may go by, as :func:`abbreviation` writes them: the
    first letters of all its words, and of its words less the small ones ("of", "и",
    "və"…); "Azad Vətəndaşlar Birliyi" is AVB."""
    words = _WORD.findall(unicodedata.normalize("NFC", str(name)))
    found = []
    for chosen in (words, [w for w in words if w.lower() not in _SMALL_WORDS]):
        letters = abbreviation("".join(w[0] for w in chosen if w[0].isalpha()))
        if len(letters) >= 2 and letters not in found:
            found.append(letters)
    return found


def _looks_like_abbreviation(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return " " not in text.strip() and 2 <= len(letters) <= 10


def organisation_names(o: Any) -> list[str]:
    """The names an organisation goes by: its name, its short name, and other names
    when the registry records them (an ``other_names`` field, one per line)."""
    names = [o.name, o.short_name, *str(getattr(o, "other_names", "") or "").splitlines()]
    return [n.strip() for n in names if n and n.strip()]


def organisation_score(query: str, o: Any) -> tuple[float, str]:
    """How well ``query`` names the organisation ``o`` (0–100) and the name or
    abbreviation that matched: its ref (100); a name or the short name in any script
    or spelling (folded: the token-set ratio, so a part of the name finds it, and 0.9
    of the partial ratio for the beginning of a word typed); for a one-word query, an
    abbreviation across scripts: the short name (100) or the initials of a name (97)."""
    text = str(query).strip()
    if o.ref and text.casefold() == o.ref.casefold():
        return 100.0, o.ref
    folded = fold(text)
    best, matched = 0.0, ""
    names = organisation_names(o)
    for name in names:
        key = fold(name)
        if not folded or not key:
            continue
        value = max(
            float(fuzz.token_sort_ratio(folded, key)),
            float(fuzz.token_set_ratio(folded, key)) * (1.0 if len(folded) >= 4 else 0.8),
            float(fuzz.partial_ratio(folded, key)) * 0.9 if len(folded) >= 4 else 0.0,
        )
        if value > best:
            best, matched = value, name
    if _looks_like_abbreviation(text):
        asked = abbreviation(text)
        for name in names:
            if name == o.short_name and abbreviation(name) == asked:
                return 100.0, name
            if asked in initials(name) and best < 97.0:
                best, matched = 97.0, name
    return best, matched


def find_organisations(query: str, level: Who, limit: int = 10) -> list[dict[str, Any]]:
    """Organisations ``level`` may see that ``query`` names: by ref, name, short name or
    another recorded name, in any script or spelling, or by abbreviation ("ИХММ" finds
    İnsan Haqları Müdafiəçiləri Mərkəzi, İHMM), best first (ties by name), at most
    ``limit``; rows of :data:`ORGANISATION_COLUMNS`."""
    from vigil.cases.models import Organisation

    text = str(query).strip()
    if not fold(text) and not any(ch.isalpha() for ch in text):
        raise InputError(_("%(query)r has no letters to match") % {"query": query}, param="q")
    found = []
    for o in policy.visible(Organisation, level).order_by("key", "id"):
        value, matched = organisation_score(text, o)
        if value >= FIND_THRESHOLD:
            found.append((value, o, matched))
    found.sort(key=lambda item: -item[0])  # stable: equal scores stay by name
    return [
        {
            "ref": o.ref or "",
            "name": o.name,
            "short_name": o.short_name,
            "matched": matched,
            "score": round(value, 1),
        }
        for value, o, matched in found[:limit]
    ]
