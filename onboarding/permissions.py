"""Who may act on what of onboarding: loaders that fetch and authorize in one call."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from governance.permissions import Viewer, access_cooperative
from onboarding.models import Invitation


def access_invitation(person: Viewer, slug: str, pk: int) -> Invitation:
    """An invitation of the cooperative `slug`, for its board (403 `board_only` to a reader
    of the cooperative, the same 404 for a missing cooperative, a hidden one, or an
    invitation of another)."""
    cooperative, _role = access_cooperative(person, slug, manage=True)
    return get_object_or_404(
        Invitation.objects.select_related("cooperative", "person"), cooperative=cooperative, pk=pk
    )
