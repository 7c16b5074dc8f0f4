"""Builders for deliberation tests: a cooperative with people in every role, and proposals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deliberation import services
from deliberation.models import Proposal, ProposalVisibility
from governance import services as governance_services
from governance.models import Cooperative, Person
from tests.governance.factories import PersonFactory, add_member, chair_of, make_cooperative


@dataclass
class Room:
    """A cooperative and one published proposal, with a person in each role."""

    cooperative: Cooperative
    chair: Person
    author: Person
    member: Person
    observer: Person
    outsider: Person
    proposal: Proposal


def add_observer(cooperative: Cooperative, person: Person | None = None) -> Person:
    person = person or PersonFactory()
    governance_services.observer_invite(
        actor=chair_of(cooperative), cooperative=cooperative, person=person, organisation="Mairie"
    )
    return person


def make_proposal(
    cooperative: Cooperative,
    *,
    author: Person | None = None,
    publish: bool = True,
    title: str = "Ouvrir une antenne à Lyon",
    body: str = "<p>Le conseil propose d'ouvrir une antenne à Lyon.</p>",
    visibility: str = ProposalVisibility.MEMBERS_AND_OBSERVERS,
    **fields: Any,
) -> Proposal:
    author = author or chair_of(cooperative)
    proposal = services.proposal_create(
        actor=author,
        cooperative=cooperative,
        title=title,
        body=body,
        visibility=visibility,
        **fields,
    )
    if publish:
        proposal = services.proposal_publish(actor=author, proposal=proposal)
    return proposal


def make_room(
    *, visibility: str = ProposalVisibility.MEMBERS_AND_OBSERVERS, publish: bool = True
) -> Room:
    cooperative = make_cooperative()
    chair = chair_of(cooperative)
    author = add_member(cooperative).member.person
    member = add_member(cooperative, "Users").member.person
    observer = add_observer(cooperative)
    outsider = PersonFactory()
    # Only the board restricts a proposal to the board, so the chair writes those.
    writer = chair if visibility == ProposalVisibility.BOARD else author
    proposal = make_proposal(cooperative, author=writer, visibility=visibility, publish=publish)
    return Room(
        cooperative=cooperative,
        chair=chair,
        author=author,
        member=member,
        observer=observer,
        outsider=outsider,
        proposal=proposal,
    )
