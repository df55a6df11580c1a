"""The parcel extract pages: the HTML print view and its PDF (same content)."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from core.errors import InvalidInput, NotFound
from parcels.extract import extract_html, extract_pdf, parcel_extract
from parcels.models import Parcel


@require_GET
def extract(request: HttpRequest, pk: int) -> HttpResponse:
    """``?format=pdf`` for the PDF; the HTML otherwise."""
    parcel = Parcel.objects.select_related("locality").filter(pk=pk).first()
    if parcel is None:
        raise NotFound(f"There is no parcel {pk}.", code="parcel_not_found")
    chosen = request.GET.get("format", "html")
    if chosen not in ("html", "pdf"):
        raise InvalidInput("format is html or pdf.", code="invalid_format")
    content = parcel_extract(parcel=parcel, user=request.user, via=request.path)
    if chosen == "html":
        response = HttpResponse(extract_html(extract=content, for_print=False, request=request))
    else:
        response = HttpResponse(extract_pdf(extract=content), content_type="application/pdf")
        name = f"parcel-{parcel.locality.name_en}-{parcel.basin}-{parcel.number}.pdf"
        response["Content-Disposition"] = f'inline; filename="{name.replace(" ", "-")}"'
    # The cadastre's extracts hold personal data: never kept by a shared cache.
    response["Cache-Control"] = "private, no-store"
    return response
