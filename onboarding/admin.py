"""Read-only views of invitations and applications: the board acts through the services."""

from typing import Any

from django.contrib import admin

from onboarding.models import Application, Invitation


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Invitation)
class InvitationAdmin(_ReadOnly):
    list_display = ["email", "cooperative", "kind", "created_at", "expires_at", "accepted_at"]
    list_filter = ["cooperative", "kind"]
    exclude = ["token_digest"]


@admin.register(Application)
class ApplicationAdmin(_ReadOnly):
    list_display = ["person", "cooperative", "outcome", "filed_at"]
    list_filter = ["cooperative", "outcome"]
