"""The address register: streets, neighbourhoods, postal zones, buildings (delivery points) with
their units, and named places.

Geometries are in WGS 84 (EPSG:4326); lengths and distances are measured on the ellipsoid
(``geography``). Every row says whether it is synthetic (generated demo data), and the API and
maps show it. Writes go through ``addressing.services``; the database itself refuses what no
code path may do (a duplicate postcode, a building with a postcode deleted instead of retired).
"""

from __future__ import annotations

from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Transform
from django.contrib.postgres.indexes import GinIndex, GistIndex
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from addressing.search import Normalized, Skeleton
from boundaries.models import Governorate, Municipality
from core.models import TimeStampedModel


class StreetType(models.TextChoices):
    STREET = "street", _("Street")
    ROAD = "road", _("Road")
    LANE = "lane", _("Lane")
    SQUARE = "square", _("Square")
    STAIRS = "stairs", _("Stairs")


class Oneway(models.TextChoices):
    NO = "no", _("Both directions")
    FORWARD = "forward", _("One way, as drawn")
    BACKWARD = "backward", _("One way, against the drawing")


# What routing assumes where a street has no posted speed (km/h).
DEFAULT_SPEED_KMH = {
    StreetType.ROAD: 50,
    StreetType.STREET: 40,
    StreetType.SQUARE: 30,
    StreetType.LANE: 20,
    StreetType.STAIRS: 4,
}


class Named(TimeStampedModel):
    """A bilingual name with its folded forms, kept by PostgreSQL itself: an edited name is
    searchable in the same transaction, with no re-index step (see addressing.search)."""

    name_ar = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)
    search_ar = models.GeneratedField(
        expression=Normalized("name_ar"), output_field=models.TextField(), db_persist=True
    )
    search_en = models.GeneratedField(
        expression=Normalized("name_en"), output_field=models.TextField(), db_persist=True
    )
    skeleton_en = models.GeneratedField(
        expression=Skeleton("name_en"), output_field=models.TextField(), db_persist=True
    )
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name_en or self.name_ar


def _search_indexes(prefix: str) -> list[GinIndex]:
    return [
        GinIndex(fields=[column], opclasses=["gin_trgm_ops"], name=f"{prefix}_{column}_trgm")
        for column in ("search_ar", "search_en", "skeleton_en")
    ]


class Area(Named):
    """A named neighbourhood (حي), the "area" line of an address."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="areas")
    geom = models.MultiPolygonField(srid=4326)

    class Meta:
        ordering = ["name_en"]
        indexes = _search_indexes("area")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name_en"], name="area_unique_name")
        ]


class PostalZone(TimeStampedModel):
    """One of the national postal zones: the first three digits of a postcode (governorate
    digit, postal sector, postal area)."""

    code = models.CharField(max_length=3, unique=True)
    governorate = models.ForeignKey(
        Governorate, on_delete=models.PROTECT, related_name="postal_zones"
    )
    municipality = models.ForeignKey(
        Municipality, null=True, blank=True, on_delete=models.PROTECT, related_name="postal_zones"
    )
    name_ar = models.CharField(max_length=120, blank=True)
    name_en = models.CharField(max_length=120, blank=True)
    geom = models.MultiPolygonField(srid=4326)
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[0-9]{3}$"), name="zone_code_digits")
        ]

    def __str__(self) -> str:
        return f"P{self.code}"


class Street(Named):
    """A named street, drawn from its start (where building numbers begin) to its end."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="streets")
    code = models.CharField(max_length=16, help_text=_("The municipality's street code"))
    street_type = models.CharField(
        max_length=10, choices=StreetType.choices, default=StreetType.STREET
    )
    geom = models.LineStringField(srid=4326)
    oneway = models.CharField(max_length=10, choices=Oneway.choices, default=Oneway.NO)
    max_speed_kmh = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        indexes = _search_indexes("street")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="street_unique_code"),
            models.CheckConstraint(
                condition=Q(max_speed_kmh__isnull=True) | Q(max_speed_kmh__range=(1, 130)),
                name="street_speed_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_en}"


class TurnKind(models.TextChoices):
    NO = "no", _("This turn is forbidden")
    ONLY = "only", _("Only this turn is allowed")


class TurnRestriction(TimeStampedModel):
    """A turn restriction where two streets meet (EPSG:4326): coming along ``from_street`` into
    ``via``, the turn onto ``to_street`` is forbidden (``no``) or the only one allowed
    (``only``). ``from_hint`` and ``to_hint`` are points on each street about a metre from
    ``via``: they say which side of the crossing each street is taken on."""

    from_street = models.ForeignKey(Street, on_delete=models.CASCADE, related_name="+")
    to_street = models.ForeignKey(Street, on_delete=models.CASCADE, related_name="+")
    via = models.PointField(srid=4326)
    from_hint = models.PointField(srid=4326)
    to_hint = models.PointField(srid=4326)
    kind = models.CharField(max_length=4, choices=TurnKind.choices)
    source = models.CharField(
        max_length=40, blank=True, help_text=_("Where it came from, e.g. osm:relation/123")
    )

    def __str__(self) -> str:
        return f"{self.kind} {self.from_street_id} -> {self.to_street_id}"


class BuildingStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")


class Building(TimeStampedModel):
    """A building with its entrance: the delivery point a postcode names.

    ``number`` (with an optional ``number_suffix`` for a building added between two numbered
    ones, "12A") is its number on ``street``; ``side`` and ``position`` (0 at the street's
    start, 1 at its end) say where its entrance meets the street. The postcode is ``P`` +
    the zone's three digits + ``delivery_point`` on four digits; a code once issued is never
    issued again, so a retired building keeps its row and its code.
    """

    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="buildings")
    number = models.PositiveIntegerField(null=True, blank=True)
    number_suffix = models.CharField(max_length=2, blank=True)
    side = models.CharField(
        max_length=5, choices=[("left", _("Left")), ("right", _("Right"))], blank=True
    )
    position = models.FloatField(null=True, blank=True)
    entrance = models.PointField(srid=4326)
    footprint = models.PolygonField(srid=4326, null=True, blank=True)
    # The footprint in Web Mercator, kept by the database for the basemap's tiles.
    footprint_3857 = models.GeneratedField(
        expression=Transform("footprint", 3857),
        output_field=models.PolygonField(srid=3857, null=True),
        db_persist=True,
    )
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="buildings"
    )
    zone = models.ForeignKey(
        PostalZone, null=True, blank=True, on_delete=models.PROTECT, related_name="buildings"
    )
    delivery_point = models.PositiveSmallIntegerField(null=True, blank=True)
    postcode = models.CharField(max_length=8, null=True, blank=True, unique=True)
    name_ar = models.CharField(max_length=120, blank=True)
    name_en = models.CharField(max_length=120, blank=True)
    status = models.CharField(
        max_length=8, choices=BuildingStatus.choices, default=BuildingStatus.ACTIVE
    )
    retired_at = models.DateTimeField(null=True, blank=True)
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["street", "number", "number_suffix"]
        indexes = [
            models.Index(fields=["street", "number"], name="building_street_number"),
            GistIndex(fields=["footprint_3857"], name="building_footprint3857_gist"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["zone", "delivery_point"], name="building_unique_delivery_point"
            ),
            models.UniqueConstraint(
                fields=["street", "number", "number_suffix"],
                condition=Q(status="active") & Q(number__isnull=False),
                name="building_unique_active_number",
            ),
            models.CheckConstraint(
                condition=Q(delivery_point__isnull=True) | Q(delivery_point__range=(1, 9999)),
                name="building_delivery_point_range",
            ),
            models.CheckConstraint(
                condition=(
                    Q(postcode__isnull=True, delivery_point__isnull=True)
                    | (
                        Q(postcode__regex=r"^P[0-9]{7}$")
                        & Q(zone__isnull=False)
                        & Q(delivery_point__isnull=False)
                    )
                ),
                name="building_postcode_complete",
            ),
            models.CheckConstraint(
                condition=Q(status="active", retired_at__isnull=True)
                | Q(status="retired", retired_at__isnull=False),
                name="building_retired_when",
            ),
            models.CheckConstraint(
                condition=Q(position__isnull=True) | Q(position__range=(0, 1)),
                name="building_position_fraction",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.house_number or '?'} {self.street.name_en}"

    @property
    def house_number(self) -> str:
        return f"{self.number}{self.number_suffix}" if self.number else ""


class Unit(TimeStampedModel):
    """A dwelling or office inside a building: floor (0 the ground floor, negative below it)
    and apartment."""

    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="units")
    floor = models.SmallIntegerField()
    apartment = models.CharField(max_length=10)

    class Meta:
        ordering = ["building", "floor", "apartment"]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "floor", "apartment"], name="unit_unique_in_building"
            ),
            models.CheckConstraint(condition=Q(floor__range=(-10, 200)), name="unit_floor_range"),
        ]


class Place(Named):
    """A named point of interest (a hospital, a school, a square) people search by name."""

    municipality = models.ForeignKey(
        Municipality, null=True, blank=True, on_delete=models.SET_NULL, related_name="places"
    )
    kind = models.CharField(max_length=40)
    geom = models.PointField(srid=4326)
    source = models.CharField(max_length=40, help_text=_("openstreetmap, synthetic, ..."))
    source_id = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["name_en"]
        indexes = _search_indexes("place")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=~Q(source_id=""),
                name="place_unique_source_id",
            )
        ]
