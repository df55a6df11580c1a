"""The register as a public collection (OGC API, vector tiles, exports): the active parcels with
their identifier, area and zoning only. Parties and rights are not columns of this collection,
so no endpoint built on it can show them (see parcels.access)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from core.collections import (
    Collection,
    CollectionProvider,
    ModelCollection,
    User,
    titled_field,
)
from parcels.access import user_edits_register
from parcels.models import LandUse, Parcel, ParcelStatus

SYNTHETIC_NOTE = {
    "en": "Synthetic demo data where synthetic is true (generated, not surveyed).",
    "ar": "بيانات تجريبية مولدة حيث synthetic صحيحة (ليست مسحاً ميدانياً).",
}


class ParcelCollection(ModelCollection):
    id = "parcels"
    title = {"en": "Parcels", "ar": "قطع الأراضي"}
    description = {
        "en": "The cadastral register's active parcels: identifier (locality, basin, number), "
        "area on the ellipsoid and land-use zone. " + SYNTHETIC_NOTE["en"],
        "ar": "قطع الأراضي السارية في السجل: الرقم (الموقع، الحوض، القطعة) والمساحة واستعمال "
        "الأرض. " + SYNTHETIC_NOTE["ar"],
    }
    model = Parcel
    geometry_type = "Polygon"
    tile_geometry_field = "geom_3857"
    temporal_field = "valid_from"
    is_public = True
    min_zoom = 15
    style = {
        "color": "#6b4f2a",
        "weight": 1,
        "fillOpacity": 0.35,
        "property": "land_use",
        "classes": [
            {"value": use.value, "label": {"en": en, "ar": ar}, "fillColor": colour}
            for use, en, ar, colour in (
                (LandUse.RESIDENTIAL_A, "Residential A", "سكن أ", "#f6d28b"),
                (LandUse.RESIDENTIAL_B, "Residential B", "سكن ب", "#f3bf6b"),
                (LandUse.RESIDENTIAL_C, "Residential C", "سكن ج", "#e9a84c"),
                (LandUse.COMMERCIAL, "Commercial", "تجاري", "#e0736a"),
                (LandUse.MIXED, "Mixed use", "استعمال مختلط", "#d99bc4"),
                (LandUse.PUBLIC, "Public buildings", "مبانٍ عامة", "#8fb3de"),
                (LandUse.INDUSTRIAL, "Industrial", "صناعي", "#b5a6d6"),
                (LandUse.AGRICULTURAL, "Agricultural", "زراعي", "#b9d98f"),
                (LandUse.GREEN, "Green area", "منطقة خضراء", "#7cc47a"),
                (LandUse.ROAD, "Road reserve", "حرم طريق", "#d4d4d4"),
                (LandUse.UNZONED, "Not zoned", "غير مصنفة", "#f2f2f2"),
            )
        ],
    }
    field_list = (
        titled_field("locality", "string", "Locality", "الموقع"),
        titled_field("locality_ar", "string", "Locality (Arabic)", "الموقع بالعربية"),
        titled_field("basin", "integer", "Basin", "الحوض"),
        titled_field("number", "integer", "Parcel number", "رقم القطعة"),
        titled_field("area_m2", "number", "Area (m², ellipsoid)", "المساحة (م²)"),
        titled_field(
            "registered_area_m2", "number", "Registered area (m²)", "المساحة المسجلة (م²)"
        ),
        titled_field("land_use", "string", "Land use", "استعمال الأرض"),
        titled_field("valid_from", "datetime", "In force since", "سارية منذ"),
        titled_field("synthetic", "boolean", "Synthetic", "تجريبي"),
    )
    columns = {
        "locality": "locality__name_en",
        "locality_ar": "locality__name_ar",
        "basin": "basin",
        "number": "number",
        "area_m2": "area_m2",
        "registered_area_m2": "registered_area_m2",
        "land_use": "land_use",
        "valid_from": "valid_from",
        "synthetic": "is_synthetic",
    }

    @property
    def is_synthetic(self) -> bool:
        return Parcel.objects.filter(is_synthetic=True).exists()

    def queryset(self, *, user: User) -> QuerySet:
        return Parcel.objects.filter(status=ParcelStatus.ACTIVE)

    # The register changes only through its transactions (parcels.api: split, merge, adjust,
    # retire, rights), which the editor calls; the generic create/update/delete stay refused.
    edits_by_transactions = True

    def may_edit(self, *, user: User) -> bool:
        return user_edits_register(user)

    def feature_version(self, *, feature_id: str) -> int | None:
        if not feature_id.isdigit():
            return None
        return Parcel.objects.filter(pk=int(feature_id)).values_list("version", flat=True).first()


class ParcelsProvider(CollectionProvider):
    def collections(self) -> Iterable[Collection]:
        return [ParcelCollection()]
