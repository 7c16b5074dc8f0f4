"""Reads that compose several apps' selectors into what one page shows."""

from frontend.selectors.cooperatives import (
    CooperativeEntry,
    OpenItem,
    Representation,
    cooperative_dashboard,
    cooperatives_with_roles,
    open_to,
    representations_of,
)
from frontend.selectors.proposals import (
    comment_permissions,
    comment_skeleton,
    comment_threads,
    live_skeletons,
    proposal_page,
    proposal_vote,
    vote_methods_for,
)
from frontend.selectors.votes import booth, frozen_rules, results, rules_summary, vote_list

__all__ = [
    "CooperativeEntry",
    "OpenItem",
    "Representation",
    "booth",
    "comment_permissions",
    "cooperative_dashboard",
    "cooperatives_with_roles",
    "frozen_rules",
    "open_to",
    "comment_skeleton",
    "live_skeletons",
    "comment_threads",
    "proposal_page",
    "proposal_vote",
    "representations_of",
    "results",
    "rules_summary",
    "vote_list",
    "vote_methods_for",
]
