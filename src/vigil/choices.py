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
from vigil.i18n import gettext as _
from vigil.i18n import ngettext

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
    if len(values) <= LISTED_AT_MOST:
        shown = ", ".join(values)
    else:
        # Translators: how many values are allowed, said instead of listing them.
        shown = ngettext("%(n)d value", "%(n)d values", len(values)) % {"n": len(values)}
    # Translators: %(allowed)s lists the values (identifiers, not translated).
    message = _("expected one of %(allowed)s, got %(value)r") % {"allowed": shown, "value": value}
    return InputError(message, param=param)
