"""Count closed votes again from their record and compare with the stored decisions."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from voting import selectors
from voting.models import Vote, VoteStatus
from voting.services.closing import result_digest


def recorded_attendance(result: dict[str, Any]) -> dict[str, int] | None:
    """The attendance the close counted the quorum from, when it did (an assembly's)."""
    quorum = result.get("quorum")
    if not isinstance(quorum, dict) or quorum.get("basis") != "attendance":
        return None
    parts = result.get("explanation_parts") or {}
    if isinstance(parts.get("attending_by_college"), dict):
        return dict(parts["attending_by_college"])
    return {college["key"]: college["attending"] for college in result["tally"]["colleges"]}


class Command(BaseCommand):
    help = (
        "Recount closed votes from what was recorded (the box of a secret vote, which is all "
        "that is left of its ballots) and say whether each gives the stored result."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("vote_ids", nargs="+", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        differ = []
        for vote_id in options["vote_ids"]:
            vote = (
                Vote.objects.select_related("rules_version", "decision")
                .filter(pk=vote_id, status=VoteStatus.CLOSED)
                .first()
            )
            if vote is None:
                raise CommandError(f"Vote {vote_id} is not a closed vote.")
            stored = vote.decision.result
            recount = selectors.vote_tally(vote, attendance=recorded_attendance(stored))
            source = "box" if vote.is_secret else "ballots"
            if result_digest(recount.result) == result_digest(stored):
                self.stdout.write(f"Vote {vote_id}: the {source} give the recorded result.")
            else:
                differ.append(vote_id)
                self.stdout.write(f"Vote {vote_id}: the {source} do NOT give the recorded result.")
        if differ:
            raise CommandError(f"Recount differs for vote(s) {', '.join(map(str, differ))}.")
