"""Secret ballots: the roll says who voted, the box what was voted, and nothing links them."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import models

from core.models import AuditEntry
from deliberation.models import RoomEvent
from tests.voting.factories import cast, make_coop, make_proposal, make_vote
from voting import selectors, services
from voting.errors import ReceiptInvalid, ReceiptRequired
from voting.models import RollEntry, SecretBallot
from voting.receipts import receipt_hash

pytestmark = pytest.mark.django_db

SMALL = {"Workers": 3, "Users": 2, "Suppliers": 1, "Authorities": 1}


def test_box_has_no_link_to_voters_by_design() -> None:
    fields = {f.name: f for f in SecretBallot._meta.get_fields()}
    assert set(fields) == {"id", "vote", "vote_college", "choice", "receipt_hash"}
    related = {f.related_model for f in fields.values() if f.is_relation}
    assert related == {
        SecretBallot._meta.get_field("vote").related_model,
        SecretBallot._meta.get_field("vote_college").related_model,
    }
    assert isinstance(fields["id"], models.UUIDField)
    assert not any(isinstance(f, models.DateTimeField | models.DateField) for f in fields.values())


def test_roll_records_that_a_member_voted_and_the_box_what() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop, is_secret=True)
    voter = coop.person("Workers")
    result = cast(voter, vote, "for")
    assert result.ballot is None
    assert RollEntry.objects.get(pk=result.roll_entry.pk).has_voted
    entry = SecretBallot.objects.get(vote=vote)
    assert entry.choice == "for"
    assert entry.receipt_hash == receipt_hash(result.receipt)
    assert entry.vote_college_id == result.roll_entry.vote_college_id
    audit = AuditEntry.objects.get(verb="ballot.cast")
    assert "choice" not in audit.data and "ballot_id" not in audit.data
    assert result.receipt not in str(audit.data)
    assert entry.receipt_hash not in str(audit.data)


def test_receipt_is_hashed_and_normalised() -> None:
    coop = make_coop({"Workers": 1})
    vote = make_vote(coop, is_secret=True)
    code = cast(coop.person("Workers"), vote, "for").receipt
    assert len(code.replace("-", "")) == 20
    assert selectors.box_entry_for_receipt(vote, code.lower().replace("-", " ")) is not None
    assert not SecretBallot.objects.filter(receipt_hash=code).exists()


def test_changing_a_secret_ballot_needs_its_receipt() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop, is_secret=True)
    voter = coop.person("Workers")
    first = cast(voter, vote, "for")
    with pytest.raises(ReceiptRequired):
        cast(voter, vote, "against")
    other = cast(coop.person("Workers", 1), vote, "abstain")
    with pytest.raises(ReceiptInvalid):
        cast(voter, vote, "against", receipt="AAAA-BBBB-CCCC-DDDD-EEEE")
    # Another voter's receipt of another college does not open this voter's ballot either.
    users = cast(coop.person("Users"), vote, "for")
    with pytest.raises(ReceiptInvalid):
        cast(voter, vote, "against", receipt=users.receipt)
    second = cast(voter, vote, "against", receipt=first.receipt)
    assert second.changed and second.receipt != first.receipt
    assert SecretBallot.objects.filter(vote=vote).count() == 3
    assert selectors.box_entry_for_receipt(vote, first.receipt) is None
    assert selectors.box_entry_for_receipt(vote, second.receipt).choice == "against"
    assert selectors.box_entry_for_receipt(vote, other.receipt).choice == "abstain"


def test_box_counts_match_the_roll_and_the_result() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop, is_secret=True)
    for index, choice in enumerate(["for", "for", "against"]):
        cast(coop.person("Workers", index), vote, choice)
    cast(coop.person("Users"), vote, "abstain")
    decision = services.vote_close(actor=coop.chair, vote=vote)
    workers = next(c for c in decision.result["tally"]["colleges"] if c["name"] == "Workers")
    assert (workers["yes"], workers["no"], workers["voted"]) == (2, 1, 3)
    assert (
        SecretBallot.objects.filter(vote=vote).count()
        == RollEntry.objects.filter(vote=vote, has_voted=True).count()
        == 4
    )
    published = list(selectors.box_list(vote))
    assert [b.receipt_hash for b in published] == sorted(b.receipt_hash for b in published)


def test_live_events_of_a_secret_vote_carry_turnout_only(capture_on_commit: Any) -> None:
    coop = make_coop(SMALL)
    proposal = make_proposal(coop)
    vote = make_vote(coop, proposal=proposal, is_secret=True)
    with capture_on_commit(execute=True):
        cast(coop.person("Workers"), vote, "for")
    events = list(RoomEvent.objects.filter(proposal=proposal).order_by("seq"))
    types = [e.type for e in events]
    assert "vote.partial_results" not in types
    turnout = [e for e in events if e.type == "vote.turnout"][-1]
    assert turnout.data["voted"] == 1
    assert "for" not in str(turnout.data)
