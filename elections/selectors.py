"""Reads of verifiable elections: a trustee's view of the ceremony and the bulletin board."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.db.models.functions import Collate

from elections.models import (
    ArchiveEntry,
    BoardStatus,
    Election,
    ElectoralBoard,
    EncryptedBallot,
    Trustee,
)
from governance.acting import people_acting_for_active_members
from governance.models import BoardRole, Person


def ceremony_step(board: ElectoralBoard, trustees: Sequence[Trustee]) -> str:
    """The step the ceremony waits for: every trustee posts each step before the next."""
    if board.status == BoardStatus.READY:
        return "done"
    for step, field in (
        ("certificates", "certificate"),
        ("commitments", "coefexps"),
        ("verification_keys", "verification_key"),
    ):
        if any(getattr(t, field) is None for t in trustees):
            return step
    return "done"


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


def counted_ballots_by_tracker(election: Election) -> QuerySet[EncryptedBallot]:
    """The ballots that count (the last of each credential), in the byte order of their
    trackers, as `sorted()` puts them: Base64, where case matters, which a database's
    language collation would fold. The bulletin board reads them a page at a time."""
    tracker = Collate("tracker", "C") if connection.vendor == "postgresql" else F("tracker")
    return (
        EncryptedBallot.objects.filter(election=election, is_current=True)
        .only("tracker")
        .order_by(tracker)
    )


def counted_trackers(election: Election) -> list[str]:
    """The trackers of the ballots that count, sorted."""
    return list(counted_ballots_by_tracker(election).values_list("tracker", flat=True))


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


def electoral_board_list(cooperative: Any) -> QuerySet[ElectoralBoard]:
    """The cooperative's electoral boards, newest year first, with their trustees."""
    return (
        ElectoralBoard.objects.filter(cooperative=cooperative)
        .prefetch_related(
            Prefetch(
                "trustees", queryset=Trustee.objects.select_related("person").order_by("index")
            )
        )
        .order_by("-year", "id")
    )


def ready_boards(cooperative: Any) -> QuerySet[ElectoralBoard]:
    """The boards whose key ceremony is complete: the ones a vote may be counted under."""
    return ElectoralBoard.objects.filter(
        cooperative=cooperative, status=BoardStatus.READY
    ).order_by("-year", "id")


def ceremony_progress(board: ElectoralBoard) -> dict[str, Any]:
    """Who posted which step of the key ceremony and which step it waits for: public facts
    only (what was posted, never the posts themselves)."""
    trustees = list(board.trustees.select_related("person").order_by("index"))
    return {
        "step": ceremony_step(board, trustees),
        "trustees": [
            {
                "index": t.index,
                "person": t.person,
                "role": t.get_role_display(),
                "certificate": t.certificate is not None,
                "commitments": t.coefexps is not None,
                "verification_key": t.verification_key is not None,
            }
            for t in trustees
        ],
    }


def trustee_candidates(
    cooperative: Any, query: str = "", *, limit: int = 100, pks: list[int] | None = None
) -> list[Any]:
    """People of the cooperative who may sit on its electoral board (those acting for one of
    its active members: governance.acting, and its board members), by name, at most
    `limit`; with `pks`, only those of them."""
    people = Person.objects.filter(is_active=True).filter(
        people_acting_for_active_members(cooperative.pk)
        | Q(pk__in=BoardRole.objects.sitting().filter(cooperative=cooperative).values("person"))
    )
    if pks is not None:
        people = people.filter(pk__in=pks)
        limit = len(pks)
    if query:
        people = people.filter(
            Q(display_name__icontains=query)
            | Q(username__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
        )
    return list(people.order_by("display_name", "username")[:limit])


def e2e_progress(vote: Any) -> list[dict[str, Any]]:
    """Per college of a vote counted end to end: its election's status, the ballots it
    counts and which trustees decrypted its totals, against the board's threshold."""
    elections = (
        Election.objects.filter(vote=vote)
        .select_related("vote_college", "board")
        .annotate(
            counted=Count("ballots", filter=Q(ballots__is_current=True), distinct=True),
            decrypted=Count("partial_decryptions", distinct=True),
        )
        .order_by("vote_college__position", "id")
    )
    return [
        {
            "election": e,
            "college": e.vote_college.name,
            "status": e.status,
            "status_label": e.get_status_display(),
            "counted": e.counted,
            "decrypted": e.decrypted,
            "threshold": e.board.threshold,
            "enough": e.decrypted >= e.board.threshold,
        }
        for e in elections
    ]
