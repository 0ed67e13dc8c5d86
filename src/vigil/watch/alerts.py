"""Alerts: what a rule finds (:class:`Candidate`), stored once, and who may read them.

**Once.** An event has a ``key`` ("territory:week_gain:deepstate-daily:2026-08-10"); its
figures have a fingerprint. :func:`record` stores a candidate when no current alert has
its key; when one has and the figures differ (a day replaced upstream, a late day), a new
alert *supersedes* it (the old one stays, marked, so the correction is visible); when the
figures are the same, nothing happens. A candidate that is not ``notable`` on its own (a
week under the threshold) is stored only to correct an alert already made.

**Conditions** (a fetch failing, a source gone quiet) are alerted once while they last:
:func:`raise_condition` does nothing while an alert of that kind and source is open,
:func:`resolve_conditions` closes it when the condition ends.

**Who reads.** :func:`visible` is the one rule for every page, feed, API call, webhook
and e-mail: the registry's policy on the alert's own level, and on every registry record
and column the alert's text rests on (its ``refs``), read now, not when it was made: a
hearing made restricted after its alert hides the alert.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from vigil.cases import policy
from vigil.cases.levels import Level
from vigil.cases.policy import Who
from vigil.watch.models import Alert, Run, Topic

#: A registry record an alert rests on: (model name, primary key, columns its text uses).
Ref = tuple[str, int, tuple[str, ...]]


@dataclass(frozen=True)
class Candidate:
    """An alert a rule would make. ``figures`` is what it states (JSON values, rounded
    to the precision shown: a change below it must not supersede anything)."""

    key: str
    topic: str
    kind: str
    title: str
    body: str = ""
    figures: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""
    snapshots: Sequence[str] = ()
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    event_date: dt.date | None = None
    command: str = ""
    api: str = ""
    link: str = ""
    refs: Sequence[Ref] = ()
    level: Level = Level.PUBLIC
    notable: bool = True  # worth an alert on its own (else: only to correct one made)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.figures)


def fingerprint(figures: Mapping[str, Any]) -> str:
    """SHA-256 of the figures as canonical JSON (key order does not matter)."""
    raw = json.dumps(figures, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass
class Recorded:
    """What :func:`record` did (or, with ``dry_run``, would do)."""

    new: list[Alert] = field(default_factory=list)  # first alerts of their events
    corrections: list[tuple[Alert, Alert]] = field(default_factory=list)  # (old, new)
    unchanged: int = 0
    skipped: int = 0  # not notable, nothing to correct

    @property
    def alerts(self) -> list[Alert]:
        """Every alert made, in the order of the candidates."""
        made = self.new + [new for _, new in self.corrections]
        return sorted(made, key=lambda a: a.pk or 0)


def _alert(c: Candidate, run: Run | None, now: dt.datetime) -> Alert:
    return Alert(
        key=c.key,
        topic=c.topic,
        kind=c.kind,
        title=c.title,
        body=c.body,
        figures=json.loads(json.dumps(dict(c.figures), default=str)),
        fingerprint=c.fingerprint,
        source=c.source,
        snapshots=[str(s) for s in c.snapshots],
        period_start=c.period_start,
        period_end=c.period_end,
        event_date=c.event_date,
        command=c.command,
        api=c.api,
        link=c.link,
        refs=[[m, int(pk), list(cols)] for m, pk, cols in c.refs],
        visibility=int(c.level),
        created=now,
        run=run,
    )


def record(
    candidates: Iterable[Candidate],
    *,
    run: Run | None = None,
    now: dt.datetime | None = None,
    dry_run: bool = False,
) -> Recorded:
    """Store the candidates once (see the module's docstring), in one transaction.

    ``dry_run`` works it all out and stores nothing (the alerts it returns are unsaved).
    Two candidates with one key in the same call: the last wins.
    """
    now = now or timezone.now()
    wanted: dict[str, Candidate] = {}
    for c in candidates:
        wanted[c.key] = c
    out = Recorded()
    with transaction.atomic():
        current = {a.key: a for a in Alert.objects.filter(key__in=list(wanted), current=True)}
        for key, c in wanted.items():
            old = current.get(key)
            if old is not None and old.fingerprint == c.fingerprint:
                out.unchanged += 1
                continue
            if old is None and not c.notable:
                out.skipped += 1
                continue
            new = _alert(c, run, now)
            if old is None:
                if not dry_run:
                    new.save()
                out.new.append(new)
                continue
            new.supersedes = old
            if not dry_run:
                old.current = False
                old.save(update_fields=["current"])
                new.save()
            out.corrections.append((old, new))
    return out


# -- conditions ---------------------------------------------------------------------------


def open_condition(kind: str, source: str) -> Alert | None:
    """The alert of ``kind`` for ``source`` that has not been resolved, if any."""
    return (
        Alert.objects.filter(kind=kind, source=source, current=True, resolved__isnull=True)
        .order_by("-created", "-id")
        .first()
    )


def raise_condition(
    candidate: Candidate,
    *,
    run: Run | None = None,
    now: dt.datetime | None = None,
    dry_run: bool = False,
) -> Alert | None:
    """Alert ``candidate`` unless an alert of its kind and source is still open; the
    new alert (unsaved with ``dry_run``), or None when one was open."""
    if open_condition(candidate.kind, candidate.source) is not None:
        return None
    now = now or timezone.now()
    stamped = Candidate(**{**candidate.__dict__, "key": f"{candidate.key}:{now:%Y%m%dT%H%M%S%f}"})
    made = record([stamped], run=run, now=now, dry_run=dry_run)
    return made.new[0] if made.new else None


def resolve_conditions(
    kind: str, source: str, *, now: dt.datetime | None = None, keep: Iterable[str] = ()
) -> int:
    """Close the open alerts of ``kind`` for ``source`` (the condition ended), but for
    those whose key is in ``keep`` (still true)."""
    now = now or timezone.now()
    open_ = Alert.objects.filter(kind=kind, source=source, resolved__isnull=True)
    return open_.exclude(key__in=list(keep)).update(resolved=now)


# -- who reads ----------------------------------------------------------------------------


def visible(who: Who, source: Any = None) -> list[Alert]:
    """The alerts of ``source`` (a queryset of :class:`Alert`, default all) that ``who``
    may read: the alert's own level, then every record and column in its ``refs``."""
    qs = policy.visible(source if source is not None else Alert, who)
    alerts = list(qs)
    refs = {(m, pk) for a in alerts for m, pk, _ in a.refs}
    if not refs:
        return alerts
    shown = _shown_refs(
        refs, {(m, pk, c) for a in alerts for m, pk, cols in a.refs for c in cols}, who
    )
    return [
        a
        for a in alerts
        if all(
            (m, pk) in shown and all((m, pk, c) in shown for c in cols) for m, pk, cols in a.refs
        )
    ]


def _shown_refs(
    records: set[tuple[str, int]], columns: set[tuple[str, int, str]], who: Who
) -> set[tuple[Any, ...]]:
    from vigil.cases import models

    shown: set[tuple[Any, ...]] = set()
    by_model: dict[str, set[int]] = {}
    for name, pk in records:
        by_model.setdefault(name, set()).add(pk)
    for name, pks in by_model.items():
        model = getattr(models, name, None)
        if model is None:
            continue  # not a registry model: never shown
        objs = {o.pk: o for o in policy.visible(model, who).filter(pk__in=pks)}
        shown |= {(name, pk) for pk in objs}
        for m, pk, column in columns:
            if m == name and pk in objs and policy.shows(objs[pk], column, who):
                shown.add((m, pk, column))
    return shown


def reproduce(alert: Alert, base_url: str = "") -> dict[str, str]:
    """How to get the alert's figures again: the command, the API call and the page."""
    base = base_url.rstrip("/")
    return {
        "command": alert.command,
        "api": f"{base}{alert.api}" if alert.api else "",
        "page": f"{base}{alert.link}" if alert.link else "",
    }


def as_json(
    alert: Alert,
    base_url: str = "",
    *,
    who: Who = Level.PUBLIC,
    shown: Container[int] | None = None,
) -> dict[str, Any]:
    """An alert as the API, the feeds' readers and the webhook see it (stable English
    field names). Call it only on alerts :func:`visible` gave ``who``.

    The alert it corrects is described only when ``who`` may read that one too (the
    ids in ``shown`` when given, else :func:`visible` asked); otherwise nothing but the
    fact that there was one: an old alert may rest on a record hidden since."""
    return {
        "id": alert.pk,
        "key": alert.key,
        "topic": alert.topic,
        "kind": alert.kind,
        "title": alert.title,
        "body": alert.body,
        "figures": alert.figures,
        "source": alert.source,
        "snapshots": alert.snapshots,
        "period_start": _iso(alert.period_start),
        "period_end": _iso(alert.period_end),
        "event_date": _iso(alert.event_date),
        "created": alert.created.isoformat(),
        "current": alert.current,
        "resolved": alert.resolved.isoformat() if alert.resolved else None,
        "supersedes": _corrected(alert.supersedes, who, shown),
        "reproduce": reproduce(alert, base_url),
    }


def _corrected(old: Alert | None, who: Who, shown: Container[int] | None) -> Any:
    if old is None:
        return None
    if shown is None:
        shown = {a.pk for a in visible(who, Alert.objects.filter(pk=old.pk))}
    if old.pk not in shown:  # there was one; nothing more
        return {"id": None, "title": None, "figures": None, "created": None}
    return {
        "id": old.pk,
        "title": old.title,
        "figures": old.figures,
        "created": old.created.isoformat(),
    }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


TOPICS = tuple(t.value for t in Topic)
