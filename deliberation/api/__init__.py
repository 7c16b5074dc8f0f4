"""REST endpoints of the deliberation app, one APIView per operation."""

from deliberation.api.comments import (
    CommentDetailApi,
    CommentHideApi,
    CommentListCreateApi,
    CommentReactionApi,
    CommentRevisionListApi,
    CommentUnhideApi,
)
from deliberation.api.notifications import NotificationListApi, NotificationMarkReadApi
from deliberation.api.proposals import (
    AmendmentAcceptApi,
    AmendmentDetailApi,
    AmendmentListCreateApi,
    AmendmentRejectApi,
    AmendmentWithdrawApi,
    ProposalDetailApi,
    ProposalEventListApi,
    ProposalListCreateApi,
    ProposalModeratorListGrantApi,
    ProposalModeratorRevokeApi,
    ProposalPublishApi,
    ProposalVersionDetailApi,
    ProposalVersionDiffApi,
    ProposalVersionListApi,
    ProposalWithdrawApi,
)

__all__ = [
    "AmendmentAcceptApi",
    "AmendmentDetailApi",
    "AmendmentListCreateApi",
    "AmendmentRejectApi",
    "AmendmentWithdrawApi",
    "CommentDetailApi",
    "CommentHideApi",
    "CommentListCreateApi",
    "CommentReactionApi",
    "CommentRevisionListApi",
    "CommentUnhideApi",
    "NotificationListApi",
    "NotificationMarkReadApi",
    "ProposalDetailApi",
    "ProposalEventListApi",
    "ProposalListCreateApi",
    "ProposalModeratorListGrantApi",
    "ProposalModeratorRevokeApi",
    "ProposalPublishApi",
    "ProposalVersionDetailApi",
    "ProposalVersionDiffApi",
    "ProposalVersionListApi",
    "ProposalWithdrawApi",
]
