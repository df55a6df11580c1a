"""The address register in the admin: to look things up. Changes go through the register's
services (the API, and the editor to come), which number buildings, issue postcodes and
invalidate the map's tiles; the admin offers no way around them."""

from django.contrib import admin

from addressing.models import Area, Building, Place, PostalZone, Street, TurnRestriction
from core.admin import ReadOnlyAdmin


class RegisterAdmin(ReadOnlyAdmin):
    exclude = ["geom"]


@admin.register(Street)
class StreetAdmin(RegisterAdmin):
    list_display = ["code", "name_en", "name_ar", "street_type", "oneway", "municipality"]
    list_filter = ["municipality", "street_type", "is_synthetic"]
    search_fields = ["code", "name_en", "name_ar"]


@admin.register(PostalZone)
class PostalZoneAdmin(RegisterAdmin):
    list_display = ["code", "name_en", "governorate", "municipality", "is_synthetic"]


@admin.register(Area)
class AreaAdmin(RegisterAdmin):
    list_display = ["name_en", "name_ar", "municipality", "is_synthetic"]


@admin.register(Building)
class BuildingAdmin(RegisterAdmin):
    list_display = ["postcode", "street", "number", "number_suffix", "side", "status"]
    list_filter = ["status", "is_synthetic", "zone"]
    search_fields = ["postcode", "street__name_en", "street__name_ar"]
    exclude = ["entrance", "footprint"]
    list_select_related = ["street"]


@admin.register(Place)
class PlaceAdmin(RegisterAdmin):
    list_display = ["name_en", "name_ar", "kind", "source", "municipality"]
    list_filter = ["kind", "source"]
    search_fields = ["name_en", "name_ar"]


@admin.register(TurnRestriction)
class TurnRestrictionAdmin(RegisterAdmin):
    list_display = ["kind", "from_street", "to_street", "source", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["from_street__name_en", "to_street__name_en", "source"]
    exclude = ["via", "from_hint", "to_hint"]
    list_select_related = ["from_street", "to_street"]
