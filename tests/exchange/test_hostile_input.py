"""The hostile-input corpus (tests/hostile.py) against every exchange service, sent with a
valid token so that each case reaches the deepest check it can; hostile tokens and message ids
are sent too. Every case is refused with a 4xx and a message, and no table changes except the
request log, which records each refusal on purpose (one row per call is the point of it)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from rest_framework.test import APIClient

from exchange.api import _MESSAGE_ID as MESSAGE_ID
from exchange.models import ExchangeRequestLog
from tests.exchange.conftest import LOG_TABLE, client_make
from tests.hostile import filter_cases, hostile_endpoint, inert_judge, raw_bodies, text_cases

COVERED = {
    "exchange:address-validation",
    "exchange:postcode",
    "exchange:parcel",
    "exchange:parcel-at-point",
    "exchange:openapi",
}
# The log records refused calls too: that table changing is the behaviour under test.
LOGGED = frozenset({LOG_TABLE})


@pytest.fixture
def caller(register):
    return client_make()


@pytest.fixture
def http(caller) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {caller.secret}")
    return client


def test_hostile_address_validation_bodies_are_refused(http, caller):
    url = "/exchange/v1/address-validation"
    with hostile_endpoint("POST /exchange/v1/address-validation", ignore_tables=LOGGED) as run:
        for name, body in raw_bodies().items():
            run.send(name, lambda b=body: http.post(url, b, content_type="application/json"))
        for name, text in text_cases().items():
            run.send(
                f"address {name}", lambda t=text: http.post(url, {"address": t}, format="json")
            )
            run.send(
                f"components {name}",
                lambda t=text: http.post(url, {"components": {"street": t}}, format="json"),
            )
        shapes = {
            "both": {"address": "3 Al-Irsal", "components": {"street": "Al-Irsal"}},
            "neither": {},
            "unknown_field": {"address": "3 Al-Irsal", "owner": "x"},
            "address_number": {"address": 3},
            "address_list": {"address": ["3", "Al-Irsal"]},
            "components_text": {"components": "Al-Irsal"},
            "components_empty": {"components": {}},
            "components_unknown": {"components": {"national_id": "123"}},
            "components_nested": {"components": {"street": {"name": "x"}}},
            "blank": {"address": "   "},
        }
        for name, body in shapes.items():
            run.send(name, lambda b=body: http.post(url, b, format="json"))
        run.send(
            "form_encoded",
            lambda: http.post(url, "address=3", content_type="application/x-www-form-urlencoded"),
        )
    with hostile_endpoint(
        "POST /exchange/v1/address-validation (free text)", ignore_tables=LOGGED
    ) as run:
        # Injections are text someone might type: searched for, found nowhere, never run.
        for name, text in filter_cases().items():
            run.send(
                name,
                lambda t=text: http.post(url, {"address": t}, format="json"),
                judge=inert_judge(text),
            )
    assert ExchangeRequestLog.objects.filter(client=caller.client).exists()


def test_hostile_postcodes_are_refused(http):
    with hostile_endpoint("GET /exchange/v1/postcodes/{postcode}", ignore_tables=LOGGED) as run:
        for name, text in {**filter_cases(), **text_cases()}.items():
            run.send(name, lambda t=text: http.get(f"/exchange/v1/postcodes/{quote(t, safe='')}"))
        for name in ("P12", "P600000", "P6000000", "6001234", "P60012345", "PPPP"):
            run.send(name, lambda t=name: http.get(f"/exchange/v1/postcodes/{quote(t)}"))


def test_hostile_parcel_identifiers_and_points_are_refused(http):
    with hostile_endpoint("GET /exchange/v1/parcels/{identifier}", ignore_tables=LOGGED) as run:
        for name, text in {**filter_cases(), **text_cases()}.items():
            run.send(name, lambda t=text: http.get(f"/exchange/v1/parcels/{quote(t, safe='')}"))
        for name in ("Ramallah 99/99", "0/0", "Ramallah 1/99999999", "Nowhere 1/1"):
            run.send(name, lambda t=name: http.get(f"/exchange/v1/parcels/{quote(t)}"))
    with hostile_endpoint("GET /exchange/v1/parcels?lon=&lat=", ignore_tables=LOGGED) as run:
        points = {
            **{f"lon {k}": {"lon": v, "lat": "31.9"} for k, v in filter_cases().items()},
            "nan": {"lon": "nan", "lat": "nan"},
            "inf": {"lon": "inf", "lat": "31.9"},
            "huge": {"lon": "1e400", "lat": "31.9"},
            "out_of_range": {"lon": "200", "lat": "95"},
            "missing": {},
            "only_lon": {"lon": "35.2"},
            "nowhere": {"lon": "0", "lat": "0"},
        }
        for name, params in points.items():
            run.send(name, lambda p=params: http.get("/exchange/v1/parcels", p))


def test_hostile_tokens_certificates_and_message_ids_are_refused(caller, register, settings):
    postcode = "/exchange/v1/postcodes/P600"
    with hostile_endpoint(
        "exchange: Authorization, X-SSL-Client-Fingerprint, X-Road-Id", ignore_tables=LOGGED
    ) as run:
        client = APIClient()
        for name, text in {**filter_cases(), **text_cases()}.items():
            for header in (text, f"Bearer {text}"):
                run.send(
                    f"authorization {name}",
                    lambda h=header: client.get(postcode, HTTP_AUTHORIZATION=h),
                )
            # An id of plain printable characters is a valid id, echoed in a header only.
            run.send(
                f"x-road-id {name}",
                lambda t=text: client.get(
                    postcode, HTTP_AUTHORIZATION=f"Bearer {caller.secret}", HTTP_X_ROAD_ID=t
                ),
                judge=inert_judge(text),
            )
        settings.TRUSTED_PROXIES = 1
        for name, text in {**filter_cases(), **text_cases()}.items():
            run.send(
                f"certificate fingerprint {name}",
                lambda t=text: client.get(postcode, HTTP_X_SSL_CLIENT_FINGERPRINT=t),
            )
        run.send(
            "token of another scheme", lambda: client.get(postcode, HTTP_AUTHORIZATION="Basic eDp5")
        )
    # No refused value reaches the log: message ids are kept only when well formed.
    kept = ExchangeRequestLog.objects.exclude(message_id="").values_list("message_id", flat=True)
    assert all(MESSAGE_ID.fullmatch(value) for value in kept)


def test_the_openapi_document_ignores_hostile_parameters(db):
    client = APIClient()
    with hostile_endpoint("GET /exchange/v1/openapi.json", ignore_tables=LOGGED) as run:
        for name, text in filter_cases().items():
            run.send(
                name,
                lambda t=text: client.get("/exchange/v1/openapi.json", {"format": t, "lang": t}),
                judge=inert_judge(text),
            )
