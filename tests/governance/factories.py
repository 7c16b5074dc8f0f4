"""Factories and builders for cooperatives with colleges, members and a board."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import factory

from governance import services
from governance.models import (
    Category,
    CategoryKind,
    College,
    Cooperative,
    LegalForm,
    Membership,
    OrganisationType,
    Person,
)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    display_name = factory.LazyAttribute(lambda o: o.username.title())
    password = factory.django.Password("pw")


def make_cooperative(
    *,
    chair: Person | None = None,
    weights: tuple[tuple[str, int], ...] = (
        ("Workers", 30),
        ("Users", 30),
        ("Suppliers", 20),
        ("Authorities", 20),
    ),
    legal_form: str = LegalForm.SCIC_SA,
    slug: str | None = None,
) -> Cooperative:
    chair = chair or PersonFactory()
    slug = slug or f"coop-{Cooperative.objects.count() + 1}-{chair.pk}"
    return services.cooperative_create(
        actor=chair,
        name=f"Coop {slug}",
        slug=slug,
        legal_form=legal_form,
        colleges=[services.CollegeSpec(name, Decimal(w)) for name, w in weights],
    )


def chair_of(cooperative: Cooperative) -> Person:
    return cooperative.board_roles.filter(revoked_at__isnull=True).order_by("id").first().person


def category(cooperative: Cooperative, kind: str = CategoryKind.EMPLOYEES) -> Category:
    existing = Category.objects.filter(cooperative=cooperative, kind=kind).first()
    if existing:
        return existing
    return services.category_create(
        actor=chair_of(cooperative), cooperative=cooperative, name=kind.title(), kind=kind
    )


def college(cooperative: Cooperative, name: str) -> College:
    return College.objects.get(cooperative=cooperative, name=name)


def add_member(
    cooperative: Cooperative,
    college_name: str | None = None,
    *,
    person: Person | None = None,
    kind: str = CategoryKind.EMPLOYEES,
    shares: int = 1,
    admit: bool = True,
    **person_fields: Any,
) -> Membership:
    """Apply and (by default) admit a natural person."""
    person = person or PersonFactory(**person_fields)
    chair = chair_of(cooperative)
    target = (
        college(cooperative, college_name)
        if college_name
        else (cooperative.colleges.filter(is_active=True).order_by("position").first())
    )
    membership = services.membership_apply(
        actor=chair,
        cooperative=cooperative,
        category=category(cooperative, kind),
        college=target,
        person=person,
        shares=shares,
    )
    if admit:
        membership = services.membership_admit(actor=chair, membership=membership)
    return membership


def add_legal_member(
    cooperative: Cooperative,
    college_name: str,
    *,
    name: str = "Commune de Test",
    organisation_type: str = OrganisationType.LOCAL_AUTHORITY,
    representatives: int = 1,
    shares: int = 1,
) -> Membership:
    chair = chair_of(cooperative)
    membership = services.membership_apply(
        actor=chair,
        cooperative=cooperative,
        category=category(cooperative, CategoryKind.LOCAL_AUTHORITIES),
        college=college(cooperative, college_name),
        organisation_name=name,
        organisation_type=organisation_type,
        shares=shares,
    )
    for _ in range(representatives):
        services.representative_designate(
            actor=chair, member=membership.member, person=PersonFactory()
        )
    return services.membership_admit(actor=chair, membership=membership)


def api_token(person: Person) -> str:
    """A fresh API token for the person (only its digest is stored)."""
    from governance.tokens import api_token_create

    return api_token_create(person=person)[1]
