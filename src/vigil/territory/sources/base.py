"""What every source reader yields, and the report it fills in.

A reader turns files into :class:`Snapshot` values: one geometry of one kind on
one date. Readers do no repair and no area computation; the store does both in
one place when it ingests.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # readers make shapely geometries; naming the type needs no import
    from shapely.geometry.base import BaseGeometry


class Kind(StrEnum):
    """What a stored geometry represents.

    ``CONTROLLED`` is the Russian-controlled area (for DeepState: occupied + ORDLO +
    Crimea). ``GREY`` is the unknown-status zone, reported separately. ``PRE_2022`` is
    the part a source draws as held before 24 February 2022 (DeepState's ORDLO, Crimea
    and Tuzla layers): not a figure of its own, it tells redraws there from advances
    (vigil.territory.redraws). A reader may yield it only on the days it changes: the
    snapshot standing for a date is the latest on or before it.
    """

    CONTROLLED = "controlled"
    GREY = "grey"
    PRE_2022 = "pre-2022"


#: The stored kind holding the union of the controlled area and the grey zone
#: (``--with-grey``), made at ingest by :mod:`vigil.territory.prepare`.
CONTROLLED_GREY = "controlled+grey"


@dataclass(frozen=True)
class Snapshot:
    """One geometry of one kind on one date, as read from a source.

    ``geometry`` is in WGS84 longitude/latitude (CRS84 axis order) and may still be
    invalid: the store repairs it with ``make_valid`` and counts the repairs.
    ``taken_at`` is the instant of a timestamped snapshot (timezone-aware), else None.
    ``origin`` names the file (and archive member) it came from, for messages.
    """

    date: dt.date
    kind: Kind
    geometry: BaseGeometry
    origin: str
    taken_at: dt.datetime | None = None


@dataclass
class SourceReport:
    """Counters a reader fills in while reading; shown in the ingest report.

    ``counts`` holds named tallies (files read, features skipped, matches per
    classification rule…); ``notes`` holds one-line remarks worth showing a user.
    """

    counts: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] += n

    def note(self, message: str) -> None:
        self.notes.append(message)
