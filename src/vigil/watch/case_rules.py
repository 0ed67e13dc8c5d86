"""The registry's alert rules: a hearing passed with no outcome, a hearing soon, a new list.

Every alert here is composed as the **public** reads the registry
(:data:`~vigil.cases.levels.Level.PUBLIC` through :mod:`vigil.cases.policy` and
:mod:`vigil.cases.calendar`): a hearing, case, person or list entry above public never
enters a title, a body or a figure, and a case whose title is not public is named by its
ref. Each alert is public and lists in ``refs`` every record and column its text rests
on, so that :func:`vigil.watch.alerts.visible` hides it when one of them is hidden later.

The events, and what makes the same event (the key) or a corrected one (the figures):

- **hearing_passed**: a hearing known to the day, whose day + ``grace_days`` is before
  today, still *scheduled*: "Hearing of … on 2 December 2026 passed with no outcome
  recorded" (the follow-up to "postponed until 2 December"). Key
  ``cases:hearing_passed:hearing:<pk>``; figures: date, case, outcome.
- **hearing_soon**: a scheduled hearing from today up to today + ``days``. Key
  ``cases:hearing_soon:hearing:<pk>:<date>``: a hearing moved to another day is another
  event. Figures: date, case, court.
- **release**: a public list release, with the difference from the organisation's
  previous public release: "VRW published its list of 15 October 2026: 2 names, +0 −2
  since the list of June 2026". Key ``cases:release:<pk>``; figures: the counts, the
  date and the previous list, so a list corrected later (an entry added) supersedes.

A rule's ``max_age_days`` (90 by default) keeps the first run on an established
registry from alerting on every old list or every old hearing left without an outcome:
older events are still evaluated, only to correct an alert already made.

Hearings dated by their month alone are left out (no day to count from: see
:mod:`vigil.cases.calendar`).
"""

from __future__ import annotations

import datetime as dt
import shlex
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from vigil.cases import calendar, policy
from vigil.cases.calendar import Upcoming
from vigil.cases.levels import Level
from vigil.watch.alerts import Candidate, Ref
from vigil.watch.models import Topic

P = Level.PUBLIC  # the only reader these alerts are composed for
TOPIC = Topic.CASES.value


@dataclass
class HearingPassed:
    """A hearing's day passed ``grace_days`` ago and no outcome was recorded."""

    enabled: bool = True
    grace_days: int = 1
    max_age_days: int | None = 90  # older hearings only correct alerts made


@dataclass
class HearingSoon:
    """A hearing from today up to ``days`` days ahead."""

    enabled: bool = True
    days: int = 7


@dataclass
class Release:
    """A list release and its difference from the previous one."""

    enabled: bool = True
    max_age_days: int | None = 90  # lists published earlier only correct alerts made


@dataclass
class Settings:
    """The registry's rules (``[rules.hearing_passed]`` … in the watch config)."""

    hearing_passed: HearingPassed = field(default_factory=HearingPassed)
    hearing_soon: HearingSoon = field(default_factory=HearingSoon)
    release: Release = field(default_factory=Release)


def evaluate(settings: Settings, *, today: dt.date) -> list[Candidate]:
    """The candidates of every enabled rule on ``today`` (see the module's docstring)."""
    out: list[Candidate] = []
    if settings.hearing_passed.enabled:
        out += hearing_passed(settings.hearing_passed, today=today)
    if settings.hearing_soon.enabled:
        out += hearing_soon(settings.hearing_soon, today=today)
    if settings.release.enabled:
        out += releases(settings.release, today=today)
    return out


# -- hearings ---------------------------------------------------------------------------------


def hearing_passed(rule: HearingPassed, *, today: dt.date) -> list[Candidate]:
    """Public hearings whose day + ``grace_days`` is before ``today``, still scheduled."""
    out = []
    for u in calendar.overdue(P, today=today, grace_days=rule.grace_days):
        recent = rule.max_age_days is None or (today - u.day).days <= rule.max_age_days
        out.append(
            _hearing(
                u,
                key=f"{TOPIC}:hearing_passed:hearing:{u.hearing_id}",
                kind="hearing_passed",
                title=f"{u.title} passed with no outcome recorded",
                figures={"date": u.day.isoformat(), "case": u.case_ref, "outcome": "scheduled"},
                notable=recent,
            )
        )
    return out


def hearing_soon(rule: HearingSoon, *, today: dt.date) -> list[Candidate]:
    """Public scheduled hearings from ``today`` up to and including ``today + days``."""
    out = []
    for u in calendar.upcoming(P, start=today, days=rule.days + 1):
        title = u.title + (f" at {u.court}" if u.court else "")
        out.append(
            _hearing(
                u,
                key=f"{TOPIC}:hearing_soon:hearing:{u.hearing_id}:{u.day.isoformat()}",
                kind="hearing_soon",
                title=title,
                figures={"date": u.day.isoformat(), "case": u.case_ref, "court": u.court},
            )
        )
    return out


def _hearing(
    u: Upcoming, *, key: str, kind: str, title: str, figures: dict[str, Any], notable: bool = True
) -> Candidate:
    """A hearing's alert: the calendar item's text, and how to see the case's hearings."""
    body = u.summary
    return Candidate(
        key=key,
        topic=TOPIC,
        kind=kind,
        title=title,
        body=f"{body}." if body else "",
        figures=figures,
        event_date=u.day,
        command=(
            f"vigil cases hearings {shlex.quote(u.case_ref)} --level public" if u.case_ref else ""
        ),
        api=f"/api/cases/cases/{quote(u.case_ref, safe='')}/hearings" if u.case_ref else "",
        link=u.link,
        refs=tuple(u.refs),
        level=P,
        notable=notable,
    )


# -- list releases ------------------------------------------------------------------------------


def releases(rule: Release, *, today: dt.date) -> list[Candidate]:
    """Every public list release, with the difference from its organisation's previous
    public release (as ``vigil cases releases ORG --level public`` counts them)."""
    from vigil.cases.models import ListRelease

    rows = (
        policy.visible(ListRelease, P)
        .select_related("organisation")
        .order_by("organisation_id", "published", "id")
    )
    out: list[Candidate] = []
    previous: Any = None
    for rel in rows:
        if previous is not None and previous.organisation_id != rel.organisation_id:
            previous = None
        recent = rule.max_age_days is None or (
            (today - rel.published.latest).days <= rule.max_age_days
        )
        out.append(_release(rel, previous, notable=recent))
        previous = rel
    return out


def _entries(rel: Any) -> dict[int, int]:
    """The public entries of a release: person id → entry id (as
    :func:`vigil.cases.releases.members` counts them)."""
    rows = policy.visible(rel.entries.all(), P).order_by("id").values_list("person_id", "id")
    out: dict[int, int] = {}
    for person_id, pk in rows:
        out.setdefault(person_id, pk)
    return out


def _release(rel: Any, previous: Any, *, notable: bool) -> Candidate:
    org = rel.organisation
    shown = policy.fields(org, P, ("name", "short_name", "ref"))
    org_name = str(shown.get("short_name") or shown.get("name") or "")
    org_column = "short_name" if shown.get("short_name") else "name"
    org_path = quote(str(org.ref or org_name), safe="")
    on = _entries(rel)
    n = len(on)
    refs: list[Ref] = [
        ("ListRelease", rel.pk, ("published", "organisation")),
        ("Organisation", org.pk, (org_column,)),
        *(("ListEntry", pk, ("person",)) for pk in on.values()),
    ]
    head = f"{org_name} published its list of {rel.published.human()}: {_names(n)}"
    figures: dict[str, Any] = {"published": str(rel.published), "entries": n}
    if previous is None:
        title = f"{head} (its first list on record)"
        body = f"The first list of {org_name} the registry holds: {_names(n)}."
        figures |= {"previous": None, "added": None, "removed": None}
        org_key = shlex.quote(str(org.ref or org.name))
        command = f"vigil cases releases {org_key} --level public"
        api = f"/api/cases/releases/{org_path}"
        link = f"/prisoners/lists/{org_path}/{quote(_page_key(rel), safe='')}/"
    else:
        before = _entries(previous)
        added, removed = len(on.keys() - before.keys()), len(before.keys() - on.keys())
        since = previous.published.human()
        title = f"{head}, +{added} −{removed} since the list of {since}"
        body = (
            f"Since the list of {since}: {_names(added)} added, {_names(removed)} no longer"
            " on it. The list's page gives each difference with its reason (released,"
            " sentenced, a correction) from the registry's timeline."
        )
        figures |= {"previous": _cli_key(previous), "added": added, "removed": removed}
        refs += [("ListRelease", previous.pk, ("published",))]
        refs += [("ListEntry", pk, ("person",)) for pk in before.values()]
        a, b = _cli_key(previous), _cli_key(rel)
        command = f"vigil cases diff-release {shlex.quote(a)} {shlex.quote(b)} --level public"
        api = "/api/cases/releases/diff?" + urlencode({"a": a, "b": b})
        link = f"/prisoners/lists/{org_path}/diff/?" + urlencode(
            {"from": _page_key(previous), "to": _page_key(rel)}
        )
    return Candidate(
        key=f"{TOPIC}:release:{rel.pk}",
        topic=TOPIC,
        kind="release",
        title=title,
        body=body,
        figures=figures,
        event_date=rel.published.earliest,
        command=command,
        api=api,
        link=link,
        refs=tuple(refs),
        level=P,
        notable=notable,
    )


def _names(n: int) -> str:
    return f"{n} name" if n == 1 else f"{n} names"


def _cli_key(rel: Any) -> str:
    """A key ``vigil cases diff-release`` resolves to this release: its ref, else
    ``ORG@DATE`` (as the site's diff page builds it)."""
    org = rel.organisation
    return str(rel.ref or f"{org.ref or org.name}@{rel.published}")


def _page_key(rel: Any) -> str:
    """How the site's list pages name a release: its ref, else its date."""
    return str(rel.ref or rel.published)
