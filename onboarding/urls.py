"""Onboarding routes under /api/v1/."""

from django.urls import path

from onboarding import api

coop = "cooperatives/<slug:slug>/"
urlpatterns = [
    path("auth/password-reset/", api.PasswordResetApi.as_view(), name="api-password-reset"),
    path(coop + "onboarding/", api.OnboardingSettingsApi.as_view(), name="api-onboarding"),
    path(coop + "invitations/", api.InvitationListCreateApi.as_view(), name="api-invitations"),
    path(coop + "invitations/<int:pk>/resend/", api.InvitationResendApi.as_view()),
    path(coop + "invitations/<int:pk>/revoke/", api.InvitationRevokeApi.as_view()),
    path(coop + "invitations/import/", api.AssociatesImportPreviewApi.as_view()),
    path(coop + "invitations/import/confirm/", api.AssociatesImportConfirmApi.as_view()),
    path(coop + "applications/", api.ApplicationListFileApi.as_view(), name="api-applications"),
    path(coop + "applications/<int:pk>/accept/", api.ApplicationAcceptApi.as_view()),
    path(coop + "applications/<int:pk>/reject/", api.ApplicationRejectApi.as_view()),
]
