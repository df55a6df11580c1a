"""Synthetic parcels for the demo city: each block between the synthetic streets of Ramallah and
Al-Bireh is a basin, tessellated around its buildings (a Voronoi cell per building, clipped to
the block); blocks without buildings are cut into lots of about 800 m². Every parcel, party and
right made here is marked synthetic, and the owners' names and ID numbers are made up.

Geometry is built in UTM 36N metres (EPSG:32636) and stored in WGS 84 (EPSG:4326).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction

from addressing.demo import CENTRES
from addressing.models import Building, BuildingStatus, Street
from addressing.services import METRIC_SRID, to_metric
from boundaries.models import Municipality
from core.crs import transformer
from parcels.models import LandUse, Parcel, TopologyRules
from parcels.services import (
    NewParcel,
    NewParty,
    RightSpec,
    parcels_register,
    parcels_rights_register,
    parties_register,
)

ROAD_RESERVE_M = 7.0  # each side of a street's centre line
VACANT_LOT_M2 = 800.0
FAMILIES = [
    ("الحمدان", "Hamdan"), ("الخوري", "Khoury"), ("ناصر", "Nasser"), ("عودة", "Odeh"),
    ("صالح", "Saleh"), ("البرغوثي", "Barghouti"), ("قسيس", "Qassis"), ("أبو غوش", "Abu Ghosh"),
    ("الريماوي", "Rimawi"), ("شحادة", "Shehadeh"), ("جبر", "Jaber"), ("حمّاد", "Hammad"),
    ("زيدان", "Zeidan"), ("عيسى", "Issa"), ("خليل", "Khalil"), ("يعقوب", "Yacoub"),
]  # fmt: skip
GIVEN = [
    ("أحمد", "Ahmad"), ("مريم", "Mariam"), ("يوسف", "Yousef"), ("ليلى", "Layla"),
    ("خالد", "Khaled"), ("سلمى", "Salma"), ("عمر", "Omar"), ("نادية", "Nadia"),
    ("سامي", "Sami"), ("رنا", "Rana"), ("إبراهيم", "Ibrahim"), ("هدى", "Huda"),
]  # fmt: skip
SHARES = [
    (Fraction(1),),
    (Fraction(1, 2), Fraction(1, 2)),
    (Fraction(1, 3), Fraction(1, 3), Fraction(1, 3)),
    (Fraction(1, 4), Fraction(3, 4)),
]


@dataclass(frozen=True)
class DemoParcelsReport:
    parcels: int
    basins: int
    parties: int


@transaction.atomic
def demo_parcels_generate(
    *, municipalities: tuple[str, ...] = ("ramallah", "al-bireh"), seed: int = 2026
) -> DemoParcelsReport:
    """Draw the synthetic parcels of ``municipalities`` (slugs) around the demo city's blocks and
    buildings, with synthetic owners, unless they are there. Deterministic for a seed."""
    totals = [0, 0, 0]
    for slug in municipalities:
        municipality = Municipality.objects.get(slug=slug)
        if Parcel.objects.filter(municipality=municipality, is_synthetic=True).exists():
            continue
        streets = list(Street.objects.filter(municipality=municipality, is_synthetic=True))
        if not streets:
            continue  # no demo city here: nothing to draw parcels around
        rng = random.Random(f"{seed}-parcels-{slug}")  # noqa: S311 - reproducible demo data
        made = _generate(municipality, streets, rng)
        totals = [a + b for a, b in zip(totals, made, strict=True)]
    return DemoParcelsReport(*totals)


def _blocks(municipality: Municipality, streets: list[Street]) -> list:
    area = to_metric(municipality.geom)
    roads = shapely.union_all([to_metric(s.geom).buffer(ROAD_RESERVE_M) for s in streets])
    blocks = area.difference(roads)
    minimum = TopologyRules.objects.get_or_create(pk=1)[0].min_area_m2
    return [b for b in getattr(blocks, "geoms", [blocks]) if b.area >= max(minimum, 50)]


def _cells(block, seeds: list, rng: random.Random) -> list:
    """The block cut into one cell per seed point (Voronoi, clipped), or into lots."""
    if len(seeds) < 2:
        count = max(1, round(block.area / VACANT_LOT_M2))
        if count == 1:
            return [block]
        seeds = []
        x0, y0, x1, y1 = block.bounds
        while len(seeds) < count:
            point = shapely.Point(rng.uniform(x0, x1), rng.uniform(y0, y1))
            if block.contains(point):
                seeds.append(point)
    regions = shapely.voronoi_polygons(shapely.MultiPoint(seeds), extend_to=block)
    pieces = [r.intersection(block) for r in regions.geoms]
    return _no_crumbs([p for piece in pieces for p in getattr(piece, "geoms", [piece])])


def _no_crumbs(pieces: list, minimum: float = 30.0) -> list:
    """Pieces below ``minimum`` m² joined to the neighbour they share most boundary with, so the
    block stays whole (no gaps) and no parcel is a crumb."""
    pieces = [p for p in pieces if p.geom_type == "Polygon" and not p.is_empty]
    pieces.sort(key=lambda p: -p.area)
    kept = [p for p in pieces if p.area >= minimum]
    for crumb in (p for p in pieces if p.area < minimum):
        shared = [k.boundary.intersection(crumb.boundary).length for k in kept]
        if not shared or max(shared) == 0:
            continue
        best = int(np.argmax(shared))
        joined = shapely.union(kept[best], crumb)
        if joined.geom_type == "Polygon":
            kept[best] = joined
    return kept


def _land_use(centre, distance: float, rng: random.Random, *, built: bool) -> str:
    if not built:
        return rng.choice([LandUse.AGRICULTURAL, LandUse.GREEN, LandUse.RESIDENTIAL_C])
    if rng.random() < 0.04:
        return LandUse.PUBLIC
    if distance < 600:
        return LandUse.COMMERCIAL
    if distance < 1200:
        return LandUse.MIXED
    if distance < 2200:
        return LandUse.RESIDENTIAL_A
    return LandUse.RESIDENTIAL_B if distance < 3200 else LandUse.RESIDENTIAL_C


def _generate(municipality: Municipality, streets: list[Street], rng: random.Random):
    to_wgs84 = transformer(METRIC_SRID, 4326).transform
    footprints = [
        to_metric(b.footprint).centroid
        for b in Building.objects.filter(
            street__in=streets, status=BuildingStatus.ACTIVE, footprint__isnull=False
        ).only("footprint")
    ]
    tree = shapely.STRtree(footprints)
    localities = list(municipality.localities.all())
    lon, lat = CENTRES[municipality.slug]
    cx, cy = transformer(4326, METRIC_SRID).transform(lon, lat)
    new: list[NewParcel] = []
    basins = 0
    for block in _blocks(municipality, streets):
        inside = [footprints[i] for i in tree.query(block, predicate="contains")]
        cells = _cells(block, inside, rng)
        if not cells:
            continue
        basins += 1
        point = block.representative_point()
        locality = _locality_at(localities, *to_wgs84(point.x, point.y))
        distance = math.hypot(point.x - cx, point.y - cy)
        # Numbered in a walking order: west to east, then south to north, like a survey.
        cells.sort(key=lambda c: (round(c.centroid.y / 40), c.centroid.x))
        for number, cell in enumerate(cells, start=1):
            polygon = shapely.transform(
                cell, lambda xy: np.column_stack(to_wgs84(xy[:, 0], xy[:, 1]))
            )
            geom = GEOSGeometry(memoryview(shapely.to_wkb(polygon)), srid=4326)
            new.append(
                NewParcel(
                    locality=locality,
                    municipality=municipality,
                    basin=basins,
                    number=number,
                    geom=geom,
                    land_use=_land_use(point, distance, rng, built=bool(inside)),
                )
            )
    _record, parcels = parcels_register(
        parcels=new,
        user=None,
        reason="Synthetic demo parcels drawn around the demo city's buildings",
        details={"synthetic": True, "municipality": municipality.slug},
        is_synthetic=True,
    )
    parties = parties_register(
        parties=[
            NewParty(
                kind="person",
                name_ar=f"{given_ar} {family_ar}",
                name_en=f"{given_en} {family_en}",
                national_id=f"SYN-{municipality.slug[:3].upper()}-{index:06d}",
            )
            for index, ((given_ar, given_en), (family_ar, family_en)) in enumerate(
                (rng.choice(GIVEN), rng.choice(FAMILIES)) for _ in range(max(3, len(parcels) // 2))
            )
        ],
        is_synthetic=True,
    )
    entries = []
    for parcel in parcels:
        shares = rng.choice(SHARES)
        holders = rng.sample(parties, min(len(shares), len(parties)))
        entries.append(
            (
                parcel,
                [
                    RightSpec(party=party, kind="ownership", share=share)
                    for party, share in zip(holders, shares, strict=False)
                ],
            )
        )
    parcels_rights_register(entries=entries, user=None, reason="Synthetic demo owners")
    return (len(parcels), basins, len(parties))


def _locality_at(localities, lon: float, lat: float):
    point = shapely.Point(lon, lat)
    for locality in localities:
        if shapely.from_wkb(bytes(locality.geom.wkb)).contains(point):
            return locality
    return localities[0]
