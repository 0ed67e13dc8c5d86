"""/api/territory/compare, /compare/lag and /compare/map with Django's test client, on a
store of two synthetic sources whose answers are known by construction (B shows A's
map two days late: tests/territory/test_compare.py), checked against brute-force
shapely overlays measured with pyproj.Geod; and the OpenAPI walk of tests/web/
test_openapi.py over these paths, which need a store of two sources."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.test import Client

from tests.territory.test_compare import DAYS, EAST, WEST, a_map, ingest, km2
from tests.web import test_openapi as walk
from tests.web.test_openapi import recorded, spec  # noqa: F401  (fixtures)
from vigil.territory import open_store
from vigil.testing import assert_km2_close

pytestmark = pytest.mark.urls("tests.web.cases_urls")
PATHS = ("/api/territory/compare", "/api/territory/compare/lag", "/api/territory/compare/map")


@pytest.fixture(scope="module")
def two_sources(tmp_path_factory) -> Path:
    """``alpha`` holds a_map(i) on day i, ``beta`` a_map(i - 2); two square oblasts."""
    import geopandas as gpd

    folder = tmp_path_factory.mktemp("compare-store")
    path = folder / "two.sqlite"
    oblasts = gpd.GeoDataFrame(
        {"iso": ["ZZ-W", "ZZ-E"], "name": ["Захід", "Схід"], "name_en": ["West", "East"]},
        geometry=[WEST, EAST],
        crs="EPSG:4326",
    )
    oblasts.to_file(folder / "oblasts.gpkg")
    with open_store(path, create=True) as t:
        ingest(t, folder, "alpha", {d: a_map(i) for i, d in enumerate(DAYS)})
        ingest(t, folder, "beta", {d: a_map(i - 2) for i, d in enumerate(DAYS) if i >= 2})
        t.import_geography(folder / "oblasts.gpkg", "oblast", code_field="iso", name_field="name")
    return path


@pytest.fixture
def client(two_sources, settings) -> Client:
    settings.VIGIL_STORE = str(two_sources)
    return Client()


@pytest.fixture
def held(two_sources) -> list[str]:
    with open_store(two_sources) as t:
        return [d.isoformat() for d in t.dates("alpha")]


def _json(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def test_periods_name_the_snapshots_and_match_a_brute_force_overlay(client, held):
    rows = _json(client.get("/api/territory/compare", {"sources": "alpha,beta"}))
    assert rows and {r["source_a"] for r in rows} == {"alpha"}
    for r in rows:
        i = held.index(r["snapshot_end_a"])
        expected = km2(a_map(i).difference(a_map(i - 2)))
        assert_km2_close(r["a_only_km2"], expected, rel=1e-6, what=r["period_start"])
        assert r["b_only_km2"] == pytest.approx(0, abs=1e-6)
        assert r["net_diff_km2"] == pytest.approx(r["net_b_km2"] - r["net_a_km2"], abs=1e-9)
    text = client.get("/api/territory/compare", {"sources": "alpha,beta", "format": "csv"})
    table = list(csv.DictReader(io.StringIO(text.content.decode())))
    assert [t["period_start"] for t in table] == [r["period_start"] for r in rows]


def test_by_oblast_on_a_date(client, held):
    on = held[10]
    rows = _json(client.get("/api/territory/compare", {"sources": "alpha,beta", "on": on}))
    a_only = a_map(10).difference(a_map(8))
    got = {r["code"]: r for r in rows}
    for code, oblast in (("ZZ-W", WEST), ("ZZ-E", EAST)):
        expected = km2(a_only.intersection(oblast))
        value = got[code]["a_only_km2"] if code in got else 0.0
        # 0.01 km²: the split along the tile grid (tests/territory/test_compare.py)
        assert_km2_close(value, expected, rel=1e-6, abs_km2=0.01, what=code)
    assert all(r["snapshot_a"] == on and r["date"] == on for r in rows)


def test_lag_flags_the_two_days(client):
    rows = _json(client.get("/api/territory/compare/lag", {"sources": "alpha,beta"}))
    (best,) = [r for r in rows if r["best"]]
    assert best["lag_days"] == 2 and best["median_abs_diff_km2"] == pytest.approx(0, abs=1e-6)
    assert len(rows) == 15 and "median" in best["criterion"]


def test_map_gives_the_second_map_and_the_disagreement(client, held):
    rows = _json(
        client.get("/api/territory/compare/map", {"sources": "alpha,beta", "date": held[10]})
    )
    shapes = {r["role"]: r for r in rows}
    assert set(shapes) == {"b_map", "a_only", "b_only"}
    assert shapes["b_map"]["source"] == "beta" and shapes["b_map"]["snapshot_date"] == held[10]
    assert_km2_close(shapes["b_map"]["area_km2"], km2(a_map(8)), rel=1e-6, what="B's map")
    assert shapes["a_only"]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert_km2_close(
        shapes["a_only"]["area_km2"], km2(a_map(10).difference(a_map(8))), rel=1e-6, what="A only"
    )


@pytest.mark.parametrize(
    ("url", "params", "status", "parameter"),
    [
        ("/api/territory/compare", {}, 400, "sources"),
        ("/api/territory/compare", {"sources": "alpha"}, 400, "sources"),
        ("/api/territory/compare", {"sources": "alpha,gamma"}, 404, "sources"),
        ("/api/territory/compare", {"sources": "alpha,beta", "freq": "fortnight"}, 400, "freq"),
        ("/api/territory/compare", {"sources": "alpha,beta", "from": "2025-02-30"}, 400, "from"),
        (
            "/api/territory/compare",
            {"sources": "alpha,beta", "on": "2025-03-10", "from": "2025-03-03"},
            400,
            "on",
        ),
        ("/api/territory/compare", {"sources": "alpha,beta", "on": "1999-01-01"}, 404, None),
        ("/api/territory/compare/lag", {"sources": "beta,beta"}, 400, "sources"),
        ("/api/territory/compare/map", {"sources": "alpha,beta"}, 400, "date"),
    ],
)
def test_bad_parameters_are_json_errors(client, url, params, status, parameter):
    response = client.get(url, params)
    assert response.status_code == status, response.content[:300]
    error = json.loads(response.content)["error"]
    assert error["parameter"] == parameter, error
    assert "\n" not in error["message"]


def test_the_openapi_walk_over_the_compare_paths(
    spec,  # noqa: F811
    recorded,  # noqa: F811
    two_sources,
    settings,
    monkeypatch,
):
    """As tests/web/test_openapi.py walks the territory paths (every parameter alone and
    all together; undeclared reads; answers against their schema), on a store of two
    sources, which these paths need."""
    settings.VIGIL_STORE = str(two_sources)
    monkeypatch.setitem(walk.SAMPLES, "sources", "alpha,beta")
    answered, failures = walk._walk(spec, recorded, lambda p: p in PATHS)
    assert not failures, failures
    assert answered == set(PATHS)


# -- the map's "compare with" view, in a real browser ------------------------------------------
@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_the_map_overlays_a_second_source(browser, two_sources, tmp_path):
    """On the public map (here of ``ab``, alpha joined with beta, as the site shows
    ``deepstate`` joined from its archives), choosing beta with the keyboard draws its
    outline and says how much each source alone draws; no console error."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.conftest import copy_store
    from tests.web.conftest import WAIT, console_errors, live_server, wait_drawn

    store = copy_store(two_sources, tmp_path / "joined.sqlite")
    with open_store(store) as t:
        t.join("ab", ["alpha", "beta"])
        day = [d.isoformat() for d in t.dates("ab")][10]
    with live_server(store) as base:
        browser.get(f"{base}/?date={day}")
        wait_drawn(browser, drawn_date=day)
        select = browser.find_element(By.ID, "compare-source")
        WebDriverWait(browser, WAIT).until(lambda d: not select.get_attribute("disabled"))
        options = [o.get_attribute("value") for o in select.find_elements(By.TAG_NAME, "option")]
        assert options == ["", "alpha", "beta"]
        select.send_keys("beta")  # the keyboard's type-ahead picks the option
        WebDriverWait(browser, WAIT).until(
            lambda d: d.find_element(By.ID, "map").get_attribute("data-compare-state") == "ready"
        )
        text = browser.find_element(By.ID, "compare-figure").text
        assert text.startswith(f"beta on {day}")
        a_only = km2(a_map(10).difference(a_map(8)))
        assert f"only: {a_only:,.1f} km²" in text.replace("ab only", "only"), text
        paths = browser.find_elements(By.CSS_SELECTOR, "#map .leaflet-compare-pane path")
        assert len(paths) >= 2  # beta's outline and what alpha alone draws
        assert console_errors(browser) == []
