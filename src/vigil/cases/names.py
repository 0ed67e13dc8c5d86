"""Names across scripts: folding, phonetic skeletons and similarity.

"Əli Kərimli" (Azerbaijani Latin), "Али Керимли" (Russian Cyrillic) and "Ali Karimli"
(English) must find one person. Three steps, each a pure function:

1. :func:`fold` writes any script in plain lowercase ASCII the same way: Cyrillic
   (Russian and Azerbaijani) is transliterated (Unidecode), accents are dropped, and
   the spellings that transliteration schemes disagree on are made equal:
   ``ə → a``, ``kh``/``x``/``х → x``, ``sh``/``ş → s``, ``ch``/``ç``/``ч → c``,
   ``c`` (Azerbaijani and Turkish /dʒ/) / ``j`` / ``dzh`` / ``zh`` / ``ҹ → j``,
   ``q → g``, ``y → i``, ``w → v``; an ``h`` starting a word is ``g`` (Russian writes
   Həsənli, Hüseynov, Hacıyev as Гасанли, Гусейнов, Гаджиев) and any other ``h`` is
   ``x`` (Şahin, Mehdi: Шахин, Мехти); a Russian ``е`` after a vowel is ``ye``
   (Рзаев: Rzayev); doubled letters are written once.
2. :func:`skeleton` keeps each word's consonants (and whether it starts with a vowel),
   sorted: "Kerimli Ali" and "Ali Karimli" both give ``a-l krml``. Equal skeletons are
   the first test of the duplicate finder.
3. :func:`similarity` scores two names 0–100 once folded (rapidfuzz's token-sort
   ratio, so word order does not matter), and 95 for equal skeletons.
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz
from unidecode import unidecode

# Letters Unidecode reads differently from their usual English transliteration.
_BEFORE_UNIDECODE = str.maketrans(
    {
        "ə": "a",
        "Ə": "A",
        "ı": "i",
        "İ": "I",
        "ç": "ch",  # Azerbaijani/Turkish ç is /tʃ/; a bare c is /dʒ/ (see _C_AS_J)
        "Ç": "Ch",
        "х": "kh",  # Cyrillic х, so that it meets Azerbaijani x
        "Х": "Kh",
        "ё": "e",
        "Ё": "E",
        "й": "i",
        "Й": "I",
        "ъ": "",
        "ь": "",
        "Ъ": "",
        "Ь": "",
        # Azerbaijani Cyrillic (1939–1991): Кәримли, Һәсәнли, Ҹәфәров, Ағајев.
        "ә": "a",
        "Ә": "A",
        "ҹ": "j",
        "Ҹ": "J",
        "һ": "h",
        "Һ": "H",
        "ғ": "g",
        "Ғ": "G",
        "ј": "y",
        "Ј": "Y",
        "ҝ": "g",
        "Ҝ": "G",
        "ө": "o",
        "Ө": "O",
        "ү": "u",
        "Ү": "U",
        # An apostrophe inside a name is a soft sign (Il'ja, Igor'), not a word break.
        "'": "",
        "’": "",
        "ʹ": "",
        "ʼ": "",
        # ISO 9 / scholarly romanisation of Cyrillic: Ljubovʹ Lizunova, Čerkasov, Šuvalov.
        "č": "ch",
        "Č": "Ch",
        "š": "sh",
        "Š": "Sh",
        "ž": "zh",
        "Ž": "Zh",
        "ŝ": "shch",
        "Ŝ": "Shch",
        "û": "ju",
        "Û": "Ju",
        "â": "ja",
        "Â": "Ja",
    }
)
# Letters only Ukrainian has among the Cyrillic alphabets read here.
_UKRAINIAN = re.compile("[іїєґІЇЄҐ]")
_UKRAINIAN_H = str.maketrans({"г": "h", "Г": "H", "ґ": "g", "Ґ": "G"})
# Russian е after a vowel (or a hard or soft sign) is read "ye": Рзаев, Rzayev.
_CYRILLIC_YE = re.compile(r"(?<=[аеёиоуыэюяәАЕЁИОУЫЭЮЯӘьъЬЪ])([еЕ])")
# Order matters: longer spellings first.
_DIGRAPHS = [
    ("shch", "s"),
    ("dzh", "j"),
    ("dj", "j"),
    ("zh", "j"),
    ("kh", "x"),
    ("sh", "s"),
    ("ck", "k"),
]
_C_AS_J = re.compile(r"c(?!h)")  # Cəfərov, Jafarov, Джафаров
_LATER = [
    ("ch", "c"),
    ("ts", "c"),
    ("gh", "g"),
    ("ph", "f"),
    ("th", "t"),
    ("q", "g"),
    ("w", "v"),
    ("y", "i"),
]
_INITIAL_H = re.compile(r"\bh")
_NOT_LETTER = re.compile(r"[^a-z0-9]+")
_DOUBLE = re.compile(r"([a-z])\1+")
_VOWELS = re.compile(r"[aeiou]")


def fold(name: str) -> str:
    """Plain lowercase ASCII words, the same for a name in any script or spelling."""
    text = unicodedata.normalize("NFC", name)
    if _UKRAINIAN.search(text):
        text = text.translate(_UKRAINIAN_H)  # Ukrainian г is h: Сергій, Serhii
    text = _CYRILLIC_YE.sub(lambda m: "й" + m.group(1), text).translate(_BEFORE_UNIDECODE)
    text = unidecode(text).lower()
    text = _NOT_LETTER.sub(" ", text)
    for old, new in _DIGRAPHS:
        text = text.replace(old, new)
    text = _C_AS_J.sub("j", text)
    for old, new in _LATER:
        text = text.replace(old, new)
    text = _INITIAL_H.sub("g", text).replace("h", "x")
    text = _DOUBLE.sub(r"\1", text)
    return " ".join(text.split())


# Brackets that hold another name of the same person: 王玉文（王藏）, Ali (Aliyev).
_BRACKETED = re.compile(r"[(（\[【]([^)）\]】]*)[)）\]】]")
_ALIAS_SEPARATORS = re.compile(r"[,，、;；/]")


def aliases(name: str) -> list[str]:
    """The names ``name`` holds: itself without its brackets, then each name written in
    round or square brackets (full-width or ASCII), in order, without repeats.

    ``王玉文（王藏）`` is 王玉文 and 王藏; ``Ali Karimli (Ali Kerimov, Ali Kerimli)`` three
    names. A name without brackets is itself alone.
    """
    text = unicodedata.normalize("NFC", str(name))
    found = [text.strip()] if not _BRACKETED.search(text) else []
    if not found:
        main = " ".join(_BRACKETED.sub(" ", text).split())
        found = [main] if main else []
        for inside in _BRACKETED.findall(text):
            found += [a.strip() for a in _ALIAS_SEPARATORS.split(inside)]
    out: list[str] = []
    for a in found:
        if a and a not in out:
            out.append(a)
    return out


def _word_skeleton(word: str) -> str:
    consonants = _VOWELS.sub("", word)
    return ("a-" if word[:1] in "aeiou" else "") + consonants


def skeleton(name: str) -> str:
    """Each word's consonants, sorted: equal for transliteration variants of a name."""
    words = [_word_skeleton(w) for w in fold(name).split()]
    return " ".join(sorted(w for w in words if w.strip("a-")))


def similarity(a: str, b: str) -> float:
    """0–100: how alike two names are once folded (word order does not matter)."""
    fa, fb = fold(a), fold(b)
    if not fa or not fb:
        return 0.0
    return max(fuzz.token_sort_ratio(fa, fb), _skeleton_score(a, b))


def _skeleton_score(a: str, b: str) -> float:
    sa, sb = skeleton(a), skeleton(b)
    return 95.0 if sa and sa == sb else 0.0
