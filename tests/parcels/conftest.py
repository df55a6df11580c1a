import pytest
from django.db import connection

from core.roles import Role
from tests.factories import UserFactory, locality_create, parcels_grid, town_create


@pytest.fixture
def officer(db):
    return UserFactory(role=Role.CADASTRE_OFFICER)


@pytest.fixture
def town(db):
    return town_create()


@pytest.fixture
def locality(town):
    return locality_create(town=town)


@pytest.fixture
def pair(locality, town, officer):
    """Parcels Ramallah 1/1 and 1/2: two adjacent squares of about 420 m², west and east."""
    return parcels_grid(locality=locality, town=town, user=officer, cols=2)


@pytest.fixture
def register_checksum(db):
    """A function returning a digest of every row of the register's tables: equal before and
    after a refused change when the refusal left the register unchanged."""

    def checksum() -> str:
        tables = [
            "parcels_parcel",
            "parcels_parcellineage",
            "parcels_right",
            "parcels_party",
            "parcels_parceltransaction",
        ]
        with connection.cursor() as cursor:
            cursor.execute(
                " UNION ALL ".join(
                    f"SELECT '{t}', coalesce(md5(string_agg(t::text, '|' ORDER BY t.id)), '') "  # noqa: S608
                    f"FROM {t} t"
                    for t in tables
                )
            )
            return str(cursor.fetchall())

    return checksum
