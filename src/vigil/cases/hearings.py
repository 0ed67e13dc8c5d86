"""Hearings of a case and the chain of postponements.

"Postponed 4 times since August; next hearing 2 December" is computed, not typed:
the chain is the run of hearings since the last one that was held or gave a verdict
(or since the first hearing); it counts the hearings postponed (did not take place)
and, apart, those adjourned (began, then stopped to a later date). The next hearing
is the earliest scheduled hearing on or after the date asked, else the ``next_date``
the last hearing set, when that is still ahead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from vigil.cases import policy, registry
from vigil.cases.dates import PartialDate
from vigil.cases.policy import Who
from vigil.cases.vocab import HearingOutcome
from vigil.i18n import gettext as _
from vigil.i18n import ngettext, pgettext

_PROGRESS = (HearingOutcome.HELD, HearingOutcome.VERDICT)


@dataclass(frozen=True)
class HearingChain:
    """The hearings of one case and what they add up to on ``as_of``."""

    case: str
    title: str
    hearings: pd.DataFrame
    postponements: int  # in the current run
    adjournments: int  # in the current run
    total_postponements: int
    since: PartialDate | None  # date of the first postponed hearing of the run
    next_hearing: PartialDate | None
    as_of: dt.date

    @property
    def summary(self) -> str:
        parts = []
        if self.postponements:
            said = {
                "postponed": _times(self.postponements),
                "adjourned": _times(self.adjournments),
                "since": _month(self.since),
            }
            # Translators: %(postponed)s and %(adjourned)s say how often ("once",
            # "twice", "3 times"); %(since)s is a month ("August 2026") or a year.
            if self.adjournments and self.since:
                text = _("postponed %(postponed)s and adjourned %(adjourned)s since %(since)s")
            elif self.adjournments:
                text = _("postponed %(postponed)s and adjourned %(adjourned)s")
            elif self.since:
                text = _("postponed %(postponed)s since %(since)s")
            else:
                text = _("postponed %(postponed)s")
            parts.append(text % said)
        elif self.total_postponements:
            n = self.total_postponements
            # English says "times" even for 1 (as before); other languages use their forms.
            parts.append(
                ngettext("postponed %(n)d times in all", "postponed %(n)d times in all", n)
                % {"n": n}
            )
        if self.next_hearing:
            parts.append(_("next hearing %(date)s") % {"date": self.next_hearing.local()})
        return "; ".join(parts) or _("no postponement on record")

    def record(self) -> dict[str, object]:
        return {
            "case": self.case,
            "title": self.title,
            "postponements": self.postponements,
            "adjournments": self.adjournments,
            "total_postponements": self.total_postponements,
            "since": str(self.since) if self.since else None,
            "next_hearing": str(self.next_hearing) if self.next_hearing else None,
            "summary": self.summary,
        }


def _times(n: int) -> str:
    """How often, as a word of its own: "once", "twice", "3 times"."""
    if n == 1:
        return pgettext("how often", "once")
    if n == 2:
        return pgettext("how often", "twice")
    return ngettext("%(n)d time", "%(n)d times", n) % {"n": n}


def _month(date: PartialDate | None) -> str:
    if date is None:
        return ""
    if date.month is None:
        return str(date.year)
    return PartialDate(date.year, date.month, None, date.qualifier).local()


def case_title(case: Any, level: Who) -> str:
    """How a case is named to this reader: its title, else its number, else its ref
    (a field the reader may not see is never used)."""
    shown = policy.fields(case, level, ("title", "number"))
    return shown.get("title") or shown.get("number") or case.ref or ""


def chain(case_key: str, level: Who, as_of: dt.date | None = None) -> HearingChain:
    """The hearings of a case (those the reader may see) and their postponement chain."""
    from vigil.cases.models import Hearing

    as_of = as_of or dt.date.today()
    case = registry.case(case_key, level)
    hearings = list(
        policy.visible(Hearing.objects.filter(case=case), level)
        .select_related("court")
        .order_by("date", "id")
    )
    rows = [
        {
            "date": str(h.date),
            "kind": h.kind,
            "court": str(h.court or ""),
            "outcome": h.outcome,
            "reason": h.postponement_reason,
            "next_date": str(h.next_date or ""),
        }
        for h in hearings
    ]
    frame = pd.DataFrame(rows, columns=["date", "kind", "court", "outcome", "reason", "next_date"])
    past = [h for h in hearings if h.outcome != HearingOutcome.SCHEDULED]
    run: list = []
    for h in past:
        run = [] if h.outcome in _PROGRESS else [*run, h]
    postponed = [h for h in run if h.outcome == HearingOutcome.POSTPONED]
    upcoming = [
        h.date
        for h in hearings
        if h.outcome == HearingOutcome.SCHEDULED and h.date.earliest >= as_of
    ]
    next_hearing = upcoming[0] if upcoming else None
    if next_hearing is None and past and past[-1].next_date:
        next_hearing = past[-1].next_date if past[-1].next_date.latest >= as_of else None
    return HearingChain(
        case=case.ref,
        title=case_title(case, level),
        hearings=frame,
        postponements=len(postponed),
        adjournments=sum(h.outcome == HearingOutcome.ADJOURNED for h in run),
        total_postponements=sum(h.outcome == HearingOutcome.POSTPONED for h in past),
        since=postponed[0].date if postponed else None,
        next_hearing=next_hearing,
        as_of=as_of,
    )
