"""Partial dates: "2024", "2024-06", "c. 2024-06-03", "before 2024-06", "22 November
2013", "ноябрь 2013".

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

Dates written in words (English, Russian, Ukrainian, Azerbaijani, as published
prisoner lists write them) are read by a small grammar, not by a guessing parser: the
month is a word from the tables below, the year has four digits, the day one or two,
so which number is the day is never in doubt. All-numeric dates are read only where
the order is settled (``2024-06-03``, ``03.06.2024`` in the regional day.month.year
convention); ``03/04/2024`` is refused as ambiguous.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from vigil import i18n
from vigil.dates import parse_date
from vigil.errors import InputError
from vigil.i18n import gettext as _


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
    (Qualifier.BEFORE, ("before ", "<", "by ", "до ", "не позднее ", "не пізніше ")),
    (
        Qualifier.AFTER,
        (">", "after ", "since ", "после ", "с ", "після ", "з ", "не ранее ", "не раніше "),
    ),
    (
        Qualifier.APPROXIMATE,
        ("c. ", "c.", "ca. ", "circa ", "about ", "approx. ", "approximately ", "around ",
         "~", "около ", "примерно ", "приблизительно ", "близько ", "приблизно ",
         "təxminən ", "texminen "),
    ),
]  # fmt: skip
_WORD_QUALIFIER = {word: q for q, words in _WORDS for word in words}
# One pass over the text instead of one startswith per word: the longest word first, so
# "c. " wins over "c." and "approximately " over nothing.
_QUALIFIED = re.compile(
    "|".join(re.escape(w) for w in sorted(_WORD_QUALIFIER, key=len, reverse=True))
)
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")  # 03.06.2024, common in the region
_MONTH_DOTTED = re.compile(r"^(\d{1,2})\.(\d{4})$")  # 06.2024, the same convention
_SLASHED = re.compile(r"^(\d{1,2})([/-])(\d{1,2})\2(\d{4})$")  # 03/06/2024: D/M or M/D
_ROMAN_DATE = re.compile(r"^(\d{1,2})(?:\.\s*|\s+)([ivx]{1,4})(?:\.\s*|\s+)(\d{4})$")  # 22.XI.2013
# The word "year" after a numeric date: 22.11.2013 г., 22.11.2013-cü il, 2013 року.
_NUMERIC_THEN_YEAR = re.compile(
    r"^([\d./-]*\d{4})\s*(?:-?\s*[cj][iıuü])?\s*"
    r"(?:г|год|года|году|р|рік|року|році|il|ili|ilin|ildə|ilde)?\.?$",
    re.IGNORECASE,
)
_TIMESTAMP = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}\.\d{1,2}\.\d{4})[T ]\d{1,2}:\d{2}")
# Footnote marks copied from PDFs and web pages: superscript digits anywhere (never part
# of a date), a trailing [3] or asterisks.
_SUPERSCRIPTS = str.maketrans("", "", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_NOTE_MARK = re.compile(r"\s*(?:\[\d{1,3}\]|\*+)$")
_STORED = re.compile(r"^(\d{4})-(\d{2})-(\d{2})\.([0-3])$")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# -- dates written in words ------------------------------------------------------
# Every form of each month name a list writes, by month (1-12): the name as such
# (nominative), "of the month" (genitive: 22 ноября), "in the month" (в ноябре, у
# листопаді) and the usual abbreviations (their dot is dropped with the punctuation).
_ENGLISH: tuple[str, ...] = (
    "january jan",
    "february feb",
    "march mar",
    "april apr",
    "may",
    "june jun",
    "july jul",
    "august aug",
    "september sep sept",
    "october oct",
    "november nov",
    "december dec",
)
_RUSSIAN: tuple[str, ...] = (
    "январь января январе янв",
    "февраль февраля феврале фев февр",
    "март марта марте мар",
    "апрель апреля апреле апр",
    "май мая мае",
    "июнь июня июне июн",
    "июль июля июле июл",
    "август августа августе авг",
    "сентябрь сентября сентябре сен сент",
    "октябрь октября октябре окт",
    "ноябрь ноября ноябре ноя нояб",
    "декабрь декабря декабре дек",
)
_UKRAINIAN: tuple[str, ...] = (
    "січень січня січні січ",
    "лютий лютого лютому лют",
    "березень березня березні бер",
    "квітень квітня квітні квіт",
    "травень травня травні трав",
    "червень червня червні черв",
    "липень липня липні лип",
    "серпень серпня серпні серп",
    "вересень вересня вересні вер",
    "жовтень жовтня жовтні жовт",
    "листопад листопада листопаді лист",
    "грудень грудня грудні груд",
)
# Azerbaijani month names have no letters outside ASCII; their endings do: noyabrın
# ("of November", noyabrın 22-si), noyabrda ("in November"). Written without the
# Azerbaijani letters too (noyabrin, aprelde); avgust is the Russian-style spelling.
_AZERBAIJANI: tuple[str, ...] = (
    "yanvar",
    "fevral",
    "mart",
    "aprel",
    "may",
    "iyun",
    "iyul",
    "avqust avgust",
    "sentyabr",
    "oktyabr",
    "noyabr",
    "dekabr",
)
_AZ_ENDINGS = ("", "da", "də", "de", *(v + e for v in "ıiuü" for e in ("n", "nda", "ndə", "nde")))
_MONTHS: dict[str, int] = {}
for _names in (_ENGLISH, _RUSSIAN, _UKRAINIAN):
    for _number, _line in enumerate(_names, 1):
        _MONTHS.update(dict.fromkeys(_line.split(), _number))
for _number, _line in enumerate(_AZERBAIJANI, 1):
    for _stem in _line.split():
        _MONTHS.update(dict.fromkeys((_stem + e for e in _AZ_ENDINGS), _number))
_ROMAN = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii")
_ROMAN_MONTHS = {r: n for n, r in enumerate(_ROMAN, 1)}
# After a day: 23rd, 22-го, noyabrın 22-si, 1-i, 22-ci.
_DAY_ENDINGS = _words("st nd rd th го е ое ого si sı su sü i ı u ü ci cı cu cü")
# After a year: 2013-cü (il), then the word "year": г., года, р., року, il, ilin.
_YEAR_ENDINGS = _words("ci cı cu cü ji ju")
_YEAR_WORDS = _words("г год года году р рік року році il ili ilin ildə ilde")
# Words that may open a date: "in March 2020", "on the 1st of March", "в ноябре 2013".
_OPENERS = _words("in on the в во у")
_IN = _words("in в во у")  # enough to make "in 2013" a (year) date
# The orders a written date takes (D day, M month in words, Y year): 22 November 2013,
# November 22 2013, 2013 November 22, 2013-cü il 22 noyabr, November 2013, 2013 ноябрь.
_ORDERS = frozenset({"DMY", "MDY", "YMD", "YDM", "MY", "YM"})
# Numbers, words; the punctuation a written date uses (space , . - and dashes) only
# separates; any other character is a token of its own that matches nothing.
_TOKEN = re.compile(r"\d+|[^\W\d_]+|[^\s,.\-\u2010-\u2015]")


def _written(text: str) -> tuple[int, int | None, int | None] | None:
    """Year, month, day of a date written with the month in words, or None.

    A year is four digits. When a month word is there, a year with one or two digits
    glued on at the very end (``22 November 20131``: a footnote copied from a PDF) is
    the year and a footnote, since no reading makes five digits a year or the glued
    digits a day; so is one or two digits closing the date after ``г.``/``il``
    (``2013 г.1``). Without a month word nothing is split.
    """
    # Azerbaijani İ (İyun) lowers to i and a combining dot above
    tokens = _TOKEN.findall(text.lower().replace("i\u0307", "i"))
    count = len(tokens)
    i = 0
    opened = False
    while i < count and tokens[i] in _OPENERS:
        opened = opened or tokens[i] in _IN
        i += 1
    kinds: list[str] = []
    values: list[int] = []
    marked = footnote = False
    while i < count:
        token = tokens[i]
        following = tokens[i + 1] if i + 1 < count else ""
        if token[0].isdigit():
            size = len(token)
            if size <= 2 and following in _DAY_ENDINGS:
                kinds.append("D")
                i += 2
            elif size == 4 and (following in _YEAR_ENDINGS or following in _YEAR_WORDS):
                kinds.append("Y")
                i += 1
                if tokens[i] in _YEAR_ENDINGS:
                    i += 1
                if i < count and tokens[i] in _YEAR_WORDS:
                    i += 1
                marked = True
                if i == count - 1 and tokens[i].isdigit() and len(tokens[i]) <= 2:
                    footnote = True  # 2013 г.1
                    i += 1
            elif size <= 2:
                kinds.append("D")
                i += 1
            elif size == 4:
                kinds.append("Y")
                i += 1
            elif size in (5, 6) and i == count - 1 and token[0] != "0":
                kinds.append("Y")  # 20131: the year, then a footnote
                footnote = True
                token = token[:4]
                i += 1
            else:
                return None
            values.append(int(token))
        elif token in _MONTHS:
            kinds.append("M")
            values.append(_MONTHS[token])
            i += 1
        elif token == "of" and kinds and kinds[-1] == "D":  # 1st of March
            i += 1
        else:
            return None
    order = "".join(kinds)
    if order == "Y" and (marked or opened) and not footnote:  # 2013 г., in 2013
        return values[0], None, None
    if order not in _ORDERS:
        return None
    found = dict(zip(order, values, strict=True))
    return found["Y"], found["M"], found.get("D")


@dataclass(frozen=True, order=False)
class PartialDate:
    """A date known to the year, month or day, with a qualifier."""

    year: int
    month: int | None = None
    day: int | None = None
    qualifier: Qualifier = Qualifier.EXACT

    def __post_init__(self) -> None:
        if self.day is not None and self.month is None:
            raise InputError(
                _("date %(year)s-??-%(day)s: a day needs a month")
                % {"year": self.year, "day": self.day}
            )
        try:
            # month 0 or day 0 is not "unknown" (that is None): it is an error
            dt.date(
                self.year,
                1 if self.month is None else self.month,
                1 if self.day is None else self.day,
            )
        except (TypeError, ValueError) as exc:
            raise InputError(
                # Translators: %(error)s is Python's own reason (in English), e.g. "day is
                # out of range for month".
                _("date %(date)r: %(error)s") % {"date": self._iso(), "error": exc}
            ) from None

    # -- reading -----------------------------------------------------------
    @classmethod
    def parse(cls, value: object, field: str = "date") -> PartialDate | None:
        """Read ``2024``, ``2024-06``, ``2024-06-03``, ``03.06.2024``, ``06.2024``,
        a date written in words (``22 November 2013``, ``22 ноября 2013 г.``, ``листопад
        2013``, ``22 noyabr 2013-cü il``), a date, or the stored text, optionally
        prefixed "before", "after", "c." / "~" (approximate) or their Russian,
        Ukrainian and Azerbaijani words, or suffixed ``~`` / ``?`` (EDTF). Footnote
        marks are dropped. Empty → None."""
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
                raise _prefixed(exc, field) from None
        # no-break and repeated spaces (web pages, PDFs) are one space
        text = " ".join(_NOTE_MARK.sub("", text.translate(_SUPERSCRIPTS)).split())
        qualifier = Qualifier.EXACT
        word = _QUALIFIED.match(text.lower())
        if word:
            qualifier, text = _WORD_QUALIFIER[word.group()], text[word.end() :].strip()
        if text.endswith(("~", "?")):
            # "2024~" is approximate; "before 2024?" stays "before" (the bound it gives)
            text = text[:-1].strip()
            if qualifier is Qualifier.EXACT:
                qualifier = Qualifier.APPROXIMATE
        try:
            y, m, d = _read(text, value)
            return cls(y, m, d, qualifier)
        except InputError as exc:
            raise _prefixed(exc, field) from None

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

    def local(self) -> str:
        """:meth:`human` in the reader's language: ``3 June 2024``, ``3 червня 2024``,
        ``c. 2024``, ``before June 2024`` (:meth:`human` stays English: stored texts)."""
        if self.day is not None:
            text = i18n.long_date(dt.date(self.year, self.month or 1, self.day))
        elif self.month is not None:
            text = i18n.month_year(dt.date(self.year, self.month, 1))
        else:
            text = str(self.year)
        if self.qualifier is Qualifier.BEFORE:
            return _("before %(date)s") % {"date": text}
        if self.qualifier is Qualifier.APPROXIMATE:
            # Translators: an approximate date, "c. 2024" (circa).
            return _("c. %(date)s") % {"date": text}
        if self.qualifier is Qualifier.AFTER:
            return _("after %(date)s") % {"date": text}
        return text


def _read(text: str, value: object) -> tuple[int, int | None, int | None]:
    """Year, month (or None), day (or None) of ``text``, the unqualified part of
    ``value``; InputError when it is no date."""
    if text and not text[-1].isdigit():
        numeric = _NUMERIC_THEN_YEAR.match(text)
        if numeric:
            text = numeric.group(1)
    timestamp = _TIMESTAMP.match(text)
    if timestamp:  # "2024-06-03 10:00", "2024-06-03T10:00:00Z", "03.06.2024 10:00"
        text = timestamp.group(1)
    match = _DATE.match(text)
    if match:
        y, m, d = match.groups()
        return int(y), int(m) if m else None, int(d) if d else None
    match = _DOTTED.match(text)
    if match:
        d, m, y = match.groups()
        return int(y), int(m), int(d)
    match = _MONTH_DOTTED.match(text)
    if match:
        m, y = match.groups()
        return int(y), int(m), None
    match = _SLASHED.match(text)
    if match:
        return _day_or_month_first(match[1], match[3], match[4], value)
    match = _ROMAN_DATE.match(text.lower())
    if match and match.group(2) in _ROMAN_MONTHS:
        d, roman, y = match.groups()
        return int(y), _ROMAN_MONTHS[roman], int(d)
    written = _written(text)
    if written is None:
        raise _Explaining(
            _(
                "expected a date such as 2024-06-03, 3 June 2024, 2024-06, June 2024, 2024, "
                "'c. 2024' or 'before 2024-06', got %(value)r"
            )
            % {"value": value}
        )
    return written


def _day_or_month_first(first: str, second: str, year: str, value: object) -> tuple[int, int, int]:
    """03/04/2024 is 3 April in Europe and 4 March in the United States: read it only
    when one number cannot be a month (13/04/2024) or both readings agree (04/04)."""
    a, b, y = int(first), int(second), int(year)
    if not a or not b:
        raise InputError(
            _("%(value)r is no date: 0 is neither a day nor a month") % {"value": value}
        )
    if a == b or b > 12 >= a:
        return y, a, b
    if a > 12 >= b:
        return y, b, a
    if a > 12:
        raise InputError(_("neither number of %(value)r is a month (1-12)") % {"value": value})
    try:
        one, other = i18n.day_month(dt.date(y, b, a)), i18n.long_date(dt.date(y, a, b))
    except ValueError:  # year 0: no calendar date
        one, other = f"{a} {calendar.month_name[b]}", f"{b} {calendar.month_name[a]} {y}"
    raise _Explaining(
        # Translators: %(one)s is a day and month ("3 April"), %(other)s a full date
        # ("4 March 2024"), %(year)d its year; keep "-MM-DD" (a format to type).
        _(
            "the order of day and month in %(value)r is ambiguous, %(one)s or %(other)s; "
            "write %(year)d-MM-DD or the month in words"
        )
        % {"value": value, "one": one, "other": other, "year": y}
    )


class _Explaining(InputError):
    """An unreadable date whose message already says what was expected (an importer
    shows it as it is, in any language)."""

    explains = True


def _prefixed(exc: InputError, field: str) -> InputError:
    """``exc`` with the field's name before it, still explaining if it did."""
    kind = _Explaining if isinstance(exc, _Explaining) else InputError
    return kind(f"{field}: {exc}")


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
