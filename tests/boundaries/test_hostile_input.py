"""The hostile-input corpus (tests/hostile.py) against the boundaries endpoints: the public
collections, which take no input but the response format, and the administrators' reload,
which takes none at all (no client names a folder, a file or a CRS for it to read)."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from core.roles import Role
from tests.factories import UserFactory, town_create
from tests.hostile import (
    CRS,
    HOSTILE_UPLOADS,
    file_bytes,
    filter_cases,
    hostile_endpoint,
    inert_judge,
    raw_bodies,
    text_cases,
)

COVERED = {
    "boundaries:municipalities",
    "boundaries:governorates",
    "boundaries:reload",
}

RELOAD = "/api/v1/boundaries/reference-data/reload/"
COLLECTIONS = {
    "municipalities": "/api/v1/boundaries/municipalities/",
    "governorates": "/api/v1/boundaries/governorates/",
}


def _bodies() -> dict[str, bytes]:
    """Every raw body but the empty one: an empty body is how a reload is asked for, so it
    is the one body the endpoint must take (test_api covers that it does)."""
    return {name: body for name, body in raw_bodies().items() if name != "empty_body"}


def _parameters() -> dict[str, dict]:
    """What a client might try to steer the reload with: a folder, a file, a CRS (each CRS of
    the corpus), a job's parameters."""
    return {
        "source_dir_absolute": {"source_dir": "/etc"},
        "source_dir_traversal": {"source_dir": "../../../../etc"},
        "source_dir_url": {"source_dir": "http://203.0.113.7/reference/"},
        "params": {"params": {"source_dir": "/tmp"}},
        **{f"crs_{name}": {"crs": value} for name, value in CRS.items()},
        **{f"name_{name}": {"name": value} for name, value in filter_cases().items()},
    }


@pytest.fixture
def administrator_client(db) -> APIClient:
    client = APIClient()
    client.force_authenticate(UserFactory(role=Role.ADMINISTRATOR))
    return client


@pytest.mark.parametrize("collection", sorted(COLLECTIONS))
def test_hostile_collection_requests_are_refused_or_inert_and_change_nothing(
    client, db, collection
):
    town_create()
    url = COLLECTIONS[collection]
    with hostile_endpoint(f"GET {url}") as run:
        for name, value in filter_cases().items():
            # format picks the renderer: a value naming none is refused (404).
            run.send(f"format={name}", lambda v=value: client.get(url, {"format": v}))
            # Accept names the media type: one no renderer makes is refused (406).
            run.send(f"Accept={name}", lambda v=value: client.get(url, HTTP_ACCEPT=v))
        for name, value in {**filter_cases(), **text_cases()}.items():
            # The collections take no other parameter: a client's cache-busting "_=" or a
            # stray filter is ignored, not refused (refusing would break clients that add
            # them); ignored means the answer is the collection, never an echo of the value.
            for param in ("q", "bbox", "_"):
                run.send(
                    f"{param}={name}",
                    lambda p=param, v=value: client.get(url, {p: v}),
                    judge=inert_judge(value),
                )


def test_hostile_reload_requests_are_refused_and_change_nothing(administrator_client):
    def send(body, content_type="application/json", **extra):
        data = body if isinstance(body, bytes) else json.dumps(body)
        return administrator_client.post(RELOAD, data, content_type=content_type, **extra)

    with hostile_endpoint("POST /api/v1/boundaries/reference-data/reload/") as run:
        for name, body in _bodies().items():
            run.send(name, lambda b=body: send(b))
        for name, body in _parameters().items():
            run.send(f"body={name}", lambda b=body: send(b))
            for key, value in body.items():
                if isinstance(value, str):
                    run.send(
                        f"query={name}",
                        lambda k=key, v=value: administrator_client.post(
                            f"{RELOAD}?{_query(k, v)}"
                        ),
                    )
        run.send("text_plain", lambda: send(b"source_dir=/etc", content_type="text/plain"))
        for name, (path, sent) in HOSTILE_UPLOADS.items():
            run.send(
                f"upload={name}",
                lambda p=path, s=sent: administrator_client.post(
                    RELOAD, {"file": SimpleUploadedFile(s, file_bytes(p))}, format="multipart"
                ),
            )


def _query(key: str, value: str) -> str:
    from urllib.parse import urlencode

    return urlencode({key: value})


@pytest.mark.parametrize("role", [None, Role.PLANNER, Role.CADASTRE_OFFICER])
def test_reload_requests_of_others_are_refused_and_change_nothing(db, role):
    client = APIClient()
    if role is not None:
        client.force_authenticate(UserFactory(role=role))
    with hostile_endpoint(f"POST reload as {role or 'anonymous'}") as run:
        for name, body in raw_bodies().items():
            run.send(name, lambda b=body: client.post(RELOAD, b, content_type="application/json"))
        run.send(
            "source_dir",
            lambda: client.post(
                RELOAD, json.dumps({"source_dir": "/etc"}), content_type="application/json"
            ),
        )


@pytest.mark.parametrize("body", [None, b"", b"{}"])
def test_a_reload_without_parameters_is_still_accepted(administrator_client, body):
    if body is None:
        response = administrator_client.post(RELOAD)
    else:
        response = administrator_client.post(RELOAD, body, content_type="application/json")
    assert response.status_code == 202, response.content[:300]
