"""Scenarios of the onboarding browser tests, run inside the test server's process."""

from __future__ import annotations

from typing import Any

from tests.frontend.scenarios import _name
from tests.governance.factories import PersonFactory, add_member, make_cooperative


def onboarding_cooperative() -> dict[str, Any]:
    """A cooperative whose chair signs in with the harness password; three categories."""
    from governance import services
    from governance.models import CategoryKind

    chair = PersonFactory(username=_name("claire"), display_name="Claire Martin")
    cooperative = make_cooperative(chair=chair, slug=_name("coop-"))
    for kind, name in (
        (CategoryKind.EMPLOYEES, "Salariés"),
        (CategoryKind.BENEFICIARIES, "Usagers"),
        (CategoryKind.LOCAL_AUTHORITIES, "Collectivités"),
    ):
        services.category_create(actor=chair, cooperative=cooperative, name=name, kind=kind)
    add_member(cooperative, "Workers", person=chair, kind=CategoryKind.EMPLOYEES, shares=4)
    return {"chair": chair.username, "slug": cooperative.slug, "name": cooperative.name}


def observer_by_email(*, slug: str, chair: str, email: str, person_name: str) -> dict[str, Any]:
    """The board names an observer by e-mail (an account without password, invited)."""
    from django.db import transaction

    from governance.models import Cooperative, Person
    from onboarding import services

    with transaction.atomic():
        services.observer_invite_by_email(
            actor=Person.objects.get(username=chair),
            cooperative=Cooperative.objects.get(slug=slug),
            email=email,
            name=person_name,
            organisation="Métropole",
        )
    return {"username": Person.objects.get(email=email).username}


def person_state(*, email: str) -> dict[str, Any]:
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount

    from governance.models import Membership, Person

    person = Person.objects.filter(email__iexact=email).first()
    if person is None:
        return {"exists": False}
    return {
        "exists": True,
        "username": person.username,
        "usable_password": person.has_usable_password(),
        "verified": EmailAddress.objects.filter(user=person, verified=True).exists(),
        "social": SocialAccount.objects.filter(user=person).count(),
        "memberships": list(
            Membership.objects.filter(member__person=person).values_list("status", flat=True)
        ),
        "people": Person.objects.filter(email__iexact=email).count(),
    }


__all__ = ["PersonFactory", "add_member", "make_cooperative"]
