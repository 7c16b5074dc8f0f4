"""Every write of the voting app: votes, ballots, proxies and objections."""

from voting.services.ballots import CastResult, ballot_cast
from voting.services.closing import result_digest, vote_close
from voting.services.objections import objection_decide, objection_raise
from voting.services.opening import vote_open
from voting.services.proxies import proxy_give, proxy_revoke
from voting.services.votes import (
    vote_cancel,
    vote_create,
    vote_mark_schedule_error,
    vote_schedule,
)

__all__ = [
    "CastResult",
    "ballot_cast",
    "objection_decide",
    "objection_raise",
    "proxy_give",
    "proxy_revoke",
    "result_digest",
    "vote_cancel",
    "vote_close",
    "vote_create",
    "vote_mark_schedule_error",
    "vote_open",
    "vote_schedule",
]
