"""Screenshots of the web site for the README: docs/screenshots/*.png.

    .venv/bin/python scripts/screenshots.py [--store STORE] [--out docs/screenshots]

Runs ``vigil serve`` on a free port of 127.0.0.1 over ``--store`` (default: a store
built in a temporary directory from the bundled daily archive and the shipped geography,
~20 s) and a registry imported from data/cases-demo (``--database``: a SQLite file of
the registry instead), and photographs each page in headless Chromium (Debian's
``chromium`` and ``chromium-driver``) once it has drawn: 1280 × 800, and some at
390 × 844 (a phone).
Console errors and requests beyond 127.0.0.1 are reported (exit status 1).
"""

from __future__ import annotations

import argparse
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402
from tests.web.conftest import (  # noqa: E402
    build_store,
    chromium,
    console_errors,
    external,
    live_server,
    requested_urls,
    set_viewport,
    wait_for,
    wait_images,
)

DESKTOP, PHONE = (1280, 800), (390, 844)
MAP = "#map[data-state='ready']"
# (file, page, what shows it has rendered, images to wait for, viewport)
CHANGE = "/?from=2026-05-01&to=2026-06-01"  # a month of gains and losses; fits to them
SHOTS = [
    ("map.png", "/?zoom=8&lat=48.4&lon=37.4", MAP, None, DESKTOP),
    ("change.png", CHANGE, MAP + "[data-drawn-from]", None, DESKTOP),
    ("figures.png", "/figures/?month=2026-07", "#chart-weekly", "#chart-weekly img", DESKTOP),
    ("prisoners.png", "/prisoners/", "main table", None, DESKTOP),
    ("release-diff.png", "/prisoners/lists/VRW/diff/", "main table", None, DESKTOP),
    ("api-docs.png", "/api/docs", "#swagger-ui .information-container", None, DESKTOP),
    ("map-phone.png", CHANGE, MAP + "[data-drawn-from]", None, PHONE),
    ("figures-phone.png", "/figures/", "#chart-weekly", None, PHONE),  # charts: lazy, below
]
DEMO = REPO / "data" / "cases-demo"


def demo_registry(folder: Path) -> Path:
    """The demo registry imported as ``make demo`` does, into ``folder``."""
    database = folder / "cases.sqlite"
    vigil = Path(sys.executable).with_name("vigil")
    for args in (
        ["import", "-q", str(DEMO / "prisoners.csv"), "-m", str(DEMO / "prisoners.mapping.toml")],
        ["import", "-q", str(DEMO / "registry.json")],
    ):
        subprocess.run([vigil, "cases", "--database", database, *args], check=True)
    return database


def png_size(path: Path) -> tuple[int, int]:
    width, height = struct.unpack(">II", path.read_bytes()[16:24])  # the IHDR chunk
    return width, height


def shoot(base: str, out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    problems = 0
    driver = chromium(*DESKTOP)
    try:
        for name, page, ready, images, (width, height) in SHOTS:
            set_viewport(driver, width, height, mobile=(width, height) == PHONE)
            driver.get("about:blank")
            driver.get_log("browser"), driver.get_log("performance")
            driver.get(base + page)
            wait_for(driver, ready)
            if images:
                wait_images(driver, images)
            WebDriverWait(driver, 30).until(
                lambda d: d.execute_script("return document.readyState") == "complete"
            )
            time.sleep(0.6)  # let fades and transitions finish
            path = out / name
            driver.save_screenshot(str(path))
            errors = console_errors(driver)
            away = external(requested_urls(driver), base)
            size = "×".join(map(str, png_size(path)))
            print(f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}: {size}")
            for message in errors:
                print(f"  console error: {message}")
            for url in away:
                print(f"  external request: {url}")
            problems += len(errors) + len(away)
    finally:
        driver.quit()
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="store to serve (default: build one)")
    parser.add_argument("--database", type=Path, help="registry to serve (default: the demo's)")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vigil-screenshots-") as tmp:
        store = args.store
        if store is None:
            print("building a store from the bundled daily archive …")
            store = build_store(Path(tmp) / "territory.sqlite")
        database = args.database or demo_registry(Path(tmp))
        env = {"DATABASE_URL": f"sqlite:///{database.resolve()}", "VIGIL_HTTPS": "0"}
        with live_server(store, env=env) as base:
            problems = shoot(base, args.out)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
