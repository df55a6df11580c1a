"""Rate limits on the public APIs, by URL name, in one place (settings.API_RATE_LIMITS).

A public search or geocoding API is what a scraper or a careless batch script hammers first;
the limits keep one client from taking the service from everyone else. Staff signed in get
the ``staff`` rate of each scope; everyone else is counted by address. Counters live in the
shared cache, so all web processes count together.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from core.security import client_address


class PublicAPIThrottle(SimpleRateThrottle):
    """DRF throttle for every API view: the view's URL name picks the scope
    (settings.API_RATE_SCOPES); views in no scope are not limited here."""

    cache_format = "throttle:%(scope)s:%(ident)s"

    def __init__(self) -> None:
        # The rate is read per request (settings may change under tests), not at import.
        pass

    def allow_request(self, request, view) -> bool:
        match = getattr(request, "resolver_match", None)
        name = match.view_name if match else None
        self.scope = settings.API_RATE_SCOPES.get(name)
        if self.scope is None or settings.API_RATE_LIMITS_OFF:
            return True
        staff = bool(request.user and request.user.is_authenticated)
        self.rate = settings.API_RATE_LIMITS[self.scope]["staff" if staff else "public"]
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.ident = f"user-{request.user.pk}" if staff else client_address(request)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.ident}
