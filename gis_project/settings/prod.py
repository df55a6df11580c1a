"""Production: every secret and host comes from the environment; nothing has a default."""

from gis_project.env import Env
from gis_project.settings.base import *  # noqa: F403
from gis_project.settings.base import configure

ENV = Env(use_local_file=False)

SECRET_KEY = ENV.required("SECRET_KEY", why="production refuses to start without its own key")
ALLOWED_HOSTS = ENV.list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    ENV.required("ALLOWED_HOSTS", why="a comma-separated list of the host names this site serves")
globals().update(configure(ENV, debug_default=False))
if DEBUG:  # noqa: F405
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DJANGO_DEBUG must not be true in production")

CSRF_TRUSTED_ORIGINS = ENV.list("CSRF_TRUSTED_ORIGINS")
# Behind a TLS-terminating proxy (the usual deployment); HTTPS=false serves plain HTTP on an
# isolated intranet, where secure-only cookies would make login impossible.
_https = ENV.bool("HTTPS", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
SECURE_SSL_REDIRECT = _https and ENV.bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = ENV.int("SECURE_HSTS_SECONDS", 3600 if _https else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = ENV.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", _https)
# Joining the browsers' preload list is hard to undo: the operator decides.
SECURE_HSTS_PRELOAD = ENV.bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
