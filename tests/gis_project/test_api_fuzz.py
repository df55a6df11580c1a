"""API fuzzing: schemathesis generates requests from the platform's own OpenAPI document (every
operation, valid and invalid parameters and bodies) and sends them, as an administrator who may
do everything, to the platform in this process. No request may cause a server error.

The examples are drawn with a fixed seed (tests/conftest.py), so a failure repeats; each
operation gets FUZZ_EXAMPLES of them. Everything runs inside the test's transaction: the
writes the fuzzer manages to make are rolled back, and jobs are never sent (they are queued
only when a transaction commits)."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token

from core.roles import Role
from tests.factories import UserFactory, demo_street_city

FUZZ_EXAMPLES = 8


# The OpenAPI document, served by the platform itself (no database is needed for it), bound
# to the platform in this process: each operation becomes a test of its own.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@pytest.fixture
def connection_kept(db):
    """As in Django's test client, requests do not close the database connection when they
    start or finish: it holds the test's transaction."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def admin_token(db) -> str:
    administrator = UserFactory(role=Role.ADMINISTRATOR)
    demo_street_city(user=administrator)  # streets, buildings, postcodes to find
    return Token.objects.create(user=administrator).key


@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_request_causes_a_server_error(case, admin_token, connection_kept):
    response = case.call(headers={"Authorization": f"Token {admin_token}"})
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} -> {response.status_code}\n"
        f"query={case.query} body={str(case.body)[:500]}\n{response.text[:1500]}"
    )
