"""Counts over time: how many political prisoners were held on each date, overall or
by group.

**The rule** (one function, :func:`counted`, used by every count: the stats page, the
list's heading, the API, ``vigil cases stats``): a person counts as a political
prisoner on a date when

1. the registry has grounds to count them (:func:`grounds`): they are a *defendant* in
   a case, or on a published list, or designated a political prisoner by an
   organisation (each of these records visible to the reader); a lawyer, judge,
   prosecutor, witness or victim is never counted for taking part in a case; and
2. they are deprived of liberty on that date: the latest event on or before it leaves
   them in custody or under house arrest (:data:`vigil.cases.vocab.DEPRIVED`).

The grounds do not depend on the date: someone a list names is counted for the whole of
their detention, before the list was published too. Two records of one person not yet
merged are two records: the count counts records, and :func:`possible_duplicates` says
how many counted pairs the duplicate finder proposes (the pages show it).

Grouped by organisation, a person counts once in each organisation they belong to on
that date (affiliations without dates count throughout); by charge, once per article
of the cases they are a defendant in; the ``all`` row counts each person once.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vigil import i18n
from vigil import periods as P
from vigil.choices import choice
from vigil.dates import DateLike, check_order, parse_optional_date
from vigil.i18n import gettext as _
from vigil.i18n import gettext_lazy, ngettext, pgettext, pgettext_lazy

if TYPE_CHECKING:  # pandas and Django are imported by the functions that use them
    import pandas as pd

    from vigil.cases.policy import Who

#: What a count counts, in one sentence (the pages, the chart and the docs say it).
RULE = gettext_lazy(
    "defendants in a case, or people on a published list or designated by an "
    "organisation, in custody or under house arrest"
)
#: The title of every count.
WHAT = gettext_lazy("Political prisoners held")


class GroupBy(StrEnum):
    NONE = "none"
    ORGANISATION = "organisation"
    CHARGE = "charge"
    STATUS = "status"


def group_by(value: GroupBy | str) -> GroupBy:
    """``value`` as a :class:`GroupBy` (``"organisation"`` or ``GroupBy.ORGANISATION``)."""
    return choice(GroupBy, value, "by")


def dates(date_from: dt.date, date_to: dt.date, freq: P.Freq | str) -> list[dt.date]:
    """The dates of a series from ``date_from`` to ``date_to`` (both included): the
    period starts of ``freq`` within them (every day; Mondays; first days of months;
    1 January), then ``date_to`` itself, always (:func:`vigil.periods.starts_within`)."""
    f = P.freq(freq)
    check_order(date_from, date_to)
    out = P.starts_within(date_from, date_to, f)
    if not out or out[-1] != date_to:
        out.append(date_to)
    return out


# -- the rule --------------------------------------------------------------------------
def grounds(level: Who) -> set[int]:
    """Ids of the people the registry has grounds to count, as ``level`` sees it: a
    defendant in a case, on a published list, or designated by an organisation."""
    from vigil.cases import models as m
    from vigil.cases import policy
    from vigil.cases.vocab import CaseRole

    defendants = policy.visible(m.CaseParticipant, level).filter(role=CaseRole.DEFENDANT)
    ids = set(defendants.values_list("person_id", flat=True))
    ids.update(policy.visible(m.ListEntry, level).values_list("person_id", flat=True))
    ids.update(policy.visible(m.Designation, level).values_list("person_id", flat=True))
    return ids


def counted(level: Who, days: list[dt.date], events: pd.DataFrame | None = None) -> pd.DataFrame:
    """**The rule**: for each of ``days``, the people counted as political prisoners on
    it (columns date, person_id, custody, kind): those with :func:`grounds` whose
    latest event on or before the day leaves them in custody or under house arrest.
    ``events``: :func:`vigil.cases.status.events_frame` at ``level``, when already read."""
    from vigil.cases.status import events_frame, status_series
    from vigil.cases.vocab import DEPRIVED

    if events is None:
        events = events_frame(level)
    events = events[events["person_id"].isin(grounds(level))]
    status = status_series(events, days)
    return status[status["custody"].isin([c.value for c in DEPRIVED])]


def counted_on(level: Who, on: DateLike | None = None) -> set[int]:
    """Ids of the people counted on ``on`` (default today): :func:`counted` for one day."""
    day = parse_optional_date(on, "on") or dt.date.today()
    return {int(pid) for pid in counted(level, [day])["person_id"]}


def possible_duplicates(level: Who, ids: set[int]) -> list[tuple[str, str]]:
    """Pairs (refs) among the people ``ids`` that the duplicate finder
    (:func:`vigil.cases.merge.duplicates`, at ``level``) proposes as one person recorded
    twice and that are not merged yet: each may make a count one too high."""
    from vigil.cases import merge, policy

    if len(ids) < 2:
        return []
    refs = dict(policy.people(level).filter(id__in=ids).values_list("ref", "id"))
    pairs = merge.duplicates(level)
    return [
        (str(a), str(b))
        for a, b in zip(pairs["ref_a"], pairs["ref_b"], strict=True)
        if a in refs and b in refs
    ]


# -- the counts ------------------------------------------------------------------------
def held(
    level: Who,
    *,
    date_from: DateLike | None = None,
    date_to: DateLike | None = None,
    freq: P.Freq | str = P.Freq.MONTH,
    by: GroupBy | str = GroupBy.NONE,
    on: DateLike | None = None,
) -> pd.DataFrame:
    """A wide table: one row per date, a column ``all`` and one per group: the people
    :func:`counted` on each date.

    ``on`` alone gives one date. Without ``date_from``, the series begins with the
    first event on record; ``date_to`` defaults to today. Dates are days
    (``YYYY-MM-DD`` or ``datetime.date``, :func:`vigil.dates.parse_date`). The table's
    ``attrs["credit"]`` is the registry's credit at ``level`` (:func:`credit`), which
    :func:`chart` prints.
    """
    import pandas as pd

    from vigil.cases.status import events_frame

    group = group_by(by)
    f = P.freq(freq)
    first = parse_optional_date(date_from, "date_from")
    last = parse_optional_date(date_to, "date_to")
    day = parse_optional_date(on, "on")
    events = events_frame(level)
    if day is not None:
        days = [day]
    else:
        last = last or dt.date.today()
        if first is None:
            if events.empty:
                empty = pd.DataFrame(columns=["date", "all"])
                empty.attrs["credit"] = credit(level).text()
                return empty
            first = events["day"].min().date()
        days = dates(first, last, f)
    deprived = counted(level, days, events)
    out = deprived.groupby("date").size().rename("all").to_frame()
    if group is GroupBy.STATUS:
        wide = deprived.groupby(["date", "custody"]).size().unstack(fill_value=0)
        out = out.join(wide)
    elif group is not GroupBy.NONE:
        groups = _groups(level, group)
        joined = deprived.merge(groups, on="person_id")
        if group is GroupBy.ORGANISATION:
            joined = joined[
                (joined["start"].isna() | (joined["start"] <= joined["date"]))
                & (joined["end"].isna() | (joined["end"] > joined["date"]))
            ]
        wide = joined.groupby(["date", "group"])["person_id"].nunique().unstack(fill_value=0)
        out = out.join(wide)
    out = out.reindex(pd.to_datetime(days), fill_value=0).fillna(0).astype(int)
    out.index.name = "date"
    out = out.reset_index()
    out.attrs["credit"] = credit(level).text()
    return out


def _groups(level: Who, by: GroupBy) -> pd.DataFrame:
    """person_id → group label (with the affiliation's dates for organisations)."""
    import pandas as pd

    from vigil.cases import policy, registry
    from vigil.cases.models import Affiliation

    if by is GroupBy.ORGANISATION:
        rows = [
            (
                a.person_id,
                a.organisation.short_name or a.organisation.name,
                pd.Timestamp(a.start.earliest) if a.start else pd.NaT,
                pd.Timestamp(a.end.earliest) if a.end else pd.NaT,
            )
            for a in policy.visible(Affiliation, level).select_related("organisation")
        ]
        return pd.DataFrame(rows, columns=["person_id", "group", "start", "end"])
    charges = registry.charges_by_person(level)
    rows2 = [(pid, art.strip()) for pid, arts in charges.items() for art in arts.split(",")]
    return pd.DataFrame(rows2, columns=["person_id", "group"])


# -- the registry's credit ---------------------------------------------------------------
@dataclass
class Credit:
    """Whose data a count rests on, as a reader sees it: the organisations whose
    published lists (with their dates) and designations the registry holds, how many
    sources it cites, and the day it last changed."""

    as_of: dt.date | None = None
    lists: list[tuple[str, list[str]]] = field(default_factory=list)
    designators: list[str] = field(default_factory=list)
    sources: int = 0

    def text(self) -> str:
        """One line: "Vigil registry of political prisoners as of 2026-11-20; lists of
        Veloria Rights Watch (2026-06-15, 2026-10-15); designations by …"."""
        if self.as_of:
            parts = [
                _("Vigil registry of political prisoners as of %(date)s")
                % {"date": self.as_of.isoformat()}
            ]
        else:
            parts = [_("Vigil registry of political prisoners")]
        if self.lists:
            lists = "; ".join(f"{org} ({', '.join(days)})" for org, days in self.lists)
            # Translators: %(lists)s: organisations with the dates of their lists.
            parts.append(_("lists of %(lists)s") % {"lists": lists})
        if self.designators:
            parts.append(
                _("designations by %(organisations)s")
                % {"organisations": ", ".join(self.designators)}
            )
        if self.sources:
            parts.append(
                ngettext("%(n)d source cited", "%(n)d sources cited", self.sources)
                % {"n": self.sources}
            )
        return "; ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "lists": [{"organisation": o, "published": d} for o, d in self.lists],
            "designators": self.designators,
            "sources": self.sources,
            "text": self.text(),
        }


def credit(level: Who) -> Credit:
    """The registry's :class:`Credit` at ``level`` (only what the reader may see: the
    last change is that of the records it sees)."""

    from vigil.cases import models as m
    from vigil.cases import policy

    lists: dict[str, list[str]] = {}
    releases = policy.visible(m.ListRelease, level).select_related("organisation")
    for r in releases.order_by("published", "id"):
        days = lists.setdefault(_org_name(r.organisation), [])
        if str(r.published) not in days:
            days.append(str(r.published))
    designating = policy.visible(m.Designation, level).values("organisation_id")
    designators = [
        _org_name(o)
        for o in policy.visible(m.Organisation, level)
        .filter(id__in=designating)
        .order_by("key", "id")
    ]
    return Credit(
        as_of=last_change(level),
        lists=list(lists.items()),
        designators=designators,
        sources=policy.visible(m.Source, level).count(),
    )


def last_change(level: Who) -> dt.date | None:
    """The day the registry last changed, as far as a reader at ``level`` can tell: the
    latest change of a person, a case or a status event it may see (an edit of a hidden
    record moves nothing). Every registry page's footer gives this date."""
    from django.db.models import Max

    from vigil.cases import models as m
    from vigil.cases import policy

    stamps = [
        policy.visible(m.Person, level).aggregate(t=Max("updated"))["t"],
        policy.visible(m.Case, level).aggregate(t=Max("updated"))["t"],
        policy.visible(m.StatusEvent, level).aggregate(t=Max("recorded"))["t"],
    ]
    known = [s for s in stamps if s is not None]
    return max(known).date() if known else None


def _org_name(o: Any) -> str:
    """ "Veloria Rights Watch (VRW)": the full name, and the short one when it differs."""
    short = (o.short_name or "").strip()
    return f"{o.name} ({short})" if short and short != o.name else o.name


# -- the chart -------------------------------------------------------------------------
def chart_title(frame: pd.DataFrame, by: GroupBy | str = GroupBy.NONE) -> str:
    """ "Political prisoners held, 1 June 2026 to 1 November 2026[, by organisation]"."""
    import pandas as pd

    group = group_by(by)
    days = [pd.Timestamp(d).date() for d in frame["date"]]
    title = str(WHAT)
    if days:
        first, last = min(days), max(days)
        if first == last:
            span = _day(first)
        else:
            span = _("%(first)s to %(last)s") % {"first": _day(first), "last": _day(last)}
        # Translators: a chart's title, then its dates: "Political prisoners held, 1 June
        # 2026 to 1 November 2026".
        title = _("%(title)s, %(span)s") % {"title": title, "span": span}
    if group is not GroupBy.NONE:
        # Translators: a chart's title, then what its lines are: "…, by organisation".
        title = _("%(title)s, by %(group)s") % {"title": title, "group": str(_GROUPS[group])}
    return title


#: What a chart's lines are, in its title (", by organisation").
_GROUPS = {
    GroupBy.ORGANISATION: pgettext_lazy("chart by", "organisation"),
    GroupBy.CHARGE: pgettext_lazy("chart by", "charge"),
    GroupBy.STATUS: pgettext_lazy("chart by", "status"),
}


def _day(d: dt.date) -> str:
    return i18n.long_date(d)


#: Tick steps of the time axis, shortest first: (unit, step, about how many days).
_STEPS = (
    [("day", k, k) for k in (1, 2, 3, 7, 14)]
    + [("month", k, 30.4 * k) for k in (1, 2, 3, 4, 6)]
    + [("year", k, 365.25 * k) for k in (1, 2, 5, 10, 20, 50, 100)]
)


def _date_ticks(lo: float, hi: float, most: int) -> tuple[Any, Any]:
    """The time axis's ticks between ``lo`` and ``hi`` (matplotlib dates): the shortest
    step giving 2 to ``most`` ticks, each labelled with its year ("1 Jun 2026",
    "Jun 2026", "2026")."""
    import matplotlib.dates as mdates

    chosen: Any = None
    for unit, step, days in _STEPS:
        if (hi - lo) / days > most + 1:
            continue  # too many ticks, without asking the locator for thousands
        if unit == "day":
            locator: Any = mdates.DayLocator(interval=step)
            label = "%-d %b %Y"
        elif unit == "month":
            locator, label = mdates.MonthLocator(interval=step), "%b %Y"
        else:
            locator, label = mdates.YearLocator(base=step), "%Y"
        values = locator.tick_values(mdates.num2date(lo), mdates.num2date(hi))
        inside = [t for t in values if lo <= t <= hi]
        chosen = (locator, mdates.DateFormatter(label))
        if 2 <= len(inside) <= most:
            return chosen
    return chosen or (mdates.YearLocator(base=100), mdates.DateFormatter("%Y"))


def chart(
    frame: pd.DataFrame,
    path: str | Path,
    title: str | None = None,
    *,
    credit: str | None = None,
    width: float = 9.0,
) -> None:
    """A step chart of the counts (PNG or SVG by the file's suffix; an SVG keeps its
    text as text): titled with what is counted and the dates, the rule beneath, the
    source (``credit``, else the table's ``attrs["credit"]``) and "Chart: Vigil" at the
    bottom, colours from :mod:`vigil.palette`, a year on every date of the time axis.
    ``width`` in inches (9; 4.8 for a phone: taller, fewer ticks, text wrapped)."""
    import matplotlib as mpl
    import matplotlib.dates as mdates
    import pandas as pd
    from matplotlib.figure import Figure
    from matplotlib.layout_engine import ConstrainedLayoutEngine
    from matplotlib.ticker import MaxNLocator

    from vigil import palette

    narrow = width < 7
    size = (width, 5.2 if narrow else 5.0)
    chars = width / 9.0  # how much of the wide chart's line a line of text may take
    strip = (0.9 if narrow else 0.5) / size[1]
    fig = Figure(
        figsize=size, dpi=120, layout=ConstrainedLayoutEngine(rect=(0, strip, 1, 1 - strip))
    )
    ax = fig.add_subplot()
    x = pd.to_datetime(frame["date"])
    groups = [c for c in frame.columns if c not in ("date", "all")]
    if "all" in frame.columns:
        # Translators: a chart's legend: the line of everyone.
        label = _("all (each person once)") if groups else pgettext("chart legend", "all")
        ax.step(x, frame["all"], where="post", label=label, color=palette.NET, linewidth=2.6)
        ax.plot(x, frame["all"], "o", color=palette.NET, markersize=3.5)
    for i, column in enumerate(groups):
        colour = palette.CATEGORY[i % len(palette.CATEGORY)]
        ax.step(x, frame[column], where="post", label=str(column), color=colour, linewidth=1.6)
        ax.plot(x, frame[column], "o", color=colour, markersize=2.5)
    fig.suptitle(
        textwrap.fill(title or chart_title(frame), int(75 * chars)),
        x=0.01,
        ha="left",
        fontsize=13,
        fontweight="bold",
        color=palette.TEXT,
    )
    rule = _("Counted on each date: %(rule)s. A dot is a date counted.") % {"rule": RULE}
    ax.set_title(
        textwrap.fill(rule, int(115 * chars)), loc="left", fontsize=9, color=palette.CREDIT
    )
    ax.set_ylabel(pgettext("chart axis", "people"), color=palette.TEXT)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if len(x) == 1:
        day = float(mdates.date2num(x.iloc[0]))
        ax.set_xlim(day - 15, day + 15)
    locator, formatter = _date_ticks(*ax.get_xlim(), most=4 if narrow else 7)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(formatter)
    ax.grid(color=palette.GRID, linewidth=0.7)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if groups:
        ax.legend(loc="upper left", fontsize="small", frameon=False)
    source = (credit if credit is not None else frame.attrs.get("credit", "")).strip()
    line = f"Source: {source} · Chart: Vigil" if source else "Chart: Vigil"
    fig.text(
        0.01,
        0.012,
        textwrap.fill(line, int(160 * chars)),
        ha="left",
        va="bottom",
        fontsize=7.5,
        color=palette.CREDIT,
    )
    with mpl.rc_context({"svg.fonttype": "none"}):
        fig.savefig(path, facecolor="white")
