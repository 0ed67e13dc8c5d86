"""Finding people by name, without pandas: the registry's ``find`` and the CLI's
``vigil cases find`` start in the time Django takes, not Django's plus pandas' (issue 12).

Rows are plain dicts in a fixed column order (:data:`COLUMNS`);
:func:`vigil.cases.registry.find` gives the same rows as a DataFrame.
"""

from __future__ import annotations

from typing import Any

from rapidfuzz import fuzz

from vigil.cases import policy
from vigil.cases.names import fold, skeleton
from vigil.cases.policy import Who
from vigil.errors import InputError

#: A name scoring at least this (0–100, see names.similarity) is a match in `find`.
FIND_THRESHOLD = 80.0
#: The columns of a match: the person's ref and display name, the name that matched,
#: its language and the score (100: the same folded name; 95: the same skeleton).
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


def find(query: str, level: Who, limit: int = 10) -> list[dict[str, Any]]:
    """People whose names match ``query`` in any script or spelling, best first, at
    most ``limit``: one row per person (its best-matching name), ties by the order the
    people were recorded in."""
    text = str(query).strip()
    folded = fold(text)
    if not folded:
        raise InputError(f"{query!r} has no letters to match", param="query")
    skel = skeleton(text)
    fields = ("person_id", "person__ref", "name", "language", "key", "skeleton", "kind")
    names = list(visible_names(level).values_list(*fields))
    best: dict[int, tuple[float, tuple[Any, ...]]] = {}
    primary: dict[int, str] = {}  # each person's first primary name
    first: dict[int, str] = {}  # and first name of any kind
    for row in names:
        person_id, name = row[0], row[2]
        first.setdefault(person_id, name)
        if row[6] == "primary":
            primary.setdefault(person_id, name)
        value = score(folded, skel, row[4], row[5])
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
