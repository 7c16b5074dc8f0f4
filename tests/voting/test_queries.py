"""Casting through the API issues a fixed, small number of statements, whatever the roll."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from guardian.shortcuts import assign_perm

from core.audit import audit_verify
from governance.permissions import cooperative_role
from tests.governance.factories import PersonFactory
from tests.voting.factories import make_coop, make_observer, make_proposal, make_vote
from tests.voting.test_api import token_client
from voting.models import Ballot, RollEntry
from voting.permissions import _granted_role, access_vote_for_casting

pytestmark = pytest.mark.django_db

# Token and person; the vote with its proposal, share-locked; the role; the roll entry
# locked with its member and college; the ballot; the roll entry marked; the audit head
# locked, the entry, the head moved. Inside a test the view's transaction is a savepoint
# (two statements); in production it is the transaction itself.
POLL_CAST = 11
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
    assert Ballot.objects.filter(vote=vote, is_current=True).count() == 2
    assert RollEntry.objects.get(vote=vote, member__person=voter).has_voted
    assert audit_verify().ok


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
    coop = make_coop({"Workers": 1, "Users": 1, "Suppliers": 1, "Authorities": 1})
    cooperative = coop.cooperative
    grouped = PersonFactory()
    group = Group.objects.create(name="Auditors")
    grouped.groups.add(group)
    assign_perm("observe_cooperative", group, cooperative)
    inactive = coop.person("Users")
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    people = [coop.chair, coop.person("Workers"), make_observer(coop), grouped, inactive]
    people.append(PersonFactory())
    for person in people:
        assert _granted_role(person, cooperative.pk) == cooperative_role(person, cooperative)


def test_superusers_and_outsiders_load_votes_as_access_vote_does() -> None:
    from core.errors import NotFound

    coop = make_coop({"Workers": 1, "Users": 1, "Suppliers": 1, "Authorities": 1})
    vote = make_vote(coop)
    admin = PersonFactory(is_superuser=True)
    assert access_vote_for_casting(admin, vote.pk).pk == vote.pk
    with pytest.raises(NotFound):
        access_vote_for_casting(PersonFactory(), vote.pk)
    with pytest.raises(NotFound):
        access_vote_for_casting(coop.person("Workers"), vote.pk + 1000)
