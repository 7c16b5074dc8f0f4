"""Reads of votes: tallies aggregated in SQL, turnout, rolls, ballots, the box, decisions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import ngettext

from governance.models import Cooperative
from governance.permissions import CooperativeRole, Viewer
from governance.selectors import decision_rules, members_acting_person
from voting.models import (
    Ballot,
    CountedTracker,
    Decision,
    Objection,
    Proxy,
    RollEntry,
    SecretBallot,
    UnlinkedSealedBallot,
    Vote,
    VoteCollege,
    VoteMethod,
    VoteStatus,
)
from voting.permissions import vote_visible_queryset
from voting.sealing import tracker_from_code
from voting.tally.from_ballots import (
    FrozenCollege,
    ObjectionInput,
    TallyInput,
    TallyOutcome,
    rules_spec,
    tally_ballots,
)


def vote_colleges(vote: Vote) -> list[VoteCollege]:
    return list(VoteCollege.objects.filter(vote=vote).order_by("position", "id"))


def vote_counts(vote: Vote) -> list[tuple[int, Any, int]]:
    """(vote college id, stored choice, ballots) for the ballots that count, in one GROUP BY.

    Equal ballots have equal stored forms (see voting.choices), so a million ballots come
    back as a few rows and the tally never iterates over ballots in Python.
    """
    box: QuerySet[Any] = (
        SecretBallot.objects.filter(vote=vote)
        if vote.is_secret
        else Ballot.objects.filter(vote=vote, is_current=True)
    )
    rows = box.values_list("vote_college_id", "choice").annotate(n=Count("*")).order_by()
    return [(college_id, choice, n) for college_id, choice, n in rows]


def vote_tally(
    vote: Vote,
    *,
    colleges: list[VoteCollege] | None = None,
    attendance: Mapping[str, int] | None = None,
    extra_counts: Sequence[tuple[str, Any, int]] = (),
) -> TallyOutcome:
    """The result of an open or closing vote under its frozen roll, colleges and rules: the
    counted ballots (`vote_counts`) go to `voting.tally.from_ballots.tally_ballots`. With
    `attendance` (college key -> members taking part), the quorum counts those members.
    Raises TallyInputError when the attendance does not fit the roll and the ballots.
    `extra_counts` (college key, choice, ballots) are counted beside the stored ballots:
    the decrypted totals of a vote counted end to end."""
    assert vote.rules_version is not None, "only an opened vote has a tally"
    colleges = colleges if colleges is not None else vote_colleges(vote)
    keys = {c.pk: c.key for c in colleges}
    rules = decision_rules(vote.rules_version, vote.decision_kind)
    objections: list[ObjectionInput] = []
    if vote.method == VoteMethod.CONSENT:
        objections = [
            ObjectionInput(id=o.pk, state=o.state, is_paramount=o.is_paramount)
            for o in Objection.objects.filter(vote=vote).order_by("id")
        ]
    return tally_ballots(
        TallyInput(
            method=vote.method,
            rules=rules_spec(rules, quorum_call=vote.quorum_call),
            colleges=[
                FrozenCollege(
                    key=c.key, name=c.name, weight=Fraction(c.weight), eligible=c.eligible
                )
                for c in colleges
            ],
            counts=[
                *((keys[college_id], choice, n) for college_id, choice, n in vote_counts(vote)),
                *extra_counts,
            ],
            options=vote.options,
            grades=vote.grades,
            objections=objections,
            attendance=attendance,
        )
    )


def vote_turnout(vote: Vote) -> dict[str, Any]:
    """Members on the roll and members who voted, per college: never who voted what.

    Pushed after every first ballot on a proposal's vote, so the statement is written out
    by hand; each college counts its voters through the (vote, college, has_voted) index,
    in time that grows with the ballots cast, not with the roll."""
    colleges_table, roll_table = VoteCollege._meta.db_table, RollEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.key, c.name, c.eligible, (SELECT COUNT(*) FROM {roll_table} r"
            " WHERE r.vote_id = c.vote_id AND r.vote_college_id = c.id AND r.has_voted)"
            f" FROM {colleges_table} c WHERE c.vote_id = %s ORDER BY c.position, c.id",
            [vote.pk],
        )
        rows = cursor.fetchall()
    colleges = [
        {"key": key, "name": name, "eligible": eligible, "voted": voted}
        for key, name, eligible, voted in rows
    ]
    return {
        "vote_id": vote.pk,
        "eligible": sum(c["eligible"] for c in colleges),
        "voted": sum(c["voted"] for c in colleges),
        "colleges": colleges,
    }


def roll_size(vote: Vote) -> int:
    """How many members are on the vote's roll (fixed when the vote opened)."""
    total = VoteCollege.objects.filter(vote=vote).aggregate(total=Sum("eligible"))["total"]
    return int(total or 0)


def roll_list(vote: Vote) -> QuerySet[RollEntry]:
    """The roll in the order of its members' names. The members are the vote's
    cooperative's: said in the filter, it lets the database walk the cooperative's index of
    member names and stop at the page, instead of sorting the whole roll for every page."""
    return (
        RollEntry.objects.filter(vote=vote, member__cooperative_id=vote.cooperative_id)
        .select_related("member", "vote_college")
        .order_by("member__name", "member_id")
    )


def roll_search(vote: Vote, text: str, *, exclude: Iterable[int] = ()) -> QuerySet[RollEntry]:
    """The roll entries whose member's name contains `text` (any case), in name order;
    without the members `exclude` names. Callers slice it: a page, or the booth's short
    list of possible proxy holders."""
    entries = roll_list(vote).filter(member__name__icontains=text)
    if exclude:
        entries = entries.exclude(member_id__in=list(exclude))
    return entries


def proxy_holder_search(
    vote: Vote, text: str, *, exclude: Iterable[int] = ()
) -> QuerySet[RollEntry]:
    """roll_search less the members who may hold no more proxies under the vote's rules
    (`DecisionRules.proxy_cap_allows`, the cap the service applies): who may be given a
    proxy, for the booth's page and for the roll endpoint the booth's script asks alike."""
    entries = roll_search(vote, text, exclude=exclude)
    if vote.rules_version is None:
        return entries
    rules = decision_rules(vote.rules_version, vote.decision_kind)
    if rules.proxy_cap is None:
        return entries
    held = (
        Proxy.objects.filter(vote=vote, revoked_at__isnull=True, holder_id=OuterRef("member_id"))
        .order_by()
        .values("holder_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return entries.annotate(proxies_held=Coalesce(Subquery(held), 0)).filter(
        rules.proxy_cap_allows("proxies_held")
    )


def open_ballot_list(vote: Vote) -> QuerySet[Ballot]:
    """The ballots that count on an open vote, with who cast them, in the order of their
    members' names (walked by the cooperative's index of names, as `roll_list`)."""
    return (
        Ballot.objects.filter(
            vote=vote, is_current=True, roll_entry__member__cooperative_id=vote.cooperative_id
        )
        .select_related("roll_entry__member", "vote_college", "cast_by", "proxy")
        .order_by("roll_entry__member__name", "roll_entry__member_id", "id")
    )


def box_list(vote: Vote) -> QuerySet[SecretBallot]:
    """The published box: college and choice of every ballot counted, in the order of its
    random key (which says nothing about who voted or when)."""
    return SecretBallot.objects.filter(vote=vote).select_related("vote_college").order_by("id")


def counted_trackers(vote: Vote) -> QuerySet[CountedTracker]:
    """The trackers of the ballots opened into the box at the close, sorted."""
    return CountedTracker.objects.filter(vote=vote).order_by("tracker")


def tracker_counted(vote: Vote, code: str) -> bool:
    """Whether the ballot of this tracker counts: until the close, whether it is the sealed
    ballot standing on some roll entry (a replaced ballot's tracker no longer counts);
    after it, whether it was opened into the box. Never which choice it holds."""
    tracker = tracker_from_code(code)
    if vote.status == VoteStatus.CLOSED:
        return CountedTracker.objects.filter(vote=vote, tracker=tracker).exists()
    return (
        RollEntry.objects.filter(vote=vote, tracker=tracker).exists()
        or UnlinkedSealedBallot.objects.filter(vote=vote, tracker=tracker).exists()
    )


def small_colleges(vote: Vote, colleges: list[VoteCollege] | None = None) -> list[VoteCollege]:
    """Colleges of a secret vote with fewer members on the roll than the setting
    SECRET_BALLOT_SMALL_COLLEGE: their result, published per college, may show how their
    members voted. Empty for an open ballot."""
    if not vote.is_secret:
        return []
    threshold = small_college_threshold()
    colleges = colleges if colleges is not None else vote_colleges(vote)
    return [c for c in colleges if c.eligible < threshold]


def small_college_threshold() -> int:
    return int(str(settings.COLLEGIA.get("SECRET_BALLOT_SMALL_COLLEGE", 3)))


def small_college_warnings(vote: Vote) -> list[dict[str, Any]]:
    """The board's warning, one per college too small for the secrecy of this vote."""
    threshold = small_college_threshold()
    return [
        {
            "code": "small_college_secrecy",
            "message": ngettext(
                "The college %(name)s has %(count)d member on the roll, fewer than "
                "%(threshold)d: its result, published per college, may show how its members "
                "voted. Its members are told in the booth.",
                "The college %(name)s has %(count)d members on the roll, fewer than "
                "%(threshold)d: its result, published per college, may show how its members "
                "voted. Its members are told in the booth.",
                college.eligible,
            )
            % {"name": college.name, "count": college.eligible, "threshold": threshold},
            "college": college.key,
            "eligible": college.eligible,
        }
        for college in small_colleges(vote)
    ]


def proxy_list(vote: Vote, person: Viewer, role: CooperativeRole) -> QuerySet[Proxy]:
    """The board sees every proxy; a member those given or held by members they act for."""
    proxies = Proxy.objects.filter(vote=vote).select_related("principal", "holder")
    if role.is_board:
        return proxies.order_by("id")
    mine = [m.pk for m in members_acting_person(vote.cooperative, person)]
    return proxies.filter(Q(principal_id__in=mine) | Q(holder_id__in=mine)).order_by("id")


def objection_list(vote: Vote) -> QuerySet[Objection]:
    return Objection.objects.filter(vote=vote).select_related("member", "raised_by").order_by("id")


@dataclass(frozen=True)
class Participation:
    """What one person may do in a vote: as which members, and for whom by proxy."""

    members: list[RollEntry]
    proxies_held: list[Proxy]
    proxies_given: list[Proxy]


def participation(vote: Vote, person: Viewer) -> Participation:
    members = members_acting_person(vote.cooperative, person)
    ids = [m.pk for m in members]
    entries = list(
        RollEntry.objects.filter(vote=vote, member_id__in=ids)
        .select_related("member", "vote_college")
        .order_by("member__name")
    )
    live = Proxy.objects.filter(vote=vote, revoked_at__isnull=True).select_related(
        "principal", "holder"
    )
    return Participation(
        members=entries,
        proxies_held=list(live.filter(holder_id__in=ids).order_by("id")),
        proxies_given=list(live.filter(principal_id__in=ids).order_by("id")),
    )


def decision_list_since(
    person: Viewer, cooperative: Cooperative, role: CooperativeRole, *, since: int, limit: int
) -> list[Decision]:
    """Decisions after the cursor, in feed order: what a platform needs to catch up.

    The cursor is the feed position (Decision.feed_position), not the id: positions are
    given in commit order, so a decision committed after a poll always comes after that
    poll's cursor, whichever of two concurrent closes took its id first."""
    decisions = Decision.objects.filter(cooperative=cooperative, feed_position__gt=since)
    if not role.is_board:
        decisions = decisions.filter(vote__in=vote_visible_queryset(person, cooperative))
    return list(
        decisions.select_related("vote", "proposal", "cooperative").order_by("feed_position")[
            :limit
        ]
    )
