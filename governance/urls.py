"""Governance routes under /api/v1/."""

from django.urls import path

from governance import api

coop = "cooperatives/<slug:slug>/"
urlpatterns = [
    path("auth/token/", api.TokenObtainApi.as_view(), name="api-token"),
    path("auth/tokens/", api.ApiTokenListApi.as_view(), name="api-tokens"),
    path("auth/tokens/<str:token_id>/revoke/", api.ApiTokenRevokeApi.as_view()),
    path("auth/sign-out-everywhere/", api.SignOutEverywhereApi.as_view()),
    path("me/", api.MeApi.as_view(), name="api-me"),
    path("cooperatives/", api.CooperativeListCreateApi.as_view(), name="api-cooperatives"),
    path(coop, api.CooperativeDetailApi.as_view(), name="api-cooperative"),
    path(coop + "colleges/", api.CollegesApi.as_view(), name="api-colleges"),
    path(coop + "colleges/versions/", api.CollegeVersionListApi.as_view()),
    path(coop + "rules/", api.RulesApi.as_view(), name="api-rules"),
    path(coop + "rules/versions/", api.RulesVersionListApi.as_view()),
    path(coop + "categories/", api.CategoryListCreateApi.as_view()),
    path(coop + "memberships/", api.MembershipListApplyApi.as_view(), name="api-memberships"),
    path(coop + "memberships/<int:pk>/", api.MembershipDetailApi.as_view()),
    path(coop + "memberships/<int:pk>/admit/", api.MembershipAdmitApi.as_view()),
    path(coop + "memberships/<int:pk>/refuse/", api.MembershipRefuseApi.as_view()),
    path(coop + "memberships/<int:pk>/resign/", api.MembershipResignApi.as_view()),
    path(coop + "memberships/<int:pk>/exclude/", api.MembershipExcludeApi.as_view()),
    path(coop + "memberships/<int:pk>/move/", api.MembershipMoveApi.as_view()),
    path(coop + "memberships/<int:pk>/shares/", api.MembershipSharesApi.as_view()),
    path(coop + "members/", api.MemberListApi.as_view()),
    path(
        coop + "members/<int:member_id>/representatives/", api.RepresentativeListCreateApi.as_view()
    ),
    path(
        coop + "members/<int:member_id>/representatives/<int:pk>/revoke/",
        api.RepresentativeRevokeApi.as_view(),
    ),
    path(coop + "board-roles/", api.BoardRoleListCreateApi.as_view()),
    path(coop + "board-roles/<int:pk>/revoke/", api.BoardRoleRevokeApi.as_view()),
    path(coop + "observers/", api.ObserverListCreateApi.as_view()),
    path(coop + "observers/<int:pk>/revoke/", api.ObserverRevokeApi.as_view()),
    path(coop + "audit/", api.AuditListApi.as_view()),
    path(coop + "audit/verify/", api.AuditVerifyApi.as_view()),
]
