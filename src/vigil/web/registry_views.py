"""Public registry pages beyond a person and a case: the published lists, each release
and the difference between any two; indexes of cases and of organisations.

As the other public pages (:mod:`vigil.web.cases_views`), every view reads as the
request's :class:`~vigil.cases.policy.Actor` and every record and field it shows comes
through :mod:`vigil.cases.policy`: a record the reader may not see is absent (from a
table, a count, a filter's choices) and its address is the same 404 as an unknown one.
What a release holds and what changed between two is computed by
:mod:`vigil.cases.releases`, the functions behind ``vigil cases releases`` and
``vigil cases diff-release``. Each page and its ``?format=csv`` download hold the same
rows; a bad parameter is a 400 page (or, for a CSV, the site's one JSON error) naming
it, never a traceback.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlencode

import pandas as pd
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.views.decorators.http import require_safe

from vigil.cases import policy
from vigil.cases.names import fold
from vigil.cases.policy import Actor
from vigil.cases.stats import counted_on
from vigil.cases.vocab import DEPRIVED, CaseRole, HearingOutcome, OrganisationKind, RemovalReason
from vigil.errors import VigilError
from vigil.i18n import gettext as _
from vigil.i18n import ngettext, pgettext, pgettext_lazy
from vigil.output import write_csv
from vigil.web import cases_views, errors, pages
from vigil.web import render as web_render
from vigil.web.pages import Problem

ERROR_STATUS = 400
PER_PAGE = 50
MAX_QUERY = 200
CREDITS_SHOWN = 8  # source publishers named in a footer; more are "and N others"

#: A case's stage, from the hearings the reader may see.
CASE_STATUSES = {
    "verdict": pgettext_lazy("case stage", "verdict"),
    "in_court": pgettext_lazy("case stage", "in court"),
    "no_hearing": pgettext_lazy("case stage", "no hearing yet"),
}
#: An organisation's filter: whether any member is held (in custody or house arrest).
ORG_STATUSES = {
    "held": pgettext_lazy("organisation filter", "members held"),
    "none": pgettext_lazy("organisation filter", "no member held"),
}
HELD = {c.value for c in DEPRIVED}
CHANGE_LABELS = {
    "added": pgettext_lazy("list change", "added"),
    "removed": pgettext_lazy("list change", "removed"),
    "recategorised": pgettext_lazy("list change", "changed"),
}


# -- the reader and the answer ----------------------------------------------------------------
def reader_level(request: HttpRequest) -> Actor:
    """Who reads: from the signed-in user's roles only (never from the query)."""
    from vigil.web.editors.auth import actor

    return actor(request)


# The prisoner pages' own frame (vigil.web.cases_views): what a team member sees never
# sits in a shared cache; one 404 for unknown and hidden alike; the registry's credit
# (its last change, at the reader's level) for the footer.
_private = cases_views._private
not_found = cases_views.not_found
_page = cases_views._page


def _csv(text: str, name: str, level: Actor) -> HttpResponse:
    return _private(web_render.csv_download(text, name), level)


def _csv_error(problems: list[Problem], level: Actor) -> HttpResponse:
    first = problems[0]
    return _private(errors.error_response(400, first.parameter or None, first.message), level)


def _message(exc: Exception) -> str:
    return " ".join(str(exc).split())


# -- query parameters --------------------------------------------------------------------------
def _wants_csv(get: Any, problems: list[Problem]) -> bool:
    value = get.get("format", "").strip().lower()
    if value in ("", "html"):
        return False
    if value == "csv":
        return True
    message = _("expected csv (or nothing), got %(value)s") % {"value": repr(value)}
    problems.append(Problem("format", f"format: {message}"))
    return False


def _choice(get: Any, name: str, allowed: Iterable[str], problems: list[Problem]) -> str:
    value = get.get(name, "").strip()
    allowed = list(allowed)
    if not value or value in allowed:
        return value
    shown = ", ".join(allowed) if allowed else _("nothing yet")
    # Translators: %(values)s lists the values accepted; %(value)s is the one given.
    message = _("expected one of %(values)s, got %(value)s") % {
        "values": shown,
        "value": repr(value[:80]),
    }
    problems.append(Problem(name, f"{name}: {message}"))
    return ""


def _page_number(get: Any, problems: list[Problem]) -> int:
    value = get.get("page", "").strip()
    if not value:
        return 1
    if value.isdigit() and 0 < int(value) < 10**6:
        return int(value)
    message = _("expected a page number, got %(value)s") % {"value": repr(value[:40])}
    problems.append(Problem("page", f"page: {message}"))
    return 1


def _sort(get: Any, columns: Sequence[str], default: str, problems: list[Problem]) -> str:
    """``sort``: a column name, ``-`` in front for descending."""
    value = get.get("sort", "").strip()
    if not value:
        return default
    if value.removeprefix("-") in columns:
        return value
    shown = ", ".join(columns)
    # Translators: %(values)s lists the column names; %(value)s is the one given.
    message = _("expected one of %(values)s (- in front: descending), got %(value)s") % {
        "values": shown,
        "value": repr(value),
    }
    problems.append(Problem("sort", f"sort: {message}"))
    return default


def _words(text: str) -> list[str]:
    """The folded words of a text filter (any script, any spelling: names.fold)."""
    return fold(text).split()


def _matches(words: list[str], haystack: str) -> bool:
    return all(w in haystack for w in words)


@dataclass
class Index:
    """An index page's checked query: text filter, status, sort, page."""

    q: str = ""
    status: str = ""
    kind: str = ""
    sort: str = ""
    page: int = 1
    default_sort: str = ""

    def params(self, **changes: Any) -> str:
        values = {
            "q": self.q,
            "status": self.status,
            "kind": self.kind,
            "sort": "" if self.sort == self.default_sort else self.sort,
            "page": "" if self.page == 1 else str(self.page),
        }
        values.update({k: str(v) for k, v in changes.items()})
        return urlencode({k: v for k, v in values.items() if v and (k != "page" or v != "1")})

    def sort_url(self, column: str) -> str:
        """The address that sorts by ``column`` (the other way when already sorted by it)."""
        wanted = f"-{column}" if self.sort == column else column
        return "?" + self.params(sort=wanted, page=1)

    def heading(self, column: str, label: str) -> dict[str, str]:
        current = self.sort.removeprefix("-") == column
        order = "descending" if self.sort.startswith("-") else "ascending"
        return {
            "label": label,
            "url": self.sort_url(column),
            "aria_sort": order if current else "",
            "arrow": ("▼" if order == "descending" else "▲") if current else "",
        }


def _ordered(rows: list[dict[str, Any]], sort: str, keys: dict[str, Callable]) -> list[dict]:
    column = sort.removeprefix("-")
    return sorted(rows, key=keys[column], reverse=sort.startswith("-"))


class _Paged(Protocol):
    """A checked query that knows its page and its own address (:class:`Index`, the
    alerts page's query)."""

    page: int

    def params(self, **changes: Any) -> str: ...


def _paginate(rows: Sequence[Any], query: _Paged, problems: list[Problem]) -> tuple[Page, str, str]:
    paginator = Paginator(rows, PER_PAGE)
    if query.page > paginator.num_pages:
        n = paginator.num_pages
        message = ngettext(
            "there is %(n)d page, not %(page)d", "there are %(n)d pages, not %(page)d", n
        ) % {"n": n, "page": query.page}
        problems.append(Problem("page", f"page: {message}"))
        query.page = 1
    page = paginator.get_page(query.page)
    previous = f"?{query.params(page=page.number - 1)}" if page.has_previous() else ""
    following = f"?{query.params(page=page.number + 1)}" if page.has_next() else ""
    return page, previous, following


# -- what every page reads ----------------------------------------------------------------------


def org_key(o: Any) -> str:
    """How an organisation is named in an address: its ref, else its short name or name
    (both resolve through :func:`vigil.cases.registry.organisation`)."""
    return str(o.ref or o.short_name or o.name)


def find_organisation(key: str, level: Actor) -> Any | None:
    """The visible organisation an address names (its exact ref first), or None."""
    from vigil.cases import registry
    from vigil.cases.models import Organisation

    found = policy.visible(Organisation, level).filter(ref=key).first()
    if found is not None:
        return found
    try:
        return registry.organisation(key, level)
    except VigilError:
        return None


def names_of(level: Actor) -> dict[int, str]:
    from vigil.cases import registry

    return registry.primary_names(level)


def all_names(level: Actor) -> dict[int, str]:
    """Every visible name of each visible, unmerged person, folded, in one text (a
    filter finds a person by any of their names, in any script)."""
    from vigil.cases import search

    out: dict[int, list[str]] = {}
    for pid, key in search.visible_names(level).values_list("person_id", "key"):
        out.setdefault(pid, []).append(key)
    return {pid: " ".join(keys) for pid, keys in out.items()}


def custody_today(level: Actor) -> pd.DataFrame:
    """Each visible person's latest visible event today (kind, custody, stored)."""
    from vigil.cases.status import latest_on

    return latest_on(level, dt.date.today())


def _source(s: Any) -> dict[str, str]:
    from vigil.web.cases_views import safe_url

    return {
        "title": s.title or s.file_name or s.url or s.ref or "",
        "url": safe_url(s.url),
        "publisher": s.publisher,
        "published": str(s.published or ""),
    }


@dataclass
class Credits:
    """What a page's footer credits: the lists' publishers and the sources' publishers
    (all visible to the reader), and the registry's last change."""

    publishers: list[dict[str, str]] = field(default_factory=list)
    sources: list[dict[str, str]] = field(default_factory=list)
    others: list[str] = field(default_factory=list)

    def context(self) -> dict[str, Any]:
        shown = self.others[:CREDITS_SHOWN]
        return {
            "credit_publishers": self.publishers,
            "credit_sources": self.sources,
            "credit_others": shown,
            "credit_more": max(0, len(self.others) - len(shown)),
        }


def _publisher(o: Any) -> dict[str, str]:
    label = o.name if not o.short_name or o.short_name == o.name else f"{o.name} ({o.short_name})"
    return {"label": label, "url": reverse("registry-list", kwargs={"org": org_key(o)})}


def list_publishers(level: Actor) -> list[Any]:
    """Visible organisations with a visible list release, by name."""
    from vigil.cases.models import ListRelease, Organisation

    publishing = policy.visible(ListRelease, level).values("organisation_id")
    return list(policy.visible(Organisation, level).filter(id__in=publishing).order_by("key", "id"))


def case_source_publishers(cases: Iterable[Any], level: Actor) -> list[str]:
    """Publishers of the visible sources of these cases (where the reader may see a
    case's sources), most cited first."""
    counts: dict[str, int] = {}
    for c in cases:
        for s in policy.related(c, "sources", level):
            name = (s.publisher or "").strip()
            if name:
                counts[name] = counts.get(name, 0) + 1
    return sorted(counts, key=lambda n: (-counts[n], n))


# -- lists and releases -------------------------------------------------------------------------
@dataclass
class Release:
    """A release as a page shows it (counts at the reader's level, as the CLI's)."""

    obj: Any
    key: str
    ref: str
    title: str
    published: str
    entries: int
    added: int | None
    removed: int | None
    source: dict[str, str] | None
    previous: str = ""  # the key of the release before, in the same list


def release_key(r: Any) -> str:
    """How a release is named in an address: its ref, else its publication date."""
    return str(r.ref or r.published)


def list_releases(org: Any, level: Actor) -> list[Release]:
    """The visible releases of ``org``, oldest first, with their size and the change
    from the previous one: :func:`vigil.cases.releases.releases` (``vigil cases
    releases``), plus each release's visible source."""
    from vigil.cases import releases as rel
    from vigil.cases.models import ListRelease, Source

    objects = list(
        policy.visible(ListRelease.objects.filter(organisation=org), level).order_by(
            "published", "id"
        )
    )
    frame = rel.releases(org.ref or org.name, level)
    if len(frame) != len(objects) or list(frame["ref"]) != [o.ref for o in objects]:
        # registry.organisation(name) found another organisation: recount this one's
        frame = pd.DataFrame(
            [
                {"entries": len(rel.members(o, level)), "added": None, "removed": None}
                for o in objects
            ]
        )
    sources = {s.id: s for s in policy.visible(Source, level).filter(listrelease__in=objects)}
    out: list[Release] = []
    for o, row in zip(objects, frame.to_dict(orient="records"), strict=True):
        source = sources.get(o.source_id) if o.source_id else None
        out.append(
            Release(
                obj=o,
                key=release_key(o),
                ref=o.ref or "",
                title=o.title,
                published=str(o.published),
                entries=int(row["entries"]),
                added=None if pd.isna(row["added"]) else int(row["added"]),
                removed=None if pd.isna(row["removed"]) else int(row["removed"]),
                source=_source(source) if source is not None else None,
                previous=out[-1].key if out else "",
            )
        )
    return out


def _find_release(releases: list[Release], key: str) -> Release | None:
    """The release ``key`` names among a list's visible releases: its ref, else its
    publication date when only one release has it."""
    by_ref = [r for r in releases if r.ref and r.ref == key]
    if by_ref:
        return by_ref[0]
    by_date = [r for r in releases if r.published == key]
    return by_date[0] if len(by_date) == 1 else None


def _list_context(org: Any, level: Actor) -> dict[str, Any]:
    return {
        "org": {
            "key": org_key(org),
            "name": org.name,
            "short_name": org.short_name if org.short_name != org.name else "",
        },
    }


def _release_sources(releases: Iterable[Release]) -> list[dict[str, str]]:
    sources = [r.source for r in releases if r.source]
    return list({(s["title"], s["url"]): s for s in sources}.values())


def _release_credits(org: Any, releases: Iterable[Release]) -> Credits:
    return Credits(publishers=[_publisher(org)], sources=_release_sources(releases))


@require_safe
def lists_page(request: HttpRequest) -> HttpResponse:
    """Every published list the reader may see, each with its releases."""
    level = reader_level(request)
    lists = []
    all_releases: list[Release] = []
    for org in list_publishers(level):
        rels = list_releases(org, level)
        all_releases += rels
        lists.append({**_list_context(org, level), "releases": rels})
    credits = Credits(
        publishers=[_publisher(o) for o in list_publishers(level)],
        sources=_release_sources(all_releases),
    )
    context = {"lists": lists, **credits.context()}
    return _page(request, "web/registry/lists.html", context, level)


@require_safe
def list_page(request: HttpRequest, org: str) -> HttpResponse:
    """One publisher's list: its releases, with links to each and to the differences."""
    level = reader_level(request)
    found = find_organisation(org, level)
    rels = list_releases(found, level) if found is not None else []
    if found is None or not rels:
        return not_found(request, level)
    context = {
        **_list_context(found, level),
        "releases": rels,
        "latest": rels[-1],
        "previous": rels[-2] if len(rels) > 1 else None,
        **_release_credits(found, rels).context(),
    }
    return _page(request, "web/registry/list.html", context, level)


def release_rows(rel: Release, level: Actor) -> list[dict[str, Any]]:
    """The people on a release whom the reader may see there (one row each, in the
    list's order), with their status today: the same people as
    :func:`vigil.cases.releases.members` counts."""
    from vigil.cases import releases as rels
    from vigil.cases.models import Person
    from vigil.cases.status import date_texts

    members = rels.members(rel.obj, level)
    entries = (
        policy.visible(rel.obj.entries.all(), level)
        .order_by("position", "id")
        .values_list("person_id", "position", "category")
    )
    names = names_of(level)
    refs = dict(Person.objects.filter(id__in=members).values_list("id", "ref"))
    now = custody_today(level)
    since = date_texts(now["stored"]) if len(now) else now["stored"]
    rows: list[dict[str, Any]] = []
    seen: set[int] = set()
    for pid, position, category in entries:
        if pid in seen or pid not in members:
            continue
        seen.add(pid)
        has = pid in now.index
        rows.append(
            {
                "position": position,
                "ref": refs.get(pid) or "",
                "name": names.get(pid, ""),
                "category": category,
                "status": str(now.at[pid, "kind"]) if has else "",
                "custody": str(now.at[pid, "custody"]) if has else "",
                "since": str(since.at[pid]) if has else "",
            }
        )
    return rows


RELEASE_COLUMNS = ("position", "ref", "name", "category", "status", "custody", "since")


@require_safe
def release_page(request: HttpRequest, org: str, release: str) -> HttpResponse:
    """The people on one release, at the reader's level; ``?format=csv`` downloads them."""
    level = reader_level(request)
    problems: list[Problem] = []
    as_csv = _wants_csv(request.GET, problems)
    found = find_organisation(org, level)
    rels = list_releases(found, level) if found is not None else []
    current = _find_release(rels, release)
    if found is None or current is None:
        return not_found(request, level)
    rows = release_rows(current, level)
    if as_csv:
        text = write_csv(RELEASE_COLUMNS, ([r[c] for c in RELEASE_COLUMNS] for r in rows))
        return _csv(text, f"vigil-list-{current.key}.csv", level)
    index = rels.index(current)
    previous = rels[index - 1] if index > 0 else None
    following = rels[index + 1] if index + 1 < len(rels) else None
    context = {
        **_list_context(found, level),
        "problems": problems,
        "release": current,
        "rows": [{**r, "status_label": cases_views.status_label(r["status"])} for r in rows],
        "previous": previous,
        "following": following,
        **_release_credits(found, [current]).context(),
    }
    return _page(
        request,
        "web/registry/release.html",
        context,
        level,
        ERROR_STATUS if problems else 200,
    )


def _diff_release(
    rels: list[Release], name: str, default: Release | None, problems: list[Problem], get: Any
) -> Release | None:
    value = get.get(name, "").strip()
    if not value:
        return default
    found = _find_release(rels, value)
    if found is None:
        keys = ", ".join(r.key for r in rels)
        # Translators: %(value)s is the release asked for; %(keys)s the list's releases.
        message = _("no release %(value)s in this list (one of %(keys)s)") % {
            "value": repr(value[:80]),
            "keys": keys,
        }
        problems.append(Problem(name, f"{name}: {message}"))
        return default
    return found


DIFF_COLUMNS = ("change", "ref", "name", "reason", "evidence", "category_a", "category_b")


@require_safe
def diff_page(request: HttpRequest, org: str) -> HttpResponse:
    """Who was added to, removed from (and why) and moved within a list between two
    releases: :func:`vigil.cases.releases.diff`, as ``vigil cases diff-release``.
    Defaults: the previous release and the latest."""
    from vigil.cases import releases as rel

    level = reader_level(request)
    problems: list[Problem] = []
    as_csv = _wants_csv(request.GET, problems)
    found = find_organisation(org, level)
    rels = list_releases(found, level) if found is not None else []
    if found is None or not rels:
        return not_found(request, level)
    default_to = rels[-1]
    default_from = rels[-2] if len(rels) > 1 else None
    start = _diff_release(rels, "from", default_from, problems, request.GET)
    end = _diff_release(rels, "to", default_to, problems, request.GET)
    if start is not None and end is not None and start is end:
        # Translators: "from" is the name of a query parameter; %(release)s a release.
        message = _("%(release)s is also from; choose two different releases") % {
            "release": end.key
        }
        problems.append(Problem("to", f"to: {message}"))
        start, end = default_from, default_to
    swapped = False
    if start is not None and end is not None and rels.index(start) > rels.index(end):
        start, end, swapped = end, start, True  # as the CLI: the earlier one first
    frame = None
    if start is not None and end is not None:
        try:
            frame = rel.diff(_diff_key(found, start), _diff_key(found, end), level)
        except VigilError as exc:
            problems.append(Problem("", _message(exc)))
    if as_csv:
        if problems:
            return _csv_error(problems, level)
        if frame is None or start is None or end is None:
            message = _("this list has one release only")
            return _csv_error([Problem("from", f"from: {message}")], level)
        text = web_render.table_csv(frame[list(DIFF_COLUMNS)])
        return _csv(text, f"vigil-list-diff-{start.key}-{end.key}.csv", level)
    rows = [] if frame is None else frame.to_dict(orient="records")
    reasons = dict(RemovalReason.choices)
    for r in rows:
        r["ref"] = r["ref"] or ""
        r["change_label"] = str(CHANGE_LABELS.get(r["change"], r["change"]))
        r["reason_label"] = str(reasons.get(r["reason"], r["reason"])) if r["reason"] else ""
    counts = {c: sum(r["change"] == c for r in rows) for c in CHANGE_LABELS}
    context = {
        **_list_context(found, level),
        "problems": problems,
        "releases": rels,
        "start": start,
        "end": end,
        "swapped": swapped,
        "rows": rows,
        "groups": [
            {"change": c, "label": label, "rows": [r for r in rows if r["change"] == c]}
            for c, label in (
                ("added", pgettext("list change", "Added")),
                ("removed", pgettext("list change", "Removed")),
                ("recategorised", _("Changed (another section of the list)")),
            )
        ],
        "counts": counts,
        "csv_url": "?" + urlencode({"from": start.key, "to": end.key, "format": "csv"})
        if start is not None and end is not None
        else "",
        **_release_credits(found, [r for r in (start, end) if r is not None]).context(),
    }
    return _page(
        request, "web/registry/diff.html", context, level, ERROR_STATUS if problems else 200
    )


def _diff_key(org: Any, r: Release) -> str:
    """A key :func:`vigil.cases.registry.release` resolves to this release."""
    return r.ref or f"{org.ref or org.name}@{r.published}"


# -- the cases index ---------------------------------------------------------------------------
def case_rows(level: Actor, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Every case the reader may see: ref, number and title (when visible), courts,
    stage, next hearing, defendants (participants with the role defendant, each person
    once) and how many of them are held today.

    The next hearing follows :func:`vigil.cases.hearings.chain`: the earliest scheduled
    hearing on or after today, else the next date the last hearing set, when still
    ahead (tests check the two agree)."""
    from vigil.cases import models as m
    from vigil.cases.hearings import case_title

    today = today or dt.date.today()
    cases = list(policy.visible(m.Case, level).prefetch_related("courts").order_by("id"))
    courts = policy.visible_ids(m.Court, level)
    defendants: dict[int, set[int]] = {}
    participants = (
        policy.visible(m.CaseParticipant, level)
        .filter(role=CaseRole.DEFENDANT, person__merged_into__isnull=True)
        .values_list("case_id", "person_id")
    )
    for cid, pid in participants:
        defendants.setdefault(cid, set()).add(pid)
    now = custody_today(level)
    held = set(now.index[now["custody"].isin(HELD)]) if len(now) else set()
    hearings: dict[int, list[Any]] = {}
    for h in policy.visible(m.Hearing, level).order_by("case_id", "date", "id"):
        hearings.setdefault(h.case_id, []).append(h)
    names = all_names(level)
    rows = []
    for c in cases:
        shown = policy.fields(c, level, ("number", "title"))
        court_names = (
            [str(x) for x in c.courts.all() if x.id in courts]
            if policy.shows(c, "courts", level)
            else []
        )
        mine = hearings.get(c.id, [])
        people = defendants.get(c.id, set())
        nxt = _next_hearing(mine, today)
        rows.append(
            {
                "ref": c.ref or "",
                "number": shown.get("number", "") or "",
                "title": case_title(c, level),
                "courts": "; ".join(court_names),
                "status": _stage(mine),
                "next_hearing": str(nxt) if nxt else "",
                "next_day": nxt.earliest if nxt else None,
                "defendants": len(people),
                "held": len(people & held),
                "_names": " ".join(sorted(names.get(p, "") for p in people)),  # folded
            }
        )
    return rows


def _stage(hearings: list[Any]) -> str:
    outcomes = {h.outcome for h in hearings}
    if HearingOutcome.VERDICT in outcomes:
        return "verdict"
    return "in_court" if hearings else "no_hearing"


def _next_hearing(hearings: list[Any], today: dt.date) -> Any:
    upcoming = [
        h.date
        for h in hearings
        if h.outcome == HearingOutcome.SCHEDULED and h.date.earliest >= today
    ]
    if upcoming:
        return upcoming[0]
    past = [h for h in hearings if h.outcome != HearingOutcome.SCHEDULED]
    if past and past[-1].next_date and past[-1].next_date.latest >= today:
        return past[-1].next_date
    return None


CASE_SORTS: dict[str, Callable] = {
    "ref": lambda r: fold(r["ref"]),
    "title": lambda r: fold(r["title"]),
    "courts": lambda r: (not r["courts"], fold(r["courts"])),
    "status": lambda r: list(CASE_STATUSES).index(r["status"]),
    "next": lambda r: (r["next_day"] is None, r["next_day"] or dt.date.min),
    "defendants": lambda r: r["defendants"],
    "held": lambda r: r["held"],
}
CASE_COLUMNS = (
    "ref",
    "number",
    "title",
    "courts",
    "status",
    "next_hearing",
    "defendants",
    "held",
)


def filtered_cases(query: Index, level: Actor) -> list[dict[str, Any]]:
    """The cases index's rows for ``query`` (text in ref, number, title, courts and the
    defendants' names, in any script; a stage), sorted."""
    rows = case_rows(level)
    words = _words(query.q)
    if words:
        rows = [
            r
            for r in rows
            if _matches(
                words,
                fold(" ".join((r["ref"], r["number"], r["title"], r["courts"], r["_names"]))),
            )
        ]
    if query.status:
        rows = [r for r in rows if r["status"] == query.status]
    return _ordered(rows, query.sort, CASE_SORTS)


def _index_query(
    get: Any,
    statuses: Iterable[str],
    sorts: Iterable[str],
    default_sort: str,
    problems: list[Problem],
    kinds: Iterable[str] = (),
) -> Index:
    query = Index(default_sort=default_sort)
    query.q = get.get("q", "").strip()[:MAX_QUERY]
    query.status = _choice(get, "status", statuses, problems)
    if kinds:
        query.kind = _choice(get, "kind", kinds, problems)
    query.sort = _sort(get, list(sorts), default_sort, problems)
    query.page = _page_number(get, problems)
    return query


@require_safe
def cases_page(request: HttpRequest) -> HttpResponse:
    """Every case the reader may see, filtered, sorted, paginated; ``?format=csv``
    downloads the filtered rows (all pages)."""
    from vigil.cases.models import Case

    level = reader_level(request)
    problems: list[Problem] = []
    as_csv = _wants_csv(request.GET, problems)
    query = _index_query(request.GET, CASE_STATUSES, CASE_SORTS, "ref", problems)
    rows = filtered_cases(query, level)
    if as_csv:
        if problems:
            return _csv_error(problems, level)
        text = write_csv(CASE_COLUMNS, ([r[c] for c in CASE_COLUMNS] for r in rows))
        return _csv(text, "vigil-cases.csv", level)
    page, previous, following = _paginate(rows, query, problems)
    shown = [{**r, "status_label": str(CASE_STATUSES[r["status"]])} for r in page.object_list]
    cases = policy.visible(Case, level).filter(ref__in=[r["ref"] for r in rows])
    credits = Credits(
        publishers=[_publisher(o) for o in list_publishers(level)],
        others=case_source_publishers(cases, level),
    )
    headings = [
        query.heading(c, label)
        for c, label in (
            ("title", pgettext("column", "Case")),
            ("courts", pgettext("column", "Court")),
            ("status", pgettext("column", "Stage")),
            ("next", pgettext("column", "Next hearing")),
            ("defendants", pgettext("column", "Defendants")),
            ("held", pgettext("column", "Held")),
            # Translators: a record's reference, such as P-0042.
            ("ref", pgettext("column", "Ref")),
        )
    ]
    context = {
        "problems": problems,
        "query": query,
        "statuses": [{"value": k, "label": str(v)} for k, v in CASE_STATUSES.items()],
        "rows": shown,
        "page": page,
        "total": len(rows),
        "headings": headings,
        "previous_url": previous,
        "next_url": following,
        "csv_url": "?" + query.params(page=1, format="csv"),
        "filtered": bool(query.q or query.status),
        **credits.context(),
    }
    status = ERROR_STATUS if problems else 200
    return _page(request, "web/registry/cases.html", context, level, status)


# -- organisations ------------------------------------------------------------------------------
def organisation_rows(level: Actor) -> list[dict[str, Any]]:
    """Every organisation the reader may see: names, kind, members (people with a
    visible affiliation, each once), members counted as political prisoners today
    (:func:`vigil.cases.stats.counted_on`, as the prisoners list's heading counts), list
    releases published."""
    from vigil.cases import models as m

    orgs = list(policy.visible(m.Organisation, level).order_by("key", "id"))
    members: dict[int, set[int]] = {}
    affiliations = (
        policy.visible(m.Affiliation, level)
        .filter(person__merged_into__isnull=True)
        .values_list("organisation_id", "person_id")
    )
    for oid, pid in affiliations:
        members.setdefault(oid, set()).add(pid)
    # members counted as political prisoners today: the registry's one rule
    held = counted_on(level)
    releases: dict[int, int] = {}
    for oid in policy.visible(m.ListRelease, level).values_list("organisation_id", flat=True):
        releases[oid] = releases.get(oid, 0) + 1
    kinds = dict(OrganisationKind.choices)
    rows = []
    for o in orgs:
        people = members.get(o.id, set())
        rows.append(
            {
                "key": org_key(o),
                "ref": o.ref or "",
                "name": o.name,
                "short_name": o.short_name if o.short_name != o.name else "",
                "other_names": "; ".join(_other_names(o, level)),
                "kind": o.kind,
                "kind_label": str(kinds.get(o.kind, o.kind)),
                "country": o.country,
                "members": len(people),
                "held": len(people & held),
                "releases": releases.get(o.id, 0),
                "filter_key": o.ref or o.name,
                "_id": o.id,
            }
        )
    return rows


def _other_names(o: Any, level: Actor) -> list[str]:
    """Other written forms of an organisation's name the reader may see (when the
    registry records them)."""
    names = getattr(o, "names", None)
    if names is None or not hasattr(names, "all"):
        return []
    seen = [str(getattr(n, "name", n)) for n in policy.visible(names.all(), level)]
    return [n for n in dict.fromkeys(seen) if n not in (o.name, o.short_name)]


ORG_SORTS: dict[str, Callable] = {
    "name": lambda r: fold(r["name"]),
    "short": lambda r: (not r["short_name"], fold(r["short_name"])),
    "kind": lambda r: r["kind_label"],
    "members": lambda r: r["members"],
    "held": lambda r: r["held"],
    "releases": lambda r: r["releases"],
}
ORG_COLUMNS = (
    "ref",
    "name",
    "short_name",
    "other_names",
    "kind",
    "country",
    "members",
    "held",
    "releases",
)


def filtered_organisations(query: Index, level: Actor) -> list[dict[str, Any]]:
    """The organisations index's rows for ``query`` (text in the name, abbreviation,
    other names and ref, in any script: "İHMM", "ИХММ" and "ihmm" alike), sorted."""
    rows = organisation_rows(level)
    words = _words(query.q)
    if words:
        rows = [
            r
            for r in rows
            if _matches(
                words, fold(" ".join((r["ref"], r["name"], r["short_name"], r["other_names"])))
            )
        ]
    if query.status == "held":
        rows = [r for r in rows if r["held"]]
    elif query.status == "none":
        rows = [r for r in rows if not r["held"]]
    if query.kind:
        rows = [r for r in rows if r["kind"] == query.kind]
    return _ordered(rows, query.sort, ORG_SORTS)


@require_safe
def organisations_page(request: HttpRequest) -> HttpResponse:
    """Every organisation the reader may see, filtered, sorted, paginated; CSV."""
    level = reader_level(request)
    problems: list[Problem] = []
    as_csv = _wants_csv(request.GET, problems)
    query = _index_query(
        request.GET, ORG_STATUSES, ORG_SORTS, "name", problems, kinds=OrganisationKind.values
    )
    rows = filtered_organisations(query, level)
    if as_csv:
        if problems:
            return _csv_error(problems, level)
        text = write_csv(ORG_COLUMNS, ([r[c] for c in ORG_COLUMNS] for r in rows))
        return _csv(text, "vigil-organisations.csv", level)
    page, previous, following = _paginate(rows, query, problems)
    headings = [
        query.heading(c, label)
        for c, label in (
            ("name", pgettext("column", "Name")),
            ("short", pgettext("column", "Abbreviation")),
            ("kind", pgettext("column", "Kind")),
            ("members", pgettext("column", "Members")),
            ("held", pgettext("column", "Held")),
            ("releases", pgettext("column", "Lists")),
        )
    ]
    credits = Credits(publishers=[_publisher(o) for o in list_publishers(level)])
    context = {
        "problems": problems,
        "query": query,
        "statuses": [{"value": k, "label": str(v)} for k, v in ORG_STATUSES.items()],
        "kinds": [{"value": k, "label": str(v)} for k, v in OrganisationKind.choices],
        "rows": page.object_list,
        "page": page,
        "total": len(rows),
        "headings": headings,
        "previous_url": previous,
        "next_url": following,
        "csv_url": "?" + query.params(page=1, format="csv"),
        "filtered": bool(query.q or query.status or query.kind),
        **credits.context(),
    }
    status = ERROR_STATUS if problems else 200
    return _page(request, "web/registry/organisations.html", context, level, status)


def member_rows(org: Any, level: Actor) -> list[dict[str, Any]]:
    """The people with a visible affiliation to ``org`` (each once: their roles and
    dates joined), by name, with their status today."""
    from vigil.cases import models as m

    affiliations = (
        policy.visible(m.Affiliation.objects.filter(organisation=org), level)
        .filter(person__merged_into__isnull=True)
        .select_related("person")
        .order_by("start", "id")
    )
    names = names_of(level)
    now = custody_today(level)
    people: dict[int, dict[str, Any]] = {}
    for a in affiliations:
        row = people.setdefault(
            a.person_id,
            {
                "ref": a.person.ref or "",
                "name": names.get(a.person_id, ""),
                "roles": [],
                "status": str(now.at[a.person_id, "kind"]) if a.person_id in now.index else "",
                "custody": str(now.at[a.person_id, "custody"]) if a.person_id in now.index else "",
            },
        )
        start, end = str(a.start or ""), str(a.end or "")
        span = pages.period_text(start, end) if start and end else start or end
        role = ", ".join(x for x in (a.role, span) if x)
        if role and role not in row["roles"]:
            row["roles"].append(role)
    rows = [{**r, "roles": "; ".join(r["roles"])} for r in people.values()]
    return sorted(rows, key=lambda r: (fold(r["name"]), r["ref"]))


@require_safe
def organisation_page(request: HttpRequest, ref: str) -> HttpResponse:
    """An organisation: its names, its members (status today), the cases in which a
    member is a defendant, and the lists it publishes."""
    from vigil.cases import models as m

    level = reader_level(request)
    found = find_organisation(ref, level)
    if found is None:
        return not_found(request, level)
    members = member_rows(found, level)
    member_ids = set(
        policy.visible(m.Affiliation.objects.filter(organisation=found), level)
        .filter(person__merged_into__isnull=True)
        .values_list("person_id", flat=True)
    )
    in_cases = set(
        policy.visible(m.CaseParticipant, level)
        .filter(role=CaseRole.DEFENDANT, person_id__in=member_ids)
        .values_list("case_id", flat=True)
    )
    case_refs = set(
        policy.visible(m.Case, level).filter(id__in=in_cases).values_list("ref", flat=True)
    )
    cases = [
        {**r, "status_label": str(CASE_STATUSES[r["status"]])}
        for r in case_rows(level)
        if r["ref"] in case_refs
    ]
    rels = list_releases(found, level)
    designated = (
        policy.visible(m.Designation.objects.filter(organisation=found), level)
        .filter(person__merged_into__isnull=True)
        .values("person_id")
        .distinct()
        .count()
    )
    row = next(r for r in organisation_rows(level) if r["_id"] == found.id)
    credits = Credits(
        publishers=[_publisher(o) for o in list_publishers(level)],
        sources=_release_sources(rels),
        others=case_source_publishers(policy.visible(m.Case, level).filter(id__in=in_cases), level),
    )
    context = {
        "org": row,
        "members": [{**r, "status_label": cases_views.status_label(r["status"])} for r in members],
        "cases": cases,
        "releases": rels,
        "latest_release": rels[-1] if rels else None,
        "designated": designated,
        **credits.context(),
    }
    return _page(request, "web/registry/organisation.html", context, level)


urlpatterns = [
    path("prisoners/lists/", lists_page, name="registry-lists"),
    path("prisoners/lists/<str:org>/", list_page, name="registry-list"),
    path("prisoners/lists/<str:org>/diff/", diff_page, name="registry-diff"),
    path("prisoners/lists/<str:org>/<str:release>/", release_page, name="registry-release"),
    path("cases/", cases_page, name="registry-cases"),
    path("organisations/", organisations_page, name="registry-organisations"),
    path("organisations/<str:ref>/", organisation_page, name="registry-organisation"),
]
