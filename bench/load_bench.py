"""Load benchmark: 50 virtual users on the production server, then again during heavy jobs.

    ./platform bench load_bench [--users 50] [--seconds 60] [--think 0.5,2.5] [--parcels 600000]

On a fresh benchmark database (made by ./platform bench) it loads what ``./platform run``
loads (the reference data, the demo layers, the synthetic demo city of Ramallah and Al-Bireh
with its streets, buildings, postcodes and parcels, the basemap, the demo accounts, the demo
delivery day and the routing graph; labelled synthetic), then starts the platform as deployed:
``gis_project.settings.prod`` (DEBUG off, SECRET_KEY from this script's environment or a new
one per run, ALLOWED_HOSTS=127.0.0.1, HTTPS=false on loopback), gunicorn with the workers
``./platform run`` gives it (3 processes x 2 threads, gthread, --preload) and a real Celery
worker (concurrency 2) on a queue and Redis database of its own. Rate limits per address are
off for the server under load (API_RATE_LIMITS_OFF=true): every virtual user comes from
127.0.0.1 and would share one public budget; a separate short check shows that the same server
with them on answers 429.

Locust (a benchmark-only peer in .local/bench/locust-venv, never a platform dependency) runs
``--users`` virtual users for ``--seconds``, each waiting a think time drawn from ``--think``
seconds between requests (``--think 0`` for none), on a mix of: basemap and collection vector
tiles at z14-z18 over the demo city, geocoding search and autocomplete (real street names,
house numbers and postcodes of the register, in English and Arabic), reverse geocoding near
buildings, the public map's search, and OGC API feature pages (items pages, single items as
JSON and as HTML pages). Any answer other than 2xx/304, and any connection error or timeout,
is an error.

  phase 1  the mix alone;
  phase 2  the same mix while, through the real API, a planner imports two layers (the real
           Paris 18e cadastral parcels, GeoJSON, and ``--parcels`` synthetic parcels, a
           GeoPackage of about 140 MB made once by layers_bench's generator) and a dispatcher
           plans the demo post office's day; the worker runs them. It prints each job's final
           state and durations, and the figures of the requests made while a job ran.

It prints figures per endpoint (requests, errors, mean, p50, p95, p99, requests/s) and writes
.local/bench/load_results.json. It asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django

django.setup()

import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from addressing.models import Building, Place, Street  # noqa: E402
from bench.common import ROOT, VENV_BIN, WORK, Server, free_port, lonlat_to_tile, table  # noqa: E402
from core.collections import registry  # noqa: E402
from core.roles import Role, demo_username  # noqa: E402
from delivery.demo import DEMO_COURIERS, DEMO_DAY_ORDERS  # noqa: E402
from delivery.models import DeliveryOffice  # noqa: E402

LOCUST_VERSION = "2.47.0"
CADASTRE = ROOT.parent / "shared" / "data" / "cadastre-fr" / "cadastre-75118-parcelles.json"
# Collections a citizen's map overlays on the demo city (each filtered by what the public sees).
TILE_COLLECTIONS = ("addresses", "streets", "parcels", "postal-zones", "areas", "places")
PAGE_COLLECTIONS = ("addresses", "streets", "parcels", "places", "areas")
REDIS_DB = 9  # the server's cache and broker, apart from a platform run from this checkout
ENDPOINTS = (
    "basemap tile",
    "collection tile",
    "geocode search",
    "geocode autocomplete",
    "geocode reverse",
    "map search",
    "OGC items page (json)",
    "OGC item (json)",
    "OGC item page (html)",
)

LOCUSTFILE = '''
"""Written by bench/load_bench.py: the virtual users of the load benchmark."""
import json
import os
import random
import time

from locust import FastHttpUser, between, constant, events, task

PLAN = json.load(open(os.environ["LOAD_PLAN"]))
OUT = open(os.environ["LOAD_OUT"], "w")
LOW, HIGH = PLAN["think"]


@events.request.add_listener
def record(request_type, name, response_time, response_length, response=None,
           exception=None, start_time=None, url=None, **kwargs):
    status = getattr(response, "status_code", 0) or 0
    ok = exception is None and (200 <= status < 300 or status == 304)
    row = [round(start_time or time.time(), 4), name, round(response_time, 2), status, int(ok),
           response_length or 0]
    if not ok:
        body = ""
        try:
            body = (response.text or "")[:300]
        except Exception:
            pass
        row += [url or "", f"{type(exception).__name__}: {exception}"[:300] if exception else "",
                body]
    OUT.write(json.dumps(row, ensure_ascii=False) + "\\n")


@events.quitting.add_listener
def close(environment, **kwargs):
    OUT.close()


def pick(key):
    return random.choice(PLAN[key])


class Visitor(FastHttpUser):
    wait_time = between(LOW, HIGH) if HIGH > 0 else constant(0)
    connection_timeout = 30.0
    network_timeout = 120.0

    def on_start(self):
        self.wait()  # users arrive at once but start out of step, as a think time apart

    def get(self, path, name, **headers):
        self.client.get(path, name=name, headers=headers or None)

    @task(20)
    def basemap_tile(self):
        z, x, y = pick("basemap")
        self.get(f"/basemap/{z}/{x}/{y}.mvt", "basemap tile")

    @task(20)
    def collection_tile(self):
        c, z, x, y = pick("tiles")
        self.get(f"/tiles/{c}/{z}/{x}/{y}.mvt", "collection tile")

    @task(10)
    def geocode_search(self):
        self.get(pick("search"), "geocode search")

    @task(10)
    def geocode_autocomplete(self):
        self.get(pick("autocomplete"), "geocode autocomplete")

    @task(10)
    def geocode_reverse(self):
        self.get(pick("reverse"), "geocode reverse")

    @task(8)
    def map_search(self):
        self.get(pick("map_search"), "map search")

    @task(8)
    def items_page(self):
        self.get(pick("items"), "OGC items page (json)")

    @task(8)
    def item_json(self):
        self.get(pick("item") + "?f=json", "OGC item (json)")

    @task(6)
    def item_html(self):
        self.get(pick("item") + "?f=html", "OGC item page (html)", Accept="text/html")
'''


# -- data -------------------------------------------------------------------------------------


def load_data() -> None:
    """What ./platform run loads, on a database that does not hold the demo city yet."""
    if Building.objects.exists():
        print("the demo city is loaded already", flush=True)
        return
    print("loading the reference data, demo layers, demo city, parcels, accounts and "
          "delivery day (synthetic) ...", flush=True)  # fmt: skip
    for command in (
        "load_reference_data", "load_demo_layers", "load_demo_city", "load_demo_parcels",
        "basemap_refresh", "demo_users", "load_demo_delivery", "routing_graph_build",
    ):  # fmt: skip
        # Quiet: demo_users prints new passwords, which a benchmark's output must not hold.
        call_command(command, stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def synthetic_parcels(count: int) -> Path:
    from bench.layers_bench import parcels_file

    return parcels_file(count)


def tokens() -> dict[str, str]:
    user_model = get_user_model()
    found = {}
    for role in (Role.PLANNER, Role.DISPATCHER):
        user = user_model.objects.get(username=demo_username(role))
        found[role.value] = Token.objects.get_or_create(user=user)[0].key
    return found


def tiles_over_city(rng: random.Random, count: int) -> list[tuple[int, int, int]]:
    """Tiles a citizen's map asks for: around random addresses of the demo city, z14-z18 (so
    the few low-zoom tiles come up again and again, and most z17-z18 tiles once)."""
    points = list(
        Building.objects.filter(is_synthetic=True).order_by("pk").values_list("entrance", flat=True)
    )
    tiles = []
    for _ in range(count):
        point = rng.choice(points)
        z = rng.randint(14, 18)
        tiles.append((z, *lonlat_to_tile(point.x, point.y, z)))
    return tiles


def search_queries(rng: random.Random) -> dict[str, list[str]]:
    ids = list(
        Building.objects.filter(
            is_synthetic=True, number__isnull=False, postcode__isnull=False
        ).values_list("pk", flat=True)
    )
    rows = list(
        Building.objects.filter(pk__in=rng.sample(ids, min(400, len(ids))))
        .select_related("street__municipality")
        .order_by("pk")
    )
    search, autocomplete, map_search = [], [], []
    for b in rows:
        town_en = b.street.municipality.name_en or ""
        town_ar = b.street.municipality.name_ar or ""
        choice = rng.random()
        if choice < 0.4:
            query = f"{b.street.name_en} {b.number}, {town_en}"
        elif choice < 0.75:
            query = f"{b.street.name_ar} {b.number}، {town_ar}"
        else:
            query = b.postcode
        search.append(query)
        name = b.street.name_en if rng.random() < 0.5 else b.street.name_ar
        autocomplete.append(name[: rng.randint(3, max(3, min(len(name), 12)))])
        map_search.append(rng.choice([b.street.name_en, b.street.name_ar, b.postcode]))
    places = list(
        Place.objects.exclude(name_en="").order_by("pk").values_list("name_en", "name_ar")[:200]
    )
    for name_en, name_ar in places:
        map_search.append(name_ar or name_en if rng.random() < 0.5 else name_en)
    streets = list(Street.objects.order_by("pk").values_list("name_en", flat=True)[:300])
    map_search += rng.sample(streets, min(40, len(streets)))
    return {
        "search": [f"/api/v1/geocode/search?{urlencode({'q': q})}" for q in search],
        "autocomplete": [f"/api/v1/geocode/autocomplete?{urlencode({'q': q})}"
                         for q in autocomplete],
        "map_search": [f"/api/v1/map/search?{urlencode({'q': q})}" for q in map_search],
    }  # fmt: skip


def reverse_queries(rng: random.Random) -> list[str]:
    """Points within about 30 m of a building's entrance (the default radius is 100 m)."""
    points = list(
        Building.objects.filter(is_synthetic=True).order_by("pk").values_list("entrance", flat=True)
    )
    points = rng.sample(points, min(400, len(points)))
    urls = []
    for p in points:
        lon = p.x + rng.uniform(-0.0003, 0.0003)
        lat = p.y + rng.uniform(-0.0002, 0.0002)
        urls.append(f"/api/v1/geocode/reverse?lon={lon:.6f}&lat={lat:.6f}")
    return urls


def public(ids) -> list[str]:
    visible = {c.id for c in registry.visible(user=AnonymousUser())}
    return [i for i in ids if i in visible]


def feature_pages(base: str, rng: random.Random) -> tuple[list[str], list[str]]:
    """Items pages and single items of the public collections, as the server lists them."""
    pages, items = [], []
    for collection in public(PAGE_COLLECTIONS):
        url = f"{base}/ogcapi/collections/{collection}/items?f=json&limit=500"
        body = requests.get(url, timeout=120).json()
        features = body.get("features", [])
        matched = body.get("numberMatched") or len(features)
        if not features:
            continue
        items += [f"/ogcapi/collections/{collection}/items/{quote(str(f['id']))}"
                  for f in rng.sample(features, min(80, len(features)))]  # fmt: skip
        for _ in range(40):
            offset = rng.randrange(0, max(1, matched - 20))
            pages.append(f"/ogcapi/collections/{collection}/items?f=json&limit=20&offset={offset}")
    return pages, items


def make_plan(base: str, think: tuple[float, float]) -> dict:
    rng = random.Random(2026)
    tiles = tiles_over_city(rng, 3000)
    collections = public(TILE_COLLECTIONS)
    plan = {
        "think": think,
        "basemap": tiles[:1500],
        "tiles": [(rng.choice(collections), *t) for t in tiles[1500:]],
        "reverse": reverse_queries(rng),
        **search_queries(rng),
    }
    plan["items"], plan["item"] = feature_pages(base, rng)
    plan["collections"] = collections
    return plan


# -- processes --------------------------------------------------------------------------------


def locust_bin() -> Path:
    """Locust in its own virtual environment under .local/bench (never a platform dependency)."""
    venv = WORK / "locust-venv"
    if not (venv / "bin" / "locust").exists():
        print(f"installing the peer locust {LOCUST_VERSION} into {venv} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
             f"locust=={LOCUST_VERSION}"],
            check=True,
        )  # fmt: skip
    return venv / "bin" / "locust"


def database_url() -> str:
    db = settings.DATABASES["default"]
    if not db["NAME"].startswith("gis_bench"):
        sys.exit(f"error: the database is {db['NAME']!r}; run ./platform bench load_bench")
    password = quote(db["PASSWORD"] or "", safe="")
    return (
        f"postgis://{quote(db['USER'], safe='')}:{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )


def redis_url() -> str:
    parts = urlsplit(settings.CACHES["default"]["LOCATION"])
    return urlunsplit(parts._replace(path=f"/{REDIS_DB}"))


def server_env(port: int, *, limits_off: bool, queue: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "API_RATE"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "gis_project.settings.prod",
            "DJANGO_DEBUG": "false",
            # The key of this environment (./platform bench passes the checkout's), or one
            # made for this run alone.
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "HTTPS": "false",
            "DATABASE_URL": database_url(),
            "REDIS_URL": redis_url(),
            "CELERY_QUEUE": queue,
            "PLATFORM_BASE_URL": f"http://127.0.0.1:{port}",
            "TILE_CACHE": "files",
            "TILE_CACHE_DIR": str(WORK / "load-tiles"),
            "MEDIA_ROOT": str(WORK / "load-media"),
            "API_RATE_LIMITS_OFF": "true" if limits_off else "false",
        }
    )
    return env


def gunicorn(port: int, env: dict, *, workers: int, log: str) -> Server:
    """gunicorn as ./platform run starts it (scripts/devstack.py), in the foreground."""
    return Server(
        [str(VENV_BIN / "gunicorn"), "gis_project.wsgi:application", f"--bind=127.0.0.1:{port}",
         f"--workers={workers}", "--worker-class=gthread", "--threads=2", "--keep-alive=30",
         "--preload", f"--access-logfile={WORK / (log + '-access.log')}", "--timeout=120",
         "--no-control-socket"],
        env=env, ready_url=f"http://127.0.0.1:{port}/healthz", log=WORK / f"{log}.log",
    )  # fmt: skip


@contextlib.contextmanager
def celery_worker(env: dict, queue: str, concurrency: int):
    """A Celery worker as ./platform run starts it, in the foreground, on the bench's queue."""
    name = f"{queue}@{socket.gethostname()}"
    log = WORK / "load-worker.log"
    process = subprocess.Popen(
        [str(VENV_BIN / "celery"), "--app=gis_project", "worker", f"--logfile={log}",
         "--loglevel=INFO", f"--concurrency={concurrency}", f"--queues={queue}",
         f"--hostname={name}"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while True:
            ping = subprocess.run(
                [str(VENV_BIN / "celery"), "--app=gis_project", "inspect", "ping", "-d", name,
                 "-t", "2"],
                env=env, cwd=ROOT, capture_output=True, check=False,
            )  # fmt: skip
            if ping.returncode == 0:
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Celery worker did not start; see {log}")
            time.sleep(0.5)
        yield process
    finally:
        process.terminate()  # warm shutdown: a running job finishes first
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- load -------------------------------------------------------------------------------------


def run_locust(base: str, plan_path: Path, out: Path, users: int, seconds: int) -> None:
    env = {**os.environ, "LOAD_PLAN": str(plan_path), "LOAD_OUT": str(out)}
    subprocess.run(
        [str(locust_bin()), "-f", str(WORK / "load_locustfile.py"), "--headless",
         "--host", base, "--users", str(users), "--spawn-rate", str(users),
         "--run-time", f"{seconds}s", "--stop-timeout", "30", "--only-summary",
         "--loglevel", "WARNING", "--skip-log-setup"],
        env=env, cwd=WORK, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
    )  # fmt: skip


def read_rows(path: Path) -> list[list]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return 0.0
    rank = max(0, math.ceil(p / 100 * len(sorted_values)) - 1)
    return sorted_values[rank]


def summarise(rows: list[list], seconds: float) -> dict:
    out = {}
    for name in (*ENDPOINTS, "all"):
        mine = [r for r in rows if name == "all" or r[1] == name]
        times = sorted(r[2] for r in mine)
        errors = [r for r in mine if not r[4]]
        out[name] = {
            "requests": len(mine),
            "errors": len(errors),
            "mean_ms": round(statistics.fmean(times), 1) if times else 0.0,
            "p50_ms": round(percentile(times, 50), 1),
            "p95_ms": round(percentile(times, 95), 1),
            "p99_ms": round(percentile(times, 99), 1),
            "max_ms": round(times[-1], 1) if times else 0.0,
            "per_second": round(len(mine) / seconds, 1) if seconds else 0.0,
            "kB_avg": round(statistics.fmean(r[5] for r in mine) / 1024, 1) if mine else 0.0,
        }
    return out


def error_samples(rows: list[list]) -> list[dict]:
    seen: dict[tuple, dict] = {}
    for r in rows:
        if r[4]:
            continue
        key = (r[1], r[3], (r[7] or r[8])[:80] if len(r) > 8 else "")
        entry = seen.setdefault(key, {"endpoint": r[1], "status": r[3], "count": 0,
                                      "url": r[6] if len(r) > 6 else "",
                                      "message": (r[7] or r[8]) if len(r) > 8 else ""})  # fmt: skip
        entry["count"] += 1
    return sorted(seen.values(), key=lambda e: -e["count"])


# -- background jobs --------------------------------------------------------------------------


class Jobs:
    """Starts the import and planning jobs through the API and follows them to the end."""

    def __init__(self, base: str, keys: dict[str, str], parcels: Path):
        self.base, self.keys, self.parcels = base, keys, parcels
        self.office = DeliveryOffice.objects.get(code="demo-ramallah-post").pk
        self.day = timezone.localdate().isoformat()
        self.jobs: list[dict] = []
        self.submitted_at: float | None = None
        self.thread = threading.Thread(target=self.submit, daemon=True)

    def headers(self, role: str) -> dict:
        return {"Authorization": f"Token {self.keys[role]}"}

    def post(self, label: str, role: str, path: str, **kwargs) -> None:
        began = time.time()
        try:
            response = requests.post(
                f"{self.base}{path}", headers=self.headers(role), timeout=600, **kwargs
            )
            body = response.json() if response.content else {}
            status = response.status_code
        except requests.RequestException as exc:
            body, status = {"error": str(exc)}, 0
        self.jobs.append({
            "label": label, "role": role, "post_status": status,
            "post_s": round(time.time() - began, 2), "posted_at": began,
            "id": body.get("id"), "state": body.get("state") or "not started",
            "error": body.get("error") or body.get("message") or (
                json.dumps(body)[:300] if status != 202 else ""),
        })  # fmt: skip

    def submit(self) -> None:
        self.submitted_at = time.time()
        self.post(
            f"round planning, demo post office ({DEMO_DAY_ORDERS} orders, "
            f"{len(DEMO_COURIERS)} couriers)", "dispatcher",
            "/api/v1/delivery/plans", json={"office": self.office, "day": self.day},
        )  # fmt: skip
        for label, path, slug in (
            (f"layer import, {file_mb(self.parcels):.0f} MB GeoPackage "
             "(synthetic parcels)", self.parcels, f"load-bench-parcels-{os.getpid()}"),
            (f"layer import, Paris 18e cadastre GeoJSON {file_mb(CADASTRE):.1f} MB (real)",
             CADASTRE, f"load-bench-cadastre-{os.getpid()}"),
        ):  # fmt: skip
            if not path.is_file():
                print(f"  {path} is missing: that import is left out", flush=True)
                continue
            with path.open("rb") as fh:
                self.post(
                    label, "planner", "/api/v1/layers/imports/",
                    files={"file": (path.name, fh, "application/octet-stream")},
                    data={"new_slug": slug, "new_title_en": f"{slug} (benchmark)",
                          "new_visibility": "internal"},
                )  # fmt: skip

    def poll(self) -> None:
        for job in self.jobs:
            if job["id"] and job["state"] in ("queued", "running"):
                try:
                    body = requests.get(
                        f"{self.base}/api/v1/jobs/{job['id']}/",
                        headers=self.headers(job["role"]),
                        timeout=30,
                    ).json()
                except (requests.RequestException, ValueError):
                    continue
                job.update({k: body.get(k) for k in ("state", "started_at", "finished_at",
                                                     "created_at", "result", "error",
                                                     "message")})  # fmt: skip

    def finished(self) -> bool:
        # A thread that failed before posting every job leaves fewer; they are all there is.
        return not self.thread.is_alive() and all(
            j["state"] not in ("queued", "running") for j in self.jobs
        )

    def window(self) -> tuple[float, float]:
        """From the first job's submission to the last job's end (server clock, same machine)."""
        ends = [stamp(j.get("finished_at")) for j in self.jobs]
        return self.submitted_at or 0.0, max((e for e in ends if e), default=time.time())


def file_mb(path: Path) -> float:
    return path.stat().st_size / 1024**2 if path.is_file() else 0.0


def stamp(value: str | None) -> float | None:
    return datetime.fromisoformat(value).timestamp() if value else None


def job_rows(jobs: list[dict]) -> list[dict]:
    rows = []
    for j in jobs:
        created, started, ended = (stamp(j.get(k)) for k in ("created_at", "started_at",
                                                               "finished_at"))  # fmt: skip
        result = j.get("result") or {}
        summary = ""
        if isinstance(result, dict):
            if "imported" in result:
                summary = (f"{result['imported']:,} features, import {result['seconds']:.1f} s, "
                           f"{result['imported'] / max(result['seconds'], 0.001):,.0f} rows/s")  # fmt: skip
            elif "rounds" in result:
                summary = (f"{result['rounds']} rounds, {result['unserved']} unserved, "
                           f"plan {result['seconds']:.1f} s")  # fmt: skip
        rows.append({
            "job": j["label"], "state": j["state"], "post_status": j["post_status"],
            "post_s": j["post_s"],
            "queued_s": round(started - created, 1) if started and created else None,
            "run_s": round(ended - started, 1) if ended and started else None,
            "result": summary or (j.get("error") or "")[:200],
        })  # fmt: skip
    return rows


# -- the rate limit, on ----------------------------------------------------------------------


def rate_limit_check(queue: str, query: str) -> dict:
    """The same server with rate limits on: one address, sequential geocoding requests."""
    port = free_port()
    env = server_env(port, limits_off=False, queue=queue)
    limit = settings.API_RATE_LIMITS["geocode"]["public"]
    allowed = int(limit.split("/")[0])
    statuses, retry_after = [], None
    with gunicorn(port, env, workers=1, log="load-gunicorn-limits"):
        session = requests.Session()
        for _ in range(allowed + 10):
            response = session.get(f"http://127.0.0.1:{port}{query}", timeout=30)
            statuses.append(response.status_code)
            if response.status_code == 429 and retry_after is None:
                retry_after = response.headers.get("Retry-After")
    first = next((i + 1 for i, s in enumerate(statuses) if s == 429), None)
    return {
        "limit": limit,
        "sent": len(statuses),
        "ok": sum(1 for s in statuses if s == 200),
        "429": statuses.count(429),
        "first_429_at": first,
        "retry_after": retry_after,
    }


# -- the run ----------------------------------------------------------------------------------


def phase(number: int, base: str, plan: Path, users: int, seconds: int, jobs: Jobs | None):
    out = WORK / f"load_phase{number}.jsonl"
    label = "with the import and planning jobs" if jobs else "alone"
    print(f"phase {number}: {users} users for {seconds} s, {label} ...", flush=True)
    began = time.time()
    runner = threading.Thread(target=run_locust, args=(base, plan, out, users, seconds))
    runner.start()
    if jobs:
        time.sleep(5)  # every user is at work first
        jobs.thread.start()
        while runner.is_alive():
            jobs.poll()
            time.sleep(1)
    runner.join()
    ended = time.time()
    if jobs and not jobs.finished():
        print("  the jobs outlasted the phase; waiting for them (no load) ...", flush=True)
        deadline = time.monotonic() + 600
        while not jobs.finished() and time.monotonic() < deadline:
            jobs.poll()
            time.sleep(1)
    return read_rows(out), began, ended


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--think", default="0.5,2.5", help="seconds MIN,MAX between requests, or 0")
    parser.add_argument("--warmup", type=int, default=10, help="seconds of load not counted")
    parser.add_argument("--parcels", type=int, default=600_000, help="synthetic parcels to import")
    parser.add_argument("--web-workers", type=int, default=3, help="as ./platform run")
    parser.add_argument("--worker-concurrency", type=int, default=2, help="as ./platform run")
    args = parser.parse_args()
    think = tuple(float(v) for v in args.think.split(",")) if args.think != "0" else (0.0, 0.0)
    WORK.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    locust_bin()
    load_data()
    parcels = synthetic_parcels(args.parcels)
    keys = tokens()
    for folder in ("load-tiles", "load-media"):
        shutil.rmtree(WORK / folder, ignore_errors=True)
    for log in ("load-gunicorn-access.log", "load-gunicorn-limits-access.log"):
        (WORK / log).unlink(missing_ok=True)  # gunicorn appends; this run's answers only
    (WORK / "load_locustfile.py").write_text(LOCUSTFILE)
    queue = f"bench-load-{os.getpid()}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = server_env(port, limits_off=True, queue=queue)
    results: dict = {
        "machine": {"cpus": os.cpu_count(), "load_avg_at_start": os.getloadavg()},
        "users": args.users, "seconds": args.seconds, "think_s": think,
        "web_workers": args.web_workers, "threads": 2,
        "worker_concurrency": args.worker_concurrency,
    }  # fmt: skip
    with (
        gunicorn(port, env, workers=args.web_workers, log="load-gunicorn"),
        celery_worker(env, queue, args.worker_concurrency),
    ):
        print("collecting the mix from the running server ...", flush=True)
        plan = make_plan(base, think)
        plan_path = WORK / "load_plan.json"
        plan_path.write_text(json.dumps(plan, ensure_ascii=False))
        results["mix"] = {k: len(plan[k]) for k in ("basemap", "tiles", "search", "autocomplete",
                                                      "reverse", "map_search", "items", "item")}  # fmt: skip
        results["collections"] = plan["collections"]
        if args.warmup:
            # Not counted: every server process past its first tiles and prepared statements.
            print(
                f"warming up: {args.users} users for {args.warmup} s (not counted) ...", flush=True
            )
            warm = WORK / "load_warmup.jsonl"
            run_locust(base, plan_path, warm, args.users, args.warmup)
            results["warmup_errors"] = error_samples(read_rows(warm))
        rows1, began1, ended1 = phase(1, base, plan_path, args.users, args.seconds, None)
        results["phase1"] = summarise(rows1, ended1 - began1)
        results["phase1_errors"] = error_samples(rows1)
        jobs = Jobs(base, keys, parcels)
        rows2, began2, ended2 = phase(2, base, plan_path, args.users, args.seconds, jobs)
        results["phase2"] = summarise(rows2, ended2 - began2)
        results["phase2_errors"] = error_samples(rows2)
        low, high = jobs.window()
        during = [r for r in rows2 if low <= r[0] <= high]
        results["phase2_during_jobs"] = summarise(during, max(0.001, min(high, ended2) - low))
        results["jobs_window_s"] = round(high - low, 1)
        results["jobs"] = job_rows(jobs.jobs)
    statuses = re.findall(r'" (\d{3}) ', (WORK / "load-gunicorn-access.log").read_text())
    results["server_statuses"] = dict(sorted(Counter(statuses).items()))
    results["rate_limit"] = rate_limit_check(queue, plan["search"][0])
    results["total_s"] = round(time.monotonic() - started)
    results["machine"]["load_avg_at_end"] = os.getloadavg()
    (WORK / "load_results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    report(results)


def phase_table(figures: dict, title: str) -> str:
    return table(
        [(name, v["requests"], v["errors"], v["mean_ms"], v["p50_ms"], v["p95_ms"], v["p99_ms"],
          v["per_second"]) for name, v in figures.items()],
        (title, "requests", "errors", "mean ms", "p50 ms", "p95 ms", "p99 ms", "req/s"),
    )  # fmt: skip


def report(r: dict) -> None:
    think = "none" if not r["think_s"][1] else f"{r['think_s'][0]:g}-{r['think_s'][1]:g} s"
    print()
    print(f"Load benchmark: {r['users']} users for {r['seconds']} s per phase, think time {think}, "
          f"{r['machine']['cpus']} CPUs (load average at start "
          f"{r['machine']['load_avg_at_start'][0]:.1f})")  # fmt: skip
    print(f"gunicorn {r['web_workers']} processes x {r['threads']} threads (gthread, --preload), "
          f"settings.prod, DEBUG off; Celery worker concurrency {r['worker_concurrency']}; "
          "API_RATE_LIMITS_OFF=true (every user comes from 127.0.0.1)")  # fmt: skip
    print(f"tile collections: {', '.join(r['collections'])}")
    print()
    print(phase_table(r["phase1"], "phase 1: the mix alone"))
    print()
    print(phase_table(r["phase2"], "phase 2: with the jobs"))
    print()
    print(phase_table(r["phase2_during_jobs"],
                      f"phase 2, while a job ran ({r['jobs_window_s']} s)"))  # fmt: skip
    print()
    print(table(
        [(j["job"], j["state"], j["post_status"], j["post_s"], j["queued_s"], j["run_s"],
          j["result"]) for j in r["jobs"]],
        ("background job", "state", "POST", "POST s", "queued s", "run s", "result"),
    ))  # fmt: skip
    print()
    print(
        f"every answer of the server under load (its access log, job polls and uploads "
        f"included): {r['server_statuses']}"
    )
    for name in ("warmup_errors", "phase1_errors", "phase2_errors"):
        if r.get(name):
            print()
            print(table(
                [(e["endpoint"], e["status"], e["count"], e["url"][:80], e["message"][:120])
                 for e in r[name]],
                (f"errors, {name.split('_')[0]}", "status", "count", "first URL", "message"),
            ))  # fmt: skip
    rl = r["rate_limit"]
    print()
    print(f"rate limit on (separate server, 1 process): {rl['sent']} geocoding searches from one "
          f"address, limit {rl['limit']}: {rl['ok']} answered 200, {rl['429']} answered 429 "
          f"(the first at request {rl['first_429_at']}, Retry-After {rl['retry_after']} s)")  # fmt: skip
    print()
    one, two, during = r["phase1"], r["phase2"], r["phase2_during_jobs"]
    print(table(
        [(name, one[name]["errors"] + two[name]["errors"], one[name]["p95_ms"],
          two[name]["p95_ms"], during[name]["p95_ms"],
          f"{during[name]['p95_ms'] / one[name]['p95_ms']:.2f}x"
          if one[name]["p95_ms"] and during[name]["requests"] else "-")
         for name in (*ENDPOINTS, "all")],
        ("summary", "errors", "p95 ms alone", "p95 ms phase 2", "p95 ms during jobs",
         "during / alone"),
    ))  # fmt: skip
    print(f"\n{r['total_s']} s in all; figures in .local/bench/load_results.json")


if __name__ == "__main__":
    main()
