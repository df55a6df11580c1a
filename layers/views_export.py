"""Downloading any collection the caller may see, in an open format and a CRS they pick."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest
from django.views.decorators.http import require_GET

from core.collections import registry
from core.crs import CRS84, crs_parse
from core.errors import InvalidInput
from layers.ogc import parse_bbox
from layers.services.exports import FORMATS, collection_export


class _CleanupFile:
    """An open export file that removes its temporary directory once sent."""

    def __init__(self, export) -> None:
        self.export = export
        self.handle = export.path.open("rb")

    def read(self, *args):
        return self.handle.read(*args)

    def close(self) -> None:
        self.handle.close()
        self.export.cleanup()


@require_GET
def export(request: HttpRequest, collection_id: str) -> FileResponse:
    collection = registry.get(collection_id, user=request.user)
    unknown = set(request.GET) - {"format", "crs", "bbox", "bbox-crs"}
    if unknown:
        raise InvalidInput(
            f"Unknown query parameter(s): {', '.join(sorted(unknown))}.", code="unknown_parameter"
        )
    chosen = request.GET.get("format", "gpkg")
    if chosen not in FORMATS:
        raise InvalidInput(
            f"format={chosen!r}: use one of {', '.join(FORMATS)}.", code="invalid_format"
        )
    crs = crs_parse(request.GET["crs"]) if "crs" in request.GET else CRS84
    bbox = None
    if "bbox" in request.GET:
        bbox_crs = crs_parse(request.GET["bbox-crs"]) if "bbox-crs" in request.GET else CRS84
        bbox = parse_bbox(request.GET["bbox"], crs=bbox_crs)
    result = collection_export(
        collection=collection, user=request.user, format=chosen, crs=crs, bbox=bbox
    )
    response = FileResponse(
        _CleanupFile(result),
        as_attachment=True,
        filename=result.filename,
        content_type=result.media_type,
    )
    response["X-Feature-Count"] = str(result.features)
    response["Cache-Control"] = "private, no-store"
    return response
