"""Fixtures for the web site run as a user runs it: a small territory store, ``vigil
serve`` in a child process on 127.0.0.1, and headless Chromium (Debian's ``chromium`` and
``chromium-driver`` packages) driven by Selenium.

The plain functions here (:func:`build_store`, :func:`live_server`, :func:`chromium`)
are also used by ``scripts/screenshots.py`` and ``benchmarks/web.py``.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import types
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from selenium.webdriver import Chrome
    from selenium.webdriver.remote.webelement import WebElement

REPO = Path(__file__).resolve().parents[2]
DEMO_ARCHIVE = REPO / "data" / "demo" / "deepstate-daily-2024-07-08_2026-08-22.tar.xz"
HOST = "127.0.0.1"

# Headless Chromium that never talks to anything but the page's own server: no
# component updates, no safe-browsing or metrics pings, no first-run pages.
CHROMIUM_ARGS = (
    "--headless=new",
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--lang=en-US",
    "--window-size=1280,800",
)


# -- the store ---------------------------------------------------------------------------
_OWN_ADDRESS = re.compile(r'^.*(?:hreflang="|rel="canonical").*\n', re.M)


def page_body(content: bytes | str) -> str:
    """A page less the lines that repeat its own address (its canonical link, the
    hreflang alternates, the language switcher): what two answers to different
    addresses must share to be "the same page"."""
    text = content.decode("utf-8") if isinstance(content, bytes) else content
    return _OWN_ADDRESS.sub("", text)


DEMO_REGISTRY = REPO / "data" / "cases-demo"


def vigil_command(*args: str, env: dict[str, str], stdin: str | None = None) -> str:
    """``vigil ARGS`` as a separate process (the console script of this venv); its
    output, after checking it succeeded."""
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


def demo_registry_env(folder: Path) -> dict[str, str]:
    """The environment of a site over a cases database in ``folder`` holding the demo
    registry, imported with the CLI as a user would (the CSV list, then the JSON)."""
    env = {
        **os.environ,
        "VIGIL_HOME": str(folder / "home"),
        "DATABASE_URL": f"sqlite:///{folder / 'cases.sqlite'}",
        "VIGIL_HTTPS": "0",  # plain http on 127.0.0.1
        "DJANGO_SETTINGS_MODULE": "vigil.web.settings",  # not the test suite's
    }
    env.pop("VIGIL_SECRET_KEY", None)
    mapping = str(DEMO_REGISTRY / "prisoners.mapping.toml")
    vigil_command(
        "cases", "import", "-q", str(DEMO_REGISTRY / "prisoners.csv"), "-m", mapping, env=env
    )
    vigil_command("cases", "import", "-q", str(DEMO_REGISTRY / "registry.json"), env=env)
    return env


def server_env_of(env: dict[str, str]) -> dict[str, str]:
    """What `vigil serve` needs of a registry's environment."""
    return {k: env[k] for k in ("VIGIL_HOME", "DATABASE_URL", "VIGIL_HTTPS")}


def build_store(path: Path) -> Path:
    """A territory store at ``path``: the bundled daily DeepState archive (~8 s to
    ingest) and the shipped boundaries and settlements."""
    from vigil.territory import open_store

    with open_store(path, create=True) as t:
        t.ingest([DEMO_ARCHIVE])
        t.import_geography(None, "")
    return path


def store_dates(path: Path) -> list[str]:
    """The store's controlled-area snapshot dates, ISO, ascending."""
    from vigil.territory import open_store

    with open_store(path) as t:
        return [d.isoformat() for d in t.dates()]


# -- the settings a server reads -----------------------------------------------------------
def server_env(tmp_path: Path, **env: str) -> dict[str, str]:
    """The environment of a server: ``env``, a home and a key, and nothing else of
    Vigil's or Django's from the test run."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("VIGIL_", "DJANGO_")) and k != "DATABASE_URL"
    }
    return {**base, "VIGIL_HOME": str(tmp_path), "VIGIL_SECRET_KEY": "x" * 50, **env}


def fresh_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> types.ModuleType:
    """``vigil.web.settings`` executed afresh in :func:`server_env`: a new module object,
    not the one this process's Django uses. Settings are read from the environment at
    import, so this is what a new interpreter would read, without paying for one."""
    wanted = server_env(tmp_path, **env)
    for name in set(os.environ) - set(wanted):
        monkeypatch.delenv(name)
    for name, value in wanted.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.find_spec("vigil.web.settings")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- the server --------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _vigil() -> Path:
    return Path(sys.executable).with_name("vigil")


@functools.cache
def has_serve() -> bool:
    """Whether this checkout's CLI has ``vigil serve`` and its console script is
    installed (asked of the CLI in this process, not of a cold ``vigil serve --help``)."""
    from vigil.cli import app

    commands = {c.name or getattr(c.callback, "__name__", "") for c in app.registered_commands}
    return _vigil().exists() and "serve" in commands


def serve_command(store: Path, port: int) -> list[str]:
    """``vigil serve`` as a user runs it; while that command does not exist yet, the
    same WSGI application under waitress (what ``vigil serve`` runs)."""
    if has_serve():
        return [str(_vigil()), "serve", "--host", HOST, "--port", str(port), "--store", str(store)]
    return [
        sys.executable,
        *("-m", "waitress", f"--listen={HOST}:{port}", "--threads=8"),
        "vigil.web.wsgi:application",
    ]


@contextmanager
def live_server(
    store: Path, *, env: dict[str, str] | None = None, timeout: float = 60.0
) -> Iterator[str]:
    """Run the site on a free port of 127.0.0.1 over ``store``; yields its base URL
    (no trailing slash). The server's output goes to a log file shown on failure."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="vigil-serve-") as tmp:
        child_env = {
            **os.environ,
            "VIGIL_HOME": tmp,  # never the user's data directory
            "VIGIL_STORE": str(store),
            "VIGIL_SECRET_KEY": secrets.token_urlsafe(32),
            "DJANGO_SETTINGS_MODULE": "vigil.web.settings",
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        child_env.pop("VIGIL_DEBUG", None)
        log_path = Path(tmp) / "server.log"
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                serve_command(store, port),
                env=child_env,
                cwd=tmp,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        base = f"http://{HOST}:{port}"
        try:
            _wait_until_up(proc, base, timeout, log_path)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_until_up(proc: subprocess.Popen, base: str, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"the server exited ({proc.returncode}): {' '.join(map(str, proc.args))}\n"
                + log.read_text(errors="replace")
            )
        try:
            with urllib.request.urlopen(f"{base}/api/territory/snapshots", timeout=5):
                return
        except urllib.error.HTTPError:
            return  # it answers (the API may not be mounted yet: the page tests will say)
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(
        f"the server did not answer on {base} within {timeout:g} s\n" + log.read_text()
    )


# -- the browser -------------------------------------------------------------------------
def chromium_paths() -> tuple[str, str] | None:
    """(browser, driver) from ``CHROME_BIN``/``CHROMEDRIVER`` or PATH, or None."""
    browser = os.environ.get("CHROME_BIN") or next(
        filter(None, map(shutil.which, ("chromium", "chromium-browser"))), None
    )
    driver = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


def chromium(width: int = 1280, height: int = 800) -> Chrome:
    """A headless Chromium with browser-console and DevTools network logging on."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    paths = chromium_paths()
    if paths is None:
        raise RuntimeError("chromium and chromedriver are needed: apt-get install chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = paths[0]  # with the driver path: no Selenium Manager download
    for arg in CHROMIUM_ARGS:
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(paths[1]))
    set_viewport(driver, width, height)
    return driver


def set_viewport(driver: Chrome, width: int, height: int, *, mobile: bool = False) -> None:
    """Make the page's viewport exactly ``width`` × ``height`` CSS pixels (screenshots
    come out that size); ``mobile`` also honours the page's ``<meta name=viewport>``."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
    )


# -- what the page did -------------------------------------------------------------------
WAIT = 30  # seconds; a cold change or series request can take a second on a busy machine


def wait_for(driver: Chrome, css: str) -> WebElement:
    """The first element matching ``css``, waiting for it up to ``WAIT`` seconds."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, WAIT).until(lambda d: d.find_element(By.CSS_SELECTOR, css))
    except TimeoutException:
        raise AssertionError(f"{driver.current_url}: no {css!r} after {WAIT} s") from None


def wait_drawn(driver: Chrome, **expected: str) -> WebElement:
    """The map once it is ready with ``data-drawn-<name>`` equal to each expected value
    (``drawn_date="2025-03-03"``, ``drawn_from=…``)."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    attrs = {"data-" + k.replace("_", "-"): v for k, v in expected.items()}

    def drawn(d: Chrome) -> WebElement | bool:
        m = d.find_element(By.ID, "map")
        ok = m.get_attribute("data-state") == "ready"
        return m if ok and all(m.get_attribute(a) == v for a, v in attrs.items()) else False

    try:
        return WebDriverWait(driver, WAIT).until(drawn)
    except TimeoutException:
        m = driver.find_element(By.ID, "map")
        seen = {a: m.get_attribute(a) for a in ["data-state", *attrs]}
        raise AssertionError(f"map not drawn as {attrs} after {WAIT} s; it shows {seen}") from None


def wait_images(driver: Chrome, css: str) -> None:
    """Wait until every image matching ``css`` has loaded (and decoded to a picture)."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    script = (
        "const imgs = Array.from(document.querySelectorAll(arguments[0]));"
        "return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0);"
    )
    try:
        WebDriverWait(driver, WAIT).until(lambda d: d.execute_script(script, css))
    except TimeoutException:
        raise AssertionError(f"{driver.current_url}: {css!r} not loaded after {WAIT} s") from None


def console_errors(driver: Chrome) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def requested_urls(driver: Chrome) -> list[str]:
    """Every URL the page asked for (DevTools ``Network.requestWillBeSent``)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def external(urls: list[str], base: str) -> list[str]:
    """URLs that leave the site's own server (data: and blob: URLs stay in the page)."""
    origin = urlsplit(base).netloc
    return [
        u
        for u in urls
        if urlsplit(u).scheme not in ("data", "blob", "about") and urlsplit(u).netloc != origin
    ]


# -- fixtures ----------------------------------------------------------------------------
@pytest.fixture(scope="session")
def web_store(daily_geo_store: Path) -> Path:
    """A territory store with the demo archive and the shipped geography: the one
    :func:`build_store` makes, built once per run (``daily_geo_store``, tests/conftest.py).
    Read only."""
    return daily_geo_store


@pytest.fixture(scope="session")
def web_dates(web_store: Path) -> list[str]:
    """The store's snapshot dates (ISO, ascending)."""
    return store_dates(web_store)


@pytest.fixture(scope="session")
def live_url(web_store: Path) -> Iterator[str]:
    """Base URL of ``vigil serve --store <web_store>`` on a free port of 127.0.0.1."""
    with live_server(web_store) as url:
        yield url


@pytest.fixture(scope="session")
def _chromium_session() -> Iterator[Any]:
    pytest.importorskip("selenium", reason="Selenium is not installed (pip install selenium)")
    if chromium_paths() is None:
        pytest.skip(
            "headless Chromium not found: needs `chromium` and `chromedriver` on PATH "
            "(apt-get install chromium chromium-driver; .ci/run does this)"
        )
    driver = chromium()
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def browser(_chromium_session: Chrome) -> Chrome:
    """The session's Chromium with a 1280 × 800 viewport and empty logs."""
    driver = _chromium_session
    set_viewport(driver, 1280, 800)
    driver.get("about:blank")
    driver.get_log("browser")  # reading a log empties it
    driver.get_log("performance")
    return driver
