"""Administrative boundaries as public collections (OGC API, tiles, exports)."""

from __future__ import annotations

from collections.abc import Iterable

from boundaries.models import Governorate, Locality, Municipality
from boundaries.sources import ATTRIBUTIONS, Dataset
from core.collections import Collection, CollectionProvider, Field, ModelCollection, titled_field


class BoundaryCollection(ModelCollection):
    geometry_type = "MultiPolygon"
    is_public = True


class MunicipalityCollection(BoundaryCollection):
    id = "municipalities"
    title = {"en": "Municipalities", "ar": "البلديات"}
    description = {"en": "Municipal boundaries (OCHA oPt)", "ar": "حدود البلديات"}
    model = Municipality
    style = {"color": "#b3261e", "weight": 2.5, "fillOpacity": 0}
    attribution = (ATTRIBUTIONS[Dataset.OCHA_VILLAGES].as_dict(),)
    field_list = (
        titled_field("slug", "string", "Code", "الرمز"),
        titled_field("name_en", "string", "Name (English)", "الاسم بالإنجليزية"),
        titled_field("name_ar", "string", "Name (Arabic)", "الاسم بالعربية"),
        titled_field("governorate", "string", "Governorate code", "رمز المحافظة"),
        Field(name="area_m2", type="number", title={"en": "Area (m²)", "ar": "المساحة (م²)"}),
    )
    columns = {
        "slug": "slug",
        "name_en": "name_en",
        "name_ar": "name_ar",
        "governorate": "governorate__pcode",
        "area_m2": "area_m2",
    }


class GovernorateCollection(BoundaryCollection):
    id = "governorates"
    title = {"en": "Governorates", "ar": "المحافظات"}
    style = {"color": "#5b6b7a", "weight": 2, "fillOpacity": 0}
    description = {"en": "Governorates (OCHA COD-AB)", "ar": "المحافظات"}
    model = Governorate
    attribution = (ATTRIBUTIONS[Dataset.OCHA_COD_AB].as_dict(),)
    field_list = (
        titled_field("pcode", "string", "Code", "الرمز"),
        titled_field("name_en", "string", "Name (English)", "الاسم بالإنجليزية"),
        titled_field("name_ar", "string", "Name (Arabic)", "الاسم بالعربية"),
        Field(
            name="postcode_digit",
            type="integer",
            title={"en": "Postcode digit", "ar": "رقم الرمز البريدي"},
        ),
    )
    columns = {
        "pcode": "pcode",
        "name_en": "name_en",
        "name_ar": "name_ar",
        "postcode_digit": "postcode_digit",
    }


class LocalityCollection(BoundaryCollection):
    id = "localities"
    title = {"en": "Localities", "ar": "التجمعات السكانية"}
    style = {"color": "#7a4a12", "weight": 1, "dashArray": "4 3", "fillOpacity": 0}
    min_zoom = 10
    description = {"en": "Town and village boundaries (OCHA oPt)", "ar": "حدود المدن والقرى"}
    model = Locality
    attribution = (ATTRIBUTIONS[Dataset.OCHA_VILLAGES].as_dict(),)
    field_list = (
        titled_field("name", "string", "Name", "الاسم"),
        titled_field("governorate", "string", "Governorate code", "رمز المحافظة"),
    )
    columns = {"name": "name_en", "governorate": "governorate__pcode"}


class BoundaryProvider(CollectionProvider):
    def collections(self) -> Iterable[Collection]:
        return [MunicipalityCollection(), GovernorateCollection(), LocalityCollection()]
