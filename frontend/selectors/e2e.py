"""Reads for the pages of a vote counted end to end: the encrypting booth of each roll
entry the viewer votes for, and the read-only bulletin board of one college's election."""

from __future__ import annotations

import json
from typing import Any

from django.urls import reverse

from elections import selectors as election_selectors
from elections.models import Election, ElectionStatus, EncryptedBallot, Voter
from voting.models import ResolutionChoice, RollEntry, Vote, VoteMethod, VoteStatus


def bulletin_links(vote: Vote) -> list[dict[str, Any]]:
    """One bulletin board per college, in the colleges' order (empty for a vote counted on
    the server)."""
    elections = Election.objects.filter(vote=vote).select_related("vote_college")
    return [
        {
            "college": e.vote_college.name,
            "uuid": e.uuid,
            "url": reverse("frontend:vote_bulletin", kwargs={"pk": vote.pk, "uuid": e.uuid}),
        }
        for e in elections.order_by("vote_college__position", "id")
    ]


def _questions(vote: Vote, election_text: str) -> list[dict[str, Any]]:
    """The election file's questions with the labels the booth shows: one group of radio
    buttons (exactly one choice) or of check boxes (min..max) per question."""
    labels = dict(ResolutionChoice.choices)
    questions = []
    for index, q in enumerate(json.loads(election_text)["questions"]):
        if vote.method == VoteMethod.RESOLUTION:
            answers = [str(labels.get(a, a)) for a in q["answers"]]
            legend = vote.title
        else:
            answers = list(q["answers"])
            legend = q["question"]
        questions.append(
            {
                "index": index,
                "legend": legend,
                "single": q["min"] == 1 and q["max"] == 1,
                "answers": list(enumerate(answers)),
            }
        )
    return questions


def e2e_booth(vote: Vote, entries: list[RollEntry]) -> dict[str, Any]:
    """For each roll entry the viewer votes for: its college's election (the exact file
    the browser encrypts against), its public credential (for the browser's check of a
    typed credential) and the tracker of its counted encrypted ballot, if any."""
    elections = {
        e.vote_college_id: e
        for e in Election.objects.filter(vote=vote).select_related("vote_college")
    }
    if not elections:
        return {}
    voters = {
        v.roll_entry_id: v
        for v in Voter.objects.filter(
            election__in=elections.values(), roll_entry__in=[e.pk for e in entries]
        )
    }
    counted = dict(
        EncryptedBallot.objects.filter(voter__in=voters.values(), is_current=True).values_list(
            "voter_id", "tracker"
        )
    )
    ballots = []
    for entry in entries:
        election = elections.get(entry.vote_college_id)
        if election is None:
            continue
        voter = voters.get(entry.pk)
        ballots.append(
            {
                "entry": entry,
                "election": election,
                "script_id": f"e2e-election-{election.pk}-{entry.pk}",
                "public_credential": voter.credential if voter else "",
                "tracker": counted.get(voter.pk, "") if voter else "",
                "questions": _questions(vote, election.election_text),
                "takes_ballots": election.status == ElectionStatus.OPEN
                and vote.status == VoteStatus.OPEN,
            }
        )
    return {"e2e": {"ballots": ballots, "boards": bulletin_links(vote)}}


def assembly_booth_ballots(resolution: Any, vote: Vote, entries: list[RollEntry]) -> list[Any]:
    """The encrypting booth's forms of one assembly resolution counted end to end, one per
    member the viewer votes for, posting to the assembly's booth (which checks that the
    member is signed in to the call)."""
    if not vote.is_secret or not entries:
        return []
    ballots: list[Any] = e2e_booth(vote, entries).get("e2e", {}).get("ballots", [])
    url = reverse(
        "api-assembly-e2e-ballots",
        kwargs={"pk": resolution.item.assembly_id, "resolution_id": resolution.pk},
    )
    for ballot in ballots:
        ballot["cast_url"] = url
        ballot["member_id"] = ballot["entry"].member_id
    return ballots


def server_encrypted_ballots(election: Election) -> int:
    """Sealed ballots of the college, counted in the clear beside the decrypted totals:
    recorded at the close, still on the roll before it."""
    if election.status == ElectionStatus.TALLIED:
        return election.fallback_ballots
    return RollEntry.objects.filter(
        vote=election.vote_id, vote_college=election.vote_college_id, sealed_ballot__isnull=False
    ).count()


def bulletin_board(election: Election) -> dict[str, Any]:
    """What the bulletin board page states besides its pages of events and trackers."""
    summary = election_selectors.bulletin_summary(election)
    questions = json.loads(election.election_text)["questions"]
    result = None
    if election.result is not None:
        vote = election.vote
        shown = _questions(vote, election.election_text)
        result = [
            {
                "legend": q["legend"],
                "rows": [(label, n) for (_i, label), n in zip(q["answers"], row, strict=True)],
            }
            for q, row in zip(shown, election.result, strict=True)
        ]
    return {
        "election": election,
        "summary": summary,
        "questions": questions,
        "server_generated": summary["server_generated_credentials"],
        "server_encrypted": server_encrypted_ballots(election),
        "voters": election.voters.count(),
        "result": result,
    }


def event_rows(entries: Any) -> list[dict[str, Any]]:
    """An event page's rows: height, type, the event's hash (its file name, which the next
    event names as its parent) and its parent."""
    rows = []
    for entry in entries:
        event = json.loads(entry.content)
        rows.append(
            {
                "height": entry.height,
                "type": entry.event_type,
                "hash": entry.name.split(".")[0],
                "parent": event.get("parent") or "",
                "payload": event.get("payload") or "",
            }
        )
    return rows
