"""Vigil in the languages of its users: the one place that knows the reader's language.

Four languages: English (the source strings), Azerbaijani, Ukrainian and Russian. The
translations are gettext catalogues in ``vigil/locale/<lang>/LC_MESSAGES/`` (domain
``django`` for templates and Python, ``djangojs`` for the site's scripts), read by
Django on the web and by the same functions here everywhere else (the CLI, the brief,
the charts), so one string is translated once.

Which language is active:

* on the web, the language Django activated for the request (the address's prefix,
  else the ``vigil_lang`` cookie, else ``Accept-Language``: ``vigil.web.middleware``);
* in the CLI, ``--lang``, else the locale (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``,
  ``LANG``), else English (:func:`from_environment`);
* in code, ``with override("uk"): …``.

Strings are marked with the usual names so ``makemessages`` finds them::

    from vigil.i18n import gettext as _, ngettext, pgettext, gettext_lazy

    _("Occupied area")
    ngettext("%(n)d settlement", "%(n)d settlements", n) % {"n": n}

Formats follow CLDR (Babel): :func:`number` ``196,3`` in uk/ru/az, ``196.3`` in en;
:func:`km2` ``196,3 км²``; :func:`long_date` ``2 грудня 2026``, ``2 dekabr 2026``,
``2 December 2026``. Output meant for machines (CSV, JSON, ISO dates) never goes
through them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gettext as _gettext
import math
import os
import sys
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path

LANGUAGES: dict[str, str] = {
    "en": "English",
    "az": "Azərbaycanca",
    "uk": "Українська",
    "ru": "Русский",
}
DEFAULT = "en"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
# Writing system of each language: a person's name in this script is shown first.
SCRIPTS: dict[str, str] = {"en": "Latn", "az": "Latn", "uk": "Cyrl", "ru": "Cyrl"}

_active: ContextVar[str | None] = ContextVar("vigil_language", default=None)


def normalise(code: str | None) -> str | None:
    """``uk_UA.UTF-8`` → ``uk``, ``az-Latn-AZ`` → ``az``, ``en-GB`` → ``en``; None for a
    language Vigil is not translated into (``C``, ``POSIX``, ``de``)."""
    if not code:
        return None
    base = code.strip().split(".")[0].split("@")[0].replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else None


def from_environment(environ: dict[str, str] | None = None) -> str:
    """The language the locale asks for, as gettext reads it: ``LANGUAGE`` (a colon list,
    first translated one wins), then ``LC_ALL``, ``LC_MESSAGES``, ``LANG``; English when
    none names a language Vigil has."""
    env = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if not value:
            continue
        for part in value.split(":"):
            lang = normalise(part)
            if lang:
                return lang
        if name != "LANGUAGE":
            return DEFAULT  # a set LC_ALL/LANG that is not ours (C.UTF-8) means English
    return DEFAULT


def active() -> str:
    """The active language: set here (CLI, :func:`override`), else Django's (web)."""
    lang = _active.get()
    if lang:
        return lang
    django_lang = _django_language()
    return normalise(django_lang) or DEFAULT


def activate(lang: str) -> None:
    """Make ``lang`` the language of this thread of work (and Django's, when set up)."""
    code = normalise(lang)
    if code is None:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    _active.set(code)
    _django_activate(code)


def _django_ready() -> bool:
    """Whether Django is loaded and set up (never imported here just to ask: the
    territory commands start without it)."""
    if "django.conf" not in sys.modules:
        return False
    from django.conf import settings

    return bool(settings.configured)


def _django_activate(code: str) -> None:
    if _django_ready():
        from django.utils import translation

        translation.activate(code)


@contextlib.contextmanager
def override(lang: str | None) -> Iterator[str]:
    """``with override("uk"):`` everything inside speaks Ukrainian (None: no change)."""
    if lang is None:
        yield active()
        return
    code = normalise(lang)
    if code is None:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    token = _active.set(code)
    django_before = _django_language()
    _django_activate(code)
    try:
        yield code
    finally:
        _active.reset(token)
        if django_before is not None:
            _django_activate(django_before)


def _django_language() -> str | None:
    if _django_ready():
        from django.utils import translation

        return translation.get_language()
    return None


@functools.cache
def catalogue(lang: str) -> _gettext.NullTranslations:
    """The compiled catalogue of ``lang`` (English and a missing file: the source text)."""
    return _gettext.translation("django", LOCALE_DIR, languages=[lang], fallback=True)


def gettext(message: str) -> str:
    return catalogue(active()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form for ``n`` by the language's plural rule (uk: 1 пункт, 2 пункти, 5 пунктів)."""
    return catalogue(active()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return catalogue(active()).pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return catalogue(active()).npgettext(context, singular, plural, n)


class LazyText:
    """A message translated each time it is shown, for strings made at import time
    before the language is known (labels, titles). Django's own lazy strings are used
    instead once Django is loaded (forms and models need them); this one keeps the
    commands that never load Django (the territory CLI) from loading it."""

    __slots__ = ("_args", "_func")

    def __init__(self, func: object, *args: str) -> None:
        self._func = func
        self._args = args

    def __str__(self) -> str:
        return self._func(*self._args)  # type: ignore[operator]

    def __repr__(self) -> str:
        return repr(str(self))

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __mod__(self, other: object) -> str:
        return str(self) % other

    def __add__(self, other: str) -> str:
        return str(self) + other

    def __radd__(self, other: str) -> str:
        return other + str(self)

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))

    def __len__(self) -> int:
        return len(str(self))

    def __getattr__(self, name: str) -> object:
        return getattr(str(self), name)


def _lazy(func, *args: str):  # type: ignore[no-untyped-def]
    if "django.utils.functional" in sys.modules or "django.conf" in sys.modules:
        from django.utils.functional import lazy

        return lazy(func, str)(*args)
    return LazyText(func, *args)


def gettext_lazy(message: str) -> str:
    """``message`` translated when shown, in the language active then."""
    return _lazy(gettext, message)


def pgettext_lazy(context: str, message: str) -> str:
    return _lazy(pgettext, context, message)


_ = gettext


# --------------------------------------------------------------------------- formats


def _locale(lang: str | None = None) -> str:
    return {"en": "en_GB"}.get(lang or active(), lang or active())


def number(x: float | None, digits: int = 1, *, signed: bool = False) -> str:
    """``1,234.5`` (en), ``1 234,5`` (uk, ru), ``1.234,5`` (az); ``+12.0`` with
    ``signed`` (zero unsigned); ``n/a`` (translated) for None or NaN."""
    from babel.numbers import format_decimal

    if x is None or (isinstance(x, float) and math.isnan(x)):
        return gettext("n/a")
    v = round(float(x), digits) + 0.0
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    if signed and v != 0:
        pattern = "+" + pattern + ";-" + pattern
    return format_decimal(v, format=pattern, locale=_locale())


def integer(n: int) -> str:
    """A count with the language's grouping: ``12,345`` / ``12 345`` / ``12.345``."""
    from babel.numbers import format_decimal

    return format_decimal(int(n), format="#,##0", locale=_locale())


def km2(x: float | None, digits: int = 1, *, signed: bool = False) -> str:
    """``196.3 km²``, ``196,3 км²``, ``196,3 km²``."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return gettext("n/a")
    return f"{number(x, digits, signed=signed)}\u00a0{pgettext('unit', 'km²')}"


def km(x: float | None, digits: int = 1) -> str:
    """``5.2 km``, ``5,2 км``."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return gettext("n/a")
    return f"{number(x, digits)}\u00a0{pgettext('unit', 'km')}"


def _as_date(d: object) -> dt.date | None:
    if d is None:
        return None
    if isinstance(d, dt.datetime):
        return d.date()
    if isinstance(d, dt.date):
        return d
    if hasattr(d, "date") and callable(d.date):  # pandas Timestamp
        try:
            return d.date()
        except ValueError:
            return None
    try:
        return dt.date.fromisoformat(str(d)[:10])
    except ValueError:
        return None


def long_date(d: object) -> str:
    """``2 December 2026``, ``2 грудня 2026``, ``2 декабря 2026``, ``2 dekabr 2026``."""
    from babel.dates import format_date

    day = _as_date(d)
    if day is None:
        return gettext("n/a")
    return format_date(day, "d MMMM y", locale=_locale())


def day_month(d: object) -> str:
    """``2 December``, ``2 грудня``: a date whose year is said elsewhere."""
    from babel.dates import format_date

    day = _as_date(d)
    if day is None:
        return gettext("n/a")
    return format_date(day, "d MMMM", locale=_locale())


def month_year(d: object) -> str:
    """``December 2026``, ``грудень 2026``, ``dekabr 2026`` (the month on its own)."""
    from babel.dates import format_date

    day = _as_date(d)
    if day is None:
        return gettext("n/a")
    return format_date(day, "LLLL y", locale=_locale())


def long_datetime(d: dt.datetime | None) -> str:
    """``2 December 2026, 14:05`` in the language's order and words."""
    if d is None:
        return gettext("n/a")
    return f"{long_date(d)}, {d:%H:%M}"


def day_span(first: object, last: object) -> str:
    """Days ``first`` to ``last`` for readers, the shared parts said once:
    ``24–30 August 2026``, ``24–30 серпня 2026``, ``28 September – 4 October 2026``."""
    a, b = _as_date(first), _as_date(last)
    if a is None or b is None:
        return gettext("n/a")
    if a == b:
        return long_date(a)
    if a.year != b.year:
        return f"{long_date(a)} – {long_date(b)}"
    if a.month != b.month:
        return f"{day_month(a)} – {long_date(b)}"
    return f"{a.day}–{long_date(b)}"


# --------------------------------------------------------------------------- scripts

_SCRIPT_WORDS = {
    "LATIN": "Latn",
    "CYRILLIC": "Cyrl",
    "ARABIC": "Arab",
    "HEBREW": "Hebr",
    "CJK": "Hani",
    "GREEK": "Grek",
    "GEORGIAN": "Geor",
    "ARMENIAN": "Armn",
    "HANGUL": "Hang",
    "HIRAGANA": "Jpan",
    "KATAKANA": "Jpan",
}


def script_of(text: str, tag: str = "") -> str | None:
    """The writing system of a name (ISO 15924): the script subtag of its language tag
    (``az-Latn``, ``ru-Cyrl``), else the script most of its letters are in; None for a
    name without letters."""
    for part in tag.replace("_", "-").split("-")[1:]:
        if len(part) == 4 and part.isalpha():
            return part.title()
    import unicodedata
    from collections import Counter

    counts: Counter[str] = Counter()
    for ch in text:
        if ch.isalpha():
            word = unicodedata.name(ch, "").split(" ")[0]
            counts[_SCRIPT_WORDS.get(word, word.title())] += 1
    return counts.most_common(1)[0][0] if counts else None


def reader_script(lang: str | None = None) -> str:
    """The script the reader of ``lang`` (default: the active language) reads in."""
    return SCRIPTS.get(lang or active(), "Latn")
