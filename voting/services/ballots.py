"""Casting and changing ballots, in person or by proxy, open or secret."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from core.sql import insert_with
from governance.models import Person
from voting.choices import canonical_choice
from voting.errors import (
    BallotAlreadyCast,
    NoProxy,
    NotOnRoll,
    PrincipalVotedDirectly,
    ReceiptInvalid,
    ReceiptRequired,
)
from voting.models import Ballot, Proxy, RollEntry, SecretBallot, Vote
from voting.receipts import new_receipt, receipt_hash
from voting.services._common import (
    acting_member_filter,
    audit,
    lock_roll_entry,
    lock_vote_shared,
    require_booth,
    require_open,
)
from voting.services.live import turnout_changed


@dataclass(frozen=True)
class CastResult:
    vote: Vote
    roll_entry: RollEntry
    choice: Any
    # Set for secret ballots only: shown once to the voter, stored nowhere in clear.
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
    receipt: str | None = None,
    now: dt.datetime | None = None,
    via_booth: bool = False,
    locked: bool = False,
) -> CastResult:
    """Cast or change the ballot of one roll entry; the last ballot counts.

    The actor votes as a member they act for (themself, or a legal person they represent),
    or, with `on_behalf_of`, as the holder of a live proxy from that member: the ballot then
    counts in the principal's college. A principal who votes in person overrides the ballot
    of their proxy. A change needs the vote to allow changes, and on a secret vote the
    receipt of the ballot it replaces. A vote with a booth takes ballots only through it
    (`via_booth`, passed by that booth).

    Locks the vote row in share mode (a close waits for the cast) and the roll entry row
    (two casts for one member take turns); the database allows one current ballot per roll
    entry. Audits without the choice on secret votes; asks for a turnout push to the proposal room
    (voting.services.live).

    With `locked`, the caller read `vote` under the same share lock in its own transaction
    (voting.permissions.access_vote_for_casting) and lets any error end that transaction,
    as an API request does: the cast then joins it as it is, without reading the vote again
    or taking a savepoint. Every refusal is raised before the first write.
    """
    if locked:
        if not transaction.get_connection().in_atomic_block:
            raise TransactionManagementError("A locked cast runs inside its caller's transaction.")
        return _cast(actor, vote, choice, member_id, on_behalf_of, receipt, now, via_booth)
    with transaction.atomic():
        vote = lock_vote_shared(vote.pk, known=vote)
        return _cast(actor, vote, choice, member_id, on_behalf_of, receipt, now, via_booth)


def _cast(
    actor: Person,
    vote: Vote,
    choice: Any,
    member_id: int | None,
    on_behalf_of: int | None,
    receipt: str | None,
    now: dt.datetime | None,
    via_booth: bool,
) -> CastResult:
    now = now or timezone.now()
    require_open(vote, now)
    require_booth(vote, via_booth)
    stored = canonical_choice(
        method=vote.method, options=vote.options, grades=vote.grades, choice=choice
    )
    proxy: Proxy | None = None
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
        entry = lock_roll_entry(vote, actor, member_id)
    changed = entry.has_voted
    if changed:
        overriding = proxy is None and entry.voted_via_proxy
        if proxy is not None and not entry.voted_via_proxy:
            raise PrincipalVotedDirectly()
        if not overriding and not vote.allow_change:
            raise BallotAlreadyCast()
    ballot = None
    code = None
    marks = {"has_voted": True, "voted_at": now, "voted_via_proxy": proxy is not None}
    if vote.is_secret:
        code = _put_in_box(vote, entry, stored, receipt if changed else None)
        RollEntry.objects.filter(pk=entry.pk).update(**marks)
    else:
        if changed:
            Ballot.objects.filter(roll_entry=entry, is_current=True).update(
                is_current=False, superseded_at=now
            )
        ballot = Ballot(
            vote=vote,
            roll_entry=entry,
            vote_college=entry.vote_college,
            choice=stored,
            cast_by=actor,
            proxy=proxy,
            created_at=now,
        )
        # The ballot and the mark on the roll go in one statement: every cast runs it.
        insert_with(ballot, update=RollEntry.objects.filter(pk=entry.pk), **marks)
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
    audit(actor, "ballot.cast", vote, entry, **details)
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


def _live_proxy(vote: Vote, actor: Person, *, principal_id: int, holder_id: int | None) -> Proxy:
    """The live proxy from `principal_id` held by a member the actor acts for, locked."""
    proxies = Proxy.objects.select_for_update(of=("self",)).filter(
        acting_member_filter(vote.cooperative_id, actor, "holder_id"),
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


def _put_in_box(vote: Vote, entry: RollEntry, stored: Any, receipt: str | None) -> str:
    """Drop a ballot in the box, replacing the one whose receipt is presented, and return a
    fresh receipt code. Nothing written here names the voter."""
    if entry.has_voted:
        if not receipt:
            raise ReceiptRequired()
        replaced = SecretBallot.objects.filter(
            vote=vote, vote_college=entry.vote_college, receipt_hash=receipt_hash(receipt)
        ).delete()[0]
        if not replaced:
            raise ReceiptInvalid()
    code, digest = new_receipt()
    SecretBallot.objects.create(
        vote=vote, vote_college=entry.vote_college, choice=stored, receipt_hash=digest
    )
    return code
