"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) under /open311/v2/, in JSON
(``.json``) and XML (``.xml``), chosen by the address's extension as the specification says.

Field names are the specification's; errors are its list of ``{"code", "description"}``
(plus ``error_code``, the platform's precise reason, which clients may ignore). Anyone may
report, without an API key (citizens, from the public map); creation is rate-limited per
address (API_RATE_SCOPES). Every refusal is logged by the services or here."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from datetime import datetime
from xml.etree import ElementTree

from django.conf import settings
from django.contrib.auth import get_user
from django.core.files.uploadedfile import UploadedFile
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions as drf_exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_default_handler

from core.errors import DomainError, InvalidInput, NotFound
from core.text import text_check
from servicerequests.selectors import (
    service_definition_view,
    service_get,
    service_list,
    service_notice,
    service_request_public_get,
    service_request_public_list,
    service_view,
)
from servicerequests.services import Contact, service_request_create

logger = logging.getLogger(__name__)
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MOMENT_YEARS = (2000, 2100)
MAX_PARAM = 2000  # 100 request ids and their commas fit


def open311_exception_handler(exc: Exception, context: dict) -> Response | None:
    """Errors in the specification's shape: ``[{"code": 400, "description": "..."}]``."""
    if isinstance(exc, DomainError):
        status, code, message = exc.status_code, exc.code, exc.message
        headers = {"Retry-After": str(exc.retry_after)} if getattr(exc, "retry_after", 0) else {}
    else:
        response = drf_default_handler(exc, context)
        if response is None:
            return None  # an unexpected exception: Django's 500 handling logs it
        status, headers = response.status_code, {}
        code = _drf_code(exc) if isinstance(exc, drf_exceptions.APIException) else "not_found"
        detail = getattr(exc, "detail", "")
        message = str(detail) if isinstance(detail, str) else _("The request is not valid.")
        if isinstance(exc, drf_exceptions.Throttled):
            headers = {"Retry-After": str(int(exc.wait or 60))}
            message = _("Too many requests from this address; try again later.")
    request = context.get("request")
    logger.warning(
        "open311 refused %s %s: %s %s",
        getattr(request, "method", ""),
        getattr(request, "path", ""),
        status,
        code,
    )
    body = [{"code": status, "description": message, "error_code": code}]
    return Response(body, status=status, headers=headers)


def _drf_code(exc: drf_exceptions.APIException) -> str:
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


# The element a list's items get in XML, by the list's own element (the specification's).
XML_ITEMS = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute"}


def _xml_fill(element: ElementTree.Element, value) -> None:
    if isinstance(value, dict):
        for name, inner in value.items():
            _xml_fill(ElementTree.SubElement(element, name), inner)
    elif isinstance(value, list):
        for inner in value:
            _xml_fill(ElementTree.SubElement(element, XML_ITEMS.get(element.tag, "item")), inner)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


class Open311XMLRenderer(BaseRenderer):
    """The specification's XML: a list becomes its view's root element (``xml_root``) holding
    one ``xml_item`` element per entry, an object the root with one element per field; errors
    are ``<errors><error><code/><description/></error></errors>``."""

    media_type = "text/xml"
    format = "xml"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        context = renderer_context or {}
        response, view = context.get("response"), context.get("view")
        if response is not None and response.exception:
            root_name, item_name = "errors", "error"
        else:
            root_name, item_name = getattr(view, "xml_root", ("response", "item"))
        root = ElementTree.Element(root_name)
        if isinstance(data, list):
            for entry in data:
                _xml_fill(ElementTree.SubElement(root, item_name or "item"), entry)
        else:
            _xml_fill(root, data)
        return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


class Open311View(APIView):
    """A public Open311 endpoint: no session (so no CSRF for citizens' clients), JSON or XML
    by the address's extension (the ``format`` of the URL), the specification's errors."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    renderer_classes = [JSONRenderer, Open311XMLRenderer]
    xml_root: tuple[str, str | None] = ("response", "item")

    def get_exception_handler(self):
        return open311_exception_handler

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        jurisdiction = request.query_params.get("jurisdiction_id") or (
            request.data.get("jurisdiction_id")
            if request.method == "POST" and isinstance(request.data, Mapping)
            else None
        )
        if jurisdiction and not isinstance(jurisdiction, str):
            jurisdiction = repr(jurisdiction)
        if jurisdiction and jurisdiction != settings.PLATFORM_MUNICIPALITY:
            raise InvalidInput(
                _("This server serves the jurisdiction %(ours)s only.")
                % {"ours": settings.PLATFORM_MUNICIPALITY},
                code="unknown_jurisdiction",
            )


def _text(data: Mapping, name: str) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(_("%(name)s is text.") % {"name": name}, code="invalid_text")
    return value


def _number(data: Mapping, name: str) -> float | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidInput(
            _("%(name)s is a number of degrees.") % {"name": name}, code="invalid_number"
        )
    try:
        number = float(value)
    except (ValueError, OverflowError):
        number = math.nan
    if not math.isfinite(number):
        raise InvalidInput(
            _("%(name)s is a number of degrees.") % {"name": name}, code="invalid_number"
        )
    return number


def _moment(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if (
        moment is None
        or moment.tzinfo is None
        or not (MOMENT_YEARS[0] <= moment.year <= MOMENT_YEARS[1])
    ):
        raise InvalidInput(
            _("%(name)s is a date and time in ISO 8601 with its offset, such as %(example)s.")
            % {"name": name, "example": "2026-12-04T09:00:00+02:00"},
            code="invalid_date",
        )
    return moment


def _param(value: str | None, name: str) -> str:
    """A query or path parameter as plain text (NUL bytes and other control characters, which
    PostgreSQL cannot even compare, are refused with the rest)."""
    return text_check(value or "", field=name, max_length=MAX_PARAM)


def _list(value: str | None, name: str) -> list[str]:
    return [v.strip() for v in _param(value, name).split(",") if v.strip()]


class DiscoveryApi(Open311View):
    xml_root = ("discovery", None)

    @extend_schema(responses={200: dict})
    def get(self, request: Request, format: str | None = None) -> Response:
        base = request.build_absolute_uri("/open311/v2/")
        return Response(
            {
                "changeset": "2026-12-04T00:00:00Z",
                "contact": _("Ramallah Municipality, through the public map's Report a problem."),
                "key_service": None,  # no API key: anyone may report, rate-limited
                "endpoints": [
                    {
                        "specification": SPECIFICATION,
                        "url": base,
                        "changeset": "2026-12-04T00:00:00Z",
                        "type": "production",
                        "formats": ["application/json", "text/xml"],
                    }
                ],
            }
        )


class ServicesApi(Open311View):
    xml_root = ("services", "service")

    @extend_schema(responses={200: dict})
    def get(self, request: Request, format: str | None = None) -> Response:
        return Response([service_view(s) for s in service_list()])


class ServiceDefinitionApi(Open311View):
    xml_root = ("service_definition", None)

    @extend_schema(responses={200: dict})
    def get(self, request: Request, service_code: str, format: str | None = None) -> Response:
        service = service_get(service_code=_param(service_code, "service_code"))
        return Response(service_definition_view(service))


class RequestsApi(Open311View):
    xml_root = ("service_requests", "request")

    def get_throttles(self):
        # Only creation is limited (scope by URL name); the public list is a cheap read.
        return super().get_throttles() if self.request.method == "POST" else []

    @extend_schema(responses={200: dict})
    def get(self, request: Request, format: str | None = None) -> Response:
        params = request.query_params
        rows = service_request_public_list(
            service_request_ids=_list(params.get("service_request_id"), "service_request_id"),
            service_codes=_list(params.get("service_code"), "service_code"),
            statuses=_list(params.get("status"), "status"),
            start=_moment(params.get("start_date"), "start_date"),
            end=_moment(params.get("end_date"), "end_date"),
        )
        return Response(rows)

    @extend_schema(request=dict, responses={201: dict})
    def post(self, request: Request, format: str | None = None) -> Response:
        data = request.data
        if not isinstance(data, Mapping):
            raise InvalidInput(
                _("Send the request's fields form-encoded (or multipart with media)."),
                code="invalid_body",
            )
        if _text(data, "media_url").strip():
            raise InvalidInput(
                _(
                    "media_url is not accepted: the platform fetches nothing from other sites. "
                    "Send the photo itself as media (multipart/form-data)."
                ),
                code="media_url_refused",
            )
        media = request.FILES.get("media")
        if media is None and data.get("media") not in (None, ""):
            raise InvalidInput(
                _("media is a photo file sent as multipart/form-data."), code="media_not_a_file"
            )
        created = service_request_create(
            reporter=_session_reporter(request),
            service_code=_param(_text(data, "service_code"), "service_code"),
            lat=_number(data, "lat"),
            lon=_number(data, "long"),
            address_string=_text(data, "address_string"),
            description=_text(data, "description"),
            photo=media if isinstance(media, UploadedFile) else None,
            contact=Contact(
                first_name=_text(data, "first_name"),
                last_name=_text(data, "last_name"),
                email=_text(data, "email"),
                phone=_text(data, "phone"),
            ),
        )
        body = [
            {
                "service_request_id": created.service_request_id,
                "service_notice": service_notice(created),
                "account_id": None,
            }
        ]
        return Response(body, status=201)


def _session_reporter(request: Request):
    """The signed-in citizen (or staff member) reporting from the platform's own pages, whose
    request then appears under their "My requests"; None for everyone else. Open311 takes no
    session, so the session is checked here, CSRF token included: another site cannot file a
    request in a signed-in person's name."""
    # DRF has already set request.user to anonymous (no authentication classes here), so the
    # session is read afresh.
    user = get_user(request._request)
    if not user.is_authenticated:
        return None
    SessionAuthentication().enforce_csrf(request)
    return user


class RequestApi(Open311View):
    xml_root = ("service_requests", "request")

    @extend_schema(responses={200: dict})
    def get(self, request: Request, service_request_id: str, format: str | None = None) -> Response:
        found = service_request_public_get(
            service_request_id=_param(service_request_id, "service_request_id")
        )
        return Response([found])


@extend_schema(exclude=True)  # not an operation: what every unknown address answers
class NotFoundApi(Open311View):
    """Any other address under /open311/v2/ (another format, a path that is not the
    specification's): a 404 in the specification's shape, not an HTML page."""

    def _refuse(self, request: Request, *args, **kwargs) -> Response:
        raise NotFound(
            _("There is nothing at this address. This server speaks Open311 GeoReport v2 in "
              "JSON and XML: see discovery.json."),
            code="not_found",
        )  # fmt: skip

    get = post = put = patch = delete = _refuse
