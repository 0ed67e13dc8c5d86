"""Settlements against the control maps: status on a date, changes, timelines, coverage.

Pure functions (values in, values out; no store, no printing). The gazetteer is a frame
like :meth:`vigil.territory.store.Store.settlements` (``code``, names, ``oblast``,
``lon``, ``lat``, ``located``); maps are shapely geometries in WGS84 lon/lat.

Method (the answers users quote depend on it):

- **Status** of a settlement on a snapshot is one of ``controlled``, ``grey``, ``free``,
  from its single point (``lon``, ``lat``), the gazetteer's coordinates of the settlement.
  A town is larger than a point: "controlled" means the map's controlled area covers
  the point the gazetteer gives, not the whole town.
- **Boundary rule: covered-by.** A point on the boundary of the controlled area counts as
  controlled; a point on the boundary of the grey zone (and outside the controlled area)
  counts as grey. The controlled area wins over the grey zone where they touch or
  overlap. Reasons: a front line drawn through a settlement's point means the settlement
  is at least contested, and the rule is deterministic (GEOS ``intersects`` of a point,
  i.e. ``covered_by``); an interior-only rule (``contains``) would flip a point from
  controlled to free when a redrawn line happens to pass through it.
- **Unlocated settlements** (``located`` not 1: the gazetteer has only a point inside
  their hromada, or none) are never tested against a map; their status is
  ``unlocated``. Say so with :func:`coverage` whenever settlements are listed.
- **Changes between A and B** compare the status at A with the status at B, like the
  area change compares the two snapshots. A settlement that changed and changed back
  within the period (status at B equals status at A) is *not* listed, even if it was
  captured and retaken in between; :func:`timeline` shows such episodes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from vigil.i18n import gettext as _
from vigil.i18n import integer, ngettext
from vigil.territory.geography import oblast_iso

CONTROLLED = "controlled"
GREY = "grey"
FREE = "free"
UNLOCATED = "unlocated"
STATUSES = (CONTROLLED, GREY, FREE, UNLOCATED)
_DTYPE = "<U10"  # long enough for every status

# Gazetteer columns carried into a change list when present.
_CHANGE_COLUMNS = ("code", "name_uk", "name_en", "category", "hromada", "raion", "oblast")


class MapSnapshot(NamedTuple):
    """One snapshot's maps: its date, the controlled area and the grey zone (or None)."""

    date: dt.date
    controlled: BaseGeometry | None
    grey: BaseGeometry | None = None


# --- status ------------------------------------------------------------------------------


def located_mask(settlements: pd.DataFrame) -> NDArray[np.bool_]:
    """True for rows with their own coordinates (``located`` == 1 and finite lon/lat)."""
    located = pd.to_numeric(settlements["located"], errors="coerce").to_numpy() == 1
    lon = pd.to_numeric(settlements["lon"], errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(settlements["lat"], errors="coerce").to_numpy(dtype=float)
    return located & np.isfinite(lon) & np.isfinite(lat)


def status_at(
    settlements: pd.DataFrame,
    controlled: BaseGeometry | None,
    grey: BaseGeometry | None = None,
) -> NDArray[np.str_]:
    """Status of every gazetteer row on one snapshot, in row order.

    ``controlled`` and ``grey`` are (multi)polygons in WGS84 lon/lat; None or empty means
    nothing is controlled (or grey). Located rows get ``controlled``, ``grey`` or
    ``free`` by the covered-by rule (a point on a boundary belongs to the area; the
    controlled area wins over grey); others get ``unlocated``. The geometries are
    prepared in place (a GEOS cache on the object; their value is unchanged), so later
    calls with the same objects are faster.
    """
    xs, ys, located = _points(settlements)
    out = np.full(len(settlements), UNLOCATED, dtype=_DTYPE)
    out[located] = _classify(xs[located], ys[located], controlled, grey)
    return out


def _points(settlements: pd.DataFrame) -> tuple[NDArray, NDArray, NDArray[np.bool_]]:
    xs = pd.to_numeric(settlements["lon"], errors="coerce").to_numpy(dtype=float)
    ys = pd.to_numeric(settlements["lat"], errors="coerce").to_numpy(dtype=float)
    return xs, ys, located_mask(settlements)


def _classify(
    xs: NDArray, ys: NDArray, controlled: BaseGeometry | None, grey: BaseGeometry | None
) -> NDArray[np.str_]:
    """controlled / grey / free for points (xs, ys); covered-by, controlled first."""
    out = np.full(len(xs), FREE, dtype=_DTYPE)
    in_controlled = _covers(controlled, xs, ys)
    out[in_controlled] = CONTROLLED
    rest = ~in_controlled
    if grey is not None and rest.any():
        in_grey = np.zeros(len(xs), dtype=bool)
        in_grey[rest] = _covers(grey, xs[rest], ys[rest])
        out[in_grey] = GREY
    return out


def _covers(geometry: BaseGeometry | None, xs: NDArray, ys: NDArray) -> NDArray[np.bool_]:
    """Whether ``geometry`` covers each point (boundary included); one vectorised call.

    For a point, ``intersects`` equals ``covered_by``; ``contains_xy`` would leave out
    points on the boundary.
    """
    if geometry is None or geometry.is_empty or len(xs) == 0:
        return np.zeros(len(xs), dtype=bool)
    if len(xs) > 1:
        shapely.prepare(geometry)  # no-op when already prepared
    return np.asarray(shapely.intersects_xy(geometry, xs, ys), dtype=bool)


# --- changes between two snapshots --------------------------------------------------------


def changes(
    settlements: pd.DataFrame,
    before_status: Sequence[str] | NDArray[np.str_],
    after_status: Sequence[str] | NDArray[np.str_],
    snapshots: Iterable[MapSnapshot | tuple[dt.date, BaseGeometry | None, BaseGeometry | None]],
) -> pd.DataFrame:
    """Settlements whose status at B differs from their status at A.

    ``before_status`` and ``after_status`` are :func:`status_at` of the same gazetteer
    (same rows, same order) on snapshots A and B. ``snapshots`` yields
    ``(date, controlled, grey)`` for the snapshots after A up to and including B,
    oldest first (a generator is fine: each is used once and dropped; including A
    itself changes nothing). Only the changed settlements are tested against them.

    Returns one row per changed settlement: the gazetteer's ``code``, names, ``category``,
    ``hromada``, ``raion``, ``oblast``, ``lon``, ``lat`` (those present), then

    - ``from_status``, ``to_status``: status at A and at B;
    - ``since``: the date of the first snapshot of the unbroken run in ``to_status`` that
      lasts to B, i.e. the settlement has had its new status in every snapshot from
      ``since`` to B. Without back-and-forth this is simply the first snapshot after A
      in the new status;
    - ``transitions``: status changes seen from A through the snapshots to B (1 for a
      clean change; 3 for e.g. free → controlled → free → controlled).

    Sorted by ``since``, then oblast and code. A settlement whose status at B equals its
    status at A is not listed, even if it changed and changed back in between (see
    :func:`timeline`). Raises ValueError when the lengths disagree, the snapshots are not
    in date order, or the last snapshot's statuses are not ``after_status`` (the
    snapshots did not end at B).
    """
    before = np.asarray(before_status, dtype=_DTYPE)
    after = np.asarray(after_status, dtype=_DTYPE)
    if not len(before) == len(after) == len(settlements):
        raise ValueError(
            f"changes: {len(settlements)} settlements but {len(before)} statuses at A"
            f" and {len(after)} at B"
        )
    rows = np.flatnonzero(before != after)
    if (before[rows] == UNLOCATED).any() or (after[rows] == UNLOCATED).any():
        raise ValueError("changes: a settlement is unlocated at A or at B but not both")
    xs, ys, _ = _points(settlements)
    xs, ys = xs[rows], ys[rows]
    current = before[rows].copy()
    since = np.full(len(rows), None, dtype=object)
    transitions = np.zeros(len(rows), dtype=np.int64)
    last_date: dt.date | None = None
    for date, controlled, grey in snapshots:
        if last_date is not None and date <= last_date:
            raise ValueError(f"changes: snapshots out of order ({date} after {last_date})")
        last_date = date
        if len(rows) == 0:
            continue
        status = _classify(xs, ys, controlled, grey)
        moved = status != current
        since[moved] = date
        transitions[moved] += 1
        current = status
    if len(rows) and not (current == after[rows]).all():
        raise ValueError(
            "changes: the statuses on the last snapshot given are not those at B;"
            " pass the snapshots after A up to and including B"
        )
    columns = [c for c in (*_CHANGE_COLUMNS, "lon", "lat") if c in settlements.columns]
    out = settlements.iloc[rows][columns].reset_index(drop=True)
    out["from_status"] = before[rows].astype(object)
    out["to_status"] = after[rows].astype(object)
    out["since"] = pd.Series(since, dtype=object)
    out["transitions"] = transitions
    order = [c for c in ("since", "oblast", "code") if c in out.columns]
    return out.sort_values(order, kind="stable").reset_index(drop=True)


# --- one settlement across snapshots ------------------------------------------------------

TIMELINE_COLUMNS = ["status", "first_snapshot", "last_snapshot", "snapshots"]


def timeline(
    point_lon: float,
    point_lat: float,
    snapshots: Iterable[MapSnapshot | tuple[dt.date, BaseGeometry | None, BaseGeometry | None]],
) -> pd.DataFrame:
    """One point's status across ``snapshots`` (``(date, controlled, grey)``, oldest
    first), compressed to runs of equal status.

    Columns: ``status``; ``first_snapshot`` and ``last_snapshot``, the dates of the first
    and last snapshot of the run; ``snapshots``, how many snapshots the run holds. A
    settlement captured and later retaken shows as free, controlled, free. The status
    uses the same covered-by rule as :func:`status_at`. A bounding-box test skips the
    exact test for maps far from the point; geometries are not prepared (for one point
    a plain test is faster). Raises ValueError when dates are not increasing.
    """
    x, y = float(point_lon), float(point_lat)
    runs: list[list] = []
    last_date: dt.date | None = None
    for date, controlled, grey in snapshots:
        if last_date is not None and date <= last_date:
            raise ValueError(f"timeline: snapshots out of order ({date} after {last_date})")
        last_date = date
        status = _point_status(x, y, controlled, grey)
        if runs and runs[-1][0] == status:
            runs[-1][2] = date
            runs[-1][3] += 1
        else:
            runs.append([status, date, date, 1])
    return pd.DataFrame(runs, columns=TIMELINE_COLUMNS)


def _point_status(
    x: float, y: float, controlled: BaseGeometry | None, grey: BaseGeometry | None
) -> str:
    if _covers_point(controlled, x, y):
        return CONTROLLED
    if _covers_point(grey, x, y):
        return GREY
    return FREE


def _covers_point(geometry: BaseGeometry | None, x: float, y: float) -> bool:
    if geometry is None or geometry.is_empty:
        return False
    x0, y0, x1, y1 = geometry.bounds
    if not (x0 <= x <= x1 and y0 <= y <= y1):
        return False
    return bool(shapely.intersects_xy(geometry, x, y))


# --- gazetteer coverage -------------------------------------------------------------------

COVERAGE_COLUMNS = ["oblast", "settlements", "located", "located_pct"]


def coverage(settlements: pd.DataFrame, oblasts: Iterable[str] | None = None) -> pd.DataFrame:
    """How much of the gazetteer has its own coordinates, per oblast.

    ``oblasts``: codes in any form :func:`vigil.territory.geography.oblast_iso` reads
    (``UA-14``, ``UA14``, KATOTTH ``UA14000000000013043``), in the order wanted, repeats
    dropped; None means every oblast in the gazetteer, by code. Columns: ``oblast``
    (ISO 3166-2), ``settlements`` (gazetteer rows), ``located`` (rows with their own
    coordinates, which alone are tested against maps) and ``located_pct`` (percent,
    NaN for an oblast with no rows). Use it to state, with every settlement answer,
    e.g. "the gazetteer locates 620 of 1,298 settlements in Donetsk oblast (48 %)".
    """
    iso = settlements["oblast"].map(oblast_iso)
    frame = pd.DataFrame({"oblast": iso.to_numpy(), "located": located_mask(settlements)})
    counts = frame.groupby("oblast")["located"].agg(["size", "sum"])
    wanted = (
        sorted(counts.index)
        if oblasts is None
        else list(dict.fromkeys(oblast_iso(o.strip().upper()) for o in oblasts))
    )
    counts = counts.reindex(wanted, fill_value=0)
    total = counts["size"].to_numpy(dtype=np.int64)
    located = counts["sum"].to_numpy(dtype=np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(total > 0, 100.0 * located / np.maximum(total, 1), np.nan)
    return pd.DataFrame(
        {"oblast": wanted, "settlements": total, "located": located, "located_pct": pct},
        columns=COVERAGE_COLUMNS,
    )


def coverage_sentence(row: pd.Series | dict, oblast_name: str | None = None) -> str:
    """One :func:`coverage` row as a sentence: "the gazetteer locates 620 of 1,298
    settlements in Donetsk oblast (48 %)" (``oblast_name`` defaults to the code)."""
    name = oblast_name or row["oblast"]
    if not row["settlements"]:
        # Translators: %(name)s is an oblast's name or code.
        return _("the gazetteer lists no settlements in %(name)s") % {"name": name}
    total = int(row["settlements"])
    # Translators: %(name)s is an oblast's name or code; %(pct)s a whole percentage.
    # English keeps "settlements" in both forms.
    return ngettext(
        "the gazetteer locates %(located)s of %(total)s settlements in %(name)s (%(pct)s %%)",
        "the gazetteer locates %(located)s of %(total)s settlements in %(name)s (%(pct)s %%)",
        total,
    ) % {
        "located": integer(int(row["located"])),
        "total": integer(total),
        "name": name,
        "pct": f"{row['located_pct']:.0f}",
    }
