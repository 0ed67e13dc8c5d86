"""Claims about the cases registry: find them in a sentence, and rule on them.

Three kinds of claim (:class:`~vigil.claims.model.CaseClaim` ``type``):

- ``hearing_postponed``: "The trial of Rashad Gulbeyli has been postponed until
  December 2" — a postponement word (postponed, adjourned, отложил, перенесли, відклали,
  təxirə salınıb), a court word (trial, hearing, суд, засідання, məhkəmə) and a day;
  the case comes from a person or case named in the sentence, else in the nearest
  sentence before it (a pronoun: "the trial against him"), else the one after;
- ``count_held``: "more than 300 political activists are held" — a count followed by
  a word for people (prisoners, activists, политзаключённых, політв'язнів, siyasi
  məhbus, nəfər) in a sentence that speaks of prison (held, jailed, imprisonment,
  под стражей, за ґратами, həbsdə, political prisoners); of an organisation when one is
  named; on the day the sentence names, else the day asked (``as_of``);
- ``list_change``: "The list grew from 303 to 392 names in a year" — a word for a list
  (list, список, перелік, siyahı) and a change word (grew, вырос, зріс, artıb), with
  one or two counts.

Names are matched with the registry's own functions (:func:`vigil.cases.search.find`,
which folds every script and sets patronymics apart), at the caller's level: a name the
caller may not see matches nothing. Before that, each capitalised word is read in its
dictionary form where the sentence declines it: the ending of a Russian or Ukrainian
case (Рашада → Рашад, Даглыговой → Даглыгова) or an Azerbaijani suffix (Gülbəylinin →
Gülbəyli, AVB-nin) is cut, and of the forms the one closest to a word of a registry name
is kept (a light stem match, not a morphological analysis).

Ruling reads the registry only through :mod:`vigil.cases.policy` and the registry's
modules (hearings, releases, registry), with the actor ``who`` (the public when
``None``): a restricted person, case, hearing or list entry changes nothing a public
reader is told, and a case the reader may not see is answered exactly as a missing one.
Counts are people; dates are days.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from vigil.claims.model import (
    CaseClaim,
    DateMention,
    Figure,
    Label,
    Lang,
    PeriodMention,
    Quantity,
    RegistryMatch,
    Span,
    Tolerance,
    Unit,
    Verdict,
)
from vigil.errors import InputError

if TYPE_CHECKING:
    from vigil.cases.policy import Who

HEARING_POSTPONED = "hearing_postponed"
COUNT_HELD = "count_held"
LIST_CHANGE = "list_change"
TYPES = (HEARING_POSTPONED, COUNT_HELD, LIST_CHANGE)

_I = re.IGNORECASE

# -- keyword grammars ---------------------------------------------------------------
# Each is searched in one sentence (case-insensitive). Stems, not word lists: "отлож"
# covers отложил, отложили, отложено; Azerbaijani verbs carry their tense suffixes.

_POSTPONED = {
    Lang.EN: r"\b(postpon\w*|adjourn\w*|put off|deferred|rescheduled|delayed)\b",
    Lang.RU: r"(отлож\w*|перенес\w*|перенёс\w*|перенос\w*|отсроч\w*)",
    Lang.UK: r"(відкла\w*|перенес\w*|перенос\w*|відстрочен\w*)",
    Lang.AZ: r"(təxirə\s+sal\w*|ertələn\w*|ertələ\w*)",
}
_COURT = {
    Lang.EN: r"\b(trial|hearing|court|case|appeal|sentencing|proceedings)\b",
    Lang.RU: r"(суд\w*|заседани\w*|процесс\w*|слушани\w*|дел[оау]\b)",
    Lang.UK: r"(суд\w*|засідан\w*|процес\w*|слуханн\w*|справ[аиу]\b)",
    Lang.AZ: r"(məhkəmə\w*|iclas\w*|proses\w*|dinləmə\w*)",
}
# The day a postponement runs to: "until December 2", "до 2 декабря", "dekabrın 2-dək".
_UNTIL_BEFORE = {
    Lang.EN: r"(until|till|to|for|on)\s*$",
    Lang.RU: r"(до|на)\s*$",
    Lang.UK: r"(до|на)\s*$",
    Lang.AZ: r"$^",  # Azerbaijani marks it after the date
}

# People counted: the noun after the number.
_PEOPLE = {
    Lang.EN: r"(political\s+)?(prisoners?|activists?|people|persons|journalists?|members?|"
    r"detainees?|dissidents?|bloggers?|opposition\w*|men|women|names|supporters?)\b",
    Lang.RU: r"(политзаключ\w*|политическ\w*\s+заключ\w*|заключ\w*|активист\w*|человек\w*|"
    r"журналист\w*|член\w*|задержан\w*|оппозиционер\w*|узник\w*|сторонник\w*|имен\w*)",
    Lang.UK: r"(політв['’]?язн\w*|політичн\w*\s+в['’]?язн\w*|в['’]?язн\w*|активіст\w*|"
    r"людей|осіб|журналіст\w*|член\w*|затриман\w*|опозиціонер\w*|прихильник\w*|імен\w*)",
    Lang.AZ: r"(siyasi\s+məhbus\w*|məhbus\w*|fəal\w*|nəfər\w*|şəxs\w*|jurnalist\w*|"
    r"üzv\w*|insan\w*|tərəfdar\w*|ad\b)",
}
# The sentence speaks of deprivation of liberty.
_HELD = {
    Lang.EN: r"(political\s+prisoners?|imprison\w*|jail\w*|\bheld\b|detain\w*|behind bars|"
    r"custody|incarcerat\w*|locked up|arrested|in prison|prisoners? of conscience)",
    Lang.RU: r"(политзаключ\w*|заключ\w*|за решёткой|за решеткой|под стражей|задержан\w*|"
    r"арестован\w*|лишен\w*\s+свобод\w*|тюрьм\w*|узник\w*|содерж\w*)",
    Lang.UK: r"(політв['’]?язн\w*|ув['’]?язнен\w*|в['’]?язн\w*|за ґратами|за гратами|"
    r"під вартою|затриман\w*|заарештован\w*|позбавлен\w*\s+волі|тюрм\w*|утриму\w*)",
    Lang.AZ: r"(siyasi\s+məhbus\w*|məhbus\w*|həbs\w*|dustaq\w*|saxlanıl\w*|"
    r"azadlıqdan\s+məhrum\w*)",
}
# Words that make the designation (not the custody) the default reading.
_DESIGNATED = {
    Lang.EN: r"(political\s+prisoners?|prisoners? of conscience)",
    Lang.RU: r"(политзаключ\w*|политическ\w*\s+заключ\w*|узник\w*\s+совести)",
    Lang.UK: r"(політв['’]?язн\w*|політичн\w*\s+в['’]?язн\w*|в['’]?язн\w*\s+сумління)",
    Lang.AZ: r"(siyasi\s+məhbus\w*|vicdan\s+məhbus\w*)",
}
_LIST = {
    Lang.EN: r"\b(lists?)\b",
    Lang.RU: r"(списк\w*|список|перечень|перечн\w*)",
    Lang.UK: r"(списк\w*|список|перелік\w*)",
    Lang.AZ: r"(siyahı\w*)",
}
_UP = {
    Lang.EN: r"\b(grew|grown|grow\w*|increas\w*|rose|risen|went up|expand\w*|swell\w*)\b",
    Lang.RU: r"(вырос\w*|увеличил\w*|возрос\w*|пополнил\w*|расширил\w*)",
    Lang.UK: r"(зріс|зросл\w*|збільшил\w*|збільшив\w*|поповнил\w*|поповнив\w*|розширил\w*)",
    Lang.AZ: r"(art\w*|yüksəl\w*|genişlən\w*|qalx\w*|çoxal\w*)",
}
_DOWN = {
    Lang.EN: r"\b(shr[aui]nk\w*|fell|fallen|decreas\w*|dropp?\w*|declin\w*|went down)\b",
    Lang.RU: r"(сократил\w*|уменьшил\w*|снизил\w*|упал\w*)",
    Lang.UK: r"(скоротил\w*|скоротив\w*|зменшил\w*|зменшив\w*|знизил\w*|впав|впал\w*)",
    Lang.AZ: r"(azal\w*|düş\w*|kiçil\w*)",
}
# "grew by 89" (the change) as against "grew to 392" (the new size), before the number.
_BY = {
    Lang.EN: r"\bby\s*$",
    Lang.RU: r"\bна\s*$",
    Lang.UK: r"\bна\s*$",
    Lang.AZ: r"$^",
}
_BY_AFTER_AZ = r"^\s*[-‑]?\s*(nəfər|ad)?\s*(artıb|artdı|azalıb|azaldı)"

#: A name matched at or above this :func:`vigil.cases.search.find` score (0–100) is a
#: match; a single word must score :data:`ONE_WORD_SCORE` (a surname alone).
NAME_SCORE = 80.0
ONE_WORD_SCORE = 90.0
#: A word of the sentence is name-like when one of its forms is this close (rapidfuzz
#: ratio, 0–100) to a folded word of a registry name.
WORD_SCORE = 75.0
MAX_NAME_WORDS = 4

# Declension endings cut from a word to reach its dictionary form: (ending, replacement).
# Tried all; the form closest to a registry word wins (the word as written on ties).
_ENDINGS = {
    Lang.EN: (("'s", ""), ("’s", ""), ("'", ""), ("’", "")),
    Lang.RU: (
        ("ого", ""), ("ой", "а"), ("ою", "а"), ("ей", "я"), ("ым", ""), ("ом", ""),
        ("ем", ""), ("ы", "а"), ("и", "я"), ("у", "а"), ("ю", "я"), ("е", "а"),
        ("а", ""), ("я", ""), ("у", ""), ("ю", ""), ("е", ""),
    ),
    Lang.UK: (
        ("ого", ""), ("ої", "а"), ("ою", "а"), ("ові", ""), ("еві", ""), ("єві", ""),
        ("им", ""), ("ом", ""), ("ем", ""), ("и", "а"), ("і", "а"), ("у", "а"),
        ("ю", "я"), ("а", ""), ("я", ""), ("у", ""), ("ю", ""), ("і", ""),
    ),
    Lang.AZ: (
        ("nin", ""), ("nın", ""), ("nun", ""), ("nün", ""), ("dən", ""), ("dan", ""),
        ("yə", ""), ("ya", ""), ("nə", ""), ("na", ""), ("ni", ""), ("nı", ""),
        ("nu", ""), ("nü", ""), ("də", ""), ("da", ""), ("in", ""), ("ın", ""),
        ("un", ""), ("ün", ""), ("ə", ""), ("a", ""), ("i", ""), ("ı", ""), ("u", ""),
        ("ü", ""),
    ),
}  # fmt: skip
# Lowercase words that belong inside a name: Azerbaijani patronymic markers.
_NAME_GLUE = {"oğlu", "oglu", "ogly", "оглы", "огли", "qızı", "qizi", "gizi", "кызы", "кизи"}
_WORD = re.compile(r"[^\W\d_](?:[\w'’]|-(?=[^\W\d_]))*")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=\S)")


# -- the functions other modules provide ------------------------------------------
# Looked up at call time, so a test may stand in for them (and so that this module
# imports without them).


def _find_quantities(text: str, lang: Lang) -> list[Quantity]:
    from vigil.claims import numbers

    return list(numbers.find_quantities(text, lang))


def _find_dates(text: str, lang: Lang, anchor: dt.date) -> list[DateMention]:
    from vigil.claims import periods

    return list(periods.find_dates(text, lang, anchor))


def _dates(text: str, lang: Lang, anchor: dt.date) -> list[DateMention]:
    """The days of ``text`` (:func:`vigil.claims.periods.find_dates`, which reads the
    Azerbaijani genitive day, "dekabrın 2-dək", too), in text order."""
    return sorted(_find_dates(text, lang, anchor), key=lambda d: d.span.start)


def _find_periods(text: str, lang: Lang, anchor: dt.date) -> list[PeriodMention]:
    from vigil.claims import periods

    return list(periods.find_periods(text, lang, anchor))


def _tolerance(q: Quantity) -> Tolerance:
    from vigil.claims import verdict

    return verdict.tolerance(q)


# -- the actor --------------------------------------------------------------------


def actor(who: Who | None) -> Any:
    """The :class:`~vigil.cases.policy.Actor` that reads: the public when ``who`` is
    ``None`` (a claims check reads as the public site unless told otherwise), else
    :func:`vigil.cases.policy.as_actor` of it (an Actor, or a level)."""
    from vigil.cases import policy
    from vigil.cases.levels import Level

    if who is None:
        return policy.Actor.reader(Level.PUBLIC, name="claims")
    return policy.as_actor(who)


# -- finding claims ----------------------------------------------------------------


@dataclass(frozen=True)
class _Sentence:
    start: int
    end: int
    text: str


def _sentences(text: str) -> list[_Sentence]:
    out, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        out.append(_Sentence(start, m.start(), text[start : m.start()]))
        start = m.end()
    if start < len(text):
        out.append(_Sentence(start, len(text), text[start:]))
    return [s for s in out if s.text.strip()]


def _inside(span: Span, s: _Sentence) -> bool:
    return s.start <= span.start and span.end <= s.end


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def _search(pattern: str, text: str) -> re.Match[str] | None:
    return re.search(pattern, text, _I)


def find(text: str, lang: Lang | str, anchor: dt.date, who: Who | None = None) -> list[CaseClaim]:
    """The case claims ``text`` makes, in order, each with the spans it rests on.

    ``lang`` is the language of the text (en, ru, uk, az); ``anchor`` the day relative
    dates are read against (a year left out is the anchor's); ``who`` the reader whose
    registry names are matched (public when ``None``). A sentence makes at most one
    claim: a list change before a count, a postponement apart.
    """
    lang = _lang(lang)
    reader = actor(who)
    names = match_names(text, lang, reader)
    quantities = [q for q in _find_quantities(text, lang) if q.unit is Unit.COUNT]
    dates = _dates(text, lang, anchor)
    periods = _find_periods(text, lang, anchor)
    sentences = _sentences(text)
    claims: list[CaseClaim] = []
    for i, s in enumerate(sentences):
        mine = [m for m in names if _inside(m.span, s)]
        my_dates = [d for d in dates if _inside(d.span, s)]
        my_periods = [p for p in periods if _inside(p.span, s)]
        taken = [d.span for d in my_dates] + [p.span for p in my_periods]
        counts = [
            q
            for q in quantities
            if _inside(q.span, s) and not any(_overlaps(q.span, t) for t in taken)
        ]
        claim = (
            _hearing(text, s, lang, mine, my_dates, names, sentences, i)
            or _list_change(text, s, lang, mine, counts, my_periods)
            or _count_held(text, s, lang, mine, counts, my_dates, my_periods)
        )
        if claim is not None:
            claims.append(claim)
    return claims


def _lang(lang: Lang | str) -> Lang:
    try:
        return Lang(str(lang).lower())
    except ValueError:
        raise InputError(
            f"language: expected one of {', '.join(x.value for x in Lang)}, got {lang!r}"
        ) from None


def _span(text: str, start: int, end: int) -> Span:
    return Span(start, end, text[start:end])


def _claim_span(text: str, s: _Sentence, spans: Iterable[Span]) -> Span:
    """From the first to the last of ``spans`` (the words the claim rests on)."""
    inside = [sp for sp in spans if _inside(sp, s)]
    if not inside:
        return _span(text, s.start, s.end)
    return _span(text, min(sp.start for sp in inside), max(sp.end for sp in inside))


def _abs(s: _Sentence, m: re.Match[str]) -> Span:
    return Span(s.start + m.start(), s.start + m.end(), m.group(0))


def _hearing(
    text: str,
    s: _Sentence,
    lang: Lang,
    mine: list[RegistryMatch],
    dates: list[DateMention],
    names: list[RegistryMatch],
    sentences: list[_Sentence],
    index: int,
) -> CaseClaim | None:
    verb = _search(_POSTPONED[lang], s.text)
    court = _search(_COURT[lang], s.text)
    if verb is None or court is None:
        return None
    verb_span = _abs(s, verb)
    date = _until_date(text, lang, dates, verb_span)
    who = [m for m in mine if m.what in ("person", "case")]
    if not who:
        # "The trial against him…": the nearest sentence before that names someone,
        # else the one after.
        order = [*range(index - 1, -1, -1), index + 1]
        for j in order:
            if 0 <= j < len(sentences):
                near = [
                    m
                    for m in names
                    if _inside(m.span, sentences[j]) and m.what in ("person", "case")
                ]
                if near:
                    who = near
                    break
    spans = [verb_span, _abs(s, court), *(m.span for m in who), *([date.span] if date else [])]
    return CaseClaim(
        span=_claim_span(text, s, spans),
        type=HEARING_POSTPONED,
        matches=tuple(who),
        date=date,
    )


def _until_date(text: str, lang: Lang, dates: list[DateMention], verb: Span) -> DateMention | None:
    """The day a postponement runs to: one marked "until"/"до"/"-dək", else (verb-final
    Azerbaijani) the last before the verb, else the first after it, else the first."""
    if not dates:
        return None
    for d in dates:
        before = text[max(0, d.span.start - 12) : d.span.start]
        after = text[d.span.end : d.span.end + 12]
        if lang is Lang.AZ:
            if re.match(r"\s*[-‑]?\s*(dək|dek)\b|\s*[-‑]?\s*[aəyə]*\s+qədər", after, _I):
                return d
        elif re.search(_UNTIL_BEFORE[lang], before, _I):
            return d
    if lang is Lang.AZ:
        earlier = [d for d in dates if d.span.end <= verb.start]
        if earlier:
            return earlier[-1]
    later = [d for d in dates if d.span.start >= verb.end]
    return later[0] if later else dates[0]


def _list_change(
    text: str,
    s: _Sentence,
    lang: Lang,
    mine: list[RegistryMatch],
    counts: list[Quantity],
    periods: list[PeriodMention],
) -> CaseClaim | None:
    word = _search(_LIST[lang], s.text)
    change = _search(_UP[lang], s.text) or _search(_DOWN[lang], s.text)
    from_to = _from_to(lang, s.text, counts, s.start)
    if word is None or not counts or (change is None and not from_to):
        return None
    spans = [_abs(s, word), *(q.span for q in counts[:2]), *(m.span for m in mine)]
    if change is not None:
        spans.append(_abs(s, change))
    period = periods[0] if periods else None
    if period is not None:
        spans.append(period.span)
    return CaseClaim(
        span=_claim_span(text, s, spans),
        type=LIST_CHANGE,
        matches=tuple(m for m in mine if m.what in ("organisation", "list")),
        quantities=tuple(counts[:2]),
        period=period,
    )


def _from_to(lang: Lang, sentence: str, counts: list[Quantity], offset: int) -> bool:
    """Whether two counts read "from A to B" (с A до B, з A до B, A-dən B-ə)."""
    if len(counts) < 2:
        return False
    between = sentence[counts[0].span.end - offset : counts[1].span.start - offset]
    words = {
        Lang.EN: r"^\s*(\w+\s+)?to\s*$",
        Lang.RU: r"^\s*(\w+\s+)?до\s*$",
        Lang.UK: r"^\s*(\w+\s+)?до\s*$",
        Lang.AZ: r"^\s*[-‑]?\s*(dən|dan|ndən|ndan)\s*$",
    }[lang]
    return re.search(words, between, _I) is not None


def _count_held(
    text: str,
    s: _Sentence,
    lang: Lang,
    mine: list[RegistryMatch],
    counts: list[Quantity],
    dates: list[DateMention],
    periods: list[PeriodMention],
) -> CaseClaim | None:
    held = _search(_HELD[lang], s.text)
    if held is None:
        return None
    for q in counts:
        # The people counted follow the number within a few words (an organisation's
        # name may stand between: "50 AXCP activists", "5 AVB fəalı").
        # (numbers may have read the noun into the quantity's span: "300 activists").
        at = q.span.start - s.start
        after = s.text[at : q.span.end - s.start + 60]
        noun = re.match(r"^\S+[\s\-‑]*(?:\S+\s+){0,3}?" + _PEOPLE[lang], after, _I)
        if noun is None:
            continue
        noun_span = _span(text, q.span.start, q.span.start + noun.end())
        spans = [q.span, noun_span, _abs(s, held), *(m.span for m in mine)]
        designated = _search(_DESIGNATED[lang], s.text)
        if designated is not None:  # the ruling reads it in the claim's span
            spans.append(_abs(s, designated))
        date = dates[0] if dates else None
        period = periods[0] if periods and date is None else None
        spans += [x.span for x in (date, period) if x is not None]
        return CaseClaim(
            span=_claim_span(text, s, spans),
            type=COUNT_HELD,
            matches=tuple(m for m in mine if m.what in ("organisation", "list")),
            quantities=(q,),
            date=date,
            period=period,
        )
    return None


# -- registry names ------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    text: str
    form: str  # the dictionary form chosen (the word itself, or the word declined back)
    fit: float  # how close that form is to a registry name's word (0–100)


def _forms(word: str, lang: Lang) -> list[str]:
    """``word`` and the forms got by cutting one declension ending (and, for
    Azerbaijani, what follows an apostrophe or hyphen: Gülbəyli'nin, AVB-nin)."""
    out = [word]
    for sep in ("'", "’", "-"):
        if sep in word and lang is Lang.AZ:
            out.append(word.split(sep, 1)[0])
    low = word.lower()
    for ending, repl in _ENDINGS[lang]:
        if low.endswith(ending) and len(word) - len(ending) >= 3:
            out.append(word[: len(word) - len(ending)] + repl)
    return list(dict.fromkeys(out))


def _tokens(text: str, lang: Lang, vocabulary: list[str]) -> list[_Token]:
    """Capitalised words (and patronymic markers), each in its closest form."""
    from rapidfuzz import fuzz, process

    from vigil.cases.names import fold

    out: list[_Token] = []
    for m in _WORD.finditer(text):
        word = m.group(0)
        if not (word[0].isupper() or word.lower() in _NAME_GLUE):
            continue
        best, fit = word, 0.0
        for form in _forms(word, lang):
            folded = fold(form)
            if not folded or not vocabulary:
                continue
            hit = process.extractOne(folded, vocabulary, scorer=fuzz.ratio)
            if hit is not None and hit[1] > fit:
                best, fit = form, float(hit[1])
        if word.lower() in _NAME_GLUE:
            fit = 100.0
        out.append(_Token(m.start(), m.end(), word, best, fit))
    return out


def _runs(text: str, tokens: list[_Token]) -> list[list[_Token]]:
    """Runs of name-like tokens separated by spaces only."""
    runs: list[list[_Token]] = []
    for t in tokens:
        if t.fit < WORD_SCORE:
            runs.append([])
            continue
        if runs and runs[-1] and not text[runs[-1][-1].end : t.start].strip():
            runs[-1].append(t)
        else:
            runs.append([t])
    return [r for r in runs if r]


def match_names(text: str, lang: Lang | str, who: Who | None = None) -> list[RegistryMatch]:
    """People, organisations, cases and list releases named in ``text`` that ``who``
    may see (public when ``None``), in order of their spans.

    People: runs of up to :data:`MAX_NAME_WORDS` capitalised words, longest first, each
    word in its dictionary form (module docstring), looked up with
    :func:`vigil.cases.search.find`; every person scoring at least :data:`NAME_SCORE`
    (:data:`ONE_WORD_SCORE` for one word) within 5 points of the best is a match (a
    duplicate record matches with the person it duplicates). Organisations: their ref,
    short name or initials ("AVB") as a word, or their full name word by word (each
    word of the text starting with the folded word of the name: suffixes allowed).
    Cases: their ref, or their number when the reader may see it. Lists: a release's
    ref.
    """
    from vigil.cases import search

    lang = _lang(lang)
    reader = actor(who)
    keys = search.visible_names(reader).values_list("key", flat=True)
    vocabulary = sorted({w for key in keys for w in key.split()})
    tokens = _tokens(text, lang, vocabulary)
    found: list[RegistryMatch] = []
    used: set[int] = set()
    for run in _runs(text, tokens):
        for size in range(min(MAX_NAME_WORDS, len(run)), 0, -1):
            for i in range(len(run) - size + 1):
                part = run[i : i + size]
                if any(t.start in used for t in part):
                    continue
                if size == 1 and (part[0].fit < ONE_WORD_SCORE or len(part[0].form) < 4):
                    continue
                if all(t.text.lower() in _NAME_GLUE for t in part):
                    continue
                query = " ".join(t.form for t in part)
                hits = search.find(query, reader, limit=5)
                floor = ONE_WORD_SCORE if size == 1 else NAME_SCORE
                hits = [h for h in hits if h["score"] >= floor and h["ref"]]
                if not hits:
                    continue
                top = hits[0]["score"]
                span = _span(text, part[0].start, part[-1].end)
                for h in hits:
                    if h["score"] >= top - 5:
                        found.append(
                            RegistryMatch(h["ref"], "person", h["name"], span, h["score"] / 100)
                        )
                used.update(t.start for t in part)
    found += _organisations(text, reader)
    found += _cases(text, reader)
    found += _lists(text, reader)
    return sorted(found, key=lambda m: (m.span.start, -m.span.end, m.what, m.key))


def _word_at(text: str, needle: str, case: bool = True) -> list[Span]:
    flags = 0 if case else _I
    pattern = rf"(?<![\w\-]){re.escape(needle)}(?!\w)"
    return [Span(m.start(), m.end(), m.group(0)) for m in re.finditer(pattern, text, flags)]


def _initials(name: str) -> str:
    words = [w for w in re.findall(r"[^\W\d_]+", name) if w[0].isupper()]
    return "".join(w[0] for w in words) if len(words) >= 2 else ""


def _organisations(text: str, reader: Any) -> list[RegistryMatch]:
    from vigil.cases import policy
    from vigil.cases.models import Organisation
    from vigil.cases.names import fold

    words = [(m, fold(m.group(0))) for m in _WORD.finditer(text)]
    out: list[RegistryMatch] = []
    for org in policy.visible(Organisation, reader).order_by("id"):
        key = org_key(org)
        spans: list[Span] = []
        for needle in {org.ref or "", org.short_name, _initials(org.name)} - {""}:
            if len(needle) >= 2:
                spans += _word_at(text, needle)
        parts = fold(org.name).split()
        for i in range(len(words) - len(parts) + 1):
            window = words[i : i + len(parts)]
            if parts and _name_words_match([f for _, f in window], parts):
                spans.append(_span(text, window[0][0].start(), window[-1][0].end()))
        seen: set[tuple[int, int]] = set()
        for sp in sorted(spans, key=lambda x: (x.start, -x.end)):
            if any(a <= sp.start and sp.end <= b for a, b in seen):
                continue
            seen.add((sp.start, sp.end))
            out.append(RegistryMatch(key, "organisation", str(org.name), sp, 1.0))
    return out


#: Each word of an organisation's name, folded, and the text's word cut to its length,
#: must score this rapidfuzz ratio at least, and all of them this on average (the
#: Russian "Азад Вэтэндашлар Бирлийи" for "Azad Vətəndaşlar Birliyi": 100, 82, 100).
ORG_WORD_SCORE = 75.0
ORG_NAME_SCORE = 85.0


def _name_words_match(words: list[str], parts: list[str]) -> bool:
    """Whether folded text ``words`` spell the folded name ``parts``, each word allowed
    a case suffix of up to 4 letters (Birliyinin) and a letter or two of another
    transliteration."""
    from rapidfuzz import fuzz

    scores = []
    for word, part in zip(words, parts, strict=True):
        if len(word) - len(part) > 4 or len(word) < len(part) - 1:
            return False
        scores.append(fuzz.ratio(word[: len(part)], part))
    return min(scores) >= ORG_WORD_SCORE and sum(scores) / len(scores) >= ORG_NAME_SCORE


def org_key(org: Any) -> str:
    """How claims name an organisation: its ref, else its name (the value of the web
    list's organisation filter)."""
    return str(org.ref or org.name)


def _cases(text: str, reader: Any) -> list[RegistryMatch]:
    from vigil.cases import hearings, policy
    from vigil.cases.models import Case

    out: list[RegistryMatch] = []
    for c in policy.visible(Case, reader).order_by("id"):
        spans = _word_at(text, c.ref) if c.ref else []
        number = policy.fields(c, reader, ("number",)).get("number")
        if number:
            spans += _word_at(text, number)
        for sp in spans:
            key = str(c.ref or number)
            out.append(RegistryMatch(key, "case", hearings.case_title(c, reader), sp, 1.0))
    return out


def _lists(text: str, reader: Any) -> list[RegistryMatch]:
    from vigil.cases import policy
    from vigil.cases.models import ListRelease

    out: list[RegistryMatch] = []
    for r in policy.visible(ListRelease, reader).order_by("id"):
        for sp in _word_at(text, r.ref) if r.ref else []:
            out.append(RegistryMatch(r.ref, "list", str(r), sp, 1.0))
    return out


# -- ruling ----------------------------------------------------------------------------


def rule(claim: CaseClaim, who: Who | None = None, as_of: dt.date | None = None) -> Verdict:
    """The verdict on one case claim, from what ``who`` may see (public when ``None``)
    on ``as_of`` (default today). See the module docstring and docs/claims.md."""
    reader = actor(who)
    day = as_of or dt.date.today()
    if claim.type == HEARING_POSTPONED:
        return _rule_hearing(claim, reader, day)
    if claim.type == COUNT_HELD:
        return _rule_count(claim, reader, day)
    if claim.type == LIST_CHANGE:
        return _rule_list(claim, reader, day)
    raise InputError(f"case claim type: expected one of {', '.join(TYPES)}, got {claim.type!r}")


def _cannot(claim: CaseClaim, summary: str, needed: str, **kw: Any) -> Verdict:
    return Verdict(
        claim=claim,
        label=Label.CANNOT_CHECK,
        summary=summary,
        tolerance=kw.get("tolerance"),
        figures=(),
        caveats=tuple(kw.get("caveats", ())),
        needed=needed,
    )


def _written(claim: CaseClaim, what: Sequence[str]) -> str:
    """The names as the sentence writes them (never the registry's: what the reader
    wrote reveals nothing)."""
    spans = list(dict.fromkeys(m.span.text for m in claim.matches if m.what in what))
    return ", ".join(f"'{s}'" for s in spans)


# - hearing_postponed


def _rule_hearing(claim: CaseClaim, reader: Any, as_of: dt.date) -> Verdict:
    from vigil.cases import hearings, policy
    from vigil.cases.models import Case, CaseParticipant, Hearing
    from vigil.cases.vocab import HearingOutcome

    written = _written(claim, ("person", "case")) or "the person or case the sentence means"
    needed = f"a case in the registry matching {written}"
    refs = [m.key for m in claim.matches if m.what == "person"]
    case_keys = [m.key for m in claim.matches if m.what == "case"]
    people = policy.people(reader).filter(ref__in=refs)
    defendant = policy.visible(CaseParticipant, reader).filter(person__in=people, role="defendant")
    cases = list(
        policy.visible(Case, reader).filter(id__in=defendant.values("case_id")).order_by("id")
    )
    for key in case_keys:
        cases += [c for c in policy.visible(Case, reader).filter(ref=key) if c not in cases]
    if not cases:
        return _cannot(claim, f"No case in the registry matches {written}.", needed)
    wanted = claim.date.date if claim.date else None
    stops = (HearingOutcome.POSTPONED, HearingOutcome.ADJOURNED)
    figures: list[tuple[int, Figure]] = []  # (rank: 0 latest sets the day, 1 earlier, 2 no)
    for case in cases:
        shown = list(
            policy.visible(Hearing.objects.filter(case=case), reader).order_by("date", "id")
        )
        past = [h for h in shown if h.outcome in stops and h.date.earliest <= as_of]
        chain = hearings.chain(case.ref, reader, as_of) if case.ref else None
        data: dict[str, object] = {
            "case": case.ref,
            "as_of": as_of.isoformat(),
            "claimed_date": wanted.isoformat() if wanted else None,
            "postponements": [
                {"hearing": str(h.date), "outcome": h.outcome, "next_date": str(h.next_date or "")}
                for h in past
            ],
        }
        if chain is not None:
            data["chain"] = chain.record()
        title = hearings.case_title(case, reader)
        if not shown:
            figures.append((3, Figure(f"case {case.ref}: no hearing on record", None, None, data)))
            continue
        if wanted is None:
            holds = _last_stop(shown, as_of) in stops
            rank = 0 if holds else 2
            reading = f"case {case.ref} ({title}): the last hearing before {as_of} was postponed"
            figures.append((rank, Figure(reading, None, holds, data)))
            continue
        last = past[-1] if past else None
        # A day written without its year is also tried in the years around the one
        # read ("until November 11" written in December: this year's, not next year's).
        rank, day, setting = 2, wanted, []
        for candidate in _candidate_days(claim.date):
            sets = [h for h in past if h.next_date and _covers(h.next_date, candidate)]
            r = 2 if not sets else 0 if sets[-1] is last else 1
            if r < rank:
                rank, day, setting = r, candidate, sets
        holds = rank < 2
        data["matched_date"] = day.isoformat()
        data["next_date_set_by"] = str(setting[-1].date) if setting else None
        data["last_postponement"] = str(last.date) if last else None
        data["last_next_date"] = str(last.next_date or "") if last else None
        reading = f"case {case.ref} ({title}): postponed until {day.isoformat()}"
        figures.append((rank, Figure(reading, None, holds, data)))
    figures.sort(key=lambda f: f[0])
    best_rank, best = figures[0]
    ordered = tuple(f for _, f in figures)
    case_ref = best.data.get("case")
    evidence = f"/cases/{case_ref}/" if case_ref else None
    if best_rank == 3:
        return Verdict(
            claim, Label.CANNOT_CHECK,
            f"The registry has no hearing of the case of {written} on record.",
            None, ordered, needed=f"the hearings of the case of {written}", evidence=evidence,
        )  # fmt: skip
    data = best.data
    if wanted is not None:
        wanted = dt.date.fromisoformat(str(data.get("matched_date") or wanted.isoformat()))
    caveats: list[str] = []
    if len([f for f in figures if f[0] < 3]) > 1:
        caveats.append(f"{written} is a defendant in more than one case; ruled on the best match")
    if wanted is None:
        label = Label.SUPPORTED if best_rank == 0 else Label.NOT_SUPPORTED
        caveats.append("the sentence gives no date; only the postponement itself was checked")
        summary = (
            f"The last hearing of {data['case']} on record before {as_of} was postponed."
            if best_rank == 0
            else f"The last hearing of {data['case']} on record before {as_of} was not postponed."
        )
    elif best_rank == 0:
        label = Label.SUPPORTED
        summary = (
            f"The hearing of {data['case']} on {data['last_postponement']} was postponed "
            f"until {wanted.isoformat()}."
        )
    elif best_rank == 1:
        label = Label.CAVEATS
        summary = (
            f"The hearing of {data['case']} on {data['next_date_set_by']} was postponed until "
            f"{wanted.isoformat()}, but it was postponed again later, last until "
            f"{data['last_next_date']}."
        )
        caveats.append("out of date: a later postponement moved the hearing again")
    else:
        label = Label.NOT_SUPPORTED
        last_next = data.get("last_next_date")
        summary = f"No hearing of {data['case']} was postponed until {wanted.isoformat()}" + (
            f"; the last postponement set {last_next}." if last_next else "."
        )
    if claim.date is not None and not claim.date.year_given:
        caveats.append(f"the year was not written; read as {wanted.year if wanted else ''}")
    return Verdict(claim, label, summary, None, ordered, tuple(caveats), None, evidence)


def _candidate_days(date: DateMention | None) -> list[dt.date]:
    """The day claimed; when its year was not written, also that day a year before and
    a year after (the read one first)."""
    if date is None:
        return []
    days = [date.date]
    if not date.year_given:
        for year in (date.date.year - 1, date.date.year + 1):
            try:
                days.append(date.date.replace(year=year))
            except ValueError:  # 29 February
                continue
    return days


def _covers(date: Any, day: dt.date) -> bool:
    """Whether a partial date (a stored next date) can be ``day``."""
    return bool(date.earliest <= day <= date.latest)


def _last_stop(shown: list[Any], as_of: dt.date) -> str | None:
    past = [h for h in shown if h.date.earliest <= as_of and h.outcome != "scheduled"]
    return past[-1].outcome if past else None


# - count_held


@dataclass(frozen=True)
class _Reading:
    label: str
    refs: frozenset[str] | None  # None: could not be computed
    data: dict[str, object]
    evidence: str | None


def _rule_count(claim: CaseClaim, reader: Any, as_of: dt.date) -> Verdict:
    from vigil.claims import verdict as V

    if not claim.quantities:
        return _cannot(claim, "The sentence gives no count.", "a count of people")
    q = claim.quantities[0]
    tol = _tolerance(q)
    day = _claim_day(claim, as_of)
    if day > as_of:
        return _cannot(
            claim, f"The count is for {day}, after {as_of}.", f"the registry on {day}",
            tolerance=tol,
        )  # fmt: skip
    unknown = _unknown_organisation(claim, q)
    if unknown:
        return _cannot(
            claim,
            f"No organisation in the registry matches '{unknown}'.",
            f"an organisation in the registry matching '{unknown}'",
            tolerance=tol,
        )
    member_org, designator = _count_organisations(claim, reader)
    readings = _count_readings(reader, day, member_org, designator)
    designated_first = bool(_search(_DESIGNATED_ANY, claim.span.text))
    if designated_first:
        readings.sort(key=lambda r: 0 if r.label.startswith("designated") else 1)
    figures = []
    outcomes = []
    for r in readings:
        value = float(len(r.refs)) if r.refs is not None else None
        holds = tol.holds(value) if value is not None else None
        data = {**r.data, "people": sorted(r.refs) if r.refs is not None else None}
        figures.append(Figure(r.label, value, holds, data))
        outcomes.append(V.Outcome(holds))
    decision = V.decide(outcomes)
    basis = decision.basis if decision.basis is not None else 0
    if figures and basis:
        figures.insert(0, figures.pop(basis))
        readings.insert(0, readings.pop(basis))
    caveats = [
        "the registry counts only the people it records; a larger true figure cannot be "
        "ruled out by it"
    ]
    if figures and figures[0].value is not None:
        note = V.hedge_note(q, figures[0].value)
        if note:
            caveats.append(note)
    if decision.label is Label.CAVEATS:
        caveats.append(decision.reason)
    if claim.date is not None and day != claim.date.date:
        caveats.append(f"the year was not written; read as {day.year} (a count of the past)")
    whose = f" of {member_org.name}" if member_org is not None else ""
    first = figures[0] if figures else None
    summary = (
        f"{first.reading}{whose} on {day}: {_n(first.value)}; the sentence says "
        f"{q.span.text} ({tol.why})."
        if first is not None
        else "No reading could be computed."
    )
    return Verdict(
        claim=claim,
        label=decision.label,
        summary=summary,
        tolerance=tol,
        figures=tuple(figures),
        caveats=tuple(caveats),
        needed=None if decision.label is not Label.CANNOT_CHECK else "counts in the registry",
        evidence=readings[0].evidence if readings else None,
    )


_DESIGNATED_ANY = "|".join(f"(?:{p})" for p in _DESIGNATED.values())


def _n(value: float | None) -> str:
    return "no figure" if value is None else f"{value:g}"


def _claim_day(claim: CaseClaim, as_of: dt.date) -> dt.date:
    """The day a count is for: the day named; else the last day of the period named
    (its default reading, capped at ``as_of``); else ``as_of``."""
    if claim.date is not None:
        day = claim.date.date
        if not claim.date.year_given and day > as_of:
            # A count is of the present or the past: "as of 1 July" written in December
            # is this year's July (a reader of dates may look forward).
            earlier = _candidate_days(claim.date)[1:2]
            return earlier[0] if earlier else day
        return day
    if claim.period is not None and claim.period.readings:
        end = claim.period.readings[0].end - dt.timedelta(days=1)
        return min(end, as_of)
    return as_of


_PEOPLE_ANY = "|".join(f"(?:{p})" for p in _PEOPLE.values())
_ACRONYM = re.compile(r"(?<![\w\-])[A-ZƏÜÖĞŞÇİА-ЯЁІЇЄҐ]{2,6}(?![\w])")


def _unknown_organisation(claim: CaseClaim, q: Quantity) -> str | None:
    """An acronym between the count and the people counted ("50 AXCP activists") that
    matched no organisation the reader may see: the count is that organisation's, and
    the registry cannot give it (a hidden organisation is answered as a missing one)."""
    at = q.span.start - claim.span.start
    rest = claim.span.text[at:]
    noun = re.search(_PEOPLE_ANY, rest, _I)
    gap = rest[: noun.start()] if noun else rest[: len(q.span.text)]
    known = [
        (m.span.start - q.span.start, m.span.end - q.span.start)
        for m in claim.matches
        if m.what == "organisation"
    ]
    for m in _ACRONYM.finditer(gap):
        if not any(a <= m.start() and m.end() <= b for a, b in known):
            return m.group(0)
    return None


def _count_organisations(claim: CaseClaim, reader: Any) -> tuple[Any, Any]:
    """(the organisation whose members are counted, the one whose designations or
    lists count): an organisation named with members is the first, one that
    designates or publishes lists the second."""
    from vigil.cases import policy
    from vigil.cases.models import Affiliation, Designation, ListRelease

    member, designator = None, None
    for m in claim.matches:
        if m.what != "organisation":
            continue
        org = _org(m.key, reader)
        if org is None:
            continue
        if policy.visible(Affiliation, reader).filter(organisation=org).exists():
            member = member or org
        elif (
            policy.visible(Designation, reader).filter(organisation=org).exists()
            or policy.visible(ListRelease, reader).filter(organisation=org).exists()
        ):
            designator = designator or org
    return member, designator


def _org(key: str, reader: Any) -> Any:
    from vigil.cases import registry
    from vigil.errors import NotFound

    try:
        return registry.organisation(key, reader)
    except NotFound:
        return None


def _refs(frame: Any) -> frozenset[str]:
    return frozenset(str(r) for r in frame["ref"] if r)


def _list_url(**params: str | None) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    return f"/prisoners/?{query}" if query else "/prisoners/"


def _count_readings(reader: Any, day: dt.date, member: Any, designator: Any) -> list[_Reading]:
    """Held on ``day``; designated on ``day`` (by the organisation named, else by any);
    on the latest list release on or before ``day`` of each designator with lists.
    All restricted to the members of ``member`` when given."""
    from vigil.cases import policy, registry
    from vigil.cases.models import Designation, ListRelease, Organisation
    from vigil.cases.stats import counted_on

    mkey = org_key(member) if member is not None else None
    base = {"date": day.isoformat(), "organisation": mkey}
    out: list[_Reading] = []
    held = registry.list_people(reader, on=day, status="deprived", organisation_key=mkey)
    # political prisoners by the registry's one rule (vigil.cases.stats.counted): held,
    # and a defendant, listed or designated; never a detained lawyer or witness
    counted = policy.people(reader).filter(id__in=counted_on(reader, day))
    held = held[held["ref"].isin(set(counted.values_list("ref", flat=True)))]
    out.append(
        _Reading(
            "held (in custody or under house arrest; defendants, listed or designated "
            "people only, the registry's rule for political prisoners)",
            _refs(held),
            {**base, "status": "deprived", "counted": True, "source": "registry status timelines"},
            _list_url(on=day.isoformat(), counted="1", organisation=mkey),
        )
    )
    if designator is not None:
        designators = [designator]
    else:
        ids = policy.visible(Designation, reader).values("organisation_id")
        designators = list(policy.visible(Organisation, reader).filter(id__in=ids).order_by("id"))
    designated: set[str] = set()
    for d in designators:
        frame = registry.list_people(reader, on=day, designation=org_key(d), organisation_key=mkey)
        designated |= _refs(frame)
    by = [org_key(d) for d in designators]
    out.append(
        _Reading(
            "designated political prisoners" + (f" (by {', '.join(by)})" if by else ""),
            frozenset(designated) if designators else None,
            {**base, "designated_by": by},
            _list_url(
                on=day.isoformat(),
                designation=by[0] if len(by) == 1 else None,
                organisation=mkey,
            ),
        )
    )
    publishers = [designator] if designator is not None else designators
    for pub in publishers:
        rels = [
            r
            for r in policy.visible(ListRelease, reader).filter(organisation=pub)
            if r.published.earliest <= day
        ]
        if not rels or not rels[-1].ref:
            continue
        rel = sorted(rels, key=lambda r: (r.published.earliest, r.id))[-1]
        frame = registry.list_people(reader, on=day, release_key=rel.ref, organisation_key=mkey)
        out.append(
            _Reading(
                f"on the list {rel.ref} ({org_key(pub)}, published {rel.published})",
                _refs(frame),
                {**base, "release": rel.ref, "published": str(rel.published)},
                _list_url(release=rel.ref, organisation=mkey),
            )
        )
    return out


# - list_change


def _rule_list(claim: CaseClaim, reader: Any, as_of: dt.date) -> Verdict:
    import pandas as pd

    from vigil.cases import releases as R
    from vigil.claims import verdict as V

    if not claim.quantities:
        return _cannot(claim, "The sentence gives no count.", "the sizes of the list")
    pub, why = _publisher(claim, reader)
    if pub is None:
        return _cannot(claim, why, "the organisation whose list it is, with two releases")
    frame = R.releases(org_key(pub), reader)
    frame = frame[
        [pd.Timestamp(_earliest(p)) <= pd.Timestamp(as_of) for p in frame["published"]]
    ].reset_index(drop=True)
    if len(frame) < 2:
        return _cannot(
            claim,
            f"The registry has fewer than two releases of {org_key(pub)}'s list by {as_of}.",
            f"two releases of {org_key(pub)}'s list",
        )
    pairs = _pairs(frame, claim.period)
    direction = (
        1 if _search(_UP_ANY, claim.span.text) else -1 if _search(_DOWN_ANY, claim.span.text) else 0
    )
    qs = claim.quantities
    by_change = len(qs) == 1 and _says_by(claim)
    tols = [_tolerance(q) for q in qs]
    figures, outcomes, evidence = [], [], []
    for a, b in pairs:
        ra, rb = frame.iloc[a], frame.iloc[b]
        n_a, n_b = int(ra["entries"]), int(rb["entries"])
        key_a = str(ra["ref"]) if ra["ref"] else f"{org_key(pub)}@{ra['published']}"
        key_b = str(rb["ref"]) if rb["ref"] else f"{org_key(pub)}@{rb['published']}"
        change = R.diff(key_a, key_b, reader)
        added = sorted(str(r) for r in change[change["change"] == "added"]["ref"])
        removed = sorted(str(r) for r in change[change["change"] == "removed"]["ref"])
        if len(qs) >= 2:
            holds = tols[0].holds(n_a) and tols[1].holds(n_b)
            value = float(n_b)
        elif by_change:
            value = float(abs(n_b - n_a))
            holds = tols[0].holds(value)
        else:
            value = float(n_b)
            holds = tols[0].holds(value)
        if direction and (n_b - n_a) * direction <= 0:
            holds = False  # "grew" while it shrank or stayed
        data: dict[str, object] = {
            "organisation": org_key(pub),
            "release_a": key_a,
            "published_a": str(ra["published"]),
            "entries_a": n_a,
            "release_b": key_b,
            "published_b": str(rb["published"]),
            "entries_b": n_b,
            "difference": n_b - n_a,
            "added": added,
            "removed": removed,
        }
        reading = f"{org_key(pub)}'s list {ra['published']} → {rb['published']}: {n_a} → {n_b}"
        figures.append(Figure(reading, value, holds, data))
        outcomes.append(V.Outcome(holds))
        evidence.append(_list_url(release=key_b))
    decision = V.decide(outcomes)
    basis = decision.basis or 0
    if basis:
        figures.insert(0, figures.pop(basis))
        evidence.insert(0, evidence.pop(basis))
    f = figures[0]
    said = " → ".join(q.span.text for q in qs)
    summary = f"{f.reading} (a difference of {f.data['difference']:+d}); the sentence says {said}."
    caveats = [decision.reason] if decision.label is Label.CAVEATS else []
    return Verdict(
        claim=claim,
        label=decision.label,
        summary=summary,
        tolerance=tols[-1],
        figures=tuple(figures),
        caveats=tuple(caveats),
        evidence=evidence[0],
    )


_UP_ANY = "|".join(f"(?:{p})" for p in _UP.values())
_DOWN_ANY = "|".join(f"(?:{p})" for p in _DOWN.values())
_BY_ANY = "|".join(f"(?:{p})" for p in _BY.values() if p != "$^")


def _says_by(claim: CaseClaim) -> bool:
    """One count read as the change ("grew by 89", "вырос на 89", "89 nəfər artıb")."""
    q = claim.quantities[0]
    start = q.span.start - claim.span.start
    before = claim.span.text[max(0, start - 8) : start]
    after = claim.span.text[start + len(q.span.text) :]
    return bool(re.search(_BY_ANY, before, _I) or re.match(_BY_AFTER_AZ, after, _I))


def _earliest(published: str) -> dt.date:
    from vigil.cases.dates import PartialDate

    parsed = PartialDate.parse(published)
    assert parsed is not None
    return parsed.earliest


def _pairs(frame: Any, period: PeriodMention | None) -> list[tuple[int, int]]:
    """Pairs of release rows (A, B) to compare, the default first: with a period, the
    last release on or before its start (else the first after it) and the last before
    its end; without, the last two. Then the first and the last release."""
    n = len(frame)
    days = [_earliest(p) for p in frame["published"]]
    pairs: list[tuple[int, int]] = []
    if period is not None and period.readings:
        r = period.readings[0]
        before = [i for i, d in enumerate(days) if d <= r.start]
        inside = [i for i, d in enumerate(days) if d < r.end]
        a = before[-1] if before else 0
        b = inside[-1] if inside else n - 1
        if a < b:
            pairs.append((a, b))
    for pair in ((n - 2, n - 1), (0, n - 1)):
        if pair not in pairs:
            pairs.append(pair)
    return pairs


def _publisher(claim: CaseClaim, reader: Any) -> tuple[Any, str]:
    """The organisation whose list the claim is about: one named that publishes
    releases; else the only one that does; else none, and why."""
    from vigil.cases import policy
    from vigil.cases.models import ListRelease, Organisation

    publishing = policy.visible(Organisation, reader).filter(
        id__in=policy.visible(ListRelease, reader).values("organisation_id")
    )
    named = []
    for m in claim.matches:
        if m.what == "list":
            rel = policy.visible(ListRelease, reader).filter(ref=m.key).first()
            if rel is not None:
                return rel.organisation, ""
        if m.what == "organisation":
            org = _org(m.key, reader)
            if org is not None and publishing.filter(id=org.id).exists():
                return org, ""
            named.append(m.span.text)
    if named:  # the sentence names whose list, and that one publishes none here
        return None, f"The registry has no list published by {', '.join(named)}."
    if publishing.count() == 1:
        return publishing.first(), ""
    if not publishing.exists():
        return None, "The registry has no published list."
    return None, "The sentence does not say whose list it is."


__all__ = [
    "COUNT_HELD",
    "HEARING_POSTPONED",
    "LIST_CHANGE",
    "actor",
    "find",
    "match_names",
    "org_key",
    "rule",
]
