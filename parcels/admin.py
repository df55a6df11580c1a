"""The cadastral register in the admin: to look things up. Changes go through the register's
transactions (parcels.services: recorded, atomic, lineage kept); the admin offers no way around
them. Parties, rights and documents are personal data: only cadastre officers and
administrators see them here too."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from parcels.access import user_reads_rights
from parcels.models import Parcel, ParcelTransaction, Party, Right, SourceDocument


@admin.register(Parcel)
class ParcelAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "area_m2", "land_use", "status", "valid_from", "valid_to"]
    list_filter = ["status", "land_use", "is_synthetic", "locality"]
    search_fields = ["basin", "number", "locality__name_en", "locality__name_ar"]
    list_select_related = ["locality"]
    exclude = ["geom"]


@admin.register(ParcelTransaction)
class ParcelTransactionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "kind", "performed_at", "performed_by"]
    list_filter = ["kind"]

    def has_view_permission(self, request, obj=None) -> bool:
        # A transaction's reason and documents may name the parties.
        return user_reads_rights(request.user)


class PersonalDataAdmin(ReadOnlyAdmin):
    def has_view_permission(self, request, obj=None) -> bool:
        return user_reads_rights(request.user)

    def has_module_permission(self, request) -> bool:
        return user_reads_rights(request.user)


@admin.register(Party)
class PartyAdmin(PersonalDataAdmin):
    list_display = ["__str__", "kind", "national_id"]
    search_fields = ["name_ar", "name_en", "national_id"]


@admin.register(Right)
class RightAdmin(PersonalDataAdmin):
    list_display = ["parcel", "party", "kind", "share_numerator", "share_denominator", "valid_to"]
    list_select_related = ["parcel__locality", "party"]


@admin.register(SourceDocument)
class SourceDocumentAdmin(PersonalDataAdmin):
    list_display = ["__str__", "kind", "reference", "created_at"]
    exclude = ["file"]
