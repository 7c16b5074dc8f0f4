"""Every write of onboarding, by sub-domain."""

from onboarding.services.applications import (
    applicant_membership,
    application_accept,
    application_file,
    application_reject,
    cooperative_onboarding_configure,
    email_verified,
)
from onboarding.services.imports import associates_import_confirm, associates_import_preview
from onboarding.services.invitations import (
    AssociateSpec,
    associate_add,
    invitation_accept,
    invitation_for_token,
    invitation_resend,
    invitation_revoke,
    observer_invite_by_email,
    representative_invite,
)

__all__ = [
    "AssociateSpec",
    "applicant_membership",
    "application_accept",
    "application_file",
    "application_reject",
    "associate_add",
    "associates_import_confirm",
    "associates_import_preview",
    "cooperative_onboarding_configure",
    "email_verified",
    "invitation_accept",
    "invitation_for_token",
    "invitation_resend",
    "invitation_revoke",
    "observer_invite_by_email",
    "representative_invite",
]
