from django.contrib import admin

from delivery.models import DeliveryEvent, DeliveryOffice, DeliveryOrder, DocumentRequest


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
