"""The prisoner chart on any span (issue 16): a year on every date of the time axis,
no matplotlib warning (a locator that cannot place its ticks draws a bare axis), at the
site's two widths. No database: the chart draws the table it is given."""

from __future__ import annotations

import re
import warnings
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from vigil.cases import stats

TICK = re.compile(r"(\d{1,2} )?([A-Z][a-z]{2} )?\d{4}")


def _texts(path) -> list[str]:
    root = ET.parse(path).getroot()
    return ["".join(t.itertext()).strip() for t in root.iter() if t.tag.endswith("}text")]


@pytest.mark.parametrize("days", [0, 1, 2, 20, 95, 580, 11000])
@pytest.mark.parametrize("width", [9.0, 4.8])
def test_every_tick_has_a_year(tmp_path, days, width):
    start = pd.Timestamp("2025-05-01")
    n = 1 if days == 0 else min(days + 1, 12)
    dates = pd.date_range(start, start + pd.Timedelta(days=days), periods=n)
    frame = pd.DataFrame({"date": dates, "all": range(n), "AVB": [0] * n})
    path = tmp_path / "held.svg"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stats.chart(frame, path, credit="test", width=width)
    texts = _texts(path)
    ticks = [t for t in texts if TICK.fullmatch(t)]
    assert len(ticks) >= 2, texts
    years = {t[-4:] for t in ticks}
    assert years <= {str(y) for y in range(2024, 2057)}, ticks
    title = texts[next(i for i, t in enumerate(texts) if t.startswith("Political prisoners held"))]
    assert title.startswith("Political prisoners held, 1 May 2025")
    assert any(t.endswith("Chart: Vigil") for t in texts)
