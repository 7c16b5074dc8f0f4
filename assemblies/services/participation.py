"""Taking part from afar: proxies for the whole assembly and postal votes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from assemblies.errors import (
    AssemblyStateError,
    NotAMember,
    PostalVoteError,
    ProxyError,
)
from assemblies.models import (
    BEFORE_MEETING_STATUSES,
    Assembly,
    AssemblyProxy,
    ItemKind,
    ItemStatus,
    PostalVote,
    Resolution,
)
from assemblies.selectors import (
    college_keys,
    resolution_is_secret,
)
from assemblies.services._common import (
    audit,
    current,
    is_board,
    lock_assembly,
)
from assemblies.services.attendance_counts import attendance_counts_follow
from core.errors import InvalidInput, NotFound
from governance.models import Member, Person
from governance.selectors import decision_rules, members_acting_person
from voting.models import ResolutionChoice
from voting.sealing import ballot_key_create, padded_size, public_key_of, seal

POSTAL_SEALED_SIZE = padded_size(options=(), grades=())


def acting_member_for(
    actor: Person, assembly: Assembly, member_id: int | None, *, board_may: bool
) -> tuple[Member, bool]:
    """The member the actor acts for here, and whether the board records it for them (a
    paper form): the board may name any member with a vote, others only their own."""
    own = members_acting_person(assembly.cooperative, actor, active=True)
    if member_id is None:
        if len(own) == 1:
            return own[0], False
        if not own:
            raise NotAMember()
        raise InvalidInput(
            code="member_required",
            message=_("You act for several members: say for which one (member_id)."),
            details={"members": [{"id": m.pk, "name": m.name} for m in own]},
        )
    for member in own:
        if member.pk == member_id:
            return member, False
    if board_may and is_board(actor, assembly):
        named = Member.objects.filter(pk=member_id, cooperative=assembly.cooperative).first()
        if named is not None and member_id in college_keys(assembly.cooperative, [member_id]):
            return named, True
    raise NotAMember(
        message=_("This member has no vote in this assembly, or you do not act for it.")
    )


def _require_before_meeting(assembly: Assembly, what: str) -> None:
    if assembly.status not in BEFORE_MEETING_STATUSES:
        raise AssemblyStateError(
            message=_("%(what)s are taken from the convocation until the meeting opens.")
            % {"what": what},
            details={"status": assembly.status},
        )


@transaction.atomic
def assembly_proxy_give(
    *,
    actor: Person,
    assembly: Assembly,
    holder_id: int | None,
    principal_id: int | None = None,
    now: dt.datetime | None = None,
) -> AssemblyProxy:
    """Give a proxy for the whole assembly to another member, or with no holder (the chair
    then votes for the board's resolutions and against the others).

    A member gives it for themself (or a legal person they represent); the board records
    a paper proxy for any member. Refused when the rules forbid proxies, when the holder
    reached the cap, when the member already gave one or voted by post. The rules version
    is the one the assembly was convened under. Locks the assembly row; moves the kept
    counts of a call under way (assemblies.services.attendance_counts); audited.
    """
    assembly = lock_assembly(assembly.pk)
    now = current(now)
    _require_before_meeting(assembly, _("Proxies"))
    assert assembly.rules_version is not None
    rules = decision_rules(assembly.rules_version, assembly.kind)
    if not rules.proxies_allowed:
        raise ProxyError(
            code="proxies_not_allowed",
            message=_("The rules of this cooperative do not allow proxies."),
        )
    principal, on_paper = acting_member_for(actor, assembly, principal_id, board_may=True)
    if holder_id is not None:
        if holder_id == principal.pk:
            raise InvalidInput(code="proxy_to_self", message=_("A proxy goes to another member."))
        if holder_id not in college_keys(assembly.cooperative, [holder_id]):
            raise InvalidInput(
                code="holder_not_member",
                message=_("The holder of a proxy must be a member with a vote."),
            )
    live = AssemblyProxy.objects.filter(assembly=assembly, revoked_at__isnull=True)
    if live.filter(principal=principal).exists():
        raise ProxyError(
            code="proxy_exists",
            message=_("This member already gave a proxy for this assembly; revoke it first."),
        )
    if PostalVote.objects.filter(assembly=assembly, member=principal).exists():
        raise ProxyError(
            code="voted_by_post",
            message=_("This member already voted by post; a proxy cannot be added."),
        )
    if holder_id is not None:
        rules.refuse_proxy_over_cap(
            held=live.filter(holder_id=holder_id).count,
            holder=lambda: Member.objects.get(pk=holder_id).name,
            error=ProxyError,
        )
    with attendance_counts_follow(assembly=assembly, member_ids=[principal.pk]):
        proxy = AssemblyProxy.objects.create(
            assembly=assembly,
            principal=principal,
            holder_id=holder_id,
            given_by=actor,
            on_paper=on_paper,
            created_at=now,
        )
    audit(
        actor,
        "assembly.proxy_given",
        assembly,
        proxy,
        principal_id=principal.pk,
        holder_id=holder_id,
        on_paper=on_paper,
    )
    return proxy


@transaction.atomic
def assembly_proxy_revoke(
    *, actor: Person, proxy: AssemblyProxy, now: dt.datetime | None = None
) -> AssemblyProxy:
    """Withdraw a proxy until the meeting opens; the principal (or the board, for a paper
    proxy) may. Locks the assembly row; moves the kept counts of a call under way;
    audited."""
    assembly = lock_assembly(proxy.assembly_id)
    now = current(now)
    proxy = AssemblyProxy.objects.select_for_update().get(pk=proxy.pk)
    mine = {m.pk for m in members_acting_person(assembly.cooperative, actor, active=True)}
    if proxy.principal_id not in mine and not is_board(actor, assembly):
        raise NotFound()
    _require_before_meeting(assembly, _("Proxies"))
    if proxy.revoked_at is not None:
        raise ProxyError(code="proxy_revoked", message=_("This proxy is already revoked."))
    proxy.revoked_at = now
    with attendance_counts_follow(assembly=assembly, member_ids=[proxy.principal_id]):
        proxy.save(update_fields=["revoked_at"])
    audit(
        actor,
        "assembly.proxy_revoked",
        assembly,
        proxy,
        principal_id=proxy.principal_id,
        holder_id=proxy.holder_id,
    )
    return proxy


@transaction.atomic
def postal_vote_submit(
    *,
    actor: Person,
    assembly: Assembly,
    ballots: Mapping[int, str],
    member_id: int | None = None,
    now: dt.datetime | None = None,
) -> list[PostalVote]:
    """Record a postal voting form: a choice (for, against, abstain) per resolution.

    Taken from the convocation until the meeting opens, and kept for a second call with
    the same agenda. A later form replaces the choices it repeats. The member fills it in
    (or the board records a paper form). Refused when postal voting is off, or the member
    gave a proxy. Each ballot is cast into its resolution's vote when the chair opens it.
    On a secret resolution, postal and paper ballots alike are sealed to the resolution's
    postal key and their choice is stored nowhere in the clear (voting.sealing).
    Locks the assembly row; moves the kept counts of a call under way; audited without
    the choices of secret resolutions.
    """
    assembly = lock_assembly(assembly.pk)
    now = current(now)
    if not assembly.postal_allowed:
        raise PostalVoteError(
            code="postal_not_allowed", message=_("Postal voting is not open for this assembly.")
        )
    _require_before_meeting(assembly, _("Postal votes"))
    if not ballots:
        raise InvalidInput(code="ballots_required", message=_("Vote on at least one resolution."))
    member, on_paper = acting_member_for(actor, assembly, member_id, board_may=True)
    if AssemblyProxy.objects.filter(
        assembly=assembly, principal=member, revoked_at__isnull=True
    ).exists():
        raise PostalVoteError(
            code="proxy_given",
            message=_("This member gave a proxy for this assembly; revoke it to vote by post."),
        )
    resolutions = {
        r.pk: r
        for r in Resolution.objects.filter(
            item__assembly=assembly, pk__in=list(ballots)
        ).select_related("item")
    }
    recorded: list[PostalVote] = []
    summary: list[dict[str, Any]] = []
    with attendance_counts_follow(assembly=assembly, member_ids=[member.pk]):
        for resolution_id, choice in ballots.items():
            resolution = resolutions.get(resolution_id)
            if resolution is None or resolution.item.kind == ItemKind.INFORMATION:
                raise InvalidInput(
                    code="unknown_resolution",
                    message=_("Resolution %(id)s is not on this agenda.") % {"id": resolution_id},
                )
            if resolution.item.status != ItemStatus.PENDING:
                raise PostalVoteError(
                    message=_("The vote on “%(title)s” has already opened.")
                    % {"title": resolution.title}
                )
            if choice not in ResolutionChoice.values:
                raise InvalidInput(
                    code="invalid_choice",
                    message=_("Choose one of: %(allowed)s.")
                    % {"allowed": ", ".join(ResolutionChoice.values)},
                    details={"allowed": list(ResolutionChoice.values)},
                )
            secret = resolution_is_secret(assembly, resolution)
            vote, _created = PostalVote.objects.update_or_create(
                resolution=resolution,
                member=member,
                defaults={
                    "assembly": assembly,
                    "choice": "" if secret else choice,
                    "sealed_choice": _seal_postal(resolution, choice) if secret else None,
                    "submitted_by": actor,
                    "on_paper": on_paper,
                    "received_at": now,
                },
            )
            recorded.append(vote)
            entry: dict[str, Any] = {"resolution_id": resolution.pk}
            if not secret:
                entry["choice"] = choice
            summary.append(entry)
    audit(
        actor,
        "assembly.postal_vote_recorded",
        assembly,
        member,
        member_id=member.pk,
        on_paper=on_paper,
        ballots=summary,
    )
    return recorded


def _seal_postal(resolution: Resolution, choice: str) -> bytes:
    """Seal a postal choice to the resolution's postal key, made on the first one (the
    caller holds the assembly's lock, so two forms never make two keys)."""
    if resolution.postal_key_id is None:
        resolution.postal_key = ballot_key_create()
        resolution.save(update_fields=["postal_key"])
    assert resolution.postal_key_id is not None
    return seal(public_key_of(resolution.postal_key_id), choice, size=POSTAL_SEALED_SIZE)
