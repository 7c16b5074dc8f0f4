"""Refusals of the assembly rules, each with a stable machine code."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.errors import DomainError, Forbidden, InvalidInput


class AssemblyStateError(DomainError):
    code = "assembly_state"
    default_message = _("The assembly is not in a state that allows this.")


class NoticeTooShort(DomainError):
    code = "notice_too_short"
    default_message = _("The notice period required by the rules is not respected.")


class AgendaEmpty(DomainError):
    code = "agenda_empty"
    default_message = _("An assembly is convened with an agenda: add at least one item.")


class QuorumNotReached(DomainError):
    code = "quorum_not_reached"
    default_message = _("The quorum of this call is not reached.")


class QuorumReached(DomainError):
    code = "quorum_reached"
    default_message = _("The quorum of this call is reached: the assembly can be held.")


class ItemStateError(DomainError):
    code = "item_state"
    default_message = _("This agenda item cannot change in its current state.")


class AnotherItemOpen(DomainError):
    code = "another_item_open"
    default_message = _("Another agenda item is open: close it first.")


class NotAttending(Forbidden):
    code = "not_attending"
    default_message = _("Check in to the assembly (in the room or remotely) to vote in session.")


class NotAMember(Forbidden):
    code = "not_a_member"
    default_message = _("You do not act for an active member of this cooperative.")


class ProxyError(DomainError):
    code = "proxy_state"
    default_message = _("The proxy cannot be given or changed.")


class PostalVoteError(DomainError):
    code = "postal_vote_state"
    default_message = _("The postal vote cannot be recorded.")


class AttendanceError(DomainError):
    code = "attendance_state"
    default_message = _("The attendance cannot be recorded.")


class ElectionError(InvalidInput):
    code = "election_invalid"
    default_message = _("The election is not set up correctly.")


class MinutesNotReady(DomainError):
    code = "minutes_not_ready"
    default_message = _("The minutes are generated when the assembly closes.")
