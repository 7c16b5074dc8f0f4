"""Template filters of the pages: localized percentages and exact fractions."""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from django import template
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.pagination import CappedCount, count_up_to
from frontend.charts import result_chart as chart
from frontend.formatting import percent_text, share_text
from governance.permissions import Viewer

register = template.Library()

# The notices badge counts to this many, then says "99+".
UNREAD_SHOWN = 99


@register.filter
def vote_mark(vote: Any) -> tuple[str, str]:
    """The reader's mark of a vote annotated by frontend.selectors.agenda.mark_votes."""
    from frontend.selectors.agenda import vote_mark as mark

    return mark(vote)


@register.filter
def percent(value: Any) -> str:
    """30 or Decimal("30.00") -> "30 %" (in French) or "30%" (in English)."""
    return percent_text(value)


@register.filter
def share(value: Any, reference: Any = None) -> str:
    """A fraction of one (Fraction(1, 5) or "1/5") as a localized percentage: "20 %"; with
    a reference (`support|share:threshold`), never reading equal to a different one."""
    return share_text(value, reference)


@register.filter
def fraction(value: Any) -> str:
    """An exact fraction as "2/3"; whole numbers as themselves."""
    if value is None or value == "":
        return ""
    exact = Fraction(str(value)) if not isinstance(value, Fraction) else value
    if exact.denominator == 1:
        return str(exact.numerator)
    return f"{exact.numerator}/{exact.denominator}"


@register.simple_tag
def result_chart(result: Any) -> str:
    """The server-rendered SVG chart of a result (see frontend.charts)."""
    return chart(result)


@register.filter
def choice_text(choice: Any, method: str) -> str:
    """A stored ballot choice in words, for the voter and for open ballots."""
    from voting.models import ConsentChoice, ResolutionChoice

    if choice is None:
        return ""
    if method == "resolution":
        return str(dict(ResolutionChoice.choices).get(choice, choice))
    if method == "consent":
        return str(dict(ConsentChoice.choices).get(choice, choice))
    if method == "approval":
        return ", ".join(choice) if choice else _("no option approved")
    if method == "majority_judgment" and isinstance(choice, dict):
        return "; ".join(f"{option}: {grade}" for option, grade in choice.items())
    if method == "ranked" and isinstance(choice, list):
        return "; ".join(
            f"{rank}. {' = '.join(group)}" for rank, group in enumerate(choice, start=1)
        )
    return str(choice)


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """mapping[key] in a template, or None."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.simple_tag(takes_context=True)
def unread_notifications(context: Any) -> CappedCount:
    """How many notices the signed-in person has not read, up to "99+" (one query that
    reads no further than the hundredth)."""
    from core.models import Notification

    user = context.get("user")
    if user is None or not user.is_authenticated:
        return CappedCount(0, capped=False)
    return count_up_to(
        Notification.objects.filter(person=user, read_at__isnull=True), cap=UNREAD_SHOWN
    )


@register.filter
def readable_by(proposal: Any, role: Any) -> bool:
    """Whether a link to this proposal leads somewhere for the viewer's role (an observer
    does not read a proposal open to members only)."""
    from deliberation.permissions import can_view_proposal_by_role

    return proposal is not None and role is not None and can_view_proposal_by_role(proposal, role)


# Reasons the services record in words of their own (the first versions of a cooperative's
# rules and colleges); shown in the reader's language. A reason the board typed is shown
# as typed.
SYSTEM_REASONS = {
    "Defaults of the legal form": gettext_lazy("Defaults of the legal form"),
    "Initial configuration": gettext_lazy("Initial configuration"),
}


@register.filter
def reason_text(reason: str) -> str:
    return str(SYSTEM_REASONS.get(reason, reason))


# The mention pattern of deliberation.mentions, applied to the text between tags only.
_MENTION_IN_TEXT = re.compile(r"(?<![\w.+\-/@])@(\w[\w.-]*+)(?!@)")
_TAG = re.compile(r"(<[^>]*>)")


@register.filter
def link_mentions(clean_html: str, people: dict[str, str] | None) -> SafeString:
    """Clean HTML (from the sanitizer) with each @user name of the cooperative's people
    highlighted and linked to that person's page; other @words stay as they are."""
    people = people or {}
    parts = _TAG.split(str(clean_html))
    inside_link = False
    for index, part in enumerate(parts):
        if part.startswith("<"):
            lowered = part.lower()
            if lowered.startswith("<a"):
                inside_link = True
            elif lowered.startswith("</a"):
                inside_link = False
            continue
        if inside_link or "@" not in part:
            continue

        def link(match: re.Match[str]) -> str:
            handle = match.group(1).rstrip(".")
            tail = match.group(1)[len(handle) :]
            if handle not in people:
                return match.group(0)
            return str(
                format_html(
                    '<a class="mention" href="{}" title="{}">@{}</a>{}',
                    reverse("frontend:person", kwargs={"username": handle}),
                    people[handle],
                    handle,
                    tail,
                )
            )

        parts[index] = _MENTION_IN_TEXT.sub(link, part)
    return mark_safe("".join(parts))  # noqa: S308 - clean HTML in, escaped links added


@register.simple_tag
def organisations_represented(person: Viewer) -> list[str]:
    """The legal persons someone acts for (a commune's representative, say), for the page
    header: the person is named, then whom they act for."""
    from governance.models import Representative

    if isinstance(person, AnonymousUser) or not person.is_authenticated:
        return []
    return list(
        Representative.objects.filter(person=person, revoked_at__isnull=True)
        .order_by("member__name")
        .values_list("member__name", flat=True)
        .distinct()
    )
