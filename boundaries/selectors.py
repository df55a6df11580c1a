"""Reads of the administrative geography. Geometries are WGS 84 (EPSG:4326)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.contrib.gis.geos import GEOSGeometry, Point
from django.db.models import F, QuerySet

from boundaries.models import Governorate, Municipality
from core.errors import InvalidInput, NotFound
from core.spatial import LabelPoint

# 6 decimals of a degree are about 0.1 m: finer than the sources, and a third smaller.
GEOJSON_PRECISION = 6


def municipality_list() -> QuerySet[Municipality]:
    return Municipality.objects.select_related("governorate").order_by("name_en")


def municipality_current() -> Municipality:
    """The municipality this deployment serves (setting ``PLATFORM_MUNICIPALITY``)."""
    municipality = municipality_list().filter(slug=settings.PLATFORM_MUNICIPALITY).first()
    if municipality is None:
        raise NotFound(
            f"Municipality {settings.PLATFORM_MUNICIPALITY!r} is not loaded; "
            "run `manage.py load_reference_data`.",
            code="municipality_not_loaded",
        )
    return municipality


def served_area_check(*, geometry: GEOSGeometry) -> None:
    """InvalidInput unless ``geometry`` (EPSG:4326) meets a municipality the platform holds: an
    edit far from every municipality is a slip (swapped coordinates) or not ours to make. Before
    any municipality is loaded there is nothing to check against."""
    municipalities = Municipality.objects.all()
    if not municipalities.exists():
        return
    if not municipalities.filter(geom__intersects=geometry).exists():
        x0, y0, x1, y1 = geometry.extent
        raise InvalidInput(
            f"The geometry ({x0:.5f}, {y0:.5f} to {x1:.5f}, {y1:.5f}, longitude then latitude) "
            "lies outside every municipality the platform serves.",
            code="outside_municipality",
        )


def governorate_list() -> QuerySet[Governorate]:
    return Governorate.objects.select_related("region").order_by("pcode")


def governorate_at(*, point: Point) -> Governorate | None:
    """The governorate containing ``point`` (EPSG:4326), if any."""
    return governorate_list().filter(geom__contains=point).first()


def municipality_feature_rows() -> list[dict[str, Any]]:
    """Municipalities as GeoJSON-ready rows (``geojson`` text, properties), with a label point
    (lon, lat in EPSG:4326) well inside each area and the deployment's own marked current."""
    rows = list(
        municipality_list()
        .annotate(
            geojson=AsGeoJSON("geom", precision=GEOJSON_PRECISION),
            governorate_pcode=F("governorate__pcode"),
            label=LabelPoint("geom"),
        )
        .values(
            "id",
            "slug",
            "name_en",
            "name_ar",
            "governorate_pcode",
            "area_m2",
            "source",
            "geojson",
            "label",
        )
    )
    for row in rows:
        label = row.pop("label")
        row["label_point"] = [round(label.x, GEOJSON_PRECISION), round(label.y, GEOJSON_PRECISION)]
        row["is_current"] = row["slug"] == settings.PLATFORM_MUNICIPALITY
    return rows


def governorate_feature_rows() -> list[dict[str, Any]]:
    """Governorates as GeoJSON-ready rows, with their codes and postcode digit."""
    return list(
        governorate_list()
        .annotate(
            geojson=AsGeoJSON("geom", precision=GEOJSON_PRECISION),
            region_pcode=F("region__pcode"),
        )
        .values(
            "id",
            "pcode",
            "name_en",
            "name_ar",
            "region_pcode",
            "postcode_digit",
            "area_m2",
            "source",
            "geojson",
        )
    )
