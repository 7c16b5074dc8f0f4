"""Reads of verifiable elections: a trustee's view of the ceremony and the bulletin board."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from elections.models import ArchiveEntry, Election, ElectoralBoard, EncryptedBallot
from elections.services.boards import ceremony_step


def ceremony_state(board: ElectoralBoard, trustee: Any) -> dict[str, Any]:
    """What a trustee needs for its next step: the published certificates and commitments
    once every trustee has posted them, and the shares encrypted to it."""
    trustees = list(board.trustees.order_by("index"))
    step = ceremony_step(board, trustees)
    index = trustee.index
    everyone = {
        s: all(getattr(t, s) is not None for t in trustees) for s in ("certificate", "coefexps")
    }
    return {
        "step": step,
        "size": board.size,
        "threshold": board.threshold,
        "index": index,
        "mine": {
            "certificate": trustee.certificate is not None,
            "commitments": trustee.coefexps is not None,
            "verification_key": trustee.verification_key is not None,
        },
        "certificates": [t.certificate for t in trustees] if everyone["certificate"] else [],
        "coefexps": [t.coefexps for t in trustees] if everyone["coefexps"] else [],
        "shares_for_me": [t.shares[index - 1] for t in trustees] if everyone["coefexps"] else [],
        "public_key": board.public_key,
    }


def bulletin_events(election: Election) -> QuerySet[ArchiveEntry]:
    return election.entries.filter(height__isnull=False).order_by("height")


def counted_trackers(election: Election) -> list[str]:
    """Sorted trackers of the ballots that count (the last of each credential)."""
    return sorted(
        EncryptedBallot.objects.filter(election=election, is_current=True).values_list(
            "tracker", flat=True
        )
    )


def bulletin_summary(election: Election) -> dict[str, Any]:
    from verifiable.group import sha256_b64

    return {
        "uuid": election.uuid,
        "status": election.status,
        "college": election.vote_college.key,
        "fingerprint": sha256_b64(election.election_text),
        "election": election.election_text,
        "trustees": election.trustees_text,
        "public_credentials": election.credentials_text,
        "credential_mode": election.credential_mode,
        "server_generated_credentials": election.voters.filter(server_generated=True).count(),
        "server_encrypted_ballots": election.fallback_ballots,
        "counted_trackers": counted_trackers(election),
        "result": election.result,
    }
