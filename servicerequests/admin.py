from django.contrib import admin

from servicerequests.models import Department, Service, ServiceRequest


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name_en", "name_ar")


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("service_code", "name_en", "group", "department", "active")
    list_filter = ("department", "active")


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):
    # Read-only here: requests change through the staff page (service_request_update_status,
    # audit-logged), never by editing rows.
    list_display = ("service_request_id", "service", "department", "status", "workflow_status")
    list_filter = ("department", "status", "workflow_status")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
