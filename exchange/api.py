"""The exchange services over HTTP, in the shape an X-Road-style security server publishes:
versioned paths under /exchange/v1/, JSON only, a bearer token per call, no session, no
cookie, no CSRF. Every call, refused or answered, leaves one row in the request log.

Order of the checks: the token (401), the service allowed to the client (403), its rate limit
(429), the X-Road message id, then the input (400) and the answer (200 or 404)."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Mapping
from typing import Any

from django.contrib.gis.geos import Point
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from drf_spectacular.views import SpectacularAPIView
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import InvalidInput
from core.parsers import JSONBodyParser
from core.security import client_address
from core.text import text_check
from exchange.models import Service
from exchange.selectors import (
    Caller,
    address_validate,
    caller_authenticate,
    parcel_lookup,
    postcode_lookup,
    service_check,
)
from exchange.services import rate_limit_take, request_log_write

VERSION = "1"
# X-Road message ids (and X-Request-Id) are echoed back; only plain printable ASCII is.
_MESSAGE_ID = re.compile(r"^[\x21-\x7e]{1,128}$")
MAX_ADDRESS_LENGTH = 200
ADDRESS_COMPONENTS = ("building_name", "house_number", "street", "area", "town", "postcode")

ERROR = inline_serializer(
    "ExchangeError",
    fields={
        "error": inline_serializer(
            "ExchangeErrorBody",
            fields={
                "status": serializers.IntegerField(),
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "details": serializers.JSONField(required=False),
            },
        )
    },
)


def _object(name: str, optional: bool = False, **fields) -> serializers.Serializer:
    extra = {"required": False, "allow_null": True} if optional else {}
    return inline_serializer(name, fields=fields, **extra)


S, F, N, B = (
    serializers.CharField,
    serializers.FloatField,
    serializers.IntegerField,
    serializers.BooleanField,
)


BUILDING = _object("ExchangeBuilding", True, id=N(), house_number=S(), status=S(), synthetic=B())
STREET = _object("ExchangeStreet", True, id=N(), code=S(), name_ar=S(), name_en=S())


def _address_parts() -> dict:
    """The building's part of an answer: absent when no address matched, and the building
    null for a postal zone alone."""
    return {
        "building": BUILDING,
        "street": STREET,
        "municipality": S(required=False, help_text="the municipality's slug"),
        "address_lines_ar": serializers.ListField(child=S(), required=False),
        "address_lines_en": serializers.ListField(child=S(), required=False),
        "lon": F(required=False, help_text="the entrance, EPSG:4326 degrees"),
        "lat": F(required=False, help_text="the entrance, EPSG:4326 degrees"),
    }


ADDRESS_VALIDATION = _object(
    "ExchangeAddressValidation",
    valid=B(),
    match=S(help_text="address, address_other_number, street, place, area, zone, town or none"),
    confidence=F(help_text="0 to 1"),
    notes=serializers.ListField(child=S()),
    postcode=S(required=False, allow_null=True),
    **_address_parts(),
)
POSTCODE = _object(
    "ExchangePostcode",
    postcode=S(),
    zone=_object(
        "ExchangePostalZone",
        code=S(),
        governorate_digit=S(),
        sector=S(),
        area=S(),
        name_ar=S(),
        name_en=S(),
        governorate=_object("ExchangeGovernorate", pcode=S(), name_ar=S(), name_en=S()),
        synthetic=B(),
    ),
    **_address_parts(),
)
PARCEL = _object(
    "ExchangeParcel",
    identifier=S(help_text="locality basin/number, e.g. Ramallah 12/345"),
    locality=_object("ExchangeLocality", id=N(), name_ar=S(), name_en=S()),
    basin=N(),
    number=N(),
    area_m2=F(help_text="geodesic area, m²"),
    registered_area_m2=F(allow_null=True),
    zoning=S(),
    zoning_label=S(),
    status=S(),
    valid_from=serializers.DateTimeField(),
    valid_to=serializers.DateTimeField(allow_null=True),
    synthetic=B(),
    point_on_surface=_object("ExchangePoint", lon=F(), lat=F()),
)
REFUSALS = {400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR, 429: ERROR}
MESSAGE_HEADERS = [
    OpenApiParameter(
        "X-Road-Id", str, OpenApiParameter.HEADER, description="X-Road message id, echoed back"
    ),
    OpenApiParameter(
        "X-Request-Id", str, OpenApiParameter.HEADER, description="request id, echoed back"
    ),
]


def _loggable(value: Any, limit: int = 100) -> str:
    """``value`` as text fit for the log: printable characters only, at most ``limit``."""
    return "".join(ch for ch in str(value) if ch.isprintable())[:limit]


class ExchangeApi(APIView):
    """Base of every exchange service: authenticates the bearer token, checks the service and
    the client's rate limit, and writes the request log whatever the outcome."""

    authentication_classes: list = []  # no session, no Basic: the exchange token only
    permission_classes = [AllowAny]  # the token check below is the permission
    throttle_classes: list = []  # the per-client limit below replaces the per-address one
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONBodyParser]
    service: str = ""

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        self.caller: Caller = caller_authenticate(meta=request.META)
        service_check(client=self.caller.client, service=self.service)
        rate_limit_take(client=self.caller.client)
        for name in ("HTTP_X_ROAD_ID", "HTTP_X_REQUEST_ID"):
            value = request.META.get(name)
            if value is not None and not _MESSAGE_ID.fullmatch(value):
                raise InvalidInput(
                    f"{name[5:].replace('_', '-').title()} is 1 to 128 printable ASCII "
                    "characters without spaces.",
                    code="invalid_message_id",
                )

    def dispatch(self, request, *args, **kwargs):
        started = time.perf_counter()
        self.caller = None
        self.log_parameters: dict[str, Any] = {}
        response = None
        try:
            response = super().dispatch(request, *args, **kwargs)
            return response
        finally:
            self._log(request, response, started)
            if response is not None:
                self._headers(request, response)

    def _message_ids(self, request) -> tuple[str, str]:
        ids = []
        for name in ("HTTP_X_ROAD_ID", "HTTP_X_REQUEST_ID"):
            value = request.META.get(name, "")
            ids.append(value if _MESSAGE_ID.fullmatch(value or "") else "")
        return ids[0], ids[1]

    def _headers(self, request, response) -> None:
        message_id, request_id = self._message_ids(request)
        if message_id:
            response["X-Road-Id"] = message_id
        if request_id:
            response["X-Request-Id"] = request_id
        response["X-Exchange-Version"] = VERSION
        response["Cache-Control"] = "no-store"
        if response.status_code == 401:
            response["WWW-Authenticate"] = 'Bearer realm="exchange"'

    def _log(self, request, response, started: float) -> None:
        status = response.status_code if response is not None else 500
        code = ""
        data = getattr(response, "data", None)
        if status >= 400 and isinstance(data, dict) and isinstance(data.get("error"), dict):
            code = str(data["error"].get("code", ""))
        message_id, request_id = self._message_ids(request)
        caller = self.caller
        request_log_write(
            client=caller.client if caller else None,
            token=caller.token if caller else None,
            service=self.service,
            version=VERSION,
            method=request.method or "",
            status_code=status,
            error_code=code,
            duration_ms=(time.perf_counter() - started) * 1000,
            message_id=message_id,
            request_id=request_id,
            client_address=client_address(request),
            parameters=self.log_parameters,
        )


class AddressValidationApi(ExchangeApi):
    """Validate an address against the municipal register."""

    service = Service.ADDRESS_VALIDATION

    @extend_schema(
        operation_id="exchange_address_validation",
        summary="Validate an address: its postcode, building, entrance and confidence",
        parameters=MESSAGE_HEADERS,
        request=inline_serializer(
            "ExchangeAddressValidationRequest",
            fields={
                "address": serializers.CharField(required=False, help_text="free text"),
                "components": inline_serializer(
                    "ExchangeAddressComponents",
                    fields={
                        name: serializers.CharField(required=False) for name in ADDRESS_COMPONENTS
                    },
                    required=False,
                ),
            },
        ),
        responses={200: ADDRESS_VALIDATION, **REFUSALS},
    )
    def post(self, request: Request) -> Response:
        text = self._address_text(request.data)
        return Response(address_validate(text=text))

    def _address_text(self, data: Any) -> str:
        """The address as one line: the free text, or the components joined in the order a
        person writes them. The log keeps which fields came and the text's length only: an
        address sent with a name may identify a person."""
        if not isinstance(data, Mapping):
            raise InvalidInput(
                "The body is a JSON object with 'address' (text) or 'components'.",
                code="invalid_body",
            )
        unknown = sorted(set(data) - {"address", "components"})
        if unknown or ("address" in data) == ("components" in data):
            raise InvalidInput(
                "Send exactly one of 'address' (text) and 'components' (an object).",
                code="invalid_body",
            )
        if "address" in data:
            parts = {"address": data["address"]}
        else:
            parts = data["components"]
            if not isinstance(parts, Mapping) or not parts:
                raise InvalidInput(
                    f"'components' is an object with some of {', '.join(ADDRESS_COMPONENTS)}.",
                    code="invalid_body",
                )
            extra = sorted(set(parts) - set(ADDRESS_COMPONENTS))
            if extra:
                raise InvalidInput(
                    f"'components' takes {', '.join(ADDRESS_COMPONENTS)} only.",
                    code="unknown_field",
                )
            parts = {k: parts[k] for k in ADDRESS_COMPONENTS if k in parts}
        for name, value in parts.items():
            if not isinstance(value, str):
                raise InvalidInput(f"'{name}' is text.", code="invalid_body")
            text_check(value, field=name, max_length=MAX_ADDRESS_LENGTH)
        text = " ".join(v.strip() for v in parts.values() if v.strip())
        self.log_parameters = {
            "fields": list(parts),
            "length": len(text),
            # A digest lets a ministry's auditor match a call to their own record, without
            # the text in the log.
            "sha256": hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:16],
        }
        if not text:
            raise InvalidInput("The address is empty.", code="empty_query")
        return text


class PostcodeLookupApi(ExchangeApi):
    """A postcode's zone, building, street and entrance."""

    service = Service.POSTCODE_LOOKUP

    @extend_schema(
        operation_id="exchange_postcode_lookup",
        summary="Look up a postcode (P6001234) or a postal zone (P600)",
        parameters=MESSAGE_HEADERS,
        responses={200: POSTCODE, **REFUSALS},
    )
    def get(self, request: Request, postcode: str) -> Response:
        self.log_parameters = {"postcode": _loggable(postcode, 40)}
        return Response(postcode_lookup(text=postcode))


class ParcelLookupApi(ExchangeApi):
    """A parcel by its identifier or by a point: identifier, area, zoning, locality, validity.
    Owners and rights are personal data and not part of this service."""

    service = Service.PARCEL_LOOKUP

    @extend_schema(
        operation_id="exchange_parcel_lookup",
        summary="Look up a parcel by identifier (locality basin/number)",
        parameters=MESSAGE_HEADERS,
        responses={200: PARCEL, **REFUSALS},
    )
    def get(self, request: Request, identifier: str) -> Response:
        self.log_parameters = {"identifier": _loggable(identifier)}
        text = text_check(identifier, field="identifier", max_length=100)
        return Response(parcel_lookup(identifier=text))


class ParcelAtPointApi(ExchangeApi):
    """The parcel containing a point (EPSG:4326)."""

    service = Service.PARCEL_LOOKUP

    @extend_schema(
        operation_id="exchange_parcel_at_point",
        summary="Look up the parcel containing a point (lon, lat in EPSG:4326)",
        parameters=[
            OpenApiParameter("lon", float, required=True, description="longitude, degrees"),
            OpenApiParameter("lat", float, required=True, description="latitude, degrees"),
            *MESSAGE_HEADERS,
        ],
        responses={200: PARCEL, **REFUSALS},
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        self.log_parameters = {k: _loggable(params.get(k, ""), 40) for k in ("lon", "lat")}
        try:
            lon, lat = float(params.get("lon", "")), float(params.get("lat", ""))
        except ValueError as exc:
            raise InvalidInput(
                "lon and lat are numbers (degrees, EPSG:4326).", code="invalid_point"
            ) from exc
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise InvalidInput(
                "Longitude runs from -180 to 180 and latitude from -90 to 90.",
                code="invalid_point",
            )
        return Response(parcel_lookup(point=Point(lon, lat, srid=4326)))


class ExchangeSchemaApi(SpectacularAPIView):
    """The OpenAPI 3 description of the exchange services alone, for the security server."""

    urlconf = "exchange.schema_urls"
    renderer_classes = [JSONRenderer]
    authentication_classes: list = []
    permission_classes = [AllowAny]
    custom_settings = {
        "TITLE": "Ramallah municipal GIS: exchange services",
        "DESCRIPTION": (
            "Address validation, postcode lookup and parcel lookup for other government "
            "bodies, published through an X-Road-style security server. Every call carries "
            "'Authorization: Bearer <token>' issued to the client subsystem; X-Road-Id and "
            "X-Request-Id are echoed back. Behind the platform's TLS proxy a client may instead "
            "authenticate with its certificate (the proxy sends its SHA-256 fingerprint in "
            "X-SSL-Client-Fingerprint). Errors: "
            '{"error": {"status", "code", "message", "details"}}.'
        ),
        "VERSION": VERSION,
        "PREPROCESSING_HOOKS": [],
        "APPEND_COMPONENTS": {
            "securitySchemes": {
                "exchangeToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token issued to the client subsystem "
                    "(manage.py exchange_client_add); only its SHA-256 is kept.",
                }
            }
        },
        "POSTPROCESSING_HOOKS": [
            "drf_spectacular.hooks.postprocess_schema_enums",
            "exchange.schema.exchange_security",
        ],
    }
