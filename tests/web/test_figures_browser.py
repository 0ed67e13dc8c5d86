"""The figures page in headless Chromium, as a reader on a phone (390 × 844 CSS px) and
on a desktop sees it: on the phone the chart drawn for it (``?layout=narrow``, served by
the <picture> below 52rem), on the desktop the wide one; chart text at least 9 CSS px,
charts within the viewport with nothing scrolling sideways (tables scroll inside their
own box), the record box near the top, and the period form answering for the week
chosen. Fixtures: tests/web/conftest.py.

Chart text size is measured, not assumed: the served SVG gives each text's font size
in points of its viewBox (matplotlib draws a glyph group scaled by size / 100, or
writes ``font-size``), and the browser gives the width the chart is drawn at; the size
on screen is font size × drawn width / viewBox width.
"""

from __future__ import annotations

import re

import httpx
import pytest

pytest.importorskip("selenium", reason="Selenium is not installed (pip install -e '.[dev]')")
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.web.conftest import WAIT, console_errors, set_viewport, wait_for, wait_images

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.xdist_group("browser")]

PHONE = (390, 844)
MIN_TEXT_PX = 9.0


def smallest_font_pt(svg: str) -> tuple[float, float]:
    """(viewBox width, smallest font size) of a matplotlib SVG, both in its units."""
    view = re.search(r'viewBox="([\d.\s-]+)"', svg)
    assert view, "the chart has no viewBox: it cannot scale"
    width = float(view.group(1).split()[2])
    sizes = [100 * float(s) for s in re.findall(r"scale\(([\d.]+) -[\d.]+\)", svg)]
    sizes += [float(s) for s in re.findall(r"font-size[:=]\s*\"?([\d.]+)", svg)]
    assert sizes, "no text found in the chart"
    return width, min(sizes)


def chart_text_px(driver: Chrome, base: str, chart: str) -> tuple[float, dict]:
    """The smallest text of the chart the browser chose to show (``currentSrc``: the
    <picture>'s narrow source or the <img>'s own), in CSS px, and where it lies: its
    box, its natural width, its URL, and whether any box around it scrolls sideways."""
    img = driver.find_element(By.CSS_SELECTOR, f"#chart-{chart} figure img")
    driver.execute_script("arguments[0].scrollIntoView()", img)
    wait_images(driver, f"#chart-{chart} figure img")
    src = driver.execute_script("return arguments[0].currentSrc;", img)
    assert src.startswith(base) and ".svg" in src, src
    view_width, font = smallest_font_pt(httpx.get(src, timeout=60).text)
    geometry = driver.execute_script(
        "const i = arguments[0], r = i.getBoundingClientRect();"
        "let scrolls = false;"
        "for (let e = i.parentElement; e && e !== document.body; e = e.parentElement)"
        "  if (e.scrollWidth > e.clientWidth + 0.5) scrolls = true;"
        "return {drawn: r.width, left: r.left, right: r.right, natural: i.naturalWidth,"
        " src: i.currentSrc, frame_scrolls: scrolls};",
        img,
    )
    return font * geometry["drawn"] / view_width, geometry


def page_scrolls_sideways(driver: Chrome) -> bool:
    return driver.execute_script(
        "const e = document.documentElement; return e.scrollWidth > e.clientWidth;"
    )


def test_figures_on_a_phone(browser, live_url):
    set_viewport(browser, *PHONE, mobile=True)
    browser.get(live_url + "/figures/")
    wait_for(browser, "#record-week .record-answer")
    # the record box: the answer to "was it a record?" starts within the first screen
    top = browser.execute_script(
        "return document.querySelector('#record-week .record-answer')"
        ".getBoundingClientRect().top + window.scrollY;"
    )
    assert top < PHONE[1], f"the record box's answer starts at {top:.0f} px"
    assert not page_scrolls_sideways(browser), "the page scrolls sideways at 390 px"
    # every table stays inside the viewport: it scrolls in its box
    overflowing = browser.execute_script(
        "return Array.from(document.querySelectorAll('main table')).filter(t => {"
        " const box = t.closest('.table-scroll');"
        " return !box || box.getBoundingClientRect().right > window.innerWidth + 0.5; })"
        ".map(t => t.id || t.className);"
    )
    assert overflowing == []
    for chart in ("weekly", "monthly"):
        px, where = chart_text_px(browser, live_url, chart)
        # the chart drawn for a phone, shown whole: within the viewport, scaled down
        # little (its 4.8 in = 345.6 pt are drawn about 358 px wide), scrolling nowhere
        assert "layout=narrow" in where["src"], where
        assert px >= MIN_TEXT_PX, f"{chart}: smallest chart text {px:.1f} CSS px at 390 px"
        assert where["right"] <= PHONE[0] + 0.5 and where["left"] >= -0.5, where
        assert where["drawn"] >= 0.9 * (PHONE[0] - 40), where
        assert not where["frame_scrolls"], where
    assert not page_scrolls_sideways(browser)
    assert console_errors(browser) == []


def test_figures_on_a_desktop(browser, live_url):
    browser.get(live_url + "/figures/")
    wait_for(browser, "#record-week .record-answer")
    assert not page_scrolls_sideways(browser)
    for chart in ("weekly", "monthly"):
        px, where = chart_text_px(browser, live_url, chart)
        assert "layout=" not in where["src"], where  # the desktop chart
        assert px >= MIN_TEXT_PX, f"{chart}: smallest chart text {px:.1f} CSS px at 1280 px"
        assert not where["frame_scrolls"], "on a desktop the chart fits its column"


def test_choosing_a_week_shows_its_record(browser, live_url):
    set_viewport(browser, *PHONE, mobile=True)
    browser.get(live_url + "/figures/")
    latest = wait_for(browser, "#record-week").get_attribute("data-period-start")
    field = browser.find_element(By.ID, "figures-week")
    browser.execute_script(
        "arguments[0].value = '2024-11-20';"
        "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
        field,
    )
    button = browser.find_element(By.CSS_SELECTOR, ".period-form button[type='submit']")
    browser.execute_script("arguments[0].scrollIntoView()", button)
    button.click()
    WebDriverWait(browser, WAIT).until(lambda d: "week=2024-11-20" in d.current_url)
    box = wait_for(browser, "#record-week")
    assert box.get_attribute("data-period-start") == "2024-11-18" != latest
    answer = box.find_element(By.CSS_SELECTOR, ".record-answer").text
    assert "in the week of 2024-11-18: larger than any week since the data begin" in answer
    # the weekly chart follows: its trailing year ends with the week chosen
    img = browser.find_element(By.CSS_SELECTOR, "#chart-weekly figure img")
    source = browser.find_element(By.CSS_SELECTOR, "#chart-weekly figure picture source")
    assert "to=2024-11-24" in img.get_attribute("src")
    assert "to=2024-11-24" in source.get_attribute("srcset")  # the phone's chart too
    assert "layout=narrow" in source.get_attribute("srcset")
    assert not page_scrolls_sideways(browser)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/figures/chart/weekly.svg?layout=phone", "layout: expected one of desktop, narrow"),
        ("/figures/chart/monthly.png?layout=", None),  # empty: the default, desktop
        ("/figures/chart/change.svg?layout=narrow", "layout: the change map has no narrow"),
    ],
)
def test_chart_layout_parameter_is_checked(live_url, path, message):
    response = httpx.get(live_url + path, timeout=60)
    if message is None:
        assert response.status_code == 200 and response.headers["content-type"] == "image/png"
        return
    assert response.status_code == 400, response.text[:300]
    error = response.json()["error"]
    assert error["parameter"] == "layout" and error["message"].startswith(message), error
    assert "\n" not in error["message"]


def test_narrow_chart_url_draws_the_phone_chart(live_url):
    """The narrow SVG is 4.8 in (345.6 pt) wide with no text under 9 pt; the desktop
    one is 10 in wide; both for the same span (the URL's from/to)."""
    query = "from=2025-01-01&to=2025-06-30"
    narrow = httpx.get(f"{live_url}/figures/chart/weekly.svg?{query}&layout=narrow", timeout=60)
    wide = httpx.get(f"{live_url}/figures/chart/weekly.svg?{query}", timeout=60)
    assert narrow.status_code == wide.status_code == 200
    width, smallest = smallest_font_pt(narrow.text)
    assert width == pytest.approx(345.6) and smallest >= 9
    assert smallest_font_pt(wide.text)[0] == pytest.approx(720)
    for svg in (narrow.text, wide.text):  # the same span: its first and last weeks
        assert "2025" in svg and "30 December 2024 – 29 June 2025" in svg
