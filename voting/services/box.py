"""The close of a secret vote: sealed ballots opened, shuffled, written to the box."""

from __future__ import annotations

import secrets
from typing import Any

from voting.errors import BallotKeyMissing
from voting.models import (
    BallotKey,
    CountedTracker,
    RollEntry,
    SecretBallot,
    UnlinkedSealedBallot,
    Vote,
)
from voting.sealing import (
    BallotKeyUnavailable,
    ballot_key_destroy,
    ballot_key_private,
    unseal,
)

_BATCH = 2000


def box_fill(vote: Vote) -> int:
    """Open every sealed ballot of a closing secret vote into its box, then destroy the
    vote's private key. Returns the number of ballots in the box.

    Runs inside the close's transaction, with the vote row locked exclusively (no cast in
    flight): the box rows are written in an order drawn by the operating system's
    cryptographic RNG, in one transaction, so neither their transaction id nor their
    physical or key order says which roll entry each came from. The counted trackers go
    to their own table, sorted. Once the wraps of the private key are deleted the sealed
    ballots left on the roll can never be opened again; the box is the record.
    """
    assert vote.ballot_key_id is not None, "a secret vote gets its key when it opens"
    key = BallotKey.objects.select_for_update().get(pk=vote.ballot_key_id)
    try:
        private = ballot_key_private(key)
    except BallotKeyUnavailable as exc:
        raise BallotKeyMissing() from exc
    opened: list[tuple[int, Any]] = []
    trackers: list[str] = []
    sealed_rows = (
        RollEntry.objects.filter(vote=vote, sealed_ballot__isnull=False)
        .values_list("vote_college_id", "sealed_ballot", "tracker")
        .order_by()
    )
    unlinked = (
        UnlinkedSealedBallot.objects.filter(vote=vote)
        .values_list("vote_college_id", "sealed", "tracker")
        .order_by()
    )
    for rows in (sealed_rows, unlinked):
        for college_id, sealed, tracker in rows.iterator(chunk_size=_BATCH):
            assert sealed is not None
            opened.append((college_id, unseal(private, sealed)))
            trackers.append(tracker)
    secrets.SystemRandom().shuffle(opened)
    box = [SecretBallot(vote=vote, vote_college_id=college, choice=c) for college, c in opened]
    SecretBallot.objects.bulk_create(box, batch_size=_BATCH)
    CountedTracker.objects.bulk_create(
        [CountedTracker(vote=vote, tracker=tracker) for tracker in sorted(trackers)],
        batch_size=_BATCH,
    )
    UnlinkedSealedBallot.objects.filter(vote=vote).delete()
    ballot_key_destroy(key)
    return len(opened)
