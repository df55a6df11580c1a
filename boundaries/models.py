"""Administrative boundaries. Geometries are WGS 84 (EPSG:4326) multipolygons; areas are
geodesic, in square metres, computed by PostGIS on the ellipsoid."""

from django.contrib.gis.db import models
from django.core.validators import MaxValueValidator
from django.db.models import Q

from boundaries.sources import Dataset
from core.models import TimeStampedModel


class BoundaryBase(TimeStampedModel):
    name_en = models.CharField(max_length=120)
    name_ar = models.CharField(max_length=120, blank=True)
    geom = models.MultiPolygonField(srid=4326)
    area_m2 = models.FloatField(null=True, blank=True, help_text="Geodesic area (m²)")
    source = models.CharField(max_length=20, choices=Dataset.choices)

    class Meta:
        abstract = True
        ordering = ["name_en"]

    def __str__(self) -> str:
        return self.name_en


class Region(BoundaryBase):
    """West Bank (PS01) and Gaza Strip (PS02), COD-AB admin level 1."""

    pcode = models.CharField(max_length=10, unique=True)


class Governorate(BoundaryBase):
    """COD-AB admin level 2. Carries the first digit of the national postcode."""

    pcode = models.CharField(max_length=10, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="governorates")
    valid_on = models.DateField(null=True, blank=True)
    postcode_digit = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(9)],
        help_text="First digit of the postcode (governorate or group of governorates)",
    )
    postcode_zone_first = models.PositiveSmallIntegerField(null=True, blank=True)
    postcode_zone_last = models.PositiveSmallIntegerField(null=True, blank=True)
    postcode_source = models.CharField(max_length=300, blank=True)

    class Meta(BoundaryBase.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(postcode_digit__isnull=True) | Q(postcode_digit__lte=9),
                name="governorate_postcode_digit_0_9",
            ),
            models.CheckConstraint(
                condition=Q(postcode_zone_first__isnull=True)
                | (
                    Q(postcode_zone_first__lte=models.F("postcode_zone_last"))
                    & Q(postcode_zone_last__lte=999)
                ),
                name="governorate_postcode_zone_range",
            ),
        ]


class Locality(BoundaryBase):
    """A town or village boundary (OCHA oPt), joined to its governorate by position."""

    source_key = models.CharField(
        max_length=140, unique=True, help_text="Name in the source, made unique where repeated"
    )
    governorate = models.ForeignKey(
        Governorate, null=True, blank=True, on_delete=models.SET_NULL, related_name="localities"
    )
    area_m2_source = models.FloatField(null=True, blank=True, help_text="Area stated by source")

    class Meta(BoundaryBase.Meta):
        verbose_name_plural = "localities"


class Municipality(BoundaryBase):
    """A municipality served by the platform; its extent is the union of its localities."""

    slug = models.SlugField(max_length=60, unique=True)
    governorate = models.ForeignKey(
        Governorate, on_delete=models.PROTECT, related_name="municipalities"
    )
    localities = models.ManyToManyField(Locality, related_name="municipalities")

    class Meta(BoundaryBase.Meta):
        verbose_name_plural = "municipalities"
