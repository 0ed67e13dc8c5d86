"""Graphics fit to publish (issue 16): one colour scheme (vigil.palette) on every data
mark, no twin y-axis beside the bars, the year on every time axis, every chart titled
with its source as readers know it, its dates and its method, the change map naming
places as vigil.territory.locate names them, and the brief titled for readers.

Charts are inspected as matplotlib Figures (render.series_figure, change_map_figure,
compare_figure) and as the SVG files a user downloads (text kept as text, bars grouped
under ids), never by comparing with a picture drawn by the code under test.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import lzma
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.text import Annotation, Text
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from tests.territory.test_render import (
    AFTER,
    BEFORE,
    CREDIT,
    brief_data,
    figures_change,
    make_change,
    monthly_series,
    weekly_series,
)
from vigil import palette
from vigil.errors import InputError
from vigil.territory import render
from vigil.territory.compare import Comparison
from vigil.territory.compare_chart import chart_compare, compare_figure
from vigil.territory.locate import describe
from vigil.territory.results import SERIES_COLUMNS, Change

D = dt.date
DPI = 40
SVG = "{http://www.w3.org/2000/svg}"


def long_monthly(first: dt.date, months: int) -> pd.DataFrame:
    """``months`` calendar months from ``first`` (a 1st), gaining 100 km² and losing 5."""
    rows, area = [], 100_000.0
    start = pd.Timestamp(first)
    for _ in range(months):
        end = start + pd.DateOffset(months=1)
        area += 95.0
        rows.append(
            [
                start.date(),
                end.date(),
                (start - pd.Timedelta(days=1)).date(),
                (end - pd.Timedelta(days=1)).date(),
                100.0,
                5.0,
                95.0,
                area,
                False,
                True,
            ]
        )
        start = end
    return pd.DataFrame(rows, columns=SERIES_COLUMNS)


def texts(fig: Figure) -> list[str]:
    """Every text the figure draws: header, credit, axes titles and labels."""
    out = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        out += [ax.get_title(loc) for loc in ("left", "center", "right")]
        out += [ax.get_ylabel(), ax.get_xlabel()]
        out += [t.get_text() for t in ax.texts]
    for legend in fig.legends:
        out += [t.get_text() for t in legend.get_texts()]
    return [t for t in out if t]


def bar_axes(fig: Figure) -> list[Axes]:
    return [
        ax for ax in fig.axes if any((p.get_gid() or "").startswith("bar-") for p in ax.patches)
    ]


# ----------------------------------------------------------------------- one scheme


def test_bar_fills_in_the_svg_are_the_palette_colours(tmp_path: Path) -> None:
    series = weekly_series(gap_at=5, last_incomplete=True)
    path = render.chart_series(series, tmp_path / "w.svg", credit=CREDIT, dpi=DPI)
    root = ET.parse(path).getroot()
    fills: dict[str, set[str]] = {"gained": set(), "lost": set()}
    count = {"gained": 0, "lost": 0}
    for group in root.iter(f"{SVG}g"):
        m = re.fullmatch(r"bar-(gained|lost)-\d+", group.get("id", ""))
        if not m:
            continue
        count[m.group(1)] += 1
        for p in group.iter(f"{SVG}path"):
            fill = re.search(r"fill:\s*(#[0-9a-fA-F]{6})", p.get("style", ""))
            if fill:
                fills[m.group(1)].add(fill.group(1).lower())
    # one bar of each direction per week, gap and incomplete weeks included
    assert count == {"gained": len(series), "lost": len(series)}
    assert fills == {"gained": {palette.GAINED.lower()}, "lost": {palette.LOST.lower()}}


def test_change_map_uses_the_palette_and_hatches_lost_area() -> None:
    change = make_change(BEFORE, AFTER, D(2024, 10, 20), D(2024, 10, 27))
    fig = render.change_map_figure(change, BEFORE, dpi=DPI)
    ax = fig.axes[0]
    by_gid = {p.get_gid(): p for p in ax.patches if p.get_gid()}
    assert to_hex(by_gid["gained"].get_facecolor()) == palette.GAINED.lower()
    assert to_hex(by_gid["held"].get_facecolor()) == palette.HELD.lower()
    lost = by_gid["lost"]
    assert to_hex(lost.get_edgecolor()) == palette.LOST.lower()
    assert to_hex(lost.get_facecolor()[:3]) == palette.LOST.lower()  # a wash of the blue
    assert lost.get_hatch()  # lost never relies on hue alone
    assert not by_gid["gained"].get_hatch()


# ----------------------------------------------------------------------- one y-axis


def test_the_bars_have_one_y_axis_and_no_twin() -> None:
    fig = render.series_figure(weekly_series(), credit=CREDIT, dpi=DPI)
    fig.canvas.draw()  # the layout places the axes
    (bars,) = bar_axes(fig)
    here = bars.get_position()
    for other in fig.axes:
        if other is bars:
            continue
        there = other.get_position()
        # a twin shares the bars' box; the area panel lies wholly below it
        assert there.y1 <= here.y0 + 1e-9, "an axes drawn over the bars"
    assert not any(t.get_visible() for t in bars.get_yticklabels() if t.get_position()[0] > 0.5)
    # the controlled area, when shown, is a line on its own axes
    area = [ax for ax in fig.axes if any(ln.get_gid() == "area-line" for ln in ax.lines)]
    assert len(area) == 1 and area[0] is not bars
    assert not any(ln.get_gid() == "area-line" for ln in bars.lines)


def test_the_compare_chart_has_no_twin_axis_either() -> None:
    fig = compare_figure(toy_comparison(), dpi=DPI)
    fig.canvas.draw()
    boxes = sorted((ax.get_position() for ax in fig.axes), key=lambda b: -b.y1)
    for upper, lower in itertools.pairwise(boxes):
        assert lower.y1 <= upper.y0 + 1e-9, "two axes drawn over each other"


# ----------------------------------------------------------------------- years


def tick_labels(fig: Figure) -> list[str]:
    fig.canvas.draw()
    bottom = min(fig.axes, key=lambda ax: ax.get_position().y0)
    return [t.get_text() for t in bottom.get_xticklabels() if t.get_text()]


@pytest.mark.parametrize(
    ("series", "years"),
    [
        (long_monthly(D(2024, 6, 1), 22), {2024, 2025, 2026}),  # June 2024 to March 2026
        (weekly_series(14), {2024}),
        (long_monthly(D(2019, 1, 1), 12 * 14), set(range(2019, 2033))),  # a long series
    ],
    ids=["months-over-three-years", "weeks-in-one-year", "fourteen-years"],
)
def test_every_time_axis_shows_the_years(series: pd.DataFrame, years: set[int]) -> None:
    labels = tick_labels(render.series_figure(series, dpi=DPI))
    shown = {int(y) for label in labels for y in re.findall(r"\b(\d{4})\b", label)}
    assert re.search(r"\b\d{4}\b", labels[0]), f"no year on the first tick: {labels}"
    # every year with a tick is named; with ticks at most every other year in the long
    # series, each year shown is one of the data's
    assert shown <= years
    assert shown == years or len(labels) <= 12


def test_weeks_across_new_year_name_both_years() -> None:
    weeks = weekly_series(14)
    shift = pd.Timedelta(weeks=13)  # weeks of 21 October 2024 … 20 January 2025
    for col in ("period_start", "period_end", "snapshot_start", "snapshot_end"):
        weeks[col] = (pd.to_datetime(weeks[col]) + shift).dt.date
    labels = tick_labels(render.series_figure(weeks, dpi=DPI))
    assert any("2024" in label for label in labels) and any("2025" in label for label in labels)
    first_2025 = next(label for label in labels if label.endswith("2025"))
    assert first_2025.split()[1] == "Jan"  # the year is written where it begins


# ----------------------------------------------------------------------- titles


@pytest.mark.parametrize(
    ("source", "credit", "name"),
    [
        ("deepstate-daily", CREDIT, "DeepStateMap"),
        ("deepstate-daily", "", "DeepStateMap"),  # the shipped format's own credit
        ("isw", "ISW/CTP control-of-terrain layers via someone/ISW (MIT)", "ISW/CTP"),
        ("isw", "Institute for the Study of War", "Institute for the Study of War"),
        ("my-maps", "", "my-maps"),  # nothing better than the name its user chose
    ],
)
def test_source_name_is_the_name_readers_know(source: str, credit: str, name: str) -> None:
    assert render.source_name(source, credit) == name


def test_series_chart_is_titled_with_source_dates_and_method() -> None:
    series = weekly_series(14)  # weeks of 22 July … 21 October 2024 (see weekly_series)
    fig = render.series_figure(series, credit=CREDIT, dpi=DPI)
    header = [t.get_text() for t in fig.texts]
    assert "gained and lost per week" in header[0]
    assert "DeepStateMap" in header[1] and "deepstate-daily" not in " ".join(header)
    # the days the 14 weeks cover: Monday 22 July to Sunday 27 October 2024
    assert "14 weeks, 22 July – 27 October 2024" in header[1]
    assert "maps of 21 July 2024 to 27 October 2024" in header[1]
    assert "geodesic" in header[2] and "Monday to Sunday" in header[2]
    assert "map of the Sunday before it to the map of its Sunday" in header[2]
    assert any(t.startswith(f"Source: {CREDIT}") for t in header)


def test_monthly_chart_says_what_a_month_is() -> None:
    header = [t.get_text() for t in render.series_figure(monthly_series(), dpi=DPI).texts]
    assert "1 August – 31 October 2024" in header[1]
    assert "A month runs from the map of the last day before it" in header[2]


def test_change_map_is_titled_with_source_dates_and_method() -> None:
    change = make_change(BEFORE, AFTER, D(2024, 10, 20), D(2024, 10, 27))
    fig = render.change_map_figure(change, BEFORE, credit=CREDIT, dpi=DPI)
    header = [t.get_text() for t in fig.texts]
    assert header[0].endswith("change from 20 to 27 October 2024")
    assert header[1].startswith("DeepStateMap · ")
    assert "maps of 20 October 2024 and 27 October 2024" in header[1]
    assert "geodesic" in header[2]
    assert any(t.startswith(f"Source: {CREDIT}") for t in header)


def toy_comparison() -> Comparison:
    weeks = weekly_series(8)
    periods = pd.DataFrame(
        {
            "source_a": "deepstate-daily",
            "source_b": "isw",
            "period_start": weeks.period_start,
            "period_end": weeks.period_end,
            "snapshot_start_a": weeks.snapshot_start,
            "snapshot_end_a": weeks.snapshot_end,
            "snapshot_start_b": weeks.snapshot_start,
            "snapshot_end_b": weeks.snapshot_end,
            "net_a_km2": weeks.net_km2,
            "net_b_km2": weeks.net_km2 + 3.0,
            "net_diff_km2": 3.0,
            "area_diff_km2": np.arange(8) * 3.0,
            "gap": False,
        }
    )
    return Comparison(
        "deepstate-daily", "isw", "week", False, D(2024, 9, 2), D(2024, 10, 28), periods, 3
    )


def test_compare_chart_names_both_sources_for_readers(tmp_path: Path) -> None:
    isw = "ISW/CTP control-of-terrain layers via someone/ISW (MIT)"
    fig = compare_figure(toy_comparison(), credit=f"{CREDIT}; {isw}", credits=(CREDIT, isw))
    words = " ".join(texts(fig))
    header = [t.get_text() for t in fig.texts]
    assert header[1].startswith("DeepStateMap and ISW/CTP · 8 weeks, 2 September – 27 October")
    assert "geodesic" in header[2] and "Monday to Sunday" in header[2]
    assert "ISW/CTP − DeepStateMap" in words and "deepstate-daily" not in words
    out = chart_compare(toy_comparison(), tmp_path / "c.svg", dpi=DPI)
    assert "<text" in out.read_text(encoding="utf-8")  # text kept as text in the SVG


# ----------------------------------------------------------------------- place names

# A toy country of two oblasts around the toy change (BEFORE → AFTER: a strip gained
# along 37.5–37.6°E, a corner lost at 37.0–37.1°E, 48.0–48.1°N).
OBLASTS = pd.DataFrame(
    {
        "level": "oblast",
        "code": ["ZZ-W", "ZZ-E"],
        "name_uk": ["Західна", "Східна"],
        "name_en": ["West Oblast", "East Oblast"],
        "oblast": ["ZZ-W", "ZZ-E"],
        "geometry": [box(35.0, 47.0, 37.3, 49.5), box(37.3, 47.0, 39.5, 49.5)],
    }
)
SETTLEMENTS = pd.DataFrame(
    {
        "code": ["S1", "S2", "S3", "S4", "S5", "S6"],
        "name_uk": ["Альфа", "Бета", "Гамма", "Велике", "Далеке", "Невідоме"],
        "name_en": ["Alpha", "Beta", "Gamma", "Bigtown", "Fartown", "Nowhere"],
        "category": ["C", "C", "C", "M", "M", "M"],
        # Alpha 5 km east of the gained strip, Beta 8 km south of the lost corner;
        # Bigtown is a city in view, Fartown one far outside it; Nowhere has no point
        # of its own (located 0) and is never named.
        "lon": [37.62, 37.05, 37.3, 37.3, 30.0, 37.56],
        "lat": [48.25, 47.98, 48.3, 47.85, 50.0, 48.25],
        "located": [1, 1, 1, 1, 1, 0],
    }
)


def located_change() -> tuple[object, pd.DataFrame]:
    change = make_change(BEFORE, AFTER, D(2024, 10, 20), D(2024, 10, 27))
    return change, describe(change.fragments, {"oblast": OBLASTS}, SETTLEMENTS)


def test_change_map_names_places_as_locate_names_them() -> None:
    change, located = located_change()
    # by construction: the gained strip is nearest Alpha, the lost corner nearest Beta
    assert list(located.sort_values("area_km2", ascending=False)["place"]) == ["Alpha", "Beta"]
    places = render.MapPlaces(fragments=located, settlements=SETTLEMENTS, oblasts=OBLASTS)
    fig = render.change_map_figure(change, BEFORE, places=places, dpi=100)  # type: ignore[arg-type]
    ax = fig.axes[0]
    labels = {t.get_text(): t for t in ax.texts if (t.get_gid() or "").startswith("label-")}
    for place in located["place"]:
        assert place in labels
        assert place in located.loc[located["place"] == place, "description"].iloc[0]
    assert labels["Bigtown"].get_gid() == "label-town"  # the city in view
    assert "Fartown" not in labels and "Nowhere" not in labels
    # the labels overlap no other label
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes = [t.get_window_extent(renderer) for t in labels.values()]
    for i, a in enumerate(boxes):
        assert not any(a.overlaps(b) for b in boxes[i + 1 :])
    # oblast lines and Ukraine's (here the toy country's) border are drawn
    lines = [c for c in ax.collections if isinstance(c, LineCollection)]
    colours = {to_hex(c.get_edgecolor()[0]) for c in lines}  # type: ignore[arg-type]
    assert {palette.OBLAST_LINE.lower(), palette.BORDER.lower()} <= colours


def test_labels_that_would_collide_are_left_out() -> None:
    change, _ = located_change()
    # twelve cities on one spot: one label fits there, the others would cover it
    crowd = pd.DataFrame(
        {
            "code": [f"C{i}" for i in range(12)],
            "name_uk": [f"Місто {i}" for i in range(12)],
            "name_en": [f"City {i}" for i in range(12)],
            "category": "M",
            "lon": 37.3,
            "lat": 47.85,
            "located": 1,
        }
    )
    places = render.MapPlaces(settlements=crowd)
    fig = render.change_map_figure(change, BEFORE, places=places, dpi=100)  # type: ignore[arg-type]
    placed = [t for t in fig.axes[0].texts if (t.get_gid() or "") == "label-town"]
    assert 1 <= len(placed) <= 4  # at most the four positions around the one point


def test_the_locator_shows_the_country_and_the_view() -> None:
    change, located = located_change()
    places = render.MapPlaces(fragments=located, settlements=SETTLEMENTS, oblasts=OBLASTS)
    fig = render.change_map_figure(change, BEFORE, places=places, dpi=DPI)  # type: ignore[arg-type]
    assert len(fig.axes) == 2
    inset = fig.axes[1]
    # the inset spans the toy country (35–39.5°E), the main map only the change
    assert inset.get_xlim() == pytest.approx((35.0, 39.5))
    x0, x1 = fig.axes[0].get_xlim()
    assert 35.0 < x0 < x1 < 39.5


# ----------------------------------------------------------------------- the brief


def test_brief_title_names_the_source_for_readers_never_its_id() -> None:
    data = brief_data(source="deepstate-daily")
    text = render.brief_markdown(data, {})
    title = text.splitlines()[0]
    # the week of Monday 21 October 2024: the maps of 20 → 27 October (see brief_data)
    assert (
        title
        == "# Russian-controlled territory in Ukraine, week of 21–27 October 2024 (DeepStateMap)"
    )
    lead = next(line for line in text.splitlines() if line.startswith("**From"))
    assert "according to DeepStateMap snapshots" in lead
    page = render.brief_html(data, {})
    assert "<title>Russian-controlled territory in Ukraine, week of 21–27 October 2024" in page
    heads = [*re.findall(r"<h1>(.*?)</h1>", page), title, lead]
    assert not any("deepstate-daily" in h for h in heads)


def test_brief_title_across_a_month_and_a_short_first_week() -> None:
    week = figures_change(D(2024, 9, 29), D(2024, 10, 6), 110_000.0, 10.0, 1.0)
    data = brief_data(source="deepstate-daily", last_week=week)
    assert render.brief_title(data).endswith("week of 30 September – 6 October 2024 (DeepStateMap)")
    short = figures_change(D(2024, 10, 23), D(2024, 10, 27), 110_000.0, 10.0, 1.0)
    data = brief_data(source="my-maps", credit="", last_week=short)
    # the data begin inside the week: its days, without "week of"
    assert (
        render.brief_title(data)
        == "Russian-controlled territory in Ukraine, 24–27 October 2024 (my-maps)"
    )


def test_write_brief_draws_the_map_with_its_place_names(tmp_path: Path) -> None:
    change, located = located_change()
    places = render.MapPlaces(fragments=located, settlements=SETTLEMENTS, oblasts=OBLASTS)
    drawn: list[Figure] = []
    keep = render.change_map_figure

    def spy(*args: object, **kwargs: object) -> Figure:
        drawn.append(keep(*args, **kwargs))  # type: ignore[arg-type]
        return drawn[-1]

    data = brief_data(
        last_week=change,  # type: ignore[arg-type]
        extra={"week_before_geometry": BEFORE, "week_map_places": places},
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(render, "change_map_figure", spy)
        render.write_brief(data, tmp_path / "b.md", dpi=DPI)
    assert (tmp_path / "b-week-map.png").exists()
    (fig,) = drawn
    names = {t.get_text() for t in fig.axes[0].texts}
    assert {"Alpha", "Beta", "Bigtown"} <= names
    header = [t.get_text() for t in fig.texts]
    assert header[1].startswith("DeepStateMap · ")


def test_svg_keeps_the_header_as_text(tmp_path: Path) -> None:
    change = make_change(BEFORE, AFTER, D(2024, 10, 20), D(2024, 10, 27))
    svg = render.chart_change_map(change, BEFORE, tmp_path / "m.svg", credit=CREDIT, dpi=DPI)
    words = svg.read_text(encoding="utf-8")
    assert "change from 20 to 27 October 2024</text>" in words  # editable, searchable
    assert "Source: DeepStateMap data via" in words


# ----------------------------------------------------------------------- land and sea

# Places whose side of the border and of the coast no 1:110m generalisation can move:
# Novoshakhtinsk, a Russian city about 15 km east of Donetsk Oblast; Donetsk and
# Kramatorsk, Ukrainian cities far from any border; a point of the Sea of Azov
# about 20 km south of Mariupol (whose shore is at 47.1° N).
NOVOSHAKHTINSK = (39.93, 47.76)
DONETSK = (37.80, 48.00)
KRAMATORSK = (37.58, 48.74)
AZOV = (37.50, 46.90)
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def real_oblasts() -> pd.DataFrame:
    """Ukraine's 27 oblasts as the store holds them (data/geography, OpenStreetMap)."""
    with lzma.open(REPO / "data/geography/oblasts.geojson.xz", "rt", encoding="utf-8") as f:
        feats = json.load(f)["features"]
    return pd.DataFrame(
        {
            "name_en": [f["properties"]["name_en"] for f in feats],
            "name_uk": [f["properties"]["name_uk"] for f in feats],
            "geometry": [shapely.geometry.shape(f["geometry"]) for f in feats],
        }
    )


def azov_change() -> Change:
    """A toy change west of Mariupol, with a view (180 km around it) reaching from
    Kramatorsk to Russia east of Donetsk Oblast and south into the Sea of Azov."""
    before = box(37.2, 47.3, 37.6, 47.6)
    after = box(37.2, 47.3, 37.7, 47.6)
    return make_change(before, after, D(2024, 10, 20), D(2024, 10, 27))


def patch_shape(patch: Patch) -> BaseGeometry:
    """A map patch's path (lon/lat) as a shapely geometry, holes cut out (even-odd)."""
    shape: BaseGeometry = shapely.Polygon()
    for ring in patch.get_path().to_polygons(closed_only=True):
        coords = np.asarray(ring, dtype=float)
        if len(coords) >= 4:
            shape = shapely.symmetric_difference(shape, shapely.Polygon(coords))
    return shape


def land_patches(ax: Axes) -> dict[str, Patch]:
    return {str(p.get_gid()): p for p in ax.patches if p.get_gid() in ("ukraine", "abroad", "held")}


@pytest.mark.parametrize("with_oblasts", [False, True], ids=["basemap-ukraine", "oblasts"])
def test_change_map_draws_the_neighbours_as_land_and_the_sea_as_sea(
    with_oblasts: bool, real_oblasts: pd.DataFrame, tmp_path: Path
) -> None:
    change = azov_change()
    places = render.MapPlaces(oblasts=real_oblasts) if with_oblasts else None
    fig = render.change_map_figure(
        change,
        box(37.2, 47.3, 37.6, 47.6),
        places=places,
        context_km=180,
        dpi=DPI,
    )
    ax = fig.axes[0]
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    for lon, lat in (NOVOSHAKHTINSK, DONETSK, KRAMATORSK, AZOV):
        assert x0 < lon < x1 and y0 < lat < y1  # all four in view
    patches = land_patches(ax)
    abroad, ukraine = patches["abroad"], patches["ukraine"]
    assert to_hex(abroad.get_facecolor()) == palette.LAND_ABROAD.lower()
    assert to_hex(ukraine.get_facecolor()) == palette.LAND.lower()
    assert to_hex(ax.get_facecolor()) == palette.SEA.lower()  # what no land covers
    # Russia is abroad, the Ukrainian cities are Ukraine's land, the sea is neither
    abroad_geom, ukraine_geom = patch_shape(abroad), patch_shape(ukraine)
    assert abroad_geom.contains(shapely.Point(NOVOSHAKHTINSK))
    assert not ukraine_geom.contains(shapely.Point(NOVOSHAKHTINSK))
    for city in (DONETSK, KRAMATORSK):
        assert ukraine_geom.contains(shapely.Point(city))
        assert not abroad_geom.contains(shapely.Point(city))
    for geom in (abroad_geom, ukraine_geom):
        assert not geom.contains(shapely.Point(AZOV))
    # the neighbours stop at Ukraine's border: no overlap beyond drawing precision
    # (1 km² is about 1e-4 square degrees here)
    assert shapely.intersection(abroad_geom, ukraine_geom).area < 1e-4
    # the held area is drawn apart from Russia's own land, and the legend says which is which
    assert to_hex(patches["held"].get_facecolor()) != to_hex(abroad.get_facecolor())
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert any(t.startswith("Controlled on") for t in legend)
    assert any(t in ("Russia", "Russia and other countries") for t in legend)
    # Russia is named, in italics, on its own land
    (name,) = [t for t in ax.texts if t.get_gid() == "label-country"]
    assert name.get_text() == "Russia" and name.get_fontstyle() == "italic"
    assert isinstance(name, Annotation)  # centred on its point
    assert abroad_geom.contains(shapely.Point(name.xy))
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    corners = ax.transData.inverted().transform(name.get_window_extent(renderer).get_points())
    assert abroad_geom.contains(box(*corners[0], *corners[1]))  # the whole name
    assert "Natural Earth" in " ".join(t.get_text() for t in fig.texts)
    # the locator too: sea, neighbours, Ukraine
    inset = fig.axes[1]
    assert to_hex(inset.get_facecolor()) == palette.SEA.lower()
    assert to_hex(land_patches(inset)["abroad"].get_facecolor()) == palette.LAND_ABROAD.lower()
    # and in the SVG a user downloads
    svg = render.chart_change_map(
        change,
        box(37.2, 47.3, 37.6, 47.6),
        tmp_path / "m.svg",
        places=places,
        context_km=180,
        dpi=DPI,
    ).read_text(encoding="utf-8")
    fills = {f.lower() for f in re.findall(r"fill:\s*(#[0-9a-fA-F]{6})", svg)}
    assert {palette.SEA.lower(), palette.LAND_ABROAD.lower(), palette.HELD.lower()} <= fills


def test_a_view_inside_ukraine_draws_no_other_country(real_oblasts: pd.DataFrame) -> None:
    # the toy change near Pokrovsk (37.0–37.6° E, 48.0–48.5° N): 30 km around it lies
    # more than 50 km from Russia and from the sea
    change = make_change(BEFORE, AFTER, D(2024, 10, 20), D(2024, 10, 27))
    for places in (None, render.MapPlaces(oblasts=real_oblasts)):
        fig = render.change_map_figure(change, BEFORE, places=places, dpi=DPI)
        ax = fig.axes[0]
        assert "abroad" not in land_patches(ax)
        assert not [t for t in ax.texts if t.get_gid() == "label-country"]
        legend = " ".join(t.get_text() for t in fig.legends[0].get_texts())
        assert "countr" not in legend and "Russia" not in legend
        # Ukraine's land fills the whole view: no sea shows
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
        land = patch_shape(land_patches(ax)["ukraine"])
        assert land.contains(box(x0, y0, x1, y1))


# ----------------------------------------------------------------------- narrow layout
# The chart drawn for a phone (layout="narrow"): the figures page shows it about 358 CSS
# px wide (a 390 px screen less its margins); its text must be at least 9 CSS px there,
# wrapped inside the figure, and nothing of the desktop chart's header or credit lost.

PHONE_CHART_PX = 358  # the width the page shows the narrow chart at on a 390 px phone
NARROW_SERIES = {
    "weeks": lambda: weekly_series(14),
    "weeks-with-gap-and-incomplete": lambda: weekly_series(14, gap_at=3, last_incomplete=True),
    "months": monthly_series,
    "two-years-of-months": lambda: long_monthly(D(2024, 6, 1), 26),
    "fourteen-years": lambda: long_monthly(D(2019, 1, 1), 12 * 14),
}


def narrow(name: str) -> Figure:
    fig = render.series_figure(NARROW_SERIES[name](), credit=CREDIT, dpi=DPI, layout="narrow")
    fig.canvas.draw()  # the constrained layout places the panels
    return fig


def drawn_texts(fig: Figure) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


@pytest.mark.parametrize("name", list(NARROW_SERIES))
def test_narrow_chart_text_is_9_css_px_on_a_phone_in_the_svg(name: str, tmp_path: Path) -> None:
    series = NARROW_SERIES[name]()
    path = render.chart_series(series, tmp_path / "n.svg", credit=CREDIT, layout="narrow")
    root = ET.parse(path).getroot()
    view_width = float(root.attrib["viewBox"].split()[2])
    assert view_width == pytest.approx(4.8 * 72)  # pt: the figure is 4.8 in wide
    sizes = [
        float(m.group(1))
        for el in root.iter(f"{SVG}text")
        if (m := re.search(r"font-size:\s*([\d.]+)px", el.attrib.get("style", "")))
    ]
    # every text is kept as text with its size: header, ticks, labels, legend, credit
    assert len(sizes) == len(list(root.iter(f"{SVG}text"))) >= 12
    smallest_css_px = min(sizes) * PHONE_CHART_PX / view_width
    assert smallest_css_px >= 9.0, f"{min(sizes)} pt shows as {smallest_css_px:.2f} CSS px"
    # the desktop chart, shown that wide, would not do (what the narrow layout is for)
    desktop = ET.parse(render.chart_series(series, tmp_path / "d.svg", credit=CREDIT)).getroot()
    desktop_width = float(desktop.attrib["viewBox"].split()[2])
    assert 8 * PHONE_CHART_PX / desktop_width < 5


@pytest.mark.parametrize("name", list(NARROW_SERIES))
def test_narrow_chart_text_stays_inside_the_figure_and_apart(name: str) -> None:
    fig = narrow(name)
    renderer = fig.canvas.get_renderer()
    page = fig.bbox  # display units (pixels at the figure's dpi)
    tol = 0.5
    for t in drawn_texts(fig):
        box = t.get_window_extent(renderer)
        assert box.x0 >= page.x0 - tol and box.x1 <= page.x1 + tol, (t.get_text(), box, page)
        assert box.y0 >= page.y0 - tol and box.y1 <= page.y1 + tol, (t.get_text(), box, page)
        assert t.get_fontsize() >= 9, (t.get_text(), t.get_fontsize())
    # the header lines, the credit, the legend and the two panels never overlap
    blocks = [t.get_window_extent(renderer) for t in fig.texts if t.get_text().strip()]
    blocks += [legend.get_window_extent(renderer) for legend in fig.legends]
    blocks += [ax.get_tightbbox(renderer) for ax in fig.axes]
    for a, b in itertools.combinations(blocks, 2):
        overlap = min(a.x1, b.x1) - max(a.x0, b.x0), min(a.y1, b.y1) - max(a.y0, b.y0)
        assert min(overlap) <= tol, (a, b)
    # the date labels: few, apart, and the year on the first
    bottom = min(fig.axes, key=lambda ax: ax.get_position().y0)
    labels = [t for t in bottom.get_xticklabels() if t.get_text()]
    assert 1 <= len(labels) <= 5, [t.get_text() for t in labels]
    assert re.search(r"\b\d{4}\b", labels[0].get_text())
    boxes = sorted((t.get_window_extent(renderer) for t in labels), key=lambda b: b.x0)
    assert all(left.x1 + 2 <= right.x0 for left, right in itertools.pairwise(boxes))


def test_narrow_chart_keeps_the_title_subtitle_method_and_credit() -> None:
    series = weekly_series(14, gap_at=3)
    wide = render.series_figure(series, credit=CREDIT, dpi=DPI)
    fig = render.series_figure(series, credit=CREDIT, dpi=DPI, layout="narrow")
    assert fig.get_figwidth() == pytest.approx(4.8)
    title, subtitle, method = (t.get_text() for t in wide.texts[:3])
    shown = [t.get_text() for t in fig.texts]
    lines = [line for text in shown for line in text.split("\n")]
    flat = [text.replace("\n", " ") for text in shown]
    assert flat[0] == title and len(shown[0].split("\n")) == 2  # wrapped, not cut
    for part in subtitle.split(" · "):  # each part whole, on its line or wrapped
        assert any(part in text for text in flat), (part, shown)
    assert flat[2] == method
    assert f"Source: {CREDIT}" in lines and "Chart: Vigil" in lines
    # the same legend, panel titles (unwrapped) and date years as the desktop chart
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        t.get_text() for t in wide.legends[0].get_texts()
    ]
    assert [ax.get_title("left").replace("\n", " ") for ax in fig.axes] == [
        ax.get_title("left") for ax in wide.axes
    ]


def test_narrow_legend_is_in_rows_of_two_where_they_fit() -> None:
    plain = narrow("weeks").legends[0]
    assert plain._ncols == 2  # four short entries: two rows of two
    long = narrow("weeks-with-gap-and-incomplete").legends[0]
    assert long._ncols == 1  # the gap's long label does not fit beside another


def test_an_unknown_layout_is_refused_naming_the_parameter() -> None:
    with pytest.raises(InputError, match="expected one of desktop, narrow") as info:
        render.series_figure(weekly_series(4), layout="phone")
    assert info.value.param == "layout"
