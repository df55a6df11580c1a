"""The exchange services as another government body's system calls them: over real HTTP
(pytest-django's live server) with ``Authorization: Bearer <token>``, reading only what comes
back. Every call, refusals included, leaves one row in the request log and nothing else."""

from __future__ import annotations

import io
from types import SimpleNamespace
from urllib.parse import quote

import pytest
import requests
from django.core.management import call_command
from django.test import Client

from exchange.models import ExchangeClient, ExchangeRequestLog, ExchangeToken, Service
from exchange.services import token_hash, token_revoke
from tests.exchange.conftest import client_make, fingerprints_without_log, token_expire

pytestmark = pytest.mark.django_db(transaction=True)

EXCHANGE_PATHS = {
    "/exchange/v1/address-validation",
    "/exchange/v1/postcodes/{postcode}",
    "/exchange/v1/parcels",
    "/exchange/v1/parcels/{identifier}",
}


def call(server, method: str, path: str, *, secret: str | None = None, **kwargs):
    headers = kwargs.pop("headers", {})
    if secret is not None:
        headers["Authorization"] = f"Bearer {secret}"
    return requests.request(method, server.url + path, headers=headers, timeout=30, **kwargs)


def only_log(response) -> ExchangeRequestLog:
    logs = list(ExchangeRequestLog.objects.all())
    assert len(logs) == 1, [(log.service, log.status_code) for log in logs]
    assert "Set-Cookie" not in response.headers
    return logs[0]


def assert_refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert (error["status"], error["code"]) == (status, code)
    assert error["message"]


def test_postcode_lookup_answers_zone_building_street_and_entrance(live_server, live_register):
    caller = client_make(services=[Service.POSTCODE_LOOKUP])
    building = live_register.buildings[0]
    response = call(
        live_server,
        "GET",
        f"/exchange/v1/postcodes/{building.postcode}",
        secret=caller.secret,
        headers={"X-Road-Id": "PS-MOLG-0001", "X-Request-Id": "req-42"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["X-Road-Id"] == "PS-MOLG-0001"
    assert response.headers["X-Request-Id"] == "req-42"
    body = response.json()
    assert body["postcode"] == building.postcode
    assert body["zone"]["code"] == "P600"
    assert (body["zone"]["governorate_digit"], body["zone"]["sector"], body["zone"]["area"]) == (
        "6",
        "0",
        "0",
    )
    assert body["zone"]["governorate"]["pcode"] == "PS0130"
    assert body["building"]["id"] == building.pk
    assert body["street"]["code"] == "RAM-0001"
    assert body["lon"] == pytest.approx(building.entrance.x)
    assert body["lat"] == pytest.approx(building.entrance.y)
    log = only_log(response)
    assert (log.client, log.token, log.service, log.version) == (
        caller.client,
        caller.token,
        "postcode-lookup",
        "1",
    )
    assert (log.status_code, log.error_code, log.message_id, log.request_id) == (
        200,
        "",
        "PS-MOLG-0001",
        "req-42",
    )
    assert log.parameters == {"postcode": building.postcode}
    assert log.duration_ms > 0
    assert caller.secret not in str(log.parameters)
    assert caller.secret not in log.message_id


def test_address_validation_finds_the_building_with_postcode_and_confidence(
    live_server, live_register
):
    caller = client_make(services=[Service.ADDRESS_VALIDATION])
    building = next(b for b in live_register.buildings if b.house_number == "3")
    for body in (
        {"address": "3 Al-Irsal Street, Ramallah"},
        {"components": {"house_number": "3", "street": "شارع الإرسال", "town": "رام الله"}},
    ):
        response = call(
            live_server, "POST", "/exchange/v1/address-validation", secret=caller.secret, json=body
        )
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["valid"] is True, answer
        assert answer["match"] == "address"
        assert answer["building"]["id"] == building.pk
        assert answer["postcode"] == building.postcode
        assert answer["lon"] == pytest.approx(building.entrance.x)
        assert 0.7 <= answer["confidence"] <= 1
        assert "Set-Cookie" not in response.headers
    logs = list(ExchangeRequestLog.objects.order_by("at"))
    assert [log.status_code for log in logs] == [200, 200]
    # The address text is not in the log (sent with a name it may identify a person).
    assert "Irsal" not in str(logs[0].parameters)
    assert "الإرسال" not in str(logs[1].parameters)
    assert logs[0].parameters["fields"] == ["address"]

    response = call(
        live_server,
        "POST",
        "/exchange/v1/address-validation",
        secret=caller.secret,
        json={"address": "99 Al-Irsal Street"},
    )
    assert response.status_code == 200
    assert response.json()["valid"] is False


def test_parcel_lookup_by_identifier_and_by_point_without_owners(live_server, live_register):
    caller = client_make(services=[Service.PARCEL_LOOKUP])
    parcel = live_register.parcels[0]
    by_id = call(
        live_server, "GET", f"/exchange/v1/parcels/{quote(parcel.identifier)}", secret=caller.secret
    )
    assert by_id.status_code == 200, by_id.text
    body = by_id.json()
    assert body["identifier"] == parcel.identifier == "Ramallah 1/1"
    assert body["area_m2"] == pytest.approx(parcel.area_m2, abs=0.1)
    assert body["zoning"] == parcel.land_use
    assert body["locality"]["name_en"] == "Ramallah"
    assert body["valid_to"] is None
    assert body["status"] == "active"
    assert not {"rights", "owners", "parties", "party"} & set(body)
    by_point = call(
        live_server, "GET", "/exchange/v1/parcels?lon=35.2001&lat=31.9001", secret=caller.secret
    )
    assert by_point.status_code == 200, by_point.text
    assert by_point.json()["identifier"] == "Ramallah 1/1"
    unknown = call(live_server, "GET", "/exchange/v1/parcels/Ramallah%209/9", secret=caller.secret)
    assert_refused(unknown, 404, "parcel_not_found")
    assert [log.status_code for log in ExchangeRequestLog.objects.order_by("at")] == [200, 200, 404]


@pytest.mark.parametrize(
    "case", ["missing", "not_bearer", "forged", "expired", "revoked", "suspended"]
)
def test_a_token_that_does_not_let_the_caller_in_is_refused_logged_nothing_stored(
    live_server, live_register, case
):
    caller = client_make()
    headers = {}
    if case == "not_bearer":
        headers["Authorization"] = f"Token {caller.secret}"
    elif case == "forged":
        # The right shape, one character changed: no token has this hash.
        forged = caller.secret[:-1] + ("A" if caller.secret[-1] != "A" else "B")
        headers["Authorization"] = f"Bearer {forged}"
    elif case == "expired":
        token_expire(caller.token)
        headers["Authorization"] = f"Bearer {caller.secret}"
    elif case == "revoked":
        token_revoke(token=caller.token)
        headers["Authorization"] = f"Bearer {caller.secret}"
    elif case == "suspended":
        ExchangeClient.objects.filter(pk=caller.client.pk).update(active=False)
        headers["Authorization"] = f"Bearer {caller.secret}"
    before = fingerprints_without_log()
    postcode = live_register.buildings[0].postcode
    response = call(live_server, "GET", f"/exchange/v1/postcodes/{postcode}", headers=headers)
    status, code = {
        "missing": (401, "token_missing"),
        "not_bearer": (401, "token_invalid"),
        "forged": (401, "token_invalid"),
        "expired": (401, "token_expired"),
        "revoked": (401, "token_revoked"),
        "suspended": (403, "client_suspended"),
    }[case]
    assert_refused(response, status, code)
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    log = only_log(response)
    assert (log.status_code, log.error_code, log.service) == (status, code, "postcode-lookup")
    # An unknown caller is logged without a client; a known token names its client.
    assert log.client_id is None
    assert log.token_id is None
    assert fingerprints_without_log() == before


def test_a_client_certificate_vouched_for_by_the_trusted_proxy_authenticates(
    live_server, live_register, settings
):
    fingerprint = "ab" * 32
    caller = client_make(services=[Service.POSTCODE_LOOKUP], certificate=fingerprint)
    path = f"/exchange/v1/postcodes/{live_register.buildings[0].postcode}"
    colons = ":".join(fingerprint[i : i + 2] for i in range(0, 64, 2)).upper()
    headers = {"X-SSL-Client-Fingerprint": colons}
    # Without a proxy in front, anyone could write the header: it is not believed.
    assert_refused(call(live_server, "GET", path, headers=dict(headers)), 401, "token_missing")
    settings.TRUSTED_PROXIES = 1
    response = call(live_server, "GET", path, headers=dict(headers))
    assert response.status_code == 200, response.text
    unknown = call(live_server, "GET", path, headers={"X-SSL-Client-Fingerprint": "cd" * 32})
    assert_refused(unknown, 401, "certificate_unknown")
    logs = list(ExchangeRequestLog.objects.order_by("at"))
    assert [(log.status_code, log.client) for log in logs] == [
        (401, None),
        (200, caller.client),
        (401, None),
    ]
    assert logs[1].token is None


def test_a_service_the_client_may_not_use_is_refused_403(live_server, live_register):
    caller = client_make(services=[Service.POSTCODE_LOOKUP])
    before = fingerprints_without_log()
    response = call(live_server, "GET", "/exchange/v1/parcels/Ramallah%201/1", secret=caller.secret)
    assert_refused(response, 403, "service_not_allowed")
    log = only_log(response)
    assert (log.client, log.status_code, log.error_code) == (
        caller.client,
        403,
        "service_not_allowed",
    )
    assert fingerprints_without_log() == before


def test_a_malformed_postcode_is_refused_400_and_an_unknown_one_404(live_server, live_register):
    caller = client_make(services=[Service.POSTCODE_LOOKUP])
    malformed = call(live_server, "GET", "/exchange/v1/postcodes/P12", secret=caller.secret)
    assert_refused(malformed, 400, "invalid_postcode")
    unknown = call(live_server, "GET", "/exchange/v1/postcodes/P6009999", secret=caller.secret)
    assert_refused(unknown, 404, "postcode_not_found")
    no_zone = call(live_server, "GET", "/exchange/v1/postcodes/P1230001", secret=caller.secret)
    assert_refused(no_zone, 404, "zone_not_found")
    zone = call(live_server, "GET", "/exchange/v1/postcodes/P600", secret=caller.secret)
    assert zone.status_code == 200
    assert zone.json()["building"] is None
    codes = [(log.status_code, log.error_code) for log in ExchangeRequestLog.objects.order_by("at")]
    assert codes == [
        (400, "invalid_postcode"),
        (404, "postcode_not_found"),
        (404, "zone_not_found"),
        (200, ""),
    ]


def test_calls_above_the_clients_rate_limit_are_refused_429_with_retry_after(
    live_server, live_register, monkeypatch
):
    caller = client_make(services=[Service.POSTCODE_LOOKUP], rate=3)
    postcode = live_register.buildings[0].postcode
    # The server's clock is held 30 s into a minute, so that no minute ends between calls.
    monkeypatch.setattr("exchange.services.time", SimpleNamespace(time=lambda: 1_800_000_030.0))
    before = fingerprints_without_log()
    statuses = []
    for _ in range(5):
        response = call(
            live_server, "GET", f"/exchange/v1/postcodes/{postcode}", secret=caller.secret
        )
        statuses.append(response.status_code)
    assert statuses == [200, 200, 200, 429, 429]
    assert_refused(response, 429, "rate_limited")
    assert response.headers["Retry-After"] == "30"
    assert response.json()["error"]["details"] == {"limit_per_minute": 3}
    logs = list(ExchangeRequestLog.objects.order_by("at"))
    assert [log.status_code for log in logs] == statuses
    assert all(log.client == caller.client for log in logs)
    assert logs[-1].error_code == "rate_limited"
    assert fingerprints_without_log() == before
    # Another client is counted on its own.
    other = client_make(services=[Service.POSTCODE_LOOKUP], rate=3)
    response = call(live_server, "GET", f"/exchange/v1/postcodes/{postcode}", secret=other.secret)
    assert response.status_code == 200


def test_the_openapi_document_describes_exactly_the_exchange_services(live_server, db):
    response = requests.get(live_server.url + "/exchange/v1/openapi.json", timeout=30)
    assert response.status_code == 200, response.text
    assert "Set-Cookie" not in response.headers
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert document["info"]["version"] == "1"
    assert set(document["paths"]) == EXCHANGE_PATHS
    scheme = document["components"]["securitySchemes"]["exchangeToken"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert document["security"] == [{"exchangeToken": []}]
    operations = {
        (path, method): op
        for path, item in document["paths"].items()
        for method, op in item.items()
        if method in ("get", "post")
    }
    assert set(operations) == {
        ("/exchange/v1/address-validation", "post"),
        ("/exchange/v1/postcodes/{postcode}", "get"),
        ("/exchange/v1/parcels", "get"),
        ("/exchange/v1/parcels/{identifier}", "get"),
    }
    for op in operations.values():
        assert op["operationId"].startswith("exchange_")
        assert {"200", "401", "403", "429"} <= set(op["responses"])
        for parameter in op.get("parameters", []):
            assert parameter["in"] in ("path", "query", "header")
    for ref in _refs(document):
        name = ref.removeprefix("#/components/schemas/")
        assert name in document["components"]["schemas"], ref
    # The platform's main document leaves them out.
    main = Client().get("/api/schema/", {"format": "json"}).json()
    assert not [path for path in main["paths"] if path.startswith("/exchange/")]


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_exchange_client_add_prints_the_token_once_and_stores_only_its_hash(db):
    out = io.StringIO()
    call_command(
        "exchange_client_add",
        "PS/GOV/MOF/land-tax",
        "--name=Ministry of Finance",
        "--services=parcel-lookup",
        "--rate-limit=30",
        stdout=out,
    )
    secret = out.getvalue().strip().splitlines()[-1]
    client = ExchangeClient.objects.get(identifier="PS/GOV/MOF/land-tax")
    assert (client.allowed_services, client.rate_limit_per_minute) == (["parcel-lookup"], 30)
    token = ExchangeToken.objects.get(client=client)
    assert token.secret_sha256 == token_hash(secret)
    assert secret not in str(ExchangeToken.objects.values().get())
    revoked = io.StringIO()
    call_command("exchange_token_revoke", token.prefix, stdout=revoked)
    token.refresh_from_db()
    assert token.revoked_at is not None
