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
