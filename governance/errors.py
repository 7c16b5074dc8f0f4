"""Refusals of the governance rules, each with a stable machine code."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.errors import DomainError, Forbidden, InvalidInput, NotFound


class BoardOnly(Forbidden):
    """The one refusal of an act reserved to the board, in every app (`require_board`)."""

    code = "board_only"
    default_message = _("Only the board of this cooperative may do this.")


class MembershipStateError(DomainError):
    code = "membership_state"
    default_message = _("The membership is not in a state that allows this.")


class AlreadyMember(MembershipStateError):
    code = "already_member"


class CollegesInvalid(InvalidInput):
    code = "colleges_invalid"
    default_message = _("The colleges and their weights break the rules of the legal form.")


class CollegeHasMembers(CollegesInvalid):
    code = "college_has_members"


class NoColleges(NotFound):
    code = "no_colleges"
    default_message = _("This cooperative has no colleges: one member, one vote.")


class SlugTaken(InvalidInput):
    code = "slug_taken"


class CategoryExists(InvalidInput):
    code = "category_exists"


class UnknownPerson(InvalidInput):
    code = "unknown_person"
    default_message = _("No such person.")


class UnknownCategory(InvalidInput):
    code = "unknown_category"
    default_message = _("No such category.")


class UnknownCollege(InvalidInput):
    code = "unknown_college"
    default_message = _("No such college.")


class UnknownDecisionKind(InvalidInput):
    code = "unknown_decision_kind"


class UnknownMembershipStatus(InvalidInput):
    code = "invalid_status"
    default_message = _("Unknown membership status.")


class InvalidCredentials(InvalidInput):
    code = "invalid_credentials"
    default_message = _("Wrong username or password.")


class QuorumOutOfRange(InvalidInput):
    code = "quorum_out_of_range"
    default_message = _("A quorum is a fraction above 0 and at most 1.")


class MajorityOutOfRange(InvalidInput):
    code = "majority_out_of_range"
    default_message = _("A majority threshold is a fraction between 0 and 1.")


class WrongCooperative(InvalidInput):
    code = "wrong_cooperative"
    default_message = _("The category or college belongs to another cooperative.")


class CollegeInactive(InvalidInput):
    code = "college_inactive"
    default_message = _("This college no longer exists.")


class CollegeRequired(InvalidInput):
    code = "college_required"
    default_message = _("This cooperative has colleges: choose one.")


class OrganisationTypeRequired(InvalidInput):
    code = "organisation_type_required"
    default_message = _("Say what kind of organisation applies.")


class ReasonRequired(InvalidInput):
    code = "reason_required"
    default_message = _("An exclusion states its reason.")


class WrongCollege(InvalidInput):
    code = "wrong_college"
    default_message = _("Choose a college of this cooperative.")


class NotLegalPerson(InvalidInput):
    code = "not_legal_person"
    default_message = _("Only a legal person has representatives.")


class AlreadyRepresentative(DomainError):
    code = "already_representative"


class AlreadyRevoked(DomainError):
    code = "already_revoked"


class BoardTermTooLong(InvalidInput):
    code = "board_term_too_long"


class RenewalBeforeStart(InvalidInput):
    code = "renewal_before_start"
    default_message = _("A term is renewed on or after the day it started.")


class AlreadyOnBoard(DomainError):
    code = "already_on_board"


class LastBoardMember(DomainError):
    code = "last_board_member"
    default_message = _("The last board member cannot be removed.")


class AlreadyObserver(DomainError):
    code = "already_observer"
