"""A board election counted end to end: each candidate's resolution is a Belenios election
per college, its totals decrypted by the trustees, and the seats are then given by the
assembly's own rules (reserved seats first, then weighted support), to the same people as
when the same ballots are sealed on the server."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from assemblies import services
from assemblies.models import AgendaItem, Candidate, ItemKind
from elections import services as e2e
from elections.models import Election, ProofBundle
from governance.models import College
from tests.assemblies.factories import FIRST_CALL, T0, cast, check_in, make_assembly, member
from tests.assemblies.factories import small_coop as make_coop
from tests.elections.helpers import (
    authority_credentials,
    booth_ballot,
    decrypt_with,
    name_board,
    run_ceremony,
)

pytestmark = pytest.mark.django_db
MINUTE = dt.timedelta(minutes=1)
VECTORS = {"for": [[1, 0, 0]], "against": [[0, 1, 0]], "abstain": [[0, 0, 1]]}
CANDIDATES = [("Workers", 0), ("Suppliers", 0), ("Users", 0), ("Workers", 1)]
VOTERS = [(name, i) for name in ("Workers", "Users", "Suppliers", "Authorities") for i in (0, 1)]


def _choice(candidate: int, n: int) -> str:
    """The first candidate has every vote; the second all but the users'; the third the
    users' and half the workers' and suppliers' (adopted, the lowest); the last none."""
    if candidate == 0:
        return "for"
    if candidate == 1:
        return "against" if n in (2, 3) else "for"
    if candidate == 2:
        return "for" if n in (0, 2, 3, 4) else "against"
    return "abstain" if n == 7 else "against"


def _run(*, end_to_end: bool) -> dict[int, tuple[bool, Fraction]]:
    """Candidate number -> (elected, weighted support), the election run to its close."""
    coop = make_coop()
    made = name_board(coop) if end_to_end else None
    if made is not None:
        run_ceremony(made)
    users = College.objects.get(cooperative=coop.cooperative, name="Users")
    assembly = make_assembly(coop.cooperative, chair=coop.chair, resolutions=[])
    item = services.agenda_item_add(
        actor=coop.chair,
        assembly=assembly,
        kind=ItemKind.ELECTION,
        title="Board election",
        seats=2,
        term_years=4,
        reserved=[(users, 1)],
    )  # type: ignore[arg-type]
    AgendaItem.objects.filter(pk=item.pk).update(is_secret=True)
    standing = [
        services.candidate_add(actor=coop.people[college][i], item=item, now=T0)
        for college, i in CANDIDATES
    ]
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    check_in(assembly, coop.everyone, at=FIRST_CALL, by=coop.chair)
    services.assembly_open(actor=coop.chair, assembly=assembly, now=FIRST_CALL)
    services.item_open(actor=coop.chair, item=item, now=FIRST_CALL + MINUTE)
    resolutions = [Candidate.objects.get(pk=c.pk).resolution for c in standing]
    voters = [coop.people[college][i] for college, i in VOTERS]
    for k, counted in enumerate(resolutions):
        if made is None:
            for n, person in enumerate(voters):
                cast(counted, person.username, _choice(k, n), at=FIRST_CALL + 2 * MINUTE)
            continue
        elections = e2e.e2e_setup(actor=coop.chair, vote=counted.vote, board=made.board)
        creds = {e.pk: authority_credentials(e) for e in elections}
        for n, person in enumerate(voters):
            voter = member(coop.cooperative, person.username)
            election = Election.objects.get(vote=counted.vote, vote_college__roll__member=voter)
            entry = election.vote_college.roll.get(member=voter)
            ballot = booth_ballot(
                election, creds[election.pk][entry.pk], VECTORS[_choice(k, n)], seed=f"{k}{n}"
            )
            services.assembly_e2e_ballot_cast(actor=person, resolution=counted, ballot=ballot)
        e2e.e2e_end_ballots(actor=coop.chair, vote=counted.vote)
        for election in Election.objects.filter(vote=counted.vote):
            decrypt_with(made, election, [2, 4, 5])
    services.item_close(actor=coop.chair, item=item, now=FIRST_CALL + 3 * MINUTE)
    if made is not None:
        # Every candidate's resolution was closed by the electoral close, with its bundle.
        assert ProofBundle.objects.filter(vote__in=[r.vote for r in resolutions]).count() == 4
    out = {}
    for k, c in enumerate(standing):
        c.refresh_from_db()
        decision = c.resolution.vote.decision
        out[k] = (c.elected, Fraction(decision.result["tally"]["support"]))
    return out


def test_an_election_counted_end_to_end_seats_the_same_candidates_as_sealed_ballots() -> None:
    counted = _run(end_to_end=True)
    assert counted == _run(end_to_end=False)
    # The reserved seat goes to the users' candidate, the other to the best supported.
    assert [k for k, (elected, _s) in counted.items() if elected] == [0, 2]
    assert counted[0][1] == 1 and counted[1][1] > counted[2][1] > Fraction(1, 2)
