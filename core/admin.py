"""Admin views of the audit log and outbox: read-only, since both are append-only."""

from typing import Any

from django.contrib import admin

from core.models import AuditEntry, OutboxEvent


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "created_at",
        "actor",
        "verb",
        "target_type",
        "target_id",
        "key_id",
        "hash",
    )
    list_filter = ("verb",)


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "type", "cooperative_id", "created_at", "dispatched_at")
    list_filter = ("type",)
