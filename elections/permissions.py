"""Who may see an electoral board, act as its trustee, vote in an election or read its
bulletin board."""

from __future__ import annotations

from typing import Any

from core.errors import NotFound
from elections.errors import NotTrustee
from elections.models import Election, ElectoralBoard, Trustee
from governance.permissions import CooperativeRole, cooperative_role


def can_read_bulletin_board(role: CooperativeRole, *, public: bool = False) -> bool:
    """Members, the board and observers read it; anyone when the cooperative chooses."""
    return public or role.is_board or role.is_member or role.is_observer


def access_electoral_board(person: Any, board_id: int) -> tuple[ElectoralBoard, CooperativeRole]:
    board = ElectoralBoard.objects.select_related("cooperative").filter(pk=board_id).first()
    if board is None:
        raise NotFound()
    role = cooperative_role(person, board.cooperative)
    is_trustee = Trustee.objects.filter(board=board, person=person).exists()
    if not (role.is_board or role.is_member or role.is_observer or is_trustee):
        raise NotFound()
    return board, role


def access_trustee(person: Any, board: ElectoralBoard) -> Trustee:
    trustee = Trustee.objects.filter(board=board, person=person).first()
    if trustee is None:
        raise NotTrustee()
    return trustee


def access_election(person: Any, uuid: str) -> tuple[Election, CooperativeRole]:
    """An election whose bulletin board the person may read (one 404 otherwise)."""
    election = (
        Election.objects.select_related("vote", "vote__cooperative", "vote_college", "board")
        .filter(uuid=uuid)
        .first()
    )
    if election is None:
        raise NotFound()
    if person is None or not getattr(person, "is_authenticated", False):
        if not _is_public(election):
            raise NotFound()
        return election, CooperativeRole()
    role = cooperative_role(person, election.vote.cooperative)
    # The credential authority and the trustees work on it without being members.
    works_on_it = election.authority_id == person.pk or (
        Trustee.objects.filter(board=election.board_id, person=person).exists()
    )
    if not (can_read_bulletin_board(role, public=_is_public(election)) or works_on_it):
        raise NotFound()
    return election, role


def _is_public(election: Election) -> bool:
    return election.board.bulletin_public
