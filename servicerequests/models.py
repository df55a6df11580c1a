"""Citizens' service requests in the shape of Open311 GeoReport v2: the departments that answer
them, the services citizens choose from, and the requests themselves. Positions are WGS 84
(EPSG:4326)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class Department(TimeStampedModel):
    """A municipal department that answers some services' requests (Open311's
    ``agency_responsible``)."""

    code = models.SlugField(max_length=40, unique=True)
    name_ar = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_en


class Service(TimeStampedModel):
    """A kind of problem citizens may report (Open311's service), answered by one department."""

    service_code = models.SlugField(max_length=40, unique=True)
    name_ar = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    description_ar = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    group = models.CharField(max_length=100, blank=True, help_text="Open311's group, in English")
    keywords = models.CharField(max_length=300, blank=True, help_text="comma-separated")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="services")
    # Working days the department usually takes; sets a request's expected_datetime.
    expected_days = models.PositiveSmallIntegerField(null=True, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["group", "service_code"]

    def __str__(self) -> str:
        return self.service_code


class OpenStatus(models.TextChoices):
    """Open311's two statuses, what the public sees."""

    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class WorkflowStatus(models.TextChoices):
    """The department's own steps; each maps to one Open311 status (WORKFLOW_OPEN)."""

    RECEIVED = "received", _("Received")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    REJECTED = "rejected", _("Rejected")


WORKFLOW_OPEN = {
    WorkflowStatus.RECEIVED: OpenStatus.OPEN,
    WorkflowStatus.ASSIGNED: OpenStatus.OPEN,
    WorkflowStatus.IN_PROGRESS: OpenStatus.OPEN,
    WorkflowStatus.RESOLVED: OpenStatus.CLOSED,
    WorkflowStatus.REJECTED: OpenStatus.CLOSED,
}


class ServiceRequest(TimeStampedModel):
    """One citizen's report. The contact (names, email, phone) and the photo are personal data:
    staff read them, the public never does (Open311 lists show neither)."""

    service_request_id = models.CharField(max_length=20, unique=True)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="requests")
    # The department responsible when the request was made (the service's, kept even if the
    # service is later given to another department).
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="requests")
    status = models.CharField(
        max_length=10, choices=OpenStatus.choices, default=OpenStatus.OPEN, db_index=True
    )
    workflow_status = models.CharField(
        max_length=12, choices=WorkflowStatus.choices, default=WorkflowStatus.RECEIVED
    )
    status_notes = models.TextField(blank=True)
    description = models.TextField(blank=True)
    geom = models.PointField(srid=4326)
    address_string = models.CharField(max_length=300, blank=True)
    photo = models.FileField(upload_to="servicerequests/%Y/%m/", blank=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    requested_datetime = models.DateTimeField(db_index=True)
    expected_datetime = models.DateTimeField(null=True, blank=True)
    # The citizen's account when they reported signed in (single sign-on): they follow their
    # requests under "My requests". Personal data: unlinked with the contact by the retention job.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_requests_reported",
    )
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-requested_datetime", "-id"]
        indexes = [models.Index(fields=["department", "status"], name="service_request_queue")]

    def __str__(self) -> str:
        return self.service_request_id
