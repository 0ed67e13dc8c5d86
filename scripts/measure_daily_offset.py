"""Measure the date offset between DeepState's daily files and its raw snapshots.

The evidence behind the daily reader's dating (docs/method.md, "Dates"): for each
shift s, the daily map stored under date D is compared with the raw map of D - s, and
the 7-day net changes (area(D + 7) - area(D)) of the two are compared over the days
both hold. Shift 0 is Vigil's convention (the file of day D holds the map of D-1, so
it is stored under D-1); shift -1 reads the files by their names' dates.

    python scripts/measure_daily_offset.py --store S [--raw deepstate-raw] [--daily deepstate-daily]

Reads stored areas only (no geometry): a second on the whole archives.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics

from vigil.territory.api import Territory
from vigil.territory.sources.base import Kind

WEEK = dt.timedelta(days=7)


def areas(t: Territory, source: str) -> dict[dt.date, float]:
    return {
        d: t.store.snapshot(source, Kind.CONTROLLED, d).area_km2
        for d in t.store.dates(source, Kind.CONTROLLED)
    }


def compare(raw: dict[dt.date, float], daily: dict[dt.date, float], shift: int) -> dict:
    """Daily labels shifted by ``shift`` days against raw: medians of |differences|."""
    moved = {d - dt.timedelta(days=shift): a for d, a in daily.items()}
    common = sorted(raw.keys() & moved.keys())
    level = [moved[d] - raw[d] for d in common]
    weekly = [
        abs((moved[d + WEEK] - moved[d]) - (raw[d + WEEK] - raw[d]))
        for d in common
        if d + WEEK in raw and d + WEEK in moved
    ]
    exact = sum(w < 0.01 for w in weekly)
    return {
        "shift_days": shift,
        "common_days": len(common),
        "weeks_compared": len(weekly),
        "level_median_km2": statistics.median(level) if level else None,
        "weekly_net_diff_median_km2": statistics.median(weekly) if weekly else None,
        "weekly_net_diff_max_km2": max(weekly) if weekly else None,
        "weeks_equal_to_0.01_km2": exact,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True)
    parser.add_argument("--raw", default="deepstate-raw")
    parser.add_argument("--daily", default="deepstate-daily")
    args = parser.parse_args()
    with Territory(args.store) as t:
        raw, daily = areas(t, args.raw), areas(t, args.daily)
    print(
        "| daily date read as | common days | weeks | median level (daily − raw) km² |"
        " median abs weekly net difference km² | max | weeks equal (< 0.01 km²) |"
    )
    print("|---|---|---|---|---|---|---|")
    labels = {-1: "file name date", 0: "file date − 1 (Vigil)", 1: "file date − 2"}
    for shift in (-1, 0, 1):
        r = compare(raw, daily, shift)
        print(
            f"| {labels[shift]} | {r['common_days']} | {r['weeks_compared']} |"
            f" {r['level_median_km2']:+.2f} | {r['weekly_net_diff_median_km2']:.2f} |"
            f" {r['weekly_net_diff_max_km2']:.2f} | {r['weeks_equal_to_0.01_km2']} |"
        )


if __name__ == "__main__":
    main()
