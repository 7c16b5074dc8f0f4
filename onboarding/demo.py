"""The demo's onboarding: applications open, one pending invitation, one open application."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.db import transaction

from governance.demo import COLLEGE_COURIERS, COLLEGE_CUSTOMERS, demo_person
from governance.models import Category, CategoryKind, College, Cooperative, Person
from onboarding import services
from onboarding.models import Application, Invitation

INVITED_EMAIL = "ines.moreau@example.org"
CANDIDATE = "samia"


@transaction.atomic
def load_demo_onboarding(cooperative: Cooperative) -> None:
    """Idempotent. The invitation's e-mail goes where the site's e-mail goes (the console
    under `make run`), with its one-time link."""
    chair = Person.objects.get(username="claire")
    services.cooperative_onboarding_configure(
        actor=chair, cooperative=cooperative, applications_open=True
    )
    cooperative.refresh_from_db()
    couriers = College.objects.get(cooperative=cooperative, name=COLLEGE_COURIERS)
    customers = College.objects.get(cooperative=cooperative, name=COLLEGE_CUSTOMERS)
    if not Invitation.objects.filter(cooperative=cooperative, email=INVITED_EMAIL).exists():
        services.associate_add(
            actor=chair,
            cooperative=cooperative,
            spec=services.AssociateSpec(
                name="Inès Moreau",
                email=INVITED_EMAIL,
                college=couriers,
                category=Category.objects.get(cooperative=cooperative, kind=CategoryKind.EMPLOYEES),
                shares=1,
            ),
        )
    candidate = demo_person(CANDIDATE, display_name="Samia Haddad")
    if not Application.objects.filter(cooperative=cooperative, person=candidate).exists():
        EmailAddress.objects.get_or_create(
            user=candidate, email=candidate.email, defaults={"verified": True, "primary": True}
        )
        services.application_file(
            actor=candidate,
            cooperative=cooperative,
            category=Category.objects.get(cooperative=cooperative, kind=CategoryKind.BENEFICIARIES),
            college=customers,
            message="Je commande chaque semaine et je voudrais participer aux décisions.",
        )
