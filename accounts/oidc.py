"""The OpenID Connect relying party: mozilla-django-oidc's authorization-code flow (with PKCE
and a nonce), held to the checks the specification asks of a client and the library leaves
out, and with every failure turned into a typed refusal (``accounts.errors``).

Beyond the library's signature and nonce checks, an identity token must name this platform
as its audience (and authorised party when there are several), come from the configured
issuer, carry ``exp``, ``iat`` and ``sub``, not be expired, and agree with the provider's user
information on ``sub``. Users are found by (issuer, sub), never by e-mail.
"""

from __future__ import annotations

import logging
from typing import Any

import jwt
import requests
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from accounts.errors import (
    SignOnExpired,
    SignOnProviderError,
    SignOnTokenInvalid,
    SignOnUnavailable,
)
from accounts.services import identity_sign_on

logger = logging.getLogger("accounts.sign_on")

# Claims about the token itself, not about the person: never taken as profile or roles.
_TOKEN_CLAIMS = frozenset(
    {"iss", "aud", "azp", "exp", "iat", "nbf", "nonce", "at_hash", "c_hash", "sid", "jti"}
)


def provider_check() -> None:
    """``SignOnUnavailable`` (503) unless the provider answers now: checked before a browser
    is sent there, so that a provider that is down is said at once, on our page, instead of
    the browser's own error. Its key set is the cheapest document it must always serve."""
    try:
        response = requests.get(settings.OIDC_OP_JWKS_ENDPOINT, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
    except requests.RequestException as exc:
        raise _unavailable(exc) from exc


def _unavailable(exc: Exception) -> SignOnUnavailable:
    logger.warning("sign-on: the provider does not answer: %s", type(exc).__name__)
    return SignOnUnavailable(
        _(
            "The sign-on service (%(name)s) does not answer. Try again in a few minutes; "
            "staff with a local account can sign in with it meanwhile."
        )
        % {"name": settings.OIDC_PROVIDER_NAME}
    )


class PlatformOIDCBackend(OIDCAuthenticationBackend):
    """The authentication backend of single sign-on; inert unless ``OIDC_ENABLED``."""

    def authenticate(self, request, **kwargs):
        # Only the sign-on callback passes a nonce; password sign-ins are not ours.
        if not settings.OIDC_ENABLED or "nonce" not in kwargs:
            return None
        try:
            return super().authenticate(request, **kwargs)
        except SuspiciousOperation as exc:
            # The library's own checks: nonce, key id, algorithm.
            raise SignOnTokenInvalid(
                _("The identity token was refused: %(reason)s") % {"reason": str(exc)}
            ) from exc
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise _unavailable(exc) from exc
        except requests.HTTPError as exc:
            raise self._http_refusal(exc) from exc
        except (requests.RequestException, ValueError) as exc:
            # ValueError: a body that is not JSON where JSON belongs.
            raise SignOnProviderError(
                _("The sign-on service answered with something that is not OpenID Connect.")
            ) from exc

    def _http_refusal(self, exc: requests.HTTPError):
        response = exc.response
        status = response.status_code if response is not None else 502
        url = response.url if response is not None else ""
        if status >= 500:
            return SignOnProviderError(
                _("The sign-on service failed (HTTP %(status)s). Try again later.")
                % {"status": status}
            )
        if url.startswith(self.OIDC_OP_TOKEN_ENDPOINT):
            # invalid_grant and friends: a code used twice, too old, or not for this client.
            return SignOnExpired(
                _(
                    "The sign-on service refused to complete this sign-in (%(error)s): it was "
                    "already used or took too long. Start again."
                )
                % {"error": _oauth_error(response)}
            )
        return SignOnTokenInvalid(
            _("The sign-on service refused the access token it issued (HTTP %(status)s).")
            % {"status": status}
        )

    def _verify_jws(self, payload, key):
        try:
            header = jwt.get_unverified_header(payload)
        except jwt.PyJWTError as exc:
            raise SignOnTokenInvalid(_("The identity token is not a signed token.")) from exc
        algorithm = header.get("alg")
        if algorithm != self.OIDC_RP_SIGN_ALGO:
            raise SignOnTokenInvalid(
                _("The identity token is signed with %(got)s, not %(want)s.")
                % {"got": str(algorithm)[:20], "want": self.OIDC_RP_SIGN_ALGO}
            )
        try:
            claims = jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.OIDC_ISSUER,
                leeway=settings.OIDC_CLOCK_SKEW_SECONDS,
                options={"require": ["iss", "aud", "exp", "iat", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise SignOnTokenInvalid(_token_refusal(exc)) from exc
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SignOnTokenInvalid(
                _("The identity token was issued for another party (azp), not this platform.")
            )
        return claims

    def get_userinfo(self, access_token, id_token, payload):
        userinfo = super().get_userinfo(access_token, id_token, payload)
        if not isinstance(userinfo, dict) or userinfo.get("sub") != payload.get("sub"):
            # OpenID Connect Core 5.3.2: the answer is about someone else, or no one.
            raise SignOnTokenInvalid(
                _("The sign-on service's user information is about another subject.")
            )
        return userinfo

    def get_or_create_user(self, access_token, id_token, payload):
        userinfo = self.get_userinfo(access_token, id_token, payload)
        claims: dict[str, Any] = {
            **{name: value for name, value in payload.items() if name not in _TOKEN_CLAIMS},
            **userinfo,
        }
        return identity_sign_on(issuer=settings.OIDC_ISSUER, claims=claims)


def _token_refusal(exc: jwt.PyJWTError) -> str:
    if isinstance(exc, jwt.ExpiredSignatureError):
        return _("The identity token has expired. Sign in again.")
    if isinstance(exc, jwt.InvalidSignatureError):
        return _(
            "The identity token's signature does not verify with the sign-on service's keys: "
            "it was forged or altered."
        )
    if isinstance(exc, jwt.InvalidAudienceError):
        return _("The identity token was issued for another service, not this platform.")
    if isinstance(exc, jwt.InvalidIssuerError):
        return _("The identity token was issued by another issuer, not the configured one.")
    if isinstance(exc, jwt.ImmatureSignatureError):
        return _("The identity token is dated in the future; check the server clocks.")
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return _("The identity token lacks its %(claim)s claim.") % {"claim": exc.claim}
    return _("The identity token is malformed.")


def _oauth_error(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    error = body.get("error") if isinstance(body, dict) else None
    return str(error)[:60] if error else f"HTTP {response.status_code}"
