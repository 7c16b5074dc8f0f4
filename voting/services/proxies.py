"""Proxies for one vote: given by a member to another, revocable until used."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotFound
from governance.models import Person
from governance.selectors import decision_rules, members_acting_person
from voting.errors import NotOnRoll, ProxiesNotAllowed, ProxyCapReached, ProxyStateError
from voting.models import Proxy, RollEntry, Vote
from voting.services._common import (
    acting_member,
    audit,
    lock_vote,
    require_booth,
    require_open,
)


@transaction.atomic
def proxy_give(
    *,
    actor: Person,
    vote: Vote,
    holder_id: int,
    principal_id: int | None = None,
    via_booth: bool = False,
) -> Proxy:
    """Give the ballot of a member the actor acts for to another member on the roll.

    Refused when the frozen rules forbid proxies, when the holder already holds as many as
    the cap allows, when the principal already voted or already gave a live proxy, and on
    a vote with a booth unless given through it (`via_booth`). Locks the vote row, so two
    proxies given at once cannot both pass the cap. Audited.
    """
    vote = lock_vote(vote.pk)
    now = timezone.now()
    require_open(vote, now)
    require_booth(vote, via_booth)
    assert vote.rules_version is not None
    rules = decision_rules(vote.rules_version, vote.decision_kind)
    if not rules.proxies_allowed:
        raise ProxiesNotAllowed()
    principal = acting_member(vote, actor, principal_id)
    entries = {
        e.member_id: e
        for e in RollEntry.objects.filter(
            vote=vote, member_id__in=[principal.pk, holder_id]
        ).select_related("member")
    }
    if principal.pk not in entries:
        raise NotOnRoll()
    if holder_id == principal.pk:
        raise InvalidInput(code="proxy_to_self", message=_("A proxy goes to another member."))
    if holder_id not in entries:
        raise InvalidInput(
            code="holder_not_on_roll",
            message=_("The holder of a proxy must be a member on the roll of this vote."),
        )
    if entries[principal.pk].has_voted:
        raise ProxyStateError(code="already_voted", message=_("This member has already voted."))
    live = Proxy.objects.filter(vote=vote, revoked_at__isnull=True)
    if live.filter(principal=principal).exists():
        raise ProxyStateError(
            code="proxy_exists",
            message=_("This member already gave a proxy for this vote; revoke it first."),
        )
    held = live.filter(holder_id=holder_id).count()
    rules.refuse_proxy_over_cap(
        held=held, holder=entries[holder_id].member.name, error=ProxyCapReached
    )
    proxy = Proxy.objects.create(
        vote=vote, principal=principal, holder_id=holder_id, given_by=actor, created_at=now
    )
    audit(actor, "proxy.given", vote, proxy, principal_id=principal.pk, holder_id=holder_id)
    return proxy


@transaction.atomic
def proxy_revoke(*, actor: Person, proxy: Proxy, via_booth: bool = False) -> Proxy:
    """Withdraw an unused proxy; only someone acting for the principal may, and on a vote
    with a booth only through it. Locks the vote row and then the proxy, the order a cast
    by the holder takes them in. Audited."""
    vote = lock_vote(proxy.vote_id)
    locked = Proxy.objects.select_for_update().filter(pk=proxy.pk).first()
    if locked is None:
        raise NotFound()
    proxy = locked
    mine = {m.pk for m in members_acting_person(vote.cooperative, actor)}
    if proxy.principal_id not in mine:
        raise NotFound()
    require_booth(vote, via_booth)
    require_open(vote, timezone.now())
    if proxy.revoked_at is not None:
        raise ProxyStateError(code="proxy_revoked", message=_("This proxy is already revoked."))
    if proxy.used_at is not None:
        raise ProxyStateError(
            code="proxy_used",
            message=_(
                "The holder has already voted with this proxy; vote in "
                "person to override that ballot."
            ),
        )
    proxy.revoked_at = timezone.now()
    proxy.save(update_fields=["revoked_at"])
    audit(
        actor,
        "proxy.revoked",
        vote,
        proxy,
        principal_id=proxy.principal_id,
        holder_id=proxy.holder_id,
    )
    return proxy
