"""The one parser of exact days, for every front end (CLI options, API parameters,
form fields, library arguments).

A day is written ``YYYY-MM-DD`` (ISO 8601). Python ``date`` and ``datetime`` values are
taken as they are (a datetime gives its date). Anything else is an
:class:`~vigil.errors.InputError` that names the parameter and the value, so the CLI can
show it as a flag and the API as a query parameter.

Partial and qualified dates of the cases registry ("2014-07", "before 2015") are another
notion: :mod:`vigil.cases.dates` reads those, and uses this module for exact days.
"""

from __future__ import annotations

import datetime as dt
import re

from vigil.errors import InputError
from vigil.i18n import gettext as _

#: What a library function accepts where it wants a day.
DateLike = dt.date | dt.datetime | str


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(value: object, param: str = "date") -> dt.date:
    """``value`` as a day; ``param`` names it in the error (``"date_from"``, ``"on"``)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = value.strip() if isinstance(value, str) else ""
    if _DAY.fullmatch(text):  # fromisoformat alone would take 20240603 and 2024-W23-1
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    # Translators: YYYY-MM-DD is the date format to type, keep it as it is; %(value)r is
    # what was given, quoted.
    raise InputError(
        _("expected a date as YYYY-MM-DD, got %(value)r") % {"value": value}, param=param
    )


def parse_optional_date(value: object, param: str = "date") -> dt.date | None:
    """:func:`parse_date`, with ``None`` and blank text meaning no date."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_date(value, param)


def check_order(date_from: dt.date, date_to: dt.date) -> None:
    """Raise unless ``date_from`` is on or before ``date_to`` (the error is about the
    start, ``param="date_from"``)."""
    if date_to < date_from:
        # Translators: both placeholders are ISO dates (2026-12-02).
        raise InputError(
            _("the start %(start)s is after the end %(end)s")
            % {"start": date_from, "end": date_to},
            param="date_from",
        )
