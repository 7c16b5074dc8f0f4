"""Django admin for operators: the debate, read-only (writes go through the services)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from deliberation import models


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(models.Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    list_display = ("title", "cooperative", "status", "visibility", "decision_kind", "created_at")
    list_filter = ("status", "visibility", "decision_kind")
    search_fields = ("title",)


@admin.register(models.Amendment)
class AmendmentAdmin(ReadOnlyAdmin):
    list_display = ("proposal", "author", "base_version", "status", "created_at")
    list_filter = ("status",)


@admin.register(models.Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = (
        "proposal",
        "author",
        "depth",
        "stance",
        "created_at",
        "hidden_at",
        "deleted_at",
    )
    list_filter = ("stance",)


@admin.register(models.RoomEvent)
class RoomEventAdmin(ReadOnlyAdmin):
    list_display = ("proposal", "seq", "type", "created_at")
    list_filter = ("type",)
