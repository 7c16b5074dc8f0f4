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
