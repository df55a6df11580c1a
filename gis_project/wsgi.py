"""WSGI entry point (gunicorn serves ``gis_project.wsgi:application``).

Defaults to production settings: a server that forgets DJANGO_SETTINGS_MODULE must not run
with development defaults. ``./platform run`` selects ``gis_project.settings.dev`` explicitly.

Every view module is imported here, not on each worker's first request: with gunicorn's
``--preload`` (as ``./platform run`` starts it) the workers fork from a process that has
done it once, and no user waits for a cold worker (measured: 0.4 s of imports, and
0.7 s of CPU for a worker's first tile).
"""

import os

from django.core.wsgi import get_wsgi_application
from django.db import connections
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis_project.settings.prod")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 - imports every view
# Forked workers must never share a connection; nothing above should have opened one.
connections.close_all()
