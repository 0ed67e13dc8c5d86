"""The JSON API with Django's test client, on a synthetic store whose answers are known
by construction (areas checked against pyproj.Geod on the same rectangles), and on the
demo archive with the shipped geography for the region endpoints."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.test import Client

from vigil.territory import open_store
from vigil.testing import assert_km2_close, geod_area_km2, rectangle, write_daily_archive

# Day 1: a 1°×1° block; day 8: grown east by 0.2°; day 15: shrunk in the north by 0.1°.
A = rectangle(37.0, 47.0, 38.0, 48.0)
B = rectangle(37.0, 47.0, 38.2, 48.0)
C = rectangle(37.0, 47.0, 38.2, 47.9)
DAYS = {"2025-03-03": A, "2025-03-10": B, "2025-03-17": C}


@pytest.fixture(scope="session")
def synthetic_store(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("web-store")
    archive = write_daily_archive(folder / "daily.tar.xz", DAYS)
    path = folder / "territory.sqlite"
    t = open_store(path, create=True)
    t.ingest([archive], jobs=1)
    t.close()
    return path


@pytest.fixture
def client(synthetic_store, settings) -> Client:
    settings.VIGIL_STORE = str(synthetic_store)
    return Client()


def _json(response):
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return json.loads(response.content)


def test_snapshots_lists_the_dates(client):
    (row,) = _json(client.get("/api/territory/snapshots"))
    assert row["dates"] == list(DAYS)
    assert row["snapshots"] == 3 and row["first"] == "2025-03-03"


def test_area_matches_geod(client):
    data = _json(client.get("/api/territory/area", {"date": "2025-03-12"}))
    assert data["snapshot_date"] == "2025-03-10" and data["gap"] is True
    assert_km2_close(data["controlled_km2"], geod_area_km2(B, straight_edges=True), rel=1e-6)
    with_geometry = _json(client.get("/api/territory/area", {"date": "2025-03-10", "geometry": 1}))
    from shapely.geometry import shape

    drawn = shape(with_geometry["geometry"])
    assert drawn.symmetric_difference(B).area < 1e-9  # the stored map, densified only


def test_change_figures_and_geometry(client):
    data = _json(
        client.get(
            "/api/territory/change", {"from": "2025-03-03", "to": "2025-03-17", "geometry": "true"}
        )
    )
    gained = rectangle(38.0, 47.0, 38.2, 47.9)
    lost = rectangle(37.0, 47.9, 38.0, 48.0)
    assert_km2_close(data["gained_km2"], geod_area_km2(gained, straight_edges=True), rel=1e-5)
    assert_km2_close(data["lost_km2"], geod_area_km2(lost, straight_edges=True), rel=1e-5)
    assert_km2_close(
        data["net_km2"],
        geod_area_km2(C, straight_edges=True) - geod_area_km2(A, straight_edges=True),
        rel=1e-5,
    )
    directions = sorted(f["properties"]["direction"] for f in data["geometry"]["features"])
    assert directions == ["gained", "lost"]


def test_series_and_records_match_the_library(client, synthetic_store):
    rows = _json(client.get("/api/territory/series", {"freq": "week"}))
    expected = open_store(synthetic_store).series("week")
    assert [r["period_start"] for r in rows] == [d.isoformat() for d in expected.period_start]
    for row, (_, ref) in zip(rows, expected.iterrows(), strict=True):
        assert row["gained_km2"] == pytest.approx(ref.gained_km2, rel=1e-12)
    records = _json(client.get("/api/territory/records", {"freq": "week", "metric": "lost"}))
    assert len(records) == len(expected)


def test_csv_on_request_and_by_accept(client):
    by_param = client.get("/api/territory/series", {"freq": "week", "format": "csv"})
    by_header = client.get("/api/territory/series", {"freq": "week"}, HTTP_ACCEPT="text/csv")
    for response in (by_param, by_header):
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        # A week runs from the map of the Sunday before it to the map of its own Sunday.
        # The maps are of Mondays 3, 10 and 17 March: the week of 3 March would begin
        # with the map of 2 March (none, so it is skipped), the week of 17 March is
        # unfinished, and the week of 10 March is the maps of 3 → 10 March (a gap: each
        # a day older than the day it stands for).
        assert [r["period_start"] for r in rows] == ["2025-03-10"]
        assert (rows[0]["snapshot_start"], rows[0]["snapshot_end"]) == ("2025-03-03", "2025-03-10")
        assert rows[0]["gap"] == "True"
    json_rows = _json(client.get("/api/territory/series", {"freq": "week"}))
    assert float(rows[0]["gained_km2"]) == pytest.approx(json_rows[0]["gained_km2"])
    assert json_rows[0]["gap"] is True


@pytest.mark.parametrize(
    ("url", "params", "status", "parameter"),
    [
        ("/api/territory/area", {}, 400, "date"),
        ("/api/territory/area", {"date": "2025-02-30"}, 400, "date"),
        ("/api/territory/area", {"date": "yesterday"}, 400, "date"),
        ("/api/territory/area", {"date": "2020-01-01"}, 404, "date"),
        ("/api/territory/area", {"date": "2025-03-10", "grey": "maybe"}, 400, "grey"),
        (
            "/api/territory/area",
            {"date": "2025-03-10", "geometry": 1, "simplify": 5},
            400,
            "simplify",
        ),
        ("/api/territory/change", {"from": "2025-03-17", "to": "2025-03-03"}, 400, "to"),
        ("/api/territory/change", {"from": "2025-03-03"}, 400, "to"),
        ("/api/territory/change", {"from": "2019-01-01", "to": "2025-03-03"}, 404, "from"),
        ("/api/territory/series", {"freq": "hour"}, 400, "freq"),
        ("/api/territory/series", {"from": "2025-03-10", "to": "2025-03-01"}, 400, "to"),
        ("/api/territory/series", {"to": "2020-01-01"}, 404, "to"),
        ("/api/territory/records", {"metric": "biggest"}, 400, "metric"),
        ("/api/territory/records", {"last": 0}, 400, "last"),
        ("/api/territory/series", {"format": "xml"}, 400, "format"),
        ("/api/territory/regions", {"level": "galaxy"}, 400, "level"),
        ("/api/territory/regions", {}, 404, "level"),  # no geography in this store
        ("/api/territory/boundaries", {}, 404, "level"),
        ("/api/territory/settlements", {"to": "2025-03-10"}, 400, "from"),
        # once a library message naming CLI flags (--from, FROM), without a parameter
        ("/api/territory/series", {"from": "2030-01-01"}, 400, "from"),
    ],
)
def test_bad_parameters_are_json_errors_naming_the_parameter(
    client, url, params, status, parameter
):
    response = client.get(url, params)
    assert response.status_code == status, response.content
    error = _json(response)["error"]
    assert error["parameter"] == parameter and error["message"].startswith(f"{parameter}: ")
    assert "--" not in error["message"] and "FROM" not in error["message"]


def test_missing_store_is_a_503_not_a_500(settings, tmp_path):
    """No store: the site is not ready (503, as the pages say), not "no such thing"."""
    settings.VIGIL_STORE = str(tmp_path / "nothing.sqlite")
    response = Client().get("/api/territory/snapshots")
    assert response.status_code == 503
    assert "no territory store" in _json(response)["error"]["message"]


def test_etag_last_modified_and_cache(client, monkeypatch):
    from vigil.territory.api import Territory

    first = client.get("/api/territory/change", {"from": "2025-03-03", "to": "2025-03-10"})
    assert first["ETag"] and first["Last-Modified"]
    again = client.get(
        "/api/territory/change",
        {"from": "2025-03-03", "to": "2025-03-10"},
        HTTP_IF_NONE_MATCH=first["ETag"],
    )
    assert again.status_code == 304

    def boom(*args, **kwargs):
        raise AssertionError("the cached response should have been used")

    monkeypatch.setattr(Territory, "change", boom)
    cached = client.get("/api/territory/change", {"from": "2025-03-03", "to": "2025-03-10"})
    assert cached.status_code == 200 and cached.content == first.content


def test_a_new_ingest_changes_the_version(synthetic_store, settings, tmp_path):
    import shutil

    copy = tmp_path / "copy.sqlite"
    shutil.copy(synthetic_store, copy)
    settings.VIGIL_STORE = str(copy)
    client = Client()
    before = client.get("/api/territory/snapshots")
    t = open_store(copy)
    t.ingest([write_daily_archive(tmp_path / "more.tar.xz", {"2025-03-24": A})], jobs=1)
    t.close()
    after = client.get("/api/territory/snapshots")
    assert before["ETag"] != after["ETag"]
    assert _json(after)[0]["dates"][-1] == "2025-03-24"


def test_read_only_and_security_headers(client):
    for method in (client.post, client.put, client.delete):
        response = method("/api/territory/area?date=2025-03-10")
        assert response.status_code == 405
    response = client.get("/api/territory/area", {"date": "2025-03-10"})
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_openapi_documents_every_endpoint(client):
    spec = _json(client.get("/api/openapi.json"))
    paths = set(spec["paths"])
    for name in ("snapshots", "area", "change", "series", "records", "regions", "boundaries"):
        assert f"/api/territory/{name}" in paths
    params = {p["name"] for p in spec["paths"]["/api/territory/change"]["get"]["parameters"]}
    assert {"from", "to", "geometry"} <= params
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and b"swagger-ui-bundle.js" in docs.content
    assert b"cdn." not in docs.content  # served from our static files


@pytest.mark.slow
def test_regions_boundaries_and_settlements_on_the_demo(web_store, settings):
    settings.VIGIL_STORE = str(web_store)
    client = Client()
    rows = _json(client.get("/api/territory/regions", {"level": "oblast", "date": "2025-01-01"}))
    expected = open_store(web_store).regions("oblast", date="2025-01-01")
    assert len(rows) == len(expected) == 27
    got = {r["code"]: r["controlled_km2"] for r in rows}
    for _, ref in expected.iterrows():
        assert got[ref.code] == pytest.approx(ref.controlled_km2, rel=1e-12)
    # the published week of 21-28 October 2024 (196.29 km² gained, tests/territory/
    # test_reference.py) was measured between the files named 21 and 28 October, which
    # hold the maps of 20 and 27 October: the dates Vigil answers for
    change = _json(
        client.get(
            "/api/territory/regions", {"level": "oblast", "from": "2024-10-20", "to": "2024-10-27"}
        )
    )
    assert sum(r["gained_km2"] for r in change) == pytest.approx(196.29, abs=0.5)
    shapes = _json(client.get("/api/territory/boundaries", {"level": "oblast"}))
    assert len(shapes["features"]) == 27
    places = _json(
        client.get("/api/territory/settlements", {"from": "2024-10-20", "to": "2024-10-27"})
    )
    assert places and all({"name_en", "lat", "lon"} <= set(p) for p in places)
    # the order of from and to is checked as on every endpoint (once FROM/TO, no parameter)
    for name in ("regions", "settlements"):
        reversed_ = client.get(f"/api/territory/{name}", {"from": "2024-10-28", "to": "2024-10-21"})
        assert reversed_.status_code == 400
        assert _json(reversed_)["error"] == {
            "parameter": "to",
            "message": "to: 2024-10-21 is before from (2024-10-28)",
        }
