"""Accessibility in a real browser (issue 16): axe-core on every page, a keyboard walk,
and the phone layout, in headless Chromium against ``vigil serve``.

**Which pages.** Every URL pattern of the site's URLconf that can answer a page (the
API's JSON routes and the data files, whose last path segment has an extension, are
not pages). A pattern without parameters is asked for at its own address; a pattern
with parameters (a person, a case, a list release…) gets the first address that a link
of the site leads to: the site is crawled from the parameterless pages, anonymously
for the public pages and as a signed-in admin for the editors' area. A new page is thus
checked as soon as it is in the URLconf and linked; one that no link reaches fails
:func:`test_every_page_is_reached` until a link or an entry in :data:`STATES` is added.
A few pages are checked in more than one state (:data:`STATES`): the map showing an
area and a change, /check/ empty and with a result.

**What is checked**, each page at 1280 × 800 and at 390 × 844 (a phone, honouring the
page's viewport meta), once its data have loaded (the map drawn, the charts' images
decoded, nothing ``aria-busy``):

* axe-core 4.4 (bundled by ``axe-core-python``), rules tagged wcag2a, wcag2aa, wcag21a,
  wcag21aa and best-practice: no violation of impact *serious* or *critical*; the
  failure lists page, rule id and the offending elements' selectors. Lesser violations
  are printed, not failed. ``VIGIL_AXE_LOG=file.jsonl`` appends every violation found
  (any impact) to a file, for counting;
* the keyboard (desktop): the first Tab reaches the skip link, which is then visible;
  Enter on it and one more Tab land on the first control of the main content; and on
  the next Tab stops every link, button and form control shows a focus outline;
* the phone: nothing scrolls sideways (``document.scrollingElement.scrollWidth`` ≤ 390),
  every table sits in a ``.table-scroll`` box that fits the screen, and the header's
  links are all on screen.

The page that says there is no store (``web/unavailable.html``) is checked on a server
started over a store that does not exist.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx
import pytest

pytest.importorskip("selenium", reason="Selenium is not installed (pip install -e '.[dev]')")
pytest.importorskip(
    "axe_core_python", reason="axe-core-python is not installed (pip install -e '.[dev]')"
)
from axe_core_python.base import AXE_SCRIPT  # type: ignore[import-untyped]
from selenium.webdriver import ActionChains, Chrome
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from tests.web.conftest import (
    REPO,
    WAIT,
    chromium_paths,
    live_server,
    set_viewport,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),  # one Chromium for every browser test
    pytest.mark.skipif(
        chromium_paths() is None, reason="needs chromium and chromedriver (apt: chromium-driver)"
    ),
]

DEMO = REPO / "data" / "cases-demo"
PASSWORD = "correct horse battery staple 2026"

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
FAIL_IMPACTS = {"serious", "critical"}
VIEWPORTS = {"desktop": (1280, 800, False), "phone": (390, 844, True)}
PHONE_WIDTH = VIEWPORTS["phone"][0]

CHANGE = ("2026-05-01", "2026-06-01")  # a month of the demo archive with gains and losses
CLAIM = {  # tests/web/test_check_api.py: "last week" is two snapshots of the store
    "text": "Last week Russian forces seized about 1,700 square kilometers.",
    "as_of": "2025-03-10",
}
#: Pages checked in more than one state (pattern name -> addresses).
STATES: dict[str, list[str]] = {
    "map": ["/", f"/?from={CHANGE[0]}&to={CHANGE[1]}"],
    "check": ["/check/", "/check/?" + urlencode(CLAIM)],
}

# -- the site's pages, from its URLconf ----------------------------------------------------


def url_patterns() -> list[tuple[str, str, Any]]:
    """(name, route, view) of every pattern of the site, namespaced (``editors:person``)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns: list[Any], prefix: str, ns: str) -> Iterator[tuple[str, str, Any]]:
        for p in patterns:
            if isinstance(p, URLResolver):
                inner = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
                yield from walk(p.url_patterns, prefix + str(p.pattern), inner)
            elif isinstance(p, URLPattern) and p.name:
                name = f"{ns}:{p.name}" if ns else p.name
                yield name, prefix + str(p.pattern), p.callback

    return list(walk(get_resolver("vigil.web.urls").url_patterns, "", ""))


def methods(view: Any) -> list[str] | None:
    """The HTTP methods a view is limited to by Django's ``require_http_methods`` (or
    ``require_POST``…), found through the decorators' ``__wrapped__``; None: not said."""
    seen: set[int] = set()
    while view is not None and id(view) not in seen:
        seen.add(id(view))
        for cell in getattr(view, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if (
                isinstance(value, list)
                and value
                and all(isinstance(m, str) and m.isupper() and m.isalpha() for m in value)
            ):
                return value
        view = getattr(view, "__wrapped__", None)
    return None


def may_be_page(name: str, route: str, view: Any) -> bool:
    """Whether a pattern can answer an HTML page: not the API's JSON (its docs are a
    page), not a data file (``chart.<slug:ext>``, ``data.csv``), not a form's target
    that only takes POST."""
    if name.startswith("api:"):
        return name == "api:openapi-view"
    last = route.rstrip("/$").rsplit("/", 1)[-1]
    allowed = methods(view)
    return "." not in last and (allowed is None or "GET" in allowed)


PAGES = sorted(name for name, route, view in url_patterns() if may_be_page(name, route, view))
PUBLIC = {n for n in PAGES if not n.startswith("editors:")}
LOGIN, ENROL = "editors:login", "editors:enrol"


def pattern_of(path: str) -> str | None:
    from django.urls import Resolver404, resolve

    try:
        return resolve(urlsplit(path).path, urlconf="vigil.web.urls").view_name
    except Resolver404:
        return None


def parameterless(name: str) -> str | None:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name, urlconf="vigil.web.urls")
    except NoReverseMatch:
        return None


class _Links(HTMLParser):
    """The links of a page, and its forms: (method, action, hidden fields)."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.forms: list[tuple[str, str, dict[str, str]]] = []
        self.in_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])
        elif tag == "form":
            self.forms.append((a.get("method", "get").lower(), a.get("action", ""), {}))
            self.in_form = True
        elif tag == "input" and self.in_form and a.get("type") == "hidden":
            name = a.get("name", "")
            self.forms[-1][2][name] = a.get("value", "")
            self.forms[-1][2].pop("", None)
            self.forms[-1][2].pop("csrfmiddlewaretoken", None)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_form = False


def _own(page_url: str, href: str) -> str | None:
    """``href`` as a path and query of the site, or None (elsewhere, or a download)."""
    u = urlsplit(urljoin(page_url, href))
    if u.netloc != urlsplit(page_url).netloc or u.scheme not in ("http", "https"):
        return None
    if "format" in parse_qs(u.query):  # CSV and JSON variants of a page
        return None
    return u.path + (f"?{u.query}" if u.query else "")


def links(page_url: str, html: str) -> tuple[list[str], list[str]]:
    """The site's addresses a page leads to by GET (its links, and its GET forms with
    their hidden fields), and those its forms POST to."""
    parser = _Links()
    parser.feed(html)
    gets = [parser_link for h in parser.hrefs if (parser_link := _own(page_url, h))]
    posts = []
    for method, action, hidden in parser.forms:
        if method == "post":
            posts += [p for p in [_own(page_url, action)] if p]
        elif (target := _own(page_url, action)) is not None and hidden:
            gets.append(target.split("?")[0] + "?" + urlencode(hidden))
    return gets, posts


@dataclass
class Found:
    """What a crawl found: pattern name -> addresses that answer a page, and the
    patterns that answered something else (name -> what)."""

    pages: dict[str, list[str]] = field(default_factory=dict)
    other: dict[str, str] = field(default_factory=dict)


TRIES = 3  # addresses asked per pattern before it is given up as not a page
MORE = 40  # further pages read, at most, to find the patterns not found yet


def crawl(client: httpx.Client, seeds: list[str], keep: Any) -> Found:
    """Breadth-first from ``seeds``, one page per URL pattern (only patterns for which
    ``keep(name)`` holds); then, while some pattern is not found, up to :data:`MORE`
    further pages of patterns already seen (another case's page may hold a form the
    first one has not). A form's target that answers GET too is asked by GET (the form
    on its own page); one that takes only POST is noted as such. A pattern that answers
    4xx is asked again at its next link, up to :data:`TRIES` times."""
    found = Found()
    queue = deque(seeds)
    more: deque[str] = deque()  # links to patterns already found: read only if need be
    tries: dict[str, int] = {}
    read: set[str] = set()
    wanted = {n for n in PAGES if keep(n)}

    def ask(path: str) -> None:
        name = pattern_of(path)
        if name is None or not keep(name) or path in read:
            return
        if name in found.pages or tries.get(name, 0) >= TRIES:
            more.append(path)
            return
        tries[name] = tries.get(name, 0) + 1
        queue.append(path)

    budget = MORE
    while queue or (more and budget > 0 and wanted - set(found.pages) - set(found.other)):
        if queue:
            path = queue.popleft()
        else:
            path, budget = more.popleft(), budget - 1
        if path in read:
            continue
        read.add(path)
        asked = str(pattern_of(path))
        response = client.get(path)
        final = response.url.raw_path.decode()
        name = pattern_of(final)
        kind = response.headers.get("content-type", "").split(";")[0]
        status = response.status_code
        if kind != "text/html" or status >= 500 or status in (403, 404, 405, 410):
            found.other.setdefault(asked, f"{status} {kind}".strip())
            continue
        if name is not None and keep(name) and name not in found.pages:
            found.other.pop(name, None)
            found.pages[name] = [final]
        gets, posts = links(str(response.url), response.text)
        for link in gets:
            ask(link)
        for action in posts:
            post_name = pattern_of(action)
            if post_name in PAGES:
                ask(action)  # the form on its own page
            elif post_name is not None:
                found.other.setdefault(post_name, "the target of a POST form")
    return found


# -- the site: a registry and its users ------------------------------------------------------


def _vigil(*args: str, env: dict[str, str], stdin: str | None = None) -> str:
    run = subprocess.run(
        [str(Path(sys.executable).with_name("vigil")), *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


def _totp(secret: str) -> str:
    from django_otp.oath import TOTP

    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    totp = TOTP(key, step=30, t0=0, digits=6)
    totp.time = time.time()
    return f"{totp.token():06d}"


CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')


def _post_form(client: httpx.Client, path: str, data: dict[str, str]) -> httpx.Response:
    """Submit the form of the page at ``path`` as a browser does (its CSRF token)."""
    page = client.get(path)
    token = CSRF_FIELD.search(page.text)
    assert token, f"{page.url}: no CSRF token on the page"
    return client.post(
        str(page.url),
        data={"csrfmiddlewaretoken": token.group(1), **data},
        headers={"Referer": str(page.url)},
    )


def sign_in(base: str, name: str, secret: str | None) -> dict[str, str]:
    """The session cookies of ``name`` signed in through the sign-in form (and, with a
    TOTP ``secret``, the enrolment form confirming the device)."""
    with httpx.Client(base_url=base, follow_redirects=True, timeout=60) as client:
        r = _post_form(client, "/editors/login/", {"username": name, "password": PASSWORD})
        assert urlsplit(str(r.url)).path == "/editors/enrol/", f"{name}: {r.url}"
        if secret is not None:
            r = _post_form(client, "/editors/enrol/", {"otp_token": _totp(secret)})
            assert urlsplit(str(r.url)).path == "/editors/", f"{name}: not signed in ({r.url})"
        return dict(client.cookies.items())


#: Alerts on the site (vigil.watch.alerts.record, as `vigil watch` stores them): a
#: territory alert and its correction, a case event; so that /alerts/ and each alert's
#: page are checked with content (the crawl reaches /alerts/<id>/ by their links).
ALERTS_SCRIPT = """
import datetime as dt
from vigil.cases import setup
setup()
from vigil.watch.alerts import Candidate, record
week = dict(
    key="territory:week_gain:deepstate-daily:2026-05-04", topic="territory",
    kind="week_gain", source="deepstate-daily", snapshots=("2026-05-04", "2026-05-11"),
    period_start=dt.date(2026, 5, 4), period_end=dt.date(2026, 5, 11),
    command="vigil territory change --source deepstate-daily --from 2026-05-04 --to 2026-05-11",
    api="/api/territory/change?from=2026-05-04&to=2026-05-11&source=deepstate-daily",
    link="/figures/?week=2026-05-04", body="The largest weekly gain since March.",
)
for km2 in (212.4, 198.0):
    title = f"{km2} km² gained in the week of 4 May"
    record([Candidate(title=title, figures={"gained_km2": km2}, **week)])
record([Candidate(key="cases:release:walk", topic="cases", kind="release",
                  title="A new release of a published list", figures={"added": 3, "removed": 1})])
"""


def _alerts(env: dict[str, str]) -> None:
    run = subprocess.run(
        [sys.executable, "-c", ALERTS_SCRIPT], env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr


@dataclass
class Site:
    base: str
    sessions: dict[str, dict[str, str]]  # role -> cookies ("anonymous": none)
    role_of: dict[str, str]  # pattern name -> role its pages are read as
    found: Found


@pytest.fixture(scope="module")
def site(web_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """``vigil serve`` over the demo archive and the demo registry, an admin "ed" who
    signs in with TOTP, an editor "new" who has not set up a second factor yet (the
    enrolment page), and the pages found by crawling the site as each."""
    folder = tmp_path_factory.mktemp("a11y-site")
    env = {
        **os.environ,
        "VIGIL_HOME": str(folder / "home"),
        "DATABASE_URL": f"sqlite:///{folder / 'cases.sqlite'}",
        "VIGIL_HTTPS": "0",  # plain http on 127.0.0.1
        "DJANGO_SETTINGS_MODULE": "vigil.web.settings",  # not the test suite's
    }
    env.pop("VIGIL_SECRET_KEY", None)
    mapping = str(DEMO / "prisoners.mapping.toml")
    _vigil("cases", "import", "-q", str(DEMO / "prisoners.csv"), "-m", mapping, env=env)
    _vigil("cases", "import", "-q", str(DEMO / "registry.json"), env=env)
    _alerts(env)
    for user, role in (("ed", "admin"), ("new", "editor")):
        add = ("cases", "user", "add", user, "--role", role, "--password-stdin")
        _vigil(*add, env=env, stdin=PASSWORD + "\n")
    shown = _vigil("cases", "user", "totp", "ed", "--no-qr", env=env)
    url = re.search(r"otpauth://\S+", shown)
    assert url, shown
    secret = parse_qs(urlsplit(url.group(0)).query)["secret"][0]
    server_env = {k: env[k] for k in ("VIGIL_HOME", "DATABASE_URL", "VIGIL_HTTPS")}
    with live_server(web_store, env=server_env) as base:
        sessions = {
            "anonymous": {},
            "editor": sign_in(base, "ed", secret),
            "newcomer": sign_in(base, "new", None),
        }
        public = [p for n in PAGES if not n.startswith("editors:") and (p := parameterless(n))]
        for paths in STATES.values():
            public += [p for p in paths if p not in public]
        editors = [p for n in PAGES if n.startswith("editors:") and (p := parameterless(n))]
        found = Found()
        role_of: dict[str, str] = {}
        # the public pages and the sign-in page, anonymously; the editors' area as the
        # admin; the enrolment page as the editor without a second factor
        crawls = [
            ("anonymous", [*public, "/editors/login/"], lambda n: n in PUBLIC or n == LOGIN),
            ("editor", editors, lambda n: n.startswith("editors:") and n not in (LOGIN, ENROL)),
            ("newcomer", ["/editors/enrol/"], lambda n: n == ENROL),
        ]
        for role, start, keep in crawls:
            with httpx.Client(
                base_url=base, cookies=sessions[role], follow_redirects=True, timeout=120
            ) as client:
                part = crawl(client, [s for s in start if keep(pattern_of(s) or "")], keep)
            for name, paths in part.pages.items():
                found.pages.setdefault(name, paths)
                role_of.setdefault(name, role)
            for name, what in part.other.items():
                found.other.setdefault(name, what)
        for name, paths in STATES.items():  # every state, not only the first one crawled
            found.pages[name] = list(paths)
        yield Site(base, sessions, role_of, found)


# -- the browser ---------------------------------------------------------------------------

READY_JS = """
if (document.readyState !== 'complete') return false;
const map = document.getElementById('map');
if (map && map.hasAttribute('data-state') && map.getAttribute('data-state') !== 'ready')
  return false;
if (document.getElementById('swagger-ui')
    && !document.querySelector('#swagger-ui .information-container')) return false;
if (document.querySelector('[aria-busy="true"]')) return false;
if (document.fonts && document.fonts.status !== 'loaded') return false;
return Array.from(document.images)
  .filter(i => i.loading !== 'lazy')
  .every(i => i.complete && (i.naturalWidth > 0 || !i.currentSrc));
"""


def open_page(driver: Chrome, site: Site, role: str, path: str) -> None:
    """Open ``path`` as ``role`` (its session cookies) and wait for its data."""
    driver.get(site.base + "/static/web/icon.svg")  # the origin, to set its cookies
    driver.delete_all_cookies()
    for name, value in site.sessions[role].items():
        driver.add_cookie(
            {"name": name, "value": value, "path": "/", "httpOnly": True, "sameSite": "Strict"}
        )
    driver.get(site.base + path)
    try:
        WebDriverWait(driver, WAIT, poll_frequency=0.05).until(lambda d: d.execute_script(READY_JS))
    except Exception as exc:
        raise AssertionError(f"{path}: not ready after {WAIT} s") from exc
    time.sleep(0.2)  # the last frame of a transition (the map's fit to bounds)


@pytest.fixture
def page_browser(browser: Chrome) -> Iterator[Chrome]:
    """The session's Chromium; its cookies for 127.0.0.1 (any port) are left empty."""
    browser.set_script_timeout(120)
    yield browser
    browser.delete_all_cookies()


def addresses(site: Site, name: str) -> tuple[str, list[str]]:
    """(role, addresses) a pattern is checked at; skips a pattern that answers GET
    with something other than a page, fails one that no link reaches."""
    if name in site.found.pages:
        return site.role_of.get(name, "anonymous"), site.found.pages[name]
    if name in site.found.other:
        pytest.skip(f"{name} answers GET with {site.found.other[name]}, not a page")
    raise AssertionError(f"no link of the site leads to {name}: add a link or a STATES entry")


# -- axe-core ------------------------------------------------------------------------------

AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, arguments[0]).then(r => done(r.violations), e => done({error: String(e)}));
"""


def run_axe(driver: Chrome) -> list[dict[str, Any]]:
    driver.execute_script(AXE_SCRIPT)
    result = driver.execute_async_script(RUN_AXE, AXE_OPTIONS)
    assert isinstance(result, list), f"axe-core did not run: {result}"
    return result


def describe(path: str, viewport: str, violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{path} [{viewport}] {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:8]:
            target = " >>> ".join(map(str, node["target"]))
            lines.append(f"    {target}")
        if len(v["nodes"]) > 8:
            lines.append(f"    … and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


def log_violations(path: str, viewport: str, violations: list[dict[str, Any]]) -> None:
    """Append every violation to ``$VIGIL_AXE_LOG`` (JSON lines), when it is set."""
    log = os.environ.get("VIGIL_AXE_LOG")
    if not log:
        return
    with open(log, "a", encoding="utf-8") as f:
        for v in violations:
            record = {
                "page": path,
                "viewport": viewport,
                "rule": v["id"],
                "impact": v["impact"],
                "targets": [" >>> ".join(map(str, n["target"])) for n in v["nodes"]],
            }
            f.write(json.dumps(record, ensure_ascii=False) + "\n")


def check_axe(driver: Chrome, path: str, viewport: str) -> list[str]:
    violations = run_axe(driver)
    log_violations(path, viewport, violations)
    lesser = [v for v in violations if v["impact"] not in FAIL_IMPACTS]
    if lesser:
        print("not failed (moderate or minor):\n" + describe(path, viewport, lesser))
    bad = [v for v in violations if v["impact"] in FAIL_IMPACTS]
    return [describe(path, viewport, bad)] if bad else []


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("name", PAGES)
def test_no_serious_violation(page_browser: Chrome, site: Site, name: str, viewport: str) -> None:
    """axe-core finds no serious or critical violation on the page; on the phone, the
    page fits it too (:func:`phone_problems`, on the same load)."""
    role, paths = addresses(site, name)
    width, height, mobile = VIEWPORTS[viewport]
    set_viewport(page_browser, width, height, mobile=mobile)
    failures, misfits = [], []
    for path in paths:
        open_page(page_browser, site, role, path)
        failures += check_axe(page_browser, path, viewport)
        if viewport == "phone":
            misfits += phone_problems(page_browser, path)
    assert not failures, "axe-core: serious or critical violations\n" + "\n".join(failures)
    assert not misfits, "does not fit a phone:\n" + "\n".join(misfits)


# -- the keyboard --------------------------------------------------------------------------

FOCUSED_JS = """
const el = document.activeElement;
if (!el || el === document.body) return null;
const r = el.getBoundingClientRect(), s = getComputedStyle(el);
const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
return {
  tag: el.tagName.toLowerCase(), id: el.id, cls: el.className && String(el.className),
  text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40),
  skip: el.classList.contains('skip-link'),
  inMain: !!el.closest('main'), isMain: el.tagName === 'MAIN',
  left: r.left, top: r.top, right: r.right, bottom: r.bottom,
  onTop: !!hit && (hit === el || el.contains(hit)),
  outlineStyle: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth) || 0,
};
"""
#: The first control of the main content, worked out from the document (not by
#: tabbing): DOM order, focusable by the keyboard, rendered, not disabled, not inside a
#: closed <details> (its summary excepted).
FIRST_CONTROL_JS = """
const main = document.querySelector('main');
const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary,'
  + ' iframe, [contenteditable=""], [contenteditable=true], [tabindex]';
for (const el of main.querySelectorAll(sel)) {
  if (el.disabled || el.getAttribute('tabindex') === '-1' || el.tabIndex < 0) continue;
  if (el.getClientRects().length === 0 || getComputedStyle(el).visibility === 'hidden')
    continue;
  const closed = el.closest('details:not([open])');
  if (closed && !(el.tagName === 'SUMMARY' && el.parentElement === closed)) continue;
  const text = el.innerText || el.value || el.getAttribute('aria-label') || '';
  return {tag: el.tagName.toLowerCase(), id: el.id, text: text.trim().slice(0, 40)};
}
return null;
"""
CONTROLS = {"a", "button", "input", "select", "textarea", "summary"}
TAB_STOPS = 40  # Tab presses per page in the outline walk


def press(driver: Chrome, *keys: str) -> None:
    chain = ActionChains(driver)
    for key in keys:
        chain.send_keys(key)
    chain.perform()


def focused(driver: Chrome) -> dict[str, Any] | None:
    return driver.execute_script(FOCUSED_JS)


def label(el: dict[str, Any] | None) -> str:
    if el is None:
        return "nothing"
    return f"<{el['tag']}{'#' + el['id'] if el['id'] else ''}> {el['text']!r}"


@pytest.mark.parametrize("name", PAGES)
def test_keyboard(page_browser: Chrome, site: Site, name: str) -> None:
    """Tab reaches the skip link (visible), the skip link the main content's first
    control; every link, button and field the keyboard reaches shows its focus."""
    role, paths = addresses(site, name)
    driver = page_browser
    problems = []
    for path in paths:
        open_page(driver, site, role, path)
        start = focused(driver)
        if start is not None:  # a field with autofocus (sign-in): the keyboard starts there
            if not start["inMain"]:
                problems.append(f"{path}: autofocus on {label(start)}, outside the content")
        else:
            problems += skip_to_content(driver, path)
        # the outline walk, from the top of the page
        open_page(driver, site, role, path)
        seen = []
        for _ in range(TAB_STOPS):
            press(driver, Keys.TAB)
            el = focused(driver)
            if el is None:
                break
            seen.append(el)
            if el["tag"] in CONTROLS and (el["outlineStyle"] == "none" or el["outlineWidth"] <= 0):
                problems.append(f"{path}: no focus outline on {label(el)}")
        if not seen:
            problems.append(f"{path}: Tab focuses nothing")
    assert not problems, "\n".join(problems)


def skip_to_content(driver: Chrome, path: str) -> list[str]:
    """From a page just loaded: Tab, the skip link (visible), Enter, Tab: the main
    content's first control. The problems found."""
    problems = []
    press(driver, Keys.TAB)
    skip = focused(driver)
    if not (skip and skip["skip"]):
        return [f"{path}: the first Tab reaches {label(skip)}, not the skip link"]
    width, height = driver.execute_script("return [innerWidth, innerHeight]")
    inside = skip["left"] >= 0 and skip["top"] >= 0 and skip["right"] <= width
    if not (inside and skip["bottom"] <= height and skip["onTop"]):
        problems.append(f"{path}: the focused skip link is not visible: {skip}")
    if skip["outlineStyle"] == "none" or skip["outlineWidth"] <= 0:
        problems.append(f"{path}: the focused skip link has no outline")
    first = driver.execute_script(FIRST_CONTROL_JS)
    press(driver, Keys.ENTER, Keys.TAB)
    after = focused(driver)
    if first is None:
        problems.append(f"{path}: no control in the main content")
    elif after is None or not after["inMain"] or after["isMain"]:
        problems.append(f"{path}: skip link, Tab: {label(after)}, not in the main content")
    elif [after[k] for k in ("tag", "id", "text")] != [first[k] for k in ("tag", "id", "text")]:
        problems.append(f"{path}: skip link, Tab: {label(after)}, not {label(first)}")
    return problems


# -- the phone -----------------------------------------------------------------------------

PHONE_JS = """
const out = {scrollWidth: document.scrollingElement.scrollWidth, innerWidth: innerWidth,
             tables: [], nav: []};
for (const t of document.querySelectorAll('main table')) {
  if (t.getClientRects().length === 0) continue;
  const box = t.closest('.table-scroll');
  const r = (box || t).getBoundingClientRect();
  out.tables.push({caption: (t.caption ? t.caption.innerText : t.className).slice(0, 50),
                   wrapped: !!box, right: r.right});
}
const header = document.querySelector('.site-header');
if (header) {
  const r = header.getBoundingClientRect();
  out.header = {right: r.right, height: r.height};
  for (const a of header.querySelectorAll('a')) {
    const ar = a.getBoundingClientRect();
    out.nav.push({text: a.innerText.trim(), left: ar.left, right: ar.right});
  }
}
return out;
"""


def phone_problems(driver: Chrome, path: str) -> list[str]:
    """At 390 px: no sideways scrolling, tables scroll inside their box, the header fits
    (checked on the page as axe-core's phone pass left it: one load for both)."""
    width, height, _ = VIEWPORTS["phone"]
    problems = []
    m = driver.execute_script(PHONE_JS)
    if m["scrollWidth"] > width or m["innerWidth"] > width:
        problems.append(
            f"{path}: scrolls sideways (scrollWidth {m['scrollWidth']}, "
            f"innerWidth {m['innerWidth']}, screen {width})"
        )
    for t in m["tables"]:
        if not t["wrapped"]:
            problems.append(f"{path}: table {t['caption']!r} is not in a .table-scroll box")
        elif t["right"] > width + 0.5:
            problems.append(f"{path}: the box of table {t['caption']!r} ends at {t['right']}")
    header = m.get("header")
    if header is None:
        problems.append(f"{path}: no .site-header")
    else:
        off = [a["text"] for a in m["nav"] if a["left"] < 0 or a["right"] > width + 0.5]
        if off or header["right"] > width + 0.5:
            problems.append(f"{path}: header links off screen: {off}")
        if header["height"] > height / 4:
            problems.append(f"{path}: the header takes {header['height']:.0f} px of {height}")
    return problems


def test_every_page_is_reached(site: Site) -> None:
    """Every pattern that may be a page was either checked or answers something else."""
    missing = [n for n in PAGES if n not in site.found.pages and n not in site.found.other]
    assert not missing, f"no link of the site leads to {missing}: add a link or STATES"
    # and the crawl did find pages with parameters (a person, a case), not only seeds
    assert {"cases-person", "cases-case", "editors:person"} <= set(site.found.pages)


# -- the page shown without a store ---------------------------------------------------------


def test_unavailable_page(page_browser: Chrome) -> None:
    """With no store to read, the map says so on a page that passes axe too."""
    from vigil.territory import open_store

    with tempfile.TemporaryDirectory(prefix="vigil-a11y-") as tmp:
        with open_store(Path(tmp) / "empty.sqlite", create=True):
            pass  # a store with nothing in it
        with live_server(Path(tmp) / "empty.sqlite") as base:
            response = httpx.get(base + "/", timeout=60)
            assert response.status_code == 503, response.status_code
            failures = []
            for viewport, (width, height, mobile) in VIEWPORTS.items():
                set_viewport(page_browser, width, height, mobile=mobile)
                page_browser.get(base + "/")
                WebDriverWait(page_browser, WAIT).until(lambda d: d.execute_script(READY_JS))
                assert "No figures to show yet" in page_browser.page_source
                failures += check_axe(page_browser, "/ (no store)", viewport)
    assert not failures, "axe-core: serious or critical violations\n" + "\n".join(failures)
