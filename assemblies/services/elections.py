"""Board elections: candidacies, who takes the seats (reserved ones first), board roles."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assemblies import events
from assemblies.errors import AssemblyStateError, ElectionError, ItemStateError
from assemblies.models import (
    BEFORE_MEETING_STATUSES,
    AgendaItem,
    AssemblyStatus,
    Candidate,
    Election,
    ItemKind,
    ItemStatus,
    Resolution,
)
from assemblies.room import room_emit
from assemblies.services._common import add_years, audit, current, is_board, lock_assembly
from assemblies.services.preparation import TITLE_MAX
from governance import services as governance
from governance.errors import BoardOnly
from governance.models import BoardRole, Person
from governance.selectors import members_acting_person


@transaction.atomic
def candidate_add(
    *,
    actor: Person,
    item: AgendaItem,
    person: Person | None = None,
    member_id: int | None = None,
    statement: str = "",
    board_backed: bool = False,
    now: dt.datetime | None = None,
) -> Candidate:
    """Register a candidate for a board election, until the meeting opens.

    A person stands for themself, or the board registers them; the candidate must act for
    an active member (as a member, or as the representative of a legal person), whose
    college counts for reserved seats. Creates the candidate's resolution. Audited.
    """
    assembly = lock_assembly(item.assembly_id)
    board = is_board(actor, assembly)
    person = person or actor
    if person.pk != actor.pk and not board:
        raise BoardOnly(_("Only the board registers someone else's candidacy."))
    if assembly.status not in (AssemblyStatus.DRAFT, *BEFORE_MEETING_STATUSES):
        raise AssemblyStateError(message=_("Candidacies close when the meeting opens."))
    if item.kind != ItemKind.ELECTION or item.status != ItemStatus.PENDING:
        raise ItemStateError(message=_("This agenda item is not an election open to candidacies."))
    members = members_acting_person(assembly.cooperative, person, active=True)
    if member_id is not None:
        members = [m for m in members if m.pk == member_id]
    if not members:
        raise ElectionError(
            code="candidate_not_member",
            message=_("A candidate acts for an active member of the cooperative."),
        )
    if len(members) > 1:
        raise ElectionError(
            code="member_required",
            message=_("Say for which member the candidate stands (member_id)."),
            details={"members": [{"id": m.pk, "name": m.name} for m in members]},
        )
    member = members[0]
    election = item.election
    if Candidate.objects.filter(election=election, person=person).exists():
        raise ElectionError(
            code="already_candidate", message=_("%(p)s is already a candidate.") % {"p": person}
        )
    membership = member.memberships.filter(status="active").first()
    candidate = Candidate.objects.create(
        election=election,
        person=person,
        member=member,
        college=membership.college if membership else None,
        statement=(statement or "")[:2000],
        created_at=current(now),
    )
    Resolution.objects.create(
        item=item,
        candidate=candidate,
        board_backed=board_backed,
        title=(_("Election of %(name)s to the board") % {"name": person})[:TITLE_MAX],
    )
    audit(
        actor,
        "assembly.candidate_added",
        assembly,
        candidate,
        person=person.username,
        member_id=member.pk,
        item_id=item.pk,
    )
    return candidate


def _standing(candidate: Candidate) -> tuple[bool, Fraction, int]:
    """Whether the candidate's resolution was adopted, its weighted support and its yes
    votes, as stored in the decision."""
    vote = candidate.resolution.vote
    decision = getattr(vote, "decision", None) if vote is not None else None
    if decision is None:
        return False, Fraction(0), 0
    tally: dict[str, Any] = decision.result.get("tally", {})
    # No support is decided when a college without votes failed the resolution.
    support = Fraction(tally.get("support") or "0")
    yes = int(tally.get("totals", {}).get("yes", 0))
    return bool(decision.adopted), support, yes


def election_seats(election: Election) -> tuple[list[Candidate], int]:
    """The elected candidates, in order, and the number of seats left vacant.

    Only candidates whose resolution was adopted can be elected. They rank by weighted
    support, then by votes for, then by order of candidacy. Reserved seats go first to
    the best candidates of their college and stay vacant without one; the other seats go
    to the best of the rest, whatever their college.
    """
    candidates = list(
        election.candidates.select_related(
            "resolution", "resolution__vote", "resolution__vote__decision", "person"
        )
    )
    standings = {c.pk: _standing(c) for c in candidates}
    ranked = sorted(
        (c for c in candidates if standings[c.pk][0]),
        key=lambda c: (-standings[c.pk][1], -standings[c.pk][2], c.created_at, c.pk),
    )
    elected: list[Candidate] = []
    vacant = 0
    reserved_total = 0
    for reserved in election.reserved.all().order_by("id"):
        reserved_total += reserved.seats
        pool = [c for c in ranked if c.college_id == reserved.college_id and c not in elected]
        taken = pool[: reserved.seats]
        elected.extend(taken)
        vacant += reserved.seats - len(taken)
    open_seats = election.seats - reserved_total
    rest = [c for c in ranked if c not in elected][:open_seats]
    elected.extend(rest)
    vacant += open_seats - len(rest)
    return sorted(elected, key=ranked.index), vacant


@transaction.atomic
def election_declare(
    *, actor: Person, item: AgendaItem, now: dt.datetime | None = None
) -> list[Candidate]:
    """Declare the elected and give each a board role for the election's term (at most six
    years), starting on the day of the assembly; a sitting member re-elected has their
    seat renewed in place for the new term (keeping their office, and for a chair who runs
    the election the right to act). Called when the chair closes the election. Audited;
    pushed to the room."""
    now = current(now)
    election = Election.objects.select_for_update().get(item=item)
    assembly = item.assembly
    elected, vacant = election_seats(election)
    start = timezone.localdate(now)
    end = add_years(start, election.term_years)
    chosen = {c.pk for c in elected}
    renewed: list[int] = []
    for candidate in election.candidates.select_related("person"):
        candidate.elected = candidate.pk in chosen
        if candidate.elected:
            sitting = BoardRole.objects.filter(
                cooperative=assembly.cooperative, person=candidate.person, revoked_at__isnull=True
            ).first()
            if sitting is not None:
                candidate.board_role = governance.board_role_renew(
                    actor=actor, board_role=sitting, term_ends_on=end, renewed_on=start
                )
                renewed.append(candidate.pk)
            else:
                candidate.board_role = governance.board_role_grant(
                    actor=actor,
                    cooperative=assembly.cooperative,
                    person=candidate.person,
                    role=election.role,
                    started_on=start,
                    term_ends_on=end,
                )
        candidate.save(update_fields=["elected", "board_role"])
    election.declared_at = now
    election.save(update_fields=["declared_at"])
    summary = [
        {"candidate_id": c.pk, "person": str(c.person), "college_id": c.college_id} for c in elected
    ]
    audit(
        actor,
        "assembly.election_declared",
        assembly,
        election,
        item_id=item.pk,
        elected=summary,
        vacant=vacant,
        term_ends_on=end,
        renewed=renewed,
    )
    room_emit(
        assembly=assembly,
        type=events.ROOM_ELECTION_DECLARED,
        data={"item_id": item.pk, "elected": summary, "vacant": vacant, "term_ends_on": end},
    )
    return elected
