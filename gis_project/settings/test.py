"""Tests: the real PostGIS and Redis of the checkout (or DATABASE_URL), never stand-ins."""

from gis_project.env import Env
from gis_project.settings.base import *  # noqa: F403
from gis_project.settings.base import configure

ENV = Env(use_local_file=True)
globals().update(configure(ENV, debug_default=False))

SECRET_KEY = "test-only-key-not-secret"  # noqa: S105 - never used outside the test run
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
# Hashing dominates user-heavy tests; MD5 is acceptable for throw-away test users only.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests never share a queue or cache keys with a platform running from the same checkout.
# Named after the test database, so that two test runs side by side never take each other's jobs.
CELERY_TASK_DEFAULT_QUEUE = ENV.str(
    "CELERY_QUEUE",
    f"gis-test-{DATABASES['default']['NAME']}",  # noqa: F405
)
# The test worker beats often, so that a test can give up on a killed worker in seconds.
JOB_HEARTBEAT_SECONDS = 0.5
CACHES["default"]["KEY_PREFIX"] = "test"  # noqa: F405
TILE_CACHE_DIR = ENV.str("TILE_CACHE_DIR", str(LOCAL_DIR / "test-tiles"))  # noqa: F405
# Tests serve static files straight from the apps and node_modules (nothing is collected).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
# Thousands of requests come from one address in a test run: the throttles' own tests set the
# limits they test (override_settings), every other test runs unlimited.
SIGN_IN_MAX_FAILURES_PER_USER = SIGN_IN_MAX_FAILURES_PER_ADDRESS = 10_000
API_RATE_LIMITS = {scope: {"public": None, "staff": None} for scope in API_RATE_LIMITS}  # noqa: F405
