"""Administrators see clients, tokens (never a secret: only the hash is stored) and the log,
which nobody edits."""

from django.contrib import admin

from exchange.models import ExchangeClient, ExchangeRequestLog, ExchangeToken


@admin.register(ExchangeClient)
class ExchangeClientAdmin(admin.ModelAdmin):
    list_display = ("identifier", "name", "active", "rate_limit_per_minute", "allowed_services")
    search_fields = ("identifier", "name")


@admin.register(ExchangeToken)
class ExchangeTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "client", "label", "expires_at", "revoked_at")
    readonly_fields = ("client", "secret_sha256", "prefix", "created_at", "expires_at")

    def has_add_permission(self, request) -> bool:
        return False  # tokens are issued by manage.py exchange_client_add, shown once


@admin.register(ExchangeRequestLog)
class ExchangeRequestLogAdmin(admin.ModelAdmin):
    list_display = ("at", "client", "service", "status_code", "error_code", "duration_ms")
    list_filter = ("service", "status_code")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
