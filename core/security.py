"""The platform's security posture in one place: the Content-Security-Policy header, and the
throttle on failed sign-ins (the page, the token endpoint and HTTP Basic alike).

Counters live in the shared cache (Redis), so every web process counts the same failures.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from core.errors import TooManyRequests


class SecurityHeadersMiddleware:
    """Adds ``Content-Security-Policy`` (see content_security_policy) and
    ``Permissions-Policy`` to every response that has not set its own. A strict policy is
    possible because every script, style, font and tile comes from the platform itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # django-leaflet's map tag writes one inline script carrying request.csp_nonce (the
        # attribute django-csp defines); the nonce is new for every response.
        nonce = secrets.token_urlsafe(18)
        request.csp_nonce = nonce
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", content_security_policy(nonce))
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


def content_security_policy(nonce: str | None = None) -> str:
    """The header's value: settings.CONTENT_SECURITY_POLICY_DIRECTIVES, the response's script
    nonce, the host of the optional online basemap (settings.PUBLIC_MAP_ONLINE_BASEMAP_URL)
    among image sources, and the sign-on provider among form targets (signing out is a form
    whose answer sends the browser on to the provider's logout, which form-action governs)."""
    directives = {k: list(v) for k, v in settings.CONTENT_SECURITY_POLICY_DIRECTIVES.items()}
    if nonce:
        for name in ("script-src", "style-src"):
            directives.setdefault(name, []).append(f"'nonce-{nonce}'")
    online = urlsplit(settings.PUBLIC_MAP_ONLINE_BASEMAP_URL or "")
    if online.scheme in ("http", "https") and online.hostname:
        # Leaflet's {s} stands for a subdomain (a, b, c).
        host = online.netloc.replace("{s}", "*")
        directives.setdefault("img-src", []).append(f"{online.scheme}://{host}")
    logout = urlsplit(settings.OIDC_OP_LOGOUT_ENDPOINT if settings.OIDC_ENABLED else "")
    if logout.scheme in ("http", "https") and logout.netloc:
        directives.setdefault("form-action", []).append(f"{logout.scheme}://{logout.netloc}")
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def client_address(request: HttpRequest | None) -> str:
    """The client's IP address: REMOTE_ADDR, or the address the trusted proxies in front
    of the platform saw (settings.TRUSTED_PROXIES of them append to X-Forwarded-For)."""
    if request is None:
        return "unknown"
    proxies = settings.TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "unknown")


def _key(kind: str, value: str) -> str:
    # Hashed: user names and addresses do not sit in the cache in clear.
    return f"sign-in:{kind}:" + hashlib.sha256(value.lower().encode()).hexdigest()[:32]


def sign_in_check(*, username: str | None, address: str) -> None:
    """TooManyRequests when this user name or this address has failed too often within
    settings.SIGN_IN_LOCKOUT_SECONDS. Without a user name (a single sign-on, whose user is
    known only once it succeeded) the address alone counts."""
    window = settings.SIGN_IN_LOCKOUT_SECONDS
    by_user = cache.get(_key("user", username), 0) if username is not None else 0
    by_address = cache.get(_key("address", address), 0)
    if by_user >= settings.SIGN_IN_MAX_FAILURES_PER_USER or (
        by_address >= settings.SIGN_IN_MAX_FAILURES_PER_ADDRESS
    ):
        minutes = max(1, window // 60)
        raise TooManyRequests(
            _("Too many failed sign-ins. Wait %(minutes)s minutes, then try again.")
            % {"minutes": minutes},
            code="sign_in_throttled",
            retry_after=window,
        )


def sign_in_failed(*, username: str | None, address: str) -> None:
    """Count one failed sign-in against the user name (when there is one) and the address."""
    window = settings.SIGN_IN_LOCKOUT_SECONDS
    keys = [_key("address", address)]
    if username is not None:
        keys.append(_key("user", username))
    for key in keys:
        cache.add(key, 0, timeout=window)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window)


def sign_in_succeeded(*, username: str) -> None:
    cache.delete(_key("user", username))


class ThrottledModelBackend(ModelBackend):
    """Django's user-name and password check, refused with 429 after too many failures for
    the same user name or from the same address (settings.SIGN_IN_*). Every way of signing
    in (the page, the token endpoint, HTTP Basic) goes through authenticate(), so through
    here."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if password is None:
            return None  # not a password sign-in (single sign-on passes a code, not this)
        if username is None:
            username = kwargs.get(self._username_field(), "")
        name, address = str(username or ""), client_address(request)
        sign_in_check(username=name, address=address)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            sign_in_failed(username=name, address=address)
        else:
            sign_in_succeeded(username=name)
        return user

    @staticmethod
    def _username_field() -> str:
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD
