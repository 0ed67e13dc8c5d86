"""The site in Azerbaijani, Ukrainian and Russian in headless Chromium: the switcher
takes the reader to the same page in another language, no page scrolls sideways or
clips a label with the longest strings of any language (desktop 1280 px, phone 390 px),
the map's controls and the scripts speak the page's language, and a name written right
to left cannot reorder the text around it.

The server is a real ``vigil serve`` over the demo registry (imported with the CLI),
plus one person whose only name is in Arabic script.
"""

from __future__ import annotations

import gettext
import json
import time

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
from vigil import i18n

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.skipif(
        chromium_paths() is None, reason="needs chromium and chromedriver (apt: chromium-driver)"
    ),
]

WIDTHS = {"desktop": (1280, 800, False), "phone": (390, 844, True)}
LANGS = ("az", "uk", "ru")
PAGES = {
    "map": "/",
    "figures": "/figures/",
    "brief": "/figures/brief/",
    "prisoners": "/prisoners/",
    "person": "/prisoners/VRW-001/",
    "cases": "/cases/",
    "hearings": "/hearings/",
    "alerts": "/alerts/",
    "check": "/check/",
    "login": "/editors/login/",
}
RTL_NAME = "علی حسن‌زاده"
RTL_PERSON = {
    "vigil_cases": 1,
    "level": "public",
    "people": [
        {
            "ref": "RTL-001",
            "sex": "male",
            "birth_date": "1980",
            "occupation": "",
            "photo": "",
            "notes": "",
            "contacts": "",
            "visibility": "public",
            "field_visibility": {},
            "merged_into": None,
        }
    ],
    "names": [
        {
            "person": "RTL-001",
            "name": RTL_NAME,
            "language": "az-Arab",
            "kind": "primary",
            "visibility": "public",
        }
    ],
    "events": [
        {
            "person": "RTL-001",
            "kind": "detained",
            "date": "2026-06-01",
            "case": None,
            "place": "Velora",
            "facility": "",
            "notes": "",
            "sources": [],
            "withdraws": None,
            "visibility": "public",
        }
    ],
}


@pytest.fixture(scope="module")
def site(web_store, tmp_path_factory):
    folder = tmp_path_factory.mktemp("i18n-site")
    env = demo_registry_env(folder)
    rtl = folder / "rtl.json"
    rtl.write_text(json.dumps(RTL_PERSON, ensure_ascii=False), encoding="utf-8")
    vigil_command("cases", "import", "-q", str(rtl), env=env)
    with live_server(web_store, env=server_env_of(env)) as base:
        yield base


def _open(driver, url: str) -> None:
    """Open ``url`` and wait for its data (the map drawn, the charts loaded), as the
    accessibility tests do."""
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.web.test_accessibility import READY_JS

    driver.get(url)
    WebDriverWait(driver, 30, poll_frequency=0.05).until(lambda d: d.execute_script(READY_JS))
    time.sleep(0.2)  # the last frame of a transition (the map's fit to bounds)


FIT = """
const doc = document.documentElement;
const clipped = [];
for (const el of document.querySelectorAll('button, .site-header a, label, th, .button, summary')) {
  const r = el.getBoundingClientRect();
  if (!r.width) continue;
  if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible')
    clipped.push(el.outerHTML.slice(0, 120));
  if (!el.closest('.table-scroll') && r.right > doc.clientWidth + 0.5)
    clipped.push('beyond the screen: ' + el.outerHTML.slice(0, 120));
}
return {page: doc.scrollWidth, viewport: doc.clientWidth, clipped: clipped, lang: doc.lang};
"""


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("lang", LANGS)
def test_no_page_breaks_with_the_longest_strings(site, browser, lang, width):
    """Nothing scrolls sideways or is clipped; on the desktop, axe-core (the rules of
    tests/web/test_accessibility.py) finds nothing serious in the language either."""
    from tests.web.test_accessibility import check_axe

    w, h, mobile = WIDTHS[width]
    set_viewport(browser, w, h, mobile=mobile)
    serious = []
    for name, path in PAGES.items():
        _open(browser, f"{site}/{lang}{path}")
        layout = browser.execute_script(FIT)
        assert layout["lang"] == lang, (name, browser.current_url)
        assert layout["page"] <= layout["viewport"], f"{lang} {name} at {w} px scrolls sideways"
        assert not layout["clipped"], (lang, name, w, layout["clipped"][:5])
        assert not console_errors(browser), (lang, name, console_errors(browser))
        if width == "desktop":
            serious += check_axe(browser, f"/{lang}{path}", width)
    assert not serious, "\n".join(serious)


def test_the_switcher_opens_the_same_page_in_another_language(site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    set_viewport(browser, 1280, 800)
    _open(browser, f"{site}/figures/?week=2026-08-10")
    assert browser.execute_script("return document.documentElement.lang") == "en"
    switcher = browser.find_element(By.CSS_SELECTOR, "nav.languages summary")
    assert switcher.text == "English"
    switcher.click()  # the list opens
    link = browser.find_element(By.CSS_SELECTOR, 'nav.languages a[hreflang="uk"]')
    assert link.text == "Українська"
    link.click()
    WebDriverWait(browser, 20).until(lambda d: d.current_url.startswith(f"{site}/uk/"))
    _open(browser, browser.current_url)
    assert browser.current_url == f"{site}/uk/figures/?week=2026-08-10"
    assert browser.execute_script("return document.documentElement.lang") == "uk"
    with i18n.override("uk"):
        figures = i18n.gettext("Figures")
    current = browser.find_element(By.CSS_SELECTOR, '.site-header nav a[aria-current="page"]')
    assert current.text == figures != "Figures"
    # every link of the page keeps the language
    hrefs = browser.execute_script(
        "return Array.from(document.querySelectorAll('main a[href]'))"
        ".map(a => a.getAttribute('href'))"
    )
    local = [h for h in hrefs if h.startswith("/") and not h.startswith("/static/")]
    assert local and all(h.startswith(("/uk/", "/en/", "/az/", "/ru/")) for h in local), local


@pytest.mark.parametrize("lang", ("uk", "az"))
def test_a_right_to_left_name_cannot_reorder_the_text_around_it(site, browser, lang):
    from selenium.webdriver.common.by import By

    set_viewport(browser, 1280, 800)
    _open(browser, f"{site}/{lang}/prisoners/")
    found = browser.execute_script(
        """
        const name = arguments[0];
        const hits = Array.from(document.querySelectorAll('main *')).filter(
          el => el.childElementCount === 0 && el.textContent.trim() === name);
        return hits.map(el => ({
          tag: el.tagName, bidi: getComputedStyle(el).unicodeBidi,
          direction: getComputedStyle(el).direction,
          parentDirection: getComputedStyle(el.parentElement).direction,
          isolated: !!el.closest('bdi, [dir]'),
        }));
        """,
        RTL_NAME,
    )
    assert found, f"{RTL_NAME} not on the {lang} list"
    for hit in found:
        assert hit["isolated"] and hit["bidi"] in ("isolate", "plaintext", "isolate-override"), hit
        assert hit["parentDirection"] == "ltr", hit
    # the person's page: the heading isolates the name too, and the page stays left to right
    _open(browser, f"{site}/{lang}/prisoners/RTL-001/")
    heading = browser.find_element(By.TAG_NAME, "h1")
    assert RTL_NAME in heading.text
    assert browser.execute_script("return getComputedStyle(document.body).direction") == "ltr"
    assert browser.execute_script(
        "return !!document.querySelector('h1 bdi') || !!document.querySelector('h1 [dir=auto]')"
    )


@pytest.mark.parametrize("lang", ("uk", "ru"))
def test_the_map_speaks_the_pages_language(site, browser, lang):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    set_viewport(browser, 1280, 800)
    _open(browser, f"{site}/{lang}/")
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script("return !!document.querySelector('.leaflet-container')")
    )
    assert browser.execute_script("return typeof window.gettext") == "function"
    scripts = gettext.translation("djangojs", i18n.LOCALE_DIR, languages=[lang])
    zoom_in = scripts.gettext("Zoom in")
    assert zoom_in != "Zoom in"
    button = browser.find_element(By.CSS_SELECTOR, ".leaflet-control-zoom-in")
    assert button.get_attribute("title") == zoom_in
    assert not console_errors(browser), console_errors(browser)
