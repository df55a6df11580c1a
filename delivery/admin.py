from django.contrib import admin

from core.errors import PermissionDenied
from delivery.models import (
    Courier,
    CourierShift,
    DeliveryEvent,
    DeliveryOffice,
    DeliveryOrder,
    DocumentRequest,
    Round,
)
from delivery.services import courier_shift_create


@admin.register(DeliveryOffice)
class DeliveryOfficeAdmin(admin.ModelAdmin):
    list_display = ("name_en", "kind", "delivers", "accepts_collection", "is_synthetic")
    filter_horizontal = ("zones",)


@admin.register(DocumentRequest)
class DocumentRequestAdmin(admin.ModelAdmin):
    list_display = ("reference", "kind", "title_en", "issued_at", "is_synthetic")
    search_fields = ("reference",)


class DeliveryEventInline(admin.TabularInline):
    model = DeliveryEvent
    extra = 0
    readonly_fields = ("status", "at", "note")


@admin.register(DeliveryOrder)
class DeliveryOrderAdmin(admin.ModelAdmin):
    list_display = ("pk", "method", "status", "office", "postcode", "window_start")
    list_filter = ("status", "method", "office")
    readonly_fields = ("tracking_token",)
    inlines = [DeliveryEventInline]


@admin.register(Courier)
class CourierAdmin(admin.ModelAdmin):
    list_display = ("user", "office", "vehicle", "capacity", "active", "is_synthetic")
    list_filter = ("office", "vehicle", "active")
    search_fields = ("user__username", "user__first_name", "user__last_name")


@admin.register(CourierShift)
class CourierShiftAdmin(admin.ModelAdmin):
    list_display = ("courier", "starts_at", "ends_at")
    list_filter = ("courier__office",)

    def save_model(self, request, obj, form, change) -> None:
        if change:
            raise PermissionDenied("A shift is not edited: delete it and add the new one.")
        # Through the service, which refuses empty, over-long and overlapping shifts.
        created = courier_shift_create(
            courier=obj.courier, starts_at=obj.starts_at, ends_at=obj.ends_at
        )
        obj.pk = created.pk


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ("pk", "day", "courier", "office", "status", "distance_m", "duration_s")
    list_filter = ("status", "office", "day")
    readonly_fields = [field.name for field in Round._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False  # rounds are made by planning (the dispatcher's board)
