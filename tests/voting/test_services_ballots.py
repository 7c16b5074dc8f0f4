"""Casting ballots: one per roll entry, legal persons, changes, and the rules of each method."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.models import AuditEntry
from tests.governance.factories import PersonFactory
from tests.voting.factories import cast, make_coop, make_vote, quick_legal_member, quick_member
from voting import services
from voting.errors import (
    BallotAlreadyCast,
    MemberRequired,
    NotOnRoll,
    VoteClosed,
    VoteNotOpen,
)
from voting.models import Ballot, RollEntry, VoteMethod

pytestmark = pytest.mark.django_db

SMALL = {"Workers": 2, "Users": 1, "Suppliers": 1, "Authorities": 1}


def _grades(method: str) -> dict[str, list[str]]:
    if method == VoteMethod.MAJORITY_JUDGMENT:
        return {"grades": ["Reject", "Passable", "Good"]}
    return {}


def test_cast_records_the_ballot_and_marks_the_roll() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop)
    voter = coop.person("Workers")
    result = cast(voter, vote, "for")
    assert result.changed is False and result.receipt is None
    ballot = Ballot.objects.get(vote=vote)
    assert (ballot.choice, ballot.is_current, ballot.cast_by) == ("for", True, voter)
    entry = RollEntry.objects.get(pk=result.roll_entry.pk)
    assert entry.has_voted and entry.voted_at is not None and not entry.voted_via_proxy
    audit = AuditEntry.objects.filter(verb="ballot.cast").get()
    assert audit.data["choice"] == "for"


def test_change_keeps_history_and_the_last_ballot_counts() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop)
    voter = coop.person("Workers")
    cast(voter, vote, "for")
    second = cast(voter, vote, "against")
    assert second.changed is True
    ballots = list(Ballot.objects.filter(vote=vote).order_by("id"))
    assert [(b.choice, b.is_current) for b in ballots] == [("for", False), ("against", True)]
    assert ballots[0].superseded_at is not None
    decision = services.vote_close(actor=coop.chair, vote=vote)
    workers = next(c for c in decision.result["tally"]["colleges"] if c["name"] == "Workers")
    assert (workers["yes"], workers["no"], workers["voted"]) == (0, 1, 1)


def test_second_ballot_refused_when_changes_are_not_allowed() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop, allow_change=False)
    voter = coop.person("Workers")
    cast(voter, vote, "for")
    with pytest.raises(BallotAlreadyCast):
        cast(voter, vote, "against")
    assert Ballot.objects.filter(vote=vote).count() == 1


def test_database_refuses_two_current_ballots_for_one_roll_entry() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop)
    result = cast(coop.person("Workers"), vote, "for")
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(
            vote=vote,
            roll_entry=result.roll_entry,
            vote_college=result.roll_entry.vote_college,
            choice="against",
            created_at=timezone.now(),
        )


def test_legal_person_votes_once_through_any_representative() -> None:
    coop = make_coop(SMALL)
    legal = quick_legal_member(coop.cooperative, "Authorities", representatives=2)
    vote = make_vote(coop, allow_change=False)
    first, second = [r.person for r in legal.member.representatives.order_by("id")]
    cast(first, vote, "for")
    with pytest.raises(BallotAlreadyCast):
        cast(second, vote, "against")
    entry = RollEntry.objects.get(vote=vote, member=legal.member)
    assert Ballot.objects.filter(roll_entry=entry).count() == 1


def test_representative_who_is_also_a_member_says_as_whom() -> None:
    coop = make_coop(SMALL)
    legal = quick_legal_member(coop.cooperative, "Authorities", representatives=0)
    person = coop.person("Workers")
    from governance.services import representative_designate

    representative_designate(actor=coop.chair, member=legal.member, person=person)
    vote = make_vote(coop)
    with pytest.raises(MemberRequired) as excinfo:
        cast(person, vote, "for")
    assert {m["id"] for m in excinfo.value.details["members"]} == {
        legal.member_id,
        coop.members["Workers"][0].member_id,
    }
    cast(person, vote, "for", member_id=legal.member_id)
    cast(person, vote, "against", member_id=coop.members["Workers"][0].member_id)
    assert RollEntry.objects.filter(vote=vote, has_voted=True).count() == 2


def test_people_off_the_roll_cannot_vote() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop)
    latecomer = quick_member(coop.cooperative, "Users")
    with pytest.raises(NotOnRoll):
        cast(latecomer.member.person, vote, "for")
    with pytest.raises(NotOnRoll):
        cast(PersonFactory(), vote, "for")
    with pytest.raises(NotOnRoll):
        cast(coop.chair, vote, "for")


def test_casting_needs_an_open_vote() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop, open_now=False)
    with pytest.raises(VoteNotOpen):
        cast(coop.person("Workers"), vote, "for")
    services.vote_open(actor=coop.chair, vote=vote)
    services.vote_close(actor=coop.chair, vote=vote)
    with pytest.raises(VoteClosed):
        cast(coop.person("Workers"), vote, "for")


def test_casting_after_the_closing_time_is_refused_before_the_scheduler_runs() -> None:
    coop = make_coop(SMALL)
    closes = timezone.now() + dt.timedelta(minutes=5)
    vote = make_vote(coop, closes_at=closes)
    with pytest.raises(VoteClosed):
        cast(coop.person("Workers"), vote, "for", now=closes)


@pytest.mark.parametrize(
    ("method", "choice"),
    [
        (VoteMethod.RESOLUTION, "yes"),
        (VoteMethod.RESOLUTION, ["for"]),
        (VoteMethod.APPROVAL, ["A", "A"]),
        (VoteMethod.APPROVAL, ["Z"]),
        (VoteMethod.APPROVAL, "A"),
        (VoteMethod.MAJORITY_JUDGMENT, {"A": "Excellent"}),
        (VoteMethod.MAJORITY_JUDGMENT, {"Z": "Good"}),
        (VoteMethod.MAJORITY_JUDGMENT, ["A"]),
        (VoteMethod.RANKED, ["A", ["A", "B"]]),
        (VoteMethod.RANKED, []),
        (VoteMethod.RANKED, [["Z"]]),
        (VoteMethod.CONSENT, "object"),
    ],
)
def test_invalid_choices_are_refused(method: str, choice: object) -> None:
    coop = make_coop({"Workers": 1})
    vote = make_vote(coop, method=method, **_grades(method))
    with pytest.raises(Exception) as excinfo:
        cast(coop.person("Workers"), vote, choice)
    assert excinfo.value.code == "invalid_choice"
    assert not RollEntry.objects.filter(vote=vote, has_voted=True).exists()


@pytest.mark.parametrize(
    ("method", "choice", "stored"),
    [
        (VoteMethod.APPROVAL, ["C", "A"], ["A", "C"]),
        (VoteMethod.MAJORITY_JUDGMENT, {"B": "Good"}, {"A": "Reject", "B": "Good", "C": "Reject"}),
        (VoteMethod.RANKED, ["B", ["C", "A"]], [["B"], ["A", "C"]]),
    ],
)
def test_equal_ballots_are_stored_in_one_canonical_form(
    method: str, choice: object, stored: object
) -> None:
    coop = make_coop({"Workers": 1})
    vote = make_vote(coop, method=method, **_grades(method))
    assert cast(coop.person("Workers"), vote, choice).choice == stored
