"""The site's side of ``vigil watch``: the alerts it made, as a page and as Atom feeds,
and the upcoming public hearings, as a page, an Atom feed and an iCalendar feed.

**Who reads.** Every alert shown comes through :func:`vigil.watch.alerts.visible`, the
one rule (the alert's level, and every registry record and column it rests on, read
now). The pages read as the request's :class:`~vigil.cases.policy.Actor` (a signed-in
team member also sees internal alerts such as "fetch failed"); the feeds read as the
public, whoever asks, since a feed reader's copy is shared and kept. Hearings come from
:func:`vigil.cases.calendar.upcoming` at the same reader.

**Corrections stay visible.** A corrected figure is a new alert that supersedes the old
one (:func:`vigil.watch.alerts.record`); both are listed, the new one saying what it
corrects ("Corrected on … : was …", with a link), the old one marked as superseded. A
feed gives each alert its own entry with an id that never changes (a correction is a
new entry, never a rewritten one).

**Calendars.** Each upcoming hearing is one all-day event whose UID is that of the
first hearing of its run of postponements (``hearing-<pk>@<host>``): when a hearing
is postponed, the registry schedules a new one, and the subscriber's event moves to
the new date with a higher ``SEQUENCE`` instead of becoming a second event.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import get_script_prefix, path, reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html_join
from django.views.decorators.http import require_safe

from vigil import i18n
from vigil.cases import policy
from vigil.cases.levels import Level
from vigil.cases.policy import Actor
from vigil.i18n import gettext as _
from vigil.i18n import gettext_lazy, pgettext_lazy
from vigil.watch import alerts
from vigil.watch.models import Alert
from vigil.web import cases_views
from vigil.web.pages import Problem
from vigil.web.registry_views import _choice, _page_number, _paginate

ERROR_STATUS = 400
PER_PAGE = 25
FEED_ITEMS = 50  # entries per alert feed (newest first)
CACHE_SECONDS = 300
#: Who reads the feeds and the calendar, whoever asks: what they serve is shared.
PUBLIC = Actor.reader(Level.PUBLIC, name="feed")
#: The namespace of the entries' and events' ids (urn:uuid:…), fixed forever.
ID_NAMESPACE = uuid.UUID("6f3c1b52-5a4e-4d59-9a51-0c7a7e1d2b90")
TOPIC_LABELS = {
    "territory": pgettext_lazy("alert topic", "Territory"),
    "cases": pgettext_lazy("alert topic", "Cases"),
    "system": pgettext_lazy("alert topic", "System"),
}
CALENDAR_NAME = gettext_lazy("Vigil: upcoming public hearings")


# -- the reader and the frame -------------------------------------------------------------
def reader_level(request: HttpRequest) -> Actor:
    """Who reads on this request: from the signed-in user's roles only."""
    return cases_views.reader_level(request)


def base_url(request: HttpRequest) -> str:
    """The site's absolute address (scheme, host, script prefix), no trailing slash:
    what the alerts' API calls and page links are joined to."""
    return request.build_absolute_uri(get_script_prefix()).rstrip("/")


def _page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    who: Actor,
    status: int = 200,
) -> HttpResponse:
    """The registry pages' frame (reader's level note, the registry's credit, no shared
    cache for a team member), in this section."""
    return cases_views._page(request, template, {"section": "alerts", **context}, who, status)


def _public_cache(response: HttpResponse) -> HttpResponse:
    """A feed is the same for everyone: kept for five minutes by any cache."""
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response


def entry_id(kind: str, key: str) -> str:
    """A stable ``urn:uuid:`` for a feed entry (an alert's pk, a hearing's run)."""
    return f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, f'{kind}:{key}')}"


# -- an alert as the pages and feeds show it ----------------------------------------------
@dataclass
class Shown:
    """An alert with what the reader may be told about its neighbours (the alert it
    corrects, the one that corrected it): shown only when the reader may see them."""

    alert: Alert
    reproduce: dict[str, str]
    corrects: Alert | None = None  # visible alert this one supersedes
    corrects_hidden: bool = False  # it supersedes one the reader may not see
    superseded_by: Alert | None = None  # visible alert that supersedes this one
    figures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def period(self) -> str:
        """The period as people read it: the end is exclusive in the data, shown inclusive."""
        a = self.alert
        if a.period_start and a.period_end:
            last = a.period_end - dt.timedelta(days=1)
            # Translators: a period of days, both ISO dates (2026-11-24 to 2026-11-30).
            return _("%(first)s to %(last)s") % {
                "first": a.period_start.isoformat(),
                "last": last.isoformat(),
            }
        return ""

    @property
    def kind_label(self) -> str:
        return self.alert.kind.replace("_", " ")

    @property
    def was(self) -> list[tuple[str, str]]:
        return _figures(self.corrects.figures) if self.corrects is not None else []

    @property
    def was_text(self) -> str:
        """The corrected alert's figures in one line: ``gain km2 12.5; days 7``."""
        return "; ".join(f"{name} {value}" for name, value in self.was)


def _figure(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return i18n.number(value, 1) if abs(value - round(value)) > 1e-9 else i18n.number(value, 0)
    if isinstance(value, int) and not isinstance(value, bool):
        return i18n.integer(value)
    if isinstance(value, list | tuple):
        return ", ".join(_figure(v) for v in value)
    return str(value)


def _figures(figures: Any) -> list[tuple[str, str]]:
    """The figures an alert states, as (name, value) in its own order."""
    if not isinstance(figures, dict):
        return []
    return [(str(k).replace("_", " "), _figure(v)) for k, v in figures.items()]


def shown(found: list[Alert], base: str, ids: set[int] | None = None) -> list[Shown]:
    """``found`` (alerts :func:`~vigil.watch.alerts.visible` gave) with their
    neighbours, each neighbour only when its id is in ``ids`` (the reader's visible
    alerts; default: ``found`` itself)."""
    ids = {a.pk for a in found} if ids is None else ids
    out = []
    for a in found:
        old = a.supersedes if a.supersedes_id else None
        newer = getattr(a, "superseded_by", None) if not a.current else None
        out.append(
            Shown(
                alert=a,
                reproduce=alerts.reproduce(a, base),
                corrects=old if old is not None and old.pk in ids else None,
                corrects_hidden=old is not None and old.pk not in ids,
                superseded_by=newer if newer is not None and newer.pk in ids else None,
                figures=_figures(a.figures),
            )
        )
    return out


def readable(who: Actor, queryset: Any = None) -> list[Alert]:
    """Every alert ``who`` may read, newest first (the one rule), with its neighbours
    fetched in the same query."""
    qs = queryset if queryset is not None else Alert.objects.all()
    return alerts.visible(who, qs.select_related("supersedes", "superseded_by"))


def as_json(alert: Alert, base: str, ids: set[int]) -> dict[str, Any]:
    """:func:`vigil.watch.alerts.as_json`, except that an alert it corrects which the
    reader may not see is named by nothing but the fact that there was one."""
    return alerts.as_json(alert, base, shown=ids)


# -- the alerts page ----------------------------------------------------------------------
@dataclass
class AlertQuery:
    topic: str = ""
    kind: str = ""
    page: int = 1

    def params(self, **changes: Any) -> str:
        values = {"topic": self.topic, "kind": self.kind, "page": str(self.page)}
        values.update({k: str(v) for k, v in changes.items()})
        return urlencode({k: v for k, v in values.items() if v and (k != "page" or v != "1")})


def _territory_sources(items: list[Alert]) -> list[str]:
    return sorted({a.source for a in items if a.topic == "territory" and a.source})


def _code_list(names: list[str]) -> str:
    """Names as ``<code>a</code>, <code>b</code>`` (escaped), for a sentence."""
    return format_html_join(", ", "<code>{}</code>", ((n,) for n in names))


@require_safe
def alerts_page(request: HttpRequest) -> HttpResponse:
    """Recent alerts, newest first, by topic and kind: each with its figures, how to
    reproduce them, and its corrections (superseded alerts stay, marked)."""
    who = reader_level(request)
    every = readable(who)
    problems: list[Problem] = []
    topics = [t for t in alerts.TOPICS if any(a.topic == t for a in every)]
    query = AlertQuery(topic=_choice(request.GET, "topic", list(alerts.TOPICS), problems))
    kinds = sorted({a.kind for a in every if not query.topic or a.topic == query.topic})
    query.kind = _choice(request.GET, "kind", kinds, problems)
    query.page = _page_number(request.GET, problems)
    rows = [
        a
        for a in every
        if (not query.topic or a.topic == query.topic) and (not query.kind or a.kind == query.kind)
    ]
    page, previous_url, next_url = _paginate(rows, query, problems)
    base = base_url(request)
    context = {
        "problems": problems,
        "query": query,
        "topics": [{"value": t, "label": TOPIC_LABELS.get(t, t)} for t in topics],
        "kinds": [{"value": k, "label": k.replace("_", " ")} for k in kinds],
        "items": shown_page(list(page.object_list), every, base),
        "page": page,
        "total": page.paginator.count,
        "filtered": bool(query.topic or query.kind),
        "previous_url": previous_url,
        "next_url": next_url,
        "territory_sources": _territory_sources(every),
        "territory_maps": _code_list(_territory_sources(every)),
        "api_url": reverse("api:alerts_list"),
    }
    return _page(request, "web/watch/alerts.html", context, who, ERROR_STATUS if problems else 200)


def shown_page(page: list[Alert], every: list[Alert], base: str) -> list[Shown]:
    """The alerts of one page, their neighbours judged against every visible alert."""
    return shown(page, base, {a.pk for a in every})


@require_safe
def alert_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One alert (a feed entry's link): the same 404 for an unknown and a hidden one."""
    who = reader_level(request)
    every = readable(who)
    alert = next((a for a in every if a.pk == pk), None)
    if alert is None:
        return cases_views.not_found(request, who)
    (found,) = shown_page([alert], every, base_url(request))
    sources = _territory_sources([found.alert])
    context = {
        "item": found,
        "territory_sources": sources,
        "territory_maps": _code_list(sources),
        "api_url": reverse("api:alert", kwargs={"alert_id": pk}),
    }
    return _page(request, "web/watch/alert.html", context, who)


# -- the alert feeds ----------------------------------------------------------------------
@dataclass
class Entry:
    """A feed's item: the alert, the site's address, what the public may see."""

    shown: Shown
    base: str


class AlertFeed(Feed):
    """Atom: the public alerts of one topic, newest first, one entry per alert."""

    feed_type = Atom1Feed
    topic = "territory"
    title = gettext_lazy("Vigil: territory alerts")
    subtitle = gettext_lazy(
        "Week and month gains, records, settlements that changed hands, redraws."
    )

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return _public_cache(super().__call__(request, *args, **kwargs))

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> str:
        return base_url(request)

    def link(self) -> str:
        return f"{reverse('alerts')}?topic={self.topic}"

    def feed_url(self) -> str:
        return reverse(f"alerts-{self.topic}-feed")

    def author_name(self) -> str:
        return "Vigil"

    def items(self, base: str) -> list[Entry]:
        every = readable(PUBLIC, Alert.objects.filter(topic=self.topic))
        return [Entry(s, base) for s in shown_page(every[:FEED_ITEMS], every, base)]

    def item_title(self, item: Entry) -> str:
        a = item.shown.alert
        if item.shown.corrects is not None or item.shown.corrects_hidden:
            # Translators: the title of a feed entry; %(title)s is the alert's own title.
            return _("Correction: %(title)s") % {"title": a.title}
        return a.title

    def item_description(self, item: Entry) -> str:
        return render_to_string("web/watch/_feed_alert.html", {"item": item.shown})

    def item_link(self, item: Entry) -> str:
        return reverse("alert", kwargs={"pk": item.shown.alert.pk})

    def item_guid(self, item: Entry) -> str:
        return entry_id("alert", str(item.shown.alert.pk))

    item_guid_is_permalink = False

    def item_pubdate(self, item: Entry) -> dt.datetime:
        return item.shown.alert.created

    def item_updateddate(self, item: Entry) -> dt.datetime:
        newer = item.shown.superseded_by
        return newer.created if newer is not None else item.shown.alert.created

    def item_categories(self, item: Entry) -> list[str]:
        return [item.shown.alert.topic, item.shown.alert.kind]


class CasesFeed(AlertFeed):
    topic = "cases"
    title = gettext_lazy("Vigil: public case events")
    subtitle = gettext_lazy("Hearings soon, hearings passed without an outcome, new list releases.")


# -- hearings -----------------------------------------------------------------------------
@dataclass
class Hearing:
    """An upcoming hearing (:class:`vigil.cases.calendar.Upcoming`: only what its reader
    may see) with the run of postponements that led to it."""

    item: Any  # vigil.cases.calendar.Upcoming
    origin: int  # the first hearing of its run of postponements: the calendar's UID
    sequence: int  # how many times it was postponed: the calendar's SEQUENCE
    modified: dt.datetime | None = None  # when its last postponement was recorded
    case_updated: dt.datetime | None = None  # when its case's record last changed

    @property
    def pk(self) -> int:
        return int(self.item.hearing_id)

    @property
    def date(self) -> dt.date:
        return self.item.day

    @property
    def case_url(self) -> str:
        """The case's page ("" for a case without a ref)."""
        ref = self.item.case_ref
        return reverse("cases-case", kwargs={"ref": ref}) if ref else ""


def upcoming(who: Actor, start: dt.date, days: int | None = None) -> list[Hearing]:
    """The hearings :func:`vigil.cases.calendar.upcoming` gives ``who`` from ``start``,
    each with the run of postponements that led to it (only hearings ``who`` sees)."""
    from vigil.cases import calendar
    from vigil.cases.models import Case

    found = calendar.upcoming(who, start=start, days=days)
    cases = policy.visible(Case.objects.filter(id__in={u.case_id for u in found}), who)
    updated = dict(cases.values_list("id", "updated"))
    return [
        Hearing(u, *calendar.postponed_from(u.hearing_id, who), case_updated=updated.get(u.case_id))
        for u in found
    ]


def _by_date(items: list[Hearing]) -> list[dict[str, Any]]:
    groups: dict[dt.date, list[Hearing]] = {}
    for h in items:
        groups.setdefault(h.date, []).append(h)
    return [{"date": d, "hearings": hs} for d, hs in sorted(groups.items())]


@require_safe
def hearings_page(request: HttpRequest) -> HttpResponse:
    """Upcoming hearings the reader may see, by date, with the case's chain."""
    who = reader_level(request)
    today = timezone.localdate()
    items = upcoming(who, today)
    context = {
        "section": "hearings",
        "today": today,
        "groups": _by_date(items),
        "total": len(items),
        "api_url": reverse("api:hearings_upcoming"),
    }
    return _page(request, "web/watch/hearings.html", context, who)


class HearingsFeed(Feed):
    """Atom: the upcoming public hearings, soonest first."""

    feed_type = Atom1Feed
    title = gettext_lazy("Vigil: upcoming public hearings")
    subtitle = gettext_lazy("Hearings of the public cases of the registry of political prisoners.")

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return _public_cache(super().__call__(request, *args, **kwargs))

    def link(self) -> str:
        return reverse("hearings")

    def feed_url(self) -> str:
        return reverse("hearings-feed")

    def author_name(self) -> str:
        return "Vigil"

    def items(self) -> list[Hearing]:
        return upcoming(PUBLIC, timezone.localdate())

    def item_title(self, item: Hearing) -> str:
        where = f" ({item.item.court})" if item.item.court else ""
        return f"{item.date.isoformat()}: {item.item.case_name}{where}"

    def item_description(self, item: Hearing) -> str:
        return render_to_string("web/watch/_feed_hearing.html", {"h": item})

    def item_link(self, item: Hearing) -> str:
        return item.case_url or f"{reverse('hearings')}#hearing-{item.pk}"

    def item_guid(self, item: Hearing) -> str:
        # a postponed hearing is the same entry, updated: the run's first hearing
        return entry_id("hearing", str(item.origin))

    item_guid_is_permalink = False

    def item_updateddate(self, item: Hearing) -> dt.datetime:
        """When the hearing got its date, as far as the registry recorded it (its last
        postponement), else when its case last changed (stable between requests)."""
        return (
            item.modified
            or item.case_updated
            or dt.datetime.combine(item.date, dt.time(), tzinfo=dt.UTC)
        )


def calendar_bytes(items: list[Hearing], host: str, base: str, now: dt.datetime) -> bytes:
    """The hearings as an iCalendar (RFC 5545) of all-day events, one per hearing:
    UID ``hearing-<first pk of its run>@<host>``, SEQUENCE the times it moved."""
    import icalendar

    cal = icalendar.Calendar()
    cal.add("prodid", "-//Vigil//hearings//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", str(CALENDAR_NAME))
    cal.add("x-wr-caldesc", _("Upcoming hearings of the public cases of the Vigil registry."))
    cal.add("x-published-ttl", "PT6H")
    stamp = now.astimezone(dt.UTC).replace(microsecond=0)
    for h in items:
        event = icalendar.Event()
        event.add("uid", f"hearing-{h.origin}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", h.date)
        event.add("dtend", h.date + dt.timedelta(days=1))
        event.add("sequence", h.sequence)
        if h.modified is not None:
            event.add("last-modified", h.modified.astimezone(dt.UTC).replace(microsecond=0))
        u = h.item
        # Translators: a calendar event's title; %(case)s is the case's name.
        event.add("summary", _("Hearing: %(case)s") % {"case": u.case_name})
        if u.court:
            event.add("location", u.court)
        url = base + (h.case_url or f"{reverse('hearings')}#hearing-{h.pk}")
        event.add("url", url)
        event.add("description", f"{u.title}. {u.summary}\n{url}".replace(". \n", ".\n"))
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return bytes(cal.to_ical())


@require_safe
def hearings_calendar(request: HttpRequest) -> HttpResponse:
    """The upcoming public hearings as an iCalendar feed (subscribe by its address)."""
    items = upcoming(PUBLIC, timezone.localdate())
    data = calendar_bytes(items, request.get_host(), base_url(request), timezone.now())
    response = HttpResponse(data, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="vigil-hearings.ics"'
    return _public_cache(response)


urlpatterns = [
    path("alerts/", alerts_page, name="alerts"),
    path("alerts/<int:pk>/", alert_page, name="alert"),
    # the feeds answer GET and HEAD only, as every page (require_safe)
    path("alerts/territory.atom", require_safe(AlertFeed()), name="alerts-territory-feed"),
    path("alerts/cases.atom", require_safe(CasesFeed()), name="alerts-cases-feed"),
    path("hearings/", hearings_page, name="hearings"),
    path("hearings/feed.atom", require_safe(HearingsFeed()), name="hearings-feed"),
    path("hearings/calendar.ics", hearings_calendar, name="hearings-calendar"),
]
