"""The one place that reads the process environment.

Settings modules ask this module for typed values; no other module calls ``os.environ``. In
development and test, values missing from the environment fall back to ``.local/env``, the file
``scripts/devstack.py`` writes when it starts the project-local database and Redis, so that
``./manage.py shell`` finds the same database as ``./platform run``. Production never reads that
file: every value must come from the real environment.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
LOCAL_DIR = BASE_DIR / ".local"
LOCAL_ENV_FILE = LOCAL_DIR / "env"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _read_local_env(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    values: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip()
    return values


class Env:
    """Typed access to configuration, with an optional fallback file for development."""

    def __init__(self, *, use_local_file: bool) -> None:
        self._fallback = _read_local_env(LOCAL_ENV_FILE) if use_local_file else {}

    def raw(self, name: str) -> str | None:
        value = os.environ.get(name)
        if value is None:
            value = self._fallback.get(name)
        return value

    def str(self, name: str, default: str | None = None) -> str | None:
        value = self.raw(name)
        return default if value is None else value

    def required(self, name: str, *, why: str) -> str:
        value = self.raw(name)
        if not value:
            raise ImproperlyConfigured(f"{name} must be set: {why}")
        return value

    def bool(self, name: str, default: bool) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use true or false)")

    def int(self, name: str, default: int) -> int:
        value = self.raw(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name}={value!r} is not an integer") from None

    def list(self, name: str, default: list[str] | None = None) -> list[str]:
        value = self.raw(name)
        if value is None:
            return list(default or [])
        return [item.strip() for item in value.split(",") if item.strip()]


def child_environment(**extra: str) -> dict[str, str]:
    """The environment for a child process (the PostgreSQL tools a backup runs): this
    process's own, with ``extra`` on top, so a password travels there and not on a command
    line."""
    return {**os.environ, **extra}
