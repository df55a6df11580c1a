import pytest
from django.contrib.gis.geos import LineString

from addressing.services import street_create
from routing.engines import router_forget
from routing.services import routing_graph_build
from tests.factories import town_create

# A grid of streets 0.002° apart (about 190 m east-west, 220 m north-south) at Ramallah.
WEST, SOUTH, STEP, LINES = 35.195, 31.898, 0.002, 5


@pytest.fixture
def grid_town(db):
    """Five east-west and five north-south streets crossing each other (25 crossings), one
    of them (row 2) a one-way street drawn west to east, then the graph built."""
    town = town_create()
    east, north = WEST + STEP * (LINES - 1), SOUTH + STEP * (LINES - 1)
    for i in range(LINES):
        y = SOUTH + STEP * i
        street_create(
            municipality=town,
            code=f"ROW-{i}",
            name_ar=f"شارع الصف {i}",
            name_en=f"Row {i} Street",
            geom=LineString((WEST, y), (east, y), srid=4326),
            oneway="forward" if i == 2 else "no",
            street_type="road" if i == 0 else "street",
        )
        x = WEST + STEP * i
        street_create(
            municipality=town,
            code=f"COL-{i}",
            name_ar=f"شارع العمود {i}",
            name_en=f"Column {i} Street",
            geom=LineString((x, SOUTH), (x, north), srid=4326),
        )
    routing_graph_build()
    return town


@pytest.fixture(autouse=True)
def fresh_router():
    """Each test's graph is its own: the engine (one per process) forgets the last one."""
    router_forget()
    yield
    router_forget()
