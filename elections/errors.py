"""Refusals of verifiable elections, each with a stable machine code."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.errors import DomainError, Forbidden, InvalidInput


class CeremonyStepRefused(InvalidInput):
    code = "ceremony_step_refused"
    default_message = _("This step of the key ceremony was refused: it does not check.")


class ElectoralBoardYearTaken(InvalidInput):
    code = "electoral_board_year_taken"
    default_message = _("This cooperative already has an electoral board for that year.")


class TrusteeNotEligible(InvalidInput):
    code = "trustee_not_eligible"
    default_message = _(
        "Only the cooperative's active members, representatives of its members and board "
        "members may sit on its electoral board."
    )


class CeremonyOutOfOrder(DomainError):
    code = "ceremony_out_of_order"
    default_message = _("The key ceremony is not at this step.")


class NotTrustee(Forbidden):
    code = "not_trustee"
    default_message = _("Only a trustee of this electoral board may do this.")


class BoardNotReady(DomainError):
    code = "electoral_board_not_ready"
    default_message = _("The electoral board has not completed its key ceremony.")


class MethodNotVerifiable(InvalidInput):
    code = "method_not_verifiable"
    default_message = _(
        "Ranked ballots (Schulze) and consent cannot be counted end to end: a ranked "
        "ballot needs a verifiable shuffle, consent is signed. Use the sealed ballot."
    )


class ElectionStateError(DomainError):
    code = "e2e_state"
    default_message = _("The election is not in a state that allows this.")


class CredentialRefused(InvalidInput):
    code = "credential_refused"
    default_message = _("The public credentials do not match the voters of this election.")


class BallotRefused(InvalidInput):
    code = "ballot_refused"
    default_message = _("The ballot does not check.")


class NotYourCredential(Forbidden):
    code = "credential_not_yours"
    default_message = _("The ballot is signed with a credential that is not yours.")


class DecryptionRefused(InvalidInput):
    code = "partial_decryption_refused"
    default_message = _("The partial decryption does not check against the trustee's key.")
