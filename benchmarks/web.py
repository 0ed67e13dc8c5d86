"""Load benchmark of the web API (issue 6): ``vigil serve`` on 127.0.0.1 under 20
concurrent clients, with a naive baseline measured in the same run.

    make bench-web
    .venv/bin/python benchmarks/web.py [--store STORE] [--clients 20] [--duration 10]
                                       [--requests N] [--json results.json]

A store is built in a temporary directory from the bundled daily archive (as the browser
tests do) unless ``--store`` is given. ``vigil serve`` runs in a child process; the
clients are threads of this process, each with its own keep-alive ``httpx.Client``.
The request mix cycles through ``/api/territory/change`` for weeks (Monday to Monday),
months (1st to 1st) and seeded random pairs of dates, and ``/api/territory/series``
weekly and monthly (whole range and the last year).

Runs of the same mix, each bounded by ``--duration`` seconds (or ``--requests``):

- **served**: the site as deployed: the response cache is warmed by one request per URL,
  then the load run (what repeated requests see; ETags and the cache are the design);
- **baseline**: the same server with the response cache off (``VIGIL_WEB_CACHE=0``):
  every request recomputes its figures from the store.

Between them, a short run with a single client (one request at a time, cache warm)
shows the time to serve one request without queueing: at 20 clients with no pause
between requests, latency is mostly waiting in line (≈ clients ÷ requests per second).
The clients share the machine (and this process's GIL) with the server; the CPU time
they used is printed.

Prints p50/p95/p99 latency, requests/s and errors per endpoint against the target p95
≤ 50 ms with no errors. Exits 0: benchmarks inform, they do not gate.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.web.conftest import build_store, live_server, serve_command, store_dates  # noqa: E402

TARGET_P95_MS = 50.0


# -- the request mix ---------------------------------------------------------------------
def request_mix(dates: list[str], seed: int = 6) -> list[tuple[str, str]]:
    """(endpoint, path?query) pairs: weeks, months and random pairs for ``change``;
    weekly and monthly ``series``."""
    days = [dt.date.fromisoformat(d) for d in dates]
    first, last = days[0], days[-1]
    mondays = [d for d in days if d.weekday() == 0 and d + dt.timedelta(7) <= last]
    weeks = [(d, d + dt.timedelta(7)) for d in mondays[-16:]]
    months = []
    for d in days:
        nxt = dt.date(d.year + d.month // 12, d.month % 12 + 1, 1)
        if d.day == 1 and nxt <= last:
            months.append((d, nxt))
    rng = random.Random(seed)
    pairs = [sorted(rng.sample(range(len(days)), 2)) for _ in range(16)]
    varied = [(days[i], days[j]) for i, j in pairs]
    change = [
        ("change", f"/api/territory/change?from={a}&to={b}")
        for a, b in weeks + months[-12:] + varied
    ]
    year_ago = max(first, last - dt.timedelta(365))
    series = [
        ("series", f"/api/territory/series?freq={freq}{window}")
        for freq in ("week", "month")
        for window in ("", f"&from={year_ago}&to={last}")
    ]
    # Interleaved (seeded), so that any stretch of the round robin has the same mix.
    mix = change + series
    rng.shuffle(mix)
    return mix


# -- measuring ---------------------------------------------------------------------------
@dataclass
class Run:
    name: str
    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=dict)  # endpoint -> ms
    errors: dict[str, int] = field(default_factory=dict)
    first_error: str = ""
    client_cpu: float = 0.0  # CPU seconds the clients (this process) used

    def all(self) -> list[float]:
        return [x for v in self.latencies.values() for x in v]

    def count(self, endpoint: str | None = None) -> int:
        if endpoint is None:
            return len(self.all()) + sum(self.errors.values())
        return len(self.latencies.get(endpoint, [])) + self.errors.get(endpoint, 0)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def load(
    base: str,
    mix: list[tuple[str, str]],
    name: str,
    clients: int,
    duration: float,
    max_requests: int | None,
) -> Run:
    """``clients`` threads taking the URLs of ``mix`` in turn, until
    ``duration`` seconds have passed or ``max_requests`` have been sent."""
    run = Run(name)
    lock = threading.Lock()
    sent = itertools.count()
    start = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client() -> None:
        mine: dict[str, list[float]] = {}
        errors: dict[str, int] = {}
        first_error = ""
        with httpx.Client(base_url=base, timeout=60) as http:
            http.get("/api/territory/snapshots")  # open the connection before the clock
            start.wait()
            while time.perf_counter() < deadline[0]:
                i = next(sent)  # one round robin shared by all clients: the same mix
                if max_requests is not None and i >= max_requests:
                    break
                endpoint, url = mix[i % len(mix)]
                t0 = time.perf_counter()
                try:
                    response = http.get(url)
                    ok = response.status_code == 200
                    if not ok:
                        first_error = first_error or f"{url}: HTTP {response.status_code}"
                except httpx.HTTPError as exc:
                    ok = False
                    first_error = first_error or f"{url}: {exc!r}"
                elapsed = (time.perf_counter() - t0) * 1000
                if ok:
                    mine.setdefault(endpoint, []).append(elapsed)
                else:
                    errors[endpoint] = errors.get(endpoint, 0) + 1
        with lock:
            for k, v in mine.items():
                run.latencies.setdefault(k, []).extend(v)
            for k, v in errors.items():
                run.errors[k] = run.errors.get(k, 0) + v
            run.first_error = run.first_error or first_error

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    deadline[0] = t0 + duration
    start.wait()
    for t in threads:
        t.join()
    run.seconds = time.perf_counter() - t0
    run.client_cpu = time.process_time() - cpu0
    return run


def warm_up(base: str, mix: list[tuple[str, str]]) -> dict[str, list[float]]:
    """One sequential request per URL (fills the response cache); returns the
    first-request latencies (ms) per endpoint."""
    first: dict[str, list[float]] = {}
    with httpx.Client(base_url=base, timeout=120) as http:
        for endpoint, url in mix:
            t0 = time.perf_counter()
            http.get(url).raise_for_status()
            first.setdefault(endpoint, []).append((time.perf_counter() - t0) * 1000)
    return first


# -- reporting ---------------------------------------------------------------------------
def table(runs: list[Run], endpoints: list[str]) -> list[str]:
    head = (
        f"{'run':<9} {'endpoint':<8} {'requests':>8} {'req/s':>7} {'p50 ms':>8} "
        f"{'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>6}  target p95 ≤ 50 ms"
    )
    lines = [head, "-" * len(head)]
    for run in runs:
        for endpoint in [*endpoints, None]:
            values = run.all() if endpoint is None else run.latencies.get(endpoint, [])
            errors = sum(run.errors.values()) if endpoint is None else run.errors.get(endpoint, 0)
            p95 = percentile(values, 95)
            if run.name == "served":
                verdict = "PASS" if p95 <= TARGET_P95_MS and not errors else "*** MISS ***"
            else:
                verdict = "(info)" if run.name == "1 client" else "(baseline)"
            lines.append(
                f"{run.name:<9} {endpoint or 'all':<8} {run.count(endpoint):>8} "
                f"{run.count(endpoint) / run.seconds:>7.1f} {percentile(values, 50):>8.1f} "
                f"{p95:>8.1f} {percentile(values, 99):>8.1f} {max(values, default=0):>8.1f} "
                f"{errors:>6}  {verdict}"
            )
    return lines


def summary(run: Run) -> dict[str, object]:
    out: dict[str, object] = {
        "seconds": run.seconds,
        "client_cpu_s": run.client_cpu,
        "first_error": run.first_error,
    }
    for endpoint in [*sorted(run.latencies), "all"]:
        values = run.all() if endpoint == "all" else run.latencies[endpoint]
        out[endpoint] = {
            "requests": len(values),
            "errors": sum(run.errors.values())
            if endpoint == "all"
            else run.errors.get(endpoint, 0),
            "rps": len(values) / run.seconds,
            **{f"p{q}_ms": percentile(values, q) for q in (50, 95, 99)},
        }
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="store to serve (default: build one)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run")
    parser.add_argument("--requests", type=int, help="stop a run after this many requests")
    parser.add_argument("--no-baseline", action="store_true", help="skip the uncached run")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="vigil-bench-web-") as tmp:
        store = args.store
        if store is None:
            t0 = time.perf_counter()
            store = build_store(Path(tmp) / "territory.sqlite")
            print(f"setup: store built in {time.perf_counter() - t0:.1f} s ({store})")
        dates = store_dates(store)
        mix = request_mix(dates)
        endpoints = sorted({e for e, _ in mix})
        print(
            f"machine: {os.cpu_count()} CPUs, {platform.platform()}, Python "
            f"{platform.python_version()}; {len(dates)} snapshots {dates[0]} … {dates[-1]}"
        )
        print(f"server: {' '.join(serve_command(store, 0)[:2])} … on 127.0.0.1 (child process)")
        counts = {e: sum(1 for x, _ in mix if x == e) for e in endpoints}
        print(
            f"mix: {len(mix)} URLs ({', '.join(f'{n} {e}' for e, n in counts.items())}); "
            f"{args.clients} clients, {args.duration:g} s per run"
            + (f", ≤ {args.requests} requests" if args.requests else "")
        )

        runs: list[Run] = []
        with live_server(store) as base:
            first = warm_up(base, mix)
            for endpoint, values in first.items():
                print(
                    f"warm-up ({endpoint}): first request per URL, sequential: median "
                    f"{statistics.median(values):.0f} ms, max {max(values):.0f} ms"
                )
            runs.append(load(base, mix, "served", args.clients, args.duration, args.requests))
            # One client, one request at a time: the time to serve a request, unqueued.
            single = min(3.0, args.duration)
            runs.append(load(base, mix, "1 client", 1, single, args.requests))
        if not args.no_baseline:
            with live_server(store, env={"VIGIL_WEB_CACHE": "0"}) as base:
                warm_up(base, mix[:3])  # imports and store handles, not the cache
                runs.append(load(base, mix, "baseline", args.clients, args.duration, args.requests))

    print()
    print("\n".join(table(runs, endpoints)))
    served = runs[0]
    baseline = next((r for r in runs if r.name == "baseline"), None)
    if baseline:
        ratio = percentile(baseline.all(), 95) / percentile(served.all(), 95)
        print(f"\nbaseline (response cache off) p95 ÷ served p95: {ratio:.1f}×")
    for run in runs:
        print(
            f"{run.name}: {run.seconds:.1f} s; the clients used {run.client_cpu:.1f} CPU-s of "
            f"{run.seconds * (os.cpu_count() or 1):.0f} (they share the machine with the server)"
        )
        if run.first_error:
            print(f"{run.name}: first error: {run.first_error}")
    if args.json:
        args.json.write_text(json.dumps({r.name: summary(r) for r in runs}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as exc:  # benchmarks inform, they do not gate: say it and exit 0
        print(f"*** the web benchmark could not run: {type(exc).__name__}: {exc}")
        sys.exit(0)
