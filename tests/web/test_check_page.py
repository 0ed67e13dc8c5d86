"""The public page ``/check/``: the form, the result rendered on the server for
``?text=…&as_of=…`` (the permalink works without JavaScript), the claims highlighted
where they are in the sentence, one card per verdict, markup escaped everywhere, and a
bad parameter a 400 with a message, never a 500.

The highlighting is checked against :func:`vigil.claims.render.highlight` (the CLI's
Markdown), a separate implementation of the same merge, and check.js's copy of it is
run under node (when installed) on the same cases.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import resolve

from tests.web.test_api import synthetic_store  # noqa: F401  (a fixture)
from tests.web.test_check_api import AS_OF, SENTENCE, FakeChecker, answer, post
from tests.web.test_editors import make_user, sign_in
from vigil.claims.model import Span
from vigil.claims.render import highlight
from vigil.web.check_views import label_class, number, segments

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]
CHECK_JS = REPO / "src" / "vigil" / "web" / "static" / "web" / "check.js"
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'


# -- reading the page ------------------------------------------------------------------------------
class Page(HTMLParser):
    """What the page shows: marks (classes, text without their claim numbers), cards
    (id, classes, text), figure rows, links, scripts, problems and inline styles."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.marks: list[dict[str, Any]] = []
        self.cards: list[dict[str, Any]] = []
        self.rows: list[list[str]] = []
        self.links: list[dict[str, str]] = []
        self.scripts: list[dict[str, str | None]] = []
        self.problems: list[str] = []
        self.styled: list[str] = []
        self.handlers: list[str] = []  # on…= attributes
        self.tags: list[str] = []
        self.sentence = ""  # the sentence as the page shows it, claim numbers left out
        self.ids: dict[str, dict[str, str | None]] = {}
        self._stack: list[str] = []
        self._in_sentence = self._in_sup = 0
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._link: dict[str, str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if a.get("id"):
            self.ids[a["id"] or ""] = {"tag": tag, **a}
        self.tags.append(tag)
        if "style" in a or tag == "style":
            self.styled.append(tag)
        self.handlers += [f"{tag} {k}" for k in a if k.startswith("on")]
        if tag == "script":
            self.scripts.append(a)
        if tag == "p" and "claim-sentence" in classes:
            self._in_sentence = 1
        elif self._in_sentence and tag not in ("br",):
            self._in_sentence += 1
        if tag == "sup":
            self._in_sup += 1
        if tag == "mark":
            self.marks.append({"classes": classes, "text": "", "title": a.get("title")})
        if tag == "li" and "claim-card" in classes:
            self.cards.append({"id": a.get("id"), "classes": classes, "text": ""})
        if tag == "li" and a.get("data-parameter") is not None:
            self.problems.append(a["data-parameter"] or "")
        if tag == "tr" and self.cards:
            self._row = []
        if tag in ("td", "th") and self._row is not None:
            self._cell = []
        if tag == "a":
            self._link = {"href": a.get("href") or "", "class": a.get("class") or "", "text": ""}
        if tag not in ("br", "input", "meta", "link", "img"):
            self._stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._stack and self._stack[-1] == tag:
            self._stack.pop()
        if self._in_sentence:
            self._in_sentence -= 1
        if tag == "sup":
            self._in_sup -= 1
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        if tag == "tr" and self._row is not None:
            if self._row and "Reading" not in self._row:
                self.rows.append(self._row)
            self._row = None
        if tag == "a" and self._link is not None:
            self.links.append(self._link)
            self._link = None

    def handle_data(self, data: str) -> None:
        if self._in_sentence and not self._in_sup:
            self.sentence += data
            if "mark" in self._stack and self.marks:
                self.marks[-1]["text"] += data
        if self.cards and "li" in self._stack:
            self.cards[-1]["text"] += data
        if self._cell is not None:
            self._cell.append(data)
        if self._link is not None:
            self._link["text"] += data

    def link(self, css: str) -> dict[str, str] | None:
        return next((k for k in self.links if css in k["class"].split()), None)


def page(response: Any) -> Page:
    assert response["Content-Type"].startswith("text/html"), response["Content-Type"]
    return Page(response.content.decode())


@pytest.fixture
def fake(monkeypatch, synthetic_store, settings) -> FakeChecker:  # noqa: F811
    from vigil.web import check_api

    settings.VIGIL_STORE = str(synthetic_store)
    checker = FakeChecker()
    monkeypatch.setattr(check_api, "checker", lambda source=None: checker)
    return checker


@pytest.fixture
def client(synthetic_store, settings) -> Client:  # noqa: F811
    settings.VIGIL_STORE = str(synthetic_store)
    return Client()


# -- the page --------------------------------------------------------------------------------------
def test_the_form_alone(client):
    response = client.get("/check/")
    assert response.status_code == 200
    p = page(response)
    form = p.ids["check-form"]
    assert form["action"] == "/check/" and form["method"] == "get"
    assert form["data-api"] == "/api/check"
    assert p.ids["check-text"]["tag"] == "textarea" and p.ids["check-text"]["name"] == "text"
    assert p.ids["check-as-of"]["type"] == "date" and p.ids["check-as-of"]["name"] == "as_of"
    html = response.content.decode()
    assert '<label for="check-text">' in html and '<label for="check-as-of">' in html
    status = p.ids["check-status"]
    assert status["role"] == "status" and status["aria-live"] == "polite"
    assert not p.marks and not p.cards and not p.problems
    # nothing inline (the CSP): scripts by address only, no style attribute
    assert p.scripts and all(s.get("src") for s in p.scripts)
    assert any((s.get("src") or "").endswith("/web/check.js") for s in p.scripts)
    assert not p.styled and not p.handlers
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert p.tags.count("h1") == 1
    assert client.head("/check/").status_code == 200


def test_a_sentence_is_checked_on_the_server_with_its_claim_highlighted(client, fake):
    response = client.get("/check/", {"text": SENTENCE, "as_of": AS_OF})
    assert response.status_code == 200
    p = page(response)
    # the sentence as written, its claim (the first 20 characters) in one mark
    assert p.sentence == SENTENCE
    (mark,) = p.marks
    assert mark["text"] == SENTENCE[:20]
    assert mark["classes"] == ["claim-span", "label-misleading"]
    assert mark["title"] == "claim 1: misleading"
    assert p.link("claim-ref")["href"] == "#claim-1"
    # one card: label, summary, tolerance, figures, caveats, evidence
    (card,) = p.cards
    assert card["id"] == "claim-1" and "label-misleading" in card["classes"]
    for words in (
        "Misleading",
        "The figure holds under one reading only.",
        "'about 1,700' allows ±10%",
        "Two readings disagree.",
        "Data used",
    ):
        assert words in card["text"], words
    assert p.rows == [
        ["deepstate, gained, week Monday→Monday", "1,672.5", "✗ no"],
        ["deepstate, gained, week Sunday→Sunday", "1,701.25", "✓ yes"],
    ]
    evidence = p.link("claim-evidence") or next(
        k for k in p.links if k["text"] == "See the evidence"
    )
    assert evidence["href"] == "/?from=2025-03-03&to=2025-03-10"
    assert resolve(urlsplit(evidence["href"]).path).url_name == "map"  # a page of the site
    # the permalink is this page's address with the same question
    permalink = urlsplit(p.link("claim-permalink")["href"])
    assert permalink.path == "/check/"
    assert parse_qs(permalink.query) == {"text": [SENTENCE], "as_of": [AS_OF]}
    assert "1 claim checked." in response.content.decode()
    assert fake.calls[-1][1].isoformat() == AS_OF
    # and the JSON and CSV of the same check
    hrefs = [k["href"] for k in p.links if k["href"].startswith("/api/check?")]
    assert len(hrefs) == 2 and hrefs[1].endswith("&format=csv")
    assert answer(client.get(hrefs[0]))["text"] == SENTENCE


def test_the_permalink_gives_the_same_page(client, fake):
    first = client.get("/check/", {"text": SENTENCE, "as_of": AS_OF})
    again = client.get(page(first).link("claim-permalink")["href"])
    assert again.status_code == 200
    assert again.content == first.content


def test_markup_in_the_sentence_and_the_verdict_is_escaped(client, fake, monkeypatch):
    from vigil.web import check_api

    hostile = FakeChecker(
        summary=f"Summary {SCRIPT}",
        caveats=(f"Caveat {IMG}",),
        needed=f"Needed {SCRIPT}",
        evidence="javascript:alert(1)",
    )
    monkeypatch.setattr(check_api, "checker", lambda source=None: hostile)
    text = f"Russian forces {SCRIPT} took {IMG} 200 km²."
    response = client.get("/check/", {"text": text})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    p = page(response)
    assert p.sentence == text  # every character there, as text
    assert f"Summary {SCRIPT}" in p.cards[0]["text"]
    assert not any(k["href"].startswith("javascript") for k in p.links)
    assert all(s.get("src") for s in p.scripts)
    assert not p.handlers and not p.styled
    assert p.tags.count("img") == page(client.get("/check/")).tags.count("img")  # the logo


@pytest.mark.parametrize(
    "evidence", ["javascript:alert(1)", "//evil.example/x", "https://evil.example/", "/a b", ""]
)
def test_only_a_path_of_the_site_is_an_evidence_link(client, monkeypatch, fake, evidence):
    from vigil.web import check_api

    monkeypatch.setattr(check_api, "checker", lambda source=None: FakeChecker(evidence=evidence))
    p = page(client.get("/check/", {"text": SENTENCE}))
    assert p.cards and not any(k["text"] == "See the evidence" for k in p.links)


def test_a_bad_as_of_is_shown_and_the_default_used(client, fake):
    response = client.get("/check/", {"text": SENTENCE, "as_of": "2025-13-01"})
    assert response.status_code == 400
    p = page(response)
    assert p.problems == ["as_of"]
    assert "as_of: expected a date as YYYY-MM-DD" in response.content.decode()
    assert p.ids["check-as-of"].get("aria-invalid") == "true"
    assert fake.calls[-1][1] is None  # checked with the default in its place
    assert p.marks and "(today)" in response.content.decode()
    assert parse_qs(urlsplit(p.link("claim-permalink")["href"]).query) == {"text": [SENTENCE]}


def test_a_text_too_long_is_shown_and_not_checked(client, fake):
    text = "y" * 2001
    response = client.get("/check/", {"text": text})
    assert response.status_code == 400
    p = page(response)
    assert p.problems == ["text"] and not p.marks and not p.cards
    assert "2,000" in response.content.decode()
    assert fake.calls == []
    assert p.ids["check-text"].get("aria-invalid") == "true"
    assert text in response.content.decode()  # kept in the box, to shorten


def test_a_blank_text_is_the_form_alone(client, fake):
    response = client.get("/check/", {"text": "   "})
    assert response.status_code == 200 and fake.calls == []
    assert not page(response).problems


def test_the_page_is_read_only(client, fake):
    assert client.post("/check/", {"text": SENTENCE}).status_code == 405


def test_a_signed_in_reader_s_page_is_private(client, fake):
    from vigil.cases.levels import Level

    public = client.get("/check/", {"text": SENTENCE})
    assert "cookie" in public["Vary"].lower()
    viewer = Client()
    assert sign_in(viewer, make_user("vera", "viewer", device=False)).status_code == 302
    response = viewer.get("/check/", {"text": SENTENCE})
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert [who.level for *_, who in fake.calls] == [Level.PUBLIC, Level.INTERNAL]


# -- with the real Checker -------------------------------------------------------------------------
def test_the_page_highlights_what_the_api_answers(client):
    record = answer(post(client, {"text": SENTENCE, "as_of": AS_OF}))
    response = client.get("/check/", {"text": SENTENCE, "as_of": AS_OF})
    assert response.status_code == 200
    p = page(response)
    assert p.sentence == SENTENCE
    assert [m["text"] for m in p.marks] == [
        s["text"] for s in segments(SENTENCE, record["verdicts"]) if s["claims"]
    ]
    assert [c["id"] for c in p.cards] == [
        f"claim-{n}" for n in range(1, len(record["verdicts"]) + 1)
    ]
    for card, v in zip(p.cards, record["verdicts"], strict=True):
        assert label_class(v["label"]) in card["classes"]
        assert v["summary"] in card["text"]
        if v["evidence"]:
            assert resolve(urlsplit(v["evidence"]).path)  # a page of this site


def test_without_a_store_a_territory_claim_says_so(client, settings, tmp_path):
    settings.VIGIL_STORE = str(tmp_path / "missing.sqlite")
    response = client.get("/check/", {"text": SENTENCE, "as_of": AS_OF})
    assert response.status_code == 503
    html = response.content.decode()
    assert 'class="note claim-failure" role="alert"' in html and "missing.sqlite" in html


# -- the highlighting ------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Claim:
    span: Span


CASES = [
    ("Russia took 200 km² last week.", [(12, 19)]),
    ("Russia took 200 km² last week.", [(0, 6), (12, 19)]),  # two apart
    ("Russia took 200 km² last week.", [(0, 15), (12, 29)]),  # overlapping
    ("Russia took 200 km² last week.", [(0, 29), (12, 19)]),  # nested
    ("Russia took 200 km² last week.", [(0, 12), (12, 19)]),  # touching
    ("Russia took 200 km² last week.", [(5, 9), (5, 9)]),  # the same span twice
    ("😀 Росія захопила 200 км² 🇺🇦 за тиждень.", [(2, 17), (18, 25), (29, 39)]),  # astral
]


def _marked(text: str, spans: list[tuple[int, int]]) -> str:
    verdicts = [{"claim": {"span": {"start": s, "end": e}}, "label": "supported"} for s, e in spans]
    return "".join(f"[{s['text']}]" if s["claims"] else s["text"] for s in segments(text, verdicts))


@pytest.mark.parametrize(("text", "spans"), CASES)
def test_segments_merge_as_the_cli_s_highlight(text, spans):
    claims = [_Claim(Span(s, e, text[s:e])) for s, e in spans]
    assert _marked(text, spans) == highlight(text, claims, "[", "]")


def test_segments_keep_each_claim_and_its_label():
    text = "Russia took 200 km² last week."
    verdicts = [
        {"claim": {"span": {"start": 12, "end": 29}}, "label": "misleading"},
        {"claim": {"span": {"start": 0, "end": 15}}, "label": "supported with caveats"},
        {"claim": {"span": {"start": 3, "end": 3}}, "label": "supported"},  # empty: no mark
        {"claim": {"span": {"start": 25, "end": 99}}, "label": "not supported"},  # clamped
    ]
    out = segments(text, verdicts)
    assert "".join(s["text"] for s in out) == text
    (mark,) = out  # 0–15 and 12–29 overlap, 25–30 (clamped) overlaps that: one mark
    assert mark["text"] == text
    assert [c["n"] for c in mark["claims"]] == [1, 2, 4]
    assert mark["css"].split() == [
        "label-misleading",
        "label-supported-with-caveats",
        "label-not-supported",
    ]
    assert (
        mark["title"]
        == "claim 1: misleading; claim 2: supported with caveats; claim 4: not supported"
    )


def test_labels_as_classes_and_numbers_as_written():
    assert [
        label_class(x) for x in ("supported", "supported with caveats", "cannot be checked")
    ] == [
        "label-supported",
        "label-supported-with-caveats",
        "label-cannot-be-checked",
    ]
    assert label_class('x" onclick="y') == "label-x-onclick-y"
    assert [number(x) for x in (1672.456, 303.0, 0.1, -0.001, None, 1e6)] == [
        "1,672.46",
        "303",
        "0.1",
        "0",
        "—",
        "1,000,000",
    ]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_check_js_cuts_and_writes_as_the_server_does():
    """check.js's segments, labelClass and number, run by node on the cases above, give
    what check_views gives."""
    inputs = [
        {
            "text": text,
            "verdicts": [
                {"claim": {"span": {"start": s, "end": e}}, "label": label}
                for (s, e), label in zip(
                    spans, ["misleading", "supported", "not supported"], strict=False
                )
            ],
        }
        for text, spans in CASES
        if len(spans) <= 3
    ]
    numbers = [1672.456, 303.0, 0.1, -0.001, None, 1e6, 1234.5]
    script = (
        f"const m = require({json.dumps(str(CHECK_JS))});"
        "const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "process.stdout.write(JSON.stringify({"
        "segments: input.cases.map((c) => m.segments(c.text, c.verdicts)),"
        "numbers: input.numbers.map(m.number),"
        "classes: input.labels.map(m.labelClass)}));"
    )
    labels = ["supported with caveats", 'x" onclick="y']
    stdin = json.dumps({"cases": inputs, "numbers": numbers, "labels": labels})
    done = subprocess.run(
        ["node", "-e", script], input=stdin, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["segments"] == [segments(c["text"], c["verdicts"]) for c in inputs]
    assert out["numbers"] == [number(x) for x in numbers]
    assert out["classes"] == [label_class(x) for x in labels]
