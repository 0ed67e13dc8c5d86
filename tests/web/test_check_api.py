"""``POST /api/check`` and ``GET /api/check``: the report's one shape, the site's one
error body, the OpenAPI contract, the reader's level, and one Checker per thread.

Two kinds of test: with a stand-in Checker whose report is written here by hand (the
web layer's own behaviour: shape, errors, headers, who reads), and with the real
Checker on the synthetic store of tests/web/test_api.py (the web answer is the
library's report, and a figure is the store's area by pyproj.Geod on the same
rectangle).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import threading
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import resolve

from tests.web.test_api import C, synthetic_store  # noqa: F401  (a fixture)
from tests.web.test_cases_public import demo  # noqa: F401  (a fixture)
from tests.web.test_editors import make_user, sign_in
from tests.web.test_openapi import recorded, spec  # noqa: F401  (fixtures)
from vigil.claims.model import (
    Actor,
    Figure,
    Hedge,
    Label,
    Lang,
    Measure,
    Parsed,
    PeriodMention,
    PeriodReading,
    Quantity,
    Report,
    Span,
    TerritoryClaim,
    Tolerance,
    Unit,
    Verdict,
)
from vigil.testing import geod_area_km2

pytestmark = pytest.mark.django_db

SENTENCE = "Last week Russian forces seized about 1,700 square kilometers."
AS_OF = "2025-03-10"  # a Monday: "last week" is 3 → 10 March, two snapshots of the store
ERROR_KEYS = {"error"}
DETAIL_KEYS = {"parameter", "message"}


# -- a report written by hand ----------------------------------------------------------------------
def _span(text: str, words: str, start: int = 0) -> Span:
    at = text.index(words, start)
    return Span(at, at + len(words), words)


def fake_report(text: str, as_of: dt.date | None = None, **verdict: Any) -> Report:
    """A report on ``text`` with one territory claim on its first 20 characters (or
    fewer), ruled ``misleading`` with two figures; ``verdict`` overrides its fields."""
    anchor = as_of or dt.date(2025, 3, 10)
    end = min(20, len(text))
    span = Span(0, end, text[:end])
    reading = PeriodReading(
        "week Monday→Monday", dt.date(2025, 3, 3), dt.date(2025, 3, 10), "week", "mon"
    )
    claim = TerritoryClaim(
        span=span,
        actor=Actor.RUSSIA,
        measure=Measure.GAINED,
        quantity=Quantity(1700.0, Unit.KM2, Hedge.ABOUT, 100.0, span, km2=1700.0),
        period=PeriodMention(span, (reading,), anchor),
    )
    fields: dict[str, Any] = {
        "claim": claim,
        "label": Label.MISLEADING,
        "summary": "The figure holds under one reading only.",
        "tolerance": Tolerance(1530.0, 1870.0, "'about 1,700' allows ±10%"),
        "figures": (
            Figure("deepstate, gained, week Monday→Monday", 1672.5, False, {"source": "x"}),
            Figure("deepstate, gained, week Sunday→Sunday", 1701.25, True),
        ),
        "caveats": ("Two readings disagree.",),
        "needed": None,
        "evidence": "/?from=2025-03-03&to=2025-03-10",
    }
    fields.update(verdict)
    parsed = Parsed(text, Lang.EN, anchor, "--as-of" if as_of else "today", (claim,))
    return Report(parsed, (Verdict(**fields),))


class FakeChecker:
    """Stands in for this thread's Checker: notes each call and who asked."""

    def __init__(self, **verdict: Any) -> None:
        self.who: Any = None
        self.calls: list[tuple[str, dt.date | None, Any]] = []
        self.verdict = verdict

    def check(self, text: str, as_of: dt.date | None = None) -> Report:
        self.calls.append((text, as_of, self.who))
        if not text.strip():  # as the real Checker
            from vigil.errors import InputError

            raise InputError("expected a sentence to check, got an empty text", param="text")
        return fake_report(text, as_of, **self.verdict)


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


def post(client: Client, body: Any, path: str = "/api/check") -> Any:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(path, data, content_type="application/json")


def answer(response: Any) -> Any:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return json.loads(response.content)


def assert_error(response: Any, status: int, parameter: str | None) -> str:
    """The site's one error body, naming ``parameter``; the message."""
    assert response.status_code == status, response.content[:300]
    body = answer(response)
    assert set(body) == ERROR_KEYS and set(body["error"]) == DETAIL_KEYS, body
    assert body["error"]["parameter"] == parameter, body
    message = body["error"]["message"]
    if parameter is not None:
        assert message.startswith(f"{parameter}: "), message
    return message


# -- the answer ------------------------------------------------------------------------------------
def test_post_answers_the_report_field_by_field(client, fake):
    body = answer(post(client, {"text": SENTENCE, "as_of": AS_OF}))
    assert set(body) == {
        "text",
        "lang",
        "anchor",
        "anchor_basis",
        "verdicts",
        "unparsed",
        "message",
    }
    assert body["text"] == SENTENCE and body["lang"] == "en"
    assert body["anchor"] == AS_OF and body["anchor_basis"] == "--as-of"
    assert body["unparsed"] == [] and body["message"] is None
    (v,) = body["verdicts"]
    assert v["label"] == "misleading"
    assert v["summary"] == "The figure holds under one reading only."
    assert v["claim"]["kind"] == "territory"
    assert v["claim"]["span"] == {"start": 0, "end": 20, "text": SENTENCE[:20]}
    assert v["claim"]["period"]["readings"][0]["start"] == "2025-03-03"
    assert v["tolerance"] == {
        "low": 1530.0,
        "high": 1870.0,
        "why": "'about 1,700' allows ±10%",
        "low_open": False,
        "high_open": True,
    }
    assert [(f["reading"], f["value"], f["holds"]) for f in v["figures"]] == [
        ("deepstate, gained, week Monday→Monday", 1672.5, False),
        ("deepstate, gained, week Sunday→Sunday", 1701.25, True),
    ]
    assert v["figures"][0]["data"] == {"source": "x"}
    assert v["caveats"] == ["Two readings disagree."] and v["needed"] is None
    assert v["evidence"] == "/?from=2025-03-03&to=2025-03-10"
    # the date was read once, by the view, and handed over as a date
    assert fake.calls[0][:2] == (SENTENCE, dt.date(2025, 3, 10))


def test_the_answer_matches_the_schema_it_declares(client, fake, spec):  # noqa: F811
    jsonschema = pytest.importorskip("jsonschema")
    for method in ("post", "get"):
        operation = spec["paths"]["/api/check"][method]
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        if method == "post":
            response = post(client, {"text": SENTENCE})
        else:
            response = client.get("/api/check", {"text": SENTENCE})
        jsonschema.validate(answer(response), {**schema, "components": spec["components"]})
    broken = {**answer(response), "verdicts": [{"label": "true-ish"}]}
    with pytest.raises(jsonschema.ValidationError):  # the schema does constrain
        jsonschema.validate(broken, {**schema, "components": spec["components"]})


def test_get_answers_as_post_does_and_may_be_cached(client, fake):
    posted = post(client, {"text": SENTENCE, "as_of": AS_OF})
    got = client.get("/api/check", {"text": SENTENCE, "as_of": AS_OF})
    assert answer(got) == answer(posted)
    assert got["Cache-Control"] == "public, max-age=60"
    assert posted["Cache-Control"] == "no-store"
    for response in (got, posted):
        assert {"accept", "cookie"} <= {v.strip().lower() for v in response["Vary"].split(",")}
    again = client.get(
        "/api/check", {"text": SENTENCE, "as_of": AS_OF}, HTTP_IF_NONE_MATCH=got["ETag"]
    )
    assert again.status_code == 304  # Django's ConditionalGetMiddleware, from the body


def test_csv_gives_the_rows_of_vigil_check_file(client, fake):
    from vigil.claims.render import CSV_COLUMNS

    for response in (
        client.get("/api/check", {"text": SENTENCE, "format": "csv"}),
        post(client, {"text": SENTENCE}, "/api/check?format=csv"),
        client.get("/api/check", {"text": SENTENCE}, HTTP_ACCEPT="text/csv"),
    ):
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert list(rows[0]) == list(CSV_COLUMNS)
        (row,) = rows
        assert row["text"] == SENTENCE and row["label"] == "misleading"
        assert row["claim"] == SENTENCE[:20] and float(row["value"]) == 1672.5
        assert json.loads(row["data"]) == {"source": "x"}
    assert_error(client.get("/api/check", {"text": SENTENCE, "format": "xml"}), 400, "format")


def test_markup_in_the_text_comes_back_escaped(client, fake):
    text = 'Russian forces <script>alert(1)</script> "><img src=x onerror=alert(1)> & more.'
    for response in (post(client, {"text": text}), client.get("/api/check", {"text": text})):
        raw = response.content.decode()
        assert "<" not in raw and ">" not in raw and "&" not in raw
        assert "\\u003cscript\\u003e" in raw
        assert answer(response)["text"] == text  # the same text once read as JSON


# -- errors: the site's one body -------------------------------------------------------------------
def test_an_empty_or_missing_text_is_a_400_naming_text(client, fake):
    assert_error(post(client, {"text": ""}), 400, "text")
    assert_error(post(client, {"text": "   \n"}), 400, "text")
    assert "required" in assert_error(post(client, {"as_of": AS_OF}), 400, "text")
    assert_error(post(client, {"text": 12}), 400, "text")
    assert_error(client.get("/api/check"), 400, "text")
    assert_error(client.get("/api/check", {"text": ""}), 400, "text")


def test_a_text_over_2000_characters_is_refused_before_any_check(client, fake):
    fits = ("x" * 1999) + "é"  # 2,000 characters (2,001 bytes in UTF-8)
    assert post(client, {"text": fits}).status_code == 200
    calls = len(fake.calls)
    message = assert_error(post(client, {"text": fits + "y"}), 400, "text")
    assert "2,000" in message and "2,001" in message
    assert_error(client.get("/api/check", {"text": fits + "y"}), 400, "text")
    assert len(fake.calls) == calls  # refused before the Checker was asked


@pytest.mark.parametrize("bad", ["2025-13-01", "10.03.2025", "yesterday", "2025-02-30"])
def test_a_bad_as_of_is_a_400_naming_as_of(client, fake, bad):
    message = assert_error(post(client, {"text": SENTENCE, "as_of": bad}), 400, "as_of")
    assert bad in message
    assert_error(client.get("/api/check", {"text": SENTENCE, "as_of": bad}), 400, "as_of")
    assert fake.calls == []


def test_a_blank_as_of_is_no_date(client, fake):
    assert post(client, {"text": SENTENCE, "as_of": ""}).status_code == 200
    assert fake.calls[-1][1] is None


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", '"text"', "null", b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_gets_the_site_s_error_body(client, fake, body):
    message = assert_error(post(client, body), 400, None)
    assert "JSON object" in message


def test_a_body_too_large_is_refused_unread(client, fake):
    message = assert_error(post(client, {"text": "x" * 70_000}), 400, None)
    assert "body" in message and "64 KiB" in message
    assert fake.calls == []
    escaped = json.dumps({"text": "ж" * 2000})  # the longest text, every character escaped
    assert len(escaped) > 12_000 and post(client, escaped).status_code == 200


def test_a_source_the_store_does_not_hold_is_a_404_naming_source(client):
    message = assert_error(post(client, {"text": SENTENCE, "source": "nope"}), 404, "source")
    assert "nope" in message


def test_without_a_store_a_territory_claim_is_a_503_and_other_text_is_answered(
    client, settings, tmp_path
):
    settings.VIGIL_STORE = str(tmp_path / "missing.sqlite")
    assert_error(post(client, {"text": SENTENCE, "as_of": AS_OF}), 503, None)
    body = answer(post(client, {"text": "The weather was fine."}))
    assert body["verdicts"] == [] and body["message"].startswith("no checkable claim")
    assert not (tmp_path / "missing.sqlite").exists()  # nothing was created


def test_only_get_and_post(client, fake):
    assert client.put("/api/check", "{}", content_type="application/json").status_code == 405
    assert client.delete("/api/check").status_code == 405


# -- the contract ----------------------------------------------------------------------------------
def test_openapi_lists_both_operations_with_their_schemas(spec):  # noqa: F811
    from vigil.claims.render import figure_record, report_record, verdict_record

    error = {"$ref": "#/components/schemas/ErrorOut"}
    operations = spec["paths"]["/api/check"]
    assert set(operations) == {"get", "post"}
    for operation in operations.values():
        responses = operation["responses"]
        assert responses["200"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/CheckOut"
        }
        assert "text/csv" in responses["200"]["content"]
        for status in ("400", "404", "503"):
            assert responses[status]["content"]["application/json"]["schema"] == error
        fmt = next(p for p in operation["parameters"] if p["name"] == "format")
        assert fmt["schema"]["enum"] == ["json", "csv"]
    get_params = {p["name"]: p for p in operations["get"]["parameters"]}
    assert get_params["text"]["required"] is True
    assert get_params["text"]["schema"]["maxLength"] == 2000
    assert get_params["as_of"]["schema"]["format"] == "date"
    body = operations["post"]["requestBody"]
    assert body["required"] is True
    schema = body["content"]["application/json"]["schema"]
    assert schema["required"] == ["text"]
    assert schema["properties"]["text"]["maxLength"] == 2000
    assert schema["properties"]["as_of"]["format"] == "date"
    # the declared fields are exactly those report_record writes
    report = fake_report(SENTENCE)
    record = report_record(report)
    components = spec["components"]["schemas"]

    def props(name: str) -> set[str]:
        return set(components[name]["properties"])

    assert props("CheckOut") == set(record)
    assert props("VerdictOut") == set(verdict_record(report.verdicts[0]))
    assert props("FigureOut") == set(figure_record(report.verdicts[0].figures[0]))
    assert props("ToleranceOut") == set(record["verdicts"][0]["tolerance"])
    assert components["Label"]["enum"] == [str(label) for label in Label]


def test_get_reads_only_the_parameters_it_declares(client, fake, spec, recorded):  # noqa: F811
    declared = {p["name"] for p in spec["paths"]["/api/check"]["get"]["parameters"]}
    query = {"text": SENTENCE, "as_of": AS_OF, "source": "deepstate-daily", "format": "json"}
    assert set(query) == declared
    response = client.get("/api/check", {**query, "zz_undeclared": "1"})
    assert response.status_code == 200
    assert recorded("vigil_web_check_api_check_get") <= declared


# -- who reads the registry ------------------------------------------------------------------------
def test_the_registry_is_read_at_the_reader_s_level(client, fake):
    from vigil.cases.levels import Level

    post(client, {"text": SENTENCE})
    client.get("/api/check", {"text": SENTENCE})
    assert [who.level for *_, who in fake.calls] == [Level.PUBLIC, Level.PUBLIC]
    viewer = Client()
    assert sign_in(viewer, make_user("vera", "viewer", device=False)).status_code == 302
    for response in (
        post(viewer, {"text": SENTENCE}),
        viewer.get("/api/check", {"text": SENTENCE}),
    ):
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"  # the site's middleware
    assert [who.level for *_, who in fake.calls[2:]] == [Level.INTERNAL, Level.INTERNAL]
    assert fake.calls[2][2].name == "vera"


@pytest.mark.slow
def test_a_name_only_the_team_may_see_matches_only_for_the_team(demo, settings, tmp_path):  # noqa: F811
    """End to end on the demo registry: an internal person named in the sentence is
    matched for a signed-in viewer, and for the public is not there at all."""
    settings.VIGIL_STORE = str(tmp_path / "no-store.sqlite")  # a registry sentence
    hidden = demo.Person.objects.get(ref="HIDDEN-P1")  # internal (visibility 1)
    demo.PersonName.objects.create(person=hidden, name="Tobias Hiddenov", language="en")
    text = "The trial of Tobias Hiddenov has been postponed until 2 December."

    def refs(client: Client) -> set[str]:
        body = answer(post(client, {"text": text, "as_of": "2026-11-20"}))
        return {m["key"] for v in body["verdicts"] for m in v["claim"].get("matches", ())}

    viewer = Client()
    assert sign_in(viewer, make_user("vera", "viewer", device=False)).status_code == 302
    assert "HIDDEN-P1" in refs(viewer)
    public = Client()
    assert "HIDDEN-P1" not in refs(public)
    raw = post(public, {"text": text, "as_of": "2026-11-20"}).content.decode()
    assert "HIDDEN" not in raw and "SENTINEL-HIDDEN" not in raw


# -- the real Checker, one per thread --------------------------------------------------------------
def test_the_answer_is_the_library_s_report(client, synthetic_store):  # noqa: F811
    from vigil.claims import Checker
    from vigil.claims.render import report_record

    body = answer(post(client, {"text": SENTENCE, "as_of": AS_OF}))
    expected = report_record(Checker(synthetic_store, cases=False).check(SENTENCE, AS_OF))
    assert body == expected
    assert body["verdicts"], "the sentence makes a claim"
    for v in body["verdicts"]:
        span = v["claim"]["span"]
        assert SENTENCE[span["start"] : span["end"]] == span["text"]
        assert v["label"] in {str(label) for label in Label}


def test_a_figure_is_the_store_s_area_by_geod(client):
    """The area held on 17 March is the map of that day, the rectangle C: its geodesic
    area by pyproj alone is the figure the answer gives, and the evidence is the map."""
    text = "Russia now controls about 9,000 square kilometers."
    body = answer(post(client, {"text": text, "as_of": "2025-03-17"}))
    figures = [f for v in body["verdicts"] for f in v["figures"] if f["value"] is not None]
    assert figures, body
    assert figures[0]["value"] == pytest.approx(geod_area_km2(C, straight_edges=True), rel=1e-6)
    (verdict,) = body["verdicts"]
    assert verdict["claim"]["measure"] == "held"
    assert resolve(urlsplit(verdict["evidence"]).path).url_name == "map"


def test_one_checker_per_thread_kept_while_the_store_is_unchanged(client, monkeypatch):
    from vigil.web import check_api, territory

    first = check_api.checker()
    assert check_api.checker() is first  # the second request is warm
    assert check_api.checker("deepstate-daily") is not first  # one per source
    others: list[Any] = []
    thread = threading.Thread(target=lambda: others.append(check_api.checker()))
    thread.start()
    thread.join()
    assert others and others[0] is not first  # another thread, its own
    assert others[0].territory is not first.territory  # around that thread's handle
    assert first.territory is territory.store()
    real = territory.version()
    monkeypatch.setattr(
        territory, "version", lambda: territory.Version(real.tag + "-new", real.modified)
    )
    assert check_api.checker() is not first  # a new ingest: a new Checker


def test_a_second_check_reuses_what_the_first_computed(client):
    from vigil.web import check_api

    post(client, {"text": SENTENCE, "as_of": AS_OF})
    kept = check_api.checker()
    ruler = kept._ruler
    assert ruler is not None  # the first check made it
    post(client, {"text": SENTENCE, "as_of": AS_OF})
    assert check_api.checker() is kept and kept._ruler is ruler
