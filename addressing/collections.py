"""The address register as public collections (OGC API, vector tiles, exports): addresses
(delivery points), streets, postal zones, neighbourhoods and places. Every feature says
whether it is synthetic; retired buildings are never shown."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from addressing.models import Area, Building, BuildingStatus, Place, PostalZone, Street
from core.collections import (
    Collection,
    CollectionProvider,
    Field,
    ModelCollection,
    User,
    titled_field,
)
from core.roles import Role, user_has_role

OSM_ATTRIBUTION = {
    "text": "© OpenStreetMap contributors (ODbL)",
    "href": "https://www.openstreetmap.org/copyright",
}
SYNTHETIC_NOTE = {
    "en": "Synthetic demo data where synthetic is true (generated, not surveyed).",
    "ar": "بيانات تجريبية مولدة حيث synthetic صحيحة (ليست مسحاً ميدانياً).",
}


SYNTHETIC = Field(name="synthetic", type="boolean", title={"en": "Synthetic", "ar": "تجريبي"})
NAMES = (
    titled_field("name_ar", "string", "Name (Arabic)", "الاسم بالعربية"),
    titled_field("name_en", "string", "Name", "الاسم"),
)


class RegisterCollection(ModelCollection):
    is_public = True

    @property
    def is_synthetic(self) -> bool:
        return self.model.objects.filter(is_synthetic=True).exists()


class AddressCollection(RegisterCollection):
    id = "addresses"
    title = {"en": "Addresses and postcodes", "ar": "العناوين والرموز البريدية"}
    description = {
        "en": "Every building's entrance with its number, street and postcode. "
        + SYNTHETIC_NOTE["en"],
        "ar": "مدخل كل مبنى مع رقمه وشارعه ورمزه البريدي. " + SYNTHETIC_NOTE["ar"],
    }
    model = Building
    geometry_type = "Point"
    geometry_field = "entrance"
    min_zoom = 16
    style = {"color": "#7a2e0e", "fillColor": "#f08c4a", "radius": 4, "weight": 1}
    field_list = (
        titled_field("postcode", "string", "Postcode", "الرمز البريدي"),
        Field(name="number", type="integer", title={"en": "Building number", "ar": "رقم المبنى"}),
        titled_field("number_suffix", "string", "Number suffix", "لاحقة الرقم"),
        titled_field("street_ar", "string", "Street (Arabic)", "الشارع"),
        titled_field("street_en", "string", "Street", "الشارع بالإنجليزية"),
        titled_field("street_code", "string", "Street code", "رمز الشارع"),
        titled_field("area_ar", "string", "Area (Arabic)", "الحي"),
        titled_field("area_en", "string", "Area", "الحي بالإنجليزية"),
        titled_field("town_ar", "string", "Town (Arabic)", "المدينة"),
        titled_field("town_en", "string", "Town", "المدينة بالإنجليزية"),
        SYNTHETIC,
    )
    columns = {
        "postcode": "postcode",
        "number": "number",
        "number_suffix": "number_suffix",
        "street_ar": "street__name_ar",
        "street_en": "street__name_en",
        "street_code": "street__code",
        "area_ar": "area__name_ar",
        "area_en": "area__name_en",
        "town_ar": "street__municipality__name_ar",
        "town_en": "street__municipality__name_en",
        "synthetic": "is_synthetic",
    }

    def queryset(self, *, user: User) -> QuerySet:
        return Building.objects.filter(status=BuildingStatus.ACTIVE)

    # Edited through the register's services (an entrance added on its street, numbered and
    # given its postcode; a building retired), which the editor calls.
    edits_by_transactions = True

    def may_edit(self, *, user: User) -> bool:
        return user_has_role(user, Role.ADDRESSING_OFFICER, Role.ADMINISTRATOR)


class StreetCollection(RegisterCollection):
    id = "streets"
    # Edited through the register's services (the numbering of a street's buildings), which
    # the editor calls; not through the generic create/update/delete.
    edits_by_transactions = True

    def may_edit(self, *, user: User) -> bool:
        return user_has_role(user, Role.ADDRESSING_OFFICER, Role.ADMINISTRATOR)

    title = {"en": "Streets", "ar": "الشوارع"}
    description = {"en": "The street register. " + SYNTHETIC_NOTE["en"], "ar": "سجل الشوارع"}
    model = Street
    geometry_type = "LineString"
    min_zoom = 12
    style = {"color": "#1d4e89", "weight": 3}
    field_list = (
        titled_field("code", "string", "Street code", "رمز الشارع"),
        *NAMES,
        titled_field("street_type", "string", "Type", "النوع"),
        titled_field("oneway", "string", "One way", "اتجاه واحد"),
        Field(name="max_speed_kmh", type="integer", title={"en": "Speed limit", "ar": "السرعة"}),
        SYNTHETIC,
    )
    columns = {
        "code": "code",
        "name_ar": "name_ar",
        "name_en": "name_en",
        "street_type": "street_type",
        "oneway": "oneway",
        "max_speed_kmh": "max_speed_kmh",
        "synthetic": "is_synthetic",
    }


class PostalZoneCollection(RegisterCollection):
    id = "postal-zones"
    title = {"en": "Postal zones", "ar": "المناطق البريدية"}
    description = {
        "en": "Postal zones: the first three digits of a postcode. " + SYNTHETIC_NOTE["en"],
        "ar": "المناطق البريدية: أول ثلاث خانات من الرمز البريدي.",
    }
    model = PostalZone
    geometry_type = "MultiPolygon"
    style = {"color": "#8a1c7c", "weight": 2, "dashArray": "6 4", "fillOpacity": 0}
    field_list = (titled_field("code", "string", "Zone", "المنطقة"), *NAMES, SYNTHETIC)
    columns = {
        "code": "code",
        "name_ar": "name_ar",
        "name_en": "name_en",
        "synthetic": "is_synthetic",
    }


class AreaCollection(RegisterCollection):
    id = "areas"
    title = {"en": "Neighbourhoods", "ar": "الأحياء"}
    description = {"en": "Named neighbourhoods. " + SYNTHETIC_NOTE["en"], "ar": "الأحياء"}
    model = Area
    geometry_type = "MultiPolygon"
    style = {"color": "#2f6f4f", "weight": 1.5, "fillColor": "#9fd3b5", "fillOpacity": 0.15}
    field_list = (*NAMES, SYNTHETIC)
    columns = {"name_ar": "name_ar", "name_en": "name_en", "synthetic": "is_synthetic"}


class PlaceCollection(RegisterCollection):
    id = "places"
    title = {"en": "Places", "ar": "الأماكن"}
    description = {"en": "Named places (OpenStreetMap).", "ar": "الأماكن (خريطة الشارع المفتوحة)"}
    model = Place
    geometry_type = "Point"
    min_zoom = 13
    style = {"color": "#5b2a86", "fillColor": "#b48ce0", "radius": 5, "weight": 1}
    attribution = (OSM_ATTRIBUTION,)
    field_list = (*NAMES, titled_field("kind", "string", "Kind", "النوع"), SYNTHETIC)
    columns = {
        "name_ar": "name_ar",
        "name_en": "name_en",
        "kind": "kind",
        "synthetic": "is_synthetic",
    }


class AddressingProvider(CollectionProvider):
    def collections(self) -> Iterable[Collection]:
        return [
            AddressCollection(),
            StreetCollection(),
            PostalZoneCollection(),
            AreaCollection(),
            PlaceCollection(),
        ]
