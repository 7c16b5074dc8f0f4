"""The chair's control of the agenda in session: opening and closing points, and the booth."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from assemblies import events
from assemblies.errors import AnotherItemOpen, ItemStateError
from assemblies.models import (
    AgendaItem,
    Assembly,
    AssemblyProxy,
    AssemblyStatus,
    ItemKind,
    ItemStatus,
    PostalVote,
    Resolution,
)
from assemblies.room import room_emit
from assemblies.selectors import (
    AttendanceCount,
    current_call,
    item_is_secret,
    vote_attendance,
)
from assemblies.services._common import (
    audit,
    current,
    lock_assembly,
    require_status,
)
from assemblies.services.attendance_counts import call_attendance_checked
from assemblies.services.elections import election_declare
from core.errors import DomainError
from deliberation.sanitize import html_to_text
from elections.services import e2e_vote_close
from governance.acting import person_acting_for
from governance.models import Person
from governance.permissions import require_board
from voting import selectors as voting_selectors
from voting import services as voting
from voting.models import ResolutionChoice, Vote, VoteBooth, VoteMethod, VoteStatus
from voting.sealing import ballot_key_destroy, ballot_key_private, unseal


def _vote_for(
    actor: Person,
    assembly: Assembly,
    item: AgendaItem,
    resolution: Resolution,
    *,
    is_secret: bool,
    now: dt.datetime,
) -> Vote:
    text = ""
    if item.text:
        text = html_to_text(item.text)
    vote = voting.vote_create(
        actor=actor,
        cooperative=assembly.cooperative,
        method=VoteMethod.RESOLUTION,
        proposal=item.proposal if item.kind == ItemKind.RESOLUTION else None,
        title=resolution.title,
        description=text,
        decision_kind=assembly.kind,
        is_secret=is_secret,
        results_live=assembly.results_live and not is_secret,
        allow_change=True,
        quorum_call=assembly.current_call,
        booth=VoteBooth.ASSEMBLY,
    )
    return voting.vote_open(actor=actor, vote=vote, now=now, via_booth=True)


def _carry_in(
    assembly: Assembly, resolution: Resolution, vote: Vote, count: AttendanceCount, now: dt.datetime
) -> dict[str, Any]:
    """Bring the assembly's proxies and postal ballots into a resolution's vote.

    Each goes through the voting services in the name of the member who signed it (the
    member, or a representative of the legal person): a proxy whose holder attends
    becomes a proxy on this vote; a proxy without holder is cast by the chair's rule
    (for the board's resolutions, against the others); a postal ballot is cast as filled
    in. A member who attends votes in person instead. Failures are counted, not fatal.
    """
    carried: dict[str, Any] = {"proxies": 0, "blank_proxies": 0, "postal": 0, "failed": []}
    proxies = (
        AssemblyProxy.objects.filter(assembly=assembly, revoked_at__isnull=True)
        .select_related("principal", "principal__person", "given_by")
        .order_by("id")
    )
    for proxy in proxies:
        if proxy.principal_id not in count.represented_ids:
            continue
        person = person_acting_for(proxy.principal, proxy.given_by)
        try:
            if person is None:
                raise DomainError(code="no_representative")
            if proxy.holder_id is None:
                choice = (
                    ResolutionChoice.FOR if resolution.board_backed else ResolutionChoice.AGAINST
                )
                voting.ballot_cast(
                    actor=person,
                    vote=vote,
                    choice=choice,
                    member_id=proxy.principal_id,
                    now=now,
                    via_booth=True,
                )
                carried["blank_proxies"] += 1
            else:
                voting.proxy_give(
                    actor=person,
                    vote=vote,
                    holder_id=proxy.holder_id,
                    principal_id=proxy.principal_id,
                    via_booth=True,
                )
                carried["proxies"] += 1
        except DomainError as exc:
            carried["failed"].append(
                {"kind": "proxy", "member_id": proxy.principal_id, "code": exc.code}
            )
    postal = (
        PostalVote.objects.select_for_update(of=("self",))
        .filter(resolution=resolution, counted_at__isnull=True)
        .select_related("member", "member__person", "submitted_by")
        .order_by("id")
    )
    private = None
    if resolution.postal_key is not None and resolution.postal_key.destroyed_at is None:
        private = ballot_key_private(resolution.postal_key)
    for ballot in postal:
        if ballot.member_id not in count.postal_ids:
            continue
        person = person_acting_for(ballot.member, ballot.submitted_by)
        try:
            if person is None:
                raise DomainError(code="no_representative")
            postal_choice: Any = ballot.choice
            if ballot.sealed_choice is not None:
                # Opened in memory only to be sealed again, to the vote's key, on the roll.
                assert private is not None
                postal_choice = unseal(private, ballot.sealed_choice)
            voting.ballot_cast(
                actor=person,
                vote=vote,
                choice=postal_choice,
                member_id=ballot.member_id,
                now=now,
                via_booth=True,
            )
        except DomainError as exc:
            ballot.count_error = exc.code
            carried["failed"].append(
                {"kind": "postal", "member_id": ballot.member_id, "code": exc.code}
            )
        else:
            ballot.counted_at = now
            carried["postal"] += 1
            if vote.is_secret:
                # The ballot is now sealed on the member's roll entry; keeping it here
                # would keep a second copy of it.
                ballot.choice = ""
                ballot.sealed_choice = None
                ballot.is_sealed = True
        ballot.save(
            update_fields=["counted_at", "choice", "sealed_choice", "is_sealed", "count_error"]
        )
    if private is not None and resolution.postal_key is not None:
        # Every postal ballot of the resolution has been carried in, or refused: none may be
        # opened again.
        ballot_key_destroy(resolution.postal_key)
    return carried


@transaction.atomic
def item_open(*, actor: Person, item: AgendaItem, now: dt.datetime | None = None) -> AgendaItem:
    """The chair opens the next point: for a resolution its vote, for an election one vote
    per candidate, each on the current roll and rules with the quorum of this call.

    One point at a time. Proxies and postal ballots are carried into each vote; the
    attendance at this moment is recorded on each resolution. Locks the assembly row;
    audits; pushes the opening and the turnout to the room.
    """
    assembly = lock_assembly(item.assembly_id)
    require_board(actor, assembly.cooperative)
    now = current(now)
    require_status(assembly, AssemblyStatus.IN_SESSION)
    item = AgendaItem.objects.select_for_update().get(pk=item.pk)
    if item.status != ItemStatus.PENDING:
        raise ItemStateError(message=_("This point has already been taken."))
    if AgendaItem.objects.filter(assembly=assembly, status=ItemStatus.OPEN).exists():
        raise AnotherItemOpen()
    resolutions = list(item.resolutions.select_related("candidate").order_by("id"))
    if item.kind == ItemKind.ELECTION and not resolutions:
        raise ItemStateError(code="no_candidates", message=_("The election has no candidate."))
    call = current_call(assembly)
    count = call_attendance_checked(assembly=assembly, call=call, with_members=True)
    secret = item_is_secret(assembly, item)
    opened = []
    for resolution in resolutions:
        vote = _vote_for(actor, assembly, item, resolution, is_secret=secret, now=now)
        resolution.vote = vote
        resolution.attendance = count.as_dict()
        resolution.carried = _carry_in(assembly, resolution, vote, count, now)
        resolution.save(update_fields=["vote", "attendance", "carried"])
        opened.append(
            {
                "resolution_id": resolution.pk,
                "vote_id": vote.pk,
                "title": resolution.title,
                "is_secret": vote.is_secret,
                "carried": resolution.carried,
                "turnout": voting_selectors.vote_turnout(vote),
            }
        )
    item.status = ItemStatus.OPEN
    item.opened_at = now
    item.save(update_fields=["status", "opened_at"])
    audit(
        actor,
        "assembly.item_opened",
        assembly,
        item,
        position=item.position,
        resolutions=[{k: o[k] for k in ("resolution_id", "vote_id", "carried")} for o in opened],
    )
    room_emit(
        assembly=assembly,
        type=events.ROOM_ITEM_OPENED,
        data={
            "item_id": item.pk,
            "position": item.position,
            "kind": item.kind,
            "title": item.title,
            "attendance": count.as_dict(),
            "resolutions": opened,
        },
    )
    return item


@transaction.atomic
def item_close(*, actor: Person, item: AgendaItem, now: dt.datetime | None = None) -> AgendaItem:
    """The chair closes the open point: each vote is tallied under its frozen rules and its
    decision stored by the voting app, with the quorum established by the attendance of the
    call (present, remote, represented and postal), so a member signed in who does not vote
    still counts; an election then declares who is elected. Locks the assembly row;
    audits; pushes the results to the room."""
    assembly = lock_assembly(item.assembly_id)
    require_board(actor, assembly.cooperative)
    now = current(now)
    require_status(assembly, AssemblyStatus.IN_SESSION)
    item = AgendaItem.objects.select_for_update().get(pk=item.pk)
    if item.status != ItemStatus.OPEN:
        raise ItemStateError(message=_("Only the open point can be closed."))
    results = []
    count = call_attendance_checked(
        assembly=assembly, call=current_call(assembly), with_members=True
    )
    for resolution in item.resolutions.select_related("vote").order_by("id"):
        if resolution.vote is None or resolution.vote.status != VoteStatus.OPEN:
            continue
        # A resolution counted end to end closes through its electoral close (the trustees
        # have decrypted its totals), with the same attendance.
        close = e2e_vote_close if resolution.vote.e2e.exists() else voting.vote_close
        decision = close(
            actor=actor,
            vote=resolution.vote,
            now=now,
            attendance=vote_attendance(resolution.vote, count),
            via_booth=True,
        )
        results.append(
            {
                "resolution_id": resolution.pk,
                "vote_id": resolution.vote.pk,
                "decision_id": decision.pk,
                "outcome": decision.outcome,
                "adopted": decision.adopted,
                "explanation": decision.explanation,
                "audit_hash": decision.audit_hash,
                "result": decision.result,
            }
        )
    item.status = ItemStatus.CLOSED
    item.closed_at = now
    item.save(update_fields=["status", "closed_at"])
    audit(
        actor,
        "assembly.item_closed",
        assembly,
        item,
        position=item.position,
        decisions=[
            {k: r[k] for k in ("resolution_id", "decision_id", "outcome", "audit_hash")}
            for r in results
        ],
    )
    room_emit(
        assembly=assembly,
        type=events.ROOM_ITEM_CLOSED,
        data={"item_id": item.pk, "position": item.position, "results": results},
    )
    if item.kind == ItemKind.ELECTION:
        election_declare(actor=actor, item=item, now=now)
    return item
