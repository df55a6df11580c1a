"""Typed errors raised by services and selectors.

Each error carries the HTTP status and a stable machine-readable ``code``; ``core.handlers``
turns them into responses in one place, for the API and the HTML pages alike. Services raise
these instead of returning error values, and never catch them only to hide them.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base class: a request the platform understood and refuses, with the reason."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details


class InvalidInput(DomainError):
    """The input is malformed or breaks a rule (bad geometry, wrong CRS, unknown field)."""

    status_code = 400
    code = "invalid"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class PermissionDenied(DomainError):
    status_code = 403
    code = "forbidden"


class MethodNotAllowed(DomainError):
    """The resource exists but does not take this method (a read-only collection)."""

    status_code = 405
    code = "method_not_allowed"


class PreconditionRequired(DomainError):
    """An edit must say which version it is based on (``If-Match``), or it could overwrite
    a change it never saw."""

    status_code = 428
    code = "version_required"


class Conflict(DomainError):
    """The request clashes with the current state (a duplicate, a finished job)."""

    status_code = 409
    code = "conflict"


class PreconditionFailed(DomainError):
    """An edit was based on a version that is no longer current (stale ``If-Match``)."""

    status_code = 412
    code = "stale_version"


class PayloadTooLarge(DomainError):
    status_code = 413
    code = "too_large"


class UnsupportedMediaType(DomainError):
    status_code = 415
    code = "unsupported_media_type"


class ServiceUnavailable(DomainError):
    """A dependency (database, broker, engine) cannot serve the request right now."""

    status_code = 503
    code = "unavailable"


class TooManyRequests(DomainError):
    """The client has asked too often (failed sign-ins, public search); ``retry_after`` in
    seconds goes out as the Retry-After header."""

    status_code = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class InsufficientStorage(DomainError):
    """The server's disk is full: the upload was not kept (what had been written is gone)."""

    status_code = 507
    code = "storage_full"
