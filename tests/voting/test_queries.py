"""Casting through the API issues a fixed, small number of statements, whatever the roll."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from guardian.shortcuts import assign_perm

from core.audit import audit_verify
from core.models import AuditEntry
from governance.permissions import cooperative_role
from tests.governance.factories import PersonFactory
from tests.voting.factories import make_coop, make_observer, make_proposal, make_vote
from tests.voting.test_api import token_client
from voting.models import Ballot, RollEntry
from voting.permissions import access_vote_for_casting, can_view_vote

pytestmark = pytest.mark.django_db

# Token and person; the vote with its proposal and the role, share-locked; the roll entry
# locked with its member and college, then the audit head; the ballot, the roll entry's
# mark, the audit entry and the head's move. Inside a test the view's transaction is a
# savepoint (two statements); in production it is the transaction itself. SQLite cannot
# lock the head with the roll entry, nor make four writes one statement: four statements
# more there.
POLL_CAST = 6 if connection.vendor == "postgresql" else 10
# The turnout pushed to the proposal's room: the count and the room's event.
PROPOSAL_CAST = POLL_CAST + 3


def _cast(client: Any, vote_id: int) -> None:
    response = client.post(f"/api/v1/votes/{vote_id}/ballots/", {"choice": "for"}, format="json")
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize("size", [2, 12])
def test_a_cast_on_a_poll_takes_a_fixed_number_of_statements(
    size: int, django_assert_max_num_queries: Any
) -> None:
    coop = make_coop({"Workers": size, "Users": size, "Suppliers": 1, "Authorities": 1})
    vote = make_vote(coop)
    _cast(token_client(coop.person("Workers", 0)), vote.pk)
    voter = coop.person("Workers", 1)
    client = token_client(voter)
    with django_assert_max_num_queries(POLL_CAST):
        _cast(client, vote.pk)
    ballots = Ballot.objects.filter(vote=vote, is_current=True)
    assert ballots.count() == 2
    assert RollEntry.objects.get(vote=vote, member__person=voter).has_voted
    assert audit_verify().ok
    # The audit entry names the ballot written with it, whichever statement drew its key.
    last = AuditEntry.objects.filter(verb="ballot.cast").order_by("-id").first()
    assert last is not None
    assert last.data["ballot_id"] == ballots.get(cast_by=voter).pk


def test_a_cast_on_a_proposal_adds_only_the_pushed_turnout(
    django_assert_max_num_queries: Any,
) -> None:
    coop = make_coop({"Workers": 3, "Users": 1, "Suppliers": 1, "Authorities": 1})
    vote = make_vote(coop, proposal=make_proposal(coop))
    _cast(token_client(coop.person("Workers", 0)), vote.pk)
    client = token_client(coop.person("Workers", 1))
    with django_assert_max_num_queries(PROPOSAL_CAST):
        _cast(client, vote.pk)
    assert Ballot.objects.filter(vote=vote, is_current=True).count() == 2


def test_the_casting_role_is_the_one_governance_derives() -> None:
    from core.errors import NotFound

    coop = make_coop({"Workers": 1, "Users": 1, "Suppliers": 1, "Authorities": 1})
    cooperative = coop.cooperative
    vote = make_vote(coop)
    grouped = PersonFactory()
    group = Group.objects.create(name="Auditors")
    grouped.groups.add(group)
    assign_perm("participate_in_cooperative", group, cooperative)
    # A grant on another cooperative says nothing about this one.
    elsewhere = make_coop({"Workers": 1, "Users": 1, "Suppliers": 1, "Authorities": 1})
    assign_perm("manage_cooperative", coop.person("Workers"), elsewhere.cooperative)
    inactive = coop.person("Users")
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    admin = PersonFactory(is_superuser=True)
    people = [coop.chair, coop.person("Workers"), make_observer(coop), grouped, inactive, admin]
    people.append(PersonFactory())
    seen = 0
    for person in people:
        expected = cooperative_role(person, cooperative)
        if not can_view_vote(person, vote, expected):
            with pytest.raises(NotFound):
                access_vote_for_casting(person, vote.pk)
            continue
        loaded, role = access_vote_for_casting(person, vote.pk)
        assert (loaded.pk, role) == (vote.pk, expected)
        seen += 1
    # The board, a member, a member through a group, and a superuser; an observer does not
    # see a standalone poll.
    assert seen == 4
    with pytest.raises(NotFound):
        access_vote_for_casting(coop.person("Workers"), vote.pk + 1000)


def test_an_observer_reaches_a_vote_on_a_proposal_opened_to_observers() -> None:
    coop = make_coop({"Workers": 1, "Users": 1, "Suppliers": 1, "Authorities": 1})
    observer = make_observer(coop)
    vote = make_vote(coop, proposal=make_proposal(coop, visibility="members_and_observers"))
    loaded, role = access_vote_for_casting(observer, vote.pk)
    assert loaded.proposal is not None and loaded.proposal.pk == vote.proposal_id
    assert role == cooperative_role(observer, coop.cooperative)
    assert role.is_observer and not role.is_member
