from django.contrib import admin

from core.errors import PermissionDenied
from core.services import personal_data_read_record
from delivery.models import (
    Courier,
    CourierShift,
    DeliveryEvent,
    DeliveryFeedback,
    DeliveryOffice,
    DeliveryOrder,
    DocumentRequest,
    Round,
)
from delivery.services import courier_shift_create, delivery_order_reads_record


@admin.register(DeliveryOffice)
class DeliveryOfficeAdmin(admin.ModelAdmin):
    list_display = ("name_en", "kind", "delivers", "accepts_collection", "is_synthetic")
    filter_horizontal = ("zones",)


@admin.register(DocumentRequest)
class DocumentRequestAdmin(admin.ModelAdmin):
    list_display = ("reference", "kind", "title_en", "issued_at", "is_synthetic")
    search_fields = ("reference",)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The form shows the holder's name and phone: logged against the order the citizen
        # tracks (so they see it), or against the document while no order exists.
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200 and str(object_id).isdigit():
            order = DeliveryOrder.objects.filter(document_id=object_id).values("pk").first()
            if order is not None:
                delivery_order_reads_record(
                    order_ids=[order["pk"]], user=request.user, via=request.path
                )
            else:
                personal_data_read_record(
                    kind="delivery_document",
                    object_ids=[object_id],
                    user=request.user,
                    via=request.path,
                )
        return response


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

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The form shows the recipient's name, phone and address: logged once it was shown
        # (not for a refused user or a missing order, which Django answers otherwise).
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200 and str(object_id).isdigit():
            delivery_order_reads_record(order_ids=[object_id], user=request.user, via=request.path)
        return response


@admin.register(DeliveryFeedback)
class DeliveryFeedbackAdmin(admin.ModelAdmin):
    """Citizens' ratings, as they gave them: read, never edited."""

    list_display = ("order", "rating", "created_at")
    list_filter = ("rating", "order__office")
    readonly_fields = ("order", "rating", "comment", "created_at", "updated_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


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
