"""The cases registry's JSON API (django-ninja), mounted by vigil.web.urls with
``api.add_router("/cases/", router)``: read-only, at the reader's level.

Every endpoint reads as the request's :class:`~vigil.cases.policy.Actor` (public for
anyone not signed in), never at a level from the query. Field names are
those of the CLI's ``--format json``; ``?format=csv`` (or ``Accept: text/csv``) gives
CSV. Errors have the API's shape, ``{"error": {"parameter": …, "message": …}}``: 400
for a bad value, 404 for an unknown ref and for a record above the reader's level
alike. ``<``, ``>`` and ``&`` in JSON strings are written as ``\\u003c`` … so that no
response ever carries markup, whatever a name holds.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd
from django.http import HttpRequest, HttpResponse
from ninja import Router

from vigil.cases import policy
from vigil.cases.policy import Actor
from vigil.errors import VigilError
from vigil.output import jsonable
from vigil.web import cases_views as views
from vigil.web.api import ApiError, _csv, _wants_csv

router = Router(tags=["cases"])


# -- responses ---------------------------------------------------------------------------
def _json_text(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _respond(request: HttpRequest, data: Any, level: Actor) -> HttpResponse:
    data = jsonable(data)
    if _wants_csv(request):
        rows = data if isinstance(data, list) else [data]
        response = HttpResponse(_csv(rows).encode("utf-8"), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(_json_text(data).encode("utf-8"), content_type="application/json")
    response["Vary"] = "Accept, Cookie"
    response["Cache-Control"] = (
        "public, max-age=60" if policy.is_public(level) else "private, no-store"
    )
    return response


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return frame.to_dict(orient="records")


def _message(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _not_found(parameter: str, what: str, key: str) -> ApiError:
    """The same 404 for a ref that does not exist and one the reader may not see."""
    return ApiError(404, parameter, f"{parameter}: no {what} {key!r}")


def _date(value: str | None, parameter: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        message = f"{parameter}: expected a date such as 2026-06-01, got {value!r}"
        raise ApiError(400, parameter, message) from None


def _one_of(value: str | None, parameter: str, allowed: list[str]) -> str | None:
    if value in (None, ""):
        return None
    if value in allowed:
        return value
    shown = ", ".join(allowed) if len(allowed) <= 30 else f"{len(allowed)} values"
    raise ApiError(400, parameter, f"{parameter}: expected one of {shown}, got {value!r}")


def _level(request: HttpRequest) -> Actor:
    return views.reader_level(request)


# -- people -----------------------------------------------------------------------------
@router.get("/people", summary="Political prisoners with their status on a date, filtered")
def people(
    request: HttpRequest,
    on: str | None = None,
    status: str | None = None,
    organisation: str | None = None,
    charge: str | None = None,
    designation: str | None = None,
    release: str | None = None,
    q: str | None = None,
) -> HttpResponse:
    """As ``vigil cases list --format json``: ref, name, status, custody, since,
    organisations, charges (and ``matched`` with ``q``, best match first)."""
    level = _level(request)
    query = views.ListQuery(
        q=(q or "").strip()[:200],
        on=_date(on, "on"),
        status=_one_of((status or "").strip(), "status", list(views.STATUSES)),
        organisation=_one_of(
            organisation, "organisation", [o["value"] for o in views.organisations(level)]
        ),
        charge=_one_of(charge, "charge", [o["value"] for o in views.articles(level)]),
        designation=_one_of(
            designation, "designation", [o["value"] for o in views.designators(level)]
        ),
        release=_one_of(release, "release", [o["value"] for o in views.releases(level)]),
    )
    problems: list[Any] = []
    frame = views.people(query, level, problems)
    if problems:
        raise ApiError(400, problems[0].parameter or None, problems[0].message)
    return _respond(request, _records(frame), level)


def _person(ref: str, level: Actor) -> Any:
    found = views.visible_person(ref, level)
    if found is None:
        raise _not_found("ref", "person", ref)
    return found


@router.get("/people/{ref}", summary="Everything on one person the reader may see")
def person(request: HttpRequest, ref: str) -> HttpResponse:
    """As ``vigil cases show --format json`` (plus the person's public ``sources``)."""
    from vigil.cases import registry

    level = _level(request)
    found = _person(ref, level)
    try:
        record = registry.show(found.ref, level)
    except VigilError:
        raise _not_found("ref", "person", ref) from None
    record["sources"] = views.person_sources(found, level)
    return _respond(request, record, level)


@router.get("/people/{ref}/timeline", summary="A person's status events in order")
def timeline(request: HttpRequest, ref: str) -> HttpResponse:
    """As ``vigil cases timeline --format json``."""
    from vigil.cases import registry

    level = _level(request)
    found = _person(ref, level)
    try:
        frame = registry.timeline(found.ref, level)
    except VigilError:
        raise _not_found("ref", "person", ref) from None
    return _respond(request, _records(frame), level)


@router.get("/find", summary="People whose names match, in any script or spelling")
def find(request: HttpRequest, q: str, limit: int = 10) -> HttpResponse:
    """As ``vigil cases find --format json``: ref, name, matched, language, score."""
    from vigil.cases import registry

    level = _level(request)
    if not 1 <= limit <= views.SEARCH_LIMIT:
        raise ApiError(400, "limit", f"limit: expected 1 to {views.SEARCH_LIMIT}, got {limit}")
    try:
        frame = registry.find(q[:200], level, limit=limit)
    except VigilError as exc:
        raise ApiError(400, "q", f"q: {_message(exc)}") from None
    return _respond(request, _records(frame), level)


# -- cases --------------------------------------------------------------------------------
def _case(ref: str, level: Actor) -> Any:
    from vigil.cases.models import Case

    found = policy.visible(Case, level).filter(ref=ref).first()
    if found is None:
        raise _not_found("ref", "case", ref)
    return found


@router.get("/cases/{ref}", summary="A case: fields, courts, articles, people and sources")
def case(request: HttpRequest, ref: str) -> HttpResponse:
    level = _level(request)
    return _respond(request, views.case_record(_case(ref, level), level), level)


@router.get("/cases/{ref}/hearings", summary="A case's hearings and chain of postponements")
def hearings(request: HttpRequest, ref: str, on: str | None = None) -> HttpResponse:
    """As ``vigil cases hearings --format json``: the chain's record with its hearings."""
    from vigil.cases.hearings import chain

    level = _level(request)
    found = _case(ref, level)
    result = chain(found.ref, level, _date(on, "on"))
    record = result.record()
    record["hearings"] = _records(result.hearings)
    return _respond(request, record, level)


# -- list releases ------------------------------------------------------------------------
@router.get("/releases/diff", summary="Who was added to and removed from a list, and why")
def release_diff(request: HttpRequest, a: str, b: str) -> HttpResponse:
    """As ``vigil cases diff-release A B --format json`` (refs or ``ORG@DATE``)."""
    from vigil.cases import registry
    from vigil.cases.releases import diff

    level = _level(request)
    for name, key in (("a", a), ("b", b)):
        try:
            registry.release(key, level)
        except VigilError:
            raise _not_found(name, "list release", key) from None
    return _respond(request, _records(diff(a, b, level)), level)


@router.get("/releases/{org}", summary="The lists an organisation published")
def releases(request: HttpRequest, org: str) -> HttpResponse:
    """As ``vigil cases releases ORG --format json``."""
    from vigil.cases import registry
    from vigil.cases.releases import releases as list_releases

    level = _level(request)
    try:
        registry.organisation(org, level)
    except VigilError:
        raise _not_found("org", "organisation", org) from None
    return _respond(request, _records(list_releases(org, level)), level)


# -- counts -------------------------------------------------------------------------------
@router.get("/stats", summary="How many people were held on each date, by group")
def stats(request: HttpRequest) -> HttpResponse:
    """As ``vigil cases stats --format json``: ``from``, ``to``, ``freq`` (day, week,
    month, year), ``by`` (none, organisation, charge, status), or ``on`` one day."""
    from vigil.cases import stats as cases_stats

    level = _level(request)
    get = request.GET
    on = _date(get.get("on"), "on")
    by = _one_of(get.get("by"), "by", list(views.GROUPS)) or "none"
    if on is not None:
        frame = cases_stats.held(level, on=on, by=cases_stats.GroupBy(by))
        return _respond(request, _records(frame), level)
    query, problems = views.stats_query({**get.dict(), "by": by})
    if problems:
        raise ApiError(400, problems[0].parameter or None, problems[0].message)
    try:
        frame = views.stats_frame(query, level)
    except VigilError as exc:
        raise ApiError(400, None, _message(exc)) from None
    return _respond(request, _records(frame), level)
