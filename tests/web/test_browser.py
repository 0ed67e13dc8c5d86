"""The site in a real browser: headless Chromium (Debian's ``chromium`` and
``chromium-driver``) driven by Selenium against ``vigil serve`` on 127.0.0.1.

What a reader does: open the map (no console errors, nothing fetched from the
internet), move the date slider with the keyboard, ask for the change between two dates,
and cite the view by its URL. Skipped with a reason when Chromium is not installed
(``.ci/run`` installs it). Fixtures: tests/web/conftest.py.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

pytest.importorskip("selenium", reason="Selenium is not installed (pip install -e '.[dev]')")
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from tests.web.conftest import (
    WAIT,
    console_errors,
    external,
    requested_urls,
    set_viewport,
    wait_drawn,
    wait_for,
    wait_images,
)
from vigil import palette

# One Chromium and one server for every browser test: under pytest-xdist they all go to
# the same worker (`--dist loadgroup`, Makefile).
pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.xdist_group("browser")]

CHANGE = ("2026-05-01", "2026-06-01")  # a month with gains (85 km²) and losses (65 km²)
# The change layers' Leaflet SVG paths, by their fill (static/web/map.js, colours from
# vigil.palette through palette.css: gained solid, lost hatched, the pattern #hatch-lost).
GAINED = f"#map path[fill='{palette.GAINED}' i]"
LOST = "#map path[fill='url(#hatch-lost)']"

# What each page shows once it has rendered (its data fetched and drawn).
READY = {
    "/": "#map[data-state='ready']",
    "/figures/": "#chart-weekly figure img",
    "/api/docs": "#swagger-ui .information-container",
}


# -- helpers -----------------------------------------------------------------------------
def open_map(driver: Chrome, url: str, **expected: str) -> WebElement:
    driver.get(url)
    return wait_drawn(driver, **expected)


def text(driver: Chrome, element_id: str) -> str:
    return driver.find_element(By.ID, element_id).text.strip()


def drawing(driver: Chrome) -> list[str]:
    """Every SVG path the map draws (class and outline): what a reader sees."""
    script = (
        "return Array.from(document.querySelectorAll('#map path'))"
        ".map(p => (p.getAttribute('class') || '') + ' ' + (p.getAttribute('d') || ''))"
    )
    return driver.execute_script(script)


def count(driver: Chrome, css: str) -> int:
    return len(driver.find_elements(By.CSS_SELECTOR, css))


def set_date_input(driver: Chrome, element_id: str, value: str) -> None:
    """Set an ``<input type=date>`` as a date picker does: the value, then the input
    and change events (typing into it depends on the browser's locale)."""
    driver.execute_script(
        "const el = document.getElementById(arguments[0]); el.value = arguments[1];"
        "el.dispatchEvent(new Event('input', {bubbles: true}));"
        "el.dispatchEvent(new Event('change', {bubbles: true}));",
        element_id,
        value,
    )


def shows(figure: str, km2: float) -> bool:
    """Whether ``figure`` shows ``km2`` to the nearest km² or finer (``110,465.8 km²``,
    ``+196 km²``; any thousands separator; the sign is not checked)."""
    plain = re.sub(r"(?<=\d)[,\s\u202f\u00a0'](?=\d{3})", "", figure)
    numbers = [float(x) for x in re.findall(r"\d+(?:\.\d+)?", plain)]
    return any(abs(n - abs(km2)) <= 0.51 for n in numbers)


def query(driver: Chrome) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(driver.current_url).query).items()}


def api(base: str, path: str) -> dict:
    response = httpx.get(base + path, timeout=60)
    response.raise_for_status()
    return response.json()


# -- tests -------------------------------------------------------------------------------
@pytest.mark.parametrize("page", list(READY))
def test_page_loads_clean_and_offline(browser, live_url, page):
    """No console error and not a single request beyond 127.0.0.1 (map library, styles,
    base layer and the API docs are all served by the site itself)."""
    browser.get(live_url + page)
    wait_for(browser, READY[page])
    if page == "/figures/":
        wait_images(browser, "#chart-weekly img")  # a chart drawn by the server
    WebDriverWait(browser, WAIT).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )
    urls = requested_urls(browser)
    assert urls, "the DevTools performance log recorded no request"
    assert external(urls, live_url) == []
    assert console_errors(browser) == []


def test_map_draws_the_latest_snapshot_by_default(browser, live_url, web_dates):
    m = open_map(browser, live_url + "/", drawn_date=web_dates[-1])
    assert m.find_elements(By.CSS_SELECTOR, "path"), "no SVG path drawn on the map"
    latest = api(live_url, f"/api/territory/area?date={web_dates[-1]}")
    assert shows(text(browser, "area-figure"), latest["area_km2"]), text(browser, "area-figure")
    slider = browser.find_element(By.ID, "date-slider")
    assert slider.get_attribute("type") == "range"
    assert browser.find_element(By.ID, "date-input").get_attribute("value") == web_dates[-1]
    for element_id in ("date-slider", "date-input", "change-from", "change-to"):
        label = browser.find_elements(By.CSS_SELECTOR, f"label[for='{element_id}']")
        aria = browser.find_element(By.ID, element_id).get_attribute("aria-label")
        assert label or aria, f"#{element_id} has no label"


def test_slider_moves_with_the_keyboard(browser, live_url, web_dates):
    """Home, Right, End, Left on the focused slider: each redraws the map for the date
    it names and updates the figure, the date picker and the URL."""
    first, second, before_last, last = web_dates[0], web_dates[1], web_dates[-2], web_dates[-1]
    open_map(browser, live_url + "/")
    slider = browser.find_element(By.ID, "date-slider")
    slider.send_keys(Keys.HOME)  # send_keys focuses the slider first, as Tab would
    wait_drawn(browser, drawn_date=first)
    figure_first, drawing_first = text(browser, "area-figure"), drawing(browser)
    area_first = api(live_url, f"/api/territory/area?date={first}")["area_km2"]
    assert shows(figure_first, area_first), figure_first
    assert browser.find_element(By.ID, "date-input").get_attribute("value") == first
    assert query(browser).get("date") == first

    slider.send_keys(Keys.ARROW_RIGHT)
    wait_drawn(browser, drawn_date=second)
    slider.send_keys(Keys.END)
    wait_drawn(browser, drawn_date=last)
    figure_last = text(browser, "area-figure")
    assert figure_last != figure_first
    assert shows(figure_last, api(live_url, f"/api/territory/area?date={last}")["area_km2"])
    assert drawing(browser) != drawing_first, "the drawn area did not change"
    slider.send_keys(Keys.ARROW_LEFT)
    wait_drawn(browser, drawn_date=before_last)
    assert query(browser).get("date") == before_last


def test_date_picker_moves_the_map(browser, live_url):
    open_map(browser, live_url + "/")
    set_date_input(browser, "date-input", "2025-03-03")
    wait_drawn(browser, drawn_date="2025-03-03")
    area = api(live_url, "/api/territory/area?date=2025-03-03")["area_km2"]
    assert shows(text(browser, "area-figure"), area)


def test_change_view_draws_gained_and_lost(browser, live_url):
    a, b = CHANGE
    open_map(browser, f"{live_url}/?date={b}")
    browser.find_element(By.ID, "mode-change").click()  # the week before the date shown
    week_before = (dt.date.fromisoformat(b) - dt.timedelta(7)).isoformat()
    wait_drawn(browser, drawn_from=week_before, drawn_to=b)
    set_date_input(browser, "change-from", a)
    set_date_input(browser, "change-to", b)
    wait_drawn(browser, drawn_from=a, drawn_to=b)
    assert count(browser, GAINED) > 0, f"no gained area drawn ({GAINED})"
    assert count(browser, LOST) > 0, f"no lost area drawn ({LOST})"
    change = api(live_url, f"/api/territory/change?from={a}&to={b}")
    figure = text(browser, "change-figure")
    for key in ("gained_km2", "lost_km2", "net_km2"):
        assert shows(figure, change[key]), f"{key} {change[key]:.1f} not in {figure!r}"
    assert (query(browser).get("from"), query(browser).get("to")) == CHANGE


def luminance(css_colour: str) -> float:
    """Relative luminance (WCAG 2) of ``rgb(r, g, b)`` / ``rgba(…)``."""
    r, g, b = (int(x) / 255 for x in re.findall(r"[\d.]+", css_colour)[:3])
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def test_gained_and_lost_differ_in_more_than_hue(browser, live_url):
    """Colour-blind readers: gained and lost differ in pattern (a hatch fill or a dashed
    edge) or, failing that, clearly in lightness (contrast ≥ 1.5), not by hue alone."""
    a, b = CHANGE
    open_map(browser, f"{live_url}/?from={a}&to={b}", drawn_from=a, drawn_to=b)
    style = (
        "const s = getComputedStyle(document.querySelector(arguments[0]));"
        "return [s.fill, s.strokeDasharray];"
    )
    (gained, gained_dash), (lost, lost_dash) = (
        browser.execute_script(style, css) for css in (GAINED, LOST)
    )
    if gained_dash != lost_dash or "url(" in gained + lost:
        return
    light, dark = sorted((luminance(gained), luminance(lost)), reverse=True)
    assert (light + 0.05) / (dark + 0.05) >= 1.5, (gained, lost)


def test_permalink_restores_a_date_and_the_zoom(browser, live_url):
    link = f"{live_url}/?date=2025-03-03&zoom=9&lat=48.1&lon=37.6"
    open_map(browser, link, drawn_date="2025-03-03")
    assert browser.find_element(By.ID, "date-input").get_attribute("value") == "2025-03-03"
    state = query(browser)
    assert state.get("date") == "2025-03-03" and state.get("zoom") == "9"
    assert abs(float(state["lat"]) - 48.1) < 1e-3 and abs(float(state["lon"]) - 37.6) < 1e-3
    at_zoom_9 = drawing(browser)
    open_map(browser, link.replace("zoom=9", "zoom=7"), drawn_date="2025-03-03")
    assert drawing(browser) != at_zoom_9, "the zoom in the URL was not applied"


def test_permalink_round_trip(browser, live_url):
    """A view changed by the reader is cited by its URL; opening that URL shows the
    same view: the same dates and exactly the same drawing (zoom and centre included)."""
    open_map(browser, f"{live_url}/?date=2025-03-03&zoom=8&lat=48.0&lon=37.5")
    browser.find_element(By.ID, "date-slider").send_keys(Keys.ARROW_RIGHT)
    wait_drawn(browser, drawn_date="2025-03-04")
    cited, seen = browser.current_url, drawing(browser)
    figure = text(browser, "area-figure")
    browser.get("about:blank")
    open_map(browser, cited, drawn_date="2025-03-04")
    assert text(browser, "area-figure") == figure
    assert drawing(browser) == seen


def test_permalink_restores_a_change_view(browser, live_url):
    a, b = CHANGE
    link = f"{live_url}/?from={a}&to={b}&zoom=8&lat=48.0&lon=37.5"
    open_map(browser, link, drawn_from=a, drawn_to=b)
    assert browser.find_element(By.ID, "change-from").get_attribute("value") == a
    assert browser.find_element(By.ID, "change-to").get_attribute("value") == b
    assert count(browser, GAINED) > 0 and count(browser, LOST) > 0
    assert query(browser).get("zoom") == "8"


def test_map_fits_a_phone(browser, live_url):
    """390 × 844 (a phone): the page does not scroll sideways and the slider is on screen."""
    set_viewport(browser, 390, 844, mobile=True)
    open_map(browser, live_url + "/")
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 390
    box = browser.find_element(By.ID, "date-slider").rect
    assert box["width"] > 0 and box["x"] >= 0 and box["x"] + box["width"] <= 390
