"""Scenarios of the end-to-end booth's browser test, run inside the test server's process:
an electoral board whose ceremony runs with the trustee tool's code, a secret resolution
counted end to end, the credential authority's credentials."""

from __future__ import annotations

from typing import Any

from elections import services
from elections.models import Election, EncryptedBallot
from elections.selectors import counted_trackers as board_trackers
from tests.elections.helpers import authority_credentials, name_board, run_ceremony
from tests.voting.factories import make_coop, make_vote


def e2e_vote() -> dict[str, Any]:
    """A Workers member's credential for the Workers election of an open secret vote."""
    coop = make_coop({"Workers": 2, "Users": 1, "Suppliers": 1, "Authorities": 1})
    made = name_board(coop)
    run_ceremony(made)
    vote = make_vote(coop, is_secret=True, title="Ouvrir le samedi")
    elections = services.e2e_setup(actor=coop.chair, vote=vote, board=made.board)
    credentials = {e.pk: authority_credentials(e) for e in elections}
    workers = Election.objects.get(vote=vote, vote_college__name="Workers")
    membership = coop.members["Workers"][0]
    entry = workers.vote_college.roll.get(membership=membership)
    other = workers.vote_college.roll.exclude(pk=entry.pk).get()
    return {
        "username": membership.member.person.username,
        "vote": vote.pk,
        "uuid": workers.uuid,
        "election": workers.election_text,
        "credential": credentials[workers.pk][entry.pk],
        "other_credential": credentials[workers.pk][other.pk],
    }


def counted_trackers(*, uuid: str) -> list[str]:
    """The bulletin board's sorted trackers of the counted ballots."""
    return board_trackers(Election.objects.get(uuid=uuid))


def ballots_received(*, uuid: str) -> int:
    return EncryptedBallot.objects.filter(election__uuid=uuid).count()


def assembly_e2e_booth() -> dict[str, Any]:
    """An assembly in session whose open point is counted end to end, with a Workers member
    signed in to the call and their credential."""
    import datetime as dt

    from assemblies import services as assembly_services
    from tests.assemblies.factories import (
        FIRST_CALL,
        T0,
        check_in,
        item,
        make_assembly,
        member,
        resolution,
        small_coop,
    )

    coop = small_coop()
    made = name_board(coop)
    run_ceremony(made)
    assembly = make_assembly(coop.cooperative, chair=coop.chair, resolutions=["Ouvrir le samedi"])
    type(item(assembly, 1)).objects.filter(pk=item(assembly, 1).pk).update(is_secret=True)
    assembly_services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    check_in(assembly, coop.everyone, at=FIRST_CALL, by=coop.chair)
    assembly_services.assembly_open(actor=coop.chair, assembly=assembly, now=FIRST_CALL)
    assembly_services.item_open(
        actor=coop.chair, item=item(assembly, 1), now=FIRST_CALL + dt.timedelta(minutes=3)
    )
    counted = resolution(assembly, 1)
    elections = services.e2e_setup(actor=coop.chair, vote=counted.vote, board=made.board)
    credentials = {e.pk: authority_credentials(e) for e in elections}
    username = coop.usernames("Workers")[0]
    voter = member(coop.cooperative, username)
    voter.person.set_password("pw")
    voter.person.save(update_fields=["password"])
    workers = Election.objects.get(vote=counted.vote, vote_college__roll__member=voter)
    entry = workers.vote_college.roll.get(member=voter)
    return {
        "username": username,
        "assembly": assembly.pk,
        "uuid": workers.uuid,
        "credential": credentials[workers.pk][entry.pk],
    }


# The board's pages: the trustees' keys stay in the server process between two calls, as
# they stay on each trustee's computer between two steps.
_BOARD_KEYS: dict[int, list[dict[str, Any]]] = {}


def e2e_board_coop() -> dict[str, Any]:
    """A cooperative whose chair names an electoral board in the browser, with five
    people to seat and an open secret vote to count end to end."""
    coop = make_coop({"Workers": 3, "Users": 2, "Suppliers": 1, "Authorities": 1})
    people = coop.people("Workers") + coop.people("Users")
    vote = make_vote(coop, is_secret=True, title="Renouveler la flotte de vélos")
    return {
        "chair": coop.chair.username,
        "slug": coop.cooperative.slug,
        "people": [p.pk for p in people],
        "names": [str(p) for p in people],
        "vote": vote.pk,
    }


def e2e_board_certificates(*, board: int) -> None:
    """Every trustee takes the ceremony's first step with the trustee tool's code."""
    from elections.models import ElectoralBoard
    from tests.elections.helpers import tool

    made = ElectoralBoard.objects.get(pk=board)
    trustees = list(made.trustees.select_related("person").order_by("index"))
    keys = [tool.new_key(index=t.index, size=made.size, threshold=made.threshold) for t in trustees]
    _BOARD_KEYS[board] = keys
    for t, key in zip(trustees, keys, strict=True):
        services.trustee_post_certificate(
            actor=t.person, board=made, certificate=key["certificate"]
        )


def e2e_board_finish(*, board: int) -> str:
    """The commitments and verification keys of every trustee; the board's election key."""
    from elections.models import ElectoralBoard
    from tests.elections.helpers import Board, run_ceremony_from

    made = ElectoralBoard.objects.get(pk=board)
    people = [t.person for t in made.trustees.select_related("person").order_by("index")]
    return run_ceremony_from(Board(made, people, _BOARD_KEYS[board])).public_key
