"""Routes of the deliberation app under /api/v1/."""

from django.urls import URLPattern, URLResolver, path

from deliberation import api

proposal = "proposals/<int:pk>/"
urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "cooperatives/<slug:slug>/proposals/",
        api.ProposalListCreateApi.as_view(),
        name="api-proposals",
    ),
    path(proposal, api.ProposalDetailApi.as_view(), name="api-proposal"),
    path(proposal + "publish/", api.ProposalPublishApi.as_view()),
    path(proposal + "withdraw/", api.ProposalWithdrawApi.as_view()),
    path(proposal + "versions/", api.ProposalVersionListApi.as_view()),
    path(proposal + "versions/<int:number>/", api.ProposalVersionDetailApi.as_view()),
    path(proposal + "versions/<int:number>/diff/", api.ProposalVersionDiffApi.as_view()),
    path(proposal + "amendments/", api.AmendmentListCreateApi.as_view()),
    path(proposal + "comments/", api.CommentListCreateApi.as_view(), name="api-comments"),
    path(proposal + "moderators/", api.ProposalModeratorListGrantApi.as_view()),
    path(proposal + "moderators/<int:person_id>/revoke/", api.ProposalModeratorRevokeApi.as_view()),
    path(proposal + "events/", api.ProposalEventListApi.as_view()),
    path("amendments/<int:pk>/", api.AmendmentDetailApi.as_view()),
    path("amendments/<int:pk>/accept/", api.AmendmentAcceptApi.as_view()),
    path("amendments/<int:pk>/reject/", api.AmendmentRejectApi.as_view()),
    path("amendments/<int:pk>/withdraw/", api.AmendmentWithdrawApi.as_view()),
    path("comments/<int:pk>/", api.CommentDetailApi.as_view(), name="api-comment"),
    path("comments/<int:pk>/revisions/", api.CommentRevisionListApi.as_view()),
    path("comments/<int:pk>/reactions/<str:kind>/", api.CommentReactionApi.as_view()),
    path("comments/<int:pk>/hide/", api.CommentHideApi.as_view()),
    path("comments/<int:pk>/unhide/", api.CommentUnhideApi.as_view()),
    path("notifications/", api.NotificationListApi.as_view(), name="api-notifications"),
    path("notifications/read/", api.NotificationMarkReadApi.as_view()),
]
