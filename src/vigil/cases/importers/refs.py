"""References for new records: ``P00001`` (people), ``O…``, ``C…``, ``S…``, ``R…``, ``I…``.

A record created without a ref gets one from its database id after the insert, so the
ref is stable, short and never reused. Should a user have already taken that ref for
another record, a suffix makes it unique (``P00005-2``).
"""

from __future__ import annotations

from collections.abc import Container

#: The first letter of a generated ref, by interchange table.
REF_PREFIX: dict[str, str] = {
    "people": "P",
    "organisations": "O",
    "cases": "C",
    "sources": "S",
    "releases": "R",
    "incidents": "I",
}


def new_ref(table: str, pk: int, taken: Container[str] = ()) -> str:
    """The ref of a new record of ``table`` with database id ``pk`` (``P00042``)."""
    base = f"{REF_PREFIX[table]}{pk:05d}"
    ref, n = base, 1
    while ref in taken:
        n += 1
        ref = f"{base}-{n}"
    return ref
