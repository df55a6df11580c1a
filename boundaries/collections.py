"""Administrative boundaries as public collections (OGC API, tiles, exports)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from django.db.models import Expression, F, QuerySet
from django.db.models.functions import JSONObject

from boundaries.models import Governorate, Locality, Municipality
from boundaries.sources import ATTRIBUTIONS, Dataset
from core.collections import Collection, CollectionProvider, Field, User
from core.errors import InvalidInput


class BoundaryCollection(Collection):
    geometry_type = "MultiPolygon"
    is_public = True
    model: ClassVar[type]
    field_list: ClassVar[tuple[Field, ...]]
    columns: ClassVar[dict[str, str]]  # property name -> ORM path

    def fields(self, *, user: User) -> list[Field]:
        return list(self.field_list)

    def queryset(self, *, user: User) -> QuerySet:
        return self.model.objects.all()

    def properties_expression(self, *, user: User) -> Expression:
        return JSONObject(**{name: F(path) for name, path in self.columns.items()})

    def filter_property(self, queryset: QuerySet, *, name: str, value: str, user: User) -> QuerySet:
        if name not in self.columns:
            raise InvalidInput(f"{self.id} have no property {name!r}.", code="unknown_property")
        return queryset.filter(**{self.columns[name]: value})


def _text(name: str, en: str, ar: str) -> Field:
    return Field(name=name, type="string", title={"en": en, "ar": ar})


class MunicipalityCollection(BoundaryCollection):
    id = "municipalities"
    title = {"en": "Municipalities", "ar": "البلديات"}
    description = {"en": "Municipal boundaries (OCHA oPt)", "ar": "حدود البلديات"}
    model = Municipality
    attribution = (ATTRIBUTIONS[Dataset.OCHA_VILLAGES].as_dict(),)
    field_list = (
        _text("slug", "Code", "الرمز"),
        _text("name_en", "Name (English)", "الاسم بالإنجليزية"),
        _text("name_ar", "Name (Arabic)", "الاسم بالعربية"),
        _text("governorate", "Governorate code", "رمز المحافظة"),
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
    description = {"en": "Governorates (OCHA COD-AB)", "ar": "المحافظات"}
    model = Governorate
    attribution = (ATTRIBUTIONS[Dataset.OCHA_COD_AB].as_dict(),)
    field_list = (
        _text("pcode", "Code", "الرمز"),
        _text("name_en", "Name (English)", "الاسم بالإنجليزية"),
        _text("name_ar", "Name (Arabic)", "الاسم بالعربية"),
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
    description = {"en": "Town and village boundaries (OCHA oPt)", "ar": "حدود المدن والقرى"}
    model = Locality
    attribution = (ATTRIBUTIONS[Dataset.OCHA_VILLAGES].as_dict(),)
    field_list = (
        _text("name", "Name", "الاسم"),
        _text("governorate", "Governorate code", "رمز المحافظة"),
    )
    columns = {"name": "name_en", "governorate": "governorate__pcode"}


class BoundaryProvider(CollectionProvider):
    def collections(self) -> Iterable[Collection]:
        return [MunicipalityCollection(), GovernorateCollection(), LocalityCollection()]
