"""Downloads and credits of the public registry (issue 16): the list as CSV with the
reader's filters (the same rows and columns as the page, every page of it, UTF-8 with a
byte-order mark for Excel), the prisoner chart titled with what it counts, its dates
and its source, and each registry page's footer crediting the registry, not the
territory's method.

On the demo registry with the hidden records of ``test_cases_public``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from tests.web.test_cases_public import _empty_cache, demo  # noqa: F401 (fixtures)
from vigil import palette

pytestmark = pytest.mark.urls("tests.web.cases_urls")

#: The page's columns and the CSV's, in order (``matched`` only with a name search).
HEADERS = ["Name", "Role in cases", "Status", "Since", "Counted", "Organisations", "Charges", "Ref"]
COLUMNS = ["name", "role", "status", "since", "counted", "organisations", "charges", "ref"]

FILTERS = [
    {},
    {"release": "R-VRW-2026-10"},
    {"status": "deprived", "on": "2026-11-01"},
    {"counted": "1", "on": "2026-07-01"},
    {"organisation": "АВБ"},
    {"designation": "ИХММ"},
    {"role": "lawyer"},
    {"charge": "Criminal Code 206.3.2"},
    {"q": "Рашад Гюльбейли"},
]


class Table(HTMLParser):
    """The list's table: its header cells and, per row, the text of each cell (the name
    cell's first text: the name, not the "matched:" line under it)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.headers: list[str] = []
        self.rows: list[list[str]] = []
        self.links: dict[str, str] = {}
        self._in: str | None = None
        self._cell: list[str] | None = None
        self._href = ""
        self._anchor: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and "cases-list" in (a.get("class") or ""):
            self._in = "table"
        elif self._in and tag == "tr":
            self._cell = None
            if self._in == "tbody":
                self.rows.append([])
        elif self._in and tag == "tbody":
            self._in = "tbody"
        elif self._in and tag in ("td", "th"):
            self._cell = []
        elif self._in and tag == "br" and self._cell is not None:
            self._cell.append("\n")
        if tag == "a":
            self._href, self._anchor = a.get("href") or "", []

    def handle_endtag(self, tag):
        if tag == "table":
            self._in = None
        elif self._in and tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell).split("\n")[0].strip()
            if self._in == "tbody":
                self.rows[-1].append(text)
            else:
                self.headers.append(text)
            self._cell = None
        if tag == "a" and self._anchor is not None:
            self.links["".join(self._anchor).strip()] = self._href
            self._anchor = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._anchor is not None:
            self._anchor.append(data)


def parse_csv(content: bytes) -> tuple[list[str], list[list[str]]]:
    assert content.startswith(b"\xef\xbb\xbf"), "no byte-order mark"
    text = content.decode("utf-8-sig")
    assert "\r\n" in text or text.count("\n") <= 1
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


@pytest.mark.parametrize(
    "filters", FILTERS, ids=lambda f: "&".join(f"{k}={v}" for k, v in f.items())
)
def test_the_csv_is_the_filtered_page(demo, filters):  # noqa: F811
    client = Client()
    page = client.get("/prisoners/", filters)
    assert page.status_code == 200, page.content[:300]
    table = Table(page.content.decode())
    assert table.headers == HEADERS
    assert table.rows, filters  # each of these filters finds someone
    # the page's own download link, with the page's filters
    link = table.links["Download this list as CSV"]
    asked = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    resolved = {k: v for k, v in filters.items() if k not in ("organisation", "designation")}
    assert asked == {
        **resolved,
        **{k: asked[k] for k in asked if k in ("organisation", "designation")},
        "format": "csv",
    }
    response = client.get("/prisoners/" + link)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="vigil-prisoners-')
    header, rows = parse_csv(response.content)
    with_matched = "q" in filters
    assert header == ([*COLUMNS[:1], "matched", *COLUMNS[1:]] if with_matched else COLUMNS)
    if with_matched:
        rows = [r[:1] + r[2:] for r in rows]
    shown = [[cell if cell else "—" if i == 1 else "" for i, cell in enumerate(r)] for r in rows]
    assert shown == table.rows


def test_the_csv_holds_every_page(demo, monkeypatch):  # noqa: F811
    from vigil.web import cases_views

    monkeypatch.setattr(cases_views, "PER_PAGE", 4)
    client = Client()
    paged: list[list[str]] = []
    number = 1
    while True:
        table = Table(client.get("/prisoners/", {"page": number}).content.decode())
        paged += table.rows
        if "Next" not in table.links:
            break
        number += 1
    assert number > 2
    # the link on page 2 downloads the whole list, not its page
    link = Table(client.get("/prisoners/", {"page": 2}).content.decode()).links[
        "Download this list as CSV"
    ]
    assert "page=" not in link
    _header, rows = parse_csv(client.get("/prisoners/" + link).content)
    assert [r[-1] for r in rows] == [r[-1] for r in paged]  # refs, in the page's order
    assert (
        len(rows)
        == len(paged)
        == demo.Person.objects.filter(visibility=0, merged_into__isnull=True).count()
    )


def test_the_csv_is_safe_and_refuses_what_the_page_refuses(demo):  # noqa: F811
    client = Client()
    demo.PersonName.objects.filter(person__ref="VRW-002", kind="primary").update(
        name="=HYPERLINK(1)"
    )
    _header, rows = parse_csv(client.get("/prisoners/?format=csv").content)
    assert "'=HYPERLINK(1)" in {r[0] for r in rows}  # no formula in a spreadsheet
    body = client.get("/prisoners/?format=xlsx")
    assert body.status_code == 400 and b'data-parameter="format"' in body.content
    bad = client.get("/prisoners/?format=csv&status=jailed")
    assert bad.status_code == 400 and bad["Content-Type"].startswith("text/html")
    for secret in ("SENTINEL-HIDDEN", "Gizli", "HIDDEN-P1"):
        assert secret.encode() not in client.get("/prisoners/?format=csv").content


# -- the chart ----------------------------------------------------------------------------------
def svg_texts(svg: bytes) -> list[str]:
    root = ET.fromstring(svg)
    return [
        "".join(t.itertext()).strip()
        for t in root.iter()
        if t.tag.endswith("}text") and "".join(t.itertext()).strip()
    ]


def test_the_chart_says_what_it_counts_its_dates_and_source(demo):  # noqa: F811
    client = Client()
    svg = client.get("/prisoners/stats/chart.svg?from=2026-06-01&to=2026-11-01&by=organisation")
    texts = svg_texts(svg.content)
    joined = " ".join(texts)
    assert "Political prisoners held, 1 June 2026 to 1 November 2026, by organisation" in texts
    assert "defendants in a case, or people on a published list or designated" in joined
    # the credit, wrapped on lines of its own at the bottom
    first = next(i for i, t in enumerate(texts) if t.startswith("Source:"))
    last = next(i for i, t in enumerate(texts) if t.endswith("Chart: Vigil"))
    credit = " ".join(texts[first : last + 1])
    assert "Vigil registry of political prisoners as of" in credit
    assert "Veloria Rights Watch (VRW) (2026-06-15, 2026-10-15)" in credit
    assert "SENTINEL" not in joined and "ORG-HIDDEN" not in joined
    # a year on every date of the time axis (tick labels: a month or a day, and a year)
    ticks = [t for t in texts if re.fullmatch(r"(\d{1,2} )?[A-Z][a-z]{2} \d{4}", t)]
    assert len(ticks) >= 3, texts
    # colours from the palette: the total in the net colour, groups in the categories
    body = svg.content.decode()
    assert palette.NET.lower() in body.lower() and palette.CATEGORY[0].lower() in body.lower()


def test_the_library_chart_reads_its_credit_from_the_counts(demo, tmp_path):  # noqa: F811
    from vigil.cases import stats
    from vigil.cases.levels import Level

    frame = stats.held(Level.PUBLIC, date_from="2026-01-01", date_to="2026-12-01", freq="month")
    path = tmp_path / "held.svg"
    stats.chart(frame, path)
    texts = svg_texts(path.read_bytes())
    assert "Political prisoners held, 1 January 2026 to 1 December 2026" in texts
    assert any(t.startswith("Source: Vigil registry of political prisoners") for t in texts)
    stats.chart(frame, path, credit="Test lists, 2026")
    assert "Source: Test lists, 2026 · Chart: Vigil" in svg_texts(path.read_bytes())


# -- footers ----------------------------------------------------------------------------------
def footer(html: str) -> str:
    found = re.search(r'<footer class="site-footer">(.*?)</footer>', html, re.S)
    assert found, "no footer"
    return re.sub(r"<[^>]+>", "", found.group(1))


@pytest.mark.parametrize(
    "url",
    [
        "/prisoners/",
        "/prisoners/stats/",
        "/prisoners/incidents/",
        "/prisoners/VRW-001/",
        "/cases/AVB-2026/",
        "/prisoners/NO-SUCH-REF/",
    ],
)
def test_every_registry_page_credits_the_registry(demo, url):  # noqa: F811
    response = Client().get(url)
    text = " ".join(footer(response.content.decode()).split())
    assert "Areas are geodesic" not in text and "snapshots" not in text
    today = dt.date.today()
    assert (
        f"Data: the Vigil registry of political prisoners, last changed {today.day} {today:%B %Y}"
        in text
    )
    assert "lists published by Veloria Rights Watch (VRW) (2026-06-15, 2026-10-15)" in text
    assert "designations by" in text and "Counted as political prisoners: defendants" in text
    assert "SENTINEL" not in text and "ORG-HIDDEN" not in text
    sources = int(re.search(r"(\d+) sources? cited", text).group(1))
    assert sources == demo.Source.objects.filter(visibility=0).count()
    assert ("listed above" in text) == (url.startswith(("/prisoners/VRW", "/cases/")))


def test_the_phone_chart_is_narrower_and_says_the_same(demo):  # noqa: F811
    client = Client()
    wide = client.get("/prisoners/stats/chart.svg?by=none")
    narrow = client.get("/prisoners/stats/chart.svg?by=none&size=narrow")
    width = lambda r: float(ET.fromstring(r.content).get("width").removesuffix("pt"))  # noqa: E731
    assert width(narrow) < 0.6 * width(wide)
    said = " ".join(" ".join(svg_texts(narrow.content)).split())
    assert "Political prisoners held" in said and "Chart: Vigil" in said
    assert "Veloria Rights Watch (VRW)" in said
    page = client.get("/prisoners/stats/").content.decode()
    assert 'media="(max-width: 600px)"' in page and "size=narrow" in page
    bad = client.get("/prisoners/stats/chart.svg?size=huge")
    assert bad.status_code == 400 and bad.json()["error"]["parameter"] == "size"
