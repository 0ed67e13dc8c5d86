"""Public pages of the cases registry: the list of political prisoners (HTML, or CSV
with ``?format=csv``), a page per person and per case, and the counts over time (chart
and CSV).

Every count of political prisoners is :func:`vigil.cases.stats.counted` (defendants or
people on a published list or designated, in custody or under house arrest on the
date); the list shows each person's role in cases and whether they are counted. Every
page's footer credits the registry (:func:`footer`: the lists and designations it rests
on, the day it last changed), not the territory's method.

Every view reads the registry as the request's :class:`~vigil.cases.policy.Actor`
(public for an anonymous reader, more for a signed-in team member), never at a level
taken from the query; :mod:`vigil.cases.policy` filters, the templates only render
plain values they are given. An unknown ref and a record the reader may not see get
the same 404 (no existence oracle). A bad filter renders the page with a message
naming the parameter (status 400), never a 500.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import pandas as pd
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from vigil import i18n
from vigil.cases import policy
from vigil.cases.policy import Actor
from vigil.cases.vocab import CaseRole, Custody, StatusKind
from vigil.dates import parse_date
from vigil.errors import InputError, VigilError
from vigil.i18n import gettext as _
from vigil.i18n import gettext_lazy, ngettext, pgettext, pgettext_lazy
from vigil.web import cache as web_cache
from vigil.web import errors, pages
from vigil.web import render as web_render
from vigil.web.pages import Problem

ERROR_STATUS = 400
PER_PAGE = 50
SEARCH_LIMIT = 500
STATUSES = tuple(dict.fromkeys(("deprived", *Custody.values, *StatusKind.values)))
FREQS = ("day", "week", "month", "year")
GROUPS = ("organisation", "none", "charge", "status")
CHART_FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
#: The chart's width in inches: ``size=narrow`` for phones (the page asks for it below
#: 600 px), so that its text stays legible at 390 px.
CHART_SIZES = {"wide": 9.0, "narrow": 4.8}
CACHE_SECONDS = 300
ROLES = tuple(CaseRole.values)
#: A status (a kind of event, or the liberty it leaves) as the pages show it: the value
#: with spaces (``house arrest``). The CSV keeps the English words.
STATUS_LABELS = {
    "deprived": pgettext_lazy("status", "deprived"),
    "held": pgettext_lazy("status", "held"),
    "house_arrest": pgettext_lazy("status", "house arrest"),
    "free": pgettext_lazy("status", "free"),
    "dead": pgettext_lazy("status", "dead"),
    "detained": pgettext_lazy("status", "detained"),
    "arrested": pgettext_lazy("status", "arrested"),
    "released_pending_trial": pgettext_lazy("status", "released pending trial"),
    "convicted": pgettext_lazy("status", "convicted"),
    "sentenced": pgettext_lazy("status", "sentenced"),
    "transferred": pgettext_lazy("status", "transferred"),
    "released": pgettext_lazy("status", "released"),
    "pardoned": pgettext_lazy("status", "pardoned"),
    "amnestied": pgettext_lazy("status", "amnestied"),
    "acquitted": pgettext_lazy("status", "acquitted"),
    "sentence_served": pgettext_lazy("status", "sentence served"),
    "exiled": pgettext_lazy("status", "exiled"),
    "died_in_custody": pgettext_lazy("status", "died in custody"),
    "died": pgettext_lazy("status", "died"),
}
#: The list as a download: ``?format=csv``. The file starts with a byte-order mark, so
#: that Excel reads its UTF-8 names (Rəşad, Рашад) right; LibreOffice, pandas
#: (``encoding="utf-8-sig"``) and Python's csv module with ``utf-8-sig`` read it too.
LIST_FORMATS = ("html", "csv")
BOM = "\ufeff"
#: The CSV's columns, as the table shows them (``matched`` only with a name search).
LIST_COLUMNS = (
    "name",
    "matched",
    "role",
    "status",
    "since",
    "counted",
    "organisations",
    "charges",
    "ref",
)


# -- the reader ---------------------------------------------------------------------------
def reader_level(request: HttpRequest) -> Actor:
    """Who reads on this request: from the signed-in user's roles, only (an
    :class:`~vigil.cases.policy.Actor`, accepted wherever a level is)."""
    from vigil.web.editors.auth import actor

    return actor(request)


def _private(response: HttpResponse, level: Actor) -> HttpResponse:
    """What a team member sees must never sit in a shared cache."""
    patch_vary_headers(response, ("Cookie",))
    if not policy.is_public(level):
        response["Cache-Control"] = "private, no-store"
    return response


def footer(level: Actor) -> dict[str, Any]:
    """What every registry page's footer credits, at the reader's level: the lists and
    designations the registry rests on (their publishers and dates), the number of
    sources it cites, the day it last changed (:func:`vigil.cases.stats.credit`), and
    the rule of its counts. Helper pages include ``web/cases/_footer.html`` with this
    as ``registry_credit``."""
    from vigil.cases import stats

    return {**stats.credit(level).as_dict(), "rule": stats.RULE}


def _page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    level: Actor,
    status: int = 200,
) -> HttpResponse:
    context = {
        "section": "prisoners",
        "reader_level": level.level.label,
        "registry_credit": footer(level),
        **context,
    }
    return _private(render(request, template, context, status=status), level)


def not_found(request: HttpRequest, level: Actor) -> HttpResponse:
    """The one 404 for an unknown ref and a record above the reader's level."""
    return _page(request, "web/cases/not_found.html", {}, level, status=404)


def _message(exc: Exception) -> str:
    return " ".join(str(exc).split())


def status_label(value: object) -> str:
    """A status value as a page shows it, in the reader's language (``house arrest``)."""
    text = str(value or "")
    label = STATUS_LABELS.get(text)
    return str(label) if label is not None else text.replace("_", " ")


def _expected(parameter: str, shown: str, value: str) -> str:
    """``status: expected one of a, b, got 'x'``."""
    # Translators: %(values)s lists the values accepted; %(value)s is the one given.
    message = _("expected one of %(values)s, got %(value)s") % {"values": shown, "value": value}
    return f"{parameter}: {message}"


# -- query parameters ---------------------------------------------------------------------
def _date(value: str, parameter: str, problems: list[Problem]) -> dt.date | None:
    """``value`` as a day (:func:`vigil.dates.parse_date`), or None with a problem."""
    if not value:
        return None
    try:
        return parse_date(value, parameter)
    except InputError as exc:
        problems.append(Problem.of(exc))
        return None


def _choice(
    value: str, parameter: str, allowed: Iterable[str], problems: list[Problem]
) -> str | None:
    allowed = list(allowed)
    if not value:
        return None
    if value in allowed:
        return value
    if len(allowed) <= 30:
        shown = ", ".join(allowed)
    else:
        n = len(allowed)
        shown = ngettext("%(n)d value listed", "%(n)d values listed", n) % {"n": n}
    problems.append(Problem(parameter, _expected(parameter, shown, repr(value))))
    return None


def _page_number(value: str, problems: list[Problem]) -> int:
    if not value:
        return 1
    if value.isdigit() and 0 < int(value) < 10**6:
        return int(value)
    message = _("expected a page number, got %(value)s") % {"value": repr(value)}
    problems.append(Problem("page", f"page: {message}"))
    return 1


# -- what the filters offer (all at the reader's level) -----------------------------------
def organisations(level: Actor) -> list[dict[str, str]]:
    from vigil.cases.models import Organisation

    rows = policy.visible(Organisation, level).order_by("key", "id")
    return [{"value": o.ref or o.name, "label": str(o), "name": o.name} for o in rows]


def designators(level: Actor) -> list[dict[str, str]]:
    """Organisations that designate someone visible as a political prisoner."""
    from vigil.cases.models import Designation, Organisation

    designating = policy.visible(Designation, level).values("organisation_id")
    rows = policy.visible(Organisation, level).filter(id__in=designating).order_by("key", "id")
    return [{"value": o.ref or o.name, "label": str(o), "name": o.name} for o in rows]


def articles(level: Actor) -> list[dict[str, str]]:
    """Articles of the cases the reader may see (with the articles field visible)."""
    from vigil.cases.models import Case

    seen: dict[str, str] = {}
    cases = policy.visible(Case, level).prefetch_related("articles")
    for c in cases:
        if not policy.shows(c, "articles", level):
            continue
        for a in c.articles.all():
            seen.setdefault(f"{a.code} {a.article}".strip(), _article_label(a))
    return [{"value": k, "label": v} for k, v in sorted(seen.items())]


def _article_label(a: Any) -> str:
    text = f"{a.code} {a.article}".strip()
    return f"{text} ({a.title})" if a.title else text


def releases(level: Actor) -> list[dict[str, str]]:
    from vigil.cases.models import ListRelease

    rows = (
        policy.visible(ListRelease, level)
        .select_related("organisation")
        .order_by("-published", "id")
    )
    return [
        {"value": r.ref, "label": f"{r.organisation} {r.published}: {r.title}".strip(": ")}
        for r in rows
        if r.ref
    ]


def resolve_organisation(
    text: str, parameter: str, level: Actor, offered: list[dict[str, str]]
) -> tuple[str | None, Problem | None]:
    """The organisation among ``offered`` that ``text`` names (its value: ref, else
    name): the value itself, else :func:`vigil.cases.search.find_organisations` at the
    reader's level (a name or short name in any script or spelling, an abbreviation
    such as "ИХММ" for İHMM). Several close matches, or none, are a problem naming the
    parameter (what the reader may not see is never a candidate: the same answer as
    for a name that does not exist)."""
    from vigil.cases import search

    text = text.strip()[:200]
    if not text:
        return None, None
    values = {o["value"] for o in offered}
    if text in values:
        return text, None
    try:
        hits = search.find_organisations(text, level, limit=20)
    except VigilError:
        hits = []
    hits = [h for h in hits if (h["ref"] or h["name"]) in values]
    if hits:
        close = [h for h in hits if h["score"] >= hits[0]["score"] - 5]
        if len(close) == 1:
            return close[0]["ref"] or close[0]["name"], None
        names = "; ".join(
            f"{h['name']}" + (f" ({h['short_name']})" if h["short_name"] else "") for h in close
        )
        # Translators: %(text)s is what the reader typed; %(names)s the organisations' names.
        message = _("%(text)s names several organisations: %(names)s; choose one") % {
            "text": repr(text),
            "names": names,
        }
        return None, Problem(parameter, f"{parameter}: {message}")
    if parameter == "organisation":
        message = _("no organisation %(text)s (a name, short name or abbreviation)")
    else:
        message = _("no organisation that designates %(text)s (a name, short name or abbreviation)")
    return None, Problem(parameter, f"{parameter}: {message % {'text': repr(text)}}")


@dataclass
class ListQuery:
    q: str = ""
    on: dt.date | None = None
    status: str | None = None
    organisation: str | None = None
    charge: str | None = None
    designation: str | None = None
    release: str | None = None
    role: str | None = None
    counted: bool = False
    page: int = 1

    def params(self, **changes: Any) -> str:
        values = {
            "q": self.q,
            "on": self.on.isoformat() if self.on else "",
            "status": self.status or "",
            "organisation": self.organisation or "",
            "charge": self.charge or "",
            "designation": self.designation or "",
            "release": self.release or "",
            "role": self.role or "",
            "counted": "1" if self.counted else "",
            "page": "" if self.page == 1 else str(self.page),
        }
        values.update({k: str(v) for k, v in changes.items()})
        return urlencode({k: v for k, v in values.items() if v and (k != "page" or v != "1")})

    def filtered(self) -> bool:
        return any(
            [
                self.q,
                self.on,
                self.status,
                self.organisation,
                self.charge,
                self.designation,
                self.release,
                self.role,
                self.counted,
            ]
        )


def _flag(value: str, parameter: str, problems: list[Problem]) -> bool:
    text = value.strip().lower()
    if text in ("", "0", "no", "false", "off"):
        return False
    if text in ("1", "yes", "true", "on"):
        return True
    message = _("expected 1 or 0, got %(value)s") % {"value": repr(value)}
    problems.append(Problem(parameter, f"{parameter}: {message}"))
    return False


def list_query(
    get: Any, level: Actor, options: dict[str, list[dict[str, str]]]
) -> tuple[ListQuery, list[Problem]]:
    """The list's filters from the query, each checked against what the reader may
    see (an organisation, article or release the reader cannot see is the same
    "not one of these" as one that does not exist). ``organisation`` and
    ``designation`` take a ref, a name, a short name or an abbreviation, in any
    script (:func:`resolve_organisation`)."""
    problems: list[Problem] = []
    query = ListQuery()
    query.q = get.get("q", "").strip()[:200]
    query.on = _date(get.get("on", ""), "on", problems)
    query.status = _choice(get.get("status", "").strip(), "status", STATUSES, problems)
    query.role = _choice(get.get("role", "").strip(), "role", ROLES, problems)
    query.counted = _flag(get.get("counted", ""), "counted", problems)
    for name, key in (("organisation", "organisations"), ("designation", "designators")):
        value, problem = resolve_organisation(get.get(name, ""), name, level, options[key])
        setattr(query, name, value)
        if problem is not None:
            problems.append(problem)
    for name, key in (("charge", "articles"), ("release", "releases")):
        allowed = [o["value"] for o in options[key]]
        setattr(query, name, _choice(get.get(name, "").strip(), name, allowed, problems))
    query.page = _page_number(get.get("page", "").strip(), problems)
    return query, problems


def roles_by_ref(level: Actor) -> dict[str, list[str]]:
    """Each visible person's roles in the visible cases (defendant, lawyer, …), in the
    vocabulary's order, by ref."""
    from vigil.cases.models import CaseParticipant

    rows = (
        policy.visible(CaseParticipant, level)
        .filter(person__merged_into__isnull=True)
        .values_list("person__ref", "role")
    )
    out: dict[str, set[str]] = {}
    for ref, role in rows:
        out.setdefault(ref, set()).add(role)
    return {ref: [r for r in ROLES if r in roles] for ref, roles in out.items()}


def counted_refs(level: Actor, on: dt.date) -> set[str]:
    """Refs of the people counted as political prisoners on ``on``
    (:func:`vigil.cases.stats.counted_on`: the one rule)."""
    from vigil.cases import stats

    ids = stats.counted_on(level, on)
    return set(policy.people(level).filter(id__in=ids).values_list("ref", flat=True))


def people(query: ListQuery, level: Actor, problems: list[Problem]) -> pd.DataFrame:
    """The list at ``level``: filtered, then (with ``q``) only the people whose names
    match, best match first. Besides the registry's columns: ``role`` (the person's
    roles in cases) and ``counted`` (a political prisoner on the date, by the rule)."""
    from vigil.cases import registry

    try:
        frame = registry.list_people(
            level,
            on=query.on,
            status=query.status,
            organisation_key=query.organisation,
            charge=query.charge,
            designation=query.designation,
            release_key=query.release,
        )
    except VigilError as exc:
        problems.append(Problem("", _message(exc)))
        frame = registry.list_people(level, on=query.on)
    roles = roles_by_ref(level)
    frame["role"] = frame["ref"].map(lambda ref: ", ".join(roles.get(ref, []))).astype(object)
    frame["counted"] = frame["ref"].isin(counted_refs(level, query.on or dt.date.today()))
    if query.role:
        has_role = frame["ref"].map(lambda ref: query.role in roles.get(ref, []))
        frame = frame.loc[has_role.astype(bool)]
    if query.counted:
        frame = frame.loc[frame["counted"].astype(bool)]
    if query.q:
        try:
            hits = registry.find(query.q, level, limit=SEARCH_LIMIT)
        except VigilError as exc:
            problems.append(Problem("q", f"q: {_message(exc)}"))
            return frame.reset_index(drop=True)
        order = {ref: i for i, ref in enumerate(hits["ref"])}
        matched = dict(zip(hits["ref"], hits["matched"], strict=True))
        frame = frame[frame["ref"].isin(order)].copy()
        frame["matched"] = frame["ref"].map(matched)
        frame = frame.sort_values("ref", key=lambda s: s.map(order), kind="stable")
    return frame.reset_index(drop=True)


def duplicate_note(level: Actor, refs: Iterable[str]) -> list[tuple[str, str]]:
    """Pairs among the people ``refs`` that the duplicate finder proposes as one person
    recorded twice, not merged yet (cached per level and registry version: the finder
    reads every name)."""
    from vigil.cases import merge

    wanted = set(refs)
    if len(wanted) < 2:
        return []

    def make() -> list[tuple[str, str]]:
        pairs = merge.duplicates(level)
        return [(str(a), str(b)) for a, b in zip(pairs["ref_a"], pairs["ref_b"], strict=True)]

    key = web_cache.key("cases-duplicates", (level.level.value, registry_version()))
    pairs = web_cache.memo(key, make, timeout=CACHE_SECONDS)
    return [(a, b) for a, b in pairs if a in wanted and b in wanted]


def _row(r: dict[str, Any]) -> dict[str, Any]:
    """A row of the list as the page shows it (its CSV: :func:`list_csv`)."""
    roles = str(r.get("role") or "")
    return {
        **r,
        # the roles in the reader's language; the CSV keeps the values (role_value)
        "role": ", ".join(_role_label(x) for x in roles.split(", ")) if roles else roles,
        "role_value": roles,
        "status_label": status_label(r["status"]),
        "counted_label": pgettext("counted", "yes") if r["counted"] else pgettext("counted", "no"),
    }


def list_csv(rows: list[dict[str, Any]], with_matched: bool) -> str:
    """The list's rows as CSV (every page of it), with the page's columns: the status
    as shown ("house arrest"), ``counted`` yes or no; a byte-order mark first (Excel)."""
    from vigil.output import write_csv

    columns = [c for c in LIST_COLUMNS if with_matched or c != "matched"]
    # the file is language-neutral: the status and counted in English, whatever the page's
    neutral = [
        {
            **r,
            "status": str(r["status"]).replace("_", " "),
            "counted": "yes" if r["counted"] else "no",
            "role": r.get("role_value", r.get("role")),
        }
        for r in rows
    ]
    cells = ([r.get(c) or "" for c in columns] for r in neutral)
    return BOM + write_csv(columns, cells, lineterminator="\r\n")


# -- the list ------------------------------------------------------------------------------
@require_safe
def prisoners_page(request: HttpRequest) -> HttpResponse:
    """Searchable, filterable, paginated list of the people the reader may see, with
    each one's role in cases and whether they are counted as a political prisoner on
    the date; ``?format=csv`` gives every row of the filtered list as a file."""
    level = reader_level(request)
    options = {
        "organisations": organisations(level),
        "articles": articles(level),
        "designators": designators(level),
        "releases": releases(level),
    }
    query, problems = list_query(request.GET, level, options)
    fmt = _choice(request.GET.get("format", "").strip().lower(), "format", LIST_FORMATS, problems)
    frame = people(query, level, problems)
    records = [_row({str(k): v for k, v in r.items()}) for r in frame.to_dict(orient="records")]
    if fmt == "csv" and not problems:
        return _list_download(records, bool(query.q), query, level)
    paginator = Paginator(records, PER_PAGE)
    if query.page > paginator.num_pages:
        n = paginator.num_pages
        message = ngettext(
            "there is %(n)d page, not %(page)d", "there are %(n)d pages, not %(page)d", n
        ) % {"n": n, "page": query.page}
        problems.append(Problem("page", f"page: {message}"))
        query.page = 1
    page = paginator.get_page(query.page)
    on = query.on or dt.date.today()
    prisoners = [r["ref"] for r in records if r["counted"]]
    context = {
        "problems": problems,
        "query": query,
        "on": on,
        "options": options,
        "organisation_label": _label(options["organisations"], query.organisation),
        "designation_label": _label(options["designators"], query.designation),
        "statuses": [{"value": s, "label": status_label(s)} for s in STATUSES],
        "roles": [{"value": r, "label": str(CaseRole(r).label)} for r in ROLES],
        "rows": page.object_list,
        "page": page,
        "total": paginator.count,
        "prisoners": len(prisoners),
        "rule": _rule(),
        "duplicates": duplicate_note(level, prisoners),
        "previous_url": f"?{query.params(page=page.number - 1)}" if page.has_previous() else "",
        "next_url": f"?{query.params(page=page.number + 1)}" if page.has_next() else "",
        "counted_url": f"?{query.params(counted=1, page=1)}",
        "csv_url": f"?{query.params(page=1, format='csv')}",
        "filtered": query.filtered(),
    }
    status = ERROR_STATUS if problems else 200
    return _page(request, "web/cases/list.html", context, level, status)


def _grounds(level: Actor) -> set[int]:
    from vigil.cases import stats

    return stats.grounds(level)


def _role_label(role: str) -> str:
    try:
        return str(CaseRole(role).label)
    except ValueError:
        return role


def _rule() -> str:
    from vigil.cases import stats

    return stats.RULE


def _label(offered: list[dict[str, str]], value: str | None) -> str:
    """What the organisation field shows for a resolved value (its short name or name)."""
    return next((o["label"] for o in offered if o["value"] == value), "")


def _list_download(
    records: list[dict[str, Any]], with_matched: bool, query: ListQuery, level: Actor
) -> HttpResponse:
    on = (query.on or dt.date.today()).isoformat()
    name = f"vigil-prisoners-{on}.csv"
    response = web_render.csv_download(list_csv(records, with_matched), name)
    return _download_cache(response, level)


# -- a person ------------------------------------------------------------------------------
def visible_person(ref: str, level: Actor) -> Any:
    """The person with this exact ref whom ``level`` may see (None otherwise); a merged
    record gives the person it was merged into, when that one is visible too."""
    from vigil.cases.models import Person

    return policy.resolve_merged(policy.visible(Person, level).filter(ref=ref).first(), level)


def safe_url(url: str) -> str:
    """A source's address as a link only when it is http(s) (never javascript: …)."""
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return ""
    return url if scheme in ("http", "https") else ""


def _source(s: Any) -> dict[str, str]:
    return {
        "ref": s.ref or "",
        "title": s.title or s.file_name or s.url or s.ref or "",
        "url": safe_url(s.url),
        "publisher": s.publisher,
        "published": str(s.published or ""),
    }


def person_sources(p: Any, level: Actor) -> list[dict[str, str]]:
    """Sources of what the reader sees of this person: events, designations, lists and
    the cases' sources (each source at or below the reader's level)."""
    from vigil.cases import models as m

    events = policy.visible(m.StatusEvent.objects.filter(person=p), level)
    if not policy.shows_withdrawn(level):
        events = events.exclude(id__in=policy.withdrawn(level))
    cases = [
        c
        for c in policy.visible(m.Case, level).filter(
            id__in=policy.visible(m.CaseParticipant.objects.filter(person=p), level).values(
                "case_id"
            )
        )
        if policy.shows(c, "sources", level)
    ]
    designations = policy.visible(m.Designation.objects.filter(person=p), level)
    entries = policy.visible(m.ListEntry.objects.filter(person=p), level)
    sources = policy.visible(m.Source, level).filter(
        Q(events__in=events)
        | Q(cases__in=cases)
        | Q(designation__in=designations)
        | Q(listrelease__in=entries.values("release_id"))
    )
    return [_source(s) for s in sources.distinct().order_by("published", "ref", "id")]


def _lang(tag: str) -> str:
    """A BCP 47 tag for a ``lang`` attribute (the data's tag when well formed)."""
    text = (tag or "").strip()
    ok = text and len(text) <= 35 and all(part.isalnum() for part in text.split("-"))
    return text if ok else ""


@require_safe
def person_page(request: HttpRequest, ref: str) -> HttpResponse:
    """A person's names, status, timeline, cases, designations, lists and sources."""
    from vigil.cases import registry

    level = reader_level(request)
    found = visible_person(ref, level)
    if found is None:
        return not_found(request, level)
    if found.ref != ref:  # a merged record: its ref finds the person it was merged into
        return redirect("cases-person", ref=found.ref)
    try:
        record = registry.show(found.ref, level)
        timeline = registry.timeline(found.ref, level)
    except VigilError:
        return not_found(request, level)
    for n in record["names"]:
        n["lang"] = _lang(n["language"])
    # the heading: the person's name in the reader's script when there is one
    shown = registry.display_names(
        level, pd.DataFrame([{"person_id": 0, "key": "", **n} for n in record["names"]])
    )
    if len(shown):
        record["name"] = shown["name"].iloc[0]
    # a case field the reader may not see is absent from the record; the page shows it
    # as not there (the template reads every key)
    record["cases"] = [{"number": "", "title": "", **c} for c in record["cases"]]
    fields = [
        (label, record[key])
        for key, label in (
            ("sex", _("Sex")),
            ("birth_date", _("Born")),
            ("occupation", _("Occupation")),
            ("notes", _("Notes (internal)")),
            ("contacts", _("Contacts (restricted)")),
        )
        if record.get(key)
    ]
    for c in record["cases"]:
        c["role_label"] = _role_label(c.get("role", ""))
    today = dt.date.today()
    context = {
        "person": record,
        "status_label": status_label((record.get("status") or {}).get("kind", "")),
        "counted": counted_refs(level, today) >= {found.ref},
        "counted_on": today,
        "grounds": found.id in _grounds(level),
        "rule": _rule(),
        "fields": fields,
        "timeline": timeline.to_dict(orient="records"),
        "sources": person_sources(found, level),
    }
    return _page(request, "web/cases/person.html", context, level)


# -- a case --------------------------------------------------------------------------------
def names_of(person_ids: Iterable[int], level: Actor) -> dict[int, str]:
    """Display names of these people, at ``level``, in the reader's script when they
    have one (:func:`vigil.cases.registry.display_names`)."""
    from vigil.cases import registry
    from vigil.cases.models import PersonName

    fields = ("person_id", "name", "kind", "language")
    rows = (
        policy.visible(PersonName.objects.filter(person_id__in=list(person_ids)), level)
        .order_by("id")
        .values_list(*fields)
    )
    frame = pd.DataFrame(list(rows), columns=list(fields)).assign(key="")
    shown = registry.display_names(level, frame)["name"]
    return {int(str(k)): str(v) for k, v in shown.items()}


def case_record(c: Any, level: Actor) -> dict[str, Any]:
    """What ``level`` may see of a case: its fields, courts, articles, sources and the
    visible people in it by role."""
    from vigil.cases.models import CaseParticipant

    out: dict[str, Any] = {"ref": c.ref}
    fields = ("number", "title", "kind", "country", "opened", "summary", "lawyer_notes")
    for name, value in policy.fields(c, level, fields).items():
        out[name] = str(value) if value is not None else ""
    out["courts"] = [str(x) for x in policy.related(c, "courts", level)]
    out["articles"] = [
        {"code": a.code, "article": a.article, "title": a.title, "label": _article_label(a)}
        for a in policy.related(c, "articles", level)
    ]
    sources = sorted(policy.related(c, "sources", level), key=lambda s: (str(s.published), s.id))
    out["sources"] = [_source(s) for s in sources]
    participants = list(
        policy.visible(CaseParticipant.objects.filter(case=c), level)
        .filter(person__merged_into__isnull=True)
        .select_related("person")
        .order_by("role", "id")
    )
    names = names_of((x.person_id for x in participants), level)
    out["people"] = [
        {"ref": x.person.ref, "name": names.get(x.person_id, x.person.ref or ""), "role": x.role}
        for x in participants
        if x.person.ref
    ]
    return out


PLURAL = {
    "defendant": gettext_lazy("Defendants"),
    "lawyer": gettext_lazy("Lawyers"),
    "judge": gettext_lazy("Judges"),
    "prosecutor": gettext_lazy("Prosecutors"),
    "witness": gettext_lazy("Witnesses"),
    "victim": gettext_lazy("Victims"),
}


def by_role(people: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A case's people grouped by role, in the vocabulary's order (defendants first),
    each group with its heading; defendants always (an empty group says so)."""
    groups = []
    for role in ROLES:
        members = [p for p in people if p["role"] == role]
        if members or role == CaseRole.DEFENDANT:
            heading = str(PLURAL.get(role, role))
            groups.append({"role": role, "heading": heading, "people": members})
    others = [p for p in people if p["role"] not in ROLES]
    if others:
        groups.append({"role": "other", "heading": _("Others"), "people": others})
    return groups


@require_safe
def case_page(request: HttpRequest, ref: str) -> HttpResponse:
    """A case: its hearings with the postponement chain, defendants and articles."""
    from vigil.cases.hearings import chain
    from vigil.cases.models import Case

    level = reader_level(request)
    found = policy.visible(Case, level).filter(ref=ref).first()
    if found is None:
        return not_found(request, level)
    problems: list[Problem] = []
    as_of = _date(request.GET.get("on", ""), "on", problems)
    result = chain(found.ref, level, as_of)
    # fields the reader may not see are absent from the record; the page reads them all
    fields = ("number", "title", "kind", "country", "opened", "summary", "lawyer_notes")
    record = {**dict.fromkeys(fields, ""), **case_record(found, level)}
    context = {
        "problems": problems,
        "case": record,
        "by_role": by_role(record["people"]),
        "chain": result,
        "hearings": result.hearings.to_dict(orient="records"),
    }
    status = ERROR_STATUS if problems else 200
    return _page(request, "web/cases/case.html", context, level, status)


# -- counts over time ----------------------------------------------------------------------
@dataclass(frozen=True)
class StatsQuery:
    start: dt.date | None = None
    end: dt.date | None = None
    freq: str = "month"
    by: str = "organisation"

    def params(self) -> str:
        values = {
            "from": self.start.isoformat() if self.start else "",
            "to": self.end.isoformat() if self.end else "",
            "freq": self.freq,
            "by": self.by,
        }
        return urlencode({k: v for k, v in values.items() if v})


def stats_query(get: Any) -> tuple[StatsQuery, list[Problem]]:
    problems: list[Problem] = []
    start = _date(get.get("from", ""), "from", problems)
    end = _date(get.get("to", ""), "to", problems)
    if start and end and end < start:
        problems.append(Problem("to", "to: " + pages.before_from(end, start)))
        start = end = None
    if start and start.year < 1900:
        # Translators: an ISO date.
        message = _("%(day)s is too early") % {"day": start}
        problems.append(Problem("from", f"from: {message}"))
        start = None
    if start and end and (end - start).days > 366 * 50:
        message = _("the span is longer than 50 years")
        problems.append(Problem("from", f"from: {message}"))
        start = None
    freq = _choice(get.get("freq", "").strip(), "freq", FREQS, problems) or "month"
    by = _choice(get.get("by", "").strip(), "by", GROUPS, problems) or "organisation"
    if freq == "day" and start and (end or dt.date.today()) - start > dt.timedelta(days=3660):
        message = _("day over more than ten years; use week or month")
        problems.append(Problem("freq", f"freq: {message}"))
        freq = "month"
    return StatsQuery(start, end, freq, by), problems


def registry_version() -> str:
    """Changes whenever the registry does (imports, edits, merges: each is audited;
    and what the counts read): part of every cache key."""
    from vigil.cases import models as m

    parts = [
        m.AuditEvent.objects.aggregate(n=Max("id"))["n"],
        m.StatusEvent.objects.aggregate(n=Max("id"), c=Count("id")),
        m.Affiliation.objects.aggregate(n=Max("id"), c=Count("id")),
        m.Person.objects.aggregate(u=Max("updated"), c=Count("id")),
        m.Organisation.objects.aggregate(n=Max("id"), c=Count("id")),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]


def _cached(kind: str, level: Actor, query: StatsQuery, make: Any) -> Any:
    """``make()`` cached per level, query, registry version and language: a team
    member's counts are never served to the public, and an edit makes a new key."""
    parts = (kind, level.level.value, query, registry_version(), i18n.active())
    return web_cache.memo(web_cache.key("cases-stats", parts), make, timeout=CACHE_SECONDS)


def stats_frame(query: StatsQuery, level: Actor) -> pd.DataFrame:
    from vigil.cases import stats

    def make() -> pd.DataFrame:
        return stats.held(
            level,
            date_from=query.start,
            date_to=query.end,
            freq=query.freq,
            by=stats.GroupBy(query.by),
        )

    return _cached("frame", level, query, make)


def _stats_error(problems: list[Problem]) -> HttpResponse:
    """The first problem as the site's one JSON error body (400)."""
    first = problems[0]
    return errors.error_response(400, first.parameter or None, first.message)


def _download(data: bytes | str, content_type: str, name: str, level: Actor) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return _download_cache(response, level)


def _download_cache(response: HttpResponse, level: Actor) -> HttpResponse:
    if policy.is_public(level):
        response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return _private(response, level)


@require_safe
def stats_page(request: HttpRequest) -> HttpResponse:
    """How many people were held on each date, by organisation: chart, table, CSV."""
    level = reader_level(request)
    query, problems = stats_query(request.GET)
    if problems:
        query = StatsQuery(
            query.start if not any(p.parameter == "from" for p in problems) else None,
            query.end if not any(p.parameter == "to" for p in problems) else None,
            query.freq,
            query.by,
        )
    try:
        frame = stats_frame(query, level)
    except VigilError as exc:
        problems.append(Problem("", _message(exc)))
        query = StatsQuery(by=query.by)
        frame = stats_frame(query, level)
    columns = [str(c) for c in frame.columns]
    rows = [
        [pd.Timestamp(r[0]).date().isoformat(), *(int(v) for v in r[1:])]
        for r in frame.itertuples(index=False)
    ]
    latest = rows[-1] if rows else None
    params = query.params()
    duplicates: list[tuple[str, str]] = []
    if latest and int(str(latest[1])) > 1:
        day = dt.date.fromisoformat(str(latest[0]))
        duplicates = duplicate_note(level, counted_refs(level, day))
    context = {
        "problems": problems,
        "query": query,
        "params": params,
        "freqs": FREQS,
        "groups": GROUPS,
        "columns": columns,
        "rows": rows,
        "latest": latest,
        "title": _chart_title(frame, query),
        "rule": _rule(),
        "duplicates": duplicates,
        "alt": _alt(columns, rows),
    }
    status = ERROR_STATUS if problems else 200
    return _page(request, "web/cases/stats.html", context, level, status)


def _chart_title(frame: pd.DataFrame, query: StatsQuery) -> str:
    from vigil.cases import stats

    return stats.chart_title(frame, query.by)


def _alt(columns: list[str], rows: list[list[Any]]) -> str:
    if not rows:
        return _("No one is recorded as held in this period.")
    last = rows[-1]
    groups = ", ".join(f"{c} {v}" for c, v in zip(columns[2:], last[2:], strict=True))
    values = {"rule": _rule(), "start": rows[0][0], "end": last[0], "n": last[1]}
    if groups:
        # Translators: the chart's text alternative; %(rule)s says who is counted, %(start)s
        # and %(end)s are ISO dates, %(n)s the number held on the last date, %(groups)s the
        # number by group ("İHMM 12, …").
        text = _(
            "Step chart of the number of political prisoners held (%(rule)s) from "
            "%(start)s to %(end)s; on %(end)s: %(n)s in all (%(groups)s)."
        )
        return text % {**values, "groups": groups}
    # Translators: the chart's text alternative; %(rule)s says who is counted, %(start)s
    # and %(end)s are ISO dates, %(n)s the number held on the last date, %(groups)s the
    # number by group ("İHMM 12, …").
    text = _(
        "Step chart of the number of political prisoners held (%(rule)s) from "
        "%(start)s to %(end)s; on %(end)s: %(n)s in all."
    )
    return text % values


@require_safe
def stats_chart(request: HttpRequest, ext: str) -> HttpResponse:
    """The counts as a PNG or SVG chart (cached per level, query and registry version)."""
    from vigil.cases import stats

    level = reader_level(request)
    if ext not in CHART_FORMATS:
        return not_found(request, level)
    asked = _stats_asked(request, level)
    if isinstance(asked, HttpResponse):
        return asked
    query, frame = asked
    problems: list[Problem] = []
    size = _choice(request.GET.get("size", "").strip(), "size", CHART_SIZES, problems)
    if problems:
        return _private(_stats_error(problems), level)
    width = CHART_SIZES[size or "wide"]
    title = _chart_title(frame, query)

    def make() -> bytes:
        return pages.draw(lambda path: stats.chart(frame, path, title=title, width=width), ext)

    data = _cached(f"chart.{ext}.{width}", level, query, make)
    return _download(data, CHART_FORMATS[ext], f"vigil-prisoners-held.{ext}", level)


@require_safe
def stats_data(request: HttpRequest) -> HttpResponse:
    """The counts as CSV: date, all, and one column per group."""
    level = reader_level(request)
    asked = _stats_asked(request, level)
    if isinstance(asked, HttpResponse):
        return asked
    _query, frame = asked
    csv = web_render.csv_download(
        web_render.table_csv(frame), "vigil-prisoners-held.csv", inline=True
    )
    return _download_cache(csv, level)


def _stats_asked(
    request: HttpRequest, level: Actor
) -> tuple[StatsQuery, pd.DataFrame] | HttpResponse:
    """The counts a chart or CSV request asks for, or the error answer (never cached
    publicly: it may name what the reader asked about)."""
    query, problems = stats_query(request.GET)
    if problems:
        return _private(_stats_error(problems), level)
    try:
        return query, stats_frame(query, level)
    except VigilError as exc:
        return _private(_stats_error([Problem("", _message(exc))]), level)


@require_safe
def incidents_page(request: HttpRequest) -> HttpResponse:
    """Incidents counted by heads (detentions at protests, raids, searches): per month,
    per place, and each one, between two optional dates."""
    from vigil.cases import incidents as inc

    level = reader_level(request)
    problems: list[Problem] = []
    start = _date(request.GET.get("from", ""), "from", problems)
    end = _date(request.GET.get("to", ""), "to", problems)
    if start and end and end < start:
        # Translators: two ISO dates.
        message = _("the start %(start)s is after the end %(end)s") % {"start": start, "end": end}
        problems.append(Problem("from", f"from: {message}"))
        start = end = None
    context = {
        "problems": problems,
        "start": start,
        "end": end,
        "by_month": inc.counts(level, "month", date_from=start, date_to=end),
        "by_place": inc.counts(level, "place", date_from=start, date_to=end),
        "incidents": inc.listing(level, date_from=start, date_to=end),
    }
    status = ERROR_STATUS if problems else 200
    return _page(request, "web/cases/incidents.html", context, level, status)


# The lead's vigil.web.urls includes these (stats before <ref>: "stats" is no person).
urlpatterns = [
    path("prisoners/", prisoners_page, name="cases-list"),
    path("prisoners/incidents/", incidents_page, name="cases-incidents"),
    path("prisoners/stats/", stats_page, name="cases-stats"),
    path("prisoners/stats/chart.<slug:ext>", stats_chart, name="cases-stats-chart"),
    path("prisoners/stats/data.csv", stats_data, name="cases-stats-data"),
    path("prisoners/<str:ref>/", person_page, name="cases-person"),
    path("cases/<str:ref>/", case_page, name="cases-case"),
]
