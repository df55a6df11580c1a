"""Faults the platform must survive without manual repair: the database connection dying in
the middle of a request (a restart, a failover), the disk filling up during an upload. The
request is answered with a status and a message (503, 507), nothing is left half-written, and
the next request works."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

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


@pytest.fixture
def full_disk(tmp_path, settings):
    """MEDIA_ROOT on a real file system of 256 KB (tmpfs; mounting needs root, which the test
    machines and CI have), a little of it already used."""
    mount = tmp_path / "media"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.fail("mounting a small file system needs root (the CI and test machines run so)")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], check=True)
    try:
        settings.MEDIA_ROOT = str(mount)
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_a_full_disk_during_uploads_answers_507_and_leaves_no_file_and_no_job(full_disk):
    from jobs.models import Job
    from parcels.models import SourceDocument

    planner = UserFactory(role=Role.PLANNER)
    officer = UserFactory(role=Role.CADASTRE_OFFICER)
    big = b"%PDF-1.4\n" + os.urandom(600 * 1024)  # more than the disk holds
    layers = APIClient()
    layers.force_authenticate(planner)
    csv = "name,lon,lat\n" + "lamp,35.2,31.9\n" * 40_000  # about 600 KB
    answer = layers.post(
        "/api/v1/layers/imports/",
        {
            "file": SimpleUploadedFile("lamps.csv", csv.encode(), "text/csv"),
            "new_slug": "lamps",
            "new_title_en": "Lamps",
        },
        format="multipart",
    )
    assert answer.status_code == 507, answer.content[:300]
    assert answer.json()["error"]["code"] == "storage_full"
    cadastre = APIClient(HTTP_ACCEPT_LANGUAGE="en")  # the message is checked in English
    cadastre.force_authenticate(officer)
    document = cadastre.post(
        "/api/v1/parcels/documents",
        {"file": SimpleUploadedFile("deed.pdf", big, "application/pdf"), "kind": "deed",
         "reference": "D-FULL"},
        format="multipart",
    )  # fmt: skip
    assert document.status_code == 507, document.content[:300]
    assert "storage is full" in document.json()["error"]["message"]
    # Nothing half-written: no file on the full disk, no job, no document record.
    assert _files(full_disk) == []
    assert not Job.objects.exists()
    assert not SourceDocument.objects.exists()
    # Room again (the administrator cleared the disk): the same upload is taken.
    small = cadastre.post(
        "/api/v1/parcels/documents",
        {"file": SimpleUploadedFile("deed.pdf", b"%PDF-1.4\nsmall deed", "application/pdf"),
         "kind": "deed", "reference": "D-SMALL"},
        format="multipart",
    )  # fmt: skip
    assert small.status_code == 201, small.content[:300]
    assert len(_files(full_disk)) == 1
