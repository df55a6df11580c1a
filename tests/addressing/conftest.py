import pytest

from addressing.services import postal_zone_create
from tests.factories import TOWN_BOX, street_along, town_create


@pytest.fixture
def town(db):
    return town_create()


@pytest.fixture
def zone(town):
    from django.contrib.gis.geos import Polygon

    return postal_zone_create(
        code="600",
        governorate=town.governorate,
        municipality=town,
        geom=Polygon.from_bbox(TOWN_BOX),
    )


@pytest.fixture
def irsal(town):
    """Al-Irsal Street, 470 m long, drawn west to east."""
    return street_along(
        town=town, code="RAM-0001", name_ar="شارع الإرسال", name_en="Al-Irsal Street"
    )
