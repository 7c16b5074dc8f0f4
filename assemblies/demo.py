"""The demo cooperative's next ordinary assembly: convened, with a French agenda."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from assemblies import services
from assemblies.models import Assembly, ItemKind
from deliberation.models import Proposal
from governance.models import Cooperative, Person
from voting.demo import DEBATE_TITLE

DEMO_ASSEMBLY_TITLE = "Assemblée générale ordinaire 2027"
# Far enough ahead for the notice of an ordinary assembly (15 days in the demo's rules).
FIRST_CALL_IN = dt.timedelta(days=30)
SECOND_CALL_AFTER = dt.timedelta(days=14)


def _evening(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(18, 30)))


@transaction.atomic
def load_demo_assembly(cooperative: Cooperative, *, now: dt.datetime | None = None) -> bool:
    """Prepare and convene the demo's ordinary assembly once; return whether it was added."""
    if Assembly.objects.filter(cooperative=cooperative).exists():
        return False
    now = now or timezone.now()
    chair = Person.objects.get(username="claire")
    first = _evening(timezone.localdate(now) + FIRST_CALL_IN)
    assembly = services.assembly_create(
        actor=chair,
        cooperative=cooperative,
        kind="ordinary",
        title=DEMO_ASSEMBLY_TITLE,
        first_call_at=first,
        second_call_at=first + SECOND_CALL_AFTER,
        place="Maison des associations, 1 place de la Libération, Villeurbanne",
        remote_url="https://visio.example.org/coursiers-solidaires-ago-2027",
        results_live=True,
        now=now,
    )
    services.agenda_item_add(
        actor=chair,
        assembly=assembly,
        kind=ItemKind.INFORMATION,
        title="Rapport de gestion du conseil d'administration",
        text="<p>Présentation de l'activité 2026 : 182 000 livraisons, 34 coursier·es "
        "salarié·es, ouverture de Villeurbanne-Gratte-Ciel.</p>",
    )
    services.agenda_item_add(
        actor=chair,
        assembly=assembly,
        kind=ItemKind.RESOLUTION,
        title="Approbation des comptes de l'exercice 2026",
        text="<p>L'assemblée générale, après avoir entendu le rapport de gestion et le "
        "rapport du commissaire aux comptes, approuve les comptes de l'exercice clos le "
        "31 décembre 2026.</p>",
    )
    services.agenda_item_add(
        actor=chair,
        assembly=assembly,
        kind=ItemKind.RESOLUTION,
        title="Affectation du résultat",
        text="<p>L'excédent de 48 200 € est affecté à 57,5 % aux réserves impartageables et "
        "à 42,5 % au fonds de développement des coursier·es.</p>",
    )
    debated = Proposal.objects.filter(
        cooperative=cooperative, decision_kind="ordinary", title=DEBATE_TITLE
    ).first()
    if debated is not None:
        services.agenda_item_add(
            actor=chair,
            assembly=assembly,
            kind=ItemKind.RESOLUTION,
            title="Hausse de la rémunération par livraison en centre-ville",
            text="<p>Proposition débattue par les associé·es : +0,80 € par livraison dans le "
            "centre piéton.</p>",
            proposal=debated,
            board_backed=False,
        )
    election = services.agenda_item_add(
        actor=chair,
        assembly=assembly,
        kind=ItemKind.ELECTION,
        title="Élection de deux administrateur·rices",
        text="<p>Deux sièges sont à pourvoir pour six ans.</p>",
        seats=2,
        term_years=6,
    )
    services.document_add(
        actor=chair,
        assembly=assembly,
        title="Comptes annuels 2026",
        url="https://docs.example.org/coursiers-solidaires/comptes-2026.pdf",
        now=now,
    )
    services.candidate_add(
        actor=Person.objects.get(username="sofia"),
        item=election,
        statement="Porter la voix des coursier·es au conseil.",
        now=now,
    )
    services.assembly_convene(actor=chair, assembly=assembly, now=now)
    return True
