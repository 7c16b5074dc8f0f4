"""Locks, board checks and live events shared by the voting services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from core.audit import audit_append, head_lock
from core.audit import audit_entry as build_audit_entry
from core.errors import NotFound
from core.models import AuditEntry
from deliberation.room import room_emit
from governance.acting import acting_members_params, acting_members_sql
from governance.models import Member, Person
from governance.permissions import Actor
from voting.errors import MemberRequired, NotOnRoll, UseAssemblyBooth, VoteClosed, VoteNotOpen
from voting.models import Ballot, RollEntry, Vote, VoteCollege, VoteStatus
from voting.rows import attach_related, fetch_instances, own_columns, related_columns

_VOTE_RELATED = ("cooperative", "proposal", "rules_version", "college_config_version")


def lock_vote(vote_id: int) -> Vote:
    """Lock the vote row exclusively: opening, closing and proxy changes take turns, and a
    close waits for every cast in flight."""
    vote = (
        Vote.objects.select_for_update(of=("self",))
        .select_related(*_VOTE_RELATED)
        .filter(pk=vote_id)
        .first()
    )
    if vote is None:
        raise NotFound()
    return vote


def lock_vote_shared(vote_id: int, *, known: Vote | None = None) -> Vote:
    """Lock the vote row in share mode and read it fresh, in one statement, for a cast.

    Casts on one vote do not wait for each other (their roll entries are locked one by
    one), but a close, which locks the row exclusively, waits for all of them, and casts
    arriving during a close wait for it and then see the vote closed. SQLite takes a
    database-wide write lock at the start of every transaction, which is stricter still.
    Related rows already loaded on `known` (the cooperative, the proposal, the frozen
    versions, none of which change once the vote is open) are reused.
    """
    share = " FOR SHARE" if connection.vendor == "postgresql" else ""
    table = Vote._meta.db_table
    sql = f"SELECT {own_columns(Vote, table)} FROM {table} WHERE id = %s{share}"
    fresh = next(iter(fetch_instances(Vote, sql, [vote_id])), None)
    if fresh is None:
        raise NotFound()
    if known is not None:
        for name in _VOTE_RELATED:
            field: Any = Vote._meta.get_field(name)
            same = getattr(fresh, field.attname) == getattr(known, field.attname)
            if same and field.is_cached(known):
                field.set_cached_value(fresh, field.get_cached_value(known))
    return fresh


@dataclass(frozen=True)
class LockedEntry:
    """A roll entry locked for a ballot, and what was locked after it in the same
    statement (`lock_roll_entry_and_head`)."""

    entry: RollEntry
    # The audit chain's end (core.audit.head_lock), locked after the entry; None when it
    # was not (off PostgreSQL, or no head yet): the ballot's audit then locks it itself.
    head: tuple[str, int | None] | None
    # A key drawn for the ballot's row with the head, so that the audit entry, which
    # names the ballot, is written with it.
    ballot_id: int | None


def lock_roll_entry_and_head(vote: Vote, actor: Person, member_id: int | None) -> LockedEntry:
    """Find and lock the roll entry of the member the actor votes as (the one named, or the
    only member on the roll they act for), and in the same statement, once the entry is
    locked, the audit chain's head: the order every cast takes them in (roll entry, then
    head), so that the ballot, its mark on the roll, its audit entry and the head's move
    then go in one statement (core.sql.write_together)."""
    found = _acting_entries(vote, actor, member_id, lock=True, head=True)
    entry = _only(found)
    values = entry.__dict__
    last_hash, last_id, ballot_id = (values.pop(name, None) for name in _HEAD_COLUMNS)
    head = None if last_hash is None else (last_hash, last_id)
    return LockedEntry(entry=entry, head=head, ballot_id=ballot_id if head else None)


_HEAD_COLUMNS = ("head__hash", "head__entry", "ballot__id")


def acting_member(vote: Vote, actor: Person, member_id: int | None) -> Member:
    """The member on the roll a person acts as: the one named, or the only one they can act
    for (themself, or a legal person they represent)."""
    return _roll_entry(vote, actor, member_id, lock=False).member


# Loaded with each roll entry; the other fields of the member and the college (timestamps,
# the college's weight, which the entry carries itself) load on access.
_MEMBER_FIELDS = ("id", "cooperative", "kind", "person", "name", "organisation_type")
_COLLEGE_FIELDS = ("id", "vote", "college", "key", "name", "eligible", "position")


def _roll_entry(vote: Vote, actor: Person, member_id: int | None, *, lock: bool) -> RollEntry:
    return _only(_acting_entries(vote, actor, member_id, lock=lock))


def _only(found: list[RollEntry]) -> RollEntry:
    if not found:
        raise NotOnRoll()
    if len(found) > 1:
        raise MemberRequired(
            details={"members": [{"id": e.member_id, "name": e.member.name} for e in found]}
        )
    return found[0]


def _acting_entries(
    vote: Vote, actor: Person, member_id: int | None, *, lock: bool, head: bool = False
) -> list[RollEntry]:
    """The roll entries of the members the actor acts for (governance.acting states who),
    with their member and college, in one statement written out by hand: every ballot
    runs it, and building it through the query compiler cost more than running it.

    With `head` (and `lock`), on PostgreSQL, each row also carries the audit chain's end,
    locked once every entry is (the count that conditions it reads them all first), when
    exactly one entry is found, and a key drawn for a ballot (`_HEAD_COLUMNS`); elsewhere
    the rows have no such columns."""
    roll, members, colleges = (model._meta.db_table for model in (RollEntry, Member, VoteCollege))
    sql = (
        f"SELECT {own_columns(RollEntry, 'r')}, {related_columns(Member, 'm', _MEMBER_FIELDS)},"
        f" {related_columns(VoteCollege, 'c', _COLLEGE_FIELDS)} FROM {roll} r"
        f" JOIN {members} m ON m.id = r.member_id"
        f" JOIN {colleges} c ON c.id = r.vote_college_id"
        f" WHERE r.vote_id = %s AND r.member_id IN ({acting_members_sql()})"
    )
    params: list[Any] = [vote.pk, *acting_members_params(vote.cooperative_id, actor)]
    if member_id is not None:
        sql += " AND r.member_id = %s"
        params.append(member_id)
    sql += " ORDER BY m.name, r.id"
    if lock and connection.vendor == "postgresql":
        sql += " FOR UPDATE OF r"
    if head:
        sql, params = _with_head(sql, params)
    entries = fetch_instances(RollEntry, sql, params)
    for entry in entries:
        attach_related(entry, "member", Member, "m", _MEMBER_FIELDS)
        attach_related(entry, "vote_college", VoteCollege, "c", _COLLEGE_FIELDS)
    return entries


def _with_head(sql: str, params: list[Any]) -> tuple[str, list[Any]]:
    """The entries' statement with `_HEAD_COLUMNS` (see `_acting_entries`)."""
    locking = head_lock("(SELECT count(*) FROM e) = 1")
    if locking is None:
        return sql, params
    lock_sql, lock_params = locking
    head_hash, head_entry, ballot = _HEAD_COLUMNS
    return (
        f"WITH e AS MATERIALIZED ({sql})"
        f" SELECT e.*, h.last_hash AS {head_hash}, h.last_entry_id AS {head_entry},"
        f" nextval(pg_get_serial_sequence(%s, 'id')) AS {ballot}"
        f" FROM e LEFT JOIN LATERAL ({lock_sql}) h ON true ORDER BY e.m__name, e.id",
        [*params, Ballot._meta.db_table, *lock_params],
    )


def require_open(vote: Vote, now: Any) -> None:
    if vote.status == VoteStatus.CLOSED or (
        vote.status == VoteStatus.OPEN and vote.closes_at is not None and vote.closes_at <= now
    ):
        raise VoteClosed()
    if vote.status != VoteStatus.OPEN:
        raise VoteNotOpen()


def require_booth(vote: Vote, via_booth: bool, *, managing: bool = False) -> None:
    """A vote taken in a booth (an assembly's) refuses ballots, proxies and management acts
    (`managing`: opening, closing, scheduling, cancelling) from elsewhere, so that nobody
    bypasses the booth's own checks: signing in to the meeting, the attendance of the call."""
    if vote.booth and not via_booth:
        if managing:
            raise UseAssemblyBooth(
                message=_(
                    "This vote belongs to an assembly: it opens and closes with the "
                    "assembly's agenda."
                )
            )
        raise UseAssemblyBooth()


def audit(
    actor: Actor,
    verb: str,
    vote: Vote,
    target: Any,
    *,
    head: tuple[str, int | None] | None = None,
    **data: Any,
) -> AuditEntry:
    return audit_append(**_audited(actor, verb, vote, target, data), head=head)


def audit_entry(
    actor: Actor,
    verb: str,
    vote: Vote,
    target: Any,
    *,
    head: tuple[str, int | None],
    **data: Any,
) -> AuditEntry:
    """The entry `audit` appends, built and signed after the locked `head` but not written
    (core.audit.audit_entry)."""
    return build_audit_entry(**_audited(actor, verb, vote, target, data), head=head)


def _audited(actor: Actor, verb: str, vote: Vote, target: Any, data: dict[str, Any]) -> Any:
    """What a voting act's audit entry says: the vote's cooperative and id, and `data`."""
    return {
        "actor": actor,
        "verb": verb,
        "target": target,
        "cooperative_id": vote.cooperative_id,
        "data": {"vote_id": vote.pk, **data},
    }


def emit_room(
    vote: Vote,
    type: str,
    data: dict[str, Any] | Callable[[], dict[str, Any]],
    *,
    spread: float = 0.0,
) -> None:
    """Live events go to the proposal's room; a standalone poll has no room."""
    if vote.proposal_id is None:
        return
    assert vote.proposal is not None
    room_emit(proposal=vote.proposal, type=type, data=data, spread=spread)
