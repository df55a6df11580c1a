"""Writes of the exchange: clients, their tokens (issued, revoked), the per-client rate limit
and the request log."""

from __future__ import annotations

import hashlib
import logging
import math
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.utils import timezone

from core.errors import InvalidInput, TooManyRequests
from exchange.models import (
    DEFAULT_RATE_LIMIT_PER_MINUTE,
    ExchangeClient,
    ExchangeRequestLog,
    ExchangeToken,
    Service,
)

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "xch_"  # noqa: S105 - marks exchange tokens, it is not a secret
RATE_WINDOW_SECONDS = 60


def token_hash(secret: str) -> str:
    """The SHA-256 (hex) under which a token is stored and looked up."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def client_create(
    *,
    identifier: str,
    name: str,
    services: list[str],
    rate_limit_per_minute: int = DEFAULT_RATE_LIMIT_PER_MINUTE,
    certificate_sha256: str = "",
) -> ExchangeClient:
    """A member organisation's subsystem allowed ``services`` (values of models.Service);
    ``certificate_sha256`` (hex, colons allowed) lets it authenticate by client certificate
    through the TLS-terminating proxy instead of a token."""
    unknown = sorted(set(services) - set(Service.values))
    if unknown:
        raise InvalidInput(
            f"Unknown services {unknown}; the services are {', '.join(Service.values)}.",
            code="unknown_service",
        )
    client = ExchangeClient(
        identifier=identifier.strip(),
        name=name,
        allowed_services=sorted(set(services)),
        rate_limit_per_minute=rate_limit_per_minute,
        certificate_sha256=certificate_sha256.strip().lower().replace(":", ""),
    )
    if client.certificate_sha256 and not re.fullmatch(r"[0-9a-f]{64}", client.certificate_sha256):
        raise InvalidInput(
            "A certificate fingerprint is a SHA-256 in hex (64 digits, colons allowed).",
            code="invalid_fingerprint",
        )
    client.full_clean()
    client.save()
    return client


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``secret`` is what the client sends; it is not stored and cannot be shown
    again."""

    token: ExchangeToken
    secret: str


def token_issue(*, client: ExchangeClient, valid_days: int = 365, label: str = "") -> IssuedToken:
    """A new bearer token for ``client``, valid ``valid_days`` days (at least 1)."""
    if valid_days < 1:
        raise InvalidInput("A token is valid for one day at least.", code="invalid_validity")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ExchangeToken.objects.create(
        client=client,
        secret_sha256=token_hash(secret),
        prefix=secret[:12],
        label=label,
        expires_at=timezone.now() + timedelta(days=valid_days),
    )
    return IssuedToken(token=token, secret=secret)


def token_revoke(*, token: ExchangeToken, at: datetime | None = None) -> ExchangeToken:
    """Revoke ``token`` from now (or ``at``); a revoked token is refused with token_revoked."""
    if token.revoked_at is None:
        token.revoked_at = at or timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def rate_limit_take(*, client: ExchangeClient) -> None:
    """Count one call of ``client`` in the current minute; TooManyRequests (429, code
    rate_limited, Retry-After until the minute ends) when it is over its limit. Counters live
    in the shared cache (Redis), so every web process counts together."""
    now = time.time()
    window = int(now // RATE_WINDOW_SECONDS)
    # The identifier, not only the key, is in the cache key: it is stable across databases.
    key = f"exchange:rate:{client.identifier}:{window}"
    cache.add(key, 0, timeout=RATE_WINDOW_SECONDS + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=RATE_WINDOW_SECONDS + 5)
        count = 1
    if count > client.rate_limit_per_minute:
        retry_after = max(1, math.ceil((window + 1) * RATE_WINDOW_SECONDS - now))
        raise TooManyRequests(
            f"{client.identifier} may make {client.rate_limit_per_minute} calls a minute; "
            f"try again in {retry_after} s.",
            code="rate_limited",
            retry_after=retry_after,
            details={"limit_per_minute": client.rate_limit_per_minute},
        )


def request_log_write(
    *,
    client: ExchangeClient | None,
    token: ExchangeToken | None,
    service: str,
    version: str,
    method: str,
    status_code: int,
    error_code: str,
    duration_ms: float,
    message_id: str,
    request_id: str,
    client_address: str,
    parameters: dict[str, Any],
) -> ExchangeRequestLog | None:
    """One row of the request log. Never raises: a call whose log cannot be written is still
    answered, and the failure goes to the server log (in its own savepoint, so that it cannot
    break a surrounding transaction)."""
    try:
        with transaction.atomic():
            return ExchangeRequestLog.objects.create(
                client=client,
                token=token,
                service=service,
                version=version,
                method=method[:10],
                status_code=status_code,
                error_code=error_code[:60],
                duration_ms=round(duration_ms, 3),
                message_id=message_id[:128],
                request_id=request_id[:128],
                client_address=client_address[:64],
                parameters=parameters,
            )
    except DatabaseError:
        logger.exception("exchange: the request log could not be written (%s)", service)
        return None
