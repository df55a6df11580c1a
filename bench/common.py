"""Shared helpers of the benchmarks: servers to start, load to apply, figures to print.

Benchmarks measure; they never assert. Peers are installed by the benchmark itself into
``.local/bench`` and never become dependencies of the platform.
"""

from __future__ import annotations

import math
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(os.environ.get("BENCH_WORK_DIR", ROOT / ".local" / "bench"))
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout: float = 60) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


class Server:
    """A server process for the duration of a ``with`` block."""

    def __init__(self, cmd: list[str], *, env: dict[str, str], ready_url: str, log: Path):
        self.cmd, self.env, self.ready_url, self.log = cmd, env, ready_url, log

    def __enter__(self) -> Server:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.handle = self.log.open("w")
        self.process = subprocess.Popen(
            self.cmd, env=self.env, cwd=ROOT, stdout=self.handle, stderr=subprocess.STDOUT
        )
        try:
            wait_http(self.ready_url)
        except RuntimeError:
            self.__exit__()
            raise RuntimeError(f"server did not start; see {self.log}") from None
        return self

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.handle.close()


@dataclass
class Load:
    requests: int
    seconds: float
    latencies: list[float]
    errors: int
    bytes: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def p95_ms(self) -> float:
        if len(self.latencies) < 2:
            return (self.latencies[0] * 1000) if self.latencies else 0.0
        return statistics.quantiles(self.latencies, n=20)[18] * 1000


def run_load(
    jobs: Sequence[Sequence], work: Callable[[object, object], int], *, make_client
) -> Load:
    """Run each client's list of jobs in its own thread (``work(client, job)`` returns the
    bytes received, or raises); returns throughput and latency over all of them."""
    latencies: list[float] = []
    errors = 0
    received = 0
    lock = threading.Lock()

    def client_loop(items) -> None:
        nonlocal errors, received
        client = make_client()
        for item in items:
            began = time.perf_counter()
            try:
                size = work(client, item)
            except Exception:  # a benchmark counts failures, it does not stop on them
                with lock:
                    errors += 1
                continue
            elapsed = time.perf_counter() - began
            with lock:
                latencies.append(elapsed)
                received += size

    threads = [threading.Thread(target=client_loop, args=(items,)) for items in jobs]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Load(len(latencies), time.perf_counter() - began, latencies, errors, received)


def split(items: Sequence, clients: int, *, rounds: int = 1, seed: int = 7) -> list[list]:
    """``rounds`` shuffled copies of ``items`` dealt to ``clients`` clients."""
    rng = random.Random(seed)
    pool = []
    for _ in range(rounds):
        batch = list(items)
        rng.shuffle(batch)
        pool += batch
    return [pool[i::clients] for i in range(clients)]


def table(rows: list[tuple], header: tuple) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [line.format(*header), line.format(*("-" * w for w in widths))]
    out += [line.format(*map(str, r)) for r in rows]
    return "\n".join(out)


def _http_client(urls: list[str], results) -> None:
    # The standard library's client on one keep-alive connection: it reads a body in one
    # call, so the client's own CPU (on the same cores as the servers) stays small and equal
    # for every server measured.
    import http.client
    from urllib.parse import urlsplit

    connection = None
    latencies, errors, received = [], 0, 0
    for url in urls:
        parts = urlsplit(url)
        path = f"{parts.path}?{parts.query}" if parts.query else parts.path
        began = time.perf_counter()
        try:
            if connection is None:
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=300)
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            errors += 1
            connection = None
            continue
        if response.status >= 400:
            errors += 1
            continue
        latencies.append(time.perf_counter() - began)
        received += len(body)
    results.put((latencies, errors, received))
    results.close()
    results.join_thread()
    # Leave without running the parent's clean-up: a forked child must not close the
    # database connections it inherited.
    os._exit(0)


def run_http_load(jobs: Sequence[Sequence[str]]) -> Load:
    """Fetch each client's URLs in its own process (Python threads would share one GIL and
    measure the client instead of the server)."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    results = context.Queue()
    processes = [context.Process(target=_http_client, args=(list(urls), results)) for urls in jobs]
    began = time.perf_counter()
    for process in processes:
        process.start()
    collected = [results.get() for _ in processes]
    seconds = time.perf_counter() - began
    for process in processes:
        process.join()
    latencies = [value for chunk in collected for value in chunk[0]]
    return Load(
        len(latencies),
        seconds,
        latencies,
        sum(c[1] for c in collected),
        sum(c[2] for c in collected),
    )


# -- shared by the benchmarks that compare tiles with tipg ---------------------------------------

TIPG_VERSION = "1.6.1"


def database_params() -> dict:
    from django.conf import settings

    db = settings.DATABASES["default"]
    return {
        "host": db["HOST"],
        "port": db["PORT"],
        "user": db["USER"],
        "password": db["PASSWORD"],
        "dbname": db["NAME"],
    }


def lonlat_to_tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def pick_tiles(extent, *, per_zoom: int = 16) -> list[tuple[int, int, int]]:
    west, south, east, north = extent
    rng = random.Random(13)
    tiles = []
    for z in (13, 14, 15, 16):
        x0, y0 = lonlat_to_tile(west, north, z)
        x1, y1 = lonlat_to_tile(east, south, z)
        candidates = [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
        tiles += rng.sample(candidates, min(per_zoom, len(candidates)))
    return tiles


def merged(loads):
    """One load from several runs: their requests, bytes, errors and time added up."""
    total = loads[0]
    for extra in loads[1:]:
        total.latencies += extra.latencies
        total.requests += extra.requests
        total.seconds += extra.seconds
        total.errors += extra.errors
        total.bytes += extra.bytes
    return total


def figures(load) -> dict:
    return {
        "requests": load.requests,
        "kB_avg": round(load.bytes / max(1, load.requests) / 1024, 1),
        "errors": load.errors,
        "per_second": round(load.per_second, 1),
        "p95_ms": round(load.p95_ms, 1),
    }


def warm_up(urls: list[str], connections: int = 8) -> None:
    """Open as many connections as the servers have threads or workers and fetch a few small
    tiles on each: every row measures servers in their steady state, not their first use."""
    run_http_load([urls[-2:]] * connections)


def tipg_python() -> Path:
    """tipg in its own virtual environment under .local/bench (never a platform dependency)."""
    venv = WORK / "tipg-venv"
    python = venv / "bin" / "python"
    if not (venv / "bin" / "uvicorn").exists():
        print(f"installing the peer tipg {TIPG_VERSION} into {venv} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "-q",
                f"tipg=={TIPG_VERSION}",
                "uvicorn[standard]",
            ],
            check=True,
        )
    return venv / "bin"
