"""The site's pages with Django's test client, on the demo archive with the shipped
geography (``web_store`` of conftest.py): every page renders with the elements the
browser tests and readers rely on, nothing inline (the CSP forbids it), every static
file it names is served, charts and their CSV agree with the library, and a bad query
makes a page with a message naming the parameter, never a 500."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import pandas as pd
import pytest
from django.core.cache import cache
from django.test import Client

from vigil.territory import open_store
from vigil.territory import render as R
from vigil.testing import assert_frames_close
from vigil.web import pages

PAGES = ["/", "/figures/", "/figures/brief/"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# -- fixtures and helpers ------------------------------------------------------------------
@pytest.fixture(scope="module")
def territory(web_store: Path):
    t = open_store(web_store)
    yield t
    t.close()


@pytest.fixture
def client(web_store: Path, settings) -> Client:
    settings.VIGIL_STORE = str(web_store)
    settings.VIGIL_TILE_URL = ""
    return Client()


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


class Page(HTMLParser):
    """The parts of an HTML page the tests look at: every tag with its attributes,
    the text of each <script>, <style> and element with an id, and the labels."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self.styles: list[str] = []
        self.text: dict[str, str] = {}
        self._open: list[tuple[str, str | None, list[str]]] = []  # (tag, id, text)
        self.raw = html
        self.feed(html)

    VOID: ClassVar[set[str]] = {
        "meta",
        "link",
        "img",
        "input",
        "br",
        "hr",
        "source",
        "area",
        "col",
        "wbr",
    }

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.tags.append((tag, values))
        if tag not in self.VOID:
            self._open.append((tag, values.get("id"), []))

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            name, ident, text = self._open.pop()
            joined = "".join(text)
            if self._open:
                self._open[-1][2].append(joined)
            if ident:
                self.text[ident] = " ".join(joined.split())
            if name == "script":
                attrs = next(a for t, a in reversed(self.tags) if t == "script")
                self.scripts.append((attrs, joined))
            if name == "style":
                self.styles.append(joined)
            if name == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1][2].append(data)

    def find(self, ident: str) -> dict[str, str]:
        hits = [attrs for _, attrs in self.tags if attrs.get("id") == ident]
        assert hits, f"no element with id={ident!r}"
        assert len(hits) == 1, f"{len(hits)} elements with id={ident!r}"
        return hits[0]

    def all(self, tag: str) -> list[dict[str, str]]:
        return [attrs for t, attrs in self.tags if t == tag]

    def config(self) -> dict:
        (body,) = [text for attrs, text in self.scripts if attrs.get("id") == "config"]
        return json.loads(body)

    def problems(self) -> dict[str, str]:
        """parameter -> message of the error list (role=alert) at the top of a page."""
        return dict(re.findall(r'<li data-parameter="([^"]+)">([^<]*)</li>', self.raw))


def get_page(client: Client, url: str, data: dict | None = None, status: int = 200) -> Page:
    response = client.get(url, data or {})
    assert response.status_code == status, response.content[:600]
    assert response["Content-Type"].startswith("text/html")
    return Page(response.content.decode())


# -- every page ------------------------------------------------------------------------------
@pytest.mark.parametrize("url", PAGES)
def test_pages_render_with_nothing_inline(client, url):
    response = client.get(url)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    page = Page(response.content.decode())
    for attrs, text in page.scripts:
        assert attrs.get("src") or attrs.get("type") == "application/json", (attrs, text[:80])
        if attrs.get("src"):
            assert not text.strip()
    assert not page.styles, "a <style> block"
    styled = [(t, a) for t, a in page.tags if "style" in a]
    assert not styled, f"style= attributes: {styled[:3]}"
    handlers = [(t, a) for t, a in page.tags for k in a if k.startswith("on")]
    assert not handlers, f"inline event handlers: {handlers[:3]}"
    assert any(a.get("name") == "viewport" for a in page.all("meta"))
    assert page.all("html")[0]["lang"] == "en"
    assert len(page.all("h1")) == 1
    for img in page.all("img"):
        assert "alt" in img, img
    for table in re.findall(r"<table[^>]*>\s*(<\w+)", response.content.decode()):
        assert table == "<caption" or url.endswith("brief/"), "a table without a caption"


@pytest.mark.parametrize("url", PAGES)
def test_every_static_file_a_page_names_is_served(client, url):
    page = get_page(client, url)
    names = [a["src"] for t, a in page.tags if t in ("script", "img") and "src" in a]
    names += [a["href"] for t, a in page.tags if t == "link"]
    local = [n for n in names if not n.startswith("data:")]
    assert all(n.startswith("/") and not n.startswith("//") for n in local), local
    static = [n for n in local if n.startswith("/static/")]
    assert static
    for name in static:
        response = client.get(name)
        assert response.status_code == 200, name
        if name.endswith(".css"):
            css = b"".join(response.streaming_content).decode()
            for ref in re.findall(r"url\(['\"]?([^'\")]+)", css):
                if ref.startswith(("data:", "#")):  # "#default#VML": old IE behaviour
                    continue
                assert not ref.startswith(("http:", "https:", "//")), ref
                target = name.rsplit("/", 1)[0] + "/" + ref
                assert client.get(target).status_code == 200, target


def test_inputs_have_labels(client):
    for url in PAGES:
        page = get_page(client, url)
        labelled = {a.get("for") for a in page.all("label")}
        raw = page.raw
        for attrs in page.all("input"):
            ident = attrs.get("id")
            wrapped = ident and re.search(rf"<label[^>]*>\s*<input[^>]*id=\"{ident}\"", raw)
            assert ident in labelled or wrapped or attrs.get("aria-label"), (url, attrs)


# -- the map page ------------------------------------------------------------------------------
def test_map_page_has_its_controls_and_the_area_of_the_last_date(client, territory):
    page = get_page(client, "/")
    dates = [d.isoformat() for d in territory.dates()]
    config = page.config()
    assert config["dates"] == dates
    assert config["state"]["date"] == dates[-1] and config["state"]["mode"] == "area"
    assert config["state"]["layers"] == ["regions"]
    assert config["api_root"] == "/api/territory/" and config["tile_url"] == ""
    assert config["has_geography"] is True and config["has_grey"] is False

    slider = page.find("date-slider")
    assert slider["type"] == "range" and slider["min"] == "0"
    assert slider["max"] == str(len(dates) - 1) and slider["value"] == str(len(dates) - 1)
    assert slider["aria-valuetext"] == dates[-1]
    date_input = page.find("date-input")
    assert date_input["type"] == "date"
    assert (date_input["min"], date_input["max"], date_input["value"]) == (
        dates[0],
        dates[-1],
        dates[-1],
    )
    for ident in ("change-from", "change-to"):
        assert page.find(ident)["type"] == "date"
    assert page.find("map")["data-state"] == "loading"
    page.find("change-figure")
    page.find("region-table")
    assert "caption" in [t for t, _ in page.tags]
    area = territory.area(dates[-1])
    assert page.text["area-value"] == R.fmt_km2(area.area_km2)
    # the grey toggle is there, disabled: the demo source has no grey zone
    assert "disabled" in page.find("grey-toggle")
    scripts = [a["src"] for a, _ in page.scripts if a.get("src")]
    assert scripts == [
        "/jsi18n/",  # the scripts' words in the page's language (docs/i18n.md)
        "/static/vendor/leaflet/leaflet.js",
        "/static/web/compare.js",
        "/static/web/map.js",
    ]


def test_a_permalink_restores_the_view(client, territory):
    day = "2024-10-23"
    page = get_page(
        client,
        "/",
        {"date": day, "layers": "settlements,regions", "zoom": "9", "lat": "48.1", "lon": "37.5"},
    )
    state = page.config()["state"]
    assert state == {
        "date": day,
        "from": None,
        "to": None,
        "grey": False,
        "layers": ["regions", "settlements"],
        "zoom": 9,
        "lat": 48.1,
        "lon": 37.5,
        "mode": "area",
    }
    dates = territory.dates()
    index = max(i for i, d in enumerate(dates) if d <= dt.date.fromisoformat(day))
    assert page.find("date-slider")["value"] == str(index)
    assert page.find("date-input")["value"] == day
    assert "checked" in page.find("layer-settlements") and "checked" in page.find("layer-regions")
    assert page.text["area-value"] == R.fmt_km2(territory.area(day).controlled_km2)
    assert day in page.text["map-title"]

    change = get_page(client, "/", {"from": "2024-10-21", "to": "2024-10-28", "layers": ""})
    state = change.config()["state"]
    assert (state["mode"], state["from"], state["to"], state["layers"]) == (
        "change",
        "2024-10-21",
        "2024-10-28",
        [],
    )
    assert "checked" in change.find("mode-change") and "checked" not in change.find("mode-area")
    assert change.find("change-from")["value"] == "2024-10-21"
    assert change.find("change-to")["value"] == "2024-10-28"
    assert "hidden" in change.find("area-controls") and "hidden" not in change.find(
        "change-controls"
    )
    assert change.find("map")["data-mode"] == "change"


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"date": "yesterday"}, "date"),
        ({"date": "2024-02-30"}, "date"),
        ({"date": "1999-01-01"}, "date"),
        ({"date": "2099-01-01"}, "date"),
        ({"from": "2024-10-21"}, "to"),
        ({"to": "2024-10-21"}, "from"),
        ({"from": "2024-10-28", "to": "2024-10-21"}, "to"),
        ({"grey": "maybe"}, "grey"),
        ({"grey": "1"}, "grey"),  # the demo source has no grey zone
        ({"layers": "regions,tanks"}, "layers"),
        ({"zoom": "99"}, "zoom"),
        ({"zoom": "nan"}, "zoom"),
        ({"lat": "48.5"}, "lon"),
        ({"lat": "200", "lon": "30"}, "lat"),
    ],
)
def test_a_bad_parameter_shows_a_message_and_the_default(client, territory, query, parameter):
    page = get_page(client, "/", query, status=400)
    problems = page.problems()
    assert parameter in problems, problems
    assert page.find("problems")["role"] == "alert"
    state = page.config()["state"]
    last = territory.dates()[-1].isoformat()
    assert state["date"] in (last, query.get("to"), query.get("date"))
    assert state["mode"] == "area" and state["grey"] is False
    page.find("date-slider")  # the page still works


def test_the_tile_server_setting_reaches_the_page_and_the_csp(client, settings):
    settings.VIGIL_TILE_URL = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    settings.VIGIL_TILE_ATTRIBUTION = "© Example tiles"
    fresh = Client()  # the middleware reads the tile origin when it starts
    response = fresh.get("/")
    config = Page(response.content.decode()).config()
    assert config["tile_url"] == settings.VIGIL_TILE_URL
    assert config["tile_attribution"] == "© Example tiles"
    assert "https://*.tiles.example.org" in response["Content-Security-Policy"]


def test_no_store_is_a_page_saying_so(settings, tmp_path):
    settings.VIGIL_STORE = str(tmp_path / "missing.sqlite")
    client = Client()
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 503
        assert b"no territory store" in response.content
    response = client.get("/figures/chart/weekly.png")
    assert response.status_code == 503 and response.json()["error"]["message"]


def test_pages_are_read_only(client):
    for url in PAGES:
        assert client.post(url).status_code == 405


# -- the figures page ---------------------------------------------------------------------------
def test_figures_page_shows_charts_downloads_and_records(client, territory):
    page = get_page(client, "/figures/")
    # the source as readers know it (its credit), never the store's internal id
    lead = page.raw.split('class="lead"', 1)[1].split("</p>", 1)[0]
    assert "DeepStateMap" in lead and territory.resolve_source() not in lead
    images = {a["src"]: a["alt"] for a in page.all("img") if "/figures/chart/" in a["src"]}
    last = territory.dates()[-1]
    start = (last - dt.timedelta(days=7 * pages.WEEKS_SHOWN)).isoformat()
    # the page shows the SVG (its text stays sharp when scaled); PNG and CSV to download
    weekly = f"/figures/chart/weekly.svg?from={start}"
    assert weekly in images and "per week" in images[weekly]
    assert "/figures/chart/monthly.svg" in images
    links = {a["href"] for a in page.all("a")}
    for href in (
        f"/figures/chart/weekly.png?from={start}",
        "/figures/chart/monthly.png",
        f"/figures/chart/weekly.svg?from={start}",
        f"/figures/data/weekly.csv?from={start}",
        "/figures/chart/monthly.svg",
        "/figures/data/monthly.csv",
        "/figures/brief/",
    ):
        assert href in links, href
    # records: a box on the last complete week and month (tests/web/test_records.py
    # checks what they say against brute force)
    table = territory.series("week")
    last_week = table[table.complete].period_start.iloc[-1].isoformat()
    assert page.find("record-week")["data-period-start"] == last_week
    assert page.find("record-month")["data-period-start"]
    assert len(table) > 52 and page.find("largest-gains")


def test_figures_page_range_and_a_bad_range(client):
    page = get_page(client, "/figures/", {"from": "2025-01-01", "to": "2025-07-01"})
    srcs = [a["src"] for a in page.all("img")]
    assert "/figures/chart/weekly.svg?from=2025-01-01&to=2025-07-01" in srcs
    assert page.find("figures-from")["value"] == "2025-01-01"
    bad = get_page(client, "/figures/", {"from": "2025-07-01", "to": "2025-01-01"}, status=400)
    assert "to" in bad.problems()
    assert any(
        s.startswith("/figures/chart/monthly.svg") for s in [a["src"] for a in bad.all("img")]
    )


# -- charts and their data ----------------------------------------------------------------------
def test_charts_are_png_and_svg(client):
    png = client.get("/figures/chart/weekly.png")
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert png.content.startswith(PNG_MAGIC)
    svg = client.get("/figures/chart/monthly.svg", {"from": "2025-01-01"})
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    root = ET.fromstring(svg.content)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    # vectors, not a picture wrapped in SVG
    assert root.find(".//{http://www.w3.org/2000/svg}path") is not None
    assert b"data:image/png" not in svg.content
    series = client.get("/figures/chart/series.png", {"freq": "day", "from": "2026-06-01"})
    assert series.status_code == 200 and series.content.startswith(PNG_MAGIC)
    change = client.get("/figures/chart/change.png", {"from": "2024-10-21", "to": "2024-10-28"})
    assert change.status_code == 200 and change.content.startswith(PNG_MAGIC)


def test_charts_are_cached_per_store_version(client, monkeypatch):
    first = client.get("/figures/chart/weekly.png", {"from": "2025-01-06"})
    assert first.status_code == 200 and first["ETag"] and first["Last-Modified"]

    def boom(*args, **kwargs):
        raise AssertionError("drawn again")

    monkeypatch.setattr(R, "chart_series", boom)
    again = client.get("/figures/chart/weekly.png", {"from": "2025-01-06"})
    assert again.content == first.content
    unchanged = client.get(
        "/figures/chart/weekly.png", {"from": "2025-01-06"}, HTTP_IF_NONE_MATCH=first["ETag"]
    )
    assert unchanged.status_code == 304


def _csv(response) -> pd.DataFrame:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    return pd.read_csv(io.StringIO(response.content.decode()))


@pytest.mark.parametrize(
    ("url", "query", "freq", "start", "end"),
    [
        (
            "/figures/data/weekly.csv",
            {"from": "2025-01-06", "to": "2025-06-02"},
            "week",
            "2025-01-06",
            "2025-06-02",
        ),
        ("/figures/data/monthly.csv", {}, "month", None, None),
        ("/figures/data/series.csv", {"freq": "year"}, "year", None, None),
    ],
)
def test_csv_downloads_equal_the_library_series(client, territory, url, query, freq, start, end):
    got = _csv(client.get(url, query))
    expected = territory.series(freq, date_from=start, date_to=end)
    assert list(got.columns) == list(expected.columns)
    for col in ("period_start", "period_end", "snapshot_start", "snapshot_end"):
        assert list(got[col]) == [d.isoformat() for d in expected[col]]
    numbers = ["gained_km2", "lost_km2", "net_km2", "area_km2"]
    assert_frames_close(got, expected, numbers, rel=1e-12)
    assert list(got.gap) == list(expected.gap) and list(got.complete) == list(expected.complete)
    rows = list(csv.reader(io.StringIO(client.get(url, query).content.decode())))
    assert len(rows) == len(expected) + 1


def test_weekly_csv_defaults_to_the_last_year(client, territory):
    got = _csv(client.get("/figures/data/weekly.csv"))
    last = territory.dates()[-1]
    assert 50 <= len(got) <= 53
    # the week holding the date a year back (periods start on whole weeks)
    assert dt.date.fromisoformat(got.period_start.iloc[0]) > last - dt.timedelta(days=365 + 7)


@pytest.mark.parametrize(
    ("url", "query", "status", "parameter"),
    [
        ("/figures/chart/tanks.png", {}, 404, "name"),
        ("/figures/chart/weekly.gif", {}, 404, "name"),
        ("/figures/data/change.csv", {}, 404, "name"),
        ("/figures/chart/weekly.png", {"from": "soon"}, 400, "from"),
        ("/figures/chart/weekly.png", {"from": "2025-06-01", "to": "2025-01-01"}, 400, "to"),
        ("/figures/chart/weekly.svg", {"to": "1999-01-01"}, 400, "to"),
        ("/figures/chart/series.png", {}, 400, "freq"),
        ("/figures/chart/series.png", {"freq": "fortnight"}, 400, "freq"),
        ("/figures/chart/series.png", {"freq": "day", "from": "2024-08-01"}, 400, "from"),
        ("/figures/data/series.csv", {"freq": "hour"}, 400, "freq"),
        ("/figures/chart/change.png", {"from": "2025-06-01", "to": "2025-01-01"}, 400, "to"),
    ],
)
def test_bad_chart_parameters_are_json_errors(client, url, query, status, parameter):
    response = client.get(url, query)
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["parameter"] == parameter and error["message"]


# -- the brief ------------------------------------------------------------------------------------
def test_brief_page_shows_the_latest_brief_with_charts(client, territory):
    page = get_page(client, "/figures/brief/")
    assert [t for t, _ in page.tags].count("h1") == 1
    assert "Russian-controlled territory in Ukraine, week of" in page.raw
    assert '<p class="lead">From ' in page.raw
    charts = [a["src"] for a in page.all("img") if "/figures/chart/" in a["src"]]
    assert [c.split("?")[0] for c in charts] == [
        "/figures/chart/weekly.png",
        "/figures/chart/monthly.png",
        "/figures/chart/change.png",
    ]
    for src in charts:  # every chart the brief shows is drawn
        response = client.get(src)
        assert response.status_code == 200 and response.content.startswith(PNG_MAGIC), src
    assert page.raw.index("<h2>Charts</h2>") < page.raw.index("<h2>Method</h2>")


def test_brief_as_of_download_and_bad_date(client):
    page = get_page(client, "/figures/brief/", {"as_of": "2025-03-15"})
    assert "Vigil brief, 2025-03-15." in page.raw
    bad = get_page(client, "/figures/brief/", {"as_of": "15/03/2025"}, status=400)
    assert "as_of" in bad.problems() and '<p class="lead">From ' in bad.raw
    early = get_page(client, "/figures/brief/", {"as_of": "2024-07-09"}, status=400)
    assert "as_of" in early.problems()
    download = client.get("/figures/brief/", {"as_of": "2025-03-15", "download": "html"})
    assert download.status_code == 200
    assert 'filename="vigil-brief-2025-03-15.html"' in download["Content-Disposition"]
    assert b"<style>" in download.content and b"data:image/png;base64," in download.content
    too_early = {"as_of": "2024-07-09", "download": "html"}
    assert "as_of" in get_page(client, "/figures/brief/", too_early, status=400).problems()
    wrong = get_page(client, "/figures/brief/", {"download": "pdf"}, status=400)
    assert "download" in wrong.problems()


# -- the query checks themselves -------------------------------------------------------------------
def test_map_state_parsing():
    dates = [dt.date(2025, 1, d) for d in (1, 2, 5)]
    state, problems = pages.map_state({}, dates, has_grey=True)
    assert state == pages.MapState(date=dt.date(2025, 1, 5)) and not problems
    state, problems = pages.map_state(
        {"from": "2025-01-02", "to": "2025-01-05", "grey": "yes", "layers": " Settlements "},
        dates,
        has_grey=True,
    )
    assert state.mode == "change" and state.date == dt.date(2025, 1, 5)
    assert state.grey and state.layers == ("settlements",) and not problems
    state, problems = pages.map_state({"layers": ""}, dates, has_grey=False)
    assert state.layers == () and not problems
