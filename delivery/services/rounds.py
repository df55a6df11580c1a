"""Writes of courier rounds: shifts, the day's planning, the dispatcher's moves and the
courier's start and position. Points are WGS 84 (EPSG:4326); travel times come from the
platform's router (seconds), distances are metres along the street network."""

from __future__ import annotations

import math
import time as clock
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import numpy as np
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.gis.geos import LineString, Point
from django.db import transaction
from django.utils import timezone

from addressing.models import BuildingStatus
from core.errors import Conflict, InvalidInput, PermissionDenied
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
)
from delivery.planning import NO_WAY_S, Problem, Stop, Vehicle, depart_s, round_solver, schedule
from delivery.services.orders import delivery_status_set, delivery_status_set_many
from routing.selectors import route_through, travel_matrix

MAX_SHIFT = timedelta(hours=14)
# How far ahead a shift may be added.
SHIFT_AHEAD = timedelta(days=366)
Progress = Callable[[int, int | None, str], None]

UNSERVED_MESSAGES = {
    "no_delivery_point": "The address is no longer an active building with a postcode.",
    "unreachable": "No legal way on the street network joins the office and this address.",
    "no_courier_shift": "No courier of this office has a shift on this day.",
    "outside_shifts": "No courier's shift can reach this address within its delivery window.",
    "fleet_full": "No round had room left: the couriers' capacity or shift time is taken by "
    "other orders. Add a shift, or move the order into a round by hand.",
}


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), timezone.get_current_timezone())


def _seconds(moment: datetime, midnight: datetime) -> int:
    return int((moment - midnight).total_seconds())


@transaction.atomic
def courier_shift_create(
    *, courier: Courier, starts_at: datetime, ends_at: datetime
) -> CourierShift:
    """Add a shift to ``courier``. Refused: an empty or reversed shift, one longer than 14
    hours, one that is already over or starts more than a year ahead, and one that overlaps
    another shift of the same courier."""
    if starts_at is None or ends_at is None:
        raise InvalidInput("A shift has a start and an end.", code="shift_missing")
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise InvalidInput("A shift's times need their time zone.", code="shift_naive")
    if ends_at <= starts_at:
        raise InvalidInput("A shift ends after it starts.", code="shift_empty")
    if ends_at - starts_at > MAX_SHIFT:
        raise InvalidInput("A shift lasts 14 hours at most.", code="shift_too_long")
    now = timezone.now()
    if ends_at <= now:
        raise InvalidInput("This shift is already over.", code="shift_past")
    if starts_at > now + SHIFT_AHEAD:
        raise InvalidInput("A shift starts within a year from now.", code="shift_too_far")
    courier = Courier.objects.select_for_update().get(pk=courier.pk)  # serialises overlaps
    overlapping = courier.shifts.filter(starts_at__lt=ends_at, ends_at__gt=starts_at).first()
    if overlapping is not None:
        raise Conflict(
            f"This shift overlaps the courier's shift {overlapping}.", code="shift_overlap"
        )
    return CourierShift.objects.create(courier=courier, starts_at=starts_at, ends_at=ends_at)


def _stop(order: DeliveryOrder, midnight: datetime) -> Stop:
    return Stop(
        demand=1,
        early_s=_seconds(order.window_start, midnight),
        late_s=_seconds(order.window_end, midnight),
        service_s=settings.DELIVERY_SERVICE_SECONDS,
    )


def _durations(values: list[list[float | None]]) -> np.ndarray:
    return np.array(
        [[NO_WAY_S if v is None else math.ceil(v) for v in row] for row in values], dtype=np.int64
    )


def plan_seconds(orders: int) -> float:
    """How long the solver searches for ``orders`` orders (seconds)."""
    return min(
        settings.DELIVERY_PLAN_MAX_SECONDS, 0.25 + settings.DELIVERY_PLAN_SECONDS_PER_ORDER * orders
    )


def _fits_a_shift(stop: Stop, out_s: int, back_s: int, vehicles: list[Vehicle]) -> bool:
    for v in vehicles:
        begin = max(v.start_s + out_s, stop.early_s)
        if begin <= stop.late_s and begin + stop.service_s + back_s <= v.end_s:
            return True
    return False


def _round_fill(
    *,
    round_: Round,
    office: DeliveryOffice,
    orders: list[DeliveryOrder],
    durations: np.ndarray,
    stops: list[Stop],
    route: list[int],
    midnight: datetime,
) -> None:
    """Write ``route`` (indexes into ``orders``) as the stops of ``round_`` with planned
    arrivals, and the round's line, distance and times along the street network."""
    if round_.pk is None:
        round_.save()
    start_s = _seconds(round_.shift.starts_at, midnight)
    times = schedule(durations=durations, stops=stops, route=route, start_s=start_s)
    points = [office.geom, *(orders[i].building.entrance for i in route), office.geom]
    legs = route_through(points=points) if route else []
    RoundStop.objects.filter(round=round_).delete()
    RoundStop.objects.bulk_create(
        RoundStop(
            round=round_,
            order=orders[i],
            sequence=k + 1,
            arrival_at=midnight + timedelta(seconds=times[k][0]),
            late_s=times[k][1],
            leg_distance_m=legs[k]["distance_m"],
            leg_duration_s=legs[k]["duration_s"],
        )
        for k, i in enumerate(route)
    )
    coordinates = [c for leg in legs for c in leg["coordinates"]]
    round_.geom = LineString(coordinates, srid=4326) if len(coordinates) > 1 else None
    round_.distance_m = sum(leg["distance_m"] for leg in legs)
    leave_s = depart_s(durations=durations, stops=stops, route=route, start_s=start_s)
    round_.starts_at = midnight + timedelta(seconds=leave_s)
    back_s = (
        times[-1][0] + stops[route[-1]].service_s + int(durations[route[-1] + 1][0])
        if route
        else leave_s
    )
    round_.ends_at = midnight + timedelta(seconds=back_s)
    round_.duration_s = back_s - leave_s
    round_.save()


def _plan_free(*, office: DeliveryOffice, day: date) -> None:
    """Undo the rounds of ``day`` no courier has started: their orders wait to be planned."""
    stale = Round.objects.filter(office=office, day=day, status=RoundStatus.PLANNED)
    back = DeliveryOrder.objects.filter(
        stops__round__in=stale, status=DeliveryStatus.SCHEDULED
    ).distinct()
    delivery_status_set_many(orders=list(back), status=DeliveryStatus.REQUESTED, note="re-planned")
    stale.delete()


@transaction.atomic
def round_plan(
    *,
    office: DeliveryOffice,
    day: date,
    user: AbstractBaseUser | None = None,
    progress: Progress | None = None,
) -> DeliveryPlan:
    """Plan ``day``'s home deliveries of ``office``: assign the orders to the couriers with a
    shift that day and order each round, within each courier's capacity (documents) and shift
    and each citizen's window, minimising travel time on the street network. Rounds already
    under way keep their orders; rounds not started are planned again. Orders no round can
    take are listed on the plan with the reason. The office row is locked, so two plannings
    of one office never interleave."""
    began = clock.monotonic()
    report = progress or (lambda done, total, message: None)
    office = DeliveryOffice.objects.select_for_update().get(pk=office.pk)
    midnight = _midnight(day)
    _plan_free(office=office, day=day)
    shifts = list(
        CourierShift.objects.select_related("courier__user")
        .filter(
            courier__office=office,
            courier__active=True,
            starts_at__gte=midnight,
            starts_at__lt=midnight + timedelta(days=1),
            round__isnull=True,
        )
        .order_by("starts_at", "pk")
    )
    pending = list(
        DeliveryOrder.objects.select_related("building", "document")
        .filter(
            office=office,
            method=DeliveryMethod.HOME,
            status__in=[DeliveryStatus.REQUESTED, DeliveryStatus.FAILED],
            window_start__gte=midnight,
            window_start__lt=midnight + timedelta(days=1),
        )
        .order_by("window_start", "pk")
    )
    unserved: list[tuple[DeliveryOrder, str]] = []
    orders = []
    for order in pending:
        active = order.building is not None and order.building.status == BuildingStatus.ACTIVE
        if not active or not order.building.postcode:
            unserved.append((order, "no_delivery_point"))
        elif not shifts:
            unserved.append((order, "no_courier_shift"))
        else:
            orders.append(order)
    report(1, 4, f"travel times between {len(orders) + 1} places")
    matrix = (
        _durations(travel_matrix(points=[office.geom, *(o.building.entrance for o in orders)]))
        if orders
        else np.zeros((1, 1), dtype=np.int64)
    )
    vehicles = [
        Vehicle(
            capacity=s.courier.capacity,
            start_s=_seconds(s.starts_at, midnight),
            end_s=_seconds(s.ends_at, midnight),
        )
        for s in shifts
    ]
    keep = []
    for i, order in enumerate(orders):
        out_s, back_s = int(matrix[0][i + 1]), int(matrix[i + 1][0])
        if out_s >= NO_WAY_S or back_s >= NO_WAY_S:
            unserved.append((order, "unreachable"))
        elif not _fits_a_shift(_stop(order, midnight), out_s, back_s, vehicles):
            unserved.append((order, "outside_shifts"))
        else:
            keep.append(i)
    orders = [orders[i] for i in keep]
    index = [0, *(i + 1 for i in keep)]
    durations = matrix[np.ix_(index, index)]
    stops = [_stop(o, midnight) for o in orders]
    solver = round_solver()
    report(2, 4, f"{solver.name}: {len(orders)} orders, {len(vehicles)} couriers")
    solution = solver.solve(
        problem=Problem(
            durations=durations,
            stops=tuple(stops),
            vehicles=tuple(vehicles),
            seconds=plan_seconds(len(orders)),
        )
    )
    unserved += [(orders[i], "fleet_full") for i in solution.unserved]
    report(3, 4, "writing the rounds")
    plan = DeliveryPlan.objects.create(
        office=office,
        day=day,
        created_by=user,
        solver=solver.name,
        seconds=0,
        unserved=[
            {"order": o.pk, "code": code, "message": UNSERVED_MESSAGES[code]}
            for o, code in unserved
        ],
    )
    for shift, route in zip(shifts, solution.routes, strict=True):
        if not route:
            continue
        round_ = Round(
            plan=plan,
            office=office,
            courier=shift.courier,
            shift=shift,
            day=day,
            starts_at=shift.starts_at,
            ends_at=shift.starts_at,
        )
        _round_fill(
            round_=round_,
            office=office,
            orders=orders,
            durations=durations,
            stops=stops,
            route=list(route),
            midnight=midnight,
        )
        delivery_status_set_many(orders=[orders[i] for i in route], status=DeliveryStatus.SCHEDULED)
    plan.seconds = round(clock.monotonic() - began, 3)
    plan.save(update_fields=["seconds", "updated_at"])
    report(4, 4, "planned")
    return plan


def _round_resequence(*, round_: Round, orders: list[DeliveryOrder]) -> None:
    """Order ``orders`` as the whole of ``round_`` (all of them, in the best sequence for the
    courier's shift), then rewrite its stops."""
    midnight = _midnight(round_.day)
    office = round_.office
    matrix = (
        _durations(travel_matrix(points=[office.geom, *(o.building.entrance for o in orders)]))
        if orders
        else np.zeros((1, 1), dtype=np.int64)
    )
    stops = [_stop(o, midnight) for o in orders]
    vehicle = Vehicle(
        capacity=max(round_.courier.capacity, len(orders)),
        start_s=_seconds(round_.shift.starts_at, midnight),
        end_s=_seconds(round_.shift.ends_at, midnight),
    )
    solution = round_solver().solve(
        problem=Problem(
            durations=matrix,
            stops=tuple(stops),
            vehicles=(vehicle,),
            seconds=plan_seconds(len(orders)),
            required=True,
        )
    )
    _round_fill(
        round_=round_,
        office=office,
        orders=orders,
        durations=matrix,
        stops=stops,
        route=list(solution.routes[0]),
        midnight=midnight,
    )


@transaction.atomic
def round_stop_move(*, order: DeliveryOrder, target: Round, version: int | None = None) -> Round:
    """Move ``order`` (planned in another round, or left unserved by the plan) into
    ``target``; both rounds are re-ordered. Refused when either round is under way, when
    ``target`` is full, or when ``version`` is not the target's current version (another
    dispatcher changed it). Lateness against the citizen's window is shown on the stops, not
    refused: the dispatcher decides."""
    target = Round.objects.select_for_update().select_related("courier", "shift").get(pk=target.pk)
    order = (
        DeliveryOrder.objects.select_for_update(of=("self",))
        .select_related("building")
        .get(pk=order.pk)
    )
    if version is not None and version != target.version:
        raise Conflict(
            "Another dispatcher changed this round: reload the board and try again.",
            code="round_stale",
        )
    if target.status != RoundStatus.PLANNED:
        raise Conflict(
            "This round is under way: its stops can no longer change.", code="round_started"
        )
    if order.office_id != target.office_id or order.method != DeliveryMethod.HOME:
        raise InvalidInput(
            "Only this office's home deliveries go into its rounds.", code="wrong_office"
        )
    current = RoundStop.objects.select_related("round").filter(
        order=order, round__status=RoundStatus.PLANNED
    )
    source = current.first().round if current.exists() else None
    if source is not None and source.pk == target.pk:
        return target
    if source is None and order.status not in (DeliveryStatus.REQUESTED, DeliveryStatus.FAILED):
        raise Conflict(
            f"A delivery that is {order.status} cannot move to another round.",
            code="order_not_movable",
        )
    midnight = _midnight(target.day)
    if not midnight <= order.window_start < midnight + timedelta(days=1):
        raise InvalidInput("The order's window is on another day than the round.", code="wrong_day")
    members = list(
        DeliveryOrder.objects.select_related("building").filter(stops__round=target).order_by("pk")
    )
    if len(members) >= target.courier.capacity:
        raise Conflict(
            f"The round is full: the courier carries {target.courier.capacity} documents.",
            code="round_full",
        )
    if source is not None:
        source = Round.objects.select_for_update().get(pk=source.pk)
        rest = list(
            DeliveryOrder.objects.select_related("building")
            .filter(stops__round=source)
            .exclude(pk=order.pk)
            .order_by("pk")
        )
        _round_resequence(round_=source, orders=rest)
        Round.objects.filter(pk=source.pk).update(version=source.version + 1)
    else:
        delivery_status_set(order=order, status=DeliveryStatus.SCHEDULED, note="moved by hand")
        plan = target.plan
        plan.unserved = [u for u in plan.unserved if u["order"] != order.pk]
        plan.save(update_fields=["unserved", "updated_at"])
    _round_resequence(round_=target, orders=[*members, order])
    target.version += 1
    target.save(update_fields=["version", "updated_at"])
    return target


def _courier_round(round_: Round, user: AbstractBaseUser) -> Round:
    locked = Round.objects.select_for_update().select_related("courier").get(pk=round_.pk)
    if locked.courier.user_id != user.pk:
        raise PermissionDenied("This is another courier's round.", code="not_your_round")
    return locked


@transaction.atomic
def round_start(*, round_: Round, user: AbstractBaseUser) -> Round:
    """The courier leaves the office: every stop's order is out for delivery, and its
    citizen sees how many stops come first. Starting a started round changes nothing."""
    locked = _courier_round(round_, user)
    if locked.status == RoundStatus.STARTED:
        return locked
    if locked.status != RoundStatus.PLANNED:
        raise Conflict("This round is finished.", code="round_finished")
    stops = list(locked.stops.select_related("order").order_by("sequence"))
    delivery_status_set_many(
        orders=[stop.order for stop in stops], status=DeliveryStatus.OUT_FOR_DELIVERY
    )
    for stop in stops:
        DeliveryOrder.objects.filter(pk=stop.order_id).update(
            courier_position=locked.office.geom,
            courier_position_at=timezone.now(),
            stops_before=stop.sequence - 1,
        )
    locked.status = RoundStatus.STARTED
    locked.version += 1
    locked.save(update_fields=["status", "version", "updated_at"])
    return locked


def round_position_report(
    *, round_: Round, user: AbstractBaseUser, position: Point, at: datetime | None = None
) -> int:
    """Where the courier of ``round_`` is (EPSG:4326): shown to every citizen still waiting on
    the round, with the number of stops before theirs. Returns how many orders were told."""
    if round_.courier.user_id != user.pk:
        raise PermissionDenied("This is another courier's round.", code="not_your_round")
    if round_.status != RoundStatus.STARTED:
        raise Conflict("Only a round under way reports its position.", code="round_not_started")
    if not (-180 <= position.x <= 180 and -90 <= position.y <= 90):
        raise InvalidInput("Longitude runs from -180 to 180 and latitude from -90 to 90.")
    return _waiting_update(round_=round_, position=position, at=at or timezone.now())


def _waiting_update(*, round_: Round, position: Point | None, at: datetime) -> int:
    waiting = list(
        round_.stops.filter(
            proof__isnull=True, order__status=DeliveryStatus.OUT_FOR_DELIVERY
        ).order_by("sequence")
    )
    for ahead, stop in enumerate(waiting):
        fields = {"stops_before": ahead}
        if position is not None:
            fields |= {"courier_position": position, "courier_position_at": at}
        DeliveryOrder.objects.filter(pk=stop.order_id).update(**fields)
    return len(waiting)


def round_after_proof(*, round_: Round, position: Point | None, at: datetime) -> None:
    """After a stop's proof: the citizens still waiting see one stop fewer; the round is
    finished when every stop has its proof."""
    _waiting_update(round_=round_, position=position, at=at)
    if not round_.stops.filter(proof__isnull=True).exists():
        Round.objects.filter(pk=round_.pk).update(
            status=RoundStatus.FINISHED, updated_at=timezone.now()
        )
