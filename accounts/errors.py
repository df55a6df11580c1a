"""Why a single sign-on was refused: each refusal names its cause and carries its HTTP status,
so the person at the browser, the log and a monitor all read the same thing."""

from __future__ import annotations

from core.errors import DomainError, NotFound, PermissionDenied, ServiceUnavailable


class SignOnNotConfigured(NotFound):
    code = "sign_on_not_configured"


class SignOnUnavailable(ServiceUnavailable):
    """The provider does not answer (down, unreachable, too slow)."""

    code = "sign_on_unavailable"


class SignOnProviderError(DomainError):
    """The provider answered, but with a server error or something that is not OpenID
    Connect."""

    status_code = 502
    code = "sign_on_provider_error"


class SignOnExpired(DomainError):
    """The sign-in cannot be completed as it stands: its state is unknown to this browser's
    session (started elsewhere, too old, already used) or the provider refused the code."""

    status_code = 400
    code = "sign_on_expired"


class SignOnDenied(PermissionDenied):
    """The provider itself refused the sign-in (the person cancelled, or may not use this
    service)."""

    code = "sign_on_denied"


class SignOnTokenInvalid(DomainError):
    """The identity token does not prove who signed in: forged, expired, issued for another
    client or by another issuer, or it disagrees with the provider's user information."""

    status_code = 401
    code = "sign_on_token_invalid"


class AccountDisabled(PermissionDenied):
    code = "account_disabled"
