"""Quantities in a sentence: numbers with their unit, hedge and precision.

:func:`find_quantities` reads English, Russian, Ukrainian and Azerbaijani text without
a language model: regular expressions find the numbers, units and hedges, and
:mod:`number_parser` gives the value of numbers written in words (en/ru/uk; a small
grammar of our own for Azerbaijani, which number_parser does not support).
:func:`detect_lang` guesses the language by script and characteristic letters; it lives
here because both this module and :mod:`vigil.claims.periods` need it.

What is read as a quantity (decisions the callers rely on):

- **A number needs a unit.** A number is returned only when a unit follows it: an area
  (km², sq km, square miles, hectares, кв. км, квадратних кілометрів, kv. km …), a
  percent, or a counted noun (people, activists, prisoners, names, villages,
  settlements, человек, политзаключённых, осіб, nəfər, siyasi məhbus …; ``Unit.COUNT``,
  the caller reads the noun from the end of the span). Up to two words may stand
  between a number and its counted noun when they are an acronym ("50 AXCP
  activists") or one of a few adjectives ("300 political activists"). So a year
  ("2024"), a day ("24 February"), a model ("Su-25"), an ordinal ("21st", "21-го") or a
  lone figure ("Article 318") is never a quantity.
- **Digits**: groups of three separated by spaces (also NBSP, narrow NBSP, thin
  space), by commas in English ("3,200") and by dots in ru/uk/az ("3.200"); the decimal
  mark is the dot in English and the comma in ru/uk/az ("1,5"), a lone dot followed by
  other than three digits being read as decimal in every language ("1.5"). A four-digit
  number that looks like a year (1900–2100, no separator) is a quantity only when its
  unit follows it directly and no "in/since/в/у/з/…" precedes it.
- **Scale words** multiply value and step: thousand, million, тыс., тысяч, млн, тис.,
  тисяч, мільйонів, min, milyon, mln.
- **Step** (model.Quantity): the place value of the last significant digit as written:
  a decimal's last digit ("1.5" → 0.1, "1.50" → 0.01), else the trailing zeros of the
  integer ("200" → 100, "196" → 1, "3,200" → 100, "0" → 1), times the scale word
  ("1.5 thousand" → 100, "5 thousand" → 1000). Numbers in words follow the same rule
  on their value ("two hundred fifty" → 10).
- **Hedges** before the number ("about", "more than", "не менее", "понад", "ən azı" …)
  or after it or its unit ("or more", "+", "с лишним", "з гаком", Azerbaijani case
  suffixes "-dən çox", "-dən az", "-ə qədər", "-ə yaxın"). ``hedge_span`` covers the
  hedge words. Russian/Ukrainian "до" is "up to" except in a pair (below).
- **Pairs.** "150–200 km²" and "between 150 and 200 km²" / "от 150 до 200" / "між 150 і
  200" are a *range*: two quantities, the low one with ``Hedge.AT_LEAST`` and the high one
  with ``Hedge.UP_TO``, both with the unit written after the second (the first also takes
  its scale word: "1,5–2 тыс. км²" → 1500 and 2000), ``hedge_span`` the joining words.
  "from 303 to 392 names" / "с 303 до 392" / "з 303 до 392" / "від 303 до 392" /
  "303-dən 392-yə" are a *change or a range* — the caller decides — so both are returned
  ``Hedge.EXACT`` (no "up to" read into "до") with the unit of the second.
- Areas carry ``km2``: km² as is, square miles × 2.589988110336, hectares × 0.01.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import import_module

from number_parser import parse_number  # type: ignore[import-untyped]

from vigil.claims.model import Hedge, Lang, Quantity, Span, Unit

KM2_PER_MI2 = 2.589988110336  # the international mile is exactly 1.609344 km
KM2_PER_HA = 0.01

# Apostrophes folded to one (U+02BC, a letter for \w) in a copy of the text: one character
# for one, so offsets into the copy are offsets into the original.
_APOSTROPHES = str.maketrans({"'": "ʼ", "’": "ʼ", "`": "ʼ"})


def fold_apostrophes(text: str) -> str:
    """``text`` with ' ’ ` as ʼ (str.replace: ten times faster than str.translate)."""
    return text.replace("'", "ʼ").replace("’", "ʼ").replace("`", "ʼ")


_SPACES = " \u00a0\u202f\u2009"
_AZ_LETTERS = "a-zA-ZəƏğĞıIİöÖüÜşŞçÇ"

# ---------------------------------------------------------------------------------------
# Language


# Words that tell Ukrainian from Russian when neither's letters occur ("За тиждень
# окупанти просунулися на 196 км²").
_UK_WORDS = re.compile(
    r"\b(?:що|та|від|тиждень|тижня|тижні|року|році|понад|близько|майже|осіб|окупант\w*|"
    r"\w+лися|щонайменше|захопил\w*)\b"
)
_RU_WORDS = re.compile(
    r"\b(?:что|это|от|неделю|недели|года|году|более|около|почти|человек|оккупант\w*|"
    r"\w+лись|заняли|захватил\w*)\b"
)


def detect_lang(text: str) -> Lang:
    """The language of ``text`` by its script and characteristic letters and words.

    Cyrillic text is Ukrainian when it has more Ukrainian marks (the letters і, ї, є, ґ;
    words such as "що", "тиждень", "понад", verbs in "-лися") than Russian ones (ё, ы,
    э, ъ; "что", "неделю", "более", verbs in "-лись"); otherwise Russian. Latin text is
    Azerbaijani when it has ə, ğ, ı or ş, or common Azerbaijani words; otherwise English.
    """
    cyr = sum(1 for c in text if "\u0400" <= c <= "\u04ff")
    lat = sum(1 for c in text if c.isascii() and c.isalpha())
    low = text.lower()
    if cyr > lat:
        uk = sum(low.count(c) for c in "іїєґ") + 2 * len(_UK_WORDS.findall(low))
        ru = sum(low.count(c) for c in "ёыэъ") + 2 * len(_RU_WORDS.findall(low))
        return Lang.UK if uk > ru else Lang.RU
    az_marks = sum(low.count(c) for c in "əğış")
    az_words = len(re.findall(r"\b(?:və|ilə|bu|üçün|ayında|həftə|ildə|nəfər)\b", low))
    return Lang.AZ if az_marks + 2 * az_words >= 2 else Lang.EN


# ---------------------------------------------------------------------------------------
# Month names: shared with vigil.claims.periods (dates are not quantities).

# Azerbaijani case endings of a month name ("oktyabrda", "oktyabrdan", "dekabra",
# "dekabrın", "dekabradək"); a closed list, so that "mart" does not take "Martin".
_AZ_MONTH_SUFFIX = r"(?:d[aə]n|d[aə]k|d[aə]|[ıiuü]n(?:d[aə]n?)?|[aə]d[aə]k|[aə]|[ıiuü])?"

#: Azerbaijani month names (their stems: the endings vary, "noyabrın", "noyabrda").
AZ_MONTHS = (
    "yanvar",
    "fevral",
    "mart",
    "aprel",
    "may",
    "iyun",
    "iyul",
    "avqust",
    "sentyabr",
    "oktyabr",
    "noyabr",
    "dekabr",
)
#: (pattern, month) for each language; the patterns take the inflected forms
#: (ru "декабря", "декабре"; uk "грудня", "грудні"; az "dekabrda", "dekabrın").
MONTH_PATTERNS: dict[Lang, tuple[tuple[str, int], ...]] = {
    Lang.EN: (
        (r"jan(?:uary|\.)?", 1),
        (r"feb(?:ruary|\.)?", 2),
        (r"mar(?:ch|\.)?", 3),
        (r"apr(?:il|\.)?", 4),
        (r"may", 5),
        (r"june?", 6),
        (r"july?", 7),
        (r"aug(?:ust|\.)?", 8),
        (r"sep(?:tember|t\.?|\.)?", 9),
        (r"oct(?:ober|\.)?", 10),
        (r"nov(?:ember|\.)?", 11),
        (r"dec(?:ember|\.)?", 12),
    ),
    Lang.RU: (
        (r"январ[ьяеюё]\w*", 1),
        (r"феврал[ьяеюё]\w*", 2),
        (r"март\w*", 3),
        (r"апрел[ьяеюё]\w*", 4),
        (r"ма[йяею](?!\w)|маем", 5),
        (r"июн[ьяеюё]\w*", 6),
        (r"июл[ьяеюё]\w*", 7),
        (r"август\w*", 8),
        (r"сентябр[ьяеюё]\w*", 9),
        (r"октябр[ьяеюё]\w*", 10),
        (r"ноябр[ьяеюё]\w*", 11),
        (r"декабр[ьяеюё]\w*", 12),
    ),
    Lang.UK: (
        (r"січ(?:ень|ня|ні|нем)", 1),
        (r"лют(?:ий|ого|ому|им)", 2),
        (r"берез(?:ень|ня|ні|нем)", 3),
        (r"квіт(?:ень|ня|ні|нем)", 4),
        (r"трав(?:ень|ня|ні|нем)", 5),
        (r"черв(?:ень|ня|ні|нем)", 6),
        (r"лип(?:ень|ня|ні|нем)", 7),
        (r"серп(?:ень|ня|ні|нем)", 8),
        (r"верес(?:ень|ня|ні|нем)", 9),
        (r"жовт(?:ень|ня|ні|нем)", 10),
        (r"листопад\w*", 11),
        (r"груд(?:ень|ня|ні|нем)", 12),
    ),
    Lang.AZ: tuple(
        (stem + _AZ_MONTH_SUFFIX, m)
        for m, stem in enumerate(
            AZ_MONTHS,
            start=1,
        )
    ),
}

#: Any month name in any of the four languages (one group per month is not kept).
ANY_MONTH = "|".join(p for pats in MONTH_PATTERNS.values() for p, _ in pats)


@functools.cache
def month_regex(lang: Lang) -> re.Pattern[str]:
    """A month name of ``lang`` (English also accepted in every language), one named
    group ``m1`` … ``m12`` per month."""
    pats = list(MONTH_PATTERNS[lang])
    if lang is not Lang.EN:
        pats += list(MONTH_PATTERNS[Lang.EN])
    groups: dict[int, list[str]] = {}
    for p, m in pats:
        groups.setdefault(m, []).append(p)
    alts = "|".join(f"(?P<m{m}>{'|'.join(ps)})" for m, ps in groups.items())
    return re.compile(rf"(?<!\w)(?:{alts})(?!\w)", re.IGNORECASE)


def month_of(match: re.Match[str]) -> int:
    """The month (1–12) a :func:`month_regex` match names."""
    for m in range(1, 13):
        if match.group(f"m{m}"):
            return m
    raise ValueError("no month in match")  # pragma: no cover - every branch is a month


# ---------------------------------------------------------------------------------------
# Numbers in words


# number_parser lacks some Ukrainian inflected forms (genitive/locative).
_UK_EXTRA = {
    "десяти": 10,
    "двадцяти": 20,
    "тридцяти": 30,
    "сорока": 40,
    "пʼятдесяти": 50,
    "шістдесяти": 60,
    "сімдесяти": 70,
    "вісімдесяти": 80,
    "девʼяноста": 90,
    "ста": 100,
    "двохсот": 200,
    "двохстах": 200,
    "трьохсот": 300,
    "трьохстах": 300,
    "чотирьохсот": 400,
    "пʼятисот": 500,
    "шестисот": 600,
    "семисот": 700,
    "восьмисот": 800,
    "девʼятисот": 900,
    "тисячу": 1000,
    "тисячами": 1000,
    "тисячах": 1000,
}

# Azerbaijani numerals (number_parser's az table is unused by its parser and misspells
# 60 and 80).
_AZ_WORDS = {
    "sıfır": 0,
    "bir": 1,
    "iki": 2,
    "üç": 3,
    "dörd": 4,
    "beş": 5,
    "altı": 6,
    "yeddi": 7,
    "səkkiz": 8,
    "doqquz": 9,
    "on": 10,
    "iyirmi": 20,
    "otuz": 30,
    "qırx": 40,
    "əlli": 50,
    "altmış": 60,
    "yetmiş": 70,
    "səksən": 80,
    "doxsan": 90,
    "yüz": 100,
    "min": 1000,
    "milyon": 1_000_000,
    "milyard": 1_000_000_000,
}

# Words that stand alone for a vague plural ("тысячи человек": thousands of people), not
# for a number; a run made of one of these alone is not read.
_VAGUE_ALONE = {"тысячи", "тысяч", "тисячі", "тисяч", "миллионы", "мільйони"}
# English words too ambiguous to start a run ("one of the villages").
_EN_SKIP = {"and", "-"}


@functools.cache
def _vocab(lang: Lang) -> dict[str, int]:
    """Number words of ``lang`` (lower case, apostrophes as U+02BC) → value."""
    if lang is Lang.AZ:
        return dict(_AZ_WORDS)
    info = import_module(f"number_parser.data.{lang.value}").info
    out: dict[str, int] = {}
    for key in ("UNIT_NUMBERS", "DIRECT_NUMBERS", "TENS", "HUNDREDS", "BIG_POWERS_OF_TEN"):
        for word, value in info[key].items():
            if value <= 1_000_000_000:  # nobody writes septillions in a war report
                out[word.lower().translate(_APOSTROPHES)] = int(value)
    if lang is Lang.UK:
        out.update(_UK_EXTRA)
    if lang is Lang.RU:
        out.update({"тыщ": 1000})
    return out


@functools.cache
def _word_number_regex(lang: Lang) -> re.Pattern[str]:
    words = sorted(_vocab(lang), key=len, reverse=True)
    word = "(?:" + "|".join(re.escape(w) for w in words) + ")"
    join = r"(?:\s+and\s+|\s*-\s*|\s+)" if lang is Lang.EN else r"\s+"
    return re.compile(rf"(?<![\w-]){word}(?:{join}{word})*(?![\w-])", re.IGNORECASE)


def _build(values: list[int]) -> int:
    """The value of number words in order (short scale): "two hundred fifty thousand"."""
    total = group = 0
    for v in values:
        if v == 100:
            group = max(group, 1) * 100
        elif v >= 1000:
            total += max(group, 1) * v
            group = 0
        else:
            group += v
    return total + group


def words_value(run: str, lang: Lang) -> int | None:
    """The value of number words, or None (cached: number_parser rebuilds its tables on
    every call, about 4 ms)."""
    if lang is Lang.AZ:  # Turkic casing: İ → i, I → ı ("İyirmi" → "iyirmi")
        run = run.replace("İ", "i").replace("I", "ı")
    return _words_value_lower(" ".join(run.lower().split()), lang)


@functools.lru_cache(maxsize=4096)
def _words_value_lower(run: str, lang: Lang) -> int | None:
    tokens = [t for t in re.split(r"\s+|-|\band\b", run) if t.strip()]
    tokens = [t for t in tokens if t not in _EN_SKIP]
    if not tokens:
        return None
    vocab = _vocab(lang)
    if lang is not Lang.AZ:
        # number_parser folds accents and wants the apostrophe it stores (U+02BC).
        value = parse_number(" ".join(tokens), language=lang.value)
        if value is not None:
            return int(value)
    if any(t not in vocab for t in tokens):
        return None
    return _build([vocab[t] for t in tokens])


# ---------------------------------------------------------------------------------------
# Digits, scales, units, hedges


_DIGITS = re.compile(
    rf"(?<![\w.,])(?<![^\W\d_]-)(?<!№)(?<!#)"
    rf"(?:\d{{1,3}}(?:[{_SPACES}.,]\d{{3}})+(?!\d)|\d+)(?:[.,]\d+)?(?![\w])"
)

_SCALES: tuple[tuple[str, int], ...] = (
    (r"thousand|тыс\.|тыс(?!\w)|тысяч[аиу]?|тыщ|тис\.|тис(?!\w)|тисяч[аіу]?|min", 1000),
    (r"million|mln\.?|млн\.?|миллион\w*|мільйон\w*|milyon", 1_000_000),
    (r"billion|bn|млрд\.?|миллиард\w*|мільярд\w*|milyard", 1_000_000_000),
)
#: The units after a scale word: "44 min 170" (one to three digits, not a decimal).
_REST_RE = re.compile(r"[ \u00a0]+(\d{1,3})(?![\d.,]\d|\w)")
_SCALE_RE = re.compile(
    r"[\s-]?(?:" + "|".join(f"(?P<s{i}>{p})" for i, (p, _) in enumerate(_SCALES)) + r")(?!\w)",
    re.IGNORECASE,
)

# Units: (pattern, unit). Tried in order; patterns end at a word end. Azerbaijani case
# suffixes after a unit are read by _AZ_AFTER, so az stems stop before them.
_UNITS: tuple[tuple[str, Unit], ...] = (
    (r"(?:sq\.?\s?|square[\s-]+)kilomet(?:re|er)s?|sq\.?\s?km|km\s?²|km\^?2(?!\d)|kmsq", Unit.KM2),
    # "квадратных километров", "кв. км", "кв. километра", "квадратних км", "км кв."
    (
        r"квадратн\w*\s+к[иі]лометр\w*|квадратн\w*\s+км(?!\w)|кв\.?\s?к[иі]лометр\w*|"
        r"кв\.?\s?км(?!\w)|км\s?²|км2(?!\d)|км\.?\s+кв(?:\.|(?!\w))",
        Unit.KM2,
    ),
    # "kvadrat kilometr" is also written as one word ("kvadratkilometr")
    (r"kvadrat\s?kilometr|kv\.?\s?km(?![a-z²])", Unit.KM2),
    (r"(?:sq\.?\s?|square[\s-]+)mi(?:les?)?|mi\s?²|mi2(?!\d)", Unit.MI2),
    (r"квадратн\w*\s+мил\w*|кв\.?\s?мил\w*", Unit.MI2),
    (r"hectares?|ha(?!\w)|гектар\w*|га(?!\w)|hektar", Unit.HA),
    (r"%|per\s?cent|percent|pct|процент\w*|відсот\w*|faiz", Unit.PERCENT),
    (
        r"people|persons?|individuals|activists?|(?:political\s+)?prisoners?|detainees|"
        r"journalists?|names|villages?|settlements?|towns?|hamlets?|members|civilians|"
        r"defendants|cases",
        Unit.COUNT,
    ),
    (
        r"человек|людей|лиц(?!\w)|активист\w*|политзаключ[её]нн\w*|политических\s+заключ[её]нн\w*|"
        r"заключ[её]нн\w*|узник\w*|им[её]н(?!\w)|фамилий|с[её]л(?!\w)|сел[оа](?!\w)|деревень|"
        r"населенн\w*\s+пункт\w*|населённ\w*\s+пункт\w*|пос[её]лк\w*|задержанн\w*|журналист\w*|"
        r"фигурант\w*",
        Unit.COUNT,
    ),
    (
        r"осіб|особи|людей|активіст\w*|політвʼязн\w*|політичних\s+вʼязн\w*|вʼязн\w*|імен(?!\w)|"
        r"прізвищ|сіл(?!\w)|сел[оа](?!\w)|населен\w*\s+пункт\w*|затриман\w*|журналіст\w*",
        Unit.COUNT,
    ),
    (
        r"nəfər|şəxs|insan|fəal|siyasi\s+məhbus|məhbus|kənd|yaşayış\s+məntəqəsi|"
        r"yaşayış\s+məntəqə|jurnalist",
        Unit.COUNT,
    ),
)
_UNIT_RE = re.compile(
    r"(?:" + "|".join(f"(?P<u{i}>{p})" for i, (p, _) in enumerate(_UNITS)) + r")",
    re.IGNORECASE,
)

# Words that may stand between a number and its counted noun.
_BETWEEN = re.compile(
    r"(?:[A-ZА-ЯЁІЇЄҐ]{2,6}|political|more|other|additional|further|new|opposition|civic|"
    r"Ukrainian|Russian|Azerbaijani|Crimean|Tatar|jailed|imprisoned|detained|"
    r"политических|других|новых|украинских|крымских|гражданских|"
    r"політичних|інших|нових|українських|кримських|siyasi|digər|yeni)(?!\w)\s+"
)

# Hedges before the number: phrase → hedge (matched at the end of the preceding text).
_BEFORE: dict[str, Hedge] = {}
for _hedge, _phrases in (
    (
        Hedge.ABOUT,
        "about|around|roughly|some|approximately|approx.|an estimated|an approximate|circa|"
        "ca.|~|≈|около|примерно|приблизительно|порядка|ориентировочно|где-то|"
        "близько|приблизно|орієнтовно|порядку|təxminən|təqribən|təxmini",
    ),
    (
        Hedge.MORE_THAN,
        "more than|over|above|in excess of|upwards of|just over|well over|greater than|"
        "более|больше|свыше|более чем|больше чем|чуть более|чуть больше|понад|більше|"
        "більше ніж|більш ніж|більш як|трохи більше|ледь більше",
    ),
    (
        Hedge.AT_LEAST,
        "at least|no fewer than|no less than|not less than|a minimum of|не менее|не меньше|"
        "как минимум|минимум|по меньшей мере|по крайней мере|щонайменше|принаймні|не менше|"
        "не менше ніж|як мінімум|мінімум|ən azı|azı",
    ),
    (
        Hedge.UP_TO,
        "up to|as many as|as much as|no more than|not more than|at most|до|не более|"
        "не больше|максимум|не більше|не більше ніж|не більш ніж|ən çoxu|ən çox",
    ),
    (
        Hedge.ALMOST,
        "almost|nearly|close to|approaching|почти|без малого|практически|майже|мало не|"
        "без малого|demək olar ki",
    ),
    (
        Hedge.LESS_THAN,
        "less than|under|fewer than|below|just under|менее|меньше|менее чем|меньше чем|"
        "чуть менее|чуть меньше|менше|менш ніж|менше ніж|менш як",
    ),
):
    for _p in _phrases.split("|"):
        _BEFORE[_p] = _hedge


def _phrase_pattern(phrase: str) -> str:
    return r"\s+".join(re.escape(w) for w in phrase.split())


_BEFORE_RE = re.compile(
    r"(?<![\w-])(?P<h>"
    + "|".join(_phrase_pattern(p) for p in sorted(_BEFORE, key=len, reverse=True))
    + r")\s*,?\s*$",  # "təxminən, 125 min": a comma may follow the hedge
    re.IGNORECASE,
)
#: "Control over", "контроль над": the preposition the noun takes, not a hedge.
_CONTROL_OVER = re.compile(r"\bcontrol\s+$", re.IGNORECASE)
#: A verb of change before "до"/"to": the figure is the level reached ("выросла до",
#: "зросла до", "увеличилась до"), so "до" is not the hedge "up to".
_LEVEL_TO = re.compile(
    r"(?:выросл\w*|вырос|увеличил\w*|сократил\w*|уменьшил\w*|достиг\w*|"
    r"зросл\w*|зріс|збільши\w*|скороти\w*|зменши\w*|сягну\w*|досяг\w*)"
    r"(?:\s+[^\W\d]+)?\s+$",
    re.IGNORECASE,
)

# Hedges right after the number or its unit.
_AFTER: tuple[tuple[str, Hedge], ...] = (
    (
        r"\s*\+|-?\s*plus(?!\w)|\s+с\s+лишним|\s+с\s+лишком|\s+с\s+небольшим|\s+з\s+гаком",
        Hedge.MORE_THAN,
    ),
    (r"\s+з\s+лишком|\s+з\s+лишнім", Hedge.MORE_THAN),
    (
        r"\s+or\s+more|\s+and\s+more|\s+и\s+более|\s+и\s+больше|\s+і\s+більше|\s+та\s+більше",
        Hedge.AT_LEAST,
    ),
    (r"\s+or\s+so", Hedge.ABOUT),
    # Azerbaijani case suffixes: "200-dən çox", "200 kv. km-dən çox", "kilometrdən artıq".
    (r"-?(?:n?d[əa]n|t[əa]n)\s+(?:çox|artıq)", Hedge.MORE_THAN),
    (r"-?(?:n?d[əa]n|t[əa]n)\s+az", Hedge.LESS_THAN),
    (r"-?(?:[yn]?[əa])\s+qədər", Hedge.UP_TO),
    (r"-?(?:[yn]?[əa])\s+yaxın", Hedge.ALMOST),
)
_AFTER_RE = re.compile(
    r"(?:" + "|".join(f"(?P<a{i}>{p})" for i, (p, _) in enumerate(_AFTER)) + r")(?!\w)",
    re.IGNORECASE,
)

# A year-like number preceded by one of these is a year, whatever follows it.
_YEAR_BEFORE = re.compile(
    r"(?<!\w)(?:in|since|of|by|until|year|в|во|с|со|у|з|із|від|до|году|року|il)\s*$", re.IGNORECASE
)
# Digits that are part of a date or a time: 28.10.2024, 2024-10-28, 12:30, 10/28/2024.
_NOT_QUANTITY = re.compile(
    r"\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}:\d{2}|\d{4}/\d{1,2}/\d{1,2}"
)
# Pair joiners: "150–200", "between 150 and 200", "от 150 до 200" (ranges);
# "from 303 to 392", "с 303 до 392" (change or range).
_RANGE_DASH = re.compile(r"\s*[–—-]\s*")
_RANGE_OPEN = re.compile(r"(?<!\w)(?:between|от|між|поміж)\s+$", re.IGNORECASE)
_RANGE_MID = re.compile(r"^\s*(?:and|и|і|й|та|до|to)\s+$", re.IGNORECASE)
_FROM_OPEN = re.compile(r"(?<!\w)(?:from|с|со|з|із|від|зі)\s+$", re.IGNORECASE)
_FROM_MID = re.compile(r"^\s*(?:to|до|по)\s+$", re.IGNORECASE)
_AZ_FROM_MID = re.compile(r"^-?(?:n?d[əa]n|t[əa]n)\s+$", re.IGNORECASE)


@dataclass
class _Number:
    start: int
    end: int  # end of the number and its scale word
    value: float
    step: float
    scale: int
    year_like: bool
    vague: bool = False  # "тысячи": read only after a hedge ("более тысячи человек")


def _digits_value(raw: str, lang: Lang) -> tuple[float, float]:
    """``raw`` digits → (value, step) under the language's separators."""
    s = raw
    for sp in _SPACES:
        s = s.replace(sp, "")
    decimal = ""
    if "." in s and "," in s:
        mark = "." if s.rfind(".") > s.rfind(",") else ","
        other = "," if mark == "." else "."
        s = s.replace(other, "")
        whole, decimal = s.split(mark)
    elif "." in s or "," in s:
        mark = "." if "." in s else ","
        parts = s.split(mark)
        grouping_mark = "," if lang is Lang.EN else "."
        if len(parts) > 2 or (mark == grouping_mark and len(parts[1]) == 3):
            whole = "".join(parts)
        else:
            whole, decimal = parts
    else:
        whole = s
    if decimal:
        return float(f"{whole}.{decimal}"), 10.0 ** -len(decimal)
    return float(whole), _integer_step(int(whole))


def _integer_step(n: int) -> float:
    if n == 0:
        return 1.0
    step = 1
    while n % (step * 10) == 0:
        step *= 10
    return float(step)


def _numbers(t: str, lang: Lang) -> list[_Number]:
    """Every number in ``t`` (digits or words), with its scale word, in text order."""
    blocked = [(m.start(), m.end()) for m in _NOT_QUANTITY.finditer(t)]
    out: list[_Number] = []
    for m in _DIGITS.finditer(t):
        if any(s <= m.start() < e for s, e in blocked):
            continue
        raw = m.group()
        if t[m.end() : m.end() + 1] in (".", ",") and t[m.end() + 1 : m.end() + 2].isdigit():
            continue  # 1.2.3: a version or a section, not a number
        value, step = _digits_value(raw, lang)
        year_like = bool(re.fullmatch(r"\d{4}", raw)) and 1900 <= value <= 2100
        out.append(_Number(m.start(), m.end(), value, step, 1, year_like))
    for m in _word_number_regex(lang).finditer(t):
        v = words_value(m.group(), lang)
        if v is None:
            continue
        vague = m.group().lower() in _VAGUE_ALONE
        out.append(_Number(m.start(), m.end(), float(v), _integer_step(v), 1, False, vague))
    out.sort(key=lambda n: n.start)
    for n in out:
        sm = _SCALE_RE.match(t, n.end)
        if sm and not (lang is not Lang.AZ and sm.group().strip().lower() == "min"):
            scale = next(f for i, (_, f) in enumerate(_SCALES) if sm.group(f"s{i}"))
            n.value *= scale
            n.step *= scale
            n.scale = scale
            n.end = sm.end()
            # "44 min 170", "116 тис 165", "2 thousand 300": the number after the scale
            # word counts its units when it is below the scale ("44 min 170" = 44 170).
            rest = _REST_RE.match(t, n.end)
            if rest is not None and float(rest.group(1)) < scale and n.value == int(n.value):
                n.value += float(rest.group(1))
                n.step = _integer_step(int(n.value))
                n.end = rest.end()
    # A number inside another (the scale word "thousand" of "5 thousand") is not one.
    kept: list[_Number] = []
    for n in out:
        if kept and n.start < kept[-1].end:
            continue
        kept.append(n)
    return kept


def _unit_at(t: str, pos: int) -> tuple[re.Match[str], Unit] | None:
    m = _UNIT_RE.match(t, pos)
    if not m:
        return None
    unit = next(u for i, (_, u) in enumerate(_UNITS) if m.group(f"u{i}"))
    # Area and count units must end at a word end (an Azerbaijani suffix may follow a
    # hyphen or, for word units, directly).
    nxt = t[m.end() : m.end() + 1]
    if nxt and (nxt.isalnum() or nxt == "_") and not _AZ_AFTER_OK(t, m.end(), unit):
        return None
    return m, unit


def _AZ_AFTER_OK(t: str, pos: int, unit: Unit) -> bool:
    """Letters right after a unit are an Azerbaijani case suffix ("kilometrdən", "nəfərə")."""
    return bool(re.match(rf"[{_AZ_LETTERS}]{{1,6}}(?![\w])", t[pos:])) and bool(
        # plural, ablative, dative, genitive, locative, -lik; the possessive
        # ("kilometri": "9 kvadrat kilometri şərqdə") and the copula ("kilometrdir")
        re.match(
            r"(?:l[əa]r|d[əa]n|t[əa]n|[yn]?[əa]|ın|in|un|ün|d[əa]|lik|lıq|d[ıiuü]r|[ıiuü])",
            t[pos:],
        )
    )


def _after_hedge(t: str, pos: int) -> tuple[Hedge, int, int] | None:
    m = _AFTER_RE.match(t, pos)
    if not m:
        return None
    hedge = next(h for i, (_, h) in enumerate(_AFTER) if m.group(f"a{i}"))
    start = pos + (len(m.group()) - len(m.group().lstrip()))
    return hedge, start, m.end()


def find_quantities(text: str, lang: Lang) -> list[Quantity]:
    """The quantities ``text`` states, in text order, with spans into ``text``.

    See the module docstring for what counts as a quantity, how steps and hedges are
    read and what a range gives.
    """
    t = fold_apostrophes(text)
    found: list[tuple[_Number, Quantity | None, int]] = []  # number, quantity, scan end
    for n in _numbers(t, lang):
        if any(n.start < end for _, q, end in found if q):
            continue  # inside a quantity already read (its unit or hedge)
        pos = n.end
        hedge: Hedge = Hedge.EXACT
        hedge_span: tuple[int, int] | None = None
        # A hyphen joins a unit ("200-square-kilometre") or an az suffix; anything else
        # after a hyphen (21-го, 5-year) is not a quantity's.
        after = _after_hedge(t, pos)
        if after:
            hedge, hs, pos = after
            hedge_span = (hs, pos)
        gap = re.match(r"[\s-]?", t[pos:])
        unit_pos = pos + (gap.end() if gap else 0)
        got = _unit_at(t, unit_pos)
        skipped = 0
        while got is None and skipped < 2:
            bm = _BETWEEN.match(t, unit_pos)
            if not bm:
                break
            unit_pos = bm.end()
            skipped += 1
            got = _unit_at(t, unit_pos)
            if got and got[1] is not Unit.COUNT:
                got = None
        if n.year_like and (skipped or got is None or _YEAR_BEFORE.search(t, 0, n.start)):
            got = None
        if got is None:
            found.append((n, None, n.end))
            continue
        um, unit = got
        end = um.end()
        scan = end
        if t[end : end + 1].isalpha() or t[end : end + 1] == "-":
            # an Azerbaijani suffix: the hedge reader below reads it, else skip it
            sm = re.match(rf"-?[{_AZ_LETTERS}]*", t[end:])
            scan = end if _after_hedge(t, end) else end + (sm.end() if sm else 0)
        if hedge is Hedge.EXACT:
            after = _after_hedge(t, scan)
            if after:
                hedge, hs, scan = after
                hedge_span = (hs, scan)
        if hedge is Hedge.EXACT:
            bm2 = _BEFORE_RE.search(t, max(0, n.start - 40), n.start)
            if bm2 and _LEVEL_TO.search(t, max(0, bm2.start("h") - 30), bm2.start("h")):
                bm2 = None  # "выросла до 114 493": "до" is "to" a level, not "up to"
            if bm2 and _CONTROL_OVER.search(t, max(0, bm2.start("h") - 30), bm2.start("h")):
                bm2 = None  # "control over 2.2 km²": "over" is the preposition of "control"
            if bm2:
                hedge = _BEFORE[" ".join(bm2.group("h").lower().split())]
                hedge_span = (bm2.start("h"), bm2.end("h"))
        if n.vague and hedge_span is None:
            continue  # "тысячи человек": thousands of people, not a number
        q = _quantity(text, n, unit, hedge, n.start, end, hedge_span)
        found.append((n, q, scan))
    return _shared_hedges(t, _pairs(text, t, found))


#: Between two coordinated quantities: "over 500 settlements and 12,000 km²", "более
#: 300 населенных пунктов и 6 000 кв. км".
_COORDINATED = re.compile(r"^\s*(?:of\s+\w+\s+)?(?:and|и|і|й|та|və)\s+$", re.IGNORECASE)


def _shared_hedges(t: str, qs: list[Quantity]) -> list[Quantity]:
    """A hedge before the first of two coordinated quantities qualifies both ("over 500
    settlements and 12,000 km²": more than 12,000 too), when the second has none."""
    from dataclasses import replace

    out = list(qs)
    for i in range(1, len(out)):
        a, b = out[i - 1], out[i]
        if (
            b.hedge is Hedge.EXACT
            and a.hedge is not Hedge.EXACT
            and a.hedge_span is not None
            and a.hedge_span.end <= a.span.start  # a hedge before the number
            and _COORDINATED.match(t[a.span.end : b.span.start])
        ):
            out[i] = replace(b, hedge=a.hedge, hedge_span=a.hedge_span)
    return out


def _quantity(
    text: str,
    n: _Number,
    unit: Unit,
    hedge: Hedge,
    start: int,
    end: int,
    hedge_span: tuple[int, int] | None,
) -> Quantity:
    km2 = {Unit.KM2: 1.0, Unit.MI2: KM2_PER_MI2, Unit.HA: KM2_PER_HA}.get(unit)
    return Quantity(
        value=n.value,
        unit=unit,
        hedge=hedge,
        step=n.step,
        span=Span(start, end, text[start:end]),
        km2=n.value * km2 if km2 is not None else None,
        hedge_span=Span(hedge_span[0], hedge_span[1], text[hedge_span[0] : hedge_span[1]])
        if hedge_span
        else None,
    )


def _pairs(text: str, t: str, found: list[tuple[_Number, Quantity | None, int]]) -> list[Quantity]:
    """Quantities, with a bare number joined to the quantity after it as a range or a
    from–to pair (module docstring)."""
    out: list[Quantity] = []
    for i, (n, q, _) in enumerate(found):
        if q is not None:
            out.append(q)
            continue
        if i + 1 >= len(found) or found[i + 1][1] is None or n.year_like:
            continue
        n2, q2, _ = found[i + 1]
        assert q2 is not None
        between = t[n.end : n2.start]
        before = t[max(0, n.start - 20) : n.start]
        kind: str | None = None
        joint: tuple[int, int] | None = None
        if _RANGE_OPEN.search(before) and _RANGE_MID.match(between):
            kind = "range"
            ob = _RANGE_OPEN.search(before)
            assert ob is not None
            joint = (n.start - len(before) + ob.start(), n.start)
        elif _FROM_OPEN.search(before) and (
            _FROM_MID.match(between) or _AZ_FROM_MID.match(between)
        ):
            kind = "pair"
        elif _RANGE_DASH.fullmatch(between):
            kind = "range"
            joint = (n.end, n2.start)
        elif _AZ_FROM_MID.match(between):
            kind = "pair"
        if kind is None:
            continue
        scale = n2.scale if n.scale == 1 and n2.scale > 1 else 1
        n1 = _Number(n.start, n.end, n.value * scale, n.step * scale, n.scale, False)
        if kind == "range":
            assert joint is not None
            low = _quantity(text, n1, q2.unit, Hedge.AT_LEAST, n.start, n.end, joint)
            out.append(low)
            found[i + 1] = (
                n2,
                _quantity(text, n2, q2.unit, Hedge.UP_TO, q2.span.start, q2.span.end, joint),
                0,
            )
        else:
            out.append(_quantity(text, n1, q2.unit, Hedge.EXACT, n.start, n.end, None))
            found[i + 1] = (
                n2,
                _quantity(text, n2, q2.unit, Hedge.EXACT, q2.span.start, q2.span.end, None),
                0,
            )
    return out
