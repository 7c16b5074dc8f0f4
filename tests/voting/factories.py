"""Builders for votes on cooperatives with colleges, members and proposals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from deliberation import services as deliberation_services
from deliberation.models import Proposal
from governance.models import (
    CategoryKind,
    Cooperative,
    Member,
    MemberKind,
    Membership,
    MembershipStatus,
    OrganisationType,
    Person,
    Representative,
)
from governance.services import observer_invite, person_access_sync
from tests.governance.factories import PersonFactory, category, chair_of, make_cooperative
from voting import services
from voting.models import Vote, VoteMethod

WORKED_WEIGHTS = (("Workers", 30), ("Users", 30), ("Suppliers", 20), ("Authorities", 20))


@dataclass
class Coop:
    """A cooperative with a chair and members per college, for voting tests."""

    cooperative: Cooperative
    chair: Person
    members: dict[str, list[Membership]] = field(default_factory=dict)

    def people(self, college: str) -> list[Person]:
        return [m.member.person for m in self.members[college]]  # type: ignore[misc]

    def person(self, college: str, index: int = 0) -> Person:
        return self.people(college)[index]

    @property
    def everyone(self) -> list[Person]:
        return [p for college in self.members for p in self.people(college)]


def quick_member(cooperative: Cooperative, college_name: str | None = None) -> Membership:
    """An active natural-person member, written directly: much faster than the admission
    services, which the governance tests cover, and what a voting test needs."""
    person = PersonFactory()
    college = (
        cooperative.colleges.get(name=college_name)
        if college_name
        else cooperative.colleges.filter(is_active=True).order_by("position").first()
    )
    member = Member.objects.create(
        cooperative=cooperative, kind=MemberKind.NATURAL, person=person, name=str(person)
    )
    membership = Membership.objects.create(
        member=member,
        cooperative=cooperative,
        category=category(cooperative),
        college=college,
        status=MembershipStatus.ACTIVE,
        applied_at=timezone.now(),
        started_on=timezone.localdate(),
    )
    person_access_sync(cooperative=cooperative, person=person)
    return membership


def quick_legal_member(
    cooperative: Cooperative, college_name: str, *, representatives: int = 1
) -> Membership:
    """An active legal-person member with its designated representatives."""
    member = Member.objects.create(
        cooperative=cooperative,
        kind=MemberKind.LEGAL,
        name="Commune de Test",
        organisation_type=OrganisationType.LOCAL_AUTHORITY,
    )
    membership = Membership.objects.create(
        member=member,
        cooperative=cooperative,
        category=category(cooperative, CategoryKind.LOCAL_AUTHORITIES),
        college=cooperative.colleges.get(name=college_name),
        status=MembershipStatus.ACTIVE,
        applied_at=timezone.now(),
        started_on=timezone.localdate(),
    )
    for _ in range(representatives):
        person = PersonFactory()
        Representative.objects.create(member=member, person=person, designated_at=timezone.now())
        person_access_sync(cooperative=cooperative, person=person)
    return membership


def make_coop(
    sizes: dict[str, int] | None = None,
    *,
    weights: tuple[tuple[str, int], ...] = WORKED_WEIGHTS,
    legal_form: str = "scic_sa",
) -> Coop:
    """A cooperative whose colleges have `sizes` members each (10 by default)."""
    cooperative = make_cooperative(weights=weights, legal_form=legal_form)
    chair = chair_of(cooperative)
    coop = Coop(cooperative=cooperative, chair=chair)
    sizes = sizes if sizes is not None else {name: 10 for name, _w in weights}
    for name, count in sizes.items():
        coop.members[name] = [quick_member(cooperative, name) for _ in range(count)]
    return coop


def make_observer(coop: Coop) -> Person:
    person = PersonFactory()
    observer_invite(
        actor=coop.chair, cooperative=coop.cooperative, person=person, organisation="Région"
    )
    return person


def make_proposal(
    coop: Coop,
    *,
    decision_kind: str = "ordinary",
    publish: bool = True,
    visibility: str = "members",
) -> Proposal:
    proposal = deliberation_services.proposal_create(
        actor=coop.chair,
        cooperative=coop.cooperative,
        title="Raise courier pay",
        body="<p>Raise the minimum pay per delivery.</p>",
        decision_kind=decision_kind,
        visibility=visibility,
    )
    if publish:
        proposal = deliberation_services.proposal_publish(actor=coop.chair, proposal=proposal)
    return proposal


def make_vote(
    coop: Coop, *, method: str = VoteMethod.RESOLUTION, open_now: bool = True, **kwargs: Any
) -> Vote:
    if kwargs.get("proposal") is None:
        kwargs.setdefault("title", "Resolution 1")
        kwargs.setdefault(
            "decision_kind", "ordinary" if method == VoteMethod.RESOLUTION else "advisory"
        )
    if method in (VoteMethod.APPROVAL, VoteMethod.RANKED, VoteMethod.MAJORITY_JUDGMENT):
        kwargs.setdefault("options", ["A", "B", "C"])
    vote = services.vote_create(
        actor=coop.chair, cooperative=coop.cooperative, method=method, **kwargs
    )
    if open_now:
        vote = services.vote_open(actor=coop.chair, vote=vote, via_booth=bool(vote.booth))
    return vote


def cast(person: Person, vote: Vote, choice: Any, **kwargs: Any) -> services.CastResult:
    return services.ballot_cast(actor=person, vote=vote, choice=choice, **kwargs)


def cast_many(coop: Coop, vote: Vote, college: str, **counts: int) -> None:
    """Cast `counts` (choice -> number) with the members of one college, in order."""
    people = iter(coop.people(college))
    for choice, number in counts.items():
        for _ in range(number):
            cast(next(people), vote, choice)
