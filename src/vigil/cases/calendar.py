"""The hearings calendar: hearings still to come, and those whose day passed unrecorded.

A hearing is on the calendar when its outcome is still *scheduled* and the reader may
see it through :mod:`vigil.cases.policy` (the hearing and its case; courts are public
reference data). Each item carries only what that reader may see: a case whose title
or number is hidden from them is named by its ref (or "a case"), never by the hidden
value, and only the defendants whose participation, person and name they may see.

**Exact days only.** :func:`upcoming` and :func:`overdue` list hearings whose date is
known to the day (and not qualified "c.", "before", "after"): a hearing announced for
"December 2026" has no day to put in a calendar or to count days from, so it is left
out of both; :func:`undated` lists those (month or year known, still ahead) for a page
to show apart.

Each item also says which records and columns it shows (:attr:`Upcoming.refs`), so that
an alert made from it can be hidden when one of them is later hidden
(:func:`vigil.watch.alerts.visible`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from vigil.cases import policy
from vigil.cases.dates import PartialDate, Precision, Qualifier
from vigil.cases.policy import Who
from vigil.cases.vocab import CaseRole, HearingOutcome
from vigil.errors import InputError
from vigil.i18n import gettext as _

#: A record an item shows: (model name, primary key, columns it shows), as an alert's refs.
Ref = tuple[str, int, tuple[str, ...]]


@dataclass(frozen=True)
class Defendant:
    """A defendant as the reader may see them: ref and display name."""

    ref: str
    name: str


@dataclass(frozen=True)
class Upcoming:
    """One scheduled hearing as a reader may see it."""

    hearing_id: int
    date: PartialDate  # known to the day for upcoming/overdue; coarser for undated
    kind: str  # the hearing's kind: preliminary, trial, appeal…
    court: str  # the hearing's court, else the case's only court, else ""
    case_id: int
    case_ref: str  # "" when the case has no ref
    case_title: str  # "" when hidden from the reader (or empty)
    case_number: str  # "" when hidden from the reader (or empty)
    case_kind: str  # criminal, administrative… ("" when hidden)
    defendants: tuple[Defendant, ...]
    chain: str  # the postponement chain: "postponed 4 times since August 2026; …"
    refs: tuple[Ref, ...] = field(default=(), compare=False)

    @property
    def day(self) -> dt.date:
        """The hearing's day (the first day of its period when only the month is known)."""
        return self.date.earliest

    @property
    def case_name(self) -> str:
        """How the case is named to this reader: title, else number, else ref, else
        "a case" (never a field hidden from them: those are empty here)."""
        return self.case_title or self.case_number or self.case_ref or "a case"

    @property
    def link(self) -> str:
        """The case's page on the site ("" when the case has no ref)."""
        return f"/cases/{self.case_ref}/" if self.case_ref else ""

    @property
    def title(self) -> str:
        """ "Hearing of Case of the UFC leaders on 2 December 2026", in the active
        language (alerts are recorded under English: vigil.watch.run)."""
        # Translators: %(case)s is a case's title, %(date)s a date ("2 December 2026").
        return _("Hearing of %(case)s on %(date)s") % {
            "case": self.case_name,
            "date": self.date.local(),
        }

    @property
    def summary(self) -> str:
        """One line for a feed or a calendar entry: kind, court, defendants, chain."""
        parts = []
        kind = self.kind.capitalize()
        if kind and self.court:
            # Translators: a hearing's kind (its stored name, e.g. "Trial") and court.
            parts.append(_("%(kind)s at %(court)s") % {"kind": kind, "court": self.court})
        elif kind or self.court:
            parts.append(kind or self.court)
        if self.defendants:
            names = ", ".join(d.name for d in self.defendants)
            parts.append(_("defendants: %(names)s") % {"names": names})
        if self.chain:
            parts.append(self.chain)
        return "; ".join(parts)

    def record(self) -> dict[str, Any]:
        """Plain data (an API's or a template's), with the same fields."""
        return {
            "hearing_id": self.hearing_id,
            "date": str(self.date),
            "kind": self.kind,
            "court": self.court,
            "case": self.case_ref,
            "case_name": self.case_name,
            "case_title": self.case_title,
            "case_number": self.case_number,
            "case_kind": self.case_kind,
            "defendants": [{"ref": d.ref, "name": d.name} for d in self.defendants],
            "chain": self.chain,
            "summary": self.summary,
            "link": self.link,
        }


# -- the lists -----------------------------------------------------------------------------


def upcoming(who: Who, *, start: dt.date, days: int | None = None) -> list[Upcoming]:
    """Scheduled hearings ``who`` may see on ``start`` or after (before ``start + days``
    when ``days`` is given), by date. Only hearings known to the day: a hearing dated
    by its month alone is left out (see :func:`undated`)."""
    if days is not None and days < 0:
        raise InputError(
            _("%(field)s: expected 0 or more, got %(value)s") % {"field": "days", "value": days}
        )
    end = start + dt.timedelta(days=days) if days is not None else None
    rows = _scheduled(who, _bound(start), _bound(end) if end else None)
    return _items(who, [h for h in rows if _exact(h.date)], as_of=start)


def overdue(who: Who, *, today: dt.date, grace_days: int = 1) -> list[Upcoming]:
    """Hearings ``who`` may see whose day passed more than ``grace_days`` ago with no
    outcome recorded (still *scheduled*): the day + ``grace_days`` is before ``today``.
    Exact days only, oldest first."""
    if grace_days < 0:
        raise InputError(
            _("%(field)s: expected 0 or more, got %(value)s")
            % {"field": "grace_days", "value": grace_days}
        )
    last = today - dt.timedelta(days=grace_days)  # the day must be before this one
    rows = _scheduled(who, None, _bound(last))
    return _items(who, [h for h in rows if _exact(h.date)], as_of=today)


def undated(who: Who, start: dt.date) -> list[Upcoming]:
    """Scheduled hearings ``who`` may see that are not known to the day (a month, a
    year, or a qualified date) and whose period is not over before ``start``, by date."""
    rows = _scheduled(who, f"{start.year:04d}-00-00.0", None)  # "2026" sorts before January
    return _items(
        who, [h for h in rows if not _exact(h.date) and h.date.latest >= start], as_of=start
    )


# -- how --------------------------------------------------------------------------------------


def _bound(day: dt.date) -> str:
    """The stored-text bound below every date whose earliest day is ``day`` or later
    (``2026-12-02.0``: "before" is the lowest qualifier digit)."""
    return f"{day.isoformat()}.0"


def _exact(date: PartialDate) -> bool:
    return date.precision is Precision.DAY and date.qualifier is Qualifier.EXACT


def _scheduled(who: Who, low: str | None, high: str | None) -> list[Any]:
    """Visible scheduled hearings with ``low <= date < high`` (stored text), by date."""
    from vigil.cases.models import Hearing

    qs = policy.visible(Hearing, who).filter(outcome=HearingOutcome.SCHEDULED)
    if low is not None:
        qs = qs.filter(date__gte=low)
    if high is not None:
        qs = qs.filter(date__lt=high)
    return list(qs.select_related("case", "court").order_by("date", "case__ref", "id"))


def _items(who: Who, hearings: Sequence[Any], *, as_of: dt.date) -> list[Upcoming]:
    """The hearings as :class:`Upcoming` items, each case's people and chain read once."""
    case_ids = {h.case_id for h in hearings}
    defendants = _defendants(case_ids, who)
    courts = _only_courts(case_ids, who)
    chains: dict[int, str] = {}
    chain_refs = _chain_refs(case_ids, who, as_of)
    out = []
    for h in hearings:
        case = h.case
        if case.pk not in chains:
            chains[case.pk] = _chain(case, who, as_of)
        shown = policy.fields(case, who, ("title", "number", "kind"))
        title, number = str(shown.get("title") or ""), str(shown.get("number") or "")
        case_columns = ["ref"] + [c for c in ("title", "number", "kind") if shown.get(c)]
        hearing_columns = ["date", "kind", "outcome", "court"]
        court, court_ref = _court(h, courts.get(case.pk))
        people, people_refs = defendants.get(case.pk, ((), ()))
        refs: list[Ref] = [
            ("Hearing", h.pk, tuple(hearing_columns)),
            ("Case", case.pk, tuple(case_columns)),
            *court_ref,
            *people_refs,
        ]
        if chains[case.pk]:
            refs += chain_refs.get(case.pk, [])
        out.append(
            Upcoming(
                hearing_id=h.pk,
                date=h.date,
                kind=h.kind or "",
                court=court,
                case_id=case.pk,
                case_ref=case.ref or "",
                case_title=title,
                case_number=number,
                case_kind=str(shown.get("kind") or ""),
                defendants=people,
                chain=chains[case.pk],
                refs=tuple(dict.fromkeys(refs)),
            )
        )
    return out


def _chain(case: Any, who: Who, as_of: dt.date) -> str:
    """The case's postponement chain as of ``as_of`` ("" for a case without a ref:
    :func:`vigil.cases.hearings.chain` finds cases by ref)."""
    from vigil import i18n
    from vigil.cases import hearings

    if not case.ref:
        return ""
    # English, as the item's title and summary: they become stored alerts (watch).
    with i18n.override("en"):
        return hearings.chain(case.ref, who, as_of).summary


def _chain_refs(case_ids: Iterable[int], who: Who, as_of: dt.date) -> dict[int, list[Ref]]:
    """The hearings each case's chain summary rests on (as
    :func:`vigil.cases.hearings.chain` reads them): those with an outcome (the counts,
    the date it was postponed to) and the scheduled ones from ``as_of`` on (the next
    hearing); not a scheduled hearing already past, which the summary does not use."""
    from vigil.cases.models import Hearing

    rows = policy.visible(Hearing.objects.filter(case_id__in=list(case_ids)), who).values_list(
        "case_id", "id", "date", "outcome"
    )
    out: dict[int, list[Ref]] = {}
    for case_id, pk, date, outcome in rows.order_by("case_id", "date", "id"):
        if outcome != HearingOutcome.SCHEDULED or date.earliest >= as_of:
            out.setdefault(case_id, []).append(("Hearing", pk, ("date", "outcome", "next_date")))
    return out


def _court(h: Any, only: tuple[str, Ref] | None) -> tuple[str, tuple[Ref, ...]]:
    """The hearing's court, else the case's only (visible) court."""
    if h.court is not None:
        return h.court.name, ()
    if only is not None:
        name, ref = only
        return name, (ref,)
    return "", ()


def _only_courts(case_ids: Iterable[int], who: Who) -> dict[int, tuple[str, Ref]]:
    """Each case's court when it names exactly one that ``who`` may see."""
    from vigil.cases.models import Case

    out: dict[int, tuple[str, Ref]] = {}
    for case in policy.visible(Case.objects.filter(id__in=list(case_ids)), who):
        courts = policy.related(case, "courts", who)
        if len(courts) == 1:
            out[case.pk] = (courts[0].name, ("Case", case.pk, ("courts",)))
    return out


def _defendants(
    case_ids: Iterable[int], who: Who
) -> dict[int, tuple[tuple[Defendant, ...], tuple[Ref, ...]]]:
    """The defendants ``who`` may see in each case (unmerged people with a ref), named
    as the case page names them: the first visible primary name, else the first
    visible name, else the ref; with the records shown."""
    from vigil.cases.models import CaseParticipant, PersonName

    participants = list(
        policy.visible(CaseParticipant.objects.filter(case_id__in=list(case_ids)), who)
        .filter(role=CaseRole.DEFENDANT, person__merged_into__isnull=True)
        .select_related("person")
        .order_by("case_id", "id")
    )
    names: dict[int, tuple[int, str]] = {}
    rows = (
        policy.visible(
            PersonName.objects.filter(person_id__in=[p.person_id for p in participants]), who
        )
        .order_by("id")
        .values_list("id", "person_id", "name", "kind")
    )
    for pk, pid, name, _kind in sorted(rows, key=lambda r: r[3] != "primary"):
        names.setdefault(pid, (pk, name))
    out: dict[int, tuple[list[Defendant], list[Ref]]] = {}
    seen: set[tuple[int, int]] = set()
    for x in participants:
        ref = x.person.ref or ""
        if not ref or (x.case_id, x.person_id) in seen:
            continue
        seen.add((x.case_id, x.person_id))
        people, refs = out.setdefault(x.case_id, ([], []))
        refs += [("CaseParticipant", x.pk, ("role",)), ("Person", x.person_id, ("ref",))]
        if x.person_id in names:
            name_pk, name = names[x.person_id]
            refs.append(("PersonName", name_pk, ("name",)))
        else:
            name = ref
        people.append(Defendant(ref=ref, name=name))
    return {cid: (tuple(p), tuple(r)) for cid, (p, r) in out.items()}


def postponed_from(hearing_id: int, who: Who) -> tuple[int, int, dt.datetime | None]:
    """(pk of the first hearing, number of postponements, when the last one was
    recorded) of the run that led to the hearing ``hearing_id`` (the calendar's UID,
    SEQUENCE and LAST-MODIFIED follow a hearing through it): each step back is a
    hearing of the same case that ``who`` may see, postponed to this one's date
    (:func:`vigil.cases.edits.postpone_hearing` schedules the next hearing so)."""
    from vigil.cases.models import AuditEvent
    from vigil.cases.models import Hearing as HearingModel

    current = policy.visible(HearingModel.objects.filter(pk=hearing_id), who).first()
    if current is None:
        return hearing_id, 0, None
    steps, seen, modified = 0, {current.pk}, None
    while True:
        before = (
            policy.visible(HearingModel.objects.filter(case_id=current.case_id), who)
            .filter(outcome=HearingOutcome.POSTPONED, next_date=current.date)
            .exclude(pk__in=seen)
            .order_by("-date", "id")
            .first()
        )
        if before is None:
            return current.pk, steps, modified
        if steps == 0:  # the postponement that gave this hearing its date
            modified = (
                AuditEvent.objects.filter(action="postpone", target=policy.audit_target(before))
                .order_by("-at")
                .values_list("at", flat=True)
                .first()
            )
        current, steps = before, steps + 1
        seen.add(current.pk)
