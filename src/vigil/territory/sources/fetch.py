"""Download DeepState daily files into the local cache: the library behind `vigil territory fetch`.

Upstream is the GitHub repository cyterat/deepstate-map-data: a GitHub Action writes one
file a day, ``data/deepstatemap_data_YYYYMMDD.geojson`` (a FeatureCollection holding one
MultiPolygon in CRS84, the area DeepState shows under Russian control), at about 03:00 UTC.
A day the Action did not run has no file: the server answers 404 and we record a gap.

The cache is a plain directory of files named as upstream, so the ordinary file readers can
ingest it. Beside them, ``fetch-meta.json`` remembers per file the URL, ETag, Last-Modified,
SHA-256 and when it was last checked, so a second run sends conditional requests
(If-None-Match / If-Modified-Since) and a 304 keeps the cached file. Files are written
atomically (temp file + rename): an interrupted download never leaves a half file, and a
body that is not a GeoJSON FeatureCollection with a feature is refused before it is
written, so the cache only ever holds whole, checked files.

Upstream may also be a copy on this machine (a mirror kept by rsync, a test fixture):
a ``file://`` template (``file:///srv/mirror/deepstatemap_data_{date:%Y%m%d}.geojson``),
a plain path template, or a plain directory holding files named as upstream. They keep
the HTTP semantics: a missing file is a gap (MISSING), the same bytes are UNCHANGED
(sha256, the cached file is not rewritten), other bytes replace the day (DOWNLOADED),
and a corrupt or partial file, or a mirror directory that is absent or unreadable, is a
:class:`FetchError` that leaves the cache as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import gzip
import hashlib
import json
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import requests
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError

from vigil import __version__, config
from vigil.errors import FetchError
from vigil.i18n import gettext as _
from vigil.i18n import ngettext

# Verified in the repository itself: daily files live in ``data/`` on the default branch
# ``main``, uncompressed (the gzip at the repository root is a different product: every
# day in one file). See the module docstring.
DEFAULT_URL_TEMPLATE = (
    "https://raw.githubusercontent.com/cyterat/deepstate-map-data/main/"
    "data/deepstatemap_data_{date:%Y%m%d}.geojson"
)
CACHE_SUBDIR = "deepstate-daily"
META_NAME = "fetch-meta.json"
# Longest wait we accept from a server's Retry-After header, in seconds.
MAX_RETRY_AFTER = 60.0
USER_AGENT = f"vigil/{__version__} (territory fetch)"

# Replaced by tests that check the back-off without waiting for it.
_sleep = time.sleep


class Status(StrEnum):
    """What happened to one day, as passed to ``on_progress``."""

    DOWNLOADED = "downloaded"  # new or changed file written to the cache
    UNCHANGED = "unchanged"  # 304, same bytes, or still fresh per Cache-Control
    MISSING = "missing"  # 404: upstream has no file for that day


def file_name(day: dt.date) -> str:
    """The upstream (and cache) file name of ``day``: ``deepstatemap_data_YYYYMMDD.geojson``."""
    return f"deepstatemap_data_{day:%Y%m%d}.geojson"


def default_cache() -> Path:
    """Where daily files are cached unless told otherwise: ``<cache_dir>/deepstate-daily``."""
    return config.cache_dir() / CACHE_SUBDIR


@dataclass(frozen=True)
class FetchResult:
    """The outcome of :func:`fetch_daily` for the days ``start``..``end`` (inclusive).

    ``downloaded`` and ``unchanged`` are cache paths, ``missing`` the days upstream has no
    file for (404), all in date order.
    """

    start: dt.date
    end: dt.date
    cache: Path
    downloaded: tuple[Path, ...] = ()
    unchanged: tuple[Path, ...] = ()
    missing: tuple[dt.date, ...] = ()

    @property
    def files(self) -> tuple[Path, ...]:
        """Every cached file of the range that exists now, in date order."""
        paths = (self.cache / file_name(day) for day in _days(self.start, self.end))
        return tuple(p for p in paths if p.is_file())


def fetch_daily(
    start: dt.date,
    end: dt.date,
    *,
    url_template: str = DEFAULT_URL_TEMPLATE,
    cache: Path | None = None,
    retries: int = 3,
    backoff: float = 0.5,
    timeout: float = 30,
    session: requests.Session | None = None,
    on_progress: Callable[[dt.date, str], None] | None = None,
) -> FetchResult:
    """Download the daily files of ``start``..``end`` (inclusive) that are new or changed.

    ``url_template`` is a format string with a ``date`` field. A failed request (connection
    error, timeout, HTTP 429 or 5xx) is tried again up to ``retries`` times, waiting
    ``backoff`` × 2ⁿ seconds (or the server's Retry-After, at most ``MAX_RETRY_AFTER``);
    ``timeout`` is in seconds per request. Raises :class:`FetchError` when the network is
    unreachable, a download keeps failing, or a body is not a GeoJSON FeatureCollection
    with at least one feature; files downloaded before the error stay in the cache.

    ``url_template`` may also name a copy on this machine: a ``file://`` URL or a plain
    path with a ``date`` field, or a plain directory of files named as upstream
    (:func:`file_name`). The directory (for a template: the part of the path before its
    first field) must exist and be readable, or FetchError: an unmounted mirror is not a
    run of gaps. Retries and timeouts do not apply to files.
    """
    if start > end:
        raise FetchError(
            _("nothing to fetch: start %(start)s is after end %(end)s")
            % {"start": start, "end": end}
        )
    local = _local_upstream(url_template)
    if local is None:
        _url(url_template, start)  # a broken template fails before any request
    else:
        local.path(start)
        local.check_root()
    cache = Path(cache) if cache is not None else default_cache()
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        # Translators: %(reason)s is the system's own message, in English.
        raise FetchError(
            _("cannot create cache directory %(path)s: %(reason)s")
            % {"path": cache, "reason": exc.strerror}
        ) from exc
    own_session = session is None
    if session is None:
        session = requests.Session()
        session.headers["User-Agent"] = USER_AGENT
    fetcher = _Fetcher(session, cache, start, end, retries, backoff, timeout)
    outcome: dict[Status, list] = {status: [] for status in Status}
    try:
        for day in _days(start, end):
            if local is not None:
                status = fetcher.fetch_file(day, local.path(day))
            else:
                status = fetcher.fetch_one(day, _url(url_template, day))
            outcome[status].append(day if status is Status.MISSING else cache / file_name(day))
            if on_progress is not None:
                on_progress(day, status)
    except BaseException:
        # Keep the validators of the files fetched before the failure; report the failure.
        with contextlib.suppress(FetchError):
            fetcher.meta.save()
        raise
    else:
        fetcher.meta.save()
    finally:
        if own_session:
            session.close()
    return FetchResult(
        start=start,
        end=end,
        cache=cache,
        downloaded=tuple(outcome[Status.DOWNLOADED]),
        unchanged=tuple(outcome[Status.UNCHANGED]),
        missing=tuple(outcome[Status.MISSING]),
    )


def _days(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    for n in range((end - start).days + 1):
        yield start + dt.timedelta(days=n)


def _url(template: str, day: dt.date) -> str:
    try:
        return template.format(date=day)
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        # Translators: {date:%%Y%%m%%d} is typed as it is; %(error)s is a programming error.
        raise FetchError(
            _("bad URL template %(template)r: it needs one field like {date:%%Y%%m%%d} (%(error)r)")
            % {"template": template, "error": exc}
        ) from exc


# --- a copy of upstream on this machine ------------------------------------------------

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


@dataclass(frozen=True)
class _Local:
    """Upstream as files on this machine.

    ``template``: a ``file://`` URL or a path with a ``date`` field (None: the files are
    ``root / file_name(day)``); ``root``: the directory that must exist (the template's
    path up to its first field), so that an absent mirror fails instead of reading as
    days missing upstream."""

    root: Path
    template: str | None = None
    is_url: bool = False

    def path(self, day: dt.date) -> Path:
        if self.template is None:
            return self.root / file_name(day)
        formatted = _url(self.template, day)
        if self.is_url:  # decode %XX after formatting: strftime codes look like escapes
            return Path(url2pathname(urlsplit(formatted).path))
        return Path(os.path.expanduser(formatted))

    def check_root(self) -> None:
        """FetchError unless ``root`` is a directory we can read."""
        try:
            mode = self.root.stat().st_mode
        except FileNotFoundError as exc:
            raise FetchError(
                _("cannot read the upstream copy: no directory %(path)s (is it mounted?)")
                % {"path": self.root}
            ) from exc
        except OSError as exc:
            raise FetchError(
                _("cannot read the upstream copy in %(path)s: %(reason)s")
                % {"path": self.root, "reason": _os_error(exc)}
            ) from exc
        if not stat.S_ISDIR(mode):
            raise FetchError(
                _("cannot read the upstream copy: %(path)s is not a directory")
                % {"path": self.root}
            )
        try:
            with os.scandir(self.root):
                pass
        except OSError as exc:
            raise FetchError(
                _("cannot read the upstream copy in %(path)s: %(reason)s")
                % {"path": self.root, "reason": _os_error(exc)}
            ) from exc


def _local_upstream(template: str) -> _Local | None:
    """The local copy ``template`` names, or None for an http(s) URL."""
    match = _SCHEME.match(template)
    is_url = match is not None
    if match is not None:
        scheme = match.group(1).lower()
        if scheme in ("http", "https"):
            return None
        if scheme != "file":
            raise FetchError(
                _("bad URL template %(template)r: expected http(s)://, file:// or a directory")
                % {"template": template}
            )
        parts = urlsplit(template)
        if parts.netloc not in ("", "localhost"):
            raise FetchError(
                _(
                    "bad URL template %(template)r: a file:// URL names a path on this machine"
                    " (file:///srv/mirror/…), not one on host %(host)r"
                )
                % {"template": template, "host": parts.netloc}
            )
        head = url2pathname(parts.path.split("{", 1)[0])
    else:
        head = os.path.expanduser(template.split("{", 1)[0])
    if "{" not in template:  # a directory of files named as upstream
        return _Local(Path(head))
    root = Path(head) if head.endswith(os.sep) else Path(head).parent
    return _Local(root, template, is_url)


def _os_error(exc: OSError) -> str:
    return (exc.strerror or _one_line(exc)).lower()


# --- cache metadata ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    """What we know about one cached file; ``checked_at`` is UTC ISO 8601."""

    url: str
    sha256: str
    checked_at: str
    etag: str | None = None
    last_modified: str | None = None
    max_age: int | None = None  # seconds, from Cache-Control

    def is_fresh(self, now: dt.datetime) -> bool:
        if not self.max_age:
            return False
        try:
            checked = dt.datetime.fromisoformat(self.checked_at)
        except ValueError:
            return False
        return now - checked < dt.timedelta(seconds=self.max_age)

    def conditional_headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


class _Meta:
    """The JSON sidecar ``fetch-meta.json``: one entry per cached file, saved atomically.

    It is only a cache of validators: a missing or unreadable sidecar means "download
    again", never an error.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, _Entry] = {}
        self.dirty = False
        with contextlib.suppress(OSError, ValueError, TypeError, LookupError, AttributeError):
            raw = json.loads(path.read_text(encoding="utf-8"))
            self.entries = {name: _Entry(**e) for name, e in raw["files"].items()}

    def valid_entry(self, path: Path, url: str) -> _Entry | None:
        """The entry for ``path`` if it describes this URL and the file as it is on disk."""
        entry = self.entries.get(path.name)
        if entry is None or entry.url != url or not path.is_file():
            return None
        if _sha256(path.read_bytes()) != entry.sha256:  # edited or replaced by hand
            return None
        return entry

    def put(self, name: str, entry: _Entry) -> None:
        self.entries[name] = entry
        self.dirty = True

    def save(self) -> None:
        """Write the sidecar if anything changed (once per run: it may list hundreds of files)."""
        if not self.dirty:
            return
        data = {"version": 1, "files": {k: asdict(v) for k, v in sorted(self.entries.items())}}
        try:
            _write_atomic(self.path, json.dumps(data, indent=1).encode("utf-8"))
        except OSError as exc:
            raise FetchError(
                _("cannot write %(path)s: %(reason)s")
                % {"path": self.path, "reason": exc.strerror or exc}
            ) from exc
        self.dirty = False


# --- downloading --------------------------------------------------------------------------


class _Fetcher:
    """Fetches one day at a time, sharing the session, the sidecar and the retry policy."""

    def __init__(
        self,
        session: requests.Session,
        cache: Path,
        start: dt.date,
        end: dt.date,
        retries: int,
        backoff: float,
        timeout: float,
    ) -> None:
        self.session = session
        self.cache = cache
        self.range = (start, end)
        self.retries = max(0, retries)
        self.backoff = backoff
        self.timeout = timeout
        self.meta = _Meta(cache / META_NAME)
        self.reached = False  # has any server answered during this run?

    def fetch_one(self, day: dt.date, url: str) -> Status:
        path = self.cache / file_name(day)
        now = dt.datetime.now(dt.UTC)
        entry = self.meta.valid_entry(path, url)
        if entry is not None and entry.is_fresh(now):
            return Status.UNCHANGED
        headers = entry.conditional_headers() if entry is not None else {}
        response = self._get(url, headers)
        if response.status_code == 404:
            return Status.MISSING
        if response.status_code == 304:
            if entry is None:
                raise FetchError(
                    _("%(url)s: server answered 304 Not Modified to a plain request") % {"url": url}
                )
            self.meta.put(path.name, _entry(url, response, entry.sha256, now, previous=entry))
            return Status.UNCHANGED
        if response.status_code != 200:
            raise FetchError(
                _("cannot download %(url)s: HTTP %(status)s")
                % {"url": url, "status": _status_text(response)}
            )
        body = _geojson_body(url, response.content)  # checked before anything is written
        digest, status = self._keep(path, body)
        self.meta.put(path.name, _entry(url, response, digest, now))
        return status

    def fetch_file(self, day: dt.date, source: Path) -> Status:
        """One day from a copy of upstream on this machine: no file is a gap."""
        path = self.cache / file_name(day)
        try:
            raw = source.read_bytes()
        except FileNotFoundError:
            return Status.MISSING
        except IsADirectoryError as exc:
            raise FetchError(
                _("%(path)s: a directory, not a daily file") % {"path": source}
            ) from exc
        except OSError as exc:  # permission denied, a path component not a directory…
            raise FetchError(
                _("cannot read %(path)s: %(reason)s") % {"path": source, "reason": _os_error(exc)}
            ) from exc
        body = _geojson_body(str(source), raw)  # checked before anything is written
        digest, status = self._keep(path, body)
        entry = _Entry(
            url=source.absolute().as_uri(),
            sha256=digest,
            checked_at=dt.datetime.now(dt.UTC).isoformat(),
        )
        self.meta.put(path.name, entry)
        return status

    def _keep(self, path: Path, body: bytes) -> tuple[str, Status]:
        """Write the checked ``body`` to ``path`` unless it holds those bytes already."""
        digest = _sha256(body)
        unchanged = path.is_file() and _sha256(path.read_bytes()) == digest
        if not unchanged:
            try:
                _write_atomic(path, body)
            except OSError as exc:
                raise FetchError(
                    _("cannot write %(path)s: %(reason)s")
                    % {"path": path, "reason": exc.strerror or exc}
                ) from exc
        return digest, Status.UNCHANGED if unchanged else Status.DOWNLOADED

    def _get(self, url: str, headers: dict[str, str]) -> requests.Response:
        """GET ``url`` with retries; returns a response whose body has been read."""
        cause, delay, no_connection = "", 0.0, False
        for attempt in range(self.retries + 1):
            if attempt:
                _sleep(delay)
            delay = self.backoff * 2**attempt
            try:
                # Not streamed: the body is read here, so a broken body is retried like the rest.
                response = self.session.get(url, headers=headers, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                if not self.reached and _unreachable(exc):
                    raise self._offline(url, _describe(exc, self.timeout)) from exc
                cause = _describe(exc, self.timeout)
                # ConnectTimeout is a ConnectionError too; ReadTimeout (a server that
                # accepted and went quiet) is not: that is no sign of being offline.
                no_connection = isinstance(exc, requests.ConnectionError)
                continue
            except requests.exceptions.ChunkedEncodingError:
                self.reached, no_connection = True, False
                cause = _("connection broken during the download (incomplete body)")
                continue
            except requests.RequestException as exc:
                raise FetchError(
                    _("cannot download %(url)s: %(reason)s")
                    % {"url": url, "reason": _one_line(exc)}
                ) from exc
            self.reached = True
            if response.status_code == 429 or response.status_code >= 500:
                cause = f"HTTP {_status_text(response)}"
                wait = _retry_after(response.headers.get("Retry-After"))
                delay = delay if wait is None else wait
                continue
            return response
        attempts = self.retries + 1
        if no_connection and not self.reached:
            raise self._offline(url, cause)
        raise FetchError(
            ngettext(
                "cannot download %(url)s: %(reason)s (gave up after %(n)d attempt)",
                "cannot download %(url)s: %(reason)s (gave up after %(n)d attempts)",
                attempts,
            )
            % {"url": url, "reason": cause, "n": attempts}
        )

    def _offline(self, url: str, cause: str) -> FetchError:
        start, end = self.range
        total = (end - start).days + 1
        cached = sum((self.cache / file_name(d)).is_file() for d in _days(start, end))
        host = urlsplit(url).netloc or url
        return FetchError(
            _(
                "cannot reach %(host)s (%(reason)s): no network connection?"
                " (files already cached: %(cached)d of %(total)d, in %(path)s)"
            )
            % {"host": host, "reason": cause, "cached": cached, "total": total, "path": self.cache}
        )


def _entry(
    url: str,
    response: requests.Response,
    digest: str,
    now: dt.datetime,
    previous: _Entry | None = None,
) -> _Entry:
    """The sidecar entry after a 200 or 304; a 304 may omit validators, so keep the old ones."""
    etag = response.headers.get("ETag") or (previous.etag if previous else None)
    modified = response.headers.get("Last-Modified") or (
        previous.last_modified if previous else None
    )
    return _Entry(
        url=url,
        sha256=digest,
        checked_at=now.isoformat(),
        etag=etag,
        last_modified=modified,
        max_age=_max_age(response.headers.get("Cache-Control")),
    )


def _geojson_body(url: str, body: bytes) -> bytes:
    """The body as GeoJSON bytes (gunzipped if needed), or FetchError naming the URL."""
    if body[:2] == b"\x1f\x8b":  # a .geojson.gz template, or gzip without Content-Encoding
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError) as exc:
            raise FetchError(
                _("%(url)s: not a GeoJSON FeatureCollection (bad gzip: %(reason)s)")
                % {"url": url, "reason": exc}
            ) from exc
    problem = _geojson_problem(body)
    if problem:
        # Translators: %(problem)s says what is wrong (invalid JSON, no features).
        raise FetchError(
            _("%(url)s: not a GeoJSON FeatureCollection (%(problem)s)")
            % {"url": url, "problem": problem}
        )
    return body


def _geojson_problem(body: bytes) -> str | None:
    """Why ``body`` is not a FeatureCollection with at least one feature, or None."""
    try:
        doc = json.loads(body)
    except json.JSONDecodeError as exc:
        # Translators: %(reason)s is the JSON reader's own message, in English.
        return _("invalid JSON: %(reason)s at line %(line)d column %(column)d") % {
            "reason": exc.msg,
            "line": exc.lineno,
            "column": exc.colno,
        }
    except ValueError:
        return _("not UTF-8 text")
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        kind = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
        return _("type is %(type)r") % {"type": kind}
    features = doc.get("features")
    if not isinstance(features, list) or not features:
        return _("no features")
    if not all(isinstance(f, dict) and f.get("type") == "Feature" for f in features):
        return _("a member of 'features' is not a Feature")
    if not any(isinstance(f.get("geometry"), dict) for f in features):
        return _("no feature has a geometry")
    return None


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a hidden temp file in the same directory + rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or HTTP date), capped."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        seconds = (when - dt.datetime.now(dt.UTC)).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _max_age(value: str | None) -> int | None:
    """``max-age`` from a Cache-Control header, unless it forbids reuse."""
    if not value or re.search(r"no-cache|no-store", value, re.IGNORECASE):
        return None
    match = re.search(r"max-age\s*=\s*(\d+)", value, re.IGNORECASE)
    return int(match.group(1)) if match else None


def _status_text(response: requests.Response) -> str:
    return f"{response.status_code} {response.reason or ''}".strip()


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what caused it, through requests' and urllib3's wrappers."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        if isinstance(e, MaxRetryError):
            todo.append(e.reason)
        todo.extend(a for a in e.args if isinstance(a, BaseException))
        todo.extend((e.__cause__, e.__context__))


def _unreachable(exc: BaseException) -> bool:
    """True when no connection could be opened at all (name not resolved, refused…)."""
    return any(isinstance(e, NewConnectionError) for e in _chain(exc))


def _describe(exc: BaseException, timeout: float) -> str:
    """A short, one-line cause for a connection-level failure."""
    chain = list(_chain(exc))
    if any(isinstance(e, NameResolutionError) for e in chain):
        return _("host name not resolved")
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return _("connection refused")
    if isinstance(exc, requests.Timeout):
        # Translators: %(seconds)s is a number of seconds.
        return _("timed out after %(seconds)s s") % {"seconds": f"{timeout:g}"}
    for e in chain:
        if isinstance(e, OSError) and e.strerror:
            return e.strerror.lower()
    return _one_line(exc)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
