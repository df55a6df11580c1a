"""The language of the page a person is on is the language of the API's answers to that page.

Pages carry their language in the path (/ar/..., /en/...); the API has none, so Django picks
its language from the language cookie, then from the browser's Accept-Language. A browser set
to Arabic that opens an English page would otherwise get the API's messages in Arabic inside an
English page. Serving a page therefore sets the cookie to the page's language.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language_from_path


class PageLanguageCookieMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        language = get_language_from_path(request.path_info)
        if (
            language
            and response.status_code == 200
            and "text/html" in response.get("Content-Type", "")
            and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language
        ):
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
