"""Reads of services and service requests, in Open311 GeoReport v2's shape for the public and
with the citizen's contact for staff. Positions are WGS 84 (EPSG:4326), degrees."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotFound
from servicerequests.models import Department, OpenStatus, Service, ServiceRequest, WorkflowStatus

# Open311: without dates, a list covers the last 90 days, and at most 1,000 requests.
DEFAULT_WINDOW = timedelta(days=90)
MAX_LIST = 1000
MAX_IDS = 100


def _arabic() -> bool:
    return (get_language() or "ar").startswith("ar")


def _name(row) -> str:
    return row.name_ar if _arabic() else row.name_en


def service_list() -> QuerySet[Service]:
    return Service.objects.filter(active=True).select_related("department")


def service_get(*, service_code: str) -> Service:
    service = service_list().filter(service_code=service_code).first()
    if service is None:
        raise NotFound(
            _("There is no service %(code)s; GET services.json lists them.")
            % {"code": repr(service_code[:40])},
            code="unknown_service",
        )
    return service


def service_view(service: Service) -> dict:
    """A service as Open311's service list gives it (names in the request's language)."""
    return {
        "service_code": service.service_code,
        "service_name": _name(service),
        "description": service.description_ar if _arabic() else service.description_en,
        "metadata": False,  # no extra attributes to fill in
        "type": "realtime",
        "keywords": service.keywords,
        "group": service.group,
    }


def service_definition_view(service: Service) -> dict:
    return {"service_code": service.service_code, "attributes": []}


def _open311_public(request: ServiceRequest) -> dict:
    """A request as the public reads it: no names, email, phone or photo."""
    return {
        "service_request_id": request.service_request_id,
        "status": request.status,
        "status_notes": request.status_notes or None,
        "service_name": _name(request.service),
        "service_code": request.service.service_code,
        "description": request.description or None,
        "agency_responsible": _name(request.department),
        "service_notice": None,
        "requested_datetime": timezone.localtime(request.requested_datetime).isoformat(),
        "updated_datetime": timezone.localtime(request.updated_at).isoformat(),
        "expected_datetime": (
            timezone.localtime(request.expected_datetime).isoformat()
            if request.expected_datetime
            else None
        ),
        "address": request.address_string or None,
        "address_id": None,
        "zipcode": None,
        "lat": round(request.geom.y, 6),
        "long": round(request.geom.x, 6),
        # Photos are never public: citizens photograph streets, and streets hold people,
        # faces and number plates; no one reviews them before publication.
        "media_url": None,
    }


def service_request_public_get(*, service_request_id: str) -> dict:
    request = (
        ServiceRequest.objects.select_related("service", "department")
        .filter(service_request_id=service_request_id)
        .first()
    )
    if request is None:
        raise NotFound(
            _("There is no service request %(id)s.") % {"id": repr(service_request_id[:40])},
            code="unknown_request",
        )
    return _open311_public(request)


def service_request_public_list(
    *,
    service_request_ids: list[str] | None = None,
    service_codes: list[str] | None = None,
    statuses: list[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[dict]:
    """Open311's GET requests: by ids (then nothing else applies), else the requests of
    ``service_codes`` in ``statuses`` (open by default, as the public list is "what is still
    to be done") requested between ``start`` and ``end`` (the last 90 days by default), the
    newest first, at most 1,000."""
    rows = ServiceRequest.objects.select_related("service", "department")
    if service_request_ids:
        if len(service_request_ids) > MAX_IDS:
            raise InvalidInput(
                _("At most %(n)s service_request_id values at once.") % {"n": MAX_IDS},
                code="too_many_ids",
            )
        return [_open311_public(r) for r in rows.filter(service_request_id__in=service_request_ids)]
    if service_codes:
        rows = rows.filter(service__service_code__in=service_codes)
    for status in statuses or ():
        if status not in OpenStatus.values:
            raise InvalidInput(
                _("status is open or closed (or both, comma-separated), not %(s)s.")
                % {"s": repr(status[:40])},
                code="invalid_status",
            )
    rows = rows.filter(status__in=statuses or [OpenStatus.OPEN])
    if start and end and start > end:
        raise InvalidInput(_("start_date is after end_date."), code="invalid_date_range")
    if start is None:
        start = (end or timezone.now()) - DEFAULT_WINDOW
    rows = rows.filter(requested_datetime__gte=start)
    if end is not None:
        rows = rows.filter(requested_datetime__lte=end)
    return [_open311_public(r) for r in rows[:MAX_LIST]]


def staff_request_list(
    *, department: str | None = None, status: str | None = None, limit: int = 200
) -> list[ServiceRequest]:
    """Requests for staff, with the citizen's contact, filtered by department code and by
    workflow status or Open311 status; the newest first. Every staff member sees every
    department's requests (the platform has no departments per user)."""
    rows = ServiceRequest.objects.select_related("service", "department", "status_changed_by")
    if department:
        rows = rows.filter(department__code=department)
    if status in OpenStatus.values:
        rows = rows.filter(status=status)
    elif status in WorkflowStatus.values:
        rows = rows.filter(workflow_status=status)
    elif status:
        raise InvalidInput(
            _("The status is open, closed or one of %(steps)s.")
            % {"steps": ", ".join(WorkflowStatus.values)},
            code="invalid_status",
        )
    return list(rows[:limit])


def department_list() -> QuerySet[Department]:
    return Department.objects.order_by("name_en")


def service_request_by_pk(*, pk: int) -> ServiceRequest:
    request = ServiceRequest.objects.select_related("service", "department").filter(pk=pk).first()
    if request is None:
        raise NotFound(_("There is no such service request."), code="unknown_request")
    return request


def service_notice(request: ServiceRequest) -> str:
    """What the citizen is told on making ``request`` (Open311's service_notice)."""
    return _(
        "Received as %(id)s and sent to %(department)s. The description and the location are "
        "public; your name, email, phone and photo are seen by municipal staff only."
    ) % {"id": request.service_request_id, "department": _name(request.department)}


def service_requests_of_reporter(*, user) -> QuerySet[ServiceRequest]:
    """The requests ``user`` sent while signed in, newest first (their "My requests")."""
    return (
        ServiceRequest.objects.filter(reporter=user)
        .select_related("service", "department")
        .order_by("-requested_datetime")
    )


def service_request_by_id(*, service_request_id: str) -> ServiceRequest:
    """The request with the public identifier ``service_request_id`` (SR-...), or NotFound."""
    request = None
    if len(service_request_id) <= 20 and "\x00" not in service_request_id:
        request = (
            ServiceRequest.objects.select_related("service", "department", "status_changed_by")
            .filter(service_request_id=service_request_id)
            .first()
        )
    if request is None:
        raise NotFound(_("There is no such service request."), code="unknown_request")
    return request


def service_request_staff_view(request: ServiceRequest) -> dict:
    """A request as staff read it: the public view, with the workflow step, the department's
    code, who last changed it, the reporter's contact and whether there is a photo."""
    changed_by = request.status_changed_by
    return {
        **_open311_public(request),
        "workflow_status": request.workflow_status,
        "department": request.department.code,
        "status_changed_by": changed_by.get_username() if changed_by else None,
        "contact": {
            "first_name": request.first_name,
            "last_name": request.last_name,
            "email": request.email,
            "phone": request.phone,
        },
        "has_photo": bool(request.photo),
    }
