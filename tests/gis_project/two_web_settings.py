"""Settings of the two web processes that tests/gis_project/test_stateless_web.py starts: the
test settings behind one load balancer (the client's address comes from X-Forwarded-For),
with sign-in throttling and a geocoding rate limit low enough to reach in a test."""

from gis_project.settings.test import *  # noqa: F403

TRUSTED_PROXIES = 1
SIGN_IN_MAX_FAILURES_PER_USER = 3
API_RATE_LIMITS = {
    **API_RATE_LIMITS,  # noqa: F405
    "geocode": {"public": "4/min", "staff": None},
}
