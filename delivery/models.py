"""Delivery of official documents from the national e-services portal to citizens' doors or to
an office of their choice.

A ``DocumentRequest`` is what the portal issued (its reference, the document, the holder's
phone); a citizen who knows both reference and phone chooses how to receive it, which makes a
``DeliveryOrder`` followed through its ``DeliveryEvent`` rows. The reference and the contact
details are personal: the public reads an order only through its secret tracking token.
"""

from __future__ import annotations

from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from addressing.models import Building, PostalZone
from core.models import TimeStampedModel


class OfficeKind(models.TextChoices):
    POST_OFFICE = "post_office", _("Post office")
    SERVICE_OFFICE = "service_office", _("Municipal service office")


class DeliveryOffice(TimeStampedModel):
    """A post office or service office: where couriers start their rounds from (for the
    postal zones it serves) and where citizens may collect documents. ``opening_hours`` is a
    list of ``{"days": [0-6, Monday 0], "opens": "08:00", "closes": "14:00"}``."""

    kind = models.CharField(max_length=20, choices=OfficeKind.choices)
    code = models.SlugField(max_length=40, unique=True)
    name_ar = models.CharField(max_length=120)
    name_en = models.CharField(max_length=120)
    address_ar = models.CharField(max_length=200, blank=True)
    address_en = models.CharField(max_length=200, blank=True)
    geom = models.PointField(srid=4326)
    zones = models.ManyToManyField(PostalZone, blank=True, related_name="delivery_offices")
    opening_hours = models.JSONField(default=list)
    delivers = models.BooleanField(default=True, help_text=_("Couriers deliver from here"))
    accepts_collection = models.BooleanField(default=True)
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["name_en"]

    def __str__(self) -> str:
        return self.name_en


class DocumentKind(models.TextChoices):
    CERTIFICATE = "certificate", _("Certificate")
    LICENCE = "licence", _("Licence")
    PERMIT = "permit", _("Permit")
    OTHER = "other", _("Official document")


class DocumentRequest(TimeStampedModel):
    """A document the e-services portal has issued and will hand over: the citizen brings
    ``reference`` and the phone the portal holds."""

    reference = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    title_ar = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    holder_name = models.CharField(max_length=200)
    holder_phone = models.CharField(max_length=20, help_text=_("Digits only, with country code"))
    issued_at = models.DateTimeField()
    is_synthetic = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.reference


class DeliveryMethod(models.TextChoices):
    HOME = "home", _("Home delivery")
    COLLECTION = "collection", _("Collection at an office")


class DeliveryStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    SCHEDULED = "scheduled", _("Scheduled in a courier's round")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Delivery failed")
    READY_FOR_COLLECTION = "ready_for_collection", _("Ready for collection")
    COLLECTED = "collected", _("Collected")
    CANCELLED = "cancelled", _("Cancelled")


class DeliveryOrder(TimeStampedModel):
    """How one document reaches its holder: to a delivery point (a building with its
    postcode) in a window, or to an office for collection."""

    document = models.OneToOneField(DocumentRequest, on_delete=models.PROTECT, related_name="order")
    method = models.CharField(max_length=12, choices=DeliveryMethod.choices)
    building = models.ForeignKey(
        Building, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    postcode = models.CharField(max_length=8, blank=True)
    address_lines_ar = models.JSONField(default=list, blank=True)
    address_lines_en = models.JSONField(default=list, blank=True)
    office = models.ForeignKey(DeliveryOffice, on_delete=models.PROTECT, related_name="orders")
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    contact_name = models.CharField(max_length=200)
    contact_phone = models.CharField(max_length=20)
    status = models.CharField(
        max_length=24, choices=DeliveryStatus.choices, default=DeliveryStatus.REQUESTED
    )
    tracking_token = models.CharField(max_length=64, unique=True)
    courier_position = models.PointField(srid=4326, null=True, blank=True)
    courier_position_at = models.DateTimeField(null=True, blank=True)
    stops_before = models.PositiveSmallIntegerField(null=True, blank=True)
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["office", "window_start"], name="order_office_window")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(method="home", building__isnull=False, window_start__isnull=False)
                    & ~Q(postcode="")
                )
                | Q(method="collection", building__isnull=True, window_start__isnull=True),
                name="order_method_complete",
            ),
            models.CheckConstraint(
                condition=Q(window_end__gt=models.F("window_start")) | Q(window_start__isnull=True),
                name="order_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"order {self.pk} ({self.method}, {self.status})"


class DeliveryEvent(models.Model):
    """A change of an order's status, with when and (for staff) who."""

    order = models.ForeignKey(DeliveryOrder, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=24, choices=DeliveryStatus.choices)
    at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]
