"""An electoral board of five whose ceremony runs through the services, each trustee with
the trustee tool's own code (trustee/collegia_trustee), and votes counted end to end."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from elections import services
from elections.demo import play_ceremony
from elections.models import ElectoralBoard, Trustee
from tests.governance.factories import PersonFactory
from tests.voting.factories import Coop
from verifiable.election import Election as BeleniosElection
from verifiable.election import create_ballot
from verifiable.group import SeededRandomness, sha256_b64

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "trustee"))

from collegia_trustee import ceremony as tool  # noqa: E402
from collegia_trustee import credentials as tool_credentials  # noqa: E402

ROLES = ["chair", "scrutineer", "scrutineer", "substitute", "substitute"]


@dataclass
class Board:
    board: ElectoralBoard
    people: list[Any]
    keys: list[dict[str, Any]] = field(default_factory=list)


def trustee_people(coop: Coop, count: int = len(ROLES)) -> list[Any]:
    """People who may sit on the electoral board without being on a vote's roll: directors
    of the cooperative's board (the service seats only the cooperative's people)."""
    from governance.services import board_role_grant

    people = [PersonFactory() for _ in range(count)]
    for person in people:
        board_role_grant(
            actor=coop.chair, cooperative=coop.cooperative, person=person, role="director"
        )
    return people


def name_board(coop: Coop, *, threshold: int = 3) -> Board:
    people = trustee_people(coop)
    board = services.electoral_board_create(
        actor=coop.chair,
        cooperative=coop.cooperative,
        year=2027,
        members=list(zip(people, ROLES, strict=True)),
        threshold=threshold,
    )
    return Board(board, people)


def run_ceremony(made: Board) -> ElectoralBoard:
    """The whole ceremony, each trustee's steps played with the trustee tool's code."""
    made.keys = play_ceremony(made.board)
    return made.board


def run_ceremony_from(made: Board) -> ElectoralBoard:
    """The ceremony's last two steps, once every trustee posted its certificate."""
    play_ceremony(made.board, made.keys)
    return made.board


def counted_vote(coop: Coop, **vote: Any) -> tuple[Board, Any, dict[str, Any], dict[int, Any]]:
    """A keyed electoral board and an open secret vote counted end to end under it: the
    board, the vote, its elections by college name, and each election's private
    credentials (by election id, then roll entry id)."""
    from tests.voting.factories import make_vote

    made = name_board(coop)
    run_ceremony(made)
    opened = make_vote(coop, is_secret=True, **vote)
    elections = services.e2e_setup(actor=coop.chair, vote=opened, board=made.board)
    creds = {e.pk: authority_credentials(e) for e in elections}
    return made, opened, {e.vote_college.name: e for e in elections}, creds


def authority_credentials(election: Any) -> dict[int, str]:
    """As the credential authority with the tool: roll entry id -> private credential."""
    private = {
        v: tool_credentials.new_credential()
        for v in election.vote_college.roll.values_list("pk", flat=True)
    }
    services.e2e_credentials_post(
        actor=election.authority,
        election=election,
        credentials={
            str(k): tool_credentials.public_credential(election.uuid, c) for k, c in private.items()
        },
    )
    return private


def booth_ballot(election: Any, credential: str, choices: list[list[int]], seed: str = "b") -> str:
    """What the browser's booth sends: a Belenios ballot made from the election file."""
    belenios = BeleniosElection.from_election_file(election.election_text)
    return create_ballot(belenios, credential, choices, SeededRandomness(seed + credential))


def decrypt_with(made: Board, election: Any, numbers: list[int]) -> None:
    from elections.services.closing import encrypted_tally
    from verifiable.formats import ciphertext_json

    tally, _n = encrypted_tally(election)
    rows = [[ciphertext_json(c.alpha, c.beta) for c in row] for row in tally]
    for number in numbers:
        pd = tool.partial_decryption(
            made.keys[number - 1], sha256_b64(election.election_text), rows
        )
        services.e2e_partial_decryption_post(
            actor=made.people[number - 1], election=election, partial_decryption=pd
        )


def trustee(board: ElectoralBoard, index: int) -> Trustee:
    return board.trustees.get(index=index)
