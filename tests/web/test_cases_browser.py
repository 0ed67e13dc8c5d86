"""The editors' area in headless Chromium, as an editor uses it (issue 7): sign in with
a TOTP code, edit a person, postpone a hearing, see both in the audit trail and on the
public pages, and check that a restricted field never reaches the public HTML.

The server is a real ``vigil serve`` over a cases database prepared with the CLI, as a
team would: import the demo registry, add a user, set up TOTP.
"""

from __future__ import annotations

import base64
import json
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.web.conftest import (
    chromium_paths,
    console_errors,
    demo_registry_env,
    live_server,
    server_env_of,
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

PASSWORD = "correct horse battery staple 2026"
CONTACT = "həyat yoldaşı Fəridə"  # VRW-001's family contact: restricted


def _code(secret: str, step_offset: int = 0) -> str:
    from django_otp.oath import TOTP

    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    totp = TOTP(key, step=30, t0=0, digits=6)
    totp.time = time.time() + 30 * step_offset
    return f"{totp.token():06d}"


@pytest.fixture(scope="module")
def site(web_store, tmp_path_factory):
    """A cases database with the demo registry and an admin "ed" (editing + audit)."""
    env = demo_registry_env(tmp_path_factory.mktemp("cases-site"))
    vigil_command(
        "cases",
        "user",
        "add",
        "ed",
        "--role",
        "admin",
        "--password-stdin",
        env=env,
        stdin=PASSWORD + "\n",
    )
    url = re.search(
        r"otpauth://\S+", vigil_command("cases", "user", "totp", "ed", "--no-qr", env=env)
    )
    secret = parse_qs(urlsplit(url.group(0)).query)["secret"][0]
    with live_server(web_store, env=server_env_of(env)) as base:
        yield base, secret, env


def _fill(driver, field_id: str, text: str) -> None:
    from selenium.webdriver.common.by import By

    element = driver.find_element(By.ID, field_id)
    element.clear()
    element.send_keys(text)


def _submit(driver, form=None) -> None:
    """Submit ``form`` (by default the page's one ``main form.form``) and wait for the
    page it leads to. Never "the first submit button": the header's sign-out form comes
    first in the document, so ``form button[type=submit]`` is its Sign out button."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    if form is None:
        forms = driver.find_elements(By.CSS_SELECTOR, "main form.form")
        assert len(forms) == 1, f"{driver.current_url}: {len(forms)} main forms"
        form = forms[0]
    # requestSubmit, not a click at the button's coordinates: a click there can land on
    # whatever the layout puts on top (the sign-out button of the sticky nav).
    driver.execute_script("arguments[0].requestSubmit()", form)
    # the next page may have the same address (a POST that redirects back): wait for
    # the old page to go, then for the new one to load
    WebDriverWait(driver, 20).until(expected_conditions.staleness_of(form))
    WebDriverWait(driver, 20).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )


def _open(driver, url: str) -> None:
    """Open ``url`` and wait until its document has loaded and has a body. A bare
    ``driver.get`` right after a sign-out and a cookie purge has returned with the
    page source still empty on a loaded CI machine (stop 20): the test then read ''
    instead of the page."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    WebDriverWait(driver, 20).until(
        lambda d: d.execute_script(
            "return document.readyState === 'complete' && !!document.body"
            " && document.body.innerHTML.length > 0"
        )
    )


def test_editor_signs_in_edits_postpones_and_the_public_sees_only_public(site, browser):
    from selenium.webdriver.common.by import By

    base, secret, env = site
    driver = browser
    # 1. Sign in: the device set up with the CLI is confirmed on the enrolment page.
    _open(driver, f"{base}/editors/login/")
    _fill(driver, "id_username", "ed")
    _fill(driver, "id_password", PASSWORD)
    _submit(driver)
    if "/editors/enrol/" in driver.current_url:
        shown = re.search(r"otpauth://[^<\s\"]+", driver.page_source).group(0)
        secret = parse_qs(urlsplit(shown.replace("&amp;", "&")).query)["secret"][0]
        _fill(driver, "id_otp_token", _code(secret))
        _submit(driver)
        assert urlsplit(driver.current_url).path == "/editors/", driver.page_source[-2000:]
        # sign out and in again with a code: the second factor at sign-in proper
        _submit(driver, driver.find_element(By.CSS_SELECTOR, "form.signout"))  # and wait
        _open(driver, f"{base}/editors/login/")
        _fill(driver, "id_username", "ed")
        _fill(driver, "id_password", PASSWORD)
        _fill(driver, "id_otp_token", _code(secret, 1))
        _submit(driver)
    assert urlsplit(driver.current_url).path == "/editors/", driver.page_source[:500]

    # 2. Edit a person: a new occupation, public by default.
    _open(driver, f"{base}/editors/people/VRW-001/edit/")
    _fill(driver, "id_occupation", "iqtisadçı, yazıçı")
    _submit(driver)
    assert urlsplit(driver.current_url).path == "/editors/people/VRW-001/", driver.current_url
    assert "iqtisadçı, yazıçı" in driver.page_source
    # an admin reads internal data, but contacts need the restricted permission
    assert CONTACT not in driver.page_source

    # 3. Postpone the scheduled hearing of the AVB case in two clicks.
    _open(driver, f"{base}/editors/cases/AVB-2026/")
    details = driver.find_element(By.CSS_SELECTOR, "details.postpone")
    details.find_element(By.TAG_NAME, "summary").click()
    details.find_element(By.ID, "id_reason").send_keys("the defendant's lawyer was not admitted")
    details.find_element(By.ID, "id_next_date").send_keys("2027-01-13")
    _submit(driver, details.find_element(By.TAG_NAME, "form"))
    assert "postponed 5 times since August 2026; next hearing 13 January 2027" in driver.page_source

    # 4. Both are in the audit trail.
    _open(driver, f"{base}/editors/audit/")
    audit = driver.page_source
    assert "person:VRW-001" in audit and "postpone" in audit
    assert console_errors(driver) == []

    # 5. The public, signed out: the edit and the postponement show, the contact never.
    _submit(driver, driver.find_element(By.CSS_SELECTOR, "form.signout"))  # and wait for it
    driver.delete_all_cookies()
    _open(driver, f"{base}/prisoners/VRW-001/")
    page = driver.page_source
    assert "iqtisadçı, yazıçı" in page
    assert CONTACT not in page and "+000 55 000 00 01" not in page
    _open(driver, f"{base}/cases/AVB-2026/")
    assert "postponed 5 times since August 2026" in driver.page_source
    api = json.loads(
        vigil_command("cases", "hearings", "AVB-2026", "--on", "2026-11-25", "-f", "json", env=env)
    )
    assert api["postponements"] == 5


def test_a_reader_filters_by_abbreviation_and_downloads_the_list_on_a_phone(site, browser):
    """Issue 16, as a reader on a phone: the heading counts political prisoners only; an
    organisation typed as a Cyrillic abbreviation filters the list; the download link
    carries the filters and gives the same rows; the table scrolls inside its box; the
    footer credits the registry."""
    import csv
    import io
    import urllib.request

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.web.conftest import set_viewport

    base, _secret, _env = site
    driver = browser
    set_viewport(driver, 390, 844, mobile=True)
    _open(driver, f"{base}/prisoners/?on=2026-11-01")
    lead = driver.find_element(By.CSS_SELECTOR, ".cases-count").text
    assert lead.startswith("9 political prisoners on 1 November 2026"), lead  # not 15
    field = driver.find_element(By.ID, "cases-organisation")
    field.send_keys("АВБ")
    form = driver.find_element(By.CSS_SELECTOR, "form.cases-filters")
    driver.execute_script("arguments[0].requestSubmit()", form)
    WebDriverWait(driver, 20).until(lambda d: "organisation=" in d.current_url)
    _open(driver, driver.current_url)
    rows = driver.find_elements(By.CSS_SELECTOR, "table.cases-list tbody tr")
    refs = [r.find_elements(By.TAG_NAME, "td")[-1].text for r in rows]
    assert refs and "VRW-002" not in refs and "VRW-001" in refs  # the party's members
    value = driver.find_element(By.ID, "cases-organisation").get_attribute("value")
    assert value == "Azad Vətəndaşlar Birliyi"
    # the table scrolls in its box; the page itself does not scroll sideways
    box = driver.find_element(By.CSS_SELECTOR, ".table-scroll")
    assert driver.execute_script("return arguments[0].scrollWidth > arguments[0].clientWidth", box)
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 390
    # the download: the page's filters, the page's rows
    link = driver.find_element(By.LINK_TEXT, "Download this list as CSV").get_attribute("href")
    assert "organisation=O00001" in link and "format=csv" in link
    with urllib.request.urlopen(link) as answer:  # the test's own server
        data = answer.read()
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r[-1] for r in table[1:]] == refs
    footer = driver.find_element(By.CSS_SELECTOR, "footer.site-footer").text
    assert footer.startswith("Data: the Vigil registry of political prisoners")
    assert "Areas are geodesic" not in footer
    assert console_errors(driver) == []
