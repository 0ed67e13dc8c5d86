"""Typed results of territory questions, shared by the library, the CLI and the web.

Scalars are km² (geodesic, WGS84) and dates are calendar dates (Kyiv local time for
timestamped sources). Geometries are shapely, WGS84 longitude/latitude.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: `vigil territory area` starts without them
    import pandas as pd
    from shapely.geometry.base import BaseGeometry

# Columns of a series DataFrame (see vigil.territory.series), in order.
SERIES_COLUMNS = [
    "period_start",  # date: first day of the period
    "period_end",  # date: first day of the next period (the period is [start, end))
    "snapshot_start",  # date of the snapshot used for period_start (latest on or before it)
    "snapshot_end",  # date of the snapshot used for period_end
    "gained_km2",  # area(end \ start)
    "lost_km2",  # area(start \ end)
    "net_km2",  # area(end) - area(start)
    "area_km2",  # controlled area at snapshot_end
    "gap",  # bool: a snapshot used is older than the date it stands for
    "complete",  # bool: the store holds data up to period_end
]
# With a sliver filter, series also carry gained_filtered_km2 and lost_filtered_km2.

# Columns of a records DataFrame (see vigil.territory.series.records), in order.
RECORD_COLUMNS = [
    "period_start",
    "period_end",
    "value",  # the metric's value for the period, km²
    "larger_before",  # period_start of the last earlier period with a larger value, or NaT
    "larger_value",  # that period's value, or NaN
    "rank_in_year",  # 1 = largest among periods starting in the trailing year (this one included)
    "periods_in_year",  # how many periods that trailing year holds in the data
    "year_covered",  # bool: the data cover the whole trailing year
]


@dataclass(frozen=True)
class Change:
    """Gained, lost and net area between two snapshots of one source and kind.

    ``fragments`` has one row per connected piece of the gained or lost geometry:
    ``direction`` ('gained' | 'lost'), ``area_km2``, ``centroid_lon``, ``centroid_lat``,
    ``kept`` (bool: passes the sliver filter; all True without a filter) and
    ``geometry``; sorted by area, largest first.
    """

    source: str
    kind: str
    date_from: dt.date  # the dates asked for
    date_to: dt.date
    snapshot_from: dt.date  # the snapshots actually used
    snapshot_to: dt.date
    area_from_km2: float
    area_to_km2: float
    gained_km2: float
    lost_km2: float
    gained: BaseGeometry
    lost: BaseGeometry
    fragments: pd.DataFrame
    min_fragment_km2: float | None = None
    min_width_km: float | None = None
    #: The sources that hold the two snapshots: ``source`` itself, or for a joined
    #: source (``deepstate``) the archive standing for each date (``deepstate-raw``…).
    archive_from: str = ""
    archive_to: str = ""
    #: Fragments carry ``redraw`` (the reasons a fragment is a source's redraw, "" when
    #: none; vigil.territory.redraws) when flagged; with ``exclude_redraws`` the
    #: headline figures leave flagged fragments out (the geometries keep them).
    redraws_flagged: bool = False
    exclude_redraws: bool = False

    @property
    def net_km2(self) -> float:
        """area(B) − area(A) (= gained − lost); without the flagged fragments when
        ``exclude_redraws``."""
        net = self.area_to_km2 - self.area_from_km2
        if self.exclude_redraws:
            net -= self.gained_redraw_km2 - self.lost_redraw_km2
        return net

    @property
    def gained_redraw_km2(self) -> float:
        """Gained area in fragments flagged as redraws (0 when not flagged)."""
        return self._flagged("gained")

    @property
    def lost_redraw_km2(self) -> float:
        return self._flagged("lost")

    def _flagged(self, direction: str) -> float:
        return flagged_km2(self.fragments, direction) if self.redraws_flagged else 0.0

    @property
    def gap(self) -> bool:
        """True when a snapshot used is older than the date it stands for."""
        return self.snapshot_from < self.date_from or self.snapshot_to < self.date_to

    @property
    def filtered(self) -> bool:
        return self.min_fragment_km2 is not None or self.min_width_km is not None

    @property
    def gained_filtered_km2(self) -> float:
        return self._kept("gained")

    @property
    def lost_filtered_km2(self) -> float:
        return self._kept("lost")

    def _kept(self, direction: str) -> float:
        """Area of the fragments past the sliver filter (and not flagged, when redraws
        are excluded)."""
        f = self.fragments
        keep = (f.direction == direction) & f.kept
        if self.exclude_redraws and "redraw" in f:
            keep &= f.redraw == ""
        return float(f.loc[keep, "area_km2"].sum())

    def summary(self) -> dict[str, object]:
        """A flat record of the figures (what the CLI prints and the JSON API returns)."""
        f = self.fragments
        out: dict[str, object] = {
            "source": self.source,
            "kind": self.kind,
            "date_from": self.date_from,
            "date_to": self.date_to,
            "snapshot_from": self.snapshot_from,
            "snapshot_to": self.snapshot_to,
            "archive_from": self.archive_from or self.source,
            "archive_to": self.archive_to or self.source,
            "gap": self.gap,
            "area_from_km2": self.area_from_km2,
            "area_to_km2": self.area_to_km2,
            "gained_km2": self.gained_km2,
            "lost_km2": self.lost_km2,
            "net_km2": self.net_km2,
            "gained_fragments": int((f.direction == "gained").sum()),
            "lost_fragments": int((f.direction == "lost").sum()),
        }
        if self.redraws_flagged:
            out.update(
                redraws_excluded=self.exclude_redraws,
                gained_redraw_km2=self.gained_redraw_km2,
                lost_redraw_km2=self.lost_redraw_km2,
                redraw_reasons=redraw_reasons(f),
            )
        if self.filtered:
            out.update(
                min_fragment_km2=self.min_fragment_km2,
                min_width_km=self.min_width_km,
                gained_filtered_km2=self.gained_filtered_km2,
                lost_filtered_km2=self.lost_filtered_km2,
                net_filtered_km2=self.gained_filtered_km2 - self.lost_filtered_km2,
            )
        return out


def flagged_km2(fragments: pd.DataFrame, direction: str) -> float:
    """Area (km²) of the ``direction`` ('gained' | 'lost') fragments flagged as redraws
    (a non-empty ``redraw``); 0 when the fragments carry no flags."""
    f = fragments
    if "redraw" not in f:
        return 0.0
    return float(f.loc[(f.direction == direction) & (f.redraw != ""), "area_km2"].sum())


def redraw_reasons(fragments: pd.DataFrame) -> str:
    """The distinct redraw reasons among the fragments, sorted: 'behind-line, seam'."""
    found = {r for text in fragments.get("redraw", []) for r in str(text).split(",") if r}
    return ", ".join(sorted(found))


@dataclass(frozen=True)
class AreaOnDate:
    """Controlled area on a date (optionally with the grey zone), and the snapshot used."""

    source: str
    date: dt.date
    snapshot_date: dt.date
    controlled_km2: float
    grey_km2: float | None  # None when the source has no grey-zone layer
    with_grey: bool
    archive: str = ""  # the source holding the snapshot (a joined source's part), or ""

    @property
    def area_km2(self) -> float:
        """The headline figure: controlled, plus grey when asked and available."""
        if self.with_grey and self.grey_km2 is not None:
            return self.controlled_km2 + self.grey_km2
        return self.controlled_km2

    @property
    def gap(self) -> bool:
        return self.snapshot_date < self.date

    def record(self) -> dict[str, object]:
        """A flat record of the figures (what the CLI prints and the JSON API returns)."""
        return {
            "source": self.source,
            "date": self.date,
            "snapshot_date": self.snapshot_date,
            "archive": self.archive or self.source,
            "gap": self.gap,
            "controlled_km2": self.controlled_km2,
            "grey_km2": self.grey_km2,
            "with_grey": self.with_grey,
            "area_km2": self.area_km2,
        }


@dataclass(frozen=True)
class BriefData:
    """Everything a written brief shows, computed by vigil.territory.brief.

    ``weekly`` and ``monthly`` are series DataFrames (SERIES_COLUMNS) ending at
    ``as_of``; ``records`` is the records row (RECORD_COLUMNS) of the last complete
    week; ``last_week``, ``last_month`` and ``year_to_date`` are changes.
    """

    source: str
    as_of: dt.date
    area: AreaOnDate
    last_week: Change
    last_month: Change
    year_to_date: Change
    weekly: pd.DataFrame
    monthly: pd.DataFrame
    week_record: pd.Series | None  # None when the data do not cover that period whole
    month_record: pd.Series | None
    data_first: dt.date
    data_last: dt.date
    credit: str
    extra: dict[str, object] = field(default_factory=dict)
