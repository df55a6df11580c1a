"""Service requests as a collection (OGC API, vector tiles, exports, the map): the public sees
each request's service, department, Open311 status and dates, staff also the workflow step.
The citizen's contact and photo are no column of it, so nothing built on the collection can
show them, to anyone."""

from __future__ import annotations

from collections.abc import Iterable

from core.collections import Collection, CollectionProvider, ModelCollection, titled_field
from servicerequests.models import OpenStatus, ServiceRequest
from servicerequests.services import COLLECTION


class ServiceRequestCollection(ModelCollection):
    id = COLLECTION
    title = {"en": "Service requests", "ar": "طلبات الخدمة"}
    description = {
        "en": "Problems citizens reported (Open311): service, responsible department, status. "
        "No names, contacts or photos.",
        "ar": "مشكلات أبلغ عنها المواطنون: الخدمة والقسم المسؤول والحالة، دون أسماء أو بيانات "
        "اتصال أو صور.",
    }
    model = ServiceRequest
    geometry_type = "Point"
    temporal_field = "requested_datetime"
    is_public = True
    min_zoom = 12
    style = {
        "radius": 6,
        "weight": 1,
        "color": "#333333",
        "fillOpacity": 0.9,
        "property": "status",
        "classes": [
            {"value": OpenStatus.OPEN.value, "label": {"en": "Open", "ar": "مفتوح"},
             "fillColor": "#e8590c"},
            {"value": OpenStatus.CLOSED.value, "label": {"en": "Closed", "ar": "مغلق"},
             "fillColor": "#2f9e44"},
        ],
    }  # fmt: skip
    field_list = (
        titled_field("service_request_id", "string", "Request", "الطلب"),
        titled_field("service_code", "string", "Service code", "رمز الخدمة"),
        titled_field("service_name_en", "string", "Service", "الخدمة بالإنجليزية"),
        titled_field("service_name_ar", "string", "Service (Arabic)", "الخدمة"),
        titled_field("agency_responsible", "string", "Department", "القسم المسؤول"),
        titled_field("status", "string", "Status", "الحالة"),
        titled_field("status_notes", "string", "Status notes", "ملاحظات الحالة"),
        titled_field("requested_datetime", "datetime", "Requested", "تاريخ الطلب"),
        titled_field("workflow_status", "string", "Workflow step", "مرحلة العمل", internal=True),
    )
    columns = {
        "service_request_id": "service_request_id",
        "service_code": "service__service_code",
        "service_name_en": "service__name_en",
        "service_name_ar": "service__name_ar",
        "agency_responsible": "department__code",
        "status": "status",
        "status_notes": "status_notes",
        "requested_datetime": "requested_datetime",
        "workflow_status": "workflow_status",
    }


class ServiceRequestProvider(CollectionProvider):
    def collections(self) -> Iterable[Collection]:
        return [ServiceRequestCollection()]
