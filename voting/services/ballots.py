"""Casting and changing ballots, in person or by proxy, open or secret."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db import transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import head_lock, head_move
from core.sql import RowUpdate, insert_with, run_update, write_together
from governance.acting import acting_members_filter
from governance.models import Person
from voting.choices import canonical_choice
from voting.errors import (
    BallotAlreadyCast,
    EncryptedBallotCast,
    EndToEndBallotsEnded,
    NoProxy,
    NotOnRoll,
    PrincipalVotedDirectly,
)
from voting.live import turnout_changed
from voting.models import Ballot, Proxy, RollEntry, Vote
from voting.sealing import padded_size, public_key_of, seal, tracker_of
from voting.services._common import (
    LockedEntry,
    audit,
    audit_entry,
    lock_roll_entry_and_head,
    lock_vote_shared,
    require_booth,
    require_open,
)


@dataclass(frozen=True)
class CastResult:
    vote: Vote
    roll_entry: RollEntry
    choice: Any
    # Secret ballots only: the tracker of the sealed ballot, shown once to the voter to check
    # that it was counted; it says nothing of the choice.
    receipt: str | None
    changed: bool
    via_proxy: bool
    ballot: Ballot | None


def ballot_cast(
    *,
    actor: Person,
    vote: Vote,
    choice: Any,
    member_id: int | None = None,
    on_behalf_of: int | None = None,
    now: dt.datetime | None = None,
    via_booth: bool = False,
    locked: bool = False,
) -> CastResult:
    """Cast or change the ballot of one roll entry; the last ballot counts.

    The actor votes as a member they act for (themself, or a legal person they represent),
    or, with `on_behalf_of`, as the holder of a live proxy from that member: the ballot then
    counts in the principal's college. A principal who votes in person overrides the ballot
    of their proxy. A change needs the vote to allow changes. A secret ballot is sealed to
    the vote's public key and stored on the voter's own roll entry, replacing the sealed
    ballot there (voting.sealing); its choice is written nowhere else. A vote with a booth
    takes ballots only through it (`via_booth`, passed by that booth).
    A vote counted end to end (the `elections` app) still takes sealed ballots from
    browsers without JavaScript, counted beside the decrypted totals, but none once its
    elections' ballots have ended (`e2e_ballots_ended`), and none for a member whose
    encrypted ballot is on the bulletin board (`encrypted_ballot_cast`): the voter changes
    it by encrypting again, never by a ballot the server encrypts.

    Locks the vote row in share mode (a close waits for the cast) and the roll entry row
    (two casts for one member take turns); the database allows one current ballot per roll
    entry. Audits without the choice on secret votes; asks for a turnout push to the proposal room
    (voting.live).

    With `locked`, the caller read `vote` under the same share lock in its own transaction
    (voting.permissions.access_vote_for_casting) and lets any error end that transaction,
    as an API request does: the cast then joins it as it is, without reading the vote again
    or taking a savepoint. Every refusal is raised before the first write.
    """
    if locked:
        if not transaction.get_connection().in_atomic_block:
            raise TransactionManagementError("A locked cast runs inside its caller's transaction.")
        return _cast(actor, vote, choice, member_id, on_behalf_of, now, via_booth)
    with transaction.atomic():
        vote = lock_vote_shared(vote.pk, known=vote)
        return _cast(actor, vote, choice, member_id, on_behalf_of, now, via_booth)


def _cast(
    actor: Person,
    vote: Vote,
    choice: Any,
    member_id: int | None,
    on_behalf_of: int | None,
    now: dt.datetime | None,
    via_booth: bool,
) -> CastResult:
    now = now or timezone.now()
    require_open(vote, now)
    require_booth(vote, via_booth)
    counted_end_to_end = vote.is_secret and vote.e2e.exists()
    if counted_end_to_end and vote.e2e.filter(status__in=("ended", "tallied")).exists():
        raise EndToEndBallotsEnded()
    stored = canonical_choice(
        method=vote.method, options=vote.options, grades=vote.grades, choice=choice
    )
    proxy: Proxy | None = None
    # The audit chain's head when it was locked with the roll entry: the writes then go
    # in one statement.
    locked: LockedEntry | None = None
    if on_behalf_of is not None:
        proxy = _live_proxy(vote, actor, principal_id=on_behalf_of, holder_id=member_id)
        entry = (
            RollEntry.objects.select_for_update(of=("self",))
            .select_related("vote_college", "member")
            .filter(vote=vote, member_id=proxy.principal_id)
            .first()
        )
        if entry is None:
            raise NotOnRoll()
    else:
        locked = lock_roll_entry_and_head(vote, actor, member_id)
        entry = locked.entry
        if locked.head is None:
            locked = None
    if counted_end_to_end and _has_encrypted_ballot(vote, entry):
        raise EncryptedBallotCast()
    changed = entry.has_voted
    if changed:
        overriding = proxy is None and entry.voted_via_proxy
        if proxy is not None and not entry.voted_via_proxy:
            raise PrincipalVotedDirectly()
        if not overriding and not vote.allow_change:
            raise BallotAlreadyCast()
    ballot = None
    code = None
    head = None
    marks: dict[str, Any] = {
        "has_voted": True,
        "voted_at": now,
        "voted_via_proxy": proxy is not None,
    }
    if vote.is_secret:
        if changed and not entry.tracker:
            # Cast before ballots were sealed on the roll: its box entry names nobody, so
            # nothing can replace it without letting a receipt replace someone else's.
            raise BallotAlreadyCast(
                message=_("This secret ballot was cast before ballots were sealed: it is final.")
            )
        sealed = _seal(vote, stored)
        code = tracker_of(sealed)
        marks.update(sealed_ballot=sealed, tracker=code)
        if locked is None:
            run_update(RowUpdate(RollEntry, entry.pk, marks))
    else:
        if changed:
            Ballot.objects.filter(roll_entry=entry, is_current=True).update(
                is_current=False, superseded_at=now
            )
        ballot = Ballot(
            id=locked.ballot_id if locked else None,
            vote=vote,
            roll_entry=entry,
            vote_college=entry.vote_college,
            choice=stored,
            cast_by=actor,
            proxy=proxy,
            created_at=now,
        )
        if locked is None:
            # The ballot and the mark on the roll go in one statement, which also locks
            # the audit chain's head for the entry below.
            head = insert_with(
                ballot, update=RowUpdate(RollEntry, entry.pk, marks), lock_first=head_lock()
            )
    for name, value in marks.items():
        setattr(entry, name, value)
    if proxy is not None and proxy.used_at is None:
        proxy.used_at = now
        proxy.save(update_fields=["used_at"])
    details: dict[str, Any] = {
        "member_id": entry.member_id,
        "changed": changed,
        "proxy_id": proxy.pk if proxy else None,
    }
    if ballot is not None:
        details.update(ballot_id=ballot.pk, choice=stored)
    if locked is None:
        audit(actor, "ballot.cast", vote, entry, head=head, **details)
    else:
        # Every ballot but a proxy's: its row, its mark on the roll (or the sealed ballot
        # there), its audit entry and the head's move, in one statement.
        assert locked.head is not None
        entry_audit = audit_entry(actor, "ballot.cast", vote, entry, head=locked.head, **details)
        write_together(
            updates=[RowUpdate(RollEntry, entry.pk, marks), head_move(entry_audit)],
            inserts=[entry_audit] if ballot is None else [ballot, entry_audit],
        )
    if not changed or vote.results_live:
        turnout_changed(vote)
    return CastResult(
        vote=vote,
        roll_entry=entry,
        choice=stored,
        receipt=code,
        changed=changed,
        via_proxy=proxy is not None,
        ballot=ballot,
    )


def _has_encrypted_ballot(vote: Vote, entry: RollEntry) -> bool:
    """Whether the roll entry's credential in the vote's verifiable election (the
    `elections` app, reached through its relations) has a current encrypted ballot."""
    return bool(
        vote.e2e.filter(voters__roll_entry=entry, voters__ballots__is_current=True).exists()
    )


def _live_proxy(vote: Vote, actor: Person, *, principal_id: int, holder_id: int | None) -> Proxy:
    """The live proxy from `principal_id` held by a member the actor acts for, locked."""
    proxies = Proxy.objects.select_for_update(of=("self",)).filter(
        acting_members_filter(vote.cooperative_id, actor, "holder_id"),
        vote=vote,
        principal_id=principal_id,
        revoked_at__isnull=True,
    )
    if holder_id is not None:
        proxies = proxies.filter(holder_id=holder_id)
    proxy = proxies.first()
    if proxy is None:
        raise NoProxy()
    return proxy


def _seal(vote: Vote, stored: Any) -> bytes:
    assert vote.ballot_key_id is not None, "a secret vote gets its key when it opens"
    size = _size(tuple(vote.options), tuple(vote.grades))
    return seal(public_key_of(vote.ballot_key_id), stored, size=size)


@lru_cache(maxsize=256)
def _size(options: tuple[str, ...], grades: tuple[str, ...]) -> int:
    return padded_size(options=options, grades=grades)
