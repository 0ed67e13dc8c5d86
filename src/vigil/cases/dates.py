"""Partial dates: "2024", "2024-06", "c. 2024-06-03", "before 2024-06".

Sources rarely give an exact day. A :class:`PartialDate` keeps what is known: the
year, month and day known so far (``precision``), and a ``qualifier`` (exact,
approximate, before, after). It is stored as one sortable text
(``2024-06-00.1``: unknown parts are ``00``, the last digit is the qualifier), so the
database sorts and compares partial dates chronologically by their earliest possible
day, and, within the same earliest day, coarser before finer and "before" before
"exact" before "approximate" before "after".

Rules used by queries (docs/cases.md): an event dated "2024-06" happened by
2024-06-15 (its earliest day is on or before that date); "before 2024-06" by its
earliest day too. Filters on a period use the same earliest-day rule.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from vigil.dates import parse_date
from vigil.errors import InputError


class Precision(StrEnum):
    YEAR = "year"
    MONTH = "month"
    DAY = "day"


class Qualifier(StrEnum):
    BEFORE = "before"
    EXACT = "exact"
    APPROXIMATE = "approximate"
    AFTER = "after"


_QUALIFIER_DIGIT = {
    Qualifier.BEFORE: "0",
    Qualifier.EXACT: "1",
    Qualifier.APPROXIMATE: "2",
    Qualifier.AFTER: "3",
}
_DIGIT_QUALIFIER = {v: k for k, v in _QUALIFIER_DIGIT.items()}
_PREFIX = {
    Qualifier.BEFORE: "before ",
    Qualifier.APPROXIMATE: "c. ",
    Qualifier.AFTER: "after ",
    Qualifier.EXACT: "",
}
_WORDS = [
    (Qualifier.BEFORE, ("before ", "<", "by ")),
    (Qualifier.AFTER, ("after ", ">", "since ")),
    (Qualifier.APPROXIMATE, ("c. ", "c.", "ca. ", "circa ", "about ", "approx. ", "~")),
]
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")  # 03.06.2024, common in the region
_TIMESTAMP = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}\.\d{1,2}\.\d{4})[T ]\d{1,2}:\d{2}")
_STORED = re.compile(r"^(\d{4})-(\d{2})-(\d{2})\.([0-3])$")


@dataclass(frozen=True, order=False)
class PartialDate:
    """A date known to the year, month or day, with a qualifier."""

    year: int
    month: int | None = None
    day: int | None = None
    qualifier: Qualifier = Qualifier.EXACT

    def __post_init__(self) -> None:
        if self.day is not None and self.month is None:
            raise InputError(f"date {self.year}-??-{self.day}: a day needs a month")
        try:
            # month 0 or day 0 is not "unknown" (that is None): it is an error
            dt.date(
                self.year,
                1 if self.month is None else self.month,
                1 if self.day is None else self.day,
            )
        except (TypeError, ValueError) as exc:
            raise InputError(f"date {self._iso()!r}: {exc}") from None

    # -- reading -----------------------------------------------------------
    @classmethod
    def parse(cls, value: object, field: str = "date") -> PartialDate | None:
        """Read ``2024``, ``2024-06``, ``2024-06-03``, ``03.06.2024``, a date, or the
        stored text, optionally prefixed "before", "after", "c." / "~" (approximate)
        or suffixed ``~`` / ``?`` (EDTF). Empty → None."""
        if value is None:
            return None
        if isinstance(value, PartialDate):
            return value
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return cls(value.year, value.month, value.day)
        text = str(value).strip()
        if not text:
            return None
        stored = _STORED.match(text)
        if stored:
            y, m, d, q = stored.groups()
            try:
                return cls(int(y), int(m) or None, int(d) or None, _DIGIT_QUALIFIER[q])
            except InputError as exc:
                raise InputError(f"{field}: {exc}") from None
        qualifier = Qualifier.EXACT
        lowered = text.lower()
        for q, words in _WORDS:
            word = next((w for w in words if lowered.startswith(w)), None)
            if word:
                qualifier, text = q, text[len(word) :].strip()
                break
        if text.endswith(("~", "?")):
            # "2024~" is approximate; "before 2024?" stays "before" (the bound it gives)
            text = text[:-1].strip()
            if qualifier is Qualifier.EXACT:
                qualifier = Qualifier.APPROXIMATE
        timestamp = _TIMESTAMP.match(text)
        if timestamp:  # "2024-06-03 10:00", "2024-06-03T10:00:00Z", "03.06.2024 10:00"
            text = timestamp.group(1)
        dotted = _DOTTED.match(text)
        if dotted:
            d, m, y = dotted.groups()
            text = f"{y}-{m}-{d}"
        match = _DATE.match(text)
        if not match:
            raise InputError(
                f"{field}: expected a date such as 2024-06-03, 2024-06, 2024, "
                f"'c. 2024' or 'before 2024-06', got {value!r}"
            )
        y, m, d = match.groups()
        try:
            return cls(int(y), int(m) if m else None, int(d) if d else None, qualifier)
        except InputError as exc:
            raise InputError(f"{field}: {exc}") from None

    # -- properties -----------------------------------------------------------
    @property
    def precision(self) -> Precision:
        if self.day is not None:
            return Precision.DAY
        return Precision.MONTH if self.month is not None else Precision.YEAR

    @property
    def earliest(self) -> dt.date:
        """The first day of the named period (the sort and filter key)."""
        return dt.date(self.year, self.month or 1, self.day or 1)

    @property
    def latest(self) -> dt.date:
        """The last day of the named period."""
        if self.day is not None:
            return self.earliest
        month = self.month or 12
        return dt.date(self.year, month, calendar.monthrange(self.year, month)[1])

    def stored(self) -> str:
        """The sortable text kept in the database (``2024-06-00.1``)."""
        return (
            f"{self.year:04d}-{self.month or 0:02d}-{self.day or 0:02d}"
            f".{_QUALIFIER_DIGIT[self.qualifier]}"
        )

    def _iso(self) -> str:
        parts = [f"{self.year:04d}"]
        if self.month is not None:
            parts.append(f"{self.month:02d}")
        if self.day is not None:
            parts.append(f"{self.day:02d}")
        return "-".join(parts)

    def __str__(self) -> str:
        """``2024-06``, ``c. 2024``, ``before 2024-06-03``: read back by :meth:`parse`."""
        return _PREFIX[self.qualifier] + self._iso()

    def __lt__(self, other: PartialDate) -> bool:
        return self.stored() < other.stored()

    def __le__(self, other: PartialDate) -> bool:
        return self.stored() <= other.stored()

    def __gt__(self, other: PartialDate) -> bool:
        return self.stored() > other.stored()

    def __ge__(self, other: PartialDate) -> bool:
        return self.stored() >= other.stored()

    def human(self) -> str:
        """``3 June 2024``, ``June 2024``, ``c. 2024``, ``before June 2024``."""
        if self.day is not None:
            text = f"{self.day} {calendar.month_name[self.month or 1]} {self.year}"
        elif self.month is not None:
            text = f"{calendar.month_name[self.month]} {self.year}"
        else:
            text = str(self.year)
        return _PREFIX[self.qualifier] + text


def on_or_before(day: dt.date) -> str:
    """The stored-text bound: every partial date whose earliest day is ≤ ``day``."""
    return f"{day.isoformat()}.9"


def before(day: dt.date) -> str:
    """The stored-text bound: every partial date whose earliest day is < ``day``."""
    if day == dt.date.min:
        return "0000-00-00.0"  # below every stored date: nothing is earlier
    return on_or_before(day - dt.timedelta(days=1))


def parse_day(value: object, field: str = "date") -> dt.date:
    """An exact day (for query options such as ``--on``): :func:`vigil.dates.parse_date`,
    the one parser of exact days (``YYYY-MM-DD``); the error names ``field``."""
    return parse_date(value, field)
