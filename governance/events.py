"""Integration event types of the governance app and their payloads (version 1)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from governance.models import CollegeConfigVersion, Cooperative, Membership

MEMBERSHIP_ADMITTED = "membership.admitted"
MEMBERSHIP_ENDED = "membership.ended"
COLLEGE_WEIGHTS_CHANGED = "college.weights_changed"


def cooperative_ref(cooperative: Cooperative) -> dict[str, Any]:
    return {"id": cooperative.pk, "slug": cooperative.slug, "name": cooperative.name}


def membership_payload(membership: Membership) -> dict[str, Any]:
    member = membership.member
    return {
        "cooperative": cooperative_ref(membership.cooperative),
        "membership": {
            "id": membership.pk,
            "status": membership.status,
            "started_on": membership.started_on,
            "ended_on": membership.ended_on,
            "end_reason": membership.end_reason,
            "category": membership.category.name,
            "college": membership.college.name if membership.college else None,
        },
        "member": {
            "id": member.pk,
            "kind": member.kind,
            "name": member.name,
            "organisation_type": member.organisation_type or None,
        },
        "links": {
            "api": f"{settings.PUBLIC_BASE_URL}/api/v1/cooperatives/{membership.cooperative.slug}"
            f"/memberships/{membership.pk}/",
        },
    }


def college_weights_payload(
    cooperative: Cooperative, version: CollegeConfigVersion
) -> dict[str, Any]:
    return {
        "cooperative": cooperative_ref(cooperative),
        "version": version.number,
        "colleges": [
            {"id": w.college_id, "name": w.college.name, "weight_percent": str(w.weight)}
            for w in version.weights.select_related("college")
        ],
    }
