"""A name's parts, and the one decision whether two written names are one person's name.

:func:`vigil.cases.names.fold` writes every script the same way; this module reads
what the folded words *are*, so that matching does not depend on word order or on
parts one spelling leaves out:

- **Aliases**: ``王玉文（王藏）`` and ``Ali Karimli (Ali Kerimov)`` are two names each
  (:func:`vigil.cases.names.aliases`); a name matches when any of them does.
- **Patronymics** are set apart, not compared as a given name or surname: the word
  before an Azerbaijani marker (``Raqif oğlu``, ``oglu``/``ogly``/``оглы``,
  ``qızı``/``qizi``/``gizi``/``kyzy``/``кызы``) and, in a name of three words or more,
  a Russian or Ukrainian patronymic (``-ovich``/``-evich``/``-ovna``/``-evna``/
  ``-ivna``/``-ichna``/``-ich``, in any script). A patronymic one spelling leaves out
  costs nothing; two different patronymics (a father and a son of the same name) make
  two people.
- **Parts** (given names and surnames) are matched one to one, in any order. Two parts
  match when they fold the same, or share their consonants and most letters (the
  Russian renderings of Azerbaijani names: Məmmədov, Mammadov, Mamedov, Мамедов; the
  Cyrillic romanisations: Lyubov, Liubov, Ljubov; Yuri, Iurii, Jurij; Aleksandr,
  Alexander), or differ by a letter or two in a long part. A male and a female form
  (Petrov, Petrova) do not match.
- **Chinese** names (Han characters) are compared by their characters, and with a Latin
  spelling by their pinyin (pypinyin; with or without spaces and tone marks, surname
  first or last; the surname readings of 曾, 单, 解 … and two-character surnames such as
  欧阳). Two Chinese names in characters are one name only when the characters are the
  same: the same pinyin under other characters is a homophone.

:func:`pair_score` (symmetric; the duplicate finder) and :func:`query_score` (a query
matching part of a name; ``find``) give 0–100; :data:`SAME_NAME` is the decision
threshold, measured on the labelled pairs of ``tests/cases/data/name_pairs.csv``.
"""

from __future__ import annotations

import bisect
import csv
import itertools
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz
from unidecode import unidecode

from vigil.cases.names import aliases, fold

#: Two names scoring at least this are one person's name (the pair decision).
SAME_NAME = 90.0

_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
_HAN_RUN = re.compile(_HAN.pattern + "+")
# Folded Azerbaijani markers: oğlu, oglu, ogly, оглы; qızı, qizi, gizi, kyzy, кызы.
_SON_OF = {"oglu", "ogli", "ogl", "uulu"}
_DAUGHTER_OF = {"gizi", "kizi"}
_MARKERS = _SON_OF | _DAUGHTER_OF
# Folded Russian/Ukrainian patronymic endings (-ович, -евич, -овна, -евна, -івна,
# -ична, -ич); the strong ones first: a surname ending in -ich (Babich) is weaker.
_PATRONYMIC_STRONG = re.compile(r"(ovic|evic|ovna|evna|ivna|icna|inicna)$")
_PATRONYMIC_WEAK = re.compile(r"..ic$")
# A j after a consonant is the Slavic soft sign's y (Ljubov, Lyubov, Liubov).
_SOFT_J = re.compile(r"(?<=[bcfgklmnprstvxz])j")
_FINAL_IJ = re.compile(r"ij$")
# The y of a Russian е after a vowel, which passports leave out (Фадеева: Fadeeva).
_GLIDE_YE = re.compile(r"(?<=[aeiou])i(?=e)")
_DOUBLE = re.compile(r"([a-z])\1+")
_VOWEL = re.compile(r"[aeiou]")
_LETTERS = re.compile(r"[^a-z]+")
_FEMALE_ENDINGS = ("a",)

# Surnames read otherwise than the character's commonest reading.
_SURNAME_READING = {
    "曾": "zeng",
    "单": "shan",
    "單": "shan",
    "解": "xie",
    "仇": "qiu",
    "区": "ou",
    "區": "ou",
    "查": "zha",
    "朴": "piao",
    "盖": "ge",
    "蓋": "ge",
    "乐": "yue",
    "樂": "yue",
    "翟": "zhai",
    "覃": "qin",
    "缪": "miao",
    "繆": "miao",
    "秘": "bi",
    "召": "shao",
    "种": "chong",
    "種": "chong",
    "折": "she",
    "员": "yun",
    "員": "yun",
    "长孙": "zhangsun",
    "長孫": "zhangsun",
    "尉迟": "yuchi",
    "尉遲": "yuchi",
    "万俟": "moqi",
    "萬俟": "moqi",
}
_COMPOUND_SURNAMES = {
    "欧阳",
    "歐陽",
    "司马",
    "司馬",
    "上官",
    "诸葛",
    "諸葛",
    "东方",
    "東方",
    "皇甫",
    "尉迟",
    "尉遲",
    "公孙",
    "公孫",
    "慕容",
    "令狐",
    "夏侯",
    "长孙",
    "長孫",
    "宇文",
    "司徒",
    "端木",
    "万俟",
    "萬俟",
    "轩辕",
    "軒轅",
    "西门",
    "西門",
    "申屠",
    "独孤",
    "獨孤",
}


@dataclass(frozen=True, slots=True)
class Spelling:
    """One written form of a name, read: its parts, or its characters and pinyin."""

    parts: tuple[str, ...]  # normalised folded given names and surnames
    patronymic: str  # normalised folded patronymic, "" when none
    han: str  # the Han characters of a Chinese name, "" otherwise
    pinyin: frozenset[str]  # a Chinese name's compact pinyin spellings
    syllables: frozenset[str]  # and its surname's and given name's, apart
    text: str  # the spelling as written (a Latin one's letters meet pinyin: compact)

    @property
    def compact(self) -> str:
        """A Latin spelling's letters, no spaces or marks: to compare with pinyin."""
        return "" if self.han else _compact(self.text)


def is_han(text: str) -> bool:
    """Whether ``text`` holds Han (Chinese) characters."""
    # max() first: a C loop that clears every Latin and Cyrillic name at once.
    return bool(text) and max(text) >= "\u3400" and _HAN.search(text) is not None


def han_rows(names: list[str]) -> set[int]:
    """The positions of the names in ``names`` that hold Han characters (one regular
    expression over them all: a registry without Chinese names pays almost nothing)."""
    text = "\n".join(names)
    if not text or max(text) < "\u3400":
        return set()
    starts = list(itertools.accumulate((len(n) + 1 for n in names), initial=0))
    return {bisect.bisect_right(starts, m.start()) - 1 for m in _HAN_RUN.finditer(text)}


def normal_part(word: str) -> str:
    """A folded word with the spellings romanisations disagree on made equal."""
    word = _SOFT_J.sub("i", word)
    word = _GLIDE_YE.sub("", word)  # Fadeyeva, Fadeeva; Musayev, Musaev
    word = _FINAL_IJ.sub("i", word).replace("ks", "x")
    if word.startswith("ie"):
        word = word[1:]  # Yevgeniya, Evgeniia; Yelena, Elena
    return _DOUBLE.sub(r"\1", word)


def loose(part: str) -> str:
    """A part's consonants, and how it starts (a vowel, a y-glide or a consonant)."""
    start = ""
    if part[:1] in ("j", "i") and part[1:2] in tuple("aeiou"):
        start, part = "y-", part[1:]
    elif part[:1] in tuple("aeiou"):
        start = "a-"
    return start + _VOWEL.sub("", part)


@lru_cache(maxsize=65536)
def part_match(a: str, b: str) -> float:
    """0–1: whether two normalised parts are one name part (0: they are not)."""
    if a == b:
        return 1.0
    if not a or not b or a + "a" == b or b + "a" == a:
        return 0.0  # Petrov, Petrova: a man and a woman of one family
    ratio = fuzz.ratio(a, b)
    shorter = min(len(a), len(b))
    # Vowels may differ (ə as е or а: Məmmədov, Мамедов), but in a short part one
    # letter more is another name (Maria, Marina; Gang, Guang; Brown, Browne).
    length_ok = len(a) == len(b) or (shorter >= 7 and abs(len(a) - len(b)) == 1)
    if ratio >= 70 and length_ok and loose(a) == loose(b):
        return 0.95
    if ratio >= 88 and shorter >= 7:
        return ratio / 100
    return 0.0


def _split_patronymic(words: list[str]) -> tuple[list[str], str]:
    for i, word in enumerate(words):
        if word in _MARKERS and i > 0:
            return words[: i - 1] + words[i + 1 :], words[i - 1]
    if len(words) >= 3:
        for pattern in (_PATRONYMIC_STRONG, _PATRONYMIC_WEAK):
            found = [i for i, w in enumerate(words) if i > 0 and pattern.search(w)]
            if found:
                # Given Patronymic Surname puts it second; Surname Given Patronymic last.
                i = found[0]
                return words[:i] + words[i + 1 :], words[i]
        for i, word in enumerate(words):
            if i > 0 and len(word) > 6 and word.endswith(tuple(_MARKERS)):
                return words[:i] + words[i + 1 :], word  # Rafiqoğlu written as one word
    return words, ""


def _pinyin(han: str) -> tuple[frozenset[str], frozenset[str]]:
    from pypinyin import Style, lazy_pinyin

    def syllables(text: str) -> str:
        return "".join(lazy_pinyin(text, style=Style.NORMAL)).replace("v", "u")

    size = 2 if han[:2] in _COMPOUND_SURNAMES and len(han) > 2 else 1
    surname, given = han[:size], han[size:]
    readings = {syllables(surname), _SURNAME_READING.get(surname, syllables(surname))}
    given_pinyin = syllables(given)
    spellings = {s + given_pinyin for s in readings} | {given_pinyin + s for s in readings}
    return frozenset(s for s in spellings if s), frozenset({*readings, given_pinyin} - {""})


@lru_cache(maxsize=65536)
def _compact(text: str) -> str:
    return _LETTERS.sub("", unidecode(unicodedata.normalize("NFC", text)).lower())


def _spelling_of_folded(folded: str, original: str) -> Spelling:
    core, patronymic = _split_patronymic(folded.split())
    return Spelling(
        parts=tuple(normal_part(w) for w in core),
        patronymic=normal_part(patronymic) if patronymic else "",
        han="",
        pinyin=frozenset(),
        syllables=frozenset(),
        text=original,
    )


def _spelling(text: str) -> Spelling:
    if is_han(text):
        han = "".join(_HAN.findall(text))
        return Spelling((), "", han, *_pinyin(han), text)
    return _spelling_of_folded(fold(text), text)


@lru_cache(maxsize=65536)
def parse(name: str) -> tuple[Spelling, ...]:
    """Every spelling ``name`` holds (itself, and its aliases in brackets), read."""
    return tuple(s for s in (_spelling(a) for a in aliases(name)) if s.parts or s.han)


@lru_cache(maxsize=65536)
def parse_stored(name: str, key: str) -> tuple[Spelling, ...]:
    """:func:`parse` for a stored name whose folded ``key`` is known (saves the fold of
    a plain name: what a search over every name in the registry needs)."""
    if is_han(name) or any(b in name for b in "(（[【"):
        return parse(name)
    spelling = _spelling_of_folded(key, name)
    return (spelling,) if spelling.parts else ()


def _assign(small: tuple[str, ...], big: tuple[str, ...]) -> list[float]:
    """The best one-to-one matches of ``small``'s parts among ``big``'s (greedy on the
    best scores: names have a handful of parts)."""
    scored = sorted(
        ((part_match(a, b), i, j) for i, a in enumerate(small) for j, b in enumerate(big)),
        reverse=True,
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    out = []
    for value, i, j in scored:
        if value <= 0:
            break
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            out.append(value)
    return out


def _han_score(a: Spelling, b: Spelling) -> float:
    if a.han and b.han:
        # Same characters: one name. Same pinyin, other characters: homophones (or a
        # traditional and a simplified writing, which this cannot tell apart).
        return 100.0 if a.han == b.han else (80.0 if a.pinyin & b.pinyin else 0.0)
    han, latin = (a, b) if a.han else (b, a)
    return 95.0 if latin.compact and latin.compact in han.pinyin else 0.0


@lru_cache(maxsize=65536)
def _joined(parts: tuple[str, ...]) -> frozenset[str]:
    """The parts written together in every order (at most 4 parts)."""
    if len(parts) > 4:
        return frozenset({"".join(parts)})
    return frozenset("".join(p) for p in itertools.permutations(parts))


def _run_together(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """One name's parts written with other breaks: LiuXiaobo, Liu Xiaobo, liu xiao bo."""
    return len(a) != len(b) and bool(_joined(a) & _joined(b))


def _spelling_pair(a: Spelling, b: Spelling) -> float:
    if a.han or b.han:
        return _han_score(a, b)
    # Ordered by length, then by the parts themselves: the same greedy match whichever
    # name comes first (the score is symmetric).
    small, big = sorted((a.parts, b.parts), key=lambda parts: (len(parts), parts))
    if not small:
        return 0.0
    if _run_together(small, big):
        return 95.0
    matches = _assign(small, big)
    if len(matches) < len(small):
        return 60.0 * sum(matches) / len(big)  # some parts only: a relative, a namesake
    if len(small) == 1 and len(big) > 1:
        return 60.0 * matches[0]  # a given name alone says too little
    # A name with more parts than the other may be another person's (Ali Hasanov,
    # Mohammed Ali Hasanov): below the threshold on the names alone.
    value = 100.0 * sum(matches) / len(matches) - 12.0 * (len(big) - len(small))
    if a.patronymic and b.patronymic and not part_match(a.patronymic, b.patronymic):
        return min(value, 50.0)  # a father and a son of the same name
    return value


def pair_score(a: str, b: str) -> float:
    """0–100: whether two written names are one person's name (order-free, any script;
    see the module's rules). Symmetric."""
    return max(
        (_spelling_pair(x, y) for x in parse(a) for y in parse(b)),
        default=0.0,
    )


def same_name(a: str, b: str) -> bool:
    """The pair decision: ``pair_score(a, b) >= SAME_NAME``."""
    return pair_score(a, b) >= SAME_NAME


def spellings_score(a: tuple[Spelling, ...], b: tuple[Spelling, ...]) -> float:
    """:func:`pair_score` of names already read."""
    return max((_spelling_pair(x, y) for x in a for y in b), default=0.0)


def _query_pair(q: Spelling, n: Spelling) -> float:
    if q.han or n.han:
        if q.han and n.han and len(q.han) < len(n.han) and q.han in n.han:
            return 80.0  # a surname or given name alone, in characters
        if n.han and not q.han and q.compact in n.syllables:
            return 80.0  # the pinyin of a surname or given name alone
        return _han_score(q, n)
    if not q.parts:
        return 0.0
    if _run_together(q.parts, n.parts):
        return 95.0
    parts = n.parts + ((n.patronymic,) if n.patronymic else ())
    matches = _assign(q.parts, parts)
    if len(matches) < len(q.parts):
        return 0.0
    if len(q.parts) == 1:
        return 88.0 * matches[0]
    value = 100.0 * sum(matches) / len(matches) - 3.0 * max(len(n.parts) - len(q.parts), 0)
    if q.patronymic and n.patronymic and not part_match(q.patronymic, n.patronymic):
        return min(value, 50.0)
    return value


def query_score(query: tuple[Spelling, ...], name: tuple[Spelling, ...]) -> float:
    """0–100: how well a query (read by :func:`parse`) matches a name: every part of
    the query must match a part of the name, in any order; the name may have more
    (a patronymic, a second given name). Chinese: characters, or pinyin."""
    return max((_query_pair(q, n) for q in query for n in name), default=0.0)


def measure(path: str | Path, half: str | None = None) -> dict[str, float]:
    """Precision and recall of :func:`same_name` on a labelled CSV (name_a, name_b,
    same, note, half), on one half (``tune``, ``held``) or all of it."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if half in (None, r["half"])]
    said = [same_name(r["name_a"], r["name_b"]) for r in rows]
    truth = [r["same"] == "1" for r in rows]
    tp = sum(s and t for s, t in zip(said, truth, strict=True))
    fp = sum(s and not t for s, t in zip(said, truth, strict=True))
    fn = sum(t and not s for s, t in zip(said, truth, strict=True))
    return {
        "pairs": len(rows),
        "same": sum(truth),
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        "false_positives": fp,
        "false_negatives": fn,
    }


if __name__ == "__main__":  # python -m vigil.cases.name_parts tests/cases/data/name_pairs.csv
    import sys

    print("| half | pairs | same person | precision | recall | false pos. | false neg. |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for part in ("tune", "held", None):
        m = measure(sys.argv[1], part)
        print(
            f"| {part or 'all'} | {m['pairs']:.0f} | {m['same']:.0f} | {m['precision']:.3f} "
            f"| {m['recall']:.3f} | {m['false_positives']:.0f} | {m['false_negatives']:.0f} |"
        )
