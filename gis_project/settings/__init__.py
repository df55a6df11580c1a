"""Settings flavours: ``dev`` (default for manage.py), ``test`` (pytest) and ``prod``."""
