"""Downloading any collection the caller may see, in an open format and a CRS they pick."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.gis.geos import Polygon
from django.http import FileResponse, HttpRequest
from django.views.decorators.http import require_GET

from core.collections import registry
from core.crs import CRS84, crs_parse
from core.errors import InvalidInput
from layers.ogc import parse_bbox
from layers.services.exports import FORMATS, INLINE_MAX_FEATURES, collection_export


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


@dataclass(frozen=True)
class ExportOptions:
    format: str
    crs: int
    bbox: Polygon | None


EXPORT_PARAMETERS = frozenset({"format", "crs", "bbox", "bbox-crs"})


def export_options(values: Mapping[str, Any]) -> ExportOptions:
    """The export parameters (``format``, ``crs``, ``bbox``, ``bbox-crs``, as in the download's
    query string) checked: an unknown parameter or value is refused with the reason."""
    unknown = set(values) - EXPORT_PARAMETERS
    if unknown:
        raise InvalidInput(
            f"Unknown parameter(s): {', '.join(sorted(map(str, unknown)))}.",
            code="unknown_parameter",
        )
    for name, value in values.items():
        if not isinstance(value, str):
            raise InvalidInput(f"{name} is text, as in the query string.", code="invalid_parameter")
    chosen = values.get("format", "gpkg")
    if chosen not in FORMATS:
        raise InvalidInput(
            f"format={chosen!r}: use one of {', '.join(FORMATS)}.", code="invalid_format"
        )
    crs = crs_parse(values["crs"]) if "crs" in values else CRS84
    bbox = None
    if "bbox" in values:
        bbox_crs = crs_parse(values["bbox-crs"]) if "bbox-crs" in values else CRS84
        bbox = parse_bbox(values["bbox"], crs=bbox_crs)
    return ExportOptions(format=chosen, crs=crs, bbox=bbox)


@require_GET
def export(request: HttpRequest, collection_id: str) -> FileResponse:
    collection = registry.get(collection_id, user=request.user)
    options = export_options(request.GET.dict())
    result = collection_export(
        collection=collection,
        user=request.user,
        format=options.format,
        crs=options.crs,
        bbox=options.bbox,
        max_features=INLINE_MAX_FEATURES,
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
