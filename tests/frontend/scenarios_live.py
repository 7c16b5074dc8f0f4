"""Acts the live proposal page receives as frames, run in the browser-test server's process:
amendments proposed and decided, a vote opened and closed by the board."""

from __future__ import annotations

from governance.models import Person


def _person(username: str) -> Person:
    return Person.objects.get(username=username)


def propose_amendment(proposal: int, username: str, body: str, title: str, reason: str) -> int:
    from deliberation import services
    from deliberation.models import Proposal

    amendment = services.amendment_propose(
        actor=_person(username),
        proposal=Proposal.objects.get(pk=proposal),
        body=body,
        title=title,
        reason=reason,
    )
    return amendment.pk


def decide_amendment(amendment: int, username: str, accept: bool, note: str = "") -> None:
    from deliberation import services
    from deliberation.models import Amendment

    decide = services.amendment_accept if accept else services.amendment_reject
    decide(actor=_person(username), amendment=Amendment.objects.get(pk=amendment), note=note)


def open_vote(proposal: int, username: str, title: str) -> int:
    from deliberation.models import Proposal
    from voting import services

    target = Proposal.objects.get(pk=proposal)
    chair = _person(username)
    vote = services.vote_create(
        actor=chair,
        cooperative=target.cooperative,
        proposal=target,
        method="resolution",
        title=title,
        is_secret=True,
    )
    services.vote_open(actor=chair, vote=vote)
    return vote.pk


def close_vote(vote: int, username: str) -> None:
    from voting import services
    from voting.models import Vote

    services.vote_close(actor=_person(username), vote=Vote.objects.get(pk=vote))
