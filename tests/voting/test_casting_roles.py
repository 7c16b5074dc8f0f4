"""The casting path reads who a person is and whom they act for from governance's queries:
the role matrix, every kind of person against cooperative_role, and the members a voter
acts for against members_acting_person."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm

from core.errors import NotFound
from governance.models import BoardRole, BoardRoleKind, Person, Representative
from governance.permissions import CooperativeRole, cooperative_role
from governance.selectors import members_acting_person
from tests.governance.factories import PersonFactory
from tests.voting.factories import (
    make_coop,
    make_observer,
    make_proposal,
    make_vote,
    quick_legal_member,
    quick_member,
)
from voting import services
from voting.errors import MemberRequired, NotOnRoll
from voting.permissions import access_vote_for_casting, can_view_vote

pytestmark = pytest.mark.django_db

SIZES = {"Workers": 2, "Users": 2, "Suppliers": 1, "Authorities": 1}


def _people() -> tuple[object, dict[str, object]]:
    """A vote on a proposal opened to observers, so that every role may see it, and one
    person of every kind."""
    coop = make_coop(SIZES)
    cooperative = coop.cooperative
    legal = quick_legal_member(cooperative, "Authorities")
    representative = Representative.objects.get(member=legal.member).person
    # Someone who is a member themself and represents a legal person too.
    both = coop.person("Users", 1)
    Representative.objects.create(member=legal.member, person=both, designated_at=timezone.now())
    revoked = PersonFactory()
    Representative.objects.create(
        member=legal.member,
        person=revoked,
        designated_at=timezone.now() - dt.timedelta(days=30),
        revoked_at=timezone.now() - dt.timedelta(days=1),
    )
    board_member = quick_member(cooperative, "Suppliers").member.person
    assert board_member is not None
    BoardRole.objects.create(
        cooperative=cooperative,
        person=board_member,
        role=BoardRoleKind.DIRECTOR,
        started_on=timezone.localdate() - dt.timedelta(days=10),
        term_ends_on=timezone.localdate() + dt.timedelta(days=365),
    )
    assign_perm("manage_cooperative", board_member, cooperative)
    # A seat whose term ended yesterday: the grant is still there, the rights are not.
    ended = PersonFactory()
    BoardRole.objects.create(
        cooperative=cooperative,
        person=ended,
        role=BoardRoleKind.TREASURER,
        started_on=timezone.localdate() - dt.timedelta(days=400),
        term_ends_on=timezone.localdate() - dt.timedelta(days=1),
    )
    assign_perm("manage_cooperative", ended, cooperative)
    grouped = PersonFactory()
    group = Group.objects.create(name="Auditors of the roll")
    grouped.groups.add(group)
    assign_perm("participate_in_cooperative", group, cooperative)
    elsewhere = make_coop(SIZES)
    only_elsewhere = elsewhere.person("Workers")
    inactive = coop.person("Workers", 1)
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    superuser = PersonFactory(is_superuser=True)
    superuser_member = coop.person("Suppliers")
    Person.objects.filter(pk=superuser_member.pk).update(is_superuser=True)
    superuser_member.refresh_from_db()
    vote = make_vote(coop, proposal=make_proposal(coop, visibility="members_and_observers"))
    holder = coop.person("Workers")
    services.proxy_give(actor=coop.person("Users"), vote=vote, holder_id=_member_id(holder))
    people: dict[str, object] = {
        "chair": coop.chair,
        "board member who is a member": board_member,
        "board seat whose term ended": ended,
        "member": coop.person("Users"),
        "proxy holder": holder,
        "representative of a legal person": representative,
        "member who also represents a legal person": both,
        "revoked representative": revoked,
        "observer": make_observer(coop),
        "member through a group": grouped,
        "member of another cooperative": only_elsewhere,
        "outsider": PersonFactory(),
        "inactive member": inactive,
        "superuser": superuser,
        "superuser who is a member": superuser_member,
        "anonymous": AnonymousUser(),
    }
    return (coop, vote), people


def _member_id(person: Person) -> int:
    return person.memberships_as_person.get().pk


def test_the_casting_role_equals_cooperative_role_for_every_kind_of_person() -> None:
    (coop, vote), people = _people()
    cooperative = coop.cooperative  # type: ignore[attr-defined]
    roles: dict[str, CooperativeRole] = {}
    reached: set[str] = set()
    for kind, person in people.items():
        expected = roles[kind] = cooperative_role(person, cooperative)
        with transaction.atomic():
            if not can_view_vote(person, vote, expected):
                with pytest.raises(NotFound):
                    access_vote_for_casting(person, vote.pk)
                continue
            loaded, role = access_vote_for_casting(person, vote.pk)
        assert (loaded.pk, role) == (vote.pk, expected), kind
        reached.add(kind)
    # The matrix meets every role, not only members.
    assert roles["chair"].is_board and roles["superuser"].is_board
    assert roles["board member who is a member"] == CooperativeRole(is_board=True, is_member=True)
    assert roles["observer"] == CooperativeRole(is_observer=True)
    assert roles["representative of a legal person"] == CooperativeRole(is_member=True)
    assert roles["member through a group"] == CooperativeRole(is_member=True)
    assert set(people) - reached == {
        "board seat whose term ended",
        "revoked representative",
        "member of another cooperative",
        "outsider",
        "inactive member",
        "anonymous",
    }


def test_a_voter_acts_on_the_casting_path_for_the_members_governance_names() -> None:
    (coop, vote), people = _people()
    cooperative = coop.cooperative  # type: ignore[attr-defined]
    for kind in (
        "member",
        "representative of a legal person",
        "member who also represents a legal person",
        "revoked representative",
        "outsider",
    ):
        person = people[kind]
        named = {m.pk for m in members_acting_person(cooperative, person)}
        try:
            with transaction.atomic():
                result = services.ballot_cast(actor=person, vote=vote, choice="for")
                acted = {result.roll_entry.member_id}
                transaction.set_rollback(True)
        except MemberRequired as several:
            acted = {m["id"] for m in several.details["members"]}
        except NotOnRoll:
            acted = set()
        assert acted == named, kind
    both = people["member who also represents a legal person"]
    assert sorted(m.kind for m in members_acting_person(cooperative, both)) == ["legal", "natural"]
    representative = people["representative of a legal person"]
    assert [m.kind for m in members_acting_person(cooperative, representative)] == ["legal"]
    assert members_acting_person(cooperative, people["revoked representative"]) == []


def test_the_casting_role_keeps_the_boards_two_factor_rule_of_cooperative_role() -> None:
    """A board member without the two-factor authentication the cooperative requires is
    not board on the casting path either: one reader applies the rule to both."""
    (coop, vote), people = _people()
    cooperative = coop.cooperative  # type: ignore[attr-defined]
    cooperative.board_requires_mfa = True
    cooperative.save(update_fields=["board_requires_mfa"])
    board_member = people["board member who is a member"]
    expected = cooperative_role(board_member, cooperative)
    with transaction.atomic():
        _loaded, role = access_vote_for_casting(board_member, vote.pk)

    assert expected == CooperativeRole(is_member=True, board_needs_mfa=True)
    assert role == expected
