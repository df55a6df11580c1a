"""A small register (a street with three numbered buildings in postal zone P600, two parcels)
and exchange clients with their tokens, for the exchange services' tests."""

from __future__ import annotations

import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.contrib.gis.geos import Polygon
from django.db import connection

from addressing.services import building_numbering_apply, postal_zone_create, postcodes_assign
from core.backups import table_fingerprints
from exchange.models import Service
from exchange.services import client_create, token_issue
from tests.factories import (
    TOWN_BOX,
    UserFactory,
    buildings_beside,
    locality_create,
    parcels_grid,
    street_along,
    town_create,
)

LOG_TABLE = "exchange_exchangerequestlog"


def register_make() -> SimpleNamespace:
    town = town_create()
    zone = postal_zone_create(
        code="600",
        governorate=town.governorate,
        municipality=town,
        geom=Polygon.from_bbox(TOWN_BOX),
    )
    irsal = street_along(
        town=town, code="RAM-0001", name_ar="شارع الإرسال", name_en="Al-Irsal Street"
    )
    buildings_beside(street=irsal, fractions_left=(0.2, 0.6), fractions_right=(0.4,))
    building_numbering_apply(street=irsal)
    postcodes_assign(zone=zone)
    locality = locality_create(town=town)
    parcels = parcels_grid(locality=locality, town=town, user=UserFactory())
    buildings = list(irsal.buildings.order_by("number"))
    return SimpleNamespace(town=town, zone=zone, street=irsal, buildings=buildings, parcels=parcels)


def client_make(
    *, services=tuple(Service.values), rate: int = 600, valid_days: int = 30, certificate: str = ""
) -> SimpleNamespace:
    """A client with a unique identifier (rate counters in the shared cache are keyed by it,
    so two test runs side by side never count each other's calls) and its token."""
    client = client_create(
        identifier=f"PS/GOV/TEST{uuid.uuid4().hex[:10]}/registry",
        name="Ministry of Local Government (test)",
        services=list(services),
        rate_limit_per_minute=rate,
        certificate_sha256=certificate,
    )
    issued = token_issue(client=client, valid_days=valid_days)
    return SimpleNamespace(client=client, token=issued.token, secret=issued.secret)


def token_expire(token) -> None:
    token.expires_at = token.created_at - timedelta(seconds=1)
    token.save(update_fields=["expires_at"])


def fingerprints_without_log() -> dict[str, str]:
    with connection.cursor() as cursor:
        found = table_fingerprints(cursor=cursor)
    return {table: value for table, value in found.items() if table != LOG_TABLE}


@pytest.fixture
def register(db) -> SimpleNamespace:
    return register_make()


@pytest.fixture
def live_register(transactional_db) -> SimpleNamespace:
    """The register committed, for a server running in another thread to read."""
    return register_make()
