"""Opening a vote: freezing its colleges, roll and rules, and making its ballot key."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import SystemActor
from core.outbox import outbox_emit
from deliberation.services import proposal_start_voting
from governance.models import (
    Cooperative,
    DecisionKind,
    Member,
    Membership,
    MembershipStatus,
    Person,
)
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
from voting.errors import OpeningBlocked, VoteStateError
from voting.models import (
    RollEntry,
    Vote,
    VoteCollege,
    VoteStatus,
)
from voting.notices import notify_vote_opened
from voting.sealing import ballot_key_create
from voting.services._common import audit, emit_room, lock_vote, require_booth
from voting.tally import fraction_str

SINGLE_COLLEGE_KEY = "all"


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
    if config:
        strays = list(
            active_roll(cooperative)
            .exclude(college_id__in=[c.college_id for c in colleges])
            .values("member_id", name=F("member__name"))
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
    VoteCollege.objects.bulk_create(colleges)
    eligible = _freeze_roll(vote, cooperative, colleges, by_college=bool(config))
    if not eligible:
        raise OpeningBlocked(
            code="roll_empty", message=_("The cooperative has no active member to vote.")
        )
    for college in colleges:
        college.eligible = eligible.get(college.pk, 0)
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
        eligible=sum(eligible.values()),
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
        data=events.vote_opened_payload(vote, eligible=sum(eligible.values())),
        payload_version=events.PAYLOAD_VERSION,
    )
    emit_room(
        vote, events.ROOM_VOTE_OPENED, events.room_opened_data(vote, selectors.vote_turnout(vote))
    )
    notify_vote_opened(vote, now=now)
    return vote


def _freeze_roll(
    vote: Vote, cooperative: Cooperative, colleges: list[VoteCollege], *, by_college: bool
) -> dict[int, int]:
    """Write the roll in one INSERT ... SELECT: every active membership, in name order,
    with its frozen college and that college's weight (without colleges, the one "all
    members" college). The statements do not grow with the roll. Returns vote college id ->
    members frozen in it."""
    entries = RollEntry._meta.db_table
    memberships = Membership._meta.db_table
    members = Member._meta.db_table
    frozen = VoteCollege._meta.db_table
    join = "vc.college_id = m.college_id" if by_college else "vc.id = %s"
    params: list[Any] = [vote.pk, vote.pk]
    if not by_college:
        params.append(colleges[0].pk)
    params += [cooperative.pk, MembershipStatus.ACTIVE]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {entries} (vote_id, membership_id, member_id, vote_college_id,"
            " college_weight, has_voted, voted_at, voted_via_proxy, sealed_ballot, tracker)"
            " SELECT %s, m.id, m.member_id, vc.id, vc.weight, false, NULL, false, NULL, ''"
            f" FROM {memberships} m JOIN {members} p ON p.id = m.member_id"
            f" JOIN {frozen} vc ON vc.vote_id = %s AND {join}"
            " WHERE m.cooperative_id = %s AND m.status = %s ORDER BY p.name, m.id",
            params,
        )
        if not cursor.rowcount:
            return {}
        cursor.execute(
            f"SELECT vote_college_id, count(*) FROM {entries} WHERE vote_id = %s GROUP BY 1",
            [vote.pk],
        )
        return {int(pk): int(count) for pk, count in cursor.fetchall()}


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
    for position, weight in enumerate(config.weights.select_related("college")):
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
