"""Refusals of onboarding, each with a stable code (see the API schema)."""

from __future__ import annotations

from rest_framework import status

from core.errors import DomainError, InvalidInput


class EmailInUse(DomainError):
    code = "email_in_use"
    http_status = status.HTTP_409_CONFLICT


class AlreadyMember(DomainError):
    code = "already_member"
    http_status = status.HTTP_409_CONFLICT


class InvitationInvalid(DomainError):
    """An invitation link that is unknown, expired, revoked or already used."""

    code = "invitation_invalid"
    http_status = status.HTTP_410_GONE


class InvitationState(DomainError):
    code = "invitation_state"


class ApplicationsClosed(DomainError):
    code = "applications_closed"
    http_status = status.HTTP_403_FORBIDDEN


class EmailNotVerified(DomainError):
    code = "email_not_verified"
    http_status = status.HTTP_403_FORBIDDEN


class CsvInvalid(InvalidInput):
    """The file itself cannot be read: wrong encoding, wrong columns, empty, too large."""

    code = "csv_invalid"


class CsvRowsInvalid(InvalidInput):
    """Some lines are wrong; `details.errors` lists them by line number."""

    code = "csv_rows_invalid"


class ImportExpired(InvalidInput):
    code = "import_expired"


# Codes an onboarding endpoint may answer with, for the API schema.
ERROR_CODES = [
    "invalid",
    "email_in_use",
    "already_member",
    "invitation_invalid",
    "invitation_state",
    "applications_closed",
    "email_not_verified",
    "csv_invalid",
    "csv_rows_invalid",
    "import_expired",
    "rate_limited",
    "board_only",
    "mfa_required",
]
