"""Objections to a consent decision: raised with a reason, then withdrawn, resolved or upheld."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Forbidden, InvalidInput, NotFound
from governance.errors import BoardOnly
from governance.models import Person
from governance.permissions import cooperative_role
from governance.selectors import members_acting_person
from voting.errors import ObjectionStateError
from voting.live import turnout_changed
from voting.models import Objection, ObjectionState, Vote, VoteMethod
from voting.permissions import can_decide_objection
from voting.services._common import (
    acting_member,
    audit,
    lock_vote_shared,
    require_open,
)

# What each state may become; raised and upheld objections still block when paramount.
_TRANSITIONS = {
    ObjectionState.RAISED: {
        ObjectionState.RESOLVED,
        ObjectionState.WITHDRAWN,
        ObjectionState.UPHELD,
    },
    ObjectionState.UPHELD: {ObjectionState.RESOLVED, ObjectionState.WITHDRAWN},
}


@transaction.atomic
def objection_raise(
    *,
    actor: Person,
    vote: Vote,
    reason: str,
    is_paramount: bool = True,
    member_id: int | None = None,
) -> Objection:
    """A member on the roll objects to a consent decision, saying why. Audited."""
    vote = lock_vote_shared(vote.pk, known=vote)
    now = timezone.now()
    require_open(vote, now)
    if vote.method != VoteMethod.CONSENT:
        raise InvalidInput(
            code="not_consent", message=_("Objections are raised on consent decisions only.")
        )
    if not reason.strip():
        raise InvalidInput(code="reason_required", message=_("An objection states its reason."))
    member = acting_member(vote, actor, member_id)
    objection = Objection.objects.create(
        vote=vote,
        member=member,
        raised_by=actor,
        reason=reason.strip(),
        is_paramount=is_paramount,
        created_at=now,
    )
    audit(
        actor, "objection.raised", vote, objection, member_id=member.pk, is_paramount=is_paramount
    )
    _push(vote)
    return objection


@transaction.atomic
def objection_decide(
    *, actor: Person, objection: Objection, state: str, note: str = ""
) -> Objection:
    """Move an objection on: its objector withdraws it; the board records it resolved or
    upheld (an upheld one still blocks). Locks the vote row in share mode, then the
    objection. Audited."""
    vote = lock_vote_shared(objection.vote_id)
    locked = Objection.objects.select_for_update().filter(pk=objection.pk).first()
    if locked is None:
        raise NotFound()
    objection = locked
    require_open(vote, timezone.now())
    target = ObjectionState(state)
    if target == ObjectionState.WITHDRAWN:
        mine = {m.pk for m in members_acting_person(vote.cooperative, actor)}
        if objection.member_id not in mine:
            raise Forbidden(
                code="not_objector", message=_("Only the objector may withdraw an objection.")
            )
    elif not can_decide_objection(cooperative_role(actor, vote.cooperative)):
        raise BoardOnly(_("Only the board records an objection resolved or upheld."))
    if target not in _TRANSITIONS.get(ObjectionState(objection.state), set()):
        raise ObjectionStateError(
            message=_("An objection that is %(state)s cannot become %(target)s.")
            % {"state": objection.get_state_display(), "target": target.label}
        )
    objection.state = target
    objection.decided_at = timezone.now()
    objection.decided_by = actor
    objection.note = note[:1000]
    objection.save(update_fields=["state", "decided_at", "decided_by", "note"])
    audit(actor, f"objection.{target.value}", vote, objection, note=objection.note)
    _push(vote)
    return objection


def _push(vote: Vote) -> None:
    if vote.results_live:
        turnout_changed(vote)
