"""The quorum of a resolution counts who takes part in the call, and its vote takes ballots
only through the assembly's booth."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from assemblies import services
from assemblies.models import Attendance
from governance import services as governance
from tests.assemblies.factories import (
    FIRST_CALL,
    T0,
    SmallCoop,
    cast,
    check_in,
    item,
    make_assembly,
    member,
    resolution,
    small_coop,
)
from voting import services as voting
from voting.errors import UseAssemblyBooth
from voting.models import Ballot, Decision

pytestmark = pytest.mark.django_db
MINUTE = dt.timedelta(minutes=1)


def _half_quorum_in_session(coop: SmallCoop):
    """An ordinary assembly needing half the members, opened with Workers and Users (8 of
    16) signed in."""
    governance.rules_update(
        actor=coop.chair,
        cooperative=coop.cooperative,
        changes={"ordinary": {"quorum_first_call": Fraction(1, 2)}},
    )
    assembly = make_assembly(coop.cooperative, chair=coop.chair)
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    check_in(
        assembly, coop.usernames("Workers") + coop.usernames("Users"), at=FIRST_CALL, by=coop.chair
    )
    services.assembly_open(actor=coop.chair, assembly=assembly, now=FIRST_CALL)
    services.item_open(actor=coop.chair, item=item(assembly), now=FIRST_CALL + MINUTE)
    return assembly


def test_members_signed_in_who_do_not_vote_count_for_the_quorum_of_a_resolution():
    coop = small_coop()
    assembly = _half_quorum_in_session(coop)
    # Two ballots of sixteen members would miss a quorum of one half; eight take part.
    for username in coop.usernames("Workers")[:2]:
        cast(resolution(assembly), username, "for", at=FIRST_CALL + 2 * MINUTE)
    services.item_close(actor=coop.chair, item=item(assembly), now=FIRST_CALL + 3 * MINUTE)

    decision = Decision.objects.get(vote=resolution(assembly).vote)
    assert (decision.outcome, decision.adopted) == ("adopted", True)
    quorum = decision.result["quorum"]
    assert (quorum["basis"], Fraction(quorum["ratio"]), quorum["reached"]) == (
        "attendance",
        Fraction(1, 2),
        True,
    )
    attending = {
        c["name"]: (c["voted"], c["attending"]) for c in decision.result["tally"]["colleges"]
    }
    assert attending == {
        "Workers": (2, 4),
        "Users": (0, 4),
        "Suppliers": (0, 0),
        "Authorities": (0, 0),
    }


def test_a_member_who_voted_and_left_still_took_part():
    coop = small_coop()
    assembly = _half_quorum_in_session(coop)
    leaver = coop.usernames("Workers")[0]
    cast(resolution(assembly), leaver, "for", at=FIRST_CALL + 2 * MINUTE)
    services.attendance_check_out(
        actor=coop.chair,
        attendance=Attendance.objects.get(member=member(coop.cooperative, leaver)),
        now=FIRST_CALL + 2 * MINUTE,
    )
    services.item_close(actor=coop.chair, item=item(assembly), now=FIRST_CALL + 3 * MINUTE)

    decision = Decision.objects.get(vote=resolution(assembly).vote)
    # Seven still signed in, and the leaver's ballot: eight of sixteen.
    assert Fraction(decision.result["quorum"]["ratio"]) == Fraction(1, 2)
    assert decision.adopted is True


def test_ballots_and_proxies_from_outside_the_booth_are_refused():
    coop = small_coop()
    assembly = _half_quorum_in_session(coop)
    vote = resolution(assembly).vote
    assert vote.booth == "assembly"
    workers = coop.people["Workers"]
    with pytest.raises(UseAssemblyBooth):
        voting.ballot_cast(actor=workers[0], vote=vote, choice="for")
    with pytest.raises(UseAssemblyBooth):
        voting.proxy_give(
            actor=workers[0], vote=vote, holder_id=member(coop.cooperative, workers[1].username).pk
        )
    assert not Ballot.objects.filter(vote=vote).exists()
    cast(resolution(assembly), workers[0].username, "for", at=FIRST_CALL + 2 * MINUTE)
    assert Ballot.objects.filter(vote=vote, is_current=True).count() == 1
