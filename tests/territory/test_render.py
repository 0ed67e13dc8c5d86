"""Tests of vigil.territory.render: formats, charts (decoded PNGs) and the brief.

Charts are drawn at a low dpi and shared through a module fixture to keep the file fast.
Colours are checked by pixel: gained is palette.GAINED (vermillion), lost palette.LOST (blue,
hatched over a light wash of itself on maps), held area palette.HELD (grey).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from matplotlib.figure import Figure
from matplotlib.image import imread
from shapely.geometry import box

from vigil import palette
from vigil.errors import InputError
from vigil.periods import Freq
from vigil.territory import render
from vigil.territory.geodesy import area_km2
from vigil.territory.results import (
    RECORD_COLUMNS,
    SERIES_COLUMNS,
    AreaOnDate,
    BriefData,
    Change,
)
from vigil.territory.series import period_start_before

D = dt.date
DPI = 40
CREDIT = "DeepStateMap data via cyterat/deepstate-map-data (GPL-3.0)"

# Toy map near Pokrovsk: a 0.5° square held before; the week adds a 0.1° strip on the
# east side and gives back a 0.1° corner in the south-west.
BEFORE = box(37.0, 48.0, 37.5, 48.5)
AFTER = shapely.difference(box(37.0, 48.0, 37.6, 48.5), box(37.0, 48.0, 37.1, 48.1))


def rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])


def pixels_near(image: np.ndarray, colour: np.ndarray, tol: float = 0.06) -> int:
    """How many pixels of ``image`` are within ``tol`` of ``colour`` in every channel."""
    return int((np.abs(image[..., :3] - colour) <= tol).all(axis=-1).sum())


def make_change(
    before: shapely.Geometry,
    after: shapely.Geometry,
    date_from: dt.date,
    date_to: dt.date,
    *,
    snapshot_from: dt.date | None = None,
    snapshot_to: dt.date | None = None,
    min_fragment_km2: float | None = None,
) -> Change:
    gained, lost = shapely.difference(after, before), shapely.difference(before, after)
    rows = [
        {
            "direction": direction,
            "area_km2": float(area_km2(part)[0]),
            "centroid_lon": part.centroid.x,
            "centroid_lat": part.centroid.y,
            "kept": True,
            "geometry": part,
        }
        for direction, geom in (("gained", gained), ("lost", lost))
        for part in shapely.get_parts(geom)
        if not part.is_empty
    ]
    return Change(
        source="toy",
        kind="controlled",
        date_from=date_from,
        date_to=date_to,
        snapshot_from=snapshot_from or date_from,
        snapshot_to=snapshot_to or date_to,
        area_from_km2=float(area_km2(before)[0]),
        area_to_km2=float(area_km2(after)[0]),
        gained_km2=float(area_km2(gained)[0]),
        lost_km2=float(area_km2(lost)[0]),
        gained=gained,
        lost=lost,
        fragments=pd.DataFrame(rows),
        min_fragment_km2=min_fragment_km2,
    )


def figures_change(
    date_from: dt.date,
    date_to: dt.date,
    area_from: float,
    gained: float,
    lost: float,
    *,
    snapshot_from: dt.date | None = None,
    snapshot_to: dt.date | None = None,
) -> Change:
    """A Change with chosen figures (the brief only reads the figures and dates)."""
    return Change(
        source="toy",
        kind="controlled",
        date_from=date_from,
        date_to=date_to,
        snapshot_from=snapshot_from or date_from,
        snapshot_to=snapshot_to or date_to,
        area_from_km2=area_from,
        area_to_km2=area_from + gained - lost,
        gained_km2=gained,
        lost_km2=lost,
        gained=shapely.Polygon(),
        lost=shapely.Polygon(),
        fragments=pd.DataFrame(
            columns=["direction", "area_km2", "centroid_lon", "centroid_lat", "kept", "geometry"]
        ),
    )


def weekly_series(n: int = 14, *, gap_at: int | None = None, last_incomplete: bool = False):
    """``n`` Monday-to-Monday weeks ending 2024-10-28, gains 10, 20, … km², lost 1.5 km²;
    each measured, as a series row is, from the map of the Sunday before it to the map of
    its own Sunday (the gap week ends two days short)."""
    rows, area = [], 110_000.0
    day = dt.timedelta(days=1)
    for k in range(n):
        start = D(2024, 10, 21) - dt.timedelta(weeks=n - 1 - k)
        end = start + dt.timedelta(weeks=1)
        gained, lost = 10.0 * (k + 1), 1.5
        area += gained - lost
        snap_end = end - day - dt.timedelta(days=2) if k == gap_at else end - day
        rows.append(
            [
                start,
                end,
                start - day,
                snap_end,
                gained,
                lost,
                gained - lost,
                area,
                k == gap_at,
                not (last_incomplete and k == n - 1),
            ]
        )
    return pd.DataFrame(rows, columns=SERIES_COLUMNS)


def monthly_series() -> pd.DataFrame:
    rows = [
        [
            D(2024, 8, 1),
            D(2024, 9, 1),
            D(2024, 7, 31),
            D(2024, 8, 31),
            367.9,
            4.5,
            363.4,
            109_858.6,
            False,
            True,
        ],
        [
            D(2024, 9, 1),
            D(2024, 10, 1),
            D(2024, 8, 31),
            D(2024, 9, 30),
            403.5,
            80.0,
            323.5,
            110_182.1,
            False,
            True,
        ],
        [
            D(2024, 10, 1),
            D(2024, 11, 1),
            D(2024, 9, 30),
            D(2024, 10, 27),
            505.3,
            2.5,
            502.8,
            110_684.9,
            True,
            False,
        ],
    ]
    return pd.DataFrame(rows, columns=SERIES_COLUMNS)


def record_row(
    value: float,
    *,
    larger_before: dt.date | None,
    larger_value: float | None,
    rank: int,
    n: int,
    covered: bool,
    start: dt.date = D(2024, 10, 21),
    days: int = 7,
) -> pd.Series:
    return pd.Series(
        [
            start,
            start + dt.timedelta(days=days),
            value,
            pd.NaT if larger_before is None else larger_before,
            np.nan if larger_value is None else larger_value,
            rank,
            n,
            covered,
        ],
        index=RECORD_COLUMNS,
    )


NON_RECORD = record_row(
    196.29, larger_before=D(2024, 5, 13), larger_value=240.0, rank=3, n=53, covered=True
)
UNCOVERED = record_row(196.29, larger_before=None, larger_value=None, rank=1, n=16, covered=False)
ALL_DATA_RECORD = record_row(
    196.29, larger_before=None, larger_value=None, rank=1, n=53, covered=True
)


def brief_data(
    *,
    last_week: Change | None = None,
    week_record: pd.Series = NON_RECORD,
    source: str = "toy",
    credit: str = CREDIT,
    grey_km2: float | None = None,
    extra: dict | None = None,
) -> BriefData:
    # As vigil.territory.brief assembles them: the week of 21 October is the maps of 20 →
    # 27 October, September the maps of 31 August → 30 September, the year to date from
    # the map of 31 December 2023.
    week = last_week or figures_change(D(2024, 10, 20), D(2024, 10, 27), 110_465.76, 196.29, 0.06)
    return BriefData(
        source=source,
        as_of=D(2024, 10, 27),
        area=AreaOnDate(
            source, week.date_to, week.snapshot_to, week.area_to_km2, grey_km2, with_grey=False
        ),
        last_week=week,
        last_month=figures_change(D(2024, 8, 31), D(2024, 9, 30), 109_858.6, 403.54, 6.32),
        year_to_date=figures_change(D(2023, 12, 31), D(2024, 10, 27), 106_000.0, 4_712.05, 45.3),
        weekly=weekly_series(),
        monthly=monthly_series(),
        week_record=week_record,
        month_record=record_row(
            403.54,
            larger_before=None,
            larger_value=None,
            rank=1,
            n=3,
            covered=False,
            start=D(2024, 9, 1),
            days=30,
        ),
        data_first=D(2024, 7, 7),
        data_last=D(2024, 10, 27),
        credit=credit,
        extra=extra or {},
    )


@pytest.fixture(scope="module")
def charts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The three charts of a brief, drawn once for the module."""
    folder = tmp_path_factory.mktemp("charts")
    change = make_change(BEFORE, AFTER, D(2024, 10, 21), D(2024, 10, 28))
    return {
        "weekly": render.chart_series(weekly_series(gap_at=5), folder / "w.png", dpi=DPI),
        "monthly": render.chart_series(monthly_series(), folder / "m.png", dpi=DPI),
        "map": render.chart_change_map(change, BEFORE, folder / "map.png", dpi=DPI),
    }


# ----------------------------------------------------------------------------- formats


@pytest.mark.parametrize(
    ("value", "signed", "expected"),
    [
        (110_465.76, False, "110,465.8 km²"),
        (196.23, True, "+196.2 km²"),
        (-3.0, True, "-3.0 km²"),
        (-1_234.56, False, "-1,234.6 km²"),
        (-0.04, True, "0.0 km²"),  # rounds to zero: no sign, never "-0.0"
        (0.0, False, "0.0 km²"),
        (float("nan"), False, "n/a"),
        (None, True, "n/a"),
    ],
)
def test_fmt_km2(value, signed, expected):
    assert render.fmt_km2(value, signed=signed) == expected


def test_fmt_date_is_iso_for_dates_timestamps_and_missing():
    assert render.fmt_date(D(2024, 10, 21)) == "2024-10-21"
    assert render.fmt_date(pd.Timestamp("2024-10-21 23:59")) == "2024-10-21"
    assert render.fmt_date(pd.NaT) == "n/a"


def test_records_sentence_with_a_larger_week_before():
    text = render.records_sentence(NON_RECORD, "gained_km2", "week")
    assert text == (
        "196.3 km² gained in the week of 2024-10-21: the largest weekly gain since the week "
        "of 2024-05-13 (240.0 km²), rank 3 of 53 weeks in the trailing year."
    )
    assert "record" not in text.lower()


def test_records_sentence_never_claims_a_year_the_data_do_not_cover():
    text = render.records_sentence(UNCOVERED, "gained", "W", data_first=D(2024, 7, 8))
    assert "in the 16 weeks of data since 2024-07-08" in text
    assert "trailing year" not in text and "record" not in text.lower()
    # Without data_first the start is estimated from the 16 weeks counted.
    assert "since 2024-07-08" in render.records_sentence(UNCOVERED, "gained", "week")


def test_records_sentence_calls_a_record_only_over_covered_data():
    text = render.records_sentence(ALL_DATA_RECORD, "gained", "week", data_first=D(2022, 4, 3))
    assert "a record" in text and "since 2022-04-03" in text


def test_records_sentence_never_names_the_trailing_years_start_as_the_datas():
    # The row counts the 53 weeks of the trailing year only: without data_first the
    # start of all the data is unknown, and the week 53 weeks back is not it.
    text = render.records_sentence(ALL_DATA_RECORD, "gained", "week")
    assert "a record" in text and "in all the data since the data begin" in text
    trailing_start = period_start_before(D(2024, 10, 21), Freq.WEEK, 52)
    assert str(trailing_start) not in text


def test_brief_calls_a_span_that_begins_with_the_data_so_not_year_to_date(charts):
    data = brief_data()
    whole = render.brief_markdown(data, charts)
    assert "Year to date (" in whole and "Since the data begin" not in whole
    # data beginning on 8 July 2024: the span runs from the first map, not 31 December
    late = dataclasses.replace(
        data,
        year_to_date=figures_change(D(2024, 7, 8), D(2024, 10, 27), 108_000.0, 2_100.0, 20.0),
    )
    text = render.brief_markdown(late, charts)
    assert (
        "Since the data begin (" in text
        and "year to date" not in text.lower().split("## method")[0]
    )


def test_records_sentence_months_and_net():
    row = record_row(
        -12.34,
        larger_before=D(2024, 6, 1),
        larger_value=-5.0,
        rank=7,
        n=12,
        covered=True,
        start=D(2024, 10, 1),
        days=31,
    )
    text = render.records_sentence(row, "net", "monthly")
    assert text.startswith("a net change of -12.3 km² in October 2024: ")
    assert "since June 2024 (-5.0 km²)" in text and "rank 7 of 12 months" in text


# ----------------------------------------------------------------------------- charts


def test_series_chart_is_a_png_of_the_asked_size_with_both_colours(charts):
    image = imread(charts["monthly"])
    assert image.shape[:2] == (round(5.6 * DPI), 10 * DPI)
    assert pixels_near(image, rgb(palette.GAINED)) > 500  # the gained bars
    assert pixels_near(image, rgb(palette.LOST)) > 200  # September's 80 km² lost


def test_series_chart_marks_gap_periods_lighter(charts, tmp_path):
    light_red = 1 - 0.45 * (1 - rgb(palette.GAINED))  # the 0.45 alpha over white
    with_gap = imread(charts["weekly"])
    without = imread(render.chart_series(weekly_series(), tmp_path / "w.png", dpi=DPI))
    # Anti-aliased edges of full-colour bars give a few light-red pixels too.
    edges = pixels_near(without, light_red, tol=0.04)
    assert pixels_near(with_gap, light_red, tol=0.04) > 5 * max(edges, 20)


def test_series_chart_rejects_an_empty_series(tmp_path):
    with pytest.raises(InputError, match="empty"):
        render.chart_series(weekly_series().iloc[:0], tmp_path / "x.png", dpi=DPI)
    assert not (tmp_path / "x.png").exists()


def test_change_map_shows_gained_lost_and_the_earlier_extent(charts):
    image = imread(charts["map"])
    assert image.shape[1] == 8 * DPI
    gained = pixels_near(image, rgb(palette.GAINED))
    wash = 1 - 0.22 * (1 - rgb(palette.LOST))  # the lost area's fill, under its hatching
    lost = pixels_near(image, rgb(palette.LOST), tol=0.12) + pixels_near(image, wash, tol=0.05)
    grey = pixels_near(image, rgb(palette.HELD), tol=0.02)
    # The strip gained (0.1° × 0.5°) is 5 times the corner lost (0.1° × 0.1°); the
    # earlier extent (less the corner) is 24 corners. Legend swatches add a few pixels.
    assert gained > 3 * lost > 0
    assert grey > 10 * lost


def test_change_map_without_change_shows_the_whole_extent(tmp_path):
    same = make_change(BEFORE, BEFORE, D(2024, 10, 21), D(2024, 10, 28))
    image = imread(render.chart_change_map(same, BEFORE, tmp_path / "m.png", dpi=DPI))
    assert pixels_near(image, rgb(palette.HELD), tol=0.02) > 5_000
    legend_swatch = 200  # the legend's red square, at most
    assert pixels_near(image, rgb(palette.GAINED)) < legend_swatch


def test_polygon_holes_stay_empty(tmp_path):
    fig = Figure(figsize=(1, 1), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    ax.set_axis_off()
    # Shell and hole both counter-clockwise, as some sources write them: the hole must
    # still be left empty (matplotlib fills by the non-zero rule).
    square = [(1, 1), (9, 1), (9, 9), (1, 9)]
    ring = shapely.Polygon(square, [[(3, 3), (7, 3), (7, 7), (3, 7)]])
    render._add_geometry(ax, ring, "#000000", "#000000", 0)
    fig.savefig(tmp_path / "hole.png")
    image = imread(tmp_path / "hole.png")
    assert image[50, 50, :3].min() > 0.95  # centre: the hole, white
    assert image[50, 20, :3].max() < 0.05  # on the ring: filled


# ----------------------------------------------------------------------------- the brief


def test_brief_names_the_largest_changes_in_the_words_of_locate(charts):
    # descriptions as vigil.territory.locate.describe words them; the brief must repeat
    # them verbatim, largest first, and sum up the rest
    frags = pd.DataFrame(
        {
            "area_km2": [1.5, 12.25, 0.5, 4.0, 30.0, 2.0, 0.25],
            "description": [f"fragment {i}" for i in range(7)],
        }
    )
    places = render.MapPlaces(fragments=frags)
    data = dataclasses.replace(brief_data(), extra={"week_map_places": places})
    text = render.brief_markdown(data, charts)
    section = text.split("## Largest changes, last week", 1)[1].split("\n## ", 1)[0]
    bullets = [line[2:] for line in section.splitlines() if line.startswith("- ")]
    assert bullets == [
        "fragment 4",
        "fragment 1",
        "fragment 3",
        "fragment 5",
        "fragment 0",
        f"and 2 smaller fragments, {render.fmt_km2(0.5 + 0.25)} in all",
    ]
    assert "## Largest changes" not in render.brief_markdown(brief_data(), charts)


def test_markdown_headline_has_the_exact_figures_and_snapshot_dates(charts):
    text = render.brief_markdown(brief_data(), charts)
    lead = next(line for line in text.splitlines() if line.startswith("**From"))
    assert "+196.2 km²" in lead and "196.3 km² gained" in lead and "0.1 km² lost" in lead
    assert "2024-10-20" in lead and "2024-10-27" in lead
    assert "net +397.2 km²" in text  # last month: 403.54 - 6.32
    assert "4,712.1 km² gained" in text and "net +4,666.8 km²" in text  # year to date
    assert "110,662.0 km² was under Russian control" in text
    assert "grey zone" not in text.lower().split("## method")[0]  # no grey layer
    assert "Note:" not in text  # no gap


def test_markdown_flags_a_snapshot_older_than_the_date_asked(charts):
    week = figures_change(
        D(2024, 10, 20), D(2024, 10, 27), 110_465.76, 150.0, 0.0, snapshot_to=D(2024, 10, 25)
    )
    text = render.brief_markdown(brief_data(last_week=week), charts)
    assert (
        "the latest snapshot is from 2024-10-25, 2 days before the date asked (2024-10-27)"
    ) in text
    assert "snapshots of 2024-10-20 and 2024-10-25" in text


def test_markdown_table_of_the_last_twelve_weeks(charts):
    text = render.brief_markdown(brief_data(), charts)
    rows = [line for line in text.splitlines() if line.startswith("| 2024-")]
    assert len(rows) == 12  # of the 14 weeks given
    assert rows[-1].startswith("| 2024-10-21 to 2024-10-28 | 2024-10-20, 2024-10-27 | 140.0 |")
    assert "| +138.5 |" in rows[-1] and "| 111,029.0 |" in rows[-1]  # 110,000 + Σ(10k - 1.5)


@pytest.mark.parametrize("row", [NON_RECORD, UNCOVERED], ids=["not-largest", "year-not-covered"])
def test_brief_never_says_record_for_a_non_record_week(charts, row):
    data = brief_data(week_record=row)
    for text in (render.brief_markdown(data, charts), render.brief_html(data, charts)):
        assert "record" not in text.lower()


def test_brief_says_record_when_it_is_one(charts):
    text = render.brief_markdown(brief_data(week_record=ALL_DATA_RECORD), charts)
    assert "a record" in text


def test_brief_on_a_trailing_year_the_data_do_not_cover(charts):
    # The 16 weeks are those of 8 July … 21 October (the first map is of 7 July, the
    # state when the week of 8 July begins).
    text = render.brief_markdown(brief_data(week_record=UNCOVERED), charts)
    assert "the largest weekly gain in the 16 weeks of data since 2024-07-08" in text
    assert "in the trailing year" not in text


def test_brief_names_last_month(charts):
    # September 2024: the maps of 31 August → 30 September (brief_data above)
    text = render.brief_markdown(brief_data(), charts)
    assert "- September 2024" in text


def test_brief_reports_the_grey_zone_and_the_sliver_filter(charts):
    filtered = make_change(BEFORE, AFTER, D(2024, 10, 21), D(2024, 10, 28), min_fragment_km2=0.01)
    text = render.brief_markdown(brief_data(last_week=filtered, grey_km2=1_234.56), charts)
    assert "A further 1,234.6 km² is of unknown status (the grey zone)" in text
    assert "smaller than 0.01 km²" in text
    assert f"{render.fmt_km2(filtered.gained_filtered_km2)} gained" in text


def test_html_escapes_names_and_embeds_the_charts(charts):
    evil = "<script>alert(1)</script>"
    page = render.brief_html(brief_data(source=evil, credit=evil), charts)
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    sources = re.findall(r'<img src="([^"]*)"', page)
    assert len(sources) == 3
    for src in sources:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<style>" in page and "<link" not in page  # self-contained


def test_markdown_escapes_names(charts):
    evil = "<script>alert(1)</script> [click](http://x)"
    text = render.brief_markdown(brief_data(source=evil, credit=evil), charts)
    assert "<script>" not in text and "[click](http://x)" not in text
    assert r"\<script\>alert(1)\</script\> \[click\](http://x)" in text


def test_write_brief_markdown_draws_charts_beside_it(tmp_path):
    week = make_change(BEFORE, AFTER, D(2024, 10, 21), D(2024, 10, 28))
    data = brief_data(last_week=week, extra={"week_before_geometry": BEFORE})
    out = render.write_brief(data, tmp_path / "brief.md", dpi=DPI)
    assert out == tmp_path / "brief.md"
    names = sorted(p.name for p in tmp_path.glob("*.png"))
    assert names == ["brief-monthly.png", "brief-week-map.png", "brief-weekly.png"]
    text = out.read_text(encoding="utf-8")
    for name in names:
        assert f"]({name})" in text  # linked by relative path


def test_write_brief_html_without_the_week_geometry_skips_the_map(tmp_path):
    out = render.write_brief(brief_data(), tmp_path / "b.HTML", chart_dir=tmp_path / "c", dpi=DPI)
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == ["b-monthly.png", "b-weekly.png"]
    assert out.read_text(encoding="utf-8").count('src="data:image/png;base64,') == 2


def test_write_brief_rejects_other_suffixes(tmp_path):
    with pytest.raises(InputError, match=r"brief\.txt: expected a \.md or \.html file name"):
        render.write_brief(brief_data(), tmp_path / "brief.txt")
    assert list(tmp_path.iterdir()) == []


def test_records_sentence_does_not_say_largest_since_the_period_just_before():
    """'The largest since last week' would be empty praise: a value just below the
    previous period's is reported as less than it."""
    row = pd.Series(
        {
            "period_start": dt.date(2026, 8, 10),
            "period_end": dt.date(2026, 8, 17),
            "value": 25.2,
            "larger_before": dt.date(2026, 8, 3),
            "larger_value": 26.5,
            "rank_in_year": 38,
            "periods_in_year": 52,
            "year_covered": True,
        }
    )
    text = render.records_sentence(row, "gained", "week")
    assert "largest" not in text
    assert "less than the week of 2026-08-03 (26.5 km²)" in text
    row["larger_before"] = dt.date(2026, 7, 27)
    assert "the largest weekly gain since the week of 2026-07-27" in render.records_sentence(
        row, "gained", "week"
    )


def test_brief_shows_where_last_week_changed_when_regions_are_known(charts):
    regions = pd.DataFrame(
        {
            "code": ["UA-14", "UA-09"],
            "name_en": ["Donetsk Oblast", "Luhansk Oblast"],
            "name_uk": ["Донецька область", "Луганська область"],
            "gained_km2": [153.23, 29.40],
            "lost_km2": [0.06, 0.0],
            "net_km2": [153.17, 29.40],
        }
    )
    text = render.brief_markdown(brief_data(extra={"regions_week": regions}), charts)
    assert "## Where, last week" in text
    assert "| Donetsk Oblast | 153.2 | 0.1 | +153.2 |" in text
    assert "| Luhansk Oblast | 29.4 | 0.0 | +29.4 |" in text
    page = render.brief_html(brief_data(extra={"regions_week": regions}), charts)
    assert "Luhansk Oblast" in page
    assert "Where, last week" not in render.brief_markdown(brief_data(), charts)


def test_brief_lists_settlements_that_changed_hands_with_the_coverage(charts):
    changed = pd.DataFrame(
        {
            "name_en": ["Selydove"],
            "name_uk": ["Селидове"],
            "oblast": ["UA-14"],
            "from_status": ["free"],
            "to_status": ["controlled"],
            "since": [D(2024, 10, 28)],
        }
    )
    note = "the gazetteer locates 620 of 1,298 settlements in UA-14 (48 %)"
    extra = {"settlements_week": changed, "settlements_coverage": [note]}
    text = render.brief_markdown(brief_data(extra=extra), charts)
    assert "| Selydove | Селидове | UA-14 | free → controlled | 2024-10-28 |" in text
    assert note in text
    none = {"settlements_week": changed.iloc[0:0], "settlements_coverage": [note]}
    text = render.brief_markdown(brief_data(extra=none), charts)
    assert "No located settlement changed status." in text and note in text
    assert "changed hands" not in render.brief_markdown(brief_data(), charts)


def test_the_locator_map_sits_in_the_corner_hiding_no_change():
    fig = Figure(figsize=(6, 6))
    ax = fig.add_axes((0.1, 0.1, 0.8, 0.8))
    extent = box(30.0, 44.0, 40.0, 52.0)  # the whole controlled area: larger than the view
    view = (35.0, 47.0, 36.0, 48.0)
    changed = box(35.8, 47.8, 35.95, 47.95)  # a change in the top-right of the view
    render._locator(fig, ax, extent, changed, view, 0.68)
    assert len(fig.axes) == 2
    inset = fig.axes[1].get_position()
    main = ax.get_position()
    in_top_right = inset.x1 > main.x1 - 0.05 and inset.y1 > main.y1 - 0.05
    assert not in_top_right, "the locator covers the change"
    # when the view already holds the whole extent, no locator is drawn
    fig2 = Figure(figsize=(6, 6))
    ax2 = fig2.add_axes((0.1, 0.1, 0.8, 0.8))
    render._locator(fig2, ax2, box(35.2, 47.2, 35.8, 47.8), changed, view, 0.68)
    assert len(fig2.axes) == 1
