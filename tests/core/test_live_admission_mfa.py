"""Entering a live room applies the board's two-factor rule, as every HTTP answer does."""

from __future__ import annotations

import pytest

from assemblies.permissions import room_last_seq
from deliberation import selectors
from governance.models import Cooperative
from tests.assemblies.factories import make_assembly, small_coop
from tests.deliberation.factories import make_room

pytestmark = pytest.mark.django_db


def _require_mfa(cooperative: Cooperative) -> None:
    Cooperative.objects.filter(pk=cooperative.pk).update(board_requires_mfa=True)


def _give_totp(person: object) -> None:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(person, generate_totp_secret())


def test_a_draft_assembly_room_is_the_board_s_with_two_factor_when_required() -> None:
    coop = small_coop()
    draft = make_assembly(coop.cooperative, chair=coop.chair, resolutions=["Budget"])
    member = coop.people["Workers"][0]
    assert room_last_seq(coop.chair, draft.pk) is not None
    assert room_last_seq(member, draft.pk) is None
    _require_mfa(coop.cooperative)
    assert room_last_seq(coop.chair, draft.pk) is None
    _give_totp(coop.chair)
    assert room_last_seq(coop.chair, draft.pk) is not None
    assert room_last_seq(coop.chair, draft.pk + 1000) is None


def test_a_proposal_room_admits_a_board_seat_only_with_two_factor_when_required() -> None:
    from core.errors import NotFound
    from deliberation.permissions import access_proposal

    room = make_room()
    chair_access = selectors.room_access(room.chair, room.proposal.pk)
    assert chair_access is not None and chair_access.can_moderate
    _require_mfa(room.cooperative)
    # The chair holds a board seat only: without two-factor, neither the page nor the
    # room is theirs.
    with pytest.raises(NotFound):
        access_proposal(room.chair, room.proposal.pk)
    assert selectors.room_access(room.chair, room.proposal.pk) is None
    # A member of the same cooperative is not concerned by the board's rule.
    assert selectors.room_access(room.member, room.proposal.pk) is not None
    _give_totp(room.chair)
    chair_access = selectors.room_access(room.chair, room.proposal.pk)
    assert chair_access is not None and chair_access.can_moderate
