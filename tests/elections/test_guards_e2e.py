"""The sealed ballot beside a vote counted end to end: refused once the ballots have ended
and after an encrypted ballot; the scheduler leaves such a vote to its trustees."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.models import AuditEntry
from elections import services
from tests.voting.factories import cast, make_coop
from voting import scheduler
from voting.errors import BallotAlreadyCast, EncryptedBallotCast, EndToEndBallotsEnded, VoteClosed
from voting.models import RollEntry, Vote, VoteStatus

from .helpers import booth_ballot, counted_vote
from .test_services_e2e import AGAINST, FOR, SIZES

pytestmark = pytest.mark.django_db


@pytest.fixture
def coop():
    return make_coop(SIZES)


@pytest.fixture
def counted(coop):
    _made, vote, elections, creds = counted_vote(coop)
    return vote, elections, creds


def _encrypted(coop, elections, creds, choice, name="Workers", seed="b"):
    election = elections[name]
    membership = coop.members[name][0]
    entry = election.vote_college.roll.get(membership=membership)
    ballot = booth_ballot(election, creds[election.pk][entry.pk], choice, seed=seed)
    return services.e2e_ballot_cast(
        actor=membership.member.person, election=election, ballot=ballot
    ), entry


def test_a_sealed_ballot_after_an_encrypted_one_is_refused(coop, counted) -> None:
    vote, elections, creds = counted
    _cast, entry = _encrypted(coop, elections, creds, FOR)
    with pytest.raises(EncryptedBallotCast) as refused:
        cast(coop.person("Workers"), vote, "against")
    assert refused.value.code == "encrypted_ballot_cast"
    entry.refresh_from_db()
    assert entry.sealed_ballot is None and entry.has_voted
    # Encrypting again is how the voter changes it; the earlier one no longer counts.
    again, _entry = _encrypted(coop, elections, creds, AGAINST, seed="c")
    assert list(elections["Workers"].ballots.filter(is_current=True)) == [again]


def test_an_encrypted_ballot_supersedes_a_sealed_one(coop, counted) -> None:
    vote, elections, creds = counted
    cast(coop.person("Workers"), vote, "against")
    _cast, entry = _encrypted(coop, elections, creds, FOR)
    entry.refresh_from_db()
    assert entry.sealed_ballot is None and entry.tracker == ""


def test_without_changes_allowed_the_first_ballot_encrypted_or_sealed_is_final(coop) -> None:
    _made, vote, elections, creds = counted_vote(coop, allow_change=False)
    first, entry = _encrypted(coop, elections, creds, FOR)
    with pytest.raises(BallotAlreadyCast) as refused:
        _encrypted(coop, elections, creds, AGAINST, seed="c")
    assert refused.value.code == "ballot_already_cast"
    assert list(elections["Workers"].ballots.filter(is_current=True)) == [first]
    assert elections["Workers"].ballots.count() == 1
    # A sealed ballot first is just as final: no encrypted ballot replaces it.
    cast(coop.person("Users"), vote, "against")
    with pytest.raises(BallotAlreadyCast):
        _encrypted(coop, elections, creds, FOR, name="Users")
    assert not elections["Users"].ballots.exists()


def test_no_sealed_ballot_once_the_ballots_have_ended(coop, counted) -> None:
    vote, _elections, _creds = counted
    cast(coop.person("Users"), vote, "for")  # before the end: taken, counted in the clear
    services.e2e_end_ballots(actor=coop.chair, vote=vote)
    with pytest.raises(EndToEndBallotsEnded) as refused:
        cast(coop.person("Suppliers"), vote, "for")
    assert refused.value.code == "e2e_ballots_ended"
    voted = RollEntry.objects.filter(vote=vote, has_voted=True)
    assert list(voted.values_list("vote_college__name", flat=True)) == ["Users"]


def test_the_scheduler_leaves_a_due_vote_counted_end_to_end_to_its_trustees(coop, counted) -> None:
    vote, elections, creds = counted
    now = timezone.now()
    Vote.objects.filter(pk=vote.pk).update(closes_at=now - dt.timedelta(minutes=1))
    report = scheduler.tick(now=now)
    assert report.closed == [] and report.left_to_trustees == [vote.pk]
    vote.refresh_from_db()
    assert vote.status == VoteStatus.OPEN and "trustees" in vote.schedule_error
    assert AuditEntry.objects.filter(verb="vote.schedule_failed", target_id=str(vote.pk)).count()
    # Said once: the next ticks neither close it nor repeat themselves.
    again = scheduler.tick(now=now + dt.timedelta(minutes=1))
    assert again.closed == [] and again.left_to_trustees == []
    assert AuditEntry.objects.filter(verb="vote.schedule_failed").count() == 1
    # Past its closing time, the booth takes no encrypted ballot either.
    with pytest.raises(VoteClosed):
        _encrypted(coop, elections, creds, FOR)
