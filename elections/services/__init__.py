"""Every write of verifiable elections."""

from elections.services.ballots import e2e_ballot_cast, verify_ballot
from elections.services.boards import (
    electoral_board_create,
    trustee_post_certificate,
    trustee_post_commitments,
    trustee_post_verification_key,
)
from elections.services.closing import (
    e2e_end_ballots,
    e2e_partial_decryption_post,
    e2e_vote_close,
)
from elections.services.setup import e2e_credentials_post, e2e_setup

__all__ = [
    "e2e_ballot_cast",
    "e2e_credentials_post",
    "e2e_end_ballots",
    "e2e_partial_decryption_post",
    "e2e_setup",
    "e2e_vote_close",
    "electoral_board_create",
    "trustee_post_certificate",
    "trustee_post_commitments",
    "trustee_post_verification_key",
    "verify_ballot",
]
