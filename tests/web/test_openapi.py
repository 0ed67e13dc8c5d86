"""The OpenAPI document is the API's whole contract.

- it is a valid OpenAPI 3 document (openapi-spec-validator);
- every operation the site serves is in it, and every operation in it is served;
- every operation declares its 200 answer and the one error body on 400 and 404, and the
  CSV variant when it takes ``format``;
- a view reads no query parameter its operation does not declare: every operation is
  called (with no parameter, with all of them, and with each one alone, plus one that no
  operation declares) while ``request.GET`` records what the view asks of it;
- every JSON answer of that walk matches the 200 schema it declares.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.http import HttpRequest, QueryDict
from django.test import Client

from tests.web.test_api import synthetic_store  # noqa: F401  (a fixture)
from tests.web.test_cases_public import demo  # noqa: F401  (a fixture)

pytestmark = pytest.mark.urls("tests.web.cases_urls")

UNDECLARED = "zz_undeclared"  # sent with every call: no view may look at it
ENUMERATED = "*"  # what a view that lists the whole query string is recorded as reading

# Values to call each declared parameter with (by name; dates by the data they ask of).
TERRITORY_DAY, CASES_DAY = "2025-03-10", "2026-06-01"  # in the synthetic store, the demo
GEO_DAY = "2024-10-28"  # in the demo archive (the store with regions and settlements)
NEEDS_GEOGRAPHY = (
    "/api/territory/regions",
    "/api/territory/boundaries",
    "/api/territory/settlements",
)
# Comparisons need two sources: tests/web/test_compare_api.py walks them on such a store.
NEEDS_TWO_SOURCES = (
    "/api/territory/compare",
    "/api/territory/compare/lag",
    "/api/territory/compare/map",
)
SAMPLES = {
    "q": "Rashad",
    "a": "R-VRW-2026-06",
    "b": "R-VRW-2026-10",
    "status": "deprived",
    "organisation": "VRW",
    "designation": "VRW",
    "release": "R-VRW-2026-10",
    "charge": "Criminal Code 220.1",
    "simplify": "0.01",
    "last": "1",
    "limit": "3",
}
PATHS = {"ref": {"people": "VRW-001", "cases": "AVB-2026"}, "org": "VRW"}


# -- the recorder --------------------------------------------------------------------------
class RecordingQueryDict(QueryDict):
    """A read-only QueryDict that notes each key asked for (``ENUMERATED`` for a listing
    of all of them)."""

    def __init__(self, query_string: str, reads: set[str]) -> None:
        self.reads: set[str] = set()  # what building it reads is not the view's
        super().__init__(query_string)
        self.reads = reads

    def __getitem__(self, key: str) -> Any:
        self.reads.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.reads.add(str(key))
        return super().__contains__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.reads.add(key)
        return super().get(key, default)

    def getlist(self, key: str, default: Any = None) -> list[Any]:
        self.reads.add(key)
        return super().getlist(key, default)

    def _all(self) -> None:
        self.reads.add(ENUMERATED)

    def items(self) -> Iterator[tuple[str, Any]]:  # type: ignore[override]
        self._all()
        return super().items()

    def lists(self) -> Iterator[tuple[str, list[Any]]]:  # type: ignore[override]
        self._all()
        return super().lists()

    def keys(self) -> Any:
        self._all()
        return super().keys()

    def values(self) -> Iterator[Any]:  # type: ignore[override]
        self._all()
        return super().values()

    def dict(self) -> dict[str, Any]:
        self._all()
        return super().dict()

    def __iter__(self) -> Iterator[str]:
        self._all()
        return super().__iter__()

    def urlencode(self, safe: str | None = None) -> str:
        self._all()
        return super().urlencode(safe)

    def copy(self) -> QueryDict:
        self._all()
        return super().copy()


def served_operations() -> dict[str, Any]:
    """operationId → the operation django-ninja runs, for every route the site serves."""
    from django.urls import URLPattern, URLResolver, get_resolver

    from vigil.web.api import api

    def patterns(resolver: URLResolver) -> Iterator[URLPattern]:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                yield from patterns(entry)
            else:
                yield entry

    out = {}
    for pattern in patterns(get_resolver()):
        for cell in getattr(pattern.callback, "__closure__", None) or ():
            for operation in getattr(cell.cell_contents, "operations", ()):
                out[api.get_openapi_operation_id(operation)] = operation
    return out


def record(operation: Any, seen: set[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``operation``'s view read its query through a RecordingQueryDict noting into
    ``seen`` (installed as the view starts: django-ninja's own parsing is not counted)."""
    view = operation.view_func

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        request.GET = RecordingQueryDict(request.META.get("QUERY_STRING", ""), seen)
        return view(request, *args, **kwargs)

    monkeypatch.setattr(operation, "view_func", wrapped)


@pytest.fixture
def recorded(monkeypatch) -> Callable[[str], set[str]]:
    """Record what every API view reads; returns the reads of an operation (by
    operationId) so far."""
    reads: dict[str, set[str]] = {}
    for op_id, operation in served_operations().items():
        record(operation, reads.setdefault(op_id, set()), monkeypatch)
    return lambda op_id: reads.get(op_id, set())


# -- the document --------------------------------------------------------------------------
@pytest.fixture
def spec(db) -> dict[str, Any]:
    return json.loads(Client().get("/api/openapi.json").content)


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_the_document_is_valid_openapi(spec):
    validator = pytest.importorskip(
        "openapi_spec_validator", reason="pip install openapi-spec-validator (dev extra)"
    )
    validator.validate(spec)


def test_every_served_operation_is_documented_and_the_reverse(spec):
    documented = {op["operationId"] for _, _, op in operations(spec)}
    assert documented == set(served_operations())
    assert len(documented) >= 16  # 8 territory, 9 cases when this test was written


def test_every_operation_declares_its_answer_and_the_error_body(spec):
    error = {"$ref": "#/components/schemas/ErrorOut"}
    assert spec["components"]["schemas"]["ErrorOut"]["required"] == ["error"]
    for path, method, operation in operations(spec):
        where = f"{method.upper()} {path}"
        responses = operation["responses"]
        assert responses["200"]["content"]["application/json"]["schema"], where
        for status in ("400", "404"):
            assert responses[status]["content"]["application/json"]["schema"] == error, where
        names = {p["name"] for p in operation.get("parameters", ())}
        assert "format" in names, where
        fmt = next(p for p in operation["parameters"] if p["name"] == "format")
        assert fmt["schema"]["enum"] == ["json", "csv"], where
        if path != "/api/territory/boundaries":  # GeoJSON: no table to give as CSV
            assert "text/csv" in responses["200"]["content"], where


def test_the_dates_the_old_api_read_behind_the_schema_are_declared(spec):
    for name in ("series", "regions", "settlements"):
        params = spec["paths"][f"/api/territory/{name}"]["get"]["parameters"]
        dates = {p["name"] for p in params if p["schema"].get("format") == "date"}
        assert {"from", "to"} <= dates, name


# -- the walk ------------------------------------------------------------------------------
def _value(param: dict[str, Any], path: str) -> str:
    schema = param["schema"]
    if schema.get("format") == "date":
        if path.startswith("/api/cases/"):
            return CASES_DAY
        return GEO_DAY if path in NEEDS_GEOGRAPHY else TERRITORY_DAY
    if "enum" in schema:
        return schema.get("default", schema["enum"][0])
    if schema.get("type") == "boolean":
        return "true"
    return SAMPLES.get(param["name"], "1")


def _url(path: str) -> str:
    for name, value in PATHS.items():
        if "{" + name + "}" not in path:
            continue
        if isinstance(value, dict):
            value = next(v for k, v in value.items() if f"/{k}/" in path)
        path = path.replace("{" + name + "}", value)
    return path


def _calls(path: str, operation: dict[str, Any]) -> list[dict[str, str]]:
    """No parameter; all of them; and the required ones with each other one alone."""
    params = [p for p in operation.get("parameters", ()) if p["in"] == "query"]
    query = {p["name"]: _value(p, path) for p in params}
    required = {p["name"]: query[p["name"]] for p in params if p.get("required")}
    return [{}, query, *({**required, k: v} for k, v in query.items())]


def _schema_of(spec: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    return {**schema, "components": spec["components"]}


def _walk(spec, recorded, paths: Callable[[str], bool]) -> tuple[set[str], list[str]]:
    """Call each operation whose path ``paths`` accepts; the paths that answered JSON
    (each answer checked against its schema), and the undeclared reads."""
    jsonschema = pytest.importorskip("jsonschema")
    client = Client()
    answered, failures = set(), []
    for path, _method, operation in operations(spec):
        if not paths(path):
            continue
        declared = {p["name"] for p in operation.get("parameters", ()) if p["in"] == "query"}
        for query in _calls(path, operation):
            response = client.get(_url(path), {**query, UNDECLARED: "1"})
            assert response.status_code < 500, (path, query, response.content[:300])
            if response.status_code == 200 and response["Content-Type"] == "application/json":
                answered.add(path)
                body = json.loads(response.content)
                jsonschema.validate(body, _schema_of(spec, operation))
        undeclared = recorded(operation["operationId"]) - declared
        if undeclared:
            failures.append(f"{path} reads {sorted(undeclared)} beyond {sorted(declared)}")
    return answered, failures


def test_territory_views_read_only_declared_parameters(
    spec,
    recorded,
    synthetic_store,  # noqa: F811
    settings,
):
    settings.VIGIL_STORE = str(synthetic_store)
    walked = lambda p: (  # noqa: E731
        p.startswith("/api/territory/") and p not in NEEDS_GEOGRAPHY + NEEDS_TWO_SOURCES
    )
    answered, failures = _walk(spec, recorded, walked)
    assert not failures, failures
    # every view's body was reached, not only its errors
    assert answered == {p for p in spec["paths"] if walked(p)}


@pytest.mark.slow
def test_territory_views_with_regions_read_only_declared_parameters(
    spec, recorded, web_store, settings
):
    settings.VIGIL_STORE = str(web_store)
    answered, failures = _walk(spec, recorded, lambda p: p in NEEDS_GEOGRAPHY)
    assert not failures, failures
    assert answered == set(NEEDS_GEOGRAPHY)


def test_cases_views_read_only_declared_parameters(spec, recorded, demo):  # noqa: F811
    walked = lambda p: p.startswith("/api/cases/")  # noqa: E731
    answered, failures = _walk(spec, recorded, walked)
    assert not failures, failures
    assert answered == {p for p in spec["paths"] if walked(p)}


def test_the_recorder_catches_a_view_reading_behind_the_schema(monkeypatch, db):
    """The walk can fail: a view that reads ``request.GET`` itself is caught, whether it
    asks for one key or lists them all."""
    operation = served_operations()["vigil_web_api_snapshots"]
    view = operation.view_func

    def sneaky(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        request.GET.get("from")
        dict(request.GET.items())
        return view(request, *args, **kwargs)

    monkeypatch.setattr(operation, "view_func", sneaky)
    seen: set[str] = set()
    record(operation, seen, monkeypatch)
    Client().get("/api/territory/snapshots", {UNDECLARED: "1"})
    assert seen >= {"from", ENUMERATED}
