"""Lists published as documents: numbered entries of a PDF, Word, HTML or text file.

Groups publish their lists of political prisoners as documents, not spreadsheets. This
module reads such a document and writes a *review sheet*: one row per numbered entry,
its fields found under the label spellings real lists use (English, Russian,
Azerbaijani), with the page and line each value came from and a confidence. A person
corrects the sheet, then imports it with the normal importer and
``data/cases-demo/review.mapping.toml``::

    from vigil.cases.extract import extract, write_review
    found = extract("list.pdf")          # InputError when there is nothing to read
    write_review(found, "list.review.csv")

Nothing is guessed silently: a value is written as published (dates stay text; the
importer reads them), its confidence says how it was found (:data:`CONFIDENCE`), and
everything left out (lawyers, sources, footnotes, pages without text) is listed in
:attr:`Extraction.problems`.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import itertools
import os
import re
import statistics
import tempfile
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vigil.errors import InputError
from vigil.i18n import gettext as _
from vigil.i18n import ngettext

#: How a value was found -> its confidence (the review sheet's numbers).
CONFIDENCE = {
    "labelled": 1.0,  # after a label: "Arrested: …", "Место содержания: …"
    "name": 0.9,  # the start of an entry, shaped like a name
    "marker": 0.8,  # an article number after "article"/"ст."/"maddə"; a date before "həbs olunub"
    "position": 0.6,  # inferred from its place: the clause after the name, leftover text
    "doubtful": 0.4,  # under a date label but not shaped like a date; a name not shaped like one
}

SUFFIXES = {".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html", ".txt": "txt"}

#: The fields of an entry, in the order of the review sheet.
FIELDS = (
    "name",
    "birth_date",
    "occupation",
    "date_of_arrest",
    "charges",
    "articles",
    "place_of_detention",
    "sentence",
    "background",
)
MAX_ALIASES = 3

#: The review sheet's columns (see docs/cases.md, "Lists published as documents").
REVIEW_COLUMNS = (
    "entry",
    "category",
    "ref",
    "name",
    *(f"alias_{i}" for i in range(1, MAX_ALIASES + 1)),
    "language",
    "surname",
    "given_name",
    "patronymic",
    "birth_date",
    "occupation",
    "status",
    "date_of_arrest",
    "charges",
    "articles",
    "place_of_detention",
    "sentence",
    "background",
    "page",
    "line",
    "confidence",
    "field_confidence",
    "field_location",
    "check",
    "source_file",
)

# -- label tables ---------------------------------------------------------------------
# (spelling, needs a colon after it). Spellings without a colon are phrases that only
# start a value ("Detained on 5 March"); single words such as "Sentence" or "Срок" are
# too common in running text to count without one.
LABELS: dict[str, tuple[tuple[str, bool], ...]] = {
    "name": (
        ("full name", True),
        ("name", True),
        ("ф.и.о.", True),
        ("фио", True),
        ("имя", True),
        ("ad, soyad", True),
        ("ad soyad", True),
        ("adı, soyadı", True),
        ("soyadı, adı", True),
    ),
    "birth_date": (
        ("date of birth", True),
        ("born", False),
        ("дата рождения", True),
        ("год рождения", True),
        ("родился", False),
        ("родилась", False),
        ("doğum tarixi", True),
        ("təvəllüd", True),
    ),
    "date_of_arrest": (
        ("date of arrest", False),
        ("date of detention", False),
        ("was arrested on", False),
        ("was detained on", False),
        ("arrested on", False),
        ("detained on", False),
        ("in custody since", False),
        ("arrested", False),
        ("detained", True),
        ("дата задержания", False),
        ("дата ареста", False),
        ("задержан", False),
        ("задержана", False),
        ("арестован", False),
        ("арестована", False),
        ("под стражей с", False),
        ("həbs tarixi", False),
        ("saxlanılma tarixi", False),
        ("həbs olunub", True),
        ("həbs edilib", True),
        ("saxlanılıb", True),
    ),
    "charges": (
        ("charges", True),
        ("charged with", False),
        ("charged under", False),
        ("charge", True),
        ("accused of", False),
        ("обвинения", True),
        ("обвинение", False),
        ("обвиняется в", False),
        ("ittihamlar", True),
        ("ittiham", False),
    ),
    "articles": (
        ("criminal code articles", True),
        ("criminal code article", True),
        ("articles", True),
        ("article", True),
        ("статьи", True),
        ("статья", True),
        ("ст.", True),
        ("maddələr", True),
        ("maddə", True),
    ),
    "place_of_detention": (
        ("place of detention", False),
        ("currently held in", False),
        ("held in", False),
        ("held at", False),
        ("место содержания", False),
        ("место заключения", False),
        ("содержится в", False),
        ("saxlanıldığı yer", False),
        ("cəza çəkdiyi yer", False),
        ("saxlanılır", True),
    ),
    "sentence": (
        ("sentenced to", False),
        ("sentence", True),
        ("приговорён к", False),
        ("приговорен к", False),
        ("приговорена к", False),
        ("приговор", True),
        ("срок", True),
        ("hökm", True),
        ("cəza", True),
    ),
    "occupation": (
        ("occupation", True),
        ("profession", True),
        ("род занятий", True),
        ("профессия", True),
        ("peşəsi", True),
        ("peşə", True),
        ("fəaliyyəti", True),
    ),
    "background": (
        ("background", True),
        ("details", True),
        ("biography", True),
        ("справка", True),
        ("описание", True),
        ("подробности", True),
        ("qısa məlumat", True),
        ("məlumat", True),
        ("haqqında", True),
    ),
}
#: Date labels that mean detention rather than arrest (the event's kind).
DETAINED_LABELS = {
    "date of detention",
    "detained on",
    "was detained on",
    "detained",
    "in custody since",
    "дата задержания",
    "задержан",
    "задержана",
    "под стражей с",
    "saxlanılma tarixi",
    "saxlanılıb",
}
#: Azerbaijani puts the verb after the date: "05.03.2019-cu ildə həbs olunub".
POSTFIX_LABELS = {"həbs olunub", "həbs edilib", "saxlanılıb"}

#: Headings after which numbered items are not prisoners.
STOP_HEADINGS = (
    "lawyers",
    "contributing lawyers",
    "defence lawyers",
    "defense lawyers",
    "sources",
    "references",
    "notes",
    "footnotes",
    "bibliography",
    "acknowledgements",
    "адвокаты",
    "защитники",
    "источники",
    "примечания",
    "ссылки",
    "литература",
    "vəkillər",
    "mənbələr",
    "qeydlər",
    "istinadlar",
)

# -- patterns -------------------------------------------------------------------------
# "1." "1)" "12 -" "№ 5": the number of an entry. "05.03.2019" is not one (a digit
# follows the dot), nor "12 years".
_MARKER = re.compile(
    r"^\s*(?:№\s*(?P<no>\d{1,4})[.):]?\s+|(?P<dot>\d{1,4})\s*(?P<punct>[.)])(?!\d)\s*"
    r"|(?P<dash>\d{1,4})\s+[-–—]\s+)"
)
_URL = re.compile(r"(?:https?://|www\.)\S+", re.I)
_FOOTNOTE_LINE = re.compile(
    r"^\s*(?:\[\d{1,3}\]|\d{1,3}[.)]?|[¹²³⁴⁵⁶⁷⁸⁹⁰]+)?\s*(?:https?://|www\.)\S+\s*$"
)
_PAGE_NUMBER = re.compile(
    r"^\W*(?:page|стр\.?|страница|səh\.?|səhifə)?\s*\d{1,4}(?:\s*(?:/|of|из)\s*\d{1,4})?\W*$", re.I
)
_SUPERSCRIPTS = "¹²³⁴⁵⁶⁷⁸⁹⁰"

_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|"
    r"январ[ья]|феврал[ья]|марта?|апрел[ья]|ма[йя]|июн[ья]|июл[ья]|августа?|"
    r"сентябр[ья]|октябр[ья]|ноябр[ья]|декабр[ья]|"
    r"січня|лютого|березня|квітня|травня|червня|липня|серпня|вересня|жовтня|листопада|грудня|"
    r"yanvar|fevral|mart|aprel|iyun|iyul|avqust|sentyabr|oktyabr|noyabr|dekabr"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th|-?(?:[dt]ə|da|də|cı|ci|cu|cü))?"
_YEAR = r"(?:1[89]|20)\d{2}(?!\d)"
_DATE = re.compile(
    rf"(?:c\.\s*|circa\s+|before\s+|after\s+|~)?(?:"
    rf"\d{{1,2}}[./]\d{{1,2}}[./](?:\d{{4}}|\d{{2}})(?!\d)"  # 05.03.2019
    rf"|{_YEAR}-\d{{1,2}}(?:-\d{{1,2}})?(?!\d)"  # 2019-03-05, 2019-03
    rf"|{_DAY}\s+(?:of\s+)?(?:{_MONTHS})[a-zəıöüğşç]*\.?,?\s+{_YEAR}"
    rf"|(?:{_MONTHS})\.?\s+{_DAY},?\s+{_YEAR}"  # July 23rd, 2014
    # 2019-cu il martın 5-də
    rf"|{_YEAR}-?(?:c[iıuü])?\s+il(?:in)?\s+(?:{_MONTHS})[a-zəıöüğşç]*\s+{_DAY}"
    rf"|(?:{_MONTHS})[a-zəıöüğşç]*\.?\s+{_YEAR}"  # March 2019
    rf"|{_YEAR}"  # 2019
    rf")",
    re.I,
)
# An article number after its marker: "article 234.4.3", "ст. 280.3", "ч. 2 ст. 212",
# "maddə 283.1 və 220.1"; and Azerbaijani's "234.4.3-cü maddəsi".
_NUM = r"\d{1,4}(?:-\d{1,2})?(?:\.\d{1,3}){0,3}"  # 283.1, 234.4.3, 193-1.3.2
_NUMS = rf"{_NUM}(?:\s*(?:,|;|and|и|və|&)\s*(?:(?:ч\.|part)\s*\d+\s*)?{_NUM})*"
_ARTICLE = re.compile(
    rf"(?:articles?|arts?\.|ст\.\s*ст\.|стст\.|ст\.|стать(?:я|и|ям|ей|е)|maddə(?:si|ləri|lər)?|§)"
    rf"\s*(?P<nums>{_NUMS})",
    re.I,
)
_ARTICLE_AZ = re.compile(rf"(?P<nums>{_NUM})-?(?:c[iıuü]|[iıuü])?\s+maddə", re.I)
_GLUED_FOOTNOTE = re.compile(r"((?:19|20)\d{2})(\d{1,2})(?!\d)")
_BIRTH_RU = re.compile(rf"({_YEAR})\s*г\.\s*р\.?|({_YEAR})\s*года\s+рождения", re.I)
_BIRTH_AZ = re.compile(rf"({_YEAR})-?(?:c[iıuü])?\s+il\s+təvəllüdlü", re.I)
_BIRTH_EN = re.compile(rf"\b(?:born|b\.)\s*(?:in\s+|on\s+)?(.{{0,20}}?{_YEAR})", re.I)
_ALIAS_WORDS = re.compile(
    r"^(?:also known as|a\.k\.a\.?|aka|known as|alias|pen name|псевдоним|"
    r"(?:также\s+)?известн\w*\s+как|тж\.|он же|она же|"
    r"ləqəbi|təxəllüsü|digər adı)\s*[:\-]?\s*",
    re.I,
)
_PATRONYMIC_WORDS = {"oğlu", "oglu", "ogly", "oğlı", "qızı", "qizi", "gizi", "kyzy", "оглы", "кызы"}
_PATRONYMIC_END = re.compile(
    r"(?:ovich|evich|yevich|ich|ovna|evna|yevna|ichna|ович|евич|ьич|ич|овна|евна|ична|"
    r"йович|івна|ївна|ovych|ivna)$",
    re.I,
)
_SURNAME_STRONG = re.compile(
    r"(?:ov|ova|ev|eva|yev|yeva|sky|skiy|ski|skaya|enko|zadə|zade|li|lı|lu|lü|beyli|"
    r"ов|ова|ев|ева|ёв|ёва|ский|ская|цкий|цкая|енко|заде|ли)$",
    re.I,
)
_SURNAME_WEAK = re.compile(r"(?:in|ina|yn|yna|ko|uk|yuk|chuk|ин|ина|ын|ына|ко|ук|юк|чук)$", re.I)
_ABBREVIATIONS = {"no", "nr", "st", "art", "г", "ст", "ч", "им", "ул", "д", "mr", "mrs", "dr", "n"}


# -- results --------------------------------------------------------------------------
@dataclass(frozen=True)
class Value:
    """One value of an entry: the text as published, where it starts, how it was found."""

    text: str
    page: int | None
    line: int
    confidence: float

    @property
    def where(self) -> str:
        return f"p.{self.page} l.{self.line}" if self.page is not None else f"l.{self.line}"


@dataclass
class Entry:
    """A numbered entry: its number as printed (or Word's/HTML's automatic number)."""

    number: int
    category: str
    page: int | None
    line: int
    text: str
    fields: dict[str, Value] = field(default_factory=dict)
    aliases: list[Value] = field(default_factory=list)
    status: str = ""  # "arrested" or "detained" when a date of arrest was found
    parts: dict[str, str] = field(default_factory=dict)  # surname, given_name, patronymic
    language: str = ""
    checks: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        value = self.fields.get("name")
        return value.text if value else ""

    @property
    def confidence(self) -> float:
        """The lowest confidence of its values: what to review first."""
        values = [v.confidence for v in (*self.fields.values(), *self.aliases)]
        return min(values) if values else 0.0


@dataclass
class Extraction:
    """What :func:`extract` found in one document."""

    source: Path
    format: str  # pdf, docx, html, txt
    entries: list[Entry]
    problems: list[str] = field(default_factory=list)  # skipped blocks, dropped lines, gaps
    pages: int | None = None

    @property
    def categories(self) -> list[str]:
        return list(dict.fromkeys(e.category for e in self.entries if e.category))

    def summary(self) -> str:
        """One line for the command line."""
        cats = self.categories
        n = len(self.entries)
        said = {"file": self.source.name, "n": n, "categories": len(cats)}
        # English keeps its plural for 1 ("1 entries", as before); other languages use
        # their forms.
        if cats:
            text = (
                ngettext(
                    "%(file)s: %(n)d entries in %(categories)d categories",
                    "%(file)s: %(n)d entries in %(categories)d categories",
                    n,
                )
                % said
            )
        else:
            text = ngettext("%(file)s: %(n)d entries", "%(file)s: %(n)d entries", n) % said
        low = sum(1 for e in self.entries if e.confidence <= CONFIDENCE["doubtful"] or e.checks)
        if low:
            text += ", " + ngettext(
                "%(n)d to check (a doubtful value or a note in the check column)",
                "%(n)d to check (a doubtful value or a note in the check column)",
                low,
            ) % {"n": low}
        if self.problems:
            p = len(self.problems)
            text += "; " + ngettext("%(n)d notes", "%(n)d notes", p) % {"n": p}
        return text


# -- lines ----------------------------------------------------------------------------
@dataclass
class Line:
    """A line of text as a reader found it, with where it was."""

    text: str
    page: int | None
    line: int
    heading: bool = False  # the format says so: a Word heading style, <h2>, bold or larger
    item: int | None = None  # an automatic number (Word numbering, <ol>)
    cont: bool = False  # belongs to the current item (a <br> in an <li>, a sub-level)
    blank_before: bool = False  # an empty line or a wide gap above it


def extract(path: str | Path) -> Extraction:
    """The numbered entries of the list in ``path`` (.pdf, .docx, .html/.htm, .txt).

    Raises :class:`InputError` (one line) for an unknown kind of file, a PDF without a
    text layer, an encrypted or damaged file, or a document with no numbered entries.
    """
    path = Path(path)
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        if not path.suffix:
            message = _(
                "%(file)s: cannot extract a list from a file without a suffix; expected "
                ".pdf, .docx, .html, .htm or .txt"
            )
        elif path.suffix.lower() in (".doc", ".rtf", ".odt"):
            message = _(
                "%(file)s: cannot extract a list from %(suffix)s (save it as .docx); "
                "expected .pdf, .docx, .html, .htm or .txt"
            )
        else:
            message = _(
                "%(file)s: cannot extract a list from %(suffix)s; expected .pdf, .docx, "
                ".html, .htm or .txt"
            )
        raise InputError(message % {"file": path.name, "suffix": path.suffix})
    from vigil.cases.importers.reading import read_bytes

    data = read_bytes(path)
    problems: list[str] = []
    pages: int | None = None
    if kind == "pdf":
        lines, pages = _pdf_lines(path.name, data, problems)
    elif kind == "docx":
        lines = _docx_lines(path.name, data, problems)
    elif kind == "html":
        lines = _html_lines(data)
    else:
        lines = _txt_lines(path.name, data)
    entries = _entries(lines, problems)
    if not entries:
        skipped = [p for p in problems if "skipped" in p]
        if skipped:
            raise InputError(
                _("%(file)s: no prisoner entries: every numbered item was left out (%(why)s)")
                % {"file": path.name, "why": skipped[0]}
            )
        raise InputError(
            _(
                '%(file)s: no numbered entries found (expected lines such as "1. Name …", '
                '"1) …", "12 - …", "№ 5 …" or a numbered list)'
            )
            % {"file": path.name}
        )
    return Extraction(path, kind, entries, problems, pages)


# -- readers --------------------------------------------------------------------------
def _pdf_lines(name: str, data: bytes, problems: list[str]) -> tuple[list[Line], int]:
    import pdfplumber

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfminer raises many kinds for a damaged file
        raise _unreadable_pdf(name, exc) from None
    out: list[Line] = []
    try:
        with pdf:
            pages = pdf.pages
            sizes: Counter[float] = Counter()
            for page in pages:
                sizes.update(round(c["size"], 1) for c in page.chars)
            if not sizes:
                raise InputError(
                    _(
                        "%(file)s has no text layer: a scanned document; run OCR (e.g. "
                        "ocrmypdf) first"
                    )
                    % {"file": name}
                )
            body = sizes.most_common(1)[0][0]
            per_page: list[list[dict[str, Any]]] = []
            for number, page in enumerate(pages, 1):
                if not page.chars:
                    problems.append(
                        f"page {number}: no text layer (a scanned page?): its entries are "
                        "missing; run OCR on the document"
                    )
                per_page.append(_pdf_page(page, body))
    except InputError:
        raise
    except Exception as exc:
        raise _unreadable_pdf(name, exc) from None
    repeated = _running_heads(per_page)
    small = 0
    for number, lines in enumerate(per_page, 1):
        gaps = [b["top"] - a["bottom"] for a, b in itertools.pairwise(lines)]
        usual = statistics.median(gaps) if gaps else 0.0
        prev_bottom: float | None = None
        for i, ln in enumerate(lines, 1):
            text = ln["text"]
            gap = ln["top"] - prev_bottom if prev_bottom is not None else 0.0
            prev_bottom = ln["bottom"]
            if _PAGE_NUMBER.match(text) or (i in (1, len(lines)) and _shape(text) in repeated):
                continue
            if ln["size"] < 0.85 * body:
                small += 1  # footnotes in small print under the text
                continue
            out.append(
                Line(
                    text,
                    number,
                    i,
                    heading=ln["bold"] or ln["size"] > 1.15 * body,
                    blank_before=gap > max(2.0 * usual, usual + 4.0) if gaps else False,
                )
            )
    if small:
        problems.append(f"{small} lines in small print (footnotes) left out")
    return out, len(per_page)


def _unreadable_pdf(name: str, exc: BaseException) -> InputError:
    """The one-line error for a PDF pdfplumber cannot open or read."""
    if _encrypted(exc):
        return InputError(
            _("%(file)s: the PDF is encrypted (password-protected); save an unprotected copy first")
            % {"file": name}
        )
    return InputError(
        _("%(file)s: not a readable PDF (damaged or truncated: %(why)s)")
        % {"file": name, "why": _why(exc)}
    )


def _pdf_page(page: Any, body: float) -> list[dict[str, Any]]:
    """The page's lines: text, top, bottom, size, bold; superscript digits (footnote
    marks after a date) taken out, so "2013³" does not read "20133"."""
    raised: set[tuple[float, float, str]] = set()
    prev: dict[str, Any] | None = None
    for char in page.chars:
        small = char["size"] < 0.85 * body
        if (
            small
            and (char["text"].isdigit() or char["text"] in "*†")
            and prev is not None
            and prev["size"] >= 0.85 * body
            and char["bottom"] < prev["bottom"] - 0.5
        ):
            raised.add((char["x0"], char["top"], char["text"]))
            continue  # prev stays the last body-size character: "20133" marks all go
        prev = char
    if raised:
        page = page.filter(
            lambda o: o.get("object_type") != "char" or (o["x0"], o["top"], o["text"]) not in raised
        )
    lines = []
    for ln in page.extract_text_lines(return_chars=True, strip=True):
        chars = ln["chars"]
        if not ln["text"].strip() or not chars:
            continue
        lines.append(
            {
                "text": ln["text"],
                "top": ln["top"],
                "bottom": ln["bottom"],
                "size": statistics.median(c["size"] for c in chars),
                "bold": sum("bold" in c["fontname"].lower() for c in chars) > len(chars) / 2,
            }
        )
    return lines


def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", text.strip().casefold())


def _running_heads(pages: list[list[dict[str, Any]]]) -> set[str]:
    """Lines repeated at the top or bottom of most pages (a running head or foot)."""
    if len(pages) < 3:
        return set()
    seen: Counter[str] = Counter()
    for lines in pages:
        seen.update({_shape(ln["text"]) for ln in (lines[:1] + lines[-1:])})
    return {s for s, n in seen.items() if n >= max(3, len(pages) // 2 + 1)}


def _encrypted(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if "password" in type(seen).__name__.lower() or "encrypt" in type(seen).__name__.lower():
            return True
        if any("password" in str(a).lower() for a in seen.args):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _why(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:80] if text else type(exc).__name__


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _docx_lines(name: str, data: bytes, problems: list[str]) -> list[Line]:
    import docx

    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # an OLE file, not a zip
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise InputError(
                _(
                    "%(file)s: the Word document is encrypted (password-protected); save an "
                    "unprotected copy first"
                )
                % {"file": name}
            )
        raise InputError(
            _("%(file)s: an old Word .doc file, not .docx; save it as .docx") % {"file": name}
        )
    try:
        document = docx.Document(io.BytesIO(data))
        paragraphs = list(document.paragraphs)
        numbering = _numbering(document)
    except Exception as exc:  # python-docx and zipfile raise many kinds
        raise InputError(
            _("%(file)s: not a readable Word document (damaged or truncated: %(why)s)")
            % {"file": name, "why": _why(exc)}
        ) from None
    if document.tables:
        problems.append(f"{len(document.tables)} tables left out (only paragraphs are read)")
    out: list[Line] = []
    counters: dict[str, list[int]] = {}
    blank = False
    for index, para in enumerate(paragraphs, 1):
        text = para.text
        if not text.strip():
            blank = True
            continue
        style = para.style.name if para.style is not None else ""
        heading = style.lower().startswith(("heading", "title", "заголовок")) or _outline(para)
        item: int | None = None
        cont = False
        num = _num_pr(para)
        if num is not None and not heading:
            num_id, depth = num
            fmt, start = numbering.get((num_id, depth), ("decimal", 1))
            if fmt not in ("bullet", "none"):
                count = counters.setdefault(num_id, [])
                while len(count) <= depth:
                    count.append(0)
                del count[depth + 1 :]  # deeper levels restart
                count[depth] = count[depth] + 1 if count[depth] else start
                if depth == 0:
                    item = count[0]
                else:
                    cont = True  # a sub-item: part of the entry above it
        for k, piece in enumerate(text.split("\n")):
            if not piece.strip():
                continue
            out.append(
                Line(
                    piece.strip(),
                    None,
                    index,
                    heading=heading,
                    item=item if k == 0 else None,
                    cont=cont or (k > 0 and item is not None),
                    blank_before=blank and k == 0,
                )
            )
        blank = False
    return out


def _num_pr(para: Any) -> tuple[str, int] | None:
    """(numId, depth) of a numbered paragraph: its own w:numPr or its style's."""
    elements = [para._p.pPr]
    style = para.style
    while style is not None:
        elements.append(style.element.pPr)
        style = style.base_style
    num_id: str | None = None
    depth: int | None = None
    for ppr in elements:
        if ppr is None:
            continue
        npr = ppr.find(f"{_W}numPr")
        if npr is None:
            continue
        nid = npr.find(f"{_W}numId")
        lvl = npr.find(f"{_W}ilvl")
        if num_id is None and nid is not None:
            num_id = nid.get(f"{_W}val")
        if depth is None and lvl is not None:
            depth = int(lvl.get(f"{_W}val") or 0)
    if num_id is None or num_id == "0":
        return None
    return num_id, depth or 0


def _outline(para: Any) -> bool:
    ppr = para._p.pPr
    return ppr is not None and ppr.find(f"{_W}outlineLvl") is not None


def _numbering(document: Any) -> dict[tuple[str, int], tuple[str, int]]:
    """(numId, depth) -> (number format, start) from the numbering part."""
    try:
        root = document.part.numbering_part.element
    except (KeyError, NotImplementedError, AttributeError):
        return {}
    abstract: dict[str, dict[int, tuple[str, int]]] = {}
    for node in root.findall(f"{_W}abstractNum"):
        levels = {}
        for lvl in node.findall(f"{_W}lvl"):
            fmt = lvl.find(f"{_W}numFmt")
            start = lvl.find(f"{_W}start")
            levels[int(lvl.get(f"{_W}ilvl") or 0)] = (
                fmt.get(f"{_W}val") if fmt is not None else "decimal",
                int(start.get(f"{_W}val")) if start is not None else 1,
            )
        abstract[node.get(f"{_W}abstractNumId") or ""] = levels
    out: dict[tuple[str, int], tuple[str, int]] = {}
    for num in root.findall(f"{_W}num"):
        num_id = num.get(f"{_W}numId") or ""
        ref = num.find(f"{_W}abstractNumId")
        levels = dict(abstract.get(ref.get(f"{_W}val") or "", {}) if ref is not None else {})
        for override in num.findall(f"{_W}lvlOverride"):
            start = override.find(f"{_W}startOverride")
            lvl = int(override.get(f"{_W}ilvl") or 0)
            if start is not None and lvl in levels:
                levels[lvl] = (levels[lvl][0], int(start.get(f"{_W}val")))
        for lvl, spec in levels.items():
            out[(num_id, lvl)] = spec
    return out


_BLOCKS = {
    "p",
    "div",
    "li",
    "ol",
    "ul",
    "table",
    "tr",
    "td",
    "th",
    "blockquote",
    "section",
    "article",
    "main",
    "header",
    "footer",
    "dl",
    "dt",
    "dd",
    "pre",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
}
_SKIP = {"script", "style", "head", "noscript", "template", "nav"}


def _html_lines(data: bytes) -> list[Line]:
    from lxml import etree  # type: ignore[import-untyped]
    from lxml import html as lhtml

    text: str | None = None
    for bom, codec in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                       (codecs.BOM_UTF16_BE, "utf-16")):  # fmt: skip
        if data.startswith(bom):
            text = data.decode(codec, errors="replace")
            break
    if text is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = None  # lxml reads the page's own <meta charset>
    try:
        root = lhtml.document_fromstring(text if text is not None else data)
    except (etree.ParserError, ValueError):
        return []
    out: list[Line] = []
    body = root.find("body")
    _html_block(body if body is not None else root, out, None)
    return out


def _html_block(el: Any, out: list[Line], item: list[int | None] | None) -> None:
    """Lines of a block element; ``item`` holds the number of the <li> being read (set
    on its first line, then cleared) so its further lines continue the entry."""
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in _SKIP:
        return
    if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
        text = _squash(el.text_content())
        if text:
            out.append(Line(text, None, el.sourceline or 0, heading=True))
        return
    if tag == "ol":
        try:
            number = int(el.get("start") or 1)
        except ValueError:
            number = 1
        for li in el:
            if not isinstance(li.tag, str) or li.tag != "li":
                continue
            with contextlib.suppress(ValueError):
                number = int(li.get("value") or number)
            if item is not None:
                _html_block(li, out, [None])  # a sub-list continues the entry
            else:
                _html_block(li, out, [number])
            number += 1
        return
    buffer: list[str] = []
    line_no = el.sourceline or 0

    def flush() -> None:
        nonlocal buffer, line_no
        text = _squash("".join(buffer))
        if text:
            number = item[0] if item is not None else None
            out.append(
                Line(text, None, line_no, item=number, cont=item is not None and number is None)
            )
            if item is not None:
                item[0] = None
        buffer = []

    def inline(node: Any) -> None:
        nonlocal line_no
        for child in node:
            ctag = child.tag if isinstance(child.tag, str) else ""
            if ctag in _SKIP or (not ctag and not isinstance(child, str)):
                pass
            elif ctag == "br":
                flush()
                tail = child.tail or ""
                # the text after <br> starts on the br's line plus the newlines before it
                lead = tail[: len(tail) - len(tail.lstrip())]
                line_no = (child.sourceline or line_no) + lead.count("\n")
                buffer.append(tail)
                continue
            elif ctag in _BLOCKS:
                flush()
                _html_block(child, out, item)
                line_no = child.sourceline or line_no
            else:
                buffer.append(child.text or "")
                inline(child)
            if child.tail:
                if not buffer or not "".join(buffer).strip():
                    line_no = child.sourceline or line_no
                buffer.append(child.tail)

    buffer.append(el.text or "")
    inline(el)
    flush()


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def _txt_lines(name: str, data: bytes) -> list[Line]:
    text = _decode(name, data)
    out: list[Line] = []
    blank = True  # the start of the file is as good as an empty line before
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            blank = True
            continue
        out.append(Line(raw.strip(), None, number, blank_before=blank))
        blank = False
    return out


def _decode(name: str, data: bytes) -> str:
    """UTF-8 (a BOM is accepted), or UTF-16/32 with its BOM."""
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                raise InputError(
                    # Translators: %(encoding)s is a text encoding such as "utf-16".
                    _("%(file)s: not valid %(encoding)s text (byte %(byte)d)")
                    % {"file": name, "encoding": codec, "byte": exc.start}
                ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            _("%(file)s: line %(line)d: not UTF-8 (byte %(byte)d); save the file as UTF-8")
            % {"file": name, "line": line, "byte": exc.start}
        ) from None


# -- entries --------------------------------------------------------------------------
@dataclass
class _Raw:
    number: int
    category: str
    stop: str  # the heading that makes the block not prisoners, if any
    block: int
    lines: list[tuple[str, int | None, int]]  # (text, page, line)


def _heading_like(ln: Line, following: Line | None) -> bool:
    text = ln.text.strip()
    words = text.split()
    if not words or len(words) > 8 or len(text) > 80 or _MARKER.match(text):
        return False
    if re.sub(r"^(?:[IVXLC]+|[A-Z])[.)]\s+", "", text.rstrip(":")).casefold() in STOP_HEADINGS:
        return True
    if text[-1] in ".,;" or _label_at_start(text):
        return False
    if ln.heading:
        return True
    letters = [c for c in text if c.isalpha()]
    if letters and all(c.isupper() for c in letters) and len(letters) > 3:
        return True
    nxt_numbered = following is not None and (
        following.item is not None or bool(_MARKER.match(following.text))
    )
    return ln.blank_before and nxt_numbered and text[0].isupper()


def _label_at_start(text: str) -> bool:
    low = text.casefold()
    return any(low.startswith(s) for spellings in LABELS.values() for s, _ in spellings)


def _entries(lines: list[Line], problems: list[str]) -> list[Entry]:
    raws: list[_Raw] = []
    current: _Raw | None = None
    category, stop = "", ""
    prev: int | None = None
    style = ""
    block = 0
    footnotes = 0
    for i, ln in enumerate(lines):
        following = lines[i + 1] if i + 1 < len(lines) else None
        if ln.item is not None:
            current = _Raw(ln.item, category, stop, block, [(ln.text, ln.page, ln.line)])
            raws.append(current)
            prev = ln.item
            continue
        if ln.cont and current is not None:
            current.lines.append((ln.text, ln.page, ln.line))
            continue
        if _heading_like(ln, following):
            # "II. Journalists", "A) Journalists": the section's number is not its name
            category = re.sub(
                r"^(?:[IVXLC]+|[A-Z])[.)]\s+", "", ln.text.strip().rstrip(":").strip()
            )
            stop = category if category.casefold() in STOP_HEADINGS else ""
            current, prev, style = None, None, ""
            block += 1
            continue
        if _FOOTNOTE_LINE.match(ln.text):
            footnotes += 1
            continue
        m = _MARKER.match(ln.text)
        if m:
            number = int(m.group("no") or m.group("dot") or m.group("dash"))
            mark = "№" if m.group("no") else (m.group("punct") or "-")
            accepted = _accept(number, prev, mark, style)
            if accepted:
                if prev is not None and number not in (prev + 1, 1):
                    problems.append(f"{_at(ln)}: entry {number} follows {prev}: numbers missing")
                if prev is not None and number == 1:
                    block += 1
                style = mark
                prev = number
                current = _Raw(
                    number, category, stop, block, [(ln.text[m.end() :], ln.page, ln.line)]
                )
                raws.append(current)
                continue
        if current is not None:
            current.lines.append((ln.text, ln.page, ln.line))
    if footnotes:
        problems.append(
            f"{footnotes} lines holding only a link (footnotes, sources) left out, not people"
        )
    return _keep_people(raws, problems)


def _accept(number: int, prev: int | None, mark: str, style: str) -> bool:
    """Whether a numbered line starts an entry: the next number, a restart at 1 in the
    same style ("1)" inside entries numbered "1." is a sub-list), or a small gap."""
    if prev is None:
        return number < 1000
    if number == prev + 1:
        return True
    if number == 1:
        return mark == style
    return prev + 1 < number <= prev + 5 and mark == style


def _at(ln: Line | tuple[str, int | None, int]) -> str:
    page, line = (ln.page, ln.line) if isinstance(ln, Line) else (ln[1], ln[2])
    return f"page {page} line {line}" if page is not None else f"line {line}"


def _keep_people(raws: list[_Raw], problems: list[str]) -> list[Entry]:
    """Entries of prisoners. Left out, and said: a block under a stop heading
    ("Lawyers", "Sources"…) unless most of its items have a date of arrest, a place
    of detention, charges or a sentence (a section of imprisoned lawyers); a block
    most of whose items do not start with a name; a block of lawyers without a
    heading (most items say "lawyer", none says arrest); an item that is only a link."""
    out: list[Entry] = []
    blocks: dict[int, list[_Raw]] = {}
    for raw in raws:
        blocks.setdefault(raw.block, []).append(raw)
    for items in blocks.values():
        first = items[0]
        where = f"{_at(first.lines[0])}–{_at(items[-1].lines[-1])}"
        parsed = [_parse(raw) for raw in items]
        held = sum(1 for e in parsed if _held(e))
        if first.stop and held * 2 <= len(parsed):
            problems.append(
                f'{where}: {len(items)} numbered items under "{first.stop}" skipped: not '
                "prisoners (heading)"
            )
            continue
        if first.stop:
            problems.append(
                f'{where}: {len(items)} numbered items under "{first.stop}" kept: most have '
                "a date of arrest, place of detention, charges or sentence"
            )
        shaped = [e for e in parsed if _person_shaped(e)]
        label = f' under "{first.category}"' if first.category else ""
        if len(shaped) * 2 < len(parsed):
            problems.append(
                f"{where}: {len(items)} numbered items{label} skipped: not prisoners (most "
                "have no name-like start, or only links)"
            )
            continue
        lawyers = sum(1 for e in parsed if _LAWYER.search(e.text[len(e.name) :]))
        if not held and lawyers * 2 > len(parsed):
            problems.append(
                f"{where}: {len(items)} numbered items{label} skipped: not prisoners (a list "
                "of lawyers: no arrest, detention, charges or sentence)"
            )
            continue
        for entry in parsed:
            if _link_only(entry):
                problems.append(
                    f"{_at((entry.text, entry.page, entry.line))}: entry {entry.number} "
                    "skipped: only a link"
                )
            else:
                out.append(entry)
    return out


_LAWYER = re.compile(r"\b(?:lawyer|attorney|advocate|counsel|адвокат|защитни|vəkil)", re.I)


def _held(entry: Entry) -> bool:
    keys = ("date_of_arrest", "place_of_detention", "charges", "articles", "sentence")
    return any(k in entry.fields for k in keys)


def _link_only(entry: Entry) -> bool:
    return bool(_URL.search(entry.text[:200])) and len(_URL.sub("", entry.text).split()) < 3


def _person_shaped(entry: Entry) -> bool:
    name = entry.fields.get("name")
    return name is not None and not _link_only(entry) and _name_like(name.text)


def _name_like(text: str) -> bool:
    if not text or _URL.search(text) or any(c.isdigit() for c in text):
        return False
    if all(_cjk(c) for c in text.replace(" ", "")):
        return 2 <= len(text.replace(" ", "")) <= 6
    words = text.split()
    if not 1 <= len(words) <= 6:
        return False
    capital = [w for w in words if w[:1].isupper()]
    return words[0][:1].isupper() and len(capital) >= min(2, len(words))


def _cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


# -- one entry ------------------------------------------------------------------------
class _Text:
    """An entry's lines joined into one text, remembering where each line starts.
    A word broken by a soft hyphen or a hyphen at the end of a line is joined."""

    def __init__(self, lines: list[tuple[str, int | None, int]]) -> None:
        self.starts: list[int] = []
        self.places: list[tuple[int | None, int]] = []
        text = ""
        for raw, page, line in lines:
            piece = raw.strip()
            # a soft hyphen inside a line is an invisible break point: gone; one at the
            # end of a line joins the word with the next line's start (below)
            piece = piece.replace("\u00ad", "") + ("\u00ad" if piece.endswith("\u00ad") else "")
            if text:
                if text.endswith("\u00ad") or (
                    text.endswith("-")
                    and len(text) > 1
                    and text[-2].isalpha()
                    and piece[:1].islower()
                ):
                    text = text[:-1]
                elif not (
                    text.endswith("-")
                    and len(text) > 1
                    and text[-2].isalpha()
                    and piece[:1].isupper()
                ):
                    text += " "
            self.starts.append(len(text))
            self.places.append((page, line))
            text += piece
        self.text = text.rstrip("\u00ad")

    def place(self, offset: int) -> tuple[int | None, int]:
        return self.places[max(0, bisect_right(self.starts, offset) - 1)]


def _label_regex() -> re.Pattern[str]:
    spellings = sorted(
        ((s, f, colon) for f, items in LABELS.items() for s, colon in items),
        key=lambda t: -len(t[0]),
    )
    parts = []
    for spelling, _field, _colon in spellings:
        body = re.escape(spelling).replace(r"\ ", r"\s+")
        tail = r"(?![\w])" if spelling[-1].isalnum() else ""
        parts.append(f"{body}{tail}")
    return re.compile(
        r"(?:(?<=^)|(?<=[\s.;,(\[]))(?P<label>"
        + "|".join(parts)
        + r")(?P<colon>\s*[:：]|\s+[-–—]\s)?",
        re.I,
    )


_LABEL = _label_regex()
_SPELLING = {s: (f, colon) for f, items in LABELS.items() for s, colon in items}


@dataclass
class _Hit:
    field: str
    spelling: str
    start: int  # where the label starts
    end: int  # where its value starts
    postfix: bool = False  # "… həbs olunub": the value is before the label


def _labels(text: str, line_starts: tuple[int, ...] = ()) -> list[_Hit]:
    """Labels that start a value: with a colon anywhere, or (phrases such as "Detained
    on") at the start of the entry or of a clause."""
    hits: list[_Hit] = []
    for m in _LABEL.finditer(text):
        spelling = re.sub(r"\s+", " ", m.group("label").casefold())
        field_name, needs_colon = _SPELLING.get(spelling, ("", True))
        if not field_name or (field_name == "articles" and not m.group("colon")):
            continue  # article markers are read by _ARTICLE
        before = text[: m.start()].rstrip()
        clause = (
            not before
            or before[-1] in ".;:("
            or (before.endswith(",") and not needs_colon)
            or m.start() in line_starts
        )
        if spelling in POSTFIX_LABELS and not m.group("colon"):
            hits.append(_Hit(field_name, spelling, m.start(), m.end(), postfix=True))
        elif m.group("colon") or (not needs_colon and clause):
            hits.append(_Hit(field_name, spelling, m.start(), m.end()))
    return hits


def _parse(raw: _Raw) -> Entry:
    joined = _Text(raw.lines)
    text = joined.text
    page, line = joined.places[0]
    entry = Entry(raw.number, raw.category, page, line, text.replace("\u00ad", ""))
    hits = _labels(text, tuple(joined.starts))
    taken = [False] * (len(text) + 1)  # characters a value or a label has used

    def take(start: int, end: int) -> None:
        for i in range(max(0, start), min(end, len(text))):
            taken[i] = True

    def put(name: str, value: str, start: int, how: str) -> None:
        value = value.replace("\u00ad", "").strip(" \t.,;:–—-")
        if not value or name in entry.fields:
            return
        p, ln = joined.place(start)
        entry.fields[name] = Value(value, p, ln, CONFIDENCE[how])

    # labelled values: from a label to the next one (a date: the date only)
    for k, hit in enumerate(hits):
        if hit.postfix:
            continue
        end = hits[k + 1].start if k + 1 < len(hits) else len(text)
        value = text[hit.end : end]
        cut = _sentence_end(value) if hit.field not in ("background", "charges") else len(value)
        used = _labelled(entry, hit, value[:cut], hit.end, put)
        take(hit.start, hit.end + (used if used is not None else cut))
        if hit.field == "date_of_arrest" and "date_of_arrest" in entry.fields and not entry.status:
            entry.status = "detained" if hit.spelling in DETAINED_LABELS else "arrested"
    # "05.03.2019-cu ildə həbs olunub": the date before the verb
    for hit in hits:
        if not hit.postfix or "date_of_arrest" in entry.fields:
            continue
        lead_start = max(0, hit.start - 60)
        dates = list(_DATE.finditer(_clean_date(text[lead_start : hit.start])[0]))
        if dates:
            d = dates[-1]
            put("date_of_arrest", d.group(0), lead_start + d.start(), "marker")
            entry.status = "detained" if hit.spelling in DETAINED_LABELS else "arrested"
            take(lead_start + d.start(), hit.end)
    # the name: the start of the entry, up to the first comma, dash or label
    first_label = min((h.start for h in hits if not h.postfix), default=len(text))
    head_end = first_label
    if "name" not in entry.fields:
        head_end = _name_end(text, first_label)
        candidate = text[:head_end]
        how = "name"
        if len(re.sub(r"[(（][^)）]*[)）]", "", candidate).split()) > 6:
            first_line_end = joined.starts[1] if len(joined.starts) > 1 else len(text)
            head_end = min(head_end, first_line_end)
            candidate = text[:head_end]
            how = "position"
        name, aliases = _name_and_aliases(candidate)
        if name:
            put("name", name, 0, how if _name_like(name) else "doubtful")
        for offset, alias in aliases:
            if re.search(_YEAR, alias) and not re.search(
                r"[^\W\d]{3,}", re.sub(r"born|г\.\s*р\.|b\.", "", alias)
            ):
                put("birth_date", re.search(_YEAR, alias).group(0), offset, "position")  # type: ignore[union-attr]
                continue
            p, ln = joined.place(offset)
            entry.aliases.append(Value(alias, p, ln, CONFIDENCE["position"]))
        take(0, head_end)
    # the clauses between the name and the first label: birth, occupation
    offset = head_end
    for clause in re.split(r"(?<=[,;])\s+|(?<=\.)\s+|\s+[–—-]\s+", text[head_end:first_label]):
        start = text.find(clause, offset)
        if start < 0:
            continue
        offset = start + len(clause)
        if all(taken[start:offset]):
            continue
        bare = clause.strip(" ,;.–—-")
        if not bare:
            continue
        birth = _BIRTH_RU.search(bare) or _BIRTH_AZ.search(bare) or _BIRTH_EN.search(bare)
        if birth:
            if "birth_date" not in entry.fields:
                put("birth_date", next(g for g in birth.groups() if g), start, "labelled")
            take(start, offset)
            continue
        if (
            "occupation" not in entry.fields
            and len(bare.split()) <= 5
            and not any(c.isdigit() for c in bare)
            and not _LABEL.search(bare)
        ):
            put("occupation", bare, start, "position")
            take(start, offset)
        break  # only the clauses right after the name say who the person is
    # what no value took: the background
    pieces: list[tuple[int, str]] = []
    run: int | None = None
    for i in range(len(text) + 1):
        if i < len(text) and not taken[i]:
            if run is None:
                run = i
        elif run is not None:
            piece = text[run:i].strip(" ,;.:–—-")
            if re.search(r"\w{2,}", piece):
                pieces.append((run + text[run:i].find(piece[:1]), piece))
            run = None
    if pieces:
        note = ". ".join(piece for _, piece in pieces)
        if "background" in entry.fields:
            b = entry.fields["background"]
            entry.fields["background"] = Value(f"{b.text}. {note}", b.page, b.line, 0.8)
        else:
            put("background", note, pieces[0][0], "position")
    # articles: under a label, inside the charges, or after a marker anywhere
    if "articles" not in entry.fields:
        arts, at = _articles(text)
        if arts:
            charges = entry.fields.get("charges")
            inside = charges is not None and all(a in charges.text for a in arts)
            put("articles", "; ".join(arts), at, "labelled" if inside else "marker")
    if "date_of_arrest" in entry.fields and not entry.status:
        entry.status = "arrested"
    _describe(entry)
    return entry


def _labelled(entry: Entry, hit: _Hit, value: str, start: int, put: Any) -> int | None:
    """Put the value under ``hit``; for a date, how much of ``value`` the date (and a
    footnote mark run on after it) used, so the rest can go to the background."""
    if hit.field in ("date_of_arrest", "birth_date"):
        cleaned, marks = _clean_date(value)
        m = _DATE.search(cleaned)
        if m and not cleaned[: m.start()].strip(" :,-–—"):
            put(hit.field, m.group(0), start + m.start(), "labelled")
            if marks:
                entry.checks.append(f"{hit.field}: footnote mark {', '.join(marks)} left out")
            end = m.end()
            while end < len(cleaned) and (cleaned[end] == " " and value[end] != " "):
                end += 1  # the footnote mark's place
            return end
        else:
            put(hit.field, value.strip()[:60], start, "doubtful")
            entry.checks.append(f"{hit.field}: not shaped like a date")
    elif hit.field == "articles":
        arts = _numbers(value)
        put(
            "articles",
            "; ".join(arts) if arts else value,
            start,
            "labelled" if arts else "doubtful",
        )
    else:
        put(hit.field, value, start, "labelled")
    return None


def _clean_date(text: str) -> tuple[str, list[str]]:
    """``text`` without footnote marks run on after a year ("2013³", "20133", "2013[3]"),
    keeping its length (so offsets stay valid); the marks taken out."""
    marks: list[str] = []

    def glued(m: re.Match[str]) -> str:
        marks.append(m.group(2))
        return m.group(1) + " " * len(m.group(2))

    text = _GLUED_FOOTNOTE.sub(glued, text)

    def bracketed(m: re.Match[str]) -> str:
        marks.append(m.group(0)[1:-1])
        return " " * len(m.group(0))

    text = re.sub(r"\[\d{1,3}\]", bracketed, text)
    for ch in _SUPERSCRIPTS:
        if ch in text:
            marks.append(ch)
            text = text.replace(ch, " ")
    return text, marks


def _sentence_end(value: str) -> int:
    """Where the first sentence of ``value`` ends (abbreviations such as "No." and
    "ст." do not end one)."""
    for m in re.finditer(r"\.\s+(?=[A-ZА-ЯЁƏÇĞİÖŞÜ\"«]|\d{1,3}[.)]\s)", value):
        word = re.findall(r"[\w]+$", value[: m.start()])
        if word and (word[0].casefold() in _ABBREVIATIONS or len(word[0]) == 1):
            continue
        return m.start()
    return len(value)


def _name_end(text: str, limit: int) -> int:
    """Where the name at the start of ``text`` ends: the first comma (unless an
    Azerbaijani patronymic follows: "Faraj Karimov, Raqif oğlu"), spaced dash, colon or
    sentence end, before ``limit``."""
    pos = 0
    depth = 0
    while pos < limit:
        ch = text[pos]
        if ch in "(（":
            depth += 1
        elif ch in ")）":
            depth = max(0, depth - 1)
        elif depth == 0:
            if ch in ",，、;:":
                after = text[pos + 1 : pos + 40].split()
                if (
                    ch == ","
                    and len(after) >= 2
                    and after[1].strip(",.;").casefold() in _PATRONYMIC_WORDS
                ):
                    pos += 1
                    continue
                return pos
            if ch in "-–—" and pos > 0 and text[pos - 1] == " " and text[pos + 1 : pos + 2] == " ":
                return pos - 1
            if ch == "." and (pos + 1 >= len(text) or text[pos + 1] == " "):
                word = re.findall(r"\w+$", text[:pos])
                if not word or len(word[0]) > 2:
                    return pos
        pos += 1
    return limit


def _name_and_aliases(name_part: str) -> tuple[str, list[tuple[int, str]]]:
    """(name, [(offset, alias)]): the name before its first bracket; the aliases in
    "(also known as …)", "(…)" or "（…）" after it."""
    aliases: list[tuple[int, str]] = []
    cut = len(name_part)
    for m in re.finditer(r"[(（]([^()（）]*)[)）]", name_part):
        cut = min(cut, m.start())
        inner = _ALIAS_WORDS.sub("", m.group(1).strip())
        offset = m.start(1)
        for piece in re.split(r"\s*[;/、]\s*|,\s+(?=\S)", inner):
            if piece.strip():
                aliases.append((offset + m.group(1).find(piece), piece.strip()))
    name = re.sub(r"\s+", " ", name_part[:cut]).strip(" ,.;:–—-")
    name = re.sub(r"\s*,\s*", ", ", name)
    return name, aliases


def _numbers(text: str) -> list[str]:
    out = []
    for n in re.findall(_NUM, text):
        if n not in out and not re.fullmatch(_YEAR, n):
            out.append(n)
    return out


def _articles(text: str) -> tuple[list[str], int]:
    """Article numbers named after their marker anywhere in ``text``, and where the
    first one is."""
    found: list[str] = []
    first = -1
    for regex in (_ARTICLE, _ARTICLE_AZ):
        for m in regex.finditer(text):
            part = re.sub(r"(?:ч\.|part)\s*\d+\s*", "", m.group("nums"))
            for n in _numbers(part):
                if n not in found:
                    found.append(n)
            if first < 0 or m.start("nums") < first:
                first = m.start("nums")
    return found, max(first, 0)


def _describe(entry: Entry) -> None:
    """The name's language by script and its parts when the shape says them; checks."""
    name = entry.name
    letters = [c for c in name if c.isalpha()]
    if any(_cjk(c) for c in letters):
        entry.language = "zh"
    elif any("\u0400" <= c <= "\u04ff" for c in letters):
        entry.language = "uk-Cyrl" if re.search(r"[іїєґІЇЄҐ]", name) else "ru-Cyrl"
    elif re.search(r"[əƏğĞıİşŞçÇöÖüÜ]", name) or re.search(r"\b(oğlu|qızı)\b", name, re.I):
        entry.language = "az-Latn"
    entry.parts = _parts(name)
    if len(entry.aliases) > MAX_ALIASES:
        extra = ", ".join(a.text for a in entry.aliases[MAX_ALIASES:])
        entry.checks.append(f"more than {MAX_ALIASES} aliases: {extra} not in the sheet")
    if "place_of_detention" in entry.fields and "date_of_arrest" not in entry.fields:
        entry.checks.append(
            "place of detention without a date of arrest: the importer needs a date for "
            "the event; add it or clear the place"
        )
    if "name" not in entry.fields:
        entry.checks.append("no name found")


def _parts(name: str) -> dict[str, str]:
    """surname, given_name, patronymic of "Surname Given Patronymic" (Russian order),
    "Given Surname Patronymic oğlu" or "Given Patronymic Surname", when suffixes say
    which is which; nothing when they do not."""
    words = name.replace(",", " ").split()
    if not 2 <= len(words) <= 5:
        return {}
    patronymic = ""
    if len(words) >= 3 and words[-1].casefold() in _PATRONYMIC_WORDS:
        patronymic, words = " ".join(words[-2:]), words[:-2]
    elif len(words) >= 3 and _PATRONYMIC_END.search(words[-1]):
        patronymic, words = words[-1], words[:-1]
    elif len(words) == 3 and _PATRONYMIC_END.search(words[1]):
        patronymic, words = words[1], [words[0], words[2]]
    if len(words) != 2:
        return {}

    def score(word: str) -> int:
        return 2 if _SURNAME_STRONG.search(word) else 1 if _SURNAME_WEAK.search(word) else 0

    a, b = score(words[0]), score(words[1])
    if a == b:
        return {"patronymic": patronymic} if patronymic else {}
    surname, given = (words[0], words[1]) if a > b else (words[1], words[0])
    out = {"surname": surname, "given_name": given}
    if patronymic:
        out["patronymic"] = patronymic
    return out


# -- the review sheet -----------------------------------------------------------------
def review_rows(extraction: Extraction) -> list[dict[str, Any]]:
    """One row per entry, keyed by :data:`REVIEW_COLUMNS`."""
    rows = []
    for entry in extraction.entries:
        row: dict[str, Any] = dict.fromkeys(REVIEW_COLUMNS, "")
        row.update(entry=entry.number, category=entry.category, language=entry.language)
        for name in FIELDS:
            value = entry.fields.get(name)
            if value is not None:
                row[name] = value.text
        for i, alias in enumerate(entry.aliases[:MAX_ALIASES], 1):
            row[f"alias_{i}"] = alias.text
        row.update(entry.parts)
        row["status"] = entry.status
        row["page"] = entry.page if entry.page is not None else ""
        row["line"] = entry.line
        row["confidence"] = entry.confidence
        values = [(n, v) for n, v in entry.fields.items()] + [
            (f"alias_{i}", a) for i, a in enumerate(entry.aliases[:MAX_ALIASES], 1)
        ]
        row["field_confidence"] = "; ".join(f"{n} {v.confidence:.1f}" for n, v in values)
        row["field_location"] = "; ".join(f"{n} {v.where}" for n, v in values)
        row["check"] = "; ".join(entry.checks)
        row["source_file"] = extraction.source.name
        rows.append(row)
    return rows


def write_review(extraction: Extraction, path: str | Path) -> Path:
    """Write the review sheet to ``path`` (.csv: UTF-8 with a BOM, cells that a
    spreadsheet would read as formulas quoted; .xlsx: text cells, never formulas).
    Written to a temporary file first, so a failure leaves nothing behind."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        if path.suffix:
            message = _("%(file)s: a review sheet is .csv or .xlsx, not %(suffix)s")
        else:
            message = _("%(file)s: a review sheet is .csv or .xlsx, not no suffix")
        raise InputError(message % {"file": path.name, "suffix": path.suffix})
    rows = review_rows(extraction)
    if suffix == ".csv":
        from vigil.output import write_csv

        text = write_csv(REVIEW_COLUMNS, ([r[c] for c in REVIEW_COLUMNS] for r in rows))
        data = text.encode("utf-8-sig")
    else:
        data = _xlsx(rows)
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".review-", suffix=suffix, dir=path.parent)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise InputError(
            _("%(file)s: cannot write the review sheet (%(error)s)")
            % {"file": path, "error": exc.strerror}
        ) from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return path


def default_review_path(source: str | Path) -> Path:
    """Where the review sheet of ``source`` goes when no name is given: next to it,
    ``list.pdf`` -> ``list.review.csv``."""
    source = Path(source)
    return source.with_name(f"{source.stem}.review.csv")


def _xlsx(rows: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = "Review"
    sheet.append(list(REVIEW_COLUMNS))
    for row in rows:
        sheet.append(
            [
                ILLEGAL_CHARACTERS_RE.sub("\ufffd", v) if isinstance(v, str) else v
                for v in (row[c] for c in REVIEW_COLUMNS)
            ]
        )
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text, never a formula
    sheet.freeze_panes = "E2"
    saved = io.BytesIO()
    book.save(saved)
    return saved.getvalue()


__all__ = [
    "CONFIDENCE",
    "LABELS",
    "REVIEW_COLUMNS",
    "STOP_HEADINGS",
    "Entry",
    "Extraction",
    "Value",
    "default_review_path",
    "extract",
    "review_rows",
    "write_review",
]
