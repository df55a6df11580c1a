"""The staff's page of service requests: every department's queue, filtered by department
and status, with the citizen's contact and photo, and a form to move a request along. The page
parses and calls services; every staff member sees every department (the platform has roles,
not departments per user)."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from core.errors import DomainError, NotFound, PermissionDenied
from core.roles import user_sees_internal
from core.services import personal_data_read_record
from core.text import text_check
from servicerequests.models import OpenStatus, WorkflowStatus
from servicerequests.selectors import (
    department_list,
    service_request_by_pk,
    service_requests_of_reporter,
    staff_request_list,
)
from servicerequests.services import service_request_update_status

PERSONAL_KIND = "service_request_contact"
logger = logging.getLogger(__name__)


def _staff_only(request: HttpRequest) -> None:
    if not user_sees_internal(request.user):
        raise PermissionDenied(
            "Service requests are for municipal staff.", code="service_requests_staff_only"
        )


@login_required
@require_http_methods(["GET", "POST"])
def staff_requests(request: HttpRequest) -> HttpResponse:
    """GET: the list; POST: change one request's status (then back to the same list)."""
    _staff_only(request)
    department = text_check(request.GET.get("department", ""), field="department", max_length=40)
    status = text_check(request.GET.get("status", ""), field="status", max_length=20)
    error = None
    if request.method == "POST":
        pk = request.POST.get("request", "")
        if not pk.isascii() or not pk.isdigit() or len(pk) > 18:
            raise NotFound("There is no such service request.", code="unknown_request")
        target = service_request_by_pk(pk=int(pk))
        try:
            service_request_update_status(
                request=target,
                status=request.POST.get("status", ""),
                notes=request.POST.get("notes", ""),
                user=request.user,
            )
        except DomainError as refused:
            logger.warning("status change of %s refused: %s", target, refused.code)
            error = refused
        else:
            query = urlencode(
                {k: v for k, v in (("department", department), ("status", status)) if v}
            )
            return redirect(reverse("servicerequests:staff") + (f"?{query}" if query else ""))
    rows = staff_request_list(department=department or None, status=status or None)
    personal_data_read_record(
        kind=PERSONAL_KIND, object_ids=[r.pk for r in rows], user=request.user, via=request.path
    )
    context = {
        "rows": rows,
        "departments": department_list(),
        "department": department,
        "status": status,
        "open_statuses": OpenStatus.choices,
        "workflow_statuses": WorkflowStatus.choices,
        "error": error,
    }
    return render(
        request, "servicerequests/staff.html", context, status=error.status_code if error else 200
    )


@login_required
@require_http_methods(["GET"])
def my_requests(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own requests, with where each stands and the municipality's
    public notes."""
    rows = service_requests_of_reporter(user=request.user)
    return render(request, "servicerequests/mine.html", {"rows": rows})


@login_required
def staff_photo(request: HttpRequest, pk: int) -> FileResponse:
    """A request's photo, for staff only (photos are never public)."""
    _staff_only(request)
    target = service_request_by_pk(pk=pk)
    if not target.photo:
        raise NotFound("This request has no photo.", code="no_photo")
    personal_data_read_record(
        kind="service_request_photo", object_ids=[pk], user=request.user, via=request.path
    )
    response = FileResponse(target.photo.open("rb"))
    response["Cache-Control"] = "private, no-store"
    return response
