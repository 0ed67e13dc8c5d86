"""fetch_daily against a local HTTP server that serves tiny daily files and can misbehave.

The server runs on 127.0.0.1 (port 0) in a thread; nothing here touches the internet.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from vigil.errors import FetchError, VigilError
from vigil.territory.sources import fetch
from vigil.territory.sources.fetch import (
    DEFAULT_URL_TEMPLATE,
    MAX_RETRY_AFTER,
    META_NAME,
    FetchResult,
    fetch_daily,
    file_name,
)

D1, D2, D3 = dt.date(2024, 8, 17), dt.date(2024, 8, 18), dt.date(2024, 8, 19)
FAST = {"retries": 3, "backoff": 0.01, "timeout": 5}


def daily_geojson(day: dt.date) -> bytes:
    """A tiny DeepState-like daily file: one MultiPolygon (a square that moves with the day)."""
    x = 37.0 + day.toordinal() % 100 / 1000
    square = [[x, 48.0], [x + 0.1, 48.0], [x + 0.1, 48.1], [x, 48.1], [x, 48.0]]
    feature = {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "MultiPolygon", "coordinates": [[square]]},
    }
    doc = {"type": "FeatureCollection", "features": [feature]}
    return json.dumps(doc).encode()


def url_path(day: dt.date) -> str:
    return f"/data/{file_name(day)}"


@dataclass
class Upstream:
    """The state behind the test server: files to serve, misbehaviour to come, requests seen.

    ``plans[path]`` is a queue of actions used before the file is served normally: an int
    (that HTTP status), a ``(status, headers)`` pair, or ``"truncate"`` (promise more bytes
    than are sent, then close the connection) or a float (wait that many seconds, then
    answer normally).
    """

    port: int = 0
    files: dict[str, bytes] = field(default_factory=dict)
    plans: dict[str, list] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    send_etag: bool = True
    last_modified: str | None = None
    cache_control: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def template(self) -> str:
        return f"http://127.0.0.1:{self.port}/data/deepstatemap_data_{{date:%Y%m%d}}.geojson"

    def serve(self, *days: dt.date) -> None:
        for day in days:
            self.files[url_path(day)] = daily_geojson(day)

    def hits(self, path: str) -> list[dict[str, str]]:
        return [headers for p, headers in self.requests if p == path]


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:16] + '"'


class Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer

    def log_message(self, format: str, *args: object) -> None:  # keep pytest output clean
        pass

    def do_GET(self) -> None:
        up: Upstream = self.server.upstream  # type: ignore[attr-defined]
        with up.lock:
            up.requests.append((self.path, dict(self.headers.items())))
            plan = up.plans.get(self.path)
            action = plan.pop(0) if plan else None
            body = up.files.get(self.path)
        if isinstance(action, float):  # answer normally, but only after that many seconds
            time.sleep(action)
            action = None
        if action == "truncate":
            self.send_response(200)
            self.send_header("Content-Length", str(len(body) + 500))
            self.end_headers()
            self.wfile.write(body[:20])
            self.close_connection = True
            return
        if action is not None:
            status, headers = action if isinstance(action, tuple) else (action, {})
            self.reply(status, b"upstream trouble", headers)
            return
        if body is None:
            self.reply(404, b"404: Not Found")
            return
        headers = {}
        if up.send_etag:
            headers["ETag"] = etag_of(body)
        if up.last_modified:
            headers["Last-Modified"] = up.last_modified
        if up.cache_control:
            headers["Cache-Control"] = up.cache_control
        not_modified = (up.send_etag and self.headers.get("If-None-Match") == headers["ETag"]) or (
            up.last_modified and self.headers.get("If-Modified-Since") == up.last_modified
        )
        if not_modified:
            self.reply(304, b"", headers)
        else:
            self.reply(200, body, headers)

    def reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            self.wfile.write(body)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # A client that timed out has hung up before a slow answer: expected, not noise.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = Server(("127.0.0.1", 0), Handler)
    state = Upstream(port=server.server_address[1])
    server.upstream = state  # type: ignore[attr-defined]
    # a short poll interval keeps shutdown (and so each test) quick
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the back-off waits instead of sleeping."""
    waits: list[float] = []
    monkeypatch.setattr(fetch, "_sleep", waits.append)
    return waits


def run(upstream: Upstream, cache: Path, start=D1, end=D1, **kwargs) -> FetchResult:
    options = {**FAST, "url_template": upstream.template, "cache": cache, **kwargs}
    return fetch_daily(start, end, **options)


def cache_listing(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.iterdir()) if cache.exists() else []


# --- the upstream layout ------------------------------------------------------------------


def test_default_template_points_at_the_upstream_daily_files():
    assert DEFAULT_URL_TEMPLATE.format(date=dt.date(2024, 7, 8)) == (
        "https://raw.githubusercontent.com/cyterat/deepstate-map-data/main/"
        "data/deepstatemap_data_20240708.geojson"
    )


def test_default_cache_is_under_the_configured_cache_dir(
    upstream: Upstream, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("VIGIL_CACHE", str(tmp_path / "elsewhere"))
    upstream.serve(D1)
    result = fetch_daily(D1, D1, url_template=upstream.template, **FAST)
    assert result.cache == tmp_path / "elsewhere" / "deepstate-daily"
    assert result.downloaded == (result.cache / "deepstatemap_data_20240817.geojson",)


# --- downloading and revalidating -------------------------------------------------------


def test_first_fetch_stores_files_and_their_etags(upstream: Upstream, cache: Path):
    upstream.serve(D1, D2, D3)
    progress: list[tuple[dt.date, str]] = []
    result = run(upstream, cache, D1, D3, on_progress=lambda d, s: progress.append((d, s)))

    paths = tuple(cache / file_name(d) for d in (D1, D2, D3))
    assert result.downloaded == paths
    assert result.unchanged == () and result.missing == ()
    assert result.files == paths
    for day, path in zip((D1, D2, D3), paths, strict=True):
        assert path.read_bytes() == daily_geojson(day)
    assert progress == [(D1, "downloaded"), (D2, "downloaded"), (D3, "downloaded")]
    meta = json.loads((cache / META_NAME).read_text())["files"]
    assert meta[file_name(D2)]["etag"] == etag_of(daily_geojson(D2))
    assert meta[file_name(D2)]["url"] == upstream.template.format(date=D2)
    # the plain request carried no validator
    assert "If-None-Match" not in upstream.hits(url_path(D1))[0]


def test_second_fetch_sends_if_none_match_and_keeps_the_file_on_304(
    upstream: Upstream, cache: Path
):
    upstream.serve(D1, D2)
    run(upstream, cache, D1, D2)
    path = cache / file_name(D1)
    before = path.stat().st_mtime_ns
    progress: list[tuple[dt.date, str]] = []

    result = run(upstream, cache, D1, D2, on_progress=lambda d, s: progress.append((d, s)))

    second = upstream.hits(url_path(D1))[1]
    assert second["If-None-Match"] == etag_of(daily_geojson(D1))
    assert result.downloaded == ()
    assert result.unchanged == (path, cache / file_name(D2))
    assert path.read_bytes() == daily_geojson(D1)
    assert path.stat().st_mtime_ns == before  # not rewritten
    assert progress == [(D1, "unchanged"), (D2, "unchanged")]


def test_last_modified_is_sent_back_as_if_modified_since(upstream: Upstream, cache: Path):
    upstream.send_etag = False
    upstream.last_modified = "Sat, 17 Aug 2024 03:04:05 GMT"
    upstream.serve(D1)
    run(upstream, cache)
    result = run(upstream, cache)
    second = upstream.hits(url_path(D1))[1]
    assert second["If-Modified-Since"] == "Sat, 17 Aug 2024 03:04:05 GMT"
    assert "If-None-Match" not in second
    assert result.unchanged == (cache / file_name(D1),)


def test_a_changed_upstream_file_replaces_the_cached_one(upstream: Upstream, cache: Path):
    upstream.serve(D1)
    run(upstream, cache)
    upstream.files[url_path(D1)] = daily_geojson(D2)  # upstream re-ran the day
    result = run(upstream, cache)
    assert result.downloaded == (cache / file_name(D1),)
    assert (cache / file_name(D1)).read_bytes() == daily_geojson(D2)


def test_a_cached_file_edited_by_hand_is_downloaded_again(upstream: Upstream, cache: Path):
    upstream.serve(D1)
    run(upstream, cache)
    (cache / file_name(D1)).write_bytes(b"edited")
    result = run(upstream, cache)
    assert "If-None-Match" not in upstream.hits(url_path(D1))[1]  # validators no longer apply
    assert result.downloaded == (cache / file_name(D1),)
    assert (cache / file_name(D1)).read_bytes() == daily_geojson(D1)


def test_a_cached_file_without_metadata_and_same_bytes_counts_as_unchanged(
    upstream: Upstream, cache: Path
):
    upstream.serve(D1)
    cache.mkdir()
    (cache / file_name(D1)).write_bytes(daily_geojson(D1))  # e.g. unpacked from an archive
    result = run(upstream, cache)
    assert result.unchanged == (cache / file_name(D1),)
    assert result.downloaded == ()


def test_a_corrupt_metadata_file_only_costs_a_download(upstream: Upstream, cache: Path):
    upstream.serve(D1)
    run(upstream, cache)
    (cache / META_NAME).write_text("{not json")
    result = run(upstream, cache)
    assert "If-None-Match" not in upstream.hits(url_path(D1))[1]
    assert result.unchanged == (cache / file_name(D1),)
    assert json.loads((cache / META_NAME).read_text())["files"][file_name(D1)]["etag"]


def test_a_file_fresh_per_cache_control_is_not_requested_again(upstream: Upstream, cache: Path):
    upstream.cache_control = "max-age=3600"
    upstream.serve(D1)
    run(upstream, cache)
    result = run(upstream, cache)
    assert len(upstream.requests) == 1
    assert result.unchanged == (cache / file_name(D1),)


def test_no_cache_control_means_revalidate_every_time(upstream: Upstream, cache: Path):
    upstream.cache_control = "no-cache"
    upstream.serve(D1)
    run(upstream, cache)
    run(upstream, cache)
    assert len(upstream.requests) == 2


def test_a_gzipped_file_is_cached_as_plain_geojson(upstream: Upstream, cache: Path):
    upstream.files[url_path(D1) + ".gz"] = gzip.compress(daily_geojson(D1))
    result = run(upstream, cache, url_template=upstream.template + ".gz")
    assert result.downloaded == (cache / file_name(D1),)
    assert (cache / file_name(D1)).read_bytes() == daily_geojson(D1)


# --- gaps ---------------------------------------------------------------------------------


def test_a_404_day_is_reported_missing_and_the_others_are_fetched(upstream: Upstream, cache: Path):
    upstream.serve(D1, D3)  # no file for D2, like the real 2024-08-18
    progress: list[tuple[dt.date, str]] = []
    result = run(upstream, cache, D1, D3, on_progress=lambda d, s: progress.append((d, s)))
    assert result.missing == (D2,)
    assert result.downloaded == (cache / file_name(D1), cache / file_name(D3))
    assert result.files == result.downloaded
    assert progress[1] == (D2, "missing")
    assert not (cache / file_name(D2)).exists()


# --- retries ------------------------------------------------------------------------------


def test_two_503s_then_success_is_retried(upstream: Upstream, cache: Path, sleeps: list[float]):
    upstream.serve(D1)
    upstream.plans[url_path(D1)] = [503, 503]
    result = run(upstream, cache, retries=2)
    assert result.downloaded == (cache / file_name(D1),)
    assert len(upstream.hits(url_path(D1))) == 3
    assert sleeps == [0.01, 0.02]  # exponential back-off


def test_two_503s_with_one_retry_raise_a_one_line_fetch_error(
    upstream: Upstream, cache: Path, sleeps: list[float]
):
    upstream.serve(D1)
    upstream.plans[url_path(D1)] = [503, 503]
    with pytest.raises(FetchError) as err:
        run(upstream, cache, retries=1)
    message = str(err.value)
    assert upstream.template.format(date=D1) in message
    assert "HTTP 503" in message and "2 attempts" in message
    assert "\n" not in message
    assert isinstance(err.value, VigilError)
    assert len(upstream.hits(url_path(D1))) == 2
    assert not (cache / file_name(D1)).exists()


def test_retry_after_is_honoured_and_capped(upstream: Upstream, cache: Path, sleeps: list[float]):
    upstream.serve(D1)
    upstream.plans[url_path(D1)] = [(429, {"Retry-After": "7"}), (503, {"Retry-After": "86400"})]
    result = run(upstream, cache)
    assert result.downloaded == (cache / file_name(D1),)
    assert sleeps == [7.0, MAX_RETRY_AFTER]


def test_a_read_timeout_is_retried(upstream: Upstream, cache: Path, sleeps: list[float]):
    upstream.serve(D1)
    upstream.plans[url_path(D1)] = [1.0]
    result = run(upstream, cache, timeout=0.2)
    assert result.downloaded == (cache / file_name(D1),)
    assert len(upstream.hits(url_path(D1))) == 2


def test_a_server_that_never_answers_in_time_is_not_called_offline(
    upstream: Upstream, cache: Path, sleeps: list[float]
):
    upstream.serve(D1)
    upstream.plans[url_path(D1)] = [0.5, 0.5]
    with pytest.raises(FetchError) as err:
        run(upstream, cache, retries=1, timeout=0.1)
    message = str(err.value)
    assert message == (
        f"cannot download {upstream.template.format(date=D1)}: "
        "timed out after 0.1 s (gave up after 2 attempts)"
    )


def test_other_client_errors_are_not_retried(upstream: Upstream, cache: Path):
    upstream.serve(D1)
    upstream.plans[url_path(D1)] = [403]
    with pytest.raises(FetchError, match="HTTP 403"):
        run(upstream, cache)
    assert len(upstream.requests) == 1


def test_a_connection_broken_mid_body_is_retried(
    upstream: Upstream, cache: Path, sleeps: list[float]
):
    upstream.serve(D1)
    upstream.plans[url_path(D1)] = ["truncate"]
    result = run(upstream, cache)
    assert result.downloaded == (cache / file_name(D1),)
    assert len(upstream.hits(url_path(D1))) == 2


def test_a_body_that_never_arrives_whole_fails_and_caches_nothing(
    upstream: Upstream, cache: Path, sleeps: list[float]
):
    upstream.serve(D1)
    upstream.plans[url_path(D1)] = ["truncate"] * 3
    with pytest.raises(FetchError, match="incomplete body") as err:
        run(upstream, cache, retries=2)
    assert upstream.template.format(date=D1) in str(err.value)
    assert cache_listing(cache) == []


# --- bad content --------------------------------------------------------------------------

BAD_BODIES = {
    "truncated JSON": daily_geojson(D1)[:60],
    "HTML page": b"<!DOCTYPE html><html><body>Rate limited</body></html>",
    "no features": b'{"type": "FeatureCollection", "features": []}',
    "a bare Feature": b'{"type": "Feature", "geometry": null, "properties": {}}',
    "not UTF-8": b"\xff\xfe\xfa",
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_an_invalid_body_raises_and_leaves_no_file(upstream: Upstream, cache: Path, body: bytes):
    upstream.files[url_path(D1)] = body
    with pytest.raises(FetchError) as err:
        run(upstream, cache)
    message = str(err.value)
    assert message.startswith(upstream.template.format(date=D1))
    assert "not a GeoJSON FeatureCollection" in message
    assert "\n" not in message
    assert cache_listing(cache) == []  # no file, no temp file, no metadata


def test_an_invalid_body_keeps_the_previously_cached_file(upstream: Upstream, cache: Path):
    upstream.serve(D1)
    run(upstream, cache)
    upstream.files[url_path(D1)] = b'{"type": "FeatureCollection", "feat'
    with pytest.raises(FetchError, match="not a GeoJSON FeatureCollection"):
        run(upstream, cache)
    assert (cache / file_name(D1)).read_bytes() == daily_geojson(D1)


def test_an_interrupted_write_leaves_no_partial_file(
    upstream: Upstream, cache: Path, monkeypatch: pytest.MonkeyPatch
):
    upstream.serve(D1)

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run(upstream, cache)
    monkeypatch.undo()
    assert cache_listing(cache) == []


def test_files_fetched_before_a_failure_stay_cached_with_their_etags(
    upstream: Upstream, cache: Path, sleeps: list[float]
):
    upstream.serve(D1, D2)
    upstream.plans[url_path(D2)] = [500, 500]
    with pytest.raises(FetchError):
        run(upstream, cache, D1, D2, retries=1)
    assert cache_listing(cache) == [file_name(D1), META_NAME]
    run(upstream, cache, D1, D1)
    assert upstream.hits(url_path(D1))[1]["If-None-Match"] == etag_of(daily_geojson(D1))


# --- offline ------------------------------------------------------------------------------


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_closed_port_gives_the_offline_message(
    cache: Path, closed_port: int, sleeps: list[float]
):
    template = f"http://127.0.0.1:{closed_port}/deepstatemap_data_{{date:%Y%m%d}}.geojson"
    cache.mkdir()
    (cache / file_name(D1)).write_bytes(daily_geojson(D1))
    with pytest.raises(FetchError) as err:
        fetch_daily(D1, D2, url_template=template, cache=cache, **FAST)
    message = str(err.value)
    assert message.startswith(f"cannot reach 127.0.0.1:{closed_port} (connection refused)")
    assert "no network connection?" in message
    assert f"files already cached: 1 of 2, in {cache}" in message
    assert "\n" not in message
    assert sleeps == []  # nothing to wait for when no connection can be opened


def test_an_unresolvable_host_gives_the_offline_message(
    cache: Path, sleeps: list[float], monkeypatch: pytest.MonkeyPatch
):
    # Simulate the resolver's answer offline, so the test never waits for a real DNS server.
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if host == "vigil-test.invalid":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    template = "http://vigil-test.invalid/deepstatemap_data_{date:%Y%m%d}.geojson"
    with pytest.raises(FetchError) as err:
        fetch_daily(D1, D1, url_template=template, cache=cache, **FAST)
    assert str(err.value).startswith(
        "cannot reach vigil-test.invalid (host name not resolved): no network connection?"
    )
    assert sleeps == []


# --- arguments ----------------------------------------------------------------------------


def test_start_after_end_is_refused(cache: Path):
    with pytest.raises(FetchError, match="after end"):
        fetch_daily(D2, D1, cache=cache)


def test_a_template_without_a_date_field_is_refused_before_any_request(cache: Path):
    with pytest.raises(FetchError, match="bad URL template"):
        fetch_daily(D1, D1, url_template="http://127.0.0.1:9/{day}.geojson", cache=cache)


# --- the command, end to end --------------------------------------------------------------


def test_vigil_territory_fetch_downloads_and_ingests_then_continues_from_the_last_day(
    upstream: Upstream, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    """`vigil territory fetch` against the local server: the days served land in the
    store (a 404 day is reported, not fatal); a second run starts after the last day
    stored and asks for nothing it already has. Files are fetched by the day they were
    published; the file of day D holds the map of D - 1 day, which is the date stored."""
    from tests.cli_runner import vigil
    from vigil.territory import open_store

    day = dt.timedelta(days=1)
    days = [D1 + dt.timedelta(days=i) for i in range(3)]
    upstream.serve(days[0], days[2])  # days[1] is missing upstream
    store, cache_dir = tmp_path / "store.sqlite", tmp_path / "cache"
    args = ["territory", "fetch", "--store", store, "--url-template", upstream.template]
    run1 = vigil(capsys, *args, "--cache", cache_dir, "--from", days[0], "--to", days[2])
    assert run1.code == 0, run1.err
    assert "downloaded 2, unchanged 0, missing upstream 1" in run1.out
    with open_store(store) as t:
        assert t.dates() == [days[0] - day, days[2] - day]
    seen = len(upstream.requests)
    upstream.serve(days[2] + dt.timedelta(days=1))
    run2 = vigil(capsys, *args, "--cache", cache_dir, "--to", days[2] + dt.timedelta(days=1))
    assert run2.code == 0, run2.err
    assert [p for p, _ in upstream.requests[seen:]] == [url_path(days[2] + dt.timedelta(1))]
    with open_store(store) as t:
        assert t.dates()[-1] == days[2]  # the map in the file of days[2] + 1 day
    # nothing newer than the last file stored: no request, and the message names the map
    seen = len(upstream.requests)
    run_again = vigil(capsys, *args, "--cache", cache_dir, "--to", days[2] + day)
    assert run_again.code == 0, run_again.err
    assert len(upstream.requests) == seen
    assert f"deepstate-daily is up to date (last map stored: {days[2]})" in run_again.out
    # offline: a closed port is one clear line, and the store is left as it was
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    dead = f"http://127.0.0.1:{port}/deepstatemap_data_{{date:%Y%m%d}}.geojson"
    run3 = vigil(
        capsys, "territory", "fetch", "--store", store, "--url-template", dead,
        "--cache", cache_dir, "--to", days[2] + dt.timedelta(days=3),
    )  # fmt: skip
    assert run3.code == 1 and run3.err.startswith("Error: cannot reach 127.0.0.1")
    assert len(run3.err.splitlines()) == 1


# --- a copy of upstream on this machine (file:// template, path template, directory) -------


@pytest.fixture
def mirror(tmp_path: Path) -> Path:
    """A local copy of upstream: files named as upstream, written by the test."""
    folder = tmp_path / "mirror"
    folder.mkdir()
    return folder


def publish(mirror: Path, day: dt.date, body: bytes | None = None) -> Path:
    path = mirror / file_name(day)
    path.write_bytes(daily_geojson(day) if body is None else body)
    return path


LOCAL_FORMS = ["file-url", "path-template", "directory"]


def local_template(mirror: Path, form: str) -> str:
    if form == "file-url":
        return mirror.as_uri() + "/deepstatemap_data_{date:%Y%m%d}.geojson"
    if form == "path-template":
        return str(mirror / "deepstatemap_data_{date:%Y%m%d}.geojson")
    return str(mirror)


def fetch_local(
    mirror: Path,
    cache: Path,
    start: dt.date = D1,
    end: dt.date = D1,
    form: str = "file-url",
    **kw: Any,
) -> FetchResult:
    return fetch_daily(start, end, url_template=local_template(mirror, form), cache=cache, **kw)


def cache_state(cache: Path) -> dict[str, object]:
    """Every file of the cache and its bytes; for the metadata, what it says of each file
    but the time it was last checked (a failed run may record that it looked)."""
    state: dict[str, object] = {}
    for p in sorted(cache.iterdir()) if cache.exists() else []:
        state[p.name] = p.read_bytes()
        if p.name == META_NAME:
            files = json.loads(p.read_bytes())["files"]
            state[p.name] = {k: {**e, "checked_at": None} for k, e in files.items()}
    return state


def assert_meta_matches(cache: Path, mirror: Path) -> None:
    """fetch-meta.json lists each cached day with the file it came from and its sha256."""
    files = json.loads((cache / META_NAME).read_text())["files"]
    cached = sorted(p.name for p in cache.glob("deepstatemap_data_*.geojson"))
    assert sorted(files) == cached
    for name, entry in files.items():
        assert entry["sha256"] == hashlib.sha256((cache / name).read_bytes()).hexdigest()
        assert entry["url"] == (mirror / name).as_uri()


@pytest.mark.parametrize("form", LOCAL_FORMS)
def test_a_local_copy_is_fetched_like_upstream(mirror: Path, cache: Path, form: str) -> None:
    publish(mirror, D1)
    publish(mirror, D3)  # no file for D2: a gap, as a 404 is
    progress: list[tuple[dt.date, str]] = []
    result = fetch_local(
        mirror, cache, D1, D3, form=form, on_progress=lambda d, s: progress.append((d, s))
    )
    assert result.downloaded == (cache / file_name(D1), cache / file_name(D3))
    assert result.missing == (D2,) and result.unchanged == ()
    assert progress == [(D1, "downloaded"), (D2, "missing"), (D3, "downloaded")]
    for day in (D1, D3):
        assert (cache / file_name(day)).read_bytes() == daily_geojson(day)
    assert_meta_matches(cache, mirror)


def test_a_new_day_in_the_copy_is_fetched_on_the_next_call(mirror: Path, cache: Path) -> None:
    publish(mirror, D1)
    publish(mirror, D2)
    first = fetch_local(mirror, cache, D1, D3)
    assert first.missing == (D3,)
    mtimes = {p.name: p.stat().st_mtime_ns for p in first.downloaded}
    publish(mirror, D3)
    second = fetch_local(mirror, cache, D1, D3)
    assert second.downloaded == (cache / file_name(D3),)
    assert second.unchanged == (cache / file_name(D1), cache / file_name(D2))
    assert second.missing == ()
    # unchanged files are not rewritten
    assert {p.name: p.stat().st_mtime_ns for p in first.downloaded} == mtimes
    assert_meta_matches(cache, mirror)


def test_a_day_replaced_in_the_copy_is_fetched_again(mirror: Path, cache: Path) -> None:
    publish(mirror, D1)
    publish(mirror, D2)
    fetch_local(mirror, cache, D1, D2, form="directory")
    replaced = daily_geojson(D3)  # upstream re-ran D2 and drew another map
    publish(mirror, D2, replaced)
    result = fetch_local(mirror, cache, D1, D2, form="directory")
    assert result.downloaded == (cache / file_name(D2),)
    assert result.unchanged == (cache / file_name(D1),)
    assert (cache / file_name(D2)).read_bytes() == replaced
    assert_meta_matches(cache, mirror)


def test_a_late_day_is_picked_up_when_the_range_covers_it(mirror: Path, cache: Path) -> None:
    publish(mirror, D1)
    publish(mirror, D3)
    assert fetch_local(mirror, cache, D1, D3).missing == (D2,)
    publish(mirror, D2)  # the gap is filled later upstream
    result = fetch_local(mirror, cache, D1, D3)  # e.g. a watch run looking back a few days
    assert result.downloaded == (cache / file_name(D2),)
    assert result.unchanged == (cache / file_name(D1), cache / file_name(D3))
    assert result.files == tuple(cache / file_name(d) for d in (D1, D2, D3))
    assert_meta_matches(cache, mirror)


LOCAL_BAD = {
    **BAD_BODIES,
    "truncated file": daily_geojson(D2)[: len(daily_geojson(D2)) // 2],
    "empty file": b"",
    "truncated gzip": gzip.compress(daily_geojson(D2))[:40],
}


@pytest.mark.parametrize("form", ["file-url", "directory"])
@pytest.mark.parametrize("body", LOCAL_BAD.values(), ids=LOCAL_BAD.keys())
def test_a_corrupt_or_partial_file_raises_and_leaves_the_cache_as_it_was(
    mirror: Path, cache: Path, body: bytes, form: str
) -> None:
    publish(mirror, D1)
    publish(mirror, D2)
    fetch_local(mirror, cache, D1, D2, form=form)
    before = cache_state(cache)
    bad = publish(mirror, D2, body)  # being rewritten in place, or damaged
    with pytest.raises(FetchError) as err:
        fetch_local(mirror, cache, D1, D2, form=form)
    message = str(err.value)
    assert message.startswith(f"{bad}: not a GeoJSON FeatureCollection")
    assert "\n" not in message
    assert cache_state(cache) == before


def test_a_corrupt_new_day_is_not_cached(mirror: Path, cache: Path) -> None:
    publish(mirror, D1, b'{"type": "FeatureCollection", "features": [{"type": "Fea')
    with pytest.raises(FetchError, match=str(mirror / file_name(D1))):
        fetch_local(mirror, cache)
    assert cache_listing(cache) == []


@pytest.mark.parametrize("form", LOCAL_FORMS)
def test_a_missing_copy_is_an_error_not_a_run_of_gaps(
    tmp_path: Path, cache: Path, form: str
) -> None:
    absent = tmp_path / "not-mounted"
    with pytest.raises(FetchError, match=f"no directory {absent} \\(is it mounted\\?\\)"):
        fetch_local(absent, cache, D1, D3, form=form)
    assert not cache.exists()


def test_a_file_named_as_the_copy_s_directory_is_refused(tmp_path: Path, cache: Path) -> None:
    not_a_dir = tmp_path / "mirror"
    not_a_dir.write_text("")
    with pytest.raises(FetchError, match="is not a directory"):
        fetch_local(not_a_dir, cache, form="directory")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any directory, whatever its mode")
def test_an_unreadable_directory_is_an_error(mirror: Path, cache: Path) -> None:
    publish(mirror, D1)
    mirror.chmod(0)
    try:
        with pytest.raises(FetchError, match="permission denied"):
            fetch_local(mirror, cache, form="directory")
    finally:
        mirror.chmod(0o755)
    assert not cache.exists()


def test_a_file_that_cannot_be_read_is_an_error_not_a_gap(
    mirror: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """EACCES on the file (e.g. rsync's mode, or a directory without search permission,
    which root cannot simulate with chmod) is an error naming the file."""
    publish(mirror, D1)
    real = Path.read_bytes

    def denied(self: Path) -> bytes:
        if self.parent == mirror:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(FetchError) as err:
        fetch_local(mirror, cache)
    assert str(err.value) == f"cannot read {mirror / file_name(D1)}: permission denied"
    monkeypatch.undo()
    assert cache_listing(cache) == []


def test_a_gzipped_copy_is_cached_as_plain_geojson(mirror: Path, cache: Path) -> None:
    (mirror / (file_name(D1) + ".gz")).write_bytes(gzip.compress(daily_geojson(D1)))
    template = mirror.as_uri() + "/deepstatemap_data_{date:%Y%m%d}.geojson.gz"
    result = fetch_daily(D1, D1, url_template=template, cache=cache)
    assert result.downloaded == (cache / file_name(D1),)
    assert (cache / file_name(D1)).read_bytes() == daily_geojson(D1)


def test_a_percent_escaped_file_url_and_dated_subdirectories(tmp_path: Path, cache: Path) -> None:
    folder = tmp_path / "my mirror" / "2024"
    folder.mkdir(parents=True)
    publish(folder, D1)
    template = (
        tmp_path / "my mirror"
    ).as_uri() + "/{date:%Y}/deepstatemap_data_{date:%Y%m%d}.geojson"
    assert "%20" in template
    result = fetch_daily(D1, D2, url_template=template, cache=cache)
    assert result.downloaded == (cache / file_name(D1),)
    assert result.missing == (D2,)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("ftp://example.org/{date:%Y%m%d}.geojson", "expected http"),
        ("file://example.org/srv/{date:%Y%m%d}.geojson", "not one on host 'example.org'"),
        ("file:///srv/{day}.geojson", "bad URL template"),
    ],
)
def test_bad_local_templates_are_refused(cache: Path, template: str, expected: str) -> None:
    with pytest.raises(FetchError, match=expected):
        fetch_daily(D1, D1, url_template=template, cache=cache)


# --- HTTP: a corrupt body never lands in the cache --------------------------------------


def test_a_corrupt_day_in_the_middle_of_a_range_is_not_cached(
    upstream: Upstream, cache: Path
) -> None:
    upstream.serve(D1, D3)
    upstream.files[url_path(D2)] = daily_geojson(D2)[:-30]
    with pytest.raises(FetchError) as err:
        run(upstream, cache, D1, D3)
    assert str(err.value).startswith(upstream.template.format(date=D2))
    # the day before stays with its metadata; the corrupt one left nothing, not even a
    # metadata entry
    assert cache_listing(cache) == [file_name(D1), META_NAME]
    assert list(json.loads((cache / META_NAME).read_text())["files"]) == [file_name(D1)]


def test_a_truncated_gzip_body_is_not_cached(upstream: Upstream, cache: Path) -> None:
    upstream.serve(D1)
    run(upstream, cache)
    before = cache_state(cache)
    upstream.files[url_path(D1)] = gzip.compress(daily_geojson(D2))[:50]
    with pytest.raises(FetchError, match="bad gzip"):
        run(upstream, cache)
    assert cache_state(cache) == before
