"""A value from a closed set, read the same way everywhere (library, CLI, API, pages).

``choice(Freq, " Week ", "freq")`` is ``Freq.WEEK``; a value outside the set is one
:class:`~vigil.errors.InputError`, worded once: ``freq: expected one of day, week,
month, year, got 'fortnight'`` (the CLI shows ``--freq: …``, the API ``freq: …``).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TypeVar

from vigil.errors import InputError

E = TypeVar("E", bound=StrEnum)


def choice(enum: type[E], value: E | str, param: str) -> E:
    """``value`` as a member of ``enum`` (case and surrounding space ignored)."""
    if isinstance(value, enum):
        return value
    try:
        return enum(str(value).strip().lower())
    except ValueError:
        raise not_one_of(value, (m.value for m in enum), param) from None


#: Above this many allowed values an error names how many there are, not each one
#: (an organisation filter on a large registry would otherwise print hundreds).
LISTED_AT_MOST = 30


def not_one_of(value: object, allowed: Iterable[str], param: str | None) -> InputError:
    """The error for ``value`` outside ``allowed`` (to raise)."""
    values = list(allowed)
    shown = ", ".join(values) if len(values) <= LISTED_AT_MOST else f"{len(values)} values"
    return InputError(f"expected one of {shown}, got {value!r}", param=param)
