"""Faults the platform must survive without manual repair: the database connection dying in
the middle of a request (a restart, a failover). The request is answered 503 with a message,
its transaction leaves nothing half-written, and the next request works."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request

import pytest
from django.db import connection, transaction
from rest_framework.authtoken.models import Token

from core.models import ChangeRecord
from core.roles import Role
from layers.models import Feature
from tests.factories import UserFactory, layer_with_points

pytestmark = pytest.mark.django_db(transaction=True)


def _patch(url: str, token: str, version: int, lamp: str) -> tuple[int, dict]:
    body = json.dumps({"type": "Feature", "properties": {"lamp": lamp}}).encode()
    request = urllib.request.Request(  # noqa: S310 (the live server on loopback)
        url,
        data=body,
        method="PATCH",
        headers={
            "Authorization": f"Token {token}",
            "Content-Type": "application/geo+json",
            "If-Match": f'"{version}"',
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _waiting_backend(timeout: float = 20) -> int:
    """The server connection that waits for the row this test holds."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # Inside a transaction the activity view is a snapshot: take a fresh one each time.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
            )
            row = cursor.fetchone()

            if row:
                return row[0]
            time.sleep(0.05)
    pytest.fail("the edit never reached the database")


def test_a_connection_killed_mid_edit_answers_503_saves_nothing_and_the_next_edit_works(
    live_server,
):
    planner = UserFactory(role=Role.PLANNER)
    token = Token.objects.create(user=planner).key
    layer = layer_with_points(points=[(35.2, 31.905)], user=planner)
    feature = layer.features.get()
    url = f"{live_server.url}/ogcapi/collections/{layer.slug}/items/{feature.pk}"
    records = ChangeRecord.objects.count()
    answer: dict = {}

    with transaction.atomic():
        # Hold the feature's row: the edit waits inside its own transaction, mid-request.
        Feature.objects.select_for_update().get(pk=feature.pk)
        edit = threading.Thread(
            target=lambda: answer.update(result=_patch(url, token, feature.version, "sodium"))
        )
        edit.start()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [_waiting_backend()])
    edit.join(timeout=60)

    status, body = answer["result"]
    assert status == 503
    assert body["error"]["code"] == "database_unavailable"
    assert body["error"]["message"]
    feature.refresh_from_db()
    assert feature.version == 1  # nothing half-written
    assert ChangeRecord.objects.count() == records
    # No repair: the next request opens a new connection and the edit goes through.
    status, body = _patch(url, token, feature.version, "sodium")
    assert status == 200, body
    feature.refresh_from_db()
    assert (feature.version, feature.properties["lamp"]) == (2, "sodium")
