"""WSGI entry point (gunicorn serves ``gis_project.wsgi:application``).

Defaults to production settings: a server that forgets DJANGO_SETTINGS_MODULE must not run
with development defaults. ``./platform run`` selects ``gis_project.settings.dev`` explicitly.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis_project.settings.prod")
application = get_wsgi_application()
