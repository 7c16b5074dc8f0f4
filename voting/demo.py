"""What the demo cooperative is doing: a proposal under debate, a vote under way and a
decision taken, so that `make run` shows deliberation and weighted voting at once."""

from __future__ import annotations

import datetime as dt
import itertools

from django.db import transaction
from django.utils import timezone

from deliberation import services as deliberation
from deliberation.models import Proposal, ProposalStatus
from governance.demo import COURIERS, CUSTOMERS, SUPPLIERS
from governance.models import Cooperative, Person
from voting import services
from voting.models import ResolutionChoice, Vote, VoteStatus

DEBATE_TITLE = "Hausser la rémunération par livraison en centre-ville"
BUDGET_TITLE = "Adopter le budget 2027"
# How long the demo's debate and vote stay open from the day the demo is (re)loaded, and
# how close to its end one must be for loading the demo again to move it forward.
DEBATE_OPEN_FOR = dt.timedelta(days=14)
VOTE_OPEN_FOR = dt.timedelta(days=7)
MOVE_FORWARD_WITHIN = dt.timedelta(days=3)

# Who votes how in the demo, per college: the first names of each list, in order.
_OPEN_VOTE = {"couriers": (6, 2, 1), "customers": (4, 3, 1), "suppliers": (5, 1, 0)}
_CLOSED_VOTE = {"couriers": (8, 2, 1), "customers": (6, 4, 2), "suppliers": (6, 2, 1)}
_REPRESENTATIVES = ("mairie.villeurbanne", "metropole.lyon", "mairie.vaulx")


@transaction.atomic
def load_demo_activity(cooperative: Cooperative) -> bool:
    """Add the demo's proposals, comments and votes once; return whether they were added.
    When they are already there, the debate and the vote under way are moved forward so
    that they are still open days after today: an old install still shows them open."""
    if Proposal.objects.filter(cooperative=cooperative).exists():
        keep_demo_open(cooperative)
        return False
    now = timezone.now()
    people = {p.username: p for p in Person.objects.all()}
    chair, karim, sofia, paul, mehdi = (
        people[name] for name in ("claire", "karim", "sofia", "paul", "mehdi")
    )

    debate = _published(
        sofia,
        cooperative,
        DEBATE_TITLE,
        "<p>Les livraisons dans le centre piéton prennent deux fois plus de temps. Nous "
        "proposons <strong>+0,80 €</strong> par livraison dans ce secteur, financés par des "
        "frais de 2 % sur les commandes de plus de 40 €.</p>",
        closes_at=now + DEBATE_OPEN_FOR,
    )
    opening = deliberation.comment_create(
        actor=mehdi,
        proposal=debate,
        body="<p>Oui : à midi, dans le centre, on pousse le vélo à pied tout le long.</p>",
        stance="for",
    )
    deliberation.comment_create(
        actor=karim,
        proposal=debate,
        body="<p>Les restaurants peuvent suivre si les frais restent à 2 %.</p>",
        parent=opening,
    )
    deliberation.comment_create(
        actor=paul,
        proposal=debate,
        body="<p>En tant que client, je préférerais voir ces frais sur le ticket.</p>",
        stance="neutral",
    )

    budget = _published(
        chair,
        cooperative,
        BUDGET_TITLE,
        "<p>Le budget maintient le fonds des coursier·es à 4 % du chiffre d'affaires et "
        "ouvre un second entrepôt à Vaulx-en-Velin.</p>",
    )
    vote = services.vote_open(
        actor=chair,
        vote=services.vote_create(
            actor=chair,
            cooperative=cooperative,
            method="resolution",
            proposal=budget,
            closes_at=now + VOTE_OPEN_FOR,
        ),
    )
    _cast(vote, people, _OPEN_VOTE, representatives=1)

    network = _published(
        chair,
        cooperative,
        "Adhérer au réseau régional des coopératives de livraison",
        "<p>L'adhésion au réseau mutualise le logiciel de répartition des courses et coûte "
        "1 200 € par an.</p>",
    )
    vote = services.vote_open(
        actor=chair,
        vote=services.vote_create(
            actor=chair, cooperative=cooperative, method="resolution", proposal=network
        ),
    )
    _cast(vote, people, _CLOSED_VOTE, representatives=3)
    services.vote_close(actor=chair, vote=vote)
    return True


@transaction.atomic
def keep_demo_open(cooperative: Cooperative, *, now: dt.datetime | None = None) -> None:
    """Move the demo's debate and its vote under way forward, through the services (so the
    audit log records it), when they would end within a few days of `now`."""
    now = now or timezone.now()
    chair = Person.objects.get(username="claire")
    debate = Proposal.objects.filter(
        cooperative=cooperative, title=DEBATE_TITLE, status=ProposalStatus.IN_DELIBERATION
    ).first()
    if debate is not None and (
        debate.deliberation_closes_at is None
        or debate.deliberation_closes_at < now + MOVE_FORWARD_WITHIN
    ):
        deliberation.proposal_update(
            actor=chair, proposal=debate, deliberation_closes_at=now + DEBATE_OPEN_FOR
        )
    vote = Vote.objects.filter(
        cooperative=cooperative, proposal__title=BUDGET_TITLE, status=VoteStatus.OPEN
    ).first()
    if vote is not None and (vote.closes_at is None or vote.closes_at < now + MOVE_FORWARD_WITHIN):
        services.vote_schedule(actor=chair, vote=vote, opens_at=None, closes_at=now + VOTE_OPEN_FOR)


def _published(
    author: Person,
    cooperative: Cooperative,
    title: str,
    body: str,
    *,
    closes_at: dt.datetime | None = None,
) -> Proposal:
    return deliberation.proposal_publish(
        actor=author,
        proposal=deliberation.proposal_create(
            actor=author,
            cooperative=cooperative,
            title=title,
            body=body,
            deliberation_closes_at=closes_at,
        ),
    )


def _cast(
    vote: Vote,
    people: dict[str, Person],
    plan: dict[str, tuple[int, int, int]],
    *,
    representatives: int,
) -> None:
    """Cast for, against and abstain as `plan` says; Léa, the demo's plain member, is left
    to vote herself."""
    lists = {"couriers": COURIERS, "customers": CUSTOMERS, "suppliers": SUPPLIERS}
    choices = (ResolutionChoice.FOR, ResolutionChoice.AGAINST, ResolutionChoice.ABSTAIN)
    for college, counts in plan.items():
        voters = (name for name in lists[college] if name != "lea")
        for choice, count in zip(choices, counts, strict=True):
            for name in itertools.islice(voters, count):
                services.ballot_cast(actor=people[name], vote=vote, choice=choice)
    for name in _REPRESENTATIVES[:representatives]:
        services.ballot_cast(actor=people[name], vote=vote, choice=ResolutionChoice.FOR)
