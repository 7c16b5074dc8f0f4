"""Read-only admin views of votes and decisions: every write goes through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from voting.models import Decision, Vote


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Vote)
class VoteAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "title",
        "cooperative",
        "method",
        "decision_kind",
        "status",
        "opened_at",
        "closed_at",
    )
    list_filter = ("status", "method", "decision_kind")
    search_fields = ("title",)


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("id", "cooperative", "vote", "outcome", "adopted", "decided_at")
    list_filter = ("adopted", "outcome")
