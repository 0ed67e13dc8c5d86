"""Redraw flags: synthetic maps whose answer is known by construction, and the two
named 2022 redraws of the raw DeepState archive.

References are independent of the flagger: distances come from ``pyproj.Geod`` (the
fragments are placed a chosen geodesic distance from a straight front), area shares
from boxes split along a meridian (the geodesic area between two meridians is
proportional to their longitude difference, so a box cut at a fraction x of its width
has exactly x of its area on one side).
"""

from __future__ import annotations

import datetime as dt
import json
import tarfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import Polygon

from vigil.errors import InputError
from vigil.territory import change as overlay
from vigil.territory import redraws as R
from vigil.territory.geodesy import area_km2
from vigil.testing import assert_km2_close, rectangle

GEOD = Geod(ellps="WGS84")
LAT = 48.5
# A country 30-40°E, 45-52°N; the controlled area its eastern part east of a straight
# front along the meridian 36°E, reaching the country's border on the other three sides:
# the only line of contact is the front.
COUNTRY = rectangle(30.0, 45.0, 40.0, 52.0, step_deg=0.05)
FRONT_LON = 36.0
CONTROLLED = rectangle(FRONT_LON, 45.0, 40.0, 52.0, step_deg=0.05)


def east_of_front(km: float, lat: float = LAT) -> float:
    """The longitude ``km`` (geodesic) due east of the front at ``lat``."""
    lon, _, _ = GEOD.fwd(FRONT_LON, lat, 90.0, km * 1e3)
    return float(lon)


def table(*rows: tuple[str, Polygon]) -> pd.DataFrame:
    """A fragment table as ``change.fragment_table`` makes it, from (direction, polygon)."""
    gained = np.array([g for d, g in rows if d == "gained"], dtype=object)
    lost = np.array([g for d, g in rows if d == "lost"], dtype=object)
    frame = overlay.fragment_table(gained, lost)
    # fragment_table sorts by area; keep the given order for the tests' readability
    order = [int(np.flatnonzero(frame.geometry.to_numpy() == g)[0]) for _, g in rows]
    return frame.iloc[order].reset_index(drop=True)


def context(**kw: object) -> R.RedrawContext:
    base: dict[str, object] = dict(
        pre_2022=None,
        controlled_a=CONTROLLED,
        controlled_b=CONTROLLED,
        grey_a=None,
        grey_b=None,
        country=COUNTRY,
    )
    base.update(kw)
    return R.RedrawContext(**base)  # type: ignore[arg-type]


# -- behind the line -------------------------------------------------------------------
def test_a_fragment_50_km_behind_a_straight_front_is_behind_the_line() -> None:
    lon = east_of_front(50)
    far = rectangle(lon, LAT - 0.01, lon + 0.02, LAT + 0.01)
    lon1 = east_of_front(1)
    near = rectangle(lon1, LAT - 0.01, lon1 + 0.02, LAT + 0.01)
    frags = table(("gained", far), ("gained", near))
    assert list(R.flag(frags, context())) == ["behind-line", ""]
    # the distance itself: the nearest point of the front lies due west (the geodesic
    # from the front heading east is perpendicular to it); 0.5 % for the projection
    dist = R.line_distance_km(frags.geometry.to_numpy(), CONTROLLED, COUNTRY, 60.0)
    assert dist[0] == pytest.approx(50.0, rel=5e-3)
    assert dist[1] == pytest.approx(1.0, abs=0.01)


def test_the_threshold_decides() -> None:
    lon = east_of_front(30)
    frag = table(("gained", rectangle(lon, LAT - 0.01, lon + 0.02, LAT + 0.01)))
    assert list(R.flag(frag, context(), R.RedrawRules(far_km=29))) == ["behind-line"]
    assert list(R.flag(frag, context(), R.RedrawRules(far_km=31))) == [""]


def test_near_the_line_on_one_date_is_not_behind_it() -> None:
    """Behind on A only: B's front moved up to it (an advance). Not flagged."""
    lon = east_of_front(50)
    frag = table(("lost", rectangle(lon, LAT - 0.01, lon + 0.02, LAT + 0.01)))
    moved = rectangle(east_of_front(49), 45.0, 40.0, 52.0, step_deg=0.05)
    assert list(R.flag(frag, context(controlled_b=moved))) == [""]
    assert list(R.flag(frag, context())) == ["behind-line"]


def test_the_border_and_coast_are_not_line_of_contact() -> None:
    """A fragment 3 km from the country's northern border, 300 km from the front: the
    controlled boundary along the border is not front line (buffer 5 km), so it is
    behind the line; with no buffer the border counts and it is not."""
    lon = east_of_front(300)
    north = GEOD.fwd(lon, 52.0, 180.0, 3e3)[1]
    frag = table(("gained", rectangle(lon, north - 0.02, lon + 0.02, north)))
    assert list(R.flag(frag, context())) == ["behind-line"]
    assert list(R.flag(frag, context(), R.RedrawRules(border_buffer_km=0))) == [""]


def test_controlled_area_drawn_outside_the_country_is_not_line() -> None:
    """A controlled area reaching 0.5° into the sea south of the country: its southern
    edge is outside the country, so a fragment 10 km inside the coast is 400 km from
    any line of contact."""
    over_sea = rectangle(FRONT_LON, 44.5, 40.0, 52.0, step_deg=0.05)
    lon = east_of_front(300)
    south = GEOD.fwd(lon, 45.0, 0.0, 10e3)[1]
    frag = table(("gained", rectangle(lon, south, lon + 0.02, south + 0.02)))
    assert list(R.flag(frag, context(controlled_a=over_sea, controlled_b=over_sea))) == [
        "behind-line"
    ]


def test_a_first_bridgehead_over_the_border_is_an_advance() -> None:
    """A new area on the country's western border, 300 km from any controlled area: no
    line of contact near it on either date, but it lies across open ground, not behind
    the line. The same area next to the controlled area (a border redraw) is behind."""
    bridgehead = rectangle(30.0, 48.0, 30.02, 48.05)
    frags = table(("gained", bridgehead))
    after = shapely.union(CONTROLLED, bridgehead)
    assert list(R.flag(frags, context(controlled_b=after))) == [""]
    strip = rectangle(30.0, 45.0, 30.02, 52.0, step_deg=0.05)  # along the western border
    held = shapely.union(CONTROLLED, rectangle(30.02, 45.0, 36.0, 52.0, step_deg=0.05))
    assert list(
        R.flag(frags, context(controlled_a=held, controlled_b=shapely.union(held, strip)))
    ) == ["behind-line"]


def test_a_front_3_km_from_the_border_is_line_of_contact() -> None:
    """A salient 3 km deep along the northern border (as in Sumy oblast, 2025): its
    front is line of contact with the 2 km buffer, so an advance along it is not behind
    the line; with a 5 km buffer the whole salient would vanish into the border zone."""
    depth = 52.0 - GEOD.fwd(33.0, 52.0, 180.0, 3e3)[1]
    salient = rectangle(32.0, 52.0 - depth, 33.0, 52.0, step_deg=0.05)
    advance = rectangle(33.0, 52.0 - depth, 33.2, 52.0, step_deg=0.05)
    a = shapely.union(CONTROLLED, salient)
    b = shapely.union(a, advance)
    frags = table(("gained", advance))
    assert list(R.flag(frags, context(controlled_a=a, controlled_b=b))) == [""]
    five = R.RedrawRules(border_buffer_km=5)
    assert list(R.flag(frags, context(controlled_a=a, controlled_b=b), five)) == ["behind-line"]


def test_no_country_skips_the_line_rule() -> None:
    lon = east_of_front(50)
    frag = table(("gained", rectangle(lon, LAT - 0.01, lon + 0.02, LAT + 0.01)))
    assert list(R.flag(frag, context(country=None))) == [""]


# -- pre-2022 and seam -------------------------------------------------------------------
@pytest.mark.parametrize(("inside", "flagged"), [(0.6, True), (0.4, False), (1.0, True)])
def test_pre_2022_share(inside: float, flagged: bool) -> None:
    """A 0.2° box whose western ``inside`` of its width lies in the pre-2022 area."""
    west, east = 37.0, 37.2
    frag_geom = rectangle(west, LAT, east, LAT + 0.1)
    pre = rectangle(30.0, 45.0, west + inside * (east - west), 52.0)
    frags = table(("gained", frag_geom))
    share = R.share_inside(frags.geometry.to_numpy(), pre, frags.area_km2.to_numpy())
    assert share[0] == pytest.approx(inside, abs=1e-6)
    got = R.flag(frags, context(pre_2022=pre, country=None))
    assert list(got) == (["pre-2022"] if flagged else [""])


def test_seam() -> None:
    inside = rectangle(37.0, LAT, 37.2, LAT + 0.1)
    outside = rectangle(38.0, LAT, 38.2, LAT + 0.1)
    seam = rectangle(36.9, LAT - 0.1, 37.3, LAT + 0.2)
    frags = table(("lost", inside), ("gained", outside))
    assert list(R.flag(frags, context(seam=seam, country=None))) == ["seam", ""]


def test_several_reasons_are_joined_in_priority_order() -> None:
    lon = east_of_front(100)
    geom = rectangle(lon, LAT, lon + 0.1, LAT + 0.1)
    frags = table(("gained", geom))
    got = R.flag(frags, context(pre_2022=geom.buffer(0.01), seam=geom.buffer(0.01)))
    assert list(got) == ["pre-2022,seam,behind-line"]
    assert R.label(got[0]).startswith(R.REASONS["pre-2022"])


# -- reclassified ----------------------------------------------------------------------
GREY_BIG = rectangle(33.0, 47.0, 34.0, 47.5)  # ≈ 4,200 km²
GREY_SMALL = rectangle(33.0, 47.0, 33.1, 47.1)  # ≈ 83 km²


def test_a_huge_grey_to_controlled_conversion_is_reclassified() -> None:
    assert area_km2(GREY_BIG)[0] > 4000
    frags = table(("gained", GREY_BIG), ("gained", rectangle(35.0, 47.0, 35.1, 47.1)))
    got = R.flag(frags, context(grey_a=GREY_BIG, grey_b=shapely.Polygon(), country=None))
    assert list(got) == ["reclassified", ""]  # the second was never grey


def test_a_small_conversion_is_an_advance() -> None:
    frags = table(("gained", GREY_SMALL))
    got = R.flag(frags, context(grey_a=GREY_SMALL, grey_b=shapely.Polygon(), country=None))
    assert list(got) == [""]


def test_a_conversion_whose_grey_zone_is_redrawn_ahead_is_an_advance() -> None:
    """The same 4,200 km² conversion, but B draws as much grey zone elsewhere: a front
    moving through a grey band, not a layer absorbed."""
    ahead = rectangle(31.0, 47.0, 32.0, 47.5)
    frags = table(("gained", GREY_BIG))
    assert list(R.flag(frags, context(grey_a=GREY_BIG, grey_b=ahead, country=None))) == [""]
    rules = R.RedrawRules(reclassified_min_km2=5000)
    assert list(
        R.flag(frags, context(grey_a=GREY_BIG, grey_b=shapely.Polygon(), country=None), rules)
    ) == [""]


def test_a_loss_into_the_grey_zone_is_never_reclassified() -> None:
    frags = table(("lost", GREY_BIG))
    got = R.flag(frags, context(grey_a=shapely.Polygon(), grey_b=GREY_BIG, country=None))
    assert list(got) == [""]


def test_mostly_grey_means_the_grey_share() -> None:
    """A gained box 40 % grey at A is not part of the reclassification, one 60 % is."""
    west, east = 33.0, 34.0
    grey = rectangle(west, 47.0, east, 47.5)
    part = rectangle(west + 0.6 * (east - west), 47.5, east + 0.4, 48.0)  # outside grey
    mostly = rectangle(west - 0.4 * 0.5, 47.0, west + 0.6 * 0.5, 47.5)  # 60 % grey
    little = rectangle(east - 0.4 * 0.5, 47.0, east + 0.6 * 0.5, 47.5)  # 40 % grey
    frags = table(("gained", grey), ("gained", mostly), ("gained", little), ("gained", part))
    got = R.flag(frags, context(grey_a=grey, grey_b=shapely.Polygon(), country=None))
    assert list(got) == ["reclassified", "reclassified", "", ""]


# -- input -------------------------------------------------------------------------------
def test_an_empty_table_gives_an_empty_series() -> None:
    empty = overlay.fragment_table(np.array([], dtype=object), np.array([], dtype=object))
    got = R.flag(empty, context(pre_2022=GREY_BIG, grey_a=GREY_BIG, grey_b=GREY_BIG))
    assert got.empty and got.name == "redraw"


def test_a_table_without_geometry_is_refused() -> None:
    with pytest.raises(InputError, match="missing geometry"):
        R.flag(pd.DataFrame({"direction": [], "area_km2": []}), context())


@pytest.mark.parametrize(
    ("field", "value"), [("far_km", -1.0), ("pre_2022_share", 1.5), ("far_km", float("nan"))]
)
def test_bad_rules_name_the_field(field: str, value: float) -> None:
    with pytest.raises(InputError) as err:
        R.RedrawRules(**{field: value})
    assert err.value.param == field


# -- real data: the two named redraws of 2022 ---------------------------------------------
CASES = {
    # the Crimea layer redrawn: +783 km² around 45.6°N 35.0°E
    "crimea": (dt.date(2022, 9, 12), dt.date(2022, 9, 19)),
    # the occupied layer absorbed the contested one (grey 6,479 → 3,312 km²)
    "april": (dt.date(2022, 4, 10), dt.date(2022, 4, 18)),
}
GEOGRAPHY = Path(__file__).resolve().parents[2] / "data" / "geography"


@pytest.mark.shared_data
def test_the_named_2022_redraws_are_flagged(raw_archive: Path, tmp_path: Path) -> None:
    from vigil.territory.geography import SHIPPED_FILES, import_level
    from vigil.territory.sources import deepstate_raw
    from vigil.territory.sources.base import Kind, SourceReport
    from vigil.territory.store import Store

    started = time.perf_counter()
    days = {d for pair in CASES.values() for d in pair}
    with tarfile.open(raw_archive) as tar:
        for info in tar:
            base = info.name.rsplit("/", 1)[-1]
            if not deepstate_raw.looks_like(base):
                continue
            if deepstate_raw.kyiv_date(int(base[:10])) in days:
                (tmp_path / base).write_bytes(tar.extractfile(info).read())  # type: ignore[union-attr]
    maps = {(s.date, s.kind): s.geometry for s in deepstate_raw.read([tmp_path], SourceReport())}
    pre = _pre_2022(tmp_path)
    store = Store(tmp_path / "geo.sqlite", create=True)
    import_level(store, GEOGRAPHY / SHIPPED_FILES["oblast"], "oblast")
    country = shapely.union_all(store.regions("oblast").geometry.to_numpy())

    results = {}
    for name, (a, b) in CASES.items():
        ca, cb = maps[(a, Kind.CONTROLLED)], maps[(b, Kind.CONTROLLED)]
        o = overlay.whole(shapely.make_valid(ca), shapely.make_valid(cb))
        frags = overlay.fragment_table(overlay.fragments(o.gained), overlay.fragments(o.lost))
        ctx = R.RedrawContext(
            pre_2022=shapely.union(pre[a], pre[b]),
            controlled_a=ca,
            controlled_b=cb,
            grey_a=maps[(a, Kind.GREY)],
            grey_b=maps[(b, Kind.GREY)],
            country=country,
        )
        results[name] = frags.assign(redraw=R.flag(frags, ctx))

    crimea = results["crimea"]
    top = crimea.iloc[0]  # the largest fragment
    assert top.direction == "gained" and 35.0 < top.centroid_lon < 35.1
    assert_km2_close(top.area_km2, 783.0, rel=0.01, what="the Crimea redraw")
    assert top.redraw == "pre-2022"
    # not behind-line: on 12 September the map left the area unshaded, and the edge of
    # that gap counts as line of contact (distance 0); on 19 September no line of
    # contact came within 50 km of it (51.4 km with the 2 km buffer, 54.8 with 5 km)
    geom = crimea.geometry.to_numpy()[:1]
    a_ctl, b_ctl = (maps[(d, Kind.CONTROLLED)] for d in CASES["crimea"])
    assert R.line_distance_km(geom, a_ctl, country, 100.0)[0] == pytest.approx(0.0, abs=0.01)
    assert 50.0 < R.line_distance_km(geom, b_ctl, country, 100.0)[0] < 60.0
    # the rest of the week was a real week of fighting: its other large gains stand
    others = crimea[(crimea.direction == "gained") & (crimea.index > 0) & (crimea.area_km2 > 20)]
    assert (others.redraw == "").all()

    april = results["april"]
    gained = april[april.direction == "gained"]
    flagged = gained[gained.redraw.str.contains("reclassified")]
    # the 2,045, 771 and 469 km² fragments were grey ("Під питанням") on 10 April
    assert 3_300 < flagged.area_km2.sum() < 3_700, flagged.area_km2.sum()
    assert_km2_close(flagged.area_km2.max(), 2045.1, rel=0.01, what="largest reclassified")
    # the 1,172 km² fragment near Borozenske was blank on 10 April: not grey, not flagged
    blank = gained[(gained.area_km2 > 1000) & (gained.centroid_lon < 34)]
    assert len(blank) == 1 and blank.redraw.iloc[0] == ""
    assert time.perf_counter() - started < 60


def _pre_2022(folder: Path) -> dict[dt.date, shapely.Geometry]:
    """The union of the ORDLO, Crimea and Tuzla layers of the last raw snapshot of each
    Kyiv day in ``folder``, read with the reader's layer rules."""
    from vigil.territory.sources import deepstate_raw
    from vigil.territory.sources.layers import classify

    latest: dict[dt.date, Path] = {}
    for path in sorted(folder.glob("*.geojson")):
        latest[deepstate_raw.kyiv_date(int(path.name[:10]))] = path  # sorted: last wins
    out = {}
    for day, path in latest.items():
        polygons = []
        for feature in json.loads(path.read_text())["features"]:
            geometry = feature.get("geometry")
            if not geometry or geometry["type"] == "Point":
                continue
            match = classify((feature.get("properties") or {}).get("name"), day)
            if match is not None and match.rule_id in ("crimea", "ordlo", "tuzla"):
                parts = shapely.get_parts(shapely.force_2d(shapely.geometry.shape(geometry)))
                polygons.extend(shapely.make_valid(parts))
        out[day] = shapely.union_all(polygons)
    return out


# -- a context from a store -------------------------------------------------------------------
def test_context_for_a_daily_store_week(daily_geo_store: Path) -> None:
    """The bundled daily archive has no grey zone and no pre-2022 layer: those rules are
    skipped; the line of contact comes from the shipped oblasts. The week of 21-28
    October 2024 (+196 km², a real week of fighting) has nothing flagged."""
    from vigil.territory import open_store

    with open_store(daily_geo_store) as t:
        change = t.change("2024-10-21", "2024-10-28")
        ctx = R.context_for(t, change)
        assert (ctx.pre_2022, ctx.grey_a, ctx.grey_b, ctx.seam) == (None, None, None, None)
        assert ctx.country is not None and R.country_of(t) is ctx.country  # united once
        assert ctx.controlled_a.equals(t.geometry(change.snapshot_from))
        hits = R.flags(change.fragments, ctx)
        assert list(hits) == ["behind-line"]
        got = R.flag(change.fragments, ctx)
        assert len(got) == len(change.fragments) and (got == "").all()
