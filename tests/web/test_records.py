"""Records for any period: "was this week (month) a record, and since when?" on the
figures page and from ``/api/territory/records?period=…``, with Django's test client.

Two references, neither read from the code under test:

- the demo store (``web_store``): every complete week's (month's) gain recomputed
  from ``Territory.change`` between the maps standing for the day before the period
  and for its last day, then ranked by hand in :func:`brute_rank`;
- a synthetic store whose weekly gains are known by construction (a band whose east
  edge advances by a width chosen to gain G[k] km², measured with pyproj): week 5
  (40 km²) is a record since the data begin, week 57 (30 km²) is the largest of its
  trailing year but not since week 5, which has just left that year.

Pure functions (ties, the window table) are checked on hand-made series.
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from pathlib import Path

import pandas as pd
import pytest
from django.core.cache import cache
from django.test import Client

from vigil import periods as P
from vigil.errors import InputError
from vigil.territory import open_store
from vigil.territory import series as S
from vigil.testing import geod_area_km2, rectangle, write_daily_archive

DAY = dt.timedelta(days=1)


# -- fixtures and helpers -----------------------------------------------------------------
@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="module")
def demo(web_store: Path):
    t = open_store(web_store)
    yield t
    t.close()


@pytest.fixture
def demo_client(web_store: Path, settings) -> Client:
    settings.VIGIL_STORE = str(web_store)
    settings.VIGIL_TILE_URL = ""
    return Client()


def weeks_of(first: dt.date, last: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Every complete week [Monday, next Monday) the maps of first..last measure: its
    start needs the map of the Sunday before (on or after ``first``), its end the map of
    its Sunday (on or before ``last``)."""
    s = first + DAY
    s += dt.timedelta(days=(7 - s.weekday()) % 7)
    out = []
    while s + dt.timedelta(days=6) <= last:
        out.append((s, s + dt.timedelta(days=7)))
        s += dt.timedelta(days=7)
    return out


def months_of(first: dt.date, last: dt.date) -> list[tuple[dt.date, dt.date]]:
    s = (first + DAY).replace(day=1)
    if s - DAY < first:
        s = (s.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    out = []
    while True:
        e = (s.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        if e - DAY > last:
            return out
        out.append((s, e))
        s = e


def brute_rank(values: list[float], i: int, window: int) -> dict:
    """Rank of values[i] by hand: in its trailing ``window`` and since the first value
    (1 + the number strictly larger), and the last earlier strictly larger one."""
    v = values[i]
    year = values[max(0, i - window + 1) : i + 1]
    larger = [j for j in range(i) if values[j] > v]
    return {
        "rank_in_year": 1 + sum(x > v for x in year),
        "periods_in_year": len(year),
        "rank_in_data": 1 + sum(x > v for x in values[:i]),
        "larger_before": larger[-1] if larger else None,
    }


@pytest.fixture(scope="module")
def demo_weeks(demo) -> tuple[list[tuple[dt.date, dt.date]], dict[str, list[float]]]:
    """Each complete week of the demo data and its gained, lost and net km², from
    Territory.change between the maps standing for the day before and its last day."""
    dates = demo.dates()
    weeks = weeks_of(dates[0], dates[-1])
    figures: dict[str, list[float]] = {"gained": [], "lost": [], "net": []}
    for s, e in weeks:
        c = demo.change(s - DAY, e - DAY)
        figures["gained"].append(c.gained_km2)
        figures["lost"].append(c.lost_km2)
        figures["net"].append(c.net_km2)
    return weeks, figures


def api_record(client: Client, **query: str) -> dict:
    response = client.get("/api/territory/records", query)
    assert response.status_code == 200, response.content[:300]
    (row,) = response.json()
    return row


def text_of(html: str) -> str:
    """The text a reader sees: inline tags (strong, a, span) join their words, others
    separate them."""
    inline = re.sub(r"</?(?:strong|em|span|a)\b[^>]*>", "", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", inline)).split())


def box(html: str, freq: str) -> tuple[dict[str, str], str]:
    """The attributes and the text of the record box of ``freq`` on a figures page."""
    m = re.search(
        rf'<article class="record-box" id="record-{freq}"([^>]*)>(.*?)</article>', html, re.S
    )
    assert m, f"no record box for {freq}"
    attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', m.group(1)))
    return attrs, text_of(m.group(2))


def problems(html: str) -> dict[str, str]:
    return {
        k: unescape(v) for k, v in re.findall(r'<li data-parameter="([^"]+)">([^<]*)</li>', html)
    }


# -- the demo store against brute force ------------------------------------------------------
# a record week of 2024 (235 km², the largest since the data begin), a week of 2025 that
# is not, and the last complete week (a record loss); each named by a day inside it
WEEK_DAYS = ["2024-11-20", "2025-03-13", "2025-07-06", "2026-08-16"]


@pytest.mark.parametrize("metric", ["gained", "lost", "net"])
def test_api_period_matches_brute_force_on_the_demo(demo_client, demo_weeks, metric):
    weeks, figures = demo_weeks
    values = figures[metric]
    for day in WEEK_DAYS:
        d = dt.date.fromisoformat(day)
        i = next(k for k, (s, e) in enumerate(weeks) if s <= d < e)
        row = api_record(demo_client, period=day, metric=metric)
        expected = brute_rank(values, i, 52)
        assert row["period_start"] == weeks[i][0].isoformat()
        assert row["period_end"] == weeks[i][1].isoformat()
        assert row["value"] == pytest.approx(values[i], abs=1e-6)
        for name in ("gained", "lost", "net"):
            assert row[f"{name}_km2"] == pytest.approx(figures[name][i], abs=1e-6)
        assert row["rank_in_year"] == expected["rank_in_year"], day
        assert row["periods_in_year"] == expected["periods_in_year"]
        assert row["year_covered"] == (expected["periods_in_year"] == 52)
        assert row["rank_in_data"] == expected["rank_in_data"], day
        assert row["periods_in_data"] == i + 1
        assert row["data_start"] == weeks[0][0].isoformat()
        assert row["window_start"] == weeks[max(0, i - 51)][0].isoformat()
        j = expected["larger_before"]
        if j is None:
            assert row["larger_before"] is None and row["record"] is True
            assert row["largest_since"] == weeks[0][0].isoformat()
        else:
            assert row["larger_before"] == weeks[j][0].isoformat(), day
            assert row["larger_value"] == pytest.approx(values[j], abs=1e-6)
            assert row["largest_since"] == weeks[j][1].isoformat()
            assert row["record"] is False


def test_api_monthly_period_matches_brute_force_on_the_demo(demo, demo_client):
    dates = demo.dates()
    months = months_of(dates[0], dates[-1])
    gains = [demo.change(s - DAY, e - DAY).gained_km2 for s, e in months]
    for i in (2, 7, len(months) - 1):
        s, e = months[i]
        row = api_record(demo_client, freq="month", period=s.strftime("%Y-%m"))
        expected = brute_rank(gains, i, 12)
        assert (row["period_start"], row["period_end"]) == (s.isoformat(), e.isoformat())
        assert row["value"] == pytest.approx(gains[i], abs=1e-6)
        assert row["rank_in_year"] == expected["rank_in_year"]
        assert row["rank_in_data"] == expected["rank_in_data"]
        j = expected["larger_before"]
        assert row["larger_before"] == (None if j is None else months[j][0].isoformat())


def test_page_shows_the_chosen_week_not_the_latest(demo_client, demo_weeks):
    weeks, figures = demo_weeks
    gains = figures["gained"]
    best = max(range(len(gains)), key=gains.__getitem__)  # the largest weekly gain of all
    s, e = weeks[best]
    html = demo_client.get("/figures/", {"week": (s + 2 * DAY).isoformat()}).content.decode()
    attrs, text = box(html, "week")
    assert attrs["data-period-start"] == s.isoformat() != weeks[-1][0].isoformat()
    assert attrs["data-period-end"] == e.isoformat()
    assert f"{gains[best]:,.1f} km² gained in the week of {s}" in text
    assert f"larger than any week since the data begin (the week of {weeks[0][0]})" in text
    # the window table ranks it first and marks it
    table = html.split('id="window-week"', 1)[1].split("</table>", 1)[0]
    chosen = (
        r'<tr class="chosen" aria-current="true"><td class="num">(\d+)</td><th scope="row">([^<]+)<'
    )
    rows = re.findall(chosen, table)
    assert rows == [("1", f"{s} to {e}")]


def test_page_ids_are_unique_and_it_needs_no_script(demo_client):
    html = demo_client.get("/figures/", {"week": "2025-03-12"}).content.decode()
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert "<script" not in html  # the period form and the links work without JavaScript


def test_page_defaults_to_the_last_complete_periods_of_the_range(demo_client, demo_weeks):
    weeks, figures = demo_weeks
    end = dt.date(2025, 7, 1)
    html = demo_client.get(
        "/figures/", {"from": "2025-01-01", "to": end.isoformat()}
    ).content.decode()
    i = max(k for k, (s, e) in enumerate(weeks) if e - DAY <= end)
    attrs, text = box(html, "week")
    assert attrs["data-period-start"] == weeks[i][0].isoformat() == "2025-06-23"
    assert f"up to {end}, the end of the range shown" in text
    expected = brute_rank(figures["gained"], i, 52)
    assert f"rank {expected['rank_in_year']} of the {expected['periods_in_year']} weeks" in text
    month, _ = box(html, "month")
    assert month["data-period-start"] == "2025-06-01"
    # the latest week and month of the data are not what the boxes speak of
    assert weeks[-1][0].isoformat() not in re.findall(r'data-period-start="([^"]+)"', html)


def test_page_period_month_metric_and_links(demo_client):
    html = demo_client.get("/figures/", {"period": "2025-03", "metric": "lost"}).content.decode()
    attrs, text = box(html, "month")
    assert attrs["data-period-start"] == "2025-03-01" and attrs["data-metric"] == "lost"
    assert "lost in March 2025" in text
    # the neighbours: links keep the metric and name the next and previous months
    links = set(re.findall(r'href="\?([^"]+)"', html))
    assert "month=2025-02&metric=lost" in {unescape(x) for x in links}
    assert "month=2025-04&metric=lost" in {unescape(x) for x in links}


def test_page_never_calls_the_whole_data_a_trailing_window_or_year_to_date(demo_client):
    for query in ({}, {"week": "2024-11-20"}, {"week": "2026-08-12", "metric": "lost"}):
        text = text_of(demo_client.get("/figures/", query).content.decode())
        assert "year to date" not in text.lower()
        # "since the data begin" is followed by the data's first period, never a later one
        for first in re.findall(r"since the data begin \((?:the week of )?([\d-]+)\)", text):
            assert first == "2024-07-08", text
    # the last complete week lost more than any since the data begin (2024), not since
    # the start of its trailing year (the old sentence said "all the data since 2025-08-18")
    _, text = box(demo_client.get("/figures/", {"metric": "lost"}).content.decode(), "week")
    assert "larger than any week since the data begin (the week of 2024-07-08)" in text
    assert "2025-08-18, a record" not in text


@pytest.mark.parametrize(
    ("query", "parameter", "message"),
    [
        (
            {"week": "2030-01-01"},
            "week",
            "week: 2030-01-01 is after the data, which end on 2026-08-21",
        ),
        ({"week": "2026-08-19"}, "week", "week: the week holding 2026-08-19 is not complete"),
        ({"week": "2024-07-03"}, "week", "week: 2024-07-03 is before the first complete week"),
        ({"month": "2026-08"}, "month", "month: the month holding 2026-08-01 is not complete"),
        ({"month": "2025-13"}, "month", "month: expected a month as YYYY-MM"),
        ({"week": "last"}, "week", "week: expected a date as YYYY-MM-DD"),
        ({"metric": "area"}, "metric", "metric: expected gained, lost, net"),
    ],
)
def test_page_bad_period_is_a_400_naming_it_and_shows_the_default(
    demo_client, query, parameter, message
):
    response = demo_client.get("/figures/", query)
    assert response.status_code == 400
    html = response.content.decode()
    assert problems(html)[parameter].startswith(message), problems(html)
    attrs, _ = box(html, "week")
    assert attrs["data-period-start"] == "2026-08-10"  # the default: the last complete week


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"period": "2030-01-01"}, "period: 2030-01-01 is after the data, which end on 2026-08-21"),
        ({"period": "2026-08-19"}, "period: the week holding 2026-08-19 is not complete"),
        ({"period": "2024-07-01"}, "period: 2024-07-01 is before the first complete week"),
        (
            {"period": "2026-08", "freq": "month"},
            "period: the month holding 2026-08-01 is not complete",
        ),
        ({"period": "2025-03"}, "period: 2025-03 names a month"),
        ({"period": "March"}, "period: expected a date as YYYY-MM-DD"),
        ({"period": "2025-03-03", "last": "2"}, "last: give last or period, not both"),
    ],
)
def test_api_bad_period_is_a_one_line_400(demo_client, query, message):
    response = demo_client.get("/api/territory/records", query)
    assert response.status_code == 400, response.content[:300]
    error = response.json()["error"]
    assert error["message"].startswith(message), error
    assert error["parameter"] == message.split(":")[0]
    assert "\n" not in error["message"]


def test_api_keeps_last_metric_freq_and_documents_period(demo_client, demo_weeks):
    weeks, figures = demo_weeks
    rows = demo_client.get("/api/territory/records", {"last": 3, "metric": "net"}).json()
    assert [r["period_start"] for r in rows] == [s.isoformat() for s, _ in weeks[-3:]]
    assert rows[-1]["value"] == pytest.approx(figures["net"][-1], abs=1e-6)
    csv = demo_client.get("/api/territory/records", {"period": "2025-03-12", "format": "csv"})
    lines = csv.content.decode().splitlines()
    assert len(lines) == 2 and lines[1].startswith("2025-03-10,2025-03-17,")
    schema = demo_client.get("/api/openapi.json").json()
    operation = schema["paths"]["/api/territory/records"]["get"]
    period = next(p for p in operation["parameters"] if p["name"] == "period")
    assert "YYYY-MM-DD" in period["description"] and "not complete" in period["description"]


# -- a store whose answers are known by construction ----------------------------------------
WEST, SOUTH, NORTH = 36.02, 48.02, 48.12
N_WEEKS = 58
# 1 … 19.2 km² in steps of 0.35, no two within a trailing year near-equal; week 5 (40) is
# larger than every week before it, week 57 (30) the largest of weeks 6-57 only.
FILLER = [1 + 0.35 * ((7 * i) % 53) for i in range(N_WEEKS)]
G = [5.0, 10.0, 3.0, 12.0, 7.0, 40.0, *FILLER[6:57], 30.0]
MONDAYS = [dt.date(2025, 1, 6) + dt.timedelta(weeks=k) for k in range(N_WEEKS + 1)]


def _edges() -> list[float]:
    per_degree = geod_area_km2(rectangle(36.0, SOUTH, 37.0, NORTH, step_deg=0.01))
    edges = [WEST + 0.05]
    for g in G:
        edges.append(edges[-1] + g / per_degree)
    return edges


EDGES = _edges()


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    """A map on the Sunday before each Monday: the band's east edge at EDGES[k]."""
    folder = tmp_path_factory.mktemp("records-store")
    maps = {
        (monday - DAY).isoformat(): rectangle(WEST, SOUTH, east, NORTH, step_deg=0.01)
        for monday, east in zip(MONDAYS, EDGES, strict=True)
    }
    archive = write_daily_archive(folder / "daily.tar.xz", maps)
    path = folder / "territory.sqlite"
    t = open_store(path, create=True)
    t.ingest([archive], jobs=1)
    t.close()
    return path


@pytest.fixture
def synthetic_client(synthetic: Path, settings) -> Client:
    settings.VIGIL_STORE = str(synthetic)
    settings.VIGIL_TILE_URL = ""
    return Client()


def strip_km2(k: int) -> float:
    """Week k's gain measured by pyproj: the strip between two edge positions."""
    return geod_area_km2(rectangle(EDGES[k], SOUTH, EDGES[k + 1], NORTH, step_deg=0.01))


def test_synthetic_records_known_by_construction(synthetic_client):
    def row(k: int) -> dict:
        return api_record(synthetic_client, period=(MONDAYS[k] + 3 * DAY).isoformat())

    for k in (2, 3, 5, 57):
        assert row(k)["value"] == pytest.approx(strip_km2(k), rel=1e-6, abs=1e-4)
        assert row(k)["value"] == pytest.approx(G[k], rel=1e-3)
    # week 3 (12 km²) and week 5 (40): larger than any week since the data begin
    for k in (3, 5):
        r = row(k)
        assert r["record"] and r["larger_before"] is None and r["rank_in_data"] == 1
        assert r["largest_since"] == MONDAYS[0].isoformat() == r["data_start"]
    # week 2 (3 km²): less than week 1 (10), rank 3 of 3
    r = row(2)
    assert r["larger_before"] == MONDAYS[1].isoformat() and r["rank_in_year"] == 3
    # week 57 (30 km²): first of its 52 weeks (6-57); the last larger is week 5 (40)
    r = row(57)
    assert (r["rank_in_year"], r["periods_in_year"], r["year_covered"]) == (1, 52, True)
    assert r["window_start"] == MONDAYS[6].isoformat()
    assert r["larger_before"] == MONDAYS[5].isoformat()
    assert r["largest_since"] == MONDAYS[6].isoformat()
    assert (r["rank_in_data"], r["periods_in_data"], r["record"]) == (2, 58, False)


def test_synthetic_page_words_the_record_exactly(synthetic_client):
    html = synthetic_client.get(
        "/figures/", {"week": (MONDAYS[57] + DAY).isoformat()}
    ).content.decode()
    _, text = box(html, "week")
    assert (
        f"30.0 km² gained in the week of {MONDAYS[57]}: the largest weekly gain since the week "
        f"of {MONDAYS[5]} (40.0 km²); rank 1 of the 52 weeks of the trailing year "
        f"({MONDAYS[6]} to {MONDAYS[58]}); rank 2 of the 58 weeks since the data begin."
    ) in text
    html = synthetic_client.get("/figures/", {"week": MONDAYS[5].isoformat()}).content.decode()
    _, text = box(html, "week")
    assert (
        f"40.0 km² gained in the week of {MONDAYS[5]}: larger than any week since the data "
        f"begin (the week of {MONDAYS[0]}); rank 1 of the 6 weeks since the data begin "
        "(the data cover less than a year before it)."
    ) in text
    html = synthetic_client.get("/figures/", {"week": MONDAYS[2].isoformat()}).content.decode()
    _, text = box(html, "week")
    assert f"less than the week before (the week of {MONDAYS[1]}: 10.0 km²)" in text


# -- pure functions on hand-made series -------------------------------------------------------
def hand_series(values: list[float]) -> pd.DataFrame:
    starts = [dt.date(2024, 1, 1) + dt.timedelta(weeks=i) for i in range(len(values))]
    return pd.DataFrame(
        {
            "period_start": starts,
            "period_end": [s + dt.timedelta(weeks=1) for s in starts],
            "gained_km2": values,
            "lost_km2": [0.0] * len(values),
            "net_km2": values,
            "complete": [True] * len(values),
        }
    )


def test_record_details_ties_and_since():
    # 5, 7, 7, 6, 7, 2: week 2 ties week 1 (no larger before: still a record tie);
    # week 4 (7) ties weeks 1 and 2 since nothing was larger; week 5 (2): less than week 4
    frame = hand_series([5.0, 7.0, 7.0, 6.0, 7.0, 2.0])
    d = S.record_details(frame, P.Freq.WEEK)
    weeks = list(frame.period_start)
    assert list(d.rank_in_data) == [1, 1, 1, 3, 1, 6]
    assert list(d.record) == [False, True, True, False, True, False]  # the first: nothing before
    assert d.tied_before[2] == weeks[1] and d.tied_before[4] == weeks[2]
    assert pd.isna(d.tied_before[1]) and pd.isna(d.tied_before[3])
    assert d.larger_before[3] == weeks[2] and d.largest_since[3] == weeks[3]
    assert d.largest_since[4] == weeks[0] and d.larger_before[5] == weeks[4]


def test_period_record_window_is_ranked_and_marks_the_period():
    values = [float(v) for v in range(1, 61)]  # each week larger than the one before
    frame = hand_series(values)
    rec = S.period_record(frame, P.Freq.WEEK, "gained", frame.period_start[55] + 2 * DAY)
    assert len(rec.window) == 52 and rec.window.chosen.sum() == 1
    assert list(rec.window["rank"]) == list(range(1, 53))
    assert rec.window.value[0] == 56.0 and rec.window.chosen[0]  # the period is the top
    assert rec.window.value.min() == 5.0  # weeks 4 … 55
    with pytest.raises(InputError, match=r"^period: the week holding 2025-03-05 is not complete"):
        S.period_record(frame, P.Freq.WEEK, "gained", dt.date(2025, 3, 5))
