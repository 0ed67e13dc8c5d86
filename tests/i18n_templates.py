"""Words in the site's templates that no translation tag covers.

A template is read with Django's own lexer; what is inside ``{% translate %}``,
``{% blocktranslate %}…{% endblocktranslate %}`` and ``{% comment %}`` is set aside, every
other tag and variable becomes a placeholder, and the HTML that is left is parsed:
each text node a reader sees, and each attribute a reader or a screen reader is given
(``title``, ``alt``, ``aria-label``, ``placeholder``, ``aria-description``,
``aria-roledescription``, a submit button's ``value``), must then hold no word.
Allowed as they are: names that are the same in every language (:data:`ALLOWED`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import Lexer, TokenType

ALLOWED = {
    "Vigil",
    "API",
    "CSV",
    "JSON",
    "GeoJSON",
    "Atom",
    "iCalendar",
    "ICS",
    "OpenAPI",
    "km²",
    "km",
    "TOTP",
    "DeepStateMap",
    "ISW",
    "CTP",
    "WGS84",
    "UTC",
}
ATTRIBUTES = {
    "title",
    "alt",
    "aria-label",
    "placeholder",
    "aria-description",
    "aria-roledescription",
}
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_WORD = re.compile(r"[^\W\d_][\w²'’.-]*", re.UNICODE)
_HOLE = " "  # where a tag or variable was (a tag's name where HTML needs one: "<{{ h }}")


@dataclass(frozen=True)
class Finding:
    template: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.template}:{self.line}: {self.text!r} is not marked for translation"


def _words(text: str) -> list[str]:
    return [w.strip(".-'’") for w in _WORD.findall(text.replace(_HOLE, " "))]


def _unmarked(text: str) -> str | None:
    words = [w for w in _words(text) if w and _LETTER.search(w) and w not in ALLOWED]
    return " ".join(words) if words else None


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._skip = 0  # inside <script> or <style>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        attributes = dict(attrs)
        names = set(ATTRIBUTES)
        if tag == "input" and (attributes.get("type") or "").lower() in ("submit", "button"):
            names.add("value")
        if tag == "meta" and (attributes.get("name") or "") == "description":
            names.add("content")
        for name, value in attrs:
            if name in names and value and (words := _unmarked(value)):
                self.found.append((self.getpos()[0], f'{name}="{words}"'))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and (words := _unmarked(data)):
            self.found.append((self.getpos()[0], words))


def flatten(source: str) -> str:
    """The template with translated text, comments, tags and variables taken out (each
    replaced by a placeholder), newlines kept so lines still count."""
    out = _Out()
    skipping: str | None = None  # the tag that ends what is being set aside
    for token in Lexer(source).tokenize():
        raw = token.contents
        if token.token_type == TokenType.BLOCK:
            name = raw.split()[0] if raw.split() else ""
            if skipping:
                if name == skipping:
                    skipping = None
                newlines = "\n" * token.contents.count("\n")
                out.append(_HOLE + newlines)
                continue
            if name in ("blocktranslate", "blocktrans"):
                skipping = "endblocktranslate" if name == "blocktranslate" else "endblocktrans"
            elif name == "comment":
                skipping = "endcomment"
            out.append(_HOLE + "\n" * raw.count("\n"))
        elif token.token_type in (TokenType.VAR, TokenType.COMMENT):
            out.append(_HOLE + "\n" * raw.count("\n"))
        else:
            out.append(_HOLE * bool(skipping) + ("\n" * raw.count("\n") if skipping else raw))
    return "".join(out)


class _Out(list[str]):
    """The flattened template: a placeholder right after "<" or "</" is a tag's name."""

    def append(self, text: str) -> None:
        if text.startswith(_HOLE) and self and self[-1].endswith(("<", "</")):
            text = "x" + text[1:]
        super().append(text)


def check(path: Path, root: Path) -> list[Finding]:
    reader = _Reader()
    reader.feed(flatten(path.read_text(encoding="utf-8")))
    reader.close()
    name = str(path.relative_to(root))
    return [Finding(name, line, text) for line, text in reader.found]
