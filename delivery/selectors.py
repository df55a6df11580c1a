"""Reads of document delivery: delivery points, serving offices, windows, nearest offices, an
order's tracking view with the citizen's rating and the log of staff reads of the order's
personal data, and the staff's board and rounds. Points are WGS 84 (EPSG:4326); distances
geodesic, in metres."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.db.models import Count, Q
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from addressing.models import Building, BuildingStatus
from addressing.selectors import address_view, building_at_point
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.models import PersonalDataRead
from core.roles import Role
from delivery.models import (
    Courier,
    CourierShift,
    DeliveryFeedback,
    DeliveryMethod,
    DeliveryOffice,
    DeliveryOrder,
    DeliveryPlan,
    DeliveryStatus,
    Outcome,
    ProofOfDelivery,
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
    collection office, the delivery address, the courier's approach while out, their rating
    (or whether they may now give one) and who on the staff read the order (order_reads)."""
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
    feedback = DeliveryFeedback.objects.filter(order=order).first()
    body["feedback"] = feedback_view(feedback) if feedback else None
    # The form is offered once the courier's proof says delivered, until it is used.
    body["feedback_open"] = feedback is None and order_delivered(order=order)
    body["reads"] = order_reads(order=order)
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


def order_delivered(*, order: DeliveryOrder) -> bool:
    """Whether ``order`` was handed over: delivered, with the courier's proof of delivery."""
    return (
        order.status == DeliveryStatus.DELIVERED
        and ProofOfDelivery.objects.filter(stop__order=order, outcome=Outcome.DELIVERED).exists()
    )


def feedback_view(feedback: DeliveryFeedback) -> dict[str, Any]:
    return {
        "rating": feedback.rating,
        "comment": feedback.comment,
        "given_at": feedback.created_at.isoformat(),
    }


# --- Who read an order's personal data (core.PersonalDataRead), as the citizen sees it --------

# PersonalDataRead.kind of a staff read of an order's recipient (name, phone, address).
ORDER_READ_KIND = "delivery_order"
# Reads by one person through one page closer together than this are one sitting: the board
# refreshes itself every 15 seconds, and a citizen wants to know who looked, not how often
# the browser asked again.
READ_SITTING = timedelta(minutes=30)
# The newest reads the citizen is shown (a sitting counts its reads however many they are).
MAX_READS_SHOWN = 10_000
MAX_SITTINGS_SHOWN = 100
# The role a reader is named by when they hold several: the one delivery work is done with.
READER_ROLES = (Role.ADMINISTRATOR, Role.DISPATCHER, Role.COURIER, *Role)


def _read_channels() -> dict[str, tuple[str, str]]:
    """By URL name, each staff page or API that shows orders: (code, what the citizen reads)."""
    courier = ("courier_round", _("The courier's list of stops"))
    return {
        "delivery_api:board": ("board", _("The dispatchers' board")),
        "delivery_api:round-stops": ("board", _("The dispatchers' board")),
        "delivery_api:round": ("round", _("A delivery round's list of stops")),
        "delivery_api:round-start": courier,
        "delivery_api:courier-round": courier,
        "delivery:sheet": ("run_sheet", _("The printed run sheet")),
        "delivery_api:notices": ("notices", _("The text-message outbox")),
    }


def _read_channel(via: str) -> str:
    """The URL name of the page or API a read went through (its path, as recorded), or ""."""
    prefix = via.split("/")[1] if via.count("/") > 1 else ""
    # Pages carry their language in the path; they resolve only under that language.
    language = prefix if prefix in dict(settings.LANGUAGES) else None
    with translation.override(language):
        try:
            return resolve(via).view_name
        except Resolver404:
            return ""


def _reader_role(held: set[Role]) -> Role | None:
    return next((r for r in READER_ROLES if r in held), None)


def _readers(user_ids: set[int]) -> dict[int, tuple[Role | None, DeliveryOffice | None]]:
    """Each reader's role (as READER_ROLES ranks them) and, for a courier, their office."""
    roles: dict[int, Role | None] = {}
    for user in get_user_model().objects.filter(pk__in=user_ids).prefetch_related("groups"):
        names = {g.name for g in user.groups.all()}
        held = set(Role) if user.is_superuser else {r for r in Role if r.value in names}
        roles[user.pk] = _reader_role(held)
    offices = {
        c.user_id: c.office
        for c in Courier.objects.select_related("office").filter(user_id__in=user_ids)
    }
    return {pk: (role, offices.get(pk)) for pk, role in roles.items()}


def order_reads(*, order: DeliveryOrder) -> list[dict[str, Any]]:
    """Who on the staff was shown ``order``'s personal data (recipient's name, phone, address),
    newest first, as its citizen reads it: when (the sitting's first and last read and how many
    reads it held), the reader's role and office, and through which page. Never the reader's
    name: the citizen learns which function of which office looked, which is what they can
    question, without the platform handing out its staff's identities."""
    rows = list(
        PersonalDataRead.objects.filter(kind=ORDER_READ_KIND, object_id=str(order.pk))
        .order_by("-at", "-pk")
        .values_list("at", "user_id", "username", "via", "roles")[:MAX_READS_SHOWN]
    )
    readers = _readers({user_id for _at, user_id, _u, _v, _r in rows if user_id})
    channels = _read_channels()
    sittings: list[dict[str, Any]] = []
    open_sitting: dict[tuple, dict[str, Any]] = {}
    names: dict[str, str] = {}  # a few paths, read thousands of times by a board left open
    for at, user_id, username, via, roles_then in reversed(rows):  # oldest first, to join sittings
        if via not in names:
            names[via] = _read_channel(via)
        name = names[via]
        admin = name.startswith("admin:")
        channel, channel_label = (
            ("admin", _("The administration pages"))
            if admin
            else channels.get(name, ("other", _("Another staff page")))
        )
        key = (user_id or username, channel)
        current = open_sitting.get(key)
        if current is not None and at - current["last"] <= READ_SITTING:
            current["last"] = at
            current["count"] += 1
            continue
        role, courier_office = readers.get(user_id, (None, None))
        if roles_then:
            # The role held at the read; records from before it was kept fall back to now's.
            role = _reader_role({Role(value) for value in roles_then.split(",")})
        # The office whose staff looked: a courier's own, else the order's (its board, its
        # rounds and sheets are that office's); the administration belongs to no office.
        office = courier_office or (None if admin else order.office)
        current = {
            "first": at,
            "last": at,
            "count": 1,
            "role": role.value if role else None,
            "role_label": str(role.label) if role else _("Staff member"),
            "office": (
                {"id": office.pk, "name_ar": office.name_ar, "name_en": office.name_en}
                if office
                else None
            ),
            "via": channel,
            "via_label": str(channel_label),
        }
        open_sitting[key] = current
        sittings.append(current)
    sittings.sort(key=lambda s: s["last"], reverse=True)
    return [
        {
            "at": s["last"].isoformat(),
            "first_at": s["first"].isoformat(),
            "count": s["count"],
            **{k: s[k] for k in ("role", "role_label", "office", "via", "via_label")},
        }
        for s in sittings[:MAX_SITTINGS_SHOWN]
    ]


def orders_shown(view: dict[str, Any]) -> list[int]:
    """The orders whose personal data a board or round view (as built here) shows."""
    rounds = view.get("rounds", [view] if "stops" in view else [])
    shown = [stop["order"] for r in rounds for stop in r["stops"]]
    return shown + [o["order"] for o in view.get("waiting", [])]


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


def _stop_view(stop: RoundStop, *, with_phone: bool, with_rating: bool) -> dict[str, Any]:
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
    if with_rating:
        feedback = getattr(stop.order, "feedback", None)
        body["rating"] = feedback.rating if feedback else None
    return body


def round_view(
    round_: Round, *, with_phone: bool = False, with_rating: bool = False
) -> dict[str, Any]:
    """A round with its stops in order, its line (GeoJSON) and its figures; ``with_phone``
    the contacts' phones (for its courier), ``with_rating`` the citizens' ratings (for the
    dispatchers)."""
    related = ["order__document", "order__building", "proof"]
    stops = (
        round_.stops.select_related(*related, *(["order__feedback"] if with_rating else []))
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
        "stops": [_stop_view(s, with_phone=with_phone, with_rating=with_rating) for s in stops],
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
        "rounds": [round_view(r, with_rating=True) for r in rounds],
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
