"""Template context shared by every page. Reads settings only: error pages render through it
even when the database is down."""

from django.conf import settings
from django.http import HttpRequest


def platform(request: HttpRequest) -> dict:
    return {
        "PLATFORM_MUNICIPALITY": settings.PLATFORM_MUNICIPALITY,
        "PLATFORM_DEBUG": settings.DEBUG,
    }
