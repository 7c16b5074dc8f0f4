"""Governance routes under /api/v1/."""

from django.urls import path

from governance.api import audit, auth, cooperatives, memberships, people, rules

coop = "cooperatives/<slug:slug>/"
urlpatterns = [
    path("auth/token/", auth.TokenObtainApi.as_view(), name="api-token"),
    path("auth/tokens/", auth.ApiTokenListApi.as_view(), name="api-tokens"),
    path("auth/tokens/<str:token_id>/revoke/", auth.ApiTokenRevokeApi.as_view()),
    path("auth/sign-out-everywhere/", auth.SignOutEverywhereApi.as_view()),
    path("me/", auth.MeApi.as_view(), name="api-me"),
    path("cooperatives/", cooperatives.CooperativeListCreateApi.as_view(), name="api-cooperatives"),
    path(coop, cooperatives.CooperativeDetailApi.as_view(), name="api-cooperative"),
    path(coop + "colleges/", cooperatives.CollegesApi.as_view(), name="api-colleges"),
    path(coop + "colleges/versions/", cooperatives.CollegeVersionListApi.as_view()),
    path(coop + "rules/", rules.RulesApi.as_view(), name="api-rules"),
    path(coop + "rules/versions/", rules.RulesVersionListApi.as_view()),
    path(coop + "categories/", cooperatives.CategoryListCreateApi.as_view()),
    path(
        coop + "memberships/", memberships.MembershipListApplyApi.as_view(), name="api-memberships"
    ),
    path(coop + "memberships/<int:pk>/", memberships.MembershipDetailApi.as_view()),
    path(coop + "memberships/<int:pk>/admit/", memberships.MembershipAdmitApi.as_view()),
    path(coop + "memberships/<int:pk>/refuse/", memberships.MembershipRefuseApi.as_view()),
    path(coop + "memberships/<int:pk>/resign/", memberships.MembershipResignApi.as_view()),
    path(coop + "memberships/<int:pk>/exclude/", memberships.MembershipExcludeApi.as_view()),
    path(coop + "memberships/<int:pk>/move/", memberships.MembershipMoveApi.as_view()),
    path(coop + "memberships/<int:pk>/shares/", memberships.MembershipSharesApi.as_view()),
    path(coop + "members/", people.MemberListApi.as_view()),
    path(
        coop + "members/<int:member_id>/representatives/",
        people.RepresentativeListCreateApi.as_view(),
    ),
    path(
        coop + "members/<int:member_id>/representatives/<int:pk>/revoke/",
        people.RepresentativeRevokeApi.as_view(),
    ),
    path(coop + "board-roles/", people.BoardRoleListCreateApi.as_view()),
    path(coop + "board-roles/<int:pk>/revoke/", people.BoardRoleRevokeApi.as_view()),
    path(coop + "observers/", people.ObserverListCreateApi.as_view()),
    path(coop + "observers/<int:pk>/revoke/", people.ObserverRevokeApi.as_view()),
    path(coop + "audit/", audit.AuditListApi.as_view()),
    path(coop + "audit/verify/", audit.AuditVerifyApi.as_view()),
]
