"""Pluggable engines (tile cache, geocoder, ...) chosen by a setting."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T")


def engine_from_setting(setting: str, engines: Mapping[str, Callable[[], T]]) -> T:
    """A new engine of the kind the setting ``setting`` names (one of ``engines``); a name
    that is not one of them is a configuration error, said at the first use."""
    name = getattr(settings, setting)
    if name not in engines:
        raise ImproperlyConfigured(f"{setting}={name!r}: use one of {', '.join(engines)}")
    return engines[name]()
