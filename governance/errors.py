"""Refusals of the governance rules, each with a stable machine code."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.errors import DomainError, Forbidden, InvalidInput, NotFound, refusal


class BoardOnly(Forbidden):
    """The one refusal of an act reserved to the board, in every app (`require_board`)."""

    code = "board_only"
    default_message = _("Only the board of this cooperative may do this.")


class MembershipStateError(DomainError):
    code = "membership_state"
    default_message = _("The membership is not in a state that allows this.")


class CollegesInvalid(InvalidInput):
    code = "colleges_invalid"
    default_message = _("The colleges and their weights break the rules of the legal form.")


# The other refusals only name themselves: a code and, where the caller gives none, a
# message (`core.errors.refusal`).

# Memberships and representatives.
AlreadyMember = refusal("AlreadyMember", MembershipStateError, "already_member")
UnknownMembershipStatus = refusal(
    "UnknownMembershipStatus", InvalidInput, "invalid_status", _("Unknown membership status.")
)
ReasonRequired = refusal(
    "ReasonRequired", InvalidInput, "reason_required", _("An exclusion states its reason.")
)
OrganisationTypeRequired = refusal(
    "OrganisationTypeRequired",
    InvalidInput,
    "organisation_type_required",
    _("Say what kind of organisation applies."),
)
NotLegalPerson = refusal(
    "NotLegalPerson",
    InvalidInput,
    "not_legal_person",
    _("Only a legal person has representatives."),
)
AlreadyRepresentative = refusal("AlreadyRepresentative", DomainError, "already_representative")
AlreadyRevoked = refusal("AlreadyRevoked", DomainError, "already_revoked")
AlreadyObserver = refusal("AlreadyObserver", DomainError, "already_observer")

# Colleges, categories and what points at them.
CollegeHasMembers = refusal("CollegeHasMembers", CollegesInvalid, "college_has_members")
NoColleges = refusal(
    "NoColleges",
    NotFound,
    "no_colleges",
    _("This cooperative has no colleges: one member, one vote."),
)
CollegeInactive = refusal(
    "CollegeInactive", InvalidInput, "college_inactive", _("This college no longer exists.")
)
CollegeRequired = refusal(
    "CollegeRequired",
    InvalidInput,
    "college_required",
    _("This cooperative has colleges: choose one."),
)
WrongCollege = refusal(
    "WrongCollege", InvalidInput, "wrong_college", _("Choose a college of this cooperative.")
)
WrongCooperative = refusal(
    "WrongCooperative",
    InvalidInput,
    "wrong_cooperative",
    _("The category or college belongs to another cooperative."),
)
CategoryExists = refusal("CategoryExists", InvalidInput, "category_exists")
SlugTaken = refusal("SlugTaken", InvalidInput, "slug_taken")

# Lookups by id or name.
UnknownPerson = refusal("UnknownPerson", InvalidInput, "unknown_person", _("No such person."))
UnknownCategory = refusal(
    "UnknownCategory", InvalidInput, "unknown_category", _("No such category.")
)
UnknownCollege = refusal("UnknownCollege", InvalidInput, "unknown_college", _("No such college."))
UnknownDecisionKind = refusal("UnknownDecisionKind", InvalidInput, "unknown_decision_kind")
InvalidCredentials = refusal(
    "InvalidCredentials", InvalidInput, "invalid_credentials", _("Wrong username or password.")
)

# The rules.
QuorumOutOfRange = refusal(
    "QuorumOutOfRange",
    InvalidInput,
    "quorum_out_of_range",
    _("A quorum is a fraction above 0 and at most 1."),
)
MajorityOutOfRange = refusal(
    "MajorityOutOfRange",
    InvalidInput,
    "majority_out_of_range",
    _("A majority threshold is a fraction between 0 and 1."),
)

# The board.
BoardTermTooLong = refusal("BoardTermTooLong", InvalidInput, "board_term_too_long")
RenewalBeforeStart = refusal(
    "RenewalBeforeStart",
    InvalidInput,
    "renewal_before_start",
    _("A term is renewed on or after the day it started."),
)
AlreadyOnBoard = refusal("AlreadyOnBoard", DomainError, "already_on_board")
LastBoardMember = refusal(
    "LastBoardMember",
    DomainError,
    "last_board_member",
    _("The last board member cannot be removed."),
)
