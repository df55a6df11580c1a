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


class VehicleKind(models.TextChoices):
    FOOT = "foot", _("On foot")
    BICYCLE = "bicycle", _("Bicycle")
    MOTORBIKE = "motorbike", _("Motorbike")
    CAR = "car", _("Car or van")


class Courier(TimeStampedModel):
    """A courier of an office: the user who signs in to the courier view, the vehicle and how
    many documents it carries on one round."""

    user = models.OneToOneField(
        "auth.User", on_delete=models.PROTECT, related_name="courier_profile"
    )
    office = models.ForeignKey(DeliveryOffice, on_delete=models.PROTECT, related_name="couriers")
    vehicle = models.CharField(max_length=12, choices=VehicleKind.choices)
    capacity = models.PositiveSmallIntegerField(help_text=_("Documents carried on one round"))
    phone = models.CharField(max_length=20, blank=True)
    active = models.BooleanField(default=True)
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["user__username"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gt=0), name="courier_capacity_positive")
        ]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.username


class CourierShift(TimeStampedModel):
    """When a courier works: a round starts and ends at the office within the shift."""

    courier = models.ForeignKey(Courier, on_delete=models.CASCADE, related_name="shifts")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="shift_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.courier} {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M}"


class DeliveryPlan(TimeStampedModel):
    """One planning of an office's day: the rounds it made and the orders it could not serve,
    each with the reason (``unserved``: ``[{"order": id, "code": ..., "message": ...}]``)."""

    office = models.ForeignKey(DeliveryOffice, on_delete=models.PROTECT, related_name="plans")
    day = models.DateField()
    created_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    solver = models.CharField(max_length=40)
    seconds = models.FloatField(help_text=_("Time the planning took"))
    unserved = models.JSONField(default=list)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["office", "day"], name="plan_office_day")]


class RoundStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    STARTED = "started", _("Under way")
    FINISHED = "finished", _("Finished")


class Round(TimeStampedModel):
    """A courier's ordered round in one shift: leaves the office at ``starts_at``, visits its
    stops and is back at ``ends_at``. ``geom`` is the route line on the street network."""

    plan = models.ForeignKey(DeliveryPlan, on_delete=models.PROTECT, related_name="rounds")
    office = models.ForeignKey(DeliveryOffice, on_delete=models.PROTECT, related_name="rounds")
    courier = models.ForeignKey(Courier, on_delete=models.PROTECT, related_name="rounds")
    shift = models.OneToOneField(CourierShift, on_delete=models.PROTECT, related_name="round")
    day = models.DateField()
    status = models.CharField(
        max_length=10, choices=RoundStatus.choices, default=RoundStatus.PLANNED
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    distance_m = models.FloatField(default=0)
    duration_s = models.FloatField(default=0)
    geom = models.LineStringField(srid=4326, null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["day", "courier__user__username"]
        indexes = [models.Index(fields=["office", "day"], name="round_office_day")]

    def __str__(self) -> str:
        return f"round {self.pk} ({self.courier}, {self.day})"


class RoundStop(TimeStampedModel):
    """One visit of a round: the order delivered there, its place in the round, the planned
    arrival and how late that is against the citizen's window (0 when on time)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="stops")
    order = models.ForeignKey(DeliveryOrder, on_delete=models.PROTECT, related_name="stops")
    sequence = models.PositiveSmallIntegerField()
    arrival_at = models.DateTimeField()
    late_s = models.PositiveIntegerField(default=0)
    leg_distance_m = models.FloatField(default=0)
    leg_duration_s = models.FloatField(default=0)

    class Meta:
        ordering = ["round", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["round", "order"], name="stop_order_once_per_round")
        ]


class Outcome(models.TextChoices):
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Not delivered")


class FailureReason(models.TextChoices):
    NOT_HOME = "not_home", _("No one at home")
    REFUSED = "refused", _("Recipient refused the document")
    NO_ID = "no_id", _("Recipient could not prove identity")
    ADDRESS_NOT_FOUND = "address_not_found", _("Address not found")
    NO_ACCESS = "no_access", _("No access to the building")
    OTHER = "other", _("Other reason")


class ProofOfDelivery(models.Model):
    """What the courier recorded at a stop: who received the document, where and when (from
    the phone), with an optional photo and signature, or why it could not be delivered. One
    per stop; ``client_id`` is the phone's id of the record, so a record sent twice (after a
    lost connection) is stored once."""

    stop = models.OneToOneField(RoundStop, on_delete=models.PROTECT, related_name="proof")
    client_id = models.UUIDField(unique=True)
    courier = models.ForeignKey(Courier, on_delete=models.PROTECT, related_name="proofs")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    recipient_name = models.CharField(max_length=200, blank=True)
    failure_reason = models.CharField(max_length=20, choices=FailureReason.choices, blank=True)
    note = models.CharField(max_length=300, blank=True)
    position = models.PointField(srid=4326, null=True, blank=True)
    accuracy_m = models.FloatField(null=True, blank=True)
    recorded_at = models.DateTimeField(help_text=_("When the courier recorded it (phone clock)"))
    received_at = models.DateTimeField(auto_now_add=True)
    photo = models.FileField(upload_to="delivery/proofs/%Y/%m/", blank=True)
    signature = models.FileField(upload_to="delivery/signatures/%Y/%m/", blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="delivered", failure_reason="") & ~Q(recipient_name="")
                | Q(outcome="failed") & ~Q(failure_reason=""),
                name="proof_complete",
            )
        ]


class DeliveryNotice(models.Model):
    """A message to the citizen about their delivery (ready for collection, out for delivery,
    delivered, not delivered), in Arabic and English with the tracking link: an outbox that
    the SMS gateway of the e-services portal reads and marks sent."""

    order = models.ForeignKey(DeliveryOrder, on_delete=models.CASCADE, related_name="notices")
    status = models.CharField(max_length=24, choices=DeliveryStatus.choices)
    phone = models.CharField(max_length=20)
    text_ar = models.CharField(max_length=400)
    text_en = models.CharField(max_length=400)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["sent_at", "created_at"], name="notice_outbox")]


class DeliveryFeedback(TimeStampedModel):
    """What the citizen thought of a delivery, given once through the tracking link after the
    courier's proof of delivery: a rating from 1 to 5 stars and an optional comment (plain
    text). Read by the office's staff on the dispatcher's board and by analysts."""

    order = models.OneToOneField(DeliveryOrder, on_delete=models.CASCADE, related_name="feedback")
    rating = models.PositiveSmallIntegerField(help_text=_("From 1 (bad) to 5 (excellent) stars"))
    comment = models.CharField(max_length=1000, blank=True)

    class Meta:
        # One per order: the one-to-one is a UNIQUE constraint on order_id in the database,
        # so two feedbacks sent at the same moment cannot both be stored.
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"feedback on order {self.order_id}: {self.rating}/5"
