"""Cadastral register benchmark: the topology rules' cost on a large register, the audit, areas.

    ./platform bench parcels_bench [--parcels 200000] [--samples 200] [--edits 100] [--seed 5]

On a fresh benchmark database it builds a synthetic register (every parcel is_synthetic) in
the real Ramallah locality: basins of 500 slightly irregular quadrilaterals (20 x 25, corners
of a grid jittered by up to a fifth of a cell, about 300-650 m² each) between lon 35.15-35.25
and lat 31.85-31.95, separated by roads. It plants known defects the rules would refuse today,
as an old register imported before them could hold: one parcel left out inside every 10th
basin (a gap) and one parcel enlarged by 5 % into its neighbours in every 40th basin (written
with the overlap trigger off). The load is one COPY (text format) in one transaction, so every
row still passes the row trigger, and the deferred overlap check runs for every row at commit.

Then it measures:
  overlap check      the deferred trigger parcel_no_overlap for one edited parcel: an UPDATE
                     of its boundary, then SET CONSTRAINTS ... IMMEDIATE (rolled back), p50/p95;
                     peer: the same check statement without its && / ST_Relate prefilter,
                     against the statement with it, on the same parcels in the same run;
  transactions       parcel_boundary_adjust, parcel_split and parcel_merge, each committed,
                     p50/p95;
  audit              topology_audit() of the whole register, wall time, and what it found
                     against what was planted;
  areas              Parcel.area_m2 against ST_Area(geom::geography) on the same rows, against
                     pyproj's Geod on the same ellipsoid (WGS 84), and against the planar area
                     in the Palestine 1923 grid (EPSG:28191, Cassini-Soldner on Clarke 1880).

It prints the figures and writes .local/bench/parcels_results.json. It asserts nothing.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django

django.setup()

import numpy as np  # noqa: E402
import shapely  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.gis.geos import GEOSGeometry, LineString  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from pyproj import Geod  # noqa: E402

from bench.common import WORK, table  # noqa: E402
from boundaries.models import Municipality  # noqa: E402
from boundaries.services import reference_data_load  # noqa: E402
from parcels.audit import topology_audit  # noqa: E402
from parcels.models import Parcel, ParcelTransaction, TopologyRules  # noqa: E402
from parcels.services import parcel_boundary_adjust, parcel_merge, parcel_split  # noqa: E402

WEST, SOUTH, EAST, NORTH = 35.15, 31.85, 35.25, 31.95
COLS, ROWS = 20, 25  # parcels of a basin: 500
PITCH = 0.005  # degrees from one basin to the next, road included
ROAD = 0.0002  # degrees between basins (about 20 m; corners move at most 0.00005 towards it)
JITTER = 0.2  # of a cell, for every corner of the grid
GAP_EVERY, OVERLAP_EVERY = 10, 40  # basins
ENLARGE = 1.05  # linear factor of a planted overlap (about +10 % of area)

TARGETS = {
    "overlap_check_p95_ms": 50.0,
    "split_p95_ms": 200.0,
    "merge_p95_ms": 200.0,
    "audit_s": 60.0,
    "area_relative": 0.001,
}


# -- the synthetic register ---------------------------------------------------------------------


class Register:
    """The grid behind the synthetic register: for basin b, ``corners[b]`` holds the
    (COLS+1) x (ROWS+1) jittered corners and ``ids[b][i][j]`` the parcel of cell (i, j)."""

    def __init__(self, parcels: int, rng: random.Random) -> None:
        self.basins = math.ceil(parcels / (COLS * ROWS))
        side = math.ceil(math.sqrt(self.basins))
        # Basins a fixed size (cells of about 480 m²), centred in the box: 400 basins fill it.
        self.pitch = PITCH
        west = (WEST + EAST - side * PITCH) / 2
        south = (SOUTH + NORTH - side * PITCH) / 2
        self.dx = (self.pitch - ROAD) / COLS
        self.dy = (self.pitch - ROAD) / ROWS
        self.side = side
        self.corners: list[np.ndarray] = []
        self.cells: list[list[tuple[int, int]]] = []
        nprng = np.random.default_rng(rng.randrange(2**32))
        left = parcels
        for b in range(self.basins):
            bx, by = b % side, b // side
            x0, y0 = west + bx * self.pitch, south + by * self.pitch
            i, j = np.meshgrid(np.arange(COLS + 1), np.arange(ROWS + 1), indexing="ij")
            jitter = nprng.uniform(-JITTER, JITTER, size=(2, COLS + 1, ROWS + 1))
            xs = x0 + (i + jitter[0]) * self.dx
            ys = y0 + (j + jitter[1]) * self.dy
            self.corners.append(np.stack([xs, ys], axis=-1))
            count = min(left, COLS * ROWS)
            left -= count
            self.cells.append([(k % COLS, k // COLS) for k in range(count)])
        self.ids: dict[tuple[int, int, int], int] = {}
        self.gaps: list[tuple[int, int, int]] = []
        self.overlaps: list[tuple[int, int, int]] = []
        for b in range(0, self.basins, GAP_EVERY):
            if len(self.cells[b]) == COLS * ROWS:
                self.gaps.append((b, rng.randrange(1, COLS - 1), rng.randrange(1, ROWS - 1)))
        for b in range(OVERLAP_EVERY // 2, self.basins, OVERLAP_EVERY):
            if len(self.cells[b]) == COLS * ROWS:
                self.overlaps.append((b, rng.randrange(1, COLS - 1), rng.randrange(1, ROWS - 1)))

    def quad(self, b: int, i: int, j: int) -> list[tuple[float, float]]:
        c = self.corners[b]
        ring = [c[i, j], c[i + 1, j], c[i + 1, j + 1], c[i, j + 1], c[i, j]]
        return [(float(x), float(y)) for x, y in ring]

    def basin_number(self, b: int) -> int:
        return b + 1

    def number(self, i: int, j: int) -> int:
        return j * COLS + i + 1

    def planted(self, b: int) -> bool:
        return any(p[0] == b for p in self.gaps + self.overlaps)


def register_build(parcels: int, rng: random.Random) -> tuple[Register, dict]:
    print("loading the reference data ...", flush=True)
    reference_data_load(source_dir=Path(settings.REFERENCE_DATA_DIR))
    municipality = Municipality.objects.get(slug=settings.PLATFORM_MUNICIPALITY)
    locality = (
        municipality.localities.filter(name_en__iexact="Ramallah").first()
        or municipality.localities.first()
    )
    TopologyRules.objects.get_or_create(pk=1)
    grid = Register(parcels, rng)
    left_out = {(b, i, j) for b, i, j in grid.gaps}
    print(f"building {parcels:,} synthetic parcels in {grid.basins} basins ...", flush=True)
    began = time.perf_counter()
    now = timezone.now()
    with transaction.atomic():
        record = ParcelTransaction.objects.create(
            kind="import",
            reason="Synthetic register for the parcels benchmark",
            performed_at=now,
            details={"synthetic": True},
        )
        rows = io.StringIO()
        written = 0
        for b in range(grid.basins):
            for i, j in grid.cells[b]:
                if (b, i, j) in left_out:
                    continue
                ring = ",".join(f"{x:.9f} {y:.9f}" for x, y in grid.quad(b, i, j))
                rows.write(
                    f"{locality.pk}\t{municipality.pk}\t{grid.basin_number(b)}\t"
                    f"{grid.number(i, j)}\tSRID=4326;POLYGON(({ring}))\tunzoned\tactive\t"
                    f"{now.isoformat()}\t{record.pk}\t1\tt\t{now.isoformat()}\t"
                    f"{now.isoformat()}\n"
                )
                written += 1
        rows.seek(0)
        generated = time.perf_counter() - began
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                "COPY parcels_parcel (locality_id, municipality_id, basin, number, geom, "
                "land_use, status, valid_from, created_by_id, version, is_synthetic, "
                "created_at, updated_at) FROM STDIN",
                rows,
            )
            copied = time.perf_counter() - began
            # No ANALYZE first: the overlap rule's query keeps to the spatial index whatever the
            # statistics say (migration parcels 0005), so a first load stays linear.
            cursor.execute("SET CONSTRAINTS parcel_no_overlap IMMEDIATE")
    committed = time.perf_counter() - began
    ids = Parcel.objects.filter(status="active").values_list("basin", "number", "pk")
    by_key = {(basin, number): pk for basin, number, pk in ids}
    for b in range(grid.basins):
        for i, j in grid.cells[b]:
            pk = by_key.get((grid.basin_number(b), grid.number(i, j)))
            if pk is not None:
                grid.ids[(b, i, j)] = pk
    planted = overlaps_plant(grid)
    with connection.cursor() as cursor:
        # As autovacuum would have, on a register in service.
        cursor.execute("VACUUM ANALYZE parcels_parcel")
    return grid, {
        "parcels": written,
        "basins": grid.basins,
        "locality": locality.name_en,
        "generate_s": round(generated, 2),
        "copy_s": round(copied - generated, 2),
        "overlap_checks_at_commit_s": round(committed - copied, 2),
        "load_total_s": round(committed, 2),
        "rows_per_s": round(written / committed),
        "planted_gaps": len(grid.gaps),
        "planted_overlaps": planted,
    }


def overlaps_plant(grid: Register) -> int:
    """Enlarge one parcel in every OVERLAP_EVERY-th basin into its neighbours, with the overlap
    trigger off for that write, as a register imported before the rule could hold."""
    ids = [grid.ids[key] for key in grid.overlaps]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE parcels_parcel DISABLE TRIGGER parcel_no_overlap")
        cursor.execute(
            "UPDATE parcels_parcel SET geom = ST_Scale(geom, ST_MakePoint(%s, %s), ST_Centroid(geom)) "
            "WHERE id = ANY(%s)",
            [ENLARGE, ENLARGE, ids],
        )
        cursor.execute("ALTER TABLE parcels_parcel ENABLE TRIGGER parcel_no_overlap")
    return len(ids)


# -- measuring -----------------------------------------------------------------------------------


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def summary(values_ms: list[float], errors: int = 0) -> dict:
    return {
        "samples": len(values_ms),
        "errors": errors,
        "p50_ms": round(percentile(values_ms, 50), 2),
        "p95_ms": round(percentile(values_ms, 95), 2),
        "max_ms": round(max(values_ms), 2) if values_ms else 0.0,
    }


class Cells:
    """Cells of unplanted basins handed out once, so that no measurement edits a parcel (or
    a neighbour) another one already changed."""

    def __init__(self, grid: Register, rng: random.Random) -> None:
        self.grid, self.used = grid, set()
        self.pool = [
            (b, i, j)
            for b in range(grid.basins)
            if not grid.planted(b) and len(grid.cells[b]) == COLS * ROWS
            for i in range(1, COLS - 2)
            for j in range(1, ROWS - 1)
        ]
        rng.shuffle(self.pool)

    def take(self, wide: int = 1) -> tuple[int, int, int] | None:
        """A cell whose ``wide`` cells eastwards and all their neighbours are untouched."""
        while self.pool:
            b, i, j = self.pool.pop()
            around = {(b, i + di, j + dj) for di in range(-1, wide + 1) for dj in (-1, 0, 1)}
            if around & self.used:
                continue
            self.used |= around
            return b, i, j
        return None


OVERLAP_CHECK = """
    SELECT p.id FROM parcels_parcel p
     WHERE p.status = 'active' AND p.id <> %(id)s {prefilter}
       AND ST_Area(ST_Intersection(p.geom, %(geom)s::geometry)::geography) > %(tolerance)s
     ORDER BY 1 LIMIT 1
"""
PREFILTER = (
    "AND p.geom && %(geom)s::geometry AND ST_Relate(p.geom, %(geom)s::geometry, '2********')"
)


def overlap_check_measure(grid: Register, cells: Cells, samples: int, peer_samples: int) -> dict:
    """The deferred trigger's work for one edited parcel (rolled back each time), and the
    trigger's statement with and without its prefilter on the same parcels."""
    trigger, update_and_trigger = [], []
    picked = []
    for _ in range(samples):
        cell = cells.take()
        if cell is None:
            break
        picked.append(grid.ids[cell])
    for pk in picked:
        with transaction.atomic(), connection.cursor() as cursor:
            began = time.perf_counter()
            # A new boundary a little inside the old one: the check still has every neighbour
            # as a candidate (the boxes meet) and must clear each of them.
            cursor.execute(
                "UPDATE parcels_parcel "
                "SET geom = ST_Scale(geom, ST_MakePoint(0.98, 0.98), ST_Centroid(geom)) "
                "WHERE id = %s",
                [pk],
            )
            updated = time.perf_counter()
            cursor.execute("SET CONSTRAINTS parcel_no_overlap IMMEDIATE")
            done = time.perf_counter()
            transaction.set_rollback(True)
        trigger.append((done - updated) * 1000)
        update_and_trigger.append((done - began) * 1000)
    tolerance = TopologyRules.objects.get(pk=1).overlap_tolerance_m2
    geoms = dict(Parcel.objects.filter(pk__in=picked[:peer_samples]).values_list("pk", "geom"))
    with_prefilter, naive = [], []
    for pk, geom in geoms.items():
        params = {"id": pk, "geom": geom.ewkb.hex(), "tolerance": tolerance}
        for statement, into in ((PREFILTER, with_prefilter), ("", naive)):
            with connection.cursor() as cursor:
                began = time.perf_counter()
                cursor.execute(OVERLAP_CHECK.format(prefilter=statement), params)
                cursor.fetchall()
                into.append((time.perf_counter() - began) * 1000)
    return {
        "trigger": summary(trigger),
        "update_and_trigger": summary(update_and_trigger),
        "statement_with_prefilter": summary(with_prefilter),
        "statement_naive": summary(naive),
    }


def transactions_measure(grid: Register, cells: Cells, edits: int) -> dict:
    """parcel_boundary_adjust, parcel_split and parcel_merge, each committed, one at a time."""
    results = {}
    timings: dict[str, list[float]] = {"adjust": [], "split": [], "merge": []}
    errors: dict[str, list[str]] = {"adjust": [], "split": [], "merge": []}

    def run(kind: str, call) -> None:
        began = time.perf_counter()
        try:
            call()
        except Exception as exc:  # a benchmark counts refusals, it does not stop on them
            errors[kind].append(f"{type(exc).__name__}: {exc}")
            return
        timings[kind].append((time.perf_counter() - began) * 1000)

    for _ in range(edits):
        cell = cells.take(wide=2)
        if cell is None:
            break
        b, i, j = cell
        parcel = Parcel.objects.get(pk=grid.ids[(b, i, j)])
        neighbour = Parcel.objects.get(pk=grid.ids[(b, i + 1, j)])
        c = grid.corners[b]
        # The shared edge moves a quarter into the neighbour; the parcel keeps its own corners
        # on it, so that it still meets its other neighbours exactly.
        south = c[i + 1, j] + 0.25 * (c[i + 2, j] - c[i + 1, j])
        north = c[i + 1, j + 1] + 0.25 * (c[i + 2, j + 1] - c[i + 1, j + 1])
        ring = [c[i, j], c[i + 1, j], south, north, c[i + 1, j + 1], c[i, j + 1], c[i, j]]
        geom = GEOSGeometry(
            f"POLYGON(({','.join(f'{x:.9f} {y:.9f}' for x, y in ring)}))", srid=4326
        )
        run(
            "adjust",
            lambda p=parcel, n=neighbour, g=geom: parcel_boundary_adjust(
                parcel=p, neighbour=n, geom=g, user=None, reason="Benchmark adjustment"
            ),
        )
    for kind in ("split", "merge"):
        for _ in range(edits):
            cell = cells.take(wide=2)
            if cell is None:
                break
            b, i, j = cell
            parcel = Parcel.objects.get(pk=grid.ids[(b, i, j)])
            if kind == "split":
                _x0, y0, _x1, y1 = parcel.geom.extent
                cx = parcel.geom.centroid.x
                cut = LineString((cx, y0 - 1e-5), (cx, y1 + 1e-5), srid=4326)
                run(
                    kind,
                    lambda p=parcel, line=cut: parcel_split(
                        parcel=p, cut_lines=[line], user=None, reason="Benchmark split"
                    ),
                )
            else:
                other = Parcel.objects.get(pk=grid.ids[(b, i + 1, j)])
                run(
                    kind,
                    lambda p=parcel, o=other: parcel_merge(
                        parcels=[p, o], user=None, reason="Benchmark merge"
                    ),
                )
    for kind, values in timings.items():
        results[kind] = summary(values, errors=len(errors[kind]))
        if errors[kind]:
            results[kind]["first_errors"] = errors[kind][:3]
    return results


def audit_measure(grid: Register) -> dict:
    began = time.perf_counter()
    report = topology_audit()
    seconds = time.perf_counter() - began
    planted_ids = {grid.ids[key] for key in grid.overlaps}
    return {
        "seconds": round(seconds, 2),
        "parcels": report.parcels,
        "basins": report.basins,
        "overlaps": len(report.overlaps),
        "overlaps_involving_planted": sum(
            1 for o in report.overlaps if {o.first_id, o.second_id} & planted_ids
        ),
        "planted_parcels_found": len(
            planted_ids & {x for o in report.overlaps for x in (o.first_id, o.second_id)}
        ),
        "gaps": len(report.gaps),
        "gaps_over_100_m2": sum(1 for g in report.gaps if g.area_m2 > 100),
        "slivers": len(report.slivers),
        "examples": {
            "overlap": report.overlaps[0].__dict__ if report.overlaps else None,
            "gap": {k: v for k, v in report.gaps[0].__dict__.items() if k != "geojson"}
            if report.gaps
            else None,
        },
    }


def areas_measure() -> dict:
    """Relative differences of Parcel.area_m2 from three other areas of the same polygons."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT area_m2, ST_Area(geom::geography), ST_Area(ST_Transform(geom, 28191)), "
            "ST_AsBinary(geom) FROM parcels_parcel WHERE status = 'active' ORDER BY id"
        )
        rows = cursor.fetchall()
    stored = np.array([r[0] for r in rows])
    postgis = np.array([r[1] for r in rows])
    palestine_grid = np.array([r[2] for r in rows])
    shapes = shapely.from_wkb([bytes(r[3]) for r in rows])
    geod = Geod(ellps="WGS84")
    began = time.perf_counter()
    pyproj_areas = np.array([abs(geod.geometry_area_perimeter(s)[0]) for s in shapes])
    pyproj_seconds = time.perf_counter() - began

    def diff(other: np.ndarray) -> dict:
        relative = np.abs(stored - other) / other
        return {
            "max_relative": float(relative.max()),
            "mean_relative": float(relative.mean()),
            "mean_signed_relative": float(((stored - other) / other).mean()),
        }

    return {
        "parcels": len(rows),
        "area_m2_min": round(float(stored.min()), 1),
        "area_m2_max": round(float(stored.max()), 1),
        "vs_postgis_geography": diff(postgis),
        "vs_pyproj_geod": diff(pyproj_areas),
        "vs_epsg_28191_planar": diff(palestine_grid),
        "pyproj_seconds": round(pyproj_seconds, 2),
    }


# -- main ------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=200_000)
    parser.add_argument("--samples", type=int, default=200, help="overlap checks")
    parser.add_argument("--peer-samples", type=int, default=20, help="naive overlap checks")
    parser.add_argument("--edits", type=int, default=100, help="each of adjust, split, merge")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    grid, built = register_build(args.parcels, rng)
    results: dict = {"machine": {"cpus": os.cpu_count()}, "register": built}
    cells = Cells(grid, rng)
    print("measuring the overlap check ...", flush=True)
    results["overlap_check"] = overlap_check_measure(grid, cells, args.samples, args.peer_samples)
    print("measuring adjust, split and merge ...", flush=True)
    results["transactions"] = transactions_measure(grid, cells, args.edits)
    print("auditing the register ...", flush=True)
    results["audit"] = audit_measure(grid)
    print("comparing areas ...", flush=True)
    results["areas"] = areas_measure()
    report(results)
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "parcels_results.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False, default=str)
    )


def report(r: dict) -> None:
    reg, check, edits, audit, areas = (
        r["register"], r["overlap_check"], r["transactions"], r["audit"], r["areas"]
    )  # fmt: skip
    print()
    print(
        f"Parcels benchmark: {reg['parcels']:,} synthetic parcels in {reg['basins']} basins of "
        f"{reg['locality']}; {r['machine']['cpus']} CPUs. Load (COPY, row trigger, deferred "
        f"overlap check of every row at commit): {reg['load_total_s']} s, {reg['rows_per_s']:,} "
        f"rows/s ({reg['overlap_checks_at_commit_s']} s of it the overlap checks)."
    )
    print()
    rows = [
        ("overlap check (deferred trigger)", *_lat(check["trigger"])),
        ("UPDATE + overlap check", *_lat(check["update_and_trigger"])),
        ("check statement, && + ST_Relate", *_lat(check["statement_with_prefilter"])),
        ("peer: same statement, no prefilter", *_lat(check["statement_naive"])),
        ("parcel_boundary_adjust", *_lat(edits["adjust"])),
        ("parcel_split", *_lat(edits["split"])),
        ("parcel_merge", *_lat(edits["merge"])),
    ]
    print(table(rows, ("operation", "samples", "refused", "p50 ms", "p95 ms", "max ms")))
    print()
    print(
        f"Audit of the whole register: {audit['seconds']} s for {audit['parcels']:,} parcels in "
        f"{audit['basins']} basins; found {audit['overlaps']} overlapping pairs "
        f"({audit['planted_parcels_found']} of {reg['planted_overlaps']} planted parcels), "
        f"{audit['gaps']} gaps ({audit['gaps_over_100_m2']} over 100 m²; "
        f"{reg['planted_gaps']} planted), {audit['slivers']} slivers."
    )
    print()
    print(table(
        [
            (name, f"{v['max_relative']:.2e}", f"{v['mean_relative']:.2e}",
             f"{v['mean_signed_relative']:+.2e}")
            for name, v in (
                ("ST_Area(geom::geography), same rows", areas["vs_postgis_geography"]),
                ("pyproj Geod, WGS 84", areas["vs_pyproj_geod"]),
                ("planar, EPSG:28191 (Clarke 1880)", areas["vs_epsg_28191_planar"]),
            )
        ],
        ("Parcel.area_m2 against", "max rel. diff", "mean rel. diff", "mean signed"),
    ))  # fmt: skip
    peer_ratio = (
        check["statement_naive"]["p50_ms"] / check["statement_with_prefilter"]["p50_ms"]
        if check["statement_with_prefilter"]["p50_ms"]
        else 0.0
    )
    checks = [
        ("overlap check p95", f"{check['trigger']['p95_ms']} ms", "≤ 50 ms",
         check["trigger"]["p95_ms"] <= TARGETS["overlap_check_p95_ms"]),
        ("prefilter against the naive peer", f"{peer_ratio:,.0f}x faster (p50)", "> 1x",
         peer_ratio > 1),
        ("parcel_split p95", f"{edits['split']['p95_ms']} ms", "≤ 200 ms",
         edits["split"]["p95_ms"] <= TARGETS["split_p95_ms"] and not edits["split"]["errors"]),
        ("parcel_merge p95", f"{edits['merge']['p95_ms']} ms", "≤ 200 ms",
         edits["merge"]["p95_ms"] <= TARGETS["merge_p95_ms"] and not edits["merge"]["errors"]),
        ("full audit", f"{audit['seconds']} s", "≤ 60 s", audit["seconds"] <= TARGETS["audit_s"]),
        ("area_m2 against pyproj Geod", f"{areas['vs_pyproj_geod']['max_relative']:.2e}",
         "≤ 1e-3", areas["vs_pyproj_geod"]["max_relative"] <= TARGETS["area_relative"]),
    ]  # fmt: skip
    print()
    print(table(
        [(name, got, wanted, "met" if ok else "MISSED") for name, got, wanted, ok in checks],
        ("target", "measured", "wanted", ""),
    ))  # fmt: skip
    for kind in ("adjust", "split", "merge"):
        for error in edits[kind].get("first_errors", []):
            print(f"  {kind} refused: {error}")


def _lat(s: dict) -> tuple:
    return s["samples"], s["errors"], s["p50_ms"], s["p95_ms"], s["max_ms"]


if __name__ == "__main__":
    main()
