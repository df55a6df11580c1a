"""The staff side of document delivery, as a JSON API: the dispatcher's board, planning (a
background job), moving orders between rounds, shifts and the portal's CSV; the courier's
round, its start and position, and proofs of delivery. Signed-in users only; each endpoint
checks the role it needs. Every answer that shows orders' personal data (the recipient's name,
phone or address) is logged, order by order, in core.PersonalDataRead for their citizens to
read (delivery.services.delivery_order_reads_record)."""

from __future__ import annotations

import math
import re
from datetime import date, timedelta

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import InvalidInput, NotFound, PayloadTooLarge, UnsupportedMediaType
from core.parsers import JSONBodyParser
from core.roles import Role, user_has_role
from delivery.api import body_object, integer_param, moment_param, point_param, text_param
from delivery.models import (
    Courier,
    DeliveryNotice,
    DeliveryOffice,
    DeliveryOrder,
    DeliveryStatus,
    Round,
)
from delivery.selectors import (
    courier_for,
    courier_round,
    dispatch_board,
    orders_shown,
    round_view,
)
from delivery.services import (
    courier_shift_create,
    delivery_notices_sent,
    delivery_order_reads_record,
    delivery_orders_import,
    delivery_ready_for_collection,
    delivery_status_set,
    proof_record,
    round_position_report,
    round_start,
    round_stop_move,
)
from delivery.services import portal as portal_service
from delivery.tasks import round_plan_job
from jobs.api import job_accepted_response
from jobs.services import job_enqueue


class IsDispatcher(BasePermission):
    def has_permission(self, request, view) -> bool:
        return user_has_role(request.user, Role.DISPATCHER, Role.ADMINISTRATOR)


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The days the board and the courier's round may be read for (from today, either way).
DAY_SPAN = timedelta(days=3653)
# How far ahead a day may be planned.
PLAN_AHEAD = timedelta(days=366)


def _day(value, *, earliest: date | None = None, latest: date | None = None) -> date:
    """A day (YYYY-MM-DD) from ``earliest`` to ``latest`` (ten years either side of today
    unless given)."""
    problem = InvalidInput("day is a date such as 2026-12-06.", code="invalid_date")
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        raise problem
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise problem from None
    today = timezone.localdate()
    earliest, latest = earliest or today - DAY_SPAN, latest or today + DAY_SPAN
    if not earliest <= day <= latest:
        raise InvalidInput(
            f"day is from {earliest} to {latest}.",
            code="day_out_of_range",
            details={"earliest": str(earliest), "latest": str(latest)},
        )
    return day


def _office(value) -> DeliveryOffice:
    office = DeliveryOffice.objects.filter(pk=integer_param(value, "office"), delivers=True).first()
    if office is None:
        raise NotFound("There is no delivering office with this id.", code="office_not_found")
    return office


def _shown(request: Request, view: dict) -> Response:
    """``view`` (a board or a round) as the answer, its orders' reads logged for the user."""
    delivery_order_reads_record(order_ids=orders_shown(view), user=request.user, via=request.path)
    return Response(view)


def _round(pk: int) -> Round:
    found = Round.objects.select_related("courier__user", "office", "shift").filter(pk=pk).first()
    if found is None:
        raise NotFound(f"There is no round {pk}.", code="round_not_found")
    return found


class BoardApi(APIView):
    """The dispatcher's board for one office and day."""

    permission_classes = [IsDispatcher]

    @extend_schema(
        parameters=[OpenApiParameter("office", int), OpenApiParameter("day", str)],
        responses={200: dict},
    )
    def get(self, request: Request) -> Response:
        office = _office(request.query_params.get("office"))
        day = _day(request.query_params.get("day"))
        return _shown(request, dispatch_board(office=office, day=day))


class PlansApi(APIView):
    """Plan an office's day in the background; the answer is the job to follow."""

    permission_classes = [IsDispatcher]

    @extend_schema(request=dict, responses={202: dict})
    def post(self, request: Request) -> Response:
        data = body_object(request.data)
        office = _office(data.get("office"))
        today = timezone.localdate()
        day = _day(data.get("day"), earliest=today, latest=today + PLAN_AHEAD)
        job = job_enqueue(
            task=round_plan_job,
            params={"office": office.pk, "day": day.isoformat(), "user_id": request.user.pk},
            user=request.user,
        )
        return job_accepted_response(job=job, request=request)


class RoundStopsApi(APIView):
    """Move an order into a round (from another round, or from the unserved orders)."""

    permission_classes = [IsDispatcher]

    @extend_schema(request=dict, responses={200: dict})
    def post(self, request: Request, pk: int) -> Response:
        data = body_object(request.data)
        order = DeliveryOrder.objects.filter(pk=integer_param(data.get("order"), "order"))
        if not order.exists():
            raise NotFound("There is no such delivery order.", code="order_not_found")
        version = integer_param(data.get("version"), "version")
        moved = round_stop_move(order=order.get(), target=_round(pk), version=version)
        return _shown(request, round_view(moved))


class ShiftsApi(APIView):
    """Add a shift to a courier."""

    permission_classes = [IsDispatcher]

    @extend_schema(request=dict, responses={201: dict})
    def post(self, request: Request) -> Response:
        data = body_object(request.data)
        courier = Courier.objects.filter(pk=integer_param(data.get("courier"), "courier"))
        if not courier.exists():
            raise NotFound("There is no such courier.", code="courier_not_found")
        shift = courier_shift_create(
            courier=courier.get(),
            starts_at=moment_param(data.get("starts_at"), "starts_at"),
            ends_at=moment_param(data.get("ends_at"), "ends_at"),
        )
        return Response(
            {"id": shift.pk, "starts_at": shift.starts_at, "ends_at": shift.ends_at}, status=201
        )


DRY_RUN = {"": False, "0": False, "false": False, "no": False, "1": True, "true": True, "yes": True}


class PortalImportApi(APIView):
    """Import the e-services portal's CSV of delivery orders; the answer is the report."""

    permission_classes = [IsDispatcher]
    parser_classes = [MultiPartParser]

    @extend_schema(request=dict, responses={200: dict})
    def post(self, request: Request) -> Response:
        upload = request.FILES.get("file")
        if upload is None:
            raise InvalidInput("Send the CSV file as 'file'.", code="file_missing")
        if not (upload.name or "").lower().endswith(".csv"):
            raise UnsupportedMediaType(
                f"The portal's file is a CSV file (.csv); {(upload.name or '')[:80]!r} is not one.",
                code="not_csv",
            )
        if upload.size > portal_service.MAX_BYTES:
            raise PayloadTooLarge(
                f"The file is larger than {portal_service.MAX_BYTES / 1024**2:g} MB.",
                code="file_too_large",
            )
        dry_run = DRY_RUN.get(str(request.data.get("dry_run", "")).strip().lower())
        if dry_run is None:
            raise InvalidInput("dry_run is true or false.", code="invalid_dry_run")
        report = delivery_orders_import(data=upload.read(), dry_run=dry_run)
        return Response(report.as_dict())


class RoundApi(APIView):
    """One round: for dispatchers, and for its courier (with the contacts' phones)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: dict})
    def get(self, request: Request, pk: int) -> Response:
        found = _round(pk)
        if found.courier.user_id == request.user.pk:
            return _shown(request, round_view(found, with_phone=True))
        if not IsDispatcher().has_permission(request, self):
            raise NotFound(f"There is no round {pk}.", code="round_not_found")
        return _shown(request, round_view(found))


class CourierRoundApi(APIView):
    """The signed-in courier's round on a day (today when not given); null when none."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[OpenApiParameter("day", str)], responses={200: dict})
    def get(self, request: Request) -> Response:
        day_text = request.query_params.get("day")
        day = _day(day_text) if day_text else timezone.localdate()
        found = courier_round(user=request.user, day=day)
        if found is None:
            return Response({"round": None})
        view = round_view(found, with_phone=True)
        delivery_order_reads_record(
            order_ids=orders_shown(view), user=request.user, via=request.path
        )
        return Response({"round": view})


class RoundStartApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: dict})
    def post(self, request: Request, pk: int) -> Response:
        courier_for(user=request.user)
        started = round_start(round_=_round(pk), user=request.user)
        return _shown(request, round_view(started, with_phone=True))


class RoundPositionApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=dict, responses={200: dict})
    def post(self, request: Request, pk: int) -> Response:
        position = point_param(body_object(request.data))
        if position is None:
            raise InvalidInput("Send lon and lat.", code="position_missing")
        told = round_position_report(round_=_round(pk), user=request.user, position=position)
        return Response({"orders_told": told})


# A phone's position is never worse than this (metres); a larger figure is not an accuracy.
MAX_ACCURACY_M = 100_000


def _accuracy(value) -> float | None:
    """``accuracy_m`` of a proof: metres, from 0 to MAX_ACCURACY_M; None when absent."""
    if value is None or value == "":
        return None
    problem = InvalidInput(
        f"accuracy_m is a number of metres from 0 to {MAX_ACCURACY_M:,}.", code="invalid_number"
    )
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise problem
    try:
        accuracy = float(value)
    except ValueError:
        raise problem from None
    if not (math.isfinite(accuracy) and 0 <= accuracy <= MAX_ACCURACY_M):
        raise problem
    return accuracy


class ProofsApi(APIView):
    """Record a proof of delivery or a failed delivery. Sending the same record again (the
    same ``client_id``) answers 200 with the stored proof; a first record answers 201."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser, JSONBodyParser]

    @extend_schema(request=dict, responses={200: dict, 201: dict})
    def post(self, request: Request) -> Response:
        data = body_object(request.data)
        position = point_param(data)
        proof, created = proof_record(
            user=request.user,
            order_id=integer_param(data.get("order"), "order"),
            client_id=text_param(data, "client_id"),
            outcome=text_param(data, "outcome"),
            recorded_at=moment_param(data.get("recorded_at"), "recorded_at"),
            recipient_name=text_param(data, "recipient_name"),
            failure_reason=text_param(data, "failure_reason"),
            note=text_param(data, "note"),
            position=position,
            accuracy_m=_accuracy(data.get("accuracy_m")),
            photo=request.FILES.get("photo"),
            signature=request.FILES.get("signature"),
        )
        body = {
            "client_id": str(proof.client_id),
            "order": proof.stop.order_id,
            "outcome": proof.outcome,
            "recorded_at": proof.recorded_at,
            "created": created,
        }
        return Response(body, status=201 if created else 200)


def _order(pk: int) -> DeliveryOrder:
    found = DeliveryOrder.objects.select_related("office").filter(pk=pk).first()
    if found is None:
        raise NotFound(f"There is no delivery order {pk}.", code="order_not_found")
    return found


class OrderReadyApi(APIView):
    """The collecting office has the document: ready for collection, and the citizen told."""

    permission_classes = [IsDispatcher]

    @extend_schema(request=None, responses={200: dict})
    def post(self, request: Request, pk: int) -> Response:
        order = delivery_ready_for_collection(order=_order(pk))
        return Response({"order": order.pk, "status": order.status})


class OrderCollectedApi(APIView):
    """The citizen collected the document at the office."""

    permission_classes = [IsDispatcher]

    @extend_schema(request=None, responses={200: dict})
    def post(self, request: Request, pk: int) -> Response:
        order = delivery_status_set(order=_order(pk), status=DeliveryStatus.COLLECTED)
        return Response({"order": order.pk, "status": order.status})


MAX_NOTICES_MARKED = 1000


class NoticesApi(APIView):
    """The outbox of notices to citizens' phones, for the SMS gateway: unsent notices, oldest
    first; POST ``{"sent": [ids]}`` marks them sent."""

    permission_classes = [IsDispatcher]

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        notices = list(DeliveryNotice.objects.filter(sent_at__isnull=True)[:500])
        # The citizens' phones and the texts naming their documents: personal data.
        delivery_order_reads_record(
            order_ids=[n.order_id for n in notices], user=request.user, via=request.path
        )
        return Response(
            {
                "notices": [
                    {
                        "id": n.pk,
                        "phone": "+" + n.phone,
                        "status": n.status,
                        "text_ar": n.text_ar,
                        "text_en": n.text_en,
                        "created_at": n.created_at,
                    }
                    for n in notices
                ]
            }
        )

    @extend_schema(request=dict, responses={200: dict})
    def post(self, request: Request) -> Response:
        ids = body_object(request.data).get("sent")
        if (
            not isinstance(ids, list)
            or len(ids) > MAX_NOTICES_MARKED
            or not all(type(i) is int and 0 < i < 2**63 for i in ids)
        ):
            raise InvalidInput(
                f"sent is a list of at most {MAX_NOTICES_MARKED} notice ids (whole numbers).",
                code="invalid_ids",
            )
        return Response({"marked": delivery_notices_sent(ids=ids)})
