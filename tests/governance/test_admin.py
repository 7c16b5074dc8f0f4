"""The Django admin changes access only through the governance services: its records are
read-only and its actions call the services, so the grants follow."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from core.models import AuditEntry
from deliberation.models import ProposalVisibility
from governance.models import (
    BoardRole,
    College,
    CooperativeUserPermission,
    Membership,
    MembershipStatus,
    Observer,
    Representative,
)
from governance.permissions import cooperative_role
from tests.deliberation.factories import Room, make_room
from tests.governance.factories import PersonFactory, add_legal_member, chair_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(db: None) -> Room:
    return make_room(visibility=ProposalVisibility.MEMBERS_AND_OBSERVERS)


@pytest.fixture
def operator() -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(PersonFactory(username="operator", is_staff=True, is_superuser=True))
    return client


def _act(operator: Client, model: str, action: str, pks: list[int], **fields: Any) -> Any:
    """Run an admin action on the change list, as the admin's own form posts it; with
    `fields`, answer its intermediate form too."""
    url = f"/admin/governance/{model}/"
    data: dict[str, Any] = {"action": action, "_selected_action": [str(pk) for pk in pks]}
    first = operator.post(url, data)
    if not fields:
        return first
    assert first.status_code == 200, first.content[:500]
    return operator.post(url, {**data, **fields, "apply": "1"})


def test_excluding_in_the_admin_takes_read_and_comment_rights_away(
    room: Room, operator: Client, api_client: Any
) -> None:
    membership = Membership.objects.get(member__person=room.member, status="active")
    api_client.force_authenticate(room.member)
    comments = f"/api/v1/proposals/{room.proposal.pk}/comments/"
    assert api_client.get(f"/api/v1/cooperatives/{room.cooperative.slug}/").status_code == 200
    assert api_client.post(comments, {"body": "<p>Avant</p>"}).status_code == 201

    page = operator.post(
        "/admin/governance/membership/",
        {"action": "exclude_members", "_selected_action": [str(membership.pk)]},
    )
    assert page.status_code == 200 and b'name="reason"' in page.content
    # The reason is required: without it the form comes back and nothing changes.
    again = operator.post(
        "/admin/governance/membership/",
        {"action": "exclude_members", "_selected_action": [membership.pk], "apply": "1"},
    )
    assert again.status_code == 200
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE

    done = _act(operator, "membership", "exclude_members", [membership.pk], reason="Non-paiement")
    assert done.status_code == 302
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.EXCLUDED and membership.ended_on is not None
    assert not cooperative_role(room.member, room.cooperative).can_read
    assert api_client.get(f"/api/v1/cooperatives/{room.cooperative.slug}/").status_code == 404
    assert api_client.post(comments, {"body": "<p>Après</p>"}).status_code == 404
    entry = AuditEntry.objects.get(verb="membership.excluded")
    assert entry.actor.username == "operator" and entry.data["reason"] == "Non-paiement"


def test_the_change_form_cannot_set_a_status_or_a_college_by_hand(
    room: Room, operator: Client
) -> None:
    membership = Membership.objects.get(member__person=room.member, status="active")
    url = f"/admin/governance/membership/{membership.pk}/change/"
    assert operator.get(url).status_code == 200  # shown, read-only
    response = operator.post(url, {"status": "excluded", "ended_on": "2026-01-01"})
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    assert cooperative_role(room.member, room.cooperative).is_member
    for model in ("membership", "boardrole", "representative", "observer"):
        assert operator.get(f"/admin/governance/{model}/add/").status_code == 403
    # No per-object permission editor that would hand out grants by hand.
    coop_url = f"/admin/governance/cooperative/{room.cooperative.pk}/permissions/"
    assert operator.get(coop_url).status_code in (302, 404)
    grant = CooperativeUserPermission.objects.filter(user=room.member).first()
    assert grant is not None
    assert (
        operator.post(
            f"/admin/governance/cooperativeuserpermission/{grant.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )


def test_a_college_move_in_the_admin_goes_through_the_service(room: Room, operator: Client) -> None:
    membership = Membership.objects.get(member__person=room.member, status="active")
    target = College.objects.get(cooperative=room.cooperative, name="Suppliers")
    done = _act(operator, "membership", "move_college", [membership.pk], college=target.pk)
    assert done.status_code == 302
    membership.refresh_from_db()
    assert membership.college == target
    assert AuditEntry.objects.get(verb="membership.moved").data["college"] == "Suppliers"


def test_a_refused_transition_is_reported_and_changes_nothing(room: Room, operator: Client) -> None:
    membership = Membership.objects.get(member__person=room.member, status="active")
    response = _act(operator, "membership", "admit", [membership.pk])
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("Only an application can be admitted" in m for m in messages)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE


def test_ending_a_board_seat_in_the_admin_takes_the_board_rights(
    room: Room, operator: Client, api_client: Any
) -> None:
    from governance import services

    director = room.author
    seat = services.board_role_grant(
        actor=room.chair, cooperative=room.cooperative, person=director, role="director"
    )
    api_client.force_authenticate(director)
    audit = f"/api/v1/cooperatives/{room.cooperative.slug}/audit/"
    assert api_client.get(audit).status_code == 200
    assert _act(operator, "boardrole", "revoke", [seat.pk]).status_code == 302
    seat.refresh_from_db()
    assert seat.revoked_at is not None
    assert api_client.get(audit).status_code == 403
    # The last seat cannot be ended, in the admin as in the API.
    chair_seat = BoardRole.objects.get(
        cooperative=room.cooperative, person=chair_of(room.cooperative)
    )
    _act(operator, "boardrole", "revoke", [chair_seat.pk])
    chair_seat.refresh_from_db()
    assert chair_seat.revoked_at is None


def test_renewing_a_board_seat_in_the_admin_checks_the_legal_term(
    room: Room, operator: Client
) -> None:
    seat = BoardRole.objects.get(cooperative=room.cooperative, person=room.chair)
    before = seat.term_ends_on
    response = _act(operator, "boardrole", "renew", [seat.pk], term_ends_on="2099-01-01")
    assert response.status_code == 302
    seat.refresh_from_db()
    assert seat.term_ends_on == before  # more than six years: refused by the service


def test_ending_a_representation_and_an_observer_in_the_admin_closes_their_access(
    room: Room, operator: Client, api_client: Any
) -> None:
    legal = add_legal_member(room.cooperative, "Authorities")
    representative = Representative.objects.get(member=legal.member)
    observer = Observer.objects.get(cooperative=room.cooperative, person=room.observer)
    detail = f"/api/v1/cooperatives/{room.cooperative.slug}/"
    for person in (representative.person, room.observer):
        api_client.force_authenticate(person)
        assert api_client.get(detail).status_code == 200

    assert _act(operator, "representative", "revoke", [representative.pk]).status_code == 302
    assert _act(operator, "observer", "revoke", [observer.pk]).status_code == 302

    for person in (representative.person, room.observer):
        api_client.force_authenticate(person)
        assert api_client.get(detail).status_code == 404
    assert (
        AuditEntry.objects.filter(verb__in=["representative.revoked", "observer.revoked"]).count()
        == 2
    )


def test_giving_a_board_seat_and_inviting_an_observer_in_the_admin_grant_access(
    room: Room, operator: Client, api_client: Any
) -> None:
    newcomer, guest = PersonFactory(username="newcomer"), PersonFactory(username="guest")
    coop = room.cooperative
    unknown = _act(operator, "cooperative", "grant_board_seat", [coop.pk], person="nobody")
    assert unknown.status_code == 200 and b"No account has this user name." in unknown.content

    done = _act(
        operator, "cooperative", "grant_board_seat", [coop.pk], person="newcomer", role="director"
    )
    assert done.status_code == 302
    seat = BoardRole.objects.get(cooperative=coop, person=newcomer)
    assert seat.revoked_at is None and cooperative_role(newcomer, coop).is_board
    api_client.force_authenticate(newcomer)
    assert api_client.get(f"/api/v1/cooperatives/{coop.slug}/audit/").status_code == 200

    _act(
        operator, "cooperative", "invite_observer", [coop.pk], person="guest", organisation="Région"
    )
    assert Observer.objects.get(cooperative=coop, person=guest).organisation == "Région"
    api_client.force_authenticate(guest)
    assert api_client.get(f"/api/v1/cooperatives/{coop.slug}/").status_code == 200
    granted = AuditEntry.objects.filter(
        verb__in=["board_role.granted", "observer.invited"], actor__username="operator"
    )
    assert granted.count() == 2


def test_designating_a_representative_in_the_admin_gives_the_member_rights(
    room: Room, operator: Client, api_client: Any
) -> None:
    legal = add_legal_member(room.cooperative, "Authorities", representatives=0)
    deputy = PersonFactory(username="deputy")
    api_client.force_authenticate(deputy)
    detail = f"/api/v1/cooperatives/{room.cooperative.slug}/"
    assert api_client.get(detail).status_code == 404
    done = _act(operator, "member", "designate_representative", [legal.member.pk], person="deputy")
    assert done.status_code == 302
    assert Representative.objects.get(member=legal.member, person=deputy).revoked_at is None
    assert api_client.get(detail).status_code == 200
    # A natural person has no representatives: the service refuses, nothing is created.
    natural = Membership.objects.get(member__person=room.member, status="active").member
    _act(operator, "member", "designate_representative", [natural.pk], person="deputy")
    assert not Representative.objects.filter(member=natural).exists()
