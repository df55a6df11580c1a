"""Reads of raster layers (selectors): who may see them, XYZ PNG tiles, zonal statistics.

Tiles are Web Mercator (EPSG:3857) 256-pixel PNGs warped from the stored COG with rasterio.
Zonal statistics take a polygon in WGS 84 (EPSG:4326), reproject it to the raster's CRS with
pyproj, and report elevation in metres and slope in degrees.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import shapely
from affine import Affine
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.db.models import QuerySet
from pyproj import Transformer
from rasterio.enums import ColorInterp, Resampling
from rasterio.errors import NotGeoreferencedWarning, WindowError
from rasterio.features import geometry_mask, geometry_window
from rasterio.io import MemoryFile
from rasterio.vrt import WarpedVRT

from core.collections import User
from core.errors import InvalidInput, NotFound
from core.roles import user_sees_internal
from core.sql import WEB_MERCATOR_HALF
from core.tiles import tile_validate
from layers.models import Raster, RasterKind, Visibility

TILE_SIZE = 256
# Hypsometric ramp for elevation, from low to high (green, yellow, brown, white).
RAMP = np.array(
    [[38, 115, 0], [161, 205, 90], [245, 235, 160], [190, 140, 80], [130, 90, 60], [245, 245, 245]],
    dtype=float,
)


def raster_list(*, user: User) -> QuerySet[Raster]:
    rasters = Raster.objects.all()
    if user_sees_internal(user):
        return rasters
    return rasters.filter(visibility=Visibility.PUBLIC)


def raster_get(*, user: User, slug: str) -> Raster:
    raster = raster_list(user=user).filter(slug=slug).first()
    if raster is None:
        raise NotFound(f"There is no raster {slug!r}.", code="raster_not_found")
    return raster


def raster_path(raster: Raster) -> Path:
    return Path(settings.MEDIA_ROOT) / raster.file


def _tile_transform(z: int, x: int, y: int) -> Affine:
    size = 2 * WEB_MERCATOR_HALF / 2**z
    west = -WEB_MERCATOR_HALF + x * size
    north = WEB_MERCATOR_HALF - y * size
    return Affine(size / TILE_SIZE, 0, west, 0, -size / TILE_SIZE, north)


def _stretch(values: np.ndarray, low: float, high: float) -> np.ndarray:
    span = (high - low) or 1.0
    return np.clip((values - low) / span, 0.0, 1.0)


def _hillshade(elevation: np.ndarray, pixel_metres: float) -> np.ndarray:
    """Light from the north-west, 45 degrees up; 0 (dark) to 1 (lit)."""
    dy, dx = np.gradient(elevation, pixel_metres)
    slope = np.arctan(np.hypot(dx, dy))
    aspect = np.arctan2(-dx, dy)
    azimuth, altitude = math.radians(315), math.radians(45)
    shaded = np.sin(altitude) * np.cos(slope) + np.cos(altitude) * np.sin(slope) * np.cos(
        azimuth - aspect
    )
    return np.clip(shaded, 0, 1)


def _colour(raster: Raster, data: np.ndarray, valid: np.ndarray, pixel_metres: float) -> np.ndarray:
    """RGB floats in 0..1, shape (3, h, w)."""
    if raster.kind == RasterKind.IMAGERY and data.shape[0] >= 3:
        scale = 255.0 if data.dtype == np.uint8 else float(np.nanmax(data[:3]) or 1)
        return np.clip(data[:3].astype(float) / scale, 0, 1)
    band = data[0].astype(float)
    low = raster.value_min if raster.value_min is not None else float(np.nanmin(band))
    high = raster.value_max if raster.value_max is not None else float(np.nanmax(band))
    level = _stretch(np.where(valid, band, low), low, high)
    if raster.kind != RasterKind.ELEVATION:
        return np.stack([level] * 3)
    position = level * (len(RAMP) - 1)
    lower = np.floor(position).astype(int).clip(0, len(RAMP) - 2)
    weight = (position - lower)[..., None]
    rgb = (RAMP[lower] * (1 - weight) + RAMP[lower + 1] * weight) / 255.0
    shade = _hillshade(np.where(valid, band, low), pixel_metres)[..., None]
    return np.moveaxis(rgb * (0.45 + 0.55 * shade), -1, 0)


def raster_tile_png(*, raster: Raster, z: int, x: int, y: int) -> bytes:
    """The XYZ tile z/x/y of ``raster`` as an RGBA PNG (transparent where it has no data)."""
    tile_validate(z=z, x=x, y=y)
    transform = _tile_transform(z, x, y)
    with rasterio.open(raster_path(raster)) as src:
        # Without nodata or an alpha band, only an added alpha tells the raster from the
        # empty space around it.
        add_alpha = src.nodata is None and ColorInterp.alpha not in src.colorinterp
        with WarpedVRT(
            src,
            crs="EPSG:3857",
            transform=transform,
            width=TILE_SIZE,
            height=TILE_SIZE,
            resampling=Resampling.bilinear,
            add_alpha=add_alpha,
        ) as vrt:
            if add_alpha:
                data = vrt.read(list(range(1, src.count + 1)))
                valid = vrt.read(src.count + 1) > 0
            else:
                data = vrt.read()
                valid = vrt.dataset_mask() > 0
    latitude = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y + 0.5) / 2**z))))
    pixel_metres = transform.a * math.cos(math.radians(latitude))
    rgb = _colour(raster, data, valid, pixel_metres)
    rgba = np.concatenate(
        [(rgb * 255).round().astype(np.uint8), (valid * 255).astype(np.uint8)[None]]
    )
    # A web tile is a plain image: it has no georeferencing, on purpose.
    with warnings.catch_warnings(), MemoryFile() as memory:
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with memory.open(
            driver="PNG", width=TILE_SIZE, height=TILE_SIZE, count=4, dtype="uint8"
        ) as png:
            png.write(rgba)
        return memory.read()


def _pixel_metres(raster: Raster, transform: Affine, latitude: float) -> tuple[float, float]:
    dx, dy = abs(transform.a), abs(transform.e)
    if raster.crs == 4326:  # degrees: metres per degree at this latitude
        return dx * 111_320 * math.cos(math.radians(latitude)), dy * 110_574
    return dx, dy


def raster_zonal_statistics(*, raster: Raster, polygon: GEOSGeometry) -> dict[str, Any]:
    """Statistics of ``raster`` inside ``polygon`` (EPSG:4326): cell count, min, max and mean
    value, and for elevation models the slope in degrees (min, max, mean). Cells whose centre
    lies inside the polygon count."""
    if polygon.geom_type not in ("Polygon", "MultiPolygon"):
        raise InvalidInput("Zonal statistics need a polygon.", code="wrong_geometry_type")
    shape = shapely.from_wkb(bytes(polygon.wkb))
    if raster.crs != 4326:
        forward = Transformer.from_crs(4326, raster.crs, always_xy=True)
        shape = shapely.transform(
            shape, lambda c: np.column_stack(forward.transform(c[:, 0], c[:, 1]))
        )
    geometry = [shapely.geometry.mapping(shape)]
    with rasterio.open(raster_path(raster)) as src:
        try:
            # One cell of margin, so the slope at the polygon's edge has its neighbours.
            window = geometry_window(src, geometry, pad_x=1, pad_y=1)
        except WindowError:
            raise InvalidInput(
                "The polygon does not overlap the raster.", code="outside_raster"
            ) from None
        transform = src.window_transform(window)
        grid = src.read(1, window=window, masked=True).astype(float)
    inside = geometry_mask(geometry, out_shape=grid.shape, transform=transform, invert=True)
    values = np.ma.masked_where(~inside | np.ma.getmaskarray(grid), grid)
    if values.count() == 0:
        raise InvalidInput("The polygon covers no cell of the raster.", code="outside_raster")
    result: dict[str, Any] = {
        "raster": raster.slug,
        "cells": int(values.count()),
        "value": {
            "min": float(values.min()),
            "max": float(values.max()),
            "mean": float(values.mean()),
        },
    }
    if raster.kind == RasterKind.ELEVATION:
        result["elevation_m"] = result.pop("value")
        dx, dy = _pixel_metres(raster, transform, polygon.centroid.y)
        dz_dy, dz_dx = np.gradient(grid.filled(np.nan), dy, dx)
        slope = np.degrees(np.arctan(np.hypot(dz_dx, dz_dy)))
        slope = np.ma.masked_where(np.ma.getmaskarray(values) | np.isnan(slope), slope)
        if slope.count():
            result["slope_degrees"] = {
                "min": float(slope.min()),
                "max": float(slope.max()),
                "mean": float(slope.mean()),
            }
    return result
