import pytest

from core.roles import Role
from tests.factories import UserFactory, demo_street_city
from tests.public_map.conftest import browser  # noqa: F401 - the headless Chromium fixture


@pytest.fixture
def city(db):
    return demo_street_city(user=UserFactory(role=Role.CADASTRE_OFFICER))


@pytest.fixture
def grid(db):
    """(office, buildings) of a grid town with its routing graph (tests.factories)."""
    from routing.engines import router_forget
    from tests.factories import delivery_grid_city

    router_forget()
    yield delivery_grid_city()
    router_forget()


@pytest.fixture
def tomorrow():
    from datetime import timedelta

    from django.utils import timezone

    return timezone.localdate() + timedelta(days=1)


@pytest.fixture
def delivered(grid, tomorrow):
    """A courier's round of three stops under way, recorded through the courier's service: the
    first order delivered (with its proof), the second not delivered (no one at home), the
    third still out for delivery."""
    import uuid
    from types import SimpleNamespace

    from django.utils import timezone

    from delivery.models import Round
    from delivery.services import proof_record, round_plan, round_start
    from tests.factories import courier_make, home_order_make

    office, buildings = grid
    courier = courier_make(office=office, username="rated-courier")
    for i in range(3):
        home_order_make(building=buildings[i * 5], office=office, day=tomorrow)
    round_plan(office=office, day=tomorrow)
    started = round_start(round_=Round.objects.get(courier=courier), user=courier.user)
    stops = list(started.stops.select_related("order").order_by("sequence"))
    record = {"user": courier.user, "recorded_at": timezone.now()}
    proof_record(
        **record,
        order_id=stops[0].order_id,
        client_id=str(uuid.uuid4()),
        outcome="delivered",
        recipient_name="Recipient at the door",
    )
    proof_record(
        **record,
        order_id=stops[1].order_id,
        client_id=str(uuid.uuid4()),
        outcome="failed",
        failure_reason="not_home",
    )
    for stop in stops:
        stop.order.refresh_from_db()
    return SimpleNamespace(
        office=office,
        courier=courier,
        round=started,
        delivered=stops[0].order,
        failed=stops[1].order,
        out=stops[2].order,
    )
