"""Background jobs of the layers app."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.gis.geos import GEOSGeometry

from core.collections import registry
from core.tiles import tile_seed
from jobs.runner import JobContext, job_task, job_user
from layers.importers import ReadOptions
from layers.models import Layer
from layers.services import NewLayer, layer_import
from layers.services.exports import collection_export
from layers.services.rasters import raster_create


@job_task("layers.layer_import")
def layer_import_job(
    *,
    job: JobContext,
    upload: str,
    user_id: int | None,
    layer: str | None = None,
    new_layer: dict | None = None,
    options: dict | None = None,
    mapping: dict | None = None,
    repair: bool = False,
    on_error: str = "fail",
    dry_run: bool = False,
) -> dict:
    """Import an uploaded file (``upload``, relative to MEDIA_ROOT; removed when the job ends,
    whatever the outcome). The result is the import report."""
    user = job_user(user_id)
    report = layer_import(
        path=Path(settings.MEDIA_ROOT) / upload,
        user=user,
        layer=Layer.objects.get(slug=layer) if layer else None,
        new_layer=NewLayer(**new_layer) if new_layer else None,
        options=ReadOptions(**(options or {})),
        mapping=mapping,
        repair=repair,
        on_error=on_error,
        dry_run=dry_run,
        progress=job.progress,
    )
    return report.as_dict()


@job_task("layers.raster_create")
def raster_create_job(*, job: JobContext, upload: str, user_id: int | None, raster: dict) -> dict:
    """Store an uploaded GeoTIFF as a COG raster layer; the upload is removed when the job
    ends."""
    job.progress(0, 2, "converting to a Cloud Optimized GeoTIFF")
    user = job_user(user_id)
    created = raster_create(path=Path(settings.MEDIA_ROOT) / upload, user=user, **raster)
    job.progress(2, 2, "done")
    return {"slug": created.slug, "width": created.width, "height": created.height}


@job_task("layers.collection_export")
def collection_export_job(
    *,
    job: JobContext,
    collection: str,
    user_id: int | None,
    format: str,
    crs: int,
    bbox: str | None = None,
) -> dict:
    """Export what the user may see of ``collection`` (``bbox``: EPSG:4326 WKT) to a file the
    job delivers (``/api/v1/jobs/<id>/file``)."""
    user = job_user(user_id)
    user = user or AnonymousUser()
    exported = collection_export(
        collection=registry.get(collection, user=user),
        user=user,
        format=format,
        crs=crs,
        bbox=GEOSGeometry(bbox, srid=4326) if bbox else None,
        directory=job.result_dir(),
        progress=job.progress,
    )
    return {
        "file": exported.filename,
        "media_type": exported.media_type,
        "features": exported.features,
        "format": format,
        "crs": crs,
    }


@job_task("layers.tiles_seed")
def tiles_seed_job(
    *, job: JobContext, collection: str, bbox: list[float], min_zoom: int, max_zoom: int
) -> dict:
    """Fill the tile cache with the public tiles of ``collection`` over ``bbox`` (west, south,
    east, north, EPSG:4326 degrees), from ``min_zoom`` to ``max_zoom``."""
    public = AnonymousUser()
    return tile_seed(
        collection=registry.get(collection, user=public),
        user=public,
        bbox=tuple(bbox),
        min_zoom=min_zoom,
        max_zoom=max_zoom,
        progress=job.progress,
    )
