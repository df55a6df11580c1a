from django.contrib import admin

from jobs.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["kind", "state", "created_by", "progress_done", "progress_total", "created_at"]
    list_filter = ["state", "kind"]
    search_fields = ["kind", "id"]
    readonly_fields = [field.name for field in Job._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False  # jobs are started by the services that own them
