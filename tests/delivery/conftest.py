import pytest

from core.roles import Role
from tests.factories import UserFactory, demo_street_city
from tests.public_map.conftest import browser  # noqa: F401 - the headless Chromium fixture


@pytest.fixture
def city(db):
    return demo_street_city(user=UserFactory(role=Role.CADASTRE_OFFICER))
