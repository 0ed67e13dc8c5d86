"""The alerts and the hearings calendar as JSON (django-ninja), mounted by
vigil.web.urls with ``api.add_router("", router)``: ``/api/alerts``,
``/api/alerts/{id}``, ``/api/hearings/upcoming``.

Every endpoint reads as the request's :class:`~vigil.cases.policy.Actor` (public for
anyone not signed in), never at a level from the query; alerts only through
:func:`vigil.watch.alerts.visible`, hearings through
:func:`vigil.cases.calendar.upcoming`. An alert is :func:`vigil.watch.alerts.as_json`
(the webhook's shape). An unknown id and an alert the reader may not see are the same
404. Errors are the site's one body (:mod:`vigil.web.errors`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field

from vigil.cases import policy
from vigil.cases.policy import Actor
from vigil.dates import parse_optional_date
from vigil.errors import InputError, NotFound
from vigil.i18n import gettext as _
from vigil.watch import alerts
from vigil.watch.models import Alert
from vigil.web import render
from vigil.web import watch_views as views
from vigil.web.api import WITH_CSV, FormatQuery, date_param, param, responses

router = Router(tags=["alerts"])
MAX_LIMIT = 500
MAX_DAYS = 3660


def _respond(data: Any, who: Actor, as_csv: bool = False) -> HttpResponse:
    content, content_type = render.body(data, as_csv, escape_markup=True)
    response = HttpResponse(content, content_type=content_type)
    response["Vary"] = "Accept, Cookie"
    response["Cache-Control"] = (
        "public, max-age=60" if policy.is_public(who) else "private, no-store"
    )
    return response


# -- what the endpoints answer -----------------------------------------------------------
class Reproduce(Schema):
    command: str = Field(description="The vigil command that prints the figures.")
    api: str = Field(description="The API call that answers them (absolute).")
    page: str = Field(description="The site's page that shows them (absolute).")


class AlertOut(Schema):
    """An alert: what it says, the figures it states, and how to get them again."""

    id: int
    key: str = Field(description="The event: the same event never alerts twice.")
    topic: str = Field(description="territory, cases or system.")
    kind: str = Field(description="The rule: week_gain, record, settlement, hearing_soon…")
    title: str
    body: str
    figures: dict[str, Any] = Field(description="What the alert states, as shown.")
    source: str
    snapshots: list[str] = Field(description="Dates of the maps compared.")
    period_start: str | None
    period_end: str | None = Field(description="Exclusive, as the API's periods.")
    event_date: str | None
    created: str
    current: bool = Field(description="False once a correction superseded it.")
    resolved: str | None = Field(description="When a condition (a failing fetch) ended.")
    supersedes: dict[str, Any] | None = Field(
        description="The alert this one corrects (its id, title, figures, created); "
        "null fields when the reader may not see it."
    )
    reproduce: Reproduce


class AlertsOut(Schema):
    count: int = Field(description="Alerts matching the filters (all pages).")
    limit: int
    offset: int
    items: list[AlertOut]


class HearingOut(Schema):
    hearing_id: int
    date: str
    kind: str
    court: str
    case: str = Field(description="The case's ref.")
    case_name: str
    case_title: str
    case_number: str
    case_kind: str
    defendants: list[dict[str, str]]
    chain: str = Field(description="The case's chain of postponements.")
    summary: str
    link: str = Field(description="The case's page (absolute).")
    uid: str = Field(description="The iCalendar UID (the first hearing of its run).")
    sequence: int = Field(description="Times it was postponed to this date.")


def flat(item: dict[str, Any]) -> dict[str, Any]:
    """An alert as one CSV row: the figures as JSON text, the alert it corrects by id,
    the three ways to reproduce it as columns."""
    old = item.get("supersedes") or {}
    row = {k: v for k, v in item.items() if k not in ("figures", "supersedes", "reproduce")}
    row["snapshots"] = " ".join(item.get("snapshots") or [])
    row["figures"] = render.json_text(item.get("figures") or {})
    row["supersedes"] = old.get("id")
    for k, v in (item.get("reproduce") or {}).items():
        row[f"reproduce_{k}"] = v
    return row


# -- alerts ---------------------------------------------------------------------------------
class AlertsQuery(FormatQuery):
    topic: str | None = param(None, "Only this topic.", enum=alerts.TOPICS)
    kind: str | None = param(None, "Only this kind (the rule: week_gain, hearing_soon…).")
    since: str | None = date_param("Only alerts made on this day or later.")
    current_only: str | None = param(
        None, "1: leave out the alerts a correction superseded.", enum=("0", "1")
    )
    limit: int = param(50, f"At most this many (1 to {MAX_LIMIT}).", kind="integer")
    offset: int = param(0, "Skip this many (newest first).", kind="integer")


@router.get(
    "/alerts",
    summary="Recent alerts, newest first, filtered",
    response=responses(AlertsOut),
    openapi_extra=WITH_CSV,
)
def alerts_list(request: HttpRequest, params: Query[AlertsQuery]) -> HttpResponse:
    """The alerts the reader may see (public alerts for anyone; a signed-in team
    member also sees internal ones such as a failing fetch), newest first. Each is
    the shape the webhook sends: its figures and how to reproduce them. A correction
    names the alert it supersedes; superseded alerts stay listed, ``current`` false,
    unless ``current_only=1``. As CSV: one row per alert of the page (``figures`` as
    JSON text, ``supersedes`` the corrected alert's id, ``reproduce_*`` columns)."""
    who = views.reader_level(request)
    as_csv = render.wants_csv(request, params.fmt)
    if params.topic not in (None, "") and params.topic not in alerts.TOPICS:
        # Translators: %(allowed)s lists values to type; keep them.
        raise InputError(
            _("expected one of %(allowed)s, got %(value)r")
            % {"allowed": ", ".join(alerts.TOPICS), "value": params.topic},
            param="topic",
        )
    if params.current_only not in (None, "", "0", "1"):
        raise InputError(
            _("expected 1 or 0, got %(value)r") % {"value": params.current_only},
            param="current_only",
        )
    if not 1 <= params.limit <= MAX_LIMIT:
        raise InputError(
            _("expected 1 to %(max)s, got %(value)s") % {"max": MAX_LIMIT, "value": params.limit},
            param="limit",
        )
    if params.offset < 0:
        raise InputError(
            _("expected 0 or more, got %(value)s") % {"value": params.offset}, param="offset"
        )
    since = parse_optional_date(params.since, "since")
    qs = Alert.objects.all()
    if params.topic:
        qs = qs.filter(topic=params.topic)
    if params.kind:
        qs = qs.filter(kind=params.kind.strip())
    if since is not None:
        start = dt.datetime.combine(since, dt.time(), tzinfo=timezone.get_current_timezone())
        qs = qs.filter(created__gte=start)
    if params.current_only == "1":
        qs = qs.filter(current=True)
    every = views.readable(who)
    ids = {a.pk for a in every}
    found = views.readable(who, qs)
    page = found[params.offset : params.offset + params.limit]
    base = views.base_url(request)
    items = [views.as_json(a, base, ids) for a in page]
    if as_csv:
        return _respond([flat(i) for i in items], who, as_csv=True)
    data = {"count": len(found), "limit": params.limit, "offset": params.offset, "items": items}
    return _respond(data, who)


@router.get(
    "/alerts/{alert_id}",
    summary="One alert",
    response=responses(AlertOut),
    openapi_extra=WITH_CSV,
)
def alert(request: HttpRequest, alert_id: int, params: Query[FormatQuery]) -> HttpResponse:
    """One alert by its id (a feed entry's page names it); 404 for an id that does not
    exist and for an alert the reader may not see alike."""
    who = views.reader_level(request)
    every = views.readable(who)
    found = next((a for a in every if a.pk == alert_id), None)
    if found is None:
        raise NotFound(_("no alert %(id)s") % {"id": alert_id}, param="alert_id")
    ids = {a.pk for a in every}
    item = views.as_json(found, views.base_url(request), ids)
    as_csv = render.wants_csv(request, params.fmt)
    return _respond(flat(item) if as_csv else item, who, as_csv=as_csv)


# -- hearings -------------------------------------------------------------------------------
class UpcomingQuery(FormatQuery):
    start: str | None = date_param("From this day (default: today).")
    days: int | None = param(
        None, f"Only the hearings before start + days (0 to {MAX_DAYS}).", kind="integer"
    )


@router.get(
    "/hearings/upcoming",
    summary="Upcoming hearings, soonest first",
    response=responses(list[HearingOut]),
    openapi_extra=WITH_CSV,
)
def hearings_upcoming(request: HttpRequest, params: Query[UpcomingQuery]) -> HttpResponse:
    """Scheduled hearings known to the day, from ``start`` (today by default), of the
    cases the reader may see: court, case, defendants and the case's chain of
    postponements; ``uid`` and ``sequence`` as the iCalendar feed
    (/hearings/calendar.ics) gives them. As CSV, ``defendants`` are their names."""
    who = views.reader_level(request)
    as_csv = render.wants_csv(request, params.fmt)
    start = parse_optional_date(params.start, "start") or timezone.localdate()
    if params.days is not None and not 0 <= params.days <= MAX_DAYS:
        raise InputError(
            _("expected 0 to %(max)s, got %(value)s") % {"max": MAX_DAYS, "value": params.days},
            param="days",
        )
    base = views.base_url(request)
    host = request.get_host()
    rows = []
    for h in views.upcoming(who, start, params.days):
        record = h.item.record()
        rows.append(
            {
                **record,
                "link": f"{base}{h.case_url}" if h.case_url else "",
                "uid": f"hearing-{h.origin}@{host}",
                "sequence": h.sequence,
            }
        )
    if as_csv:
        rows = [{**r, "defendants": ", ".join(d["name"] for d in r["defendants"])} for r in rows]
    return _respond(rows, who, as_csv=as_csv)
