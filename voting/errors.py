"""Refusals of the voting rules, each with a stable machine code."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from core.errors import DomainError, Forbidden, InvalidInput


class VoteStateError(DomainError):
    code = "vote_state"
    default_message = _("The vote is not in a state that allows this.")


class VoteNotOpen(DomainError):
    code = "vote_not_open"
    default_message = _("The vote is not open.")


class VoteClosed(DomainError):
    code = "vote_closed"
    default_message = _("The vote is closed.")


class NotOnRoll(Forbidden):
    code = "not_on_roll"
    default_message = _("You are not on the electoral roll of this vote.")


class UseAssemblyBooth(DomainError):
    code = "use_assembly_booth"
    default_message = _(
        "This vote belongs to an assembly: vote in the assembly's booth, after signing in to "
        "the meeting."
    )


class BallotAlreadyCast(DomainError):
    code = "ballot_already_cast"
    default_message = _("A ballot has already been cast, and this vote does not allow changes.")


class EndToEndBallotsEnded(DomainError):
    code = "e2e_ballots_ended"
    default_message = _(
        "The ballots of this vote, counted end to end, have ended: the electoral board is "
        "decrypting the totals and no ballot is taken any more."
    )


class EncryptedBallotCast(DomainError):
    """A sealed ballot never replaces an encrypted one: the bulletin board keeps every
    encrypted ballot, and the server could otherwise void one unnoticed."""

    code = "encrypted_ballot_cast"
    default_message = _(
        "An encrypted ballot was already cast for this member. To change it, vote again "
        "in the booth with JavaScript: a ballot encrypted by the server cannot replace it."
    )


class BallotKeyMissing(DomainError):
    """The vote's private key cannot be unwrapped: BALLOT_SEAL_KEY is not the one the vote
    opened with, or the key was destroyed."""

    code = "ballot_key_unavailable"
    http_status = status.HTTP_503_SERVICE_UNAVAILABLE
    default_message = _(
        "The sealed ballots of this vote cannot be opened: the server's BALLOT_SEAL_KEY is "
        "not the one the vote opened with. Restore it, then close the vote again."
    )


class ProxiesNotAllowed(DomainError):
    code = "proxies_not_allowed"
    default_message = _("The rules of this cooperative do not allow proxies for this vote.")


class ProxyCapReached(DomainError):
    code = "proxy_cap_reached"
    default_message = _("The holder already has as many proxies as the rules allow.")


class ProxyStateError(DomainError):
    code = "proxy_state"
    default_message = _("The proxy cannot change in its current state.")


class NoProxy(Forbidden):
    code = "no_proxy"
    default_message = _("You hold no live proxy from this member for this vote.")


class PrincipalVotedDirectly(DomainError):
    code = "principal_voted_directly"
    default_message = _("The member voted in person; the proxy can no longer be used.")


class MemberRequired(InvalidInput):
    code = "member_required"
    default_message = _("You act for several members: say for which one (member_id).")


class OpeningBlocked(DomainError):
    code = "opening_blocked"
    default_message = _("The vote cannot open.")


class ObjectionStateError(DomainError):
    code = "objection_state"
    default_message = _("The objection cannot change in its current state.")
