"""Reads of the exchange: who a bearer token names, and the three services' answers.

Coordinates are WGS 84 (EPSG:4326) longitude/latitude in degrees; areas are geodesic, in m².
Answers carry stable identifiers only (postcodes, building ids, parcel identifiers, zone
codes), never a session or a page, and never personal data (a parcel's owners and rights are
not part of any service here)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import Point
from django.utils import timezone

from addressing.geocoders import geocoder
from addressing.models import Building, BuildingStatus
from addressing.postcodes import postcode_parse
from addressing.selectors import address_format, building_by_postcode, zone_by_code
from core.errors import PermissionDenied
from exchange.errors import Unauthenticated
from exchange.models import ExchangeClient, ExchangeToken
from exchange.services import TOKEN_PREFIX, token_hash
from parcels.models import Parcel
from parcels.selectors import parcel_at_point, parcel_by_identifier

# A candidate at least this sure, of an address, with the number asked, is a valid address.
VALID_CONFIDENCE = 0.7
# What a well-formed token looks like: the prefix, then 43 characters of URL-safe base64.
_TOKEN_SHAPE = re.compile(rf"^{TOKEN_PREFIX}[A-Za-z0-9_-]{{20,100}}\Z")


# The TLS-terminating proxy (the security server's side) puts the client certificate's SHA-256
# here; it is believed only behind trusted proxies, which must overwrite it on every request.
CERTIFICATE_HEADER = "HTTP_X_SSL_CLIENT_FINGERPRINT"
_FINGERPRINT = re.compile(r"^(?:[0-9a-f]{2}:?){31}[0-9a-f]{2}\Z")


@dataclass(frozen=True)
class Caller:
    client: ExchangeClient
    token: ExchangeToken | None  # None: authenticated by its certificate


def certificate_authenticate(*, fingerprint: str) -> Caller:
    """The client whose certificate has SHA-256 ``fingerprint`` (hex, colons allowed), as the
    TLS-terminating proxy reported it. 401 certificate_unknown otherwise."""
    text = fingerprint.strip().lower()
    if not _FINGERPRINT.match(text):
        raise Unauthenticated(
            "The client certificate's fingerprint is not a SHA-256 in hex.",
            code="certificate_invalid",
        )
    client = ExchangeClient.objects.filter(certificate_sha256=text.replace(":", "")).first()
    if client is None:
        raise Unauthenticated(
            "No exchange client has this certificate.", code="certificate_unknown"
        )
    if not client.active:
        raise PermissionDenied(
            f"{client.identifier} is suspended from the exchange services.",
            code="client_suspended",
        )
    return Caller(client=client, token=None)


def caller_authenticate(*, meta: dict) -> Caller:
    """Who calls: by bearer token when an Authorization header is sent; otherwise by client
    certificate, when settings.TRUSTED_PROXIES says a proxy stands in front to vouch for the
    fingerprint header (without one, any client could write that header itself)."""
    fingerprint = meta.get(CERTIFICATE_HEADER)
    if not meta.get("HTTP_AUTHORIZATION") and fingerprint and settings.TRUSTED_PROXIES:
        return certificate_authenticate(fingerprint=fingerprint)
    return token_authenticate(authorization=meta.get("HTTP_AUTHORIZATION"))


def token_authenticate(*, authorization: str | None) -> Caller:
    """The client and token named by an ``Authorization: Bearer <token>`` header. Refused with
    401 and the reason: token_missing, token_invalid (malformed, or no such token: a forged one),
    token_expired, token_revoked; 403 client_suspended for a client switched off."""
    if not authorization or not authorization.strip():
        raise Unauthenticated(
            "This service needs a token: send 'Authorization: Bearer <token>'.",
            code="token_missing",
        )
    scheme, _, secret = authorization.strip().partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not _TOKEN_SHAPE.match(secret):
        raise Unauthenticated(
            "The Authorization header is not 'Bearer <token>' with an exchange token.",
            code="token_invalid",
        )
    token = (
        ExchangeToken.objects.select_related("client")
        .filter(secret_sha256=token_hash(secret))
        .first()
    )
    if token is None:
        raise Unauthenticated("This token was not issued by this platform.", code="token_invalid")
    if token.revoked_at is not None:
        raise Unauthenticated(
            f"This token was revoked on {token.revoked_at:%Y-%m-%d %H:%M} UTC.",
            code="token_revoked",
        )
    if token.expires_at <= timezone.now():
        raise Unauthenticated(
            f"This token expired on {token.expires_at:%Y-%m-%d %H:%M} UTC; ask for a new one.",
            code="token_expired",
        )
    if not token.client.active:
        raise PermissionDenied(
            f"{token.client.identifier} is suspended from the exchange services.",
            code="client_suspended",
        )
    return Caller(client=token.client, token=token)


def service_check(*, client: ExchangeClient, service: str) -> None:
    """403 service_not_allowed unless ``client`` may call ``service``."""
    if service not in client.allowed_services:
        raise PermissionDenied(
            f"{client.identifier} may not use the {service} service; it may use "
            f"{', '.join(client.allowed_services) or 'none'}.",
            code="service_not_allowed",
        )


def _building_body(building: Building) -> dict[str, Any]:
    street = building.street
    return {
        "building": {
            "id": building.pk,
            "house_number": building.house_number,
            "status": building.status,
            "synthetic": building.is_synthetic,
        },
        "street": {
            "id": street.pk,
            "code": street.code,
            "name_ar": street.name_ar,
            "name_en": street.name_en,
        },
        "municipality": street.municipality.slug,
        "address_lines_ar": list(address_format(building=building, language="ar").lines),
        "address_lines_en": list(address_format(building=building, language="en").lines),
        "lon": round(building.entrance.x, 7),
        "lat": round(building.entrance.y, 7),
    }


def address_validate(*, text: str) -> dict[str, Any]:
    """Whether ``text`` (Arabic or English, a postcode allowed) names one active address in the
    register: the best match with its postcode, building id, entrance (EPSG:4326) and the
    geocoder's confidence (0-1). ``valid`` is true only for an address whose house number is
    the one asked, at least VALID_CONFIDENCE sure. Malformed text is refused (400)."""
    result = geocoder().search(query=text, limit=3)
    best = result.candidates[0] if result.candidates else None
    body: dict[str, Any] = {"valid": False, "match": "none", "confidence": 0.0, "notes": []}
    body["notes"] = list(result.notes)
    if best is None:
        return body
    body["confidence"] = round(best.confidence, 3)
    if best.kind != "address":
        body["match"] = best.kind
        body["notes"].append(f"The best match is a {best.kind}, not an address.")
        return body
    building = Building.objects.select_related("street__municipality", "area").get(pk=best.id)
    exact = "number_asked" not in best.matched
    body["valid"] = (
        exact and best.confidence >= VALID_CONFIDENCE and building.status == BuildingStatus.ACTIVE
    )
    body["match"] = "address" if exact else "address_other_number"
    body["postcode"] = building.postcode
    body.update(_building_body(building))
    return body


def postcode_lookup(*, text: str) -> dict[str, Any]:
    """The postal zone a postcode (``P6001234``) or zone code (``P600``) names (governorate
    digit, sector and area digits, governorate), and for a full postcode its building, street
    and entrance (EPSG:4326). 400 invalid_postcode when malformed; 404 postcode_not_found,
    postcode_retired or zone_not_found."""
    parsed = postcode_parse(text=text)
    zone = zone_by_code(code=parsed)
    governorate = zone.governorate
    body: dict[str, Any] = {
        "postcode": str(parsed),
        "zone": {
            "code": f"P{zone.code}",
            "governorate_digit": zone.code[0],
            "sector": zone.code[1],
            "area": zone.code[2],
            "name_ar": zone.name_ar,
            "name_en": zone.name_en,
            "governorate": {
                "pcode": governorate.pcode,
                "name_ar": governorate.name_ar,
                "name_en": governorate.name_en,
            },
            "synthetic": zone.is_synthetic,
        },
        "building": None,
    }
    if parsed.is_zone:
        return body
    building = building_by_postcode(postcode=parsed)
    body.update(_building_body(building))
    return body


def _parcel_body(parcel: Parcel) -> dict[str, Any]:
    centroid = parcel.geom.point_on_surface
    return {
        "identifier": parcel.identifier,
        "locality": {
            "id": parcel.locality_id,
            "name_ar": parcel.locality.name_ar,
            "name_en": parcel.locality.name_en,
        },
        "basin": parcel.basin,
        "number": parcel.number,
        "area_m2": round(parcel.area_m2, 1),
        "registered_area_m2": (
            float(parcel.registered_area_m2) if parcel.registered_area_m2 is not None else None
        ),
        "zoning": parcel.land_use,
        "zoning_label": str(parcel.get_land_use_display()),
        "status": parcel.status,
        "valid_from": parcel.valid_from.isoformat(),
        "valid_to": parcel.valid_to.isoformat() if parcel.valid_to else None,
        "synthetic": parcel.is_synthetic,
        "point_on_surface": {"lon": round(centroid.x, 7), "lat": round(centroid.y, 7)},
    }


def parcel_lookup(*, identifier: str | None = None, point: Point | None = None) -> dict[str, Any]:
    """The active parcel cited as ``Ramallah 12/345``, or containing ``point`` (EPSG:4326):
    identifier, area (m², geodesic), zoning, locality and validity. Never owners or rights."""
    if identifier is not None:
        parcel = parcel_by_identifier(text=identifier)
    elif point is not None:
        parcel = parcel_at_point(point=point)
    else:
        raise ValueError("parcel_lookup needs an identifier or a point")
    return _parcel_body(parcel)
