"""The topology audit of the cadastral register: what the database rules cannot refuse, or did
not exist to refuse when the data came in.

The triggers of migration 0002 stop a new overlap, but a register imported before the rules
existed may hold old ones; and no rule can say that land enclosed by a basin's parcels belongs
to none of them (a gap), or that a parcel is a sliver. The audit reports all three for the
active parcels, with the identifiers a cadastre officer cites and a point to go and look at.

Geometries are WGS 84 (EPSG:4326); areas are geodesic, on the WGS 84 ellipsoid, in m²;
points are (longitude, latitude) in degrees. The statements are in ``parcels.sql``.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.db import connection, transaction

from boundaries.models import Locality
from core.errors import InvalidInput
from parcels import sql
from parcels.models import TopologyRules

# Which kind of sliver: a parcel of the register, or a gap between parcels.
SLIVER_PARCEL = "parcel"
SLIVER_GAP = "gap"


@dataclass(frozen=True)
class Overlap:
    """Two active parcels whose interiors share ``area_m2`` m², more than the tolerance."""

    first_id: int
    first: str
    second_id: int
    second: str
    area_m2: float
    point: tuple[float, float]


@dataclass(frozen=True)
class Gap:
    """Land enclosed by the active parcels of one basin and in none of them."""

    locality_id: int
    locality: str
    basin: int
    area_m2: float
    perimeter_m: float
    compactness: float
    point: tuple[float, float]
    bordering: tuple[str, ...]
    geojson: str = field(repr=False)


@dataclass(frozen=True)
class Sliver:
    """A small or thin piece of a basin: a parcel (with its identifier) or a gap."""

    kind: str
    locality: str
    basin: int
    area_m2: float
    compactness: float
    small: bool
    thin: bool
    point: tuple[float, float]
    parcel_id: int | None = None
    identifier: str | None = None


@dataclass(frozen=True)
class AuditReport:
    """What :func:`topology_audit` found. ``clean`` when it found nothing."""

    scope: str
    parcels: int
    basins: int
    rules: dict
    overlaps: list[Overlap]
    gaps: list[Gap]
    slivers: list[Sliver]
    seconds: float

    @property
    def clean(self) -> bool:
        return not (self.overlaps or self.gaps or self.slivers)

    def as_dict(self) -> dict:
        data = asdict(self)
        for gap in data["gaps"]:
            gap["geometry"] = json.loads(gap.pop("geojson"))
        data["clean"] = self.clean
        return data


def compactness(*, area_m2: float, perimeter_m: float) -> float:
    """4πA/P²: 1 for a circle, about 0.785 for a square, towards 0 for a thin strip."""
    return 4 * math.pi * area_m2 / (perimeter_m * perimeter_m) if perimeter_m > 0 else 0.0


def topology_audit_scope_check(*, locality: Locality | None, basin: int | None) -> None:
    """Refuse a scope the audit cannot take (checked before an audit job is started)."""
    if basin is not None and locality is None:
        raise InvalidInput(
            "Basin numbers are counted within a locality: name the locality too.",
            code="audit_basin_without_locality",
        )


def topology_audit(
    *,
    locality: Locality | None = None,
    basin: int | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> AuditReport:
    """Audit the active parcels of the register (or of ``locality``, or of one ``basin`` of
    ``locality``) against the topology rules (TopologyRules, pk=1):

    - overlaps: pairs of active parcels whose interiors share more than
      ``overlap_tolerance_m2``, with at least one of the pair in scope (the other may lie in
      any basin or locality);
    - gaps: holes in the union of a basin's active parcels that no active parcel fills,
      larger than ``overlap_tolerance_m2`` (the survey tolerance: a gap below it is the same
      digitising noise as an overlap below it);
    - slivers: active parcels, and gaps, smaller than ``sliver_max_area_m2`` or less compact
      than ``sliver_max_compactness`` (4πA/P²).

    Geometries are EPSG:4326; areas are geodesic m² on the WGS 84 ellipsoid (as
    ``Parcel.area_m2``), perimeters geodesic metres, points (longitude, latitude). All figures
    come from one snapshot of the register when the audit runs in its own transaction.
    ``progress(done, total, message)`` hears of each of the four steps."""
    topology_audit_scope_check(locality=locality, basin=basin)
    scope = sql.Scope(locality=locality.pk if locality else None, basin=basin)
    step = progress or (lambda done, total, message: None)
    began = time.perf_counter()
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            # The four statements then read the same register, whatever commits meanwhile.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        rules = TopologyRules.objects.filter(pk=1).first() or TopologyRules()
        step(0, 4, "counting parcels")
        parcels, basins = sql.audit_counts(scope=scope)
        step(1, 4, "looking for overlaps")
        overlaps = [
            Overlap(a_id, a, b_id, b, area, (lon, lat))
            for a_id, a, b_id, b, area, lon, lat in sql.audit_overlaps(
                scope=scope, tolerance_m2=rules.overlap_tolerance_m2
            )
        ]
        step(2, 4, "looking for gaps")
        gaps = [
            Gap(
                locality_id=locality_id,
                locality=name or "?",
                basin=gap_basin,
                area_m2=area,
                perimeter_m=perimeter,
                compactness=compactness(area_m2=area, perimeter_m=perimeter),
                point=(lon, lat),
                bordering=tuple(bordering),
                geojson=outline,
            )
            for locality_id, name, gap_basin, area, perimeter, lon, lat, bordering, outline in (
                sql.audit_gaps(scope=scope, min_area_m2=rules.overlap_tolerance_m2)
            )
        ]
        step(3, 4, "looking for slivers")
        parcel_rows = sql.audit_parcel_slivers(
            scope=scope,
            max_area_m2=rules.sliver_max_area_m2,
            max_compactness=rules.sliver_max_compactness,
        )
    slivers = [
        _sliver(
            rules,
            kind=SLIVER_PARCEL,
            locality=name or "?",
            basin=parcel_basin,
            area_m2=area,
            perimeter_m=perimeter,
            point=(lon, lat),
            parcel_id=parcel_id,
            identifier=identifier,
        )
        for parcel_id, identifier, _lid, name, parcel_basin, area, perimeter, lon, lat in (
            parcel_rows
        )
    ]
    slivers += [
        _sliver(
            rules,
            kind=SLIVER_GAP,
            locality=gap.locality,
            basin=gap.basin,
            area_m2=gap.area_m2,
            perimeter_m=gap.perimeter_m,
            point=gap.point,
        )
        for gap in gaps
        if gap.area_m2 < rules.sliver_max_area_m2 or gap.compactness < rules.sliver_max_compactness
    ]
    return AuditReport(
        scope=_scope_text(locality, basin),
        parcels=parcels,
        basins=basins,
        rules={
            "overlap_tolerance_m2": rules.overlap_tolerance_m2,
            "sliver_max_area_m2": rules.sliver_max_area_m2,
            "sliver_max_compactness": rules.sliver_max_compactness,
        },
        overlaps=overlaps,
        gaps=gaps,
        slivers=slivers,
        seconds=round(time.perf_counter() - began, 3),
    )


def _sliver(rules: TopologyRules, *, kind: str, area_m2: float, perimeter_m: float, **rest):
    shape = compactness(area_m2=area_m2, perimeter_m=perimeter_m)
    return Sliver(
        kind=kind,
        area_m2=area_m2,
        compactness=shape,
        small=area_m2 < rules.sliver_max_area_m2,
        thin=shape < rules.sliver_max_compactness,
        **rest,
    )


def _scope_text(locality: Locality | None, basin: int | None) -> str:
    if locality is None:
        return "the whole register"
    if basin is None:
        return f"locality {locality.name_en or locality.name_ar}"
    return f"basin {basin} of {locality.name_en or locality.name_ar}"
