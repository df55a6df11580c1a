"""Reads of the address register: formatted addresses and postcode lookups."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.contrib.gis.measure import D

from addressing.models import Building, BuildingStatus, PostalZone, Street, Unit
from addressing.postcodes import Postcode, postcode_parse
from core.errors import NotFound

ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@dataclass(frozen=True)
class FormattedAddress:
    """An address in the UPU layout for Palestine: recipient; unit; building and street;
    area; town and postcode; country (on international mail only)."""

    lines: tuple[str, ...]
    language: str

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _digits(value: str, arabic_digits: bool) -> str:
    return value.translate(ARABIC_DIGITS) if arabic_digits else value


def address_format(
    *,
    building: Building,
    language: str,
    recipient: str = "",
    unit: Unit | None = None,
    international: bool = False,
    arabic_digits: bool = False,
) -> FormattedAddress:
    """``building``'s address in ``language`` ("ar" or "en"): in English the number precedes
    the street and the town is in capitals before the postcode (UPU); in Arabic the building
    number follows the street name. ``arabic_digits`` writes numbers as ٠-٩ in Arabic."""
    street = building.street
    town = street.municipality
    area = building.area
    lines: list[str] = [recipient] if recipient else []
    if language == "ar":
        if unit is not None:
            lines.append(_digits(f"الطابق {unit.floor}، شقة {unit.apartment}", arabic_digits))
        number = _digits(building.house_number, arabic_digits)
        lines.append(f"{street.name_ar}، مبنى {number}" if number else street.name_ar)
        if area is not None:
            lines.append(area.name_ar)
        postcode = building.postcode or ""
        # The postcode stays in Latin digits: it is an identifier, read by machines too.
        lines.append(f"{town.name_ar} {postcode}".strip())
        if international:
            lines.append("فلسطين PALESTINE")
    else:
        if unit is not None:
            lines.append(f"Floor {unit.floor}, Apartment {unit.apartment}")
        number = building.house_number
        lines.append(f"{number} {street.name_en}" if number else street.name_en)
        if area is not None:
            lines.append(area.name_en)
        lines.append(f"{town.name_en.upper()} {building.postcode or ''}".strip())
        if international:
            lines.append("PALESTINE")
    return FormattedAddress(lines=tuple(lines), language=language)


def building_by_postcode(*, postcode: str | Postcode) -> Building:
    """The active building a full postcode names (NotFound otherwise, with the reason)."""
    code = postcode if isinstance(postcode, Postcode) else postcode_parse(text=postcode)
    if code.is_zone:
        raise NotFound(f"{code} is a postal zone, not a building's postcode.")
    building = (
        Building.objects.select_related("street__municipality", "area", "zone")
        .filter(postcode=str(code))
        .first()
    )
    if building is None:
        raise NotFound(f"No building has the postcode {code}.", code="postcode_not_found")
    if building.status == BuildingStatus.RETIRED:
        raise NotFound(
            f"{code} belonged to a building retired on {building.retired_at:%Y-%m-%d}; it is "
            "not issued to any other.",
            code="postcode_retired",
        )
    return building


def zone_by_code(*, code: str | Postcode) -> PostalZone:
    """The postal zone ``P`` + 3 digits (a full postcode names its zone too)."""
    parsed = code if isinstance(code, Postcode) else postcode_parse(text=code)
    zone = PostalZone.objects.filter(code=parsed.zone).first()
    if zone is None:
        raise NotFound(f"There is no postal zone P{parsed.zone}.", code="zone_not_found")
    return zone


def street_nearest(*, point: Point, within_m: float) -> Street | None:
    """The street nearest to ``point`` (EPSG:4326) within ``within_m`` metres, measured on
    the ellipsoid."""
    return (
        Street.objects.filter(geom__distance_lte=(point, D(m=within_m)))
        .annotate(distance=Distance("geom", point, spheroid=True))
        .order_by("distance")
        .first()
    )


def building_at_point(*, point: Point, within_m: float) -> Building | None:
    """The active building whose footprint holds ``point`` (EPSG:4326), else the one whose
    entrance is nearest within ``within_m`` metres (on the ellipsoid), else None."""
    active = Building.objects.select_related("street__municipality", "area").filter(
        status=BuildingStatus.ACTIVE
    )
    inside = active.filter(footprint__intersects=point).first()
    if inside is not None:
        return inside
    return (
        active.filter(entrance__distance_lte=(point, D(m=within_m)))
        .annotate(distance=Distance("entrance", point, spheroid=True))
        .order_by("distance")
        .first()
    )


def address_view(
    *, building: Building, recipient: str = "", arabic_digits: bool = False
) -> dict[str, object]:
    """What anyone may read of an address: its postcode, entrance (EPSG:4326) and its lines
    in Arabic and in English."""
    return {
        "id": building.pk,
        "postcode": building.postcode,
        "lon": building.entrance.x,
        "lat": building.entrance.y,
        "synthetic": building.is_synthetic,
        "lines_ar": address_format(
            building=building, language="ar", recipient=recipient, arabic_digits=arabic_digits
        ).lines,
        "lines_en": address_format(building=building, language="en", recipient=recipient).lines,
    }
