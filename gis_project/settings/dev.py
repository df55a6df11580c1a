"""Development: safe defaults for a machine of one's own, served on 127.0.0.1 only."""

from django.core.management.utils import get_random_secret_key

from gis_project.env import Env
from gis_project.settings.base import *  # noqa: F403
from gis_project.settings.base import configure

ENV = Env(use_local_file=True)
globals().update(configure(ENV, debug_default=True))

# .local/env holds a per-checkout key written by scripts/devstack.py; without it the key lives
# only as long as this process (sessions do not survive a restart, which is fine here).
SECRET_KEY = ENV.str("SECRET_KEY") or get_random_secret_key()
ALLOWED_HOSTS = ENV.list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
