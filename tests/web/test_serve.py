"""`vigil serve` as a user runs it: a real server process answering on 127.0.0.1."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.cli_runner import vigil
from vigil.territory import open_store
from vigil.testing import rectangle, write_daily_archive


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_and_stops(tmp_path):
    archive = write_daily_archive(tmp_path / "d.tar.xz", {"2025-03-03": rectangle(37, 47, 38, 48)})
    store = tmp_path / "t.sqlite"
    open_store(store, create=True).ingest([archive], jobs=1)
    port = _free_port()
    env = dict(os.environ, VIGIL_HOME=str(tmp_path / "home"))
    env.pop("VIGIL_SECRET_KEY", None)  # the test settings' key: serve must make its own
    proc = subprocess.Popen(
        [sys.executable, "-m", "vigil.cli", "serve", "--port", str(port), "--store", str(store)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/api/territory/area?date=2025-03-03"
        for _ in range(100):
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    data = json.loads(response.read())
                    headers = response.headers
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail(f"vigil serve did not answer: {proc.stderr.read() if proc.poll() else ''}")
        assert data["snapshot_date"] == "2025-03-03" and data["controlled_km2"] > 8000
        assert (
            headers["Server"] == "vigil"
            and "script-src 'self'" in headers["Content-Security-Policy"]
        )
        key = tmp_path / "home" / "secret_key"  # made on first serve, private
        assert key.exists() and (key.stat().st_mode & 0o777) == 0o600
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--port", "70000"), "--port: expected 1–65535"),
        (("--store", "/nonexistent/t.sqlite"), "no territory store"),
    ],
)
def test_serve_bad_input_is_one_line(capsys, args, message):
    run = vigil(capsys, "serve", *args)
    assert run.code == 1 and message in run.err and "Traceback" not in run.err
