"""The kinds of notification: their text, default e-mail mode, and rendering per language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.choices import EmailMode


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of notification.

    `text` is a translatable template over the notification's parameters (`data`); dates
    are stored as ISO strings under keys ending in `_at` and formatted for the reader.
    `email` is False for a kind whose e-mail leaves by another path (a legal convocation is
    sent by the assembly's own mail, with its proof of sending). `legal` kinds cannot be
    turned off.
    """

    key: str
    label: Promise
    text: Promise
    default: str = EmailMode.IMMEDIATE
    email: bool = True
    legal: bool = False
    choices: Callable[[dict[str, Any]], dict[str, Any]] | None = None


def _outcome(data: dict[str, Any]) -> dict[str, Any]:
    outcomes = {
        "adopted": pgettext_lazy("notice outcome", "adopted"),
        "rejected": pgettext_lazy("notice outcome", "rejected"),
    }
    default = pgettext_lazy("notice outcome", "closed without a decision")
    return {"outcome": outcomes.get(str(data.get("outcome", "")), default)}


def _closing(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("closes_at"):
        return {}
    return {"closes_at": _("the board closes it")}


def _membership(data: dict[str, Any]) -> dict[str, Any]:
    decisions = {
        "admitted": pgettext_lazy("membership decision", "admitted"),
        "refused": pgettext_lazy("membership decision", "refused"),
    }
    return {"decision": decisions.get(str(data.get("decision", "")), data.get("decision", ""))}


KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in [
        Kind(
            "proposal.published",
            _("A proposal is published for debate"),
            _("“%(title)s” is published for debate."),
            default=EmailMode.DIGEST,
        ),
        Kind(
            "vote.opened",
            _("A vote opens"),
            _("The vote “%(title)s” is open until %(closes_at)s."),
            choices=_closing,
        ),
        Kind(
            "vote.closing",
            _("A vote closes in 24 hours and I have not voted"),
            _("The vote “%(title)s” closes on %(closes_at)s and you have not voted yet."),
        ),
        Kind(
            "vote.result",
            _("The result of a vote"),
            _("The vote “%(title)s” is closed: %(outcome)s."),
            choices=_outcome,
        ),
        Kind(
            "assembly.convocation",
            _("Convocation to a general assembly"),
            _("You are convened to %(title)s (call %(call)s) on %(scheduled_at)s."),
            email=False,
            legal=True,
        ),
        Kind(
            "assembly.cancelled",
            _("A general assembly is called off"),
            _("%(title)s is called off: %(reason)s"),
        ),
        Kind(
            "proxy.received",
            _("A proxy is given to me"),
            _("%(principal)s gives you their proxy for the vote “%(title)s”."),
        ),
        Kind(
            "proxy.revoked",
            _("A proxy given to me is revoked"),
            _("%(principal)s revoked the proxy they gave you for the vote “%(title)s”."),
        ),
        Kind("mention", _("Someone mentions me"), _("%(who)s mentioned you in “%(title)s”.")),
        Kind(
            "comment.reply",
            _("A reply to my comment"),
            _("%(who)s replied to your comment on “%(title)s”."),
        ),
        Kind(
            "amendment",
            _("An amendment to my proposal"),
            _("%(who)s proposed an amendment to “%(title)s”."),
        ),
        Kind(
            "membership.decided",
            _("A decision on a membership"),
            _("Your membership of %(cooperative)s: %(decision)s."),
            choices=_membership,
        ),
        Kind(
            "comment_hidden",
            _("A moderator hides my comment"),
            _("A moderator hid your comment on “%(title)s”: %(reason)s"),
        ),
        Kind(
            "webhook_endpoint_disabled",
            _("The cooperative's webhooks stop (board)"),
            _(
                "Webhooks to %(url)s are stopped: %(reason_label)s. Fix the receiver, then "
                "enable the endpoint again and replay what failed."
            ),
        ),
    ]
}


def kind_of(key: str) -> Kind | None:
    return KINDS.get(key)


def _format(value: Any, key: str) -> Any:
    if key.endswith("_at") and isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return formats.date_format(moment, "DATETIME_FORMAT")
    return value


def render_text(kind: str, data: dict[str, Any], fallback: str = "") -> str:
    """The notification's sentence in the active language; `fallback` (the stored message of
    an older row) when the kind or one of its parameters is unknown."""
    spec = KINDS.get(kind)
    if spec is None:
        return fallback or kind
    params = {key: _format(value, key) for key, value in data.items()}
    if spec.choices is not None:
        params.update({k: str(v) for k, v in spec.choices(data).items()})
    try:
        return str(spec.text) % params
    except (KeyError, TypeError, ValueError):
        return fallback or str(spec.label)


def render_in(language: str, kind: str, data: dict[str, Any], fallback: str = "") -> str:
    with translation.override(language or settings.LANGUAGE_CODE):
        return render_text(kind, data, fallback)


def iso(moment: dt.datetime | None) -> str:
    """A date parameter as stored in a notification."""
    return moment.isoformat() if moment is not None else ""


def allowed_modes(kind: Kind) -> list[tuple[str, str]]:
    """The e-mail modes a person may choose for a kind: never off for a legal notice."""
    return [
        (value, str(label))
        for value, label in EmailMode.choices
        if not (kind.legal and value == EmailMode.OFF)
    ]
