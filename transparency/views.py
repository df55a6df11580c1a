"""The public transparency and privacy pages (no login). Thin: the selectors compute, the
templates say it in Arabic or English."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from transparency.selectors import EXPORT_FORMATS, service_figures, transparency_collections
from transparency.services import retention_periods


@require_GET
def transparency_page(request: HttpRequest) -> HttpResponse:
    """Every public collection (source, licence, last change, history, downloads, tiles), how
    to reuse the data, and the figures of the deliveries and service requests."""
    figures = service_figures()
    context = {
        "collections": transparency_collections(language=get_language() or "en"),
        "figures": figures,
        "formats": EXPORT_FORMATS,
        "ogc_landing": reverse("ogcapi:landing"),
        "api_docs": reverse("api-docs"),
        "open311": reverse("open311:discovery", kwargs={"format": "json"}),
        "base_url": request.build_absolute_uri("/").rstrip("/"),
    }
    return render(request, "transparency/transparency.html", context)


@require_GET
def privacy_page(request: HttpRequest) -> HttpResponse:
    """What personal data the platform holds, who reads it and how long it is kept: the periods
    are the settings the retention job enforces, read here so that page and job agree."""
    context = {"periods": retention_periods()}
    return render(request, "transparency/privacy.html", context)
