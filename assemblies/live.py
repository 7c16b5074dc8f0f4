"""Turnout and running results pushed to the assembly's room, coalesced per resolution.

A ballot does not push an event of its own: after it commits it asks for a push, and one
push per resolution goes out at most every `COLLEGIA["TURNOUT_PUSH_SECONDS"]`, carrying
the figures read when it runs (as proposal rooms have it, voting.services.live). A room
of two thousand then hears one turnout event a second while ballots pour in, not one per
ballot. With the setting at 0, each ballot pushes within its own transaction.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction

from assemblies import events
from assemblies.models import Resolution
from assemblies.room import LOG
from core.live.coalesce import push_after_commit
from voting import selectors as voting_selectors


def turnout_changed(*, resolution_id: int) -> None:
    """Ask for a push of the resolution's turnout once the current transaction commits."""
    window = float(str(settings.COLLEGIA.get("TURNOUT_PUSH_SECONDS", 0)))
    if window <= 0:
        # No coalescing: the push is part of the ballot's own transaction.
        turnout_push(resolution_id=resolution_id)
        return
    push_after_commit(
        f"assembly-turnout:{resolution_id}",
        lambda: turnout_push(resolution_id=resolution_id),
        window=window,
    )


def turnout_push(*, resolution_id: int) -> None:
    """Push the resolution's turnout, and its running result when the vote shows it."""
    with transaction.atomic():
        resolution = (
            Resolution.objects.select_related("item", "vote").filter(pk=resolution_id).first()
        )
        if resolution is None or resolution.vote is None:
            return
        vote = resolution.vote
        assembly_id = resolution.item.assembly_id

        def turnout() -> dict[str, Any]:
            return {"resolution_id": resolution_id, "turnout": voting_selectors.vote_turnout(vote)}

        LOG.emit(assembly_id, type=events.ROOM_TURNOUT, data=turnout)
        if vote.results_live and not vote.is_secret:
            LOG.emit(
                assembly_id,
                type=events.ROOM_PARTIAL_RESULTS,
                data=lambda: {
                    "resolution_id": resolution_id,
                    "result": voting_selectors.vote_tally(vote).result,
                },
            )
