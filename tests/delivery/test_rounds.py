"""Round planning: couriers, shifts and capacities, windows, unserved orders with reasons,
re-planning and the dispatcher's moves."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from core.errors import Conflict, InvalidInput
from delivery.models import DeliveryOrder, DeliveryStatus, Round, RoundStatus, RoundStop
from delivery.services import courier_shift_create, round_plan, round_start, round_stop_move
from tests.factories import courier_make, home_order_make


def _orders(grid, count, day, *, window=(9, 12), every=1):
    office, buildings = grid
    return [
        home_order_make(building=buildings[(i * every) % len(buildings)], office=office, day=day,
                        window=window)
        for i in range(count)
    ]  # fmt: skip


def _unserved(plan):
    return {u["order"]: u["code"] for u in plan.unserved}


def test_a_plan_serves_every_order_within_capacity_shift_and_windows(grid, tomorrow):
    office, _ = grid
    couriers = [courier_make(office=office, username=f"c{i}", capacity=12) for i in range(2)]
    orders = _orders(grid, 10, tomorrow, window=(9, 12)) + _orders(
        grid, 10, tomorrow, window=(12, 15), every=3
    )
    plan = round_plan(office=office, day=tomorrow)
    assert plan.unserved == []
    rounds = list(Round.objects.filter(plan=plan))
    assert {r.courier for r in rounds} <= set(couriers)
    stops = RoundStop.objects.filter(round__plan=plan).select_related("order")
    assert sorted(s.order_id for s in stops) == sorted(o.pk for o in orders)  # each exactly once
    for round_ in rounds:
        mine = list(round_.stops.order_by("sequence"))
        assert len(mine) <= round_.courier.capacity
        assert [s.sequence for s in mine] == list(range(1, len(mine) + 1))
        assert round_.shift.starts_at <= round_.starts_at
        assert round_.ends_at <= round_.shift.ends_at
        arrivals = [s.arrival_at for s in mine]
        assert arrivals == sorted(arrivals)
        assert round_.geom is not None
        assert round_.distance_m > 0
        assert abs(sum(s.leg_distance_m for s in mine) - round_.distance_m) < round_.distance_m
    for stop in stops:
        assert stop.late_s == 0
        assert stop.order.window_start <= stop.arrival_at <= stop.order.window_end
        assert stop.order.status == DeliveryStatus.SCHEDULED


def test_orders_beyond_the_fleets_capacity_are_reported_unserved_with_the_reason(grid, tomorrow):
    office, _ = grid
    courier_make(office=office, username="small", capacity=5)
    orders = _orders(grid, 8, tomorrow)
    plan = round_plan(office=office, day=tomorrow)
    reasons = _unserved(plan)
    assert len(reasons) == 3
    assert set(reasons.values()) == {"fleet_full"}
    assert RoundStop.objects.filter(round__plan=plan).count() == 5
    waiting = DeliveryOrder.objects.filter(pk__in=reasons)
    assert {o.status for o in waiting} == {DeliveryStatus.REQUESTED}
    assert len(orders) == 8
    assert "capacity" in plan.unserved[0]["message"]


def test_without_a_courier_shift_every_order_is_unserved_and_nothing_is_planned(grid, tomorrow):
    office, _ = grid
    courier_make(office=office, username="off", day=False)
    orders = _orders(grid, 3, tomorrow)
    plan = round_plan(office=office, day=tomorrow)
    assert _unserved(plan) == {o.pk: "no_courier_shift" for o in orders}
    assert not Round.objects.exists()


def test_an_order_whose_window_no_shift_reaches_is_unserved(grid, tomorrow):
    office, _ = grid
    courier_make(office=office, username="morning", hours=(8, 11))
    late, early = _orders(grid, 1, tomorrow, window=(12, 15))[0], _orders(grid, 1, tomorrow)[0]
    plan = round_plan(office=office, day=tomorrow)
    assert _unserved(plan) == {late.pk: "outside_shifts"}
    assert RoundStop.objects.get(round__plan=plan).order == early


def test_an_address_the_street_network_cannot_reach_is_unserved(grid, tomorrow):
    from django.contrib.gis.geos import LineString

    from addressing.services import building_numbering_apply, postcodes_assign, street_create
    from boundaries.models import Municipality
    from delivery.models import DeliveryOffice
    from routing.engines import router_forget
    from routing.services import routing_graph_build
    from tests.factories import buildings_beside

    office, buildings = grid
    island = street_create(
        municipality=Municipality.objects.get(),
        code="RAM-0900",
        name_ar="شارع معزول",
        name_en="Island Street",
        geom=LineString((35.195, 31.912), (35.197, 31.912), srid=4326),
    )
    lonely = buildings_beside(street=island, fractions_left=[0.5])[0]
    building_numbering_apply(street=island)
    postcodes_assign(zone=buildings[0].zone)
    lonely.refresh_from_db()
    routing_graph_build()
    router_forget()
    courier_make(office=office, username="c")
    order = home_order_make(building=lonely, office=DeliveryOffice.objects.get(), day=tomorrow)
    plan = round_plan(office=office, day=tomorrow)
    assert _unserved(plan) == {order.pk: "unreachable"}


def test_replanning_keeps_rounds_under_way_and_plans_the_rest_again(grid, tomorrow):
    office, _ = grid
    first = courier_make(office=office, username="first", capacity=4)
    second = courier_make(office=office, username="second", capacity=4)
    _orders(grid, 8, tomorrow)
    plan = round_plan(office=office, day=tomorrow)
    started = Round.objects.get(plan=plan, courier=first)
    round_start(round_=started, user=first.user)
    kept = set(started.stops.values_list("order", flat=True))
    second.capacity = 6
    second.save()
    extra = _orders(grid, 2, tomorrow, window=(12, 15), every=5)
    again = round_plan(office=office, day=tomorrow)
    assert set(Round.objects.get(pk=started.pk).stops.values_list("order", flat=True)) == kept
    replanned = RoundStop.objects.filter(round__plan=again).values_list("order", flat=True)
    assert {o.pk for o in extra} <= set(replanned)
    assert not kept & set(replanned)
    # every order of the day is in exactly one round
    assert RoundStop.objects.count() == len(set(RoundStop.objects.values_list("order", flat=True)))
    assert RoundStop.objects.count() == 10


def test_the_dispatcher_moves_an_order_and_both_rounds_are_reordered(grid, tomorrow):
    office, _ = grid
    courier_make(office=office, username="a", capacity=6)
    courier_make(office=office, username="b", capacity=6)
    _orders(grid, 8, tomorrow)
    plan = round_plan(office=office, day=tomorrow)
    source, target = sorted(Round.objects.filter(plan=plan), key=lambda r: -r.stops.count())
    moving = source.stops.order_by("sequence").first().order
    before = (source.stops.count(), target.stops.count())
    moved = round_stop_move(order=moving, target=target, version=target.version)
    assert moved.version == target.version + 1
    assert moving.pk in set(moved.stops.values_list("order", flat=True))
    assert (source.stops.count(), moved.stops.count()) == (before[0] - 1, before[1] + 1)
    assert list(moved.stops.order_by("sequence").values_list("sequence", flat=True)) == list(
        range(1, before[1] + 2)
    )
    assert Round.objects.get(pk=source.pk).version == source.version + 1


def test_a_move_into_a_stale_or_full_round_is_refused_and_changes_nothing(grid, tomorrow):
    office, _ = grid
    courier_make(office=office, username="a", capacity=3)
    courier_make(office=office, username="b", capacity=3)
    _orders(grid, 6, tomorrow)
    plan = round_plan(office=office, day=tomorrow)
    one, two = Round.objects.filter(plan=plan)
    moving = one.stops.first().order
    snapshot = sorted(RoundStop.objects.values_list("round", "order", "sequence"))
    with pytest.raises(Conflict) as stale:
        round_stop_move(order=moving, target=two, version=two.version - 1)
    assert stale.value.code == "round_stale"
    with pytest.raises(Conflict) as full:
        round_stop_move(order=moving, target=two, version=two.version)
    assert full.value.code == "round_full"
    assert sorted(RoundStop.objects.values_list("round", "order", "sequence")) == snapshot


def test_an_unserved_order_moved_by_hand_joins_the_round_and_leaves_the_unserved_list(
    grid, tomorrow
):
    office, _ = grid
    courier_make(office=office, username="a", capacity=2)
    _orders(grid, 3, tomorrow)
    plan = round_plan(office=office, day=tomorrow)
    (left_out,) = _unserved(plan)
    round_ = Round.objects.get(plan=plan)
    round_.courier.capacity = 3
    round_.courier.save()
    round_stop_move(order=DeliveryOrder.objects.get(pk=left_out), target=round_)
    plan.refresh_from_db()
    assert plan.unserved == []
    assert DeliveryOrder.objects.get(pk=left_out).status == DeliveryStatus.SCHEDULED
    assert round_.stops.count() == 3


def test_a_round_under_way_cannot_change(grid, tomorrow):
    office, _ = grid
    a = courier_make(office=office, username="a", capacity=4)
    courier_make(office=office, username="b", capacity=4)
    _orders(grid, 6, tomorrow)
    plan = round_plan(office=office, day=tomorrow)
    started = Round.objects.get(plan=plan, courier=a)
    round_start(round_=started, user=a.user)
    other = Round.objects.exclude(pk=started.pk).get()
    with pytest.raises(Conflict) as refused:
        round_stop_move(order=other.stops.first().order, target=started)
    assert refused.value.code == "round_started"
    assert Round.objects.get(pk=started.pk).status == RoundStatus.STARTED


def test_starting_a_round_sends_its_orders_out_with_the_stops_before_each(grid, tomorrow):
    office, _ = grid
    courier = courier_make(office=office, username="a")
    _orders(grid, 4, tomorrow)
    plan = round_plan(office=office, day=tomorrow)
    round_ = round_start(round_=Round.objects.get(plan=plan), user=courier.user)
    for stop in round_.stops.select_related("order"):
        assert stop.order.status == DeliveryStatus.OUT_FOR_DELIVERY
        assert stop.order.stops_before == stop.sequence - 1
    assert round_start(round_=round_, user=courier.user).status == RoundStatus.STARTED


def test_shifts_that_are_empty_too_long_or_overlapping_are_refused(grid, tomorrow):
    office, _ = grid
    courier = courier_make(office=office, username="a", day=tomorrow)
    tz = timezone.get_current_timezone()
    at = lambda h: datetime.combine(tomorrow, time(h), tz)  # noqa: E731
    cases = [(at(10), at(10), "shift_empty"), (at(9), at(8), "shift_empty")]
    for start, end, code in cases:
        with pytest.raises(InvalidInput) as refused:
            courier_shift_create(courier=courier, starts_at=start, ends_at=end)
        assert refused.value.code == code
    with pytest.raises(InvalidInput):
        courier_shift_create(courier=courier, starts_at=at(0), ends_at=at(0) + timedelta(hours=15))
    with pytest.raises(Conflict) as overlap:
        courier_shift_create(courier=courier, starts_at=at(14), ends_at=at(18))
    assert overlap.value.code == "shift_overlap"
    later = courier_shift_create(courier=courier, starts_at=at(15), ends_at=at(19))
    assert courier.shifts.count() == 2
    assert later.pk


def test_sixty_stops_for_one_courier_are_planned_in_one_round_on_time(grid, tomorrow):
    office, _ = grid
    courier_make(office=office, username="solo", capacity=60, hours=(7, 19))
    _orders(grid, 30, tomorrow, window=(8, 13)) + _orders(grid, 30, tomorrow, window=(12, 18))
    plan = round_plan(office=office, day=tomorrow)
    assert plan.unserved == []
    round_ = Round.objects.get(plan=plan)
    assert round_.stops.count() == 60
    assert not round_.stops.filter(late_s__gt=0).exists()
