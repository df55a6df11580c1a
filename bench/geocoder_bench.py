"""Geocoder benchmark: accuracy and latency on labelled queries, against Nominatim in the same run.

    ./platform bench geocoder_bench [--queries 400] [--spacing 43 --every 8] [--no-nominatim]

On a fresh benchmark database it builds the register: the synthetic demo city of Ramallah and
Al-Bireh made dense enough for about 100,000 addresses (labelled synthetic), and the real
Helsinki OpenStreetMap extract (streets, addr:* addresses, places). From data the register
holds it draws labelled query sets, each query with the true position:

  helsinki exact / noisy    real OSM addresses ("Kaivokatu 1, Helsinki"), then with typos,
                            dropped words, swapped order and case changes;
  ramallah exact / noisy    synthetic addresses in English and in Arabic, then with
                            transliteration variants (Irsal/Ersal, Al-/El-), Arabic spelling
                            variants (hamza, taa marbuta, alef maqsura, diacritics, tatweel,
                            Arabic-Indic digits), typos, dropped and swapped words;
  places                    real OSM place names in Arabic and English.

Top-1 accuracy counts the first candidate within 25 m of the truth. Latency is measured in
process for forward search, autocomplete (prefixes of the queries) and reverse geocoding.
Nominatim (PyPI nominatim-db and nominatim-api, installed by this script under .local/bench,
with Debian's osm2pgsql) imports the same Helsinki file into the same PostgreSQL and answers the
Helsinki and place queries through its Python API; it has no Ramallah data to search (the demo
city is synthetic), which the table says. It prints figures and writes
.local/bench/geocoder_results.json. It asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.gis.geos import Point  # noqa: E402
from django.db import connection  # noqa: E402

from addressing.demo import demo_city_generate  # noqa: E402
from addressing.geocoders import geocoder  # noqa: E402
from addressing.imports import osm_addresses_import  # noqa: E402
from addressing.models import Building, Place, Street  # noqa: E402
from addressing.services import places_load_geojson  # noqa: E402
from bench.common import WORK, table  # noqa: E402
from boundaries.models import Governorate, Municipality, Region  # noqa: E402
from boundaries.services import reference_data_load  # noqa: E402
from core.errors import NotFound  # noqa: E402

HELSINKI = Path(settings.BASE_DIR) / "data" / "osm" / "helsinki.osm.pbf"
NOMINATIM_VERSION = "5.3.3"
WITHIN_M = 25.0

# Arabic spellings people use for the same letters (see addressing/search.py).
ARABIC_VARIANTS = [("إ", "ا"), ("أ", "ا"), ("ة", "ه"), ("ى", "ي"), ("ال", "")]
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
TYPE_WORDS = {"street", "road", "lane", "شارع", "طريق", "زقاق"}
DROPPABLE = {
    "helsinki", "ramallah", "al-bireh", "رام", "الله", "البيرة",
    "street", "road", "lane", "شارع", "طريق", "زقاق",
}  # fmt: skip
LATIN_VARIANTS = [
    ("Al-", "El-"), ("Al-", ""), ("Al-", "al "), ("ou", "u"), ("i", "e"), ("e", "i"),
    ("q", "k"), ("Street", "St"), ("Street", "St."), ("Road", "Rd"),
]  # fmt: skip


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine on a 6,371 km sphere: ample for 25 m)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


# -- building the register -------------------------------------------------------------------


def build_register(spacing: float, every: float) -> dict:
    print("building the register ...", flush=True)
    reference_data_load(source_dir=Path(settings.REFERENCE_DATA_DIR))
    began = time.perf_counter()
    zones = {
        "ramallah": [f"6{i:02d}" for i in range(0, 40)],
        "al-bireh": [f"6{i:02d}" for i in range(40, 80)],
    }
    report = demo_city_generate(spacing_m=spacing, building_every_m=every, zones=zones)
    demo_seconds = time.perf_counter() - began
    places_load_geojson(
        path=Path(settings.REFERENCE_DATA_DIR) / "ramallah_health_facilities.geojson"
    )
    region = Region.objects.create(
        pcode="XX", name_en="Outside Palestine (benchmark data)", geom=_box_of_helsinki()
    )
    governorate = Governorate.objects.create(
        pcode="XX01", name_en="Helsinki extract", region=region, geom=region.geom
    )
    helsinki = Municipality.objects.create(
        slug="helsinki", name_en="Helsinki", name_ar="هلسنكي", governorate=governorate,
        geom=region.geom,
    )  # fmt: skip
    began = time.perf_counter()
    osm = osm_addresses_import(path=HELSINKI, municipality=helsinki, code_prefix="HEL")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would have, on a platform in service
    return {
        "addresses": Building.objects.count(),
        "synthetic_addresses": report.buildings,
        "helsinki_addresses": osm.buildings,
        "streets": report.streets + osm.streets,
        "places": Place.objects.count(),
        "demo_city_seconds": round(demo_seconds, 1),
        "osm_import_seconds": round(time.perf_counter() - began, 1),
    }


def _box_of_helsinki():
    from django.contrib.gis.geos import MultiPolygon, Polygon

    return MultiPolygon(Polygon.from_bbox((24.93, 60.16, 24.96, 60.18)), srid=4326)


# -- labelled queries ------------------------------------------------------------------------


def typo(text: str, rng: random.Random) -> str:
    """One edit (drop, double, swap or replace a letter) inside a word of 5 letters or more."""
    words = text.split(" ")
    long_words = [i for i, w in enumerate(words) if sum(ch.isalpha() for ch in w) >= 5]
    if not long_words:
        return text
    i = rng.choice(long_words)
    word = words[i]
    at = rng.randrange(1, len(word) - 1)
    kind = rng.choice(["drop", "double", "swap", "replace"])
    if kind == "drop":
        word = word[:at] + word[at + 1 :]
    elif kind == "double":
        word = word[:at] + word[at] + word[at:]
    elif kind == "swap":
        word = word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]
    else:
        pool = "ابتثجحخدرزسشصطعفقكلمنهوي" if "\u0600" <= word[at] <= "\u06ff" else "aeioulnrst"
        word = word[:at] + rng.choice(pool) + word[at + 1 :]
    words[i] = word
    return " ".join(words)


def noisy(query: str, rng: random.Random, *, arabic: bool, unique: bool = True) -> str:
    """A realistic mistyping of ``query``: one or two of spelling variants, a typo, a dropped
    word (the town or the street-type word; the town only where the street name and number
    are ``unique`` to one town, or the query would have no single answer) or words in
    another order."""
    out = query
    for _ in range(rng.choice([1, 2])):
        kind = rng.choice(["variant", "typo", "drop", "swap"])
        if kind == "variant":
            pairs = ARABIC_VARIANTS if arabic else LATIN_VARIANTS
            applicable = [(a, b) for a, b in pairs if a in out]
            if applicable:
                a, b = rng.choice(applicable)
                out = out.replace(a, b, 1)
            elif arabic:
                out = out.translate(ARABIC_DIGITS)
        elif kind == "typo":
            out = typo(out, rng)
        elif kind == "drop":
            # People leave out the town or the street-type word, never the street's name.
            words = out.replace(",", " ").replace("،", " ").split()
            droppable = [
                i
                for i, w in enumerate(words)
                if w.casefold() in DROPPABLE and (unique or w.casefold() in TYPE_WORDS)
            ]
            if droppable:
                words.pop(rng.choice(droppable))
                out = " ".join(words)
        else:
            parts = [p.strip() for p in out.replace("،", ",").split(",") if p.strip()]
            if len(parts) > 1:
                out = ", ".join(reversed(parts))
    return out


def query_sets(count: int, rng: random.Random) -> dict[str, list[tuple[str, float, float]]]:
    helsinki = list(
        Building.objects.filter(street__municipality__slug="helsinki")
        .select_related("street")
        .order_by("pk")
    )
    ramallah = list(
        Building.objects.filter(is_synthetic=True)
        .select_related("street__municipality")
        .order_by("pk")
    )
    sets: dict[str, list] = {k: [] for k in ("helsinki exact", "helsinki noisy")}
    sets.update({k: [] for k in ("ramallah exact", "ramallah noisy", "places")})
    for b in rng.sample(helsinki, min(count, len(helsinki))):
        exact = f"{b.street.name_en} {b.house_number}, Helsinki"
        sets["helsinki exact"].append((exact, b.entrance.x, b.entrance.y))
        sets["helsinki noisy"].append((noisy(exact, rng, arabic=False), b.entrance.x, b.entrance.y))
    towns_of = Counter((b.street.name_en, b.house_number) for b in ramallah)
    for b in rng.sample(ramallah, min(count, len(ramallah))):
        town = b.street.municipality
        unique = towns_of[(b.street.name_en, b.house_number)] == 1
        if rng.random() < 0.5:
            exact, arabic = f"{b.house_number} {b.street.name_en}, {town.name_en}", False
        else:
            exact, arabic = f"{b.street.name_ar} {b.house_number}، {town.name_ar}", True
        sets["ramallah exact"].append((exact, b.entrance.x, b.entrance.y))
        sets["ramallah noisy"].append(
            (noisy(exact, rng, arabic=arabic, unique=unique), b.entrance.x, b.entrance.y)
        )
    # Places whose name is theirs alone (several kiosks of one chain have no single truth).
    names = Counter(
        n for pair in Place.objects.values_list("name_ar", "name_en") for n in set(pair)
    )
    names.update(Street.objects.values_list("name_en", flat=True))
    places = [
        p
        for p in Place.objects.exclude(name_en="").order_by("pk")
        if names[p.name_ar] == 1 and names[p.name_en] == 1
    ]
    for place in rng.sample(places, min(count // 2, len(places))):
        name = place.name_ar if rng.random() < 0.5 else place.name_en
        sets["places"].append((name, place.geom.x, place.geom.y))
    return sets


# -- measuring -------------------------------------------------------------------------------


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100)[q - 1]


def evaluate(search, queries) -> dict:
    """Top-1 accuracy (within WITHIN_M) and latency of ``search(query) -> (lon, lat) | None``."""
    hits, latencies, misses = 0, [], []
    for query, lon, lat in queries:
        began = time.perf_counter()
        found = search(query)
        latencies.append((time.perf_counter() - began) * 1000)
        if found is not None and distance_m(found[0], found[1], lon, lat) <= WITHIN_M:
            hits += 1
        elif len(misses) < 10:
            misses.append(query)
    return {
        "misses": misses,
        "queries": len(queries),
        "top1": round(hits / max(1, len(queries)), 4),
        "p50_ms": round(percentile(latencies, 50), 2),
        "p95_ms": round(percentile(latencies, 95), 2),
    }


def ours_search(query: str):
    candidates = geocoder().search(query=query, limit=1).candidates
    return (candidates[0].lon, candidates[0].lat) if candidates else None


def latency(call, inputs) -> dict:
    latencies = []
    for item in inputs:
        began = time.perf_counter()
        call(item)
        latencies.append((time.perf_counter() - began) * 1000)
    return {
        "calls": len(inputs),
        "p50_ms": round(percentile(latencies, 50), 2),
        "p95_ms": round(percentile(latencies, 95), 2),
    }


def other_figures(sets, rng: random.Random) -> dict:
    queries = [q for key in ("ramallah exact", "helsinki exact") for q, _x, _y in sets[key]]
    prefixes = [q[: rng.randint(3, min(12, len(q)))] for q in queries]
    points = [
        Point(x + rng.uniform(-0.0002, 0.0002), y + rng.uniform(-0.0002, 0.0002), srid=4326)
        for key in ("ramallah exact", "helsinki exact")
        for _q, x, y in sets[key]
    ]

    def reverse(point):
        with contextlib.suppress(NotFound):  # no address nearby is an answer too
            geocoder().reverse(point=point, radius_m=100)

    return {
        "autocomplete": latency(lambda q: geocoder().autocomplete(query=q), prefixes),
        "reverse": latency(reverse, points),
    }


# -- Nominatim ---------------------------------------------------------------------------------


def nominatim_bin() -> Path:
    venv = WORK / "nominatim-venv"
    if not (venv / "bin" / "nominatim").exists():
        print(f"installing the peer Nominatim {NOMINATIM_VERSION} into {venv} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", f"nominatim-db=={NOMINATIM_VERSION}",
             f"nominatim-api=={NOMINATIM_VERSION}", "psycopg[binary]"],
            check=True,
        )  # fmt: skip
    if shutil.which("osm2pgsql") is None:
        if os.geteuid() != 0:
            raise RuntimeError("Nominatim needs osm2pgsql: sudo apt-get install osm2pgsql")
        subprocess.run(["apt-get", "install", "-y", "-q", "osm2pgsql"], check=True)
    return venv / "bin"


def nominatim_import(bin_dir: Path) -> tuple[Path, float]:
    """Import the Helsinki file into a database nominatim_bench of the same cluster."""
    project = WORK / "nominatim-project"
    shutil.rmtree(project, ignore_errors=True)
    project.mkdir(parents=True)
    db = settings.DATABASES["default"]
    dsn = (
        f"pgsql:dbname=nominatim_bench;host={db['HOST']};port={db['PORT']};"
        f"user={db['USER']};password={db['PASSWORD']}"
    )
    (project / ".env").write_text(
        f"NOMINATIM_DATABASE_DSN={dsn}\nNOMINATIM_DATABASE_WEBUSER={db['USER']}\n"
    )
    env = {**os.environ, "PGPASSWORD": db["PASSWORD"]}
    env.pop("DATABASE_URL", None)
    subprocess.run(
        ["psql", "-h", db["HOST"], "-p", str(db["PORT"]), "-U", db["USER"], "-d", "postgres",
         "-c", "DROP DATABASE IF EXISTS nominatim_bench WITH (FORCE)"],
        check=True, env=env, capture_output=True,
    )  # fmt: skip
    print("importing the Helsinki extract into Nominatim ...", flush=True)
    began = time.perf_counter()
    subprocess.run(
        [str(bin_dir / "nominatim"), "import", "--osm-file", str(HELSINKI),
         "--project-dir", str(project), "--threads", "2"],
        check=True, env=env, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return project, time.perf_counter() - began


NOMINATIM_CLIENT = r"""
import json, sys, time
import nominatim_api as napi
api = napi.NominatimAPI(sys.argv[1])
queries = json.load(sys.stdin)
out = []
for q in queries:
    began = time.perf_counter()
    try:
        found = api.search(q, max_results=1)
    except Exception:
        found = []
    ms = (time.perf_counter() - began) * 1000
    out.append([found[0].centroid.x, found[0].centroid.y, ms] if found else [None, None, ms])
api.close()
json.dump(out, sys.stdout)
"""


def nominatim_evaluate(bin_dir: Path, project: Path, queries) -> dict:
    """Nominatim's answers through its own Python API, in its own interpreter."""
    result = subprocess.run(
        [str(bin_dir / "python"), "-c", NOMINATIM_CLIENT, str(project)],
        input=json.dumps([q for q, _x, _y in queries]),
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    answers = json.loads(result.stdout)
    hits = sum(
        1
        for (lon, lat, _ms), (_q, x, y) in zip(answers, queries, strict=True)
        if lon is not None and distance_m(lon, lat, x, y) <= WITHIN_M
    )
    latencies = [ms for _lon, _lat, ms in answers]
    return {
        "queries": len(queries),
        "top1": round(hits / max(1, len(queries)), 4),
        "p50_ms": round(percentile(latencies, 50), 2),
        "p95_ms": round(percentile(latencies, 95), 2),
    }


# -- main --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=400, help="per set")
    parser.add_argument("--spacing", type=float, default=43.0, help="demo street spacing, m")
    parser.add_argument("--every", type=float, default=8.0, help="demo building spacing, m")
    parser.add_argument("--no-nominatim", action="store_true")
    args = parser.parse_args()
    rng = random.Random(4)
    results: dict = {
        "machine": {"cpus": os.cpu_count()},
        "register": build_register(args.spacing, args.every),
    }
    sets = query_sets(args.queries, rng)
    results["examples"] = {k: [q for q, _x, _y in v[:3]] for k, v in sets.items()}
    print("measuring the platform ...", flush=True)
    for key, queries in sets.items():
        ours_search(queries[0][0])  # first use: caches and connections, like a running server
        results.setdefault("platform", {})[key] = evaluate(ours_search, queries)
    results["platform_other"] = other_figures(sets, rng)
    if not args.no_nominatim:
        try:
            bin_dir = nominatim_bin()
            project, seconds = nominatim_import(bin_dir)
            results["nominatim_import_seconds"] = round(seconds, 1)
            for key in ("helsinki exact", "helsinki noisy", "places"):
                results.setdefault("nominatim", {})[key] = nominatim_evaluate(
                    bin_dir, project, sets[key]
                )
        except (subprocess.CalledProcessError, RuntimeError, OSError) as exc:
            detail = getattr(exc, "stderr", "") or ""
            results["nominatim_error"] = f"{exc} {detail[-800:]}"
    report(results)
    (WORK / "geocoder_results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))


def report(r: dict) -> None:
    reg = r["register"]
    print()
    print(
        f"Geocoder benchmark: {reg['addresses']:,} addresses ({reg['synthetic_addresses']:,} "
        f"synthetic in Ramallah and Al-Bireh, {reg['helsinki_addresses']:,} real in Helsinki), "
        f"{reg['streets']:,} streets, {reg['places']:,} places; {r['machine']['cpus']} CPUs"
    )
    print()
    rows = []
    for key, ours in r["platform"].items():
        peer = r.get("nominatim", {}).get(key)
        peer_text = (
            f"{peer['top1']:.1%}, p95 {peer['p95_ms']} ms"
            if peer
            else ("no Ramallah data in OSM" if key.startswith("ramallah") else "not run")
        )
        rows.append(
            (key, ours["queries"], f"{ours['top1']:.1%}", ours["p50_ms"], ours["p95_ms"], peer_text)
        )
    print(table(rows, ("query set", "queries", "top-1 ≤25 m", "p50 ms", "p95 ms", "Nominatim")))
    other = r["platform_other"]
    print()
    print(table(
        [(name, v["calls"], v["p50_ms"], v["p95_ms"]) for name, v in other.items()],
        ("other calls", "calls", "p50 ms", "p95 ms"),
    ))  # fmt: skip
    if "nominatim_error" in r:
        print(f"\nNominatim could not run: {r['nominatim_error']}")
    forward_p95 = max(v["p95_ms"] for v in r["platform"].values())
    exact = min(r["platform"][k]["top1"] for k in ("helsinki exact", "ramallah exact"))
    noisy_ = min(r["platform"][k]["top1"] for k in ("helsinki noisy", "ramallah noisy"))
    checks = [
        ("top-1 on exact queries", f"{exact:.1%}", "≥ 99%", exact >= 0.99),
        ("top-1 on noisy queries", f"{noisy_:.1%}", "≥ 95%", noisy_ >= 0.95),
        ("forward p95", f"{forward_p95} ms", "≤ 20 ms", forward_p95 <= 20),
        ("autocomplete p95", f"{other['autocomplete']['p95_ms']} ms", "≤ 30 ms",
         other["autocomplete"]["p95_ms"] <= 30),
        ("reverse p95", f"{other['reverse']['p95_ms']} ms", "≤ 5 ms", other["reverse"]["p95_ms"] <= 5),
    ]  # fmt: skip
    if "nominatim" in r:
        for key in ("helsinki exact", "helsinki noisy", "places"):
            ours, peer = r["platform"][key]["top1"], r["nominatim"][key]["top1"]
            checks.append((f"{key}: above Nominatim", f"{ours:.1%}", f"> {peer:.1%}", ours > peer))
    print()
    print(table(
        [(name, got, wanted, "met" if ok else "MISSED") for name, got, wanted, ok in checks],
        ("target", "measured", "wanted", ""),
    ))  # fmt: skip


if __name__ == "__main__":
    main()
