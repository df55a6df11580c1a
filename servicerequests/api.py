"""The staff's JSON API for service requests (the staff page's twin, for a department's own
tools): the queue with the reporters' contacts, and status changes. Staff only; every list
read of contacts is recorded in PersonalDataRead, as on the page."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import PlainTextField
from core.roles import user_sees_internal
from core.services import personal_data_read_record
from core.text import text_check
from servicerequests.models import ServiceRequest, WorkflowStatus
from servicerequests.selectors import (
    service_request_by_id,
    service_request_staff_view,
    staff_request_list,
)
from servicerequests.services import MAX_NOTES, service_request_update_status

PERSONAL_KIND = "service_request_contact"


class IsStaffMember(BasePermission):
    message = "Service requests are for municipal staff."

    def has_permission(self, request, view) -> bool:
        return user_sees_internal(request.user)


class StaffRequestsApi(APIView):
    """``GET``: the queue, newest first, with the reporters' contacts (recorded as a read)."""

    permission_classes = [IsStaffMember]

    @extend_schema(
        responses={200: dict},
        parameters=[
            OpenApiParameter("department", str, description="a department's code"),
            OpenApiParameter("status", str, description="open, closed or a workflow step"),
        ],
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        rows = staff_request_list(
            department=text_check(params.get("department", ""), field="department", max_length=40)
            or None,
            status=text_check(params.get("status", ""), field="status", max_length=20) or None,
        )
        personal_data_read_record(
            kind=PERSONAL_KIND, object_ids=[r.pk for r in rows], user=request.user, via=request.path
        )
        return Response({"requests": [service_request_staff_view(r) for r in rows]})


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=WorkflowStatus.choices)
    notes = PlainTextField(multiline=True, max_length=MAX_NOTES, required=False, default="")


class StaffRequestStatusApi(APIView):
    """``POST {"status", "notes"}``: move a request along its workflow; the notes are public
    (Open311's status_notes). Answers the request as staff see it."""

    permission_classes = [IsStaffMember]

    @extend_schema(request=StatusSerializer, responses={200: dict})
    def post(self, request: Request, service_request_id: str) -> Response:
        target: ServiceRequest = service_request_by_id(service_request_id=service_request_id)
        body = StatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        updated = service_request_update_status(
            request=target,
            status=body.validated_data["status"],
            notes=body.validated_data["notes"],
            user=request.user,
        )
        personal_data_read_record(
            kind=PERSONAL_KIND, object_ids=[updated.pk], user=request.user, via=request.path
        )
        return Response(service_request_staff_view(updated))
