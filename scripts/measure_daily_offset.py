"""Measure the date offset between DeepState's daily files and its raw snapshots.

The evidence behind the daily reader's dating (docs/method.md, "Dates"): for each
shift s, the daily map stored under date D is compared with the raw map of D - s, and
the 7-day net changes (area(D + 7) - area(D)) of the two are compared over the days
both hold. Shift 0 is Vigil's convention (the file of day D holds the map of D-1, so
it is stored under D-1); shift -1 reads the files by their names' dates.

    python scripts/measure_daily_offset.py --store S [--raw deepstate-raw] [--daily deepstate-daily]

Reads stored areas only (no geometry), with Territory.area_agreement, the measure
kept with every seam: a second on the whole archives.
"""

from __future__ import annotations

import argparse

from vigil.territory.api import Territory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True)
    parser.add_argument("--raw", default="deepstate-raw")
    parser.add_argument("--daily", default="deepstate-daily")
    args = parser.parse_args()
    print(
        "| daily date read as | common days | weeks | median level (daily − raw) km² |"
        " median abs weekly net difference km² | max | weeks equal (< 0.01 km²) |"
    )
    print("|---|---|---|---|---|---|---|")
    labels = {-1: "file name date", 0: "file date − 1 (Vigil)", 1: "file date − 2"}
    with Territory(args.store) as t:
        for shift in (-1, 0, 1):
            r = t.area_agreement(args.raw, args.daily, shift_days=shift)
            print(
                f"| {labels[shift]} | {r['overlap_days']} | {r['weeks_compared']} |"
                f" {r['area_diff_median_km2']:+.2f} | {r['weekly_net_diff_median_km2']:.2f} |"
                f" {r['weekly_net_diff_max_km2']:.2f} | {r['weeks_equal']} |"
            )


if __name__ == "__main__":
    main()
