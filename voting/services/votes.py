"""Lifecycle of a vote: create, open (freezing the roll and rules), close, cancel."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.actors import SCHEDULER, SystemActor
from core.errors import InvalidInput
from core.outbox import outbox_emit
from deliberation.services import proposal_record_outcome, proposal_start_voting
from governance.models import Cooperative, DecisionKind, Person
from governance.permissions import require_board
from governance.selectors import (
    active_roll,
    college_config_current,
    college_weights,
    decision_rules,
    rules_current,
)
from governance.validation import composition_warnings
from voting import events, selectors
from voting.choices import validate_options
from voting.errors import OpeningBlocked, VoteStateError
from voting.explain import explain_en
from voting.models import (
    ACTIVE_STATUSES,
    Decision,
    RollEntry,
    Vote,
    VoteBooth,
    VoteCollege,
    VoteMethod,
    VoteStatus,
)
from voting.sealing import ballot_key_create
from voting.services._common import audit, emit_room, lock_vote, require_booth
from voting.services.box import box_fill
from voting.tally import TallyInputError, fraction_str

SINGLE_COLLEGE_KEY = "all"


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
def vote_open(
    *,
    actor: Person | SystemActor,
    vote: Vote,
    now: dt.datetime | None = None,
    via_booth: bool = False,
) -> Vote:
    """Open a draft: freeze the roll (active members, each with its college), the colleges
    with their weights, and the rules version. The board, or the scheduler (`SCHEDULER`); a
    vote with a booth only through it (`via_booth`).

    Refuses, naming the problem: a roll with members outside the current colleges, an empty
    roll, and, for binding votes when the rules say so, a composition that breaks the law.
    A secret vote gets its ballot key (voting.sealing); colleges too small for its secrecy
    are in the audit entry and `selectors.small_colleges`, for the board's warning.
    Locks the vote row; moves the proposal to voting; audits, emits `vote.opened`.
    """
    vote = lock_vote(vote.pk)
    require_board(actor, vote.cooperative)
    require_booth(vote, via_booth, managing=True)
    now = now or timezone.now()
    if vote.status != VoteStatus.DRAFT:
        raise VoteStateError(
            message=_("Only a draft vote can open; this one is %(status)s.")
            % {"status": vote.get_status_display()}
        )
    if vote.closes_at is not None and vote.closes_at <= now:
        raise OpeningBlocked(
            code="closes_in_past", message=_("The closing time has passed: reschedule the vote.")
        )
    cooperative = vote.cooperative
    rules_version = rules_current(cooperative)
    rules = decision_rules(rules_version, vote.decision_kind)
    if (
        vote.decision_kind != DecisionKind.ADVISORY
        and rules_version.block_votes_on_composition_breach
    ):
        warnings = composition_warnings(cooperative)
        if warnings:
            raise OpeningBlocked(
                code="composition_breach",
                message=_(
                    "The rules block binding votes while the composition of the "
                    "cooperative breaks the law: %(problems)s"
                )
                % {"problems": " ".join(w.message for w in warnings)},
                details={"warnings": [w.as_dict() for w in warnings]},
            )
    config = college_config_current(cooperative)
    colleges = _freeze_colleges(vote, config)
    by_college = {c.college_id: c for c in colleges}
    entries = []
    strays: list[dict[str, Any]] = []
    for membership in active_roll(cooperative):
        frozen = by_college.get(membership.college_id) if config else colleges[0]
        if frozen is None:
            strays.append({"member_id": membership.member_id, "name": membership.member.name})
            continue
        entries.append(
            RollEntry(
                vote=vote,
                membership=membership,
                member=membership.member,
                vote_college=frozen,
                college_weight=frozen.weight,
            )
        )
    if strays:
        raise OpeningBlocked(
            code="roll_incomplete",
            message=_(
                "Some active members belong to no current college: %(names)s. Move "
                "them to a college first."
            )
            % {"names": ", ".join(s["name"] for s in strays)},
            details={"members": strays},
        )
    if not entries:
        raise OpeningBlocked(
            code="roll_empty", message=_("The cooperative has no active member to vote.")
        )
    VoteCollege.objects.bulk_create(colleges)
    RollEntry.objects.bulk_create(entries, batch_size=2000)
    for college in colleges:
        college.eligible = sum(1 for e in entries if e.vote_college is college)
    VoteCollege.objects.bulk_update(colleges, ["eligible"])
    if vote.proposal is not None:
        proposal_start_voting(actor=actor, proposal=vote.proposal)
    vote.status = VoteStatus.OPEN
    vote.opened_at = now
    vote.rules_version = rules_version
    vote.college_config_version = config
    vote.schedule_error = ""
    if vote.is_secret and vote.ballot_key_id is None:
        vote.ballot_key = ballot_key_create()
    vote.save(
        update_fields=[
            "status",
            "opened_at",
            "rules_version",
            "college_config_version",
            "schedule_error",
            "ballot_key",
        ]
    )
    audit(
        actor,
        "vote.opened",
        vote,
        vote,
        rules_version=rules_version.number,
        college_config_version=config.number if config else None,
        eligible=len(entries),
        proxies_allowed=rules.proxies_allowed,
        proxy_cap=rules.proxy_cap,
        colleges=[
            {"key": c.key, "name": c.name, "weight": str(c.weight), "eligible": c.eligible}
            for c in colleges
        ],
        small_colleges=[c.key for c in selectors.small_colleges(vote, colleges)],
    )
    outbox_emit(
        cooperative_id=cooperative.pk,
        type=events.VOTE_OPENED,
        data=events.vote_opened_payload(vote, eligible=len(entries)),
        payload_version=events.PAYLOAD_VERSION,
    )
    emit_room(
        vote, events.ROOM_VOTE_OPENED, events.room_opened_data(vote, selectors.vote_turnout(vote))
    )
    return vote


def _freeze_colleges(vote: Vote, config: Any) -> list[VoteCollege]:
    weights = college_weights(config)
    if not weights:
        return [
            VoteCollege(
                vote=vote,
                college=None,
                key=SINGLE_COLLEGE_KEY,
                name=_("All members"),
                weight=fraction_str(Fraction(1)),
                eligible=0,
                position=0,
            )
        ]
    colleges = []
    for position, weight in enumerate(config.weights.all()):
        colleges.append(
            VoteCollege(
                vote=vote,
                college=weight.college,
                key=f"c{weight.college_id}",
                name=weight.college.name,
                weight=fraction_str(weights[weight.college_id]),
                eligible=0,
                position=position,
            )
        )
    return colleges


@transaction.atomic
def vote_close(
    *,
    actor: Person | SystemActor,
    vote: Vote,
    now: dt.datetime | None = None,
    attendance: Mapping[str, int] | None = None,
    via_booth: bool = False,
) -> Decision:
    """Close an open vote: tally it under its frozen rules and store the Decision.

    The board, or the scheduler (`SCHEDULER`); a vote with a booth only through it
    (`via_booth`: an assembly closes its point with the attendance of the call). With
    `attendance` (vote college key -> members counted as taking part, e.g. present,
    remote, represented and postal at an assembly), the quorum is computed from those
    counts instead of from the ballots; each college must be given, with at least its
    ballots and at most its roll (`invalid_attendance`).
    Locks the vote row exclusively, so no cast is half-done when the count is taken. A
    secret vote's sealed ballots are opened into its box and its key destroyed first, in
    this transaction (voting.services.box.box_fill); the tally reads the box.
    Appends an audit entry binding the result's hash and stores that entry's hash on the
    decision; records the outcome on the proposal; emits `vote.closed` and
    `decision.adopted` or `decision.rejected`; pushes the final result.
    """
    vote = lock_vote(vote.pk)
    require_board(actor, vote.cooperative)
    require_booth(vote, via_booth, managing=True)
    now = now or timezone.now()
    if vote.status != VoteStatus.OPEN:
        raise VoteStateError(
            code="vote_not_open",
            message=_("Only an open vote can close; this one is %(status)s.")
            % {"status": vote.get_status_display()},
        )
    if vote.is_secret:
        box_fill(vote)
    try:
        outcome = selectors.vote_tally(vote, attendance=attendance)
    except TallyInputError as exc:
        if attendance is None:
            raise
        raise InvalidInput(
            code="invalid_attendance",
            message=_("The attendance given does not fit the roll and the ballots: %(problem)s")
            % {"problem": str(exc)},
        ) from exc
    assert vote.rules_version is not None
    decision = Decision.objects.create(
        cooperative=vote.cooperative,
        vote=vote,
        proposal=vote.proposal,
        outcome=outcome.outcome,
        adopted=outcome.adopted,
        result=outcome.result,
        explanation=explain_en(outcome.parts),
        rules_version=vote.rules_version.number,
        college_config_version=(
            vote.college_config_version.number if vote.college_config_version else None
        ),
        audit_hash="",
        decided_at=now,
    )
    vote.status = VoteStatus.CLOSED
    vote.closed_at = now
    vote.save(update_fields=["status", "closed_at"])
    entry = audit(
        actor,
        "vote.closed",
        vote,
        decision,
        decision_id=decision.pk,
        outcome=decision.outcome,
        adopted=decision.adopted,
        rules_version=decision.rules_version,
        college_config_version=decision.college_config_version,
        quorum_basis=_quorum_basis(outcome.result),
        result_sha256=result_digest(decision.result),
    )
    decision.audit_hash = entry.hash
    # The entry's position was given under the head lock this transaction now holds until
    # it commits: as a feed cursor it follows commit order (see Decision.feed_position).
    decision.feed_position = entry.pk
    decision.save(update_fields=["audit_hash", "feed_position"])
    if vote.proposal is not None:
        proposal_record_outcome(
            actor=actor, proposal=vote.proposal, adopted=decision.adopted, decision_id=decision.pk
        )
    outbox_emit(
        cooperative_id=vote.cooperative_id,
        type=events.VOTE_CLOSED,
        data=events.vote_closed_payload(vote, decision),
        payload_version=events.PAYLOAD_VERSION,
    )
    outbox_emit(
        cooperative_id=vote.cooperative_id,
        type=events.decision_event_type(decision),
        data=events.decision_payload(decision),
        payload_version=events.PAYLOAD_VERSION,
    )
    emit_room(vote, events.ROOM_VOTE_CLOSED, events.room_closed_data(vote, decision))
    return decision


def _quorum_basis(result: dict[str, Any]) -> Any:
    quorum = result["quorum"]
    return quorum["basis"] if isinstance(quorum, dict) else None


def result_digest(result: Any) -> str:
    """sha256 of the result in canonical JSON, so the audit chain vouches for the figures."""
    canonical = json.dumps(result, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


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
