"""Writes to the address register. Every write goes through here; the database refuses what
no code path may do (see the models and migration 0003).

Geometries are taken and stored in WGS 84 (EPSG:4326). Where a building stands along its street
(side and position) is measured in UTM zone 36N (EPSG:32636, metres), the metric grid that
covers all of Palestine.
"""

from __future__ import annotations

import json
import math
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from django.contrib.gis.geos import (
    GEOSGeometry,
    LineString,
    MultiPoint,
    MultiPolygon,
    Point,
    Polygon,
)
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from addressing import sql
from addressing.models import (
    Area,
    Building,
    BuildingStatus,
    Oneway,
    Place,
    PostalZone,
    Street,
    TurnKind,
    TurnRestriction,
)
from addressing.postcodes import postcode_format
from addressing.selectors import street_nearest
from boundaries.models import Governorate, Municipality
from core.crs import transformer
from core.errors import Conflict, InvalidInput
from core.models import ChangeAction
from core.services import change_record, changes_record, feature_snapshot
from core.tiles import tile_cache_invalidate

METRIC_SRID = 32636  # UTM 36N
MAX_DELIVERY_POINT = 9999


# -- streets and zones -------------------------------------------------------------------


def _line(geom: GEOSGeometry) -> LineString:
    if geom is None or geom.geom_type != "LineString" or geom.empty:
        kind = "nothing" if geom is None else geom.geom_type
        raise InvalidInput(f"A street is one line from its start to its end, not {kind}.")
    if geom.srid not in (None, 4326):
        raise InvalidInput(f"Street geometries are in EPSG:4326, not EPSG:{geom.srid}.")
    geom.srid = 4326
    if not geom.valid or geom.num_points < 2 or to_metric(geom).length < 1:
        raise InvalidInput("A street line needs two distinct points at least 1 m apart.")
    return geom


def street_create(
    *,
    municipality: Municipality,
    code: str,
    name_ar: str,
    name_en: str,
    geom: GEOSGeometry,
    street_type: str = "street",
    oneway: str = Oneway.NO,
    max_speed_kmh: int | None = None,
    is_synthetic: bool = False,
    user=None,
) -> Street:
    """A new street of ``municipality``, drawn (EPSG:4326) from its start, where building
    numbers begin. ``code`` is unique within the municipality. Recorded in the audit log."""
    if not (name_ar.strip() and name_en.strip()):
        raise InvalidInput("A street needs its name in Arabic and in English.")
    if Street.objects.filter(municipality=municipality, code=code).exists():
        raise Conflict(f"{municipality.name_en} already has a street with code {code!r}.")
    street = Street.objects.create(
        municipality=municipality,
        code=code,
        name_ar=name_ar.strip(),
        name_en=name_en.strip(),
        street_type=street_type,
        geom=_line(geom),
        oneway=oneway,
        max_speed_kmh=max_speed_kmh,
        is_synthetic=is_synthetic,
    )
    tile_cache_invalidate(collection_id="streets", geometries=[street.geom])
    change_record(
        collection="streets",
        feature_id=street.pk,
        version=1,
        action=ChangeAction.CREATE,
        user=user,
        before=None,
        after=feature_snapshot(
            geometry=street.geom,
            properties={"code": code, "name_ar": street.name_ar, "name_en": street.name_en},
        ),
    )
    return street


def postal_zone_create(
    *,
    code: str,
    governorate: Governorate,
    geom: GEOSGeometry,
    municipality: Municipality | None = None,
    name_ar: str = "",
    name_en: str = "",
    is_synthetic: bool = False,
) -> PostalZone:
    """A postal zone (``code``: its three digits) of ``governorate``, whose postcode digit
    must be the code's first digit (checked here with a clear message, and by the database)."""
    if not (len(code) == 3 and code.isdigit()):
        raise InvalidInput(f"A postal zone code is 3 digits (as in P600), not {code!r}.")
    digit = governorate.postcode_digit
    if digit is not None and int(code[0]) != digit:
        raise InvalidInput(
            f"Postal zone P{code} cannot belong to {governorate.name_en}: its zones start "
            f"with {digit}, the governorate's postcode digit.",
            code="zone_governorate_mismatch",
        )
    first, last = governorate.postcode_zone_first, governorate.postcode_zone_last
    if first is not None and not first <= int(code) <= last:
        raise InvalidInput(
            f"Postal zone P{code} is outside {governorate.name_en}'s zones P{first}-P{last}.",
            code="zone_governorate_mismatch",
        )
    if PostalZone.objects.filter(code=code).exists():
        raise Conflict(f"Postal zone P{code} already exists.")
    zone = PostalZone.objects.create(
        code=code,
        governorate=governorate,
        municipality=municipality,
        name_ar=name_ar,
        name_en=name_en,
        geom=_multipolygon(geom),
        is_synthetic=is_synthetic,
    )
    tile_cache_invalidate(collection_id="postal-zones", geometries=[zone.geom])
    return zone


def area_create(
    *,
    municipality: Municipality,
    name_ar: str,
    name_en: str,
    geom: GEOSGeometry,
    is_synthetic: bool = False,
) -> Area:
    """A named neighbourhood (EPSG:4326 polygon) of ``municipality``."""
    area = Area.objects.create(
        municipality=municipality,
        name_ar=name_ar,
        name_en=name_en,
        geom=_multipolygon(geom),
        is_synthetic=is_synthetic,
    )
    tile_cache_invalidate(collection_id="areas", geometries=[area.geom])
    return area


def _multipolygon(geom: GEOSGeometry) -> MultiPolygon:
    if geom is None or geom.geom_type not in ("Polygon", "MultiPolygon") or geom.empty:
        raise InvalidInput("A zone or area is a polygon.")
    if not geom.valid:
        raise InvalidInput(f"The polygon is not valid: {geom.valid_reason}.")
    geom.srid = geom.srid or 4326
    return MultiPolygon(geom, srid=geom.srid) if geom.geom_type == "Polygon" else geom


# -- buildings -------------------------------------------------------------------------------


def to_metric(geom: GEOSGeometry):
    """The geometry as a shapely object in UTM 36N metres."""
    convert = transformer(4326, METRIC_SRID).transform
    return shapely.transform(
        shapely.from_wkb(bytes(geom.wkb)), lambda xy: np.column_stack(convert(xy[:, 0], xy[:, 1]))
    )


# A turn restriction's crossing lies on both its streets within this (metres); its hints are
# placed this far along each street from the crossing.
TURN_TOLERANCE_M = 1.0


def _turn_hint(street: Street, via: Point, towards: Point | None, role: str) -> Point:
    line = to_metric(street.geom)
    at = _metric_points([via])[0]
    if line.distance(at) > TURN_TOLERANCE_M:
        raise InvalidInput(
            f"The crossing is not on the {role} street ({street.code}).", code="turn_not_on_street"
        )
    here = line.project(at)
    if towards is not None:
        other = line.project(_metric_points([towards])[0])
        if abs(other - here) < 1e-3:
            raise InvalidInput(f"The {role} hint is on the crossing itself.", code="turn_hint")
        step = math.copysign(min(TURN_TOLERANCE_M, abs(other - here) / 2), other - here)
    elif here < TURN_TOLERANCE_M:
        step = min(TURN_TOLERANCE_M, line.length / 2)
    elif line.length - here < TURN_TOLERANCE_M:
        step = -min(TURN_TOLERANCE_M, line.length / 2)
    else:
        raise InvalidInput(
            f"The {role} street ({street.code}) runs on through the crossing: say which side "
            "of it the turn is taken from (a point on that side).",
            code="turn_side_missing",
        )
    hint = line.interpolate(here + step)
    lon, lat = transformer(METRIC_SRID, 4326).transform(hint.x, hint.y)
    return Point(lon, lat, srid=4326)


@transaction.atomic
def turn_restriction_create(
    *,
    from_street: Street,
    to_street: Street,
    via: Point,
    kind: str,
    from_side: Point | None = None,
    to_side: Point | None = None,
    source: str = "",
) -> TurnRestriction:
    """Record a turn restriction at ``via`` (EPSG:4326), a crossing of both streets (within
    1 m): arriving along ``from_street``, the turn onto ``to_street`` is forbidden (``no``) or
    the only one allowed (``only``). Where a street runs on through the crossing,
    ``from_side``/``to_side`` (points on that street, EPSG:4326) say which side is meant.
    Routing applies it from the next graph build."""
    if kind not in TurnKind.values:
        raise InvalidInput(f"kind is one of {', '.join(TurnKind.values)}.", code="turn_kind")
    return TurnRestriction.objects.create(
        from_street=from_street,
        to_street=to_street,
        via=via,
        from_hint=_turn_hint(from_street, via, from_side, "from"),
        to_hint=_turn_hint(to_street, via, to_side, "to"),
        kind=kind,
        source=source,
    )


def street_sides(*, street: Street, points: Sequence[Point]) -> list[tuple[str, float]]:
    """For each point: which side of ``street`` it is on, looking from the street's start, and
    how far along the street it meets it (0 at the start, 1 at the end)."""
    if not points:
        return []
    line = to_metric(street.geom)
    where = _metric_points(points)
    positions = np.clip(shapely.line_locate_point(line, where, normalized=True), 0.0, 1.0)
    # The side is the sign of the cross product of the street's direction where the point
    # meets it and the vector from there to the point.
    step = 1.0 / max(line.length, 1.0)  # one metre along the street
    ahead = np.minimum(positions + step, 1.0)
    behind = np.maximum(ahead - step, 0.0)
    a = shapely.get_coordinates(shapely.line_interpolate_point(line, behind, normalized=True))
    b = shapely.get_coordinates(shapely.line_interpolate_point(line, ahead, normalized=True))
    p = shapely.get_coordinates(where)
    cross = (b[:, 0] - a[:, 0]) * (p[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (p[:, 0] - a[:, 0])
    return [("left" if c > 0 else "right", float(t)) for c, t in zip(cross, positions, strict=True)]


def _metric_points(points: Sequence[Point]) -> np.ndarray:
    xy = np.array([(point.x, point.y) for point in points], dtype=float)
    x, y = transformer(4326, METRIC_SRID).transform(xy[:, 0], xy[:, 1])
    return shapely.points(x, y)


def _containing(model, point: GEOSGeometry, **filters):
    return model.objects.filter(geom__contains=point, **filters).first()


@dataclass(frozen=True)
class NewBuilding:
    entrance: Point
    footprint: Polygon | None = None
    name_ar: str = ""
    name_en: str = ""


def buildings_add(
    *, street: Street, buildings: Sequence[NewBuilding], is_synthetic: bool = False
) -> list[Building]:
    """New buildings whose entrances (EPSG:4326 points) open on ``street``, in one statement.
    Their side and position come from where they stand, their area and postal zone from the
    polygons that contain their entrances; numbers come from ``building_numbering_apply`` and
    postcodes from ``postcodes_assign``."""
    for item in buildings:
        if item.entrance is None or item.entrance.geom_type != "Point" or item.entrance.empty:
            raise InvalidInput("A building's entrance is a point.")
    places = street_sides(street=street, points=[item.entrance for item in buildings])
    rows = []
    for item, (side, position) in zip(buildings, places, strict=True):
        entrance = item.entrance
        entrance.srid = entrance.srid or 4326
        if item.footprint is not None and not item.footprint.valid:
            raise InvalidInput(f"The footprint is not valid: {item.footprint.valid_reason}.")
        rows.append(
            Building(
                street=street,
                entrance=entrance,
                footprint=item.footprint,
                side=side,
                position=position,
                name_ar=item.name_ar,
                name_en=item.name_en,
                is_synthetic=is_synthetic,
            )
        )
    created = Building.objects.bulk_create(rows)
    buildings_locate(buildings=Building.objects.filter(pk__in=[b.pk for b in created]))
    _buildings_changed(b.entrance for b in created)
    return list(Building.objects.filter(pk__in=[b.pk for b in created]).order_by("pk"))


def building_create(
    *, street: Street, entrance: Point, is_synthetic: bool = False, **details
) -> Building:
    """One new building on ``street`` (see ``buildings_add``)."""
    new = NewBuilding(entrance=entrance, **details)
    return buildings_add(street=street, buildings=[new], is_synthetic=is_synthetic)[0]


def building_retire(*, building: Building, user=None) -> Building:
    """Retire a building (demolished, merged): it leaves the map and the search, and keeps its
    row so that its postcode is never issued again. Recorded in the audit log."""
    if building.status == BuildingStatus.RETIRED:
        raise Conflict(f"Building {building.pk} is already retired.")
    building.status = BuildingStatus.RETIRED
    building.retired_at = timezone.now()
    building.save(update_fields=["status", "retired_at", "updated_at"])
    _buildings_changed([building.entrance])
    changes_record(
        collection="addresses",
        action=ChangeAction.DELETE,
        user=user,
        changes=[(building.pk, {"properties": {"postcode": building.postcode}}, None)],
    )
    return building


# How far from a street an entrance may stand and still be numbered on it.
ENTRANCE_MAX_DISTANCE_M = 60.0


@transaction.atomic
def address_add(*, entrance: Point, user) -> Building:
    """A new building whose entrance (EPSG:4326) stands at ``entrance``, on the nearest street
    within ENTRANCE_MAX_DISTANCE_M metres: numbered on that street (existing numbers kept) and,
    when it lies in a postal zone, given its postcode, as an addressing officer would do it in
    three steps. Every step is in the audit log."""
    street = street_nearest(point=entrance, within_m=ENTRANCE_MAX_DISTANCE_M)
    if street is None:
        raise InvalidInput(
            f"No street within {ENTRANCE_MAX_DISTANCE_M:g} m of this entrance: draw the street "
            "first, or place the entrance by its street.",
            code="no_street_near",
        )
    building = building_create(street=street, entrance=entrance)
    changes_record(
        collection="addresses",
        action=ChangeAction.CREATE,
        user=user,
        changes=[(building.pk, None, feature_snapshot(geometry=entrance, properties={}))],
    )
    building_numbering_apply(street=street, user=user)
    building.refresh_from_db()
    if building.zone_id is not None:
        postcodes_assign(zone=building.zone, user=user)
        building.refresh_from_db()
    return building


def _buildings_changed(points: Iterable[GEOSGeometry]) -> None:
    # One box around a batch (a street's buildings): a few more tiles dropped than strictly
    # needed, against one statement per building.
    points = list(points)
    if points:
        tile_cache_invalidate(
            collection_id="addresses", geometries=[MultiPoint(*points, srid=4326).envelope]
        )


# -- numbering -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NumberChange:
    building_id: int
    side: str
    position: float
    old: str
    new: str

    @property
    def changed(self) -> bool:
        return self.old != self.new


def _parity(side: str) -> int:
    # Looking along the street from its start: odd numbers on the left, even on the right.
    return 1 if side == "left" else 0


def _first_of_parity(after: int, parity: int) -> int:
    number = after + 1
    return number if number % 2 == parity else number + 1


def _plan_side(buildings: Sequence[Building], *, side: str, renumber: bool) -> list[NumberChange]:
    parity = _parity(side)
    plan: list[NumberChange] = []
    if renumber:
        number = _first_of_parity(0, parity)
        for building in buildings:
            plan.append(_change(building, side, f"{number}"))
            number += 2
        return plan
    taken = {(b.number, b.number_suffix) for b in buildings if b.number}
    numbered = [b.number if b.number else None for b in buildings]
    for index, building in enumerate(buildings):
        if building.number:
            plan.append(_change(building, side, building.house_number))
            continue
        before = max((n for n in numbered[:index] if n), default=0)
        after = min((n for n in numbered[index + 1 :] if n), default=None)
        candidate = _first_of_parity(before, parity)
        if (after is None or candidate < after) and (candidate, "") not in taken:
            number, suffix = candidate, ""
        else:
            # No number of the right parity is left between the neighbours: the new building
            # takes the previous number (before the first: the side's first number) with the
            # next free letter (12A, 12B, ...). Before the first, "A" was given even when
            # another building held it already, and the database refused the numbering (a
            # 500 for the officer adding the address).
            number = before or _first_of_parity(0, parity)
            suffix = _free_letter(number, taken, side=side)
        numbered[index] = number
        taken.add((number, suffix))
        plan.append(_change(building, side, f"{number}{suffix}"))
    return plan


def _free_letter(number: int, taken: set[tuple[int, str]], *, side: str) -> str:
    """The first letter not yet given with ``number`` (A, B, ...), or Conflict when all 26
    are: the street's side is then renumbered (``renumber``) rather than numbered on."""
    for letter in string.ascii_uppercase:
        if (number, letter) not in taken:
            return letter
    raise Conflict(
        f"Number {number} on the {side} side already has every letter from A to Z: renumber "
        "the street to give the new building a number.",
        code="numbers_exhausted",
    )


def _change(building: Building, side: str, new: str) -> NumberChange:
    return NumberChange(
        building_id=building.pk,
        side=side,
        position=round(building.position or 0.0, 6),
        old=building.house_number,
        new=new,
    )


def building_numbering_preview(*, street: Street, renumber: bool = False) -> list[NumberChange]:
    """The numbers the active buildings of ``street`` would get, without changing anything.

    Looking along the street from its start, odd numbers are on the left and even on the
    right, increasing with the distance from the start. Numbers already given are kept
    (unless ``renumber``); a new building takes the next free number of its side between its
    numbered neighbours, or its previous neighbour's number with a letter when none is free."""
    buildings = list(
        street.buildings.filter(status=BuildingStatus.ACTIVE).order_by("position", "pk")
    )
    places = street_sides(street=street, points=[b.entrance for b in buildings])
    for building, (side, position) in zip(buildings, places, strict=True):
        building.side, building.position = side, position
    buildings.sort(key=lambda b: (b.position, b.pk))
    plan = []
    for side in ("left", "right"):
        on_side = [b for b in buildings if b.side == side]
        plan += _plan_side(on_side, side=side, renumber=renumber)
    return sorted(plan, key=lambda c: (c.position, c.side))


@transaction.atomic
def building_numbering_apply(
    *, street: Street, renumber: bool = False, user=None
) -> list[NumberChange]:
    """Number the active buildings of ``street`` as ``building_numbering_preview`` shows, in
    one transaction (the street's buildings are locked while it runs). Every number given or
    changed is in the audit log (collection ``addresses``). Returns the plan."""
    Street.objects.select_for_update().get(pk=street.pk)
    plan = building_numbering_preview(street=street, renumber=renumber)
    by_id = {b.pk: b for b in street.buildings.filter(pk__in=[c.building_id for c in plan])}
    changed = [c for c in plan if c.changed or by_id[c.building_id].side != c.side]
    if renumber:
        # Clear first: the unique (street, number) rule must hold after every statement.
        street.buildings.filter(pk__in=[c.building_id for c in changed]).update(number=None)
    rows = []
    for change in changed:
        digits = change.new.rstrip(string.ascii_uppercase)
        suffix = change.new[len(digits) :]
        rows.append((change.building_id, int(digits), suffix, change.side, change.position))
    sql.buildings_update(columns=["number", "number_suffix", "side", "position"], rows=rows)
    _buildings_changed(by_id[c.building_id].entrance for c in changed)
    changes_record(
        collection="addresses",
        action=ChangeAction.UPDATE,
        user=user,
        changes=[
            (
                c.building_id,
                {"properties": {"number": c.old or None}},
                {"properties": {"number": c.new}},
            )
            for c in changed
        ],
    )
    return plan


# -- postcodes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostcodeIssued:
    building_id: int
    postcode: str
    in_walking_order: bool


def _walking_order(zone: PostalZone) -> list[Building]:
    return list(
        Building.objects.filter(zone=zone, status=BuildingStatus.ACTIVE)
        .select_related("street")
        .order_by("street__code", "position", "side", "pk")
    )


def _spread(low: int, high: int, count: int, used: set[int]) -> list[int] | None:
    """``count`` unused codes strictly between ``low`` and ``high``, evenly spread (so that
    later buildings fit between them), or None if there are not enough."""
    free = [c for c in range(low + 1, high) if c not in used]
    if len(free) < count:
        return None
    step = len(free) / (count + 1)
    return [free[int(step * (i + 1))] for i in range(count)]


@transaction.atomic
def postcodes_assign(*, zone: PostalZone, user=None) -> list[PostcodeIssued]:
    """Give every active building of ``zone`` that has none its postcode, in walking order:
    by street code, then along each street from its start, so that codes sort as a courier
    walks. Codes are spread out so that buildings added later still fit in order; a code is
    never issued twice (retired buildings keep theirs). When no code is left between a new
    building's neighbours it gets one after the zone's last (``in_walking_order`` False)."""
    PostalZone.objects.select_for_update().get(pk=zone.pk)
    used = set(
        Building.objects.filter(zone=zone, delivery_point__isnull=False).values_list(
            "delivery_point", flat=True
        )
    )
    ordered = _walking_order(zone)
    issued: list[PostcodeIssued] = []
    changed: list[tuple[int, int, str]] = []
    run: list[Building] = []
    low = 0
    for building in [*ordered, None]:
        if building is not None and building.delivery_point is None:
            run.append(building)
            continue
        high = building.delivery_point if building is not None else MAX_DELIVERY_POINT + 1
        if run:
            codes = _spread(low, high, len(run), used)
            in_order = codes is not None
            if codes is None:
                codes = _spread(max(used, default=0), MAX_DELIVERY_POINT + 1, len(run), used)
            if codes is None:
                raise Conflict(
                    f"Postal zone P{zone.code} has no delivery points left for {len(run)} "
                    "more buildings: split the zone.",
                    code="zone_full",
                )
            for item, code in zip(run, codes, strict=True):
                postcode = postcode_format(zone=zone.code, delivery_point=code)
                used.add(code)
                issued.append(PostcodeIssued(item.pk, postcode, in_order))
                changed.append((item.pk, code, postcode))
            run = []
        if building is not None:
            low = building.delivery_point
    sql.buildings_update(columns=["delivery_point", "postcode"], rows=changed)
    changes_record(
        collection="addresses",
        action=ChangeAction.UPDATE,
        user=user,
        changes=[(pk, {"properties": {"postcode": None}}, {"properties": {"postcode": code}})
                 for pk, _point, code in changed],
    )  # fmt: skip
    return issued


def buildings_locate(*, buildings: QuerySet) -> int:
    """Set the area and postal zone of ``buildings`` from the polygons that contain their
    entrances (after zones or areas were drawn). A building that already has a postcode keeps
    its zone: a postcode never changes."""
    count = buildings.update(
        area=Subquery(Area.objects.filter(geom__contains=OuterRef("entrance")).values("pk")[:1])
    )
    buildings.filter(postcode__isnull=True).update(
        zone=Subquery(
            PostalZone.objects.filter(geom__contains=OuterRef("entrance")).values("pk")[:1]
        )
    )
    return count


# -- places ----------------------------------------------------------------------------------


@transaction.atomic
def places_load_geojson(*, path: Path, source: str = "openstreetmap") -> int:
    """Load named points of interest from a GeoJSON file of OpenStreetMap nodes (``name``,
    ``name:ar``, ``name:en``, ``amenity``, ``osm_type``/``osm_id``): new ones are added and
    known ones (same source and id) updated. Points without any name are skipped. Returns the
    number of places added or updated."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        features = document["features"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(
            f"{Path(path).name} is not a GeoJSON feature collection: {exc}"
        ) from None
    count = 0
    for feature in features:
        props = feature.get("properties") or {}
        geometry = feature.get("geometry") or {}
        if geometry.get("type") != "Point":
            continue
        name = (props.get("name") or "").strip()
        name_ar = (props.get("name:ar") or "").strip() or (name if _is_arabic(name) else "")
        name_en = (props.get("name:en") or "").strip() or ("" if _is_arabic(name) else name)
        if not (name_ar or name_en):
            continue
        point = Point(*geometry["coordinates"][:2], srid=4326)
        source_id = f"{props.get('osm_type', 'node')}/{props.get('osm_id', '')}"
        Place.objects.update_or_create(
            source=source,
            source_id=source_id,
            defaults={
                "name_ar": name_ar or name_en,
                "name_en": name_en,
                "kind": props.get("amenity") or props.get("healthcare") or "place",
                "geom": point,
                "municipality": _containing(Municipality, point),
                "is_synthetic": False,
            },
        )
        count += 1
    return count


def _is_arabic(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in text)
