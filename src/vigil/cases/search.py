"""Finding people by name, without pandas: the registry's ``find`` and the CLI's
``vigil cases find`` start in the time Django takes, not Django's plus pandas' (issue 12).

Rows are plain dicts in a fixed column order (:data:`COLUMNS`);
:func:`vigil.cases.registry.find` gives the same rows as a DataFrame.
"""

from __future__ import annotations

from typing import Any

from rapidfuzz import fuzz, process

from vigil.cases import name_parts, policy
from vigil.cases.names import fold, skeleton
from vigil.cases.policy import Who
from vigil.errors import InputError

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
        raise InputError(f"{query!r} has no letters to match", param="query")
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
