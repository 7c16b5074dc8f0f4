"""Opening a vote freezes the roll, the colleges with their weights, and the rules version."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from django.utils import timezone

from core.models import AuditEntry, OutboxEvent
from governance.models import CategoryKind, DecisionKind, Membership
from governance.services import (
    CollegeSpec,
    colleges_configure,
    membership_move_college,
    membership_resign,
    rules_update,
)
from tests.governance.factories import add_member, make_cooperative
from tests.voting.factories import (
    make_coop,
    make_proposal,
    make_vote,
    quick_legal_member,
    quick_member,
)
from voting import services
from voting.errors import OpeningBlocked, VoteStateError
from voting.models import RollEntry, VoteCollege, VoteMethod, VoteStatus

pytestmark = pytest.mark.django_db

SMALL = {"Workers": 2, "Users": 1, "Suppliers": 1, "Authorities": 1}


def test_roll_holds_active_members_with_their_college_and_weight() -> None:
    coop = make_coop(SMALL)
    applicant = add_member(coop.cooperative, "Users", admit=False)
    vote = make_vote(coop)
    entries = RollEntry.objects.filter(vote=vote).select_related("vote_college", "member")
    assert entries.count() == 5
    assert applicant.member_id not in {e.member_id for e in entries}
    workers = VoteCollege.objects.get(vote=vote, name="Workers")
    assert workers.weight == Fraction(3, 10)
    assert workers.eligible == 2
    assert {e.college_weight for e in entries if e.vote_college_id == workers.pk} == {
        Fraction(3, 10)
    }
    assert sum(c.weight for c in VoteCollege.objects.filter(vote=vote)) == 1


def test_roll_stays_frozen_when_members_come_go_and_move() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop)
    leaving = coop.members["Workers"][0]
    moving = coop.members["Workers"][1]
    membership_resign(actor=coop.chair, membership=leaving)
    membership_move_college(
        actor=coop.chair, membership=moving, college=moving.cooperative.colleges.get(name="Users")
    )
    quick_member(coop.cooperative, "Users")
    entries = RollEntry.objects.filter(vote=vote).select_related("vote_college")
    assert entries.count() == 5
    entry = entries.get(member=moving.member)
    assert entry.vote_college.name == "Workers"
    assert entries.filter(member=leaving.member).exists()


def test_rules_and_college_versions_are_stored_on_the_vote() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop)
    rules_update(
        actor=coop.chair,
        cooperative=coop.cooperative,
        changes={"ordinary": {"proxies_allowed": False}},
    )
    colleges_configure(
        actor=coop.chair,
        cooperative=coop.cooperative,
        colleges=[
            CollegeSpec("Workers", 25),
            CollegeSpec("Users", 25),
            CollegeSpec("Suppliers", 25),
            CollegeSpec("Authorities", 25),
        ],
    )
    vote.refresh_from_db()
    assert vote.rules_version.number == 1
    assert vote.college_config_version.number == 1
    assert VoteCollege.objects.get(vote=vote, name="Workers").weight == Fraction(3, 10)


def test_cooperative_without_colleges_votes_one_member_one_vote() -> None:
    coop = make_coop({}, weights=())
    for _ in range(3):
        quick_member(coop.cooperative)
    vote = make_vote(coop)
    (college,) = VoteCollege.objects.filter(vote=vote)
    assert (college.key, college.weight, college.eligible) == ("all", 1, 3)
    assert vote.college_config_version is None


def test_legal_person_is_on_the_roll_once() -> None:
    coop = make_coop(SMALL)
    legal = quick_legal_member(coop.cooperative, "Authorities", representatives=2)
    vote = make_vote(coop)
    assert RollEntry.objects.filter(vote=vote, member=legal.member).count() == 1


def test_opening_is_audited_and_announced() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop)
    entry = AuditEntry.objects.filter(verb="vote.opened", target_id=str(vote.pk)).get()
    assert entry.data["eligible"] == 5
    assert entry.data["rules_version"] == 1
    event = OutboxEvent.objects.get(type="vote.opened")
    assert event.data["vote"]["id"] == vote.pk
    assert event.data["vote"]["eligible"] == 5
    assert event.data["proposal"] is None


def test_opening_a_vote_on_a_proposal_starts_its_voting() -> None:
    coop = make_coop(SMALL)
    proposal = make_proposal(coop, decision_kind=DecisionKind.EXTRAORDINARY)
    vote = make_vote(coop, proposal=proposal)
    assert vote.decision_kind == DecisionKind.EXTRAORDINARY
    assert vote.title == proposal.title
    proposal.refresh_from_db()
    assert proposal.status == "voting"


def test_refuses_members_outside_current_colleges() -> None:
    cooperative = make_cooperative(weights=())
    stray = quick_member(cooperative)
    colleges_configure(
        actor=cooperative.board_roles.first().person,
        cooperative=cooperative,
        colleges=[CollegeSpec("Workers", 50), CollegeSpec("Users", 50)],
    )
    from tests.voting.factories import Coop

    coop = Coop(cooperative=cooperative, chair=cooperative.board_roles.first().person)
    vote = make_vote(coop, open_now=False)
    with pytest.raises(OpeningBlocked) as excinfo:
        services.vote_open(actor=coop.chair, vote=vote)
    assert excinfo.value.code == "roll_incomplete"
    assert excinfo.value.details["members"][0]["member_id"] == stray.member_id
    vote.refresh_from_db()
    assert vote.status == VoteStatus.DRAFT
    assert not RollEntry.objects.filter(vote=vote).exists()


def test_refuses_an_empty_roll() -> None:
    coop = make_coop({})
    vote = make_vote(coop, open_now=False)
    with pytest.raises(OpeningBlocked) as excinfo:
        services.vote_open(actor=coop.chair, vote=vote)
    assert excinfo.value.code == "roll_empty"


def test_composition_breach_blocks_binding_votes_only_when_configured() -> None:
    coop = make_coop(SMALL)  # every member is an employee: a SCIC breach
    assert Membership.objects.filter(category__kind=CategoryKind.EMPLOYEES).count() == 5
    make_vote(coop)  # not configured: the breach is only a warning
    rules_update(
        actor=coop.chair,
        cooperative=coop.cooperative,
        changes={},
        block_votes_on_composition_breach=True,
    )
    binding = make_vote(coop, open_now=False)
    with pytest.raises(OpeningBlocked) as excinfo:
        services.vote_open(actor=coop.chair, vote=binding)
    assert excinfo.value.code == "composition_breach"
    assert excinfo.value.details["warnings"]
    advisory = make_vote(coop, method=VoteMethod.APPROVAL)
    assert advisory.status == VoteStatus.OPEN


def test_only_a_draft_opens() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop)
    with pytest.raises(VoteStateError):
        services.vote_open(actor=coop.chair, vote=vote)


def test_binding_votes_are_resolutions() -> None:
    coop = make_coop(SMALL)
    with pytest.raises(Exception) as excinfo:
        make_vote(coop, method=VoteMethod.APPROVAL, decision_kind=DecisionKind.ORDINARY)
    assert excinfo.value.code == "method_not_binding"


def test_secret_votes_cannot_show_live_results() -> None:
    coop = make_coop(SMALL)
    with pytest.raises(Exception) as excinfo:
        make_vote(coop, is_secret=True, results_live=True)
    assert excinfo.value.code == "secret_not_live"


def test_secret_default_follows_the_rules() -> None:
    coop = make_coop(SMALL)
    rules_update(
        actor=coop.chair,
        cooperative=coop.cooperative,
        changes={"ordinary": {"secret_ballot_default": True}},
    )
    assert make_vote(coop, open_now=False).is_secret is True
    assert make_vote(coop, open_now=False, is_secret=False).is_secret is False


def test_one_active_vote_per_proposal() -> None:
    coop = make_coop(SMALL)
    proposal = make_proposal(coop)
    make_vote(coop, proposal=proposal, open_now=False)
    with pytest.raises(VoteStateError) as excinfo:
        make_vote(coop, proposal=proposal, open_now=False)
    assert excinfo.value.code == "proposal_has_vote"


def test_a_vote_whose_closing_time_passed_does_not_open() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop, open_now=False, closes_at=timezone.now() + dt.timedelta(hours=1))
    with pytest.raises(OpeningBlocked) as excinfo:
        services.vote_open(actor=coop.chair, vote=vote, now=timezone.now() + dt.timedelta(hours=2))
    assert excinfo.value.code == "closes_in_past"


def test_cancel_only_drafts() -> None:
    coop = make_coop(SMALL)
    draft = make_vote(coop, open_now=False)
    assert services.vote_cancel(actor=coop.chair, vote=draft).status == VoteStatus.CANCELLED
    opened = make_vote(coop)
    with pytest.raises(VoteStateError):
        services.vote_cancel(actor=coop.chair, vote=opened)
