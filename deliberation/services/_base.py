"""Helpers shared by the deliberation services: cleaning input, auditing, errors."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

from core.audit import audit_append
from core.errors import DomainError, InvalidInput
from deliberation.models import Proposal
from deliberation.sanitize import HtmlTooLong, Profile, html_to_text, sanitize_html
from governance.permissions import Actor


class ProposalStateError(DomainError):
    code = "proposal_state"


class AmendmentStateError(DomainError):
    code = "amendment_state"


class CommentStateError(DomainError):
    code = "comment_state"


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def clean_line(text: str, *, field: str, max_length: int, required: bool = True) -> str:
    """A one-line plain-text value: control characters become spaces, ends are trimmed."""
    value = _CONTROL.sub(" ", text or "").strip()
    if required and not value:
        raise InvalidInput(
            code=f"{field}_required",
            message=_("This field may not be blank."),
            details={field: [_("This field may not be blank.")]},
        )
    if len(value) > max_length:
        raise InvalidInput(
            code=f"{field}_too_long",
            message=_("At most %(n)d characters.") % {"n": max_length},
            details={field: [_("At most %(n)d characters.") % {"n": max_length}]},
        )
    return value


def clean_html(raw: str, *, profile: Profile, field: str = "body") -> str:
    """Sanitize user HTML with a named profile; refuse text too long to clean."""
    try:
        return sanitize_html(raw or "", profile=profile)
    except HtmlTooLong as exc:
        raise InvalidInput(
            code="html_too_long", message=str(exc), details={field: [str(exc)]}
        ) from exc


def has_text(clean: str) -> bool:
    return bool(html_to_text(clean).strip())


def audit(actor: Actor, verb: str, proposal: Proposal, target: Any, **data: Any) -> None:
    audit_append(
        actor=actor,
        verb=verb,
        target=target,
        cooperative_id=proposal.cooperative_id,
        data={"proposal_id": proposal.pk, **data},
    )
