"""Django admin for operators: endpoints editable, messages and attempts read-only."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from webhooks import models


@admin.register(models.Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    list_display = ("url", "cooperative", "is_enabled", "disabled_reason", "failing_since")
    list_filter = ("is_enabled", "disabled_reason")
    search_fields = ("url", "cooperative__slug")
    # Secrets are read through the board's API, never shown in the admin.
    exclude = ("secret", "previous_secret")
    readonly_fields = (
        "previous_secret_expires_at",
        "failing_since",
        "disabled_at",
        "created_by",
        "created_at",
        "updated_at",
    )


class AttemptInline(admin.TabularInline):
    model = models.Attempt
    extra = 0
    can_delete = False
    fields = ("number", "started_at", "status_code", "duration_ms", "error", "response_excerpt")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(models.Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("msg_id", "endpoint", "status", "attempts", "next_attempt_at", "delivered_at")
    list_filter = ("status",)
    search_fields = ("msg_id",)
    list_select_related = ("endpoint",)
    inlines = [AttemptInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The worker and the board's services move messages on; an edit would break leases.
        return False
