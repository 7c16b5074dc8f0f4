"""What needs me: the person's to-do list across cooperatives, and the reader's marks on
lists of votes and assemblies ("to vote", "voted", "closed")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from assemblies.models import (
    Assembly,
    AssemblyProxy,
    AssemblyStatus,
    Attendance,
    AttendanceIntent,
    PostalVote,
)
from deliberation import selectors as deliberation_selectors
from deliberation.models import Amendment, AmendmentStatus, ProposalRead, ProposalStatus
from governance.acting import acting_members_anywhere, acting_members_filter
from governance.models import Cooperative, Member, Membership, MembershipStatus, Person
from governance.permissions import Viewer
from voting.models import Proxy, RollEntry, Vote, VoteStatus

TODO = "todo"
DONE = "done"
CLOSED = "closed"

LIVE_ASSEMBLY = [AssemblyStatus.CONVENED, AssemblyStatus.IN_SESSION, AssemblyStatus.ADJOURNED]


@dataclass
class TodoItem:
    kind: str
    title: str
    url: str
    cooperative: str
    why: str
    state: str
    state_label: str
    deadline: dt.datetime | None = None


def acting_members(person: Person) -> dict[int, Member]:
    """Every member the person acts for, in every cooperative: themself, and the legal
    persons they represent (the rule of governance.selectors.members_acting_person)."""
    if not person.is_authenticated:
        return {}
    members = acting_members_anywhere(person).select_related("cooperative")
    return {m.pk: m for m in members}


def _acting_for(member: Member, person: Viewer) -> str:
    if member.person_id == person.pk:
        return _("You are on the roll.")
    return _("You represent %(organisation)s.") % {"organisation": member.name}


def _vote_items(person: Viewer, members: dict[int, Member]) -> list[TodoItem]:
    items = []
    entries = (
        RollEntry.objects.filter(
            vote__status=VoteStatus.OPEN, vote__booth="", member_id__in=list(members)
        )
        .select_related("vote", "vote__cooperative")
        .order_by("vote_id", "id")
    )
    for entry in entries:
        vote = entry.vote
        member = members[entry.member_id]
        if entry.has_voted:
            state, label = (
                DONE,
                (_("voted by proxy") if entry.voted_via_proxy else pgettext("mark", "voted")),
            )
        else:
            state, label = TODO, pgettext("mark", "to vote")
        items.append(
            TodoItem(
                "vote",
                vote.title,
                reverse("frontend:vote", kwargs={"pk": vote.pk}),
                vote.cooperative.name,
                _("Vote open. %(why)s") % {"why": _acting_for(member, person)},
                state,
                label,
                vote.closes_at,
            )
        )
    voted = RollEntry.objects.filter(
        vote_id=OuterRef("vote_id"), member_id=OuterRef("principal_id"), has_voted=True
    )
    proxies = (
        Proxy.objects.filter(
            holder_id__in=list(members), revoked_at__isnull=True, vote__status=VoteStatus.OPEN
        )
        .annotate(principal_voted=Exists(voted))
        .select_related("vote", "vote__cooperative", "principal")
    )
    for proxy in proxies:
        vote = proxy.vote
        done = proxy.used_at is not None or proxy.principal_voted  # type: ignore[attr-defined]
        items.append(
            TodoItem(
                "proxy",
                vote.title,
                reverse("frontend:vote", kwargs={"pk": vote.pk}),
                vote.cooperative.name,
                _("%(principal)s gave you their proxy for this vote.")
                % {"principal": proxy.principal.name},
                DONE if done else TODO,
                pgettext("mark", "voted") if done else pgettext("mark", "to vote"),
                vote.closes_at,
            )
        )
    return items


def _assembly_items(person: Viewer, members: dict[int, Member]) -> list[TodoItem]:
    active = dict(
        Membership.objects.filter(
            member_id__in=list(members), status=MembershipStatus.ACTIVE
        ).values_list("member_id", "cooperative_id")
    )
    if not active:
        return []
    assemblies = list(
        Assembly.objects.filter(cooperative_id__in=set(active.values()), status__in=LIVE_ASSEMBLY)
        .select_related("cooperative")
        .prefetch_related("calls")
    )
    if not assemblies:
        return []
    intents = {
        (i.assembly_id, i.member_id): i
        for i in AttendanceIntent.objects.filter(assembly__in=assemblies, member_id__in=active)
    }
    given = {
        (p.assembly_id, p.principal_id): p
        for p in AssemblyProxy.objects.filter(
            assembly__in=assemblies, principal_id__in=active, revoked_at__isnull=True
        ).select_related("holder")
    }
    held = list(
        AssemblyProxy.objects.filter(
            assembly__in=assemblies, holder_id__in=active, revoked_at__isnull=True
        ).select_related("principal")
    )
    items = []
    for assembly in assemblies:
        calls = {c.number: c for c in assembly.calls.all()}
        call = calls.get(assembly.current_call)
        when = call.scheduled_at if call else None
        url = reverse("frontend:assembly", kwargs={"pk": assembly.pk})
        for member_id, cooperative_id in active.items():
            if cooperative_id != assembly.cooperative_id:
                continue
            member = members[member_id]
            proxy = given.get((assembly.pk, member_id))
            intent = intents.get((assembly.pk, member_id))
            if proxy is not None:
                answer = _("your answer: proxy given to %(holder)s") % {
                    "holder": proxy.holder.name if proxy.holder else _("the chair")
                }
            elif intent is not None:
                answer = _("your answer: %(mode)s") % {"mode": intent.get_mode_display()}
            else:
                answer = _("you have not answered yet")
            items.append(
                TodoItem(
                    "assembly",
                    assembly.title,
                    url,
                    assembly.cooperative.name,
                    _("You are convened; %(answer)s. %(why)s")
                    % {"answer": answer, "why": _acting_for(member, person)},
                    DONE if (proxy or intent) else TODO,
                    _("answered") if (proxy or intent) else _("to answer"),
                    when,
                )
            )
        for proxy in held:
            if proxy.assembly_id != assembly.pk:
                continue
            items.append(
                TodoItem(
                    "proxy",
                    assembly.title,
                    url,
                    assembly.cooperative.name,
                    _("%(principal)s gave you their proxy for this assembly.")
                    % {"principal": proxy.principal.name},
                    TODO,
                    _("to attend"),
                    when,
                )
            )
    return items


def _proposal_items(person: Person, members: dict[int, Member]) -> list[TodoItem]:
    items = []
    cooperatives = {m.cooperative_id: m.cooperative for m in members.values()}
    read = ProposalRead.objects.filter(
        person=person, proposal=OuterRef("pk"), version__gte=OuterRef("current_version")
    )
    for cooperative in cooperatives.values():
        unread = (
            deliberation_selectors.proposal_list(
                person, cooperative, status=ProposalStatus.IN_DELIBERATION
            )
            .exclude(author=person)
            .exclude(Exists(read))[:20]
        )
        for proposal in unread:
            items.append(
                TodoItem(
                    "proposal",
                    proposal.title,
                    reverse("frontend:proposal", kwargs={"pk": proposal.pk}),
                    cooperative.name,
                    _("In debate; you have not read its current text."),
                    TODO,
                    _("to read"),
                    proposal.deliberation_closes_at,
                )
            )
    amendments = Amendment.objects.filter(
        proposal__author=person,
        status=AmendmentStatus.PROPOSED,
        proposal__status=ProposalStatus.IN_DELIBERATION,
    ).select_related("proposal", "proposal__cooperative", "author")
    for amendment in amendments[:50]:
        proposal = amendment.proposal
        items.append(
            TodoItem(
                "amendment",
                proposal.title,
                reverse("frontend:proposal", kwargs={"pk": proposal.pk})
                + f"#amendment-{amendment.pk}",
                proposal.cooperative.name,
                _("%(who)s proposed an amendment to your proposal; accept or reject it.")
                % {"who": amendment.author},
                TODO,
                _("to decide"),
                proposal.deliberation_closes_at,
            )
        )
    return items


def todo_list(person: Person) -> list[TodoItem]:
    """Everything waiting for the person, by deadline (those without one last); each item
    says why it is there and whether it is done. A handful of queries, whatever the size
    of the cooperatives."""
    members = acting_members(person)
    items = _vote_items(person, members) + _assembly_items(person, members)
    items += _proposal_items(person, members)
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    items.sort(key=lambda i: (i.state != TODO, i.deadline or far, i.title))
    return items


def mark_votes(person: Viewer, cooperative: Cooperative, votes: QuerySet[Vote]) -> QuerySet[Vote]:
    """Annotate each vote with the reader's mark: `reader_on_roll` and `reader_to_vote`
    (some member they act for has not voted yet)."""
    if not person.is_authenticated:
        return votes
    roll = RollEntry.objects.filter(
        acting_members_filter(cooperative.pk, person), vote_id=OuterRef("pk")
    )
    return votes.annotate(
        reader_on_roll=Exists(roll), reader_to_vote=Exists(roll.filter(has_voted=False))
    )


def vote_mark(vote: Any) -> tuple[str, str]:
    """The reader's mark of an annotated vote: (state, label); ("", "") when none applies."""
    if vote.status in (VoteStatus.CLOSED, VoteStatus.CANCELLED):
        return CLOSED, pgettext("mark", "closed")
    if vote.status != VoteStatus.OPEN or not getattr(vote, "reader_on_roll", False):
        return "", ""
    if vote.reader_to_vote:
        return TODO, pgettext("mark", "to vote")
    return DONE, pgettext("mark", "voted")


def mark_assemblies(person: Viewer, cooperative: Cooperative, assemblies: list[Assembly]) -> None:
    """Set `reader_mark` (state, label) on each assembly: closed, voted (present, by post
    or by proxy), or to vote (convened and the reader acts for a member)."""
    if not person.is_authenticated or not assemblies:
        return
    mine = list(
        Member.objects.filter(acting_members_filter(cooperative.pk, person, "pk")).values_list(
            "pk", flat=True
        )
    )
    ids = [a.pk for a in assemblies]
    took_part = set(
        PostalVote.objects.filter(assembly_id__in=ids, member_id__in=mine).values_list(
            "assembly_id", flat=True
        )
    )
    took_part |= set(
        AssemblyProxy.objects.filter(
            assembly_id__in=ids, principal_id__in=mine, revoked_at__isnull=True
        ).values_list("assembly_id", flat=True)
    )
    took_part |= set(
        Attendance.objects.filter(call__assembly_id__in=ids, member_id__in=mine).values_list(
            "call__assembly_id", flat=True
        )
    )
    for assembly in assemblies:
        if assembly.status in (AssemblyStatus.CLOSED, AssemblyStatus.CANCELLED):
            mark = (CLOSED, pgettext("mark", "closed"))
        elif not mine or assembly.status == AssemblyStatus.DRAFT:
            mark = ("", "")
        elif assembly.pk in took_part:
            mark = (DONE, pgettext("mark", "voted"))
        else:
            mark = (TODO, pgettext("mark", "to vote"))
        assembly.reader_mark = mark  # type: ignore[attr-defined]
