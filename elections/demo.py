"""The demo's vote counted end to end: an electoral board whose key ceremony is played at
load time, and an open secret resolution whose voters' credentials are on disk."""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from elections import services
from elections.models import CredentialMode, Election, ElectoralBoard, Trustee, TrusteeRole
from governance.models import Cooperative, DecisionKind, Person
from verifiable.election import Election as BeleniosElection
from verifiable.election import create_ballot
from verifiable.group import SystemRandomness
from voting import services as voting
from voting.models import ResolutionChoice, RollEntry, Vote

# The trustee tool is its own package (`pip install ./trustee`) and imports nothing of the
# server; the demo plays the trustees and the credential authority with that very code, so
# it reaches the package from the source tree as the tests do. Only this demo module does:
# the server itself never runs a trustee's step.
sys.path.insert(0, str(Path(settings.BASE_DIR) / "trustee"))

from collegia_trustee import ceremony as trustee_tool  # noqa: E402
from collegia_trustee import credentials as authority_tool  # noqa: E402

E2E_VOTE_TITLE = "Accord sur les livraisons de nuit"
E2E_VOTE_TEXT = (
    "Le conseil propose un accord encadrant les livraisons après 22 h : volontariat, "
    "majoration de 25 %, retour accompagné. Vote à bulletin secret, chiffré de bout en "
    "bout : chaque navigateur chiffre son bulletin, le bureau électoral ne déchiffre que "
    "les totaux de chaque collège."
)
# The board's seats: the chair of the cooperative's board presides, a director and the
# treasurer scrutinise, two couriers stand in.
TRUSTEES = (
    ("claire", TrusteeRole.CHAIR),
    ("karim", TrusteeRole.SCRUTINEER),
    ("yanis", TrusteeRole.SCRUTINEER),
    ("sofia", TrusteeRole.SUBSTITUTE),
    ("mehdi", TrusteeRole.SUBSTITUTE),
)
# Members who cast an encrypted ballot at load time (for, against, abstain in turn), so
# the bulletin boards show trackers; Léa, the demo's plain member, votes herself.
EARLY_VOTERS = ("yanis", "sofia", "mehdi", "ines", "paul", "chloe", "marion", "antoine")


def secrets_dir() -> Path:
    """Where the demo writes the trustees' keys and the voters' private credentials: a
    git-ignored folder readable by its owner only."""
    folder = Path(settings.DEMO_SECRETS_DIR)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", newline="") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


def trustee_key_path(index: int, username: str) -> Path:
    return secrets_dir() / f"trustee-{index}-{username}.json"


def credentials_path() -> Path:
    return secrets_dir() / "credentials.csv"


@transaction.atomic
def load_demo_election(cooperative: Cooperative) -> bool:
    """Name and key the electoral board of the current year, then set the demo's secret
    resolution up end to end, once each; return whether the vote was added now."""
    board = ElectoralBoard.objects.filter(
        cooperative=cooperative, year=timezone.localdate().year
    ).first()
    if board is None:
        board = _keyed_board(cooperative)
    if Vote.objects.filter(cooperative=cooperative, title=E2E_VOTE_TITLE).exists():
        return False
    _e2e_vote(cooperative, board)
    return True


def _keyed_board(cooperative: Cooperative) -> ElectoralBoard:
    """The board, its ceremony run step by step with the trustee tool's own functions
    (each step posted through the services that check it), the key files written."""
    chair = Person.objects.get(username="claire")
    people = {p.username: p for p in Person.objects.filter(username__in=[u for u, _r in TRUSTEES])}
    year = timezone.localdate().year
    board = services.electoral_board_create(
        actor=chair,
        cooperative=cooperative,
        year=year,
        name=f"Bureau de vote {year}",
        members=[(people[u], role) for u, role in TRUSTEES],
        bulletin_public=False,
    )
    keys = play_ceremony(board)
    trustees = list(board.trustees.select_related("person").order_by("index"))
    for t, key in zip(trustees, keys, strict=True):
        # The very file `collegia-trustee decrypt --key` reads.
        _write_private(trustee_key_path(t.index, t.person.username), json.dumps(key, indent=1))
    return board


def play_ceremony(
    board: ElectoralBoard, keys: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Play every trustee's steps of the key ceremony with the trustee tool's own
    functions, each step posted through the service that checks it, and return each
    trustee's private key (by index). With `keys`, the trustees' keys already made, and
    the certificates already posted are not posted again."""
    trustees = list(board.trustees.select_related("person").order_by("index"))
    if keys is None:
        keys = [
            trustee_tool.new_key(index=t.index, size=board.size, threshold=board.threshold)
            for t in trustees
        ]
    for t, key in zip(trustees, keys, strict=True):
        if t.certificate is None:
            services.trustee_post_certificate(
                actor=t.person, board=board, certificate=key["certificate"]
            )
    certificates = [t.certificate for t in Trustee.objects.filter(board=board).order_by("index")]
    for t, key in zip(trustees, keys, strict=True):
        services.trustee_post_commitments(
            actor=t.person, board=board, **trustee_tool.commitments(key, certificates)
        )
    posted = list(Trustee.objects.filter(board=board).order_by("index"))
    for t, key in zip(trustees, keys, strict=True):
        shares: list[Any] = [p.shares[t.index - 1] for p in posted]
        vk = trustee_tool.verification_key(key, certificates, [p.coefexps for p in posted], shares)
        services.trustee_post_verification_key(actor=t.person, board=board, verification_key=vk)
    board.refresh_from_db()
    return keys


def _e2e_vote(cooperative: Cooperative, board: ElectoralBoard) -> Vote:
    """Open the secret resolution, set it up under the board's key with a credential
    authority (the first scrutineer, played here with the tool's code), write each voter's
    private credential, and cast a few encrypted ballots."""
    chair = Person.objects.get(username="claire")
    vote = voting.vote_open(
        actor=chair,
        vote=voting.vote_create(
            actor=chair,
            cooperative=cooperative,
            method="resolution",
            title=E2E_VOTE_TITLE,
            description=E2E_VOTE_TEXT,
            decision_kind=DecisionKind.ORDINARY,
            is_secret=True,
        ),
    )
    elections = services.e2e_setup(
        actor=chair, vote=vote, board=board, credential_mode=CredentialMode.AUTHORITY
    )
    rows = []
    private: dict[int, str] = {}
    for election in elections:
        roll = RollEntry.objects.filter(vote=vote, vote_college=election.vote_college_id)
        public = {}
        for entry in roll.select_related("member__person").order_by("member__name", "pk"):
            credential = authority_tool.new_credential()
            private[entry.pk] = credential
            public[str(entry.pk)] = authority_tool.public_credential(election.uuid, credential)
            person = entry.member.person
            rows.append(
                [
                    person.username if person else "",
                    entry.member.name,
                    election.vote_college.name,
                    election.uuid,
                    credential,
                ]
            )
        assert election.authority is not None
        services.e2e_credentials_post(
            actor=election.authority, election=election, credentials=public
        )
    _write_credentials(rows)
    _cast_early(vote, elections, private)
    return vote


def _write_credentials(rows: list[list[str]]) -> None:
    lines: list[str] = []

    class _Lines:
        def write(self, text: str) -> None:
            lines.append(text)

    writer = csv.writer(_Lines())
    writer.writerow(["username", "member", "college", "election", "credential"])
    writer.writerows(rows)
    _write_private(credentials_path(), "".join(lines))


def _cast_early(vote: Vote, elections: list[Election], private: dict[int, str]) -> None:
    """Ballots made as the browser's booth makes them, from the election file."""
    by_college = {e.vote_college_id: e for e in elections}
    entries = RollEntry.objects.filter(
        vote=vote, member__person__username__in=EARLY_VOTERS
    ).select_related("member__person")
    answers = [ResolutionChoice.FOR, ResolutionChoice.AGAINST, ResolutionChoice.ABSTAIN]
    for i, entry in enumerate(sorted(entries, key=lambda e: EARLY_VOTERS.index(_username(e)))):
        person = entry.member.person
        if person is None:
            continue
        election = by_college[entry.vote_college_id]
        choice = [[1 if a == answers[min(i % 4, 2)] else 0 for a in answers]]
        ballot = _ballot(election, private[entry.pk], choice)
        services.e2e_ballot_cast(actor=person, election=election, ballot=ballot)


def _username(entry: RollEntry) -> str:
    person = entry.member.person
    return person.username if person else ""


def _ballot(election: Election, credential: str, choices: list[list[int]]) -> str:
    belenios = BeleniosElection.from_election_file(election.election_text)
    return create_ballot(belenios, credential, choices, SystemRandomness())
