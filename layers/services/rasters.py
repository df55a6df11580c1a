"""Writes of raster layers: an uploaded GeoTIFF becomes a Cloud Optimized GeoTIFF (rasterio).

The raster keeps its own CRS (which must be on the allow-list); its footprint is stored in
WGS 84 (EPSG:4326) for listing and search. Elevation values are read as metres.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import rasterio
import rasterio.shutil
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.gis.geos import Polygon
from django.db import transaction
from rasterio.errors import RasterioError
from rasterio.warp import transform_bounds

from core.crs import crs_check
from core.errors import InvalidInput
from core.roles import signed_in
from layers.models import Raster, RasterKind, Visibility
from layers.services.registry import layer_check_slug

RASTER_DIR = "rasters"


def _statistics(path: Path) -> tuple[float | None, float | None]:
    """Minimum and maximum of band 1 (from the overviews, so large rasters stay quick)."""
    with rasterio.open(path) as src:
        level = src.overviews(1)[-1] if src.overviews(1) else 1
        data = src.read(
            1,
            out_shape=(max(1, src.height // level), max(1, src.width // level)),
            masked=True,
        )
    if data.count() == 0:
        return None, None
    return float(data.min()), float(data.max())


# The first bytes of a TIFF (little- or big-endian) and of a BigTIFF.
TIFF_MAGIC = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")


def raster_inspect(*, path: Path, kind: str) -> dict:
    """What raster_create needs to know of the GeoTIFF at ``path`` (size, bands, type, its
    allowed EPSG code as ``crs`` and its WGS 84 ``bounds``), or InvalidInput saying why it
    cannot be a raster layer. Only the TIFF reader of GDAL ever sees the file: anything else
    is refused by its first bytes, before GDAL guesses a format."""
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic not in TIFF_MAGIC:
        raise InvalidInput(
            f"{path.name} is not a GeoTIFF; upload a GeoTIFF (.tif).", code="unreadable_file"
        )
    try:
        with rasterio.open(path, driver="GTiff") as src:
            if src.crs is None:
                raise InvalidInput(
                    f"{path.name} is not georeferenced (it has no CRS).", code="missing_crs"
                )
            code = crs_check(src.crs.to_epsg() or 0)
            if src.transform.is_identity:
                raise InvalidInput(f"{path.name} has no geotransform.", code="not_georeferenced")
            if kind == RasterKind.IMAGERY and src.count not in (1, 3, 4):
                raise InvalidInput("Imagery has 1, 3 or 4 bands.", code="invalid_bands")
            bounds = transform_bounds(src.crs, "EPSG:4326", *src.bounds)
            return {
                "crs": code,
                "bounds": bounds,
                "width": src.width,
                "height": src.height,
                "bands": src.count,
                "dtype": src.dtypes[0],
                "nodata": src.nodata,
                "resolution": float(abs(src.res[0])),
            }
    except RasterioError:
        raise InvalidInput(
            f"{path.name} cannot be read as a raster (a GeoTIFF is expected).",
            code="unreadable_file",
        ) from None


@transaction.atomic
def raster_create(
    *,
    path: Path,
    slug: str,
    title_en: str,
    kind: str,
    user: AbstractBaseUser | None,
    title_ar: str = "",
    visibility: str = Visibility.INTERNAL,
    source: str = "",
    attribution: str = "",
    is_synthetic: bool = False,
) -> Raster:
    """Store the GeoTIFF at ``path`` as a COG (DEFLATE, internal tiles and overviews) and
    register it. The file must be a georeferenced raster in an allowed CRS."""
    if kind not in RasterKind.values:
        raise InvalidInput(f"kind is one of {', '.join(RasterKind.values)}.", code="invalid_kind")
    layer_check_slug(slug=slug)
    if Raster.objects.filter(slug=slug).exists():
        raise InvalidInput(f"A raster {slug!r} exists already.", code="duplicate_slug")
    facts = raster_inspect(path=path, kind=kind)
    code = facts.pop("crs")
    west, south, east, north = facts.pop("bounds")
    relative = Path(RASTER_DIR) / f"{slug}.tif"
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".tmp.tif")
    try:
        rasterio.shutil.copy(
            path,
            temporary,
            driver="COG",
            compress="DEFLATE",
            predictor="2" if np.dtype(facts["dtype"]).kind in "iu" else "3",
            overview_resampling="average",
            blocksize=512,
        )
        shutil.move(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    value_min, value_max = _statistics(target)
    try:
        raster = Raster.objects.create(
            slug=slug,
            title_en=title_en,
            title_ar=title_ar,
            kind=kind,
            visibility=visibility,
            file=str(relative),
            crs=code,
            extent=Polygon.from_bbox((west, south, east, north)),
            value_min=value_min,
            value_max=value_max,
            source=source,
            attribution=attribution,
            is_synthetic=is_synthetic,
            created_by=signed_in(user),
            **facts,
        )
    except Exception:
        target.unlink(missing_ok=True)  # no file without its record
        raise
    return raster
