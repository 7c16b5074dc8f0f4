"""The assembly's booth: ballots of members signed in to the call, sealed by the server or
encrypted in the browser for a resolution counted end to end."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from assemblies.errors import ItemStateError, NotAttending
from assemblies.live import resolution_turnout_changed
from assemblies.models import Assembly, AssemblyStatus, ItemStatus, Resolution
from assemblies.selectors import acting_members_attending
from assemblies.services._common import current
from core.errors import InvalidInput
from elections.errors import BallotRefused, ElectionStateError, NotYourCredential
from elections.models import Election, EncryptedBallot
from elections.services import e2e_ballot_cast
from governance.models import Person
from voting import services as voting


def _open_resolution(
    resolution: Resolution, assembly: Assembly | None
) -> tuple[Resolution, Assembly]:
    fields = Resolution._meta
    if not (
        fields.get_field("item").is_cached(resolution)
        and fields.get_field("vote").is_cached(resolution)
    ):
        resolution = Resolution.objects.select_related("item", "vote").get(pk=resolution.pk)
    item = resolution.item
    if assembly is None or assembly.pk != item.assembly_id:
        assembly = Assembly.objects.select_related("cooperative").get(pk=item.assembly_id)
    if (
        assembly.status != AssemblyStatus.IN_SESSION
        or item.status != ItemStatus.OPEN
        or resolution.vote is None
    ):
        raise ItemStateError(
            code="resolution_not_open", message=_("This resolution is not open for voting.")
        )
    return resolution, assembly


def _attending_voter(
    assembly: Assembly,
    actor: Person,
    member_id: int | None,
    acting: list[tuple[int, bool]] | None = None,
) -> int:
    """The member the actor votes for, who must be signed in to the current call; `acting`,
    when the caller read them, are the members the actor acts for with their attendance."""
    rows = acting_members_attending(assembly, actor) if acting is None else acting
    own = {pk for pk, _attending in rows}
    attending = {pk for pk, is_attending in rows if is_attending}
    if member_id is not None:
        if member_id not in own:
            raise NotAttending(message=_("You do not act for this member."))
        voter = member_id
    elif len(attending) == 1:
        voter = next(iter(attending))
    elif not attending:
        raise NotAttending()
    else:
        raise InvalidInput(
            code="member_required",
            message=_("You act for several members: say for which one (member_id)."),
        )
    if voter not in attending:
        raise NotAttending()
    return voter


def assembly_ballot_cast(
    *,
    actor: Person,
    resolution: Resolution,
    choice: Any,
    member_id: int | None = None,
    on_behalf_of: int | None = None,
    now: dt.datetime | None = None,
    assembly: Assembly | None = None,
    locked: bool = False,
    acting: list[tuple[int, bool]] | None = None,
) -> voting.CastResult:
    """Cast in the assembly's booth, the same for members in the room and remotely.

    The voter (or, with `on_behalf_of`, the proxy holder) must be signed in to the call;
    the ballot is then cast by the voting app like any other. Takes no lock on the
    assembly: casts on one resolution wait only for each other's roll entry and the audit
    head. After commit, asks for a push of the turnout, and of the running result when the
    assembly shows it, to the room (assemblies.live).

    A caller that read the resolution (with its item and vote) and the `assembly` in this
    same transaction, as the booth's endpoint does, passes them as read: they are not
    read again. With `locked`, the caller read the vote locked in share mode in this
    transaction (`access_booth_for_cast`, as the booth's endpoint and frame
    do) and lets any error end it: the cast joins that transaction without a savepoint
    (voting.ballot_cast's `locked`). The members the actor acts for, with their
    attendance, read in that same statement (`access_booth_for_cast`), come as `acting`.
    """
    with transaction.atomic(savepoint=not locked):
        resolution, assembly = _open_resolution(resolution, assembly)
        now = current(now)
        voter = _attending_voter(assembly, actor, member_id, acting)
        vote = resolution.vote
        assert vote is not None
        result = voting.ballot_cast(
            actor=actor,
            vote=vote,
            choice=choice,
            member_id=voter,
            on_behalf_of=on_behalf_of,
            now=now,
            via_booth=True,
            locked=locked,
        )
    # The room hears of it after commit, coalesced: the cast neither takes the room's
    # sequence number (held until commit, it would make every cast wait for the one
    # before) nor counts the turnout.
    resolution_turnout_changed(resolution.pk)
    return result


@transaction.atomic
def assembly_e2e_ballot_cast(
    *, actor: Person, resolution: Resolution, ballot: str, member_id: int | None = None
) -> EncryptedBallot:
    """Cast a ballot encrypted in the browser for a resolution counted end to end, in the
    assembly's booth: the voter must be signed in to the call, as for a sealed ballot; the
    ballot goes to the election of the voter's college and is checked there (credential,
    signature, proofs). A proxy holder casts the sealed ballot for the giver instead."""
    resolution, assembly = _open_resolution(resolution, None)
    voter = _attending_voter(assembly, actor, member_id)
    election = Election.objects.filter(
        vote=resolution.vote, voters__roll_entry__member_id=voter
    ).first()
    if election is None:
        raise ElectionStateError(_("This resolution is not counted end to end."))
    try:
        credential = json.loads(ballot)["credential"]
    except (ValueError, TypeError, KeyError) as exc:
        raise BallotRefused(code="ballot_malformed") from exc
    if election.voters.filter(credential=credential).exclude(roll_entry__member_id=voter).exists():
        # Another member's credential the actor also acts for: that member is not the one
        # signed in for this ballot.
        raise NotYourCredential()
    cast = e2e_ballot_cast(actor=actor, election=election, ballot=ballot, via_booth=True)
    resolution_turnout_changed(resolution.pk)
    return cast
