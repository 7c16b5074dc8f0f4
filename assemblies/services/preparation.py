"""Preparing an assembly: its calls, agenda, documents, elections and candidates."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from assemblies.errors import ElectionError
from assemblies.models import (
    AgendaItem,
    Assembly,
    AssemblyCall,
    AssemblyDocument,
    AssemblyKind,
    AssemblyStatus,
    Election,
    ItemKind,
    ReservedSeat,
    Resolution,
)
from assemblies.services._common import (
    audit,
    aware,
    current,
    lock_assembly,
    require_status,
)
from core.errors import InvalidInput
from deliberation.sanitize import PROPOSAL, HtmlTooLong, sanitize_html
from governance.models import BoardRoleKind, College, Cooperative, Person
from governance.permissions import require_board

TITLE_MAX = 200
BOARD_TERM_MAX_YEARS = 6
UNSET: Any = object()


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def _clean_title(title: str) -> str:
    value = " ".join(_CONTROL.sub(" ", title or "").split())
    if not value:
        raise InvalidInput(
            code="title_required",
            message=_("A title is required."),
            details={"title": [_("This field may not be blank.")]},
        )
    if len(value) > TITLE_MAX:
        raise InvalidInput(
            code="title_too_long", message=_("At most %(n)d characters.") % {"n": TITLE_MAX}
        )
    return value


def _clean_text(text: str) -> str:
    try:
        return sanitize_html(text or "", profile=PROPOSAL)
    except HtmlTooLong as exc:
        raise InvalidInput(code="html_too_long", message=str(exc)) from exc


# An assembly is prepared for the coming months, not for another era.
PLANNING_HORIZON = dt.timedelta(days=3 * 366)


def _check_calls(first: dt.datetime, second: dt.datetime | None, *, now: dt.datetime) -> None:
    aware(first, field="first_call_at")
    if not now < first < now + PLANNING_HORIZON:
        raise InvalidInput(
            code="call_out_of_range",
            message=_("The first call is a date in the next three years."),
            details={"first_call_at": [_("Choose a date in the future.")]},
        )
    if second is not None:
        aware(second, field="second_call_at")
        if second >= now + PLANNING_HORIZON:
            raise InvalidInput(
                code="call_out_of_range",
                message=_("The second call is a date in the next three years."),
            )
        if second <= first:
            raise InvalidInput(
                code="second_call_order",
                message=_("The second call comes after the first."),
                details={"second_call_at": [_("Must be after the first call.")]},
            )


@transaction.atomic
def assembly_create(
    *,
    actor: Person,
    cooperative: Cooperative,
    kind: str,
    title: str,
    first_call_at: dt.datetime,
    place: str = "",
    remote_url: str = "",
    second_call_at: dt.datetime | None = None,
    remote_allowed: bool = True,
    postal_allowed: bool = True,
    results_live: bool = False,
    now: dt.datetime | None = None,
) -> Assembly:
    """Prepare an assembly (a draft) with its first call and, if already known, the date of
    the second call, which the convocation then announces. The board only; audited."""
    require_board(actor, cooperative)
    if kind not in AssemblyKind.values:
        raise InvalidInput(
            code="unknown_kind", message=_("An assembly is ordinary or extraordinary.")
        )
    _check_calls(first_call_at, second_call_at, now=current(now))
    assembly = Assembly.objects.create(
        cooperative=cooperative,
        kind=kind,
        title=_clean_title(title),
        remote_allowed=remote_allowed,
        postal_allowed=postal_allowed,
        results_live=results_live,
        created_by=actor,
    )
    AssemblyCall.objects.create(
        assembly=assembly, number=1, scheduled_at=first_call_at, place=place, remote_url=remote_url
    )
    if second_call_at is not None:
        AssemblyCall.objects.create(
            assembly=assembly,
            number=2,
            scheduled_at=second_call_at,
            place=place,
            remote_url=remote_url,
        )
    audit(
        actor,
        "assembly.created",
        assembly,
        assembly,
        kind=kind,
        title=assembly.title,
        first_call_at=first_call_at,
        second_call_at=second_call_at,
    )
    return assembly


@transaction.atomic
def assembly_update(
    *,
    actor: Person,
    assembly: Assembly,
    title: str = UNSET,
    first_call_at: dt.datetime = UNSET,
    second_call_at: dt.datetime | None = UNSET,
    place: str = UNSET,
    remote_url: str = UNSET,
    remote_allowed: bool = UNSET,
    postal_allowed: bool = UNSET,
    results_live: bool = UNSET,
    now: dt.datetime | None = None,
) -> Assembly:
    """Change a draft: its title, dates, place, link and options. The board only; audited."""
    assembly = lock_assembly(assembly.pk)
    require_board(actor, assembly.cooperative)
    require_status(
        assembly,
        AssemblyStatus.DRAFT,
        message=_("Only a draft assembly can change; this one is convened."),
    )
    calls = {c.number: c for c in assembly.calls.all()}
    first = calls[1]
    changes: dict[str, Any] = {}
    if title is not UNSET:
        assembly.title = changes["title"] = _clean_title(title)
    options = (
        ("remote_allowed", remote_allowed),
        ("postal_allowed", postal_allowed),
        ("results_live", results_live),
    )
    for name, value in options:
        if value is not UNSET:
            setattr(assembly, name, bool(value))
            changes[name] = bool(value)
    new_first = first.scheduled_at if first_call_at is UNSET else first_call_at
    current_second = calls[2].scheduled_at if 2 in calls else None
    new_second = current_second if second_call_at is UNSET else second_call_at
    _check_calls(new_first, new_second, now=current(now))
    for call in calls.values():
        if place is not UNSET:
            call.place = place
        if remote_url is not UNSET:
            call.remote_url = remote_url
    first.scheduled_at = new_first
    if new_second is None and 2 in calls:
        calls.pop(2).delete()
    elif new_second is not None:
        if 2 not in calls:
            calls[2] = AssemblyCall(
                assembly=assembly, number=2, place=first.place, remote_url=first.remote_url
            )
        calls[2].scheduled_at = new_second
    for call in calls.values():
        call.save()
    changes.update(first_call_at=new_first, second_call_at=new_second)
    if place is not UNSET:
        changes["place"] = place
    if remote_url is not UNSET:
        changes["remote_url"] = remote_url
    assembly.save()
    audit(actor, "assembly.updated", assembly, assembly, **changes)
    return assembly


def _next_position(assembly: Assembly) -> int:
    last = AgendaItem.objects.filter(assembly=assembly).aggregate(m=Max("position"))["m"]
    return (last or 0) + 1


@transaction.atomic
def agenda_item_add(
    *,
    actor: Person,
    assembly: Assembly,
    kind: str,
    title: str,
    text: str = "",
    board_backed: bool = True,
    is_secret: bool | None = None,
    proposal: Any = None,
    seats: int | None = None,
    term_years: int | None = None,
    role: str = BoardRoleKind.DIRECTOR,
    reserved: Sequence[tuple[College, int]] = (),
) -> AgendaItem:
    """Add a point to the agenda of a draft; the convocation fixes the agenda.

    A resolution may put a proposal of the deliberation to the vote (its decision kind
    must be the assembly's). A board election names its seats, the term (at most six
    years) and optionally seats reserved for colleges. The board only; audited.
    """
    assembly = lock_assembly(assembly.pk)
    require_board(actor, assembly.cooperative)
    require_status(
        assembly,
        AssemblyStatus.DRAFT,
        message=_("The convocation fixed the agenda: it can no longer change."),
    )
    if kind not in ItemKind.values:
        raise InvalidInput(code="unknown_item_kind", message=_("Unknown kind of agenda item."))
    if proposal is not None:
        if kind != ItemKind.RESOLUTION:
            raise InvalidInput(
                code="proposal_on_resolution_only",
                message=_("Only a resolution puts a proposal to the vote."),
            )
        if proposal.cooperative_id != assembly.cooperative_id:
            raise InvalidInput(
                code="wrong_cooperative", message=_("The proposal belongs to another cooperative.")
            )
        if proposal.decision_kind != assembly.kind:
            raise InvalidInput(
                code="decision_kind_mismatch",
                message=_(
                    "This proposal calls for a %(kind)s decision; put it to an assembly "
                    "of that kind."
                )
                % {"kind": proposal.get_decision_kind_display()},
            )
    item = AgendaItem.objects.create(
        assembly=assembly,
        position=_next_position(assembly),
        kind=kind,
        title=_clean_title(title),
        text=_clean_text(text),
        is_secret=None if kind == ItemKind.INFORMATION else is_secret,
        proposal=proposal,
    )
    if kind == ItemKind.RESOLUTION:
        Resolution.objects.create(item=item, title=item.title, board_backed=board_backed)
    elif kind == ItemKind.ELECTION:
        _election_create(
            item,
            seats=seats,
            term_years=term_years,
            role=role,
            reserved=reserved,
            cooperative=assembly.cooperative,
        )
    audit(
        actor,
        "assembly.agenda_item_added",
        assembly,
        item,
        position=item.position,
        kind=kind,
        title=item.title,
        proposal_id=getattr(proposal, "pk", None),
    )
    return item


def _election_create(
    item: AgendaItem,
    *,
    seats: int | None,
    term_years: int | None,
    role: str,
    reserved: Sequence[tuple[College, int]],
    cooperative: Cooperative,
) -> Election:
    if not seats or seats < 1:
        raise ElectionError(
            code="seats_required", message=_("Say how many board seats the election fills.")
        )
    term = term_years or BOARD_TERM_MAX_YEARS
    if not 1 <= term <= BOARD_TERM_MAX_YEARS:
        raise ElectionError(
            code="board_term_too_long",
            message=_("A board term lasts at most %(n)d years.") % {"n": BOARD_TERM_MAX_YEARS},
        )
    if role not in BoardRoleKind.values:
        raise ElectionError(code="unknown_role", message=_("Unknown board role."))
    total = 0
    seen: set[int] = set()
    for college, count in reserved:
        if college.cooperative_id != cooperative.pk or not college.is_active:
            raise ElectionError(
                code="wrong_college", message=_("Reserve seats for a college of this cooperative.")
            )
        if college.pk in seen or count < 1:
            raise ElectionError(
                code="reserved_invalid", message=_("Reserve at least one seat, once per college.")
            )
        seen.add(college.pk)
        total += count
    if total > seats:
        raise ElectionError(
            code="reserved_exceeds_seats",
            message=_("%(reserved)d seats are reserved but the election fills only %(seats)d.")
            % {"reserved": total, "seats": seats},
        )
    election = Election.objects.create(item=item, seats=seats, term_years=term, role=role)
    ReservedSeat.objects.bulk_create(
        ReservedSeat(election=election, college=college, seats=count) for college, count in reserved
    )
    return election


@transaction.atomic
def agenda_item_remove(*, actor: Person, item: AgendaItem) -> None:
    """Remove a point from the agenda of a draft; the next ones move up. Audited."""
    assembly = lock_assembly(item.assembly_id)
    require_board(actor, assembly.cooperative)
    require_status(
        assembly,
        AssemblyStatus.DRAFT,
        message=_("The convocation fixed the agenda: it can no longer change."),
    )
    position, title = item.position, item.title
    item.delete()
    for later in AgendaItem.objects.filter(assembly=assembly, position__gt=position).order_by(
        "position"
    ):
        later.position -= 1
        later.save(update_fields=["position"])
    audit(actor, "assembly.agenda_item_removed", assembly, assembly, position=position, title=title)


@transaction.atomic
def document_add(
    *,
    actor: Person,
    assembly: Assembly,
    title: str,
    url: str,
    sha256: str = "",
    now: dt.datetime | None = None,
) -> AssemblyDocument:
    """Attach a document to the convocation (a link, with its digest when known)."""
    assembly = lock_assembly(assembly.pk)
    require_board(actor, assembly.cooperative)
    require_status(
        assembly,
        AssemblyStatus.DRAFT,
        message=_("Documents are sent with the convocation: add them before it."),
    )
    if not url.lower().startswith(("https://", "http://")):
        raise InvalidInput(code="url_invalid", message=_("Give an http or https address."))
    document = AssemblyDocument.objects.create(
        assembly=assembly,
        title=_clean_title(title),
        url=url,
        sha256=sha256.lower(),
        added_at=current(now),
    )
    audit(
        actor,
        "assembly.document_added",
        assembly,
        document,
        title=document.title,
        url=url,
        sha256=document.sha256,
    )
    return document
