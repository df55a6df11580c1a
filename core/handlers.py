"""Errors to HTTP responses, in one place, for the API and the HTML pages.

Every error body has the same shape::

    {"error": {"status": 404, "code": "not_found", "message": "...", "details": ...}}

``api_exception_handler`` is DRF's exception handler; ``DomainErrorMiddleware`` does the same for
plain Django views; ``handler404``/``handler500`` (wired in ``gis_project.urls``) answer JSON under
``/api/`` and HTML elsewhere.
"""

from __future__ import annotations

import logging
from typing import Any

from django import db
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_default_handler

from core.errors import DomainError

logger = logging.getLogger(__name__)
# What psycopg2 raises, through Django, when the server or the connection is gone.
DATABASE_UNREACHABLE = (db.OperationalError, db.InterfaceError)


def error_body(*, status: int, code: str, message: str, details: Any = None) -> dict:
    body: dict[str, Any] = {"status": status, "code": code, "message": message}
    if details is not None:
        body["details"] = details
    return {"error": body}


JSON_PREFIXES = ("/api/", "/tiles/", "/basemap/", "/ogcapi/", "/exchange/")


def wants_json(request: HttpRequest) -> bool:
    if request.path.startswith(JSON_PREFIXES) or request.path == "/healthz":
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def error_response(
    request: HttpRequest, *, status: int, code: str, message: str, details: Any = None
) -> HttpResponse:
    if wants_json(request):
        return JsonResponse(
            error_body(status=status, code=code, message=message, details=details),
            status=status,
            json_dumps_params={"ensure_ascii": False},
        )
    context = {"status": status, "code": code, "message": message}
    return render(request, "core/error.html", context, status=status)


def _drf_code(exc: drf_exceptions.APIException) -> str:
    codes = exc.get_codes()
    if isinstance(codes, str):
        return codes
    return exc.default_code


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's EXCEPTION_HANDLER: DomainError and DRF's own errors get the common body."""
    if isinstance(exc, DomainError):
        return Response(
            error_body(
                status=exc.status_code, code=exc.code, message=exc.message, details=exc.details
            ),
            status=exc.status_code,
            headers=_retry_after(exc),
        )
    response = drf_default_handler(exc, context)
    if response is None:
        return None  # an unexpected exception: Django's 500 handling logs it
    if isinstance(exc, drf_exceptions.ValidationError):
        message, code, details = _("The request is not valid."), "invalid", exc.detail
    elif isinstance(exc, drf_exceptions.APIException):
        message, code, details = str(exc.detail), _drf_code(exc), None
    else:  # Http404 and Django's PermissionDenied, already converted by DRF
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        message = str(detail)
        code = "not_found" if response.status_code == 404 else "forbidden"
        details = None
    response.data = error_body(
        status=response.status_code, code=code, message=message, details=details
    )
    return response


class DomainErrorMiddleware:
    """Turns a DomainError escaping a plain Django view into the right response."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 405 and not response.content and wants_json(request):
            # Django's require_GET and friends answer 405 with no body: give it the same
            # shape as every other error, keeping the Allow header.
            allowed = response.get("Allow", "")
            body = error_response(
                request,
                status=405,
                code="method_not_allowed",
                message=_("This address does not take %(method)s; it takes %(allowed)s.")
                % {"method": request.method, "allowed": allowed},
            )
            body["Allow"] = allowed
            return body
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_UNREACHABLE):
            # The database went away under the request (a restart, a failover, a killed
            # connection): its transaction is rolled back, nothing was written. Say so, and
            # when to come back; the next request opens a new connection.
            logger.error("database unreachable during %s %s", request.method, request.path,
                         exc_info=exception)  # fmt: skip
            response = error_response(
                request,
                status=503,
                code="database_unavailable",
                message=_(
                    "The database could not be reached; nothing was saved. Try again in a "
                    "few seconds."
                ),
            )
            response["Retry-After"] = "5"
            return response
        if not isinstance(exception, DomainError):
            return None
        response = error_response(
            request,
            status=exception.status_code,
            code=exception.code,
            message=exception.message,
            details=exception.details,
        )
        for name, value in _retry_after(exception).items():
            response[name] = value
        return response


def _retry_after(exc: DomainError) -> dict[str, str]:
    seconds = getattr(exc, "retry_after", None)
    return {"Retry-After": str(seconds)} if seconds else {}


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(
        request, status=404, code="not_found", message=_("There is nothing at this address.")
    )


def handler500(request: HttpRequest) -> HttpResponse:
    return error_response(
        request,
        status=500,
        code="internal_error",
        message=_("Something went wrong on our side. The error has been logged."),
    )


def handler403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(
        request, status=403, code="forbidden", message=_("You may not open this page.")
    )


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, status=400, code="bad_request", message=_("Bad request."))
