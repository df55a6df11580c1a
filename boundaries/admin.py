from django.contrib import admin

from boundaries.models import Governorate, Locality, Municipality, Region
from core.admin import ReadOnlyAdmin


class BoundaryAdmin(ReadOnlyAdmin):
    """View-only: boundaries change only by reloading their sources
    (``manage.py load_reference_data``), which keeps areas and joins consistent."""

    list_display = ["name_en", "name_ar", "area_m2", "source", "updated_at"]
    search_fields = ["name_en", "name_ar"]
    exclude = ["geom"]


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
