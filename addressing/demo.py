"""The demo city: a deterministic, synthetic street network, neighbourhoods, postal zones and
numbered buildings with postcodes inside the real Ramallah and Al-Bireh boundaries.

No open street network or building footprints of Ramallah are available offline, so the demo
lays out a plausible one. The neighbourhood and main-street names are the cities' real ones
(``data/reference/ramallah_names.md``); where they lie here is invented. Every generated row is
marked ``is_synthetic`` and the API and the maps say so. Everything is written through the
register's services, as an import would be.

Work is done in UTM zone 36N (EPSG:32636, metres); the register stores EPSG:4326.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import numpy as np
import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction
from shapely import affinity
from shapely.geometry import LineString as ShapelyLine
from shapely.strtree import STRtree

from addressing.models import Street
from addressing.services import (
    METRIC_SRID,
    NewBuilding,
    area_create,
    building_numbering_apply,
    buildings_add,
    postal_zone_create,
    postcodes_assign,
    street_create,
    to_metric,
)
from boundaries.models import Municipality
from core.crs import transformer

# Real neighbourhoods (their places here are invented), per municipality.
AREAS = {
    "ramallah": [
        ("رام الله التحتا", "Ramallah al-Tahta"),
        ("الماصيون", "Al-Masyoun"),
        ("الطيرة", "Al-Tireh"),
        ("الإرسال", "Al-Irsal"),
        ("عين منجد", "Ein Munjed"),
        ("عين مصباح", "Ein Misbah"),
    ],
    "al-bireh": [
        ("أم الشرايط", "Umm al-Sharayet"),
        ("البالوع", "Al-Balou'"),
        ("سطح مرحبا", "Sateh Marhaba"),
    ],
}
# Real main streets, given to the longest generated lines near the centre.
MAIN_STREETS = {
    "ramallah": [
        ("شارع الإرسال", "Al-Irsal Street"),
        ("شارع ركب", "Rukab Street"),
        ("شارع يافا", "Jaffa Street"),
        ("الشارع الرئيسي", "Main Street"),
        ("شارع النهضة", "Al-Nahda Street"),
        ("شارع الطيرة", "Al-Tireh Street"),
        ("شارع الإذاعة", "Radio Street"),
        ("شارع المستشفى", "Hospital Street"),
    ],
    "al-bireh": [("شارع القدس", "Al-Quds Street"), ("شارع نابلس", "Nablus Road")],
}
# Names of the kind Palestinian towns give their other streets: towns, trees and flowers, ideas.
STREET_NAMES = [
    ("حيفا", "Haifa"), ("عكا", "Akka"), ("الناصرة", "Al-Nasira"), ("صفد", "Safad"),
    ("اللد", "Al-Lid"), ("الرملة", "Al-Ramla"), ("بيسان", "Beisan"), ("طبريا", "Tabariya"),
    ("الخليل", "Al-Khalil"), ("جنين", "Jenin"), ("غزة", "Gaza"), ("بيت لحم", "Beit Lahm"),
    ("أريحا", "Ariha"), ("طولكرم", "Tulkarem"), ("قلقيلية", "Qalqilya"),
    ("بئر السبع", "Bir al-Sabe"),
    ("الزيتون", "Al-Zaytoun"), ("الياسمين", "Al-Yasmin"), ("الزعتر", "Al-Zaatar"),
    ("الليمون", "Al-Laymoun"), ("البرتقال", "Al-Burtuqal"), ("التين", "Al-Tin"),
    ("الرمان", "Al-Rumman"), ("اللوز", "Al-Lawz"), ("السنديان", "Al-Sindyan"),
    ("الصنوبر", "Al-Sanawbar"), ("النخيل", "Al-Nakhil"), ("الورود", "Al-Wurud"),
    ("الزنبق", "Al-Zanbaq"), ("البلوط", "Al-Ballout"), ("السرو", "Al-Saru"), ("الكينا", "Al-Kina"),
    ("الاستقلال", "Al-Istiqlal"), ("الحرية", "Al-Hurriya"), ("الكرامة", "Al-Karama"),
    ("العودة", "Al-Awda"), ("السلام", "Al-Salam"), ("الأمل", "Al-Amal"), ("الوحدة", "Al-Wahda"),
    ("الجبل", "Al-Jabal"), ("الوادي", "Al-Wadi"), ("العين", "Al-Ein"), ("البيادر", "Al-Bayader"),
    ("الكروم", "Al-Kurum"), ("المدارس", "Al-Madares"), ("البلدية", "Al-Baladiya"),
    ("السوق", "Al-Souq"), ("المكتبة", "Al-Maktaba"), ("الجامعة", "Al-Jamia"),
    ("المنتزه", "Al-Muntazah"), ("الملعب", "Al-Malaab"), ("الربيع", "Al-Rabie"),
    ("الفجر", "Al-Fajr"), ("القمر", "Al-Qamar"), ("النجمة", "Al-Najma"),
    ("الشروق", "Al-Shurouq"), ("الغروب", "Al-Ghuroub"), ("الهلال", "Al-Hilal"),
    ("الأقصى", "Al-Aqsa"), ("الكرمل", "Al-Karmel"),
]  # fmt: skip
STREET_TYPES = [("شارع", "Street", "street"), ("طريق", "Road", "road"), ("زقاق", "Lane", "lane")]
# Synthetic postal zones: the governorate digit from the reference data (marked unverified
# there), then sector and area. Ramallah has ten zones (the municipality says so).
ZONES = {
    "ramallah": [f"6{i:02d}" for i in range(10)],
    "al-bireh": [f"6{i:02d}" for i in range(10, 16)],
}
CENTRES = {"ramallah": (35.2042, 31.9038), "al-bireh": (35.2150, 31.9090)}


@dataclass(frozen=True)
class DemoCityReport:
    streets: int
    buildings: int
    zones: int
    areas: int


def _to_wgs84(shape) -> GEOSGeometry:
    convert = transformer(METRIC_SRID, 4326).transform
    back = shapely.transform(shape, lambda xy: np.column_stack(convert(xy[:, 0], xy[:, 1])))
    return GEOSGeometry(memoryview(shapely.to_wkb(back)), srid=4326)


def _cells(polygon, count: int, rng: random.Random):
    """``count`` Voronoi cells of points spread inside ``polygon``, clipped to it, in the order
    of the points' angles around the centre (deterministic for a seed)."""
    minx, miny, maxx, maxy = polygon.bounds
    # Seeds no closer than a third of the spacing of a square grid of ``count`` cells, so
    # cells are of comparable size and the sampling always ends.
    gap = math.sqrt(polygon.area / count) / 3
    seeds = []
    while len(seeds) < count:
        point = shapely.Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if polygon.contains(point) and all(point.distance(s) > gap for s in seeds):
            seeds.append(point)
    centre = polygon.centroid
    seeds.sort(key=lambda p: math.atan2(p.y - centre.y, p.x - centre.x))
    regions = shapely.voronoi_polygons(shapely.MultiPoint(seeds), extend_to=polygon.envelope)
    cells = []
    for seed in seeds:
        cell = next(g for g in regions.geoms if g.contains(seed))
        clipped = cell.intersection(polygon)
        cells.append(max(getattr(clipped, "geoms", [clipped]), key=lambda g: g.area))
    return cells


def _grid_lines(polygon, *, spacing: float, angle: float):
    """Pieces (longer than 150 m) of two families of parallel lines across ``polygon``."""
    centre = polygon.centroid
    reach = max(polygon.bounds[2] - polygon.bounds[0], polygon.bounds[3] - polygon.bounds[1])
    pieces = []
    for turn in (angle, angle + 90):
        offsets = np.arange(-reach, reach, spacing)
        for offset in offsets:
            line = ShapelyLine(
                [(centre.x - reach, centre.y + offset), (centre.x + reach, centre.y + offset)]
            )
            line = affinity.rotate(line, turn, origin=centre)
            cut = line.intersection(polygon.buffer(-15))
            for part in getattr(cut, "geoms", [cut]):
                if part.geom_type == "LineString" and part.length > 150:
                    pieces.append(part)
    return pieces


# Where a town has more streets than names, later ones carry a qualifier, as "Upper Jaffa
# Street" does: words unlike each other (not "second" and "third", which a typo confuses)
# and never digits (a digit in a street's name reads like a house number).
QUALIFIERS = [
    ("العلوي", "Upper"), ("السفلي", "Lower"), ("الشمالي", "North"), ("الجنوبي", "South"),
    ("الشرقي", "East"), ("الغربي", "West"), ("القديم", "Old"), ("الجديد", "New"),
    ("الأوسط", "Middle"), ("الصغير", "Little"), ("الكبير", "Great"),
]  # fmt: skip


def _street_names(municipality: str, count: int, rng: random.Random):
    """Distinct names for ``count`` streets: the real main streets, then each name once
    with a kind (street, road, lane) of its own, then with qualifiers."""
    names = list(MAIN_STREETS.get(municipality, []))
    stems = STREET_NAMES[:]
    rng.shuffle(stems)
    kinds = {stem: rng.choice(STREET_TYPES) for stem in stems}
    for qualifier in [None, *QUALIFIERS]:
        for stem in stems:
            if len(names) >= count:
                return names
            kind_ar, kind_en, _kind = kinds[stem]
            if qualifier is None:
                names.append((f"{kind_ar} {stem[0]}", f"{stem[1]} {kind_en}"))
            else:
                names.append(
                    (f"{kind_ar} {stem[0]} {qualifier[0]}", f"{qualifier[1]} {stem[1]} {kind_en}")
                )
    raise ValueError(f"{count} streets need more names than the demo has")


def _street_type(name_en: str) -> str:
    for _ar, kind_en, kind in STREET_TYPES:
        if f" {kind_en}" in name_en:
            return kind
    return "street"


def _frontage(line, *, every: float, depth: float, rng: random.Random, density):
    """Entrances and footprints along both sides of ``line`` (metres)."""
    found = []
    for side in (1, -1):
        distance = rng.uniform(8, every)
        while distance < line.length - 8:
            here = line.interpolate(distance)
            ahead = line.interpolate(min(distance + 1, line.length))
            dx, dy = ahead.x - here.x, ahead.y - here.y
            norm = math.hypot(dx, dy) or 1.0
            nx, ny = -dy / norm * side, dx / norm * side  # side 1: left of the direction
            if rng.random() < density(here):
                offset = 8 + rng.uniform(0, 2)
                entrance = shapely.Point(here.x + nx * offset, here.y + ny * offset)
                ux, uy = dx / norm, dy / norm
                corners = [
                    (entrance.x - ux * 5, entrance.y - uy * 5),
                    (entrance.x + ux * 5, entrance.y + uy * 5),
                    (entrance.x + ux * 5 + nx * depth, entrance.y + uy * 5 + ny * depth),
                    (entrance.x - ux * 5 + nx * depth, entrance.y - uy * 5 + ny * depth),
                ]
                found.append((entrance, shapely.Polygon(corners)))
            distance += every * rng.uniform(0.8, 1.2)
    return found


@transaction.atomic
def demo_city_generate(
    *,
    municipalities: tuple[str, ...] = ("ramallah", "al-bireh"),
    spacing_m: float = 170.0,
    building_every_m: float = 24.0,
    seed: int = 2026,
    zones: dict[str, list[str]] | None = None,
) -> DemoCityReport:
    """Lay out the synthetic demo city in ``municipalities`` (slugs) unless it is there:
    streets on a slightly turned grid every ``spacing_m`` metres, neighbourhoods and postal
    zones as Voronoi cells, buildings every ``building_every_m`` metres on both sides of each
    street (denser near the centre), numbered and given postcodes. ``zones`` replaces the
    postal zone codes of a municipality (a denser city needs more than 9,999 delivery points
    per zone). Deterministic for a seed."""
    report = DemoCityReport(0, 0, 0, 0)
    for slug in municipalities:
        municipality = Municipality.objects.select_related("governorate").get(slug=slug)
        if Street.objects.filter(municipality=municipality, is_synthetic=True).exists():
            continue
        rng = random.Random(f"{seed}-{slug}")  # noqa: S311 - reproducible demo data
        codes = (zones or {}).get(slug, ZONES[slug])
        made = _generate(municipality, rng, spacing=spacing_m, every=building_every_m, codes=codes)
        report = DemoCityReport(
            *(a + b for a, b in zip(report.__dict__.values(), made, strict=True))
        )
    if report.streets:
        links = _link_roads(municipalities)
        report = DemoCityReport(
            report.streets + links, report.buildings, report.zones, report.areas
        )
    return report


# Each town's grid stops 15 m inside its boundary; in a real city the streets run on. A street
# of the first town that ends this close to the other town is carried on to the nearest street
# there, if that street is this close to its end.
LINK_REACH_M = 60.0
LINK_MAX_M = 140.0


def _link_roads(slugs: tuple[str, ...]) -> int:
    """Short synthetic link roads between the grids of neighbouring towns, so that the demo
    city is one street network (a courier in Ramallah can reach Al-Bireh). Each link continues
    a street of the first town (``<name> Link``) to the nearest street of the second."""
    towns = list(Municipality.objects.filter(slug__in=slugs).order_by("pk"))
    made = 0
    for first_index, first in enumerate(towns):
        for second in towns[first_index + 1 :]:
            made += _link_pair(first, second)
    return made


def _link_pair(first: Municipality, second: Municipality) -> int:
    boundary = to_metric(second.geom)
    theirs = list(Street.objects.filter(municipality=second, is_synthetic=True))
    if not theirs:
        return 0
    their_lines = [to_metric(s.geom) for s in theirs]
    tree = STRtree(their_lines)
    made = 0
    ends_linked: list[shapely.Point] = []
    for street in Street.objects.filter(municipality=first, is_synthetic=True).order_by("code"):
        line = to_metric(street.geom)
        for end in (shapely.Point(line.coords[0]), shapely.Point(line.coords[-1])):
            if end.distance(boundary) > LINK_REACH_M:
                continue
            if any(end.distance(other) < 1 for other in ends_linked):
                continue
            nearest = tree.query_nearest(end, max_distance=LINK_MAX_M)
            if len(nearest) == 0:
                continue
            target = their_lines[int(nearest[0])]
            meet = target.interpolate(target.project(end))
            if end.distance(meet) < 1:
                continue
            made += 1
            street_create(
                municipality=first,
                code=f"{first.slug[:3].upper()}-L{made:03d}",
                name_ar=f"وصلة {street.name_ar}",
                name_en=f"{street.name_en} Link",
                street_type=street.street_type,
                geom=_to_wgs84(ShapelyLine([end, meet])),
                is_synthetic=True,
            )
            ends_linked.append(end)
    return made


def _generate(
    municipality: Municipality, rng: random.Random, *, spacing: float, every: float, codes
):
    slug = municipality.slug
    polygon = to_metric(municipality.geom)
    polygon = max(getattr(polygon, "geoms", [polygon]), key=lambda g: g.area)
    for (name_ar, name_en), cell in zip(
        AREAS.get(slug, []), _cells(polygon, len(AREAS.get(slug, [])), rng), strict=True
    ):
        area_create(
            municipality=municipality,
            name_ar=name_ar,
            name_en=name_en,
            geom=_to_wgs84(cell),
            is_synthetic=True,
        )
    zones = []
    for code, cell in zip(codes, _cells(polygon, len(codes), rng), strict=True):
        zones.append(
            postal_zone_create(
                code=code,
                governorate=municipality.governorate,
                municipality=municipality,
                name_ar=f"منطقة بريدية {code}",
                name_en=f"Postal zone P{code}",
                geom=_to_wgs84(cell),
                is_synthetic=True,
            )
        )
    lines = _grid_lines(polygon, spacing=spacing, angle=rng.uniform(10, 35))
    lon, lat = CENTRES[slug]
    cx, cy = transformer(4326, METRIC_SRID).transform(lon, lat)
    # Longest lines near the centre first: they get the real main-street names.
    lines.sort(key=lambda ln: ln.distance(shapely.Point(cx, cy)) - ln.length / 4)
    tree = STRtree(lines)

    def density(point) -> float:
        return max(0.15, 0.95 - math.hypot(point.x - cx, point.y - cy) / 4000)

    streets = []
    buildings = 0
    for index, (line, (name_ar, name_en)) in enumerate(
        zip(lines, _street_names(slug, len(lines), rng), strict=True)
    ):
        street = street_create(
            municipality=municipality,
            code=f"{slug[:3].upper()}-{index + 1:04d}",
            name_ar=name_ar,
            name_en=name_en,
            street_type=_street_type(name_en),
            geom=_to_wgs84(line),
            is_synthetic=True,
        )
        streets.append(street)
        new = []
        for entrance, footprint in _frontage(line, every=every, depth=12, rng=rng, density=density):
            # Leave out a building that would stand on another street.
            near = tree.query(footprint.buffer(4), predicate="intersects")
            if any(lines[i] is not line for i in near) or not polygon.contains(footprint):
                continue
            new.append(NewBuilding(entrance=_to_wgs84(entrance), footprint=_to_wgs84(footprint)))
        buildings += len(buildings_add(street=street, buildings=new, is_synthetic=True))
        building_numbering_apply(street=street)
    for zone in zones:
        postcodes_assign(zone=zone)
    return (len(streets), buildings, len(zones), len(AREAS.get(slug, [])))
