"""Casting an encrypted ballot: checked as any verifier checks it, bound to the voter's own
credential, appended to the bulletin board; the last ballot of a credential counts."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_append
from elections import archive_store
from elections.errors import BallotRefused, ElectionStateError, NotYourCredential
from elections.models import Election, ElectionStatus, EncryptedBallot, Voter
from governance.acting import acting_members_filter
from governance.models import Person
from verifiable.group import Point, sha256_b64
from verifiable.verify_common import VerificationError, _Setup
from verifiable.verify_counting import CountingChecks
from voting.errors import BallotAlreadyCast, VoteClosed
from voting.live import turnout_changed
from voting.models import RollEntry, VoteStatus
from voting.services._common import require_booth

_CHECKS = CountingChecks()


def ballot_setup(election: Election, credential: str) -> _Setup:
    """What a ballot is checked against: the election's uuid, fingerprint, key, questions,
    and the one credential it claims (already found among the election's)."""
    data = json.loads(election.election_text)
    return _Setup(
        uuid=election.uuid,
        fingerprint=sha256_b64(election.election_text),
        public_key=Point.parse(data["public_key"]),
        questions=data["questions"],
        trustee_keys=[],
        weights={credential: 1},
        owners={},
        thresholds={},
    )


def verify_ballot(setup: _Setup, text: str) -> dict[str, Any]:
    """Belenios' checks of one ballot: canonical form, election, credential, signature and
    every proof; raises BallotRefused with the verifier's code."""
    try:
        return _CHECKS._ballot(setup, text)
    except VerificationError as exc:
        raise BallotRefused(exc.message, code=f"ballot_{exc.code}") from exc
    except (KeyError, IndexError, TypeError, AttributeError, ValueError) as exc:
        raise BallotRefused(code="ballot_malformed") from exc


@transaction.atomic
def e2e_ballot_cast(
    *, actor: Person, election: Election, ballot: str, via_booth: bool = False
) -> EncryptedBallot:
    """Accept a Belenios ballot from the voter's browser. Locks the election row, so ballots
    chain one after another. The credential must be one of this election's (a credential of
    another college is unknown here) and the voter's own; a later ballot supersedes the
    voter's earlier one, encrypted or sealed, when the vote allows changes (else the
    first ballot is final: `ballot_already_cast`). Appends the Ballot event, marks the roll
    entry as voted, audits, and mails the tracker after commit. A vote with a booth (an
    assembly's resolution) takes ballots only through it (`via_booth`), which checks that
    the voter is signed in to the call.

    A proxy holder never casts here for the member who gave the proxy: the credential is
    the giver's and only the giver's (`not_your_credential`); the holder casts the sealed
    ballot for the giver, counted in the clear beside the totals. The giver's own
    encrypted ballot then replaces it, as a member's own ballot replaces their proxy's."""
    election = (
        Election.objects.select_for_update(of=("self",))
        .select_related("vote", "vote_college")
        .get(pk=election.pk)
    )
    vote = election.vote
    require_booth(vote, via_booth)
    if election.status != ElectionStatus.OPEN or vote.status != VoteStatus.OPEN:
        raise ElectionStateError(_("This election does not take ballots now."))
    if vote.closes_at is not None and vote.closes_at <= timezone.now():
        raise VoteClosed()
    try:
        credential = json.loads(ballot)["credential"]
        voter = Voter.objects.filter(election=election, credential=credential).first()
    except (ValueError, TypeError, KeyError) as exc:
        raise BallotRefused(code="ballot_malformed") from exc
    if voter is None:
        raise BallotRefused(
            _("The ballot's credential is not one of this election's voters."),
            code="ballot_unknown_credential",
        )
    # Locked as the sealed path locks it, so that a sealed and an encrypted ballot cast at
    # once by the same member cannot both pass the vote's "no change" rule.
    entry = (
        RollEntry.objects.select_for_update(of=("self",))
        .filter(pk=voter.roll_entry_id)
        .filter(acting_members_filter(vote.cooperative_id, actor))
        .first()
    )
    if entry is None:
        raise NotYourCredential()
    # A member's own ballot (encrypted or sealed) is final when the vote allows no change;
    # a ballot their proxy cast for them is still replaced by their own, as on the sealed
    # path (voting.services.ballots).
    if entry.has_voted and not entry.voted_via_proxy and not vote.allow_change:
        raise BallotAlreadyCast()
    verify_ballot(ballot_setup(election, credential), ballot)
    tracker = sha256_b64(ballot)
    if EncryptedBallot.objects.filter(election=election, tracker=tracker).exists():
        raise BallotRefused(_("This very ballot was already cast."), code="ballot_replayed")
    now = timezone.now()
    EncryptedBallot.objects.filter(voter=voter, is_current=True).update(is_current=False)
    cast = EncryptedBallot.objects.create(
        election=election, voter=voter, tracker=tracker, text=ballot, cast_at=now
    )
    archive_store.append(election, "Ballot", ballot)
    # A sealed ballot cast earlier without JavaScript is superseded by this one.
    RollEntry.objects.filter(pk=entry.pk).update(
        has_voted=True, voted_at=now, voted_via_proxy=False, sealed_ballot=None, tracker=""
    )
    audit_append(
        actor=actor,
        verb="e2e.ballot_cast",
        target=election,
        cooperative_id=vote.cooperative_id,
        data={"vote_id": vote.pk, "uuid": election.uuid, "tracker": tracker},
    )
    turnout_changed(vote)
    email = actor.email

    def mail() -> None:
        if email:
            send_mail(
                _("Your ballot tracker: %(title)s") % {"title": vote.title},
                _(
                    "Your encrypted ballot was recorded. Its tracker is %(tracker)s: find it "
                    "on the election's bulletin board once the vote closes."
                )
                % {"tracker": tracker},
                settings.DEFAULT_FROM_EMAIL,
                [email],
            )

    transaction.on_commit(mail)
    return cast
