"""OpenStreetMap addresses into the register: named streets, buildings with their
``addr:housenumber``/``addr:street``, and named places, written through the register's services
like any other edit.

Coordinates are WGS 84 (EPSG:4326); which street piece an address belongs to is decided in UTM
metres. OpenStreetMap's own postcodes (another country's, in a test extract) are not Palestinian
postcodes and are left out; postcodes come from the postal zones, as for every building.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import osmium
import shapely
from django.contrib.gis.geos import GEOSGeometry, Point
from django.db import transaction

from addressing import sql
from addressing.models import Building, Oneway, Place, Street, StreetType
from addressing.services import NewBuilding, buildings_add, street_create, to_metric
from boundaries.models import Municipality
from core.errors import InvalidInput
from core.osm import osm_way_runs

HIGHWAY_TYPES = {
    **dict.fromkeys(("motorway", "trunk", "primary", "secondary", "tertiary"), StreetType.ROAD),
    **dict.fromkeys(("primary_link", "secondary_link", "tertiary_link"), StreetType.ROAD),
    **dict.fromkeys(("residential", "unclassified", "living_street"), StreetType.STREET),
    **dict.fromkeys(("pedestrian", "service", "footway", "cycleway"), StreetType.LANE),
    "steps": StreetType.STAIRS,
}
POI_KEYS = ("amenity", "shop", "tourism", "leisure", "office", "healthcare")
_HOUSENUMBER = re.compile(r"^\s*([0-9]{1,5})\s*([A-Za-z]{0,2})\b")


@dataclass
class OsmAddressReport:
    streets: int = 0
    buildings: int = 0
    places: int = 0
    skipped: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def as_dict(self) -> dict:
        return {
            "streets": self.streets,
            "buildings": self.buildings,
            "places": self.places,
            "skipped": dict(self.skipped),
        }


@dataclass
class _Address:
    street: str
    number: int
    suffix: str
    entrance: shapely.Point
    footprint: shapely.Polygon | None


def _geos(shape) -> GEOSGeometry:
    return GEOSGeometry(memoryview(shapely.to_wkb(shape)), srid=4326)


def _read(path: Path, report: OsmAddressReport):
    lines: dict[str, list] = defaultdict(list)
    tags_of: dict[str, dict] = {}
    addresses: dict[tuple[str, str], _Address] = {}
    places = []
    try:
        for obj in osmium.FileProcessor(str(path)).with_locations():
            tags = obj.tags
            if obj.is_way() and tags.get("highway") in HIGHWAY_TYPES and "name" in tags:
                name = tags["name"]
                lines[name] += [r for r in osm_way_runs(obj.nodes) if len(r) >= 2]
                tags_of.setdefault(name, {k: v for k, v in tags})
                continue
            if "addr:housenumber" in tags and "addr:street" in tags:
                found = _HOUSENUMBER.match(tags["addr:housenumber"])
                if found is None:
                    report.skipped["house number not a number"] += 1
                    continue
                key = (tags["addr:street"], tags["addr:housenumber"].strip())
                if obj.is_node() and obj.location.valid():
                    entrance = shapely.Point(obj.location.lon, obj.location.lat)
                    footprint = None
                elif obj.is_way() and obj.is_closed():
                    runs = osm_way_runs(obj.nodes)
                    if len(runs) != 1 or len(runs[0]) < 4:
                        report.skipped["building cut by the extract's edge"] += 1
                        continue
                    footprint = shapely.Polygon(runs[0])
                    if not footprint.is_valid:
                        report.skipped["invalid building outline"] += 1
                        continue
                    entrance = footprint.point_on_surface()
                else:
                    continue
                if key in addresses:
                    # Entrances and units of one building repeat its street and number.
                    report.skipped["same street and number again (an entrance or unit)"] += 1
                    if footprint is None or addresses[key].footprint is not None:
                        continue
                number, suffix = int(found.group(1)), found.group(2).upper()
                addresses[key] = _Address(key[0], number, suffix, entrance, footprint)
                continue
            named_place = "name" in tags and any(k in tags for k in POI_KEYS)
            if obj.is_node() and named_place and obj.location.valid():
                # pyosmium reuses its objects: keep copies, not references.
                location = (obj.location.lon, obj.location.lat)
                places.append((obj.id, {k: v for k, v in tags}, location))
    except RuntimeError as exc:
        raise InvalidInput(
            f"{path.name} cannot be read as OpenStreetMap PBF: {exc}", code="unreadable_file"
        ) from None
    return lines, tags_of, list(addresses.values()), places


def _oneway(value: str | None) -> str:
    return {"yes": Oneway.FORWARD, "1": Oneway.FORWARD, "-1": Oneway.BACKWARD}.get(
        value or "", Oneway.NO
    )


def _speed(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and 1 <= int(value) <= 130 else None


@transaction.atomic
def osm_addresses_import(
    *, path: Path, municipality: Municipality, code_prefix: str
) -> OsmAddressReport:
    """Import an OpenStreetMap extract's named streets (one street per connected piece of
    a name, codes ``<code_prefix>-00001``...), its addresses as buildings numbered as
    OpenStreetMap numbers them, and its named places, all into ``municipality``. All or
    nothing; what was left out is counted by reason."""
    report = OsmAddressReport()
    lines, tags_of, addresses, places = _read(Path(path), report)
    if Street.objects.filter(municipality=municipality, code__startswith=f"{code_prefix}-"):
        raise InvalidInput(
            f"{municipality.name_en} already has streets coded {code_prefix}-...: import once."
        )
    pieces: dict[str, list[tuple[Street, object]]] = defaultdict(list)
    for name in sorted(lines):
        merged = shapely.line_merge(shapely.MultiLineString(lines[name]))
        tags = tags_of[name]
        for part in getattr(merged, "geoms", [merged]):
            street = street_create(
                municipality=municipality,
                code=f"{code_prefix}-{report.streets + 1:05d}",
                name_ar=tags.get("name:ar") or name,
                name_en=tags.get("name:en") or name,
                street_type=HIGHWAY_TYPES[tags["highway"]],
                geom=_geos(part),
                oneway=_oneway(tags.get("oneway")),
                max_speed_kmh=_speed(tags.get("maxspeed")),
            )
            pieces[name].append((street, to_metric(street.geom)))
            report.streets += 1
    by_street: dict[int, list[tuple[_Address, NewBuilding]]] = defaultdict(list)
    streets = {}
    for address in addresses:
        candidates = pieces.get(address.street)
        if not candidates:
            report.skipped["street not in the extract"] += 1
            continue
        where = to_metric(_geos(address.entrance))
        street, _line = min(candidates, key=lambda c: c[1].distance(where))
        streets[street.pk] = street
        footprint = _geos(address.footprint) if address.footprint is not None else None
        by_street[street.pk].append(
            (address, NewBuilding(entrance=_geos(address.entrance), footprint=footprint))
        )
    for street_id, items in by_street.items():
        created = buildings_add(street=streets[street_id], buildings=[n for _a, n in items])
        rows, seen = [], set()
        for building, (address, _new) in zip(created, items, strict=True):
            key = (address.number, address.suffix)
            if key in seen:  # the same number on two pieces' buildings: keep the first
                Building.objects.filter(pk=building.pk).delete()
                report.skipped["same number twice on a street"] += 1
                continue
            seen.add(key)
            rows.append((building.pk, address.number, address.suffix))
        sql.buildings_update(columns=["number", "number_suffix"], rows=rows)
        report.buildings += len(rows)
    report.places = _places_add(places, municipality)
    return report


def _places_add(places, municipality: Municipality) -> int:
    rows = []
    for osm_id, tags, (lon, lat) in places:
        kind = next(tags[k] for k in POI_KEYS if k in tags)
        rows.append(
            Place(
                municipality=municipality,
                name_ar=tags.get("name:ar") or tags["name"],
                name_en=tags.get("name:en") or tags["name"],
                kind=kind[:40],
                geom=Point(lon, lat, srid=4326),
                source="openstreetmap",
                source_id=f"node/{osm_id}",
            )
        )
    Place.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
