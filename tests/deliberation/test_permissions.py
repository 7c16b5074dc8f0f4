"""Who sees a proposal: role x visibility x status, and the loaders' single 404."""

from __future__ import annotations

import pytest

from core.errors import NotFound
from deliberation import services
from deliberation.models import ProposalStatus, ProposalVisibility
from deliberation.permissions import (
    access_proposal,
    can_view_proposal,
    proposal_visible_queryset,
)
from governance import services as governance_services
from governance.models import Membership
from tests.deliberation.factories import Room, add_observer, make_proposal, make_room

pytestmark = pytest.mark.django_db

ROLES = ("chair", "author", "member", "observer", "outsider")
V = ProposalVisibility

# Expected visibility once published, per visibility and role.
PUBLISHED = {
    V.MEMBERS: {"chair", "author", "member"},
    V.MEMBERS_AND_OBSERVERS: {"chair", "author", "member", "observer"},
    V.BOARD: {"chair"},
}


@pytest.mark.parametrize("visibility", V.values)
def test_visibility_matrix_across_the_lifecycle(visibility: str) -> None:
    room = make_room(visibility=V.MEMBERS, publish=False)
    proposal = room.proposal
    publisher = room.author
    if visibility == V.BOARD:
        # Only the board restricts a proposal to itself, so the board writes this one.
        proposal = make_proposal(
            room.cooperative, author=room.chair, visibility=visibility, publish=False
        )
        publisher = room.chair
    else:
        services.proposal_update(actor=room.author, proposal=proposal, visibility=visibility)
    people = {role: getattr(room, role) for role in ROLES}

    def seen() -> set[str]:
        proposal.refresh_from_db()
        return {role for role, person in people.items() if can_view_proposal(person, proposal)}

    assert seen() == ({"chair"} if visibility == V.BOARD else {"chair", "author"})
    services.proposal_publish(actor=publisher, proposal=proposal)
    for _step in ("in_deliberation", "voting", "adopted"):
        assert seen() == PUBLISHED[visibility]
        for role, person in people.items():
            listed = proposal_visible_queryset(person, room.cooperative).filter(pk=proposal.pk)
            assert listed.exists() == (role in PUBLISHED[visibility]), role
        if proposal.status == ProposalStatus.IN_DELIBERATION:
            services.proposal_start_voting(actor=None, proposal=proposal)
        elif proposal.status == ProposalStatus.VOTING:
            services.proposal_record_outcome(
                actor=None, proposal=proposal, adopted=True, decision_id=1
            )


def test_missing_and_invisible_give_the_same_404(room: Room) -> None:
    with pytest.raises(NotFound) as missing:
        access_proposal(room.member, room.proposal.pk + 1000)
    with pytest.raises(NotFound) as hidden:
        access_proposal(room.outsider, room.proposal.pk)
    assert (missing.value.code, missing.value.message) == (hidden.value.code, hidden.value.message)
    with pytest.raises(NotFound):
        access_proposal(room.member, 2**70)


def test_leaving_the_cooperative_removes_access(room: Room) -> None:
    assert can_view_proposal(room.member, room.proposal)
    membership = Membership.objects.get(member__person=room.member, status="active")
    governance_services.membership_resign(actor=room.member, membership=membership)
    assert not can_view_proposal(room.member, room.proposal)


def test_roles_in_one_cooperative_open_nothing_in_another(room: Room) -> None:
    elsewhere = make_room()
    assert not can_view_proposal(room.member, elsewhere.proposal)
    assert not can_view_proposal(room.chair, elsewhere.proposal)
    add_observer(elsewhere.cooperative, room.member)
    assert can_view_proposal(room.member, elsewhere.proposal)
    assert not proposal_visible_queryset(room.outsider, room.cooperative).exists()
