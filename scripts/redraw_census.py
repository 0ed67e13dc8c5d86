"""Census of redraws: run every change of a period series through the redraw flagger.

The evidence behind the redraw rules and thresholds (docs/method.md, "Redraws"): for
each period (default: Monday-to-Monday weeks) the change is overlaid as
``Territory.change`` does, its fragments are flagged (``vigil.territory.redraws``) and
the script reports the ten largest flagged changes, the km² flagged per year and
reason, how many period gains move by more than 1 km² when flagged fragments are left
out, the distance of every fragment to the line of contact, and the cost of flagging.

    python scripts/redraw_census.py --store S [--source NAME] [--raw ARCHIVE]
        [--from 2022-04-04] [--to 2025-08-04] [--freq week] [--out DIR] [--maps 10]

The pre-2022 areas come from the store's ``pre-2022`` snapshots when the source has
them; otherwise, with ``--raw`` (the raw DeepState archive), from the ORDLO, Crimea and
Tuzla layers of the raw snapshot of each date used (the last of its Kyiv day, as the
raw reader chooses), read here with the reader's own layer rules; without either the
pre-2022 rule is skipped (said in the output). The line of contact needs the store's
oblasts (``vigil territory geography import --shipped --store S``).

Writes ``fragments.csv`` (every fragment of at least ``--min-km2``, with its reasons,
its distances to the line of contact at A and B up to 60 km, its grey and pre-2022
shares and where it lies), ``periods.csv`` (each period's gained and lost with and
without flagged fragments) and, with ``--maps``, a PNG map of each of the largest
flagged changes (the flagged fragments only) into ``--out``; prints a markdown summary.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from vigil.territory import change as overlay
from vigil.territory import redraws as R
from vigil.territory.api import Territory
from vigil.territory.sources.base import Kind

DISTANCE_CAP_KM = 60.0  # distances to the line of contact are measured up to this
PRE_2022_RULES = ("crimea", "ordlo", "tuzla")


def pre_2022_from_raw(archive: Path, days: set[dt.date]) -> dict[dt.date, BaseGeometry]:
    """The union of the ORDLO, Crimea and Tuzla layers of the raw snapshot chosen for
    each of ``days`` (the last of its Kyiv day), classified by the reader's rules."""
    from vigil.territory.sources.deepstate_raw import _NAME, kyiv_date, looks_like
    from vigil.territory.sources.files import iter_members
    from vigil.territory.sources.layers import classify

    names: list[str] = []

    def record(name: str) -> bool:
        if looks_like(name):
            names.append(name)
        return False

    list(iter_members([archive], record))
    last: dict[dt.date, int] = {}
    for name in names:
        stamp = int(_NAME.fullmatch(name).group(1))  # type: ignore[union-attr]
        day = kyiv_date(stamp)
        if day in days:
            last[day] = max(last.get(day, 0), stamp)
    wanted = {stamp: day for day, stamp in last.items()}
    out: dict[dt.date, BaseGeometry] = {}
    for member in iter_members([archive], looks_like):
        stamp = int(_NAME.fullmatch(member.name).group(1))  # type: ignore[union-attr]
        if stamp not in wanted:
            continue
        day = wanted[stamp]
        polygons = []
        for feature in json.loads(member.read())["features"]:
            geometry = feature.get("geometry")
            if not geometry or geometry.get("type") == "Point":
                continue
            match = classify((feature.get("properties") or {}).get("name"), day)
            if match is None or match.rule_id not in PRE_2022_RULES:
                continue
            parts = shapely.get_parts(shapely.force_2d(shapely.geometry.shape(geometry)))
            while len(parts) and (shapely.get_type_id(parts) >= 4).any():
                parts = shapely.get_parts(parts)
            parts = shapely.make_valid(parts[shapely.get_type_id(parts) == 3])
            polygons.extend(parts)
        out[day] = shapely.union_all(polygons) if polygons else shapely.MultiPolygon()
    return out


def census(
    t: Territory,
    source: str,
    plan: pd.DataFrame,
    pre_2022: dict[dt.date, BaseGeometry] | None,
    rules: R.RedrawRules,
    min_km2: float,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """(fragments, periods, changes kept for maps) over the periods of ``plan``."""
    frag_rows, period_rows = [], []
    changes: dict[tuple[dt.date, dt.date], Any] = {}
    seconds = []
    for row in plan.itertuples():
        change = t.change(row.period_start, row.period_end, source=source)
        ctx = R.context_for(t, change)
        if pre_2022 is not None:
            ctx = dataclasses.replace(
                ctx,
                pre_2022=shapely.union(
                    pre_2022[change.snapshot_from], pre_2022[change.snapshot_to]
                ),
            )
        f = change.fragments
        started = time.perf_counter()
        reason = R.flag(f, ctx, rules)
        seconds.append(time.perf_counter() - started)
        geoms = f.geometry.to_numpy()
        extra = _measures(f, ctx, rules)
        f = f.assign(redraw=reason.to_numpy(), **extra)
        flagged = f.redraw != ""
        gained = f.direction == "gained"
        period_rows.append(
            {
                "period_start": row.period_start,
                "period_end": row.period_end,
                "snapshot_start": change.snapshot_from,
                "snapshot_end": change.snapshot_to,
                "gained_km2": change.gained_km2,
                "lost_km2": change.lost_km2,
                "gained_flagged_km2": float(f.area_km2[gained & flagged].sum()),
                "lost_flagged_km2": float(f.area_km2[~gained & flagged].sum()),
                "fragments": len(f),
                "flag_seconds": seconds[-1],
            }
        )
        big = f[(f.area_km2 >= min_km2) | flagged]
        if len(big):
            where = _where(t, change, big)
            frag_rows.append(
                big.drop(columns=["geometry", "kept"]).assign(
                    period_start=row.period_start,
                    period_end=row.period_end,
                    snapshot_start=change.snapshot_from,
                    snapshot_end=change.snapshot_to,
                    where=where,
                )
            )
        if flagged.any():
            changes[(row.period_start, row.period_end)] = (change, ctx, f[flagged], geoms)
    fragments = pd.concat(frag_rows, ignore_index=True) if frag_rows else pd.DataFrame()
    periods = pd.DataFrame(period_rows)
    periods["gained_unflagged_km2"] = periods.gained_km2 - periods.gained_flagged_km2
    periods["lost_unflagged_km2"] = periods.lost_km2 - periods.lost_flagged_km2
    return fragments, periods, changes


def _measures(f: pd.DataFrame, ctx: R.RedrawContext, rules: R.RedrawRules) -> dict[str, Any]:
    """Distances to the line of contact (up to DISTANCE_CAP_KM) and area shares."""
    geoms = f.geometry.to_numpy()
    area = f.area_km2.to_numpy()
    out: dict[str, Any] = {}
    if ctx.country is not None:
        for side, controlled in (("a", ctx.controlled_a), ("b", ctx.controlled_b)):
            out[f"line_km_{side}"] = R.line_distance_km(
                geoms, controlled, ctx.country, DISTANCE_CAP_KM, rules.border_buffer_km
            )
    if ctx.grey_a is not None:
        out["grey_a_share"] = R.share_inside(geoms, ctx.grey_a, area)
    if ctx.pre_2022 is not None:
        out["pre_2022_share"] = R.share_inside(geoms, ctx.pre_2022, area)
    return out


def _where(t: Territory, change: Any, fragments: pd.DataFrame) -> list[str]:
    try:
        located = t.locate_fragments(dataclasses.replace(change, fragments=fragments))
    except Exception:  # no geography: centroids only
        return [
            f"{x:.3f}E {y:.3f}N"
            for x, y in zip(fragments.centroid_lon, fragments.centroid_lat, strict=True)
        ]
    return list(located["description"])


# -- the summary ---------------------------------------------------------------------------
def summary(fragments: pd.DataFrame, periods: pd.DataFrame, notes: list[str]) -> str:
    lines = ["# Redraw census", ""]
    lines += [f"- {n}" for n in notes]
    flagged = fragments[fragments.redraw != ""].copy()
    flagged["main"] = flagged.redraw.str.split(",").str[0]
    lines += ["", "## Ten largest flagged fragments", ""]
    lines += ["| period | direction | km² | reasons | where |", "|---|---|---:|---|---|"]
    for r in flagged.sort_values("area_km2", ascending=False).head(10).itertuples():
        lines.append(
            f"| {r.snapshot_start} → {r.snapshot_end} | {r.direction} | {r.area_km2:,.1f} |"
            f" {r.redraw} | {r.where} |"
        )
    lines += ["", "## Ten changes with the most flagged km²", ""]
    per = (
        flagged.groupby(["snapshot_start", "snapshot_end", "direction", "main"])
        .area_km2.agg(["sum", "count"])
        .reset_index()
        .sort_values("sum", ascending=False)
        .head(10)
    )
    lines += ["| period | direction | main reason | km² | fragments |", "|---|---|---|---:|---:|"]
    for r in per.itertuples():
        lines.append(
            f"| {r.snapshot_start} → {r.snapshot_end} | {r.direction} | {r.main} |"
            f" {r.sum:,.1f} | {r.count} |"
        )
    lines += ["", "## km² flagged per year (of period start) and main reason", ""]
    flagged["year"] = [d.year for d in flagged.period_start]
    table = flagged.pivot_table(
        index="year", columns=["direction", "main"], values="area_km2", aggfunc="sum", fill_value=0
    )
    cols = [f"{d} {m}" for d, m in table.columns]
    lines += ["| year | " + " | ".join(cols) + " |", "|---|" + "---:|" * len(cols)]
    for year, r in table.iterrows():
        lines.append(f"| {year} | " + " | ".join(f"{v:,.1f}" for v in r.to_numpy()) + " |")
    moved = periods.gained_flagged_km2 > 1
    moved_net = (periods.gained_flagged_km2 - periods.lost_flagged_km2).abs() > 1
    lines += [
        "",
        "## Effect on the period figures",
        "",
        f"- periods: {len(periods)}; gained moves by more than 1 km² in {int(moved.sum())},"
        f" net in {int(moved_net.sum())}",
    ]
    per_year = periods.assign(year=[d.year for d in periods.period_start]).groupby("year")
    for year, g in per_year:
        lines.append(
            f"- {year}: {len(g)} periods, gained moves > 1 km² in"
            f" {int((g.gained_flagged_km2 > 1).sum())}; largest {g.gained_flagged_km2.max():,.1f}"
            f" km² gained and {g.lost_flagged_km2.max():,.1f} km² lost flagged in one period"
        )
    secs = periods.flag_seconds
    lines += [
        "",
        f"- flagging cost: {secs.mean():.3f} s per change on average (median {secs.median():.3f},"
        f" max {secs.max():.2f}; total {secs.sum():.1f} s for {len(secs)} changes)",
    ]
    if "line_km_a" in fragments:
        lines += [
            "",
            "## Distance to the line of contact (fragments of at least the minimum area)",
            "",
        ]
        d = np.minimum(fragments.line_km_a, fragments.line_km_b)
        bins = [-1, 0.001, 2, 5, 10, 20, 40, DISTANCE_CAP_KM, np.inf]
        labels = ["0", "0-2", "2-5", "5-10", "10-20", "20-40", "40-60", "> 60"]
        cut = pd.cut(d, bins=bins, labels=labels)
        years = [x.year for x in fragments.period_start]
        dist = fragments.assign(band=cut, year=years).pivot_table(
            index="band",
            columns="year",
            values="area_km2",
            aggfunc=["count", "sum"],
            fill_value=0,
            observed=False,
        )
        lines += [
            "nearer of the two lines (km) | " + " | ".join(f"{a} {y}" for a, y in dist.columns)
        ]
        lines += ["---|" + "---:|" * len(dist.columns)]
        for band, r in dist.iterrows():
            lines.append(f"{band} | " + " | ".join(f"{v:,.0f}" for v in r.to_numpy()))
    return "\n".join(lines) + "\n"


def draw_maps(t: Territory, changes: dict, periods: pd.DataFrame, out: Path, n: int) -> list[Path]:
    """A map of each of the ``n`` changes with the most flagged km² (flagged fragments only)."""
    from vigil.territory import render

    score = {k: float(v[2].area_km2.sum()) for k, v in changes.items()}
    paths = []
    for key in sorted(score, key=score.get, reverse=True)[:n]:  # type: ignore[arg-type]
        change, ctx, flagged, _ = changes[key]
        gained = flagged[flagged.direction == "gained"].geometry.to_numpy()
        lost = flagged[flagged.direction == "lost"].geometry.to_numpy()
        shown = dataclasses.replace(
            change,
            gained=overlay.as_multipolygon(gained),
            lost=overlay.as_multipolygon(lost),
            gained_km2=float(flagged.area_km2[flagged.direction == "gained"].sum()),
            lost_km2=float(flagged.area_km2[flagged.direction == "lost"].sum()),
            fragments=flagged.drop(columns=[c for c in flagged if c not in change.fragments]),
        )
        path = out / f"redraw-{change.snapshot_from}-{change.snapshot_to}.png"
        render.chart_change_map(
            shown,
            ctx.controlled_a,
            path,
            credit="Flagged (redraw) fragments only."
            " DeepStateMap via DanielRose2310/deepstatemaps-history",
        )
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True)
    parser.add_argument("--source")
    parser.add_argument(
        "--raw", type=Path, help="the raw DeepState archive, for the pre-2022 layers"
    )
    parser.add_argument("--from", dest="date_from")
    parser.add_argument("--to", dest="date_to")
    parser.add_argument("--freq", default="week")
    parser.add_argument(
        "--min-km2", type=float, default=0.1, help="smallest fragment listed (all are flagged)"
    )
    parser.add_argument("--out", type=Path, default=Path("redraw-census"))
    parser.add_argument(
        "--maps", type=int, default=0, help="draw the N changes with most flagged km²"
    )
    args = parser.parse_args()

    rules = R.RedrawRules()
    args.out.mkdir(parents=True, exist_ok=True)
    notes = [f"rules: {dataclasses.asdict(rules)}"]
    with Territory(args.store) as t:
        source = t.resolve_source(args.source)
        plan = t.series(args.freq, date_from=args.date_from, date_to=args.date_to, source=source)
        notes.append(
            f"store {args.store}, source {source}: {len(plan)} {args.freq}s from"
            f" {plan.period_start.iloc[0]} to {plan.period_end.iloc[-1]}"
        )
        pre_2022 = None
        if not t.store.dates(source, Kind.PRE_2022):
            if args.raw is not None:
                started = time.perf_counter()
                days = set(plan.snapshot_start) | set(plan.snapshot_end)
                pre_2022 = pre_2022_from_raw(args.raw, days)
                notes.append(
                    f"pre-2022 areas: ORDLO + Crimea + Tuzla layers of {len(pre_2022)} raw"
                    f" snapshots of {args.raw.name} ({time.perf_counter() - started:.0f} s to read)"
                )
            else:
                notes.append("pre-2022 areas: none in the store and no --raw: rule skipped")
        else:
            notes.append("pre-2022 areas: the store's pre-2022 snapshots")
        if not t.store.has_regions("oblast"):
            notes.append("no oblasts in the store: the behind-line rule is skipped")
        fragments, periods, changes = census(t, source, plan, pre_2022, rules, args.min_km2)
        fragments.to_csv(args.out / "fragments.csv", index=False)
        periods.to_csv(args.out / "periods.csv", index=False)
        text = summary(fragments, periods, notes)
        if args.maps:
            paths = draw_maps(t, changes, periods, args.out, args.maps)
            text += "\n## Maps\n\n" + "\n".join(f"- {p}" for p in paths) + "\n"
    (args.out / "summary.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
