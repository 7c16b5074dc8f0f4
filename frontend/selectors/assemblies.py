"""Reads for the assembly pages: the member's page, the board's preparation, desk and chair."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from assemblies.models import (
    BEFORE_MEETING_STATUSES,
    Assembly,
    AssemblyCall,
    AssemblyKind,
    AssemblyProxy,
    AssemblyStatus,
    Attendance,
    AttendanceIntent,
    ConvocationChannel,
    ConvocationStatus,
    IntentMode,
    ItemKind,
    ItemStatus,
    Minutes,
    MinutesSignature,
    PostalVote,
)
from assemblies.permissions import (
    assemblies_visible,
    can_read_attendance,
    can_read_convocations,
)
from assemblies.selectors import (
    AttendanceCount,
    RollCollege,
    agenda_items,
    assembly_rules,
    call_attendance,
    college_keys,
    convocation_counts,
    current_call,
    proxy_list,
    resolutions_of,
    roll_colleges,
    voting_memberships,
)
from assemblies.services import _common as services_clock
from assemblies.services.attendance import CHECK_IN_OPENS
from assemblies.services.minutes import bureau_roles
from frontend.selectors import e2e as e2e_selectors
from frontend.selectors.votes import booth as vote_booth
from governance.models import Cooperative, Member, Person, Representative
from governance.permissions import CooperativeRole, Viewer
from governance.selectors import decision_rules, members_acting_person, rules_current
from voting import selectors as voting_selectors
from voting.models import ResolutionChoice, VoteStatus

SEARCH_RESULTS_MAX = 30


def assembly_list(person: Viewer, cooperative: Cooperative) -> list[Assembly]:
    return list(assemblies_visible(person, cooperative).prefetch_related("calls").order_by("-id"))


def notice_rules(cooperative: Cooperative, *, today: dt.date | None = None) -> list[dict[str, Any]]:
    """The notice each kind of assembly needs under the rules in force, and the earliest
    first call the board may convene today (the convene service applies the same rule)."""
    today = today or timezone.localdate()
    version = rules_current(cooperative)
    rows = []
    for kind in AssemblyKind:
        rules = decision_rules(version, kind.value)
        rows.append(
            {
                "kind": kind.value,
                "label": kind.label,
                "first": rules.notice_days_first_call,
                "later": rules.notice_days_later_call,
                "earliest": today + dt.timedelta(days=rules.notice_days_first_call),
            }
        )
    return rows


def _calls(assembly: Assembly) -> list[AssemblyCall]:
    return sorted(assembly.calls.all(), key=lambda call: call.number)


def _minutes(assembly: Assembly) -> Minutes | None:
    return Minutes.objects.filter(assembly=assembly).defer("html", "pdf").first()


def assembly_page(person: Person, assembly: Assembly, role: CooperativeRole) -> dict[str, Any]:
    """The member's page: agenda, documents, calls, and what the viewer may do before and
    during the meeting for each member they act for."""
    items = list(agenda_items().filter(assembly=assembly))
    own = members_acting_person(assembly.cooperative, person, active=True) if role.is_member else []
    rules = assembly_rules(assembly)
    before = assembly.status in BEFORE_MEETING_STATUSES
    proxies = (
        [p for p in proxy_list(assembly, person, role) if p.revoked_at is None]
        if role.can_read
        else []
    )
    own_ids = {m.pk for m in own}
    given = [p for p in proxies if p.principal_id in own_ids]
    held = [p for p in proxies if p.holder_id in own_ids]
    postal = list(
        PostalVote.objects.filter(assembly=assembly, member_id__in=own_ids).select_related(
            "resolution"
        )
    )
    postal_by = {(v.member_id, v.resolution_id): v for v in postal}
    intents = {
        i.member_id: i.mode
        for i in AttendanceIntent.objects.filter(assembly=assembly, member_id__in=own_ids)
    }
    postal_resolutions = [
        r
        for r in resolutions_of(assembly)
        if r.item.kind != ItemKind.INFORMATION and r.item.status == ItemStatus.PENDING
    ]
    members: list[dict[str, Any]] = []
    for member in own:
        proxy = next((p for p in given if p.principal_id == member.pk), None)
        members.append(
            {
                "member": member,
                "proxy": proxy,
                "postal": [
                    {"resolution": r, "vote": postal_by.get((member.pk, r.pk))}
                    for r in postal_resolutions
                ],
                "has_postal": any(v.member_id == member.pk for v in postal),
                "intent": intents.get(member.pk, ""),
            }
        )
    call = current_call(assembly) if assembly.status != AssemblyStatus.DRAFT else None
    attending = []
    in_meeting = assembly.status in (AssemblyStatus.CONVENED, AssemblyStatus.IN_SESSION)
    if call is not None and own_ids and in_meeting:
        attending = list(
            Attendance.objects.filter(
                call=call, member_id__in=own_ids, checked_out_at__isnull=True
            ).select_related("member")
        )
    for entry in members:
        entry["attendance"] = next(
            (a for a in attending if a.member_id == entry["member"].pk), None
        )
    check_in_open = (
        in_meeting
        and call is not None
        and assembly.remote_allowed
        # The services' clock, so a page agrees with the service it leads to.
        and services_clock.clock() >= call.scheduled_at - CHECK_IN_OPENS
    )
    return {
        "assembly": assembly,
        "check_in_open": check_in_open,
        "items": items,
        "documents": list(assembly.documents.all()),
        "calls": _calls(assembly),
        "current": call,
        "rules": rules,
        "before_meeting": before,
        "members": members,
        "proxies_held": held,
        "attending": attending,
        "choices": ResolutionChoice.choices,
        "intent_choices": IntentMode.choices,
        "minutes": _minutes(assembly) if assembly.status == AssemblyStatus.CLOSED else None,
        "can_manage": role.is_board,
        "elected": _elected(items),
        "bureau_roles": bureau_roles(assembly, person) if role.can_read else [],
        "signatures": _signatures(assembly),
    }


def _signatures(assembly: Assembly) -> list[Any]:
    return list(
        MinutesSignature.objects.filter(minutes__assembly=assembly)
        .select_related("person")
        .order_by("signed_at", "id")
    )


def _elected(items: list[Any]) -> list[dict[str, Any]]:
    rows = []
    for item in items:
        if item.kind != ItemKind.ELECTION or item.status != ItemStatus.CLOSED:
            continue
        election = item.election
        elected = [c for c in election.candidates.all() if c.elected]
        reserved = list(election.reserved.all())
        rows.append(
            {
                "item": item,
                "candidates": elected,
                "reserved": reserved,
                "by_college": _seats_by_college(elected, reserved),
            }
        )
    return rows


def _seats_by_college(elected: list[Any], reserved: list[Any]) -> list[dict[str, Any]]:
    """Seats won per college, beside the seats the statutes reserve for it."""
    colleges: dict[Any, dict[str, Any]] = {}
    for seat in reserved:
        row = colleges.setdefault(seat.college_id, {"college": seat.college, "won": 0})
        row["reserved"] = row.get("reserved", 0) + seat.seats
    for candidate in elected:
        row = colleges.setdefault(candidate.college_id, {"college": candidate.college, "won": 0})
        row["won"] += 1
    return sorted(
        ({"reserved": 0, **row} for row in colleges.values()),
        key=lambda row: (row["college"] is None, getattr(row["college"], "name", "")),
    )


def _members_named(
    assembly: Assembly, colleges: list[RollCollege], query: str, *, usernames: bool
) -> QuerySet[Member]:
    """The members with a vote whose name contains `query` (any case), or the name of one
    of their live representatives (and, with `usernames`, the member's or a
    representative's user name), in name order. Every condition is a probe from the
    member's row, with no join to deduplicate: the database walks the cooperative's index
    of names and stops once the caller's slice is full."""
    members = Member.objects.filter(cooperative=assembly.cooperative).filter(
        Exists(voting_memberships(assembly.cooperative, colleges).filter(member_id=OuterRef("pk")))
    )
    if not query:
        return members.order_by("name", "id")
    named = Q(person__display_name__icontains=query)
    if usernames:
        named |= Q(person__username__icontains=query)
    representative = Representative.objects.filter(
        named, member_id=OuterRef("pk"), revoked_at__isnull=True
    )
    matches = Q(name__icontains=query) | Q(Exists(representative))
    if usernames:
        matches |= Q(person__username__icontains=query)
    return members.filter(matches).order_by("name", "id")


def holder_search(
    assembly: Assembly, person: Viewer, query: str, *, exclude: set[int]
) -> list[dict[str, Any]]:
    """Members with a vote whose name (or representative's name) matches, each with the
    number of proxies already held, so the giver sees who reached the cap."""
    query = " ".join(query.split())[:100]
    if len(query) < 2:
        return []
    colleges = roll_colleges(assembly.cooperative)
    names = {c.key: c.name for c in colleges}
    members = list(
        _members_named(assembly, colleges, query, usernames=False).exclude(pk__in=exclude)[
            :SEARCH_RESULTS_MAX
        ]
    )
    ids = [m.pk for m in members]
    roll = college_keys(assembly.cooperative, ids, colleges)
    held = dict(
        AssemblyProxy.objects.filter(assembly=assembly, revoked_at__isnull=True, holder_id__in=ids)
        .values("holder_id")
        .annotate(n=Count("id"))
        .values_list("holder_id", "n")
    )
    rules = assembly_rules(assembly)
    return [
        {
            "member": m,
            "college": names.get(roll.get(m.pk, ""), ""),
            "held": held.get(m.pk, 0),
            "full": rules.proxy_cap_reached(held.get(m.pk, 0)),
        }
        for m in members
    ]


def convocations_page(assembly: Assembly, role: CooperativeRole) -> dict[str, Any]:
    """Each convened call with its convocations counted per channel and state; the view
    adds a page of each call's rows (`convocation_list`)."""
    if not can_read_convocations(role):
        return {"calls": []}
    calls = []
    email = ConvocationChannel.EMAIL
    for call in _calls(assembly):
        if call.convened_at is None:
            continue
        counts = convocation_counts(call)
        calls.append(
            {
                "call": call,
                "emails_sent": counts.get((email, ConvocationStatus.SENT), 0),
                "emails_failed": counts.get((email, ConvocationStatus.FAILED), 0),
                "emails_queued": counts.get((email, ConvocationStatus.QUEUED), 0),
                "no_address": counts.get((email, ConvocationStatus.NO_ADDRESS), 0),
                "in_app": counts.get((ConvocationChannel.IN_APP, ConvocationStatus.SENT), 0),
            }
        )
    return {"calls": calls}


@dataclass
class DeskRow:
    member: Member
    college: str
    representatives: list[Any]
    attendance: Attendance | None
    proxy: AssemblyProxy | None
    proxies_held: int
    postal: bool


def desk_rows(assembly: Assembly, query: str) -> list[DeskRow]:
    """The attendance sheet found by name: a member, or a legal person by the name of its
    representative; with what the desk must know (signed in, proxy given, postal vote)."""
    query = " ".join(query.split())[:100]
    colleges = roll_colleges(assembly.cooperative)
    names = {c.key: c.name for c in colleges}
    members = _members_named(assembly, colleges, query, usernames=True)
    found = list(
        members.prefetch_related("representatives__person")[: SEARCH_RESULTS_MAX if query else 200]
    )
    call = current_call(assembly)
    ids = [m.pk for m in found]
    roll = college_keys(assembly.cooperative, ids, colleges)
    open_rows = {
        a.member_id: a
        for a in Attendance.objects.filter(
            call=call, member_id__in=ids, checked_out_at__isnull=True
        )
    }
    proxies = {
        p.principal_id: p
        for p in AssemblyProxy.objects.filter(
            assembly=assembly, principal_id__in=ids, revoked_at__isnull=True
        ).select_related("holder")
    }
    held = dict(
        AssemblyProxy.objects.filter(assembly=assembly, holder_id__in=ids, revoked_at__isnull=True)
        .values("holder_id")
        .annotate(n=Count("id"))
        .values_list("holder_id", "n")
    )
    postal = set(
        PostalVote.objects.filter(assembly=assembly, member_id__in=ids).values_list(
            "member_id", flat=True
        )
    )
    return [
        DeskRow(
            member=m,
            college=names.get(roll.get(m.pk, ""), ""),
            representatives=[r.person for r in m.representatives.all() if r.revoked_at is None],
            attendance=open_rows.get(m.pk),
            proxy=proxies.get(m.pk),
            proxies_held=held.get(m.pk, 0),
            postal=m.pk in postal,
        )
        for m in found
    ]


def quorum_view(assembly: Assembly) -> dict[str, Any]:
    """The live quorum of the current call, and the figures recorded for earlier calls."""
    calls = _calls(assembly)
    count: AttendanceCount | None = None
    if assembly.status in (AssemblyStatus.CONVENED, AssemblyStatus.IN_SESSION):
        count = call_attendance(assembly, current_call(assembly))
    expected = dict(
        AttendanceIntent.objects.filter(assembly=assembly)
        .values("mode")
        .annotate(n=Count("id"))
        .values_list("mode", "n")
    )
    return {
        "calls": calls,
        "live": count.as_dict() if count is not None else None,
        "recorded": [c for c in calls if c.attendance],
        "expected": expected,
    }


def open_item(assembly: Assembly) -> Any:
    return next(
        (i for i in agenda_items().filter(assembly=assembly) if i.status == ItemStatus.OPEN), None
    )


def booth_part(person: Viewer, assembly: Assembly, role: CooperativeRole) -> dict[str, Any]:
    """The booth of the current point: each of its open resolutions with what the viewer
    may cast (their members and the proxies they hold), and the turnout so far."""
    item = open_item(assembly) if assembly.status == AssemblyStatus.IN_SESSION else None
    resolutions = []
    ballots: list[dict[str, Any]] = []
    if item is not None:
        for resolution in item.resolutions.all():
            vote = resolution.vote
            if vote is None or vote.status != VoteStatus.OPEN:
                continue
            context = vote_booth(person, vote, role)
            e2e = e2e_selectors.assembly_booth_ballots(resolution, vote, context["entries"])
            ballots.extend(e2e)
            resolutions.append({"resolution": resolution, **context, "e2e": bool(e2e)})
    last_closed = None
    if item is None:
        closed = [i for i in agenda_items().filter(assembly=assembly) if i.status == "closed"]
        last_closed = closed[-1] if closed else None
    return {
        "assembly": assembly,
        "item": item,
        "resolutions": resolutions,
        "last_closed": last_closed,
        "can_attend": can_read_attendance(role),
        # The encrypting booth of the resolutions counted end to end, one form per member.
        "e2e": {"ballots": ballots} if ballots else None,
    }


def screen_part(assembly: Assembly) -> dict[str, Any]:
    """What the projector shows: the point under way, its turnout per college, and the
    result of the last point closed; counts only, never names."""
    items = list(agenda_items().filter(assembly=assembly))
    item = next((i for i in items if i.status == ItemStatus.OPEN), None)
    closed = [i for i in items if i.status == ItemStatus.CLOSED]
    turnouts = []
    if item is not None:
        for resolution in item.resolutions.all():
            if resolution.vote is not None:
                turnouts.append(
                    {
                        "resolution": resolution,
                        "turnout": voting_selectors.vote_turnout(resolution.vote),
                    }
                )
    return {
        "assembly": assembly,
        "item": item,
        "turnouts": turnouts,
        "last_closed": closed[-1] if closed else None,
        "live_quorum": quorum_view(assembly)["live"],
    }
