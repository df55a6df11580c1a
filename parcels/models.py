"""The cadastral register, in the spirit of the Land Administration Domain Model (ISO 19152):
spatial units (parcels), parties, rights, and the transactions and source documents that
change them.

A parcel row is never edited in place once a transaction has replaced it: a split, a merge or
a boundary adjustment retires its parents (``valid_to``) and creates children, and lineage
records which came from which. The register as of any date is therefore a plain filter on
the validity dates, and a parcel's history is a walk through lineage.

Geometries are WGS 84 (EPSG:4326) polygons; ``area_m2`` is computed by PostGIS on the
ellipsoid (``ST_Area(geom::geography)``), in square metres, never in degrees. The topology
rules (valid geometry, no overlap between active parcels, a minimum area) are enforced by the
database itself (migration 0002), so no code path can bypass them.
"""

from __future__ import annotations

from fractions import Fraction

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Transform
from django.contrib.postgres.indexes import GistIndex
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from boundaries.models import Locality, Municipality
from core.models import TimeStampedModel
from core.spatial import GeographyArea


class LandUse(models.TextChoices):
    """The zoning classes of a municipal land-use plan (Ramallah's master plan uses these)."""

    RESIDENTIAL_A = "residential_a", _("Residential A")
    RESIDENTIAL_B = "residential_b", _("Residential B")
    RESIDENTIAL_C = "residential_c", _("Residential C")
    COMMERCIAL = "commercial", _("Commercial")
    MIXED = "mixed", _("Mixed use")
    PUBLIC = "public", _("Public buildings")
    INDUSTRIAL = "industrial", _("Industrial")
    AGRICULTURAL = "agricultural", _("Agricultural")
    GREEN = "green", _("Green area")
    ROAD = "road", _("Road reserve")
    UNZONED = "unzoned", _("Not zoned")


class ParcelStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")


class Parcel(TimeStampedModel):
    """A spatial unit of the register: locality, basin (block) and parcel number."""

    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="parcels")
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="parcels")
    basin = models.PositiveIntegerField(help_text="Basin (block) number within the locality")
    number = models.PositiveIntegerField(help_text="Parcel number within the basin")
    geom = models.PolygonField(srid=4326)
    geom_3857 = models.GeneratedField(
        expression=Transform("geom", 3857),
        output_field=models.PolygonField(srid=3857),
        db_persist=True,
    )
    area_m2 = models.GeneratedField(
        expression=GeographyArea("geom"),
        output_field=models.FloatField(),
        db_persist=True,
        help_text="Geodesic area (m²), computed on the WGS 84 ellipsoid",
    )
    registered_area_m2 = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Area stated in the deed or the survey plan (m²)",
    )
    land_use = models.CharField(max_length=20, choices=LandUse.choices, default=LandUse.UNZONED)
    status = models.CharField(
        max_length=10, choices=ParcelStatus.choices, default=ParcelStatus.ACTIVE
    )
    valid_from = models.DateTimeField()
    valid_to = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        "ParcelTransaction", on_delete=models.PROTECT, related_name="created_parcels"
    )
    retired_by = models.ForeignKey(
        "ParcelTransaction",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="retired_parcels",
    )
    parents = models.ManyToManyField(
        "self",
        symmetrical=False,
        related_name="children",
        through="ParcelLineage",
        through_fields=("child", "parent"),
        blank=True,
    )
    # Every change raises it; an edit based on an older version is refused (no lost update).
    version = models.PositiveIntegerField(default=1)
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["locality", "basin", "number"],
                condition=Q(status="active"),
                name="parcel_unique_active_identifier",
            ),
            models.CheckConstraint(
                condition=(Q(status="active") & Q(valid_to__isnull=True))
                | (Q(status="retired") & Q(valid_to__isnull=False)),
                name="parcel_retired_when",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="parcel_validity_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["locality", "basin", "number"], name="parcel_identifier"),
            models.Index(fields=["valid_from", "valid_to"], name="parcel_validity"),
            # The overlap rule and the audit look only at active parcels: history, which only
            # grows, stays out of their index lookups.
            GistIndex(fields=["geom"], condition=Q(status="active"), name="parcel_active_geom"),
        ]

    def __str__(self) -> str:
        return self.identifier

    @property
    def identifier(self) -> str:
        return parcel_identifier(self.locality.name_en, self.basin, self.number)


def parcel_identifier(locality: str, basin: int, number: int) -> str:
    """How a parcel is cited: ``Ramallah 12/345`` (locality, basin, parcel number)."""
    return f"{locality} {basin}/{number}"


class ParcelLineage(models.Model):
    """``child`` was made from ``parent`` by ``transaction``."""

    parent = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="+")
    child = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="+")
    transaction = models.ForeignKey(
        "ParcelTransaction", on_delete=models.PROTECT, related_name="lineage"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["parent", "child"], name="parcel_lineage_once"),
            models.CheckConstraint(
                condition=~Q(parent=models.F("child")), name="parcel_lineage_not_self"
            ),
        ]


class TransactionKind(models.TextChoices):
    CREATE = "create", _("Registration")
    SPLIT = "split", _("Split")
    MERGE = "merge", _("Merge")
    ADJUST = "adjust", _("Boundary adjustment")
    RETIRE = "retire", _("Retirement")
    RIGHTS = "rights", _("Change of rights")
    ATTRIBUTES = "attributes", _("Change of attributes")
    IMPORT = "import", _("Import")


class SourceDocumentKind(models.TextChoices):
    SURVEY_PLAN = "survey_plan", _("Survey plan")
    DEED = "deed", _("Deed")
    COURT_DECISION = "court_decision", _("Court decision")
    CONTRACT = "contract", _("Contract")
    OTHER = "other", _("Other")


class SourceDocument(TimeStampedModel):
    """A document a transaction rests on. The file is personal data: it is served only to
    cadastre officers and administrators, never as a public media URL."""

    kind = models.CharField(max_length=20, choices=SourceDocumentKind.choices)
    reference = models.CharField(max_length=120, help_text="Number or reference of the document")
    file = models.FileField(upload_to="parcels/documents/%Y/%m/")
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"


class ParcelTransaction(models.Model):
    """One change of the register, recorded whole: who, when, why, on what documents."""

    kind = models.CharField(max_length=12, choices=TransactionKind.choices)
    reason = models.TextField()
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    performed_at = models.DateTimeField(db_index=True)
    documents = models.ManyToManyField(SourceDocument, blank=True, related_name="transactions")
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-performed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class PartyKind(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANISATION = "organisation", _("Organisation")


class Party(TimeStampedModel):
    """A person or an organisation that holds rights. Personal data (see parcels.access)."""

    kind = models.CharField(max_length=12, choices=PartyKind.choices)
    name_ar = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)
    national_id = models.CharField(
        max_length=30, blank=True, help_text="ID card or company registration number"
    )
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "parties"
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "national_id"],
                condition=~Q(national_id=""),
                name="party_unique_national_id",
            )
        ]

    def __str__(self) -> str:
        return self.name_en or self.name_ar


class RightKind(models.TextChoices):
    OWNERSHIP = "ownership", _("Ownership")
    LEASE = "lease", _("Lease")
    EASEMENT = "easement", _("Easement")


# The kinds whose shares, on one parcel at one time, must add up to exactly one.
SHARED_KINDS = (RightKind.OWNERSHIP, RightKind.LEASE)


class Right(models.Model):
    """``party`` holds a right of ``kind`` on ``parcel`` from ``valid_from`` until
    ``valid_to``; owners and lessees hold a share (a fraction: 1/3 is kept as 1 and 3)."""

    parcel = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="rights")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="rights")
    kind = models.CharField(max_length=10, choices=RightKind.choices)
    share_numerator = models.PositiveIntegerField(null=True, blank=True)
    share_denominator = models.PositiveIntegerField(null=True, blank=True)
    description = models.CharField(max_length=300, blank=True)
    valid_from = models.DateTimeField()
    valid_to = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        ParcelTransaction, on_delete=models.PROTECT, related_name="created_rights"
    )
    ended_by = models.ForeignKey(
        ParcelTransaction,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ended_rights",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind__in=[k.value for k in SHARED_KINDS])
                    & Q(share_numerator__gt=0)
                    & Q(share_denominator__gte=models.F("share_numerator"))
                )
                | (
                    Q(kind="easement")
                    & Q(share_numerator__isnull=True)
                    & Q(share_denominator__isnull=True)
                ),
                name="right_share_fits_kind",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="right_validity_ordered",
            ),
        ]
        indexes = [models.Index(fields=["parcel", "valid_to"], name="right_parcel_current")]

    @property
    def share(self) -> Fraction | None:
        if self.share_numerator is None:
            return None
        return Fraction(self.share_numerator, self.share_denominator)


class TopologyRules(models.Model):
    """The register's topology rules, one row, read by the database triggers that enforce
    them (migration 0002): the smallest parcel, and the overlap two active parcels may share
    before it counts (survey tolerance). Areas in m², on the ellipsoid."""

    min_area_m2 = models.FloatField(default=10.0)
    overlap_tolerance_m2 = models.FloatField(default=0.5)
    # The audit's sliver test: a piece this small, or this thin (4πA/P², 1 for a circle).
    sliver_max_area_m2 = models.FloatField(default=50.0)
    sliver_max_compactness = models.FloatField(default=0.1)

    class Meta:
        verbose_name_plural = "topology rules"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="topology_rules_single_row"),
            models.CheckConstraint(
                condition=Q(min_area_m2__gte=0) & Q(overlap_tolerance_m2__gte=0),
                name="topology_rules_not_negative",
            ),
        ]
