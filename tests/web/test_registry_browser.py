"""The published lists' difference page and the cases index in headless Chromium, on
desktop (1280 px) and phone (390 px): the page never scrolls sideways (a wide table
scrolls inside its own box), the console stays clean, and the difference the page
shows is the one ``vigil cases diff-release`` prints for the same database.

The server is a real ``vigil serve`` over the demo registry imported with the CLI.
``VIGIL_SHOTS=DIR`` keeps a full-page screenshot of each page and width in DIR.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest

from tests.web.conftest import (
    chromium_paths,
    console_errors,
    demo_registry_env,
    live_server,
    server_env_of,
    set_viewport,
    vigil_command,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),  # the worker of tests/web/test_browser.py
    pytest.mark.skipif(
        chromium_paths() is None, reason="needs chromium and chromedriver (apt: chromium-driver)"
    ),
]

WIDTHS = {"desktop": (1280, 800, False), "phone": (390, 844, True)}
PAGES = {
    "diff": "/prisoners/lists/VRW/diff/?from=R-VRW-2026-06&to=R-VRW-2026-10",
    "cases": "/cases/",
}


@pytest.fixture(scope="module")
def site(web_store, tmp_path_factory):
    env = demo_registry_env(tmp_path_factory.mktemp("registry-site"))
    with live_server(web_store, env=server_env_of(env)) as base:
        yield base, env


def _open(driver, url: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    WebDriverWait(driver, 20).until(
        lambda d: d.execute_script("return document.readyState === 'complete'")
    )


LAYOUT = """
const doc = document.documentElement;
const boxes = Array.from(document.querySelectorAll('.table-scroll')).map(b => ({
  right: b.getBoundingClientRect().right,
  client: b.clientWidth,
  scroll: b.scrollWidth,
  overflow: getComputedStyle(b).overflowX,
}));
return {page: doc.scrollWidth, viewport: doc.clientWidth, boxes: boxes};
"""


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("name", list(PAGES))
def test_pages_fit_the_screen_and_tables_scroll_in_their_box(site, browser, name, width):
    from selenium.webdriver.common.by import By

    base, _env = site
    w, h, mobile = WIDTHS[width]
    set_viewport(browser, w, h, mobile=mobile)
    _open(browser, base + PAGES[name])
    assert browser.find_element(By.TAG_NAME, "h1").text, browser.current_url
    layout = browser.execute_script(LAYOUT)
    assert layout["page"] <= layout["viewport"], f"{name} at {w} px scrolls sideways: {layout}"
    assert layout["boxes"], f"{name}: no table"
    for box in layout["boxes"]:
        assert box["right"] <= layout["viewport"] + 0.5, (name, w, box)
        assert box["overflow"] == "auto", (name, w, box)
    if width == "phone":  # a table wider than the phone scrolls inside its box
        assert any(b["scroll"] > b["client"] for b in layout["boxes"]), (name, layout)
    assert not console_errors(browser), console_errors(browser)
    shots = os.environ.get("VIGIL_SHOTS")
    if shots:
        height = browser.execute_script("return document.documentElement.scrollHeight")
        set_viewport(browser, w, max(h, int(height)), mobile=mobile)
        browser.save_screenshot(str(Path(shots) / f"h4-{name}-{w}.png"))
        set_viewport(browser, w, h, mobile=mobile)


def test_the_difference_page_shows_what_diff_release_prints(site, browser):
    from selenium.webdriver.common.by import By

    base, env = site
    printed = vigil_command(
        "cases", "diff-release", "R-VRW-2026-06", "R-VRW-2026-10", "--format", "csv", env=env
    )
    rows = list(csv.DictReader(io.StringIO(printed)))
    _open(browser, base + PAGES["diff"])
    for change in ("added", "removed"):
        expected = {r["ref"] for r in rows if r["change"] == change}
        cells = browser.find_elements(By.CSS_SELECTOR, f".registry-diff-{change} tbody tr")
        shown = {c.find_elements(By.CSS_SELECTOR, "td")[-1].text for c in cells}
        assert shown == expected, change
        heading = browser.find_element(By.ID, f"diff-{change}").text
        assert heading.endswith(f": {len(expected)}"), heading
    reasons = {
        r.find_elements(By.CSS_SELECTOR, "td")[-1].text: r.find_element(By.CSS_SELECTOR, ".reason")
        for r in browser.find_elements(By.CSS_SELECTOR, ".registry-diff-removed tbody tr")
    }
    for r in rows:
        if r["change"] == "removed":
            assert reasons[r["ref"]].get_attribute("class").endswith(f"reason-{r['reason']}")
    # the form compares in the other order: the page still reads from the earlier
    browser.find_element(By.CSS_SELECTOR, "#diff-from option[value='R-VRW-2026-10']").click()
    browser.find_element(By.CSS_SELECTOR, "#diff-to option[value='R-VRW-2026-06']").click()
    browser.find_element(By.CSS_SELECTOR, "form.registry-compare button").click()
    from selenium.webdriver.support.ui import WebDriverWait

    # the answer is a new page: wait for it (reading at once met a page half loaded, once)
    WebDriverWait(browser, 20).until(
        lambda d: (
            "from=R-VRW-2026-10" in d.current_url
            and d.execute_script("return document.readyState === 'complete'")
        )
    )
    assert "from 2026-06-15 to 2026-10-15" in browser.find_element(By.TAG_NAME, "h1").text
    assert not console_errors(browser), console_errors(browser)


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, arguments[0]).then(r => done(r.violations), e => done({error: String(e)}));
"""
EVERY_PAGE = (
    "/prisoners/lists/",
    "/prisoners/lists/VRW/",
    "/prisoners/lists/VRW/R-VRW-2026-10/",
    PAGES["diff"],
    "/prisoners/lists/VRW/diff/?from=R-VRW-2026-10&to=R-VRW-2026-10",  # the 400 page
    "/cases/",
    "/cases/?q=nothing-matches-this",
    "/organisations/",
    "/organisations/VRW/",
)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_axe_finds_nothing_serious_on_the_registry_pages(site, browser, width):
    """axe-core (as tests/web/test_accessibility.py runs it): no serious or critical
    violation on any of these pages, on desktop and phone; and no console error."""
    axe = pytest.importorskip("axe_core_python.base", reason="axe-core-python is not installed")
    base, _env = site
    w, h, mobile = WIDTHS[width]
    set_viewport(browser, w, h, mobile=mobile)
    found = []
    for path in EVERY_PAGE:
        _open(browser, base + path)
        browser.execute_script(axe.AXE_SCRIPT)
        options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
        result = browser.execute_async_script(RUN_AXE, options)
        assert isinstance(result, list), f"axe-core did not run: {result}"
        found += [
            f"{path} {v['id']} ({v['impact']}): {v['help']} "
            + "; ".join(" ".join(map(str, n["target"])) for n in v["nodes"][:5])
            for v in result
            if v["impact"] in ("serious", "critical")
        ]
        errors = [e for e in console_errors(browser) if "400" not in e]  # the 400 page's own
        assert not errors, (path, errors)
    assert not found, "\n".join(found)
