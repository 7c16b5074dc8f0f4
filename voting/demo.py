"""What the demo cooperative is doing: a proposal under debate, a vote under way and a
decision taken, so that `make run` shows deliberation and weighted voting at once."""

from __future__ import annotations

import datetime as dt
import itertools

from django.db import transaction
from django.utils import timezone

from deliberation import services as deliberation
from deliberation.models import Proposal
from governance.demo import COURIERS, CUSTOMERS, SUPPLIERS
from governance.models import Cooperative, Person
from voting import services
from voting.models import ResolutionChoice, Vote

# Who votes how in the demo, per college: the first names of each list, in order.
_OPEN_VOTE = {"couriers": (6, 2, 1), "customers": (4, 3, 1), "suppliers": (5, 1, 0)}
_CLOSED_VOTE = {"couriers": (8, 2, 1), "customers": (6, 4, 2), "suppliers": (6, 2, 1)}
_REPRESENTATIVES = ("mairie.villeurbanne", "metropole.lyon", "mairie.vaulx")


@transaction.atomic
def load_demo_activity(cooperative: Cooperative) -> bool:
    """Add the demo's proposals, comments and votes once; return whether they were added."""
    if Proposal.objects.filter(cooperative=cooperative).exists():
        return False
    people = {p.username: p for p in Person.objects.all()}
    chair, karim, sofia, paul, mehdi = (
        people[name] for name in ("claire", "karim", "sofia", "paul", "mehdi")
    )

    debate = _published(
        sofia,
        cooperative,
        "Raise the pay per delivery in the city centre",
        "<p>Deliveries in the pedestrian centre take twice as long. We propose "
        "<strong>+0.80 €</strong> per delivery there, paid for by a 2 % fee on orders "
        "above 40 €.</p>",
    )
    opening = deliberation.comment_create(
        actor=mehdi,
        proposal=debate,
        body="<p>Yes: at lunchtime the centre is all pushing the bike on foot.</p>",
        stance="for",
    )
    deliberation.comment_create(
        actor=karim,
        proposal=debate,
        body="<p>Restaurants can live with the fee if it stays at 2 %.</p>",
        parent=opening,
    )
    deliberation.comment_create(
        actor=paul,
        proposal=debate,
        body="<p>As a customer I would rather see the fee on the receipt.</p>",
        stance="neutral",
    )

    budget = _published(
        chair,
        cooperative,
        "Adopt the 2027 budget",
        "<p>The budget keeps the courier fund at 4 % of revenue and opens a second hub in "
        "Vaulx-en-Velin.</p>",
    )
    vote = services.vote_open(
        actor=chair,
        vote=services.vote_create(
            actor=chair,
            cooperative=cooperative,
            method="resolution",
            proposal=budget,
            closes_at=timezone.now() + dt.timedelta(days=7),
        ),
    )
    _cast(vote, people, _OPEN_VOTE, representatives=1)

    network = _published(
        chair,
        cooperative,
        "Join the regional network of delivery cooperatives",
        "<p>Membership of the network shares the dispatch software and costs 1,200 € a year.</p>",
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


def _published(author: Person, cooperative: Cooperative, title: str, body: str) -> Proposal:
    return deliberation.proposal_publish(
        actor=author,
        proposal=deliberation.proposal_create(
            actor=author, cooperative=cooperative, title=title, body=body
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
