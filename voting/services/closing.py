"""Closing a vote: the tally, the decision it stores and the digest of its result."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import SystemActor
from core.errors import InvalidInput
from core.outbox import outbox_emit
from deliberation.services import proposal_record_outcome
from governance.models import (
    Person,
)
from governance.permissions import require_board
from voting import events, selectors
from voting.errors import VoteStateError
from voting.explain import explain_en
from voting.models import (
    Decision,
    Vote,
    VoteStatus,
)
from voting.notices import notify_vote_result
from voting.services._common import audit, emit_room, lock_vote, require_booth
from voting.services.box import box_fill
from voting.tally import TallyInputError


@transaction.atomic
def vote_close(
    *,
    actor: Person | SystemActor,
    vote: Vote,
    now: dt.datetime | None = None,
    attendance: Mapping[str, int] | None = None,
    via_booth: bool = False,
    verified_counts: Sequence[tuple[str, Any, int]] = (),
    attest: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
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
    A vote counted end to end (the `elections` app) closes only through its electoral
    close, which passes the decrypted `verified_counts` (college key, choice, ballots),
    tallied with the box, and `attest`, called with the result before it is stored and
    returning what the decision records of its proof (the proof bundle's hash).
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
    if attest is None and getattr(vote, "e2e", None) is not None and vote.e2e.exists():
        raise VoteStateError(
            code="vote_counted_end_to_end",
            message=_("This vote is counted end to end: close it through its electoral board."),
        )
    if vote.is_secret:
        box_fill(vote)
    try:
        outcome = selectors.vote_tally(vote, attendance=attendance, extra_counts=verified_counts)
    except TallyInputError as exc:
        if attendance is None:
            raise
        raise InvalidInput(
            code="invalid_attendance",
            message=_("The attendance given does not fit the roll and the ballots: %(problem)s")
            % {"problem": str(exc)},
        ) from exc
    assert vote.rules_version is not None
    if attest is not None:
        outcome.result["verifiable"] = attest(outcome.result)
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
    notify_vote_result(vote, decision)
    return decision


def _quorum_basis(result: dict[str, Any]) -> Any:
    quorum = result["quorum"]
    return quorum["basis"] if isinstance(quorum, dict) else None


def result_digest(result: Any) -> str:
    """sha256 of the result in canonical JSON, so the audit chain vouches for the figures."""
    canonical = json.dumps(result, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
