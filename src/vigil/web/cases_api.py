"""The cases registry's JSON API (django-ninja), mounted by vigil.web.urls with
``api.add_router("/cases/", router)``: read-only, at the reader's level.

Every endpoint reads as the request's :class:`~vigil.cases.policy.Actor` (public for
anyone not signed in), never at a level from the query. Field names are
those of the CLI's ``--format json``; ``?format=csv`` (or ``Accept: text/csv``) gives
CSV (:mod:`vigil.web.render`). Every query parameter is declared in the operation's
query schema. Errors are the site's one body (:mod:`vigil.web.errors`),
``{"error": {"parameter": …, "message": …}}``: 400 for a bad value, 404 for an unknown
ref and for a record above the reader's level alike. ``<``, ``>`` and ``&`` in JSON
strings are written as ``\\u003c`` … so that no response ever carries markup, whatever
a name holds.
"""

from __future__ import annotations

from typing import Any, cast

import pandas as pd
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from vigil.cases import policy
from vigil.cases.policy import Actor
from vigil.choices import not_one_of
from vigil.dates import parse_optional_date
from vigil.errors import InputError, NotFound, VigilError
from vigil.i18n import gettext as _
from vigil.i18n import gettext_lazy
from vigil.web import cases_views as views
from vigil.web import render
from vigil.web.api import WITH_CSV, FormatQuery, date_param, param, responses
from vigil.web.pages import Problem

router = Router(tags=["cases"])


# -- responses ---------------------------------------------------------------------------
def _respond(request: HttpRequest, params: FormatQuery, data: Any, level: Actor) -> HttpResponse:
    response = render.respond(request, data, params.fmt, escape_markup=True)
    response["Vary"] = "Accept, Cookie"
    response["Cache-Control"] = (
        "public, max-age=60" if policy.is_public(level) else "private, no-store"
    )
    return response


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    # the stubs key records by Hashable; these frames' column names are all str
    return cast("list[dict[str, Any]]", frame.to_dict(orient="records"))


# Translators: %(key)r is the reference asked for, quoted.
_NO_SUCH = {
    "person": gettext_lazy("no person %(key)r"),
    "case": gettext_lazy("no case %(key)r"),
    "list release": gettext_lazy("no list release %(key)r"),
    "organisation": gettext_lazy("no organisation %(key)r"),
}


def _not_found(param: str, what: str, key: str) -> NotFound:
    """The same 404 for a ref that does not exist and one the reader may not see."""
    return NotFound(str(_NO_SUCH[what]) % {"key": key}, param=param)


def _one_of(value: str | None, param: str, allowed: list[str]) -> str | None:
    if value in (None, ""):
        return None
    if value in allowed:
        return value
    raise not_one_of(value, allowed, param)


def _problem(problems: list[Problem]) -> InputError:
    """The first problem a page would show, as the API's error."""
    first = problems[0]
    parameter = first.parameter or None
    detail = first.message
    if parameter and detail.startswith(f"{parameter}: "):
        detail = detail[len(parameter) + 2 :]
    return InputError(detail, param=parameter)


def _level(request: HttpRequest) -> Actor:
    return views.reader_level(request)


# -- what the endpoints answer -----------------------------------------------------------
class PersonRow(Schema):
    ref: str
    name: str
    status: str | None
    custody: str | None
    since: str | None
    organisations: str
    charges: str
    role: str = Field(description="The person's roles in cases (defendant, lawyer, …).")
    counted: bool = Field(
        description="Counted as a political prisoner on the date: a defendant, or on a "
        "published list or designated, in custody or under house arrest."
    )
    matched: str | None = Field(None, description="With q: the name that matched.")


class NameOut(Schema):
    name: str
    language: str
    kind: str


class PersonOut(Schema):
    """As ``vigil cases show --format json``; a team member sees more fields."""

    ref: str
    name: str
    names: list[NameOut]
    status: dict[str, Any] | None
    organisations: list[dict[str, Any]]
    cases: list[dict[str, Any]]
    sentences: list[dict[str, Any]]
    designations: list[dict[str, Any]]
    lists: list[dict[str, Any]]
    sources: list[dict[str, Any]]


class EventOut(Schema):
    date: str | None
    event: str
    custody: str | None
    case: str | None
    place: str | None
    facility: str | None
    withdrawn: bool
    sources: str | None


class FoundOut(Schema):
    ref: str
    name: str
    matched: str
    language: str
    score: float


class CaseOut(Schema):
    """A case's fields the reader may see, its courts, articles, sources and people."""

    ref: str
    courts: list[str]
    articles: list[dict[str, Any]]
    sources: list[dict[str, Any]]
    people: list[dict[str, Any]]


class ChainOut(Schema):
    case: str
    title: str
    postponements: int
    adjournments: int
    total_postponements: int
    since: str | None
    next_hearing: str | None
    summary: str
    hearings: list[dict[str, Any]]


class ReleaseOut(Schema):
    ref: str
    title: str
    published: str | None
    entries: int
    added: int | None
    removed: int | None


class DiffOut(Schema):
    change: str = Field(description="added or removed.")
    ref: str
    name: str
    reason: str
    evidence: str
    category_a: str
    category_b: str


class CountOut(Schema):
    """``date``, ``all``, and one column per group (by organisation, charge, status)."""

    date: str
    all: int


# -- people -----------------------------------------------------------------------------
class PeopleQuery(FormatQuery):
    on: str | None = date_param("Status on this date (default: today).")
    status: str | None = param(None, "deprived (held or house arrest), or a custody or event.")
    organisation: str | None = param(
        None, "An organisation: its ref, name, short name or abbreviation, in any script."
    )
    charge: str | None = param(None, "An article, as 'Criminal Code 220.1'.")
    designation: str | None = param(
        None, "Designated by this organisation (ref, name or abbreviation)."
    )
    release: str | None = param(None, "On this list release (its ref).")
    role: str | None = param(None, "Only people with this role in a case.", enum=views.ROLES)
    counted: str | None = param(
        None, "1: only the people counted as political prisoners on the date.", enum=("0", "1")
    )
    q: str | None = param(None, "Names matching this, best match first (any script).")


@router.get(
    "/people",
    summary="Political prisoners with their status on a date, filtered",
    response=responses(list[PersonRow]),
    openapi_extra=WITH_CSV,
)
def people(request: HttpRequest, params: Query[PeopleQuery]) -> HttpResponse:
    """As ``vigil cases list --format json``: ref, name, status, custody, since,
    organisations, charges, and the list page's ``role`` and ``counted`` (and
    ``matched`` with ``q``, best match first). ``organisation`` and ``designation``
    take an abbreviation or a name in any script, as the page's filter does."""
    level = _level(request)
    problems: list[Any] = []
    found: dict[str, str | None] = {}
    for name, offered in (
        ("organisation", views.organisations(level)),
        ("designation", views.designators(level)),
    ):
        value, problem = views.resolve_organisation(
            getattr(params, name) or "", name, level, offered
        )
        if problem is not None:
            raise _problem([problem])
        found[name] = value
    query = views.ListQuery(
        q=(params.q or "").strip()[:200],
        on=parse_optional_date(params.on, "on"),
        status=_one_of((params.status or "").strip(), "status", list(views.STATUSES)),
        organisation=found["organisation"],
        charge=_one_of(params.charge, "charge", [o["value"] for o in views.articles(level)]),
        designation=found["designation"],
        release=_one_of(params.release, "release", [o["value"] for o in views.releases(level)]),
        role=_one_of(params.role, "role", list(views.ROLES)),
        counted=params.counted not in (None, "", "0")
        and _one_of(params.counted, "counted", ["1"]) == "1",
    )
    frame = views.people(query, level, problems)
    if problems:
        raise _problem(problems)
    return _respond(request, params, _records(frame), level)


def _person(ref: str, level: Actor) -> Any:
    found = views.visible_person(ref, level)
    if found is None:
        raise _not_found("ref", "person", ref)
    return found


@router.get(
    "/people/{ref}",
    summary="Everything on one person the reader may see",
    response=responses(PersonOut),
    openapi_extra=WITH_CSV,
)
def person(request: HttpRequest, ref: str, params: Query[FormatQuery]) -> HttpResponse:
    """As ``vigil cases show --format json`` (plus the person's public ``sources``)."""
    from vigil.cases import registry

    level = _level(request)
    found = _person(ref, level)
    try:
        record = registry.show(found.ref, level)
    except VigilError:
        raise _not_found("ref", "person", ref) from None
    record["sources"] = views.person_sources(found, level)
    return _respond(request, params, record, level)


@router.get(
    "/people/{ref}/timeline",
    summary="A person's status events in order",
    response=responses(list[EventOut]),
    openapi_extra=WITH_CSV,
)
def timeline(request: HttpRequest, ref: str, params: Query[FormatQuery]) -> HttpResponse:
    """As ``vigil cases timeline --format json``."""
    from vigil.cases import registry

    level = _level(request)
    found = _person(ref, level)
    try:
        frame = registry.timeline(found.ref, level)
    except VigilError:
        raise _not_found("ref", "person", ref) from None
    return _respond(request, params, _records(frame), level)


class FindQuery(FormatQuery):
    q: str = param(..., "A name, in any script or spelling.")
    limit: int = param(10, f"At most this many (1 to {views.SEARCH_LIMIT}).", kind="integer")


@router.get(
    "/find",
    summary="People whose names match, in any script or spelling",
    response=responses(list[FoundOut]),
    openapi_extra=WITH_CSV,
)
def find(request: HttpRequest, params: Query[FindQuery]) -> HttpResponse:
    """As ``vigil cases find --format json``: ref, name, matched, language, score."""
    from vigil.cases import registry

    level = _level(request)
    if not 1 <= params.limit <= views.SEARCH_LIMIT:
        raise InputError(
            _("expected 1 to %(max)d, got %(value)d")
            % {"max": views.SEARCH_LIMIT, "value": params.limit},
            param="limit",
        )
    try:
        frame = registry.find(params.q[:200], level, limit=params.limit)
    except VigilError as exc:
        raise InputError(" ".join(str(exc).split()), param="q") from None
    return _respond(request, params, _records(frame), level)


# -- cases --------------------------------------------------------------------------------
def _case(ref: str, level: Actor) -> Any:
    from vigil.cases.models import Case

    found = policy.visible(Case, level).filter(ref=ref).first()
    if found is None:
        raise _not_found("ref", "case", ref)
    return found


@router.get(
    "/cases/{ref}",
    summary="A case: fields, courts, articles, people and sources",
    response=responses(CaseOut),
    openapi_extra=WITH_CSV,
)
def case(request: HttpRequest, ref: str, params: Query[FormatQuery]) -> HttpResponse:
    level = _level(request)
    return _respond(request, params, views.case_record(_case(ref, level), level), level)


class HearingsQuery(FormatQuery):
    on: str | None = date_param("The chain as known on this date (default: today).")


@router.get(
    "/cases/{ref}/hearings",
    summary="A case's hearings and chain of postponements",
    response=responses(ChainOut),
    openapi_extra=WITH_CSV,
)
def hearings(request: HttpRequest, ref: str, params: Query[HearingsQuery]) -> HttpResponse:
    """As ``vigil cases hearings --format json``: the chain's record with its hearings."""
    from vigil.cases.hearings import chain

    level = _level(request)
    found = _case(ref, level)
    result = chain(found.ref, level, parse_optional_date(params.on, "on"))
    record = result.record()
    record["hearings"] = _records(result.hearings)
    return _respond(request, params, record, level)


# -- list releases ------------------------------------------------------------------------
class DiffQuery(FormatQuery):
    a: str = param(..., "The earlier list: a release ref, or ORG@DATE.")
    b: str = param(..., "The later list: a release ref, or ORG@DATE.")


@router.get(
    "/releases/diff",
    summary="Who was added to and removed from a list, and why",
    response=responses(list[DiffOut]),
    openapi_extra=WITH_CSV,
)
def release_diff(request: HttpRequest, params: Query[DiffQuery]) -> HttpResponse:
    """As ``vigil cases diff-release A B --format json`` (refs or ``ORG@DATE``)."""
    from vigil.cases import registry
    from vigil.cases.releases import diff

    level = _level(request)
    for name, key in (("a", params.a), ("b", params.b)):
        try:
            registry.release(key, level)
        except VigilError:
            raise _not_found(name, "list release", key) from None
    return _respond(request, params, _records(diff(params.a, params.b, level)), level)


@router.get(
    "/releases/{org}",
    summary="The lists an organisation published",
    response=responses(list[ReleaseOut]),
    openapi_extra=WITH_CSV,
)
def releases(request: HttpRequest, org: str, params: Query[FormatQuery]) -> HttpResponse:
    """As ``vigil cases releases ORG --format json``."""
    from vigil.cases import registry
    from vigil.cases.releases import releases as list_releases

    level = _level(request)
    try:
        registry.organisation(org, level)
    except VigilError:
        raise _not_found("org", "organisation", org) from None
    return _respond(request, params, _records(list_releases(org, level)), level)


# -- incidents ----------------------------------------------------------------------------
class IncidentRow(Schema):
    ref: str
    date: str
    place: str
    country: str
    kind: str
    organiser: str
    detained: int | None
    people: str


class IncidentCountOut(Schema):
    """One month (``YYYY-MM``, or ``YYYY, month unknown``) or one place."""

    month: str | None = None
    place: str | None = None
    incidents: int
    detained: int
    without_count: int


class IncidentsQuery(FormatQuery):
    date_from: str | None = date_param(
        "From this day (the earliest day of the date).", alias="from"
    )
    date_to: str | None = date_param("To this day, included.", alias="to")


class IncidentCountsQuery(IncidentsQuery):
    by: str | None = param(None, "Count by month (default) or place.", enum=("month", "place"))


@router.get(
    "/incidents",
    summary="Incidents counted by heads: detentions at protests, raids, searches",
    response=responses(list[IncidentRow]),
    openapi_extra=WITH_CSV,
)
def incidents(request: HttpRequest, params: Query[IncidentsQuery]) -> HttpResponse:
    """As ``vigil cases incidents --format json``: each incident the reader may see,
    by date, with the refs of the visible people linked to it."""
    from vigil.cases import incidents as inc

    level = _level(request)
    rows = inc.listing(level, date_from=params.date_from, date_to=params.date_to)
    return _respond(request, params, rows, level)


@router.get(
    "/incidents/counts",
    summary="Incidents and people detained per month or place",
    response=responses(list[IncidentCountOut]),
    openapi_extra=WITH_CSV,
)
def incident_counts(request: HttpRequest, params: Query[IncidentCountsQuery]) -> HttpResponse:
    """As ``vigil cases incidents --by month|place --format json``: ``detained`` sums
    the counts given, ``without_count`` says how many incidents gave none."""
    from vigil.cases import incidents as inc

    level = _level(request)
    by = params.by or "month"
    rows = inc.counts(level, by, date_from=params.date_from, date_to=params.date_to)
    return _respond(request, params, rows, level)


# -- counts -------------------------------------------------------------------------------
class StatsQuery(FormatQuery):
    date_from: str | None = date_param("First date counted.", alias="from")
    date_to: str | None = date_param("Last date counted (default: today).", alias="to")
    freq: str | None = param(
        None, "Count on each day, week, month (default) or year.", enum=views.FREQS
    )
    by: str | None = param(None, "Group by (default: none).", enum=views.GROUPS)
    on: str | None = date_param("Count on this one day instead of from/to.")


@router.get(
    "/stats",
    summary="How many people were held on each date, by group",
    response=responses(list[CountOut]),
    openapi_extra=WITH_CSV,
)
def stats(request: HttpRequest, params: Query[StatsQuery]) -> HttpResponse:
    """As ``vigil cases stats --format json``: ``from``, ``to``, ``freq`` (day, week,
    month, year), ``by`` (none, organisation, charge, status), or ``on`` one day."""
    from vigil.cases import stats as cases_stats

    level = _level(request)
    on = parse_optional_date(params.on, "on")
    by = _one_of(params.by, "by", list(views.GROUPS)) or "none"
    if on is not None:
        frame = cases_stats.held(level, on=on, by=cases_stats.GroupBy(by))
        return _respond(request, params, _records(frame), level)
    asked = {
        "from": params.date_from or "",
        "to": params.date_to or "",
        "freq": params.freq or "",
        "by": by,
    }
    query, problems = views.stats_query(asked)
    if problems:
        raise _problem(problems)
    try:
        frame = views.stats_frame(query, level)
    except VigilError as exc:
        raise InputError(" ".join(str(exc).split())) from None
    return _respond(request, params, _records(frame), level)
