"""Benchmark: the ShelfOps API under concurrent dashboard load, against the framework floor.

Usage::

    .venv/bin/python -m bench.api_load --quick        # 100 × 200 tenant, 50 clients, 60 s
    .venv/bin/python -m bench.api_load                # 1,000 × 1,000, 200 clients, 10 min
    .venv/bin/python -m bench.api_load --clients 100 --duration 120 --keep

It creates a scratch PostgreSQL database, builds one tenant of ``--stores`` ×
``--products`` (see ``bench/api_load_data.py``: catalog, inventory and sales through
``shelfops ingest``'s code; forecasts, reorder policies, alerts and suggested orders written
directly with COPY), starts ``shelfops serve --workers N`` on it (``--workers``, default 1
uvicorn process; more than one shares the authentication throttle through Redis at
``--redis``) and drives it with locust (``bench/api_load_locust.py``, headless, in its
own process): ``--clients`` users, each waiting ``--wait`` seconds (uniform) between
requests, mixing forecast series reads (40 %), inventory pages (30 %), alert pages (20 %)
and purchase-order approvals (10 %, each suggested order approved once).

Then, as the peer measured in the same run, a bare FastAPI + uvicorn app
(``bench/api_load_floor.py``) answering a static copy of a real inventory page under the
same clients and think time: the framework floor. It prints per request type count, rps,
p50/p95/p99/max and errors, the CPU used by the server, the load generator and
PostgreSQL, the server's RSS at start, middle and end, the ratio of our read p99 to
the floor's, and whether the target (read p99, no errors, memory flat) was met. The load
generator shares the machine's cores with the server and the database. The scratch
database is dropped at the end unless ``--keep``. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import numpy as np
import psutil  # type: ignore[import-untyped]

from bench.api_load_data import Sizes, Tenant, build_tenant
from bench.api_load_requests import READS
from shelfops.config import Environment, Settings
from shelfops.kit import migrate

_HERE = Path(__file__).resolve().parent
#: Read request names per group (the p99 target applies to reads).
_GROUPS: dict[str, tuple[str, ...]] = {
    group: tuple(read[1] for read in READS if read[0] == group)
    for group in dict.fromkeys(read[0] for read in READS)
}
_TARGET_P99_MS = 150.0
#: Memory counts as flat when the server's RSS grows by at most this share from the end
#: of the first minute (imports, pools and caches warmed) to the end of the run.
_FLAT_RSS_GROWTH = 0.05


@dataclass
class Usage:
    """CPU seconds and RSS samples of the processes under watch, taken once a second."""

    rss: list[tuple[float, float]] = field(default_factory=list)  # (elapsed s, server MiB)
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds per role
    wall: float = 0.0


class Sampler(threading.Thread):
    """Samples the server's RSS (with children) and CPU of server, locust and postgres."""

    def __init__(self, server: int, locust: int) -> None:
        super().__init__(daemon=True)
        self.server, self.locust = psutil.Process(server), psutil.Process(locust)
        self.usage = Usage()
        self.stop = threading.Event()

    @staticmethod
    def _tree(process: psutil.Process) -> list[psutil.Process]:
        try:
            return [process, *process.children(recursive=True)]
        except psutil.Error:
            return []

    @staticmethod
    def _cpu(processes: list[psutil.Process]) -> dict[int, float]:
        times: dict[int, float] = {}
        for p in processes:
            try:
                t = p.cpu_times()
                times[p.pid] = t.user + t.system
            except psutil.Error:
                pass
        return times

    @staticmethod
    def _postgres() -> list[psutil.Process]:
        return [p for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres"]

    def _snapshot(self) -> dict[str, dict[int, float]]:
        return {
            "server": self._cpu(self._tree(self.server)),
            "load generator": self._cpu(self._tree(self.locust)),
            "postgresql (all backends)": self._cpu(self._postgres()),
        }

    def run(self) -> None:
        started = time.perf_counter()
        first = self._snapshot()
        last = {role: dict(times) for role, times in first.items()}
        while not self.stop.is_set():
            rss = 0.0
            for p in self._tree(self.server):
                with contextlib.suppress(psutil.Error):
                    rss += p.memory_info().rss
            self.usage.rss.append((time.perf_counter() - started, rss / 2**20))
            # Processes come and go (postgres backends): keep each one's latest CPU time.
            for role, times in self._snapshot().items():
                last[role].update(times)
            self.stop.wait(1.0)
        self.usage.wall = time.perf_counter() - started
        self.usage.cpu = {
            role: sum(t - first[role].get(pid, 0.0) for pid, t in times.items())
            for role, times in last.items()
        }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_http(url: str, headers: dict[str, str] | None = None, timeout: float = 60) -> bytes:
    deadline = time.monotonic() + timeout
    while True:
        try:
            request = urllib.request.Request(url, headers=headers or {})
            with urllib.request.urlopen(request, timeout=120) as response:
                return bytes(response.read())
        except OSError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.3)


def _probe(port: int, tenant: Tenant, repeats: int) -> dict[str, list[float]]:
    """Each request name ``repeats`` times, one at a time, before the load (ms): what a
    request costs when nothing queues. Approvals use orders set aside for it."""
    import random

    rng = random.Random(7)
    data = tenant.__dict__
    viewer = {"Authorization": f"Bearer {tenant.viewer_key}"}
    planner = {"Authorization": f"Bearer {tenant.planner_key}"}
    base = f"http://127.0.0.1:{port}"
    timings: dict[str, list[float]] = {}
    for _, name, _, build in READS:
        for _ in range(repeats):
            started = time.perf_counter()
            _wait_http(base + build(data, rng), viewer, timeout=0)
            timings.setdefault(name, []).append((time.perf_counter() - started) * 1000)
    for po_id in tenant.probe_po_ids[:repeats]:
        request = urllib.request.Request(
            f"{base}/api/v1/purchase-orders/{po_id}/approve", method="POST", headers=planner
        )
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=120) as response:
            response.read()
        timings.setdefault("po approve", []).append((time.perf_counter() - started) * 1000)
    return timings


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _run_locust(
    args: argparse.Namespace,
    server: subprocess.Popen[bytes],
    port: int,
    tenant_file: Path,
    mode: str,
    duration: int,
    scratch: Path,
) -> tuple[dict[str, object], Usage]:
    """Drive the server on ``port`` with locust; the samples and the usage."""
    samples = scratch / f"samples-{mode}.json"
    env = {
        **os.environ,
        "API_LOAD_TENANT": str(tenant_file),
        "API_LOAD_SAMPLES": str(samples),
        "API_LOAD_MODE": mode,
        "API_LOAD_WAIT": args.wait,
        "PYTHONPATH": str(_HERE.parent),
    }
    command = [
        str(Path(sys.executable).with_name("locust")),
        "-f",
        str(_HERE / "api_load_locust.py"),
        "--headless",
        "--only-summary",
        "--users",
        str(args.clients),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        f"{duration}s",
        "--stop-timeout",
        "10",
        "--host",
        f"http://127.0.0.1:{port}",
        "--loglevel",
        "WARNING",
    ]
    locust = subprocess.Popen(
        command, env=env, cwd=_HERE.parent, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    sampler = Sampler(server.pid, locust.pid)
    sampler.start()
    _, stderr = locust.communicate()
    sampler.stop.set()
    sampler.join()
    if not samples.exists():
        raise SystemExit(f"locust failed:\n{stderr.decode()[-2000:]}")
    return json.loads(samples.read_text()), sampler.usage


@dataclass
class Row:
    """One line of the table."""

    name: str
    count: int
    rps: float
    p50: float
    p95: float
    p99: float
    max: float
    errors: int


def _row(name: str, values: list[float], errors: int, seconds: float) -> Row:
    a = np.asarray(values) if values else np.zeros(1)
    p50, p95, p99 = np.percentile(a, [50, 95, 99])
    return Row(name, len(values), len(values) / seconds, p50, p95, p99, float(a.max()), errors)


def _rows(result: dict[str, object], seconds: float) -> tuple[list[Row], Row]:
    """Rows per request name and per group (indented), and the reads-only total."""
    samples: dict[str, list[float]] = result["samples"]  # type: ignore[assignment]
    errors: dict[str, int] = result["errors"]  # type: ignore[assignment]
    rows: list[Row] = []
    reads: list[float] = []
    read_errors = 0
    for group, names in _GROUPS.items():
        values = [v for n in names for v in samples.get(n, [])]
        failed = sum(errors.get(n, 0) for n in names)
        reads += values
        read_errors += failed
        rows.append(_row(group, values, failed, seconds))
        if len(names) > 1:
            rows += [_row(f"  {n}", samples.get(n, []), errors.get(n, 0), seconds) for n in names]
    for name in sorted(set(samples) - {n for names in _GROUPS.values() for n in names}):
        rows.append(_row(name, samples[name], errors.get(name, 0), seconds))
    return rows, _row("all reads", reads, read_errors, seconds)


def _print_table(title: str, rows: list[Row], total: Row | None) -> None:
    print(f"\n{title}")
    print(
        f"{'request':<34}{'count':>8}{'rps':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'max ms':>9}{'errors':>8}"
    )
    for r in [*rows, *([total] if total else [])]:
        print(
            f"{r.name:<34}{r.count:>8,}{r.rps:>8.1f}{r.p50:>9.1f}{r.p95:>9.1f}{r.p99:>9.1f}"
            f"{r.max:>9.0f}{r.errors:>8,}"
        )


def _print_usage(usage: Usage, requests: int) -> None:
    cores = ", ".join(f"{k} {v / usage.wall:.2f}" for k, v in usage.cpu.items())
    print(f"CPU (cores used on average over {usage.wall:.0f} s): {cores}")
    per = ", ".join(f"{k} {1000 * v / max(requests, 1):.1f}" for k, v in usage.cpu.items())
    print(f"CPU ms per request: {per}")


def _after_warmup(rss: list[tuple[float, float]]) -> float:
    """The first RSS sample taken a minute or more into the run (else the last one)."""
    return next((mib for t, mib in rss if t >= 60), rss[-1][1])


def rss_growth(rss: list[tuple[float, float]]) -> float:
    """The server's RSS growth from the end of the first minute to the last sample, as a
    share of the former (0.02 = 2 %); 0 without samples."""
    if not rss:
        return 0.0
    warm = _after_warmup(rss)
    return (rss[-1][1] - warm) / warm


def _rss_line(usage: Usage) -> str:
    rss = usage.rss
    if not rss:
        return "server RSS: no samples"

    def at(fraction: float) -> float:
        return rss[min(len(rss) - 1, int(fraction * (len(rss) - 1)))][1]

    one_minute = _after_warmup(rss)
    peak = max(mib for _, mib in rss)
    return (
        f"server RSS MiB: start {at(0):.0f}, +60 s {one_minute:.0f}, middle {at(0.5):.0f}, "
        f"end {at(1):.0f} (peak {peak:.0f})"
    )


async def _create_database(dsn: str) -> str:
    name = f"shelfops_apiload_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return name


async def _drop_database(dsn: str, name: str) -> None:
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def _server_env(args: argparse.Namespace, database_url: str, scratch: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHELFOPS_")}
    env.update(
        {
            "SHELFOPS_ENV": "dev",
            "SHELFOPS_DATABASE_URL": database_url,
            "SHELFOPS_VAR_DIR": str(scratch / "var"),
            # The embedded defaults (dev) would write console text; a deployment writes
            # JSON lines, which cost less per line.
            "SHELFOPS_LOG_FORMAT": "json",
        }
    )
    if args.workers > 1:
        # Several processes share their failed-authentication counters through Redis.
        env["SHELFOPS_BROKER_URL"] = args.redis
        env["SHELFOPS_BROKER_KEY_PREFIX"] = f"apiload-{uuid.uuid4().hex[:8]}:"
    return env


def run(args: argparse.Namespace) -> None:
    """Build (or reuse) the tenant, load ShelfOps and the floor, print the tables."""
    load_start = os.getloadavg()
    sizes = Sizes(
        stores=args.stores,
        products=args.products,
        suppliers=args.suppliers,
        sales_days=args.sales_days,
        horizon=args.horizon,
        forecast_series=args.forecast_series,
        lines_per_po=args.lines_per_po,
    )
    base = args.dsn.rsplit("/", 1)[0]
    database = args.reuse or asyncio.run(_create_database(args.dsn))
    owner_dsn = f"{base}/{database}"
    url = owner_dsn.replace("postgresql://", "postgresql+asyncpg://", 1)
    print(f"scratch database {database}; load average at start {_load(load_start)}")
    with tempfile.TemporaryDirectory(prefix="shelfops-apiload-") as tmp:
        scratch = Path(tmp)
        try:
            if args.reuse:
                tenant = Tenant.read(args.tenant_file)
                print(f"reusing the tenant of {args.tenant_file} (built earlier):")
                # A database kept by an older checkout gets this one's schema (indexes).
                settings = Settings(env=Environment.TEST, var_dir=scratch / "var", database_url=url)
                asyncio.run(migrate.upgrade(settings))
            else:
                settings = Settings(env=Environment.TEST, var_dir=scratch / "var", database_url=url)
                started = time.perf_counter()
                tenant = asyncio.run(
                    build_tenant(settings, owner_dsn, sizes, scratch, dt.date.today())
                )
                print(f"tenant built in {time.perf_counter() - started:.0f} s:")
                if args.keep and args.tenant_file:
                    tenant.write(args.tenant_file)
            for name, value in tenant.counts.items():
                print(f"  {name:<32}{value:>12,}")
            for name, secs in tenant.seconds.items():
                print(f"  {name:<32}{secs:>11.1f}s")
            asyncio.run(tenant.refresh_orders(owner_dsn, args.probe))
            tenant_file = scratch / "tenant.json"
            tenant.write(tenant_file)
            ours, ours_usage, page, probe = _measure_shelfops(
                args, url, scratch, tenant, tenant_file
            )
            floor, floor_usage = _measure_floor(args, scratch, page, tenant_file)
        finally:
            if args.keep or args.reuse:
                print(f"kept database {database}")
            else:
                asyncio.run(_drop_database(args.dsn, database))
    load_end = os.getloadavg()
    _report(args, ours, ours_usage, floor, floor_usage, probe, len(page), load_start, load_end)


def _processes(args: argparse.Namespace) -> str:
    return f"{args.workers} uvicorn process{'es' if args.workers > 1 else ''}"


def _load(average: tuple[float, float, float]) -> str:
    return "/".join(f"{x:.2f}" for x in average)


def _measure_shelfops(
    args: argparse.Namespace, url: str, scratch: Path, tenant: Tenant, tenant_file: Path
) -> tuple[dict[str, object], Usage, bytes, dict[str, list[float]]]:
    port = _free_port()
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "shelfops", "serve"),
            *("--port", str(port), "--workers", str(args.workers)),
        ],
        env=_server_env(args, url, scratch),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_http(f"http://127.0.0.1:{port}/health")
        auth = {"Authorization": f"Bearer {tenant.viewer_key}"}
        store = tenant.store_ids[0]
        page = _wait_http(f"http://127.0.0.1:{port}/api/v1/inventory?store_id={store}", auth)
        print(f"\nshelfops serve ({_processes(args)}) on :{port}; inventory page {len(page):,} B")
        probe = _probe(port, tenant, args.probe)
        print(f"load: {args.clients} clients, think time {args.wait} s, {args.duration} s")
        result, usage = _run_locust(
            args, server, port, tenant_file, "shelfops", args.duration, scratch
        )
    finally:
        _stop(server)
    return result, usage, page, probe


def _measure_floor(
    args: argparse.Namespace, scratch: Path, page: bytes, tenant_file: Path
) -> tuple[dict[str, object], Usage]:
    body = scratch / "floor-body.json"
    body.write_bytes(page)
    port = _free_port()
    floor = subprocess.Popen(
        [sys.executable, "-m", "bench.api_load_floor", str(port)],
        env={**os.environ, "API_LOAD_FLOOR_BODY": str(body)},
        cwd=_HERE.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_http(f"http://127.0.0.1:{port}/inventory-page")
        print(f"floor: bare FastAPI + uvicorn, static page, {args.floor_duration} s")
        return _run_locust(args, floor, port, tenant_file, "floor", args.floor_duration, scratch)
    finally:
        _stop(floor)


def _report(
    args: argparse.Namespace,
    ours: dict[str, object],
    ours_usage: Usage,
    floor: dict[str, object],
    floor_usage: Usage,
    probe: dict[str, list[float]],
    page_bytes: int,
    load_start: tuple[float, float, float],
    load_end: tuple[float, float, float],
) -> None:
    rows, reads = _rows(ours, ours_usage.wall)
    _print_table(
        f"ShelfOps (shelfops serve, {_processes(args)}): {args.clients} clients, "
        f"{args.duration} s, "
        f"think time {args.wait} s",
        rows,
        reads,
    )
    skipped = ours.get("skipped", {})
    if isinstance(skipped, dict) and any(skipped.values()):
        print(f"skipped: {skipped}")
    examples = ours.get("error_examples", {})
    if isinstance(examples, dict):
        for name, shown in examples.items():
            for text in shown[:2]:
                print(f"  error {name}: {text}")
    _print_usage(ours_usage, sum(r.count for r in rows if not r.name.startswith(" ")))
    print(_rss_line(ours_usage))
    print(f"unloaded (one request at a time, {args.probe} each, before the load), ms:")
    for name, values in probe.items():
        a = np.asarray(values)
        print(f"  {name:<32}median {np.median(a):>8.1f}   max {a.max():>8.1f}")

    floor_rows, _ = _rows(floor, floor_usage.wall)
    floor_row = next(r for r in floor_rows if r.name == "floor static page")
    _print_table(
        f"Floor (bare FastAPI + uvicorn, static {page_bytes:,} B JSON): {args.clients} clients, "
        f"{args.floor_duration} s, same think time",
        [floor_row],
        None,
    )
    _print_usage(floor_usage, floor_row.count)

    print()
    print(
        f"ShelfOps read p99 / floor p99: {reads.p99:.1f} / {floor_row.p99:.1f} ms = "
        f"{reads.p99 / floor_row.p99:.1f}x"
    )
    growth = rss_growth(ours_usage.rss)
    flat = growth <= _FLAT_RSS_GROWTH
    print(
        f"server RSS from +60 s to the end: {growth:+.1%} "
        f"({'flat' if flat else 'GROWING'}: at most {_FLAT_RSS_GROWTH:.0%} counts as flat)"
    )
    met = reads.p99 < _TARGET_P99_MS and reads.errors == 0 and flat
    print(
        f"target: read p99 < {_TARGET_P99_MS:.0f} ms, no errors, memory flat: "
        f"{'met' if met else 'MISSED'}"
    )
    print(
        f"load average (1/5/15 min) at start {_load(load_start)}, at end {_load(load_end)}; "
        f"{os.cpu_count()} cores, shared with other work"
    )


def main() -> None:
    """Parse options and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small tenant, 50 clients, 60 s")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--duration", type=int, default=600, help="seconds of load")
    parser.add_argument("--floor-duration", type=int, default=120, help="seconds, floor run")
    parser.add_argument("--spawn-rate", type=float, default=20, help="clients started per s")
    parser.add_argument("--wait", default="0.5,1.5", help="think time min,max (seconds)")
    parser.add_argument("--stores", type=int, default=1000)
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--suppliers", type=int, default=20)
    parser.add_argument("--sales-days", type=int, default=7, help="days of sales per series")
    parser.add_argument("--horizon", type=int, default=14, help="forecast days per series")
    parser.add_argument(
        "--forecast-series", type=int, default=100_000, help="series that get forecasts"
    )
    parser.add_argument("--lines-per-po", type=int, default=5)
    parser.add_argument("--probe", type=int, default=10, help="unloaded requests per name")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--tenant-file", type=Path, help="with --keep: save the tenant (API keys!) here"
    )
    parser.add_argument(
        "--reuse", metavar="DATABASE", help="load a kept database (needs --tenant-file)"
    )
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--workers", type=int, default=1, help="shelfops serve processes")
    parser.add_argument(
        "--redis",
        default="redis://127.0.0.1:6379/15",
        help="with --workers > 1: the Redis the API processes share",
    )
    args = parser.parse_args()
    if args.reuse and not args.tenant_file:
        parser.error("--reuse needs --tenant-file")
    if args.quick:
        args.clients, args.duration, args.floor_duration = 50, 60, 30
        args.stores, args.products, args.suppliers = 100, 200, 10
    run(args)


if __name__ == "__main__":
    main()
