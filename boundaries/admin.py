from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from boundaries.models import Governorate, Locality, Municipality, Region


class BoundaryAdmin(LeafletGeoAdmin):
    """Django's own GIS widget loads OpenLayers from a CDN; django-leaflet's is served here."""

    list_display = ["name_en", "name_ar", "area_m2", "source", "updated_at"]
    search_fields = ["name_en", "name_ar"]
    readonly_fields = ["area_m2", "created_at", "updated_at"]


@admin.register(Region)
class RegionAdmin(BoundaryAdmin):
    list_display = ["pcode", *BoundaryAdmin.list_display]


@admin.register(Governorate)
class GovernorateAdmin(BoundaryAdmin):
    list_display = ["pcode", *BoundaryAdmin.list_display, "postcode_digit"]
    list_filter = ["region"]


@admin.register(Locality)
class LocalityAdmin(BoundaryAdmin):
    list_display = ["source_key", *BoundaryAdmin.list_display, "governorate"]
    list_filter = ["governorate"]


@admin.register(Municipality)
class MunicipalityAdmin(BoundaryAdmin):
    list_display = ["slug", *BoundaryAdmin.list_display, "governorate"]
    filter_horizontal = ["localities"]
