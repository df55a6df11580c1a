"""Reads of document delivery: delivery points, serving offices, windows, nearest offices and
an order's tracking view. Points are WGS 84 (EPSG:4326); distances geodesic, in metres."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.db.models import Count, Q
from django.utils import timezone

from addressing.models import Building, BuildingStatus
from addressing.selectors import address_view, building_at_point
from core.errors import InvalidInput, NotFound, PermissionDenied
from delivery.models import (
    Courier,
    CourierShift,
    DeliveryMethod,
    DeliveryOffice,
    DeliveryOrder,
    DeliveryPlan,
    DeliveryStatus,
    Round,
    RoundStatus,
    RoundStop,
    VehicleKind,
)

# Working days of public offices in Palestine: Monday (0) to Thursday and Sunday (6); Friday
# and Saturday are the weekend.
WORKING_DAYS = (0, 1, 2, 3, 6)
WINDOWS = ((time(9), time(12)), (time(12), time(15)))
DAYS_OFFERED = 5
# How far from a clicked point a building's entrance may be to be its delivery point.
CLICK_REACH_M = 30.0
OPEN_ORDER = ~Q(status=DeliveryStatus.CANCELLED)


@dataclass(frozen=True)
class DeliveryPoint:
    building: Building
    office: DeliveryOffice


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime
    free: int


def delivery_point_find(
    *, building_id: int | None = None, point: Point | None = None
) -> DeliveryPoint:
    """The delivery point (an active building with its postcode) of an address or of a point
    on the map, and the office whose couriers serve its postal zone. Refused with the reason:
    no building there, a building without a postcode, or one outside every served zone."""
    if building_id is not None:
        building = (
            Building.objects.select_related("street__municipality", "area", "zone")
            .filter(pk=building_id, status=BuildingStatus.ACTIVE)
            .first()
        )
        if building is None:
            raise NotFound(f"There is no address {building_id}.", code="address_not_found")
    elif point is not None:
        building = building_at_point(point=point, within_m=CLICK_REACH_M)
        if building is None:
            raise NotFound(
                "There is no building within 30 m of that point: click on a building.",
                code="no_delivery_point",
            )
    else:
        raise InvalidInput("Give an address or a point.", code="address_missing")
    if not building.postcode:
        raise InvalidInput(
            "This building has no postcode yet, so it cannot receive deliveries.",
            code="no_postcode",
        )
    office = (
        DeliveryOffice.objects.filter(delivers=True, zones=building.zone_id).order_by("pk").first()
    )
    if office is None:
        raise InvalidInput(
            "This address is outside the area our couriers serve: choose collection at an "
            "office instead.",
            code="outside_service_area",
        )
    return DeliveryPoint(building=building, office=office)


def delivery_windows(*, office: DeliveryOffice, now: datetime | None = None) -> list[Window]:
    """The delivery windows of the next DAYS_OFFERED working days (from tomorrow, local time)
    with the places left in each (setting DELIVERY_WINDOW_CAPACITY per office)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    today = (now or timezone.now()).astimezone(zone).date()
    days: list[date] = []
    day = today
    while len(days) < DAYS_OFFERED:
        day += timedelta(days=1)
        if day.weekday() in WORKING_DAYS:
            days.append(day)
    windows = [
        (datetime.combine(d, start, zone), datetime.combine(d, end, zone))
        for d in days
        for start, end in WINDOWS
    ]
    taken = dict(
        DeliveryOrder.objects.filter(
            OPEN_ORDER, office=office, window_start__in=[w[0] for w in windows]
        )
        .values_list("window_start")
        .annotate(n=Count("pk"))
    )
    capacity = settings.DELIVERY_WINDOW_CAPACITY
    return [Window(start=s, end=e, free=max(capacity - taken.get(s, 0), 0)) for s, e in windows]


def offices_nearest(*, point: Point, limit: int = 5) -> list[tuple[DeliveryOffice, float]]:
    """The offices that hand documents over, nearest first, with their distance in metres."""
    found = (
        DeliveryOffice.objects.filter(accepts_collection=True)
        .annotate(distance=Distance("geom", point, spheroid=True))
        .order_by("distance")[:limit]
    )
    return [(office, office.distance.m) for office in found]


def office_view(office: DeliveryOffice, *, distance_m: float | None = None) -> dict[str, Any]:
    body = {
        "id": office.pk,
        "kind": office.kind,
        "name_ar": office.name_ar,
        "name_en": office.name_en,
        "address_ar": office.address_ar,
        "address_en": office.address_en,
        "lon": office.geom.x,
        "lat": office.geom.y,
        "opening_hours": office.opening_hours,
        "synthetic": office.is_synthetic,
    }
    if distance_m is not None:
        body["distance_m"] = round(distance_m)
    return body


def window_view(window: Window) -> dict[str, Any]:
    return {"start": window.start.isoformat(), "end": window.end.isoformat(), "free": window.free}


def delivery_point_view(found: DeliveryPoint, *, now: datetime | None = None) -> dict[str, Any]:
    return {
        "address": address_view(building=found.building),
        "office": office_view(found.office),
        "windows": [window_view(w) for w in delivery_windows(office=found.office, now=now)],
    }


# A tracking token as services.orders.tracking_token makes them (URL-safe base64).
TRACKING_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def order_by_token(*, token: str) -> DeliveryOrder:
    """The order a tracking token names (NotFound for any other string)."""
    order = (
        DeliveryOrder.objects.select_related("document", "office", "building")
        .filter(tracking_token=token)
        .first()
        if TRACKING_TOKEN.fullmatch(token)
        else None
    )
    if order is None:
        raise NotFound("No delivery has this tracking link.", code="tracking_not_found")
    return order


def reference_masked(reference: str) -> str:
    """Enough of a reference to recognise it, not enough to use it: ``ES-…0123``."""
    return reference[:3] + "…" + reference[-4:] if len(reference) > 8 else "…"


def order_tracking_view(order: DeliveryOrder) -> dict[str, Any]:
    """What the holder of the tracking link reads: status and its history, the window or the
    collection office, the delivery address, and the courier's approach while out."""
    body: dict[str, Any] = {
        "status": order.status,
        "status_label": str(DeliveryStatus(order.status).label),
        "method": order.method,
        "reference": reference_masked(order.document.reference),
        "document": {"title_ar": order.document.title_ar, "title_en": order.document.title_en},
        "office": office_view(order.office),
        "window": (
            {"start": order.window_start.isoformat(), "end": order.window_end.isoformat()}
            if order.window_start
            else None
        ),
        "address": (
            {
                "postcode": order.postcode,
                "lines_ar": order.address_lines_ar,
                "lines_en": order.address_lines_en,
                "lon": order.building.entrance.x,
                "lat": order.building.entrance.y,
            }
            if order.building_id
            else None
        ),
        "events": [
            {
                "status": e.status,
                "label": str(DeliveryStatus(e.status).label),
                "at": e.at.isoformat(),
            }
            for e in order.events.all()
        ],
        "courier": None,
        "synthetic": order.is_synthetic,
    }
    if order.status == DeliveryStatus.OUT_FOR_DELIVERY and order.courier_position is not None:
        courier = {
            "lon": order.courier_position.x,
            "lat": order.courier_position.y,
            "at": order.courier_position_at.isoformat() if order.courier_position_at else None,
            "stops_before": order.stops_before,
        }
        if order.building_id:
            courier["distance_m"] = round(
                DeliveryOrder.objects.filter(pk=order.pk)
                .annotate(d=Distance("courier_position", order.building.entrance, spheroid=True))
                .values_list("d", flat=True)[0]
                .m
            )
        body["courier"] = courier
    return body


# --- Rounds: the dispatcher's board, the courier's round and the run sheet --------------------


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The day's first moment and the next day's, in the platform's time zone."""
    midnight = datetime.combine(day, time(0), timezone.get_current_timezone())
    return midnight, midnight + timedelta(days=1)


def _iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def _order_view(order: DeliveryOrder) -> dict[str, Any]:
    return {
        "order": order.pk,
        "status": order.status,
        "status_label": str(DeliveryStatus(order.status).label),
        "reference": reference_masked(order.document.reference),
        "document_en": order.document.title_en,
        "document_ar": order.document.title_ar,
        "postcode": order.postcode,
        "address_en": order.address_lines_en,
        "address_ar": order.address_lines_ar,
        "window_start": _iso(order.window_start),
        "window_end": _iso(order.window_end),
        "contact_name": order.contact_name,
        "lon": order.building.entrance.x if order.building_id else None,
        "lat": order.building.entrance.y if order.building_id else None,
        "synthetic": order.is_synthetic,
    }


def _stop_view(stop: RoundStop, *, with_phone: bool) -> dict[str, Any]:
    proof = getattr(stop, "proof", None)
    body = _order_view(stop.order) | {
        "sequence": stop.sequence,
        "arrival_at": _iso(stop.arrival_at),
        "late_s": stop.late_s,
        "leg_distance_m": round(stop.leg_distance_m),
        "proof": (
            {
                "client_id": str(proof.client_id),
                "outcome": proof.outcome,
                "recipient_name": proof.recipient_name,
                "failure_reason": proof.failure_reason,
                "recorded_at": _iso(proof.recorded_at),
            }
            if proof
            else None
        ),
    }
    if with_phone:
        body["contact_phone"] = "+" + stop.order.contact_phone
    return body


def round_view(round_: Round, *, with_phone: bool = False) -> dict[str, Any]:
    """A round with its stops in order, its line (GeoJSON) and its figures."""
    stops = (
        round_.stops.select_related("order__document", "order__building", "proof")
        .order_by("sequence")
        .all()
    )
    return {
        "id": round_.pk,
        "courier": {
            "id": round_.courier_id,
            "name": str(round_.courier),
            "vehicle": round_.courier.vehicle,
            "capacity": round_.courier.capacity,
        },
        "office": office_view(round_.office),
        "day": round_.day.isoformat(),
        "status": round_.status,
        "status_label": str(RoundStatus(round_.status).label),
        "version": round_.version,
        "starts_at": _iso(round_.starts_at),
        "ends_at": _iso(round_.ends_at),
        "shift": {"start": _iso(round_.shift.starts_at), "end": _iso(round_.shift.ends_at)},
        "distance_m": round(round_.distance_m),
        "duration_s": round(round_.duration_s),
        "geometry": json.loads(round_.geom.geojson) if round_.geom else None,
        "stops": [_stop_view(s, with_phone=with_phone) for s in stops],
    }


def dispatch_board(*, office: DeliveryOffice, day: date) -> dict[str, Any]:
    """Everything the dispatcher plans ``day`` of ``office`` with: the couriers on shift, the
    rounds with their stops and statuses, the orders the last planning could not serve (with
    the reason) and the orders not planned yet."""
    start, end = day_bounds(day)
    shifts = (
        CourierShift.objects.select_related("courier__user")
        .filter(courier__office=office, starts_at__gte=start, starts_at__lt=end)
        .order_by("starts_at", "pk")
    )
    rounds = list(
        Round.objects.select_related("courier__user", "office", "shift").filter(
            office=office, day=day
        )
    )
    plan = DeliveryPlan.objects.filter(office=office, day=day).order_by("-created_at").first()
    day_orders = DeliveryOrder.objects.select_related("document", "building").filter(
        office=office,
        method=DeliveryMethod.HOME,
        window_start__gte=start,
        window_start__lt=end,
    )
    reasons = {u["order"]: u for u in (plan.unserved if plan else [])}
    waiting = [
        _order_view(o)
        | {
            "reason_code": reasons.get(o.pk, {}).get("code"),
            "reason": reasons.get(o.pk, {}).get("message"),
        }
        for o in day_orders.filter(
            status__in=[DeliveryStatus.REQUESTED, DeliveryStatus.FAILED]
        ).order_by("window_start", "pk")
        if not o.stops.filter(round__status=RoundStatus.PLANNED).exists()
    ]
    counts = dict(
        day_orders.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return {
        "office": office_view(office),
        "day": day.isoformat(),
        "couriers": [
            {
                "id": s.courier_id,
                "name": str(s.courier),
                "vehicle": s.courier.vehicle,
                "vehicle_label": str(VehicleKind(s.courier.vehicle).label),
                "capacity": s.courier.capacity,
                "shift": {"id": s.pk, "start": _iso(s.starts_at), "end": _iso(s.ends_at)},
            }
            for s in shifts
        ],
        "plan": (
            {
                "id": plan.pk,
                "created_at": _iso(plan.created_at),
                "solver": plan.solver,
                "seconds": plan.seconds,
            }
            if plan
            else None
        ),
        "rounds": [round_view(r) for r in rounds],
        "waiting": waiting,
        "counts": counts,
    }


def courier_for(*, user) -> Courier:
    """The courier profile of ``user`` (PermissionDenied for anyone else)."""
    courier = Courier.objects.select_related("office").filter(user=user, active=True).first()
    if courier is None:
        raise PermissionDenied(
            "This page is for the couriers of a delivery office.", code="not_a_courier"
        )
    return courier


def courier_round(*, user, day: date) -> Round | None:
    """The courier's round on ``day``: the one under way, else the next planned, else the
    last finished."""
    courier = courier_for(user=user)
    rounds = Round.objects.select_related("courier__user", "office", "shift").filter(
        courier=courier, day=day
    )
    for status in (RoundStatus.STARTED, RoundStatus.PLANNED, RoundStatus.FINISHED):
        found = rounds.filter(status=status).order_by("starts_at").first()
        if found is not None:
            return found
    return None
