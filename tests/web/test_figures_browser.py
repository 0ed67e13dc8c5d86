"""The figures page in headless Chromium, as a reader on a phone (390 × 844 CSS px) and
on a desktop sees it: chart text at least 9 CSS px, no sideways scrolling of the page
(charts and tables scroll inside their own box), the record box near the top, and the
period form answering for the week chosen. Fixtures: tests/web/conftest.py.

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
    """The smallest text of a chart on the page, in CSS px, and where its frame lies."""
    img = driver.find_element(By.CSS_SELECTOR, f"#chart-{chart} figure img")
    driver.execute_script("arguments[0].scrollIntoView()", img)
    wait_images(driver, f"#chart-{chart} figure img")
    src = img.get_attribute("src")
    assert src.startswith(base) and ".svg" in src, src
    view_width, font = smallest_font_pt(httpx.get(src, timeout=60).text)
    geometry = driver.execute_script(
        "const i = arguments[0], f = i.closest('.chart-frame') || i.parentElement;"
        "const r = i.getBoundingClientRect(), b = f.getBoundingClientRect();"
        "return {drawn: r.width, frame_left: b.left, frame_right: b.right,"
        " frame_scrolls: f.scrollWidth > f.clientWidth};",
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
        assert px >= MIN_TEXT_PX, f"{chart}: smallest chart text {px:.1f} CSS px at 390 px"
        assert where["frame_right"] <= PHONE[0] + 0.5 and where["frame_left"] >= -0.5, where
    assert not page_scrolls_sideways(browser)
    assert console_errors(browser) == []


def test_figures_on_a_desktop(browser, live_url):
    browser.get(live_url + "/figures/")
    wait_for(browser, "#record-week .record-answer")
    assert not page_scrolls_sideways(browser)
    for chart in ("weekly", "monthly"):
        px, where = chart_text_px(browser, live_url, chart)
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
    src = browser.find_element(By.CSS_SELECTOR, "#chart-weekly figure img").get_attribute("src")
    assert "to=2024-11-24" in src, src
    assert not page_scrolls_sideways(browser)
