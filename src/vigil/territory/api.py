"""The territory library: open a store, ingest sources, ask questions.

>>> from vigil.territory import open_store
>>> t = open_store("demo/vigil.sqlite")
>>> t.change("2024-10-20", "2024-10-27").gained_km2   # doctest: +SKIP
196.29

Every CLI command and web view is one call here. Results are typed values
(vigil.territory.results), pandas DataFrames and (Geo)DataFrames.

Importing this module is cheap (no numpy, pandas, shapely or pyproj): each method
imports the numerical modules it needs, so that a question answered from stored
figures (``area``) starts in a fraction of a second (issue 12, docs/performance.md).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import math
import os
import signal
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vigil import config
from vigil import periods as P
from vigil.dates import check_order, parse_date
from vigil.errors import InputError, NoDataError
from vigil.i18n import gettext as _
from vigil.i18n import gettext_lazy, ngettext, pgettext
from vigil.territory.results import AreaOnDate, Change, flagged_km2, redraw_reasons
from vigil.territory.sources.base import CONTROLLED_GREY, Kind, Snapshot, SourceReport
from vigil.territory.store import JOINED, IngestOutcome, Part, Store

if TYPE_CHECKING:  # each costs from a tenth of a second to over one to import
    from concurrent.futures import Executor

    import geopandas as gpd
    import pandas as pd
    from shapely.geometry.base import BaseGeometry

    from vigil.territory import change as overlay_mod
    from vigil.territory import geography
    from vigil.territory.prepare import Prepared

DateLike = dt.date | str
#: The source joining DeepState's raw archive and its daily archive (Territory.join).
JOINED_DEEPSTATE = "deepstate"
REGION_LEVELS = ("oblast", "raion", "hromada")
# Translators: %(query)r is the name typed, quoted; %(codes)s a list of region codes.
_SEVERAL_MATCH = {
    "oblast": gettext_lazy("several oblasts match %(query)r (%(codes)s); use a code"),
    "raion": gettext_lazy("several raions match %(query)r (%(codes)s); use a code"),
    "hromada": gettext_lazy("several hromadas match %(query)r (%(codes)s); use a code"),
}
# Share of differing tiles above which one change is overlaid whole (measured: a month
# of the DeepState map differs in ~15 % of tiles, a year in ~40 %).
WHOLE_OVERLAY_SHARE = 0.25
Progress = Callable[[int, str], None]  # (snapshots done, current label)


@dataclass(frozen=True)
class IngestReport:
    """What an ingest did: counts per outcome, repairs, and the reader's tallies."""

    source: str
    format: str
    added: int
    replaced: list[str]
    unchanged: int
    repaired: int
    dropped_parts: int
    first: dt.date | None
    last: dt.date | None
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: The input was byte-identical to an earlier ingest's and the store still held what
    #: it gave: nothing was read (``counts`` is empty, ``unchanged`` counts its snapshots).
    skipped: bool = False


def as_date(value: DateLike, param: str = "date") -> dt.date:
    """Alias of :func:`vigil.dates.parse_date` (the one date parser), kept for callers."""
    return parse_date(value, param)


class Territory:
    """A territory store and the questions it answers.

    ``path``: the SQLite store (default: ``VIGIL_STORE`` or the per-user data dir).
    ``create``: make an empty store when none exists (ingest does; queries don't).
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, create: bool = False):
        self.store = Store(config.resolve_store(path), create=create)
        self._frontline_meter: Any = None  # built on first use (the outline is prepared once)
        self._places: Any = None  # regions and gazetteer index, for locating fragments
        self.store.on_rollback(self._forget)

    def _forget(self) -> None:
        """Drop what was built from rows a rollback may have undone (geography imported
        inside a held transaction that then failed)."""
        self._frontline_meter = None
        self._places = None

    def held(self) -> contextlib.AbstractContextManager[Store]:
        """One transaction around the block (:meth:`Store.held`): ingest, compute from
        what was ingested, and commit it all at the end, or roll all of it back when an
        error leaves the block (caches cleared; a store this object created and that
        still holds no snapshot is deleted, as after a failed first ingest)."""
        return self.store.held()

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Territory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- ingest ------------------------------------------------------------------------
    def ingest(
        self,
        paths: Sequence[str | os.PathLike[str]],
        *,
        format: str = "auto",
        source: str | None = None,
        jobs: int | None = None,
        progress: Progress | None = None,
        force: bool = False,
        credit: str | None = None,
        **options: Any,
    ) -> IngestReport:
        """Read ``paths`` and store their snapshots in one transaction.

        Re-ingesting identical data changes nothing; a date whose content changed is
        replaced (and listed in the report). Any error rolls everything back; inside
        :meth:`held` that is a savepoint, undoing this ingest only, and nothing is
        committed before the held block ends.

        Unchanged input is not read again: when the files are byte-identical (sha256)
        to an earlier ingest of the source, with the same format and options, and the
        store still holds every snapshot that ingest gave with the same content, the
        report says so (``skipped``, a note with the hashes) in a fraction of a second.
        ``force`` reads them anyway. ``credit`` (e.g. from a rules file) is the
        source's attribution, shown on charts and briefs (default: the format's own).
        """
        started = time.perf_counter()
        paths = list(paths)
        reader_report = SourceReport()
        try:
            # one transaction (a savepoint inside held()): the write and the join it
            # refreshes are kept or undone together
            with self.store.transaction():
                name, fmt, outcome, skipped = self._ingest(
                    paths, format, source, jobs, progress, reader_report, options, force, credit
                )
        except BaseException:
            self.store.discard_if_new()  # a store this ingest created goes away with it
            raise
        if not self.store.is_held:  # held: the held block decides (rolled back, it is new)
            self.store.created = False  # it has a history now, even if no snapshot
        touched = [d for _, d in outcome.added + outcome.replaced + outcome.unchanged]
        return IngestReport(
            source=name,
            format=fmt,
            added=len(outcome.added),
            replaced=[f"{k} {d}" for k, d in outcome.replaced],
            unchanged=len(outcome.unchanged),
            repaired=outcome.repaired,
            dropped_parts=outcome.dropped_parts,
            first=min(touched) if touched else None,
            last=max(touched) if touched else None,
            counts=dict(reader_report.counts),
            notes=list(reader_report.notes),
            seconds=time.perf_counter() - started,
            skipped=skipped,
        )

    def _ingest(
        self,
        paths: list[str | os.PathLike[str]],
        format: str,
        source: str | None,
        jobs: int | None,
        progress: Progress | None,
        reader_report: SourceReport,
        options: dict[str, Any],
        force: bool,
        credit: str | None = None,
    ) -> tuple[str, str, IngestOutcome, bool]:
        from vigil.territory import sources

        if not paths:
            raise InputError(_("name at least one file, directory or archive"), param="paths")
        inputs = [str(p) for p in paths]
        seen = sources.fingerprint(format, source, paths, options)
        if seen is not None and not force:
            hit = self.store.unchanged_input(seen.key)
            if hit is not None and not self._dated_otherwise(hit[0]):
                name, keys = hit
                note = f"unchanged since the last ingest ({seen.shown()}); nothing was re-read"
                self.store.log_unchanged(name, inputs, seen.key, len(keys), note)
                reader_report.note(note)
                joined = self._join_deepstate(refresh=False)
                if joined is not None:
                    reader_report.note(joined)
                return name, self.store.source_format(name) or format, _unchanged(keys), True
        fmt = sources.detect(paths) if format == "auto" else format
        if fmt not in sources.FORMATS:
            # Translators: "auto" and the formats are values to type, keep them as they are.
            raise InputError(
                _("expected auto or one of %(formats)s, got %(value)r")
                % {"formats": ", ".join(sources.FORMATS), "value": format},
                param="format",
            )
        name = source or sources.default_source(fmt, paths)
        self._check_source_format(name, fmt)
        snapshots = sources.read(fmt, paths, reader_report, **options)
        prepared = _prepare_all(_group_by_date(snapshots), jobs)
        if progress is not None:
            prepared = _ticking(prepared, progress)
        outcome = self.store.write(
            prepared,
            source=name,
            format=fmt,
            credit=credit if credit is not None else sources.CREDITS.get(fmt, ""),
            inputs=inputs,
            # read once the input is consumed: the reader fills its report as it goes
            report=lambda: {"counts": dict(reader_report.counts), "notes": reader_report.notes},
            fingerprint=seen.key if seen is not None else None,
            dating=sources.DATINGS.get(fmt, ""),
        )
        if outcome.redated:
            reader_report.note(
                f"{outcome.redated} snapshots held under another date convention were"
                f" dropped and stored again under this one ({sources.DATINGS[fmt]})"
            )
        if fmt in ("deepstate-raw", "deepstate-daily"):
            joined = self._join_deepstate()  # again: the seam moves with the raw archive
            if joined is not None:
                reader_report.note(joined)
        return name, fmt, outcome, False

    def _dated_otherwise(self, name: str) -> bool:
        """Whether ``name`` holds snapshots dated by another convention than its reader's
        today (a daily archive ingested before schema 5): then unchanged input is read
        again, to re-date it."""
        from vigil.territory import sources

        wanted = sources.DATINGS.get(self.store.source_format(name) or "", "")
        held = self.store.source_dating(name)
        return bool(wanted and held and held != wanted)

    def _check_source_format(self, name: str, fmt: str) -> None:
        held = self.store.source_format(name)
        if held == JOINED:
            parts = ", ".join(p.name for p in self.store.parts(name))
            raise InputError(
                _("%(name)r is joined from other sources (%(parts)s); ingest into one of them")
                % {"name": name, "parts": parts},
                param="source",
            )
        if held is not None and held != fmt:
            # Translators: %(held)s and %(format)s are data format names (deepstate, vector).
            raise InputError(
                _("%(name)r holds %(held)s data, not %(format)s; name another source")
                % {"name": name, "held": held, "format": fmt},
                param="source",
            )

    # -- joined sources ----------------------------------------------------------------
    def join(
        self,
        name: str,
        parts: Sequence[str],
        *,
        until: Sequence[DateLike] | None = None,
    ) -> list[Part]:
        """Define ``name`` as one source made of ``parts`` in date order: part i stands
        for the dates up to ``until[i]`` (default: its last snapshot), the last part for
        every later date. Queries on ``name`` read each date from the part standing for
        it and name that part (``archive``). Each seam is measured (:meth:`_seam`) and
        kept with the join. Returns the parts."""
        if len(parts) < 2:
            raise InputError(_("name at least two sources to join"), param="parts")
        held = self.source_names()
        for part in parts:
            if part not in held:
                raise NoDataError(
                    _("%(source)r is not in this store") % {"source": part}, param="parts"
                )
            if self.store.parts(part):
                raise InputError(
                    _("%(source)r is itself joined; join its parts") % {"source": part},
                    param="parts",
                )
        if name in parts:
            raise InputError(
                _("%(name)r cannot be one of its own parts") % {"name": name}, param="name"
            )
        if until is None:
            ends = [self._last_date(p) for p in parts[:-1]]
        else:
            if len(until) != len(parts) - 1:
                raise InputError(
                    ngettext(
                        "expected %(n)d dates (one per seam), got %(got)d",
                        "expected %(n)d dates (one per seam), got %(got)d",
                        len(parts) - 1,
                    )
                    % {"n": len(parts) - 1, "got": len(until)},
                    param="until",
                )
            ends = [parse_date(u, "until") for u in until]
        for earlier, later in itertools.pairwise(ends):
            check_order(earlier, later)
        joined = [
            Part(p, end, self._seam(p, nxt, end))
            for p, nxt, end in zip(parts[:-1], parts[1:], ends, strict=True)
        ]
        joined.append(Part(parts[-1], None))
        datings = {self.store.source_dating(p).partition(":")[0] for p in parts}
        credit = "; ".join(dict.fromkeys(c for p in parts if (c := self.store.source_credit(p))))
        self.store.join(
            name,
            joined,
            credit=credit,
            dating=f"{datings.pop()}, each part by its own rule" if len(datings) == 1 else "",
        )
        return joined

    def _last_date(self, source: str) -> dt.date:
        dates = self.store.dates(source, Kind.CONTROLLED)
        if not dates:
            raise NoDataError(
                _("%(source)r holds no controlled snapshot") % {"source": source}, param="parts"
            )
        return dates[-1]

    def _seam(self, before: str, after: str, day: dt.date) -> dict[str, Any]:
        """The step where ``after`` takes over from ``before`` on the day after ``day``:
        both maps of ``day`` (each source's latest on or before it; ``after``'s first
        when it has none yet) overlaid whole, and, over the days both hold, how their
        areas and their 7-day net changes differ (km², geodesic)."""
        from vigil.territory import change as overlay_mod

        a = self.store.snapshot(
            before, Kind.CONTROLLED, self._snapshot_date(before, Kind.CONTROLLED, day)
        )
        later = self.store.dates(after, Kind.CONTROLLED)
        if not later:
            raise NoDataError(
                _("%(source)r holds no controlled snapshot") % {"source": after}, param="parts"
            )
        b_day = P.snapshot_for(day, later) or later[0]
        b = self.store.snapshot(after, Kind.CONTROLLED, b_day)
        result = overlay_mod.whole(self.store.geometry(a.id), self.store.geometry(b.id))
        pieces = overlay_mod.fragment_table(
            overlay_mod.fragments(result.gained), overlay_mod.fragments(result.lost)
        )
        largest = [
            {
                "only_in": after if r["direction"] == "gained" else before,
                "area_km2": round(float(r["area_km2"]), 3),
                "lon": round(float(r["centroid_lon"]), 4),
                "lat": round(float(r["centroid_lat"]), 4),
            }
            for r in pieces.head(3).to_dict(orient="records")
        ]
        seam: dict[str, Any] = {
            "date": day.isoformat(),
            "from": before,
            "to": after,
            "snapshot_from": a.date.isoformat(),
            "snapshot_to": b.date.isoformat(),
            "area_from_km2": a.area_km2,
            "area_to_km2": b.area_km2,
            "step_km2": b.area_km2 - a.area_km2,
            "only_from_km2": result.lost_km2,
            "only_to_km2": result.gained_km2,
            "largest": largest,
        }
        seam.update(self.area_agreement(before, after))
        return seam

    def area_agreement(self, a: str, b: str, *, shift_days: int = 0) -> dict[str, Any]:
        """How two sources' stored areas and 7-day net changes differ on the days both
        hold a snapshot, ``b``'s dates read ``shift_days`` earlier (km²): the median of
        b − a and the maximum of |b − a| for the areas; the median and maximum of
        |b − a| for the 7-day net changes, how many weeks were compared and in how many
        they agree to 0.01 km². The evidence for a date convention (seams, and
        ``scripts/measure_daily_offset.py``)."""
        import numpy as np

        area_a = self.store.areas(a, Kind.CONTROLLED)
        shift = dt.timedelta(days=shift_days)
        area_b = {d - shift: v for d, v in self.store.areas(b, Kind.CONTROLLED).items()}
        common = sorted(area_a.keys() & area_b.keys())
        if not common:
            return {"overlap_days": 0}
        diff = np.array([area_b[d] - area_a[d] for d in common])
        week = dt.timedelta(days=7)
        net = np.abs(
            [
                (area_b[d + week] - area_b[d]) - (area_a[d + week] - area_a[d])
                for d in common
                if d + week in area_a and d + week in area_b
            ]
        )
        out: dict[str, Any] = {
            "overlap_first": common[0].isoformat(),
            "overlap_last": common[-1].isoformat(),
            "overlap_days": len(common),
            "area_diff_median_km2": float(np.median(diff)),
            "area_diff_max_km2": float(np.max(np.abs(diff))),
            "weeks_compared": len(net),
        }
        if len(net):
            out["weekly_net_diff_median_km2"] = float(np.median(net))
            out["weekly_net_diff_max_km2"] = float(np.max(net))
            out["weeks_equal"] = int((net < 0.01).sum())
        return out

    def _join_deepstate(self, *, refresh: bool = True) -> str | None:
        """Join DeepState's raw archive (up to its last day) and its daily archive (after
        it) as ``deepstate`` when the store holds one source of each and no other source
        named ``deepstate``; returns a note saying so, or None. Without ``refresh``, an
        existing join is left as it is."""
        if not refresh and self.store.parts(JOINED_DEEPSTATE):
            return None
        table = self.store.sources()
        raw = table.name[table.format == "deepstate-raw"].tolist()
        daily = table.name[table.format == "deepstate-daily"].tolist()
        clash = table[(table.name == JOINED_DEEPSTATE) & (table.format != JOINED)]
        if len(raw) != 1 or len(daily) != 1 or not clash.empty:
            return None
        parts = self.join(JOINED_DEEPSTATE, [raw[0], daily[0]])
        seam = f" (seam {describe_seam(parts[0].seam)})" if parts[0].seam else ""
        return f"{JOINED_DEEPSTATE}: {raw[0]} up to {parts[0].until}, then {daily[0]}{seam}"

    # -- what the store holds ----------------------------------------------------------
    def source_names(self) -> list[str]:
        return self.store.source_names()

    def resolve_source(self, source: str | None = None) -> str:
        """The source to query: the one given, or the only one in the store that is not
        a part of a joined source (a store with DeepState's raw and daily archives
        answers from their join, ``deepstate``, unless told otherwise), or ``deepstate``
        when it is one of several (ISW beside it, say)."""
        names = self.source_names()
        if source is not None:
            if source not in names:
                # Translators: shown instead of a list of source names when there is none.
                held = ", ".join(names) or pgettext("sources", "none")
                raise NoDataError(
                    _("%(source)r is not in this store (sources: %(held)s)")
                    % {"source": source, "held": held},
                    param="source",
                )
            return source
        if not names:
            # Translators: %(path)s is the store's file; the command stays as it is.
            raise NoDataError(
                _("%(path)s: the store is empty; run `vigil territory ingest` first")
                % {"path": self.store.path}
            )
        top = [n for n in names if n not in self.store.part_names()]
        if len(top) > 1 and JOINED_DEEPSTATE in top and self.store.parts(JOINED_DEEPSTATE):
            return JOINED_DEEPSTATE  # DeepState's joined history is the default beside others
        if len(top) > 1:
            raise InputError(
                _("the store holds several sources (%(sources)s); name one")
                % {"sources": ", ".join(top)},
                param="source",
            )
        return top[0]

    def snapshots(self, source: str | None = None) -> pd.DataFrame:
        """One row per (source, kind): first and last date, count, and missing days."""
        import pandas as pd

        if source is not None:
            self.resolve_source(source)
        table = self.store.snapshot_table(source)
        rows = []
        for (src, kind), group in table.groupby(["source", "kind"], sort=True):
            dates = sorted(group.date)
            # pre-2022 is stored only on the days it changes: no day of it is missing
            missing = _missing_days(dates) if kind != Kind.PRE_2022 else []
            rows.append(
                {
                    "source": src,
                    "kind": kind,
                    "first": dates[0],
                    "last": dates[-1],
                    "snapshots": len(dates),
                    "missing_days": len(missing),
                    "gaps": ", ".join(_ranges(missing)),
                    "repaired": int(group.repaired.sum()),
                    "last_area_km2": float(group.area_km2.iloc[-1]),
                }
            )
        return pd.DataFrame(rows)

    def sources_table(self) -> pd.DataFrame:
        """One row per source: ``source``, ``format`` (``joined`` for a join), ``first``
        and ``last`` date, ``snapshots`` (controlled), ``missing_days`` and ``gaps`` between
        first and last, ``kinds`` held, ``dating`` (what a date means), ``parts`` (a
        join's parts and the dates each stands for), ``seam`` (the measured step at each
        seam: dict, see :meth:`join`) and ``credit``."""
        import pandas as pd

        table = self.store.sources()
        rows = []
        for r in table.to_dict(orient="records"):
            name = str(r["name"])
            dates = self.store.dates(name, Kind.CONTROLLED)
            parts = self.store.parts(name)
            missing = _missing_days(dates)
            kinds = []
            for k in (*Kind, CONTROLLED_GREY):
                held_k = self.store.dates(name, str(k))
                if held_k and k != Kind.PRE_2022 and dates and held_k[-1] < dates[-1]:
                    kinds.append(f"{k} (until {held_k[-1]})")
                elif held_k:
                    kinds.append(str(k))
            rows.append(
                {
                    "source": name,
                    "format": r["format"],
                    "first": dates[0] if dates else None,
                    "last": dates[-1] if dates else None,
                    "snapshots": len(dates),
                    "missing_days": len(missing),
                    "gaps": ", ".join(_ranges(missing)),
                    "kinds": ", ".join(kinds),
                    "dating": r["dating"],
                    "parts": _describe_parts(parts),
                    "seam": [p.seam for p in parts if p.seam] or None,
                    "credit": r["credit"],
                }
            )
        return pd.DataFrame(rows)

    def dates(self, source: str | None = None, kind: str = Kind.CONTROLLED) -> list[dt.date]:
        return self.store.dates(self.resolve_source(source), kind)

    def _kind(self, source: str, with_grey: bool) -> str:
        if not with_grey:
            return Kind.CONTROLLED
        if not self.store.dates(source, CONTROLLED_GREY):
            raise NoDataError(
                _("source %(source)s has no grey-zone layer") % {"source": source},
                param="with_grey",
            )
        return CONTROLLED_GREY

    def _snapshot_date(self, source: str, kind: str, date: dt.date) -> dt.date:
        dates = self.store.dates(source, kind)
        found = P.snapshot_for(date, dates)
        if found is None:
            first = dates[0] if dates else None
            if first:
                # Translators: both dates are ISO dates (2026-12-02).
                raise NoDataError(
                    _(
                        "no snapshot of %(source)s on or before %(date)s;"
                        " its data begin on %(first)s"
                    )
                    % {"source": source, "date": date, "first": first}
                )
            raise NoDataError(
                _("no snapshot of %(source)s on or before %(date)s")
                % {"source": source, "date": date}
            )
        part = self.store.part_for(source, date)
        if part != source and self.store.part_for(source, found) != part:
            # a joined source whose part for ``date`` lacks ``kind`` (the daily archive
            # has no grey zone): an older part's map must not stand in for it
            # Translators: %(source)s, %(part)s and %(holder)s are source names, %(kind)s
            # a layer identifier (controlled, controlled+grey), the dates are ISO dates.
            raise NoDataError(
                _(
                    "%(source)s: %(part)s, which stands for %(date)s, has no %(kind)s snapshot"
                    " on or before it (%(kind)s is held until %(found)s, in %(holder)s)"
                )
                % {
                    "source": source,
                    "part": part,
                    "date": date,
                    "kind": kind,
                    "found": found,
                    "holder": self.store.part_for(source, found),
                },
                param="with_grey" if kind != Kind.CONTROLLED else None,
            )
        return found

    # -- questions ---------------------------------------------------------------------
    def area(
        self, date: DateLike, *, source: str | None = None, with_grey: bool = False
    ) -> AreaOnDate:
        """Controlled area (km², geodesic) on ``date``, from the latest snapshot on or before it."""
        src = self.resolve_source(source)
        day = parse_date(date, "date")
        kind = self._kind(src, with_grey)
        used = self._snapshot_date(src, Kind.CONTROLLED, day)
        if kind == CONTROLLED_GREY:
            self._snapshot_date(src, kind, day)  # its part has a grey zone, or a clear error
        controlled = self.store.snapshot(src, Kind.CONTROLLED, used)
        grey = None
        if kind == CONTROLLED_GREY or self.store.dates(controlled.source, CONTROLLED_GREY):
            union = self.store.snapshot(src, CONTROLLED_GREY, used)
            grey = union.area_km2 - controlled.area_km2
        return AreaOnDate(
            source=src,
            date=day,
            snapshot_date=used,
            controlled_km2=controlled.area_km2,
            grey_km2=grey,
            with_grey=kind == CONTROLLED_GREY,
            archive=controlled.source,
        )

    def geometry(
        self, date: DateLike, *, source: str | None = None, with_grey: bool = False
    ) -> BaseGeometry:
        """The controlled geometry (WGS84) of the snapshot standing for ``date``."""
        src = self.resolve_source(source)
        kind = self._kind(src, with_grey)
        used = self._snapshot_date(src, kind, parse_date(date, "date"))
        return self.store.geometry(self.store.snapshot(src, kind, used).id)

    def change(
        self,
        date_from: DateLike,
        date_to: DateLike,
        *,
        source: str | None = None,
        with_grey: bool = False,
        min_fragment_km2: float | None = None,
        min_width_km: float | None = None,
        redraws: bool = False,
        exclude_redraws: bool = False,
    ) -> Change:
        """Gained, lost and net area between the snapshots standing for two dates.

        ``redraws``: flag the fragments a source redrew rather than gained or lost
        (vigil.territory.redraws; a ``redraw`` column of reasons and the flagged km² in
        the summary). ``exclude_redraws`` (implies ``redraws``): the gained, lost and net
        figures leave the flagged fragments out."""
        from vigil.territory import change as overlay_mod

        src = self.resolve_source(source)
        a_day, b_day = parse_date(date_from, "date_from"), parse_date(date_to, "date_to")
        check_order(a_day, b_day)
        _check_filter(min_fragment_km2, min_width_km)
        kind = self._kind(src, with_grey)
        a = self.store.snapshot(src, kind, self._snapshot_date(src, kind, a_day))
        b = self.store.snapshot(src, kind, self._snapshot_date(src, kind, b_day))
        result = self._overlay(a.id, b.id)
        gained = overlay_mod.fragments(result.gained)
        lost = overlay_mod.fragments(result.lost)
        table = overlay_mod.fragment_table(
            gained, lost, min_km2=min_fragment_km2, min_width_km=min_width_km
        )
        flagged = redraws or exclude_redraws
        if flagged:
            from vigil.territory import redraws as redraws_mod

            ctx = redraws_mod.context_between(self, src, kind, a.date, b.date)
            table = table.assign(redraw=redraws_mod.flag(table, ctx).to_numpy())
        gained_km2, lost_km2 = result.gained_km2, result.lost_km2
        if exclude_redraws:
            gained_km2 -= flagged_km2(table, "gained")
            lost_km2 -= flagged_km2(table, "lost")
        return Change(
            source=src,
            kind=kind,
            date_from=a_day,
            date_to=b_day,
            snapshot_from=a.date,
            snapshot_to=b.date,
            archive_from=a.source,
            archive_to=b.source,
            redraws_flagged=flagged,
            exclude_redraws=exclude_redraws,
            area_from_km2=a.area_km2,
            area_to_km2=b.area_km2,
            gained_km2=gained_km2,
            lost_km2=lost_km2,
            gained=overlay_mod.as_multipolygon(gained),
            lost=overlay_mod.as_multipolygon(lost),
            fragments=table,
            min_fragment_km2=min_fragment_km2,
            min_width_km=min_width_km,
        )

    def _overlay(self, a_id: int, b_id: int) -> overlay_mod.Overlay:
        """One pair: tile by tile when few tiles differ; when many do (a year, say),
        the whole geometries in one overlay, which then costs less than re-merging
        hundreds of pieces into fragments. Both give the same figures (docs/method.md)."""
        from vigil.territory import change as overlay_mod

        ia, ib = self.store.tile_index(a_id), self.store.tile_index(b_id)
        if len(overlay_mod.dirty_tiles(ia, ib)) > WHOLE_OVERLAY_SHARE * len(ia.keys() | ib.keys()):
            return overlay_mod.whole(self.store.geometry(a_id), self.store.geometry(b_id))
        return self._overlays([(a_id, b_id)])[0]

    def _overlays(self, pairs: list[tuple[int, int]]) -> list[overlay_mod.Overlay]:
        """Overlay many snapshot pairs: load every differing piece in one batch, then
        overlay the pairs on two threads (shapely releases the GIL)."""
        from vigil.territory import change as overlay_mod

        keys = []
        wanted: set[bytes] = set()
        for a_id, b_id in pairs:
            ia, ib = self.store.tile_index(a_id), self.store.tile_index(b_id)
            dirty = overlay_mod.dirty_tiles(ia, ib) if a_id != b_id else []
            keys.append((dirty, ia, ib))
            wanted.update(ia[k] for k in dirty if k in ia)
            wanted.update(ib[k] for k in dirty if k in ib)
        pieces = self.store.pieces(wanted)
        diffs = [overlay_mod.align(d, ia, ib, pieces) for d, ia, ib in keys]
        if len(diffs) < 4:
            return [overlay_mod.overlay(d) for d in diffs]
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
            return list(pool.map(overlay_mod.overlay, diffs))

    def series(
        self,
        freq: str | P.Freq = "week",
        *,
        date_from: DateLike | None = None,
        date_to: DateLike | None = None,
        week_start: str | int = "mon",
        source: str | None = None,
        with_grey: bool = False,
        partial: bool = False,
        min_fragment_km2: float | None = None,
        min_width_km: float | None = None,
        region: str | None = None,
        frontline_buffer_km: float | None = None,
        redraws: bool = False,
        exclude_redraws: bool = False,
    ) -> pd.DataFrame:
        """One row per period (columns: vigil.territory.results.SERIES_COLUMNS).

        Periods run from ``date_from`` (default: the first snapshot) to ``date_to``
        (default: the last); a period [start, end) is measured from the map of start − 1
        to the map of end − 1 (vigil.territory.series) and shown when a snapshot stands
        for start − 1. The current, unfinished period is left out unless ``partial``. ``region`` (an
        oblast, raion or hromada, by code or name) restricts every figure to it;
        ``frontline_buffer_km`` adds ``frontline_km``, the line of contact at each
        period's end snapshot. ``redraws`` adds ``gained_redraw_km2``, ``lost_redraw_km2``
        and ``redraw_reasons`` (fragments flagged as a source's redraws, see
        :meth:`change`); ``exclude_redraws`` also takes them out of gained, lost and net.
        """
        from vigil.territory import series as S

        src = self.resolve_source(source)
        kind = self._kind(src, with_grey)
        _check_filter(min_fragment_km2, min_width_km)
        dates = self.store.dates(src, kind)
        if not dates:
            # Translators: %(kind)s is a layer identifier (controlled, controlled+grey).
            raise NoDataError(
                _("source %(source)s holds no %(kind)s snapshot") % {"source": src, "kind": kind}
            )
        first, stop = _span(date_from, date_to, dates[0], dates[-1] + dt.timedelta(days=1))
        plan = S.plan(
            _freq(freq),
            dates,
            start=first,
            end=stop,
            week_start=week_start if isinstance(week_start, int) else P.weekday_index(week_start),
            partial=partial,
        )
        rows = {
            d: self.store.snapshot(src, kind, d)
            for d in {p.snap_a for p in plan} | {p.snap_b for p in plan}
        }
        overlays = self._overlays([(rows[p.snap_a].id, rows[p.snap_b].id) for p in plan])
        areas = {d: r.area_km2 for d, r in rows.items()}
        label = None
        if region is not None:
            label, shape = self._region_shape(region)
            overlays, areas = self._within(overlays, rows, shape)
        table = S.table(
            plan,
            overlays,
            areas,
            min_fragment_km2=min_fragment_km2,
            min_width_km=min_width_km,
        )
        if label is not None:
            table.insert(0, "region", label)
        if redraws or exclude_redraws:
            self._flag_periods(table, src, kind, plan, overlays)
            if exclude_redraws:
                table = S.without_redraws(table)
            table["redraws_excluded"] = exclude_redraws
        if self.store.parts(src) and len(table):
            # a joined source: which archive each period's two snapshots come from
            table["archive_start"] = [rows[p.snap_a].source for p in plan]
            table["archive_end"] = [rows[p.snap_b].source for p in plan]
        if frontline_buffer_km is not None:
            _check_buffer(frontline_buffer_km, "frontline_buffer_km")
            table["frontline_km"] = [
                self._frontline_km(rows[p.snap_b].id, frontline_buffer_km) for p in plan
            ]
            table["frontline_buffer_km"] = frontline_buffer_km
        return table

    def _flag_periods(
        self,
        table: pd.DataFrame,
        src: str,
        kind: str,
        plan: list[Any],
        overlays: list[overlay_mod.Overlay],
    ) -> None:
        """Add each period's km² flagged as redraws and their reasons to ``table``."""
        from vigil.territory import change as overlay_mod
        from vigil.territory import redraws as redraws_mod

        gained, lost, reasons = [], [], []
        for p, o in zip(plan, overlays, strict=True):
            frags = overlay_mod.fragment_table(
                overlay_mod.fragments(o.gained), overlay_mod.fragments(o.lost)
            )
            if not frags.empty:
                ctx = redraws_mod.context_between(self, src, kind, p.snap_a, p.snap_b)
                frags = frags.assign(redraw=redraws_mod.flag(frags, ctx).to_numpy())
            gained.append(flagged_km2(frags, "gained"))
            lost.append(flagged_km2(frags, "lost"))
            reasons.append(redraw_reasons(frags))
        table["gained_redraw_km2"] = gained
        table["lost_redraw_km2"] = lost
        table["redraw_reasons"] = reasons

    def records(
        self,
        freq: str | P.Freq = "week",
        *,
        metric: str = "gained",
        period: DateLike | None = None,
        week_start: str | int = "mon",
        source: str | None = None,
        with_grey: bool = False,
        redraws: bool = False,
        exclude_redraws: bool = False,
    ) -> pd.DataFrame:
        """Each period's value, the last earlier larger one and its rank in the trailing year.

        ``metric``: gained, lost or net (km²). ``period``: any date inside the one period
        to return (default: all periods). ``redraws``: flag every period's redraw
        fragments and rank the periods both with and without them: ``redraw_km2`` is the
        flagged part of the value, ``alt_value``, ``alt_larger_before`` and
        ``alt_rank_in_year`` the other reading's figures, and ``depends_on_redraw`` is
        True when the record statement (larger since, rank) differs between the two.
        ``exclude_redraws`` (implies ``redraws``) makes the reading without them the
        headline.
        """
        from vigil.territory import series as S

        f = _freq(freq)
        flagged = redraws or exclude_redraws
        table = self.series(
            f, week_start=week_start, source=source, with_grey=with_grey, redraws=flagged
        )
        out = S.records(table, f, metric)
        if flagged:
            out = S.with_redraws(out, table, f, metric, exclude=exclude_redraws)
        if period is None:
            return out
        day = parse_date(period, "period")
        hit = out[(out.period_start <= day) & (day < out.period_end)]
        if hit.empty:
            # Translators: %(freq)s is one of the values day, week, month, year; %(day)s an
            # ISO date.
            raise NoDataError(
                _("no complete %(freq)s with data holds %(day)s") % {"freq": f, "day": day},
                param="period",
            )
        return hit.reset_index(drop=True)

    # -- regions and the front line ----------------------------------------------------
    def import_geography(
        self,
        path: str | os.PathLike[str] | None,
        level: str,
        *,
        force: bool = False,
        **mapping: Any,
    ) -> geography.Imported:
        """Load reference geography: ``level`` oblast, raion, hromada or settlement from
        ``path`` (field names mapped by keyword), or every shipped file when ``path`` is
        None. Returns rows held per level; a level whose last import read the same
        bytes the same way is not read again (``.unchanged`` lists it) unless ``force``."""
        from vigil.territory import geography

        if path is None:
            return geography.import_shipped(self.store, force=force)
        return geography.import_level(self.store, path, level, force=force, **mapping)

    def _regions(self, level: str) -> pd.DataFrame:
        if level not in REGION_LEVELS:
            # Translators: %(levels)s lists values to type (oblast, raion, hromada).
            raise InputError(
                _("expected %(levels)s, got %(value)r")
                % {"levels": ", ".join(REGION_LEVELS), "value": level},
                param="level",
            )
        frame = self.store.regions(level)
        if frame.empty:
            # Translators: %(level)s is oblast, raion or hromada; the command stays as it is.
            raise NoDataError(
                _(
                    "no %(level)s boundaries in this store; run `vigil territory geography"
                    " import --shipped` (or import your own)"
                )
                % {"level": level}
            )
        return frame

    def regions(
        self,
        level: str = "oblast",
        *,
        date: DateLike | None = None,
        date_from: DateLike | None = None,
        date_to: DateLike | None = None,
        source: str | None = None,
    ) -> pd.DataFrame:
        """Per region: on ``date``, its area, controlled km² and %, grey km²; or between
        ``date_from`` and ``date_to``, gained, lost and net km² (sorted by net)."""
        from vigil.territory import regions as R

        src = self.resolve_source(source)
        frame = self._regions(level)
        if date_from is not None or date_to is not None:
            if date is not None or date_from is None or date_to is None:
                raise InputError(_("give either a date, or both a start and an end"), param="date")
            result = self.change(date_from, date_to, source=src)
            out = R.region_change(frame, result.gained, result.lost, stored=True)
            out = out.assign(snapshot_from=result.snapshot_from, snapshot_to=result.snapshot_to)
            if self.store.parts(src):
                out = out.assign(archive_from=result.archive_from, archive_to=result.archive_to)
            return out
        if date is None:
            raise InputError(_("give a date, or a start and an end"), param="date")
        day = parse_date(date, "date")
        used = self._snapshot_date(src, Kind.CONTROLLED, day)
        controlled = self.store.geometry(self.store.snapshot(src, Kind.CONTROLLED, used).id)
        found = self.store.find(src, Kind.GREY, used)
        grey = self.store.geometry(found.id) if found is not None else None
        out = R.region_areas(frame, controlled, grey, stored=True).assign(snapshot_date=used)
        if self.store.parts(src):
            out = out.assign(archive=self.store.part_for(src, used))
        return out

    def frontline(
        self, date: DateLike, *, buffer_km: float = 5.0, source: str | None = None
    ) -> tuple[BaseGeometry, float, dt.date]:
        """The line of contact on ``date``: the controlled area's boundary without the
        parts within ``buffer_km`` of Ukraine's border and coast. (line, km, snapshot)."""
        _check_buffer(buffer_km)
        src = self.resolve_source(source)
        used = self._snapshot_date(src, Kind.CONTROLLED, parse_date(date, "date"))
        controlled = self.store.geometry(self.store.snapshot(src, Kind.CONTROLLED, used).id)
        ((line, km),) = self._meter().lines(controlled, [buffer_km])
        return line, km, used

    def locate_fragments(self, change: Change) -> pd.DataFrame:
        """The change's fragments with their oblast, raion, hromada and nearest located
        settlement (distance, bearing) and a one-line description ("+12.3 km² 4 km SW of
        Pokrovsk, Pokrovskyi Raion, Donetsk Oblast"). Needs imported geography."""
        from vigil.territory.locate import Gazetteer, describe

        if self._places is None:
            self._places = (
                {level: self.store.regions(level) for level in REGION_LEVELS},
                Gazetteer(self._gazetteer()),
            )
        regions, places = self._places
        if regions["oblast"].empty:
            # Translators: %(level)s is oblast, raion or hromada; the command stays as it is.
            raise NoDataError(
                _(
                    "no %(level)s boundaries in this store; run `vigil territory geography"
                    " import --shipped` (or import your own)"
                )
                % {"level": "oblast"}
            )
        return describe(change.fragments, regions, places)

    def has_geography(self) -> bool:
        return self.store.has_regions("oblast") and self.store.has_settlements()

    def _gazetteer(self) -> pd.DataFrame:
        frame = self.store.settlements()
        if frame.empty:
            raise NoDataError(
                _(
                    "no settlement gazetteer in this store; run `vigil territory geography"
                    " import --shipped` (or import your own)"
                )
            )
        return frame

    def _maps(
        self, source: str, after: dt.date | None, until: dt.date
    ) -> Iterator[tuple[dt.date, BaseGeometry, BaseGeometry | None]]:
        """(date, controlled, grey) of every snapshot in (after, until], oldest first."""
        # a joined source whose parts do not all draw a grey zone is read without one
        # throughout, so that the seam is not a change of status (grey to free)
        has_grey = all(
            self.store.dates(name, Kind.GREY)
            for name in ([p.name for p in self.store.parts(source)] or [source])
        )
        for day in self.store.dates(source, Kind.CONTROLLED):
            if (after is not None and day <= after) or day > until:
                continue
            controlled = self.store.geometry(self.store.snapshot(source, Kind.CONTROLLED, day).id)
            found = self.store.find(source, Kind.GREY, day) if has_grey else None
            grey = self.store.geometry(found.id) if found is not None else None
            yield day, controlled, grey

    def settlement_changes(
        self, date_from: DateLike, date_to: DateLike, *, source: str | None = None
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Located settlements whose status (free, grey, controlled) differs between the
        snapshots for the two dates, with ``since`` (the first snapshot of the new status),
        and the gazetteer's coverage of the oblasts they lie in (or of every oblast
        holding controlled area, when none changed)."""
        from vigil.territory import settlements as S

        src = self.resolve_source(source)
        a_day, b_day = parse_date(date_from, "date_from"), parse_date(date_to, "date_to")
        check_order(a_day, b_day)
        gazetteer = self._gazetteer()
        a = self._snapshot_date(src, Kind.CONTROLLED, a_day)
        b = self._snapshot_date(src, Kind.CONTROLLED, b_day)
        ((_, ca, ga),) = list(self._maps(src, a - dt.timedelta(days=1), a))
        ((_, cb, gb),) = list(self._maps(src, b - dt.timedelta(days=1), b))
        before, after = S.status_at(gazetteer, ca, ga), S.status_at(gazetteer, cb, gb)
        changed = S.changes(gazetteer, before, after, self._maps(src, a, b))
        oblasts = changed.oblast.unique() if len(changed) else self._held_oblasts(gazetteer, after)
        table = changed.assign(snapshot_from=a, snapshot_to=b)
        return table, S.coverage(gazetteer, oblasts)

    def _held_oblasts(self, gazetteer: pd.DataFrame, status: Any) -> list[str]:
        return sorted(set(gazetteer.oblast[status == "controlled"]))

    def settlement_timeline(
        self, name: str, *, oblast: str | None = None, source: str | None = None
    ) -> tuple[pd.Series, pd.DataFrame, pd.DataFrame]:
        """One settlement's status across every snapshot: (the gazetteer row matched,
        its timeline as runs of equal status, the coverage of its oblast). ``name`` in
        any spelling the gazetteer knows; the best match wins (cities first)."""
        from vigil.territory import settlements as S
        from vigil.territory.geography import find_settlements

        src = self.resolve_source(source)
        gazetteer = self._gazetteer()
        found = find_settlements(gazetteer, name, oblast=oblast)
        if found.empty:
            if oblast:
                raise NoDataError(
                    _("no settlement named %(name)r in %(oblast)s in the gazetteer")
                    % {"name": name, "oblast": oblast}
                )
            raise NoDataError(_("no settlement named %(name)r in the gazetteer") % {"name": name})
        row = found.iloc[0]
        if not int(row.located):
            raise NoDataError(
                _(
                    "%(name)s (%(code)s): the gazetteer has no location of its own for it"
                    " (only a point in its hromada), so its status cannot be read from a map"
                )
                % {"name": row.name_uk, "code": row.code}
            )
        runs = S.timeline(float(row.lon), float(row.lat), self._maps(src, None, dt.date.max))
        return row, runs, S.coverage(gazetteer, [row.oblast])

    def _meter(self) -> Any:
        """The country outline prepared for front-line measures (built once)."""
        if self._frontline_meter is None:
            import shapely

            from vigil.territory.regions import FrontlineMeter

            country = shapely.union_all(self._regions("oblast").geometry.to_numpy())
            self._frontline_meter = FrontlineMeter(country)
        return self._frontline_meter

    def _frontline_km(self, snapshot_id: int, buffer_km: float) -> float:
        ((_, km),) = self._meter().lines(self.store.geometry(snapshot_id), [buffer_km])
        return km

    def _region_shape(self, query: str) -> tuple[str, BaseGeometry]:
        """A region of any level by code or name: ('UA-14 Donetsk Oblast', geometry)."""
        from vigil.territory.geography import name_key

        key = name_key(query)
        for level in REGION_LEVELS:
            frame = self.store.regions(level)
            if frame.empty:
                continue
            hit = frame[frame.code.str.upper() == query.strip().upper()]
            if hit.empty:
                names = frame[["name_en", "name_uk", "name_ru"]].map(name_key)
                hit = frame[(names == key).any(axis=1)]
            if len(hit) > 1:
                codes = ", ".join(hit.code.head(5))
                raise InputError(
                    str(_SEVERAL_MATCH[level]) % {"query": query, "codes": codes}, param="region"
                )
            if len(hit) == 1:
                row = hit.iloc[0]
                return f"{row.code} {row.name_en or row.name_uk}", row.geometry
        raise NoDataError(
            _(
                "no oblast, raion or hromada with the code or name %(query)r in this store"
                " (import geography first)"
            )
            % {"query": query},
            param="region",
        )

    def _within(
        self, overlays: list[overlay_mod.Overlay], rows: dict, shape: BaseGeometry
    ) -> tuple[list[overlay_mod.Overlay], dict[dt.date, float]]:
        """Overlays and snapshot areas restricted to one region."""
        import numpy as np

        from vigil.territory import change as overlay_mod
        from vigil.territory import geodesy
        from vigil.territory.regions import overlap_km2, within

        clipped = []
        for o in overlays:
            g, lo = within(o.gained, shape), within(o.lost, shape)
            clipped.append(overlay_mod.Overlay(g, lo, geodesy.area_km2(g), geodesy.area_km2(lo)))
        shapes = np.array([shape], dtype=object)
        areas = {
            d: float(overlap_km2(shapes, self.store.geometry(r.id))[0]) for d, r in rows.items()
        }
        return clipped, areas

    # -- geometry out ------------------------------------------------------------------
    def snapshots_frame(
        self,
        *,
        source: str | None = None,
        date_from: DateLike | None = None,
        date_to: DateLike | None = None,
        kinds: Iterable[str] = (Kind.CONTROLLED,),
    ) -> gpd.GeoDataFrame:
        """Stored snapshots with their geometry as a GeoDataFrame (EPSG:4326)."""
        import geopandas as gpd

        src = self.resolve_source(source)
        table = self.store.snapshot_table(src)
        table = table[table.kind.isin(list(kinds))]
        first, last = _span(date_from, date_to, dt.date.min, dt.date.max)
        table = table[(table.date >= first) & (table.date <= last)]
        geoms = [self.store.geometry(int(i)) for i in table.id]
        cols = ["source", "kind", "date", "area_km2", "origin", "content_hash"]
        frame = table[cols].assign(date=table.date.astype(str)).reset_index(drop=True)
        return gpd.GeoDataFrame(frame, geometry=geoms, crs="EPSG:4326")


def open_store(path: str | os.PathLike[str] | None = None, *, create: bool = False) -> Territory:
    """Open a territory store (see :class:`Territory`)."""
    return Territory(path, create=create)


def change_frame(change: Change, fragments: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """A change's fragments (or ``fragments``: them with more columns, e.g. from
    :meth:`Territory.locate_fragments`) as a GeoDataFrame, with the snapshot dates."""
    import geopandas as gpd

    fragments = change.fragments if fragments is None else fragments
    frame = fragments.drop(columns="geometry").assign(
        source=change.source,
        snapshot_from=change.snapshot_from.isoformat(),
        snapshot_to=change.snapshot_to.isoformat(),
    )
    return gpd.GeoDataFrame(frame, geometry=list(fragments.geometry), crs="EPSG:4326")


# -- helpers ---------------------------------------------------------------------------
def _freq(value: str | P.Freq) -> P.Freq:
    return P.freq(value)


def _span(
    date_from: DateLike | None,
    date_to: DateLike | None,
    default_from: dt.date,
    default_to: dt.date,
) -> tuple[dt.date, dt.date]:
    """``date_from``/``date_to`` as dates (defaults when absent); a start after the end
    is an error about ``date_from``."""
    first = parse_date(date_from, "date_from") if date_from is not None else default_from
    last = parse_date(date_to, "date_to") if date_to is not None else default_to
    check_order(first, last)
    return first, last


def _check_buffer(buffer_km: float, param: str = "buffer_km") -> None:
    if not (buffer_km >= 0 and math.isfinite(buffer_km)):
        raise InputError(
            _("expected a number ≥ 0, got %(value)s") % {"value": buffer_km}, param=param
        )


def _check_filter(min_km2: float | None, min_width_km: float | None) -> None:
    for param, v in (("min_fragment_km2", min_km2), ("min_width_km", min_width_km)):
        if v is not None and not (v >= 0 and math.isfinite(v)):
            raise InputError(_("expected a number ≥ 0, got %(value)s") % {"value": v}, param=param)


def describe_seam(seam: dict[str, Any]) -> str:
    """One seam in words: '2025-08-03: step -22.80 km² (22.83 only in deepstate-raw, 0.03
    only in deepstate-daily); over 382 common days the area differs by a median -4.35 km²'."""
    return (
        f"{seam['date']}: step {seam['step_km2']:+.2f} km² ({seam['only_from_km2']:.2f} only"
        f" in {seam['from']}, {seam['only_to_km2']:.2f} only in {seam['to']}); over"
        f" {seam['overlap_days']} common days the area differs by a median"
        f" {seam.get('area_diff_median_km2', 0):+.2f} km²"
    )


def _describe_parts(parts: list[Part]) -> str:
    """'deepstate-raw until 2025-08-03, then deepstate-daily' ('' for no parts)."""
    if not parts:
        return ""
    spans = [f"{p.name} until {p.until}" for p in parts[:-1]]
    return ", then ".join([*spans, parts[-1].name])


def _unchanged(keys: list[tuple[str, dt.date]]) -> IngestOutcome:
    return IngestOutcome(unchanged=keys)


def _missing_days(dates: list[dt.date]) -> list[dt.date]:
    """The days between the first and last of the sorted ``dates`` that are not among them."""
    if not dates:
        return []
    held = set(dates)
    span = (dates[-1] - dates[0]).days + 1
    return [d for d in (dates[0] + dt.timedelta(days=i) for i in range(span)) if d not in held]


def _ranges(days: list[dt.date]) -> list[str]:
    """Compress sorted days into 'a' or 'a…b' ranges."""
    out: list[str] = []
    for d in days:
        if out and (d - _last_end(out[-1])).days == 1:
            out[-1] = f"{out[-1].split('…')[0]}…{d}"
        else:
            out.append(str(d))
    return out


def _last_end(rng: str) -> dt.date:
    return dt.date.fromisoformat(rng.split("…")[-1])


def _group_by_date(snapshots: Iterable[Snapshot]) -> Iterator[list[Snapshot]]:
    """Consecutive snapshots of one date form one group (controlled + grey). Groups need
    not come in date order (the raw reader hands days on in archive order, and its
    pre-2022 snapshots as groups of their own at the end); the store does not care."""
    group: list[Snapshot] = []
    for snap in snapshots:
        if group and snap.date != group[0].date:
            yield group
            group = []
        group.append(snap)
    if group:
        yield group


def _prepare_all(groups: Iterator[list[Snapshot]], jobs: int | None) -> Iterator[Prepared]:
    """prepare_group over the groups in order, on ``jobs`` processes (default: all cores,
    at most 2 in flight per worker so memory stays bounded)."""
    from concurrent.futures import ProcessPoolExecutor

    from vigil.territory.prepare import prepare_group

    workers = jobs or min(4, os.cpu_count() or 1)
    first = next(groups, None)
    if first is None:
        return
    second = next(groups, None)
    if workers <= 1 or second is None:
        yield from prepare_group(first)
        if second is not None:
            yield from prepare_group(second)
            for g in groups:
                yield from prepare_group(g)
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=_ignore_sigint) as pool:
        yield from _bounded_map(pool, prepare_group, _chain(first, second, groups), workers * 4)


def _ignore_sigint() -> None:
    """Workers leave Ctrl-C to the parent, which cancels them and rolls back."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _chain(
    first: list[Snapshot], second: list[Snapshot], rest: Iterator[list[Snapshot]]
) -> Iterator[list[Snapshot]]:
    yield first
    yield second
    yield from rest


def _bounded_map(pool: Executor, fn: Callable, items: Iterable, window: int) -> Iterator[Prepared]:
    pending = []
    try:
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= window:
                yield from pending.pop(0).result()
        for fut in pending:
            yield from fut.result()
    except BaseException:
        for fut in pending:
            fut.cancel()
        raise


def _ticking(items: Iterator[Prepared], progress: Progress) -> Iterator[Prepared]:
    for n, item in enumerate(items, 1):
        progress(n, f"{item.date} {item.kind}")
        yield item
