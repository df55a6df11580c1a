"""Admin helpers every app shares."""

from django.contrib import admin

from core.models import ChangeRecord, PersonalDataRead
from core.roles import Role, user_has_role


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that change only through their app's services (which keep the rules the
    admin cannot): the admin shows them and offers no way to add, change or delete."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AdministratorsReadOnlyAdmin(ReadOnlyAdmin):
    """Read-only, and shown to administrators alone (audit logs name staff and people)."""

    def has_view_permission(self, request, obj=None) -> bool:
        return user_has_role(request.user, Role.ADMINISTRATOR)

    def has_module_permission(self, request) -> bool:
        return user_has_role(request.user, Role.ADMINISTRATOR)


@admin.register(ChangeRecord)
class ChangeRecordAdmin(AdministratorsReadOnlyAdmin):
    """The audit log of every edit: who changed which feature, when, before and after. For
    administrators only (it names the staff and may hold internal attributes)."""

    list_display = ["at", "collection", "feature_id", "version", "action", "username"]
    list_filter = ["collection", "action"]
    search_fields = ["feature_id", "username"]
    date_hierarchy = "at"


@admin.register(PersonalDataRead)
class PersonalDataReadAdmin(AdministratorsReadOnlyAdmin):
    """The audit log of every read of personal data (owners, recipients): administrators only."""

    list_display = ["at", "kind", "object_id", "username", "via"]
    list_filter = ["kind"]
    search_fields = ["object_id", "username"]
    date_hierarchy = "at"
