"""The delivery demo: offices, couriers with today's shifts and today's synthetic orders,
ready for the dispatcher's board, and the same on a second run."""

from django.utils import timezone

from addressing.demo import demo_city_generate
from core.services import demo_users_ensure
from delivery.demo import DEMO_COURIERS, DEMO_DAY_ORDERS, demo_delivery_load, demo_rounds_load
from delivery.models import Courier, CourierShift, DeliveryOrder, DeliveryPlan
from delivery.services import round_plan
from routing.engines import router_forget
from routing.services import routing_graph_build
from tests.factories import town_create

SMALL = {"municipalities": ("ramallah",), "spacing_m": 400.0, "building_every_m": 60.0}


def test_the_demo_gives_couriers_shifts_and_orders_to_plan_and_a_rerun_changes_nothing(db):
    town_create()
    demo_city_generate(**SMALL)
    demo_users_ensure()
    demo_delivery_load()
    couriers, orders = demo_rounds_load()
    assert (couriers, orders) == (len(DEMO_COURIERS), DEMO_DAY_ORDERS)
    assert Courier.objects.filter(is_synthetic=True).count() == len(DEMO_COURIERS)
    assert Courier.objects.filter(user__username="demo-courier").exists()
    today = timezone.localdate()
    assert CourierShift.objects.filter(starts_at__date=today).count() == len(DEMO_COURIERS)
    made = sorted(
        DeliveryOrder.objects.values_list("document__reference", "building", "window_start")
    )
    assert len(made) == DEMO_DAY_ORDERS
    assert not DeliveryOrder.objects.filter(is_synthetic=False).exists()
    demo_rounds_load()
    assert (
        sorted(DeliveryOrder.objects.values_list("document__reference", "building", "window_start"))
        == made
    )
    assert CourierShift.objects.count() == len(DEMO_COURIERS)

    routing_graph_build()
    router_forget()
    office = Courier.objects.first().office
    plan = round_plan(office=office, day=today)
    assert DeliveryPlan.objects.get() == plan
    served = sum(r.stops.count() for r in plan.rounds.all())
    assert served + len(plan.unserved) == DEMO_DAY_ORDERS
    assert served > 0
