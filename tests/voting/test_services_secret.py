"""Secret ballots: sealed on the voter's roll entry, opened into an unlinked box at the close."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import models

from core.models import AuditEntry, OutboxEvent
from deliberation.models import RoomEvent
from tests.voting.factories import cast, make_coop, make_proposal, make_vote
from voting import selectors, services
from voting.errors import BallotAlreadyCast, BallotKeyMissing
from voting.models import (
    BallotKey,
    CountedTracker,
    KeyWrap,
    RollEntry,
    SecretBallot,
    UnlinkedSealedBallot,
    VoteMethod,
)
from voting.sealing import (
    BallotKeyUnavailable,
    ballot_key_private,
    public_key_of,
    seal,
    tracker_of,
    unseal,
)

pytestmark = pytest.mark.django_db

SMALL = {"Workers": 3, "Users": 2, "Suppliers": 1, "Authorities": 1}


def _entry(result: services.CastResult) -> RollEntry:
    return RollEntry.objects.get(pk=result.roll_entry.pk)


def test_box_has_no_link_to_voters_by_design() -> None:
    fields = {f.name: f for f in SecretBallot._meta.get_fields()}
    assert set(fields) == {"id", "vote", "vote_college", "choice"}
    related = {f.related_model for f in fields.values() if f.is_relation}
    assert related == {
        SecretBallot._meta.get_field("vote").related_model,
        SecretBallot._meta.get_field("vote_college").related_model,
    }
    assert isinstance(fields["id"], models.UUIDField)
    assert not any(isinstance(f, models.DateTimeField | models.DateField) for f in fields.values())


def test_a_secret_ballot_is_sealed_on_the_voters_roll_entry_and_nowhere_in_clear() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop, is_secret=True)
    result = cast(coop.person("Workers"), vote, "against")
    assert result.ballot is None
    entry = _entry(result)
    assert entry.has_voted and entry.sealed_ballot is not None
    sealed = bytes(entry.sealed_ballot)
    assert b"against" not in sealed
    assert result.receipt == entry.tracker == tracker_of(sealed)
    # Nothing is in the box until the close, and the choice is in no table, audit or event.
    assert not SecretBallot.objects.filter(vote=vote).exists()
    audit = AuditEntry.objects.get(verb="ballot.cast")
    assert "choice" not in audit.data and "ballot_id" not in audit.data
    assert entry.tracker not in str(audit.data)
    for row in AuditEntry.objects.all():
        assert "against" not in str(row.data)
    for event in OutboxEvent.objects.all():
        assert "against" not in str(event.data)
    # The server, holding BALLOT_SEAL_KEY, can open it; the ballot key's private half is
    # stored only wrapped.
    key = BallotKey.objects.get(pk=vote.ballot_key_id)
    private = ballot_key_private(key)
    assert unseal(private, sealed) == "against"
    wrap = KeyWrap.objects.get(ballot_key=key)
    assert wrap.method == "environment" and wrap.holder.startswith("seal-key:")
    assert bytes(private) not in bytes(wrap.wrapped)


def test_sealed_ballots_of_a_vote_all_have_the_same_size() -> None:
    coop = make_coop({"Workers": 3})
    vote = make_vote(coop, is_secret=True)
    sizes = {
        len(bytes(_entry(cast(coop.person("Workers", i), vote, choice)).sealed_ballot or b""))
        for i, choice in enumerate(["for", "against", "abstain"])
    }
    assert len(sizes) == 1

    ranked = make_vote(
        coop, method=VoteMethod.RANKED, options=["A long option", "B", "C"], is_secret=True
    )
    sizes = {
        len(bytes(_entry(cast(coop.person("Workers", i), ranked, choice)).sealed_ballot or b""))
        for i, choice in enumerate([["B"], ["A long option", ["B", "C"]], [["A long option"]]])
    }
    assert len(sizes) == 1


def test_changing_a_secret_ballot_replaces_the_sealed_ballot_without_a_receipt() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop, is_secret=True)
    voter = coop.person("Workers")
    first = cast(voter, vote, "for")
    second = cast(voter, vote, "against")
    assert second.changed and second.receipt != first.receipt
    assert selectors.tracker_counted(vote, second.receipt)
    assert not selectors.tracker_counted(vote, first.receipt)
    decision = services.vote_close(actor=coop.chair, vote=vote)
    assert list(SecretBallot.objects.filter(vote=vote).values_list("choice", flat=True)) == [
        "against"
    ]
    assert decision.result["tally"]["colleges"][0]["no"] == 1


def test_another_members_receipt_cannot_touch_their_ballot() -> None:
    """The swap of the issue: a member holding a colleague's receipt "changes" their own
    ballot presenting it. The colleague's ballot stays as cast."""
    coop = make_coop(SMALL)
    vote = make_vote(coop, is_secret=True)
    victim = cast(coop.person("Workers", 0), vote, "for")
    attacker = coop.person("Workers", 1)
    cast(attacker, vote, "against")
    victim_sealed = bytes(_entry(victim).sealed_ballot or b"")
    # The receipt is no input of a cast any more: presenting it is refused outright...
    with pytest.raises(TypeError):
        cast(attacker, vote, "against", receipt=victim.receipt)
    # ...and a change of the attacker's own ballot touches only the attacker's roll entry.
    cast(attacker, vote, "abstain")
    assert bytes(_entry(victim).sealed_ballot or b"") == victim_sealed
    assert selectors.tracker_counted(vote, victim.receipt)
    decision = services.vote_close(actor=coop.chair, vote=vote)
    workers = decision.result["tally"]["colleges"][0]
    assert (workers["yes"], workers["no"], workers["abstain"]) == (1, 0, 1)


def test_the_close_opens_the_box_counts_it_and_destroys_the_key() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop, is_secret=True)
    trackers = []
    for index, choice in enumerate(["for", "for", "against"]):
        trackers.append(cast(coop.person("Workers", index), vote, choice).receipt)
    trackers.append(cast(coop.person("Users"), vote, "abstain").receipt)
    decision = services.vote_close(actor=coop.chair, vote=vote)
    workers = next(c for c in decision.result["tally"]["colleges"] if c["name"] == "Workers")
    assert (workers["yes"], workers["no"], workers["voted"]) == (2, 1, 3)
    assert (
        SecretBallot.objects.filter(vote=vote).count()
        == RollEntry.objects.filter(vote=vote, has_voted=True).count()
        == 4
    )
    assert sorted(
        SecretBallot.objects.filter(vote=vote).values_list("choice", flat=True)
    ) == sorted(["for", "for", "against", "abstain"])
    assert list(selectors.counted_trackers(vote).values_list("tracker", flat=True)) == sorted(
        trackers
    )
    key = BallotKey.objects.get(pk=vote.ballot_key_id)
    assert key.destroyed_at is not None
    assert not KeyWrap.objects.filter(ballot_key=key).exists()
    with pytest.raises(BallotKeyUnavailable):
        ballot_key_private(key)
    # The recount reads the box, which is all that is left.
    vote.refresh_from_db()
    assert selectors.vote_tally(vote).result["tally"] == decision.result["tally"]


def test_a_failed_close_keeps_the_key_and_writes_no_box() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop, is_secret=True)
    cast(coop.person("Workers"), vote, "for")
    with pytest.raises(Exception, match="attendance"):
        services.vote_close(actor=coop.chair, vote=vote, attendance={"nope": 1})
    assert not SecretBallot.objects.filter(vote=vote).exists()
    assert KeyWrap.objects.filter(ballot_key_id=vote.ballot_key_id).exists()


def test_tracker_check_says_counted_or_not_never_the_choice() -> None:
    coop = make_coop({"Workers": 2})
    vote = make_vote(coop, is_secret=True)
    code = cast(coop.person("Workers"), vote, "for").receipt
    assert selectors.tracker_counted(vote, code)
    assert selectors.tracker_counted(vote, code.upper())
    assert not selectors.tracker_counted(vote, "0" * 64)
    services.vote_close(actor=coop.chair, vote=vote)
    vote.refresh_from_db()
    assert selectors.tracker_counted(vote, code)
    assert not selectors.tracker_counted(vote, "AAAA-BBBB-CCCC-DDDD-EEEE")
    assert CountedTracker.objects.filter(vote=vote, tracker=code).exists()


def test_a_ballot_from_before_sealing_is_counted_and_final() -> None:
    """An open vote migrated from the old box: its ballots, sealed where they stood, are
    counted at the close; their voters cannot change them, since no ballot names them."""
    coop = make_coop({"Workers": 2})
    vote = make_vote(coop, is_secret=True)
    voter = coop.person("Workers")
    migrated = cast(voter, vote, "against")
    entry = _entry(migrated)
    # As the migration leaves such a ballot: in the unlinked store, the roll entry marked.
    RollEntry.objects.filter(pk=entry.pk).update(sealed_ballot=None, tracker="")
    UnlinkedSealedBallot.objects.create(
        vote=vote,
        vote_college=entry.vote_college,
        sealed=seal(public_key_of(vote.ballot_key_id), "against", size=128),
        tracker="a" * 64,
    )
    assert selectors.tracker_counted(vote, "a" * 64)
    with pytest.raises(BallotAlreadyCast):
        cast(voter, vote, "for")
    cast(coop.person("Workers", 1), vote, "for")
    decision = services.vote_close(actor=coop.chair, vote=vote)
    assert decision.result["tally"]["colleges"][0]["no"] == 1
    assert not UnlinkedSealedBallot.objects.filter(vote=vote).exists()
    vote.refresh_from_db()
    assert selectors.tracker_counted(vote, "a" * 64)


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


def test_opening_a_secret_vote_names_colleges_too_small_for_secrecy(settings: Any) -> None:
    settings.COLLEGIA = {**settings.COLLEGIA, "SECRET_BALLOT_SMALL_COLLEGE": 3}
    coop = make_coop(SMALL)
    vote = make_vote(coop, is_secret=True)
    warned = {w["college"]: w["eligible"] for w in selectors.small_college_warnings(vote)}
    names = {c.key: c.name for c in selectors.vote_colleges(vote)}
    assert {names[key] for key in warned} == {"Users", "Suppliers", "Authorities"}
    opened = AuditEntry.objects.get(verb="vote.opened")
    assert set(opened.data["small_colleges"]) == set(warned)
    open_ballot = make_vote(coop, is_secret=False)
    assert selectors.small_college_warnings(open_ballot) == []


def test_the_small_college_threshold_is_a_setting(settings: Any) -> None:
    settings.COLLEGIA = {**settings.COLLEGIA, "SECRET_BALLOT_SMALL_COLLEGE": 1}
    coop = make_coop(SMALL)
    vote = make_vote(coop, is_secret=True)
    assert selectors.small_college_warnings(vote) == []


def test_recount_reads_the_box_and_catches_a_changed_row() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop, is_secret=True)
    for index, choice in enumerate(["for", "against", "against"]):
        cast(coop.person("Workers", index), vote, choice)
    services.vote_close(actor=coop.chair, vote=vote)
    out = io.StringIO()
    call_command("recount", str(vote.pk), stdout=out)
    assert "the box give the recorded result" in out.getvalue()
    row = SecretBallot.objects.filter(vote=vote, choice="against").first()
    assert row is not None
    SecretBallot.objects.filter(pk=row.pk).update(choice="for")
    with pytest.raises(CommandError, match=str(vote.pk)):
        call_command("recount", str(vote.pk), stdout=io.StringIO())


def test_a_close_under_another_seal_key_is_refused_and_changes_nothing(settings: Any) -> None:
    coop = make_coop({"Workers": 2})
    vote = make_vote(coop, is_secret=True)
    cast(coop.person("Workers"), vote, "for")
    settings.BALLOT_SEAL_KEY = "another-ballot-seal-key-" + "q" * 40
    with pytest.raises(BallotKeyMissing):
        services.vote_close(actor=coop.chair, vote=vote)
    vote.refresh_from_db()
    assert vote.status == "open" and not SecretBallot.objects.filter(vote=vote).exists()
