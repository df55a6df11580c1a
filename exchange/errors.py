"""The exchange's typed refusals: 401 for a token that does not let the caller in (with the
precise reason), 403 for a service the client may not use, 429 above its rate limit."""

from __future__ import annotations

from core.errors import DomainError


class Unauthenticated(DomainError):
    """No token, or one that is forged, expired or revoked (``code`` says which)."""

    status_code = 401
    code = "token_invalid"
