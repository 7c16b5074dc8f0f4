"""Every write of the deliberation app, re-exported from its sub-domain modules."""

from deliberation.services._base import (
    UNSET,
    AmendmentStateError,
    CommentStateError,
    ProposalStateError,
)
from deliberation.services.amendments import (
    amendment_accept,
    amendment_propose,
    amendment_reject,
    amendment_withdraw,
)
from deliberation.services.comments import (
    comment_counts_refresh,
    comment_create,
    comment_delete,
    comment_edit,
    comment_hide,
    comment_unhide,
    reaction_add,
    reaction_remove,
)
from deliberation.services.proposals import (
    proposal_create,
    proposal_moderator_grant,
    proposal_moderator_revoke,
    proposal_publish,
    proposal_record_outcome,
    proposal_start_voting,
    proposal_update,
    proposal_withdraw,
)

__all__ = [
    "UNSET",
    "AmendmentStateError",
    "CommentStateError",
    "ProposalStateError",
    "amendment_accept",
    "amendment_propose",
    "amendment_reject",
    "amendment_withdraw",
    "comment_counts_refresh",
    "comment_create",
    "comment_delete",
    "comment_edit",
    "comment_hide",
    "comment_unhide",
    "proposal_create",
    "proposal_moderator_grant",
    "proposal_moderator_revoke",
    "proposal_publish",
    "proposal_record_outcome",
    "proposal_start_voting",
    "proposal_update",
    "proposal_withdraw",
    "reaction_add",
    "reaction_remove",
]
