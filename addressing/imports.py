"""OpenStreetMap addresses into the register: named streets with their turn restrictions,
buildings with their ``addr:housenumber``/``addr:street``, and named places, written through
the register's services like any other edit.

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
from addressing.models import Building, Oneway, Place, Street, StreetType, TurnKind
from addressing.services import (
    NewBuilding,
    buildings_add,
    street_create,
    to_metric,
    turn_restriction_create,
)
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
    turn_restrictions: int = 0
    skipped: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def as_dict(self) -> dict:
        return {
            "streets": self.streets,
            "buildings": self.buildings,
            "places": self.places,
            "turn_restrictions": self.turn_restrictions,
            "skipped": dict(self.skipped),
        }


@dataclass
class _Address:
    street: str
    number: int
    suffix: str
    entrance: shapely.Point
    footprint: shapely.Polygon | None


@dataclass(frozen=True)
class _StreetKey:
    """Ways become one street only when they share a name and what routing reads from them."""

    name: str
    street_type: str
    oneway: str  # a way drawn against its one-way direction is turned round: never backward
    max_speed_kmh: int | None


@dataclass
class _Restriction:
    osm_id: int
    kind: str
    from_way: int
    via_node: int | None  # None: the restriction is via a way, which the register cannot hold
    to_way: int


RESTRICTION_KINDS = {"no": TurnKind.NO, "only": TurnKind.ONLY}


def _street_key(tags) -> tuple[_StreetKey, bool]:
    """The street a way belongs to, and whether its drawing must be reversed to run its one
    way. Motorways and roundabouts are one-way unless tagged otherwise, as in OpenStreetMap."""
    oneway = tags.get("oneway")
    if oneway is None and (
        tags.get("highway") == "motorway" or tags.get("junction") == "roundabout"
    ):
        oneway = "yes"
    direction = _oneway(oneway)
    key = _StreetKey(
        name=tags["name"],
        street_type=HIGHWAY_TYPES[tags["highway"]],
        oneway=Oneway.NO if direction == Oneway.NO else Oneway.FORWARD,
        max_speed_kmh=_speed(tags.get("maxspeed")),
    )
    return key, direction == Oneway.BACKWARD


def _restriction(obj) -> _Restriction | str:
    """A restriction relation read, or why it is left out."""
    tags = obj.tags
    value = tags.get("restriction:motorcar") or tags.get("restriction") or ""
    kind = RESTRICTION_KINDS.get(value.split("_", 1)[0])
    if kind is None:
        return "turn restriction of an unknown kind"
    if "motorcar" in (tags.get("except") or ""):
        return "turn restriction that spares cars"
    roles: dict[str, list] = defaultdict(list)
    for member in obj.members:
        roles[member.role].append((member.type, member.ref))
    if len(roles["from"]) != 1 or len(roles["to"]) != 1 or len(roles["via"]) != 1:
        return "turn restriction without one from, via and to"
    (from_type, from_ref), (to_type, to_ref), (via_type, via_ref) = (
        roles["from"][0], roles["to"][0], roles["via"][0]
    )  # fmt: skip
    if from_type != "w" or to_type != "w":
        return "turn restriction without one from, via and to"
    return _Restriction(obj.id, kind, from_ref, via_ref if via_type == "n" else None, to_ref)


def _geos(shape) -> GEOSGeometry:
    return GEOSGeometry(memoryview(shapely.to_wkb(shape)), srid=4326)


def _read(path: Path, report: OsmAddressReport):
    lines: dict[_StreetKey, list] = defaultdict(list)
    tags_of: dict[_StreetKey, dict] = {}
    ways: dict[int, tuple[_StreetKey, list]] = {}  # street ways: key, [(node id, lon, lat)]
    restrictions: list[_Restriction] = []
    addresses: dict[tuple[str, str], _Address] = {}
    places = []
    try:
        for obj in osmium.FileProcessor(str(path)).with_locations():
            tags = obj.tags
            if obj.is_way() and tags.get("highway") in HIGHWAY_TYPES and "name" in tags:
                key, reverse = _street_key(tags)
                runs = [r for r in osm_way_runs(obj.nodes) if len(r) >= 2]
                lines[key] += [r[::-1] for r in runs] if reverse else runs
                tags_of.setdefault(key, {k: v for k, v in tags})
                located = [
                    (n.ref, n.location.lon, n.location.lat) for n in obj.nodes if n.location.valid()
                ]
                ways[obj.id] = (key, located)
                continue
            if obj.is_relation() and tags.get("type") == "restriction":
                found = _restriction(obj)
                if isinstance(found, str):
                    report.skipped[found] += 1
                else:
                    restrictions.append(found)
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
    return lines, tags_of, ways, restrictions, list(addresses.values()), places


def _oneway(value: str | None) -> str:
    return {"yes": Oneway.FORWARD, "1": Oneway.FORWARD, "-1": Oneway.BACKWARD}.get(
        value or "", Oneway.NO
    )


def _speed(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and 1 <= int(value) <= 130 else None


def _beside(way: list, node: int) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """(the node's place, the next point of the way away from it) when the way starts or
    ends at ``node``, as OpenStreetMap requires of a restriction's ways."""
    if len(way) >= 2 and way[0][0] == node:
        return way[0][1:], way[1][1:]
    if len(way) >= 2 and way[-1][0] == node:
        return way[-1][1:], way[-2][1:]
    return None


def _turn_restriction_add(restriction: _Restriction, ways, streets_of) -> str | None:
    """Record one restriction on the streets its ways became; or say why it cannot be."""
    if restriction.via_node is None:
        return "turn restriction via a way (the register holds them via a crossing)"
    if restriction.from_way not in ways or restriction.to_way not in ways:
        return "turn restriction on a way that is not a named street"
    ends = []
    for way_id in (restriction.from_way, restriction.to_way):
        key, way = ways[way_id]
        found = _beside(way, restriction.via_node)
        if found is None:
            return "turn restriction whose way does not end at its crossing"
        via, side = found
        street = min(streets_of[key], key=lambda s: s[1].distance(shapely.Point(side)))[0]
        ends.append((street, Point(*side, srid=4326)))
        crossing = Point(*via, srid=4326)
    try:
        turn_restriction_create(
            from_street=ends[0][0],
            to_street=ends[1][0],
            via=crossing,
            kind=restriction.kind,
            from_side=ends[0][1],
            to_side=ends[1][1],
            source=f"osm:relation/{restriction.osm_id}",
        )
    except InvalidInput:
        return "turn restriction whose streets do not meet at its crossing"
    return None


@transaction.atomic
def osm_addresses_import(
    *, path: Path, municipality: Municipality, code_prefix: str
) -> OsmAddressReport:
    """Import an OpenStreetMap extract's named streets (one street per connected piece of
    a name with the same type, one-way rule and speed limit, codes ``<code_prefix>-00001``...),
    its turn restrictions via a crossing, its addresses as buildings numbered as OpenStreetMap
    numbers them, and its named places, all into ``municipality``. All or nothing; what was
    left out is counted by reason."""
    report = OsmAddressReport()
    lines, tags_of, ways, restrictions, addresses, places = _read(Path(path), report)
    if Street.objects.filter(municipality=municipality, code__startswith=f"{code_prefix}-"):
        raise InvalidInput(
            f"{municipality.name_en} already has streets coded {code_prefix}-...: import once."
        )
    pieces: dict[str, list[tuple[Street, object]]] = defaultdict(list)  # by name, for addresses
    streets_of: dict[_StreetKey, list[tuple[Street, object]]] = defaultdict(list)
    for key in sorted(lines, key=lambda k: (k.name, k.street_type, k.oneway, k.max_speed_kmh or 0)):
        # A one-way street's pieces are joined only head to tail, so its direction holds.
        merged = shapely.line_merge(
            shapely.MultiLineString(lines[key]), directed=key.oneway == Oneway.FORWARD
        )
        tags = tags_of[key]
        for part in getattr(merged, "geoms", [merged]):
            street = street_create(
                municipality=municipality,
                code=f"{code_prefix}-{report.streets + 1:05d}",
                name_ar=tags.get("name:ar") or key.name,
                name_en=tags.get("name:en") or key.name,
                street_type=key.street_type,
                geom=_geos(part),
                oneway=key.oneway,
                max_speed_kmh=key.max_speed_kmh,
            )
            pieces[key.name].append((street, to_metric(street.geom)))
            streets_of[key].append((street, part))
            report.streets += 1
    for restriction in restrictions:
        why = _turn_restriction_add(restriction, ways, streets_of)
        if why:
            report.skipped[why] += 1
        else:
            report.turn_restrictions += 1
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
