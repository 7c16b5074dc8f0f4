"""Lifecycle of a vote before it opens: create, schedule, cancel.

Opening is in voting.services.opening, closing in voting.services.closing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.actors import SCHEDULER
from core.errors import InvalidInput
from governance.models import (
    Cooperative,
    DecisionKind,
    Person,
)
from governance.permissions import require_board
from governance.selectors import (
    decision_rules,
    rules_current,
)
from voting.choices import validate_options
from voting.errors import VoteStateError
from voting.models import (
    ACTIVE_STATUSES,
    Vote,
    VoteBooth,
    VoteMethod,
    VoteStatus,
)
from voting.services._common import audit, lock_vote, require_booth


def default_grades() -> list[str]:
    """The usual French civic-tech scale, worst first, in the language of the creator."""
    return [
        # A grade ("À rejeter"), not the verb of the amendment's button.
        pgettext("majority judgment grade", "Reject"),
        _("Insufficient"),
        _("Passable"),
        _("Fairly good"),
        _("Good"),
        _("Very good"),
    ]


@transaction.atomic
def vote_create(
    *,
    actor: Person,
    cooperative: Cooperative,
    method: str,
    proposal: Any = None,
    title: str = "",
    description: str = "",
    decision_kind: str | None = None,
    options: Sequence[str] = (),
    grades: Sequence[str] = (),
    is_secret: bool | None = None,
    results_live: bool = False,
    allow_change: bool = True,
    quorum_call: int = 1,
    opens_at: dt.datetime | None = None,
    closes_at: dt.datetime | None = None,
    booth: str = "",
) -> Vote:
    """Create a draft vote on a proposal, or a standalone poll. The board only.

    A vote on a proposal takes the proposal's decision kind and title. Binding decisions
    (ordinary, extraordinary) are taken by resolution; the other methods are advisory.
    The secret-ballot default comes from the current rules of the decision kind. With a
    `booth` ("assembly"), ballots and proxies are only taken through that booth.
    """
    require_board(actor, cooperative)
    if proposal is not None:
        if proposal.cooperative_id != cooperative.pk:
            raise InvalidInput(
                code="wrong_cooperative", message=_("The proposal belongs to another cooperative.")
            )
        if Vote.objects.filter(proposal=proposal, status__in=ACTIVE_STATUSES).exists():
            raise VoteStateError(
                code="proposal_has_vote",
                message=_("This proposal already has a vote in preparation or open."),
            )
        decision_kind = proposal.decision_kind
        title = title or proposal.title
    decision_kind = decision_kind or DecisionKind.ADVISORY
    if decision_kind not in DecisionKind.values:
        raise InvalidInput(code="unknown_decision_kind", message=_("Unknown decision kind."))
    if not title.strip():
        raise InvalidInput(code="title_required", message=_("A vote needs a title."))
    if method not in VoteMethod.values:
        raise InvalidInput(code="unknown_method", message=_("Unknown vote method."))
    if decision_kind != DecisionKind.ADVISORY and method != VoteMethod.RESOLUTION:
        raise InvalidInput(
            code="method_not_binding",
            message=_(
                "Binding decisions (ordinary or extraordinary) are taken by resolution: "
                "for, against or abstain. Other methods are for advisory votes."
            ),
        )
    options = [o.strip() for o in options]
    grades = [g.strip() for g in grades]
    if method == VoteMethod.MAJORITY_JUDGMENT and not grades:
        grades = default_grades()
    validate_options(method=method, options=options, grades=grades)
    rules = decision_rules(rules_current(cooperative), decision_kind)
    if is_secret is None:
        is_secret = rules.secret_ballot_default and method != VoteMethod.CONSENT
    if is_secret and method == VoteMethod.CONSENT:
        raise InvalidInput(
            code="consent_not_secret",
            message=_("Objections are reasoned and signed: consent cannot be a secret ballot."),
        )
    if is_secret and results_live:
        raise InvalidInput(
            code="secret_not_live",
            message=_(
                "A secret ballot cannot show results live: each change "
                "would reveal the choice of whoever just voted."
            ),
        )
    if quorum_call not in (1, 2):
        raise InvalidInput(code="invalid_quorum_call", message=_("The call is 1 or 2."))
    if booth and booth not in VoteBooth.values:
        raise InvalidInput(code="unknown_booth", message=_("Unknown booth."))
    _check_schedule(opens_at, closes_at, timezone.now())
    vote = Vote.objects.create(
        cooperative=cooperative,
        proposal=proposal,
        title=title.strip(),
        description=description,
        method=method,
        decision_kind=decision_kind,
        options=options,
        grades=grades if method == VoteMethod.MAJORITY_JUDGMENT else [],
        is_secret=is_secret,
        results_live=results_live,
        allow_change=allow_change,
        quorum_call=quorum_call,
        opens_at=opens_at,
        closes_at=closes_at,
        booth=booth,
        created_by=actor,
    )
    audit(
        actor,
        "vote.created",
        vote,
        vote,
        method=method,
        decision_kind=decision_kind,
        proposal_id=proposal.pk if proposal is not None else None,
        is_secret=is_secret,
        opens_at=opens_at,
        closes_at=closes_at,
        booth=booth or None,
    )
    return vote


def _check_schedule(opens_at: Any, closes_at: Any, now: dt.datetime) -> None:
    if closes_at is not None and closes_at <= now:
        raise InvalidInput(code="closes_in_past", message=_("The closing time has passed."))
    if opens_at is not None and closes_at is not None and closes_at <= opens_at:
        raise InvalidInput(code="schedule_order", message=_("A vote closes after it opens."))


@transaction.atomic
def vote_schedule(
    *, actor: Person, vote: Vote, opens_at: dt.datetime | None, closes_at: dt.datetime | None
) -> Vote:
    """Set when a draft opens and when it closes (an open vote may move its closing time).
    A vote with a booth opens and closes when its assembly says, so it has no schedule."""
    vote = lock_vote(vote.pk)
    require_board(actor, vote.cooperative)
    require_booth(vote, via_booth=False, managing=True)
    now = timezone.now()
    if vote.status == VoteStatus.OPEN:
        if opens_at is not None and opens_at != vote.opens_at:
            raise VoteStateError(message=_("The vote is already open."))
        opens_at = vote.opens_at
    elif vote.status != VoteStatus.DRAFT:
        raise VoteStateError(message=_("Only a draft or an open vote can be rescheduled."))
    _check_schedule(opens_at if vote.status == VoteStatus.DRAFT else None, closes_at, now)
    vote.opens_at, vote.closes_at, vote.schedule_error = opens_at, closes_at, ""
    vote.save(update_fields=["opens_at", "closes_at", "schedule_error"])
    audit(actor, "vote.scheduled", vote, vote, opens_at=opens_at, closes_at=closes_at)
    return vote


@transaction.atomic
def vote_cancel(*, actor: Person, vote: Vote, via_booth: bool = False) -> Vote:
    """Cancel a vote that has not opened. The board only (through the booth for a vote that
    has one); audited."""
    vote = lock_vote(vote.pk)
    require_board(actor, vote.cooperative)
    require_booth(vote, via_booth, managing=True)
    if vote.status != VoteStatus.DRAFT:
        raise VoteStateError(
            message=_("Only a draft vote can be cancelled; this one is %(status)s.")
            % {"status": vote.get_status_display()}
        )
    vote.status = VoteStatus.CANCELLED
    vote.save(update_fields=["status"])
    audit(actor, "vote.cancelled", vote, vote)
    return vote


@transaction.atomic
def vote_mark_schedule_error(*, vote: Vote, message: str) -> Vote:
    """Record why the scheduler could not open a vote, so it stops retrying until the board
    acts. Audited as a system act."""
    vote = lock_vote(vote.pk)
    vote.schedule_error = message[:500]
    vote.save(update_fields=["schedule_error"])
    audit(SCHEDULER, "vote.schedule_failed", vote, vote, message=vote.schedule_error)
    return vote
