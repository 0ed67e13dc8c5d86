"""Two sources of one store compared: areas, changes, where the maps disagree, and lag.

>>> from vigil.territory import open_store
>>> from vigil.territory.compare import compare, disagreement, best_lag
>>> t = open_store("store.sqlite")                                  # doctest: +SKIP
>>> c = compare(t, "deepstate-raw,isw-assessed", freq="week")       # doctest: +SKIP
>>> d = disagreement(t, "deepstate-raw,isw-assessed", "2022-09-12") # doctest: +SKIP
>>> best_lag(t, "deepstate-raw,deepstate-daily").best_days          # doctest: +SKIP
0

Definitions (docs/method.md, docs/sources.md). A is the first source named, B the
second; every difference is **B − A**. All areas are geodesic km² on the WGS84
ellipsoid; dates are each source's snapshot dates (the Kyiv date of the map).

- **Periods** are those of Vigil's period engine (:mod:`vigil.periods`), exactly as
  :meth:`Territory.series` builds them, over the dates both sources cover: a period is
  kept when both sources' snapshots for its start and end are at most
  ``max_stale_days`` older than the dates they stand for (a source with a months-long
  hole, as ISW's archive between December 2022 and April 2023, does not cover it).
  Each row gives both sources' area at the period end and their gained, lost and net
  change, and the symmetric difference between the two maps at the period end.
- **Disagreement** on a date: ``a_only`` = area(A \\ B), ``b_only`` = area(B \\ A),
  each source's map being its snapshot standing for the date; split by oblast with
  :func:`vigil.territory.regions.region_change` (``b_only`` in the role of "gained",
  ``a_only`` of "lost", so a row's ``diff_km2`` is B − A within the oblast).
- **Lag**: the shift k (days, −7..+7) that best aligns the daily net changes, i.e.
  the k minimising the median of |net_B(d + k) − net_A(d)| over the days d where A
  holds snapshots on d − 1 and d and B on d + k − 1 and d + k. A positive k: B shows
  a change k days after A does. Ties go to the smaller |k|. The Pearson correlation
  of the two daily series is shown for every k.
- **Land only** (``land_only``): both maps clipped to the union of the store's oblast
  boundaries (Ukraine's land in its internationally recognised borders), because
  sources draw coasts, the sea and the border differently. Areas and changes are then
  those of the clipped maps. Without it, areas are the sources' own (as
  ``vigil territory area`` gives them).

How: every snapshot is held in the store cut into 0.25° tiles (vigil.territory.tiles),
each piece under a hash of its geometry, whatever its source. Two maps differ only in
tiles whose hashes differ; a tile wholly inside both maps is the same box in each and
costs nothing, so an overlay, of two snapshots of one source or of two sources, loads
and overlays only the tiles along the lines and coasts (one vectorised shapely call).
The maps are read through :class:`Territory` (``dates``, ``area``, ``series``) and the
store's read methods (``Store.snapshot``, ``tile_index``, ``pieces``), so a joined
source reads each date from the archive standing for it. Measured with
benchmarks/compare.py against whole-geometry overlays of the same maps (shapely +
pyproj.Geod, one thread): DeepState raw vs daily, 55 weeks, 2.0 s vs 9.1 s; DeepState
raw vs ISW, 50 weeks, 17.9 s vs 47.6 s (ISW's maps differ from DeepState's along every
line and coast, so most of the time is the overlay itself).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vigil import periods as P
from vigil.dates import check_order, parse_date
from vigil.errors import InputError, NoDataError, VigilError
from vigil.i18n import gettext as _
from vigil.i18n import ngettext, pgettext

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from numpy.typing import NDArray
    from shapely.geometry.base import BaseGeometry

    from vigil.territory.api import DateLike, Territory
    from vigil.territory.change import Overlay

#: Columns of :attr:`Comparison.periods`, in order (km² geodesic; B − A differences).
COMPARE_COLUMNS = [
    "source_a",  # name of source A
    "source_b",  # name of source B
    "period_start",  # date: first day of the period
    "period_end",  # date: first day of the next period ([start, end))
    "snapshot_start_a",  # A's snapshot standing for period_start
    "snapshot_end_a",  # A's snapshot standing for period_end
    "snapshot_start_b",
    "snapshot_end_b",
    "area_a_km2",  # A's area at snapshot_end_a
    "area_b_km2",
    "area_diff_km2",  # area_b − area_a
    "gained_a_km2",  # area(A_end \ A_start)
    "lost_a_km2",
    "net_a_km2",  # area_a(end) − area_a(start)
    "gained_b_km2",
    "lost_b_km2",
    "net_b_km2",
    "gained_diff_km2",  # gained_b − gained_a
    "lost_diff_km2",
    "net_diff_km2",  # net_b − net_a
    "a_only_km2",  # area(A_end \ B_end): drawn by A only at the period end
    "b_only_km2",  # area(B_end \ A_end)
    "stale_days",  # the oldest of the four snapshots, in days before the date it stands for
    "gap",  # bool: a snapshot used is older than the date it stands for
]
#: Columns of :attr:`Disagreement.by_region`.
REGION_COLUMNS = ["code", "name_en", "name_uk", "a_only_km2", "b_only_km2", "diff_km2"]
#: Columns of :attr:`Lag.table`.
LAG_COLUMNS = ["lag_days", "days", "median_abs_diff_km2", "mean_abs_diff_km2", "correlation"]
#: Columns of :func:`yearly_summary`.
YEAR_COLUMNS = [
    "year",
    "periods",
    "area_diff_median_km2",  # median of area_b − area_a at the period ends
    "area_diff_min_km2",
    "area_diff_max_km2",
    "net_diff_median_abs_km2",  # median of |net_b − net_a|
    "a_only_median_km2",
    "b_only_median_km2",
]
#: The row of :attr:`Disagreement.by_region` for what lies in no oblast (sea, Russia).
OUTSIDE_CODE = "outside"
MAX_LAG_DAYS = 7
#: The least margin (Lag.margin) for a lag to be told apart from the runner-up.
CLEAR_MARGIN = 0.25
LAG_CRITERION = (
    "the lag k minimising the median |net_B(d+k) − net_A(d)| of daily net changes"
    " (ties: the smaller |k|)"
)


# -- results -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Comparison:
    """Two sources period by period (``periods``: COMPARE_COLUMNS, one row per period).

    ``first``/``last``: the span both sources hold snapshots in. ``left_out``: the
    periods in the span not covered by both (a snapshot older than ``max_stale_days``).
    """

    source_a: str
    source_b: str
    freq: str
    land_only: bool
    first: dt.date
    last: dt.date
    periods: pd.DataFrame
    max_stale_days: int
    left_out: list[dt.date] = field(default_factory=list)  # the starts of those periods

    def record(self) -> dict[str, object]:
        """The figures as one flat record (what the JSON output starts with)."""
        return {
            "source_a": self.source_a,
            "source_b": self.source_b,
            "freq": self.freq,
            "land_only": self.land_only,
            "overlap_first": self.first,
            "overlap_last": self.last,
            "periods": len(self.periods),
            "periods_left_out": len(self.left_out),
            "max_stale_days": self.max_stale_days,
        }


@dataclass(frozen=True)
class Disagreement:
    """Where two sources' maps disagree on one date (km², geodesic).

    ``by_region``: REGION_COLUMNS, one row per oblast where they disagree (largest
    symmetric difference first), plus a row ``outside`` for what lies in no oblast
    (the sea, Russia) unless ``land_only``. ``a_only``/``b_only``: the geometries
    (WGS84 MultiPolygons) drawn by one source only.
    """

    source_a: str
    source_b: str
    date: dt.date
    snapshot_a: dt.date
    snapshot_b: dt.date
    land_only: bool
    area_a_km2: float
    area_b_km2: float
    a_only_km2: float
    b_only_km2: float
    by_region: pd.DataFrame
    a_only: BaseGeometry
    b_only: BaseGeometry

    @property
    def area_diff_km2(self) -> float:
        """area_b − area_a (= b_only − a_only, up to the tile cut's rounding)."""
        return self.area_b_km2 - self.area_a_km2

    @property
    def symmetric_km2(self) -> float:
        return self.a_only_km2 + self.b_only_km2

    @property
    def gap(self) -> bool:
        return self.snapshot_a < self.date or self.snapshot_b < self.date

    def record(self) -> dict[str, object]:
        return {
            "source_a": self.source_a,
            "source_b": self.source_b,
            "date": self.date,
            "snapshot_a": self.snapshot_a,
            "snapshot_b": self.snapshot_b,
            "gap": self.gap,
            "land_only": self.land_only,
            "area_a_km2": self.area_a_km2,
            "area_b_km2": self.area_b_km2,
            "area_diff_km2": self.area_diff_km2,
            "a_only_km2": self.a_only_km2,
            "b_only_km2": self.b_only_km2,
            "symmetric_km2": self.symmetric_km2,
        }


@dataclass(frozen=True)
class Lag:
    """The day shift that best aligns two sources' daily net changes (``table``:
    LAG_COLUMNS, one row per lag tried). ``best_days`` is None when no lag has a day to
    compare. ``first``/``last``: the days d of A used.

    ``margin``: how much better the best lag is than the runner-up, as the share of the
    runner-up's criterion it removes (1: the best aligns exactly, 0: a tie). Below
    :data:`CLEAR_MARGIN` the lag is not told apart from others (``clear`` is False):
    DeepState's two archives give 1.0, ISW against DeepState 0.004 (docs/sources.md).
    """

    source_a: str
    source_b: str
    best_days: int | None
    criterion: str
    table: pd.DataFrame
    land_only: bool
    first: dt.date | None
    last: dt.date | None

    @property
    def margin(self) -> float | None:
        scored = self.table[self.table.days > 0].median_abs_diff_km2.sort_values()
        if self.best_days is None or len(scored) < 2:
            return None
        best, second = float(scored.iloc[0]), float(scored.iloc[1])
        return 1.0 - best / second if second > 0 else 0.0

    @property
    def clear(self) -> bool:
        return self.margin is not None and self.margin >= CLEAR_MARGIN

    def best(self) -> dict[str, object]:
        """The best lag's row as a record (with the sources and the criterion)."""
        row: dict[str, object] = {
            "source_a": self.source_a,
            "source_b": self.source_b,
            "lag_days": self.best_days,
            "criterion": self.criterion,
            "land_only": self.land_only,
            "first": self.first,
            "last": self.last,
        }
        if self.best_days is not None:
            hit = self.table[self.table.lag_days == self.best_days].iloc[0]
            row.update(
                days=int(hit.days),
                median_abs_diff_km2=float(hit.median_abs_diff_km2),
                correlation=float(hit.correlation),
                margin=self.margin,
                clear=self.clear,
            )
        return row

    def sentence(self) -> str:
        if self.best_days is None:
            return f"{self.source_b} vs {self.source_a}: no consecutive days in common to align."
        r = self.best()
        k = self.best_days
        when = (
            "on the same day"
            if k == 0
            else f"{abs(k)} day{'s' if abs(k) != 1 else ''} {'after' if k > 0 else 'before'}"
        )
        doubt = (
            ""
            if self.clear
            else f" No lag stands out: the runner-up is within {CLEAR_MARGIN:.0%} of it."
        )
        return (
            f"Best lag: {k:+d} days ({self.source_b} shows a change {when} {self.source_a});"
            f" median |difference of daily net change| {r['median_abs_diff_km2']:.2f} km²,"
            f" correlation {r['correlation']:.3f}, over {r['days']} days"
            f" ({self.first} to {self.last}).{doubt}"
        )


# -- the sources and their span --------------------------------------------------------------
def source_pair(t: Territory, sources: str | Sequence[str]) -> tuple[str, str]:
    """``"A,B"`` (or a pair) as two distinct source names held by the store."""
    names = sources.split(",") if isinstance(sources, str) else list(sources)
    names = [n.strip() for n in names if n.strip()]
    if len(names) != 2:
        # Translators: A,B shows how to type two source names; keep it.
        raise InputError(
            _("expected two sources as A,B, got %(n)d (%(names)s)")
            % {"n": len(names), "names": ", ".join(names) or pgettext("sources", "none")},
            param="sources",
        )
    if names[0] == names[1]:
        raise InputError(
            _("expected two different sources, got %(source)s twice") % {"source": names[0]},
            param="sources",
        )
    out = []
    for name in names:
        try:
            out.append(t.resolve_source(name))
        except VigilError as exc:
            raise type(exc)(exc.detail, param="sources") from None
    return out[0], out[1]


def overlap(t: Territory, a: str, b: str) -> tuple[dt.date, dt.date]:
    """The first and last date both sources hold snapshots around: from the later of
    their first snapshots to the earlier of their last ones."""
    da, db = t.dates(a), t.dates(b)
    for name, held in ((a, da), (b, db)):
        if not held:
            raise NoDataError(
                _("%(source)s holds no controlled snapshot") % {"source": name}, param="sources"
            )
    first, last = max(da[0], db[0]), min(da[-1], db[-1])
    if first > last:
        # Translators: %(a)s and %(b)s are source names, the dates ISO dates.
        raise NoDataError(
            _(
                "%(a)s (%(a_first)s to %(a_last)s) and %(b)s (%(b_first)s to %(b_last)s)"
                " have no dates in common"
            )
            % {
                "a": a,
                "a_first": da[0],
                "a_last": da[-1],
                "b": b,
                "b_first": db[0],
                "b_last": db[-1],
            },
            param="sources",
        )
    return first, last


# -- the maps, cut into tiles ------------------------------------------------------------------
class _Maps:
    """Snapshots of any source as the store's tile pieces (loaded once), overlaid tile
    by tile, and optionally clipped to the land (the union of the oblasts)."""

    def __init__(self, t: Territory, *, land_only: bool = False, cache: int = 100_000) -> None:
        self.t = t
        self.cache = cache  # pieces kept in memory (a DeepState map has ~300)
        self._pieces: dict[bytes, Any] = {}
        self._land_area: dict[bytes, float] = {}
        self.land: dict[tuple[int, int], Any] | None = None
        self.full: set[tuple[int, int]] = set()
        self.regions: pd.DataFrame | None = None
        if land_only:
            self._load_land()

    def oblasts(self) -> pd.DataFrame:
        if self.regions is None:
            self.regions = self.t._regions("oblast")
        return self.regions

    def _load_land(self) -> None:
        import shapely

        from vigil.territory import tiles

        regions = self.oblasts()
        land = shapely.union_all(regions.geometry.to_numpy())
        cut = tiles.cut(land)
        self.land = {}
        size = tiles.TILE_DEG
        for x, y, piece in zip(cut.ix.tolist(), cut.iy.tolist(), cut.pieces, strict=True):
            self.land[(x, y)] = piece
            # a tile wholly on land is its box: pieces there need no clipping
            if abs(shapely.area(piece) - size * size) < 1e-12:
                self.full.add((x, y))

    def index(self, source: str, day: dt.date) -> dict[tuple[int, int], bytes]:
        """Tile key → piece hash of the snapshot dated ``day`` (the store's own cut, made
        at ingest; in a joined source, that of the part standing for ``day``)."""
        from vigil.territory.sources.base import Kind

        row = self.t.store.snapshot(source, Kind.CONTROLLED, day)
        return self.t.store.tile_index(row.id)

    def pieces(self, hashes: set[bytes]) -> dict[bytes, Any]:
        """Piece hash → piece, loaded from the store once (kept for the next pair)."""
        missing = hashes - self._pieces.keys()
        if missing:
            if len(self._pieces) + len(missing) > self.cache:
                self._pieces.clear()
                missing = set(hashes)
            self._pieces.update(self.t.store.pieces(missing))
        return {h: self._pieces[h] for h in hashes}

    def clip(self, keys: list[tuple[int, int]], pieces: NDArray[np.object_]) -> NDArray[np.object_]:
        """``pieces`` (one per tile of ``keys``) clipped to the land, when land-only."""
        if self.land is None or not len(pieces):
            return pieces
        import numpy as np
        import shapely

        from vigil.territory.change import EMPTY

        out = pieces.copy()
        cut = [i for i, k in enumerate(keys) if k not in self.full]
        if cut:
            land = np.array([self.land.get(keys[i], EMPTY) for i in cut], dtype=object)
            out[cut] = shapely.intersection(pieces[cut], land)
        return out

    def area(self, source: str, day: dt.date) -> float:
        """The snapshot's area (km²): the stored figure, or its land part when land-only."""
        if self.land is None:
            return self.t.area(day, source=source).controlled_km2
        import numpy as np

        from vigil.territory import geodesy

        index = self.index(source, day)
        new = [(k, h) for k, h in index.items() if h not in self._land_area]
        if new:
            pieces = self.pieces({h for _, h in new})
            clipped = self.clip(
                [k for k, _ in new], np.array([pieces[h] for _, h in new], dtype=object)
            )
            for (_, h), km2 in zip(new, geodesy.area_km2(clipped), strict=True):
                self._land_area[h] = float(km2)
        return float(sum(self._land_area[h] for h in index.values()))

    def overlay(self, a: tuple[str, dt.date], b: tuple[str, dt.date]) -> Overlay:
        """Map b against map a: ``gained`` = b \\ a, ``lost`` = a \\ b, tile by tile."""
        return self.overlays([(a, b)])[0]

    def overlays(
        self, pairs: list[tuple[tuple[str, dt.date], tuple[str, dt.date]]]
    ) -> list[Overlay]:
        """:meth:`overlay` of many pairs: the pieces read from the store first (one
        thread), then the pairs overlaid on two threads (shapely releases the GIL), as
        Territory's own overlays are."""
        from vigil.territory import change as overlay_mod

        diffs, keys = [], []
        for a, b in pairs:
            ia, ib = self.index(*a), self.index(*b)
            dirty = overlay_mod.dirty_tiles(ia, ib)
            wanted = {ia[k] for k in dirty if k in ia} | {ib[k] for k in dirty if k in ib}
            diffs.append(overlay_mod.align(dirty, ia, ib, self.pieces(wanted)))
            keys.append(dirty)
        if len(diffs) < 4:
            return [self._overlay(d, k) for d, k in zip(diffs, keys, strict=True)]
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
            return list(pool.map(self._overlay, diffs, keys))

    def _overlay(self, diff: Any, dirty: list[tuple[int, int]]) -> Overlay:
        from vigil.territory import change as overlay_mod
        from vigil.territory import geodesy

        result = overlay_mod.overlay(diff)
        if self.land is None:
            return result
        gained, lost = self.clip(dirty, result.gained), self.clip(dirty, result.lost)
        return overlay_mod.Overlay(gained, lost, geodesy.area_km2(gained), geodesy.area_km2(lost))


# -- period by period -------------------------------------------------------------------------
def compare(
    t: Territory,
    sources: str | Sequence[str],
    *,
    freq: str | P.Freq = "week",
    date_from: DateLike | None = None,
    date_to: DateLike | None = None,
    week_start: str | int = "mon",
    land_only: bool = False,
    max_stale_days: int = 3,
) -> Comparison:
    """Both sources period by period over the dates both cover (COMPARE_COLUMNS).

    Periods run from ``date_from`` (default: the first date both hold) up to, not
    including, ``date_to`` (default: the day after the last date both hold), as in
    :meth:`Territory.series`; only complete periods are kept.
    """
    import pandas as pd

    from vigil.territory import series as S

    a, b = source_pair(t, sources)
    f = P.freq(freq)
    if max_stale_days < 0:
        raise InputError(
            _("expected a number of days ≥ 0, got %(value)s") % {"value": max_stale_days},
            param="max_stale_days",
        )
    first, last = overlap(t, a, b)
    start = parse_date(date_from, "date_from") if date_from is not None else first
    stop = parse_date(date_to, "date_to") if date_to is not None else last + dt.timedelta(days=1)
    check_order(start, stop)
    ws = week_start if isinstance(week_start, int) else P.weekday_index(week_start)
    maps = _Maps(t, land_only=land_only)
    frames = []
    for src in (a, b):
        if land_only:
            plan = S.plan(f, t.dates(src), start=start, end=stop, week_start=ws)
            overlays = maps.overlays([((src, p.snap_a), (src, p.snap_b)) for p in plan])
            areas = {
                d: maps.area(src, d) for d in {p.snap_a for p in plan} | {p.snap_b for p in plan}
            }
            frame = S.table(plan, overlays, areas)
        else:
            frame = t.series(f, date_from=start, date_to=stop, week_start=ws, source=src)
        frames.append(frame)
    table = _join_periods(frames[0], frames[1], a, b)
    if len(table):
        stale = table.apply(_stale_days, axis=1)
        table["stale_days"] = stale.astype(int)
        left_out = sorted(table.period_start[stale > max_stale_days])
        table = table[stale <= max_stale_days].reset_index(drop=True)
    else:
        left_out = []
    if table.empty:
        values = {
            "freq": f.value,
            "start": start,
            "stop": stop,
            "a": a,
            "b": b,
            "first": first,
            "last": last,
            "n": len(left_out),
            "days": max_stale_days,
        }
        if left_out:
            # Translators: %(freq)s is day, week, month or year; %(a)s and %(b)s source
            # names; dates are ISO; %(n)d periods were left out; %(days)s is a number of days.
            message = ngettext(
                "no complete %(freq)s from %(start)s to %(stop)s that both %(a)s and %(b)s"
                " cover (they overlap from %(first)s to %(last)s) (%(n)d left out: a snapshot"
                " more than %(days)s days old)",
                "no complete %(freq)s from %(start)s to %(stop)s that both %(a)s and %(b)s"
                " cover (they overlap from %(first)s to %(last)s) (%(n)d left out: a snapshot"
                " more than %(days)s days old)",
                len(left_out),
            )
        else:
            # Translators: %(freq)s is day, week, month or year; %(a)s and %(b)s source
            # names; dates are ISO.
            message = _(
                "no complete %(freq)s from %(start)s to %(stop)s that both %(a)s and %(b)s"
                " cover (they overlap from %(first)s to %(last)s)"
            )
        raise NoDataError(message % values)
    ends = zip(table.snapshot_end_a.tolist(), table.snapshot_end_b.tolist(), strict=True)
    rows = maps.overlays([((a, ea), (b, eb)) for ea, eb in ends])
    table["a_only_km2"] = [o.lost_km2 for o in rows]
    table["b_only_km2"] = [o.gained_km2 for o in rows]
    return Comparison(
        source_a=a,
        source_b=b,
        freq=f.value,
        land_only=land_only,
        first=first,
        last=last,
        periods=table.reindex(columns=COMPARE_COLUMNS)
        if len(table)
        else pd.DataFrame(columns=COMPARE_COLUMNS),
        max_stale_days=max_stale_days,
        left_out=left_out,
    )


def _join_periods(fa: pd.DataFrame, fb: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """The periods both series hold, side by side, with B − A differences."""
    import pandas as pd

    keep = ["period_start", "period_end", "snapshot_start", "snapshot_end", "gained_km2",
            "lost_km2", "net_km2", "area_km2", "gap", "complete"]  # fmt: skip
    if fa.empty or fb.empty:
        return pd.DataFrame(columns=COMPARE_COLUMNS)
    both = fa[keep].merge(fb[keep], on=["period_start", "period_end"], suffixes=("_a", "_b"))
    both = both[both.complete_a.astype(bool) & both.complete_b.astype(bool)]
    both = both.reset_index(drop=True)
    both.insert(0, "source_b", b)
    both.insert(0, "source_a", a)
    for m in ("area", "gained", "lost", "net"):
        both[f"{m}_diff_km2"] = both[f"{m}_km2_b"] - both[f"{m}_km2_a"]
    renamed = {
        f"{m}_km2_{s}": f"{m}_{s}_km2" for m in ("area", "gained", "lost", "net") for s in "ab"
    }
    both = both.rename(columns=renamed)
    both["gap"] = both.gap_a.astype(bool) | both.gap_b.astype(bool)
    return both.drop(columns=["gap_a", "gap_b", "complete_a", "complete_b"])


def _stale_days(row: Any) -> int:
    return max(
        (row.period_start - row.snapshot_start_a).days,
        (row.period_start - row.snapshot_start_b).days,
        (row.period_end - row.snapshot_end_a).days,
        (row.period_end - row.snapshot_end_b).days,
    )


def yearly_summary(periods: pd.DataFrame) -> pd.DataFrame:
    """Per calendar year of the period start: medians (and range) of the differences
    (YEAR_COLUMNS), from a :attr:`Comparison.periods` frame."""
    import pandas as pd

    if periods.empty:
        return pd.DataFrame(columns=YEAR_COLUMNS)
    frame = periods.assign(
        year=[d.year for d in periods.period_start],
        net_abs=periods.net_diff_km2.abs(),
    )
    out = frame.groupby("year").agg(
        periods=("period_start", "size"),
        area_diff_median_km2=("area_diff_km2", "median"),
        area_diff_min_km2=("area_diff_km2", "min"),
        area_diff_max_km2=("area_diff_km2", "max"),
        net_diff_median_abs_km2=("net_abs", "median"),
        a_only_median_km2=("a_only_km2", "median"),
        b_only_median_km2=("b_only_km2", "median"),
    )
    return out.reset_index()[YEAR_COLUMNS]


# -- on one date ------------------------------------------------------------------------------
def disagreement(
    t: Territory, sources: str | Sequence[str], date: DateLike, *, land_only: bool = False
) -> Disagreement:
    """Where the two maps standing for ``date`` disagree, in total and by oblast.

    Needs oblast boundaries in the store (``vigil territory geography import``).
    """
    import numpy as np
    import pandas as pd

    from vigil.territory import change as overlay_mod
    from vigil.territory.regions import region_change

    a, b = source_pair(t, sources)
    day = parse_date(date, "date")
    maps = _Maps(t, land_only=land_only)
    regions = maps.oblasts()
    snap_a = t.area(day, source=a).snapshot_date
    snap_b = t.area(day, source=b).snapshot_date
    result = maps.overlay((a, snap_a), (b, snap_b))
    b_only = overlay_mod.as_multipolygon(overlay_mod.fragments(result.gained))
    a_only = overlay_mod.as_multipolygon(overlay_mod.fragments(result.lost))
    split = region_change(regions, b_only, a_only, stored=True)
    table = split.rename(
        columns={"gained_km2": "b_only_km2", "lost_km2": "a_only_km2", "net_km2": "diff_km2"}
    )[REGION_COLUMNS]
    if not land_only:
        outside_a = result.lost_km2 - float(table.a_only_km2.sum())
        outside_b = result.gained_km2 - float(table.b_only_km2.sum())
        if max(outside_a, outside_b) > 1e-6:
            a_out, b_out = max(outside_a, 0.0), max(outside_b, 0.0)
            outside = pd.DataFrame(
                [[OUTSIDE_CODE, "Outside the oblasts (sea, abroad)", "Поза областями",
                  a_out, b_out, b_out - a_out]],
                columns=REGION_COLUMNS,
            )  # fmt: skip
            table = pd.concat([table, outside], ignore_index=True)
    order = np.argsort(-(table.a_only_km2 + table.b_only_km2).to_numpy(), kind="stable")
    table = table.iloc[order].reset_index(drop=True)
    return Disagreement(
        source_a=a,
        source_b=b,
        date=day,
        snapshot_a=snap_a,
        snapshot_b=snap_b,
        land_only=land_only,
        area_a_km2=maps.area(a, snap_a),
        area_b_km2=maps.area(b, snap_b),
        a_only_km2=result.lost_km2,
        b_only_km2=result.gained_km2,
        by_region=table,
        a_only=a_only,
        b_only=b_only,
    )


# -- lag ------------------------------------------------------------------------------------------
def daily_net(
    t: Territory,
    source: str,
    *,
    first: dt.date | None = None,
    last: dt.date | None = None,
    land_only: bool = False,
    maps: _Maps | None = None,
) -> dict[dt.date, float]:
    """Net change (km²) on each day d in [``first``, ``last``] (default: every day)
    holding a snapshot whose previous day holds one too: area(d) − area(d − 1)."""
    maps = maps or _Maps(t, land_only=land_only)
    one = dt.timedelta(days=1)
    lo = first - one if first is not None else dt.date.min
    hi = last if last is not None else dt.date.max
    dates = [d for d in t.dates(source) if lo <= d <= hi]
    areas = {d: maps.area(source, d) for d in dates}
    return {d: areas[d] - areas[d - one] for d in dates if d - one in areas}


def best_lag(
    t: Territory,
    sources: str | Sequence[str],
    *,
    date_from: DateLike | None = None,
    date_to: DateLike | None = None,
    max_lag: int = MAX_LAG_DAYS,
    land_only: bool = False,
) -> Lag:
    """The lag (days, −``max_lag``..``max_lag``) that best aligns the two sources' daily
    net changes (criterion: :data:`LAG_CRITERION`), with every lag's figures.

    Days d of A are taken in [``date_from``, ``date_to``] (default: the dates both hold).
    """
    import numpy as np
    import pandas as pd

    a, b = source_pair(t, sources)
    if not 0 <= max_lag <= 60:
        raise InputError(
            _("expected 0 to 60 days, got %(value)s") % {"value": max_lag}, param="max_lag"
        )
    first, last = overlap(t, a, b)
    start = parse_date(date_from, "date_from") if date_from is not None else first
    end = parse_date(date_to, "date_to") if date_to is not None else last
    check_order(start, end)
    maps = _Maps(t, land_only=land_only)
    reach = dt.timedelta(days=max_lag)
    net_a = daily_net(t, a, first=start, last=end, maps=maps)
    net_b = daily_net(t, b, first=start - reach, last=end + reach, maps=maps)
    rows: list[dict[str, Any]] = []
    spans: dict[int, tuple[dt.date | None, dt.date | None]] = {}
    for k in range(-max_lag, max_lag + 1):
        shift = dt.timedelta(days=k)
        days = [d for d in sorted(net_a) if d + shift in net_b]
        x = np.array([net_a[d] for d in days])
        y = np.array([net_b[d + shift] for d in days])
        diff = np.abs(y - x)
        corr = (
            float(np.corrcoef(x, y)[0, 1])
            if len(days) > 2 and x.std() > 0 and y.std() > 0
            else np.nan
        )
        rows.append({
            "lag_days": k,
            "days": len(days),
            "median_abs_diff_km2": float(np.median(diff)) if len(days) else np.nan,
            "mean_abs_diff_km2": float(diff.mean()) if len(days) else np.nan,
            "correlation": corr,
        })  # fmt: skip
        spans[k] = (days[0], days[-1]) if days else (None, None)
    table = pd.DataFrame(rows, columns=LAG_COLUMNS)
    scored = table[table.days > 0]
    best = None
    if len(scored):
        key = scored.assign(r=scored.median_abs_diff_km2.round(6), m=scored.lag_days.abs())
        best = int(key.sort_values(["r", "m", "lag_days"]).iloc[0].lag_days)
    first_day, last_day = spans[best] if best is not None else (None, None)
    return Lag(
        source_a=a,
        source_b=b,
        best_days=best,
        criterion=LAG_CRITERION,
        table=table,
        land_only=land_only,
        first=first_day,
        last=last_day,
    )
