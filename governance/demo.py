"""The demo cooperative: a delivery-platform SCIC of about forty members (DOMAIN.md)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction

from governance import services
from governance.models import (
    BoardRoleKind,
    Category,
    CategoryKind,
    College,
    Cooperative,
    LegalForm,
    OrganisationType,
    Person,
)

DEMO_SLUG = "coursiers-solidaires"
DEMO_PASSWORD = "collegia-demo"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str


DEMO_LOGINS = (
    DemoLogin("claire", "board chair, courier (workers college)"),
    DemoLogin("karim", "board member, restaurant owner (suppliers college)"),
    DemoLogin("lea", "member, customer (users college)"),
    DemoLogin("mairie.villeurbanne", "representative of the Commune de Villeurbanne"),
    DemoLogin("region.aura", "observer for the Région Auvergne-Rhône-Alpes"),
    DemoLogin("samia", "candidate whose application waits for the board"),
    DemoLogin("admin", "site operator (Django admin)"),
)

COURIERS = [
    "claire",
    "yanis",
    "sofia",
    "mehdi",
    "ines",
    "thomas",
    "aminata",
    "julien",
    "fatou",
    "lucas",
    "nora",
    "hugo",
]
CUSTOMERS = [
    "lea",
    "paul",
    "chloe",
    "omar",
    "emma",
    "louis",
    "jade",
    "nathan",
    "manon",
    "rayan",
    "camille",
    "gabriel",
    "zoe",
    "adam",
]
SUPPLIERS = [
    "karim",
    "marion",
    "antoine",
    "salome",
    "bruno",
    "ophelie",
    "victor",
    "anais",
    "samir",
    "elise",
]


# The people of the demo by their French names; the user names stay plain ASCII logins.
DISPLAY_NAMES = {
    "admin": "Opérateur du site",
    "claire": "Claire Martin",
    "yanis": "Yanis Belkacem",
    "sofia": "Sofia Moreau",
    "mehdi": "Mehdi Haddad",
    "ines": "Inès Lambert",
    "thomas": "Thomas Roux",
    "aminata": "Aminata Diallo",
    "julien": "Julien Faure",
    "fatou": "Fatou Sow",
    "lucas": "Lucas Bernard",
    "nora": "Nora Chevalier",
    "hugo": "Hugo Perrin",
    "lea": "Léa Dubois",
    "paul": "Paul Garnier",
    "chloe": "Chloé Fontaine",
    "omar": "Omar Benali",
    "emma": "Emma Rousseau",
    "louis": "Louis Mercier",
    "jade": "Jade Lefèvre",
    "nathan": "Nathan Blanc",
    "manon": "Manon Girard",
    "rayan": "Rayan Meziane",
    "camille": "Camille Bonnet",
    "gabriel": "Gabriel André",
    "zoe": "Zoé Marchand",
    "adam": "Adam Fabre",
    "karim": "Karim Saïdi",
    "marion": "Marion Gauthier",
    "antoine": "Antoine Robin",
    "salome": "Salomé Dumas",
    "bruno": "Bruno Caron",
    "ophelie": "Ophélie Renaud",
    "victor": "Victor Brun",
    "anais": "Anaïs Picard",
    "samir": "Samir Khelifi",
    "elise": "Élise Vidal",
    "mairie.villeurbanne": "Nadia Ferrand",
    "metropole.lyon": "Marc Delorme",
    "mairie.vaulx": "Sabrina Aït-Ali",
    "region.aura": "Hélène Vasseur",
}

# The colleges of the demo, as the statutes name them, and their weights (DOMAIN.md).
COLLEGE_COURIERS = "Coursiers"
COLLEGE_CUSTOMERS = "Clients"
COLLEGE_SUPPLIERS = "Restaurants et commerces"
COLLEGE_AUTHORITIES = "Collectivités territoriales"


def demo_person(username: str, *, display_name: str = "") -> Person:
    """The demo's login `username` (made on first use, with the demo password), for every
    app's demo."""
    person, created = Person.objects.get_or_create(
        username=username,
        defaults={
            "display_name": display_name
            or DISPLAY_NAMES.get(username, username.replace(".", " ").title()),
            "email": f"{username}@example.org",
        },
    )
    if created:
        # One hash shared by every demo login: hashing forty passwords would take seconds.
        person.password = _demo_password_hash()
        person.save(update_fields=["password"])
    return person


@functools.cache
def _demo_password_hash() -> str:
    return make_password(DEMO_PASSWORD)


@transaction.atomic
def load_demo() -> tuple[Cooperative, bool]:
    """Build the demo cooperative once; return it and whether it was created now."""
    existing = Cooperative.objects.filter(slug=DEMO_SLUG).first()
    if existing is not None:
        return existing, False
    admin = demo_person("admin")
    admin.is_staff = admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])
    chair = demo_person("claire")
    coop = services.cooperative_create(
        actor=chair,
        name="Coursiers Solidaires SCIC",
        slug=DEMO_SLUG,
        legal_form=LegalForm.SCIC_SA,
        colleges=[
            services.CollegeSpec(COLLEGE_COURIERS, Decimal(30)),
            services.CollegeSpec(COLLEGE_CUSTOMERS, Decimal(25)),
            services.CollegeSpec(COLLEGE_SUPPLIERS, Decimal(25)),
            services.CollegeSpec(COLLEGE_AUTHORITIES, Decimal(20)),
        ],
    )
    colleges = {c.name: c for c in College.objects.filter(cooperative=coop)}
    cats: dict[str, Category] = {
        kind: services.category_create(actor=chair, cooperative=coop, name=label, kind=kind)
        for kind, label in [
            (CategoryKind.EMPLOYEES, "Coursiers et coursières (salarié·es)"),
            (CategoryKind.BENEFICIARIES, "Clients (usagers)"),
            (CategoryKind.SUPPLIERS, "Restaurants et commerces (fournisseurs)"),
            (CategoryKind.LOCAL_AUTHORITIES, "Collectivités territoriales"),
        ]
    }

    def admit_person(username: str, kind: str, college: str, shares: int) -> None:
        person = demo_person(username)
        membership = services.membership_apply(
            actor=chair,
            cooperative=coop,
            category=cats[kind],
            college=colleges[college],
            person=person,
            shares=shares,
        )
        services.membership_admit(actor=chair, membership=membership)

    for i, name in enumerate(COURIERS):
        admit_person(name, CategoryKind.EMPLOYEES, COLLEGE_COURIERS, 2 + i % 3)
    for i, name in enumerate(CUSTOMERS):
        admit_person(name, CategoryKind.BENEFICIARIES, COLLEGE_CUSTOMERS, 1 + i % 2)
    for i, name in enumerate(SUPPLIERS):
        admit_person(name, CategoryKind.SUPPLIERS, COLLEGE_SUPPLIERS, 5 + i % 4)

    for org, rep, shares in [
        ("Commune de Villeurbanne", "mairie.villeurbanne", 20),
        ("Métropole de Lyon", "metropole.lyon", 20),
        ("Commune de Vaulx-en-Velin", "mairie.vaulx", 10),
    ]:
        membership = services.membership_apply(
            actor=chair,
            cooperative=coop,
            category=cats[CategoryKind.LOCAL_AUTHORITIES],
            college=colleges[COLLEGE_AUTHORITIES],
            organisation_name=org,
            organisation_type=OrganisationType.LOCAL_AUTHORITY,
            shares=shares,
        )
        services.representative_designate(
            actor=chair,
            member=membership.member,
            person=demo_person(rep),
        )
        services.membership_admit(actor=chair, membership=membership)

    for username, role in [
        ("karim", BoardRoleKind.DIRECTOR),
        ("lea", BoardRoleKind.SECRETARY),
        ("yanis", BoardRoleKind.TREASURER),
    ]:
        if username == "lea":
            continue  # Léa stays a plain member so the demo shows a member's view.
        services.board_role_grant(
            actor=chair, cooperative=coop, person=demo_person(username), role=role
        )
    services.observer_invite(
        actor=chair,
        cooperative=coop,
        person=demo_person("region.aura"),
        organisation="Région Auvergne-Rhône-Alpes",
    )
    return coop, True
